/*
 * state.c — per-table incremental state and its JSON form, plus the small file helpers used for
 * the local mirror of the state.
 */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void sl_table_state_init(sl_table_state *state)
{
	memset(state, 0, sizeof(*state));
	state->last_value = (sl_value)SL_VALUE_INIT;
	state->lag_until = (sl_value)SL_VALUE_INIT;
}

static void clear_pk(sl_table_state *state)
{
	for (size_t i = 0; i < state->npk; i++)
		free(state->last_pk[i]);
	free(state->last_pk);
	state->last_pk = NULL;
	state->npk = 0;
}

void sl_table_state_clear(sl_table_state *state)
{
	free(state->table);
	free(state->cursor);
	sl_value_clear(&state->last_value);
	sl_value_clear(&state->lag_until);
	clear_pk(state);
	free(state->hashes);
	free(state->disposition);
	sl_table_state_init(state);
}

int sl_table_state_add_hash(sl_table_state *state, uint64_t hash)
{
	if (sl_table_state_has_hash(state, hash))
		return SL_OK;
	uint64_t *h = sl_realloc(state->hashes, (state->nhashes + 1) * sizeof(*h));
	if (!h)
		return SL_ENOMEM;
	h[state->nhashes++] = hash;
	state->hashes = h;
	return SL_OK;
}

bool sl_table_state_has_hash(const sl_table_state *state, uint64_t hash)
{
	/* Linear: the set only holds rows sharing one cursor value, and only in hash mode. */
	for (size_t i = 0; i < state->nhashes; i++)
		if (state->hashes[i] == hash)
			return true;
	return false;
}

static void put_value(json_t *o, const char *key, const sl_value *v)
{
	char *text = sl_value_to_text(v);
	json_object_set_new(o, key, text ? json_stringn(text, strlen(text)) : json_null());
	free(text);
}

char *sl_table_state_to_json(const sl_table_state *state)
{
	json_t *o = json_object();
	json_object_set_new(o, "version", json_integer(SL_STATE_VERSION));
	json_object_set_new(o, "table", json_string(state->table ? state->table : ""));
	if (state->cursor) {
		json_object_set_new(o, "cursor", json_string(state->cursor));
		json_object_set_new(o, "cursor_type",
				    json_string(sl_type_name(state->last_value.type)));
	}
	if (state->has_last)
		put_value(o, "last_value", &state->last_value);
	if (state->has_lag_until)
		put_value(o, "lag_until", &state->lag_until);
	if (state->npk) {
		json_t *pk = json_array();
		for (size_t i = 0; i < state->npk; i++)
			json_array_append_new(pk, json_string(state->last_pk[i]));
		json_object_set_new(o, "last_pk", pk);
	}
	if (state->nhashes) {
		json_t *h = json_array();
		char hex[17];
		for (size_t i = 0; i < state->nhashes; i++) {
			snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)state->hashes[i]);
			json_array_append_new(h, json_string(hex));
		}
		json_object_set_new(o, "boundary_hashes", h);
	}
	json_object_set_new(o, "rows_loaded", json_integer((json_int_t)state->rows_loaded));
	json_object_set_new(o, "runs", json_integer((json_int_t)state->runs));
	if (state->nulls_loaded)
		json_object_set_new(o, "nulls_loaded", json_true());
	if (state->disposition)
		json_object_set_new(o, "write_disposition", json_string(state->disposition));
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!text)
		sl_error_set(SL_ENOMEM, "out of memory serialising state");
	return text;
}

static int bad_state(const char *table, const char *what)
{
	return sl_error_set(SL_ESTATE, "state of table '%s' is invalid: %s", table, what);
}

static int read_pk(sl_table_state *out, json_t *pk, const char *table)
{
	if (!json_is_array(pk))
		return bad_state(table, "last_pk is not an array");
	size_t n = json_array_size(pk);
	out->last_pk = sl_calloc(n ? n : 1, sizeof(char *));
	if (!out->last_pk)
		return SL_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(pk, i));
		if (!s)
			return bad_state(table, "last_pk holds a non-string");
		out->last_pk[i] = sl_strdup(s);
		if (!out->last_pk[i])
			return SL_ENOMEM;
		out->npk = i + 1;
	}
	return SL_OK;
}

