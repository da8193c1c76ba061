/* stub.c - placeholders until the implementation lands; every call fails. */
#include <stdarg.h>
#include <string.h>

#include "http/http.h"

enum http_method http_method_parse(const char *name)
{
	return 0;
}
const char *http_method_name(enum http_method m)
{
	return "";
}
const char *http_header(const struct http_request *req, const char *name)
{
	return NULL;
}
const char *http_query(const struct http_request *req, const char *name)
{
	return NULL;
}
const char *http_cookie(const struct http_request *req, const char *name)
{
	return NULL;
}
const char *http_param(const struct http_request *req, const char *name)
{
	return NULL;
}
const char *http_form(const struct http_request *req, const char *name)
{
	return NULL;
}
const struct http_file *http_file(const struct http_request *req, const char *field)
{
	return NULL;
}
const char *http_params_get(const struct http_params *p, const char *name)
{
	return NULL;
}
int http_accepts(const struct http_request *req, const char *type)
{
	return 0;
}
int http_res_header(struct http_response *res, const char *name, const char *value)
{
	return CO_EINTERNAL;
}
int http_res_write(struct http_response *res, const void *data, size_t len)
{
	return CO_EINTERNAL;
}
int http_res_printf(struct http_response *res, const char *fmt, ...)
{
	return CO_EINTERNAL;
}
void http_res_static(struct http_response *res, const void *data, size_t len)
{
}
int http_res_html(struct http_response *res, int status, const char *html, size_t len)
{
	return CO_EINTERNAL;
}
int http_res_json(struct http_response *res, int status, const char *json, size_t len)
{
	return CO_EINTERNAL;
}
int http_res_text(struct http_response *res, int status, const char *text, size_t len)
{
	return CO_EINTERNAL;
}
int http_res_redirect(struct http_response *res, int status, const char *location)
{
	return CO_EINTERNAL;
}
int http_res_file(struct http_response *res, const char *content_type, const void *data, size_t len,
                  const char *download_name)
{
	return CO_EINTERNAL;
}
int http_res_cookie(struct http_response *res, const char *name, const char *value, long max_age,
                    const char *path, unsigned flags)
{
	return CO_EINTERNAL;
}
int http_error(struct http_request *req, struct http_response *res, int status, const char *detail)
{
	return 0;
}
int http_status_for_code(int code)
{
	return 500;
}
const char *http_status_text(int status)
{
	return "";
}
int http_router_new(const struct http_route *routes, size_t n, struct http_router **out,
                    struct co_err *err)
{
	return co_errf(err, CO_EINTERNAL, "not implemented");
}
void http_router_free(struct http_router *r)
{
}
int http_router_match(const struct http_router *r, enum http_method method, const char *path,
                      struct co_arena *a, const struct http_route **route,
                      struct http_params *params, unsigned *allowed)
{
	return HTTP_MATCH_NO_PATH;
}
void http_allow_string(unsigned mask, char *out, size_t size)
{
	if (size)
		out[0] = 0;
}
int http_path_normalise(struct co_arena *a, const char *raw, size_t len, const char **out,
                        struct co_err *err)
{
	return co_errf(err, CO_EINTERNAL, "not implemented");
}
int http_parse_urlencoded(struct co_arena *a, const char *s, size_t len, struct http_params *out,
                          struct co_err *err)
{
	return co_errf(err, CO_EINTERNAL, "not implemented");
}
int http_parse_cookies(struct co_arena *a, const char *header, struct http_params *out,
                       struct co_err *err)
{
	return co_errf(err, CO_EINTERNAL, "not implemented");
}
int http_parse_multipart(struct co_arena *a, const char *content_type, const char *body, size_t len,
                         struct http_params *fields, struct http_files *files, struct co_err *err)
{
	return co_errf(err, CO_EINTERNAL, "not implemented");
}
int http_static_handler(struct http_request *req, struct http_response *res)
{
	return CO_ENOTFOUND;
}
const char *http_static_url(const char *name)
{
	return NULL;
}
int http_metrics_handler(struct http_request *req, struct http_response *res)
{
	return CO_ENOTFOUND;
}
int http_server_start(const struct http_config *cfg, struct http_server **out, struct co_err *err)
{
	return co_errf(err, CO_EINTERNAL, "not implemented");
}
unsigned http_server_port(const struct http_server *s)
{
	return 0;
}
void http_server_stop(struct http_server *s)
{
}
void http_server_free(struct http_server *s)
{
}
int http_server_run(const struct http_config *cfg, struct co_err *err)
{
	return co_errf(err, CO_EINTERNAL, "not implemented");
}
void http_server_shutdown(void)
{
}
