#!/usr/bin/env bash
# test_cli_schema.sh — the source table changes between runs, and loads go on: a column added in
# the source is added to the destination (older rows NULL); a dropped one stays, NULL from then
# on; widened types (INT -> BIGINT, VARCHAR(10) -> VARCHAR(100), DECIMAL(10,2) -> DECIMAL(12,2),
# FLOAT -> DOUBLE) widen the destination column where it needs it. An incompatible change (text
# into the integer column) fails with one line naming table, column and both types, before
# anything is written; once the source is fixed the next run goes on. A dropped cursor column is
# a clear error. Every change is recorded in _sluice_loads.schema_changes and shown by `sluice
# status`. A replaced table simply takes the new schema.
#
# The same scenario runs for MariaDB and PostgreSQL sources into DuckDB and PostgreSQL
# destinations; destination == source is checked by count and an all-column checksum.
#
#   bash tests/cli/test_cli_schema.sh PATH-TO-SLUICE   (SLUICE_TEST_MYSQL_URL, SLUICE_TEST_PG_URL)

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

mysql_setup
[ -n "${SLUICE_TEST_PG_URL:-}" ] || die "SLUICE_TEST_PG_URL is not set (run the tests with scripts/run-tests)"
command -v psql >/dev/null || die "the psql program is not installed"

PG_SCHEMAS=()
pg() { psql -q -X -A -t -v ON_ERROR_STOP=1 "$SLUICE_TEST_PG_URL" "$@"; }
pg_cleanup() {
	local s
	for s in "${PG_SCHEMAS[@]}"; do
		pg -c "DROP SCHEMA IF EXISTS \"$s\" CASCADE" >/dev/null 2>&1 || say "could not drop schema $s"
	done
}
trap 'pg_cleanup; cleanup' EXIT

mysql_new_db MYDB schema
PGSRC="sl_schema_src_$$"
PG_SCHEMAS+=("$PGSRC")
pg -c "CREATE SCHEMA $PGSRC" || die "cannot create schema $PGSRC"

# src KIND SQL — run SQL on the source of KIND (mysql or pg).
src() {
	if [ "$1" = mysql ]; then
		mdb "$MYDB" -e "$2"
	else
		PGOPTIONS="-c search_path=$PGSRC" pg -c "$2"
	fi
}

src_url() {
	if [ "$1" = mysql ]; then mysql_url "$MYDB"; else printf '%s?schema=%s' "$SLUICE_TEST_PG_URL" "$PGSRC"; fi
}

# values FROM TO QTY_BASE CODE_LEN — a VALUES list of rows FROM..TO for items (without old_col
# when CODE_LEN is given: the table after the change).
values() {
	local n sep="" out=""
	for ((n = $1; n <= $2; n++)); do
		local ts
		ts=$(printf '2024-01-01 %02d:%02d:%02d' $((n / 3600)) $((n / 60 % 60)) $((n % 60)))
		if [ -z "${4:-}" ]; then
			out+="$sep($n, '$ts', $((n * 10)), 'c$n', $n.25, $n.125, 'o$n')"
		else
			local code
			code=$(printf 'long-code-%050d' "$n")
			out+="$sep($n, '$ts', $(($3 + n)), '$code', $((1234567890 + n)).12, 0.1234567890123, 'note $n')"
		fi
		sep=", "
	done
	printf '%s' "$out"
}

# checksum KIND TARGET — count, sum(qty) and an md5 checksum over id, qty, code, price and note,
# in the dialect of KIND (mysql, pg, duckdb), so both sides can be compared.
checksum_sql() {
	local cols="id, qty, code, CAST(price AS %s), COALESCE(note, '<null>')"
	case "$1" in
	mysql)
		printf "SELECT COUNT(*), SUM(qty), SUM(CAST(CONV(LEFT(MD5(CONCAT_WS('|', $(printf "$cols" CHAR))), 15), 16, 10) AS UNSIGNED)) FROM items"
		;;
	pg)
		printf "SELECT COUNT(*), SUM(qty), SUM(('x' || lpad(left(md5(concat_ws('|', $(printf "$cols" text))), 15), 16, '0'))::bit(64)::bigint) FROM items"
		;;
	duckdb)
		printf "SELECT COUNT(*), SUM(qty), SUM(('0x' || left(md5(concat_ws('|', $(printf "$cols" VARCHAR))), 15))::BIGINT) FROM items"
		;;
	esac
}

