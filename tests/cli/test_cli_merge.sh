#!/usr/bin/env bash
# test_cli_merge.sh — mutable tables: the merge write disposition (upsert by primary key), late
# rows with --lag, deletes by a flag column (--hard-delete-column) and physical deletes
# (--sync-deletes), from MariaDB, PostgreSQL and SQLite into DuckDB and PostgreSQL. After every
# run the destination must equal the source (every column, key by key), however the source
# changed: updates across chunk boundaries, ties on the cursor, keys moving between chunks, a key
# updated twice between runs, duplicate keys within one chunk (last in cursor order wins).
#
# MERGE_SUITES picks the source:destination pairs (default: all six).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

mysql_setup
pg_setup
command -v sqlite3 >/dev/null || die "the sqlite3 program is not installed"

SUITES=${MERGE_SUITES:-mysql:duckdb postgresql:duckdb sqlite:duckdb mysql:postgresql postgresql:postgresql sqlite:postgresql}

mysql_new_db MYDB src
pg_new_db PGDB src
SQLITE_DB=$T/src.db

# src KIND SQL — run SQL on the source of KIND (statements every source takes).
src() {
	case "$1" in
	mysql) mdb "$MYDB" -e "$2" ;;
	postgresql) pq "$PGDB" -c "$2" >/dev/null ;;
	sqlite) sqlite3 "$SQLITE_DB" "$2" ;;
	esac || die "source $1: $2"
}

# src_rows KIND TABLE — "id,u,val" of every row, by id: what the destination must hold.
src_rows() {
	local q="SELECT id, u, val FROM $2 ORDER BY id"
	case "$1" in
	mysql) mdb "$MYDB" -e "$q" | tr '\t' ',' ;;
	postgresql) pq "$PGDB" -c "$q" ;;
	sqlite) sqlite3 -csv "$SQLITE_DB" "$q" ;;
	esac
}

src_url() {
	case "$1" in
	mysql) mysql_url "$MYDB" ;;
	postgresql) pg_url "$PGDB" ;;
	sqlite) printf 'sqlite:///%s' "$SQLITE_DB" ;;
	esac
}

declare -A PG_DEST_DBS=()
dest_url() { # PIPELINE
	if [ "$DEST_KIND" = duckdb ]; then
		printf 'duckdb:///%s/%s.duckdb' "$T" "$1"
	else
		pg_url "${PG_DEST_DBS[$1]}"
	fi
}
dest_prepare() { # PIPELINE — in this shell, so the cleanup knows the database
	if [ "$DEST_KIND" = postgresql ] && [ -z "${PG_DEST_DBS[$1]:-}" ]; then
		local db
		pg_new_db db "$1"
		PG_DEST_DBS[$1]=$db
	fi
}

dest_rows() { sl_csv "$1" "SELECT id, u, val FROM $2 ORDER BY id"; }

# merge_run PIPELINE TABLE [EXTRA...] — a merge run, 3 rows per chunk, to the end.
merge_run() {
	local p=$1 table=$2
	shift 2
	sl run "$(src_url "$SRC_KIND")" --table "$table" --pipeline "$p" --destination "$(dest_url "$p")" \
		--write-disposition merge --cursor u --primary-key id --chunk-size 3 --until-done \
		--progress none "$@"
}

# same_rows DESC PIPELINE TABLE — the destination equals the source, key by key.
same_rows() {
	assert_eq "$1" "$(src_rows "$SRC_KIND" "$3")" "$(dest_rows "$2" "$3")"
	assert_eq "$1: one row per key" "$(sl_csv "$2" "SELECT COUNT(*) FROM $3")" \
		"$(sl_csv "$2" "SELECT COUNT(DISTINCT id) FROM $3")"
}

make_table() { # KIND TABLE — id, u (the cursor), val, deleted
	src "$1" "DROP TABLE IF EXISTS $2"
	src "$1" "CREATE TABLE $2 (id INTEGER PRIMARY KEY, u INTEGER NOT NULL, val VARCHAR(40), deleted BOOLEAN NOT NULL DEFAULT FALSE)"
}

