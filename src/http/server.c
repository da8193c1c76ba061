/*
 * server.c - the libmicrohttpd glue: one struct conn per request, from the
 * first call of the access handler to the "request completed" notice.
 *
 * libmicrohttpd calls access_handler several times per request: once when
 * the headers are in (upload_data_size 0), once per chunk of body, and once
 * more with upload_data_size 0 when the body is complete. We answer 413 as
 * early as possible (Content-Length on the first call, or the running total
 * while streaming), otherwise collect the body and do all the work on the
 * last call: parse, route, hooks, handler, response. request_completed then
 * writes the access log line, counts the metrics, calls hooks.after and
 * frees the request's arena.
 *
 * The URL is given to us raw (an identity unescape callback), so that path
 * decoding and query parsing are ours (parse.c) and fuzzed.
 *
 * Shutdown: quiesce (close the listening socket), answer what is in flight
 * with "Connection: close", wait for the in-flight count to reach zero (at
 * most drain_s), then stop the daemon.
 */
#define _GNU_SOURCE /* pipe2 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "base/limits.h"
#include "http/http.h"
#include "http/http_int.h"

/* Sent on every response. The policy allows no inline script or style. */
static const char csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; "
                          "base-uri 'none'";

struct http_server {
	struct MHD_Daemon *d;
	struct http_config cfg;
	char host[64];
	unsigned port;
	int listen_fd;
	struct http_router *router;
	struct http__metrics *metrics;
	atomic_int inflight;
	atomic_int stopping;
	int stopped;
	pthread_mutex_t stop_lock;
};

struct conn {
	struct http_server *s;
	struct co_arena arena;
	struct http_request req;
	struct http_response res;
	struct co_buf body;
	const char *method_text;
	const char *raw_url;
	int too_large;
	size_t discarded; /* body bytes dropped after too_large */
	int queued;
	int status;
	size_t bytes;
	long route_index;
};

static atomic_uint request_counter;
static uint32_t request_prefix;
static pthread_once_t prefix_once = PTHREAD_ONCE_INIT;

static void prefix_init(void)
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (uint32_t)getpid() ^ (uint32_t)time(NULL);
	request_prefix = r;
}

uint64_t http__now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct http__metrics *http__server_metrics(const struct http_server *s)
{
	return s ? s->metrics : NULL;
}

void http__server_gauges(const struct http_server *s, struct co_buf *out)
{
	if (s && s->cfg.hooks.metrics)
		s->cfg.hooks.metrics(s->cfg.hooks.ctx, out);
}

unsigned http_server_port(const struct http_server *s)
{
	return s->port;
}

/* Keeps the Set-Cookie headers (a session refreshed by hooks.before must
 * survive an error page), drops everything else. */
static void res_reset_keep_cookies(struct http_response *res)
{
	struct http_res_header *h = res->headers, *keep = NULL, **tail = &keep;

	http__res_clear(res);
	for (; h; h = h->next)
		if (strcasecmp(h->name, "Set-Cookie") == 0) {
			*tail = h;
			tail = &h->next;
		}
	*tail = NULL;
	res->headers = keep;
}

void http__render_error(struct http_request *req, struct http_response *res, int status,
                        const char *detail)
{
	const struct http_server *s = req->server;

	res_reset_keep_cookies(res);
	res->status = status;
	if (s && s->cfg.hooks.error)
		s->cfg.hooks.error(s->cfg.hooks.ctx, req, res, status, detail);
	res->status = status;
	if (res->body.len == 0 && !res->static_data) {
		co_buf_reset(&res->body);
		co_buf_printf(&res->body, "%d %s\n", status, http_status_text(status));
		res->content_type = "text/plain; charset=utf-8";
	}
}

/* Accept-Encoding allows gzip (RFC 9110 12.5.3): "gzip" or "*" with q > 0. */
static int accepts_gzip(const struct http_request *req)
{
	const char *h = http_header(req, "Accept-Encoding");

	while (h && *h) {
		const char *ts, *te, *end;
		int ok = 1;

		while (*h == ' ' || *h == '\t' || *h == ',')
			h++;
		ts = h;
		while (*h && *h != ',' && *h != ';' && *h != ' ' && *h != '\t')
			h++;
		te = h;
		end = h;
		while (*end && *end != ',')
			end++;
		for (const char *q = te; q < end; q++)
			if ((*q == 'q' || *q == 'Q') && q[1] == '=') {
				char *e;
				double v = strtod(q + 2, &e);

				if (e != q + 2 && v <= 0.0)
					ok = 0;
				break;
			}
		if (ok && (http__ieq(ts, (size_t)(te - ts), "gzip") ||
		           http__ieq(ts, (size_t)(te - ts), "*")))
			return 1;
		h = end;
	}
	return 0;
}

