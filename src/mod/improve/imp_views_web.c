/*
 * imp_views_web.c - the data behind Improve's pages and API: the
 * collaborative overview, the collaborative views (scores by month, change
 * ideas x teams, equity by stratum, data completeness, one measure as a
 * funnel with small multiples) and a team's page. Each returns JSON that a
 * template renders and the API sends unchanged.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/limits.h"
#include "mod/accounts/acct.h"
#include "mod/improve/imp_equity.h"
#include "mod/improve/imp_stats.h"
#include "mod/improve/imp_store.h"
#include "mod/improve/imp_views.h"
#include "mod/improve/imp_web_int.h"

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static const char *col_text(struct db_rows *r, int i)
{
	const char *s = db_text(r, i);

	return s ? s : "";
}

/* ---- overview -------------------------------------------------------- */

int imp__collab_overview(struct web_ctx *ctx, int64_t collab_id, json_t **out, struct co_err *e)
{
	struct db_conn *c;
	struct db_rows *r;
	struct imp__data d;
	json_t *j, *sessions, *teams, *measures, *prev = NULL;
	int rc, i;

	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	sessions = json_array();
	if ((rc = db_query(c,
	                   "SELECT number, title, starts_at, ends_at, mode, place, agenda FROM "
	                   "imp_learning_sessions WHERE collaborative_id = ? ORDER BY number",
	                   DB_ARGS(DB_I(collab_id)), &r, e)) < 0) {
		json_decref(sessions);
		return rc;
	}
	while ((rc = db_rows_next(r, e)) == 1) {
		json_t *s = json_pack("{s:I,s:s,s:I,s:I,s:s,s:s,s:s}", "number",
		                      (json_int_t)db_int(r, 0), "title", col_text(r, 1),
		                      "starts_at", (json_int_t)db_int(r, 2), "ends_at",
		                      (json_int_t)db_int(r, 3), "mode", col_text(r, 4), "place",
		                      col_text(r, 5), "agenda", col_text(r, 6));

		/* the action period runs from the end of the session before */
		if (prev)
			json_object_set_new(s, "action_period_from",
			                    json_copy(json_object_get(prev, "ends_at")));
		json_array_append_new(sessions, s);
		prev = s;
	}
	db_rows_free(r);
	if (rc < 0) {
		json_decref(sessions);
		return rc;
	}
	teams = json_array();
	if ((rc = imp__load(c, collab_id, 0, IMP__LOAD_STRUCTURE, ctx->arena, &d, e)) < 0) {
		json_decref(sessions);
		json_decref(teams);
		return rc;
	}
	for (i = 0; i < d.nteams; i++)
		json_array_append_new(teams, imp__team_json(&d.teams[i]));
	measures = json_array();
	for (i = 0; i < d.nmeasures; i++)
		if (d.measures[i].shared)
			json_array_append_new(measures, imp__measure_json(&d.measures[i]));
	j = imp__collab_json(&d.collab);
	json_object_set_new(j, "sessions", sessions);
	json_object_set_new(j, "teams", teams);
	json_object_set_new(j, "measures", measures);
	*out = j;
	return 0;
}

/* ---- scores ---------------------------------------------------------- */

static int view_scores(struct web_ctx *ctx, struct db_conn *c, const struct imp__collab *k,
                       json_t **out, struct co_err *e)
{
	struct imp_score_obs *obs;
	struct imp_score_month *months;
	struct db_rows *r;
	int64_t nteams, nobs;
	int32_t first, last, today = imp__today();
	int rc, n = 0, nm, m, s;
	json_t *j, *arr;
	static const enum imp_rater raters[3] = {IMP_RATER_ASSESSED, IMP_RATER_TEAM,
	                                         IMP_RATER_COACH};
	static const char *const rater_names[3] = {"assessed", "team", "coach"};

	if (imp_day_parse(k->starts_on, &first) || imp_day_parse(k->ends_on, &last))
		return co_errf(e, CO_EINTERNAL, "bad collaborative dates");
	if (last > today)
		last = today;
	nm = imp_months_between(first, last) + 1;
	if (nm < 1)
		nm = 1;
	if ((rc = db_query_int(c, "SELECT COUNT(*) FROM imp_teams WHERE collaborative_id = ?",
	                       DB_ARGS(DB_I(k->id)), &nteams, e)) < 0 ||
	    (rc = db_query_int(
	             c,
	             "SELECT COUNT(*) FROM imp_monthly_reports m JOIN imp_teams t ON t.id "
	             "= m.team_id WHERE t.collaborative_id = ?",
	             DB_ARGS(DB_I(k->id)), &nobs, e)) < 0)
		return rc;
	obs = co_arena_calloc(ctx->arena, (size_t)nobs + 1, sizeof(*obs));
	months = co_arena_calloc(ctx->arena, (size_t)nm, sizeof(*months));
	if (!obs || !months)
		return co_errf(e, CO_ENOMEM, "out of memory");
	if ((rc = db_query(c,
	                   "SELECT m.team_id, m.month, COALESCE(m.team_score, 0), "
	                   "COALESCE(m.coach_score, 0) FROM imp_monthly_reports m JOIN imp_teams t "
	                   "ON t.id = m.team_id WHERE t.collaborative_id = ?",
	                   DB_ARGS(DB_I(k->id)), &r, e)) < 0)
		return rc;
	while ((rc = db_rows_next(r, e)) == 1 && n < nobs) {
		obs[n].team_id = db_int(r, 0);
		if (imp_day_parse(db_text(r, 1), &obs[n].month))
			continue;
		obs[n].team = (int)db_int(r, 2);
		obs[n].coach = (int)db_int(r, 3);
		n++;
	}
	db_rows_free(r);
	if (rc < 0)
		return rc;
	j = json_pack("{s:s,s:I}", "view", "scores", "teams", (json_int_t)nteams);
	for (s = 0; s < 3; s++) {
		if ((rc = imp_score_summary(obs, n, (int)nteams, raters[s], first, nm, months, e)) <
		    0) {
			json_decref(j);
			return rc;
		}
		arr = json_array();
		for (m = 0; m < nm; m++) {
			json_t *counts = json_array(), *mj;
			int lvl;

			for (lvl = 0; lvl < IMP_SCORE_LEVELS; lvl++)
				json_array_append_new(counts, json_integer(months[m].count[lvl]));
			mj = json_pack("{s:s,s:i,s:i,s:i,s:o,s:o,s:o,s:o}", "month",
			               imp__month_text(ctx->arena, months[m].month), "scored",
			               months[m].nscored, "at_or_above_4", months[m].nhigh, "gaps",
			               months[m].ngaps, "share", num_or_null(months[m].share),
			               "share_percent", num_or_null(100.0 * months[m].share),
			               "median", num_or_null(months[m].median), "counts", counts);
			json_array_append_new(arr, mj);
		}
		json_object_set_new(j, rater_names[s], arr);
	}
	*out = j;
	return 0;
}

