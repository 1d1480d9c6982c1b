-- Incremental refresh: removes the job_runs rows of the keys in scope before job_runs.sql re-inserts them
-- (data/refresh.py runs both in one transaction).
DELETE FROM monitor.job_runs AS t WHERE EXISTS (SELECT 1 FROM monitor.refresh_scope_runs AS s WHERE s.workspace_id = t.workspace_id AND s.run_id = t.run_id)
