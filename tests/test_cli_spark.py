"""``newsbrief spark-run`` and ``import-parquet`` options that need no Spark job to check (the
job itself is tested in tests/test_spark.py)."""

from __future__ import annotations

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
