"""The newsbrief pipeline on Apache Spark, for corpora larger than one machine.

``run_job(spark, inputs, output, config)`` reads WARC, JSON(L), HTML and text inputs, cleans,
deduplicates, clusters into events and briefs them with the same functions as the
single-machine path, and writes Parquet tables; ``spark_session`` starts Spark with the
settings the job expects. PySpark is the ``spark`` extra: importing this package does not
import it.
"""

from newsbrief.spark.job import JobResult, SparkJobConfig, run_job
from newsbrief.spark.session import spark_session

__all__ = ["JobResult", "SparkJobConfig", "run_job", "spark_session"]
