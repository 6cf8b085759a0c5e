#!/usr/bin/env bash
# test_cli_faults.sh — `sluice run` under faults, against real servers: the source server killed
# mid-run (a throwaway MariaDB of this test's own), the source connection killed mid-chunk (KILL in
# MariaDB, pg_terminate_backend in PostgreSQL), a query timeout (max_statement_time,
# statement_timeout), SIGINT and SIGTERM mid-chunk, and two runs of one pipeline at once (refused
# with exit 4, or waiting with --wait-lock; a SIGKILLed holder leaves no lock behind); and
# --retries, which reconnects to the killed server once it is back.
#
# Every fault must end in a non-zero exit with one precise stderr line naming what failed, leave
# the destination at the end of its last committed chunk (no partial chunk: the rows are exactly
# those the committed state covers, a prefix of the source), and the next run must continue from
# there to a destination equal to the source by count and by a checksum over all columns.
#
# Faults that concern the destination or the commit (signals, locks) run against both
# destinations, DuckDB and PostgreSQL (SLUICE_TEST_PG_URL). To land a fault mid-run without
# timing luck, the test waits until the run has committed a chunk (the local state mirror is
# rewritten after each commit) and, where the fault is outside the process, freezes the run with
# SIGSTOP while it strikes.
#
#   bash tests/cli/test_cli_faults.sh PATH-TO-SLUICE
#   (SLUICE_TEST_MYSQL_URL and SLUICE_TEST_PG_URL must be set, as scripts/run-tests does)

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

mysql_setup
PG_URL=${SLUICE_TEST_PG_URL:-}
[ -n "$PG_URL" ] || die "SLUICE_TEST_PG_URL is not set (run the tests with scripts/run-tests)"
command -v psql >/dev/null || die "the psql program is not installed"
TOP=$(cd "$TEST_DIR/../.." && pwd)

ROWS=200000
PGSRC="fsrc_$$" # the PostgreSQL source schema; destination datasets are fdst_*_$$
PG_DATASETS=()
SRV_DIR="" # the throwaway MariaDB of section (a)

pg() { PGOPTIONS="-c client_min_messages=warning" psql "$PG_URL" -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

faults_cleanup() {
	local ds
	if [ -n "$SRV_DIR" ] && [ -d "$SRV_DIR" ]; then
		"$TOP/scripts/test-server" mariadb stop "$SRV_DIR" >/dev/null 2>&1 ||
			say "could not stop the throwaway MariaDB in $SRV_DIR"
	fi
	pg -c "DROP SCHEMA IF EXISTS $PGSRC CASCADE" >/dev/null 2>&1
	for ds in "${PG_DATASETS[@]}"; do
		pg -c "DROP SCHEMA IF EXISTS $ds CASCADE" >/dev/null 2>&1
	done
	cleanup
}
trap faults_cleanup EXIT

# ---------------------------------------------------------------- sources

# The rows of the crash test: `created` grows with id but every 100th row repeats its
# predecessor's; some payloads and amounts are NULL. Ordered by (created, id) they are in id
# order, so the rows of whole committed chunks are exactly ids 1..N.
my_rows() { # $1 = first id, $2 = last id
	printf "SELECT seq, TIMESTAMP '2020-01-01 00:00:00' + INTERVAL (IF(seq %% 100 = 0, seq - 1, seq) * 1000003) MICROSECOND, IF(seq %% 37 = 0, NULL, CONCAT('payload-', seq, '-', MD5(seq))), IF(seq %% 53 = 0, NULL, (seq * 7919 %% 10000000) / 100 - 20000) FROM seq_%d_to_%d" "$1" "$2"
}

# my_events MDB-FUNCTION DB — create events with ROWS rows (MDB-FUNCTION runs the client).
my_events() {
	"$1" "$2" -e "CREATE TABLE events (id BIGINT PRIMARY KEY, created DATETIME(6) NOT NULL,
		payload VARCHAR(100), amount DECIMAL(12,2), KEY (created));
		INSERT INTO events $(my_rows 1 "$ROWS")"
}

MY_SUM="SELECT COUNT(*), COUNT(DISTINCT id), SUM(id), SUM(amount), COUNT(payload),
	SUM(CAST(CONV(LEFT(MD5(CONCAT_WS('|', id,
		TIMESTAMPDIFF(MICROSECOND, TIMESTAMP '2000-01-01 00:00:00', created),
		COALESCE(payload, '<null>'), COALESCE(CAST(amount AS CHAR), '<null>'))), 15), 16, 10)
		AS UNSIGNED))"
