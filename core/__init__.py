"""Campaign Tracker core library: ingest, de-duplicate, tag, extract asks, summarise. No UI imports."""

__version__ = "0.1.0"
