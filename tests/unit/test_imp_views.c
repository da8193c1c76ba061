/* Unit tests of Improve's score rules, completeness grid and change ideas x
 * teams grid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "base/arena.h"
#include "base/err.h"
#include "mod/improve/imp_data.h"
#include "mod/improve/imp_views.h"

static void score_parse_accepts_half_steps_only(void **state)
{
	static const struct {
		const char *s;
		int halves;
	} good[] = {{"0.5", 1}, {"1", 2}, {"1.0", 2}, {" 3.5 ", 7}, {"4.50", 9}, {"5.0", 10}};
	static const char *const bad[] = {"0",   "0.0", "5.5", "3.2", "3.",   ".5", "-1",
	                                  "abc", "",    "10",  "4,5", "3.5x", "1e0"};
	struct co_err e;
	char buf[8];
	int h, i;

	(void)state;
	for (i = 0; i < (int)(sizeof(good) / sizeof(good[0])); i++) {
		assert_int_equal(imp_score_parse(good[i].s, &h, &e), 0);
		assert_int_equal(h, good[i].halves);
	}
	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		h = -7;
		assert_int_equal(imp_score_parse(bad[i], &h, &e), CO_EINPUT);
		assert_int_equal(h, -7); /* untouched on failure */
	}
	for (h = 1; h <= 10; h++) {
		int back;

		imp_score_format(h, buf, sizeof(buf));
		assert_int_equal(imp_score_parse(buf, &back, &e), 0);
		assert_int_equal(back, h);
	}
	imp_score_format(7, buf, sizeof(buf));
	assert_string_equal(buf, "3.5");
}

static void score_gap_is_one_point_or_more(void **state)
{
	(void)state;
	assert_false(imp_score_gap(6, 7)); /* 3.0 and 3.5 */
	assert_true(imp_score_gap(6, 8));  /* 3.0 and 4.0 */
	assert_true(imp_score_gap(9, 4));  /* 4.5 and 2.0 */
	assert_false(imp_score_gap(9, 0)); /* coach not yet scored */
	assert_false(imp_score_gap(0, 2));
}

static void score_summary_by_month(void **state)
{
	int32_t jan = imp_days_from_civil(2024, 1, 1), feb = imp_days_from_civil(2024, 2, 1);
	const struct imp_score_obs obs[] = {
	        /* January: team scores 2.0, 4.0, 4.5; coach scores 2.0, 3.0, - */
	        {1, jan, 4, 4},
	        {2, jan, 8, 6},
	        {3, jan, 9, 0},
	        /* February: only two teams */
	        {1, feb, 6, 8},
	        {2, feb, 8, 8},
	        /* outside the range */
	        {3, imp_days_from_civil(2024, 5, 1), 10, 10},
	};
	struct imp_score_month m[3];

	(void)state;
	assert_int_equal(imp_score_summary(obs, 6, 4, IMP_RATER_TEAM, jan, 3, m, NULL), 0);
	assert_int_equal(m[0].nscored, 3);
	assert_int_equal(m[0].nhigh, 2);
	assert_true(fabs(m[0].share - 2.0 / 3) < 1e-12);
	assert_true(fabs(m[0].share_of_all - 0.5) < 1e-12);
	assert_int_equal(m[0].count[3], 1);
	assert_int_equal(m[0].count[7], 1);
	assert_int_equal(m[0].count[8], 1);
	assert_true(m[0].median == 4.0);
	assert_int_equal(m[0].ngaps, 1); /* team 2: 4.0 against 3.0 */
	assert_int_equal(m[1].nscored, 2);
	assert_true(m[1].median == 3.5);
	assert_int_equal(m[1].ngaps, 1); /* team 1: 3.0 against 4.0 */
	assert_int_equal(m[2].nscored, 0);
	assert_true(isnan(m[2].share));
	assert_int_equal(m[2].month, imp_days_from_civil(2024, 3, 1));

	assert_int_equal(imp_score_summary(obs, 6, 4, IMP_RATER_COACH, jan, 3, m, NULL), 0);
	assert_int_equal(m[0].nscored, 2);
	assert_int_equal(m[0].nhigh, 0);
	assert_int_equal(m[1].nhigh, 2);
	assert_true(m[1].share == 1.0);

	/* assessed: the coach's score when there is one, else the team's */
	assert_int_equal(imp_score_summary(obs, 6, 4, IMP_RATER_ASSESSED, jan, 3, m, NULL), 0);
	assert_int_equal(m[0].nscored, 3);
	assert_int_equal(m[0].nhigh, 1); /* team 3's own 4.5 */

	{
		const struct imp_score_obs badobs[] = {{1, jan, 11, 0}};

		assert_int_equal(imp_score_summary(badobs, 1, 1, IMP_RATER_TEAM, jan, 1, m, NULL),
		                 CO_EINPUT);
	}
}

