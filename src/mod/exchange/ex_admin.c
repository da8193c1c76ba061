/*
 * ex_admin.c - the organisers' set-up pages, the form equivalents of the
 * API's writes: programmes (create, change, with themes and the places
 * allotted to each organisation), new exchanges and conferences, a
 * conference's days and sessions, the host and venue roles, and placing
 * accepted showcase submissions in slots. Every page works without
 * JavaScript: a refused form is shown again with the error summary and
 * what was typed; times are read and shown in UK time (ex_time.h).
 */
#include "mod/exchange/ex_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/limits.h"
#include "mod/accounts/acct.h"

static json_t *opt(const char *value, const char *label)
{
	return json_pack("{s:s,s:s}", "value", value, "label", label);
}

/* A new reference: v, or "" when v is NULL. */
static json_t *text_or_empty(json_t *v)
{
	return v ? json_incref(v) : json_string("");
}

static const char *form_or(struct web_ctx *ctx, const char *name, const char *fallback)
{
	const char *v = web_form(ctx, name);

	return v ? v : fallback;
}

/* A whole number from a form field in [lo, hi]; blank gives dflt. -1 after
 * adding msgid to errs. */
static int form_int(struct web_ctx *ctx, json_t *errs, const char *name, long lo, long hi,
                    long dflt, const char *msgid, long *out)
{
	const char *v = web_form(ctx, name);
	char *end;
	long n;

	if (!v || !*v) {
		*out = dflt;
		return 0;
	}
	n = strtol(v, &end, 10);
	if (*end || end == v || n < lo || n > hi) {
		web_errors_add(ctx, errs, name, msgid);
		return -1;
	}
	*out = n;
	return 0;
}

/* A UK local date and time from two fields; -1 after adding the error. */
static int form_time(struct web_ctx *ctx, json_t *errs, const char *date_field,
                     const char *time_field, const char *date, int64_t *out)
{
	struct co_err e;

	if (!date || !*date) {
		web_errors_add(ctx, errs, date_field, "Enter a date.");
		return -1;
	}
	if (ex_time_parse_local(date, web_form(ctx, time_field), time_field, out, &e) < 0) {
		web_errors_add(ctx, errs, time_field,
		               "Enter a real date and a UK time as HH:MM, such as 09:30.");
		return -1;
	}
	return 0;
}

static json_t *merge_posted(struct web_ctx *ctx, json_t *f, const char *const *keys)
{
	size_t i;

	for (i = 0; keys[i]; i++)
		if (web_form(ctx, keys[i]))
			json_object_set_new(f, keys[i], json_string(web_form(ctx, keys[i])));
	return f;
}

/* ---- programmes ---- */

int ex__programmes_page(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	json_t *d, *list;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 || (rc = ex_json_programmes(c, &list, &e)) < 0)
		return web_fail(ctx, rc, &e);
	d = ex__page(ctx, "Programmes");
	json_object_set_new(d, "programmes", json_incref(json_object_get(list, "programmes")));
	json_decref(list);
	return web_render(ctx, 200, "exchange/programmes", d);
}

/* Organisations with their allotment in the programme (0: none yet) and
 * the form field for it. */
static int allotment_fields(struct web_ctx *ctx, struct db_conn *c, int64_t programme_id,
                            int posted, json_t **out, struct co_err *e)
{
	struct db_rows *r;
	json_t *list = json_array();
	int rc;

	rc = db_query(
	        c,
	        "SELECT o.id, o.name, a.places FROM organisations o LEFT JOIN ex_allotments a "
	        "ON a.org_id = o.id AND a.programme_id = ? ORDER BY o.name, o.id",
	        DB_ARGS(DB_I(programme_id)), &r, e);
	if (rc < 0) {
		json_decref(list);
		return rc;
	}
	while ((rc = db_rows_next(r, e)) > 0) {
		char name[40], val[24] = "";
		const char *posted_v;

		snprintf(name, sizeof(name), "allot_%lld", (long long)db_int(r, 0));
		if (!db_isnull(r, 2))
			snprintf(val, sizeof(val), "%lld", (long long)db_int(r, 2));
		posted_v = posted ? web_form(ctx, name) : NULL;
		json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:s,s:b}", "id",
		                                      (json_int_t)db_int(r, 0), "name",
		                                      db_text(r, 1) ? db_text(r, 1) : "", "field",
		                                      name, "value", posted_v ? posted_v : val,
		                                      "had", !db_isnull(r, 2)));
	}
	db_rows_free(r);
	if (rc < 0) {
		json_decref(list);
		return rc;
	}
	*out = list;
	return 0;
}

static const char *const programme_keys[] = {"slug",
                                             "name",
                                             "summary",
                                             "themes",
                                             "opens_date",
                                             "opens_time",
                                             "deadline_date",
                                             "deadline_time",
                                             "offer_hours",
                                             "release_date",
                                             "needs_retention_days",
                                             NULL};

