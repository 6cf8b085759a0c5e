#!/usr/bin/env bash
# test_cli_errors.sh — how the `sluice` program fails: each bad input gives one precise line on
# stderr, the documented exit code (docs/cli.md: 1 runtime failure, 2 usage error, 4 destination
# locked) and leaves an existing destination exactly as it was. Also: passwords never show,
# awkward identifiers (quotes, spaces, non-ASCII, reserved words) load and round-trip, and table
# names are never pasted into SQL (no injection).
#
#   bash tests/cli/test_cli_errors.sh PATH-TO-SLUICE      (SLUICE_TEST_MYSQL_URL must be set)

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

command -v sqlite3 >/dev/null || die "the sqlite3 program is not installed"
mysql_setup

mysql_new_db DB src
URL=$(mysql_url "$DB")
mdb "$DB" <"$DATA_DIR/rfam_family_mysql.sql" || die "cannot load rfam_family_mysql.sql into $DB"
mdb "$DB" <<'SQL' || die "cannot create the test tables in $DB"
CREATE TABLE blobby (id INT PRIMARY KEY, b BLOB, j JSON, g GEOMETRY);
INSERT INTO blobby VALUES (1, 'x', '{}', POINT(1, 1));
CREATE TABLE fam_lock AS SELECT * FROM family;
SQL

BASE_DEST=$T/base.duckdb
BASE_OPTS=(--pipeline base --destination "duckdb:///$BASE_DEST" --dataset rfam_data --progress none)

# snapshot — everything about the base pipeline's destination that an error must not change.
# A failed run may add a 'failed' row to _sluice_loads (checked at the end), nothing else.
snapshot() {
	sl_csv base "SELECT 'family', COUNT(*) || ',' || COUNT(DISTINCT rfam_id) || ',' || MAX(created) FROM family
		UNION ALL SELECT 'loads', string_agg(load_id || '/' || table_name || '/' || status || '/' || rows, ';' ORDER BY load_id)
			FROM _sluice_loads WHERE status <> 'failed'
		UNION ALL SELECT 'state', string_agg(table_name || '=' || state, ';' ORDER BY table_name) FROM _sluice_state
		UNION ALL SELECT 'tables', string_agg(table_name, ';' ORDER BY table_name)
			FROM information_schema.tables WHERE table_schema = 'rfam_data'"
}

# expect_fail DESC RC ERE ARGS... — `sluice ARGS...` exits RC with one stderr line matching ERE,
# and the base destination is unchanged.
expect_fail() {
	local desc=$1 rc=$2 re=$3
	shift 3
	local before after
	before=$(snapshot)
	sl "$@"
	assert_rc "$desc: exit code $rc" "$rc"
	assert_one_line_error "$desc: one precise line" "$re"
	after=$(snapshot)
	assert_eq "$desc: destination unchanged" "$before" "$after"
}

# expect_run_fail DESC RC ERE SOURCE-URL RUN-ARGS... — a `sluice run` into the base pipeline.
expect_run_fail() {
	local desc=$1 rc=$2 re=$3 url=$4
	shift 4
	expect_fail "$desc" "$rc" "$re" run "$url" "${BASE_OPTS[@]}" "$@"
}

section "the base destination"
sl run "$URL" --table family "${BASE_OPTS[@]}" --cursor created --primary-key rfam_id \
	--chunk-size 1000 --limit-chunks 2
assert_ok "base load exits 0"
assert_eq "base holds 2000 rows (two chunks in one run: no overlap)" "2000,2000" \
	"$(sl_csv base "SELECT COUNT(*), COUNT(DISTINCT rfam_id) FROM family")"
FAM=(--table family --cursor created --primary-key rfam_id --chunk-size 1000)

section "usage errors (exit 2)"
for v in 0 -5 100000001; do
	expect_run_fail "--chunk-size $v" 2 "^sluice run: --chunk-size: '$v' must be between 1 and 100000000$" \
		"$URL" --table family --chunk-size "$v"
done
for v in 1e12 abc 12x ""; do
	expect_run_fail "--chunk-size '$v'" 2 "^sluice run: --chunk-size: '$v' is not a number$" \
		"$URL" --table family --chunk-size "$v"
