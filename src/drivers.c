/*
 * drivers.c — the one table of compiled-in drivers. A new driver adds a line here and its own
 * file under sources/ or destinations/; a URL finds its driver by the schemes the driver lists.
 */
#include "drivers.h"

#include <string.h>

static const sl_source_driver *const source_drivers[] = {
	&sl_mysql_source,
	&sl_sqlite_source,
	&sl_postgres_source,
};

static const sl_destination_driver *const destination_drivers[] = {
	&sl_duckdb_destination,
	&sl_postgres_destination,
};

static bool serves(const char *const *schemes, const char *scheme)
{
	for (; *schemes; schemes++)
		if (strcmp(*schemes, scheme) == 0)
			return true;
	return false;
}

/* "mysql://, mariadb://, ..." for a driver's schemes, after what `list` holds. */
static void put_schemes(sl_buf *list, const char *const *schemes)
{
	for (; *schemes; schemes++)
		sl_buf_printf(list, "%s%s://", list->len ? ", " : "", *schemes);
}

static int unsupported(const sl_url *url, const char *role, sl_buf *supported)
{
	int rc = sl_error_set(SL_EUNSUPPORTED, "%s:// is not a supported %s (supported: %s)",
			      url->scheme, role, supported->failed ? "?" : sl_buf_cstr(supported));
	sl_buf_free(supported);
	return rc;
}

/* A driver built against another version of its interface would be called wrongly: refuse it
   by name rather than crash (libgit2 checks its backends' versions the same way). */
static int wrong_version(const char *name, unsigned has, unsigned wants)
{
	return sl_error_set(SL_EUNSUPPORTED,
			    "driver '%s' implements interface version %u; this sluice needs %u",
			    name, has, wants);
}

const sl_source_driver *sl_source_driver_for(const sl_url *url)
{
	sl_buf supported = SL_BUF_INIT;
	for (size_t i = 0; i < SL_ARRAY_LEN(source_drivers); i++) {
		const sl_source_driver *d = source_drivers[i];
		if (serves(d->schemes, url->scheme) && d->version != SL_SOURCE_DRIVER_VERSION) {
			sl_buf_free(&supported);
			wrong_version(d->name, d->version, SL_SOURCE_DRIVER_VERSION);
			return NULL;
		}
		if (serves(d->schemes, url->scheme))
			return d;
		put_schemes(&supported, source_drivers[i]->schemes);
	}
	unsupported(url, "source", &supported);
	return NULL;
}

const sl_destination_driver *sl_destination_driver_for(const sl_url *url)
{
	sl_buf supported = SL_BUF_INIT;
	for (size_t i = 0; i < SL_ARRAY_LEN(destination_drivers); i++) {
		const sl_destination_driver *d = destination_drivers[i];
		if (serves(d->schemes, url->scheme) &&
		    d->version != SL_DESTINATION_DRIVER_VERSION) {
			sl_buf_free(&supported);
			wrong_version(d->name, d->version, SL_DESTINATION_DRIVER_VERSION);
			return NULL;
		}
		if (serves(d->schemes, url->scheme))
			return d;
		put_schemes(&supported, destination_drivers[i]->schemes);
	}
	unsupported(url, "destination", &supported);
	return NULL;
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
