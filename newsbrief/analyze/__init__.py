"""Who, what, when, and where the sources disagree: the analysis part of a brief.

``analyze_event(documents, duplicates, groups)`` runs, over the cleaned documents of one event:

- :mod:`~newsbrief.analyze.nlp`: one batched spaCy NER pass (small English model);
- :mod:`~newsbrief.analyze.entities`: people, organisations and places, name variants merged;
- :mod:`~newsbrief.analyze.quotes`: quotations with speakers, one item per quote across outlets;
- :mod:`~newsbrief.analyze.timeline`: dated statements resolved against publication dates;
- :mod:`~newsbrief.analyze.conflicts`: incompatible values for the same slot across outlets.

Scoring against hand labels lives in :mod:`~newsbrief.analyze.scoring`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from newsbrief.analyze.conflicts import find_claims, find_disagreements
from newsbrief.analyze.entities import EntityIndex, actors, build_index
from newsbrief.analyze.nlp import Annotated, annotate
from newsbrief.analyze.quotes import find_quotes, full_speaker_names, merge_quotes
from newsbrief.analyze.timeline import find_dates, merge_timeline
from newsbrief.models import Disagreement, Document, Entity, Quote, TimelineEntry

__all__ = ["Analysis", "analyze_event"]


@dataclass(frozen=True, slots=True)
class Analysis:
    """The four analysis parts of one event's brief."""

    entities: tuple[Entity, ...] = ()
    quotes: tuple[Quote, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()
    disagreements: tuple[Disagreement, ...] = ()
    ner: bool = True
    #: The NER budget when the model read a sample of the event's words, else None.
    ner_sample_words: int | None = None


def _order(documents: Sequence[Document]) -> dict[str, int]:
    """Rank of each article: earliest publication first, undated last, input order on ties."""
    ranked = sorted(
        range(len(documents)),
        key=lambda i: (
            documents[i].article.published is None,
            documents[i].article.published or "",
            i,
        ),
    )
    return {documents[i].id: rank for rank, i in enumerate(ranked)}


def _verbless(item: Annotated, sentence_index: int) -> bool:
    """Whether the model read a sentence and found no verb in it: a photo caption ("HMS
    Cornwall at Zeebrugge in 2006.") or an embedded tweet's signature ("— Jane Doe
    (@janedoe) June 20, 2017"), whose date is no happening of the story."""
    sentence = item.document.sentences[sentence_index]
    first = bisect_left(item.tokens, sentence.start, key=lambda t: t.start)
    tags = []
    for token in item.tokens[first:]:
        if token.start >= sentence.end:
            break
        tags.append(token.tag)
    return bool(tags) and all(tags) and not any(t.startswith(("VB", "MD")) for t in tags)


def analyze_event(
    documents: Sequence[Document],
    duplicates: Mapping[str, str] | None = None,
    groups: Sequence[object] | None = None,
    ner_words: int | None = None,
    annotation: Callable[[], Sequence[Annotated]] | None = None,
) -> Analysis:
    """Entities, quotes, timeline and disagreements of one event's documents.

    ``duplicates`` maps each copied article to its original (from
    :func:`newsbrief.dedup.find_duplicates`): copies never disagree with their original.
    ``groups`` are near-identical sentence groups (:func:`newsbrief.dedup.group_sentences`);
    dated sentences in one group are one happening. ``ner_words`` caps the words the NER
    model reads (:func:`newsbrief.analyze.nlp.annotate`); ``None`` reads everything.
    ``annotation`` waits for an annotation already started
    (:func:`newsbrief.analyze.nlp.start_annotation`) instead of annotating here.
    """
    if not documents:
        return Analysis()
    duplicates = dict(duplicates or {})
    order = _order(documents)
    dates = [d for document in documents for d in find_dates(document)]  # needs no model
    annotated = annotation() if annotation else annotate(documents, max_words=ner_words)
    index: EntityIndex = build_index(annotated)
    by_id = {item.id: item for item in annotated}
    dates = [d for d in dates if not _verbless(by_id[d.article_id], d.sentence_index)]
    mentions = full_speaker_names([q for item in annotated for q in find_quotes(item, index)])
    quotes = merge_quotes(mentions, order)
    group_of: dict[tuple[str, int], int] = {}
    for number, group in enumerate(groups or ()):
        for sentence in getattr(group, "sentences", ()):
            group_of[(sentence.article_id, sentence.index)] = number
    participants = {}
    for d in dates:
        sentence = by_id[d.article_id].document.sentences[d.sentence_index]
        participants[(d.article_id, d.sentence_index)] = actors(
            by_id[d.article_id], index, sentence.start, sentence.end
        )
    people = {e.name for e in index.entities if e.type == "PERSON"}
    timeline = merge_timeline(dates, order, participants, people, group_of)
    claims = find_claims(annotated, index, dates)
    disagreements = find_disagreements(claims, duplicates, order)
    return Analysis(
        index.entities, quotes, timeline, disagreements, ner=all(a.ner for a in annotated),
        ner_sample_words=ner_words if any(a.sampled for a in annotated) else None,
    )
