"""The served app keeps answering while the CLI refreshes, exports and reads the same workspace file.

Before the file was replaced whole (``data/live_file.py``), every one of these CLI commands failed while
``serve`` ran ("Could not set lock on file ... Conflicting lock"), and the server could not follow a
refresh without a restart. Here a real server serves a demo workspace called ``demo.duckdb`` (a file name
that once broke the catalog) while ``refresh`` runs in a loop beside ``export`` and ``metrics``, and
sessions are created and queried all the while.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest

from monitor_app.analytics import drilldown
from monitor_app.cache import RESULTS
from monitor_app.filters import Filters
from monitor_app.settings import Settings
from tests.served import free_port as _free_port
from tests.served import session_texts as _session_texts
from tests.served import wait_for_http as _wait_for

END = "2026-11-01T00:00"
WINDOW = Filters(window_days=30, now=datetime(2026, 11, 1))


def _cli(*args: str, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "monitor_app", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
    )


@pytest.fixture
def served_demo(tmp_path: Path):
    from monitor_app.server import start_server

    db = tmp_path / "demo.duckdb"
    built = _cli("demo", "--jobs", "30", "--days", "30", "--end", END, db=db)
    assert built.returncode == 0, built.stderr
    RESULTS.clear()
    port = _free_port()
    server, context = start_server(
        Settings(db_path=db, local_user="ops"), port=port, threaded=True, warm=False
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/liveness")
        yield db, f"http://127.0.0.1:{port}/", context
    finally:
        server.stop()
        context.close()
        RESULTS.clear()


def test_sessions_keep_working_while_the_cli_refreshes_exports_and_reads(served_demo, tmp_path: Path):
    db, url, context = served_demo
    engine = context.shared_engine()
    before = drilldown.model_refreshed_at(engine)
    errors: list[str] = []
    sessions = queries = 0
    stop = threading.Event()

    def browse() -> None:
        nonlocal sessions, queries
        while not stop.is_set():
            try:
                texts, _ = _session_texts(url, {})
                assert any('class="identity"' in t for t in texts)
                sessions += 1
                teams = drilldown.teams_summary(engine, WINDOW)
                assert len(teams) > 0
                queries += 1
            except Exception as err:  # any error is what this test looks for
                errors.append(f"{type(err).__name__}: {err}")

    readers = [threading.Thread(target=browse) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        outcomes = []
        for i in range(3):
            outcomes.append(_cli("refresh", db=db))
            outcomes.append(_cli("export", str(tmp_path / f"export{i}"), db=db))
            outcomes.append(_cli("metrics", "teams_summary", "--now", END, db=db))
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert [(o.args[3], o.returncode, o.stderr[-300:]) for o in outcomes if o.returncode] == []
    assert errors == []
    assert sessions >= 3 and queries >= 3
    assert drilldown.model_refreshed_at(engine) > before  # the server follows the new file, no restart
    with urllib.request.urlopen(url, timeout=60) as response:
        assert response.status == 200


def _team_of(engine, name: str) -> str:
    frame = engine.execute(
        "SELECT t.team FROM monitor.jobs AS j JOIN monitor.job_teams AS t USING (workspace_id, job_id) "
        "WHERE j.name = :name",
        {"name": name},
    )
    return str(frame["team"].iloc[0])


def test_a_team_rule_saved_in_the_app_is_swapped_in_while_others_read(served_demo):
    from monitor_app.team_rules import add_rule

    _db, _url, context = served_demo
    engine = context.shared_engine()
    hostile = "<img src=x onerror=alert(1)>"  # the demo's one job no tag or rule attributes
    assert _team_of(engine, hostile) == "unattributed"
    version = engine.data_version
    errors: list[str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                assert len(drilldown.teams_summary(engine, WINDOW)) > 0
            except Exception as err:
                errors.append(f"{type(err).__name__}: {err}")

    reader = threading.Thread(target=read)
    reader.start()
    try:
        add_rule(
            context.state_store(),
            engine,
            context.settings,
            name="images",
            match_kind="job_name_prefix",
            match_value="<img",
            team="ops",
            set_by="ops",
        )
    finally:
        stop.set()
        reader.join()
    assert errors == []
    assert engine.data_version == version + 1
    assert _team_of(engine, hostile) == "ops"
