/*
 * imp_api.c - Improve's JSON API under /api/v1/improve: the same read
 * models as the pages, and data entry with every error as a field of an
 * RFC 9457 problem.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "mod/improve/imp_store.h"
#include "mod/improve/imp_web_int.h"

static int api_fail(struct web_ctx *ctx, int rc, const struct co_err *e)
{
	return web_fail(ctx, rc, e);
}

int imp__api_collabs(struct web_ctx *ctx)
{
	struct db_conn *c;
	struct db_rows *r;
	struct co_err e;
	json_t *items = json_array();
	int rc;

	if ((rc = web_db(ctx, &c, &e)) < 0 ||
	    (rc = db_query(c, "SELECT id FROM imp_collaboratives ORDER BY starts_on DESC, id",
	                   DB_NOARGS, &r, &e)) < 0) {
		json_decref(items);
		return api_fail(ctx, rc, &e);
	}
	while ((rc = db_rows_next(r, &e)) == 1) {
		struct imp__collab k;
		int64_t id = db_int(r, 0);

		if (web_can(ctx, WEB_R_COLLAB_ADMIN | WEB_R_FACULTY | WEB_R_COACH | WEB_R_VIEWER,
		            IMP_SCOPE_COLLAB, id) <= 0)
			continue;
		if (imp__collab_get(c, id, ctx->arena, &k, &e) == 0)
			json_array_append_new(items, imp__collab_json(&k));
	}
	db_rows_free(r);
	if (rc < 0) {
		json_decref(items);
		return api_fail(ctx, rc, &e);
	}
	return web_json(ctx, 200, json_pack("{s:o}", "items", items));
}

int imp__api_collab(struct web_ctx *ctx)
{
	struct co_err e;
	json_t *k;
	int rc;

	if ((rc = imp__collab_overview(ctx, ctx->scope_id, &k, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 200, k);
}

int imp__api_matrix(struct web_ctx *ctx)
{
	struct co_err e;
	const char *text;
	size_t len;
	int rc;

	/* the cached text goes out as it is: no parsing and printing again */
	if ((rc = imp__matrix_cached(ctx, ctx->scope_id, NULL, &text, &len, &e)) < 0)
		return api_fail(ctx, rc, &e);
	rc = http_res_json(ctx->res, 200, text, len);
	return rc < 0 ? api_fail(ctx, rc, NULL) : 0;
}

