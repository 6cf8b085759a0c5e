"""ctypes declarations of libsluice's public API (include/sluice.h) and the library lookup.

Only the standard library is used: no compiled extension, so the package runs on any CPython 3
that can load libsluice.so. The loaded library is the one piece of module state: it is opened
once, on first use, and kept for the life of the process.

ctypes releases the GIL around every foreign call, so while the library loads a table, other
Python threads run; sl_error_last() is thread-local, so a failing call's message must be read
on the thread that made the call (``check`` does this right after the call).
"""

import ctypes
import glob
import os
import shutil
import threading

from . import errors

c_char_p = ctypes.c_char_p
c_void_p = ctypes.c_void_p
c_int = ctypes.c_int
c_size_t = ctypes.c_size_t
c_bool = ctypes.c_bool
c_double = ctypes.c_double
c_uint = ctypes.c_uint
c_uint64 = ctypes.c_uint64
c_int64 = ctypes.c_int64


# ---------------------------------------------------------------- structs (sluice.h)

class Error(ctypes.Structure):
    _fields_ = [("code", c_int), ("message", c_char_p)]


class Incremental(ctypes.Structure):
    _fields_ = [
        ("cursor_path", c_char_p),
        ("initial_value", c_char_p),
        ("end_value", c_char_p),
        ("row_order", c_int),
        ("last_value_func", c_int),
        ("range_start", c_int),
        ("range_end", c_int),
        ("lag", c_char_p),
        ("on_cursor_value_missing", c_int),
    ]


TABLE_HINTS_VERSION = 3


class TableHints(ctypes.Structure):
    _fields_ = [
        ("version", c_uint),
        ("primary_key", c_char_p),
        ("incremental", Incremental),
        ("write_disposition", c_int),
        ("table_name", c_char_p),
        ("merge_key", c_char_p),
        ("hard_delete_column", c_char_p),
        ("sync_deletes", c_bool),
        ("columns", c_char_p),
        ("exclude_columns", c_char_p),
        ("chunk_size", c_size_t),
    ]


class Progress(ctypes.Structure):
    _fields_ = [
        ("table", c_char_p),
        ("rows_loaded", c_uint64),
        ("rows_extracted", c_uint64),
        ("chunks", c_uint64),
        ("rows_total", c_int64),
        ("seconds", c_double),
    ]


PROGRESS_FUNC = ctypes.CFUNCTYPE(None, c_void_p, ctypes.POINTER(Progress))

PIPELINE_OPTIONS_VERSION = 2


class PipelineOptions(ctypes.Structure):
    _fields_ = [
        ("version", c_uint),
        ("pipeline_name", c_char_p),
        ("destination", c_char_p),
        ("dataset_name", c_char_p),
        ("dev_mode", c_bool),
        ("pipelines_dir", c_char_p),
        ("no_load_id", c_bool),
        ("memory_limit", c_char_p),
        ("on_progress", PROGRESS_FUNC),
        ("progress_ctx", c_void_p),
        ("wait_lock", c_double),
        ("workers", c_uint),
    ]


class TableLoad(ctypes.Structure):
    _fields_ = [
        ("table", c_char_p),
        ("rows_extracted", c_uint64),
        ("rows_loaded", c_uint64),
        ("chunks", c_uint64),
        ("last_value", c_char_p),
        ("seconds", c_double),
        ("exhausted", c_bool),
        ("warnings", c_char_p),
        ("schema_changes", c_char_p),
        ("rows_deleted", c_uint64),
        ("error", c_int),
        ("error_message", c_char_p),
    ]


class RowsColumn(ctypes.Structure):
    """sl_rows_column: one column of a columnar batch (sl_rows_fetch)."""
    _fields_ = [
        ("type", c_int),
        ("format", c_int),
        ("values", c_void_p),
        ("status", c_void_p),
        ("offsets", c_void_p),
        ("text", c_void_p),  # not c_char_p: it may hold zero bytes and is not terminated
    ]


