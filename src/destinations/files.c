/*
 * files.c — the files destination: each table a directory of Parquet (or CSV, or JSONL) files
 * that DuckDB, Spark and pandas read with a glob, every row exactly once.
 *
 *   file:///abs/dir  file://relative/dir  ?format=parquet|csv|jsonl  ?compression=zstd|...
 *
 * The dataset's directory DIR/<dataset>/ (docs/guarantees.md, "Files", says what readers see):
 *   <table>                         a symlink to _sluice/gen/<g>: the table's committed files
 *                                   and nothing else, <load_id>.<nnnnnn>.parquet in load order
 *   _sluice/gen/<g>/                the generations; replace fills a new one and swaps the link
 *   _sluice/scratch/<table>         the links of sluice's own tables (replace's staging copy)
 *   _sluice/schema/<table>.parquet  each table's columns, as an empty Parquet file
 *   _sluice/state/, _sluice/loads/  the bookkeeping, one JSON file per record
 *   _sluice/txn/, _sluice/tmp/      journals of commits under way, files being written
 *
 * A chunk's rows go through the DuckDB driver's appender into a table of an in-memory DuckDB,
 * which writes them at commit with its own writer (COPY ... TO) into a temporary file. The file,
 * the state and the load record written in the transaction then become visible together: their
 * renames are listed in a journal whose durable write is the commit (files_store.c), and the
 * in-memory transaction is rolled back, which frees the chunk. The same in-memory DuckDB reads
 * it all back: the bookkeeping from its JSON files, each table as a view over its files.
 */
#include "drivers.h"
#include "files_internal.h"
#include "sql_common.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The in-memory DuckDB is the DuckDB driver's; its methods are called through its vtable. */
#define MEM (&sl_duckdb_destination)

/* The names of sluice's own tables (replace's staging copy) hold this: their links stay out of
   the dataset's directory, where readers glob. */
#define SCRATCH_MARK "__sluice_"

typedef struct files_format {
	const char *name;	 /* the URL's format= */
	const char *ext;	 /* of its files, before a compression's */
	const char *copy;	 /* COPY ... TO's options, before the compression */
	const char *compression; /* the default */
} files_format;

static const files_format formats[] = {
	{"parquet", ".parquet", "FORMAT parquet", "zstd"},
	{"csv", ".csv", "FORMAT csv, HEADER true", "none"},
	{"jsonl", ".jsonl", "FORMAT json", "none"},
};

typedef struct files_appender files_appender;

typedef struct files_conn {
	sl_dest_conn base;
	sl_dest_conn *mem; /* an in-memory DuckDB: chunks, views, bookkeeping read back */
	char *root;	   /* the URL's directory */
	const files_format *format;
	char *compression;     /* COPY's COMPRESSION, or NULL for none */
	char *ext;	       /* of the data files: ".parquet", ".csv.gz" */
	char *dataset;	       /* the dataset ensure_dataset opened, in... */
	char *dir;	       /* ...root/<dataset> */
	char *chunks;	       /* the in-memory schema of the chunk tables */
	char *id;	       /* "<pid>.<n>": names this connection's temporary files */
	char *tmp;	       /* _sluice/tmp/<id>, relative to dir */
	int lock_fd;	       /* _sluice/lock, held shared while open (exclusive: recovery) */
	bool in_txn;	       /* between begin and commit or rollback */
	bool mem_txn;	       /* the in-memory DuckDB's transaction holds appended rows */
	bool stuck;	       /* a journal failed after its commit: keep tmp for recovery */
	bool loaded;	       /* an appender was opened: see reading() */
	sl_buf journal;	       /* the open transaction's steps (files_store.h) */
	unsigned ntmp;	       /* temporary files made: the next one's number */
	unsigned ngen;	       /* generations made */
	unsigned njournal;     /* journals written */
	files_appender **apps; /* open appenders */
	size_t napps;
} files_conn;

struct files_appender {
	sl_dest_appender base;
	files_conn *conn;
	sl_dest_appender *inner; /* the DuckDB driver's, into the chunk table */
	char *table;
	char *prefix;  /* of its files' names: the load id, or the time it opened */
	char *select;  /* what COPY writes of the chunk table: "*", INTERVALs as text in Parquet */
	uint64_t rows; /* appended in the open transaction */
	unsigned seq;  /* the next file's number */
};

static int nomem(void)
{
	return sl_error_set(SL_ENOMEM, "out of memory");
}

/* ---- paths ----------------------------------------------------------------------------------- */

static char *buf_take(sl_buf *b)
{
	if (b->failed) {
		sl_buf_free(b);
		return NULL;
	}
	char *s = sl_buf_detach(b);
	return s ? s : sl_strdup("");
}

static bool is_scratch(const char *table)
{
	return strstr(table, SCRATCH_MARK) != NULL;
}

/* Where `table`'s link lives, relative to the dataset directory. */
static char *link_rel(const char *table)
{
	sl_buf b = SL_BUF_INIT;
	if (is_scratch(table))
		sl_buf_puts(&b, "_sluice/scratch/");
	fs_put_name(&b, table, true);
	return buf_take(&b);
}

static char *schema_rel(const char *table)
{
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "_sluice/schema/");
	fs_put_name(&b, table, true);
	sl_buf_puts(&b, ".parquet");
	return buf_take(&b);
}

/* A bookkeeping file: `kind`/name1.name2[.name3].json ('.' is escaped inside each name). */
static char *record_rel(const char *kind, const char *a, const char *b, const char *c)
{
	sl_buf s = SL_BUF_INIT;
	sl_buf_printf(&s, "_sluice/%s/", kind);
	fs_put_name(&s, a, false);
	sl_buf_putc(&s, '.');
	fs_put_name(&s, b, false);
	if (c) {
		sl_buf_putc(&s, '.');
		fs_put_name(&s, c, false);
	}
	sl_buf_puts(&s, ".json");
	return buf_take(&s);
}

/* `rel` (relative to the dataset directory) as a path; NULL for NULL. */
static char *at(const files_conn *c, const char *rel)
{
	return rel ? sl_printf_alloc("%s/%s", c->dir, rel) : NULL;
}

/* The same, freeing `rel`. */
static char *at_own(const files_conn *c, char *rel)
{
	char *path = at(c, rel);
	free(rel);
	return path;
}

/* The generation `table`'s link points to, "_sluice/gen/<g>" (relative to the dataset
   directory), or NULL with *rc 0 when the table has none. */
static char *gen_rel(int *rc, const files_conn *c, const char *table)
{
	char *link = at_own(c, link_rel(table)), target[4096];
	*rc = SL_OK;
	ssize_t n = link ? readlink(link, target, sizeof(target) - 1) : -1;
	if (n < 0 && link && errno != ENOENT)
		*rc = sl_error_set(SL_EIO, "cannot read the link '%s': %s", link, strerror(errno));
	free(link);
	if (n < 0)
		return NULL;
	target[n] = '\0';
	const char *g = strrchr(target, '/');
	return sl_printf_alloc("_sluice/gen/%s", g ? g + 1 : target);
}

/* ---- the in-memory DuckDB -------------------------------------------------------------------- */

static int mem_run(files_conn *c, sl_buf *sql)
{
	int rc = sql->failed ? nomem() : MEM->exec(c->mem, sl_buf_cstr(sql), 0, NULL);
	sl_buf_free(sql);
	return rc;
}

