-- Improve: a counter that every change to a collaborative's charts moves on
-- (values, baselines, phases, exclusions, measures, teams, settings), so
-- that a server can keep the dashboard it computed until it changes.
ALTER TABLE imp_collaboratives ADD COLUMN data_version BIGINT NOT NULL DEFAULT 0;
