#!/usr/bin/env bash
# test_cli_state_damage.sh — damaged, hand-edited and newer state. The destination's
# _sluice_state table is the truth and the local files (<pipelines dir>/<name>/state.json,
# pipeline.json, credentials) are a cache:
#  - a truncated, garbled, hand-edited or newer state.json, or a missing pipelines directory, does
#    not change what a run loads (it continues from the destination's state) and is rewritten;
#  - a damaged or newer pipeline.json / credentials makes `sluice status/show/state NAME` fail
#    with one line naming the file and what is wrong (never showing a password), and the next
#    `sluice run` rewrites them;
#  - a damaged, hand-edited, duplicated or newer state in _sluice_state makes the run fail with
#    one line naming the table and what is wrong, loading nothing, and once it is put right the
#    run goes on where it was.
# After every step the destination holds each source row at most once, and at the end all of them
# (counts of rows and of distinct ids).
#
#   bash tests/cli/test_cli_state_damage.sh PATH-TO-SLUICE

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

command -v sqlite3 >/dev/null || die "the sqlite3 program is needed"

ROWS=1000
DIR=$SLUICE_PIPELINES_DIR/dmg
sqlite3 "$T/src.db" "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ROWS)
INSERT INTO items SELECT i, 'item ' || i FROM n;" || die "cannot create the source"

RUN=(run "sqlite:///$T/src.db" --table items --pipeline dmg --destination "duckdb:///$T/dmg.duckdb"
	--cursor id --range-start open --chunk-size 100 --limit-chunks 2 --progress none)

# loaded — "ROWS DISTINCT-IDS" in the destination.
loaded() { sl_csv dmg "SELECT COUNT(*) || ' ' || COUNT(DISTINCT id) FROM items"; }

# expect_loaded DESC N — N rows, all distinct.
expect_loaded() { assert_eq "$1: $2 rows, none twice" "$2 $2" "$(loaded)"; }

# state_sql SQL — change the destination's state table (as a hand edit would).
state_sql() {
	sl sql dmg "$1"
	[ "$RC" -eq 0 ] || fail "could not run: $1" "$ERR"
}

# local_json FILE EXPR... — Python expressions over the parsed local FILE, one line each.
local_json() {
	local file=$1
	shift
	json_get "$(cat "$DIR/$file" 2>/dev/null)" "$@"
}

section "a first run"
sl "${RUN[@]}"
assert_ok "first run"
expect_loaded "first run" 200
assert_eq "state.json mirrors the state" "200" "$(local_json state.json 'j["items"]["rows_loaded"]')"

section "state.json truncated"
head -c 25 "$DIR/state.json" >"$DIR/state.json.cut" && mv "$DIR/state.json.cut" "$DIR/state.json"
sl "${RUN[@]}"
assert_ok "run after state.json was cut short"
expect_loaded "after a truncated state.json" 400
assert_eq "state.json rewritten" "400" "$(local_json state.json 'j["items"]["rows_loaded"]')"

section "state.json garbled"
printf '\x00\xff{{garbage' >"$DIR/state.json"
sl "${RUN[@]}"
assert_ok "run after state.json was garbled"
expect_loaded "after a garbled state.json" 600

section "state.json edited by hand to an earlier position, with another table of a newer sluice"
python3 - "$DIR/state.json" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    j = json.load(f)
j["items"]["last_value"] = "0"
j["items"]["rows_loaded"] = 0
j["other"] = {"version": 99, "layout": "from the future"}
with open(sys.argv[1], "w") as f:
    json.dump(j, f)
EOF
sl "${RUN[@]}"
assert_ok "run after state.json was edited"
expect_loaded "the edit changed nothing (the destination's state is the truth)" 800
mapfile -t v < <(local_json state.json 'j["items"]["rows_loaded"]' 'j["other"]["version"]')
assert_eq "state.json rewritten from the destination's state" "800" "${v[0]}"
assert_eq "another table's entry is kept" "99" "${v[1]}"

section "pipeline.json damaged: commands by name fail naming the file"
cp "$DIR/pipeline.json" "$T/pipeline.json.good"
head -c 40 "$T/pipeline.json.good" >"$DIR/pipeline.json"
for cmd in "status dmg" "show dmg items" "state dmg"; do
	read -ra words <<<"$cmd"
	sl "${words[@]}"
	assert_one_line_error "sluice $cmd with a truncated pipeline.json" \
		"$DIR/pipeline.json: not valid JSON at line [0-9]+ column [0-9]+"
done
sed 's/"chunk_size": 100/"chunk_size": "many"/' "$T/pipeline.json.good" >"$DIR/pipeline.json"
sl status dmg
assert_one_line_error "status with a hand-edited chunk_size" \
	"$DIR/pipeline.json: \"chunk_size\" is not a non-negative integer"
sed 's/"row_order": 0/"row_order": 7/' "$T/pipeline.json.good" >"$DIR/pipeline.json"
sl status dmg
assert_one_line_error "status with an unknown row_order" \
	"$DIR/pipeline.json: \"row_order\" of a table is not an integer from 0 to 2"