DUCK_SUM="SELECT COUNT(*), COUNT(DISTINCT id), SUM(id), SUM(amount), COUNT(payload),
	SUM(('0x' || left(md5(concat_ws('|', id,
		date_diff('microsecond', TIMESTAMP '2000-01-01 00:00:00', created),
		COALESCE(payload, '<null>'), COALESCE(CAST(amount AS VARCHAR), '<null>'))), 15))::BIGINT)"
PG_SUM="SELECT COUNT(*), COUNT(DISTINCT id), SUM(id), SUM(amount), COUNT(payload),
	SUM(('x' || left(md5(concat_ws('|', id,
		(extract(epoch FROM created - TIMESTAMP '2000-01-01 00:00:00') * 1000000)::bigint,
		COALESCE(payload, '<null>'), COALESCE(amount::text, '<null>'))), 15))::bit(60)::bigint)"

section "sources: $ROWS rows in MariaDB and in PostgreSQL"
mysql_new_db DB faults
MY_URL=$(mysql_url "$DB")
my_events mdb "$DB" || die "cannot create the MariaDB events table"
assert_eq "MariaDB source: rows" "$ROWS" "$(mdb "$DB" -e 'SELECT COUNT(*) FROM events')"
pg <<SQL || die "cannot create the PostgreSQL source"
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS $PGSRC CASCADE;
CREATE SCHEMA $PGSRC;
CREATE TABLE $PGSRC.events (id bigint PRIMARY KEY, created timestamp(6) NOT NULL,
	payload varchar(100), amount numeric(12,2));
INSERT INTO $PGSRC.events SELECT n,
	TIMESTAMP '2020-01-01 00:00:00' + (CASE WHEN n % 100 = 0 THEN n - 1 ELSE n END) * 1000003
		* INTERVAL '1 microsecond',
	CASE WHEN n % 37 = 0 THEN NULL ELSE 'payload-' || n || '-' || md5(n::text) END,
	CASE WHEN n % 53 = 0 THEN NULL ELSE (n * 7919 % 10000000) / 100.0 - 20000 END
	FROM generate_series(1::bigint, $ROWS) AS n;
CREATE INDEX ON $PGSRC.events (created);
SQL
PG_SRC_URL="$PG_URL?schema=$PGSRC"
MY_SRC_SUM=$(mdb "$DB" -e "$MY_SUM FROM events" | tr '\t' ',')
PG_SRC_SUM=$(pg -F , -c "$PG_SUM FROM $PGSRC.events")
assert_eq "both sources hold the same rows (count, sums, all-column checksum)" "$MY_SRC_SUM" \
	"$PG_SRC_SUM"

# ---------------------------------------------------------------- helpers

# dest_opts PIPELINE duckdb|pg — the destination options of a pipeline (sets DEST_OPTS, SUM_SQL).
dest_opts() {
	if [ "$2" = duckdb ]; then
		DEST_OPTS=(--destination "duckdb:///$T/$1.duckdb" --dataset ds)
		SUM_SQL=$DUCK_SUM
	else
		local ds="fdst_${1}_$$"
		PG_DATASETS+=("$ds")
		DEST_OPTS=(--destination "$PG_URL" --dataset "$ds")
		SUM_SQL=$PG_SUM
	fi
}

# committed PIPELINE — rows_loaded of events in the local state mirror (0 before any commit).
committed() {
	local f=$SLUICE_PIPELINES_DIR/$1/state.json n
	n=$(grep -o '"rows_loaded": *[0-9]*' "$f" 2>/dev/null | head -n 1 | grep -o '[0-9]*$')
	echo "${n:-0}"
}

