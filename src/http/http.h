/*
 * http.h - the generic HTTP layer of Collective, on libmicrohttpd.
 *
 * It knows nothing of users, sessions or the database. The web framework
 * (src/web) gives it a route table and hooks; it gives the web framework a
 * parsed request and a response to fill, and takes care of everything that
 * is the same for every request: limits (src/base/limits.h), the body (413
 * when too big), query, cookies and form parsing, routing (404, 405 with
 * Allow, HEAD as GET without a body), security headers on every response,
 * gzip, static assets with ETags, an access log, Prometheus metrics and a
 * graceful shutdown on SIGTERM/SIGINT.
 *
 * A request's life:
 *
 *   1. headers arrive; Content-Length over CO_MAX_BODY -> 413 at once;
 *   2. the body is read (413 as soon as it passes CO_MAX_BODY);
 *   3. the path is decoded and normalised (400 on `..`, NUL or %2F), the
 *      query string, cookies and, for urlencoded or multipart bodies, the
 *      form are parsed into the request's arena (400 or 413 when malformed
 *      or over a limit);
 *   4. the route is matched; hooks.before runs (always, even when no route
 *      matched: req->route is then NULL), e.g. to look up the session;
 *   5. no route: 404, or 405 with Allow; else the route's handler runs;
 *   6. a handler or hook that returns a negative enum co_code gets an error
 *      page from hooks.error with http_status_for_code(code);
 *   7. the response goes out with security headers, gzip when worth it;
 *   8. the access log line is written, the metrics counted, hooks.after runs
 *      (for every request), and the request's arena is freed.
 *
 * Every error page (400, 403, 404, 405, 413, 500, ...) produced here or by
 * http_error() is rendered by hooks.error when it is set, so that the web
 * layer can answer in the user's language, in HTML or as RFC 9457 problem
 * JSON; without the hook a short plain-text body is sent.
 *
 * Ownership: the server owns each struct http_request and struct
 * http_response; handlers and hooks borrow them for the call. Everything a
 * request points to lives in req->arena and dies when the request ends.
 * Allocate per-request memory from req->arena. A struct http_router is owned
 * by its creator (http_router_free). struct http_server is owned by the
 * caller of http_server_start (http_server_free); http_server_run owns its
 * own.
 *
 * Thread-safety: handlers and hooks run on the server's pool threads, many
 * at once, so they must be thread-safe; one request is handled by one thread
 * at a time. The router, once built, is immutable and thread-safe. The
 * parsers are pure functions of their input and an arena.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"

struct http_server;
struct http_router;

/* Methods, as bits so that a set of them (the Allow header) is a mask. */
enum http_method {
	HTTP_GET = 1 << 0,
	HTTP_HEAD = 1 << 1, /* never in a route: HEAD is served by the GET route */
	HTTP_POST = 1 << 2,
	HTTP_PUT = 1 << 3,
	HTTP_PATCH = 1 << 4,
	HTTP_DELETE = 1 << 5,
	HTTP_OPTIONS = 1 << 6,
};

/* The method for a name ("GET"), or 0 when unknown (answered with 501). */
enum http_method http_method_parse(const char *name);
/* "GET" for HTTP_GET; "" for anything that is not exactly one method. */
const char *http_method_name(enum http_method m);

/* One name/value pair: query or form field, header, cookie, path parameter.
 * value is NUL-terminated; len is its length (query and form values never
 * hold a NUL byte: %00 is rejected). */
struct http_param {
	const char *name;
	const char *value;
	size_t len;
};

/* An ordered list of pairs, in the order they came. Lookups return the
 * first pair with the name. */
struct http_params {
	struct http_param *items;
	size_t n;
};

/* One file part of a multipart/form-data body (a CSV upload). */
struct http_file {
	const char *field;        /* the form field's name */
	const char *filename;     /* as the browser sent it, "" when empty */
	const char *content_type; /* "application/octet-stream" when absent */
	const char *data;         /* the bytes, NUL-terminated for convenience */
	size_t len;
};

struct http_files {
	struct http_file *items;
	size_t n;
};

struct http_route;

/*
 * The request, filled by the server before hooks and handlers see it. All
 * pointers live in arena. Treat every field as read-only except `app`.
 */
