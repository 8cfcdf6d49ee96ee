"""The evaluation harness: scoring rules, dataset reading, the library call and the CLI."""

from __future__ import annotations

import json

import pytest

from newsbrief.cli import main
from newsbrief.config import BriefConfig
from newsbrief.errors import InputError, NoUsableInput
from newsbrief.evaluate import (
    ROUGE_TYPES,
    evaluate,
    load_clusters,
    rouge_scorer,
    score_summary,
    truncate_sentences,
)
from newsbrief.pipeline import brief_documents, prepare_articles


def test_rouge_score_rs_equals_the_reference_rouge_score(eval_dir):
    """The fast scorer gives rouge-score's numbers on real summaries of a dev slice."""
    from rouge_score.rouge_scorer import RougeScorer

    reference = RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    fast = rouge_scorer()
    clusters, _ = load_clusters(eval_dir / "multinews-dev.jsonl", limit=4)
    for cluster in clusters:
        brief = brief_documents(prepare_articles(cluster.articles), BriefConfig(analyze=False))
        prediction = "\n".join(s.text for s in brief.summary)
        expected = reference.score(cluster.references[0], prediction)
        got = fast.score(cluster.references[0], prediction)
        for rouge_type in ROUGE_TYPES:
            want = expected[rouge_type]
            assert got[rouge_type].fmeasure == pytest.approx(want.fmeasure, abs=1e-9)
            assert got[rouge_type].recall == pytest.approx(want.recall, abs=1e-9)


def test_several_references_are_averaged():
    summary = ["The storm killed twelve people in Harwich on Monday."]
    one = "A storm killed twelve people in the town of Harwich."
    two = "Flooding closed schools across the county for a week."
    both = score_summary(summary, [one, two])
    first, second = score_summary(summary, [one]), score_summary(summary, [two])
    for rouge_type in ROUGE_TYPES:
        assert both["f1"][rouge_type] == pytest.approx(
            (first["f1"][rouge_type] + second["f1"][rouge_type]) / 2
        )
    assert first["f1"]["rouge1"] > second["f1"]["rouge1"]


def test_stemming_is_on():
    scores = score_summary(["Envoys travelled to talks."], ["The envoy travels to the talk."])
    assert scores["recall"]["rouge1"] > 50  # envoys~envoy, talks~talk only match when stemmed


def test_lsum_puts_each_system_sentence_on_its_own_line():
    reference = "Police arrested two men. The men were charged with theft on Friday."
    split = score_summary(
        ["The men were charged with theft on Friday.", "Police arrested two men."], [reference]
    )
    joined = score_summary(["The men were charged with theft on Friday. Police arrested two men."],
                           [reference])
    assert split["f1"]["rougeLsum"] > joined["f1"]["rougeLsum"]
    assert split["f1"]["rouge1"] == pytest.approx(joined["f1"]["rouge1"])


def test_truncate_keeps_sentence_boundaries():
    assert truncate_sentences(["one two three", "four five six"], 4) == ["one two three", "four"]
    assert truncate_sentences(["one two"], None) == ["one two"]
    assert truncate_sentences(["one two", "three"], 2) == ["one two"]