/* ---- change ideas x teams -------------------------------------------- */

static int view_ideas(struct web_ctx *ctx, struct db_conn *c, const struct imp__collab *k,
                      json_t **out, struct co_err *e)
{
	struct imp__data d;
	struct imp_idea_grid g;
	struct imp_cycle_ref *cycles;
	int64_t *ideas, *teams, count;
	json_t *j, *rows, *cols;
	struct db_rows *r;
	int rc, ni = 0, nc = 0, i, t;
	static const char *const status_words[] = {"Not tested", "Testing", "Adopted", "Adapted",
	                                           "Abandoned"};

	if ((rc = imp__load(c, k->id, 0, IMP__LOAD_STRUCTURE, ctx->arena, &d, e)) < 0)
		return rc;
	if ((rc = db_query_int(
	             c,
	             "SELECT COUNT(*) FROM imp_driver_nodes WHERE collaborative_id = ? AND "
	             "project_id IS NULL AND kind = 'change_idea'",
	             DB_ARGS(DB_I(k->id)), &count, e)) < 0)
		return rc;
	ideas = co_arena_calloc(ctx->arena, (size_t)count + 1, sizeof(int64_t));
	teams = co_arena_calloc(ctx->arena, (size_t)d.nteams + 1, sizeof(int64_t));
	if (!ideas || !teams)
		return co_errf(e, CO_ENOMEM, "out of memory");
	rows = json_array();
	if ((rc = db_query(
	             c,
	             "SELECT id, title, detail FROM imp_driver_nodes WHERE collaborative_id = ? "
	             "AND project_id IS NULL AND kind = 'change_idea' ORDER BY position, id",
	             DB_ARGS(DB_I(k->id)), &r, e)) < 0) {
		json_decref(rows);
		return rc;
	}
	while ((rc = db_rows_next(r, e)) == 1 && ni < count) {
		ideas[ni++] = db_int(r, 0);
		json_array_append_new(rows,
		                      json_pack("{s:I,s:s,s:s,s:[]}", "id",
		                                (json_int_t)db_int(r, 0), "title", col_text(r, 1),
		                                "detail", col_text(r, 2), "cells"));
	}
	db_rows_free(r);
	if (rc < 0 ||
	    (rc = db_query_int(
	             c,
	             "SELECT COUNT(*) FROM imp_pdsa_cycles y JOIN imp_projects p ON p.id = "
	             "y.project_id JOIN imp_teams t ON t.id = p.team_id WHERE "
	             "t.collaborative_id = ?",
	             DB_ARGS(DB_I(k->id)), &count, e)) < 0) {
		json_decref(rows);
		return rc;
	}
	cycles = co_arena_calloc(ctx->arena, (size_t)count + 1, sizeof(*cycles));
	if (!cycles) {
		json_decref(rows);
		return co_errf(e, CO_ENOMEM, "out of memory");
	}
	if ((rc = db_query(
	             c,
	             "SELECT y.id, p.team_id, COALESCE(n.package_idea_id, 0), y.starts_on, "
	             "y.ends_on, y.act FROM imp_pdsa_cycles y JOIN imp_projects p ON p.id = "
	             "y.project_id JOIN imp_teams t ON t.id = p.team_id JOIN imp_driver_nodes n "
	             "ON n.id = y.change_idea_id WHERE t.collaborative_id = ?",
	             DB_ARGS(DB_I(k->id)), &r, e)) < 0) {
		json_decref(rows);
		return rc;
	}
	while ((rc = db_rows_next(r, e)) == 1 && nc < count) {
		struct imp_cycle_ref *y = &cycles[nc];

		y->id = db_int(r, 0);
		y->team_id = db_int(r, 1);
		y->idea_id = db_int(r, 2);
		if (imp_day_parse(db_text(r, 3), &y->started))
			continue;
		y->ended = 0;
		if (db_text(r, 4))
			imp_day_parse(db_text(r, 4), &y->ended);
		if (imp_act_parse(col_text(r, 5), &y->act))
			y->act = IMP_ACT_NONE;
		nc++;
	}
	db_rows_free(r);
	if (rc < 0) {
		json_decref(rows);
		return rc;
	}
	for (t = 0; t < d.nteams; t++)
		teams[t] = d.teams[t].id;
	if ((rc = imp_idea_grid(ideas, ni, teams, d.nteams, cycles, nc, ctx->arena, &g, e)) < 0) {
		json_decref(rows);
		return rc;
	}
	cols = json_array();
	for (t = 0; t < d.nteams; t++)
		json_array_append_new(cols, imp__team_json(&d.teams[t]));
	for (i = 0; i < ni; i++) {
		json_t *row = json_array_get(rows, (size_t)i),
		       *cells = json_object_get(row, "cells");
		json_t *totals = json_object();
		int s;

		for (t = 0; t < d.nteams; t++) {
			const struct imp_idea_cell *cell = &g.cells[i * d.nteams + t];

			json_array_append_new(
			        cells, json_pack("{s:s,s:s,s:i,s:i}", "status",
			                         imp_idea_status_name(cell->status), "words",
			                         web_t(ctx, status_words[cell->status]), "cycles",
			                         cell->ncycles, "open", cell->open));
		}
		for (s = 0; s < 5; s++)
			json_object_set_new(totals, imp_idea_status_name((enum imp_idea_status)s),
			                    json_integer(g.by_status[i][s]));
		json_object_set_new(row, "totals", totals);
	}
	j = json_pack("{s:s,s:o,s:o}", "view", "ideas", "teams", cols, "ideas", rows);
	*out = j;
	return 0;
}

