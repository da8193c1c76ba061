/*
 * ex_api.c - the JSON API of the Exchange module under /api/v1: the same
 * operations as the pages, through the same store and read models. Errors
 * are RFC 9457 problem details naming the field. Times in bodies are Unix
 * seconds (UTC) or UK local time as "YYYY-MM-DDTHH:MM".
 */
#include "mod/exchange/ex_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "mod/accounts/acct.h"

static int api_fail(struct web_ctx *ctx, int rc, const struct co_err *e)
{
	json_t *errs;

	if (rc == CO_EINPUT || (rc == CO_ECONFLICT && e->field[0])) {
		errs = json_object();
		ex__errors_from(ctx, errs, e);
		return web_problem(ctx, rc == CO_EINPUT ? 400 : 409,
		                   rc == CO_EINPUT ? "The input is not valid" : "Conflict", e->msg,
		                   errs);
	}
	if (rc == CO_ECONFLICT)
		return web_problem(ctx, 409, "Conflict", e->msg, NULL);
	if (rc == CO_EPERM)
		return web_problem(ctx, 403, "Forbidden", e->msg, NULL);
	if (rc == CO_ENOTFOUND)
		return web_problem(ctx, 404, NULL, NULL, NULL);
	return web_fail(ctx, rc, e);
}

static int bad(struct web_ctx *ctx, const char *field, const char *msg)
{
	struct co_err e;

	co_errf_at(&e, CO_EINPUT, 0, 0, field, "%s", msg);
	return api_fail(ctx, CO_EINPUT, &e);
}

