"""Team attribution of jobs (monitor.job_teams), rebuilt on every refresh and when the rules change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from data.engines import Engine

MODEL_DIR = Path(__file__).parent / "model"


def rebuild_job_teams(engine: Engine, tag_keys: list[str], rules: list[dict[str, Any]] | None = None) -> int:
    """Rebuild monitor.job_teams from monitor.jobs; returns the number of jobs attributed to a team."""
    sql = (MODEL_DIR / "job_teams.sql").read_text(encoding="utf-8")
    engine.execute(sql, {"tag_key": tag_keys[0] if tag_keys else "team"})
    counts = engine.execute("SELECT COUNT(*) AS n FROM monitor.job_teams WHERE team <> 'unattributed'")
    return int(counts["n"].iloc[0])
