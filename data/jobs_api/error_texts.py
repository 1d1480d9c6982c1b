"""What the loopback workspace says when a task fails: messages and traces shaped like a workspace's.

System tables record only a termination code; the message and trace live in the Jobs API's run output
(``runs/get-output`` of a task run). The loopback derives them from the code so the app's error panel
has real text to show on the demo, including characters a careless view would render as markup.
"""

from __future__ import annotations

# Per termination code: the error line a task run's output carries, then the trace's frames.
_ERRORS: dict[str, tuple[str, tuple[str, ...]]] = {
    "RUN_EXECUTION_ERROR": (
        '[CAST_INVALID_INPUT] The value \'n/a\' of the type "STRING" cannot be cast to "DECIMAL(10,2)" '
        "because it is malformed. Correct the value as per the syntax, or change its target type. "
        "Use `try_cast` to tolerate malformed input. SQLSTATE: 22018",
        (
            "org.apache.spark.SparkNumberFormatException: [CAST_INVALID_INPUT] The value 'n/a' <STRING> "
            "cannot be cast to DECIMAL(10,2)",
            "\tat org.apache.spark.sql.errors.QueryExecutionErrors$.invalidInputInCastToNumberError",
            "\tat org.apache.spark.sql.catalyst.expressions.Cast.castToDecimal",
            "\tat org.apache.spark.sql.execution.WholeStageCodegenExec.doExecute",
        ),
    ),
    "DRIVER_ERROR": (
        "The spark driver has stopped unexpectedly and is restarting. Your notebook will be automatically "
        "reattached.",
        ("java.lang.OutOfMemoryError: Java heap space", "\tat java.util.Arrays.copyOf(Arrays.java:3745)"),
    ),
    "CLUSTER_ERROR": (
        "Cluster terminated. Reason: Spot instance termination (SPOT_INSTANCE_TERMINATION)",
        ("com.databricks.backend.cluster.ClusterTerminatedException: SPOT_INSTANCE_TERMINATION",),
    ),
    "LIBRARY_INSTALLATION_ERROR": (
        "Library installation failed for library due to user error: pip install 'acme-utils==2.4.1' "
        "ERROR: No matching distribution found for acme-utils==2.4.1",
        (
            "org.apache.spark.SparkException: Process List(pip, install, acme-utils==2.4.1) exited with code 1",
        ),
    ),
    "INTERNAL_ERROR": (
        "An internal error occurred while running the job. Retry the run; contact support if it persists.",
        ("com.databricks.backend.common.rpc.InternalError: run failed in the control plane",),
    ),
    "TIMEOUT": (
        "Run timed out after the task's timeout_seconds and was cancelled.",
        ("com.databricks.jobs.RunTimeoutException: timed out",),
    ),
}
_DEFAULT = (
    "Workload failed, see the run's logs for details.",
    ("com.databricks.WorkflowException: com.databricks.NotebookExecutionException: FAILED",),
)


def task_error(termination_code: str | None, task_key: str) -> tuple[str, str]:
    """The ``error`` and ``error_trace`` of a failed task run's output."""
    error, frames = _ERRORS.get(str(termination_code or ""), _DEFAULT)
    trace = "\n".join((f"Task {task_key} failed:", *frames))
    return error, trace


def run_state_message(failed_task_keys: list[str], termination_code: str | None) -> str:
    """A failed job run's ``state.state_message``, as a workspace words it (without failed task runs:
    the error of the run's own termination code)."""
    if not failed_task_keys:
        return _ERRORS.get(str(termination_code or ""), _DEFAULT)[0]
    error, _ = task_error(termination_code, failed_task_keys[0])
    others = len(failed_task_keys) - 1
    more = f" ({others} more task{'s' if others > 1 else ''} failed)" if others else ""
    return (
        f"Task {failed_task_keys[0]} failed with message: {error}{more} "
        "This caused all downstream tasks to get skipped."
    )
