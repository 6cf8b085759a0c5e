#!/usr/bin/env bash
# test_cli_output.sh — what `sluice show` and `sluice sql` print, in every format, from a DuckDB
# and a PostgreSQL destination holding the same rows: csv/json/ndjson export every row unless
# --limit says otherwise, while the table format shows 20 and says on stderr that it cut; CSV
# lines end in LF; JSON gives each column one type (a UBIGINT with 42 and 2^64-1 included),
# JSON columns nested, floats with their shortest digits; NDJSON is one object a line; the table
# tells NULL from the text 'NULL'; and both destinations print byte for byte the same.
#
# The rows come from SQLite; the types SQLite has not (UBIGINT, REAL) go into a table made in
# each destination with `sluice sql`, in the column types sluice itself would create there.
#
#   bash tests/cli/test_cli_output.sh PATH-TO-SLUICE      (SLUICE_TEST_PG_URL must be set)

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

pg_setup
command -v sqlite3 >/dev/null || die "the sqlite3 program is not installed"

sqlite3 "$T/src.db" <<'SQL' || die "cannot create the SQLite source"
CREATE TABLE many (id INTEGER PRIMARY KEY, v TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 45)
INSERT INTO many SELECT i, 'v' || i FROM n;
CREATE TABLE typed (id INTEGER PRIMARY KEY, t TEXT, d DOUBLE, dec DECIMAL(10,2), b BOOLEAN,
	j JSON, ts TIMESTAMP);
INSERT INTO typed VALUES
	(1, 'NULL', 0.1, 12.5, 1, '{"a": [1, 2], "b": "x"}', '2024-01-01 12:00:00.5'),
	(2, '', 3.0, -0.05, 0, '[1,2]', '2024-01-01 12:00:00'),
	(3, NULL, 1e20, NULL, NULL, '{"k": null}', NULL),
	(4, 'a,b"c
d', NULL, 1, 1, '"s"', '2024-01-01 12:00:00.123456');
CREATE TABLE loose (id INTEGER PRIMARY KEY, j JSON);
INSERT INTO loose VALUES (1, 'not json'), (2, '{"a":
	[1, 2]}'), (3, '"not json"');
SQL

pg_new_db PG_DEST dest
DUCK_URL="duckdb:///$T/out.duckdb"
PG_URL=$(pg_url "$PG_DEST")

# load PIPELINE DEST TABLE... — the tables from SQLite, without load ids (they differ by run).
load() {
	local p=$1 dest=$2 tables=() t
	shift 2
	for t in "$@"; do
		tables+=(--table "$t")
	done
	sl run "sqlite:///$T/src.db" "${tables[@]}" --pipeline "$p" --destination "$dest" \
		--dataset out --no-load-id --progress none
}

section "loading the same rows into DuckDB and PostgreSQL"
load out_duck "$DUCK_URL" many typed loose
assert_ok "into DuckDB"
load out_pg "$PG_URL" many typed
assert_ok "into PostgreSQL"
WIDE_ROWS="(1, 42, 0.1, 0.1, 9223372036854775807, 12345678901234567890.123456789, '{\"n\": null}'),
	(2, 18446744073709551615, 'NaN', 'Infinity', -1, -0.5, '[]'),
	(3, 0, '-Infinity', 123456789012345678, 0, 0, NULL),
	(4, NULL, 1234567, 1e-7, NULL, NULL, '\"x\"')"
sl sql out_duck "CREATE TABLE wide (id INTEGER, u UBIGINT, f REAL, g DOUBLE, i BIGINT,
	x DECIMAL(38,9), j JSON)"
assert_ok "DuckDB: wide table made"
sl sql out_duck "INSERT INTO wide VALUES $WIDE_ROWS"
assert_ok "DuckDB: wide rows"
sl sql out_pg "CREATE TABLE wide (id integer, u numeric(20,0), f real, g double precision,
	i bigint, x numeric(38,9), j json)"
assert_ok "PostgreSQL: wide table made"
sl sql out_pg "INSERT INTO wide VALUES $WIDE_ROWS"
assert_ok "PostgreSQL: wide rows"

# ndjson_as_json — stdin's lines, each parsed as one JSON object, as one JSON array (or an
# ERROR line), so json_get can read NDJSON.
ndjson_as_json() {
	python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert all(isinstance(r, dict) for r in rows), "a line is not an object"
print(json.dumps(rows))' 2>&1 | tail -n 1
}

# Python: the JSON types (int, float, str, bool...) of each column but j over the rows, NULLs aside.
COL_TYPES='" ".join(k + ":" + "/".join(sorted({type(r[k]).__name__ for r in j if r[k] is not None})) for k in j[0] if k != "j")'

