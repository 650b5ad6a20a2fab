"""Fetch parliamentary records into a local folder for `campaign-tracker ingest`: TheyWorkForYou's ParlParse XML
(``twfy``) and the Hansard API (``hansard_api``), through one polite, resumable HTTP client (``http``).
See docs/fetch.md."""

from .http import USER_AGENT, FetchError, PoliteClient
from .jobs import Report

__all__ = ["FetchError", "PoliteClient", "Report", "USER_AGENT"]