/* Body members. Each returns 0, or -1 after writing a 400 answer. */
static int get_str(struct web_ctx *ctx, json_t *body, const char *key, const char **out)
{
	json_t *v = json_object_get(body, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad(ctx, key, "Must be a string"), -1;
	*out = json_string_value(v);
	return 0;
}

static int get_int(struct web_ctx *ctx, json_t *body, const char *key, int64_t *out)
{
	json_t *v = json_object_get(body, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return bad(ctx, key, "Must be a whole number"), -1;
	*out = json_integer_value(v);
	return 0;
}

static int get_bool(struct web_ctx *ctx, json_t *body, const char *key, int *out)
{
	json_t *v = json_object_get(body, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return bad(ctx, key, "Must be true or false"), -1;
	*out = json_is_true(v);
	return 0;
}

/* A time: Unix seconds, or UK local "YYYY-MM-DDTHH:MM". */
static int get_time(struct web_ctx *ctx, json_t *body, const char *key, int64_t *out)
{
	json_t *v = json_object_get(body, key);
	struct co_err e;

	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		if (ex_time_parse_local(json_string_value(v), NULL, key, out, &e) < 0)
			return api_fail(ctx, CO_EINPUT, &e), -1;
		return 0;
	}
	return bad(ctx, key, "Must be Unix seconds or a UK local time YYYY-MM-DDTHH:MM"), -1;
}

static int require(struct web_ctx *ctx, json_t *body, const char *const *keys)
{
	for (; *keys; keys++)
		if (!json_object_get(body, *keys) || json_is_null(json_object_get(body, *keys)))
			return bad(ctx, *keys, "is required"), -1;
	return 0;
}

static int only(struct web_ctx *ctx, json_t *body, const char *const *allowed)
{
	const char *k;
	json_t *v;

	json_object_foreach(body, k, v)
	{
		const char *const *a;

		for (a = allowed; *a; a++)
			if (strcmp(*a, k) == 0)
				break;
		if (!*a)
			return bad(ctx, k, "Unknown field"), -1;
	}
	return 0;
}

static int user_by_email(struct db_conn *c, const char *email, int64_t *id, struct co_err *e)
{
	char norm[ACCT_EMAIL_MAX + 1];
	int rc;

	if (acct_email_normalise(email, norm, e) < 0)
		return co_errf_at(e, CO_EINPUT, 0, 0, "email", "not an email address");
	rc = db_query_int(c, "SELECT id FROM users WHERE email = ?", DB_ARGS(DB_T(norm)), id, e);
	if (rc == CO_ENOTFOUND)
		return co_errf_at(e, CO_EINPUT, 0, 0, "email", "no account has this email address");
	return rc;
}

static int programme_id_of(struct db_conn *c, json_t *v, int64_t *id, struct co_err *e)
{
	if (json_is_integer(v)) {
		*id = json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && db_query_int(c, "SELECT id FROM ex_programmes WHERE slug = ?",
	                                      DB_ARGS(DB_T(json_string_value(v))), id, e) == 0)
		return 0;
	return co_errf_at(e, CO_EINPUT, 0, 0, "programme", "no such programme");
}

static json_t *reg_json(const struct ex_reg_result *r)
{
	json_t *o = json_pack("{s:I,s:s,s:I}", "id", (json_int_t)r->registration_id, "state",
	                      ex_state_name(r->state), "seq", (json_int_t)r->seq);

	json_object_set_new(o, "position",
	                    r->state == EX_WAITLISTED ? json_integer(r->position) : json_null());
	json_object_set_new(o, "offer_expires_at",
	                    r->expires_at ? json_integer(r->expires_at) : json_null());
	return o;
}

/* Answers {"items": obj[key]}, giving up obj. */
static int items_of(struct web_ctx *ctx, json_t *obj, const char *key)
{
	json_t *items = json_incref(json_object_get(obj, key));

	json_decref(obj);
	return web_json(ctx, 200, json_pack("{s:o}", "items", items ? items : json_array()));
}

/* ---- programmes ---- */

int ex__api_programmes(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	json_t *p;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = ex_json_programmes(c, &p, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return items_of(ctx, p, "programmes");
}

int ex__api_programme_create(struct web_ctx *ctx)
{
	static const char *const allowed[] = {"slug",
	                                      "name",
	                                      "summary",
	                                      "signup_opens_at",
	                                      "signup_deadline",
	                                      "approval_needed",
	                                      "pending_holds_place",
	                                      "offer_hours",
	                                      "allotments_release_at",
	                                      "needs_retention_days",
	                                      "themes",
	                                      "allotments",
	                                      NULL};
	static const char *const required[] = {"slug", "name", "signup_deadline", NULL};
	struct ex_programme_in in = {.needs_retention_days = -1};
	int64_t offer = 0, keep = -1, id;
	struct db_conn *c;
	struct co_err e;
	json_t *body, *themes, *allot, *v, *out;
	size_t i;
	int rc;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	if (only(ctx, body, allowed) < 0 || require(ctx, body, required) < 0 ||
	    get_str(ctx, body, "slug", &in.slug) < 0 || get_str(ctx, body, "name", &in.name) < 0 ||
	    get_str(ctx, body, "summary", &in.summary) < 0 ||
	    get_time(ctx, body, "signup_opens_at", &in.opens_at) < 0 ||
	    get_time(ctx, body, "signup_deadline", &in.deadline) < 0 ||
	    get_bool(ctx, body, "approval_needed", &in.approval_needed) < 0 ||
	    get_bool(ctx, body, "pending_holds_place", &in.pending_holds_place) < 0 ||
	    get_int(ctx, body, "offer_hours", &offer) < 0 ||
	    get_time(ctx, body, "allotments_release_at", &in.release_at) < 0 ||
	    get_int(ctx, body, "needs_retention_days", &keep) < 0)
		return 0;
	if (offer < 0 || offer > 720)
		return bad(ctx, "offer_hours", "an offer lasts between 1 and 720 hours");
	in.offer_hours = (int)offer;
	in.needs_retention_days = keep > 3650 ? 3650 : (int)keep;
	themes = json_object_get(body, "themes");
	if (themes && !json_is_array(themes))
		return bad(ctx, "themes", "Must be a list of names");
	json_array_foreach(themes, i, v)
	{
		if (!json_is_string(v))
			return bad(ctx, "themes", "Must be a list of names");
		if (i >= EX_MAX_THEMES)
			return bad(ctx, "themes", "Too many themes");
		in.themes[in.nthemes++] = json_string_value(v);
	}
	allot = json_object_get(body, "allotments");
	if (allot && !json_is_array(allot))
		return bad(ctx, "allotments", "Must be a list of {organisation, places}");
	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex_programme_create(c, &in, web_now(), &id, &e)) < 0)
		return api_fail(ctx, rc, &e);
	json_array_foreach(allot, i, v)
	{
		const char *code = json_string_value(json_object_get(v, "organisation"));
		json_t *pl = json_object_get(v, "places");
		int64_t org;

		if (!code || !json_is_integer(pl) ||
		    db_query_int(c, "SELECT id FROM organisations WHERE code = ?",
		                 DB_ARGS(DB_T(code)), &org, &e) < 0)
			return bad(ctx, "allotments",
			           "Each allotment needs a known organisation code and places");
		if ((rc = ex_allotment_set(c, id, org, (int)json_integer_value(pl), &e)) < 0)
			return api_fail(ctx, rc, &e);
	}
	if ((rc = ex_json_programme(c, id, NULL, &out, &e)) < 0)
		return api_fail(ctx, rc, &e);
	http_res_header(ctx->res, "Location",
	                co_arena_printf(ctx->arena, "/api/v1/programmes/%lld", (long long)id));
	return web_json(ctx, 201, out);
}

static int route_programme(struct web_ctx *ctx, struct db_conn *c, int64_t *id, struct co_err *e)
{
	const char *p = web_param(ctx, "programme");

	if (ctx->scope_id) {
		*id = ctx->scope_id;
		return 0;
	}
	if (p && *p >= '0' && *p <= '9') {
		*id = strtoll(p, NULL, 10);
		return 0;
	}
	return db_query_int(c, "SELECT id FROM ex_programmes WHERE slug = ?",
	                    DB_ARGS(DB_T(p ? p : "")), id, e);
}

/* PATCH: the fields given replace the stored ones; themes (a list of names)
 * replace the list, matched by name; allotments set those listed. */
int ex__api_programme_update(struct web_ctx *ctx)
{
	static const char *const allowed[] = {"name",
	                                      "summary",
	                                      "signup_opens_at",
	                                      "signup_deadline",
	                                      "approval_needed",
	                                      "pending_holds_place",
	                                      "offer_hours",
	                                      "allotments_release_at",
	                                      "needs_retention_days",
	                                      "themes",
	                                      "allotments",
	                                      NULL};
	struct ex_programme_in in = {0};
	int64_t id = 0, offer, keep;
	struct db_conn *c;
	struct co_err e;
	json_t *body, *cur = NULL, *themes, *allot, *v, *out;
	size_t i;
	int rc;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	if (only(ctx, body, allowed) < 0)
		return 0;
	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = route_programme(ctx, c, &id, &e)) < 0 ||
	    (rc = ex_json_programme(c, id, NULL, &cur, &e)) < 0)
		return api_fail(ctx, rc, &e);
	/* The stored programme, then what the body gives. */
	in.name = co_arena_strdup(ctx->arena, json_string_value(json_object_get(cur, "name")));
	in.summary =
	        co_arena_strdup(ctx->arena, json_string_value(json_object_get(cur, "summary")));
	in.opens_at = json_integer_value(json_object_get(cur, "signup_opens_at"));
	in.deadline = json_integer_value(json_object_get(cur, "signup_deadline_at"));
	in.approval_needed = json_is_true(json_object_get(cur, "approval_needed"));
	in.pending_holds_place = json_is_true(json_object_get(cur, "pending_holds_place"));
	offer = json_integer_value(json_object_get(cur, "offer_hours"));
	keep = json_integer_value(json_object_get(cur, "needs_retention_days"));
	in.release_at = json_integer_value(json_object_get(cur, "allotments_release_at"));
	json_array_foreach(json_object_get(cur, "themes"), i, v) in.themes[in.nthemes++] =
	        co_arena_strdup(ctx->arena, json_string_value(json_object_get(v, "name")));
	json_decref(cur);
	if (get_str(ctx, body, "name", &in.name) < 0 ||
	    get_str(ctx, body, "summary", &in.summary) < 0 ||
	    get_time(ctx, body, "signup_opens_at", &in.opens_at) < 0 ||
	    get_time(ctx, body, "signup_deadline", &in.deadline) < 0 ||
	    get_bool(ctx, body, "approval_needed", &in.approval_needed) < 0 ||
	    get_bool(ctx, body, "pending_holds_place", &in.pending_holds_place) < 0 ||
	    get_int(ctx, body, "offer_hours", &offer) < 0 ||
	    get_int(ctx, body, "needs_retention_days", &keep) < 0)
		return 0;
	if (json_is_null(json_object_get(body, "allotments_release_at")))
		in.release_at = 0;
	else if (get_time(ctx, body, "allotments_release_at", &in.release_at) < 0)
		return 0;
	if (offer < 1 || offer > 720)
		return bad(ctx, "offer_hours", "an offer lasts between 1 and 720 hours");
	if (keep < 0 || keep > 3650)
		return bad(ctx, "needs_retention_days", "Must be from 0 to 3650");
	in.offer_hours = (int)offer;
	in.needs_retention_days = (int)keep;
	themes = json_object_get(body, "themes");
	if (themes) {
		if (!json_is_array(themes))
			return bad(ctx, "themes", "Must be a list of names");
		in.nthemes = 0;
		json_array_foreach(themes, i, v)
		{
			if (!json_is_string(v))
				return bad(ctx, "themes", "Must be a list of names");
			if (i >= EX_MAX_THEMES)
				return bad(ctx, "themes", "Too many themes");
			in.themes[in.nthemes++] = json_string_value(v);
		}
	}
	allot = json_object_get(body, "allotments");
	if (allot && !json_is_array(allot))
		return bad(ctx, "allotments", "Must be a list of {organisation, places}");
	json_array_foreach(allot, i, v)
	{
		int64_t org;

		if (!json_string_value(json_object_get(v, "organisation")) ||
		    !json_is_integer(json_object_get(v, "places")) ||
		    db_query_int(
		            c, "SELECT id FROM organisations WHERE code = ?",
		            DB_ARGS(DB_T(json_string_value(json_object_get(v, "organisation")))),
		            &org, &e) < 0)
			return bad(ctx, "allotments",
			           "Each allotment needs a known organisation code and places");
	}
	if ((rc = ex_programme_update(c, id, &in, web_now(), &e)) < 0)
		return api_fail(ctx, rc, &e);
	json_array_foreach(allot, i, v)
	{
		int64_t org;

		if ((rc = db_query_int(
		             c, "SELECT id FROM organisations WHERE code = ?",
		             DB_ARGS(DB_T(json_string_value(json_object_get(v, "organisation")))),
		             &org, &e)) < 0 ||
		    (rc = ex_allotment_set(c, id, org,
		                           (int)json_integer_value(json_object_get(v, "places")),
		                           &e)) < 0)
			return api_fail(ctx, rc, &e);
	}
	ex_jobs_wake();
	if ((rc = ex_json_programme(c, id, NULL, &out, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 200, out);
}

int ex__api_day_create(struct web_ctx *ctx)
{
	static const char *const allowed[] = {"date", "label", NULL};
	static const char *const required[] = {"date", NULL};
	const char *date = NULL, *label = NULL;
	int64_t id = ex__param_id(ctx, "id"), did;
	struct db_conn *c;
	struct co_err e;
	json_t *body;
	int rc;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	if (only(ctx, body, allowed) < 0 || require(ctx, body, required) < 0 ||
	    get_str(ctx, body, "date", &date) < 0 || get_str(ctx, body, "label", &label) < 0)
		return 0;
	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex_conf_day_add(c, id, date, label, &did, &e)) < 0) {
		if (strcmp(e.field, "day_date") == 0)
			snprintf(e.field, sizeof(e.field), "date");
		return api_fail(ctx, rc, &e);
	}
	return web_json(ctx, 201,
	                json_pack("{s:I,s:s,s:s}", "id", (json_int_t)did, "date", date, "label",
	                          label ? label : ""));
}

