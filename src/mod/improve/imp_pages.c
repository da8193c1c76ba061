/*
 * imp_pages.c - Improve's HTML pages: forms post back to themselves, work
 * without JavaScript, and show every error beside its field.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/csv.h"
#include "base/limits.h"
#include "mod/accounts/acct.h"
#include "mod/improve/imp_render.h"
#include "mod/improve/imp_store.h"
#include "mod/improve/imp_views.h"
#include "mod/improve/imp_web_int.h"
#include "render/render.h"

static json_t *page(struct web_ctx *ctx, const char *title_msgid)
{
	return json_pack("{s:s,s:s}", "title", web_t(ctx, title_msgid), "nav", "improve");
}

static const char *col_text(struct db_rows *r, int i)
{
	const char *s = db_text(r, i);

	return s ? s : "";
}

/* A small positive number from text, 0 when it is not one. */
static int atoi_safe(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && !*end && v > 0 && v < 1000 ? (int)v : 0;
}

/* The team the route named (the framework has checked access to it). */
static int route_team(struct web_ctx *ctx, struct imp__team *t, struct imp__collab *k,
                      struct co_err *e)
{
	struct db_conn *c;
	int rc;

	if ((rc = web_db(ctx, &c, e)) < 0 ||
	    (rc = imp__team_get(c, ctx->scope_id, ctx->arena, t, e)) < 0)
		return rc;
	return k ? imp__collab_get(c, t->collab_id, ctx->arena, k, e) : 0;
}

/* A period from "YYYY-MM" (the month before today when absent). */
static int month_param(const char *s, int32_t *out)
{
	struct co_err e;

	if (!s || !*s) {
		*out = imp_month_add(imp__today(), -1);
		return 0;
	}
	return imp_period_parse(s, IMP_FREQ_MONTHLY, out, &e);
}

int imp__index_page(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct db_rows *r;
	struct co_err e;
	json_t *d = page(ctx, "Improvement collaboratives"), *items = json_array(), *teams;
	size_t i;
	int rc;

	if ((rc = web_db(ctx, &c, &e)) < 0 ||
	    (rc = db_query(c,
	                   "SELECT id, slug, name, aim, starts_on, ends_on FROM imp_collaboratives "
	                   "ORDER BY starts_on DESC, id",
	                   DB_NOARGS, &r, &e)) < 0) {
		json_decref(d);
		json_decref(items);
		return web_fail(ctx, rc, &e);
	}
	while ((rc = db_rows_next(r, &e)) == 1) {
		int can = web_can(ctx,
		                  WEB_R_COLLAB_ADMIN | WEB_R_FACULTY | WEB_R_COACH | WEB_R_VIEWER,
		                  IMP_SCOPE_COLLAB, db_int(r, 0));

		json_array_append_new(items,
		                      json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "slug", col_text(r, 1),
		                                "name", col_text(r, 2), "aim", col_text(r, 3),
		                                "starts_on", col_text(r, 4), "ends_on",
		                                col_text(r, 5), "can_open", can > 0));
	}
	db_rows_free(r);
	if (rc < 0) {
		json_decref(d);
		json_decref(items);
		return web_fail(ctx, rc, &e);
	}
	teams = json_array();
	for (i = 0; i < ctx->nroles; i++) {
		struct imp__team t;

		if (strcmp(ctx->roles[i].scope, IMP_SCOPE_TEAM) != 0)
			continue;
		if (imp__team_get(c, ctx->roles[i].scope_id, ctx->arena, &t, &e) == 0)
			json_array_append_new(teams, imp__team_json(&t));
	}
	json_object_set_new(d, "collaboratives", items);
	json_object_set_new(d, "my_teams", teams);
	return web_render(ctx, 200, "improve/index", d);
}

int imp__collab_page(struct web_ctx *ctx)
{
	struct co_err e;
	json_t *d, *k;
	int rc;

	if ((rc = imp__collab_overview(ctx, ctx->scope_id, &k, &e)) < 0)
		return web_fail(ctx, rc, &e);
	d = page(ctx, json_string_value(json_object_get(k, "name")));
	json_object_set_new(d, "title", json_copy(json_object_get(k, "name")));
	json_object_set_new(d, "collab", k);
	json_object_set_new(d, "is_admin",
	                    json_boolean(web_can(ctx, WEB_R_COLLAB_ADMIN, IMP_SCOPE_COLLAB,
	                                         ctx->scope_id) > 0));
	json_object_set_new(
	        d, "can_pack",
	        json_boolean(web_can(ctx, WEB_R_COLLAB_ADMIN | WEB_R_FACULTY | WEB_R_COACH,
	                             IMP_SCOPE_COLLAB, ctx->scope_id) > 0));
	return web_render(ctx, 200, "improve/collab", d);
}

int imp__matrix_page(struct web_ctx *ctx)
{
	struct co_err e;
	json_t *d, *m;
	int rc;

	if ((rc = imp__matrix_cached(ctx, ctx->scope_id, &m, NULL, NULL, &e)) < 0)
		return web_fail(ctx, rc, &e);
	d = page(ctx, "Teams and measures");
	json_object_set_new(d, "matrix", m);
	return web_render(ctx, 200, "improve/matrix", d);
}

int imp__view_page(struct web_ctx *ctx)
{
	static const struct {
		const char *view, *title, *tpl;
	} views[] = {
	        {"scores", "Assessment scores by month", "improve/scores"},
	        {"ideas", "Change ideas and teams", "improve/ideas"},
	        {"equity", "Rates by group", "improve/equity"},
	        {"completeness", "Data completeness", "improve/completeness"},
	        {"funnel", "One measure across all teams", "improve/funnel"},
	};
	const char *view = web_param(ctx, "view");
	struct co_err e;
	json_t *d, *v;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(views) / sizeof(views[0]); i++)
		if (strcmp(view, views[i].view) == 0)
			break;
	if (i == sizeof(views) / sizeof(views[0]))
		return web_fail(ctx, CO_ENOTFOUND, NULL);
	if ((rc = imp__view_json(ctx, ctx->scope_id, view, web_query(ctx, "measure"), &v, &e)) < 0)
		return web_fail(ctx, rc, &e);
	d = page(ctx, views[i].title);
	json_object_set_new(d, "slug", json_string(web_param(ctx, "slug")));
	if (strcmp(view, "funnel") == 0) {
		char *svg = NULL;

		if (imp__funnel_svg(ctx, v,
		                    json_string_value(
		                            json_object_get(json_object_get(v, "measure"), "name")),
		                    &svg) == 0)
			json_object_set_new(d, "funnel_svg", json_string(svg));
	}
	json_object_set_new(d, "v", v);
	return web_render(ctx, 200, views[i].tpl, d);
}

int imp__team_page(struct web_ctx *ctx)
{
	struct co_err e;
	json_t *d, *t;
	int rc;

	if ((rc = imp__team_page_json(ctx, ctx->scope_id, 1, &t, &e)) < 0)
		return web_fail(ctx, rc, &e);
	d = page(ctx, json_string_value(json_object_get(json_object_get(t, "team"), "name")));
	json_object_set_new(d, "title",
	                    json_copy(json_object_get(json_object_get(t, "team"), "name")));
	json_object_set_new(d, "t", t);
	json_object_set_new(d, "can_enter",
	                    json_boolean(web_can(ctx, WEB_R_TEAM_MEMBER | WEB_R_COLLAB_ADMIN,
	                                         IMP_SCOPE_TEAM, ctx->scope_id) > 0));
	json_object_set_new(
	        d, "can_manage",
	        json_boolean(web_can(ctx, WEB_R_COLLAB_ADMIN, IMP_SCOPE_TEAM, ctx->scope_id) > 0));
	json_object_set_new(d, "can_phase",
	                    json_boolean(web_can(ctx,
	                                         WEB_R_TEAM_MEMBER | WEB_R_COACH | WEB_R_FACULTY |
	                                                 WEB_R_COLLAB_ADMIN,
	                                         IMP_SCOPE_TEAM, ctx->scope_id) > 0));
	json_object_set_new(
	        d, "last_month",
	        json_string(imp__month_text(ctx->arena, imp_month_add(imp__today(), -1))));
	{
		json_t *charts = json_object_get(t, "charts");
		size_t i;
		int weekly = 0;

		for (i = 0; i < json_array_size(charts); i++) {
			json_t *m = json_object_get(json_array_get(charts, i), "measure");
			const char *f = json_string_value(json_object_get(m, "frequency"));

			weekly |= f && strcmp(f, "weekly") == 0;
		}
		json_object_set_new(d, "has_weekly", json_boolean(weekly));
	}
	return web_render(ctx, 200, "improve/team", d);
}

/* ---- data entry ------------------------------------------------------ */

/* The frequency the data-entry form is for: "freq=weekly" in the query or
 * the form, monthly otherwise. */
static enum imp_freq freq_param(struct web_ctx *ctx)
{
	const char *s = web_form(ctx, "freq");
	enum imp_freq f;

	if (!s)
		s = web_query(ctx, "freq");
	return s && imp_freq_parse(s, &f) == 0 ? f : IMP_FREQ_MONTHLY;
}

