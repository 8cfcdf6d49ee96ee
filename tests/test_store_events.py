"""Event rows (newsbrief.store.events): counts as the briefs count them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from conftest import EXAMPLES

from newsbrief.config import BriefConfig
from newsbrief.ingest import read_paths
from newsbrief.store import Store

FAST = BriefConfig(analyze=False, method="lead")


def test_outlets_spelled_differently_count_once_as_in_the_brief(tmp_path: Path):
    """Three versions of one wire story from "AP", "ap " and "Ap" (near-copies, so all
    stored): the event listed 3 outlets while its brief said "carried by 1 outlet, 3
    articles". Both count one outlet now; an article with no outlet counts none."""
    (story,) = read_paths([EXAMPLES / "envoy" / "daily-ledger-envoy.txt"]).articles
    spellings = [
        replace(story, id="ap-1", outlet="AP", url="https://one.example/a"),
        replace(story, id="ap-2", outlet="ap ", url="https://two.example/b",
                text=story.text + "\n\nThis story has been corrected."),
        replace(story, id="ap-3", outlet="Ap", url="https://three.example/c",
                text=story.text.replace("Friday", "Saturday")),
        replace(story, id="none-4", outlet=None, url="https://four.example/d",
                text=story.text.replace("Wednesday", "Tuesday")),
    ]
    with Store(tmp_path / "news.db", config=FAST) as store:
        report = store.add_articles(spellings)
        assert len(report.added) == 4
        (event,) = store.list_events()[0]
        assert (event.article_count, event.outlet_count) == (4, 1)
        (group,) = store.get_brief(event.id).duplicate_groups
        assert len(group.members) == 4
