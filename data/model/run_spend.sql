-- monitor.run_spend: placeholder, replaced by the per-run cost facts (DBU baselines, spikes).
SELECT c.workspace_id, c.run_id FROM monitor.run_costs AS c
