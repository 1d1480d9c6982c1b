"""What a session reads from and changes in the app's saved state, as methods of ``AppState``.

Views never hold an engine, the state store or the Jobs API client: they call these methods, so where
SLA targets, team rules, budgets, alerts and reports are kept (and which user saves them) is decided here,
once, and a view is a form and a table. ``tests/test_layers.py`` fails on a view that reaches for
``state.engine``, ``state.state_store`` or ``state.jobs_api``.

Every method that changes something records ``self.actor`` as who did it. Without a state store or an
engine, ``can_save`` is False and the reads return nothing; the changing methods raise ``NoSavedState``,
whose text the views show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from monitor_app.alerts.config import AlertRulesError, default_severity, rule_settings

if TYPE_CHECKING:
    from monitor_app.alerts.evaluate import Evaluation
    from monitor_app.alerts.inbox import Inbox


class NoSavedState(RuntimeError):
    """The session has no state store or no data engine, so nothing can be saved."""


def _hashable(frame: pd.DataFrame) -> tuple[tuple[Any, ...], ...]:
    return tuple(tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False))


class StateActions:
    """Mixed into ``AppState``: reads and changes of SLA targets, team rules, budgets, alerts, reports and
    the Jobs API, each with the session's engine, state store, settings and actor."""

    engine: Any
    jobs_api: Any
    settings: Any
    state_store: Any
    actor: str

    # ------------------------------------------------------------------ what the session has
    @property
    def has_engine(self) -> bool:
        """Whether this session has a data source (none before a demo or an import)."""
        return self.engine is not None

    @property
    def can_save(self) -> bool:
        """Whether this session can save settings (it has the app's state store and a data engine)."""
        return self.state_store is not None and self.engine is not None

    def _need_store(self, refused: str) -> None:
        if not self.can_save:
            raise NoSavedState(f"{refused}: this session has no state store.")

    def rule_severity(self, rule: str, setting: str = "severity") -> str:
        """The severity the alert engine gives ``rule`` here: monitor.yaml's ``alert_rules`` over the default,
        so a badge in a view says what the alert says. An unusable ``alert_rules`` (the settings check
        reports it, and the alert evaluation refuses it) shows the default."""
        try:
            return rule_settings(getattr(self.settings, "alert_rules", None))[rule][setting]
        except AlertRulesError:
            return default_severity(rule, setting)

    def data_source_text(self) -> str:
        return self.engine.describe() if self.engine is not None else "none"

    def state_store_text(self) -> str:
        return self.state_store.engine.describe() if self.state_store is not None else "not available"

    # ------------------------------------------------------------------ SLA targets
    def sla_target_records(self) -> tuple[tuple[Any, ...], ...]:
        """Every target version (state store and monitor.yaml) as a hashable tuple, for ``query``."""
        from monitor_app.sla_targets import target_records

        return target_records(self.state_store, self.settings)

    def sla_targets(self) -> pd.DataFrame | None:
        """The targets in force (state store and monitor.yaml), or None without a state store."""
        if self.state_store is None:
            return None
        from monitor_app.sla_targets import get_sla_targets

        return get_sla_targets(self.state_store, self.settings)

    def set_sla_target(
        self,
        workspace_id: str | None,
        job_id: str,
        deadline: str | None,
        timezone: str | None,
        max_duration_minutes: float | None,
    ) -> Any:
        """Save a target (raises ``SlaTargetError`` for a bad one) and tell the views showing targets."""
        from monitor_app.sla_targets import set_sla_target

        self._need_store("Targets cannot be saved")
        target = set_sla_target(
            self.state_store,
            self.engine,
            workspace_id,
            job_id,
            deadline,
            timezone,
            max_duration_minutes,
            self.actor,
        )
        self.param.trigger("sla_targets_saved")
        return target

    def clear_sla_target(self, workspace_id: str, job_id: str) -> None:
        from monitor_app.sla_targets import clear_sla_target

        self._need_store("Targets cannot be cleared")
        clear_sla_target(self.state_store, workspace_id, job_id, self.actor, settings=self.settings)
        self.param.trigger("sla_targets_saved")

    # ------------------------------------------------------------------ team rules
    def team_rules(self, include_inactive: bool = True) -> pd.DataFrame:
        from monitor_app import team_rules

        self._need_store("Team rules cannot be read or changed")
        return team_rules.list_rules(self.state_store, self.settings, include_inactive=include_inactive)

    def add_team_rule(self, set_by: str, **rule: Any) -> int:
        """Save a mapping rule and re-attribute every job; returns how many jobs have a team now.

        Cached results are cleared: every team figure may have moved."""
        from monitor_app import team_rules

        self._need_store("Team rules cannot be read or changed")
        try:
            return team_rules.add_rule(self.state_store, self.engine, self.settings, set_by=set_by, **rule)
        finally:
            self.cache.clear()

    def deactivate_team_rule(self, name: str, set_by: str) -> int:
        from monitor_app import team_rules

        self._need_store("Team rules cannot be read or changed")
        try:
            return team_rules.deactivate_rule(
                self.state_store, self.engine, self.settings, name, set_by=set_by
            )
        finally:
            self.cache.clear()

    # ------------------------------------------------------------------ budgets
    def budget_records(self) -> tuple[tuple[Any, ...], ...]:
        """Every budget version (monitor.yaml and the app's) as a hashable tuple, for ``query``."""
        if not self.can_save:
            return ()
        from monitor_app.budgets import budget_history

        return _hashable(budget_history(self.state_store, self.settings, self.engine))

    def budget_teams(self) -> list[str]:
        """The teams a budget can be set for (empty when the data cannot say)."""
        if self.engine is None:
            return []
        from monitor_app.budgets import known_teams

        try:
            return sorted(known_teams(self.engine))
        except Exception:  # noqa: BLE001 (an empty database: the form still renders, saving explains)
            return []

    def set_budget(self, entry: dict[str, Any]) -> dict[str, Any]:
        from monitor_app.budgets import set_budget

        self._need_store("Budgets cannot be changed")
        saved = set_budget(self.state_store, self.engine, entry, self.actor)
        self.param.trigger("budgets_saved")
        return saved

    def clear_budget(self, entry: dict[str, Any]) -> dict[str, Any]:
        from monitor_app.budgets import clear_budget

        self._need_store("Budgets cannot be changed")
        saved = clear_budget(self.state_store, self.engine, self.settings, entry, self.actor)
        self.param.trigger("budgets_saved")
        return saved

    # ------------------------------------------------------------------ alerts and reports
    def alert_inbox(self) -> Inbox | None:
        """The alert inbox, or None without a state store."""
        if self.state_store is None:
            return None
        from monitor_app.alerts.inbox import Inbox

        return Inbox(self.state_store)

    def evaluate_alerts(self) -> Evaluation:
        """Evaluate every enabled rule at the end of the session's window."""
        from monitor_app.alerts.evaluate import evaluate

        if self.settings is None:
            raise NoSavedState("Alerts cannot be evaluated: this session has no settings.")
        self._need_store("Alerts cannot be evaluated")
        return evaluate(self.engine, self.state_store, self.settings, now=self.filters().end_time)

    def make_report(self, kind: str) -> Any:
        """The ``kind`` report of the selected team (all teams when none) at the end of the window."""
        from reports.snapshots import make_report

        if self.engine is None:
            raise NoSavedState("No data source: run the demo or import.")
        return make_report(
            kind, self.engine, self.state_store, self.settings, now=self.filters().end_time, team=self.team
        )

    # ------------------------------------------------------------------ Jobs API
    def _api(self, missing: str = "") -> Any:
        if self.jobs_api is None:
            raise RuntimeError(f"no Jobs API available for this session{missing}")
        return self.jobs_api

    def active_runs(self, minute: int) -> pd.DataFrame:
        """Runs in progress now; ``minute`` is part of the cache key only, so a new minute asks again."""
        api = self._api()
        return self.cached("jobs_api.active_runs", lambda _minute: api.active_runs(), minute)

    def job_settings(self) -> pd.DataFrame:
        """Every job's settings from the Jobs API (cached per identity)."""
        return self.cached("jobs_api.job_settings", self._api().job_settings)

    def run_errors(self, run_id: str, workspace_id: str | None) -> pd.DataFrame:
        """The run's task errors from the Jobs API (cached per identity)."""
        api = self._api(": the error text is in the workspace")
        return self.cached("jobs_api.run_errors", api.run_errors, run_id, workspace_id)
