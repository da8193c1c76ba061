/*
 * imp_read.c - the read models of Improve: JSON that a page renders and
 * the API returns unchanged, so the two never disagree.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/limits.h"
#include "mod/improve/imp_web_int.h"

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

json_t *imp__collab_json(const struct imp__collab *k)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i}", "id", (json_int_t)k->id,
	                 "slug", k->slug, "name", k->name, "aim", k->aim, "summary", k->summary,
	                 "starts_on", k->starts_on, "ends_on", k->ends_on, "rule_set", k->rule_set,
	                 "data_visibility", k->visibility, "funnel_method", k->funnel_method,
	                 "suppression_threshold", k->threshold);
}

json_t *imp__team_json(const struct imp__team *t)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:{s:I,s:s,s:s}}", "id", (json_int_t)t->id, "code",
	                 t->code, "name", t->name, "service", t->service, "organisation", "id",
	                 (json_int_t)t->org_id, "code", t->org_code, "name", t->org_name);
}

json_t *imp__measure_json(const struct imp__measure *m)
{
	json_t *j =
	        json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:f,s:s,s:s,s:s,s:s,s:b}", "id",
	                  (json_int_t)m->id, "code", m->code, "name", m->name, "kind", m->kind,
	                  "definition", m->definition, "numerator_definition", m->numerator_def,
	                  "denominator_definition", m->denominator_def, "data_type", m->data_type,
	                  "multiplier", m->multiplier, "unit", m->unit, "frequency", m->frequency,
	                  "direction", m->direction, "chart", m->chart, "shared", m->shared);

	if (j)
		json_object_set_new(j, "target", num_or_null(m->target));
	return j;
}

static json_t *icon_json(struct web_ctx *ctx, const char *code, const char *words)
{
	static const struct {
		const char *code, *css, *letter;
	} icons[] = {
	        {"common_cause", "spc-var-common", "C"},
	        {"improvement_high", "spc-var-improve-high", "I"},
	        {"improvement_low", "spc-var-improve-low", "I"},
	        {"concern_high", "spc-var-concern-high", "!"},
	        {"concern_low", "spc-var-concern-low", "!"},
	        {"neutral_high", "spc-var-neutral-high", "N"},
	        {"neutral_low", "spc-var-neutral-low", "N"},
	        {"pass", "spc-assure-pass", "P"},
	        {"fail", "spc-assure-fail", "F"},
	        {"inconsistent", "spc-assure-random", "?"},
	};
	size_t i;

	for (i = 0; i < sizeof(icons) / sizeof(icons[0]); i++)
		if (strcmp(code, icons[i].code) == 0)
			return json_pack("{s:s,s:s,s:s,s:s}", "code", code, "words",
			                 web_t(ctx, words), "css", icons[i].css, "letter",
			                 icons[i].letter);
	return json_pack("{s:s,s:s,s:s,s:s}", "code", code, "words", web_t(ctx, words), "css", "",
	                 "letter", "");
}

int imp__matrix_json(struct web_ctx *ctx, const struct imp__data *d, json_t **out, struct co_err *e)
{
	struct imp_matrix_cell *cells;
	struct imp_chart_def *defs;
	struct imp_series *series;
	int *cols, ncols = 0, m, t, rc;
	json_t *j, *measures, *rows;

	cols = co_arena_calloc(ctx->arena, (size_t)d->nmeasures + 1, sizeof(int));
	defs = co_arena_calloc(ctx->arena, (size_t)d->nmeasures + 1, sizeof(*defs));
	if (!cols || !defs)
		return co_errf(e, CO_ENOMEM, "out of memory");
	for (m = 0; m < d->nmeasures; m++)
		if (d->measures[m].shared) {
			defs[ncols] = d->measures[m].def;
			cols[ncols++] = m;
		}
	series = co_arena_calloc(ctx->arena, (size_t)(d->nteams * ncols) + 1, sizeof(*series));
	cells = co_arena_calloc(ctx->arena, (size_t)(d->nteams * ncols) + 1, sizeof(*cells));
	if (!series || !cells)
		return co_errf(e, CO_ENOMEM, "out of memory");
	for (t = 0; t < d->nteams; t++)
		for (m = 0; m < ncols; m++) {
			series[t * ncols + m] = d->series[t * d->nmeasures + cols[m]];
			series[t * ncols + m].team = t;
			series[t * ncols + m].measure = m;
		}
	if ((rc = imp_matrix(defs, ncols, d->nteams, series, d->nteams * ncols, cells, e)) < 0)
		return rc;
	measures = json_array();
	rows = json_array();
	for (m = 0; m < ncols; m++)
		json_array_append_new(measures, imp__measure_json(&d->measures[cols[m]]));
	for (t = 0; t < d->nteams; t++) {
		json_t *row =
		        json_pack("{s:o,s:[]}", "team", imp__team_json(&d->teams[t]), "cells");
		json_t *arr = json_object_get(row, "cells");

		for (m = 0; m < ncols; m++) {
			const struct imp_matrix_cell *c = &cells[t * ncols + m];
			json_t *cell;

			if (c->state != IMP_CELL_OK) {
				json_array_append_new(
				        arr,
				        json_pack("{s:s,s:I}", "state",
				                  c->state == IMP_CELL_ERROR ? "error" : "empty",
				                  "points", (json_int_t)c->npoints));
				continue;
			}
			cell = json_pack("{s:s,s:I,s:o,s:o,s:s}", "state", "ok", "points",
			                 (json_int_t)c->npoints, "variation",
			                 icon_json(ctx, spc_icon_name(c->variation),
			                           imp_variation_words(c->variation)),
			                 "assurance",
			                 icon_json(ctx, spc_assurance_name(c->assurance),
			                           imp_assurance_words(c->assurance)),
			                 "last_period",
			                 imp__month_text(ctx->arena, c->last_period));
			json_object_set_new(cell, "last_value", num_or_null(c->last));
			json_array_append_new(arr, cell);
		}
		json_array_append_new(rows, row);
	}
	j = json_pack("{s:o,s:o,s:o}", "collaborative", imp__collab_json(&d->collab), "measures",
	              measures, "rows", rows);
	if (!j)
		return co_errf(e, CO_ENOMEM, "out of memory");
	*out = j;
	return 0;
}

int imp__chart_json(struct web_ctx *ctx, const struct imp__data *d, int team, int measure, int svg,
                    json_t **out, struct co_err *e)
{
	const struct imp_series *s = &d->series[team * d->nmeasures + measure];
	const struct imp__measure *m = &d->measures[measure];
	struct spc_result *r = NULL;
	struct spc_point p;
	const struct spc_series *se;
	json_t *j, *points, *signals, *phases;
	size_t i, np;
	uint32_t bit;
	char rule[96];
	int rc, ratio = imp_data_type_is_ratio(m->def.type);

	j = json_pack("{s:o,s:o,s:[],s:[],s:[]}", "measure", imp__measure_json(m), "team",
	              imp__team_json(&d->teams[team]), "points", "signals", "phases");
	if (!j)
		return co_errf(e, CO_ENOMEM, "out of memory");
	points = json_object_get(j, "points");
	signals = json_object_get(j, "signals");
	phases = json_object_get(j, "phases");
	if (s->baseline_to > 0)
		json_object_set_new(j, "baseline_to",
		                    json_string(imp__month_text(ctx->arena, s->baseline_to)));
	for (i = 0; i < s->nphases; i++)
		json_array_append_new(phases,
		                      json_string(imp__month_text(ctx->arena, s->phase_starts[i])));
	if (s->n < 2) {
		/* too few points for a chart: list what there is */
		for (i = 0; i < s->n; i++)
			json_array_append_new(
			        points,
			        json_pack("{s:s,s:o,s:o,s:o,s:s}", "period",
			                  imp__month_text(ctx->arena, s->x[i]), "value",
			                  num_or_null(ratio ? s->y[i] / s->den[i] * m->multiplier
			                                    : s->y[i]),
			                  "numerator", ratio ? json_real(s->y[i]) : json_null(),
			                  "denominator", ratio ? json_real(s->den[i]) : json_null(),
			                  "notes", s->notes[i] ? s->notes[i] : ""));
		*out = j;
		return 0;
	}
	if ((rc = imp_chart_run(&m->def, s, &r, e)) < 0) {
		json_decref(j);
		return rc;
	}
	np = spc_result_npoints(r);
	se = spc_result_series(r, 0);
	json_object_set_new(
	        j, "variation",
	        icon_json(ctx, spc_icon_name(se->variation), imp_variation_words(se->variation)));
	json_object_set_new(j, "assurance",
	                    icon_json(ctx, spc_assurance_name(se->assurance),
	                              imp_assurance_words(se->assurance)));
	for (i = 0; i < np; i++) {
		json_t *pt, *sig = json_array();

		spc_point_get(r, i, &p);
		for (bit = 1; bit && bit <= SPC_SIG_RUN_BELOW; bit <<= 1) {
			if (!(p.signals & bit))
				continue;
			spc_signal_describe(r, bit, rule, sizeof(rule));
			json_array_append_new(sig, json_pack("{s:s,s:s}", "words",
			                                     web_t(ctx, imp_signal_words(bit)),
			                                     "rule", rule));
		}
		pt = json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:s,s:s}", "period",
		               imp__month_text(ctx->arena, p.x), "value", num_or_null(p.y), "cl",
		               num_or_null(p.cl), "lcl", num_or_null(p.lcl), "ucl",
		               num_or_null(p.ucl), "numerator",
		               ratio && i < s->n ? json_real(s->y[i]) : json_null(), "denominator",
		               ratio && i < s->n ? json_real(s->den[i]) : json_null(), "excluded",
		               !p.include, "class", spc_class_name(p.cls), "notes",
		               p.notes ? p.notes : "");
		json_object_set(pt, "signals", sig);
		if (json_array_size(sig))
			json_array_append_new(signals, json_pack("{s:s,s:O}", "period",
			                                         imp__month_text(ctx->arena, p.x),
			                                         "signals", sig));
		json_decref(sig);
		json_array_append_new(points, pt);
	}
	if (svg) {
		struct co_buf b;

		co_buf_init(&b, CO_MAX_PAGE);
		if (spc_svg_write(r, 0, m->name, &b) == 0)
			json_object_set_new(j, "svg", json_stringn(b.data, b.len));
		co_buf_free(&b);
	}
	spc_result_free(r);
	*out = j;
	return 0;
}

