/*
 * pages.c - the HTML pages of accounts and organisations. Each handler
 * reads its input, calls a flow or a store function, and answers with a
 * template (accounts/...), or with a redirect and a flash message after a
 * change (post/redirect/get). Access has been decided before a handler
 * runs (routes.c); handlers only ask web_can() what to show.
 */
#include "mod/accounts/acct_int.h"

#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

/* ---- helpers ---- */

static json_t *page(struct web_ctx *ctx, const char *title_msgid, const char *nav)
{
	return json_pack("{s:s,s:s}", "title", web_t(ctx, title_msgid), "nav", nav ? nav : "");
}

/* A local path to return to after signing in: "/..." but not "//host". */
static const char *safe_next(const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' || strpbrk(next, "\r\n\\"))
		return "/";
	return next;
}

/* [{value, label, selected}] for a select; all_msgid (may be NULL) adds a
 * first option with the value "" ("All types"). */
static json_t *options(struct web_ctx *ctx, const struct acct_label *t, const char *selected,
                       const char *all_msgid)
{
	json_t *arr = json_array();

	if (all_msgid)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:b}", "value", "", "label",
		                                     web_t(ctx, all_msgid), "selected",
		                                     !selected || !*selected));

	for (; t->code; t++)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:b}", "value", t->code, "label",
		                                     web_t(ctx, t->label), "selected",
		                                     selected && strcmp(selected, t->code) == 0));
	return arr;
}

/* {code: translated label} for every code of t. */
static json_t *label_map(struct web_ctx *ctx, const struct acct_label *t)
{
	json_t *m = json_object();

	for (; t->code; t++)
		json_object_set_new(m, t->code, json_string(web_t(ctx, t->label)));
	return m;
}

static void org_labels(struct web_ctx *ctx, json_t *org)
{
	const char *t = json_string_value(json_object_get(org, "type"));
	const char *r = json_string_value(json_object_get(org, "region"));
	const char *tl = acct_label_of(acct_org_types, t), *rl = acct_label_of(acct_regions, r);

	json_object_set_new(org, "type_label", json_string(tl ? web_t(ctx, tl) : t ? t : ""));
	json_object_set_new(org, "region_label", json_string(rl ? web_t(ctx, rl) : r ? r : ""));
}

static void role_labels(struct web_ctx *ctx, json_t *members)
{
	size_t i, j;
	json_t *m, *role;

	json_array_foreach(members, i, m)
	{
		json_t *labels = json_array();
		int lead = 0;

		json_array_foreach(json_object_get(m, "roles"), j, role)
		{
			const char *code = json_string_value(role);
			const char *l = acct_label_of(acct_org_roles, code);

			json_array_append_new(labels, json_string(l ? web_t(ctx, l) : code));
			if (strcmp(code, "org_lead") == 0)
				lead = 1;
		}
		json_object_set_new(m, "role_labels", labels);
		json_object_set_new(m, "is_lead", json_boolean(lead));
	}
}

static long session_lifetime(struct web_ctx *ctx)
{
	const struct conf *cf = web_conf(ctx);

	return cf && cf->session_lifetime > 0 ? cf->session_lifetime : ACCT_SESSION_TTL;
}

/* Starts a new session for uid and sets its cookie (a new token at every
 * sign-in, so a token planted before sign-in is worthless). */
static int start_session(struct web_ctx *ctx, int64_t uid, struct co_err *e)
{
	char token[ACCT_TOKEN_LEN];
	struct db_conn *c;
	int rc;

	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	if ((rc = db_begin(c, DB_TX_WRITE, e)) < 0)
		return rc;
	/* The session this browser had (another account, or this one) ends. */
	if (ctx->session_key)
		rc = db_exec(c, "DELETE FROM sessions WHERE token_hash = ?",
		             DB_ARGS(DB_T(ctx->session_key)), NULL, e);
	if (rc == 0)
		rc = acct__session_create(c, uid, ctx->req->client, session_lifetime(ctx), token,
		                          e);
	if (rc == 0)
		rc = db_commit(c, e);
	if (rc < 0) {
		db_rollback(c);
		return rc;
	}
	return web_session_cookie(ctx, token, session_lifetime(ctx));
}

/* The organisation the route's {code} names (access.c has found it). */
static int route_org(struct web_ctx *ctx, json_t **org, struct co_err *e)
{
	struct db_conn *c;
	int rc;

	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	rc = acct__org_find(c, web_param(ctx, "code"), org, e);
	if (rc == 0)
		org_labels(ctx, *org);
	return rc;
}

static int64_t org_id(json_t *org)
{
	return json_integer_value(json_object_get(org, "id"));
}

/* ---- home ---- */

