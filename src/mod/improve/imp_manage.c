/*
 * imp_manage.c - setting a collaborative up and changing it: its settings
 * (dates, rule set, who sees a team's data, the small-number threshold),
 * learning sessions, teams, shared measures; a team's own measures; and
 * the driver diagram edited as a tree without JavaScript (add a child,
 * rename, move up or down, remove). Every change is one transaction with
 * its audit entry.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mod/accounts/acct.h"
#include "mod/improve/imp_data.h"
#include "mod/improve/imp_store.h"
#include "mod/improve/imp_web_int.h"

/* A field of the request: a form field for pages, a member of the JSON
 * body for the API (numbers as text), so that both share one validation. */
static const char *field(struct web_ctx *ctx, const char *name)
{
	json_t *body, *v;
	char buf[32];

	if (!ctx->api)
		return web_form(ctx, name);
	if (web_body_json(ctx, &body) < 0)
		return NULL;
	v = json_object_get(body, name);
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		return co_arena_strdup(ctx->arena, buf);
	}
	if (json_is_real(v)) {
		snprintf(buf, sizeof(buf), "%.17g", json_real_value(v));
		return co_arena_strdup(ctx->arena, buf);
	}
	if (json_is_true(v))
		return "1";
	return NULL;
}

/* API handlers parse the body first: a body that is not a JSON object is
 * answered 400 here, and field() reads the parsed body afterwards. */
static int api_body(struct web_ctx *ctx)
{
	json_t *body;

	return ctx->api ? web_body_json(ctx, &body) : 0;
}

static const char *form_or(struct web_ctx *ctx, const char *name, const char *dflt)
{
	const char *v = field(ctx, name);

	return v && *v ? v : dflt;
}

static int one_of(const char *v, const char *const *list)
{
	for (; v && *list; list++)
		if (strcmp(v, *list) == 0)
			return 1;
	return 0;
}

/* A code: 1-32 letters, digits, '-' or '_'. */
static int code_ok(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++, n++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return 0;
	return n >= 1 && n <= 32;
}

/* Runs write(ctx, arg, c, e) in a write transaction with an audit entry. */
static int in_tx(struct web_ctx *ctx, const char *action, const char *object, int64_t object_id,
                 int (*write)(struct web_ctx *, void *, struct db_conn *, struct co_err *),
                 void *arg, struct co_err *e)
{
	struct db_conn *c;
	json_t *after;
	int rc;

	if ((rc = web_db(ctx, &c, e)) < 0 || (rc = db_begin(c, DB_TX_WRITE, e)) < 0)
		return rc;
	rc = write(ctx, arg, c, e);
	/* anything changed here can change the collaborative's charts */
	if (rc == 0) {
		int team = ctx->route && ctx->route->need.scope &&
		           strcmp(ctx->route->need.scope, IMP_SCOPE_TEAM) == 0;

		rc = imp_store_touch(c, team ? 0 : ctx->scope_id, team ? ctx->scope_id : 0, e);
	}
	if (rc == 0) {
		json_t *body;

		after = json_object();
		if (ctx->api && web_body_json(ctx, &body) == 0)
			json_object_update(after, body);
		for (size_t i = 0; !ctx->api && i < ctx->req->form.n; i++)
			if (strcmp(ctx->req->form.items[i].name, "csrf") != 0)
				json_object_set_new(after, ctx->req->form.items[i].name,
				                    json_string(ctx->req->form.items[i].value));
		rc = acct_audit(c, ctx->user ? ctx->user->id : 0, ctx->req->client, action, object,
		                object_id, NULL, after, e);
		json_decref(after);
	}
	if (rc == 0)
		rc = db_commit(c, e);
	if (rc < 0)
		db_rollback(c);
	return rc;
}

/* Shows the errors of a form that is part of a larger page. */
static int refused(struct web_ctx *ctx, json_t *errors, const char *back)
{
	json_t *d = json_pack("{s:s,s:s}", "title", web_t(ctx, "The change was not made"), "nav",
	                      "improve"),
	       *list = json_array();

	for (void *it = json_object_iter(errors); it; it = json_object_iter_next(errors, it))
		json_array_append_new(list,
		                      json_pack("{s:s,s:O}", "field", json_object_iter_key(it),
		                                "message", json_object_iter_value(it)));
	json_decref(errors);
	json_object_set_new(d, "upload_errors", list);
	json_object_set_new(d, "back", json_string(back));
	return web_render(ctx, 400, "improve/upload_errors", d);
}

