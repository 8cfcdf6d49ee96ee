"""The summarizers' parts on small real inputs: compression, concepts, the ILP, the greedy
methods, length choice, headline, ordering and a quality gate on a dev slice."""

from __future__ import annotations

import itertools
import json
import re

import numpy as np
import pytest
from conftest import EXAMPLES

import newsbrief
from newsbrief.config import BriefConfig
from newsbrief.errors import NewsbriefError
from newsbrief.evaluate import evaluate, load_clusters
from newsbrief.models import Article
from newsbrief.pipeline import event_input, load_articles, prepare_articles
from newsbrief.summarize import EventInput, get_summarizer
from newsbrief.summarize.compress import HEADLINE_RULES, compress
from newsbrief.summarize.concepts import (
    FEATURES,
    ConceptOptions,
    ConceptSpace,
    antecedent_needs,
    build_space,
    closes_unopened_quote,
    concept_table,
    is_prose,
    overlap_pairs,
    quoted_sentences,
    restatement_pairs,
    same_quote_pairs,
    sentence_concepts,
)
from newsbrief.summarize.headline import (
    HEADLINE_FEATURES,
    choose_headline,
    clean_title,
    eligible,
    headline_candidates,
    headline_features,
    load_headline_model,
    standalone,
)
from newsbrief.summarize.ilp import ConceptILP, solve_ilp
from newsbrief.summarize.length import MAX_WORDS, MIN_WORDS, choose_length
from newsbrief.summarize.prior import (
    PRIOR_FEATURES,
    _voices,
    apply_prior,
    load_prior,
    precision_target,
    sentence_features,
)
from newsbrief.summarize.submodular import ConceptGreedy, LinBilmes
from newsbrief.summarize.trees import TreeEnsemble

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
    ("(HealthDay)—A little jogging is good for your health, researchers say, but not too much.",
     "A little jogging is good for your health, researchers say, but not too much."),
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


