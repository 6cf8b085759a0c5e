-- sqlite_alltypes.sql — fixtures for tests/integration/test_sqlite_source.c and the rules in
-- docs/types-sqlite.md. SQLite keeps whatever storage class a value arrives in (after the
-- column's affinity has had its say), so the tables below hold values whose storage class
-- agrees with the declared type (alltypes), values that disagree but convert without loss
-- (conv_*), and values that do not (bad, bad_norowid). Each table's comment says what it tests;
-- the expected values live in the test, row by row.

-- Every declared type sluice knows, and what SQLite's affinity rules make of the others.
CREATE TABLE decls (
  a INT, b INTEGER, c TINYINT, d BIGINT UNSIGNED, e UNSIGNED BIG INT, f INT8, g MEDIUMINT,
  h BOOLEAN, i BOOL, j REAL, k DOUBLE, l DOUBLE PRECISION, m FLOAT,
  n DECIMAL(10,2), o NUMERIC(38,10), p NUMERIC, q DECIMAL(40,2), r DECIMAL(5),
  s TEXT, t VARCHAR(255), u CHARACTER VARYING(20), v NVARCHAR(10), w CLOB,
  x BLOB, y, z JSON,
  aa DATE, ab DATETIME, ac TIMESTAMP, ad TIMESTAMP(3), ae TIME,
  af UUID, ag STRING, ah VARBINARY(16), ai POINT, aj "timestamp with time zone"
);

-- Storage class agrees with the declared type: NULLs, extremes, emoji, '' vs NULL, zero bytes.
CREATE TABLE alltypes (
  id INTEGER PRIMARY KEY,
  i INTEGER, bi BIGINT, si SMALLINT, b BOOLEAN,
  r REAL, d DOUBLE, dp DOUBLE PRECISION,
  dec DECIMAL(10,2), dec38 NUMERIC(38,10), dec4 DECIMAL(4,1), num NUMERIC,
  t TEXT, vc VARCHAR(20), untyped,
  bl BLOB, j JSON,
  dt DATE, ts DATETIME, ts3 TIMESTAMP(3), tm TIME
);
INSERT INTO alltypes VALUES
(1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL),
(2, -9223372036854775808, 9223372036854775807, -32768, 0,
    -1.5, 1.7976931348623157e308, 5e-324,
    -99999999.99, 1.5e20, -999.9, 42,
    '', 'Grüße 🎉', 'x',
    x'', '[]',
    '0001-01-01', '1970-01-01 00:00:00', '2024-01-31 12:00:00.123', '00:00:00'),
(3, 0, 1, 32767, 1,
    3.14, 2.2250738585072014e-308, 0.1,
    12345678.91, 0.0000000001, 0.1, 2.5,
    'line1' || char(10) || 'line2 ''quoted'' \ tab' || char(9) || 'end', '🙂🙃', 'emoji 🎉',
    x'00ff00', '{"a":[1,2,{"b":null}]}',
    '9999-12-31', '2024-02-29 23:59:59.999999', '1999-12-31T23:59:59.5', '23:59:59.999999');

-- Disagreeing storage classes that convert without loss (one table per target type).
CREATE TABLE conv_int (id INTEGER PRIMARY KEY, v INTEGER, n NUMERIC);
INSERT INTO conv_int VALUES
(1, ' 7 ', 42),               -- affinity already made both INTEGER
(2, NULL, 9007199254740992);  -- 2^53: NUMERIC without precision is DOUBLE, exact

CREATE TABLE conv_bool (id INTEGER PRIMARY KEY, v BOOLEAN);
INSERT INTO conv_bool VALUES (1, 'true'), (2, 'no'), (3, 1), (4, 0), (5, 'T'), (6, 1.0);

CREATE TABLE conv_double (id INTEGER PRIMARY KEY, v DOUBLE);
INSERT INTO conv_double VALUES (1, 'inf'), (2, '-Infinity'), (3, 42), (4, 1e400);

CREATE TABLE conv_dec (id INTEGER PRIMARY KEY, v DECIMAL(10,2));
INSERT INTO conv_dec VALUES
(1, 5),          -- INTEGER: exact
(2, 0.1),        -- REAL: its shortest text, 0.1, not 0.1000000000000000055511151231257827
(3, 1.005),      -- REAL with a third decimal: rounded half away from zero, counted as a warning
(4, 1.5e7),      -- REAL with an exponent
(5, -0.004);     -- rounds to 0.00, counted

CREATE TABLE conv_text (id INTEGER PRIMARY KEY, v, u UUID);
INSERT INTO conv_text VALUES
(1, 42, '550e8400-e29b-41d4-a716-446655440000'),
(2, 1.5, 123),
(3, x'68690a', 1e20),  -- a BLOB that is UTF-8 ("hi\n")
(4, 'plain', NULL);

CREATE TABLE conv_json (id INTEGER PRIMARY KEY, v JSON);
INSERT INTO conv_json VALUES (1, '{"k": "v"}'), (2, 7), (3, 2.5), (4, x'5b315d');

CREATE TABLE conv_blob (id INTEGER PRIMARY KEY, v BLOB);
INSERT INTO conv_blob VALUES (1, 'abc'), (2, 5), (3, 0.25), (4, x'000102');

CREATE TABLE conv_date (id INTEGER PRIMARY KEY, v DATE);
INSERT INTO conv_date VALUES
(1, '2024-02-29'), (2, 1706659200), (3, 2460310.5), (4, '2024-01-01 00:00:00'), (5, '1969-12-31');

CREATE TABLE conv_ts (id INTEGER PRIMARY KEY, v DATETIME);
INSERT INTO conv_ts VALUES
(1, '2024-01-31 12:00:00.25'),
(2, '2024-01-31T12:00:00'),
(3, '2024-01-31T12:00:00Z'),
(4, '2024-01-31 14:00:00+02:00'),
(5, 1706702400),
(6, 2460341.25),                       -- julian day (an integral one would become INTEGER)
(7, 1706702400.5),                     -- unix seconds with a fraction
(8, '2024-01-31'),
(9, '2024-01-31 12:00:00.250000000'),  -- zeros below the microsecond
(10, '1969-12-31 23:59:59.999999');

CREATE TABLE conv_time (id INTEGER PRIMARY KEY, v TIME);
INSERT INTO conv_time VALUES (1, '12:34:56.789'), (2, '23:59'), (3, 3600), (4, '24:00:00');

-- What `sqlite3 .import` leaves for empty CSV fields: '' in typed columns. Loaded as NULL where
-- the column is not text (and counted in the warnings); kept as '' where it is.
CREATE TABLE empties (id INTEGER PRIMARY KEY, i INTEGER, d DOUBLE, ts DATETIME, b BOOLEAN, t TEXT);
INSERT INTO empties VALUES (1, '', '', '', '', ''), (2, 5, '', '2024-01-31', 1, 'x'), (3, '', 1.5, '', 0, '');

-- One value per row that cannot be converted without loss; each must fail the scan.
CREATE TABLE bad (
  id INTEGER PRIMARY KEY, i INTEGER, b BOOLEAN, d DOUBLE, num NUMERIC, dec DECIMAL(5,2),
  t TEXT, untyped, j JSON, dt DATE, ts DATETIME, tm TIME
);
INSERT INTO bad (id, i) VALUES (1, '12abc');
INSERT INTO bad (id, i) VALUES (2, 1.5);
INSERT INTO bad (id, i) VALUES (3, 9223372036854775808);
INSERT INTO bad (id, b) VALUES (4, 2);
INSERT INTO bad (id, b) VALUES (5, 'maybe');
INSERT INTO bad (id, d) VALUES (6, 'abc');
INSERT INTO bad (id, num) VALUES (7, 9007199254740993);
INSERT INTO bad (id, dec) VALUES (8, 123456.7);
INSERT INTO bad (id, dec) VALUES (9, '12abc');
INSERT INTO bad (id, t) VALUES (10, x'ff00');
INSERT INTO bad (id, t) VALUES (11, CAST(x'c328' AS TEXT));
INSERT INTO bad (id, untyped) VALUES (12, x'80');
INSERT INTO bad (id, j) VALUES (13, 1e400);
INSERT INTO bad (id, dt) VALUES (14, '2024-01-01 10:00:00');
INSERT INTO bad (id, dt) VALUES (15, '2024-13-01');
INSERT INTO bad (id, ts) VALUES (16, 'yesterday');
INSERT INTO bad (id, ts) VALUES (17, '2024-01-01 10:00:00.1234567');
INSERT INTO bad (id, ts) VALUES (18, 1e300);
INSERT INTO bad (id, tm) VALUES (19, '25:00:00');
INSERT INTO bad (id, tm) VALUES (20, 1.5);
INSERT INTO bad (id, dec) VALUES (21, 1e400);
INSERT INTO bad (id, ts) VALUES (22, '123456789-01-01');
INSERT INTO bad (id, dec) VALUES (23, 1000);

-- Without a rowid the message names the primary key instead.
CREATE TABLE bad_norowid (k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID;
INSERT INTO bad_norowid VALUES ('key-1', 'seven');

-- Keys: none, composite in a different order than the columns, WITHOUT ROWID.
CREATE TABLE nopk (a INTEGER, b TEXT);
INSERT INTO nopk VALUES (1, 'x'), (2, 'y');
CREATE TABLE kv (a TEXT NOT NULL, v INTEGER, b INTEGER NOT NULL, PRIMARY KEY (b, a)) WITHOUT ROWID;
INSERT INTO kv VALUES ('a', 1, 1), ('a', 2, 2), ('m', 3, 5), ('m', 4, 6), ('z', 5, 1), ('m', 6, 4);
CREATE TABLE "we""ird" ("co""l" INTEGER PRIMARY KEY, "rowid" TEXT);
INSERT INTO "we""ird" VALUES (1, 'one'), (2, 'two');

-- Cursor tables. events: SQLAlchemy's layout, always six fractional digits, many rows per value.
CREATE TABLE events (id INTEGER PRIMARY KEY, ts DATETIME);
INSERT INTO events VALUES
(1, '2024-01-01 09:59:59.999999'),
(2, '2024-01-01 10:00:00.000000'), (3, '2024-01-01 10:00:00.000000'),
(4, '2024-01-01 10:00:00.000000'), (5, '2024-01-01 10:00:00.000000'),
(6, '2024-01-01 10:00:00.500000'), (7, '2024-01-01 10:00:01.000000'),
(8, NULL), (9, '2024-01-02 00:00:00.000000');
-- the same instants, ISO 8601 with 'T' and Python's str() layout (fraction only when non-zero)
CREATE TABLE events_t (id INTEGER PRIMARY KEY, ts TIMESTAMP);
INSERT INTO events_t VALUES
(1, '2024-01-01T09:59:59.999999'), (2, '2024-01-01T10:00:00'), (3, '2024-01-01T10:00:00'),
(4, '2024-01-01T10:00:00'), (5, '2024-01-01T10:00:00'), (6, '2024-01-01T10:00:00.5'),
(7, '2024-01-01T10:00:01'), (8, NULL), (9, '2024-01-02T00:00:00');
-- unix seconds
CREATE TABLE events_unix (id INTEGER PRIMARY KEY, ts DATETIME, d DATE);
INSERT INTO events_unix VALUES
(1, 1704103199, 1704067200), (2, 1704103200, 1704067200), (3, 1704103200, 1704153600),
(4, 1704103200, 1704153600), (5, 1704103200, NULL), (6, 1704103201, 1704240000),
(7, 1704103201, 1704240000), (8, NULL, NULL), (9, 1704153600, 1704326400);
-- one column, two storage classes: bounds cannot be compared in SQL
CREATE TABLE events_mixed (id INTEGER PRIMARY KEY, ts DATETIME);
INSERT INTO events_mixed VALUES (1, 1704103200), (2, '2024-01-01 10:00:00');
