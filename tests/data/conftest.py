"""Fixtures shared by the command-line tests of this package."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def isolated_cli(tmp_path, monkeypatch):
    """No monitor.yaml or MONITOR_* variable of the developer's shell may leak into a command."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("MONITOR_", "DATABRICKS_")):
            monkeypatch.delenv(name)
