/* Unit tests of the HTTP layer's parsers, router and response helpers
 * (no server: see test_http_server.c for that). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "http/http.h"
#include "http/http_int.h"

static const char *norm(struct co_arena *a, const char *raw, int *rc)
{
	const char *out = "(unset)";
	struct co_err e;

	*rc = http_path_normalise(a, raw, strlen(raw), &out, &e);
	return out;
}

static void path_normalise_decodes_and_collapses(void **state)
{
	struct co_arena a;
	int rc;

	(void)state;
	co_arena_init(&a, 0);
	assert_string_equal(norm(&a, "/", &rc), "/");
	assert_int_equal(rc, 0);
	assert_string_equal(norm(&a, "/a//b/./c/", &rc), "/a/b/c");
	assert_int_equal(rc, 0);
	assert_string_equal(norm(&a, "/%7Euser/caf%C3%A9", &rc), "/~user/caf\xc3\xa9");
	assert_int_equal(rc, 0);
	assert_string_equal(norm(&a, "//", &rc), "/");
	assert_string_equal(norm(&a, "/a+b", &rc), "/a+b"); /* '+' is literal in paths */
	co_arena_free(&a);
}

static void path_normalise_rejects_traversal_and_bad_escapes(void **state)
{
	static const char *const bad[] = {
	        "/a/../b", "/..",  "/a/%2e%2e/b", "/a/%2E%2e", "/a%2Fb", "/a%2fb",
	        "/a%00",   "/%zz", "/%4",         "a/b",       "",
	};
	struct co_arena a;
	size_t i;
	int rc;

	(void)state;
	co_arena_init(&a, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *out = norm(&a, bad[i], &rc);

		if (rc != CO_EINPUT)
			fail_msg("'%s' gave %d (%s)", bad[i], rc, out);
		/* out-parameter untouched on failure */
		assert_string_equal(out, "(unset)");
	}
	co_arena_free(&a);
}

static void path_normalise_limits_segments(void **state)
{
	struct co_arena a;
	char raw[2 * (CO_MAX_PATH_SEGS + 1) + 1];
	int i, rc;

	(void)state;
	co_arena_init(&a, 0);
	for (i = 0; i < CO_MAX_PATH_SEGS + 1; i++)
		memcpy(raw + 2 * i, "/x", 2);
	raw[2 * (CO_MAX_PATH_SEGS + 1)] = '\0';
	norm(&a, raw, &rc);
	assert_int_equal(rc, CO_ELIMIT);
	raw[2 * CO_MAX_PATH_SEGS] = '\0';
	norm(&a, raw, &rc);
	assert_int_equal(rc, 0);
	co_arena_free(&a);
}

static void urlencoded_parses_pairs_in_order(void **state)
{
	const char *s = "a=1&b=hello+world&c=%C3%A9&&d&e=x%3Dy%26z&a=2";
	struct http_params p;
	struct co_arena a;
	struct co_err e;

	(void)state;
	co_arena_init(&a, 0);
	assert_int_equal(http_parse_urlencoded(&a, s, strlen(s), &p, &e), 0);
	assert_int_equal(p.n, 6);
	assert_string_equal(p.items[0].name, "a");
	assert_string_equal(p.items[0].value, "1");
	assert_string_equal(p.items[1].value, "hello world");
	assert_string_equal(p.items[2].value, "\xc3\xa9");
	assert_int_equal(p.items[2].len, 2);
	assert_string_equal(p.items[3].name, "d");
	assert_string_equal(p.items[3].value, "");
	assert_string_equal(p.items[4].value, "x=y&z");
	assert_string_equal(http_params_get(&p, "a"), "1"); /* the first wins */
	assert_null(http_params_get(&p, "zz"));
	/* only len bytes are read: the 'X' after is not part of the input */
	assert_int_equal(http_parse_urlencoded(&a, "k=vX", 3, &p, &e), 0);
	assert_string_equal(p.items[0].value, "v");
	assert_int_equal(http_parse_urlencoded(&a, "", 0, &p, &e), 0);
	assert_int_equal(p.n, 0);
	co_arena_free(&a);
}

