/* Tests of the HTTP server on a loopback port, with a small socket client:
 * routing answers, limits, HEAD, gzip, static assets and ETags, security
 * headers, hooks, the access log, metrics, and the drain on SIGTERM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "base/asset.h"
#include "base/limits.h"
#include "http/http.h"
#include "http/http_int.h"

/* ---- a minimal HTTP/1.1 client ---- */

struct reply {
	int status;
	char head[8192]; /* status line and headers, NUL-terminated */
	char *body;
	size_t body_len;
	int closed_early; /* the connection ended before a full reply */
};

static int connect_to(unsigned port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);

		if (w <= 0)
			return; /* the server may close early (413): not an error here */
		c += w;
		n -= (size_t)w;
	}
}

/* Reads a reply until the connection closes (requests say Connection:
 * close) or 5 s pass. */
static void read_reply(int fd, struct reply *r)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap), *sep;

	memset(r, 0, sizeof(*r));
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t n;

		if (poll(&p, 1, 5000) <= 0)
			break;
		if (len + 4096 > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	sep = strstr(buf, "\r\n\r\n");
	if (!sep) {
		r->closed_early = 1;
		r->body = buf;
		return;
	}
	memcpy(r->head, buf,
	       (size_t)(sep - buf) < sizeof(r->head) - 1 ? (size_t)(sep - buf)
	                                                 : sizeof(r->head) - 1);
	r->status = (int)strtol(buf + 9, NULL, 10);
	r->body_len = len - (size_t)(sep + 4 - buf);
	memmove(buf, sep + 4, r->body_len);
	buf[r->body_len] = '\0';
	r->body = buf;
}

/* The value of a response header, copied into out; NULL when absent. */
static const char *hdr(const struct reply *r, const char *name, char *out, size_t size)
{
	const char *p = r->head;
	size_t n = strlen(name);

	while ((p = strstr(p, "\r\n"))) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;
			size_t k;

			while (*v == ' ')
				v++;
			k = strcspn(v, "\r");
			if (k >= size)
				k = size - 1;
			memcpy(out, v, k);
			out[k] = '\0';
			return out;
		}
	}
	return NULL;
}

static void request(unsigned port, const char *raw, size_t len, struct reply *r)
{
	int fd = connect_to(port);

	assert_true(fd >= 0);
	send_all(fd, raw, len);
	read_reply(fd, r);
	close(fd);
}

static void get(unsigned port, const char *method, const char *target, const char *extra,
                struct reply *r)
{
	char raw[4096];
	int n = snprintf(raw, sizeof(raw),
	                 "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s\r\n", method, target,
	                 extra ? extra : "");

	request(port, raw, (size_t)n, r);
}

/* ---- the application under test ---- */

static char big_text[20000];
static atomic_int before_calls, after_calls, error_calls, slow_started;

static int h_hello(struct http_request *req, struct http_response *res)
{
	return http_res_text(res, 200, "hello", 5);
}

static int h_big(struct http_request *req, struct http_response *res)
{
	return http_res_html(res, 200, big_text, sizeof(big_text));
}

/* Echoes what the request carried, one "name=value" per line. */
static int h_echo(struct http_request *req, struct http_response *res)
{
	size_t i;
	const struct http_file *f = http_file(req, "csv");

	res->content_type = "text/plain";
	http_res_printf(res, "path=%s\nid=%s\nbody_len=%zu\nctype=%s\n", req->path,
	                http_param(req, "id"), req->body_len, req->content_type);
	for (i = 0; i < req->query.n; i++)
		http_res_printf(res, "q.%s=%s\n", req->query.items[i].name,
		                req->query.items[i].value);
	for (i = 0; i < req->form.n; i++)
		http_res_printf(res, "f.%s=%s\n", req->form.items[i].name,
		                req->form.items[i].value);
	for (i = 0; i < req->cookies.n; i++)
		http_res_printf(res, "c.%s=%s\n", req->cookies.items[i].name,
		                req->cookies.items[i].value);
	if (f)
		http_res_printf(res, "file=%s:%zu:%s\n", f->filename, f->len, f->data);
	http_res_printf(res, "app=%s\n", req->app ? (const char *)req->app : "(none)");
	http_res_printf(res, "client=%s\nsecure=%d\n", req->client, req->secure);
	return 0;
}

