/*
 * ex_manage.c - validated writes and read models of the Exchange module.
 */
#include "mod/exchange/ex_manage.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "mod/accounts/acct.h"
#include "mod/exchange/ex_audit.h"
#include "mod/exchange/ex_ics.h"
#include "mod/exchange/ex_out.h"
#include "mod/exchange/ex_rules.h"
#include "mod/exchange/ex_store.h"
#include "mod/exchange/ex_time.h"

#define TRY(x)                                                                                     \
	do {                                                                                       \
		if ((rc = (x)) < 0)                                                                \
			goto out;                                                                  \
	} while (0)

/* ---- validation ---- */

static int need_text(const char *v, const char *field, size_t max, struct co_err *e)
{
	if (!v || !*v)
		return co_errf_at(e, CO_EINPUT, 0, 0, field, "is required");
	if (strlen(v) > max)
		return co_errf_at(e, CO_EINPUT, 0, 0, field, "is longer than %zu characters", max);
	return 0;
}

static int opt_text(const char *v, const char *field, size_t max, struct co_err *e)
{
	if (v && strlen(v) > max)
		return co_errf_at(e, CO_EINPUT, 0, 0, field, "is longer than %zu characters", max);
	return 0;
}

static const char *s0(const char *s)
{
	return s ? s : "";
}

static int slug_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return 0;
	return 1;
}

static int url_ok(const char *u)
{
	if (!u || !*u)
		return 1;
	if (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0)
		return 0;
	return strpbrk(u, " \t\r\n\"<>") == NULL && strlen(u) <= 2000;
}

/* ---- programmes ---- */

/* What a programme's fields must be, on create and on change alike. */
static int programme_check(const struct ex_programme_in *in, struct co_err *e)
{
	int rc, i, j;

	if ((rc = need_text(in->name, "name", CO_EX_MAX_TITLE, e)) < 0 ||
	    (rc = opt_text(in->summary, "summary", CO_EX_MAX_TEXT, e)) < 0)
		return rc;
	if (in->deadline <= in->opens_at)
		return co_errf_at(e, CO_EINPUT, 0, 0, "signup_deadline",
		                  "the sign-up deadline must be after sign-up opens");
	if (in->offer_hours < 0 || in->offer_hours > 720)
		return co_errf_at(e, CO_EINPUT, 0, 0, "offer_hours",
		                  "an offer lasts between 1 and 720 hours");
	if (in->nthemes < 0 || in->nthemes > EX_MAX_THEMES)
		return co_errf_at(e, CO_EINPUT, 0, 0, "themes", "at most %d themes", EX_MAX_THEMES);
	for (i = 0; i < in->nthemes; i++) {
		if ((rc = need_text(in->themes[i], "themes", CO_EX_MAX_TITLE, e)) < 0)
			return rc;
		for (j = 0; j < i; j++)
			if (strcmp(in->themes[i], in->themes[j]) == 0)
				return co_errf_at(e, CO_EINPUT, 0, 0, "themes",
				                  "the theme '%s' is listed twice", in->themes[i]);
	}
	return 0;
}

int ex_programme_create(struct db_conn *c, const struct ex_programme_in *in, int64_t now,
                        int64_t *id, struct co_err *e)
{
	int64_t pid;
	int rc, i;

	if (!slug_ok(in->slug))
		return co_errf_at(e, CO_EINPUT, 0, 0, "slug",
		                  "use lower-case letters, digits and hyphens (at most 64)");
	if ((rc = programme_check(in, e)) < 0)
		return rc;
	TRY(db_begin(c, DB_TX_WRITE, e));
	rc = db_query_int(
	        c,
	        "INSERT INTO ex_programmes (slug, name, summary, signup_opens_at, signup_deadline, "
	        "approval_needed, pending_holds_place, offer_hours, allotments_release_at, "
	        "needs_retention_days, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
	        "?, "
	        "?, ?) RETURNING id",
	        DB_ARGS(DB_T(in->slug), DB_T(in->name), DB_T(s0(in->summary)), DB_I(in->opens_at),
	                DB_I(in->deadline), DB_I(in->approval_needed ? 1 : 0),
	                DB_I(in->pending_holds_place ? 1 : 0),
	                DB_I(in->offer_hours > 0 ? in->offer_hours : 48),
	                in->release_at ? DB_I(in->release_at) : DB_NUL,
	                DB_I(in->needs_retention_days >= 0 ? in->needs_retention_days : 30),
	                DB_I(now), DB_I(now)),
	        &pid, e);
	if (rc == CO_ECONFLICT) {
		co_errf_at(e, CO_ECONFLICT, 0, 0, "slug",
		           "a programme with this short name exists");
		goto out;
	}
	TRY(rc);
	for (i = 0; i < in->nthemes; i++)
		TRY(db_exec(c,
		            "INSERT INTO ex_themes (programme_id, position, name) VALUES (?, ?, ?)",
		            DB_ARGS(DB_I(pid), DB_I(i + 1), DB_T(in->themes[i])), NULL, e));
	TRY(ex__audit(c, -1, NULL, "programme.create", "ex_programmes", "programme", pid, NULL, e));
	TRY(db_commit(c, e));
	*id = pid;
	return 0;
out:
	db_rollback(c);
	return rc;
}

/* The programme's row with its themes' names, for the audit log. */
static int programme_audit_row(struct db_conn *c, int64_t id, json_t **out, struct co_err *e)
{
	struct db_rows *r;
	json_t *o = NULL, *names = json_array();
	int rc;

	if ((rc = ex__audit_row(c, "ex_programmes", id, &o, e)) < 0)
		goto out;
	rc = db_query(c, "SELECT name FROM ex_themes WHERE programme_id = ? ORDER BY position",
	              DB_ARGS(DB_I(id)), &r, e);
	if (rc < 0)
		goto out;
	while ((rc = db_rows_next(r, e)) > 0)
		json_array_append_new(names, json_string(s0(db_text(r, 0))));
	db_rows_free(r);
	if (rc < 0)
		goto out;
	if (o)
		json_object_set(o, "themes", names);
	json_decref(names);
	*out = o;
	return 0;
out:
	json_decref(o);
	json_decref(names);
	return rc;
}

int ex_programme_update(struct db_conn *c, int64_t id, const struct ex_programme_in *in,
                        int64_t now, struct co_err *e)
{
	json_t *before = NULL, *after = NULL;
	int64_t changed = 0, tid;
	int rc, i;

	if ((rc = programme_check(in, e)) < 0)
		return rc;
	TRY(db_begin(c, DB_TX_WRITE, e));
	TRY(programme_audit_row(c, id, &before, e));
	TRY(db_exec(c,
	            "UPDATE ex_programmes SET name = ?, summary = ?, signup_opens_at = ?, "
	            "signup_deadline = ?, approval_needed = ?, pending_holds_place = ?, "
	            "offer_hours = ?, allotments_release_at = ?, needs_retention_days = ?, "
	            "updated_at = ? WHERE id = ?",
	            DB_ARGS(DB_T(in->name), DB_T(s0(in->summary)), DB_I(in->opens_at),
	                    DB_I(in->deadline), DB_I(in->approval_needed ? 1 : 0),
	                    DB_I(in->pending_holds_place ? 1 : 0),
	                    DB_I(in->offer_hours > 0 ? in->offer_hours : 48),
	                    in->release_at ? DB_I(in->release_at) : DB_NUL,
	                    DB_I(in->needs_retention_days >= 0 ? in->needs_retention_days : 30),
	                    DB_I(now), DB_I(id)),
	            &changed, e));
	if (changed == 0) {
		rc = co_errf(e, CO_ENOTFOUND, "no such programme");
		goto out;
	}
	/* Themes by name: a kept theme keeps its id (and its exchanges); a
	 * removed one leaves its exchanges without a theme. Positions are
	 * moved out of the way first. */
	TRY(db_exec(c, "UPDATE ex_themes SET position = position + 1000 WHERE programme_id = ?",
	            DB_ARGS(DB_I(id)), NULL, e));
	for (i = 0; i < in->nthemes; i++) {
		rc = db_query_int(c, "SELECT id FROM ex_themes WHERE programme_id = ? AND name = ?",
		                  DB_ARGS(DB_I(id), DB_T(in->themes[i])), &tid, e);
		if (rc == CO_ENOTFOUND)
			rc = db_exec(c,
			             "INSERT INTO ex_themes (programme_id, position, name) VALUES "
			             "(?, ?, ?)",
			             DB_ARGS(DB_I(id), DB_I(i + 1), DB_T(in->themes[i])), NULL, e);
		else if (rc == 0)
			rc = db_exec(c, "UPDATE ex_themes SET position = ? WHERE id = ?",
			             DB_ARGS(DB_I(i + 1), DB_I(tid)), NULL, e);
		TRY(rc);
	}
	TRY(db_exec(c, "DELETE FROM ex_themes WHERE programme_id = ? AND position > 1000",
	            DB_ARGS(DB_I(id)), NULL, e));
	TRY(programme_audit_row(c, id, &after, e));
	TRY(acct_audit(c, ex_audit_actor(), ex_audit_address(), "programme.update", "programme", id,
	               before, after, e));
	TRY(db_commit(c, e));
	json_decref(before);
	json_decref(after);
	return 0;
out:
	json_decref(before);
	json_decref(after);
	db_rollback(c);
	return rc;
}

int ex_allotment_set(struct db_conn *c, int64_t programme_id, int64_t org_id, int places,
                     struct co_err *e)
{
	int64_t changed = 0, old = -1;
	json_t *before = NULL, *after = NULL;
	int rc;

	if (places < 0 || places > CO_EX_MAX_CAPACITY)
		return co_errf_at(e, CO_EINPUT, 0, 0, "places", "must be between 0 and %d",
		                  CO_EX_MAX_CAPACITY);
	TRY(db_begin(c, DB_TX_WRITE, e));
	rc = db_query_int(c,
	                  "SELECT places FROM ex_allotments WHERE programme_id = ? AND org_id = ?",
	                  DB_ARGS(DB_I(programme_id), DB_I(org_id)), &old, e);
	if (rc == CO_ENOTFOUND)
		rc = 0;
	TRY(rc);
	TRY(db_exec(c, "UPDATE ex_allotments SET places = ? WHERE programme_id = ? AND org_id = ?",
	            DB_ARGS(DB_I(places), DB_I(programme_id), DB_I(org_id)), &changed, e));
	if (changed == 0)
		TRY(db_exec(
		        c,
		        "INSERT INTO ex_allotments (programme_id, org_id, places) VALUES (?, ?, "
		        "?)",
		        DB_ARGS(DB_I(programme_id), DB_I(org_id), DB_I(places)), NULL, e));
	/* On the programme: an allotment has no id of its own. */
	if (old >= 0)
		before = json_pack("{s:I,s:I}", "org_id", (json_int_t)org_id, "places",
		                   (json_int_t)old);
	after = json_pack("{s:I,s:i}", "org_id", (json_int_t)org_id, "places", places);
	TRY(acct_audit(c, ex_audit_actor(), ex_audit_address(), "allotment.set", "programme",
	               programme_id, before, after, e));
	TRY(db_commit(c, e));
	json_decref(before);
	json_decref(after);
	return 0;
out:
	json_decref(before);
	json_decref(after);
	db_rollback(c);
	return rc;
}

/* ---- exchanges ---- */

