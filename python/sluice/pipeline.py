"""dlt's ``dlt.pipeline`` on sluice: a named pipeline that runs sources into a destination.

``run`` calls sl_pipeline_run on a worker thread while the calling thread waits on it in short
timeouts. ctypes releases the GIL for the foreign call, so other Python threads run during a
load; and because the calling (main) thread is back in the interpreter every 0.1 s, Ctrl-C is
seen at once: it calls sl_pipeline_interrupt, which makes the library roll back the open chunk
and return, and then KeyboardInterrupt is raised. Every chunk committed before stays, with the
state that covers it, so the next run continues there.
"""

import ctypes
import os
import re
import sys
import threading

from . import _lib
from . import errors
from .dataset import Dataset


class TableLoadInfo:
    """One table's figures of a run (sl_table_load)."""

    def __init__(self, t):
        self.table = _lib.dec(t.table)
        self.rows_extracted = t.rows_extracted
        self.rows_loaded = t.rows_loaded
        self.chunks = t.chunks
        self.last_value = _lib.dec(t.last_value)
        self.seconds = t.seconds
        self.exhausted = bool(t.exhausted)
        self.warnings = _lib.dec(t.warnings).splitlines() if t.warnings else []
        self.schema_changes = _lib.dec(t.schema_changes)
        self.rows_deleted = t.rows_deleted
        self.error = t.error
        self.error_message = _lib.dec(t.error_message)

    def summary(self, cursor=None):
        """The line ``sluice run`` prints for the table."""
        if self.error:
            return "%s: failed: %s" % (self.table, self.error_message)
        s = "%s: %d rows loaded (%d read) in %d chunk%s, %.2f s" % (
            self.table, self.rows_loaded, self.rows_extracted, self.chunks,
            "" if self.chunks == 1 else "s", self.seconds)
        if self.seconds > 0:
            s += ", %.0f rows/s" % (self.rows_loaded / self.seconds)
        if self.last_value is not None:
            s += ", last %s = %s" % (cursor or "value", self.last_value)
        if self.rows_deleted:
            s += ", %d row%s deleted" % (self.rows_deleted, "" if self.rows_deleted == 1 else "s")
        s += ", all rows loaded" if self.exhausted else ", more rows left"
        return s

    def __repr__(self):
        return "<TableLoadInfo %s>" % self.summary()


class LoadInfo:
    """What ``pipeline.run`` returns (dlt's LoadInfo): ``load_id``, ``tables`` (per table
    figures), ``row_counts`` ({table: rows loaded}); ``str()`` reads like ``sluice run``."""

    def __init__(self, info, pipeline, cursors):
        lib = _lib.lib()
        self.pipeline = pipeline
        self.load_id = _lib.dec(lib.sl_load_info_load_id(info))
        self.loads_ids = [self.load_id] if self.load_id else []
        self.tables = [TableLoadInfo(lib.sl_load_info_table(info, i).contents)
                       for i in range(lib.sl_load_info_table_count(info))]
        self._cursors = cursors
        self.dataset_name = pipeline.dataset_name
        self.destination = pipeline.destination

    @property
    def row_counts(self):
        return {t.table: t.rows_loaded for t in self.tables}

    @property
    def has_failed_jobs(self):
        return any(t.error for t in self.tables)

    def raise_on_failed_jobs(self):
        for t in self.tables:
            if t.error:
                raise errors.from_code(t.error, t.error_message or "")

    def __str__(self):
        lines = [t.summary(self._cursors.get(t.table)) for t in self.tables]
        for t in self.tables:
            lines += ["warning: %s" % w for w in t.warnings]
            if t.schema_changes:
                lines.append("%s: schema changes %s" % (t.table, t.schema_changes))
        if self.load_id:
            lines.append("load id: %s" % self.load_id)
        return "\n".join(lines)

    def __repr__(self):
        return "<LoadInfo %s: %s>" % (self.load_id, self.row_counts)


class Progress:
    """What a progress callback gets after each committed chunk (sl_progress)."""

    __slots__ = ("table", "rows_loaded", "rows_extracted", "chunks", "rows_total", "seconds")

    def __init__(self, p):
        self.table = _lib.dec(p.table)
        self.rows_loaded = p.rows_loaded
        self.rows_extracted = p.rows_extracted
        self.chunks = p.chunks
        self.rows_total = None if p.rows_total < 0 else p.rows_total
        self.seconds = p.seconds


def _log_progress(p):
    total = "" if p.rows_total is None else "/%d" % p.rows_total
    print("%s: %d%s rows, %d chunks, %.1f s" % (p.table, p.rows_loaded, total, p.chunks,
                                                 p.seconds), file=sys.stderr, flush=True)


