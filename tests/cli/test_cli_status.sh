#!/usr/bin/env bash
# test_cli_status.sh — `sluice status` answers with what it can read, and `sluice reset` does not
# silently load a table twice, against real servers:
#  - `status --format json` is one JSON document: numbers as numbers, unknowns as null;
#  - `reset --table T` of an append table that keeps its rows is refused (exit 2) unless
#    --drop-data or --keep-data says which; after --keep-data and a run, status does not call the
#    doubled table "fully loaded" but names the reset; a replace table resets without either;
#  - with the source unreachable (its password given to the run in PGPASSWORD or MYSQL_PWD but
#    not to status, its SQLite file gone, a closed port) status exits 0 with the destination's
#    figures and one line saying why the source's are unavailable, never a password;
#  - while a run (frozen with SIGSTOP after a commit) holds a DuckDB file, status exits 0 with
#    the local record's figures and the run's pid; with a PostgreSQL destination it reads the
#    destination and names the run too.
#
#   bash tests/cli/test_cli_status.sh PATH-TO-SLUICE   (SLUICE_TEST_MYSQL_URL, SLUICE_TEST_PG_URL)

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

command -v sqlite3 >/dev/null || die "the sqlite3 program is needed"
mysql_setup
pg_setup

ROWS=3000

# jq_ok DESC EXPECTED EXPR — one JSON expression over the last `sl` output.
jq_ok() { assert_eq "$1" "$2" "$(json_get "$OUT" "$3")"; }

# wait_until SECONDS COMMAND... — poll every 20 ms until COMMAND succeeds; false after SECONDS.
wait_until() {
	local i n=$(($1 * 50))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.02
	done
	return 1
}

mirrored() { [ -s "$SLUICE_PIPELINES_DIR/$1/state.json" ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }

# finish_bg PID — let a frozen run go on and reap it (at most 60 s); sets RC.
finish_bg() {
	kill -CONT "$1" 2>/dev/null
	wait_until 60 gone "$1" || kill -KILL "$1" 2>/dev/null
	wait "$1"
	RC=$?
}

# ---------------------------------------------------------------- sources

section "sources: $ROWS rows in MariaDB, PostgreSQL and SQLite"
mysql_new_db DB status
MY_URL=$(mysql_url "$DB")
mdb "$DB" -e "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL);
	INSERT INTO items SELECT seq, CONCAT('item ', seq) FROM seq_1_to_$ROWS;
	CREATE TABLE kinds (k INT PRIMARY KEY); INSERT INTO kinds SELECT seq FROM seq_1_to_5" ||
	die "cannot create the MariaDB tables"
pg_new_db PGDB src
pq "$PGDB" -c "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);
	INSERT INTO items SELECT n, 'item ' || n FROM generate_series(1, $ROWS) n" >/dev/null ||
	die "cannot create the PostgreSQL table"
BIG=200000
sqlite3 "$T/big.db" "CREATE TABLE ev (id INTEGER PRIMARY KEY, v TEXT);
	WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $BIG)
	INSERT INTO ev SELECT i, 'v' || i FROM n;" || die "cannot create the SQLite source"

MY_RUN=(--table items --pipeline st --destination "duckdb:///$T/st.duckdb" --cursor id
	--chunk-size 1000 --progress none)

# ---------------------------------------------------------------- JSON

section "status --format json after one chunk of three"
sl run "$MY_URL" "${MY_RUN[@]}" --limit-chunks 1
assert_ok "first chunk"
sl status st --format json
assert_ok "status --format json exits 0"
jq_ok "json: top level" "st|False|destination|None|None" \
	'"|".join(str(x) for x in (j["pipeline_name"], j["run_in_progress"], j["figures_from"], j["source_error"], j["run_pid"]))'
jq_ok "json: one table, items" "items" '",".join(t["table"] for t in j["tables"])'
jq_ok "json: counts are integers" "1000 2000 3000" \
	'" ".join(str(j["tables"][0][k]) for k in ("rows_loaded", "rows_remaining", "source_rows") if type(j["tables"][0][k]) is int)'
jq_ok "json: percent_done is a number" "33.33" 'j["tables"][0]["percent_done"]'
jq_ok "json: last and max values" "1000 $ROWS" 'j["tables"][0]["last_value"] + " " + j["tables"][0]["source_max"]'
jq_ok "json: not fully loaded, nothing extra" "False 0 None None" \
	'" ".join(str(j["tables"][0][k]) for k in ("fully_loaded", "extra_rows", "reset_keep_data_at", "schema_changes"))'
