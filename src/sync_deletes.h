/*
 * sync_deletes.h — deleting the destination rows whose key the source no longer has.
 */
#ifndef SL_SYNC_DELETES_H
#define SL_SYNC_DELETES_H

#include "pipeline.h"
#include "source.h"

/*
 * After a run read `schema`'s table to its end: delete the rows of destination table `table`
 * whose primary key (schema's, which has one) the source table no longer has, in one
 * transaction with `state`. *deleted gets how many. Outside transactions; the keys are read with
 * `conn`, chunk_size at a time.
 */
int sl_sync_deletes(uint64_t *deleted, sl_pipeline *p, sl_source_conn *conn,
		    const sl_table_schema *schema, const char *table, const sl_table_state *state,
		    size_t chunk_size);

/* SL_EUNSUPPORTED when `spec` asks for sync_deletes and p's destination cannot delete rows:
   asked before any table loads, so that such a run writes nothing. */
int sl_sync_deletes_check(const sl_pipeline *p, const sl_source_table *spec, const char *table);

#endif