/* What a team without an improvement project is told when it asks to change one. */
static const struct co_err no_project = {.code = CO_ENOTFOUND,
                                         .msg = "The team has no improvement project"};

static int done(struct web_ctx *ctx, int rc, struct co_err *e, json_t *errors, const char *back,
                const char *flash)
{
	if (ctx->api) {
		if (rc == CO_EINPUT && errors && json_object_size(errors))
			return web_problem(ctx, 400, "The input is not valid", NULL, errors);
		json_decref(errors);
		if (rc == CO_ECONFLICT) {
			errors = json_object();
			web_errors_add(ctx, errors, "code", "That code is already in use");
			return web_problem(ctx, 409, "The input is not valid", NULL, errors);
		}
		if (rc < 0)
			return web_fail(ctx, rc, e);
		return web_json(ctx, 200, json_pack("{s:s}", "done", web_t(ctx, flash)));
	}
	if (rc == CO_EINPUT && errors && json_object_size(errors))
		return refused(ctx, errors, back);
	json_decref(errors);
	if (rc == CO_ECONFLICT) {
		errors = json_object();
		web_errors_add(ctx, errors, "code", "That code is already in use");
		return refused(ctx, errors, back);
	}
	if (rc < 0)
		return web_fail(ctx, rc, e);
	web_flash(ctx, "success", flash);
	return web_redirect(ctx, back);
}

/* ---- collaborative settings ------------------------------------------ */

static const char *const rule_sets[] = {"mdc", "anhoej", "ihi", "we", "nelson", NULL};
static const char *const visibilities[] = {"collaborative", "faculty", "team", NULL};
static const char *const funnel_methods[] = {"exact", "normal", NULL};

static json_t *options(struct web_ctx *ctx, const char *const *values, const char *const *labels)
{
	json_t *a = json_array();

	for (; *values; values++, labels++)
		json_array_append_new(
		        a, json_pack("{s:s,s:s}", "value", *values, "label", web_t(ctx, *labels)));
	return a;
}

static int settings_render(struct web_ctx *ctx, int status, json_t *errors)
{
	static const char *const rule_labels[] = {"Making Data Count", "Anhøj rules",
	                                          "IHI run-chart rules", "Western Electric",
	                                          "Nelson"};
	static const char *const vis_labels[] = {"Everyone in the collaborative",
	                                         "The team, its organisation and the faculty",
	                                         "The team and the faculty"};
	static const char *const funnel_labels[] = {"Exact (binomial or Poisson)",
	                                            "Normal approximation"};
	struct imp__collab k;
	struct db_conn *c;
	struct co_err e;
	json_t *d, *form;
	char thr[16];
	int rc;

	if ((rc = web_db(ctx, &c, &e)) < 0 ||
	    (rc = imp__collab_get(c, ctx->scope_id, ctx->arena, &k, &e)) < 0)
		return web_fail(ctx, rc, &e);
	snprintf(thr, sizeof(thr), "%d", k.threshold);
	form = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "name", form_or(ctx, "name", k.name),
	                 "aim", form_or(ctx, "aim", k.aim), "starts_on",
	                 form_or(ctx, "starts_on", k.starts_on), "ends_on",
	                 form_or(ctx, "ends_on", k.ends_on), "rule_set",
	                 form_or(ctx, "rule_set", k.rule_set), "data_visibility",
	                 form_or(ctx, "data_visibility", k.visibility), "suppression_threshold",
	                 form_or(ctx, "suppression_threshold", thr), "funnel_method",
	                 form_or(ctx, "funnel_method", k.funnel_method));
	d = json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:o}", "title",
	              web_t(ctx, "Collaborative settings"), "nav", "improve", "slug", k.slug,
	              "form", form, "rule_sets", options(ctx, rule_sets, rule_labels),
	              "visibilities", options(ctx, visibilities, vis_labels), "funnel_methods",
	              options(ctx, funnel_methods, funnel_labels));
	if (errors)
		json_object_set_new(d, "errors", errors);
	return web_render(ctx, status, "improve/settings", d);
}

