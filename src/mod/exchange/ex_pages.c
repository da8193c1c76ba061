/*
 * ex_pages.c - the HTML pages of the Exchange module. Each handler reads
 * the route's parameters, calls the module's store or read models (the
 * same ones the API uses) and renders a template from templates/. Access
 * has been decided before a handler runs (ex_routes.c); handlers only add
 * the checks a route need cannot express: that a registration is the
 * caller's own.
 */
#include "mod/exchange/ex_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/limits.h"

/* A local path to go back to: "/..." but not "//host". */
static const char *safe_next(const char *next, const char *fallback)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' || strpbrk(next, "\r\n\\"))
		return fallback;
	return next;
}

/* A refused change (bad input, a state that does not allow it) becomes a
 * warning on the page the person came back to; anything else an error
 * page. */
static int refuse_or_fail(struct web_ctx *ctx, int rc, const struct co_err *e, const char *back)
{
	if (rc == CO_EINPUT || rc == CO_ECONFLICT || rc == CO_EPERM) {
		web_flash(ctx, "warning", co_arena_strdup(ctx->arena, e->msg));
		return web_redirect(ctx, back);
	}
	return web_fail(ctx, rc, e);
}

static const char *state_message(enum ex_reg_state s)
{
	switch (s) {
	case EX_CONFIRMED: return "Your place is confirmed.";
	case EX_WAITLISTED:
		return "The exchange is full: you are on the waiting list and will be offered a "
		       "place by email if one becomes free.";
	case EX_PENDING: return "Your request is waiting for the organisers' approval.";
	case EX_OFFERED: return "A place is offered to you: accept it before the offer runs out.";
	case EX_CANCELLED: return "Your place is cancelled.";
	case EX_DECLINED: return "You have declined the place.";
	default: return "Saved.";
	}
}

static json_t *option(const char *value, const char *label, int selected)
{
	return json_pack("{s:s,s:s,s:b}", "value", value, "label", label, "selected", selected);
}

/* ---- the listing ---- */

int ex__list_page(struct web_ctx *ctx)
{
	const char *theme = web_query(ctx, "theme"), *mode = web_query(ctx, "mode");
	struct db_conn *c;
	struct co_err e;
	json_t *prog = NULL, *list = NULL, *d, *x, *themes, *keep, *topts, *mopts;
	int64_t now = web_now(), pid;
	size_t i;
	int rc;

	d = ex__page(ctx, "Knowledge exchanges");
	if ((rc = ex__db(ctx, &c, &e)) < 0)
		goto fail;
	rc = ex__current_programme(c, web_query(ctx, "programme"), &prog, &e);
	if (rc == CO_ENOTFOUND) {
		json_object_set_new(d, "programme", json_null());
		json_object_set_new(d, "is_admin", json_boolean(web_is_admin(ctx)));
		return web_render(ctx, 200, "exchange/list", d);
	}
	if (rc < 0)
		goto fail;
	pid = json_integer_value(json_object_get(prog, "id"));
	if ((rc = ex_json_exchanges(c, pid, &list, &e)) < 0)
		goto fail;
	keep = json_array();
	json_array_foreach(json_object_get(list, "exchanges"), i, x)
	{
		char tid[24];

		snprintf(tid, sizeof(tid), "%lld",
		         (long long)json_integer_value(json_object_get(x, "theme_id")));
		if (json_is_true(json_object_get(x, "cancelled")) ||
		    strcmp(json_string_value(json_object_get(x, "kind")), "exchange") != 0)
			continue;
		if (theme && *theme && strcmp(theme, tid) != 0)
			continue;
		if (mode && *mode &&
		    strcmp(mode, json_string_value(json_object_get(x, "mode"))) != 0)
			continue;
		json_array_append(keep, x);
	}
	topts = json_array();
	json_array_append_new(topts, option("", web_t(ctx, "All themes"), !theme || !*theme));
	themes = json_object_get(prog, "themes");
	json_array_foreach(themes, i, x)
	{
		char tid[24];

		snprintf(tid, sizeof(tid), "%lld",
		         (long long)json_integer_value(json_object_get(x, "id")));
		json_array_append_new(topts,
		                      option(tid, json_string_value(json_object_get(x, "name")),
		                             theme && strcmp(theme, tid) == 0));
	}
	mopts = json_array();
	json_array_append_new(mopts, option("", web_t(ctx, "Any format"), !mode || !*mode));
	json_array_append_new(
	        mopts, option("online", web_t(ctx, "Online"), mode && strcmp(mode, "online") == 0));
	json_array_append_new(mopts, option("on_site", web_t(ctx, "On site"),
	                                    mode && strcmp(mode, "on_site") == 0));
	json_array_append_new(
	        mopts, option("hybrid", web_t(ctx, "Hybrid"), mode && strcmp(mode, "hybrid") == 0));
	json_object_set_new(d, "programme", prog);
	json_object_set_new(d, "exchanges", keep);
	json_object_set_new(d, "theme_options", topts);
	json_object_set_new(d, "mode_options", mopts);
	json_object_set_new(d, "filtered", json_boolean((theme && *theme) || (mode && *mode)));
	json_object_set_new(
	        d, "signup_open",
	        json_boolean(
	                now >= json_integer_value(json_object_get(prog, "signup_opens_at")) &&
	                now < json_integer_value(json_object_get(prog, "signup_deadline_at"))));
	json_object_set_new(d, "is_admin", json_boolean(web_is_admin(ctx)));
	json_decref(list);
	return web_render(ctx, 200, "exchange/list", d);
fail:
	json_decref(d);
	json_decref(prog);
	json_decref(list);
	return web_fail(ctx, rc, &e);
}

/* ---- one exchange ---- */

static int insights_of(struct db_conn *c, int64_t exchange_id, json_t **out, struct co_err *e)
{
	struct db_rows *r;
	json_t *a = json_array();
	int rc = db_query(
	        c,
	        "SELECT learned, ideas, actions, by_host, created_at FROM ex_insights WHERE "
	        "exchange_id = ? ORDER BY by_host DESC, id",
	        DB_ARGS(DB_I(exchange_id)), &r, e);

	if (rc < 0) {
		json_decref(a);
		return rc;
	}
	while ((rc = db_rows_next(r, e)) > 0)
		json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:b,s:I}", "learned",
		                                   db_text(r, 0) ? db_text(r, 0) : "", "ideas",
		                                   db_text(r, 1) ? db_text(r, 1) : "", "actions",
		                                   db_text(r, 2) ? db_text(r, 2) : "", "by_host",
		                                   (int)db_int(r, 3), "created_at",
		                                   (json_int_t)db_int(r, 4)));
	db_rows_free(r);
	if (rc < 0) {
		json_decref(a);
		return rc;
	}
	*out = a;
	return 0;
}

/* Conference nights offered for accommodation: the evening before each
 * day of the event, as [{value, label, checked}]. */
static json_t *night_options(struct db_conn *c, int64_t exchange_id, int64_t reg_id,
                             int64_t starts_at, int64_t ends_at)
{
	struct ex_local a, b;
	json_t *list = json_array();
	int64_t day, first, last;

	ex_london_from_utc(starts_at, &a);
	ex_london_from_utc(ends_at, &b);
	first = ex_days_from_civil(a.year, a.month, a.day);
	last = ex_days_from_civil(b.year, b.month, b.day);
	for (day = first - 1; day < last && day < first + 14; day++) {
		int64_t y, n = 0;
		int m, dd;
		char v[16];
		struct co_err e;

		ex_civil_from_days(day, &y, &m, &dd);
		snprintf(v, sizeof(v), "%04d-%02d-%02d", (int)y, m, dd);
		if (reg_id)
			db_query_int(
			        c,
			        "SELECT COUNT(*) FROM ex_accommodation WHERE registration_id = ? "
			        "AND night_date = ?",
			        DB_ARGS(DB_I(reg_id), DB_T(v)), &n, &e);
		json_array_append_new(list,
		                      json_pack("{s:s,s:I,s:b}", "value", v, "at",
		                                (json_int_t)day * 86400 + 43200, "checked", n > 0));
	}
	(void)exchange_id;
	return list;
}