/* The form's values from a stored programme (NULL: a new one). */
static json_t *programme_form(struct web_ctx *ctx, json_t *p, int posted)
{
	json_t *f = json_object(), *t;
	struct co_buf themes;
	size_t i;
	char n[24];

	if (p) {
		co_buf_init(&themes, CO_EX_MAX_TEXT);
		json_array_foreach(json_object_get(p, "themes"), i, t)
		        co_buf_printf(&themes, "%s%s", i ? "\n" : "",
		                      json_string_value(json_object_get(t, "name")));
		json_object_set_new(f, "themes", json_string(themes.data ? themes.data : ""));
		co_buf_free(&themes);
		json_object_set(f, "slug", json_object_get(p, "slug"));
		json_object_set(f, "name", json_object_get(p, "name"));
		json_object_set(f, "summary", json_object_get(p, "summary"));
		json_object_set(f, "opens_date", json_object_get(p, "signup_opens_date"));
		json_object_set(f, "opens_time", json_object_get(p, "signup_opens_time"));
		json_object_set(f, "deadline_date", json_object_get(p, "signup_deadline_date"));
		json_object_set(f, "deadline_time", json_object_get(p, "signup_deadline_time"));
		snprintf(n, sizeof(n), "%lld",
		         (long long)json_integer_value(json_object_get(p, "offer_hours")));
		json_object_set_new(f, "offer_hours", json_string(n));
		snprintf(n, sizeof(n), "%lld",
		         (long long)json_integer_value(json_object_get(p, "needs_retention_days")));
		json_object_set_new(f, "needs_retention_days", json_string(n));
		json_object_set_new(f, "release_date",
		                    text_or_empty(json_object_get(p, "allotments_release_date")));
		json_object_set(f, "approval_needed", json_object_get(p, "approval_needed"));
		json_object_set(f, "pending_holds_place",
		                json_object_get(p, "pending_holds_place"));
	} else {
		json_object_set_new(f, "opens_time", json_string("09:00"));
		json_object_set_new(f, "deadline_time", json_string("17:00"));
		json_object_set_new(f, "offer_hours", json_string("48"));
		json_object_set_new(f, "needs_retention_days", json_string("30"));
	}
	if (posted) {
		merge_posted(ctx, f, programme_keys);
		json_object_set_new(f, "approval_needed",
		                    json_boolean(web_form(ctx, "approval_needed") != NULL));
		json_object_set_new(f, "pending_holds_place",
		                    json_boolean(web_form(ctx, "pending_holds_place") != NULL));
	}
	return f;
}

static int programme_render(struct web_ctx *ctx, struct db_conn *c, int status, json_t *p,
                            json_t *errs, int posted)
{
	int64_t pid = p ? json_integer_value(json_object_get(p, "id")) : 0;
	json_t *d = ex__page(ctx, p ? "Change the programme" : "Create a programme"), *allot;
	struct co_err e;
	int rc;

	if ((rc = allotment_fields(ctx, c, pid, posted, &allot, &e)) < 0) {
		json_decref(d);
		json_decref(p);
		json_decref(errs);
		return web_fail(ctx, rc, &e);
	}
	json_object_set_new(d, "form", programme_form(ctx, p, posted));
	json_object_set_new(d, "programme", p ? p : json_null());
	json_object_set_new(d, "allotments", allot);
	json_object_set_new(d, "errors", errs ? errs : json_object());
	return web_render(ctx, status, "exchange/programme_form", d);
}

int ex__programme_new_page(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0)
		return web_fail(ctx, rc, &e);
	return programme_render(ctx, c, 200, NULL, NULL, 0);
}

int ex__programme_edit_page(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	json_t *p;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex_json_programme(c, ex__param_id(ctx, "programme"), web_param(ctx, "programme"),
	                            &p, &e)) < 0)
		return web_fail(ctx, rc, &e);
	return programme_render(ctx, c, 200, p, NULL, 0);
}

/* Reads the programme form into in (themes point into the arena); the
 * errors found go to errs. */
static void programme_read(struct web_ctx *ctx, json_t *errs, struct ex_programme_in *in)
{
	const char *themes = form_or(ctx, "themes", "");
	long hours = 48, days = 30;
	int64_t t;

	memset(in, 0, sizeof(*in));
	in->slug = web_form(ctx, "slug");
	in->name = form_or(ctx, "name", "");
	in->summary = form_or(ctx, "summary", "");
	if (!*in->name)
		web_errors_add(ctx, errs, "name", "Enter the programme's name.");
	/* One theme a line. */
	while (*themes) {
		size_t n = strcspn(themes, "\r\n");
		const char *s = themes, *end = themes + n;

		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end > s) {
			if (in->nthemes >= EX_MAX_THEMES) {
				web_errors_add(ctx, errs, "themes", "Give at most twelve themes.");
				break;
			}
			in->themes[in->nthemes++] =
			        co_arena_strndup(ctx->arena, s, (size_t)(end - s));
		}
		themes += n;
		themes += strspn(themes, "\r\n");
	}
	form_time(ctx, errs, "opens_date", "opens_time", web_form(ctx, "opens_date"),
	          &in->opens_at);
	form_time(ctx, errs, "deadline_date", "deadline_time", web_form(ctx, "deadline_date"),
	          &in->deadline);
	if (!json_object_get(errs, "opens_time") && !json_object_get(errs, "deadline_time") &&
	    !json_object_get(errs, "opens_date") && !json_object_get(errs, "deadline_date") &&
	    in->deadline <= in->opens_at)
		web_errors_add(ctx, errs, "deadline_date",
		               "the sign-up deadline must be after sign-up opens");
	in->approval_needed = web_form(ctx, "approval_needed") != NULL;
	in->pending_holds_place = web_form(ctx, "pending_holds_place") != NULL;
	form_int(ctx, errs, "offer_hours", 1, 720, 48,
	         "Give how long an offer lasts in hours, from 1 to 720.", &hours);
	in->offer_hours = (int)hours;
	form_int(ctx, errs, "needs_retention_days", 0, 3650, 30,
	         "Give the number of days as a whole number.", &days);
	in->needs_retention_days = (int)days;
	if (web_form(ctx, "release_date") && *web_form(ctx, "release_date")) {
		if (ex_time_parse_local(web_form(ctx, "release_date"), "00:00", NULL, &t, NULL) < 0)
			web_errors_add(ctx, errs, "release_date", "Enter a real date.");
		else
			in->release_at = t;
	}
}

