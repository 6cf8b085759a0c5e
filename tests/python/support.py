"""Helpers of the Python tests: SQL on the test servers through their command-line clients (no
Python driver is needed), and the URLs run.sh hands over."""

import os
import subprocess

MYSQL_URL = os.environ["SLUICE_TEST_MYSQL_DB_URL"]  # an empty database of the test's own
PG_URL = os.environ["SLUICE_TEST_PG_URL"]


def client_env(**extra):
    """The environment for a database client: without the sanitizer runtimes run.sh preloads
    for an ASan build of the library (psql deadlocks in glob() under them)."""
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    env.update(extra)
    return env


def mysql(sql):
    """Run SQL in the test's MariaDB database; returns its tab-separated output."""
    env = client_env(MYSQL_PWD=os.environ["SLUICE_TEST_MY_PW"])
    return subprocess.run(
        ["mariadb", "--no-defaults", "--protocol=tcp", "-h", os.environ["SLUICE_TEST_MY_HOST"],
         "-P", os.environ["SLUICE_TEST_MY_PORT"], "-u", os.environ["SLUICE_TEST_MY_USER"],
         "--default-character-set=utf8mb4", "-B", "-N", os.environ["SLUICE_TEST_MY_DB"]],
        input=sql, text=True, env=env, check=True, capture_output=True).stdout


def psql(sql):
    """Run SQL in the test PostgreSQL database."""
    return subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", PG_URL],
                          input=sql, text=True, env=client_env(), check=True,
                          capture_output=True).stdout
