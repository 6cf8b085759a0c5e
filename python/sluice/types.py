"""Turning the library's columnar batches (sl_rows_fetch) into Python values and pandas columns.

Values come back as Python's own types:

==============  =====================================================================
sluice type     Python value
==============  =====================================================================
BOOL            bool
INT*, UINT*     int (a UBIGINT above 2**63-1 too)
FLOAT, DOUBLE   float
DECIMAL         decimal.Decimal
TEXT            str
JSON            str, the JSON text unparsed (as dlt's DuckDB datasets give it)
BLOB            bytes
DATE            datetime.date (infinity: date.max / date.min)
TIME            datetime.time
TIMESTAMP       datetime.datetime, naive (infinity: datetime.max / datetime.min)
TIMESTAMPTZ     datetime.datetime, aware, in UTC
INTERVAL        datetime.timedelta, a month counted as 30 days (as DuckDB's Python API does)
UUID            uuid.UUID
LIST            list of the element values (text elements as str)
==============  =====================================================================

Fixed-width columns arrive as one int64/float64 array per batch; numbers, dates and timestamps
become numpy arrays with ``numpy.frombuffer`` and a vectorised conversion, without a Python
object per value. Text-like columns need one object per value by nature (pandas' object dtype).
"""

import codecs
import ctypes
import datetime
import decimal
import re
import uuid

from . import _lib

_EPOCH = datetime.datetime(1970, 1, 1)
_EPOCH_DATE = datetime.date(1970, 1, 1)
_UTC = datetime.timezone.utc


# ---------------------------------------------------------------- text forms of the destinations

_INTERVAL_PART = re.compile(r"(-?\d+) (year|mon|month|day)s?")
_INTERVAL_TIME = re.compile(r"(-?)(\d+):(\d\d):(\d\d)(?:\.(\d+))?")


def parse_interval(text):
    """DuckDB's "1 year 2 months 3 days 04:05:06.5" or PostgreSQL's "1 year 2 mons 3 days ..."
    as a timedelta; a month is 30 days and a year 12 months."""
    days = 0
    for n, unit in _INTERVAL_PART.findall(text):
        n = int(n)
        days += n * 360 if unit == "year" else n * 30 if unit in ("mon", "month") else n
    micros = 0
    m = _INTERVAL_TIME.search(text)
    if m:
        sign, h, mi, s, frac = m.groups()
        micros = ((int(h) * 60 + int(mi)) * 60 + int(s)) * 1000000
        if frac:
            micros += int((frac + "000000")[:6])
        if sign:
            micros = -micros
    return datetime.timedelta(days=days, microseconds=micros)


def blob_decoder(destination):
    """How the destination writes a BLOB as text: DuckDB escapes bytes as \\xHH, PostgreSQL's
    bytea is \\x followed by hex digits."""
    if destination.startswith(("postgres", "postgresql")):
        return lambda raw: bytes.fromhex(raw[2:].decode("ascii"))
    return lambda raw: codecs.escape_decode(raw)[0]


def _split_list(body):
    """The elements of a list's text "[a, 'b, c', NULL]" (brackets removed), quotes honoured."""
    items, cur, quote, i = [], [], None, 0
    while i < len(body):
        ch = body[i]
        if quote:
            if ch == quote and i + 1 < len(body) and body[i + 1] == quote:
                cur.append(ch)
                i += 1
            elif ch == quote:
                quote = None
            elif ch == "\\" and quote == '"' and i + 1 < len(body):
                i += 1
                cur.append(body[i])
            else:
                cur.append(ch)
        elif ch in "'\"":
            quote = ch
            cur.append("\0")  # marks the element as quoted (never NULL)
        elif ch == ",":
            items.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        i += 1
    if cur or items:
        items.append("".join(cur).strip())
    return items


def parse_list(text, element=None):
    """A list's text, DuckDB's "[1, 2, NULL]" or PostgreSQL's "{1,2,NULL}", as a Python list;
    `element` converts each element's text (None: numbers as int/float, the rest as str)."""
    text = text.strip()
    if len(text) < 2:
        return [text]
    body = text[1:-1]
    out = []
    for item in _split_list(body):
        if item == "NULL":
            out.append(None)
            continue
        quoted = item.startswith("\0")
        item = item.replace("\0", "")
        if element is not None:
            out.append(element(item))
        elif not quoted and re.fullmatch(r"-?\d+", item):
            out.append(int(item))
        elif not quoted and re.fullmatch(r"-?\d+\.\d*(e[-+]?\d+)?|-?\d+e[-+]?\d+", item, re.I):
            out.append(float(item))
        else:
            out.append(item)
    return out


