"""Alert rules' severities and thresholds: documented defaults, overridden by ``alert_rules:`` in monitor.yaml.

This is the one place that decides an alert's severity: the metrics' ``severity`` columns are this
module's defaults (``default_severity``), never a literal in their SQL or in a view. The metrics' thresholds (``thresholds:`` of monitor.yaml)
still decide what a metric flags; these settings decide which flags become alerts and how urgent they are.

monitor.yaml::

    alert_rules:
      failure_rate: {min_decided_runs: 10, critical_severity: P1}
      dbu_spike: {enabled: false}
      window_days: 30

Every default is listed in ``RULES`` (and in the README, "Alert rules").
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from monitor_app.alerts.model import SEVERITIES

# rule -> (category, {setting: default}). ``severity`` settings take P1/P2/P3; the rest are numbers.
RULES: dict[str, tuple[str, dict[str, Any]]] = {
    # JOB-02: the latest 2+ completed runs all failed (act now).
    "consecutive_failures": ("reliability", {"severity": "P1"}),
    # JOB-01: failure rate above the warning / critical rate over the window, with enough decided runs
    # that 1 failure in 4 runs of a new job is not an alert (our floor; the definitions leave it open).
    "failure_rate": (
        "reliability",
        {"warn_severity": "P3", "critical_severity": "P2", "min_decided_runs": 8},
    ),
    # JOB-03: a successful run at least +30 % over its baseline median, started in the lookback.
    "duration_regression": ("performance", {"severity": "P2", "lookback_days": 7}),
    # JOB-03: a successful run under 50 % of its baseline: often skipped work or empty input.
    "suspiciously_fast": ("performance", {"severity": "P2", "lookback_days": 7}),
    # JOB-04: retry-heavy over the window (flakiness: improve).
    "retry_heavy": ("reliability", {"severity": "P3"}),
    # SLA-02: a run that breached its target, started in the lookback.
    "sla_breach": ("sla", {"severity": "P1", "lookback_days": 7}),
    # SLA-03: a run in progress past 80 % of its allowed window, or projected to finish after its deadline.
    "sla_at_risk": ("sla", {"severity": "P1", "window_share": 0.8}),
    # COST-02: a run whose DBUs spiked, started in the lookback.
    "dbu_spike": ("cost", {"severity": "P2", "lookback_days": 7}),
    # COST: scheduled, costing money, writing no rows or only tables no one reads.
    "zombie_job": ("cost", {"severity": "P3"}),
    # COST: a job that runs on all-purpose compute (job compute costs less per DBU).
    "all_purpose_job": ("cost", {"severity": "P3"}),
    # CLUST-02: workers under 40 % CPU and memory across the window's runs (medium or high confidence), with
    # at least this monthly saving from the recommended size.
    "over_provisioned": ("cost", {"severity": "P3", "min_monthly_savings_usd": 10}),
    # PIPE-01: a write by a successful run (or outside any job run) flagged by row_count_changes: +/-20 % off
    # the table's baseline, or zero rows after a non-zero history, committed in the lookback.
    "row_count_deviation": ("data", {"severity": "P2", "lookback_days": 7}),
    # PIPE-02: columns removed, retyped or made nullable (severity) or only added (added_severity), first
    # seen in the lookback.
    "schema_drift": ("data", {"severity": "P2", "added_severity": "P3", "lookback_days": 7}),
    # Data stopped arriving: a system table's newest row older than this.
    "stale_data": ("data", {"severity": "P2", "max_age_hours": 24}),
    # COST-03: a month's spend against its budget.
    "budget": (
        "cost",
        {
            "approaching_severity": "P2",
            "exceeded_severity": "P1",
            "approaching_share": 0.8,
            "min_forecast_days": 3,
        },
    ),
}


def default_severity(rule: str, setting: str = "severity") -> str:
    """The severity ``rule`` gives by default (``setting``: e.g. ``added_severity`` of schema_drift).

    The metrics' ``severity`` columns read it, so a metric and its alert never disagree on the default;
    monitor.yaml's ``alert_rules:`` may change the alert's (``rule_settings``)."""
    return RULES[rule][1][setting]


# Settings of the whole evaluation (same mapping, not a rule).
GENERAL: dict[str, Any] = {
    # the analysis window of the metrics the rules read (their baselines come from the model)
    "window_days": 30,
    # an alert reopened this many times within flapping_hours is flapping: shown, not re-notified
    "flapping_reopens": 2,
    "flapping_hours": 24,
}


class AlertRulesError(ValueError):
    """``alert_rules:`` holds a name or value the engine cannot use; the message names it."""


def rule_settings(configured: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Every rule's settings: the defaults with ``configured`` (monitor.yaml's ``alert_rules``) applied.

    Returns ``{rule: {"category": ..., "enabled": bool, setting: value, ...}, "general": {...}}``.

    Raises
    ------
    AlertRulesError
        An unknown rule or setting, a severity other than P1/P2/P3, a negative or non-numeric value.
    """
    configured = configured or {}
    if not isinstance(configured, dict):
        raise AlertRulesError(f"alert_rules must be a mapping of rule: settings, got {configured!r}")
    out: dict[str, dict[str, Any]] = {}
    for rule, (category, defaults) in RULES.items():
        out[rule] = {"category": category, "enabled": True, **deepcopy(defaults)}
    out["general"] = dict(GENERAL)
    for key, value in configured.items():
        if key in GENERAL:
            out["general"][key] = _number(f"alert_rules.{key}", value)
            continue
        if key not in RULES:
            known = ", ".join([*RULES, *GENERAL])
            raise AlertRulesError(f"alert_rules: unknown rule {key!r}; known: {known}")
        if not isinstance(value, dict):
            raise AlertRulesError(f"alert_rules.{key} must be a mapping of setting: value, got {value!r}")
        for name, setting in value.items():
            where = f"alert_rules.{key}.{name}"
            if name == "enabled":
                if not isinstance(setting, bool):
                    raise AlertRulesError(f"{where} must be true or false, got {setting!r}")
                out[key]["enabled"] = setting
            elif name not in RULES[key][1]:
                known = ", ".join(["enabled", *RULES[key][1]])
                raise AlertRulesError(f"alert_rules.{key}: unknown setting {name!r}; known: {known}")
            elif name.endswith("severity"):
                if setting not in SEVERITIES:
                    raise AlertRulesError(f"{where} must be one of P1, P2, P3, got {setting!r}")
                out[key][name] = setting
            else:
                out[key][name] = _number(where, setting)
    if out["general"]["window_days"] < 1:
        raise AlertRulesError("alert_rules.window_days must be at least 1 day")
    return out


def _number(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise AlertRulesError(f"{where} must be a non-negative number, got {value!r}")
    return value
