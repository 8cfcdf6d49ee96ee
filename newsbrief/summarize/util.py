"""Helpers shared by the summarizers: word counts, tokens, group look-up, ordering."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

from newsbrief.dedup import SentenceGroup

_WORD = re.compile(r"\S+")
# Kana and CJK ideographs (not Hangul: Korean puts spaces between words).
_IDEOGRAPHIC = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_TOKEN = re.compile(r"[^\W_]+")  # words in any script, as concepts._RAW_TOKEN

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours ourselves out over
    own same she should so some such than that the their theirs them themselves then there these
    they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself yourselves said says say also mr mrs ms""".split()  # noqa: SIM905
)


def opening_word(text: str) -> str:
    """The sentence's first word, lower-cased, without an opening quote or bracket."""
    raw = text.split(maxsplit=1)
    return raw[0].lower().strip("\"“'‘(") if raw else ""


@lru_cache(maxsize=4)
def shipped_json(name: str) -> dict[str, Any]:
    """A JSON file shipped in ``newsbrief.summarize`` (the fitted weights), parsed once per
    process; callers only read it."""
    return json.loads(resources.files("newsbrief.summarize").joinpath(name).read_text("utf-8"))


def check_features(data: dict[str, Any], features: tuple[str, ...], name: str) -> None:
    """Refuse a shipped model fitted on other features than the code computes (``name`` says
    where the model came from in the error)."""
    if tuple(data["features"]) != features:
        raise ValueError(f"{name}: features {data['features']} do not match {features}")


def linear_model(
    data: dict[str, Any], features: tuple[str, ...], name: str
) -> tuple[tuple[float, ...], float]:
    """``(coefficients, intercept)`` of a shipped linear model, its features checked."""
    check_features(data, features, name)
    return tuple(float(c) for c in data["coefficients"]), float(data["intercept"])


def word_count(text: str) -> int:
    """Words of ``text``: runs of non-space, and in Chinese and Japanese, which put no space
    between words, about one word for two characters (each run of them would otherwise be
    one "word", and a sentence too short to pick)."""
    if text.isascii() or not _IDEOGRAPHIC.search(text):
        return len(_WORD.findall(text))
    characters = len(_IDEOGRAPHIC.findall(text))
    return len(_WORD.findall(_IDEOGRAPHIC.sub(" ", text))) + (characters + 1) // 2


@lru_cache(maxsize=1)
def _porter():  # type: ignore[no-untyped-def]
    from nltk.stem.porter import PorterStemmer

    return PorterStemmer()


@lru_cache(maxsize=131072)
def stem(word: str) -> str:
    return _porter().stem(word)


def content_terms(text: str) -> list[str]:
    """Lower-cased, stemmed, stopword-free tokens (Porter, as ROUGE's stemmer)."""
    return [stem(t) for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS]


def group_index(groups: Sequence[SentenceGroup]) -> dict[tuple[str, int], SentenceGroup]:
    return {(s.article_id, s.index): g for g in groups for s in g.sentences}


def truncate_words(text: str, words: int) -> str:
    return " ".join(text.split()[:words])
