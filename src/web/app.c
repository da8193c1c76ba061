/*
 * app.c - the application: the route table built from the modules, the
 * hooks that run around every request, and the framework's own routes
 * (/healthz, /metrics, /static/, /api/v1/openapi.json).
 */
#include "web/web_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tpl/tpl.h"

/* ---- the request hooks ---- */

static int web__dispatch(struct http_request *req, struct http_response *res)
{
	struct web_ctx *ctx = req->app;
	const struct web_route *r = req->route->data;

	if (!ctx)
		return CO_EINTERNAL;
	ctx->res = res;
	return r->handler(ctx);
}

static int is_unsafe(enum http_method m)
{
	return m == HTTP_POST || m == HTTP_PUT || m == HTTP_PATCH || m == HTTP_DELETE;
}

static int hook_before(void *app_, struct http_request *req, struct http_response *res)
{
	struct web_app *app = app_;
	const struct web_route *r = req->route ? req->route->data : NULL;
	struct web_ctx *ctx;
	enum web__verdict v;
	int rc, err;

	ctx = web__ctx_new(app, req, res);
	if (!ctx)
		return CO_ENOMEM;
	if (r && r->bare)
		return 0; /* no session, no language: static files, health */
	rc = web__authenticate(ctx);
	web__choose_lang(ctx);
	if (rc == CO_EPERM) {
		/* a bearer token that is wrong, revoked or malformed */
		ctx->api = 1;
		web_problem(ctx, 401, "Unauthorized", "The API token is not valid", NULL);
		return 1;
	}
	if (rc < 0)
		return rc;
	if (!r)
		return 0; /* 404 or 405 follows, rendered with the user known */
	/* CSRF: every unsafe request that carries ambient credentials or comes
	 * from a form. A JSON body without a session cookie is exempt: no
	 * credential rides along, and no other site can send JSON without a
	 * CORS preflight, which this server never grants. */
	if (is_unsafe(req->method) &&
	    !(ctx->auth == WEB_AUTH_NONE && strcmp(req->content_type, "application/json") == 0 &&
	      !http_cookie(req, WEB__COOKIE_SESSION)) &&
	    !web__csrf_ok(ctx)) {
		if (ctx->api)
			web_problem(ctx, 403, "Forbidden",
			            "The CSRF token is missing or wrong: send it in the "
			            "X-CSRF-Token header, or use an API token",
			            NULL);
		else
			web__error_page(
			        ctx, 403,
			        "The form had expired. Go back, reload the page and try again.");
		return 1;
	}
	v = web__access(ctx, &r->need, &err);
	switch (v) {
	case WEB__ALLOW: return 0;
	case WEB__LOGIN:
		if (ctx->api) {
			web_problem(ctx, 401, "Unauthorized",
			            "Sign in, or send an API token as Authorization: Bearer", NULL);
		} else {
			const char *next = req->query_string[0]
			                           ? co_arena_printf(req->arena, "%s?%s", req->path,
			                                             req->query_string)
			                           : req->path;
			struct co_buf b;
			const char *s;

			co_buf_init(&b, CO_MAX_URL * 3 + 32);
			co_buf_adds(&b, "/login?next=");
			for (s = next ? next : "/"; *s; s++) {
				unsigned char c = (unsigned char)*s;

				if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
				    (c >= '0' && c <= '9') || strchr("-._~/", c))
					co_buf_addc(&b, (char)c);
				else
					co_buf_printf(&b, "%%%02X", c);
			}
			http_res_redirect(res, 303, b.data ? b.data : "/login");
			co_buf_free(&b);
		}
		return 1;
	case WEB__FORBIDDEN:
		web__error_page(ctx, 403, "You do not have access to this page");
		return 1;
	case WEB__NOT_FOUND: web__error_page(ctx, 404, NULL); return 1;
	case WEB__ERROR: break;
	}
	return err ? err : CO_EINTERNAL;
}

static void hook_error(void *app_, struct http_request *req, struct http_response *res, int status,
                       const char *detail)
{
	struct web_ctx *ctx = req->app;

	if (!ctx) {
		/* before did not run (a 413, a malformed request, a bare route) */
		ctx = web__ctx_new(app_, req, res);
		if (!ctx)
			return;
		web__choose_lang(ctx);
	}
	ctx->res = res;
	web__error_page(ctx, status, detail);
}

static void hook_after(void *app_, struct http_request *req, const struct http_response *res)
{
	if (req->app)
		web__ctx_end(req->app);
}

