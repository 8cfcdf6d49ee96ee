"""Shared fixtures: the seeds and evaluation sets live in ../shared beside the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
EVAL = SHARED / "eval"
EXAMPLES = ROOT / "examples"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.fail(f"seeds not found at {SEEDS}: ../shared must sit beside the checkout")
    return SEEDS


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    if not EVAL.is_dir():
        pytest.fail(f"evaluation data not found at {EVAL}")
    return EVAL


@pytest.fixture(scope="session")
def seed_brief():
    """The default brief of the five seed articles, computed once per test session."""
    import newsbrief

    return newsbrief.brief(SEEDS)


def process_running(pid: int) -> bool:
    """Whether process ``pid`` is alive (Linux /proc; a zombie has exited)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False