int acct__home(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	int64_t orgs = 0, version = 0;
	json_t *d;
	int rc;

	if ((rc = web_db(ctx, &c, &e)) < 0 || (rc = acct__orgs_version(c, &version, &e)) < 0)
		return web_fail(ctx, rc, &e);
	if (web_cache_serve(ctx, version))
		return 0;
	if ((rc = db_query_int(c, "SELECT COUNT(*) FROM organisations", DB_NOARGS, &orgs, &e)) < 0)
		return web_fail(ctx, rc, &e);
	d = page(ctx, "Home", "home");
	json_object_set_new(d, "org_count", json_integer(orgs));
	if ((rc = web_render(ctx, 200, "accounts/home", d)) == 0)
		web_cache_store(ctx, version);
	return rc;
}

/* ---- signing in and out ---- */

static int login_render(struct web_ctx *ctx, int status, const char *email, const char *next,
                        json_t *errors)
{
	json_t *d = page(ctx, "Sign in", "");

	web_csrf(ctx); /* a form for anonymous visitors */
	json_object_set_new(d, "email", json_string(email ? email : ""));
	json_object_set_new(d, "next", json_string(safe_next(next)));
	if (errors)
		json_object_set_new(d, "errors", errors);
	return web_render(ctx, status, "accounts/login", d);
}

int acct__login_form(struct web_ctx *ctx)
{
	if (ctx->user)
		return web_redirect(ctx, safe_next(web_query(ctx, "next")));
	return login_render(ctx, 200, NULL, web_query(ctx, "next"), NULL);
}

int acct__login_post(struct web_ctx *ctx)
{
	const char *email = web_form(ctx, "email"), *next = web_form(ctx, "next");
	struct co_err e;
	int64_t uid = 0;
	json_t *errs;
	int rc;

	rc = acct__login(ctx, email, web_form(ctx, "password"), &uid, &e);
	if (rc == CO_EINPUT || rc == CO_EPERM || rc == CO_ELIMIT) {
		const char *pw = web_form(ctx, "password");

		errs = json_object();
		web_errors_from(ctx, errs, &e);
		if (rc == CO_EINPUT && (!pw || !*pw))
			web_errors_add(ctx, errs, "password", "Enter your password");
		return login_render(ctx, rc == CO_ELIMIT ? 429 : 400, email, next, errs);
	}
	if (rc == 0)
		rc = start_session(ctx, uid, &e);
	if (rc < 0)
		return web_fail(ctx, rc, &e);
	return web_redirect(ctx, safe_next(next));
}

int acct__logout(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	int rc;

	if (ctx->session_key) {
		if ((rc = web_db(ctx, &c, &e)) < 0 ||
		    (rc = db_exec(c, "DELETE FROM sessions WHERE token_hash = ?",
		                  DB_ARGS(DB_T(ctx->session_key)), NULL, &e)) < 0)
			return web_fail(ctx, rc, &e);
	}
	web_session_clear(ctx);
	web_flash(ctx, "success", "You have signed out");
	return web_redirect(ctx, "/");
}

/* ---- forgotten passwords ---- */

static int forgot_render(struct web_ctx *ctx, int status, const char *email, json_t *errors)
{
	json_t *d = page(ctx, "Reset your password", "");

	web_csrf(ctx); /* a form for anonymous visitors */
	json_object_set_new(d, "email", json_string(email ? email : ""));
	if (errors)
		json_object_set_new(d, "errors", errors);
	return web_render(ctx, status, "accounts/forgot", d);
}

int acct__forgot_form(struct web_ctx *ctx)
{
	return forgot_render(ctx, 200, NULL, NULL);
}

int acct__forgot_post(struct web_ctx *ctx)
{
	const char *email = web_form(ctx, "email");
	struct co_err e;
	json_t *errs;
	int rc;

	rc = acct__reset_request(ctx, email, &e);
	if (rc == CO_EINPUT) {
		errs = json_object();
		web_errors_from(ctx, errs, &e);
		return forgot_render(ctx, 400, email, errs);
	}
	if (rc < 0)
		return web_fail(ctx, rc, &e);
	web_flash(ctx, "info",
	          "If an account uses that address, we have sent it a link to reset the password. "
	          "The link works for one hour.");
	return web_redirect(ctx, "/login");
}

static int reset_render(struct web_ctx *ctx, int status, const char *token, const char *invalid,
                        json_t *errors)
{
	json_t *d = page(ctx, "Choose a new password", "");

	web_csrf(ctx); /* a form for anonymous visitors */
	json_object_set_new(d, "token", json_string(token ? token : ""));
	json_object_set_new(d, "invalid", invalid ? json_string(web_t(ctx, invalid)) : json_null());
	if (errors)
		json_object_set_new(d, "errors", errors);
	return web_render(ctx, status, "accounts/reset", d);
}

int acct__reset_form(struct web_ctx *ctx)
{
	const char *token = web_query(ctx, "token");
	struct co_err e;
	int64_t uid;
	int rc;

	rc = acct__reset_check(ctx, token, &uid, &e);
	if (rc == CO_ENOTFOUND || rc == CO_ECONFLICT)
		return reset_render(ctx, 404, NULL, e.msg, NULL);
	if (rc < 0)
		return web_fail(ctx, rc, &e);
	return reset_render(ctx, 200, token, NULL, NULL);
}