static int h_slow(struct http_request *req, struct http_response *res)
{
	atomic_store(&slow_started, 1);
	poll(NULL, 0, 400);
	return http_res_text(res, 200, "finished", 8);
}

static int h_forbidden(struct http_request *req, struct http_response *res)
{
	return CO_EPERM;
}

static const struct http_route routes[] = {
        {HTTP_GET, "/hello", h_hello, NULL, "hello"},
        {HTTP_GET, "/big", h_big, NULL, "big"},
        {HTTP_GET, "/echo/{id}", h_echo, NULL, "echo"},
        {HTTP_POST, "/echo/{id}", h_echo, NULL, "echo"},
        {HTTP_GET, "/slow", h_slow, NULL, "slow"},
        {HTTP_GET, "/forbidden", h_forbidden, NULL, "forbidden"},
        {HTTP_GET, "/static/{path...}", http_static_handler, NULL, "static"},
        {HTTP_GET, "/metrics", http_metrics_handler, NULL, "metrics"},
};

static int before(void *ctx, struct http_request *req, struct http_response *res)
{
	atomic_fetch_add(&before_calls, 1);
	req->app = co_arena_strdup(req->arena, "session-ok");
	if (strcmp(req->path, "/blocked") == 0) {
		http_res_redirect(res, 303, "/login");
		return 1;
	}
	return 0;
}

static void after(void *ctx, struct http_request *req, const struct http_response *res)
{
	atomic_fetch_add(&after_calls, 1);
}

static void error_page(void *ctx, struct http_request *req, struct http_response *res, int status,
                       const char *detail)
{
	atomic_fetch_add(&error_calls, 1);
	res->content_type = "text/html; charset=utf-8";
	http_res_printf(res, "<p>error %d (%s) app=%s</p>", status, detail ? detail : "",
	                req->app ? (const char *)req->app : "(none)");
}

static void gauges(void *ctx, struct co_buf *out)
{
	co_buf_adds(out, "# TYPE db_connections gauge\ndb_connections 3\n");
}

static const char css[] = "body { color: #123456; }\n";
static char js_big[4096];
static struct co_asset test_assets[] = {
        {"static/css/site.css", css, sizeof(css) - 1},
        {"static/js/app.js", js_big, sizeof(js_big) - 1},
        {"src/not/static.txt", "x", 1},
        {NULL, NULL, 0},
};

static struct http_server *srv;
static unsigned port;
static FILE *log_file;

static int setup(void **state)
{
	struct http_config cfg;
	struct co_err e;
	size_t i;

	for (i = 0; i < sizeof(big_text); i++)
		big_text[i] = "abcdefgh <p>\n"[i % 13];
	memset(js_big, 'x', sizeof(js_big) - 1);
	js_big[sizeof(js_big) - 1] = '\0';
	http__static_use_assets(test_assets);
	log_file = tmpfile();
	memset(&cfg, 0, sizeof(cfg));
	cfg.host = "127.0.0.1";
	cfg.port = 0;
	cfg.threads = 2;
	cfg.routes = routes;
	cfg.nroutes = sizeof(routes) / sizeof(routes[0]);
	cfg.access_log = log_file;
	cfg.hooks.before = before;
	cfg.hooks.after = after;
	cfg.hooks.error = error_page;
	cfg.hooks.metrics = gauges;
	if (http_server_start(&cfg, &srv, &e)) {
		fprintf(stderr, "start: %s\n", e.msg);
		return -1;
	}
	port = http_server_port(srv);
	return port ? 0 : -1;
}

static int teardown(void **state)
{
	http_server_free(srv);
	fclose(log_file);
	return 0;
}

