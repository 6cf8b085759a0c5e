#!/usr/bin/env bash
# test_cli_crash.sh — crash safety of `sluice run`: a 200,000-row table is loaded with
# --until-done in 5000-row chunks while the process is killed with SIGKILL at random moments, at
# least 20 times, each time restarted; then one run goes to the end. The destination must then
# equal the source: no row lost, none twice, every column the same (a checksum over all columns
# computed on both sides). Every chunk commits together with the state that covers it, so a kill
# at any point may only lose the open chunk, which the next run reads again.
#
# A round waits for a random number (0..3) of committed chunks (`--progress log` prints a line
# for each; but not much over 2 s), then a random 0..200 ms more, and kills: so kills land while
# connecting and reflecting, inside a chunk, and right after a commit. When a run finishes before its kill, more
# rows are appended to the source so the next round has work again. The random numbers come
# from $RANDOM, seeded by SLUICE_TEST_SEED (default: the pid, printed) so a failing sequence can
# be replayed.
#
# Source and destination: CRASH_SOURCE=mysql|postgresql (default mysql) and
# CRASH_DEST=duckdb|postgresql (default duckdb); test_cli_crash_pg_*.sh set them and source this
# script. CRASH_KILLS sets the number of kills (default 20). CRASH_MERGE=1 loads with the merge
# write disposition and --sync-deletes while a background job updates rows (moving their cursor
# forward) and deletes some in the source all through the kills (test_cli_crash_merge.sh); the
# destination must then equal the source's live rows.
#
#   bash tests/cli/test_cli_crash.sh PATH-TO-SLUICE      (SLUICE_TEST_MYSQL_URL and, for the
#                                                        PostgreSQL variants, SLUICE_TEST_PG_URL)

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

SOURCE_KIND=${CRASH_SOURCE:-mysql}
MERGE=${CRASH_MERGE:-0}
DEST_KIND=${CRASH_DEST:-duckdb}
case "$SOURCE_KIND" in
mysql) mysql_setup ;;
postgresql) pg_setup ;;
*) die "CRASH_SOURCE must be mysql or postgresql, not '$SOURCE_KIND'" ;;
esac
case "$DEST_KIND" in
duckdb | files) ;;
postgresql) [ "$SOURCE_KIND" = postgresql ] || pg_setup ;;
*) die "CRASH_DEST must be duckdb, files or postgresql, not '$DEST_KIND'" ;;
esac
say "from $SOURCE_KIND into $DEST_KIND"

ROWS=200000
KILLS_WANTED=${CRASH_KILLS:-20}
MAX_ROUNDS=$((KILLS_WANTED * 5))
# enough new rows that the next round is still running when its kill comes, even on a fast machine
ADD_ROWS=150000

SEED=${SLUICE_TEST_SEED:-$$}
RANDOM=$SEED
say "random seed $SEED (set SLUICE_TEST_SEED=$SEED to replay)"

# The columns of row n, from n alone, so appended rows follow the same rules: `created` grows
# with n, but every 100th row repeats its predecessor's (about 1% duplicated cursor values, some
# of them on chunk boundaries); some payloads and amounts are NULL. One dialect per source.
row_select_mysql() { # $1 = the SQL expression for n
	local n="($1)"
	printf "SELECT %s, TIMESTAMP '2020-01-01 00:00:00' + INTERVAL (IF(%s %% 100 = 0, %s - 1, %s) * 1000003) MICROSECOND, IF(%s %% 37 = 0, NULL, CONCAT('payload-', %s, '-', MD5(%s))), IF(%s %% 53 = 0, NULL, (%s * 7919 %% 10000000) / 100 - 20000)" \
		"$n" "$n" "$n" "$n" "$n" "$n" "$n" "$n" "$n"
}
row_select_postgresql() {
	local n="($1)"
	printf "SELECT %s, TIMESTAMP '2020-01-01 00:00:00' + (CASE WHEN %s %% 100 = 0 THEN %s - 1 ELSE %s END) * 1000003 * INTERVAL '1 microsecond', CASE WHEN %s %% 37 = 0 THEN NULL ELSE 'payload-' || %s || '-' || md5(CAST(%s AS text)) END, CASE WHEN %s %% 53 = 0 THEN NULL ELSE (%s * 7919 %% 10000000) / 100.0 - 20000 END" \
		"$n" "$n" "$n" "$n" "$n" "$n" "$n" "$n" "$n"
}

