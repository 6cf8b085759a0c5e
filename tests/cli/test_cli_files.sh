#!/usr/bin/env bash
# test_cli_files.sh — the files destination (file:///DIR) beyond the seed and the crash tests:
#   (a) bad input, one line each, nothing written: a destination named like a data file, an
#       unknown format, compression or option, a directory that cannot be made, a directory that
#       is not a sluice dataset, merge, --sync-deletes;
#   (b) CSV and JSON lines: headers, every row once through DuckDB's read_csv / read_json globs;
#   (c) replace while a reader reads: every read of the glob sees the old table or the new, whole;
#   (d) a full disk (a small tmpfs) in the middle of a load: one line, whole committed chunks
#       visible and nothing else, the next run with space back completes.
# The source is SQLite; a "reader" pipeline into a DuckDB file gives `sluice sql` a plain DuckDB
# that reads the files as they lie (it never recovers anything).
#
#   bash tests/cli/test_cli_files.sh PATH-TO-SLUICE

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

command -v sqlite3 >/dev/null || die "the sqlite3 program is not installed"
sqlite3 "$T/rfam.db" <"$DATA_DIR/rfam_family_sqlite.sql" || die "cannot load rfam_family_sqlite.sql"
SRC="sqlite:///$T/rfam.db"
TOTAL=4178

sqlite3 "$T/reader.db" 'CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1)'
sl run "sqlite:///$T/reader.db" --table t --pipeline reader --destination "duckdb:///$T/reader.duckdb" \
	--progress none
assert_ok "the reader pipeline is made"
# glob SQL — what plain DuckDB reads, as CSV
glob() { sl_csv reader "$1"; }

section "(a) bad input"
run_family() { # PIPELINE DESTINATION [EXTRA...]
	local p=$1 d=$2
	shift 2
	LAST_CMD="sluice run --destination $d $*"
	sl run "$SRC" --table family --pipeline "$p" --destination "$d" --dataset ds --progress none "$@"
}
cd "$T" || die "cannot cd to $T"
run_family bad1 out.parquet
assert_one_line_error "a destination named out.parquet is refused, pointing at file:///DIR" \
	"'out.parquet' names a file.*file:///DIR"
assert_eq "... and no DuckDB file named out.parquet was made" no "$([ -e out.parquet ] && echo yes || echo no)"
run_family bad2 "file://$T/f2?format=orc"
assert_one_line_error "an unknown format is refused" "format 'orc' is unknown \(parquet, csv, jsonl\)"
run_family bad3 "file://$T/f3?compression=lz4"
assert_one_line_error "an unknown compression is refused" "compression 'lz4' is unknown for parquet"
run_family bad4 "file://$T/f4?format=csv&compression=snappy"
assert_one_line_error "snappy for CSV is refused" "compression 'snappy' is unknown for csv"
run_family bad5 "file://$T/f5?colour=blue"
assert_one_line_error "an unknown option is refused" "option 'colour' is unknown"
assert_eq "none of them made a directory" "" "$(ls -d "$T"/f[2-5] 2>/dev/null)"
: >"$T/plainfile"
run_family bad6 "file://$T/plainfile/dir"
assert_one_line_error "a directory that cannot be made, named" "'$T/plainfile/dir': Not a directory$"
mkdir -p "$T/foreign" && echo hello >"$T/foreign/notes.txt"
run_family bad7 "file://$T/foreign"
assert_one_line_error "a directory of other files is refused" "'$T/foreign' is not empty and holds no sluice dataset"
mkdir -p "$T/foreign2/ds" && echo hello >"$T/foreign2/ds/notes.txt"
mkdir -p "$T/foreign2/other/_sluice"
run_family bad8 "file://$T/foreign2"
assert_one_line_error "a dataset directory of other files is refused" "'$T/foreign2/ds' is not empty and not a sluice dataset"
assert_eq "... which is left as it was" "notes.txt" "$(ls "$T/foreign2/ds")"
run_family bad9 "file://$T/merge" --write-disposition merge --primary-key rfam_id --cursor updated
assert_one_line_error "merge is refused, naming the destination" "the files destination cannot merge"
assert_eq "... before any table was made" "" "$(ls "$T/merge/ds" 2>/dev/null | grep -v '^_sluice$')"
run_family bad10 "file://$T/syncdel" --primary-key rfam_id --cursor updated --sync-deletes
assert_one_line_error "--sync-deletes is refused, naming the destination" \
	"table 'family': the files destination cannot delete rows \(--sync-deletes\)"
