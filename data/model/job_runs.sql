-- monitor.job_runs: one row per job run, the hourly slices of system.lakeflow.job_run_timeline collapsed.
--
-- A run longer than an hour has one timeline row per hourly slice; result_state is set only on a row that
-- ends the run, and a repaired run emits one more such terminal row per repair. So, per (workspace_id, run_id):
--   final outcome   = the latest terminal row (by period_end_time)
--   first outcome   = the earliest terminal row (the first attempt)
--   repair_count    = terminal rows - 1 (0 while running)
--   a run with no terminal row is in progress: result_state, end_time and duration_seconds are NULL.
-- "Earliest"/"latest" row are taken with MIN/MAX over a struct whose first field is the ordering time and
-- whose other fields are the values wanted: one hash aggregation, and deterministic even on ties.
-- Durations are summed in whole microseconds (exact, order-independent) and only then made DOUBLE, so
-- that two refreshes of the same data give bit-identical values. A slice's microseconds are
-- unix_micros(end) - unix_micros(start), the value of timestampdiff(MICROSECOND, start, end), which DuckDB
-- computes for TIMESTAMP WITH TIME ZONE through ICU calendar arithmetic (~50x slower: ~1 s per million rows).
--
-- Two paths, the same values: most runs have a single slice, and for one slice every aggregate above is
-- that slice's own value (MIN/MAX/SUM of one value, the struct of the one terminal row or none, its
-- compute ids sorted and deduplicated). So only the runs with several slices (multi_slice) are grouped;
-- the others are projected row by row (single_slice), which skips a hash aggregation and a list
-- aggregation over most of the timeline (job_runs 8.1 s -> ~4 s on the large workspace). multi_slice is
-- keyed by a hash of (workspace_id, run_id): a hash collision only sends a single-slice run down the
-- grouped path, which gives it the same values, so the split is exact whatever the hash function.
--
-- Scope: :full_refresh = TRUE reads every run; FALSE only the runs listed in monitor.refresh_scope_runs
-- (runs with a slice ending at or after the incremental refresh's :since, see refresh_scope.sql).
-- (A hash of) the runs with more than one slice.
WITH multi_slice AS (
  SELECT hash(t.workspace_id, t.run_id) AS key_hash
  FROM system.lakeflow.job_run_timeline AS t
  LEFT JOIN monitor.refresh_scope_runs AS s
    ON s.workspace_id = t.workspace_id AND s.run_id = t.run_id
  WHERE :full_refresh OR s.run_id IS NOT NULL
  GROUP BY hash(t.workspace_id, t.run_id)
  HAVING COUNT(*) > 1
),

-- A run with one slice: the aggregates of grouped below, on one row. compute_ids as
-- array_sort(array_distinct(...)): a one-element list without NULL is already that.
single_slice AS (
  SELECT
    t.workspace_id,
    t.run_id,
    t.job_id,
    t.run_name,
    t.trigger_type,
    t.run_type,
    CASE WHEN t.result_state IS NOT NULL THEN t.period_end_time END AS end_time,
    t.result_state,
    CASE WHEN t.result_state IS NOT NULL THEN t.termination_code END AS termination_code,
    CASE WHEN t.result_state IS NOT NULL THEN t.termination_type END AS termination_type,
    CASE WHEN t.result_state IS NOT NULL THEN t.queue_duration_seconds END AS queue_duration_seconds,
    CASE WHEN t.result_state IS NOT NULL THEN t.setup_duration_seconds END AS setup_duration_seconds,
    CASE WHEN t.result_state IS NOT NULL THEN t.execution_duration_seconds END AS execution_duration_seconds,
    t.result_state AS first_result_state,
    CASE WHEN t.result_state IS NOT NULL THEN 1 ELSE 0 END AS terminal_rows,
    1 AS slice_count,
    t.period_start_time AS start_time,
    t.period_end_time AS last_seen_time,
    unix_micros(t.period_end_time) - unix_micros(t.period_start_time) AS slice_microseconds,
    CASE
      WHEN t.compute_ids IS NULL THEN NULL
      WHEN size(t.compute_ids) = 1 AND try_element_at(t.compute_ids, 1) IS NOT NULL THEN t.compute_ids
      ELSE array_sort(array_distinct(t.compute_ids))
    END AS compute_ids
  FROM system.lakeflow.job_run_timeline AS t
  LEFT ANTI JOIN multi_slice AS m ON m.key_hash = hash(t.workspace_id, t.run_id)
  LEFT JOIN monitor.refresh_scope_runs AS s
    ON s.workspace_id = t.workspace_id AND s.run_id = t.run_id
  WHERE :full_refresh OR s.run_id IS NOT NULL
),

grouped AS (
  SELECT
    t.workspace_id,
    t.run_id,
    MAX(t.job_id) AS job_id,
    MIN(
      named_struct(
        'start_time', t.period_start_time, 'end_time', t.period_end_time, 'run_name', t.run_name,
        'trigger_type', t.trigger_type, 'run_type', t.run_type
      )
    ) AS first_slice,
    MAX(
      named_struct(
        'end_time', t.period_end_time, 'start_time', t.period_start_time, 'result_state', t.result_state,
        'termination_code', t.termination_code, 'termination_type', t.termination_type,
        'queue_duration_seconds', t.queue_duration_seconds, 'setup_duration_seconds', t.setup_duration_seconds,
        'execution_duration_seconds', t.execution_duration_seconds
      )
    ) FILTER (WHERE t.result_state IS NOT NULL) AS last_terminal,
    MIN(named_struct('end_time', t.period_end_time, 'result_state', t.result_state))
      FILTER (WHERE t.result_state IS NOT NULL) AS first_terminal,
    COUNT(t.result_state) AS terminal_rows,
    COUNT(*) AS slice_count,
    MIN(t.period_start_time) AS start_time,
    MAX(t.period_end_time) AS last_seen_time,
    SUM(unix_micros(t.period_end_time) - unix_micros(t.period_start_time)) AS slice_microseconds,
    CASE WHEN COUNT(t.compute_ids) > 0 THEN array_sort(array_distinct(flatten(collect_list(t.compute_ids)))) END
      AS compute_ids
  FROM system.lakeflow.job_run_timeline AS t
  LEFT SEMI JOIN multi_slice AS m ON m.key_hash = hash(t.workspace_id, t.run_id)
  LEFT JOIN monitor.refresh_scope_runs AS s
    ON s.workspace_id = t.workspace_id AND s.run_id = t.run_id
  WHERE :full_refresh OR s.run_id IS NOT NULL
  GROUP BY t.workspace_id, t.run_id
),

runs AS (
  SELECT
    workspace_id, run_id, job_id, run_name, trigger_type, run_type, end_time, result_state, termination_code,
    termination_type, queue_duration_seconds, setup_duration_seconds, execution_duration_seconds,
    first_result_state, terminal_rows, slice_count, start_time, last_seen_time, slice_microseconds, compute_ids
  FROM single_slice
  UNION ALL
  SELECT
    workspace_id,
    run_id,
    job_id,
    first_slice.run_name,
    first_slice.trigger_type,
    first_slice.run_type,
    last_terminal.end_time,
    last_terminal.result_state,
    last_terminal.termination_code,
    last_terminal.termination_type,
    last_terminal.queue_duration_seconds,
    last_terminal.setup_duration_seconds,
    last_terminal.execution_duration_seconds,
    first_terminal.result_state,
    terminal_rows,
    slice_count,
    start_time,
    last_seen_time,
    slice_microseconds,
    compute_ids
  FROM grouped
)

SELECT
  r.workspace_id,
  r.job_id,
  r.run_id,
  r.run_name,
  r.trigger_type,
  r.run_type,
  r.start_time,
  r.end_time,
  r.last_seen_time,
  CASE WHEN r.terminal_rows > 0 THEN CAST(r.slice_microseconds AS DOUBLE) / 1000000 END AS duration_seconds,
  CAST(unix_micros(r.end_time) - unix_micros(r.start_time) AS DOUBLE) / 1000000 AS wall_seconds,
  r.queue_duration_seconds,
  r.setup_duration_seconds,
  r.execution_duration_seconds,
  r.result_state,
  r.termination_code,
  r.termination_type,
  r.first_result_state,
  CASE
    WHEN r.result_state IS NULL THEN 'running'
    WHEN r.result_state = 'SUCCEEDED' THEN 'success'
    WHEN r.result_state IN ('FAILED', 'ERROR', 'TIMED_OUT') THEN 'failure'
    WHEN r.result_state IN ('CANCELLED', 'CANCELED') THEN 'cancelled'
    WHEN r.result_state = 'SKIPPED' THEN 'skipped'
    ELSE 'other'
  END AS outcome,
  CASE
    WHEN r.first_result_state IS NULL THEN 'running'
    WHEN r.first_result_state = 'SUCCEEDED' THEN 'success'
    WHEN r.first_result_state IN ('FAILED', 'ERROR', 'TIMED_OUT') THEN 'failure'
    WHEN r.first_result_state IN ('CANCELLED', 'CANCELED') THEN 'cancelled'
    WHEN r.first_result_state = 'SKIPPED' THEN 'skipped'
    ELSE 'other'
  END AS first_outcome,
  CAST(GREATEST(r.terminal_rows - 1, 0) AS BIGINT) AS repair_count,
  CAST(r.slice_count AS BIGINT) AS slice_count,
  r.compute_ids,
  CAST(r.start_time AS DATE) AS run_date
FROM runs AS r
