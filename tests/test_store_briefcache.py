"""The entity model's output kept in the store (newsbrief.store.briefcache): same briefs,
fewer texts read by the model, across refreshes of a growing event and reopened stores."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest

from newsbrief.analyze import nlp, worker
from newsbrief.config import BriefConfig
from newsbrief.ingest import read_paths
from newsbrief.pipeline import brief_documents, prepare_articles
from newsbrief.store import Store
from newsbrief.store.briefcache import (
    brief_reusing,
    entry_key,
    known_rows,
    memo_from,
    new_rows,
    pack,
    unpack,
)

pytestmark = pytest.mark.skipif(not nlp.ner_available(), reason="needs the spaCy model")

# The model in this process, so that every text it reads is counted here.
HERE = BriefConfig(ner_process=False)


@pytest.fixture(scope="module")
def dev(eval_dir: Path):
    return read_paths([eval_dir / "clustering-dev.jsonl"]).articles[:200]


def _gather(store: Store, count: int) -> str:
    """The first ``count`` stored articles put in one event (as bench_refresh.py does),
    marked stale; returns its id."""
    ids = [r[0] for r in store.conn.execute("SELECT id FROM articles ORDER BY seq")]
    event = store.conn.execute("SELECT event_id FROM articles WHERE id = ?",
                               (ids[0],)).fetchone()[0]
    with store.conn:
        store.conn.executemany("UPDATE articles SET event_id = ? WHERE id = ?",
                               [(event, a) for a in ids[:count]])
        store.conn.execute("UPDATE events SET brief_stale = 1 WHERE id = ?", (event,))
    return event


def _latest(store: Store, event: str) -> str:
    """The JSON of the event's latest brief, as stored (compressed)."""
    return zlib.decompress(store.conn.execute(
        "SELECT brief FROM briefs WHERE event_id = ? ORDER BY version DESC LIMIT 1",
        (event,)).fetchone()[0]).decode("utf-8")


def _uncached(store: Store, event: str, config: BriefConfig) -> tuple[str, list[str]]:
    """The brief made without stored model output (the refresh before this cache), and the
    texts the model reads for it."""
    documents = _documents(store, event)
    texts = list(nlp.plan(documents, config.ner_words).texts)
    return json.dumps(brief_documents(documents, config).to_dict()), texts


def _documents(store: Store, event: str):
    from newsbrief.store.store import _documents as documents

    return documents(store._brief_input(event)[0])


