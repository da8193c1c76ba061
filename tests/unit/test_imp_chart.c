/* Unit tests of Improve's charts through the SPC engine and the teams x
 * measures matrix, on the demonstration data (whose special causes are
 * known by construction). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "base/arena.h"
#include "mod/improve/imp_chart.h"
#include "mod/improve/imp_demo.h"

struct fixture {
	struct co_arena a;
	struct imp_demo d;
	struct imp_chart_def defs[IMP_DEMO_MEASURES];
	struct imp_series s[IMP_DEMO_TEAMS * IMP_DEMO_MEASURES];
	double x[IMP_DEMO_TEAMS * IMP_DEMO_MEASURES][IMP_DEMO_MONTHS];
	double y[IMP_DEMO_TEAMS * IMP_DEMO_MEASURES][IMP_DEMO_MONTHS];
	double n[IMP_DEMO_TEAMS * IMP_DEMO_MEASURES][IMP_DEMO_MONTHS];
};

static struct fixture fx;

static int setup(void **state)
{
	int i, k;

	(void)state;
	memset(&fx, 0, sizeof(fx));
	co_arena_init(&fx.a, 0);
	if (imp_demo_generate(IMP_DEMO_SEED, &fx.a, &fx.d, NULL))
		return -1;
	for (i = 0; i < IMP_DEMO_MEASURES; i++) {
		const struct imp_demo_measure *m = &fx.d.measures[i];

		fx.defs[i].type =
		        strcmp(m->data_type, "rate") == 0 ? IMP_DATA_RATE : IMP_DATA_PROPORTION;
		fx.defs[i].chart = m->chart;
		fx.defs[i].rules = "mdc";
		fx.defs[i].direction = m->direction;
		fx.defs[i].multiplier = m->multiplier;
		fx.defs[i].target = m->target;
	}
	for (k = 0; k < IMP_DEMO_TEAMS * IMP_DEMO_MEASURES; k++) {
		fx.s[k].team = k / IMP_DEMO_MEASURES;
		fx.s[k].measure = k % IMP_DEMO_MEASURES;
		fx.s[k].x = fx.x[k];
		fx.s[k].y = fx.y[k];
		fx.s[k].den = fx.n[k];
		/* the baseline the demo's faculty set: the months before the start */
		fx.s[k].baseline_to = imp_month_add(fx.d.first_month, fx.d.baseline_months - 1);
	}
	for (i = 0; i < fx.d.npoints; i++) {
		const struct imp_demo_point *p = &fx.d.points[i];
		struct imp_series *s = &fx.s[p->team * IMP_DEMO_MEASURES + p->measure];
		int k2 = p->team * IMP_DEMO_MEASURES + p->measure;

		fx.x[k2][s->n] = imp_month_add(fx.d.first_month, p->month);
		fx.y[k2][s->n] = p->num;
		fx.n[k2][s->n] = p->den;
		s->n++;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	co_arena_free(&fx.a);
	return 0;
}

static void spike_is_a_signal_above_the_limit(void **state)
{
	int t, found = 0;
	size_t i;

	(void)state;
	for (t = 0; t < IMP_DEMO_TEAMS; t++) {
		struct spc_result *r;
		struct spc_point p;
		double when;

		if (fx.d.teams[t].spike_month < 0)
			continue;
		when = imp_month_add(fx.d.first_month, fx.d.teams[t].spike_month);
		assert_int_equal(imp_chart_run(&fx.defs[0], &fx.s[t * IMP_DEMO_MEASURES], &r, NULL),
		                 0);
		for (i = 0; i < spc_result_npoints(r); i++) {
			spc_point_get(r, i, &p);
			if (p.x == when) {
				assert_true(p.signals & SPC_SIG_ABOVE_UCL);
				assert_int_equal(p.cls, SPC_CLASS_CONCERN);
				assert_true(strlen(imp_signal_words(SPC_SIG_ABOVE_UCL)) > 0);
				found++;
			}
		}
		spc_result_free(r);
	}
	assert_int_equal(found, 2);
}

static void matrix_shows_improvement_where_it_happened(void **state)
{
	struct imp_matrix_cell cells[IMP_DEMO_TEAMS * IMP_DEMO_MEASURES];
	int t, improved = 0;

	(void)state;
	assert_int_equal(imp_matrix(fx.defs, IMP_DEMO_MEASURES, IMP_DEMO_TEAMS, fx.s,
	                            IMP_DEMO_TEAMS * IMP_DEMO_MEASURES, cells, NULL),
	                 0);
	for (t = 0; t < IMP_DEMO_TEAMS; t++) {
		const struct imp_matrix_cell *c = &cells[t * IMP_DEMO_MEASURES];

		assert_int_equal(c->state, IMP_CELL_OK);
		if (fx.d.teams[t].improves_from >= 0) {
			/* the rate fell: special cause improvement, downwards */
			improved += c->variation == SPC_ICON_IMPROVEMENT_LOW;
		} else if (fx.d.teams[t].drifts_up) {
			/* the slow rise is never read as improvement */
			assert_true(c->variation != SPC_ICON_IMPROVEMENT_LOW);
		}
		/* the huddle measure has a target of 90%: an assurance answer */
		assert_true(cells[t * IMP_DEMO_MEASURES + 1].assurance != SPC_ASSURE_NONE);
	}
	assert_true(improved >= 5);
}

static void phases_and_baselines_change_the_limits(void **state)
{
	struct imp_series s = fx.s[0];
	struct spc_result *r1, *r2, *r3;
	struct spc_point first, last;
	double phase = imp_month_add(fx.d.first_month, fx.d.teams[0].improves_from);
	size_t n;

	(void)state;
	s.baseline_to = 0;
	assert_int_equal(imp_chart_run(&fx.defs[0], &s, &r1, NULL), 0);
	assert_int_equal(spc_result_nparts(r1), 1);
	s.phase_starts = &phase;
	s.nphases = 1;
	assert_int_equal(imp_chart_run(&fx.defs[0], &s, &r2, NULL), 0);
	assert_int_equal(spc_result_nparts(r2), 2);
	n = spc_result_npoints(r2);
	spc_point_get(r2, 0, &first);
	spc_point_get(r2, n - 1, &last);
	assert_true(last.cl < first.cl); /* the new phase sits lower */
	s.nphases = 0;
	s.baseline_to = imp_month_add(fx.d.first_month, 5);
	assert_int_equal(imp_chart_run(&fx.defs[0], &s, &r3, NULL), 0);
	spc_point_get(r3, 0, &first);
	spc_point_get(r3, spc_result_npoints(r3) - 1, &last);
	assert_true(fabs(last.cl - first.cl) < 1e-9); /* frozen centre line carried on */
	spc_result_free(r1);
	spc_result_free(r2);
	spc_result_free(r3);
}

static void unknown_chart_is_refused(void **state)
{
	struct imp_chart_def d = fx.defs[0];
	struct spc_result *r = NULL;
	struct co_err e;

	(void)state;
	d.chart = "pie";
	assert_int_equal(imp_chart_run(&d, &fx.s[0], &r, &e), CO_EINPUT);
	assert_null(r);
	d.chart = "u";
	d.rules = "astrology";
	assert_int_equal(imp_chart_run(&d, &fx.s[0], &r, &e), CO_EINPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(spike_is_a_signal_above_the_limit),
	        cmocka_unit_test(matrix_shows_improvement_where_it_happened),
	        cmocka_unit_test(phases_and_baselines_change_the_limits),
	        cmocka_unit_test(unknown_chart_is_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
