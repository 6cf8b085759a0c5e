#!/usr/bin/env bash
# test_cli_seed.sh — the seed example end to end through the `sluice` program, from MariaDB and
# from SQLite into DuckDB (test_cli_seed_pg.sh: from PostgreSQL, and into PostgreSQL): the Rfam `family` table (4178 rows, distinct `created` values) loaded 1000 rows per
# run with a closed cursor range, so each later run re-reads the boundary row and drops it again
# (1000, 1999, 2998, 3997, 4178). Then what the other commands say about it, --dev-mode --runs,
# --until-done, reset (--keep-data and --drop-data), and a run that finds its state in the
# destination after the local pipelines directory was deleted.
#
# SEED_SUITES picks the source:destination pairs, default "mysql:duckdb sqlite:duckdb"; sources
# mysql, sqlite, postgresql, destinations duckdb and postgresql (a database of its own per
# pipeline, as a dataset name is shared by the pipelines of one suite).
#
#   bash tests/cli/test_cli_seed.sh PATH-TO-SLUICE      (SLUICE_TEST_MYSQL_URL must be set, and
#                                                        SLUICE_TEST_PG_URL for postgresql)

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

mysql_setup

TOTAL=4178
EXPECTED_COUNTS=(1000 1999 2998 3997 4178)
SOURCE_MAX='2022-07-04 22:56:39'

SUITES=${SEED_SUITES:-mysql:duckdb sqlite:duckdb}

# dest_url PIPELINE — the destination of a pipeline of the current suite (DEST_KIND): a DuckDB
# file, or a PostgreSQL database of its own, created on first use.
declare -A PG_DEST_DBS=()
dest_url() {
	if [ "$DEST_KIND" = duckdb ]; then
		printf 'duckdb:///%s/%s.duckdb' "$T" "$1"
		return
	fi
	if [ "$DEST_KIND" = files ]; then
		printf 'file://%s/%s' "$T" "$1"
		return
	fi
	pg_url "${PG_DEST_DBS[$1]}"
}
dest_prepare() { # PIPELINE — in this shell, not in $(...), so the cleanup knows the database
	if [ "$DEST_KIND" = postgresql ] && [ -z "${PG_DEST_DBS[$1]:-}" ]; then
		local db
		pg_new_db db "$1"
		PG_DEST_DBS[$1]=$db
	fi
}

# The options of the seed's "backfill in chunks"; $1 pipeline, $2 destination URL, rest extra.
seed_opts() {
	local p=$1 dest=$2
	shift 2
	printf '%s\n' --table family --pipeline "$p" --destination "$dest" \
		--dataset rfam_data --primary-key rfam_id --cursor created --row-order asc \
		--chunk-size 1000 --limit-chunks 1 --progress none "$@"
}

# run_seed URL PIPELINE DEST [EXTRA...] — one `sluice run` with the seed options.
run_seed() {
	local url=$1
	shift
	local opts
	mapfile -t opts < <(seed_opts "$@")
	sl run "$url" "${opts[@]}"
}

counts() { sl_csv "$1" "SELECT COUNT(*), COUNT(DISTINCT rfam_id) FROM family"; }

# files: what a reader of the table's glob sees, through DuckDB's own read_parquet
glob_counts() {
	sl_csv "$1" "SELECT COUNT(*), COUNT(DISTINCT rfam_id) FROM read_parquet('$T/$1/rfam_data/family/*.parquet')"
}

last_value() {
	sl state "$1"
	json_get "$OUT" 'j["tables"]["family"]["last_value"]'
}