int ex__exchange_page(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), me = ctx->user ? ctx->user->id : 0, reg = 0;
	struct db_conn *c;
	struct co_err e;
	struct ex_policy p;
	struct ex_counts n;
	json_t *x = NULL, *d, *mine, *extra = NULL;
	int rc, manages = ex__manages(ctx, id);
	const char *kind, *state = NULL;

	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex_json_exchange(c, id, me, manages, &x, &e)) < 0)
		return web_fail(ctx, rc, &e);
	d = ex__page(ctx, "Knowledge exchange");
	json_object_set_new(d, "title",
	                    json_string(json_string_value(json_object_get(x, "topic"))));
	mine = json_object_get(x, "mine");
	if (json_is_object(mine)) {
		reg = json_integer_value(json_object_get(mine, "id"));
		state = json_string_value(json_object_get(mine, "state"));
	}
	if ((rc = ex_exchange_counts(c, id, &n, &p, &e)) < 0)
		goto fail;
	json_object_set_new(
	        d, "signup_open",
	        json_boolean(ex_signup_open(&p, web_now(),
	                                    json_integer_value(json_object_get(x, "starts_at")),
	                                    json_is_true(json_object_get(x, "cancelled")),
	                                    NULL) == 0));
	json_object_set_new(d, "can_sign_up",
	                    json_boolean(!state || strcmp(state, "cancelled") == 0 ||
	                                 strcmp(state, "declined") == 0));
	json_object_set_new(
	        d, "can_cancel",
	        json_boolean(state &&
	                     (strcmp(state, "confirmed") == 0 || strcmp(state, "waitlisted") == 0 ||
	                      strcmp(state, "pending") == 0 || strcmp(state, "offered") == 0)));
	json_object_set_new(d, "attending",
	                    json_boolean(state && (strcmp(state, "confirmed") == 0 ||
	                                           strcmp(state, "attended") == 0)));
	json_object_set_new(d, "can_manage", json_boolean(manages));
	json_object_set_new(d, "approval_needed", json_boolean(p.approval_needed));
	kind = json_string_value(json_object_get(x, "kind"));
	if (strcmp(kind, "conference") == 0) {
		if ((rc = ex_json_sessions(c, id, reg, &extra, &e)) < 0)
			goto fail;
		json_object_set_new(d, "sessions", json_incref(json_object_get(extra, "sessions")));
		json_decref(extra);
		extra = NULL;
		json_object_set_new(
		        d, "nights",
		        night_options(c, id, reg,
		                      json_integer_value(json_object_get(x, "starts_at")),
		                      json_integer_value(json_object_get(x, "ends_at"))));
		json_object_set_new(d, "is_conference", json_true());
		if ((rc = ex_json_showcase(c, id, 0, &extra, &e)) < 0)
			goto fail;
		json_object_set_new(d, "showcase",
		                    json_incref(json_object_get(extra, "submissions")));
		{
			json_t *call = json_object_get(extra, "call");
			int64_t t = web_now();

			json_object_set_new(d, "call_open",
			                    json_boolean(json_is_object(call) &&
			                                 t >= json_integer_value(json_object_get(
			                                              call, "opens_at")) &&
			                                 t < json_integer_value(json_object_get(
			                                             call, "closes_at"))));
			json_object_set_new(d, "call", json_incref(call));
		}
		json_decref(extra);
		extra = NULL;
	}
	if ((rc = insights_of(c, id, &extra, &e)) < 0)
		goto fail;
	json_object_set_new(d, "insights", extra);
	json_object_set_new(d, "exchange", x);
	return web_render(ctx, 200, "exchange/exchange", d);
fail:
	json_decref(d);
	json_decref(x);
	return web_fail(ctx, rc, &e);
}

int ex__register_post(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id");
	const char *back = co_arena_printf(ctx->arena, "/exchanges/%lld", (long long)id);
	struct ex_reg_result r;
	struct db_conn *c;
	struct co_err e;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0)
		return web_fail(ctx, rc, &e);
	rc = ex_signup(c, id, ctx->user->id, web_now(), &r, &e);
	if (rc < 0)
		return refuse_or_fail(ctx, rc, &e, back);
	ex_jobs_wake();
	web_flash(ctx, r.state == EX_CONFIRMED ? "success" : "info", state_message(r.state));
	return web_redirect(ctx, back);
}

int ex__reg_action_post(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), exchange_id, owner;
	const char *action = web_param(ctx, "action");
	const char *back = safe_next(web_form(ctx, "next"), "/exchanges/my");
	struct ex_reg_result r;
	struct db_conn *c;
	struct co_err e;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex__registration(c, id, &exchange_id, &owner, &e)) < 0)
		return web_fail(ctx, rc, &e);
	/* Only the person answers their offers; a cancellation may also come
	 * from the exchange's organisers. */
	if (owner != ctx->user->id &&
	    !(strcmp(action, "cancel") == 0 && ex__manages(ctx, exchange_id)))
		return web_fail(ctx, CO_EPERM, NULL);
	if (strcmp(action, "cancel") == 0)
		rc = ex_cancel(c, id, web_now(), &r, &e);
	else if (strcmp(action, "accept") == 0)
		rc = ex_offer_accept(c, id, web_now(), &r, &e);
	else if (strcmp(action, "decline") == 0)
		rc = ex_offer_decline(c, id, web_now(), &r, &e);
	else
		return web_fail(ctx, CO_ENOTFOUND, NULL);
	if (rc < 0)
		return refuse_or_fail(ctx, rc, &e, back);
	ex_jobs_wake();
	web_flash(ctx, "success", state_message(r.state));
	return web_redirect(ctx, back);
}

/* ---- my programme and calendars ---- */

static int my_render(struct web_ctx *ctx, const char *feed_url)
{
	struct db_conn *c;
	struct co_err e;
	struct db_rows *r;
	json_t *d, *my = NULL, *noms = json_array();
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = ex_json_my(c, ctx->user->id, &my, &e)) < 0)
		goto fail;
	rc = db_query(
	        c,
	        "SELECT n.id, n.state, p.name, o.name FROM ex_nominations n JOIN ex_programmes "
	        "p ON p.id = n.programme_id JOIN organisations o ON o.id = n.org_id WHERE "
	        "n.user_id = ? AND n.state IN ('nominated', 'approved', 'accepted') ORDER BY "
	        "n.id",
	        DB_ARGS(DB_I(ctx->user->id)), &r, &e);
	if (rc < 0)
		goto fail;
	while ((rc = db_rows_next(r, &e)) > 0)
		json_array_append_new(noms,
		                      json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)db_int(r, 0),
		                                "state", db_text(r, 1), "programme", db_text(r, 2),
		                                "organisation", db_text(r, 3)));
	db_rows_free(r);
	if (rc < 0)
		goto fail;
	d = ex__page(ctx, "My programme");
	json_object_set_new(d, "registrations", json_incref(json_object_get(my, "registrations")));
	json_object_set_new(d, "nominations", noms);
	json_object_set_new(d, "feed_url", feed_url ? json_string(feed_url) : json_null());
	json_decref(my);
	return web_render(ctx, 200, "exchange/my", d);
fail:
	json_decref(my);
	json_decref(noms);
	return web_fail(ctx, rc, &e);
}

int ex__my_page(struct web_ctx *ctx)
{
	return my_render(ctx, NULL);
}