static void urlencoded_names_the_bad_field(void **state)
{
	struct http_params p = {NULL, 0};
	struct co_arena a;
	struct co_err e;

	(void)state;
	co_arena_init(&a, 0);
	co_err_clear(&e);
	assert_int_equal(http_parse_urlencoded(&a, "ok=1&email=a%zz", 15, &p, &e), CO_EINPUT);
	assert_string_equal(e.field, "email");
	assert_int_equal(p.n, 0);
	assert_int_equal(http_parse_urlencoded(&a, "x=%00", 5, &p, &e), CO_EINPUT);
	assert_int_equal(http_parse_urlencoded(&a, "x=%4", 4, &p, &e), CO_EINPUT);
	co_arena_free(&a);
}

static void urlencoded_enforces_limits(void **state)
{
	struct http_params p;
	struct co_arena a;
	struct co_err e;
	struct co_buf b;
	int i;

	(void)state;
	co_arena_init(&a, 0);
	co_buf_init(&b, 64L * 1024 * 1024);
	for (i = 0; i < CO_MAX_FORM_FIELDS; i++)
		co_buf_printf(&b, "f%d=1&", i);
	assert_int_equal(http_parse_urlencoded(&a, b.data, b.len, &p, &e), 0);
	assert_int_equal(p.n, CO_MAX_FORM_FIELDS);
	co_buf_adds(&b, "one=more");
	assert_int_equal(http_parse_urlencoded(&a, b.data, b.len, &p, &e), CO_ELIMIT);

	co_buf_reset(&b);
	co_buf_adds(&b, "big=");
	for (i = 0; i < (int)CO_MAX_FIELD_VALUE + 1; i++)
		co_buf_addc(&b, 'x');
	co_err_clear(&e);
	assert_int_equal(http_parse_urlencoded(&a, b.data, b.len, &p, &e), CO_ELIMIT);
	assert_string_equal(e.field, "big");
	co_buf_free(&b);
	co_arena_free(&a);
}

static void cookies_follow_rfc6265(void **state)
{
	const char *h = "sid=abc123; lang=\"cy\";bad;  =novalue; theme = dark ; x=a\x01"
	                "b; last=";
	struct http_params p;
	struct co_arena a;
	struct co_err e;

	(void)state;
	co_arena_init(&a, 0);
	assert_int_equal(http_parse_cookies(&a, h, &p, &e), 0);
	assert_int_equal(p.n, 4);
	assert_string_equal(http_params_get(&p, "sid"), "abc123");
	assert_string_equal(http_params_get(&p, "lang"), "cy");
	assert_string_equal(http_params_get(&p, "theme"), "dark");
	assert_string_equal(http_params_get(&p, "last"), "");
	assert_null(http_params_get(&p, "bad"));
	assert_null(http_params_get(&p, "x"));
	assert_int_equal(http_parse_cookies(&a, "", &p, &e), 0);
	assert_int_equal(p.n, 0);
	co_arena_free(&a);
}

static void cookies_stop_at_the_limit(void **state)
{
	struct http_params p;
	struct co_arena a;
	struct co_err e;
	struct co_buf b;
	int i;

	(void)state;
	co_arena_init(&a, 0);
	co_buf_init(&b, 1 << 20);
	for (i = 0; i < CO_MAX_COOKIES + 10; i++)
		co_buf_printf(&b, "c%d=%d; ", i, i);
	assert_int_equal(http_parse_cookies(&a, b.data, &p, &e), 0);
	assert_int_equal(p.n, CO_MAX_COOKIES);
	assert_string_equal(http_params_get(&p, "c0"), "0");
	assert_null(http_params_get(&p, "c70"));
	co_buf_free(&b);
	co_arena_free(&a);
}

#define CT "multipart/form-data; boundary=\"XyZ-123\""

static const char mp_body[] = "preamble is ignored\r\n"
                              "--XyZ-123\r\n"
                              "Content-Disposition: form-data; name=\"title\"\r\n"
                              "\r\n"
                              "Hello\r\nthere\r\n"
                              "--XyZ-123\r\n"
                              "Content-Disposition: form-data; name=\"upload\"; "
                              "filename=\"data \\\"1\\\".csv\"\r\n"
                              "Content-Type: text/csv\r\n"
                              "\r\n"
                              "a,b\r\n1,\0\r\n"
                              "--XyZ-123--\r\n"
                              "epilogue\r\n";

