/*
 * sync_deletes.c — deleting from a destination table the rows whose key the source no longer has
 * (the sync_deletes hint). A cursor never reports a physical delete, so after a run that read the
 * table to its end, the source's primary keys are read alone, streamed into a scratch table of
 * the destination, and the table's rows without a key there are deleted, in one transaction with
 * the state.
 *
 * Memory stays flat: keys go through one batch at a time, and the scratch table commits every
 * chunk_size keys (it holds nothing a crash could lose: the next run fills it again).
 */
#include "sync_deletes.h"

#include <stdlib.h>

#define KEYS_SUFFIX "__sluice_keys"

/* The source table's key columns alone, as a table of the same name: what the scan reads. */
static sl_table_schema *key_schema(const sl_table_schema *table)
{
	sl_table_schema *k = sl_schema_new(table->database, table->name);
	for (size_t i = 0; k && i < table->npk; i++) {
		const sl_column *c = &table->columns[table->pk[i]];
		int rc = c->type == SL_TYPE_LIST
				 ? sl_schema_add_list_column(k, c->name, c->element, c->precision,
							     c->scale, c->nullable, c->source_type)
				 : sl_schema_add_column(k, c->name, c->type, c->precision, c->scale,
							c->nullable, c->source_type);
		if (rc < 0 || sl_schema_add_pk(k, (size_t)rc) < 0) {
			sl_schema_free(k);
			return NULL;
		}
	}
	return k;
}

typedef struct key_copy {
	sl_pipeline *p;
	sl_source_conn *conn;
	const sl_table_schema *key;
	const char *keys;  /* the scratch table */
	size_t chunk_size; /* keys per commit */
	sl_scan *scan;
	sl_batch *batch;
	sl_dest_appender *appender;
} key_copy;

/* Append the scan's keys to the scratch table, committing every chunk_size of them. */
static int copy_keys(key_copy *k)
{
	const sl_destination_driver *dd = k->p->dest_driver;
	uint64_t in_txn = 0;
	int rc = dd->begin(k->p->dest);
	while (!rc) {
		sl_batch_reset_in_chunk(k->batch, k->chunk_size, in_txn);
		int n = k->conn->driver->scan_next(k->scan, k->batch);
		if (sl_pipeline_interrupted(k->p))
			n = sl_error_set(SL_EINTERRUPTED,
					 "interrupted while reading the keys of table '%s' to find "
					 "deleted rows",
					 k->key->name);
		rc = n < 0 ? n : n > 0 ? dd->append(k->appender, k->batch) : SL_OK;
		in_txn += n > 0 ? (uint64_t)n : 0;
		if (rc || (n > 0 && in_txn < k->chunk_size))
			continue;
		rc = dd->appender_flush(k->appender);
		rc = rc ? rc : dd->commit(k->p->dest);
		if (rc || n == 0)
			return rc;
		in_txn = 0;
		rc = dd->begin(k->p->dest);
	}
	dd->rollback(k->p->dest);
	return rc;
}

/* Stream the source's keys into the scratch table `k->keys`, made afresh. */
static int fill_keys(key_copy *k)
{
	const sl_destination_driver *dd = k->p->dest_driver;
	sl_scan_plan plan = {.table = k->key, .cursor = -1};
	int rc = dd->create_scratch(k->p->dest, k->p->dataset, k->keys, k->key, false);
	rc = rc ? rc
		: dd->appender_open(&k->appender, k->p->dest, k->p->dataset, k->keys, k->key, NULL);
	rc = rc ? rc : k->conn->driver->scan_open(&k->scan, k->conn, &plan);
	if (!rc && !(k->batch = sl_batch_new(k->key, 0)))
		rc = SL_ENOMEM;
	if (!rc)
		rc = copy_keys(k);
	sl_batch_free(k->batch);
	if (k->scan)
		k->conn->driver->scan_close(k->scan);
	if (k->appender)
		dd->appender_close(k->appender);
	return rc;
}

int sl_sync_deletes(uint64_t *deleted, sl_pipeline *p, sl_source_conn *conn,
		    const sl_table_schema *schema, const char *table, const sl_table_state *state,
		    size_t chunk_size)
{
	*deleted = 0;
	const sl_destination_driver *dd = p->dest_driver;
	if (!dd->delete_missing)
		return sl_error_set(SL_EUNSUPPORTED,
				    "table '%s': the %s destination cannot delete rows the source "
				    "no longer has",
				    table, dd->head.name);
	sl_table_schema *key = key_schema(schema);
	char *keys = sl_printf_alloc("%s" KEYS_SUFFIX, table);
	key_copy k = {.p = p, .conn = conn, .key = key, .keys = keys, .chunk_size = chunk_size};
	int rc = key && keys ? fill_keys(&k) : SL_ENOMEM;
	int64_t n = 0;
	rc = rc ? rc : dd->begin(p->dest);
	if (!rc) {
		rc = dd->delete_missing(&n, p->dest, p->dataset, table, keys, key);
		rc = rc ? rc : sl_pipeline_write_state(p, state);
		rc = rc ? rc : dd->commit(p->dest);
		if (rc)
			dd->rollback(p->dest);
	}
	if (!rc) /* after a failure it stays, for the next run to make afresh */
		rc = dd->drop_table(p->dest, p->dataset, keys);
	sl_schema_free(key);
	free(keys);
	*deleted = rc ? 0 : (uint64_t)n;
	return rc;
}

int sl_sync_deletes_check(const sl_pipeline *p, const sl_source_table *spec, const char *table)
{
	const sl_destination_driver *dd = p->dest_driver;
	if (!spec->sync_deletes || dd->delete_missing)
		return SL_OK;
	return sl_error_set(SL_EUNSUPPORTED,
			    "table '%s': the %s destination cannot delete rows (--sync-deletes)",
			    table, dd->head.name);
}
