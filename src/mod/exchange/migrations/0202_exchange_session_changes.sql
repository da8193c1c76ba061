-- A conference session's time and room can be changed after attendees
-- have chosen it (ex_session_update).
--
-- sequence: the session's change counter, its SEQUENCE in calendar feeds,
-- raised when its time or room changes.
-- ex_exchanges.session_changes: a counter per conference, raised once for
-- each such change of a chosen session; the change is written on the
-- choices it concerns (change_seq), and the notice job sends each chooser
-- one email per change number (ex_notices kind 'session'), so a notice is
-- owed only to those who had chosen the session when it changed.
ALTER TABLE ex_sessions ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ex_exchanges ADD COLUMN session_changes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ex_session_choices ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