done
expect_run_fail "--limit-chunks abc" 2 "^sluice run: --limit-chunks: 'abc' is not a number$" \
	"$URL" --table family --limit-chunks abc
expect_run_fail "--limit-chunks 0" 2 "^sluice run: --limit-chunks: '0'" \
	"$URL" --table family --limit-chunks 0
expect_run_fail "--row-order sideways" 2 "^sluice run: --row-order: .*sideways" \
	"$URL" "${FAM[@]}" --row-order sideways
expect_run_fail "--lag without merge" 2 "^sluice run: option '--lag' needs --write-disposition merge \\(it re-reads loaded rows\\)$" \
	"$URL" "${FAM[@]}" --lag 10
expect_fail "no SOURCE_URL" 2 "^sluice run: missing SOURCE_URL" run "${BASE_OPTS[@]}"
expect_fail "unknown option" 2 "^sluice run: .*--no-such-option" \
	run "$URL" --table family --no-such-option "${BASE_OPTS[@]}"
expect_fail "unknown command" 2 "frobnicate" frobnicate base
expect_fail "--format xml" 2 "^sluice sql: .*xml" sql base "SELECT 1" --format xml

section "bad source URLs (exit 1)"
expect_run_fail "port not a number" 1 \
	"^sluice: error: malformed URL 'mysql://sluice:\*\*\*@127\.0\.0\.1:notaport/$DB' .*port 'notaport' is not a number" \
	"mysql://sluice:pw@127.0.0.1:notaport/$DB" --table family
expect_run_fail "no ://" 1 "^sluice: error: malformed URL 'mysql//broken'.*://" \
	"mysql//broken" --table family
expect_run_fail "unknown scheme" 1 \
	"^sluice: error: foo:// is not a supported source \(supported: mysql://, mariadb://, sqlite://, postgresql://, postgres://\)$" \
	"foo://a/b" --table family
expect_run_fail "a destination's scheme as the source" 1 "^sluice: error: duckdb:// is not a supported source" \
	"duckdb:///x.duckdb" --table family

section "bad destination URLs (exit 1, before the source is read)"
expect_run_fail "unknown destination scheme" 1 \
	"^sluice: error: destination: foo:// is not a supported destination \(supported: duckdb://, postgresql://, postgres://, file://\)$" \
	"$URL" --table family --destination foo://x/y
assert_eq "unknown destination scheme: nothing on stdout" "" "$OUT"
expect_run_fail "a source's scheme as the destination" 1 \
	"^sluice: error: destination: sqlite:// is not a supported destination \(supported: duckdb://" \
	"$URL" --table family --destination "sqlite:///$T/dest.db"
assert_eq "the SQLite file is not created" no "$([ -e "$T/dest.db" ] && echo yes || echo no)"
expect_run_fail "malformed destination URL" 1 "^sluice: error: destination: malformed URL 'postgresql://u:\*\*\*@h:port/db'" \
	"$URL" --table family --destination "postgresql://u:Secr3t@h:port/db"
assert_not_contains "malformed destination URL: no password" "Secr3t" "$ERR"

section "a password from the environment (MYSQL_PWD), as documented"
MYSQL_PWD=$MY_PW sl run "mysql://$MY_USER@127.0.0.1:$MY_PORT/$DB" --table family \
	--pipeline envpw --destination "duckdb:///$T/envpw.duckdb" --progress none
assert_ok "a URL without its password connects with MYSQL_PWD"
assert_match "and loads the table" '^family: [0-9]+ rows loaded' "$OUT"

section "connection failures (exit 1)"
BADPW=Wr0ng-Passw0rd-XYZZY
expect_run_fail "wrong password" 1 "^sluice: error: access denied for user '$MY_USER' .*127\.0\.0\.1:$MY_PORT" \
	"mysql://$MY_USER:$BADPW@127.0.0.1:$MY_PORT/$DB" "${FAM[@]}"
