"""dlt's ``sql_database`` source on sluice's C engine.

A source is a description (URL, tables, chunk size, hints, limits); the library's sl_source is
built from it for each run, so a source can be run again and again, as in the seed, and its
resources can be narrowed (``with_resources``) without side effects. The URL is checked at once
(a malformed one raises InvalidURLError); nothing connects until ``pipeline.run``.
"""

import ctypes

from .. import _lib
from . import incremental as _incremental

DEFAULT_CHUNK_SIZE = 50000
_BACKENDS = ("sqlalchemy", "pyarrow", "pandas", "connectorx")


def _columns_text(v, what):
    """Column names as the library takes them: comma separated."""
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, (list, tuple)) and all(isinstance(c, str) for c in v):
        return ",".join(v)
    raise TypeError("%s: a column name or a list of names" % what)


class SqlTableResource:
    """One table of a sql_database source (dlt's DltResource), named like the table."""

    def __init__(self, source, name):
        self._source = source
        self.name = name
        self._hints = {}

    @property
    def table_name(self):
        return self._hints.get("table_name") or self.name.split(".")[-1]

    def apply_hints(self, primary_key=None, merge_key=None, incremental=None,
                    write_disposition=None, table_name=None, columns=None,
                    included_columns=None, excluded_columns=None, chunk_size=None,
                    sync_deletes=None, hard_delete=None):
        """Set this table's hints (dlt's ``apply_hints``); hints not given keep their value.

        columns: dlt's column hints; ``{"deleted": {"hard_delete": True}}`` marks the hard-delete
        column (as does ``hard_delete="deleted"``). included_columns / excluded_columns choose
        the columns to load, as dlt's sql_table arguments of those names.
        """
        given = {}
        if primary_key is not None:
            given["primary_key"] = _columns_text(primary_key, "primary_key")
        if merge_key is not None:
            given["merge_key"] = _columns_text(merge_key, "merge_key")
        if incremental is not None:
            if not isinstance(incremental, _incremental):
                raise TypeError("apply_hints: incremental must be sluice.sources.incremental(...)")
            given["incremental"] = incremental
        if write_disposition is not None:
            if isinstance(write_disposition, dict):
                write_disposition = write_disposition.get("disposition")
            if write_disposition not in ("append", "replace", "merge"):
                raise ValueError("apply_hints: write_disposition must be 'append', 'replace' or"
                                 " 'merge'")
            given["write_disposition"] = write_disposition
        if table_name is not None:
            given["table_name"] = table_name
        if columns is not None:
            if not isinstance(columns, dict):
                raise TypeError("apply_hints: columns is a dict of column hints")
            for col, spec in columns.items():
                if isinstance(spec, dict) and spec.get("hard_delete"):
                    given["hard_delete"] = col
        if hard_delete is not None:
            given["hard_delete"] = hard_delete
        if included_columns is not None:
            given["columns"] = _columns_text(included_columns, "included_columns")
        if excluded_columns is not None:
            given["exclude_columns"] = _columns_text(excluded_columns, "excluded_columns")
        if chunk_size is not None:
            if not isinstance(chunk_size, int) or chunk_size < 1:
                raise ValueError("apply_hints: chunk_size must be a positive int")
            given["chunk_size"] = chunk_size
        if sync_deletes is not None:
            given["sync_deletes"] = bool(sync_deletes)
        self._hints.update(given)
        return self

    def _fill(self, h, keep, override):
        hints = dict(self._hints)
        hints.update({k: v for k, v in override.items() if v is not None})

        def s(v):
            b = _lib.enc(v)
            keep.append(b)
            return b
        h.version = _lib.TABLE_HINTS_VERSION
        h.primary_key = s(hints.get("primary_key"))
        inc = hints.get("incremental")
        if inc is not None:
            inc._fill(h.incremental, keep)
        else:
            h.incremental.row_order = _lib.ROW_ORDER["asc"]
        h.write_disposition = _lib.WRITE_DISPOSITION[hints.get("write_disposition")]
        h.table_name = s(hints.get("table_name"))
        h.merge_key = s(hints.get("merge_key"))
        h.hard_delete_column = s(hints.get("hard_delete"))
        h.sync_deletes = bool(hints.get("sync_deletes", False))
        h.columns = s(hints.get("columns"))
        h.exclude_columns = s(hints.get("exclude_columns"))
        h.chunk_size = hints.get("chunk_size", 0)

    def add_limit(self, max_items=None, max_time=None):
        """Limits apply to the whole source in sluice (every table)."""
        self._source.add_limit(max_items, max_time)
        return self

    def __repr__(self):
        return "<sluice resource %r>" % self.name


class _Resources(dict):
    """source.resources: the tables by name; a missing one raises KeyError naming it."""

    def __missing__(self, key):
        raise KeyError("no resource %r in this source (tables: %s)" % (key, ", ".join(self)))

    @property
    def selected(self):
        return dict(self)


