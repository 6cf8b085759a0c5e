/*
 * source_select.c — which tables and columns a source stands for. A source's selections are
 * names or glob patterns ("*": every table, as dlt's sql_database() without table names); a run
 * resolves them against the database's list of tables (the driver's list_tables) into concrete
 * tables, each with its hints, the excluded ones left out. Once a table is reflected, its
 * columns narrow to its `columns` hint minus `exclude_columns`.
 *
 * Plain names are kept as given and not looked up: a missing one fails when it is reflected, a
 * view loads when named, exactly as before patterns existed.
 */
#include "source.h"
#include "source_spec.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

/* ---- the database's list of tables --------------------------------------------------------- */

int sl_source_table_list_add(sl_source_table_list *list, const char *schema, const char *name,
			     const char *ref, bool is_view)
{
	sl_listed_table *grown = sl_realloc(list->tables, (list->n + 1) * sizeof(*grown));
	if (!grown)
		return SL_ENOMEM;
	list->tables = grown;
	sl_listed_table *t = &grown[list->n];
	*t = (sl_listed_table){sl_strdup(schema), sl_strdup(name), sl_strdup(ref), is_view};
	if (!t->schema || !t->name || !t->ref) {
		free(t->schema);
		free(t->name);
		free(t->ref);
		return SL_ENOMEM;
	}
	list->n++;
	return SL_OK;
}

void sl_source_table_list_clear(sl_source_table_list *list)
{
	for (size_t i = 0; i < list->n; i++) {
		free(list->tables[i].schema);
		free(list->tables[i].name);
		free(list->tables[i].ref);
	}
	free(list->tables);
	free(list->where);
	memset(list, 0, sizeof(*list));
}

static int by_name(const void *a, const void *b)
{
	const sl_listed_table *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->schema, y->schema);
}

/* ---- resolving selections ------------------------------------------------------------------- */

bool sl_source_is_pattern(const char *selection)
{
	return strpbrk(selection, "*?[") != NULL;
}

/* What resolution knows of one table it picked. */
typedef struct picked {
	long listed;	 /* its index in the list, -1: a name that is not listed */
	bool by_pattern; /* its hints are a pattern's: its exact name takes them over */
} picked;

typedef struct resolver {
	const sl_source *spec;
	sl_source_table_list list; /* empty unless a selection is a pattern; sorted */
	char **qualified;	   /* "schema.name" of each listed table */
	sl_source *out;		   /* out->tables has room for every name and listed table */
	picked *picks;		   /* one per out->tables */
} resolver;

static bool listed_matches(const resolver *r, const char *pattern, size_t i)
{
	return fnmatch(pattern, r->list.tables[i].name, 0) == 0 ||
	       fnmatch(pattern, r->qualified[i], 0) == 0;
}

/* A table is left out when an exclusion matches the name it was selected by, or, for a listed
   table, its name or "schema.name". */
static bool excluded(const resolver *r, const char *given, long listed)
{
	for (size_t i = 0; i < r->spec->nexcludes; i++) {
		const char *ex = r->spec->excludes[i];
		if (fnmatch(ex, given, 0) == 0 || (listed >= 0 && listed_matches(r, ex, listed)))
			return true;
	}
	return false;
}

/* The listed table a plain name selects, or -1 (not listed, or nothing was listed). */
static long find_listed(const resolver *r, const char *name)
{
	for (size_t i = 0; i < r->list.n; i++) {
		const sl_listed_table *t = &r->list.tables[i];
		if (strcmp(name, t->ref) == 0 || strcmp(name, t->name) == 0 ||
		    strcmp(name, r->qualified[i]) == 0)
			return (long)i;
	}
	return -1;
}

/* The picked table that is listed table `listed`, or -1. */
static long find_picked(const resolver *r, long listed)
{
	for (size_t i = 0; listed >= 0 && i < r->out->ntables; i++)
		if (r->picks[i].listed == listed)
			return (long)i;
	return -1;
}

static int add_table(resolver *r, const sl_source_table *sel, const char *name, long listed,
		     bool by_pattern)
{
	size_t i = r->out->ntables;
	int rc = sl_source_table_copy(&r->out->tables[i], sel, name);
	r->out->ntables++; /* even on failure: sl_source_free clears what was copied */
	r->picks[i] = (picked){listed, by_pattern};
	return rc;
}

