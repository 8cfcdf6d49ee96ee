"""Crash consistency of the store: SIGKILL during ``newsbrief ingest``, concurrent writers, a
server reading while ingest writes, a read-only database and a full disk.

    python benchmarks/crash_store.py [--kills 20] [--seed 1] [--out /tmp/nb-crash]

The input is every distinct article of 50 words or more in ../shared/eval (clustering-dev,
WCEP train/dev, Multi-News dev, WikiRef220), written as JSONL files of 100 articles. Steps:

1. reference: one uninterrupted ``newsbrief ingest`` into ref.db, timed (T, and F: when its
   first batch committed).
2. kills: ingest into killed.db, SIGKILLed 20 times, resumed each time, then run to the end.
   Each kill falls after the fixed overhead of a run (timed: an ingest into a copy of ref.db,
   which has nothing left to do) plus a random fraction (uniform in 0..--fraction) of the
   work still left, estimated from the progress killed.db shows and the reference's progress
   curve. Just before each kill the write lock is probed (BEGIN IMMEDIATE from another
   connection), just after it the WAL is parsed for frames a transaction wrote but never
   committed; then ``PRAGMA integrity_check``.
3. concurrent: two ingest processes of the whole input on one new database at once.
4. serve + ingest: ``newsbrief serve`` on a database while ingest writes it; a client reads
   the event list, search, an event page and the index page in a loop until ingest ends.
5. read-only: a copy of ref.db on a tmpfs remounted read-only; ingest must fail with one line.
6. disk full: ingest into a small tmpfs (16 MB) until it fills; then the database is copied to a real
   disk and the ingest resumed.

Every database is then checked against the reference: integrity ok; the same content hashes,
each stored once; every article in a live event; event counts equal to their articles; no
stale brief; each event's latest brief lists exactly the event's articles. The event partition
of each run is compared with the reference's (B-cubed F1; 1.0 means identical). Prints a JSON
report; tmpfs steps need root (mount) and are reported as skipped otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import time
import zlib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
CLI = [sys.executable, "-c", "import sys; from newsbrief.cli import main; sys.exit(main())"]
# The folder the newsbrief processes start in (``python -c`` imports the package found there
# first): ROOT, or a frozen copy of the package (--code) so that edits made to the working
# tree while a long run goes on cannot change the code between the reference and the kills.
CODE = [ROOT]


def freeze_code(folder: Path) -> None:
    """Copy the package to ``folder`` and start every later process there."""
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(ROOT / "newsbrief", folder / "newsbrief",
                    ignore=shutil.ignore_patterns("__pycache__"))
    CODE[0] = folder


def add_kill_options(parser: argparse.ArgumentParser, out: str) -> None:
    """The options every kill benchmark takes: how many kills, when, and with what code."""
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fraction", type=float, default=0.3,
                        help="each kill falls after the run's fixed overhead plus a random "
                        "fraction, uniform in 0..FRACTION, of the estimated work left")
    parser.add_argument("--code", type=Path, default=None,
                        help="freeze a copy of the package in this folder and run it")
    parser.add_argument("--after-commit", action="store_true",
                        help="count each kill's delay from the run's first commit")
    parser.add_argument("--out", default=out, help="work folder (emptied first)")


def fresh_workdir(args: argparse.Namespace) -> Path:
    """Empty the work folder ``--out`` and, with ``--code``, freeze the package to run."""
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    if args.code:
        freeze_code(args.code)
    return out


def build_input(folder: Path, limit: int | None) -> int:
    """Distinct eval articles (50+ words) as JSONL files of 100; returns how many."""
    seen: set[str] = set()
    records: list[dict[str, str]] = []

    def add(title: str | None, text: str) -> None:
        key = hashlib.sha1(" ".join(text.split()).encode()).hexdigest()
        if key not in seen and len(text.split()) >= 50:
            seen.add(key)
            records.append({"id": f"a{len(records):05d}", "title": title or "", "text": text})

    for name in ("clustering-dev.jsonl", "clustering-wikiref220.jsonl"):
        for line in (EVAL / name).read_text(encoding="utf-8").splitlines():
            obj = json.loads(line)
            add(obj.get("title"), obj["text"])
    for name in ("wcep-train.jsonl", "wcep-dev.jsonl", "multinews-dev.jsonl"):
        for line in (EVAL / name).read_text(encoding="utf-8").splitlines():
            for article in json.loads(line)["articles"]:
                add(article.get("title"), article["text"])
    records = records[:limit] if limit else records
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, len(records), 100):
        (folder / f"part-{start // 100:03d}.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in records[start:start + 100]), encoding="utf-8")
    return len(records)


def ingest_cmd(db: Path, inputs: Path, extra: list[str]) -> list[str]:
    return [*CLI, "ingest", str(inputs), "--db", str(db), "-q", *extra]


def run(cmd: list[str], timeout: float = 3600) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=timeout,
                          cwd=CODE[0])


# --- checks ----------------------------------------------------------------------------------

def state(db: Path) -> dict:
    """What the checks compare: integrity, hashes, events, briefs (read with plain sqlite3)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        rows = conn.execute("SELECT id, content_hash, event_id FROM articles").fetchall()
        live = {r[0]: r[1] for r in conn.execute(
            "SELECT id, article_count FROM events WHERE merged_into IS NULL")}
        stale = conn.execute("SELECT COUNT(*) FROM events WHERE brief_stale = 1 AND "
                             "merged_into IS NULL AND article_count > 0").fetchone()[0]
        latest = {}
        for event_id, brief in conn.execute(
                "SELECT b.event_id, b.brief FROM briefs b JOIN (SELECT event_id, MAX(version) v "
                "FROM briefs GROUP BY event_id) m ON b.event_id = m.event_id AND b.version = m.v"):
            # Compressed JSON (text in rows written before the evening of 3 December 2026).
            data = zlib.decompress(brief) if isinstance(brief, bytes) else brief
            latest[event_id] = {a["id"] for a in json.loads(data)["articles"]}
    finally:
        conn.close()
    members: dict[str, set[str]] = defaultdict(set)
    for article_id, _, event_id in rows:
        members[event_id].add(article_id)
    hashes = [h for _, h, _ in rows]
    problems = []
    if integrity != "ok":
        problems.append(f"integrity_check: {integrity}")
    if len(hashes) != len(set(hashes)):
        problems.append(f"{len(hashes) - len(set(hashes))} duplicated content hashes")
    orphans = [a for a, _, e in rows if e is None or e not in live]
    if orphans:
        problems.append(f"{len(orphans)} articles without a live event")
    wrong_counts = [e for e, n in live.items() if n != len(members.get(e, ()))]
    if wrong_counts:
        problems.append(f"{len(wrong_counts)} events whose article_count is wrong")
    if stale:
        problems.append(f"{stale} stale briefs")
    wrong_briefs = [e for e, ids in members.items() if e in live and latest.get(e) != ids]
    if wrong_briefs:
        problems.append(f"{len(wrong_briefs)} events whose latest brief lists other articles")
    by_hash = {a: h for a, h, _ in rows}
    partition = [frozenset(by_hash[a] for a in ids) for ids in members.values()]
    return {"articles": len(rows), "hashes": set(hashes), "events": len(partition),
            "partition": partition, "problems": problems, "integrity": integrity}