# wait_commit PIPELINE PID BEFORE — wait until PID's run has committed past BEFORE rows; false
# when the run ended first (or after 120 s).
wait_commit() {
	local i
	for ((i = 0; i < 6000; i++)); do
		[ "$(committed "$1")" -gt "$3" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.02
	done
	return 1
}

# start_run NAME ARGS... — `sluice run ARGS...` in the background, output in $T/NAME.out/.err;
# sets PID.
start_run() {
	local name=$1
	shift
	"$SLUICE" run "$@" >"$T/$name.out" 2>"$T/$name.err" &
	PID=$!
	bg_track "$PID"
}

# finish_run — wait for $PID; sets RC, OUT, ERR like `sl` does (name from start_run's $1).
finish_run() {
	wait "$PID" 2>/dev/null
	RC=$?
	OUT=$(cat "$T/$1.out")
	ERR=$(cat "$T/$1.err")
	LAST_CMD="sluice run ... ($1, in the background)"
}

# consistent DESC PIPELINE — the destination holds exactly the rows its committed state covers:
# as many rows as the state's rows_loaded, no id twice, ids 1..N (a prefix of the source in
# cursor order), and the state's last value is the created of row N. A partial chunk would add
# rows beyond the state; a lost one would leave a gap.
consistent() {
	local desc=$1 p=$2 n st
	sl state "$p"
	st=$(json_get "$OUT" 'j["tables"].get("events", {}).get("rows_loaded", 0)' \
		'j["tables"].get("events", {}).get("last_value")')
	n=$(printf '%s\n' "$st" | head -n 1)
	assert_eq "$desc: the destination holds exactly the committed chunks ($n rows)" \
		"$n,$n,$n" "$(sl_csv "$p" "SELECT COUNT(*), COUNT(DISTINCT id), COALESCE(MAX(id), 0) FROM events" |
			sed 's/^ERROR.*does not exist.*/0,0,0/')"
	if [ "$n" -gt 0 ]; then
		# every source holds the same rows: ask the shared MariaDB for row N's cursor
		assert_match "$desc: the state's last value is row $n's cursor" \
			"^$(mdb "$DB" -e "SELECT DATE_FORMAT(created, '%Y-%m-%d %H:%i:%s') FROM events WHERE id = $n")" \
			"$(printf '%s\n' "$st" | tail -n 1)"
	fi
}

# equal DESC PIPELINE SOURCE-SUM — the destination equals the source: count, sums, checksum.
equal() {
	assert_eq "$1: destination == source (count, sums, all-column checksum)" "$3" \
		"$(sl_csv "$2" "$SUM_SQL FROM events")"
}

# finish_load DESC PIPELINE SOURCE-SUM RUN-ARGS... — the next run completes, then destination ==
# source.
finish_load() {
	local desc=$1 p=$2 sum=$3
	shift 3
	sl run "$@"
	assert_ok "$desc: the next run exits 0"
	assert_match "$desc: ... and loads the rest" 'all rows loaded' "$OUT"
	equal "$desc" "$p" "$sum"
}

# one_error DESC ERE — the last run failed with exactly one stderr line, matching ERE.
one_error() {
	assert_one_line_error "$1" "$2"
	say "stderr: $ERR"
}

# ---------------------------------------------------------------- (d) SIGINT and SIGTERM

# The signal must land while a chunk is being read, not while one commits. Reading is so much
# faster than committing that a signal sent after a commit mostly meets the next commit, so these
# runs read a view that sleeps per row (0.2 ms asked, about 1 ms in practice: 600-row chunks take
# over 0.1 s to read, a few ms to commit). The sleep is in the select list: evaluated as rows are sent, after any sort, so the
# rows stream. Its rows are the first SIG_ROWS of the big table.
SIG_ROWS=6000
mysql_new_db SIGDB sig
mdb "$SIGDB" -e "CREATE TABLE base (id BIGINT PRIMARY KEY, created DATETIME(6) NOT NULL,
	payload VARCHAR(100), amount DECIMAL(12,2), KEY (created));
	INSERT INTO base $(my_rows 1 "$SIG_ROWS");
	CREATE VIEW events AS SELECT id, created, payload, amount, SLEEP(0.0002) AS nap FROM base" ||
	die "cannot create the slow view for the signal tests"
SIG_SUM=$(mdb "$SIGDB" -e "$MY_SUM FROM base" | tr '\t' ',')
SIG_URL=$(mysql_url "$SIGDB")

INTERRUPTED_RE="^sluice: error: interrupted: the open chunk of table 'events' was rolled back \(([0-9]+) rows read\); ([0-9]+) chunks? \(([0-9]+) rows\) committed in this run stay$"

