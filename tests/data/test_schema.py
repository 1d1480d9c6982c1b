"""The embedded tables carry exactly the names and types of the real system tables."""

from data.schema import REQUIRED_TABLES, table_schemas


def test_every_system_table_is_there():
    assert set(table_schemas()) == {
        "system.lakeflow.jobs",
        "system.lakeflow.job_tasks",
        "system.lakeflow.job_run_timeline",
        "system.lakeflow.job_task_run_timeline",
        "system.billing.usage",
        "system.billing.list_prices",
        "system.compute.clusters",
        "system.compute.node_timeline",
        "system.compute.node_types",
        "system.access.table_lineage",
        "collected.table_history",
        "collected.column_snapshots",
        "collected.table_collection",
    }
    assert REQUIRED_TABLES <= set(table_schemas())


def test_key_types_match_the_reference(engine):
    described = {
        (r.column_name): r.column_type
        for r in engine.raw().execute("DESCRIBE billing.usage").df().itertuples()
    }
    assert described["usage_quantity"] == "DECIMAL(38,18)"
    assert described["usage_start_time"] == "TIMESTAMP WITH TIME ZONE"
    assert described["usage_date"] == "DATE"
    assert described["custom_tags"] == "MAP(VARCHAR, VARCHAR)"
    assert described["usage_metadata"].startswith("STRUCT(cluster_id VARCHAR, job_id VARCHAR")
    jobs = {
        r.column_name: r.column_type for r in engine.raw().execute("DESCRIBE lakeflow.jobs").df().itertuples()
    }
    assert jobs["job_id"] == "VARCHAR"
    assert jobs["health_rules"] == 'STRUCT(metric VARCHAR, "operator" VARCHAR, "value" BIGINT)[]'
    assert jobs["trigger"].startswith("STRUCT(file_arrival STRUCT(url VARCHAR")
