/*
 * store.c - the accounts module's reads and writes. Every write here runs
 * inside the caller's transaction and records its audit entry in it, so a
 * change and its record commit or roll back together.
 */
#include "mod/accounts/acct_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

int64_t acct__now(void)
{
	return (int64_t)time(NULL);
}

/* ---- reference data ---- */

const struct acct_label acct_org_types[] = {
        {"health_board", "Health board"},       {"nhs_trust", "NHS trust"},
        {"local_authority", "Local authority"}, {"third_sector", "Third sector"},
        {"independent", "Independent sector"},  {"university", "University"},
        {"national_body", "National body"},     {NULL, NULL},
};

const struct acct_label acct_regions[] = {
        {"north", "North Wales"},
        {"west", "West Wales"},
        {"powys", "Powys"},
        {"west_glamorgan", "West Glamorgan"},
        {"cwm_taf", "Cwm Taf Morgannwg"},
        {"cardiff_vale", "Cardiff and Vale"},
        {"gwent", "Gwent"},
        {"national", "All Wales"},
        {NULL, NULL},
};

const struct acct_label acct_org_roles[] = {
        {"member", "Member"},
        {"org_lead", "Organisation lead"},
        {NULL, NULL},
};

const char *acct_label_of(const struct acct_label *t, const char *code)
{
	for (; code && t->code; t++)
		if (strcmp(t->code, code) == 0)
			return t->label;
	return NULL;
}

/* ---- audit and outbox: used by every module ---- */

static char *dump(const json_t *v)
{
	return v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

int acct_audit(struct db_conn *c, int64_t actor_id, const char *address, const char *action,
               const char *object_type, int64_t object_id, const json_t *before,
               const json_t *after, struct co_err *e)
{
	char *b = dump(before), *a = dump(after);
	int rc;

	if ((before && !b) || (after && !a)) {
		free(b);
		free(a);
		return co_errf(e, CO_ENOMEM, "out of memory");
	}
	rc = db_exec(c,
	             "INSERT INTO audit_log (at, actor_id, action, object_type, object_id, "
	             "before_json, after_json, address) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	             DB_ARGS(DB_I(acct__now()), actor_id > 0 ? DB_I(actor_id) : DB_NUL,
	                     DB_T(action), DB_T(object_type),
	                     object_id > 0 ? DB_I(object_id) : DB_NUL, DB_T(b), DB_T(a),
	                     DB_T(address)),
	             NULL, e);
	free(b);
	free(a);
	return rc;
}

int acct_outbox_queue(struct db_conn *c, const char *kind, const char *to, const char *subject,
                      const char *body, const json_t *attachments, int64_t *id, struct co_err *e)
{
	char *att = dump(attachments);
	struct db_rows *r;
	int rc;

	if (strpbrk(to, "\r\n") || strpbrk(subject, "\r\n")) {
		free(att);
		return co_errf(e, CO_EINPUT, "an email header must not hold a line break");
	}
	rc = db_query(c,
	              "INSERT INTO outbox (kind, to_addr, subject, body_text, attachments, "
	              "created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
	              DB_ARGS(DB_T(kind), DB_T(to), DB_T(subject), DB_T(body), DB_T(att),
	                      DB_I(acct__now())),
	              &r, e);
	free(att);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 1 && id)
		*id = db_int(r, 0);
	db_rows_free(r);
	return rc < 0 ? rc : 0;
}

/* ---- the version stamp of the public organisation data ---- */

int acct__orgs_version(struct db_conn *c, int64_t *v, struct co_err *e)
{
	struct db_rows *r;
	int rc;

	rc = db_query(c, "SELECT value FROM settings WHERE name = 'orgs_version'", DB_NOARGS, &r,
	              e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	*v = rc == 1 ? strtoll(db_text(r, 0), NULL, 10) : 0;
	db_rows_free(r);
	return rc < 0 ? rc : 0;
}

int acct__orgs_changed(struct db_conn *c, struct co_err *e)
{
	return db_exec(c,
	               "INSERT INTO settings (name, value) VALUES ('orgs_version', '1') ON "
	               "CONFLICT (name) DO UPDATE SET value = CAST(CAST(settings.value AS "
	               "INTEGER) + 1 AS TEXT)",
	               DB_NOARGS, NULL, e);
}

/* ---- users ---- */

json_t *acct__user_row(struct db_rows *r, int col)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:I}", "id", (json_int_t)db_int(r, col), "email",
	                 db_text(r, col + 1), "name", db_text(r, col + 2), "language",
	                 db_text(r, col + 3), "created_at", (json_int_t)db_int(r, col + 4));
}