jq_ok "json: the last load" "completed 1000 True" \
	'"%s %s %s" % (j["tables"][0]["last_load"]["status"], j["tables"][0]["last_load"]["rows"], j["tables"][0]["last_load"]["finished_at"] is not None)'
sl status st --format yaml
assert_rc "--format yaml is a usage error" 2

# ---------------------------------------------------------------- reset

section "reset of an append table: refused unless --drop-data or --keep-data"
sl run "$MY_URL" "${MY_RUN[@]}" --until-done
assert_ok "load the rest"
sl status st
assert_match "status: fully loaded" '^ *fully loaded$' "$OUT"
sl reset st --table items
assert_one_line_error "reset --table items is refused with one line" \
	"^sluice reset: pipeline 'st': resetting table 'items' \($ROWS rows\) would keep its rows, and the next run would load them again .*--drop-data.*--keep-data"
assert_rc "... exit 2" 2
sl reset st
assert_rc "reset of every table is refused too: exit 2" 2
sl reset st --table items --drop-data --keep-data
assert_rc "--drop-data with --keep-data: exit 2" 2
sl state st
jq_ok "the refused resets changed nothing" "$ROWS" 'j["tables"]["items"]["last_value"]'

sl reset st --table items --keep-data
assert_ok "reset --keep-data"
assert_match "... says the rows stay" "kept its rows" "$OUT"
sl run "$MY_URL" "${MY_RUN[@]}" --until-done
assert_ok "a run after reset --keep-data"
assert_eq "... loaded every row again" "$((2 * ROWS))" "$(sl_csv st 'SELECT COUNT(*) FROM items')"
sl status st
assert_ok "status of the doubled table exits 0"
assert_no_match "status does not call it fully loaded" 'fully loaded' "$OUT"
assert_match "... but says why it has more rows than the source" \
	"destination has $((2 * ROWS)) rows, source $ROWS: rows loaded twice\? \(reset --keep-data on [0-9]{4}-" "$OUT"
sl status st --format json
jq_ok "json: fully_loaded false, extra_rows, the reset" "False $ROWS True" \
	'"%s %s %s" % (j["tables"][0]["fully_loaded"], j["tables"][0]["extra_rows"], j["tables"][0]["reset_keep_data_at"] is not None)'

sl reset st --table items --drop-data
assert_ok "reset --drop-data"
sl run "$MY_URL" "${MY_RUN[@]}" --until-done
assert_eq "after --drop-data the table is loaded once" "$ROWS" "$(sl_csv st 'SELECT COUNT(*) FROM items')"
sl status st
assert_match "... and fully loaded" '^ *fully loaded$' "$OUT"

sl run "$MY_URL" --table kinds --pipeline repl --destination "duckdb:///$T/repl.duckdb" --progress none
assert_ok "a replace table (no cursor)"
sl reset repl --table kinds
assert_ok "resets without --drop-data or --keep-data (it is loaded whole each run)"

# ---------------------------------------------------------------- source unavailable

section "source unavailable: destination figures, and why"
PG_NOPW="postgresql://$PG_USER@$PG_HOST:$PG_PORT/$PGDB"
PGPASSWORD=$PG_PW sl run "$PG_NOPW" --table items --pipeline pgenv --destination "duckdb:///$T/pgenv.duckdb" \
	--cursor id --chunk-size 1000 --limit-chunks 2 --progress none
assert_ok "a run with the password in PGPASSWORD"
sl status pgenv
assert_ok "status without PGPASSWORD exits 0"
assert_match "... says why the source figures are unavailable" \
	"^source figures unavailable: access denied for user '$PG_USER' to .*PGPASSWORD" "$OUT"
assert_match "... and shows the rows loaded" 'rows loaded +2000$' "$OUT"
assert_match "... and the last value" 'last value +2000$' "$OUT"
assert_match "... and the source figures as unknown" 'rows remaining +unknown' "$OUT"
assert_not_contains "... never the password" "$PG_PW" "$OUT$ERR"
sl status pgenv --format json
jq_ok "json: source_error, destination figures, nulls" "True 2000 2000 None None None None" \
	'"%s %s %s %s %s %s %s" % (j["source_error"].startswith("access denied"), j["tables"][0]["rows_loaded"], j["tables"][0]["last_value"], j["tables"][0]["source_max"], j["tables"][0]["rows_remaining"], j["tables"][0]["percent_done"], j["tables"][0]["fully_loaded"])'

MY_NOPW="mysql://$MY_USER@$MY_HOST:$MY_PORT/$DB"
MYSQL_PWD=$MY_PW sl run "$MY_NOPW" --table items --pipeline myenv --destination "duckdb:///$T/myenv.duckdb" \
	--cursor id --chunk-size 1000 --limit-chunks 1 --progress none