struct http_request {
	struct co_arena *arena;         /* per-request memory, freed at the end */
	struct http_server *server;     /* the server answering (for metrics) */
	enum http_method method;        /* HTTP_HEAD stays HTTP_HEAD here */
	const char *path;               /* decoded, normalised: "/orgs/abc" */
	const char *query_string;       /* raw, after '?'; "" when none */
	struct http_params query;       /* decoded query parameters */
	struct http_params headers;     /* as sent; look up with http_header() */
	struct http_params cookies;     /* from the Cookie header (RFC 6265) */
	struct http_params path_params; /* {name} parts of the matched pattern */
	struct http_params form;        /* urlencoded or multipart fields */
	struct http_files files;        /* multipart file parts */
	const char *content_type;       /* media type, lower case, no params; "" */
	const char *body;               /* raw body, NUL-terminated; "" if none */
	size_t body_len;                /* JSON bodies are left here as bytes */
	const char *client;             /* client address ("127.0.0.1", "::1") */
	const char *id;                 /* request id, also sent as X-Request-Id */
	int secure;                     /* 1 when the client used TLS (see
	                                   http_config.trust_proxy) */
	const struct http_route *route; /* the matched route, NULL when none */
	uint64_t start_us;              /* monotonic start time, microseconds */
	void *app;                      /* free for the web layer's per-request
	                                   state (the session); set it in
	                                   hooks.before, clean it in hooks.after */
};

/* Lookups: the first value with the name, or NULL. Header names are
 * compared without regard to case, everything else exactly. */
const char *http_header(const struct http_request *req, const char *name);
const char *http_query(const struct http_request *req, const char *name);
const char *http_cookie(const struct http_request *req, const char *name);
const char *http_param(const struct http_request *req, const char *name);
const char *http_form(const struct http_request *req, const char *name);
const struct http_file *http_file(const struct http_request *req, const char *field);
const char *http_params_get(const struct http_params *p, const char *name);

/* 1 when the Accept header admits type ("application/json") with q > 0,
 * by exact type or by "type/" + "*" wildcard; 0 otherwise and when there is
 * no Accept header. "*" + "/" + "*" alone does not count, so that a browser's
 * default Accept does not look like a request for JSON. */
int http_accepts(const struct http_request *req, const char *type);

/* The response a handler fills. The server starts it as 200, no body, no
 * content type. A body is either built in `body` (bounded by CO_MAX_PAGE)
 * or points at constant data (http_res_static). */
struct http_res_header {
	struct http_res_header *next;
	const char *name;
	const char *value;
};

struct http_response {
	int status;
	const char *content_type; /* e.g. "text/html; charset=utf-8" */
	struct co_buf body;       /* owned by the server */
	const char *static_data;  /* when set, sent instead of body */
	size_t static_len;
	struct http_res_header *headers; /* extra headers, in arena */
	int no_compress;                 /* 1: never gzip this one */
	struct co_arena *arena;          /* the request's arena */
};

/* Adds a header (both strings are copied into the arena). Set-Cookie may be
 * added several times; other names should be added once. The server adds
 * Content-Type, Content-Length, the security headers and, unless the
 * handler set Cache-Control, "Cache-Control: no-store". 0, CO_ENOMEM, or
 * CO_EINPUT when the name or value has a CR, LF or NUL. */
int http_res_header(struct http_response *res, const char *name, const char *value);

