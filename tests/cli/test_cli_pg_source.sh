#!/usr/bin/env bash
# test_cli_pg_source.sh — `sluice run` from PostgreSQL with the connection options and names
# people use: sslmode (the test server has no TLS: disable works, require fails and says so),
# application_name (seen in pg_stat_activity while a run reads), connect_timeout (against a
# port that accepts and never answers), options (-c search_path=...), a unix-socket host
# (?host=/dir), PGPASSWORD and ~/.pgpass for a URL without a password, --table schema.table and
# ?schema=, quoted mixed-case schema, table and column names, a partitioned table (the parent:
# every partition's rows once) and a view (no primary key; loaded incrementally on a cursor).
# Every load goes into DuckDB and is compared with the source.
#
#   bash tests/cli/test_cli_pg_source.sh PATH-TO-SLUICE     (SLUICE_TEST_PG_URL must be set;
#                                                            SLUICE_TEST_PG_SOCKET_DIR too)

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

pg_setup
SOCK_DIR=${SLUICE_TEST_PG_SOCKET_DIR:-}
[ -n "$SOCK_DIR" ] || die "SLUICE_TEST_PG_SOCKET_DIR is not set (scripts/test-server exports it)"
unset PGPASSWORD PGPASSFILE PGHOST PGPORT PGUSER PGDATABASE PGOPTIONS PGSSLMODE PGAPPNAME

pg_new_db DB src
URL=$(pg_url "$DB")
# the same database without a password in the URL
NOPW_URL="postgresql://$PG_USER@$PG_HOST:$PG_PORT/$DB"

section "source tables"
pq "$DB" <<'SQL' >/dev/null || die "cannot create the source tables"
CREATE TABLE plain (id integer PRIMARY KEY, c integer NOT NULL, pad text);
INSERT INTO plain SELECT g, (g + 2) / 3, 'row ' || g FROM generate_series(1, 500) g;

CREATE SCHEMA sales;
CREATE TABLE sales.orders (id integer PRIMARY KEY, amount numeric(10,2), placed timestamp NOT NULL);
INSERT INTO sales.orders SELECT g, g * 1.25, TIMESTAMP '2024-01-01' + g * INTERVAL '1 hour'
	FROM generate_series(1, 300) g;
-- a table of the same name in public, so a wrong schema shows
CREATE TABLE public.orders (id integer PRIMARY KEY);
INSERT INTO public.orders VALUES (1);

CREATE SCHEMA "Sales Data";
CREATE TABLE "Sales Data"."Orders" ("OrderId" integer PRIMARY KEY, "Amount €" numeric(8,2),
	"UpdatedAt" timestamp NOT NULL, "note ""quoted""" text);
INSERT INTO "Sales Data"."Orders" SELECT g, g / 4.0, TIMESTAMP '2024-06-01' + (g / 3) * INTERVAL '1 day',
	'n' || g FROM generate_series(1, 250) g;

-- declarative partitioning: three ranges and a default partition
CREATE TABLE measurements (id bigint NOT NULL, region text NOT NULL, taken timestamptz NOT NULL,
	v double precision, PRIMARY KEY (region, id)) PARTITION BY LIST (region);
CREATE TABLE measurements_eu PARTITION OF measurements FOR VALUES IN ('eu');
CREATE TABLE measurements_us PARTITION OF measurements FOR VALUES IN ('us');
CREATE TABLE measurements_ap PARTITION OF measurements FOR VALUES IN ('ap');
CREATE TABLE measurements_other PARTITION OF measurements DEFAULT;
INSERT INTO measurements SELECT g, (ARRAY['eu', 'us', 'ap', 'sa'])[1 + g % 4],
	TIMESTAMPTZ '2024-01-01 00:00:00+00' + (g / 5) * INTERVAL '1 minute', g / 7.0
	FROM generate_series(1, 2000) g;

-- a view over plain: no primary key; c repeats (three rows each)
CREATE VIEW plain_view AS SELECT id, c, upper(pad) AS pad FROM plain WHERE id % 10 <> 0;

-- a view that reads slowly (5 ms a row), so a run stays connected for a while
CREATE VIEW slow_view AS SELECT g AS id, g AS v FROM generate_series(1, 1000) g
	WHERE pg_sleep(0.005) IS NOT NULL;