int ex__api_programme(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	json_t *p;
	int64_t id;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = route_programme(ctx, c, &id, &e)) < 0 ||
	    (rc = ex_json_programme(c, id, NULL, &p, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 200, p);
}

int ex__api_dashboard(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	json_t *p;
	int64_t id;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = route_programme(ctx, c, &id, &e)) < 0 ||
	    (rc = ex_json_admin(c, id, &p, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 200, p);
}

int ex__api_pack(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	json_t *p;
	int64_t id;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = route_programme(ctx, c, &id, &e)) < 0 ||
	    (rc = ex_json_pack(c, id, &p, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 200, p);
}

/* ---- exchanges ---- */

int ex__api_exchanges(struct web_ctx *ctx)
{
	const char *p = web_query(ctx, "programme");
	struct db_conn *c;
	struct co_err e;
	json_t *x;
	int64_t pid = 0;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0)
		return api_fail(ctx, rc, &e);
	if (p && *p) {
		json_t *v = *p >= '0' && *p <= '9' ? json_integer(strtoll(p, NULL, 10))
		                                   : json_string(p);

		rc = programme_id_of(c, v, &pid, &e);
		json_decref(v);
		if (rc < 0)
			return api_fail(ctx, CO_EINPUT, &e);
	}
	if ((rc = ex_json_exchanges(c, pid, &x, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return items_of(ctx, x, "exchanges");
}

static const char *const exchange_fields[] = {
        "programme", "kind",    "host_org", "host_team",       "theme",      "topic",
        "mode",      "address", "region",   "access_info",     "online_url", "description",
        "starts_at", "ends_at", "capacity", "reserved_places", "hosts",      NULL};

/* Reads exchange fields from body over in (which holds current values). */
static int exchange_input(struct web_ctx *ctx, struct db_conn *c, json_t *body,
                          struct ex_exchange_in *in)
{
	const char *org = NULL, *theme = NULL;
	int64_t cap = in->capacity, reserved = in->reserved_places, theme_id = -1;
	struct co_err e;
	json_t *t;

	if (only(ctx, body, exchange_fields) < 0 || get_str(ctx, body, "kind", &in->kind) < 0 ||
	    get_str(ctx, body, "host_org", &org) < 0 ||
	    get_str(ctx, body, "host_team", &in->host_team_name) < 0 ||
	    get_str(ctx, body, "topic", &in->topic) < 0 ||
	    get_str(ctx, body, "mode", &in->mode) < 0 ||
	    get_str(ctx, body, "address", &in->address) < 0 ||
	    get_str(ctx, body, "region", &in->region) < 0 ||
	    get_str(ctx, body, "access_info", &in->access_info) < 0 ||
	    get_str(ctx, body, "online_url", &in->online_url) < 0 ||
	    get_str(ctx, body, "description", &in->description_md) < 0 ||
	    get_time(ctx, body, "starts_at", &in->starts_at) < 0 ||
	    get_time(ctx, body, "ends_at", &in->ends_at) < 0 ||
	    get_int(ctx, body, "capacity", &cap) < 0 ||
	    get_int(ctx, body, "reserved_places", &reserved) < 0)
		return -1;
	if (cap < 0 || cap > CO_EX_MAX_CAPACITY)
		return bad(ctx, "capacity", "Must be between 0 and 100000"), -1;
	if (reserved < 0 || reserved > cap)
		return bad(ctx, "reserved_places", "cannot be more than the capacity"), -1;
	in->capacity = (int)cap;
	in->reserved_places = (int)reserved;
	if (org) {
		if (db_query_int(c, "SELECT id FROM organisations WHERE code = ?",
		                 DB_ARGS(DB_T(org)), &in->host_org_id, &e) < 0)
			return bad(ctx, "host_org", "no organisation has this code"), -1;
	}
	t = json_object_get(body, "theme");
	if (json_is_integer(t))
		theme_id = json_integer_value(t);
	else if (json_is_string(t))
		theme = json_string_value(t);
	else if (t && !json_is_null(t))
		return bad(ctx, "theme", "Must be a theme's id or name"), -1;
	if (theme) {
		if (db_query_int(c, "SELECT id FROM ex_themes WHERE programme_id = ? AND name = ?",
		                 DB_ARGS(DB_I(in->programme_id), DB_T(theme)), &theme_id, &e) < 0)
			return bad(ctx, "theme", "the programme has no theme of this name"), -1;
	}
	if (theme_id >= 0)
		in->theme_id = theme_id;
	return 0;
}

/* Gives people a role on an exchange: body "hosts": [emails]. */
static int add_roles(struct web_ctx *ctx, struct db_conn *c, int64_t exchange_id, json_t *list,
                     const char *role)
{
	struct co_err e;
	json_t *v;
	size_t i;
	int rc;

	if (list && !json_is_array(list))
		return bad(ctx, "hosts", "Must be a list of email addresses"), -1;
	json_array_foreach(list, i, v)
	{
		int64_t user = 0;

		if (!json_is_string(v))
			return bad(ctx, "hosts", "Must be a list of email addresses"), -1;
		if ((rc = user_by_email(c, json_string_value(v), &user, &e)) < 0)
			return api_fail(ctx, rc, &e), -1;
		rc = acct_membership_add(c, ctx->user->id, user, "exchange", exchange_id, role, &e);
		if (rc < 0 && rc != CO_ECONFLICT)
			return api_fail(ctx, rc, &e), -1;
	}
	return 0;
}

int ex__api_exchange_create(struct web_ctx *ctx)
{
	static const char *const required[] = {"programme", "topic",    "mode", "starts_at",
	                                       "ends_at",   "capacity", NULL};
	struct ex_exchange_in in = {0};
	struct db_conn *c;
	struct co_err e;
	json_t *body, *out;
	int64_t id;
	int rc;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	if (require(ctx, body, required) < 0)
		return 0;
	if ((rc = ex__db(ctx, &c, &e)) < 0)
		return api_fail(ctx, rc, &e);
	if (programme_id_of(c, json_object_get(body, "programme"), &in.programme_id, &e) < 0)
		return api_fail(ctx, CO_EINPUT, &e);
	if (exchange_input(ctx, c, body, &in) < 0)
		return 0;
	if ((rc = ex_exchange_create(c, &in, web_now(), &id, &e)) < 0)
		return api_fail(ctx, rc, &e);
	if (add_roles(ctx, c, id, json_object_get(body, "hosts"), "host") < 0)
		return 0;
	if ((rc = ex_json_exchange(c, id, 0, 1, &out, &e)) < 0)
		return api_fail(ctx, rc, &e);
	http_res_header(ctx->res, "Location",
	                co_arena_printf(ctx->arena, "/api/v1/exchanges/%lld", (long long)id));
	ex_jobs_wake();
	return web_json(ctx, 201, out);
}

int ex__api_exchange(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id");
	struct db_conn *c;
	struct co_err e;
	json_t *x;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex_json_exchange(c, id, ctx->user ? ctx->user->id : 0, ex__manages(ctx, id), &x,
	                           &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 200, x);
}

int ex__api_exchange_update(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id");
	struct ex_exchange_in in = {0};
	struct db_conn *c;
	struct co_err e;
	json_t *body, *cur, *out;
	int rc;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	if (json_object_get(body, "programme") || json_object_get(body, "kind"))
		return bad(ctx, json_object_get(body, "programme") ? "programme" : "kind",
		           "cannot be changed");
	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = ex_json_exchange(c, id, 0, 1, &cur, &e)) < 0)
		return api_fail(ctx, rc, &e);
	/* Start from the stored values; the body changes what it names. */
	in.programme_id = json_integer_value(json_object_get(cur, "programme_id"));
	in.host_org_id = json_integer_value(json_object_get(cur, "host_org_id"));
	in.theme_id = json_integer_value(json_object_get(cur, "theme_id"));
	in.host_team_name = json_string_value(json_object_get(cur, "host_team"));
	in.topic = json_string_value(json_object_get(cur, "topic"));
	in.mode = json_string_value(json_object_get(cur, "mode"));
	in.address = json_string_value(json_object_get(cur, "address"));
	in.region = json_string_value(json_object_get(cur, "region"));
	in.access_info = json_string_value(json_object_get(cur, "access_info"));
	in.online_url = json_string_value(json_object_get(cur, "online_url"));
	in.description_md = json_string_value(json_object_get(cur, "description_md"));
	in.starts_at = json_integer_value(json_object_get(cur, "starts_at"));
	in.ends_at = json_integer_value(json_object_get(cur, "ends_at"));
	in.capacity = (int)json_integer_value(json_object_get(cur, "capacity"));
	in.reserved_places = (int)json_integer_value(json_object_get(cur, "reserved_places"));
	rc = exchange_input(ctx, c, body, &in);
	if (rc == 0 && (rc = ex_exchange_update(c, id, &in, web_now(), &e)) < 0)
		api_fail(ctx, rc, &e);
	json_decref(cur);
	if (rc < 0)
		return 0;
	if (add_roles(ctx, c, id, json_object_get(body, "hosts"), "host") < 0)
		return 0;
	if ((rc = ex_json_exchange(c, id, 0, 1, &out, &e)) < 0)
		return api_fail(ctx, rc, &e);
	ex_jobs_wake();
	return web_json(ctx, 200, out);
}

