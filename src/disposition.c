/*
 * disposition.c — the table of write dispositions (disposition.h).
 */
#include "disposition.h"

#include <string.h>

static const struct {
	sl_write_disposition hint;
	const sl_disposition *disposition;
} dispositions[] = {
	{SL_WRITE_APPEND, &sl_append_disposition},
	{SL_WRITE_REPLACE, &sl_replace_disposition},
	{SL_WRITE_MERGE, &sl_merge_disposition},
};

const sl_disposition *sl_disposition_for(sl_write_disposition hint, bool has_cursor)
{
	if (hint == SL_WRITE_DEFAULT)
		hint = has_cursor ? SL_WRITE_APPEND : SL_WRITE_REPLACE;
	for (size_t i = 0; i < SL_ARRAY_LEN(dispositions); i++)
		if (dispositions[i].hint == hint)
			return dispositions[i].disposition;
	return NULL;
}

const sl_disposition *sl_disposition_named(const char *name)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(dispositions); i++)
		if (strcmp(dispositions[i].disposition->name, name) == 0)
			return dispositions[i].disposition;
	return NULL;
}

int sl_disposition_write_state(sl_load_table *t)
{
	int rc = sl_pipeline_write_state(t->p, t->state);
	t->state_written = rc == SL_OK;
	return rc;
}