int acct__reset_post(struct web_ctx *ctx)
{
	const char *token = web_form(ctx, "token");
	struct co_err e;
	json_t *errs;
	int rc;

	errs = json_object();
	if (acct__password_pair_check(ctx, web_form(ctx, "password"), web_form(ctx, "confirm"),
	                              NULL, errs) > 0)
		return reset_render(ctx, 400, token, NULL, errs);
	json_decref(errs);
	rc = acct__reset_finish(ctx, token, web_form(ctx, "password"), web_form(ctx, "confirm"),
	                        &e);
	if (rc == CO_ENOTFOUND || rc == CO_ECONFLICT)
		return reset_render(ctx, 404, NULL, e.msg, NULL);
	if (rc == CO_EINPUT) {
		errs = json_object();
		web_errors_from(ctx, errs, &e);
		return reset_render(ctx, 400, token, NULL, errs);
	}
	if (rc < 0)
		return web_fail(ctx, rc, &e);
	web_flash(ctx, "success", "Your password has been changed. Sign in with the new one.");
	return web_redirect(ctx, "/login");
}

/* ---- invitations ---- */

static int accept_render(struct web_ctx *ctx, int status, const char *token, json_t *inv,
                         const char *invalid, const char *name, json_t *errors)
{
	json_t *d = page(ctx, "Accept your invitation", "");

	web_csrf(ctx); /* a form for anonymous visitors */
	json_object_set_new(d, "token", json_string(token ? token : ""));
	json_object_set_new(d, "invitation", inv ? inv : json_null());
	json_object_set_new(d, "invalid", invalid ? json_string(web_t(ctx, invalid)) : json_null());
	json_object_set_new(d, "name", json_string(name ? name : ""));
	if (errors)
		json_object_set_new(d, "errors", errors);
	return web_render(ctx, status, "accounts/accept", d);
}

int acct__accept_form(struct web_ctx *ctx)
{
	const char *token = web_query(ctx, "token");
	struct co_err e;
	json_t *inv = NULL;
	int rc;

	rc = acct__invitation_check(ctx, token, &inv, &e);
	if (rc == CO_ENOTFOUND || rc == CO_ECONFLICT)
		return accept_render(ctx, 404, NULL, NULL, e.msg, NULL, NULL);
	if (rc < 0)
		return web_fail(ctx, rc, &e);
	return accept_render(ctx, 200, token, inv, NULL, NULL, NULL);
}

int acct__accept_post(struct web_ctx *ctx)
{
	const char *token = web_form(ctx, "token"), *name = web_form(ctx, "name");
	struct co_err e;
	json_t *inv = NULL, *errs;
	int64_t uid = 0;
	const char *code;
	int rc;

	errs = json_object();
	if (acct__password_pair_check(ctx, web_form(ctx, "password"), web_form(ctx, "confirm"),
	                              name, errs) > 0) {
		if (acct__invitation_check(ctx, token, &inv, &e) < 0) {
			json_decref(errs);
			return accept_render(ctx, 404, NULL, NULL, e.msg, NULL, NULL);
		}
		return accept_render(ctx, 400, token, inv, NULL, name, errs);
	}
	json_decref(errs);
	rc = acct__invitation_accept(ctx, token, name, web_form(ctx, "password"),
	                             web_form(ctx, "confirm"), &uid, &inv, &e);
	if (rc == CO_ENOTFOUND || (rc == CO_ECONFLICT && strcmp(e.field, "token") == 0))
		return accept_render(ctx, 404, NULL, NULL, e.msg, NULL, NULL);
	if (rc == CO_EINPUT || rc == CO_ECONFLICT) {
		errs = json_object();
		web_errors_from(ctx, errs, &e);
		if (acct__invitation_check(ctx, token, &inv, &e) < 0)
			inv = NULL;
		return accept_render(ctx, 400, token, inv, NULL, name, errs);
	}
	if (rc == 0)
		rc = start_session(ctx, uid, &e);
	if (rc < 0) {
		json_decref(inv);
		return web_fail(ctx, rc, &e);
	}
	code = co_arena_printf(ctx->arena, "/orgs/%s",
	                       json_string_value(json_object_get(inv, "org_code")));
	json_decref(inv);
	web_flash(ctx, "success", "Welcome to Collective. Your account is ready.");
	return web_redirect(ctx, code ? code : "/");
}

/* ---- organisations ---- */