int ex__api_hosts(struct web_ctx *ctx)
{
	static const char *const allowed[] = {"email", "role", NULL};
	int64_t id = ex__param_id(ctx, "id");
	const char *email = NULL, *role = "host";
	struct db_conn *c;
	struct co_err e;
	json_t *body, *list;
	int rc;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	if (only(ctx, body, allowed) < 0 || get_str(ctx, body, "email", &email) < 0 ||
	    get_str(ctx, body, "role", &role) < 0)
		return 0;
	if (!email)
		return bad(ctx, "email", "is required");
	if (strcmp(role, "host") != 0 && strcmp(role, "venue") != 0)
		return bad(ctx, "role", "is host or venue");
	if ((rc = ex__db(ctx, &c, &e)) < 0)
		return api_fail(ctx, rc, &e);
	list = json_pack("[s]", email);
	rc = add_roles(ctx, c, id, list, role);
	json_decref(list);
	if (rc < 0)
		return 0;
	return web_json(ctx, 201, json_pack("{s:s,s:s}", "email", email, "role", role));
}

/* ---- registrations ---- */

int ex__api_register(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id");
	struct ex_reg_result r;
	struct db_conn *c;
	struct co_err e;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex_signup(c, id, ctx->user->id, web_now(), &r, &e)) < 0)
		return api_fail(ctx, rc, &e);
	http_res_header(ctx->res, "Location",
	                co_arena_printf(ctx->arena, "/api/v1/registrations/%lld",
	                                (long long)r.registration_id));
	ex_jobs_wake();
	return web_json(ctx, 201, reg_json(&r));
}

