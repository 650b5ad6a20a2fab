"""Argument types the command line's sub-commands share (core.cli and the packages' own cli modules import this;
it imports nothing of core's, so no sub-command's module needs core.cli)."""

from __future__ import annotations

import argparse
from datetime import date


def iso_date(value: str) -> date:
    """A date given as YYYY-MM-DD; anything else is a usage error naming the value.

    >>> iso_date("2019-10-16")
    datetime.date(2019, 10, 16)
    """
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (use YYYY-MM-DD): {value!r}") from None