int acct__orgs_page(struct web_ctx *ctx)
{
	struct acct_org_filter f = {web_query(ctx, "type"), web_query(ctx, "region"),
	                            web_query(ctx, "q")};
	struct db_conn *c;
	struct co_err e;
	json_t *items = NULL, *d;
	int64_t version = 0;
	long total = 0;
	int rc;

	if (f.type && *f.type && !acct_label_of(acct_org_types, f.type))
		f.type = NULL;
	if (f.region && *f.region && !acct_label_of(acct_regions, f.region))
		f.region = NULL;
	if ((rc = web_db(ctx, &c, &e)) < 0 || (rc = acct__orgs_version(c, &version, &e)) < 0)
		return web_fail(ctx, rc, &e);
	if (web_cache_serve(ctx, version))
		return 0;
	if ((rc = acct__org_list(c, &f, 0, 1000, &items, &total, &e)) < 0)
		return web_fail(ctx, rc, &e);
	d = page(ctx, "Organisations", "organisations");
	/* Labels once per page, looked up by code in the template. */
	json_object_set_new(d, "type_labels", label_map(ctx, acct_org_types));
	json_object_set_new(d, "region_labels", label_map(ctx, acct_regions));
	json_object_set_new(d, "orgs", items);
	json_object_set_new(d, "total", json_integer(total));
	json_object_set_new(d, "type_options", options(ctx, acct_org_types, f.type, "All types"));
	json_object_set_new(d, "region_options",
	                    options(ctx, acct_regions, f.region, "All regions"));
	json_object_set_new(d, "filter_type", json_string(f.type ? f.type : ""));
	json_object_set_new(d, "filter_region", json_string(f.region ? f.region : ""));
	json_object_set_new(d, "q", json_string(f.q ? f.q : ""));
	json_object_set_new(d, "can_add",
	                    json_boolean(web_can(ctx, WEB_R_PROGRAMME_ADMIN, NULL, 0) > 0));
	json_object_set_new(
	        d, "filtered",
	        json_boolean((f.type && *f.type) || (f.region && *f.region) || (f.q && *f.q)));
	if ((rc = web_render(ctx, 200, "accounts/orgs", d)) == 0)
		web_cache_store(ctx, version);
	return rc;
}

int acct__org_page(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	json_t *org = NULL, *members = NULL, *d;
	int rc, see, lead;

	if ((rc = route_org(ctx, &org, &e)) < 0)
		return web_fail(ctx, rc, &e);
	see = web_can(ctx, WEB_R_MEMBER | WEB_R_ORG_LEAD, WEB_SCOPE_ORG, org_id(org));
	lead = web_can(ctx, WEB_R_ORG_LEAD, WEB_SCOPE_ORG, org_id(org));
	if (see < 0 || lead < 0) {
		json_decref(org);
		return web_fail(ctx, CO_EDB, NULL);
	}
	if (see) {
		if ((rc = web_db(ctx, &c, &e)) < 0 ||
		    (rc = acct__org_members(c, org_id(org), &members, &e)) < 0) {
			json_decref(org);
			return web_fail(ctx, rc, &e);
		}
		role_labels(ctx, members);
	}
	d = page(ctx, json_string_value(json_object_get(org, "name")), "organisations");
	json_object_set_new(d, "title", json_copy(json_object_get(org, "name")));
	json_object_set_new(d, "org", org);
	json_object_set_new(d, "members", members ? members : json_null());
	json_object_set_new(d, "can_see_members", json_boolean(see));
	json_object_set_new(d, "is_lead", json_boolean(lead));
	json_object_set_new(
	        d, "can_edit",
	        json_boolean(web_can(ctx, WEB_R_PROGRAMME_ADMIN, WEB_SCOPE_ORG, org_id(org)) > 0));
	return web_render(ctx, 200, "accounts/org", d);
}

/* ---- adding and changing organisations (programme admins) ---- */

/* Text for a form field: "" for NULL (and for text that is not UTF-8). */
static json_t *form_text(const char *s)
{
	json_t *v = json_string(s ? s : "");

	return v ? v : json_string("");
}

/* The organisation form: adding one (org NULL) or changing org. in holds
 * the values to show: what was typed, or what is stored. */
static int org_form_render(struct web_ctx *ctx, int status, json_t *org,
                           const struct acct_org_input *in, json_t *errors)
{
	json_t *d = page(ctx, org ? "Change the organisation's details" : "Add an organisation",
	                 "organisations");

	json_object_set_new(d, "org", org ? org : json_null());
	json_object_set_new(d, "code", form_text(in->code));
	json_object_set_new(d, "name", form_text(in->name));
	json_object_set_new(d, "type", form_text(in->type));
	json_object_set_new(d, "region", form_text(in->region));
	/* A new organisation starts with nothing chosen. */
	json_object_set_new(d, "type_options",
	                    options(ctx, acct_org_types, in->type,
	                            org ? NULL : "Choose a type of organisation"));
	json_object_set_new(d, "region_options",
	                    options(ctx, acct_regions, in->region, org ? NULL : "Choose a region"));
	if (errors)
		json_object_set_new(d, "errors", errors);
	return web_render(ctx, status, "accounts/org_form", d);
}

/* The four fields as posted; a missing one is empty, so the form must
 * give them all. */
static struct acct_org_input org_form_input(struct web_ctx *ctx)
{
	struct acct_org_input in;