# suite KIND URL — everything, against one source.
suite() {
	local kind=$1 url=$2 p="seed_$1" dest i first_last=""
	dest_prepare "$p"
	dest=$(dest_url "$p")

	section "$kind: five runs of 1000 rows"
	for i in 0 1 2 3 4; do
		run_seed "$url" "$p" "$dest"
		assert_ok "$kind run $((i + 1)) exits 0"
		assert_eq "$kind run $((i + 1)): COUNT(*), COUNT(DISTINCT rfam_id)" \
			"${EXPECTED_COUNTS[i]},${EXPECTED_COUNTS[i]}" "$(counts "$p")"
		if [ "$DEST_KIND" = files ]; then
			assert_eq "$kind run $((i + 1)): read_parquet of the glob" \
				"${EXPECTED_COUNTS[i]},${EXPECTED_COUNTS[i]}" "$(glob_counts "$p")"
		fi
		if [ "$i" -eq 0 ]; then
			assert_match "$kind run 1 reports 1000 rows and more left" \
				'^family: 1000 rows loaded \(1000 read\) in 1 chunk, .*more rows left' "$OUT"
			first_last=$(last_value "$p")
			assert_match "$kind state after run 1 has a timestamp last_value" \
				'^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}' "$first_last"
			sl status "$p"
			assert_ok "$kind status after run 1 exits 0"
			assert_match "$kind status after run 1: 3178 of 4178 remaining" \
				'rows remaining +3178 of 4178' "$OUT"
			assert_match "$kind status after run 1: 23.9% done" 'percent done +23\.9%' "$OUT"
			assert_match "$kind status after run 1: 3178 rows left" '3178 rows left' "$OUT"
		fi
	done
	assert_match "$kind run 5 reports the table exhausted" \
		'^family: 181 rows loaded \(182 read\) .*all rows loaded' "$OUT"

	section "$kind: status, state, tables, show"
	sl status "$p"
	assert_ok "$kind status exits 0"
	assert_match "$kind status: fully loaded" '^ *fully loaded$' "$OUT"
	assert_match "$kind status: 0 rows remaining" 'rows remaining +0 of 4178' "$OUT"
	assert_match "$kind status: 100% done" 'percent done +100(\.0)?%' "$OUT"
	assert_match "$kind status: rows loaded 4178" 'rows loaded +4178' "$OUT"
	assert_match "$kind status: source max" "source max +$SOURCE_MAX" "$OUT"

	sl state "$p"
	assert_ok "$kind state exits 0"
	local v
	mapfile -t v < <(json_get "$OUT" 'j["tables"]["family"]["last_value"]' \
		'j["tables"]["family"]["cursor"]' 'j["tables"]["family"]["rows_loaded"]' 'j["dataset_name"]')
	assert_eq "$kind state: last_value is the source's max" "$SOURCE_MAX" "${v[0]}"
	assert_eq "$kind state: cursor" created "${v[1]}"
	assert_eq "$kind state: rows_loaded" "$TOTAL" "${v[2]}"
	assert_eq "$kind state: dataset" rfam_data "${v[3]}"

	sl tables "$p" --format csv
	assert_ok "$kind tables exits 0"
	local tables
	tables=$(printf '%s\n' "$OUT" | tr -d '\r')
	assert_match "$kind tables: family 4178" '^family,4178$' "$tables"
	assert_match "$kind tables: _sluice_loads, one row per run" '^_sluice_loads,5$' "$tables"
	assert_match "$kind tables: _sluice_state" '^_sluice_state,1$' "$tables"
	sl tables "$p"
	assert_match "$kind tables (table format): family 4178" '^family +4178$' "$OUT"

	sl show "$p" family --limit 3 --format json
	assert_ok "$kind show json exits 0"
	if printf '%s' "$OUT" | python3 -m json.tool >/dev/null 2>&1; then
		pass "$kind show json is valid JSON"
	else
		fail "$kind show json is valid JSON" "got: [$OUT]"
	fi
	mapfile -t v < <(json_get "$OUT" 'len(j) if all(isinstance(o, dict) for o in j) else -1' \
		'",".join(o["rfam_acc"] for o in j)' 'type(j[0]["auto_wiki"]).__name__')
	assert_eq "$kind show json: 3 objects" 3 "${v[0]}"
	assert_eq "$kind show json: the first 3 rows loaded (lowest created)" "$FIRST3" "${v[1]}"
	assert_eq "$kind show json: auto_wiki is a number" int "${v[2]}"

	sl show "$p" family --limit 3 --format csv
	assert_ok "$kind show csv exits 0"
	mapfile -t v < <(csv_get "$OUT" 'len(rows)' '",".join(rows[0][:2])' \
		'all(len(r) == len(rows[0]) for r in rows)' '",".join(r[0] for r in rows[1:])')
	assert_eq "$kind show csv: header + 3 records" 4 "${v[0]}"
	assert_eq "$kind show csv: header starts rfam_acc,rfam_id" "rfam_acc,rfam_id" "${v[1]}"
	assert_eq "$kind show csv: every record has the header's width" True "${v[2]}"
	assert_eq "$kind show csv: same rows as json" "$FIRST3" "${v[3]}"

	section "$kind: --dev-mode --runs 5"
	dest_prepare "dev_$kind"
	sl run "$url" --table family --pipeline "dev_$kind" --destination "$(dest_url "dev_$kind")" \
		--dataset rfam_data --primary-key rfam_id --cursor created --chunk-size 1000 \
		--limit-chunks 1 --dev-mode --runs 5 --progress none
	assert_ok "$kind dev-mode run exits 0"
	assert_eq "$kind dev-mode prints five run summaries" "1 2 3 4 5" \
		"$(printf '%s\n' "$OUT" | sed -n 's/^run \([0-9]*\): family: .*/\1/p' | tr '\n' ' ' |
			sed 's/ $//')"
	assert_match "$kind dev-mode prints a total" '^total \(5 runs\): family: 4178 rows loaded' "$OUT"
	sl state "dev_$kind"
	local ds
	ds=$(json_get "$OUT" 'j["dataset_name"]')
	assert_match "$kind dev-mode dataset has a _YYYYMMDDhhmmss suffix" \
		'^rfam_data_[0-9]{4}(0[1-9]|1[0-2])[0-3][0-9][0-2][0-9][0-5][0-9][0-5][0-9]$' "$ds"
	assert_eq "$kind dev-mode dataset is the default schema of sql" "$ds,$TOTAL,$TOTAL" \
		"$(sl_csv "dev_$kind" "SELECT current_schema(), COUNT(*), COUNT(DISTINCT rfam_id) FROM family")"
	assert_eq "$kind dev-mode left the plain dataset alone" 0 \
		"$(sl_csv "dev_$kind" "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = 'rfam_data'")"

	section "$kind: --until-done, 500 rows a run"
	dest_prepare "ud_$kind"
	sl run "$url" --table family --pipeline "ud_$kind" --destination "$(dest_url "ud_$kind")" \
		--dataset rfam_data --primary-key rfam_id --cursor created --chunk-size 500 \
		--limit-chunks 1 --until-done --progress none
	assert_ok "$kind until-done exits 0"
	assert_eq "$kind until-done loads everything" "$TOTAL,$TOTAL" "$(counts "ud_$kind")"
	assert_match "$kind until-done ran 9 times" '^total \(9 runs\): family: 4178 rows loaded' "$OUT"
	assert_ge "$kind until-done: >= 9 committed chunks in _sluice_loads" 9 \
		"$(sl_csv "ud_$kind" "SELECT SUM(chunks) FROM _sluice_loads WHERE status = 'completed' AND table_name = 'family'")"
	assert_ge "$kind until-done: >= 9 completed loads" 9 \
		"$(sl_csv "ud_$kind" "SELECT COUNT(*) FROM _sluice_loads WHERE status = 'completed'")"

	section "$kind: reset"
	sl reset "$p" --table family
	assert_rc "$kind reset keeping an append table's rows is refused: exit 2" 2
	sl reset "$p" --table family --keep-data
	assert_ok "$kind reset --keep-data exits 0"
	sl state "$p"
	assert_eq "$kind reset forgot the state" "{}" "$(json_get "$OUT" 'j["tables"]')"
	assert_eq "$kind reset keeps the rows" "$TOTAL,$TOTAL" "$(counts "$p")"
	run_seed "$url" "$p" "$dest"
	assert_ok "$kind run after reset exits 0"
	assert_match "$kind run after reset starts from scratch" \
		'^family: 1000 rows loaded \(1000 read\)' "$OUT"
	assert_eq "$kind run after reset: same last_value as the first run" "$first_last" \
		"$(last_value "$p")"
	# append: the first 1000 rows are now there twice
	assert_eq "$kind run after reset appended 1000 rows" "$((TOTAL + 1000)),$TOTAL" "$(counts "$p")"

	sl reset "$p" --table family --drop-data
	assert_ok "$kind reset --drop-data exits 0"
	sl tables "$p" --format csv
	assert_no_match "$kind reset --drop-data dropped family" '^family,' "$(printf '%s' "$OUT" | tr -d '\r')"
	sl sql "$p" "SELECT COUNT(*) FROM family"
	assert_rc "$kind family is gone for sql too" 1
	run_seed "$url" "$p" "$dest"
	assert_ok "$kind run after reset --drop-data exits 0"
	assert_eq "$kind run after reset --drop-data starts empty" "1000,1000" "$(counts "$p")"
	assert_eq "$kind ... and from the first chunk" "$first_last" "$(last_value "$p")"

	section "$kind: state restored from the destination"
	local keep=$SLUICE_PIPELINES_DIR
	export SLUICE_PIPELINES_DIR=$T/pipelines-restore-$kind
	local rp="restore_$kind" rdest
	dest_prepare "$rp"
	rdest=$(dest_url "$rp")
	run_seed "$url" "$rp" "$rdest"
	run_seed "$url" "$rp" "$rdest"
	assert_eq "$kind two runs loaded 1999" "1999,1999" "$(counts "$rp")"
	assert_eq "$kind the local record exists" yes \
		"$([ -f "$SLUICE_PIPELINES_DIR/$rp/pipeline.json" ] && echo yes || echo no)"
	rm -rf "$SLUICE_PIPELINES_DIR"
	sl state "$rp"
	assert_rc "$kind state without the local record fails" 1
	run_seed "$url" "$rp" "$rdest"
	assert_ok "$kind third run without the local record exits 0"
	assert_match "$kind third run continues (999 new of 1000 read)" \
		'^family: 999 rows loaded \(1000 read\)' "$OUT"
	assert_eq "$kind third run continues at 2998" "2998,2998" "$(counts "$rp")"
	export SLUICE_PIPELINES_DIR=$keep
}