/* ---- equity ---------------------------------------------------------- */

static int pick_measure(const struct imp__data *d, const char *code, int stratified_only)
{
	int m;

	for (m = 0; m < d->nmeasures; m++) {
		if (!d->measures[m].shared)
			continue;
		if (stratified_only && !imp_data_type_is_ratio(d->measures[m].def.type))
			continue;
		if (!code || !*code || strcmp(code, d->measures[m].code) == 0)
			return m;
	}
	return -1;
}

static json_t *estimate_json(const struct imp_estimate *x)
{
	return json_pack("{s:f,s:f,s:f}", "value", x->value, "lower", x->lower, "upper", x->upper);
}

static int view_equity(struct web_ctx *ctx, struct db_conn *c, const struct imp__collab *k,
                       const char *code, json_t **out, struct co_err *e)
{
	struct imp__data d;
	struct imp_equity q;
	struct db_rows *r;
	int64_t kind_id = 0, *group_ids, count;
	int rc, m, ng = 0, t, g, ref = -1;
	json_t *j, *groups, *rows;
	const char *kind_name = "";

	if ((rc = imp__load(c, k->id, 0, IMP__LOAD_STRUCTURE, ctx->arena, &d, e)) < 0)
		return rc;
	if ((m = pick_measure(&d, code, 1)) < 0)
		return co_errf(e, CO_ENOTFOUND, "no shared measure '%s' to split by group",
		               code ? code : "");
	if ((rc = db_query(
	             c,
	             "SELECT id, name FROM imp_strata_kinds WHERE collaborative_id = ? ORDER BY "
	             "id",
	             DB_ARGS(DB_I(k->id)), &r, e)) < 0)
		return rc;
	if ((rc = db_rows_next(r, e)) == 1) {
		kind_id = db_int(r, 0);
		kind_name = co_arena_strdup(ctx->arena, col_text(r, 1));
	}
	db_rows_free(r);
	if (rc < 0)
		return rc;
	if ((rc = db_query_int(c, "SELECT COUNT(*) FROM imp_strata_groups WHERE kind_id = ?",
	                       DB_ARGS(DB_I(kind_id)), &count, e)) < 0)
		return rc;
	group_ids = co_arena_calloc(ctx->arena, (size_t)count + 1, sizeof(int64_t));
	if (!group_ids)
		return co_errf(e, CO_ENOMEM, "out of memory");
	groups = json_array();
	if ((rc = db_query(
	             c,
	             "SELECT id, code, name, is_reference FROM imp_strata_groups WHERE kind_id "
	             "= ? ORDER BY position, id",
	             DB_ARGS(DB_I(kind_id)), &r, e)) < 0) {
		json_decref(groups);
		return rc;
	}
	while ((rc = db_rows_next(r, e)) == 1 && ng < count) {
		if (db_int(r, 3))
			ref = ng;
		group_ids[ng++] = db_int(r, 0);
		json_array_append_new(groups,
		                      json_pack("{s:s,s:s,s:b}", "code", col_text(r, 1), "name",
		                                col_text(r, 2), "reference", (int)db_int(r, 3)));
	}
	db_rows_free(r);
	if (rc < 0 || ng == 0 || d.nteams == 0) {
		json_decref(groups);
		return rc < 0 ? rc : co_errf(e, CO_ENOTFOUND, "the collaborative has no groups");
	}
	memset(&q, 0, sizeof(q));
	q.kind = d.measures[m].def.type == IMP_DATA_PROPORTION ? IMP_RATIO_PROPORTION
	                                                       : IMP_RATIO_RATE;
	q.multiplier = d.measures[m].multiplier;
	q.threshold = k->threshold;
	q.ref_col = ref;
	q.nrows = d.nteams;
	q.ncols = ng;
	q.row_totals = 1;
	q.col_totals = 1;
	q.cells = co_arena_calloc(ctx->arena, ((size_t)d.nteams + 1) * ((size_t)ng + 1),
	                          sizeof(*q.cells));
	if (!q.cells) {
		json_decref(groups);
		return co_errf(e, CO_ENOMEM, "out of memory");
	}
	/* the collaborative's whole period: one fixed window, so that no two
	 * windows can be subtracted from each other */
	if ((rc = db_query(
	             c,
	             "SELECT d.team_id, v.group_id, SUM(v.numerator), SUM(v.denominator) FROM "
	             "imp_strata_values v JOIN imp_data_points d ON d.id = v.point_id WHERE "
	             "d.measure_id = ? AND d.period >= ? AND d.period <= ? GROUP BY d.team_id, "
	             "v.group_id",
	             DB_ARGS(DB_I(d.measures[m].id), DB_T(k->starts_on), DB_T(k->ends_on)), &r,
	             e)) < 0) {
		json_decref(groups);
		return rc;
	}
	while ((rc = db_rows_next(r, e)) == 1) {
		int ti = -1, gi = -1;

		for (t = 0; t < d.nteams; t++)
			if (d.teams[t].id == db_int(r, 0))
				ti = t;
		for (g = 0; g < ng; g++)
			if (group_ids[g] == db_int(r, 1))
				gi = g;
		if (ti < 0 || gi < 0)
			continue;
		q.cells[ti * (ng + 1) + gi].events = db_real(r, 2);
		q.cells[ti * (ng + 1) + gi].denom = db_real(r, 3);
	}
	db_rows_free(r);
	if (rc < 0 || (rc = imp_equity_compute(&q, e)) < 0) {
		json_decref(groups);
		return rc;
	}
	rows = json_array();
	for (t = 0; t <= d.nteams; t++) {
		json_t *cells = json_array(), *row;

		for (g = 0; g <= ng; g++) {
			const struct imp_equity_cell *x = &q.cells[t * (ng + 1) + g];
			json_t *cj;

			if (x->state != IMP_SHOWN) {
				json_array_append_new(cells,
				                      json_pack("{s:b,s:s}", "suppressed", 1, "why",
				                                x->state == IMP_SUPP_PRIMARY
				                                        ? "primary"
				                                        : "secondary"));
				continue;
			}
			cj = json_pack("{s:b,s:f,s:f}", "suppressed", 0, "events", x->events,
			               "denominator", x->denom);
			if (x->denom > 0)
				json_object_set_new(cj, "rate", estimate_json(&x->rate));
			if (x->has_ratio)
				json_object_set_new(cj, "ratio", estimate_json(&x->ratio));
			json_array_append_new(cells, cj);
		}
		row = json_pack("{s:o,s:o}", "team",
		                t < d.nteams ? imp__team_json(&d.teams[t]) : json_null(), "cells",
		                cells);
		json_array_append_new(rows, row);
	}
	j = json_pack("{s:s,s:o,s:s,s:o,s:o,s:i,s:s,s:s}", "view", "equity", "measure",
	              imp__measure_json(&d.measures[m]), "stratum", kind_name, "groups", groups,
	              "rows", rows, "threshold", k->threshold, "from", k->starts_on, "to",
	              k->ends_on);
	*out = j;
	return 0;
}

