"""``newsbrief brief`` end to end: the bundled example, and bad input named and skipped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES

from newsbrief.cli import main
from newsbrief.ingest import read_paths
from newsbrief.summarize.compress import is_shortening

GOOD = ("Valdoria's envoy arrived in Kessel on Friday for talks on the Lindra dam. "
        "The talks are expected to last two days, officials said.")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["brief", "--quiet", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def example_json() -> dict:
    """The example's brief as JSON, computed once (through the CLI, in this process)."""
    from contextlib import redirect_stdout
    from io import StringIO

    buffer = StringIO()
    with redirect_stdout(buffer):
        code = main(["brief", "--quiet", "--format", "json", str(EXAMPLES / "envoy")])
    assert code == 0
    return json.loads(buffer.getvalue())


def test_example_has_the_promised_kinds_of_input():
    files = sorted(p.name for p in (EXAMPLES / "envoy").iterdir())
    suffixes = {Path(f).suffix for f in files}
    assert 5 <= len(files) <= 7 and {".txt", ".html", ".json"} <= suffixes


def test_example_brief_reads_every_article_with_metadata(example_json):
    articles = {a["id"]: a for a in example_json["articles"]}
    assert len(articles) == 6
    assert all(a["published"] for a in articles.values())
    outlets = {a["outlet"] for a in articles.values()}
    assert {"The Ostmark Times", "Northwind Radio", "Daily Ledger", "NewsPulse24"} <= outlets


def test_example_wire_copies_are_marked_and_rewrite_is_not(example_json):
    dup = {a["id"]: a["duplicate_of"] for a in example_json["articles"]}
    wire = {"coastal-herald-envoy", "daily-ledger-envoy"}
    assert {k for k, v in dup.items() if v} & wire and {v for v in dup.values() if v} <= wire
    assert dup["newspulse24-envoy"] is None


def test_example_summary_is_attributed_and_free_of_boilerplate(example_json):
    texts = {a.id: " ".join(a.text.split()) for a in read_paths([EXAMPLES / "envoy"]).articles}
    summary = example_json["headline"] + example_json["summary"]
    assert len(example_json["summary"]) >= 3
    joined = " ".join(s["text"] for s in summary)
    for noise in ("Share this article", "Comments (", "Advertisement", "Discuss This Article",
                  "(MPA) -", "cookies", "Photo:", "Other reports"):
        assert noise not in joined
    for sentence in summary:
        assert sentence["sources"] and set(sentence["sources"]) <= set(texts)
        # The sentence it shortens is printed by the article it names, and it only deletes words.
        assert sentence["article_id"] in sentence["sources"]
        assert sentence["source_text"] in texts[sentence["article_id"]]
        assert is_shortening(sentence["text"], sentence["source_text"])


def test_example_markdown(capsys):
    code, out, err = run(capsys, str(EXAMPLES / "envoy"))
    assert code == 0 and err == ""
    assert "[^1]" in out and "Kessel" in out


# --- bad input ----------------------------------------------------------------------------


@pytest.fixture()
def messy(tmp_path: Path) -> Path:
    """A folder with one good article and every kind of bad file."""
    (tmp_path / "good.txt").write_text("Envoy arrives in Kessel\n\n" + GOOD + "\n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text("  \n\n\t\n", encoding="utf-8")
    (tmp_path / "broken.json").write_text('{"title": "x", "text": ', encoding="utf-8")
    (tmp_path / "lines.jsonl").write_text(
        json.dumps({"title": "Talks", "text": GOOD}) + "\n{not json\n" + '{"title": "no text"}\n',
        encoding="utf-8",
    )
    (tmp_path / "image.html").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "nav-only.html").write_text(
        "<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav></body></html>",
        encoding="utf-8",
    )
    os.symlink(tmp_path / "missing-target.txt", tmp_path / "dangling.txt")
    return tmp_path


def test_bad_files_are_named_and_skipped(capsys, messy):
    code, out, err = run(capsys, str(messy))
    assert code == 0, err
    assert "Kessel" in out
    assert "Traceback" not in err
    expected = {
        "binary.txt": "binary",
        "empty.txt": "empty file",
        "blank.txt": "empty file",
        "broken.json:1": "malformed JSON",
        "lines.jsonl:2": "malformed JSON line",
        "lines.jsonl:3": "missing field 'text'",
        "image.html": "binary",
        "nav-only.html": "no article text",
        "dangling.txt": "cannot read",
    }
    lines = err.splitlines()
    for name, reason in expected.items():
        matching = [line for line in lines if f"{messy}/{name}" in line]
        assert matching and reason in matching[0], (name, err)
    assert not any("good.txt" in line for line in lines)


def test_nothing_usable_exits_non_zero_with_one_error_line(capsys, messy):
    (messy / "good.txt").unlink()
    (messy / "lines.jsonl").write_text("{not json\n", encoding="utf-8")
    code, out, err = run(capsys, str(messy))
    assert code != 0 and out == ""
    assert err.splitlines()[-1].startswith("newsbrief: error: no usable articles")
    assert "Traceback" not in err


