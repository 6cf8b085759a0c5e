#!/usr/bin/env bash
# run.sh — run one Python test of the sluice package against the servers of scripts/run-tests.
#
#   bash tests/python/run.sh SLUICE-CLI LIBSLUICE TEST [SANITIZE]
#
# TEST is backfill_in_chunks.py (the seed script: its URL placeholder is filled in with a fresh
# MariaDB database holding the Rfam fixture, then it runs as a script and its five asserts must
# pass) or a tests/python/test_*.py module (run with unittest). Python is /usr/bin/python3,
# Debian's, with PYTHONPATH=python; the library is handed over as SLUICE_LIBRARY. With SANITIZE
# ON (the library is built with ASan/UBSan) the sanitizer runtime is preloaded into python,
# which an instrumented shared library needs, and leak detection is off: CPython keeps
# allocations until exit by design, which LeakSanitizer would report.
#
# The test gets SLUICE_TEST_RFAM_URL (a MariaDB database with the Rfam family table),
# SLUICE_TEST_MYSQL_DB_URL (an empty MariaDB database of its own), the mariadb client's
# settings (SLUICE_TEST_MY_*), and SLUICE_TEST_PG_URL; databases are dropped on exit.

. "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh" "$1"

LIB=$2
TEST=$3
SANITIZE=${4:-OFF}
PY=/usr/bin/python3
TOP=$(cd "$TEST_DIR/../.." && pwd)
TEST_NAME=python_$(basename "$TEST" .py)

[ -x "$PY" ] || die "$PY is not installed"
[ -f "$LIB" ] || die "the library is not built: $LIB"
"$PY" -c 'import pandas' 2>/dev/null || die "pandas is missing: apt-get install python3-pandas"
mysql_setup

case "$SANITIZE" in
ON | on | 1 | TRUE | true)
	asan=$(gcc -print-file-name=libasan.so)
	ubsan=$(gcc -print-file-name=libubsan.so)
	[ -f "$asan" ] || die "the ASan runtime is missing: $asan"
	export LD_PRELOAD="$asan${ubsan:+:$ubsan}"
	export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:${ASAN_OPTIONS/detect_leaks=1/}}"
	;;
esac

mysql_new_db RFAM rfam
mdb "$RFAM" <"$DATA_DIR/rfam_family_mysql.sql" || die "cannot load rfam_family_mysql.sql"
mysql_new_db SCRATCH scratch
export SLUICE_LIBRARY=$LIB
export SLUICE_TEST_RFAM_URL=$(mysql_url "$RFAM")
export SLUICE_TEST_MYSQL_DB_URL=$(mysql_url "$SCRATCH")
export SLUICE_TEST_MY_HOST=$MY_HOST SLUICE_TEST_MY_PORT=$MY_PORT SLUICE_TEST_MY_USER=$MY_USER
export SLUICE_TEST_MY_PW=$MY_PW SLUICE_TEST_MY_DB=$SCRATCH
export SLUICE_PIPELINES_DIR=$T/pipelines
export PYTHONPATH=$TOP/python:$TEST_DIR/../python
export PYTHONDONTWRITEBYTECODE=1

case "$(basename "$TEST")" in
backfill_in_chunks.py)
	# the seed, with only its URL filled in; run from a directory of its own, as a user would
	mkdir -p "$T/seed"
	sed "s|@SLUICE_TEST_RFAM_URL@|$SLUICE_TEST_RFAM_URL|" "$TEST" >"$T/seed/backfill_in_chunks.py"
	OUT=$(cd "$T/seed" && "$PY" backfill_in_chunks.py 2>&1)
	RC=$?
	LAST_CMD="python3 backfill_in_chunks.py"
	ERR=$OUT
	assert_rc "the seed script runs to its end: its five asserts (1000, 1999, 2998, 3997, 4178) pass" 0
	[ -n "$OUT" ] && printf '%s\n' "$OUT" | sed 's/^/       /'
	[ -z "$MY_PW" ] || assert_not_contains "no password in the output" "$MY_PW" "$OUT"
	# the destination it left: 4178 unique rows, loaded in five runs of the same pipeline
	got=$(cd "$T/seed" && "$PY" - <<'PY'
import sluice
p = sluice.attach("rfam")
ds = p.dataset()
df = ds.family.df()
loads = ds("SELECT count(DISTINCT load_id) FROM _sluice_loads WHERE table_name = 'family'").fetchone()[0]
print(len(df), df.rfam_id.nunique(), loads)
PY
	)
	assert_eq "the DuckDB file holds 4178 unique families from 5 loads" "4178 4178 5" "$got"
	;;
*)
	cd "$T" || die "no work directory"
	"$PY" -m unittest -v "$(basename "$TEST" .py)" 2>&1
	RC=$?
	LAST_CMD="python3 -m unittest $(basename "$TEST")"
	OUT="" ERR=""
	assert_rc "unittest $(basename "$TEST") passes" 0
	;;
esac
finish