# signal_case DEST SIG — interrupt runs right after one of their commits, up to 4 times until one
# lands in the middle of a chunk (rows read and not committed), then finish the load.
signal_case() {
	local dest=$1 sig=$2 p="sig_${1}_${2,,}" tries=0 mid=0 before interrupted=0
	dest_opts "$p" "$dest"
	local opts=(--table events --pipeline "$p" "${DEST_OPTS[@]}" --cursor created
		--primary-key id --chunk-size 600 --progress none)
	section "(d) SIG$sig mid-chunk, $dest destination"
	while [ "$mid" -eq 0 ] && [ "$tries" -lt 4 ]; do
		tries=$((tries + 1))
		before=$(committed "$p")
		start_run "$p" "$SIG_URL" "${opts[@]}"
		if ! wait_commit "$p" "$PID" "$before"; then
			finish_run "$p"
			fail "SIG$sig try $tries: the run committed a chunk before the signal" \
				"exit $RC, stderr: $ERR"
			return
		fi
		kill "-$sig" "$PID"
		finish_run "$p"
		assert_rc "SIG$sig try $tries: exit 3" 3
		one_error "SIG$sig try $tries: one line saying the open chunk was rolled back" \
			"$INTERRUPTED_RE"
		[[ "$ERR" =~ $INTERRUPTED_RE ]] || continue
		interrupted=$((interrupted + 1))
		local read=${BASH_REMATCH[1]} rows=${BASH_REMATCH[3]}
		say "try $tries: signal after $before+ rows: $read rows of the open chunk rolled back, $rows committed in the run"
		[ "$read" -gt 0 ] && mid=1
		assert_eq "SIG$sig try $tries: the run's committed rows are in the state" \
			"$((before + rows))" "$(committed "$p")"
		consistent "SIG$sig try $tries" "$p"
	done
	assert_eq "SIG$sig: a signal landed mid-chunk (rows read, rolled back)" 1 "$mid"
	assert_eq "SIG$sig: every interrupted run is recorded as such in _sluice_loads" \
		"$interrupted" "$(sl_csv "$p" "SELECT COUNT(*) FROM _sluice_loads WHERE status = 'interrupted'")"
	finish_load "SIG$sig" "$p" "$SIG_SUM" "$SIG_URL" "${opts[@]}"
}

for dest in duckdb pg; do
	signal_case "$dest" INT
	signal_case "$dest" TERM
done

# ---------------------------------------------------------------- (e) two runs at once

LOCKED_RE="^sluice: error: pipeline '[a-z_]+' is locked by another run: pid"

# lock_case DEST — a run frozen (SIGSTOP) after a commit holds the pipeline; others are refused
# or wait; then a SIGKILLed holder must not leave the lock behind.
lock_case() {
	local dest=$1 p="lock_$1" holder waiter other=""
	dest_opts "$p" "$dest"
	local opts=(--table events --pipeline "$p" "${DEST_OPTS[@]}" --cursor created
		--primary-key id --chunk-size 5000 --progress none)
	section "(e) two runs at once, $dest destination"
	start_run "${p}_a" "$MY_URL" "${opts[@]}"
	holder=$PID
	wait_commit "$p" "$holder" 0 || die "the first run of $p did not commit a chunk"
	kill -STOP "$holder"

	sl run "$MY_URL" "${opts[@]}"
	assert_rc "a second run is refused: exit 4" 4
	one_error "... with one line naming the pipeline and the holder's pid" \
		"^sluice: error: pipeline '$p' is locked by another run: pid $holder on "
	sl run "$MY_URL" "${opts[@]}" --wait-lock=0.3
	assert_rc "--wait-lock=0.3 gives up: exit 4" 4
	one_error "... saying how long it waited" "^sluice: error: pipeline '$p' is locked by another run: pid $holder on .* \(waited 0\.[3-9] s\)$"
	sl reset "$p" --table events
	assert_rc "reset while a run holds the pipeline: exit 4" 4
	one_error "... one line naming the pipeline" "$LOCKED_RE $holder on "

	# a run from another machine (another pipelines directory) meets the destination's lock
	sl run "$MY_URL" "${opts[@]}" --pipelines-dir "$T/elsewhere"
	assert_rc "a run with other local state is refused too: exit 4" 4
	if [ "$dest" = duckdb ]; then
		one_error "... by DuckDB, naming the file" \
			"^sluice: error: pipeline '$p' cannot run: DuckDB file '$T/$p.duckdb' is locked by another process"
	else
		one_error "... by the PostgreSQL advisory lock, naming the holder" \
			"^sluice: error: pipeline '$p' is locked by another run: 'sluice pid $holder' \(PostgreSQL backend [0-9]+, client 127\.0\.0\.1\)$"
		start_run "${p}_c" "$MY_URL" "${opts[@]}" --pipelines-dir "$T/elsewhere" --wait-lock
		other=$PID
	fi
	start_run "${p}_b" "$MY_URL" "${opts[@]}" --wait-lock=120
	waiter=$PID
	sleep 0.5
	assert_eq "--wait-lock waits while the holder is frozen" yes \
		"$(kill -0 "$waiter" 2>/dev/null && echo yes || echo no)"
	kill -CONT "$holder"
	PID=$holder finish_run "${p}_a"
	assert_rc "the holder finishes: exit 0" 0
	PID=$waiter finish_run "${p}_b"
	assert_rc "the waiting run then succeeds: exit 0" 0
	assert_match "... finding nothing left" "events: 0 rows loaded" "$OUT"
	if [ -n "$other" ]; then
		PID=$other finish_run "${p}_c"
		assert_rc "the waiting run from elsewhere succeeds too: exit 0" 0
		assert_match "... finding nothing left" "events: 0 rows loaded" "$OUT"
	fi
	equal "two runs at once" "$p" "$MY_SRC_SUM"
}

