/* Unit tests of the web framework without a server or a database: the one
 * access decision (roles, scopes walked through parents, anonymous and
 * missing scopes), CSRF tokens, pagination, and the OpenAPI document against
 * the route table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "web/web_int.h"

/* ---- a tiny request and response ---- */

struct fixture {
	struct co_arena arena;
	struct http_request req;
	struct http_response res;
	struct web_app app;
	struct web_ctx ctx;
	struct http_param params[4];
	struct http_param cookies[4];
	struct http_param form[4];
	struct http_param query[4];
};

static void fx_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	co_arena_init(&f->arena, 0);
	f->req.arena = &f->arena;
	f->req.path = "/x";
	f->req.query_string = "";
	f->req.content_type = "";
	f->req.body = "";
	f->req.method = HTTP_GET;
	f->req.path_params.items = f->params;
	f->req.cookies.items = f->cookies;
	f->req.form.items = f->form;
	f->req.query.items = f->query;
	f->res.arena = &f->arena;
	f->res.status = 200;
	co_buf_init(&f->res.body, CO_MAX_PAGE);
	memset(f->app.secret, 7, sizeof(f->app.secret));
	f->ctx.app = &f->app;
	f->ctx.req = &f->req;
	f->ctx.res = &f->res;
	f->ctx.arena = &f->arena;
	f->ctx.lang = "en";
}

static void fx_free(struct fixture *f)
{
	co_buf_free(&f->res.body);
	co_arena_free(&f->arena);
}

static void add(struct http_params *p, const char *name, const char *value)
{
	p->items[p->n].name = name;
	p->items[p->n].value = value;
	p->items[p->n].len = strlen(value);
	p->n++;
}

/* ---- scopes: org 1 and 2; teams 10 (in org 1, collab 100) and 20 (org 2) ---- */

static int org_find(struct web_ctx *ctx, const char *text, int64_t *id, struct co_err *e)
{
	if (strcmp(text, "ONE") == 0)
		*id = 1;
	else if (strcmp(text, "TWO") == 0)
		*id = 2;
	else
		return CO_ENOTFOUND;
	return 0;
}

static int team_find(struct web_ctx *ctx, const char *text, int64_t *id, struct co_err *e)
{
	char *end;
	long v = strtol(text, &end, 10);

	if (*end || (v != 10 && v != 20))
		return CO_ENOTFOUND;
	*id = v;
	return 0;
}

static int team_parents(struct web_ctx *ctx, int64_t id, struct web_scope_ref *out, int max, int *n,
                        struct co_err *e)
{
	out[0] = (struct web_scope_ref){"org", id == 10 ? 1 : 2};
	*n = 1;
	if (id == 10 && max > 1) {
		out[1] = (struct web_scope_ref){"collab", 100};
		*n = 2;
	}
	return 0;
}

static const struct web_scope scopes[] = {
        {"org", org_find, NULL},
        {"team", team_find, team_parents},
        {"collab", NULL, NULL},
};
static const struct web_scope *scope_ptrs[] = {&scopes[0], &scopes[1], &scopes[2]};

static void fx_scopes(struct fixture *f)
{
	f->app.scopes = scope_ptrs;
	f->app.nscopes = 3;
}

static struct web_user a_user = {42, "Demo", "demo@example.org", "en"};

static void as(struct fixture *f, struct web_membership *m, size_t n)
{
	f->ctx.user = &a_user;
	f->ctx.roles = m;
	f->ctx.nroles = n;
	f->ctx.auth = WEB_AUTH_SESSION;
}

static void access_public_and_logged_in(void **state)
{
	struct fixture f;
	struct web_need pub = WEB_NEED_PUBLIC, in = WEB_NEED_LOGGED_IN;
	int err;

	(void)state;
	fx_init(&f);
	assert_int_equal(web__access(&f.ctx, &pub, &err), WEB__ALLOW);
	assert_int_equal(web__access(&f.ctx, &in, &err), WEB__LOGIN);
	as(&f, NULL, 0);
	assert_int_equal(web__access(&f.ctx, &in, &err), WEB__ALLOW);
	fx_free(&f);
}

