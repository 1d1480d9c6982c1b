"""One evaluation: every enabled rule over the workspace, reconciled with the inbox, pushed if configured.

Called by ``refresh`` (CLI and the bundle's hourly job), by ``alerts evaluate``, by the Alerts tab's
"Evaluate now" and, for ``sla_at_risk`` alone, by the server's timer. A rule that fails (a query error, a
budget naming an unknown team) is reported in ``problems`` and its alerts are left as they were: a broken
rule never resolves what it could not check.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from data.engines import Engine
from data.state_store import StateStore
from monitor_app.alerts.config import rule_settings
from monitor_app.alerts.inbox import Changes, Inbox
from monitor_app.alerts.model import Finding
from monitor_app.alerts.rules import INHIBITED_BY, RULE_FUNCTIONS, RuleContext
from monitor_app.settings import Settings


@dataclass
class Evaluation:
    """What an evaluation found and changed."""

    now: datetime
    changes: Changes
    findings: list[Finding]
    seconds: float
    rule_seconds: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _inhibit(findings: list[Finding]) -> list[Finding]:
    """Drop a lesser finding on a job while the rule that inhibits it fires for the same job."""
    firing = {(f.rule, f.workspace_id, f.job_id) for f in findings}
    return [
        f
        for f in findings
        if not any((rule, f.workspace_id, f.job_id) in firing for rule in INHIBITED_BY.get(f.rule, ()))
    ]


def live_runs_from(jobs_api: Any) -> tuple[pd.DataFrame | None, str | None]:
    """Runs in progress from the Jobs API, or (None, why) when it cannot be reached (the timeline then)."""
    if jobs_api is None:
        return None, None
    try:
        return jobs_api.active_runs(), None
    except Exception as err:  # unreachable, slow, refused: the timeline answers instead
        return (
            None,
            f"Jobs API not reachable ({type(err).__name__}: {err}); runs in progress read from the job timeline",
        )


def evaluate(
    engine: Engine,
    store: StateStore,
    settings: Settings,
    now: datetime | None = None,
    rules: Iterable[str] | None = None,
    jobs_api: Any = None,
    notifier: Any = None,
    targets: pd.DataFrame | None = None,
) -> Evaluation:
    """Evaluate ``rules`` (default: every enabled one) at ``now`` (default: the current time, UTC)."""
    from monitor_app.budgets import BudgetError, current_budgets
    from monitor_app.sla_targets import sla_target_history

    started = time.perf_counter()
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    config = rule_settings(settings.alert_rules)
    asked = list(rules or RULE_FUNCTIONS)
    unknown = set(asked) - set(RULE_FUNCTIONS)
    if unknown:
        raise ValueError(
            f"unknown alert rule(s): {', '.join(sorted(unknown))}; known: {', '.join(RULE_FUNCTIONS)}"
        )
    wanted = [r for r in asked if config[r]["enabled"]]
    problems: list[str] = []
    ctx = RuleContext(
        engine=engine,
        now=moment,
        rules=config,
        thresholds=dict(settings.thresholds or {}),
        targets=targets if targets is not None else sla_target_history(store, settings),
        host=settings.host,
    )
    if "budget" in wanted:
        try:
            ctx.budgets = current_budgets(store, settings, engine)
        except BudgetError as err:
            problems.append(f"budget: {err}")
            wanted.remove("budget")
    if "sla_at_risk" in wanted:
        ctx.live_runs, why = live_runs_from(jobs_api)
        if why:
            problems.append(why)
    findings: list[Finding] = []
    checked: list[str] = []
    rule_seconds: dict[str, float] = {}
    for rule in wanted:
        t0 = time.perf_counter()
        try:
            findings += RULE_FUNCTIONS[rule](ctx)
            checked.append(rule)
        except Exception as err:  # one broken rule must not stop the others, nor resolve its alerts
            problems.append(f"{rule}: {type(err).__name__}: {err}")
        rule_seconds[rule] = round(time.perf_counter() - t0, 3)
    findings = _inhibit(findings)
    general = config["general"]
    changes = Inbox(store).apply(
        findings,
        checked,
        moment,
        host=settings.host,
        flapping_reopens=int(general["flapping_reopens"]),
        flapping_hours=float(general["flapping_hours"]),
        seconds=time.perf_counter() - started,
        problems=problems,
    )
    if notifier is not None and changes.notify:
        notifier.send(changes.notify)
    return Evaluation(moment, changes, findings, time.perf_counter() - started, rule_seconds, problems)