int imp__settings_form(struct web_ctx *ctx)
{
	return settings_render(ctx, 200, NULL);
}

static int settings_write(struct web_ctx *ctx, void *arg, struct db_conn *c, struct co_err *e)
{
	(void)arg;
	return db_exec(
	        c,
	        "UPDATE imp_collaboratives SET name = ?, aim = ?, starts_on = ?, ends_on = ?, "
	        "rule_set = ?, data_visibility = ?, suppression_threshold = ?, funnel_method "
	        "= ?, updated_at = ? WHERE id = ?",
	        DB_ARGS(DB_T(field(ctx, "name")), DB_T(form_or(ctx, "aim", "")),
	                DB_T(field(ctx, "starts_on")), DB_T(field(ctx, "ends_on")),
	                DB_T(field(ctx, "rule_set")), DB_T(field(ctx, "data_visibility")),
	                DB_I(strtol(field(ctx, "suppression_threshold"), NULL, 10)),
	                DB_T(field(ctx, "funnel_method")), DB_I(web_now()), DB_I(ctx->scope_id)),
	        NULL, e);
}

int imp__settings_post(struct web_ctx *ctx)
{
	json_t *errors = json_object();
	const char *thr = field(ctx, "suppression_threshold");
	int32_t s = 0, en = 0;
	char *end = NULL;
	long t = thr ? strtol(thr, &end, 10) : 0;
	struct co_err e;
	int rc;
	char back[160];

	if (api_body(ctx) < 0)
		return 0; /* answered */
	if (!field(ctx, "name") || !*field(ctx, "name"))
		web_errors_add(ctx, errors, "name", "Give the collaborative a name");
	if (imp_day_parse(field(ctx, "starts_on"), &s))
		web_errors_add(ctx, errors, "starts_on", "Enter the start date as YYYY-MM-DD");
	if (imp_day_parse(field(ctx, "ends_on"), &en) || en <= s)
		web_errors_add(ctx, errors, "ends_on", "Enter an end date after the start");
	if (!one_of(field(ctx, "rule_set"), rule_sets))
		web_errors_add(ctx, errors, "rule_set", "Choose a rule set");
	if (!one_of(field(ctx, "data_visibility"), visibilities))
		web_errors_add(ctx, errors, "data_visibility", "Choose who sees a team's data");
	if (!one_of(field(ctx, "funnel_method"), funnel_methods))
		web_errors_add(ctx, errors, "funnel_method",
		               "Choose how funnel limits are worked out");
	if (!thr || !end || *end || t < 1 || t > 100)
		web_errors_add(ctx, errors, "suppression_threshold",
		               "Enter a whole number from 1 to 100");
	if (json_object_size(errors))
		return ctx->api ? web_problem(ctx, 400, "The input is not valid", NULL, errors)
		                : settings_render(ctx, 400, errors);
	json_decref(errors);
	rc = in_tx(ctx, "improve.collaborative.update", "imp_collaborative", ctx->scope_id,
	           settings_write, NULL, &e);
	snprintf(back, sizeof(back), "/improve/c/%s", web_param(ctx, "slug"));
	return done(ctx, rc, &e, NULL, back, "The settings are saved");
}

/* ---- learning sessions, teams, shared measures ----------------------- */

static int session_write(struct web_ctx *ctx, void *arg, struct db_conn *c, struct co_err *e)
{
	int32_t day = *(int32_t *)arg;
	int64_t n;
	int rc =
	        db_query_int(c,
	                     "SELECT COALESCE(MAX(number), 0) + 1 FROM imp_learning_sessions WHERE "
	                     "collaborative_id = ?",
	                     DB_ARGS(DB_I(ctx->scope_id)), &n, e);

	if (rc < 0)
		return rc;
	return db_exec(
	        c,
	        "INSERT INTO imp_learning_sessions (collaborative_id, number, title, starts_at, "
	        "ends_at, mode, place, agenda) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	        DB_ARGS(DB_I(ctx->scope_id), DB_I(n), DB_T(field(ctx, "title")),
	                DB_I((int64_t)day * 86400 + (int64_t)9 * 3600),
	                DB_I((int64_t)day * 86400 + (int64_t)16 * 3600), DB_T(field(ctx, "mode")),
	                DB_T(form_or(ctx, "place", "")), DB_T(form_or(ctx, "agenda", ""))),
	        NULL, e);
}

