/*
 * imp_demo_load.c - writes the demonstration collaborative (imp_demo.h)
 * into a database that already holds the accounts module's demo data
 * (the health boards and the demo users), in one write transaction.
 *
 * Roles given to the accounts demo users: the team member works on the two
 * Cardiff wards, the coach coaches six wards (Cardiff, Swansea, Hywel Dda),
 * so that "own" and "other" teams exist for the authorization tests.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "mod/accounts/acct.h"
#include "mod/improve/imp_demo.h"
#include "mod/improve/imp_store.h"

static int64_t day_to_unix(int32_t day, int hour)
{
	return (int64_t)day * 86400 + (int64_t)hour * 3600;
}

static void month_text(const struct imp_demo *d, int m, int day, char *out, size_t size)
{
	imp_day_format(imp_month_add(d->first_month, m) + day - 1, out, size);
}

static int user_id(struct db_conn *c, const char *email, int64_t *id, struct co_err *e)
{
	int rc = db_query_int(c, "SELECT id FROM users WHERE email = ?", DB_ARGS(DB_T(email)), id,
	                      e);

	if (rc == CO_ENOTFOUND) {
		*id = 0;
		return 0;
	}
	return rc;
}

static int member(struct db_conn *c, const char *email, const char *scope, int64_t scope_id,
                  const char *role, struct co_err *e)
{
	int64_t uid;
	int rc = user_id(c, email, &uid, e);

	if (rc < 0 || uid == 0)
		return rc;
	return acct_membership_add(c, 0, uid, scope, scope_id, role, e);
}

/* A second, small collaborative that the demo users have no role in, so
 * that "another collaborative" and "another team" exist for the access
 * tests; two wards, no data yet. */
static int load_second(struct db_conn *c, int64_t now, struct co_err *e)
{
	static const struct {
		const char *org, *code, *name, *service;
	} wards[] = {
	        {"SBUHB", "SB-REHAB", "Rehabilitation ward, Swansea", "Adult rehabilitation"},
	        {"PTHB", "PT-ADM", "Adult ward, Powys", "Adult acute inpatient care"},
	};
	int64_t collab, org;
	size_t i;
	int rc;

	rc = db_query_int(
	        c,
	        "INSERT INTO imp_collaboratives (slug, name, aim, summary, starts_on, "
	        "ends_on, rule_set, created_at, updated_at) VALUES ('physical-health', "
	        "'Physical health checks on inpatient wards', 'Every patient has a full "
	        "physical health check within 72 hours of admission.', 'Two wards test "
	        "ways to make the check routine.', '2026-03-01', '2027-02-28', 'anhoej', ?, "
	        "?) RETURNING id",
	        DB_ARGS(DB_I(now), DB_I(now)), &collab, e);
	for (i = 0; rc == 0 && i < sizeof(wards) / sizeof(wards[0]); i++) {
		rc = db_query_int(c, "SELECT id FROM organisations WHERE code = ?",
		                  DB_ARGS(DB_T(wards[i].org)), &org, e);
		if (rc == 0)
			rc = db_exec(
			        c,
			        "INSERT INTO imp_member_orgs (collaborative_id, org_id, joined_on) "
			        "VALUES (?, ?, '2026-03-01')",
			        DB_ARGS(DB_I(collab), DB_I(org)), NULL, e);
		if (rc == 0)
			rc = db_exec(c,
			             "INSERT INTO imp_teams (collaborative_id, org_id, code, name, "
			             "service, "
			             "created_at) VALUES (?, ?, ?, ?, ?, ?)",
			             DB_ARGS(DB_I(collab), DB_I(org), DB_T(wards[i].code),
			                     DB_T(wards[i].name), DB_T(wards[i].service),
			                     DB_I(now)),
			             NULL, e);
	}
	return rc;
}

