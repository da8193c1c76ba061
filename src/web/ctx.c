/*
 * ctx.c - the request context and the answers handlers give: pages,
 * JSON, problem details, redirects, error pages, form errors, pagination.
 */
#include "web/web_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tpl/tpl.h"

int64_t web_now(void)
{
	return (int64_t)time(NULL);
}

json_t *web_jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

struct web_ctx *web__ctx_new(struct web_app *app, struct http_request *req,
                             struct http_response *res)
{
	struct web_ctx *ctx = co_arena_calloc(req->arena, 1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->app = app;
	ctx->req = req;
	ctx->res = res;
	ctx->arena = req->arena;
	ctx->route = req->route ? req->route->data : NULL;
	ctx->api = strncmp(req->path, "/api/", 5) == 0 || strcmp(req->path, "/api") == 0;
	ctx->lang = I18N_DEFAULT;
	ctx->cat = i18n_catalog(ctx->lang);
	req->app = ctx;
	return ctx;
}

void web__ctx_end(struct web_ctx *ctx)
{
	if (ctx->conn_) {
		db_release(ctx->conn_);
		ctx->conn_ = NULL;
	}
	if (ctx->body_) {
		json_decref(ctx->body_);
		ctx->body_ = NULL;
	}
}

const struct conf *web_conf(const struct web_ctx *ctx)
{
	return ctx->app->cfg.conf;
}

struct web_ctx *web_ctx_of(struct http_request *req)
{
	return req->app;
}

/* The language: ?lang= (remembered in a cookie), the lang cookie, the
 * user's own choice, then Accept-Language. */
void web__choose_lang(struct web_ctx *ctx)
{
	const char *q = http_query(ctx->req, "lang");
	const char *c = http_cookie(ctx->req, WEB__COOKIE_LANG);
	const char *lang;

	if (q && i18n_lang_supported(q)) {
		lang = i18n_choose(q, NULL, NULL);
		if (!c || strcmp(c, lang) != 0)
			http_res_cookie(ctx->res, WEB__COOKIE_LANG, lang, 365L * 24 * 3600, NULL,
			                HTTP_COOKIE_SAMESITE_LAX |
			                        ((ctx->req->secure || ctx->app->cfg.secure_cookies)
			                                 ? HTTP_COOKIE_SECURE
			                                 : 0));
	} else if (c && i18n_lang_supported(c)) {
		lang = i18n_choose(NULL, c, NULL);
	} else if (ctx->user && ctx->user->lang && i18n_lang_supported(ctx->user->lang)) {
		lang = i18n_choose(ctx->user->lang, NULL, NULL);
	} else {
		lang = i18n_choose(NULL, NULL, http_header(ctx->req, "Accept-Language"));
	}
	ctx->lang = lang;
	ctx->cat = i18n_catalog(lang);
}

int web_db(struct web_ctx *ctx, struct db_conn **out, struct co_err *e)
{
	int rc;

	if (!ctx->conn_) {
		rc = db_acquire(ctx->app->cfg.db, &ctx->conn_, e);
		if (rc < 0)
			return rc;
	}
	*out = ctx->conn_;
	return 0;
}

const char *web_t(const struct web_ctx *ctx, const char *msgid)
{
	return i18n_gettext(ctx->cat, msgid);
}

const char *web_err_text(const struct web_ctx *ctx, const struct co_err *e, char *out, size_t size)
{
	const char *t = e->code < 0 && e->code >= CO_EINTERNAL && e->fmt && e->nargs > 0 &&
	                                e->nargs <= CO_MAX_ERRARGS
	                        ? web_t(ctx, e->fmt)
	                        : NULL;

	/* a format the catalogue words differently; otherwise the message is
	 * its own msgid (a sentence without values, or one passed as "%s") */
	if (t && strcmp(t, e->fmt) != 0)
		co_err_text(e, t, out, size);
	else
		snprintf(out, size, "%s", web_t(ctx, e->msg));
	return out;
}

const char *web_param(const struct web_ctx *ctx, const char *name)
{
	return http_param(ctx->req, name);
}

int web_param_id(const struct web_ctx *ctx, const char *name, int64_t *id)
{
	const char *s = http_param(ctx->req, name);
	char *end;
	long long v;

	if (!s || *s < '1' || *s > '9')
		return CO_ENOTFOUND;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return CO_ENOTFOUND;
	*id = (int64_t)v;
	return 0;
}

const char *web_query(const struct web_ctx *ctx, const char *name)
{
	return http_query(ctx->req, name);
}

const char *web_form(const struct web_ctx *ctx, const char *name)
{
	return http_form(ctx->req, name);
}

int web_body_json(struct web_ctx *ctx, json_t **out)
{
	json_error_t je;
	json_t *errs;
	json_t *v;

	if (ctx->body_) {
		*out = ctx->body_;
		return 0;
	}
	if (strcmp(ctx->req->content_type, "application/json") != 0) {
		errs = json_object();
		web_errors_add(ctx, errs, "body", "Send the body as application/json");
		web_problem(ctx, 415, "Unsupported media type", NULL, errs);
		return CO_EINPUT;
	}
	v = json_loadb(ctx->req->body, ctx->req->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!v || !json_is_object(v)) {
		errs = json_object();
		json_object_set_new(
		        errs, "body",
		        json_string(v ? web_t(ctx, "The body must be a JSON object") : je.text));
		json_decref(v);
		web_problem(ctx, 400, "Malformed JSON", NULL, errs);
		return CO_EINPUT;
	}
	ctx->body_ = v;
	*out = v;
	return 0;
}

/* ---- answers ---- */

static void set_default(json_t *data, const char *key, json_t *v)
{
	if (!json_object_get(data, key))
		json_object_set_new(data, key, v);
	else
		json_decref(v);
}

int web_render(struct web_ctx *ctx, int status, const char *name, json_t *data)
{
	struct co_err e;
	json_t *flash;
	int rc;

	if (!data)
		data = json_object();
	if (!data)
		return CO_ENOMEM;
	json_object_set_new(data, "lang", json_string(ctx->lang));
	if (ctx->user)
		json_object_set_new(data, "user",
		                    json_pack("{s:I,s:s,s:s,s:b}", "id", (json_int_t)ctx->user->id,
		                              "name", ctx->user->name, "email", ctx->user->email,
		                              "admin", web_is_admin(ctx)));
	else
		json_object_set_new(data, "user", json_null());
	/* Anonymous pages get a token (and its cookie) only when their handler
	 * asked for one: most have no form, and stay cacheable. */
	json_object_set_new(data, "csrf",
	                    json_string(ctx->user || ctx->csrf_ ? web_csrf(ctx) : ""));
	flash = web__flash_take(ctx);
	json_object_set_new(data, "flash", flash ? flash : json_null());
	set_default(data, "errors", json_object());
	set_default(data, "nav", json_string(""));
	set_default(data, "path", json_string(ctx->req->path));
	/* The stylesheet's URL with its content hash, cached for a year. */
	set_default(data, "css", web_jstr(http_static_url("app.css")));
	co_buf_reset(&ctx->res->body);
	rc = tpl_render(NULL, name, data, ctx->lang, &ctx->res->body, &e);
	json_decref(data);
	if (rc < 0) {
		fprintf(stderr, "web: rendering %s: %s\n", name, e.msg);
		co_buf_reset(&ctx->res->body);
		return rc;
	}
	ctx->res->status = status ? status : 200;
	ctx->res->content_type = "text/html; charset=utf-8";
	return 0;
}

int web_json(struct web_ctx *ctx, int status, json_t *data)
{
	char *s;
	int rc;

	if (!data)
		return CO_ENOMEM;
	s = json_dumps(data, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(data);
	if (!s)
		return CO_ENOMEM;
	rc = http_res_json(ctx->res, status ? status : 200, s, strlen(s));
	free(s);
	return rc;
}

int web_problem(struct web_ctx *ctx, int status, const char *title, const char *detail,
                json_t *errors)
{
	json_t *p, *arr;
	const char *k;
	json_t *v;
	char *s;
	int rc;

	p = json_pack("{s:s,s:s,s:i,s:s}", "type", "about:blank", "title",
	              web_t(ctx, title ? title : http_status_text(status)), "status", status,
	              "instance", ctx->req->path);
	if (!p) {
		json_decref(errors);
		return CO_ENOMEM;
	}
	if (detail)
		json_object_set_new(p, "detail", json_string(web_t(ctx, detail)));
	if (errors) {
		arr = json_array();
		json_object_foreach(errors, k, v)
		{
			json_array_append_new(arr,
			                      json_pack("{s:s,s:O}", "field", k, "message", v));
		}
		json_object_set_new(p, "errors", arr);
		json_decref(errors);
	}
	s = json_dumps(p, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(p);
	if (!s)
		return CO_ENOMEM;
	rc = http_res_json(ctx->res, status, s, strlen(s));
	ctx->res->content_type = "application/problem+json";
	if (status == 401)
		http_res_header(ctx->res, "WWW-Authenticate", "Bearer realm=\"collective\"");
	free(s);
	return rc;
}

int web_redirect(struct web_ctx *ctx, const char *location)
{
	return http_res_redirect(ctx->res, 303, location);
}

/* Error pages: a template "web/<status>" when the layer above has one,
 * else "web/error"; problem JSON under /api/ or when JSON is asked for. */
void web__error_page(struct web_ctx *ctx, int status, const char *detail)
{
	char name[32];
	json_t *data;

	if (ctx->api ||
	    (http_accepts(ctx->req, "application/json") && !http_accepts(ctx->req, "text/html"))) {
		web_problem(ctx, status, NULL, status >= 500 ? NULL : detail, NULL);
		return;
	}
	snprintf(name, sizeof(name), "web/%d", status);
	if (!tpl_exists(NULL, name))
		snprintf(name, sizeof(name), "web/error");
	data = json_pack("{s:i,s:s}", "status", status, "title",
	                 web_t(ctx, http_status_text(status)));
	if (data && detail && status < 500)
		json_object_set_new(data, "detail", json_string(web_t(ctx, detail)));
	if (data)
		json_object_set_new(data, "title",
		                    json_string(web_t(ctx, http_status_text(status))));
	if (web_render(ctx, status, name, data) < 0) {
		ctx->res->status = status;
		return; /* the HTTP layer's plain text */
	}
}

int web_fail(struct web_ctx *ctx, int code, const struct co_err *e)
{
	int status = http_status_for_code(code);

	if (status >= 500 && e)
		fprintf(stderr, "web: %s %s: %s\n", http_method_name(ctx->req->method),
		        ctx->req->path, e->msg);
	if (status < 500 && e && e->msg[0]) {
		char text[CO_MAX_ERRMSG];

		/* the API answers in the message's own words */
		web__error_page(ctx, status,
		                ctx->api ? e->msg : web_err_text(ctx, e, text, sizeof(text)));
	} else {
		web__error_page(ctx, status, NULL);
	}
	return 0;
}

void web_errors_add(struct web_ctx *ctx, json_t *errors, const char *field, const char *msgid)
{
	if (!errors || json_object_get(errors, field))
		return; /* the first problem with a field is the one to fix */
	json_object_set_new(errors, field, json_string(web_t(ctx, msgid)));
}

void web_errors_from(struct web_ctx *ctx, json_t *errors, const struct co_err *e)
{
	const char *field = e->field[0] ? e->field : "form";
	char text[CO_MAX_ERRMSG];

	if (!errors || json_object_get(errors, field))
		return; /* the first problem with a field is the one to fix */
	json_object_set_new(errors, field, json_string(web_err_text(ctx, e, text, sizeof(text))));
}

/* ---- pagination ---- */

static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int web_page_parse(struct web_ctx *ctx, struct web_page *p, json_t *errors)
{
	const char *page = web_query(ctx, "page");
	const char *per = web_query(ctx, "per_page");
	long pg = 1, pp = WEB_PER_PAGE_DEFAULT;
	int bad = 0;

	if (page && *page && parse_long(page, 1, 1000000, &pg) < 0) {
		web_errors_add(ctx, errors, "page", "Page must be a whole number from 1");
		bad = 1;
	}
	if (per && *per && parse_long(per, 1, WEB_PER_PAGE_MAX, &pp) < 0) {
		web_errors_add(ctx, errors, "per_page",
		               "Per page must be a whole number from 1 to 100");
		bad = 1;
	}
	if (bad)
		return CO_EINPUT;
	p->page = pg;
	p->per_page = pp;
	p->offset = (pg - 1) * pp;
	return 0;
}

/* The current URL with page (and per_page) replaced; other query
 * parameters kept, re-encoded. */
static const char *page_url(struct web_ctx *ctx, const struct web_page *p, long page)
{
	struct co_buf b;
	const struct http_params *q = &ctx->req->query;
	const char *s;
	size_t i, j;

	co_buf_init(&b, CO_MAX_URL);
	co_buf_adds(&b, ctx->req->path);
	co_buf_printf(&b, "?page=%ld&per_page=%ld", page, p->per_page);
	for (i = 0; i < q->n; i++) {
		if (strcmp(q->items[i].name, "page") == 0 ||
		    strcmp(q->items[i].name, "per_page") == 0)
			continue;
		co_buf_addc(&b, '&');
		for (j = 0; j < 2; j++) {
			for (s = j ? q->items[i].value : q->items[i].name; *s; s++) {
				unsigned char c = (unsigned char)*s;

				if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
				    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
				    c == '~')
					co_buf_addc(&b, (char)c);
				else
					co_buf_printf(&b, "%%%02X", c);
			}
			if (!j)
				co_buf_addc(&b, '=');
		}
	}
	s = co_arena_strdup(ctx->arena, b.data ? b.data : "");
	co_buf_free(&b);
	return s;
}

json_t *web_page_info(struct web_ctx *ctx, const struct web_page *p, long total)
{
	long pages = total > 0 ? (total + p->per_page - 1) / p->per_page : 1;
	const char *next = p->page < pages ? page_url(ctx, p, p->page + 1) : NULL;
	const char *prev = p->page > 1 ? page_url(ctx, p, p->page - 1) : NULL;
	struct co_buf link;

	co_buf_init(&link, CO_MAX_URL * 4);
	co_buf_printf(&link, "<%s>; rel=\"first\"", page_url(ctx, p, 1));
	if (prev)
		co_buf_printf(&link, ", <%s>; rel=\"prev\"", prev);
	if (next)
		co_buf_printf(&link, ", <%s>; rel=\"next\"", next);
	co_buf_printf(&link, ", <%s>; rel=\"last\"", page_url(ctx, p, pages));
	if (link.data)
		http_res_header(ctx->res, "Link", link.data);
	co_buf_free(&link);
	return json_pack("{s:I,s:I,s:I,s:I,s:o,s:o}", "page", (json_int_t)p->page, "per_page",
	                 (json_int_t)p->per_page, "total", (json_int_t)total, "pages",
	                 (json_int_t)pages, "next", web_jstr(next), "prev", web_jstr(prev));
}