/* The period before today's: last month, or last week's Monday (day 4,
 * 1970-01-05, was a Monday). */
static int32_t last_period(enum imp_freq f)
{
	int32_t today = imp__today();

	if (f == IMP_FREQ_WEEKLY)
		return today - (int32_t)(((today + 3) % 7 + 7) % 7) - 7;
	return imp_month_add(today, -1);
}

/* A period of frequency f from text (the last one when absent): "YYYY-MM"
 * for a month, the Monday "YYYY-MM-DD" for a week, as imp_data checks. */
static int period_param(const char *s, enum imp_freq f, int32_t *out)
{
	struct co_err e;

	if (!s || !*s) {
		*out = last_period(f);
		return 0;
	}
	return imp_period_parse(s, f, out, &e);
}

static const char *period_hint(enum imp_freq f)
{
	return f == IMP_FREQ_WEEKLY ? "Enter the week as its Monday, YYYY-MM-DD"
	                            : "Enter the month as YYYY-MM";
}

static int data_render(struct web_ctx *ctx, int status, enum imp_freq freq, int32_t period,
                       json_t *errors)
{
	struct imp__team t;
	struct imp__collab k;
	struct imp_catalog cat;
	struct db_conn *c;
	struct co_err e;
	json_t *d, *measures, *groups;
	char name[64], p[16];
	int rc, i, g, kk;

	if ((rc = route_team(ctx, &t, &k, &e)) < 0 || (rc = web_db(ctx, &c, &e)) < 0 ||
	    (rc = imp_store_catalog(c, t.collab_id, imp__today(), ctx->arena, &cat, &e)) < 0)
		return web_fail(ctx, rc, &e);
	imp_day_format(period, p, sizeof(p));
	groups = json_array();
	for (kk = 0; kk < cat.nkinds; kk++)
		for (g = 0; g < cat.kinds[kk].ngroups; g++)
			json_array_append_new(groups,
			                      json_pack("{s:I,s:s,s:s}", "id",
			                                (json_int_t)cat.kinds[kk].groups[g].id,
			                                "name", cat.kinds[kk].groups[g].name,
			                                "kind", cat.kinds[kk].name));
	measures = json_array();
	for (i = 0; i < cat.nmeasures; i++) {
		const struct imp_measure_def *m = &cat.measures[i];
		struct db_rows *r;
		json_t *mj, *gl;
		size_t gi;

		if ((m->team_id && m->team_id != t.id) || m->freq != freq)
			continue;
		mj = json_pack("{s:I,s:s,s:s,s:b}", "id", (json_int_t)m->id, "name", m->name,
		               "type", imp_data_type_name(m->type), "ratio",
		               imp_data_type_is_ratio(m->type));
		/* field names and current values (the form's own when re-shown) */
#define FIELD(part, key)                                                                           \
	do {                                                                                       \
		imp_field_name(name, sizeof(name), m->id, 0, part);                                \
		json_object_set_new(mj, key "_field", json_string(name));                          \
		json_object_set_new(mj, key,                                                       \
		                    json_string(web_form(ctx, name) ? web_form(ctx, name) : ""));  \
	} while (0)
		FIELD("value", "value");
		FIELD("num", "num");
		FIELD("den", "den");
		FIELD("notes", "notes");
		if (ctx->req->method == HTTP_GET &&
		    db_query(c,
		             "SELECT value, numerator, denominator, COALESCE(notes, '') FROM "
		             "imp_data_points WHERE measure_id = ? AND team_id = ? AND period = ?",
		             DB_ARGS(DB_I(m->id), DB_I(t.id), DB_T(p)), &r, &e) == 0) {
			if (db_rows_next(r, &e) == 1) {
				char v[32];

				if (!db_isnull(r, 0)) {
					co_dtoa(db_real(r, 0), v);
					json_object_set_new(mj, "value", json_string(v));
				}
				if (!db_isnull(r, 1)) {
					co_dtoa(db_real(r, 1), v);
					json_object_set_new(mj, "num", json_string(v));
				}
				if (!db_isnull(r, 2)) {
					co_dtoa(db_real(r, 2), v);
					json_object_set_new(mj, "den", json_string(v));
				}
				json_object_set_new(mj, "notes", json_string(col_text(r, 3)));
			}
			db_rows_free(r);
		}
		gl = json_array();
		for (gi = 0; m->type != IMP_DATA_CONTINUOUS && gi < json_array_size(groups); gi++) {
			json_t *gj = json_deep_copy(json_array_get(groups, gi));
			int64_t gid = json_integer_value(json_object_get(gj, "id"));
			const char *parts[3] = {"value", "num", "den"};
			int pi;

			for (pi = 0; pi < 3; pi++) {
				char key[16];

				imp_field_name(name, sizeof(name), m->id, gid, parts[pi]);
				snprintf(key, sizeof(key), "%s_field", parts[pi]);
				json_object_set_new(gj, key, json_string(name));
				json_object_set_new(gj, parts[pi],
				                    json_string(web_form(ctx, name)
				                                        ? web_form(ctx, name)
				                                        : ""));
			}
			json_array_append_new(gl, gj);
		}
		json_object_set_new(mj, "groups", gl);
		json_array_append_new(measures, mj);
#undef FIELD
	}
	json_decref(groups);
	d = page(ctx, freq == IMP_FREQ_WEEKLY ? "Enter a week's data" : "Enter a month's data");
	json_object_set_new(d, "team", imp__team_json(&t));
	json_object_set_new(d, "period",
	                    json_string(freq == IMP_FREQ_WEEKLY
	                                        ? co_arena_strdup(ctx->arena, p)
	                                        : imp__month_text(ctx->arena, period)));
	json_object_set_new(d, "weekly", json_boolean(freq == IMP_FREQ_WEEKLY));
	json_object_set_new(d, "freq", json_string(imp_freq_name(freq)));
	json_object_set_new(d, "measures", measures);
	if (errors)
		json_object_set_new(d, "errors", errors);
	return web_render(ctx, status, "improve/data", d);
}

int imp__data_form(struct web_ctx *ctx)
{
	enum imp_freq freq = freq_param(ctx);
	int32_t period;

	if (period_param(web_query(ctx, "period"), freq, &period))
		return web_fail(ctx, CO_ENOTFOUND, NULL);
	return data_render(ctx, 200, freq, period, NULL);
}

int imp__data_post(struct web_ctx *ctx)
{
	struct imp__team t;
	struct imp_catalog cat;
	struct imp_errs errs;
	struct imp_field *fields;
	struct imp_point *pts = NULL;
	struct db_conn *c;
	struct co_err e;
	enum imp_freq freq = freq_param(ctx);
	int32_t period;
	json_t *errors;
	size_t i;
	int n = 0, rc;
	char url[96];

	if (period_param(web_form(ctx, "period"), freq, &period)) {
		errors = json_object();
		web_errors_add(ctx, errors, "period", period_hint(freq));
		return data_render(ctx, 400, freq, last_period(freq), errors);
	}
	if ((rc = route_team(ctx, &t, NULL, &e)) < 0 || (rc = web_db(ctx, &c, &e)) < 0 ||
	    (rc = imp_store_catalog(c, t.collab_id, imp__today(), ctx->arena, &cat, &e)) < 0)
		return web_fail(ctx, rc, &e);
	fields = co_arena_calloc(ctx->arena, ctx->req->form.n + 1, sizeof(*fields));
	if (!fields)
		return web_fail(ctx, CO_ENOMEM, NULL);
	for (i = 0; i < ctx->req->form.n; i++) {
		fields[i].name = ctx->req->form.items[i].name;
		fields[i].value = ctx->req->form.items[i].value;
	}
	imp_errs_init(&errs);
	rc = imp_entry_validate(&cat, t.id, freq, period, fields, (int)ctx->req->form.n, ctx->arena,
	                        &pts, &n, &errs);
	if (rc == CO_EINPUT) {
		char text[CO_MAX_ERRMSG];

		errors = json_object();
		for (i = 0; i < (size_t)errs.n; i++)
			json_object_set_new(
			        errors, errs.v[i].field[0] ? errs.v[i].field : "form",
			        json_string(web_err_text(ctx, &errs.v[i], text, sizeof(text))));
		imp_errs_free(&errs);
		return data_render(ctx, 400, freq, period, errors);
	}
	imp_errs_free(&errs);
	if (rc < 0 || (rc = imp__store(ctx, pts, n, &e)) < 0)
		return web_fail(ctx, rc, &e);
	web_flash(ctx, "success",
	          freq == IMP_FREQ_WEEKLY ? "The week's data is saved"
	                                  : "The month's data is saved");
	snprintf(url, sizeof(url), "/improve/t/%lld", (long long)t.id);
	return web_redirect(ctx, url);
}

int imp__upload_check(struct web_ctx *ctx, const struct imp__team *t, const char *data, size_t len,
                      struct imp_point **pts, int *n, struct imp_errs *errs, struct co_err *e)
{
	struct imp_catalog cat;
	struct imp_table tab;
	struct db_conn *c;
	int rc;

