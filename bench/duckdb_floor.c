/*
 * duckdb_floor.c — the floor for sluice's loads into DuckDB: DuckDB alone appending the bench's
 * `events` rows from memory, with the settings and the commit cadence of a sluice load.
 *
 *     duckdb_floor [--rows N] [--chunk-size N] FILE
 *
 * FILE (a new DuckDB file; an existing one is refused) is opened through sluice's own DuckDB
 * destination driver, so the database is opened, attached and configured for the load exactly as
 * `sluice run` does it (duck_load_settings, end_load). The rows are those scripts/bench puts in
 * MariaDB and PostgreSQL (the same value distributions, so DuckDB compresses them alike), made
 * here one data chunk of 2048 rows (sluice's batch size) at a time. Every --chunk-size rows
 * (default 100000) are one transaction, like one chunk of a sluice load; the last data chunk of a
 * transaction is cut short at the boundary, as sluice's batches are.
 *
 * Only DuckDB's work is timed: creating the table, appending, flushing, committing, ending the
 * load and closing the database (its last checkpoint). Making the rows is not: each data chunk
 * is filled before the clock runs and destroyed after it stops. Prints `rows=N seconds=S`, S the
 * timed seconds, which scripts/bench reports in place of the process's wall time.
 */
#include "destinations/duckdb_internal.h"
#include "drivers.h"
#include "url.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FL_COLUMNS	 9
#define FL_EPOCH_2024_US (1704067200LL * 1000000) /* 2024-01-01 00:00:00 UTC */

/* The table as sluice creates it from the MariaDB `events` table (see scripts/bench). */
static const char *const fl_create_sql =
	"CREATE SCHEMA bench; CREATE TABLE bench.events (id BIGINT NOT NULL, created_at TIMESTAMP "
	"NOT NULL, user_id INTEGER, kind VARCHAR, amount DECIMAL(12,2), score DOUBLE, payload "
	"VARCHAR, flag BOOLEAN, _sluice_load_id VARCHAR)";

/* Every row of a load carries its load id (a full load's table has the column). */
static const char *const fl_load_id = "1796662990.076123";

static const char *const fl_kinds[5] = {"click", "view", "purchase", "signup", "refund"};

typedef struct fl_clock {
	double seconds; /* timed so far */
	struct timespec started;
} fl_clock;

static void clock_start(fl_clock *clk)
{
	clock_gettime(CLOCK_MONOTONIC, &clk->started);
}

static void clock_stop(fl_clock *clk)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	clk->seconds += (double)(now.tv_sec - clk->started.tv_sec) +
			(double)(now.tv_nsec - clk->started.tv_nsec) / 1e9;
}

static int fail(const char *what, const char *detail)
{
	fprintf(stderr, "duckdb_floor: %s: %s\n", what, detail ? detail : "unknown error");
	return 1;
}

static int run(duckdb_connection con, const char *sql)
{
	duckdb_result res;
	int rc = 0;
	if (duckdb_query(con, sql, &res) == DuckDBError)
		rc = fail(sql, duckdb_result_error(&res));
	duckdb_destroy_result(&res);
	return rc;
}

/* ---- the rows: scripts/bench's my_create, in C -------------------------------------------- */

/* LEFT(CONCAT('évènement-', seq, '-', REPEAT('abcdefghij', 20)), 20 + seq % 180): characters,
   and the prefix's two accented letters take two bytes each, so that many bytes plus two. */
static size_t payload(char *out, size_t cap, int64_t seq)
{
	int n = snprintf(out, cap, "évènement-%" PRId64 "-", seq);
	size_t len = n > 0 ? (size_t)n : 0;
	while (len + 10 < cap && len < 230)
		len += (size_t)snprintf(out + len, cap - len, "abcdefghij");
	size_t want = 20 + (size_t)(seq % 180) + 2;
	return want < len ? want : len;
}

static void set_null(duckdb_vector v, idx_t row)
{
	duckdb_vector_ensure_validity_writable(v);
	duckdb_validity_set_row_invalid(duckdb_vector_get_validity(v), row);
}

/* Row `seq` into row `row` of `chunk`. */
static void fill_row(duckdb_data_chunk chunk, idx_t row, int64_t seq)
{
	duckdb_vector v[FL_COLUMNS];
	for (idx_t i = 0; i < FL_COLUMNS; i++)
		v[i] = duckdb_data_chunk_get_vector(chunk, i);
	((int64_t *)duckdb_vector_get_data(v[0]))[row] = seq;
	((int64_t *)duckdb_vector_get_data(v[1]))[row] =
		FL_EPOCH_2024_US + (seq - (seq % 100 == 0)) * 997003;
	if (seq % 50 == 0)
		set_null(v[2], row);
	else
		((int32_t *)duckdb_vector_get_data(v[2]))[row] = (int32_t)((seq * 7919) % 100000);
	duckdb_vector_assign_string_element(v[3], row, fl_kinds[seq % 5]);
	((int64_t *)duckdb_vector_get_data(v[4]))[row] = (seq * 37) % 1000000; /* cents */
	((double *)duckdb_vector_get_data(v[5]))[row] = sin((double)seq) * 1000;
	if (seq % 10 == 0) {
		set_null(v[6], row);
	} else {
		char buf[256];
		size_t len = payload(buf, sizeof(buf), seq);
		duckdb_vector_assign_string_element_len(v[6], row, buf, len);
	}
	((bool *)duckdb_vector_get_data(v[7]))[row] = seq % 3 == 0;
	duckdb_vector_assign_string_element(v[8], row, fl_load_id);
}