def bcubed_f1(a: list[frozenset], b: list[frozenset]) -> float:
    """B-cubed F1 of partition ``a`` against ``b`` over the items both contain."""
    la = {x: i for i, c in enumerate(a) for x in c}
    lb = {x: i for i, c in enumerate(b) for x in c}
    ca = defaultdict(set)
    cb = defaultdict(set)
    items = set(la) & set(lb)
    for x in items:
        ca[la[x]].add(x)
        cb[lb[x]].add(x)
    p = r = 0.0
    for x in items:
        same_a, same_b = ca[la[x]], cb[lb[x]]
        both = len(same_a & same_b)
        p += both / len(same_a)
        r += both / len(same_b)
    p, r = p / len(items), r / len(items)
    return round(2 * p * r / (p + r), 4) if p + r else 0.0


def compare(name: str, db: Path, ref: dict) -> dict:
    got = state(db)
    problems = list(got["problems"])
    if got["hashes"] != ref["hashes"]:
        problems.append(f"{len(ref['hashes'] - got['hashes'])} articles missing, "
                        f"{len(got['hashes'] - ref['hashes'])} extra")
    result = {"articles": got["articles"], "events": got["events"],
              "partition_bcubed_f1_vs_reference": bcubed_f1(got["partition"], ref["partition"]),
              "problems": problems, "ok": not problems}
    print(f"[{name}] {json.dumps(result)}", flush=True)
    return result