int ex__feed_post(struct web_ctx *ctx)
{
	char secret[EX_FEED_SECRET_LEN];
	struct db_conn *c;
	struct co_err e;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex_feed_new(c, ctx->user->id, web_now(), secret, &e)) < 0)
		return web_fail(ctx, rc, &e);
	/* Shown once: only its hash is kept. */
	return my_render(ctx, web_url(ctx, co_arena_printf(ctx->arena, "/calendar/%s", secret)));
}

static int send_ics(struct web_ctx *ctx, struct co_buf *b, const char *name)
{
	int rc = http_res_file(ctx->res, "text/calendar; charset=utf-8", b->data, b->len, name);

	co_buf_free(b);
	return rc;
}

int ex__feed_get(struct web_ctx *ctx)
{
	const char *host, *base;
	struct db_conn *c;
	struct co_buf b;
	struct co_err e;
	int64_t user;
	int rc;

	ex__site(ctx, &host, &base);
	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex_feed_user(c, web_param(ctx, "secret"), &user, &e)) < 0)
		return web_fail(ctx, rc, &e);
	co_buf_init(&b, CO_MAX_PAGE);
	if ((rc = ex_ics_person(c, user, host, base, web_now(), &b, &e)) < 0) {
		co_buf_free(&b);
		return web_fail(ctx, rc, &e);
	}
	return send_ics(ctx, &b, NULL);
}

int ex__ics_get(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id");
	const char *host, *base;
	struct db_conn *c;
	struct co_buf b;
	struct co_err e;
	int rc;

	ex__site(ctx, &host, &base);
	co_buf_init(&b, CO_MAX_PAGE);
	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex_ics_exchange(c, id, host, base, web_now(), &b, &e)) < 0) {
		co_buf_free(&b);
		return web_fail(ctx, rc, &e);
	}
	return send_ics(ctx, &b, co_arena_printf(ctx->arena, "exchange-%lld.ics", (long long)id));
}

/* ---- host: dashboard, approvals, check-in, exports ---- */

static json_t *column_options(struct web_ctx *ctx)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < EX_N_COLS; i++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:b}", "value",
		                                   ex_col_key((enum ex_col)i), "label",
		                                   web_t(ctx, ex_col_title((enum ex_col)i)),
		                                   "checked", i <= EX_COL_STATE));
	return a;
}

int ex__host_page(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id");
	struct db_conn *c;
	struct co_err e;
	json_t *x = NULL, *att = NULL, *ins = NULL, *d;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = ex_json_exchange(c, id, 0, 1, &x, &e)) < 0 ||
	    (rc = ex_json_attendees(c, id, 1, &att, &e)) < 0 ||
	    (rc = insights_of(c, id, &ins, &e)) < 0) {
		json_decref(x);
		json_decref(att);
		return web_fail(ctx, rc, &e);
	}
	d = ex__page(ctx, "Host dashboard");
	json_object_set_new(d, "exchange", x);
	json_object_set_new(d, "attendees", json_incref(json_object_get(att, "attendees")));
	json_object_set_new(d, "insights", ins);
	json_object_set_new(d, "columns", column_options(ctx));
	json_object_set_new(d, "is_admin", json_boolean(web_is_admin(ctx)));
	json_object_set_new(
	        d, "role_options",
	        json_pack("[{s:s,s:s,s:s},{s:s,s:s,s:s}]", "value", "host", "label",
	                  web_t(ctx, "Host: manages the exchange"), "hint",
	                  web_t(ctx, "Sees the attendee list, approves, checks people in."),
	                  "value", "venue", "label", web_t(ctx, "Venue contact"), "hint",
	                  web_t(ctx, "Sees dietary and access needs only.")));
	json_decref(att);
	return web_render(ctx, 200, "exchange/host", d);
}

int ex__decide_post(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), exchange_id, owner;
	const char *approve = web_form(ctx, "approve");
	struct ex_reg_result r;
	struct db_conn *c;
	struct co_err e;
	const char *back;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex__registration(c, id, &exchange_id, &owner, &e)) < 0)
		return web_fail(ctx, rc, &e);
	back = co_arena_printf(ctx->arena, "/exchanges/%lld/host", (long long)exchange_id);
	rc = ex_decide(c, id, approve && strcmp(approve, "1") == 0, web_now(), &r, &e);
	if (rc < 0)
		return refuse_or_fail(ctx, rc, &e, back);
	ex_jobs_wake();
	web_flash(ctx, "success", "Saved.");
	return web_redirect(ctx, back);
}

/* The registration a check-in code names, if it is one of this exchange's. */
static int code_registration(struct db_conn *c, int64_t exchange_id, const char *code, int64_t *reg,
                             struct co_err *e)
{
	unsigned char key[32];
	int64_t rid, ex, owner;
	int rc;

	if ((rc = ex__checkin_key(c, key, e)) < 0)
		return rc;
	if (ex_checkin_verify(key, code, &rid) < 0)
		return co_errf_at(e, CO_EINPUT, 0, 0, "code", "This is not a check-in code.");
	if ((rc = ex__registration(c, rid, &ex, &owner, e)) < 0)
		return rc;
	if (ex != exchange_id)
		return co_errf_at(e, CO_EINPUT, 0, 0, "code",
		                  "This check-in code is for another exchange.");
	*reg = rid;
	return 0;
}

int ex__checkin_page(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), reg = 0;
	const char *code = web_query(ctx, "code");
	struct db_conn *c;
	struct co_err e;
	json_t *x = NULL, *att = NULL, *d, *a, *keep, *errs = json_object(), *who = json_null();
	size_t i;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = ex_json_exchange(c, id, 0, 1, &x, &e)) < 0 ||
	    (rc = ex_json_attendees(c, id, 0, &att, &e)) < 0) {
		json_decref(x);
		json_decref(errs);
		return web_fail(ctx, rc, &e);
	}
	if (code && *code) {
		rc = code_registration(c, id, code, &reg, &e);
		if (rc == CO_EINPUT || rc == CO_ENOTFOUND)
			web_errors_add(ctx, errs, "code",
			               "This is not a check-in code for this exchange.");
		else if (rc < 0)
			goto fail;
	}
	keep = json_array();
	json_array_foreach(json_object_get(att, "attendees"), i, a)
	{
		const char *s = json_string_value(json_object_get(a, "state"));

		if (json_integer_value(json_object_get(a, "id")) == reg) {
			json_decref(who);
			who = json_incref(a);
		}
		if (strcmp(s, "confirmed") == 0 || strcmp(s, "attended") == 0)
			json_array_append(keep, a);
	}
	d = ex__page(ctx, "Check-in");
	json_object_set_new(d, "exchange", x);
	json_object_set_new(d, "attendees", keep);
	json_object_set_new(d, "who", who);
	json_object_set_new(d, "code", json_string(code ? code : ""));
	json_object_set_new(d, "errors", errs);
	json_decref(att);
	return web_render(ctx, json_object_size(errs) ? 400 : 200, "exchange/checkin", d);
fail:
	json_decref(x);
	json_decref(att);
	json_decref(errs);
	json_decref(who);
	return web_fail(ctx, rc, &e);
}

