# lib.sh — shared helpers for the end-to-end tests of the `sluice` program (tests/cli/test_*.sh).
#
# A test script sources this with its own arguments:   . "$(dirname "$0")/lib.sh" "$@"
# $1 is the sluice binary. The script gets a private temp directory $T (also $HOME and, as
# $T/pipelines, SLUICE_PIPELINES_DIR), MariaDB access through SLUICE_TEST_MYSQL_URL (exported by
# scripts/run-tests; the test fails when it is missing), and one assert function per kind of
# check. Every assert prints an "ok" or a "FAIL" line, the latter with both sides, and the script
# ends with `finish`, which prints "N passed, M failed" and exits non-zero on any failure. An EXIT
# trap kills what the script started in the background, drops the databases it created and
# removes $T (kept when SLUICE_TEST_KEEP=1, for a post-mortem).
#
# PostgreSQL (SLUICE_TEST_PG_URL) is there for the scripts that call pg_setup; databases they make
# with pg_new_db are dropped on exit too.
#
# Environment: SLUICE_TEST_MYSQL_URL (required), SLUICE_TEST_KEEP, SLUICE_TEST_CMD_TIMEOUT
# (seconds any one sluice command may take, default 120).

set -u
set -o pipefail

TEST_NAME=$(basename "$0" .sh)
TEST_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC2034 # for the scripts that source this file
DATA_DIR=$(cd "$TEST_DIR/../data" && pwd)
PASSED=0
FAILED=0
BG_PIDS=()
CREATED_DBS=()
CREATED_PG_DBS=()
T=""

say() { printf '%s: %s\n' "$TEST_NAME" "$*"; }

# section TITLE — a heading in the output, so a failure is easy to place.
section() { printf '\n== %s  (at %d s)\n' "$*" "$SECONDS"; }

pass() {
	PASSED=$((PASSED + 1))
	printf 'ok   %s\n' "$1"
}

# fail DESC [DETAIL-LINE...]
fail() {
	FAILED=$((FAILED + 1))
	printf 'FAIL %s\n' "$1"
	shift
	local l
	for l in "$@"; do
		printf '%s\n' "$l" | sed 's/^/       /'
	done
}

finish() {
	printf '\n%s: %d passed, %d failed\n' "$TEST_NAME" "$PASSED" "$FAILED"
	if [ "$FAILED" -gt 0 ] || [ "$PASSED" -eq 0 ]; then
		exit 1
	fi
	exit 0
}

# die MESSAGE — a precondition failed: count it, summarize and stop.
die() {
	fail "$TEST_NAME cannot go on: $*"
	finish
}

# ---------------------------------------------------------------- asserts