/* Appends to the body (CO_ELIMIT past CO_MAX_PAGE). */
int http_res_write(struct http_response *res, const void *data, size_t len);
int http_res_printf(struct http_response *res, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Sends len bytes of data that outlive the request (an embedded asset). */
void http_res_static(struct http_response *res, const void *data, size_t len);

/* Status, content type and body in one call. Return 0 or CO_ENOMEM/ELIMIT. */
int http_res_html(struct http_response *res, int status, const char *html, size_t len);
int http_res_json(struct http_response *res, int status, const char *json, size_t len);
int http_res_text(struct http_response *res, int status, const char *text, size_t len);

/* A redirect to location (a path such as "/orgs" or an absolute URL): 303
 * See Other after a POST, 302 or 301 otherwise. Empty body. */
int http_res_redirect(struct http_response *res, int status, const char *location);

/* A download: the bytes are copied into the body; download_name (may be
 * NULL for inline) becomes Content-Disposition: attachment; filename="...".
 * Non-ASCII names get a filename*= UTF-8 form as well (RFC 6266). */
int http_res_file(struct http_response *res, const char *content_type, const void *data, size_t len,
                  const char *download_name);

/* Set-Cookie. Always Path=/ (unless path is given); flags below. max_age <
 * 0 means a session cookie; 0 deletes the cookie. The value must be a
 * cookie-octet string (RFC 6265 4.1.1): CO_EINPUT otherwise. */
enum http_cookie_flag {
	HTTP_COOKIE_HTTPONLY = 1 << 0,
	HTTP_COOKIE_SECURE = 1 << 1,
	HTTP_COOKIE_SAMESITE_LAX = 1 << 2,
	HTTP_COOKIE_SAMESITE_STRICT = 1 << 3,
};
int http_res_cookie(struct http_response *res, const char *name, const char *value, long max_age,
                    const char *path, unsigned flags);

/* Renders an error page through hooks.error (or plain text without it) and
 * returns 0, so that a handler can `return http_error(req, res, 403, NULL);`.
 * detail is a short English explanation for logs and problem JSON; may be
 * NULL. */
int http_error(struct http_request *req, struct http_response *res, int status, const char *detail);

/* The HTTP status for an enum co_code: EINPUT 400, EPERM 403, ENOTFOUND 404,
 * ECONFLICT 409, ELIMIT 413, anything else 500. */
int http_status_for_code(int code);
/* "Not Found" for 404; "" for a status it does not know. */
const char *http_status_text(int status);

/*
 * Routing.
 *
 * A handler returns 0 when res is ready to send, or a negative enum co_code
 * (then an error page with http_status_for_code() is sent instead of res).
 */
typedef int http_handler_fn(struct http_request *req, struct http_response *res);

/* One route. pattern is an absolute path whose segments are literals,
 * "{name}" (one segment, any text but "/") or, as the last segment only,
 * "{name...}" (the rest of the path, at least one segment, "/" included).
 * Literal segments win over {name}, which wins over {name...}; the router
 * backtracks when a literal branch fails further down. */
struct http_route {
	enum http_method method; /* exactly one; GET routes also answer HEAD */
	const char *pattern;     /* "/orgs/{code}/members" */
	http_handler_fn *handler;
	const void *data; /* opaque, for the web layer (access rule) */
	const char *name; /* for metrics and logs: "org_members" */
};

/* Builds a router (a segment trie) from n routes. The routes array and its
 * strings are borrowed and must outlive the router (a static table).
 * CO_EINPUT with the pattern named when a pattern is malformed or the same
 * method and pattern shape appear twice. */
int http_router_new(const struct http_route *routes, size_t n, struct http_router **out,
                    struct co_err *err);
void http_router_free(struct http_router *r);

enum http_match {
	HTTP_MATCH_OK = 0,        /* *route and *params are set */
	HTTP_MATCH_NO_PATH = 1,   /* 404 */
	HTTP_MATCH_NO_METHOD = 2, /* 405; *allowed holds the methods */
};

/* Matches a normalised path. HEAD matches GET routes. Path parameters are
 * allocated in a. Returns an enum http_match, or CO_ENOMEM. *allowed (the
 * mask of methods the path has, GET implying HEAD) is set in every case. */
int http_router_match(const struct http_router *r, enum http_method method, const char *path,
                      struct co_arena *a, const struct http_route **route,
                      struct http_params *params, unsigned *allowed);

/* Writes "GET, HEAD, POST" for a method mask into out (NUL-terminated). */
void http_allow_string(unsigned mask, char *out, size_t size);

/*
 * Parsers, callable without a server (the fuzz targets use them). Each
 * allocates its results in a and fails with CO_EINPUT (malformed; err names
 * the field when it can) or CO_ELIMIT (over a limit in base/limits.h).
 */

/* Decodes and normalises a request target's path (without the query):
 * percent-decoding per segment, "//" and "." collapsed, a trailing "/"
 * dropped (but "/" stays "/"). Rejects ".." segments, %00, an encoded "/"
 * (%2F) and anything that does not start with "/". */
int http_path_normalise(struct co_arena *a, const char *raw, size_t len, const char **out,
                        struct co_err *err);

/* application/x-www-form-urlencoded (and query strings): '&'-separated
 * name=value pairs, '+' as space, %XX escapes (a bad escape or %00 is
 * CO_EINPUT). Empty pairs are skipped; a name without '=' has value "".
 * At most CO_MAX_FORM_FIELDS pairs, each value at most CO_MAX_FIELD_VALUE. */
int http_parse_urlencoded(struct co_arena *a, const char *s, size_t len, struct http_params *out,
                          struct co_err *err);

/* A Cookie request header (RFC 6265 section 5.4 / 4.2.1): "a=1; b=2". Pairs
 * that are not name=value are skipped, as browsers do; a value in double
 * quotes loses them; so are pairs with a name that is not a token or a
 * value with control characters. Pairs past CO_MAX_COOKIES are ignored
 * (never an error: a browser cannot be told to send fewer). */
int http_parse_cookies(struct co_arena *a, const char *header, struct http_params *out,
                       struct co_err *err);

/* A multipart/form-data body (RFC 7578). content_type is the full header
 * value, from which the boundary is taken. Parts with a filename go to
 * files, the others to fields (which obey the same limits as urlencoded
 * forms). */
int http_parse_multipart(struct co_arena *a, const char *content_type, const char *body, size_t len,
                         struct http_params *fields, struct http_files *files, struct co_err *err);

/*
 * Static assets: embedded files under static/ (base/asset.h) served at
 * /static/NAME. Mount http_static_handler at "/static/{path...}" (GET).
 * Every answer has a strong ETag (a hash of the content) and honours
 * If-None-Match with 304. A URL whose ?v= matches the content's hash is
 * cached for a year ("public, max-age=31536000, immutable"); any other URL
 * must be revalidated ("no-cache").
 */
int http_static_handler(struct http_request *req, struct http_response *res);

/* "/static/NAME?v=HASH" for the asset static/NAME ("css/site.css"), or NULL
 * when there is no such asset. The string lives as long as the program.
 * Thread-safe. */
const char *http_static_url(const char *name);

/*
 * Metrics in Prometheus text format (version 0.0.4): requests by route name
 * and status (http_requests_total), a latency histogram by route
 * (http_request_duration_seconds), requests in flight, then whatever
 * hooks.metrics appends (database connections). Mount it at "/metrics".
 */
int http_metrics_handler(struct http_request *req, struct http_response *res);

/*
 * Hooks for the web layer; each may be NULL. ctx is passed back to each.
 */
struct http_hooks {
	void *ctx;

	/* Before the handler, on every request that got this far (also when no
	 * route matched: req->route is NULL, and a 404/405 follows). Return 0
	 * to go on, 1 when res is complete and the handler must not run (a
	 * redirect to the login page, a 403 via http_error), or a negative
	 * enum co_code for an error page. */
	int (*before)(void *ctx, struct http_request *req, struct http_response *res);

	/* Renders the body of an error page for status into res (status and
	 * content type included), e.g. a translated HTML page or RFC 9457
	 * problem JSON depending on req->path and Accept. detail may be NULL.
	 * req->app is whatever hooks.before set (NULL when it did not run,
	 * e.g. for a 413). Must not fail: on trouble leave res empty and a
	 * plain-text page is sent. */
	void (*error)(void *ctx, struct http_request *req, struct http_response *res, int status,
	              const char *detail);

	/* Once per request, after the response went out (or the client went
	 * away), whether or not hooks.before ran: for cleanup of req->app,
	 * which is NULL when nothing set it. Runs after the access log line
	 * and the metrics. */
	void (*after)(void *ctx, struct http_request *req, const struct http_response *res);

	/* Appends extra Prometheus text (gauges) to out for /metrics. */
	void (*metrics)(void *ctx, struct co_buf *out);

	/* Called once the server is listening, with the port (useful with port
	 * 0) - e.g. to print "listening on ...". */
	void (*ready)(void *ctx, const char *host, unsigned port);
};

/*
 * The server.
 */
struct http_config {
	const char *host;                /* "127.0.0.1", "::1", "0.0.0.0"; NULL:
	                                    127.0.0.1 */
	unsigned port;                   /* 0: any free port (http_server_port) */
	unsigned threads;                /* pool threads; 0: number of CPUs */
	unsigned max_connections;        /* 0: 1024 */
	unsigned per_ip_connections;     /* 0: no per-address limit */
	unsigned timeout_s;              /* idle connection timeout; 0: 30 */
	unsigned drain_s;                /* on shutdown, the longest wait for
	                                    requests in flight; 0: 30 */
	int trust_proxy;                 /* 1: behind a reverse proxy; take
	                                    X-Forwarded-Proto (req->secure) and the
	                                    last X-Forwarded-For (req->client) */
	FILE *access_log;                /* one line per request; NULL: none */
	const struct http_route *routes; /* borrowed; must outlive the server */
	size_t nroutes;
	struct http_hooks hooks;
};

/* Starts listening and serving on the pool threads, and returns at once.
 * CO_EIO (address in use, ...) or CO_EINPUT (bad routes) with a message. */
int http_server_start(const struct http_config *cfg, struct http_server **out, struct co_err *err);

/* The port it listens on (the chosen one when cfg->port was 0). */
unsigned http_server_port(const struct http_server *s);

/* Graceful stop: stops accepting, waits (at most drain_s) for requests in
 * flight to finish, then closes every connection. Idempotent. Must not be
 * called from a handler. */
void http_server_stop(struct http_server *s);

/* Stops (if still running) and frees. */
void http_server_free(struct http_server *s);

/* Starts, then blocks until SIGTERM or SIGINT (or http_server_shutdown),
 * then stops gracefully and returns 0; CO_EIO when it cannot start. The
 * signal handlers are installed for the duration of the call. */
int http_server_run(const struct http_config *cfg, struct co_err *err);

/* Asks a running http_server_run to return, as SIGTERM would. Safe from a
 * signal handler or any thread. */
void http_server_shutdown(void);

#endif