	in.code = web_form(ctx, "code");
	in.name = web_form(ctx, "name");
	in.type = web_form(ctx, "type");
	in.region = web_form(ctx, "region");
	if (!in.code)
		in.code = "";
	if (!in.name)
		in.name = "";
	if (!in.type)
		in.type = "";
	if (!in.region)
		in.region = "";
	return in;
}

/* After a change: the organisation's page, with the result as a flash. */
static int to_org(struct web_ctx *ctx, const char *code, const char *msgid)
{
	web_flash(ctx, "success", msgid);
	return web_redirect(ctx, co_arena_printf(ctx->arena, "/orgs/%s", code));
}

int acct__org_new_form(struct web_ctx *ctx)
{
	struct acct_org_input in = {0};

	return org_form_render(ctx, 200, NULL, &in, NULL);
}

int acct__org_create_post(struct web_ctx *ctx)
{
	struct acct_org_input in = org_form_input(ctx);
	struct db_conn *c;
	struct co_err e;
	json_t *errs = json_object();
	int rc;

	if (acct__org_errors(ctx, &in, 1, errs) > 0)
		return org_form_render(ctx, 400, NULL, &in, errs);
	if ((rc = web_db(ctx, &c, &e)) < 0 || (rc = db_begin(c, DB_TX_WRITE, &e)) < 0) {
		json_decref(errs);
		return web_fail(ctx, rc, &e);
	}
	rc = acct_org_create(c, ctx->user->id, &in, NULL, &e);
	if (rc == 0)
		rc = db_commit(c, &e);
	if (rc < 0)
		db_rollback(c);
	if (rc == CO_EINPUT || rc == CO_ECONFLICT) {
		web_errors_from(ctx, errs, &e);
		return org_form_render(ctx, 400, NULL, &in, errs);
	}
	json_decref(errs);
	if (rc < 0)
		return web_fail(ctx, rc, &e);
	return to_org(ctx, in.code, "The organisation has been added");
}

int acct__org_edit_form(struct web_ctx *ctx)
{
	struct acct_org_input in;
	struct co_err e;
	json_t *org;
	int rc;

	if ((rc = route_org(ctx, &org, &e)) < 0)
		return web_fail(ctx, rc, &e);
	in.code = json_string_value(json_object_get(org, "code"));
	in.name = json_string_value(json_object_get(org, "name"));
	in.type = json_string_value(json_object_get(org, "type"));
	in.region = json_string_value(json_object_get(org, "region"));
	return org_form_render(ctx, 200, org, &in, NULL);
}

int acct__org_edit_post(struct web_ctx *ctx)
{
	struct acct_org_input in = org_form_input(ctx);
	struct db_conn *c;
	struct co_err e;
	json_t *org, *errs;
	int rc;

	if ((rc = route_org(ctx, &org, &e)) < 0)
		return web_fail(ctx, rc, &e);
	errs = json_object();
	if (acct__org_errors(ctx, &in, 1, errs) > 0)
		return org_form_render(ctx, 400, org, &in, errs);
	if ((rc = web_db(ctx, &c, &e)) < 0 || (rc = db_begin(c, DB_TX_WRITE, &e)) < 0) {
		json_decref(org);
		json_decref(errs);
		return web_fail(ctx, rc, &e);
	}
	rc = acct__org_update(c, ctx->user->id, org_id(org), &in, &e);
	if (rc == 0)
		rc = db_commit(c, &e);
	if (rc < 0)
		db_rollback(c);
	if (rc == CO_EINPUT || rc == CO_ECONFLICT) {
		web_errors_from(ctx, errs, &e);
		return org_form_render(ctx, 400, org, &in, errs);
	}
	json_decref(org);
	json_decref(errs);
	if (rc < 0)
		return web_fail(ctx, rc, &e);
	return to_org(ctx, in.code, "The organisation's details have been changed");
}

static int invite_render(struct web_ctx *ctx, int status, json_t *org, const char *email,
                         const char *role, json_t *errors)
{
	json_t *d = page(ctx, "Invite a person", "organisations");

	json_object_set_new(d, "org", org);
	json_object_set_new(d, "email", json_string(email ? email : ""));
	json_object_set_new(d, "roles", options(ctx, acct_org_roles, role, NULL));
	json_object_set_new(d, "role", json_string(role && *role ? role : "member"));
	if (errors)
		json_object_set_new(d, "errors", errors);
	return web_render(ctx, status, "accounts/invite", d);
}

int acct__invite_form(struct web_ctx *ctx)
{
	struct co_err e;
	json_t *org;
	int rc;

	if ((rc = route_org(ctx, &org, &e)) < 0)
		return web_fail(ctx, rc, &e);
	return invite_render(ctx, 200, org, NULL, NULL, NULL);
}

