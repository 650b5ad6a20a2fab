"""What both fetchers share: a list of downloads (URL -> local file), run in order with a progress bar; a file
already there is not fetched again; the counts for the closing line."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .http import FetchError, PoliteClient


@dataclass
class Job:
    url: str
    dest: Path
    #: None when the body is what was asked for, else why not (see PoliteClient.get)
    check: Callable[[bytes], str | None] | None = None


@dataclass
class Report:
    fetched: int = 0
    present: int = 0
    failed: list[FetchError] = field(default_factory=list)
    #: what was looked at before any file (e.g. "debates: 3 of 5,112 files from 2009-10-01 to 2009-10-31")
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        """The closing line: "12 fetched, 30 already here, 1 failed"."""
        return f"{self.fetched} fetched, {self.present} already here, {len(self.failed)} failed"

    @property
    def ok(self) -> bool:
        return not self.failed


def run_jobs(client: PoliteClient, jobs: list[Job], report: Report, progress: bool = False) -> Report:
    """Download each job whose file is not there yet. A file under its final name is complete (downloads are
    renamed into place only when whole), so it is counted as already here and not requested."""
    from tqdm import tqdm

    bar = tqdm(total=len(jobs), unit="file", desc="fetch", file=sys.stderr, disable=not progress)
    try:
        for job in jobs:
            if job.dest.is_file():
                report.present += 1
            else:
                try:
                    client.download(job.url, job.dest, job.check)
                    report.fetched += 1
                except FetchError as exc:
                    report.failed.append(exc)
            bar.set_postfix_str(
                f"{report.fetched} fetched, {report.present} here, {len(report.failed)} failed", refresh=False
            )
            bar.update(1)
    finally:
        bar.close()
    return report


__all__ = ["Job", "Report", "run_jobs"]
