#!/usr/bin/env bash
# test_cli_silent.sh — servers that accept a connection and then say nothing, or stop answering
# in the middle of a result: a silent listener on 127.0.0.1 (accepts, never answers) and a proxy
# in front of the test MariaDB and PostgreSQL that freezes on demand (stops forwarding, keeps the
# connections open: a stuck proxy, a half-dead server).
#
#   (a) connect_timeout=2 against the silent listener: the MySQL source, the PostgreSQL source
#       and the PostgreSQL destination fail within a few seconds with exit 1 and one line naming
#       host:port and "timed out"; a MySQL URL pointed at PostgreSQL's port fails at once.
#   (b) SIGTERM one second into a connect to the silent listener (default timeout of 30 s):
#       exit 3 within about a second, for the same three.
#   (c) a read that stalls mid-stream, for both sources: with read_timeout=2 the run fails with
#       one line naming server, table and the silence; with SIGTERM it exits 3 within about a
#       second; either way the destination holds exactly its committed chunks, the load is
#       recorded as failed or interrupted, and the next run completes.
#   (d) a reflection that stalls: SIGTERM ends it with exit 3.
#   (e) --retries against a closed port: SIGTERM during the wait exits 3 with one line.
#
# Every sluice run of this script has a watchdog (bg_wait), so the script cannot hang.
#
#   bash tests/cli/test_cli_silent.sh PATH-TO-SLUICE
#   (SLUICE_TEST_MYSQL_URL and SLUICE_TEST_PG_URL must be set, as scripts/run-tests does)

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

mysql_setup
pg_setup
command -v sqlite3 >/dev/null || die "the sqlite3 program is not installed"
PY=/usr/bin/python3
[ -x "$PY" ] || die "$PY is not installed"

ROWS=20000
PGSRC="silent_$$" # the PostgreSQL source schema

silent_cleanup() {
	pq "$PG_DB" -c "DROP SCHEMA IF EXISTS $PGSRC CASCADE" >/dev/null 2>&1
	cleanup
}
trap silent_cleanup EXIT

# ---------------------------------------------------------------- helpers

# The network helper: `silent` accepts connections and never sends a byte; `proxy PORT
# [TRIGGER]` forwards to 127.0.0.1:PORT, the server's answers at about 400 KB/s (so that a
# freeze meets a result mid-stream), and freezes, never to forward again while keeping every
# connection open, on SIGUSR1 or once the client sent TRIGGER. Prints its port first.
cat >"$T/net.py" <<'EOF'
import signal, socket, sys, threading, time
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(64)
print(ls.getsockname()[1], flush=True)
held = []
if sys.argv[1] == "silent":
    while True:
        held.append(ls.accept()[0])
target = int(sys.argv[2])
trigger = sys.argv[3].encode() if len(sys.argv) > 3 else None
frozen = threading.Event()
signal.signal(signal.SIGUSR1, lambda *a: frozen.set())
def pump(src, dst, from_client):
    try:
        while True:
            data = src.recv(65536 if from_client else 4096)
            while frozen.is_set():
                time.sleep(3600)
            if not data:
                dst.shutdown(socket.SHUT_WR)
                return
            dst.sendall(data)
            if from_client and trigger and trigger in data:
                frozen.set()
            if not from_client:
                time.sleep(0.01)
    except OSError:
        pass
while True:
    c = ls.accept()[0]
    s = socket.create_connection(("127.0.0.1", target))
    held += [c, s]
    threading.Thread(target=pump, args=(c, s, True), daemon=True).start()
    threading.Thread(target=pump, args=(s, c, False), daemon=True).start()
EOF

# net_start VAR ARGS... — start the network helper with ARGS; its port goes to VAR, its pid to
# NET_PID.
net_start() {
	local var=$1 f
	shift
	f=$(mktemp "$T/net.XXXXXX")
	"$PY" "$T/net.py" "$@" >"$f" &
	NET_PID=$!
	bg_track "$NET_PID"
	for _ in $(seq 100); do
		[ -s "$f" ] && break
		sleep 0.05
	done
	[ -s "$f" ] || die "the network helper ($*) did not start"
	printf -v "$var" '%s' "$(head -n 1 "$f")"
}

# bg_run NAME ARGS... — `sluice ARGS...` in the background; sets PID and STARTED (ms).
bg_run() {
	local name=$1
	shift
	LAST_CMD="sluice $* ($name, in the background)"
	STARTED=$(ms_now)
	"$SLUICE" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	PID=$!
	bg_track "$PID"
	BG_NAME=$name
}