int acct__invite_post(struct web_ctx *ctx)
{
	const char *email = web_form(ctx, "email"), *role = web_form(ctx, "role");
	struct acct_invite_result res;
	struct co_err e;
	json_t *org, *errs;
	int rc;

	if ((rc = route_org(ctx, &org, &e)) < 0)
		return web_fail(ctx, rc, &e);
	errs = json_object();
	if (acct__invite_check(ctx, email, role, errs) > 0)
		return invite_render(ctx, 400, org, email, role, errs);
	json_decref(errs);
	rc = acct__invite(ctx, org_id(org), json_string_value(json_object_get(org, "name")), email,
	                  role, &res, &e);
	if (rc == CO_EINPUT || rc == CO_ECONFLICT) {
		errs = json_object();
		web_errors_from(ctx, errs, &e);
		return invite_render(ctx, 400, org, email, role, errs);
	}
	if (rc < 0) {
		json_decref(org);
		return web_fail(ctx, rc, &e);
	}
	web_flash(ctx, "success",
	          res.added ? "The person already had an account and has been added"
	                    : "Invitation sent. The link works for seven days.");
	rc = web_redirect(ctx, co_arena_printf(ctx->arena, "/orgs/%s/members",
	                                       json_string_value(json_object_get(org, "code"))));
	json_decref(org);
	return rc;
}

int acct__members_page(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	json_t *org = NULL, *members = NULL, *inv = NULL, *d, *m;
	size_t i;
	int rc;

	if ((rc = route_org(ctx, &org, &e)) < 0)
		return web_fail(ctx, rc, &e);
	if ((rc = web_db(ctx, &c, &e)) < 0 ||
	    (rc = acct__org_members(c, org_id(org), &members, &e)) < 0 ||
	    (rc = acct__invitations(c, org_id(org), &inv, &e)) < 0) {
		json_decref(org);
		json_decref(members);
		return web_fail(ctx, rc, &e);
	}
	role_labels(ctx, members);
	json_array_foreach(members, i, m)
	{
		json_object_set_new(
		        m, "role_options",
		        options(ctx, acct_org_roles,
		                json_is_true(json_object_get(m, "is_lead")) ? "org_lead" : "member",
		                NULL));
		json_object_set_new(m, "is_me",
		                    json_boolean(json_integer_value(json_object_get(m, "id")) ==
		                                 ctx->user->id));
	}
	json_array_foreach(inv, i, m)
	{
		const char *l = acct_label_of(acct_org_roles,
		                              json_string_value(json_object_get(m, "role")));

		json_object_set_new(m, "role_label", json_string(l ? web_t(ctx, l) : ""));
	}
	d = page(ctx, "Manage members", "organisations");
	json_object_set_new(d, "org", org);
	json_object_set_new(d, "members", members);
	json_object_set_new(d, "invitations", inv);
	return web_render(ctx, 200, "accounts/members", d);
}

/* The outcome of a change made from the members page: back to it, with
 * the result as a flash message. */
static int back_to_members(struct web_ctx *ctx, int rc, const struct co_err *e,
                           const char *ok_msgid)
{
	if (rc == CO_EINPUT || rc == CO_ECONFLICT || rc == CO_ENOTFOUND)
		web_flash(ctx, "warning", e->msg);
	else if (rc < 0)
		return web_fail(ctx, rc, e);
	else
		web_flash(ctx, "success", ok_msgid);
	return web_redirect(
	        ctx, co_arena_printf(ctx->arena, "/orgs/%s/members", web_param(ctx, "code")));
}

int acct__member_role_post(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	int64_t uid;
	int rc;

	if (web_param_id(ctx, "user", &uid) < 0)
		return CO_ENOTFOUND;
	if ((rc = web_db(ctx, &c, &e)) < 0 || (rc = db_begin(c, DB_TX_WRITE, &e)) < 0)
		return web_fail(ctx, rc, &e);
	rc = acct__org_set_role(c, ctx->user->id, ctx->scope_id, uid, web_form(ctx, "role"), &e);
	if (rc == 0)
		rc = db_commit(c, &e);
	if (rc < 0)
		db_rollback(c);
	return back_to_members(ctx, rc, &e, "The role has been changed");
}

int acct__member_remove_post(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	int64_t uid;
	int rc;

	if (web_param_id(ctx, "user", &uid) < 0)
		return CO_ENOTFOUND;
	if ((rc = web_db(ctx, &c, &e)) < 0 || (rc = db_begin(c, DB_TX_WRITE, &e)) < 0)
		return web_fail(ctx, rc, &e);
	rc = acct__org_remove_member(c, ctx->user->id, ctx->scope_id, uid, &e);
	if (rc == 0)
		rc = db_commit(c, &e);
	if (rc < 0)
		db_rollback(c);
	return back_to_members(ctx, rc, &e, "The person has been removed from the organisation");
}

int acct__invitation_revoke_post(struct web_ctx *ctx)
{
	struct co_err e;
	int64_t id;
	int rc;

	if (web_param_id(ctx, "id", &id) < 0)
		return CO_ENOTFOUND;
	rc = acct__invitation_revoke(ctx, ctx->scope_id, id, &e);
	return back_to_members(ctx, rc, &e, "The invitation has been withdrawn");
}

