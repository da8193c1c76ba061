/*
 * api.c - the JSON API of accounts and organisations under /api/v1: the
 * same operations as the pages, through the same flows and store. Errors
 * are problem details whose errors array names the fields.
 */
#include "mod/accounts/acct_int.h"

#include <stdlib.h>
#include <string.h>

/* Problem details for a failed flow: 400/409 with the field named for bad
 * input, the status of the code otherwise. */
static int api_fail(struct web_ctx *ctx, int rc, const struct co_err *e)
{
	json_t *errs;

	if (rc == CO_EINPUT || ((rc == CO_ECONFLICT || rc == CO_EPERM) && e->field[0])) {
		errs = json_object();
		web_errors_from(ctx, errs, e);
		return web_problem(ctx, rc == CO_EINPUT || rc == CO_EPERM ? 400 : 409,
		                   rc == CO_EINPUT || rc == CO_EPERM ? "The input is not valid"
		                                                     : "Conflict",
		                   NULL, errs);
	}
	if (rc == CO_ENOTFOUND)
		return web_problem(ctx, 404, NULL, NULL, NULL);
	return web_fail(ctx, rc, e);
}

/* A string member of the body: NULL when absent; -1 (and a field error)
 * when present but not a string. */
static int body_str(struct web_ctx *ctx, json_t *body, const char *key, const char **out,
                    json_t *errs)
{
	json_t *v = json_object_get(body, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		web_errors_add(ctx, errs, key, "Must be a string");
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

/* Unknown members are refused, so that a misspelt field is not ignored. */
static int body_only(struct web_ctx *ctx, json_t *body, const char *const *allowed, json_t *errs)
{
	const char *k;
	json_t *v;
	int bad = 0;

	json_object_foreach(body, k, v)
	{
		const char *const *a;
		int ok = 0;

		for (a = allowed; *a; a++)
			if (strcmp(*a, k) == 0)
				ok = 1;
		if (!ok) {
			web_errors_add(ctx, errs, k, "Unknown field");
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* ---- organisations ---- */

int acct__api_orgs(struct web_ctx *ctx)
{
	struct acct_org_filter f = {web_query(ctx, "type"), web_query(ctx, "region"),
	                            web_query(ctx, "q")};
	struct web_page p;
	struct db_conn *c;
	struct co_err e;
	json_t *errs = json_object(), *items = NULL;
	int64_t version = 0;
	long total = 0;
	int rc;

	if (f.type && *f.type && !acct_label_of(acct_org_types, f.type))
		web_errors_add(ctx, errs, "type", "Choose a type of organisation");
	if (f.region && *f.region && !acct_label_of(acct_regions, f.region))
		web_errors_add(ctx, errs, "region", "Choose a region");
	if (web_page_parse(ctx, &p, errs) < 0 || json_object_size(errs))
		return web_problem(ctx, 400, "The input is not valid", NULL, errs);
	json_decref(errs);
	if ((rc = web_db(ctx, &c, &e)) < 0 || (rc = acct__orgs_version(c, &version, &e)) < 0)
		return api_fail(ctx, rc, &e);
	if (web_cache_serve(ctx, version))
		return 0;
	if ((rc = acct__org_list(c, &f, p.offset, p.per_page, &items, &total, &e)) < 0)
		return api_fail(ctx, rc, &e);
	rc = web_json(ctx, 200,
	              json_pack("{s:o,s:o}", "items", items, "pagination",
	                        web_page_info(ctx, &p, total)));
	if (rc == 0)
		web_cache_store(ctx, version);
	return rc;
}

int acct__api_org(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	json_t *org;
	int rc;

	if ((rc = web_db(ctx, &c, &e)) < 0 ||
	    (rc = acct__org_find(c, web_param(ctx, "code"), &org, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 200, org);
}

static const char *const org_fields[] = {"code", "name", "type", "region", NULL};

/* The organisation fields of the body, every problem named: unknown
 * fields, wrong JSON types, and (create: missing) invalid values. 0 when
 * all is well; otherwise the 400 is already written. */
static int org_input(struct web_ctx *ctx, struct acct_org_input *in, int create)
{
	json_t *body, *errs;

	if (web_body_json(ctx, &body) < 0)
		return CO_EINPUT; /* answered */
	memset(in, 0, sizeof(*in));
	errs = json_object();
	body_only(ctx, body, org_fields, errs);
	body_str(ctx, body, "code", &in->code, errs);
	body_str(ctx, body, "name", &in->name, errs);
	body_str(ctx, body, "type", &in->type, errs);
	body_str(ctx, body, "region", &in->region, errs);
	acct__org_errors(ctx, in, create, errs);
	if (json_object_size(errs)) {
		web_problem(ctx, 400, "The input is not valid", NULL, errs);
		return CO_EINPUT;
	}
	json_decref(errs);
	return 0;
}

int acct__api_org_create(struct web_ctx *ctx)
{
	struct acct_org_input in;
	struct db_conn *c;
	struct co_err e;
	json_t *org;
	int64_t id = 0;
	int rc;

	if (org_input(ctx, &in, 1) < 0)
		return 0;
	if ((rc = web_db(ctx, &c, &e)) < 0 || (rc = db_begin(c, DB_TX_WRITE, &e)) < 0)
		return api_fail(ctx, rc, &e);
	rc = acct_org_create(c, ctx->user->id, &in, &id, &e);
	if (rc == 0)
		rc = db_commit(c, &e);
	if (rc < 0) {
		db_rollback(c);
		return api_fail(ctx, rc, &e);
	}
	if ((rc = acct__org_find(c, in.code, &org, &e)) < 0)
		return api_fail(ctx, rc, &e);
	http_res_header(ctx->res, "Location",
	                co_arena_printf(ctx->arena, "/api/v1/organisations/%s", in.code));
	return web_json(ctx, 201, org);
}

int acct__api_org_update(struct web_ctx *ctx)
{
	struct acct_org_input in;
	struct db_conn *c;
	struct co_err e;
	json_t *org;
	int rc;

	if (org_input(ctx, &in, 0) < 0)
		return 0;
	if ((rc = web_db(ctx, &c, &e)) < 0 || (rc = db_begin(c, DB_TX_WRITE, &e)) < 0)
		return api_fail(ctx, rc, &e);
	rc = acct__org_update(c, ctx->user->id, ctx->scope_id, &in, &e);
	if (rc == 0)
		rc = db_commit(c, &e);
	if (rc < 0) {
		db_rollback(c);
		return api_fail(ctx, rc, &e);
	}
	rc = acct__org_find(c, in.code ? in.code : web_param(ctx, "code"), &org, &e);
	if (rc < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 200, org);
}

int acct__api_org_members(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	json_t *members;
	int rc;

	if ((rc = web_db(ctx, &c, &e)) < 0 ||
	    (rc = acct__org_members(c, ctx->scope_id, &members, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 200, json_pack("{s:o}", "items", members));
}

int acct__api_member_put(struct web_ctx *ctx)
{
	static const char *const fields[] = {"role", NULL};
	struct db_conn *c;
	struct co_err e;
	json_t *body, *errs, *members;
	const char *role = NULL;
	int64_t uid;
	int rc;

	if (web_param_id(ctx, "user_id", &uid) < 0)
		return web_problem(ctx, 404, NULL, NULL, NULL);
	if (web_body_json(ctx, &body) < 0)
		return 0;
	errs = json_object();
	/* every problem named, not just the first */
	if ((body_only(ctx, body, fields, errs) | body_str(ctx, body, "role", &role, errs)) < 0)
		return web_problem(ctx, 400, "The input is not valid", NULL, errs);
	json_decref(errs);
	if ((rc = web_db(ctx, &c, &e)) < 0 || (rc = db_begin(c, DB_TX_WRITE, &e)) < 0)
		return api_fail(ctx, rc, &e);
	rc = acct__org_set_role(c, ctx->user->id, ctx->scope_id, uid, role, &e);
	if (rc == 0)
		rc = db_commit(c, &e);
	if (rc < 0) {
		db_rollback(c);
		return api_fail(ctx, rc, &e);
	}
	if ((rc = acct__org_members(c, ctx->scope_id, &members, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 200, json_pack("{s:o}", "items", members));
}

int acct__api_member_delete(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	int64_t uid;
	int rc;

	if (web_param_id(ctx, "user_id", &uid) < 0)
		return web_problem(ctx, 404, NULL, NULL, NULL);
	if ((rc = web_db(ctx, &c, &e)) < 0 || (rc = db_begin(c, DB_TX_WRITE, &e)) < 0)
		return api_fail(ctx, rc, &e);
	rc = acct__org_remove_member(c, ctx->user->id, ctx->scope_id, uid, &e);
	if (rc == 0)
		rc = db_commit(c, &e);
	if (rc < 0) {
		db_rollback(c);
		return api_fail(ctx, rc, &e);
	}
	ctx->res->status = 204;
	return 0;
}

int acct__api_invitations(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	json_t *inv;
	int rc;

	if ((rc = web_db(ctx, &c, &e)) < 0 ||
	    (rc = acct__invitations(c, ctx->scope_id, &inv, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 200, json_pack("{s:o}", "items", inv));
}

int acct__api_invite(struct web_ctx *ctx)
{
	static const char *const fields[] = {"email", "role", NULL};
	struct acct_invite_result res;
	struct db_conn *c;
	struct co_err e;
	json_t *body, *errs, *org;
	const char *email = NULL, *role = NULL;
	int rc;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	errs = json_object();
	/* every problem named, not just the first */
	if ((body_only(ctx, body, fields, errs) | body_str(ctx, body, "email", &email, errs) |
	     body_str(ctx, body, "role", &role, errs)) < 0 ||
	    acct__invite_check(ctx, email, role ? role : "member", errs) > 0)
		return web_problem(ctx, 400, "The input is not valid", NULL, errs);
	json_decref(errs);
	if ((rc = web_db(ctx, &c, &e)) < 0 ||
	    (rc = acct__org_find(c, web_param(ctx, "code"), &org, &e)) < 0)
		return api_fail(ctx, rc, &e);
	rc = acct__invite(ctx, ctx->scope_id, json_string_value(json_object_get(org, "name")),
	                  email ? email : "", role ? role : "member", &res, &e);
	json_decref(org);
	if (rc < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 201,
	                json_pack("{s:s,s:o,s:o}", "status", res.added ? "added" : "invited",
	                          "invitation_id",
	                          res.added ? json_null() : json_integer(res.invitation), "user_id",
	                          res.added ? json_integer(res.user_id) : json_null()));
}

int acct__api_accept(struct web_ctx *ctx)
{
	static const char *const fields[] = {"token", "name", "password", NULL};
	struct db_conn *c;
	struct co_err e;
	json_t *body, *errs, *user;
	const char *token = NULL, *name = NULL, *password = NULL;
	int64_t uid = 0;
	int rc;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	errs = json_object();
	/* every problem named, not just the first */
	if ((body_only(ctx, body, fields, errs) | body_str(ctx, body, "token", &token, errs) |
	     body_str(ctx, body, "name", &name, errs) |
	     body_str(ctx, body, "password", &password, errs)) < 0)
		return web_problem(ctx, 400, "The input is not valid", NULL, errs);
	json_decref(errs);
	rc = acct__invitation_accept(ctx, token, name, password, password, &uid, NULL, &e);
	if (rc == CO_ENOTFOUND && e.field[0]) {
		errs = json_object();
		web_errors_from(ctx, errs, &e);
		return web_problem(ctx, 404, NULL, NULL, errs);
	}
	if (rc < 0)
		return api_fail(ctx, rc, &e);
	if ((rc = web_db(ctx, &c, &e)) < 0 || (rc = acct__user_get(c, uid, &user, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 201, user);
}

/* ---- me, memberships, tokens ---- */

int acct__api_me(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	json_t *me, *roles;
	size_t i;
	int rc;

	if ((rc = web_db(ctx, &c, &e)) < 0 || (rc = acct__user_get(c, ctx->user->id, &me, &e)) < 0)
		return api_fail(ctx, rc, &e);
	roles = json_array();
	for (i = 0; i < ctx->nroles; i++)
		json_array_append_new(roles,
		                      json_pack("{s:s,s:I,s:s}", "scope_type", ctx->roles[i].scope,
		                                "scope_id", (json_int_t)ctx->roles[i].scope_id,
		                                "role", web_role_name(ctx->roles[i].role)));
	json_object_set_new(me, "memberships", roles);
	return web_json(ctx, 200, me);
}

int acct__api_me_update(struct web_ctx *ctx)
{
	static const char *const fields[] = {"name", "language", NULL};
	struct db_conn *c;
	struct co_err e;
	json_t *body, *errs, *before = NULL, *after;
	const char *name = NULL, *lang = NULL;
	int rc;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	errs = json_object();
	/* every problem named, not just the first */
	if ((body_only(ctx, body, fields, errs) | body_str(ctx, body, "name", &name, errs) |
	     body_str(ctx, body, "language", &lang, errs)) < 0)
		return web_problem(ctx, 400, "The input is not valid", NULL, errs);
	if (name && acct_name_check(name, &e) < 0)
		web_errors_from(ctx, errs, &e);
	if (lang && !i18n_lang_supported(lang))
		web_errors_add(ctx, errs, "language", "Choose English or Welsh");
	if (json_object_size(errs))
		return web_problem(ctx, 400, "The input is not valid", NULL, errs);
	json_decref(errs);
	if ((rc = web_db(ctx, &c, &e)) < 0 || (rc = db_begin(c, DB_TX_WRITE, &e)) < 0)
		return api_fail(ctx, rc, &e);
	rc = acct__user_get(c, ctx->user->id, &before, &e);
	if (rc == 0)
		rc = db_exec(c,
		             "UPDATE users SET name = COALESCE(?, name), language = COALESCE(?, "
		             "language) WHERE id = ?",
		             DB_ARGS(DB_T(name), DB_T(lang), DB_I(ctx->user->id)), NULL, &e);
	after = NULL;
	if (rc == 0)
		rc = acct__user_get(c, ctx->user->id, &after, &e);
	if (rc == 0 && !json_equal(before, after))
		rc = acct_audit(c, ctx->user->id, ctx->req->client, "user.update", "user",
		                ctx->user->id, before, after, &e);
	json_decref(before);
	if (rc == 0)
		rc = db_commit(c, &e);
	if (rc < 0) {
		db_rollback(c);
		json_decref(after);
		return api_fail(ctx, rc, &e);
	}
	return web_json(ctx, 200, after);
}

int acct__api_memberships(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct db_rows *r;
	struct co_err e;
	json_t *items;
	int rc;

	if ((rc = web_db(ctx, &c, &e)) < 0)
		return api_fail(ctx, rc, &e);
	rc = db_query(
	        c,
	        "SELECT m.id, m.scope_type, m.scope_id, m.role, o.code, o.name FROM memberships "
	        "m LEFT JOIN organisations o ON m.scope_type = 'org' AND o.id = m.scope_id "
	        "WHERE m.user_id = ? ORDER BY m.scope_type, m.scope_id, m.role",
	        DB_ARGS(DB_I(ctx->user->id)), &r, &e);
	if (rc < 0)
		return api_fail(ctx, rc, &e);
	items = json_array();
	while ((rc = db_rows_next(r, &e)) == 1) {
		json_t *m = json_pack("{s:I,s:s,s:I,s:s}", "id", (json_int_t)db_int(r, 0),
		                      "scope_type", db_text(r, 1), "scope_id",
		                      (json_int_t)db_int(r, 2), "role", db_text(r, 3));

		if (db_text(r, 4))
			json_object_set_new(m, "organisation",
			                    json_pack("{s:s,s:s}", "code", db_text(r, 4), "name",
			                              db_text(r, 5)));
		json_array_append_new(items, m);
	}
	db_rows_free(r);
	if (rc < 0) {
		json_decref(items);
		return api_fail(ctx, rc, &e);
	}
	return web_json(ctx, 200, json_pack("{s:o}", "items", items));
}

int acct__api_tokens(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	json_t *items;
	int rc;

	if ((rc = web_db(ctx, &c, &e)) < 0 || (rc = acct__tokens(c, ctx->user->id, &items, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 200, json_pack("{s:o}", "items", items));
}

int acct__api_token_create(struct web_ctx *ctx)
{
	static const char *const fields[] = {"name", NULL};
	char token[ACCT_TOKEN_LEN];
	struct db_conn *c;
	struct co_err e;
	json_t *body, *errs;
	const char *name = NULL;
	int64_t id = 0;
	int rc;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	errs = json_object();
	/* every problem named, not just the first */
	if ((body_only(ctx, body, fields, errs) | body_str(ctx, body, "name", &name, errs)) < 0)
		return web_problem(ctx, 400, "The input is not valid", NULL, errs);
	json_decref(errs);
	if ((rc = web_db(ctx, &c, &e)) < 0 || (rc = db_begin(c, DB_TX_WRITE, &e)) < 0)
		return api_fail(ctx, rc, &e);
	rc = acct_token_create(c, ctx->user->id, ctx->user->id, name, token, &id, &e);
	if (rc == 0)
		rc = db_commit(c, &e);
	if (rc < 0) {
		db_rollback(c);
		return api_fail(ctx, rc, &e);
	}
	return web_json(
	        ctx, 201,
	        json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "name", name, "token", token));
}

int acct__api_token_delete(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	int64_t id;
	int rc;

	if (web_param_id(ctx, "id", &id) < 0)
		return web_problem(ctx, 404, NULL, NULL, NULL);
	if ((rc = web_db(ctx, &c, &e)) < 0 || (rc = db_begin(c, DB_TX_WRITE, &e)) < 0)
		return api_fail(ctx, rc, &e);
	rc = acct__token_revoke(c, ctx->user->id, ctx->user->id, id, &e);
	if (rc == 0)
		rc = db_commit(c, &e);
	if (rc < 0) {
		db_rollback(c);
		return api_fail(ctx, rc, &e);
	}
	ctx->res->status = 204;
	return 0;
}

int acct__api_audit(struct web_ctx *ctx)
{
	struct web_page p;
	struct db_conn *c;
	struct co_err e;
	json_t *errs = json_object(), *items = NULL;
	long total = 0;
	int rc;

	if (web_page_parse(ctx, &p, errs) < 0)
		return web_problem(ctx, 400, "The input is not valid", NULL, errs);
	json_decref(errs);
	if ((rc = web_db(ctx, &c, &e)) < 0 ||
	    (rc = acct__audit_list(c, p.offset, p.per_page, &items, &total, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 200,
	                json_pack("{s:o,s:o}", "items", items, "pagination",
	                          web_page_info(ctx, &p, total)));
}