/* ---- completeness ---------------------------------------------------- */

static int view_completeness(struct web_ctx *ctx, struct db_conn *c, const struct imp__collab *k,
                             json_t **out, struct co_err *e)
{
	struct imp__data d;
	struct imp_completeness_grid g;
	struct imp_reported *rep;
	int64_t *teams;
	int *expected, t, m, p, nrep = 0, nper, rc;
	int32_t first = 0, last = 0;
	size_t i;
	json_t *j, *periods, *rows;
	static const char *const words[] = {"Not reported", "Partly reported", "Reported"};

	if ((rc = imp__load(c, k->id, 0, IMP__LOAD_VALUES, ctx->arena, &d, e)) < 0)
		return rc;
	for (i = 0; i < (size_t)d.nteams * (size_t)d.nmeasures; i++)
		nrep += (int)d.series[i].n;
	rep = co_arena_calloc(ctx->arena, (size_t)nrep + 1, sizeof(*rep));
	teams = co_arena_calloc(ctx->arena, (size_t)d.nteams + 1, sizeof(int64_t));
	expected = co_arena_calloc(ctx->arena, (size_t)d.nteams + 1, sizeof(int));
	if (!rep || !teams || !expected)
		return co_errf(e, CO_ENOMEM, "out of memory");
	nrep = 0;
	for (t = 0; t < d.nteams; t++) {
		teams[t] = d.teams[t].id;
		for (m = 0; m < d.nmeasures; m++) {
			const struct imp_series *s = &d.series[t * d.nmeasures + m];

			if (d.measures[m].shared || d.measures[m].team_id == d.teams[t].id)
				expected[t]++;
			for (i = 0; i < s->n; i++) {
				rep[nrep].team_id = d.teams[t].id;
				rep[nrep].period = (int32_t)s->x[i];
				rep[nrep].measure_id = d.measures[m].id;
				if (!first || rep[nrep].period < first)
					first = rep[nrep].period;
				if (rep[nrep].period > last)
					last = rep[nrep].period;
				nrep++;
			}
		}
	}
	nper = first ? imp_months_between(first, last) + 1 : 0;
	if (nper > 36) { /* the latest three years */
		first = imp_month_add(last, -35);
		nper = 36;
	}
	if ((rc = imp_completeness(teams, expected, d.nteams, first, nper, rep, nrep, ctx->arena,
	                           &g, e)) < 0)
		return rc;
	periods = json_array();
	for (p = 0; p < nper; p++)
		json_array_append_new(
		        periods,
		        json_pack("{s:s,s:i,s:o}", "period",
		                  imp__month_text(ctx->arena, imp_month_add(first, p)), "complete",
		                  g.ncomplete[p], "share", num_or_null(g.share_complete[p])));
	rows = json_array();
	for (t = 0; t < d.nteams; t++) {
		json_t *cells = json_array();

		for (p = 0; p < nper; p++) {
			int s = g.status[t * nper + p];

			json_array_append_new(cells,
			                      json_pack("{s:s,s:s,s:i}", "status",
			                                s == IMP_COMPLETE  ? "complete"
			                                : s == IMP_PARTIAL ? "partial"
			                                                   : "missing",
			                                "words", web_t(ctx, words[s]), "reported",
			                                g.nreported[t * nper + p]));
		}
		json_array_append_new(rows, json_pack("{s:o,s:i,s:o}", "team",
		                                      imp__team_json(&d.teams[t]), "expected",
		                                      expected[t], "cells", cells));
	}
	j = json_pack("{s:s,s:o,s:o}", "view", "completeness", "periods", periods, "rows", rows);
	*out = j;
	return 0;
}

