"""The pipeline in order: ingest -> clean/segment -> near-duplicates -> summarize -> Brief.

``prepare_articles`` is the per-article stage and ``brief_documents`` the per-event stage;
the CLI, the store, the feed watcher, the web app and the Spark job all call these two.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from newsbrief.clean import prepare
from newsbrief.config import BriefConfig
from newsbrief.dedup import SentenceGroup, duplicate_groups, find_duplicates, group_sentences
from newsbrief.errors import NoUsableInput
from newsbrief.ingest import read_paths
from newsbrief.models import (
    Article,
    ArticleRef,
    Brief,
    BriefSentence,
    Document,
    Problem,
    publication_key,
)
from newsbrief.summarize import EventInput, Selection, get_summarizer
from newsbrief.summarize.length import choose_length

if TYPE_CHECKING:
    from newsbrief.analyze.nlp import ParseMemo

__all__ = [
    "brief", "brief_documents", "event_input", "load_articles", "prepare_articles",
    "without_copies",
]

Progress = Callable[[int], None]


def load_articles(
    inputs: Iterable[str | os.PathLike[str] | Article],
) -> tuple[list[Article], list[Problem]]:
    """Articles from a mix of paths and :class:`Article` objects."""
    articles: list[Article] = []
    paths: list[str | os.PathLike[str]] = []
    for item in inputs:
        if isinstance(item, Article):
            articles.append(item)
        else:
            paths.append(item)
    problems: list[Problem] = []
    if paths:
        result = read_paths(paths)
        articles = result.articles + articles
        problems = result.problems
    return articles, problems


def prepare_articles(
    articles: Sequence[Article],
    progress: Progress | None = None,
    boilerplate: frozenset[str] | None = None,
) -> list[Document]:
    """Clean and split each article; documents left with no sentence are dropped.

    Lines repeated across unrelated articles of the batch are removed too (clean.prepare).
    ``boilerplate``: more lines known to be boilerplate (keys of ``clean.normal_key``), found
    over a larger collection than the batch (e.g. a corpus, by the Spark job); removed as well.
    """
    if not boilerplate:
        return [d for d in prepare(articles, progress) if d.sentences]
    from newsbrief.clean import REPEAT_MIN_ARTICLES, clean_article, repeated_lines

    own = repeated_lines(articles) if len(articles) >= REPEAT_MIN_ARTICLES else frozenset()
    lines = own | frozenset(boilerplate)
    documents = []
    for article in articles:
        documents.append(clean_article(article, lines))
        if progress:
            progress(1)
    return [d for d in documents if d.sentences]


def _order_key(documents: Sequence[Document]) -> Callable[[Selection], tuple]:
    """Reading order: by the article that carried the fact first, then its place there."""
    rank = {
        d.id: (publication_key(d.article.published), i) for i, d in enumerate(documents)
    }

    def key(selection: Selection) -> tuple:
        first = min(selection.group.sentences, key=lambda s: (rank[s.article_id], s.index))
        return (rank[first.article_id], first.index)

    return key


def _brief_sentences(
    selections: Sequence[Selection], documents: Sequence[Document]
) -> tuple[BriefSentence, ...]:
    ordered = sorted(selections, key=_order_key(documents))
    out = []
    for selection in ordered:
        first = selection.group.sentences[0]
        out.append(
            BriefSentence(
                text=selection.output_text,
                sources=selection.group.sources,
                score=selection.score,
                article_id=first.article_id,
                sentence_index=first.index,
                source_text=first.text,
            )
        )
    return tuple(out)


def event_input(documents: Sequence[Document], config: BriefConfig) -> EventInput:
    duplicates = find_duplicates(documents, config.duplicate_threshold)
    groups = group_sentences(documents, config.sentence_similarity)
    return EventInput(tuple(documents), duplicates, tuple(groups))


def without_copies(
    event: EventInput,
) -> tuple[EventInput, Callable[[Sequence[Selection]], list[Selection]]]:
    """The event as the summarizer sees it: one document per cleaned text.

    A wire story printed word for word by ten outlets is one account, not ten: counted ten
    times, it would outweigh the independent reports and lengthen the summary, so adding
    copies would rewrite a brief that "carried by N outlets" already credits them in. The
    earliest published copy (input order breaks ties) stays. Near-copies (rewrites) are
    left to the summarizer, which counts their sentences as the learned weights expect.

    Returns that event and a function giving selections back their whole sentence group,
    so that each sentence still cites every copy that carries it.
    """
    keep: dict[str, Document] = {}
    for document in event.documents:
        kept = keep.setdefault(document.text, document)
        if publication_key(document.article.published) < publication_key(kept.article.published):
            keep[document.text] = document
    if len(keep) == len(event.documents):
        return event, list
    kept_ids = {d.id for d in keep.values()}
    copy_of = {d.id: keep[d.text].id for d in event.documents if d.id not in kept_ids}
    full_of: dict[int, SentenceGroup] = {}
    groups = []
    for group in event.groups:
        own = tuple(s for s in group.sentences if s.article_id in kept_ids)
        if own:
            reduced = group if len(own) == len(group.sentences) else SentenceGroup(own)
            full_of[id(reduced)] = group
            groups.append(reduced)
    duplicates = {d: copy_of.get(o, o) for d, o in event.duplicates.items()
                  if d in kept_ids and copy_of.get(o, o) != d}
    distinct = EventInput(tuple(d for d in event.documents if d.id in kept_ids), duplicates,
                          tuple(groups))

    def full_group(selections: Sequence[Selection]) -> list[Selection]:
        return [replace(s, group=full_of.get(id(s.group), s.group)) for s in selections]

    return distinct, full_group


def brief_documents(
    documents: Sequence[Document], config: BriefConfig | None = None, *,
    memo: ParseMemo | None = None,
) -> Brief:
    """Brief one event from its cleaned documents.

    ``memo``: the entity model's output for texts read before
    (:class:`newsbrief.analyze.nlp.ParseMemo`); the model reads only the others, which are
    added to it. The brief is the same with or without it.
    """
    config = config or BriefConfig()
    pending_annotation = None
    if config.analyze:  # the model reads while the summary is made (analyze/worker.py)
        from newsbrief.analyze.nlp import start_annotation  # lazy: spaCy only when analysing

        pending_annotation = start_annotation(documents, config.ner_words, config.ner_process,
                                              memo)
    event = event_input(documents, config)
    distinct, full_group = without_copies(event)
    summarizer = get_summarizer(config.method)
    words = config.words or choose_length(distinct.documents)
    summary = summarizer.summarize(distinct, words)
    # A method may know a better headline than its shortest summary (ilp: summarize/headline.py).
    headline = getattr(summarizer, "headline", summarizer.summarize)(distinct,
                                                                     config.headline_words)
    summary, headline = full_group(summary), full_group(headline)
    refs = tuple(
        ArticleRef(
            id=d.id,
            title=d.article.title,
            outlet=d.article.outlet,
            published=d.article.published,
            path=d.article.path,
            url=d.article.url,
            duplicate_of=event.duplicates.get(d.id),
        )
        for d in documents
    )
    analysis = None
    if pending_annotation is not None:
        from newsbrief.analyze import analyze_event

        analysis = analyze_event(
            documents, event.duplicates, event.groups, config.ner_words, pending_annotation
        )
    return Brief(
        articles=refs,
        headline=_brief_sentences(headline, documents),
        summary=_brief_sentences(summary, documents),
        duplicate_groups=duplicate_groups(documents, event.duplicates),
        entities=analysis.entities if analysis else (),
        quotes=analysis.quotes if analysis else (),
        timeline=analysis.timeline if analysis else (),
        disagreements=analysis.disagreements if analysis else (),
        meta={"method": config.method, "words": words}
        | ({"ner_sample_words": analysis.ner_sample_words}
           if analysis and analysis.ner_sample_words else {}),
    )


def brief(
    inputs: Iterable[str | os.PathLike[str] | Article] | str | os.PathLike[str],
    config: BriefConfig | None = None,
    **options: object,
) -> Brief:
    """Brief the articles found in ``inputs`` (paths, folders or :class:`Article` objects).

    ``options`` override fields of ``config``, e.g. ``brief("seeds/", words=100)``.
    Raises :class:`NoUsableInput` when nothing usable is found.
    """
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    config = (config or BriefConfig()).with_(**options) if options else (config or BriefConfig())
    articles, problems = load_articles(inputs)
    documents = prepare_articles(articles)
    if not documents:
        detail = "; ".join(str(p) for p in problems[:5])
        raise NoUsableInput("no usable articles" + (f" ({detail})" if detail else ""))
    result = brief_documents(documents, config)
    if problems:
        meta = dict(result.meta, problems=[str(p) for p in problems])
        result = Brief(**{**{f: getattr(result, f) for f in result.__dataclass_fields__}, "meta": meta})
    return result