	if ((rc = web_db(ctx, &c, e)) < 0 ||
	    (rc = imp_store_catalog(c, t->collab_id, imp__today(), ctx->arena, &cat, e)) < 0)
		return rc;
	if (!data || len == 0) {
		imp_errs_add(errs, 0, 0, "file", "Choose a CSV file to upload");
		return CO_EINPUT;
	}
	if ((rc = imp_table_read(data, len, ctx->arena, &tab, errs)) < 0)
		return rc;
	return imp_csv_validate(&cat, t->id, &tab, ctx->arena, pts, n, errs);
}

int imp__upload_post(struct web_ctx *ctx)
{
	const struct http_file *f = http_file(ctx->req, "file");
	struct imp__team t;
	struct imp_errs errs;
	struct imp_point *pts = NULL;
	struct co_err e;
	json_t *d, *list;
	int n = 0, rc, i;
	char url[96], text[CO_MAX_ERRMSG];

	if ((rc = route_team(ctx, &t, NULL, &e)) < 0)
		return web_fail(ctx, rc, &e);
	imp_errs_init(&errs);
	rc = imp__upload_check(ctx, &t, f ? f->data : NULL, f ? f->len : 0, &pts, &n, &errs, &e);
	if (rc == CO_EINPUT) {
		list = json_array();
		for (i = 0; i < errs.n; i++)
			json_array_append_new(
			        list,
			        json_pack("{s:I,s:I,s:s,s:s}", "row", (json_int_t)errs.v[i].row,
			                  "col", (json_int_t)errs.v[i].col, "field",
			                  errs.v[i].field, "message",
			                  web_err_text(ctx, &errs.v[i], text, sizeof(text))));
		imp_errs_free(&errs);
		d = page(ctx, "The file was not loaded");
		json_object_set_new(d, "team", imp__team_json(&t));
		json_object_set_new(d, "upload_errors", list);
		return web_render(ctx, 400, "improve/upload_errors", d);
	}
	imp_errs_free(&errs);
	if (rc < 0 || (rc = imp__store(ctx, pts, n, &e)) < 0)
		return web_fail(ctx, rc, &e);
	web_flash(ctx, "success", "The file is loaded");
	snprintf(url, sizeof(url), "/improve/t/%lld", (long long)t.id);
	return web_redirect(ctx, url);
}

/* ---- PDSA cycles ----------------------------------------------------- */

static int pdsa_json(struct web_ctx *ctx, struct db_conn *c, int64_t team_id, int64_t id,
                     json_t **out, struct co_err *e);

/* The PDSA form: a new cycle (cycle 0) or the team's cycle `cycle` to
 * change. The fields come from cur (borrowed, the cycle as stored) when it
 * is given, else from the posted form. */
static int pdsa_render(struct web_ctx *ctx, int status, json_t *errors, int64_t cycle, json_t *cur)
{
	struct co_err e;
	json_t *d, *t, *ideas, *opts;
	size_t i;
	int rc;
	static const char *const fields[] = {"change_idea", "title", "plan", "prediction",
	                                     "do_notes",    "study", "act",  "starts_on",
	                                     "ends_on",     NULL};

	if ((rc = imp__team_page_json(ctx, ctx->scope_id, 0, &t, &e)) < 0)
		return web_fail(ctx, rc, &e);
	ideas = json_object_get(t, "change_ideas");
	opts = json_array();
	for (i = 0; i < json_array_size(ideas); i++) {
		json_t *x = json_array_get(ideas, i);
		char v[32];

		snprintf(v, sizeof(v), "%lld",
		         (long long)json_integer_value(json_object_get(x, "id")));
		json_array_append_new(opts, json_pack("{s:s,s:O}", "value", v, "label",
		                                      json_object_get(x, "title")));
	}
	d = page(ctx, cycle ? "Edit a PDSA cycle" : "Record a PDSA cycle");
	json_object_set_new(d, "cycle_id", json_integer((json_int_t)cycle));
	json_object_set_new(d, "team", json_copy(json_object_get(t, "team")));
	json_object_set_new(d, "ideas", opts);
	{
		json_t *ms = json_array(), *charts = json_object_get(t, "charts");

		for (i = 0; i < json_array_size(charts); i++) {
			json_t *m = json_object_get(json_array_get(charts, i), "measure");

			const char *code = json_string_value(json_object_get(m, "code"));
			int on = 0;
			size_t k;

			if (cur) {
				json_t *cm = json_object_get(cur, "measures");

				for (k = 0; !on && k < json_array_size(cm); k++)
					on = code && json_string_value(json_array_get(cm, k)) &&
					     strcmp(code,
					            json_string_value(json_array_get(cm, k))) == 0;
			} else {
				for (k = 0; !on && k < ctx->req->form.n; k++)
					on = code &&
					     strcmp(ctx->req->form.items[k].name, "measure") == 0 &&
					     strcmp(ctx->req->form.items[k].value, code) == 0;
			}
			json_array_append_new(
			        ms, json_pack("{s:O,s:O,s:b}", "code", json_object_get(m, "code"),
			                      "name", json_object_get(m, "name"), "checked", on));
		}
		json_object_set_new(d, "measures", ms);
	}
	json_object_set_new(d, "acts",
	                    json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}]", "value", "",
	                              "label", web_t(ctx, "Not decided yet"), "value", "adopt",
	                              "label", web_t(ctx, "Adopt"), "value", "adapt", "label",
	                              web_t(ctx, "Adapt"), "value", "abandon", "label",
	                              web_t(ctx, "Abandon")));
	{
		json_t *form = json_object();

		for (i = 0; fields[i]; i++) {
			const char *v = web_form(ctx, fields[i]);

			if (cur)
				v = json_string_value(json_object_get(cur, fields[i]));
			json_object_set_new(form, fields[i], json_string(v ? v : ""));
		}
		if (cur) {
			char v[32];

			snprintf(v, sizeof(v), "%lld",
			         (long long)json_integer_value(
			                 json_object_get(cur, "change_idea_id")));
			json_object_set_new(form, "change_idea", json_string(v));
		}
		json_object_set_new(d, "form", form);
	}
	if (errors)
		json_object_set_new(d, "errors", errors);
	json_decref(t);
	return web_render(ctx, status, "improve/pdsa", d);
}

int imp__pdsa_form(struct web_ctx *ctx)
{
	return pdsa_render(ctx, 200, NULL, 0, NULL);
}

/* The id of one of the team's measures (shared, or its project's) by code:
 * 0 when found, CO_ENOTFOUND when not. */
static int pdsa_measure(struct db_conn *c, int64_t team_id, const char *code, int64_t *mid,
                        struct co_err *e)
{
	return db_query_int(c,
	                    "SELECT m.id FROM imp_measures m LEFT JOIN imp_projects p ON p.id = "
	                    "m.project_id JOIN imp_teams t ON t.collaborative_id = "
	                    "m.collaborative_id WHERE t.id = ? AND m.code = ? AND (m.shared = 1 "
	                    "OR p.team_id = t.id)",
	                    DB_ARGS(DB_I(team_id), DB_T(code ? code : "")), mid, e);
}

/* Validates and stores a PDSA cycle: a new one (cycle 0) or the team's
 * cycle `cycle`, changed. The measures it is watched on come from the JSON
 * array of codes `measures` (unknown codes are field errors) or, when that
 * is NULL, from the form fields "measure" for a new cycle (and are left as
 * they are for a changed one). before (borrowed, may be NULL) is the
 * cycle as it was, for the audit. Field errors go into errors. */