/* ---- my account ---- */

static int account_render(struct web_ctx *ctx, int status, const char *new_token, json_t *errors)
{
	struct db_conn *c;
	struct co_err e;
	json_t *me = NULL, *tokens = NULL, *d, *orgs;
	struct db_rows *r;
	int rc;

	if ((rc = web_db(ctx, &c, &e)) < 0 ||
	    (rc = acct__user_get(c, ctx->user->id, &me, &e)) < 0 ||
	    (rc = acct__tokens(c, ctx->user->id, &tokens, &e)) < 0) {
		json_decref(me);
		json_decref(errors);
		return web_fail(ctx, rc, &e);
	}
	orgs = json_array();
	rc = db_query(
	        c,
	        "SELECT o.code, o.name, m.role FROM memberships m JOIN organisations o ON o.id "
	        "= m.scope_id WHERE m.scope_type = 'org' AND m.user_id = ? ORDER BY o.name",
	        DB_ARGS(DB_I(ctx->user->id)), &r, &e);
	if (rc == 0) {
		while ((rc = db_rows_next(r, &e)) == 1) {
			const char *l = acct_label_of(acct_org_roles, db_text(r, 2));

			json_array_append_new(orgs,
			                      json_pack("{s:s,s:s,s:s}", "code", db_text(r, 0),
			                                "name", db_text(r, 1), "role_label",
			                                l ? web_t(ctx, l) : db_text(r, 2)));
		}
		db_rows_free(r);
	}
	if (rc < 0) {
		json_decref(me);
		json_decref(tokens);
		json_decref(orgs);
		json_decref(errors);
		return web_fail(ctx, rc, &e);
	}
	d = page(ctx, "Your account", "");
	json_object_set_new(d, "me", me);
	json_object_set_new(d, "tokens", tokens);
	json_object_set_new(d, "orgs", orgs);
	json_object_set_new(d, "new_token", web_jstr(new_token));
	json_object_set_new(
	        d, "languages",
	        json_pack("[{s:s,s:s,s:b},{s:s,s:s,s:b}]", "value", "en", "label", "English",
	                  "selected",
	                  strcmp(json_string_value(json_object_get(me, "language")), "en") == 0,
	                  "value", "cy", "label", "Cymraeg", "selected",
	                  strcmp(json_string_value(json_object_get(me, "language")), "cy") == 0));
	if (errors)
		json_object_set_new(d, "errors", errors);
	return web_render(ctx, status, "accounts/account", d);
}

int acct__account_page(struct web_ctx *ctx)
{
	return account_render(ctx, 200, NULL, NULL);
}

int acct__password_post(struct web_ctx *ctx)
{
	const char *current = web_form(ctx, "current"), *pw = web_form(ctx, "password");
	const char *confirm = web_form(ctx, "confirm");
	struct db_conn *c;
	struct db_rows *r;
	struct co_err e;
	char *hash = NULL;
	json_t *errs;
	int rc;

	if ((rc = web_db(ctx, &c, &e)) < 0)
		return web_fail(ctx, rc, &e);
	rc = db_query(c, "SELECT password_hash FROM users WHERE id = ?",
	              DB_ARGS(DB_I(ctx->user->id)), &r, &e);
	if (rc < 0)
		return web_fail(ctx, rc, &e);
	if (db_rows_next(r, &e) == 1 && db_text(r, 0))
		hash = co_arena_strdup(ctx->arena, db_text(r, 0));
	db_rows_free(r);
	errs = json_object();
	if (!current || !*current)
		web_errors_add(ctx, errs, "current", "Enter your current password");
	else if (!acct_password_verify(hash, current))
		web_errors_add(ctx, errs, "current", "Your current password is not right");
	acct__password_pair_check(ctx, pw, confirm, NULL, errs);
	if (json_object_size(errs))
		return account_render(ctx, 400, NULL, errs);
	if ((rc = db_begin(c, DB_TX_WRITE, &e)) < 0) {
		json_decref(errs);
		return web_fail(ctx, rc, &e);
	}
	rc = acct__user_set_password(c, ctx->user->id, ctx->user->id, pw, ctx->req->client, &e);
	if (rc == 0)
		rc = db_commit(c, &e);
	if (rc < 0)
		db_rollback(c);
	if (rc == CO_EINPUT) {
		web_errors_from(ctx, errs, &e);
		return account_render(ctx, 400, NULL, errs);
	}
	json_decref(errs);
	if (rc < 0)
		return web_fail(ctx, rc, &e);
	/* Every session ended with the change, this one too: start afresh. */
	ctx->auth = WEB_AUTH_NONE;
	if ((rc = start_session(ctx, ctx->user->id, &e)) < 0)
		return web_fail(ctx, rc, &e);
	web_flash(ctx, "success",
	          "Your password has been changed. You have been signed out everywhere else.");
	return web_redirect(ctx, "/account");
}

