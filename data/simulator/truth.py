"""The manifest's ground truth per alert rule: the (workspace_id, job_id) each rule must alert on.

Read by the alert benchmark and the scenario tests, so both score the rules against the same truth.
Rules without an injected case on the demo (failure_rate, sla_at_risk, stale_data, budget) get an empty
set: every alert of theirs on a generated workspace is a false alarm.
"""

from __future__ import annotations

# alert rule -> the manifest's kind of injected scenario it must find
SCENARIO_KIND = {
    "consecutive_failures": "consecutive_failures",
    "duration_regression": "duration_regression",
    "suspiciously_fast": "suspiciously_fast",
    "retry_heavy": "retry_heavy",
    "dbu_spike": "dbu_spike",
    "zombie_job": "zombie",
    "over_provisioned": "over_provisioned",
    "row_count_deviation": "row_count_deviation",
    "schema_drift": "schema_drift",
}
# verdict of metrics rightsizing -> the kind of injected scenario that must get it (the rest get "ok")
VERDICT_KIND = {
    "over-provisioned": "over_provisioned",
    "memory-bound": "memory_bound",
    "driver-bound": "driver_bound",
    "io-bound": "io_bound",
}
NO_INJECTED_CASE = ("failure_rate", "sla_at_risk", "stale_data", "budget")


def alert_truth(manifest: dict) -> dict[str, set[tuple[str, str]]]:
    """Per alert rule, the jobs the manifest says it must alert on."""
    truth: dict[str, set[tuple[str, str]]] = {rule: set() for rule in SCENARIO_KIND}
    for s in manifest["scenarios"]:
        for rule, kind in SCENARIO_KIND.items():
            if s["kind"] == kind:
                truth[rule].add((str(s["workspace_id"]), str(s["job_id"])))
    truth["sla_breach"] = {
        (str(t["workspace_id"]), str(t["job_id"])) for t in manifest["sla_targets"] if t["breached"]
    }
    truth["all_purpose_job"] = {(str(w), str(j)) for w, j in manifest["special_jobs"].get("all_purpose", [])}
    for rule in NO_INJECTED_CASE:
        truth[rule] = set()
    return truth


def verdict_truth(manifest: dict) -> dict[str, set[tuple[str, str]]]:
    """Per rightsizing verdict (and ``autoscale_never_scaled``), the jobs that must get it."""
    truth: dict[str, set[tuple[str, str]]] = {v: set() for v in (*VERDICT_KIND, "autoscale_never_scaled")}
    kinds = {**{k: v for v, k in VERDICT_KIND.items()}, "autoscale_idle": "autoscale_never_scaled"}
    for s in manifest["scenarios"]:
        if s["kind"] in kinds:
            truth[kinds[s["kind"]]].add((str(s["workspace_id"]), str(s["job_id"])))
    return truth