/* Sets the allotments posted; the first refused one goes to errs. */
static int allotments_save(struct web_ctx *ctx, struct db_conn *c, int64_t pid, json_t *fields,
                           json_t *errs, struct co_err *e)
{
	json_t *a;
	size_t i;
	int rc;

	json_array_foreach(fields, i, a)
	{
		const char *field = json_string_value(json_object_get(a, "field"));
		const char *v = web_form(ctx, field);
		long places;
		char *end;

		if (!v || (!*v && !json_is_true(json_object_get(a, "had"))))
			continue;
		places = *v ? strtol(v, &end, 10) : 0;
		if (*v && (*end || places < 0 || places > CO_EX_MAX_CAPACITY)) {
			web_errors_add(ctx, errs, field, "Give the places as a whole number.");
			continue;
		}
		if ((rc = ex_allotment_set(c, pid, json_integer_value(json_object_get(a, "id")),
		                           (int)places, e)) < 0)
			return rc;
	}
	return 0;
}

/* Checks the allotment fields before anything is written. */
static void allotments_check(struct web_ctx *ctx, json_t *fields, json_t *errs)
{
	json_t *a;
	size_t i;

	json_array_foreach(fields, i, a)
	{
		const char *field = json_string_value(json_object_get(a, "field"));
		const char *v = web_form(ctx, field);
		char *end;
		long places;

		if (!v || !*v)
			continue;
		places = strtol(v, &end, 10);
		if (*end || places < 0 || places > CO_EX_MAX_CAPACITY)
			web_errors_add(ctx, errs, field, "Give the places as a whole number.");
	}
}

static int programme_save(struct web_ctx *ctx, json_t *p)
{
	int64_t pid = p ? json_integer_value(json_object_get(p, "id")) : 0;
	struct ex_programme_in in;
	struct db_conn *c;
	struct co_err e;
	json_t *errs = json_object(), *fields = NULL;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = allotment_fields(ctx, c, pid, 1, &fields, &e)) < 0) {
		json_decref(errs);
		json_decref(p);
		return web_fail(ctx, rc, &e);
	}
	programme_read(ctx, errs, &in);
	allotments_check(ctx, fields, errs);
	if (json_object_size(errs) == 0) {
		rc = p ? ex_programme_update(c, pid, &in, web_now(), &e)
		       : ex_programme_create(c, &in, web_now(), &pid, &e);
		if (rc == 0)
			rc = allotments_save(ctx, c, pid, fields, errs, &e);
		if (rc == CO_EINPUT || rc == CO_ECONFLICT)
			web_errors_from(ctx, errs, &e);
		else if (rc < 0) {
			json_decref(errs);
			json_decref(fields);
			json_decref(p);
			return web_fail(ctx, rc, &e);
		}
	}
	json_decref(fields);
	if (json_object_size(errs) > 0)
		return programme_render(ctx, c, 400, p, errs, 1);
	json_decref(errs);
	json_decref(p);
	ex_jobs_wake();
	web_flash(ctx, "success", "Saved.");
	return web_redirect(ctx,
	                    co_arena_printf(ctx->arena, "/programmes/%lld/admin", (long long)pid));
}

int ex__programme_create_post(struct web_ctx *ctx)
{
	return programme_save(ctx, NULL);
}

int ex__programme_edit_post(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	json_t *p;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex_json_programme(c, ex__param_id(ctx, "programme"), web_param(ctx, "programme"),
	                            &p, &e)) < 0)
		return web_fail(ctx, rc, &e);
	return programme_save(ctx, p);
}

/* [{value: code, label: name}] of every organisation, "None" first. */
int ex__org_options(struct web_ctx *ctx, struct db_conn *c, json_t **out, struct co_err *e)
{
	json_t *orgs = json_array();
	struct db_rows *r;
	int rc;

	json_array_append_new(orgs, opt("", web_t(ctx, "None")));
	rc = db_query(c, "SELECT code, name FROM organisations ORDER BY name, id", DB_NOARGS, &r,
	              e);
	if (rc == 0) {
		while ((rc = db_rows_next(r, e)) > 0)
			json_array_append_new(orgs, opt(db_text(r, 0) ? db_text(r, 0) : "",
			                                db_text(r, 1) ? db_text(r, 1) : ""));
		db_rows_free(r);
	}
	if (rc < 0) {
		json_decref(orgs);
		return rc;
	}
	*out = orgs;
	return 0;
}

/* [{value: id, label: name}] of a programme's themes, "None" first. */
json_t *ex__theme_options(struct web_ctx *ctx, json_t *programme)
{
	json_t *themes = json_array(), *t;
	size_t i;

	json_array_append_new(themes, opt("", web_t(ctx, "None")));
	json_array_foreach(json_object_get(programme, "themes"), i, t)
	{
		char id[24];

		snprintf(id, sizeof(id), "%lld",
		         (long long)json_integer_value(json_object_get(t, "id")));
		json_array_append_new(themes,
		                      opt(id, json_string_value(json_object_get(t, "name"))));
	}
	return themes;
}

/* ---- a new exchange ---- */

static const char *const exchange_keys[] = {
        "kind",      "host_org",  "host_team",   "theme",           "topic",       "mode",
        "address",   "region",    "access_info", "online_url",      "starts_date", "starts_time",
        "ends_date", "ends_time", "capacity",    "reserved_places", "description", NULL};

