/*
 * config.c — the YAML reader of `sluice run --config FILE` (see config.h). libyaml loads the
 * whole document (a config file is small; the cap below keeps it so), then the walk hands each
 * key to the sink with the place it was written, so every error reads FILE:LINE:COLUMN.
 */
#include "config.h"
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* A config file is a page of settings; anything this big is the wrong file. */
#define CONFIG_MAX_BYTES (1 << 20)

struct cli_config {
	char **strings; /* every string handed to the sink, owned */
	size_t count;
	size_t cap;
};

/* One walk over a document. */
typedef struct reader {
	cli_config *config;
	yaml_document_t *doc;
	bool expand_env;
	const cli_config_sink *sink;
	cli_err err;	   /* the first error */
	yaml_mark_t where; /* and where it is */
} reader;

/* Keys whose list items are handed over one by one. */
static const char *const repeated_keys[] = {"exclude", NULL};
/* Keys of comma-separated columns, which may be written as a list. */
static const char *const joined_keys[] = {"columns", "exclude_columns", "primary_key", "merge_key",
					  NULL};

static bool listed(const char *key, const char *const *keys)
{
	for (size_t i = 0; keys[i]; i++) {
		if (strcmp(key, keys[i]) == 0)
			return true;
	}
	return false;
}

bool cli_config_repeated(const char *key)
{
	return listed(key, repeated_keys);
}

void cli_config_free(cli_config *config)
{
	if (!config)
		return;
	for (size_t i = 0; i < config->count; i++)
		free(config->strings[i]);
	free(config->strings);
	free(config);
}

static int fail(reader *r, yaml_mark_t where, const char *fmt, ...) CLI_PRINTF(3, 4);

static int fail(reader *r, yaml_mark_t where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err.msg, sizeof(r->err.msg), fmt, ap);
	va_end(ap);
	r->where = where;
	return -1;
}

/* Take ownership of `s` (NULL: out of memory) and return it. */
static char *keep(reader *r, char *s)
{
	cli_config *c = r->config;

	if (s && c->count == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		char **grown = realloc(c->strings, cap * sizeof(*grown));
		if (!grown) {
			free(s);
			return NULL;
		}
		c->strings = grown;
		c->cap = cap;
	}
	if (s)
		c->strings[c->count++] = s;
	else
		snprintf(r->err.msg, sizeof(r->err.msg), "out of memory");
	return s;
}

static bool is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0);
}

