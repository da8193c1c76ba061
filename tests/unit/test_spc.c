/* Unit tests of the SPC engine (src/spc/spc.h): formulas, rule sets, input
 * errors, phases and the SVG chart. The peers' numbers are checked by the
 * reference suite (tests/spc-reference); these tests pin down behaviour the
 * peers do not cover and Collective's own rule sets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spc/spc.h"
#include "spc/spc_int.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) <= 1e-9 * fmax(1, fabs(b)))

/* x = 1, 2, ...: static, because a result may keep the caller's x */
static double xs[256];

static struct spc_result *run(const double *y, size_t n, const double *den, struct spc_options *o)
{
	struct spc_data d;
	struct spc_result *r = NULL;
	struct co_err err;
	size_t i;

	assert_true(n <= 256);
	for (i = 0; i < n; i++)
		xs[i] = (double)(i + 1);
	memset(&d, 0, sizeof(d));
	d.n = n;
	d.x = xs;
	d.y = y;
	d.denom = den;
	co_err_clear(&err);
	assert_int_equal(spc_run(&d, o, &r, &err), 0);
	return r;
}

static void xmr_limits_and_screening(void **state)
{
	double y[20];
	struct spc_options o;
	struct spc_result *r;
	struct spc_point p;
	size_t i;
	double mean = 0, amr = 0;

	(void)state;
	for (i = 0; i < 20; i++)
		y[i] = 10 + (i % 2 ? 1 : -1) * 0.5;
	y[10] = 40; /* an outlier: its two moving ranges are screened out */
	for (i = 0; i < 20; i++)
		mean += y[i] / 20;
	for (i = 1; i < 20; i++)
		if (i != 10 && i != 11)
			amr += fabs(y[i] - y[i - 1]) / 17;
	spc_options_init(&o, SPC_CHART_I);
	o.direction = SPC_DIR_DECREASE;
	r = run(y, 20, NULL, &o);
	spc_point_get(r, 0, &p);
	NEAR(p.cl, mean);
	NEAR(p.ucl, mean + 2.66 * amr); /* product XmR: Making Data Count */
	NEAR(p.lcl2, mean - 2 * 2.66 / 3 * amr);
	spc_point_get(r, 10, &p);
	assert_true(p.sigma_signal);
	assert_int_equal(p.cause, SPC_CAUSE_ABOVE_UCL);
	assert_int_equal(p.cls, SPC_CLASS_CONCERN); /* up is bad here */
	spc_result_free(r);

	o.screen_mr = 0;
	o.sigma = SPC_SIGMA_D2;
	r = run(y, 20, NULL, &o);
	spc_point_get(r, 0, &p);
	amr = 0;
	for (i = 1; i < 20; i++)
		amr += fabs(y[i] - y[i - 1]) / 19;
	NEAR(p.ucl, mean + 3 * amr / 1.128);
	spc_result_free(r);
}

static void p_chart_limits_vary_and_clip(void **state)
{
	double y[] = {1, 0, 2, 40, 1, 0, 3, 1};
	double n[] = {10, 12, 8, 40, 10, 9, 11, 10};
	struct spc_options o;
	struct spc_result *r;
	struct spc_point p, q;
	double cl = 48.0 / 110;

	(void)state;
	spc_options_init(&o, SPC_CHART_P);
	r = run(y, 8, n, &o);
	spc_point_get(r, 0, &p);
	spc_point_get(r, 1, &q);
	NEAR(p.cl, cl);
	NEAR(p.ucl, fmin(1, cl + 3 * sqrt(cl * (1 - cl) / 10)));
	assert_true(p.ucl != q.ucl); /* n differs */
	assert_true(p.lcl >= 0);
	assert_true(p.ucl <= 1);
	spc_result_free(r);
}