#define USER_COLS "u.id, u.email, u.name, u.language, u.created_at"

int acct__user_get(struct db_conn *c, int64_t id, json_t **out, struct co_err *e)
{
	struct db_rows *r;
	int rc;

	rc = db_query(c, "SELECT " USER_COLS " FROM users u WHERE u.id = ?", DB_ARGS(DB_I(id)), &r,
	              e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 1)
		*out = acct__user_row(r, 0);
	db_rows_free(r);
	if (rc == 0)
		return co_errf(e, CO_ENOTFOUND, "no such user");
	return rc < 0 ? rc : 0;
}

int acct__user_by_email(struct db_conn *c, const char *email, int64_t *id, struct co_err *e)
{
	int rc = db_query_int(c, "SELECT id FROM users WHERE email = ?", DB_ARGS(DB_T(email)), id,
	                      e);

	if (rc == CO_ENOTFOUND)
		co_errf(e, CO_ENOTFOUND, "no user with the email address %s", email);
	return rc;
}

int acct_user_create(struct db_conn *c, int64_t actor, const char *email_in, const char *name,
                     const char *password, const char *lang, int64_t *id, struct co_err *e)
{
	char email[ACCT_EMAIL_MAX + 1];
	char hash[ACCT_PWHASH_LEN];
	struct db_rows *r;
	int64_t now = acct__now(), uid = 0;
	json_t *after;
	int rc;

	if ((rc = acct_email_normalise(email_in, email, e)) < 0)
		return rc;
	if ((rc = acct_name_check(name, e)) < 0)
		return rc;
	if (!lang || !*lang)
		lang = "en";
	if (strcmp(lang, "en") != 0 && strcmp(lang, "cy") != 0)
		return co_errf_at(e, CO_EINPUT, 0, 0, "language", "Choose English or Welsh");
	if (password) {
		if ((rc = acct_password_check(password, email, e)) < 0)
			return rc;
		if ((rc = acct_password_hash(password, hash, e)) < 0)
			return rc;
	}
	rc = db_query(c,
	              "INSERT INTO users (email, name, password_hash, language, created_at, "
	              "password_changed_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
	              DB_ARGS(DB_T(email), DB_T(name), DB_T(password ? hash : NULL), DB_T(lang),
	                      DB_I(now), password ? DB_I(now) : DB_NUL),
	              &r, e);
	sodium_memzero(hash, sizeof(hash));
	if (rc == CO_ECONFLICT)
		return co_errf_at(e, CO_ECONFLICT, 0, 0, "email",
		                  "An account with this email address already exists");
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 1)
		uid = db_int(r, 0);
	db_rows_free(r);
	if (rc < 0)
		return rc;
	after = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)uid, "email", email, "name", name,
	                  "language", lang);
	rc = acct_audit(c, actor, NULL, "user.create", "user", uid, NULL, after, e);
	json_decref(after);
	if (rc < 0)
		return rc;
	if (id)
		*id = uid;
	return 0;
}

int acct__user_set_password(struct db_conn *c, int64_t actor, int64_t uid, const char *password,
                            const char *address, struct co_err *e)
{
	char email[ACCT_EMAIL_MAX + 1];
	char hash[ACCT_PWHASH_LEN];
	struct db_rows *r;
	int rc;

	rc = db_query(c, "SELECT email FROM users WHERE id = ?", DB_ARGS(DB_I(uid)), &r, e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 1)
		snprintf(email, sizeof(email), "%s", db_text(r, 0));
	db_rows_free(r);
	if (rc <= 0)
		return rc < 0 ? rc : co_errf(e, CO_ENOTFOUND, "no such user");
	if ((rc = acct_password_check(password, email, e)) < 0)
		return rc;
	if ((rc = acct_password_hash(password, hash, e)) < 0)
		return rc;
	rc = db_exec(c, "UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?",
	             DB_ARGS(DB_T(hash), DB_I(acct__now()), DB_I(uid)), NULL, e);
	sodium_memzero(hash, sizeof(hash));
	if (rc < 0)
		return rc;
	/* A new password ends every session and every unused reset link. */
	rc = db_exec(c, "DELETE FROM sessions WHERE user_id = ?", DB_ARGS(DB_I(uid)), NULL, e);
	if (rc == 0)
		rc = db_exec(c,
		             "UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at "
		             "IS NULL",
		             DB_ARGS(DB_I(acct__now()), DB_I(uid)), NULL, e);
	if (rc == 0)
		rc = acct_audit(c, actor, address, "user.password", "user", uid, NULL, NULL, e);
	return rc;
}