# --- steps -----------------------------------------------------------------------------------

def db_progress(db: Path) -> tuple[int, int]:
    """(articles stored, live events with an up-to-date brief), or (-1, -1) before the schema."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return (conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0],
                    conn.execute("SELECT COUNT(*) FROM events WHERE brief_stale = 0 AND "
                                 "merged_into IS NULL").fetchone()[0])
    except sqlite3.Error:
        return (-1, -1)  # not created yet, or mid-migration


def timed_reference(db: Path, cmd: list[str]) -> dict:
    """Run the reference uninterrupted; its duration, first commit and progress curve
    ``[(seconds, articles, briefed events)]`` sampled every 0.2 s."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            cwd=CODE[0])
    curve: list[tuple[float, int, int]] = []
    while proc.poll() is None:
        time.sleep(0.2)
        if db.exists():
            articles, briefed = db_progress(db)
            if articles > 0 and (not curve or (articles, briefed) != curve[-1][1:]):
                curve.append((round(time.perf_counter() - start, 2), articles, briefed))
    assert proc.returncode == 0, proc.stderr.read()
    total = time.perf_counter() - start
    return {"seconds": round(total, 1), "first_commit": curve[0][0] if curve else total,
            "curve": curve}


def remaining_seconds(ref: dict, overhead: float, progress: tuple[int, int]) -> float:
    """Estimated run time of a resumed run from ``progress``: the fixed overhead of a run
    that has nothing to do, plus the reference's time from where it had made the same
    progress to its end."""
    done_at = 0.0
    for seconds, articles, briefed in ref["curve"]:
        if articles <= progress[0] and briefed <= progress[1]:
            done_at = seconds
    return overhead + max(0.0, ref["seconds"] - done_at)


# --- what a kill interrupted -----------------------------------------------------------------

def wal_frames(db: Path) -> dict:
    """Frames in the write-ahead log: valid ones (salts and running checksum match, as SQLite
    checks them on recovery) and how many follow the last commit frame, i.e. pages a killed
    transaction had already written (https://www.sqlite.org/fileformat2.html#walformat).
    Read before anything opens the database, which would roll those frames back."""
    path = Path(f"{db}-wal")
    if not path.exists() or path.stat().st_size < 32:
        return {"valid": 0, "uncommitted": 0}
    data = path.read_bytes()
    magic, _, page_size, _, salt1, salt2 = struct.unpack(">6I", data[:24])
    if magic not in (0x377F0682, 0x377F0683):
        return {"valid": 0, "uncommitted": 0, "note": "bad WAL magic"}
    order = ">" if magic & 1 else "<"

    def checksum(chunk: bytes, s0: int, s1: int) -> tuple[int, int]:
        words = struct.unpack(f"{order}{len(chunk) // 4}I", chunk)
        for k in range(0, len(words), 2):
            s0 = (s0 + words[k] + s1) & 0xFFFFFFFF
            s1 = (s1 + words[k + 1] + s0) & 0xFFFFFFFF
        return s0, s1

    s0, s1 = checksum(data[:24], 0, 0)
    valid = last_commit = 0
    offset = 32
    while offset + 24 + page_size <= len(data):
        header = data[offset:offset + 24]
        _, commit, f_salt1, f_salt2, c0, c1 = struct.unpack(">6I", header)
        if (f_salt1, f_salt2) != (salt1, salt2):
            break
        s0, s1 = checksum(header[:8], s0, s1)
        s0, s1 = checksum(data[offset + 24:offset + 24 + page_size], s0, s1)
        if (s0, s1) != (c0, c1):
            break
        valid += 1
        if commit:
            last_commit = valid
        offset += 24 + page_size
    return {"valid": valid, "uncommitted": valid - last_commit}


def write_lock_held(db: Path) -> bool | None:
    """Whether another connection holds the write lock (a write transaction is open) right
    now; ``None`` when there is no database yet."""
    if not db.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{db}?mode=rw", uri=True, timeout=0,
                               isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        return "locked" in str(exc) or "busy" in str(exc)
    finally:
        conn.close()