static int check_exchange(struct db_conn *c, const struct ex_exchange_in *in, struct co_err *e)
{
	int64_t n;
	int rc;

	if ((rc = need_text(in->topic, "topic", CO_EX_MAX_TITLE, e)) < 0)
		return rc;
	if (!ex_mode_valid(in->mode))
		return co_errf_at(e, CO_EINPUT, 0, 0, "mode", "choose online, on site or hybrid");
	if (strcmp(in->mode, "online") != 0 && (!in->address || !*in->address))
		return co_errf_at(e, CO_EINPUT, 0, 0, "address",
		                  "an exchange on site needs an address");
	if ((rc = opt_text(in->address, "address", CO_EX_MAX_TITLE, e)) < 0 ||
	    (rc = opt_text(in->region, "region", CO_EX_MAX_TITLE, e)) < 0 ||
	    (rc = opt_text(in->host_team_name, "host_team", CO_EX_MAX_TITLE, e)) < 0 ||
	    (rc = opt_text(in->access_info, "access_info", CO_EX_MAX_TEXT, e)) < 0 ||
	    (rc = opt_text(in->description_md, "description", CO_EX_MAX_TEXT, e)) < 0)
		return rc;
	if (!url_ok(in->online_url))
		return co_errf_at(e, CO_EINPUT, 0, 0, "online_url",
		                  "the online link must be an http or https address");
	if ((rc = ex_check_times(in->starts_at, in->ends_at, e)) < 0)
		return rc;
	if (in->capacity < 0 || in->capacity > CO_EX_MAX_CAPACITY)
		return co_errf_at(e, CO_EINPUT, 0, 0, "capacity", "must be between 0 and %d",
		                  CO_EX_MAX_CAPACITY);
	if (in->reserved_places < 0 || in->reserved_places > in->capacity)
		return co_errf_at(e, CO_EINPUT, 0, 0, "reserved_places",
		                  "cannot be more than the capacity");
	if (in->kind && strcmp(in->kind, "exchange") != 0 && strcmp(in->kind, "conference") != 0)
		return co_errf_at(e, CO_EINPUT, 0, 0, "kind", "is exchange or conference");
	rc = db_query_int(c, "SELECT COUNT(*) FROM ex_programmes WHERE id = ?",
	                  DB_ARGS(DB_I(in->programme_id)), &n, e);
	if (rc < 0)
		return rc;
	if (n == 0)
		return co_errf_at(e, CO_EINPUT, 0, 0, "programme", "no such programme");
	if (in->theme_id) {
		rc = db_query_int(
		        c, "SELECT COUNT(*) FROM ex_themes WHERE id = ? AND programme_id = ?",
		        DB_ARGS(DB_I(in->theme_id), DB_I(in->programme_id)), &n, e);
		if (rc < 0)
			return rc;
		if (n == 0)
			return co_errf_at(e, CO_EINPUT, 0, 0, "theme",
			                  "the theme is not one of the programme's");
	}
	if (in->host_org_id) {
		rc = db_query_int(c, "SELECT COUNT(*) FROM organisations WHERE id = ?",
		                  DB_ARGS(DB_I(in->host_org_id)), &n, e);
		if (rc < 0)
			return rc;
		if (n == 0)
			return co_errf_at(e, CO_EINPUT, 0, 0, "host_org", "no such organisation");
	}
	return 0;
}

int ex_exchange_create(struct db_conn *c, const struct ex_exchange_in *in, int64_t now, int64_t *id,
                       struct co_err *e)
{
	int64_t xid;
	int rc;

	if ((rc = check_exchange(c, in, e)) < 0)
		return rc;
	if ((rc = db_begin(c, DB_TX_WRITE, e)) < 0)
		return rc;
	rc = db_query_int(c,
	                  "INSERT INTO ex_exchanges (programme_id, kind, host_org_id, "
	                  "host_team_name, theme_id, "
	                  "topic, mode, address, region, access_info, online_url, starts_at, "
	                  "ends_at, capacity, "
	                  "reserved_places, description_md, created_at, updated_at) VALUES (?, ?, "
	                  "?, ?, ?, ?, "
	                  "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
	                  DB_ARGS(DB_I(in->programme_id), DB_T(in->kind ? in->kind : "exchange"),
	                          in->host_org_id ? DB_I(in->host_org_id) : DB_NUL,
	                          DB_T(s0(in->host_team_name)),
	                          in->theme_id ? DB_I(in->theme_id) : DB_NUL, DB_T(in->topic),
	                          DB_T(in->mode), DB_T(s0(in->address)), DB_T(s0(in->region)),
	                          DB_T(s0(in->access_info)), DB_T(s0(in->online_url)),
	                          DB_I(in->starts_at), DB_I(in->ends_at), DB_I(in->capacity),
	                          DB_I(in->reserved_places), DB_T(s0(in->description_md)),
	                          DB_I(now), DB_I(now)),
	                  &xid, e);
	if (rc == 0)
		rc = ex__audit(c, -1, NULL, "exchange.create", "ex_exchanges", "exchange", xid,
		               NULL, e);
	if (rc == 0)
		rc = db_commit(c, e);
	if (rc < 0) {
		db_rollback(c);
		return rc;
	}
	*id = xid;
	return 0;
}

int ex_exchange_update(struct db_conn *c, int64_t id, const struct ex_exchange_in *in, int64_t now,
                       struct co_err *e)
{
	struct ex_exchange_in cur = *in;
	struct ex_counts n;
	struct ex_policy p;
	struct db_rows *r;
	json_t *before = NULL;
	int rc, changed_where = 0, capacity = 0;

	/* Programme and kind are the stored ones. */
	TRY(db_query(c,
	             "SELECT programme_id, kind, starts_at, ends_at, mode, address, online_url, "
	             "capacity FROM ex_exchanges WHERE id = ?",
	             DB_ARGS(DB_I(id)), &r, e));
	rc = db_rows_next(r, e);
	if (rc == 0)
		rc = co_errf(e, CO_ENOTFOUND, "no such exchange");
	if (rc > 0) {
		cur.programme_id = db_int(r, 0);
		cur.kind = NULL;
		changed_where = db_int(r, 2) != in->starts_at || db_int(r, 3) != in->ends_at ||
		                strcmp(s0(db_text(r, 4)), s0(in->mode)) != 0 ||
		                strcmp(s0(db_text(r, 5)), s0(in->address)) != 0 ||
		                strcmp(s0(db_text(r, 6)), s0(in->online_url)) != 0;
		capacity = (int)db_int(r, 7);
		rc = 0;
	}
	db_rows_free(r);
	if (rc < 0)
		return rc;
	if ((rc = check_exchange(c, &cur, e)) < 0)
		return rc;
	/* Capacity first: its own locked transaction refuses a drop below the
	 * places taken and offers new places. Then the rest. */
	if (capacity != in->capacity) {
		TRY(ex_exchange_counts(c, id, &n, &p, e));
		TRY(ex_check_capacity(in->capacity, &n, &p, e));
	}
	TRY(db_begin(c, DB_TX_WRITE, e));
	TRY(ex__audit_row(c, "ex_exchanges", id, &before, e));
	TRY(db_exec(
	        c,
	        "UPDATE ex_exchanges SET host_org_id = ?, host_team_name = ?, theme_id = ?, "
	        "topic = ?, mode = ?, address = ?, region = ?, access_info = ?, online_url = ?, "
	        "starts_at = ?, ends_at = ?, reserved_places = ?, description_md = ?, "
	        "sequence = sequence + ?, updated_at = ? WHERE id = ?",
	        DB_ARGS(in->host_org_id ? DB_I(in->host_org_id) : DB_NUL,
	                DB_T(s0(in->host_team_name)), in->theme_id ? DB_I(in->theme_id) : DB_NUL,
	                DB_T(in->topic), DB_T(in->mode), DB_T(s0(in->address)),
	                DB_T(s0(in->region)), DB_T(s0(in->access_info)), DB_T(s0(in->online_url)),
	                DB_I(in->starts_at), DB_I(in->ends_at), DB_I(in->reserved_places),
	                DB_T(s0(in->description_md)), DB_I(changed_where ? 1 : 0), DB_I(now),
	                DB_I(id)),
	        NULL, e));
	TRY(ex__audit(c, -1, NULL, "exchange.update", "ex_exchanges", "exchange", id, before, e));
	TRY(db_commit(c, e));
	json_decref(before);
	before = NULL;
	if (capacity != in->capacity)
		TRY(ex_set_capacity(c, id, in->capacity, now, NULL, e));
	return 0;
out:
	json_decref(before);
	db_rollback(c);
	return rc;
}

int ex_exchange_cancel(struct db_conn *c, int64_t id, int64_t now, struct co_err *e)
{
	int64_t changed = 0;
	json_t *before = NULL;
	int rc;

	TRY(db_begin(c, DB_TX_WRITE, e));
	TRY(ex__audit_row(c, "ex_exchanges", id, &before, e));
	TRY(db_exec(c,
	            "UPDATE ex_exchanges SET status = 'cancelled', sequence = sequence + 1, "
	            "updated_at = ? WHERE id = ? AND status <> 'cancelled'",
	            DB_ARGS(DB_I(now), DB_I(id)), &changed, e));
	if (changed == 0) {
		rc = co_errf(e, CO_ECONFLICT, "no such exchange, or it is already cancelled");
		goto out;
	}
	TRY(ex__audit(c, -1, NULL, "exchange.cancel", "ex_exchanges", "exchange", id, before, e));
	TRY(db_commit(c, e));
	json_decref(before);
	return 0;
out:
	json_decref(before);
	db_rollback(c);
	return rc;
}

/* ---- needs, nights ---- */

int ex_needs_set(struct db_conn *c, int64_t registration_id, const char *dietary,
                 const char *access, int64_t now, struct co_err *e)
{
	struct db_rows *r;
	int64_t ends = 0, days = 30;
	json_t *after = NULL;
	int rc;

	if ((rc = opt_text(dietary, "dietary", CO_EX_MAX_TEXT, e)) < 0 ||
	    (rc = opt_text(access, "access", CO_EX_MAX_TEXT, e)) < 0)
		return rc;
	TRY(db_begin(c, DB_TX_WRITE, e));
	TRY(db_query(c,
	             "SELECT x.ends_at, p.needs_retention_days FROM ex_registrations g "
	             "JOIN ex_exchanges x ON x.id = g.exchange_id JOIN ex_programmes p ON p.id = "
	             "x.programme_id WHERE g.id = ?",
	             DB_ARGS(DB_I(registration_id)), &r, e));
	rc = db_rows_next(r, e);
	if (rc == 0)
		rc = co_errf(e, CO_ENOTFOUND, "no such registration");
	if (rc > 0) {
		ends = db_int(r, 0);
		days = db_int(r, 1);
		rc = 0;
	}
	db_rows_free(r);
	TRY(rc);
	TRY(db_exec(c, "DELETE FROM ex_needs WHERE registration_id = ?",
	            DB_ARGS(DB_I(registration_id)), NULL, e));
	if (s0(dietary)[0] || s0(access)[0])
		TRY(db_exec(c,
		            "INSERT INTO ex_needs (registration_id, dietary, access, purge_after, "
		            "updated_at) VALUES (?, ?, ?, ?, ?)",
		            DB_ARGS(DB_I(registration_id), DB_T(s0(dietary)), DB_T(s0(access)),
		                    DB_I(ends + days * 86400), DB_I(now)),
		            NULL, e));
	/* Only whether needs were given: their text is personal and is purged
	 * after the exchange, so the log never holds it. */
	after = json_pack("{s:b,s:b}", "dietary_given", s0(dietary)[0] != 0, "access_given",
	                  s0(access)[0] != 0);
	TRY(acct_audit(c, ex_audit_actor(), ex_audit_address(),
	               s0(dietary)[0] || s0(access)[0] ? "needs.set" : "needs.delete",
	               "registration", registration_id, NULL, after, e));
	TRY(db_commit(c, e));
	json_decref(after);
	return 0;
out:
	json_decref(after);
	db_rollback(c);
	return rc;
}

int ex_needs_purge(struct db_conn *c, int64_t now, int *deleted, struct co_err *e)
{
	enum { BATCH = 256 };
	int64_t ids[BATCH], n = 0;
	int given[BATCH][2];
	json_t *before = NULL;
	struct db_rows *r;
	int rc, k, got, total = 0;

	/* In batches, each its own transaction: a row is deleted and its
	 * deletion audited (whether needs were given, never their text) by
	 * the runner whose DELETE removed it, so that several runners at once
	 * record each deletion once. */
	do {
		TRY(db_begin(c, DB_TX_WRITE, e));
		TRY(db_query(c,
		             "SELECT registration_id, dietary, access FROM ex_needs WHERE "
		             "purge_after <= ? ORDER BY registration_id LIMIT 256",
		             DB_ARGS(DB_I(now)), &r, e));
		got = 0;
		while ((rc = db_rows_next(r, e)) > 0 && got < BATCH) {
			ids[got] = db_int(r, 0);
			given[got][0] = s0(db_text(r, 1))[0] != 0;
			given[got][1] = s0(db_text(r, 2))[0] != 0;
			got++;
		}
		db_rows_free(r);
		TRY(rc);
		for (k = 0; k < got; k++) {
			TRY(db_exec(c,
			            "DELETE FROM ex_needs WHERE registration_id = ? AND "
			            "purge_after <= ?",
			            DB_ARGS(DB_I(ids[k]), DB_I(now)), &n, e));
			if (n == 0)
				continue;
			before = json_pack("{s:b,s:b}", "dietary_given", given[k][0],
			                   "access_given", given[k][1]);
			TRY(acct_audit(c, ex_audit_actor(), ex_audit_address(), "needs.purge",
			               "registration", ids[k], before, NULL, e));
			json_decref(before);
			before = NULL;
			total++;
		}
		TRY(db_commit(c, e));
	} while (got == BATCH);
	if (deleted)
		*deleted = total;
	return 0;
out:
	json_decref(before);
	db_rollback(c);
	return rc;
}

static int date_ok(const char *d)
{
	int64_t t;

	return d && strlen(d) == 10 && ex_time_parse_local(d, "12:00", NULL, &t, NULL) == 0;
}

/* {"nights": [dates in order]} of a registration, for the audit log. */
/* A query's rows as a JSON array, one value per row made by row(), under
 * key: *out is {key: [...]}. */
static int rows_json(struct db_conn *c, const char *sql, const struct db_val *params, int n,
                     json_t *(*row)(struct db_rows *), const char *key, json_t **out,
                     struct co_err *e)
{
	struct db_rows *r;
	json_t *list = json_array();
	int rc;

