"""The store's commands end to end: ingest, events, show, cluster, evaluate-clusters.

Includes the crash test: an ingest killed with SIGKILL mid-run and run again ends in the
same state as an uninterrupted run.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import dev_article_lines

from newsbrief.cli import main
from newsbrief.store.rows import unpack_brief

ROOT = Path(__file__).resolve().parent.parent
RUN = "import sys; from newsbrief.cli import main; sys.exit(main(sys.argv[1:]))"
# These tests are about the store's commands: the quickest summarizer makes the briefs.
FAST = ("--method", "lead")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def db(tmp_path: Path) -> str:
    return str(tmp_path / "news.db")


def _dev_lines(eval_dir: Path, n: int) -> list[str]:
    return dev_article_lines(eval_dir)[:n]


def test_ingest_events_show(capsys, db, seeds_dir):
    code, out, err = run(capsys, "ingest", str(seeds_dir), "--db", db, "--no-analysis", *FAST)
    assert code == 0, err
    assert out.startswith("added 5 article(s) (1 copy)")
    code, out, _ = run(capsys, "events", "--db", db, "--format", "json")
    events = json.loads(out)
    assert len(events) == 1
    assert set(events[0]) >= {"id", "headline", "first_published", "last_published",
                              "article_count", "outlet_count"}
    assert events[0]["article_count"] == 5 and events[0]["first_published"] == "2017-11-16"
    event_id = events[0]["id"]
    code, out, _ = run(capsys, "events", "--db", db)
    assert out.splitlines()[0].split()[:3] == ["ID", "FIRST", "LAST"] and event_id in out
    code, out, _ = run(capsys, "show", event_id, "--db", db)
    # The AFP copy and its original: two articles of one outlet.
    assert code == 0 and "carried by 1 outlet, 2 articles (AFP)" in out
    code, out, _ = run(capsys, "show", event_id, "--db", db, "--format", "json")
    assert len(json.loads(out)["articles"]) == 5
    code, out, _ = run(capsys, "show", event_id, "--db", db, "--format", "html")
    assert out.lstrip().startswith("<")
    code, out, _ = run(capsys, "events", "--db", db, "--since", "2017-11-22")
    assert out.strip() == "no events"


def test_events_times_and_since_are_instants_whatever_the_offsets(capsys, db, seeds_dir):
    """`newsbrief events` shows each event's first and last article time as the article gave
    it, chosen by instant (the text minimum here is 00:30 UTC, the maximum 01:00 UTC), and
    --since compares instants: 03:00 UTC written +09:00 keeps the event (last 03:30 UTC)
    though it sorts after every time as text; 04:00 UTC written +01:00 drops it though it
    sorts before the text maximum."""
    from newsbrief.config import BriefConfig
    from newsbrief.ingest import read_paths
    from newsbrief.store import Store

    times = ["2017-11-17T10:00:00+09:00", "2017-11-17T02:00:00Z", "2017-11-16T22:30:00-05:00",
             "2017-11-16T23:30:00Z", "2017-11-16T19:30:00-05:00"]
    articles = [a.with_(published=t) for a, t in zip(read_paths([seeds_dir]).articles, times)]
    with Store(db, config=BriefConfig(analyze=False, method="lead")) as store:
        store.add_articles(articles)
    code, out, err = run(capsys, "events", "--db", db, "--format", "json")
    assert code == 0, err
    (event,) = json.loads(out)
    assert (event["first_published"], event["last_published"]) == (
        "2017-11-16T23:30:00Z", "2017-11-16T22:30:00-05:00")
    code, out, _ = run(capsys, "events", "--db", db, "-f", "json", "--since",
                       "2017-11-17T12:00:00+09:00")
    assert [e["id"] for e in json.loads(out)] == [event["id"]]
    code, out, _ = run(capsys, "events", "--db", db, "-f", "json", "--since",
                       "2017-11-17T05:00:00+01:00")
    assert code == 0 and json.loads(out) == []
    code, _, err = run(capsys, "events", "--db", db, "--since", "2017-11-17 at noon")
    assert code == 2 and "since '2017-11-17 at noon'" in err and "Traceback" not in err


def test_show_changes_after_more_articles(capsys, db, seeds_dir, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    for i, path in enumerate(sorted(seeds_dir.iterdir())):
        (first if i < 3 else second).joinpath(path.name).write_bytes(path.read_bytes())
    run(capsys, "ingest", str(first), "--db", db, "--no-analysis", "-q", *FAST)
    run(capsys, "ingest", str(second), "--db", db, "--no-analysis", "-q", *FAST)
    event_id = json.loads(run(capsys, "events", "--db", db, "--format", "json")[1])[0]["id"]
    code, out, _ = run(capsys, "show", event_id, "--changes", "--db", db, "--format", "json")
    changes = json.loads(out)
    assert code == 0 and (changes["old_version"], changes["new_version"]) == (1, 2)
    assert len(changes["new_articles"]) == 2
    code, out, _ = run(capsys, "show", event_id, "--changes", "--db", db)
    assert "version 1 -> 2" in out and "2 new article(s)" in out


def test_clean_errors(capsys, db, tmp_path):
    code, _, err = run(capsys, "show", "e1", "--db", str(tmp_path / "none.db"))
    assert code == 2 and err.count("\n") == 1 and "no such database" in err
    (tmp_path / "empty").mkdir()
    code, _, err = run(capsys, "ingest", str(tmp_path / "empty"), "--db", db)
    assert code == 2 and "Traceback" not in err
    run(capsys, "ingest", str(ROOT.parent / "shared" / "seeds"), "--db", db, "-q",
        "--no-analysis", *FAST)
    code, _, err = run(capsys, "show", "e404", "--db", db)
    assert code == 4 and "no event 'e404'" in err
    code, _, err = run(capsys, "ingest", str(ROOT.parent / "shared" / "seeds"), "--db", db,
                       "--workers", "0")
    assert code == 2 and "--workers must be at least 1" in err


def test_ingest_with_worker_processes_stores_what_one_process_stores(capsys, eval_dir, tmp_path):
    path = tmp_path / "dev.jsonl"
    path.write_text("".join(_dev_lines(eval_dir, 60)), encoding="utf-8")
    states = []
    for workers in ("1", "2"):
        db = tmp_path / f"w{workers}.db"
        code, _, err = run(capsys, "ingest", str(path), "--db", str(db), "--workers", workers,
                           "--batch-size", "16", "--refresh", "none", "-q")
        assert code == 0, err
        with sqlite3.connect(db) as conn:
            states.append(conn.execute("SELECT id, event_id, duplicate_of, text, sentences "
                                       "FROM articles ORDER BY seq").fetchall())
    assert len(states[0]) >= 50 and states[0] == states[1]


def test_bad_records_in_a_large_file_are_skipped_with_line_numbers(capsys, db, eval_dir, tmp_path):
    lines = _dev_lines(eval_dir, 300)
    bad = {57: "{broken json\n", 140: '{"id": "x1", "title": "no text"}\n',
           222: '{"id": "x2", "text": 42}\n'}
    for number, line in sorted(bad.items()):
        lines.insert(number - 1, line)
    path = tmp_path / "big.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    code, out, err = run(capsys, "ingest", str(path), "--db", db, "--refresh", "none",
                         "--format", "json", *FAST)
    assert code == 0
    for number in bad:
        assert f"{path}:{number}:" in err
    report = json.loads(out)
    assert len(report["added"]) + len(report["skipped"]) == 300
    assert report["store"]["articles"] == len(report["added"])


def test_cluster_and_evaluate_clusters(capsys, eval_dir, tmp_path):
    path = tmp_path / "mix.jsonl"
    path.write_text("".join(_dev_lines(eval_dir, 60)), encoding="utf-8")
    code, out, _ = run(capsys, "cluster", str(path), "-q")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 60 and all(set(r) == {"id", "event"} for r in rows)
    code, out, _ = run(capsys, "cluster", str(path), "-q", "--format", "json")
    assert json.loads(out) == rows
    code, out, _ = run(capsys, "evaluate-clusters", str(path), "-q", "--format", "json",
                       "--shuffles", "2")
    result = json.loads(out)
    assert code == 0 and result["articles"] == 60
    assert 0.8 <= result["file_order"]["f1"] <= 1.0
    assert -1.0 <= result["file_order"]["ari"] <= 1.0
    assert len(result["shuffled"]["runs"]) == 2
    unlabelled = tmp_path / "u.jsonl"
    unlabelled.write_text('{"id": "a", "title": "T", "text": "Some text. More text."}\n')
    code, _, err = run(capsys, "evaluate-clusters", str(unlabelled), "-q")
    assert code == 2 and "label" in err


def test_cluster_and_evaluate_clusters_write_a_problems_file(capsys, eval_dir, tmp_path):
    """Both commands take --problems-file: every bad line, with its line number, as JSON
    lines (the same as stderr names); an unwritable path is refused before the file is read."""
    lines = _dev_lines(eval_dir, 30)
    bad = ['{"id": "x1", "title": "T", "text": \n', '{"id": "x2", "title": "no text"}\n',
           lines[0]]  # malformed, no text, and the first article's id again
    path = tmp_path / "mix.jsonl"
    path.write_text("".join(lines[:10] + bad[:2] + lines[10:] + bad[2:]), encoding="utf-8")
    expected = [(11, "malformed JSON line"), (12, "missing field 'text'"),
                (33, "duplicate id " + repr(json.loads(lines[0])["id"]))]
    for command in ("cluster", "evaluate-clusters"):
        listing = tmp_path / f"{command}.problems.jsonl"
        code, out, err = run(capsys, command, str(path), "-q", "--problems-file", str(listing))
        assert code == 0, err
        every = [json.loads(line) for line in listing.read_text(encoding="utf-8").splitlines()]
        assert [(p["source"], p["line"]) for p in every] == [(str(path), n) for n, _ in expected]
        assert [p["reason"].startswith(r) for p, (_, r) in zip(every, expected)] == [True] * 3
        assert [line.removeprefix("newsbrief: skipped ") for line in err.splitlines()] == [
            f"{path}:{p['line']}: {p['reason']}" for p in every]
        code, out, err = run(capsys, command, str(tmp_path / "missing.jsonl"), "-q",
                             "--problems-file", str(tmp_path))
        assert (code, out) == (2, "")
        assert err == (f"newsbrief: error: --problems-file {tmp_path}: cannot write: "
                       "Is a directory\n")


# ------------------------------------------------------------------ crash and resume
def _ingest_cmd(path: Path, db: Path) -> list[str]:
    return [sys.executable, "-c", RUN, "ingest", str(path), "--db", str(db), "--batch-size",
            "10", "--no-analysis", "--method", "lead", "-q"]


def _state(db: Path) -> dict:
    conn = sqlite3.connect(db)
    q = lambda sql: conn.execute(sql).fetchall()
    latest = q("SELECT b.event_id, b.version, b.brief FROM briefs b WHERE b.version = "
               "(SELECT MAX(version) FROM briefs WHERE event_id = b.event_id) ORDER BY event_id")
    state = {
        "articles": q("SELECT seq, id, content_hash, duplicate_of, event_id, text FROM articles "
                      "ORDER BY seq"),
        "sentences": q("SELECT * FROM sentences ORDER BY article_id, idx"),
        "events": q("SELECT id, article_count, outlet_count, merged_into, brief_stale, headline, "
                    "state FROM events ORDER BY seq"),
        "terms": q("SELECT * FROM event_terms ORDER BY bucket, term, event_id"),
        "df": q("SELECT * FROM term_df ORDER BY term"),
        "meta": q("SELECT key, value FROM meta WHERE key IN ('n_docs', 'next_event') "
                  "ORDER BY key"),
        # The open articles (features, vector, event) decide the next batch: a resumed run
        # must leave the same ones as an uninterrupted run.
        "open": q("SELECT * FROM open_articles ORDER BY pos"),
        "bands": q("SELECT key, article_id FROM lsh_bands ORDER BY key, article_id"),
        "briefs": [(e, v, {k: d for k, d in unpack_brief(b).to_dict().items() if k != "meta"})
                   for e, v, b in latest],
        "search": q("SELECT event_id, headline, titles FROM event_search ORDER BY event_id"),
    }
    conn.close()
    return state


def _with_wire_copies(lines: list[str]) -> list[str]:
    """The records with outlets, every sixth followed by the same text from another outlet
    (stored, a copy) and from its own outlet under another URL (skipped)."""
    out = []
    for i, line in enumerate(lines):
        record = dict(json.loads(line), outlet=f"Outlet {i % 5}")
        out.append(json.dumps(record) + "\n")
        if i % 6 == 0:
            for outlet, tag in (("Wire Service", "wire"), (f"outlet {i % 5}", "again")):
                out.append(json.dumps(dict(record, id=f"{record['id']}-{tag}", outlet=outlet,
                                           url=f"https://{tag}.example/{i}")) + "\n")
    return out


def test_sigkill_mid_ingest_then_rerun_matches_an_uninterrupted_run(eval_dir, tmp_path):
    data = tmp_path / "stream.jsonl"
    # Word-for-word copies from other outlets are stored as copies, in every run alike.
    data.write_text("".join(_with_wire_copies(_dev_lines(eval_dir, 120))), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))

    clean_db = tmp_path / "clean.db"
    subprocess.run(_ingest_cmd(data, clean_db), check=True, env=env, timeout=300)
    copies = sqlite3.connect(clean_db).execute(
        "SELECT COUNT(*) FROM articles WHERE id LIKE '%-wire' AND duplicate_of IS NOT NULL"
    ).fetchone()[0]
    assert copies >= 15  # (a record left with no text after cleaning is not stored)

    crash_db = tmp_path / "crash.db"
    proc = subprocess.Popen(_ingest_cmd(data, crash_db), env=env)
    committed = 0
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if crash_db.exists():
            try:
                conn = sqlite3.connect(crash_db, timeout=1)
                committed = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
                conn.close()
            except sqlite3.OperationalError:
                committed = 0
            if committed >= 30:
                break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"
    partial = [row[:3] for row in _state(crash_db)["articles"]]
    clean = [row[:3] for row in _state(clean_db)["articles"]]
    # What was committed is a prefix of the uninterrupted run. (On a busy machine this poll
    # may wake late, after the last batch, while the briefs are being made: also a crash.)
    assert 0 < len(partial) <= len(clean) and partial == clean[: len(partial)]

    subprocess.run(_ingest_cmd(data, crash_db), check=True, env=env, timeout=300)
    assert _state(crash_db) == _state(clean_db)
    # And a third run changes nothing.
    subprocess.run(_ingest_cmd(data, crash_db), check=True, env=env, timeout=300)
    assert _state(crash_db) == _state(clean_db)


def test_option_values_that_were_silently_misread(capsys, db, seeds_dir, eval_dir, tmp_path):
    """events --limit -1 listed all but the last event (the store slices rows[:limit]) and
    --limit 0 said "no events"; show --changes ignored --version; evaluate-clusters
    --shuffles -1 scored as if 0. Each is now a named option error, exit 2."""
    code, _, err = run(capsys, "ingest", str(seeds_dir), "--db", db, "--no-analysis", "-q",
                       *FAST)
    assert code == 0, err
    for limit in ("0", "-1"):
        code, out, err = run(capsys, "events", "--db", db, "--limit", limit)
        assert (code, out) == (2, "")
        assert err == f"newsbrief: error: --limit must be at least 1, got {limit}\n"
    code, out, _ = run(capsys, "events", "--db", db, "--limit", "1", "--format", "json")
    assert code == 0 and len(json.loads(out)) == 1
    event = json.loads(out)[0]["id"]
    code, out, err = run(capsys, "show", event, "--db", db, "--changes", "--version", "1")
    assert (code, out) == (2, "") and "cannot be combined with --version" in err
    dataset = tmp_path / "dev.jsonl"
    dataset.write_text("".join(_dev_lines(eval_dir, 6)), encoding="utf-8")
    code, out, err = run(capsys, "evaluate-clusters", str(dataset), "-q", "--shuffles", "-1")
    assert (code, out) == (2, "") and "--shuffles must not be negative, got -1" in err


def test_db_that_is_a_folder_and_missing_brief_versions_are_named(capsys, db, seeds_dir,
                                                                  tmp_path):
    """--db naming a folder gave SQLite's "unable to open database file"; a missing brief
    version was answered with "run: newsbrief ingest", which cannot make old versions."""
    for command in (["events"], ["ingest", str(seeds_dir), "-q"]):
        code, out, err = run(capsys, *command, "--db", str(tmp_path))
        assert (code, out) == (3, "")  # StoreError
        assert err == f"newsbrief: error: {tmp_path}: is a folder, not a database file\n"
    code, _, err = run(capsys, "ingest", str(seeds_dir), "--db", db, "--no-analysis", "-q",
                       *FAST)
    assert code == 0, err
    event = json.loads(run(capsys, "events", "--db", db, "--format", "json")[1])[0]["id"]
    code, out, err = run(capsys, "show", event, "--db", db, "--version", "9")
    assert (code, out) == (4, "")  # NotFound
    assert err.endswith(f"event {event!r} has no brief version 9\n")


# A child process that runs newsbrief commands as an unprivileged user: as root (CI
# containers) it drops to uid/gid 65534 (nobody) after warming every lazy import on a
# writable copy, since root ignores file modes; any other user is denied by the modes alone.
_AS_NOBODY = """
import contextlib, io, json, os, shutil, sys
from newsbrief.cli import main
from newsbrief.ingest import read_paths
ro_db, warm_db, seeds = sys.argv[1:4]
shutil.copy(ro_db, warm_db)
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    main(["events", "--db", warm_db]); main(["show", "e1", "--db", warm_db])
    read_paths([seeds])