def test_missing_path_and_unsupported_file(capsys, tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    good = tmp_path / "good.txt"
    good.write_text(GOOD, encoding="utf-8")
    code, out, err = run(capsys, str(tmp_path / "nope"), str(pdf), str(good))
    assert code == 0 and "Valdoria" in out
    assert f"{tmp_path / 'nope'}: no such file or folder" in err
    assert f"{pdf}: unsupported file type .pdf" in err
    code, _, err = run(capsys, str(tmp_path / "nope"))
    assert code != 0 and "no such file or folder" in err


def test_empty_folder(capsys, tmp_path):
    code, _, err = run(capsys, str(tmp_path))
    assert code != 0 and "holds no supported files" in err


def test_no_traceback_from_the_installed_command(messy):
    (messy / "good.txt").unlink()
    (messy / "lines.jsonl").unlink()
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from newsbrief.cli import main; sys.exit(main())",
         "brief", str(messy)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{messy}/broken.json:1" in result.stderr


def test_ner_words_caps_what_the_entity_model_reads(capsys, seeds_dir):
    code, out, _ = run(capsys, "--format", "json", str(seeds_dir))
    whole = json.loads(out)
    code_sampled, out, _ = run(capsys, "--format", "json", "--ner-words", "500", str(seeds_dir))
    sampled = json.loads(out)
    assert code == code_sampled == 0
    assert len(sampled["entities"]) < len(whole["entities"])
    assert sampled["meta"]["ner_sample_words"] == 500 and "ner_sample_words" not in whole["meta"]
    assert sampled["summary"] == whole["summary"]  # only the analysis reads a sample
    assert [q["text"] for q in sampled["quotes"]] == [q["text"] for q in whole["quotes"]]
    code, out, _ = run(capsys, "--ner-words", "500", str(seeds_dir))
    assert "_Names found in a 500-word sample of the articles, counted in all of them._" in out
    code, _, err = run(capsys, "--ner-words", "-1", str(seeds_dir))
    assert code == 2 and "--ner-words must not be negative" in err


def test_lengths_below_one_are_refused_before_any_work(capsys, seeds_dir):
    """--headline-words 0 divided by zero in the headline model (a traceback); -w -5 printed
    a brief with an empty summary and exit 0. Both are option errors, named, exit 2."""
    for option, value in (("--headline-words", "0"), ("--words", "-5"), ("--words", "0")):
        code, out, err = run(capsys, "--no-analysis", option, value, str(seeds_dir))
        assert code == 2 and out == ""
        assert err == f"newsbrief: error: {option} must be at least 1, got {value}\n"
    code, out, _ = run(capsys, "--no-analysis", "--headline-words", "1", "-w", "30",
                       str(seeds_dir))
    assert code == 0 and out.startswith("# ")


def test_unknown_method_is_a_usage_error_before_any_file_is_read(capsys, tmp_path):
    """It exited 1 (a generic error) and only after every file had been read and cleaned;
    a missing file shows that nothing was read: no problem line about it."""
    code, out, err = run(capsys, str(EXAMPLES / "envoy"), str(tmp_path / "missing.txt"),
                         "--method", "no-such-method")
    assert (code, out) == (2, "")
    assert "unknown summarization method 'no-such-method'" in err and "missing.txt" not in err


def test_problems_file_lists_every_skipped_input(capsys, messy, tmp_path_factory):
    """--problems-file (JSON lines) holds every problem, where stderr shows the first 20 and
    a count, including a file left empty by cleaning (reported after the others); a JSON Lines
    file past the reader's per-file cap gives its first 20 bad lines and one line counting
    the rest; a path that cannot be written is refused before any file is read."""
    from newsbrief.ingest.records import MAX_PROBLEMS_PER_FILE

    (messy / "many.jsonl").write_text("".join(f'{{"title": "t{i}"}}\n' for i in range(25)),
                                      encoding="utf-8")
    (messy / "boiler.txt").write_text(
        "Advertisement\n\nSubscribe to our newsletter\n\nAll rights reserved.\n",
        encoding="utf-8")
    listing = tmp_path_factory.mktemp("out") / "problems.jsonl"
    code, out, err = run(capsys, "--no-analysis", "--problems-file", str(listing), str(messy))
    assert code == 0 and "Kessel" in out
    every = [json.loads(line) for line in listing.read_text(encoding="utf-8").splitlines()]
    assert all(set(p) == {"source", "line", "reason"} for p in every)
    assert len(every) == 9 + MAX_PROBLEMS_PER_FILE + 1 + 1
    lines = err.splitlines()
    assert len(lines) == 20 + 1 + 1  # 20 shown, the rest counted, then the cleaning's one
    assert lines[20].endswith(f"); all in {listing}")
    where = {(Path(p["source"]).name, p["line"]): p["reason"] for p in every}
    assert where[("lines.jsonl", 2)].startswith("malformed JSON line")
    assert where[("lines.jsonl", 3)] == "missing field 'text'"
    assert where[("dangling.txt", None)].startswith("cannot read")
    assert every[-1] == {"source": str(messy / "boiler.txt"), "line": None,
                         "reason": "no article text left after removing boilerplate"}
    assert {name for name, _ in where} == {
        "binary.txt", "empty.txt", "blank.txt", "broken.json", "lines.jsonl", "image.html",
        "nav-only.html", "dangling.txt", "many.jsonl", "boiler.txt"}
    many = [p for p in every if p["source"].endswith("many.jsonl")]
    assert [p["line"] for p in many] == [*range(1, MAX_PROBLEMS_PER_FILE + 1), None]
    assert many[-1]["reason"] == f"... and {25 - MAX_PROBLEMS_PER_FILE} more bad lines or records"

    code, out, err = run(capsys, "--problems-file", str(messy), str(messy / "missing.txt"))
    assert (code, out) == (2, "")
    assert err.startswith(f"newsbrief: error: --problems-file {messy}: cannot write")
    assert "missing.txt" not in err