assert_eq "... before any table was made" "" "$(ls "$T/syncdel/ds" 2>/dev/null | grep -v '^_sluice$')"
run_family ok1 "file://rel_dir" --chunk-size 1000
assert_ok "file://rel_dir is relative to the working directory"
assert_eq "... and holds the table there" "$TOTAL" \
	"$(glob "SELECT COUNT(*) FROM read_parquet('$T/rel_dir/ds/family/*.parquet')")"
sl state ok1
assert_match "... and the pipeline keeps it absolute" "file://$T/rel_dir" "$OUT"

section "(b) CSV and JSON lines"
run_family csv1 "file://$T/csv?format=csv" --chunk-size 1000
assert_ok "a CSV load exits 0"
first=$(ls "$T/csv/ds/family/" | head -1)
assert_match "files are named <load id>.<chunk>.csv" '^[0-9]+\.[0-9]+\.000000\.csv$' "$first"
assert_match "a CSV file starts with its header" '^rfam_acc,rfam_id,' "$(head -1 "$T/csv/ds/family/$first")"
assert_eq "read_csv of the glob: every row once" "$TOTAL,$TOTAL" \
	"$(glob "SELECT COUNT(*), COUNT(DISTINCT rfam_id) FROM read_csv('$T/csv/ds/family/*.csv')")"
assert_eq "sluice sql through the dataset" "$TOTAL,$TOTAL" \
	"$(sl_csv csv1 "SELECT COUNT(*), COUNT(DISTINCT rfam_id) FROM family")"
run_family json1 "file://$T/json?format=jsonl&compression=gzip" --chunk-size 1000
assert_ok "a gzipped JSON lines load exits 0"
assert_eq "five .jsonl.gz files" 5 "$(ls "$T/json/ds/family/" | grep -c '\.jsonl\.gz$')"
assert_eq "read_json of the glob: every row once" "$TOTAL,$TOTAL" \
	"$(glob "SELECT COUNT(*), COUNT(DISTINCT rfam_id) FROM read_json('$T/json/ds/family/*.jsonl.gz')")"
assert_eq "the same values as the Parquet load" \
	"$(sl_csv ok1 "SELECT SUM(auto_wiki), MAX(created), ROUND(SUM(gathering_cutoff), 6) FROM family")" \
	"$(sl_csv json1 "SELECT SUM(auto_wiki), MAX(created), ROUND(SUM(gathering_cutoff), 6) FROM family")"

section "(c) replace while a reader reads"
run_family rep "file://$T/rep" --write-disposition replace --chunk-size 500
assert_ok "the first replace load exits 0"
(
	for i in 1 2 3 4 5 6; do
		"$SLUICE" run "$SRC" --table family --pipeline rep --destination "file://$T/rep" \
			--dataset ds --write-disposition replace --chunk-size 500 --progress none \
			>/dev/null 2>"$T/rep.err" || echo "replace run $i failed" >>"$T/rep.failed"
	done
) &
writer=$!
bg_track "$writer"
reads=0 whole=0 gone=0 other=""
while kill -0 "$writer" 2>/dev/null; do
	got=$(glob "SELECT COUNT(*), COUNT(DISTINCT rfam_id) FROM read_parquet('$T/rep/ds/family/*.parquet')")
	reads=$((reads + 1))
	if [ "$got" = "$TOTAL,$TOTAL" ]; then
		whole=$((whole + 1))
	elif matches 'No such file|No files found' "$got"; then
		gone=$((gone + 1)) # listed the old generation, opened after the swap: read again
	else
		other="$other [$got]"
	fi