/* A name: kept as given. When a pattern before it picked the same table, the name's hints win. */
static int take_name(resolver *r, const sl_source_table *sel)
{
	long listed = find_listed(r, sel->name);
	if (excluded(r, sel->name, listed))
		return SL_OK;
	long at = find_picked(r, listed);
	/* two spellings of one table stay two: they share a destination table, which the run
	   refuses with its own message */
	if (at < 0 || !r->picks[at].by_pattern)
		return add_table(r, sel, sel->name, listed, false);
	sl_source_table next;
	int rc = sl_source_table_copy(&next, sel, sel->name);
	if (rc) {
		sl_source_table_clear(&next);
		return rc;
	}
	sl_source_table_clear(&r->out->tables[at]);
	r->out->tables[at] = next;
	r->picks[at].by_pattern = false;
	return SL_OK;
}

/* A pattern: the listed tables it matches that nothing picked before, by the name reflect
   finds them by. A pattern that matches nothing is a mistake worth stopping for. */
static int take_pattern(resolver *r, const sl_source_table *sel)
{
	size_t matched = 0;
	int rc = SL_OK;
	for (size_t i = 0; !rc && i < r->list.n; i++) {
		if (!listed_matches(r, sel->name, i))
			continue;
		matched++;
		const sl_listed_table *t = &r->list.tables[i];
		if (!excluded(r, t->ref, (long)i) && find_picked(r, (long)i) < 0)
			rc = add_table(r, sel, t->ref, (long)i, true);
	}
	if (!rc && matched == 0)
		rc = sl_error_set(SL_ENOTFOUND, "table pattern '%s' matches no %s in %s", sel->name,
				  r->spec->include_views ? "table or view" : "table",
				  r->list.where ? r->list.where : "the database");
	return rc;
}

/* The database's tables, when a selection needs them. */
static int list_if_needed(resolver *r, sl_source_conn *conn)
{
	bool needed = false;
	for (size_t i = 0; i < r->spec->ntables; i++)
		needed = needed || sl_source_is_pattern(r->spec->tables[i].name);
	if (!needed)
		return SL_OK;
	const sl_source_driver *d = conn->driver;
	if (!d->list_tables)
		return sl_error_set(SL_EUNSUPPORTED,
				    "the %s source cannot list its tables: name them instead of "
				    "using a pattern",
				    d->head.name);
	int rc = d->list_tables(&r->list, conn, r->spec->include_views);
	if (rc)
		return rc;
	if (r->list.n)
		qsort(r->list.tables, r->list.n, sizeof(*r->list.tables), by_name);
	r->qualified = sl_calloc(r->list.n + 1, sizeof(*r->qualified));
	for (size_t i = 0; r->qualified && i < r->list.n; i++) {
		const sl_listed_table *t = &r->list.tables[i];
		if (!(r->qualified[i] = sl_printf_alloc("%s.%s", t->schema, t->name)))
			return SL_ENOMEM;
	}
	return r->qualified ? SL_OK : SL_ENOMEM;
}

/* A source like `spec` without tables, with room for `room` of them. */
static int empty_copy(sl_source **out, const sl_source *spec, size_t room)
{
	sl_source *s = sl_calloc(1, sizeof(*s));
	if (!s)
		return SL_ENOMEM;
	*s = (sl_source){.chunk_size = spec->chunk_size,
			 .max_chunks = spec->max_chunks,
			 .max_seconds = spec->max_seconds,
			 .retries = spec->retries,
			 .include_views = spec->include_views};
	*out = s;
	s->url = sl_strdup(spec->url);
	s->tables = sl_calloc(room ? room : 1, sizeof(*s->tables));
	s->excludes = sl_calloc(spec->nexcludes + 1, sizeof(*s->excludes));
	if (!s->url || !s->tables || !s->excludes)
		return SL_ENOMEM;
	for (size_t i = 0; i < spec->nexcludes; i++) {
		if (!(s->excludes[i] = sl_strdup(spec->excludes[i])))
			return SL_ENOMEM;
		s->nexcludes = i + 1;
	}
	return SL_OK;
}

