#!/usr/bin/env bash
# test_cli_workers.sh — a whole database with tables in parallel: every table of a MariaDB,
# PostgreSQL and SQLite database (25 tables, a view, an excluded pattern) with --workers 2, one
# table failing while the others finish (exit 1, its line in the summary, one error line), the
# next run by name loading only new rows; and into a PostgreSQL destination.
#
#   bash tests/cli/test_cli_workers.sh PATH-TO-SLUICE   (SLUICE_TEST_MYSQL_URL, SLUICE_TEST_PG_URL)

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

command -v sqlite3 >/dev/null || die "the sqlite3 program is not installed"
mysql_setup
pg_setup

NT=25
# t01..t25 (id, created, note): table k has 40 * k rows, created = id; tmp_a and tmp_b are
# excluded; `bad` has a NULL cursor in its 30th row; v_t01 is a view.
sql_tables() { # DIALECT — the statements for mysql, pg or sqlite
	local k n gen
	for ((k = 1; k <= NT; k++)); do
		n=$((40 * k))
		case $1 in
		mysql) gen="SELECT seq, seq, CONCAT('r', seq) FROM seq_1_to_$n" ;;
		pg) gen="SELECT g, g, 'r' || g FROM generate_series(1, $n) g" ;;
		sqlite) gen="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $n) SELECT i, i, 'r' || i FROM n" ;;
		esac
		printf 'CREATE TABLE t%02d (id INTEGER PRIMARY KEY, created INTEGER, note VARCHAR(20));\n' "$k"
		printf 'INSERT INTO t%02d %s;\n' "$k" "$gen"
	done
	printf 'CREATE TABLE tmp_a (id INTEGER PRIMARY KEY); CREATE TABLE tmp_b (id INTEGER PRIMARY KEY);\n'
	printf 'CREATE TABLE bad (id INTEGER PRIMARY KEY, created INTEGER, note VARCHAR(20));\n'
	case $1 in
	mysql) gen="SELECT seq, IF(seq = 30, NULL, seq), 'x' FROM seq_1_to_100" ;;
	pg) gen="SELECT g, CASE WHEN g = 30 THEN NULL ELSE g END, 'x' FROM generate_series(1, 100) g" ;;
	sqlite) gen="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) SELECT i, CASE WHEN i = 30 THEN NULL ELSE i END, 'x' FROM n" ;;
	esac
	printf 'INSERT INTO bad %s;\n' "$gen"
	printf 'CREATE VIEW v_t01 AS SELECT * FROM t01;\n'
}

total_rows=0
for ((k = 1; k <= NT; k++)); do total_rows=$((total_rows + 40 * k)); done

mysql_new_db MYDB src
mdb "$MYDB" <<<"$(sql_tables mysql)" || die "cannot create the MariaDB tables"
pg_new_db PGDB src
pq "$PGDB" <<<"$(sql_tables pg)" >/dev/null || die "cannot create the PostgreSQL tables"
sqlite3 "$T/src.db" <<<"$(sql_tables sqlite)" || die "cannot create the SQLite tables"
pg_new_db PGDEST dest

tables_loaded() { # OUT — how many "T: N rows loaded" lines, and their rows
	printf '%s\n' "$1" | awk '/^[a-z_0-9]+: [0-9]+ rows loaded/ { n++; rows += $2 }
		END { printf "%d %d\n", n, rows }'
}

check_source() { # NAME URL [DESTINATION]
	local name=$1 url=$2 dest=${3:-duckdb:///$T/$1.duckdb}
	section "$name: every table with --workers 2, one failing"
	sl run "$url" --cursor created --exclude 'tmp_*' --workers 2 --chunk-size 100 \
		--pipeline "$name" --destination "$dest" --pipelines-dir "$T/pipelines" --progress none
	assert_rc "$name: a failed table fails the run" 1
	assert_one_line_error "$name: one error line, naming the table and its cursor" \
		"^sluice: error: table 'bad': cursor column 'created' is NULL"
	assert_match "$name: the failed table's line" "^bad: failed: .*created" "$OUT"
	assert_eq "$name: every other table loaded in full" "$NT $total_rows" "$(tables_loaded "$OUT")"
	assert_eq "$name: no view, no excluded table" "" \
		"$(printf '%s\n' "$OUT" | grep -E '^(v_t01|tmp_a|tmp_b):' || true)"
	assert_eq "$name: the biggest table's rows, each once" "1000 1000" \
		"$(sl_csv "$name" 'SELECT count(*), count(DISTINCT id) FROM t25' | tr ',' ' ')"

	section "$name: the next run by name, the failed table left out"
	sl run "$name" --workers 2 --exclude bad --pipelines-dir "$T/pipelines" --progress none
	assert_ok "$name: by name, exit 0"
	assert_eq "$name: nothing new" "$NT 0" "$(tables_loaded "$OUT")"
}

check_source mysql "$(mysql_url "$MYDB")"
check_source pg "$(pg_url "$PGDB")"
check_source sqlite "sqlite:///$T/src.db"
check_source mysql_to_pg "$(mysql_url "$MYDB")" "$(pg_url "$PGDEST")"
assert_eq "mysql_to_pg: the rows of every table in PostgreSQL" "$total_rows" \
	"$(pq "$PGDEST" -c "SELECT sum(n) FROM (SELECT count(*) AS n FROM mysql_to_pg_dataset.t01
		$(for ((k = 2; k <= NT; k++)); do printf 'UNION ALL SELECT count(*) FROM mysql_to_pg_dataset.t%02d ' "$k"; done)) s")"

finish