static void mdc_shift_trend_two_of_three(void **state)
{
	/* 7 points above the mean after 13 alternating ones */
	double y[30];
	struct spc_options o;
	struct spc_result *r;
	struct spc_point p;
	size_t i;

	(void)state;
	for (i = 0; i < 30; i++)
		y[i] = i % 2 ? 11 : 9; /* point 12 and point 20 are below */
	for (i = 13; i < 20; i++)
		y[i] = 10.5;
	spc_options_init(&o, SPC_CHART_I);
	o.direction = SPC_DIR_INCREASE;
	r = run(y, 30, NULL, &o);
	for (i = 0; i < 30; i++) {
		spc_point_get(r, i, &p);
		assert_int_equal(p.cause,
		                 i >= 13 && i < 20 ? SPC_CAUSE_SHIFT_ABOVE : SPC_CAUSE_COMMON);
	}
	spc_point_get(r, 15, &p);
	assert_int_equal(p.cls, SPC_CLASS_IMPROVEMENT);
	spc_result_free(r);

	/* six above is not a shift at length 7, but is at length 6 */
	y[19] = 9;
	r = run(y, 30, NULL, &o);
	spc_point_get(r, 15, &p);
	assert_int_equal(p.cause, SPC_CAUSE_COMMON);
	spc_result_free(r);
	o.shift_len = 6;
	r = run(y, 30, NULL, &o);
	spc_point_get(r, 15, &p);
	assert_int_equal(p.cause, SPC_CAUSE_SHIFT_ABOVE);
	spc_result_free(r);

	/* a trend of 7 falling points takes precedence over the shift */
	for (i = 0; i < 30; i++)
		y[i] = i % 2 ? 11 : 9;
	for (i = 0; i < 7; i++)
		y[20 + i] = 10.9 - 0.3 * (double)i;
	o.shift_len = 7;
	r = run(y, 30, NULL, &o);
	spc_point_get(r, 23, &p);
	assert_int_equal(p.cause, SPC_CAUSE_TREND_DOWN);
	assert_int_equal(p.cls, SPC_CLASS_CONCERN);
	assert_true(p.signals & SPC_SIG_TREND_DOWN);
	spc_result_free(r);
}

static void anhoej_limits(void **state)
{
	double y[20];
	struct spc_options o;
	struct spc_result *r;
	const struct spc_part *pt;
	size_t i;

	(void)state;
	for (i = 0; i < 20; i++)
		y[i] = i < 8 ? 1 : i % 2 ? 1 : 3; /* a run of 8 below the CL */
	spc_options_init(&o, SPC_CHART_RUN);
	o.cl = 2;
	r = run(y, 20, NULL, &o);
	pt = spc_result_part(r, 0);
	assert_int_equal(pt->n_useful, 20);
	assert_int_equal(pt->longest_run_max, 7); /* round(log2(20)) + 3 */
	assert_int_equal(pt->crossings_min, 6);   /* qbinom(0.05, 19, 0.5) */
	assert_int_equal(pt->longest_run, 8);
	assert_true(pt->runs_signal);
	{
		struct spc_point p;

		spc_point_get(r, 3, &p);
		assert_true(p.signals & SPC_SIG_LONG_RUN);
		spc_point_get(r, 15, &p);
		assert_false(p.signals & SPC_SIG_LONG_RUN);
	}
	spc_result_free(r);
}

static void western_electric_and_nelson(void **state)
{
	double y[40];
	struct spc_options o;
	struct spc_result *r;
	struct spc_point p;
	size_t i;

	(void)state;
	for (i = 0; i < 40; i++)
		y[i] = 10 + (i % 2 ? 1 : -1) * ((i % 4) < 2 ? 1.0 : 0.4);
	/* eight in a row just above the mean: WE rule 4, not Nelson rule 2 (9) */
	for (i = 20; i < 28; i++)
		y[i] = 10.3;
	y[19] = 9.5;
	spc_options_init(&o, SPC_CHART_I);
	o.rules = SPC_RULES_WE;
	o.sigma = SPC_SIGMA_D2;
	o.cl = 10;
	r = run(y, 40, NULL, &o);
	spc_point_get(r, 24, &p);
	assert_true(p.signals & SPC_SIG_SHIFT_ABOVE);
	spc_result_free(r);
	o.rules = SPC_RULES_NELSON;
	r = run(y, 40, NULL, &o);
	spc_point_get(r, 24, &p);
	assert_false(p.signals & SPC_SIG_SHIFT_ABOVE);
	spc_result_free(r);
	/* six rising points: Nelson 3 */
	for (i = 30; i < 36; i++)
		y[i] = 9.6 + 0.15 * (double)(i - 30);
	r = run(y, 40, NULL, &o);
	spc_point_get(r, 33, &p);
	assert_true(p.signals & SPC_SIG_TREND_UP);
	spc_result_free(r);
}

