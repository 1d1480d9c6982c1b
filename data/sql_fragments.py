"""The SQL every query repeats, defined once: a job's team and the team / workspace / job filters.

A ``.sql`` file writes ``{{ in_scope(team=jt.team, workspace_id=r.workspace_id, job_id=r.job_id) }}``
where it filters on the session's scope, and ``{{ team_of(t.team) }}`` for a job's team. ``expand`` turns
them into plain Databricks SQL when the file is read (``data/sql_files.py``), before anything else sees
the text: the engines, the ahead-of-time transpiler (``python -m data.dialects``) and the tests get the
same expanded statement, so a change here changes every query at once.

Why not a view: the filters bind ``:team`` / ``:workspace_id`` / ``:job_id`` against columns of whatever
relation a query reads (runs, costs, usage, tasks), so they must be written into each query, and the
team's fallback must be the same word in each. ``team_of`` keeps a job with no team rule or tag visible
as ``unattributed`` (``monitor.job_teams`` writes the same word).
"""

from __future__ import annotations

import re

# The team of a job no rule or tag attributes (data/model/job_teams.sql; the UI and the CLI name it so).
UNATTRIBUTED = "unattributed"

# The filter parameter each scope key binds, in the order the conditions are written.
SCOPE_KEYS = ("team", "workspace_id", "job_id")

_CALL = re.compile(r"\{\{\s*(\w+)\(([^(){}]*)\)\s*\}\}")
_COLUMN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


class FragmentError(ValueError):
    """A ``{{ ... }}`` in a .sql file that names no fragment or passes it something it cannot take."""


def team_of(column: str) -> str:
    """A job's team: ``column``, or ``unattributed`` when no rule or tag gave it one."""
    return f"COALESCE({column}, '{UNATTRIBUTED}')"


def unattributed() -> str:
    return f"'{UNATTRIBUTED}'"


def in_scope(**columns: str) -> str:
    """The session's filters on the given columns: each holds when its parameter is NULL (no filter).

    ``team`` compares the job's team (``team_of``), so the ``unattributed`` team can be selected."""
    unknown = set(columns) - set(SCOPE_KEYS)
    if unknown or not columns:
        raise FragmentError(
            f"in_scope takes {', '.join(SCOPE_KEYS)}, got {', '.join(sorted(columns)) or 'none'}"
        )
    conditions = []
    for key, column in columns.items():  # in the order written: the query's own order of conditions
        value = team_of(column) if key == "team" else column
        conditions.append(f"(:{key} IS NULL OR {value} = :{key})")
    return conditions[0] if len(conditions) == 1 else "(" + " AND ".join(conditions) + ")"


FRAGMENTS = {"in_scope": in_scope, "team_of": team_of, "unattributed": unattributed}


def _call(match: re.Match[str]) -> str:
    name, raw = match.group(1), match.group(2).strip()
    fragment = FRAGMENTS.get(name)
    if fragment is None:
        raise FragmentError(f"unknown SQL fragment {name!r}: one of {', '.join(sorted(FRAGMENTS))}")
    args, kwargs = [], {}
    for part in (p.strip() for p in raw.split(",")) if raw else ():
        key, _, value = part.rpartition("=")
        value = value.strip()
        if not _COLUMN.match(value):
            raise FragmentError(f"{name}: {value!r} is not a column name")
        if key.strip() in kwargs:
            raise FragmentError(f"{name}: {key.strip()} given twice")
        if key:
            kwargs[key.strip()] = value
        else:
            args.append(value)
    return fragment(*args, **kwargs)


def expand(text: str) -> str:
    """``text`` with every ``{{ fragment(...) }}`` replaced by its SQL (raises ``FragmentError``)."""
    return _CALL.sub(_call, text) if "{{" in text else text
