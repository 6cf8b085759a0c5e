/*
 * test_files_destination.c — the files destination's transactions through its vtable, on real
 * files: a rollback leaves no file, a commit makes the chunk's file and its state visible
 * together, and a commit a crash cut short after its journal was written is finished by the
 * next open, while what a crashed process wrote before its journal is removed.
 */
#include "destination.h"
#include "drivers.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const sl_destination_driver *const D = &sl_files_destination;

static char root[512];

static sl_dest_conn *open_dir(void)
{
	sl_url url = {.kind = SL_URL_FILE, .scheme = "file", .database = root};
	sl_dest_conn *conn = NULL;
	if (D->open(&conn, &url, NULL) || D->ensure_dataset(conn, "ds"))
		fail_msg("open %s: %s", root, sl_error_last()->message);
	return conn;
}

static sl_table_schema *small_schema(void)
{
	sl_table_schema *s = sl_schema_new("src", "t");
	assert_non_null(s);
	assert_int_equal(sl_schema_add_column(s, "id", SL_TYPE_INT64, 0, 0, false, NULL), 0);
	return s;
}

static void fill(sl_batch *b, int64_t first, size_t n)
{
	sl_batch_reset(b);
	for (size_t r = 0; r < n; r++) {
		((int64_t *)sl_batch_data(b, 0))[r] = first + (int64_t)r;
		sl_batch_set_valid(b, 0, r);
	}
	b->nrows = n;
}

static int64_t count(sl_dest_conn *conn)
{
	int64_t n = -1;
	if (D->count_rows(&n, conn, "ds", "t"))
		fail_msg("count_rows: %s", sl_error_last()->message);
	return n;
}

/* The names in DIR/ds/t (the table's committed files), counted. */
static int files_in_table(void)
{
	char dir[600];
	snprintf(dir, sizeof(dir), "%s/ds/t", root);
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static int first_state(void *ctx, const sl_state_record *r)
{
	snprintf(ctx, 64, "%s", r->state);
	return 0;
}

static void write_state(sl_dest_conn *conn, const char *json)
{
	sl_state_record r = {.pipeline = "p", .table = "t", .state = json, .version = 1};
	assert_int_equal(D->write_state(conn, "ds", &r), 0);
}

static void test_rollback_and_commit(void **state)
{
	(void)state;
	sl_dest_conn *conn = open_dir();
	sl_table_schema *s = small_schema();
	sl_batch *b = sl_batch_new(s, 0);
	assert_int_equal(D->ensure_table(conn, "ds", "t", s, true), 0);
	sl_dest_appender *app = NULL;
	assert_int_equal(D->appender_open(&app, conn, "ds", "t", s, "100.000001"), 0);

	/* outside a transaction an append is refused: a chunk is written at commit */
	fill(b, 0, 10);
	assert_int_equal(D->append(app, b), SL_EINVAL);

	assert_int_equal(D->begin(conn), 0);
	fill(b, 0, 1000);
	assert_int_equal(D->append(app, b), 0);
	assert_int_equal(D->appender_flush(app), 0);
	write_state(conn, "{\"n\":1}");
	assert_int_equal(D->rollback(conn), 0);
	assert_int_equal(files_in_table(), 0);
	char got[64] = "";
	assert_int_equal(D->read_states(conn, "ds", "p", "t", first_state, got), 0);
	assert_string_equal(got, ""); /* the state went with the rows */

	assert_int_equal(D->begin(conn), 0);
	fill(b, 5000, 10);
	assert_int_equal(D->append(app, b), 0);
	assert_int_equal(D->appender_flush(app), 0);
	write_state(conn, "{\"n\":2}");
	assert_int_equal(D->commit(conn), 0);
	assert_int_equal(files_in_table(), 1);
	assert_int_equal(count(conn), 10);
	assert_int_equal(D->read_states(conn, "ds", "p", "t", first_state, got), 0);
	assert_string_equal(got, "{\"n\":2}");

	D->appender_close(app);
	sl_batch_free(b);
	sl_schema_free(s);
	D->close(conn);
}

/* A process id that is not running: a child that has exited. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	assert_non_null(in);
	assert_non_null(out);
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* What a process killed after its journal's rename left: the next open makes the renames. What
   one killed before it left: the next open removes it, and nothing of it is visible. */
static void test_recovery(void **state)
{
	(void)state;
	char table[600], first[1200], tmp[600], path[1400], state_file[700];
	snprintf(table, sizeof(table), "%s/ds/t", root);
	DIR *d = opendir(table);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)) && e->d_name[0] == '.')
		;
	assert_non_null(e);
	snprintf(first, sizeof(first), "%s/%s", table, e->d_name);
	closedir(d);
	char target[600];
	ssize_t n = readlink(table, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';

	/* committed: a journal naming a chunk file and a state in a dead process's tmp */
	pid_t pid = dead_pid();
	snprintf(tmp, sizeof(tmp), "%s/ds/_sluice/tmp/%d.dead", root, (int)pid);
	assert_int_equal(mkdir(tmp, 0777), 0);
	snprintf(path, sizeof(path), "%s/0.parquet", tmp);
	copy_file(first, path);
	snprintf(state_file, sizeof(state_file), "%s/1.json", tmp);
	write_text(state_file,
		   "{\"pipeline_name\":\"p\",\"table_name\":\"t\",\"state\":\"{\\\"n\\\":3}\","
		   "\"version\":1,\"updated_at\":null}\n");
	char journal[1600];
	snprintf(journal, sizeof(journal),
		 "R _sluice/tmp/%d.dead/0.parquet\t%s/200.000000.parquet\n"
		 "R _sluice/tmp/%d.dead/1.json\t_sluice/state/p.t.json\n",
		 (int)pid, target, (int)pid);
	snprintf(path, sizeof(path), "%s/ds/_sluice/txn/%d.dead.0.journal", root, (int)pid);
	write_text(path, journal);

	/* not committed: a chunk file of another dead process, with no journal */
	pid_t other = dead_pid();
	char orphan[700];
	snprintf(orphan, sizeof(orphan), "%s/ds/_sluice/tmp/%d.gone", root, (int)other);
	assert_int_equal(mkdir(orphan, 0777), 0);
	snprintf(path, sizeof(path), "%s/0.parquet", orphan);
	copy_file(first, path);

	assert_int_equal(files_in_table(), 1);
	sl_dest_conn *conn = open_dir();
	assert_int_equal(files_in_table(), 2);
	assert_int_equal(count(conn), 20);
	char got[64] = "";
	assert_int_equal(D->read_states(conn, "ds", "p", "t", first_state, got), 0);
	assert_string_equal(got, "{\"n\":3}");
	struct stat st;
	snprintf(path, sizeof(path), "%s/ds/_sluice/txn/%d.dead.0.journal", root, (int)pid);
	assert_int_not_equal(stat(path, &st), 0); /* the journal is done */
	assert_int_not_equal(stat(tmp, &st), 0);
	assert_int_not_equal(stat(orphan, &st), 0); /* the uncommitted chunk is gone */
	D->close(conn);
}

int main(void)
{
	const char *base = getenv("SLUICE_TEST_WORKDIR");
	snprintf(root, sizeof(root), "%s/files_XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(root))
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rollback_and_commit),
		cmocka_unit_test(test_recovery),
	};
	return cmocka_run_group_tests_name("files_destination", tests, NULL, NULL);
}
