#!/usr/bin/env bash
# test_cli_same_name.sh — two source tables with one name in two schemas (MariaDB databases,
# PostgreSQL schemas) never share a destination table or a state: the run is refused before
# anything is written, naming both, and `--table SCHEMA.T:DEST` loads each into its own table,
# with its own state. MariaDB and PostgreSQL sources, into DuckDB and PostgreSQL destinations.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

mysql_setup
pg_setup

# fill_mysql DB ROWS — table t(id, ts) with ROWS rows.
fill_mysql() {
	mdb "$1" -e "CREATE TABLE t (id INT PRIMARY KEY, ts INT NOT NULL, note VARCHAR(80));
		INSERT INTO t SELECT seq, seq, 'db $1' FROM seq_1_to_$2;" ||
		die "cannot fill $1.t"
}

mysql_new_db MY1 one
mysql_new_db MY2 two
fill_mysql "$MY1" 1000
fill_mysql "$MY2" 500

pg_new_db PGSRC src
pq "$PGSRC" -c "CREATE SCHEMA s1; CREATE SCHEMA s2;
	CREATE TABLE s1.t (id INT PRIMARY KEY, ts INT NOT NULL, note TEXT);
	CREATE TABLE s2.t (id INT PRIMARY KEY, ts INT NOT NULL, note TEXT);
	INSERT INTO s1.t SELECT g, g, 's1' FROM generate_series(1, 1000) g;
	INSERT INTO s2.t SELECT g, g, 's2' FROM generate_series(1, 500) g;" >/dev/null ||
	die "cannot fill the PostgreSQL source"
pg_new_db PGDEST dest

# dest_rows PIPELINE TABLE — rows of TABLE in the pipeline's dataset, or ERROR(...).
dest_rows() { sl_csv "$1" "SELECT COUNT(*) FROM \"$2\""; }

# check_pair LABEL SOURCE_URL TABLE1 TABLE2 DEST_URL — TABLE1 has 1000 rows, TABLE2 500.
check_pair() {
	local label=$1 url=$2 t1=$3 t2=$4 dest=$5 pipe dataset
	pipe=same_${label//[^a-z0-9]/_}
	dataset=${pipe}_data
	section "$label: $t1 and $t2"

	sl run "$url" --table "$t1" --table "$t2" --cursor ts --pipeline "$pipe" \
		--destination "$dest" --dataset "$dataset" --progress none
	assert_one_line_error "$label: refused, naming both tables and the destination table" \
		"tables '$t1' and '$t2' would both load into destination table 't'"
	assert_rc "$label: refused with exit 1" 1
	assert_contains "$label: the error says how to rename" "--table $t2:NAME" "$ERR"
	if [ "$dest" = duckdb ]; then
		[ -e "$pipe.duckdb" ] && fail "$label: the destination file was created" ||
			pass "$label: the destination file was not created"
	else
		assert_eq "$label: no dataset schema was created in PostgreSQL" "" \
			"$(pq "$PGDEST" -c "SELECT nspname FROM pg_namespace WHERE nspname = '$dataset'")"
	fi

	# without a cursor (replace) the second table would replace the first: refused too
	sl run "$url" --table "$t1" --table "$t2" --pipeline "$pipe" --destination "$dest" \
		--dataset "$dataset" --progress none
	assert_one_line_error "$label: refused without a cursor too" "would both load into"

	sl run "$url" --table "$t1" --table "$t2:t_two" --cursor ts --pipeline "$pipe" \
		--destination "$dest" --dataset "$dataset" --progress none
	assert_ok "$label: with a destination name for the second table the run succeeds"
	assert_match "$label: t gets the first table's 1000 rows" '^t: 1000 rows loaded' "$OUT"
	assert_match "$label: t_two gets the second table's 500 rows" '^t_two: 500 rows loaded' "$OUT"
	assert_eq "$label: destination t holds 1000 rows" 1000 "$(dest_rows "$pipe" t)"
	assert_eq "$label: destination t_two holds 500 rows" 500 "$(dest_rows "$pipe" t_two)"

	sl state "$pipe"
	mapfile -t v < <(json_get "$OUT" 'sorted(j["tables"])' 'j["tables"]["t_two"]["last_value"]')
	assert_eq "$label: one state per destination table" '["t", "t_two"]' "${v[0]}"
	assert_eq "$label: t_two's state is the second table's" 500 "${v[1]}"

	sl status "$pipe"
	assert_ok "$label: status of the renamed table"
	assert_eq "$label: status shows t_two's 500 rows" 500 \
		"$(printf '%s\n' "$OUT" | awk '$1 == "t_two" {f = 1} f && /rows loaded/ {print $3; exit}')"
}

section "MariaDB source"
check_pair "mysql to duckdb" "$(mysql_url "$MY1")" "$MY1.t" "$MY2.t" duckdb
check_pair "mysql to postgresql" "$(mysql_url "$MY1")" "$MY1.t" "$MY2.t" "$(pg_url "$PGDEST")"

section "new rows reach only their own destination table"
mdb "$MY2" -e "INSERT INTO t SELECT seq, seq, 'late' FROM seq_501_to_510" || die "insert"
sl run "$(mysql_url "$MY1")" --table "$MY1.t" --table "$MY2.t:t_two" --cursor ts \
	--pipeline same_mysql_to_duckdb --dataset same_mysql_to_duckdb_data --progress none
assert_ok "a second run"
assert_match "t loads nothing new" '^t: 0 rows loaded' "$OUT"
assert_match "t_two loads the 10 new rows" '^t_two: 10 rows loaded' "$OUT"
assert_eq "t still holds 1000 rows" 1000 "$(dest_rows same_mysql_to_duckdb t)"
assert_eq "t_two holds 510 rows" 510 "$(dest_rows same_mysql_to_duckdb t_two)"

section "one table under two spellings"
sl run "$(mysql_url "$MY1")" --table t --table "$MY1.t" --pipeline spellings --progress none
assert_one_line_error "t and DB.t are the same destination table: refused" \
	"tables 't' and '$MY1.t' would both load into destination table 't'"

section "PostgreSQL source"
check_pair "postgresql to duckdb" "$(pg_url "$PGSRC")" s1.t s2.t duckdb
check_pair "postgresql to postgresql" "$(pg_url "$PGSRC")" s1.t s2.t "$(pg_url "$PGDEST")"

section "names that differ only in case are one DuckDB table"
pq "$PGSRC" -c 'CREATE TABLE s1."T" (id INT PRIMARY KEY, ts INT NOT NULL)' >/dev/null || die "T"
sl run "$(pg_url "$PGSRC")" --table 's1.T' --table s2.t --pipeline casing --progress none
assert_one_line_error "T and t refused" "would both load into destination table 't'"

section "bad --table values"
for bad in ':x' 'x:' ':'; do
	sl run "$(mysql_url "$MY1")" --table "$bad" --pipeline bad
	assert_rc "--table '$bad' is a usage error" 2
	assert_one_line_error "--table '$bad' names the problem" "is not T or T:DEST"
done

finish