/* ---- memberships ---- */

int acct_membership_add(struct db_conn *c, int64_t actor, int64_t uid, const char *scope,
                        int64_t scope_id, const char *role, struct co_err *e)
{
	json_t *after;
	int rc;

	if (!web_role_parse(role))
		return co_errf_at(e, CO_EINPUT, 0, 0, "role", "Choose a role");
	rc = db_exec(c,
	             "INSERT INTO memberships (user_id, scope_type, scope_id, role, created_at) "
	             "VALUES (?, ?, ?, ?, ?)",
	             DB_ARGS(DB_I(uid), DB_T(scope), DB_I(scope_id), DB_T(role), DB_I(acct__now())),
	             NULL, e);
	if (rc == CO_ECONFLICT)
		return co_errf_at(e, CO_ECONFLICT, 0, 0, "role",
		                  "The person already has this role");
	if (rc < 0)
		return rc;
	after = json_pack("{s:I,s:s,s:I,s:s}", "user_id", (json_int_t)uid, "scope_type", scope,
	                  "scope_id", (json_int_t)scope_id, "role", role);
	rc = acct_audit(c, actor, NULL, "membership.add", scope, scope_id, NULL, after, e);
	json_decref(after);
	if (rc == 0 && strcmp(scope, WEB_SCOPE_ORG) == 0)
		rc = acct__orgs_changed(c, e); /* member counts are public */
	return rc;
}