# assert_eq DESC EXPECTED ACTUAL
assert_eq() {
	if [ "$2" == "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected: [$2]" "got:      [$3]"
	fi
}

# assert_ne DESC UNEXPECTED ACTUAL
assert_ne() {
	if [ "$2" != "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected anything but: [$2]" "got:                   [$3]"
	fi
}

# matches ERE TEXT — any line of TEXT matches the extended regex. Not `grep -q`: it exits at the
# first match, and under pipefail the writer's SIGPIPE would then turn a match into a failure.
matches() { printf '%s\n' "$2" | grep -E -- "$1" >/dev/null; }

# assert_match DESC ERE ACTUAL — ACTUAL (any line of it) matches the extended regex.
assert_match() {
	if matches "$2" "$3"; then
		pass "$1"
	else
		fail "$1" "expected a match for: /$2/" "got: [$3]"
	fi
}

# assert_no_match DESC ERE ACTUAL
assert_no_match() {
	if matches "$2" "$3"; then
		fail "$1" "expected no match for: /$2/" "got: [$3]"
	else
		pass "$1"
	fi
}

# assert_contains DESC NEEDLE HAYSTACK — a fixed string.
assert_contains() {
	if [[ "$3" == *"$2"* ]]; then
		pass "$1"
	else
		fail "$1" "expected to contain: [$2]" "got: [$3]"
	fi
}

# assert_not_contains DESC NEEDLE HAYSTACK
assert_not_contains() {
	if [[ "$3" == *"$2"* ]]; then
		fail "$1" "expected not to contain: [$2]" "got: [$3]"
	else
		pass "$1"
	fi
}

# assert_ge DESC MIN ACTUAL — integers.
assert_ge() {
	if [[ "$3" =~ ^-?[0-9]+$ ]] && [ "$3" -ge "$2" ]; then
		pass "$1"
	else
		fail "$1" "expected an integer >= $2" "got: [$3]"
	fi
}

# assert_rc DESC EXPECTED — the exit code of the last `sl` (with its stderr on failure).
assert_rc() {
	if [ "$RC" -eq "$2" ]; then
		pass "$1"
	else
		fail "$1" "expected exit code $2, got $RC" "command: ${LAST_CMD}" "stdout: [$OUT]" \
			"stderr: [$ERR]"
	fi
}

# assert_ok DESC — the last `sl` exited 0.
assert_ok() { assert_rc "$1" 0; }

# assert_one_line_error DESC ERE — the last `sl` failed with exactly one stderr line matching ERE.
assert_one_line_error() {
	local n
	n=$(printf '%s' "$ERR" | grep -c '')
	if [ "$RC" -ne 0 ] && [ "$n" -eq 1 ] && matches "$2" "$ERR"; then
		pass "$1"
	else
		fail "$1" "expected a non-zero exit and one stderr line matching /$2/" \
			"got exit code $RC and $n stderr line(s): [$ERR]" "command: ${LAST_CMD}"
	fi
}

# ---------------------------------------------------------------- running sluice

# sl ARGS... — run sluice; sets OUT (stdout), ERR (stderr), RC. Never fails the script.
sl() {
	LAST_CMD="sluice $*"
	timeout -k 5 "${SLUICE_TEST_CMD_TIMEOUT:-120}" "$SLUICE" "$@" >"$T/.out" 2>"$T/.err"
	RC=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
	return 0
}

# sl_csv PIPELINE SQL — the result rows of a query as CSV without the header line (CRs removed);
# prints "ERROR: ..." instead when the query fails, so a comparison shows why.
sl_csv() {
	sl sql "$1" "$2" --format csv
	if [ "$RC" -ne 0 ]; then
		printf 'ERROR(rc=%s): %s\n' "$RC" "$ERR"
		return 0
	fi
	printf '%s\n' "$OUT" | tr -d '\r' | tail -n +2
}

# json_get JSON PYTHON-EXPR... — evaluate each EXPR with the parsed JSON as `j` and print one line
# per EXPR: the result (lists and objects as JSON), or "ERROR: ..." when the JSON does not parse
# or EXPR fails. Several EXPRs in one call save interpreter start-ups:
#   mapfile -t v < <(json_get "$OUT" 'j["a"]' 'len(j["b"])')
json_get() {
	printf '%s' "$1" >"$T/.json"
	shift
	python3 -c "$_SL_PY_EVAL" json "$T/.json" "$@"
}

# csv_get CSV PYTHON-EXPR... — the same for CSV text, parsed (RFC 4180) into `rows`, a list of
# lists whose first element is the header.
csv_get() {
	printf '%s' "$1" >"$T/.csv"
	shift
	python3 -c "$_SL_PY_EVAL" csv "$T/.csv" "$@"
}

_SL_PY_EVAL='
import csv, json, sys
kind, path, exprs = sys.argv[1], sys.argv[2], sys.argv[3:]
try:
    with open(path, encoding="utf-8", newline="") as f:
        if kind == "json":
            j = json.load(f)
        else:
            rows = list(csv.reader(f))
    err = None
except Exception as e:
    err = "ERROR: %s: %s" % (type(e).__name__, e)
for x in exprs:
    if err:
        print(err)
        continue
    try:
        r = eval(x)
        r = json.dumps(r, ensure_ascii=False) if isinstance(r, (dict, list)) else str(r)
        print(r.replace("\n", "\\n"))
    except Exception as e:
        print("ERROR: %s: %s" % (type(e).__name__, e))
'

# ---------------------------------------------------------------- MariaDB

# The test server's address comes from SLUICE_TEST_MYSQL_URL, mysql://USER:PW@HOST:PORT/DB.
mysql_setup() {
	local url=${SLUICE_TEST_MYSQL_URL:-}
	[ -n "$url" ] || die "SLUICE_TEST_MYSQL_URL is not set (run the tests with scripts/run-tests, which starts MariaDB)"
	local re='^(mysql|mariadb)(\+[a-z]+)?://([^:@/]+)(:([^@/]*))?@([^:/]+)(:([0-9]+))?/([^/?]+)'
	[[ "$url" =~ $re ]] || die "SLUICE_TEST_MYSQL_URL is not a mysql://user:pw@host:port/db URL"
	MY_USER=${BASH_REMATCH[3]}
	MY_PW=${BASH_REMATCH[5]}
	MY_HOST=${BASH_REMATCH[6]}
	MY_PORT=${BASH_REMATCH[8]:-3306}
	case "$MY_HOST" in
	127.0.0.1 | localhost) ;;
	*) die "SLUICE_TEST_MYSQL_URL must point at 127.0.0.1, not $MY_HOST" ;;
	esac
	MY_HOST=127.0.0.1
	command -v mariadb >/dev/null || die "the mariadb client is not installed"
	mdb "" -e 'SELECT 1' >/dev/null || die "cannot reach MariaDB at $MY_HOST:$MY_PORT as $MY_USER"
}