int ex__checkin_post(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), reg = 0, ex, owner;
	const char *code = web_form(ctx, "code"), *regs = web_form(ctx, "registration");
	const char *back = co_arena_printf(ctx->arena, "/exchanges/%lld/checkin", (long long)id);
	struct ex_reg_result r;
	struct db_conn *c;
	struct co_err e;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0)
		return web_fail(ctx, rc, &e);
	if (code && *code) {
		if ((rc = code_registration(c, id, code, &reg, &e)) < 0)
			return refuse_or_fail(ctx, rc == CO_ENOTFOUND ? CO_EINPUT : rc, &e, back);
	} else if (regs) {
		char *end;

		reg = strtoll(regs, &end, 10);
		if (*end || reg <= 0 || ex__registration(c, reg, &ex, &owner, &e) < 0 || ex != id)
			return refuse_or_fail(ctx, CO_EINPUT,
			                      &(struct co_err){.msg = "No such attendee."}, back);
	} else {
		return refuse_or_fail(
		        ctx, CO_EINPUT,
		        &(struct co_err){.msg = "Give a check-in code or pick a name."}, back);
	}
	rc = ex_mark_attendance(c, reg, 1, web_now(), &r, &e);
	if (rc < 0)
		return refuse_or_fail(ctx, rc, &e, back);
	web_flash(ctx, "success", "Checked in.");
	return web_redirect(ctx, back);
}

/* Attendees as rows for the exports; strings live in the JSON list. */
static int attendee_rows(struct db_conn *c, int64_t id, json_t **keep, struct ex_attendee **rows,
                         size_t *n, struct co_err *e)
{
	json_t *att, *a;
	size_t i;
	int rc;

	if ((rc = ex_json_attendees(c, id, 1, &att, e)) < 0)
		return rc;
	*n = json_array_size(json_object_get(att, "attendees"));
	*rows = calloc(*n ? *n : 1, sizeof(**rows));
	if (!*rows) {
		json_decref(att);
		return co_errf(e, CO_ENOMEM, "out of memory");
	}
	json_array_foreach(json_object_get(att, "attendees"), i, a)
	{
		struct ex_attendee *row = &(*rows)[i];
		char buf[32];

		row->v[EX_COL_NAME] = json_string_value(json_object_get(a, "name"));
		row->v[EX_COL_EMAIL] = json_string_value(json_object_get(a, "email"));
		row->v[EX_COL_ORG] = json_string_value(json_object_get(a, "organisation"));
		row->v[EX_COL_STATE] = json_string_value(json_object_get(a, "state"));
		row->v[EX_COL_REQUESTED] = json_string_value(json_object_get(a, "requested_local"));
		row->v[EX_COL_CHECKED_IN] =
		        json_string_value(json_object_get(a, "checked_in_local"));
		row->v[EX_COL_DIETARY] = json_string_value(json_object_get(a, "dietary"));
		row->v[EX_COL_ACCESS] = json_string_value(json_object_get(a, "access"));
		if (json_object_get(a, "position")) {
			snprintf(buf, sizeof(buf), "%lld",
			         (long long)json_integer_value(json_object_get(a, "position")));
			json_object_set_new(a, "position_text", json_string(buf));
			row->v[EX_COL_POSITION] =
			        json_string_value(json_object_get(a, "position_text"));
		}
		snprintf(buf, sizeof(buf), "%lld",
		         (long long)json_integer_value(json_object_get(a, "nights")));
		json_object_set_new(a, "nights_text", json_string(buf));
		row->v[EX_COL_NIGHTS] = json_string_value(json_object_get(a, "nights_text"));
		/* Workshops chosen, by title. */
		{
			struct db_rows *r;
			struct co_buf w;

			co_buf_init(&w, CO_EX_MAX_TEXT);
			if (db_query(c,
			             "SELECT s.title FROM ex_session_choices ch JOIN ex_sessions s "
			             "ON "
			             "s.id = ch.session_id WHERE ch.registration_id = ? ORDER BY "
			             "s.starts_at",
			             DB_ARGS(DB_I(json_integer_value(json_object_get(a, "id")))),
			             &r, e) == 0) {
				while (db_rows_next(r, e) > 0)
					if (co_buf_printf(&w, "%s%s", w.len ? "; " : "",
					                  db_text(r, 0)) < 0)
						break;
				db_rows_free(r);
			}
			json_object_set_new(a, "workshops_text", json_string(w.data ? w.data : ""));
			co_buf_free(&w);
			row->v[EX_COL_WORKSHOPS] =
			        json_string_value(json_object_get(a, "workshops_text"));
		}
	}
	*keep = att;
	return 0;
}

int ex__attendees_get(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id");
	const char *format = web_query(ctx, "format"), *cols_q = web_query(ctx, "columns");
	enum ex_col cols[EX_N_COLS];
	const char *titles[EX_N_COLS];
	struct ex_attendee *rows = NULL;
	struct db_conn *c;
	struct co_buf b;
	struct co_err e;
	json_t *keep = NULL;
	size_t n = 0;
	int rc, ncols = 0, i, xlsx = format && strcmp(format, "xlsx") == 0;

	/* The columns come as ?columns=name,email or as checkboxes col_name=1. */
	if (!cols_q || !*cols_q) {
		struct co_buf list;

		co_buf_init(&list, 1024);
		for (i = 0; i < EX_N_COLS; i++) {
			char key[48];

			snprintf(key, sizeof(key), "col_%s", ex_col_key((enum ex_col)i));
			if (web_query(ctx, key))
				co_buf_printf(&list, "%s%s", list.len ? "," : "",
				              ex_col_key((enum ex_col)i));
		}
		cols_q = list.len ? co_arena_strdup(ctx->arena, list.data)
		                  : "name,email,organisation,state";
		co_buf_free(&list);
	}
	if (ex_cols_parse(cols_q, cols, &ncols, &e) < 0)
		return web_problem(ctx, 400, "The input is not valid", e.msg, NULL);
	for (i = 0; i < ncols; i++)
		titles[i] = web_t(ctx, ex_col_title(cols[i]));
	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = attendee_rows(c, id, &keep, &rows, &n, &e)) < 0)
		return web_fail(ctx, rc, &e);
	co_buf_init(&b, CO_MAX_PAGE);
	rc = xlsx ? ex_attendees_xlsx(&b, rows, n, cols, ncols, titles, &e)
	          : ex_attendees_csv(&b, rows, n, cols, ncols, titles, &e);
	free(rows);
	json_decref(keep);
	if (rc < 0) {
		co_buf_free(&b);
		return web_fail(ctx, rc, &e);
	}
	rc = http_res_file(
	        ctx->res,
	        xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	             : "text/csv; charset=utf-8",
	        b.data, b.len,
	        co_arena_printf(ctx->arena, "attendees-%lld.%s", (long long)id,
	                        xlsx ? "xlsx" : "csv"));
	co_buf_free(&b);
	return rc;
}

