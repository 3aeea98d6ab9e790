"""ember's counterpart of delta-spark's ``delta`` package: ``from ember.delta import *`` in place of
``from delta import *`` lets a script's Delta set-up lines run unchanged. ember writes and reads Delta tables itself
(``format("delta")``), so there are no jars to fetch: ``configure_spark_with_delta_pip`` hands the builder back, and
the Delta confs (``spark.sql.extensions``, ``spark.sql.catalog.spark_catalog``, ``spark.jars.packages``) are accepted
and change nothing. Under ``EMBER_BACKEND=spark`` this module is delta-spark's own ``delta`` (see
:mod:`ember.backend`), so the same script runs on Spark with delta-spark.
"""
from typing import List, Optional

__all__ = ["configure_spark_with_delta_pip"]


def configure_spark_with_delta_pip(spark_session_builder, extra_packages: Optional[List[str]] = None):
    """The builder, ready for ``getOrCreate()``: delta-spark adds its Maven coordinates to ``spark.jars.packages``
    here; ember reads Delta natively and needs none.

    .. versionadded:: ember 0.1 (delta-spark 1.2)
    """
    if extra_packages is not None and not isinstance(extra_packages, list):
        raise TypeError("extra_packages must be a list")
    return spark_session_builder