static int exchange_new_render(struct web_ctx *ctx, struct db_conn *c, int status, json_t *p,
                               json_t *errs, int posted)
{
	json_t *d = ex__page(ctx, "Add an exchange"), *f = json_object(), *orgs, *themes;
	struct co_err e;
	int rc;

	json_object_set_new(f, "kind", json_string("exchange"));
	json_object_set_new(f, "mode", json_string("on_site"));
	json_object_set_new(f, "starts_time", json_string("10:00"));
	json_object_set_new(f, "ends_time", json_string("13:00"));
	json_object_set_new(f, "capacity", json_string("20"));
	json_object_set_new(f, "reserved_places", json_string("0"));
	if (posted)
		merge_posted(ctx, f, exchange_keys);
	if ((rc = ex__org_options(ctx, c, &orgs, &e)) < 0) {
		json_decref(d);
		json_decref(f);
		json_decref(p);
		json_decref(errs);
		return web_fail(ctx, rc, &e);
	}
	themes = ex__theme_options(ctx, p);
	json_object_set_new(d, "kind_options",
	                    json_pack("[o,o]", opt("exchange", web_t(ctx, "Knowledge exchange")),
	                              opt("conference", web_t(ctx, "Conference"))));
	json_object_set_new(d, "mode_options",
	                    json_pack("[o,o,o]", opt("on_site", web_t(ctx, "On site")),
	                              opt("online", web_t(ctx, "Online")),
	                              opt("hybrid", web_t(ctx, "Hybrid"))));
	json_object_set_new(d, "org_options", orgs);
	json_object_set_new(d, "theme_options", themes);
	json_object_set_new(d, "form", f);
	json_object_set_new(d, "programme", p);
	json_object_set_new(d, "errors", errs ? errs : json_object());
	return web_render(ctx, status, "exchange/exchange_new", d);
}

int ex__exchange_new_page(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	json_t *p;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex_json_programme(c, ex__param_id(ctx, "programme"), web_param(ctx, "programme"),
	                            &p, &e)) < 0)
		return web_fail(ctx, rc, &e);
	return exchange_new_render(ctx, c, 200, p, NULL, 0);
}

int ex__exchange_new_post(struct web_ctx *ctx)
{
	const char *org = web_form(ctx, "host_org"), *theme = web_form(ctx, "theme"),
	           *ends_date = web_form(ctx, "ends_date");
	struct ex_exchange_in in = {0};
	struct db_conn *c;
	struct co_err e;
	json_t *p, *errs = json_object();
	int64_t id = 0, oid = 0;
	long cap = 0, reserved = 0;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0 ||
	    (rc = ex_json_programme(c, ex__param_id(ctx, "programme"), web_param(ctx, "programme"),
	                            &p, &e)) < 0) {
		json_decref(errs);
		return web_fail(ctx, rc, &e);
	}
	in.programme_id = json_integer_value(json_object_get(p, "id"));
	in.kind = form_or(ctx, "kind", "exchange");
	in.topic = form_or(ctx, "topic", "");
	in.mode = form_or(ctx, "mode", "");
	in.host_team_name = web_form(ctx, "host_team");
	in.address = web_form(ctx, "address");
	in.region = web_form(ctx, "region");
	in.access_info = web_form(ctx, "access_info");
	in.online_url = web_form(ctx, "online_url");
	in.description_md = web_form(ctx, "description");
	if (!*in.topic)
		web_errors_add(ctx, errs, "topic", "Enter the topic.");
	if (org && *org) {
		rc = db_query_int(c, "SELECT id FROM organisations WHERE code = ?",
		                  DB_ARGS(DB_T(org)), &oid, &e);
		if (rc == CO_ENOTFOUND)
			web_errors_add(ctx, errs, "host_org",
			               "Choose an organisation from the list.");
		else if (rc < 0) {
			json_decref(errs);
			json_decref(p);
			return web_fail(ctx, rc, &e);
		}
		in.host_org_id = oid;
	}
	if (theme && *theme) {
		char *end;

		in.theme_id = strtoll(theme, &end, 10);
		if (*end || in.theme_id <= 0) {
			in.theme_id = 0;
			web_errors_add(ctx, errs, "theme", "Choose a theme from the list.");
		}
	}
	form_time(ctx, errs, "starts_date", "starts_time", web_form(ctx, "starts_date"),
	          &in.starts_at);
	form_time(ctx, errs, "ends_date", "ends_time",
	          ends_date && *ends_date ? ends_date : web_form(ctx, "starts_date"), &in.ends_at);
	form_int(ctx, errs, "capacity", 0, CO_EX_MAX_CAPACITY, -1,
	         "Give the number of places as a whole number.", &cap);
	if (cap < 0 && !json_object_get(errs, "capacity"))
		web_errors_add(ctx, errs, "capacity",
		               "Give the number of places as a whole number.");
	form_int(ctx, errs, "reserved_places", 0, CO_EX_MAX_CAPACITY, 0,
	         "Give the number of places as a whole number.", &reserved);
	in.capacity = (int)cap;
	in.reserved_places = (int)reserved;
	if (json_object_size(errs) == 0) {
		rc = ex_exchange_create(c, &in, web_now(), &id, &e);
		if (rc == CO_EINPUT || rc == CO_ECONFLICT) {
			ex__form_errors_from(ctx, errs, &e);
		} else if (rc < 0) {
			json_decref(errs);
			json_decref(p);
			return web_fail(ctx, rc, &e);
		}
	}
	if (json_object_size(errs) > 0)
		return exchange_new_render(ctx, c, 400, p, errs, 1);
	json_decref(errs);
	json_decref(p);
	ex_jobs_wake();
	web_flash(ctx, "success", "Saved.");
	return web_redirect(ctx,
	                    co_arena_printf(ctx->arena, "/exchanges/%lld/host", (long long)id));
}

/* ---- the conference's days and sessions ---- */

static const char *const session_keys[] = {"kind",        "title",     "summary", "date",
                                           "starts_time", "ends_time", "room",    "room_capacity",
                                           "capacity",    NULL};

