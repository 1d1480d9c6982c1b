-- The lineage rows of the window, for zombie_jobs' inline path (a window under one day): cost.py runs
-- data/model/zombie_table_days.sql over these rows instead of all of system.access.table_lineage, so each
-- day's first and last event time is inside the window and the rollup's day test is exact for it.
SELECT l.*
FROM system.access.table_lineage AS l
WHERE l.event_time >= :start_time
  AND l.event_time < :end_time
