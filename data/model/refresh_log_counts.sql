-- The row counts the refresh at :refreshed_at logged (refresh_log.sql), for its closing report.
SELECT table_name, row_count FROM monitor.refresh_log WHERE refreshed_at = :refreshed_at
