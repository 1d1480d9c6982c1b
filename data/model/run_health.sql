-- monitor.run_health: per-run health facts, one row per job run (monitor.job_runs), so that the health
-- metrics (monitor_app/analytics/health.py) filter one table by time instead of recomputing retries,
-- streaks and duration baselines on every call. Rebuilt in full on every refresh (the baselines are window
-- computations over the whole history). Team attribution is not read here: teams are joined at query
-- time, so a team-rule change applies to history at once. Stored in start_time order: a window filter on
-- start_time reads only the row groups of the window (DuckDB zonemaps).
--
-- Retries (as health_retries.sql defines them): task_retries = task runs with attempt_number > 0 that a
-- task retry started, not a repair: in a repaired run, the task runs starting at or after the run's first
-- terminal timeline row (the end of its first attempt) are the repair's re-runs, counted in repair_count
-- only (retries and repairs are distinct signals; counting a repair's re-runs again as task retries made
-- a clean job with one repair of three tasks look retry-heavy). A task attempt is superseded when a later
-- attempt of the same task_key ran in the same job run (a task retry or a repair re-ran it); wasted_share = task-seconds of superseded attempts / task-seconds of all
-- attempts, falling back to repair_count / (repair_count + 1) for a repaired run without task seconds;
-- retry_dbus / retry_cost_usd = the run's DBUs / list $ (as DOUBLE) x wasted_share.
--
-- Streaks (as health_consecutive_failures.sql defines them): the decided runs (final outcome success or
-- failure) of a job ordered by (end_time, run_id). On a failure, failure_streak = the failures in a row
-- ending with it, failing_since / streak_first_run_id = end time and id of the first of them;
-- last_success_time = end time of the latest success before it (NULL: the job never succeeded before);
-- next_decided_end_time = end time of the next decided run (NULL: none yet), so a query "as of" a time T
-- finds each job's latest decided run as the one ending before T whose next one ends at or after T.
--
-- Duration baseline (what monitor_app/analytics/health_run_durations.sql reads), with the DEFAULT
-- thresholds of data/baselines.py bound as :duration_* at refresh (a call's own when health.py runs this
-- query inline over the window's history): median and p90 of the job's clean successful runs started in
-- the :duration_baseline_days days before the run (frames end 1 microsecond before its start: strictly
-- earlier runs). Clean: a first pass compares each successful run with the plain median of the successful
-- runs before it and drops those at or above +critical_pct or under fast_ratio of it. Same UTC weekday
-- when at least min_same_weekday_runs clean runs exist, else all days; baseline_basis is NULL when the
-- pool is empty. duration_status: not_evaluated (not a success) | insufficient_history | critical | warn |
-- fast | ok. A frame over all runs with a NULL duration for the runs outside the pool gives every run
-- (the pool's runs too) its baseline in one window pass per frame. The first pass's plain median and p90
-- of every successful run started in the baseline days before the run are kept too
-- (prior_success_p50_seconds, prior_success_p90_seconds, prior_success_runs): the SLA check's baseline
-- (monitor_app/analytics/sla_runs.sql reads it; with other baseline days sla.py runs this query inline).
--
-- Plan: a narrow stream (keys, times, outcome, duration) goes through the window passes and the run's
-- other columns are joined once at the end. Jobs get integer keys (the windows partition on them instead
-- of on strings). The streak pass partitions by (job, decided) so that every run flows through it (the
-- values of undecided runs are dropped) and needs no join back; the baseline's second pass is one window
-- for all jobs, partitioned by (job, weekday) for several-a-day jobs and by job for the others. No global
-- sort but the final ORDER BY (start_time, workspace_id, run_id) (12.5 s -> ~11 s on the large
-- workspace, without spilling).
WITH job_days AS (
  SELECT workspace_id, job_id, COUNT(*) AS day_runs
  FROM monitor.job_runs
  GROUP BY workspace_id, job_id, CAST(start_time AS DATE)
),

-- A job with at most one run per UTC day has at most floor(baseline_days / 7) earlier runs on the same
-- weekday in a frame: when that is under min_same_weekday_runs its runs always use all days, so only the
-- jobs with several runs on some day (several_a_day) get a same-weekday baseline pass.
job_keys AS (
  SELECT
    j.workspace_id,
    j.job_id,
    ROW_NUMBER() OVER (ORDER BY j.workspace_id, j.job_id) AS job_key,
    j.several_a_day
  FROM (
    SELECT
      workspace_id,
      job_id,
      MAX(day_runs) > 1 OR floor(:duration_baseline_days / 7) >= :duration_min_same_weekday_runs AS several_a_day
    FROM job_days
    GROUP BY workspace_id, job_id
  ) AS j
),

-- The narrow stream the window passes read: one row per run, the duration only on successful runs.
run_stream AS (  -- not "stream": a keyword of Spark and Databricks SQL (FROM STREAM t)
  SELECT
    r.workspace_id,
    r.run_id,
    k.job_key,
    k.several_a_day,
    r.end_time,
    r.outcome,
    COALESCE(r.outcome IN ('success', 'failure'), FALSE) AS is_decided,
    unix_micros(r.start_time) AS start_micros,
    dayofweek(r.start_time) AS weekday,
    CASE WHEN r.outcome = 'success' THEN r.duration_seconds END AS success_seconds
  FROM monitor.job_runs AS r
  JOIN job_keys AS k ON k.workspace_id = r.workspace_id AND k.job_id = r.job_id
),

-- Streaks: the decided runs of a job in (end_time, run_id) order (the other runs are in partitions of
-- their own, their values unused); a failure's streak is the failures since the latest success before it
-- (successes_before numbers those stretches). Duration baseline, first pass: the plain median of the
-- successful runs before each run (the rows without success_seconds add nothing to a frame).
first_pass AS (
  SELECT
    s.*,
    COUNT(CASE WHEN s.outcome = 'success' THEN 1 END) OVER ordered AS successes_before,
    MAX(CASE WHEN s.outcome = 'success' THEN s.end_time END) OVER ordered AS success_time_before,
    LEAD(s.end_time) OVER (PARTITION BY s.job_key, s.is_decided ORDER BY s.end_time, s.run_id) AS next_end_time,
    -- median and p90 from one window aggregate; the median drives the clean pass, both are stored as the
    -- plain baseline the SLA check reads (monitor_app/analytics/sla_runs.sql)
    percentile(s.success_seconds, array(0.5, 0.9)) OVER prior AS raw_quantiles,
    COUNT(s.success_seconds) OVER prior AS raw_runs
  FROM run_stream AS s
  WINDOW
    ordered AS (
      PARTITION BY s.job_key, s.is_decided
      ORDER BY s.end_time, s.run_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ),
    prior AS (
      PARTITION BY s.job_key
      ORDER BY s.start_micros
      RANGE BETWEEN :duration_baseline_days * 86400000000 PRECEDING AND 1 PRECEDING
    )
),

pooled AS (
  SELECT
    f.workspace_id,
    f.run_id,
    f.job_key,
    f.several_a_day,
    f.end_time,
    f.outcome,
    f.is_decided,
    f.start_micros,
    f.weekday,
    f.successes_before,
    f.success_time_before,
    f.next_end_time,
    f.raw_quantiles,
    f.raw_runs,
    CASE
      WHEN f.raw_runs = 0
        OR f.raw_runs < :duration_min_baseline_runs
        OR (
          f.success_seconds < f.raw_quantiles[0] * (1 + :duration_critical_pct)
          AND f.success_seconds >= f.raw_quantiles[0] * :duration_fast_ratio
        )
        THEN f.success_seconds
    END AS pool_seconds
  FROM first_pass AS f
),

streaks AS (
  SELECT
    p.workspace_id,
    p.run_id,
    ROW_NUMBER() OVER stretch AS failure_streak,
    FIRST_VALUE(p.end_time) OVER stretch AS failing_since,
    FIRST_VALUE(p.run_id) OVER stretch AS streak_first_run_id
  FROM pooled AS p
  WHERE p.outcome = 'failure'
  WINDOW stretch AS (
    PARTITION BY p.job_key, p.successes_before
    ORDER BY p.end_time, p.run_id
    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
  )
),

-- Duration baseline, second pass, in one window: the same weekday for the runs of several-a-day jobs
-- (partition job and weekday), all days for the other jobs (partition job).
windowed AS (
  SELECT
    p.*,
    COUNT(p.pool_seconds) OVER prior AS window_runs,
    percentile(p.pool_seconds, array(0.5, 0.9)) OVER prior AS window_quantiles
  FROM pooled AS p
  WINDOW prior AS (
    PARTITION BY p.job_key, CASE WHEN p.several_a_day THEN p.weekday END
    ORDER BY p.start_micros
    RANGE BETWEEN :duration_baseline_days * 86400000000 PRECEDING AND 1 PRECEDING
  )
),

-- All days, for the few runs of several-a-day jobs without enough same-weekday runs: their frame's pool
-- runs joined and aggregated (the same multiset as an all-days window frame, so the same quantiles).
all_days_joined AS (
  SELECT
    w.workspace_id,
    w.run_id,
    COUNT(p.pool_seconds) AS all_runs,
    percentile(p.pool_seconds, array(0.5, 0.9)) AS all_quantiles
  FROM windowed AS w
  JOIN pooled AS p
    ON p.job_key = w.job_key
    AND p.start_micros >= w.start_micros - :duration_baseline_days * 86400000000
    AND p.start_micros < w.start_micros
  WHERE w.several_a_day AND w.window_runs < :duration_min_same_weekday_runs AND p.pool_seconds IS NOT NULL
  GROUP BY w.workspace_id, w.run_id
),

baselines AS (
  SELECT
    w.workspace_id,
    w.run_id,
    w.is_decided,
    w.outcome,
    w.successes_before,
    w.success_time_before,
    w.next_end_time,
    w.pool_seconds IS NOT NULL AS in_baseline_pool,
    w.raw_quantiles,
    w.raw_runs,
    w.several_a_day AND w.window_runs >= :duration_min_same_weekday_runs AS use_weekday,
    CASE
      WHEN NOT w.several_a_day OR w.window_runs >= :duration_min_same_weekday_runs THEN w.window_runs
      ELSE COALESCE(a.all_runs, 0)
    END AS baseline_runs,
    CASE
      WHEN NOT w.several_a_day OR w.window_runs >= :duration_min_same_weekday_runs THEN w.window_quantiles
      ELSE a.all_quantiles
    END AS quantiles
  FROM windowed AS w
  LEFT JOIN all_days_joined AS a ON a.workspace_id = w.workspace_id AND a.run_id <=> w.run_id
),

-- Task attempts: only a (job run, task_key) with a retry has superseded attempts.
retried_tasks AS (
  SELECT workspace_id, job_run_id, task_key, MAX(attempt_number) AS last_attempt
  FROM monitor.task_runs
  WHERE is_retry
  GROUP BY workspace_id, job_run_id, task_key
),

-- End of the first attempt of each repaired run: its earliest terminal timeline row (few runs are repaired).
repaired_runs AS (
  SELECT t.workspace_id, t.run_id, MIN(t.period_end_time) AS first_attempt_end
  FROM system.lakeflow.job_run_timeline AS t
  LEFT SEMI JOIN monitor.job_runs AS r
    ON r.workspace_id = t.workspace_id AND r.run_id = t.run_id AND r.repair_count > 0
  WHERE t.result_state IS NOT NULL
  GROUP BY t.workspace_id, t.run_id
),

run_tasks AS (
  SELECT
    tr.workspace_id,
    tr.job_run_id AS run_id,
    COUNT(
      CASE WHEN tr.is_retry AND NOT COALESCE(tr.start_time >= rr.first_attempt_end, FALSE) THEN 1 END
    ) AS task_retries,
    SUM(COALESCE(tr.duration_seconds, 0)) AS task_seconds,
    SUM(CASE WHEN tr.attempt_number < rt.last_attempt THEN COALESCE(tr.duration_seconds, 0) ELSE 0 END)
      AS wasted_seconds
  FROM monitor.task_runs AS tr
  LEFT JOIN retried_tasks AS rt
    ON rt.workspace_id = tr.workspace_id AND rt.job_run_id = tr.job_run_id AND rt.task_key = tr.task_key
  LEFT JOIN repaired_runs AS rr
    ON rr.workspace_id = tr.workspace_id AND rr.run_id = tr.job_run_id
  GROUP BY tr.workspace_id, tr.job_run_id
),

facts AS (
  SELECT
    r.workspace_id,
    r.job_id,
    r.run_id,
    r.run_name,
    r.start_time,
    r.end_time,
    r.outcome,
    r.first_outcome,
    r.termination_code,
    r.duration_seconds,
    r.queue_duration_seconds,
    COALESCE(r.repair_count, 0) AS repair_count,
    COALESCE(x.task_retries, 0) AS task_retries,
    CASE
      WHEN x.task_seconds > 0 THEN x.wasted_seconds / x.task_seconds
      WHEN COALESCE(r.repair_count, 0) > 0 THEN COALESCE(r.repair_count, 0) / (COALESCE(r.repair_count, 0) + 1.0)
      ELSE 0.0
    END AS wasted_share,
    c.dbus,
    c.list_cost_usd,
    CASE WHEN b.baseline_runs > 0 THEN (CASE WHEN b.use_weekday THEN 'same_weekday' ELSE 'all_days' END) END
      AS baseline_basis,
    CASE WHEN b.baseline_runs > 0 THEN b.quantiles[0] END AS baseline_median_seconds,
    CASE WHEN b.baseline_runs > 0 THEN b.quantiles[1] END AS baseline_p90_seconds,
    b.baseline_runs,
    b.in_baseline_pool,
    CASE WHEN b.raw_runs > 0 THEN b.raw_quantiles[0] END AS prior_success_p50_seconds,
    CASE WHEN b.raw_runs > 0 THEN b.raw_quantiles[1] END AS prior_success_p90_seconds,
    b.raw_runs AS prior_success_runs,
    s.failure_streak,
    s.failing_since,
    s.streak_first_run_id,
    CASE WHEN b.is_decided THEN b.success_time_before END AS last_success_time,
    CASE WHEN b.is_decided THEN b.next_end_time END AS next_decided_end_time
  FROM baselines AS b
  JOIN monitor.job_runs AS r ON r.workspace_id = b.workspace_id AND r.run_id <=> b.run_id
  LEFT JOIN run_tasks AS x ON x.workspace_id = r.workspace_id AND x.run_id = r.run_id
  LEFT JOIN monitor.run_costs AS c ON c.workspace_id = r.workspace_id AND c.run_id = r.run_id
  LEFT JOIN streaks AS s ON s.workspace_id = b.workspace_id AND s.run_id <=> b.run_id
)

SELECT
  f.workspace_id,
  f.job_id,
  f.run_id,
  f.run_name,
  f.start_time,
  f.end_time,
  f.outcome,
  f.first_outcome,
  f.termination_code,
  f.duration_seconds,
  f.queue_duration_seconds,
  f.repair_count,
  CAST(f.task_retries AS BIGINT) AS task_retries,
  COALESCE(f.outcome = 'success' AND f.first_outcome = 'success' AND f.repair_count = 0 AND f.task_retries = 0, FALSE)
    AS first_attempt_success,
  f.wasted_share,
  f.dbus,
  f.list_cost_usd,
  COALESCE(CAST(f.dbus AS DOUBLE), 0) * f.wasted_share AS retry_dbus,
  COALESCE(CAST(f.list_cost_usd AS DOUBLE), 0) * f.wasted_share AS retry_cost_usd,
  CAST(f.failure_streak AS BIGINT) AS failure_streak,
  f.failing_since,
  f.streak_first_run_id,
  f.last_success_time,
  f.next_decided_end_time,
  f.in_baseline_pool,
  f.baseline_median_seconds,
  f.baseline_p90_seconds,
  CAST(f.baseline_runs AS BIGINT) AS baseline_runs,
  f.baseline_basis,
  f.prior_success_p50_seconds,
  f.prior_success_p90_seconds,
  CAST(f.prior_success_runs AS BIGINT) AS prior_success_runs,
  CASE
    WHEN f.outcome <> 'success' THEN 'not_evaluated'
    WHEN f.baseline_runs < :duration_min_baseline_runs OR f.baseline_median_seconds <= 0 THEN 'insufficient_history'
    WHEN f.duration_seconds >= f.baseline_median_seconds * (1 + :duration_critical_pct) THEN 'critical'
    WHEN f.duration_seconds >= f.baseline_median_seconds * (1 + :duration_warn_pct) THEN 'warn'
    WHEN f.duration_seconds < f.baseline_median_seconds * :duration_fast_ratio THEN 'fast'
    ELSE 'ok'
  END AS duration_status
FROM facts AS f
ORDER BY f.start_time, f.workspace_id, f.run_id
