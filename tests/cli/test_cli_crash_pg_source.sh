#!/usr/bin/env bash
# test_cli_crash_pg_source.sh — test_cli_crash.sh from PostgreSQL into DuckDB.
CRASH_SOURCE=postgresql CRASH_DEST=duckdb
. "$(dirname "${BASH_SOURCE[0]}")/test_cli_crash.sh" "$@"