# bg_wait MAX-SECONDS — wait for $PID, killing it after MAX-SECONDS (the watchdog); sets RC,
# OUT, ERR like `sl` does, and ENDED (ms).
bg_wait() {
	local i
	for ((i = 0; i < $1 * 20; i++)); do
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$PID" 2>/dev/null; then
		kill -KILL "$PID"
		fail "$LAST_CMD was still running after $1 s (killed)"
	fi
	wait "$PID" 2>/dev/null
	RC=$?
	ENDED=$(ms_now)
	OUT=$(cat "$T/$BG_NAME.out")
	ERR=$(cat "$T/$BG_NAME.err")
}

ms_now() { echo $((${EPOCHREALTIME/./} / 1000)); }

# assert_within DESC MAX-MS FROM-MS TO-MS
assert_within() {
	local took=$(($4 - $3))
	if [ "$took" -le "$2" ]; then
		pass "$1 (${took} ms)"
	else
		fail "$1" "took $took ms, more than $2"
	fi
}

# committed PIPELINE — rows_loaded in the local state mirror (0 before any commit).
committed() {
	local n
	n=$(grep -o '"rows_loaded": *[0-9]*' "$SLUICE_PIPELINES_DIR/$1/state.json" 2>/dev/null |
		head -n 1 | grep -o '[0-9]*$')
	echo "${n:-0}"
}

# wait_commit PIPELINE BEFORE — wait until $PID's run has committed past BEFORE rows; false when
# the run ended first (or after 30 s).
wait_commit() {
	local i
	for ((i = 0; i < 1500; i++)); do
		[ "$(committed "$1")" -gt "$2" ] && return 0
		kill -0 "$PID" 2>/dev/null || return 1
		sleep 0.02
	done
	return 1
}

# consistent DESC PIPELINE — the destination holds exactly the rows its committed state covers:
# rows_loaded rows, ids 1..N, each once (ids grow with the cursor).
consistent() {
	local n
	sl state "$2"
	n=$(json_get "$OUT" 'j["tables"].get("events", {}).get("rows_loaded", 0)')
	assert_eq "$1: the destination holds exactly the committed chunks ($n rows)" "$n,$n,$n" \
		"$(sl_csv "$2" "SELECT COUNT(*), COUNT(DISTINCT id), COALESCE(MAX(id), 0) FROM events")"
}

# load_status PIPELINE — the status of the pipeline's last load.
load_status() {
	sl_csv "$1" "SELECT status FROM _sluice_loads ORDER BY started_at DESC LIMIT 1"
}

# ---------------------------------------------------------------- sources

section "sources: $ROWS rows in MariaDB and in PostgreSQL, a SQLite file"
mysql_new_db DB silent
mdb "$DB" -e "CREATE TABLE events (id BIGINT PRIMARY KEY, created DATETIME NOT NULL,
	payload VARCHAR(100), KEY (created));
	INSERT INTO events SELECT seq, TIMESTAMP '2020-01-01 00:00:00' + INTERVAL seq SECOND,
		CONCAT('payload-', seq, '-', MD5(seq)) FROM seq_1_to_$ROWS" ||
	die "cannot create the MariaDB source"
MY_URL=$(mysql_url "$DB")
pq "$PG_DB" <<SQL >/dev/null || die "cannot create the PostgreSQL source"
SET client_min_messages = warning;
CREATE SCHEMA $PGSRC;
CREATE TABLE $PGSRC.events (id bigint PRIMARY KEY, created timestamp NOT NULL,
	payload varchar(100));
INSERT INTO $PGSRC.events SELECT n, TIMESTAMP '2020-01-01 00:00:00' + n * INTERVAL '1 second',
	'payload-' || n || '-' || md5(n::text) FROM generate_series(1, $ROWS) AS n;
CREATE INDEX ON $PGSRC.events (created);
SQL
PG_SRC_URL="$(pg_url "$PG_DB")?schema=$PGSRC"
sqlite3 "$T/small.db" "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a')" ||
	die "cannot create the SQLite source"
net_start SILENT silent
say "silent listener on 127.0.0.1:$SILENT"

# ---------------------------------------------------------------- (a) connect_timeout

section "(a) connect_timeout=2 against a listener that never answers"
# connect_case DESC EXPECTED-ERE ARGS... — `sluice run ARGS` fails within 2-6 s with one line.
connect_case() {
	local desc=$1 re=$2
	shift 2
	bg_run "$desc" run "$@" --pipeline a_silent --progress none
	bg_wait 20
	assert_rc "$desc: exit 1" 1
	assert_one_line_error "$desc: one line naming host:port, timed out" "$re"
	assert_within "$desc: ... after the 2 s, not much more" 6000 "$STARTED" "$ENDED"
	assert_ge "$desc: ... not before them" 1900 $((ENDED - STARTED))
}
connect_case "MySQL source" \
	"^sluice: error: cannot connect to MySQL at 127\.0\.0\.1:$SILENT: timed out after 2 s" \
	"mysql://u:pw@127.0.0.1:$SILENT/db?connect_timeout=2" --table t