section "sources"
mysql_new_db MYDB rfam
mdb "$MYDB" <"$DATA_DIR/rfam_family_mysql.sql" || die "cannot load rfam_family_mysql.sql into $MYDB"
assert_eq "MariaDB source has $TOTAL rows" "$TOTAL" "$(mdb "$MYDB" -e 'SELECT COUNT(*) FROM family')"
assert_eq "MariaDB source max(created)" "$SOURCE_MAX" "$(mdb "$MYDB" -e 'SELECT MAX(created) FROM family')"
FIRST3=$(mdb "$MYDB" -e 'SELECT rfam_acc FROM family ORDER BY created, rfam_id LIMIT 3' | paste -sd,)
if [[ " $SUITES " == *" sqlite:"* ]]; then
	command -v sqlite3 >/dev/null || die "the sqlite3 program is not installed"
	sqlite3 "$T/rfam.db" <"$DATA_DIR/rfam_family_sqlite.sql" || die "cannot load rfam_family_sqlite.sql"
	assert_eq "SQLite source has $TOTAL rows" "$TOTAL" "$(sqlite3 "$T/rfam.db" 'SELECT COUNT(*) FROM family')"
	assert_eq "SQLite source has the same first rows" "$FIRST3" \
		"$(sqlite3 "$T/rfam.db" 'SELECT rfam_acc FROM family ORDER BY created, rfam_id LIMIT 3' | paste -sd,)"
