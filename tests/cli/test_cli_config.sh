#!/usr/bin/env bash
# test_cli_config.sh — `sluice run --config FILE` and `sluice run PIPELINE`:
#  - the seed's five runs of 1000 rows (1000, 1999, 2998, 3997, 4178) from a config file;
#  - a bad config file (unknown key, wrong type, bad value, YAML syntax, unset ${VAR}, ...) is
#    one line `sluice run: FILE:LINE:COLUMN: ...`, exit 2, and nothing is created;
#  - ${VAR} brings a MariaDB password from the environment, which never shows;
#  - options on the command line override the file;
#  - `sluice run NAME` runs the recorded pipeline again, incrementally, with overrides; an
#    unknown NAME is one line, exit 2;
#  - the record keeps the tables of every run of one source URL (status lists them all), and a
#    new source URL starts it afresh.
#
#   bash tests/cli/test_cli_config.sh PATH-TO-SLUICE      (SLUICE_TEST_MYSQL_URL must be set)

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

command -v sqlite3 >/dev/null || die "the sqlite3 program is not installed"
mysql_setup

TOTAL=4178
EXPECTED_COUNTS=(1000 1999 2998 3997 4178)

sqlite3 "$T/rfam.db" <"$DATA_DIR/rfam_family_sqlite.sql" || die "cannot load rfam_family_sqlite.sql"
sqlite3 "$T/rfam.db" "CREATE TABLE clan (id INTEGER PRIMARY KEY, name TEXT);
	INSERT INTO clan VALUES (1, 'a'), (2, 'b'), (3, 'c');" || die "cannot create clan"

counts() { sl_csv "$1" "SELECT COUNT(*), COUNT(DISTINCT rfam_id) FROM family"; }

# exists PATH — "yes" or "no".
exists() { if [ -e "$1" ]; then echo yes; else echo no; fi; }

section "the seed from a config file: five runs of 1000 rows"
cat >"$T/seed.yaml" <<EOF
# the seed's backfill in chunks
source: sqlite:///rfam.db
destination: duckdb:///seed.duckdb
pipeline: seed
dataset: rfam_data
limit_chunks: 1
progress: none
tables:
  family:
    primary_key: rfam_id
    cursor: created
    row_order: asc
    chunk_size: 1000
EOF
for i in 0 1 2 3 4; do
	sl run --config seed.yaml
	assert_ok "config run $((i + 1)) exits 0"
	assert_eq "config run $((i + 1)): COUNT(*), COUNT(DISTINCT rfam_id)" \
		"${EXPECTED_COUNTS[i]},${EXPECTED_COUNTS[i]}" "$(counts seed)"
done
assert_match "run 5 reports the table exhausted, naming the cursor" \
	'^family: 181 rows loaded \(182 read\) .*last created = 2022-07-04 22:56:39, all rows loaded' "$OUT"
assert_match "the first line names pipeline, dataset and destination" \
	"^pipeline seed: dataset rfam_data in duckdb:///$T/seed.duckdb$" "$OUT"
sl status seed
assert_match "status: fully loaded" '^ *fully loaded$' "$OUT"
mapfile -t v < <(json_get "$(cat "$SLUICE_PIPELINES_DIR/seed/pipeline.json")" \
	'j["tables"][0]["name"]' 'j["tables"][0]["chunk_size"]' 'j["tables"][0]["cursor"]')
assert_eq "the record: the table" family "${v[0]}"
assert_eq "the record: its chunk size" 1000 "${v[1]}"
assert_eq "the record: its cursor" created "${v[2]}"

section "defaults for every table, a table's keys override them; lists for columns"
cat >"$T/defaults.yaml" <<EOF
source: sqlite:///rfam.db
destination: duckdb:///defaults.duckdb
chunk_size: 2
limit_chunks: 1
progress: none
tables:
  family:
    chunk_size: 300
    primary_key: [rfam_id]
    cursor: created
  "clan:clan_copy": {}
EOF
sl run --config defaults.yaml
assert_ok "defaults run exits 0"
assert_match "the table's own chunk size (300)" '^family: 300 rows loaded .*last created = ' "$OUT"
assert_match "the default chunk size (2) into T:DEST" '^clan_copy: 2 rows loaded' "$OUT"
assert_match "the default pipeline name comes from the source" '^pipeline rfam: ' "$OUT"