/* `sql` with '%s' for the file's path, as a literal. */
static void put_path(sl_buf *b, const char *path)
{
	sl_buf_quote_literal(b, path);
}

/* The chunk table of `table`, made from its schema file if this connection has not yet. */
static int chunk_table(files_conn *c, const char *table)
{
	bool exists = false;
	int rc = MEM->table_exists(&exists, c->mem, c->chunks, table);
	if (rc || exists)
		return rc;
	char *schema = at_own(c, schema_rel(table));
	if (!schema)
		return nomem();
	if (!fs_exists(schema)) {
		free(schema);
		return SL_OK;
	}
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "CREATE TABLE ");
	sl_buf_quote_qualified(&b, c->chunks, table, '"');
	sl_buf_puts(&b, " AS SELECT * FROM read_parquet(");
	put_path(&b, schema);
	sl_buf_puts(&b, ")");
	free(schema);
	return mem_run(c, &b);
}

/* ---- transactions ---------------------------------------------------------------------------- */

/* A new temporary file's path relative to the dataset directory. */
static char *tmp_rel(files_conn *c, const char *ext)
{
	return sl_printf_alloc("%s/%u%s", c->tmp, c->ntmp++, ext);
}

static void step(files_conn *c, const char *op, const char *a, const char *b)
{
	sl_buf_printf(&c->journal, "%s %s%s%s\n", op, a, b ? "\t" : "", b ? b : "");
}

static int files_begin(sl_dest_conn *conn)
{
	files_conn *c = (files_conn *)conn;
	if (c->in_txn)
		return sl_error_set(SL_EINVAL, "files destination '%s': a transaction is open",
				    c->root);
	c->in_txn = true;
	sl_buf_reset(&c->journal);
	c->journal.failed = false;
	return SL_OK;
}

/* Leave the transaction; after a failure, its temporary files go. */
static void end_txn(files_conn *c, bool failed)
{
	if (c->mem_txn)
		MEM->rollback(c->mem); /* frees the chunk: it is in files now, or it is dropped */
	c->mem_txn = false;
	for (size_t i = 0; i < c->napps; i++)
		c->apps[i]->rows = 0;
	if (failed && !c->stuck) {
		char *tmp = at(c, c->tmp);
		if (tmp && fs_remove(tmp) == SL_OK)
			mkdir(tmp, 0777);
		free(tmp);
	}
	sl_buf_reset(&c->journal);
	c->in_txn = false;
}

/* The rows `a` appended in the transaction into a temporary file of the table's generation,
   and the step that renames it in. */
static int write_chunk(files_appender *a)
{
	files_conn *c = a->conn;
	int rc = MEM->appender_flush(a->inner);
	char *gen = rc ? NULL : gen_rel(&rc, c, a->table), *rel = NULL, *path = NULL;
	if (!rc && !gen)
		rc = sl_error_set(SL_ENOTFOUND, "files destination '%s': table %s has no directory",
				  c->dir, a->table);
	while (!rc && !path) {
		free(rel);
		rel = sl_printf_alloc("%s/%s.%06u%s", gen, a->prefix, a->seq++, c->ext);
		path = at(c, rel);
		if (!rel || !path)
			rc = nomem();
		else if (fs_exists(path)) /* a name is never reused: a reader may hold it */
			free(path), path = NULL;
	}
	free(path);
	char *tmp = rc ? NULL : tmp_rel(c, c->ext), *tmp_path = at(c, tmp);
	if (!rc && !tmp_path)
		rc = nomem();
	if (!rc) {
		sl_buf b = SL_BUF_INIT;
		sl_buf_printf(&b, "COPY (SELECT %s FROM ", a->select);
		sl_buf_quote_qualified(&b, c->chunks, a->table, '"');
		sl_buf_puts(&b, ") TO ");
		put_path(&b, tmp_path);
		sl_buf_printf(&b, " (%s", c->format->copy);
		if (c->compression)
			sl_buf_printf(&b, ", COMPRESSION %s", c->compression);
		sl_buf_puts(&b, ")");
		rc = mem_run(c, &b);
	}
	if (!rc)
		rc = fs_fsync(tmp_path);
	if (!rc)
		step(c, "R", tmp, rel);
	free(tmp);
	free(tmp_path);
	free(rel);
	free(gen);
	return rc ? sl_error_wrap("cannot write a chunk of %s", a->base.name) : SL_OK;
}

static int files_commit(sl_dest_conn *conn)
{
	files_conn *c = (files_conn *)conn;
	if (!c->in_txn)
		return sl_error_set(SL_EINVAL, "files destination '%s': no transaction", c->root);
	int rc = SL_OK;
	for (size_t i = 0; !rc && i < c->napps; i++)
		if (c->apps[i]->rows)
			rc = write_chunk(c->apps[i]);
	if (!rc && c->journal.failed)
		rc = nomem();
	if (!rc && c->journal.len) {
		char name[64];
		snprintf(name, sizeof(name), "%s.%u.journal", c->id, c->njournal++);
		bool committed = false;
		rc = fs_journal_commit(&committed, c->dir, name, sl_buf_cstr(&c->journal));
		c->stuck = rc && committed;
	}
	end_txn(c, rc != 0);
	return rc ? sl_error_wrap("cannot commit") : SL_OK;
}

static int files_rollback(sl_dest_conn *conn)
{
	end_txn((files_conn *)conn, true);
	return SL_OK;
}

/* A change made outside a transaction commits by itself. */
static int auto_begin(files_conn *c, bool *mine)
{
	*mine = !c->in_txn;
	return *mine ? files_begin(&c->base) : SL_OK;
}

static int auto_end(files_conn *c, bool mine, int rc)
{
	if (!mine)
		return rc;
	if (rc) {
		files_rollback(&c->base);
		return rc;
	}
	return files_commit(&c->base);
}

/* Write `text` into a new temporary file that the transaction renames to `rel`. */
static int stage_file(files_conn *c, const char *rel, const sl_buf *text)
{
	bool mine;
	int rc = auto_begin(c, &mine);
	char *tmp = rc ? NULL : tmp_rel(c, ".json"), *path = at(c, tmp);
	if (!rc && (!path || !rel || text->failed))
		rc = nomem();
	if (!rc)
		rc = fs_write_file(path, sl_buf_cstr(text), text->len);
	if (!rc)
		step(c, "R", tmp, rel);
	free(tmp);
	free(path);
	return auto_end(c, mine, rc);
}

/* ---- connection ------------------------------------------------------------------------------ */

/* The directory: url.c's parse_dir makes it absolute (file:///abs) or relative (file://rel). */
static int url_dir(char **out, const sl_url *url)
{
	if (!url->database || !url->database[0])
		return sl_error_set(SL_EURL, "file:// needs a directory: file:///abs/dir or "
					     "file://relative/dir");
	*out = sl_strdup(url->database);
	return *out ? SL_OK : nomem();
}

static const char *const compressions[] = {"zstd", "snappy", "gzip", "none"};

