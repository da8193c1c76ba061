-- Exchange: programmes of knowledge exchanges, nominations, registration
-- with a waiting list, the residential conference, the innovation showcase,
-- insights and calendar feeds. Same SQL on SQLite and PostgreSQL (see
-- src/db/db.h). Times are Unix seconds (UTC); pages show them in
-- Europe/London (src/mod/exchange/ex_time.h).
--
-- Places are counted, never stored as a counter: a sign-up locks its
-- exchange row ({{for_update}}) in a write transaction and counts the
-- registrations that hold a place (src/mod/exchange/ex_store.c).

-- A programme: a series of exchanges (and usually one conference).
-- offer_hours: how long a place offered from the waiting list is held.
-- pending_holds_place: 1 when a registration awaiting approval keeps its
-- place. allotments_release_at: when unused nomination places go back to
-- the general pool (NULL: never).
CREATE TABLE ex_programmes (
	id {{id}},
	slug TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	summary TEXT NOT NULL DEFAULT '',
	signup_opens_at BIGINT NOT NULL,
	signup_deadline BIGINT NOT NULL,
	approval_needed INTEGER NOT NULL DEFAULT 0,
	pending_holds_place INTEGER NOT NULL DEFAULT 0,
	offer_hours INTEGER NOT NULL DEFAULT 48 CHECK (offer_hours BETWEEN 1 AND 720),
	allotments_release_at BIGINT,
	allotments_released_at BIGINT,
	needs_retention_days INTEGER NOT NULL DEFAULT 30 CHECK (needs_retention_days >= 0),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	CHECK (signup_deadline > signup_opens_at)
);