/* The user's roles on one organisation, as a JSON array of role names. */
static json_t *org_roles_of(struct db_conn *c, int64_t org_id, int64_t uid, struct co_err *e)
{
	struct db_rows *r;
	json_t *arr = json_array();
	int rc;

	rc = db_query(c,
	              "SELECT role FROM memberships WHERE scope_type = 'org' AND scope_id = ? AND "
	              "user_id = ? ORDER BY role",
	              DB_ARGS(DB_I(org_id), DB_I(uid)), &r, e);
	if (rc < 0) {
		json_decref(arr);
		return NULL;
	}
	while ((rc = db_rows_next(r, e)) == 1)
		json_array_append_new(arr, json_string(db_text(r, 0)));
	db_rows_free(r);
	if (rc < 0) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

int acct__org_set_role(struct db_conn *c, int64_t actor, int64_t org_id, int64_t uid,
                       const char *role, struct co_err *e)
{
	json_t *before, *after;
	int64_t leads = 0;
	int rc;

	if (!role || !acct_label_of(acct_org_roles, role))
		return co_errf_at(e, CO_EINPUT, 0, 0, "role", "Choose a role");
	before = org_roles_of(c, org_id, uid, e);
	if (!before)
		return e->code ? e->code : CO_EDB;
	if (json_array_size(before) == 0) {
		json_decref(before);
		return co_errf(e, CO_ENOTFOUND, "The person is not a member of this organisation");
	}
	if (strcmp(role, "org_lead") != 0) {
		rc = db_query_int(c,
		                  "SELECT COUNT(*) FROM memberships WHERE scope_type = 'org' AND "
		                  "scope_id = ? AND role = 'org_lead' AND user_id <> ?",
		                  DB_ARGS(DB_I(org_id), DB_I(uid)), &leads, e);
		if (rc == 0 && leads == 0 && json_array_size(before) == 1 &&
		    strcmp(json_string_value(json_array_get(before, 0)), "org_lead") == 0)
			rc = co_errf_at(e, CO_ECONFLICT, 0, 0, "role",
			                "An organisation must keep at least one lead");
		if (rc < 0) {
			json_decref(before);
			return rc;
		}
	}
	rc = db_exec(c,
	             "DELETE FROM memberships WHERE scope_type = 'org' AND scope_id = ? AND "
	             "user_id = ?",
	             DB_ARGS(DB_I(org_id), DB_I(uid)), NULL, e);
	if (rc == 0)
		rc = db_exec(c,
		             "INSERT INTO memberships (user_id, scope_type, scope_id, role, "
		             "created_at) VALUES (?, 'org', ?, ?, ?)",
		             DB_ARGS(DB_I(uid), DB_I(org_id), DB_T(role), DB_I(acct__now())), NULL,
		             e);
	if (rc == 0) {
		after = json_pack("{s:I,s:[s]}", "user_id", (json_int_t)uid, "roles", role);
		json_t *b = json_pack("{s:I,s:O}", "user_id", (json_int_t)uid, "roles", before);

		rc = acct_audit(c, actor, NULL, "membership.role", "org", org_id, b, after, e);
		if (rc == 0)
			rc = acct__orgs_changed(c, e);
		json_decref(after);
		json_decref(b);
	}
	json_decref(before);
	return rc;
}

int acct__org_remove_member(struct db_conn *c, int64_t actor, int64_t org_id, int64_t uid,
                            struct co_err *e)
{
	json_t *before, *b;
	int64_t leads = 0;
	int rc, was_lead = 0;
	size_t i;

	before = org_roles_of(c, org_id, uid, e);
	if (!before)
		return e->code ? e->code : CO_EDB;
	if (json_array_size(before) == 0) {
		json_decref(before);
		return co_errf(e, CO_ENOTFOUND, "The person is not a member of this organisation");
	}
	for (i = 0; i < json_array_size(before); i++)
		if (strcmp(json_string_value(json_array_get(before, i)), "org_lead") == 0)
			was_lead = 1;
	rc = db_query_int(c,
	                  "SELECT COUNT(*) FROM memberships WHERE scope_type = 'org' AND "
	                  "scope_id = ? AND role = 'org_lead' AND user_id <> ?",
	                  DB_ARGS(DB_I(org_id), DB_I(uid)), &leads, e);
	if (rc == 0 && was_lead && leads == 0)
		rc = co_errf_at(e, CO_ECONFLICT, 0, 0, "role",
		                "An organisation must keep at least one lead");
	if (rc == 0)
		rc = db_exec(
		        c,
		        "DELETE FROM memberships WHERE scope_type = 'org' AND scope_id = ? AND "
		        "user_id = ?",
		        DB_ARGS(DB_I(org_id), DB_I(uid)), NULL, e);
	if (rc == 0) {
		b = json_pack("{s:I,s:O}", "user_id", (json_int_t)uid, "roles", before);
		rc = acct_audit(c, actor, NULL, "membership.remove", "org", org_id, b, NULL, e);
		if (rc == 0)
			rc = acct__orgs_changed(c, e);
		json_decref(b);
	}
	json_decref(before);
	return rc;
}

/* ---- organisations ---- */

#define ORG_COLS "o.id, o.code, o.name, o.type, o.region, o.created_at, o.updated_at"

json_t *acct__org_row(struct db_rows *r)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:I,s:I}", "id", (json_int_t)db_int(r, 0), "code",
	                 db_text(r, 1), "name", db_text(r, 2), "type", db_text(r, 3), "region",
	                 db_text(r, 4), "created_at", (json_int_t)db_int(r, 5), "updated_at",
	                 (json_int_t)db_int(r, 6));
}

int acct__org_find(struct db_conn *c, const char *code, json_t **out, struct co_err *e)
{
	struct db_rows *r;
	int rc;

	rc = db_query(c, "SELECT " ORG_COLS " FROM organisations o WHERE o.code = ?",
	              DB_ARGS(DB_T(code)), &r, e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 1)
		*out = acct__org_row(r);
	db_rows_free(r);
	if (rc == 0)
		return co_errf(e, CO_ENOTFOUND, "no organisation with the code %s", code);
	return rc < 0 ? rc : 0;
}