static void security_headers_on_every_answer(void **state)
{
	static const char *const targets[] = {"/hello", "/nothing", "/static/css/site.css"};
	char v[512];
	struct reply r;
	size_t i;

	for (i = 0; i < 3; i++) {
		get(port, "GET", targets[i], NULL, &r);
		assert_non_null(hdr(&r, "Content-Security-Policy", v, sizeof(v)));
		assert_string_equal(v, "default-src 'self'; script-src 'self'; style-src 'self'; "
		                       "img-src 'self' data:; frame-ancestors 'none'; "
		                       "form-action 'self'; base-uri 'none'");
		assert_string_equal(hdr(&r, "X-Content-Type-Options", v, sizeof(v)), "nosniff");
		assert_string_equal(hdr(&r, "X-Frame-Options", v, sizeof(v)), "DENY");
		assert_string_equal(hdr(&r, "Referrer-Policy", v, sizeof(v)), "same-origin");
		assert_non_null(hdr(&r, "X-Request-Id", v, sizeof(v)));
		assert_int_equal(strlen(v), 16);
		free(r.body);
	}
}

static void answers_200_404_405_and_error_pages(void **state)
{
	char v[256];
	struct reply r;
	int errors = atomic_load(&error_calls);

	get(port, "GET", "/hello", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "hello");
	assert_string_equal(hdr(&r, "Content-Type", v, sizeof(v)), "text/plain; charset=utf-8");
	assert_string_equal(hdr(&r, "Cache-Control", v, sizeof(v)), "no-store");
	free(r.body);

	get(port, "GET", "/nothing/here", NULL, &r);
	assert_int_equal(r.status, 404);
	/* the hook rendered it, after hooks.before set the session */
	assert_non_null(strstr(r.body, "error 404"));
	assert_non_null(strstr(r.body, "app=session-ok"));
	assert_string_equal(hdr(&r, "Content-Type", v, sizeof(v)), "text/html; charset=utf-8");
	free(r.body);

	get(port, "DELETE", "/hello", NULL, &r);
	assert_int_equal(r.status, 405);
	assert_string_equal(hdr(&r, "Allow", v, sizeof(v)), "GET, HEAD");
	assert_non_null(strstr(r.body, "error 405"));
	free(r.body);

	get(port, "GET", "/forbidden", NULL, &r);
	assert_int_equal(r.status, 403);
	assert_non_null(strstr(r.body, "error 403"));
	free(r.body);

	get(port, "GET", "/blocked", NULL, &r);
	assert_int_equal(r.status, 303);
	assert_string_equal(hdr(&r, "Location", v, sizeof(v)), "/login");
	free(r.body);

	get(port, "GET", "/static/../../etc/passwd", NULL, &r);
	assert_int_equal(r.status, 400);
	free(r.body);
	get(port, "GET", "/echo/a%2Fb", NULL, &r);
	assert_int_equal(r.status, 400);
	free(r.body);
	get(port, "BREW", "/hello", NULL, &r);
	assert_int_equal(r.status, 501);
	free(r.body);
	assert_true(atomic_load(&error_calls) >= errors + 5);
}