static int read_options(files_conn *c, const sl_url *url)
{
	const char *format = sl_url_option_get(url, "format");
	for (size_t i = 0; i < SL_ARRAY_LEN(formats) && !c->format; i++)
		if (!format || strcmp(format, formats[i].name) == 0)
			c->format = &formats[i];
	if (!c->format)
		return sl_error_set(SL_EURL, "file:// format '%s' is unknown (parquet, csv, jsonl)",
				    format);
	const char *comp = sl_url_option_get(url, "compression");
	if (!comp)
		comp = c->format->compression;
	size_t k = 0;
	while (k < SL_ARRAY_LEN(compressions) && strcmp(comp, compressions[k]) != 0)
		k++;
	bool parquet = c->format == &formats[0];
	if (k == SL_ARRAY_LEN(compressions) || (!parquet && k == 1))
		return sl_error_set(SL_EURL, "file:// compression '%s' is unknown for %s (%s)",
				    comp, c->format->name,
				    parquet ? "zstd, snappy, gzip, none" : "gzip, zstd, none");
	for (size_t i = 0; i < url->noptions; i++)
		if (strcmp(url->options[i].key, "format") != 0 &&
		    strcmp(url->options[i].key, "compression") != 0)
			return sl_error_set(SL_EURL,
					    "file:// option '%s' is unknown (format, compression)",
					    url->options[i].key);
	const char *suffix = parquet || k == 3 ? "" : k == 2 ? ".gz" : ".zst";
	c->compression = k == 3 ? (parquet ? sl_strdup("uncompressed") : NULL) : sl_strdup(comp);
	c->ext = sl_printf_alloc("%s%s", c->format->ext, suffix);
	return c->ext && (k == 3 && !parquet ? true : c->compression != NULL) ? SL_OK : nomem();
}

static void files_close(sl_dest_conn *conn)
{
	files_conn *c = (files_conn *)conn;
	if (!c)
		return;
	if (c->in_txn)
		end_txn(c, true);
	if (c->dir && c->tmp && !c->stuck) {
		char *tmp = at(c, c->tmp);
		if (tmp)
			fs_remove(tmp);
		free(tmp);
	}
	if (c->mem)
		MEM->close(c->mem);
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	sl_buf_free(&c->journal);
	free(c->apps);
	free(c->root);
	free(c->compression);
	free(c->ext);
	free(c->dataset);
	free(c->dir);
	free(c->chunks);
	free(c->id);
	free(c->tmp);
	free(c);
}

static int files_open(sl_dest_conn **out, const sl_url *url, const sl_dest_options *options)
{
	*out = NULL;
	if (url->kind != SL_URL_FILE)
		return sl_error_set(SL_EINVAL, "the files destination cannot open a %s:// URL",
				    url->scheme ? url->scheme : "non-file");
	files_conn *c = sl_calloc(1, sizeof(*c));
	if (!c)
		return SL_ENOMEM;
	c->base.driver = &sl_files_destination;
	c->lock_fd = -1;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	c->id = sl_printf_alloc("%ld.%llx%04x", (long)getpid(),
				(unsigned long long)ts.tv_sec * 1000000000ULL +
					(unsigned long long)ts.tv_nsec,
				(unsigned)((uintptr_t)c >> 4 & 0xffff));
	int rc = c->id ? url_dir(&c->root, url) : SL_ENOMEM;
	if (!rc)
		rc = read_options(c, url);
	sl_url mem = {.kind = SL_URL_DUCKDB, .scheme = "duckdb"};
	if (!rc)
		rc = MEM->open(&c->mem, &mem, options);
	if (!rc && MEM->exec(c->mem, "SET TimeZone = 'UTC'", 0, NULL) != SL_OK)
		sl_error_clear(); /* without ICU, TIMESTAMPTZ is written in UTC anyway */
	if (rc) {
		files_close(&c->base);
		return rc;
	}
	*out = &c->base;
	return SL_OK;
}

/* The file:// URL of an absolute directory, with the given URL's options. */
static char *files_absolute_url(const sl_url *url, const char *given)
{
	char *dir = NULL, cwd[4096];
	if (url_dir(&dir, url)) {
		sl_error_clear();
		return sl_strdup(given);
	}
	const char *query = strchr(given, '?');
	char *out = dir[0] == '/' || !getcwd(cwd, sizeof(cwd))
			    ? sl_printf_alloc("file://%s%s", dir, query ? query : "")
			    : sl_printf_alloc("file://%s/%s%s", cwd, dir, query ? query : "");
	free(dir);
	return out;
}

/* ---- the dataset ----------------------------------------------------------------------------- */

static const char *const subdirs[] = {"state", "loads", "schema", "gen", "scratch", "tmp", "txn"};

/* Whether `dir`/`name` is a sluice dataset (has _sluice/). */
static bool is_dataset(const char *dir, const char *name)
{
	char *mark = sl_printf_alloc("%s/%s/_sluice", dir, name);
	bool yes = mark && fs_exists(mark);
	free(mark);
	return yes;
}

/*
 * A directory that holds files and no sluice dataset is someone else's, refused: the root
 * unless it is empty or holds a dataset, the dataset's unless it is empty or one.
 */
static int check_dirs(const files_conn *c)
{
	char **names;
	size_t n;
	int rc = fs_names(&names, &n, c->root, "");
	bool ours = n == 0;
	for (size_t i = 0; !rc && i < n && !ours; i++)
		ours = is_dataset(c->root, names[i]);
	fs_names_free(names, n);
	if (rc)
		return rc;
	if (!ours)
		return sl_error_set(SL_EDEST,
				    "directory '%s' is not empty and holds no sluice dataset: "
				    "choose a new or empty directory",
				    c->root);
	names = NULL, n = 0;
	rc = fs_names(&names, &n, c->dir, "");
	bool foreign = !rc && n && !is_dataset(c->dir, ".");
	fs_names_free(names, n);
	if (foreign)
		rc = sl_error_set(SL_EDEST,
				  "directory '%s' is not empty and not a sluice dataset (no "
				  "_sluice/): choose a new or empty directory",
				  c->dir);
	return rc;
}

/* Hold the dataset's lock shared while connected; whoever gets it alone first finishes what
   every crashed process left, others what gone processes left (fs_recover). */
static int lock_and_recover(files_conn *c)
{
	char *path = sl_printf_alloc("%s/_sluice/lock", c->dir);
	if (!path)
		return nomem();
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	c->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	int rc = c->lock_fd < 0
			 ? sl_error_set(SL_EIO, "cannot open '%s': %s", path, strerror(errno))
			 : SL_OK;
	free(path);
	if (rc)
		return rc;
	bool alone = flock(c->lock_fd, LOCK_EX | LOCK_NB) == 0;
	rc = fs_recover(c->dir, alone);
	if (!rc && flock(c->lock_fd, LOCK_SH) != 0)
		rc = sl_error_set(SL_EIO, "cannot lock '%s/_sluice/lock': %s", c->dir,
				  strerror(errno));
	return rc;
}

static int make_dirs(files_conn *c)
{
	int rc = check_dirs(c);
	for (size_t i = 0; !rc && i < SL_ARRAY_LEN(subdirs); i++) {
		char *p = sl_printf_alloc("%s/_sluice/%s", c->dir, subdirs[i]);
		rc = p ? fs_mkdirs(p) : nomem();
		free(p);
	}
	if (!rc)
		rc = lock_and_recover(c);
	char *tmp = rc ? NULL : at(c, c->tmp);
	if (!rc)
		rc = tmp ? fs_mkdirs(tmp) : nomem();
	free(tmp);
	return rc;
}

