-- Can the cost numbers be trusted? Per UTC day: billing corrections, unpriced usage, freshness, and the
-- reconciliation of per-run costs (monitor.run_costs) with ALL job usage in billing
-- (billing_origin_product = 'JOBS', every record type, with or without a job run id).
--
-- Dating: usage with a job run id is dated by the first usage of its run, exactly as monitor.run_costs
-- dates the run (usage_start_time = MIN over the run's rows); usage without one by its own
-- usage_start_time. Billing is priced here independently of the model, the same way (prices made
-- disjoint per sku/cloud, USD, effective_list.default else default as DECIMAL(12,8), valid at
-- usage_start_time; usage_quantity x price summed, rounded to 18 decimals once per run and once per day for
-- usage without a run id). KEEP THE PRICING CTEs AND THE PRODUCT IDENTICAL TO data/model/run_costs.sql
-- (and data/model/billing_jobs_usage.sql): the reconciliation is exact only when both price each row the
-- same way.
-- So for every day, exactly (DECIMAL):
--   billing_jobs_list_cost_usd = run_costs_list_cost_usd + no_run_id_list_cost_usd
-- and unexplained_list_cost_usd / unexplained_dbus must be 0: anything else means the model lost or
-- double counted usage (reconciles says so). Jobs on all-purpose compute are billed as ALL_PURPOSE with no
-- job run id: they are not in the JOBS total and cannot be costed; they are counted
-- (all_purpose_job_runs, all_purpose_jobs). Unpriced usage adds DBUs but no $ on both sides.
-- Account-wide numbers: only the workspace filter applies (team and job filters do not).
--
-- What is read live, and why that is enough (speed: grouping a large workspace's 1.8M usage rows by run and
-- rounding each run's total costs seconds): the billing side is monitor.billing_jobs_usage, the JOBS usage
-- grouped by run (and by day without a run id) at refresh by its own query, for the rows ingested before its
-- watermark (ingested_before), PLUS the rows of system.billing.usage ingested on or after the watermark (or
-- without an ingestion_date), read live here (late_usage). Billing is append-only and the watermark is at
-- most the newest ingestion_date at refresh, so every row that lands after the refresh is read live: usage
-- the model missed is still found. A run with late rows (late_runs) is recombined with its stored group
-- before anything is rounded or dated (its unrounded total and first usage over all its rows), so each day
-- is what grouping every usage row live would give, to the last decimal. The model side (monitor.run_costs,
-- rebuilt only by a refresh) is read as it is.
WITH prices AS (  -- USD list prices in disjoint windows: one definition, data/model/usd_prices.sql
  SELECT sku_name, cloud, price_start_time, price_end_time, unit_price FROM monitor.usd_prices
),
watermark AS (
  SELECT COALESCE(MAX(ingested_before), DATE '0001-01-01') AS ingested_before
  FROM monitor.billing_jobs_usage
),
late_usage AS (
  SELECT
    u.workspace_id,
    u.usage_metadata.job_run_id AS job_run_id,
    CASE WHEN u.usage_metadata.job_run_id IS NULL THEN CAST(u.usage_start_time AS DATE) END AS own_day,
    u.record_type,
    u.usage_quantity,
    u.usage_start_time,
    u.usage_end_time,
    u.ingestion_date,
    p.unit_price,
    u.usage_quantity * p.unit_price AS row_list_cost_usd
  FROM system.billing.usage AS u
  CROSS JOIN watermark AS w
  LEFT JOIN prices AS p
    ON p.sku_name = u.sku_name
    AND p.cloud = u.cloud
    AND u.usage_start_time >= p.price_start_time
    AND (p.price_end_time IS NULL OR u.usage_start_time < p.price_end_time)
  WHERE u.billing_origin_product = 'JOBS'
    AND (u.ingestion_date >= w.ingested_before OR u.ingestion_date IS NULL)
    AND {{ in_scope(workspace_id=u.workspace_id) }}
),
late_groups AS (
  SELECT
    workspace_id,
    job_run_id,
    own_day,
    MIN(usage_start_time) AS first_usage_time,
    COUNT(*) AS billing_rows,
    SUM(usage_quantity) AS net_dbus,
    COALESCE(SUM(CASE WHEN record_type = 'ORIGINAL' THEN usage_quantity END), 0) AS original_dbus,
    COALESCE(SUM(CASE WHEN record_type = 'RETRACTION' THEN usage_quantity END), 0) AS retracted_dbus,
    COALESCE(SUM(CASE WHEN record_type = 'RESTATEMENT' THEN usage_quantity END), 0) AS restated_dbus,
    COALESCE(SUM(CASE WHEN unit_price IS NULL THEN usage_quantity END), 0) AS unpriced_dbus,
    MAX(usage_end_time) AS newest_usage_end_time,
    MAX(ingestion_date) AS newest_ingestion_date,
    SUM(row_list_cost_usd) AS row_list_cost_usd
  FROM late_usage
  GROUP BY workspace_id, job_run_id, own_day
),
late_runs AS (
  SELECT
    l.workspace_id,
    l.job_run_id,
    LEAST(l.first_usage_time, s.first_usage_time) AS first_usage_time,
    l.billing_rows + COALESCE(s.billing_rows, 0) AS billing_rows,
    l.net_dbus + COALESCE(s.net_dbus, 0) AS net_dbus,
    l.original_dbus + COALESCE(s.original_dbus, 0) AS original_dbus,
    l.retracted_dbus + COALESCE(s.retracted_dbus, 0) AS retracted_dbus,
    l.restated_dbus + COALESCE(s.restated_dbus, 0) AS restated_dbus,
    l.unpriced_dbus + COALESCE(s.unpriced_dbus, 0) AS unpriced_dbus,
    GREATEST(l.newest_usage_end_time, s.newest_usage_end_time) AS newest_usage_end_time,
    GREATEST(l.newest_ingestion_date, s.newest_ingestion_date) AS newest_ingestion_date,
    CASE
      WHEN l.row_list_cost_usd IS NULL THEN s.row_list_cost_usd
      WHEN s.row_list_cost_usd IS NULL THEN l.row_list_cost_usd
      ELSE l.row_list_cost_usd + s.row_list_cost_usd
    END AS row_list_cost_usd
  FROM late_groups AS l
  LEFT JOIN monitor.billing_jobs_usage AS s
    ON s.workspace_id = l.workspace_id AND s.job_run_id = l.job_run_id
  WHERE l.job_run_id IS NOT NULL
),
usage_groups AS (
  SELECT
    s.usage_day,
    s.job_run_id,
    s.billing_rows,
    s.net_dbus,
    s.original_dbus,
    s.retracted_dbus,
    s.restated_dbus,
    s.unpriced_dbus,
    s.newest_usage_end_time,
    s.newest_ingestion_date,
    s.row_list_cost_usd,
    s.list_cost_usd
  FROM monitor.billing_jobs_usage AS s
  WHERE s.usage_day >= CAST(:start_time AS DATE)
    AND s.usage_day < :end_time
    AND {{ in_scope(workspace_id=s.workspace_id) }}
    AND NOT EXISTS (
      SELECT 1 FROM late_runs AS lr WHERE lr.workspace_id = s.workspace_id AND lr.job_run_id = s.job_run_id
    )
  UNION ALL
  SELECT
    CAST(first_usage_time AS DATE) AS usage_day,
    job_run_id,
    billing_rows,
    net_dbus,
    original_dbus,
    retracted_dbus,
    restated_dbus,
    unpriced_dbus,
    newest_usage_end_time,
    newest_ingestion_date,
    row_list_cost_usd,
    CAST(row_list_cost_usd AS DECIMAL(38, 18)) AS list_cost_usd
  FROM late_runs
  UNION ALL
  SELECT
    own_day AS usage_day,
    job_run_id,
    billing_rows,
    net_dbus,
    original_dbus,
    retracted_dbus,
    restated_dbus,
    unpriced_dbus,
    newest_usage_end_time,
    newest_ingestion_date,
    row_list_cost_usd,
    NULL AS list_cost_usd
  FROM late_groups
  WHERE job_run_id IS NULL
),
billing_daily AS (
  SELECT
    usage_day,
    CAST(SUM(billing_rows) AS BIGINT) AS billing_rows,
    CAST(SUM(net_dbus) AS DECIMAL(38, 18)) AS net_dbus,
    CAST(SUM(original_dbus) AS DECIMAL(38, 18)) AS original_dbus,
    CAST(SUM(retracted_dbus) AS DECIMAL(38, 18)) AS retracted_dbus,
    CAST(SUM(restated_dbus) AS DECIMAL(38, 18)) AS restated_dbus,
    CAST(SUM(unpriced_dbus) AS DECIMAL(38, 18)) AS unpriced_dbus,
    CAST(COALESCE(SUM(CASE WHEN job_run_id IS NULL THEN net_dbus END), 0) AS DECIMAL(38, 18)) AS no_run_id_dbus,
    CAST(COALESCE(SUM(CASE WHEN job_run_id IS NULL THEN row_list_cost_usd END), 0) AS DECIMAL(38, 18))
      AS no_run_id_list_cost_usd,
    MAX(newest_usage_end_time) AS newest_usage_end_time,
    MAX(newest_ingestion_date) AS newest_ingestion_date,
    CAST(
      CAST(COALESCE(SUM(CASE WHEN job_run_id IS NOT NULL THEN list_cost_usd END), 0) AS DECIMAL(38, 18))
      + CAST(COALESCE(SUM(CASE WHEN job_run_id IS NULL THEN row_list_cost_usd END), 0) AS DECIMAL(38, 18))
      AS DECIMAL(38, 18)
    ) AS billing_jobs_list_cost_usd
  FROM usage_groups
  WHERE usage_day >= CAST(:start_time AS DATE) AND usage_day < :end_time
  GROUP BY usage_day
),
runs_daily AS (
  SELECT
    CAST(MIN(rc.usage_start_time) AS DATE) AS usage_day,
    COUNT(*) AS costed_runs,
    CAST(COALESCE(SUM(rc.dbus), 0) AS DECIMAL(38, 18)) AS run_costs_dbus,
    CAST(COALESCE(SUM(rc.list_cost_usd), 0) AS DECIMAL(38, 18)) AS run_costs_list_cost_usd
  FROM monitor.run_costs AS rc
  WHERE {{ in_scope(workspace_id=rc.workspace_id) }}
    AND unix_micros(rc.usage_start_time) DIV 86400000000 >= unix_micros(CAST(:start_time AS TIMESTAMP)) DIV 86400000000
    AND unix_micros(rc.usage_start_time) DIV 86400000000 * 86400000000 < unix_micros(CAST(:end_time AS TIMESTAMP))
  GROUP BY unix_micros(rc.usage_start_time) DIV 86400000000
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
    AND r.start_time >= CAST(CAST(:start_time AS DATE) AS TIMESTAMP)
    AND r.start_time < CAST(CAST(:end_time AS DATE) AS TIMESTAMP) + INTERVAL 1 DAY
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
