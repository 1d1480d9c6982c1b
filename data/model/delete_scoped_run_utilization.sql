-- Incremental refresh: removes the run_utilization rows of the keys in scope before run_utilization.sql re-inserts them
-- (data/refresh.py runs both in one transaction).
DELETE FROM monitor.run_utilization AS t WHERE EXISTS (SELECT 1 FROM monitor.refresh_scope_runs AS s WHERE s.workspace_id = t.workspace_id AND s.run_id = t.run_id)