static bool is_name_char(char c, bool first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

/* Append n bytes to the growing *buf; false when out of memory. */
static bool append(char **buf, size_t *len, const char *s, size_t n)
{
	char *grown = realloc(*buf, *len + n + 1);

	if (!grown)
		return false;
	memcpy(grown + *len, s, n);
	*len += n;
	grown[*len] = '\0';
	*buf = grown;
	return true;
}

/* ${VAR} in `text` replaced from the environment; a '$' not followed by '{' stays. The values
   are never quoted in a message: one may be a password. */
static char *expand(reader *r, const yaml_node_t *n, const char *key, const char *text)
{
	char *out = NULL;
	size_t len = 0;
	bool ok = append(&out, &len, "", 0);

	for (const char *p = text; ok && *p;) {
		const char *start = strstr(p, "${");
		if (!start) {
			ok = append(&out, &len, p, strlen(p));
			break;
		}
		const char *name = start + 2;
		size_t nlen = 0;
		while (is_name_char(name[nlen], nlen == 0))
			nlen++;
		if (nlen == 0 || name[nlen] != '}') {
			fail(r, n->start_mark, "%s: '${' not followed by a variable name and '}'",
			     key);
			free(out);
			return NULL;
		}
		char var[128];
		snprintf(var, sizeof(var), "%.*s", (int)nlen, name);
		const char *value = getenv(var);
		if (!value) {
			fail(r, n->start_mark, "%s: environment variable '%s' is not set", key,
			     var);
			free(out);
			return NULL;
		}
		ok = append(&out, &len, p, (size_t)(start - p)) &&
		     append(&out, &len, value, strlen(value));
		p = name + nlen + 1;
	}
	if (!ok) {
		free(out);
		snprintf(r->err.msg, sizeof(r->err.msg), "out of memory");
		return NULL;
	}
	return keep(r, out);
}

/* A scalar's text, ${VAR} expanded when the reader does that. */
static const char *scalar_text(reader *r, const yaml_node_t *n, const char *key)
{
	const char *text = (const char *)n->data.scalar.value;

	if (r->expand_env && strchr(text, '$'))
		return expand(r, n, key, text);
	return keep(r, strdup(text));
}

/* A list of scalars as "a,b,c". */
static const char *joined_text(reader *r, const yaml_node_t *list, const char *key)
{
	char *out = NULL;
	size_t len = 0;
	bool ok = append(&out, &len, "", 0);

	for (yaml_node_item_t *i = list->data.sequence.items.start;
	     ok && i < list->data.sequence.items.top; i++) {
		const yaml_node_t *item = yaml_document_get_node(r->doc, *i);
		if (item->type != YAML_SCALAR_NODE) {
			free(out);
			fail(r, item->start_mark, "%s: a list item is not a single value", key);
			return NULL;
		}
		const char *text = scalar_text(r, item, key);
		ok = text && (len == 0 || append(&out, &len, ",", 1)) &&
		     append(&out, &len, text, strlen(text));
	}
	if (!ok) {
		free(out);
		return NULL;
	}
	return keep(r, out);
}

/* Hand one item to the sink; a rejected key (-2) is placed at the key, a value at the value. */
static int hand_over(reader *r, const char *table, const char *key, const yaml_node_t *k,
		     const yaml_node_t *v, const char *text)
{
	int rc = r->sink->set(r->sink->ctx, table, key, text, &r->err);

	if (rc < 0)
		r->where = rc == -2 ? k->start_mark : v->start_mark;
	return rc < 0 ? -1 : 0;
}

/* One `key: value` for `table` (NULL: the top level). */
static int set_key(reader *r, const char *table, const char *key, const yaml_node_t *k,
		   const yaml_node_t *v)
{
	const char *text = NULL;

	if (v->type == YAML_MAPPING_NODE)
		return fail(r, v->start_mark, "%s: expected a value or a list, not a mapping", key);
	if (is_null(v))
		return fail(r, v->start_mark, "%s: no value given", key);
	if (v->type == YAML_SEQUENCE_NODE && cli_config_repeated(key)) {
		for (yaml_node_item_t *i = v->data.sequence.items.start;
		     i < v->data.sequence.items.top; i++) {
			const yaml_node_t *item = yaml_document_get_node(r->doc, *i);
			if (item->type != YAML_SCALAR_NODE)
				return fail(r, item->start_mark,
					    "%s: a list item is not a single value", key);
			if (!(text = scalar_text(r, item, key)) ||
			    hand_over(r, table, key, k, item, text) != 0)
				return -1;
		}
		return 0;
	}
	if (v->type == YAML_SEQUENCE_NODE && !listed(key, joined_keys))
		return fail(r, v->start_mark, "%s: expected a single value, not a list", key);
	text = v->type == YAML_SEQUENCE_NODE ? joined_text(r, v, key) : scalar_text(r, v, key);
	if (!text)
		return -1;
	return hand_over(r, table, key, k, v, text);
}

/* A mapping key: text, and not given before in `map`. */
static const char *key_text(reader *r, const yaml_node_t *map, const yaml_node_pair_t *pair)
{
	const yaml_node_t *k = yaml_document_get_node(r->doc, pair->key);

	if (k->type != YAML_SCALAR_NODE) {
		fail(r, k->start_mark, "a key is not text");
		return NULL;
	}
	const char *text = (const char *)k->data.scalar.value;
	for (const yaml_node_pair_t *p = map->data.mapping.pairs.start; p < pair; p++) {
		const yaml_node_t *before = yaml_document_get_node(r->doc, p->key);
		if (before->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)before->data.scalar.value, text) == 0) {
			fail(r, k->start_mark, "%s: given twice", text);
			return NULL;
		}
	}
	return keep(r, strdup(text));
}

/* The keys of a mapping, for `table` (NULL: the top level, where `tables` is walked apart). */
static int walk_keys(reader *r, const yaml_node_t *map, const char *table,
		     int (*tables)(reader *r, const yaml_node_t *v))
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = yaml_document_get_node(r->doc, p->key);
		const yaml_node_t *v = yaml_document_get_node(r->doc, p->value);
		const char *key = key_text(r, map, p);
		if (!key)
			return -1;
		int rc = tables && strcmp(key, "tables") == 0 ? tables(r, v)
							      : set_key(r, table, key, k, v);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int add_table(reader *r, const yaml_node_t *at, const char *name)
{
	if (r->sink->table(r->sink->ctx, name, &r->err) != 0) {
		r->where = at->start_mark;
		return -1;
	}
	return 0;
}

