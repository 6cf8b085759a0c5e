/*
 * warnings.c — the per-connection warning lines of the source drivers (see warnings.h). Kept in
 * one place because callers (the pipeline, tests) split and compare this text byte for byte.
 */
#include "warnings.h"

#include <stdlib.h>
#include <string.h>

static sl_warning *find(sl_warnings *w, const char *table, const char *column, const char *what)
{
	size_t tlen = strlen(table);
	for (size_t i = 0; i < w->nlines; i++) {
		sl_warning *l = &w->lines[i];
		if (strncmp(l->column, table, tlen) == 0 && l->column[tlen] == '.' &&
		    strcmp(l->column + tlen + 1, column) == 0 && strcmp(l->what, what) == 0)
			return l;
	}
	return NULL;
}

static int add(sl_warnings *w, const char *table, const char *column, const char *one,
	       const char *what, bool counted, uint64_t count)
{
	sl_warning *l = find(w, table, column, what);
	if (l) {
		l->count += count;
		w->dirty |= count > 0; /* a repeated note changes nothing */
		return SL_OK;
	}
	sl_warning *grown = sl_realloc(w->lines, (w->nlines + 1) * sizeof(*grown));
	if (!grown)
		return SL_ENOMEM;
	w->lines = grown;
	l = &w->lines[w->nlines];
	sl_buf key = SL_BUF_INIT;
	sl_buf_printf(&key, "%s.%s", table, column);
	l->column = sl_buf_detach(&key);
	l->what = sl_strdup(what);
	l->one = one ? sl_strdup(one) : NULL;
	l->count = count;
	l->counted = counted;
	if (!l->column || !l->what || (one && !l->one)) {
		free(l->column);
		free(l->what);
		free(l->one);
		return SL_ENOMEM;
	}
	w->nlines++;
	w->dirty = true;
	return SL_OK;
}

int sl_warnings_add(sl_warnings *w, const char *table, const char *column, const char *what,
		    bool counted, uint64_t count)
{
	return add(w, table, column, NULL, what, counted, count);
}

int sl_warnings_add_plural(sl_warnings *w, const char *table, const char *column, const char *one,
			   const char *many, uint64_t count)
{
	return add(w, table, column, one, many, true, count);
}

const char *sl_warnings_text(sl_warnings *w)
{
	if (!w->nlines)
		return NULL;
	if (!w->dirty) /* keep handing out the same text while nothing changed */
		return w->text;
	sl_buf buf = SL_BUF_INIT;
	for (size_t i = 0; i < w->nlines; i++) {
		const sl_warning *l = &w->lines[i];
		const char *what = l->one && l->count == 1 ? l->one : l->what;
		if (w->joined && i)
			sl_buf_putc(&buf, '\n');
		if (l->counted)
			sl_buf_printf(&buf, "%s: %llu %s", l->column, (unsigned long long)l->count,
				      what);
		else
			sl_buf_printf(&buf, "%s: %s", l->column, what);
		if (!w->joined)
			sl_buf_putc(&buf, '\n');
	}
	char *text = sl_buf_detach(&buf);
	if (!text) /* out of memory: the last text is better than none */
		return w->text;
	free(w->text);
	w->text = text;
	w->dirty = false;
	return text;
}

void sl_warnings_clear(sl_warnings *w)
{
	for (size_t i = 0; i < w->nlines; i++) {
		free(w->lines[i].column);
		free(w->lines[i].what);
		free(w->lines[i].one);
	}
	free(w->lines);
	free(w->text);
	bool joined = w->joined;
	*w = (sl_warnings){.joined = joined};
}