static void multipart_parses_fields_and_files(void **state)
{
	struct http_params f;
	struct http_files files;
	struct co_arena a;
	struct co_err e;

	(void)state;
	co_arena_init(&a, 0);
	assert_int_equal(http_parse_multipart(&a, CT, mp_body, sizeof(mp_body) - 1, &f, &files, &e),
	                 0);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.items[0].name, "title");
	assert_string_equal(f.items[0].value, "Hello\r\nthere");
	assert_int_equal(files.n, 1);
	assert_string_equal(files.items[0].field, "upload");
	assert_string_equal(files.items[0].filename, "data \"1\".csv");
	assert_string_equal(files.items[0].content_type, "text/csv");
	assert_int_equal(files.items[0].len, 8);
	assert_memory_equal(files.items[0].data, "a,b\r\n1,\0", 8);
	co_arena_free(&a);
}

static void multipart_rejects_malformed_bodies(void **state)
{
	static const char unterminated[] =
	        "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n"
	        "value without end";
	static const char noname[] = "--b\r\nContent-Type: text/plain\r\n\r\nv\r\n--b--\r\n";
	static const char nul[] = "--b\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\n"
	                          "a\0b\r\n--b--\r\n";
	struct http_params f = {NULL, 0};
	struct http_files files = {NULL, 0};
	struct co_arena a;
	struct co_err e;

	(void)state;
	co_arena_init(&a, 0);
	assert_int_equal(http_parse_multipart(&a, "multipart/form-data", mp_body,
	                                      sizeof(mp_body) - 1, &f, &files, &e),
	                 CO_EINPUT);
	assert_int_equal(http_parse_multipart(&a, "multipart/form-data; boundary=b", unterminated,
	                                      sizeof(unterminated) - 1, &f, &files, &e),
	                 CO_EINPUT);
	assert_string_equal(e.field, "x");
	assert_int_equal(http_parse_multipart(&a, "multipart/form-data; boundary=b", noname,
	                                      sizeof(noname) - 1, &f, &files, &e),
	                 CO_EINPUT);
	co_err_clear(&e);
	assert_int_equal(http_parse_multipart(&a, "multipart/form-data; boundary=b", nul,
	                                      sizeof(nul) - 1, &f, &files, &e),
	                 CO_EINPUT);
	assert_string_equal(e.field, "t");
	assert_int_equal(
	        http_parse_multipart(&a, "multipart/form-data; boundary=b", "", 0, &f, &files, &e),
	        CO_EINPUT);
	/* untouched on failure */
	assert_int_equal(f.n, 0);
	assert_int_equal(files.n, 0);
	co_arena_free(&a);
}

static void multipart_limits_parts(void **state)
{
	struct http_params f;
	struct http_files files;
	struct co_arena a;
	struct co_err e;
	struct co_buf b;
	int i;

	(void)state;
	co_arena_init(&a, 0);
	co_buf_init(&b, 64L * 1024 * 1024);
	for (i = 0; i < CO_MAX_FORM_FIELDS + 1; i++)
		co_buf_printf(
		        &b, "--b\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\nv\r\n", i);
	co_buf_adds(&b, "--b--\r\n");
	assert_int_equal(http_parse_multipart(&a, "multipart/form-data; boundary=b", b.data, b.len,
	                                      &f, &files, &e),
	                 CO_ELIMIT);
	co_buf_free(&b);
	co_arena_free(&a);
}

static int h_dummy(struct http_request *req, struct http_response *res)
{
	return 0;
}