SQL
pass "source tables created"

# load NAME SOURCE-URL ARGS... — `sluice run` into its own DuckDB file (pipeline NAME).
load() {
	local name=$1 url=$2
	shift 2
	sl run "$url" --pipeline "$name" --destination "duckdb:///$T/$name.duckdb" --dataset ds \
		--progress none "$@"
}

section "sslmode"
assert_eq "the test server has no TLS" off "$(pq "$DB" -c 'SHOW ssl')"
load ssl_off "$URL?sslmode=disable" --table plain
assert_ok "sslmode=disable loads"
assert_eq "sslmode=disable: 500 rows" 500 "$(sl_csv ssl_off 'SELECT COUNT(*) FROM plain')"
load ssl_req "$URL?sslmode=require" --table plain
assert_one_line_error "sslmode=require fails with one line" 'SSL'
assert_match "... that names the server" "127\\.0\\.0\\.1:$PG_PORT" "$ERR"
assert_not_contains "... without the password" "$PG_PW" "$ERR"
load ssl_bad "$URL?sslmode=sometimes" --table plain
assert_one_line_error "an unknown sslmode is refused" 'sslmode=sometimes: expected disable, allow'

section "application_name"
APP="sluice-cli-probe-$$"
"$SLUICE" run "$URL?application_name=$APP" --table slow_view --pipeline app \
	--destination "duckdb:///$T/app.duckdb" --dataset ds --progress none \
	>"$T/app.out" 2>"$T/app.err" &