int acct__org_list(struct db_conn *c, const struct acct_org_filter *f, long offset, long limit,
                   json_t **items, long *total, struct co_err *e)
{
	/* One statement shape whatever the filters (an empty filter matches
	 * all), so that each prepared statement is reused. */
#define ORG_WHERE                                                                                  \
	" WHERE (? = '' OR o.type = ?) AND (? = '' OR o.region = ?)"                               \
	" AND (? = '' OR LOWER(o.name) LIKE ? OR LOWER(o.code) LIKE ?)"
	const char *type = f->type ? f->type : "", *region = f->region ? f->region : "";
	const char *q = f->q ? f->q : "";
	char like[256];
	struct db_rows *r;
	int64_t n = 0;
	size_t i, j = 0;
	int rc;

	like[j++] = '%';
	for (i = 0; q[i] && j < sizeof(like) - 3; i++) {
		char ch = q[i];

		if (ch == '%' || ch == '_' || ch == '\\')
			continue; /* no wildcards from the user */
		like[j++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
	}
	like[j++] = '%';
	like[j] = '\0';
	/* Members are counted in one grouped pass, not once per row. */
	rc = db_query(c,
	              "SELECT " ORG_COLS ", COALESCE(mc.n, 0) FROM organisations o LEFT JOIN "
	              "(SELECT scope_id, COUNT(DISTINCT user_id) AS n FROM memberships WHERE "
	              "scope_type = 'org' GROUP BY scope_id) mc ON mc.scope_id = o.id" ORG_WHERE
	              " ORDER BY o.name, o.id LIMIT ? OFFSET ?",
	              DB_ARGS(DB_T(type), DB_T(type), DB_T(region), DB_T(region), DB_T(q),
	                      DB_T(like), DB_T(like), DB_I(limit), DB_I(offset)),
	              &r, e);
	if (rc < 0)
		return rc;
	*items = json_array();
	while ((rc = db_rows_next(r, e)) == 1) {
		json_t *o = acct__org_row(r);

		json_object_set_new(o, "members", json_integer(db_int(r, 7)));
		json_array_append_new(*items, o);
	}
	db_rows_free(r);
	if (rc < 0) {
		json_decref(*items);
		*items = NULL;
		return rc;
	}
	/* The total needs its own count only when this page may not hold it. */
	n = (int64_t)json_array_size(*items);
	if (offset > 0 || n == limit) {
		rc = db_query_int(c, "SELECT COUNT(*) FROM organisations o" ORG_WHERE,
		                  DB_ARGS(DB_T(type), DB_T(type), DB_T(region), DB_T(region),
		                          DB_T(q), DB_T(like), DB_T(like)),
		                  &n, e);
		if (rc < 0) {
			json_decref(*items);
			*items = NULL;
			return rc;
		}
	}
#undef ORG_WHERE
	*total = (long)n;
	return 0;
}

/* One field's problem, or 0. NULL is "not given": a problem only when
 * the field is required. An empty value is never valid. */
static int org_field_check(const char *field, const char *v, int required, struct co_err *e)
{
	size_t i, n;

	if (!v && !required)
		return 0;
	if (strcmp(field, "code") == 0) {
		if (!v || !*v)
			return co_errf_at(e, CO_EINPUT, 0, 0, "code", "Enter a code");
		n = strlen(v);
		for (i = 0; i < n; i++)
			if (!((v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= '0' && v[i] <= '9') ||
			      v[i] == '-'))
				break;
		if (n < 2 || n > 16 || i < n)
			return co_errf_at(
			        e, CO_EINPUT, 0, 0, "code",
			        "Code must be 2 to 16 capital letters, digits or hyphens");
		return 0;
	}
	if (strcmp(field, "name") == 0)
		return acct_name_check(v, e) < 0 ? CO_EINPUT : 0;
	if (strcmp(field, "type") == 0)
		return v && acct_label_of(acct_org_types, v)
		               ? 0
		               : co_errf_at(e, CO_EINPUT, 0, 0, "type",
		                            "Choose a type of organisation");
	return v && acct_label_of(acct_regions, v)
	               ? 0
	               : co_errf_at(e, CO_EINPUT, 0, 0, "region", "Choose a region");
}

int acct__org_problems(const struct acct_org_input *in, int required,
                       void (*report)(const struct co_err *e, void *arg), void *arg)
{
	const char *fields[] = {"name", "code", "type", "region"};
	const char *values[] = {in->name, in->code, in->type, in->region};
	struct co_err e;
	int i, n = 0;

	for (i = 0; i < 4; i++)
		if (org_field_check(fields[i], values[i], required, &e) < 0) {
			n++;
			if (report)
				report(&e, arg);
		}
	return n;
}

/* Keeps the first problem acct__org_problems() finds. */
static void first_problem(const struct co_err *one, void *arg)
{
	struct co_err *e = arg;

	if (e->code == 0)
		*e = *one;
}

/* CO_EINPUT with the first problem in e, or 0. */
static int org_valid(const struct acct_org_input *in, int required, struct co_err *e)
{
	struct co_err first = {0};

	if (acct__org_problems(in, required, first_problem, &first) == 0)
		return 0;
	*e = first;
	return first.code;
}

int acct_org_create(struct db_conn *c, int64_t actor, const struct acct_org_input *in, int64_t *id,
                    struct co_err *e)
{
	struct acct_org_input x = *in;
	struct db_rows *r;
	int64_t now = acct__now(), oid = 0;
	json_t *after;
	int rc;

	if ((rc = org_valid(&x, 1, e)) < 0)
		return rc;
	rc = db_query(
	        c,
	        "INSERT INTO organisations (code, name, type, region, created_at, updated_at) "
	        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
	        DB_ARGS(DB_T(x.code), DB_T(x.name), DB_T(x.type), DB_T(x.region), DB_I(now),
	                DB_I(now)),
	        &r, e);
	if (rc == CO_ECONFLICT)
		return co_errf_at(e, CO_ECONFLICT, 0, 0, "code",
		                  "An organisation with this code already exists");
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 1)
		oid = db_int(r, 0);
	db_rows_free(r);
	if (rc < 0)
		return rc;
	after = json_pack("{s:s,s:s,s:s,s:s}", "code", x.code, "name", x.name, "type", x.type,
	                  "region", x.region);
	rc = acct_audit(c, actor, NULL, "org.create", "org", oid, NULL, after, e);
	json_decref(after);
	if (rc == 0)
		rc = acct__orgs_changed(c, e);
	if (rc == 0 && id)
		*id = oid;
	return rc;
}

