#!/usr/bin/env bash
# test_cli_diskfull.sh — the destination runs out of space in the middle of a backfill. The run
# must fail with a clear one-line error (not die from SIGXFSZ without a word), the destination
# must stay readable and consistent (the committed chunks intact, as many rows as the committed
# state says, none twice), and the next run with space back must end with destination == source
# (count and a checksum over all columns).
#
# Three ways to run out of space:
#   - a file size limit (ulimit -f) on the sluice process: DuckDB's write() fails with EFBIG;
#   - a DuckDB file on a small tmpfs: ENOSPC;
#   - a PostgreSQL destination whose tables live in a tablespace on a small tmpfs: ENOSPC in the
#     server, the chunk's transaction fails.
# The tmpfs cases need `mount` (root, and a container allowed to mount); when it is refused they
# are reported as not run and the ulimit case still is.
#
#   bash tests/cli/test_cli_diskfull.sh PATH-TO-SLUICE   (SLUICE_TEST_MYSQL_URL, SLUICE_TEST_PG_URL)

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

mysql_setup

ROWS=200000
CHUNK=10000

MOUNTS=()
PG_CLEANUP=()
disk_cleanup() {
	local m c
	for c in "${PG_CLEANUP[@]}"; do
		psql -q -X "${SLUICE_TEST_PG_ADMIN_URL:-$SLUICE_TEST_PG_URL}" -c "$c" >/dev/null 2>&1 ||
			say "cleanup failed: $c"
	done
	for m in "${MOUNTS[@]}"; do
		umount "$m" 2>/dev/null && rmdir "$m"
	done
}
trap 'disk_cleanup; cleanup' EXIT

mysql_new_db DB disk
URL=$(mysql_url "$DB")

section "source: $ROWS rows"
{
	echo "CREATE TABLE events (id BIGINT PRIMARY KEY, created DATETIME(6) NOT NULL,"
	echo "	payload VARCHAR(200), amount DECIMAL(12,2));"
	echo "INSERT INTO events VALUES (1, TIMESTAMP '2020-01-01 00:00:00', CONCAT('payload-1-', MD5(1), MD5(2)), 0.01);"
	for ((size = 1; size < ROWS; size *= 2)); do
		echo "INSERT INTO events SELECT id + $size, created + INTERVAL $size SECOND,"
		echo "	IF((id + $size) % 37 = 0, NULL, CONCAT('payload-', id + $size, '-', MD5(id + $size), MD5(id + $size + 1))),"
		echo "	(id + $size) / 100 FROM events;"
	done
	echo "DELETE FROM events WHERE id > $ROWS;"
} | mdb "$DB" || die "cannot create the events table"
assert_eq "source rows" "$ROWS" "$(mdb "$DB" -e 'SELECT COUNT(*) FROM events')"

