/*
 * web.h - the web framework: what every page and API handler of every
 * feature module stands on.
 *
 * A module declares a `struct web_module`: its routes (method, pattern,
 * handler, what the route needs, an OpenAPI description for /api/v1
 * routes) and its scope resolvers. src/web/modules.c lists the modules;
 * web_app_new() builds one route table from them and gives it to the HTTP
 * layer. For each request the framework then
 *
 *   1. builds a struct web_ctx in the request's arena: language, the user
 *      (session cookie or `Authorization: Bearer` API token, through the
 *      identity provider the accounts module registers) and their roles;
 *   2. checks the CSRF token on every unsafe method (not for bearer calls);
 *   3. decides access in ONE place (access.c) from the route's need:
 *      anonymous users are sent to /login?next= (pages) or get 401 problem
 *      JSON (API); users without the right get 403; a scope that does not
 *      exist gets 404;
 *   4. calls the handler, which answers with web_render (template + JSON
 *      data + layout variables), web_json, web_problem (RFC 9457) or
 *      web_redirect (303);
 *   5. releases the database connection (rolling back anything left open).
 *
 * Roles are memberships (user, scope type, scope id, role). The global role
 * programme_admin passes every role check. A route scoped to a child object
 * (a team) is checked through its parents (organisation, collaborative) by
 * the resolvers modules register.
 *
 * Ownership: a struct web_app is owned by its creator (web_app_free); it
 * borrows the struct db and the module tables, which must outlive it. A
 * struct web_ctx and everything in it lives in the request's arena, except
 * json_t values, which are reference-counted: functions that take a json_t
 * say whether they steal the reference.
 *
 * Thread-safety: the app is read-only once built; handlers run on many
 * threads at once, each with its own ctx.
 */
#ifndef WEB_H
#define WEB_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/arena.h"
#include "base/err.h"
#include "db/db.h"
#include "http/http.h"
#include "i18n/i18n.h"

struct web_app;
struct web_ctx;

/* ---- roles ---- */

/*
 * Every role of the platform, as bits so that a route can accept several.
 * A module that introduces a role adds it here (and to web_role_names in
 * access.c); the database stores the name.
 */
enum web_role {
	WEB_R_PROGRAMME_ADMIN = 1u << 0, /* global: sees and manages everything */
	WEB_R_ORG_LEAD = 1u << 1,        /* org: manages the organisation's people */
	WEB_R_MEMBER = 1u << 2,          /* org: belongs to the organisation */
	WEB_R_TEAM_MEMBER = 1u << 3,     /* team (Improve) */
	WEB_R_COACH = 1u << 4,           /* team or collab (Improve) */
	WEB_R_HOST = 1u << 5,            /* exchange (Exchange) */
	WEB_R_PARTICIPANT = 1u << 6,     /* exchange or programme (Exchange) */
	WEB_R_PLANNER = 1u << 7,         /* global or org (Workforce, Plan) */
	WEB_R_VENUE = 1u << 8,           /* exchange (Exchange): sees dietary and access needs */
	WEB_R_COLLAB_ADMIN = 1u << 9,    /* collab (Improve): runs the collaborative */
	WEB_R_FACULTY = 1u << 10,        /* collab (Improve): advises every team */
	WEB_R_VIEWER = 1u << 11,         /* collab (Improve): reads what is shared */
};
#define WEB_R_ANY 0xFFFFFFFFu

/* "org_lead" for WEB_R_ORG_LEAD; NULL for anything that is not one role. */
const char *web_role_name(unsigned role);
/* The bit for a name, or 0 when unknown. */
unsigned web_role_parse(const char *name);

/* The scope of the global roles (programme_admin, planner). */
#define WEB_SCOPE_GLOBAL "global"
#define WEB_SCOPE_ORG    "org"

/* One membership of the current user. */
struct web_membership {
	const char *scope; /* "global", "org", "team", ... */
	int64_t scope_id;  /* 0 for global */
	unsigned role;     /* one enum web_role bit */
};

/* ---- what a route needs ---- */

enum web_need_kind {
	WEB_PUBLIC = 0, /* anyone, signed in or not */
	WEB_LOGGED_IN,  /* any signed-in user */
	WEB_ROLE,       /* one of `roles` on the scope named by path param
	                   `param` (or its parents), or anywhere when scope is
	                   NULL; programme_admin always passes */
};

