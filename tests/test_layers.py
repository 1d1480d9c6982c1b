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
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def crossings(layer: str) -> list[str]:
    out = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        for name in sorted(imports_of(path)):
            if name.split(".")[0] in FORBIDDEN[layer]:
                out.append(f"{path.relative_to(ROOT)} imports {name}")
    return out


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_layer_imports_from_above_it(layer):
    assert crossings(layer) == []


def test_the_contract_sees_a_lazy_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from monitor_app.settings import Settings\n", encoding="utf-8")
    assert imports_of(module) == {"monitor_app.settings"}
