"""Importing precomputed events (a Spark run's) into the store: the clusterer state it builds.

The events are made here from the seeds, cleaned by the pipeline as the Spark job cleans them
(:func:`newsbrief.pipeline.prepare_articles`), so no Spark run is needed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from newsbrief.cluster import parse_day
from newsbrief.config import BriefConfig
from newsbrief.ingest import read_paths
from newsbrief.models import Article
from newsbrief.pipeline import brief_documents, prepare_articles
from newsbrief.store import Store
from newsbrief.store.imports import ImportedEvent

FAST = BriefConfig(analyze=False, method="lead")
ORIGINAL, COPY = "000_63619180b1ce8ac3", "001_b92210f6684e49f3"  # the seeds' AFP wire copy
# The copy runs two days after everything else, within the clusterer's 30-day gap.
TIMES = {
    ORIGINAL: "2017-11-16T08:00:00",
    COPY: "2017-11-20T08:00:00",
    "002_9d4c901f501e9c8d": "2017-11-17T08:00:00",
    "003_955b4ad72e2eeda8": "2017-11-16T20:00:00",
    "004_0ab014dd270447af": "2017-11-18T08:00:00",
}


@pytest.fixture(scope="module")
def dated_seeds(seeds_dir: Path) -> list[Article]:
    articles = [a.with_(published=TIMES[a.id]) for a in read_paths([seeds_dir]).articles]
    assert [a.id for a in articles] == list(TIMES)
    return articles


def _span(store: Store, event_id: str) -> tuple[float | None, float | None]:
    return store.conn.execute("SELECT first_day, last_day FROM events WHERE id = ?",
                              (event_id,)).fetchone()


def test_an_imported_events_span_leaves_out_copies_as_ingest_does(tmp_path: Path, dated_seeds):
    with Store(tmp_path / "ingested.db", config=FAST) as store:
        report = store.add_articles(dated_seeds, refresh="none")
        assert report.duplicates == [(COPY, ORIGINAL)]
        (native,) = {event for _, event in report.added}
        ingested = _span(store, native)
    # Ingest clusters the copy's original, not the copy (it joins unclustered).
    assert ingested == (parse_day(TIMES[ORIGINAL]), parse_day(TIMES["004_0ab014dd270447af"]))

    documents = tuple(prepare_articles(dated_seeds))
    assert [d.article.id for d in documents] == list(TIMES)
    with Store(tmp_path / "imported.db", config=FAST) as store:
        report = store.import_events([ImportedEvent("ev-seeds", documents, {COPY: ORIGINAL})])
        assert report.events_created == {"ev-seeds"} and len(report.added) == 5
        assert store.get_article(COPY).duplicate_of == ORIGINAL
        assert _span(store, "ev-seeds") == ingested
        # The listed times are every article's, the copy's included.
        event = store.get_event("ev-seeds")
        assert (event.first_published, event.last_published) == (TIMES[ORIGINAL], TIMES[COPY])

    # A run that clustered copies as articles may put one in another event than its original
    # (ingest never does): there it is that event's own member and gives its span.
    apart = [ImportedEvent("ev-b", (documents[1],), {COPY: ORIGINAL}),
             ImportedEvent("ev-a", documents[:1] + documents[2:])]
    with Store(tmp_path / "apart.db", config=FAST) as store:
        store.import_events(apart)
        assert store.get_article(COPY).duplicate_of == ORIGINAL
        assert _span(store, "ev-b") == (parse_day(TIMES[COPY]),) * 2
        assert _span(store, "ev-a") == ingested


def _consistent(store: Store) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from test_store_invariants import check_clusterer_cache, check_store

    problems = check_store(store.conn, store.cluster_config, imported=True)
    problems += check_clusterer_cache(store)
    assert not problems, "\n".join(problems)


def _members_of(store: Store, event_id: str) -> list[str]:
    return [a.article.id for a in store.event_articles(event_id)]


def test_a_later_overlapping_run_adds_its_new_articles_to_the_stored_event(tmp_path: Path,
                                                                         dated_seeds):
    """A second run names its event after the same first article and holds one article
    more: the import skipped the whole event, so that article never reached the store."""
    documents = tuple(prepare_articles(dated_seeds))
    last = documents[4].article.id
    with Store(tmp_path / "twice.db", config=FAST) as store:
        first = store.import_events([ImportedEvent(
            "ev-seeds", documents[:4], {COPY: ORIGINAL}, brief_documents(documents[:4], FAST))])
        assert len(first.added) == 4
        report = store.import_events([ImportedEvent("ev-seeds", documents, {COPY: ORIGINAL})])
        assert report.skipped == [("ev-seeds", "event already stored")]
        assert report.added == [(last, "ev-seeds")] and not report.problems
        assert report.events_updated == {"ev-seeds"} and not report.events_created
        assert _members_of(store, "ev-seeds") == [d.article.id for d in documents]
        # Nothing twice, the copy link kept, the brief rebuilt over all five articles.
        assert store.counts()["articles"] == 5 and store.counts()["duplicates"] == 1
        assert store.get_article(COPY).duplicate_of == ORIGINAL
        assert report.briefs_refreshed == 1
        versions = store.brief_versions("ev-seeds")
        assert [len(brief.articles) for _, _, brief in versions] == [4, 5]
        _consistent(store)
        before = store.counts()
        again = store.import_events([ImportedEvent("ev-seeds", documents, {COPY: ORIGINAL})])
        assert not again.added and not again.problems and store.counts() == before


def test_an_imported_event_joins_the_stored_event_of_its_ingested_articles(tmp_path: Path,
                                                                         dated_seeds):
    """Ingest some articles, then import a run that holds them and more: the run's other
    articles made a second event beside the one ingest had made for the same story."""
    documents = tuple(prepare_articles(dated_seeds))
    ingested = [a for a in dated_seeds if a.id in (COPY, "002_9d4c901f501e9c8d")]
    with Store(tmp_path / "joined.db", config=FAST) as store:
        (home,) = {event for _, event in store.add_articles(ingested, refresh="none").added}
        report = store.import_events([ImportedEvent("ev-run", documents, {COPY: ORIGINAL})])
        new = [d.article.id for d in documents if d.article.id not in {a.id for a in ingested}]
        assert report.added == [(article, home) for article in new]
        assert report.merged == [("ev-run", home)] and not report.events_created
        assert sorted(_members_of(store, home)) == sorted(TIMES)
        assert store.counts()["events"] == 1 and store.counts()["stale_briefs"] == 0
        # The imported id leads to the stored event, as a merged event's id does.
        assert store.get_event("ev-run").id == home
        # The copy was stored first: the run's original is now its group's copy, and only
        # the first stored has LSH bands.
        assert report.duplicates == [(ORIGINAL, COPY)]
        assert store.get_article(ORIGINAL).duplicate_of == COPY
        _consistent(store)
        before = store.counts()
        again = store.import_events([ImportedEvent("ev-run", documents, {COPY: ORIGINAL})])
        assert not again.added and store.counts() == before
        # A copy ingested now links to the group's first stored article.
        late = dated_seeds[0].with_(id="late-copy", url=None,
                                    text=dated_seeds[0].text + "\nReporting by the wire.")
        assert store.add_articles([late], refresh="none").duplicates == [("late-copy", COPY)]
        _consistent(store)


# ---------------------------------------------------------------------------- audit: kills,
# renamed ids, split votes. A "run" here decides events by the dev set's labels (as a run
# that found them), each briefed over its articles in input order as the Spark job does.

def run_events(eval_dir: Path, count: int = 60) -> tuple[list[Article], list[ImportedEvent]]:
    """The first ``count`` articles of the dev set and a run's events over them."""
    from newsbrief.cluster_eval import read_cluster_file

    articles, labels, _ = read_cluster_file(str(eval_dir / "clustering-dev.jsonl"))
    articles = list(articles[:count])
    groups: dict[str, list[Article]] = {}
    for article in articles:
        groups.setdefault(labels[article.id], []).append(article)
    events = []
    for members in groups.values():
        documents = tuple(prepare_articles(members))
        events.append(ImportedEvent(f"ev-{members[0].id}", documents, {},
                                    brief_documents(documents, FAST)))
    return articles, events


