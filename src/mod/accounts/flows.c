/*
 * flows.c - the account flows that pages and the API share: signing in
 * (with throttling), inviting and accepting, password resets, the audit
 * list. Each runs in its own transaction on the request's connection, so
 * that a failure leaves nothing changed.
 */
#include "mod/accounts/acct_int.h"

#include <stdio.h>
#include <string.h>

#include "tpl/tpl.h"

/* Renders a plain-text email template in the request's language and
 * queues it. */
static int queue_mail(struct web_ctx *ctx, struct db_conn *c, const char *kind, const char *to,
                      const char *subject_msgid, const char *tpl, json_t *data, struct co_err *e)
{
	struct co_buf body;
	int rc;

	co_buf_init(&body, 64 * 1024);
	rc = tpl_render(NULL, tpl, data, ctx->lang, &body, e);
	if (rc == 0)
		rc = acct_outbox_queue(c, kind, to, web_t(ctx, subject_msgid), body.data, NULL,
		                       NULL, e);
	co_buf_free(&body);
	return rc;
}

int acct__login(struct web_ctx *ctx, const char *email_in, const char *password, int64_t *uid,
                struct co_err *e)
{
	char email[ACCT_EMAIL_MAX + 1];
	const char *addr = ctx->req->client ? ctx->req->client : "";
	struct acct_throttle t;
	struct db_conn *c;
	struct db_rows *r;
	char *hash = NULL;
	int64_t id = 0;
	int rc, ok;

	if (!email_in || !*email_in)
		return co_errf_at(e, CO_EINPUT, 0, 0, "email", "Enter your email address");
	if (!password || !*password)
		return co_errf_at(e, CO_EINPUT, 0, 0, "password", "Enter your password");
	if (acct_email_normalise(email_in, email, e) < 0)
		return CO_EINPUT;
	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	if ((rc = acct__throttle_load(c, email, addr, &t, e)) < 0)
		return rc;
	if (acct_throttle_wait(&t, acct__now()) > 0)
		return co_errf_at(e, CO_ELIMIT, 0, 0, "email",
		                  "Too many failed attempts. Wait 15 minutes and try again.");
	rc = db_query(c, "SELECT id, password_hash FROM users WHERE email = ?",
	              DB_ARGS(DB_T(email)), &r, e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 1) {
		id = db_int(r, 0);
		hash = db_text(r, 1) ? co_arena_strdup(ctx->arena, db_text(r, 1)) : NULL;
	}
	db_rows_free(r);
	if (rc < 0)
		return rc;
	if (hash)
		ok = acct_password_verify(hash, password);
	else {
		acct_password_burn(password);
		ok = 0;
	}
	if ((rc = db_begin(c, DB_TX_WRITE, e)) < 0)
		return rc;
	rc = acct__attempt_record(c, email, addr, ok, e);
	if (rc == 0)
		rc = db_commit(c, e);
	if (rc < 0) {
		db_rollback(c);
		return rc;
	}
	if (!ok)
		return co_errf_at(e, CO_EPERM, 0, 0, "email",
		                  "The email address or password is not right");
	*uid = id;
	return 0;
}

/* ---- checks that report every wrong field at once ---- */

int acct__invite_check(struct web_ctx *ctx, const char *email, const char *role, json_t *errs)
{
	char norm[ACCT_EMAIL_MAX + 1];
	struct co_err e;
	size_t before = json_object_size(errs);

	if (acct_email_normalise(email, norm, &e) < 0)
		web_errors_from(ctx, errs, &e);
	if (!role || !acct_label_of(acct_org_roles, role))
		web_errors_add(ctx, errs, "role", "Choose a role");
	return (int)(json_object_size(errs) - before);
}

struct org_sink {
	struct web_ctx *ctx;
	json_t *errs;
};

static void org_problem(const struct co_err *e, void *arg)
{
	struct org_sink *s = arg;

	web_errors_from(s->ctx, s->errs, e);
}

int acct__org_errors(struct web_ctx *ctx, const struct acct_org_input *in, int required,
                     json_t *errs)
{
	struct org_sink s = {ctx, errs};
	size_t before = json_object_size(errs);

	acct__org_problems(in, required, org_problem, &s);
	return (int)(json_object_size(errs) - before);
}