/* ---- funnel and small multiples -------------------------------------- */

static int view_funnel(struct web_ctx *ctx, struct db_conn *c, const struct imp__collab *k,
                       const char *code, json_t **out, struct co_err *e)
{
	struct imp__data d;
	struct imp_funnel_point *pts;
	struct imp_funnel f;
	int rc, m, t, ncurve = 40;
	size_t i;
	double last = 0, from;
	json_t *j, *points, *curve, *multiples;
	enum imp_ratio_kind kind;

	if ((rc = imp__load(c, k->id, 0, IMP__LOAD_VALUES, ctx->arena, &d, e)) < 0)
		return rc;
	if ((m = pick_measure(&d, code, 1)) < 0)
		return co_errf(e, CO_ENOTFOUND, "no shared ratio measure '%s'", code ? code : "");
	kind = d.measures[m].def.type == IMP_DATA_PROPORTION ? IMP_RATIO_PROPORTION
	                                                     : IMP_RATIO_RATE;
	for (t = 0; t < d.nteams; t++) {
		const struct imp_series *s = &d.series[t * d.nmeasures + m];

		if (s->n && s->x[s->n - 1] > last)
			last = s->x[s->n - 1];
	}
	from = imp_month_add((int32_t)last, -11); /* the latest twelve months */
	pts = co_arena_calloc(ctx->arena, (size_t)d.nteams + 1, sizeof(*pts));
	memset(&f, 0, sizeof(f));
	f.ncurve = ncurve;
	f.curve_denom = co_arena_calloc(ctx->arena, (size_t)ncurve, sizeof(double));
	f.curve_lo2 = co_arena_calloc(ctx->arena, (size_t)ncurve, sizeof(double));
	f.curve_hi2 = co_arena_calloc(ctx->arena, (size_t)ncurve, sizeof(double));
	f.curve_lo3 = co_arena_calloc(ctx->arena, (size_t)ncurve, sizeof(double));
	f.curve_hi3 = co_arena_calloc(ctx->arena, (size_t)ncurve, sizeof(double));
	if (!pts || !f.curve_denom || !f.curve_lo2 || !f.curve_hi2 || !f.curve_lo3 || !f.curve_hi3)
		return co_errf(e, CO_ENOMEM, "out of memory");
	for (t = 0; t < d.nteams; t++) {
		const struct imp_series *s = &d.series[t * d.nmeasures + m];

		for (i = 0; i < s->n; i++)
			if (s->x[i] >= from) {
				pts[t].events += s->y[i];
				pts[t].denom += s->den[i];
			}
	}
	if ((rc = imp_funnel_compute(kind,
	                             strcmp(k->funnel_method, "normal") == 0 ? IMP_FUNNEL_NORMAL
	                                                                     : IMP_FUNNEL_EXACT,
	                             d.measures[m].multiplier, pts, (size_t)d.nteams, &f)) < 0)
		return co_errf(e, rc, "no team has data for this measure yet");
	points = json_array();
	for (t = 0; t < d.nteams; t++) {
		json_t *pj =
		        json_pack("{s:o,s:f,s:f,s:o,s:i,s:i}", "team", imp__team_json(&d.teams[t]),
		                  "events", pts[t].events, "denominator", pts[t].denom, "value",
		                  num_or_null(pts[t].value), "outside", pts[t].outside, "direction",
		                  pts[t].direction);

		json_object_set_new(
		        pj, "limits",
		        json_pack("{s:o,s:o,s:o,s:o}", "lower2", num_or_null(pts[t].lo2), "upper2",
		                  num_or_null(pts[t].hi2), "lower3", num_or_null(pts[t].lo3),
		                  "upper3", num_or_null(pts[t].hi3)));
		json_array_append_new(points, pj);
	}
	curve = json_array();
	for (t = 0; t < ncurve; t++)
		json_array_append_new(curve, json_pack("{s:f,s:f,s:f,s:f,s:f}", "denominator",
		                                       f.curve_denom[t], "lower2", f.curve_lo2[t],
		                                       "upper2", f.curve_hi2[t], "lower3",
		                                       f.curve_lo3[t], "upper3", f.curve_hi3[t]));
	multiples = json_array();
	for (t = 0; t < d.nteams; t++) {
		json_t *cj;

		if (imp__chart_json(ctx, &d, t, m, 1, &cj, e) == 0) {
			json_object_del(cj, "points");
			json_array_append_new(multiples, cj);
		}
	}
	j = json_pack("{s:s,s:o,s:s,s:s,s:f,s:s,s:o,s:o,s:o}", "view", "funnel", "measure",
	              imp__measure_json(&d.measures[m]), "from", imp__month_text(ctx->arena, from),
	              "to", imp__month_text(ctx->arena, last), "target", f.target, "method",
	              k->funnel_method, "points", points, "curve", curve, "multiples", multiples);
	*out = j;
	return 0;
}

int imp__view_json(struct web_ctx *ctx, int64_t collab_id, const char *view, const char *measure,
                   json_t **out, struct co_err *e)
{
	struct imp__collab k;
	struct db_conn *c;
	int rc;

	if ((rc = web_db(ctx, &c, e)) < 0 ||
	    (rc = imp__collab_get(c, collab_id, ctx->arena, &k, e)) < 0)
		return rc;
	if (strcmp(view, "scores") == 0)
		return view_scores(ctx, c, &k, out, e);
	if (strcmp(view, "ideas") == 0)
		return view_ideas(ctx, c, &k, out, e);
	if (strcmp(view, "equity") == 0)
		return view_equity(ctx, c, &k, measure, out, e);
	if (strcmp(view, "completeness") == 0)
		return view_completeness(ctx, c, &k, out, e);
	if (strcmp(view, "funnel") == 0)
		return view_funnel(ctx, c, &k, measure, out, e);
	return co_errf(e, CO_ENOTFOUND, "no such view");
}

