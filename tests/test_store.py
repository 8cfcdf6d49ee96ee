"""The SQLite store: ingest, idempotence, near-duplicates, events, brief versions, migrations."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import process_running

from newsbrief.config import BriefConfig
from newsbrief.errors import InputError, NotFound, StoreError
from newsbrief.ingest import read_paths
from newsbrief.models import Article
from newsbrief.store import Store, canonical_url, content_hash, default_db_path
from newsbrief.store.db import connect, migrations, schema_version
from newsbrief.store.rows import unpack_brief
from newsbrief.store.store import WORKER_NICENESS

# Store tests are about the store: the quickest summarizer, no analysis.
FAST = BriefConfig(analyze=False, method="lead")


@pytest.fixture(scope="module")
def seed_articles(seeds_dir: Path) -> list[Article]:
    result = read_paths([seeds_dir])
    assert len(result.articles) == 5
    return result.articles


@pytest.fixture()
def store(tmp_path: Path):
    with Store(tmp_path / "news.db", config=FAST) as s:
        yield s


def test_new_database_is_migrated_and_in_wal_mode(tmp_path: Path):
    with Store(tmp_path / "sub" / "x.db") as s:
        assert schema_version(s.conn) == migrations()[-1].version >= 2
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        assert s.counts()["articles"] == 0


def _open_at_barrier(path: str, barrier, errors) -> None:
    barrier.wait()
    try:
        connect(path).close()
    except StoreError as exc:
        errors.put(str(exc))


def test_processes_creating_one_new_database_at_once_all_open_it(tmp_path: Path):
    # Switching a new file to WAL answers "database is locked" at once to a second process,
    # without the busy handler: connect must wait that out like any other lock.
    context = multiprocessing.get_context("fork")
    errors = context.Queue()
    for round_ in range(4):
        barrier = context.Barrier(4)
        path = str(tmp_path / f"new{round_}.db")
        workers = [context.Process(target=_open_at_barrier, args=(path, barrier, errors))
                   for _ in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
        assert [w.exitcode for w in workers] == [0, 0, 0, 0]
        assert errors.empty(), errors.get()
        conn = connect(path)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert schema_version(conn) == migrations()[-1].version
        conn.close()


def test_default_path_is_a_per_user_data_file():
    path = default_db_path()
    assert path.name == "newsbrief.db" and "newsbrief" in str(path.parent)


def test_ingest_seeds_links_the_wire_copy_and_briefs_the_event(store, seed_articles):
    report = store.add_articles(seed_articles)
    assert len(report.added) == 5 and not report.skipped and not report.problems
    # The AFP copy (001) is linked to its original (000), as in the brief's own dedup.
    assert report.duplicates == [("001_b92210f6684e49f3", "000_63619180b1ce8ac3")]
    events = {event for _, event in report.added}
    assert len(events) == 1 and report.events_created == events
    event_id = events.pop()
    summary = store.get_event(event_id)
    assert summary.article_count == 5
    assert summary.first_published <= summary.last_published
    brief = store.get_brief(event_id)
    assert {a.id for a in brief.articles} == {a.id for a in seed_articles}
    assert any(len(g.members) == 2 for g in brief.duplicate_groups)
    assert summary.headline and summary.headline in brief.headline_text
    stored = store.get_article("000_63619180b1ce8ac3")
    assert stored.event_id == event_id and stored.duplicate_of is None
    assert stored.sentences and all(
        stored.text[s.start : s.end] == s.text for s in stored.sentences
    )
    assert store.get_article("001_b92210f6684e49f3").duplicate_of == "000_63619180b1ce8ac3"
    assert [a.id for a in store.event_articles(event_id)] == [a.id for a in seed_articles]


def test_reingest_is_a_no_op(store, seed_articles):
    store.add_articles(seed_articles)
    before = store.counts()
    again = store.add_articles(seed_articles)
    assert not again.added and len(again.skipped) == 5
    assert all("already stored" in reason for _, reason in again.skipped)
    assert store.counts() == before
    assert store.has_content(content_hash(seed_articles[0]))


def test_same_url_with_tracking_parameters_is_the_same_article(store):
    text = "The council approved the new budget on Monday. It passed by five votes to two."
    first = Article("a", "Budget passes", text, url="https://www.example.com/news/budget/?utm_source=x")
    other = Article("b", "Budget passes", text + " Updated.", url="http://example.com/news/budget#top")
    store.add_articles([first])
    report = store.add_articles([other])
    assert report.skipped == [("b", "already stored (same URL)")]
    assert store.has_url("https://example.com/news/budget")
    assert canonical_url("ftp://example.com/x") is None


def test_same_id_different_content_gets_a_new_id(store):
    store.add_articles([Article("x", "One", "A first story about the harbour opening today.")])
    report = store.add_articles([Article("x", "Two", "A different story about the rail strike.")])
    (new_id, _), = report.added
    assert new_id.startswith("x~") and store.get_article(new_id).article.title == "Two"


def test_an_id_whose_renamed_form_is_taken_too_gets_a_free_one(store):
    from newsbrief.store.urls import content_hash

    two = Article("x", "Two", "A different story about the rail strike.")
    taken = f"x~{content_hash(two)[:8]}"  # a record may carry any id, this one included
    store.add_articles([Article(taken, "Three", "A third story about the airport runway.")])
    store.add_articles([Article("x", "One", "A first story about the harbour opening today.")])
    report = store.add_articles([two])  # was: IntegrityError, the whole batch lost
    (new_id, _), = report.added
    assert new_id == taken + "~2" and store.get_article(new_id).article.title == "Two"
    assert store.counts()["articles"] == 3


def test_list_events_search_and_pagination(store, eval_dir: Path):
    articles = read_paths([eval_dir / "clustering-wikiref220.jsonl"]).articles
    pick = [a for prefix in ("malaysia", "samsung", "premier")
            for a in [a for a in articles if a.id.startswith(prefix)][:8]]
    assert len(pick) == 24
    store.add_articles(pick, refresh="none")
    # Listed and searchable before any brief exists (headline: the first article's title).
    unbriefed, _ = store.list_events(query="Malaysia", limit=1000)
    assert unbriefed and all(e.headline for e in unbriefed)
    store.refresh_briefs()
    everything, cursor = store.list_events(limit=1000)
    assert cursor is None and len(everything) == store.counts()["events"] >= 3
    page, cursor = store.list_events(limit=2)
    assert len(page) == 2 and cursor
    rest, _ = store.list_events(limit=1000, cursor=cursor)
    assert [e.id for e in page + rest] == [e.id for e in everything]
    found, _ = store.list_events(query="Malaysia Airlines")
    assert found and all(
        any("malaysia" in a.article.id.lower() for a in store.event_articles(e.id)) for e in found
    )
    assert store.list_events(query='"); DROP TABLE events; --')[0] == []
    keys = [(e.last_published or e.updated_at) for e in everything]
    assert keys == sorted(keys, reverse=True)
    since = sorted(keys)[len(keys) // 2]
    recent, _ = store.list_events(since=since, limit=1000)
    assert recent and all((e.last_published or e.updated_at) >= since for e in recent)
    later = datetime.fromisoformat(max(keys)) + timedelta(seconds=1)  # all UTC here
    assert store.list_events(since=later.isoformat(), limit=1000)[0] == []


def test_event_list_reads_its_index_instead_of_sorting_every_event(store):
    from newsbrief.store.events import EVENT_ORDER

    for bound, params in (("", ()), (f"AND {EVENT_ORDER} >= julianday(?) ", ("2017-11-17",))):
        plan = " ".join(str(row) for row in store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM events e INDEXED BY events_recent "
            f"WHERE e.merged_into IS NULL AND e.article_count > 0 {bound}"
            f"ORDER BY {EVENT_ORDER} DESC, e.seq DESC LIMIT 51", params))
        assert "events_recent" in plan and "TEMP B-TREE" not in plan
        assert ("(<expr>>?)" in plan) == bool(bound)  # a --since bound is a range of it


def test_briefs_are_versioned_and_changes_reported(store, seed_articles):
    store.add_articles(seed_articles[:3])
    event_id = store.list_events()[0][0].id
    store.add_articles(seed_articles[3:])
    versions = store.brief_versions(event_id)
    assert [v for v, _, _ in versions] == [1, 2]
    changes = store.brief_changes(event_id)
    assert changes.old_version == 1 and changes.new_version == 2
    assert set(changes.new_articles) == {a.id for a in seed_articles[3:]}
    old_text = {s.text for s in versions[0][2].summary}
    assert all(fact not in old_text for fact in changes.new_facts)
    assert set(changes.dropped) <= old_text
    assert "version 1 -> 2" in changes.to_markdown()


def test_reprints_from_new_outlets_change_only_the_outlets_of_a_stored_brief(tmp_path,
                                                                            seed_articles):
    from dataclasses import replace

    with Store(tmp_path / "news.db", config=BriefConfig(analyze=False)) as store:
        store.add_articles(seed_articles)
        event_id = store.list_events()[0][0].id
        original = seed_articles[3]
        store.add_articles([replace(original, id=f"reprint-{n}", outlet=outlet,
                                    url=f"https://reprint-{n}.example/story")
                            for n, outlet in enumerate(["Wire Echo", "Metro Daily"])])
        changes = store.brief_changes(event_id)
    assert changes.new_version == 2 and set(changes.new_articles) == {"reprint-0", "reprint-1"}
    assert set(changes.new_outlets) == {"Wire Echo", "Metro Daily"}
    assert changes.new_facts == () and changes.dropped == () and changes.replaced == ()
    assert not changes.headline_changed


def test_unknown_ids_raise_not_found(store):
    with pytest.raises(NotFound):
        store.get_event("e999")
    with pytest.raises(NotFound):
        store.get_article("nope")
    with pytest.raises(NotFound):
        store.get_brief("e1")


def test_bad_cursor_is_a_store_error(store):
    with pytest.raises(StoreError):
        store.list_events(cursor="%%%")


def test_readonly_store_reads_but_refuses_writes(tmp_path: Path, seed_articles):
    path = tmp_path / "r.db"
    with Store(path, config=FAST) as s:
        s.add_articles(seed_articles[:2])
    with Store(path, readonly=True) as s:
        assert s.counts()["articles"] == 2
        with pytest.raises(StoreError):
            s.add_articles(seed_articles[2:])
    with pytest.raises(StoreError):
        Store(tmp_path / "missing.db", readonly=True)


# ------------------------------------------------------------------ migrations
def test_migration_from_a_version_1_database(tmp_path: Path):
    path = tmp_path / "v1.db"
    conn = connect(path, migrate_to=1)
    assert schema_version(conn) == 1
    conn.execute("INSERT INTO events (id, seq, headline, created_at, updated_at, article_count) "
                 "VALUES ('e1', 1, 'Floods hit Valencia', 'now', 'now', 1)")
    conn.execute("INSERT INTO articles (id, title, raw_text, text, content_hash, event_id, added_at) "
                 "VALUES ('a1', 'Rescuers search Paiporta', 'x', 'x', 'h1', 'e1', 'now')")
    conn.close()
    with Store(path) as s:
        assert schema_version(s.conn) == migrations()[-1].version
        assert [e.id for e in s.list_events(query="paiporta")[0]] == ["e1"]
        assert [e.id for e in s.list_events(query="valencia")[0]] == ["e1"]


def test_database_from_a_newer_version_is_refused(tmp_path: Path):
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store(path)


def test_not_a_database_is_a_store_error(tmp_path: Path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="junk.db"):
        Store(path)


def test_stored_brief_is_compressed_json_that_round_trips(store, seed_articles):
    store.add_articles(seed_articles)
    event_id = store.list_events()[0][0].id
    raw = store.conn.execute("SELECT brief FROM briefs WHERE event_id = ?", (event_id,)).fetchone()[0]
    text = zlib.decompress(raw).decode("utf-8")
    assert len(raw) * 3 < len(text)
    assert store.get_brief(event_id).to_dict() == json.loads(text)


def test_briefs_stored_as_json_text_by_older_versions_are_still_read(store, seed_articles):
    store.add_articles(seed_articles)
    event_id = store.list_events()[0][0].id
    brief = store.get_brief(event_id)
    store.conn.execute("UPDATE briefs SET brief = ? WHERE event_id = ?",
                       (json.dumps(brief.to_dict()), event_id))
    assert store.get_brief(event_id).to_dict() == brief.to_dict()
    assert store.brief_versions(event_id)[0][2].to_dict() == brief.to_dict()
    # Rebuilt to the same brief, the event gets no new version beside the older row.
    assert store.refresh_briefs([event_id]) == 1
    assert [v for v, _, _ in store.brief_versions(event_id)] == [1]


def test_worker_processes_give_the_same_store(tmp_path: Path, eval_dir: Path):
    articles = read_paths([eval_dir / "clustering-dev.jsonl"]).articles[:40]
    states = []
    for workers in (1, 2):
        with Store(tmp_path / f"w{workers}.db", config=FAST, workers=workers, batch_size=16) as s:
            s.add_articles(articles, refresh="none")
            states.append(s.conn.execute(
                "SELECT id, event_id, duplicate_of, text FROM articles ORDER BY seq").fetchall())
    assert len(states[0]) >= 35 and states[0] == states[1]


def test_briefs_made_in_worker_processes_are_the_briefs_made_here(tmp_path: Path,
                                                                  eval_dir: Path):
    # With analysis: the workers run the entity model themselves.
    articles = read_paths([eval_dir / "clustering-dev.jsonl"]).articles[:24]
    config = BriefConfig(method="lead", ner_words=300)
    briefs, advanced = [], []
    for workers in (1, 2):
        with Store(tmp_path / f"b{workers}.db", config=config, workers=workers) as s:
            s.add_articles(articles, refresh="none")
            stale = s.counts()["stale_briefs"]
            assert s.refresh_briefs(progress=advanced.append) == stale > 3
            assert s.counts()["stale_briefs"] == 0
            briefs.append([(e, {k: v for k, v in unpack_brief(b).to_dict().items() if k != "meta"})
                           for e, b in s.conn.execute(
                               "SELECT event_id, brief FROM briefs ORDER BY event_id")])
    assert briefs[0] == briefs[1] and len(briefs[0]) == stale
    assert any(b["entities"] for _, b in briefs[0])
    assert advanced == [1] * (2 * stale)


def test_a_copy_joins_its_originals_event_only_when_close_in_time(tmp_path: Path, seed_articles):
    original, copy = seed_articles[0], seed_articles[1]
    for later, same in (("2017-11-16", True), ("2018-02-13", False)):
        with Store(tmp_path / f"{later}.db", config=FAST) as s:
            s.add_articles([original.with_(published="2017-11-15")], refresh="none")
            report = s.add_articles([copy.with_(published=later)], refresh="none")
            assert report.duplicates == [(copy.id, original.id)]
            assert (s.get_article(copy.id).event_id == s.get_article(original.id).event_id) is same


def test_brief_changes_new_dropped_and_replaced_sentences():
    from newsbrief.models import ArticleRef, Brief, BriefSentence
    from newsbrief.store import brief_changes

    def brief(sentences, articles):
        return Brief(
            articles=tuple(ArticleRef(a, a, outlet=o) for a, o in articles),
            headline=(BriefSentence(sentences[0], ("a",)),),
            summary=tuple(BriefSentence(t, ("a",)) for t in sentences),
        )

    old = brief(["The storm killed 12 people in the coastal province on Monday.",
                 "Schools were closed across the region."], [("a", "Wire")])
    new = brief(["The storm killed 15 people in the coastal province on Monday.",
                 "Rescue teams reached the flooded villages by boat."],
                [("a", "Wire"), ("b", "Daily")])
    changes = brief_changes("e1", old, new, 1, 2)
    assert changes.new_articles == ("b",) and changes.new_outlets == ("Daily",)
    assert changes.replaced == ((old.summary[0].text, new.summary[0].text),)
    assert changes.new_facts == (new.summary[1].text,)
    assert changes.dropped == (old.summary[1].text,)
    assert changes.headline_changed
    first = brief_changes("e1", None, new, None, 1)
    assert first.old_version is None and "first version" in first.to_markdown()


def test_migration_from_a_version_2_database_keeps_its_data_usable(tmp_path: Path, seed_articles):
    """Rows in the formats of schema 2 (8-byte signatures, every sentence's text, search rows
    under arbitrary rowids) stay readable, searchable and linkable after migrating."""
    from newsbrief.pipeline import prepare_articles
    from newsbrief.store.neardup import band_keys, signature

    original, copy = seed_articles[0], seed_articles[1]
    document = prepare_articles([original])[0]
    values = signature(original.title, document.text)
    path = tmp_path / "v2.db"
    conn = connect(path, migrate_to=2)
    conn.execute("INSERT INTO events (id, seq, headline, created_at, updated_at, article_count) "
                 "VALUES ('e1', 1, 'Envoy to visit North Korea', 'now', 'now', 1)")
    conn.execute("INSERT INTO articles (id, title, raw_text, text, content_hash, event_id, "
                  "added_at, published) VALUES (?, ?, ?, ?, ?, 'e1', 'now', '2017-11-15')",
                  (original.id, original.title, original.text, document.text,
                   content_hash(original)))
    conn.executemany("INSERT INTO sentences (article_id, idx, text, start, end, paragraph) "
                     "VALUES (?,?,?,?,?,?)",
                     [(original.id, s.index, s.text, s.start, s.end, s.paragraph)
                      for s in document.sentences])
    conn.execute("INSERT INTO minhashes (article_id, signature) VALUES (?, ?)",
                 (original.id, values.astype("uint64").tobytes()))
    conn.executemany("INSERT INTO lsh_bands (key, article_id) VALUES (?, ?)",
                     [(k, original.id) for k in band_keys(values, 0.35)])
    conn.execute("INSERT INTO event_search (rowid, event_id, headline, titles) "
                 "VALUES (77, 'e1', 'Envoy to visit North Korea', '')")
    conn.close()
    with Store(path, config=FAST) as s:
        assert schema_version(s.conn) == migrations()[-1].version
        stored = s.get_article(original.id)
        assert [x.text for x in stored.sentences] == [x.text for x in document.sentences]
        assert s.conn.execute("SELECT COUNT(*) FROM sentences WHERE text IS NOT NULL"
                              ).fetchone()[0] < len(document.sentences)
        report = s.add_articles([copy.with_(published="2017-11-16")])
        assert report.duplicates == [(copy.id, original.id)]
        assert s.get_article(copy.id).event_id == "e1"
        assert s.conn.execute("SELECT COUNT(*) FROM event_search WHERE event_id = 'e1'"
                              ).fetchone()[0] == 1
        assert [e.id for e in s.list_events(query="korea")[0]] == ["e1"]


def _scheme1_signature(title: str, text: str):
    """The signature stores of schema 1-3 wrote: datasketch's SHA-1 of each shingle."""
    from datasketch import MinHash

    from newsbrief.dedup import shingles

    m = MinHash(num_perm=128, seed=1)
    m.update_batch(list(shingles(title + "\n" + text)))
    return m.hashvalues