	if ((rc = db_query(c, sql, params, n, &r, e)) < 0)
		goto fail;
	while ((rc = db_rows_next(r, e)) > 0)
		json_array_append_new(list, row(r));
	db_rows_free(r);
	if (rc < 0)
		goto fail;
	*out = json_pack("{s:o}", key, list);
	return 0;
fail:
	json_decref(list);
	return rc;
}

static json_t *night_row(struct db_rows *r)
{
	return json_string(s0(db_text(r, 0)));
}

static int nights_json(struct db_conn *c, int64_t registration_id, json_t **out, struct co_err *e)
{
	return rows_json(c,
	                 "SELECT night_date FROM ex_accommodation WHERE registration_id = ? ORDER "
	                 "BY night_date",
	                 DB_ARGS(DB_I(registration_id)), night_row, "nights", out, e);
}

int ex_nights_set(struct db_conn *c, int64_t registration_id, const char *const *nights, int n,
                  struct co_err *e)
{
	json_t *before = NULL, *after = NULL;
	int i, rc;

	if (n < 0 || n > 31)
		return co_errf_at(e, CO_EINPUT, 0, 0, "nights", "at most 31 nights");
	for (i = 0; i < n; i++)
		if (!date_ok(nights[i]))
			return co_errf_at(e, CO_EINPUT, 0, 0, "nights",
			                  "a night is a date as YYYY-MM-DD");
	TRY(db_begin(c, DB_TX_WRITE, e));
	TRY(nights_json(c, registration_id, &before, e));
	TRY(db_exec(c, "DELETE FROM ex_accommodation WHERE registration_id = ?",
	            DB_ARGS(DB_I(registration_id)), NULL, e));
	for (i = 0; i < n; i++) {
		int j, dup = 0;

		for (j = 0; j < i; j++)
			dup |= strcmp(nights[i], nights[j]) == 0;
		if (!dup)
			TRY(db_exec(c,
			            "INSERT INTO ex_accommodation (registration_id, night_date) "
			            "VALUES (?, ?)",
			            DB_ARGS(DB_I(registration_id), DB_T(nights[i])), NULL, e));
	}
	TRY(nights_json(c, registration_id, &after, e));
	TRY(acct_audit(c, ex_audit_actor(), ex_audit_address(), "nights.set", "registration",
	               registration_id, before, after, e));
	TRY(db_commit(c, e));
	json_decref(before);
	json_decref(after);
	return 0;
out:
	json_decref(before);
	json_decref(after);
	db_rollback(c);
	return rc;
}

/* ---- insights, showcase ---- */

int ex_insight_add(struct db_conn *c, int64_t exchange_id, int64_t author_id, int by_host,
                   const char *learned, const char *ideas, const char *actions, int64_t now,
                   int64_t *id, struct co_err *e)
{
	int64_t iid;
	int rc;

	if ((rc = opt_text(learned, "learned", CO_EX_MAX_TEXT, e)) < 0 ||
	    (rc = opt_text(ideas, "ideas", CO_EX_MAX_TEXT, e)) < 0 ||
	    (rc = opt_text(actions, "actions", CO_EX_MAX_TEXT, e)) < 0)
		return rc;
	if (!s0(learned)[0] && !s0(ideas)[0] && !s0(actions)[0])
		return co_errf_at(e, CO_EINPUT, 0, 0, "learned",
		                  "write what was learned, an idea to spread or an action");
	TRY(db_begin(c, DB_TX_WRITE, e));
	rc = db_query_int(
	        c,
	        "INSERT INTO ex_insights (exchange_id, author_id, by_host, learned, ideas, "
	        "actions, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
	        "RETURNING id",
	        DB_ARGS(DB_I(exchange_id), author_id ? DB_I(author_id) : DB_NUL,
	                DB_I(by_host ? 1 : 0), DB_T(s0(learned)), DB_T(s0(ideas)),
	                DB_T(s0(actions)), DB_I(now), DB_I(now)),
	        &iid, e);
	if (rc == CO_ECONFLICT)
		rc = co_errf(e, CO_ENOTFOUND, "no such exchange");
	TRY(rc);
	TRY(ex__audit(c, -1, NULL, "insight.create", "ex_insights", "insight", iid, NULL, e));
	TRY(db_commit(c, e));
	if (id)
		*id = iid;
	return 0;
out:
	db_rollback(c);
	return rc;
}

int ex_submission_create(struct db_conn *c, const struct ex_submission_in *in, int64_t now,
                         int64_t *id, struct co_err *e)
{
	struct db_rows *r;
	int64_t sid, opens = 0, closes = 0;
	int rc;

	if ((rc = need_text(in->title, "title", CO_EX_MAX_TITLE, e)) < 0 ||
	    (rc = need_text(in->summary, "summary", CO_EX_MAX_TEXT, e)) < 0 ||
	    (rc = opt_text(in->evidence, "evidence", CO_EX_MAX_TEXT, e)) < 0 ||
	    (rc = opt_text(in->team_name, "team", CO_EX_MAX_TITLE, e)) < 0)
		return rc;
	rc = db_query(c, "SELECT opens_at, closes_at FROM ex_showcase_calls WHERE id = ?",
	              DB_ARGS(DB_I(in->call_id)), &r, e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 0)
		rc = co_errf(e, CO_ENOTFOUND, "no such call for submissions");
	if (rc > 0) {
		opens = db_int(r, 0);
		closes = db_int(r, 1);
		rc = 0;
	}
	db_rows_free(r);
	if (rc < 0)
		return rc;
	if (now < opens || now >= closes)
		return co_errf(e, CO_ECONFLICT, "the call for submissions is not open");
	TRY(db_begin(c, DB_TX_WRITE, e));
	rc = db_query_int(c,
	                  "INSERT INTO ex_submissions (call_id, submitter_id, org_id, team_name, "
	                  "title, summary, evidence, improve_project_id, created_at, updated_at) "
	                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
	                  DB_ARGS(DB_I(in->call_id),
	                          in->submitter_id ? DB_I(in->submitter_id) : DB_NUL,
	                          in->org_id ? DB_I(in->org_id) : DB_NUL, DB_T(s0(in->team_name)),
	                          DB_T(in->title), DB_T(in->summary), DB_T(s0(in->evidence)),
	                          in->improve_project_id ? DB_I(in->improve_project_id) : DB_NUL,
	                          DB_I(now), DB_I(now)),
	                  &sid, e);
	TRY(rc);
	TRY(ex__audit(c, -1, NULL, "submission.create", "ex_submissions", "submission", sid, NULL,
	              e));
	TRY(db_commit(c, e));
	if (id)
		*id = sid;
	return 0;
out:
	db_rollback(c);
	return rc;
}

int ex_review_set(struct db_conn *c, int64_t submission_id, int64_t reviewer_id, int score,
                  const char *comments, int64_t now, struct co_err *e)
{
	json_t *before = NULL, *after = NULL;
	int64_t old = 0, rid = 0;
	int rc;

	if (score < 1 || score > 5)
		return co_errf_at(e, CO_EINPUT, 0, 0, "score", "a score is from 1 to 5");
	if ((rc = opt_text(comments, "comments", CO_EX_MAX_TEXT, e)) < 0)
		return rc;
	TRY(db_begin(c, DB_TX_WRITE, e));
	rc = db_query_int(c,
	                  "SELECT id FROM ex_reviews WHERE submission_id = ? AND reviewer_id = ?",
	                  DB_ARGS(DB_I(submission_id), DB_I(reviewer_id)), &old, e);
	if (rc == CO_ENOTFOUND)
		rc = 0;
	TRY(rc);
	if (old)
		TRY(ex__audit_row(c, "ex_reviews", old, &before, e));
	TRY(db_exec(c, "DELETE FROM ex_reviews WHERE submission_id = ? AND reviewer_id = ?",
	            DB_ARGS(DB_I(submission_id), DB_I(reviewer_id)), NULL, e));
	rc = db_query_int(c,
	                  "INSERT INTO ex_reviews (submission_id, reviewer_id, score, comments, "
	                  "created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
	                  DB_ARGS(DB_I(submission_id), DB_I(reviewer_id), DB_I(score),
	                          DB_T(s0(comments)), DB_I(now)),
	                  &rid, e);
	if (rc == CO_ECONFLICT)
		rc = co_errf(e, CO_ENOTFOUND, "no such submission");
	TRY(rc);
	/* On the submission, so that its history reads in one place. */
	TRY(ex__audit_row(c, "ex_reviews", rid, &after, e));
	TRY(acct_audit(c, ex_audit_actor(), ex_audit_address(), "submission.review", "submission",
	               submission_id, before, after, e));
	TRY(db_commit(c, e));
	json_decref(before);
	json_decref(after);
	return 0;
out:
	json_decref(before);
	json_decref(after);
	db_rollback(c);
	return rc;
}

int ex_submission_decide(struct db_conn *c, int64_t submission_id, int accept, int64_t now,
                         struct co_err *e)
{
	int64_t changed = 0;
	json_t *before = NULL;
	int rc;

	TRY(db_begin(c, DB_TX_WRITE, e));
	TRY(ex__audit_row(c, "ex_submissions", submission_id, &before, e));
	TRY(db_exec(c,
	            "UPDATE ex_submissions SET state = ?, updated_at = ? WHERE id = ? AND "
	            "state IN ('submitted', 'accepted', 'rejected')",
	            DB_ARGS(DB_T(accept ? "accepted" : "rejected"), DB_I(now), DB_I(submission_id)),
	            &changed, e));
	if (changed == 0) {
		rc = co_errf(e, CO_ENOTFOUND, "no such submission");
		goto out;
	}
	if (!accept)
		TRY(db_exec(c, "DELETE FROM ex_showcase_slots WHERE submission_id = ?",
		            DB_ARGS(DB_I(submission_id)), NULL, e));
	TRY(ex__audit(c, -1, NULL, accept ? "submission.accept" : "submission.reject",
	              "ex_submissions", "submission", submission_id, before, e));
	TRY(db_commit(c, e));
	json_decref(before);
	return 0;
out:
	json_decref(before);
	db_rollback(c);
	return rc;
}

int ex_slot_set(struct db_conn *c, int64_t submission_id, int64_t session_id, int64_t starts_at,
                int64_t ends_at, const char *position, struct co_err *e)
{
	struct db_rows *r;
	int64_t s_start = 0, s_end = 0, clash, old = 0, slot = 0;
	char state[16] = "", kind[16] = "";
	json_t *before = NULL, *after = NULL;
	int rc;

	if ((rc = opt_text(position, "position", CO_EX_MAX_TITLE, e)) < 0)
		return rc;
	TRY(db_begin(c, DB_TX_WRITE, e));
	TRY(db_query(c,
	             "SELECT s.state, x.starts_at, x.ends_at, x.kind FROM ex_submissions s, "
	             "ex_sessions x WHERE s.id = ? AND x.id = ? {{for_update}}",
	             DB_ARGS(DB_I(submission_id), DB_I(session_id)), &r, e));
	rc = db_rows_next(r, e);
	if (rc == 0)
		rc = co_errf(e, CO_ENOTFOUND, "no such submission or session");
	if (rc > 0) {
		snprintf(state, sizeof(state), "%s", s0(db_text(r, 0)));
		s_start = db_int(r, 1);
		s_end = db_int(r, 2);
		snprintf(kind, sizeof(kind), "%s", s0(db_text(r, 3)));
		rc = 0;
	}
	db_rows_free(r);
	TRY(rc);
	if (strcmp(state, "accepted") != 0) {
		rc = co_errf(e, CO_ECONFLICT, "only an accepted submission can be scheduled");
		goto out;
	}
	if (strcmp(kind, "showcase") != 0) {
		rc = co_errf_at(e, CO_EINPUT, 0, 0, "session", "choose a showcase session");
		goto out;
	}
	if (starts_at < s_start || ends_at > s_end || ends_at <= starts_at) {
		rc = co_errf_at(e, CO_EINPUT, 0, 0, "starts_at",
		                "the slot must lie within the session and end after it starts");
		goto out;
	}
	rc = db_query_int(c, "SELECT id FROM ex_showcase_slots WHERE submission_id = ?",
	                  DB_ARGS(DB_I(submission_id)), &old, e);
	if (rc == CO_ENOTFOUND)
		rc = 0;
	TRY(rc);
	if (old)
		TRY(ex__audit_row(c, "ex_showcase_slots", old, &before, e));
	TRY(db_exec(c, "DELETE FROM ex_showcase_slots WHERE submission_id = ?",
	            DB_ARGS(DB_I(submission_id)), NULL, e));
	/* Two presentations in one place at once: refused. */
	TRY(db_query_int(
	        c,
	        "SELECT COUNT(*) FROM ex_showcase_slots WHERE session_id = ? AND position = "
	        "? AND starts_at < ? AND ? < ends_at",
	        DB_ARGS(DB_I(session_id), DB_T(s0(position)), DB_I(ends_at), DB_I(starts_at)),
	        &clash, e));
	if (clash > 0) {
		rc = co_errf_at(e, CO_ECONFLICT, 0, 0, "starts_at",
		                "another submission is scheduled there at that time");
		goto out;
	}
	TRY(db_query_int(c,
	                 "INSERT INTO ex_showcase_slots (session_id, submission_id, starts_at, "
	                 "ends_at, position) VALUES (?, ?, ?, ?, ?) RETURNING id",
	                 DB_ARGS(DB_I(session_id), DB_I(submission_id), DB_I(starts_at),
	                         DB_I(ends_at), DB_T(s0(position))),
	                 &slot, e));
	/* On the submission: a slot row is replaced when it moves. */
	TRY(ex__audit_row(c, "ex_showcase_slots", slot, &after, e));
	TRY(acct_audit(c, ex_audit_actor(), ex_audit_address(), "submission.slot", "submission",
	               submission_id, before, after, e));
	TRY(db_commit(c, e));
	json_decref(before);
	json_decref(after);
	return 0;
out:
	json_decref(before);
	json_decref(after);
	db_rollback(c);
	return rc;
}

