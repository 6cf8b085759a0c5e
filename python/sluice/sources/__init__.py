"""dlt's ``dlt.sources`` for sluice: the incremental hint, and sql_database in
``sluice.sources.sql_database``."""

import datetime
import decimal

__all__ = ["incremental", "sql_database"]


def _as_text(value):
    """A cursor bound as the text the library parses ("2024-01-31 12:00:00.25", "42")."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, bool):
        raise TypeError("incremental: a bool cannot be a cursor value")
    if isinstance(value, (int, float, decimal.Decimal, str)):
        return str(value)
    raise TypeError("incremental: cursor values are str, int, float, Decimal, date or datetime,"
                    " not %s" % type(value).__name__)


class incremental:
    """dlt's ``dlt.sources.incremental``: load a table by a cursor column, resuming after the
    last value a previous run committed.

    last_value_func is ``max`` (rows with growing cursor values) or ``min``; row_order "asc",
    "desc", "none" (no ORDER BY) or None: sluice's default, "asc" (dlt's None reads in the
    database's order and filters in Python; sluice commits chunks in cursor order so that a
    limited run resumes exactly where it stopped); range_start / range_end "closed"
    or "open"; lag in seconds (or a timedelta) for temporal cursors, units for numeric ones;
    on_cursor_value_missing "raise", "include" or "exclude".
    """

    def __init__(self, cursor_path, initial_value=None, last_value_func=max,
                 primary_key=None, end_value=None, row_order=None, allow_external_schedulers=False,
                 on_cursor_value_missing="raise", lag=None, range_start="closed",
                 range_end="open"):
        if not isinstance(cursor_path, str) or not cursor_path:
            raise ValueError("incremental: cursor_path must name a column")
        if last_value_func is max or last_value_func == "max":
            self.last_value_func = "max"
        elif last_value_func is min or last_value_func == "min":
            self.last_value_func = "min"
        else:
            raise ValueError("incremental: last_value_func must be max or min")
        if row_order not in ("asc", "desc", "none", None):
            raise ValueError("incremental: row_order must be 'asc', 'desc', 'none' or None")
        if on_cursor_value_missing not in ("raise", "include", "exclude"):
            raise ValueError("incremental: on_cursor_value_missing must be 'raise', 'include'"
                             " or 'exclude'")
        for name, v in (("range_start", range_start), ("range_end", range_end)):
            if v not in ("open", "closed"):
                raise ValueError("incremental: %s must be 'open' or 'closed'" % name)
        if isinstance(lag, datetime.timedelta):
            lag = lag.total_seconds()
        if lag is not None and not isinstance(lag, (int, float)):
            raise ValueError("incremental: lag is a number (seconds for temporal cursors)")
        self.cursor_path = cursor_path
        self.initial_value = initial_value
        self.end_value = end_value
        self.row_order = row_order
        self.on_cursor_value_missing = on_cursor_value_missing
        self.lag = lag
        self.range_start = range_start
        self.range_end = range_end
        self.primary_key = primary_key
        # validate the bounds now, where the mistake is made
        self._initial_text = _as_text(initial_value)
        self._end_text = _as_text(end_value)

    def _fill(self, inc, keep):
        """Fill an sl_incremental (``keep`` holds the encoded strings alive)."""
        from .. import _lib

        def s(v):
            b = _lib.enc(v)
            keep.append(b)
            return b
        inc.cursor_path = s(self.cursor_path)
        inc.initial_value = s(self._initial_text)
        inc.end_value = s(self._end_text)
        inc.row_order = _lib.ROW_ORDER[self.row_order or "asc"]
        inc.last_value_func = _lib.LAST_VALUE[self.last_value_func]
        inc.range_start = _lib.RANGE[self.range_start]
        inc.range_end = _lib.RANGE[self.range_end]
        inc.lag = s(None if self.lag is None else repr(float(self.lag)))
        inc.on_cursor_value_missing = _lib.MISSING_CURSOR[self.on_cursor_value_missing]

    def __repr__(self):
        return "incremental(%r, initial_value=%r, row_order=%r)" % (
            self.cursor_path, self.initial_value, self.row_order)


from .sql_database import sql_database  # noqa: E402  (after incremental, which it uses)
