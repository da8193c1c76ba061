/*
 * Unit tests of Improve's statistics. Reference values were computed
 * independently with mpmath at 30 digits (the incomplete gamma and beta
 * functions, the exact Poisson limits by bisection, Spiegelhalter's
 * interpolated quantiles by direct summation) and agree with published
 * tables: exact Poisson limits for 5 events are 1.6235 and 11.6683; the
 * Wilson interval for 81/263 is 0.2553 to 0.3662 (Newcombe 1998, table II).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "base/err.h"
#include "mod/improve/imp_stats.h"

#define assert_near(a, b, tol)                                                                     \
	do {                                                                                       \
		double a_ = (a), b_ = (b);                                                         \
		if (!(fabs(a_ - b_) <= (tol))) {                                                   \
			print_error("%s = %.15g, expected %.15g (+/- %g)\n", #a, a_, b_,           \
			            (double)(tol));                                                \
			fail();                                                                    \
		}                                                                                  \
	} while (0)

static void incomplete_functions_match_reference(void **state)
{
	(void)state;
	assert_near(imp_gamma_p(3.5, 2.0), 0.22022259152428408, 1e-13);
	assert_near(imp_gamma_p(50, 60), 0.91559331890630817, 1e-12);
	assert_near(imp_gamma_q(50, 60), 1.0 - 0.91559331890630817, 1e-12);
	assert_near(imp_beta_i(2, 3, 0.4), 0.5248, 1e-13);
	assert_near(imp_beta_i(30.5, 12, 0.7), 0.38189457129527192, 1e-12);
	assert_near(imp_norm_quantile(0.975), 1.959963984540054, 1e-12);
	assert_near(imp_norm_quantile(0.00135), -2.999977, 1e-5);
}

static void exact_poisson_interval(void **state)
{
	static const struct {
		double x, lo, hi;
	} ref[] = {
	        {0, 0, 3.68887945411394},
	        {1, 0.0253178079842899, 5.5716433909389},
	        {5, 1.62348639011842, 11.6683320793227},
	        {10, 4.79538869613243, 18.3903560420178},
	        {100, 81.3639912509231, 121.626793792426},
	};
	struct imp_estimate r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ref) / sizeof(ref[0]); i++) {
		/* per 1,000 bed days over 2,000 bed days: limits / 2000 * 1000 */
		assert_int_equal(imp_interval(IMP_RATIO_RATE, ref[i].x, 2000, 1000, 0.05, &r), 0);
		assert_near(r.value, ref[i].x / 2.0, 1e-12);
		assert_near(r.lower, ref[i].lo / 2.0, 1e-9);
		assert_near(r.upper, ref[i].hi / 2.0, 1e-9);
	}
	assert_int_equal(imp_interval(IMP_RATIO_RATE, -1, 10, 1, 0.05, &r), CO_EINPUT);
	assert_int_equal(imp_interval(IMP_RATIO_RATE, 1, 0, 1, 0.05, &r), CO_EINPUT);
}

static void wilson_interval(void **state)
{
	static const struct {
		double x, n, lo, hi;
	} ref[] = {
	        {81, 263, 0.255288519878274, 0.3662095769828},
	        {0, 10, 0, 0.277532799862889},
	        {10, 10, 0.722467200137111, 1.0},
	        {3, 7, 0.15821985525147, 0.749541635472343},
	};
	struct imp_estimate r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ref) / sizeof(ref[0]); i++) {
		assert_int_equal(
		        imp_interval(IMP_RATIO_PROPORTION, ref[i].x, ref[i].n, 100, 0.05, &r), 0);
		assert_near(r.value, 100 * ref[i].x / ref[i].n, 1e-12);
		assert_near(r.lower, 100 * ref[i].lo, 1e-9);
		assert_near(r.upper, 100 * ref[i].hi, 1e-9);
	}
	/* more people with the event than people counted */
	assert_int_equal(imp_interval(IMP_RATIO_PROPORTION, 11, 10, 100, 0.05, &r), CO_EINPUT);
}

static void rate_ratio_log_method(void **state)
{
	struct imp_estimate r;

	(void)state;
	/* 30 events in 1,000 bed days against 60 in 4,000: twice the rate */
	assert_int_equal(imp_rate_ratio(IMP_RATIO_RATE, 30, 1000, 60, 4000, 0.05, &r), 0);
	assert_near(r.value, 2.0, 1e-12);
	assert_near(r.lower, 1.29031440085543, 1e-9);
	assert_near(r.upper, 3.1000196520694105, 1e-9);
	/* risk ratio: 20/100 against 30/300 */
	assert_int_equal(imp_rate_ratio(IMP_RATIO_PROPORTION, 20, 100, 30, 300, 0.05, &r), 0);
	assert_near(r.value, 2.0, 1e-12);
	assert_near(r.lower, 1.1907572536989721, 1e-9);
	assert_near(r.upper, 3.359206914402064, 1e-9);
	/* no events on one side: no standard error, so no ratio */
	assert_int_equal(imp_rate_ratio(IMP_RATIO_RATE, 0, 1000, 60, 4000, 0.05, &r), CO_ENOTFOUND);
	assert_int_equal(imp_rate_ratio(IMP_RATIO_RATE, 3, 1000, 0, 4000, 0.05, &r), CO_ENOTFOUND);
}