int ex__badges_get(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id");
	unsigned char key[32];
	struct ex_badge *badges = NULL;
	struct db_conn *c;
	struct co_buf b;
	struct co_err e;
	json_t *x = NULL, *att = NULL, *a;
	size_t i, n = 0;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = ex_json_exchange(c, id, 0, 0, &x, &e)) < 0 ||
	    (rc = ex_json_attendees(c, id, 0, &att, &e)) < 0 ||
	    (rc = ex__checkin_key(c, key, &e)) < 0)
		goto out;
	badges = calloc(json_array_size(json_object_get(att, "attendees")) + 1, sizeof(*badges));
	if (!badges) {
		rc = co_errf(&e, CO_ENOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(json_object_get(att, "attendees"), i, a)
	{
		const char *s = json_string_value(json_object_get(a, "state"));
		char code[EX_CHECKIN_MAX];

		if (strcmp(s, "confirmed") != 0 && strcmp(s, "attended") != 0)
			continue;
		ex_checkin_code(key, json_integer_value(json_object_get(a, "id")), code);
		badges[n].name = json_string_value(json_object_get(a, "name"));
		badges[n].org = json_string_value(json_object_get(a, "organisation"));
		badges[n].event = json_string_value(json_object_get(x, "topic"));
		badges[n].detail = json_string_value(json_object_get(x, "starts_local"));
		badges[n].qr_text =
		        web_url(ctx, co_arena_printf(ctx->arena, "/exchanges/%lld/checkin?code=%s",
		                                     (long long)id, code));
		n++;
	}
	if (n == 0) {
		web_flash(ctx, "info", "Nobody has a confirmed place yet.");
		rc = web_redirect(
		        ctx, co_arena_printf(ctx->arena, "/exchanges/%lld/host", (long long)id));
		goto done;
	}
	co_buf_init(&b, CO_MAX_PAGE);
	if ((rc = ex_badges_pdf(&b, badges, n, &e)) == 0)
		rc = http_res_file(ctx->res, "application/pdf", b.data, b.len,
		                   co_arena_printf(ctx->arena, "badges-%lld.pdf", (long long)id));
	co_buf_free(&b);
	if (rc < 0)
		goto out;
done:
	free(badges);
	json_decref(x);
	json_decref(att);
	return rc;
out:
	free(badges);
	json_decref(x);
	json_decref(att);
	return web_fail(ctx, rc, &e);
}

/* ---- insights ---- */

int ex__insight_post(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), n = 0;
	const char *back = co_arena_printf(ctx->arena, "/exchanges/%lld", (long long)id);
	struct db_conn *c;
	struct co_err e;
	int rc, host = ex__manages(ctx, id);

	if ((rc = ex__db(ctx, &c, &e)) < 0)
		return web_fail(ctx, rc, &e);
	if ((rc = db_query_int(c, "SELECT id FROM ex_exchanges WHERE id = ?", DB_ARGS(DB_I(id)), &n,
	                       &e)) < 0)
		return web_fail(ctx, rc, &e);
	if (!host) {
		/* An attendee: a confirmed or attended place. */
		rc = db_query_int(c,
		                  "SELECT COUNT(*) FROM ex_registrations WHERE exchange_id = ? AND "
		                  "user_id = ? AND state IN ('confirmed', 'attended')",
		                  DB_ARGS(DB_I(id), DB_I(ctx->user->id)), &n, &e);
		if (rc < 0)
			return web_fail(ctx, rc, &e);
		if (n == 0)
			return web_fail(ctx, CO_EPERM, NULL);
	}
	rc = ex_insight_add(c, id, ctx->user->id, host, web_form(ctx, "learned"),
	                    web_form(ctx, "ideas"), web_form(ctx, "actions"), web_now(), NULL, &e);
	if (rc < 0)
		return refuse_or_fail(ctx, rc, &e, back);
	web_flash(ctx, "success", "Thank you: your insight is recorded.");
	return web_redirect(ctx, back);
}

/* ---- programme admin, pack ---- */

static int programme_of_route(struct web_ctx *ctx, struct db_conn *c, json_t **prog,
                              struct co_err *e)
{
	const char *p = web_param(ctx, "programme");

	if (p && *p >= '0' && *p <= '9')
		return ex_json_programme(c, strtoll(p, NULL, 10), NULL, prog, e);
	return ex_json_programme(c, 0, p, prog, e);
}

int ex__admin_page(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	struct db_rows *r;
	json_t *prog = NULL, *dash = NULL, *d, *noms = json_array();
	int64_t pid;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = programme_of_route(ctx, c, &prog, &e)) < 0)
		goto fail;
	pid = json_integer_value(json_object_get(prog, "id"));
	if ((rc = ex_json_admin(c, pid, &dash, &e)) < 0)
		goto fail;
	rc = db_query(c,
	              "SELECT n.id, u.name, u.email, o.name, n.state FROM ex_nominations n JOIN "
	              "users u ON u.id = n.user_id JOIN organisations o ON o.id = n.org_id WHERE "
	              "n.programme_id = ? AND n.state = 'nominated' ORDER BY o.name, n.id",
	              DB_ARGS(DB_I(pid)), &r, &e);
	if (rc < 0)
		goto fail;
	while ((rc = db_rows_next(r, &e)) > 0)
		json_array_append_new(noms,
		                      json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)db_int(r, 0),
		                                "name", db_text(r, 1), "email", db_text(r, 2),
		                                "organisation", db_text(r, 3)));
	db_rows_free(r);
	if (rc < 0)
		goto fail;
	{
		int64_t conf;
		json_t *sc = NULL;

		rc = db_query_int(c,
		                  "SELECT id FROM ex_exchanges WHERE programme_id = ? AND kind = "
		                  "'conference' ORDER BY starts_at LIMIT 1",
		                  DB_ARGS(DB_I(pid)), &conf, &e);
		if (rc == 0 && (rc = ex_json_showcase(c, conf, 1, &sc, &e)) < 0)
			goto fail;
		json_object_set_new(dash, "submissions",
		                    sc ? json_incref(json_object_get(sc, "submissions"))
		                       : json_array());
		json_decref(sc);
	}
	d = ex__page(ctx, "Programme dashboard");
	json_object_set_new(d, "submissions", json_incref(json_object_get(dash, "submissions")));
	json_object_set_new(d, "programme", prog);
	json_object_set_new(d, "exchanges", json_incref(json_object_get(dash, "exchanges")));
	json_object_set_new(d, "allotments", json_incref(json_object_get(dash, "allotments")));
	json_object_set_new(d, "pending_nominations", noms);
	json_decref(dash);
	return web_render(ctx, 200, "exchange/admin", d);
fail:
	json_decref(prog);
	json_decref(dash);
	json_decref(noms);
	return web_fail(ctx, rc, &e);
}

int ex__pack_page(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	json_t *prog = NULL, *pack = NULL, *d;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = programme_of_route(ctx, c, &prog, &e)) < 0 ||
	    (rc = ex_json_pack(c, json_integer_value(json_object_get(prog, "id")), &pack, &e)) <
	            0) {
		json_decref(prog);
		return web_fail(ctx, rc, &e);
	}
	d = ex__page(ctx, "Conference pack");
	json_object_set_new(d, "programme", prog);
	json_object_set_new(d, "themes", json_incref(json_object_get(pack, "themes")));
	json_decref(pack);
	return web_render(ctx, 200, "exchange/pack", d);
}

int ex__pack_pdf(struct web_ctx *ctx)
{
	const char *labels[5] = {web_t(ctx, "What was learned"), web_t(ctx, "Ideas to spread"),
	                         web_t(ctx, "Actions"), web_t(ctx, "From the host"),
	                         web_t(ctx, "From an attendee")};
	struct ex_pack_item *items = NULL;
	struct db_conn *c;
	struct co_buf b;
	struct co_err e;
	json_t *prog = NULL, *pack = NULL, *t, *it;
	size_t i, j, n = 0, cap = 0;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = programme_of_route(ctx, c, &prog, &e)) < 0 ||
	    (rc = ex_json_pack(c, json_integer_value(json_object_get(prog, "id")), &pack, &e)) < 0)
		goto out;
	json_array_foreach(json_object_get(pack, "themes"), i, t) cap +=
	        json_array_size(json_object_get(t, "insights"));
	items = calloc(cap + 1, sizeof(*items));
	if (!items) {
		rc = co_errf(&e, CO_ENOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(json_object_get(pack, "themes"), i, t)
	{
		json_array_foreach(json_object_get(t, "insights"), j, it)
		{
			items[n].theme = json_string_value(json_object_get(t, "name"));
			items[n].exchange = json_string_value(json_object_get(it, "exchange"));
			items[n].host = json_string_value(json_object_get(it, "host"));
			items[n].learned = json_string_value(json_object_get(it, "learned"));
			items[n].ideas = json_string_value(json_object_get(it, "ideas"));
			items[n].actions = json_string_value(json_object_get(it, "actions"));
			items[n].by_host = json_is_true(json_object_get(it, "by_host"));
			n++;
		}
	}
	co_buf_init(&b, CO_MAX_PAGE);
	rc = ex_pack_pdf(&b, json_string_value(json_object_get(prog, "name")),
	                 web_t(ctx, "Conference pack: insights from every exchange, by theme"),
	                 items, n, labels, &e);
	if (rc == 0)
		rc = http_res_file(ctx->res, "application/pdf", b.data, b.len,
		                   "conference-pack.pdf");
	co_buf_free(&b);
out:
	free(items);
	json_decref(prog);
	json_decref(pack);
	return rc < 0 ? web_fail(ctx, rc, &e) : 0;
}

/* ---- needs and accommodation ---- */

int ex__needs_page(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id");
	struct db_conn *c;
	struct co_err e;
	json_t *x = NULL, *att = NULL, *keep, *a, *d;
	size_t i;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = ex_json_exchange(c, id, 0, 0, &x, &e)) < 0 ||
	    (rc = ex_json_attendees(c, id, 1, &att, &e)) < 0) {
		json_decref(x);
		return web_fail(ctx, rc, &e);
	}
	keep = json_array();
	json_array_foreach(json_object_get(att, "attendees"), i, a)
	{
		const char *s = json_string_value(json_object_get(a, "state"));

		if ((strcmp(s, "confirmed") == 0 || strcmp(s, "attended") == 0 ||
		     strcmp(s, "offered") == 0) &&
		    (json_string_length(json_object_get(a, "dietary")) ||
		     json_string_length(json_object_get(a, "access")) ||
		     json_integer_value(json_object_get(a, "nights"))))
			json_array_append(keep, a);
	}
	d = ex__page(ctx, "Dietary and access needs");
	json_object_set_new(d, "exchange", x);
	json_object_set_new(d, "attendees", keep);
	json_decref(att);
	return web_render(ctx, 200, "exchange/needs", d);
}