done
wait "$writer"
assert_eq "every replace run succeeded" "" "$(cat "$T/rep.failed" 2>/dev/null)"
assert_eq "no read saw anything but the whole table" "" "$other"
assert_ge "the reader read the whole table many times meanwhile" 5 "$whole"
say "$reads reads: $whole whole, $gone found an old generation's file gone"
assert_eq "one generation directory is left" 1 "$(ls "$T/rep/ds/_sluice/gen" | wc -l)"
assert_eq "no staging copy is left" "" "$(ls "$T/rep/ds/_sluice/scratch")"
sl tables rep --format csv
assert_match "tables: family holds the table once" '^family,4178' "$(printf '%s' "$OUT" | tr -d '\r')"

section "(d) a full disk"
ROWS=100000
CHUNK=10000
sqlite3 "$T/big.db" "CREATE TABLE events (id INTEGER PRIMARY KEY, payload TEXT, amount REAL);
	WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ROWS)
	INSERT INTO events SELECT i, hex(randomblob(48)), i / 7.0 FROM n;"
SUMS="SELECT COUNT(*), COUNT(DISTINCT id), SUM(id), CAST(SUM(amount) AS BIGINT) FROM"
SRC_SUM=$(sqlite3 -csv "$T/big.db" "$SUMS events")
DIR=$(mktemp -d /tmp/sluice-files-full.XXXXXX)
if mount -t tmpfs -o size=3m tmpfs "$DIR" 2>"$T/.mount.err"; then
	DOPTS=(--table events --pipeline full --destination "file://$DIR/out" --dataset ev
		--cursor id --primary-key id --chunk-size "$CHUNK" --progress none)
	LAST_CMD="sluice run (3 MB tmpfs)"
	sl run "sqlite:///$T/big.db" "${DOPTS[@]}"
	assert_rc "the run fails with exit code 1" 1
	say "$ERR"
	assert_one_line_error "one clear line about the space" 'No space left on device'
	rows=$(glob "SELECT COUNT(*) FROM read_parquet('$DIR/out/ev/events/*.parquet')")
	sl state full
	assert_eq "the glob holds what the state says" \
		"$(json_get "$OUT" 'j["tables"]["events"]["rows_loaded"]')" "$rows"
	assert_eq "whole chunks only" 0 "$((rows % CHUNK))"
	if [ "$rows" -gt 0 ] && [ "$rows" -lt "$ROWS" ]; then
		pass "space ran out in the middle ($rows of $ROWS rows committed)"
	else
		fail "space ran out in the middle" "rows committed: $rows of $ROWS"
	fi
	assert_eq "the table directory holds only Parquet files" "" \
		"$(ls "$DIR/out/ev/events/" | grep -v '\.parquet$')"
	mount -o remount,size=64m "$DIR" || fail "cannot grow the tmpfs"
	sl run "sqlite:///$T/big.db" "${DOPTS[@]}"
	assert_ok "with space back the next run succeeds"
	assert_match "... to the end" 'all rows loaded' "$OUT"
	assert_eq "files == source (count, distinct ids, sums)" "$SRC_SUM" \
		"$(glob "$SUMS read_parquet('$DIR/out/ev/events/*.parquet')")"
	assert_eq "no temporary file is left" "" "$(ls "$DIR/out/ev/_sluice/tmp" "$DIR/out/ev/_sluice/txn" | grep -v '^$\|:$')"
	umount "$DIR"
else
	say "NOT RUN: cannot mount a tmpfs here ($(cat "$T/.mount.err"))"
fi
rmdir "$DIR"

finish