assert_ok "a run with the password in MYSQL_PWD"
sl status myenv
assert_ok "status without MYSQL_PWD exits 0"
assert_match "... names the server and the missing password" \
	"^source figures unavailable: access denied for user '$MY_USER' to .*MYSQL_PWD" "$OUT"
assert_match "... shows the rows loaded" 'rows loaded +1000$' "$OUT"

cp "$T/big.db" "$T/small.db"
sqlite3 "$T/small.db" "DELETE FROM ev WHERE id > 500"
sl run "sqlite:///$T/small.db" --table ev --pipeline lite --destination "duckdb:///$T/lite.duckdb" \
	--cursor id --progress none
assert_ok "a SQLite source"
rm -f "$T/small.db"
sl status lite
assert_ok "status with the SQLite file gone exits 0"
assert_match "... names the file" "^source figures unavailable: .*$T/small.db" "$OUT"
assert_match "... shows the rows loaded" 'rows loaded +500$' "$OUT"

sl status st --source "mysql://nobody:Secr3t-pw@127.0.0.1:1/x" --table items --cursor id
assert_ok "status --source at a closed port exits 0"
assert_match "... names the server" "^source figures unavailable: cannot connect to MySQL at 127.0.0.1:1" "$OUT"
assert_match "... shows the destination's rows" "rows loaded +$ROWS$" "$OUT"
assert_not_contains "... never the password" "Secr3t-pw" "$OUT$ERR"

# ---------------------------------------------------------------- a run in progress

section "status while a run holds a DuckDB file"
"$SLUICE" run "sqlite:///$T/big.db" --table ev --pipeline busy --destination "duckdb:///$T/busy.duckdb" \
	--cursor id --chunk-size 2000 --progress none >"$T/busy.out" 2>&1 &
PID=$!
bg_track "$PID"
wait_until 60 mirrored busy || die "the run did not commit a chunk"
kill -STOP "$PID"
committed=$(json_get "$(cat "$SLUICE_PIPELINES_DIR/busy/state.json")" 'j["ev"]["rows_loaded"]')
sl status busy
assert_ok "status while the run holds the file exits 0"
assert_match "... says a run is in progress, with its pid" "^a run is in progress: pid $PID on .*, since [0-9]{4}-" "$OUT"
assert_match "... and that the figures are the local record's" \
	"^destination unavailable: DuckDB file '$T/busy.duckdb' is locked .*\(local record\)$" "$OUT"
assert_match "... rows loaded as of the last commit" "rows loaded +$committed \(local record\)$" "$OUT"
assert_match "... rows left from the source" "rows remaining +$((BIG - committed)) of $BIG" "$OUT"
sl status busy --format json
jq_ok "json: run_in_progress, run_pid, figures_from" "True $PID local record $committed" \
	'"%s %s %s %s" % (j["run_in_progress"], j["run_pid"], j["figures_from"], j["tables"][0]["rows_loaded"])'
sl reset busy --table ev --drop-data
assert_rc "reset is still refused while the run holds the pipeline: exit 4" 4
finish_bg "$PID"
assert_eq "the run then finishes" 0 "$RC"
sl status busy --format json
jq_ok "status after the run: no run, destination, fully loaded" "False destination True $BIG" \
	'"%s %s %s %s" % (j["run_in_progress"], j["figures_from"], j["tables"][0]["fully_loaded"], j["tables"][0]["rows_loaded"])'

section "status while a run loads into PostgreSQL"
pg_new_db PGDEST dest
"$SLUICE" run "sqlite:///$T/big.db" --table ev --pipeline busypg --destination "$(pg_url "$PGDEST")" \
	--cursor id --chunk-size 2000 --progress none >"$T/busypg.out" 2>&1 &
PID=$!
bg_track "$PID"
wait_until 60 mirrored busypg || die "the run into PostgreSQL did not commit a chunk"
kill -STOP "$PID"
sl status busypg --format json
assert_ok "status exits 0"
jq_ok "json: the run is named, the destination read" "True $PID destination None" \
	'"%s %s %s %s" % (j["run_in_progress"], j["run_pid"], j["figures_from"], j["destination_error"])'
jq_ok "json: rows loaded so far, some left" "True True" \
	'"%s %s" % (j["tables"][0]["rows_loaded"] >= 2000, j["tables"][0]["rows_remaining"] > 0)'
finish_bg "$PID"
assert_eq "the run into PostgreSQL finishes" 0 "$RC"

finish
