"""Reading a dataset back (dlt's ``pipeline.dataset()``): tables and SQL results as pandas
DataFrames, tuples, or DataFrames in chunks.

Rows are read through the library's columnar batches (sl_rows_fetch): one foreign call per
batch of up to ``chunk_size`` rows instead of one per value. ``df()`` builds each column from
its batches' arrays; ``iter_df()`` hands out one DataFrame per batch, so memory stays that of one
batch however large the table. pandas (Debian's python3-pandas) is imported only when a
DataFrame is asked for.
"""

import ctypes

from . import _lib
from . import types as _types

DEFAULT_CHUNK = 65536


def _pandas():
    try:
        import numpy
        import pandas
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise ImportError("DataFrames need pandas: apt-get install python3-pandas") from e
    return numpy, pandas


class _Reader:
    """An open sl_rows and the batch it is read into; closed at the end or by close()."""

    def __init__(self, rows, blob, list_types=None):
        self._rows = rows
        self._blob = blob
        self._list_types = list_types or {}
        self._batch = ctypes.c_void_p()
        lib = _lib.lib()
        try:
            _lib.check(lib.sl_rows_batch_new(ctypes.byref(self._batch)))
            n = lib.sl_rows_column_count(rows)
            self.columns = [_lib.dec(lib.sl_rows_column_name(rows, i)) for i in range(n)]
        except BaseException:
            self.close()
            raise

    def fetch(self, max_rows):
        """The next batch's columns (types.Column), or None at the end."""
        lib = _lib.lib()
        n = lib.sl_rows_fetch(self._batch, self._rows, max_rows)
        if n < 0:
            err = _lib.last_error(n)
            self.close()
            raise err
        if n == 0:
            self.close()
            return None
        cols = []
        for i, name in enumerate(self.columns):
            c = lib.sl_rows_batch_column(self._batch, i).contents
            cols.append(_types.Column(c, n, name, self._blob, self._list_types.get(name)))
        return cols

    def close(self):
        lib = _lib.lib()
        if self._batch:
            lib.sl_rows_batch_free(self._batch)
            self._batch = ctypes.c_void_p()
        if self._rows:
            lib.sl_rows_free(self._rows)
            self._rows = None

    def __del__(self):
        self.close()


class Relation:
    """A table or query of a dataset (dlt's ReadableRelation). Each read runs it anew."""

    def __init__(self, dataset, table=None, query=None, limit=0):
        self._dataset = dataset
        self._table = table
        self._query = query
        self._limit = limit
        self._lists = None

    def _open(self):
        # first: a query on the connection ends a result still streaming there
        lists = self._list_columns()
        rows = ctypes.c_void_p()
        ds = self._dataset._handle()
        lib = _lib.lib()
        if self._table is not None:
            rc = lib.sl_dataset_read(ctypes.byref(rows), ds, _lib.enc(self._table), self._limit)
        else:
            rc = lib.sl_dataset_query(ctypes.byref(rows), ds, _lib.enc(self._query))
        _lib.check(rc)
        return _Reader(rows.value, self._dataset._blob, lists)

    def _list_columns(self):
        """{column: element type} of the LIST columns, which DuckDB's reader hands over as
        text: asked of DuckDB once per relation (DESCRIBE), so they come back as lists."""
        if self._lists is not None:
            return self._lists
        self._lists = {}
        if not self._dataset._is_duckdb:
            return self._lists
        sql = self._query if self._query is not None else 'SELECT * FROM "%s"' % (
            self._table.replace('"', '""'))
        rows = ctypes.c_void_p()
        lib = _lib.lib()
        if lib.sl_dataset_query(ctypes.byref(rows), self._dataset._handle(),
                                _lib.enc("DESCRIBE " + sql)) < 0:
            return self._lists  # not describable (not a SELECT): no lists then
        r = _Reader(rows.value, self._dataset._blob)
        try:
            cols = r.fetch(DEFAULT_CHUNK)
            if cols:
                for name, typ in zip(cols[0].values(), cols[1].values()):
                    if typ and typ.endswith("[]") and typ.count("[]") == 1:
                        self._lists[name] = typ[:-2]
        finally:
            r.close()
        return self._lists

    def limit(self, n):
        """At most n rows (of a table)."""
        if self._table is None:
            return Relation(self._dataset, query="SELECT * FROM (%s) LIMIT %d"
                            % (self._query, int(n)))
        return Relation(self._dataset, table=self._table, limit=int(n))

    head = limit

    @property
    def columns(self):
        r = self._open()
        try:
            return list(r.columns)
        finally:
            r.close()

    # ---- tuples

    def _batches(self, chunk_size):
        """(column names, columns) per batch of up to chunk_size rows; the reader closes after."""
        r = self._open()
        try:
            while True:
                cols = r.fetch(chunk_size)
                if cols is None:
                    return
                yield r.columns, cols
        finally:
            r.close()

    def iter_fetch(self, chunk_size=DEFAULT_CHUNK):
        """Lists of row tuples, up to chunk_size rows each."""
        for _, cols in self._batches(chunk_size):
            yield list(zip(*[c.values() for c in cols]))

    def fetchall(self):
        """Every row as a tuple of Python values."""
        out = []
        for chunk in self.iter_fetch():
            out.extend(chunk)
        return out

    def fetchmany(self, size):
        for chunk in self.iter_fetch(max(1, int(size))):
            return chunk
        return []

    def fetchone(self):
        """The first row, or None."""
        rows = self.fetchmany(1)
        return rows[0] if rows else None

    def __iter__(self):
        for chunk in self.iter_fetch():
            yield from chunk

    # ---- DataFrames

    def _frame(self, pd, names, arrays):
        return pd.DataFrame(dict(zip(names, arrays)) if len(set(names)) == len(names)
                            else {i: a for i, a in enumerate(arrays)}, copy=False)

    def iter_df(self, chunk_size=DEFAULT_CHUNK):
        """One pandas DataFrame per chunk of up to chunk_size rows: memory stays one chunk's."""
        np, pd = _pandas()
        for names, cols in self._batches(chunk_size):
            yield self._frame(pd, names, [c.array(np, pd) for c in cols])

    def df(self, chunk_size=DEFAULT_CHUNK):
        """The whole result as a pandas DataFrame, read in columnar batches."""
        np, pd = _pandas()
        r = self._open()
        try:
            parts = None
            while True:
                cols = r.fetch(chunk_size)
                if cols is None:
                    break
                arrays = [c.array(np, pd) for c in cols]
                if parts is None:
                    parts = [[] for _ in arrays]
                for p, a in zip(parts, arrays):
                    p.append(a)
            names = list(r.columns)
        finally:
            r.close()
        if parts is None:
            return pd.DataFrame({n: [] for n in names})
        return self._frame(pd, names, [_concat(np, pd, p) for p in parts])

    def __repr__(self):
        what = ("table %r" % self._table) if self._table is not None else ("query %r" % self._query)
        return "<sluice Relation %s of dataset %r>" % (what, self._dataset.dataset_name)