static int read_hashes(sl_table_state *out, json_t *h, const char *table)
{
	if (!json_is_array(h))
		return bad_state(table, "boundary_hashes is not an array");
	for (size_t i = 0; i < json_array_size(h); i++) {
		const char *s = json_string_value(json_array_get(h, i));
		if (!s || strlen(s) != 16 || strspn(s, "0123456789abcdefABCDEF") != 16)
			return bad_state(table, "boundary_hashes holds a malformed hash");
		int rc = sl_table_state_add_hash(out, strtoull(s, NULL, 16));
		if (rc)
			return rc;
	}
	return SL_OK;
}

/* A counter: absent is 0, anything but a non-negative integer is refused. */
static int read_count(uint64_t *out, json_t *o, const char *key, const char *table)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return SL_OK;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return sl_error_set(SL_ESTATE,
				    "state of table '%s' is invalid: %s is not a non-negative "
				    "integer",
				    table, key);
	*out = (uint64_t)json_integer_value(v);
	return SL_OK;
}

/*
 * Version first: a newer sluice may have changed anything else. Then every key this version
 * knows must have its type: a hand-edited or damaged state is refused rather than read as "no
 * position", which would load the table again (duplicates in an append). Unknown keys are
 * ignored.
 */
static int check_version(json_t *o, const char *table)
{
	json_t *v = json_object_get(o, "version");
	if (!json_is_integer(v))
		return bad_state(table, "no integer \"version\"");
	json_int_t n = json_integer_value(v);
	if (n > SL_STATE_VERSION)
		return sl_error_set(
			SL_ESTATE,
			"state of table '%s' was written by a newer sluice (state version %lld, "
			"this sluice reads up to %d); upgrade sluice",
			table, (long long)n, SL_STATE_VERSION);
	if (n < 1)
		return sl_error_set(SL_ESTATE, "state of table '%s' is invalid: version %lld",
				    table, (long long)n);
	return SL_OK;
}

static int check_types(json_t *o, const char *table)
{
	static const struct {
		const char *key;
		json_type type;
	} keys[] = {{"table", JSON_STRING},
		    {"cursor", JSON_STRING},
		    {"cursor_type", JSON_STRING},
		    {"last_value", JSON_STRING},
		    {"last_pk", JSON_ARRAY},
		    {"boundary_hashes", JSON_ARRAY},
		    {"write_disposition", JSON_STRING},
		    {"lag_until", JSON_STRING}};
	for (size_t i = 0; i < SL_ARRAY_LEN(keys); i++) {
		json_t *v = json_object_get(o, keys[i].key);
		if (v && json_typeof(v) != keys[i].type)
			return sl_error_set(
				SL_ESTATE, "state of table '%s' is invalid: %s is not %s", table,
				keys[i].key, keys[i].type == JSON_STRING ? "a string" : "an array");
	}
	json_t *nulls = json_object_get(o, "nulls_loaded");
	if (nulls && !json_is_boolean(nulls))
		return bad_state(table, "nulls_loaded is not true or false");
	return SL_OK;
}

/* A cursor value of the state, read as the type `out` already has. */
static int read_value(sl_value *out, bool *has, json_t *o, const char *key, const char *table)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return SL_OK;
	if (sl_value_parse(out, out->type, out->precision, out->scale, json_string_value(v)))
		return sl_error_wrap("state of table '%s': %s", table, key);
	*has = true;
	return SL_OK;
}

static int read_state(sl_table_state *out, json_t *o, const char *table, sl_type type,
		      int precision, int scale)
{
	int rc = check_version(o, table);
	if (!rc)
		rc = check_types(o, table);
	if (rc)
		return rc;
	if (!(out->table = sl_strdup(table)))
		return SL_ENOMEM;
	out->last_value.type = out->lag_until.type = type;
	out->last_value.precision = out->lag_until.precision = precision;
	out->last_value.scale = out->lag_until.scale = scale;
	const char *cursor = json_string_value(json_object_get(o, "cursor"));
	if (cursor && !(out->cursor = sl_strdup(cursor)))
		return SL_ENOMEM;
	rc = read_value(&out->last_value, &out->has_last, o, "last_value", table);
	if (!rc)
		rc = read_value(&out->lag_until, &out->has_lag_until, o, "lag_until", table);
	if (rc)
		return rc;
	json_t *pk = json_object_get(o, "last_pk");
	if (pk && read_pk(out, pk, table))
		return sl_error_last_code();
	json_t *h = json_object_get(o, "boundary_hashes");
	if (h && read_hashes(out, h, table))
		return sl_error_last_code();
	if ((out->npk || out->nhashes) && !out->has_last)
		return bad_state(table,
				 "a boundary (last_pk or boundary_hashes) without last_value");
	rc = read_count(&out->rows_loaded, o, "rows_loaded", table);
	if (!rc)
		rc = read_count(&out->runs, o, "runs", table);
	out->nulls_loaded = json_is_true(json_object_get(o, "nulls_loaded"));
	const char *wd = json_string_value(json_object_get(o, "write_disposition"));
	if (!rc && wd && !(out->disposition = sl_strdup(wd)))
		rc = SL_ENOMEM;
	return rc;
}

