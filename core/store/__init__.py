"""The store (a DuckDB file) and the incremental ingest that fills it."""

from .db import Counts, Store, StoreError, content_hash  # noqa: F401