suite() {
	local p="merge_${SRC_KIND}_${DEST_KIND}" t="m_${DEST_KIND}"
	dest_prepare "$p"
	section "$SRC_KIND into $DEST_KIND: backfill"
	make_table "$SRC_KIND" "$t"
	src "$SRC_KIND" "INSERT INTO $t (id, u, val) VALUES (1,1,'a'),(2,2,'a'),(3,3,'a'),(4,4,'a'),(5,5,'a'),(6,6,'a'),(7,7,'a'),(8,8,'a'),(9,9,'a'),(10,10,'a')"
	merge_run "$p" "$t"
	assert_ok "backfill"
	same_rows "backfill: the destination is the source" "$p" "$t"

	section "$SRC_KIND into $DEST_KIND: updates, a key updated twice, ties across chunks"
	src "$SRC_KIND" "UPDATE $t SET u = 11, val = 'b' WHERE id = 2"
	src "$SRC_KIND" "UPDATE $t SET u = 12, val = 'b' WHERE id = 3"
	src "$SRC_KIND" "UPDATE $t SET u = 13, val = 'b' WHERE id = 5"
	src "$SRC_KIND" "UPDATE $t SET u = 14, val = 'c' WHERE id = 5"
	src "$SRC_KIND" "INSERT INTO $t (id, u, val) VALUES (11, 14, 'new'), (12, 14, 'new'), (13, 14, 'new')"
	merge_run "$p" "$t"
	assert_ok "second run"
	assert_match "second run: 7 rows read, the overlap included" "$t: [0-9]+ rows loaded \\(7 read\\)" "$OUT"
	same_rows "updated keys replaced, new keys added" "$p" "$t"

	section "$SRC_KIND into $DEST_KIND: soft and hard deletes"
	src "$SRC_KIND" "UPDATE $t SET u = 15, deleted = TRUE WHERE id = 6"
	merge_run "$p" "$t"
	assert_ok "a soft delete without --hard-delete-column"
	assert_eq "... stays a row with its flag" 1 \
		"$(sl_csv "$p" "SELECT COUNT(*) FROM $t WHERE id = 6 AND deleted")"
	src "$SRC_KIND" "UPDATE $t SET u = 16 WHERE id = 6"
	src "$SRC_KIND" "UPDATE $t SET u = 17, deleted = TRUE WHERE id = 7"
	merge_run "$p" "$t" --hard-delete-column deleted
	assert_ok "with --hard-delete-column deleted"
	assert_eq "flagged keys are deleted from the destination" 0 \
		"$(sl_csv "$p" "SELECT COUNT(*) FROM $t WHERE id IN (6, 7)")"
	src "$SRC_KIND" "DELETE FROM $t WHERE id IN (6, 7)"
	same_rows "after flagged deletes" "$p" "$t"

	section "$SRC_KIND into $DEST_KIND: physical deletes and --sync-deletes"
	src "$SRC_KIND" "DELETE FROM $t WHERE id IN (1, 8)"
	merge_run "$p" "$t"
	assert_eq "without --sync-deletes deleted keys stay" 2 \
		"$(sl_csv "$p" "SELECT COUNT(*) FROM $t WHERE id IN (1, 8)")"
	sl status "$p" --format json
	assert_eq "status does not call it fully loaded" False \
		"$(json_get "$OUT" '[x for x in j["tables"] if x["table"] == "'"$t"'"][0]["fully_loaded"]')"
	merge_run "$p" "$t" --sync-deletes
	assert_ok "--sync-deletes"
	assert_match "the run line says how many rows it deleted" "$t: .*, 2 rows deleted" "$OUT"
	same_rows "after --sync-deletes" "$p" "$t"
	sl status "$p" --format json
	assert_eq "status: fully loaded again" True \
		"$(json_get "$OUT" '[x for x in j["tables"] if x["table"] == "'"$t"'"][0]["fully_loaded"]')"

	section "$SRC_KIND into $DEST_KIND: late rows and --lag"
	# the last value is 17: a late insert at 16 and a late update at 15 hide behind it
	src "$SRC_KIND" "INSERT INTO $t (id, u, val) VALUES (20, 16, 'late')"
	src "$SRC_KIND" "UPDATE $t SET u = 15, val = 'late' WHERE id = 9"
	merge_run "$p" "$t"
	assert_eq "without lag a late row is missed" 0 "$(sl_csv "$p" "SELECT COUNT(*) FROM $t WHERE id = 20")"
	merge_run "$p" "$t" --lag 3
	assert_ok "with --lag 3"
	same_rows "lag picks up the late insert and the late update" "$p" "$t"
	merge_run "$p" "$t" --lag 3
	same_rows "rows read again under lag are upserted, never duplicated" "$p" "$t"

	section "$SRC_KIND into $DEST_KIND: switching disposition"
	sl run "$(src_url "$SRC_KIND")" --table "$t" --pipeline "$p" --destination "$(dest_url "$p")" \
		--write-disposition append --cursor u --primary-key id --progress none
	assert_one_line_error "append on a merged table is refused, naming both" "merge.*append|append.*merge"
	same_rows "... and changes nothing" "$p" "$t"
}