int acct__org_update(struct db_conn *c, int64_t actor, int64_t oid, const struct acct_org_input *in,
                     struct co_err *e)
{
	struct acct_org_input x = *in;
	struct db_rows *r;
	json_t *before = NULL, *after;
	int rc;

	if ((rc = org_valid(&x, 0, e)) < 0)
		return rc;
	rc = db_query(c, "SELECT " ORG_COLS " FROM organisations o WHERE o.id = ? {{for_update}}",
	              DB_ARGS(DB_I(oid)), &r, e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 1)
		before = acct__org_row(r);
	db_rows_free(r);
	if (rc <= 0)
		return rc < 0 ? rc : co_errf(e, CO_ENOTFOUND, "no such organisation");
	json_object_del(before, "created_at");
	json_object_del(before, "updated_at");
	json_object_del(before, "id");
	after = json_deep_copy(before);
	if (x.code)
		json_object_set_new(after, "code", json_string(x.code));
	if (x.name)
		json_object_set_new(after, "name", json_string(x.name));
	if (x.type)
		json_object_set_new(after, "type", json_string(x.type));
	if (x.region)
		json_object_set_new(after, "region", json_string(x.region));
	rc = db_exec(c,
	             "UPDATE organisations SET code = ?, name = ?, type = ?, region = ?, "
	             "updated_at = ? WHERE id = ?",
	             DB_ARGS(DB_T(json_string_value(json_object_get(after, "code"))),
	                     DB_T(json_string_value(json_object_get(after, "name"))),
	                     DB_T(json_string_value(json_object_get(after, "type"))),
	                     DB_T(json_string_value(json_object_get(after, "region"))),
	                     DB_I(acct__now()), DB_I(oid)),
	             NULL, e);
	if (rc == CO_ECONFLICT)
		rc = co_errf_at(e, CO_ECONFLICT, 0, 0, "code",
		                "An organisation with this code already exists");
	if (rc == 0 && !json_equal(before, after))
		rc = acct_audit(c, actor, NULL, "org.update", "org", oid, before, after, e);
	if (rc == 0)
		rc = acct__orgs_changed(c, e);
	json_decref(before);
	json_decref(after);
	return rc;
}

