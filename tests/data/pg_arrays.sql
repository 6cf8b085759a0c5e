-- pg_arrays.sql — one-dimensional arrays of every type the PostgreSQL source maps, with edge
-- values, for tests/integration/test_types_e2e.c. Load it after pg_alltypes.sql (it uses the
-- types mood, posint). Row 1 is all NULL, row 2 empty arrays, row 3 edge values with NULL
-- elements, row 4 arrays of NULLs, a lower bound other than 1 and NaN elements.
SET client_encoding = 'UTF8';
SET TIME ZONE 'UTC';
SET standard_conforming_strings = on;

DROP TABLE IF EXISTS arrays;
CREATE TABLE arrays (
  id integer PRIMARY KEY,
  a_bool boolean[],
  a_int2 smallint[],
  a_int8 bigint[],
  a_oid oid[],
  a_num numeric(10,2)[],
  a_num_free numeric[],
  a_real real[],
  a_double double precision[],
  a_text text[],
  a_varchar varchar(5)[],
  a_char char(3)[],
  a_bytea bytea[],
  a_date date[],
  a_time time[],
  a_ts timestamp[],
  a_tstz timestamptz[],
  a_interval interval[],
  a_uuid uuid[],
  a_json json[],
  a_jsonb jsonb[],
  a_enum mood[],
  a_posint posint[],
  a_inet inet[],
  a_timetz timetz[],
  a_money money[],
  a_bit bit(2)[]
);

INSERT INTO arrays (id) VALUES (1);

INSERT INTO arrays VALUES (2, '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
  '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}');

INSERT INTO arrays VALUES (3,
  '{true,false,NULL}',
  '{-32768,32767,NULL}',
  '{-9223372036854775808,9223372036854775807}',
  '{0,4294967295}',
  '{-99999999.99,NaN,0.01,NULL}',
  '{NaN,Infinity,-Infinity,123456789012345678901234567890.5,-0.000000000000000000000000000000000000000001}',
  '{NaN,Infinity,-Infinity,-0,3.4e38,1.4e-45}',
  '{NaN,-Infinity,1.7976931348623157e308,5e-324,-0.0}',
  ARRAY['', 'NULL', NULL, 'a,b', '{x}', 'q"uote', 'back\slash', E'tab\tnl\nend', '😀'],
  '{"abcde","",NULL}',
  '{a,"  ",abc}',
  '{"\\x","\\x00ff",NULL}',
  '{infinity,-infinity,"4713-11-24 BC","5874897-12-31","0045-03-15 BC",NULL}',
  '{00:00:00,24:00:00,12:34:56.789012}',
  '{-infinity,infinity,"4713-11-24 00:00:00 BC","294247-01-10 04:00:54.775806","294276-12-31 23:59:59","2024-02-29 12:34:56.5",NULL}',
  '{"2024-02-29 12:34:56.123456+05:30",infinity,-infinity,"1969-12-31 23:59:59.999999+00","0045-03-15 12:00:00+00 BC"}',
  '{"-2147483648 mons -2147483648 days -9223372036854775807 microseconds","1 year 2 mons 3 days 04:05:06.789",NULL}',
  '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,NULL,ffffffff-ffff-ffff-ffff-ffffffffffff}',
  ARRAY['{"b": 1,  "a": [1, 2.50]}'::json, 'null', NULL, '"x,y"'],
  ARRAY['{"b": 1,  "a": [1, 2.50]}'::jsonb, 'null', NULL, '"x,y"'],
  '{happy,sad,NULL}',
  '{1,2147483647}',
  '{10.0.0.1,10.0.0.0/8,::1/128,2001:db8::1/64,NULL}',
  '{00:00:00+15:59,23:59:59.999999-15:59}',
  '{-92233720368547758.08,0,12.5}',
  '{00,11,NULL}');

INSERT INTO arrays (id, a_int2, a_num, a_real, a_text, a_tstz)
VALUES (4, '[-2:0]={1,NULL,3}', '{NaN,NaN}', '{NULL}', '{NULL}', '{NULL,NULL}');