int ex__needs_post(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), exchange_id, owner;
	const char *nights[16], *back;
	struct db_conn *c;
	struct co_err e;
	json_t *x = NULL, *opts, *o;
	size_t i;
	int rc, n = 0;

	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex__registration(c, id, &exchange_id, &owner, &e)) < 0)
		return web_fail(ctx, rc, &e);
	if (owner != ctx->user->id)
		return web_fail(ctx, CO_EPERM, NULL);
	back = co_arena_printf(ctx->arena, "/exchanges/%lld", (long long)exchange_id);
	rc = ex_needs_set(c, id, web_form(ctx, "dietary"), web_form(ctx, "access"), web_now(), &e);
	if (rc < 0)
		return refuse_or_fail(ctx, rc, &e, back);
	if ((rc = ex_json_exchange(c, exchange_id, 0, 0, &x, &e)) < 0)
		return web_fail(ctx, rc, &e);
	if (strcmp(json_string_value(json_object_get(x, "kind")), "conference") == 0) {
		opts = night_options(c, exchange_id, 0,
		                     json_integer_value(json_object_get(x, "starts_at")),
		                     json_integer_value(json_object_get(x, "ends_at")));
		json_array_foreach(opts, i, o)
		{
			const char *v = json_string_value(json_object_get(o, "value"));

			if (n < 16 && web_form(ctx, co_arena_printf(ctx->arena, "night_%s", v)))
				nights[n++] = co_arena_strdup(ctx->arena, v);
		}
		json_decref(opts);
		rc = ex_nights_set(c, id, nights, n, &e);
	}
	json_decref(x);
	if (rc < 0)
		return refuse_or_fail(ctx, rc, &e, back);
	web_flash(ctx, "success",
	          "Saved. Your needs are shared only with the organisers and the "
	          "venue, and deleted after the event.");
	return web_redirect(ctx, back);
}

int ex__choose_post(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), exchange_id, owner, session;
	const char *s = web_form(ctx, "session"), *back;
	struct db_conn *c;
	struct co_err e;
	char *end = NULL;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex__registration(c, id, &exchange_id, &owner, &e)) < 0)
		return web_fail(ctx, rc, &e);
	if (owner != ctx->user->id)
		return web_fail(ctx, CO_EPERM, NULL);
	back = co_arena_printf(ctx->arena, "/exchanges/%lld", (long long)exchange_id);
	session = s ? strtoll(s, &end, 10) : 0;
	if (!s || *end || session <= 0)
		return refuse_or_fail(ctx, CO_EINPUT, &(struct co_err){.msg = "Choose a session."},
		                      back);
	rc = ex_choose_session(c, id, session, web_now(), &e);
	if (rc == CO_ENOTFOUND)
		rc = CO_EINPUT;
	if (rc < 0)
		return refuse_or_fail(ctx, rc, &e, back);
	web_flash(ctx, "success", "Your choice is saved.");
	return web_redirect(ctx, back);
}

/* ---- nominations ---- */

int ex__nominations_page(struct web_ctx *ctx)
{
	const char *code = web_param(ctx, "code");
	struct db_conn *c;
	struct co_err e;
	struct db_rows *r;
	json_t *prog = NULL, *d, *noms = json_array(), *people = json_array();
	int64_t pid, org = ctx->scope_id, places = 0;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = programme_of_route(ctx, c, &prog, &e)) < 0)
		goto fail;
	pid = json_integer_value(json_object_get(prog, "id"));
	rc = db_query_int(c,
	                  "SELECT places FROM ex_allotments WHERE programme_id = ? AND org_id = ?",
	                  DB_ARGS(DB_I(pid), DB_I(org)), &places, &e);
	if (rc < 0 && rc != CO_ENOTFOUND)
		goto fail;
	rc = db_query(
	        c,
	        "SELECT n.id, u.name, u.email, n.state, n.replaces FROM ex_nominations n JOIN "
	        "users u ON u.id = n.user_id WHERE n.programme_id = ? AND n.org_id = ? ORDER "
	        "BY n.id",
	        DB_ARGS(DB_I(pid), DB_I(org)), &r, &e);
	if (rc < 0)
		goto fail;
	while ((rc = db_rows_next(r, &e)) > 0) {
		const char *st = db_text(r, 3);

		json_array_append_new(noms,
		                      json_pack("{s:I,s:s,s:s,s:s,s:b,s:b}", "id",
		                                (json_int_t)db_int(r, 0), "name", db_text(r, 1),
		                                "email", db_text(r, 2), "state", st, "active",
		                                strcmp(st, "nominated") == 0 ||
		                                        strcmp(st, "approved") == 0 ||
		                                        strcmp(st, "accepted") == 0,
		                                "swapped_in", !db_isnull(r, 4)));
	}
	db_rows_free(r);
	if (rc < 0)
		goto fail;
	rc = db_query(
	        c,
	        "SELECT u.id, u.name, u.email FROM memberships m JOIN users u ON u.id = "
	        "m.user_id WHERE m.scope_type = 'org' AND m.scope_id = ? GROUP BY u.id, u.name, "
	        "u.email ORDER BY u.name",
	        DB_ARGS(DB_I(org)), &r, &e);
	if (rc < 0)
		goto fail;
	while ((rc = db_rows_next(r, &e)) > 0) {
		char v[24];

		snprintf(v, sizeof(v), "%lld", (long long)db_int(r, 0));
		json_array_append_new(people,
		                      json_pack("{s:s,s:s}", "value", v, "label",
		                                co_arena_printf(ctx->arena, "%s (%s)",
		                                                db_text(r, 1), db_text(r, 2))));
	}
	db_rows_free(r);
	if (rc < 0)
		goto fail;
	d = ex__page(ctx, "Nominations");
	json_object_set_new(d, "programme", prog);
	json_object_set_new(d, "org_code", json_string(code));
	json_object_set_new(d, "places", json_integer(places));
	json_object_set_new(d, "nominations", noms);
	json_object_set_new(d, "people", people);
	return web_render(ctx, 200, "exchange/nominations", d);
