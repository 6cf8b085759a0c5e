#!/usr/bin/env bash
# test_cli_crash_files.sh — test_cli_crash.sh from MariaDB into a files destination (Parquet):
# kill -9 at random moments, and after every kill a plain reader of the table's glob (DuckDB's
# read_parquet, which recovers nothing) sees no id twice; after the last run the files equal the
# source (count and an all-column checksum).
CRASH_DEST=files
CRASH_KILLS=${CRASH_KILLS:-12}
. "$(dirname "${BASH_SOURCE[0]}")/test_cli_crash.sh" "$@"
