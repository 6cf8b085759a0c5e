/*
 * schema_change.c — comparing a reflected source table with its destination table between runs
 * (see schema_change.h), and the JSON record of what changed.
 *
 * Types are compared in the portable system, as each destination describes its own columns
 * (PostgreSQL has no unsigned or one-byte integers, so its "smallint" comes back as SMALLINT). A
 * destination column "holds" a source type when every value of that type fits it exactly; when
 * it does not, the destination widens it to the smallest portable type that holds both its old
 * values and the new ones, within one family: exact numbers (integers and DECIMAL), floating
 * point, text (TEXT, JSON). Anything across families is an incompatible change. A source type
 * narrower than the destination's is fine: the wider column holds it, nothing changes.
 */
#include "schema_change.h"
#include "destination.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_DECIMAL 38

/* ---- names ---------------------------------------------------------------------------------- */

bool sl_name_set_has(const sl_name_set *set, const char *name)
{
	for (size_t i = 0; set && i < set->n; i++)
		if (strcasecmp(set->names[i], name) == 0)
			return true;
	return false;
}

static int name_set_add(sl_name_set *set, const char *name)
{
	if (sl_name_set_has(set, name))
		return SL_OK;
	char **names = sl_realloc(set->names, (set->n + 1) * sizeof(*names));
	if (!names)
		return SL_ENOMEM;
	set->names = names;
	if (!(names[set->n] = sl_strdup(name)))
		return SL_ENOMEM;
	set->n++;
	return SL_OK;
}

static void name_set_remove(sl_name_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcasecmp(set->names[i], name) == 0) {
			free(set->names[i]);
			set->names[i] = set->names[--set->n];
			return;
		}
}

void sl_name_set_clear(sl_name_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->names[i]);
	free(set->names);
	set->names = NULL;
	set->n = 0;
}

/* ---- types ---------------------------------------------------------------------------------- */

void sl_column_type_text(char *buf, size_t size, const sl_column *col)
{
	if (col->type == SL_TYPE_LIST) {
		sl_column element = *col;
		element.type = col->element;
		char inner[48];
		sl_column_type_text(inner, sizeof(inner), &element);
		snprintf(buf, size, "LIST(%s)", inner);
	} else if (col->type == SL_TYPE_DECIMAL && col->precision > 0)
		snprintf(buf, size, "DECIMAL(%d,%d)", col->precision, col->scale);
	else if (col->type == SL_TYPE_UNKNOWN)
		snprintf(buf, size, "%s", col->source_type ? col->source_type : "UNKNOWN");
	else
		snprintf(buf, size, "%s", sl_type_name(col->type));
}

static bool is_int(sl_type t)
{
	return t >= SL_TYPE_INT8 && t <= SL_TYPE_UINT64;
}

static bool is_unsigned(sl_type t)
{
	return t >= SL_TYPE_UINT8 && t <= SL_TYPE_UINT64;
}

static int int_bits(sl_type t)
{
	static const int bits[] = {8, 16, 32, 64};
	return bits[(t - (is_unsigned(t) ? SL_TYPE_UINT8 : SL_TYPE_INT8)) & 3];
}

/* Decimal digits of the integer type's largest magnitude. */
static int int_digits(sl_type t)
{
	switch (int_bits(t)) {
	case 8:
		return 3;
	case 16:
		return 5;
	case 32:
		return 10;
	default:
		return is_unsigned(t) ? 20 : 19;
	}
}

static sl_type int_type(bool is_signed, int bits)
{
	sl_type base = is_signed ? SL_TYPE_INT8 : SL_TYPE_UINT8;
	return (sl_type)(base + (bits <= 8 ? 0 : bits <= 16 ? 1 : bits <= 32 ? 2 : 3));
}