connect_case "PostgreSQL source" \
	"^sluice: error: cannot connect to PostgreSQL at 127\.0\.0\.1:$SILENT: timed out after 2 s$" \
	"postgresql://u:pw@127.0.0.1:$SILENT/db?connect_timeout=2" --table t
connect_case "PostgreSQL destination" \
	"^sluice: error: cannot connect to PostgreSQL at 127\.0\.0\.1:$SILENT/db: timed out after 2 s$" \
	"sqlite:///$T/small.db" --table t \
	--destination "postgresql://u:pw@127.0.0.1:$SILENT/db?connect_timeout=2"
assert_not_contains "... and no password in the messages" "pw@" "$ERR"

bg_run my_at_pg run "mysql://u:pw@127.0.0.1:$PG_PORT/db" --table t --pipeline a_wrong \
	--progress none
bg_wait 20
assert_rc "a MySQL URL at PostgreSQL's port: exit 1" 1
assert_one_line_error "... one line saying what answers there" \
	"^sluice: error: cannot connect to MySQL at 127\.0\.0\.1:$PG_PORT: the server there speaks the PostgreSQL protocol"
assert_within "... in a few seconds, not the connect timeout" 5000 "$STARTED" "$ENDED"

# ---------------------------------------------------------------- (b) SIGTERM while connecting

section "(b) SIGTERM while connecting to a listener that never answers (default timeout)"
# term_case DESC EXPECTED-ERE ARGS... — SIGTERM after 1 s: exit 3 within 2 s of it, one line.
term_case() {
	local desc=$1 re=$2 signalled
	shift 2
	bg_run "$desc" run "$@" --pipeline b_silent --progress none
	sleep 1
	signalled=$(ms_now)
	kill -TERM "$PID"
	bg_wait 20
	assert_rc "$desc: SIGTERM while connecting: exit 3" 3
	assert_one_line_error "$desc: ... one line" "$re"
	assert_within "$desc: ... within 2 s of the signal" 2000 "$signalled" "$ENDED"
}
term_case "MySQL source" \
	"^sluice: error: interrupted while connecting to MySQL at 127\.0\.0\.1:$SILENT: nothing was loaded$" \
	"mysql://u:pw@127.0.0.1:$SILENT/db" --table t
term_case "PostgreSQL source" \
	"^sluice: error: interrupted while connecting to PostgreSQL at 127\.0\.0\.1:$SILENT: nothing was loaded$" \
	"postgresql://u:pw@127.0.0.1:$SILENT/db" --table t
term_case "PostgreSQL destination" \
	"^sluice: error: interrupted while connecting to PostgreSQL at 127\.0\.0\.1:$SILENT/db: nothing was loaded$" \
	"sqlite:///$T/small.db" --table t --destination "postgresql://u:pw@127.0.0.1:$SILENT/db"
bg_kill "$NET_PID"

# ---------------------------------------------------------------- (c) a read stalls mid-stream

INTERRUPTED_RE="^sluice: error: interrupted: the open chunk of table 'events' was rolled back \([0-9]+ rows read\); [0-9]+ chunks? \([0-9]+ rows\) committed in this run stay$"