/*
 * The dashboard cache. Computing the matrix means reading every value of
 * the collaborative and running a chart per team and measure; it changes
 * only when the collaborative's data_version moves on (imp_store_touch), so
 * each process keeps the last few answers, as JSON text, by collaborative,
 * version and language. One cheap query checks the version per request, so
 * several servers on one database never show a stale matrix.
 *
 * Owned by this file; IMP_CACHE entries, each freed when replaced; guarded
 * by one mutex (held only to copy in or out, never while computing).
 */
#define IMP_CACHE 8

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	int64_t collab, version;
	char lang[4];
	char *json;
	size_t len;
	unsigned long used;
} cache[IMP_CACHE];
static unsigned long cache_clock;

int imp__matrix_cached(struct web_ctx *ctx, int64_t collab_id, json_t **out, const char **text_out,
                       size_t *len_out, struct co_err *e)
{
	struct db_conn *c;
	struct imp__data d;
	json_t *m;
	json_error_t jerr;
	int64_t version;
	char *text = NULL;
	size_t len = 0;
	int rc, i, slot = 0;

	if ((rc = web_db(ctx, &c, e)) < 0 ||
	    (rc = db_query_int(c, "SELECT data_version FROM imp_collaboratives WHERE id = ?",
	                       DB_ARGS(DB_I(collab_id)), &version, e)) < 0)
		return rc;
	pthread_mutex_lock(&cache_lock);
	for (i = 0; i < IMP_CACHE; i++)
		if (cache[i].json && cache[i].collab == collab_id && cache[i].version == version &&
		    strcmp(cache[i].lang, ctx->lang) == 0) {
			cache[i].used = ++cache_clock;
			if (out)
				m = json_loadb(cache[i].json, cache[i].len, 0, &jerr);
			else
				m = (json_t *)co_arena_strndup(ctx->arena, cache[i].json,
				                               cache[i].len);
			len = cache[i].len;
			pthread_mutex_unlock(&cache_lock);
			if (!m)
				return co_errf(e, CO_ENOMEM, "out of memory");
			if (out)
				*out = m;
			else {
				*text_out = (const char *)m;
				*len_out = len;
			}
			return 0;
		}
	pthread_mutex_unlock(&cache_lock);

	if ((rc = imp__load(c, collab_id, 0, IMP__LOAD_VALUES, ctx->arena, &d, e)) < 0 ||
	    (rc = imp__matrix_json(ctx, &d, &m, e)) < 0)
		return rc;
	json_object_set_new(m, "data_version", json_integer(version));
	text = json_dumps(m, JSON_COMPACT);
	if (!text) {
		if (out) {
			*out = m; /* answer without keeping it */
			return 0;
		}
		json_decref(m);
		return co_errf(e, CO_ENOMEM, "out of memory");
	}
	len = strlen(text);
	/* the caller's copy is made before the cache owns the text */
	if (!out)
		*text_out = co_arena_strndup(ctx->arena, text, len);
	pthread_mutex_lock(&cache_lock);
	/* an empty slot, or else the one used longest ago */
	for (i = 0; i < IMP_CACHE; i++) {
		if (!cache[i].json) {
			slot = i;
			break;
		}
		if (cache[i].used < cache[slot].used)
			slot = i;
	}
	free(cache[slot].json);
	cache[slot].collab = collab_id;
	cache[slot].version = version;
	snprintf(cache[slot].lang, sizeof(cache[slot].lang), "%s", ctx->lang);
	cache[slot].json = text;
	cache[slot].len = len;
	cache[slot].used = ++cache_clock;
	pthread_mutex_unlock(&cache_lock);
	if (out) {
		*out = m;
		return 0;
	}
	json_decref(m);
	*len_out = len;
	return *text_out ? 0 : co_errf(e, CO_ENOMEM, "out of memory");
}