static void hook_metrics(void *app_, struct co_buf *out)
{
	struct web_app *app = app_;
	int open = 0, in_use = 0;

	db_pool_stats(app->cfg.db, &open, &in_use);
	co_buf_printf(out,
	              "# HELP collective_db_connections_open Database connections open.\n"
	              "# TYPE collective_db_connections_open gauge\n"
	              "collective_db_connections_open %d\n"
	              "# HELP collective_db_connections_in_use Database connections lent out.\n"
	              "# TYPE collective_db_connections_in_use gauge\n"
	              "collective_db_connections_in_use %d\n",
	              open, in_use);
}

struct http_hooks web_app_hooks(struct web_app *app)
{
	struct http_hooks h = {0};

	h.ctx = app;
	h.before = hook_before;
	h.error = hook_error;
	h.after = hook_after;
	h.metrics = hook_metrics;
	return h;
}

/* ---- the framework's own routes ---- */

static int web__healthz(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct co_err e;
	int64_t one = 0;
	int rc;

	rc = db_acquire(ctx->app->cfg.db, &c, &e);
	if (rc == 0) {
		rc = db_query_int(c, "SELECT 1", DB_NOARGS, &one, &e);
		db_release(c);
	}
	if (rc < 0 || one != 1) {
		fprintf(stderr, "healthz: %s\n", e.msg);
		return http_res_json(ctx->res, 503, "{\"status\":\"unavailable\"}", 25);
	}
	return http_res_json(ctx->res, 200, "{\"status\":\"ok\"}", 15);
}

static int web__metrics(struct web_ctx *ctx)
{
	return http_metrics_handler(ctx->req, ctx->res);
}

static int web__static(struct web_ctx *ctx)
{
	return http_static_handler(ctx->req, ctx->res);
}

/* The serialised document, built once (under the app's lock). */
static int openapi_text(struct web_app *app, const char **text, size_t *len, struct co_err *e)
{
	json_t *doc;
	int rc = 0;

	pthread_mutex_lock(&app->openapi_mu);
	if (!app->openapi_text) {
		doc = web__openapi_build(app, e);
		if (doc)
			app->openapi_text = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
		json_decref(doc);
		if (app->openapi_text)
			app->openapi_len = strlen(app->openapi_text);
		else
			rc = doc ? co_errf(e, CO_ENOMEM, "out of memory")
			         : (e->code ? e->code : CO_EINPUT);
	}
	pthread_mutex_unlock(&app->openapi_mu);
	*text = app->openapi_text;
	*len = app->openapi_len;
	return rc;
}

static int web__openapi(struct web_ctx *ctx)
{
	const char *text;
	size_t len;
	struct co_err e;
	int rc = openapi_text(ctx->app, &text, &len, &e);

	if (rc < 0)
		return web_fail(ctx, rc, &e);
	http_res_static(ctx->res, text, len);
	ctx->res->content_type = "application/json";
	return 0;
}

static const struct web_api_doc openapi_doc = {
        .summary = "This document: every /api/v1 operation",
        .tag = "Platform",
        .status = 200,
        .response = "{\"type\":\"object\"}",
};

static const struct web_route web__routes[] = {
        {HTTP_GET, "/healthz", web__healthz, WEB_NEED_PUBLIC, "healthz", NULL, 1},
        {HTTP_GET, "/metrics", web__metrics, WEB_NEED_PUBLIC, "metrics", NULL, 1},
        {HTTP_GET, "/static/{path...}", web__static, WEB_NEED_PUBLIC, "static", NULL, 1},
        {HTTP_GET, "/api/v1/openapi.json", web__openapi, WEB_NEED_PUBLIC, "openapi", &openapi_doc,
         1},
};

const struct web_module web__module = {
        .name = "web",
        .routes = web__routes,
        .nroutes = sizeof(web__routes) / sizeof(web__routes[0]),
};

/* ---- building the app ---- */

static int route_is_api(const struct web_route *r)
{
	return strncmp(r->pattern, "/api/v1/", 8) == 0;
}

int web_app_new(const struct web_config *cfg, const struct web_module *const *modules,
                struct web_app **out, struct co_err *e)
{
	struct web_app *app;
	const struct web_module *const *m;
	const struct web_module *all[64];
	size_t nall = 0, nr = 0, ns = 0, i, j;
	struct http_router *router = NULL;
	struct db_conn *c = NULL;
	int rc;

