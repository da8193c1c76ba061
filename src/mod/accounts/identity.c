/*
 * identity.c - the accounts module as the web layer's identity provider
 * (session and bearer lookups, memberships, the shared secret) and the
 * resolver of the "org" scope.
 */
#include "mod/accounts/acct_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int user_from(struct web_ctx *ctx, struct db_rows *r, struct web_user *u)
{
	u->id = db_int(r, 0);
	u->name = co_arena_strdup(ctx->arena, db_text(r, 1));
	u->email = co_arena_strdup(ctx->arena, db_text(r, 2));
	u->lang = co_arena_strdup(ctx->arena, db_text(r, 3));
	return (u->name && u->email && u->lang) ? 0 : CO_ENOMEM;
}

static int from_session(struct web_ctx *ctx, const char *token, struct web_user *u,
                        const char **key, struct co_err *e)
{
	char hash[ACCT_HASH_HEX];
	struct db_conn *c;
	struct db_rows *r;
	int rc;

	if (strlen(token) > 64)
		return CO_ENOTFOUND;
	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	acct_token_hash(token, hash);
	rc = db_query(c,
	              "SELECT u.id, u.name, u.email, u.language FROM sessions s JOIN users u ON "
	              "u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ?",
	              DB_ARGS(DB_T(hash), DB_I(acct__now())), &r, e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 1)
		rc = user_from(ctx, r, u);
	else if (rc == 0)
		rc = CO_ENOTFOUND;
	db_rows_free(r);
	if (rc == 0) {
		*key = co_arena_strdup(ctx->arena, hash);
		if (!*key)
			rc = CO_ENOMEM;
	}
	return rc;
}

static int from_bearer(struct web_ctx *ctx, const char *token, struct web_user *u, struct co_err *e)
{
	char hash[ACCT_HASH_HEX];
	struct db_conn *c;
	struct db_rows *r;
	int64_t tid = 0, last = 0, now = acct__now();
	int rc;

	if (strlen(token) > 80)
		return CO_ENOTFOUND;
	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	acct_token_hash(token, hash);
	rc = db_query(c,
	              "SELECT u.id, u.name, u.email, u.language, t.id, t.last_used_at FROM "
	              "api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND "
	              "t.revoked_at IS NULL",
	              DB_ARGS(DB_T(hash)), &r, e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 1) {
		rc = user_from(ctx, r, u);
		tid = db_int(r, 4);
		last = db_isnull(r, 5) ? 0 : db_int(r, 5);
	} else if (rc == 0) {
		rc = CO_ENOTFOUND;
	}
	db_rows_free(r);
	/* Note the use at most once a minute, so that a busy client does not
	 * make every call a write. */
	if (rc == 0 && now - last >= 60)
		rc = db_exec(c, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?",
		             DB_ARGS(DB_I(now), DB_I(tid)), NULL, e);
	return rc;
}

static int memberships(struct web_ctx *ctx, int64_t uid, struct web_membership **out, size_t *n,
                       struct co_err *e)
{
	struct db_conn *c;
	struct db_rows *r;
	struct web_membership *m = NULL;
	size_t cap = 0, k = 0;
	int rc;

	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	rc = db_query(c, "SELECT scope_type, scope_id, role FROM memberships WHERE user_id = ?",
	              DB_ARGS(DB_I(uid)), &r, e);
	if (rc < 0)
		return rc;
	while ((rc = db_rows_next(r, e)) == 1) {
		unsigned bit = web_role_parse(db_text(r, 2));

		if (!bit)
			continue; /* a role this build does not know grants nothing */
		if (k == cap) {
			struct web_membership *bigger;

			cap = cap ? cap * 2 : 8;
			bigger = co_arena_alloc(ctx->arena, cap * sizeof(*bigger));
			if (!bigger) {
				rc = CO_ENOMEM;
				break;
			}
			if (k)
				memcpy(bigger, m, k * sizeof(*m));
			m = bigger;
		}
		m[k].scope = co_arena_strdup(ctx->arena, db_text(r, 0));
		m[k].scope_id = db_int(r, 1);
		m[k].role = bit;
		k++;
	}
	db_rows_free(r);
	if (rc < 0)
		return rc;
	*out = m;
	*n = k;
	return 0;
}

const struct web_identity acct__identity = {
        .from_session = from_session,
        .from_bearer = from_bearer,
        .memberships = memberships,
        .secret = acct__secret,
};

/* The org scope: path parameters carry the organisation's code. */
static int org_find(struct web_ctx *ctx, const char *code, int64_t *id, struct co_err *e)
{
	struct db_conn *c;
	int rc;

	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	return db_query_int(c, "SELECT id FROM organisations WHERE code = ?", DB_ARGS(DB_T(code)),
	                    id, e);
}

const struct web_scope acct__scopes[] = {
        {WEB_SCOPE_ORG, org_find, NULL},
};
const size_t acct__nscopes = sizeof(acct__scopes) / sizeof(acct__scopes[0]);