static const char *const session_kinds[] = {"reception",  "keynote", "workshop", "showcase",
                                            "networking", "plenary", "break",    NULL};
static const char *const session_kind_labels[] = {"Reception",  "Keynote", "Workshop", "Showcase",
                                                  "Networking", "Plenary", "Break",    NULL};

static json_t *session_kind_options(struct web_ctx *ctx)
{
	json_t *kopts = json_array();
	size_t i;

	for (i = 0; session_kinds[i]; i++)
		json_array_append_new(kopts,
		                      opt(session_kinds[i], web_t(ctx, session_kind_labels[i])));
	return kopts;
}

/* The conference programme page: days, sessions, rooms and the forms to add
 * them. errs (stolen; may be NULL) and which ("session", "day" or NULL)
 * say which form is shown again with what was posted. */
static int sessions_render(struct web_ctx *ctx, struct db_conn *c, int64_t id, int status,
                           json_t *errs, const char *which)
{
	json_t *d = ex__page(ctx, "Conference programme"), *x = NULL, *s = NULL, *days = NULL,
	       *rooms = NULL, *f = json_object(), *df = json_object(), *sess;
	struct co_err e;
	size_t i;
	int rc;

	if ((rc = ex_json_exchange(c, id, 0, 1, &x, &e)) < 0 ||
	    (rc = ex_json_sessions(c, id, 0, &s, &e)) < 0 ||
	    (rc = ex_json_days(c, id, &days, &e)) < 0 ||
	    (rc = ex_json_rooms(c, id, &rooms, &e)) < 0) {
		json_decref(d);
		json_decref(x);
		json_decref(s);
		json_decref(days);
		json_decref(f);
		json_decref(df);
		json_decref(errs);
		return web_fail(ctx, rc, &e);
	}
	json_array_foreach(json_object_get(s, "sessions"), i, sess)
	{
		size_t k;

		for (k = 0; session_kinds[k]; k++)
			if (strcmp(session_kinds[k],
			           json_string_value(json_object_get(sess, "kind"))) == 0)
				json_object_set_new(
				        sess, "kind_label",
				        json_string(web_t(ctx, session_kind_labels[k])));
	}
	json_object_set_new(f, "kind", json_string("workshop"));
	json_object_set(f, "date", json_object_get(x, "starts_date"));
	json_object_set_new(f, "starts_time", json_string("10:00"));
	json_object_set_new(f, "ends_time", json_string("11:00"));
	json_object_set_new(f, "needs_choice", json_false());
	json_object_set(df, "day_date", json_object_get(x, "starts_date"));
	if (which && strcmp(which, "session") == 0) {
		merge_posted(ctx, f, session_keys);
		json_object_set_new(f, "needs_choice",
		                    json_boolean(web_form(ctx, "needs_choice") != NULL));
	} else if (which && strcmp(which, "day") == 0) {
		static const char *const day_keys[] = {"day_date", "label", NULL};

		merge_posted(ctx, df, day_keys);
	}
	json_object_set_new(d, "exchange", x);
	json_object_set_new(d, "sessions", json_incref(json_object_get(s, "sessions")));
	json_object_set_new(d, "days", json_incref(json_object_get(days, "days")));
	json_object_set_new(d, "rooms", json_incref(json_object_get(rooms, "rooms")));
	json_decref(s);
	json_decref(days);
	json_decref(rooms);
	json_object_set_new(d, "kind_options", session_kind_options(ctx));
	json_object_set_new(d, "form", f);
	json_object_set_new(d, "day_form", df);
	json_object_set_new(d, "errors", errs ? errs : json_object());
	return web_render(ctx, status, "exchange/sessions", d);
}

int ex__sessions_page(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0)
		return web_fail(ctx, rc, &e);
	return sessions_render(ctx, c, ex__param_id(ctx, "id"), 200, NULL, NULL);
}

/* A session from the add and change forms (the same fields); what cannot
 * be read goes into errs. */
static void session_from_form(struct web_ctx *ctx, json_t *errs, int64_t exchange_id,
                              struct ex_session_in *in)
{
	const char *date = web_form(ctx, "date");
	long room_cap = 0, cap = -1;

	memset(in, 0, sizeof(*in));
	in->exchange_id = exchange_id;
	in->kind = form_or(ctx, "kind", "");
	in->title = form_or(ctx, "title", "");
	in->summary_md = web_form(ctx, "summary");
	in->room = web_form(ctx, "room");
	in->needs_choice = web_form(ctx, "needs_choice") != NULL;
	if (!*in->title)
		web_errors_add(ctx, errs, "title", "Enter the session's title.");
	if (form_time(ctx, errs, "date", "starts_time", date, &in->starts_at) == 0)
		form_time(ctx, errs, "date", "ends_time", date, &in->ends_at);
	form_int(ctx, errs, "room_capacity", 0, CO_EX_MAX_CAPACITY, 0,
	         "Give the number of places as a whole number.", &room_cap);
	form_int(ctx, errs, "capacity", 0, CO_EX_MAX_CAPACITY, -1,
	         "Give the number of places as a whole number.", &cap);
	in->room_capacity = (int)room_cap;
	in->capacity = (int)cap;
}

/* A model refusal into the form's errors: 0, or the error to fail with. */
static int form_refusal(struct web_ctx *ctx, json_t *errs, int rc, const struct co_err *e)
{
	if (rc == CO_EINPUT || rc == CO_ECONFLICT) {
		ex__form_errors_from(ctx, errs, e);
		return 0;
	}
	return rc;
}

static const char *sessions_path(struct web_ctx *ctx, int64_t id)
{
	return co_arena_printf(ctx->arena, "/exchanges/%lld/sessions", (long long)id);
}

