-- Can the cost numbers be trusted? Per UTC day: billing corrections, unpriced usage, freshness, and the
-- reconciliation of per-run costs (monitor.run_costs) with ALL job usage in billing
-- (billing_origin_product = 'JOBS', every record type, with or without a job run id).
--
-- Dating: usage with a job run id is dated by the first usage of its run, exactly as monitor.run_costs
-- dates the run (usage_start_time = MIN over the run's rows); usage without one by its own
-- usage_start_time. Billing is priced here independently of the model, the same way (prices made
-- disjoint per sku/cloud, USD, effective_list.default else default as DECIMAL(12,8), valid at
-- usage_start_time; usage_quantity x price summed, rounded to 18 decimals once per run and once per day for
-- usage without a run id). KEEP THE PRICING CTEs AND THE PRODUCT IDENTICAL TO data/model/run_costs.sql:
-- the reconciliation is exact only when both price each row the same way.
-- So for every day, exactly (DECIMAL):
--   billing_jobs_list_cost_usd = run_costs_list_cost_usd + no_run_id_list_cost_usd
-- and unexplained_list_cost_usd / unexplained_dbus must be 0: anything else means the model lost or
-- double counted usage (reconciles says so). Jobs on all-purpose compute are billed as ALL_PURPOSE with no
-- job run id: they are not in the JOBS total and cannot be costed; they are counted
-- (all_purpose_job_runs, all_purpose_jobs). Unpriced usage adds DBUs but no $ on both sides.
-- Account-wide numbers: only the workspace filter applies (team and job filters do not).
-- The exact path of cost_trust.sql: every usage row is grouped live here; cost_trust.sql reads the usage
-- ingested before the refresh's watermark from monitor.billing_jobs_usage instead, and must return the same
-- rows (tests/monitor_app/analytics/test_cost_fast_path.py).
WITH prices AS (  -- USD list prices in disjoint windows: one definition, data/model/usd_prices.sql
  SELECT sku_name, cloud, price_start_time, price_end_time, unit_price FROM monitor.usd_prices
),
jobs_usage AS (
  SELECT
    u.workspace_id,
    u.usage_metadata.job_run_id AS job_run_id,
    u.record_type,
    u.usage_quantity,
    u.usage_start_time,
    u.usage_end_time,
    u.ingestion_date,
    p.unit_price,
    u.usage_quantity * p.unit_price AS row_list_cost_usd
  FROM system.billing.usage AS u
  LEFT JOIN prices AS p
    ON p.sku_name = u.sku_name
    AND p.cloud = u.cloud
    AND u.usage_start_time >= p.price_start_time
    AND (p.price_end_time IS NULL OR u.usage_start_time < p.price_end_time)
  WHERE u.billing_origin_product = 'JOBS'
    AND {{ in_scope(workspace_id=u.workspace_id) }}
),
billed_runs AS (
  SELECT
    workspace_id,
    job_run_id,
    CAST(MIN(usage_start_time) AS DATE) AS usage_day,
    CAST(SUM(usage_quantity) AS DECIMAL(38, 18)) AS dbus,
    CAST(SUM(row_list_cost_usd) AS DECIMAL(38, 18)) AS list_cost_usd
  FROM jobs_usage
  WHERE job_run_id IS NOT NULL
  GROUP BY workspace_id, job_run_id
),
dated_usage AS (
  SELECT
    COALESCE(br.usage_day, CAST(ju.usage_start_time AS DATE)) AS usage_day,
    ju.*
  FROM jobs_usage AS ju
  LEFT JOIN billed_runs AS br
    ON br.workspace_id = ju.workspace_id AND br.job_run_id = ju.job_run_id
),
usage_daily AS (
  SELECT
    usage_day,
    COUNT(*) AS billing_rows,
    CAST(SUM(usage_quantity) AS DECIMAL(38, 18)) AS net_dbus,
    CAST(COALESCE(SUM(CASE WHEN record_type = 'ORIGINAL' THEN usage_quantity END), 0) AS DECIMAL(38, 18))
      AS original_dbus,
    CAST(COALESCE(SUM(CASE WHEN record_type = 'RETRACTION' THEN usage_quantity END), 0) AS DECIMAL(38, 18))
      AS retracted_dbus,
    CAST(COALESCE(SUM(CASE WHEN record_type = 'RESTATEMENT' THEN usage_quantity END), 0) AS DECIMAL(38, 18))
      AS restated_dbus,
    CAST(COALESCE(SUM(CASE WHEN unit_price IS NULL THEN usage_quantity END), 0) AS DECIMAL(38, 18))
      AS unpriced_dbus,
    CAST(COALESCE(SUM(CASE WHEN job_run_id IS NULL THEN usage_quantity END), 0) AS DECIMAL(38, 18))
      AS no_run_id_dbus,
    CAST(COALESCE(SUM(CASE WHEN job_run_id IS NULL THEN row_list_cost_usd END), 0) AS DECIMAL(38, 18))
      AS no_run_id_list_cost_usd,
    MAX(usage_end_time) AS newest_usage_end_time,
    MAX(ingestion_date) AS newest_ingestion_date
  FROM dated_usage
  GROUP BY usage_day
),
billed_runs_daily AS (
  SELECT
    usage_day,
    CAST(COALESCE(SUM(list_cost_usd), 0) AS DECIMAL(38, 18)) AS run_list_cost_usd
  FROM billed_runs
  GROUP BY usage_day
),
billing_daily AS (
  SELECT
    ud.*,
    CAST(COALESCE(brd.run_list_cost_usd, 0) + ud.no_run_id_list_cost_usd AS DECIMAL(38, 18))
      AS billing_jobs_list_cost_usd
  FROM usage_daily AS ud
  LEFT JOIN billed_runs_daily AS brd
    ON brd.usage_day = ud.usage_day
),
runs_daily AS (
  SELECT
    CAST(rc.usage_start_time AS DATE) AS usage_day,
    COUNT(*) AS costed_runs,
    CAST(COALESCE(SUM(rc.dbus), 0) AS DECIMAL(38, 18)) AS run_costs_dbus,
    CAST(COALESCE(SUM(rc.list_cost_usd), 0) AS DECIMAL(38, 18)) AS run_costs_list_cost_usd
  FROM monitor.run_costs AS rc
  WHERE {{ in_scope(workspace_id=rc.workspace_id) }}
    AND CAST(rc.usage_start_time AS DATE) >= CAST(:start_time AS DATE)
    AND CAST(rc.usage_start_time AS DATE) < :end_time
  GROUP BY CAST(rc.usage_start_time AS DATE)
),
all_purpose_daily AS (
  -- job runs on all-purpose compute (monitor.run_spend.all_purpose_cluster_ids, from the latest
  -- system.compute.clusters row of each compute id: cluster_source UI or API), by UTC day of run start
  SELECT
    CAST(r.start_time AS DATE) AS usage_day,
    COUNT(DISTINCT r.run_id) AS all_purpose_job_runs,
    COUNT(DISTINCT r.job_id) AS all_purpose_jobs
  FROM monitor.run_spend AS r
  WHERE r.in_timeline
    AND r.all_purpose_cluster_ids IS NOT NULL
    AND CAST(r.start_time AS DATE) >= CAST(:start_time AS DATE)
    AND CAST(r.start_time AS DATE) < :end_time
    AND {{ in_scope(workspace_id=r.workspace_id) }}
  GROUP BY CAST(r.start_time AS DATE)
),
days AS (
  SELECT usage_day FROM billing_daily
  UNION
  SELECT usage_day FROM runs_daily
  UNION
  SELECT usage_day FROM all_purpose_daily
)
SELECT
  d.usage_day,
  COALESCE(b.billing_rows, 0) AS billing_rows,
  COALESCE(b.net_dbus, 0) AS net_dbus,
  COALESCE(b.original_dbus, 0) AS original_dbus,
  COALESCE(b.retracted_dbus, 0) AS retracted_dbus,
  COALESCE(b.restated_dbus, 0) AS restated_dbus,
  COALESCE(b.unpriced_dbus, 0) AS unpriced_dbus,
  b.newest_usage_end_time,
  b.newest_ingestion_date,
  COALESCE(r.costed_runs, 0) AS costed_runs,
  COALESCE(r.run_costs_dbus, 0) AS run_costs_dbus,
  COALESCE(r.run_costs_list_cost_usd, 0) AS run_costs_list_cost_usd,
  COALESCE(b.billing_jobs_list_cost_usd, 0) AS billing_jobs_list_cost_usd,
  COALESCE(b.billing_jobs_list_cost_usd, 0) - COALESCE(r.run_costs_list_cost_usd, 0) AS difference_list_cost_usd,
  COALESCE(b.no_run_id_dbus, 0) AS no_run_id_dbus,
  COALESCE(b.no_run_id_list_cost_usd, 0) AS no_run_id_list_cost_usd,
  COALESCE(b.billing_jobs_list_cost_usd, 0) - COALESCE(r.run_costs_list_cost_usd, 0)
    - COALESCE(b.no_run_id_list_cost_usd, 0) AS unexplained_list_cost_usd,
  COALESCE(b.net_dbus, 0) - COALESCE(r.run_costs_dbus, 0) - COALESCE(b.no_run_id_dbus, 0) AS unexplained_dbus,
  -- To the cent and to a millionth of a DBU, not to the 18th digit: Databricks (and Spark) round decimal
  -- products and quotients at other digits than DuckDB (each usage row's price product at 10^-13 $,
  -- data/model/run_costs.sql), so an exact equality fails there by ~10^-18 (found by tests/spark).
  ABS(
    COALESCE(b.billing_jobs_list_cost_usd, 0)
    - COALESCE(r.run_costs_list_cost_usd, 0) - COALESCE(b.no_run_id_list_cost_usd, 0)
  ) < 0.005
    AND ABS(COALESCE(b.net_dbus, 0) - COALESCE(r.run_costs_dbus, 0) - COALESCE(b.no_run_id_dbus, 0)) < 0.000001
    AS reconciles,
  COALESCE(a.all_purpose_job_runs, 0) AS all_purpose_job_runs,
  COALESCE(a.all_purpose_jobs, 0) AS all_purpose_jobs
FROM days AS d
LEFT JOIN billing_daily AS b ON b.usage_day = d.usage_day
LEFT JOIN runs_daily AS r ON r.usage_day = d.usage_day
LEFT JOIN all_purpose_daily AS a ON a.usage_day = d.usage_day
WHERE d.usage_day >= CAST(:start_time AS DATE)
  AND d.usage_day < :end_time
ORDER BY d.usage_day