static void set_decimal(sl_column *out, int int_digits_, int scale)
{
	out->type = SL_TYPE_DECIMAL;
	out->precision = int_digits_ + scale;
	out->scale = scale;
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

/* An integer destination column and an integer source: the smallest integer (or DECIMAL(20,0)
   past 64 bits) holding both ranges. Returns whether the destination must widen. */
static bool join_ints(sl_column *out, sl_type dest, sl_type src)
{
	bool ds = !is_unsigned(dest), ss = !is_unsigned(src);
	int db = int_bits(dest), sb = int_bits(src);
	if (ds == ss ? db >= sb : ds && db > sb)
		return false;
	if (ds == ss) {
		out->type = int_type(ds, sb);
		return true;
	}
	/* signed and unsigned: a signed type twice the unsigned one's width */
	int bits = max_int(ds ? db : sb, 2 * (ds ? sb : db));
	if (bits <= 64)
		out->type = int_type(true, bits);
	else
		set_decimal(out, 20, 0);
	return true;
}

/* An exact-number destination column (integer or DECIMAL) and an exact-number source. */
static bool join_exact(sl_column *out, const sl_column *dest, const sl_column *src)
{
	if (is_int(dest->type) && is_int(src->type))
		return join_ints(out, dest->type, src->type);
	/* PostgreSQL's numeric without a precision holds any exact number */
	if (dest->type == SL_TYPE_DECIMAL && dest->precision == 0)
		return false;
	int dint = is_int(dest->type) ? int_digits(dest->type) : dest->precision - dest->scale;
	int dscale = is_int(dest->type) ? 0 : dest->scale;
	int sint = is_int(src->type) ? int_digits(src->type) : src->precision - src->scale;
	int sscale = is_int(src->type) ? 0 : src->scale;
	/* a DECIMAL source into an integer column widens it even when the values would fit: the
	   appenders take DECIMAL values into DECIMAL columns only */
	if (dest->type == SL_TYPE_DECIMAL && dint >= sint && dscale >= sscale)
		return false;
	set_decimal(out, max_int(dint, sint), max_int(dscale, sscale));
	return true;
}

static bool exact(sl_type t)
{
	return is_int(t) || t == SL_TYPE_DECIMAL;
}

static int join_types(sl_column *out, const sl_column *dest, const sl_column *src);

/* The element column of a LIST column. */
static sl_column element_of(const sl_column *list)
{
	sl_column e = *list;
	e.type = list->element;
	return e;
}

/* Two lists join as their elements do. */
static int join_elements(sl_column *out, const sl_column *dest, const sl_column *src)
{
	sl_column de = element_of(dest), se = element_of(src), joined = de;
	int j = join_types(&joined, &de, &se);
	if (j == 1) {
		out->element = joined.type;
		out->precision = joined.precision;
		out->scale = joined.scale;
	}
	return j;
}

/*
 * How the destination column `dest` takes the source column `src`'s values: 0 as it is, 1 after
 * widening to out's type (out starts as a copy of dest), SL_ETYPE when it cannot.
 */
static int join_types(sl_column *out, const sl_column *dest, const sl_column *src)
{
	sl_type d = dest->type, s = src->type;
	if (d == SL_TYPE_UNKNOWN)
		return 0;
	if (d == SL_TYPE_LIST && s == SL_TYPE_LIST)
		return join_elements(out, dest, src);
	if (exact(d) && exact(s)) {
		if (!join_exact(out, dest, src))
			return 0;
		return out->type != SL_TYPE_DECIMAL || out->precision <= MAX_DECIMAL ? 1 : SL_ETYPE;
	}
	if ((d == SL_TYPE_FLOAT || d == SL_TYPE_DOUBLE) &&
	    (s == SL_TYPE_FLOAT || s == SL_TYPE_DOUBLE)) {
		out->type = SL_TYPE_DOUBLE;
		return d == SL_TYPE_FLOAT && s == SL_TYPE_DOUBLE;
	}
	if ((d == SL_TYPE_TEXT || d == SL_TYPE_JSON) && (s == SL_TYPE_TEXT || s == SL_TYPE_JSON)) {
		out->type = SL_TYPE_TEXT;
		out->precision = 0;
		return d == SL_TYPE_JSON && s == SL_TYPE_TEXT;
	}
	return d == s ? 0 : SL_ETYPE;
}

/* Whether a replaced table's rebuilt column differs in type from the old one. */
static bool type_differs(const sl_column *dest, const sl_column *src)
{
	if (dest->type == SL_TYPE_UNKNOWN)
		return false;
	if (dest->type != src->type)
		return true;
	if (src->type == SL_TYPE_LIST) {
		sl_column de = element_of(dest), se = element_of(src);
		return type_differs(&de, &se);
	}
	return src->type == SL_TYPE_DECIMAL && dest->precision &&
	       (dest->precision != src->precision || dest->scale != src->scale);
}

/* ---- the diff ------------------------------------------------------------------------------- */

static int add_change(sl_schema_diff *d, sl_change_kind kind, const sl_column *col,
		      const char *old_type)
{
	sl_column_change *c = sl_realloc(d->changes, (d->n + 1) * sizeof(*c));
	if (!c)
		return SL_ENOMEM;
	d->changes = c;
	c = &d->changes[d->n];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->column = *col;
	c->column.name = sl_strdup(col->name);
	c->column.source_type = col->source_type ? sl_strdup(col->source_type) : NULL;
	c->old_type = old_type ? sl_strdup(old_type) : NULL;
	d->n++;
	if (!c->column.name || (col->source_type && !c->column.source_type) ||
	    (old_type && !c->old_type))
		return SL_ENOMEM;
	return SL_OK;
}

static int incompatible(const sl_table_schema *src, const sl_column *dest, const sl_column *s)
{
	char dt[64], st[64];
	sl_column_type_text(dt, sizeof(dt), dest);
	sl_column_type_text(st, sizeof(st), s);
	return sl_error_set(
		SL_ETYPE,
		"table %s: column %s is now %s in the source (%s) but %s in the "
		"destination, which cannot hold its values: incompatible schema change, "
		"nothing loaded (load the table with write disposition replace, or reset "
		"it with its data)",
		src->name, s->name, st, s->source_type ? s->source_type : st, dt);
}

/* A source column that the destination has: widen it, let it take NULLs, note a comeback. */
static int compare_column(sl_schema_diff *d, const sl_table_schema *src, const sl_column *dc,
			  const sl_column *sc, const sl_name_set *dropped, bool replace)
{
	char old[64];
	sl_column_type_text(old, sizeof(old), dc);
	if (replace)
		return type_differs(dc, sc) ? add_change(d, SL_CHANGE_RETYPED, sc, old) : SL_OK;
	sl_column widened = *dc;
	int j = join_types(&widened, dc, sc);
	if (j < 0)
		return incompatible(src, dc, sc);
	int rc = j ? add_change(d, SL_CHANGE_WIDENED, &widened, old) : SL_OK;
	if (!rc && !dc->nullable && sc->nullable)
		rc = add_change(d, SL_CHANGE_NULLABLE, dc, NULL);
	if (!rc && sl_name_set_has(dropped, dc->name))
		rc = add_change(d, SL_CHANGE_RESTORED, dc, NULL);
	return rc;
}

/* A destination column the source no longer has. */
static int lost_column(sl_schema_diff *d, const sl_column *dc, const sl_name_set *dropped,
		       bool replace)
{
	if (replace)
		return add_change(d, SL_CHANGE_REMOVED, dc, NULL);
	if (!sl_name_set_has(dropped, dc->name))
		return add_change(d, SL_CHANGE_DROPPED, dc, NULL);
	/* recorded before; still make sure it takes the NULLs it gets from now on */
	return dc->nullable ? SL_OK : add_change(d, SL_CHANGE_NULLABLE, dc, NULL);
}

int sl_schema_diff_compute(sl_schema_diff *out, const sl_table_schema *dest,
			   const sl_table_schema *src, const sl_name_set *dropped, bool replace)
{
	memset(out, 0, sizeof(*out));
	if (!dest || dest->ncolumns == 0)
		return SL_OK;
	int rc = SL_OK;
	for (size_t i = 0; !rc && i < src->ncolumns; i++) {
		const sl_column *sc = &src->columns[i];
		int j = sl_schema_find(dest, sc->name);
		if (j < 0) {
			sl_column added = *sc;
			added.nullable = true; /* the rows already there have no value */
			rc = add_change(out, SL_CHANGE_ADDED, &added, NULL);
		} else {
			rc = compare_column(out, src, &dest->columns[j], sc, dropped, replace);
		}
	}
	for (size_t i = 0; !rc && i < dest->ncolumns; i++) {
		const sl_column *dc = &dest->columns[i];
		if (strcasecmp(dc->name, SL_LOAD_ID_COLUMN) != 0 &&
		    sl_schema_find(src, dc->name) < 0)
			rc = lost_column(out, dc, dropped, replace);
	}
	if (rc)
		sl_schema_diff_free(out);
	return rc;
}

void sl_schema_diff_free(sl_schema_diff *diff)
{
	for (size_t i = 0; i < diff->n; i++) {
		free(diff->changes[i].column.name);
		free(diff->changes[i].column.source_type);
		free(diff->changes[i].old_type);
	}
	free(diff->changes);
	diff->changes = NULL;
	diff->n = 0;
}

/* ---- the record ----------------------------------------------------------------------------- */

static const char *const kind_names[] = {
	[SL_CHANGE_ADDED] = "added",	   [SL_CHANGE_WIDENED] = "widened",
	[SL_CHANGE_NULLABLE] = "nullable", [SL_CHANGE_DROPPED] = "dropped",
	[SL_CHANGE_RESTORED] = "restored", [SL_CHANGE_REMOVED] = "removed",
	[SL_CHANGE_RETYPED] = "retyped",
};

char *sl_schema_diff_json(const sl_schema_diff *diff)
{
	if (!diff->n)
		return NULL;
	json_t *a = json_array();
	for (size_t i = 0; i < diff->n; i++) {
		const sl_column_change *c = &diff->changes[i];
		char type[64];
		sl_column_type_text(type, sizeof(type), &c->column);
		json_t *o = json_object();
		json_object_set_new(o, "column", json_string(c->column.name));
		json_object_set_new(o, "change", json_string(kind_names[c->kind]));
		if (c->kind == SL_CHANGE_ADDED)
			json_object_set_new(o, "type", json_string(type));
		if (c->old_type) {
			json_object_set_new(o, "from", json_string(c->old_type));
			json_object_set_new(o, "to", json_string(type));
		}
		json_array_append_new(a, o);
	}
	char *text = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(a);
	if (!text)
		sl_error_set(SL_ENOMEM, "out of memory");
	return text;
}

static const char *field(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

int sl_schema_changes_fold(sl_name_set *set, const char *json)
{
	json_t *a = json ? json_loads(json, 0, NULL) : NULL;
	int rc = SL_OK;
	for (size_t i = 0; !rc && i < json_array_size(a); i++) {
		json_t *o = json_array_get(a, i);
		const char *change = field(o, "change"), *column = field(o, "column");
		if (strcmp(change, "dropped") == 0)
			rc = name_set_add(set, column);
		else if (strcmp(change, "added") == 0 || strcmp(change, "restored") == 0 ||
			 strcmp(change, "removed") == 0)
			name_set_remove(set, column);
	}
	json_decref(a);
	return rc;
}

char *sl_schema_changes_text(const char *json)
{
	json_t *a = json ? json_loads(json, 0, NULL) : NULL;
	sl_buf b = SL_BUF_INIT;
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *o = json_array_get(a, i);
		const char *change = field(o, "change");
		sl_buf_printf(&b, "%s%s %s", b.len ? "; " : "", change, field(o, "column"));
		if (strcmp(change, "added") == 0)
			sl_buf_printf(&b, " %s", field(o, "type"));
		else if (json_object_get(o, "from"))
			sl_buf_printf(&b, " %s -> %s", field(o, "from"), field(o, "to"));
		else if (strcmp(change, "dropped") == 0)
			sl_buf_puts(&b, " (kept, NULL from now on)");
	}
	json_decref(a);
	if (!b.len) {
		sl_buf_free(&b);
		return NULL;
	}
	return sl_buf_detach(&b);
}