int imp__session_post(struct web_ctx *ctx)
{
	static const char *const modes[] = {"online", "in_person", "hybrid", NULL};
	json_t *errors = json_object();
	struct co_err e;
	int32_t day = 0;
	int rc = CO_EINPUT;
	char back[160];

	if (api_body(ctx) < 0)
		return 0; /* answered */
	snprintf(back, sizeof(back), "/improve/c/%s", web_param(ctx, "slug"));
	if (!field(ctx, "title") || !*field(ctx, "title"))
		web_errors_add(ctx, errors, "title", "Give the session a title");
	if (imp_day_parse(field(ctx, "date"), &day))
		web_errors_add(ctx, errors, "date", "Enter the date as YYYY-MM-DD");
	if (!one_of(field(ctx, "mode"), modes))
		web_errors_add(ctx, errors, "mode", "Choose online, in person or hybrid");
	if (!json_object_size(errors))
		rc = in_tx(ctx, "improve.session.create", "imp_collaborative", ctx->scope_id,
		           session_write, &day, &e);
	return done(ctx, rc, &e, errors, back, "The learning session is added");
}

static int team_write(struct web_ctx *ctx, void *arg, struct db_conn *c, struct co_err *e)
{
	int64_t org, team;
	int rc;

	(void)arg;
	if ((rc = db_query_int(c, "SELECT id FROM organisations WHERE code = ?",
	                       DB_ARGS(DB_T(field(ctx, "org"))), &org, e)) < 0)
		return rc == CO_ENOTFOUND
		               ? co_errf_at(e, CO_EINPUT, 0, 0, "org", "no such organisation")
		               : rc;
	if ((rc = db_exec(
	             c,
	             "INSERT INTO imp_member_orgs (collaborative_id, org_id, joined_on) SELECT ?, "
	             "?, ? WHERE NOT EXISTS (SELECT 1 FROM imp_member_orgs WHERE "
	             "collaborative_id = ? AND org_id = ?)",
	             DB_ARGS(DB_I(ctx->scope_id), DB_I(org),
	                     DB_T(imp__month_text(ctx->arena, imp__today())), DB_I(ctx->scope_id),
	                     DB_I(org)),
	             NULL, e)) < 0)
		return rc;
	if ((rc = db_query_int(
	             c,
	             "INSERT INTO imp_teams (collaborative_id, org_id, code, name, service, "
	             "created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
	             DB_ARGS(DB_I(ctx->scope_id), DB_I(org), DB_T(field(ctx, "code")),
	                     DB_T(field(ctx, "name")), DB_T(form_or(ctx, "service", "")),
	                     DB_I(web_now())),
	             &team, e)) < 0)
		return rc;
	/* every team starts with a project whose driver diagram has its aim */
	return db_exec(
	        c,
	        "INSERT INTO imp_projects (team_id, title, created_at, updated_at) VALUES (?, ?, "
	        "?, ?)",
	        DB_ARGS(DB_I(team), DB_T(field(ctx, "name")), DB_I(web_now()), DB_I(web_now())),
	        NULL, e);
}

int imp__team_post(struct web_ctx *ctx)
{
	json_t *errors = json_object();
	struct co_err e;
	int rc = CO_EINPUT;
	char back[160];

	if (api_body(ctx) < 0)
		return 0; /* answered */
	snprintf(back, sizeof(back), "/improve/c/%s", web_param(ctx, "slug"));
	if (!code_ok(field(ctx, "code")))
		web_errors_add(ctx, errors, "code",
		               "Give a short code: letters, digits and dashes");
	if (!field(ctx, "name") || !*field(ctx, "name"))
		web_errors_add(ctx, errors, "name", "Give the team a name");
	if (!field(ctx, "org") || !*field(ctx, "org"))
		web_errors_add(ctx, errors, "org", "Give the organisation's code");
	if (!json_object_size(errors)) {
		rc = in_tx(ctx, "improve.team.create", "imp_collaborative", ctx->scope_id,
		           team_write, NULL, &e);
		if (rc == CO_EINPUT && e.field[0]) {
			web_errors_add(ctx, errors, e.field,
			               "There is no organisation with that code");
		}
	}
	return done(ctx, rc, &e, errors, back, "The team is added");
}