if os.geteuid() == 0:
    os.setgid(65534); os.setuid(65534)
results = []
for command in sys.argv[4:]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(command.split("|"))
    results.append([code, out.getvalue(), err.getvalue()])
print(json.dumps(results))
"""


def _as_nobody(ro_db: Path, seeds_dir: Path, *commands: list[str]) -> list[list]:
    done = subprocess.run(
        [sys.executable, "-c", _AS_NOBODY, str(ro_db), str(ro_db.parent.parent / "warm.db"),
         str(seeds_dir), *("|".join(c) for c in commands)],
        capture_output=True, text=True, check=False, timeout=300, cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_wal_database_in_a_folder_the_user_cannot_write_is_read_and_not_written(
        readonly_folder, seeds_dir):
    """events and show failed with "attempt to write a readonly database" (SQLite must make
    the -shm index beside a WAL database); now they read it, and ingest refuses at once with
    one line naming the file, before any article is written. Nothing is left in the folder."""
    db = readonly_folder
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    assert sorted(p.name for p in db.parent.iterdir()) == ["news.db"]  # no -wal, no -shm
    (events, show, ingest) = _as_nobody(
        db, seeds_dir, ["events", "--db", str(db), "-f", "json"],
        ["show", "e1", "--db", str(db), "-f", "json"],
        ["ingest", str(seeds_dir), "--db", str(db), "-q"],
    )
    assert events[0] == 0, events[2]
    assert [(e["id"], e["article_count"]) for e in json.loads(events[1])] == [("e1", 5)]
    assert show[0] == 0, show[2]
    assert len(json.loads(show[1])["articles"]) == 5
    assert ingest[:2] == [3, ""]  # StoreError, one line, no traceback
    assert ingest[2] == (
        f"newsbrief: error: {db}: cannot write the database: no permission to write the "
        "file (reading it with newsbrief events or show still works)\n")
    assert sorted(p.name for p in db.parent.iterdir()) == ["news.db"]


def test_a_wal_database_read_while_its_writer_holds_it_open(readonly_folder, seeds_dir):
    """With a writer's -wal and -shm present (not writable by the reader), the reader goes
    through SQLite's read-only WAL index and sees the commit that is still only in the -wal.
    Without the -shm and a folder to make it in, an immutable read would miss that commit:
    refused with a message naming the file."""
    import shutil

    db = readonly_folder
    copy_dir = db.parent.parent / "no-shm"
    db.parent.chmod(0o755)
    writer = sqlite3.connect(db)
    try:
        writer.execute("PRAGMA wal_autocheckpoint = 0")  # keep the commit in the -wal
        with writer:
            writer.execute("UPDATE events SET headline = 'Edited in the WAL' WHERE id = 'e1'")
        copy_dir.mkdir()
        shutil.copy(db, copy_dir / "news.db")
        shutil.copy(f"{db}-wal", copy_dir / "news.db-wal")
        db.parent.chmod(0o555)
        copy_dir.chmod(0o555)
        (live, copied) = _as_nobody(db, seeds_dir, ["events", "--db", str(db), "-f", "json"],
                                    ["events", "--db", str(copy_dir / "news.db")])
    finally:
        writer.close()
        copy_dir.chmod(0o755)
    assert live[0] == 0, live[2]
    assert json.loads(live[1])[0]["headline"] == "Edited in the WAL"
    assert copied[:2] == [3, ""]
    assert copied[2].startswith(f"newsbrief: error: {copy_dir / 'news.db'}: cannot read the "
                                "database: it has a write-ahead log (news.db-wal)")


def test_thousands_of_bad_files_print_twenty_lines_and_a_count(capsys, db, seeds_dir,
                                                               tmp_path):
    """Every skipped file was printed on its own line: a folder of 3,000 bad files gave
    3,000 lines on stderr. Now the first 20, then one line counting the rest by kind;
    --problems-file keeps every one as JSON lines (and --format json lists them all)."""
    import re
    import shutil

    from newsbrief.models import Problem

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(min(seeds_dir.glob("*.txt")), folder / "good.txt")
    for i in range(2500):
        (folder / f"empty-{i:04d}.txt").write_bytes(b"")
    for i in range(500):
        (folder / f"broken-{i:03d}.json").write_text('{"text": "unterminated', encoding="utf-8")
    code, out, err = run(capsys, "ingest", str(folder), "--db", db, "--refresh", "none",
                         "--format", "json", "-q", *FAST)
    assert code == 0, err[-2000:]
    lines = err.splitlines()
    assert len(lines) == 21
    assert all(line.startswith("newsbrief: skipped ") for line in lines[:20])
    summary = re.fullmatch(r"newsbrief: \.\.\. and 2,980 more problems \((.*)\)", lines[20])
    assert summary
    counted = {kind: int(n.replace(",", "")) for n, kind in
               re.findall(r"([\d,]+) '([^']+)'", summary.group(1))}
    assert set(counted) == {"empty file", "malformed JSON"}
    assert sum(counted.values()) == 2980
    assert len(json.loads(out)["problems"]) == 3000

    listing = tmp_path / "problems.jsonl"
    code, out, err = run(capsys, "ingest", str(folder), "--db", str(tmp_path / "2.db"),
                         "--refresh", "none", "--problems-file", str(listing), "-q", *FAST)
    assert code == 0, err[-2000:]
    lines = err.splitlines()
    assert len(lines) == 21 and lines[20].endswith(f"); all in {listing}")
    every = [json.loads(line) for line in listing.read_text(encoding="utf-8").splitlines()]
    assert len(every) == 3000
    assert {Path(p["source"]).name for p in every} == {p.name for p in folder.iterdir()} - {
        "good.txt"}
    assert {p["reason"].split(":")[0] for p in every} == {"empty file", "malformed JSON"}
    printed = [line.removeprefix("newsbrief: skipped ") for line in lines[:20]]
    assert printed == [str(Problem(**p)) for p in every[:20]]

    # an unwritable --problems-file is refused before any work
    code, out, err = run(capsys, "ingest", str(folder), "--db", db,
                         "--problems-file", str(tmp_path), "-q")
    assert (code, out) == (2, "")
    assert err.startswith(f"newsbrief: error: --problems-file {tmp_path}: cannot write")


def test_a_file_name_that_is_not_utf8_and_lone_surrogates_in_json_are_stored(capsys, db,
                                                                             tmp_path):
    """A file named in Latin-1 (Python decodes its bytes to surrogates) and JSON's "\\ud800"
    escapes stopped the whole ingest with a UnicodeEncodeError traceback: SQLite writes
    UTF-8. They are kept, with U+FFFD in place of what cannot be written."""
    folder = tmp_path / "in"
    folder.mkdir()
    name = os.fsdecode(b"caf\xe9.txt")
    (folder / name).write_text("Harbour bridge shut\n\nThe harbour bridge closed on Monday "
                               "after engineers found cracks. The council met.\n")
    (folder / "x.jsonl").write_text(json.dumps(
        {"id": "a\ud800b", "title": "Ferry \ud800", "text": "The ferry resumed service on "
         "Tuesday after a strike. Workers \udce9 accepted the offer."}) + "\n")
    code, out, err = run(capsys, "ingest", str(folder), "--db", db, "-q", "--format", "json",
                         *FAST)
    assert code == 0 and "Traceback" not in err, err
    added = {article_id for article_id, _ in json.loads(out)["added"]}
    assert added == {"caf\ufffd", "a\ufffdb"}
    code, out, _ = run(capsys, "events", "--db", db, "--format", "json")
    events = json.loads(out)
    assert code == 0 and events
    shown = set()
    for event in events:
        code, out, _ = run(capsys, "show", event["id"], "--db", db, "--format", "json")
        assert code == 0
        shown |= {article["id"] for article in json.loads(out)["articles"]}
    assert shown == added


def test_show_changes_formats_keep_a_hostile_outlet_as_text(capsys, db, seeds_dir, tmp_path):
    """A syndicated copy from an outlet whose name is markup: --changes names the outlet and
    the grown copy group in every format, as JSON data, as escaped Markdown and as escaped
    HTML (it was Markdown inside <pre> in the HTML, and raw in the Markdown)."""
    from html.parser import HTMLParser

    from newsbrief.ingest import read_paths

    run(capsys, "ingest", str(seeds_dir), "--db", db, "--no-analysis", "-q", *FAST)
    source = sorted(read_paths([seeds_dir]).articles, key=lambda a: a.id)[2]
    outlet = "<script>alert(1)</script> *Wire* [x](javascript:y)"
    copy = tmp_path / "copy.jsonl"
    copy.write_text(json.dumps({"id": "copy-1", "title": source.title, "outlet": outlet,
                                "published": source.published,
                                "text": source.text + "\n\nDistributed by a wire service."}))
    run(capsys, "ingest", str(copy), "--db", db, "--no-analysis", "-q", *FAST)
    event = json.loads(run(capsys, "events", "--db", db, "-f", "json")[1])[0]["id"]

    code, out, _ = run(capsys, "show", event, "--changes", "--db", db, "-f", "json")
    data = json.loads(out)
    assert code == 0 and data["new_articles"] == ["copy-1"] and data["new_outlets"] == [outlet]
    assert any({"copy-1", source.id} <= set(g["members"]) for g in data["copies"])

    code, out, _ = run(capsys, "show", event, "--changes", "--db", db)
    assert code == 0 and "<script>" not in out and "[x]" not in out and "*Wire*" not in out
    assert r"\*Wire\*" in out and "## Copies" in out

    code, out, _ = run(capsys, "show", event, "--changes", "--db", db, "-f", "html")
    tags: list[str] = []
    text: list[str] = []

    class Page(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append(tag)

        def handle_data(self, data):
            text.append(data)

    Page().feed(out)
    assert code == 0 and "script" not in tags and "pre" not in tags and "h2" in tags
    assert outlet in "".join(text) and "copy-1" in "".join(text)


def _odd_titles(tmp_path: Path, eval_dir: Path) -> Path:
    """Two real dev-set articles under titles a user meets in the wild: a long Japanese one
    (two terminal columns per character) and one with ANSI escapes and a bidi override."""
    lines = [json.loads(line) for line in _dev_lines(eval_dir, 12)]
    records = [lines[0], next(r for r in lines if r["label"] != lines[0]["label"])]
    records[0]["title"] = "速報：東京で大規模な地震、多数の死傷者 " * 4
    records[1]["title"] = "\x1b[2J\x1b[31mRED ALERT\u202e reversed"
    records[1]["outlet"] = "Evil\x1b[5m Outlet"
    path = tmp_path / "odd.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


def test_events_table_fits_wide_headlines_and_drops_escapes(capsys, db, eval_dir, tmp_path):
    """The headline column was cut at 80 characters, not columns: 80 Japanese characters
    took 160 columns and wrapped. Control characters in a title (an event listed before its
    brief shows its title) reached the terminal as escape sequences, and so did they in
    ``show``'s Markdown."""
    from rich.cells import cell_len

    path = _odd_titles(tmp_path, eval_dir)
    code, out, err = run(capsys, "ingest", str(path), "--db", db, "--refresh", "none", *FAST)
    assert code == 0, err
    code, out, err = run(capsys, "events", "--db", db)
    assert code == 0, err
    rows = out.splitlines()
    assert len(rows) == 3 and "\x1b" not in out and "\u202e" not in out
    wide = next(r for r in rows if "東京" in r)
    assert wide.endswith("…") and cell_len(wide) <= cell_len(rows[0]) - len("HEADLINE") + 80
    assert any(r.endswith("[2J [31mRED ALERT reversed") for r in rows)
    code, _, err = run(capsys, "ingest", str(path), "--db", db, "-q", *FAST)  # build briefs
    assert code == 0, err
    shown = []
    for event in json.loads(run(capsys, "events", "--db", db, "--format", "json")[1]):
        code, out, err = run(capsys, "show", event["id"], "--db", db)
        assert code == 0, err
        shown.append(out)
    assert "\x1b" not in "".join(shown)
    assert any("\\[2J\\[31mRED ALERT" in out and "Evil\\[5m Outlet" in out for out in shown)


