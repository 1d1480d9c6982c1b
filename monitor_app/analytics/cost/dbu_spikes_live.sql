-- The exact path of dbu_spikes.sql: used when a call overrides :spike_ratio or :min_baseline_runs (they shape
-- the baseline that monitor.run_spend materializes with the defaults).
-- DBU spikes: runs in the window whose DBUs exceed :spike_ratio (default 2) x the p90 DBUs of the job's
-- baseline runs, with floors so cents never alert.
-- Baseline of a run: the same job's costed runs that started in the 30 days before it (the window frame
-- below: 2592000000000 microseconds up to 1 microsecond before the run's start), excluding earlier spikes,
-- at least :min_baseline_runs of them. Two passes over the same frame: pass 1 flags every run above
-- :spike_ratio x the p90 of ALL its previous runs; pass 2 recomputes the p90 without the flagged runs and
-- decides. Window frames, not a self-join: a job running every few minutes has thousands of runs a month.
-- Money uses the run's own average list price per DBU, so that
--   baseline_list_cost_usd = baseline_p90_dbus x (list_cost_usd / dbus)   (what a normal run costs now)
--   excess_list_cost_usd   = list_cost_usd - baseline_list_cost_usd
-- A spike needs baseline_list_cost_usd >= :min_baseline_usd and excess_list_cost_usd >= :min_excess_usd.
-- :history_start_time = :start_time - 60 days: pass 1 needs the baseline of the baseline.
WITH costed AS (
  SELECT
    rc.workspace_id,
    rc.job_id,
    rc.run_id,
    COALESCE(jr.start_time, rc.usage_start_time) AS start_time,
    unix_micros(COALESCE(jr.start_time, rc.usage_start_time)) AS start_us,
    jr.result_state,
    CAST(rc.dbus AS DOUBLE) AS dbus,
    CAST(rc.list_cost_usd AS DOUBLE) AS list_cost_usd
  FROM monitor.run_costs AS rc
  LEFT JOIN monitor.job_runs AS jr
    ON jr.workspace_id = rc.workspace_id AND jr.run_id = rc.run_id
  WHERE COALESCE(jr.start_time, rc.usage_start_time) >= :history_start_time
    AND COALESCE(jr.start_time, rc.usage_start_time) < :end_time
    AND rc.dbus > 0
    AND {{ in_scope(workspace_id=rc.workspace_id, job_id=rc.job_id) }}
),
first_pass AS (
  SELECT
    c.*,
    COUNT(*) OVER previous_30_days AS all_previous_runs,
    percentile(c.dbus, 0.9) OVER previous_30_days AS all_previous_p90_dbus
  FROM costed AS c
  WINDOW previous_30_days AS (
    PARTITION BY c.workspace_id, c.job_id
    ORDER BY c.start_us
    RANGE BETWEEN 2592000000000 PRECEDING AND 1 PRECEDING
  )
),
flagged AS (
  SELECT
    fp.*,
    COALESCE(fp.all_previous_runs >= :min_baseline_runs AND fp.dbus > :spike_ratio * fp.all_previous_p90_dbus, FALSE)
      AS first_pass_spike
  FROM first_pass AS fp
),
second_pass AS (
  SELECT
    f.*,
    COUNT(CASE WHEN NOT f.first_pass_spike THEN 1 END) OVER previous_30_days AS baseline_runs,
    -- one window quantile pass for both (p90, median)
    percentile(CASE WHEN NOT f.first_pass_spike THEN f.dbus END, array(0.9, 0.5)) OVER previous_30_days
      AS quantiles
  FROM flagged AS f
  WINDOW previous_30_days AS (
    PARTITION BY f.workspace_id, f.job_id
    ORDER BY f.start_us
    RANGE BETWEEN 2592000000000 PRECEDING AND 1 PRECEDING
  )
),
with_quantiles AS (
  SELECT s.*, s.quantiles[0] AS p90_dbus, s.quantiles[1] AS median_dbus
  FROM second_pass AS s
),
evaluated AS (
  SELECT
    f.workspace_id,
    f.job_id,
    f.run_id,
    f.start_time,
    f.result_state,
    f.dbus,
    f.list_cost_usd,
    f.baseline_runs,
    f.p90_dbus AS baseline_p90_dbus,
    f.median_dbus AS baseline_median_dbus,
    CASE WHEN f.p90_dbus > 0 THEN f.dbus / f.p90_dbus END AS ratio,
    f.list_cost_usd * f.p90_dbus / f.dbus AS baseline_list_cost_usd,
    f.dbus - f.p90_dbus AS excess_dbus,
    f.list_cost_usd - f.list_cost_usd * f.p90_dbus / f.dbus AS excess_list_cost_usd
  FROM with_quantiles AS f
  WHERE f.start_time >= :start_time
)
SELECT
  e.workspace_id,
  e.job_id,
  j.name AS job_name,
  {{ team_of(jt.team) }} AS team,
  e.run_id,
  e.start_time,
  e.result_state,
  e.dbus,
  e.list_cost_usd,
  e.baseline_runs,
  e.baseline_p90_dbus,
  e.baseline_median_dbus,
  e.ratio,
  CAST(:spike_ratio AS DOUBLE) AS threshold_ratio,
  e.baseline_list_cost_usd,
  e.excess_dbus,
  e.excess_list_cost_usd
FROM evaluated AS e
LEFT JOIN monitor.jobs AS j
  ON j.workspace_id = e.workspace_id AND j.job_id = e.job_id
LEFT JOIN monitor.job_teams AS jt
  ON jt.workspace_id = e.workspace_id AND jt.job_id = e.job_id
WHERE e.baseline_runs >= :min_baseline_runs
  AND e.dbus > :spike_ratio * e.baseline_p90_dbus
  AND e.baseline_list_cost_usd >= :min_baseline_usd
  AND e.excess_list_cost_usd >= :min_excess_usd
  AND {{ in_scope(team=jt.team) }}
ORDER BY e.excess_list_cost_usd DESC, e.start_time DESC, e.run_id
