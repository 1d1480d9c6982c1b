"""The hand-built data of ``test_io.py``, shared with the tests that reuse it (a test module
imports no other test module)."""

from __future__ import annotations

from data.engines import DuckDBEngine

# One or two hand-made rows per table, with the awkward values: nested types, NULL next to an empty list,
# unicode, microseconds, 18-digit decimals. Columns not named are NULL.
ROWS = {
    "lakeflow.jobs": """
        SELECT 'acc' AS account_id, '1001' AS workspace_id, '7' AS job_id, 'nightly ✓ etl' AS name,
               MAP {'team': 'data-eng', 'tier': 'gold'} AS tags,
               TIMESTAMPTZ '2025-01-02 03:04:05.123456+00' AS change_time, 'svc@x.com' AS run_as,
               {'file_arrival': NULL, 'periodic': {'interval': 4, 'units': 'HOURS'}, 'continuous': NULL,
                'table_update': {'table_names': ['a.b.c'], 'min_time_between_triggers_seconds': 60,
                                 'wait_after_last_change_seconds': NULL, 'condition': 'ANY_UPDATED'},
                'schedule': {'quartz_cron_expression': '0 0 2 * * ?', 'timezone_id': 'UTC'}} AS trigger,
               'CRON' AS trigger_type, FALSE AS paused, 3600 AS timeout_seconds,
               [{'metric': 'RUN_DURATION_SECONDS', 'operator': 'GREATER_THAN', 'value': 7200}] AS health_rules,
               {'kind': 'BUNDLE', 'metadata_file_path': '/b.json'} AS deployment
        UNION ALL
        SELECT 'acc', '1001', '8', 'old job', MAP {}::MAP(VARCHAR, VARCHAR),
               TIMESTAMPTZ '2024-06-01 00:00:00+00', NULL, NULL, NULL, NULL, NULL, []::STRUCT(metric VARCHAR, operator VARCHAR, value BIGINT)[], NULL
    """,
    "lakeflow.job_tasks": """
        SELECT 'acc' AS account_id, '1001' AS workspace_id, '7' AS job_id, 'ingest' AS task_key,
               ['setup'] AS depends_on_keys, TIMESTAMPTZ '2025-01-02 03:04:05+00' AS change_time
    """,
    "lakeflow.job_run_timeline": """
        SELECT 'acc' AS account_id, '1001' AS workspace_id, '7' AS job_id, 'r1' AS run_id,
               TIMESTAMPTZ '2025-01-03 02:00:00+00' AS period_start_time,
               TIMESTAMPTZ '2025-01-03 02:30:00.5+00' AS period_end_time, 'CRON' AS trigger_type,
               'JOB_RUN' AS run_type, ['c-1'] AS compute_ids, 'FAILED' AS result_state,
               'RUN_EXECUTION_ERROR' AS termination_code, MAP {'env': 'prod'} AS job_parameters,
               [{'type': 'CLUSTER', 'cluster_id': 'c-1', 'warehouse_id': NULL}] AS compute,
               1800 AS run_duration_seconds
    """,
    "lakeflow.job_task_run_timeline": """
        SELECT 'acc' AS account_id, '1001' AS workspace_id, '7' AS job_id, 't1' AS run_id,
               'r1' AS job_run_id, TIMESTAMPTZ '2025-01-03 02:00:00+00' AS period_start_time,
               'ingest' AS task_key, 'FAILED' AS result_state, MAP {'k': 'v'} AS task_parameters
    """,
    "billing.usage": """
        SELECT 'u1' AS record_id, 'acc' AS account_id, '1001' AS workspace_id,
               'PREMIUM_JOBS_COMPUTE' AS sku_name, 'AWS' AS cloud,
               TIMESTAMPTZ '2025-01-03 02:00:00+00' AS usage_start_time, DATE '2025-01-03' AS usage_date,
               MAP {'team': 'data-eng'} AS custom_tags, 'DBU' AS usage_unit,
               1.123456789012345678::DECIMAL(38, 18) AS usage_quantity,
               {'job_id': '7', 'job_run_id': 'r1', 'cluster_id': 'c-1'} AS usage_metadata,
               {'run_as': 'svc@x.com'} AS identity_metadata, 'ORIGINAL' AS record_type,
               'JOBS' AS billing_origin_product, {'jobs_tier': 'CLASSIC', 'is_photon': TRUE} AS product_features
        UNION ALL
        SELECT 'u2', 'acc', '1001', 'PREMIUM_JOBS_COMPUTE', 'AWS', TIMESTAMPTZ '2025-01-03 02:00:00+00',
               DATE '2025-01-03', NULL, 'DBU', -1.123456789012345678::DECIMAL(38, 18), NULL, NULL,
               'RETRACTION', 'JOBS', NULL
    """,
    "billing.list_prices": """
        SELECT TIMESTAMPTZ '2024-01-01 00:00:00+00' AS price_start_time, 'PREMIUM_JOBS_COMPUTE' AS sku_name,
               'AWS' AS cloud, 'USD' AS currency_code, 'DBU' AS usage_unit,
               {'default': 0.15, 'promotional': {'default': NULL}, 'effective_list': {'default': 0.15}} AS pricing
    """,
    "compute.clusters": """
        SELECT '1001' AS workspace_id, 'c-1' AS cluster_id, 'JOB' AS cluster_source, 2 AS worker_count,
               [{'workspace': {'destination': '/init.sh'}}] AS init_scripts,
               {'availability': 'SPOT', 'first_on_demand': 1, 'zone_id': 'auto'} AS aws_attributes,
               DATE '2025-01-03' AS change_date
    """,
    "compute.node_timeline": """
        SELECT 'c-1' AS cluster_id, 'i-1' AS instance_id, TRUE AS driver, 12.5 AS cpu_user_percent,
               MAP {'/': 1024} AS disk_free_bytes_per_mount_point
    """,
    "compute.node_types": "SELECT 'm5.xlarge' AS node_type, 4.0 AS core_count, 16384 AS memory_mb",
    "access.table_lineage": """
        SELECT 'JOB' AS entity_type, '7' AS entity_id, 'main.sales.orders' AS target_table_full_name,
               TIMESTAMPTZ '2025-01-03 02:10:00+00' AS event_time, DATE '2025-01-03' AS event_date
    """,
    "collected.table_history": """
        SELECT 'main.sales.orders' AS table_full_name, 12 AS version, 'WRITE' AS operation,
               1000 AS rows_written, '7' AS job_id
    """,
    "collected.column_snapshots": """
        SELECT 'main.sales.orders' AS table_full_name, 'id' AS column_name, 'bigint' AS full_data_type,
               FALSE AS is_nullable, 1 AS ordinal_position
    """,
}


def populate(engine: DuckDBEngine) -> None:
    """Fill every table with the hand-made rows above."""
    con = engine.raw()
    for table, select in ROWS.items():
        con.execute(f"INSERT INTO {table} BY NAME {select}")