def test_migration_from_a_version_3_database_re_signs_and_packs_rows(tmp_path: Path,
                                                                     seed_articles):
    """A schema-3 database (SHA-1 signatures, one row per sentence, raw text as TEXT) is
    converted: its signatures are re-signed with the current scheme and its old band keys
    dropped, so a later copy still finds its original; sentences and raw text read back."""
    from newsbrief.dedup import SIGNATURE_SCHEME
    from newsbrief.pipeline import prepare_articles
    from newsbrief.store.neardup import band_keys, signature

    original, copy = seed_articles[0], seed_articles[1]
    document = prepare_articles([original])[0]
    old = _scheme1_signature(original.title, document.text)
    assert not (old == signature(original.title, document.text)).all()
    path = tmp_path / "v3.db"
    conn = connect(path, migrate_to=3)
    conn.execute("INSERT INTO events (id, seq, headline, created_at, updated_at, article_count) "
                 "VALUES ('e1', 1, 'Envoy to visit North Korea', 'now', 'now', 1)")
    conn.execute("INSERT INTO articles (id, title, raw_text, text, content_hash, event_id, "
                 "added_at, published) VALUES (?, ?, ?, ?, ?, 'e1', 'now', '2017-11-15')",
                 (original.id, original.title, original.text, document.text,
                  content_hash(original)))
    conn.executemany("INSERT INTO sentences (article_id, idx, text, start, end, paragraph) "
                     "VALUES (?,?,NULL,?,?,?)",
                     [(original.id, s.index, s.start, s.end, s.paragraph)
                      for s in document.sentences])
    conn.execute("INSERT INTO minhashes (article_id, signature) VALUES (?, ?)",
                 (original.id, old.astype("uint32").tobytes()))
    conn.executemany("INSERT INTO lsh_bands (key, article_id) VALUES (?, ?)",
                     [(k, original.id) for k in band_keys(old, 0.35)])
    conn.close()
    with Store(path, config=FAST) as s:
        assert s.conn.execute("SELECT COUNT(*) FROM meta WHERE key = 'signatures_to_upgrade'"
                              ).fetchone()[0] == 0
        new = signature(original.title, document.text)
        blob, scheme = s.conn.execute("SELECT signature, scheme FROM minhashes").fetchone()
        assert scheme == SIGNATURE_SCHEME and blob == new.astype("uint32").tobytes()
        keys = [k for (k,) in s.conn.execute("SELECT key FROM lsh_bands ORDER BY key")]
        assert keys == sorted(band_keys(new, 0.35))
        stored = s.get_article(original.id)
        assert stored.article.text == original.text and stored.text == document.text
        assert [(x.text, x.start, x.end, x.paragraph) for x in stored.sentences] == \
            [(x.text, x.start, x.end, x.paragraph) for x in document.sentences]
        assert s.counts()["sentences"] == len(document.sentences)
        assert s.conn.execute("SELECT COUNT(*) FROM sentences WHERE article_id = ?",
                              (original.id,)).fetchone()[0] == len(document.sentences)
        report = s.add_articles([copy.with_(published="2017-11-16")])
        assert report.duplicates == [(copy.id, original.id)]
        assert s.get_article(copy.id).event_id == "e1"


