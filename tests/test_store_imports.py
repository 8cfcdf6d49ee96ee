"""Importing precomputed events (a Spark run's) into the store: the clusterer state it builds.

The events are made here from the seeds, cleaned by the pipeline as the Spark job cleans them
(:func:`newsbrief.pipeline.prepare_articles`), so no Spark run is needed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newsbrief.cluster import parse_day
from newsbrief.config import BriefConfig
from newsbrief.ingest import read_paths
from newsbrief.models import Article
from newsbrief.pipeline import prepare_articles
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


def test_articles_of_an_event_already_stored_are_reported_not_dropped(tmp_path: Path,
                                                                      dated_seeds):
    """A second, overlapping run names its event after the same first article and holds one
    article more: the import skipped the event, and that article vanished without a word."""
    documents = tuple(prepare_articles(dated_seeds))
    with Store(tmp_path / "twice.db", config=FAST) as store:
        store.import_events([ImportedEvent("ev-seeds", documents[:4], {})])
        report = store.import_events([ImportedEvent("ev-seeds", documents, {})])
        assert report.skipped == [("ev-seeds", "event already stored")]
        last = documents[4].article.id
        assert [p.reason for p in report.problems] == [
            (f"article {last}: not imported, its event ev-seeds is already stored "
             "(ingest it to add it)")]
        assert store.counts()["articles"] == 4