def test_messages_say_what_to_do_next(capsys, db, eval_dir, tmp_path):
    """After ``ingest --refresh none`` nothing said the briefs were still to build, and
    ``show`` answered "run: newsbrief ingest" (which needs a PATH) or, with --changes, gave no
    hint; "4" for "e4", an empty listing and a listing cut by --limit left the user guessing."""
    path = _odd_titles(tmp_path, eval_dir)
    code, out, err = run(capsys, "ingest", str(path), "--db", db, "--refresh", "none", *FAST)
    assert code == 0, err
    assert out.splitlines()[1] == (f"2 event(s) wait for their brief; build them with: newsbrief "
                                   f"refresh --db {db}")
    for extra in ([], ["--changes"]):
        code, out, err = run(capsys, "show", "e1", "--db", db, *extra)
        assert (code, out) == (4, "")
        assert "has no brief yet: its articles are stored" in err
        assert f"build it with: newsbrief refresh e1 --db {db}" in err
    code, out, err = run(capsys, "show", "1", "--db", db)
    assert (code, out) == (4, "")
    assert err == f"newsbrief: error: no event '1' (list the event ids with: newsbrief events --db {db})\n"
    code, out, err = run(capsys, "events", "--db", db, "--limit", "1")
    assert code == 0 and len(out.splitlines()) == 2
    assert "these are the newest 1; raise --limit" in err
    code, out, err = run(capsys, "events", "--db", db, "--query", "zzqqx")
    assert (code, out) == (0, "no events\n")
    assert err == "newsbrief: no event matches --query 'zzqqx'\n"
    code, out, err = run(capsys, "ingest", str(path), "--db", db, *FAST)  # builds them
    assert code == 0 and len(out.splitlines()) == 1, out
    code, out, err = run(capsys, "show", "e1", "--db", db, "--changes")
    assert code == 0 and "first version" in out, err