# The SIGKILLed holder: more rows in a source of its own, a run killed after a commit; the next
# run must get the lock at once. (PostgreSQL notices the dead client's session when it reads from
# it, a moment later: that run waits for the advisory lock a little if it must.)
killed_holder_case() {
	local dest=$1 p="killed_$1" wait=()
	dest_opts "$p" "$dest"
	[ "$dest" = pg ] && wait=(--wait-lock=60)
	local opts=(--table events --pipeline "$p" "${DEST_OPTS[@]}" --cursor created
		--primary-key id --chunk-size 5000 --progress none)
	section "(e) a SIGKILLed holder leaves no lock, $dest destination"
	start_run "$p" "$MY_URL" "${opts[@]}"
	wait_commit "$p" "$PID" 0 || die "the run of $p did not commit a chunk"
	kill -KILL "$PID"
	finish_run "$p"
	assert_contains "the lock file still names the dead holder" "pid $PID on" \
		"$(cat "$SLUICE_PIPELINES_DIR/$p/lock")"
	consistent "SIGKILLed holder" "$p"
	finish_load "after a SIGKILLed holder" "$p" "$MY_SRC_SUM" "$MY_URL" "${opts[@]}" "${wait[@]}"
}

for dest in duckdb pg; do
	lock_case "$dest"
	killed_holder_case "$dest"
done

# ---------------------------------------------------------------- (b) the connection killed

# freeze_after_commit NAME PIPELINE ARGS... — start a run, let it commit a chunk, SIGSTOP it.
freeze_after_commit() {
	local name=$1 p=$2
	shift 2
	start_run "$name" "$@"
	wait_commit "$p" "$PID" 0 || die "the run of $p did not commit a chunk"
	kill -STOP "$PID"
}

section "(b) the MariaDB connection killed mid-chunk (KILL)"
dest_opts kill_my duckdb
OPTS=(--table events --pipeline kill_my "${DEST_OPTS[@]}" --cursor created --primary-key id
	--chunk-size 5000 --progress none)
freeze_after_commit kill_my kill_my "$MY_URL" "${OPTS[@]}"
conn=$(mdb "" -e "SELECT id FROM information_schema.processlist WHERE db = '$DB' AND id <> CONNECTION_ID()")
assert_match "the run's source connection is found" '^[0-9]+$' "$conn"
mdb "" -e "KILL $conn" || fail "KILL $conn failed"
kill -CONT "$PID"
finish_run kill_my
assert_rc "connection killed: exit 1" 1
one_error "connection killed: one line naming server and table" \
	"^sluice: error: MySQL at 127\.0\.0\.1:$MY_PORT: reading $DB\.events: "
consistent "connection killed" kill_my
assert_eq "connection killed: the load is recorded as failed" 1 \
	"$(sl_csv kill_my "SELECT COUNT(*) FROM _sluice_loads WHERE status = 'failed'")"
finish_load "connection killed" kill_my "$MY_SRC_SUM" "$MY_URL" "${OPTS[@]}"

