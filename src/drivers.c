/*
 * drivers.c — the one table of compiled-in drivers. A new driver adds a line here and its own
 * file under sources/ or destinations/; nothing else changes.
 */
#include "drivers.h"

static const sl_source_driver *const source_drivers[] = {
	&sl_mysql_source,
	&sl_sqlite_source,
	&sl_postgres_source,
};

static const sl_destination_driver *const destination_drivers[] = {
	&sl_duckdb_destination,
	&sl_postgres_destination,
};

static const char *kind_name(sl_url_kind kind)
{
	switch (kind) {
	case SL_URL_MYSQL:
		return "MySQL/MariaDB";
	case SL_URL_POSTGRES:
		return "PostgreSQL";
	case SL_URL_SQLITE:
		return "SQLite";
	case SL_URL_DUCKDB:
		return "DuckDB";
	}
	return "unknown";
}

const sl_source_driver *sl_source_driver_for(const sl_url *url)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(source_drivers); i++)
		if (source_drivers[i]->kind == url->kind)
			return source_drivers[i];
	sl_error_set(
		SL_EUNSUPPORTED,
		"%s is not supported as a source (supported: MySQL/MariaDB, PostgreSQL, SQLite)",
		kind_name(url->kind));
	return NULL;
}

const sl_destination_driver *sl_destination_driver_for(const sl_url *url)
{
	for (size_t i = 0; i < SL_ARRAY_LEN(destination_drivers); i++)
		if (destination_drivers[i]->kind == url->kind)
			return destination_drivers[i];
	sl_error_set(SL_EUNSUPPORTED,
		     "%s is not supported as a destination (supported: DuckDB, PostgreSQL)",
		     kind_name(url->kind));
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