static void ihi_runs_limits_and_shift(void **state)
{
	double y[24];
	struct spc_options o;
	struct spc_result *r;
	struct spc_point p;
	size_t i;

	(void)state;
	for (i = 0; i < 24; i++)
		y[i] = i % 2 ? 4 : 8; /* 24 runs around 6: too many */
	spc_options_init(&o, SPC_CHART_RUN);
	o.rules = SPC_RULES_IHI;
	o.cl = 6;
	r = run(y, 24, NULL, &o);
	spc_point_get(r, 0, &p);
	assert_true(p.signals & SPC_SIG_MANY_RUNS);
	assert_false(p.signals & SPC_SIG_SHIFT_ABOVE);
	spc_result_free(r);
	for (i = 10; i < 16; i++)
		y[i] = 7; /* with point 16, seven above: a shift (6) */
	y[9] = 6;         /* on the CL: skipped, neither breaks nor counts */
	r = run(y, 24, NULL, &o);
	spc_point_get(r, 12, &p);
	assert_true(p.signals & SPC_SIG_SHIFT_ABOVE);
	spc_point_get(r, 2, &p);
	assert_false(p.signals & SPC_SIG_SHIFT_ABOVE);
	spc_result_free(r);
}

static void expect_input_error(const double *y, size_t n, const double *den, enum spc_chart c,
                               long row, const char *field)
{
	struct spc_data d;
	struct spc_options o;
	struct spc_result *r = NULL;
	struct co_err err;

	memset(&d, 0, sizeof(d));
	d.n = n;
	d.y = y;
	d.denom = den;
	spc_options_init(&o, c);
	co_err_clear(&err);
	assert_int_equal(spc_run(&d, &o, &r, &err), CO_EINPUT);
	assert_null(r);
	assert_int_equal(err.row, row);
	assert_string_equal(err.field, field);
}

static void bad_input_is_refused_with_its_row(void **state)
{
	double y[] = {3, 0, 5}, yp[] = {3, 12, 5}, n[] = {10, 10, 10}, nz[] = {10, 0, 10};

	(void)state;
	expect_input_error(y, 3, NULL, SPC_CHART_T, 2, "y");
	expect_input_error(yp, 3, n, SPC_CHART_P, 2, "y");
	expect_input_error(y, 3, nz, SPC_CHART_U, 2, "n");
	{
		double x[] = {1, 2, 2};
		struct spc_data d;
		struct spc_options o;
		struct spc_result *r = NULL;
		struct co_err err;

		memset(&d, 0, sizeof(d));
		d.n = 3;
		d.x = x;
		d.y = y;
		spc_options_init(&o, SPC_CHART_I);
		spc_options_profile(&o, SPC_PROFILE_PTD);
		assert_int_equal(spc_run(&d, &o, &r, &err), CO_EINPUT);
		assert_int_equal(err.row, 3);
		d.n = 0;
		assert_int_equal(spc_run(&d, &o, &r, &err), CO_EINPUT);
		assert_null(r);
	}
}

