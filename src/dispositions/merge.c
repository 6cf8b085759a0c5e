/*
 * merge.c — the `merge` write disposition (dlt's merge with a primary key): each chunk's rows go
 * into a staging table, and before the chunk commits, in its transaction and with the state that
 * covers it, they replace the destination rows of their keys (destination_driver.merge). A kill
 * at any instant leaves the destination as of the last committed chunk.
 *
 * Within a chunk a key may come twice (a row updated between two of the chunk's queries, or read
 * again under lag): the row last in cursor order wins. A row flagged by hard_delete_column
 * deletes its key's row instead.
 *
 * A merge_key (dlt's) replaces every destination row whose values there equal a loaded row's,
 * whole partitions (a day, a customer) at a time, but the rows this load inserted: a partition
 * that spans several chunks keeps its first chunks' rows. That needs every run to read whole
 * partitions, so it goes without a cursor (a cursor run re-reads only part of the partition at
 * its last value, and would cut it back to that part), and the load id column.
 */
#include "../disposition.h"
#include "../incremental.h"

#include <stdlib.h>
#include <string.h>

#define STAGING_SUFFIX "__sluice_merge"

/*
 * The keys of the open chunk, as 64-bit hashes in an open-addressing set. A key comes twice in a
 * chunk only when a row changed between two of its queries or was read again under lag; then
 * the chunk's merge picks each key's latest row with a window, which costs DuckDB a copy of the
 * chunk (measured: a quarter of a merge backfill). Without repeats the rows go in as they are.
 * A hash that collides only costs that window. Past MAX_TRACKED keys a chunk is taken to repeat.
 */
#define MAX_TRACKED (1u << 22)

typedef struct chunk_keys {
	uint64_t *slots; /* 0: empty */
	size_t cap;	 /* a power of two */
	size_t n;
	bool repeats;
} chunk_keys;

static bool keys_grow(chunk_keys *k)
{
	size_t cap = k->cap ? 2 * k->cap : 4096;
	uint64_t *slots = sl_calloc(cap, sizeof(*slots));
	if (!slots)
		return false;
	for (size_t i = 0; i < k->cap; i++) {
		size_t j = (size_t)k->slots[i] & (cap - 1);
		while (k->slots[i] && slots[j])
			j = (j + 1) & (cap - 1);
		slots[j] = k->slots[i];
	}
	free(k->slots);
	k->slots = slots;
	k->cap = cap;
	return true;
}

/* Add a key's hash; note when it was there. */
static int keys_add(chunk_keys *k, uint64_t h)
{
	if (2 * (k->n + 1) > k->cap && (k->n >= MAX_TRACKED || !keys_grow(k))) {
		k->repeats = true; /* too many to track (or no memory): dedup this chunk */
		return SL_OK;
	}
	h = h ? h : 1;
	size_t j = (size_t)h & (k->cap - 1);
	while (k->slots[j] && k->slots[j] != h)
		j = (j + 1) & (k->cap - 1);
	if (k->slots[j])
		k->repeats = true;
	else
		k->slots[j] = h, k->n++;
	return SL_OK;
}

static int merge_appending(sl_load_table *t, const sl_batch *batch)
{
	chunk_keys *k = t->own;
	const sl_table_schema *s = t->schema;
	for (size_t r = 0; s->npk && !k->repeats && r < batch->nrows; r++)
		keys_add(k, sl_row_hash(batch, r, s->pk, s->npk));
	return SL_OK;
}

static void keys_clear(chunk_keys *k)
{
	if (k->slots)
		memset(k->slots, 0, k->cap * sizeof(*k->slots));
	k->n = 0;
	k->repeats = false;
}

static void merge_release(sl_load_table *t)
{
	chunk_keys *k = t->own;
	if (k)
		free(k->slots);
	free(k);
	t->own = NULL;
}

/* The indexes of the comma-separated `names` in `schema` (caller frees). SL_ENOTFOUND names a
   missing column and the hint it came from. */
static int find_columns(size_t **out, size_t *n, const sl_table_schema *schema, const char *names,
			const char *hint)
{
	*out = NULL;
	*n = 0;
	size_t cap = 1;
	for (const char *c = names; *c; c++)
		cap += *c == ',';
	size_t *cols = sl_calloc(cap, sizeof(*cols));
	if (!cols)
		return SL_ENOMEM;
	for (const char *s = names; *s;) {
		size_t len = strcspn(s, ",");
		char *name = sl_strndup(s, len);
		int i = name ? sl_schema_find(schema, name) : -1;
		int rc = !name	 ? SL_ENOMEM
			 : i < 0 ? sl_error_set(SL_ENOTFOUND,
						"%s column '%s' not found in table '%s'", hint,
						name, schema->name)
				 : SL_OK;
		free(name);
		if (rc) {
			free(cols);
			return rc;
		}
		cols[(*n)++] = (size_t)i;
		s += len + (s[len] == ',');
	}
	*out = cols;
	return SL_OK;
}

