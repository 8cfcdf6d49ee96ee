"""``newsbrief spark-run`` and ``import-parquet`` options that need no Spark job to check (the
job itself is tested in tests/test_spark.py)."""

from __future__ import annotations

import json

import pytest

from newsbrief.cli import build_parser, main
from newsbrief.ingest.records import MAX_PROBLEMS_PER_FILE


@pytest.mark.parametrize("argv", [["spark-run", "in", "-o", "out"], ["import-parquet", "out"]])
def test_spark_commands_take_a_problems_file(argv, capsys):
    args = build_parser().parse_args([*argv, "--problems-file", "problems.jsonl"])
    assert args.problems_file == "problems.jsonl"
    assert build_parser().parse_args(argv).problems_file is None
    with pytest.raises(SystemExit):
        build_parser().parse_args([argv[0], "--help"])
    usage = " ".join(capsys.readouterr().out.split())
    assert "--problems-file PATH" in usage
    assert f"lists its first {MAX_PROBLEMS_PER_FILE} bad lines" in usage


def test_spark_run_refuses_an_unwritable_problems_file_before_spark_starts(capsys, tmp_path):
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    (tmp_path / "in.txt").write_text("Some article text.\n", encoding="utf-8")
    code = main(["spark-run", str(tmp_path / "in.txt"), "-o", str(tmp_path / "out"), "-q",
                 "--problems-file", str(tmp_path)])
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err == (f"newsbrief: error: --problems-file {tmp_path}: cannot write: "
                            "Is a directory\n")
    assert not (tmp_path / "out").exists()
    assert SparkSession.getActiveSession() is None


def test_spark_run_refuses_a_floor_outside_0_to_1_before_spark_starts(tmp_path, capsys):
    code = main(["spark-run", str(tmp_path), "-o", str(tmp_path / "out"), "-q",
                 "--min-similarity", "1.5"])
    assert (code, capsys.readouterr().err) == (
        2, "newsbrief: error: --min-similarity must be between 0 and 1\n")
    assert not (tmp_path / "out").exists()


def test_the_floor_of_a_run_is_read_from_its_manifest(tmp_path):
    from newsbrief.cluster import ClusterConfig
    from newsbrief.errors import InputError
    from newsbrief.spark.importer import run_min_similarity

    assert run_min_similarity(tmp_path) == ClusterConfig().min_similarity  # no manifest
    manifest = {"config": {"cluster": {"min_similarity": 0.12}}}
    # Written to a distributed file system, the manifest is a folder of part files.
    (tmp_path / "run_json").mkdir()
    (tmp_path / "run_json" / "part-00000").write_text(json.dumps(manifest), encoding="utf-8")
    assert run_min_similarity(tmp_path) == 0.12
    (tmp_path / "run.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match=r"run\.json: not a spark-run manifest"):
        run_min_similarity(tmp_path)
    manifest["config"]["cluster"]["min_similarity"] = "high"
    (tmp_path / "run.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(InputError, match=r"must be a number between 0 and 1, got 'high'"):
        run_min_similarity(tmp_path)