static void request_parts_reach_the_handler(void **state)
{
	static const char form[] = "name=Caf%C3%A9+Bl%C3%A1s&note=a%26b";
	static const char mp[] = "--zz\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n"
	                         "T1\r\n--zz\r\nContent-Disposition: form-data; name=\"csv\"; "
	                         "filename=\"m.csv\"\r\nContent-Type: text/csv\r\n\r\na,b\n1,2\r\n"
	                         "--zz--\r\n";
	char raw[2048];
	struct reply r;
	int n;

	get(port, "GET", "/echo/W%2011?x=1&y=two+words&x=3", "Cookie: sid=s3cr3t; lang=\"cy\"\r\n",
	    &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "path=/echo/W 11\n"));
	assert_non_null(strstr(r.body, "id=W 11\n"));
	assert_non_null(strstr(r.body, "q.x=1\nq.y=two words\nq.x=3\n"));
	assert_non_null(strstr(r.body, "c.sid=s3cr3t\nc.lang=cy\n"));
	assert_non_null(strstr(r.body, "app=session-ok\n"));
	free(r.body);

	n = snprintf(raw, sizeof(raw),
	             "POST /echo/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	             "Content-Type: application/x-www-form-urlencoded; charset=UTF-8\r\n"
	             "Content-Length: %zu\r\n\r\n%s",
	             sizeof(form) - 1, form);
	request(port, raw, (size_t)n, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "ctype=application/x-www-form-urlencoded\n"));
	assert_non_null(strstr(r.body, "f.name=Caf\xc3\xa9 Bl\xc3\xa1s\nf.note=a&b\n"));
	free(r.body);

	n = snprintf(raw, sizeof(raw),
	             "POST /echo/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	             "Content-Type: multipart/form-data; boundary=zz\r\n"
	             "Content-Length: %zu\r\n\r\n",
	             sizeof(mp) - 1);
	memcpy(raw + n, mp, sizeof(mp) - 1);
	request(port, raw, (size_t)n + sizeof(mp) - 1, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "f.title=T1\n"));
	assert_non_null(strstr(r.body, "file=m.csv:7:a,b\n1,2\n"));
	free(r.body);

	/* a malformed form is 400, with the field named in the detail */
	n = snprintf(raw, sizeof(raw),
	             "POST /echo/3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	             "Content-Type: application/x-www-form-urlencoded\r\n"
	             "Content-Length: 12\r\n\r\nemail=a%%zz&b");
	request(port, raw, (size_t)n, &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "email"));
	free(r.body);
}

