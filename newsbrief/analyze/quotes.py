"""Direct quotations, their speakers, and the same quote carried by several outlets.

Quotation marks: curly double (“…”), straight double ("…", paired left to right; two
apostrophes close one too, as in AP's copy: "…,'' he said, “…’’) and curly single (‘…’, when
not an apostrophe). A quotation left open at the end of a paragraph runs to
the paragraph's end (the newspaper convention for quotes that continue). Quotes shorter than
``MIN_WORDS`` words are scare quotes ("dual track") and are skipped.

The speaker comes from attribution patterns around the quote, tried in this order:

- after the quote: ``"…," X said`` / ``"…," said X, a …`` / ``"…", X told …``;
- before it: ``X said: "…"``;
- a speech verb earlier in the same sentence (partial quotes): ``X said the ties were "…"``;
  the outermost verb with a subject wins, since its subject is the one whose words are quoted
  (``Trump said Xi stated that "he is upping the sanctions"`` quotes Trump); a participle with
  no subject of its own (``…, warning that "…"``) takes the sentence's first named person;
- any verb, when a name and the verb close the clause after the quotation: ``"…," Keyes
  detailed.``, ``"…," ripped Rep. Raúl Grijalva, …`` (tried after the patterns above);
- a paragraph that is only a quotation continues the previous paragraph's speaker, and a
  sentence that is only a quotation the speaker of the quote in the sentence right before it.

Named speakers are mapped to the event's canonical names ("Wang said" -> "Wang Dong", found in
the same article first). "he"/"she" resolve to the nearest preceding named person speaker when
no other person is named (outside quotes) in between, "it"/"they" to the nearest preceding
non-person speaker; otherwise the pronoun is left unresolved (speaker ``None``).

Across outlets, two quotes are one item when their words match closely (difflib ratio, or one
is a contiguous part of the other); sources are listed earliest publication first, and the
other wordings are kept as ``variants`` so that a trimmed or altered quote shows.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from functools import cached_property
from itertools import chain

from newsbrief.analyze.entities import ORG_WORDS, EntityIndex, clean_name
from newsbrief.analyze.nlp import Annotated, Mention
from newsbrief.models import Quote, Sentence, publication_key

__all__ = [
    "MIN_WORDS",
    "QuoteMention",
    "find_quotes",
    "full_speaker_names",
    "merge_quotes",
    "quotation_spans",
    "quote_words",
]

MIN_WORDS = 3
# Forms that are also common nouns or adjectives ("claims", "remarks", "recalls", "jokes",
# "the alleged attack") are left out: "the claims that" would make "the" a speaker.
_VERBS = (
    r"said|says|say|told|tells|added|adds|stated|states|warned|warns|noted|notes|"
    r"insisted|insists|explained|explains|wrote|writes|declared|announced|asked|asks|"
    r"replied|argued|argues|claimed|continued|stressed|tweeted|recalled|acknowledged|"
    r"admitted|commented|remarked|alleges|quipped|joked|responded|responds|"
    r"countered|conceded|cautioned|testified|called|calls"
)
# Written words are "read" ('"…," the tweet read'), and many more verbs report speech, but only
# right after the quotation is that sure: "Dunaway read off La La Land" quotes nobody, and
# "the data suggested" nobody either.
# They attribute only a quotation that ends with a comma, a question or an exclamation mark:
# '"… reckless accusations by many Democrats" the special counsel confirmed' goes on.
_ONLY_AFTER = frozenset({
    "read", "reads", "suggested", "suggests", "mused", "pleaded", "boasted", "complained",
    "predicted", "wondered", "observed", "lamented", "scoffed", "shouted", "yelled", "screamed",
    "whispered", "exclaimed", "concluded", "agreed", "confirmed", "emphasized", "emphasised",
    "reiterated", "maintained", "posted", "recounted",
})
_AFTER_VERBS = _VERBS + "|" + "|".join(sorted(_ONLY_AFTER))
# "Priebus called the comments "beyond the pale"" reports words; "a system called" does not.
_NAMING = frozenset({"called", "calls", "described", "describes"})
_PARTICIPLES = (
    r"saying|warning|adding|noting|insisting|stressing|declaring|writing|telling|asking|"
    r"arguing|explaining|quipping"
)
_SPEAKER_CHARS = 90
# An apostrophe only inside a word: "O’Mara", "wasn’t".
_PHRASE_CHAR = r"(?:[^,.;:!?“”\"‘’\n]|(?<=\w)’(?=\w))"
# An honorific's full stop would otherwise end the speaker ("said Dr. Lena Sorvik" -> "Dr").
_TITLES = ("Dr", "Mr", "Mrs", "Ms", "Mx", "Prof", "Gen", "Sen", "Rep", "Gov", "Col", "Capt", "Lt",
           "Sgt", "Rev", "Hon")
_HONORIFIC = rf"(?:(?:{'|'.join(_TITLES)})\.\s+)?"
# ... and so would an initial's, or a title's inside it: "A. Vania Apkarian", "U.S. Sen. Cory
# Gardner". A speaker may hold those, and only those, full stops.
_STOP_IN_NAME = r"(?<=\b[A-Z])\." + "".join(rf"|(?<=\b{title})\." for title in _TITLES)
_SPEAKER = rf"(?:{_PHRASE_CHAR}|{_STOP_IN_NAME}){{1,{_SPEAKER_CHARS}}}?"
_STOP_AFTER_NAME = r"\.(?<!\b[A-Z]\.)" + "".join(rf"(?<!\b{title}\.)" for title in _TITLES)
_AFTER_VERB_FIRST = re.compile(
    rf"^[\s,]*(?P<verb>{_AFTER_VERBS}|according\s+to)\s+{_HONORIFIC}(?P<spk>{_SPEAKER})"
    # An appositive may name the speaker: "said Rahmatullah's brother-in-law, Abdul Wardak,".
    rf"(?:,\s*(?P<apposition>{_PHRASE_CHAR}{{1,60}}?)\s*(?=[,;]|{_STOP_AFTER_NAME}|$))?"
    rf"\s*(?:[,;:!?(]|{_STOP_AFTER_NAME}|\.(?=\s*(?:$|[“\"]))|$)"
)
# A party label or an appositive may stand between the speaker and the verb: '"…," Sheen, 45,
# said', '"…," Sander Levin (D-Mich.) said', '"…," Jane Roe, a geologist at X who was not
# involved in the study, told Y'.
_AFTER_SPEAKER_FIRST = re.compile(
    rf"^[\s,—–-]*{_HONORIFIC}(?P<spk>{_SPEAKER})(?:\s*\([^()\n]{{1,30}}\))?"
    rf"(?:,(?P<apposition>{_PHRASE_CHAR}{{1,120}}),)?\s+(?P<verb>{_AFTER_VERBS})\b"
    # '"Separated (Real From the Fake)," Prodigy maintained that …' reports other words.
    r"(?!\s+that\b)"
)
# Any verb reports the quotation when a name and the verb are all that follows it before
# the clause ends ('"…," Keyes detailed.', '"…," Colbert teased in his opening monologue.',
# '"…," ripped Rep. Raúl Grijalva (D-Ariz.), co-chairman of …'): a verb with an object ('"…,"
# Prodigy maintained that …', '"…" Johnson battled the disease') reports nothing. Only a
# capitalised name, and only after a quotation that ends with a comma, a question or an
# exclamation mark, as for _ONLY_AFTER.
_NAME = rf"[A-Z][\w’'-]*(?:\s+(?:[A-Z][\w’'-]*|{_STOP_IN_NAME}))*"
_CLAUSE_CLOSES = (
    r"(?P<adverbial>\s+(?:in|on|at|during|after|before|from|via|with)\b[^,.;:!?“”\"\n]{1,40}?)?"
    r"\s*(?:[.;!?]|,|$)"
)
_ANY_VERB_AFTER = re.compile(
    rf"^[\s,]*{_HONORIFIC}(?P<spk>{_NAME})(?:\s*\([^()\n]{{1,30}}\))?"
    rf"\s+(?P<verb>[a-z]{{3,}}(?:ed|es|s))(?:\s+(?:out|back|up))?{_CLAUSE_CLOSES}"
)
_VERB_FIRST_ANY = re.compile(
    rf"^[\s,]*(?P<verb>[a-z]{{3,}}ed)\s+{_HONORIFIC}(?P<spk>{_NAME})(?![’']s\b)"
    rf"(?:\s*\([^()\n]{{1,30}}\))?(?P<adverbial>)\s*(?:[.,;]|$)"
)
# A dash and a name after a quotation, ending the paragraph or before a comma: a blurb's or an
# epigraph's '"…"—Gloria Steinem', '"…" — Piper Kerman, author of …'.
# (Not a tweet's signature, '— Amy Kaufman (@AmyKinLA) February 27, 2017', which may carry
# someone else's words.)
_DASHED = re.compile(
    rf"^\s*[—–]\s*(?P<spk>[A-Z](?:(?![(@]){_PHRASE_CHAR}|{_STOP_IN_NAME}){{1,60}}?)\s*(?:,|$)"
)
# A sentence that goes on after a quotation and ends with its attribution: '"… inflammation"
# and other factors associated with breast cancer, McTiernan said.'
_SENTENCE_FINAL = re.compile(
    rf",\s*{_HONORIFIC}(?P<spk>{_SPEAKER})\s+(?:{_VERBS})\b[^,.;:!?“”\"\n]{{0,40}}[.!?]?\s*$"
)
# At most four words after the verb, then the sentence's end: "Smith said in a statement."
_ENDS_SENTENCE = re.compile(r"(?:\s+(?!that\b)[\w’'-]+){0,4}\s*[.!?](?:\s|$)")
_HEAD_CHARS = 300
# The verb may have an object or an adverbial before its comma or colon: 'Magerman told me,
# "…"', 'She said in a statement: "…"'.
_VERB_TO_QUOTE = (
    rf"(?:{_VERBS})(?:\s*[:,]?|\s+(?:(?!(?:{_VERBS})\b)[^,.;:!?“”\"\n]){{1,40}}[:,])\s*$"
)
_BEFORE = re.compile(rf"(?P<spk>{_SPEAKER})\s+{_VERB_TO_QUOTE}")
# The part of a _BEFORE match after its speaker. Every _BEFORE match starts at most
# _SPEAKER_CHARS before the first place this matches, so searching for _BEFORE from there
# finds the same match without trying a lazy speaker at every character of the head; with
# no such place there is no match at all.
_BEFORE_VERB = re.compile(rf"\s+{_VERB_TO_QUOTE}")
_SPEECH = re.compile(rf"\b(?:{_VERBS})\b")
# A quotation inside a sentence may also be what someone describes something as: 'Andrew Lo
# ... has described it as "the commercial version of the Manhattan Project."'
_SPEECH_OR_DESCRIBING = re.compile(rf"\b(?:{_VERBS}|described|describes)\b")
_PARTICIPLE = re.compile(rf"\b(?:{_PARTICIPLES})\b")
# A name right before a speech verb, or before an appositive and the verb; not a name inside
# an appositive ("Kendall, who runs the nationalanthems.info website, said").
_SPEAKS_NEXT = re.compile(
    rf"^(?:,[^,.;:!?“”\"\n]{{1,80}},)?[^,.;:!?“”\"\n]{{0,60}}?\b(?:{_VERBS})\b"
)
_PRONOUNS = {"he": "person", "she": "person", "it": "thing", "they": "thing"}
# The writer or the reader ("Would you like to meet him? I asked."): not a speaker to name.
_SEXED_HONORIFIC = re.compile(r"\b(Mr|Mrs|Ms|Miss)\.?\s+$")
_OPENING_SEXED_HONORIFIC = re.compile(r"(Mr|Mrs|Ms|Miss)\.?\s")
_DETERMINER_BEFORE = re.compile(r"\b(?:a|an|the)\s+$", re.IGNORECASE)
_SUBJECT_PRONOUN = re.compile(r"\b(?:he|she|they|we|I)\b", re.IGNORECASE)
_COLON_BEFORE = re.compile(r":\s*$")
_COMMA = re.compile(r",\s*")
_CLAUSE_END = re.compile(r"[.;:!?][”\"’]?\s")
# A word of four capitals: a shouted header ("OBAMA GOES OUTSIDE IN ON JOBS - POLITICO's
# Glenn Thrush: "…""), not the speaker's name.
_SHOUTED = re.compile(r"\b[A-Z]{4,}\b")
_ASKED = re.compile(r"\bask(?:s|ed|ing)?\b", re.IGNORECASE)
_FIRST_AND_SECOND_PERSON = frozenset({"i", "we", "you"})
_PLACES = frozenset({"GPE", "LOC", "FAC"})
_WORD = re.compile(r"\w+", re.UNICODE)
_MARKS = re.compile(r"[“”\"]|''|’’")
_SINGLE_QUOTED = re.compile(r"(?<![\w‘])‘(?=\w)(.+?)’(?!\w)")
_WORD_CHAR = re.compile(r"[^\W_]")
# A clause's opening conjunction is not part of its subject: "But he told CBS: …",
# "…, and Weiland said that …".
_LEADING_CONJUNCTION = re.compile(r"^(?:but|and|so|yet|or)\s+(?=\S)", re.IGNORECASE)
_NOT_SPEAKER = re.compile(r"^(?:that|which|who|and|but|as|when|while|if)\b", re.IGNORECASE)
# A phrase opening with a preposition names a speaker only by a person in it: "to the moment
# when Berger said", not "from the University of Michigan in the US, ... said".
_PREPOSITION_FIRST = re.compile(
    r"^(?:from|in|at|on|with|by|for|to|of|after|before|during)\b", re.IGNORECASE
)
# Words between a speaker and the speech verb: "the union has said", "Peinovich then said",
# "He darkly warned" (and any other lowercase "-ly" adverb after the name).
_BEFORE_SPEECH_VERB = frozenset({
    "has", "have", "had", "will", "would", "can", "could", "may", "might", "must", "shall",
    "should", "did", "does", "do", "also", "then", "now", "later", "again", "still", "already",
    "just", "once", "previously", "reportedly", "allegedly",
})
# ... and words that mean the subject did not speak: "He was asked", "the queen was told",
# "They did not say", "He declined to say".
_NOT_SAYING = frozenset({"was", "were", "is", "are", "be", "been", "being", "not", "never"})
_REFUSED = frozenset({"declined", "refused", "failed"})
_DETERMINERS = frozenset({"the", "a", "an", "his", "her", "its", "their"})
_TITLE_SMALL_WORDS = frozenset({
    "a", "an", "the", "and", "but", "or", "nor", "of", "on", "in", "with", "for", "to", "at",
    "by", "from", "as", "vs", "vs.", "de", "la", "le", "du", "von", "van",
})
_TITLE_PUNCTUATION = re.compile(r"[.!?;:,…]")
# Part-of-speech tags of a finite verb: a name right before one is a clause's subject.
_FINITE_VERB_TAGS = frozenset({"VBD", "VBZ", "VBP", "MD"})
# A name right after a preposition is not a subject: "Allen Williams of Upper Darby was".
_AFTER_PREPOSITION = re.compile(r"\b(?:of|in|at|from|to|with|by|for|on|near)\s+$")
# A head noun and the person it belongs to: "a friend of", "a lawyer for", "an aide to".
_BELONGING = re.compile(r"[a-z]\s+(?:of|for|to)\s+$")
_APPOSITIVE = re.compile(r",[^,.;:!?“”\"\n]{1,120}(?=,)")
# What stands between the halves of a quotation split by its attribution: the closing mark,
# the verb and speaker (either order) and a comma, then the opening mark.
_SPLIT_BY_ATTRIBUTION = re.compile(
    rf"[,”\"]?[”\"]?\s+(?:(?:{_VERBS})\s+{_SPEAKER}|{_SPEAKER}\s+(?:{_VERBS}))\s*,\s*[“\"]"
)
_TRAILING_PARENTHESIS = re.compile(r"\s*\([^()]*\)$")
# The comma (and title) before a name that is an appositive itself.
_APPOSITIVE_OPENS = re.compile(r",\s+(?:[A-Z][a-z]{0,4}\.\s+)?$")
# What may stand between a name and its verb besides appositives: a party and state in
# parentheses ("Sen. John Cornyn (R-Texas) dismissed"), a home town ("Allen Williams of Upper
# Darby was").
_NAME_TAIL = re.compile(r"\s*\([^()\n]{1,40}\)|\s+of\s+[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*){0,3}")
# Not "it": "But it was clear that when Obama spoke ..." is about Obama.
_PERSONAL_SUBJECTS = frozenset({"he", "she", "they", "i", "we"})
_POSSESSIVE = re.compile(r"[’']s?\s+(?=\S)")
_OTHER_ONE = re.compile(r"\b(?:him|her)\b", re.IGNORECASE)
_PRONOUN_WORD = re.compile(r"\b(?:he|his|him|himself|she|her|hers|herself)\b", re.IGNORECASE)
_HIS = frozenset({"he", "his", "him", "himself"})
# A place or a nationality before a head noun describes it ("the U.S. researchers").
_DESCRIBING = _PLACES | {"NORP"}
_NOT_SUBJECTS = frozenset({"DATE", "TIME", "CARDINAL", "ORDINAL", "PERCENT", "MONEY", "QUANTITY"})


@dataclass(frozen=True, slots=True)
class QuoteMention:
    """One quotation in one article."""

    article_id: str
    text: str
    speaker: str | None
    sentence: str
    start: int
    end: int
    published: str | None = None


_ROLE_PREPOSITIONS = frozenset({"of", "for", "at", "in", "on", "to", "with", "from", "by"})
_FEMALE_NOUNS = frozenset({
    "woman", "women", "girl", "mother", "mom", "wife", "daughter", "sister", "grandmother",
    "aunt", "niece", "widow", "girlfriend", "bride", "actress", "queen", "lady",
})
_MALE_NOUNS = frozenset({
    "man", "men", "boy", "father", "dad", "husband", "son", "brother", "grandfather", "uncle",
    "nephew", "widower", "boyfriend", "groom", "king", "gentleman",
})


def _sex_of_phrase(phrase: str) -> str | None:
    """"she" or "he" for a description whose words say one sex ("a woman in Virginia")."""
    words = {w.lower() for w in _WORD.findall(phrase)}
    female, male = bool(words & _FEMALE_NOUNS), bool(words & _MALE_NOUNS)
    return "she" if female and not male else "he" if male and not female else None


def _subject(raw: str) -> str:
    """The subject of a speech verb written before it, without the auxiliaries and adverbs
    between them; empty when the words say the subject did not speak ("He was asked")."""
    words = [(m.group(), m.end()) for m in re.finditer(r"\S+", raw)]
    while len(words) > 1:
        last = words[-1][0]
        if last in _NOT_SAYING or last == "to" and words[-2][0] in _REFUSED:
            return ""
        if last in _BEFORE_SPEECH_VERB or (
            last.endswith("ly") and last.islower() and words[-2][0].lower() not in _DETERMINERS
        ):
            words.pop()
        else:
            break
    return raw[: words[-1][1]] if words else ""


def _only_modifiers(words: str) -> bool:
    """Whether ``words`` are only auxiliaries and adverbs (or nothing), which stand between a
    subject and its speech verb: "Emily Pierce, a spokeswoman, would only say"."""
    return all(
        w in _BEFORE_SPEECH_VERB or (w.endswith("ly") and w.islower()) for w in words.split()
    )


def _is_title(text: str) -> bool:
    """Whether quoted words are a title or a name, not something said: every word capitalised
    but the small ones, and no punctuation inside ("The Infamous Mobb Deep", "Gone with the
    Wind", "White Lives Matter")."""
    words = text.rstrip(",.").split()
    if not words or not words[0][:1].isupper() or _TITLE_PUNCTUATION.search(text.rstrip(",.")):
        return False
    return all(w[:1].isupper() or w[:1].isdigit() or w.lower() in _TITLE_SMALL_WORDS
               for w in words)


def quote_words(text: str) -> list[str]:
    """The lower-cased words of a quote, for comparing wordings."""
    return _WORD.findall(text.lower())


def _closes(text: str, i: int) -> bool:
    """Whether the straight quotation mark at ``i`` can only be a closing one: it follows a
    word or punctuation and is followed by a space or the end of the text."""
    return i > 0 and not text[i - 1].isspace() and (i + 1 == len(text) or text[i + 1].isspace())


def quotation_spans(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) of each quotation's inner text in a paragraph."""
    spans: list[tuple[int, int]] = []
    open_at: int | None = None
    for mark in _MARKS.finditer(paragraph):  # the only characters the loop acts on
        i, ch = mark.start(), mark.group()
        if ch in ("''", "’’"):
            # Two apostrophes close a quotation in AP's copy ('"…,'' he said', '“Evil Dead’’');
            # they open nothing.
            if open_at is not None:
                spans.append((open_at, i))
                open_at = None
            continue
        if ch == '"' and open_at is None and _closes(paragraph, i):
            # A straight mark that can only close ('pieces." The') with nothing open: its
            # opening mark is missing. Opening here would swap every later pair, quoting the
            # narration between quotations; skip it so the pairs stay in step.
            continue
        if ch == "“" or (ch == '"' and open_at is None):
            if open_at is None:
                open_at = i + 1
        elif ch in '”"' and open_at is not None:
            spans.append((open_at, i))
            open_at = None
    if open_at is not None:
        spans.append((open_at, len(paragraph)))
    # The pattern opens with a look-behind, which the regex engine tries at every character.
    for m in _SINGLE_QUOTED.finditer(paragraph) if "‘" in paragraph else ():
        if not any(s <= m.start() < e for s, e in spans):
            spans.append((m.start(1), m.end(1)))
    return sorted(spans)


@dataclass
class _State:
    last_person: tuple[str, int] | None = None  # (name, end offset of its attribution)
    last_thing: tuple[str, int] | None = None
    last_paragraph_speaker: tuple[int, str | None] | None = None
    last_quote_sentence: tuple[int, str] | None = None  # (its end, speaker) of the last quote


class _Reader:
    """Finds the quotes of one annotated document."""

    def __init__(self, item: Annotated, index: EntityIndex):
        self.item, self.index = item, index
        self.text = item.document.text
        self.quoted: list[tuple[int, int]] = []
        self.token_starts = [t.start for t in item.tokens]
        self.person_subjects: list[tuple[int, str]] = []
        self.narrated_speakers: dict[int, str] = {}
        # "he" or "she" for the people the article calls "Mr", "Ms", "Mrs" or "Miss": a
        # pronoun of the other one cannot stand for them ("Ms Bouvier had reached safety ...
        # "It has not been confirmed," he told journalists").
        self.sex: dict[str, str] = {}
        # The end of an unnamed subject in person_subjects -> "he" or "she", when its words say.
        self.subject_sex: dict[int, str] = {}
        for m in item.mentions:
            # The model's span may hold the honorific ("Ms Bouvier") or not.
            if honorific := _SEXED_HONORIFIC.search(
                self.text, max(0, m.start - 6), m.start
            ) or _OPENING_SEXED_HONORIFIC.match(m.text):
                name = index.at(item.id, m.start, m.end) or m.text
                self.sex[name] = "he" if honorific.group(1) == "Mr" else "she"
        # People by their merged entity's type: the small model often tags "Trump" as ORG.
        self.people = [
            (m.start, m.end)
            for m in item.mentions
            if m.label in {"PERSON", "NAME"}
            or index.label(index.at(item.id, m.start, m.end) or "") == "PERSON"
        ]

    def _inside_quotes(self, pos: int) -> bool:
        return any(s <= pos < e for s, e in self.quoted)

    def _name_in(self, start: int, end: int) -> str | None:
        """Canonical name of the last person (else any) entity within ``[start, end)``."""
        best = None
        for m in self.item.mentions:
            if (
                m.start >= start
                and m.end <= end
                and (name := self.index.at(self.item.id, m.start, m.end))
            ):
                if self.index.label(name) == "PERSON" or m.label == "PERSON":
                    best = (2, m.start, name)
                elif best is None or best[0] < 2:
                    best = (1, m.start, name)
        return best[2] if best else None

    def _speaker(self, start: int, end: int, state: _State) -> str | None:
        """The speaker written at ``[start, end)``: an entity, a pronoun, or a noun phrase."""
        segment = self.text[start:end]
        start += len(segment) - len(segment.lstrip())
        raw = _subject(segment.strip())
        if conjunction := _LEADING_CONJUNCTION.match(raw):
            raw = raw[conjunction.end() :]
            start += conjunction.end()
        end = start + len(raw)
        of = raw.rfind(" of ")
        if of > 0 and len(raw[of:].split()) <= 4 and (
            self.index.label(self._name_in(start + of, end) or "") in _PLACES
            or any(m.end == start + of for m in self.item.mentions
                   if (start, end) != (m.start, m.end) and self._is_person(
                       self.index.at(self.item.id, m.start, m.end) or m.text, m.label))
        ):
            # "Rita Schrimsher of Athens, Alabama": the place is not the speaker, nor is it
            # when the model took it for a person ("Melodye Shore of Laguna Niguel").
            raw, end = raw[:of], start + of
        words = raw.split()
        if (
            not words
            or _NOT_SPEAKER.match(raw)
            or len(words) > 12
            or all(w.lower() in _DETERMINERS for w in words)
        ):
            return None
        possessive = max(
            (
                m
                for m in _POSSESSIVE.finditer(raw)
                # Not inside a name: "the Orange County Sheriff's Department".
                if not any(
                    n.start < start + m.start() and start + len(m.group().rstrip()) + m.start()
                    < n.end for n in self.item.mentions
                )
            ),
            key=lambda m: m.start(),
            default=None,
        )
        if possessive:
            # "McGill University's Shriharsh Tendulkar" is Tendulkar, "Rahmatullah's
            # brother-in-law" is not Rahmatullah, and "Madeleine Morgenstern at Glenn Beck's
            # site" is Morgenstern.
            if before := self._first_person(start, start + possessive.start()):
                name = self.index.at(self.item.id, before.start, before.end) or before.text
            else:
                name = self._name_in(start + possessive.end(), end) or self._short_name(
                    raw[possessive.end() :]
                )
        else:
            name = self._name_in(start, end)
            if name and self.index.label(name) in _PLACES and (
                at := self._place_object_at(start, end, name)
            ) is not None:
                # A place after a preposition is not who speaks: "the Minister for London",
                # "the U.S. Embassy in Kabul" (the embassy, named before it).
                name = self._name_in(start, at)
            if (
                name
                and words[0].lower() in _DETERMINERS
                and (not self._named_at_end(start, end, name)
                     or _BELONGING.search(self.text, start, self._last_mention(start, end, name)))
                and (self.index.label(name) in _DESCRIBING or not self._clause(start, end))
            ):
                # A name before the head noun describes it: "The U.S. researchers said", not
                # the United States; "The senior Obama administration official described",
                # not Barack Obama; "a top House Republican", not the House. So does one the
                # head noun belongs to: "a friend of Kendra tells me", "a lawyer for John
                # Smith told reporters" (the friend and the lawyer speak).
                name = None
        if _PREPOSITION_FIRST.match(raw):
            return name if name and self._is_person(name) else None
        if name:
            return name
        lowered = raw.lower()
        if lowered in _FIRST_AND_SECOND_PERSON:
            return None
        if lowered in _PRONOUNS:
            return self._pronoun(lowered, start, state)
        if words[-1].lower() in _PRONOUNS:
            return None  # run-on narration: '"…," a margin of error they concluded'

        if name := self._short_name(raw):
            return self._holder(name) or name
        if (words[0].lower() in _DETERMINERS or raw[:1].isupper()) and not self._clause(
            start, end
        ):
            return self._holder(raw) or (
                raw[0].lower() + raw[1:] if words[0] in {"The", "A", "An"} else raw
            )
        return None

    def _mentions_of(self, name: str, start: int, end: int) -> Iterator[Mention]:
        """The mentions of ``name`` inside ``[start, end)``."""
        return (m for m in self.item.mentions if start <= m.start and m.end <= end
                and self.index.at(self.item.id, m.start, m.end) == name)

    def _last_mention(self, start: int, end: int, name: str) -> int:
        """Where the last mention of ``name`` in ``[start, end)`` starts (``start`` if none)."""
        return max((m.start for m in self._mentions_of(name, start, end)), default=start)

    def _named_at_end(self, start: int, end: int, name: str) -> bool:
        """Whether the phrase at ``[start, end)`` ends with a mention of ``name`` ("the
        Treasury", "the late Steve Jobs"), rather than with a head noun after it ("the Treasury
        spokesman", "the North Carolina Republican")."""
        tail = start + len(self.text[start:end].rstrip(" ,"))
        # A day or an abbreviation after the name is no head noun: "the Enforcement Directorate
        # (ED) Monday".
        for m in self.item.mentions:
            if start < m.start and m.end == tail and m.label in {"DATE", "TIME"}:
                tail = start + len(self.text[start:m.start].rstrip())
        if self.text[start:tail].endswith(")"):
            tail = start + len(_TRAILING_PARENTHESIS.sub("", self.text[start:tail]))
        return any(
            start <= m.start < tail <= m.end and self.index.at(self.item.id, m.start, m.end) == name
            for m in self.item.mentions
        )

    @cached_property
    def _holders(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """The roles this article, and the whole event, give people (lower case) -> who holds
        them; read from the index once per document, and only when a title needs them."""
        article: dict[str, set[str]] = {}
        event: dict[str, set[str]] = {}
        for doc, name, role in self.index.role_mentions:
            event.setdefault(role.lower(), set()).add(name)
            if doc == self.item.id:
                article.setdefault(role.lower(), set()).add(name)
        return article, event

    def _holder(self, title: str) -> str | None:
        """The one person this article gives the role ``title`` names: "The President said"
        is Mahmoud Ahmadinejad where he is "Iranian President Mahmoud Ahmadinejad". A title of
        two words or more may name the one person the whole event gives it ("the Nevada
        rancher" where another article says "Nevada rancher Cliven Bundy")."""
        words = [w.lower() for w in title.split()]
        if words and words[0] in {"the", "a", "an"}:
            words = words[1:]
        if not words or len(words) > 3:
            return None
        article, event = self._holders
        for holders in (article, event if len(words) > 1 else {}):
            found = set()
            for role, names in holders.items():
                role_words = role.split()
                # The title must be the role's head: not "head of the ... department".
                if role_words[-len(words):] == words and not _ROLE_PREPOSITIONS.intersection(
                    role_words[: -len(words)]
                ):
                    found |= names
            if found:
                return found.pop() if len(found) == 1 else None
        return None

    def _place_object_at(self, start: int, end: int, name: str) -> int | None:
        """Where the preposition before a mention of ``name`` in ``[start, end)`` starts, if
        a mention there is the object of one ("for London", "in Kabul"; not "in the Chicago
        Tribune", a name with "the" that the model may call a place)."""
        for m in self._mentions_of(name, start, end):
            if not m.text.lower().startswith("the ") and (
                before := _AFTER_PREPOSITION.search(self.text, start, m.start)
            ):
                return before.start()
        return None

    def _clause(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` has a finite verb of its own, outside a relative clause: not
        a noun phrase ("He makes his way to the camera", but not "a spokeswoman who did not
        want her name used")."""
        for token in self.item.tokens[bisect_left(self.token_starts, start) :]:
            if token.start >= end or token.tag in {"WDT", "WP"}:
                return False
            if token.tag in _FINITE_VERB_TAGS:
                return True
        return False

    def _short_name(self, raw: str) -> str | None:
        """``raw`` as a name when it is one to four capitalised words, taken whole ("Marie
        Claire", "Billie Jean King", where the model may tag only a part)."""
        words = raw.split()
        if not words or len(words) > 4 or not all(w[:1].isupper() for w in words):
            return None
        raw = " ".join(words)
        return self.index.resolve(self.item.id, raw) or clean_name(raw)

    def _signed(self, start: int, end: int, state: _State) -> str | None:
        """The speaker of a signature after a dash: a short capitalised name, taken whole."""
        return self._short_name(self.text[start:end]) or self._speaker(start, end, state)

    def _token_at(self, pos: int) -> int | None:
        """The index of the token starting exactly at ``pos``, if one does."""
        i = bisect_left(self.token_starts, pos)
        return i if i < len(self.token_starts) and self.token_starts[i] == pos else None

    def _pronoun(self, pronoun: str, at: int, state: _State) -> str | None:
        if _PRONOUNS[pronoun] == "person":
            antecedent = state.last_person
            i = bisect_left(self.person_subjects, (at, "")) - 1
            # "a woman in Virginia called to say ..." is no one "he" can stand for.
            while i >= 0 and self.subject_sex.get(self.person_subjects[i][0], pronoun) != pronoun:
                i -= 1
            unnamed = False
            if i >= 0 and (antecedent is None or self.person_subjects[i][0] > antecedent[1]):
                # A sentence without quotations since the last speaker is about someone
                # else: "Demoski said he struggles with alcohol. “It's ruining my life,” he
                # said." Someone unnamed ("a spokesman said") leaves the pronoun unresolved.
                end, subject = self.person_subjects[i]
                antecedent = (subject, end) if subject else None
                unnamed = not subject
            thing = state.last_thing
            if thing and (antecedent is None or thing[1] > antecedent[1]) and (
                self._untagged_surname(thing[0])
            ):
                # '"...," Mayor said. "...," she added': a surname the model tagged as
                # nothing was the last to speak.
                antecedent = thing
            if antecedent is None:
                return None if unnamed or thing else self._only_person_before(pronoun, at)
            name, since = antecedent
            own_end = self._sentence_of(max(0, since - 1))[1]
            others = {
                self.index.at(self.item.id, s, e)
                for s, e in self.people
                if since <= s < at and not self._inside_quotes(s)
                # An owner in the antecedent's own sentence is no rival: "Harold Noel lives
                # next door to little Areej's family. "...," he recounted."
                and not (s < own_end and self.text.startswith(("'s", "’s"), e))
            } - {None, name}
            # Anyone named as the subject of a speech verb in between is another candidate,
            # whatever type the model gave them ("Seismologist Petra Hale ... said").
            for m in self.item.mentions:
                if since <= m.start < at and not self._inside_quotes(m.start):
                    rest = self.text[m.end : min(at, m.end + 80)]
                    if _SPEAKS_NEXT.match(rest):
                        others.add(self.index.at(self.item.id, m.start, m.end) or m.text)
            # ... and so is a subject the model tagged as nothing: "Prodigy eulogized her: '...
            # Fatima Johnson, may u Rest In Peace,' he wrote" after a sentence about his mother.
            for start, end, subject in self._untagged_subjects:
                written = self.text[start:end]
                if since <= start < at and written.split()[-1] != name.split()[-1]:
                    others.add(subject or written)  # (not "Gillibrand" again)
            others -= {None, name}
            others = {
                o
                for o in others
                if self.index.label(o) in {"PERSON", None, "ORG"}
                # Someone of the other sex is no rival: "Moreno and his wife Ana ... he said".
                and self.sex.get(o, pronoun) == pronoun
            }
            if others or self.sex.get(name, pronoun) != pronoun:
                return None
            return name
        if state.last_thing and at - state.last_thing[1] < 600:
            return state.last_thing[0]
        return None

    def _only_person_before(self, pronoun: str, at: int) -> str | None:
        """The one person the article names before the pronoun at ``at`` (outside quotations),
        when nobody spoke or was a sentence's subject before it: 'Syrian Foreign Minister Walid
        Moallem vowed to defend his country's "independence." "We are not happy ...," he told
        reporters.' Not when the pronoun's clause names someone else by a pronoun ('"...," she
        recalls him saying', '"...," he told her'): that one may be the named person."""
        if _OTHER_ONE.search(self.text, at, self._sentence_of(at)[1]):
            return None
        # The sentence that the quotation the pronoun attributes opens in.
        opening = next((s for s, e in reversed(self.quoted) if e <= at < e + 4), at)
        sent_start, _, _, index = self._sentence_of(opening)
        named = [
            (s, self.index.at(self.item.id, s, e) or self.text[s:e])
            for s, e in self.people
            if s < at and not self._inside_quotes(s)
        ]
        if len({name for _, name in named}) != 1:
            return None
        sentences = self.item.document.sentences
        # Named in the quotation's sentence or the one before, not further back ('... will allow
        # Mueller to subpoena documents. It could well lead to indictments. "...," he said'
        # quotes someone whose introduction the page lost).
        recent = sentences[index - 1].start if index > 0 else sent_start
        start, name = named[-1]
        return name if start >= recent and self.sex.get(name, pronoun) == pronoun else None

    def _untagged_surname(self, name: str) -> bool:
        """One capitalised word that no entity of the event is called, and no organisation's
        head word: a surname the model missed ("Mayor" for Adrienne Mayor)."""
        return (
            name.isalpha() and name[:1].isupper() and not name.isupper()
            and name.lower() not in ORG_WORDS and self.index.label(name) is None
        )

    def _is_person(self, name: str, mention_label: str | None = None) -> bool:
        """A person by NER (the event's merged entity or the mention's own label), or a
        two/three-word capitalised name; never a name with an organisation's head word (the
        small model tags many personal names ORG, and "Zuckerman Spaeder LLP" PERSON)."""
        words = name.split()
        if {w.lower() for w in words} & ORG_WORDS:
            return False
        label = self.index.label(name)
        if label == "PERSON" or mention_label in {"PERSON", "NAME"}:
            return True
        if label in {"GPE", "LOC", "FAC", "NORP"}:
            return False
        return 2 <= len(words) <= 3 and all(
            w[:1].isupper() and w.replace("-", "").isalpha() for w in words
        )

    def _remember(self, speaker: str | None, at: int, state: _State) -> None:
        if not speaker:
            return
        if self._is_person(speaker):
            state.last_person = (speaker, at)
        else:
            state.last_thing = (speaker, at)

    def _sentence_of(self, pos: int) -> tuple[int, int, str, int]:
        """Start, end, text and index of the sentence at ``pos``."""
        for s in self.item.document.sentences:
            if s.start <= pos < s.end + 1:
                return s.start, s.end, s.text, s.index
        return pos, pos, "", -1

    def _first_person(self, start: int, end: int) -> Mention | None:
        """The first person named in ``[start, end)`` other than as a possessive ("Allen's
        company"), outside quotations."""
        for m in self.item.mentions:
            if (
                start <= m.start
                and m.end <= end
                and not self.text.startswith(("'s", "’s"), m.end)
                # Not "the Red Cross", "a White House official" or "the Red Cross' head".
                and m.text[:1].isupper()
                and not _DETERMINER_BEFORE.search(self.text, max(0, m.start - 4), m.start)
                and not m.text.endswith(("'", "’", "'s", "’s"))
                and not self._inside_quotes(m.start)
                and self._is_person(
                    self.index.at(self.item.id, m.start, m.end) or m.text, m.label
                )
            ):
                return m
        return None

    def _names_person(self, start: int, end: int, at_start: bool = False) -> bool:
        """Whether ``[start, end)`` names a person (:meth:`_first_person`); with ``at_start``,
        whether it opens with one, after capitalised words such as titles ("Rep. Marsha
        Blackburn")."""
        m = self._first_person(start, end)
        return m is not None and (
            not at_start or all(w[:1].isupper() for w in self.text[start : m.start].split())
        )

    def _introduced(self, p_start: int, colon: int) -> str | None:
        """Speaker of a quotation introduced by a colon without a speech verb: the first
        person named in the clause before it ("Rick Perry was not convinced: "…"",
        "TechCrunch's Dan Lyons: "…""). Not when the clause asks ("was asked: "…"") or has
        a pronoun for its subject."""
        start = max(
            (m.end() for m in _CLAUSE_END.finditer(self.text, p_start, colon)), default=p_start
        )
        if _ASKED.search(self.text, start, colon) or _SUBJECT_PRONOUN.search(
            self.text, start, colon
        ):
            # "In the conversation with his fiancee, Rhonda Rouer, he also complained ..., but
            # added:" is his, and who "he" is is decided elsewhere.
            return None
        while (m := self._first_person(start, colon)) and _SHOUTED.search(m.text):
            start = m.end
        return self.index.at(self.item.id, m.start, m.end) or m.text if m else None

    def _speech_subjects(
        self, start: int, end: int, verbs: re.Pattern[str] = _SPEECH
    ) -> Iterator[tuple[int, int, str]]:
        """``(start, end, verb)``: the words before each speech verb in ``[start, end)`` that
        may be its subject, outermost verb first."""
        prefix = self.text[start:end]

        def boundary(before: int) -> int:
            return max(prefix.rfind(mark, 0, before) for mark in ",“”")

        for verb in verbs.finditer(prefix):
            if self._inside_quotes(start + verb.start() - 1) or (
                verb.group() in _NAMING and self._names_a_thing(start + verb.start())
            ):
                continue
            clause_start = boundary(verb.start())
            subject_end = verb.start()
            between = prefix[clause_start + 1 : verb.start()]
            if (
                clause_start >= 0
                and prefix[clause_start] == ","
                and _only_modifiers(between)
                # "…, would only say" ends an appositive only after another comma: "He makes
                # his way to the camera, then says" has none.
                and (not between.strip() or prefix.rfind(",", 0, clause_start) >= 0)
            ):
                # An appositive ends right before the verb. The subject is the appositive when
                # it is a name ("Her lawyer, Michael Avenatti, said"), else the phrase before
                # it ("Paul Thompson, a lawyer representing the Bowman-Cryers, said").
                subject_end = clause_start
                clause_start = boundary(subject_end)
                if (
                    clause_start >= 0
                    and prefix[clause_start] == ","
                    and not self._names_person(
                        start + clause_start + 1, start + subject_end, at_start=True
                    )
                ):
                    subject_end = clause_start
                    clause_start = boundary(subject_end)
                    if (
                        clause_start >= 0
                        and prefix[clause_start] == ","
                        and not self._names_person(start + clause_start + 1, start + subject_end)
                        and self._names_person(
                            start + boundary(clause_start) + 1, start + clause_start
                        )
                    ):
                        # Two appositives: "Rep. Mike McCaul, R-Texas, the chairman of ..."
                        subject_end = clause_start
                        clause_start = boundary(subject_end)
            yield start + clause_start + 1, start + subject_end, verb.group()

    def _named_before(self, start: int, end: int) -> str | None:
        """The person named right before the comma that opens ``[start, end)``, when that
        stands for them: a relative "who" ('said Cruz, who noted that he's the "son of an
        immigrant"'), or a role whose closing comma is missing ("Duong Van Dau, the caretaker
        of the memorial said", "Rabbi Rosen, the international director ... at the American
        Jewish Committee called")."""
        words = self.text[start:end].split()
        role = bool(words) and words != ["who"]
        if not words or role and (
            not words[0][:1].islower()
            or words[0].lower() in _PRONOUNS
            or _LEADING_CONJUNCTION.match(words[0] + " x")
            or self._names_person(start, end)
            or self._clause(start, end)
        ):
            return None
        comma = len(self.text[:start].rstrip()) - 1
        if comma < 0 or self.text[comma] != ",":
            return None
        for mention in self.item.mentions:
            s, e = mention.start, mention.end
            name = self.index.at(self.item.id, s, e) or mention.text
            if e == comma and ((s, e) in self.people or self._is_person(name)):
                # For a role, the name must open its clause ("In New York, Rabbi Rosen, the
                # director ... called"), not end a phrase ("During an interview with Vanity
                # Fair's John Heilpern, the designer admitted").
                sentence_start = self._sentence_of(s)[0]
                opening = self.text[
                    max((m.end() for m in _COMMA.finditer(self.text, sentence_start, s)),
                        default=sentence_start) : s
                ]
                if not role or all(
                    w[:1].isupper() for w in opening.split() if _WORD_CHAR.search(w)
                ):
                    return name
        return None

    def _named_before_place(self, start: int, end: int, floor: int) -> str | None:
        """A place right after a comma qualifies the role before it, and the person named
        before that role speaks: '"…," Thorne Lay, professor of earth sciences at the
        University of California, Santa Cruz said.' (``floor``: where the search may begin)."""
        name = self._name_in(start, end)
        comma = self.text.rfind(",", floor, start)
        if (
            not name
            or self.index.label(name) not in _PLACES
            or comma < 0
            or self.text[comma + 1 : start].strip()
        ):
            return None
        role_start = self.text.rfind(",", floor, comma) + 1
        return self._named_before(role_start, end) if role_start > floor else None

    def _embedded(self, sent_start: int, open_at: int, state: _State) -> str | None:
        """Speaker of a partial quote: the outermost speech verb with a subject before it."""
        prefix = self.text[sent_start:open_at]
        for subject_start, subject_end, _ in self._speech_subjects(
            sent_start, open_at, _SPEECH_OR_DESCRIBING
        ):
            speaker = self._named_before(subject_start, subject_end) or self._speaker(
                subject_start, subject_end, state
            )
            if speaker:
                return speaker
        if _PARTICIPLE.search(prefix):
            first = [
                s
                for s, e in self.people
                if sent_start <= s < open_at and not self._inside_quotes(s)
            ]
            if first:
                name = self.index.at(self.item.id, first[0], first[0] + 1)
                return name
        return None

    def _narration(self, sentence: Sentence) -> tuple[int, str | None, str | None] | None:
        """Who a sentence without quotations is about: ``(end of its subject, the subject when
        it is a named person, whoever its speech verb attributes words to)``; both ``None``
        when its subject asked a question (the answer that follows is someone else's).
        ``None`` when its subject is a pronoun (the sentence goes on about the same one) or
        not found."""
        for subject_start, subject_end, verb in self._speech_subjects(
            sentence.start, sentence.end
        ):
            subject = _subject(self.text[subject_start:subject_end].strip())
            if _LEADING_CONJUNCTION.sub("", subject).lower() in _PRONOUNS:
                return None
            speaker = self._speaker(subject_start, subject_end, _State())
            if speaker and verb.startswith("ask"):
                return subject_end, None, None
            if speaker:
                return subject_end, speaker if self._is_person(speaker) else None, speaker
        for start, end in self.people:
            if (
                not sentence.start <= start < sentence.end
                or self.text.startswith(("'s", "’s"), end)
                or _AFTER_PREPOSITION.search(self.text, max(0, start - 8), start)
            ):
                continue
            if self._subject_before(sentence.start, start):
                return None
            # The subject ends after its tail: a name in it is no rival for a later pronoun.
            end = tail.end() if (tail := _NAME_TAIL.match(self.text, end)) else end
            after = end
            # Up to three appositives: "Alison Jing Xu, who studies decision-making at the
            # University of Minnesota, Minneapolis, sat down"; the name may be one itself:
            # "The group's leader, Col. Riad al-Asaad, refused to comment" (not in words
            # quoted: '"... Fatima Johnson, may u Rest In Peace"', nor after two subjects:
            # "Moreno and his neighbour, Daniel Ortiz, dug").
            named_between_commas = bool(
                self.text.startswith(",", after)
                and (opens := _APPOSITIVE_OPENS.search(self.text, sentence.start, start))
                and " and " not in self.text[sentence.start : opens.start()]
                and not self._inside_quotes(start)
            )
            for appositive in range(4):
                if self._finite_verb_at(
                    after + (appositive > 0 or named_between_commas), sentence.end
                ):
                    name = self.index.at(self.item.id, start, end) or self.text[start:end]
                    return end, name, None
                found = _APPOSITIVE.match(self.text, after, sentence.end)
                if not found:
                    break
                after = found.end()  # at the appositive's closing comma
        return self._untagged_subject(sentence)

    @cached_property
    def _untagged_subjects(self) -> list[tuple[int, int, str | None]]:
        """``(start, end, person)`` of every untagged subject (:meth:`_untagged_subject`) of a
        sentence outside quotations: read once per document, not once per pronoun."""
        return [
            (sentence.start, found[0], found[1])
            for sentence in self.item.document.sentences
            if not self._inside_quotes(sentence.start)
            and (found := self._untagged_subject(sentence))
        ]

    def _untagged_subject(self, sentence: Sentence) -> tuple[int, str | None, None] | None:
        """A sentence opening with a proper noun the model tagged as no entity, then a finite
        verb ("Camp defended the release."): about the person of the event with that name,
        or about someone (or something) unknown, who stands between a pronoun and the
        speaker before it."""
        first = self._token_at(sentence.start)
        if first is None:
            return None
        i = first
        tokens = self.item.tokens
        while i < len(tokens) and i - first < 3 and tokens[i].tag == "NNP" and (
            tokens[i].text[:1].isupper() and tokens[i].text.isalpha() and tokens[i].text != "I"
        ):
            i += 1
        if i == first or i == len(tokens):
            return None
        end = tokens[i - 1].start + len(tokens[i - 1].text)
        if not self._finite_verb_at(end, sentence.end):
            return None
        name = self.index.resolve(self.item.id, self.text[sentence.start : end])
        if name and self.index.label(name) == "PERSON":
            return end, name, None  # a surname tagged as a place ("Camp defended ...")
        if any(sentence.start <= m.start < end for m in self.item.mentions):
            return None  # a tagged entity: a person is read above, anything else is no one
        return end, None, None

    def _names_a_thing(self, pos: int) -> bool:
        """Whether "called"/"calls" (or "described"/"describes") at ``pos`` is a noun ("phone
        calls") or a participle after a noun ("a system called Google Wind"), not a verb
        reporting words."""
        i = self._token_at(pos)
        if i is None:
            return True
        tag = self.item.tokens[i].tag
        if self.item.tokens[i].text.startswith("describ"):
            # "McDonald's describes it as", "has described it as"; not "the newly described
            # foot bones", "a man described as armed".
            return not (tag in {"VBD", "VBZ"} or tag == "VBN" and i > 0
                        and self.item.tokens[i - 1].text.lower() in {"has", "have", "had"})
        return tag == "NNS" or (
            tag not in {"VBD", "VBZ"} and i > 0 and self.item.tokens[i - 1].tag in {"NN", "NNS"}
        )

    def _subject_before(self, sentence_start: int, pos: int) -> bool:
        """Whether a finite verb comes before ``pos`` in its clause, after a name or a pronoun:
        "Sanders, well aware of it, considered it bold that Francis would praise her" is not
        about Francis ("There has been speculation that Zuckerberg could run" is about
        Zuckerberg). A clause before a comma is left out: "After he left office, Smith ..."."""
        clause = self.text.rfind(",", sentence_start, pos) + 1 or sentence_start
        first = bisect_left(self.token_starts, sentence_start)
        for i in range(bisect_left(self.token_starts, clause), bisect_left(self.token_starts, pos)):
            verb = self.item.tokens[i]
            if verb.tag in _FINITE_VERB_TAGS:
                return any(
                    t.tag == "PRP" and t.text.lower() in _PERSONAL_SUBJECTS
                    for t in self.item.tokens[first:i]
                ) or any(
                    sentence_start <= m.start < verb.start and m.label not in _NOT_SUBJECTS
                    for m in self.item.mentions
                )
        return False

    def _finite_verb_at(self, pos: int, limit: int) -> bool:
        """Whether the first word at or after ``pos`` (spaces skipped) is a finite verb, after
        at most two adverbs ("Gillibrand often talks")."""
        while pos < limit and self.text[pos].isspace():
            pos += 1
        token = self._token_at(pos)
        if token is None:
            return False
        for t in self.item.tokens[token : token + 3]:
            if t.tag != "RB":
                return t.tag in _FINITE_VERB_TAGS and t.start < limit
        return False

    def _count_pronouns(self) -> None:
        """Sex from the article's own pronouns, for names no honorific sexed: the "he/his/him"
        and "she/her" outside quotations in a sentence that names one person, and in the next
        if it names nobody, count for that person; two or more, four in five of one kind,
        decide ("Jennifer Rivers mourned her son ... She wants ...")."""
        votes: dict[str, Counter] = {}
        sentences = self.item.document.sentences
        named: list[set[str]] = []
        for sentence in sentences:
            named.append({
                self.index.at(self.item.id, s, e) or self.text[s:e]
                for s, e in self.people
                if sentence.start <= s < sentence.end and not self._inside_quotes(s)
            })
        for i, sentence in enumerate(sentences):
            if len(named[i]) != 1:
                continue
            (name,) = named[i]
            for j in (i, i + 1):
                if j > i and (j >= len(sentences) or named[j]):
                    break
                for word in _PRONOUN_WORD.finditer(self.text, sentences[j].start, sentences[j].end):
                    if not self._inside_quotes(word.start()):
                        kind = "he" if word.group().lower() in _HIS else "she"
                        votes.setdefault(name, Counter())[kind] += 1
        for name, counts in votes.items():
            kind, n = counts.most_common(1)[0]
            if name not in self.sex and n >= 2 and n >= 0.8 * sum(counts.values()):
                self.sex[name] = kind

    def _read_narration(self) -> None:
        """Fills ``person_subjects`` (sorted ``(end, name)``: the named or unnamed people that
        sentences without quotations are about) and ``narrated_speakers`` (sentence index ->
        whoever that sentence reports as speaking)."""
        for sentence in self.item.document.sentences:
            if any(sentence.start <= s < sentence.end + 1 for s, _ in self.quoted):
                continue
            found = self._narration(sentence)
            if found is None:
                continue
            end, person, speaker = found
            if speaker:
                self.narrated_speakers[sentence.index] = speaker
            if person or speaker is None or (
                self.index.label(speaker) is None
                and speaker.split()[-1].lower() not in ORG_WORDS
            ):
                self.person_subjects.append((end, person or ""))
                if not person and speaker and (sex := _sex_of_phrase(speaker)):
                    self.subject_sex[end] = sex

    def read(self, published: str | None) -> list[QuoteMention]:
        out: list[QuoteMention] = []
        state = _State()
        offset = 0
        spans_by_paragraph = []
        for p_index, paragraph in enumerate(self.text.split("\n")):
            spans = [(offset + s, offset + e) for s, e in quotation_spans(paragraph)]
            spans_by_paragraph.append((p_index, offset, paragraph, spans))
            self.quoted += spans
            offset += len(paragraph) + 1
        self._read_narration()
        self._count_pronouns()
        for p_index, p_start, paragraph, spans in spans_by_paragraph:
            p_end = p_start + len(paragraph)
            if not spans:
                continue
            # Whether the paragraph has a letter or digit outside its quotations.
            outside = _WORD_CHAR.search(
                "".join(
                    self.text[a:b]
                    for a, b in zip(
                        [p_start] + [e + 1 for _, e in spans], [s - 1 for s, _ in spans] + [p_end]
                    )
                    if b > a
                )
            )
            previous: tuple[int, str | None] | None = None  # (end, speaker) of the last span
            for start, end in spans:
                inner = self.text[start:end].strip()
                speaker = None
                # Where the attribution ends when it follows the quotation: the names inside
                # it ("..., Annan spokesman Ahmad Fawzi told AFP") are no rivals for a later
                # "he".
                said_end = end
                # AP's ASCII copy closes with two apostrophes: '"I think so,'' Heath said'.
                after = end + (2 if self.text.startswith(("''", "’’"), end) else 1)
                tail = self.text[after:p_end] if end < p_end else ""
                # A speaker before the quote is at most 90 characters plus its verb; searching
                # the whole paragraph head for a match anchored at its end is quadratic.
                head_start = max(p_start, start - 1 - _HEAD_CHARS)
                head = self.text[head_start : max(p_start, start - 1)]
                sent_start, sent_end, sentence, sent_index = self._sentence_of(start)
                quote_only = not _WORD_CHAR.search(
                    self.text[sent_start:start]
                ) and not _WORD_CHAR.search(self.text[end:sent_end])
                if (
                    (m := _AFTER_VERB_FIRST.match(tail))
                    or (m := _AFTER_SPEAKER_FIRST.match(tail))
                    and not _SPEECH.search(m.group("spk"))
                    # After a full stop, only a sentence of its own ('"…." Smith said.'):
                    # '"… a pinhead." Several former colleagues of Mercer's said that …' and
                    # '"…." Benedict replied: "…"' begin another sentence.
                    and (not inner.endswith(".") or _ENDS_SENTENCE.match(tail, m.end()))
                ) and (
                    m.group("verb") not in _ONLY_AFTER
                    or inner.endswith((",", "?", "!"))
                    or tail.lstrip().startswith(",")
                ):
                    spk = (after + m.start("spk"), after + m.end("spk"))
                    if m.groupdict().get("apposition"):
                        apposition = (
                            after + m.start("apposition"), after + m.end("apposition")
                        )
                        if not self._names_person(*spk) and self._names_person(
                            *apposition, at_start=True
                        ):
                            # '"…," his mom, Filomena Lima, tells Us': the appositive names her.
                            spk = apposition
                    speaker = self._speaker(*spk, state)
                    said_end = after + m.end("spk")
                if speaker is None and (m := _DASHED.match(tail)):
                    speaker = self._signed(after + m.start("spk"), after + m.end("spk"), state)
                if (
                    speaker is None
                    and (verb := _BEFORE_VERB.search(head))
                    and (m := _BEFORE.search(head, max(0, verb.start() - _SPEAKER_CHARS)))
                ):
                    spk = (head_start + m.start("spk"), head_start + m.end("spk"))
                    # 'Margaret Beckett, the U.K.'s Foreign Secretary said, "…"'
                    speaker = self._named_before(*spk) or self._speaker(*spk, state)
                if speaker is None and sent_start < start - 1:
                    speaker = self._embedded(sent_start, start - 1, state)
                if (
                    speaker is None
                    # The sentence the quotation ends in (a long one spans several): '"It was a
                    # very tragic death. Not that ... Beach," Kelly Keyes, supervising deputy
                    # coroner said.'
                    and end < (last_end := self._sentence_of(max(start, end - 1))[1])
                    and (m := _SENTENCE_FINAL.search(self.text, after, last_end))
                ):
                    speaker = (
                        self._named_before(m.start("spk"), m.end("spk"))
                        or self._named_before_place(m.start("spk"), m.end("spk"), after)
                        or self._speaker(m.start("spk"), m.end("spk"), state)
                    )
                    said_end = m.end("spk")
                if speaker is None and (colon := _COLON_BEFORE.search(head)):
                    speaker = self._introduced(p_start, head_start + colon.start())
                # The sentence goes on after the quotation: '"…," X …' or '"…", X …'.
                continues = inner.endswith(",") or tail.lstrip().startswith(",")
                if (
                    speaker is None
                    and (continues or inner.endswith(("?", "!")))
                    and (
                        (m := _ANY_VERB_AFTER.match(tail))
                        or (m := _VERB_FIRST_ANY.match(tail))
                    )
                    # After a question or an exclamation, a sentence of its own may begin:
                    # '"…?" Brexit features on several front pages.'
                    and (continues or not m.group("adverbial"))
                    and (named := self._speaker(
                        after + m.start("spk"), after + m.end("spk"), state
                    ))
                    and self._is_person(named)
                ):
                    speaker, said_end = named, after + m.end("spk")
                if speaker is None and previous and _SPLIT_BY_ATTRIBUTION.fullmatch(
                    self.text, previous[0], start
                ):
                    # The rest of a quotation split by its attribution: '"It was a prolific
                    # time," says singer Robert Plant, "where we were learning ..."'.
                    speaker = previous[1]
                if (
                    speaker is None
                    and not outside
                    and state.last_paragraph_speaker
                    and state.last_paragraph_speaker[0] == p_index - 1
                ):
                    speaker = state.last_paragraph_speaker[1]
                if (
                    speaker is None
                    and quote_only
                    and state.last_quote_sentence
                    and not _WORD_CHAR.search(self.text[state.last_quote_sentence[0] : sent_start])
                ):
                    # A sentence that is only a quotation, right after a quoted speaker's
                    # sentence, is theirs: '"...," Brandt said. "We are confident ..."'.
                    speaker = state.last_quote_sentence[1]
                if speaker is None and quote_only:
                    # ... and so is one right after a sentence reporting what someone said:
                    # 'King said one might have a fractured leg. "Another is better ..."'.
                    speaker = self.narrated_speakers.get(sent_index - 1)
                previous = (end, speaker)
                self._remember(speaker, said_end if speaker else end, state)
                if speaker:
                    state.last_paragraph_speaker = (p_index, speaker)
                    state.last_quote_sentence = (sent_end, speaker)
                if len(quote_words(inner)) < MIN_WORDS or _is_title(inner):
                    continue
                out.append(
                    QuoteMention(
                        self.item.id,
                        inner.rstrip(",").strip(),
                        speaker,
                        sentence or paragraph,
                        start,
                        end,
                        published,
                    )
                )
        return out


def find_quotes(item: Annotated, index: EntityIndex) -> list[QuoteMention]:
    """The quotations of one document with their speakers."""
    return _Reader(item, index).read(item.document.article.published)


def full_speaker_names(mentions: Sequence[QuoteMention]) -> list[QuoteMention]:
    """One-word speakers replaced by the one longer speaker name they are part of.

    NER misses some names ("Governor Ana Ruiz told reporters"), but the attribution
    "said Ana Ruiz" still names her in full; "Ruiz said" elsewhere then means her. Looked up
    in the same article first, then across the event; ambiguous names stay as they are.
    """
    full = {
        m.speaker
        for m in mentions
        if m.speaker
        and len(m.speaker.split()) >= 2
        and all(w[:1].isupper() for w in m.speaker.split())
    }
    by_doc: dict[str, set[str]] = {}
    for m in mentions:
        if m.speaker in full:
            by_doc.setdefault(m.article_id, set()).add(m.speaker)
    out = []
    for m in mentions:
        if m.speaker and " " not in m.speaker and m.speaker[:1].isupper():
            for pool in (by_doc.get(m.article_id, set()), full):
                hits = {n for n in pool if m.speaker in (n.split()[0], n.split()[-1])}
                if len(hits) == 1:
                    m = replace(m, speaker=hits.pop())
                    break
                if hits:
                    break
        out.append(m)
    return out


@dataclass(frozen=True, slots=True)
class _Wording:
    """A mention's words in the forms :func:`_same_quote` compares, built once per mention
    instead of once per compared pair."""

    words: tuple[str, ...]
    distinct: frozenset[str]
    counts: Counter[str]  # never changed after it is built
    spaced: str  # " w1 w2 ... wn ": one wording is a contiguous part of another by ``in``


def _wording(text: str) -> _Wording:
    """The wording of a quote's text (its :func:`quote_words`)."""
    words = tuple(quote_words(text))
    return _Wording(words, frozenset(words), Counter(words), " " + " ".join(words) + " ")


def _quick_ratio(wa: _Wording, wb: _Wording) -> float:
    """``SequenceMatcher(None, wa.words, wb.words).quick_ratio()`` without building a matcher.

    Its matches are the size of the multiset intersection of the two word lists; the ratio
    is computed with difflib's expression (``2.0 * M / T``, 1.0 for two empty lists) so that
    comparisons against a threshold come out the same.
    """
    ca, cb = wa.counts, wb.counts
    matches = sum([min(ca[w], cb[w]) for w in wa.distinct & wb.distinct])
    total = len(wa.words) + len(wb.words)
    return 2.0 * matches / total if total else 1.0


def _same_quote(a: QuoteMention, b: QuoteMention, wa: _Wording, wb: _Wording) -> bool:
    """Whether ``a`` and ``b`` (worded ``wa`` and ``wb``) are one quotation: the shorter is a
    contiguous part of the longer (4 words at least), or their difflib ratio is 0.75 or more.

    Either needs 4 distinct words in common, or as many as 0.375 of the shorter's length.
    """
    if a.speaker and b.speaker and a.speaker != b.speaker:
        return False
    short, long_ = (wa, wb) if len(wa.words) <= len(wb.words) else (wb, wa)
    size, total = len(short.words), len(wa.words) + len(wb.words)
    # The length bound on ratio() (real_quick_ratio): most pairs fail it, and then only a
    # contiguous part can match, which needs all the part's distinct words in the other
    # wording; a subset test stops at the first missing word, where an intersection does not.
    close_lengths = 2 * size >= 0.75 * total
    if close_lengths:
        common = short.distinct & long_.distinct
    elif short.distinct <= long_.distinct:
        common = short.distinct
    else:
        return False
    shared = len(common)
    if shared * 2 < 0.75 * size and shared < 4:
        return False  # too few words in common for either test
    if size >= 4 and shared == len(short.distinct) and short.spaced in long_.spaced:
        return True
    if not close_lengths:
        return False
    # quick_ratio() bounds ratio() from above and costs a fraction of it.
    if _quick_ratio(wa, wb) < 0.75:
        return False
    return SequenceMatcher(None, wa.words, wb.words, autojunk=False).ratio() >= 0.75


def merge_quotes(mentions: Sequence[QuoteMention], order: Mapping[str, int]) -> tuple[Quote, ...]:
    """One :class:`Quote` per quotation across articles, sources earliest first."""

    def rank(m: QuoteMention) -> tuple:
        return (m.published is None, m.published or "", order.get(m.article_id, 0), m.start)

    # _same_quote needs min(4, 0.375 * the shorter length) distinct words in common, so each
    # mention is compared only with the groups whose words (all members' together) reach
    # that for the group's shortest member: most pairs of a big event share only "the" and
    # "to", and are ruled out by counting.
    groups: list[list[QuoteMention]] = []
    wordings: list[list[_Wording]] = []
    articles: list[set[str]] = []
    reach: list[float] = []  # 0.375 * the group's shortest length
    groups_with: dict[str, set[int]] = {}
    for mention in sorted(mentions, key=rank):
        wording = _wording(mention.text)
        words = wording.words
        keys = wording.distinct or {""}
        shared = Counter(chain.from_iterable(groups_with.get(k, ()) for k in keys))
        # count >= min(4, 0.375 * min(len(words), the group's shortest length)), split so
        # that only the group's part is looked up per group.
        needed = min(4, 0.375 * len(words))
        candidates = sorted(
            index for index, count in shared.items() if count >= needed or count >= reach[index]
        )
        for index in candidates:
            if mention.article_id in articles[index]:
                continue
            group = groups[index]
            for g, w in zip(group, wordings[index]):
                if _same_quote(mention, g, wording, w):
                    break
            else:
                continue
            group.append(mention)
            wordings[index].append(wording)
            articles[index].add(mention.article_id)
            reach[index] = min(reach[index], 0.375 * len(words))
            break
        else:
            index = len(groups)
            groups.append([mention])
            wordings.append([wording])
            articles.append({mention.article_id})
            reach.append(0.375 * len(words))
        for k in keys:
            groups_with.setdefault(k, set()).add(index)
    quotes = []
    for group, worded in zip(groups, wordings):
        first = group[0]
        speaker = next((g.speaker for g in group if g.speaker), None)
        # A spaced wording stands for its word list: words hold no spaces.
        seen = {worded[0].spaced}
        variants = []
        for g, wording in zip(group[1:], worded[1:]):
            if wording.spaced not in seen:
                seen.add(wording.spaced)
                variants.append(g.text)
        sources = tuple(dict.fromkeys(g.article_id for g in group))
        published = [g.published for g in group if g.published]
        quotes.append(
            (
                rank(first),
                Quote(
                    first.text,
                    speaker,
                    first.sentence,
                    sources,
                    min(published, key=publication_key) if published else None,
                    tuple(variants),
                ),
            )
        )
    quotes.sort(key=lambda q: q[0])
    return tuple(q for _, q in quotes)