int acct__language_post(struct web_ctx *ctx)
{
	const char *lang = web_form(ctx, "language");
	struct db_conn *c;
	struct co_err e;
	json_t *b, *a;
	int rc;

	if (!lang || !i18n_lang_supported(lang)) {
		json_t *errs = json_object();

		web_errors_add(ctx, errs, "language", "Choose English or Welsh");
		return account_render(ctx, 400, NULL, errs);
	}
	if ((rc = web_db(ctx, &c, &e)) < 0 || (rc = db_begin(c, DB_TX_WRITE, &e)) < 0)
		return web_fail(ctx, rc, &e);
	rc = db_exec(c, "UPDATE users SET language = ? WHERE id = ?",
	             DB_ARGS(DB_T(lang), DB_I(ctx->user->id)), NULL, &e);
	if (rc == 0) {
		b = json_pack("{s:s}", "language", ctx->user->lang);
		a = json_pack("{s:s}", "language", lang);
		rc = acct_audit(c, ctx->user->id, ctx->req->client, "user.update", "user",
		                ctx->user->id, b, a, &e);
		json_decref(b);
		json_decref(a);
	}
	if (rc == 0)
		rc = db_commit(c, &e);
	if (rc < 0) {
		db_rollback(c);
		return web_fail(ctx, rc, &e);
	}
	/* The cookie wins over the account's setting; make them agree. */
	http_res_cookie(ctx->res, "lang", lang, 365L * 24 * 3600, NULL,
	                HTTP_COOKIE_SAMESITE_LAX | (ctx->req->secure ? HTTP_COOKIE_SECURE : 0));
	web_flash(ctx, "success", "Your language has been saved");
	return web_redirect(ctx, "/account");
}

int acct__token_post(struct web_ctx *ctx)
{
	char token[ACCT_TOKEN_LEN];
	struct db_conn *c;
	struct co_err e;
	json_t *errs;
	int rc;

	if ((rc = web_db(ctx, &c, &e)) < 0 || (rc = db_begin(c, DB_TX_WRITE, &e)) < 0)
		return web_fail(ctx, rc, &e);
	rc = acct_token_create(c, ctx->user->id, ctx->user->id, web_form(ctx, "token_name"), token,
	                       NULL, &e);
	if (rc == 0)
		rc = db_commit(c, &e);
	if (rc < 0)
		db_rollback(c);
	if (rc == CO_EINPUT) {
		errs = json_object();
		web_errors_add(ctx, errs, "token_name", e.msg);
		return account_render(ctx, 400, NULL, errs);
	}
	if (rc < 0)
		return web_fail(ctx, rc, &e);
	/* Shown once, on this page; never again. */
	return account_render(ctx, 201, token, NULL);
}

int acct__token_revoke_post(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	int64_t id;
	int rc;

	if (web_param_id(ctx, "id", &id) < 0)
		return CO_ENOTFOUND;
	if ((rc = web_db(ctx, &c, &e)) < 0 || (rc = db_begin(c, DB_TX_WRITE, &e)) < 0)
		return web_fail(ctx, rc, &e);
	rc = acct__token_revoke(c, ctx->user->id, ctx->user->id, id, &e);
	if (rc == 0)
		rc = db_commit(c, &e);
	if (rc < 0) {
		db_rollback(c);
		return web_fail(ctx, rc, &e);
	}
	web_flash(ctx, "success", "The token has been revoked");
	return web_redirect(ctx, "/account");
}

/* ---- the audit log ---- */

int acct__audit_page(struct web_ctx *ctx)
{
	struct web_page p;
	struct db_conn *c;
	struct co_err e;
	json_t *items = NULL, *d, *it;
	long total = 0;
	size_t i;
	int rc;

	if (web_page_parse(ctx, &p, NULL) < 0) {
		p.page = 1;
		p.per_page = WEB_PER_PAGE_DEFAULT;
		p.offset = 0;
	}
	if ((rc = web_db(ctx, &c, &e)) < 0 ||
	    (rc = acct__audit_list(c, p.offset, p.per_page, &items, &total, &e)) < 0)
		return web_fail(ctx, rc, &e);
	json_array_foreach(items, i, it)
	{
		/* Pretty JSON text for the page: shown as text, escaped. */
		char *b = json_is_null(json_object_get(it, "before"))
		                  ? NULL
		                  : json_dumps(json_object_get(it, "before"),
		                               JSON_INDENT(1) | JSON_SORT_KEYS);
		char *a = json_is_null(json_object_get(it, "after"))
		                  ? NULL
		                  : json_dumps(json_object_get(it, "after"),
		                               JSON_INDENT(1) | JSON_SORT_KEYS);

		json_object_set_new(it, "before_text", web_jstr(b));
		json_object_set_new(it, "after_text", web_jstr(a));
		free(b);
		free(a);
	}
	d = page(ctx, "Audit log", "");
	json_object_set_new(d, "entries", items);
	json_object_set_new(d, "pagination", web_page_info(ctx, &p, total));
	return web_render(ctx, 200, "accounts/audit", d);
}
