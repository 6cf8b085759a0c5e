#!/usr/bin/env bash
# test_cli_select.sh — which tables `sluice run` loads: every table without --table, glob
# patterns, --exclude, --include-views, --columns / --exclude-columns, the same from a config
# file, and re-running a pattern by name (the library's side: src/source_select.c).
#
#   bash tests/cli/test_cli_select.sh PATH-TO-SLUICE      (SLUICE_TEST_MYSQL_URL must be set)

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

command -v sqlite3 >/dev/null || die "the sqlite3 program is not installed"
mysql_setup

sqlite3 "$T/db.db" "CREATE TABLE clan_a (id INTEGER PRIMARY KEY, name TEXT, secret TEXT);
	CREATE TABLE clan_b (id INTEGER PRIMARY KEY, name TEXT, secret TEXT);
	CREATE TABLE family (id INTEGER PRIMARY KEY, created TEXT, note TEXT);
	CREATE TABLE tmp_x (id INTEGER PRIMARY KEY);
	CREATE VIEW clan_view AS SELECT id, name FROM clan_a;
	INSERT INTO clan_a VALUES (1, 'a', 's'), (2, 'b', 's');
	INSERT INTO clan_b VALUES (1, 'c', 's');
	INSERT INTO family VALUES (1, '2020-01-01', 'n'), (2, '2020-01-02', 'n'), (3, '2020-01-03', 'n');
	INSERT INTO tmp_x VALUES (1);" || die "cannot create the test database"
URL="sqlite:///$T/db.db"

tables_of() { # PIPELINE — the loaded tables, sorted, comma separated
	sl_csv "$1" "SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sluice%' ESCAPE '\\'
		ORDER BY 1" | paste -sd,
}

section "every table without --table"
sl run "$URL" --pipeline all --destination "duckdb:///$T/all.duckdb" --progress none
assert_ok "every table: exit 0"
assert_eq "every base table, no view" "clan_a,clan_b,family,tmp_x" "$(tables_of all)"

section "patterns, --exclude, --include-views"
sl run "$URL" --table 'clan*' --pipeline pat --destination "duckdb:///$T/pat.duckdb" --progress none
assert_ok "a pattern: exit 0"
assert_eq "the pattern's tables" "clan_a,clan_b" "$(tables_of pat)"
sl run "$URL" --exclude 'tmp_*' --exclude clan_b --pipeline ex --destination "duckdb:///$T/ex.duckdb" \
	--progress none
assert_ok "--exclude: exit 0"
assert_eq "every table but the excluded" "clan_a,family" "$(tables_of ex)"
sl run "$URL" --table 'clan*' --include-views --pipeline views \
	--destination "duckdb:///$T/views.duckdb" --progress none
assert_ok "--include-views: exit 0"
assert_eq "the view too" "clan_a,clan_b,clan_view" "$(tables_of views)"
sl run "$URL" --table 'nomatch*' --pipeline none --destination "duckdb:///$T/none.duckdb" --progress none
assert_rc "a pattern that matches nothing: exit 1" 1
assert_match "... naming it" "nomatch\\*" "$ERR"

section "--columns and --exclude-columns"
sl run "$URL" --table 'clan*' --exclude-columns secret --pipeline cols \
	--destination "duckdb:///$T/cols.duckdb" --progress none
assert_ok "--exclude-columns: exit 0"
assert_eq "the column is left out" "id name _sluice_load_id" \
	"$(sl_csv cols "SELECT string_agg(column_name, ' ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'clan_a'")"
sl run "$URL" --table family --columns id,created --cursor created --pipeline cols2 \
	--destination "duckdb:///$T/cols2.duckdb" --progress none
assert_ok "--columns: exit 0"
assert_eq "only those columns" "id created" \
	"$(sl_csv cols2 "SELECT string_agg(column_name, ' ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'family' AND column_name NOT LIKE '\\_sluice%' ESCAPE '\\'")"
sl run "$URL" --table family --columns id,nope --pipeline cols3 \
	--destination "duckdb:///$T/cols3.duckdb" --progress none
assert_rc "a column the table lacks: exit 1" 1
assert_match "... naming it" "nope" "$ERR"

section "a config file with patterns, excludes and per-table columns; again by name"
cat >"$T/sel.yaml" <<EOF
source: $URL
destination: duckdb:///cfg.duckdb
pipeline: cfg
exclude: [clan_b]
tables:
  "clan*":
    exclude_columns: [secret]
  family:
    cursor: created
    columns: [id, created]
EOF
sl run --config sel.yaml --progress none
assert_ok "the config run: exit 0"
assert_eq "the file's selections" "clan_a,family" "$(tables_of cfg)"
mapfile -t v < <(json_get "$(cat "$SLUICE_PIPELINES_DIR/cfg/pipeline.json")" \
	'j["exclude"]' '",".join(t["name"] for t in j["tables"])' \
	'[t["exclude_columns"] for t in j["tables"] if t["name"] == "clan*"][0]')
assert_eq "the record: the excludes" '["clan_b"]' "${v[0]}"
assert_eq "the record: the selections as given" "clan*,family" "${v[1]}"
assert_eq "the record: the columns left out" secret "${v[2]}"
sqlite3 "$T/db.db" "INSERT INTO family VALUES (4, '2020-01-04', 'n')"
sl run cfg --progress none
assert_ok "by name: exit 0"
assert_match "by name: family continues" '^family: 1 rows loaded' "$OUT"
assert_no_match "by name: clan_b still excluded" '^clan_b:' "$OUT"
sl status cfg
assert_match "status lists family" '^family$' "$OUT"
assert_match "status lists clan_a" '^clan_a$' "$OUT"

finish
