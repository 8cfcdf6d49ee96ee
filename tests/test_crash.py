"""Crash consistency of the store, at CI size (benchmarks/crash_store.py runs the big version):
SIGKILL mid-ingest and resume, two writers at once, a locked, full or read-only database.

The consistency checks (integrity, each content hash once, every article in a live event,
event counts, no stale brief, each latest brief listing exactly its event's articles) are
``state`` of benchmarks/crash_store.py, shared so that CI and the benchmark check the same.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from conftest import dev_article_lines

from newsbrief.config import BriefConfig
from newsbrief.errors import StoreError
from newsbrief.ingest import read_paths
from newsbrief.store import Store

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from crash_store import CLI, bcubed_f1, state

FAST = ["--no-analysis", "--method", "lead"]  # the store's behaviour, not the summarizer's
QUICK = BriefConfig(analyze=False, method="lead")


@pytest.fixture(scope="module")
def corpus(eval_dir, tmp_path_factory) -> Path:
    """80 articles of the clustering dev set in two JSONL files."""
    folder = tmp_path_factory.mktemp("corpus")
    lines = dev_article_lines(eval_dir)[:80]
    for part in range(2):
        with open(folder / f"part-{part}.jsonl", "w", encoding="utf-8") as out:
            for line in lines[part * 40:(part + 1) * 40]:
                record = json.loads(line)
                out.write(json.dumps({"id": record["id"], "title": record["title"],
                                      "text": record["text"]}) + "\n")
    return folder


def ingest(db: Path, corpus: Path, *extra: str) -> list[str]:
    return [*CLI, "ingest", str(corpus), "--db", str(db), "-q", "--batch-size", "16", *FAST,
            *extra]


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> dict:
    db = tmp_path_factory.mktemp("ref") / "ref.db"
    start = time.monotonic()
    done = subprocess.run(ingest(db, corpus), capture_output=True, text=True, check=False,
                          timeout=600, cwd=ROOT)
    seconds = time.monotonic() - start
    assert done.returncode == 0, done.stderr
    result = state(db)
    assert result["problems"] == [] and result["articles"] == 80
    return {**result, "path": db, "seconds": seconds}


def assert_same_as_reference(db: Path, reference: dict) -> None:
    got = state(db)
    assert got["problems"] == []
    assert got["hashes"] == reference["hashes"]
    # Resuming replays the same decisions: the events are the reference's exactly.
    assert bcubed_f1(got["partition"], reference["partition"]) == 1.0


def test_sigkill_at_random_moments_then_resume(corpus, reference, tmp_path):
    """Each run is killed at a random moment up to 0.1 s after its first commit (so that it
    has begun writing, however slow its start-up on a loaded machine), integrity checked,
    resumed. The window is fixed, not a share of the reference run's time: start-up is most
    of that time, and a reference slowed by a load that later lifts made the windows longer
    than all the writing left (on the 2-core machine the 5 batches and the briefs take about
    0.5 s after the first commit, of a 5.3 s run)."""
    from crash_store import kill_at

    db = tmp_path / "killed.db"
    rng = random.Random(20)
    kills = 0
    for _ in range(8):
        found = kill_at(ingest(db, corpus), db, rng.uniform(0.0, 0.1), after_commit=True)
        if found is None:
            continue  # finished before the kill (or had nothing left to commit)
        kills += 1
        assert found["integrity"] == "ok", found
    assert kills >= 3, "the ingest finished too fast to be killed: raise the corpus size"
    done = subprocess.run(ingest(db, corpus), capture_output=True, text=True, check=False, timeout=600,
                          cwd=ROOT)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert_same_as_reference(db, reference)


def test_two_ingests_at_once_store_each_article_once(corpus, reference, tmp_path):
    db = tmp_path / "two.db"
    procs = [subprocess.Popen(ingest(db, corpus), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT) for _ in range(2)]
    errors = [p.communicate(timeout=600)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    assert not any("locked" in e or "Traceback" in e for e in errors), errors
    got = state(db)
    assert got["problems"] == [] and got["hashes"] == reference["hashes"]


def articles(corpus: Path, part: int):
    return read_paths([corpus / f"part-{part}.jsonl"]).articles


def test_full_disk_is_a_store_error_and_keeps_committed_batches(corpus, tmp_path):
    """SQLite's max_page_count stands in for a full disk: the same SQLITE_FULL error path."""
    db = tmp_path / "full.db"
    with Store(db, batch_size=8, config=QUICK) as store:
        store.add_articles(articles(corpus, 0), refresh="none")
        kept = store.counts()["articles"]
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages + 2}")
        with pytest.raises(StoreError, match="database or disk is full"):
            store.add_articles(articles(corpus, 1), refresh="none")
        partial = store.counts()["articles"]
    assert kept <= partial < 80
    first = state(db)
    assert first["integrity"] == "ok"
    with Store(db, batch_size=8, config=QUICK) as store:  # space again: the same call finishes the job
        store.add_articles(articles(corpus, 0) + articles(corpus, 1), refresh="end")
    final = state(db)
    assert final["problems"] == [] and final["articles"] == 80
    assert first["hashes"] <= final["hashes"]