class Pipeline(_lib.Closing):
    """A pipeline (dlt's Pipeline). Create it with ``sluice.pipeline(...)``."""

    def __init__(self, pipeline_name, destination, dataset_name, dev_mode, pipelines_dir,
                 progress, workers, wait_lock, memory_limit):
        lib = _lib.lib()
        self.pipeline_name = pipeline_name
        self.dev_mode = dev_mode
        self.pipelines_dir = pipelines_dir
        self.last_trace = None
        self._progress = None
        self._callback = None  # the ctypes callback object, alive as long as the pipeline
        if progress == "log":
            progress = _log_progress
        if progress is not None and not callable(progress):
            raise TypeError("pipeline: progress is None, 'log' or a callable")
        self._progress = progress
        o = _lib.PipelineOptions()
        o.version = _lib.PIPELINE_OPTIONS_VERSION
        self._keep = [_lib.enc(pipeline_name), _lib.enc(destination), _lib.enc(dataset_name),
                      _lib.enc(pipelines_dir), _lib.enc(memory_limit)]
        (o.pipeline_name, o.destination, o.dataset_name, o.pipelines_dir,
         o.memory_limit) = self._keep
        o.dev_mode = bool(dev_mode)
        o.wait_lock = float(wait_lock)
        o.workers = int(workers)
        if progress is not None:
            self._callback = _lib.PROGRESS_FUNC(self._on_progress)
            o.on_progress = self._callback
        p = ctypes.c_void_p()
        _lib.check(lib.sl_pipeline_new(ctypes.byref(p), ctypes.byref(o)))
        self._p = p.value
        self.dataset_name = _lib.dec(lib.sl_pipeline_dataset_name(self._p))
        self.destination = _lib.dec(lib.sl_pipeline_destination(self._p))

    def _handle(self):
        if not self._p:
            raise errors.InvalidArgumentError("pipeline is closed", -2)
        return self._p

    def _on_progress(self, _ctx, p):
        # Called by the library on the run's thread after each chunk commit (cheap: per chunk).
        try:
            self._progress(Progress(p.contents))
        except Exception as e:  # an exception cannot cross into C: report it and go on
            print("sluice: progress callback failed: %r" % (e,), file=sys.stderr)

    def run(self, data, write_disposition=None, table_name=None, primary_key=None):
        """Run the source (or one of its resources) once; returns a LoadInfo.

        write_disposition / primary_key / table_name given here override the hints of every
        table of this run, as dlt's run() arguments do. A table that fails raises
        PipelineStepFailed (with ``.load_info``) after the others ran; a failure before any
        table started raises its SluiceError; Ctrl-C raises KeyboardInterrupt once the open
        chunk is rolled back.
        """
        from .sources.sql_database import SqlDatabaseSource, SqlTableResource
        if isinstance(data, SqlTableResource):
            resource = data
            data = data._source.with_resources(resource.name)
        if not isinstance(data, SqlDatabaseSource):
            raise TypeError("pipeline.run: data must be a sql_database source or one of its"
                            " resources")
        override = {"write_disposition": write_disposition, "table_name": table_name,
                    "primary_key": None if primary_key is None else
                    (primary_key if isinstance(primary_key, str) else ",".join(primary_key))}
        if write_disposition is not None and write_disposition not in ("append", "replace",
                                                                        "merge"):
            raise ValueError("run: write_disposition must be 'append', 'replace' or 'merge'")
        cursors = {}
        for r in data.resources.values():
            inc = r._hints.get("incremental")
            if inc is not None:
                cursors[r.table_name] = inc.cursor_path
        built = data._build(override)
        try:
            rc, info, err = self._run_interruptible(built.ptr)
        finally:
            built.close()
        lib = _lib.lib()
        load_info = None
        if info:
            try:
                load_info = LoadInfo(info, self, cursors)
            finally:
                lib.sl_load_info_free(info)
        self.last_trace = load_info
        if rc == errors.InterruptedRunError.code and err is not None and \
                getattr(self, "_interrupted", False):
            raise KeyboardInterrupt
        if rc < 0:
            if load_info is not None:
                raise errors.PipelineStepFailed(err.message, rc, load_info)
            raise err
        return load_info

    def _run_interruptible(self, src):
        """sl_pipeline_run on a worker thread; Ctrl-C here interrupts it and waits for it."""
        lib = _lib.lib()
        p = self._handle()
        result = {}

        # An Event, not Thread.join/is_alive: a join that Ctrl-C interrupts can leave is_alive()
        # False while the thread still runs (CPython 3.11), and the caller would then free the
        # pipeline under the run.
        done = threading.Event()

        def work():
            try:
                info = ctypes.c_void_p()
                rc = lib.sl_pipeline_run(ctypes.byref(info), p, src)
                # the last error is thread-local: read it here, on the thread that failed
                result["err"] = _lib.last_error(rc) if rc < 0 else None
                result["rc"] = rc
                result["info"] = info.value
            finally:
                done.set()

        self._interrupted = False
        t = threading.Thread(target=work, name="sluice-run-%s" % self.pipeline_name)
        t.start()
        interrupt = None
        while not done.is_set():
            try:
                done.wait(0.1)
            except KeyboardInterrupt as e:
                # roll back the open chunk; a second Ctrl-C while it does so is ignored
                self._interrupted = True
                interrupt = e
                lib.sl_pipeline_interrupt(p)
        t.join()  # done is the thread's last step: at once
        if interrupt is not None:
            info = result.get("info")
            if info:
                lib.sl_load_info_free(info)
            raise interrupt
        return result["rc"], result["info"], result["err"]

    def interrupt(self):
        """Ask a run going on in another thread to stop (sl_pipeline_interrupt)."""
        _lib.lib().sl_pipeline_interrupt(self._handle())

    def dataset(self, dataset_type=None):
        """The pipeline's dataset, to read back (dlt's ``pipeline.dataset()``)."""
        return Dataset(pipeline=self)

    @property
    def state(self):
        """The pipeline's state (read from the destination) as a dict."""
        import json
        out = ctypes.c_void_p()
        lib = _lib.lib()
        _lib.check(lib.sl_pipeline_state_json(ctypes.byref(out), self._handle()))
        try:
            return json.loads(ctypes.string_at(out.value).decode("utf-8"))
        finally:
            lib.sl_free(out.value)

    def drop_pending_packages(self):
        """Nothing to drop: sluice commits chunk by chunk, without packages."""

    def reset(self, table=None, drop_data=False):
        """Forget a table's incremental state (all tables: None); drop_data drops its rows."""
        _lib.check(_lib.lib().sl_pipeline_reset(self._handle(), _lib.enc(table),
                                                1 if drop_data else 0))

    def close(self):
        if self._p:
            _lib.lib().sl_pipeline_free(self._p)
            self._p = None

    def __repr__(self):
        return "<sluice Pipeline %r -> %s dataset %r>" % (self.pipeline_name, self.destination,
                                                        self.dataset_name)