static int files_ensure_dataset(sl_dest_conn *conn, const char *dataset)
{
	files_conn *c = (files_conn *)conn;
	/* a parallel run's other connections begin before their first method names the dataset */
	if (c->journal.len || c->mem_txn)
		return sl_error_set(SL_EINVAL,
				    "files destination: another dataset in a transaction");
	if (!c->dataset || strcmp(c->dataset, dataset) != 0) {
		free(c->dataset), free(c->dir), free(c->chunks), free(c->tmp);
		sl_buf b = SL_BUF_INIT;
		sl_buf_printf(&b, "%s/", c->root);
		fs_put_name(&b, dataset, true);
		c->dataset = sl_strdup(dataset);
		c->dir = buf_take(&b);
		c->chunks = sl_printf_alloc("%s" SCRATCH_MARK "chunks", dataset);
		c->tmp = sl_printf_alloc("_sluice/tmp/%s", c->id);
		if (!c->dataset || !c->dir || !c->chunks || !c->tmp)
			return nomem();
	}
	int rc = make_dirs(c);
	if (!rc)
		rc = MEM->ensure_dataset(c->mem, dataset);
	if (!rc)
		rc = MEM->ensure_dataset(c->mem, c->chunks);
	return rc ? sl_error_wrap("files destination '%s'", c->root) : SL_OK;
}

/* Any method's dataset is the one ensure_dataset opened (or it opens it now). */
static int use(files_conn *c, const char *dataset)
{
	if (c->dataset && strcmp(c->dataset, dataset) == 0)
		return SL_OK;
	return files_ensure_dataset(&c->base, dataset);
}

/* ---- bookkeeping: JSON files, read back into the in-memory tables ---------------------------- */

static void put_json(sl_buf *b, const char *key, const char *s, bool first)
{
	sl_buf_printf(b, "%s\"%s\":", first ? "{" : ",", key);
	if (!s) {
		sl_buf_puts(b, "null");
		return;
	}
	sl_buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			sl_buf_printf(b, "\\%c", *p);
		else if (*p < 0x20)
			sl_buf_printf(b, "\\u%04x", *p);
		else
			sl_buf_putc(b, (char)*p);
	}
	sl_buf_putc(b, '"');
}

static void put_json_int(sl_buf *b, const char *key, int64_t v)
{
	if (v < 0)
		sl_buf_printf(b, ",\"%s\":null", key);
	else
		sl_buf_printf(b, ",\"%s\":%" PRId64, key, v);
}

static int files_write_state(sl_dest_conn *conn, const char *dataset, const sl_state_record *s)
{
	files_conn *c = (files_conn *)conn;
	int rc = use(c, dataset);
	if (rc)
		return rc;
	sl_buf b = SL_BUF_INIT;
	put_json(&b, "pipeline_name", s->pipeline, true);
	put_json(&b, "table_name", s->table, false);
	put_json(&b, "state", s->state, false);
	sl_buf_printf(&b, ",\"version\":%" PRId64, s->version);
	put_json(&b, "updated_at", s->updated_at, false);
	sl_buf_puts(&b, "}\n");
	char *rel = record_rel("state", s->pipeline, s->table, NULL);
	rc = stage_file(c, rel, &b);
	free(rel);
	sl_buf_free(&b);
	return rc;
}

static int files_write_load(sl_dest_conn *conn, const char *dataset, const sl_load_record *l)
{
	files_conn *c = (files_conn *)conn;
	int rc = use(c, dataset);
	if (rc)
		return rc;
	sl_buf b = SL_BUF_INIT;
	put_json(&b, "load_id", l->load_id, true);
	put_json(&b, "pipeline_name", l->pipeline, false);
	put_json(&b, "table_name", l->table, false);
	put_json_int(&b, "rows", l->rows);
	put_json_int(&b, "chunks", l->chunks);
	put_json(&b, "started_at", l->started, false);
	put_json(&b, "finished_at", l->finished, false);
	put_json(&b, "status", l->status, false);
	put_json(&b, "schema_changes", l->schema_changes, false);
	sl_buf_puts(&b, "}\n");
	char *rel = record_rel("loads", l->load_id, l->pipeline, l->table);
	rc = stage_file(c, rel, &b);
	free(rel);
	sl_buf_free(&b);
	return rc;
}

static int files_delete_states(sl_dest_conn *conn, const char *dataset, const char *pipeline,
			       const char *table)
{
	files_conn *c = (files_conn *)conn;
	bool mine;
	int rc = use(c, dataset);
	if (!rc)
		rc = auto_begin(c, &mine);
	if (rc)
		return rc;
	sl_buf prefix = SL_BUF_INIT;
	fs_put_name(&prefix, pipeline, false);
	sl_buf_putc(&prefix, '.');
	if (table) {
		fs_put_name(&prefix, table, false);
		sl_buf_puts(&prefix, ".json");
	}
	char *dir = at(c, "_sluice/state"), **names = NULL;
	size_t n = 0;
	rc = dir && !prefix.failed ? fs_names(&names, &n, dir, ".json") : nomem();
	for (size_t i = 0; !rc && i < n; i++)
		if (strncmp(names[i], sl_buf_cstr(&prefix), prefix.len) == 0 &&
		    (!table || strlen(names[i]) == prefix.len)) {
			sl_buf rel = SL_BUF_INIT;
			sl_buf_printf(&rel, "_sluice/state/%s", names[i]);
			step(c, "D", sl_buf_cstr(&rel), NULL);
			sl_buf_free(&rel);
		}
	fs_names_free(names, n);
	free(dir);
	sl_buf_free(&prefix);
	return auto_end(c, mine, rc);
}

static const struct {
	const char *table, *dir, *select, *columns;
} records[] = {
	{SL_STATE_TABLE, "state",
	 "pipeline_name, table_name, state, version, CAST(updated_at AS TIMESTAMP)",
	 "{pipeline_name: 'VARCHAR', table_name: 'VARCHAR', state: 'VARCHAR', version: "
	 "'INTEGER', updated_at: 'VARCHAR'}"},
	{SL_LOADS_TABLE, "loads",
	 "load_id, pipeline_name, table_name, rows, chunks, CAST(started_at AS TIMESTAMP), "
	 "CAST(finished_at AS TIMESTAMP), status, schema_changes",
	 "{load_id: 'VARCHAR', pipeline_name: 'VARCHAR', table_name: 'VARCHAR', rows: 'BIGINT', "
	 "chunks: 'BIGINT', started_at: 'VARCHAR', finished_at: 'VARCHAR', status: 'VARCHAR', "
	 "schema_changes: 'VARCHAR'}"},
};

/* Fill the in-memory bookkeeping table records[i] afresh from its files (other connections,
   other processes write them). */
static int reload(files_conn *c, size_t i)
{
	char *dir = at_own(c, sl_printf_alloc("_sluice/%s", records[i].dir)), **names = NULL;
	size_t n = 0;
	int rc = dir ? fs_names(&names, &n, dir, ".json") : nomem();
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "DELETE FROM ");
	sl_buf_quote_qualified(&b, c->dataset, records[i].table, '"');
	if (!rc && n) {
		sl_buf_puts(&b, "; INSERT INTO ");
		sl_buf_quote_qualified(&b, c->dataset, records[i].table, '"');
		sl_buf_printf(&b, " SELECT %s FROM read_json([", records[i].select);
		for (size_t k = 0; k < n; k++) {
			char *path = sl_printf_alloc("%s/%s", dir, names[k]);
			sl_buf_puts(&b, k ? ", " : "");
			sl_buf_quote_literal(&b, path ? path : "");
			b.failed = b.failed || !path;
			free(path);
		}
		sl_buf_printf(&b, "], format = 'newline_delimited', columns = %s)",
			      records[i].columns);
	}
	if (!rc)
		rc = mem_run(c, &b);
	else
		sl_buf_free(&b);
	fs_names_free(names, n);
	free(dir);
	return rc ? sl_error_wrap("cannot read the %s records of '%s'", records[i].dir, c->dir)
		  : SL_OK;
}