def element_parser(sql_type):
    """How to read a list element of DuckDB type `sql_type` ("INTEGER", "VARCHAR", ...) from
    its text; None: guess (numbers as int/float, the rest as str)."""
    if sql_type is None:
        return None
    t = sql_type.upper()
    if t in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
             "UINTEGER", "UBIGINT", "UHUGEINT"):
        return int
    if t in ("FLOAT", "DOUBLE", "REAL"):
        return float
    if t.startswith("DECIMAL"):
        return decimal.Decimal
    if t == "BOOLEAN":
        return lambda s: s == "true"
    if t == "DATE":
        return datetime.date.fromisoformat
    if t.startswith("TIMESTAMP"):
        def ts(s):
            v = datetime.datetime.fromisoformat(s)
            return v.astimezone(_UTC) if v.tzinfo else v
        return ts
    if t == "UUID":
        return uuid.UUID
    return str


# ---------------------------------------------------------------- one batch column

class Column:
    """A view of one sl_rows_column of the current batch, valid until the next fetch."""

    def __init__(self, col, nrows, name, blob, list_of=None):
        self.name = name
        self.type = _lib.TYPE_NAMES[col.type] if 0 <= col.type < len(_lib.TYPE_NAMES) else "TEXT"
        self._list_of = list_of
        if list_of is not None and self.type == "TEXT":
            self.type = "LIST"  # DuckDB hands a LIST over as its text
        self.format = col.format
        self.n = nrows
        self._col = col
        self._blob = blob

    def status(self):
        """bytes: one SL_ROWS_VALUE_* per row (a copy)."""
        return ctypes.string_at(self._col.status, self.n) if self.n else b""

    def _offsets_and_text(self):
        offs = (ctypes.c_uint64 * (self.n + 1)).from_address(self._col.offsets)
        offs = list(offs)
        text = ctypes.string_at(self._col.text, offs[-1]) if offs[-1] else b""
        return offs, text

    def texts(self):
        """The raw text bytes of each row (None where a row holds no text)."""
        offs, text = self._offsets_and_text()
        return [text[offs[i]:offs[i + 1]] if offs[i + 1] > offs[i] else b"" for i in range(self.n)]

    def _numbers(self):
        if not self.n:
            return []
        ctype = ctypes.c_double if self.format == _lib.ROWS_DOUBLE else ctypes.c_int64
        return list((ctype * self.n).from_address(self._col.values))

    # ---- Python values

    def values(self):
        """This column's values as Python objects."""
        st = self.status()
        t = self.type
        if self.format == _lib.ROWS_TEXT:
            convert = _TEXT_CONVERT.get(t, _utf8)
            if t == "BLOB":
                convert = self._blob
            elif t == "LIST":
                elem = element_parser(self._list_of)
                convert = lambda raw: parse_list(raw.decode("utf-8", "replace"), elem)  # noqa
            offs, text = self._offsets_and_text()
            return [None if st[i] == _lib.VALUE_NULL else convert(text[offs[i]:offs[i + 1]])
                    for i in range(self.n)]
        nums = self._numbers()
        convert = _NUMBER_CONVERT.get(t)
        out = [None if s == _lib.VALUE_NULL else (convert(v) if convert else v)
               for s, v in zip(st, nums)]
        if _lib.VALUE_TEXT in st:
            texts = self.texts()
            for i, s in enumerate(st):
                if s == _lib.VALUE_TEXT:
                    out[i] = _special(t, texts[i].decode())
        return out

    # ---- numpy / pandas

    def array(self, np, pd):
        """This column as a numpy array or pandas extension array, built without a Python
        object per value for numbers, booleans, dates and timestamps."""
        t = self.type
        if self.format == _lib.ROWS_TEXT or t == "TIME":
            arr = np.empty(self.n, dtype=object)
            arr[:] = self.values()
            return arr
        st = np.frombuffer(ctypes.string_at(self._col.status, self.n), dtype=np.uint8) \
            if self.n else np.zeros(0, dtype=np.uint8)
        dtype = np.float64 if self.format == _lib.ROWS_DOUBLE else np.int64
        raw = np.frombuffer((ctypes.c_char * (8 * self.n)).from_address(self._col.values),
                            dtype=dtype).copy() if self.n else np.zeros(0, dtype=dtype)
        nulls = st == _lib.VALUE_NULL
        special = st == _lib.VALUE_TEXT
        if special.any() and t != "UINT64":
            # infinities and the like: Python objects for the whole column of this batch
            arr = np.empty(self.n, dtype=object)
            arr[:] = self.values()
            return arr
        if self.format == _lib.ROWS_DOUBLE:
            raw[nulls] = np.nan
            return raw.astype(np.float32) if t == "FLOAT" else raw
        if t in ("DATE", "TIMESTAMP", "TIMESTAMPTZ"):
            unit = "D" if t == "DATE" else "us"
            vals = raw.view("datetime64[%s]" % unit)
            lo, hi = np.datetime64("1677-09-22", unit), np.datetime64("2262-04-11", unit)
            if ((vals[~nulls] < lo) | (vals[~nulls] > hi)).any():
                arr = np.empty(self.n, dtype=object)  # beyond pandas' nanoseconds
                arr[:] = self.values()
                return arr
            ns = vals.astype("datetime64[ns]")
            ns[nulls] = np.datetime64("NaT")
            if t == "TIMESTAMPTZ":
                return pd.arrays.DatetimeArray(ns, dtype=pd.DatetimeTZDtype(tz="UTC"))
            return ns
        if t == "UINT64":
            u = raw.view(np.uint64)
            if special.any():
                texts = self.texts()
                for i in np.flatnonzero(special):
                    u[i] = int(texts[i])
            return pd.arrays.IntegerArray(u, nulls) if nulls.any() else u
        if t == "BOOL":
            b = raw != 0
            return pd.arrays.BooleanArray(b, nulls) if nulls.any() else b
        width = _INT_DTYPES.get(t, "int64")
        ints = raw.astype(width)
        return pd.arrays.IntegerArray(ints, nulls) if nulls.any() else ints


