"""The summarizers' parts on small real inputs: compression, concepts, the ILP, the greedy
methods, length choice, headline, ordering and a quality gate on a dev slice."""

from __future__ import annotations

import itertools
import json
import re

import numpy as np
import pytest

import newsbrief
from newsbrief.config import BriefConfig
from newsbrief.errors import NewsbriefError
from newsbrief.evaluate import evaluate
from newsbrief.pipeline import event_input, load_articles, prepare_articles
from newsbrief.summarize import EventInput, get_summarizer
from newsbrief.summarize.compress import compress
from newsbrief.summarize.concepts import (
    FEATURES,
    ConceptOptions,
    ConceptSpace,
    build_space,
    concept_table,
    is_prose,
    overlap_pairs,
    same_quote_pairs,
    sentence_concepts,
)
from newsbrief.summarize.ilp import ConceptILP, solve_ilp
from newsbrief.summarize.length import MAX_WORDS, MIN_WORDS, choose_length
from newsbrief.summarize.prior import (
    PRIOR_FEATURES,
    apply_prior,
    precision_target,
    sentence_features,
)
from newsbrief.summarize.submodular import ConceptGreedy, LinBilmes
from newsbrief.summarize.trees import TreeEnsemble
from conftest import EXAMPLES

_TOKENS = re.compile(r"\w+")


@pytest.fixture(scope="module")
def seed_documents(seeds_dir):
    articles, _ = load_articles([seeds_dir])
    return prepare_articles(articles)


@pytest.fixture(scope="module")
def seed_event(seed_documents):
    return event_input(seed_documents, BriefConfig())


def is_shortening(short: str, long: str) -> bool:
    """Every word of ``short`` appears in ``long`` in the same order (case aside)."""
    words = iter(t.lower() for t in _TOKENS.findall(long))
    return all(any(w == t for t in words) for w in (t.lower() for t in _TOKENS.findall(short)))


# --- compression -------------------------------------------------------------------------

@pytest.mark.parametrize("sentence, expected", [
    ("WASHINGTON (AP) — The Senate voted on Tuesday to approve the new budget bill.",
     "The Senate voted on Tuesday to approve the new budget bill."),
    ("LONDON, March 3 (Reuters) - British retail sales rose more than expected in February.",
     "British retail sales rose more than expected in February."),
    ("However, the company said profits had fallen sharply in the last quarter.",
     "The company said profits had fallen sharply in the last quarter."),
    ("The company's chief executive (pictured) resigned after the scandal on Friday.",
     "The company's chief executive resigned after the scandal on Friday."),
    ("At least 40 people were killed in the attack on the market, police said.",
     "At least 40 people were killed in the attack on the market."),
    ("Prices rose 3 percent in May, the statistics office said in a statement.",
     "Prices rose 3 percent in May."),
])
def test_compress_drops_only_safe_parts(sentence, expected):
    assert compress(sentence) == expected
    assert is_shortening(compress(sentence), sentence)


@pytest.mark.parametrize("sentence", [
    '"We will not stop until we win this fight," he said.',  # a quote keeps its speaker
    "The bill passed 52-48, according to the clerk.",  # too little would be left
    "He said that the deal was done and the money was paid.",  # nothing to drop
    "The treaty was signed in Paris (in 1919) after months of talks.",  # a year stays
])
def test_compress_leaves_sentences_it_cannot_shorten_safely(sentence):
    assert compress(sentence) == sentence


def test_compressed_seed_sentences_are_faithful_shortenings(seed_documents):
    changed = 0
    for document in seed_documents:
        for sentence in document.sentences:
            short = compress(sentence.text)
            assert is_shortening(short, sentence.text)
            changed += short != sentence.text
    assert changed > 0  # the seeds have attribution tails ("state media said")


# --- concepts ----------------------------------------------------------------------------

def test_sentence_concepts_are_stemmed_bigrams_with_a_content_word():
    concepts = sentence_concepts("The envoys will travel to North Korea on Friday.")
    assert "envoy will" in concepts and "north korea" in concepts
    assert "to the" not in concepts and "on the" not in concepts  # stop words only
    assert all(len(c.split()) == 2 for c in concepts)