static void completeness_grid(void **state)
{
	int32_t jan = imp_days_from_civil(2024, 1, 1), feb = imp_days_from_civil(2024, 2, 1);
	const int64_t teams[] = {30, 10, 20};
	const int expected[] = {2, 2, 1};
	const struct imp_reported rep[] = {
	        {10, jan, 1},
	        {10, jan, 2},                              /* team 10 complete in January */
	        {10, feb, 1},                              /* partial in February */
	        {20, feb, 3},                              /* team 20 complete in February */
	        {99, jan, 1},                              /* not a team of this collaborative */
	        {30, imp_days_from_civil(2023, 12, 1), 1}, /* before the range */
	};
	struct co_arena a;
	struct imp_completeness_grid g;

	(void)state;
	co_arena_init(&a, 0);
	assert_int_equal(imp_completeness(teams, expected, 3, jan, 2, rep, 6, &a, &g, NULL), 0);
	/* rows follow the order of teams[] */
	assert_int_equal(g.status[0 * 2 + 0], IMP_MISSING);
	assert_int_equal(g.status[0 * 2 + 1], IMP_MISSING);
	assert_int_equal(g.status[1 * 2 + 0], IMP_COMPLETE);
	assert_int_equal(g.status[1 * 2 + 1], IMP_PARTIAL);
	assert_int_equal(g.status[2 * 2 + 0], IMP_MISSING);
	assert_int_equal(g.status[2 * 2 + 1], IMP_COMPLETE);
	assert_int_equal(g.ncomplete[0], 1);
	assert_int_equal(g.ncomplete[1], 1);
	assert_true(fabs(g.share_complete[0] - 1.0 / 3) < 1e-12);
	assert_int_equal(g.nreported[1 * 2 + 1], 1);
	co_arena_free(&a);
}

static void ideas_grid_takes_latest_conclusion(void **state)
{
	const int64_t ideas[] = {7, 5};
	const int64_t teams[] = {1, 2, 3};
	const struct imp_cycle_ref cycles[] = {
	        /* idea 5, team 1: adapted, then adopted later */
	        {100, 1, 5, 10, 20, IMP_ACT_ADAPT},
	        {101, 1, 5, 25, 40, IMP_ACT_ADOPT},
	        /* idea 5, team 2: one open cycle only */
	        {102, 2, 5, 30, 0, IMP_ACT_NONE},
	        /* idea 7, team 2: abandoned, and a new open cycle */
	        {103, 2, 7, 5, 15, IMP_ACT_ABANDON},
	        {104, 2, 7, 50, 0, IMP_ACT_NONE},
	        /* an idea not in the grid */
	        {105, 3, 9, 5, 15, IMP_ACT_ADOPT},
	};
	struct co_arena a;
	struct imp_idea_grid g;
	enum imp_act act;

	(void)state;
	co_arena_init(&a, 0);
	assert_int_equal(imp_idea_grid(ideas, 2, teams, 3, cycles, 6, &a, &g, NULL), 0);
	/* row 1 is idea 5 */
	assert_int_equal(g.cells[1 * 3 + 0].status, IMP_IDEA_ADOPTED);
	assert_int_equal(g.cells[1 * 3 + 0].ncycles, 2);
	assert_int_equal(g.cells[1 * 3 + 0].latest_id, 101);
	assert_int_equal(g.cells[1 * 3 + 1].status, IMP_IDEA_TESTING);
	assert_int_equal(g.cells[1 * 3 + 2].status, IMP_IDEA_NOT_TESTED);
	assert_int_equal(g.cells[0 * 3 + 1].status, IMP_IDEA_ABANDONED);
	assert_int_equal(g.cells[0 * 3 + 1].open, 1);
	assert_int_equal(g.by_status[1][IMP_IDEA_ADOPTED], 1);
	assert_int_equal(g.by_status[1][IMP_IDEA_TESTING], 1);
	assert_int_equal(g.by_status[0][IMP_IDEA_NOT_TESTED], 2);
	assert_string_equal(imp_idea_status_name(IMP_IDEA_ADAPTED), "adapted");
	assert_int_equal(imp_act_parse("adapt", &act), 0);
	assert_int_equal(act, IMP_ACT_ADAPT);
	assert_int_equal(imp_act_parse("keep", &act), CO_EINPUT);
	co_arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(score_parse_accepts_half_steps_only),
	        cmocka_unit_test(score_gap_is_one_point_or_more),
	        cmocka_unit_test(score_summary_by_month),
	        cmocka_unit_test(completeness_grid),
	        cmocka_unit_test(ideas_grid_takes_latest_conclusion),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