static void oversized_bodies_get_413(void **state)
{
	char raw[512], chunk[65536];
	struct reply r;
	size_t sent = 0;
	int fd, n;

	/* declared too big: refused before any of the body is read */
	n = snprintf(raw, sizeof(raw),
	             "POST /echo/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	             "Content-Type: application/octet-stream\r\nContent-Length: %lu\r\n\r\n",
	             (unsigned long)CO_MAX_BODY + 1);
	request(port, raw, (size_t)n, &r);
	assert_int_equal(r.status, 413);
	assert_non_null(strstr(r.body, "error 413"));
	free(r.body);

	/* chunked, with no length: refused once the running total passes */
	fd = connect_to(port);
	assert_true(fd >= 0);
	n = snprintf(
	        raw, sizeof(raw),
	        "POST /echo/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	        "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
	send_all(fd, raw, (size_t)n);
	memset(chunk, 'a', sizeof(chunk));
	while (sent <= CO_MAX_BODY + sizeof(chunk)) {
		n = snprintf(raw, sizeof(raw), "%zx\r\n", sizeof(chunk));
		send_all(fd, raw, (size_t)n);
		send_all(fd, chunk, sizeof(chunk));
		send_all(fd, "\r\n", 2);
		sent += sizeof(chunk);
	}
	send_all(fd, "0\r\n\r\n", 5);
	read_reply(fd, &r);
	close(fd);
	assert_int_equal(r.status, 413);
	free(r.body);

	/* just under the limit is fine */
	n = snprintf(raw, sizeof(raw),
	             "POST /echo/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	             "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
	request(port, raw, (size_t)n, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "body_len=2\nctype=application/json\n"));
	free(r.body);
}

static void oversized_headers_and_urls_are_refused(void **state)
{
	char v[64];
	struct co_buf b;
	struct reply r;
	int i;

	/* 40 KiB of headers, each short: over CO_MAX_HEADER_BYTES (32 KiB) */
	co_buf_init(&b, 1 << 20);
	co_buf_adds(&b, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
	for (i = 0; i < 40; i++) {
		co_buf_printf(&b, "X-Pad-%d: ", i);
		for (int k = 0; k < 1000; k++)
			co_buf_addc(&b, 'p');
		co_buf_adds(&b, "\r\n");
	}
	co_buf_adds(&b, "\r\n");
	request(port, b.data, b.len, &r);
	assert_int_equal(r.status, 431);
	/* our answer (with our headers), not libmicrohttpd's bare one */
	assert_non_null(hdr(&r, "X-Frame-Options", v, sizeof(v)));
	free(r.body);

	/* a URL over CO_MAX_URL */
	co_buf_reset(&b);
	co_buf_adds(&b, "GET /hello?q=");
	for (i = 0; i < CO_MAX_URL; i++)
		co_buf_addc(&b, 'u');
	co_buf_adds(&b, " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	request(port, b.data, b.len, &r);
	assert_int_equal(r.status, 414);
	free(r.body);
	co_buf_free(&b);
}

static void head_is_get_without_a_body(void **state)
{
	char v[64], g[64];
	struct reply r;

	get(port, "GET", "/big", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, sizeof(big_text));
	assert_non_null(hdr(&r, "Content-Length", g, sizeof(g)));
	free(r.body);
	get(port, "HEAD", "/big", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	assert_string_equal(hdr(&r, "Content-Length", v, sizeof(v)), g);
	free(r.body);
}

static void gzip_when_accepted_and_worth_it(void **state)
{
	char v[64];
	struct reply r;
	unsigned char *out = malloc(sizeof(big_text) + 16);
	z_stream z;

	get(port, "GET", "/big", "Accept-Encoding: br, gzip;q=0.8\r\n", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(hdr(&r, "Content-Encoding", v, sizeof(v)), "gzip");
	assert_string_equal(hdr(&r, "Vary", v, sizeof(v)), "Accept-Encoding");
	assert_true(r.body_len < sizeof(big_text) / 4);
	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (unsigned char *)r.body;
	z.avail_in = (unsigned)r.body_len;
	z.next_out = out;
	z.avail_out = sizeof(big_text) + 16;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, sizeof(big_text));
	assert_memory_equal(out, big_text, sizeof(big_text));
	inflateEnd(&z);
	free(r.body);

	get(port, "GET", "/big", "Accept-Encoding: gzip;q=0\r\n", &r);
	assert_null(hdr(&r, "Content-Encoding", v, sizeof(v)));
	assert_int_equal(r.body_len, sizeof(big_text));
	assert_string_equal(hdr(&r, "Vary", v, sizeof(v)), "Accept-Encoding");
	free(r.body);

	/* too small to bother */
	get(port, "GET", "/hello", "Accept-Encoding: gzip\r\n", &r);
	assert_null(hdr(&r, "Content-Encoding", v, sizeof(v)));
	assert_string_equal(r.body, "hello");
	free(r.body);
	free(out);
}

static void static_assets_have_etags_and_long_caching(void **state)
{
	const char *url = http_static_url("css/site.css");
	char etag[64], v[128], extra[128];
	struct reply r;

	assert_non_null(url);
	assert_non_null(strstr(url, "/static/css/site.css?v="));
	assert_null(http_static_url("nope.css"));
	assert_null(http_static_url("../src/not/static.txt"));

	get(port, "GET", url, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, css);
	assert_string_equal(hdr(&r, "Content-Type", v, sizeof(v)), "text/css; charset=utf-8");
	assert_string_equal(hdr(&r, "Cache-Control", v, sizeof(v)),
	                    "public, max-age=31536000, immutable");
	assert_non_null(hdr(&r, "ETag", etag, sizeof(etag)));
	assert_int_equal(etag[0], '"');
	/* the tag is the hash in the URL */
	assert_int_equal(etag[strlen(etag) - 1], '"');
	etag[strlen(etag) - 1] = '\0';
	assert_string_equal(strstr(url, "?v=") + 3, etag + 1);
	etag[strlen(etag)] = '"';
	free(r.body);

	snprintf(extra, sizeof(extra), "If-None-Match: \"other\", %s\r\n", etag);
	get(port, "GET", "/static/css/site.css", extra, &r);
	assert_int_equal(r.status, 304);
	assert_int_equal(r.body_len, 0);
	assert_string_equal(hdr(&r, "Cache-Control", v, sizeof(v)), "no-cache");
	assert_non_null(hdr(&r, "X-Frame-Options", v, sizeof(v)));
	free(r.body);

	get(port, "GET", "/static/css/site.css", "If-None-Match: \"stale\"\r\n", &r);
	assert_int_equal(r.status, 200);
	free(r.body);

	get(port, "GET", "/static/js/app.js", "Accept-Encoding: gzip\r\n", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(hdr(&r, "Content-Encoding", v, sizeof(v)), "gzip");
	assert_non_null(strstr(hdr(&r, "ETag", v, sizeof(v)), "-gz\""));
	free(r.body);

	get(port, "GET", "/static/missing.css", NULL, &r);
	assert_int_equal(r.status, 404);
	free(r.body);
}

static void metrics_and_access_log_count_requests(void **state)
{
	char line[1024];
	struct reply r;
	int lines = 0, seen = 0;

	get(port, "GET", "/hello?token=secret", NULL, &r);
	free(r.body);
	get(port, "GET", "/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "http_requests_total{route=\"hello\",status=\"200\"} "));
	assert_non_null(strstr(r.body, "http_requests_total{route=\"none\",status=\"404\"} "));
	assert_non_null(strstr(r.body, "http_request_duration_seconds_bucket{route=\"hello\","
	                               "le=\"+Inf\"} "));
	assert_non_null(strstr(r.body, "db_connections 3\n"));
	free(r.body);

	/* hooks.after runs once for every request, also those hooks.before
	 * never saw (the 400s, 413s and the 501 above) */
	assert_true(atomic_load(&after_calls) > atomic_load(&before_calls));

	fflush(log_file);
	rewind(log_file);
	while (fgets(line, sizeof(line), log_file)) {
		char *f[9], *c = line;
		int nf = 0;

		lines++;
		assert_null(strstr(line, "secret")); /* query strings are not logged */
		line[strcspn(line, "\n")] = '\0';
		while (c && nf < 9) {
			f[nf++] = c;
			c = strchr(c, ' ');
			if (c)
				*c++ = '\0';
		}
		/* time client method path status bytes duration id */
		if (nf == 8 && strcmp(f[3], "/hello") == 0 && strcmp(f[4], "200") == 0) {
			assert_string_equal(f[1], "127.0.0.1");
			assert_string_equal(f[2], "GET");
			assert_string_equal(f[5], "5");
			assert_true(strstr(f[6], "us") != NULL);
			assert_int_equal(strlen(f[7]), 16);
			assert_int_equal(f[0][strlen(f[0]) - 1], 'Z');
			seen++;
		}
	}
	assert_true(lines > 10);
	/* one log line and one hooks.after per request (every reply has been
	 * read to its end, and the server finishes a request before closing) */
	assert_int_equal(atomic_load(&after_calls), lines);
	assert_true(seen >= 2);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* A second server, behind a "proxy": it starts and answers its first
 * request within 100 ms, and takes the client address, https and the
 * request id from the forwarded headers. */
static void starts_fast_and_trusts_a_proxy_when_told(void **state)
{
	struct http_server *s2;
	struct http_config cfg;
	struct co_err e;
	struct reply r;
	uint64_t t0, us;
	char v[64];

	memset(&cfg, 0, sizeof(cfg));
	cfg.routes = routes;
	cfg.nroutes = sizeof(routes) / sizeof(routes[0]);
	cfg.trust_proxy = 1;
	t0 = now_us();
	assert_int_equal(http_server_start(&cfg, &s2, &e), 0);
	get(http_server_port(s2), "GET", "/hello", NULL, &r);
	us = now_us() - t0;
	assert_int_equal(r.status, 200);
	free(r.body);
	if (us >= 100000)
		fail_msg("start to first answer took %llu us", (unsigned long long)us);

	get(http_server_port(s2), "GET", "/echo/1",
	    "X-Forwarded-For: 203.0.113.9, 192.0.2.7\r\nX-Forwarded-Proto: https\r\n"
	    "X-Request-Id: edge-42\r\n",
	    &r);
	assert_non_null(strstr(r.body, "client=192.0.2.7\nsecure=1\n"));
	assert_string_equal(hdr(&r, "X-Request-Id", v, sizeof(v)), "edge-42");
	free(r.body);
	http_server_free(s2);

	/* the first server does not trust the headers */
	get(port, "GET", "/echo/1",
	    "X-Forwarded-For: 192.0.2.7\r\nX-Forwarded-Proto: https\r\n"
	    "X-Request-Id: edge-42\r\n",
	    &r);
	assert_non_null(strstr(r.body, "client=127.0.0.1\nsecure=0\n"));
	assert_string_not_equal(hdr(&r, "X-Request-Id", v, sizeof(v)), "edge-42");
	free(r.body);
}

/* ---- graceful shutdown ---- */

static atomic_uint run_port;
static int run_rc = -100;

static void on_ready(void *ctx, const char *host, unsigned p)
{
	atomic_store(&run_port, p);
}

static void *run_thread(void *arg)
{
	struct http_config cfg;
	struct co_err e;

	memset(&cfg, 0, sizeof(cfg));
	cfg.routes = routes;
	cfg.nroutes = sizeof(routes) / sizeof(routes[0]);
	cfg.threads = 2;
	cfg.hooks.ready = on_ready;
	run_rc = http_server_run(&cfg, &e);
	return NULL;
}

static void sigterm_drains_requests_in_flight(void **state)
{
	pthread_t th;
	struct reply r;
	unsigned p;
	int fd, i;
	const char req[] = "GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	sigset_t mask, old;

	/* Only the thread in http_server_run may take the signal. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &mask, &old);
	atomic_store(&slow_started, 0);
	assert_int_equal(pthread_create(&th, NULL, run_thread, NULL), 0);
	for (i = 0; i < 500 && !atomic_load(&run_port); i++)
		poll(NULL, 0, 2);
	p = atomic_load(&run_port);
	assert_true(p > 0);
	fd = connect_to(p);
	assert_true(fd >= 0);
	send_all(fd, req, sizeof(req) - 1);
	for (i = 0; i < 500 && !atomic_load(&slow_started); i++)
		poll(NULL, 0, 2);
	assert_true(atomic_load(&slow_started));
	kill(getpid(), SIGTERM);
	read_reply(fd, &r);
	close(fd);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "finished");
	free(r.body);
	pthread_join(th, NULL);
	assert_int_equal(run_rc, 0);
	/* and nobody listens any more */
	fd = connect_to(p);
	assert_int_equal(fd, -1);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(security_headers_on_every_answer),
	        cmocka_unit_test(answers_200_404_405_and_error_pages),
	        cmocka_unit_test(request_parts_reach_the_handler),
	        cmocka_unit_test(oversized_bodies_get_413),
	        cmocka_unit_test(oversized_headers_and_urls_are_refused),
	        cmocka_unit_test(head_is_get_without_a_body),
	        cmocka_unit_test(gzip_when_accepted_and_worth_it),
	        cmocka_unit_test(static_assets_have_etags_and_long_caching),
	        cmocka_unit_test(metrics_and_access_log_count_requests),
	        cmocka_unit_test(starts_fast_and_trusts_a_proxy_when_told),
	};
	const struct CMUnitTest drain[] = {
	        cmocka_unit_test(sigterm_drains_requests_in_flight),
	};
	int failed;

	signal(SIGPIPE, SIG_IGN);
	failed = cmocka_run_group_tests_name("http_server", tests, setup, teardown);
	failed += cmocka_run_group_tests_name("http_server_drain", drain, NULL, NULL);
	return failed;
}
