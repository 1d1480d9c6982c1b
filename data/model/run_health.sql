-- monitor.run_health: placeholder, replaced by the per-run health facts (duration baselines, retries).
SELECT r.workspace_id, r.job_id, r.run_id FROM monitor.job_runs AS r