int imp__api_view(struct web_ctx *ctx)
{
	struct co_err e;
	json_t *v;
	int rc;

	if ((rc = imp__view_json(ctx, ctx->scope_id, web_param(ctx, "view"),
	                         web_query(ctx, "measure"), &v, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 200, v);
}

int imp__api_team(struct web_ctx *ctx)
{
	struct co_err e;
	json_t *t;
	int rc;

	if ((rc = imp__team_page_json(ctx, ctx->scope_id, 0, &t, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 200, t);
}

/* A JSON number or numeric string as the text the validator parses. */
static const char *num_text(struct web_ctx *ctx, json_t *v)
{
	char buf[32];

	if (json_is_number(v)) {
		co_dtoa(json_number_value(v), buf);
		return co_arena_strdup(ctx->arena, buf);
	}
	return json_string_value(v);
}

/* {"period": "2026-09", "values": [{"measure": "rp_rate", "numerator": 10,
 * "denominator": 600, "notes": "...", "strata": [{"group": "white",
 * "numerator": 7, "denominator": 500}]}]} becomes the data-entry form's
 * fields, so that the API and the page share one validation. */
int imp__api_data_post(struct web_ctx *ctx)
{
	struct imp__team t;
	struct imp_catalog cat;
	struct imp_errs errs;
	struct imp_field *fields;
	struct imp_point *pts = NULL;
	struct db_conn *c;
	struct co_err e;
	json_t *body, *values, *errors;
	enum imp_freq freq = IMP_FREQ_MONTHLY;
	const char *fs;
	int32_t period;
	size_t i, j, nf = 0, cap;
	int n, rc, mi, k, g;

	if (web_body_json(ctx, &body) < 0)
		return 0;
	values = json_object_get(body, "values");
	fs = json_string_value(json_object_get(body, "frequency"));
	if (fs && imp_freq_parse(fs, &freq) < 0) {
		errors = json_object();
		web_errors_add(ctx, errors, "frequency", "Choose weekly or monthly");
		return web_problem(ctx, 400, "The input is not valid", NULL, errors);
	}
	if (imp_period_parse(json_string_value(json_object_get(body, "period")), freq, &period,
	                     &e) < 0 ||
	    !json_is_array(values)) {
		errors = json_object();
		web_errors_add(ctx, errors, json_is_array(values) ? "period" : "values",
		               !json_is_array(values) ? "Give the values as a list"
		               : freq == IMP_FREQ_WEEKLY
		                       ? "Enter the week as its Monday, YYYY-MM-DD"
		                       : "Enter the month as YYYY-MM");
		return web_problem(ctx, 400, "The input is not valid", NULL, errors);
	}
	if ((rc = web_db(ctx, &c, &e)) < 0 ||
	    (rc = imp__team_get(c, ctx->scope_id, ctx->arena, &t, &e)) < 0 ||
	    (rc = imp_store_catalog(c, t.collab_id, imp__today(), ctx->arena, &cat, &e)) < 0)
		return api_fail(ctx, rc, &e);
	cap = 8;
	for (i = 0; i < json_array_size(values); i++)
		cap += 4 +
		       3 * json_array_size(json_object_get(json_array_get(values, i), "strata"));
	fields = co_arena_calloc(ctx->arena, cap, sizeof(*fields));
	if (!fields)
		return api_fail(ctx, CO_ENOMEM, NULL);
	errors = json_object();
	for (i = 0; i < json_array_size(values); i++) {
		json_t *v = json_array_get(values, i), *strata = json_object_get(v, "strata");
		const char *code = json_string_value(json_object_get(v, "measure"));
		char name[64], key[64];
		static const char *const parts[4] = {"value", "num", "den", "notes"};
		static const char *const keys[4] = {"value", "numerator", "denominator", "notes"};

		for (mi = 0; mi < cat.nmeasures; mi++)
			if (code && strcmp(cat.measures[mi].code, code) == 0 &&
			    (!cat.measures[mi].team_id || cat.measures[mi].team_id == t.id))
				break;
		if (mi == cat.nmeasures) {
			snprintf(key, sizeof(key), "values[%zu].measure", i);
			web_errors_add(ctx, errors, key, "The team has no such measure");
			continue;
		}
		for (k = 0; k < 4; k++) {
			json_t *x = json_object_get(v, keys[k]);

			if (!x)
				continue;
			imp_field_name(name, sizeof(name), cat.measures[mi].id, 0, parts[k]);
			fields[nf].name = co_arena_strdup(ctx->arena, name);
			fields[nf++].value = k == 3 ? json_string_value(x) : num_text(ctx, x);
		}
		for (j = 0; j < json_array_size(strata); j++) {
			json_t *s = json_array_get(strata, j);
			const char *gcode = json_string_value(json_object_get(s, "group"));
			int64_t gid = 0;

			for (k = 0; k < cat.nkinds && !gid; k++)
				for (g = 0; g < cat.kinds[k].ngroups; g++)
					if (gcode &&
					    strcmp(cat.kinds[k].groups[g].code, gcode) == 0)
						gid = cat.kinds[k].groups[g].id;
			if (!gid) {
				snprintf(key, sizeof(key), "values[%zu].strata[%zu]", i, j);
				web_errors_add(ctx, errors, key, "There is no such group");
				continue;
			}
			for (k = 0; k < 3; k++) {
				json_t *x = json_object_get(s, keys[k]);

				if (!x)
					continue;
				imp_field_name(name, sizeof(name), cat.measures[mi].id, gid,
				               parts[k]);
				fields[nf].name = co_arena_strdup(ctx->arena, name);
				fields[nf++].value = num_text(ctx, x);
			}
		}
	}
	if (json_object_size(errors))
		return web_problem(ctx, 400, "The input is not valid", NULL, errors);
	imp_errs_init(&errs);
	rc = imp_entry_validate(&cat, t.id, freq, period, fields, (int)nf, ctx->arena, &pts, &n,
	                        &errs);
	if (rc == CO_EINPUT) {
		char text[CO_MAX_ERRMSG];

		for (k = 0; k < errs.n; k++)
			json_object_set_new(
			        errors, errs.v[k].field[0] ? errs.v[k].field : "form",
			        json_string(web_err_text(ctx, &errs.v[k], text, sizeof(text))));
		imp_errs_free(&errs);
		return web_problem(ctx, 400, "The input is not valid", NULL, errors);
	}
	imp_errs_free(&errs);
	json_decref(errors);
	if (rc < 0 || (rc = imp__store(ctx, pts, n, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 201, json_pack("{s:i}", "stored", n));
}

/* A CSV upload through the API: the body as text/csv, or the field "file"
 * of a multipart form, checked by the page's rules (imp__upload_check). All
 * or nothing: on any error nothing is stored and the answer is a 400
 * problem listing every error with its row (file line), column number and
 * column name. */
int imp__api_upload_post(struct web_ctx *ctx)
{
	const struct http_file *f = http_file(ctx->req, "file");
	const char *ct = ctx->req->content_type;
	struct imp__team t;
	struct imp_errs errs;
	struct imp_point *pts = NULL;
	struct db_conn *c;
	struct co_err e;
	const char *data = NULL;
	size_t len = 0;
	json_t *p, *list;
	char *s;
	int n = 0, rc, i;

	if (f) {
		data = f->data;
		len = f->len;
	} else if (strcmp(ct, "text/csv") == 0 || strcmp(ct, "text/plain") == 0) {
		data = ctx->req->body;
		len = ctx->req->body_len;
	} else if (strcmp(ct, "multipart/form-data") != 0) {
		return web_problem(ctx, 415, "Unsupported media type",
		                   "Send the file as text/csv, or as the field file of a form",
		                   NULL);
	}
	if ((rc = web_db(ctx, &c, &e)) < 0 ||
	    (rc = imp__team_get(c, ctx->scope_id, ctx->arena, &t, &e)) < 0)
		return api_fail(ctx, rc, &e);
	imp_errs_init(&errs);
	rc = imp__upload_check(ctx, &t, data, len, &pts, &n, &errs, &e);
	if (rc == CO_EINPUT) {
		char text[CO_MAX_ERRMSG];

		list = json_array();
		for (i = 0; i < errs.n; i++) {
			json_t *x = json_pack(
			        "{s:s,s:s}", "field", errs.v[i].field[0] ? errs.v[i].field : "file",
			        "message", web_err_text(ctx, &errs.v[i], text, sizeof(text)));

			if (errs.v[i].row > 0)
				json_object_set_new(x, "row", json_integer(errs.v[i].row));
			if (errs.v[i].col > 0)
				json_object_set_new(x, "column", json_integer(errs.v[i].col));
			json_array_append_new(list, x);
		}
		p = json_pack("{s:s,s:s,s:i,s:s,s:s,s:o}", "type", "about:blank", "title",
		              web_t(ctx, "The file was not loaded"), "status", 400, "detail",
		              web_t(ctx,
		                    "Nothing was stored: correct every row listed and send the "
		                    "whole file again"),
		              "instance", ctx->req->path, "errors", list);
		if (errs.more)
			json_object_set_new(p, "more_errors", json_integer(errs.more));
		imp_errs_free(&errs);
		s = p ? json_dumps(p, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
		json_decref(p);
		if (!s)
			return api_fail(ctx, CO_ENOMEM, NULL);
		rc = http_res_json(ctx->res, 400, s, strlen(s));
		ctx->res->content_type = "application/problem+json";
		free(s);
		return rc < 0 ? api_fail(ctx, rc, NULL) : 0;
	}
	imp_errs_free(&errs);
	if (rc < 0 || (rc = imp__store(ctx, pts, n, &e)) < 0)
		return api_fail(ctx, rc, &e);
	return web_json(ctx, 201, json_pack("{s:i}", "stored", n));
}