static void access_role_on_scope_and_through_parents(void **state)
{
	struct fixture f;
	struct web_membership lead1[] = {{"org", 1, WEB_R_ORG_LEAD}};
	struct web_membership coach[] = {{"collab", 100, WEB_R_COACH}};
	struct web_need org_lead = WEB_NEED_ROLE(WEB_R_ORG_LEAD, "org", "code");
	struct web_need team_lead = WEB_NEED_ROLE(WEB_R_ORG_LEAD | WEB_R_TEAM_MEMBER, "team", "id");
	struct web_need team_coach = WEB_NEED_ROLE(WEB_R_COACH, "team", "id");
	int err;

	(void)state;
	fx_init(&f);
	fx_scopes(&f);
	add(&f.req.path_params, "code", "ONE");
	add(&f.req.path_params, "id", "10");
	/* anonymous on an existing scope: sign in first */
	assert_int_equal(web__access(&f.ctx, &org_lead, &err), WEB__LOGIN);
	as(&f, lead1, 1);
	assert_int_equal(web__access(&f.ctx, &org_lead, &err), WEB__ALLOW);
	assert_int_equal(f.ctx.scope_id, 1);
	/* team 10 belongs to org 1: the lead of org 1 passes through the parent */
	assert_int_equal(web__access(&f.ctx, &team_lead, &err), WEB__ALLOW);
	/* a coach on the collaborative reaches team 10 but not team 20 */
	as(&f, coach, 1);
	assert_int_equal(web__access(&f.ctx, &team_coach, &err), WEB__ALLOW);
	assert_int_equal(web__access(&f.ctx, &org_lead, &err), WEB__FORBIDDEN);
	f.params[1].value = "20";
	assert_int_equal(web__access(&f.ctx, &team_coach, &err), WEB__FORBIDDEN);
	/* the lead of org 1 is refused org 2 and team 20 */
	as(&f, lead1, 1);
	assert_int_equal(web__access(&f.ctx, &team_lead, &err), WEB__FORBIDDEN);
	f.params[0].value = "TWO";
	assert_int_equal(web__access(&f.ctx, &org_lead, &err), WEB__FORBIDDEN);
	/* an object that does not exist is 404 for everyone */
	f.params[0].value = "THREE";
	assert_int_equal(web__access(&f.ctx, &org_lead, &err), WEB__NOT_FOUND);
	f.ctx.user = NULL;
	assert_int_equal(web__access(&f.ctx, &org_lead, &err), WEB__NOT_FOUND);
	fx_free(&f);
}

static void access_admin_passes_and_roles_anywhere(void **state)
{
	struct fixture f;
	struct web_membership admin[] = {{"global", 0, WEB_R_PROGRAMME_ADMIN}};
	struct web_membership member2[] = {{"org", 2, WEB_R_MEMBER}};
	struct web_need org_lead = WEB_NEED_ROLE(WEB_R_ORG_LEAD, "org", "code");
	struct web_need admin_only = WEB_NEED_ROLE(WEB_R_PROGRAMME_ADMIN, NULL, NULL);
	struct web_need any_member = WEB_NEED_ROLE(WEB_R_MEMBER, NULL, NULL);
	int err;

	(void)state;
	fx_init(&f);
	fx_scopes(&f);
	add(&f.req.path_params, "code", "TWO");
	as(&f, admin, 1);
	assert_int_equal(web__access(&f.ctx, &org_lead, &err), WEB__ALLOW);
	assert_int_equal(web__access(&f.ctx, &admin_only, &err), WEB__ALLOW);
	assert_true(web_is_admin(&f.ctx));
	as(&f, member2, 1);
	assert_false(web_is_admin(&f.ctx));
	assert_int_equal(web__access(&f.ctx, &admin_only, &err), WEB__FORBIDDEN);
	assert_int_equal(web__access(&f.ctx, &any_member, &err), WEB__ALLOW);
	assert_int_equal(web__access(&f.ctx, &org_lead, &err), WEB__FORBIDDEN);
	assert_true(web_has_role(&f.ctx, WEB_R_MEMBER, "org", 2));
	assert_false(web_has_role(&f.ctx, WEB_R_MEMBER, "org", 1));
	f.ctx.user = NULL;
	assert_int_equal(web__access(&f.ctx, &admin_only, &err), WEB__LOGIN);
	fx_free(&f);
}

static void roles_have_names(void **state)
{
	unsigned bit;

	(void)state;
	for (bit = 1; bit <= WEB_R_PLANNER; bit <<= 1) {
		assert_non_null(web_role_name(bit));
		assert_int_equal(web_role_parse(web_role_name(bit)), bit);
	}
	assert_int_equal(web_role_parse("org_lead"), WEB_R_ORG_LEAD);
	assert_int_equal(web_role_parse("emperor"), 0);
	assert_null(web_role_name(WEB_R_ORG_LEAD | WEB_R_MEMBER));
}

/* ---- CSRF ---- */