int acct__password_pair_check(struct web_ctx *ctx, const char *password, const char *confirm,
                              const char *name, json_t *errs)
{
	struct co_err e;
	size_t before = json_object_size(errs);

	if (name != NULL && acct_name_check(name, &e) < 0)
		web_errors_from(ctx, errs, &e);
	if (acct_password_check(password, NULL, &e) < 0)
		web_errors_from(ctx, errs, &e);
	if (!confirm || !password || strcmp(password, confirm) != 0)
		web_errors_add(ctx, errs, "confirm", "The passwords do not match");
	return (int)(json_object_size(errs) - before);
}

/* ---- invitations ---- */

int acct__invite(struct web_ctx *ctx, int64_t org_id, const char *org_name, const char *email_in,
                 const char *role, struct acct_invite_result *out, struct co_err *e)
{
	char email[ACCT_EMAIL_MAX + 1];
	char token[ACCT_TOKEN_LEN], hash[ACCT_HASH_HEX];
	struct db_conn *c;
	struct db_rows *r;
	int64_t uid = 0, inv = 0, now = acct__now();
	json_t *data, *after;
	int rc;

	if ((rc = acct_email_normalise(email_in, email, e)) < 0)
		return rc;
	if (!role || !acct_label_of(acct_org_roles, role))
		return co_errf_at(e, CO_EINPUT, 0, 0, "role", "Choose a role");
	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	if ((rc = db_begin(c, DB_TX_WRITE, e)) < 0)
		return rc;
	memset(out, 0, sizeof(*out));
	rc = acct__user_by_email(c, email, &uid, e);
	if (rc == 0) {
		/* An existing account joins at once; the email tells them. */
		int64_t has = 0;

		rc = db_query_int(c,
		                  "SELECT COUNT(*) FROM memberships WHERE user_id = ? AND "
		                  "scope_type = 'org' AND scope_id = ?",
		                  DB_ARGS(DB_I(uid), DB_I(org_id)), &has, e);
		if (rc == 0 && has)
			rc = co_errf_at(e, CO_ECONFLICT, 0, 0, "email",
			                "This person is already a member of the organisation");
		if (rc == 0)
			rc = acct_membership_add(c, ctx->user->id, uid, WEB_SCOPE_ORG, org_id, role,
			                         e);
		if (rc == 0) {
			data = json_pack("{s:s,s:s,s:s}", "org", org_name, "inviter",
			                 ctx->user->name, "url", web_url(ctx, "/login"));
			rc = queue_mail(ctx, c, "membership", email,
			                "You have been added to an organisation",
			                "accounts/added.txt", data, e);
			json_decref(data);
		}
		out->added = 1;
		out->user_id = uid;
	} else if (rc == CO_ENOTFOUND) {
		acct_token_new(NULL, token);
		acct_token_hash(token, hash);
		rc = db_exec(c,
		             "UPDATE invitations SET revoked_at = ? WHERE org_id = ? AND email = ? "
		             "AND accepted_at IS NULL AND revoked_at IS NULL",
		             DB_ARGS(DB_I(now), DB_I(org_id), DB_T(email)), NULL, e);
		if (rc == 0)
			rc = db_query(
			        c,
			        "INSERT INTO invitations (token_hash, email, org_id, role, "
			        "invited_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, "
			        "?) RETURNING id",
			        DB_ARGS(DB_T(hash), DB_T(email), DB_I(org_id), DB_T(role),
			                DB_I(ctx->user->id), DB_I(now),
			                DB_I(now + ACCT_INVITATION_TTL)),
			        &r, e);
		if (rc == 0) {
			rc = db_rows_next(r, e);
			if (rc == 1)
				inv = db_int(r, 0), rc = 0;
			db_rows_free(r);
		}
		if (rc == 0) {
			after = json_pack("{s:s,s:s,s:I}", "email", email, "role", role, "org_id",
			                  (json_int_t)org_id);
			rc = acct_audit(c, ctx->user->id, ctx->req->client, "invitation.create",
			                "invitation", inv, NULL, after, e);
			json_decref(after);
		}
		if (rc == 0) {
			data = json_pack(
			        "{s:s,s:s,s:s,s:i}", "org", org_name, "inviter", ctx->user->name,
			        "url",
			        web_url(ctx,
			                co_arena_printf(ctx->arena, "/invitations/accept?token=%s",
			                                token)),
			        "days", ACCT_INVITATION_TTL / 86400);
			rc = queue_mail(ctx, c, "invitation", email,
			                "You are invited to Collective", "accounts/invite.txt",
			                data, e);
			json_decref(data);
		}
		out->invitation = inv;
	}
	if (rc == 0)
		rc = db_commit(c, e);
	if (rc < 0)
		db_rollback(c);
	return rc;
}