fi
if [[ " $SUITES " == *postgresql* ]]; then
	pg_setup
	if [[ " $SUITES " == *" postgresql:"* ]]; then
		pg_new_db PGDB rfam
		pq "$PGDB" -f "$DATA_DIR/rfam_family_postgres.sql" >/dev/null ||
			die "cannot load rfam_family_postgres.sql into $PGDB"
		assert_eq "PostgreSQL source has $TOTAL rows" "$TOTAL" "$(pq "$PGDB" -c 'SELECT COUNT(*) FROM family')"
		assert_eq "PostgreSQL source has the same first rows" "$FIRST3" \
			"$(pq "$PGDB" -c 'SELECT rfam_acc FROM family ORDER BY created, rfam_id LIMIT 3' | paste -sd,)"
	fi
fi

for pair in $SUITES; do
	src_kind=${pair%%:*}
	DEST_KIND=${pair#*:}
	case "$src_kind" in
	mysql) src_url=$(mysql_url "$MYDB") ;;
	sqlite) src_url="sqlite:///$T/rfam.db" ;;
	postgresql) src_url=$(pg_url "$PGDB") ;;
	*) die "unknown source '$src_kind' in SEED_SUITES" ;;
	esac
	label=$src_kind
	[ "$DEST_KIND" = postgresql ] && label="${src_kind}_to_pg"
	[ "$DEST_KIND" = files ] && label="${src_kind}_to_files"
	suite "$label" "$src_url"
done

section "local record"
# every password (source and destination) only in the credentials files
for pw in "$MY_PW" "${PG_PW:-}"; do
	[ -n "$pw" ] || continue
	if grep -rqF --exclude=credentials -e "$pw" "$SLUICE_PIPELINES_DIR"; then
		fail "the password is only in the credentials file" \
			"$(grep -rlF --exclude=credentials -e "$pw" "$SLUICE_PIPELINES_DIR")"
	else
		pass "the password is only in the credentials file"
	fi
done
for f in "$SLUICE_PIPELINES_DIR"/seed_*/credentials; do
	assert_eq "$f is private (0600)" 600 "$(stat -c %a "$f" 2>&1)"
done

finish
