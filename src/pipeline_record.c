/*
 * pipeline_record.c — the local record (pipeline.json + credentials, written by
 * pipeline_meta.c) read back as a run configuration, in the keys of `sluice run --config`, so
 * that running a pipeline again by name goes through the same reader, and the same overrides,
 * as a config file.
 */
#include "pipeline.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What reading one record needs: its files' paths for messages. */
typedef struct record {
	const sl_pipeline *p;
	char *path; /* pipeline.json */
} record;

static int damaged(const char *path, const char *what, const char *key)
{
	return sl_error_set(SL_ESTATE,
			    "%s: %s%s%s (the file was damaged or edited by hand; run the pipeline "
			    "with its source URL to rewrite it)",
			    path, key ? "\"" : "", key ? key : "", what);
}

static int load(json_t **out, const sl_pipeline *p, const char *file)
{
	char *path = sl_printf_alloc("%s/%s/%s", p->pipelines_dir, p->name, file);
	char *text = NULL;
	*out = NULL;
	int rc = path ? sl_read_file(&text, path) : SL_ENOMEM;
	if (rc == SL_ENOTFOUND)
		rc = sl_error_set(SL_ENOTFOUND,
				  "pipeline '%s': %s is missing (run it with its "
				  "source URL to rewrite it)",
				  p->name, path);
	if (!rc) {
		*out = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
		/* never quote the text: the credentials hold passwords */
		if (!json_is_object(*out))
			rc = damaged(path, "not a JSON object", NULL);
	}
	if (rc) {
		json_decref(*out);
		*out = NULL;
	}
	free(text);
	free(path);
	return rc;
}

/* Copy string member `from` of `in` to `out` as `to`, when there. */
static int copy_string(json_t *out, const char *to, json_t *in, const char *from, const record *r)
{
	json_t *v = json_object_get(in, from);
	if (!v)
		return SL_OK;
	if (!json_is_string(v))
		return damaged(r->path, "\" is not a string", from);
	json_object_set(out, to, v);
	return SL_OK;
}

/* An enum member by name, 0 (the default) left out unless `keep_zero`. */
static int copy_enum(json_t *out, const char *to, json_t *in, const char *from,
		     const char *const *names, bool keep_zero, const record *r)
{
	json_t *v = json_object_get(in, from);
	size_t n = 0;
	while (names[n])
		n++;
	if (!v)
		return SL_OK;
	json_int_t i = json_integer_value(v);
	if (!json_is_integer(v) || i < 0 || (size_t)i >= n)
		return damaged(r->path, "\" of a table is not a known value", from);
	if (i > 0 || keep_zero)
		json_object_set_new(out, to, json_string(names[i]));
	return SL_OK;
}

static const char *const row_orders[] = {"asc", "desc", "none", NULL};
static const char *const value_funcs[] = {"max", "min", NULL};
static const char *const ranges[] = {"", "closed", "open", NULL};
static const char *const missing[] = {"raise", "include", "exclude", NULL};
static const char *const dispositions[] = {"", "append", "replace", "merge", NULL};

static int table_hints(json_t *h, json_t *t, const record *r)
{
	static const char *const strings[] = {
		"primary_key",
		"columns",
		"exclude_columns",
		"merge_key",
		"hard_delete_column",
		"cursor",
		"initial_value",
		"end_value",
		"lag",
		NULL,
	};
	json_t *chunk = json_object_get(t, "chunk_size");
	int rc = SL_OK;
	if (chunk && (!json_is_integer(chunk) || json_integer_value(chunk) < 0))
		return damaged(r->path, "\" of a table is not a non-negative integer",
			       "chunk_size");
	if (json_integer_value(chunk) > 0)
		json_object_set(h, "chunk_size", chunk);
	for (size_t i = 0; strings[i] && !rc; i++)
		rc = copy_string(h, strings[i], t, strings[i], r);
	if (json_is_true(json_object_get(t, "sync_deletes")))
		json_object_set_new(h, "sync_deletes", json_true());
	bool cursor = json_object_get(t, "cursor") != NULL;
	rc = rc ? rc : copy_enum(h, "row_order", t, "row_order", row_orders, cursor, r);
	rc = rc ? rc : copy_enum(h, "last_value_func", t, "last_value_func", value_funcs, false, r);
	rc = rc ? rc : copy_enum(h, "range_start", t, "range_start", ranges, false, r);
	rc = rc ? rc : copy_enum(h, "range_end", t, "range_end", ranges, false, r);
	rc = rc ? rc
		: copy_enum(h, "on_cursor_missing", t, "on_cursor_value_missing", missing, false,
			    r);
	return rc ? rc
		  : copy_enum(h, "write_disposition", t, "write_disposition", dispositions, false,
			      r);
}