/* The invitation for a token, with its state checked. */
static int invitation_load(struct db_conn *c, const char *token, int64_t *id, json_t **out,
                           struct co_err *e)
{
	char hash[ACCT_HASH_HEX];
	struct db_rows *r;
	enum acct_link_state st = ACCT_LINK_VALID;
	int rc;

	if (!token || !*token || strlen(token) > 64)
		return co_errf_at(e, CO_ENOTFOUND, 0, 0, "token",
		                  "This invitation link is not valid");
	acct_token_hash(token, hash);
	rc = db_query(c,
	              "SELECT i.id, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at, "
	              "o.id, o.code, o.name FROM invitations i JOIN organisations o ON o.id = "
	              "i.org_id WHERE i.token_hash = ?",
	              DB_ARGS(DB_T(hash)), &r, e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 1) {
		st = acct_link_state(db_int(r, 3), db_isnull(r, 4) ? 0 : db_int(r, 4),
		                     db_isnull(r, 5) ? 0 : db_int(r, 5), acct__now());
		*id = db_int(r, 0);
		*out = json_pack("{s:I,s:s,s:s,s:I,s:s,s:s}", "id", (json_int_t)db_int(r, 0),
		                 "email", db_text(r, 1), "role", db_text(r, 2), "org_id",
		                 (json_int_t)db_int(r, 6), "org_code", db_text(r, 7), "org_name",
		                 db_text(r, 8));
	}
	db_rows_free(r);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return co_errf_at(e, CO_ENOTFOUND, 0, 0, "token",
		                  "This invitation link is not valid");
	if (st != ACCT_LINK_VALID) {
		json_decref(*out);
		*out = NULL;
		if (st == ACCT_LINK_EXPIRED)
			return co_errf_at(e, CO_ECONFLICT, 0, 0, "token",
			                  "This invitation has expired. Ask for a new one.");
		return co_errf_at(e, CO_ECONFLICT, 0, 0, "token",
		                  "This invitation has already been used or withdrawn");
	}
	return 0;
}

int acct__invitation_check(struct web_ctx *ctx, const char *token, json_t **out, struct co_err *e)
{
	struct db_conn *c;
	int64_t id;
	int rc;

	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	return invitation_load(c, token, &id, out, e);
}

int acct__invitation_accept(struct web_ctx *ctx, const char *token, const char *name,
                            const char *password, const char *confirm, int64_t *uid_out,
                            json_t **org, struct co_err *e)
{
	struct db_conn *c;
	json_t *inv = NULL;
	int64_t id = 0, uid = 0;
	int rc;

	if ((rc = acct_name_check(name, e)) < 0)
		return rc;
	if (!confirm || !password || strcmp(password, confirm) != 0)
		return co_errf_at(e, CO_EINPUT, 0, 0, "confirm", "The passwords do not match");
	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	if ((rc = db_begin(c, DB_TX_WRITE, e)) < 0)
		return rc;
	rc = invitation_load(c, token, &id, &inv, e);
	if (rc == 0)
		rc = acct_user_create(c, 0, json_string_value(json_object_get(inv, "email")), name,
		                      password, ctx->lang, &uid, e);
	if (rc == 0)
		rc = acct_membership_add(c, uid, uid, WEB_SCOPE_ORG,
		                         json_integer_value(json_object_get(inv, "org_id")),
		                         json_string_value(json_object_get(inv, "role")), e);
	if (rc == 0)
		rc = db_exec(c,
		             "UPDATE invitations SET accepted_at = ?, accepted_by = ? WHERE id = ?",
		             DB_ARGS(DB_I(acct__now()), DB_I(uid), DB_I(id)), NULL, e);
	if (rc == 0)
		rc = acct_audit(c, uid, ctx->req->client, "invitation.accept", "invitation", id,
		                NULL, NULL, e);
	if (rc == 0)
		rc = db_commit(c, e);
	if (rc < 0) {
		db_rollback(c);
		json_decref(inv);
		return rc;
	}
	*uid_out = uid;
	if (org)
		*org = inv;
	else
		json_decref(inv);
	return 0;
}

