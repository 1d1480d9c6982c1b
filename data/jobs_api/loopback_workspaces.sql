-- The workspaces the loopback Jobs API serves, one host each (the jobs of the embedded workspace).
SELECT DISTINCT workspace_id AS w FROM monitor.jobs ORDER BY 1
