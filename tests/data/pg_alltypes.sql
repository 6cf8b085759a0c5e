-- pg_alltypes.sql — every PostgreSQL type the source driver maps, with edge values, for
-- tests/integration/test_postgres_source.c. Row 1 is all NULL, row 2 minimum values (and empty
-- strings), row 3 maximum values, row 4 the special values (NaN, ±Infinity), rows 5 and 6
-- ordinary values. Also a partitioned table, a view and tables with awkward names.
SET client_encoding = 'UTF8';
SET TIME ZONE 'UTC';
SET standard_conforming_strings = on;

DROP VIEW IF EXISTS alltypes_view;
DROP TABLE IF EXISTS alltypes;
DROP TABLE IF EXISTS measurements;
DROP TABLE IF EXISTS "MixedCase";
DROP TABLE IF EXISTS lower_only;
DROP TABLE IF EXISTS "dotted.name";
DROP SCHEMA IF EXISTS "Odd Schema" CASCADE;
DROP TABLE IF EXISTS shapes;
DROP TABLE IF EXISTS flat_2d;
DROP TYPE IF EXISTS pair;
DROP TYPE IF EXISTS mood;
DROP DOMAIN IF EXISTS posint;
DROP DOMAIN IF EXISTS amount2;
DROP DOMAIN IF EXISTS amount;
CREATE EXTENSION IF NOT EXISTS citext;

CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE DOMAIN amount AS numeric(10,2);
CREATE DOMAIN amount2 AS amount; -- a domain over a domain

CREATE TABLE alltypes (
  id integer PRIMARY KEY,
  c_bool boolean,
  c_int2 smallint,
  c_int4 integer,
  c_int8 bigint,
  c_oid oid,
  c_num4 numeric(4,2),
  c_num9 numeric(9,3),
  c_num18 numeric(18,6),
  c_num38 numeric(38,10),
  c_num_neg numeric(5,-2),
  c_num_free numeric,
  c_num50 numeric(50,20),
  c_real real,
  c_double double precision,
  c_text text,
  c_varchar varchar(20),
  c_char char(5),
  c_name name,
  c_qchar "char",
  c_citext citext,
  c_bytea bytea,
  c_date date,
  c_time time,
  c_time3 time(3),
  c_timetz timetz,
  c_ts timestamp,
  c_ts0 timestamp(0),
  c_tstz timestamptz,
  c_interval interval,
  c_uuid uuid,
  c_json json,
  c_jsonb jsonb,
  c_enum mood,
  c_posint posint,
  c_amount amount2,
  c_inet inet,
  c_cidr cidr,
  c_macaddr macaddr,
  c_money money,
  c_xml xml,
  c_bit bit(4),
  c_varbit bit varying(8),
  c_int_arr integer[],
  c_text_arr text[],
  c_int_arr2 integer[][],
  c_point point,
  c_range int4range
);

INSERT INTO alltypes (id) VALUES (1);

INSERT INTO alltypes VALUES (2,
  false, -32768, -2147483648, -9223372036854775808, 0,
  -99.99, -999999.999, -999999999999.999999, -9999999999999999999999999999.9999999999,
  -9999900, -0.5, -999999999999999999999999999999.99999999999999999999,
  -3.4e38, -1.7976931348623157e308,
  '', '', '', '', '', '', '',
  '4713-11-24 BC', '00:00:00', '00:00:00', '00:00:00+15:59',
  '4713-11-24 00:00:00 BC', '4713-11-24 00:00:00 BC', '4713-11-24 00:00:00+00 BC',
  '-2147483648 mons -2147483648 days -9223372036854775807 microseconds',
  '00000000-0000-0000-0000-000000000000', '[]', '{}', 'sad', 1, -99999999.99,
  '0.0.0.0', '10.0.0.0/8', '00:00:00:00:00:00', '-92233720368547758.08', '<a/>', '0000', '',
  '{}', '{}', '{}', '(0,0)', 'empty');

INSERT INTO alltypes VALUES (3,
  true, 32767, 2147483647, 9223372036854775807, 4294967295,
  99.99, 999999.999, 999999999999.999999, 9999999999999999999999999999.9999999999,
  9999900, 123456789012345678901234567890.123456789012345678901234567890,
  999999999999999999999999999999.99999999999999999999,
  3.4e38, 1.7976931348623157e308,
  'emoji 😀 naïve ✓ 日本語', 'x''y"z\w', 'abcde', 'pg_name', 'z', 'MiXeD Case', '\x00ff000100',
  '5874897-12-31', '24:00:00', '23:59:59.999', '23:59:59.999999-15:59',
  '294247-01-10 04:00:54.775806', '294276-12-31 23:59:59', '294247-01-10 04:00:54.775806+00',
  '2147483647 mons 2147483647 days 9223372036854775807 microseconds',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '{"a": [1, 2.5, "x"], "b": null, "s": "é😀"}', '{"b": 1, "a": [1, 2.50, "x"], "c": {"d": "é"}}',
  'happy', 2147483647, 99999999.99,
  '2001:db8::1/64', '2001:db8::/32', '08:00:2b:01:02:03', '92233720368547758.07',
  '<doc><p lang="fr">café</p></doc>', '1111', '10101010',
  '{1,NULL,3}', '{"a b","c\"d",NULL}', '{{1,2},{3,NULL}}', '(1.5,-2)', '[1,10)');

