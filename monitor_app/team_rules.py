"""Team mapping rules (COST-02): validate, save, list and deactivate; every change re-attributes history.

Rules map jobs to teams when neither job tags nor billing tags name one (order and matching:
:mod:`data.attribution`). They come from two places:

- the app (``app_state.team_rules`` in the state store): a change inserts a new version of the rule with
  who set it and when; deactivating inserts a version with ``is_active = FALSE``. Nothing is updated in
  place, so the history is kept;
- ``monitor.yaml`` (``Settings.team_rules``: ``{name, match, value, team, priority?}``), shown with
  ``source = "monitor.yaml"``. A rule saved (or deactivated) in the app under the same name wins over
  the file.

After a change monitor.job_teams is rebuilt at once, so the new attribution applies to all history (team
costs are computed from job_teams at query time). Validation refuses with a :class:`TeamRuleError` naming
the bad value, and saves nothing.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from data.attribution import MATCH_KINDS, RuleValidationError, rebuild_job_teams
from data.attribution import validate_rule as _validate
from data.engines import Engine
from data.sql_files import sql_beside
from data.state_store import StateStore
from monitor_app.settings import Settings

YAML_SOURCE = "monitor.yaml"
DEFAULT_PRIORITY = 100

RULE_COLUMNS = [
    "rule_name",
    "match_kind",
    "match_value",
    "team",
    "priority",
    "set_by",
    "set_at",
    "is_active",
    "source",
]

__all__ = [
    "MATCH_KINDS",
    "RULE_COLUMNS",
    "TeamRuleError",
    "add_rule",
    "deactivate_rule",
    "effective_rules",
    "list_rules",
    "rebuild",
    "settings_with_saved_rules",
    "validate_rule",
]


class TeamRuleError(ValueError):
    """A team mapping rule the app refuses; the message says which value and why."""


class RuleSavedNotApplied(RuntimeError):
    """The rule change is saved, but re-attributing the jobs failed: it applies at the next refresh.

    Told apart from a refusal so the form never says "Not saved" about a rule that is stored.
    """


def validate_rule(
    name: str | None, match_kind: str, match_value: str, team: str, priority: int | str | None = None
) -> dict[str, Any]:
    """Check a rule; return it normalised as ``{name, match, value, team, priority}``.

    An empty name becomes ``<match_kind>:<value>``; an empty priority becomes 100 (lower applies first).

    Raises
    ------
    TeamRuleError
        Empty team or value, unknown match kind, invalid pattern (a backslash, or only ``%``), a priority
        that is not a whole number, control characters or over-long text.
    """
    try:
        return _validate(
            {"name": name, "match": match_kind, "value": match_value, "team": team, "priority": priority}
        )
    except RuleValidationError as err:
        raise TeamRuleError(str(err)) from err


def _saved(store: StateStore) -> pd.DataFrame:
    return store.engine.execute(sql_beside(__file__, "team_rules_current"))


def list_rules(store: StateStore, settings: Settings, include_inactive: bool = False) -> pd.DataFrame:
    """Rules in the order they apply: saved in the app (latest version) merged with monitor.yaml.

    Returns
    -------
    DataFrame with :data:`RULE_COLUMNS`: rule_name, match_kind, match_value, team, priority, set_by,
    set_at (NULL for monitor.yaml), is_active, source (``app`` or ``monitor.yaml``). Invalid monitor.yaml
    rules are left out (the refresh skips them too, with a warning in the log).
    """
    saved = _saved(store)
    rows: list[dict[str, Any]] = []
    app_names = set(saved["rule_name"]) if not saved.empty else set()
    for rule in settings.team_rules or []:
        try:
            clean = _validate(rule)
        except RuleValidationError:
            continue
        if clean["name"] in app_names:
            continue
        rows.append(
            {
                "rule_name": clean["name"],
                "match_kind": clean["match"],
                "match_value": clean["value"],
                "team": clean["team"],
                "priority": clean["priority"],
                "set_by": YAML_SOURCE,
                "set_at": None,
                "is_active": True,
                "source": YAML_SOURCE,
            }
        )
    for rec in saved.to_dict("records"):
        rows.append({**{k: rec[k] for k in RULE_COLUMNS if k in rec}, "source": "app"})
    frame = pd.DataFrame(rows, columns=RULE_COLUMNS)
    if not include_inactive:
        frame = frame[frame["is_active"].astype(bool)]
    frame["priority"] = frame["priority"].astype("int64")
    return frame.sort_values(["priority", "rule_name"], kind="stable").reset_index(drop=True)


def effective_rules(store: StateStore, settings: Settings) -> list[dict[str, Any]]:
    """The active rules as :func:`data.attribution.rebuild_job_teams` takes them, in the order they apply."""
    frame = list_rules(store, settings)
    return [
        {
            "name": r["rule_name"],
            "match": r["match_kind"],
            "value": r["match_value"],
            "team": r["team"],
            "priority": int(r["priority"]),
        }
        for r in frame.to_dict("records")
    ]


def settings_with_saved_rules(store: StateStore, settings: Settings) -> Settings:
    """A copy of ``settings`` whose ``team_rules`` are the rules in force (app and monitor.yaml merged).

    For ``data.refresh.refresh(engine, settings=...)``, which rebuilds monitor.job_teams from
    ``settings.team_rules`` only: without this, a refresh would drop the rules saved in the app.
    """
    return dataclasses.replace(settings, team_rules=effective_rules(store, settings))


def rebuild(store: StateStore, engine: Engine, settings: Settings) -> int:
    """Re-attribute every job with the current tag keys and rules; returns the jobs attributed to a team.

    Written through ``engine.writing()``: sessions reading the embedded file keep the previous
    attribution until the new one is swapped in whole.
    """
    rules = effective_rules(store, settings)
    with engine.writing() as writer:
        return rebuild_job_teams(writer, list(settings.team_tag_keys), rules)


def _insert(store: StateStore, rule: dict[str, Any], set_by: str, is_active: bool) -> None:
    store.engine.execute(
        sql_beside(__file__, "team_rules_insert"),
        {
            "rule_name": rule["name"],
            "match_kind": rule["match"],
            "match_value": rule["value"],
            "team": rule["team"],
            "priority": int(rule["priority"]),
            "set_by": set_by,
            "set_at": datetime.now(UTC).replace(tzinfo=None),
            "is_active": is_active,
        },
    )


def add_rule(
    store: StateStore,
    engine: Engine,
    settings: Settings,
    *,
    name: str | None,
    match_kind: str,
    match_value: str,
    team: str,
    set_by: str,
    priority: int | str | None = DEFAULT_PRIORITY,
) -> int:
    """Validate and save a rule (a new version when the name exists), then re-attribute all jobs.

    Returns
    -------
    int
        The number of jobs attributed to a team after the change.
    """
    if not (set_by or "").strip():
        raise TeamRuleError("who sets the rule is unknown: sign in first")
    rule = validate_rule(name, match_kind, match_value, team, priority)
    _insert(store, rule, set_by.strip(), True)
    return _rebuild_after_save(store, engine, settings)


def deactivate_rule(store: StateStore, engine: Engine, settings: Settings, name: str, set_by: str) -> int:
    """Deactivate a rule by name (app or monitor.yaml) with a new version, then re-attribute all jobs."""
    if not (set_by or "").strip():
        raise TeamRuleError("who sets the rule is unknown: sign in first")
    current = list_rules(store, settings)
    match = current[current["rule_name"] == name]
    if match.empty:
        raise TeamRuleError(f"no active rule named {name!r}")
    rec = match.iloc[0]
    rule = {
        "name": rec["rule_name"],
        "match": rec["match_kind"],
        "value": rec["match_value"],
        "team": rec["team"],
        "priority": int(rec["priority"]),
    }
    _insert(store, rule, set_by.strip(), False)
    return _rebuild_after_save(store, engine, settings)


def _rebuild_after_save(store: StateStore, engine: Engine, settings: Settings) -> int:
    try:
        return rebuild(store, engine, settings)
    except Exception as err:
        raise RuleSavedNotApplied(
            f"saved, but re-attributing the jobs failed ({type(err).__name__}: {err}); "
            "the change applies at the next model refresh"
        ) from err
