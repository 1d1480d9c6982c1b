-- The node types the workspace knows (system.compute.node_types), for rightsizing to a smaller size.
SELECT node_type, max(core_count) AS core_count, max(memory_mb) AS memory_mb
FROM system.compute.node_types
GROUP BY node_type
ORDER BY node_type