section "(b) the PostgreSQL source connection killed mid-chunk (pg_terminate_backend)"
dest_opts kill_pg pg
OPTS=(--table events --pipeline kill_pg "${DEST_OPTS[@]}" --cursor created --primary-key id
	--chunk-size 5000 --progress none)
freeze_after_commit kill_pg kill_pg "$PG_SRC_URL" "${OPTS[@]}"
backend=$(pg -c "SELECT pid FROM pg_stat_activity WHERE query LIKE 'COPY (SELECT%$PGSRC%' AND pid <> pg_backend_pid()")
assert_match "the run's source backend is found" '^[0-9]+$' "$backend"
assert_eq "pg_terminate_backend($backend)" t "$(pg -c "SELECT pg_terminate_backend($backend)")"
kill -CONT "$PID"
finish_run kill_pg
assert_rc "backend terminated: exit 1" 1
one_error "backend terminated: one line naming server and table" \
	"^sluice: error: PostgreSQL .*127\.0\.0\.1:$SLUICE_TEST_PG_PORT.*events"
consistent "backend terminated" kill_pg
finish_load "backend terminated" kill_pg "$PG_SRC_SUM" "$PG_SRC_URL" "${OPTS[@]}"

# ---------------------------------------------------------------- (c) query timeouts

# A view that sleeps a millisecond per row (in the select list, as above) makes a 3000-row scan
# take 3 s whatever the machine; the server's statement timeout of 1 s ends it after a few
# committed chunks. Its rows are those of the big table's first 3000.
SLOW_ROWS=3000
section "(c) a MariaDB query timeout (URL option max_statement_time)"
mysql_new_db SLOWDB slow
mdb "$SLOWDB" -e "CREATE TABLE base (id BIGINT PRIMARY KEY, created DATETIME(6) NOT NULL,
	payload VARCHAR(100), amount DECIMAL(12,2), KEY (created));
	INSERT INTO base $(my_rows 1 "$SLOW_ROWS");
	CREATE VIEW events AS SELECT id, created, payload, amount, SLEEP(0.001) AS nap FROM base" ||
	die "cannot create the slow view"
SLOW_SUM=$(mdb "$SLOWDB" -e "$MY_SUM FROM base" | tr '\t' ',')
dest_opts slow_my duckdb
OPTS=(--table events --pipeline slow_my "${DEST_OPTS[@]}" --cursor created --primary-key id
	--chunk-size 200 --progress none)
sl run "$(mysql_url "$SLOWDB")?max_statement_time=1" "${OPTS[@]}"
assert_rc "max_statement_time: exit 1" 1
one_error "max_statement_time: one line naming the table and the timeout" \
	"^sluice: error: MySQL at 127\.0\.0\.1:$MY_PORT: .*$SLOWDB\.events: .*max_statement_time exceeded"
consistent "max_statement_time" slow_my
finish_load "max_statement_time" slow_my "$SLOW_SUM" "$(mysql_url "$SLOWDB")" "${OPTS[@]}"

section "(c) a PostgreSQL query timeout (URL option options=-c statement_timeout=...)"
SLOWPG="fslow_$$"
PG_DATASETS+=("$SLOWPG")
pg <<SQL || die "cannot create the slow PostgreSQL view"
CREATE SCHEMA $SLOWPG;
CREATE TABLE $SLOWPG.base AS SELECT * FROM $PGSRC.events WHERE id <= $SLOW_ROWS;
CREATE FUNCTION $SLOWPG.nap() RETURNS boolean LANGUAGE plpgsql VOLATILE AS
	\$\$ BEGIN PERFORM pg_sleep(0.001); RETURN true; END \$\$;
CREATE VIEW $SLOWPG.events AS SELECT *, $SLOWPG.nap() AS nap FROM $SLOWPG.base;
SQL
dest_opts slow_pg duckdb
OPTS=(--table events --pipeline slow_pg "${DEST_OPTS[@]}" --cursor created --primary-key id
	--chunk-size 200 --progress none)
# PostgreSQL sorts before the first row leaves, running nap() for every row: the timeout strikes
# before the first commit (the MariaDB case above commits chunks first)
sl run "$PG_URL?schema=$SLOWPG&options=-c%20statement_timeout%3D1000" "${OPTS[@]}"
assert_rc "statement_timeout: exit 1" 1
one_error "statement_timeout: one line naming the table and the timeout" \
	"^sluice: error: PostgreSQL .*events.*statement timeout"