struct web_need {
	enum web_need_kind kind;
	unsigned roles;    /* WEB_ROLE: a mask of enum web_role */
	const char *scope; /* WEB_ROLE: scope type, or NULL for "anywhere" */
	const char *param; /* WEB_ROLE with scope: the path parameter */
};

/* How route tables write needs. */
#define WEB_NEED_PUBLIC                                                                            \
	{                                                                                          \
		WEB_PUBLIC, 0, NULL, NULL                                                          \
	}
#define WEB_NEED_LOGGED_IN                                                                         \
	{                                                                                          \
		WEB_LOGGED_IN, 0, NULL, NULL                                                       \
	}
/* One of roles on the scope the path parameter names (scope NULL and
 * param NULL: one of roles anywhere). */
#define WEB_NEED_ROLE(roles, scope, param)                                                         \
	{                                                                                          \
		WEB_ROLE, (roles), (scope), (param)                                                \
	}

/* A scope reference, for resolvers. */
struct web_scope_ref {
	const char *scope;
	int64_t id;
};

#define WEB_MAX_PARENTS 8

/*
 * A scope resolver, registered by the module that owns the scope type.
 * find: the scope's id for a path parameter's text (a code, a number);
 * CO_ENOTFOUND when there is none (the request gets 404).
 * parents: the scopes directly above one object (a team: its organisation
 * and its collaborative), at most max; may be NULL for a top-level scope.
 */
struct web_scope {
	const char *type;
	int (*find)(struct web_ctx *ctx, const char *text, int64_t *id, struct co_err *e);
	int (*parents)(struct web_ctx *ctx, int64_t id, struct web_scope_ref *out, int max, int *n,
	               struct co_err *e);
};

/* ---- routes and modules ---- */

typedef int web_handler_fn(struct web_ctx *ctx);

/*
 * The OpenAPI description of an /api/v1 route. The JSON fragments are
 * JSON text (parsed when the document is built; a test checks they parse).
 * Path parameters, security, and the problem responses (400, 401, 403,
 * 404) are added from the route itself.
 */
struct web_api_doc {
	const char *summary;
	const char *tag;      /* groups operations: "Organisations" */
	const char *query;    /* JSON array of parameter objects, or NULL */
	const char *request;  /* JSON schema of the request body, or NULL */
	int status;           /* the success status: 200, 201, 204 */
	const char *response; /* JSON schema of the success body, or NULL */
};

struct web_route {
	enum http_method method; /* exactly one */
	const char *pattern;     /* "/orgs/{code}"; see http.h */
	web_handler_fn *handler;
	struct web_need need;
	const char *name;              /* unique: metrics, logs, operationId */
	const struct web_api_doc *api; /* required for /api/v1 routes */
	int bare;                      /* 1: no session, language or CSRF work at all (static
	                                  files, health, metrics); only for WEB_PUBLIC routes */
};

/*
 * A feature module as the web framework sees it. Everything is static
 * data. openapi_schemas is a JSON object text merged into
 * components.schemas (NULL when none).
 */
struct web_identity;
struct web_module {
	const char *name;
	const struct web_route *routes;
	size_t nroutes;
	const struct web_scope *scopes;
	size_t nscopes;
	const char *openapi_schemas;
	const struct web_identity *identity; /* exactly one module provides it */
	/* Loads the module's demo data (`collective demo`), after the modules
	 * before it in web_modules (accounts first: organisations and people).
	 * password is the demo accounts' password. May be NULL. */
	int (*demo)(struct db *db, const char *password, struct co_err *e);
};

/* The modules of this build (modules.c), ending with NULL. */
extern const struct web_module *const web_modules[];

/*
 * The identity provider: who a request is. Provided by the accounts
 * module, so that the framework knows no table. Each function uses
 * web_db(ctx) for its connection.
 */
struct web_user {
	int64_t id;
	const char *name;
	const char *email;
	const char *lang; /* the user's chosen language, "en" or "cy" */
};

