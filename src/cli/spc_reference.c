/*
 * spc_reference.c - runs the peers' reference cases through the engine and
 * compares every number (relative tolerance 1e-9) and every flag and label
 * exactly (`collective spc --reference DIR`, used by tests/spc-reference/run).
 *
 * The case format is ../shared/spc-reference/FORMAT.md: an input CSV, the
 * options the peer was called with, and the peer's output. Each profile's
 * output is rebuilt here from the engine's result in the peer's row order
 * and with the peer's column names, then compared key by key: every key the
 * peer gives must be present and equal (keys the engine adds are ignored).
 */
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "cli/spc_cli.h"
#include "spc/spc.h"

#define TOL 1e-9

struct refcase {
	const char *peer, *name, *path;
	json_t *root, *opt, *expect;
	const char *profile, *chart, *xtype;
	struct spc_table t;
	/* input columns */
	double *x, *y, *n;
	const char **f1, **f2, **notes, **part;
	unsigned char *is_new;
	double *traj;
	char **xlabel; /* category labels by order, 1-based */
	size_t nlabels;
	struct spc_result *res;
	struct spc_options o;
	struct spc_facet_values *fv;
	size_t nfv;
	struct spc_facet_values *tv;
	size_t ntv;
	long *parts, *excl;
	char diff[1024];
};

static int fail(struct refcase *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct refcase *c, const char *fmt, ...)
{
	va_list ap;

	if (c->diff[0])
		return 1;
	va_start(ap, fmt);
	vsnprintf(c->diff, sizeof(c->diff), fmt, ap);
	va_end(ap);
	return 1;
}

static int num_eq(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	if (a == b)
		return 1;
	return fabs(a - b) <= TOL * fmax(fabs(a), fabs(b));
}

/* Compares one expected JSON value with ours: a number (NAN = null), a
 * string (NULL = null) or a boolean (-1 = null). */
static int cmp_num(struct refcase *c, const char *where, size_t row, const char *key, json_t *e,
                   double got)
{
	if (!e)
		return fail(c, "%s[%zu].%s: missing in the expectation", where, row, key);
	if (json_is_null(e)) {
		if (!isnan(got))
			return fail(c, "%s[%zu].%s: expected null, got %.17g", where, row, key,
			            got);
		return 0;
	}
	if (json_is_string(e)) {
		char *end;
		double v = strtod(json_string_value(e), &end);

		if (*end || !num_eq(v, got))
			return fail(c, "%s[%zu].%s: expected \"%s\", got %.17g", where, row, key,
			            json_string_value(e), got);
		return 0;
	}
	if (!json_is_number(e))
		return fail(c, "%s[%zu].%s: expected a non-number, got %.17g", where, row, key,
		            got);
	if (!num_eq(json_number_value(e), got))
		return fail(c, "%s[%zu].%s: expected %.17g, got %.17g", where, row, key,
		            json_number_value(e), got);
	return 0;
}