def test_show_html_is_titled_by_its_headline_and_sets_text_direction(capsys, db, seeds_dir):
    """Every saved HTML brief had the page title "newsbrief" (tabs, history and a folder of
    briefs could not be told apart), and right-to-left sentences had no direction of their
    own."""
    from html import escape

    code, _, err = run(capsys, "ingest", str(seeds_dir), "--db", db, "--no-analysis", "-q",
                       *FAST)
    assert code == 0, err
    event = json.loads(run(capsys, "events", "--db", db, "--format", "json")[1])[0]["id"]
    brief = json.loads(run(capsys, "show", event, "--db", db, "--format", "json")[1])
    code, page, err = run(capsys, "show", event, "--db", db, "--format", "html")
    assert code == 0, err
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    first = brief["headline"][0]["text"]
    assert title.endswith(" · newsbrief") and title.startswith(escape(first[:40], quote=True))
    assert len(title) <= 80 + len(" · newsbrief")
    assert "<h1 dir=auto>" in page and page.count("<p dir=auto>") == len(brief["summary"])


def test_cluster_given_a_folder_says_it_takes_one_jsonl_file(capsys, seeds_dir):
    """``cluster FOLDER`` answered "cannot read: Is a directory", which does not say what
    the command wants (ingest, brief and evaluate take folders; these two do not)."""
    for command in ("cluster", "evaluate-clusters"):
        code, out, err = run(capsys, command, str(seeds_dir), "-q")
        assert (code, out) == (2, "")
        assert err == (f"newsbrief: error: {seeds_dir}: is a folder; {command} takes one JSONL "
                       'file with one article per line ({"id", "title", "text"[, "label"]})\n')