# sl_type, in header order
TYPE_NAMES = [
    "BOOL", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64",
    "FLOAT", "DOUBLE", "DECIMAL", "TEXT", "BLOB", "JSON", "DATE", "TIME", "TIMESTAMP",
    "TIMESTAMPTZ", "INTERVAL", "UUID", "LIST",
]
ROWS_INT64, ROWS_DOUBLE, ROWS_TEXT = 0, 1, 2
VALUE_OK, VALUE_NULL, VALUE_TEXT = 0, 1, 2

# enums
ROW_ORDER = {"asc": 0, "desc": 1, "none": 2}
LAST_VALUE = {"max": 0, "min": 1}
RANGE = {None: 0, "closed": 1, "open": 2}
MISSING_CURSOR = {"raise": 0, "include": 1, "exclude": 2}
WRITE_DISPOSITION = {None: 0, "append": 1, "replace": 2, "merge": 3}

P = ctypes.POINTER

# name: (restype, argtypes)
_SIGNATURES = {
    "sl_error_last": (P(Error), []),
    "sl_error_clear": (None, []),
    "sl_strerror": (c_char_p, [c_int]),
    "sl_version": (c_char_p, []),
    "sl_destination_library_version": (c_char_p, []),
    "sl_type_name": (c_char_p, [c_int]),
    "sl_source_sql_database": (c_int, [P(c_void_p), c_char_p, P(c_char_p), c_size_t]),
    "sl_source_apply_hints": (c_int, [c_void_p, c_char_p, P(TableHints)]),
    "sl_source_exclude": (c_int, [c_void_p, c_char_p]),
    "sl_source_include_views": (c_int, [c_void_p, c_bool]),
    "sl_source_add_limit": (c_int, [c_void_p, c_size_t]),
    "sl_source_set_max_time": (c_int, [c_void_p, c_double]),
    "sl_source_set_retries": (c_int, [c_void_p, c_uint]),
    "sl_source_free": (None, [c_void_p]),
    "sl_pipeline_new": (c_int, [P(c_void_p), P(PipelineOptions)]),
    "sl_pipeline_open": (c_int, [P(c_void_p), c_char_p, c_char_p]),
    "sl_pipeline_dataset_name": (c_char_p, [c_void_p]),
    "sl_pipeline_destination": (c_char_p, [c_void_p]),
    "sl_pipeline_run": (c_int, [P(c_void_p), c_void_p, c_void_p]),
    "sl_pipeline_interrupt": (None, [c_void_p]),
    "sl_pipeline_free": (None, [c_void_p]),
    "sl_pipeline_state_json": (c_int, [P(c_void_p), c_void_p]),
    "sl_pipeline_reset": (c_int, [c_void_p, c_char_p, c_int]),
    "sl_load_info_table_count": (c_size_t, [c_void_p]),
    "sl_load_info_table": (P(TableLoad), [c_void_p, c_size_t]),
    "sl_load_info_load_id": (c_char_p, [c_void_p]),
    "sl_load_info_free": (None, [c_void_p]),
    "sl_pipeline_dataset": (c_int, [P(c_void_p), c_void_p]),
    "sl_dataset_open": (c_int, [P(c_void_p), c_char_p, c_char_p]),
    "sl_dataset_name": (c_char_p, [c_void_p]),
    "sl_dataset_row_count": (c_int, [P(c_uint64), c_void_p, c_char_p]),
    "sl_dataset_tables": (c_int, [P(c_void_p), c_void_p]),
    "sl_dataset_read": (c_int, [P(c_void_p), c_void_p, c_char_p, c_uint64]),
    "sl_dataset_query": (c_int, [P(c_void_p), c_void_p, c_char_p]),
    "sl_dataset_free": (None, [c_void_p]),
    "sl_rows_next": (c_int, [c_void_p]),
    "sl_rows_column_count": (c_size_t, [c_void_p]),
    "sl_rows_column_name": (c_char_p, [c_void_p, c_size_t]),
    "sl_rows_column_type": (c_int, [c_void_p, c_size_t]),
    "sl_rows_is_null": (c_bool, [c_void_p, c_size_t]),
    "sl_rows_int64": (c_int, [P(c_int64), c_void_p, c_size_t]),
    "sl_rows_double": (c_int, [P(c_double), c_void_p, c_size_t]),
    "sl_rows_text": (c_void_p, [c_void_p, c_size_t, P(c_size_t)]),
    "sl_rows_free": (None, [c_void_p]),
    "sl_rows_batch_new": (c_int, [P(c_void_p)]),
    "sl_rows_fetch": (c_int, [c_void_p, c_void_p, c_size_t]),
    "sl_rows_batch_row_count": (c_size_t, [c_void_p]),
    "sl_rows_batch_column_count": (c_size_t, [c_void_p]),
    "sl_rows_batch_column": (P(RowsColumn), [c_void_p, c_size_t]),
    "sl_rows_batch_free": (None, [c_void_p]),
    "sl_free": (None, [c_void_p]),
}


