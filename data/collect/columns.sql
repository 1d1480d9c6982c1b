-- One table's columns as Unity Catalog lists them now: a snapshot for PIPE-02 (information_schema keeps no
-- history; the app keeps the snapshots in collected.column_snapshots).
SELECT column_name, full_data_type, is_nullable, ordinal_position
FROM system.information_schema.columns
WHERE table_catalog = :table_catalog
  AND table_schema = :table_schema
  AND table_name = :table_name
ORDER BY ordinal_position
