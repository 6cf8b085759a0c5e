/*
 * test_incremental_pg.c — test_incremental.c with a PostgreSQL source: every case from
 * PostgreSQL into DuckDB, and a representative subset from PostgreSQL into PostgreSQL
 * (SLUICE_TEST_PG_URL must be set). The cases themselves live in test_incremental.c.
 */
#define SL_INCR_VARIANTS "pg,pgpg"
#include "test_incremental.c"