# ---------------------------------------------------------------- finding the library

def _candidates():
    """Where libsluice may be, most specific first: $SLUICE_LIBRARY; the build directory of
    the checkout this package sits in (python/sluice -> the repository); next to an installed
    `sluice` program (PREFIX/bin -> PREFIX/lib); the system's library path."""
    env = os.environ.get("SLUICE_LIBRARY")
    if env:
        yield env
        return
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    if os.path.isfile(os.path.join(repo, "include", "sluice.h")):
        default = os.path.join(repo, "build", "libsluice.so")
        if os.path.exists(default):
            yield default
        # other build directories of the checkout, newest first (build-asan needs its runtime
        # preloaded, so it is never picked implicitly)
        others = [p for p in glob.glob(os.path.join(repo, "build*", "libsluice.so"))
                  if p != default and "asan" not in p and "fuzz" not in p]
        yield from sorted(others, key=os.path.getmtime, reverse=True)
    program = shutil.which("sluice")
    if program:
        prefix = os.path.dirname(os.path.dirname(os.path.realpath(program)))
        for libdir in ("lib", "lib64", "lib/x86_64-linux-gnu", "lib/aarch64-linux-gnu"):
            path = os.path.join(prefix, libdir, "libsluice.so")
            if os.path.exists(path):
                yield path
    for prefix in ("/usr/local", "/usr"):
        for path in glob.glob(os.path.join(prefix, "lib*", "**", "libsluice.so.*"), recursive=True):
            yield path
    yield "libsluice.so.0"


_lib = None
_lib_lock = threading.Lock()


def lib():
    """The loaded library (opened on first use), with every function's types declared."""
    global _lib
    if _lib is not None:
        return _lib
    with _lib_lock:
        if _lib is None:
            tried = []
            loaded = None
            for path in _candidates():
                try:
                    loaded = ctypes.CDLL(path)
                    break
                except OSError as e:
                    tried.append("%s (%s)" % (path, e))
            if loaded is None:
                raise errors.LibraryNotFoundError(
                    "cannot load libsluice: set SLUICE_LIBRARY to its path; tried: "
                    + "; ".join(tried))
            for name, (restype, argtypes) in _SIGNATURES.items():
                fn = getattr(loaded, name)
                fn.restype = restype
                fn.argtypes = argtypes
            _lib = loaded
    return _lib


# ---------------------------------------------------------------- helpers

def enc(s):
    """A Python str as the UTF-8 bytes the C API takes (None stays NULL)."""
    if s is None:
        return None
    if isinstance(s, bytes):
        return s
    return str(s).encode("utf-8")


def dec(b):
    return None if b is None else b.decode("utf-8", "replace")


def last_error(code):
    """The exception for a failed call, from this thread's sl_error_last()."""
    e = lib().sl_error_last().contents
    message = dec(e.message) or dec(lib().sl_strerror(code))
    return errors.from_code(code, message)


def check(code):
    """Raise the SluiceError of a failing call's return code (call it on the calling thread)."""
    if code < 0:
        raise last_error(code)
    return code


class Closing:
    """A handle on library memory: close() frees it (once); `with` and garbage collection too."""

    def close(self):
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass  # at interpreter exit the library may be gone already