static int pdsa_store(struct web_ctx *ctx, int64_t team_id, int64_t cycle, const char *idea_s,
                      const char *title, const char *plan, const char *prediction,
                      const char *do_notes, const char *study, const char *act_s,
                      const char *starts, const char *ends, json_t *measures, json_t *before,
                      json_t *errors, int64_t *id, struct co_err *e)
{
	struct db_conn *c;
	enum imp_act act = IMP_ACT_NONE;
	int32_t s = 0, en = 0;
	int64_t idea = 0, project = 0, *mids = NULL;
	size_t nm = 0, i;
	int replace = measures != NULL || cycle == 0;
	char *end;
	int rc;

	if (!title || !*title)
		web_errors_add(ctx, errors, "title", "Give the cycle a title");
	idea = idea_s ? strtoll(idea_s, &end, 10) : 0;
	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	if (idea <= 0 ||
	    db_query_int(c,
	                 "SELECT p.id FROM imp_driver_nodes n JOIN imp_projects p ON p.id = "
	                 "n.project_id WHERE n.id = ? AND p.team_id = ? AND n.kind = 'change_idea'",
	                 DB_ARGS(DB_I(idea), DB_I(team_id)), &project, e) < 0)
		web_errors_add(ctx, errors, "change_idea", "Choose one of the team's change ideas");
	if (!starts || imp_day_parse(starts, &s))
		web_errors_add(ctx, errors, "starts_on", "Enter the start date as YYYY-MM-DD");
	if (ends && *ends && (imp_day_parse(ends, &en) || en < s))
		web_errors_add(ctx, errors, "ends_on",
		               "Enter the end date as YYYY-MM-DD, on or after the start");
	if (imp_act_parse(act_s, &act))
		web_errors_add(ctx, errors, "act", "Choose adopt, adapt or abandon");
	if (act != IMP_ACT_NONE && (!study || !*study))
		web_errors_add(ctx, errors, "study",
		               "Say what you learned, against the prediction, before deciding");
	/* the measures the cycle is watched on */
	if (measures && !json_is_array(measures))
		web_errors_add(ctx, errors, "measures", "Give the measures as a list of codes");
	mids = co_arena_calloc(ctx->arena,
	                       (measures ? json_array_size(measures) : ctx->req->form.n) + 1,
	                       sizeof(*mids));
	if (!mids)
		return CO_ENOMEM;
	for (i = 0; measures && i < json_array_size(measures); i++) {
		if (pdsa_measure(c, team_id, json_string_value(json_array_get(measures, i)),
		                 &mids[nm], e) == 0) {
			nm++;
		} else {
			char key[32];

			snprintf(key, sizeof(key), "measures[%zu]", i);
			web_errors_add(ctx, errors, key, "The team has no such measure");
		}
	}
	for (i = 0; !measures && cycle == 0 && i < ctx->req->form.n; i++)
		if (strcmp(ctx->req->form.items[i].name, "measure") == 0 &&
		    pdsa_measure(c, team_id, ctx->req->form.items[i].value, &mids[nm], e) == 0)
			nm++;
	if (json_object_size(errors))
		return CO_EINPUT;
	if ((rc = db_begin(c, DB_TX_WRITE, e)) < 0)
		return rc;
	if (cycle) {
		json_t *after = json_pack("{s:s,s:I,s:s}", "title", title, "change_idea_id",
		                          (json_int_t)idea, "act", imp_act_name(act));

		*id = cycle;
		rc = db_exec(
		        c,
		        "UPDATE imp_pdsa_cycles SET project_id = ?, change_idea_id = ?, title = "
		        "?, plan = ?, prediction = ?, do_notes = ?, study = ?, act = ?, "
		        "starts_on = ?, ends_on = ?, updated_at = ? WHERE id = ?",
		        DB_ARGS(DB_I(project), DB_I(idea), DB_T(title), DB_T(plan ? plan : ""),
		                DB_T(prediction ? prediction : ""), DB_T(do_notes ? do_notes : ""),
		                DB_T(study ? study : ""),
		                act == IMP_ACT_NONE ? DB_NUL : DB_T(imp_act_name(act)),
		                DB_T(starts), ends && *ends ? DB_T(ends) : DB_NUL, DB_I(web_now()),
		                DB_I(cycle)),
		        NULL, e);
		if (rc == 0)
			rc = acct_audit(c, ctx->user ? ctx->user->id : 0, ctx->req->client,
			                "improve.pdsa.update", "imp_pdsa_cycle", cycle, before,
			                after, e);
		json_decref(after);
		if (rc == 0 && replace)
			rc = db_exec(c, "DELETE FROM imp_pdsa_measures WHERE cycle_id = ?",
			             DB_ARGS(DB_I(cycle)), NULL, e);
		goto links;
	}
	rc = db_query_int(
	        c,
	        "INSERT INTO imp_pdsa_cycles (project_id, change_idea_id, title, plan, "
	        "prediction, do_notes, study, act, act_notes, starts_on, ends_on, "
	        "created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, "
	        "?, ?, ?, ?) RETURNING id",
	        DB_ARGS(DB_I(project), DB_I(idea), DB_T(title), DB_T(plan ? plan : ""),
	                DB_T(prediction ? prediction : ""), DB_T(do_notes ? do_notes : ""),
	                DB_T(study ? study : ""),
	                act == IMP_ACT_NONE ? DB_NUL : DB_T(imp_act_name(act)), DB_T(starts),
	                ends && *ends ? DB_T(ends) : DB_NUL,
	                ctx->user ? DB_I(ctx->user->id) : DB_NUL, DB_I(web_now()), DB_I(web_now())),
	        id, e);
	if (rc == 0) {
		json_t *after =
		        json_pack("{s:s,s:I}", "title", title, "change_idea_id", (json_int_t)idea);

		rc = acct_audit(c, ctx->user ? ctx->user->id : 0, ctx->req->client,
		                "improve.pdsa.create", "imp_pdsa_cycle", *id, NULL, after, e);
		json_decref(after);
	}
links:
	for (i = 0; rc == 0 && replace && i < nm; i++)
		rc = db_exec(c,
		             "INSERT INTO imp_pdsa_measures (cycle_id, measure_id) VALUES (?, ?) "
		             "ON CONFLICT (cycle_id, measure_id) DO NOTHING",
		             DB_ARGS(DB_I(*id), DB_I(mids[i])), NULL, e);
	if (rc == 0)
		rc = db_commit(c, e);
	if (rc < 0)
		db_rollback(c);
	return rc;
}

int imp__pdsa_post(struct web_ctx *ctx)
{
	json_t *errors = json_object();
	struct co_err e;
	int64_t id;
	int rc;
	char url[96];

	rc = pdsa_store(ctx, ctx->scope_id, 0, web_form(ctx, "change_idea"), web_form(ctx, "title"),
	                web_form(ctx, "plan"), web_form(ctx, "prediction"),
	                web_form(ctx, "do_notes"), web_form(ctx, "study"), web_form(ctx, "act"),
	                web_form(ctx, "starts_on"), web_form(ctx, "ends_on"), NULL, NULL, errors,
	                &id, &e);
	if (rc == CO_EINPUT)
		return pdsa_render(ctx, 400, errors, 0, NULL);
	json_decref(errors);
	if (rc < 0)
		return web_fail(ctx, rc, &e);
	web_flash(ctx, "success", "The PDSA cycle is saved");
	snprintf(url, sizeof(url), "/improve/t/%lld#pdsa", (long long)ctx->scope_id);
	return web_redirect(ctx, url);
}

