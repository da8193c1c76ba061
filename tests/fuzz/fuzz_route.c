/* Fuzz target for request-path routing (src/http/parse.c, router.c).
 *
 * The first byte picks the method, the rest is a raw request path. When it
 * normalises and matches a route, putting the path parameters back into
 * the route's pattern must give the normalised path exactly, and the
 * route's method must be the one asked for (GET for HEAD). A 405 must come
 * with a non-empty Allow set. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "http/http.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int h(struct http_request *req, struct http_response *res)
{
	return 0;
}

static const struct http_route routes[] = {
        {HTTP_GET, "/", h, NULL, "home"},
        {HTTP_GET, "/orgs", h, NULL, "orgs"},
        {HTTP_POST, "/orgs", h, NULL, "orgs"},
        {HTTP_GET, "/orgs/new", h, NULL, "org_new"},
        {HTTP_GET, "/orgs/{code}", h, NULL, "org"},
        {HTTP_GET, "/orgs/{code}/members", h, NULL, "members"},
        {HTTP_DELETE, "/orgs/{code}/members/{user}", h, NULL, "member"},
        {HTTP_GET, "/orgs/new/help", h, NULL, "help"},
        {HTTP_GET, "/a/{x}/c", h, NULL, "axc"},
        {HTTP_GET, "/a/b/d", h, NULL, "abd"},
        {HTTP_PUT, "/a/{x}/{y}", h, NULL, "axy"},
        {HTTP_GET, "/static/{path...}", h, NULL, "static"},
        {HTTP_GET, "/api/v1/organisations/{id}", h, NULL, "api_org"},
};

static struct http_router *router;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum http_method methods[] = {HTTP_GET, HTTP_HEAD,   HTTP_POST,
	                                           HTTP_PUT, HTTP_DELETE, HTTP_PATCH};
	const struct http_route *route;
	struct http_params params;
	struct co_arena a;
	const char *path, *p;
	enum http_method m;
	unsigned allowed;
	struct co_buf b;
	size_t k = 0;
	int rc;

	if (!router && http_router_new(routes, sizeof(routes) / sizeof(routes[0]), &router, NULL))
		abort();
	if (size == 0)
		return 0;
	m = methods[data[0] % (sizeof(methods) / sizeof(methods[0]))];
	co_arena_init(&a, 0);
	if (http_path_normalise(&a, (const char *)data + 1, size - 1, &path, NULL) != 0) {
		co_arena_free(&a);
		return 0;
	}
	rc = http_router_match(router, m, path, &a, &route, &params, &allowed);
	CHECK(rc >= 0);
	if (rc == HTTP_MATCH_NO_METHOD)
		CHECK(allowed != 0 && !(allowed & (unsigned)m));
	if (rc == HTTP_MATCH_OK) {
		CHECK(route->method == (m == HTTP_HEAD ? HTTP_GET : m));
		co_buf_init(&b, 1 << 20);
		for (p = route->pattern; *p;) {
			if (*p == '{') {
				CHECK(k < params.n);
				co_buf_adds(&b, params.items[k++].value);
				p = strchr(p, '}') + 1;
			} else {
				co_buf_addc(&b, *p++);
			}
		}
		CHECK(k == params.n);
		CHECK(strcmp(b.data, path) == 0);
		co_buf_free(&b);
	}
	co_arena_free(&a);
	return 0;
}
