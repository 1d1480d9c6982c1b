-- A new version of a user's pinned alert panel (never updated in place).
INSERT INTO app_state.settings (key, value, set_by, set_at) VALUES (:key, :value, :set_by, :set_at)