/* A measure's fields from the form; project 0 for a shared measure. */
struct measure_in {
	int64_t project;
};

static int measure_write(struct web_ctx *ctx, void *arg, struct db_conn *c, struct co_err *e)
{
	struct measure_in *in = arg;
	enum imp_data_type t;
	const char *target = field(ctx, "target"), *chart = field(ctx, "chart");
	char *end = NULL;
	double tv = target && *target ? strtod(target, &end) : 0;
	int64_t collab = ctx->scope_id;
	int rc;

	if (in->project &&
	    (rc = db_query_int(
	             c,
	             "SELECT t.collaborative_id FROM imp_projects p JOIN imp_teams t ON t.id "
	             "= p.team_id WHERE p.id = ?",
	             DB_ARGS(DB_I(in->project)), &collab, e)) < 0)
		return rc;
	imp_data_type_parse(field(ctx, "data_type"), &t);
	return db_exec(
	        c,
	        "INSERT INTO imp_measures (collaborative_id, project_id, shared, code, name, "
	        "kind, definition, numerator_def, denominator_def, data_type, multiplier, unit, "
	        "frequency, direction, target, chart, position, created_at) VALUES (?, ?, ?, ?, "
	        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 100, ?)",
	        DB_ARGS(DB_I(collab), in->project ? DB_I(in->project) : DB_NUL,
	                DB_I(in->project ? 0 : 1), DB_T(field(ctx, "code")),
	                DB_T(field(ctx, "name")), DB_T(field(ctx, "kind")),
	                DB_T(form_or(ctx, "definition", "")),
	                DB_T(form_or(ctx, "numerator_def", "")),
	                DB_T(form_or(ctx, "denominator_def", "")), DB_T(field(ctx, "data_type")),
	                DB_R(strtod(form_or(ctx, "multiplier", "1"), NULL)),
	                DB_T(form_or(ctx, "unit", "")), DB_T(form_or(ctx, "frequency", "monthly")),
	                DB_T(field(ctx, "direction")),
	                target && *target && end && !*end ? DB_R(tv) : DB_NUL,
	                DB_T(chart && *chart ? chart : imp_suggest_chart(t)), DB_I(web_now())),
	        NULL, e);
}

static int measure_post(struct web_ctx *ctx, int64_t project, const char *back)
{
	static const char *const kinds[] = {"outcome", "process", "balancing", NULL};
	static const char *const types[] = {"continuous", "count", "proportion", "rate", NULL};
	static const char *const dirs[] = {"up", "down", "neither", NULL};
	static const char *const freqs[] = {"monthly", "weekly", NULL};
	static const char *const charts[] = {"",   "run", "i", "p", "pp", "u",
	                                     "up", "c",   "g", "t", NULL};
	json_t *errors = json_object();
	struct measure_in in = {project};
	const char *mult = form_or(ctx, "multiplier", "1"), *target = field(ctx, "target");
	char *end;
	struct co_err e;
	int rc = CO_EINPUT;

	if (!code_ok(field(ctx, "code")))
		web_errors_add(ctx, errors, "code",
		               "Give a short code: letters, digits and dashes");
	if (!field(ctx, "name") || !*field(ctx, "name"))
		web_errors_add(ctx, errors, "name", "Give the measure a name");
	if (!one_of(field(ctx, "kind"), kinds))
		web_errors_add(ctx, errors, "kind", "Choose outcome, process or balancing");
	if (!one_of(field(ctx, "data_type"), types))
		web_errors_add(ctx, errors, "data_type", "Choose what kind of number it is");
	if (!one_of(form_or(ctx, "frequency", "monthly"), freqs))
		web_errors_add(ctx, errors, "frequency", "Choose weekly or monthly");
	if (!one_of(field(ctx, "direction"), dirs))
		web_errors_add(ctx, errors, "direction", "Choose which way is better");
	if (!one_of(form_or(ctx, "chart", ""), charts))
		web_errors_add(ctx, errors, "chart", "Choose a chart");
	if (!(strtod(mult, &end) > 0) || *end)
		web_errors_add(ctx, errors, "multiplier",
		               "Enter a multiplier above 0, such as 1000");
	if (target && *target && (strtod(target, &end), *end))
		web_errors_add(ctx, errors, "target", "Enter the target as a number");
	if (!json_object_size(errors))
		rc = in_tx(ctx, "improve.measure.create",
		           project ? "imp_project" : "imp_collaborative",
		           project ? project : ctx->scope_id, measure_write, &in, &e);
	return done(ctx, rc, &e, errors, back, "The measure is added");
}

