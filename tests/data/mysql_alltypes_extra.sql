-- mysql_alltypes_extra.sql — what mysql_alltypes.sql leaves out, for the end-to-end type test
-- (tests/integration/test_types_e2e.c, which checks every value below one by one in DuckDB):
-- TINYINT(1) UNSIGNED and BOOLEAN holding values other than 0/1, NUMERIC, DOUBLE(m,d),
-- DECIMAL(38,0) at its limits, DECIMAL(39,5) and DECIMAL(65,0) (wider than DuckDB: text),
-- DATETIME(3), TIMESTAMP(6) written in a session time zone other than UTC, TIME(3) fractions,
-- the year 0000 with a real month and day (a valid date, kept), CHAR trailing spaces, YEAR 0,
-- MariaDB's UUID, INET4 and INET6, BIT(64) all ones, FLOAT rounding, a utf8mb3 column,
-- MEDIUMBLOB and TINYBLOB, a JSON object.
--   id 1: every column NULL
--   id 2: limits and odd values
--   id 3: zeros, empties and the other limits
-- MariaDB syntax (UUID, INET4, INET6 need MariaDB 10.10 or later).
SET NAMES utf8mb4;
SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION';
DROP TABLE IF EXISTS `alltypes_extra`;
CREATE TABLE `alltypes_extra` (
  `id` int NOT NULL,
  `c_bool_u` tinyint(1) unsigned,
  `c_boolean` boolean,
  `c_numeric` numeric(10,0),
  `c_double_md` double(10,3),
  `c_dec38_0` decimal(38,0),
  `c_dec39` decimal(39,5),
  `c_dec65_0` decimal(65,0),
  `c_datetime3` datetime(3),
  `c_timestamp_tz` timestamp(6) NULL DEFAULT NULL,
  `c_time3` time(3),
  `c_date0` date,
  `c_char_pad` char(8),
  `c_year` year,
  `c_uuid` uuid,
  `c_inet4` inet4,
  `c_inet6` inet6,
  `c_bit64` bit(64),
  `c_float` float,
  `c_utf8mb3` varchar(20) CHARACTER SET utf8mb3,
  `c_mediumblob` mediumblob,
  `c_tinyblob` tinyblob,
  `c_json_obj` json,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- TIMESTAMP values are given in +05:30 and stored in UTC: sluice must load the UTC instant.
SET time_zone = '+05:30';

INSERT INTO `alltypes_extra` (`id`) VALUES (1);

INSERT INTO `alltypes_extra` VALUES (2,
  255, -1, -9999999999, 12345.678,
  99999999999999999999999999999999999999,
  -9999999999999999999999999999999999.99999,
  99999999999999999999999999999999999999999999999999999999999999999,
  '2024-01-31 12:00:00.123', '2024-01-31 05:30:00.250000', '-12:30:00.500',
  '0000-01-01', 'ab  ', 0,
  '123e4567-e89b-12d3-a456-426655440000', '192.168.0.1', '2001:db8::ff00:42:8329',
  b'1111111111111111111111111111111111111111111111111111111111111111',
  16777217, 'Ünïcödé ✓',
  x'FF00FE', x'00', '{"k": [true, false, null]}');

INSERT INTO `alltypes_extra` VALUES (3,
  0, 0, 0, -0.001,
  -99999999999999999999999999999999999999,
  0.00001,
  -99999999999999999999999999999999999999999999999999999999999999999,
  '1970-01-01 00:00:00.001', '1970-01-01 05:30:01', '838:59:58.999',
  '0000-12-31', '', 2000,
  '00000000-0000-0000-0000-000000000000', '0.0.0.0', '::',
  b'0',
  0.1, '',
  x'', x'', '{}');