# The checksum query, per dialect: count, distinct ids, sums, and a sum over a hash of every
# column (the timestamp as microseconds, NULLs as '<null>').
CHECKSUM_MYSQL="SELECT COUNT(*), COUNT(DISTINCT id), SUM(id), SUM(amount), COUNT(payload),
	SUM(CAST(CONV(LEFT(MD5(CONCAT_WS('|', id,
		TIMESTAMPDIFF(MICROSECOND, TIMESTAMP '2000-01-01 00:00:00', created),
		COALESCE(payload, '<null>'), COALESCE(CAST(amount AS CHAR), '<null>'))), 15), 16, 10)
		AS UNSIGNED)) FROM events"
CHECKSUM_DUCKDB="SELECT COUNT(*), COUNT(DISTINCT id), SUM(id), SUM(amount), COUNT(payload),
	SUM(('0x' || left(md5(concat_ws('|', id,
		date_diff('microsecond', TIMESTAMP '2000-01-01 00:00:00', created),
		COALESCE(payload, '<null>'), COALESCE(CAST(amount AS VARCHAR), '<null>'))), 15))::BIGINT)
	FROM events"
CHECKSUM_POSTGRESQL="SELECT COUNT(*), COUNT(DISTINCT id), SUM(id), SUM(amount), COUNT(payload),
	SUM(CAST(CAST('x' || lpad(left(md5(concat_ws('|', id,
		CAST(EXTRACT(EPOCH FROM created - TIMESTAMP '2000-01-01 00:00:00') * 1000000 AS bigint),
		COALESCE(payload, '<null>'), COALESCE(CAST(amount AS text), '<null>'))), 15), 16, '0')
		AS bit(64)) AS bigint)) FROM events"

section "source ($SOURCE_KIND): $ROWS rows"
if [ "$SOURCE_KIND" = mysql ]; then
	mysql_new_db DB crash
	URL=$(mysql_url "$DB")
	src_sql() { mdb "$DB" "$@"; }
	{
		echo "CREATE TABLE events (id BIGINT PRIMARY KEY, created DATETIME(6) NOT NULL,"
		echo "	payload VARCHAR(100), amount DECIMAL(12,2), KEY (created));"
		echo "INSERT INTO events $(row_select_mysql 1);"
		# doubling: 2^18 = 262144 rows, then cut back to ROWS
		for ((size = 1; size < ROWS; size *= 2)); do
			echo "INSERT INTO events $(row_select_mysql "id + $size") FROM events;"
		done
		echo "DELETE FROM events WHERE id > $ROWS;"
	} | src_sql || die "cannot create the events table"
	src_query() { src_sql -e "$1" | tr '\t' ','; }
	# add_rows COUNT — append COUNT rows after the current last id.
	add_rows() {
		local max
		max=$(src_query 'SELECT MAX(id) FROM events')
		src_sql -e "INSERT INTO events $(row_select_mysql "id + $max") FROM events WHERE id <= $1" ||
			fail "could not add $1 rows to the source"
		if [ "$MERGE" = 1 ]; then
			src_sql -e "UPDATE events SET created = (SELECT m FROM (SELECT MAX(created) AS m FROM events) AS x) + INTERVAL (id - $max) SECOND WHERE id > $max"
		fi
	}
	SRC_CHECKSUM=$CHECKSUM_MYSQL