int imp__measure_post(struct web_ctx *ctx)
{
	char back[160];

	if (api_body(ctx) < 0)
		return 0; /* answered */
	snprintf(back, sizeof(back), "/improve/c/%s", web_param(ctx, "slug"));
	return measure_post(ctx, 0, back);
}

static int team_project(struct web_ctx *ctx, int64_t *project, struct co_err *e)
{
	struct db_conn *c;
	int rc;

	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	return db_query_int(c, "SELECT MIN(id) FROM imp_projects WHERE team_id = ?",
	                    DB_ARGS(DB_I(ctx->scope_id)), project, e);
}

int imp__team_measure_post(struct web_ctx *ctx)
{
	int64_t project = 0;
	struct co_err e;
	char back[96];
	int rc;

	if (api_body(ctx) < 0)
		return 0; /* answered */
	snprintf(back, sizeof(back), "/improve/t/%lld#measures", (long long)ctx->scope_id);
	if ((rc = team_project(ctx, &project, &e)) < 0)
		return web_fail(ctx, rc, &e);
	if (project <= 0)
		return web_fail(ctx, CO_ENOTFOUND, &no_project);
	return measure_post(ctx, project, back);
}

/* ---- the driver diagram as a tree ------------------------------------ */

struct tree_op {
	int64_t project, node, parent;
	const char *action;
};

static const char *child_kind(const char *kind)
{
	if (!kind)
		return "aim";
	if (strcmp(kind, "aim") == 0)
		return "primary";
	if (strcmp(kind, "primary") == 0)
		return "secondary";
	if (strcmp(kind, "secondary") == 0)
		return "change_idea";
	return NULL; /* change ideas have no children */
}

