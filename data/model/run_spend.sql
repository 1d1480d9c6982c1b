-- monitor.run_spend: per-run cost facts, one row per job run known to the timeline (monitor.job_runs) or to
-- billing (monitor.run_costs), so that the cost metrics filter one table by time instead of joining runs
-- to costs and recomputing baselines on every call. Rebuilt in full on every refresh (DBU baselines are
-- window computations over the whole history). Stored in start_time order: a window filter on start_time
-- reads only the row groups of the window.
--
-- Identity: job_id is the timeline's job, else billing's; billed_job_id is billing's
-- (usage_metadata.job_id, as monitor.run_costs has it; NULL when the run is not costed). The cost metrics
-- key a costed run by billed_job_id, the run metrics (zombies, all-purpose compute) by job_id.
-- start_time: the run's first timeline row, else its first usage (as every cost metric places a run).
--
-- Compute kind: all_purpose_cluster_ids lists the run's compute ids whose latest system.compute.clusters
-- row has cluster_source UI or API (all-purpose compute, billed as ALL_PURPOSE without the job); NULL when
-- none.
--
-- DBU spike baseline (monitor_app/analytics/cost/dbu_spikes.sql, with the default :spike_ratio and
-- :min_baseline_runs of spike_defaults below): for each costed run with dbus > 0, the same job's
-- (billed_job_id) costed runs with dbus > 0 that started in the 30 days before it (2592000000000 us up to
-- 1 us before), without earlier spikes: pass 1 flags every run above spike_ratio x the p90 of ALL its
-- previous runs (with at least min_baseline_runs of them), pass 2 recomputes count, p90 and median without
-- the flagged runs. is_spike applies every default threshold, floors included. Team attribution is not
-- read here: teams are joined at query time, so a team-rule change applies to history at once.
-- The defaults are bound from data/baselines.py (SPIKE_DEFAULTS, as :spike_*), the one place they are
-- defined; monitor_app/analytics/cost.py takes its defaults from there too.
WITH spike_defaults AS (
  SELECT
    CAST(:spike_ratio AS DOUBLE) AS spike_ratio,
    CAST(:spike_min_baseline_runs AS BIGINT) AS min_baseline_runs,
    CAST(:spike_min_baseline_usd AS DOUBLE) AS min_baseline_usd,
    CAST(:spike_min_excess_usd AS DOUBLE) AS min_excess_usd
),

runs AS (
  SELECT
    COALESCE(jr.workspace_id, rc.workspace_id) AS workspace_id,
    COALESCE(jr.job_id, rc.job_id) AS job_id,
    rc.job_id AS billed_job_id,
    COALESCE(jr.run_id, rc.run_id) AS run_id,
    COALESCE(jr.start_time, rc.usage_start_time) AS start_time,
    jr.run_id IS NOT NULL AS in_timeline,
    rc.run_id IS NOT NULL AS is_costed,
    jr.end_time,
    jr.duration_seconds,
    jr.result_state,
    jr.compute_ids,
    rc.dbus,
    rc.list_cost_usd,
    rc.original_dbus,
    rc.retracted_dbus,
    rc.restated_dbus,
    rc.unpriced_dbus,
    rc.usage_start_time,
    rc.is_serverless,
    rc.sku_names
  FROM monitor.job_runs AS jr
  FULL OUTER JOIN monitor.run_costs AS rc
    ON rc.workspace_id = jr.workspace_id AND rc.run_id = jr.run_id
),

-- Only clusters that were ever all-purpose can be all-purpose in their latest row (a cheap pre-filter).
ever_all_purpose AS (
  SELECT DISTINCT workspace_id, cluster_id
  FROM system.compute.clusters
  WHERE cluster_source IN ('UI', 'API')
),

latest_clusters AS (
  SELECT c.workspace_id, c.cluster_id, max_by(c.cluster_source, c.change_time) AS cluster_source
  FROM system.compute.clusters AS c
  INNER JOIN ever_all_purpose AS e
    ON e.workspace_id = c.workspace_id AND e.cluster_id = c.cluster_id
  GROUP BY c.workspace_id, c.cluster_id
),

run_clusters AS (
  SELECT workspace_id, run_id, explode(compute_ids) AS cluster_id
  FROM monitor.job_runs
),

all_purpose AS (
  SELECT rcl.workspace_id, rcl.run_id, array_sort(collect_set(rcl.cluster_id)) AS all_purpose_cluster_ids
  FROM run_clusters AS rcl
  INNER JOIN latest_clusters AS lc
    ON lc.workspace_id = rcl.workspace_id AND lc.cluster_id = rcl.cluster_id
  WHERE lc.cluster_source IN ('UI', 'API')
  GROUP BY rcl.workspace_id, rcl.run_id
),

spike_candidates AS (
  SELECT
    workspace_id,
    billed_job_id,
    run_id,
    unix_micros(start_time) AS start_us,
    CAST(dbus AS DOUBLE) AS dbus,
    CAST(list_cost_usd AS DOUBLE) AS list_cost_usd
  FROM runs
  WHERE is_costed AND dbus > 0
),

