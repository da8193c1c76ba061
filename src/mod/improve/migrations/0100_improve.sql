-- Improve: improvement collaboratives. Same SQL on SQLite and PostgreSQL
-- (see src/db/db.h). Times are Unix seconds (UTC); calendar dates (periods,
-- aims, learning-session days) are TEXT 'YYYY-MM-DD', which sorts and
-- compares correctly on both databases. Periods are named by their first
-- day: the first of the month for monthly data, the Monday for weekly.
--
-- Who may do what is not stored here: roles are rows of the accounts
-- module's memberships table, on scope 'collab' (collab_admin, faculty,
-- coach, viewer) and scope 'team' (team_member, coach). A team's parents
-- are its organisation (where an org_lead sees it) and its collaborative.
-- Changes are written to the accounts module's audit_log in the same
-- transaction (src/mod/improve/imp_store.c).

-- A collaborative. rule_set names the SPC engine's rule set (spc_rules_name:
-- "anhoej", "ihi", "mdc", "we", "nelson"). data_visibility: who sees a team's
-- measure data: 'collaborative' (every member of the collaborative),
-- 'faculty' (the team, its organisation and the faculty; others see only
-- aggregates) or 'team' (the team and the faculty). Change ideas and PDSA
-- lessons are always visible to the whole collaborative.
CREATE TABLE imp_collaboratives (
	id {{id}},
	slug TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	aim TEXT NOT NULL DEFAULT '',
	summary TEXT NOT NULL DEFAULT '',
	starts_on TEXT NOT NULL,
	ends_on TEXT NOT NULL,
	rule_set TEXT NOT NULL DEFAULT 'mdc',
	data_visibility TEXT NOT NULL DEFAULT 'collaborative'
		CHECK (data_visibility IN ('collaborative', 'faculty', 'team')),
	suppression_threshold INTEGER NOT NULL DEFAULT 5 CHECK (suppression_threshold BETWEEN 1 AND 100),
	funnel_method TEXT NOT NULL DEFAULT 'exact' CHECK (funnel_method IN ('exact', 'normal')),
	host_org_id BIGINT REFERENCES organisations (id) ON DELETE SET NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	CHECK (ends_on > starts_on)
);

-- Learning sessions; the action periods are the gaps between them.
CREATE TABLE imp_learning_sessions (
	id {{id}},
	collaborative_id BIGINT NOT NULL REFERENCES imp_collaboratives (id) ON DELETE CASCADE,
	number INTEGER NOT NULL,
	title TEXT NOT NULL,
	starts_at BIGINT NOT NULL,
	ends_at BIGINT NOT NULL,
	mode TEXT NOT NULL CHECK (mode IN ('online', 'in_person', 'hybrid')),
	place TEXT NOT NULL DEFAULT '',
	agenda TEXT NOT NULL DEFAULT '',
	UNIQUE (collaborative_id, number),
	CHECK (ends_at >= starts_at)
);

CREATE TABLE imp_member_orgs (
	collaborative_id BIGINT NOT NULL REFERENCES imp_collaboratives (id) ON DELETE CASCADE,
	org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	joined_on TEXT NOT NULL,
	PRIMARY KEY (collaborative_id, org_id)
);

-- Stratum kinds (ethnicity, sex, age band) and their groups, per
-- collaborative so that every team splits data the same way. One group
-- of a kind may be the reference for rate ratios.
CREATE TABLE imp_strata_kinds (
	id {{id}},
	collaborative_id BIGINT NOT NULL REFERENCES imp_collaboratives (id) ON DELETE CASCADE,
	code TEXT NOT NULL,
	name TEXT NOT NULL,
	UNIQUE (collaborative_id, code)
);

CREATE TABLE imp_strata_groups (
	id {{id}},
	kind_id BIGINT NOT NULL REFERENCES imp_strata_kinds (id) ON DELETE CASCADE,
	code TEXT NOT NULL,
	name TEXT NOT NULL,
	position INTEGER NOT NULL DEFAULT 0,
	is_reference INTEGER NOT NULL DEFAULT 0 CHECK (is_reference IN (0, 1)),
	UNIQUE (kind_id, code)
);