def test_events_say_which_briefs_are_waiting(capsys, db, seeds_dir):
    """After --refresh none an event is listed with its first title as headline, and nothing
    told it from one with a brief."""
    code, _, _ = run(capsys, "ingest", str(seeds_dir), "--db", db, "-q", "--refresh", "none",
                     *FAST)
    assert code == 0
    code, out, _ = run(capsys, "events", "--db", db, "--format", "json")
    assert [e["brief_stale"] for e in json.loads(out)] == [True]
    code, _, _ = run(capsys, "ingest", str(seeds_dir), "--db", db, "-q", *FAST)
    code, out, _ = run(capsys, "events", "--db", db, "--format", "json")
    assert [e["brief_stale"] for e in json.loads(out)] == [False]


def test_refresh_builds_the_waiting_briefs_without_an_input_file(capsys, db, seeds_dir,
                                                                   tmp_path):
    """After ``ingest --refresh none`` the briefs could only be built by ingesting a file
    again ("a file already stored will do"); ``refresh`` builds them, or rebuilds named ones
    without a new version when nothing changed."""
    code, out, err = run(capsys, "refresh", "--db", str(tmp_path / "none.db"))
    assert (code, out) == (2, "") and "no such database" in err
    assert not (tmp_path / "none.db").exists()
    code, _, err = run(capsys, "ingest", str(seeds_dir), "--db", db, "-q", "--refresh", "none",
                       *FAST)
    assert code == 0, err
    event = json.loads(run(capsys, "events", "--db", db, "--format", "json")[1])[0]["id"]
    code, out, err = run(capsys, "refresh", "nope", "--db", db)
    assert (code, out) == (4, "")
    assert err == f"newsbrief: error: no event 'nope' (list the event ids with: newsbrief events --db {db})\n"
    code, out, err = run(capsys, "refresh", "--db", db, "--no-analysis", "--workers", "1", *FAST)
    assert (code, err) == (0, "")
    assert out == "1 brief(s) refreshed, 0 problem(s); 0 event(s) still wait for their brief.\n"
    code, out, _ = run(capsys, "show", event, "--db", db, "--format", "json")
    assert code == 0 and json.loads(out)["summary"]
    assert run(capsys, "refresh", "--db", db) == (0, "no event waits for its brief\n", "")
    code, out, err = run(capsys, "refresh", event, "--db", db, "--no-analysis", "--format",
                         "json", "--workers", "1", *FAST)
    assert code == 0, err
    data = json.loads(out)
    assert (data["briefs_refreshed"], data["problems"]) == (1, [])
    assert (data["store"]["briefs"], data["store"]["stale_briefs"]) == (1, 0)  # same brief