@pytest.fixture(scope="module")
def dev_run(eval_dir: Path) -> tuple[list[Article], list[ImportedEvent]]:
    return run_events(eval_dir)


def _state(store: Store, clusterer: bool = False) -> dict[str, list]:
    """What a user can see of the store: articles and their events and links, events, LSH
    bands, brief versions and whether they are stale; with ``clusterer``, also what later
    ingests decide by (each event's state and postings, document frequencies, counters)."""
    conn = store.conn
    extra = {} if not clusterer else {
        "clusterer": sorted(conn.execute(
            "SELECT id, seq, state, first_day, last_day FROM events")),
        "postings": sorted(conn.execute("SELECT * FROM event_terms")),
        "df": sorted(conn.execute("SELECT term, df FROM term_df")),
        "meta": sorted(conn.execute(
            "SELECT key, value FROM meta WHERE key IN ('n_docs', 'next_event')")),
    }
    return extra | {
        "articles": sorted(conn.execute("SELECT id, event_id, duplicate_of FROM articles")),
        "events": sorted(conn.execute(
            "SELECT id, merged_into, article_count, outlet_count, brief_stale FROM events")),
        "bands": sorted(conn.execute(
            "SELECT a.id, COUNT(*) FROM lsh_keys k JOIN articles a ON a.seq = k.seq "
            "GROUP BY a.id")),
        "briefs": sorted(conn.execute(
            "SELECT event_id, version, article_count FROM briefs")),
    }