sed 's/"version": 1/"version": 2/' "$T/pipeline.json.good" >"$DIR/pipeline.json"
sl status dmg
assert_one_line_error "status with a pipeline.json of a newer sluice" \
	"$DIR/pipeline.json was written by a newer sluice \(version 2, this sluice reads up to 1\); upgrade sluice"
cp "$T/pipeline.json.good" "$DIR/pipeline.json"
expect_loaded "nothing changed" 800

section "credentials damaged: an error naming the file, never the password"
cp "$DIR/credentials" "$T/credentials.good"
printf '{"source_url" "mysql://u:Pa55-Wr0ng@127.0.0.1:1/x", "destination_url": "duckdb:///%s/dmg.duckdb"}' \
	"$T" >"$DIR/credentials"
sl status dmg
assert_one_line_error "status with garbled credentials" "$DIR/credentials: not valid JSON"
assert_not_contains "the message does not show the password" "Pa55-Wr0ng" "$ERR"
printf '{"destination_url": "duckdb:///%s/dmg.duckdb"}' "$T" >"$DIR/credentials"
sl status dmg
assert_one_line_error "status with credentials lacking the source" \
	"$DIR/credentials: \"source_url\" is missing"

section "a run rewrites the local files"
sl "${RUN[@]}"
assert_ok "run with damaged local files"
expect_loaded "run with damaged local files" 1000
sl status dmg
assert_ok "status works again"
assert_eq "credentials rewritten" "sqlite:///$T/src.db" "$(local_json credentials 'j["source_url"]')"

section "no local directory at all"
sqlite3 "$T/src.db" "WITH RECURSIVE n(i) AS (SELECT $ROWS + 1 UNION ALL SELECT i + 1 FROM n
	WHERE i < $ROWS + 500) INSERT INTO items SELECT i, 'item ' || i FROM n;"
rm -rf "$SLUICE_PIPELINES_DIR"
sl "${RUN[@]}"
assert_ok "run without the pipelines directory"
expect_loaded "continued from the destination's state" 1200
assert_eq "state.json recreated" "1200" "$(local_json state.json 'j["items"]["rows_loaded"]')"

section "the destination's state damaged: the run fails, naming table and fault, loading nothing"
good=$(sl_csv dmg "SELECT state FROM _sluice_state WHERE table_name = 'items'")
good=${good#\"}
good=${good%\"}
good=${good//\"\"/\"}
assert_match "the state as stored" '"rows_loaded":1200' "$good"

# damaged STATE-SQL ERE DESC — set the stored state, expect the run to fail with ERE.
damaged() {
	state_sql "$1"
	sl "${RUN[@]}"
	assert_one_line_error "$3" "$2"
	expect_loaded "$3: nothing loaded" 1200
}
esc=${good//\'/\'\'}
damaged "UPDATE _sluice_state SET version = 2" \
	"_sluice_state: state of table 'items' was written by a newer sluice \(state version 2, this sluice reads up to 1\); upgrade sluice" \
	"version column of a newer sluice"
damaged "UPDATE _sluice_state SET version = 1, state = replace('$esc', '\"version\":1', '\"version\":3')" \
	"state of table 'items' was written by a newer sluice \(state version 3" \
	"state JSON of a newer sluice"
damaged "UPDATE _sluice_state SET state = substr('$esc', 1, 30)" \
	"_sluice_state: state of table 'items' is not a JSON object: " \
	"truncated state"
damaged "UPDATE _sluice_state SET state = replace('$esc', '\"last_value\":\"1200\"', '\"last_value\":1200')" \
	"state of table 'items' is invalid: last_value is not a string" \
	"last_value edited into a number (it would otherwise load everything again)"
damaged "UPDATE _sluice_state SET state = replace('$esc', '\"last_value\":\"1200\"', '\"last_value\":\"twelve\"')" \
	"state of table 'items': last_value: .*'twelve' is not a valid" \
	"last_value that is not of the cursor's type"
state_sql "UPDATE _sluice_state SET state = '$esc'"
damaged "INSERT INTO _sluice_state SELECT * FROM _sluice_state" \
	"holds more than one state of table 'items' for pipeline 'dmg'" \
	"two states of one table"

section "put right, the run goes on where it was"
state_sql "DELETE FROM _sluice_state WHERE table_name = 'items'"
state_sql "INSERT INTO _sluice_state VALUES ('dmg', 'items', '$esc', 1, NULL)"
sl "${RUN[@]}"
assert_ok "run after the state was put right"
expect_loaded "the run went on" 1400
sl "${RUN[@]}"
expect_loaded "and to the end" 1500
assert_eq "and the rows are the source's" "1500 1500" \
	"$(sl_csv dmg "SELECT COUNT(*) || ' ' || SUM(CASE WHEN name = 'item ' || id THEN 1 ELSE 0 END) FROM items")"

finish