static void facets_parts_freeze_and_aggregation(void **state)
{
	double x[] = {2, 1, 1, 3, 1, 2, 3, 4};
	double y[] = {5, 1, 3, 6, 10, 20, 30, 40};
	const char *f[] = {"b", "b", "b", "b", "a", "a", "a", "a"};
	long parts[] = {2};
	struct spc_data d;
	struct spc_options o;
	struct spc_result *r = NULL;
	struct co_err err;
	struct spc_point p;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.n = 8;
	d.x = x;
	d.y = y;
	d.facet = f;
	spc_options_init(&o, SPC_CHART_I);
	o.parts = parts;
	o.nparts = 1;
	o.agg = SPC_AGG_MEDIAN;
	assert_int_equal(spc_run(&d, &o, &r, &err), 0);
	assert_int_equal(spc_result_nseries(r), 2);
	assert_string_equal(spc_result_series(r, 0)->label, "a"); /* sorted */
	assert_int_equal(spc_result_series(r, 0)->nparts, 2);
	assert_int_equal(spc_result_npoints(r), 7); /* b has x = 1 twice */
	spc_point_get(r, 4, &p);                    /* b, x = 1 */
	assert_true(p.x == 1 && p.y == 2 && p.y_count == 2 && p.y_sum == 4);
	spc_point_get(r, 0, &p);
	NEAR(p.cl, 15.0); /* part 1 of a: 10, 20 */
	spc_point_get(r, 2, &p);
	NEAR(p.cl, 35.0); /* part 2 of a: 30, 40 */
	spc_result_free(r);

	/* freeze: the baseline is the first two points of each series */
	o.parts = NULL;
	o.nparts = 0;
	o.freeze = 2;
	o.agg = SPC_AGG_MEAN;
	assert_int_equal(spc_run(&d, &o, &r, &err), 0);
	spc_point_get(r, 3, &p);
	NEAR(p.cl, 15.0);
	assert_false(p.baseline);
	spc_result_free(r);
}

static void distributions(void **state)
{
	(void)state;
	NEAR(spc__qnorm(0.975), 1.959963984540054);
	NEAR(spc__qnorm(0.5), 0.0);
	assert_true(fabs(spc__qnorm(0.99865) - 3.0) < 1e-4);
	assert_true(spc__qbinom(0.05, 19, 0.5, 0) == 6);
	assert_true(spc__qbinom(0.05, 29, 0.5, 0) == 10);
	assert_true(spc__qpois(0.5, 4, 0) == 4);
	NEAR(spc__qchisq(0.95, 4), 9.487729036781154);
	NEAR(spc__qchisq(0.00135, 4), 0.10576711248248491);
	NEAR(spc__c4(5), 0.9399856029866254);
	assert_true(spc__qgeom(0.99865, 1 / 25.3) == 163);
}

static void svg_says_what_it_shows(void **state)
{
	double y[60];
	struct spc_data d;
	struct spc_options o;
	struct spc_result *r = NULL;
	struct co_err err;
	struct co_buf b;
	double x[60];
	const char *notes[60];
	size_t i;

	(void)state;
	for (i = 0; i < 60; i++) {
		x[i] = 19358 + 30.0 * (double)i; /* about monthly from 2023 */
		y[i] = 50 + ((i * 7) % 5) - (i >= 53 ? 8 : 0);
		notes[i] = i == 30 ? "new <triage> process" : NULL;
	}
	memset(&d, 0, sizeof(d));
	d.n = 60;
	d.x = x;
	d.y = y;
	d.notes = notes;
	spc_options_init(&o, SPC_CHART_I);
	o.xkind = SPC_X_DATE;
	o.direction = SPC_DIR_DECREASE;
	o.target = 45;
	assert_int_equal(spc_run(&d, &o, &r, &err), 0);
	co_buf_init(&b, 1 << 20);
	assert_int_equal(spc_svg_write(r, 0, "Waiting times", &b), 0);
	assert_true(b.len < 40 * 1024);
	assert_non_null(strstr(b.data, "<title id=\"spc-title\">Waiting times</title>"));
	assert_non_null(strstr(
	        b.data,
	        "<desc id=\"spc-desc\">special cause improvement: 7 points below the mean since"));
	assert_non_null(strstr(b.data, "new &lt;triage&gt; process"));
	assert_non_null(strstr(b.data, "#289de0")); /* improvement blue */
	assert_non_null(strstr(b.data, "assurance:"));
	co_buf_free(&b);
	spc_result_free(r);
}

/* ---- the shortcuts against the general path ---- */

static uint64_t eq_rng = 88172645463325252ULL;

