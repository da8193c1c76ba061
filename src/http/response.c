/*
 * response.c - filling a response: headers, bodies, redirects, downloads,
 * cookies, error pages; status texts; gzip.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "base/limits.h"
#include "http/http.h"
#include "http/http_int.h"

void http__res_init(struct http_response *res, struct co_arena *a)
{
	memset(res, 0, sizeof(*res));
	res->status = 200;
	res->arena = a;
	co_buf_init(&res->body, CO_MAX_PAGE);
}

void http__res_clear(struct http_response *res)
{
	struct co_arena *a = res->arena;

	co_buf_free(&res->body);
	http__res_init(res, a);
}

const char *http__res_get(const struct http_response *res, const char *name)
{
	const struct http_res_header *h;

	for (h = res->headers; h; h = h->next)
		if (strcasecmp(h->name, name) == 0)
			return h->value;
	return NULL;
}

static int has_crlf(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

int http_res_header(struct http_response *res, const char *name, const char *value)
{
	struct http_res_header *h, **tail;

	if (has_crlf(name) || has_crlf(value) || !*name)
		return CO_EINPUT;
	h = co_arena_alloc(res->arena, sizeof(*h));
	if (!h)
		return CO_ENOMEM;
	h->next = NULL;
	h->name = co_arena_strdup(res->arena, name);
	h->value = co_arena_strdup(res->arena, value);
	if (!h->name || !h->value)
		return CO_ENOMEM;
	/* Keep the order they were added in. */
	for (tail = &res->headers; *tail; tail = &(*tail)->next)
		;
	*tail = h;
	return 0;
}

int http_res_write(struct http_response *res, const void *data, size_t len)
{
	return co_buf_add(&res->body, data, len);
}

int http_res_printf(struct http_response *res, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = co_buf_vprintf(&res->body, fmt, ap);
	va_end(ap);
	return rc;
}

void http_res_static(struct http_response *res, const void *data, size_t len)
{
	res->static_data = data;
	res->static_len = len;
}

static int set_body(struct http_response *res, int status, const char *ctype, const char *data,
                    size_t len)
{
	res->status = status;
	res->content_type = ctype;
	res->static_data = NULL;
	co_buf_reset(&res->body);
	return co_buf_add(&res->body, data, len);
}

int http_res_html(struct http_response *res, int status, const char *html, size_t len)
{
	return set_body(res, status, "text/html; charset=utf-8", html, len);
}

int http_res_json(struct http_response *res, int status, const char *json, size_t len)
{
	return set_body(res, status, "application/json", json, len);
}

int http_res_text(struct http_response *res, int status, const char *text, size_t len)
{
	return set_body(res, status, "text/plain; charset=utf-8", text, len);
}

int http_res_redirect(struct http_response *res, int status, const char *location)
{
	int rc = set_body(res, status, NULL, "", 0);

	return rc ? rc : http_res_header(res, "Location", location);
}

int http_res_file(struct http_response *res, const char *content_type, const void *data, size_t len,
                  const char *download_name)
{
	int rc = set_body(res, 200, content_type, data, len);
	struct co_buf cd;
	const unsigned char *p;
	int ascii = 1;

	if (rc || !download_name)
		return rc;
	/* Content-Disposition (RFC 6266): a plain ASCII fallback with quotes
	 * and backslashes replaced, and the exact name as filename*= UTF-8
	 * percent-encoded. */
	co_buf_init(&cd, (size_t)4 * 1024);
	rc = co_buf_adds(&cd, "attachment; filename=\"");
	for (p = (const unsigned char *)download_name; *p && !rc; p++) {
		if (*p >= 0x80)
			ascii = 0;
		rc = co_buf_addc(
		        &cd, (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\') ? '_' : (char)*p);
	}
	if (!rc)
		rc = co_buf_addc(&cd, '"');
	if (!rc && !ascii) {
		rc = co_buf_adds(&cd, "; filename*=UTF-8''");
		for (p = (const unsigned char *)download_name; *p && !rc; p++) {
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
				rc = co_buf_addc(&cd, (char)*p);
			else
				rc = co_buf_printf(&cd, "%%%02X", *p);
		}
	}
	if (!rc)
		rc = http_res_header(res, "Content-Disposition", cd.data);
	co_buf_free(&cd);
	return rc;
}

static int cookie_octets(const char *s)
{
	const unsigned char *p;

	/* RFC 6265 4.1.1 cookie-octet */
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x21 || *p > 0x7e || *p == '"' || *p == ',' || *p == ';' || *p == '\\')
			return 0;
	return 1;
}

int http_res_cookie(struct http_response *res, const char *name, const char *value, long max_age,
                    const char *path, unsigned flags)
{
	char *v;

	if (!*name || !cookie_octets(name) || strchr(name, '=') || !cookie_octets(value) ||
	    (path && (!cookie_octets(path) || path[0] != '/')))
		return CO_EINPUT;
	v = co_arena_printf(res->arena, "%s=%s; Path=%s", name, value, path ? path : "/");
	if (v && max_age >= 0)
		v = co_arena_printf(res->arena, "%s; Max-Age=%ld", v, max_age);
	if (v && (flags & HTTP_COOKIE_HTTPONLY))
		v = co_arena_printf(res->arena, "%s; HttpOnly", v);
	if (v && (flags & HTTP_COOKIE_SECURE))
		v = co_arena_printf(res->arena, "%s; Secure", v);
	if (v && (flags & HTTP_COOKIE_SAMESITE_STRICT))
		v = co_arena_printf(res->arena, "%s; SameSite=Strict", v);
	else if (v && (flags & HTTP_COOKIE_SAMESITE_LAX))
		v = co_arena_printf(res->arena, "%s; SameSite=Lax", v);
	if (!v)
		return CO_ENOMEM;
	return http_res_header(res, "Set-Cookie", v);
}

int http_error(struct http_request *req, struct http_response *res, int status, const char *detail)
{
	http__render_error(req, res, status, detail);
	return 0;
}

int http_status_for_code(int code)
{
	switch (code) {
	case CO_EINPUT: return 400;
	case CO_EPERM: return 403;
	case CO_ENOTFOUND: return 404;
	case CO_ECONFLICT: return 409;
	case CO_ELIMIT: return 413;
	default: return 500;
	}
}

const char *http_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "";
	}
}

int http__compressible(const char *ct)
{
	if (!ct)
		return 0;
	return strncasecmp(ct, "text/", 5) == 0 || strncasecmp(ct, "application/json", 16) == 0 ||
	       strncasecmp(ct, "application/problem+json", 24) == 0 ||
	       strncasecmp(ct, "application/javascript", 22) == 0 ||
	       strncasecmp(ct, "application/xml", 15) == 0 ||
	       strncasecmp(ct, "image/svg+xml", 13) == 0;
}

int http__gzip(const void *in, size_t n, int level, char **out, size_t *outlen)
{
	z_stream z;
	size_t cap;
	char *buf;
	int rc;

	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip wrapper rather than zlib's. */
	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return CO_ENOMEM;
	cap = deflateBound(&z, (uLong)n);
	buf = malloc(cap);
	if (!buf) {
		deflateEnd(&z);
		return CO_ENOMEM;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)buf;
	z.avail_out = (uInt)cap;
	rc = deflate(&z, Z_FINISH);
	if (rc != Z_STREAM_END) {
		deflateEnd(&z);
		free(buf);
		return CO_EINTERNAL;
	}
	*outlen = z.total_out;
	deflateEnd(&z);
	*out = buf;
	return 0;
}