/* ---- feeds ---- */

static void feed_hash(const char *secret, char hex[65])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)secret, strlen(secret), NULL, 0);
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

int ex_feed_new(struct db_conn *c, int64_t user_id, int64_t now, char secret[EX_FEED_SECRET_LEN],
                struct co_err *e)
{
	unsigned char raw[32];
	char s[EX_FEED_SECRET_LEN], hex[65];
	int rc;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(s, sizeof(s), raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	feed_hash(s, hex);
	TRY(db_begin(c, DB_TX_WRITE, e));
	TRY(db_exec(c, "DELETE FROM ex_feeds WHERE user_id = ?", DB_ARGS(DB_I(user_id)), NULL, e));
	TRY(db_exec(c, "INSERT INTO ex_feeds (user_id, secret_hash, created_at) VALUES (?, ?, ?)",
	            DB_ARGS(DB_I(user_id), DB_T(hex), DB_I(now)), NULL, e));
	/* Only that a new secret was made: never the secret or its hash. */
	TRY(acct_audit(c, ex_audit_actor(), ex_audit_address(), "feed.renew", "user", user_id, NULL,
	               NULL, e));
	TRY(db_commit(c, e));
	memcpy(secret, s, sizeof(s));
	return 0;
out:
	db_rollback(c);
	return rc;
}

int ex_feed_user(struct db_conn *c, const char *secret, int64_t *user_id, struct co_err *e)
{
	char hex[65];
	int rc;

	if (!secret || strlen(secret) != EX_FEED_SECRET_LEN - 1)
		return co_errf(e, CO_ENOTFOUND, "no such feed");
	feed_hash(secret, hex);
	rc = db_query_int(c, "SELECT user_id FROM ex_feeds WHERE secret_hash = ?",
	                  DB_ARGS(DB_T(hex)), user_id, e);
	if (rc == CO_ENOTFOUND)
		return co_errf(e, CO_ENOTFOUND, "no such feed");
	return rc;
}

/* ---- iCalendar ---- */

struct ics_rows {
	struct ex_ics_event *ev;
	char **strs; /* every string we allocated, freed at the end */
	size_t n, cap, nstrs, capstrs;
};

static char *keep(struct ics_rows *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *keep(struct ics_rows *s, const char *fmt, ...)
{
	struct co_buf b;
	va_list ap;
	char *p;

	if (s->nstrs == s->capstrs) {
		size_t cap = s->capstrs ? s->capstrs * 2 : 64;
		char **q = realloc(s->strs, cap * sizeof(*q));

		if (!q)
			return NULL;
		s->strs = q;
		s->capstrs = cap;
	}
	co_buf_init(&b, (size_t)CO_EX_MAX_TEXT * 4);
	va_start(ap, fmt);
	if (co_buf_vprintf(&b, fmt, ap) < 0) {
		va_end(ap);
		co_buf_free(&b);
		return NULL;
	}
	va_end(ap);
	p = co_buf_take(&b, NULL);
	if (p)
		s->strs[s->nstrs++] = p;
	return p;
}

static void ics_rows_free(struct ics_rows *s)
{
	size_t i;

	for (i = 0; i < s->nstrs; i++)
		free(s->strs[i]);
	free(s->strs);
	free(s->ev);
}

/* Reads events: columns id, topic, starts_at, ends_at, sequence, mode,
 * address, online_url (or '' when hidden), description_md, status. */
static int ics_collect(struct db_conn *c, struct db_rows *r, struct ics_rows *s, const char *host,
                       const char *base_url, int64_t now, struct co_err *e)
{
	int rc;

	while ((rc = db_rows_next(r, e)) > 0) {
		struct ex_ics_event *ev;
		const char *mode = s0(db_text(r, 5)), *addr = s0(db_text(r, 6)),
		           *link = s0(db_text(r, 7));

		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 16;
			struct ex_ics_event *q = realloc(s->ev, cap * sizeof(*q));

			if (!q)
				return co_errf(e, CO_ENOMEM, "out of memory");
			s->ev = q;
			s->cap = cap;
		}
		ev = &s->ev[s->n];
		memset(ev, 0, sizeof(*ev));
		ev->uid = keep(s, "exchange-%lld@%s", (long long)db_int(r, 0), host);
		ev->summary = keep(s, "%s", s0(db_text(r, 1)));
		ev->starts_at = db_int(r, 2);
		ev->ends_at = db_int(r, 3);
		ev->sequence = (int)db_int(r, 4);
		ev->dtstamp = now;
		ev->location = strcmp(mode, "online") == 0 ? keep(s, "%s", *link ? link : "Online")
		                                           : keep(s, "%s", addr);
		ev->description = keep(s, "%s%s%s", s0(db_text(r, 8)),
		                       *link && strcmp(mode, "on_site") != 0 ? "\n\n" : "",
		                       strcmp(mode, "on_site") != 0 ? link : "");
		ev->url = base_url ? keep(s, "%s/exchanges/%lld", base_url, (long long)db_int(r, 0))
		                   : NULL;
		ev->status =
		        strcmp(s0(db_text(r, 9)), "cancelled") == 0 ? "CANCELLED" : "CONFIRMED";
		if (!ev->uid || !ev->summary || !ev->location || !ev->description ||
		    (base_url && !ev->url))
			return co_errf(e, CO_ENOMEM, "out of memory");
		s->n++;
	}
	return rc;
}

/* Adds the conference sessions a person chose to their feed: each its own
 * event, its SEQUENCE raised when its time or room changes. */
static int ics_sessions(struct db_conn *c, int64_t user_id, struct ics_rows *s, const char *host,
                        const char *base_url, int64_t now, struct co_err *e)
{
	struct db_rows *r;
	int rc;

	rc = db_query(c,
	              "SELECT s.id, s.title, s.starts_at, s.ends_at, s.sequence, COALESCE(rm.name, "
	              "''), x.address, x.id, x.topic FROM ex_session_choices ch JOIN "
	              "ex_registrations g ON g.id = ch.registration_id JOIN ex_sessions s ON s.id "
	              "= ch.session_id JOIN ex_exchanges x ON x.id = s.exchange_id LEFT JOIN "
	              "ex_rooms rm ON rm.id = s.room_id WHERE g.user_id = ? AND g.state IN "
	              "('confirmed', 'attended') AND x.status <> 'cancelled' ORDER BY s.starts_at, "
	              "s.id",
	              DB_ARGS(DB_I(user_id)), &r, e);
	if (rc < 0)
		return rc;
	while ((rc = db_rows_next(r, e)) > 0) {
		struct ex_ics_event *ev;
		const char *room = s0(db_text(r, 5));

		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 16;
			struct ex_ics_event *q = realloc(s->ev, cap * sizeof(*q));

			if (!q) {
				rc = co_errf(e, CO_ENOMEM, "out of memory");
				break;
			}
			s->ev = q;
			s->cap = cap;
		}
		ev = &s->ev[s->n];
		memset(ev, 0, sizeof(*ev));
		ev->uid = keep(s, "session-%lld@%s", (long long)db_int(r, 0), host);
		ev->summary = keep(s, "%s", s0(db_text(r, 1)));
		ev->starts_at = db_int(r, 2);
		ev->ends_at = db_int(r, 3);
		ev->sequence = (int)db_int(r, 4);
		ev->dtstamp = now;
		ev->location = keep(s, "%s%s%s", room, *room ? ", " : "", s0(db_text(r, 6)));
		ev->description = keep(s, "%s", s0(db_text(r, 8)));
		ev->status = "CONFIRMED";
		ev->url = base_url ? keep(s, "%s/exchanges/%lld", base_url, (long long)db_int(r, 7))
		                   : NULL;
		if (!ev->uid || !ev->summary || !ev->location || !ev->description ||
		    (base_url && !ev->url)) {
			rc = co_errf(e, CO_ENOMEM, "out of memory");
			break;
		}
		s->n++;
	}
	db_rows_free(r);
	return rc < 0 ? rc : 0;
}

int ex_ics_exchange(struct db_conn *c, int64_t exchange_id, const char *host, const char *base_url,
                    int64_t now, struct co_buf *out, struct co_err *e)
{
	struct ics_rows s = {0};
	struct ex_ics_calendar cal = {0};
	struct db_rows *r;
	int rc;

	rc = db_query(c,
	              "SELECT id, topic, starts_at, ends_at, sequence, mode, address, '', "
	              "description_md, status FROM ex_exchanges WHERE id = ? AND status <> 'draft'",
	              DB_ARGS(DB_I(exchange_id)), &r, e);
	if (rc < 0)
		return rc;
	rc = ics_collect(c, r, &s, host, base_url, now, e);
	db_rows_free(r);
	if (rc == 0 && s.n == 0)
		rc = co_errf(e, CO_ENOTFOUND, "no such exchange");
	if (rc == 0) {
		cal.name = s.ev[0].summary;
		cal.events = s.ev;
		cal.n_events = s.n;
		rc = ex_ics_write(out, &cal, e);
	}
	ics_rows_free(&s);
	return rc;
}

int ex_ics_person(struct db_conn *c, int64_t user_id, const char *host, const char *base_url,
                  int64_t now, struct co_buf *out, struct co_err *e)
{
	struct ics_rows s = {0};
	struct ex_ics_calendar cal = {.name = "Collective: my programme"};
	struct db_rows *r;
	int rc;

	/* The online link is in the feed only for confirmed places. */
	rc = db_query(
	        c,
	        "SELECT x.id, x.topic, x.starts_at, x.ends_at, x.sequence, x.mode, x.address, "
	        "CASE WHEN g.state IN ('confirmed', 'attended') THEN x.online_url ELSE '' END, "
	        "x.description_md, x.status FROM ex_registrations g JOIN ex_exchanges x ON "
	        "x.id = g.exchange_id WHERE g.user_id = ? AND g.state IN ('confirmed', "
	        "'offered', 'attended', 'pending') ORDER BY x.starts_at, x.id",
	        DB_ARGS(DB_I(user_id)), &r, e);
	if (rc < 0)
		return rc;
	rc = ics_collect(c, r, &s, host, base_url, now, e);
	db_rows_free(r);
	if (rc == 0)
		rc = ics_sessions(c, user_id, &s, host, base_url, now, e);
	if (rc == 0) {
		cal.events = s.ev;
		cal.n_events = s.n;
		rc = ex_ics_write(out, &cal, e);
	}
	ics_rows_free(&s);
	return rc;
}

/* ---- read models ---- */

void ex_json_time(json_t *obj, const char *prefix, int64_t utc)
{
	char key[64], local[32];

	ex_time_format_local(utc, local, sizeof(local));
	snprintf(key, sizeof(key), "%s_at", prefix);
	json_object_set_new(obj, key, json_integer(utc));
	snprintf(key, sizeof(key), "%s_local", prefix);
	json_object_set_new(obj, key, json_string(local));
	local[10] = '\0';
	snprintf(key, sizeof(key), "%s_date", prefix);
	json_object_set_new(obj, key, json_string(local));
	snprintf(key, sizeof(key), "%s_time", prefix);
	json_object_set_new(obj, key, json_string(local + 11));
	snprintf(key, sizeof(key), "%s_tz", prefix);
	json_object_set_new(obj, key, json_string(ex_time_zone_name(utc)));
}

static json_t *jtext(const char *s)
{
	return json_string(s ? s : "");
}

static int themes_of(struct db_conn *c, int64_t programme_id, json_t **out, struct co_err *e)
{
	struct db_rows *r;
	json_t *a = json_array();
	int rc;

	rc = db_query(c, "SELECT id, name FROM ex_themes WHERE programme_id = ? ORDER BY position",
	              DB_ARGS(DB_I(programme_id)), &r, e);
	if (rc < 0) {
		json_decref(a);
		return rc;
	}
	while ((rc = db_rows_next(r, e)) > 0)
		json_array_append_new(a, json_pack("{s:I,s:o}", "id", (json_int_t)db_int(r, 0),
		                                   "name", jtext(db_text(r, 1))));
	db_rows_free(r);
	if (rc < 0) {
		json_decref(a);
		return rc;
	}
	*out = a;
	return 0;
}

