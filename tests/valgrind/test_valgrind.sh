#!/usr/bin/env bash
# test_valgrind.sh — the main paths of the `sluice` program under valgrind's memcheck: no invalid
# access, no use of uninitialised memory and no leak (definite, indirect or possible) in sluice's
# own code. Third-party findings are suppressed in tests/valgrind/sluice.supp, each entry with its
# reason.
#
# Paths: the seed runs SQLite -> DuckDB and MariaDB -> DuckDB (a first run and one that resumes
# from the stored state), `sluice show`, `status` and `state`, and a run that fails to connect
# (error paths leak most easily).
#
#   bash tests/valgrind/test_valgrind.sh PATH-TO-SLUICE     (SLUICE_TEST_MYSQL_URL must be set;
#   `make valgrind` runs it through scripts/run-tests, which starts MariaDB)
#
# Environment: SLUICE_VALGRIND_LOGS=DIR keeps the per-command valgrind logs there.

. "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh" "$@"

command -v valgrind >/dev/null || die "valgrind is not installed (scripts/install-deps valgrind)"
command -v sqlite3 >/dev/null || die "the sqlite3 program is not installed"
mysql_setup

# memcheck makes each command 20-50 times slower
export SLUICE_TEST_CMD_TIMEOUT=${SLUICE_TEST_CMD_TIMEOUT:-1200}
SUPP=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/sluice.supp
LOGS=${SLUICE_VALGRIND_LOGS:-$T/vg}
mkdir -p "$LOGS"
REAL=$SLUICE
N=0

# vg DESC EXPECTED-RC ARGS... — one sluice command under valgrind; checks its exit code and that
# valgrind found nothing (its log, suppressed findings aside, is printed on a failure).
vg() {
	local desc=$1 want=$2
	shift 2
	N=$((N + 1))
	local log=$LOGS/$N.log
	SLUICE=valgrind
	sl -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
		--num-callers=40 --suppressions="$SUPP" --gen-suppressions=all \
		--log-file="$log" "$REAL" "$@"
	SLUICE=$REAL
	if [ "$RC" -eq 99 ] || grep -q '^==[0-9]*== [A-Z]' "$log"; then
		fail "$desc: valgrind reports errors (log $log)" "$(head -c 6000 "$log")"
	else
		pass "$desc: no valgrind errors"
	fi
	assert_rc "$desc: exit code" "$want"
}

SEED=(--table family --dataset rfam_data --primary-key rfam_id --cursor created --chunk-size 1000
	--limit-chunks 1 --progress none)

section "SQLite -> DuckDB"
sqlite3 "$T/rfam.db" <"$DATA_DIR/rfam_family_sqlite.sql" || die "cannot load the SQLite seed"
vg "sqlite run 1" 0 run "sqlite:///$T/rfam.db" --pipeline vg_sqlite \
	--destination "duckdb:///$T/sqlite.duckdb" "${SEED[@]}"
vg "sqlite run 2 (resumes)" 0 run "sqlite:///$T/rfam.db" --pipeline vg_sqlite \
	--destination "duckdb:///$T/sqlite.duckdb" "${SEED[@]}"
assert_eq "sqlite: two chunks loaded" "1999" "$(sl_csv vg_sqlite 'SELECT COUNT(*) FROM family')"
vg "show" 0 show vg_sqlite family
vg "status" 0 status vg_sqlite
vg "state" 0 state vg_sqlite

section "MariaDB -> DuckDB"
mysql_new_db DB vg
mdb "$DB" <"$DATA_DIR/rfam_family_mysql.sql" || die "cannot load the MariaDB seed"
vg "mariadb run 1" 0 run "$(mysql_url "$DB")" --pipeline vg_mysql \
	--destination "duckdb:///$T/mysql.duckdb" "${SEED[@]}"
vg "mariadb run 2 (resumes)" 0 run "$(mysql_url "$DB")" --pipeline vg_mysql \
	--destination "duckdb:///$T/mysql.duckdb" "${SEED[@]}"
assert_eq "mariadb: two chunks loaded" "1999" "$(sl_csv vg_mysql 'SELECT COUNT(*) FROM family')"
vg "mariadb status" 0 status vg_mysql

section "error paths"
vg "refused port" 1 run "mysql://u:pw@127.0.0.1:1/x" --table t --pipeline vg_err \
	--destination "duckdb:///$T/err.duckdb" --progress none
vg "missing table" 1 run "sqlite:///$T/rfam.db" --table no_such_table --pipeline vg_err \
	--destination "duckdb:///$T/err.duckdb" --progress none

finish