static int files_read_states(sl_dest_conn *conn, const char *dataset, const char *pipeline,
			     const char *table, sl_state_visitor visit, void *ctx)
{
	files_conn *c = (files_conn *)conn;
	int rc = use(c, dataset);
	rc = rc ? rc : reload(c, 0);
	return rc ? rc : MEM->read_states(c->mem, dataset, pipeline, table, visit, ctx);
}

static int files_read_loads(sl_dest_conn *conn, const char *dataset, const sl_load_filter *f,
			    sl_load_visitor visit, void *ctx)
{
	files_conn *c = (files_conn *)conn;
	int rc = use(c, dataset);
	rc = rc ? rc : reload(c, 1);
	return rc ? rc : MEM->read_loads(c->mem, dataset, f, visit, ctx);
}

static int files_recorded_tables(sl_dest_conn *conn, const char *dataset, const char *pipeline,
				 sl_name_visitor visit, void *ctx)
{
	files_conn *c = (files_conn *)conn;
	int rc = use(c, dataset);
	rc = rc ? rc : reload(c, 0);
	rc = rc ? rc : reload(c, 1);
	return rc ? rc : MEM->recorded_tables(c->mem, dataset, pipeline, visit, ctx);
}

/* ---- tables ---------------------------------------------------------------------------------- */

/* The table's columns into its schema file, durably, from its chunk table. */
static int save_schema(files_conn *c, const char *table)
{
	char *tmp = tmp_rel(c, ".parquet"), *tmp_path = at(c, tmp);
	char *path = at_own(c, schema_rel(table));
	int rc = tmp_path && path ? SL_OK : nomem();
	if (!rc) {
		sl_buf b = SL_BUF_INIT;
		sl_buf_puts(&b, "COPY (SELECT * FROM ");
		sl_buf_quote_qualified(&b, c->chunks, table, '"');
		sl_buf_puts(&b, " LIMIT 0) TO ");
		put_path(&b, tmp_path);
		sl_buf_puts(&b, " (FORMAT parquet)");
		rc = mem_run(c, &b);
	}
	if (!rc)
		rc = fs_fsync(tmp_path);
	if (!rc && rename(tmp_path, path) != 0)
		rc = sl_error_set(SL_EIO, "cannot rename '%s': %s", tmp_path, strerror(errno));
	if (!rc)
		rc = fs_fsync_parent(path);
	free(tmp);
	free(tmp_path);
	free(path);
	return rc;
}

/* A new generation directory and the link of `table` to it, made atomically (a symlink renamed
   into place), unless the table has its link. */
static int ensure_link(files_conn *c, const char *table)
{
	char *link = at_own(c, link_rel(table));
	struct stat st;
	if (!link)
		return nomem();
	if (lstat(link, &st) == 0) {
		int rc = S_ISLNK(st.st_mode) ? SL_OK
					     : sl_error_set(SL_EDEST,
							    "'%s' is in the way of table %s: it is "
							    "not a link sluice made",
							    link, table);
		free(link);
		return rc;
	}
	char *g = sl_printf_alloc("%s.%u", c->id, c->ngen++);
	char *gen = g ? sl_printf_alloc("%s/_sluice/gen/%s", c->dir, g) : NULL;
	char *target = g ? sl_printf_alloc("%s_sluice/gen/%s", is_scratch(table) ? "../../" : "", g)
			 : NULL;
	char *tmp = at_own(c, tmp_rel(c, ".link"));
	int rc = gen && target && tmp ? fs_mkdirs(gen) : nomem();
	if (!rc && symlink(target, tmp) != 0)
		rc = sl_error_set(SL_EIO, "cannot create the link '%s': %s", tmp, strerror(errno));
	if (!rc && rename(tmp, link) != 0)
		rc = sl_error_set(SL_EIO, "cannot rename '%s': %s", tmp, strerror(errno));
	if (!rc)
		rc = fs_fsync_parent(link);
	free(g);
	free(gen);
	free(target);
	free(tmp);
	free(link);
	return rc;
}

/* A table's columns change outside the in-memory transaction, which drops the chunk. */
static int check_no_rows(files_conn *c, const char *what)
{
	return c->mem_txn
		       ? sl_error_set(SL_EINVAL,
				      "files destination: cannot %s while rows are pending", what)
		       : SL_OK;
}

static int files_ensure_table(sl_dest_conn *conn, const char *dataset, const char *table,
			      const sl_table_schema *schema, bool with_load_id)
{
	files_conn *c = (files_conn *)conn;
	int rc = use(c, dataset);
	rc = rc ? rc : check_no_rows(c, "change a table");
	rc = rc ? rc : sl_sql_check_schema(c->mem, dataset, table, schema);
	rc = rc ? rc : chunk_table(c, table);
	rc = rc ? rc : MEM->ensure_table(c->mem, c->chunks, table, schema, with_load_id);
	rc = rc ? rc : save_schema(c, table);
	rc = rc ? rc : ensure_link(c, table);
	return rc ? sl_error_wrap("files destination '%s', table %s", c->dir, table) : SL_OK;
}

static int files_table_exists(bool *out, sl_dest_conn *conn, const char *dataset, const char *table)
{
	files_conn *c = (files_conn *)conn;
	*out = false;
	int rc = use(c, dataset);
	char *schema = rc ? NULL : at_own(c, schema_rel(table));
	if (!rc && !schema)
		return nomem();
	*out = schema && fs_exists(schema);
	free(schema);
	return rc;
}

static int files_describe_table(sl_table_schema **out, sl_dest_conn *conn, const char *dataset,
				const char *table)
{
	files_conn *c = (files_conn *)conn;
	*out = NULL;
	int rc = use(c, dataset);
	rc = rc ? rc : chunk_table(c, table);
	rc = rc ? rc : MEM->describe_table(out, c->mem, c->chunks, table);
	if (!rc && *out) {
		char *name = sl_strdup(dataset);
		if (!name) {
			sl_schema_free(*out);
			*out = NULL;
			return nomem();
		}
		free((*out)->database);
		(*out)->database = name;
	}
	return rc;
}

static int files_widen_column(sl_dest_conn *conn, const char *dataset, const char *table,
			      const sl_column *col)
{
	files_conn *c = (files_conn *)conn;
	int rc = use(c, dataset);
	rc = rc ? rc : check_no_rows(c, "change a table");
	rc = rc ? rc : chunk_table(c, table);
	rc = rc ? rc : MEM->widen_column(c->mem, c->chunks, table, col);
	return rc ? rc : save_schema(c, table);
}

static int files_drop_not_null(sl_dest_conn *conn, const char *dataset, const char *table,
			       const char *column)
{
	files_conn *c = (files_conn *)conn;
	int rc = use(c, dataset);
	rc = rc ? rc : check_no_rows(c, "change a table");
	rc = rc ? rc : chunk_table(c, table);
	rc = rc ? rc : MEM->drop_not_null(c->mem, c->chunks, table, column);
	return rc ? rc : save_schema(c, table);
}