# stall_case KIND PIPELINE DIRECT-URL URL-FORMAT SERVER-PORT — KIND mysql or pg; URL-FORMAT has
# %s for the proxy's port. A run through the proxy, frozen after its first commit, first with
# read_timeout=2, then with SIGTERM; then the next run, straight to the server, completes.
stall_case() {
	local kind=$1 p=$2 direct=$3 fmt=$4 port=$5 proxy url before signalled table_re
	local opts=(--table events --pipeline "$p" --cursor created --primary-key id
		--chunk-size 1000 --progress none)
	if [ "$kind" = mysql ]; then
		table_re="MySQL at 127\.0\.0\.1:[0-9]+: reading $DB\.events"
	else
		table_re="PostgreSQL at 127\.0\.0\.1:[0-9]+: reading $PGSRC\.events"
	fi

	section "(c) $kind: a read stalls mid-stream, read_timeout=2"
	net_start proxy proxy "$port"
	printf -v url "$fmt" "$proxy"
	before=$(committed "$p")
	bg_run "${p}_timeout" run "$url&read_timeout=2" "${opts[@]}"
	wait_commit "$p" "$before" || fail "$kind: the run committed a chunk before the stall"
	kill -USR1 "$NET_PID"
	signalled=$(ms_now)
	bg_wait 30
	assert_rc "$kind stalled, read_timeout=2: exit 1" 1
	assert_one_line_error "$kind stalled: one line naming server, table and the silence" \
		"^sluice: error: $table_re: no data arrived for 2 s \(URL option read_timeout\)$"
	assert_within "$kind stalled: ... 2 s into the silence, not much more" 5000 "$signalled" \
		"$ENDED"
	bg_kill "$NET_PID"
	consistent "$kind stalled, read_timeout=2" "$p"
	assert_eq "$kind stalled: the load is recorded as failed" failed "$(load_status "$p")"

	section "(c) $kind: a read stalls mid-stream, SIGTERM (default read timeout)"
	net_start proxy proxy "$port"
	printf -v url "$fmt" "$proxy"
	before=$(committed "$p")
	bg_run "${p}_term" run "$url" "${opts[@]}"
	wait_commit "$p" "$before" || fail "$kind: the run committed a chunk before the stall"
	kill -USR1 "$NET_PID"
	sleep 0.5
	signalled=$(ms_now)
	kill -TERM "$PID"
	bg_wait 30
	assert_rc "$kind stalled, SIGTERM: exit 3" 3
	assert_one_line_error "$kind stalled, SIGTERM: one line, the open chunk rolled back" \
		"$INTERRUPTED_RE"
	assert_within "$kind stalled, SIGTERM: ... within 2 s of the signal" 2000 "$signalled" \
		"$ENDED"
	bg_kill "$NET_PID"
	consistent "$kind stalled, SIGTERM" "$p"
	assert_eq "$kind stalled, SIGTERM: the load is recorded as interrupted" interrupted \
		"$(load_status "$p")"

	sl run "$direct" "${opts[@]}"
	assert_ok "$kind: the next run, straight to the server, exits 0"
	assert_match "... and loads the rest" 'all rows loaded' "$OUT"
	assert_eq "$kind: every row once" "$ROWS,$ROWS,$ROWS" \
		"$(sl_csv "$p" "SELECT COUNT(*), COUNT(DISTINCT id), MAX(id) FROM events")"
}
stall_case mysql c_my "$MY_URL" "mysql://$MY_USER:$MY_PW@127.0.0.1:%s/$DB?charset=utf8mb4" \
	"$MY_PORT"
stall_case pg c_pg "$PG_SRC_URL" \
	"postgresql://$PG_USER:$PG_PW@127.0.0.1:%s/$PG_DB?schema=$PGSRC&sslmode=disable" "$PG_PORT"

# ---------------------------------------------------------------- (d) reflection stalls

section "(d) SIGTERM while reading a table's definition from a server that stopped answering"
# reflect_case DESC URL-FORMAT SERVER-PORT TRIGGER — the proxy freezes once the client asks
# its catalog (TRIGGER); SIGTERM after 1 s.
reflect_case() {
	local desc=$1 fmt=$2 port=$3 trigger=$4 proxy url signalled
	net_start proxy proxy "$port" "$trigger"
	printf -v url "$fmt" "$proxy"
	bg_run "d_$desc" run "$url" --table events --pipeline d_reflect --progress none
	sleep 1
	signalled=$(ms_now)
	kill -TERM "$PID"
	bg_wait 20
	assert_rc "$desc: SIGTERM during reflection: exit 3" 3
	assert_one_line_error "$desc: ... one line" \
		"^sluice: error: interrupted while reading the source's tables: nothing was loaded$"
	assert_within "$desc: ... within 2 s of the signal" 2000 "$signalled" "$ENDED"
	bg_kill "$NET_PID"
}
reflect_case MySQL "mysql://$MY_USER:$MY_PW@127.0.0.1:%s/$DB" "$MY_PORT" information_schema
reflect_case PostgreSQL "postgresql://$PG_USER:$PG_PW@127.0.0.1:%s/$PG_DB?sslmode=disable" \
	"$PG_PORT" pg_class

# ---------------------------------------------------------------- (e) --retries

section "(e) SIGTERM while --retries waits"
CLOSED=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
bg_run e_retries run "mysql://u:pw@127.0.0.1:$CLOSED/db" --table t --pipeline e_retries \
	--retries 5 --progress none
sleep 1.5 # the first retry failed at 1 s; the next waits until 3 s
signalled=$(ms_now)
kill -TERM "$PID"
bg_wait 20
assert_rc "--retries 5, SIGTERM while waiting: exit 3" 3
assert_one_line_error "... one line with the last failure" \
	"^sluice: error: interrupted while waiting to retry \(tried 2 times: cannot connect to MySQL at 127\.0\.0\.1:$CLOSED: Connection refused\): nothing was loaded$"
assert_within "... within 1 s of the signal" 1000 "$signalled" "$ENDED"

finish
