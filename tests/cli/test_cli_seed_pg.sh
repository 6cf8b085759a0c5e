#!/usr/bin/env bash
# test_cli_seed_pg.sh — test_cli_seed.sh from PostgreSQL into DuckDB, and from MariaDB into
# PostgreSQL: the seed's five runs, then tables, show, sql, status, state, reset (with and
# without --drop-data), --dev-mode, --until-done, and the state restored from a PostgreSQL
# destination. (PostgreSQL into PostgreSQL: test_example_seed.sh and test_incremental.)
SEED_SUITES="postgresql:duckdb mysql:postgresql"
. "$(dirname "${BASH_SOURCE[0]}")/test_cli_seed.sh" "$@"