assert_not_contains "wrong password: not on stdout" "$BADPW" "$OUT"
assert_not_contains "wrong password: not on stderr" "$BADPW" "$ERR"
expect_run_fail "unknown host" 1 "^sluice: error: cannot connect to MySQL at nonexistent\.invalid:3306" \
	"mysql://$MY_USER:$BADPW@nonexistent.invalid:3306/$DB" "${FAM[@]}"
assert_not_contains "unknown host: no password on stderr" "$BADPW" "$ERR"
expect_run_fail "refused port" 1 "^sluice: error: cannot connect to MySQL at 127\.0\.0\.1:1: .*refused" \
	"mysql://$MY_USER:$BADPW@127.0.0.1:1/$DB" "${FAM[@]}"
assert_not_contains "refused port: no password on stderr" "$BADPW" "$ERR"
expect_fail "password in a usage error" 2 "^sluice run: " \
	run "mysql://$MY_USER:$BADPW@127.0.0.1:1/$DB" "mysql://$MY_USER:$BADPW@127.0.0.1:1/x" \
	--table family "${BASE_OPTS[@]}"
assert_not_contains "usage error: no password on stderr" "$BADPW" "$ERR"
expect_run_fail "missing database" 1 "^sluice: error: unknown database 'no_such_db_xyz' on 127\.0\.0\.1:$MY_PORT" \
	"$(mysql_url no_such_db_xyz)" "${FAM[@]}"
expect_run_fail "missing SQLite file" 1 "^sluice: error: .*$T/no-such\.db" \
	"sqlite:///$T/no-such.db" "${FAM[@]}"
assert_eq "missing SQLite file is not created" no "$([ -e "$T/no-such.db" ] && echo yes || echo no)"

section "missing tables and columns, bad hints (exit 1)"
expect_run_fail "missing table" 1 "^sluice: error: .*table 'no_such_table'.* database '$DB'" \
	"$URL" --table no_such_table
expect_run_fail "missing cursor column" 1 "^sluice: error: cursor column 'nope' not found in table 'family'$" \
	"$URL" --table family --cursor nope
expect_run_fail "missing primary key column" 1 \
	"^sluice: error: primary key column 'nope' not found in table 'family'$" \
	"$URL" --table family --cursor created --primary-key nope
expect_run_fail "BLOB cursor" 1 "^sluice: error: cursor column 'b' of table 'blobby' has type BLOB.*cursor" \
	"$URL" --table blobby --cursor b
expect_run_fail "JSON cursor" 1 "^sluice: error: cursor column 'j' of table 'blobby' .*cursor" \
	"$URL" --table blobby --cursor j
expect_run_fail "bad --initial-value for a timestamp cursor (state exists)" 1 \
	"^sluice: error: initial_value for cursor 'created' of table 'family': .*'notadate'" \
	"$URL" "${FAM[@]}" --initial-value notadate
expect_run_fail "bad --end-value for a timestamp cursor" 1 \
	"^sluice: error: end_value for cursor 'created' of table 'family': .*'2020-13-45'" \
	"$URL" "${FAM[@]}" --end-value 2020-13-45

# a fresh pipeline in the same destination file: nothing of its own may appear either
sl run "$URL" --table family --cursor auto_wiki --initial-value 12abc --pipeline fresh \
	--destination "duckdb:///$BASE_DEST" --dataset fresh_data --progress none
assert_rc "bad --initial-value for an integer cursor: exit 1" 1
assert_one_line_error "bad --initial-value for an integer cursor: one line" \
	"^sluice: error: initial_value for cursor 'auto_wiki' of table 'family': .*'12abc'"
assert_eq "bad --initial-value: no family table in the fresh dataset" 0 \
	"$(sl_csv base "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'fresh_data' AND table_name = 'family'")"
assert_eq "base still intact" "2000,2000" \
	"$(sl_csv base "SELECT COUNT(*), COUNT(DISTINCT rfam_id) FROM family")"

section "commands on things that do not exist (exit 1)"
expect_fail "show a missing table" 1 "^sluice: error: .*no_such_table" show base no_such_table
expect_fail "unknown pipeline" 1 "^sluice: error: .*'nopipe'" state nopipe
expect_fail "bad SQL" 1 "^sluice: error: " sql base "SELEC 1"