SRC_SUM=$(mdb "$DB" -e "SELECT COUNT(*), COUNT(DISTINCT id), SUM(id), SUM(amount), COUNT(payload),
	SUM(CAST(CONV(LEFT(MD5(CONCAT_WS('|', id,
		TIMESTAMPDIFF(MICROSECOND, TIMESTAMP '2000-01-01 00:00:00', created),
		COALESCE(payload, '<null>'), COALESCE(CAST(amount AS CHAR), '<null>'))), 15), 16, 10)
		AS UNSIGNED)) FROM events" | tr '\t' ',')

DUCK_SUM="SELECT COUNT(*), COUNT(DISTINCT id), SUM(id), SUM(amount), COUNT(payload),
	SUM(('0x' || left(md5(concat_ws('|', id,
		date_diff('microsecond', TIMESTAMP '2000-01-01 00:00:00', created),
		COALESCE(payload, '<null>'), COALESCE(CAST(amount AS VARCHAR), '<null>'))), 15))::BIGINT)
	FROM events"
PG_SUM="SELECT COUNT(*), COUNT(DISTINCT id), SUM(id), SUM(amount), COUNT(payload),
	SUM(('x' || lpad(left(md5(concat_ws('|', id,
		(EXTRACT(EPOCH FROM created - TIMESTAMP '2000-01-01 00:00:00') * 1000000)::bigint,
		COALESCE(payload, '<null>'), COALESCE(CAST(amount AS text), '<null>'))), 15), 16, '0'))::bit(64)::bigint)
	FROM events"

# after_failure NAME PIPELINE — the checks after a run that ran out of space.
after_failure() {
	local name=$1 p=$2 rows state
	assert_rc "$name: the run fails with exit code 1 (not killed by a signal)" 1
	say "$name: $ERR"
	assert_one_line_error "$name: one clear line about the space" \
		'(File too large|No space left on device|could not extend file)'
	rows=$(sl_csv "$p" "SELECT COUNT(*) FROM events")
	sl state "$p"
	assert_ok "$name: the state is readable"
	state=$(json_get "$OUT" 'j["tables"]["events"]["rows_loaded"]')
	assert_eq "$name: the destination is readable and holds what the state says" "$state" "$rows"
	assert_eq "$name: no id twice" "$rows" "$(sl_csv "$p" "SELECT COUNT(DISTINCT id) FROM events")"
	assert_eq "$name: whole chunks only" "0" "$((rows % CHUNK))"
	if [ "$rows" -gt 0 ] && [ "$rows" -lt "$ROWS" ]; then
		pass "$name: space ran out in the middle ($rows of $ROWS rows committed)"
	else
		fail "$name: space ran out in the middle" "rows committed: $rows of $ROWS"
	fi
}

# after_retry NAME PIPELINE SUMSQL — the checks after the run with space back.
after_retry() {
	local name=$1 p=$2
	assert_ok "$name: with space back the next run succeeds"
	assert_match "$name: ... to the end" 'all rows loaded' "$OUT"
	assert_eq "$name: destination == source (count, sums, all-column checksum)" "$SRC_SUM" \
		"$(sl_csv "$p" "$3" | tr -d '"')"
}

# new_tmpfs VAR SIZE [OPTIONS] — mount a tmpfs of SIZE on a new directory, its path in VAR;
# returns non-zero when mounting is not allowed here.
new_tmpfs() {
	local dir
	dir=$(mktemp -d /tmp/sluice-diskfull.XXXXXX) || return 1
	if ! mount -t tmpfs -o "size=$2${3:+,$3}" tmpfs "$dir" 2>"$T/.mount.err"; then
		rmdir "$dir"
		return 1
	fi
	MOUNTS+=("$dir")
	printf -v "$1" '%s' "$dir"
}

OPTS=(--table events --dataset ev --cursor created --primary-key id --chunk-size "$CHUNK"
	--progress none)

section "DuckDB, file size limit (ulimit -f)"
LAST_CMD="sluice run (ulimit -f 3072)"
(
	ulimit -f 3072
	exec "$SLUICE" run "$URL" "${OPTS[@]}" --pipeline fsize --destination "duckdb:///$T/fsize.duckdb"
) >"$T/.out" 2>"$T/.err"
RC=$?
OUT=$(cat "$T/.out")
ERR=$(cat "$T/.err")
after_failure "ulimit -f" fsize
sl run "$URL" "${OPTS[@]}" --pipeline fsize --destination "duckdb:///$T/fsize.duckdb"
after_retry "ulimit -f" fsize "$DUCK_SUM"

section "DuckDB on a full tmpfs"
if new_tmpfs DIR 6m; then
	sl run "$URL" "${OPTS[@]}" --pipeline tmpfs --destination "duckdb:///$DIR/ev.duckdb"
	after_failure "tmpfs" tmpfs
	mount -o remount,size=128m "$DIR" || fail "cannot grow the tmpfs"
	sl run "$URL" "${OPTS[@]}" --pipeline tmpfs --destination "duckdb:///$DIR/ev.duckdb"
	after_retry "tmpfs" tmpfs "$DUCK_SUM"
else
	say "NOT RUN: cannot mount a tmpfs here ($(cat "$T/.mount.err")); the ulimit case covers DuckDB"
fi

section "PostgreSQL, tablespace on a full tmpfs"
PG_ADMIN=${SLUICE_TEST_PG_ADMIN_URL:-}
if [ -z "${SLUICE_TEST_PG_URL:-}" ] || [ -z "$PG_ADMIN" ]; then
	die "SLUICE_TEST_PG_URL and SLUICE_TEST_PG_ADMIN_URL must be set (run with scripts/run-tests)"
fi
# the tablespace directory must belong to the operating system user the server runs as
PG_OWNER=$(stat -c %U "$(psql -X -A -t "$PG_ADMIN" -c "SHOW data_directory")" 2>/dev/null)
PG_USER=$(psql -X -A -t "$SLUICE_TEST_PG_URL" -c "SELECT current_user")
if id -u "$PG_OWNER" >/dev/null 2>&1 && new_tmpfs PGDIR 8m "mode=0700,uid=$(id -u "$PG_OWNER")"; then
	TS="sl_diskfull_$$"
	DS="sl_diskfull_ev_$$"
	PG_CLEANUP+=("DROP SCHEMA IF EXISTS \"$DS\" CASCADE" "DROP TABLESPACE IF EXISTS $TS")
	psql -q -X -v ON_ERROR_STOP=1 "$PG_ADMIN" \
		-c "CREATE TABLESPACE $TS LOCATION '$PGDIR'" \
		-c "GRANT CREATE ON TABLESPACE $TS TO \"$PG_USER\"" || die "cannot create tablespace $TS"
	# every table of the dataset, sluice's own included, is created in the small tablespace
	PGDEST="$SLUICE_TEST_PG_URL?options=-c%20default_tablespace%3D$TS"
	PGOPTS=(--table events --dataset "$DS" --cursor created --primary-key id --chunk-size "$CHUNK"
		--progress none --pipeline pgfull --destination "$PGDEST")
	sl run "$URL" "${PGOPTS[@]}"
	after_failure "PostgreSQL tablespace" pgfull
	mount -o remount,size=256m "$PGDIR" || fail "cannot grow the tmpfs"
	sl run "$URL" "${PGOPTS[@]}"
	after_retry "PostgreSQL tablespace" pgfull "$PG_SUM"
else
	say "NOT RUN: cannot mount a tmpfs for the PostgreSQL server here"
fi

finish
