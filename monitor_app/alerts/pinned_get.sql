-- The alert panel a user pinned to the overview (app_state.settings, latest version wins).
SELECT value, set_at
FROM app_state.settings
WHERE key = :key
ORDER BY set_at DESC
LIMIT 1