def _default_name():
    """dlt names a pipeline after its script: dlt_<script>; sluice does sluice_<script>."""
    script = os.path.splitext(os.path.basename(sys.argv[0] if sys.argv and sys.argv[0] else ""))[0]
    return "sluice_" + (re.sub(r"[^A-Za-z0-9_-]", "_", script) or "pipeline")


def pipeline(pipeline_name=None, pipelines_dir=None, destination=None, dataset_name=None,
             dev_mode=False, progress=None, workers=0, wait_lock=0.0, memory_limit=None,
             full_refresh=None, import_schema_path=None, export_schema_path=None, **kwargs):
    """dlt's ``dlt.pipeline``: destination "duckdb" (the file <pipeline_name>.duckdb here), a
    URL ("duckdb:///path.duckdb", "postgresql://...", "file:///dir") or a
    ``sluice.destinations`` object. sluice-only: workers (tables loaded at once), wait_lock
    (seconds to wait for a running pipeline), memory_limit (DuckDB's while loading)."""
    if kwargs:
        raise TypeError("pipeline: unsupported argument(s): %s" % ", ".join(sorted(kwargs)))
    if full_refresh is not None:  # dlt's old name of dev_mode
        dev_mode = bool(full_refresh)
    if destination is not None and not isinstance(destination, str):
        url = getattr(destination, "destination_url", None)
        if url is None:
            raise TypeError("pipeline: destination is 'duckdb', a URL or a sluice.destinations"
                            " object")
        destination = url
    return Pipeline(pipeline_name or _default_name(), destination, dataset_name, dev_mode,
                    pipelines_dir, progress, workers, wait_lock, memory_limit)


def attach(pipeline_name, pipelines_dir=None):
    """dlt's ``dlt.attach``: a pipeline that has run on this machine, with its destination and
    dataset."""
    lib = _lib.lib()
    p = ctypes.c_void_p()
    _lib.check(lib.sl_pipeline_open(ctypes.byref(p), _lib.enc(pipeline_name),
                                    _lib.enc(pipelines_dir)))
    obj = object.__new__(Pipeline)
    obj.pipeline_name = pipeline_name
    obj.pipelines_dir = pipelines_dir
    obj.dev_mode = False
    obj.last_trace = None
    obj._progress = None
    obj._callback = None
    obj._keep = []
    obj._p = p.value
    obj.dataset_name = _lib.dec(lib.sl_pipeline_dataset_name(obj._p))
    obj.destination = _lib.dec(lib.sl_pipeline_destination(obj._p))
    return obj