static json_t *programme_row(struct db_rows *r)
{
	json_t *o = json_pack("{s:I,s:o,s:o,s:o,s:b,s:b,s:i}", "id", (json_int_t)db_int(r, 0),
	                      "slug", jtext(db_text(r, 1)), "name", jtext(db_text(r, 2)), "summary",
	                      jtext(db_text(r, 3)), "approval_needed", (int)db_int(r, 6),
	                      "pending_holds_place", (int)db_int(r, 7), "offer_hours",
	                      (int)db_int(r, 8));

	ex_json_time(o, "signup_opens", db_int(r, 4));
	ex_json_time(o, "signup_deadline", db_int(r, 5));
	json_object_set_new(o, "needs_retention_days", json_integer(db_int(r, 10)));
	if (db_isnull(r, 9))
		json_object_set_new(o, "allotments_release_at", json_null());
	else
		ex_json_time(o, "allotments_release", db_int(r, 9));
	return o;
}

#define PROGRAMME_COLS                                                                             \
	"id, slug, name, summary, signup_opens_at, signup_deadline, approval_needed, "             \
	"pending_holds_place, offer_hours, allotments_release_at, needs_retention_days"

int ex_json_programmes(struct db_conn *c, json_t **out, struct co_err *e)
{
	struct db_rows *r;
	json_t *list = json_array(), *themes;
	size_t i;
	int rc;

	rc = db_query(
	        c, "SELECT " PROGRAMME_COLS " FROM ex_programmes ORDER BY signup_deadline DESC, id",
	        DB_NOARGS, &r, e);
	if (rc < 0)
		goto out;
	while ((rc = db_rows_next(r, e)) > 0)
		json_array_append_new(list, programme_row(r));
	db_rows_free(r);
	if (rc < 0)
		goto out;
	for (i = 0; i < json_array_size(list); i++) {
		json_t *p = json_array_get(list, i);

		if ((rc = themes_of(c, json_integer_value(json_object_get(p, "id")), &themes, e)) <
		    0)
			goto out;
		json_object_set_new(p, "themes", themes);
	}
	*out = json_pack("{s:o}", "programmes", list);
	return 0;
out:
	json_decref(list);
	return rc;
}

int ex_json_programme(struct db_conn *c, int64_t id, const char *slug, json_t **out,
                      struct co_err *e)
{
	struct db_rows *r;
	json_t *p = NULL, *themes;
	int rc;

	rc = db_query(c,
	              "SELECT " PROGRAMME_COLS " FROM ex_programmes WHERE id = ? OR (? = 0 AND "
	              "slug = ?)",
	              DB_ARGS(DB_I(id), DB_I(id), DB_T(s0(slug))), &r, e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc > 0)
		p = programme_row(r);
	else if (rc == 0)
		rc = co_errf(e, CO_ENOTFOUND, "no such programme");
	db_rows_free(r);
	if (rc < 0)
		return rc;
	if ((rc = themes_of(c, json_integer_value(json_object_get(p, "id")), &themes, e)) < 0) {
		json_decref(p);
		return rc;
	}
	json_object_set_new(p, "themes", themes);
	*out = p;
	return 0;
}

/* Adds capacity figures to each exchange object of list (by "id"). */
static int add_places(struct db_conn *c, json_t *list, struct co_err *e)
{
	size_t i;
	int rc;

	for (i = 0; i < json_array_size(list); i++) {
		json_t *x = json_array_get(list, i);
		struct ex_counts n;
		struct ex_policy p;
		int held, left;

		rc = ex_exchange_counts(c, json_integer_value(json_object_get(x, "id")), &n, &p, e);
		if (rc < 0)
			return rc;
		held = ex_places_held(&n, &p);
		left = ex_places_left(&n, &p);
		json_object_set_new(x, "places_left", json_integer(left));
		json_object_set_new(
		        x, "confirmed",
		        json_integer(n.n[EX_CONFIRMED] + n.n[EX_ATTENDED] + n.n[EX_NO_SHOW]));
		json_object_set_new(x, "offered", json_integer(n.n[EX_OFFERED]));
		json_object_set_new(x, "pending", json_integer(n.n[EX_PENDING]));
		json_object_set_new(x, "waitlisted", json_integer(n.n[EX_WAITLISTED]));
		json_object_set_new(x, "attended", json_integer(n.n[EX_ATTENDED]));
		json_object_set_new(x, "held", json_integer(held));
		json_object_set_new(x, "full", json_boolean(left == 0));
		json_object_set_new(
		        x, "fill_percent",
		        json_integer(n.capacity > 0 ? (held * 100 + n.capacity / 2) / n.capacity
		                                    : 0));
	}
	return 0;
}

#define EXCHANGE_COLS                                                                              \
	"x.id, x.programme_id, x.kind, x.topic, x.mode, x.address, x.region, x.starts_at, "        \
	"x.ends_at, x.capacity, x.status, COALESCE(t.name, ''), COALESCE(o.name, ''), "            \
	"x.host_team_name, x.access_info, x.description_md, x.online_url, x.sequence, "            \
	"COALESCE(o.code, ''), x.theme_id, x.host_org_id, x.reserved_places"
#define EXCHANGE_FROM                                                                              \
	" FROM ex_exchanges x LEFT JOIN ex_themes t ON t.id = x.theme_id LEFT JOIN "               \
	"organisations o ON o.id = x.host_org_id"

static json_t *exchange_row(struct db_rows *r)
{
	json_t *o = json_pack(
	        "{s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:i}", "id",
	        (json_int_t)db_int(r, 0), "programme_id", (json_int_t)db_int(r, 1), "kind",
	        jtext(db_text(r, 2)), "topic", jtext(db_text(r, 3)), "mode", jtext(db_text(r, 4)),
	        "address", jtext(db_text(r, 5)), "region", jtext(db_text(r, 6)), "capacity",
	        (int)db_int(r, 9), "status", jtext(db_text(r, 10)), "theme", jtext(db_text(r, 11)),
	        "host_org", jtext(db_text(r, 12)), "host_team", jtext(db_text(r, 13)),
	        "access_info", jtext(db_text(r, 14)), "host_org_code", jtext(db_text(r, 18)),
	        "theme_id", (json_int_t)(db_isnull(r, 19) ? 0 : db_int(r, 19)), "host_org_id",
	        (json_int_t)(db_isnull(r, 20) ? 0 : db_int(r, 20)), "reserved_places",
	        (int)db_int(r, 21));

	ex_json_time(o, "starts", db_int(r, 7));
	ex_json_time(o, "ends", db_int(r, 8));
	json_object_set_new(o, "sequence", json_integer(db_int(r, 17)));
	json_object_set_new(o, "online", json_boolean(strcmp(s0(db_text(r, 4)), "on_site") != 0));
	json_object_set_new(o, "cancelled",
	                    json_boolean(strcmp(s0(db_text(r, 10)), "cancelled") == 0));
	return o;
}

int ex_json_exchanges(struct db_conn *c, int64_t programme_id, json_t **out, struct co_err *e)
{
	struct db_rows *r;
	json_t *list = json_array();
	int rc;

	rc = db_query(c,
	              "SELECT " EXCHANGE_COLS EXCHANGE_FROM
	              " WHERE (? = 0 OR x.programme_id = ?) AND x.status <> 'draft' ORDER BY "
	              "x.starts_at, x.id",
	              DB_ARGS(DB_I(programme_id), DB_I(programme_id)), &r, e);
	if (rc < 0)
		goto out;
	while ((rc = db_rows_next(r, e)) > 0)
		json_array_append_new(list, exchange_row(r));
	db_rows_free(r);
	if (rc < 0)
		goto out;
	if ((rc = add_places(c, list, e)) < 0)
		goto out;
	*out = json_pack("{s:o}", "exchanges", list);
	return 0;
out:
	json_decref(list);
	return rc;
}

int ex_json_exchange(struct db_conn *c, int64_t id, int64_t viewer_id, int show_link, json_t **out,
                     struct co_err *e)
{
	struct db_rows *r;
	struct co_buf html;
	json_t *x = NULL, *list, *mine = json_null();
	char *link = NULL;
	int rc, confirmed = 0;

	rc = db_query(c, "SELECT " EXCHANGE_COLS EXCHANGE_FROM " WHERE x.id = ?", DB_ARGS(DB_I(id)),
	              &r, e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc > 0) {
		x = exchange_row(r);
		co_buf_init(&html, (size_t)CO_EX_MAX_TEXT * 8);
		if (ex_markdown_html(db_text(r, 15), &html, NULL) == 0)
			json_object_set_new(x, "description_html", jtext(html.data));
		co_buf_free(&html);
		json_object_set_new(x, "description_md", jtext(db_text(r, 15)));
		link = strdup(s0(db_text(r, 16)));
	} else if (rc == 0) {
		rc = co_errf(e, CO_ENOTFOUND, "no such exchange");
	}
	db_rows_free(r);
	if (rc < 0 || !link)
		goto out;
	if (viewer_id) {
		rc = db_query(c,
		              "SELECT id, state, seq, offer_expires_at FROM ex_registrations WHERE "
		              "exchange_id = ? AND user_id = ?",
		              DB_ARGS(DB_I(id), DB_I(viewer_id)), &r, e);
		if (rc < 0)
			goto out;
		rc = db_rows_next(r, e);
		if (rc > 0) {
			json_decref(mine);
			mine = json_pack("{s:I,s:o}", "id", (json_int_t)db_int(r, 0), "state",
			                 jtext(db_text(r, 1)));
			confirmed = strcmp(s0(db_text(r, 1)), "confirmed") == 0 ||
			            strcmp(s0(db_text(r, 1)), "attended") == 0;
			if (!db_isnull(r, 3) && strcmp(s0(db_text(r, 1)), "offered") == 0)
				ex_json_time(mine, "expires", db_int(r, 3));
		}
		db_rows_free(r);
		if (rc < 0)
			goto out;
		if (json_is_object(mine) &&
		    strcmp(json_string_value(json_object_get(mine, "state")), "waitlisted") == 0) {
			/* Position: waitlisted with a lower or equal seq. */
			int64_t pos;

			rc = db_query_int(
			        c,
			        "SELECT COUNT(*) FROM ex_registrations w, ex_registrations "
			        "me WHERE me.id = ? AND w.exchange_id = me.exchange_id AND "
			        "w.state = 'waitlisted' AND w.seq <= me.seq",
			        DB_ARGS(DB_I(json_integer_value(json_object_get(mine, "id")))),
			        &pos, e);
			if (rc < 0)
				goto out;
			json_object_set_new(mine, "position", json_integer(pos));
		}
	}
	json_object_set_new(x, "mine", mine);
	mine = NULL;
	json_object_set_new(x, "online_url", jtext(show_link || confirmed ? link : ""));
	list = json_array();
	json_array_append(list, x);
	rc = add_places(c, list, e);
	json_decref(list);
	if (rc < 0)
		goto out;
	free(link);
	*out = x;
	return 0;
out:
	free(link);
	json_decref(mine);
	json_decref(x);
	return rc;
}

int ex_json_my(struct db_conn *c, int64_t user_id, json_t **out, struct co_err *e)
{
	struct db_rows *r;
	json_t *list = json_array();
	size_t i;
	int rc;

	rc = db_query(c,
	              "SELECT " EXCHANGE_COLS
	              ", g.id, g.state, g.seq, g.offer_expires_at" EXCHANGE_FROM
	              " JOIN ex_registrations g ON g.exchange_id = x.id WHERE g.user_id = ? "
	              "ORDER BY x.starts_at, x.id",
	              DB_ARGS(DB_I(user_id)), &r, e);
	if (rc < 0)
		goto out;
	while ((rc = db_rows_next(r, e)) > 0) {
		json_t *x = exchange_row(r), *reg;
		const char *state = s0(db_text(r, 23));

		reg = json_pack("{s:I,s:s,s:I}", "id", (json_int_t)db_int(r, 22), "state", state,
		                "seq", (json_int_t)db_int(r, 24));
		if (strcmp(state, "offered") == 0 && !db_isnull(r, 25))
			ex_json_time(reg, "expires", db_int(r, 25));
		if (strcmp(state, "confirmed") == 0 || strcmp(state, "attended") == 0)
			json_object_set_new(x, "online_url", jtext(db_text(r, 16)));
		json_object_set_new(x, "registration", reg);
		json_array_append_new(list, x);
	}
	db_rows_free(r);
	if (rc < 0)
		goto out;
	for (i = 0; i < json_array_size(list); i++) {
		json_t *reg = json_object_get(json_array_get(list, i), "registration");
		int64_t pos;

		if (strcmp(json_string_value(json_object_get(reg, "state")), "waitlisted") != 0)
			continue;
		rc = db_query_int(c,
		                  "SELECT COUNT(*) FROM ex_registrations WHERE exchange_id = ? AND "
		                  "state = 'waitlisted' AND seq <= ?",
		                  DB_ARGS(DB_I(json_integer_value(
		                                  json_object_get(json_array_get(list, i), "id"))),
		                          DB_I(json_integer_value(json_object_get(reg, "seq")))),
		                  &pos, e);
		if (rc < 0)
			goto out;
		json_object_set_new(reg, "position", json_integer(pos));
	}
	*out = json_pack("{s:o}", "registrations", list);
	return 0;
out:
	json_decref(list);
	return rc;
}

