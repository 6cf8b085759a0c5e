"""Ctrl-C during pipeline.run: a child python loading a 400000-row MariaDB table in chunks of
10000 gets SIGINT after its second committed chunk. It must end with KeyboardInterrupt, the
destination must hold whole committed chunks only, and a second run must complete with every
row exactly once."""

import os
import signal
import subprocess
import sys
import textwrap
import unittest

import sluice

from support import MYSQL_URL, mysql

ROWS, CHUNK = 400000, 10000
WORK = os.getcwd()
DEST = "duckdb:///%s/interrupt.duckdb" % WORK

CHILD = textwrap.dedent("""
    import sys
    import sluice
    from sluice.sources import incremental
    from sluice.sources.sql_database import sql_database

    src = sql_database(sys.argv[1], table_names=["events"], chunk_size=%d)
    src.events.apply_hints(primary_key="id", incremental=incremental("id", row_order="asc"))
    p = sluice.pipeline(pipeline_name="interrupt", destination=sys.argv[2], dataset_name="data",
                        progress=lambda pr: print("chunk", pr.chunks, flush=True))
    try:
        info = p.run(src)
    except KeyboardInterrupt:
        print("KeyboardInterrupt", flush=True)
        sys.exit(42)
    print("finished", info.row_counts, flush=True)
""" % CHUNK)


class Interrupt(unittest.TestCase):
    def test_ctrl_c_rolls_back_the_open_chunk(self):
        mysql("CREATE TABLE events (id int PRIMARY KEY, payload varchar(200));"
              "INSERT INTO events SELECT seq, repeat('x', 150) FROM seq_1_to_%d;" % ROWS)
        child = subprocess.Popen([sys.executable, "-c", CHILD, MYSQL_URL, DEST],
                                 stdout=subprocess.PIPE, text=True)
        lines = []
        for line in child.stdout:
            lines.append(line.strip())
            if line.startswith("chunk 2"):
                child.send_signal(signal.SIGINT)
                break
        rest, _ = child.communicate(timeout=120)
        lines += rest.split()
        self.assertEqual(child.returncode, 42, lines)  # KeyboardInterrupt reached the script
        self.assertIn("KeyboardInterrupt", lines)
        self.assertNotIn("finished", " ".join(lines))

        p = sluice.pipeline(pipeline_name="interrupt", destination=DEST, dataset_name="data")
        ds = p.dataset()
        n, distinct = ds("SELECT count(*), count(DISTINCT id) FROM events").fetchone()
        self.assertEqual(n, distinct)
        self.assertGreaterEqual(n, 2 * CHUNK)
        self.assertLess(n, ROWS)  # it did stop
        self.assertEqual(n % CHUNK, 0, "only whole chunks are committed")
        ds.close()

        info = p.run(_source())  # continues after the last committed chunk
        self.assertEqual(info.row_counts["events"], ROWS - n)
        ds = p.dataset()
        self.assertEqual(ds("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM events")
                         .fetchone(), (ROWS, ROWS, 1, ROWS))


def _source():
    from sluice.sources import incremental
    from sluice.sources.sql_database import sql_database
    src = sql_database(MYSQL_URL, table_names=["events"], chunk_size=CHUNK)
    src.events.apply_hints(primary_key="id", incremental=incremental("id", row_order="asc"))
    return src


if __name__ == "__main__":
    unittest.main()
