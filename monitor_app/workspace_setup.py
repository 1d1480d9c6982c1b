"""Build and refresh the workspace data the app reads, keeping the settings saved in the app.

The CLI (``demo``, ``import``, ``refresh``) and the server all go through these two functions, so a
refresh can never drop the team rules saved in the app and the demo always comes with its SLA targets
and attribution rules.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from data.engines import DuckDBEngine, Engine
from data.state_store import StateStore
from monitor_app.settings import Settings

Progress = Callable[[str], None] | None
DEMO_SETTER = "demo"


def refresh_model(
    engine: Engine,
    settings: Settings,
    store: StateStore,
    since: datetime | None = None,
    progress: Progress = None,
) -> dict[str, int]:
    """Rebuild the derived model with the team rules in force (monitor.yaml and app-saved, merged).

    Through ``engine.writing()``: on the embedded file readers keep the previous model until this one is
    complete (``data/live_file.py``).
    """
    from data.refresh import refresh
    from monitor_app.team_rules import settings_with_saved_rules

    rules = settings_with_saved_rules(store, settings)
    with engine.writing() as writer:
        collect_before_refresh(writer, settings, progress)
        return refresh(writer, since=since, settings=rules, progress=progress)


def collect_before_refresh(engine: Engine, settings: Settings, progress: Progress = None) -> None:
    """On a workspace (or when ``integrity_collection.enabled``), read the tables' history and columns.

    Contained: if the collection cannot even start (lineage unreadable), the refresh goes on without it and
    says why; a table that cannot be read is logged by the collector itself.
    """
    from data.engines import QueryError
    from data.integrity_collect import collect_integrity
    from monitor_app.settings import collection_limits

    enabled, limits = collection_limits(settings)
    if enabled is None:
        enabled = engine.dialect == "databricks"
    if not enabled or limits.max_tables == 0:
        return
    try:
        collect_integrity(engine, limits=limits, progress=progress)
    except QueryError as err:
        (progress or (lambda _m: None))(f"integrity collection skipped: {str(err).splitlines()[0][:300]}")


def build_demo(
    settings: Settings,
    store: StateStore,
    seed: int = 7,
    jobs: int = 300,
    days: int = 90,
    end: datetime | None = None,
    refresh: bool = True,
    progress: Progress = None,
    problems: bool = True,
) -> dict[str, Any]:
    """Generate the demo workspace, seed the demo's SLA targets and team rules, and build the model.

    Built beside the live file and swapped in complete (``data/live_file.py``): a server reading the
    previous workspace keeps answering, and a failed build leaves no half-made database behind. Seeding
    never overwrites what a user saved: a target or rule that already exists is left alone.
    """
    from data.live_file import replace_file
    from data.simulator import generate

    db = Path(settings.db_path)
    with replace_file(db, fresh=True) as building:
        manifest = generate(
            building,
            seed=seed,
            jobs=jobs,
            days=days,
            end=end,
            progress=progress,
            manifest_path=db.with_suffix(".manifest.json"),
            problems=problems,
        )
        if not refresh:
            return manifest
        engine = DuckDBEngine(building)
        try:
            refresh_model(engine, settings, store, progress=progress)
            # Seeding needs the model (SLA targets are checked against monitor.jobs); saving a rule
            # re-attributes the jobs itself, so no second refresh is needed.
            if _seed_demo_state(engine, settings, store, manifest) and progress:
                progress("demo SLA targets and team rules saved in the state store")
        finally:
            engine.close()
    return manifest


def save_manifest_sla_targets(
    engine: Engine,
    store: StateStore,
    manifest: dict[str, Any],
    set_by: str,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> int:
    """Save the simulator manifest's SLA targets that the state store does not have yet; returns how many.

    ``now`` dates the versions (a benchmark or test window in the past needs targets in force before it);
    a target the app refuses (its job was deleted in the simulated workspace) is skipped.
    """
    from monitor_app.sla_targets import SlaTargetError, get_sla_targets, set_sla_target

    saved = 0
    existing = get_sla_targets(store, settings)
    have = set(zip(existing["workspace_id"], existing["job_id"], strict=True)) if len(existing) else set()
    for target in manifest.get("sla_targets", []):
        if (target["workspace_id"], target["job_id"]) in have:
            continue
        try:
            set_sla_target(
                store,
                engine,
                target["workspace_id"],
                target["job_id"],
                target.get("deadline"),
                target.get("timezone"),
                target.get("max_duration_minutes"),
                set_by=set_by,
                now=now,
            )
            saved += 1
        except SlaTargetError:
            continue
    return saved


def _seed_demo_state(engine: Engine, settings: Settings, store: StateStore, manifest: dict[str, Any]) -> int:
    """Save the manifest's SLA targets and name-prefix rules unless the state store already has them."""
    from monitor_app.team_rules import add_rule, list_rules

    saved = save_manifest_sla_targets(engine, store, manifest, DEMO_SETTER, settings)
    rules = list_rules(store, settings, include_inactive=True)
    names = set(rules["rule_name"]) if len(rules) else set()
    for rule in manifest.get("team_attribution", {}).get("name_prefix_rules", []):
        name = f"prefix {rule['prefix']}"
        if name not in names:
            add_rule(
                store,
                engine,
                settings,
                name=name,
                match_kind="job_name_prefix",
                match_value=rule["prefix"],
                team=rule["team"],
                set_by=DEMO_SETTER,
            )
            saved += 1
    return saved