struct web_identity {
	/* The user of a session token (the cookie's value): fills *user (in
	 * the arena) and *session_key (a stable value identifying the
	 * session, the stored hash); CO_ENOTFOUND when unknown or expired. */
	int (*from_session)(struct web_ctx *ctx, const char *token, struct web_user *user,
	                    const char **session_key, struct co_err *e);
	/* The user of an API token; CO_ENOTFOUND when unknown or revoked. */
	int (*from_bearer)(struct web_ctx *ctx, const char *token, struct web_user *user,
	                   struct co_err *e);
	/* The user's memberships, allocated in the ctx's arena. */
	int (*memberships)(struct web_ctx *ctx, int64_t user_id, struct web_membership **out,
	                   size_t *n, struct co_err *e);
	/* The server-wide secret key (32 bytes) shared by every process on
	 * the database; created on first use. */
	int (*secret)(struct db_conn *c, unsigned char key[32], struct co_err *e);
};

/* ---- the application ---- */

struct conf;
struct web_config {
	struct db *db;           /* borrowed */
	const struct conf *conf; /* borrowed; modules read it via web_conf() */
	int secure_cookies;      /* 1: always mark cookies Secure (TLS in front) */
	const char *public_url;  /* "https://collective.example" for links in
	                            emails; NULL: from the request's Host */
};

/* Builds the app from the modules (web_modules when modules is NULL):
 * the route table (the framework's own routes included), resolvers,
 * identity, the secret. CO_EINPUT when two routes clash or an /api/v1
 * route has no description. */
int web_app_new(const struct web_config *cfg, const struct web_module *const *modules,
                struct web_app **out, struct co_err *e);
void web_app_free(struct web_app *app);

/* The table for http_config.routes/nroutes, and the hooks, which the
 * caller puts into its struct http_config. */
const struct http_route *web_app_routes(const struct web_app *app, size_t *n);
struct http_hooks web_app_hooks(struct web_app *app);

/* The route table as JSON (method, pattern, name, need) for
 * `collective serve --list-routes` and the authorization-matrix test.
 * New reference. */
json_t *web_app_routes_json(const struct web_app *app);

/* The OpenAPI 3.1 document of every /api/v1 route (built on first use;
 * NULL with e filled when a module's description is not valid JSON). New
 * reference. */
json_t *web_app_openapi(struct web_app *app, struct co_err *e);

/* ---- the request context ---- */

enum web_auth { WEB_AUTH_NONE = 0, WEB_AUTH_SESSION, WEB_AUTH_BEARER };

struct web_ctx {
	struct web_app *app;
	struct http_request *req;
	struct http_response *res;
	struct co_arena *arena; /* = req->arena */
	const struct web_route *route;

	const char *lang; /* "en" or "cy" */
	const struct i18n_catalog *cat;
	int api; /* 1 for /api/ paths: errors as problem JSON */

	enum web_auth auth;
	struct web_user *user; /* NULL when anonymous */
	struct web_membership *roles;
	size_t nroles;
	const char *session_key; /* the stored session hash, for logout */
	int64_t scope_id;        /* the id the route's scope parameter named
	                            (WEB_ROLE routes), 0 otherwise */

	/* private to the framework */
	struct db_conn *conn_;
	const char *csrf_;
	json_t *body_;
	int tx_open_;
};

/* The request's database connection, acquired on first use and released
 * when the request ends (an open transaction is rolled back then). */
int web_db(struct web_ctx *ctx, struct db_conn **out, struct co_err *e);

/* The configuration the app was built with (src/conf/conf.h). */
const struct conf *web_conf(const struct web_ctx *ctx);

/* The web_ctx of a request (for code called from the HTTP layer). */
struct web_ctx *web_ctx_of(struct http_request *req);

/* Translation in the request's language. */
const char *web_t(const struct web_ctx *ctx, const char *msgid);
/* An error's message in the request's language: its format translated and
 * its values put back in (co_err_text()) when the catalogue has the format,
 * else the message itself looked up. Returns out. */
const char *web_err_text(const struct web_ctx *ctx, const struct co_err *e, char *out, size_t size);

/* A path parameter, query or form value (NULL when absent). */
const char *web_param(const struct web_ctx *ctx, const char *name);
const char *web_query(const struct web_ctx *ctx, const char *name);
const char *web_form(const struct web_ctx *ctx, const char *name);

/* A path parameter that must be a positive integer (an id): 0, or
 * CO_ENOTFOUND when it is absent or not one (the object cannot exist). */
int web_param_id(const struct web_ctx *ctx, const char *name, int64_t *id);

/* The JSON body of the request: an object, or 400 problem JSON already
 * written into the response and CO_EINPUT returned. The value is borrowed
 * (freed when the request ends). */
int web_body_json(struct web_ctx *ctx, json_t **out);

