-- monitor.usd_prices (a view, so it always reads the current list prices): the USD list price of each
-- SKU and cloud in disjoint windows [price_start_time, price_end_time), price_end_time NULL = current.
-- One row per start time (duplicates: the open or latest-ending, then the highest price, wins), each window
-- ending at most where the next starts, so a usage row never matches two prices. effective_list.default
-- resolves promotions, pricing.default is the fallback; the price is DECIMAL(12, 8) (see run_costs.sql:
-- exact money). Read by run_costs, billing_jobs_usage and cost_trust (fast and live): one definition.
WITH prices_by_start AS (
  SELECT
    sku_name,
    cloud,
    price_start_time,
    price_end_time,
    CAST(COALESCE(pricing.effective_list.default, pricing.default) AS DECIMAL(12, 8)) AS unit_price,
    ROW_NUMBER() OVER (
      PARTITION BY sku_name, cloud, price_start_time
      ORDER BY price_end_time DESC NULLS FIRST, COALESCE(pricing.effective_list.default, pricing.default) DESC
    ) AS duplicate_rank
  FROM system.billing.list_prices
  WHERE currency_code = 'USD' AND COALESCE(pricing.effective_list.default, pricing.default) IS NOT NULL
),

prices AS (
  SELECT
    sku_name,
    cloud,
    price_start_time,
    LEAST(
      price_end_time,
      LEAD(price_start_time) OVER (PARTITION BY sku_name, cloud ORDER BY price_start_time)
    ) AS price_end_time,
    unit_price
  FROM prices_by_start
  WHERE duplicate_rank = 1
)
SELECT sku_name, cloud, price_start_time, price_end_time, unit_price FROM prices