/* A data chunk of rows first..first+n-1 (ids count from 1). */
static duckdb_data_chunk make_chunk(duckdb_appender app, int64_t first, idx_t n)
{
	duckdb_logical_type types[FL_COLUMNS];
	for (idx_t i = 0; i < FL_COLUMNS; i++)
		types[i] = duckdb_appender_column_type(app, i);
	duckdb_data_chunk chunk = duckdb_create_data_chunk(types, FL_COLUMNS);
	for (idx_t i = 0; i < FL_COLUMNS; i++)
		duckdb_destroy_logical_type(&types[i]);
	if (!chunk)
		return NULL;
	for (idx_t r = 0; r < n; r++)
		fill_row(chunk, r, first + (int64_t)r);
	duckdb_data_chunk_set_size(chunk, n);
	return chunk;
}

/* ---- the load --------------------------------------------------------------------------------- */

typedef struct fl_load {
	duck_conn *conn;
	duckdb_appender app;
	uint64_t rows, chunk_size;
	fl_clock clock;
} fl_load;

/* One transaction: rows first..first+n-1, appended a data chunk at a time, then committed. */
static int load_chunk(fl_load *l, int64_t first, uint64_t n)
{
	clock_start(&l->clock);
	int rc = run(l->conn->con, "BEGIN TRANSACTION");
	clock_stop(&l->clock);
	for (uint64_t done = 0; !rc && done < n;) {
		idx_t size =
			n - done < duckdb_vector_size() ? (idx_t)(n - done) : duckdb_vector_size();
		duckdb_data_chunk chunk = make_chunk(l->app, first + (int64_t)done, size);
		if (!chunk)
			return fail("data chunk", "out of memory");
		clock_start(&l->clock);
		if (duckdb_append_data_chunk(l->app, chunk) == DuckDBError)
			rc = fail("append", duckdb_appender_error(l->app));
		clock_stop(&l->clock);
		duckdb_destroy_data_chunk(&chunk);
		done += size;
	}
	clock_start(&l->clock);
	if (!rc && duckdb_appender_flush(l->app) == DuckDBError)
		rc = fail("flush", duckdb_appender_error(l->app));
	rc = rc ? rc : run(l->conn->con, "COMMIT");
	clock_stop(&l->clock);
	return rc;
}

static int load(fl_load *l)
{
	clock_start(&l->clock);
	duck_load_settings(l->conn, true); /* as a sluice load's first appender does */
	int rc = run(l->conn->con, fl_create_sql);
	if (!rc && duckdb_appender_create_ext(l->conn->con, NULL, "bench", "events", &l->app) ==
			   DuckDBError)
		rc = fail("appender", duckdb_appender_error(l->app));
	clock_stop(&l->clock);
	for (uint64_t first = 1; !rc && first <= l->rows; first += l->chunk_size) {
		uint64_t left = l->rows - first + 1;
		rc = load_chunk(l, (int64_t)first, left < l->chunk_size ? left : l->chunk_size);
	}
	clock_start(&l->clock);
	duckdb_appender_destroy(&l->app);
	sl_duckdb_destination.end_load(&l->conn->sql.base);
	clock_stop(&l->clock);
	return rc;
}

/* ---- main ------------------------------------------------------------------------------------- */

static int usage(void)
{
	fprintf(stderr, "usage: duckdb_floor [--rows N] [--chunk-size N] FILE\n");
	return 2;
}

static int count_arg(uint64_t *out, const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (!*s || *end || v == 0)
		return usage();
	*out = v;
	return 0;
}

static int open_file(duck_conn **out, const char *file)
{
	char *text = sl_printf_alloc("duckdb:///%s", file);
	sl_url *url = NULL;
	sl_dest_conn *conn = NULL;
	int rc = text ? sl_url_parse(&url, text) : SL_ENOMEM;
	rc = rc ? rc : sl_duckdb_destination.open(&conn, url, NULL);
	sl_url_free(url);
	free(text);
	if (rc)
		return fail(file, sl_error_last()->message);
	*out = (duck_conn *)conn;
	return 0;
}

int main(int argc, char **argv)
{
	fl_load l = {.rows = 5000000, .chunk_size = 100000};
	int i = 1, rc = 0;
	for (; !rc && i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (strcmp(argv[i], "--rows") == 0)
			rc = count_arg(&l.rows, argv[i + 1]);
		else if (strcmp(argv[i], "--chunk-size") == 0)
			rc = count_arg(&l.chunk_size, argv[i + 1]);
		else
			rc = usage();
	}
	if (rc || i != argc - 1)
		return rc ? rc : usage();
	if (access(argv[i], F_OK) == 0)
		return fail(argv[i], "exists; the floor loads a new file");
	if (open_file(&l.conn, argv[i]))
		return 1;
	rc = load(&l);
	clock_start(&l.clock);
	sl_duckdb_destination.close(&l.conn->sql.base);
	clock_stop(&l.clock);
	if (rc)
		return 1;
	printf("rows=%" PRIu64 " seconds=%.3f\n", l.rows, l.clock.seconds);
	return 0;
}
