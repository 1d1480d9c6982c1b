-- The derived model's relations present in the embedded workspace (server start: an older file lacks some).
SELECT table_name FROM information_schema.tables WHERE table_schema = 'monitor'