int ex_json_attendees(struct db_conn *c, int64_t exchange_id, int show_needs, json_t **out,
                      struct co_err *e)
{
	struct db_rows *r;
	json_t *list = json_array();
	int rc, waiting = 0;

	rc = db_query(
	        c,
	        "SELECT g.id, u.name, u.email, COALESCE((SELECT o.name FROM memberships m "
	        "JOIN organisations o ON o.id = m.scope_id WHERE m.user_id = u.id AND "
	        "m.scope_type = 'org' ORDER BY m.id LIMIT 1), ''), g.state, g.seq, "
	        "g.requested_at, g.checked_in_at, COALESCE(n.dietary, ''), COALESCE(n.access, "
	        "''), (SELECT COUNT(*) FROM ex_accommodation a WHERE a.registration_id = g.id) "
	        "FROM ex_registrations g JOIN users u ON u.id = g.user_id LEFT JOIN ex_needs n "
	        "ON n.registration_id = g.id WHERE g.exchange_id = ? ORDER BY g.seq",
	        DB_ARGS(DB_I(exchange_id)), &r, e);
	if (rc < 0)
		goto out;
	while ((rc = db_rows_next(r, e)) > 0) {
		const char *state = s0(db_text(r, 4));
		json_t *a =
		        json_pack("{s:I,s:o,s:o,s:o,s:s,s:I,s:I}", "id", (json_int_t)db_int(r, 0),
		                  "name", jtext(db_text(r, 1)), "email", jtext(db_text(r, 2)),
		                  "organisation", jtext(db_text(r, 3)), "state", state, "seq",
		                  (json_int_t)db_int(r, 5), "nights", (json_int_t)db_int(r, 10));

		ex_json_time(a, "requested", db_int(r, 6));
		if (!db_isnull(r, 7))
			ex_json_time(a, "checked_in", db_int(r, 7));
		if (strcmp(state, "waitlisted") == 0)
			json_object_set_new(a, "position", json_integer(++waiting));
		if (show_needs) {
			json_object_set_new(a, "dietary", jtext(db_text(r, 8)));
			json_object_set_new(a, "access", jtext(db_text(r, 9)));
		}
		json_array_append_new(list, a);
	}
	db_rows_free(r);
	if (rc < 0)
		goto out;
	*out = json_pack("{s:o}", "attendees", list);
	return 0;
out:
	json_decref(list);
	return rc;
}

int ex_json_admin(struct db_conn *c, int64_t programme_id, json_t **out, struct co_err *e)
{
	struct db_rows *r;
	json_t *ex = NULL, *orgs = json_array();
	int rc;

	if ((rc = ex_json_exchanges(c, programme_id, &ex, e)) < 0)
		goto out;
	rc = db_query(
	        c,
	        "SELECT o.id, o.code, o.name, a.places, (SELECT COUNT(*) FROM ex_nominations n "
	        "WHERE n.programme_id = a.programme_id AND n.org_id = a.org_id AND n.state IN "
	        "('nominated', 'approved', 'accepted')), (SELECT COUNT(*) FROM ex_nominations "
	        "n WHERE n.programme_id = a.programme_id AND n.org_id = a.org_id AND n.state = "
	        "'accepted') FROM ex_allotments a JOIN organisations o ON o.id = a.org_id "
	        "WHERE a.programme_id = ? ORDER BY o.name",
	        DB_ARGS(DB_I(programme_id)), &r, e);
	if (rc < 0)
		goto out;
	while ((rc = db_rows_next(r, e)) > 0) {
		int places = (int)db_int(r, 3), used = (int)db_int(r, 4);

		json_array_append_new(
		        orgs, json_pack("{s:I,s:o,s:o,s:i,s:i,s:i,s:i,s:b}", "org_id",
		                        (json_int_t)db_int(r, 0), "code", jtext(db_text(r, 1)),
		                        "name", jtext(db_text(r, 2)), "places", places, "nominated",
		                        used, "accepted", (int)db_int(r, 5), "unused",
		                        ex_allotment_unused(places, used), "over", used > places));
	}
	db_rows_free(r);
	if (rc < 0)
		goto out;
	json_object_set_new(ex, "allotments", orgs);
	*out = ex;
	return 0;
out:
	json_decref(ex);
	json_decref(orgs);
	return rc;
}

int ex_json_pack(struct db_conn *c, int64_t programme_id, json_t **out, struct co_err *e)
{
	struct db_rows *r;
	json_t *themes = json_array(), *cur = NULL;
	char last[CO_EX_MAX_TITLE + 1] = "\x01";
	int rc;

	rc = db_query(
	        c,
	        "SELECT COALESCE(t.name, ''), x.topic, COALESCE(o.name, ''), i.learned, "
	        "i.ideas, i.actions, i.by_host, x.id FROM ex_insights i JOIN ex_exchanges x "
	        "ON x.id = i.exchange_id LEFT JOIN ex_themes t ON t.id = x.theme_id LEFT JOIN "
	        "organisations o ON o.id = x.host_org_id WHERE x.programme_id = ? ORDER BY "
	        "COALESCE(t.position, 999999), x.starts_at, x.id, i.by_host DESC, i.id",
	        DB_ARGS(DB_I(programme_id)), &r, e);
	if (rc < 0)
		goto out;
	while ((rc = db_rows_next(r, e)) > 0) {
		const char *theme = s0(db_text(r, 0));

		if (strcmp(theme, last) != 0) {
			cur = json_array();
			json_array_append_new(
			        themes, json_pack("{s:s,s:o}", "name", theme, "insights", cur));
			snprintf(last, sizeof(last), "%s", theme);
		}
		json_array_append_new(
		        cur,
		        json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:b}", "exchange_id",
		                  (json_int_t)db_int(r, 7), "exchange", jtext(db_text(r, 1)),
		                  "host", jtext(db_text(r, 2)), "learned", jtext(db_text(r, 3)),
		                  "ideas", jtext(db_text(r, 4)), "actions", jtext(db_text(r, 5)),
		                  "by_host", (int)db_int(r, 6)));
	}
	db_rows_free(r);
	if (rc < 0)
		goto out;
	*out = json_pack("{s:o}", "themes", themes);
	return 0;
out:
	json_decref(themes);
	return rc;
}

int ex_json_sessions(struct db_conn *c, int64_t exchange_id, int64_t viewer_reg_id, json_t **out,
                     struct co_err *e)
{
	struct db_rows *r;
	json_t *list = json_array();
	int rc;

	rc = db_query(
	        c,
	        "SELECT s.id, s.kind, s.title, s.summary_md, s.starts_at, s.ends_at, "
	        "COALESCE(rm.name, ''), COALESCE(s.capacity, rm.capacity, -1), s.needs_choice, "
	        "(SELECT COUNT(*) FROM ex_session_choices ch WHERE ch.session_id = s.id), "
	        "(SELECT COUNT(*) FROM ex_session_choices ch WHERE ch.session_id = s.id AND "
	        "ch.registration_id = ?), s.capacity FROM ex_sessions s LEFT JOIN ex_rooms rm ON "
	        "rm.id = s.room_id WHERE s.exchange_id = ? ORDER BY s.starts_at, s.id",
	        DB_ARGS(DB_I(viewer_reg_id), DB_I(exchange_id)), &r, e);
	if (rc < 0)
		goto out;
	while ((rc = db_rows_next(r, e)) > 0) {
		int cap = (int)db_int(r, 7), taken = (int)db_int(r, 9);
		json_t *s = json_pack(
		        "{s:I,s:o,s:o,s:o,s:o,s:b,s:i,s:b}", "id", (json_int_t)db_int(r, 0), "kind",
		        jtext(db_text(r, 1)), "title", jtext(db_text(r, 2)), "summary",
		        jtext(db_text(r, 3)), "room", jtext(db_text(r, 6)), "needs_choice",
		        (int)db_int(r, 8), "chosen_count", taken, "chosen", db_int(r, 10) > 0);

		ex_json_time(s, "starts", db_int(r, 4));
		ex_json_time(s, "ends", db_int(r, 5));
		json_object_set_new(s, "capacity", cap >= 0 ? json_integer(cap) : json_null());
		json_object_set_new(s, "full", json_boolean(cap >= 0 && taken >= cap));
		json_object_set_new(s, "own_capacity",
		                    db_isnull(r, 11) ? json_null() : json_integer(db_int(r, 11)));
		json_array_append_new(list, s);
	}
	db_rows_free(r);
	if (rc < 0)
		goto out;
	*out = json_pack("{s:o}", "sessions", list);
	return 0;
out:
	json_decref(list);
	return rc;
}

/* ---- the showcase ---- */

int ex_improve_aim(struct db_conn *c, int64_t project_id, char *out, size_t size, struct co_err *e)
{
	struct db_rows *r;
	int rc;

	/* Improve's table, read only: a project's aim is what, how much, by
	 * when. */
	rc = db_query(c,
	              "SELECT title, aim_what, aim_how_much, COALESCE(aim_by_when, '') FROM "
	              "imp_projects WHERE id = ?",
	              DB_ARGS(DB_I(project_id)), &r, e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 0)
		rc = co_errf_at(e, CO_EINPUT, 0, 0, "improve_project",
		                "no such improvement project");
	if (rc > 0) {
		const char *what = s0(db_text(r, 1)), *much = s0(db_text(r, 2)),
		           *when = s0(db_text(r, 3));

		snprintf(out, size, "%s%s%s%s%s", what, *much ? " " : "", much, *when ? " by " : "",
		         when);
		rc = 0;
	}
	db_rows_free(r);
	return rc;
}

int ex_json_showcase(struct db_conn *c, int64_t exchange_id, int all, json_t **out,
                     struct co_err *e)
{
	struct db_rows *r;
	json_t *list = json_array(), *call = json_null();
	int rc;

	rc = db_query(c,
	              "SELECT id, opens_at, closes_at, guidance_md FROM ex_showcase_calls WHERE "
	              "exchange_id = ?",
	              DB_ARGS(DB_I(exchange_id)), &r, e);
	if (rc < 0)
		goto out;
	if ((rc = db_rows_next(r, e)) > 0) {
		json_decref(call);
		call = json_pack("{s:I,s:o}", "id", (json_int_t)db_int(r, 0), "guidance",
		                 jtext(db_text(r, 3)));
		ex_json_time(call, "opens", db_int(r, 1));
		ex_json_time(call, "closes", db_int(r, 2));
	}
	db_rows_free(r);
	if (rc < 0)
		goto out;
	rc = db_query(
	        c,
	        "SELECT s.id, s.title, s.summary, s.evidence, s.team_name, COALESCE(o.name, ''), "
	        "s.state, (SELECT COUNT(*) FROM ex_reviews v WHERE v.submission_id = s.id), "
	        "(SELECT COALESCE(SUM(score), 0) FROM ex_reviews v WHERE v.submission_id = "
	        "s.id), s.improve_project_id, sl.starts_at, sl.ends_at, COALESCE(sl.position, "
	        "'') FROM ex_submissions s JOIN ex_showcase_calls k ON k.id = s.call_id LEFT "
	        "JOIN organisations o ON o.id = s.org_id LEFT JOIN ex_showcase_slots sl ON "
	        "sl.submission_id = s.id WHERE k.exchange_id = ? AND (? = 1 OR s.state = "
	        "'accepted') ORDER BY COALESCE(sl.starts_at, 0), s.id",
	        DB_ARGS(DB_I(exchange_id), DB_I(all ? 1 : 0)), &r, e);
	if (rc < 0)
		goto out;
	while ((rc = db_rows_next(r, e)) > 0) {
		int64_t reviews = db_int(r, 7), sum = db_int(r, 8);
		json_t *o = json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:I}", "id",
		                      (json_int_t)db_int(r, 0), "title", jtext(db_text(r, 1)),
		                      "summary", jtext(db_text(r, 2)), "evidence",
		                      jtext(db_text(r, 3)), "team", jtext(db_text(r, 4)),
		                      "organisation", jtext(db_text(r, 5)), "state",
		                      jtext(db_text(r, 6)), "reviews", (json_int_t)reviews);

		json_object_set_new(o, "mean_score",
		                    reviews ? json_real((double)sum / (double)reviews)
		                            : json_null());
		json_object_set_new(o, "improve_project",
		                    db_isnull(r, 9) ? json_null() : json_integer(db_int(r, 9)));
		if (!db_isnull(r, 10)) {
			ex_json_time(o, "slot_starts", db_int(r, 10));
			ex_json_time(o, "slot_ends", db_int(r, 11));
			json_object_set_new(o, "slot_position", jtext(db_text(r, 12)));
		}
		json_array_append_new(list, o);
	}
	db_rows_free(r);
	if (rc < 0)
		goto out;
	/* The Improve team whose live charts a linked submission shows. */
	{
		size_t i;
		json_t *o;

		json_array_foreach(list, i, o)
		{
			int64_t team;

			if (json_is_null(json_object_get(o, "improve_project")))
				continue;
			if (db_query_int(c, "SELECT team_id FROM imp_projects WHERE id = ?",
			                 DB_ARGS(DB_I(json_integer_value(
			                         json_object_get(o, "improve_project")))),
			                 &team, e) == 0)
				json_object_set_new(o, "improve_team", json_integer(team));
		}
	}
	*out = json_pack("{s:o,s:o}", "call", call, "submissions", list);
	return 0;