/* The in-memory chunk table goes: it is made again from the schema file when needed. */
static int forget_chunk_table(files_conn *c, const char *table)
{
	return MEM->drop_table(c->mem, c->chunks, table);
}

static int files_drop_table(sl_dest_conn *conn, const char *dataset, const char *table)
{
	files_conn *c = (files_conn *)conn;
	bool mine;
	int rc = use(c, dataset);
	rc = rc ? rc : check_no_rows(c, "drop a table");
	rc = rc ? rc : auto_begin(c, &mine);
	if (rc)
		return rc;
	char *gen = gen_rel(&rc, c, table), *link = link_rel(table), *schema = schema_rel(table);
	if (!rc && (!link || !schema))
		rc = nomem();
	if (!rc) {
		step(c, "D", link, NULL);
		step(c, "D", schema, NULL);
		if (gen)
			step(c, "D", gen, NULL);
		rc = forget_chunk_table(c, table);
	}
	free(gen);
	free(link);
	free(schema);
	return auto_end(c, mine, rc);
}

/*
 * `staging`'s generation becomes `table`'s in one rename of a new link over the table's (a
 * reader's glob sees the old files or the new, never a mix), its schema file goes with it, and
 * the old generation is removed.
 */
static int files_swap_table(sl_dest_conn *conn, const char *dataset, const char *staging,
			    const char *table)
{
	files_conn *c = (files_conn *)conn;
	bool mine;
	int rc = use(c, dataset);
	rc = rc ? rc : check_no_rows(c, "swap a table");
	rc = rc ? rc : auto_begin(c, &mine);
	if (rc)
		return rc;
	char *new_gen = gen_rel(&rc, c, staging), *old_gen = rc ? NULL : gen_rel(&rc, c, table);
	char *tmp = tmp_rel(c, ".link"), *tmp_path = at(c, tmp);
	char *link = link_rel(table), *staging_link = link_rel(staging);
	char *schema = schema_rel(table), *staging_schema = schema_rel(staging);
	if (!rc && !new_gen)
		rc = sl_error_set(SL_ENOTFOUND, "files destination '%s': no table %s", c->dir,
				  staging);
	if (!rc && !(tmp_path && link && staging_link && schema && staging_schema))
		rc = nomem();
	if (!rc && symlink(new_gen, tmp_path) != 0)
		rc = sl_error_set(SL_EIO, "cannot create the link '%s': %s", tmp_path,
				  strerror(errno));
	if (!rc) {
		step(c, "R", tmp, link);
		step(c, "R", staging_schema, schema);
		step(c, "D", staging_link, NULL);
		if (old_gen)
			step(c, "D", old_gen, NULL);
	}
	if (!rc)
		rc = forget_chunk_table(c, table);
	if (!rc)
		rc = forget_chunk_table(c, staging);
	free(new_gen), free(old_gen), free(tmp), free(tmp_path);
	free(link), free(staging_link), free(schema), free(staging_schema);
	return auto_end(c, mine, rc);
}

/* ---- reading back: each table a view over its files ------------------------------------------ */

/* A column of a chunk table (or of what a reader finds in files): its name and DuckDB type. */
typedef struct mem_column {
	char *name;
	char *type;
} mem_column;

static void free_columns(mem_column *cols, size_t n)
{
	for (size_t i = 0; cols && i < n; i++) {
		free(cols[i].name);
		free(cols[i].type);
	}
	free(cols);
}

