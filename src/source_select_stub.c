/*
 * source_select_stub.c — TEMPORARY, branch h-config only: sl_source_exclude and
 * sl_source_include_views are declared in sluice.h and implemented in src/source_select.c on
 * another branch. These stand-ins keep this branch linking; delete this file when that branch
 * is merged. They refuse, so nothing pretends to leave a table out.
 */
#include "common.h"
#include "sluice.h"

SL_EXTERN(int) sl_source_exclude(sl_source *source, const char *pattern)
{
	(void)source;
	(void)pattern;
	return sl_error_set(SL_EUNSUPPORTED,
			    "--exclude is not built in yet (source_select_stub.c: the branch "
			    "that selects tables is not merged)");
}

SL_EXTERN(int) sl_source_include_views(sl_source *source, bool include)
{
	(void)source;
	(void)include;
	return sl_error_set(SL_EUNSUPPORTED,
			    "--include-views is not built in yet (source_select_stub.c: the "
			    "branch that selects tables is not merged)");
}