for P in out_duck out_pg; do
	section "$P: csv, json and ndjson export every row; table shows 20 and says so"
	sl show "$P" many --format csv
	assert_ok "$P csv exits 0"
	assert_eq "$P csv: header and all 45 rows" 46 "$(printf '%s\n' "$OUT" | wc -l)"
	assert_eq "$P csv: nothing on stderr" "" "$ERR"
	sl show "$P" many --format json
	assert_eq "$P json: all 45 rows" 45 "$(json_get "$OUT" 'len(j)')"
	assert_eq "$P json: nothing on stderr" "" "$ERR"
	sl show "$P" many --format ndjson
	assert_eq "$P ndjson: all 45 rows, one object a line" 45 \
		"$(json_get "$(printf '%s\n' "$OUT" | ndjson_as_json)" 'len(j)')"
	sl show "$P" many
	assert_ok "$P table exits 0"
	assert_match "$P table: 20 rows" '^\(20 rows\)$' "$OUT"
	assert_match "$P table: the 20th row last" '^20  v20$' "$(printf '%s\n' "$OUT" | tail -n 2)"
	assert_eq "$P table: the cut said on stderr" \
		"sluice: showing 20 of 45 rows (--limit N or --limit 0 for all)" "$ERR"
	sl show "$P" many --limit 0
	assert_match "$P table --limit 0: all 45 rows" '^\(45 rows\)$' "$OUT"
	assert_eq "$P table --limit 0: nothing on stderr" "" "$ERR"
	sl show "$P" many --limit 45
	assert_eq "$P table --limit 45 (every row): nothing on stderr" "" "$ERR"
	sl show "$P" many --limit 44
	assert_eq "$P table --limit 44: the cut said" \
		"sluice: showing 44 of 45 rows (--limit N or --limit 0 for all)" "$ERR"

	section "$P: --limit in every format"
	sl show "$P" many --format csv --limit 5
	assert_eq "$P csv --limit 5" "id,v 1,v1 2,v2 3,v3 4,v4 5,v5" "$(printf '%s\n' "$OUT" | tr '\n' ' ' | sed 's/ $//')"
	assert_eq "$P csv --limit 5: nothing on stderr" "" "$ERR"
	sl show "$P" many --format json --limit 5
	assert_eq "$P json --limit 5" "[1, 2, 3, 4, 5]" "$(json_get "$OUT" '[o["id"] for o in j]')"
	sl show "$P" many --format ndjson --limit 5
	assert_eq "$P ndjson --limit 5" 5 "$(printf '%s\n' "$OUT" | wc -l)"
	sl show "$P" many --limit 5
	assert_match "$P table --limit 5: 5 rows" '^\(5 rows\)$' "$OUT"
	assert_eq "$P table --limit 5: the cut said" \
		"sluice: showing 5 of 45 rows (--limit N or --limit 0 for all)" "$ERR"

	section "$P: csv"
	sl show "$P" typed --format csv
	assert_not_contains "$P csv: no CR anywhere" $'\r' "$(cat "$T/.out")"
	assert_eq "$P csv: the last line ends in LF" 0a "$(tail -c 1 "$T/.out" | od -An -tx1 | tr -d ' ')"
	assert_eq "$P csv: quoting, NULL empty, \"\" for the empty string, float and bool text" \
		'id,t,d,dec,b,j,ts