out:
	json_decref(list);
	json_decref(call);
	return rc;
}

/* ---- conference sessions ---- */

int ex_conf_day_add(struct db_conn *c, int64_t exchange_id, const char *date, const char *label,
                    int64_t *id, struct co_err *e)
{
	int64_t did, x_start = 0, x_end = 0, t;
	struct db_rows *r;
	int rc;

	if (!date_ok(date))
		return co_errf_at(e, CO_EINPUT, 0, 0, "day_date", "give the day as a date");
	if ((rc = opt_text(label, "label", CO_EX_MAX_TITLE, e)) < 0)
		return rc;
	TRY(db_begin(c, DB_TX_WRITE, e));
	TRY(db_query(c, "SELECT starts_at, ends_at FROM ex_exchanges WHERE id = ?",
	             DB_ARGS(DB_I(exchange_id)), &r, e));
	rc = db_rows_next(r, e);
	if (rc == 0)
		rc = co_errf(e, CO_ENOTFOUND, "no such exchange");
	if (rc > 0) {
		x_start = db_int(r, 0);
		x_end = db_int(r, 1);
		rc = 0;
	}
	db_rows_free(r);
	TRY(rc);
	TRY(ex_time_parse_local(date, "12:00", "day_date", &t, e));
	if (t < x_start - 86400 || t > x_end + 86400) {
		rc = co_errf_at(e, CO_EINPUT, 0, 0, "day_date",
		                "the day must fall within the event's dates");
		goto out;
	}
	rc = db_query_int(
	        c,
	        "INSERT INTO ex_conf_days (exchange_id, day_date, label) VALUES (?, ?, ?) "
	        "RETURNING id",
	        DB_ARGS(DB_I(exchange_id), DB_T(date), DB_T(s0(label))), &did, e);
	if (rc == CO_ECONFLICT)
		rc = co_errf_at(e, CO_ECONFLICT, 0, 0, "day_date", "this day is already there");
	TRY(rc);
	TRY(ex__audit(c, -1, NULL, "conference_day.create", "ex_conf_days", "conference_day", did,
	              NULL, e));
	TRY(db_commit(c, e));
	if (id)
		*id = did;
	return 0;
out:
	db_rollback(c);
	return rc;
}

static json_t *day_row(struct db_rows *r)
{
	return json_pack("{s:I,s:o,s:o}", "id", (json_int_t)db_int(r, 0), "date",
	                 jtext(db_text(r, 1)), "label", jtext(db_text(r, 2)));
}

int ex_json_days(struct db_conn *c, int64_t exchange_id, json_t **out, struct co_err *e)
{
	return rows_json(c,
	                 "SELECT id, day_date, label FROM ex_conf_days WHERE exchange_id = ? "
	                 "ORDER BY day_date",
	                 DB_ARGS(DB_I(exchange_id)), day_row, "days", out, e);
}

/* ---- conference sessions and rooms: add, change, remove ---- */

const char *const ex_count_msgs[EX_COUNT_MSGS][2] = {
        [EX_MSG_BELOW_CHOICES] = {"the places cannot be fewer than the {n} attendee who has "
                                  "chosen this session",
                                  "the places cannot be fewer than the {n} attendees who have "
                                  "chosen this session"},
        [EX_MSG_CLASH] = {"the new times would clash with another session chosen by {n} "
                          "attendee who chose this session",
                          "the new times would clash with another session chosen by {n} "
                          "attendees who chose this session"},
        [EX_MSG_CHOSEN] = {"{n} attendee has chosen this session, so it cannot be removed",
                           "{n} attendees have chosen this session, so it cannot be removed"},
        [EX_MSG_PLACED] = {"{n} showcase submission is placed in this session, so it cannot be "
                           "removed",
                           "{n} showcase submissions are placed in this session, so it cannot "
                           "be removed"},
        [EX_MSG_ROOM_USED] = {"{n} session uses this room, so it cannot be removed",
                              "{n} sessions use this room, so it cannot be removed"},
        [EX_MSG_ROOM_SMALL] = {"a session in this room needs {n} place; the room cannot have "
                               "fewer",
                               "a session in this room needs {n} places; the room cannot have "
                               "fewer"},
};

void ex_count_text(char *out, size_t size, const char *tmpl, long n)
{
	const char *at = strstr(tmpl, "{n}");

	if (!at)
		snprintf(out, size, "%s", tmpl);
	else
		snprintf(out, size, "%.*s%ld%s", (int)(at - tmpl), tmpl, n, at + 3);
}

/* A refusal that counts, in English (pages translate it: ex_count_msgs). */
static int count_refusal(struct co_err *e, int code, const char *field, int which, long n)
{
	char text[CO_MAX_ERRMSG];

	ex_count_text(text, sizeof(text), ex_count_msgs[which][n == 1 ? 0 : 1], n);
	return co_errf_at(e, code, 0, 0, field, "%s", text);
}

/* What a session's fields must be, when it is added and when it changes. */
static int session_check(const struct ex_session_in *in, struct co_err *e)
{
	static const char *const kinds[] = {"reception",  "keynote", "workshop", "showcase",
	                                    "networking", "plenary", "break",    NULL};
	int rc, i, known = 0;

	for (i = 0; kinds[i]; i++)
		known |= in->kind && strcmp(in->kind, kinds[i]) == 0;
	if (!known)
		return co_errf_at(
		        e, CO_EINPUT, 0, 0, "kind",
		        "is reception, keynote, workshop, showcase, networking, plenary or "
		        "break");
	if ((rc = need_text(in->title, "title", CO_EX_MAX_TITLE, e)) < 0 ||
	    (rc = opt_text(in->summary_md, "summary", CO_EX_MAX_TEXT, e)) < 0 ||
	    (rc = opt_text(in->room, "room", CO_EX_MAX_TITLE, e)) < 0)
		return rc;
	if (in->ends_at <= in->starts_at)
		return co_errf_at(e, CO_EINPUT, 0, 0, "ends_at", "the end must be after the start");
	if (in->capacity > CO_EX_MAX_CAPACITY || in->room_capacity < 0 ||
	    in->room_capacity > CO_EX_MAX_CAPACITY)
		return co_errf_at(e, CO_EINPUT, 0, 0, "capacity", "must be between 0 and %d",
		                  CO_EX_MAX_CAPACITY);
	return 0;
}

/* Inside the write's transaction: the session within the event's days,
 * and its room (made on first use with room_capacity, and audited): *room
 * is its id, 0 for none, *room_cap its capacity (-1 for none). */
static int session_place(struct db_conn *c, const struct ex_session_in *in, int64_t *room,
                         int64_t *room_cap, struct co_err *e)
{
	struct db_rows *r;
	int64_t x_start = 0, x_end = 0;
	int rc;

	*room = 0;
	*room_cap = -1;
	if ((rc = db_query(c, "SELECT starts_at, ends_at FROM ex_exchanges WHERE id = ?",
	                   DB_ARGS(DB_I(in->exchange_id)), &r, e)) < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 0)
		rc = co_errf(e, CO_ENOTFOUND, "no such exchange");
	if (rc > 0) {
		x_start = db_int(r, 0);
		x_end = db_int(r, 1);
		rc = 0;
	}
	db_rows_free(r);
	if (rc < 0)
		return rc;
	if (in->starts_at < x_start - 86400 || in->ends_at > x_end + 86400)
		return co_errf_at(e, CO_EINPUT, 0, 0, "starts_at",
		                  "the session must fall within the event's days");
	if (!in->room || !*in->room)
		return 0;
	if ((rc = db_query(c,
	                   "SELECT id, capacity FROM ex_rooms WHERE exchange_id = ? AND name = ?",
	                   DB_ARGS(DB_I(in->exchange_id), DB_T(in->room)), &r, e)) < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc > 0) {
		*room = db_int(r, 0);
		*room_cap = db_int(r, 1);
	}
	db_rows_free(r);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	rc = db_query_int(c,
	                  "INSERT INTO ex_rooms (exchange_id, name, capacity) VALUES (?, ?, ?) "
	                  "RETURNING id",
	                  DB_ARGS(DB_I(in->exchange_id), DB_T(in->room), DB_I(in->room_capacity)),
	                  room, e);
	if (rc < 0)
		return rc;
	*room_cap = in->room_capacity;
	return ex__audit(c, -1, NULL, "room.create", "ex_rooms", "room", *room, NULL, e);
}

int ex_session_create(struct db_conn *c, const struct ex_session_in *in, int64_t *id,
                      struct co_err *e)
{
	int64_t room = 0, room_cap, sid;
	int rc;

	if ((rc = session_check(in, e)) < 0)
		return rc;
	TRY(db_begin(c, DB_TX_WRITE, e));
	TRY(session_place(c, in, &room, &room_cap, e));
	TRY(db_query_int(
	        c,
	        "INSERT INTO ex_sessions (exchange_id, room_id, kind, title, summary_md, "
	        "starts_at, ends_at, capacity, needs_choice) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
	        "?) RETURNING id",
	        DB_ARGS(DB_I(in->exchange_id), room ? DB_I(room) : DB_NUL, DB_T(in->kind),
	                DB_T(in->title), DB_T(s0(in->summary_md)), DB_I(in->starts_at),
	                DB_I(in->ends_at), in->capacity >= 0 ? DB_I(in->capacity) : DB_NUL,
	                DB_I(in->needs_choice ? 1 : 0)),
	        &sid, e));
	TRY(ex__audit(c, -1, NULL, "session.create", "ex_sessions", "session", sid, NULL, e));
	TRY(db_commit(c, e));
	if (id)
		*id = sid;
	return 0;
out:
	db_rollback(c);
	return rc;
}

/* How many attendees who chose session sid would have a clash with another
 * of their choices if it ran at want (ex_slots_clash, as when choosing). */
static int clashes_for_choosers(struct db_conn *c, int64_t sid, const struct ex_slot *want,
                                int64_t *n, struct co_err *e)
{
	struct db_rows *r;
	int64_t last = 0, count = 0;
	int rc;

	rc = db_query(c,
	              "SELECT ch.registration_id, t.id, t.starts_at, t.ends_at FROM "
	              "ex_session_choices ch JOIN ex_session_choices o ON o.registration_id = "
	              "ch.registration_id AND o.session_id <> ch.session_id JOIN ex_sessions t ON "
	              "t.id = o.session_id WHERE ch.session_id = ? ORDER BY ch.registration_id",
	              DB_ARGS(DB_I(sid)), &r, e);
	if (rc < 0)
		return rc;
	while ((rc = db_rows_next(r, e)) > 0) {
		struct ex_slot other = {db_int(r, 1), db_int(r, 2), db_int(r, 3)};
		int64_t reg = db_int(r, 0);

		if (reg != last && ex_slots_clash(&other, want)) {
			count++;
			last = reg;
		}
	}
	db_rows_free(r);
	if (rc < 0)
		return rc;
	*n = count;
	return 0;
}

/* In a write's transaction: a chosen session's time or place changed. A new
 * change number of the conference is written on its choices, so that those
 * who chose it now are owed a notice (ex_notify.c sends it). */
static int owe_notice(struct db_conn *c, int64_t exchange_id, int64_t session_id, struct co_err *e)
{
	int64_t changes;
	int rc;

	if ((rc = db_exec(c,
	                  "UPDATE ex_exchanges SET session_changes = session_changes + 1 WHERE id "
	                  "= ?",
	                  DB_ARGS(DB_I(exchange_id)), NULL, e)) < 0 ||
	    (rc = db_query_int(c, "SELECT session_changes FROM ex_exchanges WHERE id = ?",
	                       DB_ARGS(DB_I(exchange_id)), &changes, e)) < 0 ||
	    (rc = db_exec(c, "UPDATE ex_session_choices SET change_seq = ? WHERE session_id = ?",
	                  DB_ARGS(DB_I(changes), DB_I(session_id)), NULL, e)) < 0)
		return rc;
	return 0;
}