/* ---- a team's page --------------------------------------------------- */

static int driver_tree(struct db_conn *c, int64_t project_id, json_t **out, struct co_err *e)
{
	struct db_rows *r;
	json_t *all = json_array(), *byid = json_object(), *roots = json_array();
	char key[32];
	size_t i;
	int rc;

	if ((rc = db_query(c,
	                   "SELECT id, COALESCE(parent_id, 0), kind, title, detail FROM "
	                   "imp_driver_nodes WHERE project_id = ? ORDER BY position, id",
	                   DB_ARGS(DB_I(project_id)), &r, e)) < 0)
		goto out;
	while ((rc = db_rows_next(r, e)) == 1) {
		json_t *n =
		        json_pack("{s:I,s:I,s:s,s:s,s:s,s:[]}", "id", (json_int_t)db_int(r, 0),
		                  "parent", (json_int_t)db_int(r, 1), "kind", col_text(r, 2),
		                  "title", col_text(r, 3), "detail", col_text(r, 4), "children");

		snprintf(key, sizeof(key), "%lld", (long long)db_int(r, 0));
		json_object_set(byid, key, n);
		json_array_append_new(all, n);
	}
	db_rows_free(r);
	if (rc < 0)
		goto out;
	for (i = 0; i < json_array_size(all); i++) {
		json_t *n = json_array_get(all, i), *parent;

		snprintf(key, sizeof(key), "%lld",
		         (long long)json_integer_value(json_object_get(n, "parent")));
		parent = json_object_get(byid, key);
		json_array_append(parent ? json_object_get(parent, "children") : roots, n);
	}
	*out = roots;
	roots = NULL;
	rc = 0;
out:
	json_decref(all);
	json_decref(byid);
	json_decref(roots);
	return rc;
}

/* Appends "PDSA: title" to the note of the point in the month each of the
 * team's cycles started. */
static int pdsa_marks(struct web_ctx *ctx, struct db_conn *c, struct imp__data *d, int ti,
                      int64_t team_id, struct co_err *e)
{
	struct db_rows *r;
	int rc, m;

	if ((rc = db_query(
	             c,
	             "SELECT y.starts_on, y.title, COALESCE(pm.measure_id, 0) FROM "
	             "imp_pdsa_cycles y JOIN imp_projects p ON p.id = y.project_id LEFT JOIN "
	             "imp_pdsa_measures pm ON pm.cycle_id = y.id WHERE p.team_id = ? ORDER BY "
	             "y.starts_on",
	             DB_ARGS(DB_I(team_id)), &r, e)) < 0)
		return rc;
	while ((rc = db_rows_next(r, e)) == 1) {
		int32_t day;
		double month;
		int64_t mid = db_int(r, 2);

		if (imp_day_parse(db_text(r, 0), &day))
			continue;
		month = imp_month_add(day, 0);
		for (m = 0; m < d->nmeasures; m++) {
			struct imp_series *s = &d->series[ti * d->nmeasures + m];
			const char **notes = (const char **)s->notes;
			size_t i;

			if (mid && d->measures[m].id != mid)
				continue;
			for (i = 0; i < s->n; i++)
				if (s->x[i] == month) {
					notes[i] = co_arena_printf(
					        ctx->arena, "%s%sPDSA: %s",
					        notes[i] ? notes[i] : "",
					        notes[i] && *notes[i] ? " | " : "", col_text(r, 1));
					break;
				}
		}
	}
	db_rows_free(r);
	return rc < 0 ? rc : 0;
}

int imp__team_page_json(struct web_ctx *ctx, int64_t team_id, int svg, json_t **out,
                        struct co_err *e)
{
	struct db_conn *c;
	struct db_rows *r;
	struct imp__team team;
	struct imp__data d;
	json_t *j, *projects, *charts, *cycles, *reports, *ideas;
	int rc, m, ti = -1, see;