src_checksum() {
	if [ "$1" = mysql ]; then
		mdb "$MYDB" -e "$(checksum_sql mysql)" | tr '\t' ','
	else
		PGOPTIONS="-c search_path=$PGSRC" pg -F, -c "$(checksum_sql pg)"
	fi
}

# dest_type DEST PIPELINE DATASET TABLE COLUMN — the destination column's type.
dest_type() {
	if [ "$1" = duckdb ]; then
		sl_csv "$2" "SELECT data_type FROM information_schema.columns WHERE table_schema = '$3' AND table_name = '$4' AND column_name = '$5'" | tr -d '"'
	else
		pg -c "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '\"$3\".\"$4\"'::regclass AND attname = '$5' AND NOT attisdropped"
	fi
}

dest_columns() {
	if [ "$1" = duckdb ]; then
		sl_csv "$2" "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = '$3' AND table_name = '$4'" | tr -d '"'
	else
		pg -c "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = '\"$3\".\"$4\"'::regclass AND attnum > 0 AND NOT attisdropped"
	fi
}

# scenario SRC DEST — the whole story for one source kind into one destination kind.
scenario() {
	local S=$1 D=$2
	local P="schema_${S}_$D" DS="sl_schema_${S}_${D}_$$" dest
	if [ "$D" = duckdb ]; then
		dest="duckdb:///$T/$P.duckdb"
	else
		dest=$SLUICE_TEST_PG_URL
		PG_SCHEMAS+=("$DS")
	fi
	local URL
	URL=$(src_url "$S")
	local RUN=(--table items --pipeline "$P" --destination "$dest" --dataset "$DS"
		--cursor updated --primary-key id --chunk-size 40 --progress none)
	local dtype=$D
	[ "$D" = pg ] && dtype=pg

	section "$S -> $D: first load, 100 rows"
	src "$S" "DROP TABLE IF EXISTS items; DROP TABLE IF EXISTS kinds"
	if [ "$S" = mysql ]; then
		src "$S" "CREATE TABLE items (id INT PRIMARY KEY, updated DATETIME(6) NOT NULL, qty INT,
			code VARCHAR(10), price DECIMAL(10,2), ratio FLOAT, old_col VARCHAR(20) NOT NULL)"
	else
		src "$S" "CREATE TABLE items (id INT PRIMARY KEY, updated TIMESTAMP(6) NOT NULL, qty INT,
			code VARCHAR(10), price NUMERIC(10,2), ratio REAL, old_col VARCHAR(20) NOT NULL)"
	fi
	src "$S" "INSERT INTO items VALUES $(values 1 100)" || die "cannot fill items"
	sl run "$URL" "${RUN[@]}"
	assert_ok "$S -> $D: first run exits 0"
	assert_eq "$S -> $D: 100 rows loaded" "100" "$(sl_csv "$P" "SELECT COUNT(*) FROM items")"
	assert_eq "$S -> $D: no schema change recorded for a new table" "0" \
		"$(sl_csv "$P" "SELECT COUNT(*) FROM _sluice_loads WHERE schema_changes IS NOT NULL")"

	# a dataset from before schema changes were recorded: the next run adds the column
	sl sql "$P" "ALTER TABLE _sluice_loads DROP COLUMN schema_changes"
	assert_ok "$S -> $D: an older _sluice_loads without schema_changes"

	section "$S -> $D: add note, drop old_col, widen qty, code, price, ratio"
	if [ "$S" = mysql ]; then
		src "$S" "ALTER TABLE items ADD COLUMN note VARCHAR(50), DROP COLUMN old_col,
			MODIFY qty BIGINT, MODIFY code VARCHAR(100), MODIFY price DECIMAL(12,2),
			MODIFY ratio DOUBLE"
	else
		src "$S" "ALTER TABLE items ADD COLUMN note VARCHAR(50), DROP COLUMN old_col,
			ALTER COLUMN qty TYPE BIGINT, ALTER COLUMN code TYPE VARCHAR(100),
			ALTER COLUMN price TYPE NUMERIC(12,2), ALTER COLUMN ratio TYPE DOUBLE PRECISION"
	fi
	src "$S" "INSERT INTO items (id, updated, qty, code, price, ratio, note) VALUES $(values 101 150 5000000000 60)" ||
		die "cannot add rows after the change"
	sl run "$URL" "${RUN[@]}"
	assert_ok "$S -> $D: the run after the change exits 0"
	assert_match "$S -> $D: it loads the 50 new rows" 'items: 50 rows loaded' "$OUT"
	assert_eq "$S -> $D: destination == source (count, sum, checksum)" "$(src_checksum "$S")" \
		"$(sl_csv "$P" "$(checksum_sql "$dtype")" | tr -d '"')"
	assert_eq "$S -> $D: older rows have no note, newer ones do" "100,50" \
		"$(sl_csv "$P" "SELECT COUNT(*) FILTER (WHERE note IS NULL), COUNT(note) FROM items")"
	assert_eq "$S -> $D: the dropped column stays, NULL for the new rows" "100,50" \
		"$(sl_csv "$P" "SELECT COUNT(old_col), COUNT(*) FILTER (WHERE id > 100 AND old_col IS NULL) FROM items")"
	assert_eq "$S -> $D: a DOUBLE value keeps its digits" "1" \
		"$(sl_csv "$P" "SELECT COUNT(*) FROM items WHERE id = 150 AND abs(ratio - 0.1234567890123) < 1e-15")"
	if [ "$D" = duckdb ]; then
		assert_eq "$S -> $D: qty widened" "BIGINT" "$(dest_type "$D" "$P" "$DS" items qty)"
		assert_eq "$S -> $D: price widened" "DECIMAL(12,2)" "$(dest_type "$D" "$P" "$DS" items price)"
		assert_eq "$S -> $D: ratio widened" "DOUBLE" "$(dest_type "$D" "$P" "$DS" items ratio)"
	else
		assert_eq "$S -> $D: qty widened" "bigint" "$(dest_type "$D" "$P" "$DS" items qty)"
		assert_eq "$S -> $D: price widened" "numeric(12,2)" "$(dest_type "$D" "$P" "$DS" items price)"
		assert_eq "$S -> $D: ratio widened" "double precision" "$(dest_type "$D" "$P" "$DS" items ratio)"
	fi
	local changes
	changes=$(sl_csv "$P" "SELECT schema_changes FROM _sluice_loads WHERE schema_changes IS NOT NULL")
	mapfile -t v < <(csv_get "x,$changes" \
		'sorted((c["column"], c["change"], c.get("from", ""), c.get("to", c.get("type", ""))) for c in json.loads(rows[0][1]))')
	local int=INTEGER
	assert_eq "$S -> $D: the changes are recorded in _sluice_loads" \
		"[[\"note\", \"added\", \"\", \"TEXT\"], [\"old_col\", \"dropped\", \"\", \"\"], [\"price\", \"widened\", \"DECIMAL(10,2)\", \"DECIMAL(12,2)\"], [\"qty\", \"widened\", \"$int\", \"BIGINT\"], [\"ratio\", \"widened\", \"FLOAT\", \"DOUBLE\"]]" \
		"${v[0]}"
	sl status "$P"
	assert_ok "$S -> $D: status exits 0"
	assert_match "$S -> $D: status shows the schema change" \
		'schema changed +.*added note TEXT.*dropped old_col' "$OUT"

	section "$S -> $D: nothing changed: nothing recorded again"
	sl run "$URL" "${RUN[@]}"
	assert_ok "$S -> $D: the next run exits 0"
	assert_eq "$S -> $D: still one recorded change" "1" \
		"$(sl_csv "$P" "SELECT COUNT(*) FROM _sluice_loads WHERE schema_changes IS NOT NULL")"

	section "$S -> $D: an incompatible change fails before anything is written"
	if [ "$S" = mysql ]; then
		src "$S" "ALTER TABLE items MODIFY qty VARCHAR(20)"
	else
		src "$S" "ALTER TABLE items ALTER COLUMN qty TYPE VARCHAR(20)"
	fi
	src "$S" "INSERT INTO items (id, updated, qty, code, price, ratio, note) VALUES (151, '2024-01-01 01:00:00', 'abc', 'x', 1, 1, 'n')"
	local loads_before state_before
	loads_before=$(sl_csv "$P" "SELECT COUNT(*) FROM _sluice_loads")
	sl state "$P"
	state_before=$OUT
	sl run "$URL" "${RUN[@]}"
	assert_one_line_error "$S -> $D: one line naming table, column and both types" \
		'table items: column qty is now TEXT in the source \((varchar\(20\)|character varying\(20\))\) but BIGINT in the destination'
	assert_eq "$S -> $D: nothing loaded" "150" "$(sl_csv "$P" "SELECT COUNT(*) FROM items")"
	assert_eq "$S -> $D: no load recorded" "$loads_before" "$(sl_csv "$P" "SELECT COUNT(*) FROM _sluice_loads")"
	sl state "$P"
	assert_eq "$S -> $D: state unchanged" "$state_before" "$OUT"
	if [ "$D" = duckdb ]; then
		assert_eq "$S -> $D: qty still BIGINT" "BIGINT" "$(dest_type "$D" "$P" "$DS" items qty)"
	else
		assert_eq "$S -> $D: qty still bigint" "bigint" "$(dest_type "$D" "$P" "$DS" items qty)"
	fi

	section "$S -> $D: the source fixed, loads go on"
	src "$S" "UPDATE items SET qty = '151' WHERE id = 151"
	if [ "$S" = mysql ]; then
		src "$S" "ALTER TABLE items MODIFY qty BIGINT"
	else
		src "$S" "ALTER TABLE items ALTER COLUMN qty TYPE BIGINT USING qty::bigint"
	fi
	sl run "$URL" "${RUN[@]}"
	assert_ok "$S -> $D: the run after the fix exits 0"
	assert_eq "$S -> $D: destination == source again" "$(src_checksum "$S")" \
		"$(sl_csv "$P" "$(checksum_sql "$dtype")" | tr -d '"')"

	section "$S -> $D: the cursor column dropped"
	src "$S" "ALTER TABLE items DROP COLUMN updated"
	sl run "$URL" "${RUN[@]}"
	assert_one_line_error "$S -> $D: a clear error" "cursor column 'updated' not found in table 'items'"
	assert_eq "$S -> $D: nothing changed" "151" "$(sl_csv "$P" "SELECT COUNT(*) FROM items")"

	section "$S -> $D: a replaced table takes the new schema"
	src "$S" "CREATE TABLE kinds (id INT PRIMARY KEY, name VARCHAR(10), score INT, gone INT)"
	src "$S" "INSERT INTO kinds VALUES (1, 'a', 10, 1), (2, 'b', 20, 2)"
	local RP=(--table kinds --pipeline "$P" --destination "$dest" --dataset "$DS" --progress none)
	sl run "$URL" "${RP[@]}"
	assert_ok "$S -> $D: replace run exits 0"
	if [ "$S" = mysql ]; then
		src "$S" "ALTER TABLE kinds DROP COLUMN gone, ADD COLUMN extra DATE, MODIFY score VARCHAR(10)"
	else
		src "$S" "ALTER TABLE kinds DROP COLUMN gone, ADD COLUMN extra DATE, ALTER COLUMN score TYPE VARCHAR(10)"
	fi
	src "$S" "UPDATE kinds SET score = 'high' WHERE id = 2"
	sl run "$URL" "${RP[@]}"
	assert_ok "$S -> $D: replace run after the change exits 0"
	assert_eq "$S -> $D: the replaced table has the new columns" "id,name,score,extra,_sluice_load_id" \
		"$(dest_columns "$D" "$P" "$DS" kinds)"
	assert_eq "$S -> $D: ... and the new values" "high" "$(sl_csv "$P" "SELECT score FROM kinds WHERE id = 2")"
	changes=$(sl_csv "$P" "SELECT schema_changes FROM _sluice_loads WHERE table_name = 'kinds' AND schema_changes IS NOT NULL")
	mapfile -t v < <(csv_get "x,$changes" \
		'sorted((c["column"], c["change"]) for c in json.loads(rows[0][1]))')
	assert_eq "$S -> $D: replace records what the rebuilt table changed" \
		'[["extra", "added"], ["gone", "removed"], ["score", "retyped"]]' "${v[0]}"
}

scenario mysql duckdb
scenario mysql pg
scenario pg pg
scenario pg duckdb

finish
