/*
 * fuzz_mirror.c — libFuzzer target for the local files a pipeline reads back
 * (<pipelines dir>/<name>/pipeline.json, credentials and state.json; src/status.c and
 * src/pipeline_meta.c), read from a real directory as `sluice show/status/state NAME` does.
 *
 * Input: up to three parts separated by NUL bytes: pipeline.json, credentials, state.json (a part
 * left out, or empty, means that file is absent). Each input:
 *  - sl_pipeline_open and sl_pipeline_last_source: no crash or leak; a refusal has a known code
 *    and a bounded one-line message; SL_ESTATE (a damaged file) names the file's path; the
 *    password of the credentials (a canary, when pipeline.json does not hold it) never shows in
 *    a message or in the destination as shown; an accepted source has the tables listed;
 *  - sl_pipeline_mirror_state (after a commit): state.json is afterwards a JSON object holding
 *    the committed table's state, and every other table's entry of a readable state.json is kept.
 * A broken invariant aborts, so the corpus replay (fuzz/replay.c) fails too.
 */
#define _GNU_SOURCE /* memmem */

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME   "fz"
#define CANARY "SeCrEt9Zq"

#define CHECK(cond)                                                                         \
	do {                                                                                \
		if (!(cond)) {                                                              \
			fprintf(stderr, "fuzz_mirror: %s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                                           \
			abort();                                                            \
		}                                                                           \
	} while (0)

static char root[64]; /* the pipelines directory, made once per process */

static void remove_root(void)
{
	static const char *const files[] = {"pipeline.json", "credentials", "state.json"};
	char path[128];
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/" NAME "/%s", root, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/" NAME, root);
	rmdir(path);
	rmdir(root);
}

static void make_root(void)
{
	if (root[0])
		return;
	const char *tmp = getenv("TMPDIR");
	snprintf(root, sizeof(root), "%.40s/fuzz_mirror.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	CHECK(mkdtemp(root));
	char dir[128];
	snprintf(dir, sizeof(dir), "%s/" NAME, root);
	CHECK(mkdir(dir, 0700) == 0);
	atexit(remove_root);
}

static void put_file(const char *file, const uint8_t *data, size_t len)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/" NAME "/%s", root, file);
	unlink(path);
	if (!data || len == 0)
		return;
	FILE *f = fopen(path, "wb");
	CHECK(f && fwrite(data, 1, len, f) == len && fclose(f) == 0);
}

static bool has(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

static void check_refused(int rc, bool secret)
{
	const char *msg = sl_error_last()->message;
	CHECK(rc < 0 && sl_error_last()->code == rc);
	CHECK(rc != SL_ERROR); /* a specific code, not the generic one */
	CHECK(strlen(msg) < 1000 && msg[0]);
	for (const char *c = msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			fprintf(stderr, "fuzz_mirror: message is not one line: %s\n", msg);
			abort();
		}
	if (rc == SL_ESTATE)
		CHECK(has(msg, root));
	if (secret && has(msg, CANARY)) {
		fprintf(stderr, "fuzz_mirror: message shows the password: %s\n", msg);
		abort();
	}
}

static void run_readers(bool secret)
{
	sl_pipeline *p = NULL;
	int rc = sl_pipeline_open(&p, NAME, root);
	if (rc) {
		CHECK(p == NULL);
		check_refused(rc, secret);
		return;
	}
	CHECK(p && p->destination && p->destination_shown && p->dataset);
	if (secret)
		CHECK(!has(p->destination_shown, CANARY));
	sl_source *src = NULL;
	rc = sl_pipeline_last_source(&src, p);
	if (rc) {
		CHECK(src == NULL);
		check_refused(rc, secret);
	} else {
		CHECK(src && src->ntables > 0 && src->url);
		for (size_t i = 0; i < src->ntables; i++)
			CHECK(src->tables[i].name && src->tables[i].name[0]);
	}
	sl_source_free(src);
	sl_pipeline_free(p);
}

/* What state.json holds now (NULL if missing or not an object). */
static json_t *read_states(void)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/" NAME "/state.json", root);
	json_t *o = json_load_file(path, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void run_mirror_state(void)
{
	json_t *before = read_states();
	sl_pipeline_options o = SL_PIPELINE_OPTIONS_INIT;
	o.pipeline_name = NAME;
	o.pipelines_dir = root;
	sl_pipeline *p;
	CHECK(sl_pipeline_new(&p, &o) == SL_OK);
	sl_table_state st;
	CHECK(sl_table_state_from_json(&st,
				       "{\"version\":1,\"cursor\":\"id\",\"last_value\":\"41\","
				       "\"last_pk\":[\"41\"],\"rows_loaded\":41,\"runs\":2}",
				       "committed", SL_TYPE_INT64, 0, 0) == SL_OK);
	CHECK(sl_pipeline_mirror_state(p, &st) == SL_OK);
	sl_table_state_clear(&st);
	sl_pipeline_free(p);

	json_t *after = read_states();
	CHECK(after);
	json_t *mine = json_object_get(after, "committed");
	CHECK(json_is_object(mine) &&
	      json_integer_value(json_object_get(mine, "rows_loaded")) == 41);
	const char *key;
	json_t *value;
	json_object_foreach(before, key, value)
	{
		if (strcmp(key, "committed") != 0)
			CHECK(json_equal(value, json_object_get(after, key)));
	}
	json_decref(after);
	json_decref(before);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 16384)
		return 0;
	make_root();
	const uint8_t *part[3] = {NULL, NULL, NULL};
	size_t len[3] = {0, 0, 0};
	const uint8_t *at = data, *end = data + size;
	for (int i = 0; i < 3 && at <= end; i++) {
		const uint8_t *nul = i < 2 ? memchr(at, 0, (size_t)(end - at)) : NULL;
		part[i] = at;
		len[i] = nul ? (size_t)(nul - at) : (size_t)(end - at);
		at += len[i] + 1;
		if (!nul)
			break;
	}
	put_file("pipeline.json", part[0], len[0]);
	put_file("credentials", part[1], len[1]);
	put_file("state.json", part[2], len[2]);

	/*
	 * A password in the credentials (a URL value starting "mysql://u:" CANARY "@" or the same
	 * for postgresql; the canary nowhere else) stays secret, even when the file is damaged,
	 * unless pipeline.json spells it out too. (In duckdb:///path the text is a path.)
	 */
	static const char *const pw[] = {"\"mysql://u:" CANARY "@", "\"postgresql://u:" CANARY "@"};
	const uint8_t *first = len[1] ? memmem(part[1], len[1], CANARY, strlen(CANARY)) : NULL;
	bool secret = first &&
		      (memmem(part[1], len[1], pw[0], strlen(pw[0])) ||
		       memmem(part[1], len[1], pw[1], strlen(pw[1]))) &&
		      !memmem(first + 1, len[1] - (size_t)(first + 1 - part[1]), CANARY,
			      strlen(CANARY)) &&
		      !(len[0] && memmem(part[0], len[0], CANARY, strlen(CANARY)));
	run_readers(secret);
	run_mirror_state();
	sl_error_clear();
	return 0;
}
