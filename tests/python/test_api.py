"""The Python API against the real servers: every type's Python value after MariaDB or
PostgreSQL -> DuckDB, DataFrames (dtypes, chunks), errors, load info, and other Python threads
running during a load."""

import datetime
import decimal
import os
import threading
import unittest
import uuid

import sluice
from sluice.sources import incremental
from sluice.sources.sql_database import sql_database

from support import MYSQL_URL, PG_URL, mysql, psql

UTC = datetime.timezone.utc
WORK = os.getcwd()


def run_to_duckdb(url, tables, name, **hints):
    src = sql_database(url, table_names=tables, chunk_size=hints.pop("chunk_size", 50000))
    for t in tables:
        src.resources[t].apply_hints(**hints)
    p = sluice.pipeline(pipeline_name=name, destination="duckdb:///%s/%s.duckdb" % (WORK, name),
                        dataset_name="data")
    return p, p.run(src)


class TypesFromMariaDB(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mysql("""
SET time_zone = '+00:00';
CREATE TABLE types (
  id int PRIMARY KEY, u bigint unsigned, i int, s smallint, d decimal(20,6), f double,
  dt datetime(6), ts timestamp(6) NULL, tm time(6), dd date, b blob, flag bool, j json,
  txt varchar(40));
INSERT INTO types VALUES
 (1, 18446744073709551615, -2147483648, 7, 12345678901234.567891, 0.25,
  '2024-01-31 12:00:00.250000', '2024-06-01 10:11:12.000001', '-838:59:59.000000', '1969-12-31',
  X'00ff5c27', 1, '{"a": [1, 2]}', 'zoë 🦆'),
 (2, 5, NULL, NULL, NULL, NULL, NULL, NULL, '25:00:01', NULL, NULL, 0, NULL, NULL),
 (3, NULL, 3, 1, -0.000001, NULL, '1900-01-01 00:00:00', NULL, NULL, '2262-12-31', '', NULL,
  '[]', '');
""")
        cls.p, cls.info = run_to_duckdb(MYSQL_URL, ["types"], "types_mariadb")

    def test_python_values(self):
        rows = self.p.dataset()("SELECT * EXCLUDE (_sluice_load_id) FROM types ORDER BY id").fetchall()
        self.assertEqual(rows[0], (
            1, 18446744073709551615, -2147483648, 7, decimal.Decimal("12345678901234.567891"),
            0.25, datetime.datetime(2024, 1, 31, 12, 0, 0, 250000),
            datetime.datetime(2024, 6, 1, 10, 11, 12, 1, tzinfo=UTC),
            -datetime.timedelta(hours=838, minutes=59, seconds=59), datetime.date(1969, 12, 31),
            b"\x00\xff\\'", True, '{"a": [1, 2]}', "zoë 🦆"))
        self.assertEqual(rows[1], (2, 5, None, None, None, None, None, None,
                                   datetime.timedelta(hours=25, seconds=1), None, None, False,
                                   None, None))
        self.assertEqual(rows[2][4], decimal.Decimal("-0.000001"))
        self.assertEqual(rows[2][6], datetime.datetime(1900, 1, 1))
        self.assertEqual(rows[2][10], b"")
        self.assertIsInstance(rows[0][1], int)
        self.assertIsInstance(rows[0][11], bool)

    def test_dataframe(self):
        import numpy as np
        import pandas as pd
        df = self.p.dataset().types.df()
        df = df.sort_values("id").reset_index(drop=True)
        self.assertEqual(len(df), 3)
        self.assertEqual(str(df.i.dtype), "Int32")  # NULLs: pandas' nullable integers
        self.assertEqual(df.i.tolist()[0], -2147483648)
        self.assertTrue(pd.isna(df.i[1]))
        self.assertEqual(df.u.tolist()[0], 18446744073709551615)
        self.assertEqual(str(df.dt.dtype), "datetime64[ns]")
        self.assertEqual(df.dt[0], pd.Timestamp("2024-01-31 12:00:00.25"))
        self.assertTrue(pd.isna(df.dt[1]))
        self.assertEqual(str(df.ts.dtype), "datetime64[ns, UTC]")
        self.assertEqual(df.ts[0], pd.Timestamp("2024-06-01 10:11:12.000001", tz="UTC"))
        self.assertEqual(df.f.dtype, np.float64)
        self.assertTrue(np.isnan(df.f[1]))
        self.assertEqual(df.d[0], decimal.Decimal("12345678901234.567891"))
        self.assertEqual(df.b[0], b"\x00\xff\\'")
        self.assertEqual(df.j[0], '{"a": [1, 2]}')  # JSON stays text, as in dlt
        # a date beyond pandas' nanosecond range: the column holds datetime.date objects
        self.assertEqual(df.dd[2], datetime.date(2262, 12, 31))

    def test_iter_df_and_fetch(self):
        ds = self.p.dataset()
        sizes = [len(c) for c in ds.types.iter_df(chunk_size=2)]
        self.assertEqual(sizes, [2, 1])
        self.assertEqual(len(ds.types.fetchall()), 3)
        self.assertEqual(ds("SELECT count(*) AS n FROM types").fetchone(), (3,))
        counts = dict(ds.row_counts().fetchall())
        self.assertEqual(counts, {"types": 3})
        self.assertEqual(list(ds.row_counts().df().columns), ["table_name", "row_count"])
        self.assertEqual(len(ds["types"].limit(2).fetchall()), 2)

    def test_load_info(self):
        self.assertEqual(self.info.row_counts, {"types": 3})
        self.assertTrue(self.info.load_id)
        text = str(self.info)
        self.assertIn("types: 3 rows loaded (3 read) in 1 chunk", text)
        self.assertIn("all rows loaded", text)
        self.assertIn("load id: %s" % self.info.load_id, text)


class TypesFromPostgres(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.schema = "sl_py_%d" % os.getpid()
        psql("""
DROP SCHEMA IF EXISTS %(s)s CASCADE; CREATE SCHEMA %(s)s; SET search_path = %(s)s;
CREATE TABLE pgtypes (id int PRIMARY KEY, iv interval, tz timestamptz, a int[], t text[],
  u uuid, by bytea, n numeric(38,0), inf timestamp);
INSERT INTO pgtypes VALUES
 (1, '1 year 2 months 3 days 04:05:06.5', '2024-01-31 23:00:00+02', '{1,NULL,3}',
  '{"a,b","c"}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00ff', 12345678901234567890123456789,
  'infinity'),
 (2, '-00:00:01', NULL, '{}', NULL, NULL, NULL, NULL, '-infinity');
""" % {"s": cls.schema})
        cls.p, cls.info = run_to_duckdb("%s?schema=%s" % (PG_URL, cls.schema), ["pgtypes"],
                                        "types_pg")

    @classmethod
    def tearDownClass(cls):
        psql("DROP SCHEMA IF EXISTS %s CASCADE" % cls.schema)

    def test_python_values(self):
        rows = self.p.dataset()("SELECT * EXCLUDE (_sluice_load_id) FROM pgtypes ORDER BY id").fetchall()
        self.assertEqual(rows[0], (
            1, datetime.timedelta(days=360 + 60 + 3, hours=4, minutes=5, seconds=6.5),
            datetime.datetime(2024, 1, 31, 21, 0, tzinfo=UTC), [1, None, 3], ["a,b", "c"],
            uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), b"\x00\xff",
            decimal.Decimal("12345678901234567890123456789"), datetime.datetime.max))
        self.assertEqual(rows[1], (2, -datetime.timedelta(seconds=1), None, [], None, None, None,
                                   None, datetime.datetime.min))

    def test_postgres_destination(self):
        """The same values read back from a PostgreSQL destination (text there)."""
        src = sql_database("%s?schema=%s" % (PG_URL, self.schema), table_names=["pgtypes"])
        p = sluice.pipeline(pipeline_name="types_pg_dest", destination=PG_URL,
                            dataset_name="%s_out" % self.schema)
        try:
            p.run(src)
            rows = p.dataset()('SELECT id, iv, tz, by, n FROM pgtypes ORDER BY id').fetchall()
        finally:
            psql("DROP SCHEMA IF EXISTS %s_out CASCADE" % self.schema)
        self.assertEqual(rows[0], (1, datetime.timedelta(days=423, hours=4, minutes=5, seconds=6.5),
                                   datetime.datetime(2024, 1, 31, 21, 0, tzinfo=UTC), b"\x00\xff",
                                   decimal.Decimal("12345678901234567890123456789")))


class Errors(unittest.TestCase):
    def test_wrong_password(self):
        url = MYSQL_URL.replace("@", "x-wrong-pw@", 1) if ":" in MYSQL_URL.split("@")[0][8:] \
            else MYSQL_URL.replace("@", ":x-wrong-pw@", 1)
        src = sql_database(url, table_names=["nothing"])
        p = sluice.pipeline(pipeline_name="bad_pw", destination="duckdb:///%s/bad.duckdb" % WORK)
        with self.assertRaises(sluice.AuthenticationError) as cm:
            p.run(src)
        self.assertEqual(cm.exception.code, -6)
        self.assertIsInstance(cm.exception, ConnectionError)
        self.assertNotIn("x-wrong-pw", str(cm.exception))
        self.assertEqual(len(str(cm.exception).splitlines()), 1)

    def test_refused(self):
        src = sql_database("mysql://u:secret-pw@127.0.0.1:1/db", table_names=["t"])
        p = sluice.pipeline(pipeline_name="refused", destination="duckdb:///%s/r.duckdb" % WORK)
        with self.assertRaises(sluice.SourceConnectionError) as cm:
            p.run(src)
        self.assertEqual(cm.exception.code, -5)
        self.assertNotIn("secret-pw", cm.exception.message)

    def test_bad_input(self):
        with self.assertRaises(sluice.InvalidURLError) as cm:
            sql_database("mysql://u:secret-pw@h:x/db", table_names=["t"])
        self.assertEqual(cm.exception.code, -4)
        self.assertNotIn("secret-pw", str(cm.exception))
        with self.assertRaises(sluice.UnsupportedError):
            sql_database("nosuchscheme://x/y", table_names=["t"])
        with self.assertRaises(ValueError):
            incremental("created", row_order="sideways")
        with self.assertRaises(ValueError):
            sql_database(MYSQL_URL, table_names=["t"], chunk_size=0)
        with self.assertRaises(sluice.InvalidArgumentError):
            sluice.pipeline(pipeline_name="bad name!")
        src = sql_database(MYSQL_URL, table_names=["t"])
        with self.assertRaises(AttributeError):
            src.nosuchtable
        with self.assertRaises(KeyError):
            src.resources["nosuchtable"]

    def test_missing_table(self):
        p, _ = run_to_duckdb(os.environ["SLUICE_TEST_RFAM_URL"], ["family"], "missing_tbl")
        with self.assertRaises(sluice.NotFoundError) as cm:
            p.dataset().nosuch.df()
        self.assertIn("nosuch", str(cm.exception))
        src = sql_database(os.environ["SLUICE_TEST_RFAM_URL"], table_names=["no_such_table"])
        with self.assertRaises(sluice.SluiceError) as cm:
            p.run(src)
        self.assertIn("no_such_table", str(cm.exception))


class Threads(unittest.TestCase):
    def test_other_threads_run_during_a_load(self):
        mysql("CREATE TABLE big (id int PRIMARY KEY, v varchar(40), at datetime);"
              "INSERT INTO big SELECT seq, concat('value ', seq), '2024-01-01' + INTERVAL seq SECOND"
              " FROM seq_1_to_300000;")
        ticks = []
        chunks = []
        stop = threading.Event()

        def ticker():
            while not stop.is_set():
                ticks.append(1)
                stop.wait(0.005)
        src = sql_database(MYSQL_URL, table_names=["big"], chunk_size=20000)
        src.big.apply_hints(incremental=incremental("at"))
        p = sluice.pipeline(pipeline_name="threads",
                            destination="duckdb:///%s/threads.duckdb" % WORK,
                            progress=lambda pr: chunks.append((pr.table, pr.rows_loaded,
                                                               len(ticks))))
        t = threading.Thread(target=ticker)
        t.start()
        try:
            info = p.run(src)
        finally:
            stop.set()
            t.join()
        self.assertEqual(info.row_counts, {"big": 300000})
        self.assertEqual(len(chunks), 15)  # the progress callback, once per chunk
        self.assertEqual(chunks[-1][:2], ("big", 300000))
        # the ticker thread kept running while the library loaded
        self.assertGreater(chunks[-1][2] - chunks[0][2], 5)
        df_rows = sum(len(c) for c in p.dataset().big.iter_df(chunk_size=50000))
        self.assertEqual(df_rows, 300000)


if __name__ == "__main__":
    unittest.main()
