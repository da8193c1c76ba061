/*
 * ex_web.c - scope resolvers and helpers of the Exchange web module.
 */
#include "mod/exchange/ex_int.h"
#include "mod/exchange/ex_audit.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "i18n/i18n.h"
#include "mod/accounts/acct.h"

int ex__db(struct web_ctx *ctx, struct db_conn **c, struct co_err *e)
{
	ex_audit_actor_set(ctx->user ? ctx->user->id : 0, ctx->req ? ctx->req->client : NULL);
	return web_db(ctx, c, e);
}

void ex__errors_from(struct web_ctx *ctx, json_t *errors, const struct co_err *e)
{
	const char *p = e->msg;
	char english[CO_MAX_ERRMSG], text[CO_MAX_ERRMSG * 2];
	long n;
	int i;

	/* A refusal that counts is found by its English sentence for the
	 * number it holds, and said again through ngettext. */
	while (*p && (*p < '0' || *p > '9'))
		p++;
	if (*p) {
		n = strtol(p, NULL, 10);
		for (i = 0; i < EX_COUNT_MSGS; i++) {
			ex_count_text(english, sizeof(english), ex_count_msgs[i][n == 1 ? 0 : 1],
			              n);
			if (strcmp(english, e->msg) != 0)
				continue;
			ex_count_text(text, sizeof(text),
			              i18n_ngettext(ctx->cat, ex_count_msgs[i][0],
			                            ex_count_msgs[i][1], (unsigned long)n),
			              n);
			json_object_set_new(errors, e->field[0] ? e->field : "form",
			                    json_string(text));
			return;
		}
	}
	web_errors_from(ctx, errors, e);
}

void ex__form_errors_from(struct web_ctx *ctx, json_t *errors, const struct co_err *e)
{
	struct co_err f = *e;

	if (strcmp(f.field, "starts_at") == 0)
		snprintf(f.field, sizeof(f.field), "starts_time");
	else if (strcmp(f.field, "ends_at") == 0)
		snprintf(f.field, sizeof(f.field), "ends_time");
	ex__errors_from(ctx, errors, &f);
}

int64_t ex__param_id(struct web_ctx *ctx, const char *name)
{
	const char *s = web_param(ctx, name);
	char *end;
	long long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return 0;
	v = strtoll(s, &end, 10);
	return *end == '\0' && v > 0 ? (int64_t)v : 0;
}

json_t *ex__page(struct web_ctx *ctx, const char *title_msgid)
{
	return json_pack("{s:s,s:s}", "title", web_t(ctx, title_msgid), "nav", "exchange");
}

void ex__site(struct web_ctx *ctx, const char **host, const char **base)
{
	const char *url = web_url(ctx, ""), *h = strstr(url, "://");
	char *hcopy;
	size_t n;

	*base = url;
	h = h ? h + 3 : url;
	n = strcspn(h, "/:");
	hcopy = co_arena_strndup(ctx->arena, h, n);
	*host = hcopy ? hcopy : "collective";
}

int ex__registration(struct db_conn *c, int64_t reg_id, int64_t *exchange_id, int64_t *user_id,
                     struct co_err *e)
{
	struct db_rows *r;
	int rc = db_query(c, "SELECT exchange_id, user_id FROM ex_registrations WHERE id = ?",
	                  DB_ARGS(DB_I(reg_id)), &r, e);

	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 0)
		rc = co_errf(e, CO_ENOTFOUND, "no such registration");
	if (rc > 0) {
		*exchange_id = db_int(r, 0);
		*user_id = db_int(r, 1);
		rc = 0;
	}
	db_rows_free(r);
	return rc;
}

int ex__manages(struct web_ctx *ctx, int64_t exchange_id)
{
	if (!ctx->user)
		return 0;
	return web_can(ctx, WEB_R_HOST | WEB_R_ORG_LEAD, "exchange", exchange_id) > 0;
}

int ex__checkin_key(struct db_conn *c, unsigned char key[32], struct co_err *e)
{
	unsigned char fresh[32];
	char hex[65];
	struct db_rows *r;
	int64_t have = 0, made = 0;
	size_t len = 0;
	int rc;

	rc = db_query_int(c, "SELECT COUNT(*) FROM settings WHERE name = 'exchange_checkin_key'",
	                  DB_NOARGS, &have, e);
	if (rc < 0)
		return rc;
	if (!have) {
		randombytes_buf(fresh, sizeof(fresh));
		sodium_bin2hex(hex, sizeof(hex), fresh, sizeof(fresh));
		/* Whoever inserts first wins (and is audited, never the key);
		 * everyone then reads the same key. */
		rc = db_begin(c, DB_TX_WRITE, e);
		if (rc == 0)
			rc = db_exec(c,
			             "INSERT INTO settings (name, value) VALUES "
			             "('exchange_checkin_key', ?) ON CONFLICT (name) DO NOTHING",
			             DB_ARGS(DB_T(hex)), &made, e);
		if (rc == 0 && made)
			rc = acct_audit(c, ex_audit_actor(), ex_audit_address(),
			                "exchange.checkin_key_create", "setting", 0, NULL, NULL, e);
		if (rc == 0)
			rc = db_commit(c, e);
		if (rc < 0) {
			db_rollback(c);
			return rc;
		}
	}
	rc = db_query(c, "SELECT value FROM settings WHERE name = 'exchange_checkin_key'",
	              DB_NOARGS, &r, e);
	if (rc < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc > 0)
		rc = sodium_hex2bin(key, 32, db_text(r, 0), strlen(db_text(r, 0)), NULL, &len,
		                    NULL) == 0 &&
		                     len == 32
		             ? 0
		             : co_errf(e, CO_EINTERNAL, "the check-in key is damaged");
	else if (rc == 0)
		rc = co_errf(e, CO_EINTERNAL, "no check-in key");
	db_rows_free(r);
	return rc;
}

int ex__current_programme(struct db_conn *c, const char *slug, json_t **out, struct co_err *e)
{
	int64_t id;
	int rc;

	if (slug && *slug)
		return ex_json_programme(c, 0, slug, out, e);
	rc = db_query_int(
	        c, "SELECT id FROM ex_programmes ORDER BY signup_deadline DESC, id DESC LIMIT 1",
	        DB_NOARGS, &id, e);
	if (rc < 0)
		return rc;
	return ex_json_programme(c, id, NULL, out, e);
}

/* ---- scope resolvers ---- */

static int find_in(struct web_ctx *ctx, const char *sql, const char *text, int64_t *id,
                   struct co_err *e)
{
	struct db_conn *c;
	char *end;
	long long v;
	int64_t got;
	int rc;

	if (!text || !*text)
		return co_errf(e, CO_ENOTFOUND, "not found");
	v = strtoll(text, &end, 10);
	if (*end != '\0' || v <= 0)
		return co_errf(e, CO_ENOTFOUND, "not found");
	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	rc = db_query_int(c, sql, DB_ARGS(DB_I(v)), &got, e);
	if (rc < 0)
		return rc;
	*id = got;
	return 0;
}

static int exchange_find(struct web_ctx *ctx, const char *text, int64_t *id, struct co_err *e)
{
	return find_in(ctx, "SELECT id FROM ex_exchanges WHERE id = ?", text, id, e);
}

static int registration_find(struct web_ctx *ctx, const char *text, int64_t *id, struct co_err *e)
{
	return find_in(ctx, "SELECT id FROM ex_registrations WHERE id = ?", text, id, e);
}

static int nomination_find(struct web_ctx *ctx, const char *text, int64_t *id, struct co_err *e)
{
	return find_in(ctx, "SELECT id FROM ex_nominations WHERE id = ?", text, id, e);
}

static int programme_find(struct web_ctx *ctx, const char *text, int64_t *id, struct co_err *e)
{
	struct db_conn *c;
	int rc;

	if (text && *text >= '0' && *text <= '9')
		return find_in(ctx, "SELECT id FROM ex_programmes WHERE id = ?", text, id, e);
	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	return db_query_int(c, "SELECT id FROM ex_programmes WHERE slug = ?",
	                    DB_ARGS(DB_T(text ? text : "")), id, e);
}

static int one_parent(struct web_ctx *ctx, const char *sql, int64_t id, const char *scope,
                      struct web_scope_ref *out, int max, int *n, struct co_err *e)
{
	struct db_conn *c;
	int64_t parent;
	int rc;

	*n = 0;
	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	rc = db_query_int(c, sql, DB_ARGS(DB_I(id)), &parent, e);
	if (rc == CO_ENOTFOUND)
		return 0; /* no parent (an exchange without a host organisation) */
	if (rc < 0)
		return rc;
	if (max > 0) {
		out[0].scope = scope;
		out[0].id = parent;
		*n = 1;
	}
	return 0;
}

static int exchange_parents(struct web_ctx *ctx, int64_t id, struct web_scope_ref *out, int max,
                            int *n, struct co_err *e)
{
	return one_parent(
	        ctx,
	        "SELECT host_org_id FROM ex_exchanges WHERE id = ? AND host_org_id IS NOT "
	        "NULL",
	        id, WEB_SCOPE_ORG, out, max, n, e);
}

static int registration_parents(struct web_ctx *ctx, int64_t id, struct web_scope_ref *out, int max,
                                int *n, struct co_err *e)
{
	return one_parent(ctx, "SELECT exchange_id FROM ex_registrations WHERE id = ?", id,
	                  "exchange", out, max, n, e);
}

static int nomination_parents(struct web_ctx *ctx, int64_t id, struct web_scope_ref *out, int max,
                              int *n, struct co_err *e)
{
	return one_parent(ctx, "SELECT org_id FROM ex_nominations WHERE id = ?", id, WEB_SCOPE_ORG,
	                  out, max, n, e);
}

const struct web_scope ex__scopes[4] = {
        {"exchange", exchange_find, exchange_parents},
        {"registration", registration_find, registration_parents},
        {"nomination", nomination_find, nomination_parents},
        {"programme", programme_find, NULL},
};
const size_t ex__nscopes = sizeof(ex__scopes) / sizeof(ex__scopes[0]);