consistent "statement_timeout" slow_pg
finish_load "statement_timeout" slow_pg "$SLOW_SUM" "$PG_URL?schema=$SLOWPG" "${OPTS[@]}"

# ---------------------------------------------------------------- (a) the source server killed

section "(a) the MariaDB source server killed mid-run (a throwaway server of this test's own)"
SRV_DIR=$T/srv
"$TOP/scripts/test-server" mariadb start "$SRV_DIR" >/dev/null 2>"$T/srv.log" ||
	die "cannot start a throwaway MariaDB: $(tail -n 5 "$T/srv.log")"
SRV_URL=$(. "$SRV_DIR/env" && echo "$SLUICE_TEST_MYSQL_URL")
SRV_PORT=$(. "$SRV_DIR/env" && echo "$SLUICE_TEST_MYSQL_PORT")
srv() {
	local db=$1
	shift
	(. "$SRV_DIR/env" && MYSQL_PWD=$SLUICE_TEST_MYSQL_PASSWORD mariadb --no-defaults \
		--protocol=tcp -h 127.0.0.1 -P "$SLUICE_TEST_MYSQL_PORT" -u "$SLUICE_TEST_MYSQL_USER" \
		-B -N ${db:+"$db"} "$@")
}
my_events srv sluice_test || die "cannot create events on the throwaway MariaDB"
SRV_PID=$(cat "$SRV_DIR/server.pid")
mapfile -d '' SRV_CMD <"/proc/$SRV_PID/cmdline"
dest_opts srvkill duckdb
OPTS=(--table events --pipeline srvkill "${DEST_OPTS[@]}" --cursor created --primary-key id
	--chunk-size 5000 --progress none)
freeze_after_commit srvkill srvkill "$SRV_URL" "${OPTS[@]}"
kill -KILL "$SRV_PID"
for _ in $(seq 100); do
	[ -d "/proc/$SRV_PID" ] || break
	sleep 0.1
done
kill -CONT "$PID"
finish_run srvkill
assert_rc "server killed: exit 1" 1
one_error "server killed: one line naming server and table" \
	"^sluice: error: MySQL at 127\.0\.0\.1:$SRV_PORT: reading sluice_test\.events: "
consistent "server killed" srvkill
sl run "$SRV_URL" "${OPTS[@]}"
assert_rc "server down: exit 1" 1
one_error "server down: one line, connection refused" \
	"^sluice: error: cannot connect to MySQL at 127\.0\.0\.1:$SRV_PORT: Connection refused$"
consistent "server down" srvkill

# The same server again, on its crashed data directory (InnoDB recovers). A run with --retries
# starts while it is still down and connects once it is back (connecting is the one step that is
# retried: nothing is read or written before it).
start_run srvkill_retry "$SRV_URL" "${OPTS[@]}" --retries 30
retrier=$PID
setsid "${SRV_CMD[@]}" </dev/null >>"$SRV_DIR/restart.log" 2>&1 &
echo $! >"$SRV_DIR/server.pid"
up=no
for _ in $(seq 300); do
	srv "" -e 'SELECT 1' >/dev/null 2>&1 && up=yes && break
	sleep 0.2
done
assert_eq "the killed server comes back" yes "$up"
PID=$retrier finish_run srvkill_retry
assert_rc "the run with --retries connects once the server is back: exit 0" 0
assert_match "... and loads the rest" 'all rows loaded' "$OUT"
equal "server killed" srvkill "$MY_SRC_SUM"
sl run "$SRV_URL" "${OPTS[@]}"
assert_ok "one more run exits 0"
assert_match "... and finds nothing new" 'events: 0 rows loaded' "$OUT"

section "--retries gives up with one line"
"$TOP/scripts/test-server" mariadb stop "$SRV_DIR" >/dev/null 2>&1
sl run "$SRV_URL" "${OPTS[@]}" --retries 1
assert_rc "--retries 1 against a stopped server: exit 1" 1
one_error "... one line saying how often it tried" \
	"^sluice: error: cannot connect to MySQL at 127\.0\.0\.1:$SRV_PORT: Connection refused \(tried 2 times\)$"
sl run "$SRV_URL" "${OPTS[@]}" --retries 101
assert_rc "--retries 101: usage error" 2

finish