def test_raw_text_is_kept_only_when_it_differs_and_reads_back(store, seed_articles):
    plain = Article("plain", "Harbour", "The harbour reopened on Monday after the storm. "
                    "Ships queued outside the breakwater overnight.")
    store.add_articles([plain, *seed_articles], refresh="none")
    raw = dict(store.conn.execute("SELECT id, raw_text FROM articles"))
    assert raw["plain"] is None  # nothing was cleaned away: the cleaned text is the raw text
    assert store.get_article("plain").article.text == plain.text
    changed = [a for a in seed_articles if store.get_article(a.id).text != a.text]
    assert changed
    for article in changed:
        assert isinstance(raw[article.id], bytes) and len(raw[article.id]) < len(article.text)
        assert store.get_article(article.id).article.text == article.text


def test_pipelined_batches_skip_a_repeat_of_an_article_not_yet_committed(tmp_path: Path,
                                                                        eval_dir: Path):
    articles = read_paths([eval_dir / "clustering-dev.jsonl"]).articles[:10]
    # Batches 2 and 3 are checked against the store before batch 1 is written (the workers
    # prepare two batches ahead), so both repeats are only found when their batch is written.
    stream = articles[:5] + [articles[0]] + articles[5:7] + [articles[1]] + articles[7:]
    with Store(tmp_path / "p.db", config=FAST, workers=2, batch_size=4) as s:
        report = s.add_articles(stream, refresh="none")
        repeat = "already stored (same content)"
        assert sorted(report.skipped) == sorted([(articles[0].id, repeat), (articles[1].id, repeat)])
        assert len(report.added) + len(report.problems) == 10
        assert s.counts()["articles"] == len(report.added)


def test_worker_processes_run_below_the_writers_priority(tmp_path: Path):
    with Store(tmp_path / "n.db", config=FAST, workers=2) as s:
        assert s._pool.submit(os.nice, 0).result() == min(19, os.nice(0) + WORKER_NICENESS)


def test_worker_processes_exit_when_the_writer_is_killed(tmp_path: Path):
    script = (
        "import os, sys, time\n"
        "from newsbrief.store import Store\n"
        f"s = Store({str(tmp_path / 'k.db')!r}, workers=2)\n"
        "pids = {s._pool.submit(os.getpid).result() for _ in range(20)}\n"
        "print(*pids, flush=True)\n"
        "time.sleep(60)\n"
    )
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    pids = [int(p) for p in writer.stdout.readline().split()]
    assert pids and all(process_running(pid) for pid in pids)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(process_running(pid) for pid in pids):
        time.sleep(0.1)
    assert not any(process_running(pid) for pid in pids)



def test_signature_upgrade_resumes_in_batches(tmp_path: Path, seed_articles):
    from newsbrief.store.neardup import UPGRADE_FLAG, upgrade_signatures

    path = tmp_path / "u.db"
    with Store(path, config=FAST) as s:
        s.add_articles(seed_articles, refresh="none")
        before = s.conn.execute("SELECT article_id, signature FROM minhashes ORDER BY rowid"
                                ).fetchall()
        bands = s.conn.execute("SELECT key, article_id FROM lsh_bands ORDER BY 1, 2").fetchall()
        # Mark the rows as written by scheme 1 with that scheme's values, as before schema 4.
        for article_id, _ in before:
            title, text = s.conn.execute("SELECT title, text FROM articles WHERE id = ?",
                                         (article_id,)).fetchone()
            s.conn.execute("UPDATE minhashes SET signature = ?, scheme = 1 WHERE article_id = ?",
                           (_scheme1_signature(title, text).astype("uint32").tobytes(),
                            article_id))
        s.conn.execute("INSERT INTO meta (key, value) VALUES (?, '1')", (UPGRADE_FLAG,))
        assert upgrade_signatures(s.conn, 0.35, batch=2) == len(before)
        assert s.conn.execute("SELECT article_id, signature FROM minhashes ORDER BY rowid"
                              ).fetchall() == before
        assert s.conn.execute("SELECT key, article_id FROM lsh_bands ORDER BY 1, 2"
                              ).fetchall() == bands
        assert upgrade_signatures(s.conn, 0.35) == 0  # done: the flag is gone


def test_input_failure_keeps_the_batches_read_before_it_with_or_without_workers(
        tmp_path: Path, eval_dir: Path):
    articles = read_paths([eval_dir / "clustering-dev.jsonl"]).articles[:9]

    def failing():
        yield from articles
        raise OSError("disk went away")

    kept = []
    for workers in (1, 2):
        with Store(tmp_path / f"f{workers}.db", config=FAST, workers=workers, batch_size=4) as s:
            with pytest.raises(OSError, match="disk went away"):
                s.add_articles(failing(), refresh="none")
            kept.append([r[0] for r in s.conn.execute("SELECT id FROM articles ORDER BY seq")])
    # Two full batches of four were read before the failure; the ninth article was not stored.
    assert kept[0] == kept[1] and 0 < len(kept[0]) <= 8
    assert articles[8].id not in kept[0]


