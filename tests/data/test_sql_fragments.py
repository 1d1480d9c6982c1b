"""The shared SQL fragments: one definition of a job's team and of the team / workspace / job filters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from data.engines import DuckDBEngine
from data.sql_files import read_sql
from data.sql_fragments import FragmentError, expand

ROOT = Path(__file__).resolve().parents[2]
SQL_FILES = sorted(p for d in ("data", "monitor_app", "reports") for p in (ROOT / d).rglob("*.sql"))


def test_the_filters_expand_in_the_order_written_and_the_team_falls_back_to_unattributed():
    assert expand("WHERE {{ in_scope(workspace_id=r.workspace_id, team=jt.team) }}") == (
        "WHERE ((:workspace_id IS NULL OR r.workspace_id = :workspace_id)"
        " AND (:team IS NULL OR COALESCE(jt.team, 'unattributed') = :team))"
    )
    assert expand("AND {{in_scope(job_id=job_id)}}") == "AND (:job_id IS NULL OR job_id = :job_id)"
    assert expand("SELECT {{ team_of(t.team) }} AS team, {{ unattributed() }}") == (
        "SELECT COALESCE(t.team, 'unattributed') AS team, 'unattributed'"
    )
    assert expand("SELECT 1 -- no fragment") == "SELECT 1 -- no fragment"


@pytest.mark.parametrize(
    "text, problem",
    [
        ("{{ in_scope(run_id=r.run_id) }}", "in_scope takes team, workspace_id, job_id, got run_id"),
        ("{{ in_scope() }}", "in_scope takes team, workspace_id, job_id, got none"),
        ("{{ in_scope(team=a.team, team=b.team) }}", "in_scope: team given twice"),
        ("{{ in_scope(team='x') }}", "in_scope: \"'x'\" is not a column name"),
        ("{{ scope(team=t.team) }}", "unknown SQL fragment 'scope'"),
    ],
)
def test_a_wrong_fragment_fails_with_what_it_takes(text, problem):
    with pytest.raises(FragmentError, match=re.escape(problem)):
        expand(text)


def test_the_filters_select_a_team_a_workspace_a_job_or_everything():
    sql = expand(
        "SELECT job_id FROM (VALUES ('w1', 'j1', 'a'), ('w1', 'j2', NULL), ('w2', 'j3', 'b')) AS v(ws, job_id, team)"
        " WHERE {{ in_scope(team=team, workspace_id=ws, job_id=job_id) }} ORDER BY job_id"
    )
    con = DuckDBEngine()
    try:

        def jobs(**params):
            full = {"team": None, "workspace_id": None, "job_id": None, **params}
            return con.execute(sql, full)["job_id"].tolist()

        assert jobs() == ["j1", "j2", "j3"]
        assert jobs(team="unattributed") == ["j2"]
        assert jobs(team="a") == ["j1"]
        assert jobs(workspace_id="w1") == ["j1", "j2"]
        assert jobs(workspace_id="w1", job_id="j3") == []
    finally:
        con.close()


def test_no_sql_file_writes_the_filters_or_the_fallback_team_by_hand():
    """The filters and 'unattributed' come from data/sql_fragments.py, never typed into a query again."""
    by_hand = re.compile(r":(team|workspace_id|job_id) IS NULL OR|'unattributed'")
    found = []
    for path in SQL_FILES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("--", 1)[0]
            if by_hand.search(code):
                found.append(f"{path.relative_to(ROOT)}:{number}")
    assert found == []
    assert all("{{" not in read_sql(p) for p in SQL_FILES)