int ex__session_post(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), sid;
	struct ex_session_in in;
	struct db_conn *c;
	struct co_err e;
	json_t *errs = json_object();
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0) {
		json_decref(errs);
		return web_fail(ctx, rc, &e);
	}
	session_from_form(ctx, errs, id, &in);
	if (json_object_size(errs) == 0 &&
	    (rc = form_refusal(ctx, errs, ex_session_create(c, &in, &sid, &e), &e)) < 0) {
		json_decref(errs);
		return web_fail(ctx, rc, &e);
	}
	if (json_object_size(errs) > 0)
		return sessions_render(ctx, c, id, 400, errs, "session");
	json_decref(errs);
	ex_jobs_wake();
	web_flash(ctx, "success", "Saved.");
	return web_redirect(ctx, sessions_path(ctx, id));
}

/* The change form of a session: its stored fields, or what was posted. */
static int session_edit_render(struct web_ctx *ctx, struct db_conn *c, int64_t id, int64_t sid,
                               int status, json_t *errs)
{
	json_t *d = ex__page(ctx, "Change the session"), *x = NULL, *sess = NULL, *f, *own;
	struct co_err e;
	char num[24] = "";
	int rc;

	if ((rc = ex_json_exchange(c, id, 0, 1, &x, &e)) < 0 ||
	    (rc = ex_json_session(c, id, sid, &sess, &e)) < 0) {
		json_decref(d);
		json_decref(x);
		json_decref(errs);
		return web_fail(ctx, rc, &e);
	}
	own = json_object_get(sess, "own_capacity");
	if (json_is_integer(own))
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(own));
	f = json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:s,s:s,s:O}", "kind",
	              json_object_get(sess, "kind"), "title", json_object_get(sess, "title"),
	              "summary", json_object_get(sess, "summary"), "date",
	              json_object_get(sess, "starts_date"), "starts_time",
	              json_object_get(sess, "starts_time"), "ends_time",
	              json_object_get(sess, "ends_time"), "room", json_object_get(sess, "room"),
	              "room_capacity", "", "capacity", num, "needs_choice",
	              json_object_get(sess, "needs_choice"));
	if (errs) {
		merge_posted(ctx, f, session_keys);
		json_object_set_new(f, "needs_choice",
		                    json_boolean(web_form(ctx, "needs_choice") != NULL));
	}
	json_object_set_new(d, "exchange", x);
	json_object_set_new(d, "session", sess);
	json_object_set_new(d, "kind_options", session_kind_options(ctx));
	json_object_set_new(d, "form", f);
	json_object_set_new(d, "errors", errs ? errs : json_object());
	return web_render(ctx, status, "exchange/session_edit", d);
}

int ex__session_edit_page(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0)
		return web_fail(ctx, rc, &e);
	return session_edit_render(ctx, c, ex__param_id(ctx, "id"), ex__param_id(ctx, "session"),
	                           200, NULL);
}

int ex__session_edit_post(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), sid = ex__param_id(ctx, "session");
	struct ex_session_in in;
	struct db_conn *c;
	struct co_err e;
	json_t *errs = json_object();
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0) {
		json_decref(errs);
		return web_fail(ctx, rc, &e);
	}
	session_from_form(ctx, errs, id, &in);
	if (json_object_size(errs) == 0 &&
	    (rc = form_refusal(ctx, errs, ex_session_update(c, sid, &in, &e), &e)) < 0) {
		json_decref(errs);
		return web_fail(ctx, rc, &e);
	}
	if (json_object_size(errs) > 0)
		return session_edit_render(ctx, c, id, sid, 400, errs);
	json_decref(errs);
	ex_jobs_wake();
	web_flash(ctx, "success", "Saved.");
	return web_redirect(ctx, sessions_path(ctx, id));
}

/* Removing a session or a room from the sessions page: a refusal (it is
 * chosen, placed or in use) comes back on that page, its summary linking
 * to the row's button (id "delete-<what>-<id>"). */
static int remove_post(struct web_ctx *ctx, const char *what,
                       int (*del)(struct db_conn *, int64_t, int64_t, struct co_err *),
                       const char *flash)
{
	int64_t id = ex__param_id(ctx, "id"), oid = ex__param_id(ctx, what);
	struct db_conn *c;
	struct co_err e;
	json_t *errs;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0)
		return web_fail(ctx, rc, &e);
	rc = del(c, id, oid, &e);
	if (rc == CO_ECONFLICT) {
		snprintf(e.field, sizeof(e.field), "delete-%s-%lld", what, (long long)oid);
		errs = json_object();
		ex__errors_from(ctx, errs, &e);
		return sessions_render(ctx, c, id, 400, errs, NULL);
	}
	if (rc < 0)
		return web_fail(ctx, rc, &e);
	web_flash(ctx, "success", flash);
	return web_redirect(ctx, sessions_path(ctx, id));
}

int ex__session_delete_post(struct web_ctx *ctx)
{
	return remove_post(ctx, "session", ex_session_delete, "The session is removed.");
}