def _merged_with_own_briefs(db: str) -> list[tuple[str, str, int]]:
    """(event, live event it leads to, its own brief versions) for every merged or emptied
    event that was briefed before it joined another."""
    conn = sqlite3.connect(db)
    merged = dict(conn.execute("SELECT id, merged_into FROM events"))
    own = dict(conn.execute("SELECT event_id, COUNT(*) FROM briefs GROUP BY event_id"))
    conn.close()
    found = []
    for event, into in merged.items():
        live = into
        while live is not None and merged[live] is not None:
            live = merged[live]
        if live is not None and own.get(event):
            found.append((event, live, own[event]))
    return found


def test_show_version_of_a_merged_event_is_its_own(capsys, db, eval_dir, tmp_path):
    """`show MERGED --version N` printed version N of the event it joined (its own versions,
    still stored under its id, could not be reached); now it prints its own and says so.
    Without --version a merged id still shows the live event, with a note naming it."""
    import random

    lines = dev_article_lines(eval_dir)
    random.Random(2).shuffle(lines)
    stream = tmp_path / "stream.jsonl"
    stream.write_text("".join(lines[:60]), encoding="utf-8")
    # Briefs after every batch of 10: events briefed early are merged or emptied later.
    code, _, err = run(capsys, "ingest", str(stream), "--db", db, "--refresh", "batch",
                       "--batch-size", "10", "--workers", "1", "--no-analysis", "-q", *FAST)
    assert code == 0, err
    candidates = _merged_with_own_briefs(db)
    assert candidates, "a shuffled stream briefed per batch retires some briefed events"
    conn = sqlite3.connect(db)
    stored = {(e, v): unpack_brief(b).to_dict() for e, v, b in
              conn.execute("SELECT event_id, version, brief FROM briefs")}
    conn.close()
    for event, live, count in candidates:
        code, out, err = run(capsys, "show", event, "--db", db, "--version", str(count),
                             "--format", "json")
        assert code == 0, err
        assert json.loads(out) == stored[event, count]
        assert err == (f"newsbrief: event {event} is now part of event {live}: showing "
                       f"{event}'s own version {count} of {count}, from before; the event "
                       f"now: newsbrief show {live} --db {db}\n")
    event, live, count = max(candidates, key=lambda c: c[2])
    # Its own version 1 is not the live event's version 1 (what was printed before).
    assert stored[event, 1] != stored.get((live, 1))
    code, out, err = run(capsys, "show", event, "--db", db, "--version", "1", "--format",
                         "json", "-q")
    assert (code, err) == (0, "") and json.loads(out) == stored[event, 1]
    # Without --version: the live event's latest brief, as `show LIVE` prints it.
    code, out, err = run(capsys, "show", event, "--db", db)
    assert code == 0 and out == run(capsys, "show", live, "--db", db)[1]
    kept = "version 1" if count == 1 else f"versions 1 to {count}"
    assert err == (f"newsbrief: event {event} is now part of event {live}: showing the "
                   f"latest brief of {live} ({event}'s own {kept} from before: --version N)\n")
    code, _, err = run(capsys, "show", event, "--db", db, "--changes")
    assert code == 0 and f"showing what changed in the brief of {live}" in err
    code, out, err = run(capsys, "show", event, "--db", db, "--version", str(count + 1))
    assert (code, out) == (4, "")  # NotFound, naming what there is
    assert err == (f"newsbrief: error: event {event!r} has no brief version {count + 1} (it "
                   f"kept {kept} when it joined event {live!r}; {live}'s: newsbrief show "
                   f"{live} --version {count + 1} --db {db})\n")
    # The live event's own id is unchanged: its versions, no note.
    code, out, err = run(capsys, "show", live, "--db", db, "--version", "1", "--format", "json")
    assert (code, err) == (0, "") and json.loads(out) == stored[live, 1]
    # The same stream without briefs: a retired event never had one of its own.
    bare = str(tmp_path / "bare.db")
    code, _, err = run(capsys, "ingest", str(stream), "--db", bare, "--refresh", "none",
                       "--batch-size", "10", "--workers", "1", "-q")
    assert code == 0, err
    conn = sqlite3.connect(bare)
    (event,) = conn.execute("SELECT id FROM events WHERE merged_into IS NOT NULL "
                            "ORDER BY seq LIMIT 1").fetchone()
    conn.close()
    code, out, err = run(capsys, "show", event, "--db", bare, "--version", "1")
    assert (code, out) == (4, "")
    assert err.startswith(f"newsbrief: error: event {event!r} joined event ")
    assert "before its first brief; see " in err and f"--version 1 --db {bare}" in err


