"""Starting Spark: one place that knows the settings the job relies on."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

from newsbrief.errors import MissingDependency, NewsbriefError

__all__ = ["spark_session"]


class SparkUnavailable(NewsbriefError):
    """Spark cannot start (no Java, a bad master URL)."""

    exit_code = 5


def spark_session(
    master: str = "local[*]",
    *,
    app_name: str = "newsbrief",
    shuffle_partitions: int | None = None,
    ui: bool = False,
    conf: dict[str, Any] | None = None,
):
    """A SparkSession for the job (``getOrCreate``: an existing session is reused).

    The Python workers run the interpreter of the driver, so the package and its extras must
    be installed (or shipped with ``--py-files``/an archive) on every executor. ``ui`` keeps the
    web UI and its REST API on 127.0.0.1, which the benchmark reads for shuffle sizes.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise MissingDependency("pyspark", "spark") from None
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise SparkUnavailable("Spark needs Java 17 or newer: install it or set JAVA_HOME")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master).appName(app_name)
    settings: dict[str, Any] = {
        "spark.ui.enabled": "true" if ui else "false",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.host": "127.0.0.1",
        "spark.ui.showConsoleProgress": "false",
        "spark.python.worker.reuse": "true",
        # Articles are pickled Python objects: Kryo has nothing to gain on them.
        "spark.sql.execution.arrow.pyspark.enabled": "false",
    }
    # Spark runs one task per core: native thread pools (BLAS, OpenMP, HiGHS) in every
    # Python worker would oversubscribe the cores.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        settings[f"spark.executorEnv.{var}"] = "1"
    if shuffle_partitions:
        settings["spark.sql.shuffle.partitions"] = str(shuffle_partitions)
        settings["spark.default.parallelism"] = str(shuffle_partitions)
    settings.update({k: str(v) for k, v in (conf or {}).items()})
    if not master.startswith("local"):
        # On a cluster the driver must be reachable by the executors.
        settings.pop("spark.driver.bindAddress")
        settings.pop("spark.driver.host")
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # py4j and JVM start-up errors carry no common base class
        raise SparkUnavailable(f"cannot start Spark with master {master!r}: {exc}") from exc
    session.sparkContext.setLogLevel("ERROR")
    return session
