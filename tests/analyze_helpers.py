"""Builders shared by the analysis tests: documents from text, and the seed event analysed once."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from newsbrief.analyze import Analysis, analyze_event
from newsbrief.clean import clean_article
from newsbrief.config import BriefConfig
from newsbrief.dedup import find_duplicates, group_sentences
from newsbrief.models import Article, Document
from newsbrief.pipeline import load_articles, prepare_articles

ANNOTATIONS = Path(__file__).resolve().parent / "data" / "annotations"


def paragraphs(*texts: str) -> str:
    """Article text with one paragraph per argument."""
    return "\n\n".join(texts)


def document(
    text: str,
    id: str = "a1",
    published: str | None = "2024-03-05T10:00:00",
    title: str = "A test article",
) -> Document:
    """A cleaned document from paragraphs of text (blank lines between paragraphs)."""
    return clean_article(Article(id=id, title=title, text=text, published=published))


def analyse(documents: list[Document]) -> Analysis:
    config = BriefConfig()
    return analyze_event(
        documents,
        find_duplicates(documents, config.duplicate_threshold),
        group_sentences(documents, config.sentence_similarity),
    )


@lru_cache(maxsize=4)
def event(source: str) -> tuple[tuple[Document, ...], Analysis]:
    """The documents of a folder or file and their analysis (computed once per session)."""
    articles, _ = load_articles([source])
    documents = prepare_articles(articles)
    return tuple(documents), analyse(documents)


def by_prefix(ids, prefix: str) -> str:
    (hit,) = [i for i in ids if i.startswith(prefix)]
    return hit