def test_events_and_show_migrate_a_database_an_older_newsbrief_made(capsys, db, seeds_dir):
    """A database at schema 8 (the version before syndicated copies, the brief cache and CJK
    search) with the feed migrations applied reads ``user_version`` 21, the latest: events
    and show refused it ("schema version 21, expected 21; open it once for writing") with no
    command to do that but another ingest. They now migrate it where the file can be
    written; read-only, the refusal names the missing migrations."""
    from newsbrief.config import BriefConfig
    from newsbrief.errors import StoreError
    from newsbrief.ingest import read_paths
    from newsbrief.store import Store
    from newsbrief.store.db import _statements, connect, migrations, pending_migrations

    with Store(db, config=BriefConfig(analyze=False, method="lead"), migrate_to=8) as store:
        (event_id,) = store.add_articles(read_paths([seeds_dir]).articles).events_created
    conn = connect(db, migrate_to=8)
    with conn:  # the feed watcher's migrations, as that version applied them
        for migration in migrations():
            if migration.version >= 20:
                for statement in _statements(migration.sql):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_migrations (version) VALUES (?)",
                             (migration.version,))
        conn.execute("PRAGMA user_version = 21")
    conn.close()
    pending = pending_migrations(db)
    assert pending[:3] == [9, 10, 11] and all(v < 20 for v in pending)
    named = ", ".join(f"{v:04d}" for v in pending)
    with pytest.raises(StoreError, match=f"migrations {named} not applied"):
        Store(db, readonly=True)
    code, out, err = run(capsys, "events", "--db", db, "--format", "json")
    assert code == 0, err
    assert [(e["id"], e["article_count"]) for e in json.loads(out)] == [(event_id, 5)]
    assert pending_migrations(db) == []
    assert {m.version for m in migrations()} <= {
        v for (v,) in sqlite3.connect(db).execute("SELECT version FROM schema_migrations")}
    code, out, err = run(capsys, "show", event_id, "--db", db)
    assert code == 0 and "carried by 1 outlet, 2 articles (AFP)" in out