def _concat(np, pd, parts):
    """One column from its batches' arrays (numpy or pandas extension arrays)."""
    if len(parts) == 1:
        return parts[0]
    if all(isinstance(p, np.ndarray) for p in parts) and len({p.dtype for p in parts}) == 1:
        return np.concatenate(parts)
    # mixed: a batch with NULLs (extension array), or with values beyond pandas' range (object)
    return pd.concat([pd.Series(p) for p in parts], ignore_index=True).array


class Dataset(_lib.Closing):
    """A dataset in a destination (dlt's ``pipeline.dataset()``): ``ds.family``,
    ``ds["family"]``, ``ds("SELECT ...")``, ``ds.row_counts()``."""

    def __init__(self, pipeline=None, destination=None, dataset_name=None):
        self._pipeline = pipeline
        self._destination = destination
        self._name = dataset_name
        self._ds = None
        dest = destination or (pipeline.destination if pipeline is not None else "duckdb")
        self._blob = _types.blob_decoder(dest)
        self._is_duckdb = dest.startswith("duckdb")

    def _handle(self):
        if self._ds is None:
            out = ctypes.c_void_p()
            lib = _lib.lib()
            if self._pipeline is not None:
                rc = lib.sl_pipeline_dataset(ctypes.byref(out), self._pipeline._handle())
            else:
                rc = lib.sl_dataset_open(ctypes.byref(out), _lib.enc(self._destination),
                                         _lib.enc(self._name))
            _lib.check(rc)
            self._ds = out.value
            self._name = _lib.dec(lib.sl_dataset_name(self._ds))
        return self._ds

    @property
    def dataset_name(self):
        self._handle()
        return self._name

    def table(self, name):
        return Relation(self, table=name)

    def __getitem__(self, name):
        return Relation(self, table=name)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return Relation(self, table=name)

    def __call__(self, query):
        """The result of SQL run in the destination, the dataset as default schema."""
        return Relation(self, query=query)

    query = __call__

    def row_count(self, table):
        n = ctypes.c_uint64()
        _lib.check(_lib.lib().sl_dataset_row_count(ctypes.byref(n), self._handle(),
                                                   _lib.enc(table)))
        return n.value

    def tables(self):
        """The dataset's tables, sluice's own _sluice_* tables included."""
        return [name for name, _ in self._table_rows()]

    def _table_rows(self):
        rows = ctypes.c_void_p()
        _lib.check(_lib.lib().sl_dataset_tables(ctypes.byref(rows), self._handle()))
        r = _Reader(rows.value, self._blob)
        out = []
        try:
            while True:
                cols = r.fetch(DEFAULT_CHUNK)
                if cols is None:
                    break
                out.extend(zip(*[c.values() for c in cols]))
        finally:
            r.close()
        return [(name, int(n)) for name, n in out]

    def row_counts(self, data_tables=True, dlt_tables=False, table_names=None):
        """Rows per table, as dlt's ``row_counts()``: a relation-like result with columns
        table_name and row_count (``.df()``, ``.fetchall()``)."""
        rows = []
        for name, n in self._table_rows():
            internal = name.startswith("_sluice")
            if table_names is not None and name not in table_names:
                continue
            if table_names is None and ((internal and not dlt_tables)
                                        or (not internal and not data_tables)):
                continue
            rows.append((name, n))
        return _Static(["table_name", "row_count"], rows)

    def close(self):
        if self._ds is not None:
            _lib.lib().sl_dataset_free(self._ds)
            self._ds = None

    def __repr__(self):
        return "<sluice Dataset %r>" % self._name


class _Static:
    """A small result held in memory, with a Relation's read methods."""

    def __init__(self, columns, rows):
        self.columns = columns
        self._rows = rows

    def fetchall(self):
        return list(self._rows)

    def fetchone(self):
        return self._rows[0] if self._rows else None

    def __iter__(self):
        return iter(self._rows)

    def df(self):
        _, pd = _pandas()
        return pd.DataFrame(self._rows, columns=self.columns)
