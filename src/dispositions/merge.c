/*
 * merge.c — the `merge` write disposition (dlt's merge with a primary key): each chunk's rows go
 * into a staging table, and before the chunk commits, in its transaction and with the state that
 * covers it, they replace the destination rows of their keys (destination_driver.merge). A kill
 * at any instant leaves the destination as of the last committed chunk.
 *
 * Within a chunk a key may come twice (a row updated between two of the chunk's queries, or read
 * again under lag): the row last in cursor order wins. A row flagged by hard_delete_column
 * deletes its key's row instead. A merge_key (dlt's) replaces every destination row whose values
 * there equal a loaded row's, which reloads whole partitions (a day, a customer).
 */
#include "../disposition.h"

#include <stdlib.h>
#include <string.h>

#define STAGING_SUFFIX "__sluice_merge"

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
	t->target = sl_printf_alloc("%s" STAGING_SUFFIX, t->table);
	if (!t->target)
		return SL_ENOMEM;
	bool load_id = !t->p->no_load_id;
	int rc = dd->ensure_table(t->p->dest, t->p->dataset, t->table, t->schema, load_id);
	if (!rc) /* a staging table left by a run that crashed: its rows were never merged */
		rc = dd->drop_table(t->p->dest, t->p->dataset, t->target);
	if (!rc)
		rc = dd->ensure_table(t->p->dest, t->p->dataset, t->target, t->schema, load_id);
	return rc;
}

/* The staged rows replace the table's rows of their keys, then the state is written. */
static int merge_end_chunk(sl_load_table *t)
{
	const sl_source_table *spec = t->spec;
	const sl_table_schema *s = t->schema;
	const char *cursor = spec->incremental.cursor_path;
	sl_merge_spec m = {
		.schema = s,
		.with_load_id = !t->p->no_load_id,
		.nkey = s->npk,
		.key = s->pk,
		.order = cursor ? sl_schema_find(s, cursor) : -1,
		.descending = spec->incremental.last_value_func == SL_LAST_VALUE_MIN,
		.deleted =
			spec->hard_delete_column ? sl_schema_find(s, spec->hard_delete_column) : -1,
	};
	size_t *match = NULL;
	int rc = spec->merge_key ? find_columns(&match, &m.nmatch, s, spec->merge_key, "merge key")
				 : SL_OK;
	if (!spec->merge_key) {
		m.nmatch = s->npk;
		m.match = s->pk;
	} else {
		m.match = match;
	}
	int64_t deleted = 0;
	if (!rc)
		rc = t->p->dest_driver->merge(&deleted, t->p->dest, t->p->dataset, t->target,
					      t->table, &m);
	free(match);
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
	.end_chunk = merge_end_chunk,
	.finish = merge_finish,
	.abort = merge_drop_staging,
};
