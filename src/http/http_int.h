/*
 * http_int.h - what the files of src/http share with each other and with
 * nobody else (http__ names).
 */
#ifndef HTTP_INT_H
#define HTTP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "http/http.h"

/* Responses smaller than this are not worth compressing. */
#define HTTP__GZIP_MIN 1024

/* Percent-decodes s[0..len) into a new NUL-terminated arena string; '+'
 * becomes a space when plus_space. Returns 0, CO_ENOMEM, or CO_EINPUT for a
 * bad escape, an encoded NUL, or (when no_slash) an encoded '/'. */
int http__decode(struct co_arena *a, const char *s, size_t len, int plus_space, int no_slash,
                 char **out, size_t *outlen);

/* The parameter name of a header value such as
 * `form-data; name="a"; filename="b.csv"` (name compared without case),
 * unquoted, in a; NULL when absent. */
const char *http__header_param(struct co_arena *a, const char *value, const char *name);

/* 1 when s[0..n) equals the NUL-terminated t, ignoring ASCII case. */
int http__ieq(const char *s, size_t n, const char *t);

/* Index 0..6 of a single method bit, -1 otherwise. */
int http__method_index(enum http_method m);
#define HTTP__NMETHODS 7

/* Microseconds on the monotonic clock. */
uint64_t http__now_us(void);

/* The error page for status, through the server's hooks.error when there is
 * a server and a hook, else a short plain-text body. */
void http__render_error(struct http_request *req, struct http_response *res, int status,
                        const char *detail);

/* Resets a response to its initial state (200, empty). */
void http__res_init(struct http_response *res, struct co_arena *a);
void http__res_clear(struct http_response *res);
/* The header value set on res, or NULL (name compared without case). */
const char *http__res_get(const struct http_response *res, const char *name);

/* 1 when Accept-Encoding admits gzip (RFC 9110 12.5.3). */
int http__accepts_gzip(const struct http_request *req);

/* 1 when a response of this content type is worth gzipping (text, JSON,
 * JavaScript, SVG, XML). */
int http__compressible(const char *content_type);
/* gzip-compresses in[0..n) at zlib level (1 fast .. 9 small) into a
 * malloc'd buffer; CO_ENOMEM or CO_EINTERNAL on failure. */
int http__gzip(const void *in, size_t n, int level, char **out, size_t *outlen);

/* For tests: serve these assets (ending with a NULL path) instead of the
 * embedded ones. Must be called before the first static request. */
struct co_asset;
void http__static_use_assets(const struct co_asset *assets);

/* Metrics: a counter block per route plus one for "no route". */
struct http__metrics;
int http__metrics_new(const struct http_route *routes, size_t n, struct http__metrics **out);
void http__metrics_free(struct http__metrics *m);
/* route_index: index into the route table, or -1 for "no route". */
void http__metrics_count(struct http__metrics *m, long route_index, int status, uint64_t us);
void http__metrics_inflight(struct http__metrics *m, int delta);
/* The metrics of the server answering req (NULL without a server), and its
 * gauge hook. */
struct http__metrics *http__server_metrics(const struct http_server *s);
void http__server_gauges(const struct http_server *s, struct co_buf *out);
int http__metrics_write(struct http__metrics *m, struct co_buf *out);

#endif