else
	pg_new_db DB crash_src
	URL=$(pg_url "$DB")
	src_query() { pq "$DB" -c "$1"; }
	pq "$DB" -c "CREATE TABLE events (id bigint PRIMARY KEY, created timestamp(6) NOT NULL,
		payload varchar(100), amount numeric(12,2))" \
		-c "INSERT INTO events $(row_select_postgresql n) FROM generate_series(CAST(1 AS bigint), $ROWS) AS g(n)" \
		-c "CREATE INDEX ON events (created)" -c "ANALYZE events" ||
		die "cannot create the events table"
	add_rows() {
		local max
		max=$(src_query 'SELECT MAX(id) FROM events')
		src_query "INSERT INTO events $(row_select_postgresql "n + $max") FROM generate_series(CAST(1 AS bigint), $1) AS g(n)" ||
			fail "could not add $1 rows to the source"
		if [ "$MERGE" = 1 ]; then
			src_query "UPDATE events SET created = (SELECT MAX(created) FROM events) + (id - $max) * INTERVAL '1 second' WHERE id > $max"
		fi
	}
	SRC_CHECKSUM=$CHECKSUM_POSTGRESQL
fi
assert_eq "source: rows, distinct ids, distinct created" "$ROWS,$ROWS,$((ROWS - ROWS / 100))" \
	"$(src_query 'SELECT COUNT(*), COUNT(DISTINCT id), COUNT(DISTINCT created) FROM events')"

if [ "$DEST_KIND" = duckdb ]; then
	DEST="duckdb:///$T/crash.duckdb"
	DEST_CHECKSUM=$CHECKSUM_DUCKDB
elif [ "$DEST_KIND" = files ]; then
	DEST="file://$T/crashfiles"
	DEST_CHECKSUM=$CHECKSUM_DUCKDB
	# A plain reader of the table's glob, which never recovers anything: DuckDB through a
	# pipeline of its own (sluice sql needs one), reading the Parquet files as they lie.
	GLOB="$T/crashfiles/ev/events/*.parquet"
	sqlite3 "$T/reader.db" 'CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1)'
	sl run "sqlite:///$T/reader.db" --table t --pipeline reader \
		--destination "duckdb:///$T/reader.duckdb" --progress none
	assert_ok "the glob reader's pipeline is made"
else
	pg_new_db DEST_DB crash_dest
	DEST=$(pg_url "$DEST_DB")
	DEST_CHECKSUM=$CHECKSUM_POSTGRESQL
fi

OPTS=(--table events --pipeline crash --destination "$DEST" --dataset ev
	--cursor created --primary-key id --chunk-size 5000 --until-done)
[ "$MERGE" = 1 ] && OPTS+=(--write-disposition merge --sync-deletes)

# The source's rows change while the kills go on (merge only): every 30 ms one row gets a new
# payload and a cursor past every other (so it is loaded again), and every tenth time one row is
# deleted. (Rows added between rounds get cursors past every other too: below the last value
# loaded they would be late rows, which only lag finds.)
change_rows() {
	local i=0 id
	while :; do
		i=$((i + 1))
		id=$(((RANDOM * 32768 + RANDOM) % ROWS + 1))
		if [ "$SOURCE_KIND" = mysql ]; then
			src_sql -e "UPDATE events SET payload = CONCAT('changed-', $i), created = (SELECT m FROM (SELECT MAX(created) + INTERVAL 1 SECOND AS m FROM events) AS x) WHERE id = $id" 2>/dev/null
		else
			src_query "UPDATE events SET payload = 'changed-' || $i, created = (SELECT MAX(created) FROM events) + INTERVAL '1 second' WHERE id = $id" >/dev/null 2>&1
		fi
		[ $((i % 10)) -eq 0 ] && src_query "DELETE FROM events WHERE id = $((id + 1))" >/dev/null 2>&1
		sleep 0.03
	done
}

# chunks_logged FILE — the committed chunks a --progress log stderr reports.
chunks_logged() { grep -c ': chunk [0-9]*:' "$1" 2>/dev/null; }

section "kill -9 at random moments"
if [ "$MERGE" = 1 ]; then
	change_rows &
	CHANGER=$!
	bg_track "$CHANGER"
