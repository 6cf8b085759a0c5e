#!/usr/bin/env bash
# test_cli_crash_pg_dest.sh — test_cli_crash.sh from MariaDB into PostgreSQL.
CRASH_SOURCE=mysql CRASH_DEST=postgresql
. "$(dirname "${BASH_SOURCE[0]}")/test_cli_crash.sh" "$@"