section "injection attempts"
for bad in 'family; DROP TABLE family' 'family`; DROP TABLE family; -- ' "family' OR '1'='1" \
	'family"; DROP TABLE family; --'; do
	expect_run_fail "table [$bad]" 1 "^sluice: error: .*not found" "$URL" --table "$bad" \
		--cursor created --primary-key rfam_id
done
assert_eq "the source's family table is intact" 4178 "$(mdb "$DB" -e 'SELECT COUNT(*) FROM family')"
expect_run_fail "cursor [created; DROP TABLE family]" 1 "^sluice: error: cursor column .* not found" \
	"$URL" --table family --cursor 'created; DROP TABLE family'
expect_fail "show [family; DROP TABLE family]" 1 "^sluice: error: " show base 'family; DROP TABLE family'
expect_fail 'show [family"; DROP TABLE family; --]' 1 "^sluice: error: " \
	show base 'family"; DROP TABLE family; --'
assert_eq "the destination's family table is intact" "2000,2000" \
	"$(sl_csv base "SELECT COUNT(*), COUNT(DISTINCT rfam_id) FROM family")"

section "awkward identifiers: MariaDB"
mdb "$DB" <<'SQL' || die "cannot create the awkward table"
CREATE TABLE `we"ird ta``ble` (`select` INT PRIMARY KEY, `naïve col` VARCHAR(50),
	`from` DATETIME NOT NULL, `x'y` TEXT, `order` DECIMAL(6,2));
INSERT INTO `we"ird ta``ble` VALUES
	(1, 'ä''"', '2020-01-01 00:00:00', 'a,b', 1.50),
	(2, NULL, '2020-01-02 00:00:00', 'line1\nline2', NULL),
	(3, '日本語', '2020-01-03 00:00:00', '"q"', -2.25);
SQL
WT='we"ird ta`ble'
WOPTS=(--pipeline weird --destination "duckdb:///$T/weird.duckdb" --dataset 'we ird"ds' --progress none)
sl run "$URL" --table "$WT" --cursor from "${WOPTS[@]}"
assert_ok "awkward table loads"
sl show weird "$WT" --format json --limit 0
assert_ok "awkward table shows"
mapfile -t v < <(json_get "$OUT" 'len(j)' 'list(j[0].keys())[:5]' '[o["select"] for o in j]' \
	'[o["naïve col"] for o in j]' '[o["x'"'"'y"] for o in j]' '[o["order"] for o in j]' \
	'[o["from"] for o in j]')
assert_eq "awkward: 3 rows" 3 "${v[0]}"
assert_eq "awkward: column names" '["select", "naïve col", "from", "x'"'"'y", "order"]' "${v[1]}"
assert_eq "awkward: keys" '[1, 2, 3]' "${v[2]}"
assert_eq "awkward: text with quotes, NULL, non-ASCII" '["ä'"'"'\"", null, "日本語"]' "${v[3]}"
assert_eq "awkward: commas, line breaks, quotes" '["a,b", "line1\nline2", "\"q\""]' "${v[4]}"
assert_eq "awkward: decimals, JSON numbers" '[1.5, null, -2.25]' "${v[5]}"
assert_contains "awkward: decimals keep their digits" '"order": 1.50,' "$OUT"
assert_eq "awkward: datetimes" '["2020-01-01 00:00:00", "2020-01-02 00:00:00", "2020-01-03 00:00:00"]' \
	"${v[6]}"
mdb "$DB" <<'SQL'
INSERT INTO `we"ird ta``ble` VALUES (4, 'vier', '2020-01-03 00:00:00', NULL, 4.00);
SQL
sl run "$URL" --table "$WT" --cursor from "${WOPTS[@]}"
assert_ok "awkward table: incremental run"
assert_eq "awkward table: the new row (same cursor value as the last) arrived once" "4,4" \
	"$(sl_csv weird 'SELECT COUNT(*), COUNT(DISTINCT "select") FROM "we""ird ta`ble"')"
sl status weird
assert_ok "awkward table: status"
assert_match "awkward table: status fully loaded" '^ *fully loaded$' "$OUT"
sl tables weird --format csv
assert_match "awkward table: listed" '^"we""ird ta`ble",4' "$(printf '%s' "$OUT" | tr -d '\r')"