section "bad config files: one line FILE:LINE:COLUMN, exit 2, nothing created"
# bad_config DESC ERE BODY — the config BODY (after a source and a destination) is refused.
bad_config() {
	local desc=$1 re=$2 body=$3
	printf 'source: sqlite:///rfam.db\ndestination: duckdb:///bad.duckdb\npipeline: bad\n%s\n' \
		"$body" >"$T/bad.yaml"
	sl run --config bad.yaml
	assert_rc "$desc: exit 2" 2
	assert_one_line_error "$desc: one line naming file, line and column" "^sluice run: bad\.yaml:$re"
	assert_eq "$desc: no destination file" no "$(exists "$T/bad.duckdb")"
	assert_eq "$desc: no pipeline record" no "$(exists "$SLUICE_PIPELINES_DIR/bad")"
}
bad_config "unknown key in a table" "7:5: unknown key 'chunk_sise'$" 'tables:
  family:
    cursor: created
    chunk_sise: 10'
bad_config "unknown top-level key" "4:1: unknown key 'sorce'$" 'sorce: x'
bad_config "wrong type: a mapping for a number" "4:13: chunk_size: expected a value or a list, not a mapping$" \
	'chunk_size: {rows: 5}'
bad_config "wrong type: a list for a number" "4:13: chunk_size: expected a single value, not a list$" \
	'chunk_size: [5, 6]'
bad_config "a number out of range" "4:13: chunk_size: '0' must be between 1 and 100000000$" \
	'chunk_size: 0'
bad_config "a bad enum" "6:24: write_disposition: 'upsert' must be one of replace, append, merge$" \
	'tables:
  family:
    write_disposition: upsert'
bad_config "a bad duration" "4:11: max_time: 'soon' is not a duration" 'max_time: soon'
bad_config "a bad flag" "4:11: dev_mode: 'maybe' must be one of true, false$" 'dev_mode: maybe'
bad_config "a run option inside a table" "6:5: 'workers' is not a table hint: give it at the top level$" \
	'tables:
  family:
    workers: 2'
