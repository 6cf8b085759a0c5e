/*
 * destination.c — what destination drivers share whatever they write to (destination.h): their
 * settings, the checks of their result readers, and the part of an appender that checks
 * batches against the schema.
 */
#include "destination.h"

#include <stdlib.h>
#include <string.h>

const char *sl_dest_setting_get(const sl_dest_options *options, const char *key)
{
	for (size_t i = 0; options && i < options->nsettings; i++)
		if (strcmp(options->settings[i].key, key) == 0)
			return options->settings[i].value;
	return NULL;
}

int sl_rows_check_value(const sl_rows *rows, size_t col)
{
	if (col >= rows->ncolumns)
		return sl_error_set(SL_EINVAL, "no column %zu in the result", col);
	if (rows->ops->is_null(rows, col))
		return sl_error_set(SL_ETYPE, "column %s: value is NULL",
				    rows->ops->column_name(rows, col));
	return SL_OK;
}

int sl_dest_appender_init(sl_dest_appender *a, const sl_destination_driver *driver,
			  const char *dataset, const char *table, const sl_table_schema *schema,
			  const char *load_id)
{
	size_t n = schema->ncolumns, idlen = load_id ? strlen(load_id) : 0;
	a->driver = driver;
	a->name = sl_printf_alloc("%s.%s", dataset, table);
	a->load_id = load_id ? sl_strdup(load_id) : NULL;
	a->load_id_len = (uint32_t)idlen;
	a->nschema = n;
	a->types = sl_calloc(n ? n : 1, sizeof(*a->types));
	a->precisions = sl_calloc(n ? n : 1, sizeof(*a->precisions));
	if (!a->name || (load_id && !a->load_id) || !a->types || !a->precisions)
		return SL_ENOMEM;
	if (idlen > INT32_MAX)
		return sl_error_set(SL_EINVAL, "appending to %s: the load id is too long", a->name);
	for (size_t i = 0; i < n; i++) {
		a->types[i] = schema->columns[i].type;
		a->precisions[i] = schema->columns[i].precision;
	}
	return SL_OK;
}

void sl_dest_appender_clear(sl_dest_appender *a)
{
	free(a->name);
	free(a->load_id);
	free(a->types);
	free(a->precisions);
}

int sl_dest_appender_check(const sl_dest_appender *a, const sl_batch *batch)
{
	if (batch->ncolumns < a->nschema)
		return sl_error_set(SL_EINVAL, "appending to %s: batch has %zu columns, schema %zu",
				    a->name, batch->ncolumns, a->nschema);
	for (size_t i = 0; i < a->nschema; i++) {
		const sl_vector *v = &batch->columns[i];
		if (v->type != a->types[i] ||
		    sl_type_value_size(v->type, v->precision) !=
			    sl_type_value_size(a->types[i], a->precisions[i]))
			return sl_error_set(
				SL_EINVAL,
				"appending to %s: batch column %zu is %s, schema says %s", a->name,
				i, sl_type_name(v->type), sl_type_name(a->types[i]));
	}
	return SL_OK;
}
