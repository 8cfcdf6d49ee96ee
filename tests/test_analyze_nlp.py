"""The NER pass: whole documents within the word budget, a sentence sample past it."""

from __future__ import annotations

import pytest

from newsbrief.analyze import analyze_event, nlp
from newsbrief.pipeline import load_articles, prepare_articles

pytestmark = pytest.mark.skipif(not nlp.ner_available(), reason="needs the spaCy model")


@pytest.fixture(scope="module")
def seed_documents(seeds_dir):
    articles, _ = load_articles([seeds_dir])
    return prepare_articles(articles)


def words(documents) -> int:
    return sum(len(d.text.split()) for d in documents)


def test_within_the_budget_every_document_is_read_whole(seed_documents):
    whole = nlp.annotate(seed_documents)
    assert nlp.annotate(seed_documents, max_words=words(seed_documents)) == whole
    assert all(a.tokens[-1].pos for a in whole)  # the model tagged to the end


def test_past_the_budget_the_model_reads_first_sentences_first(seed_documents):
    sampled = nlp.annotate(seed_documents, max_words=300)
    for item in sampled:
        text = item.document.text
        first = item.document.sentences[0]
        last = item.document.sentences[-1]
        tagged = {t.start for t in item.tokens if t.pos}
        assert any(first.start <= s < first.end for s in tagged)
        assert not any(last.start <= s < last.end for s in tagged)
        # Every sentence is still tokenized, with offsets into the document's text.
        assert all(text[t.start : t.end] == t.text for t in item.tokens)
        assert {t.start for t in item.tokens if last.start <= t.start < last.end}


def test_names_found_in_the_sample_are_found_again_in_unread_sentences(seed_documents):
    sampled = nlp.annotate(seed_documents, max_words=300)
    read = {
        (m.text, m.label)
        for item in sampled
        for m in item.mentions
        if any(t.pos and t.start == m.start for t in item.tokens)
    }
    propagated = [
        (item, m)
        for item in sampled
        for m in item.mentions
        if not any(t.pos and t.start == m.start for t in item.tokens)
    ]
    assert propagated
    for item, m in propagated:
        assert item.document.text[m.start : m.end] == m.text
        assert (m.text, m.label) in read  # a name the model read, with a label it gave it


def test_a_sampled_analysis_keeps_the_main_people_and_speakers(seed_documents):
    full = analyze_event(seed_documents)
    sampled = analyze_event(seed_documents, ner_words=800)
    assert sampled.entities != full.entities  # the sample really was smaller
    people = [e.name for e in full.entities if e.type == "PERSON"][:3]
    assert set(people) <= {e.name for e in sampled.entities}
    assert len(sampled.quotes) == len(full.quotes)  # quotes come from the text, not the model
    assert {q.speaker for q in full.quotes if q.speaker in people} <= {
        q.speaker for q in sampled.quotes
    }


def test_part_of_speech_from_the_tag_rules_is_the_attribute_rulers(seed_documents):
    import spacy

    model = nlp.load_model()
    assert "attribute_ruler" not in model.pipe_names  # replaced by the rule table
    with_ruler = spacy.load(_installed_model(), disable=list(nlp.DISABLED))
    assert "attribute_ruler" in with_ruler.pipe_names
    for document in seed_documents:
        expected = [
            (t.text, t.idx, t.pos_, t.tag_) for t in with_ruler(document.text) if not t.is_space
        ]
        got = [(t.text, t.start, t.pos, t.tag) for t in nlp.parse_texts([document.text])[0][0]]
        assert got == expected
        assert {pos for _, _, pos, _ in got} >= {"NOUN", "VERB", "PROPN", "AUX", "PART"}


def _installed_model() -> str:
    import importlib.util

    return next(name for name in nlp.MODEL_NAMES if importlib.util.find_spec(name))


def test_a_name_that_is_also_a_month_is_not_carried_to_the_month():
    from newsbrief.models import Article

    first = Article(
        id="a", title="Talks", outlet="a.example", published="2019-03-22",
        text='"We will leave on time," May said.\n\n'
        "The vote was first planned in May, officials said.\n\n"
        "The opposition disagreed with May on the timing of a vote on 12 May.",
    )
    second = Article(
        id="b", title="Deal", outlet="b.example", published="2019-03-22",
        text="Leaders met in Brussels on Thursday.\n\nMay was not there.",
    )
    documents = prepare_articles([first, second])
    sampled = nlp.annotate(documents, max_words=8)  # the two first sentences only
    assert all(item.sampled for item in sampled)
    may = [
        (sentence.text, m.label)
        for item in sampled
        for m in item.mentions
        if m.text == "May"
        for sentence in item.document.sentences
        if sentence.start <= m.start < sentence.end
    ]
    assert may == [
        ('"We will leave on time," May said.', "PERSON"),  # read by the model
        ("The opposition disagreed with May on the timing of a vote on 12 May.", "PERSON"),
        ("May was not there.", "PERSON"),  # carried to unread sentences, but not to the month:
    ]  # "planned in May" and "on 12 May" have no mention
