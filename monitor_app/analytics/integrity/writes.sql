-- PIPE-01: the window's table writes (monitor.table_writes, with their baselines from the refresh), judged
-- with :deviation_pct and :min_history, with the writer job's name and team. Flagged writes first, then
-- newest first, at most :row_limit rows.
--   status: no_row_count (the history has no count) | zero_rows (0 rows by a successful run, or a commit
--   outside any run, after a non-zero history: whatever the history's length) | insufficient_history
--   (fewer than :min_history earlier writes with a count, or a zero baseline) | drop / surge (at least
--   :deviation_pct % under / over the baseline) | ok. flagged: zero_rows, drop or surge.
-- :table_full_name restricts it to one table (a table with thresholds of its own is judged on its own);
-- :flagged_only keeps the flagged writes, :latest_only each table's latest write in the window (both: either).
WITH picked AS (
  SELECT
    w.table_full_name,
    w.workspace_id,
    w.job_id,
    j.name AS job_name,
    {{ team_of(jt.team) }} AS team,
    w.job_run_id,
    w.run_outcome,
    w.version,
    w.commit_time,
    w.operation,
    w.commits,
    w.rows_written,
    CAST(w.baseline_rows AS DOUBLE) AS baseline_rows,
    w.baseline_basis,
    w.baseline_writes,
    w.prior_writes,
    w.prior_max_rows,
    COALESCE(w.next_commit_time >= :end_time, TRUE) AS latest_in_window,
    CASE
      WHEN w.baseline_rows > 0 THEN (w.rows_written - w.baseline_rows) / w.baseline_rows * 100.0
    END AS raw_delta_pct
  FROM monitor.table_writes AS w
  LEFT JOIN monitor.jobs AS j
    ON j.workspace_id = w.workspace_id AND j.job_id = w.job_id
  LEFT JOIN monitor.job_teams AS jt
    ON jt.workspace_id = w.workspace_id AND jt.job_id = w.job_id
  WHERE w.commit_time >= :start_time
    AND w.commit_time < :end_time
    AND {{ in_scope(workspace_id=w.workspace_id, job_id=w.job_id, team=jt.team) }}
    AND (:table_full_name IS NULL OR w.table_full_name = :table_full_name)
),

judged AS (
  SELECT
    p.*,
    CASE
      WHEN p.rows_written IS NULL THEN 'no_row_count'
      WHEN p.rows_written = 0 AND COALESCE(p.prior_max_rows, 0) > 0
        AND (p.run_outcome IS NULL OR p.run_outcome = 'success') THEN 'zero_rows'
      WHEN COALESCE(p.prior_writes, 0) < :min_history OR p.raw_delta_pct IS NULL THEN 'insufficient_history'
      WHEN p.raw_delta_pct <= -:deviation_pct THEN 'drop'
      WHEN p.raw_delta_pct >= :deviation_pct THEN 'surge'
      ELSE 'ok'
    END AS status
  FROM picked AS p
)

SELECT
  table_full_name, workspace_id, job_id, job_name, team, job_run_id, run_outcome, version, commit_time,
  operation, commits, rows_written, baseline_rows, baseline_basis, baseline_writes, prior_writes,
  round(raw_delta_pct, 2) AS delta_pct,
  status IN ('zero_rows', 'drop', 'surge') AS flagged,
  status,
  latest_in_window
FROM judged
WHERE (NOT :flagged_only AND NOT :latest_only)
  OR (:flagged_only AND status IN ('zero_rows', 'drop', 'surge'))
  OR (:latest_only AND latest_in_window)
ORDER BY flagged DESC, commit_time DESC, table_full_name, version
LIMIT :row_limit
