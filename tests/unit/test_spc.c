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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
