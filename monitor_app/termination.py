"""What a run's termination code usually means, for the remediation of alerts and the run page."""

# What a run's last termination code usually means, and the first thing to try (Jobs API codes).
TERMINATION_HINTS = {
    "RUN_EXECUTION_ERROR": "the task's code failed: read the error and stack trace in the run's output",
    "DRIVER_ERROR": "the driver crashed or was unreachable: often out of memory (collect, broadcast); "
    "check the driver log, use a larger driver or avoid collecting data",
    "CLUSTER_ERROR": "the cluster failed to start or was lost: check the cluster event log "
    "(spot loss, quota, init scripts)",
    "CLOUD_FAILURE": "the cloud provider refused instances (capacity, quota, spot): retry with on-demand "
    "workers or another node type or zone",
    "LIBRARY_INSTALLATION_ERROR": "a library failed to install: pin its version, check the repository "
    "is reachable",
    "STORAGE_ACCESS_ERROR": "storage access was denied or unavailable: check the run-as identity's "
    "permissions and credentials",
    "INTERNAL_ERROR": "a Databricks internal error: retry; open a support ticket with the run id if it recurs",
    "MAX_CONCURRENT_RUNS_EXCEEDED": "runs overlap: the previous run was still going; spread the schedule "
    "or raise max_concurrent_runs",
    "TIMED_OUT": "the run hit its timeout: find the slow task or raise timeout_seconds if the work grew",
    "RESOURCE_NOT_FOUND": "a notebook, file, cluster or secret it uses no longer exists",
    "INVALID_CLUSTER_REQUEST": "the cluster specification is invalid (node type, policy, DBR version)",
    "WORKSPACE_RUN_LIMIT_EXCEEDED": "the workspace's concurrent run limit was reached",
}
