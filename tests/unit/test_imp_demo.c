/* Unit tests of Improve's demonstration data: deterministic, consistent
 * (strata add up), the shape the issue asks for, and special causes that a
 * u-chart would show. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "mod/improve/imp_demo.h"

static void same_seed_same_data(void **state)
{
	struct co_arena a;
	struct imp_demo x, y, z;
	int i, differ = 0;

	(void)state;
	co_arena_init(&a, 0);
	assert_int_equal(imp_demo_generate(IMP_DEMO_SEED, &a, &x, NULL), 0);
	assert_int_equal(imp_demo_generate(IMP_DEMO_SEED, &a, &y, NULL), 0);
	assert_int_equal(imp_demo_generate(IMP_DEMO_SEED + 1, &a, &z, NULL), 0);
	assert_int_equal(x.npoints, y.npoints);
	assert_int_equal(x.ncycles, y.ncycles);
	assert_int_equal(x.nreports, y.nreports);
	for (i = 0; i < x.npoints; i++) {
		assert_true(x.points[i].num == y.points[i].num);
		assert_true(x.points[i].den == y.points[i].den);
		assert_memory_equal(x.points[i].gnum, y.points[i].gnum, sizeof(x.points[i].gnum));
	}
	for (i = 0; i < x.nreports; i++) {
		assert_int_equal(x.reports[i].team_score, y.reports[i].team_score);
		assert_int_equal(x.reports[i].coach_score, y.reports[i].coach_score);
	}
	for (i = 0; i < x.npoints && i < z.npoints; i++)
		differ += x.points[i].num != z.points[i].num;
	assert_true(differ > 0);
	co_arena_free(&a);
}

static void shape_and_consistency(void **state)
{
	struct co_arena a;
	struct imp_demo d;
	int i, g, t, boards = 0, months[IMP_DEMO_TEAMS] = {0}, gaps = 0, lo_score = 0;
	const char *seen[IMP_DEMO_TEAMS];

	(void)state;
	co_arena_init(&a, 0);
	assert_int_equal(imp_demo_generate(IMP_DEMO_SEED, &a, &d, NULL), 0);
	for (t = 0; t < IMP_DEMO_TEAMS; t++) {
		for (i = 0; i < boards; i++)
			if (strcmp(seen[i], d.teams[t].org_name) == 0)
				break;
		if (i == boards)
			seen[boards++] = d.teams[t].org_name;
	}
	assert_true(boards >= 5);
	for (i = 0; i < d.npoints; i++) {
		const struct imp_demo_point *p = &d.points[i];
		double sn = 0, sd = 0;

		assert_true(p->den > 0);
		assert_true(p->num >= 0 && p->num == floor(p->num));
		if (p->measure == 1)
			assert_true(p->num <= p->den);
		if (p->measure == 0) {
			months[p->team]++;
			for (g = 0; g < IMP_DEMO_GROUPS; g++) {
				assert_true(p->gden[g] >= 0);
				sn += p->gnum[g];
				sd += p->gden[g];
			}
			assert_true(sn == p->num);
			assert_true(sd == p->den);
		}
	}
	for (t = 0; t < IMP_DEMO_TEAMS; t++)
		assert_true(months[t] == IMP_DEMO_MONTHS || months[t] == IMP_DEMO_MONTHS - 2);
	for (i = 0; i < d.nreports; i++) {
		const struct imp_demo_report *r = &d.reports[i];

		assert_true(r->team_score >= 1 && r->team_score <= 10);
		assert_true(r->coach_score >= 0 && r->coach_score <= 10);
		assert_true(r->month >= d.first_collab_month);
		if (r->coach_score && abs(r->team_score - r->coach_score) >= 2)
			gaps++;
		if (r->team_score >= 8)
			lo_score++;
	}
	assert_true(gaps > 0);     /* some months to flag */
	assert_true(lo_score > 0); /* some teams reach 4.0 */
	for (i = 0; i < d.ncycles; i++) {
		assert_string_equal(d.nodes[d.cycles[i].idea].kind, "change_idea");
		assert_true(d.cycles[i].start_month >= d.first_collab_month);
	}
	co_arena_free(&a);
}

/* The u-chart's upper 3-sigma limit at one month, from the other months. */
static void special_causes_are_visible(void **state)
{
	struct co_arena a;
	struct imp_demo d;
	int t, i, spikes = 0, falls = 0;

	(void)state;
	co_arena_init(&a, 0);
	assert_int_equal(imp_demo_generate(IMP_DEMO_SEED, &a, &d, NULL), 0);
	for (t = 0; t < IMP_DEMO_TEAMS; t++) {
		double x = 0, n = 0, bx = 0, bn = 0, lx = 0, ln = 0, u, ucl;
		const struct imp_demo_point *spike = NULL;

		for (i = 0; i < d.npoints; i++) {
			const struct imp_demo_point *p = &d.points[i];

			if (p->team != t || p->measure != 0)
				continue;
			if (p->month == d.teams[t].spike_month) {
				spike = p;
				continue;
			}
			x += p->num;
			n += p->den;
			if (p->month < 6) {
				bx += p->num;
				bn += p->den;
			}
			if (p->month >= IMP_DEMO_MONTHS - 6) {
				lx += p->num;
				ln += p->den;
			}
		}
		if (spike) {
			u = x / n;
			ucl = u + 3 * sqrt(u / spike->den);
			assert_true(spike->num / spike->den > ucl);
			spikes++;
		}
		if (d.teams[t].improves_from >= 0) {
			assert_true(lx / ln < 0.75 * (bx / bn));
			falls++;
		}
	}
	assert_int_equal(spikes, 2);
	assert_true(falls >= 4);
	co_arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(same_seed_same_data),
	        cmocka_unit_test(shape_and_consistency),
	        cmocka_unit_test(special_causes_are_visible),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
