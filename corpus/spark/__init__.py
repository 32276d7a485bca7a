"""Apache Spark for the corpus layer: where Spark runs and the one session (optional extra).

Owns the ``[spark]`` settings (``config``) and the process's SparkSession (``session``: found or
made, checked, quiet, status-tracker progress, Spark errors as one-line feedcare errors). Nothing
here imports pyspark at import time; the Spark backends (``corpus.tokens.spark_backend``,
``topics.engines.spark_lda``, ``topics.fit.spark_sweep``) ask ``session`` for Spark.
"""