static uint64_t eq_next(void)
{
	eq_rng ^= eq_rng << 13;
	eq_rng ^= eq_rng >> 7;
	eq_rng ^= eq_rng << 17;
	return eq_rng;
}

/* the same double, NANs equal */
static int same(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

static void assert_same_results(const struct spc_result *a, const struct spc_result *b)
{
	size_t i;

	assert_int_equal(spc_result_npoints(a), spc_result_npoints(b));
	assert_int_equal(spc_result_nseries(a), spc_result_nseries(b));
	assert_int_equal(spc_result_nparts(a), spc_result_nparts(b));
	for (i = 0; i < spc_result_npoints(a); i++) {
		struct spc_point p, q;

		spc_point_get(a, i, &p);
		spc_point_get(b, i, &q);
		assert_int_equal(p.series, q.series);
		assert_int_equal(p.part, q.part);
		assert_true(same(p.x, q.x) && same(p.y, q.y) && same(p.n, q.n));
		assert_true(same(p.cl, q.cl) && same(p.lcl, q.lcl) && same(p.ucl, q.ucl));
		assert_true(same(p.lcl2, q.lcl2) && same(p.ucl2, q.ucl2));
		assert_true(same(p.target, q.target) && same(p.y_sum, q.y_sum));
		assert_true(same(p.y_mean, q.y_mean) && same(p.y_sd, q.y_sd));
		assert_int_equal(p.y_count, q.y_count);
		assert_int_equal(p.xx, q.xx);
		assert_int_equal(p.baseline, q.baseline);
		assert_int_equal(p.include, q.include);
		assert_int_equal(p.is_new, q.is_new);
		assert_int_equal(p.sigma_signal, q.sigma_signal);
		assert_int_equal(p.close, q.close);
		assert_int_equal(p.side, q.side);
		assert_int_equal(p.signals, q.signals);
		assert_int_equal(p.cause, q.cause);
		assert_int_equal(p.cls, q.cls);
	}
	for (i = 0; i < spc_result_nparts(a); i++) {
		const struct spc_part *p = spc_result_part(a, i), *q = spc_result_part(b, i);

		assert_int_equal(p->first, q->first);
		assert_int_equal(p->count, q->count);
		assert_int_equal(p->n_obs, q->n_obs);
		assert_int_equal(p->n_useful, q->n_useful);
		assert_int_equal(p->longest_run, q->longest_run);
		assert_int_equal(p->longest_run_max, q->longest_run_max);
		assert_int_equal(p->crossings, q->crossings);
		assert_int_equal(p->crossings_min, q->crossings_min);
		assert_int_equal(p->runs_signal, q->runs_signal);
		assert_true(same(p->sigma, q->sigma) && same(p->centre, q->centre));
	}
	for (i = 0; i < spc_result_nseries(a); i++) {
		const struct spc_series *p = spc_result_series(a, i), *q = spc_result_series(b, i);

		assert_string_equal(p->label, q->label);
		assert_int_equal(p->first, q->first);
		assert_int_equal(p->count, q->count);
		assert_int_equal(p->variation, q->variation);
		assert_int_equal(p->assurance, q->assurance);
	}
}

/* Random series (ties, missing values, shifts, trends, outliers; one or
 * many series, in order or not) through spc_run() and through the general
 * path: every number and flag the same. */
static void shortcuts_match_the_general_path(void **state)
{
	static const enum spc_chart charts[] = {SPC_CHART_I, SPC_CHART_RUN, SPC_CHART_C,
	                                        SPC_CHART_G, SPC_CHART_MR,  SPC_CHART_T,
	                                        SPC_CHART_U, SPC_CHART_P,   SPC_CHART_UP};
	static const char *const labels[2][7] = {{"s1", "s2", "s3", "s4", "s5", "s6", "s7"},
	                                         {"2", "9", "10", "11", "30", "100", "1e3"}};
	static char copies[2][7][8];
	enum { MAXN = 1200 };
	static double x[MAXN], y[MAXN], den[MAXN];
	static const char *f[MAXN];
	int t;

	struct spc_result *again = NULL; /* one result reused for every run */
	struct spc_options o0;

	(void)state;
	for (t = 0; t < 14; t++)
		snprintf(copies[t / 7][t % 7], sizeof(copies[0][0]), "%s", labels[t / 7][t % 7]);
	for (t = 0; t < 3; t++)
		y[t] = x[t] = t;
	spc_options_init(&o0, SPC_CHART_I);
	again = run(y, 3, NULL, &o0);
	for (t = 0; t < 3000; t++) {
		struct spc_data d;
		struct spc_options o;
		struct spc_result *ra = NULL, *rb = NULL;
		struct co_err ea, eb, ec;
		int rcc;
		enum spc_chart c = charts[eq_next() % (sizeof(charts) / sizeof(charts[0]))];
		size_t n = 1 + eq_next() % (t % 10 == 0 ? MAXN : 150), i;
		int kind = (int)(eq_next() % 6), nser = 1 + (int)(eq_next() % 7), rca, rcb;
		int shuffled = eq_next() % 8 == 0;
		double level = (double)(eq_next() % 100);
		int numeric = eq_next() % 3 == 0;

		for (i = 0; i < n; i++) {
			double u = (double)(eq_next() % 1000) / 1000;
			size_t s = (size_t)nser * i / n;

			/* the same label at another address now and then: a series
			 * is its label's text, not its pointer */
			f[i] = eq_next() % 4 == 0 ? copies[numeric][s] : labels[numeric][s];
			x[i] = (double)(i + 1);
			switch (kind) {
			case 0: y[i] = (double)(eq_next() % 5); break;            /* ties */
			case 1: y[i] = level + (double)(i % 13) * 0.5 + u; break; /* trends */
			case 2: y[i] = level + ((i / 9) % 2 ? 3 : -3) + u; break; /* shifts */
			case 3: y[i] = level + u + (eq_next() % 30 == 0 ? 20 : 0); break;
			default: y[i] = level + u * 4; break;
			}
			if (c == SPC_CHART_T || c == SPC_CHART_G)
				y[i] = fabs(y[i]) + 1;
			den[i] = (double)(20 + eq_next() % 200);
			if (c == SPC_CHART_P || c == SPC_CHART_U || c == SPC_CHART_UP)
				y[i] = (double)(eq_next() % 15);
			if (eq_next() % 40 == 0)
				y[i] = NAN;
			if (t % 50 == 7 && eq_next() % 100 == 0) /* refused, or sums overflow */
				y[i] = eq_next() % 2 ? (eq_next() % 2 ? INFINITY : -INFINITY)
				                     : 1e308;
			if (t % 50 == 9 && eq_next() % 100 == 0) { /* refused on P and U charts */
				switch (eq_next() % 4) {
				case 0: y[i] = -1; break;
				case 1: den[i] = 0; break;
				case 2: y[i] = den[i] + 1; break;
				default: den[i] = INFINITY; break;
				}
			}
			if (t % 7 == 3) /* not whole numbers: the centre's long double sums */
				y[i] += 0.1;
			if (eq_next() % 300 == 0)
				den[i] = NAN;
		}
		if (shuffled)
			for (i = n - 1; i > 0; i--) {
				size_t j = eq_next() % (i + 1);
				double tx = x[i], ty = y[i];
				const char *tf = f[i];

				x[i] = x[j];
				y[i] = y[j];
				f[i] = f[j];
				x[j] = tx;
				y[j] = ty;
				f[j] = tf;
			}
		memset(&d, 0, sizeof(d));
		d.n = n;
		d.x = x;
		d.y = y;
		d.facet = nser > 1 || eq_next() % 2 ? f : NULL;
		d.denom = c == SPC_CHART_U || c == SPC_CHART_P || c == SPC_CHART_UP ? den : NULL;
		spc_options_init(&o, c);
		switch (eq_next() % 4) {
		case 0: o.rules = SPC_RULES_MDC; break;
		case 1: o.rules = SPC_RULES_ANHOEJ; break;
		case 2: o.rules = SPC_RULES_NONE; break;
		default: break;
		}
		o.direction = (enum spc_direction)(eq_next() % 3);
		o.method = (enum spc_method)(eq_next() % 3);
		if (eq_next() % 4 == 0) {
			o.shift_len = 2 + (int)(eq_next() % 9);
			o.trend_len = 3 + (int)(eq_next() % 8);
		}
		if (eq_next() % 8 == 0)
			o.multiply = 100;
		if (eq_next() % 8 == 0)
			o.y_neg = 0;
		if (eq_next() % 10 == 0)
			o.cl = level;
		if (eq_next() % 10 == 0)
			o.target = level;
		if (eq_next() % 10 == 0)
			o.screen_mr = 0;
		if (eq_next() % 10 == 0)
			o.xkind = SPC_X_CATEGORY;
		co_err_clear(&ea);
		co_err_clear(&eb);
		rca = spc_run(&d, &o, &ra, &ea);
		rcb = spc__run(&d, &o, SPC__GENERAL, NULL, &rb, &eb);
		co_err_clear(&ec);
		rcc = spc_run_again(again, &d, &o, &ec);
		{ /* and with SSE2 alone where the processor has AVX, and without
		   * AVX-512 where it has that */
			static const int narrower[] = {SPC__NO_AVX, SPC__NO_AVX512};
			size_t w;

			for (w = 0; w < 2; w++) {
				struct spc_result *rs = NULL;
				struct co_err es;

				co_err_clear(&es);
				assert_int_equal(spc__run(&d, &o, narrower[w], NULL, &rs, &es),
				                 rcb);
				if (rs) {
					assert_same_results(rs, rb);
					spc_result_free(rs);
				}
			}
		}
		assert_int_equal(rca, rcb);
		assert_int_equal(rca, rcc);
		if (rca) {
			assert_int_equal(ea.row, eb.row);
			assert_string_equal(ea.msg, eb.msg);
			/* a failed run leaves the reused result empty */
			assert_int_equal(spc_result_npoints(again), 0);
			continue;
		}
		assert_same_results(ra, rb);
		assert_same_results(again, rb);
		spc_result_free(ra);
		spc_result_free(rb);
	}
	spc_result_free(again);
}

/* The flags of a P or U chart's points in a lean run are settled by
 * products away from the limits and by the division and square root near
 * them (lean.c): points put on the centre, on each limit and a few units in
 * the last place either side of them, and a little further out, get the
 * same flags as the general passes give them, with each instruction set. */
static void ratio_flags_at_the_limits(void **state)
{
	enum { N = 4000 };
	static double x[N], y[N], den[N];
	static const double ks[] = {-3, -2, 0, 2, 3};
	static const double nudge[] = {0,        0x1p-52, -0x1p-52, 0x1p-50, -0x1p-50, 0x1p-30,
	                               -0x1p-30, 0x1p-24, -0x1p-24, 0x1p-20, -0x1p-20};
	int chart, mult;

	(void)state;
	for (chart = 0; chart < 2; chart++)
		for (mult = 0; mult < 2; mult++) {
			int pchart = chart == 1, w;
			double cl = pchart ? 0.3 : 0.05;
			struct spc_data d;
			struct spc_options o;
			struct spc_result *g = NULL;
			struct co_err err;
			size_t i;

			for (i = 0; i < N; i++) {
				double n = (double)(1 + eq_next() % 5000), k = ks[eq_next() % 5];
				double sd = pchart ? sqrt(cl * (1 - cl) / n) : sqrt(cl / n);
				double v = (cl + k * sd) * (1 + nudge[eq_next() % 11]);

				x[i] = (double)(i + 1);
				den[i] = n;
				y[i] = v < 0 ? 0 : v * n;
				if (pchart && y[i] > n)
					y[i] = n;
			}
			memset(&d, 0, sizeof(d));
			d.n = N;
			d.x = x;
			d.y = y;
			d.denom = den;
			spc_options_init(&o, pchart ? SPC_CHART_P : SPC_CHART_U);
			o.rules = SPC_RULES_ANHOEJ;
			o.cl = cl; /* the centre the points were put around */
			if (mult)
				o.multiply = 1000;
			assert_int_equal(spc__run(&d, &o, SPC__GENERAL, NULL, &g, &err), 0);
			for (w = 0; w < 3; w++) {
				static const int flags[] = {0, SPC__NO_AVX512, SPC__NO_AVX};
				struct spc_result *r = NULL;
				size_t sig = 0;

				assert_int_equal(spc__run(&d, &o, flags[w], NULL, &r, &err), 0);
				assert_same_results(r, g);
				for (i = 0; i < N; i++) {
					struct spc_point p;

					spc_point_get(r, i, &p);
					sig += p.sigma_signal + p.close;
				}
				/* the points on and beyond the limits are there */
				assert_true(sig > N / 10);
				spc_result_free(r);
			}
			spc_result_free(g);
		}
}

/* A run chart of a long series takes its median from a window around the
 * middle (limits.c): the same value as the median of a copy, whatever the
 * values (ties, sorted, missing, a period that fools the sample). */
static void long_run_chart_median(void **state)
{
	enum { N = 70001 };
	static double x[N], y[N], v[N];
	int kind;

	(void)state;
	for (kind = 0; kind < 16; kind++) {
		size_t n = N - (size_t)(kind / 8), i, k = 0;
		struct spc_data d;
		struct spc_options o;
		struct spc_result *r = NULL;
		struct co_err err;
		struct spc_point p;

		for (i = 0; i < n; i++) {
			double u = (double)(eq_next() % 100000) / 100000;

			x[i] = (double)(i + 1);
			switch (kind % 8) {
			case 0: y[i] = u; break;
			case 1: y[i] = (double)(eq_next() % 3); break;      /* ties */
			case 2: y[i] = (double)i * 0.5; break;              /* sorted */
			case 3: y[i] = eq_next() % 3 == 0 ? NAN : u; break; /* missing */
			case 4: y[i] = 1e6 + u; break; /* below: the sample sees only 0 */
			case 5: y[i] = 7; break;
			case 6: y[i] = u < 0.5 ? 3 : u; break; /* a tie at the middle */
			default: y[i] = i % 2 ? u : -u; break;
			}
		}
		if (kind % 8 == 4) /* the strided sample's positions (limits.c) */
			for (i = 0; i < 32768; i++)
				y[(2 * i + 1) * n / (2 * 32768)] = 0;
		for (i = 0; i < n; i++)
			if (!isnan(y[i]))
				v[k++] = y[i];
		memset(&d, 0, sizeof(d));
		d.n = n;
		d.x = x;
		d.y = y;
		spc_options_init(&o, SPC_CHART_RUN);
		assert_int_equal(spc_run(&d, &o, &r, &err), 0);
		spc_point_get(r, 0, &p);
		assert_true(p.cl == spc__median(v, k));
		spc_result_free(r);
		if (kind == 0) { /* an infinite value, found by the window's pass */
			struct spc_result *g = NULL;
			struct co_err eg;

			y[n / 3] = -INFINITY;
			r = NULL;
			assert_int_equal(spc_run(&d, &o, &r, &err), CO_EINPUT);
			assert_int_equal(spc__run(&d, &o, SPC__GENERAL, NULL, &g, &eg), CO_EINPUT);
			assert_int_equal(err.row, eg.row);
			assert_int_equal(err.row, (long)(n / 3) + 1);
			assert_null(r);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(xmr_limits_and_screening),
	        cmocka_unit_test(p_chart_limits_vary_and_clip),
	        cmocka_unit_test(mdc_shift_trend_two_of_three),
	        cmocka_unit_test(anhoej_limits),
	        cmocka_unit_test(western_electric_and_nelson),
	        cmocka_unit_test(ihi_runs_limits_and_shift),
	        cmocka_unit_test(bad_input_is_refused_with_its_row),
	        cmocka_unit_test(facets_parts_freeze_and_aggregation),
	        cmocka_unit_test(distributions),
	        cmocka_unit_test(svg_says_what_it_shows),
	        cmocka_unit_test(shortcuts_match_the_general_path),
	        cmocka_unit_test(ratio_flags_at_the_limits),
	        cmocka_unit_test(long_run_chart_median),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