bad_config "workers out of range" "4:10: workers: '65' must be between 1 and 64$" 'workers: 65'
bad_config "a key given twice" "5:1: chunk_size: given twice$" 'chunk_size: 5
chunk_size: 6'
bad_config "YAML syntax error" "[0-9]+:[0-9]+: .*(flow|expected)" 'tables:
  family:
    cursor: [created
'
bad_config "tables not a mapping" "4:9: tables: expected a mapping" 'tables: family'
bad_config "unset environment variable" "4:10: dataset: environment variable 'SLUICE_NO_SUCH_VAR' is not set$" \
	'dataset: ${SLUICE_NO_SUCH_VAR}'
printf 'source: sqlite:///rfam.db\ndestination: duckdb:///bad.duckdb\ntables:\n  family:\n    row_order: desc\n' >"$T/nocur.yaml"
sl run --config nocur.yaml
assert_rc "a hint that needs a cursor: exit 2" 2
assert_one_line_error "... one line naming table and option" \
	"^sluice run: table 'family': option '--row-order' needs --cursor$"
assert_eq "... no destination file" no "$(exists "$T/bad.duckdb")"
sl run --config "$T/no-such.yaml"
assert_rc "a missing config file: exit 2" 2
assert_one_line_error "a missing config file: one line" "^sluice run: .*no-such\.yaml: No such file"
printf 'destination: duckdb:///bad.duckdb\ntables: [family]\n' >"$T/nosrc.yaml"
sl run --config nosrc.yaml
assert_rc "no source anywhere: exit 2" 2
assert_one_line_error "no source anywhere: one line" "^sluice run: nosrc\.yaml has no 'source'"
assert_eq "no source anywhere: no destination file" no "$(exists "$T/bad.duckdb")"

section "\${VAR}: a MariaDB password from the environment, never shown"
mysql_new_db MYDB rfam
mdb "$MYDB" <"$DATA_DIR/rfam_family_mysql.sql" || die "cannot load rfam_family_mysql.sql into $MYDB"
cat >"$T/env.yaml" <<EOF
source: mysql://\${CFG_USER}:\${CFG_PASSWORD}@$MY_HOST:$MY_PORT/$MYDB
destination: duckdb:///env.duckdb
pipeline: envpw
tables:
  family:
    primary_key: rfam_id
    cursor: created
    chunk_size: 2000
limit_chunks: 1
progress: none
EOF
CFG_USER=$MY_USER CFG_PASSWORD=$MY_PW sl run --config env.yaml
assert_ok "a run with the password from the environment exits 0"
assert_match "it loads from MariaDB" '^family: 2000 rows loaded' "$OUT"
if [ -n "$MY_PW" ]; then
	assert_not_contains "the password is not on stdout" "$MY_PW" "$OUT"
	assert_not_contains "the password is not in pipeline.json" "$MY_PW" \
		"$(cat "$SLUICE_PIPELINES_DIR/envpw/pipeline.json")"
fi
BADPW=Wr0ng-Passw0rd-CFG
CFG_USER=$MY_USER CFG_PASSWORD=$BADPW sl run --config env.yaml
assert_rc "a wrong password from the environment: exit 1" 1
assert_one_line_error "... one line naming the user" "access denied for user '$MY_USER'"
assert_not_contains "... without the password" "$BADPW" "$ERR$OUT"
CFG_USER=$MY_USER sl run --config env.yaml
assert_rc "an unset password variable: exit 2" 2
assert_one_line_error "... naming the variable" \
	"^sluice run: env\.yaml:1:9: source: environment variable 'CFG_PASSWORD' is not set$"
CFG_USER=$MY_USER CFG_PASSWORD=$MY_PW sl run envpw --limit-chunks 1
assert_ok "the MariaDB pipeline runs again by name (the password from its credentials)"
assert_match "... and continues" '^family: 1999 rows loaded \(2000 read\)' "$OUT"

section "the command line overrides the file"
sl run --config seed.yaml --pipeline over --destination "duckdb:///$T/over.duckdb" \
	--chunk-size 500 --limit-chunks 2
assert_ok "overridden run exits 0"
assert_match "--chunk-size and --limit-chunks override the file's" \
	'^family: 1000 rows loaded \(1000 read\) in 2 chunks' "$OUT"
assert_match "--pipeline overrides the file's" '^pipeline over: dataset rfam_data in ' "$OUT"
assert_eq "--destination overrides the file's" yes "$(exists "$T/over.duckdb")"
sl run --config seed.yaml --pipeline over --destination "duckdb:///$T/over.duckdb" \
	--row-order sideways
assert_rc "a bad override: exit 2" 2
assert_one_line_error "... named as the option" "^sluice run: --row-order: 'sideways' must be one of"
sl run "sqlite:///$T/rfam.db" --config seed.yaml --pipeline over2 \
	--destination "duckdb:///$T/over2.duckdb" --table family:fam2
assert_ok "SOURCE_URL and --table override the file's"
assert_match "--table T:DEST keeps the file's hints for T (chunk size, cursor)" \
	'^fam2: 1000 rows loaded \(1000 read\) in 1 chunk, .*last created = ' "$OUT"

section "sluice run NAME: the recorded pipeline again"
sl run "sqlite:///$T/rfam.db" --table family --pipeline again --destination "duckdb:///$T/again.duckdb" \
	--dataset rfam_data --primary-key rfam_id --cursor created --chunk-size 1000 \
	--limit-chunks 1 --progress none
assert_ok "the first run, with a URL"
sl run again --limit-chunks 1 --progress none
assert_ok "sluice run again exits 0"
assert_match "it continues incrementally (999 new of 1000 read)" \
	'^family: 999 rows loaded \(1000 read\) in 1 chunk, .*last created = ' "$OUT"
assert_match "into the recorded destination and dataset" \
	"^pipeline again: dataset rfam_data in duckdb:///$T/again.duckdb$" "$OUT"
assert_eq "1999 rows" "1999,1999" "$(counts again)"
sl run again --until-done --limit-chunks 1 --progress none
assert_ok "by name with --until-done"
assert_match "... runs to the end" '^total \(3 runs\): family: 2179 rows loaded' "$OUT"
assert_eq "every row" "$TOTAL,$TOTAL" "$(counts again)"
sl run again --config seed.yaml
assert_rc "a name and --config: exit 2" 2
assert_one_line_error "... one line" "^sluice run: a pipeline name \('again'\) and --config cannot be combined$"
sl run nope
assert_rc "an unknown pipeline: exit 2" 2
assert_one_line_error "... one clear line" \
	"^sluice run: no pipeline 'nope' in $SLUICE_PIPELINES_DIR \(run it once with a source URL\)$"
sl run nope --pipelines-dir "$T/elsewhere"
assert_one_line_error "... naming --pipelines-dir" "^sluice run: no pipeline 'nope' in $T/elsewhere "

section "the record keeps every table of one source"
ACC=(--pipeline acc --destination "duckdb:///$T/acc.duckdb" --progress none)
sl run "sqlite:///$T/rfam.db" --table family --cursor created --primary-key rfam_id \
	--chunk-size 1000 --limit-chunks 1 "${ACC[@]}"
assert_ok "first invocation: family"
sl run "sqlite:///$T/rfam.db" --table clan --primary-key id "${ACC[@]}"
assert_ok "second invocation: clan"
mapfile -t v < <(json_get "$(cat "$SLUICE_PIPELINES_DIR/acc/pipeline.json")" \
	'",".join(t["name"] for t in j["tables"])' \
	'[t.get("cursor") for t in j["tables"] if t["name"] == "family"][0]' \
	'[t["chunk_size"] for t in j["tables"] if t["name"] == "family"][0]')
assert_eq "pipeline.json holds both tables" "family,clan" "${v[0]}"
assert_eq "family keeps its hints" created "${v[1]}"
assert_eq "family keeps its chunk size" 1000 "${v[2]}"
sl status acc
assert_ok "status exits 0"
assert_match "status lists family" '^family$' "$OUT"
assert_match "status lists clan" '^clan$' "$OUT"
sl run acc --limit-chunks 1 --progress none
assert_ok "by name: both tables"
assert_match "... family continues" '^family: 999 rows loaded \(1000 read\)' "$OUT"
assert_match "... clan is loaded again (replace)" '^clan: 3 rows loaded' "$OUT"
sl run acc --table clan --progress none
assert_ok "by name with --table: only that one"
assert_no_match "... family is not loaded" '^family:' "$OUT"
assert_match "... clan is" '^clan: 3 rows loaded' "$OUT"
sl run "sqlite:///$T/rfam.db" --table family --cursor created --primary-key rfam_id \
	--chunk-size 500 --limit-chunks 1 "${ACC[@]}"
mapfile -t v < <(json_get "$(cat "$SLUICE_PIPELINES_DIR/acc/pipeline.json")" \
	'",".join(t["name"] for t in j["tables"])' \
	'[t["chunk_size"] for t in j["tables"] if t["name"] == "family"][0]')
assert_eq "a table run again keeps its place" "family,clan" "${v[0]}"
assert_eq "... with the newer run's hints" 500 "${v[1]}"
cp "$T/rfam.db" "$T/rfam2.db"
sl run "sqlite:///$T/rfam2.db" --table clan --primary-key id "${ACC[@]}"
assert_ok "a run from another source URL"
assert_eq "another source URL starts the record afresh" clan \
	"$(json_get "$(cat "$SLUICE_PIPELINES_DIR/acc/pipeline.json")" '",".join(t["name"] for t in j["tables"])')"

section "an older record (no per-table chunk size) still runs by name"
python3 - "$SLUICE_PIPELINES_DIR/again/pipeline.json" <<'PY'
import json, sys
p = sys.argv[1]
j = json.load(open(p))
for t in j["tables"]:
    t.pop("chunk_size", None)
j["chunk_size"] = 700
json.dump(j, open(p, "w"), indent=2)
PY
sl reset again --table family --drop-data
sl run again --limit-chunks 1 --progress none
assert_ok "a version 1 record runs by name"
assert_match "... with its chunk size" '^family: 700 rows loaded \(700 read\)' "$OUT"
sed -i 's/"row_order": 0/"row_order": 9/' "$SLUICE_PIPELINES_DIR/again/pipeline.json"
sl run again
assert_rc "a damaged record: exit 1" 1
assert_one_line_error "... naming the file" "$SLUICE_PIPELINES_DIR/again/pipeline.json: \"row_order\" of a table is not"

finish