int http__accepts_gzip(const struct http_request *req)
{
	return accepts_gzip(req);
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
	struct conn *c = cls;
	struct http_params *h = &c->req.headers;

	h->items[h->n].name = key;
	h->items[h->n].value = value ? value : "";
	h->items[h->n].len = value ? strlen(value) : 0;
	h->n++;
	return MHD_YES;
}

struct query_build {
	struct co_buf *b;
	int failed;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
	struct query_build *q = cls;

	if ((!key || !*key) && !value)
		return MHD_YES;
	if (q->b->len && co_buf_addc(q->b, '&'))
		q->failed = 1;
	if (co_buf_adds(q->b, key ? key : ""))
		q->failed = 1;
	if (value && (co_buf_addc(q->b, '=') || co_buf_adds(q->b, value)))
		q->failed = 1;
	return MHD_YES;
}

/* The client's address, or with trust_proxy the last X-Forwarded-For. */
static const char *client_address(struct conn *c, struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo *ci;
	char buf[INET6_ADDRSTRLEN] = "";

	if (c->s->cfg.trust_proxy) {
		const char *xff = http_header(&c->req, "X-Forwarded-For");

		if (xff && *xff) {
			const char *last = strrchr(xff, ',');
			const char *s = last ? last + 1 : xff;
			size_t n;

			while (*s == ' ' || *s == '\t')
				s++;
			n = strcspn(s, " \t");
			if (n > 0 && n < INET6_ADDRSTRLEN)
				return co_arena_strndup(&c->arena, s, n);
		}
	}
	ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;

		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET,
			          &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
			          sizeof(buf));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6,
			          &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf,
			          sizeof(buf));
	}
	return co_arena_strdup(&c->arena, buf[0] ? buf : "-");
}

static int sane_request_id(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'z') ||
		      (s[n] >= 'A' && s[n] <= 'Z') || s[n] == '-' || s[n] == '_' || s[n] == '.'))
			return 0;
	return n > 0 && n <= 64;
}

/* Queues res on the connection: security headers, gzip, HEAD. */
static enum MHD_Result send_response(struct conn *c, struct MHD_Connection *mc)
{
	struct http_request *req = &c->req;
	struct http_response *res = &c->res;
	struct MHD_Response *r;
	struct http_res_header *h;
	const char *data;
	size_t len;
	char *owned = NULL;
	int gz = 0, compressible;
	enum MHD_Result ok;

	if (res->static_data) {
		data = res->static_data;
		len = res->static_len;
	} else {
		data = res->body.data ? res->body.data : "";
		len = res->body.len;
	}
	if (res->status == 304 || res->status == 204 || (res->status >= 100 && res->status < 200))
		len = 0;
	compressible = http__compressible(res->content_type) && !res->no_compress &&
	               !http__res_get(res, "Content-Encoding");
	if (compressible && len >= HTTP__GZIP_MIN && accepts_gzip(req)) {
		size_t zlen;

		/* Level 1 for pages made per request (as nginx's default): on
		 * HTML and JSON it gets most of level 6's saving at a third of
		 * the time. */
		if (http__gzip(data, len, 1, &owned, &zlen) == 0) {
			data = owned;
			len = zlen;
			gz = 1;
		}
	}
	if (owned) {
		r = MHD_create_response_from_buffer(len, owned, MHD_RESPMEM_MUST_FREE);
	} else if (res->static_data || len == 0) {
		r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)data,
		                                    MHD_RESPMEM_PERSISTENT);
	} else {
		size_t blen;
		char *b = co_buf_take(&res->body, &blen);

		r = b ? MHD_create_response_from_buffer(blen, b, MHD_RESPMEM_MUST_FREE) : NULL;
		if (!r)
			free(b);
	}
	if (!r)
		return MHD_NO;
	if (res->content_type && len + (size_t)(res->status != 304) > 0)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, res->content_type);
	for (h = res->headers; h; h = h->next)
		MHD_add_response_header(r, h->name, h->value);
	if (gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	if ((compressible || gz) && !http__res_get(res, "Vary"))
		MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	if (!http__res_get(res, "Cache-Control"))
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "same-origin");
	MHD_add_response_header(r, "X-Request-Id", req->id);
	if (atomic_load(&c->s->stopping))
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ok = MHD_queue_response(mc, (unsigned)res->status, r);
	MHD_destroy_response(r);
	c->queued = 1;
	c->status = res->status;
	c->bytes = req->method == HTTP_HEAD ? 0 : len;
	return ok;
}