/* The name and type columns of `sql`'s rows (with `nparams` parameters) as mem_columns. */
static int query_columns(mem_column **out, size_t *n, files_conn *c, const char *sql,
			 size_t nparams, const char *const *params)
{
	sl_rows *rows;
	*out = NULL;
	*n = 0;
	int rc = MEM->query(&rows, c->mem, sql, nparams, params);
	while (!rc && (rc = rows->ops->next(rows)) == 1) {
		rc = SL_OK;
		mem_column *grown = sl_realloc(*out, (*n + 1) * sizeof(**out));
		const char *name = rows->ops->get_text(rows, 0, NULL);
		const char *type = rows->ops->get_text(rows, 1, NULL);
		if (!grown) {
			rc = nomem();
			break;
		}
		*out = grown;
		grown[*n] = (mem_column){sl_strdup(name ? name : ""), sl_strdup(type ? type : "")};
		if (!grown[(*n)++].type || !grown[*n - 1].name)
			rc = nomem();
	}
	if (rows)
		rows->ops->free(rows);
	if (rc < 0) {
		free_columns(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc < 0 ? rc : SL_OK;
}

static int chunk_columns(mem_column **out, size_t *n, files_conn *c, const char *table)
{
	static const char sql[] =
		"SELECT column_name, data_type FROM duckdb_columns() "
		"WHERE schema_name = $1 AND table_name = $2 ORDER BY column_index";
	const char *params[] = {c->chunks, table};
	return query_columns(out, n, c, sql, 2, params);
}

static bool has_column(const mem_column *cols, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(cols[i].name, name) == 0)
			return true;
	return false;
}

static void put_file_list(sl_buf *b, const char *first, const char *dir, char **names, size_t n)
{
	sl_buf_putc(b, '[');
	if (first)
		sl_buf_quote_literal(b, first);
	for (size_t i = 0; i < n; i++) {
		char *path = sl_printf_alloc("%s/%s", dir, names[i]);
		sl_buf_puts(b, first || i ? ", " : "");
		sl_buf_quote_literal(b, path ? path : "");
		b->failed = b->failed || !path;
		free(path);
	}
	sl_buf_putc(b, ']');
}

/* The reader of `table`'s files (CSV and JSON lines as text, cast below); empty without files. */
static void put_reader(sl_buf *b, files_conn *c, const mem_column *cols, size_t ncols,
		       const char *dir, char **names, size_t n)
{
	if (n && c->format == &formats[0]) {
		sl_buf_puts(b, "read_parquet(");
		put_file_list(b, NULL, dir, names, n);
		sl_buf_puts(b, ", union_by_name = true)");
	} else if (n && c->format == &formats[1]) {
		sl_buf_puts(b, "read_csv(");
		put_file_list(b, NULL, dir, names, n);
		/* a quoted "" is an empty string: only an empty field is NULL */
		sl_buf_puts(b, ", header = true, union_by_name = true, all_varchar = true, "
			       "allow_quoted_nulls = false)");
	} else if (n) {
		sl_buf_puts(b, "read_json(");
		put_file_list(b, NULL, dir, names, n);
		sl_buf_puts(b, ", format = 'newline_delimited', columns = {");
		for (size_t i = 0; i < ncols; i++) {
			sl_buf_puts(b, i ? ", " : "");
			sl_buf_quote_literal(b, cols[i].name);
			sl_buf_puts(b, ": 'VARCHAR'");
		}
		sl_buf_puts(b, "})");
	}
}

/* The columns a reader finds: files written before a column was added lack it. */
static int reader_columns(mem_column **out, size_t *n, files_conn *c, const char *reader)
{
	char *sql = sl_printf_alloc("SELECT column_name, column_type FROM (DESCRIBE SELECT * "
				    "FROM %s)",
				    reader);
	int rc = sql ? query_columns(out, n, c, sql, 0, NULL) : nomem();
	free(sql);
	return rc;
}

/* CAST("name" AS type), or of NULL. */
static void put_cast(sl_buf *b, const char *name, const char *type)
{
	sl_buf_puts(b, "CAST(");
	if (name)
		sl_buf_quote_ident(b, name, '"');
	else
		sl_buf_puts(b, "NULL");
	sl_buf_printf(b, " AS %s)", type);
}

static bool is_interval(const char *type)
{
	return strncmp(type, "INTERVAL", 8) == 0;
}

/*
 * In Parquet an INTERVAL is a STRUCT of its months, days and microseconds, exact at every value:
 * Parquet's own INTERVAL holds neither negative values nor microseconds (DuckDB refuses to
 * write them), and DuckDB's text of an extreme interval does not parse back. A list of them is
 * a list of such structs.
 */
static void put_interval_parts(sl_buf *b, const char *v)
{
	sl_buf_printf(b,
		      "struct_pack(months := datepart('year', %s) * 12 + datepart('month', %s), "
		      "days := datepart('day', %s), micros := datepart('hour', %s) * 3600000000 "
		      "+ datepart('minute', %s) * 60000000 + datepart('microseconds', %s))",
		      v, v, v, v, v, v);
}

static void put_interval_of(sl_buf *b, const char *v)
{
	sl_buf_printf(b,
		      "to_months(CAST(struct_extract(%s, 'months') AS INTEGER)) + "
		      "to_days(CAST(struct_extract(%s, 'days') AS INTEGER)) + "
		      "to_microseconds(struct_extract(%s, 'micros'))",
		      v, v, v);
}

/* Column `name` of type `type` (an INTERVAL or a list of them) through `put` (one of the two
   above): the column itself, or each element of its list. */
static void put_interval(sl_buf *b, const char *name, const char *type,
			 void (*put)(sl_buf *, const char *))
{
	sl_buf ident = SL_BUF_INIT;
	sl_buf_quote_ident(&ident, name, '"');
	b->failed = b->failed || ident.failed;
	if (strstr(type, "[]")) {
		sl_buf_printf(b, "list_transform(%s, x -> ", sl_buf_cstr(&ident));
		put(b, "x");
		sl_buf_putc(b, ')');
	} else {
		put(b, sl_buf_cstr(&ident));
	}
	sl_buf_free(&ident);
}

/* The SELECT over `table`'s files, each column cast to its type in the table's schema (what
   the files hold as text: CSV, JSON lines, Parquet's INTERVAL). */
static int put_select(sl_buf *b, files_conn *c, const char *table, const char *dir, char **names,
		      size_t n)
{
	mem_column *cols = NULL, *found = NULL;
	size_t ncols = 0, nfound = 0;
	int rc = chunk_columns(&cols, &ncols, c, table);
	sl_buf reader = SL_BUF_INIT;
	if (!rc)
		put_reader(&reader, c, cols, ncols, dir, names, n);
	if (!rc && reader.failed)
		rc = nomem();
	if (!rc && reader.len && c->format != &formats[2])
		rc = reader_columns(&found, &nfound, c, sl_buf_cstr(&reader));
	sl_buf_puts(b, "SELECT ");
	for (size_t i = 0; !rc && i < ncols; i++) {
		bool there = reader.len && (!found || has_column(found, nfound, cols[i].name));
		sl_buf_puts(b, i ? ", " : "");
		if (there && c->format == &formats[0] && is_interval(cols[i].type))
			put_interval(b, cols[i].name, cols[i].type, put_interval_of);
		else
			put_cast(b, there ? cols[i].name : NULL, cols[i].type);
		sl_buf_puts(b, " AS ");
		sl_buf_quote_ident(b, cols[i].name, '"');
	}
	if (reader.len)
		sl_buf_printf(b, " FROM %s", sl_buf_cstr(&reader));
	else
		sl_buf_puts(b, " WHERE false");
	free_columns(cols, ncols);
	free_columns(found, nfound);
	sl_buf_free(&reader);
	return rc;
}

/* (Re)make the view "dataset"."table" over the files the table has now. */
static int refresh_view(files_conn *c, const char *table)
{
	int rc = chunk_table(c, table);
	char *gen = rc ? NULL : gen_rel(&rc, c, table), *dir = at(c, gen), **names = NULL;
	size_t n = 0;
	if (!rc && gen && !dir)
		rc = nomem();
	if (!rc && dir)
		rc = fs_names(&names, &n, dir, c->ext);
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "CREATE OR REPLACE VIEW ");
	sl_buf_quote_qualified(&b, c->dataset, table, '"');
	sl_buf_puts(&b, " AS ");
	if (!rc)
		rc = put_select(&b, c, table, dir, names, n);
	if (!rc)
		rc = mem_run(c, &b);
	else
		sl_buf_free(&b);
	fs_names_free(names, n);
	free(gen), free(dir);
	return rc ? sl_error_wrap("cannot read table %s of '%s'", table, c->dir) : SL_OK;
}

/* Every table's view (not sluice's own tables'), and the bookkeeping afresh. */
static int refresh_all(files_conn *c)
{
	char *dir = at(c, "_sluice/schema"), **names = NULL;
	size_t n = 0;
	int rc = dir ? fs_names(&names, &n, dir, ".parquet") : nomem();
	for (size_t i = 0; !rc && i < n; i++) {
		names[i][strlen(names[i]) - strlen(".parquet")] = '\0';
		char *table = fs_decode_name(names[i]);
		rc = !table ? nomem() : is_scratch(table) ? SL_OK : refresh_view(c, table);
		free(table);
	}
	fs_names_free(names, n);
	free(dir);
	rc = rc ? rc : reload(c, 0);
	return rc ? rc : reload(c, 1);
}

/*
 * Reading needs DuckDB's default memory (a CSV reader takes 32 MB buffers): leave the load
 * settings. DuckDB's RESET memory_limit puts the setting back but leaves its buffer pool at the
 * load's limit (seen with DuckDB 1.x: "could not allocate block ... (30.6 MiB/61.0 MiB used)"
 * with memory_limit showing 18.8 GiB), so the default is set again, explicitly.
 */
static void reading(files_conn *c)
{
	MEM->end_load(c->mem);
	if (!c->loaded || c->napps)
		return;
	c->loaded = false;
	sl_rows *rows;
	if (MEM->query(&rows, c->mem, "SELECT current_setting('memory_limit')", 0, NULL)) {
		sl_error_clear();
		return;
	}
	const char *limit = rows->ops->next(rows) == 1 ? rows->ops->get_text(rows, 0, NULL) : NULL;
	sl_buf b = SL_BUF_INIT;
	sl_buf_puts(&b, "SET memory_limit = ");
	sl_buf_quote_literal(&b, limit ? limit : "");
	if (limit && mem_run(c, &b))
		sl_error_clear();
	else if (!limit)
		sl_buf_free(&b);
	rows->ops->free(rows);
}

static int files_count_rows(int64_t *out, sl_dest_conn *conn, const char *dataset,
			    const char *table)
{
	files_conn *c = (files_conn *)conn;
	*out = 0;
	reading(c);
	int rc = use(c, dataset);
	rc = rc ? rc : refresh_view(c, table);
	return rc ? rc : MEM->count_rows(out, c->mem, dataset, table);
}

static int files_list_tables(sl_rows **out, sl_dest_conn *conn, const char *dataset)
{
	files_conn *c = (files_conn *)conn;
	*out = NULL;
	reading(c);
	int rc = use(c, dataset);
	rc = rc ? rc : refresh_all(c);
	return rc ? rc : MEM->list_tables(out, c->mem, dataset);
}