	if ((rc = web_db(ctx, &c, e)) < 0 ||
	    (rc = imp__team_get(c, team_id, ctx->arena, &team, e)) < 0 ||
	    (rc = imp__load(c, team.collab_id, team_id, IMP__LOAD_NOTES, ctx->arena, &d, e)) < 0)
		return rc;
	for (m = 0; m < d.nteams; m++)
		if (d.teams[m].id == team_id)
			ti = m;
	if (ti < 0)
		return co_errf(e, CO_ENOTFOUND, "no such team");
	if ((see = imp__can_see_data(ctx, &d.collab, &team)) < 0)
		return co_errf(e, CO_EDB, "could not check access");
	j = json_pack("{s:o,s:o,s:b}", "team", imp__team_json(&team), "collaborative",
	              imp__collab_json(&d.collab), "can_see_data", see);
	/* projects and their driver diagrams */
	projects = json_array();
	ideas = json_array();
	if ((rc = db_query(
	             c,
	             "SELECT id, title, aim_what, aim_how_much, COALESCE(aim_by_when, '') FROM "
	             "imp_projects WHERE team_id = ? ORDER BY id",
	             DB_ARGS(DB_I(team_id)), &r, e)) < 0)
		goto fail;
	while ((rc = db_rows_next(r, e)) == 1)
		json_array_append_new(projects,
		                      json_pack("{s:I,s:s,s:s,s:s,s:s}", "id",
		                                (json_int_t)db_int(r, 0), "title", col_text(r, 1),
		                                "aim_what", col_text(r, 2), "aim_how_much",
		                                col_text(r, 3), "aim_by_when", col_text(r, 4)));
	db_rows_free(r);
	if (rc < 0)
		goto fail;
	{
		size_t i;

		for (i = 0; i < json_array_size(projects); i++) {
			json_t *p = json_array_get(projects, i), *tree = NULL;

			if ((rc = driver_tree(c, json_integer_value(json_object_get(p, "id")),
			                      &tree, e)) < 0)
				goto fail;
			json_object_set_new(p, "drivers", tree);
		}
	}
	if ((rc = db_query(
	             c,
	             "SELECT n.id, n.title FROM imp_driver_nodes n JOIN imp_projects p ON p.id = "
	             "n.project_id WHERE p.team_id = ? AND n.kind = 'change_idea' ORDER BY "
	             "n.position, n.id",
	             DB_ARGS(DB_I(team_id)), &r, e)) < 0)
		goto fail;
	while ((rc = db_rows_next(r, e)) == 1)
		json_array_append_new(ideas, json_pack("{s:I,s:s}", "id", (json_int_t)db_int(r, 0),
		                                       "title", col_text(r, 1)));
	db_rows_free(r);
	if (rc < 0)
		goto fail;
	/* PDSA cycles appear on the charts at their start: on the measures they
	 * name, or on all the team's measures when they name none */
	if (see && (rc = pdsa_marks(ctx, c, &d, ti, team_id, e)) < 0)
		goto fail;
	/* charts */
	charts = json_array();
	for (m = 0; see && m < d.nmeasures; m++) {
		json_t *cj;

		if (!d.measures[m].shared && d.measures[m].team_id != team_id)
			continue;
		if ((rc = imp__chart_json(ctx, &d, ti, m, svg, &cj, e)) < 0) {
			json_decref(charts);
			goto fail;
		}
		json_array_append_new(charts, cj);
	}
	/* PDSA cycles, newest first */
	cycles = json_array();
	if ((rc = db_query(
	             c,
	             "SELECT y.id, y.title, n.title, y.plan, y.prediction, y.do_notes, y.study, "
	             "COALESCE(y.act, ''), y.act_notes, y.starts_on, COALESCE(y.ends_on, '') "
	             "FROM imp_pdsa_cycles y JOIN imp_projects p ON p.id = y.project_id JOIN "
	             "imp_driver_nodes n ON n.id = y.change_idea_id WHERE p.team_id = ? ORDER "
	             "BY y.starts_on DESC, y.id DESC",
	             DB_ARGS(DB_I(team_id)), &r, e)) < 0) {
		json_decref(charts);
		json_decref(cycles);
		goto fail;
	}
	while ((rc = db_rows_next(r, e)) == 1)
		json_array_append_new(
		        cycles, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "id",
		                          (json_int_t)db_int(r, 0), "title", col_text(r, 1),
		                          "change_idea", col_text(r, 2), "plan", col_text(r, 3),
		                          "prediction", col_text(r, 4), "do_notes", col_text(r, 5),
		                          "study", col_text(r, 6), "act", col_text(r, 7),
		                          "act_notes", col_text(r, 8), "starts_on", col_text(r, 9),
		                          "ends_on", col_text(r, 10)));
	db_rows_free(r);
	/* monthly reports, newest first */
	reports = json_array();
	if (rc >= 0 &&
	    (rc = db_query(
	             c,
	             "SELECT month, narrative, COALESCE(team_score, 0), COALESCE(coach_score, "
	             "0), coaching_notes FROM imp_monthly_reports WHERE team_id = ? ORDER BY "
	             "month DESC",
	             DB_ARGS(DB_I(team_id)), &r, e)) >= 0) {
		while ((rc = db_rows_next(r, e)) == 1) {
			int ts = (int)db_int(r, 2), cs = (int)db_int(r, 3);
			char tsb[8] = "", csb[8] = "";

			if (ts)
				imp_score_format(ts, tsb, sizeof(tsb));
			if (cs)
				imp_score_format(cs, csb, sizeof(csb));
			json_array_append_new(reports, json_pack("{s:s%,s:s,s:s,s:s,s:b,s:s}",
			                                         "month", col_text(r, 0), (size_t)7,
			                                         "narrative", col_text(r, 1),
			                                         "team_score", tsb, "coach_score",
			                                         csb, "gap", imp_score_gap(ts, cs),
			                                         "coaching_notes", col_text(r, 4)));
		}
		db_rows_free(r);
	}
	if (rc < 0) {
		json_decref(charts);
		json_decref(cycles);
		json_decref(reports);
		goto fail;
	}
	{
		json_t *people = json_array();

		if (db_query(c,
		             "SELECT u.name, m.role FROM memberships m JOIN users u ON u.id = "
		             "m.user_id WHERE m.scope_type = 'team' AND m.scope_id = ? ORDER BY "
		             "m.role DESC, u.name",
		             DB_ARGS(DB_I(team_id)), &r, e) == 0) {
			while (db_rows_next(r, e) == 1)
				json_array_append_new(people,
				                      json_pack("{s:s,s:s}", "name", col_text(r, 0),
				                                "role", col_text(r, 1)));
			db_rows_free(r);
		}
		json_object_set_new(j, "people", people);
	}
	json_object_set_new(j, "projects", projects);
	json_object_set_new(j, "change_ideas", ideas);
	json_object_set_new(j, "charts", charts);
	json_object_set_new(j, "pdsa_cycles", cycles);
	json_object_set_new(j, "reports", reports);
	*out = j;
	return 0;
fail:
	json_decref(projects);
	json_decref(ideas);
	json_decref(j);
	return rc;
}

int imp__store(struct web_ctx *ctx, const struct imp_point *pts, int n, struct co_err *e)
{
	struct db_conn *c;
	int rc;

	if ((rc = web_db(ctx, &c, e)) < 0 || (rc = db_begin(c, DB_TX_WRITE, e)) < 0)
		return rc;
	if ((rc = imp_store_save_points(c, ctx->user ? ctx->user->id : 0, pts, n, web_now(), e)) <
	    0) {
		db_rollback(c);
		return rc;
	}
	return db_commit(c, e);
}