int ex_session_update(struct db_conn *c, int64_t session_id, const struct ex_session_in *in,
                      struct co_err *e)
{
	struct db_rows *r;
	json_t *before = NULL;
	int64_t old_room = 0, old_start = 0, old_end = 0, room = 0, room_cap = -1, chosen = 0;
	int64_t cap;
	int rc, moved;

	if ((rc = session_check(in, e)) < 0)
		return rc;
	TRY(db_begin(c, DB_TX_WRITE, e));
	/* The session's row lock keeps choices out while the counts are read
	 * (ex_choose_session takes it too). */
	TRY(db_query(c,
	             "SELECT room_id, starts_at, ends_at FROM ex_sessions WHERE id = ? AND "
	             "exchange_id = ? {{for_update}}",
	             DB_ARGS(DB_I(session_id), DB_I(in->exchange_id)), &r, e));
	rc = db_rows_next(r, e);
	if (rc == 0)
		rc = co_errf(e, CO_ENOTFOUND, "no such session");
	if (rc > 0) {
		old_room = db_isnull(r, 0) ? 0 : db_int(r, 0);
		old_start = db_int(r, 1);
		old_end = db_int(r, 2);
		rc = 0;
	}
	db_rows_free(r);
	TRY(rc);
	TRY(ex__audit_row(c, "ex_sessions", session_id, &before, e));
	TRY(session_place(c, in, &room, &room_cap, e));
	TRY(db_query_int(c, "SELECT COUNT(*) FROM ex_session_choices WHERE session_id = ?",
	                 DB_ARGS(DB_I(session_id)), &chosen, e));
	cap = in->capacity >= 0 ? in->capacity : room_cap;
	if (cap >= 0 && chosen > cap) {
		rc = count_refusal(e, CO_EINPUT, in->capacity >= 0 ? "capacity" : "room",
		                   EX_MSG_BELOW_CHOICES, (long)chosen);
		goto out;
	}
	moved = in->starts_at != old_start || in->ends_at != old_end || room != old_room;
	if (chosen > 0 && (in->starts_at != old_start || in->ends_at != old_end)) {
		struct ex_slot want = {session_id, in->starts_at, in->ends_at};
		int64_t clashes = 0;

		TRY(clashes_for_choosers(c, session_id, &want, &clashes, e));
		if (clashes > 0) {
			rc = count_refusal(e, CO_EINPUT, "starts_at", EX_MSG_CLASH, (long)clashes);
			goto out;
		}
	}
	TRY(db_exec(c,
	            "UPDATE ex_sessions SET room_id = ?, kind = ?, title = ?, summary_md = ?, "
	            "starts_at = ?, ends_at = ?, capacity = ?, needs_choice = ?, sequence = "
	            "sequence + ? WHERE id = ?",
	            DB_ARGS(room ? DB_I(room) : DB_NUL, DB_T(in->kind), DB_T(in->title),
	                    DB_T(s0(in->summary_md)), DB_I(in->starts_at), DB_I(in->ends_at),
	                    in->capacity >= 0 ? DB_I(in->capacity) : DB_NUL,
	                    DB_I(in->needs_choice ? 1 : 0), DB_I(moved ? 1 : 0), DB_I(session_id)),
	            NULL, e));
	if (moved && chosen > 0)
		TRY(owe_notice(c, in->exchange_id, session_id, e));
	TRY(ex__audit(c, -1, NULL, "session.update", "ex_sessions", "session", session_id, before,
	              e));
	TRY(db_commit(c, e));
	json_decref(before);
	return 0;
out:
	db_rollback(c);
	json_decref(before);
	return rc;
}

int ex_session_delete(struct db_conn *c, int64_t exchange_id, int64_t session_id, struct co_err *e)
{
	json_t *before = NULL;
	int64_t found, chosen, placed;
	int rc;

	TRY(db_begin(c, DB_TX_WRITE, e));
	TRY(db_query_int(c,
	                 "SELECT id FROM ex_sessions WHERE id = ? AND exchange_id = ? "
	                 "{{for_update}}",
	                 DB_ARGS(DB_I(session_id), DB_I(exchange_id)), &found, e));
	TRY(db_query_int(c, "SELECT COUNT(*) FROM ex_session_choices WHERE session_id = ?",
	                 DB_ARGS(DB_I(session_id)), &chosen, e));
	if (chosen > 0) {
		rc = count_refusal(e, CO_ECONFLICT, "session", EX_MSG_CHOSEN, (long)chosen);
		goto out;
	}
	TRY(db_query_int(c, "SELECT COUNT(*) FROM ex_showcase_slots WHERE session_id = ?",
	                 DB_ARGS(DB_I(session_id)), &placed, e));
	if (placed > 0) {
		rc = count_refusal(e, CO_ECONFLICT, "session", EX_MSG_PLACED, (long)placed);
		goto out;
	}
	TRY(ex__audit_row(c, "ex_sessions", session_id, &before, e));
	TRY(db_exec(c, "DELETE FROM ex_sessions WHERE id = ?", DB_ARGS(DB_I(session_id)), NULL, e));
	TRY(ex__audit(c, -1, NULL, "session.delete", "ex_sessions", "session", session_id, before,
	              e));
	TRY(db_commit(c, e));
	json_decref(before);
	return 0;
out:
	db_rollback(c);
	json_decref(before);
	return rc;
}

/* The sessions of a renamed room: SEQUENCE raised, choosers owed a notice
 * (one change number each, so that an attendee who chose two of them hears
 * of both). */
static int room_renamed(struct db_conn *c, int64_t exchange_id, int64_t room_id, struct co_err *e)
{
	struct db_rows *r;
	int64_t *chosen = NULL;
	size_t n = 0, cap = 0, i;
	int rc;

	if ((rc = db_exec(c, "UPDATE ex_sessions SET sequence = sequence + 1 WHERE room_id = ?",
	                  DB_ARGS(DB_I(room_id)), NULL, e)) < 0)
		return rc;
	if ((rc = db_query(
	             c,
	             "SELECT s.id FROM ex_sessions s WHERE s.room_id = ? AND EXISTS (SELECT 1 "
	             "FROM ex_session_choices ch WHERE ch.session_id = s.id) ORDER BY s.id",
	             DB_ARGS(DB_I(room_id)), &r, e)) < 0)
		return rc;
	while ((rc = db_rows_next(r, e)) > 0) {
		if (n == cap) {
			int64_t *p = realloc(chosen, sizeof(*p) * (cap ? cap * 2 : 8));

			if (!p) {
				rc = co_errf(e, CO_ENOMEM, "out of memory");
				break;
			}
			chosen = p;
			cap = cap ? cap * 2 : 8;
		}
		chosen[n++] = db_int(r, 0);
	}
	db_rows_free(r);
	for (i = 0; rc >= 0 && i < n; i++)
		rc = owe_notice(c, exchange_id, chosen[i], e);
	free(chosen);
	return rc < 0 ? rc : 0;
}

int ex_room_update(struct db_conn *c, int64_t exchange_id, int64_t room_id, const char *name,
                   int capacity, struct co_err *e)
{
	json_t *before = NULL;
	int64_t found, need = 0, other = 0, renamed = 0;
	int rc;

	if ((rc = need_text(name, "name", CO_EX_MAX_TITLE, e)) < 0)
		return rc;
	if (capacity < 0 || capacity > CO_EX_MAX_CAPACITY)
		return co_errf_at(e, CO_EINPUT, 0, 0, "capacity", "must be between 0 and %d",
		                  CO_EX_MAX_CAPACITY);
	TRY(db_begin(c, DB_TX_WRITE, e));
	TRY(db_query_int(c,
	                 "SELECT id FROM ex_rooms WHERE id = ? AND exchange_id = ? {{for_update}}",
	                 DB_ARGS(DB_I(room_id), DB_I(exchange_id)), &found, e));
	rc = db_query_int(c,
	                  "SELECT id FROM ex_rooms WHERE exchange_id = ? AND name = ? AND id <> ?",
	                  DB_ARGS(DB_I(exchange_id), DB_T(name), DB_I(room_id)), &other, e);
	if (rc == 0) {
		rc = co_errf_at(e, CO_ECONFLICT, 0, 0, "name",
		                "another room of this conference already has this name");
		goto out;
	}
	if (rc != CO_ENOTFOUND)
		goto out;
	/* The most places a session in the room needs: its own capacity, or
	 * for one without, the attendees who chose it. */
	TRY(db_query_int(c,
	                 "SELECT COALESCE(MAX(CASE WHEN s.capacity IS NOT NULL THEN s.capacity "
	                 "ELSE (SELECT COUNT(*) FROM ex_session_choices ch WHERE ch.session_id = "
	                 "s.id) END), 0) FROM ex_sessions s WHERE s.room_id = ?",
	                 DB_ARGS(DB_I(room_id)), &need, e));
	if (capacity < need) {
		rc = count_refusal(e, CO_EINPUT, "capacity", EX_MSG_ROOM_SMALL, (long)need);
		goto out;
	}
	TRY(ex__audit_row(c, "ex_rooms", room_id, &before, e));
	TRY(db_query_int(c, "SELECT COUNT(*) FROM ex_rooms WHERE id = ? AND name <> ?",
	                 DB_ARGS(DB_I(room_id), DB_T(name)), &renamed, e));
	rc = db_exec(c, "UPDATE ex_rooms SET name = ?, capacity = ? WHERE id = ?",
	             DB_ARGS(DB_T(name), DB_I(capacity), DB_I(room_id)), NULL, e);
	if (rc == CO_ECONFLICT)
		rc = co_errf_at(e, CO_ECONFLICT, 0, 0, "name",
		                "another room of this conference already has this name");
	TRY(rc);
	/* A new name is a new place for the sessions in the room: their
	 * calendars and those who chose them are told. */
	if (renamed)
		TRY(room_renamed(c, exchange_id, room_id, e));
	TRY(ex__audit(c, -1, NULL, "room.update", "ex_rooms", "room", room_id, before, e));
	TRY(db_commit(c, e));
	json_decref(before);
	return 0;
out:
	db_rollback(c);
	json_decref(before);
	return rc;
}

int ex_room_delete(struct db_conn *c, int64_t exchange_id, int64_t room_id, struct co_err *e)
{
	json_t *before = NULL;
	int64_t found, used;
	int rc;

	TRY(db_begin(c, DB_TX_WRITE, e));
	TRY(db_query_int(c,
	                 "SELECT id FROM ex_rooms WHERE id = ? AND exchange_id = ? {{for_update}}",
	                 DB_ARGS(DB_I(room_id), DB_I(exchange_id)), &found, e));
	TRY(db_query_int(c, "SELECT COUNT(*) FROM ex_sessions WHERE room_id = ?",
	                 DB_ARGS(DB_I(room_id)), &used, e));
	if (used > 0) {
		rc = count_refusal(e, CO_ECONFLICT, "room", EX_MSG_ROOM_USED, (long)used);
		goto out;
	}
	TRY(ex__audit_row(c, "ex_rooms", room_id, &before, e));
	TRY(db_exec(c, "DELETE FROM ex_rooms WHERE id = ?", DB_ARGS(DB_I(room_id)), NULL, e));
	TRY(ex__audit(c, -1, NULL, "room.delete", "ex_rooms", "room", room_id, before, e));
	TRY(db_commit(c, e));
	json_decref(before);
	return 0;
out:
	db_rollback(c);
	json_decref(before);
	return rc;
}

static json_t *room_row(struct db_rows *r)
{
	return json_pack("{s:I,s:o,s:I,s:I}", "id", (json_int_t)db_int(r, 0), "name",
	                 jtext(db_text(r, 1)), "capacity", (json_int_t)db_int(r, 2), "sessions",
	                 (json_int_t)db_int(r, 3));
}

int ex_json_rooms(struct db_conn *c, int64_t exchange_id, json_t **out, struct co_err *e)
{
	return rows_json(c,
	                 "SELECT rm.id, rm.name, rm.capacity, (SELECT COUNT(*) FROM ex_sessions s "
	                 "WHERE s.room_id = rm.id) FROM ex_rooms rm WHERE rm.exchange_id = ? "
	                 "ORDER BY rm.name, rm.id",
	                 DB_ARGS(DB_I(exchange_id)), room_row, "rooms", out, e);
}

int ex_json_session(struct db_conn *c, int64_t exchange_id, int64_t session_id, json_t **out,
                    struct co_err *e)
{
	json_t *all, *s;
	size_t i;
	int rc;

	if ((rc = ex_json_sessions(c, exchange_id, 0, &all, e)) < 0)
		return rc;
	json_array_foreach(json_object_get(all, "sessions"), i, s)
	{
		if (json_integer_value(json_object_get(s, "id")) == session_id) {
			*out = json_incref(s);
			json_decref(all);
			return 0;
		}
	}
	json_decref(all);
	return co_errf(e, CO_ENOTFOUND, "no such session");
}
