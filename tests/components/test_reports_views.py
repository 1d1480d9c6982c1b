"""The Reports tab on hand-built data: generate now, the list, the preview, and per-user isolation."""

from __future__ import annotations

from pathlib import Path

import pytest
from panel.models.tabulator import CellClickEvent

from components.reports_views import ReportsView
from data.engines import DuckDBEngine
from data.schema import create_tables
from data.state_store import StateStore
from monitor_app.cache import ResultCache
from monitor_app.identity import SOURCE_USER_TOKEN, Identity
from monitor_app.settings import Settings
from monitor_app.state import AppState
from tests.monitor_app.analytics.rawdata import RawWorkspace, build_model, utc


@pytest.fixture
def parts(tmp_path: Path):
    engine = DuckDBEngine(tmp_path / "workspace.duckdb")
    create_tables(engine.raw())
    ws = RawWorkspace(engine)
    ws.job("j1", "<b>load</b>", team="alpha")
    for day in (19, 21):
        ws.run("j1", f"a{day}", utc(2026, 10, day, 2), 600, dbus=10)
    build_model(engine)
    settings = Settings(db_path=tmp_path / "workspace.duckdb", reports_dir=tmp_path / "reports")
    store = StateStore.embedded(tmp_path / "state.duckdb")
    yield engine, settings, store
    engine.close()


def _state(parts, identity: Identity | None = None) -> AppState:
    engine, settings, store = parts
    return AppState(
        engine=engine,
        settings=settings,
        state_store=store,
        identity=identity,
        as_of=utc(2026, 10, 28, 6).replace(tzinfo=None),
        cache=ResultCache(),
    )


def test_generate_now_writes_lists_and_previews_the_snapshot(parts):
    view = ReportsView(_state(parts))
    assert "No report yet." in view.table_slot.objects[0].object
    assert view.generate_button.label == "Generate the weekly report now"
    view.kind.value = "monthly"
    assert view.generate_button.label == "Generate the monthly report now"
    view.kind.value = "weekly"
    view._generate(None)
    assert "Made the weekly report for 2026-W43." in view.message.object
    table = view.table_slot.objects[0].objects[0]
    assert table.value[["kind", "period", "team"]].values.tolist() == [["weekly", "2026-W43", "all"]]
    assert view.preview.object.startswith('<iframe class="report-frame" sandbox="allow-scripts"')
    assert "&lt;b&gt;load&lt;/b&gt;" not in view.preview.object  # the report's own escaping, escaped again
    assert "&amp;lt;b&amp;gt;load&amp;lt;/b&amp;gt;" in view.preview.object
    assert view.download.visible and view.download.filename.startswith("weekly_2026-W43_all_")
    view.preview.object = ""
    table._process_event(CellClickEvent(model=None, column="kind", row=0))
    assert view.preview.object.startswith("<iframe")


def test_a_users_own_report_is_listed_to_them_only(parts):
    def user(name: str) -> Identity:
        return Identity(name, f"{name}@example.com", name, SOURCE_USER_TOKEN, f"user:{name}")

    ana = ReportsView(_state(parts, user("ana")))
    ana._generate(None)
    assert len(ana.snapshots()) == 1
    bob = ReportsView(_state(parts, user("bob")))
    assert bob.snapshots().empty
    shared = ReportsView(_state(parts))
    assert shared.snapshots().empty
    bob.open(ana.snapshots()["path"].iloc[0])
    assert "not yours to open" in bob.message.object and bob.preview.object == ""