/* A selection's key: its name, with ":DEST" when it loads under another name (or when its own
   name holds a ':', which would otherwise be taken for one). */
static char *selection_key(json_t *t, const record *r)
{
	const char *name = json_string_value(json_object_get(t, "name"));
	const char *dest = json_string_value(json_object_get(t, "table_name"));
	if (!name || !*name) {
		damaged(r->path, "a table has no \"name\"", NULL);
		return NULL;
	}
	if (!dest && strchr(name, ':'))
		dest = strrchr(name, '.') ? strrchr(name, '.') + 1 : name;
	char *key = dest ? sl_printf_alloc("%s:%s", name, dest) : sl_strdup(name);
	if (!key)
		sl_error_set(SL_ENOMEM, "out of memory");
	return key;
}

static int record_tables(json_t *out, json_t *meta, const record *r)
{
	json_t *tables = json_object_get(meta, "tables");
	if (!json_is_array(tables) || json_array_size(tables) == 0)
		return damaged(r->path, "\" is not a list of tables", "tables");
	json_t *all = json_object();
	json_object_set_new(out, "tables", all);
	int rc = SL_OK;
	for (size_t i = 0; i < json_array_size(tables) && !rc; i++) {
		json_t *t = json_array_get(tables, i);
		char *key = json_is_object(t) ? selection_key(t, r) : NULL;
		if (!key)
			return json_is_object(t)
				       ? sl_error_last_code()
				       : damaged(r->path, "a table is not an object", NULL);
		json_t *h = json_object();
		json_object_set_new(all, key, h);
		free(key);
		rc = table_hints(h, t, r);
	}
	return rc;
}

/* The run-wide part: what the run was given besides its tables. */
static int record_run(json_t *out, json_t *meta, const char *url, const record *r)
{
	json_t *chunk = json_object_get(meta, "chunk_size");
	json_t *exclude = json_object_get(meta, "exclude");
	json_object_set_new(out, "source", json_string(url));
	json_object_set_new(out, "destination", json_string(r->p->destination));
	json_object_set_new(out, "pipeline", json_string(r->p->name));
	json_object_set_new(out, "dataset", json_string(r->p->dataset));
	if (chunk && (!json_is_integer(chunk) || json_integer_value(chunk) < 0))
		return damaged(r->path, "\" is not a non-negative integer", "chunk_size");
	if (json_integer_value(chunk) > 0) /* a version 1 record has it only here */
		json_object_set(out, "chunk_size", chunk);
	if (exclude && !json_is_array(exclude))
		return damaged(r->path, "\" is not a list", "exclude");
	for (size_t i = 0; i < json_array_size(exclude); i++) {
		if (!json_is_string(json_array_get(exclude, i)))
			return damaged(r->path, "\" holds something else than names", "exclude");
	}
	if (exclude)
		json_object_set(out, "exclude", exclude);
	if (json_is_true(json_object_get(meta, "include_views")))
		json_object_set_new(out, "include_views", json_true());
	return record_tables(out, meta, r);
}

int sl_pipeline_last_config(char **out, sl_pipeline *p)
{
	record r = {p, sl_printf_alloc("%s/%s/pipeline.json", p->pipelines_dir, p->name)};
	json_t *meta = NULL, *cred = NULL, *config = json_object();
	*out = NULL;
	int rc = r.path && config ? load(&meta, p, "pipeline.json") : SL_ENOMEM;
	rc = rc ? rc : load(&cred, p, "credentials");
	const char *url = json_string_value(json_object_get(cred, "source_url"));
	if (!rc && !url) {
		char *path = sl_printf_alloc("%s/%s/credentials", p->pipelines_dir, p->name);
		rc = path ? damaged(path, "\" is missing or not a string", "source_url")
			  : SL_ENOMEM;
		free(path);
	}
	rc = rc ? rc : record_run(config, meta, url, &r);
	if (!rc && !(*out = json_dumps(config, JSON_COMPACT | JSON_PRESERVE_ORDER)))
		rc = sl_error_set(SL_ENOMEM, "out of memory");
	json_decref(config);
	json_decref(meta);
	json_decref(cred);
	free(r.path);
	return rc;
}