int acct__invitations(struct db_conn *c, int64_t org_id, json_t **out, struct co_err *e)
{
	struct db_rows *r;
	json_t *arr;
	int rc;

	rc = db_query(
	        c,
	        "SELECT i.id, i.email, i.role, i.created_at, i.expires_at, u.name FROM "
	        "invitations i LEFT JOIN users u ON u.id = i.invited_by WHERE i.org_id = ? AND "
	        "i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ? ORDER BY "
	        "i.created_at DESC, i.id DESC",
	        DB_ARGS(DB_I(org_id), DB_I(acct__now())), &r, e);
	if (rc < 0)
		return rc;
	arr = json_array();
	while ((rc = db_rows_next(r, e)) == 1)
		json_array_append_new(arr, json_pack("{s:I,s:s,s:s,s:I,s:I,s:o}", "id",
		                                     (json_int_t)db_int(r, 0), "email",
		                                     db_text(r, 1), "role", db_text(r, 2),
		                                     "created_at", (json_int_t)db_int(r, 3),
		                                     "expires_at", (json_int_t)db_int(r, 4),
		                                     "invited_by", web_jstr(db_text(r, 5))));
	db_rows_free(r);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

int acct__invitation_revoke(struct web_ctx *ctx, int64_t org_id, int64_t id, struct co_err *e)
{
	struct db_conn *c;
	int64_t changed = 0;
	int rc;

	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	if ((rc = db_begin(c, DB_TX_WRITE, e)) < 0)
		return rc;
	rc = db_exec(c,
	             "UPDATE invitations SET revoked_at = ? WHERE id = ? AND org_id = ? AND "
	             "accepted_at IS NULL AND revoked_at IS NULL",
	             DB_ARGS(DB_I(acct__now()), DB_I(id), DB_I(org_id)), &changed, e);
	if (rc == 0 && changed == 0)
		rc = co_errf(e, CO_ENOTFOUND, "No such invitation");
	if (rc == 0)
		rc = acct_audit(c, ctx->user->id, ctx->req->client, "invitation.revoke",
		                "invitation", id, NULL, NULL, e);
	if (rc == 0)
		rc = db_commit(c, e);
	if (rc < 0)
		db_rollback(c);
	return rc;
}

/* ---- password resets ---- */

int acct__reset_request(struct web_ctx *ctx, const char *email_in, struct co_err *e)
{
	char email[ACCT_EMAIL_MAX + 1];
	char token[ACCT_TOKEN_LEN], hash[ACCT_HASH_HEX];
	struct db_conn *c;
	int64_t uid = 0, recent = 0, now = acct__now();
	json_t *data;
	int rc;

	if ((rc = acct_email_normalise(email_in, email, e)) < 0)
		return rc;
	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	if ((rc = db_begin(c, DB_TX_WRITE, e)) < 0)
		return rc;
	rc = acct__user_by_email(c, email, &uid, e);
	if (rc == CO_ENOTFOUND) {
		/* Same answer whether or not the account exists. */
		db_rollback(c);
		return 0;
	}
	if (rc == 0)
		rc = db_query_int(c,
		                  "SELECT COUNT(*) FROM password_resets WHERE user_id = ? AND "
		                  "created_at > ?",
		                  DB_ARGS(DB_I(uid), DB_I(now - 3600)), &recent, e);
	if (rc == 0 && recent >= 3) {
		db_rollback(c);
		return 0; /* enough links in the last hour: send no more */
	}
	if (rc == 0) {
		acct_token_new(NULL, token);
		acct_token_hash(token, hash);
		rc = db_exec(c,
		             "INSERT INTO password_resets (token_hash, user_id, created_at, "
		             "expires_at) VALUES (?, ?, ?, ?)",
		             DB_ARGS(DB_T(hash), DB_I(uid), DB_I(now), DB_I(now + ACCT_RESET_TTL)),
		             NULL, e);
	}
	if (rc == 0)
		rc = acct_audit(c, 0, ctx->req->client, "password_reset.request", "user", uid, NULL,
		                NULL, e);
	if (rc == 0) {
		data = json_pack("{s:s,s:i}", "url",
		                 web_url(ctx, co_arena_printf(ctx->arena,
		                                              "/password/reset?token=%s", token)),
		                 "minutes", ACCT_RESET_TTL / 60);
		rc = queue_mail(ctx, c, "password_reset", email, "Reset your Collective password",
		                "accounts/reset.txt", data, e);
		json_decref(data);
	}
	if (rc == 0)
		rc = db_commit(c, e);
	if (rc < 0)
		db_rollback(c);
	return rc;
}

static int reset_load(struct db_conn *c, const char *token, int64_t *id, int64_t *uid,
                      struct co_err *e)
{
	char hash[ACCT_HASH_HEX];
	struct db_rows *r;
	enum acct_link_state st = ACCT_LINK_VALID;
	int rc;

	if (!token || !*token || strlen(token) > 64)
		return co_errf_at(e, CO_ENOTFOUND, 0, 0, "token",
		                  "This password reset link is not valid");
	acct_token_hash(token, hash);
	rc = db_query(c,
	              "SELECT id, user_id, expires_at, used_at FROM password_resets WHERE "
	              "token_hash = ?",
	              DB_ARGS(DB_T(hash)), &r, e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 1) {
		*id = db_int(r, 0);
		*uid = db_int(r, 1);
		st = acct_link_state(db_int(r, 2), db_isnull(r, 3) ? 0 : db_int(r, 3), 0,
		                     acct__now());
	}
	db_rows_free(r);
	if (rc < 0)
		return rc;
	if (rc == 0 || st != ACCT_LINK_VALID)
		return co_errf_at(e, rc == 0 ? CO_ENOTFOUND : CO_ECONFLICT, 0, 0, "token",
		                  "This password reset link has expired or been used. Ask for a "
		                  "new one.");
	return 0;
}

int acct__reset_check(struct web_ctx *ctx, const char *token, int64_t *uid, struct co_err *e)
{
	struct db_conn *c;
	int64_t id;
	int rc;

	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	return reset_load(c, token, &id, uid, e);
}

int acct__reset_finish(struct web_ctx *ctx, const char *token, const char *password,
                       const char *confirm, struct co_err *e)
{
	struct db_conn *c;
	int64_t id = 0, uid = 0;
	int rc;

	if (!password || !confirm || strcmp(password, confirm) != 0)
		return co_errf_at(e, CO_EINPUT, 0, 0, "confirm", "The passwords do not match");
	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	if ((rc = db_begin(c, DB_TX_WRITE, e)) < 0)
		return rc;
	rc = reset_load(c, token, &id, &uid, e);
	if (rc == 0)
		rc = acct__user_set_password(c, uid, uid, password, ctx->req->client, e);
	if (rc == 0)
		rc = db_commit(c, e);
	if (rc < 0)
		db_rollback(c);
	return rc;
}

/* ---- the audit log ---- */

int acct__audit_list(struct db_conn *c, long offset, long limit, json_t **items, long *total,
                     struct co_err *e)
{
	struct db_rows *r;
	int64_t n = 0;
	json_t *arr;
	int rc;

	rc = db_query_int(c, "SELECT COUNT(*) FROM audit_log", DB_NOARGS, &n, e);
	if (rc < 0)
		return rc;
	rc = db_query(
	        c,
	        "SELECT a.id, a.at, a.actor_id, u.name, a.action, a.object_type, a.object_id, "
	        "a.before_json, a.after_json, a.address FROM audit_log a LEFT JOIN users u ON "
	        "u.id = a.actor_id ORDER BY a.id DESC LIMIT ? OFFSET ?",
	        DB_ARGS(DB_I(limit), DB_I(offset)), &r, e);
	if (rc < 0)
		return rc;
	arr = json_array();
	while ((rc = db_rows_next(r, e)) == 1) {
		json_t *before = db_text(r, 7) ? json_loads(db_text(r, 7), 0, NULL) : NULL;
		json_t *after = db_text(r, 8) ? json_loads(db_text(r, 8), 0, NULL) : NULL;

		json_array_append_new(
		        arr,
		        json_pack("{s:I,s:I,s:o,s:o,s:s,s:s,s:o,s:o,s:o,s:o}", "id",
		                  (json_int_t)db_int(r, 0), "at", (json_int_t)db_int(r, 1),
		                  "actor_id",
		                  db_isnull(r, 2) ? json_null() : json_integer(db_int(r, 2)),
		                  "actor", web_jstr(db_text(r, 3)), "action", db_text(r, 4),
		                  "object_type", db_text(r, 5), "object_id",
		                  db_isnull(r, 6) ? json_null() : json_integer(db_int(r, 6)),
		                  "before", before ? before : json_null(), "after",
		                  after ? after : json_null(), "address", web_jstr(db_text(r, 9))));
	}
	db_rows_free(r);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*items = arr;
	*total = (long)n;
	return 0;
}