/* ---- access (access.c): the one place it is decided ---- */

/* 1 when the current user holds one of `roles` on (scope, id) or on one
 * of its ancestors (or is a programme admin); 0 when not; negative on a
 * database error. scope NULL: anywhere. */
int web_can(struct web_ctx *ctx, unsigned roles, const char *scope, int64_t id);
/* 1 when the user holds a role in `roles` on exactly this scope. */
int web_has_role(const struct web_ctx *ctx, unsigned roles, const char *scope, int64_t id);
/* 1 for a programme admin. */
int web_is_admin(const struct web_ctx *ctx);

/* ---- answers ---- */

/* Renders template `name` with data (stolen; may be NULL) plus the layout
 * variables (lang, user, csrf, flash, errors unless set, nav unless set).
 * status 0 means 200. */
int web_render(struct web_ctx *ctx, int status, const char *name, json_t *data);
/* JSON answer; data is stolen. */
int web_json(struct web_ctx *ctx, int status, json_t *data);
/* RFC 9457 problem details (application/problem+json). title and detail
 * are English msgids, translated here; errors (stolen; may be NULL) is an
 * object {field: message} already translated, written as the array
 * "errors": [{field, message}]. */
int web_problem(struct web_ctx *ctx, int status, const char *title, const char *detail,
                json_t *errors);
/* 303 See Other to a local path. */
int web_redirect(struct web_ctx *ctx, const char *location);
/* An error page or problem (by path): the answer for `code` from a
 * failed call, logging e's message for 500s. Returns 0. */
int web_fail(struct web_ctx *ctx, int code, const struct co_err *e);

/* A message shown on the next page (kind "success", "info", "warning");
 * msgid is translated when shown. */
void web_flash(struct web_ctx *ctx, const char *kind, const char *msgid);

/* Form errors: an object {field: translated message} in page order.
 * web_errors_add translates msgid; web_errors_from adds e's field and
 * message (web_err_text(); e->field "" becomes "form"). */
void web_errors_add(struct web_ctx *ctx, json_t *errors, const char *field, const char *msgid);
void web_errors_from(struct web_ctx *ctx, json_t *errors, const struct co_err *e);

/* ---- sessions and CSRF (auth.c) ---- */

/* Sets / clears the session cookie (the accounts module makes the token).
 * Also ends any anonymous CSRF state. */
int web_session_cookie(struct web_ctx *ctx, const char *token, long max_age);
void web_session_clear(struct web_ctx *ctx);
/* The CSRF token for forms on this page. For a signed-in user web_render
 * adds it by itself; a page with a form for anonymous visitors (sign in)
 * calls this before web_render, which sets the anonymous cookie. */
const char *web_csrf(struct web_ctx *ctx);
/* The absolute URL of a local path, for emails. */
const char *web_url(struct web_ctx *ctx, const char *path);

/* ---- the cache of anonymous answers (cache.c) ---- */

/* For a GET whose answer depends only on public data: version is a stamp
 * of that data read from the database (bumped in the same transaction as
 * every change). web_cache_serve answers from the cache and returns 1 when
 * it holds this request's answer at this version (anonymous requests
 * only); otherwise build the answer and call web_cache_store. */
int web_cache_serve(struct web_ctx *ctx, int64_t version);
void web_cache_store(struct web_ctx *ctx, int64_t version);
void web_cache_clear(void);

/* ---- pagination ---- */

#define WEB_PER_PAGE_DEFAULT 25
#define WEB_PER_PAGE_MAX     100

struct web_page {
	long page;     /* 1-based */
	long per_page; /* 1..WEB_PER_PAGE_MAX */
	long offset;   /* (page - 1) * per_page */
};

/* From ?page= and ?per_page=; bad values give field errors in errors
 * (may be NULL) and CO_EINPUT. */
int web_page_parse(struct web_ctx *ctx, struct web_page *p, json_t *errors);
/* Adds a Link header (first, prev, next, last) and returns the pagination
 * object {page, per_page, total, pages, next, prev} (new reference) for
 * the body; next/prev are URLs or null. */
json_t *web_page_info(struct web_ctx *ctx, const struct web_page *p, long total);

/* ---- helpers for handlers ---- */

/* A JSON string from possibly-NULL text (null when NULL). */
json_t *web_jstr(const char *s);
/* Current time, Unix seconds. Tests may not rely on it moving. */
int64_t web_now(void);

#endif