def test_bad_lines_and_clusters_are_reported_with_line_numbers(tmp_path):
    path = tmp_path / "set.jsonl"
    good = {"id": "g", "articles": [{"title": "T", "text": "A storm hit the town on Monday. "
                                     "Twelve people died in the floods, police said."}],
            "summary": "A storm killed twelve."}
    lines = [json.dumps(good), "{not json", json.dumps({"id": "x", "articles": []}),
             json.dumps({"id": "y", "articles": good["articles"]}),
             json.dumps({**good, "id": "m", "summaries": ["One.", "Two."]})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    clusters, problems = load_clusters(path)
    assert [c.id for c in clusters] == ["g", "m"]
    assert clusters[1].references == ("One.", "Two.")
    assert {p.line for p in problems} == {2, 3, 4}
    assert any("summary" in p.reason for p in problems if p.line == 4)


def test_bad_clusters_of_a_json_array_are_named_by_their_place(tmp_path):
    path = tmp_path / "set.json"
    good = {"id": "g", "articles": [{"title": "T", "text": "A storm hit the town. It rained."}],
            "summary": "A storm."}
    path.write_text(json.dumps([good, 7, {"id": "y", "articles": good["articles"]},
                                {**good, "articles": [3]}]), encoding="utf-8")
    clusters, problems = load_clusters(path)
    assert [c.id for c in clusters] == ["g"]
    assert [p.reason.split(":")[0] for p in problems] == ["item 2", "item 3", "item 4", "item 4"]
    assert problems[0].reason == "item 2: not a cluster: needs a list field 'articles'"
    assert problems[2].reason.startswith("item 4: articles[0]: expected a JSON object")


def test_evaluate_on_nothing_usable_is_a_clear_error(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("{oops\n", encoding="utf-8")
    with pytest.raises(NoUsableInput, match="empty.jsonl"):
        evaluate(path)
    with pytest.raises(InputError, match="no-such"):
        evaluate(tmp_path / "no-such.jsonl")


def test_headline_mode_scores_the_truncated_headline(eval_dir):
    result = evaluate(eval_dir / "wcep-dev.jsonl", mode="headline", truncate=40, limit=3)
    assert result.clusters == 3 and result.mode == "headline"
    assert all(sum(len(s.split()) for s in c.sentences) <= 40 for c in result.per_cluster)
    assert all(c.sentences for c in result.per_cluster)
    assert 0 < result.f1["rouge1"] < 100


def test_duc_style_truncation_plans_for_the_cut(eval_dir):
    """--truncate 100 without --words: the summary is planned for 100 words, not cut."""
    result = evaluate(eval_dir / "multiling2011-sample.jsonl", truncate=100, limit=1)
    words = sum(len(s.split()) for s in result.per_cluster[0].sentences)
    assert 60 <= words <= 100
    assert result.recall["rouge1"] > 0


def test_cli_evaluate_prints_json_and_writes_predictions(eval_dir, tmp_path, capsys):
    out = tmp_path / "pred.jsonl"
    code = main(["evaluate", str(eval_dir / "multinews-dev.jsonl"), "--limit", "3", "--json",
                 "--quiet", "--predictions", str(out)])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["clusters"] == 3 and result["method"] == BriefConfig().method
    assert set(result["f1"]) == set(ROUGE_TYPES) == set(result["recall"])
    assert result["clusters_per_second"] > 0 and result["peak_memory_mb"] > 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 3
    assert all(line["summary"] and line["id"] for line in lines)
    assert all(len(line["sentences"]) == len(line["sources"]) for line in lines)


def test_cli_evaluate_table_and_errors(eval_dir, tmp_path, capsys):
    assert main(["evaluate", str(eval_dir / "wcep-dev.jsonl"), "--mode", "headline",
                 "--truncate", "40", "--limit", "2", "-q"]) == 0
    text = capsys.readouterr().out
    for name in ("ROUGE-1", "ROUGE-2", "ROUGE-Lsum", "recall", "clusters/s", "peak memory"):
        assert name in text
    assert main(["evaluate", str(tmp_path / "missing.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.jsonl" in err


def test_cli_evaluate_unreadable_dataset_is_one_error_line(eval_dir):
    """A dataset without read permission: counting its lines for the progress bar raised
    PermissionError (a traceback). chmod 000 stops every user but root, so as root the child
    drops to uid/gid 65534 (nobody) after importing newsbrief: the denial is the kernel's."""
    import os
    import shutil
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="nb-eval-perm-"))
    try:
        folder.chmod(0o755)
        locked = folder / "wcep.jsonl"
        with open(eval_dir / "wcep-dev.jsonl", encoding="utf-8") as lines:
            locked.write_text(next(lines), encoding="utf-8")
        locked.chmod(0o000)
        script = (
            "import locale, os, sys\n"
            "from newsbrief.cli import build_parser, main\n"
            "build_parser()  # imports every command module while still privileged\n"
            "if os.geteuid() == 0:\n"
            "    os.setgid(65534); os.setuid(65534)\n"
            "sys.exit(main(['evaluate', '-q', sys.argv[1]]))\n"
        )
        done = subprocess.run([sys.executable, "-c", script, str(locked)], capture_output=True,
                              text=True, check=False, timeout=120, cwd=folder,
                              env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        assert "Traceback" not in done.stderr
        assert done.returncode == 2
        assert done.stderr == f"newsbrief: error: {locked}: cannot read: Permission denied\n"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_cli_evaluate_names_a_folder_given_as_the_dataset(capsys, tmp_path):
    from newsbrief.cli import main

    assert main(["evaluate", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"newsbrief: error: {tmp_path}: a folder, not a file\n"


def test_cli_evaluate_problems_file_lists_the_bad_lines(tmp_path, capsys):
    path = tmp_path / "set.jsonl"
    good = {"id": "g", "articles": [{"title": "T", "text": "A storm hit the town on Monday. "
                                     "Twelve people died in the floods, police said."}],
            "summary": "A storm killed twelve."}
    path.write_text("\n".join([json.dumps(good), "{not json",
                               json.dumps({"id": "x", "articles": []})]) + "\n",
                    encoding="utf-8")
    listing = tmp_path / "problems.jsonl"
    assert main(["evaluate", str(path), "-q", "--json", "--problems-file", str(listing)]) == 0
    err = capsys.readouterr().err
    every = [json.loads(line) for line in listing.read_text(encoding="utf-8").splitlines()]
    assert [(p["source"], p["line"]) for p in every] == [(str(path), 2), (str(path), 3)]
    assert [f"newsbrief: skipped {path}:{p['line']}: {p['reason']}" for p in every] == \
        err.splitlines()
    assert main(["evaluate", str(path), "--problems-file", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith(
        f"newsbrief: error: --problems-file {tmp_path}: cannot write")