1,NULL,0.1,12.50,true,"{""a"": [1, 2], ""b"": ""x""}",2024-01-01 12:00:00.5
2,"",3,-0.05,false,"[1,2]",2024-01-01 12:00:00
3,,1e+20,,,"{""k"": null}",
4,"a,b""c
d",,1.00,true,"""s""",2024-01-01 12:00:00.123456' "$OUT"
	sl show "$P" wide --format csv
	assert_eq "$P csv: UBIGINT, REAL, DOUBLE, BIGINT, DECIMAL(38,9), NaN and infinities" \
		'id,u,f,g,i,x,j
1,42,0.1,0.1,9223372036854775807,12345678901234567890.123456789,"{""n"": null}"
2,18446744073709551615,NaN,Infinity,-1,-0.500000000,[]
3,0,-Infinity,1.2345678901234568e+17,0,0.000000000,
4,,1234567,1e-07,,,"""x"""' "$OUT"

	section "$P: json and ndjson"
	sl show "$P" typed --format json
	assert_ok "$P json exits 0"
	mapfile -t v < <(json_get "$OUT" "$COL_TYPES" '[o["j"] for o in j]' '[o["d"] for o in j]' \
		'[o["t"] for o in j]')
	assert_eq "$P json: one type per column" \
		"id:int t:str d:float dec:float b:bool ts:str" "${v[0]}"
	assert_eq "$P json: JSON columns nested" '[{"a": [1, 2], "b": "x"}, [1, 2], {"k": null}, "s"]' "${v[1]}"
	assert_eq "$P json: doubles" '[0.1, 3.0, 1e+20, null]' "${v[2]}"
	assert_eq "$P json: text, the empty string and NULL apart" '["NULL", "", null, "a,b\"c\nd"]' "${v[3]}"
	assert_contains "$P json: a double 0.1 is 0.1" '"d": 0.1,' "$OUT"
	assert_contains "$P json: a DECIMAL keeps its digits" '"dec": 12.50,' "$OUT"
	typed_json=$OUT
	sl show "$P" typed --format ndjson
	assert_eq "$P ndjson: four lines" 4 "$(printf '%s\n' "$OUT" | wc -l)"
	assert_eq "$P ndjson: the objects of json" "$(json_get "$typed_json" 'j')" \
		"$(json_get "$(printf '%s\n' "$OUT" | ndjson_as_json)" 'j')"
	assert_eq "$P ndjson: the lines of json" "$(printf '%s\n' "$typed_json" | sed '1d;$d;s/,$//')" "$OUT"

	sl show "$P" wide --format json
	mapfile -t v < <(json_get "$OUT" "$COL_TYPES" '[o["u"] for o in j]' '[o["f"] for o in j]' \
		'[o["g"] for o in j]' '[o["j"] for o in j]')
	assert_eq "$P json wide: one type per column" "id:int u:int f:float g:float i:int x:float" "${v[0]}"
	assert_eq "$P json wide: UBIGINT exact" '[42, 18446744073709551615, 0, null]' "${v[1]}"
	assert_eq "$P json wide: REAL (NaN, -Infinity as null)" '[0.1, null, null, 1234567.0]' "${v[2]}"
	assert_eq "$P json wide: DOUBLE (Infinity as null)" '[0.1, null, 1.2345678901234568e+17, 1e-07]' "${v[3]}"
	assert_eq "$P json wide: JSON column" '[{"n": null}, [], null, "x"]' "${v[4]}"
	assert_contains "$P json wide: REAL 0.1 printed as 0.1" '"f": 0.1,' "$OUT"
	assert_contains "$P json wide: UBIGINT max written exactly" '"u": 18446744073709551615,' "$OUT"
	assert_contains "$P json wide: BIGINT max written exactly" '"i": 9223372036854775807,' "$OUT"
	assert_contains "$P json wide: DECIMAL(38,9) written exactly" \
		'"x": 12345678901234567890.123456789,' "$OUT"

	section "$P: table"
	sl show "$P" typed
	assert_match "$P table: the text 'NULL' quoted" "^ 1  'NULL' " "$OUT"
	assert_match "$P table: NULL as NULL" '^ 3  NULL ' "$OUT"
	assert_match "$P table: the empty string empty" '^ 2           +3  ' "$OUT"
	assert_eq "$P table: the whole of it" \
		'id  t            d    dec  b      j                        ts
--  -------  -----  -----  -----  -----------------------  --------------------------
 1  '"'NULL'"'     0.1  12.50  true   {"a": [1, 2], "b": "x"}  2024-01-01 12:00:00.5
 2               3  -0.05  false  [1,2]                    2024-01-01 12:00:00
 3  NULL     1e+20   NULL  NULL   {"k": null}              NULL
 4  a,b"c d   NULL   1.00  true   "s"                      2024-01-01 12:00:00.123456
(4 rows)' "$OUT"

	section "$P: sluice sql prints as show does"
	for f in table csv json ndjson; do
		sl show "$P" typed --format "$f"
		shown=$OUT
		sl sql "$P" 'SELECT * FROM typed ORDER BY id' --format "$f"
		assert_eq "$P sql --format $f: as show" "$shown" "$OUT"
	done
	sl tables "$P" --format ndjson
	assert_match "$P tables --format ndjson" '^\{"name": "many", "row_count": 45\}$' "$OUT"
done

section "both destinations print the same"
for table in many typed wide; do
	for f in table csv json ndjson; do
		sl show out_duck "$table" --format "$f" --limit 0
		duck=$OUT
		sl show out_pg "$table" --format "$f" --limit 0
		assert_eq "$table --format $f: DuckDB and PostgreSQL alike" "$duck" "$OUT"
	done
done

section "JSON columns DuckDB took without checking"
sl show out_duck loose --format ndjson
assert_eq "text that is not JSON is a string; JSON across lines is one line" \
	'{"id": 1, "j": "not json"}
{"id": 2, "j": {"a":[1,2]}}
{"id": 3, "j": "not json"}' "$OUT"
sl show out_duck loose --format csv
assert_eq "... and csv gives the text as stored" 'id,j
1,not json
2,"{""a"":
	[1, 2]}"
3,"""not json"""' "$OUT"

finish