# mdb DB ARGS... — the mariadb client on the test server, batch mode, no column names.
mdb() {
	local db=$1
	shift
	MYSQL_PWD=$MY_PW mariadb --no-defaults --protocol=tcp -h "$MY_HOST" -P "$MY_PORT" \
		-u "$MY_USER" --default-character-set=utf8mb4 -B -N ${db:+"$db"} "$@"
}

# mysql_url DB — the source URL of database DB on the test server.
mysql_url() { printf 'mysql://%s:%s@%s:%s/%s' "$MY_USER" "$MY_PW" "$MY_HOST" "$MY_PORT" "$1"; }

# mysql_new_db VAR SUFFIX — create a database of this script's own, dropped on exit, and put its
# name in VAR. (Not $(...): the name must be recorded in this shell for the cleanup.)
mysql_new_db() {
	local name="sl_${TEST_NAME}_$2_$$"
	name=${name//[^A-Za-z0-9_]/_}
	CREATED_DBS+=("$name")
	mdb "" -e "DROP DATABASE IF EXISTS \`$name\`; CREATE DATABASE \`$name\` CHARACTER SET utf8mb4" ||
		die "cannot create database $name"
	printf -v "$1" '%s' "$name"
}

# ---------------------------------------------------------------- PostgreSQL

# The test server's address comes from SLUICE_TEST_PG_URL, postgresql://USER:PW@HOST:PORT/DB;
# scripts/test-server also exports its parts (SLUICE_TEST_PG_HOST, ...) and its socket directory.
pg_setup() {
	local url=${SLUICE_TEST_PG_URL:-}
	[ -n "$url" ] || die "SLUICE_TEST_PG_URL is not set (run the tests with scripts/run-tests, which starts PostgreSQL)"
	local re='^(postgresql|postgres)(\+[a-z0-9]+)?://([^:@/]+)(:([^@/]*))?@([^:/]+)(:([0-9]+))?/([^/?]+)'
	[[ "$url" =~ $re ]] || die "SLUICE_TEST_PG_URL is not a postgresql://user:pw@host:port/db URL"
	PG_USER=${BASH_REMATCH[3]}
	PG_PW=${BASH_REMATCH[5]}
	PG_HOST=${BASH_REMATCH[6]}
	PG_PORT=${BASH_REMATCH[8]:-5432}
	PG_DB=${BASH_REMATCH[9]}
	case "$PG_HOST" in
	127.0.0.1 | localhost) ;;
	*) die "SLUICE_TEST_PG_URL must point at 127.0.0.1, not $PG_HOST" ;;
	esac
	PG_HOST=127.0.0.1
	command -v psql >/dev/null || die "the psql program is not installed"
	pq "$PG_DB" -c 'SELECT 1' >/dev/null || die "cannot reach PostgreSQL at $PG_HOST:$PG_PORT as $PG_USER"
}