static const struct http_route routes[] = {
        {HTTP_GET, "/", h_dummy, NULL, "home"},
        {HTTP_GET, "/orgs", h_dummy, NULL, "org_list"},
        {HTTP_POST, "/orgs", h_dummy, NULL, "org_create"},
        {HTTP_GET, "/orgs/new", h_dummy, NULL, "org_new"},
        {HTTP_GET, "/orgs/{code}", h_dummy, "needs-member", "org_show"},
        {HTTP_GET, "/orgs/{code}/members", h_dummy, NULL, "org_members"},
        {HTTP_DELETE, "/orgs/{code}/members/{user}", h_dummy, NULL, "member_remove"},
        {HTTP_GET, "/orgs/new/help", h_dummy, NULL, "org_new_help"},
        {HTTP_GET, "/static/{path...}", h_dummy, NULL, "static"},
        {HTTP_GET, "/api/v1/organisations/{id}/", h_dummy, NULL, "api_org"},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

static const struct http_route *match(struct http_router *r, struct co_arena *a, enum http_method m,
                                      const char *path, int *rc, struct http_params *params,
                                      unsigned *allowed)
{
	const struct http_route *route = NULL;

	*rc = http_router_match(r, m, path, a, &route, params, allowed);
	return route;
}

static void router_matches_literals_params_and_rest(void **state)
{
	struct http_router *r;
	struct http_params p;
	struct co_arena a;
	struct co_err e;
	unsigned allowed;
	const struct http_route *rt;
	int rc;

	(void)state;
	co_arena_init(&a, 0);
	assert_int_equal(http_router_new(routes, NROUTES, &r, &e), 0);

	rt = match(r, &a, HTTP_GET, "/", &rc, &p, &allowed);
	assert_int_equal(rc, HTTP_MATCH_OK);
	assert_string_equal(rt->name, "home");
	assert_int_equal(p.n, 0);

	rt = match(r, &a, HTTP_GET, "/orgs/new", &rc, &p, &allowed);
	assert_string_equal(rt->name, "org_new"); /* literal beats {code} */

	rt = match(r, &a, HTTP_GET, "/orgs/W11", &rc, &p, &allowed);
	assert_string_equal(rt->name, "org_show");
	assert_string_equal(rt->data, "needs-member");
	assert_int_equal(p.n, 1);
	assert_string_equal(p.items[0].name, "code");
	assert_string_equal(p.items[0].value, "W11");

	/* "new" is a literal child, but only {code} leads on to members */
	rt = match(r, &a, HTTP_GET, "/orgs/new/members", &rc, &p, &allowed);
	assert_int_equal(rc, HTTP_MATCH_OK);
	assert_string_equal(rt->name, "org_members");
	assert_string_equal(http_params_get(&p, "code"), "new");

	rt = match(r, &a, HTTP_DELETE, "/orgs/X/members/42", &rc, &p, &allowed);
	assert_string_equal(rt->name, "member_remove");
	assert_string_equal(http_params_get(&p, "code"), "X");
	assert_string_equal(http_params_get(&p, "user"), "42");

	rt = match(r, &a, HTTP_GET, "/static/css/site.css", &rc, &p, &allowed);
	assert_string_equal(rt->name, "static");
	assert_string_equal(http_params_get(&p, "path"), "css/site.css");

	/* a trailing "/" in a pattern is ignored, as in paths */
	rt = match(r, &a, HTTP_GET, "/api/v1/organisations/7", &rc, &p, &allowed);
	assert_string_equal(rt->name, "api_org");
	assert_string_equal(http_params_get(&p, "id"), "7");

	/* HEAD is served by GET */
	rt = match(r, &a, HTTP_HEAD, "/orgs", &rc, &p, &allowed);
	assert_int_equal(rc, HTTP_MATCH_OK);
	assert_string_equal(rt->name, "org_list");
	http_router_free(r);
	co_arena_free(&a);
}

static void router_tells_404_from_405(void **state)
{
	struct http_router *r;
	struct http_params p;
	struct co_arena a;
	struct co_err e;
	unsigned allowed;
	char allow[64];
	int rc;

	(void)state;
	co_arena_init(&a, 0);
	assert_int_equal(http_router_new(routes, NROUTES, &r, &e), 0);
	match(r, &a, HTTP_GET, "/nothing/here", &rc, &p, &allowed);
	assert_int_equal(rc, HTTP_MATCH_NO_PATH);
	match(r, &a, HTTP_GET, "/static", &rc, &p, &allowed); /* {path...} needs a segment */
	assert_int_equal(rc, HTTP_MATCH_NO_PATH);
	match(r, &a, HTTP_PUT, "/orgs", &rc, &p, &allowed);
	assert_int_equal(rc, HTTP_MATCH_NO_METHOD);
	http_allow_string(allowed, allow, sizeof(allow));
	assert_string_equal(allow, "GET, HEAD, POST");
	match(r, &a, HTTP_POST, "/orgs/x/members/y", &rc, &p, &allowed);
	assert_int_equal(rc, HTTP_MATCH_NO_METHOD);
	http_allow_string(allowed, allow, sizeof(allow));
	assert_string_equal(allow, "DELETE");
	http_router_free(r);
	co_arena_free(&a);
}

static void router_rejects_bad_tables(void **state)
{
	static const struct http_route dup[] = {
	        {HTTP_GET, "/a/{x}", h_dummy, NULL, "one"},
	        {HTTP_GET, "/a/{y}/", h_dummy, NULL, "two"},
	};
	static const struct http_route bad_param[] = {{HTTP_GET, "/a/{x-y}", h_dummy, NULL, "b"}};
	static const struct http_route rest_mid[] = {{HTTP_GET, "/a/{x...}/b", h_dummy, NULL, "b"}};
	static const struct http_route head[] = {{HTTP_HEAD, "/a", h_dummy, NULL, "b"}};
	static const struct http_route rel[] = {{HTTP_GET, "a", h_dummy, NULL, "b"}};
	static const struct http_route empty[] = {{HTTP_GET, "/a//b", h_dummy, NULL, "b"}};
	struct http_router *r = NULL;
	struct co_err e;

	(void)state;
	assert_int_equal(http_router_new(dup, 2, &r, &e), CO_EINPUT);
	assert_non_null(strstr(e.msg, "/a/{x}"));
	assert_int_equal(http_router_new(bad_param, 1, &r, &e), CO_EINPUT);
	assert_int_equal(http_router_new(rest_mid, 1, &r, &e), CO_EINPUT);
	assert_int_equal(http_router_new(head, 1, &r, &e), CO_EINPUT);
	assert_int_equal(http_router_new(rel, 1, &r, &e), CO_EINPUT);
	assert_int_equal(http_router_new(empty, 1, &r, &e), CO_EINPUT);
	assert_null(r);
}

static void accept_header_is_read_with_q(void **state)
{
	struct http_param h[1] = {{"accept", NULL, 0}};
	struct http_request req;

	(void)state;
	memset(&req, 0, sizeof(req));
	req.headers.items = h;
	req.headers.n = 1;
	h[0].value = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
	assert_int_equal(http_accepts(&req, "application/json"), 0);
	assert_int_equal(http_accepts(&req, "text/html"), 1);
	h[0].value = "application/problem+json, application/json;q=0.5";
	assert_int_equal(http_accepts(&req, "application/json"), 1);
	h[0].value = "application/json;q=0";
	assert_int_equal(http_accepts(&req, "application/json"), 0);
	h[0].value = "application/*";
	assert_int_equal(http_accepts(&req, "application/json"), 1);
	assert_int_equal(http_accepts(&req, "text/html"), 0);
	req.headers.n = 0;
	assert_int_equal(http_accepts(&req, "text/html"), 0);
}

static void response_helpers_format_headers(void **state)
{
	struct http_response res;
	struct co_arena a;

	(void)state;
	co_arena_init(&a, 0);
	http__res_init(&res, &a);
	assert_int_equal(http_res_cookie(&res, "sid", "abc", 3600, NULL,
	                                 HTTP_COOKIE_HTTPONLY | HTTP_COOKIE_SECURE |
	                                         HTTP_COOKIE_SAMESITE_LAX),
	                 0);
	assert_string_equal(http__res_get(&res, "set-cookie"),
	                    "sid=abc; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax");
	assert_int_equal(http_res_cookie(&res, "sid", "a;b", -1, NULL, 0), CO_EINPUT);
	assert_int_equal(http_res_header(&res, "X-Evil", "a\r\nSet-Cookie: x=1"), CO_EINPUT);

	assert_int_equal(http_res_file(&res, "text/csv", "a,b\n", 4, "Caf\xc3\xa9 \"x\".csv"), 0);
	assert_string_equal(http__res_get(&res, "Content-Disposition"),
	                    "attachment; filename=\"Caf__ _x_.csv\"; "
	                    "filename*=UTF-8''Caf%C3%A9%20%22x%22.csv");
	assert_int_equal(res.body.len, 4);

	assert_int_equal(http_res_redirect(&res, 303, "/orgs"), 0);
	assert_int_equal(res.status, 303);
	assert_string_equal(http__res_get(&res, "Location"), "/orgs");
	assert_int_equal(res.body.len, 0);

	assert_int_equal(http_res_json(&res, 201, "{}", 2), 0);
	assert_string_equal(res.content_type, "application/json");
	assert_int_equal(http_status_for_code(CO_EPERM), 403);
	assert_int_equal(http_status_for_code(CO_ELIMIT), 413);
	assert_int_equal(http_status_for_code(CO_EDB), 500);
	assert_string_equal(http_status_text(405), "Method Not Allowed");
	co_buf_free(&res.body);
	co_arena_free(&a);
}

static void metrics_text_counts_by_route_and_status(void **state)
{
	struct http__metrics *m;
	struct co_buf out;

	(void)state;
	assert_int_equal(http__metrics_new(routes, NROUTES, &m), 0);
	http__metrics_count(m, 1, 200, 300);   /* org_list, 0.3 ms */
	http__metrics_count(m, 1, 200, 20000); /* 20 ms */
	http__metrics_count(m, 2, 303, 700);   /* org_create */
	http__metrics_count(m, -1, 404, 50);   /* none */
	co_buf_init(&out, 1 << 20);
	assert_int_equal(http__metrics_write(m, &out), 0);
	assert_non_null(
	        strstr(out.data, "http_requests_total{route=\"org_list\",status=\"200\"} 2\n"));
	assert_non_null(
	        strstr(out.data, "http_requests_total{route=\"org_create\",status=\"303\"} 1\n"));
	assert_non_null(strstr(out.data, "http_requests_total{route=\"none\",status=\"404\"} 1\n"));
	assert_non_null(strstr(out.data, "http_request_duration_seconds_bucket{route=\"org_list\","
	                                 "le=\"0.0005\"} 1\n"));
	assert_non_null(strstr(out.data, "http_request_duration_seconds_bucket{route=\"org_list\","
	                                 "le=\"0.025\"} 2\n"));
	assert_non_null(
	        strstr(out.data, "http_request_duration_seconds_count{route=\"org_list\"} 2\n"));
	assert_non_null(strstr(out.data,
	                       "http_request_duration_seconds_sum{route=\"org_list\"} 0.020300\n"));
	assert_null(strstr(out.data, "route=\"home\""));
	co_buf_free(&out);
	http__metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(path_normalise_decodes_and_collapses),
	        cmocka_unit_test(path_normalise_rejects_traversal_and_bad_escapes),
	        cmocka_unit_test(path_normalise_limits_segments),
	        cmocka_unit_test(urlencoded_parses_pairs_in_order),
	        cmocka_unit_test(urlencoded_names_the_bad_field),
	        cmocka_unit_test(urlencoded_enforces_limits),
	        cmocka_unit_test(cookies_follow_rfc6265),
	        cmocka_unit_test(cookies_stop_at_the_limit),
	        cmocka_unit_test(multipart_parses_fields_and_files),
	        cmocka_unit_test(multipart_rejects_malformed_bodies),
	        cmocka_unit_test(multipart_limits_parts),
	        cmocka_unit_test(router_matches_literals_params_and_rest),
	        cmocka_unit_test(router_tells_404_from_405),
	        cmocka_unit_test(router_rejects_bad_tables),
	        cmocka_unit_test(accept_header_is_read_with_q),
	        cmocka_unit_test(response_helpers_format_headers),
	        cmocka_unit_test(metrics_text_counts_by_route_and_status),
	};

	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