int acct__org_members(struct db_conn *c, int64_t org_id, json_t **out, struct co_err *e)
{
	struct db_rows *r;
	json_t *arr, *cur = NULL;
	int64_t last = -1;
	int rc;

	rc = db_query(
	        c,
	        "SELECT u.id, u.email, u.name, u.language, u.created_at, m.role FROM memberships m "
	        "JOIN users u ON u.id = m.user_id WHERE m.scope_type = 'org' AND m.scope_id = ? "
	        "ORDER BY u.name, u.id, m.role",
	        DB_ARGS(DB_I(org_id)), &r, e);
	if (rc < 0)
		return rc;
	arr = json_array();
	while ((rc = db_rows_next(r, e)) == 1) {
		if (db_int(r, 0) != last) {
			cur = acct__user_row(r, 0);
			json_object_set_new(cur, "roles", json_array());
			json_array_append_new(arr, cur);
			last = db_int(r, 0);
		}
		json_array_append_new(json_object_get(cur, "roles"), json_string(db_text(r, 5)));
	}
	db_rows_free(r);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

/* ---- sessions, tokens, the secret ---- */

int acct__session_create(struct db_conn *c, int64_t uid, const char *address, long lifetime,
                         char token[ACCT_TOKEN_LEN], struct co_err *e)
{
	char hash[ACCT_HASH_HEX];
	int64_t now = acct__now();
	int rc;

	acct_token_new(NULL, token);
	acct_token_hash(token, hash);
	rc = db_exec(c, "DELETE FROM sessions WHERE expires_at < ?", DB_ARGS(DB_I(now)), NULL, e);
	if (rc == 0)
		rc = db_exec(c,
		             "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, "
		             "address) VALUES (?, ?, ?, ?, ?)",
		             DB_ARGS(DB_T(hash), DB_I(uid), DB_I(now), DB_I(now + lifetime),
		                     DB_T(address)),
		             NULL, e);
	return rc;
}

int acct_token_create(struct db_conn *c, int64_t actor, int64_t uid, const char *name,
                      char token[ACCT_TOKEN_LEN], int64_t *id, struct co_err *e)
{
	char hash[ACCT_HASH_HEX];
	char prefix[12];
	struct db_rows *r;
	int64_t tid = 0;
	json_t *after;
	int rc;

	if (!name || !*name)
		return co_errf_at(e, CO_EINPUT, 0, 0, "name", "Enter a name for the token");
	if (strlen(name) > 100)
		return co_errf_at(e, CO_EINPUT, 0, 0, "name", "Name is too long");
	acct_token_new(ACCT_API_TOKEN_PREFIX, token);
	acct_token_hash(token, hash);
	snprintf(prefix, sizeof(prefix), "%.10s", token);
	rc = db_query(c,
	              "INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at) "
	              "VALUES (?, ?, ?, ?, ?) RETURNING id",
	              DB_ARGS(DB_I(uid), DB_T(name), DB_T(prefix), DB_T(hash), DB_I(acct__now())),
	              &r, e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 1)
		tid = db_int(r, 0);
	db_rows_free(r);
	if (rc < 0)
		return rc;
	after = json_pack("{s:I,s:s,s:s}", "user_id", (json_int_t)uid, "name", name, "prefix",
	                  prefix);
	rc = acct_audit(c, actor, NULL, "token.create", "api_token", tid, NULL, after, e);
	json_decref(after);
	if (rc == 0 && id)
		*id = tid;
	return rc;
}

int acct__token_revoke(struct db_conn *c, int64_t actor, int64_t uid, int64_t tid, struct co_err *e)
{
	int64_t changed = 0;
	int rc;

	rc = db_exec(c,
	             "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND "
	             "revoked_at IS NULL",
	             DB_ARGS(DB_I(acct__now()), DB_I(tid), DB_I(uid)), &changed, e);
	if (rc < 0)
		return rc;
	if (changed == 0)
		return co_errf(e, CO_ENOTFOUND, "no such token");
	return acct_audit(c, actor, NULL, "token.revoke", "api_token", tid, NULL, NULL, e);
}

int acct__tokens(struct db_conn *c, int64_t uid, json_t **out, struct co_err *e)
{
	struct db_rows *r;
	json_t *arr;
	int rc;

	rc = db_query(c,
	              "SELECT id, name, prefix, created_at, last_used_at FROM api_tokens WHERE "
	              "user_id = ? AND revoked_at IS NULL ORDER BY created_at DESC, id DESC",
	              DB_ARGS(DB_I(uid)), &r, e);
	if (rc < 0)
		return rc;
	arr = json_array();
	while ((rc = db_rows_next(r, e)) == 1)
		json_array_append_new(
		        arr, json_pack("{s:I,s:s,s:s,s:I,s:o}", "id", (json_int_t)db_int(r, 0),
		                       "name", db_text(r, 1), "prefix", db_text(r, 2), "created_at",
		                       (json_int_t)db_int(r, 3), "last_used_at",
		                       db_isnull(r, 4) ? json_null() : json_integer(db_int(r, 4))));
	db_rows_free(r);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

int acct__secret(struct db_conn *c, unsigned char key[32], struct co_err *e)
{
	unsigned char fresh[32];
	char hex[65];
	struct db_rows *r;
	size_t len = 0;
	int rc;

	randombytes_buf(fresh, sizeof(fresh));
	sodium_bin2hex(hex, sizeof(hex), fresh, sizeof(fresh));
	/* Whoever inserts first wins; everyone then reads the same value. */
	rc = db_exec(c,
	             "INSERT INTO settings (name, value) VALUES ('web_secret', ?) ON CONFLICT "
	             "(name) DO NOTHING",
	             DB_ARGS(DB_T(hex)), NULL, e);
	if (rc < 0)
		return rc;
	rc = db_query(c, "SELECT value FROM settings WHERE name = 'web_secret'", DB_NOARGS, &r, e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 1 &&
	    sodium_hex2bin(key, 32, db_text(r, 0), strlen(db_text(r, 0)), NULL, &len, NULL) == 0 &&
	    len == 32)
		rc = 0;
	else if (rc >= 0)
		rc = co_errf(e, CO_EINTERNAL, "the stored web secret is malformed");
	db_rows_free(r);
	sodium_memzero(fresh, sizeof(fresh));
	return rc;
}

/* ---- login throttling ---- */

int acct__throttle_load(struct db_conn *c, const char *email, const char *address,
                        struct acct_throttle *t, struct co_err *e)
{
	int64_t since = acct__now() - ACCT_THROTTLE_WINDOW;
	struct db_rows *r;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = db_query(c,
	              "SELECT COUNT(*), MIN(at) FROM login_attempts WHERE email = ? AND at > ? AND "
	              "success = 0",
	              DB_ARGS(DB_T(email), DB_I(since)), &r, e);
	if (rc < 0)
		return rc;
	if ((rc = db_rows_next(r, e)) == 1) {
		t->account_failures = (int)db_int(r, 0);
		t->account_oldest = db_isnull(r, 1) ? 0 : db_int(r, 1);
	}
	db_rows_free(r);
	if (rc < 0)
		return rc;
	rc = db_query(c,
	              "SELECT COUNT(*), MIN(at) FROM login_attempts WHERE address = ? AND at > ? "
	              "AND success = 0",
	              DB_ARGS(DB_T(address), DB_I(since)), &r, e);
	if (rc < 0)
		return rc;
	if ((rc = db_rows_next(r, e)) == 1) {
		t->address_failures = (int)db_int(r, 0);
		t->address_oldest = db_isnull(r, 1) ? 0 : db_int(r, 1);
	}
	db_rows_free(r);
	return rc < 0 ? rc : 0;
}

int acct__attempt_record(struct db_conn *c, const char *email, const char *address, int success,
                         struct co_err *e)
{
	int64_t now = acct__now();
	int rc;

	/* Keep the table small: nothing older than a day is ever read. */
	rc = db_exec(c, "DELETE FROM login_attempts WHERE at < ?", DB_ARGS(DB_I(now - 86400)), NULL,
	             e);
	if (rc == 0)
		rc = db_exec(c,
		             "INSERT INTO login_attempts (email, address, at, success) VALUES (?, "
		             "?, ?, ?)",
		             DB_ARGS(DB_T(email), DB_T(address), DB_I(now), DB_I(success ? 1 : 0)),
		             NULL, e);
	return rc;
}