# ------------------------------------------------------------------ open articles (reopen)
def _store_partition(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT id, event_id FROM articles"))


def test_open_articles_let_the_store_match_the_in_memory_clusterer(tmp_path: Path,
                                                                   eval_dir: Path):
    """The dev set in a shuffled order, one transaction of 256 per call: open articles move
    between events; every move keeps both events' counts right (an emptied event is retired
    into the one that took its articles), the report names final events, and the store's
    B-cubed F1 is that of the in-memory clusterer fed the same batches."""
    import random

    from newsbrief.cluster import ClusterConfig, EventClusterer, bcubed, read_cluster_file
    from newsbrief.store.rows import prepare_article

    articles, labels, _ = read_cluster_file(str(eval_dir / "clustering-dev.jsonl"))
    order = list(articles)
    random.Random(7).shuffle(order)
    config = ClusterConfig(batch_size=256)
    memory = EventClusterer(config)
    moved = 0
    with Store(tmp_path / "open.db", config=FAST, cluster_config=config) as s:
        before: dict[str, str] = {}
        for start in range(0, len(order), 256):
            chunk = order[start:start + 256]
            report = s.add_articles(chunk, refresh="none")
            now = _store_partition(s.conn)
            # The report names each added article's event as it stands after the call.
            assert all(now[a] == e for a, e in report.added)
            counts = {e: (n, merged) for e, n, merged in s.conn.execute(
                "SELECT id, article_count, merged_into FROM events")}
            members: dict[str, int] = {}
            for event_id in now.values():
                members[event_id] = members.get(event_id, 0) + 1
            merged = dict(report.merged)
            for article_id, old in before.items():
                new = now[article_id]
                if new == old or merged.get(old) == new:
                    continue
                moved += 1
                assert counts[new] == (members[new], None)
                if old in members:  # it kept other articles: its count dropped
                    assert counts[old] == (members[old], None)
                else:  # it was emptied: retired like a merged event, pointing on
                    assert counts[old][0] == 0 and counts[old][1] is not None
                    assert s.get_event(old).id != old
            before = now
            # The in-memory clusterer gets the same batches of the same stored documents.
            kept = {a for a, _ in report.added}
            prepared = [(a, prepare_article(a, config)) for a in chunk if a.id in kept]
            memory.add_batch([(a.id, p.features, a.published) for a, p in prepared
                              if p is not None and s.get_article(a.id).duplicate_of is None])
            for a, p in prepared:
                original = s.get_article(a.id).duplicate_of
                if original is not None:
                    memory.labels_[a.id] = memory.labels_[original]
        assert moved > 0, "a shuffled dev stream always re-decides some open articles"
        # Every copy sits in its original's event (it followed it when the original moved).
        assert not s.conn.execute(
            "SELECT COUNT(*) FROM articles c JOIN articles o ON o.id = c.duplicate_of "
            "WHERE c.event_id != o.event_id").fetchone()[0]
        live = dict(s.conn.execute(
            "SELECT id, article_count FROM events WHERE merged_into IS NULL"))
        assert all(live.get(e) for e in set(before.values()))
        assert s.conn.execute("SELECT COUNT(*) FROM open_articles").fetchone()[0] == 256
        final = _store_partition(s.conn)
    ids = sorted(final)
    truth = [labels[a] for a in ids]
    store_f1 = bcubed(truth, [final[a] for a in ids])[2]
    memory_f1 = bcubed(truth, [memory.labels_[a] for a in ids])[2]
    assert store_f1 >= memory_f1 - 0.01, (store_f1, memory_f1)


def test_reopen_zero_keeps_decisions_final(tmp_path: Path, eval_dir: Path):
    from newsbrief.cluster import ClusterConfig

    articles = read_paths([eval_dir / "clustering-dev.jsonl"]).articles[:120]
    with Store(tmp_path / "final.db", config=FAST,
               cluster_config=ClusterConfig(batch_size=40, reopen=0)) as s:
        first = s.add_articles(articles[:80], refresh="none")
        before = _store_partition(s.conn)
        second = s.add_articles(articles[80:], refresh="none")
        after = _store_partition(s.conn)
        merged = dict(first.merged + second.merged)
        assert all(after[a] == e or merged.get(e) == after[a] for a, e in before.items())
        assert s.conn.execute("SELECT COUNT(*) FROM open_articles").fetchone()[0] == 0


def _open_rows(conn: sqlite3.Connection) -> list[tuple]:
    return conn.execute("SELECT pos, article_id, event_id, day, terms, entities, vector "
                        "FROM open_articles ORDER BY pos").fetchall()


def _moved(before: dict[str, str], after: dict[str, str], merged: dict[str, str]) -> list[str]:
    """Articles of ``before`` whose event changed other than by a merge of their event."""
    return [a for a, e in before.items() if after[a] != e and merged.get(e) != after[a]]


def test_migration_from_a_version_4_database_rebuilds_its_open_articles(
        tmp_path: Path, eval_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """A schema-4 database (written by the store before open articles) migrates with its latest
    articles open again: the same open articles as a store that kept them all along, so the
    next batch re-decides articles stored before the upgrade (some move to partners arriving
    now) exactly as that store does. The rebuild is transactional and runs once."""
    import random

    from newsbrief.cluster import ClusterConfig, read_cluster_file
    from newsbrief.store import reopen

    articles, _, _ = read_cluster_file(str(eval_dir / "clustering-dev.jsonl"))
    order = list(articles)
    random.Random(7).shuffle(order)
    first, second = order[:128], order[128:256]
    config = ClusterConfig(batch_size=128)  # one batch each: the open articles are exact
    with Store(tmp_path / "kept.db", config=FAST, cluster_config=config) as s:
        s.add_articles(first, refresh="none")
        kept_open = _open_rows(s.conn)
        clustered = s.conn.execute(  # copies join their original's event unclustered
            "SELECT COUNT(*) FROM articles WHERE duplicate_of IS NULL").fetchone()[0]
        s.add_articles(second, refresh="none")
        kept = _store_partition(s.conn)
    path = tmp_path / "v4.db"
    with Store(path, config=FAST, cluster_config=config, migrate_to=4) as s:
        assert schema_version(s.conn) == 4
        s.add_articles(first, refresh="none")
        before = _store_partition(s.conn)

    # A failure during the rebuild leaves the table empty and the database marked.
    def failing(*args, **kwargs):
        raise RuntimeError("interrupted")

    with monkeypatch.context() as patch:
        patch.setattr(reopen, "extract_features", failing)
        with pytest.raises(RuntimeError, match="interrupted"):
            Store(path, config=FAST, cluster_config=config)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM open_articles").fetchone()[0] == 0
    assert conn.execute("SELECT value FROM meta WHERE key = ?",
                        (reopen.REBUILD_FLAG,)).fetchone() == ("1",)
    conn.close()

    with Store(path, config=FAST, cluster_config=config) as s:
        assert schema_version(s.conn) == migrations()[-1].version
        assert _store_partition(s.conn) == before
        rebuilt = _open_rows(s.conn)
        assert rebuilt == kept_open and len(rebuilt) == clustered > 100
        assert s.conn.execute("SELECT 1 FROM meta WHERE key = ?",
                              (reopen.REBUILD_FLAG,)).fetchone() is None
    with Store(path, config=FAST, cluster_config=config) as s:
        assert _open_rows(s.conn) == rebuilt  # once only
        report = s.add_articles(second, refresh="none")
        after = _store_partition(s.conn)
        assert after == kept
        assert _moved(before, after, dict(report.merged)), \
            "the first batch after the upgrade re-decides articles stored before it"
        rows = s.conn.execute("SELECT id, article_count FROM events WHERE merged_into IS NULL "
                              "AND article_count > 0").fetchall()
        assert sum(n for _, n in rows) == s.counts()["articles"] == len(after)
        for event_id, n in rows:
            assert len(s.event_articles(event_id)) == n


def test_events_that_open_articles_leave_keep_the_time_span_of_their_members(
        tmp_path: Path, eval_dir: Path):
    """The dev stream dated an hour apart, calls of 64 with 32 open articles: after every call
    each live event's span is that of the articles it holds, also where open articles moved
    out (an event's vector can give an article back, its first and last day cannot): the
    listed first/last time over all members, the clusterer's first/last day over those it
    clustered (copies, all close in time here, join their original's event unclustered)."""
    import random
    from datetime import datetime, timedelta

    from newsbrief.cluster import ClusterConfig, parse_day, read_cluster_file

    articles, _, _ = read_cluster_file(str(eval_dir / "clustering-dev.jsonl"))
    order = list(articles)
    random.Random(7).shuffle(order)
    start = datetime(2024, 3, 1)
    order = [a.with_(published=(start + timedelta(hours=i)).isoformat())
             for i, a in enumerate(order[:320])]
    left_behind = 0
    with Store(tmp_path / "span.db", config=FAST,
               cluster_config=ClusterConfig(batch_size=64, reopen=32)) as s:
        before: dict[str, str] = {}
        for offset in range(0, len(order), 64):
            report = s.add_articles(order[offset:offset + 64], refresh="none")
            after = _store_partition(s.conn)
            moved = _moved(before, after, dict(report.merged))
            left_behind += sum(before[a] in after.values() for a in moved)
            before = after
            for event_id, first, last, first_day, last_day in s.conn.execute(
                    "SELECT id, first_published, last_published, first_day, last_day "
                    "FROM events WHERE merged_into IS NULL AND article_count > 0").fetchall():
                members = s.conn.execute(
                    "SELECT published, duplicate_of FROM articles WHERE event_id = ?",
                    (event_id,)).fetchall()
                times = [p for p, _ in members]
                days = [parse_day(p) for p, copy_of in members if copy_of is None]
                assert (first, last) == (min(times), max(times)), event_id
                assert (first_day, last_day) == (min(days), max(days)), event_id
    assert left_behind, "some open article moves out of an event that keeps other articles"


def test_a_copy_follows_its_original_when_the_original_moves(tmp_path: Path, eval_dir: Path):
    """Find an article that the second batch moves, then ingest the same stream with a
    syndicated copy of it in the first batch: the copy joins the original's first event and
    moves with it (copies are not clustered, so the clusterer's decisions are unchanged)."""
    import random

    from newsbrief.cluster import ClusterConfig, read_cluster_file

    articles, _, _ = read_cluster_file(str(eval_dir / "clustering-dev.jsonl"))
    order = list(articles)
    random.Random(7).shuffle(order)
    first, second = order[:128], order[128:256]
    config = ClusterConfig(batch_size=128)
    with Store(tmp_path / "probe.db", config=FAST, cluster_config=config) as s:
        s.add_articles(first, refresh="none")
        before = _store_partition(s.conn)
        report = s.add_articles(second, refresh="none")
        after = _store_partition(s.conn)
    merged = dict(report.merged)
    moved = [a.id for a in first if a.id in before and after[a.id] != before[a.id]
             and merged.get(before[a.id]) != after[a.id]]
    assert moved, "the second batch re-decides some open articles of the first"
    original = next(a for a in first if a.id == moved[0])
    copy = original.with_(id="copy-of-" + original.id, outlet="wire.example",
                          text=original.text + "\n\n(Reporting by the wire service.)")
    with Store(tmp_path / "copy.db", config=FAST, cluster_config=config) as s:
        s.add_articles([*first, copy], refresh="none")
        assert s.get_article(copy.id).duplicate_of == original.id
        assert s.get_article(copy.id).event_id == before[original.id]
        report = s.add_articles(second, refresh="none")
        assert _store_partition(s.conn)[original.id] == after[original.id]
        assert s.get_article(copy.id).event_id == after[original.id]
        new_event = s.get_event(after[original.id])
        assert new_event.article_count == len(s.event_articles(after[original.id]))
        assert copy.id in {a.id for a in s.event_articles(after[original.id])}
        assert after[original.id] in report.events_updated | report.events_created


def test_batch_frequencies_are_the_per_article_counts(tmp_path: Path, eval_dir: Path):
    """The store counts a batch's document frequencies at once (StoreClusterer.observe_batch);
    what it commits is what observing each clustered article in turn gives."""
    from newsbrief.cluster import EventClusterer
    from newsbrief.store.rows import prepare_article

    articles = read_paths([eval_dir / "clustering-dev.jsonl"]).articles[:300]
    with Store(tmp_path / "df.db", config=FAST, batch_size=128) as s:
        added = []
        for start in (0, 150):
            added += [a for a, _ in s.add_articles(articles[start:start + 150],
                                                   refresh="none").added]
        copies = {a for (a,) in s.conn.execute(
            "SELECT id FROM articles WHERE duplicate_of IS NOT NULL")}
        stored = dict(s.conn.execute("SELECT term, df FROM term_df"))
        n_docs = int(s.conn.execute("SELECT value FROM meta WHERE key = 'n_docs'").fetchone()[0])
    memory = EventClusterer(s.cluster_config)
    by_id = {a.id: a for a in articles}
    for article_id in added:
        if article_id not in copies:  # copies join their original's event unclustered
            memory.observe(prepare_article(by_id[article_id], s.cluster_config).features)
    assert n_docs == memory.n_docs == len(added) - len(copies) > 250
    assert stored == dict(memory.df)


def test_postings_are_every_indexed_key_once(tmp_path: Path, eval_dir: Path):
    """The postings a batch indexes (with repeats: an event indexed twice in one batch) are
    written unsorted and de-duplicated at once; the table holds exactly their set."""
    articles = read_paths([eval_dir / "clustering-dev.jsonl"]).articles[:300]
    with Store(tmp_path / "postings.db", config=FAST, batch_size=128) as s:
        clusterer = s.clusterer
        indexed: list[tuple[int, int, str]] = []
        index = clusterer.index

        def recording(event_id: str, keys, bucket: int) -> None:
            indexed.extend((bucket, k, event_id) for k in keys)
            index(event_id, keys, bucket)

        clusterer.index = recording  # type: ignore[method-assign]
        for start in (0, 150):
            s.add_articles(articles[start:start + 150], refresh="none")
        stored = s.conn.execute("SELECT bucket, term, event_id FROM event_terms").fetchall()
    assert len(indexed) > len(set(indexed)) > 1000  # the batches did index repeats
    assert len(stored) == len(set(stored))
    assert set(stored) == set(indexed)


# ------------------------------------------------------------------ event times
# Outlets write their own UTC offsets, so the strings sort differently from the instants.
# The seeds' five articles are one event; their times (UTC in the comments):
SEED_TIMES = {
    "000_63619180b1ce8ac3": "2017-11-17T10:00:00+09:00",  # 01:00
    "001_b92210f6684e49f3": "2017-11-17T02:00:00Z",       # 02:00 (the copy of 000)
    "002_9d4c901f501e9c8d": "2017-11-16T22:30:00-05:00",  # 03:30, the latest; first as text
    "003_955b4ad72e2eeda8": "2017-11-17T00:30:00",        # 00:30 (naive: UTC), the earliest
    "004_0ab014dd270447af": "not a date",                 # unreadable; last as text
}


def _with_times(articles: list[Article], times: dict[str, str]) -> list[Article]:
    return [a.with_(published=times[a.id]) for a in articles]


def test_event_times_are_the_earliest_and_latest_instants_whatever_the_offsets(
        tmp_path: Path, seed_articles):
    with Store(tmp_path / "offsets.db", config=FAST) as store:
        report = store.add_articles(_with_times(seed_articles, SEED_TIMES), refresh="none")
        (event_id,) = {event for _, event in report.added}
        event = store.get_event(event_id)
        assert event.article_count == 5
        # The articles' own strings, chosen by instant; the unreadable one never wins.
        assert (event.first_published, event.last_published) == (
            "2017-11-17T00:30:00", "2017-11-16T22:30:00-05:00")
        late = seed_articles[4].with_(id="late", url="https://x.test/late",
                                      published="2017-11-16T23:00:00-05:00",  # 04:00 UTC
                                      text=seed_articles[4].text + " Update.")
        assert store.add_articles([late], refresh="none").added == [("late", event_id)]
        assert store.get_event(event_id).last_published == "2017-11-16T23:00:00-05:00"
    # With no readable time at all, the text minimum and maximum are kept (as before); "2017"
    # is not read as a Julian day number (4707 BC), which julianday() alone would do.
    times = dict.fromkeys(SEED_TIMES, "unknown")
    times["002_9d4c901f501e9c8d"] = "yesterday"
    times["003_955b4ad72e2eeda8"] = "2017"
    with Store(tmp_path / "undated.db", config=FAST) as store:
        report = store.add_articles(_with_times(seed_articles, times), refresh="none")
        (event_id,) = {event for _, event in report.added}
        event = store.get_event(event_id)
        assert (event.first_published, event.last_published) == ("2017", "yesterday")


def _three_events(store: Store, seed_articles: list[Article], eval_dir: Path) -> dict[str, str]:
    """Three events whose last article times sort one way as text and the other as instants:
    the seeds (from 23:00 UTC on the 16th, written "2017-11-16T23:00:00Z", to 01:00 UTC,
    written "2017-11-17T10:00:00+09:00"; the earliest as text is 00:30 UTC), a Samsung report
    (03:00 UTC) and a Malaysia Airlines report (04:30 UTC, written
    "2017-11-16T23:30:00-05:00"). Returns name -> event id."""
    others = read_paths([eval_dir / "clustering-wikiref220.jsonl"]).articles
    samsung = next(a for a in others if a.id.startswith("samsung"))
    malaysia = next(a for a in others if a.id.startswith("malaysia"))
    seeds = [a.with_(published="2017-11-16T23:00:00Z") for a in seed_articles]
    seeds[0] = seeds[0].with_(published="2017-11-17T10:00:00+09:00")
    seeds[1] = seeds[1].with_(published="2017-11-16T19:30:00-05:00")
    ids = {}
    for name, articles in (("seeds", seeds),
                           ("samsung", [samsung.with_(published="2017-11-17T03:00:00Z")]),
                           ("malaysia", [malaysia.with_(published="2017-11-16T23:30:00-05:00")])):
        report = store.add_articles(articles, refresh="none")
        (ids[name],) = {event for _, event in report.added}
    assert len(set(ids.values())) == 3
    return ids


def test_event_list_is_ordered_and_filtered_by_instant(store, seed_articles, eval_dir: Path):
    ids = _three_events(store, seed_articles, eval_dir)
    newest_first = [ids["malaysia"], ids["samsung"], ids["seeds"]]  # text order is the reverse
    assert [e.id for e in store.list_events()[0]] == newest_first
    assert store.get_event(ids["malaysia"]).last_published == "2017-11-16T23:30:00-05:00"
    # Page by page (cursors carry the instant).
    pages, cursor = [], None
    while True:
        page, cursor = store.list_events(limit=1, cursor=cursor)
        pages += [e.id for e in page]
        if cursor is None:
            break
    assert pages == newest_first
    # --since is an instant too, whatever offset it is written with; a date is its midnight UTC.
    for since in ("2017-11-17T02:00:00Z", "2017-11-17T03:00:00+01:00", "2017-11-16T21:00:00-05:00"):
        assert [e.id for e in store.list_events(since=since)[0]] == newest_first[:2], since
    assert [e.id for e in store.list_events(since="2017-11-17T04:30:00")[0]] == [ids["malaysia"]]
    assert [e.id for e in store.list_events(since="2017-11-17")[0]] == newest_first
    assert store.list_events(since="2017-11-18")[0] == []
    with pytest.raises(InputError, match="since 'last week'"):
        store.list_events(since="last week")


# What versions before migration 0008 stored: the text MIN and MAX of the times.
_TEXT_TIMES = (
    "UPDATE events SET first_published = s.first, last_published = s.last FROM "
    "(SELECT event_id, MIN(published) AS first, MAX(published) AS last FROM articles "
    "GROUP BY event_id) AS s WHERE events.id = s.event_id AND events.article_count > 0")


def test_migration_gives_existing_events_their_times_by_instant(tmp_path: Path, seed_articles,
                                                                eval_dir: Path):
    path = tmp_path / "v7.db"
    with Store(path, config=FAST, migrate_to=7) as s:
        ids = _three_events(s, seed_articles, eval_dir)
        s.conn.execute(_TEXT_TIMES)
        seeds = s.get_event(ids["seeds"])
        assert (seeds.first_published, seeds.last_published) == (
            "2017-11-16T19:30:00-05:00", "2017-11-17T10:00:00+09:00")
    with Store(path, config=FAST) as s:
        assert schema_version(s.conn) == migrations()[-1].version
        seeds = s.get_event(ids["seeds"])
        assert (seeds.first_published, seeds.last_published) == (
            "2017-11-16T23:00:00Z", "2017-11-17T10:00:00+09:00")
        assert s.get_event(ids["malaysia"]).first_published == "2017-11-16T23:30:00-05:00"
        assert [e.id for e in s.list_events()[0]] == [ids["malaysia"], ids["samsung"],
                                                      ids["seeds"]]
        index = s.conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'events_recent'").fetchone()[0]
        assert "julianday(last_published)" in index


def test_a_batch_touching_more_events_than_the_cache_holds_loses_nothing(
        tmp_path: Path, eval_dir: Path, monkeypatch):
    """The clusterer's event cache may evict only what is unchanged. It used to evict a new
    event, or a changed one not yet marked, once a batch touched more events than it holds
    (a batch of 4,096 articles created event e1025 and at once lost it: KeyError). With a
    tiny cache the store must end as it does with the default one."""
    import random

    from newsbrief.cluster import ClusterConfig, read_cluster_file
    from newsbrief.store import clustering

    articles, _, _ = read_cluster_file(str(eval_dir / "clustering-dev.jsonl"))
    order = list(articles)
    random.Random(3).shuffle(order)
    config = ClusterConfig(batch_size=256)

    def ingest(name: str) -> tuple[dict, list]:
        with Store(tmp_path / name, config=FAST, cluster_config=config) as s:
            s.add_articles(order, refresh="none")
            events = s.conn.execute("SELECT id, article_count, merged_into, first_day, "
                                    "last_day, state FROM events ORDER BY id").fetchall()
            return _store_partition(s.conn), events

    expected = ingest("default.db")
    monkeypatch.setattr(clustering, "CACHE_EVENTS", 16)
    assert ingest("tiny-cache.db") == expected


@pytest.mark.parametrize("workers", [1, 2])
def test_an_article_that_cannot_be_prepared_is_reported_and_the_rest_stored(
        tmp_path: Path, seed_articles, monkeypatch, workers):
    """An article that trips a bug in cleaning (or a library under it) used to stop the
    ingest, and a re-run met the same article again: it blocked the whole input for good.
    The failure is injected: a cleaning step that raises on one article's text."""
    from newsbrief.store import rows

    real_clean = rows.clean_text

    def clean_or_fail(text, title):
        if "POISON" in text:
            raise ValueError("unexpected character")
        return real_clean(text, title)

    monkeypatch.setattr(rows, "clean_text", clean_or_fail)  # before the pool forks
    poison = Article(id="poison", title="Bad", text="POISON " + seed_articles[1].text)
    articles = [seed_articles[0], poison, *seed_articles[1:]]
    with Store(tmp_path / "poison.db", config=FAST, workers=workers) as s:
        report = s.add_articles(articles)
        assert [p.reason for p in report.problems] == [
            "article poison: cannot be prepared (ValueError: unexpected character)"]
        assert sorted(a for a, _ in report.added) == sorted(a.id for a in seed_articles)
        again = s.add_articles(articles)
        assert len(again.problems) == 1 and not again.added
        assert len(again.skipped) == len(seed_articles)


def test_an_event_whose_brief_cannot_be_made_stays_stale_and_the_rest_are_briefed(
        tmp_path: Path, seed_articles, eval_dir: Path, monkeypatch):
    """The failure is injected: making the brief raises for the seeds' event."""
    from newsbrief.store import store as store_module

    real_brief = store_module.brief_documents

    def brief_or_fail(documents, config):
        if any(d.id == seed_articles[0].id for d in documents):
            raise RuntimeError("solver failed")
        return real_brief(documents, config)

    monkeypatch.setattr(store_module, "brief_documents", brief_or_fail)
    with Store(tmp_path / "brief.db", config=FAST) as s:
        s.add_articles(seed_articles, refresh="none")
        s.add_articles(read_paths([eval_dir / "clustering-dev.jsonl"]).articles[:10],
                       refresh="none")
        seed_event = s.get_article(seed_articles[0].id).event_id
        stale = [e.id for e in s.list_events(limit=100)[0]]
        problems: list = []
        assert s.refresh_briefs(problems=problems) == len(stale) - 1
        assert [p.reason for p in problems] == [
            f"event {seed_event}: brief cannot be made (RuntimeError: solver failed)"]
        assert s.conn.execute("SELECT id FROM events WHERE brief_stale = 1").fetchall() == [
            (seed_event,)]
        with pytest.raises(StoreError, match="solver failed"):  # no list: raised, after the rest
            s.refresh_briefs()


def test_an_event_list_limit_below_one_is_refused(store, seed_articles):
    """The rows are sliced with the limit: -1 used to drop the last event, 0 to list none."""
    store.add_articles(seed_articles, refresh="none")
    for limit in (0, -1):
        with pytest.raises(InputError, match="limit must be at least 1"):
            store.list_events(limit=limit)
    assert len(store.list_events(limit=1)[0]) == 1


def test_cursor_numbers_sqlite_cannot_bind_and_since_beyond_the_year_range(store,
                                                                           seed_articles):
    """A decodable cursor with 1e30 or 1e400 in it reached SQLite (OverflowError), and a valid
    time whose UTC instant falls outside years 1 to 9999 was refused as not ISO 8601."""
    import base64

    store.add_articles(seed_articles, refresh="none")
    for numbers in ("[1.0, 1e30]", "[1e400, 1]"):
        cursor = base64.urlsafe_b64encode(numbers.encode()).decode().rstrip("=")
        with pytest.raises(StoreError, match="invalid cursor"):
            store.list_events(cursor=cursor)
    assert len(store.list_events(since="0001-01-01T00:00:00+01:00")[0]) == 1
    assert store.list_events(since="9999-12-31T23:59:59-01:00")[0] == []


def test_read_only_open_of_a_path_with_uri_characters(tmp_path, seeds_dir):
    """The read-only open built the URI "file:{path}?mode=ro" from the raw path: a folder
    named with "#" or "?" cut the file name short there ("unable to open database file")."""
    folder = tmp_path / "news #1?draft"
    folder.mkdir()
    path = folder / "news.db"
    with Store(path, config=BriefConfig(analyze=False, method="lead")) as store:
        store.add_articles(read_paths([seeds_dir]).articles)
    with Store(path, readonly=True) as store:
        assert store.counts()["articles"] == 5
        assert store.get_brief(store.list_events()[0][0].id).articles


def test_brief_changes_pair_identical_sentences_before_similar_ones():
    """A sentence kept word for word is not "replaced" by a longer variant that the new
    version added beside it (and then reported as a new fact itself): exact pairs first."""
    from newsbrief.models import ArticleRef, Brief, BriefSentence
    from newsbrief.store import brief_changes

    kept = "The storm killed 12 people in the coastal province on Monday."
    longer = "The storm killed 12 people in the coastal province on Monday, officials said."
    gone = "Schools were closed across the region."

    def brief(sentences):
        return Brief(articles=(ArticleRef("a", "a"),),
                     headline=(BriefSentence(kept, ("a",)),),
                     summary=tuple(BriefSentence(t, ("a",)) for t in sentences))

    changes = brief_changes("e1", brief([kept, gone]), brief([longer, kept]), 1, 2)
    assert changes.replaced == ()
    assert changes.new_facts == (longer,) and changes.dropped == (gone,)


@pytest.fixture(scope="module")
def seed_documents(seed_articles):
    from newsbrief.pipeline import prepare_articles

    documents = prepare_articles(seed_articles)
    assert len(documents) == 5
    return documents


def test_brief_changes_name_new_names_quotes_dates_and_copies(seed_documents):
    """On the seeds briefed with analysis, first one article then all five: the change names
    every entity, quote and timeline date the first version lacked (and only those), and the
    wire copy's group; a version compared with itself is "no change"."""
    from newsbrief.pipeline import brief_documents
    from newsbrief.store import brief_changes

    old, new = brief_documents(seed_documents[:1]), brief_documents(seed_documents)
    changes = brief_changes("e1", old, new, 1, 2)

    def spellings(entity):
        return {n.casefold() for n in (entity.name, *entity.aliases)}

    known = set().union(*(spellings(e) for e in old.entities))
    assert changes.new_entities
    assert set(changes.new_entities) == {(e.name, e.type) for e in new.entities
                                         if not spellings(e) & known}
    old_dates = {t.date for t in old.timeline}
    assert changes.new_dates and {d for d, _ in changes.new_dates} == (
        {t.date for t in new.timeline} - old_dates)
    old_quotes = {q.text for q in old.quotes}
    assert changes.new_quotes and not {t for _, t in changes.new_quotes} & old_quotes
    assert [set(g.members) for g in changes.copies] == [set(g.members)
                                                       for g in new.duplicate_groups]
    text = changes.to_markdown()
    assert "## New names" in text and "## New dates" in text and "## Copies" in text
    same = brief_changes("e1", new, new, 2, 3)
    assert not same.changed and "No change" in same.to_markdown()
    assert not any(v for k, v in same.to_dict().items()
                   if k not in ("event_id", "old_version", "new_version", "changed"))


def test_brief_changes_of_a_syndicated_copy_are_not_new_facts(seed_documents):
    """A copy of a stored article under another outlet tells nothing new: sentences it
    brings into the summary were reported before, and the copy group shows both outlets."""
    from newsbrief.models import Document
    from newsbrief.pipeline import brief_documents
    from newsbrief.store import brief_changes

    source = seed_documents[2]
    copy = Document(source.article.with_(id="copy-1", outlet="Harbour Times"),
                    source.text, tuple(s.__class__(
                        "copy-1", s.index, s.text, s.start, s.end, s.paragraph)
                        for s in source.sentences))
    old = brief_documents(seed_documents)
    new = brief_documents([*seed_documents, copy])
    changes = brief_changes("e1", old, new, 1, 2)
    assert changes.new_articles == ("copy-1",) and changes.new_outlets == ("Harbour Times",)
    assert set(changes.earlier_facts) == set(changes.new_facts)
    assert "## New facts" not in changes.to_markdown()
    grown = [g for g in changes.copies if "copy-1" in g.members]
    assert grown and source.id in grown[0].members
    assert {source.article.outlet, "Harbour Times"} <= set(grown[0].outlets)


def test_brief_changes_markdown_keeps_article_text_literal():
    """Sentences, names and outlets come from articles: in ``--changes`` Markdown a link, an
    image or HTML in them stays text (the brief's own Markdown escapes them the same way)."""
    from newsbrief.models import ArticleRef, Brief, BriefSentence
    from newsbrief.store import brief_changes

    hostile = "Read [this](javascript:alert(1)) <script>x()</script> *now*"
    old = Brief(articles=(ArticleRef("a", "a"),), headline=(), summary=())
    new = Brief(articles=(ArticleRef("a", "a"), ArticleRef("b", "b", outlet="<b>Wire</b>")),
                headline=(BriefSentence(hostile, ("b",)),),
                summary=(BriefSentence(hostile, ("b",)),))
    text = brief_changes("e1", old, new, 1, 2).to_markdown()
    assert "<script>" not in text and "<b>" not in text and "[this]" not in text
    assert r"\[this\](javascript" in text and r"\*now\*" in text


def test_a_refresh_that_changes_nothing_adds_no_version(store, seed_articles):
    """The feed watcher refreshes the events a round touched by id: a brief rebuilt from the
    same articles is the same brief, and must not become a version whose --changes is empty
    (hiding what the previous refresh changed)."""
    store.add_articles(seed_articles[:3])
    event_id = store.list_events()[0][0].id
    store.add_articles(seed_articles[3:])
    before = store.brief_changes(event_id)
    assert store.refresh_briefs([event_id]) == 1
    assert [v for v, _, _ in store.brief_versions(event_id)] == [1, 2]
    assert store.brief_changes(event_id) == before and before.changed
    assert store.counts()["stale_briefs"] == 0


def test_brief_changes_name_articles_that_left_the_event(seed_documents, seed_articles,
                                                        tmp_path: Path):
    """The clusterer may move a recent article to another event: the next version no longer
    has it, and --changes says so. An article only left out of a long story's brief (its
    first and latest articles) is still in the event, and is not named."""
    from newsbrief.pipeline import brief_documents
    from newsbrief.store import brief_changes

    old = brief_documents(seed_documents, FAST)
    new = brief_documents(seed_documents[:-1], FAST)
    moved = seed_documents[-1].id
    changes = brief_changes("e1", old, new, 1, 2)
    assert changes.removed_articles == (moved,) and changes.new_articles == ()
    assert changes.changed and f"moved to another event: {moved}".replace("_", r"\_") in (
        changes.to_markdown())
    members = {d.id: d.article.outlet for d in seed_documents}
    assert brief_changes("e1", old, new, 1, 2, members).removed_articles == ()

    # Briefs of at most 4 articles: the first and the latest 3. The World Bulletin article
    # (second to arrive) is left out of both versions' briefs, but its outlet is not new
    # when a copy of it from the same outlet arrives.
    first, bulletin, *rest, wire = sorted(seed_articles, key=lambda a: a.id)[1:] + [
        seed_articles[0]]
    copy = bulletin.with_(id="bulletin-copy", url=None,
                          text=bulletin.text + "\nReporting by the wire.")
    with Store(tmp_path / "window.db", config=FAST, brief_articles=4) as store:
        store.add_articles([first, bulletin, *rest, wire])
        event_id = store.get_article(first.id).event_id
        store.add_articles([copy])
        assert store.get_article(copy.id).event_id == event_id
        assert store.get_event(event_id).article_count == 6
        old_brief, new_brief = (b for _, _, b in store.brief_versions(event_id)[-2:])
        assert bulletin.id not in {a.id for a in (*old_brief.articles, *new_brief.articles)}
        changes = store.brief_changes(event_id)
        assert changes.new_articles == (copy.id,)
        assert changes.removed_articles == () and changes.new_outlets == ()


def test_an_event_whose_brief_has_no_headline_is_listed_by_its_opening(tmp_path):
    """A dev-set article of one shouted line and no title: the default summarizer takes
    nothing from it as prose, and the event was listed with an empty headline."""
    with Store(tmp_path / "news.db", config=BriefConfig(analyze=False)) as store:
        store.add_articles([Article("k", "", "I TOLD YOU KAZAAM WAS A DIFFERENT MOVIE!")])
        (event,), _ = store.list_events()
        assert store.get_brief(event.id).headline_text == ""
    assert event.headline == "I TOLD YOU KAZAAM WAS A DIFFERENT MOVIE!"


def test_brief_changes_say_when_newer_articles_wait_and_how_the_headline_read(tmp_path,
                                                                              seed_articles):
    """--changes on an event ingested further with --refresh none compared the two stored
    versions as if they were all there was; "The headline changed." did not say to what."""
    with Store(tmp_path / "news.db", config=FAST) as store:
        store.add_articles(seed_articles[:1])
        store.add_articles(seed_articles[1:3])
        (event,), _ = store.list_events()
        settled = store.brief_changes(event.id)
        assert not settled.stale and "has changed since" not in settled.to_markdown()
        store.add_articles(seed_articles[3:], refresh="none")
        waiting = store.brief_changes(event.id)
        assert waiting.stale and waiting.to_dict()["stale"] is True
        assert (f"The event has changed since version {waiting.new_version}"
                in waiting.to_markdown())
        assert waiting.new_version == settled.new_version


def test_a_changed_headline_is_shown_as_it_was_and_is(seed_documents):
    from newsbrief.pipeline import brief_documents
    from newsbrief.render.markdown import md_escape
    from newsbrief.store import brief_changes

    old = brief_documents(seed_documents[2:3], FAST)
    new = brief_documents(seed_documents, FAST)
    assert old.headline_text != new.headline_text
    changes = brief_changes("e1", old, new, 1, 2)
    assert (changes.old_headline, changes.new_headline) == (old.headline_text,
                                                            new.headline_text)
    assert f"was “{md_escape(old.headline_text)}”, now “{md_escape(new.headline_text)}”" in (
        changes.to_markdown())


# ------------------------------------------------------------------ syndicated copies
def test_the_rule_for_same_content_asks_for_an_outlet_not_yet_stored():
    from newsbrief.store.urls import SAME_CONTENT, SAME_URL, already_stored, outlet_key

    assert outlet_key("  Associated\tPress ") == outlet_key("associated press") == "associated press"
    assert outlet_key("   ") is None and outlet_key(None) is None
    assert already_stored("AP", [], False) is None  # new text, new URL
    assert already_stored("AP", [], True) == SAME_URL
    assert already_stored("Reuters", ["AP", "BBC"], False) is None  # another outlet: stored
    assert already_stored("Reuters", ["AP"], True) == SAME_URL  # ... but not at a stored URL
    assert already_stored(" ap ", ["AP"], False) == SAME_CONTENT  # the same outlet
    assert already_stored(None, ["AP"], False) == SAME_CONTENT  # unknown: not provable
    assert already_stored("Reuters", ["AP", None], False) is None  # an unknown one hides none
    assert already_stored("Reuters", [None], False) is None
    assert already_stored("reuters", ["AP", None, "Reuters"], False) == SAME_CONTENT
    assert already_stored("", ["AP"], False) == SAME_CONTENT


def test_word_for_word_copy_from_another_outlet_joins_the_story(store, seed_articles):
    """Wire copy printed word for word by another outlet under its own URL is stored as a copy
    of the original (it used to be skipped as "same content"): the event counts the outlet,
    the brief's copy group names both outlets. The same text from the same outlet (however
    spelled), from an unknown outlet, or at a stored URL stays skipped; re-ingest is a no-op.
    A named outlet's copy of an article stored with no outlet is stored too."""
    store.add_articles(seed_articles)
    original = seed_articles[2]  # World Bulletin's report, an original
    event_id = store.get_article(original.id).event_id
    before = store.get_event(event_id)
    wire = original.with_(id="wire-copy", outlet="Wire Service",
                          url="https://wire.example/2017/11/envoy", title="Envoy to Pyongyang")
    report = store.add_articles([wire])
    assert report.added == [("wire-copy", event_id)] and not report.skipped
    assert report.duplicates == [("wire-copy", original.id)]
    stored = store.get_article("wire-copy")
    assert stored.duplicate_of == original.id and stored.content_hash == content_hash(original)
    after = store.get_event(event_id)
    assert (after.article_count, after.outlet_count) == (before.article_count + 1,
                                                         before.outlet_count + 1)
    # A copy has no LSH bands of its own (later copies are found through the original).
    assert not store.conn.execute(
        "SELECT 1 FROM lsh_keys k JOIN articles a ON a.seq = k.seq WHERE a.id = 'wire-copy'"
    ).fetchone()
    brief = store.get_brief(event_id)
    group, = [g for g in brief.duplicate_groups if "wire-copy" in g.members]
    assert set(group.members) == {original.id, "wire-copy"}
    assert "carried by 2 outlets (World Bulletin, Wire Service)" in brief.to_markdown()

    counts = store.counts()
    repeats = [
        original.with_(id="same-outlet", outlet="  WORLD   bulletin", url="https://wb.example/b"),
        original.with_(id="no-outlet", outlet=None, url="https://unknown.example/c"),
        seed_articles[0].with_(id="same-url", outlet="Third Outlet", url=wire.url),
    ]
    report = store.add_articles(repeats)
    assert not report.added
    assert report.skipped == [("same-outlet", "already stored (same content)"),
                              ("no-outlet", "already stored (same content)"),
                              ("same-url", "already stored (same URL)")]
    again = store.add_articles([*seed_articles, wire])
    assert not again.added and len(again.skipped) == 6
    assert store.counts() == counts

    unnamed = seed_articles[4]
    assert unnamed.outlet is None
    copy = unnamed.with_(id="named-copy", outlet="Wire Service", url="https://wire.example/other")
    report = store.add_articles([copy])
    assert report.duplicates == [("named-copy", unnamed.id)]
    assert store.get_article("named-copy").event_id == store.get_article(unnamed.id).event_id
    assert store.has_content(content_hash(original))  # no outlet named: any stored copy
    assert store.has_content(content_hash(original), "wire service")
    assert not store.has_content(content_hash(original), "A Third Outlet")


def test_one_text_from_several_outlets_in_one_call(tmp_path: Path, eval_dir: Path):
    """The rule holds between the articles of one call, also across pipelined batches that
    are checked before the earlier ones are written: every other outlet's copy is stored and
    linked to the first, the same outlet's repeat is skipped."""
    dev = read_paths([eval_dir / "clustering-dev.jsonl"]).articles[:8]
    story = dev[0].with_(outlet="AP", url="https://ap.example/story",
                         published="2017-11-16T10:00:00Z")
    stream = [story, *dev[1:5],
              story.with_(id="reuters", outlet="Reuters", url="https://reuters.example/s"),
              story.with_(id="ap-again", outlet="ap", url="https://ap.example/story-2"),
              *dev[5:],
              story.with_(id="bbc", outlet="BBC", url="https://bbc.example/s", published=None)]
    with Store(tmp_path / "p.db", config=FAST, workers=2, batch_size=3) as s:
        report = s.add_articles(stream, refresh="end")
        assert report.skipped == [("ap-again", "already stored (same content)")]
        assert sorted(c for c, o in report.duplicates if o == story.id) == ["bbc", "reuters"]
        event = s.get_article(story.id).event_id
        assert {s.get_article(a).event_id for a in ("reuters", "bbc")} == {event}
        summary = s.get_event(event)
        assert summary.outlet_count == 3
        groups = [g for g in s.get_brief(event).duplicate_groups if story.id in g.members]
        assert [set(g.members) for g in groups] == [{story.id, "reuters", "bbc"}]
        assert "carried by 3 outlets (AP, Reuters, BBC)" in s.get_brief(event).to_markdown()


@pytest.mark.parametrize("unnamed_first", [True, False])
def test_outlets_counted_for_one_text_do_not_depend_on_arrival_order(
        tmp_path: Path, eval_dir: Path, unnamed_first: bool):
    """A copy with no outlet that arrives first does not keep the named outlets' copies out
    (it used to: an unknown outlet could be any of them)."""
    story = read_paths([eval_dir / "clustering-dev.jsonl"]).articles[0]
    unnamed = story.with_(id="unnamed", outlet=None, url="https://mirror.example/s")
    named = [story.with_(id="ap", outlet="AP", url="https://ap.example/s"),
             story.with_(id="reuters", outlet="Reuters", url="https://reuters.example/s")]
    stream = [unnamed, *named] if unnamed_first else [*named, unnamed]
    with Store(tmp_path / "o.db", config=FAST) as s:
        report = s.add_articles(stream, refresh="none")
        assert {a for a, _ in report.added} >= {"ap", "reuters"}
        assert [a for a, _ in report.skipped] == ([] if unnamed_first else ["unnamed"])
        event = s.get_event(s.get_article("ap").event_id)
        assert event.outlet_count == 2
        assert event.article_count == (3 if unnamed_first else 2)


def test_migration_9_drops_the_unique_content_hash_and_keeps_everything_else(
        tmp_path: Path, seed_articles):
    """A schema-8 database with data: its articles are rebuilt without the UNIQUE on the
    content hash (a plain index instead); every row, index, view and other table is kept."""
    path = tmp_path / "v8.db"
    with Store(path, config=FAST, migrate_to=8) as s:
        s.add_articles(seed_articles)
        with pytest.raises(sqlite3.IntegrityError):  # what the UNIQUE did
            s.conn.execute("INSERT INTO articles (id, title, content_hash, added_at, text) "
                           "SELECT 'x', title, content_hash, added_at, text FROM articles LIMIT 1")

    def schema() -> dict[str, tuple[str, str, str | None]]:
        conn = sqlite3.connect(path)
        try:
            return {name: (kind, table, sql) for kind, name, table, sql in conn.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master")}
        finally:
            conn.close()

    def rows() -> list[tuple]:
        conn = sqlite3.connect(path)
        try:
            return [conn.execute(f"SELECT * FROM {t}").fetchall() for t in
                    ("articles", "sentences", "lsh_bands", "minhashes", "events", "open_articles")]
        finally:
            conn.close()

    old_schema, old_rows = schema(), rows()
    with Store(path, config=FAST) as s:
        assert 9 in {v for (v,) in s.conn.execute("SELECT version FROM schema_migrations")}
        event_id = s.get_article(seed_articles[2].id).event_id
        copy = seed_articles[2].with_(id="wire-copy", outlet="Wire Service",
                                      url="https://wire.example/envoy")
        assert s.add_articles([copy]).added == [("wire-copy", event_id)]
        assert s.get_event(event_id).outlet_count == 4
    new_schema = schema()
    # The table (its content_hash no longer UNIQUE) and the UNIQUE's index gone; every other
    # index, view and table as it was. Added on articles: a plain index (the migrations of
    # other blocks, applied in the same open, add tables of their own).
    changed = {n for n in old_schema if old_schema[n] != new_schema.get(n)}
    assert changed == {"articles", "sqlite_autoindex_articles_2"}
    assert {n for n in new_schema.keys() - old_schema.keys()
            if new_schema[n][1] == "articles"} == {"articles_content_hash"}
    assert "content_hash   TEXT    NOT NULL," in new_schema["articles"][2]
    assert new_schema["articles_content_hash"][2] == (
        "CREATE INDEX articles_content_hash ON articles(content_hash)")
    migrated = rows()
    assert [r for r in migrated[0] if r[1] != "wire-copy"] == old_rows[0]
    # The views read the new table: the copy's sentences, and no LSH bands for it.
    sentences, bands, signatures, events, open_rows = old_rows[1:]
    assert set(sentences) < set(migrated[1]) and set(signatures) < set(migrated[3])
    assert sorted(migrated[2]) == sorted(bands)
    assert len(migrated[4]) == len(events) and sorted(migrated[5]) == sorted(open_rows)


def test_a_database_clustered_before_its_floor_was_kept_has_the_default_of_then(
    tmp_path: Path, seed_articles
):
    """A database that clustered articles before the store kept its similarity floor was
    clustered with 0.03: later runs use that, and refuse another; a database that has
    clustered nothing takes what it is given."""
    from newsbrief.cluster import ClusterConfig

    path = tmp_path / "older.db"
    with Store(path, config=FAST) as s:
        s.add_articles(seed_articles, refresh="none")
    with sqlite3.connect(path) as conn:
        assert conn.execute("DELETE FROM meta WHERE key = 'min_similarity'").rowcount == 1
    with Store(path, config=FAST) as s:
        assert s.cluster_config.min_similarity == 0.03
    with pytest.raises(InputError, match=r"older\.db: this database clusters with a minimum "
                                         r"similarity of 0\.03; 0\.1 would"):
        Store(path, config=FAST, cluster_config=ClusterConfig(min_similarity=0.1))
    with Store(tmp_path / "new.db", config=FAST,
               cluster_config=ClusterConfig(min_similarity=0.1)) as s:
        assert s.cluster_config.min_similarity == 0.1


def test_a_web_archives_notice_is_reported_as_such_and_not_stored(store, eval_dir, seed_articles):
    notice = next(json.loads(line) for line in (eval_dir / "clustering-dev.jsonl").open()
                  if json.loads(line)["text"].startswith("These crawls are part of"))
    report = store.add_articles([Article(notice["id"], "", notice["text"]), seed_articles[2]])
    reason = "no text left after cleaning (a web archive's notice, not the article)"
    assert [p.reason for p in report.problems] == [f"article {notice['id']}: {reason}"]
    assert [a for a, _ in report.added] == [seed_articles[2].id]