def test_a_similarity_floor_for_undated_files_of_short_lived_events(capsys, eval_dir):
    """--min-similarity reaches the clusterer: on the dev set a floor of 0.12 trades recall
    for precision (docs/events.md measures both directions); out of [0, 1] it is refused."""
    path = str(eval_dir / "clustering-dev.jsonl")
    scores = {}
    for floor in ("0.03", "0.12"):
        code, out, _ = run(capsys, "evaluate-clusters", path, "-q", "--format", "json",
                           "--min-similarity", floor)
        assert code == 0
        scores[floor] = json.loads(out)["file_order"]
    assert scores["0.12"]["precision"] > scores["0.03"]["precision"] + 0.02
    assert scores["0.12"]["recall"] < scores["0.03"]["recall"]
    for bad in ("1.5", "-0.1", "nan"):
        code, _, err = run(capsys, "cluster", path, "-q", "--min-similarity", bad)
        assert code == 2 and "--min-similarity must be between 0 and 1" in err


def test_the_store_keeps_the_similarity_floor_it_was_clustered_with(capsys, eval_dir, tmp_path):
    """ingest --min-similarity reaches the store's clusterer; the database keeps the value, so
    a later run without the option (a resumed ingest, the feed watcher) clusters alike, and
    another value is refused."""
    lines = _dev_lines(eval_dir, 120)
    first, second, both = (tmp_path / f"{n}.jsonl" for n in ("first", "second", "both"))
    first.write_text("".join(lines[:80]), encoding="utf-8")
    second.write_text("".join(lines[80:]), encoding="utf-8")
    both.write_text("".join(lines), encoding="utf-8")
    quick = ("--refresh", "none", "--workers", "1", "-q")

    def events(db: Path) -> set[frozenset[str]]:
        with sqlite3.connect(db) as conn:
            groups: dict[str, set[str]] = {}
            for article, event in conn.execute("SELECT id, event_id FROM articles"):
                groups.setdefault(event, set()).add(article)
        return {frozenset(g) for g in groups.values()}

    partitions = {}
    for floor in ("0.03", "0.2"):
        db = tmp_path / f"one-run-{floor}.db"
        code, _, err = run(capsys, "ingest", str(both), "--db", str(db), *quick,
                           "--min-similarity", floor)
        assert code == 0, err
        partitions[floor] = events(db)
    assert len(partitions["0.2"]) > len(partitions["0.03"])

    db = tmp_path / "two-runs.db"
    code, _, err = run(capsys, "ingest", str(first), "--db", str(db), *quick,
                       "--min-similarity", "0.2")
    assert code == 0, err
    code, _, err = run(capsys, "ingest", str(second), "--db", str(db), *quick)
    assert code == 0, err
    assert events(db) == partitions["0.2"]

    code, _, err = run(capsys, "ingest", str(second), "--db", str(db), *quick,
                       "--min-similarity", "0.1")
    assert code == 2
    assert f"{db}: this database clusters with a minimum similarity of 0.2; 0.1" in err
    code, _, err = run(capsys, "ingest", str(second), "--db", str(db), *quick,
                       "--min-similarity", "2")
    assert code == 2 and "--min-similarity must be between 0 and 1" in err