fail:
	json_decref(prog);
	json_decref(noms);
	json_decref(people);
	return web_fail(ctx, rc, &e);
}

/* A person of the organisation, from a form field. */
static int member_of(struct db_conn *c, int64_t org, const char *field, int64_t *user,
                     struct co_err *e)
{
	char *end = NULL;
	int64_t id = field ? strtoll(field, &end, 10) : 0, n = 0;
	int rc;

	if (!field || *end || id <= 0)
		return co_errf_at(e, CO_EINPUT, 0, 0, "user", "Choose a person.");
	rc = db_query_int(
	        c,
	        "SELECT COUNT(*) FROM memberships WHERE user_id = ? AND scope_type = 'org' "
	        "AND scope_id = ?",
	        DB_ARGS(DB_I(id), DB_I(org)), &n, e);
	if (rc < 0)
		return rc;
	if (n == 0)
		return co_errf_at(e, CO_EINPUT, 0, 0, "user",
		                  "Only people of the organisation can be nominated.");
	*user = id;
	return 0;
}

int ex__nominate_post(struct web_ctx *ctx)
{
	const char *back = co_arena_printf(ctx->arena, "/orgs/%s/nominations/%s",
	                                   web_param(ctx, "code"), web_param(ctx, "programme"));
	struct db_conn *c;
	struct co_err e;
	int64_t pid, user, id;
	json_t *prog = NULL;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = programme_of_route(ctx, c, &prog, &e)) < 0)
		return web_fail(ctx, rc, &e);
	pid = json_integer_value(json_object_get(prog, "id"));
	json_decref(prog);
	if ((rc = member_of(c, ctx->scope_id, web_form(ctx, "user"), &user, &e)) < 0 ||
	    (rc = ex_nominate(c, pid, ctx->scope_id, user, ctx->user->id, web_now(), &id, &e)) < 0)
		return refuse_or_fail(ctx, rc, &e, back);
	ex_jobs_wake();
	web_flash(ctx, "success", "Nominated. The programme admin will review the nomination.");
	return web_redirect(ctx, back);
}

int ex__swap_post(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), org = 0, user = 0, new_id = 0;
	const char *back = safe_next(web_form(ctx, "next"), "/exchanges");
	struct db_conn *c;
	struct co_err e;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = db_query_int(c, "SELECT org_id FROM ex_nominations WHERE id = ?",
	                       DB_ARGS(DB_I(id)), &org, &e)) < 0)
		return web_fail(ctx, rc, &e);
	if ((rc = member_of(c, org, web_form(ctx, "user"), &user, &e)) < 0 ||
	    (rc = ex_nomination_swap(c, id, user, ctx->user->id, web_now(), &new_id, &e)) < 0)
		return refuse_or_fail(ctx, rc, &e, back);
	ex_jobs_wake();
	web_flash(ctx, "success", "The nominee has been swapped.");
	return web_redirect(ctx, back);
}

int ex__nomination_decide_post(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id");
	const char *approve = web_form(ctx, "approve"),
	           *back = safe_next(web_form(ctx, "next"), "/exchanges");
	struct db_conn *c;
	struct co_err e;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0)
		return web_fail(ctx, rc, &e);
	rc = ex_nomination_decide(c, id, approve && strcmp(approve, "1") == 0, ctx->user->id,
	                          web_now(), &e);
	if (rc < 0)
		return refuse_or_fail(ctx, rc, &e, back);
	ex_jobs_wake();
	web_flash(ctx, "success", "Saved.");
	return web_redirect(ctx, back);
}

int ex__nomination_accept_post(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), reg = 0;
	struct db_conn *c;
	struct co_err e;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0)
		return web_fail(ctx, rc, &e);
	rc = ex_nomination_accept(c, id, ctx->user->id, web_now(), &reg, &e);
	if (rc < 0)
		return refuse_or_fail(ctx, rc, &e, "/exchanges/my");
	ex_jobs_wake();
	web_flash(ctx, "success", "You have accepted the nomination.");
	return web_redirect(ctx, "/exchanges/my");
}

/* ---- the showcase ---- */

int ex__submit_post(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), sid;
	const char *back = co_arena_printf(ctx->arena, "/exchanges/%lld", (long long)id);
	struct ex_submission_in in = {0};
	struct db_conn *c;
	struct co_err e;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0)
		return web_fail(ctx, rc, &e);
	rc = db_query_int(c, "SELECT id FROM ex_showcase_calls WHERE exchange_id = ?",
	                  DB_ARGS(DB_I(id)), &in.call_id, &e);
	if (rc < 0)
		return web_fail(ctx, rc, &e);
	in.submitter_id = ctx->user->id;
	in.title = web_form(ctx, "title");
	in.summary = web_form(ctx, "summary");
	in.evidence = web_form(ctx, "evidence");
	in.team_name = web_form(ctx, "team");
	if ((rc = ex_submission_create(c, &in, web_now(), &sid, &e)) < 0)
		return refuse_or_fail(ctx, rc, &e, back);
	web_flash(ctx, "success", "Thank you: your submission is received for review.");
	return web_redirect(ctx, back);
}

int ex__review_post(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id");
	const char *back = safe_next(web_form(ctx, "next"), "/exchanges"),
	           *s = web_form(ctx, "score");
	struct db_conn *c;
	struct co_err e;
	char *end = NULL;
	long score = s ? strtol(s, &end, 10) : 0;
	int rc;

	if (!s || *end)
		score = 0;
	if ((rc = ex__db(ctx, &c, &e)) < 0)
		return web_fail(ctx, rc, &e);
	rc = ex_review_set(c, id, ctx->user->id, (int)(score > 9 ? 0 : score),
	                   web_form(ctx, "comments"), web_now(), &e);
	if (rc == CO_ECONFLICT || rc == CO_ENOTFOUND)
		rc = CO_EINPUT;
	if (rc < 0)
		return refuse_or_fail(ctx, rc, &e, back);
	web_flash(ctx, "success", "Saved.");
	return web_redirect(ctx, back);
}

int ex__submission_decide_post(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id");
	const char *back = safe_next(web_form(ctx, "next"), "/exchanges"),
	           *accept = web_form(ctx, "accept");
	struct db_conn *c;
	struct co_err e;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0)
		return web_fail(ctx, rc, &e);
	rc = ex_submission_decide(c, id, accept && strcmp(accept, "1") == 0, web_now(), &e);
	if (rc < 0)
		return refuse_or_fail(ctx, rc, &e, back);
	web_flash(ctx, "success", "Saved.");
	return web_redirect(ctx, back);
}

/* ---- the host changes the exchange ---- */

static json_t *mode_options(struct web_ctx *ctx, const char *mode)
{
	json_t *a = json_array();

	json_array_append_new(a,
	                      option("online", web_t(ctx, "Online"), strcmp(mode, "online") == 0));
	json_array_append_new(
	        a, option("on_site", web_t(ctx, "On site"), strcmp(mode, "on_site") == 0));
	json_array_append_new(a,
	                      option("hybrid", web_t(ctx, "Hybrid"), strcmp(mode, "hybrid") == 0));
	return a;
}