static int tree_write(struct web_ctx *ctx, void *arg, struct db_conn *c, struct co_err *e)
{
	struct tree_op *op = arg;
	struct db_rows *r;
	char kind[16] = "";
	int64_t pos = 0, parent = 0, collab, other;
	int rc;

	if ((rc = db_query_int(
	             c,
	             "SELECT t.collaborative_id FROM imp_projects p JOIN imp_teams t ON t.id "
	             "= p.team_id WHERE p.id = ?",
	             DB_ARGS(DB_I(op->project)), &collab, e)) < 0)
		return rc;
	if (op->node) {
		/* the node must be this project's */
		if ((rc = db_query(c,
		                   "SELECT kind, position, COALESCE(parent_id, 0) FROM "
		                   "imp_driver_nodes WHERE id = ? AND project_id = ?",
		                   DB_ARGS(DB_I(op->node), DB_I(op->project)), &r, e)) < 0)
			return rc;
		rc = db_rows_next(r, e);
		if (rc == 1) {
			snprintf(kind, sizeof(kind), "%s", db_text(r, 0));
			pos = db_int(r, 1);
			parent = db_int(r, 2);
		}
		db_rows_free(r);
		if (rc != 1)
			return rc < 0 ? rc : co_errf_at(e, CO_EINPUT, 0, 0, "node", "no such node");
	}
	if (strcmp(op->action, "add") == 0) {
		const char *ck = child_kind(op->node ? kind : NULL);

		if (!ck)
			return co_errf_at(e, CO_EINPUT, 0, 0, "node",
			                  "a change idea has nothing below it");
		return db_exec(
		        c,
		        "INSERT INTO imp_driver_nodes (collaborative_id, project_id, parent_id, "
		        "kind, title, position) VALUES (?, ?, ?, ?, ?, (SELECT "
		        "COALESCE(MAX(position), 0) + 1 FROM imp_driver_nodes WHERE project_id = "
		        "?))",
		        DB_ARGS(DB_I(collab), DB_I(op->project), op->node ? DB_I(op->node) : DB_NUL,
		                DB_T(ck), DB_T(field(ctx, "title")), DB_I(op->project)),
		        NULL, e);
	}
	if (!op->node)
		return co_errf_at(e, CO_EINPUT, 0, 0, "node", "choose a node");
	if (strcmp(op->action, "rename") == 0)
		return db_exec(c, "UPDATE imp_driver_nodes SET title = ? WHERE id = ?",
		               DB_ARGS(DB_T(field(ctx, "title")), DB_I(op->node)), NULL, e);
	if (strcmp(op->action, "remove") == 0)
		return db_exec(c, "DELETE FROM imp_driver_nodes WHERE id = ?",
		               DB_ARGS(DB_I(op->node)), NULL, e);
	/* up or down: swap places with the sibling before or after it */
	rc = db_query_int(c,
	                  strcmp(op->action, "up") == 0
	                          ? "SELECT id FROM imp_driver_nodes WHERE project_id = ? AND "
	                            "COALESCE(parent_id, 0) = ? AND position < ? ORDER BY position "
	                            "DESC LIMIT 1"
	                          : "SELECT id FROM imp_driver_nodes WHERE project_id = ? AND "
	                            "COALESCE(parent_id, 0) = ? AND position > ? ORDER BY position "
	                            "LIMIT 1",
	                  DB_ARGS(DB_I(op->project), DB_I(parent), DB_I(pos)), &other, e);
	if (rc == CO_ENOTFOUND)
		return 0; /* already first or last */
	if (rc < 0)
		return rc;
	if ((rc = db_exec(c,
	                  "UPDATE imp_driver_nodes SET position = (SELECT position FROM "
	                  "imp_driver_nodes WHERE id = ?) WHERE id = ?",
	                  DB_ARGS(DB_I(other), DB_I(op->node)), NULL, e)) < 0)
		return rc;
	return db_exec(c, "UPDATE imp_driver_nodes SET position = ? WHERE id = ?",
	               DB_ARGS(DB_I(pos), DB_I(other)), NULL, e);
}

int imp__drivers_post(struct web_ctx *ctx)
{
	static const char *const actions[] = {"add", "rename", "remove", "up", "down", NULL};
	json_t *errors = json_object();
	struct tree_op op;
	const char *node = field(ctx, "node"), *title = field(ctx, "title");
	struct co_err e;
	char back[96];
	int rc = CO_EINPUT;

	if (api_body(ctx) < 0)
		return 0; /* answered */
	memset(&op, 0, sizeof(op));
	op.action = field(ctx, "action");
	snprintf(back, sizeof(back), "/improve/t/%lld#drivers", (long long)ctx->scope_id);
	if ((rc = team_project(ctx, &op.project, &e)) < 0 || op.project <= 0) {
		json_decref(errors);
		return web_fail(ctx, rc < 0 ? rc : CO_ENOTFOUND, rc < 0 ? &e : &no_project);
	}
	op.node = node && *node ? strtoll(node, NULL, 10) : 0;
	if (!one_of(op.action, actions))
		web_errors_add(ctx, errors, "action", "Choose what to do");
	if (op.action && (strcmp(op.action, "add") == 0 || strcmp(op.action, "rename") == 0) &&
	    (!title || !*title))
		web_errors_add(ctx, errors, "title", "Give the driver or change idea a title");
	rc = CO_EINPUT;
	if (!json_object_size(errors)) {
		rc = in_tx(ctx, "improve.driver.change", "imp_project", op.project, tree_write, &op,
		           &e);
		if (rc == CO_EINPUT)
			web_errors_add(ctx, errors, e.field[0] ? e.field : "node",
			               "That change cannot be made to the diagram");
	}
	return done(ctx, rc, &e, errors, back, "The driver diagram is changed");
}

/* ---- leaving a month out of the limits ------------------------------- */