def test_locked_database_waits_for_the_writer_then_reports_clearly(corpus, tmp_path, monkeypatch):
    import newsbrief.store.db as db_module

    db = tmp_path / "locked.db"
    Store(db).close()
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 1500)
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    # A writer that lets go within the busy timeout: the ingest waits and succeeds.
    threading.Timer(0.5, lambda: holder.execute("COMMIT")).start()
    with Store(db) as store:
        report = store.add_articles(articles(corpus, 0)[:5], refresh="none")
        assert len(report.added) == 5
        # One that holds on past it: a StoreError naming the database, not a traceback.
        holder.execute("BEGIN IMMEDIATE")
        start = time.monotonic()
        with pytest.raises(StoreError, match=r"locked\.db: cannot write: database is locked"):
            store.add_articles(articles(corpus, 0)[5:10], refresh="none")
        assert time.monotonic() - start >= 1.0
        holder.execute("ROLLBACK")
        assert store.counts()["articles"] == 5
    holder.close()


def test_read_only_database_gives_one_line_and_loses_nothing(corpus, reference, tmp_path):
    """The write must be refused by the OS. Root ignores file modes, so as root the ingest
    runs in a child that switches to uid/gid 65534 (nobody) after a warm-up run has loaded
    every lazy import; as any other user the files are simply made read-only."""
    folder = Path(tempfile.mkdtemp(prefix="nb-ro-"))
    try:
        db = folder / "db.sqlite"
        shutil.copy(reference["path"], db)
        data = folder / "in"
        shutil.copytree(corpus, data)
        extra = data / "new.jsonl"
        extra.write_text(json.dumps({"title": "Harbour bridge shut", "text": "The harbour "
                                     "bridge closed on Monday after engineers found cracks. "
                                     * 5}) + "\n")
        os.chmod(folder, 0o755)
        for path in [db, *data.iterdir()]:
            os.chmod(path, 0o444)
        os.chmod(data, 0o755)
        warm = folder / "warm"
        script = (
            "import os, sys\n"
            "from newsbrief.cli import main\n"
            f"main(['ingest', {str(data)!r}, '--db', {str(warm / 'w.db')!r}, '-q',"
            f" *{FAST!r}])\n"
            "if os.geteuid() == 0:\n"
            "    os.setgid(65534); os.setuid(65534)\n"
            f"sys.exit(main(['ingest', {str(data)!r}, '--db', {str(db)!r}, '-q', *{FAST!r}]))\n"
        )
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              check=False, timeout=600, cwd=ROOT)
        assert done.returncode == 3, done.stderr
        assert "Traceback" not in done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"newsbrief: error: {db}"), lines
        assert "cannot write the database: no permission to write the file" in lines[0]
        assert state(db)["hashes"] == reference["hashes"]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# A child that ingests with a tiny page cache (so a transaction's pages spill into the WAL
# before its commit) and stops inside its second batch's transaction, after the 24th article
# row is written: the parent SIGKILLs it there. The trace callback sees each SQL statement,
# so the pause needs nothing of the store's internals.
_PAUSED_WRITER = """
import sys, time
from newsbrief.config import BriefConfig
from newsbrief.ingest import read_paths
from newsbrief.store import Store

store = Store(sys.argv[1], config=BriefConfig(analyze=False, method="lead"), batch_size=16)
store.conn.execute("PRAGMA cache_size = 4")
rows = 0

def trace(sql):
    global rows
    if sql.lstrip().upper().startswith("INSERT INTO ARTICLES"):
        rows += 1
        if rows == 24:
            print("inside", flush=True)
            time.sleep(120)

store.conn.set_trace_callback(trace)
store.add_articles(read_paths([sys.argv[2]]).articles)
"""


def test_kill_inside_a_write_transaction_loses_only_that_batch(corpus, reference, tmp_path):
    """Killed with the write lock held and uncommitted pages in the WAL: the committed batch
    stays, the open one vanishes, and a resumed ingest equals the uninterrupted run."""
    from crash_store import wal_frames, write_lock_held

    db = tmp_path / "mid-write.db"
    child = subprocess.Popen([sys.executable, "-c", _PAUSED_WRITER, str(db), str(corpus)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=ROOT)
    try:
        line = child.stdout.readline()
        assert line.strip() == "inside", child.stderr.read()
        assert write_lock_held(db) is True
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    wal = wal_frames(db)  # before anything opens the database and rolls the log back
    assert wal["uncommitted"] > 0 and wal["valid"] > wal["uncommitted"]
    assert write_lock_held(db) is False
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 16
    done = subprocess.run(ingest(db, corpus), capture_output=True, text=True, check=False,
                          timeout=600, cwd=ROOT)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert_same_as_reference(db, reference)