def test_stored_entries_round_trip_and_damaged_or_foreign_ones_are_refused(seeds_dir: Path):
    documents = prepare_articles(read_paths([seeds_dir]).articles)
    texts = [d.text for d in documents] + list(nlp.plan(documents, 400).texts)
    model = nlp.model_identity()
    assert model
    for text, parsed in zip(texts, nlp.parse_texts(texts)):
        key, check = entry_key(model, text)
        data = pack(text, parsed, check)
        assert data is not None and unpack(text, data, check) == parsed
        assert len(data) < 8 * len(text.split()) + 64  # compact: a few bytes per word
        damaged = bytearray(data)
        damaged[len(data) // 2] ^= 0x5A
        assert unpack(text, bytes(damaged), check) is None
        assert unpack(text, data[:-3], check) is None
        # Another model, or another text: another key and check, never this entry.
        other_key, other_check = entry_key(model + " other", text)
        assert other_key != key and unpack(text, data, other_check) is None
    # An entry whose offsets do not fit the text it is read for is refused too.
    first, parsed = texts[0], nlp.parse_texts([texts[0]])[0]
    check = entry_key(model, first)[1]
    assert unpack(first[: len(first) // 2], pack(first, parsed, check), check) is None


def test_a_memo_of_another_model_is_ignored_and_the_model_reads_everything(seeds_dir: Path):
    documents = prepare_articles(read_paths([seeds_dir]).articles)
    plain = nlp.annotate(documents)
    # Entries that would change the result if trusted: every text with no tokens at all.
    texts = list(nlp.plan(documents, None).texts)
    foreign = nlp.ParseMemo("some other model 1.0", {t: ((), ()) for t in texts})
    before = nlp.texts_parsed
    assert nlp.annotate(documents, memo=foreign) == plain
    assert nlp.texts_parsed - before == len(texts) and not foreign.added


@pytest.mark.slow
def test_a_growing_event_is_briefed_the_same_and_the_model_reads_only_new_texts(
        tmp_path: Path, dev):
    """50 -> 60 -> 200 articles (bench_refresh.py's sizes), then a reopened store: each
    refresh's brief is byte for byte the brief made without stored output, and the model
    reads only the texts no earlier refresh read."""
    path = tmp_path / "grow.db"
    read_before: set[str] = set()
    with Store(path, config=HERE) as store:
        store.add_articles(dev, refresh="none")
        for count in (50, 60, 200):
            event = _gather(store, count)
            expected, texts = _uncached(store, event, HERE)
            parsed = nlp.texts_parsed
            assert store.refresh_briefs([event]) == 1
            assert _latest(store, event) == expected
            assert nlp.texts_parsed - parsed == len(set(texts) - read_before)
            if count == 60:  # most of a grown event's sample was read before
                assert len(set(texts) - read_before) < len(set(texts)) / 2
            read_before |= set(texts)
        stored_texts = store.conn.execute("SELECT COUNT(*) FROM parsed_texts").fetchone()[0]
        assert stored_texts == len(read_before)
    with Store(path, config=HERE) as store:  # another process, after a restart
        with store.conn:
            store.conn.execute("UPDATE events SET brief_stale = 1 WHERE id = ?", (event,))
        parsed = nlp.texts_parsed
        assert store.refresh_briefs([event]) == 1
        assert nlp.texts_parsed == parsed
        assert _latest(store, event) == expected


def test_small_events_keep_whole_texts_and_the_ner_worker_reads_only_new_ones(
        tmp_path: Path, seeds_dir: Path, dev):
    """Within ``ner_words`` the model reads whole articles, here in the NER worker process
    (the default): a refresh after a restart sends it nothing, a grown event only the new
    article; the seeds' brief is the one made without stored output."""
    config = BriefConfig()  # ner_process=True
    path = tmp_path / "seeds.db"
    with Store(path, config=config) as store:
        store.add_articles(read_paths([seeds_dir]).articles, refresh="none")
        event = store.conn.execute("SELECT event_id FROM articles ORDER BY seq").fetchone()[0]
        store.add_articles(dev[:1], refresh="none")
        assert store.get_article(dev[0].id).event_id != event
        articles = store.conn.execute("SELECT COUNT(*) FROM articles WHERE event_id = ?",
                                      (event,)).fetchone()[0]
        with store.conn:  # the seeds' event, stale; the dev article kept apart for later
            store.conn.execute("UPDATE events SET brief_stale = 1 WHERE id = ?", (event,))
        expected, texts = _uncached(store, event, HERE)
        sent = worker.texts_submitted
        store.refresh_briefs([event])
        assert _latest(store, event) == expected
        assert worker.texts_submitted - sent == len(set(texts)) == articles
    with Store(path, config=config) as store:
        with store.conn:
            store.conn.execute("UPDATE events SET brief_stale = 1 WHERE id = ?", (event,))
        sent, parsed = worker.texts_submitted, nlp.texts_parsed
        store.refresh_briefs([event])
        assert (worker.texts_submitted, nlp.texts_parsed) == (sent, parsed)
        assert _latest(store, event) == expected
        with store.conn:  # one more article joins the event
            store.conn.execute("UPDATE articles SET event_id = ? WHERE event_id != ?",
                               (event, event))
            store.conn.execute("UPDATE events SET brief_stale = 1 WHERE id = ?", (event,))
        read_before = set(texts)
        expected, texts = _uncached(store, event, HERE)
        sent = worker.texts_submitted
        store.refresh_briefs([event])
        assert worker.texts_submitted - sent == len(set(texts) - read_before) >= 1
        assert _latest(store, event) == expected


def test_a_damaged_stored_entry_is_read_again_and_replaced(tmp_path: Path, seeds_dir: Path):
    with Store(tmp_path / "damaged.db", config=HERE) as store:
        store.add_articles(read_paths([seeds_dir]).articles)
        event = store.conn.execute("SELECT event_id FROM articles").fetchone()[0]
        expected = _latest(store, event)
        text = nlp.plan(_documents(store, event), HERE.ner_words).texts[0]
        key = entry_key(nlp.model_identity(), text)[0]
        data = store.conn.execute("SELECT data FROM parsed_texts WHERE key = ?",
                                  (key,)).fetchone()[0]
        with store.conn:
            store.conn.execute("UPDATE parsed_texts SET data = ? WHERE key = ?",
                               (data[:10] + bytes(len(data) - 10), key))
            store.conn.execute("UPDATE events SET brief_stale = 1 WHERE id = ?", (event,))
        parsed = nlp.texts_parsed
        store.refresh_briefs([event])
        assert nlp.texts_parsed - parsed == 1
        assert _latest(store, event) == expected
        assert store.conn.execute("SELECT data FROM parsed_texts WHERE key = ?",
                                  (key,)).fetchone()[0] == data


def test_a_worker_brief_takes_stored_entries_and_returns_only_new_ones(tmp_path: Path, dev):
    """What the store's worker processes run (brief_reusing): the entries passed in are
    not read again, and only the rest come back to be stored."""
    config = HERE.with_(ner_words=1500)
    documents = prepare_articles(dev[:12])
    model = nlp.model_identity()
    texts = list(dict.fromkeys(nlp.plan(documents, config.ner_words).texts))
    _, rows = brief_reusing(documents[:8], config, model, {})
    assert len(rows) == len(set(nlp.plan(documents[:8], config.ner_words).texts))
    memo = memo_from(model, {})
    memo.added.update(zip(texts[:5], nlp.parse_texts(texts[:5])))
    known = {text: data for text, (_, data) in zip(texts[:5], new_rows(memo))}
    parsed = nlp.texts_parsed
    brief, rows = brief_reusing(documents, config, model, known)
    assert nlp.texts_parsed - parsed == len(texts) - 5 == len(rows)
    assert {key for key, _ in rows} == {entry_key(model, t)[0] for t in texts[5:]}
    assert json.dumps(brief.to_dict()) == json.dumps(brief_documents(documents, config).to_dict())
    with Store(tmp_path / "empty.db", config=config) as store:  # nothing stored yet
        assert known_rows(store.conn, documents, config) == (model, {})


def test_briefs_made_in_worker_processes_store_their_model_output(tmp_path: Path, dev):
    config = BriefConfig(ner_words=1500)
    with Store(tmp_path / "pool.db", config=config, workers=2) as store:
        store.add_articles(dev[:40], refresh="none")
        events = [r[0] for r in store.conn.execute(
            "SELECT id FROM events WHERE brief_stale = 1 AND article_count > 1 ORDER BY seq")]
        assert len(events) >= 2
        expected = {e: _uncached(store, e, config.with_(ner_process=False)) for e in events}
        assert store.refresh_briefs(events) == len(events)
        texts = {t for _, read in expected.values() for t in read}
        assert store.conn.execute("SELECT COUNT(*) FROM parsed_texts").fetchone()[0] == \
            len(texts)
        for event, (brief, read) in expected.items():
            assert _latest(store, event) == brief
            _, rows = known_rows(store.conn, _documents(store, event), config)
            assert set(rows) == set(read)


@pytest.mark.parametrize("garbage", ["garbage", 5, 2.5])
def test_a_stored_entry_that_is_not_a_blob_is_read_again_and_replaced(
        tmp_path: Path, seeds_dir: Path, garbage):
    """A row changed to text or a number (``UPDATE parsed_texts SET data = 'garbage'``) is
    refused like a damaged blob: the brief is made, the same, and the entry rewritten."""
    with Store(tmp_path / "garbage.db", config=HERE) as store:
        store.add_articles(read_paths([seeds_dir]).articles)
        event = store.conn.execute("SELECT event_id FROM articles").fetchone()[0]
        expected = _latest(store, event)
        rows = store.conn.execute("SELECT COUNT(*) FROM parsed_texts").fetchone()[0]
        assert rows >= 1
        with store.conn:
            store.conn.execute("UPDATE parsed_texts SET data = ?", (garbage,))
            store.conn.execute("UPDATE events SET brief_stale = 1 WHERE id = ?", (event,))
        assert store.refresh_briefs([event]) == 1
        assert _latest(store, event) == expected
        assert store.conn.execute("SELECT COUNT(*) FROM parsed_texts WHERE typeof(data) = "
                                  "'blob'").fetchone()[0] == rows