app_pid=$!
bg_track "$app_pid"
seen=0
while kill -0 "$app_pid" 2>/dev/null; do
	seen=$(pq "$DB" -c "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = '$APP'
		AND query LIKE '%slow_view%'")
	[ "$seen" -ge 1 ] && break
	sleep 0.1
done
assert_eq "pg_stat_activity shows the run's query under its application_name" 1 "$seen"
wait "$app_pid"
assert_eq "the run exits 0" 0 "$?"
assert_eq "... and loads the view" 1000 "$(sl_csv app 'SELECT COUNT(*) FROM slow_view')"

section "connect_timeout"
# a port that accepts connections and never answers
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
print(s.getsockname()[1], flush=True)
time.sleep(120)
' >"$T/mute.port" &
mute_pid=$!
bg_track "$mute_pid"
for _ in $(seq 50); do
	[ -s "$T/mute.port" ] && break
	sleep 0.1
done
MUTE_PORT=$(cat "$T/mute.port")
load mute "postgresql://$PG_USER:$PG_PW@127.0.0.1:$MUTE_PORT/$DB?connect_timeout=2" --table plain
assert_one_line_error "connect_timeout=2 against a mute server fails" \
	"cannot connect to PostgreSQL at 127\\.0\\.0\\.1:$MUTE_PORT: timed out after 2 s"
bg_kill "$mute_pid"
load to_ok "$URL?connect_timeout=5" --table plain
assert_ok "connect_timeout=5 against the server loads"
load to_bad "$URL?connect_timeout=soon" --table plain
assert_one_line_error "connect_timeout must be seconds" 'connect_timeout=soon: expected seconds'

section "options"
load opts "$URL?options=-c%20search_path%3Dsales" --table orders
assert_ok "options=-c search_path=sales loads"
assert_eq "... the unqualified table from sales" "300,375.00" \
	"$(sl_csv opts 'SELECT COUNT(*), MAX(amount) FROM orders')"

section "unix socket"
load sock "postgresql://$PG_USER@:$PG_PORT/$DB?host=$SOCK_DIR" --table plain
assert_ok "?host=SOCKET_DIR loads (socket logins are trusted on the test server)"
assert_eq "... 500 rows" 500 "$(sl_csv sock 'SELECT COUNT(*) FROM plain')"
load sock_enc "postgresql://$PG_USER@:$PG_PORT/$DB?host=${SOCK_DIR//\//%2F}" --table plain
assert_ok "... also percent-encoded"
load sock_none "postgresql://$PG_USER@:$PG_PORT/$DB?host=$T/no-such-dir" --table plain
assert_one_line_error "a socket directory without a server fails" \
	"cannot connect to PostgreSQL at $T/no-such-dir/\\.s\\.PGSQL\\.$PG_PORT"

section "passwords from the environment"
load nopw "$NOPW_URL" --table plain
assert_one_line_error "no password anywhere: refused, and says where one can come from" \
	'none was given \(URL, PGPASSWORD or ~/\.pgpass\)'
PGPASSWORD=$PG_PW load env_pw "$NOPW_URL" --table plain
assert_ok "PGPASSWORD supplies it"
assert_eq "... 500 rows" 500 "$(sl_csv env_pw 'SELECT COUNT(*) FROM plain')"
printf '%s:%s:%s:%s:%s\n' "$PG_HOST" "$PG_PORT" "$DB" "$PG_USER" "$PG_PW" >"$HOME/.pgpass"
chmod 600 "$HOME/.pgpass"
load pgpass "$NOPW_URL" --table plain
assert_ok "~/.pgpass supplies it"
assert_eq "... 500 rows" 500 "$(sl_csv pgpass 'SELECT COUNT(*) FROM plain')"
sl status pgpass
assert_ok "status reconnects to the source through ~/.pgpass"
assert_match "... and finds it complete" 'rows remaining +0 of 500' "$OUT"
printf '%s:%s:%s:%s:%s\n' "$PG_HOST" "$PG_PORT" "$DB" "$PG_USER" "not-the-password" >"$HOME/.pgpass"
load pgpass_bad "$NOPW_URL" --table plain
assert_one_line_error "a wrong password from ~/.pgpass: access denied" \
	"access denied for user '$PG_USER'.*28P01"
rm -f "$HOME/.pgpass"

section "schemas"
load qualified "$URL" --table sales.orders --cursor placed --chunk-size 100
assert_ok "--table sales.orders loads"
assert_eq "... sales.orders, not public.orders" "300,375.00" \
	"$(sl_csv qualified 'SELECT COUNT(*), MAX(amount) FROM orders')"
load by_default "$URL?schema=sales" --table orders
assert_ok "?schema=sales loads an unqualified name from sales"
assert_eq "... 300 rows" "300,375.00" "$(sl_csv by_default 'SELECT COUNT(*), MAX(amount) FROM orders')"
load overridden "$URL?schema=sales" --table public.orders
assert_ok "a qualified name wins over ?schema="
assert_eq "... public.orders: one row" 1 "$(sl_csv overridden 'SELECT COUNT(*) FROM orders')"
load missing "$URL?schema=sales" --table plain
assert_one_line_error "?schema= is where an unqualified name must be" \
	"table 'sales\\.plain' not found in database '$DB'"

section "quoted mixed-case names"
load mixed "$URL" --table '"Sales Data"."Orders"' --cursor UpdatedAt --chunk-size 40 \
	--limit-chunks 2 --until-done
assert_ok "a quoted schema and table, a mixed-case cursor, in chunks"
assert_eq "every row once, every value as in the source" \
	"$(pq "$DB" -c 'SELECT COUNT(*), COUNT(DISTINCT "OrderId"), SUM("Amount €"), MAX("UpdatedAt"), string_agg("note ""quoted""", '"'|'"' ORDER BY "OrderId") FROM "Sales Data"."Orders"')" \
	"$(sl_csv mixed 'SELECT COUNT(*), COUNT(DISTINCT "OrderId"), SUM("Amount €"), strftime(MAX("UpdatedAt"), '"'%Y-%m-%d %H:%M:%S'"'), string_agg("note ""quoted""", '"'|'"' ORDER BY "OrderId") FROM "Orders"')"
sl state mixed
assert_eq "the state names the cursor as written" "UpdatedAt" \
	"$(json_get "$OUT" 'list(j["tables"].values())[0]["cursor"]')"
load mixed_bare "$URL" --table 'Sales Data.Orders'
assert_ok "bare parts match the exact names too"

# the same names into a PostgreSQL destination, which must quote them again
pg_new_db DEST_DB dest
load mixed_pg "$URL" --table '"Sales Data"."Orders"' --cursor UpdatedAt --chunk-size 40 \
	--limit-chunks 2 --until-done --destination "$(pg_url "$DEST_DB")" --dataset 'Mixed DS'
