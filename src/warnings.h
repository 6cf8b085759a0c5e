/*
 * warnings.h — a source connection's warnings: one "table.column: ..." line per (column, what),
 * counts summed over the connection's scans, rendered as the text source drivers hand out from
 * warnings(). Lines keep the order they were first added in.
 *
 * A counted line reads "table.column: <count> <what>", a plain note "table.column: <what>".
 * By default every line ends in "\n"; `joined` puts "\n" only between lines (SQLite's form).
 */
#ifndef SL_WARNINGS_H
#define SL_WARNINGS_H

#include "common.h"

typedef struct sl_warning {
	char *column; /* "table.column" */
	char *what;   /* the text after the count, or the whole note */
	char *one;    /* what for a count of exactly 1, or NULL: `what` */
	uint64_t count;
	bool counted;
} sl_warning;

/* Zero-initialised is empty and ready; set `joined` before the first text. */
typedef struct sl_warnings {
	sl_warning *lines;
	size_t nlines;
	bool joined; /* no "\n" after the last line */
	bool dirty;  /* lines changed since `text` was rendered */
	char *text;  /* rendered by sl_warnings_text(), owned */
} sl_warnings;

/* Add `count` to the line (table.column, what), creating it; counted=false: a plain note. */
int sl_warnings_add(sl_warnings *w, const char *table, const char *column, const char *what,
		    bool counted, uint64_t count);

/* As sl_warnings_add(counted=true), but says `one` instead of `many` while the total is 1. */
int sl_warnings_add_plural(sl_warnings *w, const char *table, const char *column, const char *one,
			   const char *many, uint64_t count);

/* All lines, or NULL when there are none; valid until the next add or clear. */
const char *sl_warnings_text(sl_warnings *w);

/* Frees everything; `w` is empty again (keeps `joined`). */
void sl_warnings_clear(sl_warnings *w);

#endif
