#!/usr/bin/env bash
# test_cli_crash_merge.sh — test_cli_crash.sh with the merge write disposition and --sync-deletes
# while the source's rows are updated and deleted all through the kills (MariaDB into DuckDB).
CRASH_MERGE=1
CRASH_KILLS=${CRASH_KILLS:-12}
. "$(dirname "${BASH_SOURCE[0]}")/test_cli_crash.sh" "$@"
