"""A local SparkSession (PySpark, Debian's Java 17) for the parity tests, or a skip saying what is missing.

``MONITOR_REQUIRE_SPARK=1`` (set by ``.ci/run``) turns a missing PySpark or Java into a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest


def _missing() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "PySpark is not installed (pip install -r requirements-dev.txt)"
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        return "Java is not installed (apt-get install openjdk-17-jre-headless)"
    return None


@pytest.fixture(scope="session")
def spark(tmp_path_factory) -> Iterator[Any]:
    missing = _missing()
    if missing:
        if os.environ.get("MONITOR_REQUIRE_SPARK") == "1":
            pytest.fail(f"Spark parity required but {missing}")
        pytest.skip(missing)
    import warnings

    from pyspark.sql import SparkSession

    warnings.filterwarnings(
        "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
    )
    root = tmp_path_factory.mktemp("spark")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("monitor-parity")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.warehouse.dir", str(root / "warehouse"))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={root}")
        .config("spark.sql.ansi.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("OFF")
    import logging

    logging.getLogger("SQLQueryContextLogger").disabled = True  # an expected failure logs its whole stack
    yield session
    session.stop()