INSERT INTO alltypes (id, c_num9, c_num_free, c_num50, c_real, c_double, c_date, c_ts, c_ts0,
  c_tstz, c_text, c_char)
VALUES (4, 'NaN', 'Infinity', 'NaN', 'NaN', '-Infinity', 'infinity', '-infinity', 'infinity',
  'infinity', 'line1
line2	tab', 'a');

INSERT INTO alltypes (id, c_bool, c_int4, c_num4, c_num38, c_num_neg, c_num_free, c_real,
  c_double, c_date, c_time, c_time3, c_ts, c_ts0, c_tstz, c_interval, c_uuid, c_jsonb, c_enum,
  c_text, c_citext, c_int_arr, c_int_arr2, c_money, c_num9)
VALUES (5, true, -1, 0.01, -0.0000000001, 100, '-Infinity', 0.1, 'Infinity', '10000-01-01',
  '12:34:56.789012', '12:34:56.789', '12345-06-07 08:09:10.111213', '0045-03-15 12:00:00 BC',
  '2024-02-29 12:34:56.123456+05:30', '1 year 2 mons 3 days 04:05:06.789',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '"just a string"', 'ok',
  'with ''quotes'', "double", a backslash \ and a tab	.', 'abc', '[0:1]={-1,2147483647}',
  '{{1,2},{3,4}}', 12.5,
  0.001);

INSERT INTO alltypes (id, c_int4, c_date, c_ts, c_tstz, c_num38, c_text, c_enum, c_num9, c_uuid)
VALUES (6, 0, '0045-03-15 BC', '2024-02-29 12:34:56.5', '2024-02-29 07:04:56.123456+00', 0,
  'emoji', 'sad', 1, '00000000-0000-0000-0000-000000000001');

-- a view has no primary key; its columns are nullable
CREATE VIEW alltypes_view AS SELECT id, c_int4, c_text, c_enum FROM alltypes WHERE id > 1;

-- a partitioned table: reflected from the parent, scanned across its partitions
CREATE TABLE measurements (
  id integer NOT NULL,
  region text NOT NULL,
  taken timestamptz NOT NULL,
  value double precision,
  PRIMARY KEY (region, id)
) PARTITION BY LIST (region);
CREATE TABLE measurements_eu PARTITION OF measurements FOR VALUES IN ('eu');
CREATE TABLE measurements_us PARTITION OF measurements FOR VALUES IN ('us');
INSERT INTO measurements
SELECT n, CASE WHEN n % 3 = 0 THEN 'us' ELSE 'eu' END,
       '2024-01-01 00:00:00+00'::timestamptz + n * interval '1 minute', n / 4.0
FROM generate_series(1, 3000) AS n;

-- names that need quoting
CREATE TABLE "MixedCase" ("Id" integer PRIMARY KEY, "Value ""quoted""" text);
INSERT INTO "MixedCase" VALUES (1, 'one'), (2, 'two');
CREATE TABLE lower_only (id integer PRIMARY KEY, v text);
INSERT INTO lower_only VALUES (7, 'seven');
CREATE TABLE "dotted.name" (id integer PRIMARY KEY);
INSERT INTO "dotted.name" VALUES (1), (2), (3);
CREATE SCHEMA "Odd Schema";
CREATE TABLE "Odd Schema"."MixedCase" ("Id" bigint PRIMARY KEY, note text);
INSERT INTO "Odd Schema"."MixedCase" VALUES (10, 'odd');

-- composite values go through to_json(); one-dimensional arrays of scalars become lists
CREATE TYPE pair AS (a integer, b text);
CREATE TABLE shapes (id integer PRIMARY KEY, p pair, spans int4range[], tags varchar(10)[],
  amounts amount[], flat integer[]);
INSERT INTO shapes VALUES (1, ROW(1, 'x'), '{"[1,3)",empty}', '{a,"b c"}', '{1.50,NULL}', '{1}'),
  (2, NULL, '{}', NULL, '{}', '{}');
-- a two-dimensional value in a column declared with one dimension cannot be a LIST
CREATE TABLE flat_2d (id integer PRIMARY KEY, a integer[]);
INSERT INTO flat_2d VALUES (1, '{1,2}'), (2, '{{1,2},{3,4}}');