_INT_DTYPES = {"INT8": "int8", "INT16": "int16", "INT32": "int32", "INT64": "int64",
               "UINT8": "uint8", "UINT16": "uint16", "UINT32": "uint32", "UINT64": "uint64"}


def _utf8(raw):
    return raw.decode("utf-8", "replace")


def _time(v):
    s, us = divmod(v, 1000000)
    if s >= 86400:  # 24:00:00 exists in SQL, not in Python
        return datetime.time(23, 59, 59, 999999)
    return datetime.time(s // 3600, s // 60 % 60, s % 60, us)


def _special(t, text):
    """A value an INT64 column holds only as text: infinities, and UBIGINT above 2**63-1."""
    if t == "DATE":
        return datetime.date.min if text.startswith("-") else datetime.date.max
    if t in ("TIMESTAMP", "TIMESTAMPTZ"):
        v = datetime.datetime.min if text.startswith("-") else datetime.datetime.max
        return v.replace(tzinfo=_UTC) if t == "TIMESTAMPTZ" else v
    try:
        return int(text)
    except ValueError:
        return text


_NUMBER_CONVERT = {
    "BOOL": bool,
    "DATE": lambda v: _EPOCH_DATE + datetime.timedelta(days=v),
    "TIME": _time,
    "TIMESTAMP": lambda v: _EPOCH + datetime.timedelta(microseconds=v),
    "TIMESTAMPTZ": lambda v: (_EPOCH + datetime.timedelta(microseconds=v)).replace(tzinfo=_UTC),
}

_TEXT_CONVERT = {
    "DECIMAL": lambda raw: decimal.Decimal(raw.decode("ascii")),
    "TEXT": _utf8,
    "JSON": _utf8,
    "INTERVAL": lambda raw: parse_interval(raw.decode("ascii")),
    "UUID": lambda raw: uuid.UUID(raw.decode("ascii")),
    "LIST": lambda raw: parse_list(raw.decode("utf-8", "replace")),
}
