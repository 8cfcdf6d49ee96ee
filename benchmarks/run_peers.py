"""Score newsbrief's summarizers and peer systems side by side, in one run, on one dataset.

Peers (all fed the same cleaned, sentence-split articles as newsbrief, so they need no NLTK
data download and differ only in how they choose sentences):

- sumy LexRank (Erkan & Radev 2004) and sumy TextRank (Mihalcea & Tarau 2004), with sumy's
  English stop words and Snowball stemmer; the best-rated sentences are taken until the
  word budget is full, then put back in document order;
- lead: the first ``budget / k`` words of each of the k articles (the baseline of the
  evaluation README).

Every system gets the same budget per cluster: ``--words`` if given, else the length
newsbrief chooses from the input (:func:`newsbrief.summarize.length.choose_length`), so the
rows compare choices of sentences, not lengths. Scores follow newsbrief.evaluate (ROUGE F1,
Porter stemming, several references averaged; ``--truncate`` cuts outputs first).
Run from the repository root:

    python benchmarks/run_peers.py ../shared/eval/multinews-dev.jsonl [--words N]
        [--truncate N] [--limit K] [--methods ilp,greedy,...] [--mode headline]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsbrief.config import BriefConfig
from newsbrief.evaluate import (
    evaluate,
    load_clusters,
    rouge_scorer,
    score_summary,
    truncate_sentences,
)
from newsbrief.models import Document
from newsbrief.pipeline import prepare_articles
from newsbrief.summarize.length import choose_length

_WORD = re.compile(r"\w+", re.UNICODE)


class WordTokenizer:
    """What sumy asks of a tokenizer, without NLTK's downloadable models."""

    language = "english"

    def to_words(self, text: str) -> tuple[str, ...]:
        return tuple(_WORD.findall(text))

    def to_sentences(self, text: str) -> tuple[str, ...]:  # not used: sentences come split
        return (text,)


def budget_pick(budget: int) -> Callable[[list], list]:
    """A sumy ``count`` that takes best-rated sentences while they fit in ``budget`` words."""

    def pick(infos: list) -> list:
        chosen, used = [], 0
        for info in infos:
            words = len(str(info.sentence).split())
            if used + words <= budget:
                chosen.append(info)
                used += words
        return chosen

    return pick


def sumy_system(name: str) -> Callable[[Sequence[Document], int], list[str]]:
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    summarizer = {"lexrank": LexRankSummarizer, "textrank": TextRankSummarizer}[name](
        Stemmer("english")
    )
    summarizer.stop_words = get_stop_words("english")
    tokenizer = WordTokenizer()

    def run(documents: Sequence[Document], budget: int) -> list[str]:
        model = ObjectDocumentModel([
            Paragraph([Sentence(s.text, tokenizer) for s in d.sentences]) for d in documents
        ])
        return [str(s) for s in summarizer(model, budget_pick(budget))]

    return run


def lead(documents: Sequence[Document], budget: int) -> list[str]:
    share = budget // len(documents)
    out = []
    for document in documents:
        words = document.text.split()[:share]
        if words:
            out.append(" ".join(words))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset")
    parser.add_argument("--words", type=int, default=None)
    parser.add_argument("--truncate", type=int, default=None)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--methods",
                        default="ilp,ilp-noprior,ilp-logistic,greedy,submodular,centroid,lead",
                        help="newsbrief methods to score beside the peers")
    parser.add_argument("--mode", choices=("summary", "headline"), default="summary",
                        help="score newsbrief's summary or its headline (peers: their "
                             "summary within the same budget)")
    args = parser.parse_args()

    rows = []
    for method in [m for m in args.methods.split(",") if m]:
        result = evaluate(args.dataset, BriefConfig(words=args.words, method=method),
                          mode=args.mode, truncate=args.truncate, limit=args.limit)
        rows.append((f"newsbrief {method}", result.f1, result.clusters_per_second,
                     result.mean_words))
        print(f"done: newsbrief {method}", file=sys.stderr)

    clusters, _ = load_clusters(args.dataset, args.limit)
    prepared = [(c, prepare_articles(c.articles)) for c in clusters]
    scorer = rouge_scorer()
    peers = {"sumy LexRank": sumy_system("lexrank"), "sumy TextRank": sumy_system("textrank"),
             "lead (first budget/k words of each article)": lead}
    for name, system in peers.items():
        totals = {"rouge1": 0.0, "rouge2": 0.0, "rougeLsum": 0.0}
        seconds, words = 0.0, 0
        for cluster, documents in prepared:
            budget = args.words or args.truncate or choose_length(documents)
            start = time.perf_counter()
            sentences = system(documents, budget) if documents else []
            seconds += time.perf_counter() - start
            sentences = truncate_sentences(sentences, args.truncate)
            words += sum(len(s.split()) for s in sentences)
            f1 = score_summary(sentences, cluster.references, scorer)["f1"]
            for key in totals:
                totals[key] += f1[key]
        n = len(prepared)
        rows.append((name, {k: v / n for k, v in totals.items()},
                     n / seconds if seconds else float("inf"), words / n))
        print(f"done: {name}", file=sys.stderr)

    print(f"{args.dataset}, {len(prepared)} clusters, words {args.words or 'auto'}, "
          f"newsbrief {args.mode}"
          + (f", truncated to {args.truncate}" if args.truncate else ""))
    print("| system | R1 | R2 | RLsum | mean words | clusters/s (selection only for peers) |")
    print("|---|---|---|---|---|---|")
    for name, f1, speed, words in rows:
        print(f"| {name} | {f1['rouge1']:.2f} | {f1['rouge2']:.2f} | {f1['rougeLsum']:.2f} "
              f"| {words:.0f} | {speed:.1f} |")


if __name__ == "__main__":
    main()
