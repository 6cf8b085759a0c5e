-- mysql_alltypes.sql — one column per MySQL/MariaDB type that sluice maps, with edge values, for
-- tests/integration/test_mysql_source.c (which checks every value below one by one).
--   id 1: every column NULL
--   id 2: minimum values, empty strings, zero bytes
--   id 3: maximum values, emoji, long text, binary with zero bytes
--   id 4: in-between values: fractions, negative/over-24h TIME, pre-1970, TINYINT(1) = 5
--   id 5, 6: zero and invalid dates (ALLOW_INVALID_DATES lets them in)
-- MariaDB syntax (JSON is an alias of LONGTEXT with a json_valid CHECK there).
SET NAMES utf8mb4;
SET time_zone = '+00:00';
SET SESSION sql_mode = 'ALLOW_INVALID_DATES,NO_ENGINE_SUBSTITUTION';
DROP TABLE IF EXISTS `alltypes`;
CREATE TABLE `alltypes` (
  `id` int NOT NULL,
  `c_bool` bool,
  `c_tinyint` tinyint,
  `c_tinyint_u` tinyint unsigned,
  `c_smallint` smallint,
  `c_smallint_u` smallint unsigned,
  `c_mediumint` mediumint,
  `c_mediumint_u` mediumint unsigned,
  `c_int` int,
  `c_int_u` int unsigned,
  `c_bigint` bigint,
  `c_bigint_u` bigint unsigned,
  `c_dec4` decimal(4,2),
  `c_dec9` decimal(9,3),
  `c_dec18` decimal(18,6),
  `c_dec38` decimal(38,10),
  `c_dec65` decimal(65,30),
  `c_float` float,
  `c_double` double,
  `c_real` real,
  `c_bit1` bit(1),
  `c_bit12` bit(12),
  `c_date` date,
  `c_datetime` datetime,
  `c_datetime6` datetime(6),
  `c_timestamp` timestamp NULL DEFAULT NULL,
  `c_timestamp6` timestamp(6) NULL DEFAULT NULL,
  `c_time` time,
  `c_time6` time(6),
  `c_year` year,
  `c_char` char(10),
  `c_varchar` varchar(255),
  `c_tinytext` tinytext,
  `c_text` text,
  `c_mediumtext` mediumtext,
  `c_longtext` longtext,
  `c_latin1` varchar(50) CHARACTER SET latin1,
  `c_binary` binary(4),
  `c_varbinary` varbinary(16),
  `c_blob` blob,
  `c_longblob` longblob,
  `c_enum` enum('small','medium','large'),
  `c_set` set('a','b','c'),
  `c_json` json,
  `c_geometry` geometry,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO `alltypes` (`id`) VALUES (1);

INSERT INTO `alltypes` VALUES (2,
  0, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0,
  -99.99, -999999.999, -999999999999.999999,
  -9999999999999999999999999999.9999999999,
  -99999999999999999999999999999999999.999999999999999999999999999999,
  -3.4e38, -1.7976931348623157e308, -2.5,
  b'0', b'0',
  '1000-01-01', '1000-01-01 00:00:00', '1000-01-01 00:00:00.000000',
  '1970-01-01 00:00:01', '1970-01-01 00:00:01.000000',
  '-838:59:59', '-838:59:59.000000', 1901,
  '', '', '', '', '', '', '',
  x'00000000', x'', x'', x'00',
  'small', '', '[]', NULL);

INSERT INTO `alltypes` VALUES (3,
  1, 127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295,
  9223372036854775807, 18446744073709551615,
  99.99, 999999.999, 999999999999.999999,
  9999999999999999999999999999.9999999999,
  99999999999999999999999999999999999.999999999999999999999999999999,
  3.4e38, 1.7976931348623157e308, 1e-300,
  b'1', b'111111111111',
  '9999-12-31', '9999-12-31 23:59:59', '9999-12-31 23:59:59.999999',
  '2038-01-19 03:14:07', '2038-01-19 03:14:07.999999',
  '838:59:59', '838:59:59.000000', 2155,
  'abcdefghij',
  'emoji 😀 naïve ✓ 日本語',
  'tiny 🚀',
  'text with \'quotes\', a backslash \\ and a tab\t.',
  'medium 🐬',
  REPEAT('0123456789abcdef', 8192),
  'Jäger café ñ',
  x'00FF0001', x'00000000DEADBEEF00', x'000102030400FF', REPEAT(x'00FF', 50000),
  'large', 'a,c', '{"a": [1, 2.5, "x"], "b": null, "s": "é😀"}',
  ST_GeomFromText('POINT(1 2)'));

INSERT INTO `alltypes` VALUES (4,
  5, -1, 200, -1, 40000, -1, 10000000, -1, 3000000000, -1, 9223372036854775808,
  0.01, -0.001, 0.000001,
  -0.0000000001,
  0.000000000000000000000000000001,
  0.5, 0.1, -0.0,
  b'1', b'100000000001',
  '1969-12-31', '1969-12-31 23:59:59', '2024-02-29 12:34:56.000001',
  '2024-02-29 12:34:56', '2024-02-29 12:34:56.123456',
  '25:00:00', '-00:00:00.000001', 2024,
  'a', ' padded ', 'x', 'y', 'z', '', 'ß',
  x'41000000', x'0000', x'00', x'',
  'medium', 'a,b,c', '"just a string"', NULL);

INSERT INTO `alltypes` (`id`, `c_date`, `c_datetime`, `c_datetime6`, `c_timestamp`)
  VALUES (5, '0000-00-00', '0000-00-00 00:00:00', '2024-00-10 00:00:00', '0000-00-00 00:00:00');
INSERT INTO `alltypes` (`id`, `c_date`, `c_datetime`, `c_datetime6`)
  VALUES (6, '2024-00-10', '2024-02-30 10:00:00', '2024-06-01 00:00:00.5');
