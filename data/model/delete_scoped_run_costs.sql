-- Incremental refresh: removes the run_costs rows of the keys in scope before run_costs.sql re-inserts them
-- (data/refresh.py runs both in one transaction).
DELETE FROM monitor.run_costs AS t WHERE EXISTS (SELECT 1 FROM monitor.refresh_scope_costs AS s WHERE s.workspace_id = t.workspace_id AND s.run_id = t.run_id)