section "awkward identifiers: SQLite"
sqlite3 "$T/weird.db" <<'SQL' || die "cannot create the SQLite awkward table"
CREATE TABLE "we""ird ta`ble" ("select" INTEGER PRIMARY KEY, "naïve col" TEXT, "order" INTEGER NOT NULL);
INSERT INTO "we""ird ta`ble" VALUES (1, 'ä''"', 10), (2, NULL, 20), (3, '日本語', 30);
SQL
sl run "sqlite:///$T/weird.db" --table "$WT" --cursor order --pipeline weird_lite \
	--destination "duckdb:///$T/weird.duckdb" --dataset 'lite ds' --progress none
assert_ok "SQLite awkward table loads"
sl show weird_lite "$WT" --format json
mapfile -t v < <(json_get "$OUT" '[o["naïve col"] for o in j]' '[o["order"] for o in j]')
assert_eq "SQLite awkward: values" '["ä'"'"'\"", null, "日本語"]' "${v[0]}"
assert_eq "SQLite awkward: cursor column" '[10, 20, 30]' "${v[1]}"
# shellcheck disable=SC2016 # the backquote is part of the table name
sl run "sqlite:///$T/weird.db" --table 'we"ird ta`ble"; DROP TABLE "we""ird ta`ble"; --' \
	--pipeline weird_lite --destination "duckdb:///$T/weird.duckdb" --dataset 'lite ds' --progress none
