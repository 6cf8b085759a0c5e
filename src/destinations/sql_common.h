/*
 * sql_common.h — the destination methods that DuckDB and PostgreSQL write in the same SQL, once:
 * the dataset and its bookkeeping tables, tables from portable schemas and their changes, the
 * staging swap, state and load records, and reading tables back.
 *
 * A SQL driver's connection starts with sl_sql_conn, whose dialect says what differs between the
 * databases; its vtable points at these functions, which run their SQL through the driver's own
 * exec and query (identifiers in double quotes, parameters as $1, $2... bound as text).
 */
#ifndef SL_SQL_COMMON_H
#define SL_SQL_COMMON_H

#include "destination.h"

/* What one SQL database spells its own way. */
typedef struct sl_sql_dialect {
	const char *name; /* "PostgreSQL", for messages */
	/* each portable type's column type; DECIMAL's gets "(precision,scale)" after it, and a
	   LIST is its element's type followed by "[]" */
	const char *const *type_names;
	/* ALTER COLUMN ... SET DATA TYPE needs "USING column::type" (PostgreSQL: json has no
	   assignment cast to text) */
	bool cast_on_alter;
	/* search_path takes the quoted identifiers inside a string literal (DuckDB: '"my ds"')
	   rather than as they are (PostgreSQL: "my ds", which would keep a literal's quotes) */
	bool search_path_literal;
	/* a query with a row when table $2 of dataset $1 exists, from the catalog */
	const char *table_exists_sql;
	/* the kind of table a load's own scratch tables are ("UNLOGGED ": no WAL), or "" */
	const char *scratch_kind;
	/* merged tables get an index on their key (else each chunk's delete scans the table) */
	bool index_merge_key;
	/* run a statement without parameters and say how many rows it changed */
	int (*exec_changed)(int64_t *changed, sl_dest_conn *conn, const char *sql);
	/* the longest identifier in bytes, 0 for no limit (PostgreSQL cuts longer names to 63
	   bytes with only a NOTICE: they are refused instead) */
	size_t max_identifier;
} sl_sql_dialect;

/* The start of a SQL driver's connection. */
typedef struct sl_sql_conn {
	sl_dest_conn base;
	const sl_sql_dialect *dialect;
	const char *where; /* the database for messages ("host:5432/db"), never a password */
} sl_sql_conn;

/* Whether `col` can be a column of a table: a known portable type, a DECIMAL of precision 1..38,
   a name the database keeps whole. */
int sl_sql_check_column(const sl_dest_conn *conn, const sl_column *col);

/* The same for every column of `schema` (which has some), and the names of dataset and table. */
int sl_sql_check_schema(const sl_dest_conn *conn, const char *dataset, const char *table,
			const sl_table_schema *schema);

/* The destination_driver methods of the same names (destination.h). */
int sl_sql_ensure_dataset(sl_dest_conn *conn, const char *dataset);
int sl_sql_read_states(sl_dest_conn *conn, const char *dataset, const char *pipeline,
		       const char *table, sl_state_visitor visit, void *ctx);
int sl_sql_write_state(sl_dest_conn *conn, const char *dataset, const sl_state_record *state);
int sl_sql_delete_states(sl_dest_conn *conn, const char *dataset, const char *pipeline,
			 const char *table);
int sl_sql_write_load(sl_dest_conn *conn, const char *dataset, const sl_load_record *load);
int sl_sql_read_loads(sl_dest_conn *conn, const char *dataset, const sl_load_filter *filter,
		      sl_load_visitor visit, void *ctx);
int sl_sql_recorded_tables(sl_dest_conn *conn, const char *dataset, const char *pipeline,
			   sl_name_visitor visit, void *ctx);
int sl_sql_table_exists(bool *out, sl_dest_conn *conn, const char *dataset, const char *table);
int sl_sql_ensure_table(sl_dest_conn *conn, const char *dataset, const char *table,
			const sl_table_schema *schema, bool with_load_id);
int sl_sql_widen_column(sl_dest_conn *conn, const char *dataset, const char *table,
			const sl_column *col);
int sl_sql_drop_not_null(sl_dest_conn *conn, const char *dataset, const char *table,
			 const char *column);
int sl_sql_drop_table(sl_dest_conn *conn, const char *dataset, const char *table);
int sl_sql_swap_table(sl_dest_conn *conn, const char *dataset, const char *staging,
		      const char *table);
int sl_sql_create_scratch(sl_dest_conn *conn, const char *dataset, const char *table,
			  const sl_table_schema *schema, bool with_load_id);
int sl_sql_merge(int64_t *deleted, sl_dest_conn *conn, const char *dataset, const char *staging,
		 const char *table, const sl_merge_spec *spec);
int sl_sql_delete_missing(int64_t *deleted, sl_dest_conn *conn, const char *dataset,
			  const char *table, const char *keys, const sl_table_schema *key);
int sl_sql_count_rows(int64_t *out, sl_dest_conn *conn, const char *dataset, const char *table);
int sl_sql_list_tables(sl_rows **out, sl_dest_conn *conn, const char *dataset);
int sl_sql_read_table(sl_rows **out, sl_dest_conn *conn, const char *dataset, const char *table,
		      uint64_t limit);
int sl_sql_use_dataset(sl_dest_conn *conn, const char *dataset);

/* The methods every SQL driver takes from here, for the end of its vtable. */
#define SL_SQL_METHODS                                                                  \
	.ensure_dataset = sl_sql_ensure_dataset, .read_states = sl_sql_read_states,     \
	.write_state = sl_sql_write_state, .delete_states = sl_sql_delete_states,       \
	.write_load = sl_sql_write_load, .read_loads = sl_sql_read_loads,               \
	.recorded_tables = sl_sql_recorded_tables, .ensure_table = sl_sql_ensure_table, \
	.table_exists = sl_sql_table_exists, .widen_column = sl_sql_widen_column,       \
	.drop_not_null = sl_sql_drop_not_null, .drop_table = sl_sql_drop_table,         \
	.swap_table = sl_sql_swap_table, .create_scratch = sl_sql_create_scratch,       \
	.merge = sl_sql_merge, .delete_missing = sl_sql_delete_missing,                 \
	.count_rows = sl_sql_count_rows, .list_tables = sl_sql_list_tables,             \
	.read_table = sl_sql_read_table, .use_dataset = sl_sql_use_dataset

#endif
