-- JOB-03: every run in the window against its own duration baseline.
-- Baseline of a run = median and p90 of the job's clean successful runs that started in the
-- :baseline_days days before it. Clean = not anomalous: a first pass compares each successful run with
-- the plain median of all successful runs before it (same :baseline_days) and drops runs at or above
-- +:critical_pct or under :fast_ratio of it, so incidents do not widen (or shrink) the baseline. Runs on
-- the same UTC weekday are used when at least :min_same_weekday_runs of them exist, else all days; a
-- verdict needs at least :min_baseline_runs baseline runs. Only successful runs get a verdict:
-- critical (>= +:critical_pct over the median), warn (>= +:warn_pct), fast (< :fast_ratio x median), ok,
-- insufficient_history; other outcomes are 'not_evaluated'. :kind selects the rows returned:
-- 'all', 'regression' (warn and critical) or 'fast'; of those, the newest :row_limit runs (start_time
-- descending, then workspace_id, run_id) are returned, in (workspace_id, job_id, start_time, run_id) order.
-- The reference the equivalence tests hold health.py's one query against (monitor_app/analytics/
-- health_run_durations.sql over data/model/run_health.sql): the baselines computed directly on the
-- window's history, written apart from the model, so an error in the model cannot hide in both.
WITH history AS (
  SELECT
    r.workspace_id,
    r.job_id,
    r.run_id,
    r.start_time,
    r.duration_seconds,
    dayofweek(r.start_time) AS weekday
  FROM monitor.job_runs AS r
  LEFT JOIN monitor.job_teams AS t ON t.workspace_id = r.workspace_id AND t.job_id = r.job_id
  WHERE r.outcome = 'success'
    AND r.duration_seconds IS NOT NULL
    AND r.start_time >= timestampadd(DAY, -2 * :baseline_days, :start_time)
    AND r.start_time < :end_time
    AND {{ in_scope(team=t.team, workspace_id=r.workspace_id, job_id=r.job_id) }}
),
-- Both baselines are window aggregates over RANGE frames of the run's :baseline_days days before it
-- (the frame ends 1 microsecond before the run's start: strictly earlier runs), not range self-joins.
first_pass AS (
  SELECT
    h.*,
    percentile(h.duration_seconds, 0.5) OVER prior AS raw_median,
    COUNT(*) OVER prior AS raw_runs
  FROM history AS h
  WINDOW prior AS (
    PARTITION BY h.workspace_id, h.job_id
    ORDER BY unix_micros(h.start_time)
    RANGE BETWEEN :baseline_days * 86400000000 PRECEDING AND 1 PRECEDING
  )
),
clean AS (
  SELECT f.workspace_id, f.job_id, f.run_id, f.start_time, f.duration_seconds, f.weekday
  FROM first_pass AS f
  WHERE f.start_time >= timestampadd(DAY, -:baseline_days, :start_time)
    AND (
      f.raw_runs = 0
      OR f.raw_runs < :min_baseline_runs
      OR (f.duration_seconds < f.raw_median * (1 + :critical_pct) AND f.duration_seconds >= f.raw_median * :fast_ratio)
    )
),
candidates AS (
  SELECT
    r.workspace_id,
    r.job_id,
    r.run_id,
    r.run_name,
    r.start_time,
    r.end_time,
    r.duration_seconds,
    r.outcome,
    COALESCE(r.repair_count, 0) AS repair_count,
    dayofweek(r.start_time) AS weekday
  FROM monitor.job_runs AS r
  LEFT JOIN monitor.job_teams AS t ON t.workspace_id = r.workspace_id AND t.job_id = r.job_id
  WHERE r.start_time >= :start_time
    AND r.start_time < :end_time
    AND (:kind = 'all' OR r.outcome = 'success')
    AND {{ in_scope(team=t.team, workspace_id=r.workspace_id, job_id=r.job_id) }}
),
-- The clean runs (with their duration) and the candidates (without: they only read the frames).
run_stream AS (  -- not "stream": a keyword of Spark and Databricks SQL (FROM STREAM t)
  SELECT c.workspace_id, c.job_id, c.run_id, c.start_time, c.weekday, c.duration_seconds, 1 AS is_pool
  FROM clean AS c
  UNION ALL
  SELECT c.workspace_id, c.job_id, c.run_id, c.start_time, c.weekday, CAST(NULL AS DOUBLE), 0
  FROM candidates AS c
),
frames AS (
  SELECT
    s.workspace_id,
    s.run_id,
    s.is_pool,
    COUNT(s.duration_seconds) OVER all_days AS all_runs,
    percentile(s.duration_seconds, array(0.5, 0.9)) OVER all_days AS all_quantiles,
    COUNT(s.duration_seconds) OVER same_weekday AS weekday_runs,
    percentile(s.duration_seconds, array(0.5, 0.9)) OVER same_weekday AS weekday_quantiles
  FROM run_stream AS s
  WINDOW
    all_days AS (
      PARTITION BY s.workspace_id, s.job_id
      ORDER BY unix_micros(s.start_time)
      RANGE BETWEEN :baseline_days * 86400000000 PRECEDING AND 1 PRECEDING
    ),
    same_weekday AS (
      PARTITION BY s.workspace_id, s.job_id, s.weekday
      ORDER BY unix_micros(s.start_time)
      RANGE BETWEEN :baseline_days * 86400000000 PRECEDING AND 1 PRECEDING
    )
),
chosen AS (
  SELECT
    f.workspace_id,
    f.run_id,
    f.weekday_runs >= :min_same_weekday_runs AS use_weekday,
    CASE WHEN f.weekday_runs >= :min_same_weekday_runs THEN f.weekday_runs ELSE f.all_runs END AS baseline_runs,
    CASE WHEN f.weekday_runs >= :min_same_weekday_runs THEN f.weekday_quantiles ELSE f.all_quantiles END AS quantiles
  FROM frames AS f
  WHERE f.is_pool = 0
),
-- No baseline row when the pool is empty (as a join of the candidate with its pool would give).
baseline AS (
  SELECT
    c.workspace_id,
    c.run_id,
    CASE WHEN c.use_weekday THEN 'same_weekday' ELSE 'all_days' END AS baseline_basis,
    c.quantiles[0] AS baseline_median_seconds,
    c.quantiles[1] AS baseline_p90_seconds,
    c.baseline_runs
  FROM chosen AS c
  WHERE c.baseline_runs > 0
),
-- Task retries as the refreshed run facts count them: not the task runs a repair re-ran (those starting at or
-- after the run's first terminal timeline row).
repaired_runs AS (
  SELECT t.workspace_id, t.run_id, MIN(t.period_end_time) AS first_attempt_end
  FROM system.lakeflow.job_run_timeline AS t
  LEFT SEMI JOIN monitor.job_runs AS r
    ON r.workspace_id = t.workspace_id AND r.run_id = t.run_id AND r.repair_count > 0
  WHERE t.result_state IS NOT NULL
  GROUP BY t.workspace_id, t.run_id
),
run_task_retries AS (
  SELECT
    tr.workspace_id,
    tr.job_run_id AS run_id,
    COUNT(
      CASE WHEN tr.is_retry AND NOT COALESCE(tr.start_time >= rr.first_attempt_end, FALSE) THEN 1 END
    ) AS task_retries
  FROM monitor.task_runs AS tr
  LEFT JOIN repaired_runs AS rr ON rr.workspace_id = tr.workspace_id AND rr.run_id = tr.job_run_id
  WHERE tr.start_time >= :start_time
  GROUP BY tr.workspace_id, tr.job_run_id
),
judged AS (
  SELECT
    c.*,
    b.baseline_basis,
    b.baseline_median_seconds,
    b.baseline_p90_seconds,
    COALESCE(b.baseline_runs, 0) AS baseline_runs,
    c.duration_seconds / NULLIF(b.baseline_median_seconds, 0) - 1 AS pct_over_median,
    COALESCE(x.task_retries, 0) AS task_retries,
    CASE
      WHEN c.outcome <> 'success' THEN 'not_evaluated'
      WHEN COALESCE(b.baseline_runs, 0) < :min_baseline_runs OR b.baseline_median_seconds <= 0 THEN 'insufficient_history'
      WHEN c.duration_seconds >= b.baseline_median_seconds * (1 + :critical_pct) THEN 'critical'
      WHEN c.duration_seconds >= b.baseline_median_seconds * (1 + :warn_pct) THEN 'warn'
      WHEN c.duration_seconds < b.baseline_median_seconds * :fast_ratio THEN 'fast'
      ELSE 'ok'
    END AS status
  FROM candidates AS c
  LEFT JOIN baseline AS b ON b.workspace_id = c.workspace_id AND b.run_id = c.run_id
  LEFT JOIN run_task_retries AS x ON x.workspace_id = c.workspace_id AND x.run_id = c.run_id
),
picked AS (
  SELECT g.*
  FROM judged AS g
  WHERE :kind = 'all'
    OR (:kind = 'regression' AND g.status IN ('warn', 'critical'))
    OR (:kind = 'fast' AND g.status = 'fast')
  ORDER BY g.start_time DESC, g.workspace_id, g.run_id
  LIMIT :row_limit
)
SELECT
  g.workspace_id,
  g.job_id,
  COALESCE(j.name, g.run_name, g.job_id) AS job_name,
  {{ team_of(t.team) }} AS team,
  g.run_id,
  g.start_time,
  g.end_time,
  g.outcome,
  g.duration_seconds,
  g.baseline_median_seconds,
  g.baseline_p90_seconds,
  g.baseline_runs,
  g.baseline_basis,
  g.pct_over_median,
  CASE
    WHEN g.status = 'critical' THEN CAST(:critical_pct AS DOUBLE)
    WHEN g.status = 'warn' THEN CAST(:warn_pct AS DOUBLE)
    WHEN g.status = 'fast' THEN CAST(:fast_ratio AS DOUBLE) - 1
  END AS threshold_pct,
  g.status,
  g.task_retries,
  g.repair_count
FROM picked AS g
LEFT JOIN monitor.jobs AS j ON j.workspace_id = g.workspace_id AND j.job_id = g.job_id
LEFT JOIN monitor.job_teams AS t ON t.workspace_id = g.workspace_id AND t.job_id = g.job_id
ORDER BY g.workspace_id, g.job_id, g.start_time, g.run_id
