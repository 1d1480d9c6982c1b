-- PIPE-01: the window's table writes (monitor.table_writes, with their baselines from the refresh), with
-- the writer job's name and team. integrity.row_count_changes flags them (per-table thresholds apply in
-- Python, so every write of the window is read; the model keeps this a narrow, time-ordered scan).
SELECT
  w.table_full_name,
  w.workspace_id,
  w.job_id,
  j.name AS job_name,
  COALESCE(jt.team, 'unattributed') AS team,
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
  w.prior_max_rows
FROM monitor.table_writes AS w
LEFT JOIN monitor.jobs AS j
  ON j.workspace_id = w.workspace_id AND j.job_id = w.job_id
LEFT JOIN monitor.job_teams AS jt
  ON jt.workspace_id = w.workspace_id AND jt.job_id = w.job_id
WHERE w.commit_time >= :start_time
  AND w.commit_time < :end_time
  AND (:workspace_id IS NULL OR w.workspace_id = :workspace_id)
  AND (:job_id IS NULL OR w.job_id = :job_id)
  AND (:team IS NULL OR COALESCE(jt.team, 'unattributed') = :team)