class SqlDatabaseSource:
    """The source ``sql_database()`` returns (dlt's DltSource)."""

    def __init__(self, credentials, table_names, chunk_size, schema, include_views, exclude,
                 retries):
        self._url = credentials
        names = list(table_names) if table_names else []
        if schema:
            names = [n if "." in n else "%s.%s" % (schema, n) for n in names] or ["%s.*" % schema]
        self._selections = names
        self._chunk_size = chunk_size
        self._include_views = include_views
        self._exclude = list(exclude or [])
        self._retries = retries
        self._max_items = 0
        self._max_time = 0.0
        self.resources = _Resources()
        for n in names or ["*"]:
            self.resources[n] = SqlTableResource(self, n)
        self.name = "sql_database"
        self._build({}).close()  # checks the URL and names now

    # dlt: source.family
    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        res = self.__dict__.get("resources", {})
        if name in res:
            return res[name]
        for key, r in res.items():
            if key.split(".")[-1] == name:
                return r
        raise AttributeError("no resource %r in this source (tables: %s)"
                             % (name, ", ".join(res)))

    def with_resources(self, *names):
        """A copy of the source holding just these tables, with their hints."""
        for n in names:
            self.resources[n]  # KeyError for an unknown one
        other = object.__new__(SqlDatabaseSource)
        other.__dict__.update(self.__dict__)
        other._selections = list(names)
        other.resources = _Resources({n: self.resources[n] for n in names})
        return other

    def add_limit(self, max_items=None, max_time=None):
        """At most max_items chunks per table per run (dlt counts pages; sluice's chunks are
        chunk_size rows) and at most max_time seconds per table."""
        if max_items is not None:
            if not isinstance(max_items, int) or max_items < 0:
                raise ValueError("add_limit: max_items must be an int >= 0")
            self._max_items = max_items
        if max_time is not None:
            if not isinstance(max_time, (int, float)) or max_time < 0:
                raise ValueError("add_limit: max_time must be seconds >= 0")
            self._max_time = float(max_time)
        return self

    def _build(self, override):
        """A fresh sl_source for one run (a _Built, to be closed)."""
        lib = _lib.lib()
        keep = []
        arr = None
        if self._selections:
            arr = (ctypes.c_char_p * (len(self._selections) + 1))()
            for i, n in enumerate(self._selections):
                arr[i] = _lib.enc(n)
            arr[len(self._selections)] = None
        src = ctypes.c_void_p()
        _lib.check(lib.sl_source_sql_database(ctypes.byref(src), _lib.enc(self._url), arr,
                                              self._chunk_size))
        built = _Built(src.value)
        try:
            for sel in (self._selections or ["*"]):
                h = _lib.TableHints()
                self.resources[sel]._fill(h, keep, override)
                _lib.check(lib.sl_source_apply_hints(built.ptr, _lib.enc(sel), ctypes.byref(h)))
            for pat in self._exclude:
                _lib.check(lib.sl_source_exclude(built.ptr, _lib.enc(pat)))
            if self._include_views:
                _lib.check(lib.sl_source_include_views(built.ptr, True))
            if self._max_items:
                _lib.check(lib.sl_source_add_limit(built.ptr, self._max_items))
            if self._max_time:
                _lib.check(lib.sl_source_set_max_time(built.ptr, self._max_time))
            if self._retries:
                _lib.check(lib.sl_source_set_retries(built.ptr, self._retries))
        except BaseException:
            built.close()
            raise
        return built

    def __repr__(self):
        return "<sluice sql_database source: %s>" % ", ".join(self.resources)


class _Built:
    """An sl_source owned by one run."""

    def __init__(self, ptr):
        self.ptr = ptr

    def close(self):
        if self.ptr:
            _lib.lib().sl_source_free(self.ptr)
            self.ptr = None


def sql_database(credentials, schema=None, metadata=None, table_names=None,
                 chunk_size=DEFAULT_CHUNK_SIZE, backend="sqlalchemy", detect_precision_types=False,
                 reflection_level="full", defer_table_reflect=None, table_adapter_callback=None,
                 backend_kwargs=None, include_views=False, type_adapter_callback=None,
                 query_adapter_callback=None, resolve_foreign_keys=False, engine_adapter_callback=None,
                 exclude=None, retries=0):
    """dlt's ``sql_database``: the tables of a MySQL/MariaDB, PostgreSQL or SQLite database.

    credentials: a SQLAlchemy-style URL ("mysql+pymysql://user:pw@host:port/db",
    "postgresql://...", "sqlite:///file.db"). table_names: the tables to load (globs allowed);
    None loads every table. chunk_size: rows per committed chunk. backend: accepted for dlt's
    sake; sluice always reads with its C engine. exclude (sluice): glob patterns of tables to
    leave out. retries (sluice): connection retries. dlt's callbacks (adapters) run Python per
    row or per table and do not exist here: passing one raises.
    """
    if not isinstance(credentials, str):
        to_url = getattr(credentials, "to_native_representation", None)
        if to_url is None:
            raise TypeError("sql_database: credentials must be a connection URL string")
        credentials = to_url()
    if isinstance(table_names, str):
        raise TypeError("sql_database: table_names is a list of names, not a string")
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError("sql_database: chunk_size must be a positive int")
    if backend not in _BACKENDS:
        raise ValueError("sql_database: backend must be one of %s" % ", ".join(_BACKENDS))
    for name, cb in (("table_adapter_callback", table_adapter_callback),
                     ("type_adapter_callback", type_adapter_callback),
                     ("query_adapter_callback", query_adapter_callback),
                     ("engine_adapter_callback", engine_adapter_callback),
                     ("metadata", metadata)):
        if cb is not None:
            raise NotImplementedError("sql_database: %s is not supported by sluice" % name)
    return SqlDatabaseSource(credentials, table_names, chunk_size, schema, include_views,
                             exclude, retries)


