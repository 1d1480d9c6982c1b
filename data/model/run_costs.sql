-- monitor.run_costs: DBUs and list-price dollars per job run, from system.billing.usage.
--
-- Job cost is billing_origin_product = 'JOBS' with usage_metadata.job_run_id set (sku_name LIKE '%JOBS%'
-- over-counts). Net amounts sum usage_quantity over every record type: a RETRACTION repeats an ORIGINAL with
-- the quantity negated, a RESTATEMENT carries the corrected value; the per-type sums are kept as well.
-- Serverless usage has several rows per hour with the same job_run_id: they simply add up.
--
-- Price: each usage row is priced at the list price valid at its usage_start_time, matched on sku_name and
-- cloud and the price window [price_start_time, price_end_time), price_end_time NULL = current.
-- effective_list.default resolves promotions, the plain list price pricing.default is the fallback. The
-- price windows are first made disjoint (one row per start time, each window ends at most where the next one
-- starts) so that a usage row can never match two prices and be counted twice. Only USD prices are used.
-- Usage with no price at that time stays visible as unpriced_dbus and adds nothing to list_cost_usd;
-- list_cost_usd is NULL (not $0) when none of the run's usage is priced.
--
-- Exact money: usage_quantity and the price are DECIMAL(38,18), whose plain product overflows on DuckDB
-- (DECIMAL(38,36): any product >= 100) and keeps only 6 decimals on Databricks (DECIMAL(38,6)). The price is
-- therefore cast to DECIMAL(12,8) (up to $9,999.99999999 per unit; list prices have a few decimals) and the
-- quantity is left as it is (casting DECIMAL(38,18) down is slow on DuckDB). The product is then
--   DuckDB:     DECIMAL(38,26), exact (it would overflow only above $10^12 for one usage row),
--   Databricks: DECIMAL(38,13), rounded at 10^-13 $ per usage row (precision 51 > 38 is cut to scale 13),
-- so cents are exact on both and the engines agree to far below a cent. Each run's sum is cast once to
-- DECIMAL(38,18) (half away from zero on both engines). DBU sums are plain DECIMAL(38,18) sums (exact).
-- Scope: :full_refresh = TRUE reads all usage; FALSE only the job runs listed in monitor.refresh_scope_costs.
WITH prices AS (  -- USD list prices in disjoint windows: one definition, data/model/usd_prices.sql
  SELECT sku_name, cloud, price_start_time, price_end_time, unit_price FROM monitor.usd_prices
),

usage AS (
  SELECT
    u.workspace_id,
    u.usage_metadata.job_run_id AS run_id,
    u.usage_metadata.job_id AS job_id,
    u.sku_name,
    u.cloud,
    u.usage_start_time,
    u.usage_end_time,
    u.usage_quantity,
    u.record_type,
    COALESCE(u.product_features.is_serverless, u.sku_name LIKE '%SERVERLESS%') AS is_serverless
  FROM system.billing.usage AS u
  LEFT JOIN monitor.refresh_scope_costs AS s
    ON s.workspace_id = u.workspace_id AND s.run_id = u.usage_metadata.job_run_id
  WHERE
    u.billing_origin_product = 'JOBS'
    AND u.usage_metadata.job_run_id IS NOT NULL
    AND (:full_refresh OR s.run_id IS NOT NULL)
),

priced AS (
  SELECT
    usage.*,
    p.unit_price
  FROM usage
  LEFT JOIN prices AS p
    ON p.sku_name = usage.sku_name
    AND p.cloud = usage.cloud
    AND usage.usage_start_time >= p.price_start_time
    AND (p.price_end_time IS NULL OR usage.usage_start_time < p.price_end_time)
)

SELECT
  workspace_id,
  MAX(job_id) AS job_id,
  run_id,
  CAST(SUM(usage_quantity) AS DECIMAL(38, 18)) AS dbus,
  CAST(SUM(usage_quantity * unit_price) AS DECIMAL(38, 18)) AS list_cost_usd,
  CAST(COALESCE(SUM(CASE WHEN record_type = 'ORIGINAL' THEN usage_quantity END), 0) AS DECIMAL(38, 18))
    AS original_dbus,
  CAST(COALESCE(SUM(CASE WHEN record_type = 'RETRACTION' THEN usage_quantity END), 0) AS DECIMAL(38, 18))
    AS retracted_dbus,
  CAST(COALESCE(SUM(CASE WHEN record_type = 'RESTATEMENT' THEN usage_quantity END), 0) AS DECIMAL(38, 18))
    AS restated_dbus,
  CAST(COALESCE(SUM(CASE WHEN unit_price IS NULL THEN usage_quantity END), 0) AS DECIMAL(38, 18))
    AS unpriced_dbus,
  MIN(usage_start_time) AS usage_start_time,
  MAX(usage_end_time) AS usage_end_time,
  array_sort(array_distinct(collect_list(sku_name))) AS sku_names,
  COALESCE(bool_or(is_serverless), FALSE) AS is_serverless
FROM priced
GROUP BY workspace_id, run_id