# The child imports the run into a store and stops after its Nth committed transaction (the
# trace callback sees each statement, so the pause needs nothing of the import's internals):
# the parent SIGKILLs it there.
_PAUSED_IMPORT = """
import pickle, sys, time
from pathlib import Path
from newsbrief.config import BriefConfig
from newsbrief.store import Store

events = pickle.loads(Path(sys.argv[2]).read_bytes())
store = Store(sys.argv[1], config=BriefConfig(analyze=False, method="lead"), batch_size=8)
commits, stop = 0, int(sys.argv[3])

def trace(sql):
    global commits
    if sql.strip().upper() == "COMMIT":
        commits += 1
        if commits == stop:
            print("paused", flush=True)
            time.sleep(120)

store.conn.set_trace_callback(trace)
store.import_events(events)
"""


def test_an_import_killed_and_run_again_ends_as_an_uninterrupted_one(tmp_path: Path, dev_run):
    """SIGKILL between two batches, after the last batch but before the joined events'
    briefs are rebuilt, and while they are: the re-run finds every event stored and must
    still rebuild them."""
    import pickle
    import signal
    import subprocess

    articles, events = dev_run
    run = tmp_path / "run.pickle"  # the child imports these very events
    run.write_bytes(pickle.dumps(events))
    ingested = articles[::3]  # the store made events of some of the run's stories first

    def ingest(path: Path) -> Store:
        store = Store(path, config=FAST, batch_size=8)
        store.add_articles(ingested)
        return store

    with ingest(tmp_path / "reference.db") as store:
        commits = []
        store.conn.set_trace_callback(
            lambda sql: commits.append(1) if sql.strip().upper() == "COMMIT" else None)
        report = store.import_events(events)
        store.conn.set_trace_callback(None)
        assert report.merged and report.briefs_refreshed  # some run events joined ingest's
        assert store.counts()["stale_briefs"] == 0
        _consistent(store)
        reference = _state(store, clusterer=True)
    batches = len(commits) - report.briefs_refreshed
    assert batches >= 3
    # Between batches, after the last batch, after the first rebuilt brief.
    for stop in (2, batches, batches + 1):
        db = tmp_path / f"killed-{stop}.db"
        ingest(db).close()
        child = subprocess.Popen(
            [sys.executable, "-c", _PAUSED_IMPORT, str(db), str(run), str(stop)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = child.stdout.readline()
            assert line.strip() == "paused", child.stderr.read()
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        with Store(db, config=FAST, batch_size=8) as store:
            assert store.counts()["stale_briefs"] > 0  # the kill left joined briefs stale
            store.import_events(events)
            _consistent(store)
            assert store.counts()["stale_briefs"] == 0, stop
            assert _state(store, clusterer=True) == reference, stop


def test_a_run_article_whose_id_the_store_holds_for_another_article(tmp_path: Path, dev_run):
    """The store holds other articles under two of the run's ids: the run's are renamed
    (``id~hash``). A copy whose original sits in an earlier batch links to the renamed
    original, never to the other article with its id; a later run's event holding only the
    renamed articles is their stored event, so its new article joins it."""
    articles, events = dev_run
    event = next(e for e in events if len(e.documents) >= 3)
    first, second = (d.article for d in event.documents[:2])
    others = [a for a in articles if a.id not in {d.article.id for d in event.documents}]
    # Unrelated articles (other stories) stored under the run's ids.
    clashing = [others[0].with_(id=first.id), others[1].with_(id=second.id)]
    wire = "\nReporting by the wire."
    (copy,) = prepare_articles([first.with_(id="wire-copy", outlet="wire", url=None,
                                            text=first.text + wire)])
    with Store(tmp_path / "news.db", config=FAST, batch_size=1) as store:
        store.add_articles(clashing, refresh="none")
        unrelated = {a.id: store.get_article(a.id).event_id for a in clashing}
        # One event per batch: the copy's event comes after its original's.
        report = store.import_events([
            ImportedEvent("ev-run", event.documents[:2]),
            ImportedEvent("ev-wire", (copy,), {"wire-copy": first.id})])
        renamed = [article for article, _ in report.added][:2]
        assert [r.split("~")[0] for r in renamed] == [first.id, second.id]
        assert all("~" in r for r in renamed)
        assert report.duplicates == [("wire-copy", renamed[0])]
        assert store.get_article("wire-copy").duplicate_of == renamed[0]
        # The stored articles with those ids are untouched.
        assert {a: store.get_article(a).event_id for a in unrelated} == unrelated
        _consistent(store)

        later = store.import_events([ImportedEvent("ev-later", event.documents[:3])])
        assert later.merged == [("ev-later", "ev-run")] and not later.events_created
        assert later.added == [(event.documents[2].article.id, "ev-run")]
        assert store.get_event("ev-later").id == "ev-run"
        assert sorted(_members_of(store, "ev-run")) == sorted(
            [*renamed, event.documents[2].article.id])
        _consistent(store)


def test_an_event_the_run_could_not_brief_is_briefed_by_the_import(tmp_path: Path, dev_run):
    """A run event without a brief (its brief failed in the run) is briefed when the import
    ends, so ``newsbrief show`` works for every event the run names, and importing the run
    again makes no new version."""
    from dataclasses import replace

    events = dev_run[1][:8]
    failed = max(events, key=lambda e: len(e.documents))
    events = [replace(e, brief=None) if e is failed else e for e in events]
    with Store(tmp_path / "news.db", config=FAST) as store:
        report = store.import_events(events)
        assert report.briefs_refreshed == 1 and store.counts()["stale_briefs"] == 0
        brief = store.get_brief(failed.id)
        assert sorted(ref.id for ref in brief.articles) == sorted(
            doc.article.id for doc in failed.documents)
        assert all(store.get_brief(e.id) for e in events)
        _consistent(store)
        before = _state(store)
        again = store.import_events(events)
        assert again.briefs_refreshed == 0 and _state(store) == before


def test_an_event_split_over_two_stored_events_joins_the_one_holding_most(tmp_path: Path,
                                                                        dev_run):
    """A later run puts articles of two stored events into one: its new article joins the
    stored event holding most of its articles (the first of them on a tie); no stored event
    loses an article and none is merged."""
    _, events = dev_run
    a, b, c, d, e = [doc for event in events for doc in event.documents][:5]
    with Store(tmp_path / "news.db", config=FAST) as store:
        store.import_events([ImportedEvent("ev-x", (a, b)), ImportedEvent("ev-y", (c,))])
        most = store.import_events([ImportedEvent("ev-most", (c, a, b, d))])
        assert most.added == [(d.article.id, "ev-x")] and most.merged == [("ev-most", "ev-x")]
        tie = store.import_events([ImportedEvent("ev-tie", (c, a, e))])
        assert tie.added == [(e.article.id, "ev-y")] and tie.merged == [("ev-tie", "ev-y")]
        assert sorted(_members_of(store, "ev-x")) == sorted(x.article.id for x in (a, b, d))
        assert sorted(_members_of(store, "ev-y")) == sorted(x.article.id for x in (c, e))
        assert store.counts()["events"] == 2 and store.counts()["stale_briefs"] == 0
        assert [store.get_event(i).id for i in ("ev-most", "ev-tie")] == ["ev-x", "ev-y"]
        _consistent(store)


def test_a_later_runs_event_with_nothing_new_still_leads_to_its_stored_event(tmp_path: Path,
                                                                           dated_seeds):
    """A later run names the same story after another article: every article of its event
    is stored already. Its id (in that run's tables and briefs.jsonl) leads to the stored
    event, as the id of one that brought new articles does."""
    documents = tuple(prepare_articles(dated_seeds))
    with Store(tmp_path / "news.db", config=FAST) as store:
        store.import_events([ImportedEvent("ev-first", documents, {COPY: ORIGINAL},
                                           brief_documents(documents, FAST))])
        before = _state(store)
        report = store.import_events([ImportedEvent("ev-later", documents[::-1])])
        assert not report.added and report.merged == [("ev-later", "ev-first")]
        assert store.get_event("ev-later").id == "ev-first"
        assert store.get_brief("ev-later") == store.get_brief("ev-first")
        after = _state(store)
        # Nothing changed but the id that leads on.
        assert {k: v for k, v in after.items() if k != "events"} == {
            k: v for k, v in before.items() if k != "events"}
        assert set(after["events"]) - set(before["events"]) == {
            ("ev-later", "ev-first", 0, 0, 0)}
        _consistent(store)
        again = store.import_events([ImportedEvent("ev-later", documents[::-1])])
        assert again.skipped[0] == ("ev-later", "event already stored") and not again.merged
        assert _state(store) == after


def test_a_run_with_word_for_word_copies_from_other_outlets(tmp_path: Path, dated_seeds):
    """A run holds a wire story printed word for word by two other outlets (one of them
    stored before by ingest) and once more by its own outlet: as ingest does, the other
    outlets' copies are stored, linked to the group's original (the one stored first), and
    the own outlet's repeat is skipped. Importing the run again changes nothing."""
    wire = dated_seeds[2]  # World Bulletin
    ingested = wire.with_(id="ingested-copy", outlet="Daily Mirror",
                          url="https://mirror.example/envoy")
    copies = [wire.with_(id="run-copy", outlet="Wire Service", url="https://wire.example/envoy"),
              wire.with_(id="run-repeat", outlet="world bulletin ", url="https://wb.example/2")]
    # Each copy cleaned alone: cleaned together, three identical texts read as site furniture
    # (clean.repeated_lines) and lose every line.
    documents = tuple(prepare_articles(dated_seeds)) + tuple(
        d for c in copies for d in prepare_articles([c]))
    links = {COPY: ORIGINAL, "run-copy": wire.id, "run-repeat": wire.id}
    with Store(tmp_path / "run.db", config=FAST) as store:
        store.add_articles([ingested], refresh="none")
        report = store.import_events([ImportedEvent("ev-seeds", documents, links)])
        assert report.skipped == [("run-repeat", "already stored (same content or URL)")]
        added = dict(report.added)
        assert {wire.id, "run-copy"} <= set(added)
        # The ingested copy is the group's first stored: both run articles link to it.
        assert store.get_article(wire.id).duplicate_of == "ingested-copy"
        assert store.get_article("run-copy").duplicate_of == "ingested-copy"
        _consistent(store)
        before = store.counts()
        again = store.import_events([ImportedEvent("ev-seeds", documents, links)])
        assert not again.added and store.counts() == before


def test_a_runs_event_of_copies_stored_under_other_ids_leads_to_their_stored_event(
        tmp_path: Path, dated_seeds):
    """A later run holds the same texts from the same outlets under other ids (another
    crawl's naming): every article is skipped as stored, none is its own. The run's event id
    still leads to the stored event holding those texts, as one of own articles does."""
    documents = tuple(prepare_articles(dated_seeds))
    renamed = tuple(prepare_articles([a.with_(id=f"recrawl-{a.id}") for a in dated_seeds]))
    with Store(tmp_path / "news.db", config=FAST) as store:
        store.import_events([ImportedEvent("ev-first", documents, {COPY: ORIGINAL},
                                           brief_documents(documents, FAST))])
        before = _state(store)
        report = store.import_events([ImportedEvent("ev-recrawl", renamed)])
        assert not report.added and report.merged == [("ev-recrawl", "ev-first")]
        assert len(report.skipped) == len(renamed)
        assert store.get_event("ev-recrawl").id == "ev-first"
        assert store.get_brief("ev-recrawl") == store.get_brief("ev-first")
        after = _state(store)
        assert {k: v for k, v in after.items() if k != "events"} == {
            k: v for k, v in before.items() if k != "events"}
        _consistent(store)
        again = store.import_events([ImportedEvent("ev-recrawl", renamed)])
        assert again.skipped[0] == ("ev-recrawl", "event already stored") and not again.merged
        assert _state(store) == after