int sl_source_resolve(sl_source **out, const sl_source *spec, sl_source_conn *conn)
{
	*out = NULL;
	resolver r = {.spec = spec};
	int rc = list_if_needed(&r, conn);
	size_t room = spec->ntables + r.list.n;
	if (!rc)
		rc = empty_copy(&r.out, spec, room);
	if (!rc && !(r.picks = sl_calloc(room ? room : 1, sizeof(*r.picks))))
		rc = SL_ENOMEM;
	for (size_t i = 0; !rc && i < spec->ntables; i++) {
		const sl_source_table *sel = &spec->tables[i];
		rc = sl_source_is_pattern(sel->name) ? take_pattern(&r, sel) : take_name(&r, sel);
	}
	if (!rc && r.out->ntables == 0)
		rc = sl_error_set(SL_EINVAL,
				  "no table left to load: the exclusions leave out every "
				  "table selected");
	for (size_t i = 0; r.qualified && i < r.list.n; i++)
		free(r.qualified[i]);
	free(r.qualified);
	free(r.picks);
	sl_source_table_list_clear(&r.list);
	if (rc) {
		sl_source_free(r.out);
		return rc;
	}
	*out = r.out;
	return SL_OK;
}

/* ---- columns -------------------------------------------------------------------------------- */

/* The next name of the comma-separated list at *p, spaces around it trimmed (caller frees), or
   NULL at its end; *rc is SL_ENOMEM when a copy failed. */
static char *next_name(const char **p, int *rc)
{
	while (**p == ' ' || **p == ',')
		(*p)++;
	const char *start = *p;
	while (**p && **p != ',')
		(*p)++;
	const char *end = *p;
	while (end > start && end[-1] == ' ')
		end--;
	if (end == start)
		return NULL;
	char *name = sl_strndup(start, (size_t)(end - start));
	if (!name)
		*rc = SL_ENOMEM;
	return name;
}

/* Set the `drop` flag of every column `list` names to `value`; `hint` names the list. */
static int mark(bool *drop, bool value, const sl_table_schema *s, const char *list,
		const char *table, const char *hint)
{
	int rc = SL_OK;
	char *name;
	while (!rc && (name = next_name(&list, &rc))) {
		int i = sl_schema_find(s, name);
		if (i < 0)
			rc = sl_error_set(SL_EINVAL, "table '%s' has no column '%s' (given in %s)",
					  table, name, hint);
		else
			drop[i] = value;
		free(name);
	}
	return rc;
}

/* Fail when a column of `list` that the table has is dropped: the load needs it as its `role`. */
static int keep_needed(const bool *drop, const sl_table_schema *s, const char *list,
		       const char *table, const char *role)
{
	int rc = SL_OK;
	char *name;
	while (!rc && list && (name = next_name(&list, &rc))) {
		int i = sl_schema_find(s, name);
		if (i >= 0 && drop[i])
			rc = sl_error_set(SL_EINVAL,
					  "table '%s': column '%s' is the %s and cannot be left "
					  "out of the columns loaded",
					  table, s->columns[i].name, role);
		free(name);
	}
	return rc;
}

/* The key (the hint's, else the reflected one), cursor, merge key and hard delete column stay:
   said here, rather than as "not found" by the checks that look for them next. */
static int check_kept(const bool *drop, const sl_source_table *spec, const sl_table_schema *s)
{
	const char *table = spec->name;
	int rc = keep_needed(drop, s, spec->primary_key, table, "primary key");
	for (size_t k = 0; !rc && !spec->primary_key && k < s->npk; k++)
		rc = keep_needed(drop, s, s->columns[s->pk[k]].name, table, "primary key");
	if (!rc)
		rc = keep_needed(drop, s, spec->incremental.cursor_path, table, "cursor");
	if (!rc)
		rc = keep_needed(drop, s, spec->merge_key, table, "merge key");
	if (!rc)
		rc = keep_needed(drop, s, spec->hard_delete_column, table, "hard delete column");
	return rc;
}

int sl_source_table_select_columns(const sl_source_table *spec, sl_table_schema *schema)
{
	if (!spec->columns && !spec->exclude_columns)
		return SL_OK;
	bool *drop = sl_calloc(schema->ncolumns ? schema->ncolumns : 1, sizeof(*drop));
	if (!drop)
		return SL_ENOMEM;
	for (size_t i = 0; spec->columns && i < schema->ncolumns; i++)
		drop[i] = true;
	int rc = spec->columns ? mark(drop, false, schema, spec->columns, spec->name, "columns")
			       : SL_OK;
	if (!rc && spec->exclude_columns)
		rc = mark(drop, true, schema, spec->exclude_columns, spec->name, "exclude_columns");
	if (!rc)
		rc = check_kept(drop, spec, schema);
	size_t left = 0;
	for (size_t i = 0; i < schema->ncolumns; i++)
		left += !drop[i];
	if (!rc && left == 0)
		rc = sl_error_set(SL_EINVAL, "table '%s': no column left to load", spec->name);
	if (!rc)
		sl_schema_drop_columns(schema, drop);
	free(drop);
	return rc;
}
