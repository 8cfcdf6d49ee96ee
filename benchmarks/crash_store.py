"""Crash consistency of the store: SIGKILL during ``newsbrief ingest``, concurrent writers, a
server reading while ingest writes, a read-only database and a full disk.

    python benchmarks/crash_store.py [--kills 20] [--seed 1] [--out /tmp/nb-crash]

The input is every distinct article of 50 words or more in ../shared/eval (clustering-dev,
WCEP train/dev, Multi-News dev, WikiRef220), written as JSONL files of 100 articles. Steps:

1. reference: one uninterrupted ``newsbrief ingest`` into ref.db, timed (T, and F: when its
   first batch committed).
2. kills: ingest into killed.db, SIGKILL after a random delay (uniform in F/2..F+(T-F)/kills,
   widened by half after a kill that found no progress since the one before,
   so the kills fall across start-up, batches and the brief refresh), ``PRAGMA
   integrity_check`` straight after each kill, resume; after the last kill one run to the end.
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
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
CLI = [sys.executable, "-c", "import sys; from newsbrief.cli import main; sys.exit(main())"]


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
                          cwd=ROOT)


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
            latest[event_id] = {a["id"] for a in json.loads(brief)["articles"]}
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

def timed_reference(db: Path, inputs: Path, extra: list[str]) -> tuple[float, float]:
    """Run the reference ingest; returns its duration and when its first batch committed."""
    start = time.perf_counter()
    proc = subprocess.Popen(ingest_cmd(db, inputs, extra), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    first = None
    while proc.poll() is None:
        time.sleep(0.2)
        if first is None and db.exists():
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
                    if conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]:
                        first = time.perf_counter() - start
            except sqlite3.Error:
                pass  # schema not created yet
    assert proc.returncode == 0, proc.stderr.read()
    total = time.perf_counter() - start
    return total, first if first is not None else total


def kills(db: Path, inputs: Path, extra: list[str], n: int, ref_seconds: float,
          first_commit: float, rng: random.Random, spread: float = 1.0) -> dict:
    """Kill after a delay drawn from [F / 2, F + (T - F) / n] (F: first commit, T: whole
    run): some kills land in start-up (reading, before any commit), most after some batches.
    Batches are large (1,024 articles) and a slow machine may need longer than the window to
    commit one, so a kill that found no progress widens the next window by half (and one that
    found progress resets it): the n runs together cover the whole ingest, brief refresh
    included."""
    log = []
    done_early = 0
    base = first_commit + spread * max(1.0, ref_seconds - first_commit) / n
    span = base
    last = (-1, -1)
    while len(log) < n:
        delay = rng.uniform(first_commit / 2, span)
        proc = subprocess.Popen(ingest_cmd(db, inputs, extra), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            proc.wait(timeout=delay)
            done_early += 1  # finished before the kill: nothing left to interrupt
            if done_early > 3:
                break
            continue
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        stored = briefs = integrity = "no database yet"
        if db.exists():
            conn = sqlite3.connect(db)
            try:
                integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
                stored = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
                briefs = conn.execute("SELECT COUNT(*) FROM briefs").fetchone()[0]
            except sqlite3.DatabaseError as exc:  # e.g. killed before the schema committed
                integrity = f"error: {exc}"
            finally:
                conn.close()
        span = span * 1.5 if (stored, briefs) == last else base
        last = (stored, briefs)
        log.append({"after_s": round(delay, 2), "articles_committed": stored,
                    "briefs_committed": briefs, "integrity": integrity})
        print(f"  kill {len(log)}: after {delay:.2f}s, {stored} articles, {briefs} briefs, "
              f"{integrity}", flush=True)
    start = time.perf_counter()
    final = run(ingest_cmd(db, inputs, extra))
    return {"kills": log, "finished_before_kill": done_early, "final_rc": final.returncode,
            "final_stderr": final.stderr[-500:], "final_seconds": round(time.perf_counter() - start, 1)}


def concurrent(db: Path, inputs: Path, extra: list[str]) -> dict:
    start = time.perf_counter()
    procs = [subprocess.Popen(ingest_cmd(db, inputs, extra), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT) for _ in range(2)]
    outs = [p.communicate() for p in procs]
    stderr = "".join(err for _, err in outs)
    return {"rcs": [p.returncode for p in procs], "seconds": round(time.perf_counter() - start, 1),
            "locked_errors": stderr.count("database is locked"),
            "tracebacks": stderr.count("Traceback"), "stderr": stderr[-500:]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_while_ingesting(db: Path, inputs: Path, extra: list[str]) -> dict:
    import httpx

    port = free_port()
    server = subprocess.Popen([*CLI, "serve", "--db", str(db), "--port", str(port), "-q"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              cwd=ROOT)
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
                                      stderr=subprocess.PIPE, text=True, cwd=ROOT)
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
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
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
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=int, default=None, help="use only this many articles")
    parser.add_argument("--out", default="/tmp/nb-crash", help="work folder (emptied first)")
    parser.add_argument("--no-analysis", action="store_true", help="briefs without analysis")
    parser.add_argument("--spread", type=float, default=1.0,
                        help="scale of the kill window past the first commit (smaller: more "
                        "kills before the ingest completes; restarts cost start-up time)")
    parser.add_argument("--full-size", default="16m",
                        help="size of the tmpfs that fills up (default 16m: the first batch "
                        "fits, the rest does not)")
    parser.add_argument("--reference", nargs=3, metavar=("DB", "SECONDS", "FIRST_COMMIT"),
                        help="reuse an earlier reference run instead of timing a new one")
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=["kills", "concurrent", "serve", "readonly", "full"])
    args = parser.parse_args(argv)
    out = Path(args.out)
    if args.reference and Path(args.reference[0]).resolve().is_relative_to(out.resolve()):
        parser.error("--reference must lie outside --out (which is emptied first)")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    inputs = out / "input"
    count = build_input(inputs, args.limit)
    extra = ["--no-analysis"] if args.no_analysis else []
    print(f"{count} articles in {len(list(inputs.iterdir()))} files", flush=True)

    if args.reference:  # reuse a reference run: its database and its two timings
        for suffix in ("", "-wal"):  # the last commits may still be in the WAL
            if Path(args.reference[0] + suffix).exists():
                shutil.copy(args.reference[0] + suffix, f"{out / 'ref.db'}{suffix}")
        ref_seconds, first_commit = float(args.reference[1]), float(args.reference[2])
    else:
        ref_seconds, first_commit = timed_reference(out / "ref.db", inputs, extra)
    ref = state(out / "ref.db")
    print(f"reference: {ref_seconds:.1f}s (first commit after {first_commit:.1f}s), "
          f"{ref['articles']} articles, {ref['events']} events, problems {ref['problems']}",
          flush=True)
    report: dict = {"input_articles": count, "reference_seconds": round(ref_seconds, 1),
                    "reference_first_commit_seconds": round(first_commit, 1),
                    "reference": {"articles": ref["articles"], "events": ref["events"],
                                  "problems": ref["problems"]}}
    rng = random.Random(args.seed)
    if "kills" not in args.skip:
        report["kills"] = kills(out / "killed.db", inputs, extra, args.kills, ref_seconds,
                                first_commit, rng, args.spread)
        report["kills"]["check"] = compare("killed and resumed", out / "killed.db", ref)
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
