/*
 * web_int.h - what the files of the web framework share (not public).
 *
 * app.c builds the app and runs the request hooks; access.c decides
 * access; auth.c holds the cookies, CSRF and the secret; ctx.c the answers
 * and helpers handlers call; openapi.c the API document.
 */
#ifndef WEB_INT_H
#define WEB_INT_H

#include <pthread.h>

#include "web/web.h"

#define WEB__COOKIE_SESSION "collective_session"
#define WEB__COOKIE_CSRF    "collective_csrf"
#define WEB__COOKIE_FLASH   "collective_flash"
#define WEB__COOKIE_LANG    "lang"
#define WEB__CSRF_FIELD     "csrf"
#define WEB__CSRF_HEADER    "X-CSRF-Token"

struct web_app {
	struct web_config cfg;
	const struct web_module *const *modules;
	struct http_route *routes; /* data points at the web_route */
	size_t nroutes;
	const struct web_scope **scopes;
	size_t nscopes;
	const struct web_identity *identity;
	unsigned char secret[32];
	pthread_mutex_t openapi_mu;
	char *openapi_text; /* the document, serialised on first use */
	size_t openapi_len;
};

enum web__verdict {
	WEB__ALLOW = 0,
	WEB__LOGIN,
	WEB__FORBIDDEN,
	WEB__NOT_FOUND,
	WEB__ERROR,
};

enum web__verdict web__access(struct web_ctx *ctx, const struct web_need *need, int *err);
const struct web_scope *web__scope(const struct web_app *app, const char *type);

/* auth.c */
int web__authenticate(struct web_ctx *ctx);
int web__csrf_ok(struct web_ctx *ctx);
void web__mac(const struct web_app *app, const char *label, const char *msg, char out[44]);
json_t *web__flash_take(struct web_ctx *ctx);

/* ctx.c */
struct web_ctx *web__ctx_new(struct web_app *app, struct http_request *req,
                             struct http_response *res);
void web__ctx_end(struct web_ctx *ctx);
void web__choose_lang(struct web_ctx *ctx);
void web__error_page(struct web_ctx *ctx, int status, const char *detail);

/* openapi.c */
json_t *web__openapi_build(const struct web_app *app, struct co_err *e);

/* The framework's own routes (health, metrics, static files, the API
 * document) as a module. */
extern const struct web_module web__module;

#endif
