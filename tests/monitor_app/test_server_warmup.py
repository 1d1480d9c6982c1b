"""What the server does once the first page is loaded: its own modules byte-compiled for later starts."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from monitor_app import server


def test_own_modules_are_byte_compiled_for_the_next_start():
    root = Path(server.__file__).resolve().parents[1]
    module = root / "components" / "light_table.py"
    compiled = Path(importlib.util.cache_from_source(str(module)))
    compiled.unlink(missing_ok=True)
    server.compile_own_modules()
    assert compiled.exists() and compiled.stat().st_mtime >= module.stat().st_mtime
