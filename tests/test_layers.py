"""The import contract: dependencies point one way, components -> monitor_app -> data.

Every import in a module counts, at the top or inside a function (a lazy import is still a crossing).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# A layer may import nothing from the packages listed against it.
FORBIDDEN = {
    "data": ("monitor_app", "components", "reports", "panel", "holoviews", "bokeh"),
    "monitor_app/analytics": ("components", "panel", "holoviews", "bokeh"),
    # static snapshots: HoloViews and Bokeh for charts, never the app's views or Panel
    "reports": ("components", "panel"),
    # the app's models, CLI and settings: no views, no Panel (the serving modules are exempt below)
    "monitor_app": ("components", "panel"),
}
# The modules that serve the app build its Panel pages, so they may import components and Panel.
EXEMPT = {"monitor_app": ("monitor_app/server.py", "monitor_app/recycle.py")}
# Analytics are pure functions of their arguments: from the app, only the filters and other analytics;
# no settings, state store, context or Jobs API (targets, rules and thresholds are passed in). The alert
# rules' table (pure data) is where a flagged row's severity comes from (monitor_app/analytics/severity.py).
ONLY_FROM = {
    "monitor_app/analytics": {
        "monitor_app": ("monitor_app.analytics", "monitor_app.filters", "monitor_app.alerts.config")
    },
}
ALSO_FORBIDDEN = {
    "monitor_app/analytics": ("data.state_store", "data.jobs_api", "data.refresh", "data.io"),
}


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def crossings(layer: str, root: Path = ROOT) -> list[str]:
    out = []
    for path in sorted((root / layer).rglob("*.py")):
        if str(path.relative_to(root)) in EXEMPT.get(layer, ()):
            continue
        for name in sorted(imports_of(path)):
            package = name.split(".")[0]
            allowed = ONLY_FROM.get(layer, {}).get(package)
            if (
                package in FORBIDDEN[layer]
                or any(_within(name, p) for p in ALSO_FORBIDDEN.get(layer, ()))
                or (allowed is not None and not any(_within(name, p) for p in allowed))
            ):
                out.append(f"{path.relative_to(root)} imports {name}")
    return out


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_layer_imports_from_above_it(layer):
    assert crossings(layer) == []


def test_the_contract_sees_a_lazy_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from monitor_app.settings import Settings\n", encoding="utf-8")
    assert imports_of(module) == {"monitor_app.settings"}


def test_analytics_may_not_read_settings_or_state(tmp_path):
    layer = tmp_path / "monitor_app" / "analytics"
    layer.mkdir(parents=True)
    (layer / "ok.py").write_text("from monitor_app.filters import Filters\nfrom data.engines import Engine\n")
    (layer / "bad.py").write_text(
        "def f():\n    from monitor_app.settings import load_settings\n    import data.state_store\n"
    )
    assert crossings("monitor_app/analytics", tmp_path) == [
        "monitor_app/analytics/bad.py imports data.state_store",
        "monitor_app/analytics/bad.py imports monitor_app.settings",
    ]


def test_no_test_module_imports_another():
    """Tests mirror the packages; data two test modules share lives in a helper module beside them."""
    found = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / "tests").rglob("test_*.py"))
        for name in sorted(imports_of(path))
        if name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith("test_")
    ]
    assert found == []


# Views change and read the app's saved state only through AppState's methods (monitor_app/state_actions.py).
SESSION_CONTEXT = ("engine", "state_store", "jobs_api")


def context_reads(layer: str, root: Path = ROOT) -> list[str]:
    """Every ``<anything>.engine`` / ``.state_store`` / ``.jobs_api`` a module of ``layer`` reads."""
    out = []
    for path in sorted((root / layer).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in SESSION_CONTEXT:
                out.append(f"{path.relative_to(root)}:{node.lineno} reads .{node.attr}")
    return out


def test_views_reach_saved_state_only_through_the_state_model():
    assert context_reads("components") == []


def test_the_contract_sees_a_view_reading_the_state_store(tmp_path):
    (tmp_path / "components").mkdir()
    (tmp_path / "components" / "v.py").write_text(
        "def f(state):\n    return Inbox(state.state_store), state.team\n", encoding="utf-8"
    )
    assert context_reads("components", tmp_path) == ["components/v.py:2 reads .state_store"]
