"""sluice for Python: dlt's ``sql_database`` pipelines on sluice's C engine.

    import sluice as dlt
    from sluice.sources.sql_database import sql_database

    source = sql_database("mysql+pymysql://user@host:3306/Rfam", table_names=["family"],
                          chunk_size=1000)
    source.family.apply_hints(primary_key="rfam_id",
                              incremental=dlt.sources.incremental("created", row_order="asc"))
    pipeline = dlt.pipeline(pipeline_name="rfam", destination="duckdb", dataset_name="rfam_data")
    print(pipeline.run(source))
    df = pipeline.dataset().family.df()

The library, libsluice.so, is loaded through ctypes from $SLUICE_LIBRARY, the build directory
of a checkout, or next to an installed `sluice`. See docs/python.md.
"""

from . import destinations, sources
from .errors import (AuthenticationError, DestinationError, InvalidArgumentError,
                     InvalidURLError, MissingCursorError, NotFoundError, PipelineLockedError,
                     PipelineStepFailed, SluiceError, SourceConnectionError, SourceError,
                     StateError, UnsupportedError)
from .pipeline import LoadInfo, Pipeline, attach, pipeline
from .dataset import Dataset

__all__ = [
    "pipeline", "attach", "sources", "destinations", "dataset", "version", "Pipeline",
    "LoadInfo", "Dataset", "SluiceError", "SourceConnectionError", "AuthenticationError",
    "NotFoundError", "SourceError", "DestinationError", "StateError", "PipelineLockedError",
    "UnsupportedError", "InvalidArgumentError", "InvalidURLError", "MissingCursorError",
    "PipelineStepFailed",
]

__version__ = "0.1.0"


def dataset(destination, dataset_name):
    """A dataset by destination URL and name, without a pipeline (dlt's ``dlt.dataset``)."""
    return Dataset(destination=destination, dataset_name=dataset_name)


def version():
    """libsluice's version ("0.1.0")."""
    from . import _lib
    return _lib.dec(_lib.lib().sl_version())