assert_one_line_error "SQLite injection attempt: not found" "^sluice: error: .*not found"
assert_eq "SQLite table intact" 3 "$(sqlite3 "$T/weird.db" 'SELECT COUNT(*) FROM "we""ird ta`ble"')"

section "a destination held by another process (exit 4)"
# A MariaDB table lock makes the first run wait inside its source query while it holds the
# DuckDB file, so the second one meets the lock deterministically.
mdb "$DB" -e 'LOCK TABLES fam_lock WRITE; SELECT SLEEP(300)' >/dev/null 2>&1 &
locker=$!
bg_track "$locker"
lock_conn=""
for _ in $(seq 100); do
	lock_conn=$(mdb "" -e "SELECT id FROM information_schema.processlist WHERE db = '$DB' AND info LIKE 'SELECT SLEEP(300)%'")
	[ -n "$lock_conn" ] && break
	sleep 0.1
done
assert_match "the table lock is held" '^[0-9]+$' "$lock_conn"
LK_DEST=$T/locked.duckdb
"$SLUICE" run "$URL" --table fam_lock --pipeline lk1 --destination "duckdb:///$LK_DEST" \
	--dataset lk --cursor created --chunk-size 1000 --progress none >"$T/lk1.out" 2>"$T/lk1.err" &
first=$!
bg_track "$first"
waiting=0
for _ in $(seq 150); do
	waiting=$(mdb "" -e "SELECT COUNT(*) FROM information_schema.processlist WHERE db = '$DB' AND state LIKE 'Waiting for table%'")
	[ "$waiting" -ge 1 ] && break
	sleep 0.1
done
assert_eq "the first run waits for the source, holding the destination" 1 "$waiting"
sl run "$URL" --table family --pipeline lk2 --destination "duckdb:///$LK_DEST" --dataset lk2 \
	--progress none
assert_rc "second run on the same file: exit 4" 4
assert_one_line_error "second run: one line naming the file" "^sluice: error: .*'$LK_DEST' is locked"
[ -n "$lock_conn" ] && mdb "" -e "KILL $lock_conn" >/dev/null 2>&1
wait "$first"
first_rc=$?
assert_eq "the first run finishes once the source lock is gone" 0 "$first_rc"
[ "$first_rc" -eq 0 ] || printf '       %s\n' "$(cat "$T/lk1.err")"
wait "$locker" 2>/dev/null
assert_eq "the first run loaded everything" "4178,4178" \
	"$(sl_csv lk1 "SELECT COUNT(*), COUNT(DISTINCT rfam_acc) FROM fam_lock")"
sl run "$URL" --table family --pipeline lk2 --destination "duckdb:///$LK_DEST" --dataset lk2 \
	--progress none
assert_ok "the second run works once the file is free"

section "state kept for another cursor column"
SW=(--table family --pipeline sw --destination "duckdb:///$T/sw.duckdb" --dataset sw_data --progress none)
sl run "$URL" "${SW[@]}" --cursor created --chunk-size 1000 --limit-chunks 1
assert_ok "load 1000 rows by created"
sl run "$URL" "${SW[@]}" --cursor auto_wiki --chunk-size 1000 --limit-chunks 1
assert_ok "then by auto_wiki: the created state does not apply"
sl state sw
assert_eq "the state is now auto_wiki's" "auto_wiki" "$(json_get "$OUT" 'j["tables"]["family"]["cursor"]')"
sl run "$URL" "${SW[@]}"
assert_ok "then without a cursor (replace)"
assert_eq "replace reloaded everything" "4178,4178" \
	"$(sl_csv sw "SELECT COUNT(*), COUNT(DISTINCT rfam_id) FROM family")"

section "state kept for another primary key"
PK=(--table family --pipeline pk --destination "duckdb:///$T/pk.duckdb" --dataset pk_data
	--cursor created --chunk-size 1000 --limit-chunks 1 --progress none)
sl run "$URL" "${PK[@]}" --primary-key rfam_acc
assert_ok "load 1000 rows keyed by rfam_acc"
sl run "$URL" "${PK[@]}" --primary-key rfam_acc,rfam_id
assert_rc "a key of other columns: exit 1" 1
assert_match "a key of other columns: one line naming the table and both keys" \
	"^sluice: error: .*state of table 'family'.*key of 1 column.*now has 2" "$ERR"
assert_eq "nothing was loaded" "1000" "$(sl_csv pk "SELECT COUNT(*) FROM family")"
sl run "$URL" "${PK[@]}" --primary-key rfam_acc --until-done
assert_ok "the old key goes on"
assert_eq "every row once" "4178,4178" \
	"$(sl_csv pk "SELECT COUNT(*), COUNT(DISTINCT rfam_acc) FROM family")"

section "a key given after a state kept with row hashes"
sqlite3 "$T/hk.db" "CREATE TABLE t (id INTEGER, ts INTEGER);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
INSERT INTO t SELECT i, i / 10 FROM n;" || die "cannot create hk.db"
HK=(run "sqlite:///$T/hk.db" --table t --cursor ts --pipeline hk --destination "duckdb:///$T/hk.duckdb"
	--chunk-size 15 --progress none)
sl "${HK[@]}" --limit-chunks 1
assert_ok "no key: 15 rows, the state keeps the hashes of the rows at ts = 1"
sl "${HK[@]}" --primary-key id --until-done
assert_ok "then with a key, to the end"
assert_eq "every row once: the boundary finished with the hashes" "100,100" \
	"$(sl_csv hk "SELECT COUNT(*), COUNT(DISTINCT id) FROM t")"

section "a dataset named like the destination file"
sl run "$URL" --table family --pipeline same --destination "duckdb:///$T/same.duckdb" --dataset same \
	--progress none
assert_ok "dataset 'same' in same.duckdb loads"
assert_eq "dataset 'same' in same.duckdb holds the rows" "4178" "$(sl_csv same "SELECT COUNT(*) FROM family")"

section "bad input leaves no trace in the bookkeeping"
# hints are checked against the reflected table before the destination is touched
assert_eq "no load recorded for refused runs" 0 \
	"$(sl_csv base "SELECT COUNT(*) FROM _sluice_loads WHERE status <> 'completed'")"

section "no password in the local records"
if grep -rqF --exclude=credentials -e "$BADPW" -e "$MY_PW" "$SLUICE_PIPELINES_DIR"; then
	fail "passwords only in credentials files" \
		"$(grep -rlF --exclude=credentials -e "$BADPW" -e "$MY_PW" "$SLUICE_PIPELINES_DIR")"
else
	pass "passwords only in credentials files"
fi

finish