-- A team: a ward or service of a member organisation.
CREATE TABLE imp_teams (
	id {{id}},
	collaborative_id BIGINT NOT NULL REFERENCES imp_collaboratives (id) ON DELETE CASCADE,
	org_id BIGINT NOT NULL REFERENCES organisations (id),
	code TEXT NOT NULL,
	name TEXT NOT NULL,
	service TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	UNIQUE (collaborative_id, code)
);
CREATE INDEX imp_teams_org ON imp_teams (org_id);

-- A team's improvement project: its aim (what, how much, by when).
CREATE TABLE imp_projects (
	id {{id}},
	team_id BIGINT NOT NULL REFERENCES imp_teams (id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	aim_what TEXT NOT NULL DEFAULT '',
	aim_how_much TEXT NOT NULL DEFAULT '',
	aim_by_when TEXT,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX imp_projects_team ON imp_projects (team_id);

-- Driver diagrams as trees: aim -> primary -> secondary -> change idea.
-- A node belongs to a project, or (project_id NULL) to the collaborative's
-- own diagram, whose change ideas form the change package. A project's
-- change idea may say which package idea it tests (package_idea_id), so
-- that the collaborative can see ideas x teams.
CREATE TABLE imp_driver_nodes (
	id {{id}},
	collaborative_id BIGINT NOT NULL REFERENCES imp_collaboratives (id) ON DELETE CASCADE,
	project_id BIGINT REFERENCES imp_projects (id) ON DELETE CASCADE,
	parent_id BIGINT REFERENCES imp_driver_nodes (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('aim', 'primary', 'secondary', 'change_idea')),
	title TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT '',
	position INTEGER NOT NULL DEFAULT 0,
	package_idea_id BIGINT REFERENCES imp_driver_nodes (id) ON DELETE SET NULL
);
CREATE INDEX imp_driver_nodes_project ON imp_driver_nodes (project_id, parent_id);
CREATE INDEX imp_driver_nodes_collab ON imp_driver_nodes (collaborative_id, kind);

-- Measures. A shared measure belongs to the collaborative (project_id
-- NULL, shared = 1) and every team reports it the same way; a project's
-- own measure has project_id set. data_type: continuous, count,
-- proportion, rate. multiplier: 1000 for "per 1,000 occupied bed days",
-- 100 for percentages. chart: an SPC chart name (spc_chart_name).
CREATE TABLE imp_measures (
	id {{id}},
	collaborative_id BIGINT NOT NULL REFERENCES imp_collaboratives (id) ON DELETE CASCADE,
	project_id BIGINT REFERENCES imp_projects (id) ON DELETE CASCADE,
	shared INTEGER NOT NULL DEFAULT 0 CHECK (shared IN (0, 1)),
	code TEXT NOT NULL,
	name TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('outcome', 'process', 'balancing')),
	definition TEXT NOT NULL DEFAULT '',
	numerator_def TEXT NOT NULL DEFAULT '',
	denominator_def TEXT NOT NULL DEFAULT '',
	data_type TEXT NOT NULL CHECK (data_type IN ('continuous', 'count', 'proportion', 'rate')),
	multiplier DOUBLE PRECISION NOT NULL DEFAULT 1 CHECK (multiplier > 0),
	unit TEXT NOT NULL DEFAULT '',
	frequency TEXT NOT NULL DEFAULT 'monthly' CHECK (frequency IN ('monthly', 'weekly')),
	direction TEXT NOT NULL DEFAULT 'down' CHECK (direction IN ('up', 'down', 'neither')),
	target DOUBLE PRECISION,
	chart TEXT NOT NULL DEFAULT 'run',
	position INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	CHECK ((shared = 1 AND project_id IS NULL) OR (shared = 0 AND project_id IS NOT NULL))
);
CREATE INDEX imp_measures_collab ON imp_measures (collaborative_id, shared);
CREATE INDEX imp_measures_project ON imp_measures (project_id);

-- One value per team, measure and period. For ratio types numerator and
-- denominator are set and value is left NULL (worked out when shown); for
-- counts and continuous measures value is set. excluded: left out of the
-- centre line and limits, with the reason shown on the chart.
CREATE TABLE imp_data_points (
	id {{id}},
	measure_id BIGINT NOT NULL REFERENCES imp_measures (id) ON DELETE CASCADE,
	team_id BIGINT NOT NULL REFERENCES imp_teams (id) ON DELETE CASCADE,
	period TEXT NOT NULL,
	value DOUBLE PRECISION,
	numerator DOUBLE PRECISION,
	denominator DOUBLE PRECISION,
	notes TEXT,
	excluded INTEGER NOT NULL DEFAULT 0 CHECK (excluded IN (0, 1)),
	exclude_reason TEXT,
	entered_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
	entered_at BIGINT NOT NULL,
	UNIQUE (measure_id, team_id, period)
);
CREATE INDEX imp_data_points_team ON imp_data_points (team_id, period);

-- A data point's split by stratum group; the groups of one kind add up to
-- the point's numerator (and denominator), checked before storing.
CREATE TABLE imp_strata_values (
	point_id BIGINT NOT NULL REFERENCES imp_data_points (id) ON DELETE CASCADE,
	group_id BIGINT NOT NULL REFERENCES imp_strata_groups (id) ON DELETE CASCADE,
	numerator DOUBLE PRECISION NOT NULL,
	denominator DOUBLE PRECISION,
	PRIMARY KEY (point_id, group_id)
);

-- Baselines and phase changes, made only by a person with a reason. kind
-- 'baseline': the centre line and limits are worked out from from_period
-- to to_period and carried forward; 'phase': a new phase starts at
-- from_period, with its own centre line and limits.
CREATE TABLE imp_phase_changes (
	id {{id}},
	measure_id BIGINT NOT NULL REFERENCES imp_measures (id) ON DELETE CASCADE,
	team_id BIGINT NOT NULL REFERENCES imp_teams (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('baseline', 'phase')),
	from_period TEXT NOT NULL,
	to_period TEXT,
	reason TEXT NOT NULL CHECK (reason <> ''),
	created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
	created_at BIGINT NOT NULL,
	UNIQUE (measure_id, team_id, kind, from_period)
);

-- PDSA cycles, each testing one change idea of the team's project.
CREATE TABLE imp_pdsa_cycles (
	id {{id}},
	project_id BIGINT NOT NULL REFERENCES imp_projects (id) ON DELETE CASCADE,
	change_idea_id BIGINT NOT NULL REFERENCES imp_driver_nodes (id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	plan TEXT NOT NULL DEFAULT '',
	prediction TEXT NOT NULL DEFAULT '',
	do_notes TEXT NOT NULL DEFAULT '',
	study TEXT NOT NULL DEFAULT '',
	act TEXT CHECK (act IN ('adopt', 'adapt', 'abandon')),
	act_notes TEXT NOT NULL DEFAULT '',
	starts_on TEXT NOT NULL,
	ends_on TEXT,
	created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX imp_pdsa_project ON imp_pdsa_cycles (project_id, starts_on);
CREATE INDEX imp_pdsa_idea ON imp_pdsa_cycles (change_idea_id);

CREATE TABLE imp_pdsa_measures (
	cycle_id BIGINT NOT NULL REFERENCES imp_pdsa_cycles (id) ON DELETE CASCADE,
	measure_id BIGINT NOT NULL REFERENCES imp_measures (id) ON DELETE CASCADE,
	PRIMARY KEY (cycle_id, measure_id)
);

-- The monthly team report: the team's narrative and score, the coach's
-- score and notes, side by side. Scores are half points 1..10 (0.5..5.0).
CREATE TABLE imp_monthly_reports (
	id {{id}},
	team_id BIGINT NOT NULL REFERENCES imp_teams (id) ON DELETE CASCADE,
	month TEXT NOT NULL,
	narrative TEXT NOT NULL DEFAULT '',
	team_score INTEGER CHECK (team_score BETWEEN 1 AND 10),
	team_scored_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
	team_scored_at BIGINT,
	coach_score INTEGER CHECK (coach_score BETWEEN 1 AND 10),
	coach_scored_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
	coach_scored_at BIGINT,
	coaching_notes TEXT NOT NULL DEFAULT '',
	UNIQUE (team_id, month)
);