/* An error page outside any handler. */
static enum MHD_Result send_error(struct conn *c, struct MHD_Connection *mc, int status,
                                  const char *detail)
{
	http__render_error(&c->req, &c->res, status, detail);
	return send_response(c, mc);
}

static void error_for_code(struct conn *c, int code)
{
	http__render_error(&c->req, &c->res, http_status_for_code(code), NULL);
}

/* The request is complete: parse, route, hooks, handler. */
static enum MHD_Result process(struct conn *c, struct MHD_Connection *mc)
{
	struct http_server *s = c->s;
	struct http_request *req = &c->req;
	struct http_response *res = &c->res;
	struct co_err err;
	const char *q, *ct, *cookie;
	size_t plen;
	int rc, parse_status = 0;
	const char *parse_detail = NULL;
	char *detail_buf;
	unsigned allowed = 0;

	co_err_clear(&err);
	req->body = c->body.data ? c->body.data : "";
	req->body_len = c->body.len;
	if (!req->method)
		return send_error(c, mc, 501, "unknown method");
	if (strlen(c->raw_url) > CO_MAX_URL)
		return send_error(c, mc, 414, "the URL is too long");
	q = strchr(c->raw_url, '?');
	plen = q ? (size_t)(q - c->raw_url) : strlen(c->raw_url);
	rc = http_path_normalise(&c->arena, c->raw_url, plen, &req->path, &err);
	if (rc) {
		req->path = "";
		return send_error(c, mc, http_status_for_code(rc), err.msg);
	}

	/* Query: rebuilt raw from libmicrohttpd's split (identity unescape),
	 * then parsed by our parser. */
	{
		struct co_buf qb;
		struct query_build qbd = {&qb, 0};

		co_buf_init(&qb, CO_MAX_URL);
		MHD_get_connection_values(mc, MHD_GET_ARGUMENT_KIND, collect_arg, &qbd);
		req->query_string = co_arena_strdup(&c->arena, qb.data ? qb.data : "");
		co_buf_free(&qb);
		if (!req->query_string)
			return MHD_NO;
		if (qbd.failed) {
			parse_status = 414;
			parse_detail = "the query string is too long";
		}
	}
	if (!parse_status) {
		rc = http_parse_urlencoded(&c->arena, req->query_string, strlen(req->query_string),
		                           &req->query, &err);
		if (rc) {
			parse_status = http_status_for_code(rc);
			detail_buf = co_arena_printf(&c->arena, "query %s%s%s", err.field,
			                             err.field[0] ? ": " : "", err.msg);
			parse_detail = detail_buf ? detail_buf : err.msg;
		}
	}
	cookie = http_header(req, "Cookie");
	if (cookie)
		http_parse_cookies(&c->arena, cookie, &req->cookies, &err);