/* The change form of a room. */
static int room_edit_render(struct web_ctx *ctx, struct db_conn *c, int64_t id, int64_t rid,
                            int status, json_t *errs)
{
	json_t *d = ex__page(ctx, "Change the room"), *x = NULL, *rooms = NULL, *room = NULL, *v,
	       *f;
	struct co_err e;
	size_t i;
	int rc;

	if ((rc = ex_json_exchange(c, id, 0, 1, &x, &e)) < 0 ||
	    (rc = ex_json_rooms(c, id, &rooms, &e)) < 0) {
		json_decref(d);
		json_decref(x);
		json_decref(errs);
		return web_fail(ctx, rc, &e);
	}
	json_array_foreach(json_object_get(rooms, "rooms"), i, v)
	{
		if (json_integer_value(json_object_get(v, "id")) == rid)
			room = json_incref(v);
	}
	json_decref(rooms);
	if (!room) {
		json_decref(d);
		json_decref(x);
		json_decref(errs);
		return web_fail(ctx, CO_ENOTFOUND, &(struct co_err){.msg = "no such room"});
	}
	f = json_pack(
	        "{s:O,s:s}", "name", json_object_get(room, "name"), "capacity",
	        co_arena_printf(ctx->arena, "%lld",
	                        (long long)json_integer_value(json_object_get(room, "capacity"))));
	if (errs) {
		static const char *const keys[] = {"name", "capacity", NULL};

		merge_posted(ctx, f, keys);
	}
	json_object_set_new(d, "exchange", x);
	json_object_set_new(d, "room", room);
	json_object_set_new(d, "form", f);
	json_object_set_new(d, "errors", errs ? errs : json_object());
	return web_render(ctx, status, "exchange/room_edit", d);
}

int ex__room_edit_page(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0)
		return web_fail(ctx, rc, &e);
	return room_edit_render(ctx, c, ex__param_id(ctx, "id"), ex__param_id(ctx, "room"), 200,
	                        NULL);
}

int ex__room_edit_post(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), rid = ex__param_id(ctx, "room");
	const char *name = form_or(ctx, "name", "");
	struct db_conn *c;
	struct co_err e;
	json_t *errs = json_object();
	long cap = -1;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0) {
		json_decref(errs);
		return web_fail(ctx, rc, &e);
	}
	if (!*name)
		web_errors_add(ctx, errs, "name", "Enter the room's name.");
	if (form_int(ctx, errs, "capacity", 0, CO_EX_MAX_CAPACITY, -1,
	             "Give the number of places as a whole number.", &cap) == 0 &&
	    cap < 0)
		web_errors_add(ctx, errs, "capacity",
		               "Give the number of places as a whole number.");
	if (json_object_size(errs) == 0 &&
	    (rc = form_refusal(ctx, errs, ex_room_update(c, id, rid, name, (int)cap, &e), &e)) <
	            0) {
		json_decref(errs);
		return web_fail(ctx, rc, &e);
	}
	if (json_object_size(errs) > 0)
		return room_edit_render(ctx, c, id, rid, 400, errs);
	json_decref(errs);
	ex_jobs_wake();
	web_flash(ctx, "success", "Saved.");
	return web_redirect(ctx, sessions_path(ctx, id));
}

int ex__room_delete_post(struct web_ctx *ctx)
{
	return remove_post(ctx, "room", ex_room_delete, "The room is removed.");
}

int ex__day_post(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id");
	struct db_conn *c;
	struct co_err e;
	json_t *errs = json_object();
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0) {
		json_decref(errs);
		return web_fail(ctx, rc, &e);
	}
	rc = ex_conf_day_add(c, id, web_form(ctx, "day_date"), web_form(ctx, "label"), NULL, &e);
	if (rc == CO_EINPUT || rc == CO_ECONFLICT)
		web_errors_from(ctx, errs, &e);
	else if (rc < 0) {
		json_decref(errs);
		return web_fail(ctx, rc, &e);
	}
	if (json_object_size(errs) > 0)
		return sessions_render(ctx, c, id, 400, errs, "day");
	json_decref(errs);
	web_flash(ctx, "success", "Saved.");
	return web_redirect(ctx, sessions_path(ctx, id));
}

/* ---- host and venue roles ---- */

int ex__hosts_post(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), uid = 0;
	const char *email = form_or(ctx, "email", ""), *role = form_or(ctx, "role", "host");
	const char *back = co_arena_printf(ctx->arena, "/exchanges/%lld/host", (long long)id);
	char norm[ACCT_EMAIL_MAX + 1];
	struct db_conn *c;
	struct co_err e;
	int rc;

	if (strcmp(role, "host") != 0 && strcmp(role, "venue") != 0) {
		web_flash(ctx, "warning", "Choose host or venue.");
		return web_redirect(ctx, back);
	}
	if ((rc = ex__db(ctx, &c, &e)) < 0)
		return web_fail(ctx, rc, &e);
	if (acct_email_normalise(email, norm, &e) < 0) {
		web_flash(ctx, "warning", "Enter an email address, like name@example.org.");
		return web_redirect(ctx, back);
	}
	rc = db_query_int(c, "SELECT id FROM users WHERE email = ?", DB_ARGS(DB_T(norm)), &uid, &e);
	if (rc == CO_ENOTFOUND) {
		web_flash(ctx, "warning", "No account has this email address.");
		return web_redirect(ctx, back);
	}
	if (rc == 0)
		rc = acct_membership_add(c, ctx->user->id, uid, "exchange", id, role, &e);
	if (rc == CO_ECONFLICT) {
		web_flash(ctx, "warning", "This person already has that role.");
		return web_redirect(ctx, back);
	}
	if (rc < 0)
		return web_fail(ctx, rc, &e);
	web_flash(ctx, "success", "Saved.");
	return web_redirect(ctx, back);
}

/* ---- showcase slots ---- */

