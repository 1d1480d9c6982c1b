-- Incremental refresh: removes the job_daily rows of the keys in scope before job_daily.sql re-inserts them
-- (data/refresh.py runs both in one transaction).
DELETE FROM monitor.job_daily WHERE run_date IN (SELECT run_date FROM monitor.refresh_scope_days)