	if (!modules)
		modules = web_modules;
	all[nall++] = &web__module;
	for (m = modules; *m && nall < sizeof(all) / sizeof(all[0]); m++)
		all[nall++] = *m;
	app = calloc(1, sizeof(*app));
	if (!app)
		return co_errf(e, CO_ENOMEM, "out of memory");
	app->cfg = *cfg;
	app->modules = modules;
	/* The API document is built on first request (a few milliseconds that
	 * start-up should not pay); the unit tests build it. */
	pthread_mutex_init(&app->openapi_mu, NULL);
	for (i = 0; i < nall; i++) {
		nr += all[i]->nroutes;
		ns += all[i]->nscopes;
		if (all[i]->identity) {
			if (app->identity) {
				rc = co_errf(e, CO_EINPUT, "two modules provide the identity: %s",
				             all[i]->name);
				goto fail;
			}
			app->identity = all[i]->identity;
		}
	}
	app->routes = calloc(nr ? nr : 1, sizeof(*app->routes));
	app->scopes = calloc(ns ? ns : 1, sizeof(const struct web_scope *));
	if (!app->routes || !app->scopes) {
		rc = co_errf(e, CO_ENOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < nall; i++) {
		for (j = 0; j < all[i]->nroutes; j++) {
			const struct web_route *r = &all[i]->routes[j];
			struct http_route *h = &app->routes[app->nroutes++];

			if (route_is_api(r) && (!r->api || !r->api->summary)) {
				rc = co_errf(e, CO_EINPUT,
				             "%s %s: an API route needs a description",
				             http_method_name(r->method), r->pattern);
				goto fail;
			}
			if (r->need.kind == WEB_ROLE && r->need.scope &&
			    (!r->need.param || !strstr(r->pattern, r->need.param))) {
				rc = co_errf(e, CO_EINPUT,
				             "%s %s: the scope parameter is not in the pattern",
				             http_method_name(r->method), r->pattern);
				goto fail;
			}
			if (r->bare && r->need.kind != WEB_PUBLIC) {
				rc = co_errf(e, CO_EINPUT, "%s: a bare route must be public",
				             r->pattern);
				goto fail;
			}
			h->method = r->method;
			h->pattern = r->pattern;
			h->handler = web__dispatch;
			h->data = r;
			h->name = r->name;
		}
		for (j = 0; j < all[i]->nscopes; j++)
			app->scopes[app->nscopes++] = &all[i]->scopes[j];
	}
	/* Every scope a route names must have a resolver. */
	for (i = 0; i < app->nroutes; i++) {
		const struct web_route *r = app->routes[i].data;

		if (r->need.kind == WEB_ROLE && r->need.scope && !web__scope(app, r->need.scope)) {
			rc = co_errf(e, CO_EINPUT, "%s: no resolver for scope '%s'", r->pattern,
			             r->need.scope);
			goto fail;
		}
	}
	/* Catch clashing patterns now rather than at listen time. */
	rc = http_router_new(app->routes, app->nroutes, &router, e);
	if (rc < 0)
		goto fail;
	http_router_free(router);

	if (app->identity && cfg->db) {
		rc = db_acquire(cfg->db, &c, e);
		if (rc == 0)
			rc = app->identity->secret(c, app->secret, e);
		if (c)
			db_release(c);
		if (rc < 0)
			goto fail;
	}
	*out = app;
	return 0;
fail:
	web_app_free(app);
	return rc;
}

void web_app_free(struct web_app *app)
{
	if (!app)
		return;
	free(app->routes);
	free(app->scopes);
	free(app->openapi_text);
	pthread_mutex_destroy(&app->openapi_mu);
	free(app);
}

const struct http_route *web_app_routes(const struct web_app *app, size_t *n)
{
	*n = app->nroutes;
	return app->routes;
}

json_t *web_app_openapi(struct web_app *app, struct co_err *e)
{
	const char *text;
	size_t len;

	if (openapi_text(app, &text, &len, e) < 0)
		return NULL;
	return json_loadb(text, len, 0, NULL);
}

static const char *need_name(enum web_need_kind k)
{
	switch (k) {
	case WEB_PUBLIC: return "public";
	case WEB_LOGGED_IN: return "logged_in";
	case WEB_ROLE: return "role";
	}
	return "";
}

json_t *web_app_routes_json(const struct web_app *app)
{
	json_t *arr = json_array();
	size_t i;
	unsigned bit;

	for (i = 0; i < app->nroutes; i++) {
		const struct web_route *r = app->routes[i].data;
		json_t *need = json_pack("{s:s}", "kind", need_name(r->need.kind));
		json_t *roles;

		if (r->need.kind == WEB_ROLE) {
			roles = json_array();
			for (bit = 1; bit; bit <<= 1)
				if ((r->need.roles & bit) && web_role_name(bit))
					json_array_append_new(roles,
					                      json_string(web_role_name(bit)));
			json_object_set_new(need, "roles", roles);
			json_object_set_new(need, "scope", web_jstr(r->need.scope));
			json_object_set_new(need, "param", web_jstr(r->need.param));
		}
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:o,s:b}", "method",
		                                     http_method_name(r->method), "pattern",
		                                     r->pattern, "name", r->name, "need", need,
		                                     "api", route_is_api(r)));
	}
	return arr;
}
