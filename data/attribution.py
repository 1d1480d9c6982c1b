"""Team attribution of jobs (monitor.job_teams), rebuilt on every refresh and when the rules change.

Order (first match wins): job tag keys in the configured order, billing ``custom_tags`` with the same
keys (most recent usage row of the job), mapping rules in priority order, else ``unattributed``.
``attributed_by`` records how: ``job_tag:<key>``, ``billing_tag:<key>``, ``rule:<rule name>``, ``none``.

The number of tag keys and rules varies. ``data/model/job_teams.sql`` declares two placeholder CTEs,
``tag_keys`` and ``rules``; :func:`job_teams_statement` replaces their bodies, with sqlglot, by rows of
bound parameters (``:k0``, ``:k1``, ... and ``:r0_name``, ``:r0_kind``, ...). Keys, rule values and team
names are untrusted text: they only ever travel as bound values, never inside the SQL text.

Rule matching (documented for users in the README's configuration section):

- ``job_name_prefix``: the latest job name starts with the value (ignoring case);
- ``job_name_pattern``: SQL ``LIKE`` on the latest job name, ignoring case: ``%`` any run of characters,
  ``_`` any one character. LIKE, not regex, because it means the same on DuckDB and on a SQL warehouse
  (Java and RE2 regex dialects differ) and a bad pattern cannot make a query fail or run for long.
  A backslash is refused: the engines disagree on whether it escapes;
- ``run_as``: the job's run-as user (or service principal) name equals the value (ignoring case);
- ``creator``: the job creator's user name equals the value (ignoring case).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from data.engines import Engine
from data.sql_files import load_sql
from data.sql_fragments import UNATTRIBUTED

if TYPE_CHECKING:  # sqlglot is imported where a statement is built: the app's start does not need it
    from sqlglot import exp

log = logging.getLogger(__name__)

MODEL_SQL = Path(__file__).parent / "model" / "job_teams.sql"
ATTRIBUTED_SQL = Path(__file__).parent / "model" / "job_teams_attributed.sql"
MATCH_KINDS = ("job_name_prefix", "job_name_pattern", "run_as", "creator")
# Generous limits that no real name reaches; they keep a pasted blob out of every query and page.
MAX_TEXT_LENGTH = 500


@dataclass(frozen=True)
class Attribution:
    """What attribution needs from the configuration (the app's Settings has the same two fields)."""

    team_tag_keys: list[str] = field(default_factory=lambda: ["team"])
    team_rules: list[dict[str, Any]] = field(default_factory=list)


class RuleValidationError(ValueError):
    """A mapping rule or tag key the attribution cannot use; the message says which and why."""


def validate_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """Check one mapping rule and return it normalised as ``{name, match, value, team, priority}``.

    Accepts the monitor.yaml spelling (``name``, ``match``, ``value``, ``team``, ``priority``) and the
    state-store spelling (``rule_name``, ``match_kind``, ``match_value``, ...). Raises
    :class:`RuleValidationError` on an empty team or value, an unknown match kind or an invalid pattern.
    """
    kind = str(rule.get("match", rule.get("match_kind")) or "").strip()
    value = rule.get("value", rule.get("match_value"))
    value = "" if value is None else str(value).strip()
    team = rule.get("team")
    team = "" if team is None else str(team).strip()
    name = rule.get("name", rule.get("rule_name"))
    name = str(name).strip() if name is not None and str(name).strip() else f"{kind}:{value}"
    priority = rule.get("priority")
    if kind not in MATCH_KINDS:
        raise RuleValidationError(f"unknown match kind {kind!r}: use one of {', '.join(MATCH_KINDS)}")
    if not value:
        raise RuleValidationError("the value to match is empty")
    if not team:
        raise RuleValidationError("the team is empty")
    if team.lower() == UNATTRIBUTED:
        raise RuleValidationError(f"{UNATTRIBUTED!r} is reserved for jobs no rule attributes")
    for label, text in (("name", name), ("value", value), ("team", team)):
        if len(text) > MAX_TEXT_LENGTH:
            raise RuleValidationError(f"the {label} is longer than {MAX_TEXT_LENGTH} characters")
        if any(ord(ch) < 32 for ch in text):
            raise RuleValidationError(f"the {label} contains a control character")
    if kind == "job_name_pattern":
        if "\\" in value:
            raise RuleValidationError(
                "a pattern may not contain a backslash: use % for any characters and _ for any one"
            )
        if not value.strip("%"):
            raise RuleValidationError("a pattern of only % matches every job: use a narrower pattern")
    try:
        priority = 100 if priority is None or priority == "" else int(priority)
    except (TypeError, ValueError) as err:
        raise RuleValidationError(f"priority must be a whole number, got {priority!r}") from err
    return {"name": name, "match": kind, "value": value, "team": team, "priority": priority}


def usable_rules(rules: Iterable[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """Validated rules in the order they apply (priority, then name); invalid ones are logged and skipped."""
    out = []
    for rule in rules or []:
        try:
            out.append(validate_rule(rule))
        except RuleValidationError as err:
            log.warning("team rule %r skipped: %s", rule.get("name", rule.get("rule_name")), err)
    return sorted(out, key=lambda r: (r["priority"], r["name"]))


def usable_tag_keys(tag_keys: Iterable[str] | None) -> list[str]:
    """Tag keys in order, stripped, without blanks or repeats."""
    seen: list[str] = []
    for key in tag_keys or []:
        key = str(key).strip()
        if key and key not in seen:
            seen.append(key)
    return seen


def _rows(columns: list[tuple[str, str, str]], count: int, prefix: str) -> exp.Expression:
    """``SELECT CAST(:p0_a AS type) AS a, ... UNION ALL SELECT ...`` for ``count`` rows of placeholders."""
    from sqlglot import exp

    selects = []
    for i in range(count):
        projections = []
        for col, suffix, type_ in columns:
            value: exp.Expression
            if suffix == "#":
                value = exp.cast(exp.Literal.number(i), type_)
            else:
                value = exp.cast(exp.Placeholder(this=f"{prefix}{i}{suffix}"), type_)
            projections.append(exp.alias_(value, col))
        selects.append(exp.select(*projections))
    tree = selects[0]
    for select in selects[1:]:
        tree = exp.union(tree, select, distinct=False)
    return tree


def job_teams_statement(tag_keys: list[str], rules: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """The Databricks SQL that rebuilds monitor.job_teams and its bound parameters.

    ``tag_keys`` and ``rules`` must already be cleaned (:func:`usable_tag_keys`, :func:`usable_rules`).
    """
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(load_sql(MODEL_SQL), read="databricks")
    params: dict[str, Any] = {}
    bodies: dict[str, exp.Expression] = {}
    if tag_keys:
        bodies["tag_keys"] = _rows([("key_order", "#", "INT"), ("tag_key", "", "STRING")], len(tag_keys), "k")
        params.update({f"k{i}": key for i, key in enumerate(tag_keys)})
    if rules:
        cols = [
            ("rule_order", "#", "INT"),
            ("rule_name", "_name", "STRING"),
            ("match_kind", "_kind", "STRING"),
            ("match_value", "_value", "STRING"),
            ("team", "_team", "STRING"),
        ]
        bodies["rules"] = _rows(cols, len(rules), "r")
        for i, rule in enumerate(rules):
            params.update(
                {
                    f"r{i}_name": rule["name"],
                    f"r{i}_kind": rule["match"],
                    f"r{i}_value": rule["value"],
                    f"r{i}_team": rule["team"],
                }
            )
    for cte in tree.find_all(exp.CTE):
        if cte.alias in bodies:
            cte.set("this", bodies[cte.alias])
    return tree.sql("databricks", comments=False), params


def rebuild_job_teams(engine: Engine, tag_keys: list[str], rules: list[dict[str, Any]] | None = None) -> int:
    """Rebuild monitor.job_teams from monitor.jobs, billing tags and rules.

    Parameters
    ----------
    engine
        The workspace-data engine holding monitor.jobs and system.billing.usage.
    tag_keys
        Tag keys in order of preference (the first key set on a job wins), e.g. ``["team", "owner"]``.
    rules
        Mapping rules (monitor.yaml spelling ``{name, match, value, team, priority}`` or the state
        store's ``{rule_name, match_kind, match_value, team, priority}``). Invalid rules are skipped
        with a warning so that one bad line in monitor.yaml never stops a refresh.

    Returns
    -------
    int
        The number of jobs attributed to a team (not ``unattributed``).
    """
    sql, params = job_teams_statement(usable_tag_keys(tag_keys), usable_rules(rules))
    engine.execute(sql, params)
    counts = engine.execute(load_sql(ATTRIBUTED_SQL), {})
    return int(counts["n"].iloc[0])
