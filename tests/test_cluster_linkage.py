"""The relative-rule agglomeration on hand-made unit vectors."""

from __future__ import annotations

import math

from newsbrief.cluster import ClusterConfig, EventState
from newsbrief.cluster_linkage import agglomerate


def _unit(**weights: float) -> dict[int, float]:
    norm = math.sqrt(sum(v * v for v in weights.values()))
    return {int(k[1:]): v / norm for k, v in weights.items()}


def test_pairs_join_and_a_stranger_stays_alone():
    a1, a2 = _unit(t1=1.0), _unit(t1=0.9, t2=math.sqrt(1 - 0.81))  # cosine 0.9
    b1, b2 = _unit(t3=1.0), _unit(t3=0.6, t4=0.8)  # cosine 0.6
    stranger = _unit(t5=1.0)
    groups = agglomerate([], [a1, b1, a2, stranger, b2], [None] * 5, ClusterConfig())
    assert groups == [([], [0, 2]), ([], [1, 4]), ([], [3])]


def test_the_bar_is_relative_to_cohesion():
    # Two lone articles 0.2 alike join (a lone article's cohesion is the 0.15 prior) ...
    lone = agglomerate([], [_unit(t1=1.0), _unit(t1=0.2, t2=math.sqrt(1 - 0.04))], [None] * 2,
                       ClusterConfig())
    assert lone == [([], [0, 1])]
    # ... but an event whose two members are 0.9 alike does not take an article only 0.2 like
    # each of them: the bar is 0.45 x the mean of 0.9 and 0.15.
    tight = EventState("e1")
    tight.add(_unit(t1=1.0), None)
    tight.add(_unit(t1=0.9, t2=math.sqrt(1 - 0.81)), None)
    article = _unit(t1=0.2, t3=math.sqrt(1 - 0.04))
    assert agglomerate([tight], [article], [None], ClusterConfig()) == [([], [0]), ([0], [])]
    # A lower ratio lets it in.
    assert agglomerate([tight], [article], [None], ClusterConfig(cohesion_ratio=0.2)) == [
        ([0], [0])]


def test_existing_events_merge_but_time_keeps_stories_apart():
    first, second = EventState("e1"), EventState("e2")
    first.add(_unit(t1=1.0), 100.0)
    second.add(_unit(t1=0.95, t2=math.sqrt(1 - 0.9025)), 101.0)
    assert agglomerate([first, second], [], [], ClusterConfig()) == [([0, 1], [])]
    later = EventState("e3")
    later.add(_unit(t1=0.95, t2=math.sqrt(1 - 0.9025)), 140.0)  # 39 days on: beyond 30
    groups = agglomerate([first, later], [], [], ClusterConfig())
    assert sorted(groups) == [([0], []), ([1], [])]