/* Demo accounts for the collaborative's own roles, with the demo password. */
static int demo_users(struct db_conn *c, int64_t collab, const char *password, struct co_err *e)
{
	static const struct {
		const char *email, *name, *role;
	} users[] = {
	        {"collab.admin@demo.collective.test", "Demo collaborative admin", "collab_admin"},
	        {"faculty@demo.collective.test", "Demo improvement faculty", "faculty"},
	        {"viewer@demo.collective.test", "Demo collaborative viewer", "viewer"},
	};
	size_t i;
	int64_t uid;
	int rc = 0;

	for (i = 0; rc == 0 && i < sizeof(users) / sizeof(users[0]); i++) {
		rc = acct_user_create(c, 0, users[i].email, users[i].name, password, "en", &uid, e);
		if (rc == 0)
			rc = acct_membership_add(c, 0, uid, "collab", collab, users[i].role, e);
	}
	/* the team member and the coach read the collaborative's views */
	if (rc == 0)
		rc = member(c, "team@demo.collective.test", "collab", collab, "viewer", e);
	if (rc == 0)
		rc = member(c, "coach@demo.collective.test", "collab", collab, "viewer", e);
	return rc;
}

static int load(struct db_conn *c, const struct imp_demo *d, struct co_arena *a,
                const char *password, struct co_err *e)
{
	int64_t now = (int64_t)imp_days_from_civil(2026, 9, 1) * 86400, collab, kind, id, n;
	int64_t team_ids[IMP_DEMO_TEAMS], project_ids[IMP_DEMO_TEAMS], org_ids[IMP_DEMO_TEAMS];
	int64_t group_ids[IMP_DEMO_GROUPS], measure_ids[IMP_DEMO_MEASURES];
	int64_t *pkg_ids, *node_ids;
	struct imp_point *pts;
	char from[16], to[16];
	int i, t, g, rc;

	if ((rc = db_query_int(c, "SELECT COUNT(*) FROM imp_collaboratives WHERE slug = ?",
	                       DB_ARGS(DB_T(d->slug)), &n, e)) < 0)
		return rc;
	if (n > 0)
		return co_errf(e, CO_ECONFLICT,
		               "the demonstration collaborative is already loaded");
	rc = db_query_int(
	        c,
	        "INSERT INTO imp_collaboratives (slug, name, aim, summary, starts_on, "
	        "ends_on, rule_set, host_org_id, created_at, updated_at) VALUES (?, ?, ?, "
	        "?, ?, ?, ?, (SELECT id FROM organisations WHERE code = 'NHSWPI'), ?, ?) "
	        "RETURNING id",
	        DB_ARGS(DB_T(d->slug), DB_T(d->name), DB_T(d->aim), DB_T(d->summary),
	                DB_T(d->starts_on), DB_T(d->ends_on), DB_T(d->rule_set), DB_I(now),
	                DB_I(now)),
	        &collab, e);
	if (rc < 0)
		return rc;
	for (i = 0; i < 6; i++) {
		const struct imp_demo_session *s = &d->sessions[i];
		int32_t day;

		if (imp_day_parse(s->date, &day))
			return co_errf(e, CO_EINTERNAL, "bad demo date");
		rc = db_exec(
		        c,
		        "INSERT INTO imp_learning_sessions (collaborative_id, number, title, "
		        "starts_at, ends_at, mode, place, agenda) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		        DB_ARGS(DB_I(collab), DB_I(s->number), DB_T(s->title),
		                DB_I(day_to_unix(day, 9)), DB_I(day_to_unix(day, 16)),
		                DB_T(s->mode), DB_T(s->place), DB_T(s->agenda)),
		        NULL, e);
		if (rc < 0)
			return rc;
	}
	/* stratum kind and groups */
	rc = db_query_int(c,
	                  "INSERT INTO imp_strata_kinds (collaborative_id, code, name) VALUES (?, "
	                  "'ethnicity', 'Ethnic group') RETURNING id",
	                  DB_ARGS(DB_I(collab)), &kind, e);
	if (rc < 0)
		return rc;
	for (g = 0; g < IMP_DEMO_GROUPS; g++) {
		rc = db_query_int(c,
		                  "INSERT INTO imp_strata_groups (kind_id, code, name, position, "
		                  "is_reference) VALUES (?, ?, ?, ?, ?) RETURNING id",
		                  DB_ARGS(DB_I(kind), DB_T(d->groups[g].code),
		                          DB_T(d->groups[g].name), DB_I(g),
		                          DB_I(d->groups[g].is_reference)),
		                  &group_ids[g], e);
		if (rc < 0)
			return rc;
	}
	/* shared measures */
	for (i = 0; i < IMP_DEMO_MEASURES; i++) {
		const struct imp_demo_measure *m = &d->measures[i];

		rc = db_query_int(
		        c,
		        "INSERT INTO imp_measures (collaborative_id, project_id, shared, code, "
		        "name, "
		        "kind, definition, numerator_def, denominator_def, data_type, multiplier, "
		        "unit, "
		        "frequency, direction, target, chart, position, created_at) VALUES (?, "
		        "NULL, 1, "
		        "?, ?, ?, ?, ?, ?, ?, ?, ?, 'monthly', ?, ?, ?, ?, ?) RETURNING id",
		        DB_ARGS(DB_I(collab), DB_T(m->code), DB_T(m->name), DB_T(m->kind),
		                DB_T(m->definition), DB_T(m->numerator_def),
		                DB_T(m->denominator_def), DB_T(m->data_type), DB_R(m->multiplier),
		                DB_T(m->unit), DB_T(m->direction),
		                isnan(m->target) ? DB_NUL : DB_R(m->target), DB_T(m->chart),
		                DB_I(i), DB_I(now)),
		        &measure_ids[i], e);
		if (rc < 0)
			return rc;
	}
	/* the change package */
	pkg_ids = co_arena_calloc(a, (size_t)d->nnodes, sizeof(int64_t));
	node_ids = co_arena_calloc(a, (size_t)d->nnodes * IMP_DEMO_TEAMS, sizeof(int64_t));
	if (!pkg_ids || !node_ids)
		return co_errf(e, CO_ENOMEM, "out of memory");
	for (i = 0; i < d->nnodes; i++) {
		const struct imp_demo_node *nd = &d->nodes[i];

		rc = db_query_int(
		        c,
		        "INSERT INTO imp_driver_nodes (collaborative_id, project_id, "
		        "parent_id, kind, title, detail, position) VALUES (?, NULL, ?, ?, ?, "
		        "?, ?) RETURNING id",
		        DB_ARGS(DB_I(collab), nd->parent >= 0 ? DB_I(pkg_ids[nd->parent]) : DB_NUL,
		                DB_T(nd->kind), DB_T(nd->title), DB_T(nd->detail), DB_I(i)),
		        &pkg_ids[i], e);
		if (rc < 0)
			return rc;
	}
	/* organisations, teams, projects and their driver diagrams */
	for (t = 0; t < IMP_DEMO_TEAMS; t++) {
		const struct imp_demo_team *tm = &d->teams[t];
		char title[256];

		rc = db_query_int(c, "SELECT id FROM organisations WHERE name = ?",
		                  DB_ARGS(DB_T(tm->org_name)), &org_ids[t], e);
		if (rc == CO_ENOTFOUND)
			return co_errf(
			        e, CO_ENOTFOUND,
			        "the organisation '%s' is missing: load the accounts demo first",
			        tm->org_name);
		if (rc < 0)
			return rc;
		rc = db_exec(
		        c,
		        "INSERT INTO imp_member_orgs (collaborative_id, org_id, joined_on) VALUES "
		        "(?, ?, ?) ON CONFLICT (collaborative_id, org_id) DO NOTHING",
		        DB_ARGS(DB_I(collab), DB_I(org_ids[t]), DB_T(d->starts_on)), NULL, e);
		if (rc < 0)
			return rc;
		rc = db_query_int(
		        c,
		        "INSERT INTO imp_teams (collaborative_id, org_id, code, name, service, "
		        "created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
		        DB_ARGS(DB_I(collab), DB_I(org_ids[t]), DB_T(tm->code), DB_T(tm->name),
		                DB_T(tm->service), DB_I(now)),
		        &team_ids[t], e);
		if (rc < 0)
			return rc;
		snprintf(title, sizeof(title), "Fewer restrictive interventions: %s", tm->name);
		rc = db_query_int(
		        c,
		        "INSERT INTO imp_projects (team_id, title, aim_what, aim_how_much, "
		        "aim_by_when, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
		        "RETURNING id",
		        DB_ARGS(DB_I(team_ids[t]), DB_T(title),
		                DB_T("Reduce restrictive practice on the ward"),
		                DB_T("30% below the baseline median rate"), DB_T(d->ends_on),
		                DB_I(now), DB_I(now)),
		        &project_ids[t], e);
		if (rc < 0)
			return rc;
		for (i = 0; i < d->nnodes; i++) {
			const struct imp_demo_node *nd = &d->nodes[i];
			int64_t *mine = &node_ids[t * d->nnodes + i];
			int is_idea = strcmp(nd->kind, "change_idea") == 0;

			rc = db_query_int(
			        c,
			        "INSERT INTO imp_driver_nodes (collaborative_id, project_id, "
			        "parent_id, "
			        "kind, title, detail, position, package_idea_id) VALUES (?, ?, ?, "
			        "?, ?, "
			        "?, ?, ?) RETURNING id",
			        DB_ARGS(DB_I(collab), DB_I(project_ids[t]),
			                nd->parent >= 0 ? DB_I(node_ids[t * d->nnodes + nd->parent])
			                                : DB_NUL,
			                DB_T(nd->kind), DB_T(nd->title), DB_T(nd->detail), DB_I(i),
			                is_idea ? DB_I(pkg_ids[i]) : DB_NUL),
			        mine, e);
			if (rc < 0)
				return rc;
		}
	}
	/* data */
	pts = co_arena_calloc(a, (size_t)d->npoints, sizeof(*pts));
	if (!pts)
		return co_errf(e, CO_ENOMEM, "out of memory");
	for (i = 0; i < d->npoints; i++) {
		const struct imp_demo_point *p = &d->points[i];

		pts[i].team_id = team_ids[p->team];
		pts[i].measure_id = measure_ids[p->measure];
		pts[i].type = IMP_DATA_RATE;
		if (strcmp(d->measures[p->measure].data_type, "proportion") == 0)
			pts[i].type = IMP_DATA_PROPORTION;
		pts[i].period = imp_month_add(d->first_month, p->month);
		pts[i].numerator = p->num;
		pts[i].denominator = p->den;
		pts[i].value = p->num / p->den;
		pts[i].notes = p->notes;
		if (d->measures[p->measure].stratified) {
			pts[i].strata = co_arena_calloc(a, IMP_DEMO_GROUPS, sizeof(*pts[i].strata));
			if (!pts[i].strata)
				return co_errf(e, CO_ENOMEM, "out of memory");
			for (g = 0; g < IMP_DEMO_GROUPS; g++) {
				pts[i].strata[g].group_id = group_ids[g];
				pts[i].strata[g].numerator = p->gnum[g];
				pts[i].strata[g].denominator = p->gden[g];
			}
			pts[i].nstrata = IMP_DEMO_GROUPS;
		}
	}
	if ((rc = imp_store_save_points(c, 0, pts, d->npoints, now, e)) < 0)
		return rc;
	/* the faculty's baselines, set explicitly with a reason */
	month_text(d, 0, 1, from, sizeof(from));
	month_text(d, d->baseline_months - 1, 1, to, sizeof(to));
	for (t = 0; t < IMP_DEMO_TEAMS; t++)
		for (i = 0; i < IMP_DEMO_MEASURES; i++)
			if ((rc = db_exec(
			             c,
			             "INSERT INTO imp_phase_changes (measure_id, team_id, kind, "
			             "from_period, to_period, reason, created_at) VALUES (?, ?, "
			             "'baseline', ?, ?, ?, ?)",
			             DB_ARGS(DB_I(measure_ids[i]), DB_I(team_ids[t]), DB_T(from),
			                     DB_T(to), DB_T(d->baseline_reason), DB_I(now)),
			             NULL, e)) < 0)
				return rc;
	/* PDSA cycles, linked to the outcome and process measures */
	for (i = 0; i < d->ncycles; i++) {
		const struct imp_demo_cycle *y = &d->cycles[i];

		month_text(d, y->start_month, y->start_day, from, sizeof(from));
		if (y->end_month >= 0)
			month_text(d, y->end_month, y->end_day, to, sizeof(to));
		rc = db_query_int(
		        c,
		        "INSERT INTO imp_pdsa_cycles (project_id, change_idea_id, title, plan, "
		        "prediction, do_notes, study, act, act_notes, starts_on, ends_on, "
		        "created_at, "
		        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		        DB_ARGS(DB_I(project_ids[y->team]),
		                DB_I(node_ids[y->team * d->nnodes + y->idea]), DB_T(y->title),
		                DB_T(y->plan), DB_T(y->prediction), DB_T(y->do_notes),
		                DB_T(y->study), DB_T(y->act), DB_T(y->act_notes), DB_T(from),
		                y->end_month >= 0 ? DB_T(to) : DB_NUL, DB_I(now), DB_I(now)),
		        &id, e);
		if (rc < 0)
			return rc;
		for (g = 0; g < 2; g++)
			if ((rc = db_exec(
			             c,
			             "INSERT INTO imp_pdsa_measures (cycle_id, measure_id) VALUES "
			             "(?, ?)",
			             DB_ARGS(DB_I(id), DB_I(measure_ids[g])), NULL, e)) < 0)
				return rc;
	}
	/* monthly reports */
	for (i = 0; i < d->nreports; i++) {
		const struct imp_demo_report *r = &d->reports[i];

		month_text(d, r->month, 1, from, sizeof(from));
		rc = db_exec(
		        c,
		        "INSERT INTO imp_monthly_reports (team_id, month, narrative, team_score, "
		        "team_scored_at, coach_score, coach_scored_at, coaching_notes) VALUES (?, "
		        "?, ?, ?, ?, ?, ?, ?)",
		        DB_ARGS(DB_I(team_ids[r->team]), DB_T(from), DB_T(r->narrative),
		                DB_I(r->team_score), DB_I(now),
		                r->coach_score ? DB_I(r->coach_score) : DB_NUL,
		                r->coach_score ? DB_I(now) : DB_NUL,
		                DB_T(r->coach_score ? r->coaching_notes : "")),
		        NULL, e);
		if (rc < 0)
			return rc;
	}
	/* roles for the accounts demo users */
	for (t = 0; t < IMP_DEMO_TEAMS; t++) {
		const char *code = d->teams[t].code;

		if (strncmp(code, "CV-", 3) == 0 &&
		    (rc = member(c, "team@demo.collective.test", "team", team_ids[t], "team_member",
		                 e)) < 0)
			return rc;
		if ((strncmp(code, "CV-", 3) == 0 || strncmp(code, "SB-", 3) == 0 ||
		     strncmp(code, "HDD-", 4) == 0) &&
		    (rc = member(c, "coach@demo.collective.test", "team", team_ids[t], "coach",
		                 e)) < 0)
			return rc;
	}
	if ((rc = demo_users(c, collab, password, e)) < 0 || (rc = load_second(c, now, e)) < 0)
		return rc;
	return acct_audit(c, 0, NULL, "improve.demo.load", "imp_collaborative", collab, NULL, NULL,
	                  e);
}

int imp_demo_load(struct db *db, const char *password, struct co_err *e)
{
	struct co_arena a;
	struct imp_demo d;
	struct db_conn *c = NULL;
	int rc;

	co_arena_init(&a, 0);
	if ((rc = imp_demo_generate(IMP_DEMO_SEED, &a, &d, e)) < 0)
		goto out;
	if ((rc = db_acquire(db, &c, e)) < 0)
		goto out;
	if ((rc = db_begin(c, DB_TX_WRITE, e)) < 0)
		goto out;
	if ((rc = load(c, &d, &a, password, e)) < 0) {
		db_rollback(c);
		goto out;
	}
	rc = db_commit(c, e);
out:
	if (c)
		db_release(c);
	co_arena_free(&a);
	return rc;
}