static int cmp_str(struct refcase *c, const char *where, size_t row, const char *key, json_t *e,
                   const char *got)
{
	char buf[64];

	if (!e)
		return fail(c, "%s[%zu].%s: missing in the expectation", where, row, key);
	if (json_is_null(e)) {
		if (got)
			return fail(c, "%s[%zu].%s: expected null, got \"%s\"", where, row, key,
			            got);
		return 0;
	}
	if (!got)
		return fail(c, "%s[%zu].%s: expected a value, got null", where, row, key);
	if (json_is_number(e)) {
		char *end;
		double v = strtod(got, &end);

		if (*end || !num_eq(v, json_number_value(e)))
			return fail(c, "%s[%zu].%s: expected %.17g, got \"%s\"", where, row, key,
			            json_number_value(e), got);
		return 0;
	}
	if (json_is_string(e)) {
		if (strcmp(json_string_value(e), got) != 0)
			return fail(c, "%s[%zu].%s: expected \"%s\", got \"%s\"", where, row, key,
			            json_string_value(e), got);
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", json_is_true(e) ? "true" : "false");
	return fail(c, "%s[%zu].%s: expected %s, got \"%s\"", where, row, key, buf, got);
}

static int cmp_bool(struct refcase *c, const char *where, size_t row, const char *key, json_t *e,
                    int got)
{
	if (!e)
		return fail(c, "%s[%zu].%s: missing in the expectation", where, row, key);
	if (json_is_null(e)) {
		if (got != -1)
			return fail(c, "%s[%zu].%s: expected null, got %s", where, row, key,
			            got ? "true" : "false");
		return 0;
	}
	if (!json_is_boolean(e))
		return fail(c, "%s[%zu].%s: expected a non-boolean", where, row, key);
	if (got == -1 || (got != 0) != json_is_true(e))
		return fail(c, "%s[%zu].%s: expected %s, got %s", where, row, key,
		            json_is_true(e) ? "true" : "false",
		            got == -1 ? "null"
		            : got     ? "true"
		                      : "false");
	return 0;
}

/* ---- input ---- */

static double num_cell(const char *s)
{
	char *end;
	double v;

	if (!s || !*s)
		return NAN;
	v = strtod(s, &end);
	return *end ? NAN : v;
}

static int load_input(struct refcase *c, const char *csv_path)
{
	FILE *f = fopen(csv_path, "rb");
	struct co_err err;
	size_t i, n;
	int cx, cy, cn, cf1, cf2, cnotes, cpart, cgroup, cphase, ctraj;

	if (!f)
		return fail(c, "cannot open %s", csv_path);
	co_err_clear(&err);
	if (spc_table_read(&c->t, f, &err)) {
		char m[600];

		fclose(f);
		co_err_format(&err, m, sizeof(m));
		return fail(c, "input: %s", m);
	}
	fclose(f);
	n = c->t.nrows;
	cx = spc_table_col(&c->t, "x");
	cy = spc_table_col(&c->t, "y");
	cn = spc_table_col(&c->t, "n");
	cf1 = spc_table_col(&c->t, "facet1");
	cf2 = spc_table_col(&c->t, "facet2");
	cnotes = spc_table_col(&c->t, "notes");
	cpart = spc_table_col(&c->t, "part");
	cgroup = spc_table_col(&c->t, "group");
	cphase = spc_table_col(&c->t, "phase");
	ctraj = spc_table_col(&c->t, "trajectory");
	if (cy < 0)
		return fail(c, "input has no y column");
	c->y = calloc(n + 1, sizeof(double));
	c->x = calloc(n + 1, sizeof(double));
	c->xlabel = calloc(n + 2, sizeof(char *));
	if (!c->y || !c->x || !c->xlabel)
		return fail(c, "out of memory");
	for (i = 0; i < n; i++)
		c->y[i] = num_cell(c->t.cells[cy][i]);
	if (cn >= 0) {
		c->n = calloc(n + 1, sizeof(double));
		for (i = 0; i < n; i++)
			c->n[i] = num_cell(c->t.cells[cn][i]);
	}
	if (cgroup >= 0)
		cx = cgroup;
	for (i = 0; i < n; i++) {
		const char *s = cx >= 0 ? c->t.cells[cx][i] : NULL;

		if (!s) {
			c->x[i] = (double)(i + 1);
		} else if (!*s) {
			c->x[i] = NAN;
		} else if (strcmp(c->xtype, "date") == 0) {
			if (!spc_parse_date(s, &c->x[i]))
				return fail(c, "bad date %s", s);
		} else if (strcmp(c->xtype, "category") == 0) {
			size_t k;

			for (k = 1; k <= c->nlabels; k++)
				if (c->xlabel[k] && strcmp(c->xlabel[k], s) == 0)
					break;
			if (k > c->nlabels)
				c->xlabel[++c->nlabels] = (char *)s;
			c->x[i] = (double)k;
		} else {
			c->x[i] = num_cell(s);
		}
	}
#define STRCOL(col, dst)                                                                           \
	if ((col) >= 0) {                                                                          \
		(dst) = calloc(n + 1, sizeof(char *));                                             \
		for (i = 0; (dst) && i < n; i++)                                                   \
			(dst)[i] = c->t.cells[(col)][i];                                           \
	}
	STRCOL(cf1, c->f1)
	STRCOL(cf2, c->f2)
	STRCOL(cnotes, c->notes)
	STRCOL(cpart, c->part)
#undef STRCOL
	if (cphase >= 0) {
		c->is_new = calloc(n + 1, 1);
		for (i = 0; i < n; i++)
			c->is_new[i] = strcmp(c->t.cells[cphase][i], "new") == 0;
	}
	if (ctraj >= 0) {
		c->traj = calloc(n + 1, sizeof(double));
		for (i = 0; i < n; i++)
			c->traj[i] = num_cell(c->t.cells[ctraj][i]);
	}
	return 0;
}

static long *long_list(json_t *a, size_t *n)
{
	long *v;
	size_t i;

	*n = 0;
	if (!json_is_array(a))
		return NULL;
	v = calloc(json_array_size(a) + 1, sizeof(long));
	for (i = 0; v && i < json_array_size(a); i++)
		v[(*n)++] = (long)json_number_value(json_array_get(a, i));
	return v;
}

static int set_options(struct refcase *c)
{
	json_t *o = c->opt, *v;
	int chart;

	if (strcmp(c->chart, "xmr") == 0 || strcmp(c->chart, "xbar.one") == 0)
		chart = SPC_CHART_I;
	else
		chart = spc_chart_parse(c->chart);
	if (chart < 0)
		return fail(c, "unknown chart %s", c->chart);
	spc_options_init(&c->o, (enum spc_chart)chart);
	c->o.xkind = strcmp(c->xtype, "date") == 0       ? SPC_X_DATE
	             : strcmp(c->xtype, "category") == 0 ? SPC_X_CATEGORY
	             : strcmp(c->xtype, "index") == 0    ? SPC_X_INDEX
	                                                 : SPC_X_NUMBER;
	if (strcmp(c->profile, "qicharts2") == 0) {
		spc_options_profile(&c->o, SPC_PROFILE_QICHARTS2);
		if ((v = json_object_get(o, "multiply")))
			c->o.multiply = json_number_value(v);
		if ((v = json_object_get(o, "freeze")))
			c->o.freeze = (long)json_number_value(v);
		if ((v = json_object_get(o, "part")))
			c->parts = long_list(v, &c->o.nparts);
		c->o.parts = c->parts;
		if (!json_is_true(json_object_get(o, "part_column")))
			c->part = NULL;
		if ((v = json_object_get(o, "exclude")))
			c->excl = long_list(v, &c->o.nexclude);
		c->o.exclude = c->excl;
		if ((v = json_object_get(o, "cl")))
			c->o.cl = json_number_value(v);
		if ((v = json_object_get(o, "target")))
			c->o.target = json_number_value(v);
		if ((v = json_object_get(o, "y_neg")))
			c->o.y_neg = json_is_true(v);
		if ((v = json_object_get(o, "screen_mr")))
			c->o.screen_mr = json_is_true(v);
		if ((v = json_object_get(o, "agg_fun"))) {
			const char *s = json_string_value(v);

			c->o.agg = strcmp(s, "median") == 0 ? SPC_AGG_MEDIAN
			           : strcmp(s, "sum") == 0  ? SPC_AGG_SUM
			           : strcmp(s, "sd") == 0   ? SPC_AGG_SD
			                                    : SPC_AGG_MEAN;
		}
		if ((v = json_object_get(o, "method"))) {
			const char *s = json_string_value(v);

			c->o.method = strcmp(s, "bestbox") == 0  ? SPC_METHOD_BESTBOX
			              : strcmp(s, "cutbox") == 0 ? SPC_METHOD_CUTBOX
			                                         : SPC_METHOD_ANHOEJ;
		}
	} else if (strcmp(c->profile, "ptd") == 0) {
		spc_options_profile(&c->o, SPC_PROFILE_PTD);
		c->o.direction = SPC_DIR_INCREASE;
		if ((v = json_object_get(o, "improvement_direction"))) {
			const char *s = json_string_value(v);

			c->o.direction = strcmp(s, "decrease") == 0  ? SPC_DIR_DECREASE
			                 : strcmp(s, "neutral") == 0 ? SPC_DIR_NEUTRAL
			                                             : SPC_DIR_INCREASE;
		}
		if ((v = json_object_get(o, "fix_after_n_points")))
			c->o.fix_after = (long)json_number_value(v);
		if ((v = json_object_get(o, "screen_outliers")))
			c->o.screen_mr = json_is_true(v);
		if ((v = json_object_get(o, "warning_threshold")))
			c->o.warning_threshold = (int)json_number_value(v);
		if ((v = json_object_get(o, "rebase")) && json_is_object(v)) {
			const char *key;
			json_t *dates;

			c->fv = calloc(json_object_size(v) + 1, sizeof(*c->fv));
			json_object_foreach(v, key, dates)
			{
				double *d = calloc(json_array_size(dates) + 1, sizeof(double));
				size_t i;

				for (i = 0; i < json_array_size(dates); i++)
					spc_parse_date(json_string_value(json_array_get(dates, i)),
					               &d[i]);
				c->fv[c->nfv].label = key;
				c->fv[c->nfv].v = d;
				c->fv[c->nfv].n = json_array_size(dates);
				c->nfv++;
			}
			c->o.rebase = c->fv;
			c->o.nrebase = c->nfv;
		}
		if ((v = json_object_get(o, "target"))) {
			if (json_is_number(v)) {
				c->o.target = json_number_value(v);
			} else if (json_is_object(v)) {
				const char *key;
				json_t *t;

				c->tv = calloc(json_object_size(v) + 1, sizeof(*c->tv));
				json_object_foreach(v, key, t)
				{
					double *d = calloc(1, sizeof(double));

					*d = json_number_value(t);
					c->tv[c->ntv].label = key;
					c->tv[c->ntv].v = d;
					c->tv[c->ntv].n = 1;
					c->ntv++;
				}
				c->o.targets = c->tv;
				c->o.ntargets = c->ntv;
			}
		}
	} else if (strcmp(c->profile, "qcc") == 0) {
		spc_options_profile(&c->o, SPC_PROFILE_QCC);
		if ((v = json_object_get(o, "nsigmas")))
			c->o.nsigmas = json_number_value(v);
		if ((v = json_object_get(o, "confidence_level")))
			c->o.conf_level = json_number_value(v);
		if ((v = json_object_get(o, "run_length")))
			c->o.run_length = (int)json_number_value(v);
		if ((v = json_object_get(o, "std_dev"))) {
			static const char *const names[] = {"",        "UWAVE-R",  "UWAVE-SD",
			                                    "MVLUE-R", "MVLUE-SD", "RMSDF",
			                                    "MR",      "SD"};
			const char *s = json_string_value(v);
			int k;

			for (k = 1; k < 8; k++)
				if (strcmp(s, names[k]) == 0)
					c->o.sd_method = (enum spc_sd_method)k;
		}
	} else {
		return fail(c, "unknown profile %s", c->profile);
	}
	return 0;
}

/* ---- comparison per profile ---- */

static const char *x_text(struct refcase *c, double x, char *buf)
{
	if (strcmp(c->xtype, "date") == 0) {
		spc_format_date(x, buf);
		return buf;
	}
	if (strcmp(c->xtype, "category") == 0 && x >= 1 && x <= (double)c->nlabels)
		return c->xlabel[(size_t)x];
	co_dtoa(x, buf);
	return buf;
}

struct ordered {
	size_t i, part, series;
	int number;
};

static int ord_cmp(const void *a, const void *b)
{
	const struct ordered *p = a, *q = b;

	if (p->number != q->number)
		return p->number - q->number;
	if (p->series != q->series)
		return p->series < q->series ? -1 : 1;
	return p->i < q->i ? -1 : p->i > q->i;
}

static int cmp_qicharts2(struct refcase *c)
{
	struct spc_result *r = c->res;
	json_t *pts = json_object_get(c->expect, "points"), *parts;
	size_t np = spc_result_npoints(r), k;
	struct ordered *ord = calloc(np + 1, sizeof(*ord));
	char buf[32];

	if (!ord)
		return fail(c, "out of memory");
	for (k = 0; k < np; k++) {
		struct spc_point p;

		spc_point_get(r, k, &p);
		ord[k].i = k;
		ord[k].part = p.part;
		ord[k].series = p.series;
		ord[k].number = spc_result_part(r, p.part)->number;
	}
	qsort(ord, np, sizeof(*ord), ord_cmp);
	if (json_array_size(pts) != np) {
		free(ord);
		return fail(c, "points: expected %zu rows, got %zu", json_array_size(pts), np);
	}
	for (k = 0; k < np && !c->diff[0]; k++) {
		json_t *e = json_array_get(pts, k);
		struct spc_point p;
		const struct spc_part *pt;
		const struct spc_series *se;
		int useful;

		spc_point_get(r, ord[k].i, &p);
		pt = spc_result_part(r, p.part);
		se = spc_result_series(r, p.series);
		useful = pt->n_useful > 0;
		cmp_str(c, "points", k, "x", json_object_get(e, "x"), x_text(c, p.x, buf));
		cmp_str(c, "points", k, "facet1", json_object_get(e, "facet1"),
		        c->f1 ? se->label : "1");
		cmp_str(c, "points", k, "facet2", json_object_get(e, "facet2"),
		        c->f2 ? se->label2 : "1");
		cmp_num(c, "points", k, "y.sum", json_object_get(e, "y.sum"), p.y_sum);
		cmp_num(c, "points", k, "y.length", json_object_get(e, "y.length"),
		        (double)p.y_count);
		cmp_num(c, "points", k, "y.mean", json_object_get(e, "y.mean"), p.y_mean);
		cmp_num(c, "points", k, "y.sd", json_object_get(e, "y.sd"), p.y_sd);
		cmp_num(c, "points", k, "n", json_object_get(e, "n"), p.n);
		cmp_num(c, "points", k, "y", json_object_get(e, "y"), p.y);
		cmp_num(c, "points", k, "cl", json_object_get(e, "cl"), p.cl);
		cmp_num(c, "points", k, "target", json_object_get(e, "target"), p.target);
		cmp_str(c, "points", k, "notes", json_object_get(e, "notes"), p.notes);
		cmp_num(c, "points", k, "part", json_object_get(e, "part"), pt->number);
		cmp_num(c, "points", k, "xx", json_object_get(e, "xx"), (double)p.xx);
		cmp_bool(c, "points", k, "baseline", json_object_get(e, "baseline"), p.baseline);
		cmp_bool(c, "points", k, "include", json_object_get(e, "include"), p.include);
		cmp_num(c, "points", k, "lcl", json_object_get(e, "lcl"), p.lcl);
		cmp_num(c, "points", k, "ucl", json_object_get(e, "ucl"), p.ucl);
		cmp_num(c, "points", k, "lcl.95", json_object_get(e, "lcl.95"), p.lcl2);
		cmp_num(c, "points", k, "ucl.95", json_object_get(e, "ucl.95"), p.ucl2);
		cmp_num(c, "points", k, "n.obs", json_object_get(e, "n.obs"), (double)pt->n_obs);
		cmp_num(c, "points", k, "n.useful", json_object_get(e, "n.useful"),
		        (double)pt->n_useful);
		cmp_bool(c, "points", k, "runs.signal", json_object_get(e, "runs.signal"),
		         pt->runs_signal);
		cmp_num(c, "points", k, "longest.run", json_object_get(e, "longest.run"),
		        useful ? (double)pt->longest_run : NAN);
		cmp_num(c, "points", k, "longest.run.max", json_object_get(e, "longest.run.max"),
		        useful ? (double)pt->longest_run_max : NAN);
		cmp_num(c, "points", k, "n.crossings", json_object_get(e, "n.crossings"),
		        useful ? (double)pt->crossings : NAN);
		cmp_num(c, "points", k, "n.crossings.min", json_object_get(e, "n.crossings.min"),
		        useful ? (double)pt->crossings_min : NAN);
		cmp_bool(c, "points", k, "sigma.signal", json_object_get(e, "sigma.signal"),
		         p.sigma_signal);
	}
	parts = json_object_get(c->expect, "parts");
	if (!c->diff[0] && parts) {
		size_t row = 0, a = 0;

		while (a < np && !c->diff[0]) {
			size_t b = a, j, nsig = 0, nl = 0, nu = 0;
			double sl = 0, su = 0;
			struct spc_point p0, p1, p;
			const struct spc_part *pt = spc_result_part(r, ord[a].part);
			const struct spc_series *se = spc_result_series(r, ord[a].series);
			json_t *e = json_array_get(parts, row);

			while (b < np && ord[b].part == ord[a].part)
				b++;
			spc_point_get(r, ord[a].i, &p0);
			spc_point_get(r, ord[b - 1].i, &p1);
			for (j = a; j < b; j++) {
				spc_point_get(r, ord[j].i, &p);
				nsig += p.sigma_signal;
				if (!isnan(p.lcl)) {
					sl += p.lcl;
					nl++;
				}
				if (!isnan(p.ucl)) {
					su += p.ucl;
					nu++;
				}
			}
			if (!e) {
				fail(c, "parts: more parts than expected");
				break;
			}
			cmp_str(c, "parts", row, "facet1", json_object_get(e, "facet1"),
			        c->f1 ? se->label : "1");
			cmp_str(c, "parts", row, "facet2", json_object_get(e, "facet2"),
			        c->f2 ? se->label2 : "1");
			cmp_num(c, "parts", row, "part", json_object_get(e, "part"), pt->number);
			cmp_num(c, "parts", row, "n.points", json_object_get(e, "n.points"),
			        (double)(b - a));
			cmp_num(c, "parts", row, "n.obs", json_object_get(e, "n.obs"),
			        (double)pt->n_obs);
			cmp_num(c, "parts", row, "n.useful", json_object_get(e, "n.useful"),
			        (double)pt->n_useful);
			cmp_num(c, "parts", row, "longest.run", json_object_get(e, "longest.run"),
			        pt->n_useful ? (double)pt->longest_run : NAN);
			cmp_num(c, "parts", row, "longest.run.max",
			        json_object_get(e, "longest.run.max"),
			        pt->n_useful ? (double)pt->longest_run_max : NAN);
			cmp_num(c, "parts", row, "n.crossings", json_object_get(e, "n.crossings"),
			        pt->n_useful ? (double)pt->crossings : NAN);
			cmp_num(c, "parts", row, "n.crossings.min",
			        json_object_get(e, "n.crossings.min"),
			        pt->n_useful ? (double)pt->crossings_min : NAN);
			cmp_bool(c, "parts", row, "runs.signal", json_object_get(e, "runs.signal"),
			         pt->runs_signal);
			cmp_num(c, "parts", row, "sigma.signal.count",
			        json_object_get(e, "sigma.signal.count"), (double)nsig);
			cmp_num(c, "parts", row, "cl.first", json_object_get(e, "cl.first"), p0.cl);
			cmp_num(c, "parts", row, "cl.last", json_object_get(e, "cl.last"), p1.cl);
			cmp_num(c, "parts", row, "mean.lcl", json_object_get(e, "mean.lcl"),
			        nl ? sl / (double)nl : NAN);
			cmp_num(c, "parts", row, "mean.ucl", json_object_get(e, "mean.ucl"),
			        nu ? su / (double)nu : NAN);
			row++;
			a = b;
		}
		if (!c->diff[0] && row != json_array_size(parts))
			fail(c, "parts: expected %zu, got %zu", json_array_size(parts), row);
	}
	free(ord);
	return c->diff[0] != 0;
}

static double traj_of(struct refcase *c, const char *facet, double x)
{
	size_t i;

	if (!c->traj)
		return NAN;
	for (i = 0; i < c->t.nrows; i++)
		if (c->x[i] == x && (!c->f1 || strcmp(c->f1[i], facet) == 0))
			return c->traj[i];
	return NAN;
}

static int cmp_ptd(struct refcase *c)
{
	struct spc_result *r = c->res;
	json_t *pts = json_object_get(c->expect, "points"), *sum, *icons, *assur;
	size_t np = spc_result_npoints(r), k, s, row;
	char buf[32];

	if (json_array_size(pts) != np)
		return fail(c, "points: expected %zu rows, got %zu", json_array_size(pts), np);
	for (k = 0; k < np && !c->diff[0]; k++) {
		json_t *e = json_array_get(pts, k);
		struct spc_point p;
		const struct spc_part *pt;
		const struct spc_series *se;
		int na;

		spc_point_get(r, k, &p);
		na = isnan(p.y);
		pt = spc_result_part(r, p.part);
		se = spc_result_series(r, p.series);
		cmp_num(c, "points", k, "y", json_object_get(e, "y"), p.y);
		cmp_str(c, "points", k, "x", json_object_get(e, "x"), x_text(c, p.x, buf));
		cmp_str(c, "points", k, "f", json_object_get(e, "f"),
		        c->f1 ? se->label : "no facet");
		cmp_num(c, "points", k, "trajectory", json_object_get(e, "trajectory"),
		        traj_of(c, se->label, p.x));
		cmp_num(c, "points", k, "rebase_group", json_object_get(e, "rebase_group"),
		        pt->group);
		cmp_bool(c, "points", k, "short_group_warning",
		         json_object_get(e, "short_group_warning"), pt->short_group);
		cmp_num(c, "points", k, "fix_y", json_object_get(e, "fix_y"),
		        p.baseline ? p.y : NAN);
		cmp_num(c, "points", k, "mean_col", json_object_get(e, "mean_col"), p.cl);
		cmp_num(c, "points", k, "lpl", json_object_get(e, "lpl"), p.lcl);
		cmp_num(c, "points", k, "upl", json_object_get(e, "upl"), p.ucl);
		cmp_bool(c, "points", k, "outside_limits", json_object_get(e, "outside_limits"),
		         na || isnan(p.lcl) || isnan(p.ucl) ? -1 : p.sigma_signal);
		cmp_num(c, "points", k, "relative_to_mean", json_object_get(e, "relative_to_mean"),
		        na || isnan(p.cl) ? NAN : p.side);
		cmp_bool(c, "points", k, "close_to_limits", json_object_get(e, "close_to_limits"),
		         na || isnan(p.lcl2) || isnan(p.ucl2) ? -1 : p.close);
		cmp_str(c, "points", k, "special_cause_type",
		        json_object_get(e, "special_cause_type"), spc_cause_name(p.cause));
		cmp_bool(c, "points", k, "special_cause_flag",
		         json_object_get(e, "special_cause_flag"), p.cause != SPC_CAUSE_COMMON);
		cmp_str(c, "points", k, "point_type", json_object_get(e, "point_type"),
		        spc_class_name(p.cls));
		cmp_num(c, "points", k, "target", json_object_get(e, "target"), p.target);
	}
	sum = json_object_get(c->expect, "summary");
	row = 0;
	for (s = 0; s < spc_result_nseries(r) && !c->diff[0]; s++) {
		const struct spc_series *se = spc_result_series(r, s);
		size_t q;

		for (q = se->first_part; q < se->first_part + se->nparts && !c->diff[0]; q++) {
			const struct spc_part *pt = spc_result_part(r, q);
			json_t *e = json_array_get(sum, row), *v;
			struct spc_point p0, pl;
			size_t j, ncommon = 0, nimp = 0, ncon = 0;

			if (!e) {
				fail(c, "summary: more groups than expected");
				break;
			}
			spc_point_get(r, pt->first, &p0);
			spc_point_get(r, pt->first + pt->count - 1, &pl);
			for (j = pt->first; j < pt->first + pt->count; j++) {
				struct spc_point p;

				spc_point_get(r, j, &p);
				ncommon += p.cause == SPC_CAUSE_COMMON;
				nimp += p.cls == SPC_CLASS_IMPROVEMENT;
				ncon += p.cls == SPC_CLASS_CONCERN;
			}
			if ((v = json_object_get(e, "f")))
				cmp_str(c, "summary", row, "f", v, se->label);
			if ((v = json_object_get(e, "rebase_group")))
				cmp_num(c, "summary", row, "rebase_group", v, pt->group);
			cmp_num(c, "summary", row, "mean_col", json_object_get(e, "mean_col"),
			        p0.cl);
			cmp_num(c, "summary", row, "lpl", json_object_get(e, "lpl"), p0.lcl);
			cmp_num(c, "summary", row, "upl", json_object_get(e, "upl"), p0.ucl);
			cmp_num(c, "summary", row, "n", json_object_get(e, "n"), (double)pt->count);
			cmp_num(c, "summary", row, "common_cause",
			        json_object_get(e, "common_cause"), (double)ncommon);
			cmp_num(c, "summary", row, "special_cause_improvement",
			        json_object_get(e, "special_cause_improvement"), (double)nimp);
			cmp_num(c, "summary", row, "special_cause_concern",
			        json_object_get(e, "special_cause_concern"), (double)ncon);
			cmp_str(c, "summary", row, "variation_type",
			        json_object_get(e, "variation_type"), spc_class_name(pl.cls));
			if ((v = json_object_get(e, "assurance_type")))
				cmp_str(c, "summary", row, "assurance_type", v,
				        q + 1 == se->first_part + se->nparts &&
				                        se->assurance != SPC_ASSURE_NONE
				                ? (se->assurance == SPC_ASSURE_PASS
				                           ? "consistent_pass"
				                   : se->assurance == SPC_ASSURE_FAIL
				                           ? "consistent_fail"
				                           : "inconsistent")
				                : NULL);
			row++;
		}
	}
	if (!c->diff[0] && row != json_array_size(sum))
		fail(c, "summary: expected %zu rows, got %zu", json_array_size(sum), row);
	icons = json_object_get(c->expect, "icons");
	assur = json_object_get(c->expect, "assurance");
	row = 0;
	for (s = 0; s < spc_result_nseries(r) && !c->diff[0]; s++) {
		const struct spc_series *se = spc_result_series(r, s);
		const char *f = c->f1 ? se->label : "no facet";
		json_t *e = json_array_get(icons, row++);

		if (!e) {
			fail(c, "icons: fewer than expected");
			break;
		}
		cmp_str(c, "icons", row - 1, "f", json_object_get(e, "f"), f);
		cmp_str(c, "icons", row - 1, "type", json_object_get(e, "type"), "variation");
		cmp_str(c, "icons", row - 1, "icon", json_object_get(e, "icon"),
		        spc_icon_name(se->variation));
		if (se->assurance != SPC_ASSURE_NONE) {
			e = json_array_get(icons, row++);
			if (!e) {
				fail(c, "icons: fewer than expected");
				break;
			}
			cmp_str(c, "icons", row - 1, "f", json_object_get(e, "f"), f);
			cmp_str(c, "icons", row - 1, "type", json_object_get(e, "type"),
			        "assurance");
			cmp_str(c, "icons", row - 1, "icon", json_object_get(e, "icon"),
			        spc_assurance_name(se->assurance));
		}
		e = json_array_get(assur, s);
		if (e) {
			cmp_str(c, "assurance", s, "f", json_object_get(e, "f"), f);
			cmp_str(c, "assurance", s, "assurance_type",
			        json_object_get(e, "assurance_type"),
			        se->assurance == SPC_ASSURE_NONE   ? NULL
			        : se->assurance == SPC_ASSURE_PASS ? "consistent_pass"
			        : se->assurance == SPC_ASSURE_FAIL ? "consistent_fail"
			                                           : "inconsistent");
		}
	}
	if (!c->diff[0] && row != json_array_size(icons))
		fail(c, "icons: expected %zu, got %zu", json_array_size(icons), row);
	return c->diff[0] != 0;
}

static int cmp_list(struct refcase *c, const char *key, const size_t *v, size_t n)
{
	json_t *e = json_object_get(c->expect, key);
	size_t i;

	if (!e)
		return 0;
	if (json_array_size(e) != n)
		return fail(c, "%s: expected %zu entries, got %zu", key, json_array_size(e), n);
	for (i = 0; i < n; i++)
		if ((size_t)json_number_value(json_array_get(e, i)) != v[i])
			return fail(c, "%s[%zu]: expected %g, got %zu", key, i,
			            json_number_value(json_array_get(e, i)), v[i]);
	return 0;
}

static int cmp_qcc(struct refcase *c)
{
	struct spc_result *r = c->res;
	json_t *pts = json_object_get(c->expect, "points");
	size_t np = spc_result_npoints(r), k, nb = 0, nv = 0, pass;
	size_t *bl = calloc(np + 1, sizeof(size_t)), *vr = calloc(np + 1, sizeof(size_t));
	const struct spc_part *pt = spc_result_part(r, 0);
	char buf[32];

	if (!bl || !vr) {
		free(bl);
		free(vr);
		return fail(c, "out of memory");
	}
	if (json_array_size(pts) != np) {
		free(bl);
		free(vr);
		return fail(c, "points: expected %zu rows, got %zu", json_array_size(pts), np);
	}
	for (k = 0; k < np && !c->diff[0]; k++) {
		json_t *e = json_array_get(pts, k);
		struct spc_point p;

		spc_point_get(r, k, &p);
		cmp_num(c, "points", k, "index", json_object_get(e, "index"), (double)(k + 1));
		co_dtoa(p.x, buf);
		cmp_str(c, "points", k, "label", json_object_get(e, "label"), buf);
		cmp_num(c, "points", k, "statistic", json_object_get(e, "statistic"), p.y);
		cmp_num(c, "points", k, "size", json_object_get(e, "size"),
		        isnan(p.n) ? (double)p.y_count : p.n);
		cmp_num(c, "points", k, "center", json_object_get(e, "center"), p.cl);
		cmp_num(c, "points", k, "lcl", json_object_get(e, "lcl"), p.lcl);
		cmp_num(c, "points", k, "ucl", json_object_get(e, "ucl"), p.ucl);
		cmp_bool(c, "points", k, "new_data", json_object_get(e, "new_data"), p.is_new);
		cmp_bool(c, "points", k, "beyond_limits", json_object_get(e, "beyond_limits"),
		         (p.signals & (SPC_SIG_ABOVE_UCL | SPC_SIG_BELOW_LCL)) != 0);
		cmp_bool(c, "points", k, "violating_runs", json_object_get(e, "violating_runs"),
		         (p.signals & (SPC_SIG_RUN_ABOVE | SPC_SIG_RUN_BELOW)) != 0);
	}
	for (pass = 0; pass < 2; pass++)
		for (k = 0; k < np; k++) {
			struct spc_point p;

			spc_point_get(r, k, &p);
			if (p.signals & (pass ? SPC_SIG_BELOW_LCL : SPC_SIG_ABOVE_UCL))
				bl[nb++] = k + 1;
			if (p.signals & (pass ? SPC_SIG_RUN_BELOW : SPC_SIG_RUN_ABOVE))
				vr[nv++] = k + 1;
		}
	if (!c->diff[0]) {
		json_t *e = json_object_get(c->expect, "center");

		if (e && json_is_number(e))
			cmp_num(c, "center", 0, "center", e, pt->centre);
		e = json_object_get(c->expect, "std.dev");
		if (e && json_is_number(e))
			cmp_num(c, "std.dev", 0, "std.dev", e, pt->sigma);
	}
	if (!c->diff[0])
		cmp_list(c, "beyond.limits", bl, nb);
	if (!c->diff[0])
		cmp_list(c, "violating.runs", vr, nv);
	free(bl);
	free(vr);
	return c->diff[0] != 0;
}

static void case_free(struct refcase *c)
{
	size_t i;

	spc_result_free(c->res);
	spc_table_free(&c->t);
	free(c->x);
	free(c->y);
	free(c->n);
	free(c->f1);
	free(c->f2);
	free(c->notes);
	free(c->part);
	free(c->is_new);
	free(c->traj);
	free(c->xlabel);
	free(c->parts);
	free(c->excl);
	for (i = 0; i < c->nfv; i++)
		free((void *)c->fv[i].v);
	free(c->fv);
	for (i = 0; i < c->ntv; i++)
		free((void *)c->tv[i].v);
	free(c->tv);
	if (c->root)
		json_decref(c->root);
}

/* 0 pass, 1 fail; the reason in c->diff */
static int run_case(struct refcase *c, const char *dir, const char *peer, const char *file)
{
	char path[4096], csv[4096];
	json_error_t jerr;
	json_t *err;
	struct spc_data d;
	struct co_err e;
	size_t len = strlen(file) - strlen(".case.json");
	int rc;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, peer, file);
	snprintf(csv, sizeof(csv), "%s/%s/%.*s.input.csv", dir, peer, (int)len, file);
	c->root = json_load_file(path, 0, &jerr);
	if (!c->root)
		return fail(c, "%s: %s (line %d)", path, jerr.text, jerr.line);
	c->opt = json_object_get(c->root, "options");
	c->expect = json_object_get(c->root, "expect");
	c->profile = json_string_value(json_object_get(c->root, "profile"));
	c->chart = json_string_value(json_object_get(c->root, "chart"));
	c->xtype = json_string_value(json_object_get(c->root, "x_type"));
	if (!c->profile || !c->chart || !c->xtype || !c->expect)
		return fail(c, "%s: not a case file", path);
	if (load_input(c, csv) || set_options(c))
		return 1;
	memset(&d, 0, sizeof(d));
	d.n = c->t.nrows;
	d.x = c->x;
	d.y = c->y;
	d.denom = c->n;
	d.facet = c->f1;
	d.facet2 = c->f2;
	d.notes = c->notes;
	d.part = c->part;
	d.is_new = c->is_new;
	co_err_clear(&e);
	rc = spc_run(&d, &c->o, &c->res, &e);
	err = json_object_get(c->expect, "error");
	if (err && !json_is_null(err)) {
		if (rc == 0)
			return fail(c, "expected the error \"%s\", got a result",
			            json_string_value(err));
		return 0;
	}
	if (rc) {
		char m[600];

		co_err_format(&e, m, sizeof(m));
		return fail(c, "engine failed: %s", m);
	}
	if (strcmp(c->profile, "qicharts2") == 0)
		return cmp_qicharts2(c);
	if (strcmp(c->profile, "ptd") == 0)
		return cmp_ptd(c);
	return cmp_qcc(c);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int spc_reference_run(const char *dir, const char *only, int verbose)
{
	DIR *top = opendir(dir);
	struct dirent *de;
	char **peers = NULL;
	size_t npeers = 0, i, pass = 0, failed = 0;

	if (!top) {
		printf("cannot open %s\n0 passed, 1 failed\n", dir);
		return 1;
	}
	while ((de = readdir(top))) {
		char p[4096];
		DIR *sub;

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		sub = opendir(p);
		if (!sub)
			continue;
		closedir(sub);
		{
			char **np = realloc(peers, (npeers + 1) * sizeof(char *));

			if (!np)
				break;
			peers = np;
			peers[npeers++] = strdup(de->d_name);
		}
	}
	closedir(top);
	if (npeers)
		qsort(peers, npeers, sizeof(char *), name_cmp);
	for (i = 0; i < npeers; i++) {
		char p[4096];
		DIR *sub;
		char **files = NULL;
		size_t nf = 0, j;

		snprintf(p, sizeof(p), "%s/%s", dir, peers[i]);
		sub = opendir(p);
		while (sub && (de = readdir(sub))) {
			size_t l = strlen(de->d_name);

			if (l > 10 && strcmp(de->d_name + l - 10, ".case.json") == 0) {
				char **nfiles = realloc(files, (nf + 1) * sizeof(char *));

				if (!nfiles)
					break;
				files = nfiles;
				files[nf++] = strdup(de->d_name);
			}
		}
		if (sub)
			closedir(sub);
		if (nf)
			qsort(files, nf, sizeof(char *), name_cmp);
		for (j = 0; j < nf; j++) {
			struct refcase c;
			int bad;

			if (only && !strstr(files[j], only)) {
				free(files[j]);
				continue;
			}
			memset(&c, 0, sizeof(c));
			bad = run_case(&c, dir, peers[i], files[j]);
			if (bad) {
				failed++;
				printf("FAIL %s/%.*s: %s\n", peers[i], (int)(strlen(files[j]) - 10),
				       files[j], c.diff);
			} else {
				pass++;
				if (verbose)
					printf("ok   %s/%.*s\n", peers[i],
					       (int)(strlen(files[j]) - 10), files[j]);
			}
			case_free(&c);
			free(files[j]);
		}
		free(files);
		free(peers[i]);
	}
	free(peers);
	printf("%zu passed, %zu failed\n", pass, failed);
	return failed ? 1 : 0;
}
