/*
 * pg_oid.h — the built-in PostgreSQL type OIDs both postgres drivers (source and destination)
 * recognise. Taken from catalog/pg_type.dat: built-in OIDs are fixed across server versions, so
 * constants save a catalog lookup per column.
 */
#ifndef SL_PG_OID_H
#define SL_PG_OID_H

enum {
	OID_BOOL = 16,
	OID_BYTEA = 17,
	OID_CHAR = 18,
	OID_NAME = 19,
	OID_INT8 = 20,
	OID_INT2 = 21,
	OID_INT4 = 23,
	OID_TEXT = 25,
	OID_OID = 26,
	OID_JSON = 114,
	OID_XML = 142,
	OID_CIDR = 650,
	OID_FLOAT4 = 700,
	OID_FLOAT8 = 701,
	OID_UNKNOWN = 705,
	OID_MACADDR8 = 774,
	OID_MONEY = 790,
	OID_MACADDR = 829,
	OID_INET = 869,
	OID_BPCHAR = 1042,
	OID_VARCHAR = 1043,
	OID_DATE = 1082,
	OID_TIME = 1083,
	OID_TIMESTAMP = 1114,
	OID_TIMESTAMPTZ = 1184,
	OID_INTERVAL = 1186,
	OID_TIMETZ = 1266,
	OID_BIT = 1560,
	OID_VARBIT = 1562,
	OID_NUMERIC = 1700,
	OID_UUID = 2950,
	OID_JSONB = 3802
};

#endif