int ex__api_attendees(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id");
	struct db_conn *c;
	struct co_err e;
	json_t *a;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = ex_json_attendees(c, id, 1, &a, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return items_of(ctx, a, "attendees");
}

int ex__api_my(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	json_t *a;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = ex_json_my(c, ctx->user->id, &a, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return items_of(ctx, a, "registrations");
}

int ex__api_registration_delete(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), exchange_id, owner;
	struct ex_reg_result r;
	struct db_conn *c;
	struct co_err e;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex__registration(c, id, &exchange_id, &owner, &e)) < 0)
		return api_fail(ctx, rc, &e);
	if (owner != ctx->user->id && !ex__manages(ctx, exchange_id))
		return web_problem(ctx, 403, NULL, NULL, NULL);
	if ((rc = ex_cancel(c, id, web_now(), &r, &e)) < 0)
		return api_fail(ctx, rc, &e);
	ex_jobs_wake();
	return web_json(ctx, 200, reg_json(&r));
}

int ex__api_reg_action(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), exchange_id, owner;
	const char *action = web_param(ctx, "action");
	struct ex_reg_result r;
	struct db_conn *c;
	struct co_err e;
	int rc, own, manages;

	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex__registration(c, id, &exchange_id, &owner, &e)) < 0)
		return api_fail(ctx, rc, &e);
	own = owner == ctx->user->id;
	manages = ex__manages(ctx, exchange_id);
	if (strcmp(action, "accept") == 0 && own)
		rc = ex_offer_accept(c, id, web_now(), &r, &e);
	else if (strcmp(action, "decline") == 0 && own)
		rc = ex_offer_decline(c, id, web_now(), &r, &e);
	else if ((strcmp(action, "approve") == 0 || strcmp(action, "reject") == 0) && manages)
		rc = ex_decide(c, id, action[0] == 'a', web_now(), &r, &e);
	else if ((strcmp(action, "check-in") == 0 || strcmp(action, "no-show") == 0) && manages)
		rc = ex_mark_attendance(c, id, action[0] == 'c', web_now(), &r, &e);
	else if (strcmp(action, "accept") == 0 || strcmp(action, "decline") == 0 ||
	         strcmp(action, "approve") == 0 || strcmp(action, "reject") == 0 ||
	         strcmp(action, "check-in") == 0 || strcmp(action, "no-show") == 0)
		return web_problem(ctx, 403, NULL, NULL, NULL);
	else
		return web_problem(ctx, 404, NULL, NULL, NULL);
	if (rc < 0)
		return api_fail(ctx, rc, &e);
	ex_jobs_wake();
	return web_json(ctx, 200, reg_json(&r));
}

int ex__api_needs(struct web_ctx *ctx)
{
	static const char *const allowed[] = {"dietary", "access", "nights", NULL};
	int64_t id = ex__param_id(ctx, "id"), exchange_id, owner;
	const char *dietary = NULL, *access = NULL, *nights[32];
	struct db_conn *c;
	struct co_err e;
	json_t *body, *list, *v;
	size_t i;
	int rc, n = 0;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	if (only(ctx, body, allowed) < 0 || get_str(ctx, body, "dietary", &dietary) < 0 ||
	    get_str(ctx, body, "access", &access) < 0)
		return 0;
	list = json_object_get(body, "nights");
	if (list && !json_is_array(list))
		return bad(ctx, "nights", "Must be a list of dates");
	json_array_foreach(list, i, v)
	{
		if (!json_is_string(v) || n >= 32)
			return bad(ctx, "nights", "Must be a list of dates");
		nights[n++] = json_string_value(v);
	}
	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex__registration(c, id, &exchange_id, &owner, &e)) < 0)
		return api_fail(ctx, rc, &e);
	if (owner != ctx->user->id)
		return web_problem(ctx, 403, NULL, NULL, NULL);
	if ((rc = ex_needs_set(c, id, dietary, access, web_now(), &e)) < 0 ||
	    (list && (rc = ex_nights_set(c, id, nights, n, &e)) < 0))
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 200,
	                json_pack("{s:s,s:s,s:O}", "dietary", dietary ? dietary : "", "access",
	                          access ? access : "", "nights", list ? list : json_array()));
}