def test_syndicated_copies_vote_once(seed_event):
    """000 and 001 are one wire story: their shared bigrams count one source, not two."""
    names, table = concept_table(seed_event)
    without = EventInput(seed_event.documents, {}, seed_event.groups)
    names_plain, table_plain = concept_table(without)
    col = FEATURES.index("log_sources")
    concept = "special envoy"
    sources = np.expm1(table[names.index(concept), col])
    sources_plain = np.expm1(table_plain[names_plain.index(concept), col])
    assert sources_plain == pytest.approx(sources + 1)


def test_candidates_are_prose_within_length_limits(seed_event):
    options = ConceptOptions()
    space = build_space(seed_event, options)
    assert space.candidates
    for candidate in space.candidates:
        assert options.min_words <= candidate.words <= options.max_words
        assert not candidate.text.endswith("?")
        assert is_shortening(candidate.text, candidate.group.text)


def test_learned_weights_are_probabilities_and_favour_shared_lead_concepts(seed_event):
    space = build_space(seed_event)
    assert np.all((space.weights > 0) & (space.weights < 1))
    support = build_space(seed_event, ConceptOptions(weighting="support"))
    assert np.all(support.weights >= 1)


def test_exported_trees_predict_as_scikit_learn_does(seed_event):
    from sklearn.ensemble import HistGradientBoostingClassifier

    names, table = concept_table(seed_event)
    title = set(sentence_concepts(seed_event.documents[0].article.title))
    labels = np.array([n in title for n in names])
    assert labels.any() and not labels.all()
    model = HistGradientBoostingClassifier(max_iter=15, max_depth=3, min_samples_leaf=5,
                                           early_stopping=False).fit(table, labels)
    trees = TreeEnsemble.from_sklearn(model)
    assert np.allclose(trees.predict_proba(table), model.predict_proba(table)[:, 1])
    again = TreeEnsemble.from_json(json.loads(json.dumps(trees.to_json())))
    assert np.allclose(again.predict_proba(table), trees.predict_proba(table))
    # Big inputs walk the trees for distinct rows only; the answer is the same.
    big = np.vstack([table] * (1 + 2000 // len(table)))[::-1]
    assert np.allclose(trees.predict_proba(big), model.predict_proba(big)[:, 1])


def test_shipped_concept_models_load_and_differ(seed_event):
    trees = build_space(seed_event).weights
    logistic = build_space(seed_event, ConceptOptions(weighting="logistic")).weights
    assert trees.shape == logistic.shape
    assert np.all((logistic > 0) & (logistic < 1))
    assert not np.allclose(trees, logistic)
    # Both rank a concept all five outlets carry early above one a single outlet has late.
    _, table = concept_table(seed_event)
    spread = table[:, FEATURES.index("log_sources")] + table[:, FEATURES.index("first_position")]
    top, bottom = int(np.argmax(spread)), int(np.argmin(spread))
    assert trees[top] > trees[bottom] and logistic[top] > logistic[bottom]


# --- the sentence prior ------------------------------------------------------------------

def test_precision_target_is_rouge1_precision():
    # 4 of the 5 stemmed tokens occur ("the", "envoy", "arriv", "pyongyang"); "friday" not.
    assert precision_target("The envoys arrived Friday Pyongyang.",
                            ["An envoy arrives in Pyongyang with the delegation."]) == \
        pytest.approx(0.8)
    assert precision_target("Nothing shared here.", ["Completely different words."]) == 0.0
    # Several references: averaged.
    assert precision_target("Rain fell.", ["Rain fell.", "Snow came."]) == pytest.approx(0.5)


def test_sentence_features_describe_each_candidate(seed_event):
    space = build_space(seed_event)
    rows = sentence_features(space, seed_event.documents)
    assert rows.shape == (len(space.candidates), len(PRIOR_FEATURES))
    assert np.isfinite(rows).all()
    first = rows[:, PRIOR_FEATURES.index("is_first")]
    assert first.sum() == sum(c.position == 0 for c in space.candidates) > 0
    quote = rows[:, PRIOR_FEATURES.index("has_quote")]
    assert all(q == float('"' in c.text or "“" in c.text) for q, c in zip(quote, space.candidates))


def test_prior_is_centred_and_favours_ledes(seed_event):
    space = apply_prior(build_space(seed_event), seed_event.documents)
    per_word = np.array([c.prior / c.words for c in space.candidates])
    assert per_word.mean() == pytest.approx(0.0, abs=1e-9)
    lede = [p for p, c in zip(per_word, space.candidates) if c.position == 0]
    later = [p for p, c in zip(per_word, space.candidates) if c.position >= 5]
    assert np.mean(lede) > np.mean(later)
    off = apply_prior(build_space(seed_event), seed_event.documents, scale=0.0)
    assert all(c.prior == 0.0 for c in off.candidates)


def test_a_large_prior_forces_a_sentence_into_the_ilp(seed_event):
    full = build_space(seed_event)
    space = ConceptSpace(full.candidates[:12], full.weights, full.sources)
    plain = solve_ilp(space, 40, np.zeros(12))
    outsider = next(j for j in range(12) if j not in plain and space.candidates[j].words <= 40)
    bonus = np.zeros(12)
    bonus[outsider] = 100.0
    assert outsider in solve_ilp(space, 40, bonus)


# --- the ILP -----------------------------------------------------------------------------

def _brute_force(space: ConceptSpace, budget: int, pairs) -> float:
    best = 0.0
    n = len(space.candidates)
    for size in range(n + 1):
        for chosen in itertools.combinations(range(n), size):
            if sum(space.candidates[j].words for j in chosen) > budget:
                continue
            if any(a in chosen and b in chosen for a, b in pairs):
                continue
            covered = {i for j in chosen for i in space.candidates[j].concepts}
            best = max(best, float(space.weights[list(covered)].sum()) if covered else 0.0)
    return best


def test_ilp_finds_the_exact_optimum(seed_event):
    full = build_space(seed_event)
    space = ConceptSpace(full.candidates[:12], full.weights, full.sources)
    pairs = overlap_pairs(space.candidates, 0.65)
    for budget in (25, 60):
        chosen = solve_ilp(space, budget, np.zeros(len(space.candidates)), pairs)
        covered = {i for j in chosen for i in space.candidates[j].concepts}
        value = float(space.weights[list(covered)].sum())
        assert value == pytest.approx(_brute_force(space, budget, pairs))
        assert sum(space.candidates[j].words for j in chosen) <= budget


def test_a_quotation_reported_by_two_outlets_is_summarized_once():
    """The bundled example quotes the envoy in two outlets' words ("We are going to Kessel to
    listen, and to find a schedule..." / "We are going to Kessel to listen," Ilves told...):
    the sentences differ too much for the concept overlap rule, but not in what they quote."""
    articles, _ = load_articles([EXAMPLES / "envoy"])
    event = event_input(prepare_articles(articles), BriefConfig())
    pairs = set(same_quote_pairs(ConceptILP().space(event).candidates))
    assert pairs

    def repeated(selections) -> list[str]:
        texts = [s.output_text.lower() for s in selections]
        return [a for a, b in itertools.combinations(texts, 2)
                if "kessel to listen" in a and "kessel to listen" in b]

    assert repeated(get_summarizer("ilp-repeatquotes").summarize(event, 300))
    assert not repeated(ConceptILP().summarize(event, 300))


@pytest.mark.parametrize("method", [ConceptILP, ConceptGreedy, LinBilmes])
def test_methods_fill_but_never_exceed_the_budget(method, seed_event):
    for budget in (40, 120):
        chosen = method().summarize(seed_event, budget)
        words = sum(len(s.output_text.split()) for s in chosen)
        assert 0 < words <= budget
        assert words >= budget * 0.6  # the budget is used, not left empty


def test_ilp_never_repeats_itself(seed_event):
    chosen = ConceptILP().summarize(seed_event, 150)
    sets = [set(sentence_concepts(s.output_text)) for s in chosen]
    for a, b in itertools.combinations(sets, 2):
        assert len(a & b) < 0.65 * min(len(a), len(b))


def test_unknown_method_names_the_known_ones():
    with pytest.raises(NewsbriefError, match="ilp"):
        get_summarizer("no-such-method")


def test_default_method_is_the_ilp():
    assert BriefConfig().method == "ilp"


# --- length, headline, order -------------------------------------------------------------

def test_length_grows_with_the_input(seed_documents):
    one = choose_length(seed_documents[:1])
    five = choose_length(seed_documents)
    many = choose_length(list(seed_documents) * 40)
    assert MIN_WORDS <= one <= five <= many <= MAX_WORDS
    assert one < many


def test_seed_brief_is_traceable_ordered_and_has_a_short_headline(seed_documents):
    brief = newsbrief.brief_documents(seed_documents, BriefConfig(words=None, analyze=False))
    by_id = {d.id: d for d in seed_documents}
    assert 1 <= len(brief.headline) <= 2
    assert sum(len(s.text.split()) for s in brief.headline) <= 40
    for sentence in brief.headline + brief.summary:
        source = by_id[sentence.article_id].sentences[sentence.sentence_index].text
        assert is_shortening(sentence.text, source)
        assert sentence.article_id in sentence.sources
        for other in sentence.sources:  # each cited article carries the sentence or a near copy
            assert any(
                len(set(sentence_concepts(s.text)) & set(sentence_concepts(sentence.text)))
                for s in by_id[other].sentences
            )
    # Reading order: by the earliest article (publication date, then input order) that
    # carries each sentence.
    rank = {d.id: (d.article.published or "9999", i) for i, d in enumerate(seed_documents)}
    keys = [min(rank[a] for a in s.sources) for s in brief.summary]
    assert keys == sorted(keys)
    assert len(set(keys)) > 1
    # The headline opens with an article's lede: its first prose sentence of six words or
    # more (or a near copy of it, when the outlets' versions of the sentence differ a little).
    def lede(document):
        return next(s for s in document.sentences if len(s.text.split()) >= 6 and is_prose(s.text))

    head = set(sentence_concepts(brief.headline[0].text))
    assert any(
        len(head & set(sentence_concepts(lede(by_id[a]).text))) >= 0.5 * len(head)
        for a in brief.headline[0].sources
    )
    # The wire story told by 000 and 001 is cited with both outlets.
    assert any(len(s.sources) > 1 for s in brief.headline + brief.summary)


# --- quality gate ------------------------------------------------------------------------

def test_headline_is_the_central_lede_and_keeps_to_its_budget(seed_event):
    ilp = ConceptILP()
    space = ilp.space(seed_event)
    headline = ilp.headline(seed_event, 40)
    assert headline and sum(len(s.output_text.split()) for s in headline) <= 40
    # No other independent article's lede covers more concept weight than the chosen one.
    chosen = space.value(headline[0].output_text)
    for document in seed_event.documents:
        if document.id in seed_event.duplicates:
            continue
        first = next(s for s in document.sentences
                     if len(s.text.split()) >= 6 and is_prose(s.text))
        assert space.value(compress(first.text)) <= chosen + 1e-9
    # The following sentences come from the lede's article, in its order.
    for before, after in itertools.pairwise(headline):
        place = {s.article_id: s.index for s in before.group.sentences}
        assert any(s.index > place.get(s.article_id, 10**9) for s in after.group.sentences)


def test_a_lede_longer_than_the_budget_is_still_the_headline(seed_event):
    """A long first sentence is the best account there is; it is not skipped for a later,
    shorter one (which is what scoring 6-to-40-word candidates did)."""
    ilp = ConceptILP()
    headline = ilp.headline(seed_event, 12)
    assert len(headline) == 1
    assert len(headline[0].output_text.split()) > 12


def test_a_lede_far_over_the_budget_yields_to_one_that_fits(seed_event):
    """Within 1.5 times the budget a long lede is still taken (above); beyond it, another
    article's lede that fits wins, whatever its weight."""
    ilp = ConceptILP()
    ledes = []
    for document in seed_event.documents:
        if document.id not in seed_event.duplicates:
            first = next(s for s in document.sentences
                         if len(s.text.split()) >= 6 and is_prose(s.text))
            ledes.append(len(compress(first.text).split()))
    tested = 0
    for words in range(8, 41, 2):
        first_size = len(ilp.headline(seed_event, words)[0].output_text.split())
        if any(size <= 1.5 * words for size in ledes):
            assert first_size <= 1.5 * words
            tested += 1
    assert 0 < tested < 17  # the seeds' ledes put budgets on both sides of the rule


def test_quality_gate_on_the_first_30_multinews_clusters(eval_dir):
    """Measured 48.4 / 18.05 (R1 / R2) when pinned; the centroid baseline gets 45.5 / 15.9
    here, so falling under these floors means a real regression, not noise."""
    result = evaluate(eval_dir / "multinews-dev.jsonl", limit=30)
    assert result.clusters == 30
    assert result.f1["rouge1"] >= 46.5
    assert result.f1["rouge2"] >= 16.5