/* `tables`: a mapping of selections to their hints ({} or nothing for none), or a list. */
static int walk_tables(reader *r, const yaml_node_t *v)
{
	if (v->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *i = v->data.sequence.items.start;
		     i < v->data.sequence.items.top; i++) {
			const yaml_node_t *item = yaml_document_get_node(r->doc, *i);
			if (item->type != YAML_SCALAR_NODE || is_null(item))
				return fail(r, item->start_mark,
					    "tables: a list item is not a table name");
			const char *name = keep(r, strdup((char *)item->data.scalar.value));
			if (!name || add_table(r, item, name) != 0)
				return -1;
		}
		return 0;
	}
	if (v->type != YAML_MAPPING_NODE)
		return fail(r, v->start_mark,
			    "tables: expected a mapping of table names to their hints");
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = yaml_document_get_node(r->doc, p->key);
		const yaml_node_t *hints = yaml_document_get_node(r->doc, p->value);
		const char *name = key_text(r, v, p);
		if (!name || add_table(r, k, name) != 0)
			return -1;
		if (hints->type == YAML_MAPPING_NODE) {
			if (walk_keys(r, hints, name, NULL) != 0)
				return -1;
		} else if (!is_null(hints)) {
			return fail(r, hints->start_mark,
				    "tables: %s: expected a mapping of hints (or {})", name);
		}
	}
	return 0;
}

static int walk(reader *r)
{
	const yaml_node_t *root = yaml_document_get_root_node(r->doc);
	yaml_mark_t start = {0, 0, 0};

	if (!root || is_null(root))
		return fail(r, start, "the file holds no settings");
	if (root->type != YAML_MAPPING_NODE)
		return fail(r, root->start_mark, "expected a mapping of settings (key: value)");
	return walk_keys(r, root, NULL, walk_tables);
}

/* Load the first document; a second one is refused (a stray '---' would hide settings). */
static int load(reader *r, yaml_parser_t *parser, yaml_document_t *doc)
{
	yaml_document_t extra;

	if (!yaml_parser_load(parser, doc)) {
		fail(r, parser->problem_mark, "%s%s%s", parser->problem ? parser->problem : "?",
		     parser->context ? " " : "", parser->context ? parser->context : "");
		return -1;
	}
	if (!yaml_parser_load(parser, &extra)) {
		fail(r, parser->problem_mark, "%s", parser->problem ? parser->problem : "?");
		yaml_document_delete(doc);
		return -1;
	}
	const yaml_node_t *more = yaml_document_get_root_node(&extra);
	if (more)
		fail(r, more->start_mark, "a second document ('---'): one is expected");
	yaml_document_delete(&extra);
	if (more)
		yaml_document_delete(doc);
	return more ? -1 : 0;
}

int cli_config_parse(cli_config **out, const char *cmd, const char *name, const char *text,
		     size_t len, bool expand_env, const cli_config_sink *sink)
{
	reader r = {.expand_env = expand_env, .sink = sink};
	yaml_parser_t parser;
	yaml_document_t doc;
	int rc = -1;

	*out = NULL;
	r.config = calloc(1, sizeof(*r.config));
	if (!r.config || !yaml_parser_initialize(&parser)) {
		free(r.config);
		fputs("sluice: error: out of memory\n", stderr);
		return CLI_EXIT_FAILURE;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (load(&r, &parser, &doc) == 0) {
		r.doc = &doc;
		rc = walk(&r);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	if (rc == 0) {
		*out = r.config;
		return CLI_EXIT_OK;
	}
	cli_config_free(r.config);
	return cli_usage(cmd, "%s:%zu:%zu: %s", name, r.where.line + 1, r.where.column + 1,
			 r.err.msg);
}

/* The whole file; NULL with errno set (EFBIG past the cap). */
static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = f ? malloc(CONFIG_MAX_BYTES + 1) : NULL;

	if (f && !buf)
		errno = ENOMEM;
	if (buf) {
		*len = fread(buf, 1, CONFIG_MAX_BYTES + 1, f);
		if (ferror(f) || *len > CONFIG_MAX_BYTES) {
			errno = ferror(f) ? EIO : EFBIG;
			free(buf);
			buf = NULL;
		}
	}
	if (f)
		fclose(f);
	return buf;
}

int cli_config_read(cli_config **out, const char *cmd, const char *path,
		    const cli_config_sink *sink)
{
	size_t len = 0;
	char *text = read_all(path, &len);

	*out = NULL;
	if (!text)
		return cli_usage(cmd, "%s: %s", path,
				 errno == EFBIG ? "larger than 1 MiB: not a config file"
						: strerror(errno));
	int code = cli_config_parse(out, cmd, path, text, len, true, sink);
	free(text);
	return code;
}
