#!/usr/bin/env bash
# test_cli_crash.sh — crash safety of `sluice run`: a 200,000-row MariaDB table is loaded with
# --until-done in 5000-row chunks while the process is killed with SIGKILL at random moments, at
# least 8 times, each time restarted; then one run goes to the end. The destination must then
# equal the source: no row lost, none twice, every column the same (a checksum over all columns
# computed on both sides). Every chunk commits together with the state that covers it, so a kill
# at any point may only lose the open chunk, which the next run reads again.
#
# When a run finishes before its kill, more rows are appended to the source so the next round
# has work again. The kill delays come from $RANDOM, seeded by SLUICE_TEST_SEED (default: the
# pid, printed) so a failing sequence can be replayed.
#
#   bash tests/cli/test_cli_crash.sh PATH-TO-SLUICE      (SLUICE_TEST_MYSQL_URL must be set)

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

mysql_setup

ROWS=200000
KILLS_WANTED=10
MAX_ROUNDS=40
ADD_ROWS=20000

SEED=${SLUICE_TEST_SEED:-$$}
RANDOM=$SEED
say "random seed $SEED (set SLUICE_TEST_SEED=$SEED to replay)"

mysql_new_db DB crash
URL=$(mysql_url "$DB")

# The columns of row n, from n alone, so appended rows follow the same rules: `created` grows
# with n, but every 100th row repeats its predecessor's (about 1% duplicated cursor values, some
# of them on chunk boundaries); some payloads and amounts are NULL.
row_select() { # $1 = the SQL expression for n
	local n="($1)"
	printf "SELECT %s, TIMESTAMP '2020-01-01 00:00:00' + INTERVAL (IF(%s %% 100 = 0, %s - 1, %s) * 1000003) MICROSECOND, IF(%s %% 37 = 0, NULL, CONCAT('payload-', %s, '-', MD5(%s))), IF(%s %% 53 = 0, NULL, (%s * 7919 %% 10000000) / 100 - 20000)" \
		"$n" "$n" "$n" "$n" "$n" "$n" "$n" "$n" "$n"
}

section "source: $ROWS rows"
{
	echo "CREATE TABLE events (id BIGINT PRIMARY KEY, created DATETIME(6) NOT NULL,"
	echo "	payload VARCHAR(100), amount DECIMAL(12,2), KEY (created));"
	echo "INSERT INTO events $(row_select 1);"
	# doubling: 2^18 = 262144 rows, then cut back to ROWS
	for ((size = 1; size < ROWS; size *= 2)); do
		echo "INSERT INTO events $(row_select "id + $size") FROM events;"
	done
	echo "DELETE FROM events WHERE id > $ROWS;"
} | mdb "$DB" || die "cannot create the events table"
assert_eq "source: rows, distinct ids, distinct created" "$ROWS	$ROWS	$((ROWS - ROWS / 100))" \
	"$(mdb "$DB" -e 'SELECT COUNT(*), COUNT(DISTINCT id), COUNT(DISTINCT created) FROM events')"

# add_rows COUNT — append COUNT rows after the current last id.
add_rows() {
	local max
	max=$(mdb "$DB" -e 'SELECT MAX(id) FROM events')
	mdb "$DB" -e "INSERT INTO events $(row_select "id + $max") FROM events WHERE id <= $1" ||
		fail "could not add $1 rows to the source"
}

OPTS=(--table events --pipeline crash --destination "duckdb:///$T/crash.duckdb" --dataset ev
	--cursor created --primary-key id --chunk-size 5000 --until-done --progress none)

section "kill -9 at random moments"
kills=0
rounds=0
bad_rounds=0
while [ "$kills" -lt "$KILLS_WANTED" ] && [ "$rounds" -lt "$MAX_ROUNDS" ]; do
	rounds=$((rounds + 1))
	"$SLUICE" run "$URL" "${OPTS[@]}" >"$T/round$rounds.out" 2>"$T/round$rounds.err" &
	pid=$!
	bg_track "$pid"
	ms=$((50 + RANDOM % 551))
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	if kill -KILL "$pid" 2>/dev/null; then
		wait "$pid" 2>/dev/null
		kills=$((kills + 1))
		printf '     round %d: killed after %d ms\n' "$rounds" "$ms"
	else
		wait "$pid"
		rc=$?
		if [ "$rc" -ne 0 ]; then
			bad_rounds=$((bad_rounds + 1))
			fail "round $rounds (after an earlier kill) exits 0" "exit code $rc" \
				"stderr: $(cat "$T/round$rounds.err")"
		fi
		printf '     round %d: finished (exit %d) within %d ms; adding %d rows\n' \
			"$rounds" "$rc" "$ms" "$ADD_ROWS"
		add_rows "$ADD_ROWS"
	fi
done
assert_ge "killed at least $KILLS_WANTED times" "$KILLS_WANTED" "$kills"
assert_eq "every run that was not killed succeeded" 0 "$bad_rounds"

section "the last run, to the end"
sl run "$URL" "${OPTS[@]}"
assert_ok "the last run exits 0"
assert_match "the last run ends with all rows loaded" 'all rows loaded' "$OUT"
sl run "$URL" "${OPTS[@]}"
assert_ok "one more run exits 0"
assert_match "... and finds nothing new" '^total \(1 run\): events: 0 rows loaded' "$OUT"

section "destination == source"
total=$(mdb "$DB" -e 'SELECT COUNT(*) FROM events')
say "source now holds $total rows"
src=$(mdb "$DB" -e "SELECT COUNT(*), COUNT(DISTINCT id), SUM(id), SUM(amount), COUNT(payload),
	SUM(CAST(CONV(LEFT(MD5(CONCAT_WS('|', id,
		TIMESTAMPDIFF(MICROSECOND, TIMESTAMP '2000-01-01 00:00:00', created),
		COALESCE(payload, '<null>'), COALESCE(CAST(amount AS CHAR), '<null>'))), 15), 16, 10)
		AS UNSIGNED)) FROM events" | tr '\t' ',')
dst=$(sl_csv crash "SELECT COUNT(*), COUNT(DISTINCT id), SUM(id), SUM(amount), COUNT(payload),
	SUM(('0x' || left(md5(concat_ws('|', id,
		date_diff('microsecond', TIMESTAMP '2000-01-01 00:00:00', created),
		COALESCE(payload, '<null>'), COALESCE(CAST(amount AS VARCHAR), '<null>'))), 15))::BIGINT)
	FROM events")
assert_eq "count, distinct ids, sums and an all-column checksum agree" "$src" "$dst"
assert_eq "no id twice" "0" \
	"$(sl_csv crash "SELECT COUNT(*) FROM (SELECT id FROM events GROUP BY id HAVING COUNT(*) > 1)")"

sl status crash
assert_ok "status exits 0"
assert_match "status: fully loaded" '^ *fully loaded$' "$OUT"
assert_match "status: 0 remaining" "rows remaining +0 of $total" "$OUT"
sl state crash
assert_eq "state: rows_loaded counts every row once" "$total" \
	"$(json_get "$OUT" 'j["tables"]["events"]["rows_loaded"]')"
assert_eq "every row has a load id" 0 \
	"$(sl_csv crash "SELECT COUNT(*) FROM events WHERE _sluice_load_id IS NULL")"
# informative: how many killed processes had committed chunks before they died
say "rows came from $(sl_csv crash "SELECT COUNT(DISTINCT _sluice_load_id) FROM events") loads, $(sl_csv crash "SELECT COUNT(DISTINCT _sluice_load_id) FROM events WHERE _sluice_load_id NOT IN (SELECT load_id FROM _sluice_loads)") of them by killed processes"

finish