def wait_first_commit(proc: subprocess.Popen, db: Path, existed: bool) -> float | None:
    """Seconds until ``proc`` commits its first transaction to ``db`` (any table: another
    connection's ``PRAGMA data_version`` changes; creating the file when it did not exist),
    or ``None`` if it exits first."""
    start = time.perf_counter()
    if not existed:
        while not db.exists():
            if proc.poll() is not None:
                return None
            time.sleep(0.05)
        return time.perf_counter() - start
    conn = sqlite3.connect(f"file:{db}?mode=rw", uri=True, timeout=5)
    try:
        first = conn.execute("PRAGMA data_version").fetchone()[0]
        while proc.poll() is None:
            if conn.execute("PRAGMA data_version").fetchone()[0] != first:
                return time.perf_counter() - start
            time.sleep(0.05)
        return None
    finally:
        conn.close()


def kill_at(cmd: list[str], db: Path, delay: float, after_commit: bool = False) -> dict | None:
    """Start ``cmd``, SIGKILL it after ``delay`` seconds (counted from its first commit when
    ``after_commit``); ``None`` if it finished first. Probes the write lock just before the
    kill and the WAL just after."""
    existed = db.exists()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            cwd=CODE[0])
    first = wait_first_commit(proc, db, existed) if after_commit else 0.0
    try:
        if first is None:
            proc.wait()
        else:
            proc.wait(timeout=delay)
        if proc.returncode != 0:  # not a finished run: a failure to report, not to count
            raise RuntimeError(f"{cmd[3:]} exited {proc.returncode}: {proc.stderr.read()[-800:]}")
        return None
    except subprocess.TimeoutExpired:
        pass
    locked = write_lock_held(db)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    wal = wal_frames(db)  # before any connection recovers the log
    integrity = "no database yet"
    if db.exists():
        try:
            with sqlite3.connect(db) as conn:
                integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            integrity = f"error: {exc}"
    return {"write_lock_held": locked, "wal_uncommitted_frames": wal["uncommitted"],
            "integrity": integrity, "first_commit_s": round(first, 2) if after_commit else None}


def kills(db: Path, cmd: list[str], n: int, ref: dict, overhead: float,
          rng: random.Random, fraction: float = 0.3, final_cmd: list[str] | None = None,
          after_commit: bool = False) -> dict:
    """SIGKILL ``cmd`` n times, resuming each time, then let it finish.

    Each kill falls after the fixed overhead of a run plus a random fraction (uniform in
    0..``fraction``) of the estimated remaining work (:func:`remaining_seconds`, from the
    progress the database shows). Kills after a fraction of what is left, not of the whole
    run, keep falling inside the work however much is already done, and a small ``fraction``
    spreads the work over all n kills. ``final_cmd`` (default ``cmd``) finishes the work.
    With ``after_commit`` the delay is counted from the run's first commit instead (the
    fraction of the work left only), so that every kill falls after the run began writing.
    """
    log = []
    done_early = 0
    while len(log) < n:
        before = db_progress(db) if db.exists() else (-1, -1)
        left = remaining_seconds(ref, overhead, before) - overhead
        delay = (0.0 if after_commit else overhead) + rng.uniform(0.0, fraction) * left
        found = kill_at(cmd, db, delay, after_commit)
        if found is None:
            done_early += 1  # finished before the kill: nothing left to interrupt
            print(f"  run finished before its kill at {delay:.1f}s", flush=True)
            if done_early > 2:
                break
            continue
        after = db_progress(db) if db.exists() else (-1, -1)
        found.update({"after_s": round(delay, 2), "estimated_left_s": round(left, 1),
                      "progress_before": before, "progress_after": after,
                      "committed_during_run": after != before})
        log.append(found)
        since = f" after the first commit at {found['first_commit_s']}s" if after_commit else ""
        print(f"  kill {len(log)}: after {delay:.1f}s{since} (est. {left:.0f}s of work left), "
              f"{before} -> {after} (articles, briefed events), write lock "
              f"{found['write_lock_held']}, {found['wal_uncommitted_frames']} uncommitted WAL "
              f"frames, {found['integrity']}", flush=True)
    start = time.perf_counter()
    final = run(final_cmd or cmd)
    mid_run = [k for k in log if k["committed_during_run"]]
    return {"kills": log, "finished_before_kill": done_early,
            "kills_after_this_runs_commits": len(mid_run),
            "kills_with_write_lock_held": sum(1 for k in log if k["write_lock_held"]),
            "kills_with_uncommitted_wal_frames": sum(1 for k in log
                                                     if k["wal_uncommitted_frames"]),
            "integrity_ok_after_every_kill": all(k["integrity"] in ("ok", "no database yet")
                                                 for k in log),
            "final_rc": final.returncode, "final_stderr": final.stderr[-500:],
            "final_seconds": round(time.perf_counter() - start, 1)}