/* A state kept for another cursor column (or any cursor, when this run has none) does not
   apply, and its last value may not even parse as this cursor's type: keep only its counters. */
static void drop_other_cursor(json_t *o, const char *cursor)
{
	const char *kept = json_string_value(json_object_get(o, "cursor"));
	if (!kept || (cursor && strcmp(kept, cursor) == 0))
		return;
	json_object_del(o, "cursor");
	json_object_del(o, "last_value");
	json_object_del(o, "last_pk");
	json_object_del(o, "boundary_hashes");
	json_object_del(o, "lag_until");
}

static int decode(sl_table_state *out, const char *json, const char *table, const char *cursor,
		  bool for_cursor, sl_type cursor_type, int precision, int scale)
{
	json_error_t jerr;
	sl_table_state_init(out);
	json_t *o = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
	if (!o || !json_is_object(o)) {
		json_decref(o);
		return sl_error_set(SL_ESTATE, "state of table '%s' is not a JSON object%s%s",
				    table, o ? "" : ": ", o ? "" : sl_one_line(jerr.text));
	}
	int rc = check_version(o, table);
	if (!rc && for_cursor)
		drop_other_cursor(o, cursor);
	if (!rc)
		rc = read_state(out, o, table, cursor_type, precision, scale);
	json_decref(o);
	if (rc)
		sl_table_state_clear(out);
	return rc;
}

int sl_table_state_from_json(sl_table_state *out, const char *json, const char *table,
			     sl_type cursor_type, int precision, int scale)
{
	return decode(out, json, table, NULL, false, cursor_type, precision, scale);
}

int sl_table_state_decode(sl_table_state *out, const char *json, const char *table,
			  const char *cursor, sl_type cursor_type, int precision, int scale)
{
	int rc = decode(out, json, table, cursor, true, cursor_type, precision, scale);
	if (!rc && cursor && !out->cursor && !(out->cursor = sl_strdup(cursor))) {
		sl_table_state_clear(out);
		return SL_ENOMEM;
	}
	return rc;
}

char *sl_one_line(char *text)
{
	for (char *c = text; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return text;
}

/* ---- files --------------------------------------------------------------------------------- */

int sl_make_parents(const char *path)
{
	char *dir = sl_strdup(path);
	if (!dir)
		return SL_ENOMEM;
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			int rc = sl_error_set(SL_EIO, "cannot create directory '%s': %s", dir,
					      strerror(errno));
			free(dir);
			return rc;
		}
		*p = '/';
	}
	free(dir);
	return SL_OK;
}

int sl_write_file_atomic(const char *path, const char *text, unsigned mode)
{
	int rc = sl_make_parents(path);
	if (rc)
		return rc;
	char *tmp = sl_printf_alloc("%s.tmp.%ld", path, (long)getpid());
	if (!tmp)
		return SL_ENOMEM;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, (mode_t)mode);
	size_t len = strlen(text);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
		rc = sl_error_set(SL_EIO, "cannot write '%s': %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		free(tmp);
		return rc;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		rc = sl_error_set(SL_EIO, "cannot rename '%s' to '%s': %s", tmp, path,
				  strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

int sl_read_file(char **out, const char *path)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (errno == ENOENT)
			return sl_error_set(SL_ENOTFOUND, "file '%s' not found", path);
		return sl_error_set(SL_EIO, "cannot read '%s': %s", path, strerror(errno));
	}
	sl_buf buf = SL_BUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sl_buf_append(&buf, chunk, n);
	int failed = ferror(f);
	fclose(f);
	if (failed) {
		sl_buf_free(&buf);
		return sl_error_set(SL_EIO, "cannot read '%s'", path);
	}
	*out = sl_buf_detach(&buf);
	return *out ? SL_OK : SL_ENOMEM;
}
