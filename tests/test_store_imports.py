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