CREATE TABLE ex_themes (
	id {{id}},
	programme_id BIGINT NOT NULL REFERENCES ex_programmes (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	name TEXT NOT NULL,
	summary TEXT NOT NULL DEFAULT '',
	UNIQUE (programme_id, name)
);

-- Places set aside for each organisation's nominations.
CREATE TABLE ex_allotments (
	id {{id}},
	programme_id BIGINT NOT NULL REFERENCES ex_programmes (id) ON DELETE CASCADE,
	org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	places INTEGER NOT NULL CHECK (places >= 0),
	UNIQUE (programme_id, org_id)
);

-- A nomination and its history: a swap closes the old row (state
-- 'swapped', replaced_by set) and opens a new one (replaces set), so the
-- chain shows every change. Active states: nominated, approved, accepted.
CREATE TABLE ex_nominations (
	id {{id}},
	programme_id BIGINT NOT NULL REFERENCES ex_programmes (id) ON DELETE CASCADE,
	org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	state TEXT NOT NULL CHECK (state IN ('nominated', 'approved', 'rejected', 'accepted',
		'declined', 'withdrawn', 'swapped')),
	nominated_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
	replaces BIGINT REFERENCES ex_nominations (id) ON DELETE SET NULL,
	replaced_by BIGINT REFERENCES ex_nominations (id) ON DELETE SET NULL,
	decided_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
	note TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX ex_nominations_org ON ex_nominations (programme_id, org_id, state);
CREATE INDEX ex_nominations_user ON ex_nominations (user_id);

-- A knowledge exchange, or the conference itself (kind 'conference').
-- host_team_id names a team of the Improve module when there is one; it is
-- not a foreign key so that an exchange can be hosted by a team that has no
-- improvement project. online_url is shown only to confirmed attendees.
-- reserved_places: places held for nominations (the conference); they
-- stop being held once the programme's allotments are released.
-- sequence: RFC 5545 SEQUENCE, raised by every change attendees must hear
-- of (time, place, cancellation).
CREATE TABLE ex_exchanges (
	id {{id}},
	programme_id BIGINT NOT NULL REFERENCES ex_programmes (id) ON DELETE CASCADE,
	kind TEXT NOT NULL DEFAULT 'exchange' CHECK (kind IN ('exchange', 'conference')),
	host_org_id BIGINT REFERENCES organisations (id) ON DELETE SET NULL,
	host_team_id BIGINT,
	host_team_name TEXT NOT NULL DEFAULT '',
	theme_id BIGINT REFERENCES ex_themes (id) ON DELETE SET NULL,
	topic TEXT NOT NULL,
	mode TEXT NOT NULL CHECK (mode IN ('online', 'on_site', 'hybrid')),
	address TEXT NOT NULL DEFAULT '',
	region TEXT NOT NULL DEFAULT '',
	access_info TEXT NOT NULL DEFAULT '',
	online_url TEXT NOT NULL DEFAULT '',
	starts_at BIGINT NOT NULL,
	ends_at BIGINT NOT NULL,
	capacity INTEGER NOT NULL CHECK (capacity >= 0),
	reserved_places INTEGER NOT NULL DEFAULT 0 CHECK (reserved_places >= 0),
	description_md TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('draft', 'published',
		'cancelled')),
	sequence INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	CHECK (ends_at > starts_at)
);
CREATE INDEX ex_exchanges_programme ON ex_exchanges (programme_id, starts_at);
CREATE INDEX ex_exchanges_host ON ex_exchanges (host_org_id);

-- One registration per person per exchange. seq is the order of asking,
-- given under the exchange's row lock, so the waiting list is ordered by
-- it. offer_expires_at is set while state = 'offered'.
CREATE TABLE ex_registrations (
	id {{id}},
	exchange_id BIGINT NOT NULL REFERENCES ex_exchanges (id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	state TEXT NOT NULL CHECK (state IN ('pending', 'confirmed', 'waitlisted', 'offered',
		'declined', 'cancelled', 'attended', 'no_show')),
	seq BIGINT NOT NULL,
	nomination_id BIGINT REFERENCES ex_nominations (id) ON DELETE SET NULL,
	requested_at BIGINT NOT NULL,
	offered_at BIGINT,
	offer_expires_at BIGINT,
	decided_at BIGINT,
	checked_in_at BIGINT,
	reason TEXT NOT NULL DEFAULT '',
	updated_at BIGINT NOT NULL,
	UNIQUE (exchange_id, user_id),
	UNIQUE (exchange_id, seq)
);
CREATE INDEX ex_registrations_state ON ex_registrations (exchange_id, state, seq);
CREATE INDEX ex_registrations_user ON ex_registrations (user_id);
CREATE INDEX ex_registrations_offers ON ex_registrations (state, offer_expires_at);

-- Emails already sent for a registration (reminders are sent once).
CREATE TABLE ex_notices (
	id {{id}},
	registration_id BIGINT NOT NULL REFERENCES ex_registrations (id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	sequence INTEGER NOT NULL DEFAULT 0,
	sent_at BIGINT NOT NULL,
	UNIQUE (registration_id, kind, sequence)
);

-- The conference: days, rooms, sessions.
CREATE TABLE ex_conf_days (
	id {{id}},
	exchange_id BIGINT NOT NULL REFERENCES ex_exchanges (id) ON DELETE CASCADE,
	day_date TEXT NOT NULL,
	label TEXT NOT NULL DEFAULT '',
	UNIQUE (exchange_id, day_date)
);

CREATE TABLE ex_rooms (
	id {{id}},
	exchange_id BIGINT NOT NULL REFERENCES ex_exchanges (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	capacity INTEGER NOT NULL CHECK (capacity >= 0),
	access_info TEXT NOT NULL DEFAULT '',
	UNIQUE (exchange_id, name)
);

-- capacity NULL: the room's. needs_choice: attendees choose it (workshops).
CREATE TABLE ex_sessions (
	id {{id}},
	exchange_id BIGINT NOT NULL REFERENCES ex_exchanges (id) ON DELETE CASCADE,
	day_id BIGINT REFERENCES ex_conf_days (id) ON DELETE SET NULL,
	room_id BIGINT REFERENCES ex_rooms (id) ON DELETE SET NULL,
	kind TEXT NOT NULL CHECK (kind IN ('reception', 'keynote', 'workshop', 'showcase',
		'networking', 'plenary', 'break')),
	title TEXT NOT NULL,
	summary_md TEXT NOT NULL DEFAULT '',
	starts_at BIGINT NOT NULL,
	ends_at BIGINT NOT NULL,
	capacity INTEGER CHECK (capacity >= 0),
	needs_choice INTEGER NOT NULL DEFAULT 0,
	CHECK (ends_at > starts_at)
);
CREATE INDEX ex_sessions_exchange ON ex_sessions (exchange_id, starts_at);

CREATE TABLE ex_session_choices (
	id {{id}},
	session_id BIGINT NOT NULL REFERENCES ex_sessions (id) ON DELETE CASCADE,
	registration_id BIGINT NOT NULL REFERENCES ex_registrations (id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	UNIQUE (session_id, registration_id)
);
CREATE INDEX ex_session_choices_reg ON ex_session_choices (registration_id);

-- Nights booked, one row per night (the date of the evening).
CREATE TABLE ex_accommodation (
	id {{id}},
	registration_id BIGINT NOT NULL REFERENCES ex_registrations (id) ON DELETE CASCADE,
	night_date TEXT NOT NULL,
	UNIQUE (registration_id, night_date)
);

-- Dietary and access needs: personal data, kept apart so that it is shown
-- only to organisers and the venue, and deleted purge_after seconds after
-- the event by `collective jobs run`.
CREATE TABLE ex_needs (
	id {{id}},
	registration_id BIGINT NOT NULL UNIQUE REFERENCES ex_registrations (id) ON DELETE CASCADE,
	dietary TEXT NOT NULL DEFAULT '',
	access TEXT NOT NULL DEFAULT '',
	purge_after BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX ex_needs_purge ON ex_needs (purge_after);

-- The innovation showcase.
CREATE TABLE ex_showcase_calls (
	id {{id}},
	exchange_id BIGINT NOT NULL UNIQUE REFERENCES ex_exchanges (id) ON DELETE CASCADE,
	opens_at BIGINT NOT NULL,
	closes_at BIGINT NOT NULL,
	guidance_md TEXT NOT NULL DEFAULT '',
	CHECK (closes_at > opens_at)
);

-- improve_project_id: an Improve project whose aim and live chart fill in
-- the submission (no foreign key: the Improve module is optional).
CREATE TABLE ex_submissions (
	id {{id}},
	call_id BIGINT NOT NULL REFERENCES ex_showcase_calls (id) ON DELETE CASCADE,
	submitter_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
	org_id BIGINT REFERENCES organisations (id) ON DELETE SET NULL,
	team_name TEXT NOT NULL DEFAULT '',
	title TEXT NOT NULL,
	summary TEXT NOT NULL,
	evidence TEXT NOT NULL DEFAULT '',
	improve_project_id BIGINT,
	state TEXT NOT NULL DEFAULT 'submitted' CHECK (state IN ('submitted', 'accepted',
		'rejected', 'withdrawn')),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX ex_submissions_call ON ex_submissions (call_id, state);

CREATE TABLE ex_reviews (
	id {{id}},
	submission_id BIGINT NOT NULL REFERENCES ex_submissions (id) ON DELETE CASCADE,
	reviewer_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
	comments TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	UNIQUE (submission_id, reviewer_id)
);

CREATE TABLE ex_showcase_slots (
	id {{id}},
	session_id BIGINT NOT NULL REFERENCES ex_sessions (id) ON DELETE CASCADE,
	submission_id BIGINT NOT NULL UNIQUE REFERENCES ex_submissions (id) ON DELETE CASCADE,
	starts_at BIGINT NOT NULL,
	ends_at BIGINT NOT NULL,
	position TEXT NOT NULL DEFAULT '',
	CHECK (ends_at > starts_at)
);

-- Insights from an exchange: by the host (by_host = 1) or an attendee.
CREATE TABLE ex_insights (
	id {{id}},
	exchange_id BIGINT NOT NULL REFERENCES ex_exchanges (id) ON DELETE CASCADE,
	author_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
	by_host INTEGER NOT NULL DEFAULT 0,
	learned TEXT NOT NULL DEFAULT '',
	ideas TEXT NOT NULL DEFAULT '',
	actions TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX ex_insights_exchange ON ex_insights (exchange_id);

-- A personal calendar feed: the URL carries a random secret; only its hash
-- is stored. Revoking makes a new one.
CREATE TABLE ex_feeds (
	id {{id}},
	user_id BIGINT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
	secret_hash TEXT NOT NULL UNIQUE,
	created_at BIGINT NOT NULL
);
