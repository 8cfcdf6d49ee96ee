"""analyze_event wired into the brief: JSON keys, renderings, and the switch to turn it off."""

from __future__ import annotations

import json

import pytest

from newsbrief import brief
from newsbrief.analyze import analyze_event
from newsbrief.models import Brief


@pytest.fixture(scope="module")
def seed_brief_json(seeds_dir):
    result = brief(seeds_dir, method="centroid")
    return result, json.loads(result.to_json())


def test_json_shape_of_the_four_parts(seed_brief_json):
    _, data = seed_brief_json
    assert {"name", "type", "aliases", "mentions", "sources"} <= set(data["entities"][0])
    assert {"text", "speaker", "sentence", "sources", "first_seen"} <= set(data["quotes"][0])
    assert {"date", "granularity", "text", "sources"} <= set(data["timeline"][0])
    item = data["disagreements"][0]
    assert {"about", "claims"} <= set(item)
    assert {"text", "sources", "published"} <= set(item["claims"][0])
    ids = {a["id"] for a in data["articles"]}
    for part in ("entities", "quotes", "timeline"):
        for entry in data[part]:
            assert entry["sources"] and set(entry["sources"]) <= ids
    # The JSON reads back into the same brief.
    assert Brief.from_dict(data).to_dict() == data


def test_seed_minimum_findings(seed_brief_json):
    result, _ = seed_brief_json
    names = {e.name for e in result.entities}
    assert {"Song Tao", "Choe Ryong-hae"} <= names
    speakers = {q.speaker for q in result.quotes}
    assert {"Donald Trump", "Wang Dong", "Shen Zhihua", "Bonnie Glaser", "Lu Kang"} <= speakers
    assert any(t.date == "2017-11-17" and len(t.sources) == 3 for t in result.timeline)
    assert any({c.value for c in d.claims} == {"2016-10", "2016-02"} for d in result.disagreements)


def test_renderings_show_the_parts(seed_brief_json):
    result, _ = seed_brief_json
    markdown = result.to_markdown()
    assert "## Quotes" in markdown and "## Timeline" in markdown
    assert "worded differently elsewhere: “pathway leading to" in markdown
    assert "**2016-02**: The last time China’s special envoy" in markdown
    html = result.to_html()
    assert "<h2>Where the sources disagree</h2>" in html
    assert "worded differently elsewhere" in html


def test_analysis_off(seeds_dir):
    result = brief(seeds_dir, method="centroid", analyze=False)
    assert (result.entities, result.quotes, result.timeline, result.disagreements) == (
        (),
        (),
        (),
        (),
    )


def test_no_documents():
    assert analyze_event([], {}) == analyze_event([])