int ex__api_choose(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), exchange_id, owner, session = 0;
	struct db_conn *c;
	struct co_err e;
	json_t *body;
	int rc;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	if (get_int(ctx, body, "session", &session) < 0)
		return 0;
	if (session <= 0)
		return bad(ctx, "session", "is required");
	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex__registration(c, id, &exchange_id, &owner, &e)) < 0)
		return api_fail(ctx, rc, &e);
	if (owner != ctx->user->id)
		return web_problem(ctx, 403, NULL, NULL, NULL);
	rc = ex_choose_session(c, id, session, web_now(), &e);
	if (rc == CO_ENOTFOUND)
		return bad(ctx, "session", "no such session");
	if (rc < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 201,
	                json_pack("{s:I,s:I}", "registration", (json_int_t)id, "session",
	                          (json_int_t)session));
}

int ex__api_insight(struct web_ctx *ctx)
{
	static const char *const allowed[] = {"learned", "ideas", "actions", NULL};
	int64_t id = ex__param_id(ctx, "id"), n = 0, iid;
	const char *learned = NULL, *ideas = NULL, *actions = NULL;
	struct db_conn *c;
	struct co_err e;
	json_t *body;
	int rc, host = ex__manages(ctx, id);

	if (web_body_json(ctx, &body) < 0)
		return 0;
	if (only(ctx, body, allowed) < 0 || get_str(ctx, body, "learned", &learned) < 0 ||
	    get_str(ctx, body, "ideas", &ideas) < 0 || get_str(ctx, body, "actions", &actions) < 0)
		return 0;
	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = db_query_int(c, "SELECT id FROM ex_exchanges WHERE id = ?", DB_ARGS(DB_I(id)), &n,
	                       &e)) < 0)
		return api_fail(ctx, rc, &e);
	if (!host) {
		rc = db_query_int(c,
		                  "SELECT COUNT(*) FROM ex_registrations WHERE exchange_id = ? AND "
		                  "user_id = ? AND state IN ('confirmed', 'attended')",
		                  DB_ARGS(DB_I(id), DB_I(ctx->user->id)), &n, &e);
		if (rc < 0)
			return api_fail(ctx, rc, &e);
		if (n == 0)
			return web_problem(ctx, 403, NULL, NULL, NULL);
	}
	if ((rc = ex_insight_add(c, id, ctx->user->id, host, learned, ideas, actions, web_now(),
	                         &iid, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 201, json_pack("{s:I,s:b}", "id", (json_int_t)iid, "by_host", host));
}

/* ---- nominations ---- */

int ex__api_nominate(struct web_ctx *ctx)
{
	static const char *const allowed[] = {"programme", "email", NULL};
	const char *email = NULL;
	int64_t pid = 0, user = 0, id = 0, n = 0;
	struct db_conn *c;
	struct co_err e;
	json_t *body;
	int rc;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	if (only(ctx, body, allowed) < 0 || get_str(ctx, body, "email", &email) < 0)
		return 0;
	if (!email)
		return bad(ctx, "email", "is required");
	if ((rc = ex__db(ctx, &c, &e)) < 0)
		return api_fail(ctx, rc, &e);
	if (programme_id_of(c, json_object_get(body, "programme"), &pid, &e) < 0)
		return api_fail(ctx, CO_EINPUT, &e);
	if ((rc = user_by_email(c, email, &user, &e)) < 0)
		return api_fail(ctx, rc, &e);
	if ((rc = db_query_int(
	             c,
	             "SELECT COUNT(*) FROM memberships WHERE user_id = ? AND scope_type = "
	             "'org' AND scope_id = ?",
	             DB_ARGS(DB_I(user), DB_I(ctx->scope_id)), &n, &e)) < 0)
		return api_fail(ctx, rc, &e);
	if (n == 0)
		return bad(ctx, "email", "only people of the organisation can be nominated");
	if ((rc = ex_nominate(c, pid, ctx->scope_id, user, ctx->user->id, web_now(), &id, &e)) < 0)
		return api_fail(ctx, rc, &e);
	ex_jobs_wake();
	return web_json(ctx, 201,
	                json_pack("{s:I,s:s}", "id", (json_int_t)id, "state", "nominated"));
}

int ex__api_nomination_swap(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), org = 0, user = 0, new_id = 0, n = 0;
	const char *email = NULL;
	struct db_conn *c;
	struct co_err e;
	json_t *body;
	int rc;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	if (get_str(ctx, body, "email", &email) < 0)
		return 0;
	if (!email)
		return bad(ctx, "email", "is required");
	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = db_query_int(c, "SELECT org_id FROM ex_nominations WHERE id = ?",
	                       DB_ARGS(DB_I(id)), &org, &e)) < 0 ||
	    (rc = user_by_email(c, email, &user, &e)) < 0 ||
	    (rc = db_query_int(
	             c,
	             "SELECT COUNT(*) FROM memberships WHERE user_id = ? AND scope_type = "
	             "'org' AND scope_id = ?",
	             DB_ARGS(DB_I(user), DB_I(org)), &n, &e)) < 0)
		return api_fail(ctx, rc, &e);
	if (n == 0)
		return bad(ctx, "email", "only people of the organisation can be nominated");
	if ((rc = ex_nomination_swap(c, id, user, ctx->user->id, web_now(), &new_id, &e)) < 0)
		return api_fail(ctx, rc, &e);
	ex_jobs_wake();
	return web_json(ctx, 201,
	                json_pack("{s:I,s:I,s:s}", "id", (json_int_t)new_id, "replaces",
	                          (json_int_t)id, "state", "nominated"));
}

int ex__api_nomination_decide(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id");
	struct db_conn *c;
	struct co_err e;
	json_t *body;
	int rc, approve = -1;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	if (get_bool(ctx, body, "approve", &approve) < 0)
		return 0;
	if (approve < 0)
		return bad(ctx, "approve", "is required");
	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex_nomination_decide(c, id, approve, ctx->user->id, web_now(), &e)) < 0)
		return api_fail(ctx, rc, &e);
	ex_jobs_wake();
	return web_json(ctx, 200,
	                json_pack("{s:I,s:s}", "id", (json_int_t)id, "state",
	                          approve ? "approved" : "rejected"));
}

