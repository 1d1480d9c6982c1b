-- When the derived model (monitor.*) was last rebuilt.
SELECT MAX(refreshed_at) AS refreshed_at FROM monitor.refresh_log
