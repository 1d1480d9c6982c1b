-- The catalog holding demo.job_settings (simulated workspaces only; empty elsewhere).
SELECT table_catalog FROM information_schema.tables
WHERE table_schema = 'demo' AND table_name = 'job_settings'
ORDER BY table_catalog