int ex__api_nomination_accept(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), reg = 0;
	struct db_conn *c;
	struct co_err e;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex_nomination_accept(c, id, ctx->user->id, web_now(), &reg, &e)) < 0)
		return api_fail(ctx, rc, &e);
	ex_jobs_wake();
	return web_json(ctx, 200,
	                json_pack("{s:I,s:s,s:o}", "id", (json_int_t)id, "state", "accepted",
	                          "registration", reg ? json_integer(reg) : json_null()));
}

/* ---- the showcase ---- */

int ex__api_showcase(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id");
	struct db_conn *c;
	struct co_err e;
	json_t *s;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = db_query_int(c, "SELECT id FROM ex_exchanges WHERE id = ?", DB_ARGS(DB_I(id)),
	                       &id, &e)) < 0 ||
	    (rc = ex_json_showcase(c, id, web_is_admin(ctx), &s, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 200, s);
}

int ex__api_submit(struct web_ctx *ctx)
{
	static const char *const allowed[] = {"title",        "summary",         "evidence", "team",
	                                      "organisation", "improve_project", NULL};
	int64_t id = ex__param_id(ctx, "id"), sid, project = 0;
	struct ex_submission_in in = {0};
	const char *org = NULL;
	char aim[2048];
	struct db_conn *c;
	struct co_err e;
	json_t *body;
	int rc;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	if (only(ctx, body, allowed) < 0 || get_str(ctx, body, "title", &in.title) < 0 ||
	    get_str(ctx, body, "summary", &in.summary) < 0 ||
	    get_str(ctx, body, "evidence", &in.evidence) < 0 ||
	    get_str(ctx, body, "team", &in.team_name) < 0 ||
	    get_str(ctx, body, "organisation", &org) < 0 ||
	    get_int(ctx, body, "improve_project", &project) < 0)
		return 0;
	if ((rc = ex__db(ctx, &c, &e)) < 0)
		return api_fail(ctx, rc, &e);
	rc = db_query_int(c, "SELECT id FROM ex_showcase_calls WHERE exchange_id = ?",
	                  DB_ARGS(DB_I(id)), &in.call_id, &e);
	if (rc == CO_ENOTFOUND)
		return web_problem(ctx, 404, NULL, "This event has no call for submissions", NULL);
	if (rc < 0)
		return api_fail(ctx, rc, &e);
	if (org && db_query_int(c, "SELECT id FROM organisations WHERE code = ?",
	                        DB_ARGS(DB_T(org)), &in.org_id, &e) < 0)
		return bad(ctx, "organisation", "no organisation has this code");
	/* A linked improvement project fills in the summary with its aim. */
	if (project > 0) {
		if ((rc = ex_improve_aim(c, project, aim, sizeof(aim), &e)) < 0)
			return api_fail(ctx, rc, &e);
		in.improve_project_id = project;
		if (!in.summary || !*in.summary)
			in.summary = aim;
	}
	in.submitter_id = ctx->user->id;
	if ((rc = ex_submission_create(c, &in, web_now(), &sid, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 201,
	                json_pack("{s:I,s:s,s:s}", "id", (json_int_t)sid, "state", "submitted",
	                          "summary", in.summary));
}

int ex__api_review(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), score = 0;
	const char *comments = NULL;
	struct db_conn *c;
	struct co_err e;
	json_t *body;
	int rc;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	if (get_int(ctx, body, "score", &score) < 0 ||
	    get_str(ctx, body, "comments", &comments) < 0)
		return 0;
	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex_review_set(c, id, ctx->user->id, (int)(score < 0 || score > 9 ? 0 : score),
	                        comments, web_now(), &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(
	        ctx, 201,
	        json_pack("{s:I,s:I}", "submission", (json_int_t)id, "score", (json_int_t)score));
}

int ex__api_submission_decide(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id");
	struct db_conn *c;
	struct co_err e;
	json_t *body;
	int rc, accept = -1;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	if (get_bool(ctx, body, "accept", &accept) < 0)
		return 0;
	if (accept < 0)
		return bad(ctx, "accept", "is required");
	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex_submission_decide(c, id, accept, web_now(), &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 200,
	                json_pack("{s:I,s:s}", "id", (json_int_t)id, "state",
	                          accept ? "accepted" : "rejected"));
}

int ex__api_slot(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), session = 0, starts = 0, ends = 0;
	const char *position = NULL;
	struct db_conn *c;
	struct co_err e;
	json_t *body;
	int rc;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	if (get_int(ctx, body, "session", &session) < 0 ||
	    get_time(ctx, body, "starts_at", &starts) < 0 ||
	    get_time(ctx, body, "ends_at", &ends) < 0 ||
	    get_str(ctx, body, "position", &position) < 0)
		return 0;
	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex_slot_set(c, id, session, starts, ends, position, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 201,
	                json_pack("{s:I,s:I,s:I,s:I}", "submission", (json_int_t)id, "session",
	                          (json_int_t)session, "starts_at", (json_int_t)starts, "ends_at",
	                          (json_int_t)ends));
}

/* The fields of a session the API takes. */
static const char *const session_keys[] = {"kind",         "title", "summary",       "starts_at",
                                           "ends_at",      "room",  "room_capacity", "capacity",
                                           "needs_choice", NULL};

/* The fields the body names, over what in holds; *cap and *room_cap take
 * the places asked for. Returns -1 when the answer is sent. */
static int session_from_body(struct web_ctx *ctx, json_t *body, struct ex_session_in *in,
                             int64_t *cap, int64_t *room_cap)
{
	if (get_str(ctx, body, "kind", &in->kind) < 0 ||
	    get_str(ctx, body, "title", &in->title) < 0 ||
	    get_str(ctx, body, "summary", &in->summary_md) < 0 ||
	    get_time(ctx, body, "starts_at", &in->starts_at) < 0 ||
	    get_time(ctx, body, "ends_at", &in->ends_at) < 0 ||
	    get_str(ctx, body, "room", &in->room) < 0 ||
	    get_int(ctx, body, "room_capacity", room_cap) < 0 ||
	    get_int(ctx, body, "capacity", cap) < 0 ||
	    get_bool(ctx, body, "needs_choice", &in->needs_choice) < 0)
		return -1;
	return 0;
}

/* The places asked for into in: out of range is kept out of range for the
 * model's check to refuse (a session's), or none (a new room's). */
static void session_places(struct ex_session_in *in, int64_t cap, int64_t room_cap)
{
	in->capacity = cap < -1 || cap > CO_EX_MAX_CAPACITY ? CO_EX_MAX_CAPACITY + 1 : (int)cap;
	in->room_capacity = room_cap < 0 || room_cap > CO_EX_MAX_CAPACITY ? -1 : (int)room_cap;
}

int ex__api_session_create(struct web_ctx *ctx)
{
	struct ex_session_in in = {.capacity = -1};
	int64_t cap = -1, room_cap = 0, sid;
	struct db_conn *c;
	struct co_err e;
	json_t *body;
	int rc;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	if (only(ctx, body, session_keys) < 0 ||
	    session_from_body(ctx, body, &in, &cap, &room_cap) < 0)
		return 0;
	in.exchange_id = ex__param_id(ctx, "id");
	session_places(&in, cap, room_cap);
	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = ex_session_create(c, &in, &sid, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 201,
	                json_pack("{s:I,s:s,s:s}", "id", (json_int_t)sid, "kind", in.kind, "title",
	                          in.title));
}

/* PATCH: the session's stored fields, then what the body names. A null
 * room takes the session out of its room; a null capacity gives it the
 * room's. */
int ex__api_session_update(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), sid = ex__param_id(ctx, "session");
	struct ex_session_in in = {0};
	int64_t cap, room_cap = 0;
	struct db_conn *c;
	struct co_err e;
	json_t *body, *cur, *out, *own;
	int rc;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	if (only(ctx, body, session_keys) < 0)
		return 0;
	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = ex_json_session(c, id, sid, &cur, &e)) < 0)
		return api_fail(ctx, rc, &e);
	in.exchange_id = id;
	in.kind = co_arena_strdup(ctx->arena, json_string_value(json_object_get(cur, "kind")));
	in.title = co_arena_strdup(ctx->arena, json_string_value(json_object_get(cur, "title")));
	in.summary_md =
	        co_arena_strdup(ctx->arena, json_string_value(json_object_get(cur, "summary")));
	in.room = co_arena_strdup(ctx->arena, json_string_value(json_object_get(cur, "room")));
	in.starts_at = json_integer_value(json_object_get(cur, "starts_at"));
	in.ends_at = json_integer_value(json_object_get(cur, "ends_at"));
	in.needs_choice = json_is_true(json_object_get(cur, "needs_choice"));
	own = json_object_get(cur, "own_capacity");
	cap = json_is_integer(own) ? json_integer_value(own) : -1;
	json_decref(cur);
	if (session_from_body(ctx, body, &in, &cap, &room_cap) < 0)
		return 0;
	if (json_is_null(json_object_get(body, "room")))
		in.room = NULL;
	if (json_is_null(json_object_get(body, "capacity")))
		cap = -1;
	session_places(&in, cap, room_cap);
	if ((rc = ex_session_update(c, sid, &in, &e)) < 0)
		return api_fail(ctx, rc, &e);
	ex_jobs_wake();
	if ((rc = ex_json_session(c, id, sid, &out, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 200, out);
}

/* DELETE of a session or a room of the exchange: {id, deleted}. */
static int api_remove(struct web_ctx *ctx, const char *what,
                      int (*del)(struct db_conn *, int64_t, int64_t, struct co_err *))
{
	int64_t id = ex__param_id(ctx, "id"), oid = ex__param_id(ctx, what);
	struct db_conn *c;
	struct co_err e;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = del(c, id, oid, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 200, json_pack("{s:I,s:b}", "id", (json_int_t)oid, "deleted", 1));
}

int ex__api_session_delete(struct web_ctx *ctx)
{
	return api_remove(ctx, "session", ex_session_delete);
}

/* One room of the exchange as ex_json_rooms gives it (new reference). */
static int room_json(struct db_conn *c, int64_t id, int64_t rid, json_t **out, struct co_err *e)
{
	json_t *rooms, *v;
	size_t i;
	int rc;

	if ((rc = ex_json_rooms(c, id, &rooms, e)) < 0)
		return rc;
	json_array_foreach(json_object_get(rooms, "rooms"), i, v)
	{
		if (json_integer_value(json_object_get(v, "id")) == rid) {
			*out = json_incref(v);
			json_decref(rooms);
			return 0;
		}
	}
	json_decref(rooms);
	return co_errf(e, CO_ENOTFOUND, "no such room");
}

int ex__api_room_update(struct web_ctx *ctx)
{
	static const char *const allowed[] = {"name", "capacity", NULL};
	int64_t id = ex__param_id(ctx, "id"), rid = ex__param_id(ctx, "room"), cap;
	const char *name;
	struct db_conn *c;
	struct co_err e;
	json_t *body, *cur, *out;
	int rc;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	if (only(ctx, body, allowed) < 0)
		return 0;
	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = room_json(c, id, rid, &cur, &e)) < 0)
		return api_fail(ctx, rc, &e);
	name = co_arena_strdup(ctx->arena, json_string_value(json_object_get(cur, "name")));
	cap = json_integer_value(json_object_get(cur, "capacity"));
	json_decref(cur);
	if (get_str(ctx, body, "name", &name) < 0 || get_int(ctx, body, "capacity", &cap) < 0)
		return 0;
	if (cap < 0 || cap > CO_EX_MAX_CAPACITY)
		cap = -1;
	if ((rc = ex_room_update(c, id, rid, name, (int)cap, &e)) < 0)
		return api_fail(ctx, rc, &e);
	ex_jobs_wake(); /* a new name is emailed to those who chose its sessions */
	if ((rc = room_json(c, id, rid, &out, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 200, out);
}

int ex__api_room_delete(struct web_ctx *ctx)
{
	return api_remove(ctx, "room", ex_room_delete);
}