int imp__api_pdsa_post(struct web_ctx *ctx)
{
	json_t *body, *errors = json_object();
	struct co_err e;
	int64_t id;
	int rc;
	char idea[32];

#define S(k) json_string_value(json_object_get(body, k))
	if (web_body_json(ctx, &body) < 0) {
		json_decref(errors);
		return 0;
	}
	snprintf(idea, sizeof(idea), "%lld",
	         (long long)json_integer_value(json_object_get(body, "change_idea_id")));
	rc = pdsa_store(ctx, ctx->scope_id, 0, idea, S("title"), S("plan"), S("prediction"),
	                S("do_notes"), S("study"), S("act"), S("starts_on"), S("ends_on"),
	                json_object_get(body, "measures"), NULL, errors, &id, &e);
#undef S
	if (rc == CO_EINPUT)
		return web_problem(ctx, 400, "The input is not valid", NULL, errors);
	json_decref(errors);
	if (rc < 0)
		return web_fail(ctx, rc, &e);
	return web_json(ctx, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

/* The team's PDSA cycle `id` as JSON (CO_ENOTFOUND when it is another
 * team's or none): its change idea, plan with prediction, do, study, act,
 * dates and the codes of the measures it is watched on. */
static int pdsa_json(struct web_ctx *ctx, struct db_conn *c, int64_t team_id, int64_t id,
                     json_t **out, struct co_err *e)
{
	struct db_rows *r;
	json_t *j = NULL, *ms;
	int rc;

	if ((rc = db_query(c,
	                   "SELECT y.id, y.change_idea_id, n.title, y.title, y.plan, y.prediction, "
	                   "y.do_notes, y.study, COALESCE(y.act, ''), y.starts_on, "
	                   "COALESCE(y.ends_on, '') FROM imp_pdsa_cycles y JOIN imp_projects p ON "
	                   "p.id = y.project_id JOIN imp_driver_nodes n ON n.id = y.change_idea_id "
	                   "WHERE y.id = ? AND p.team_id = ?",
	                   DB_ARGS(DB_I(id), DB_I(team_id)), &r, e)) < 0)
		return rc;
	if ((rc = db_rows_next(r, e)) == 1)
		j = json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "id",
		              (json_int_t)db_int(r, 0), "change_idea_id", (json_int_t)db_int(r, 1),
		              "change_idea", col_text(r, 2), "title", col_text(r, 3), "plan",
		              col_text(r, 4), "prediction", col_text(r, 5), "do_notes",
		              col_text(r, 6), "study", col_text(r, 7), "act", col_text(r, 8),
		              "starts_on", col_text(r, 9), "ends_on", col_text(r, 10));
	db_rows_free(r);
	if (rc < 0)
		return rc;
	if (!j)
		return co_errf(e, CO_ENOTFOUND, "no such PDSA cycle");
	ms = json_array();
	if ((rc = db_query(c,
	                   "SELECT m.code FROM imp_pdsa_measures pm JOIN imp_measures m ON m.id = "
	                   "pm.measure_id WHERE pm.cycle_id = ? ORDER BY m.code",
	                   DB_ARGS(DB_I(id)), &r, e)) == 0) {
		while ((rc = db_rows_next(r, e)) == 1)
			json_array_append_new(ms, json_string(col_text(r, 0)));
		db_rows_free(r);
	}
	json_object_set_new(j, "measures", ms);
	if (rc < 0) {
		json_decref(j);
		return rc;
	}
	*out = j;
	return 0;
}

int imp__api_pdsa_get(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	int64_t id;
	json_t *j = NULL;
	int rc;

	if ((rc = web_param_id(ctx, "id", &id)) < 0)
		return web_fail(ctx, rc, NULL);
	if ((rc = web_db(ctx, &c, &e)) < 0 ||
	    (rc = pdsa_json(ctx, c, ctx->scope_id, id, &j, &e)) < 0)
		return web_fail(ctx, rc, &e);
	return web_json(ctx, 200, j);
}

/* Changes a PDSA cycle: the fields the body names, the others as they
 * are; "measures" (a list of codes) replaces the linked measures. */
int imp__api_pdsa_patch(struct web_ctx *ctx)
{
	json_t *body, *cur = NULL, *errors;
	struct db_conn *c;
	struct co_err e;
	int64_t id, out;
	int rc;
	char idea[32];

	if (web_body_json(ctx, &body) < 0)
		return 0;
	if ((rc = web_param_id(ctx, "id", &id)) < 0)
		return web_fail(ctx, rc, NULL);
	if ((rc = web_db(ctx, &c, &e)) < 0 ||
	    (rc = pdsa_json(ctx, c, ctx->scope_id, id, &cur, &e)) < 0)
		return web_fail(ctx, rc, &e);
		/* a field the body leaves out keeps its value; null clears the end date */
#define S(k)                                                                                       \
	(json_object_get(body, k) ? json_string_value(json_object_get(body, k))                    \
	                          : json_string_value(json_object_get(cur, k)))
	snprintf(idea, sizeof(idea), "%lld",
	         (long long)json_integer_value(json_object_get(
	                 json_object_get(body, "change_idea_id") ? body : cur, "change_idea_id")));
	errors = json_object();
	rc = pdsa_store(ctx, ctx->scope_id, id, idea, S("title"), S("plan"), S("prediction"),
	                S("do_notes"), S("study"), S("act"), S("starts_on"), S("ends_on"),
	                json_object_get(body, "measures"), cur, errors, &out, &e);
#undef S
	json_decref(cur);
	if (rc == CO_EINPUT)
		return web_problem(ctx, 400, "The input is not valid", NULL, errors);
	json_decref(errors);
	if (rc < 0 || (rc = pdsa_json(ctx, c, ctx->scope_id, id, &cur, &e)) < 0)
		return web_fail(ctx, rc, &e);
	return web_json(ctx, 200, cur);
}

/* The form to change a cycle (study and act are filled in weeks after the
 * plan), prefilled with the cycle as stored. */
int imp__pdsa_edit_form(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	int64_t id;
	json_t *cur = NULL;
	int rc;

	if ((rc = web_param_id(ctx, "id", &id)) < 0)
		return web_fail(ctx, rc, NULL);
	if ((rc = web_db(ctx, &c, &e)) < 0 ||
	    (rc = pdsa_json(ctx, c, ctx->scope_id, id, &cur, &e)) < 0)
		return web_fail(ctx, rc, &e);
	rc = pdsa_render(ctx, 200, NULL, id, cur);
	json_decref(cur);
	return rc;
}

/* Changes a cycle from the form: every field, and the measures ticked
 * replace the linked ones. On a field error nothing is changed. */
int imp__pdsa_edit_post(struct web_ctx *ctx)
{
	json_t *cur = NULL, *errors, *measures;
	struct db_conn *c;
	struct co_err e;
	int64_t id, out;
	size_t i;
	int rc;
	char url[96];

	if ((rc = web_param_id(ctx, "id", &id)) < 0)
		return web_fail(ctx, rc, NULL);
	if ((rc = web_db(ctx, &c, &e)) < 0 ||
	    (rc = pdsa_json(ctx, c, ctx->scope_id, id, &cur, &e)) < 0)
		return web_fail(ctx, rc, &e);
	measures = json_array();
	for (i = 0; i < ctx->req->form.n; i++)
		if (strcmp(ctx->req->form.items[i].name, "measure") == 0)
			json_array_append_new(measures, json_string(ctx->req->form.items[i].value));
	errors = json_object();
	rc = pdsa_store(ctx, ctx->scope_id, id, web_form(ctx, "change_idea"),
	                web_form(ctx, "title"), web_form(ctx, "plan"), web_form(ctx, "prediction"),
	                web_form(ctx, "do_notes"), web_form(ctx, "study"), web_form(ctx, "act"),
	                web_form(ctx, "starts_on"), web_form(ctx, "ends_on"), measures, cur, errors,
	                &out, &e);
	json_decref(measures);
	json_decref(cur);
	if (rc == CO_EINPUT)
		return pdsa_render(ctx, 400, errors, id, NULL);
	json_decref(errors);
	if (rc < 0)
		return web_fail(ctx, rc, &e);
	web_flash(ctx, "success", "The PDSA cycle is updated");
	snprintf(url, sizeof(url), "/improve/t/%lld#pdsa", (long long)ctx->scope_id);
	return web_redirect(ctx, url);
}

/* ---- monthly reports ------------------------------------------------- */

static int report_render(struct web_ctx *ctx, int status, int32_t month, json_t *errors)
{
	struct imp__team t;
	struct db_conn *c;
	struct db_rows *r;
	struct co_err e;
	json_t *d, *rep;
	char p[16], ts[8] = "", cs[8] = "";
	int rc, tsv = 0, csv = 0;

	if ((rc = route_team(ctx, &t, NULL, &e)) < 0 || (rc = web_db(ctx, &c, &e)) < 0)
		return web_fail(ctx, rc, &e);
	imp_day_format(month, p, sizeof(p));
	rep = json_pack("{s:s,s:s,s:s,s:s}", "narrative", "", "team_score", "", "coach_score", "",
	                "coaching_notes", "");
	if ((rc = db_query(
	             c,
	             "SELECT narrative, COALESCE(team_score, 0), COALESCE(coach_score, 0), "
	             "coaching_notes FROM imp_monthly_reports WHERE team_id = ? AND month = ?",
	             DB_ARGS(DB_I(t.id), DB_T(p)), &r, &e)) < 0) {
		json_decref(rep);
		return web_fail(ctx, rc, &e);
	}
	if (db_rows_next(r, &e) == 1) {
		tsv = (int)db_int(r, 1);
		csv = (int)db_int(r, 2);
		if (tsv)
			imp_score_format(tsv, ts, sizeof(ts));
		if (csv)
			imp_score_format(csv, cs, sizeof(cs));
		json_object_set_new(rep, "narrative", json_string(col_text(r, 0)));
		json_object_set_new(rep, "team_score", json_string(ts));
		json_object_set_new(rep, "coach_score", json_string(cs));
		json_object_set_new(rep, "coaching_notes", json_string(col_text(r, 3)));
	}
	db_rows_free(r);
	json_object_set_new(rep, "gap", json_boolean(imp_score_gap(tsv, csv)));
	if (ctx->req->method == HTTP_POST) {
		/* show what was typed */
		static const char *const keep[] = {"narrative", "team_score", "coach_score",
		                                   "coaching_notes", NULL};
		int i;

		for (i = 0; keep[i]; i++)
			if (web_form(ctx, keep[i]))
				json_object_set_new(rep, keep[i],
				                    json_string(web_form(ctx, keep[i])));
	}
	d = page(ctx, "Monthly report");
	json_object_set_new(d, "team", imp__team_json(&t));
	json_object_set_new(d, "month", json_string(imp__month_text(ctx->arena, month)));
	json_object_set_new(d, "report", rep);
	{
		json_t *scores = json_array();
		int h;

		json_array_append_new(scores, json_pack("{s:s,s:s}", "value", "", "label",
		                                        web_t(ctx, "Choose a score")));
		for (h = 1; h <= IMP_SCORE_LEVELS; h++) {
			char v[8];

			imp_score_format(h, v, sizeof(v));
			json_array_append_new(scores,
			                      json_pack("{s:s,s:s}", "value", v, "label", v));
		}
		json_object_set_new(d, "scores", scores);
	}
	json_object_set_new(d, "can_team",
	                    json_boolean(web_can(ctx, WEB_R_TEAM_MEMBER | WEB_R_COLLAB_ADMIN,
	                                         IMP_SCOPE_TEAM, t.id) > 0));
	json_object_set_new(
	        d, "can_coach",
	        json_boolean(web_can(ctx, WEB_R_COACH | WEB_R_FACULTY | WEB_R_COLLAB_ADMIN,
	                             IMP_SCOPE_TEAM, t.id) > 0));
	if (errors)
		json_object_set_new(d, "errors", errors);
	return web_render(ctx, status, "improve/report", d);
}

int imp__report_form(struct web_ctx *ctx)
{
	int32_t month;

	if (month_param(web_param(ctx, "month"), &month))
		return web_fail(ctx, CO_ENOTFOUND, NULL);
	return report_render(ctx, 200, month, NULL);
}

/* Writes the team's half (coach 0) or the coach's half of a report. */
static int report_store(struct web_ctx *ctx, int64_t team_id, int32_t month, int coach,
                        const char *text, const char *score_s, json_t *errors, struct co_err *e)
{
	struct db_conn *c;
	char p[16];
	int halves = 0, rc;
	json_t *after;

	if (score_s && *score_s && imp_score_parse(score_s, &halves, NULL) < 0)
		web_errors_add(ctx, errors, coach ? "coach_score" : "team_score",
		               "Choose a score from 0.5 to 5.0");
	if (text && strlen(text) > 20000)
		web_errors_add(ctx, errors, coach ? "coaching_notes" : "narrative",
		               "Keep it under 20,000 characters");
	if (month > imp__today())
		web_errors_add(ctx, errors, "form", "The month has not started yet");
	if (json_object_size(errors))
		return CO_EINPUT;
	imp_day_format(month, p, sizeof(p));
	if ((rc = web_db(ctx, &c, e)) < 0 || (rc = db_begin(c, DB_TX_WRITE, e)) < 0)
		return rc;
	if (coach)
		rc = db_exec(
		        c,
		        "INSERT INTO imp_monthly_reports (team_id, month, coach_score, "
		        "coach_scored_by, coach_scored_at, coaching_notes) VALUES (?, ?, ?, ?, ?, "
		        "?) ON CONFLICT (team_id, month) DO UPDATE SET coach_score = "
		        "excluded.coach_score, coach_scored_by = excluded.coach_scored_by, "
		        "coach_scored_at = excluded.coach_scored_at, coaching_notes = "
		        "excluded.coaching_notes",
		        DB_ARGS(DB_I(team_id), DB_T(p), halves ? DB_I(halves) : DB_NUL,
		                ctx->user ? DB_I(ctx->user->id) : DB_NUL, DB_I(web_now()),
		                DB_T(text ? text : "")),
		        NULL, e);
	else
		rc = db_exec(
		        c,
		        "INSERT INTO imp_monthly_reports (team_id, month, narrative, team_score, "
		        "team_scored_by, team_scored_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT "
		        "(team_id, month) DO UPDATE SET narrative = excluded.narrative, "
		        "team_score = excluded.team_score, team_scored_by = "
		        "excluded.team_scored_by, team_scored_at = excluded.team_scored_at",
		        DB_ARGS(DB_I(team_id), DB_T(p), DB_T(text ? text : ""),
		                halves ? DB_I(halves) : DB_NUL,
		                ctx->user ? DB_I(ctx->user->id) : DB_NUL, DB_I(web_now())),
		        NULL, e);
	after = json_pack("{s:s,s:s,s:i}", "month", p, "by", coach ? "coach" : "team", "score",
	                  halves);
	if (rc == 0)
		rc = acct_audit(c, ctx->user ? ctx->user->id : 0, ctx->req->client,
		                "improve.report.save", "imp_team", team_id, NULL, after, e);
	json_decref(after);
	if (rc == 0)
		rc = db_commit(c, e);
	if (rc < 0)
		db_rollback(c);
	return rc;
}

static int report_post(struct web_ctx *ctx, int coach)
{
	json_t *errors = json_object();
	struct co_err e;
	int32_t month;
	int rc;
	char url[128];

	if (month_param(web_param(ctx, "month"), &month)) {
		json_decref(errors);
		return web_fail(ctx, CO_ENOTFOUND, NULL);
	}
	rc = report_store(ctx, ctx->scope_id, month, coach,
	                  web_form(ctx, coach ? "coaching_notes" : "narrative"),
	                  web_form(ctx, coach ? "coach_score" : "team_score"), errors, &e);
	if (rc == CO_EINPUT)
		return report_render(ctx, 400, month, errors);
	json_decref(errors);
	if (rc < 0)
		return web_fail(ctx, rc, &e);
	web_flash(ctx, "success", coach ? "The coach's score is saved" : "The report is saved");
	snprintf(url, sizeof(url), "/improve/t/%lld/reports/%s", (long long)ctx->scope_id,
	         imp__month_text(ctx->arena, month));
	return web_redirect(ctx, url);
}

int imp__report_team_post(struct web_ctx *ctx)
{
	return report_post(ctx, 0);
}

int imp__report_coach_post(struct web_ctx *ctx)
{
	return report_post(ctx, 1);
}

int imp__api_report_put(struct web_ctx *ctx)
{
	json_t *body, *errors = json_object();
	struct co_err e;
	int32_t month;
	int rc = 0, did = 0;
	const char *ts, *cs;

	if (web_body_json(ctx, &body) < 0) {
		json_decref(errors);
		return 0;
	}
	if (month_param(web_param(ctx, "month"), &month)) {
		json_decref(errors);
		return web_fail(ctx, CO_ENOTFOUND, NULL);
	}
	ts = json_string_value(json_object_get(body, "team_score"));
	cs = json_string_value(json_object_get(body, "coach_score"));
	if (json_object_get(body, "narrative") || ts) {
		if (web_can(ctx, WEB_R_TEAM_MEMBER | WEB_R_COLLAB_ADMIN, IMP_SCOPE_TEAM,
		            ctx->scope_id) <= 0) {
			json_decref(errors);
			return web_problem(ctx, 403, "Forbidden",
			                   "Only the team writes its narrative and score", NULL);
		}
		rc = report_store(ctx, ctx->scope_id, month, 0,
		                  json_string_value(json_object_get(body, "narrative")), ts, errors,
		                  &e);
		did = 1;
	}
	if (rc == 0 && (json_object_get(body, "coaching_notes") || cs)) {
		if (web_can(ctx, WEB_R_COACH | WEB_R_FACULTY | WEB_R_COLLAB_ADMIN, IMP_SCOPE_TEAM,
		            ctx->scope_id) <= 0) {
			json_decref(errors);
			return web_problem(ctx, 403, "Forbidden",
			                   "Only the team's coach scores the month", NULL);
		}
		rc = report_store(ctx, ctx->scope_id, month, 1,
		                  json_string_value(json_object_get(body, "coaching_notes")), cs,
		                  errors, &e);
		did = 1;
	}
	if (rc == CO_EINPUT)
		return web_problem(ctx, 400, "The input is not valid", NULL, errors);
	json_decref(errors);
	if (rc < 0)
		return web_fail(ctx, rc, &e);
	if (!did)
		return web_problem(ctx, 400, "The input is not valid", "Nothing to change", NULL);
	return web_json(ctx, 200, json_pack("{s:s}", "month", imp__month_text(ctx->arena, month)));
}

/* ---- baselines and phases -------------------------------------------- */

static int phase_store(struct web_ctx *ctx, int64_t team_id, const char *measure_s,
                       const char *kind, const char *from_s, const char *to_s, const char *reason,
                       json_t *errors, struct co_err *e)
{
	struct db_conn *c;
	struct imp__team t;
	int32_t from = 0, to = 0;
	int64_t measure = 0;
	char fp[16], tp[16];
	int rc;
	json_t *after;

	if ((rc = web_db(ctx, &c, e)) < 0 ||
	    (rc = imp__team_get(c, team_id, ctx->arena, &t, e)) < 0)
		return rc;
	if (!measure_s ||
	    db_query_int(
	            c,
	            "SELECT m.id FROM imp_measures m LEFT JOIN imp_projects p ON p.id = "
	            "m.project_id WHERE m.collaborative_id = ? AND (m.code = ? OR "
	            "CAST(m.id AS TEXT) = ?) AND (m.shared = 1 OR p.team_id = ?)",
	            DB_ARGS(DB_I(t.collab_id), DB_T(measure_s), DB_T(measure_s), DB_I(team_id)),
	            &measure, e) < 0)
		web_errors_add(ctx, errors, "measure", "Choose one of the team's measures");
	if (!kind || (strcmp(kind, "baseline") != 0 && strcmp(kind, "phase") != 0))
		web_errors_add(ctx, errors, "kind", "Choose a baseline or a new phase");
	if (imp_period_parse(from_s, IMP_FREQ_MONTHLY, &from, NULL))
		web_errors_add(ctx, errors, "from", "Enter the first month as YYYY-MM");
	if (kind && strcmp(kind, "baseline") == 0 &&
	    (imp_period_parse(to_s, IMP_FREQ_MONTHLY, &to, NULL) || to < from))
		web_errors_add(ctx, errors, "to", "Enter the baseline's last month as YYYY-MM");
	if (!reason || !*reason)
		web_errors_add(ctx, errors, "reason",
		               "Say why: a baseline or phase needs a reason");
	if (json_object_size(errors))
		return CO_EINPUT;
	imp_day_format(from, fp, sizeof(fp));
	imp_day_format(to, tp, sizeof(tp));
	if ((rc = db_begin(c, DB_TX_WRITE, e)) < 0)
		return rc;
	rc = db_exec(
	        c,
	        "INSERT INTO imp_phase_changes (measure_id, team_id, kind, from_period, "
	        "to_period, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON "
	        "CONFLICT (measure_id, team_id, kind, from_period) DO UPDATE SET to_period = "
	        "excluded.to_period, reason = excluded.reason, created_by = "
	        "excluded.created_by, created_at = excluded.created_at",
	        DB_ARGS(DB_I(measure), DB_I(team_id), DB_T(kind), DB_T(fp), to ? DB_T(tp) : DB_NUL,
	                DB_T(reason), ctx->user ? DB_I(ctx->user->id) : DB_NUL, DB_I(web_now())),
	        NULL, e);
	after = json_pack("{s:I,s:s,s:s,s:s}", "measure_id", (json_int_t)measure, "kind", kind,
	                  "from", fp, "reason", reason);
	if (rc == 0)
		rc = imp_store_touch(c, 0, team_id, e);
	if (rc == 0)
		rc = acct_audit(c, ctx->user ? ctx->user->id : 0, ctx->req->client,
		                "improve.phase.create", "imp_team", team_id, NULL, after, e);
	json_decref(after);
	if (rc == 0)
		rc = db_commit(c, e);
	if (rc < 0)
		db_rollback(c);
	return rc;
}

int imp__phase_post(struct web_ctx *ctx)
{
	json_t *errors = json_object();
	struct co_err e;
	int rc;
	char url[96];

	rc = phase_store(ctx, ctx->scope_id, web_form(ctx, "measure"), web_form(ctx, "kind"),
	                 web_form(ctx, "from"), web_form(ctx, "to"), web_form(ctx, "reason"),
	                 errors, &e);
	snprintf(url, sizeof(url), "/improve/t/%lld", (long long)ctx->scope_id);
	if (rc == CO_EINPUT) {
		json_t *d = page(ctx, "The change was not made"), *list = json_array();

		for (void *it = json_object_iter(errors); it;
		     it = json_object_iter_next(errors, it))
			json_array_append_new(list, json_pack("{s:s,s:O}", "field",
			                                      json_object_iter_key(it), "message",
			                                      json_object_iter_value(it)));
		json_decref(errors);
		json_object_set_new(d, "upload_errors", list);
		json_object_set_new(d, "back", json_string(url));
		return web_render(ctx, 400, "improve/upload_errors", d);
	}
	json_decref(errors);
	if (rc < 0)
		return web_fail(ctx, rc, &e);
	web_flash(ctx, "success", "The chart's baseline or phase is set");
	return web_redirect(ctx, url);
}

int imp__api_phase_post(struct web_ctx *ctx)
{
	json_t *body, *errors = json_object();
	struct co_err e;
	int rc;

#define S(k) json_string_value(json_object_get(body, k))
	if (web_body_json(ctx, &body) < 0) {
		json_decref(errors);
		return 0;
	}
	rc = phase_store(ctx, ctx->scope_id, S("measure"), S("kind"), S("from"), S("to"),
	                 S("reason"), errors, &e);
#undef S
	if (rc == CO_EINPUT)
		return web_problem(ctx, 400, "The input is not valid", NULL, errors);
	json_decref(errors);
	if (rc < 0)
		return web_fail(ctx, rc, &e);
	return web_json(ctx, 201, json_pack("{s:b}", "created", 1));
}

/* ---- files: charts and exports --------------------------------------- */

int imp__chart_file(struct web_ctx *ctx)
{
	const char *name = web_param(ctx, "measure"), *dot = strrchr(name, '.');
	struct imp__team t;
	struct imp__data d;
	struct db_conn *c;
	struct co_err e;
	json_t *cj;
	const char *svg;
	int rc, m, ti;
	char code[128];
	enum imp_render_format fmt = 0;

	if (!dot || (size_t)(dot - name) >= sizeof(code))
		return web_fail(ctx, CO_ENOTFOUND, NULL);
	if (strcmp(dot, ".png") == 0)
		fmt = IMP_RENDER_PNG;
	else if (strcmp(dot, ".pdf") == 0)
		fmt = IMP_RENDER_PDF;
	else if (strcmp(dot, ".svg") != 0)
		return web_fail(ctx, CO_ENOTFOUND, NULL);
	memcpy(code, name, (size_t)(dot - name));
	code[dot - name] = 0;
	if ((rc = route_team(ctx, &t, NULL, &e)) < 0 || (rc = web_db(ctx, &c, &e)) < 0 ||
	    (rc = imp__load(c, t.collab_id, t.id, IMP__LOAD_NOTES, ctx->arena, &d, &e)) < 0)
		return web_fail(ctx, rc, &e);
	if (imp__can_see_data(ctx, &d.collab, &t) <= 0)
		return web_fail(ctx, CO_EPERM, NULL);
	for (ti = 0; ti < d.nteams && d.teams[ti].id != t.id; ti++)
		;
	for (m = 0; m < d.nmeasures && strcmp(d.measures[m].code, code) != 0; m++)
		;
	if (ti == d.nteams || m == d.nmeasures)
		return web_fail(ctx, CO_ENOTFOUND, NULL);
	if ((rc = imp__chart_json(ctx, &d, ti, m, 1, &cj, &e)) < 0)
		return web_fail(ctx, rc, &e);
	if (!(svg = json_string_value(json_object_get(cj, "svg")))) {
		json_decref(cj);
		return web_fail(ctx, CO_ENOTFOUND, NULL);
	}
	if (fmt) {
		struct co_buf b;

		co_buf_init(&b, CO_MAX_PAGE);
		rc = imp_render_svg(svg, strlen(svg), fmt, 2, &b, &e);
		if (rc == 0)
			rc = http_res_file(ctx->res,
			                   fmt == IMP_RENDER_PNG ? "image/png" : "application/pdf",
			                   b.data, b.len, name);
		co_buf_free(&b);
	} else {
		rc = http_res_file(ctx->res, "image/svg+xml", svg, strlen(svg), name);
	}
	json_decref(cj);
	return rc < 0 ? web_fail(ctx, rc, &e) : 0;
}

/* The learning-session pack: a page per team with its shared measures'
 * charts, the PDSA cycles begun since the session before, and both scores
 * for the latest month reported before the session. ?session=N picks the
 * session (default: the latest that has begun, else the first). */
int imp__pack_file(struct web_ctx *ctx)
{
	struct imp__data d;
	struct db_conn *c;
	struct db_rows *r;
	struct co_err e;
	struct imp_pack_page *pages;
	struct co_buf b;
	const char *q = web_query(ctx, "session"), *labels[5];
	char from[16] = "0000-00-00", to[16] = "9999-12-31", title[256], sub[256], fname[96];
	int64_t now = web_now();
	int rc, t, m, session = 0;

	if ((rc = web_db(ctx, &c, &e)) < 0 ||
	    (rc = imp__load(c, ctx->scope_id, 0, IMP__LOAD_VALUES, ctx->arena, &d, &e)) < 0)
		return web_fail(ctx, rc, &e);
	if ((rc = db_query(c,
	                   "SELECT number, starts_at, title FROM imp_learning_sessions WHERE "
	                   "collaborative_id = ? ORDER BY number",
	                   DB_ARGS(DB_I(ctx->scope_id)), &r, &e)) < 0)
		return web_fail(ctx, rc, &e);
	{
		int64_t at[64] = {0};
		int num[64] = {0}, ns = 0, idx = -1, want = q && *q ? atoi_safe(q) : 0, i;
		const char *names[64];

		while (db_rows_next(r, &e) == 1 && ns < 64) {
			num[ns] = (int)db_int(r, 0);
			at[ns] = db_int(r, 1);
			names[ns] = co_arena_strdup(ctx->arena, col_text(r, 2));
			ns++;
		}
		for (i = 0; i < ns; i++)
			if (want ? num[i] == want : (at[i] <= now || idx < 0))
				idx = i;
		if (idx < 0 || (want && num[idx] != want)) {
			db_rows_free(r);
			return web_fail(ctx, CO_ENOTFOUND, NULL);
		}
		session = num[idx];
		imp_day_format((int32_t)(at[idx] / 86400), to, sizeof(to));
		if (idx > 0)
			imp_day_format((int32_t)(at[idx - 1] / 86400), from, sizeof(from));
		snprintf(sub, sizeof(sub), "%s: %s", d.collab.name, names[idx] ? names[idx] : "");
	}
	db_rows_free(r);
	pages = co_arena_calloc(ctx->arena, (size_t)d.nteams + 1, sizeof(*pages));
	if (!pages)
		return web_fail(ctx, CO_ENOMEM, NULL);
	for (t = 0; t < d.nteams; t++) {
		struct imp_pack_page *pg = &pages[t];
		struct imp_pack_chart *charts =
		        co_arena_calloc(ctx->arena, (size_t)d.nmeasures + 1, sizeof(*charts));
		const char **cycles = co_arena_calloc(ctx->arena, 64, sizeof(char *));
		int ts = 0, cs = 0;

		if (!charts || !cycles)
			return web_fail(ctx, CO_ENOMEM, NULL);
		pg->team = d.teams[t].name;
		pg->organisation = d.teams[t].org_name;
		pg->month = "";
		pg->team_score = "";
		pg->coach_score = "";
		for (m = 0; m < d.nmeasures; m++) {
			json_t *cj;

			if (!d.measures[m].shared)
				continue;
			charts[pg->ncharts].title = d.measures[m].name;
			charts[pg->ncharts].words = "";
			if (imp__chart_json(ctx, &d, t, m, 1, &cj, &e) == 0) {
				const char *svg = json_string_value(json_object_get(cj, "svg"));
				const char *w = json_string_value(
				        json_object_get(json_object_get(cj, "variation"), "words"));

				charts[pg->ncharts].svg =
				        svg ? co_arena_strdup(ctx->arena, svg) : NULL;
				charts[pg->ncharts].words = w ? co_arena_strdup(ctx->arena, w) : "";
				json_decref(cj);
			}
			pg->ncharts++;
		}
		pg->charts = charts;
		if (db_query(c,
		             "SELECT month, COALESCE(team_score, 0), COALESCE(coach_score, 0) FROM "
		             "imp_monthly_reports WHERE team_id = ? AND month < ? ORDER BY month "
		             "DESC "
		             "LIMIT 1",
		             DB_ARGS(DB_I(d.teams[t].id), DB_T(to)), &r, &e) == 0) {
			if (db_rows_next(r, &e) == 1) {
				char buf[8];

				pg->month = co_arena_strndup(ctx->arena, col_text(r, 0), 7);
				ts = (int)db_int(r, 1);
				cs = (int)db_int(r, 2);
				if (ts) {
					imp_score_format(ts, buf, sizeof(buf));
					pg->team_score = co_arena_strdup(ctx->arena, buf);
				}
				if (cs) {
					imp_score_format(cs, buf, sizeof(buf));
					pg->coach_score = co_arena_strdup(ctx->arena, buf);
				}
				pg->gap = imp_score_gap(ts, cs);
			}
			db_rows_free(r);
		}
		if (db_query(c,
		             "SELECT y.starts_on, y.title, COALESCE(y.act, '') FROM "
		             "imp_pdsa_cycles y "
		             "JOIN imp_projects p ON p.id = y.project_id WHERE p.team_id = ? AND "
		             "y.starts_on >= ? AND y.starts_on < ? ORDER BY y.starts_on",
		             DB_ARGS(DB_I(d.teams[t].id), DB_T(from), DB_T(to)), &r, &e) == 0) {
			while (db_rows_next(r, &e) == 1 && pg->ncycles < 64)
				cycles[pg->ncycles++] = co_arena_printf(
				        ctx->arena, "%s  %s%s%s", col_text(r, 0), col_text(r, 1),
				        *col_text(r, 2) ? ": " : "", col_text(r, 2));
			db_rows_free(r);
		}
		pg->cycles = cycles;
	}
	labels[0] = web_t(ctx, "Team's score");
	labels[1] = web_t(ctx, "Coach's score");
	labels[2] = web_t(ctx, "PDSA cycles since the last session");
	labels[3] = web_t(ctx, "No PDSA cycles in this period");
	labels[4] = web_t(ctx, "Gap of 1.0 or more");
	snprintf(title, sizeof(title), "%s", web_t(ctx, "Learning session pack"));
	co_buf_init(&b, CO_MAX_OUTPUT > CO_MAX_PAGE ? CO_MAX_PAGE : CO_MAX_OUTPUT);
	rc = imp_render_pack(title, sub, labels, pages, d.nteams, &b, &e);
	snprintf(fname, sizeof(fname), "%s-session-%d.pdf", d.collab.slug, session);
	if (rc == 0)
		rc = http_res_file(ctx->res, "application/pdf", b.data, b.len, fname);
	co_buf_free(&b);
	return rc < 0 ? web_fail(ctx, rc, &e) : 0;
}

/* The team's values as rows: measure code, period, value, numerator,
 * denominator, notes. */
int imp__export_file(struct web_ctx *ctx)
{
	const char *format = web_param(ctx, "format");
	struct imp__team t;
	struct imp__data d;
	struct db_conn *c;
	struct co_err e;
	int rc, ti, m, xlsx;
	size_t i;
	char fname[96];

	xlsx = strcmp(format, "data.xlsx") == 0;
	if (!xlsx && strcmp(format, "data.csv") != 0)
		return web_fail(ctx, CO_ENOTFOUND, NULL);
	if ((rc = route_team(ctx, &t, NULL, &e)) < 0 || (rc = web_db(ctx, &c, &e)) < 0 ||
	    (rc = imp__load(c, t.collab_id, t.id, IMP__LOAD_NOTES, ctx->arena, &d, &e)) < 0)
		return web_fail(ctx, rc, &e);
	if (imp__can_see_data(ctx, &d.collab, &t) <= 0)
		return web_fail(ctx, CO_EPERM, NULL);
	for (ti = 0; ti < d.nteams && d.teams[ti].id != t.id; ti++)
		;
	if (ti == d.nteams)
		return web_fail(ctx, CO_ENOTFOUND, NULL);
	snprintf(fname, sizeof(fname), "%s-%s", t.code, format);
	if (!xlsx) {
		struct co_buf b;

		co_buf_init(&b, CO_MAX_PAGE);
		co_buf_adds(&b, "team,measure,period,value,numerator,denominator,notes\r\n");
		for (m = 0; m < d.nmeasures; m++) {
			const struct imp_series *s = &d.series[ti * d.nmeasures + m];
			int ratio = imp_data_type_is_ratio(d.measures[m].def.type);

			for (i = 0; i < s->n; i++) {
				co_csv_fieldz(&b, t.code);
				co_csv_sep(&b);
				co_csv_fieldz(&b, d.measures[m].code);
				co_csv_sep(&b);
				co_csv_fieldz(&b, imp__month_text(ctx->arena, s->x[i]));
				co_csv_sep(&b);
				co_csv_double(&b,
				              ratio ? s->y[i] / s->den[i] * d.measures[m].multiplier
				                    : s->y[i]);
				co_csv_sep(&b);
				if (ratio)
					co_csv_double(&b, s->y[i]);
				co_csv_sep(&b);
				if (ratio)
					co_csv_double(&b, s->den[i]);
				co_csv_sep(&b);
				co_csv_fieldz(&b, s->notes[i]);
				if (co_csv_end(&b) < 0)
					break;
			}
		}
		rc = http_res_file(ctx->res, "text/csv; charset=utf-8", b.data, b.len, fname);
		co_buf_free(&b);
		return rc < 0 ? web_fail(ctx, rc, NULL) : 0;
	}
	{
		/* libxlsxwriter writes to a file: a private temporary one */
		char path[] = "/tmp/collective-xlsx-XXXXXX";
		int fd = mkstemp(path), row = 1;
		lxw_workbook *wb;
		lxw_worksheet *ws;
		FILE *f;
		char *buf = NULL;
		long len;
		static const char *const head[] = {"team",      "measure",     "period", "value",
		                                   "numerator", "denominator", "notes"};

		struct co_err re;

		if (fd < 0)
			return web_fail(ctx, CO_EIO, NULL);
		close(fd);
		if ((rc = render_ready(&re)) < 0) {
			unlink(path);
			return web_fail(ctx, rc, &re);
		}
		wb = workbook_new(path);
		ws = wb ? workbook_add_worksheet(wb, "data") : NULL;
		if (!ws) {
			unlink(path);
			return web_fail(ctx, CO_EIO, NULL);
		}
		for (m = 0; m < 7; m++)
			worksheet_write_string(ws, 0, (lxw_col_t)m, head[m], NULL);
		for (m = 0; m < d.nmeasures; m++) {
			const struct imp_series *s = &d.series[ti * d.nmeasures + m];
			int ratio = imp_data_type_is_ratio(d.measures[m].def.type);

			for (i = 0; i < s->n; i++, row++) {
				worksheet_write_string(ws, (lxw_row_t)row, 0, t.code, NULL);
				worksheet_write_string(ws, (lxw_row_t)row, 1, d.measures[m].code,
				                       NULL);
				worksheet_write_string(ws, (lxw_row_t)row, 2,
				                       imp__month_text(ctx->arena, s->x[i]), NULL);
				worksheet_write_number(ws, (lxw_row_t)row, 3,
				                       ratio ? s->y[i] / s->den[i] *
				                                       d.measures[m].multiplier
				                             : s->y[i],
				                       NULL);
				if (ratio) {
					worksheet_write_number(ws, (lxw_row_t)row, 4, s->y[i],
					                       NULL);
					worksheet_write_number(ws, (lxw_row_t)row, 5, s->den[i],
					                       NULL);
				}
				if (s->notes[i] && *s->notes[i])
					worksheet_write_string(ws, (lxw_row_t)row, 6, s->notes[i],
					                       NULL);
			}
		}
		if (workbook_close(wb) != LXW_NO_ERROR || !(f = fopen(path, "rb"))) {
			unlink(path);
			return web_fail(ctx, CO_EIO, NULL);
		}
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		fseek(f, 0, SEEK_SET);
		buf = len > 0 ? co_arena_alloc(ctx->arena, (size_t)len) : NULL;
		if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
			fclose(f);
			unlink(path);
			return web_fail(ctx, CO_EIO, NULL);
		}
		fclose(f);
		unlink(path);
		rc = http_res_file(
		        ctx->res,
		        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf,
		        (size_t)len, fname);
		return rc < 0 ? web_fail(ctx, rc, NULL) : 0;
	}
}