assert_ok "... also into a PostgreSQL destination (dataset 'Mixed DS')"
assert_eq "... every row once, every value as in the source" \
	"$(pq "$DB" -c 'SELECT COUNT(*), COUNT(DISTINCT "OrderId"), SUM("Amount €"), MAX("UpdatedAt"), string_agg("note ""quoted""", '"'|'"' ORDER BY "OrderId") FROM "Sales Data"."Orders"')" \
	"$(pq "$DEST_DB" -c 'SELECT COUNT(*), COUNT(DISTINCT "OrderId"), SUM("Amount €"), MAX("UpdatedAt"), string_agg("note ""quoted""", '"'|'"' ORDER BY "OrderId") FROM "Mixed DS"."Orders"')"
sl tables mixed_pg --format csv
assert_match "sluice tables names the mixed-case table" '^Orders,250' "$(printf '%s' "$OUT" | tr -d '\r')"
sl show mixed_pg Orders --limit 1 --format json
assert_eq "sluice show reads it with its quoted column" 'n1' "$(json_get "$OUT" 'j[0]["note \"quoted\""]')"

section "scheme spellings"
for scheme in postgres postgresql+psycopg2; do
	load "scheme_${scheme//[^a-z0-9]/_}" "$scheme://$PG_USER:$PG_PW@$PG_HOST:$PG_PORT/$DB" --table plain
	assert_ok "$scheme:// loads"
done

section "partitioned table"
load parts "$URL" --table measurements --cursor taken --chunk-size 300 --limit-chunks 1 --until-done
assert_ok "the partitioned parent loads incrementally"
assert_eq "every row of every partition, once" \
	"$(pq "$DB" -c 'SELECT COUNT(*), COUNT(DISTINCT (region, id)), SUM(id), COUNT(DISTINCT region) FROM measurements')" \
	"$(sl_csv parts 'SELECT COUNT(*), COUNT(DISTINCT (region, id)), SUM(id), COUNT(DISTINCT region) FROM measurements')"
assert_eq "only the parent became a table" "measurements" \
	"$(sl_csv parts "SELECT string_agg(table_name, ',') FROM information_schema.tables WHERE table_schema = 'ds' AND table_name LIKE 'measurements%'")"
pq "$DB" -c "INSERT INTO measurements VALUES (5001, 'eu', TIMESTAMPTZ '2030-01-01 00:00:00+00', 1), (5002, 'zz', TIMESTAMPTZ '2030-01-02 00:00:00+00', 2)" >/dev/null
load parts "$URL" --table measurements --cursor taken --chunk-size 300 --limit-chunks 1 --until-done
assert_ok "a later run"
assert_match "... loads the two new rows (one in a named partition, one in the default)" \
	'^total \(1 run\): measurements: 2 rows loaded' "$OUT"
assert_eq "... and nothing twice" "2002,2002" \
	"$(sl_csv parts 'SELECT COUNT(*), COUNT(DISTINCT (region, id)) FROM measurements')"

section "view"
load view "$URL" --table plain_view --cursor c --chunk-size 50 --limit-chunks 1 --until-done
assert_ok "a view without a primary key loads on a cursor, 50 rows a run"
assert_eq "every row of the view once" \
	"$(pq "$DB" -c 'SELECT COUNT(*), COUNT(DISTINCT id), SUM(id), string_agg(pad, '"''"' ORDER BY id) FROM plain_view')" \
	"$(sl_csv view 'SELECT COUNT(*), COUNT(DISTINCT id), SUM(id), string_agg(pad, '"''"' ORDER BY id) FROM plain_view')"
assert_ge "... in several runs" 10 \
	"$(sl_csv view "SELECT COUNT(*) FROM _sluice_loads WHERE status = 'completed'")"
pq "$DB" -c "INSERT INTO plain VALUES (501, 400, 'late'), (502, 400, 'late too'), (503, 1, 'old cursor')" >/dev/null
load view "$URL" --table plain_view --cursor c --chunk-size 50 --limit-chunks 1 --until-done
assert_ok "a later run of the view"
assert_match "... loads the two rows past the cursor, not the one below it" \
	'^total \(1 run\): plain_view: 2 rows loaded' "$OUT"
assert_eq "... and nothing twice" "452,452" \
	"$(sl_csv view 'SELECT COUNT(*), COUNT(DISTINCT id) FROM plain_view')"

finish