static int files_read_table(sl_rows **out, sl_dest_conn *conn, const char *dataset,
			    const char *table, uint64_t limit)
{
	files_conn *c = (files_conn *)conn;
	*out = NULL;
	reading(c);
	int rc = use(c, dataset);
	rc = rc ? rc : refresh_view(c, table);
	return rc ? rc : MEM->read_table(out, c->mem, dataset, table, limit);
}

static int files_use_dataset(sl_dest_conn *conn, const char *dataset)
{
	files_conn *c = (files_conn *)conn;
	reading(c);
	int rc = use(c, dataset);
	rc = rc ? rc : refresh_all(c);
	return rc ? rc : MEM->use_dataset(c->mem, dataset);
}

static int files_query(sl_rows **out, sl_dest_conn *conn, const char *sql, size_t nparams,
		       const char *const *params)
{
	return MEM->query(out, ((files_conn *)conn)->mem, sql, nparams, params);
}

/* ---- appends --------------------------------------------------------------------------------- */

static void files_appender_close(sl_dest_appender *appender)
{
	files_appender *a = (files_appender *)appender;
	if (!a)
		return;
	files_conn *c = a->conn;
	for (size_t i = 0; i < c->napps; i++)
		if (c->apps[i] == a) {
			c->apps[i] = c->apps[--c->napps];
			break;
		}
	if (a->inner)
		MEM->appender_close(a->inner);
	free(a->table);
	free(a->prefix);
	free(a->select);
	sl_dest_appender_clear(&a->base);
	free(a);
}

/* Whether a column of DuckDB type `type` goes into files of `format` as its text (see
   copy_select). */
static bool as_text(const files_format *format, const char *type)
{
	if (format == &formats[2])
		return strncmp(type, "DECIMAL", 7) == 0 || strncmp(type, "JSON", 4) == 0;
	return false;
}

/*
 * What COPY writes of `table`: every column, a few in another form which the reading view turns
 * back: in Parquet an INTERVAL as its parts (put_interval); in JSON lines a DECIMAL as its text
 * (a JSON number is a double to most readers) and a JSON value as its text (else it would be
 * re-serialised): as strings both keep every digit and byte.
 */
static int copy_select(char **out, files_conn *c, const char *table)
{
	mem_column *cols = NULL;
	size_t n = 0;
	int rc = chunk_columns(&cols, &n, c, table);
	sl_buf b = SL_BUF_INIT;
	sl_buf_putc(&b, '*');
	size_t k = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		if (c->format == &formats[0] && is_interval(cols[i].type)) {
			sl_buf_puts(&b, k++ ? ", " : " REPLACE (");
			put_interval(&b, cols[i].name, cols[i].type, put_interval_parts);
			sl_buf_puts(&b, " AS ");
			sl_buf_quote_ident(&b, cols[i].name, '"');
			continue;
		}
		if (!as_text(c->format, cols[i].type))
			continue;
		sl_buf_puts(&b, k++ ? ", CAST(" : " REPLACE (CAST(");
		sl_buf_quote_ident(&b, cols[i].name, '"');
		sl_buf_printf(&b, " AS %s) AS ",
			      strstr(cols[i].type, "[]") ? "VARCHAR[]" : "VARCHAR");
		sl_buf_quote_ident(&b, cols[i].name, '"');
	}
	if (k)
		sl_buf_putc(&b, ')');
	free_columns(cols, n);
	*out = rc ? NULL : buf_take(&b);
	if (rc)
		sl_buf_free(&b);
	return rc ? rc : *out ? SL_OK : nomem();
}

/* What a file's name starts with without a load id: the time, so that names sort by load. */
static char *time_prefix(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return sl_printf_alloc("%lld.%06ld", (long long)ts.tv_sec, ts.tv_nsec / 1000);
}

static int files_appender_open(sl_dest_appender **out, sl_dest_conn *conn, const char *dataset,
			       const char *table, const sl_table_schema *schema,
			       const char *load_id)
{
	files_conn *c = (files_conn *)conn;
	*out = NULL;
	int rc = use(c, dataset);
	rc = rc ? rc : chunk_table(c, table);
	if (rc)
		return rc;
	files_appender *a = sl_calloc(1, sizeof(*a));
	files_appender **apps = sl_realloc(c->apps, (c->napps + 1) * sizeof(*apps));
	if (!a || !apps) {
		free(a);
		return nomem();
	}
	c->apps = apps;
	c->apps[c->napps++] = a;
	c->loaded = true;
	a->conn = c;
	a->table = sl_strdup(table);
	a->prefix = load_id ? sl_strdup(load_id) : time_prefix();
	rc = a->table && a->prefix ? SL_OK : nomem();
	if (!rc)
		rc = sl_dest_appender_init(&a->base, &sl_files_destination, dataset, table, schema,
					   load_id);
	if (!rc)
		rc = copy_select(&a->select, c, table);
	if (!rc)
		rc = MEM->appender_open(&a->inner, c->mem, c->chunks, table, schema, load_id);
	if (rc) {
		files_appender_close(&a->base);
		return rc;
	}
	*out = &a->base;
	return SL_OK;
}

static int files_append(sl_dest_appender *appender, const sl_batch *batch)
{
	files_appender *a = (files_appender *)appender;
	files_conn *c = a->conn;
	if (!c->in_txn)
		return sl_error_set(SL_EINVAL,
				    "appending to %s: the files destination appends in a "
				    "transaction",
				    a->base.name);
	if (!c->mem_txn) {
		int rc = MEM->begin(c->mem);
		if (rc)
			return rc;
		c->mem_txn = true;
	}
	int rc = MEM->append(a->inner, batch);
	if (!rc)
		a->rows += batch->nrows;
	return rc;
}

static int files_appender_flush(sl_dest_appender *appender)
{
	files_appender *a = (files_appender *)appender;
	return MEM->appender_flush(a->inner);
}

static void files_end_load(sl_dest_conn *conn)
{
	MEM->end_load(((files_conn *)conn)->mem);
}

const sl_destination_driver sl_files_destination = {
	.head = {SL_DESTINATION_DRIVER_VERSION, "files", (const char *const[]){"file", NULL}},
	.open = files_open,
	.close = files_close,
	.absolute_url = files_absolute_url,
	.ensure_dataset = files_ensure_dataset,
	.read_states = files_read_states,
	.write_state = files_write_state,
	.delete_states = files_delete_states,
	.write_load = files_write_load,
	.read_loads = files_read_loads,
	.recorded_tables = files_recorded_tables,
	.ensure_table = files_ensure_table,
	.table_exists = files_table_exists,
	.describe_table = files_describe_table,
	.widen_column = files_widen_column,
	.drop_not_null = files_drop_not_null,
	.drop_table = files_drop_table,
	.swap_table = files_swap_table,
	.count_rows = files_count_rows,
	.begin = files_begin,
	.commit = files_commit,
	.rollback = files_rollback,
	.appender_open = files_appender_open,
	.append = files_append,
	.appender_flush = files_appender_flush,
	.appender_close = files_appender_close,
	.end_load = files_end_load,
	.list_tables = files_list_tables,
	.read_table = files_read_table,
	.use_dataset = files_use_dataset,
	.query = files_query,
};
