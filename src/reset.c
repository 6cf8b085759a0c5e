/*
 * reset.c — forgetting tables' incremental state (sl_pipeline_reset), so that their next run
 * loads them from the start, and what becomes of the rows they already hold: dropped, kept and
 * recorded (so that status can say why a table holds rows twice), or kept only when no run would
 * load them again.
 */
#include "pipeline.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A table of the reset whose next run would load its kept rows again. */
typedef struct reloaded {
	char *name;
	int64_t rows; /* in the destination */
} reloaded;

typedef struct reloaded_list {
	reloaded *t;
	size_t n;
} reloaded_list;

static void reloaded_clear(reloaded_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->t[i].name);
	free(l->t);
	l->t = NULL;
	l->n = 0;
}

/* A state with a position: forgotten, the next run reads the table from its start again. */
static bool has_position(const char *state)
{
	json_t *o = state ? json_loads(state, 0, NULL) : NULL;
	bool pos = json_object_get(o, "last_value") ||
		   json_is_true(json_object_get(o, "nulls_loaded"));
	json_decref(o);
	return pos;
}

/* A table whose state has a position; its rows are counted once the states are read (a visitor
   must not use the connection). */
static int add_positioned(void *ctx, const sl_state_record *r)
{
	reloaded_list *l = ctx;
	const char *name = r->table;
	if (!name || !has_position(r->state))
		return SL_OK;
	reloaded *t = realloc(l->t, (l->n + 1) * sizeof(*t));
	if (!t)
		return sl_error_set(SL_ENOMEM, "out of memory");
	l->t = t;
	t[l->n].rows = 0;
	if (!(t[l->n].name = sl_strdup(name)))
		return SL_ENOMEM;
	l->n++;
	return SL_OK;
}

/* Keep the tables that hold rows. */
static int count_rows(reloaded_list *l, sl_pipeline *p)
{
	size_t kept = 0;
	int rc = SL_OK;
	for (size_t i = 0; i < l->n; i++) {
		if (!rc)
			rc = sl_pipeline_count_rows(&l->t[i].rows, p, l->t[i].name);
		if (!rc && l->t[i].rows > 0)
			l->t[kept++] = l->t[i];
		else
			free(l->t[i].name);
	}
	l->n = kept;
	return rc;
}

/* The tables of the reset (`table`, or all) whose kept rows their next run would load again. */
static int find_reloaded(reloaded_list *out, sl_pipeline *p, const char *table)
{
	int rc = p->dest_driver->read_states(p->dest, p->dataset, p->name, table, add_positioned,
					     out);
	if (rc >= 0)
		rc = count_rows(out, p);
	if (rc < 0)
		reloaded_clear(out);
	return rc < 0 ? rc : SL_OK;
}

static int refuse(const sl_pipeline *p, const reloaded_list *l)
{
	char names[512] = "";
	size_t len = 0;
	for (size_t i = 0; i < l->n && len < sizeof(names); i++)
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s'%s' (%lld rows)",
					i ? ", " : "", l->t[i].name, (long long)l->t[i].rows);
	return sl_error_set(SL_EINVAL,
			    "pipeline '%s': resetting %s %s would keep %s rows, and the next run "
			    "would load them again on top of them",
			    p->name, l->n == 1 ? "table" : "tables", names,
			    l->n == 1 ? "its" : "their");
}

/* One _sluice_loads row per table whose rows stay to be loaded again: what status explains a
   table holding more rows than its source with. */
static int record_kept(sl_pipeline *p, const reloaded_list *l)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	char id[48], now[40];
	snprintf(id, sizeof(id), "%lld.%06ld", (long long)ts.tv_sec, ts.tv_nsec / 1000);
	sl_now_utc(now, sizeof(now));
	int rc = SL_OK;
	for (size_t i = 0; !rc && i < l->n; i++) {
		sl_table_load t = {.table = l->t[i].name, .rows_loaded = (uint64_t)l->t[i].rows};
		rc = sl_pipeline_write_load(p, id, &t, now, now, SL_LOAD_RESET_KEEP_DATA);
	}
	return rc;
}

/* Forget the state rows, and record the kept rows, in one transaction. */
static int forget(sl_pipeline *p, const char *table, const reloaded_list *kept)
{
	const sl_destination_driver *dd = p->dest_driver;
	int rc = dd->begin(p->dest);
	if (!rc)
		rc = dd->delete_states(p->dest, p->dataset, p->name, table);
	if (!rc)
		rc = record_kept(p, kept);
	if (!rc)
		rc = dd->commit(p->dest);
	if (rc)
		dd->rollback(p->dest);
	return rc;
}

int sl_pipeline_reset(sl_pipeline *p, const char *table, sl_reset_data data)
{
	if (!p)
		return sl_error_set(SL_EINVAL, "sl_pipeline_reset: NULL pipeline");
	bool drop = data == SL_RESET_DROP_DATA && table;
	/* not under a running pipeline: its next commit would write the state back */
	int rc = sl_pipeline_lock(p, 0);
	if (rc)
		return rc;
	reloaded_list kept = {NULL, 0};
	if (!drop)
		rc = find_reloaded(&kept, p, table);
	if (!rc && kept.n && data == SL_RESET_REFUSE_RELOAD)
		rc = refuse(p, &kept);
	if (!rc)
		rc = forget(p, table, &kept);
	if (!rc && drop)
		rc = sl_pipeline_drop_table(p, table);
	if (!rc) /* the local mirror follows the destination; the next commit rewrites it */
		sl_pipeline_unmirror_state(p, table);
	reloaded_clear(&kept);
	sl_pipeline_unlock(p);
	return rc;
}
