"""Make a report snapshot and keep it: one HTML file per report, period and moment, never overwritten.

A snapshot's name says what it is: ``weekly_2026-W47_all_20261124T070000Z.html`` (kind, period label,
team or ``all``, when it was made). :func:`list_snapshots` reads the names back, so the Reports tab and
a shared folder list the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from reports.models import Report, ReportInputs, build
from reports.periods import KINDS
from reports.render import render

NAME = re.compile(
    r"^(?P<kind>daily|weekly|monthly)_(?P<period>[0-9W-]+)_(?P<team>[A-Za-z0-9_.-]+)_(?P<made>\d{8}T\d{6}Z)(?:-\d+)?\.html$"
)


class ReportError(RuntimeError):
    """A report could not be written; the message says where and why."""


@dataclass(frozen=True)
class Snapshot:
    path: Path
    report: Report


def report_inputs(engine: Any, store: Any, settings: Any) -> ReportInputs:
    """The alert inbox, SLA targets and budgets in force, from the state store (each optional)."""
    from monitor_app.alerts.inbox import Inbox
    from monitor_app.budgets import BudgetError, current_budgets
    from monitor_app.sla_targets import sla_target_history

    inputs = ReportInputs()
    if store is None:
        return inputs
    inputs.alerts = Inbox(store).list(status=None)
    inputs.targets = sla_target_history(store, settings)
    try:
        inputs.budgets = current_budgets(store, settings, engine)
    except BudgetError:
        inputs.budgets = None
    return inputs


def make_report(
    kind: str,
    engine: Any,
    store: Any,
    settings: Any,
    now: datetime | None = None,
    team: str | None = None,
) -> Report:
    timezone = getattr(settings, "report_timezone", None) or "UTC"
    return build(
        kind, engine, report_inputs(engine, store, settings), now or datetime.now(UTC), team, timezone
    )


def _slug(team: str | None) -> str:
    return "all" if not team else (re.sub(r"[^A-Za-z0-9_.-]+", "-", team).strip("-") or "team")


def write_snapshot(report: Report, folder: Path) -> Path:
    """Write the report into ``folder`` under a name of its own (``-2``, ``-3``... if one exists)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ReportError(f"cannot create the report folder {folder}: {err.strerror or err}") from err
    stem = f"{report.kind}_{report.period.label}_{_slug(report.team)}_{report.generated_at:%Y%m%dT%H%M%SZ}"
    return write_file(render(report), folder / f"{stem}.html", keep_existing=True)


def write_file(text: str, path: Path, keep_existing: bool = False) -> Path:
    """Write ``text`` to ``path``; with ``keep_existing`` a taken name gets a ``-N`` suffix instead."""
    path = Path(path)
    candidate, n = path, 1
    while True:
        try:
            with open(candidate, "x" if keep_existing else "w", encoding="utf-8") as out:
                out.write(text)
            return candidate
        except FileExistsError:
            n += 1
            candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        except OSError as err:
            raise ReportError(f"cannot write the report to {path}: {err.strerror or err}") from err


def generate_all(
    engine: Any, store: Any, settings: Any, folder: Path, now: datetime | None = None, team: str | None = None
) -> list[Path]:
    """The three reports as of ``now`` into ``folder``."""
    return [write_snapshot(make_report(kind, engine, store, settings, now, team), folder) for kind in KINDS]


def list_snapshots(folder: Path) -> pd.DataFrame:
    """The snapshots in ``folder``, newest first: kind, period, team, made_at (UTC), size_kb, path."""
    columns = ["kind", "period", "team", "made_at", "size_kb", "path"]
    folder = Path(folder)
    rows = []
    if folder.is_dir():
        for path in folder.glob("*.html"):
            m = NAME.match(path.name)
            if m is None:
                continue
            rows.append(
                {
                    "kind": m["kind"],
                    "period": m["period"],
                    "team": m["team"],
                    "made_at": datetime.strptime(m["made"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC),
                    "size_kb": round(path.stat().st_size / 1024, 1),
                    "path": str(path),
                }
            )
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["made_at", "kind"], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )
