/*
 * auth.c - who is asking, and did they mean it: the session cookie, bearer
 * tokens, CSRF tokens and signed flash messages.
 *
 * Session cookie: the accounts module makes a random 256-bit token at
 * login and stores only its hash; the cookie (HttpOnly, SameSite=Lax,
 * Secure behind TLS) carries the token. `Authorization: Bearer` carries an
 * API token instead. Both are resolved through the identity provider.
 *
 * CSRF (OWASP CSRF Prevention Cheat Sheet): a synchroniser token bound to
 * the session, computed rather than stored:
 *     csrf = base64url(BLAKE2b-256(key = server secret, "s:" || session hash))
 * For anonymous forms (login, forgot password) a signed double-submit: an
 * HttpOnly cookie holds a random nonce and the form carries
 *     csrf = base64url(BLAKE2b-256(key = server secret, "a:" || nonce)),
 * so a token can be neither guessed nor moved to another browser. Every
 * unsafe method (POST, PUT, PATCH, DELETE) must carry the token, as the
 * form field "csrf" or the header X-CSRF-Token, except calls made with a
 * bearer token (no ambient credentials, nothing to forge).
 *
 * The flash cookie carries "kind\nmsgid" with a MAC, so that no other site
 * can make ours display its text.
 */
#include "web/web_int.h"

#include <string.h>

#include <sodium.h>

#define MAC_B64 44 /* 32 bytes base64url unpadded (43) + NUL */

void web__mac(const struct web_app *app, const char *label, const char *msg, char out[MAC_B64])
{
	crypto_generichash_state st;
	unsigned char h[32];

	crypto_generichash_init(&st, app->secret, sizeof(app->secret), sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)label, strlen(label));
	crypto_generichash_update(&st, (const unsigned char *)msg, strlen(msg));
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2base64(out, MAC_B64, h, sizeof(h), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static unsigned cookie_flags(const struct web_ctx *ctx)
{
	unsigned f = HTTP_COOKIE_HTTPONLY | HTTP_COOKIE_SAMESITE_LAX;

	if (ctx->req->secure || ctx->app->cfg.secure_cookies)
		f |= HTTP_COOKIE_SECURE;
	return f;
}

int web__authenticate(struct web_ctx *ctx)
{
	const struct web_identity *id = ctx->app->identity;
	const char *authz, *token;
	struct web_user *u;
	struct co_err e;
	int rc;

	if (!id)
		return 0;
	u = co_arena_calloc(ctx->arena, 1, sizeof(*u));
	if (!u)
		return CO_ENOMEM;
	authz = http_header(ctx->req, "Authorization");
	if (authz) {
		if (strncasecmp(authz, "Bearer ", 7) != 0)
			return CO_EPERM;
		token = authz + 7;
		while (*token == ' ')
			token++;
		rc = id->from_bearer(ctx, token, u, &e);
		if (rc == CO_ENOTFOUND)
			return CO_EPERM; /* a wrong token is never anonymous */
		if (rc < 0)
			return rc;
		ctx->auth = WEB_AUTH_BEARER;
	} else {
		token = http_cookie(ctx->req, WEB__COOKIE_SESSION);
		if (!token || !*token)
			return 0;
		rc = id->from_session(ctx, token, u, &ctx->session_key, &e);
		if (rc == CO_ENOTFOUND) {
			/* expired or revoked: forget it and carry on signed out */
			web_session_clear(ctx);
			return 0;
		}
		if (rc < 0)
			return rc;
		ctx->auth = WEB_AUTH_SESSION;
	}
	ctx->user = u;
	return id->memberships(ctx, u->id, &ctx->roles, &ctx->nroles, &e);
}

int web_session_cookie(struct web_ctx *ctx, const char *token, long max_age)
{
	ctx->csrf_ = NULL;
	if (http_cookie(ctx->req, WEB__COOKIE_CSRF))
		http_res_cookie(ctx->res, WEB__COOKIE_CSRF, "", 0, NULL, cookie_flags(ctx));
	return http_res_cookie(ctx->res, WEB__COOKIE_SESSION, token, max_age, NULL,
	                       cookie_flags(ctx));
}

void web_session_clear(struct web_ctx *ctx)
{
	ctx->csrf_ = NULL;
	ctx->session_key = NULL;
	http_res_cookie(ctx->res, WEB__COOKIE_SESSION, "", 0, NULL, cookie_flags(ctx));
}

const char *web_csrf(struct web_ctx *ctx)
{
	char mac[MAC_B64];
	const char *nonce;

	if (ctx->csrf_)
		return ctx->csrf_;
	if (ctx->auth == WEB_AUTH_SESSION && ctx->session_key) {
		web__mac(ctx->app, "s:", ctx->session_key, mac);
	} else {
		nonce = ctx->auth == WEB_AUTH_NONE ? http_cookie(ctx->req, WEB__COOKIE_CSRF) : NULL;
		if (!nonce || strlen(nonce) < 32) {
			unsigned char raw[32];
			char *fresh = co_arena_alloc(ctx->arena, MAC_B64);

			if (!fresh)
				return "";
			randombytes_buf(raw, sizeof(raw));
			sodium_bin2base64(fresh, MAC_B64, raw, sizeof(raw),
			                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
			http_res_cookie(ctx->res, WEB__COOKIE_CSRF, fresh, -1, NULL,
			                cookie_flags(ctx));
			nonce = fresh;
		}
		web__mac(ctx->app, "a:", nonce, mac);
	}
	ctx->csrf_ = co_arena_strdup(ctx->arena, mac);
	return ctx->csrf_ ? ctx->csrf_ : "";
}

int web__csrf_ok(struct web_ctx *ctx)
{
	char mac[MAC_B64];
	const char *given, *nonce;

	if (ctx->auth == WEB_AUTH_BEARER)
		return 1;
	given = http_header(ctx->req, WEB__CSRF_HEADER);
	if (!given)
		given = http_form(ctx->req, WEB__CSRF_FIELD);
	if (!given || strlen(given) != MAC_B64 - 1)
		return 0;
	if (ctx->auth == WEB_AUTH_SESSION && ctx->session_key) {
		web__mac(ctx->app, "s:", ctx->session_key, mac);
	} else {
		nonce = http_cookie(ctx->req, WEB__COOKIE_CSRF);
		if (!nonce || strlen(nonce) < 32)
			return 0;
		web__mac(ctx->app, "a:", nonce, mac);
	}
	return sodium_memcmp(mac, given, MAC_B64 - 1) == 0;
}

void web_flash(struct web_ctx *ctx, const char *kind, const char *msgid)
{
	char mac[MAC_B64];
	char *plain, *val;
	size_t n, b64;

	plain = co_arena_printf(ctx->arena, "%s\n%s", kind, msgid);
	if (!plain)
		return;
	n = strlen(plain);
	b64 = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	val = co_arena_alloc(ctx->arena, b64 + MAC_B64 + 1);
	if (!val)
		return;
	sodium_bin2base64(val, b64, (const unsigned char *)plain, n,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	web__mac(ctx->app, "f:", val, mac);
	n = strlen(val);
	val[n] = '.';
	memcpy(val + n + 1, mac, MAC_B64);
	http_res_cookie(ctx->res, WEB__COOKIE_FLASH, val, 300, NULL, cookie_flags(ctx));
}

json_t *web__flash_take(struct web_ctx *ctx)
{
	const char *c = http_cookie(ctx->req, WEB__COOKIE_FLASH);
	char mac[MAC_B64];
	const char *dot, *nl;
	char *b64, *plain;
	size_t len;
	json_t *out;

	if (!c || !*c)
		return NULL;
	http_res_cookie(ctx->res, WEB__COOKIE_FLASH, "", 0, NULL, cookie_flags(ctx));
	dot = strchr(c, '.');
	if (!dot || strlen(dot + 1) != MAC_B64 - 1)
		return NULL;
	b64 = co_arena_strndup(ctx->arena, c, (size_t)(dot - c));
	plain = co_arena_alloc(ctx->arena, strlen(c) + 1);
	if (!b64 || !plain)
		return NULL;
	web__mac(ctx->app, "f:", b64, mac);
	if (sodium_memcmp(mac, dot + 1, MAC_B64 - 1) != 0)
		return NULL;
	if (sodium_base642bin((unsigned char *)plain, strlen(c), b64, strlen(b64), NULL, &len, NULL,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return NULL;
	plain[len] = '\0';
	nl = strchr(plain, '\n');
	if (!nl)
		return NULL;
	out = json_pack("{s:s%,s:s}", "kind", plain, (size_t)(nl - plain), "message",
	                web_t(ctx, nl + 1));
	return out;
}

const char *web_url(struct web_ctx *ctx, const char *path)
{
	const char *host;

	if (ctx->app->cfg.public_url && *ctx->app->cfg.public_url)
		return co_arena_printf(ctx->arena, "%s%s", ctx->app->cfg.public_url, path);
	host = http_header(ctx->req, "Host");
	if (!host || strpbrk(host, "/\\@ \"<>"))
		host = "localhost";
	return co_arena_printf(
	        ctx->arena, "%s://%s%s",
	        (ctx->req->secure || ctx->app->cfg.secure_cookies) ? "https" : "http", host, path);
}