# pq DB ARGS... — psql on the test server over TCP: unaligned, tuples only, ',' between fields,
# stop on the first error, no ~/.psqlrc.
pq() {
	local db=$1
	shift
	PGPASSWORD=$PG_PW PGOPTIONS=${PGOPTIONS:-} psql -X -q -At -F , -v ON_ERROR_STOP=1 \
		-h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$db" "$@"
}

# pg_url DB — the URL of database DB on the test server.
pg_url() { printf 'postgresql://%s:%s@%s:%s/%s' "$PG_USER" "$PG_PW" "$PG_HOST" "$PG_PORT" "$1"; }

# pg_new_db VAR SUFFIX — create a database of this script's own, dropped on exit, and put its
# name in VAR.
pg_new_db() {
	local name="sl_${TEST_NAME}_$2_$$"
	name=${name//[^A-Za-z0-9_]/_}
	name=${name,,}
	CREATED_PG_DBS+=("$name")
	pq "$PG_DB" -c "DROP DATABASE IF EXISTS \"$name\"" -c "CREATE DATABASE \"$name\"" >/dev/null 2>&1 ||
		die "cannot create PostgreSQL database $name"
	printf -v "$1" '%s' "$name"
}

# ---------------------------------------------------------------- background processes

# bg_track PID — kill PID on exit if it still runs.
bg_track() { BG_PIDS+=("$1"); }

# bg_kill PID — end a background process of ours and reap it.
bg_kill() {
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# ---------------------------------------------------------------- setup and cleanup

cleanup() {
	local pid db
	for pid in "${BG_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	if [ -n "${MY_PORT:-}" ]; then
		for db in "${CREATED_DBS[@]}"; do
			mdb "" -e "DROP DATABASE IF EXISTS \`$db\`" >/dev/null 2>&1 ||
				say "could not drop database $db"
		done
	fi
	if [ -n "${PG_PORT:-}" ]; then
		for db in "${CREATED_PG_DBS[@]}"; do
			pq "$PG_DB" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 ||
				say "could not drop PostgreSQL database $db"
		done
	fi
	if [ -n "$T" ] && [ -d "$T" ]; then
		if [ "${SLUICE_TEST_KEEP:-0}" = 1 ]; then
			say "kept $T"
		else
			rm -rf "$T"
		fi
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

SLUICE=${1:-}
if [ -z "$SLUICE" ] || [ ! -x "$SLUICE" ]; then
	echo "usage: $0 PATH-TO-SLUICE (got '${SLUICE}', not an executable)" >&2
	die "no sluice binary given"
fi
SLUICE=$(cd "$(dirname "$SLUICE")" && pwd)/$(basename "$SLUICE")
command -v python3 >/dev/null || die "python3 is needed to check JSON and CSV output"

# under ctest, inside the test's own work directory (build/tests/work/NAME)
T=$(mktemp -d "${SLUICE_TEST_WORKDIR:-${TMPDIR:-/tmp}}/sluice-$TEST_NAME.XXXXXX") || die "mktemp failed"
export HOME=$T/home
export SLUICE_PIPELINES_DIR=$T/pipelines
mkdir -p "$HOME"
cd "$T" || die "cannot cd to $T"
