-- Each exchange keeps how many of its registrations are in each state and
-- the highest request sequence given, so that a sign-up reads them with the
-- row it locks instead of counting every registration (ex_store.c keeps
-- them in the transaction of every change, under that lock; the UNIQUE
-- (exchange_id, seq) constraint refuses a sequence given twice).
ALTER TABLE ex_exchanges ADD COLUMN n_pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ex_exchanges ADD COLUMN n_confirmed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ex_exchanges ADD COLUMN n_waitlisted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ex_exchanges ADD COLUMN n_offered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ex_exchanges ADD COLUMN n_declined INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ex_exchanges ADD COLUMN n_cancelled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ex_exchanges ADD COLUMN n_attended INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ex_exchanges ADD COLUMN n_no_show INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ex_exchanges ADD COLUMN max_seq BIGINT NOT NULL DEFAULT 0;
UPDATE ex_exchanges SET
	n_pending = (SELECT COUNT(*) FROM ex_registrations r
		WHERE r.exchange_id = ex_exchanges.id AND r.state = 'pending'),
	n_confirmed = (SELECT COUNT(*) FROM ex_registrations r
		WHERE r.exchange_id = ex_exchanges.id AND r.state = 'confirmed'),
	n_waitlisted = (SELECT COUNT(*) FROM ex_registrations r
		WHERE r.exchange_id = ex_exchanges.id AND r.state = 'waitlisted'),
	n_offered = (SELECT COUNT(*) FROM ex_registrations r
		WHERE r.exchange_id = ex_exchanges.id AND r.state = 'offered'),
	n_declined = (SELECT COUNT(*) FROM ex_registrations r
		WHERE r.exchange_id = ex_exchanges.id AND r.state = 'declined'),
	n_cancelled = (SELECT COUNT(*) FROM ex_registrations r
		WHERE r.exchange_id = ex_exchanges.id AND r.state = 'cancelled'),
	n_attended = (SELECT COUNT(*) FROM ex_registrations r
		WHERE r.exchange_id = ex_exchanges.id AND r.state = 'attended'),
	n_no_show = (SELECT COUNT(*) FROM ex_registrations r
		WHERE r.exchange_id = ex_exchanges.id AND r.state = 'no_show'),
	max_seq = (SELECT COALESCE(MAX(seq), 0) FROM ex_registrations r
		WHERE r.exchange_id = ex_exchanges.id);
