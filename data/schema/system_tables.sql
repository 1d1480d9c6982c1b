-- The Databricks system tables, exactly as a workspace exposes them (Databricks SQL DDL).
-- This file is the single source of truth for names and types: the embedded DuckDB database is created
-- from it (through sqlglot), the importer validates Parquet exports against it, and the simulator fills it.
-- Columns follow shared/reference/system-tables.md; keep them in step with a real workspace.

CREATE TABLE system.lakeflow.jobs (
  account_id STRING, workspace_id STRING, job_id STRING, name STRING, description STRING,
  creator_id STRING, tags MAP<STRING, STRING>, change_time TIMESTAMP, delete_time TIMESTAMP, run_as STRING,
  trigger STRUCT<
    file_arrival: STRUCT<url: STRING, min_time_between_triggers_seconds: INT, wait_after_last_change_seconds: INT>,
    periodic: STRUCT<interval: INT, units: STRING>,
    continuous: STRUCT<enabled: BOOLEAN>,
    table_update: STRUCT<table_names: ARRAY<STRING>, min_time_between_triggers_seconds: BIGINT,
                         wait_after_last_change_seconds: BIGINT, condition: STRING>,
    schedule: STRUCT<quartz_cron_expression: STRING, timezone_id: STRING>>,
  trigger_type STRING, run_as_user_name STRING, creator_user_name STRING, paused BOOLEAN,
  timeout_seconds BIGINT, health_rules ARRAY<STRUCT<metric: STRING, operator: STRING, value: BIGINT>>,
  deployment STRUCT<kind: STRING, metadata_file_path: STRING>, create_time TIMESTAMP
);

CREATE TABLE system.lakeflow.job_tasks (
  account_id STRING, workspace_id STRING, job_id STRING, task_key STRING, depends_on_keys ARRAY<STRING>,
  change_time TIMESTAMP, delete_time TIMESTAMP, timeout_seconds BIGINT,
  health_rules ARRAY<STRUCT<metric: STRING, operator: STRING, value: BIGINT>>
);

CREATE TABLE system.lakeflow.job_run_timeline (
  account_id STRING, workspace_id STRING, job_id STRING, run_id STRING, period_start_time TIMESTAMP,
  period_end_time TIMESTAMP, trigger_type STRING, run_type STRING, run_name STRING,
  compute_ids ARRAY<STRING>, result_state STRING, termination_code STRING,
  job_parameters MAP<STRING, STRING>, source_task_run_id STRING, root_task_run_id STRING,
  compute ARRAY<STRUCT<type: STRING, cluster_id: STRING, warehouse_id: STRING>>, termination_type STRING,
  setup_duration_seconds BIGINT, queue_duration_seconds BIGINT, run_duration_seconds BIGINT,
  cleanup_duration_seconds BIGINT, execution_duration_seconds BIGINT
);

CREATE TABLE system.lakeflow.job_task_run_timeline (
  account_id STRING, workspace_id STRING, job_id STRING, run_id STRING, job_run_id STRING,
  parent_run_id STRING, period_start_time TIMESTAMP, period_end_time TIMESTAMP, task_key STRING,
  compute_ids ARRAY<STRING>, result_state STRING, termination_code STRING,
  compute ARRAY<STRUCT<type: STRING, cluster_id: STRING, warehouse_id: STRING>>, termination_type STRING,
  task_parameters MAP<STRING, STRING>, setup_duration_seconds BIGINT, cleanup_duration_seconds BIGINT,
  execution_duration_seconds BIGINT
);

CREATE TABLE system.billing.usage (
  record_id STRING, account_id STRING, workspace_id STRING, sku_name STRING, cloud STRING,
  usage_start_time TIMESTAMP, usage_end_time TIMESTAMP, usage_date DATE, custom_tags MAP<STRING, STRING>,
  usage_unit STRING, usage_quantity DECIMAL(38, 18),
  usage_metadata STRUCT<cluster_id: STRING, job_id: STRING, warehouse_id: STRING, instance_pool_id: STRING,
    node_type: STRING, job_run_id: STRING, notebook_id: STRING, dlt_pipeline_id: STRING,
    endpoint_name: STRING, endpoint_id: STRING, dlt_update_id: STRING, dlt_maintenance_id: STRING,
    run_name: STRING, job_name: STRING, notebook_path: STRING>,
  identity_metadata STRUCT<run_as: STRING, created_by: STRING, owned_by: STRING, run_by: STRING>,
  record_type STRING, ingestion_date DATE, billing_origin_product STRING,
  product_features STRUCT<jobs_tier: STRING, sql_tier: STRING, dlt_tier: STRING, is_serverless: BOOLEAN,
    is_photon: BOOLEAN, serving_type: STRING, performance_target: STRING>,
  usage_type STRING
);

CREATE TABLE system.billing.list_prices (
  price_start_time TIMESTAMP, price_end_time TIMESTAMP, account_id STRING, sku_name STRING, cloud STRING,
  currency_code STRING, usage_unit STRING,
  pricing STRUCT<default: DECIMAL(38, 18), promotional: STRUCT<default: DECIMAL(38, 18)>,
                 effective_list: STRUCT<default: DECIMAL(38, 18)>>
);

CREATE TABLE system.compute.clusters (
  account_id STRING, workspace_id STRING, cluster_id STRING, cluster_name STRING, owned_by STRING,
  create_time TIMESTAMP, delete_time TIMESTAMP, driver_node_type STRING, worker_node_type STRING,
  worker_count BIGINT, min_autoscale_workers BIGINT, max_autoscale_workers BIGINT,
  auto_termination_minutes BIGINT, enable_elastic_disk BOOLEAN, tags MAP<STRING, STRING>,
  cluster_source STRING, init_scripts ARRAY<STRUCT<workspace: STRUCT<destination: STRING>>>,
  aws_attributes STRUCT<availability: STRING, first_on_demand: INT, zone_id: STRING>,
  azure_attributes STRUCT<availability: STRING, first_on_demand: INT>,
  gcp_attributes STRUCT<availability: STRING, zone_id: STRING>,
  driver_instance_pool_id STRING, worker_instance_pool_id STRING, dbr_version STRING,
  change_time TIMESTAMP, change_date DATE
);

CREATE TABLE system.compute.node_timeline (
  account_id STRING, workspace_id STRING, cluster_id STRING, instance_id STRING, start_time TIMESTAMP,
  end_time TIMESTAMP, driver BOOLEAN, cpu_user_percent DOUBLE, cpu_system_percent DOUBLE,
  cpu_wait_percent DOUBLE, mem_used_percent DOUBLE, mem_swap_percent DOUBLE, network_sent_bytes BIGINT,
  network_received_bytes BIGINT, disk_free_bytes_per_mount_point MAP<STRING, BIGINT>, node_type STRING
);

CREATE TABLE system.compute.node_types (
  account_id STRING, node_type STRING, core_count DOUBLE, memory_mb BIGINT, gpu_count BIGINT
);

CREATE TABLE system.access.table_lineage (
  account_id STRING, metastore_id STRING, workspace_id STRING, entity_type STRING, entity_id STRING,
  entity_run_id STRING, source_table_full_name STRING, source_table_catalog STRING,
  source_table_schema STRING, source_table_name STRING, source_path STRING, source_type STRING,
  target_table_full_name STRING, target_table_catalog STRING, target_table_schema STRING,
  target_table_name STRING, target_path STRING, target_type STRING, created_by STRING,
  event_time TIMESTAMP, event_date DATE, record_id STRING, event_id STRING, statement_id STRING
);
