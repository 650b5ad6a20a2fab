from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

PP = "000_ab47939fa5a6ec24"
HANSARD = "001_27ac06d3129042f8"
PRESS = "002_ef583611f3e786e0"
MONTHLY = "003_7143c52f970a1da7"
PP_2025 = "004_815e4f78c80070a6"


@pytest.fixture(scope="session")
def corpus():
    from core.pipeline import build_corpus
    return build_corpus([SEEDS])


@pytest.fixture(scope="session")
def passages(corpus):
    return corpus.passages


@pytest.fixture(scope="session")
def docs(corpus):
    return {d.document: d for d in corpus.documents}


@pytest.fixture(scope="session", autouse=True)
def isolated_workspace(tmp_path_factory):
    """Tests never read or write the user's workspace (documents added in the dashboard)."""
    import os
    root = tmp_path_factory.mktemp("workspace")
    old = os.environ.get("CAMPAIGN_TRACKER_DATA")
    os.environ["CAMPAIGN_TRACKER_DATA"] = str(root)
    yield root
    if old is None:
        os.environ.pop("CAMPAIGN_TRACKER_DATA", None)
    else:
        os.environ["CAMPAIGN_TRACKER_DATA"] = old