# Within one chunk the same key twice (a source without a key constraint): the last in cursor
# order wins, whichever the order of the rows in the chunk.
dup_suite() {
	local p="dups_${SRC_KIND}_${DEST_KIND}" t="d_${DEST_KIND}"
	dest_prepare "$p"
	section "$SRC_KIND into $DEST_KIND: one key twice in a chunk"
	src "$SRC_KIND" "DROP TABLE IF EXISTS $t"
	src "$SRC_KIND" "CREATE TABLE $t (id INTEGER NOT NULL, u INTEGER NOT NULL, val VARCHAR(40), deleted BOOLEAN NOT NULL DEFAULT FALSE)"
	src "$SRC_KIND" "INSERT INTO $t (id, u, val) VALUES (1, 2, 'new'), (1, 1, 'old'), (2, 3, 'x')"
	merge_run "$p" "$t" --chunk-size 10
	assert_ok "a chunk holding key 1 twice"
	assert_eq "the row last in cursor order wins" "1,2,new
2,3,x" "$(dest_rows "$p" "$t")"
	sl run "$(src_url "$SRC_KIND")" --table "$t" --pipeline "nokey_$p" --destination "$(dest_url "$p")" \
		--write-disposition merge --cursor u --progress none
	assert_one_line_error "merge without a primary key is refused" "merge.*primary key"

	section "$SRC_KIND into $DEST_KIND: --merge-key replaces whole partitions"
	p="parts_$p" t="p_${DEST_KIND}"
	dest_prepare "$p"
	src "$SRC_KIND" "DROP TABLE IF EXISTS $t"
	src "$SRC_KIND" "CREATE TABLE $t (id INTEGER NOT NULL, u INTEGER NOT NULL, val VARCHAR(40))"
	src "$SRC_KIND" "INSERT INTO $t (id, u, val) VALUES (1,1,'a'),(2,1,'a'),(3,1,'a'),(4,2,'a'),(5,2,'a'),(6,2,'a'),(7,2,'a'),(8,3,'a')"
	parts_run() {
		sl run "$(src_url "$SRC_KIND")" --table "$t" --pipeline "$p" \
			--destination "$(dest_url "$p")" --write-disposition merge --merge-key u \
			--chunk-size 3 --progress none "$@"
	}
	parts_run
	assert_ok "a merge by partition, in chunks that split the partitions"
	same_rows "every partition whole" "$p" "$t"
	src "$SRC_KIND" "DELETE FROM $t WHERE id = 5"
	src "$SRC_KIND" "UPDATE $t SET val = 'b' WHERE id = 6"
	parts_run
	same_rows "a partition reloaded drops the rows the source dropped from it" "$p" "$t"
	parts_run --cursor u
	assert_one_line_error "a merge key with a cursor is refused, saying why" "merge key.*cursor"
}

for suite_pair in $SUITES; do
	SRC_KIND=${suite_pair%%:*}
	DEST_KIND=${suite_pair##*:}
	suite
	dup_suite
done

finish
