#!/usr/bin/env bash
# test_example_seed.sh — examples/backfill_in_chunks.c, the seed example line by line in C, run
# against the Rfam fixture in MariaDB, in PostgreSQL and in an SQLite file into DuckDB, and from
# MariaDB and PostgreSQL into PostgreSQL: each run must print
# the five counts 1000, 1999, 2998, 3997, 4178 with every rfam_id unique, and exit 0 (the example
# asserts them itself, as the Python original does).
#
#   bash tests/cli/test_example_seed.sh PATH-TO-SLUICE    (the example is built next to it, in
#                                                          examples/; SLUICE_TEST_MYSQL_URL and
#                                                          SLUICE_TEST_PG_URL must be set)

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

EXAMPLE=$(dirname "$SLUICE")/examples/backfill_in_chunks
[ -x "$EXAMPLE" ] || die "the example program is not built: $EXAMPLE"
[ -n "${SLUICE_TEST_PG_URL:-}" ] || die "SLUICE_TEST_PG_URL is not set (run the tests with scripts/run-tests)"
command -v sqlite3 >/dev/null || die "the sqlite3 program is not installed"
command -v psql >/dev/null || die "the psql program is not installed"
mysql_setup

# run_example KIND URL [DESTINATION] — the example into its own DuckDB file (or DESTINATION);
# checks the five counts it printed.
run_example() {
	local kind=$1 url=$2 dest=${3:-duckdb:///$T/example_$1.duckdb} n
	section "$kind"
	sleep 1.1 # dev-mode datasets are named to the second: one of their own per run
	LAST_CMD="backfill_in_chunks ($kind)"
	ERR=""
	OUT=$(cd "$T" && SLUICE_PIPELINES_DIR="$T/pipelines-$kind" \
		"$EXAMPLE" "$url" "$dest" 2>&1)
	RC=$?
	assert_rc "$kind: the example exits 0" 0
	for n in 1000 1999 2998 3997 4178; do
		assert_contains "$kind: $n rows, $n unique rfam_id" \
			"family: $n rows, $n unique rfam_id (expected $n)" "$OUT"
	done
	assert_match "$kind: a dev-mode dataset" '^dataset: rfam_data_[0-9]{14}$' "$(head -n 1 <<<"$OUT")"
}

mysql_new_db MYDB rfam
mdb "$MYDB" <"$DATA_DIR/rfam_family_mysql.sql" || die "cannot load rfam_family_mysql.sql"
run_example mariadb "$(mysql_url "$MYDB")"

PGSCHEMA="sl_example_$$"
psql -q -v ON_ERROR_STOP=1 "$SLUICE_TEST_PG_URL" -c "DROP SCHEMA IF EXISTS $PGSCHEMA CASCADE; CREATE SCHEMA $PGSCHEMA" ||
	die "cannot create schema $PGSCHEMA"
PGOPTIONS="-c search_path=$PGSCHEMA" psql -q -v ON_ERROR_STOP=1 "$SLUICE_TEST_PG_URL" \
	<"$DATA_DIR/rfam_family_postgres.sql" >/dev/null || die "cannot load rfam_family_postgres.sql"
run_example postgresql "$SLUICE_TEST_PG_URL?schema=$PGSCHEMA"
# PostgreSQL as the destination too: from MariaDB, and from PostgreSQL itself
run_example "mariadb-to-postgresql" "$(mysql_url "$MYDB")" "$SLUICE_TEST_PG_URL"
run_example "postgresql-to-postgresql" "$SLUICE_TEST_PG_URL?schema=$PGSCHEMA" "$SLUICE_TEST_PG_URL"
psql -q "$SLUICE_TEST_PG_URL" -c "DROP SCHEMA $PGSCHEMA CASCADE" >/dev/null 2>&1
for ds in $(psql -At "$SLUICE_TEST_PG_URL" -c "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rfam\_data\_%'"); do
	psql -q "$SLUICE_TEST_PG_URL" -c "DROP SCHEMA \"$ds\" CASCADE" >/dev/null 2>&1
done

sqlite3 "$T/rfam.db" <"$DATA_DIR/rfam_family_sqlite.sql" || die "cannot load rfam_family_sqlite.sql"
run_example sqlite "sqlite:///$T/rfam.db"

finish