static void csrf_anonymous_double_submit(void **state)
{
	struct fixture f, g;
	const char *tok, *nonce;
	char copy[64];

	(void)state;
	fx_init(&f);
	tok = web_csrf(&f.ctx);
	assert_int_equal(strlen(tok), 43);
	/* the nonce went out as a cookie */
	assert_non_null(f.res.headers);
	assert_string_equal(f.res.headers->name, "Set-Cookie");
	assert_int_equal(strncmp(f.res.headers->value, "collective_csrf=", 16), 0);
	nonce = f.res.headers->value + 16;
	snprintf(copy, sizeof(copy), "%.*s", (int)strcspn(nonce, ";"), nonce);

	/* the next request brings the cookie and the token back */
	fx_init(&g);
	g.req.method = HTTP_POST;
	add(&g.req.cookies, "collective_csrf", copy);
	add(&g.req.form, "csrf", tok);
	assert_true(web__csrf_ok(&g.ctx));
	/* the same form without the cookie, or with another nonce, fails */
	g.req.cookies.n = 0;
	assert_false(web__csrf_ok(&g.ctx));
	add(&g.req.cookies, "collective_csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	assert_false(web__csrf_ok(&g.ctx));
	/* a bearer call needs no token */
	g.ctx.auth = WEB_AUTH_BEARER;
	assert_true(web__csrf_ok(&g.ctx));
	fx_free(&f);
	fx_free(&g);
}

static void csrf_bound_to_session(void **state)
{
	struct fixture f;
	const char *tok;
	char saved[64];

	(void)state;
	fx_init(&f);
	as(&f, NULL, 0);
	f.ctx.session_key = "0123abcd";
	tok = web_csrf(&f.ctx);
	snprintf(saved, sizeof(saved), "%s", tok);
	assert_null(f.res.headers); /* no cookie needed */
	f.req.method = HTTP_POST;
	add(&f.req.form, "csrf", saved);
	assert_true(web__csrf_ok(&f.ctx));
	/* another session's token does not pass */
	f.ctx.session_key = "0123abce";
	assert_false(web__csrf_ok(&f.ctx));
	/* nor does a token for this session under another server secret */
	f.ctx.session_key = "0123abcd";
	f.app.secret[0] ^= 1;
	assert_false(web__csrf_ok(&f.ctx));
	f.app.secret[0] ^= 1;
	/* the header works as well as the field */
	f.req.form.n = 0;
	assert_false(web__csrf_ok(&f.ctx));
	f.req.headers.items = f.cookies;
	f.req.headers.n = 0;
	add(&f.req.headers, "X-CSRF-Token", saved);
	assert_true(web__csrf_ok(&f.ctx));
	fx_free(&f);
}

/* ---- pagination ---- */

static void pagination_parses_limits_and_links(void **state)
{
	struct fixture f;
	struct web_page p;
	json_t *errs = json_object(), *info;
	const char *link = NULL;
	struct http_res_header *h;

	(void)state;
	fx_init(&f);
	f.req.path = "/api/v1/organisations";
	add(&f.req.query, "page", "2");
	add(&f.req.query, "per_page", "10");
	add(&f.req.query, "type", "health board");
	assert_int_equal(web_page_parse(&f.ctx, &p, errs), 0);
	assert_int_equal(p.page, 2);
	assert_int_equal(p.per_page, 10);
	assert_int_equal(p.offset, 10);
	info = web_page_info(&f.ctx, &p, 25);
	assert_int_equal(json_integer_value(json_object_get(info, "pages")), 3);
	assert_string_equal(json_string_value(json_object_get(info, "next")),
	                    "/api/v1/organisations?page=3&per_page=10&type=health%20board");
	assert_string_equal(json_string_value(json_object_get(info, "prev")),
	                    "/api/v1/organisations?page=1&per_page=10&type=health%20board");
	for (h = f.res.headers; h; h = h->next)
		if (strcmp(h->name, "Link") == 0)
			link = h->value;
	assert_non_null(link);
	assert_non_null(strstr(link, "rel=\"next\""));
	assert_non_null(strstr(link, "page=3&per_page=10"));
	json_decref(info);
	/* the last page has no next */
	f.query[0].value = "3";
	assert_int_equal(web_page_parse(&f.ctx, &p, errs), 0);
	info = web_page_info(&f.ctx, &p, 25);
	assert_true(json_is_null(json_object_get(info, "next")));
	json_decref(info);
	/* out of range */
	f.query[1].value = "1000";
	assert_int_equal(web_page_parse(&f.ctx, &p, errs), CO_EINPUT);
	assert_non_null(json_object_get(errs, "per_page"));
	f.query[0].value = "0";
	assert_int_equal(web_page_parse(&f.ctx, &p, errs), CO_EINPUT);
	assert_non_null(json_object_get(errs, "page"));
	json_decref(errs);
	fx_free(&f);
}

/* ---- the OpenAPI document covers exactly the API routes ---- */

static void openapi_matches_route_table(void **state)
{
	struct web_config cfg = {0};
	struct web_app *app;
	struct co_err e;
	const struct http_route *routes;
	json_t *doc, *paths, *item, *op;
	const char *path, *method;
	size_t n, i, api_routes = 0, ops = 0;

	(void)state;
	assert_int_equal(web_app_new(&cfg, NULL, &app, &e), 0);
	doc = web_app_openapi(app, &e);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
	paths = json_object_get(doc, "paths");
	routes = web_app_routes(app, &n);
	for (i = 0; i < n; i++) {
		char lower[8];
		size_t k;

		if (strncmp(routes[i].pattern, "/api/v1/", 8) != 0)
			continue;
		api_routes++;
		for (k = 0; http_method_name(routes[i].method)[k] && k < 7; k++)
			lower[k] = (char)(http_method_name(routes[i].method)[k] | 0x20);
		lower[k] = '\0';
		item = json_object_get(paths, routes[i].pattern);
		if (!item || !json_object_get(item, lower))
			fail_msg("%s %s is not in the OpenAPI document", lower, routes[i].pattern);
		op = json_object_get(item, lower);
		assert_non_null(json_object_get(op, "summary"));
		assert_non_null(json_object_get(op, "responses"));
		assert_non_null(json_object_get(op, "x-collective-need"));
	}
	/* and nothing in the document that is not a route */
	json_object_foreach(paths, path, item)
	{
		json_object_foreach(item, method, op)
		{
			int found = 0;

			for (i = 0; i < n; i++) {
				const char *m = http_method_name(routes[i].method);

				if (strcmp(routes[i].pattern, path) == 0 &&
				    strcasecmp(m, method) == 0)
					found = 1;
			}
			if (!found)
				fail_msg("%s %s is documented but not routed", method, path);
			ops++;
		}
	}
	assert_int_equal(ops, api_routes);
	assert_true(api_routes >= 18);
	/* every $ref points at a schema that exists */
	{
		char *text = json_dumps(doc, 0);
		const char *p = text;
		json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");

		while ((p = strstr(p, "#/components/schemas/")) != NULL) {
			char name[64];

			p += strlen("#/components/schemas/");
			snprintf(name, sizeof(name), "%.*s", (int)strcspn(p, "\""), p);
			if (!json_object_get(schemas, name))
				fail_msg("schema %s is referred to but not defined", name);
		}
		free(text);
	}
	json_decref(doc);
	web_app_free(app);
}

static void routes_json_lists_needs(void **state)
{
	struct web_config cfg = {0};
	struct web_app *app;
	struct co_err e;
	json_t *routes, *r;
	size_t i;
	int seen_role = 0;

	(void)state;
	assert_int_equal(web_app_new(&cfg, NULL, &app, &e), 0);
	routes = web_app_routes_json(app);
	assert_true(json_array_size(routes) > 20);
	json_array_foreach(routes, i, r)
	{
		json_t *need = json_object_get(r, "need");
		const char *kind = json_string_value(json_object_get(need, "kind"));

		assert_non_null(json_object_get(r, "method"));
		assert_non_null(json_object_get(r, "pattern"));
		assert_non_null(kind);
		if (strcmp(kind, "role") == 0) {
			seen_role = 1;
			assert_true(json_array_size(json_object_get(need, "roles")) > 0);
		}
	}
	assert_true(seen_role);
	json_decref(routes);
	web_app_free(app);
}

/* A module whose API route has no description is refused. */
static int nop(struct web_ctx *ctx)
{
	return 0;
}

static void undocumented_api_route_is_refused(void **state)
{
	static const struct web_route bad[] = {
	        {HTTP_GET, "/api/v1/secret", nop, WEB_NEED_PUBLIC, "secret", NULL, 0},
	};
	static const struct web_module m = {.name = "bad", .routes = bad, .nroutes = 1};
	const struct web_module *const mods[] = {&m, NULL};
	struct web_config cfg = {0};
	struct web_app *app = NULL;
	struct co_err e;

	(void)state;
	assert_int_equal(web_app_new(&cfg, mods, &app, &e), CO_EINPUT);
	assert_non_null(strstr(e.msg, "/api/v1/secret"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(access_public_and_logged_in),
	        cmocka_unit_test(access_role_on_scope_and_through_parents),
	        cmocka_unit_test(access_admin_passes_and_roles_anywhere),
	        cmocka_unit_test(roles_have_names),
	        cmocka_unit_test(csrf_anonymous_double_submit),
	        cmocka_unit_test(csrf_bound_to_session),
	        cmocka_unit_test(pagination_parses_limits_and_links),
	        cmocka_unit_test(openapi_matches_route_table),
	        cmocka_unit_test(routes_json_lists_needs),
	        cmocka_unit_test(undocumented_api_route_is_refused),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
