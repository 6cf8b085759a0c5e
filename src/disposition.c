/*
 * disposition.c — the table of write dispositions (disposition.h).
 */
#include "disposition.h"

static const struct {
	sl_write_disposition hint;
	const sl_disposition *disposition;
} dispositions[] = {
	{SL_WRITE_APPEND, &sl_append_disposition},
	{SL_WRITE_REPLACE, &sl_replace_disposition},
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