/* The form's values: the stored exchange, overridden by what was posted. */
static json_t *edit_form(struct web_ctx *ctx, json_t *x, int posted)
{
	static const char *const keys[] = {
	        "topic",           "mode",        "address",     "access_info", "online_url",
	        "capacity",        "description", "starts_date", "starts_time", "ends_time",
	        "ends_date",       "theme",       "host_org",    "host_team",   "region",
	        "reserved_places", NULL};
	json_t *f = json_object();
	char cap[24];
	size_t i;

	snprintf(cap, sizeof(cap), "%lld",
	         (long long)json_integer_value(json_object_get(x, "theme_id")));
	json_object_set_new(f, "theme", json_string(strcmp(cap, "0") == 0 ? "" : cap));
	json_object_set_new(f, "host_org", json_incref(json_object_get(x, "host_org_code")));
	json_object_set_new(f, "host_team", json_incref(json_object_get(x, "host_team")));
	json_object_set_new(f, "region", json_incref(json_object_get(x, "region")));
	snprintf(cap, sizeof(cap), "%lld",
	         (long long)json_integer_value(json_object_get(x, "reserved_places")));
	json_object_set_new(f, "reserved_places", json_string(cap));

	snprintf(cap, sizeof(cap), "%lld",
	         (long long)json_integer_value(json_object_get(x, "capacity")));
	json_object_set_new(f, "topic", json_incref(json_object_get(x, "topic")));
	json_object_set_new(f, "mode", json_incref(json_object_get(x, "mode")));
	json_object_set_new(f, "address", json_incref(json_object_get(x, "address")));
	json_object_set_new(f, "access_info", json_incref(json_object_get(x, "access_info")));
	json_object_set_new(f, "online_url", json_incref(json_object_get(x, "online_url")));
	json_object_set_new(f, "capacity", json_string(cap));
	json_object_set_new(f, "description", json_incref(json_object_get(x, "description_md")));
	json_object_set_new(f, "starts_date", json_incref(json_object_get(x, "starts_date")));
	json_object_set_new(f, "starts_time", json_incref(json_object_get(x, "starts_time")));
	json_object_set_new(f, "ends_time", json_incref(json_object_get(x, "ends_time")));
	/* Shown only when the event ends on another day than it starts. */
	json_object_set_new(
	        f, "ends_date",
	        json_string(json_equal(json_object_get(x, "ends_date"),
	                               json_object_get(x, "starts_date"))
	                            ? ""
	                            : json_string_value(json_object_get(x, "ends_date"))));
	for (i = 0; posted && keys[i]; i++)
		if (web_form(ctx, keys[i]))
			json_object_set_new(f, keys[i], json_string(web_form(ctx, keys[i])));
	return f;
}

static int edit_render(struct web_ctx *ctx, struct db_conn *c, int status, json_t *x, json_t *errs,
                       int posted)
{
	json_t *d = ex__page(ctx, "Change the exchange"), *f = edit_form(ctx, x, posted), *p = NULL,
	       *orgs = NULL;
	struct co_err e;
	int rc;

	if ((rc = ex_json_programme(c, json_integer_value(json_object_get(x, "programme_id")), NULL,
	                            &p, &e)) < 0 ||
	    (rc = ex__org_options(ctx, c, &orgs, &e)) < 0) {
		json_decref(d);
		json_decref(f);
		json_decref(p);
		json_decref(x);
		json_decref(errs);
		return web_fail(ctx, rc, &e);
	}
	json_object_set_new(d, "theme_options", ex__theme_options(ctx, p));
	json_object_set_new(d, "org_options", orgs);
	json_decref(p);
	json_object_set_new(d, "mode_options",
	                    mode_options(ctx, json_string_value(json_object_get(f, "mode"))));
	json_object_set_new(d, "form", f);
	json_object_set_new(d, "exchange", x);
	json_object_set_new(d, "errors", errs ? errs : json_object());
	return web_render(ctx, status, "exchange/edit", d);
}

int ex__edit_page(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id");
	struct db_conn *c;
	struct co_err e;
	json_t *x;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = ex_json_exchange(c, id, 0, 1, &x, &e)) < 0)
		return web_fail(ctx, rc, &e);
	return edit_render(ctx, c, 200, x, NULL, 0);
}

int ex__edit_post(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), start = 0, end = 0;
	const char *date = web_form(ctx, "starts_date"), *cap = web_form(ctx, "capacity"),
	           *end_date = web_form(ctx, "ends_date");
	struct ex_exchange_in in = {0};
	struct db_conn *c;
	struct co_err e;
	json_t *x, *errs = json_object();
	char *endp = NULL;
	long capacity;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = ex_json_exchange(c, id, 0, 1, &x, &e)) < 0) {
		json_decref(errs);
		return web_fail(ctx, rc, &e);
	}
	if (ex_time_parse_local(date, web_form(ctx, "starts_time"), "starts_time", &start, &e) <
	            0 ||
	    ex_time_parse_local(end_date && *end_date ? end_date : date, web_form(ctx, "ends_time"),
	                        "ends_time", &end, &e) < 0)
		web_errors_from(ctx, errs, &e);
	capacity = cap ? strtol(cap, &endp, 10) : -1;
	if (!cap || *endp || capacity < 0 || capacity > CO_EX_MAX_CAPACITY)
		web_errors_add(ctx, errs, "capacity",
		               "Give the number of places as a whole number.");
	if (json_object_size(errs) == 0) {
		in.programme_id = json_integer_value(json_object_get(x, "programme_id"));
		in.host_org_id = json_integer_value(json_object_get(x, "host_org_id"));
		in.theme_id = json_integer_value(json_object_get(x, "theme_id"));
		in.host_team_name = json_string_value(json_object_get(x, "host_team"));
		in.region = json_string_value(json_object_get(x, "region"));
		in.reserved_places = (int)json_integer_value(json_object_get(x, "reserved_places"));
		/* The fields the form has replace the stored ones. */
		if (web_form(ctx, "host_team"))
			in.host_team_name = web_form(ctx, "host_team");
		if (web_form(ctx, "region"))
			in.region = web_form(ctx, "region");
		if (web_form(ctx, "theme"))
			in.theme_id = strtoll(web_form(ctx, "theme"), NULL, 10);
		if (web_form(ctx, "reserved_places")) {
			long rp = strtol(web_form(ctx, "reserved_places"), &endp, 10);

			if (*endp || rp < 0 || rp > CO_EX_MAX_CAPACITY) {
				web_errors_add(ctx, errs, "reserved_places",
				               "Give the number of places as a whole number.");
				rp = 0;
			}
			in.reserved_places = (int)rp;
		}
		if (web_form(ctx, "host_org")) {
			int64_t oid = 0;

			rc = *web_form(ctx, "host_org")
			             ? db_query_int(
			                       c, "SELECT id FROM organisations WHERE code = ?",
			                       DB_ARGS(DB_T(web_form(ctx, "host_org"))), &oid, &e)
			             : 0;
			if (rc == CO_ENOTFOUND)
				web_errors_add(ctx, errs, "host_org",
				               "Choose an organisation from the list.");
			else if (rc < 0) {
				json_decref(x);
				json_decref(errs);
				return web_fail(ctx, rc, &e);
			}
			in.host_org_id = oid;
		}
		in.topic = web_form(ctx, "topic");
		in.mode = web_form(ctx, "mode");
		in.address = web_form(ctx, "address");
		in.access_info = web_form(ctx, "access_info");
		in.online_url = web_form(ctx, "online_url");
		in.description_md = web_form(ctx, "description");
		in.starts_at = start;
		in.ends_at = end;
		in.capacity = (int)capacity;
		rc = json_object_size(errs) ? 0 : ex_exchange_update(c, id, &in, web_now(), &e);
		if (rc == CO_EINPUT || rc == CO_ECONFLICT) {
			ex__form_errors_from(ctx, errs, &e);
		} else if (rc < 0) {
			json_decref(x);
			json_decref(errs);
			return web_fail(ctx, rc, &e);
		}
	}
	if (json_object_size(errs) > 0)
		return edit_render(ctx, c, 400, x, errs, 1);
	json_decref(x);
	json_decref(errs);
	ex_jobs_wake();
	web_flash(ctx, "success",
	          "Saved. People with a place will be told of a new time, place or link.");
	return web_redirect(ctx,
	                    co_arena_printf(ctx->arena, "/exchanges/%lld/host", (long long)id));
}
