"""inline_relations: one query over a materialized relation or over the model's own query, exactly."""

from __future__ import annotations

import pytest

from data.engines import DuckDBEngine
from data.sql_files import inline_relations

HOST = "WITH big AS (SELECT r.job_id, r.n FROM monitor.facts AS r WHERE r.n > :floor) SELECT * FROM big ORDER BY job_id"
MODEL = "SELECT job_id, SUM(n) AS n FROM monitor.raw GROUP BY job_id ORDER BY n"


def test_a_relation_becomes_one_leading_cte_read_under_its_alias():
    sql = inline_relations(HOST, {"monitor.facts": MODEL})
    assert sql == (
        "WITH inline_monitor_facts AS (SELECT job_id, SUM(n) AS n FROM monitor.raw GROUP BY job_id),"
        " big AS (SELECT r.job_id, r.n FROM inline_monitor_facts AS r WHERE r.n > :floor)"
        " SELECT * FROM big ORDER BY job_id"
    )


def test_nested_inlining_and_every_read_use_one_copy():
    host = "SELECT a.job_id FROM monitor.facts AS a JOIN monitor.facts AS b ON a.job_id = b.job_id"
    model = inline_relations("SELECT job_id FROM monitor.raw", {"monitor.raw": "SELECT 'j1' AS job_id"})
    sql = inline_relations(host, {"monitor.facts": model})
    assert sql.count("SELECT 'j1' AS job_id") == 1 and sql.count("inline_monitor_facts AS") == 3


def test_the_inlined_query_gives_what_the_materialized_relation_gives():
    engine = DuckDBEngine()
    engine.raw().execute("CREATE SCHEMA monitor")
    engine.raw().execute(
        "CREATE TABLE monitor.raw AS SELECT * FROM (VALUES ('j1', 2), ('j1', 3), ('j2', 1)) t(job_id, n)"
    )
    engine.raw().execute(f"CREATE TABLE monitor.facts AS {MODEL}")
    materialized = engine.execute(HOST, {"floor": 1})
    inline = engine.execute(inline_relations(HOST, {"monitor.facts": MODEL}), {"floor": 1})
    assert materialized.to_dict("records") == inline.to_dict("records") == [{"job_id": "j1", "n": 5}]


def test_a_relation_the_query_does_not_read_is_an_error():
    with pytest.raises(ValueError, match="reads none of: monitor.other"):
        inline_relations(HOST, {"monitor.facts": MODEL, "monitor.other": MODEL})


def test_a_cte_name_in_both_queries_is_an_error():
    model = "WITH big AS (SELECT 1 AS n) SELECT 'j' AS job_id, n FROM big"
    with pytest.raises(ValueError, match="CTE names used by both .*: big"):
        inline_relations(HOST, {"monitor.facts": model})
