-- monitor.billing_jobs_usage: all JOBS usage in billing (billing_origin_product = 'JOBS', every record type)
-- ingested before the watermark, priced and grouped as cost_trust reconciles it: one row per job run
-- (workspace_id, job_run_id), and one row per workspace and UTC day of usage_start_time for usage without a
-- job run id (job_run_id NULL). Rebuilt in full on every refresh; it is NOT the model it checks
-- (monitor.run_costs): it is priced and grouped by its own query, so cost_trust still compares two
-- independent computations.
--
-- Watermark (ingested_before, the same on every row): the newest ingestion_date of the JOBS usage at
-- refresh, and at most the refresh's UTC date. Billing is append-only (corrections are new rows) and a row
-- is ingested on its ingestion_date, so every row appended after the refresh has an ingestion_date on or
-- after the watermark. cost_trust reads the rows ingested on or after it (or without an ingestion_date)
-- live from system.billing.usage and adds them to these groups: usage that lands after the refresh is
-- always seen, and only the last ingested days are read live.
--
-- Dating and money are those of cost_trust: a run is dated by its first usage (first_usage_time, as
-- monitor.run_costs dates it), usage without a run id by its own usage_start_time. Pricing: KEEP THE
-- PRICING CTEs AND THE PRODUCT IDENTICAL TO data/model/run_costs.sql. row_list_cost_usd is the unrounded
-- sum of usage_quantity x price (the exact product type of the engine), so that a run with late rows is
-- summed exactly before it is rounded once; list_cost_usd is that sum rounded to DECIMAL(38,18) (the run's
-- cost as cost_trust sums it per day; NULL when none of the usage is priced, and on rows without a run id,
-- which cost_trust rounds per day). Stored in usage_day order (a
-- window filter reads only the window's row groups).
WITH watermark AS (
  SELECT LEAST(MAX(ingestion_date), CAST(current_timestamp() AS DATE)) AS ingested_before
  FROM system.billing.usage
  WHERE billing_origin_product = 'JOBS'
),

prices AS (  -- USD list prices in disjoint windows: one definition, data/model/usd_prices.sql
  SELECT sku_name, cloud, price_start_time, price_end_time, unit_price FROM monitor.usd_prices
),

jobs_usage AS (
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
    AND u.ingestion_date < w.ingested_before
),

grouped AS (
  SELECT
    workspace_id,
    job_run_id,
    MIN(usage_start_time) AS first_usage_time,
    COALESCE(MAX(own_day), CAST(MIN(usage_start_time) AS DATE)) AS usage_day,
    COUNT(*) AS billing_rows,
    SUM(usage_quantity) AS net_dbus,
    COALESCE(SUM(CASE WHEN record_type = 'ORIGINAL' THEN usage_quantity END), 0) AS original_dbus,
    COALESCE(SUM(CASE WHEN record_type = 'RETRACTION' THEN usage_quantity END), 0) AS retracted_dbus,
    COALESCE(SUM(CASE WHEN record_type = 'RESTATEMENT' THEN usage_quantity END), 0) AS restated_dbus,
    COALESCE(SUM(CASE WHEN unit_price IS NULL THEN usage_quantity END), 0) AS unpriced_dbus,
    MAX(usage_end_time) AS newest_usage_end_time,
    MAX(ingestion_date) AS newest_ingestion_date,
    SUM(row_list_cost_usd) AS row_list_cost_usd
  FROM jobs_usage
  GROUP BY workspace_id, job_run_id, own_day
)

SELECT
  g.workspace_id,
  g.job_run_id,
  g.usage_day,
  g.first_usage_time,
  g.billing_rows,
  g.net_dbus,
  g.original_dbus,
  g.retracted_dbus,
  g.restated_dbus,
  g.unpriced_dbus,
  g.newest_usage_end_time,
  g.newest_ingestion_date,
  g.row_list_cost_usd,
  CASE WHEN g.job_run_id IS NOT NULL THEN CAST(g.row_list_cost_usd AS DECIMAL(38, 18)) END AS list_cost_usd,
  w.ingested_before
FROM grouped AS g
CROSS JOIN watermark AS w
ORDER BY g.usage_day
