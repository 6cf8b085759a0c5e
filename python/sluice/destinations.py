"""dlt's ``dlt.destinations`` factories, as sluice destination URLs."""


class _Destination:
    def __init__(self, url):
        self.destination_url = url

    def __repr__(self):
        return "<sluice destination %s>" % self.destination_url.split("@")[-1]


def duckdb(credentials=None):
    """A DuckDB file: dlt.destinations.duckdb("path/to/file.duckdb")."""
    return _Destination("duckdb" if credentials is None else
                        credentials if "://" in credentials else "duckdb:///" + credentials)


def postgres(credentials):
    """A PostgreSQL database: a postgresql:// URL."""
    return _Destination(credentials)


def filesystem(bucket_url):
    """Files in a local directory: "file:///dir" or a path."""
    return _Destination(bucket_url if "://" in bucket_url else "file://" + bucket_url)