static int showcase_render(struct web_ctx *ctx, struct db_conn *c, int64_t id, int status,
                           json_t *errs, int64_t posted_sub)
{
	json_t *d = ex__page(ctx, "Showcase slots"), *x = NULL, *sc = NULL, *s = NULL, *sopts,
	       *sess, *sub;
	struct co_err e;
	size_t i;
	int rc;

	if ((rc = ex_json_exchange(c, id, 0, 0, &x, &e)) < 0 ||
	    (rc = ex_json_showcase(c, id, 0, &sc, &e)) < 0 ||
	    (rc = ex_json_sessions(c, id, 0, &s, &e)) < 0) {
		json_decref(d);
		json_decref(x);
		json_decref(sc);
		json_decref(errs);
		return web_fail(ctx, rc, &e);
	}
	sopts = json_array();
	json_array_foreach(json_object_get(s, "sessions"), i, sess)
	{
		char v[24];

		if (strcmp(json_string_value(json_object_get(sess, "kind")), "showcase") != 0)
			continue;
		snprintf(v, sizeof(v), "%lld",
		         (long long)json_integer_value(json_object_get(sess, "id")));
		json_array_append_new(
		        sopts,
		        opt(v, co_arena_printf(
		                       ctx->arena, "%s (%s %s-%s)",
		                       json_string_value(json_object_get(sess, "title")),
		                       json_string_value(json_object_get(sess, "starts_date")),
		                       json_string_value(json_object_get(sess, "starts_time")),
		                       json_string_value(json_object_get(sess, "ends_time")))));
	}
	json_decref(s);
	/* Each submission's form: posted values for the one refused. */
	json_array_foreach(json_object_get(sc, "submissions"), i, sub)
	{
		int64_t sid = json_integer_value(json_object_get(sub, "id"));
		json_t *f = json_object();

		json_object_set_new(f, "session", json_string(""));
		json_object_set_new(f, "starts_time",
		                    text_or_empty(json_object_get(sub, "slot_starts_time")));
		json_object_set_new(f, "ends_time",
		                    text_or_empty(json_object_get(sub, "slot_ends_time")));
		json_object_set_new(f, "position",
		                    text_or_empty(json_object_get(sub, "slot_position")));
		if (sid == posted_sub) {
			static const char *const keys[] = {"session", "starts_time", "ends_time",
			                                   "position", NULL};

			merge_posted(ctx, f, keys);
		}
		json_object_set_new(sub, "form", f);
	}
	json_object_set_new(d, "exchange", x);
	json_object_set_new(d, "submissions", json_incref(json_object_get(sc, "submissions")));
	json_decref(sc);
	json_object_set_new(d, "session_options", sopts);
	json_object_set_new(d, "errors", errs ? errs : json_object());
	return web_render(ctx, status, "exchange/showcase", d);
}

int ex__showcase_page(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0)
		return web_fail(ctx, rc, &e);
	return showcase_render(ctx, c, ex__param_id(ctx, "id"), 200, NULL, 0);
}

int ex__slot_post(struct web_ctx *ctx)
{
	int64_t id = ex__param_id(ctx, "id"), session = 0, xid = 0, start = 0, end = 0;
	const char *sv = web_form(ctx, "session");
	struct db_conn *c;
	struct co_err e;
	json_t *errs = json_object();
	char field[64], *endp;
	char date[16] = "";
	int rc;

	if ((rc = ex__db(ctx, &c, &e)) < 0)
		goto fail;
	/* The conference the submission belongs to: where to go back. */
	rc = db_query_int(c,
	                  "SELECT k.exchange_id FROM ex_submissions s JOIN ex_showcase_calls k ON "
	                  "k.id = s.call_id WHERE s.id = ?",
	                  DB_ARGS(DB_I(id)), &xid, &e);
	if (rc < 0)
		goto fail;
	session = sv ? strtoll(sv, &endp, 10) : 0;
	if (!sv || *endp || session <= 0) {
		snprintf(field, sizeof(field), "s%lld-session", (long long)id);
		web_errors_add(ctx, errs, field, "Choose a showcase session.");
	} else {
		struct db_rows *r;

		rc = db_query(c,
		              "SELECT starts_at FROM ex_sessions WHERE id = ? AND exchange_id = ?",
		              DB_ARGS(DB_I(session), DB_I(xid)), &r, &e);
		if (rc < 0)
			goto fail;
		rc = db_rows_next(r, &e);
		if (rc > 0) {
			char local[32];

			ex_time_format_local(db_int(r, 0), local, sizeof(local));
			snprintf(date, sizeof(date), "%.10s", local);
		}
		db_rows_free(r);
		if (rc < 0)
			goto fail;
		if (!date[0]) {
			snprintf(field, sizeof(field), "s%lld-session", (long long)id);
			web_errors_add(ctx, errs, field, "Choose a showcase session.");
		}
	}
	if (date[0]) {
		snprintf(field, sizeof(field), "s%lld-starts_time", (long long)id);
		if (ex_time_parse_local(date, web_form(ctx, "starts_time"), NULL, &start, &e) < 0)
			web_errors_add(ctx, errs, field,
			               "Enter a UK time as HH:MM, such as 09:30.");
		snprintf(field, sizeof(field), "s%lld-ends_time", (long long)id);
		if (ex_time_parse_local(date, web_form(ctx, "ends_time"), NULL, &end, &e) < 0)
			web_errors_add(ctx, errs, field,
			               "Enter a UK time as HH:MM, such as 09:30.");
	}
	if (json_object_size(errs) == 0) {
		rc = ex_slot_set(c, id, session, start, end, web_form(ctx, "position"), &e);
		if (rc == CO_EINPUT || rc == CO_ECONFLICT) {
			snprintf(field, sizeof(field), "s%lld-%s", (long long)id,
			         strcmp(e.field, "session") == 0 ? "session" : "starts_time");
			web_errors_add(ctx, errs, field, e.msg);
		} else if (rc < 0)
			goto fail;
	}
	if (json_object_size(errs) > 0)
		return showcase_render(ctx, c, xid, 400, errs, id);
	json_decref(errs);
	web_flash(ctx, "success", "Saved.");
	return web_redirect(
	        ctx, co_arena_printf(ctx->arena, "/exchanges/%lld/showcase", (long long)xid));
fail:
	json_decref(errs);
	return web_fail(ctx, rc, &e);
}