first_pass AS (
  SELECT
    c.*,
    COUNT(*) OVER previous_30_days AS all_previous_runs,
    percentile(c.dbus, 0.9) OVER previous_30_days AS all_previous_p90_dbus
  FROM spike_candidates AS c
  WINDOW previous_30_days AS (
    PARTITION BY c.workspace_id, c.billed_job_id
    ORDER BY c.start_us
    RANGE BETWEEN 2592000000000 PRECEDING AND 1 PRECEDING
  )
),

flagged AS (
  SELECT
    fp.*,
    COALESCE(fp.all_previous_runs >= d.min_baseline_runs AND fp.dbus > d.spike_ratio * fp.all_previous_p90_dbus, FALSE)
      AS first_pass_spike
  FROM first_pass AS fp
  CROSS JOIN spike_defaults AS d
),

-- Pass 2 differs from pass 1 only in the jobs that have a first-pass spike (elsewhere nothing is left out
-- of any baseline): it runs on those jobs' runs only (a few), the other runs keep their pass-1 baseline.
flagged_jobs AS (
  SELECT DISTINCT workspace_id, billed_job_id
  FROM flagged
  WHERE first_pass_spike
),

second_pass AS (
  SELECT
    f.workspace_id,
    f.run_id,
    COUNT(CASE WHEN NOT f.first_pass_spike THEN 1 END) OVER previous_30_days AS baseline_runs,
    percentile(CASE WHEN NOT f.first_pass_spike THEN f.dbus END, array(0.9, 0.5)) OVER previous_30_days
      AS quantiles
  FROM flagged AS f
  INNER JOIN flagged_jobs AS fj
    ON fj.workspace_id = f.workspace_id AND fj.billed_job_id <=> f.billed_job_id
  WINDOW previous_30_days AS (
    PARTITION BY f.workspace_id, f.billed_job_id
    ORDER BY f.start_us
    RANGE BETWEEN 2592000000000 PRECEDING AND 1 PRECEDING
  )
),

baseline AS (
  SELECT
    f.workspace_id,
    f.run_id,
    f.dbus,
    f.list_cost_usd,
    COALESCE(s.baseline_runs, f.all_previous_runs) AS baseline_runs,
    CASE WHEN s.run_id IS NOT NULL THEN s.quantiles[0] ELSE f.all_previous_p90_dbus END AS p90_dbus,
    s.quantiles[1] AS median_dbus
  FROM flagged AS f
  LEFT JOIN second_pass AS s
    ON s.workspace_id = f.workspace_id AND s.run_id = f.run_id
),

-- The median is kept for the runs above the default ratio (the ones dbu_spikes can show).
baselines AS (
  SELECT
    b.workspace_id,
    b.run_id,
    b.baseline_runs,
    b.p90_dbus AS baseline_p90_dbus,
    CASE WHEN b.baseline_runs >= d.min_baseline_runs AND b.dbus > d.spike_ratio * b.p90_dbus THEN b.median_dbus END
      AS baseline_median_dbus,
    CASE WHEN b.p90_dbus > 0 THEN b.dbus / b.p90_dbus END AS dbu_ratio,
    b.list_cost_usd * b.p90_dbus / b.dbus AS baseline_list_cost_usd,
    b.dbus - b.p90_dbus AS excess_dbus,
    b.list_cost_usd - b.list_cost_usd * b.p90_dbus / b.dbus AS excess_list_cost_usd
  FROM baseline AS b
  CROSS JOIN spike_defaults AS d
)

SELECT
  r.workspace_id,
  r.job_id,
  r.billed_job_id,
  r.run_id,
  r.start_time,
  r.in_timeline,
  r.is_costed,
  r.end_time,
  r.duration_seconds,
  r.result_state,
  r.dbus,
  r.list_cost_usd,
  r.original_dbus,
  r.retracted_dbus,
  r.restated_dbus,
  r.unpriced_dbus,
  r.usage_start_time,
  r.is_serverless,
  r.sku_names,
  ap.all_purpose_cluster_ids,
  b.baseline_runs,
  b.baseline_p90_dbus,
  b.baseline_median_dbus,
  b.dbu_ratio,
  b.baseline_list_cost_usd,
  b.excess_dbus,
  b.excess_list_cost_usd,
  COALESCE(
    b.baseline_runs >= d.min_baseline_runs
    AND CAST(r.dbus AS DOUBLE) > d.spike_ratio * b.baseline_p90_dbus
    AND b.baseline_list_cost_usd >= d.min_baseline_usd
    AND b.excess_list_cost_usd >= d.min_excess_usd,
    FALSE
  ) AS is_spike
FROM runs AS r
LEFT JOIN all_purpose AS ap
  ON ap.workspace_id = r.workspace_id AND ap.run_id = r.run_id
LEFT JOIN baselines AS b
  ON b.workspace_id = r.workspace_id AND b.run_id = r.run_id
CROSS JOIN spike_defaults AS d
ORDER BY r.start_time, r.workspace_id, r.run_id