fi
kills=0
rounds=0
bad_rounds=0
while [ "$kills" -lt "$KILLS_WANTED" ] && [ "$rounds" -lt "$MAX_ROUNDS" ]; do
	rounds=$((rounds + 1))
	err=$T/round$rounds.err
	"$SLUICE" run "$URL" "${OPTS[@]}" --progress log >"$T/round$rounds.out" 2>"$err" &
	pid=$!
	bg_track "$pid"
	chunks=$((RANDOM % 4))
	ms=$((RANDOM % 201))
	# at most 100 polls (2 s or more): a slow build (sanitizers) commits slowly, and the kill
	# must not wait for it round after round
	for ((poll = 0; poll < 100; poll++)); do
		kill -0 "$pid" 2>/dev/null && [ "$(chunks_logged "$err")" -lt "$chunks" ] || break
		sleep 0.02
	done
	sleep "0.$(printf '%03d' "$ms")"
	if kill -KILL "$pid" 2>/dev/null; then
		wait "$pid" 2>/dev/null
		kills=$((kills + 1))
		printf '     round %d: killed %d ms after waiting for commit %d (%d logged)\n' \
			"$rounds" "$ms" "$chunks" "$(chunks_logged "$err")"
		if [ "$DEST_KIND" = files ] && compgen -G "$GLOB" >/dev/null; then
			seen=$(sl_csv reader "SELECT COUNT(*) - COUNT(DISTINCT id) FROM read_parquet('$GLOB')")
			assert_eq "round $rounds: the glob shows no id twice right after the kill" 0 "$seen"
		fi
	else
		wait "$pid"
		rc=$?
		if [ "$rc" -ne 0 ]; then
			bad_rounds=$((bad_rounds + 1))
			fail "round $rounds (after an earlier kill) exits 0" "exit code $rc" \
				"stderr: $(cat "$err")"
		fi
		printf '     round %d: finished (exit %d) before its kill; adding %d rows\n' \
			"$rounds" "$rc" "$ADD_ROWS"
		add_rows "$ADD_ROWS"
	fi
done
assert_ge "killed at least $KILLS_WANTED times" "$KILLS_WANTED" "$kills"
assert_eq "every run that was not killed succeeded" 0 "$bad_rounds"

if [ "$MERGE" = 1 ]; then
	bg_kill "$CHANGER"
	say "the source changed $(src_query "SELECT COUNT(*) FROM events WHERE payload LIKE 'changed-%'") rows while the kills went on"
fi

section "the last run, to the end"
sl run "$URL" "${OPTS[@]}" --progress none
assert_ok "the last run exits 0"
assert_match "the last run ends with all rows loaded" 'all rows loaded' "$OUT"
sl run "$URL" "${OPTS[@]}" --progress none
assert_ok "one more run exits 0"
assert_match "... and finds nothing new" '^total \(1 run\): events: 0 rows loaded' "$OUT"

section "destination == source"
total=$(src_query 'SELECT COUNT(*) FROM events')
say "source now holds $total rows"
src=$(src_query "$SRC_CHECKSUM")
dst=$(sl_csv crash "$DEST_CHECKSUM")
assert_eq "count, distinct ids, sums and an all-column checksum agree" "$src" "$dst"
assert_eq "no id twice" "0" \
	"$(sl_csv crash "SELECT COUNT(*) FROM (SELECT id FROM events GROUP BY id HAVING COUNT(*) > 1) AS d")"

sl status crash
assert_ok "status exits 0"
assert_match "status: fully loaded" '^ *fully loaded$' "$OUT"
assert_match "status: 0 remaining" "rows remaining +0 of $total" "$OUT"
if [ "$MERGE" != 1 ]; then # a merge loads a changed row again: rows_loaded counts it twice
	sl state crash
	assert_eq "state: rows_loaded counts every row once" "$total" \
		"$(json_get "$OUT" 'j["tables"]["events"]["rows_loaded"]')"
fi
assert_eq "every row has a load id" 0 \
	"$(sl_csv crash "SELECT COUNT(*) FROM events WHERE _sluice_load_id IS NULL")"
# informative: how many processes (killed ones among them) committed the rows
say "rows came from $(sl_csv crash "SELECT COUNT(DISTINCT _sluice_load_id) FROM events") loads"

finish