int imp__can_see_data(struct web_ctx *ctx, const struct imp__collab *k, const struct imp__team *t)
{
	int close;

	/* the team itself, its organisation's lead, and the faculty always */
	close = web_can(ctx, WEB_R_TEAM_MEMBER | WEB_R_COACH, IMP_SCOPE_TEAM, t->id);
	if (close != 0)
		return close;
	close = web_can(ctx, WEB_R_COLLAB_ADMIN | WEB_R_FACULTY | WEB_R_COACH, IMP_SCOPE_COLLAB,
	                k->id);
	if (close != 0)
		return close;
	if (strcmp(k->visibility, "team") == 0)
		return 0;
	close = web_can(ctx, WEB_R_ORG_LEAD, WEB_SCOPE_ORG, t->org_id);
	if (close != 0)
		return close;
	if (strcmp(k->visibility, "faculty") == 0)
		return 0;
	return web_can(ctx, WEB_R_VIEWER, IMP_SCOPE_COLLAB, k->id);
}

/* ---- funnel SVG ------------------------------------------------------- */

int imp__funnel_svg(struct web_ctx *ctx, json_t *fj, const char *title, char **out)
{
	const double W = 640, H = 360, L = 64, R = 16, T = 24, B = 48;
	json_t *pts = json_object_get(fj, "points"), *curve = json_object_get(fj, "curve");
	double xmax = 0, ymax = 0, v, target = json_real_value(json_object_get(fj, "target"));
	struct co_buf b;
	size_t i;
	int k;
	static const char *const keys[4] = {"lower3", "lower2", "upper2", "upper3"};

	for (i = 0; i < json_array_size(pts); i++) {
		json_t *p = json_array_get(pts, i);

		xmax = fmax(xmax, json_real_value(json_object_get(p, "denominator")));
		v = json_real_value(json_object_get(p, "value"));
		if (isfinite(v))
			ymax = fmax(ymax, v);
	}
	for (i = 0; i < json_array_size(curve); i++)
		ymax = fmax(ymax,
		            json_real_value(json_object_get(json_array_get(curve, i), "upper3")));
	if (!(xmax > 0) || !(ymax > 0))
		return CO_ENOTFOUND;
	ymax *= 1.1;
	xmax *= 1.05;
#define X(d) (L + (d) / xmax * (W - L - R))
#define Y(y) (T + (1 - (y) / ymax) * (H - T - B))
	co_buf_init(&b, CO_MAX_PAGE);
	co_buf_printf(&b,
	              "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
	              "role=\"img\" aria-labelledby=\"funnel-title funnel-desc\" class=\"funnel\">",
	              W, H);
	co_buf_adds(&b, "<title id=\"funnel-title\">");
	for (const char *p = title; *p; p++) {
		if (*p == '<')
			co_buf_adds(&b, "&lt;");
		else if (*p == '&')
			co_buf_adds(&b, "&amp;");
		else
			co_buf_addc(&b, *p);
	}
	co_buf_printf(&b, "</title><desc id=\"funnel-desc\">%s %.4g. %s</desc>",
	              web_t(ctx, "Funnel chart: each team's value against its denominator; the "
	                         "collaborative's value is"),
	              target,
	              web_t(ctx, "Dashed lines are the 2-sigma limits, solid lines the 3-sigma "
	                         "limits. The table below gives the same figures."));
	co_buf_printf(&b,
	              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#505a5f\"/>"
	              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#505a5f\"/>",
	              L, T, L, H - B, L, H - B, W - R, H - B);
	co_buf_printf(&b,
	              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1d70b8\" "
	              "stroke-width=\"2\"/>",
	              L, Y(target), W - R, Y(target));
	for (k = 0; k < 4; k++) {
		co_buf_printf(&b, "<polyline fill=\"none\" stroke=\"#6f777b\" %s points=\"",
		              k == 1 || k == 2 ? "stroke-dasharray=\"6 4\""
		                               : "stroke-width=\"1.5\"");
		for (i = 0; i < json_array_size(curve); i++) {
			json_t *cp = json_array_get(curve, i);

			co_buf_printf(&b, "%.1f,%.1f ",
			              X(json_real_value(json_object_get(cp, "denominator"))),
			              Y(json_real_value(json_object_get(cp, keys[k]))));
		}
		co_buf_adds(&b, "\"/>");
	}
	for (i = 0; i < json_array_size(pts); i++) {
		json_t *p = json_array_get(pts, i);
		int outside = (int)json_integer_value(json_object_get(p, "outside"));

		v = json_real_value(json_object_get(p, "value"));
		if (!isfinite(v))
			continue;
		co_buf_printf(
		        &b,
		        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"><title>%s</title>"
		        "</circle>",
		        X(json_real_value(json_object_get(p, "denominator"))), Y(v),
		        outside == 3   ? "#d4351c"
		        : outside == 2 ? "#f47738"
		                       : "#505a5f",
		        json_string_value(json_object_get(json_object_get(p, "team"), "name")));
	}
	co_buf_printf(&b,
	              "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">0</text>"
	              "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">%.0f</text>"
	              "<text x=\"4\" y=\"%.1f\" font-size=\"12\">%.3g</text>",
	              L - 4, H - B + 16, W - R, H - B + 16, xmax, T + 4, ymax);
	co_buf_adds(&b, "</svg>");
#undef X
#undef Y
	*out = co_arena_strdup(ctx->arena, b.data ? b.data : "");
	co_buf_free(&b);
	return *out ? 0 : CO_ENOMEM;
}
