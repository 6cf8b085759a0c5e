#!/usr/bin/env bash
# test_cli_seed_files.sh — the seed scenario of test_cli_seed.sh from MariaDB and from SQLite into
# a files destination (file:///DIR, Parquet): five runs, 1000/1999/2998/3997/4178 rows read back
# through DuckDB's read_parquet of the table's glob and through every dataset command.
#
#   bash tests/cli/test_cli_seed_files.sh PATH-TO-SLUICE   (SLUICE_TEST_MYSQL_URL must be set)
SEED_SUITES="mysql:files sqlite:files"
. "$(dirname "${BASH_SOURCE[0]}")/test_cli_seed.sh" "$@"
