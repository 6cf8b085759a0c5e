/*
 * schema.c — reflected table schemas in the portable type system, and facts about the portable
 * types themselves (names).
 */
#include "schema.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const type_names[SL_TYPE__COUNT] = {
	[SL_TYPE_BOOL] = "BOOLEAN",
	[SL_TYPE_INT8] = "TINYINT",
	[SL_TYPE_INT16] = "SMALLINT",
	[SL_TYPE_INT32] = "INTEGER",
	[SL_TYPE_INT64] = "BIGINT",
	[SL_TYPE_UINT8] = "UTINYINT",
	[SL_TYPE_UINT16] = "USMALLINT",
	[SL_TYPE_UINT32] = "UINTEGER",
	[SL_TYPE_UINT64] = "UBIGINT",
	[SL_TYPE_FLOAT] = "FLOAT",
	[SL_TYPE_DOUBLE] = "DOUBLE",
	[SL_TYPE_DECIMAL] = "DECIMAL",
	[SL_TYPE_TEXT] = "TEXT",
	[SL_TYPE_BLOB] = "BLOB",
	[SL_TYPE_JSON] = "JSON",
	[SL_TYPE_DATE] = "DATE",
	[SL_TYPE_TIME] = "TIME",
	[SL_TYPE_TIMESTAMP] = "TIMESTAMP",
	[SL_TYPE_TIMESTAMPTZ] = "TIMESTAMPTZ",
	[SL_TYPE_INTERVAL] = "INTERVAL",
	[SL_TYPE_UUID] = "UUID",
	[SL_TYPE_LIST] = "LIST",
};

const char *sl_type_name(sl_type type)
{
	if ((unsigned)type < SL_TYPE__COUNT && type_names[type])
		return type_names[type];
	return "UNKNOWN";
}

bool sl_type_is_varlen(sl_type type)
{
	return type == SL_TYPE_TEXT || type == SL_TYPE_BLOB || type == SL_TYPE_JSON;
}

sl_table_schema *sl_schema_new(const char *database, const char *name)
{
	sl_table_schema *s = sl_calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->database = sl_strdup(database ? database : "");
	s->name = sl_strdup(name ? name : "");
	if (!s->database || !s->name) {
		sl_schema_free(s);
		return NULL;
	}
	return s;
}

int sl_schema_add_column(sl_table_schema *schema, const char *name, sl_type type, int precision,
			 int scale, bool nullable, const char *source_type)
{
	sl_column *cols = sl_realloc(schema->columns, (schema->ncolumns + 1) * sizeof(*cols));
	if (!cols)
		return SL_ENOMEM;
	schema->columns = cols;
	sl_column *c = &cols[schema->ncolumns];
	memset(c, 0, sizeof(*c));
	c->name = sl_strdup(name);
	c->source_type = sl_strdup(source_type ? source_type : sl_type_name(type));
	if (!c->name || !c->source_type) {
		free(c->name);
		free(c->source_type);
		return SL_ENOMEM;
	}
	c->type = type;
	c->precision = precision;
	c->scale = scale;
	c->nullable = nullable;
	return (int)schema->ncolumns++;
}

int sl_schema_add_list_column(sl_table_schema *schema, const char *name, sl_type element,
			      int precision, int scale, bool nullable, const char *source_type)
{
	int idx = sl_schema_add_column(schema, name, SL_TYPE_LIST, precision, scale, nullable,
				       source_type);
	if (idx >= 0)
		schema->columns[idx].element = element;
	return idx;
}

int sl_schema_find(const sl_table_schema *schema, const char *name)
{
	for (size_t i = 0; i < schema->ncolumns; i++)
		if (strcmp(schema->columns[i].name, name) == 0)
			return (int)i;
	/* MySQL and SQLite compare column names case-insensitively; so do we, second. */
	for (size_t i = 0; i < schema->ncolumns; i++)
		if (strcasecmp(schema->columns[i].name, name) == 0)
			return (int)i;
	return -1;
}

int sl_schema_add_pk(sl_table_schema *schema, size_t column)
{
	size_t *pk = sl_realloc(schema->pk, (schema->npk + 1) * sizeof(*pk));
	if (!pk)
		return SL_ENOMEM;
	schema->pk = pk;
	pk[schema->npk++] = column;
	return SL_OK;
}

int sl_schema_set_primary_key(sl_table_schema *schema, const char *columns)
{
	schema->npk = 0;
	const char *p = columns;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		const char *start = p;
		while (*p && *p != ',')
			p++;
		const char *end = p;
		while (end > start && end[-1] == ' ')
			end--;
		if (end == start)
			continue;
		char *name = sl_strndup(start, (size_t)(end - start));
		if (!name)
			return SL_ENOMEM;
		int idx = sl_schema_find(schema, name);
		if (idx < 0) {
			sl_error_set(SL_ENOTFOUND,
				     "primary key column '%s' not found in table '%s'", name,
				     schema->name);
			free(name);
			schema->npk = 0; /* no partial key */
			return SL_ENOTFOUND;
		}
		free(name);
		int rc = sl_schema_add_pk(schema, (size_t)idx);
		if (rc)
			return rc;
	}
	return SL_OK;
}

void sl_schema_drop_columns(sl_table_schema *schema, const bool *drop)
{
	size_t kept = 0, npk = 0;
	for (size_t i = 0; i < schema->npk; i++) { /* an index moves down by the drops before it */
		size_t col = schema->pk[i], before = 0;
		for (size_t j = 0; j < col; j++)
			before += drop[j];
		if (!drop[col])
			schema->pk[npk++] = col - before;
	}
	schema->npk = npk;
	for (size_t i = 0; i < schema->ncolumns; i++) {
		if (drop[i]) {
			free(schema->columns[i].name);
			free(schema->columns[i].source_type);
		} else {
			schema->columns[kept++] = schema->columns[i];
		}
	}
	schema->ncolumns = kept;
}

sl_table_schema *sl_schema_copy(const sl_table_schema *schema)
{
	sl_table_schema *s = sl_schema_new(schema->database, schema->name);
	if (!s)
		return NULL;
	for (size_t i = 0; i < schema->ncolumns; i++) {
		const sl_column *c = &schema->columns[i];
		int idx = sl_schema_add_column(s, c->name, c->type, c->precision, c->scale,
					       c->nullable, c->source_type);
		if (idx < 0)
			goto fail;
		s->columns[idx].element = c->element;
	}
	for (size_t i = 0; i < schema->npk; i++)
		if (sl_schema_add_pk(s, schema->pk[i]))
			goto fail;
	return s;
fail:
	sl_schema_free(s);
	return NULL;
}

void sl_schema_free(sl_table_schema *schema)
{
	if (!schema)
		return;
	for (size_t i = 0; i < schema->ncolumns; i++) {
		free(schema->columns[i].name);
		free(schema->columns[i].source_type);
	}
	free(schema->columns);
	free(schema->pk);
	free(schema->database);
	free(schema->name);
	free(schema);
}