static void funnel_exact_limits(void **state)
{
	static const struct {
		enum imp_ratio_kind kind;
		double z, n, t, lo, hi;
	} ref[] = {
	        {IMP_RATIO_RATE, 2, 500, 0.02, 0.00731250401528276, 0.0326724348352188},
	        {IMP_RATIO_RATE, 2, 2000, 0.02, 0.0136698679813947, 0.0263291173164369},
	        {IMP_RATIO_RATE, 2, 137.5, 0.05, 0.0116247710526121, 0.0879020268389778},
	        {IMP_RATIO_PROPORTION, 2, 50, 0.3, 0.164092025108308, 0.423648310122287},
	        {IMP_RATIO_PROPORTION, 2, 400, 0.3, 0.253396039449038, 0.345045289809787},
	        {IMP_RATIO_PROPORTION, 2, 20, 0.9, 0.718008313837976, 0.990643708685358},
	        {IMP_RATIO_RATE, 3, 500, 0.02, 0.00274933931280709, 0.0405364841496709},
	        {IMP_RATIO_RATE, 3, 2000, 0.02, 0.0109631242882553, 0.0298902830221775},
	        {IMP_RATIO_RATE, 3, 137.5, 0.05, 0.000324123568727643, 0.113059896642378},
	        {IMP_RATIO_PROPORTION, 3, 50, 0.3, 0.10708171375943, 0.494197607257341},
	        {IMP_RATIO_PROPORTION, 3, 400, 0.3, 0.231380271881142, 0.368790365237593},
	        {IMP_RATIO_PROPORTION, 3, 20, 0.9, 0.623706791120586, 0.999444836660387},
	};
	double lo, hi;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ref) / sizeof(ref[0]); i++) {
		assert_int_equal(imp_funnel_limits(ref[i].kind, IMP_FUNNEL_EXACT, ref[i].t,
		                                   ref[i].n, ref[i].z, 1.0, &lo, &hi),
		                 0);
		assert_near(lo, ref[i].lo, 1e-10);
		assert_near(hi, ref[i].hi, 1e-10);
	}
	/* normal approximation: t +/- z sqrt(t(1-t)/n) */
	assert_int_equal(imp_funnel_limits(IMP_RATIO_PROPORTION, IMP_FUNNEL_NORMAL, 0.3, 400, 2,
	                                   100, &lo, &hi),
	                 0);
	assert_near(lo, 100 * (0.3 - 2 * sqrt(0.3 * 0.7 / 400)), 1e-10);
	assert_near(hi, 100 * (0.3 + 2 * sqrt(0.3 * 0.7 / 400)), 1e-10);
	/* never below zero */
	assert_int_equal(
	        imp_funnel_limits(IMP_RATIO_RATE, IMP_FUNNEL_NORMAL, 0.01, 10, 3, 1000, &lo, &hi),
	        0);
	assert_true(lo == 0.0);
}

static void funnel_flags_outliers(void **state)
{
	/* Five wards near 20 per 1,000 bed days and one at 60. */
	struct imp_funnel_point p[] = {
	        {.events = 10, .denom = 500},  {.events = 42, .denom = 2000},
	        {.events = 19, .denom = 1000}, {.events = 31, .denom = 1500},
	        {.events = 22, .denom = 1200}, {.events = 48, .denom = 800},
	        {.events = 0, .denom = 0}, /* no data: ignored */
	};
	double cd[5], l2[5], h2[5], l3[5], h3[5];
	struct imp_funnel f = {.ncurve = 5,
	                       .curve_denom = cd,
	                       .curve_lo2 = l2,
	                       .curve_hi2 = h2,
	                       .curve_lo3 = l3,
	                       .curve_hi3 = h3};
	int i;

	(void)state;
	assert_int_equal(imp_funnel_compute(IMP_RATIO_RATE, IMP_FUNNEL_EXACT, 1000, p, 7, &f), 0);
	assert_near(f.target, 1000.0 * 172 / 7000, 1e-9);
	for (i = 0; i < 5; i++)
		assert_int_equal(p[i].outside, 0);
	assert_int_equal(p[5].outside, 3);
	assert_int_equal(p[5].direction, 1);
	assert_true(isnan(p[6].value));
	assert_near(cd[0], 500, 1e-9);
	assert_near(cd[4], 2000, 1e-9);
	for (i = 0; i < 5; i++) {
		assert_true(l3[i] <= l2[i] && l2[i] <= f.target && f.target <= h2[i] &&
		            h2[i] <= h3[i]);
		if (i > 0) /* the funnel narrows as the denominator grows */
			assert_true(h3[i] - l3[i] < h3[i - 1] - l3[i - 1]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(incomplete_functions_match_reference),
	        cmocka_unit_test(exact_poisson_interval),
	        cmocka_unit_test(wilson_interval),
	        cmocka_unit_test(rate_ratio_log_method),
	        cmocka_unit_test(funnel_exact_limits),
	        cmocka_unit_test(funnel_flags_outliers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