static int merge_check(const sl_source_table *spec, const sl_table_schema *schema)
{
	if (!schema->npk && !spec->merge_key)
		return sl_error_set(
			SL_EINVAL,
			"table '%s': write disposition merge needs a primary key and the "
			"table declares none: give one with --primary-key COLS (or the "
			"columns that match destination rows with --merge-key COLS)",
			spec->name);
	if (spec->merge_key && spec->incremental.cursor_path)
		return sl_error_set(
			SL_EUNSUPPORTED,
			"table '%s': a merge key replaces whole partitions, and a cursor "
			"run reads only what changed since its last value: merge_key goes "
			"without a cursor (every run reads the table whole)",
			spec->name);
	size_t *cols = NULL, n;
	int rc = spec->merge_key ? find_columns(&cols, &n, schema, spec->merge_key, "merge key")
				 : SL_OK;
	free(cols);
	if (!rc && spec->hard_delete_column && sl_schema_find(schema, spec->hard_delete_column) < 0)
		rc = sl_error_set(SL_ENOTFOUND, "hard delete column '%s' not found in table '%s'",
				  spec->hard_delete_column, spec->name);
	return rc;
}

static int merge_prepare(sl_load_table *t)
{
	const sl_destination_driver *dd = t->p->dest_driver;
	if (!dd->merge)
		return sl_error_set(SL_EUNSUPPORTED, "table '%s': the %s destination cannot merge",
				    t->table, dd->head.name);
	if (t->spec->merge_key && !t->load_id)
		return sl_error_set(
			SL_EINVAL,
			"table '%s': a merge key needs the load id column (it spares the "
			"rows the load inserted itself): drop --no-load-id",
			t->table);
	t->target = sl_printf_alloc("%s" STAGING_SUFFIX, t->table);
	t->own = sl_calloc(1, sizeof(chunk_keys));
	if (!t->target || !t->own)
		return SL_ENOMEM;
	bool load_id = t->load_id != NULL;
	int rc = dd->ensure_table(t->p->dest, t->p->dataset, t->table, t->schema, load_id);
	if (!rc) /* afresh: one left by a run that crashed holds rows never merged */
		rc = dd->create_scratch(t->p->dest, t->p->dataset, t->target, t->schema, load_id);
	return rc;
}

/* How the staged rows replace the table's: `*match` holds the merge key's columns (caller
   frees; NULL when the primary key matches). */
static int merge_spec(sl_merge_spec *m, size_t **match, const sl_load_table *t)
{
	const sl_source_table *spec = t->spec;
	const sl_table_schema *s = t->schema;
	const char *cursor = spec->incremental.cursor_path;
	const char *deleted = spec->hard_delete_column;
	*m = (sl_merge_spec){
		.schema = s,
		.with_load_id = t->load_id != NULL,
		.load_id = t->load_id,
		.nkey = s->npk,
		.key = s->pk,
		.repeats = ((const chunk_keys *)t->own)->repeats,
		.order = cursor ? sl_schema_find(s, cursor) : -1,
		.descending = spec->incremental.last_value_func == SL_LAST_VALUE_MIN,
		.deleted = deleted ? sl_schema_find(s, deleted) : -1,
	};
	*match = NULL;
	if (!spec->merge_key)
		return SL_OK;
	int rc = find_columns(match, &m->nmatch, s, spec->merge_key, "merge key");
	m->match = *match;
	return rc;
}

/* The staged rows replace the table's rows of their keys, then the state is written. */
static int merge_end_chunk(sl_load_table *t)
{
	sl_merge_spec m;
	size_t *match;
	int64_t deleted = 0;
	int rc = merge_spec(&m, &match, t);
	if (!rc)
		rc = t->p->dest_driver->merge(&deleted, t->p->dest, t->p->dataset, t->target,
					      t->table, &m);
	free(match);
	keys_clear(t->own);
	if (rc)
		return rc;
	t->rows_deleted += (uint64_t)deleted;
	return sl_disposition_write_state(t);
}

/* The staging table goes with the load, done or not: nothing in it outlives a chunk. */
static void merge_drop_staging(sl_load_table *t)
{
	if (t->target)
		t->p->dest_driver->drop_table(t->p->dest, t->p->dataset, t->target);
}

static int merge_finish(sl_load_table *t)
{
	return t->p->dest_driver->drop_table(t->p->dest, t->p->dataset, t->target);
}

const sl_disposition sl_merge_disposition = {
	.name = "merge",
	.incremental = true,
	.keeps_rows = true,
	.upserts = true,
	.check = merge_check,
	.prepare = merge_prepare,
	.appending = merge_appending,
	.end_chunk = merge_end_chunk,
	.finish = merge_finish,
	.abort = merge_drop_staging,
	.release = merge_release,
};