def test_exported_splits_on_a_feature_value_survive_rounding_and_shipping():
    """With more distinct values than bins, scikit-learn splits exactly on a training value
    (here exp(-k/5), as the position features are); the export moves each split into the
    gap above it, so a value one rounding step higher, or the JSON round trip, changes
    nothing."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.RandomState(0)
    position = rng.randint(0, 600, size=4000)
    x = np.column_stack([np.exp(-position / 5.0), rng.rand(4000)])
    y = (position < 7) ^ (rng.rand(4000) < 0.1)
    model = HistGradientBoostingClassifier(max_iter=20, max_depth=3,
                                           early_stopping=False).fit(x, y)
    plain = TreeEnsemble.from_sklearn(model)
    on_value = [t for t, f, leaf in zip(plain.threshold, plain.feature, plain.leaf)
                if not leaf and f == 0 and np.isin(t, x[:, 0])]
    assert on_value  # the case the export guards against does occur
    trees = TreeEnsemble.from_sklearn(model, x)
    expected = model.predict_proba(x)[:, 1]
    shipped = TreeEnsemble.from_json(json.loads(json.dumps(trees.to_json())))
    nudged = x.copy()
    nudged[:, 0] = np.nextafter(x[:, 0], np.inf)
    for ensemble, rows in ((trees, x), (shipped, x), (shipped, nudged)):
        assert np.allclose(ensemble.predict_proba(rows), expected, rtol=0, atol=1e-12)
    assert not np.allclose(plain.predict_proba(nudged), expected, rtol=0, atol=1e-12)


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

def test_shipped_concept_models_agree_on_scale(seed_event):
    """Both shipped models estimate one probability (a bigram in the human summary): their
    mean over an event's concepts agrees within a factor of two (a logistic intercept
    written from the wrong fit once shrank every probability ~8x)."""
    trees = build_space(seed_event).weights
    logistic = build_space(seed_event, ConceptOptions(weighting="logistic")).weights
    assert 0.5 < logistic.mean() / trees.mean() < 2.0


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


@pytest.mark.parametrize(("text", "voices"), [
    ("You must confirm your signature in your email for your vote to count.", (1.0, 0.0)),
    ("I think we owe the reader an explanation of our numbers.", (0.0, 1.0)),
    # Inside a quotation it is the speaker's voice, reported in the third person.
    ("“You will see what we can do,” the minister told reporters on Friday.", (0.0, 0.0)),
    ('"I am incredibly flattered," Stallone said in a statement late Sunday.', (0.0, 0.0)),
    ("The envoy met a senior official in Pyongyang on Friday.", (0.0, 0.0)),
])
def test_the_prior_hears_who_speaks_outside_quotations(text, voices):
    assert _voices(text) == voices


def test_the_shipped_prior_marks_down_a_reader_addressed_or_first_person_sentence():
    coefficients, _ = load_prior()
    for name in ("addresses_reader", "first_person"):
        assert coefficients[PRIOR_FEATURES.index(name)] < 0


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

def _brute_force(space: ConceptSpace, budget: int, pairs, needs=()) -> float:
    best = 0.0
    n = len(space.candidates)
    for size in range(n + 1):
        for chosen in itertools.combinations(range(n), size):
            if sum(space.candidates[j].words for j in chosen) > budget:
                continue
            if any(a in chosen and b in chosen for a, b in pairs):
                continue
            if any(j in chosen and not set(ps) & set(chosen) for j, ps in needs):
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


def test_ilp_takes_a_needed_sentence_only_with_one_it_needs(seed_event):
    full = build_space(seed_event)
    space = ConceptSpace(full.candidates[:12], full.weights, full.sources)
    zero = np.zeros(len(space.candidates))
    plain = solve_ilp(space, 60, zero)
    left_out = [j for j in range(12) if j not in plain and space.candidates[j].words <= 30]
    for j in plain[:2]:
        for needs in ([(j, ())], [(j, (left_out[0],))], [(j, tuple(left_out[:2]))]):
            chosen = solve_ilp(space, 60, zero, (), needs=needs)
            covered = {i for k in chosen for i in space.candidates[k].concepts}
            value = float(space.weights[list(covered)].sum())
            assert value == pytest.approx(_brute_force(space, 60, (), needs))
            assert j not in chosen or set(needs[0][1]) & set(chosen)


def test_a_sentence_opening_with_a_pronoun_comes_with_the_one_before_it():
    """In the bundled example "Its president, Piet Halloran, said ..." follows "The farmers'
    union was unimpressed.", too short to be a candidate: the summary never takes it. Every
    candidate that opens with a pronoun needs the candidate before it in its article; without
    that rule a longer summary takes '"It is not everything we wanted..."' alone."""
    articles, _ = load_articles([EXAMPLES / "envoy"])
    documents = prepare_articles(articles)
    event = event_input(documents, BriefConfig())
    candidates = ConceptILP().space(event).candidates
    needs = dict(antecedent_needs(candidates))
    its = next(j for j, c in enumerate(candidates) if c.text.startswith("Its president"))
    assert needs[its] == ()
    sentence = {(s.article_id, s.index): s.text for d in documents for s in d.sentences}
    pronouns = {"he", "she", "it", "its", "his", "her", "him", "they", "their", "them"}
    for j, before in needs.items():
        text = candidates[j].text
        assert (text.split()[0].lower().strip('"“') in pronouns
                or re.match(r'["“][^"”]+["”],? (he|she|they) ', text)
                or closes_unopened_quote(text)), text
        for p in before:
            assert any(sentence.get((s.article_id, s.index - 1)) == o.text
                       for s in candidates[j].group.sentences
                       for o in candidates[p].group.sentences)

    def dangling(selections) -> list[str]:
        """Chosen pronoun openers without a candidate holding the sentence before them."""
        chosen = {s.group.text for s in selections}
        return [candidates[j].text for j, before in needs.items()
                if candidates[j].group.text in chosen
                and not any(candidates[p].group.text in chosen for p in before)]

    budgets = (150, 200, 250, 300, 350, 400)
    assert any(dangling(get_summarizer("ilp-anaphors").summarize(event, b)) for b in budgets)
    assert not any(dangling(ConceptILP().summarize(event, b)) for b in budgets)


def test_a_quotation_whose_speaker_is_a_pronoun_comes_with_the_sentence_naming_him():
    """'"We welcome Ms Ilves and we will show her the figures," he told the Ostmark Times.'
    says who "he" is only in the sentence before it (Water minister Jonas Brandt ...)."""
    articles, _ = load_articles([EXAMPLES / "envoy"])
    event = event_input(prepare_articles(articles), BriefConfig())
    candidates = ConceptILP().space(event).candidates
    needs = dict(antecedent_needs(candidates))
    quote = next(j for j, c in enumerate(candidates) if c.text.endswith("he told the Ostmark Times."))
    assert [candidates[p].text[:22] for p in needs[quote]] == ["Water minister Jonas B"]
    named = [j for j, c in enumerate(candidates) if c.text.startswith('"We welcome')
             and "Brandt told" in c.text]
    assert named and not any(j in needs for j in named)  # a name after the quote: no need
    for words in (150, 200, 250, 300, 350, 400):
        chosen = {s.group.text for s in ConceptILP().summarize(event, words)}
        if candidates[quote].group.text in chosen:
            assert candidates[needs[quote][0]].group.text in chosen


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

    # A budget with room for both (the ablation without the rule takes both from 350 words on).
    assert repeated(get_summarizer("ilp-repeatquotes").summarize(event, 400))
    for words in (300, 400, 600):
        assert not repeated(ConceptILP().summarize(event, words))


def test_one_figure_restated_in_other_words_is_summarized_once():
    """The bundled example gives Valdoria's "almost 40 per cent" in three outlets' words,
    sharing too few bigrams for the concept-overlap rule; a shared number plus half the
    content words marks them as one claim."""
    articles, _ = load_articles([EXAMPLES / "envoy"])
    event = event_input(prepare_articles(articles), BriefConfig())
    candidates = ConceptILP().space(event).candidates
    pairs = restatement_pairs(candidates, 0.5)
    assert pairs
    for a, b in pairs:
        assert set(re.findall(r"\d+", candidates[a].text)) & set(
            re.findall(r"\d+", candidates[b].text))
    claim = [i for i, c in enumerate(candidates) if "almost 40 per cent" in c.text]
    assert len(claim) >= 2 and set(itertools.combinations(claim, 2)) <= set(pairs)
    # Without the shared number the same word overlap would pair many more sentences.
    assert len(restatement_pairs(candidates, 0.5, numbers=False)) > len(pairs)

    def restated(selections) -> int:
        # The claim, not the ministry's answer to it ("... far less than the 40 per cent
        # claimed by Valdoria"), which may stand beside it.
        return sum("almost 40 per cent" in s.output_text for s in selections)

    assert restated(ConceptILP(restatement=0.0).summarize(event, 300)) >= 2
    assert restated(ConceptILP(restatement=0.5).summarize(event, 300)) == 1


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

def test_length_grows_with_the_number_of_articles(seed_documents):
    """The shipped plane gives more words to more articles of the same total size."""
    from newsbrief.summarize.length import length_features, length_line

    _, slope, articles_slope = length_line()
    assert slope > 0 and articles_slope > 0
    _, articles = length_features(seed_documents)
    assert articles == pytest.approx(np.log(len(seed_documents)))
    # A line through the articles term only: the budget follows the article count.
    line = (0.0, 0.0, 60.0)
    assert choose_length(seed_documents[:2], line) < choose_length(seed_documents, line)


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

def test_headline_opens_with_the_best_scored_candidate_and_keeps_to_its_budget(seed_event):
    ilp = ConceptILP()
    space = ilp.space(seed_event)
    headline = ilp.headline(seed_event, 40)
    assert headline and sum(len(s.output_text.split()) for s in headline) <= 40
    # The opening sentence is the eligible candidate the shipped scorer rates highest.
    candidates = headline_candidates(seed_event)
    allowed = eligible(candidates, 40)
    coefficients, intercept = load_headline_model()
    scores = headline_features(candidates, space, 40) @ np.asarray(coefficients) + intercept
    best = candidates[max(allowed, key=lambda k: scores[k])]
    assert headline[0].group is best.group and headline[0].output_text == best.text
    # The following sentences come from the opening sentence's article, in its order.
    for before, after in itertools.pairwise(headline):
        place = {s.article_id: s.index for s in before.group.sentences}
        assert any(s.index > place.get(s.article_id, 10**9) for s in after.group.sentences)


def test_central_lede_ablation_takes_the_lede_with_most_concept_weight(seed_event):
    ilp = ConceptILP(learned_headline=False)
    space = ilp.space(seed_event)
    headline = ilp.headline(seed_event, 40)
    assert headline and sum(len(s.output_text.split()) for s in headline) <= 40
    chosen = space.value(headline[0].output_text)
    for candidate in headline_candidates(seed_event):
        if candidate.position == 0:
            assert space.value(candidate.text) <= chosen + 1e-9


def test_a_headline_sentence_far_over_the_budget_yields_to_one_that_fits(seed_event):
    """Within 1.5 times the budget a long sentence may open the headline (alone); beyond it,
    a sentence that fits wins, whatever its score; for both ways of choosing."""
    sizes = [len(c.text.split()) for c in headline_candidates(seed_event)]
    for learned in (True, False):
        ilp = ConceptILP(learned_headline=learned)
        long_ones = 0
        for words in range(8, 41, 4):
            headline = ilp.headline(seed_event, words)
            first = len(headline[0].output_text.split())
            assert first <= 1.5 * words or min(sizes) > 1.5 * words
            if first > words:  # over the budget: nothing follows it
                assert len(headline) == 1
                long_ones += 1
            else:
                assert sum(len(s.output_text.split()) for s in headline) <= words
        assert long_ones or learned  # the seeds' ledes run over the smallest budgets


def test_quality_gate_on_the_first_30_multinews_clusters(eval_dir):
    """Measured 48.4 / 18.05 (R1 / R2) when pinned; the centroid baseline gets 45.5 / 15.9
    here, so falling under these floors means a real regression, not noise."""
    result = evaluate(eval_dir / "multinews-dev.jsonl", limit=30)
    assert result.clusters == 30
    assert result.f1["rouge1"] >= 46.5
    assert result.f1["rouge2"] >= 16.5


# --- the headline (summarize/headline.py) --------------------------------------------------

@pytest.mark.parametrize("sentence, expected", [
    ("Hundreds of thousands mourned the former president on Tuesday, wailing in grief.",
     "Hundreds of thousands mourned the former president, wailing in grief."),
    ("The prime minister said Wednesday that he is ready to resign from office.",
     "The prime minister said that he is ready to resign from office."),
    ("On Monday, the president signed the bill into law after a long fight.",
     "The president signed the bill into law after a long fight."),
    ("Police arrested three men late on Friday night after the attack in the city.",
     "Police arrested three men after the attack in the city."),
    ("The minister, on Tuesday, announced a new budget for the coming year.",
     "The minister announced a new budget for the coming year."),
    ("SEOUL: Pyongyang hailed the successful test of a new type of cruise missile.",
     "Pyongyang hailed the successful test of a new type of cruise missile."),
    ("MALÉ: The exiled former leader of the Maldives has led his party to a landslide victory.",
     "The exiled former leader of the Maldives has led his party to a landslide victory."),
    ("The Latest on the Russia investigation: The Republican chairman says his panel will look.",
     "The Republican chairman says his panel will look."),
    ("ANKARA/ISTANBUL - Turkey is negotiating with Russia to open a corridor for rebels.",
     "Turkey is negotiating with Russia to open a corridor for rebels."),
    ("Kolkata, May 15 West Bengal Chief Minister Mamata Banerjee congratulated the winners.",
     "West Bengal Chief Minister Mamata Banerjee congratulated the winners."),
])
def test_headline_compression_drops_weekdays_and_placelines(sentence, expected):
    assert compress(sentence, HEADLINE_RULES) == expected
    assert is_shortening(expected, sentence)
    assert compress(sentence) != expected  # the body's default rules keep them


@pytest.mark.parametrize("sentence", [
    "Shoppers crowded the stores on Black Friday as retailers cut prices sharply.",
    "The minister told the Sunday Times that he would resign from the government.",
    "Monday's vote was postponed after the opposition walked out of the chamber.",
    "Manchester United - the club said - will appeal the decision of the league.",
    "Barcelona - Real Madrid ended in a 2-2 draw at the Camp Nou on a wet evening.",
    "The plan: to cut taxes for the middle class and raise them for the rich next year.",
])
def test_headline_compression_keeps_days_and_dashes_that_are_content(sentence):
    assert compress(sentence, HEADLINE_RULES) == sentence


def test_headline_candidates_are_early_prose_sentences_of_independent_articles(seed_event):
    candidates = headline_candidates(seed_event)
    assert candidates
    ids = {c.document.id for c in candidates}
    assert not ids & set(seed_event.duplicates)  # a syndicated copy leaves it to its original
    assert ids == {d.id for d in seed_event.documents} - set(seed_event.duplicates)
    for candidate in candidates:
        assert 0 <= candidate.position < 8 and len(candidate.text.split()) >= 6
        assert is_prose(candidate.text)
        assert is_shortening(candidate.text, candidate.group.text)
        assert any(s.article_id == candidate.document.id for s in candidate.group.sentences)
    ledes = [c for c in candidates if c.position == 0]
    assert len(ledes) == len(ids)


def test_headline_features_describe_each_candidate(seed_event):
    candidates = headline_candidates(seed_event)
    rows = headline_features(candidates, ConceptILP().space(seed_event), 40)
    assert rows.shape == (len(candidates), len(HEADLINE_FEATURES))
    assert np.all(np.isfinite(rows))
    lede = rows[:, HEADLINE_FEATURES.index("is_lede")]
    assert list(lede) == [float(c.position == 0) for c in candidates]
    for name in ("title_recall", "value_share", "event_cosine", "others_cosine", "fill_share"):
        column = rows[:, HEADLINE_FEATURES.index(name)]
        assert np.all((column >= 0) & (column <= 1 + 1e-9)) and column.max() > 0
    coefficients, _ = load_headline_model()
    assert len(coefficients) == len(HEADLINE_FEATURES)


@pytest.mark.parametrize("text, alone", [
    ("China will send a special envoy to North Korea this week.", True),
    ('"We will rebuild every home," the mayor said after the flood.', False),
    ("He said the talks would resume in the spring after the elections.", False),
    ("But the government refused to comment on the report on Monday.", False),
    # The tail of a quotation a sentence splitter cut (a real headline of a WCEP event).
    ('All of a sudden, they are trying to take you out," Trump said on Saturday.', False),
    ("All of a sudden, they are trying to take you out,” Trump said on Saturday.", False),
    ('Trump said the deal was "done" after the talks in Hanoi on Thursday.', True),
])
def test_standalone_sentences_need_no_context(text, alone):
    assert standalone(text) is alone


def test_headline_skips_a_quoted_lede_for_a_sentence_that_reads_alone():
    text = (
        '"We have lost everything we had," a farmer told reporters on the flooded road.\n\n'
        "Floods in the north of the country have killed at least 40 people and forced "
        "thousands from their homes, the government said.\n\n"
        "Rescue teams reached the worst-hit villages by boat as the rain continued."
    )
    article = Article(id="flood", title="Floods kill 40 in the north", text=text)
    event = event_input(prepare_articles([article]), BriefConfig())
    headline = ConceptILP().headline(event, 40)
    assert headline[0].output_text.startswith("Floods in the north")
    assert standalone(headline[0].output_text)
    # Only when nothing else reads alone may a quotation open the headline.
    quoted = Article(id="q", title="t", text=text.split("\n\n")[0])
    event = event_input(prepare_articles([quoted]), BriefConfig())
    assert choose_headline(event, ConceptILP().space(event), 40)[0].output_text.startswith('"')


def test_headline_leaves_out_a_repeated_lede():
    lede = ("An Iranian passenger plane crashed in a foggy mountain region of southern Iran, "
            "killing all 66 people on board.")
    # One paragraph repeating its first sentence (as scraped pages do; cleaning drops only
    # repeated lines).
    text = (f"{lede} {lede} "
            "Rescue teams reached the wreckage by helicopter after the weather cleared.")
    article = Article(id="crash", title="Plane crashes in southern Iran", text=text)
    event = event_input(prepare_articles([article]), BriefConfig())
    headline = [s.output_text for s in ConceptILP().headline(event, 40)]
    assert headline[0] == lede and lede not in headline[1:]
    assert headline[1].startswith("Rescue teams")  # the next new sentence takes its place


def test_headline_takes_a_quotation_the_splitter_cut_whole_or_not_at_all():
    lede = ("Prime Minister Narendra Modi has condoled the loss of lives in a massive fire "
            "incident in a central Delhi hotel.")
    quote = ('"Deeply saddened by the loss of lives due to a fire at Karol Bagh in Delhi. I '
             "convey my condolences to the families of those who lost their lives and wish a "
             'speedy recovery to the injured," he tweeted.')
    article = Article(id="fire", title="PM condoles loss of lives in hotel fire",
                      text=f"{lede} {quote}")
    event = event_input(prepare_articles([article]), BriefConfig())
    # The quotation's second half does not fit in 40 words, so neither half is added.
    assert [s.output_text for s in ConceptILP().headline(event, 40)] == [lede]
    # With room for both halves, both come.
    both = [s.output_text for s in ConceptILP().headline(event, 60)]
    assert len(both) == 3 and both[1].startswith('"Deeply') and both[2].endswith("tweeted.")


def test_clean_title_drops_the_outlet_only():
    assert clean_title("Huge crowd bids farewell to ex-president | Reuters") == (
        "Huge crowd bids farewell to ex-president")
    assert clean_title("Cohen pleads guilty - and implicates Trump") == (
        "Cohen pleads guilty - and implicates Trump")
    assert clean_title(None) == ""


def test_headlines_of_wcep_clusters_are_faithful_and_within_their_limits(eval_dir):
    """The first 20 wcep-dev clusters: the headline is made of its sources' sentences,
    shortened only by deletion; it keeps to the budget unless one sentence alone, within 1.5
    times the budget, runs over it; it opens with a sentence that reads on its own."""
    clusters, _ = load_clusters(eval_dir / "wcep-dev.jsonl", limit=20)
    config = BriefConfig(analyze=False)
    openers_alone = 0
    for cluster in clusters:
        documents = prepare_articles(cluster.articles)
        brief = newsbrief.brief_documents(documents, config)
        by_id = {d.id: d for d in documents}
        sizes = [len(s.text.split()) for s in brief.headline]
        assert brief.headline
        assert sum(sizes) <= 40 or (len(sizes) == 1 and sizes[0] <= 60)
        for sentence in brief.headline:
            source = by_id[sentence.article_id].sentences[sentence.sentence_index].text
            assert is_shortening(sentence.text, source)
        openers_alone += standalone(brief.headline[0].text)
    assert openers_alone == len(clusters)


def test_the_rest_of_a_split_quotation_comes_with_the_sentence_before_it():
    """'I hope that this is resolved in the next few days," said Blair' (MultiLing) and "I
    thought that Jim Parsons was going to win again." (Multi-News) were summary sentences
    whose quotation opened in a sentence left out, so words the source quoted read as
    narration. A sentence that ends or continues a quotation now needs the sentence before
    it, as a pronoun opening does."""
    quote = ("“The reservoir will be filled more slowly from next week. The Lindra will keep "
             "most of its flow into Valdoria while the commission meets in Kessel. Farmers "
             "on the Lindra will get the water they need for the rice,” Ilves told reporters "
             "in Kessel after the talks.")
    articles = [
        Article(id="a", title="Dam talks end", text=(
            "Valdoria and Ostmark ended two days of talks on the Kessel Falls dam on Friday. "
            + quote + "\n\nThe commission will meet every month.")),
        Article(id="b", title="Commission set up", text=(
            "Ostmark agreed to slow the filling of the Kessel Falls reservoir, Valdoria's "
            "envoy Mara Ilves said on Friday. Farmers on the Lindra will get the water they "
            "need, officials said.")),
        Article(id="c", title="Lindra flow", text=(
            "The flow of the Lindra into Valdoria will stay near normal while the commission "
            "meets in Kessel and the reservoir is filled more slowly, officials said.")),
    ]
    documents = prepare_articles(articles)
    opening, middle, tail = documents[0].sentences[1:4]
    assert opening.text.startswith("“The reservoir") and closes_unopened_quote(tail.text)
    assert quoted_sentences(documents) == {("a", middle.index), ("a", tail.index)}
    event = event_input(documents, BriefConfig())
    candidates = ConceptILP().space(event).candidates
    needs = dict(antecedent_needs(candidates, quoted_sentences(documents)))
    index = {c.group.text: j for j, c in enumerate(candidates)}
    assert opening.text in {candidates[p].group.text for p in needs[index[middle.text]]}
    assert middle.text in {candidates[p].group.text for p in needs[index[tail.text]]}
    for words in (40, 60, 80, 120):
        chosen = {s.group.text for s in ConceptILP().summarize(event, words)}
        for sentence in (middle, tail):
            if sentence.text in chosen:
                assert {candidates[p].group.text for p in needs[index[sentence.text]]} & chosen


@pytest.mark.parametrize(("text", "prose"), [
    ("The group's publicist sent the following statement to XXL:", False),
    ("Here's what you need to know:", False),
    ("For a full recap of the night's big winners, click here.", False),
    ("Read or Share this story: https://www.azcentral.com/story/news/politics/", False),
    ("Davis formally announced her campaign to run for governor (AP Photo/LM Otero)", False),
    ("MORE | Two girls missing after hiking near the trail | MAP: Where the bodies were found",
     False),
    ("Story highlights Bernie Sanders said the Pope's decision underscores his emphasis", False),
    ("Related 'The Case of: JonBenet Ramsey' Pt. 2: Everything We Learned In conclusion", False),
    ("Related charges were filed against two other men on Friday.", True),
    # A link's label and the other story's title run into the sentence (WCEP train).
    (("RELATED: Democrats Stomp Out of Kavanaugh Hearing After Motion Gets Voted Down Kavanaugh "
     "slammed Senate Democrats on Thursday."), False),
    (("Read more: Swedish PM calls deadly truck attack an act of terror Prosecutor Hans Ihrman "
     "said the man was held."), False),
    ("Watch the video as the senator explains the plan to voters in Ohio.", True),
    ("Was the plane shot down?", False),
    ("PRESIDENT SIGNS THE BILL INTO LAW", False),
    ("The president signed the bill into law on Friday.", True),
    ('"We are going to Kessel to listen," Ilves said.', True),
    # A teaser cut short trails off; a quotation pausing to go on in the next sentence not.
    ("The researchers also are investigating whether...", False),
    ("Investigators will seek to understand why the crew tried to land in such unfavorable ...",
     False),
    ("Snooki told the Post she would vote for him, “I thought Trump was gonna run …", True),
    ('"Wave that flag, wave it wide and high..."', True),
    ("QB RIP King P. Prodigy 4 Ever A post shared by Nasir Jones on Jun 20, 2017 at 10:33am",
     False),
    ("|With me here are six million accusers.", False),
])
def test_a_summary_sentence_is_prose_that_stands_alone(text, prose):
    assert is_prose(text) is prose