static int exclusion_write(struct web_ctx *ctx, void *arg, struct db_conn *c, struct co_err *e)
{
	const char *period = arg, *reason = field(ctx, "reason");
	int include = field(ctx, "include") != NULL;
	int64_t changed = 0;
	int rc;

	rc = db_exec(
	        c,
	        "UPDATE imp_data_points SET excluded = ?, exclude_reason = ? WHERE team_id = ? "
	        "AND period = ? AND measure_id IN (SELECT m.id FROM imp_measures m LEFT JOIN "
	        "imp_projects p ON p.id = m.project_id WHERE m.code = ? AND (m.shared = 1 OR "
	        "p.team_id = ?))",
	        DB_ARGS(DB_I(include ? 0 : 1), include ? DB_NUL : DB_T(reason), DB_I(ctx->scope_id),
	                DB_T(period), DB_T(field(ctx, "measure")), DB_I(ctx->scope_id)),
	        &changed, e);
	if (rc == 0 && changed == 0)
		return co_errf_at(e, CO_EINPUT, 0, 0, "from", "there is no value for that month");
	return rc;
}

int imp__exclusion_post(struct web_ctx *ctx)
{
	json_t *errors = json_object();
	const char *reason = field(ctx, "reason");
	int32_t day;
	char period[16], back[96];
	struct co_err e;
	int rc = CO_EINPUT;

	if (api_body(ctx) < 0)
		return 0; /* answered */
	snprintf(back, sizeof(back), "/improve/t/%lld#measures", (long long)ctx->scope_id);
	if (imp_period_parse(field(ctx, "month"), IMP_FREQ_MONTHLY, &day, NULL))
		web_errors_add(ctx, errors, "month", "Enter the month as YYYY-MM");
	if (!field(ctx, "include") && (!reason || !*reason))
		web_errors_add(ctx, errors, "reason", "Say why the month is left out");
	if (!json_object_size(errors)) {
		imp_day_format(day, period, sizeof(period));
		rc = in_tx(ctx, "improve.exclusion.change", "imp_team", ctx->scope_id,
		           exclusion_write, period, &e);
		if (rc == CO_EINPUT)
			web_errors_add(ctx, errors, "month", "There is no value for that month");
	}
	return done(ctx, rc, &e, errors, back, "The chart is changed");
}

/* ---- a team's people -------------------------------------------------- */

static int person_write(struct web_ctx *ctx, void *arg, struct db_conn *c, struct co_err *e)
{
	int64_t uid;
	int rc;

	(void)arg;
	rc = db_query_int(c, "SELECT id FROM users WHERE email = ?",
	                  DB_ARGS(DB_T(field(ctx, "email"))), &uid, e);
	if (rc == CO_ENOTFOUND)
		return co_errf_at(e, CO_EINPUT, 0, 0, "email",
		                  "no account with that email address");
	if (rc < 0)
		return rc;
	rc = acct_membership_add(c, ctx->user ? ctx->user->id : 0, uid, IMP_SCOPE_TEAM,
	                         ctx->scope_id, field(ctx, "role"), e);
	if (rc == CO_ECONFLICT)
		return co_errf_at(e, CO_EINPUT, 0, 0, "email", "the person already has this role");
	return rc;
}

int imp__person_post(struct web_ctx *ctx)
{
	static const char *const roles[] = {"team_member", "coach", NULL};
	json_t *errors = json_object();
	struct co_err e;
	char back[96];
	int rc = CO_EINPUT;

	if (api_body(ctx) < 0)
		return 0; /* answered */
	snprintf(back, sizeof(back), "/improve/t/%lld#people", (long long)ctx->scope_id);
	if (!field(ctx, "email") || !*field(ctx, "email"))
		web_errors_add(ctx, errors, "email", "Give the person's email address");
	if (!one_of(field(ctx, "role"), roles))
		web_errors_add(ctx, errors, "role", "Choose team member or coach");
	if (!json_object_size(errors)) {
		rc = in_tx(ctx, "improve.team.person", "imp_team", ctx->scope_id, person_write,
		           NULL, &e);
		if (rc == CO_EINPUT)
			web_errors_add(ctx, errors, "email",
			               "There is no account with that email address, or the person "
			               "already has this role");
	}
	return done(ctx, rc, &e, errors, back, "The person is added to the team");
}
