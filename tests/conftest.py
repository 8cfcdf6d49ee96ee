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


def dev_article_lines(eval_dir: Path) -> list[str]:
    """The lines of ``clustering-dev.jsonl`` whose article cleaning leaves a sentence of: the
    web archives' notices and the page that is only a video's rights notice (16 lines), which
    the store reports as problems, left out, for the tests that count what a clean ingest
    stores."""
    import json

    from newsbrief.clean import clean_text
    from newsbrief.segment import sentence_spans

    lines = (eval_dir / "clustering-dev.jsonl").read_text(encoding="utf-8").splitlines(True)
    return [line for line in lines
            if next(sentence_spans(clean_text(json.loads(line)["text"])[0]), None)]


def process_running(pid: int) -> bool:
    """Whether process ``pid`` is alive (Linux /proc; a zombie has exited)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture()
def readonly_folder(seeds_dir):
    """A stored event in a folder and database file its reader may not write (mode 555/444,
    owned by another user when run as root), in a world-readable temporary folder."""
    import shutil
    import tempfile

    from newsbrief.config import BriefConfig
    from newsbrief.ingest import read_paths
    from newsbrief.store import Store

    top = Path(tempfile.mkdtemp(prefix="nb-readonly-"))
    top.chmod(0o755)
    folder = top / "store"
    folder.mkdir()
    db = folder / "news.db"
    with Store(db, config=BriefConfig(analyze=False, method="lead")) as store:
        store.add_articles(read_paths([seeds_dir]).articles)
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        yield db
    finally:
        folder.chmod(0o755)
        shutil.rmtree(top, ignore_errors=True)