	ct = http_header(req, "Content-Type");
	if (ct) {
		size_t n = strcspn(ct, ";");
		char *lc = co_arena_strndup(&c->arena, ct, n);

		if (!lc)
			return MHD_NO;
		while (n > 0 && (lc[n - 1] == ' ' || lc[n - 1] == '\t'))
			lc[--n] = '\0';
		for (char *p = lc; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
		req->content_type = lc;
	}
	if (!parse_status && req->body_len > 0) {
		rc = 0;
		if (strcmp(req->content_type, "application/x-www-form-urlencoded") == 0)
			rc = http_parse_urlencoded(&c->arena, req->body, req->body_len, &req->form,
			                           &err);
		else if (strcmp(req->content_type, "multipart/form-data") == 0)
			rc = http_parse_multipart(&c->arena, ct, req->body, req->body_len,
			                          &req->form, &req->files, &err);
		if (rc) {
			parse_status = http_status_for_code(rc);
			detail_buf = co_arena_printf(&c->arena, "%s%s%s", err.field,
			                             err.field[0] ? ": " : "", err.msg);
			parse_detail = detail_buf ? detail_buf : err.msg;
		}
	}
	if (parse_status)
		return send_error(c, mc, parse_status, parse_detail);

	rc = s->router ? http_router_match(s->router, req->method, req->path, &c->arena,
	                                   &req->route, &req->path_params, &allowed)
	               : HTTP_MATCH_NO_PATH;
	if (rc < 0)
		return MHD_NO;
	if (rc == HTTP_MATCH_OK)
		c->route_index = (long)(req->route - s->cfg.routes);

	if (s->cfg.hooks.before) {
		int brc;

		brc = s->cfg.hooks.before(s->cfg.hooks.ctx, req, res);
		if (brc > 0)
			return send_response(c, mc);
		if (brc < 0) {
			error_for_code(c, brc);
			return send_response(c, mc);
		}
	}
	if (rc == HTTP_MATCH_NO_PATH)
		return send_error(c, mc, 404, "no such page");
	if (rc == HTTP_MATCH_NO_METHOD) {
		char allow[128];

		http_allow_string(allowed, allow, sizeof(allow));
		http__render_error(req, res, 405, "method not allowed");
		http_res_header(res, "Allow", allow);
		return send_response(c, mc);
	}
	rc = req->route->handler(req, res);
	if (rc < 0)
		error_for_code(c, rc);
	return send_response(c, mc);
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *mc, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **con_cls)
{
	struct http_server *s = cls;
	struct conn *c = *con_cls;

	if (!c) {
		const char *cl, *rid;
		int nh;

		c = calloc(1, sizeof(*c));
		if (!c)
			return MHD_NO;
		*con_cls = c;
		c->s = s;
		c->route_index = -1;
		atomic_fetch_add(&s->inflight, 1);
		http__metrics_inflight(s->metrics, 1);
		co_arena_init(&c->arena, 0);
		co_buf_init(&c->body, CO_MAX_BODY);
		http__res_init(&c->res, &c->arena);
		c->req.arena = &c->arena;
		c->req.server = s;
		c->req.start_us = http__now_us();
		c->req.query_string = "";
		c->req.content_type = "";
		c->req.body = "";
		c->req.path = "";
		c->req.method = http_method_parse(method);
		c->method_text = co_arena_strdup(&c->arena, method);
		c->raw_url = co_arena_strdup(&c->arena, url);
		nh = MHD_get_connection_values(mc, MHD_HEADER_KIND, NULL, NULL);
		if (!c->method_text || !c->raw_url)
			return MHD_NO;
		if (nh > 0) {
			c->req.headers.items =
			        co_arena_calloc(&c->arena, (size_t)nh, sizeof(struct http_param));
			if (!c->req.headers.items)
				return MHD_NO;
			MHD_get_connection_values(mc, MHD_HEADER_KIND, collect_header, c);
		}
		c->req.client = client_address(c, mc);
		if (!c->req.client)
			return MHD_NO;
		{
			size_t total = 0, i;

			/* libmicrohttpd's own bound is its connection memory, a
			 * little larger: hold headers to exactly our limit. */
			for (i = 0; i < c->req.headers.n; i++)
				total += strlen(c->req.headers.items[i].name) + 4 +
				         c->req.headers.items[i].len;
			if (total > CO_MAX_HEADER_BYTES) {
				c->too_large = 1;
				return send_error(c, mc, 431, "the request headers are too large");
			}
		}
		rid = s->cfg.trust_proxy ? http_header(&c->req, "X-Request-Id") : NULL;
		if (rid && sane_request_id(rid))
			c->req.id = rid;
		else
			c->req.id = co_arena_printf(&c->arena, "%08x%08x", request_prefix,
			                            atomic_fetch_add(&request_counter, 1u));
		if (!c->req.id)
			return MHD_NO;
		if (s->cfg.trust_proxy) {
			const char *proto = http_header(&c->req, "X-Forwarded-Proto");

			c->req.secure = proto && strcasecmp(proto, "https") == 0;
		}
		cl = http_header(&c->req, "Content-Length");
		if (cl) {
			char *end;
			unsigned long long n;

			errno = 0;
			n = strtoull(cl, &end, 10);
			if (errno || end == cl || *end || n > CO_MAX_BODY) {
				c->too_large = 1;
				return send_error(c, mc, 413, "the request body is too large");
			}
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		/* libmicrohttpd lets nothing be queued while the body is still
		 * coming, so a chunked body that grows too big is read and
		 * dropped to its end, then answered 413; one that goes on past
		 * twice the limit is cut off. */
		if (!c->too_large && co_buf_add(&c->body, upload_data, *upload_data_size)) {
			c->too_large = 1;
			c->discarded = c->body.len;
			co_buf_free(&c->body);
			co_buf_init(&c->body, 0);
		}
		if (c->too_large) {
			c->discarded += *upload_data_size;
			if (c->discarded > 2 * (size_t)CO_MAX_BODY)
				return MHD_NO;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (c->queued)
		return MHD_YES;
	if (c->too_large)
		return send_error(c, mc, 413, "the request body is too large");
	return process(c, mc);
}

static void escape_for_log(char *out, size_t size, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s && n + 4 < size; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '\\') {
			out[n++] = '%';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		} else {
			out[n++] = (char)ch;
		}
	}
	out[n] = '\0';
}

static void access_log(struct conn *c, uint64_t us)
{
	FILE *f = c->s->cfg.access_log;
	char when[32], path[512];
	struct timespec ts;
	struct tm tm;
	const char *p;

	if (!f)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	/* The path only: query strings can carry tokens. */
	p = c->req.path && c->req.path[0] ? c->req.path : c->raw_url ? c->raw_url : "-";
	if (p == c->raw_url) {
		char *cut = co_arena_strndup(&c->arena, p, strcspn(p, "?"));

		p = cut ? cut : "-";
	}
	escape_for_log(path, sizeof(path), p);
	fprintf(f, "%s.%03ldZ %s %s %s %d %zu %lluus %s\n", when, ts.tv_nsec / 1000000,
	        c->req.client ? c->req.client : "-", c->method_text ? c->method_text : "-", path,
	        c->status, c->bytes, (unsigned long long)us, c->req.id ? c->req.id : "-");
	fflush(f);
}

static void request_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	struct conn *c = *con_cls;
	uint64_t us;

	if (!c)
		return;
	us = http__now_us() - c->req.start_us;
	if (!c->queued)
		c->status = 499; /* the client went away before an answer */
	access_log(c, us);
	http__metrics_count(s->metrics, c->route_index, c->status, us);
	if (s->cfg.hooks.after)
		s->cfg.hooks.after(s->cfg.hooks.ctx, &c->req, &c->res);
	co_buf_free(&c->res.body);
	co_buf_free(&c->body);
	co_arena_free(&c->arena);
	free(c);
	*con_cls = NULL;
	http__metrics_inflight(s->metrics, -1);
	atomic_fetch_sub(&s->inflight, 1);
}

static size_t unescape_identity(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

static int open_listener(struct http_server *s, struct co_err *err)
{
	struct addrinfo hints, *ai = NULL, *p;
	char port[16];
	int fd = -1, rc, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", s->cfg.port);
	rc = getaddrinfo(s->host, port, &hints, &ai);
	if (rc)
		return co_errf(err, CO_EIO, "cannot resolve %s: %s", s->host, gai_strerror(rc));
	for (p = ai; p; p = p->ai_next) {
		fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, p->ai_addr, p->ai_addrlen) == 0 && listen(fd, 1024) == 0)
			break;
		rc = errno;
		close(fd);
		fd = -1;
		errno = rc;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return co_errf(err, CO_EIO, "cannot listen on %s:%u: %s", s->host, s->cfg.port,
		               strerror(errno));
	{
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		memset(&ss, 0, sizeof(ss));
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
			if (ss.ss_family == AF_INET)
				s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
			else if (ss.ss_family == AF_INET6)
				s->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		}
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	s->listen_fd = fd;
	return 0;
}

int http_server_start(const struct http_config *cfg, struct http_server **out, struct co_err *err)
{
	struct http_server *s;
	unsigned threads;
	int rc;

	pthread_once(&prefix_once, prefix_init);
	s = calloc(1, sizeof(*s));
	if (!s)
		return co_errf(err, CO_ENOMEM, "out of memory");
	s->cfg = *cfg;
	s->listen_fd = -1;
	pthread_mutex_init(&s->stop_lock, NULL);
	snprintf(s->host, sizeof(s->host), "%s", cfg->host ? cfg->host : "127.0.0.1");
	threads = cfg->threads;
	if (!threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		threads = n > 0 ? (unsigned)n : 2;
	}
	if (cfg->nroutes) {
		rc = http_router_new(cfg->routes, cfg->nroutes, &s->router, err);
		if (rc)
			goto fail;
	}
	rc = http__metrics_new(cfg->routes, cfg->nroutes, &s->metrics);
	if (rc) {
		co_errf(err, rc, "out of memory");
		goto fail;
	}
	rc = open_listener(s, err);
	if (rc)
		goto fail;
	s->d = MHD_start_daemon(
	        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_TURBO,
	        (uint16_t)s->port, NULL, NULL, access_handler, s, MHD_OPTION_LISTEN_SOCKET,
	        s->listen_fd, MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT,
	        cfg->max_connections ? cfg->max_connections : 1024u,
	        MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->per_ip_connections,
	        MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s ? cfg->timeout_s : 30u,
	        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CO_MAX_HEADER_BYTES + (size_t)16 * 1024,
	        MHD_OPTION_NOTIFY_COMPLETED, request_completed, s, MHD_OPTION_UNESCAPE_CALLBACK,
	        unescape_identity, NULL, MHD_OPTION_END);
	if (!s->d) {
		rc = co_errf(err, CO_EIO, "cannot start the HTTP server on %s:%u", s->host,
		             s->port);
		goto fail;
	}
	if (cfg->hooks.ready)
		cfg->hooks.ready(cfg->hooks.ctx, s->host, s->port);
	*out = s;
	return 0;
fail:
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	http_router_free(s->router);
	http__metrics_free(s->metrics);
	pthread_mutex_destroy(&s->stop_lock);
	free(s);
	return rc;
}

void http_server_stop(struct http_server *s)
{
	uint64_t deadline;
	int fd;

	pthread_mutex_lock(&s->stop_lock);
	if (s->stopped) {
		pthread_mutex_unlock(&s->stop_lock);
		return;
	}
	atomic_store(&s->stopping, 1);
	fd = MHD_quiesce_daemon(s->d);
	if (fd >= 0)
		close(fd);
	s->listen_fd = -1;
	deadline = http__now_us() + (uint64_t)(s->cfg.drain_s ? s->cfg.drain_s : 30u) * 1000000u;
	while (atomic_load(&s->inflight) > 0 && http__now_us() < deadline)
		poll(NULL, 0, 5);
	MHD_stop_daemon(s->d);
	s->d = NULL;
	s->stopped = 1;
	if (s->cfg.access_log)
		fflush(s->cfg.access_log);
	pthread_mutex_unlock(&s->stop_lock);
}

void http_server_free(struct http_server *s)
{
	if (!s)
		return;
	http_server_stop(s);
	http_router_free(s->router);
	http__metrics_free(s->metrics);
	pthread_mutex_destroy(&s->stop_lock);
	free(s);
}

/* The self-pipe that SIGTERM, SIGINT and http_server_shutdown write to. */
static int wake_pipe[2] = {-1, -1};
static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_signal(int sig)
{
	int saved = errno;
	char b = (char)sig;

	if (wake_pipe[1] >= 0 && write(wake_pipe[1], &b, 1) < 0) {
		/* full pipe: a wake-up is pending anyway */
	}
	errno = saved;
}

void http_server_shutdown(void)
{
	on_signal(SIGTERM);
}

int http_server_run(const struct http_config *cfg, struct co_err *err)
{
	struct sigaction sa, old_term, old_int, old_pipe;
	sigset_t block, old_mask;
	struct http_server *s = NULL;
	struct pollfd pfd;
	int rc;

	pthread_mutex_lock(&run_lock);
	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		pthread_mutex_unlock(&run_lock);
		return co_errf(err, CO_EIO, "cannot create a pipe: %s", strerror(errno));
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGINT, &sa, &old_int);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old_pipe);

	/* The pool threads inherit a mask without SIGTERM/SIGINT, so that the
	 * signal lands on this thread, which is waiting for it. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old_mask);
	rc = http_server_start(cfg, &s, err);
	/* ... and this thread takes them, whatever mask it came with. */
	pthread_sigmask(SIG_UNBLOCK, &block, NULL);
	if (rc == 0) {
		pfd.fd = wake_pipe[0];
		pfd.events = POLLIN;
		while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
			;
		http_server_free(s);
	}
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	close(wake_pipe[0]);
	close(wake_pipe[1]);
	wake_pipe[0] = wake_pipe[1] = -1;
	pthread_mutex_unlock(&run_lock);
	return rc;
}
