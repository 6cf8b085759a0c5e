/*
 * drivers.c — the one table of compiled-in drivers. A new driver adds a line here and its own
 * file under sources/ or destinations/; a URL finds its driver by the schemes the driver lists.
 */
#include "drivers.h"

#include <string.h>

/* The source drivers, each a `const sl_source_driver` defined in its file under sources/. */
#define SOURCE_DRIVERS(X)   \
	X(sl_mysql_source)  \
	X(sl_sqlite_source) \
	X(sl_postgres_source)

#define DECLARE_SOURCE(d) extern const sl_source_driver d;
SOURCE_DRIVERS(DECLARE_SOURCE)

#define SOURCE_ENTRY(d) &d,
static const sl_source_driver *const source_drivers[] = {SOURCE_DRIVERS(SOURCE_ENTRY)};

static const sl_destination_driver *const destination_drivers[] = {
	&sl_duckdb_destination,
	&sl_postgres_destination,
	&sl_files_destination,
};

static bool serves(const sl_driver_head *head, const char *scheme)
{
	for (const char *const *s = head->schemes; *s; s++)
		if (strcmp(*s, scheme) == 0)
			return true;
	return false;
}

/*
 * The index of the driver that serves `url` among `heads`, or -1 with the error set: no driver
 * serves it (naming the schemes that `role`s do serve), or the one that does was built for
 * another interface `version` (it would be called wrongly: refused by name, as libgit2 checks
 * its backends).
 */
static int find_driver(const sl_url *url, const char *role, unsigned version,
		       const sl_driver_head *const *heads, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!serves(heads[i], url->scheme))
			continue;
		if (heads[i]->version == version)
			return (int)i;
		sl_error_set(SL_EUNSUPPORTED,
			     "driver '%s' implements interface version %u; this sluice needs %u",
			     heads[i]->name, heads[i]->version, version);
		return -1;
	}
	sl_buf supported = SL_BUF_INIT;
	for (size_t i = 0; i < n; i++)
		for (const char *const *s = heads[i]->schemes; *s; s++)
			sl_buf_printf(&supported, "%s%s://", supported.len ? ", " : "", *s);
	sl_error_set(SL_EUNSUPPORTED, "%s:// is not a supported %s (supported: %s)", url->scheme,
		     role, supported.failed ? "?" : sl_buf_cstr(&supported));
	sl_buf_free(&supported);
	return -1;
}

const sl_source_driver *sl_source_driver_for(const sl_url *url)
{
	const sl_driver_head *heads[SL_ARRAY_LEN(source_drivers)];
	for (size_t i = 0; i < SL_ARRAY_LEN(source_drivers); i++)
		heads[i] = &source_drivers[i]->head;
	int i = find_driver(url, "source", SL_SOURCE_DRIVER_VERSION, heads, SL_ARRAY_LEN(heads));
	return i < 0 ? NULL : source_drivers[i];
}

const sl_destination_driver *sl_destination_driver_for(const sl_url *url)
{
	const sl_driver_head *heads[SL_ARRAY_LEN(destination_drivers)];
	for (size_t i = 0; i < SL_ARRAY_LEN(destination_drivers); i++)
		heads[i] = &destination_drivers[i]->head;
	int i = find_driver(url, "destination", SL_DESTINATION_DRIVER_VERSION, heads,
			    SL_ARRAY_LEN(heads));
	return i < 0 ? NULL : destination_drivers[i];
}

const char *sl_version(void)
{
	return SLUICE_VERSION;
}

const char *sl_destination_library_version(void)
{
	const sl_destination_driver *d = destination_drivers[0];
	const char *v = d->library_version ? d->library_version() : NULL;
	return v ? v : "unknown";
}
