/*
 * drivers.h — the table of compiled-in drivers (drivers.c). Adding a source driver touches
 * drivers.c and its own file, nothing else; its tests find it in its own header.
 */
#ifndef SL_DRIVERS_H
#define SL_DRIVERS_H

#include "destination.h"
#include "source.h"

extern const sl_destination_driver sl_duckdb_destination;
extern const sl_destination_driver sl_postgres_destination;
extern const sl_destination_driver sl_files_destination;

/* The driver that lists a URL's scheme, or NULL with SL_EUNSUPPORTED set. */
const sl_source_driver *sl_source_driver_for(const sl_url *url);
const sl_destination_driver *sl_destination_driver_for(const sl_url *url);

#endif