def noop_overhead(ref_db: Path, cmd_for) -> float:
    """Seconds a run takes when everything is already stored: start-up, reading the input,
    recognising every item as stored (measured on a copy of the reference database)."""
    copy = ref_db.with_name("noop.db")
    for suffix in ("", "-wal"):
        if Path(f"{ref_db}{suffix}").exists():
            shutil.copy(f"{ref_db}{suffix}", f"{copy}{suffix}")
    start = time.perf_counter()
    done = run(cmd_for(copy))
    assert done.returncode == 0, done.stderr
    return round(time.perf_counter() - start, 1)


def concurrent(db: Path, inputs: Path, extra: list[str]) -> dict:
    start = time.perf_counter()
    procs = [subprocess.Popen(ingest_cmd(db, inputs, extra), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=CODE[0]) for _ in range(2)]
    outs = [p.communicate() for p in procs]
    stderr = "".join(err for _, err in outs)
    return {"rcs": [p.returncode for p in procs], "seconds": round(time.perf_counter() - start, 1),
            "locked_errors": stderr.count("database is locked"),
            "tracebacks": stderr.count("Traceback"), "stderr": stderr[-500:]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_server(server: subprocess.Popen) -> None:
    """Ctrl-C for ``newsbrief serve`` (a clean shutdown), a kill if it has not stopped in 20 s."""
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


def serve_while_ingesting(db: Path, inputs: Path, extra: list[str]) -> dict:
    import httpx

    port = free_port()
    server = subprocess.Popen([*CLI, "serve", "--db", str(db), "--port", str(port), "-q"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              cwd=CODE[0])
    base = f"http://127.0.0.1:{port}"
    statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    errors: list[str] = []
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(200):
                try:
                    client.get("/healthz")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            writer = subprocess.Popen(ingest_cmd(db, inputs, extra), stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True, cwd=CODE[0])
            event_id = None
            while writer.poll() is None:
                paths = ["/api/v1/events?limit=20", "/api/v1/events?q=police", "/"]
                if event_id:
                    paths += [f"/api/v1/events/{event_id}", f"/events/{event_id}"]
                for path in paths:
                    try:
                        response = client.get(path)
                    except httpx.TransportError as exc:
                        errors.append(f"{path}: {exc.__class__.__name__}")
                        continue
                    statuses[path.split("?")[0].rsplit("/", 1)[0] or "/"][response.status_code] += 1
                    if path.startswith("/api/v1/events?limit") and response.status_code == 200:
                        items = response.json().get("items") or response.json().get("events")
                        if items:
                            event_id = items[0]["id"]
                    # 404 is an event listed before its first brief is built (--refresh end);
                    # a failure is a 5xx, or a "database is locked" error reaching the client.
                    if response.status_code >= 500 or (
                            response.status_code != 200 and "locked" in response.text):
                        errors.append(f"{path}: HTTP {response.status_code}")
            writer_err = writer.stderr.read()
    finally:
        stop_server(server)
    server_err = server.stderr.read()
    return {"ingest_rc": writer.returncode, "requests": {k: dict(v) for k, v in statuses.items()},
            "errors": errors[:20], "error_count": len(errors),
            "locked_in_logs": (server_err + writer_err).count("locked"),
            "tracebacks_in_logs": (server_err + writer_err).count("Traceback")}


def mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, check=False).returncode == 0


def umount(path: Path) -> None:
    subprocess.run(["umount", str(path)], capture_output=True, check=False)


def read_only(ref_db: Path, inputs: Path, extra: list[str], out: Path) -> dict:
    mnt = out / "ro-mount"
    if not mount_tmpfs(mnt, "256m"):
        return {"skipped": "cannot mount a tmpfs (needs root)"}
    try:
        shutil.copy(ref_db, mnt / "db.sqlite")
        before = state(mnt / "db.sqlite")
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        extra_input = out / "one-more"
        extra_input.mkdir(exist_ok=True)
        (extra_input / "new.jsonl").write_text(json.dumps(
            {"title": "A new article", "text": "The harbour bridge closed on Monday after "
             "engineers found cracks in two steel supports. " * 5}) + "\n")
        done = run(ingest_cmd(mnt / "db.sqlite", extra_input, extra))
        after = state(mnt / "db.sqlite")
        return {"rc": done.returncode, "stderr": done.stderr.strip()[-300:],
                "traceback": "Traceback" in done.stderr,
                "unchanged": before["hashes"] == after["hashes"] and after["integrity"] == "ok"}
    finally:
        umount(mnt)


def disk_full(inputs: Path, extra: list[str], out: Path, ref: dict, size: str) -> dict:
    mnt = out / "full-mount"
    if not mount_tmpfs(mnt, size):
        return {"skipped": "cannot mount a tmpfs (needs root)"}
    try:
        db = mnt / "db.sqlite"
        done = run(ingest_cmd(db, inputs, extra))
        got = state(db)
        moved = out / "after-full.sqlite"
        for suffix in ("", "-wal"):
            if Path(f"{db}{suffix}").exists():
                shutil.copy(f"{db}{suffix}", f"{moved}{suffix}")
    finally:
        umount(mnt)
    resumed = run(ingest_cmd(moved, inputs, extra))
    return {"rc": done.returncode, "stderr": done.stderr.strip()[-300:],
            "traceback": "Traceback" in done.stderr, "integrity_when_full": got["integrity"],
            "articles_committed_when_full": got["articles"],
            "committed_kept_after_resume": got["hashes"] <= state(moved)["hashes"],
            "resume_rc": resumed.returncode, "after_resume": compare("disk-full resumed", moved, ref)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_kill_options(parser, out="/tmp/nb-crash")
    parser.add_argument("--limit", type=int, default=None, help="use only this many articles")
    parser.add_argument("--no-analysis", action="store_true", help="briefs without analysis")
    parser.add_argument("--full-size", default="16m",
                        help="size of the tmpfs that fills up (default 16m: the first batch "
                        "fits, the rest does not)")
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=["kills", "concurrent", "serve", "readonly", "full"])
    args = parser.parse_args(argv)
    out = fresh_workdir(args)
    inputs = out / "input"
    count = build_input(inputs, args.limit)
    extra = ["--no-analysis"] if args.no_analysis else []
    print(f"{count} articles in {len(list(inputs.iterdir()))} files", flush=True)

    timing = timed_reference(out / "ref.db", ingest_cmd(out / "ref.db", inputs, extra))
    ref = state(out / "ref.db")
    overhead = noop_overhead(out / "ref.db", lambda db: ingest_cmd(db, inputs, extra))
    print(f"reference: {timing['seconds']:.1f}s (first commit after {timing['first_commit']}s,"
          f" a run with nothing to do {overhead}s), {ref['articles']} articles, "
          f"{ref['events']} events, problems {ref['problems']}", flush=True)
    report: dict = {"input_articles": count, "reference_seconds": timing["seconds"],
                    "reference_first_commit_seconds": timing["first_commit"],
                    "noop_run_seconds": overhead,
                    "reference": {"articles": ref["articles"], "events": ref["events"],
                                  "problems": ref["problems"]}}
    rng = random.Random(args.seed)
    if "kills" not in args.skip:
        killed = out / "killed.db"
        report["kills"] = kills(killed, ingest_cmd(killed, inputs, extra), args.kills, timing,
                                overhead, rng, args.fraction, after_commit=args.after_commit)
        report["kills"]["check"] = compare("killed and resumed", killed, ref)
    if "concurrent" not in args.skip:
        report["concurrent"] = concurrent(out / "concurrent.db", inputs, extra)
        report["concurrent"]["check"] = compare("two ingests at once", out / "concurrent.db", ref)
    if "serve" not in args.skip:
        report["serve"] = serve_while_ingesting(out / "served.db", inputs, extra)
        report["serve"]["check"] = compare("serve while ingest", out / "served.db", ref)
    if "readonly" not in args.skip:
        report["read_only"] = read_only(out / "ref.db", inputs, extra, out)
    if "full" not in args.skip:
        report["disk_full"] = disk_full(inputs, extra, out, ref, args.full_size)
    print(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
