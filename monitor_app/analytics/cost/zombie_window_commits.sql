-- The Delta commits of the window, for zombie_jobs' inline path (a window under one day): cost.py runs
-- data/model/zombie_table_days.sql over these rows instead of all of collected.table_history (see
-- zombie_window_lineage.sql).
SELECT th.*
FROM collected.table_history AS th
WHERE th.commit_time >= :start_time
  AND th.commit_time < :end_time
