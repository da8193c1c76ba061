/* Unit tests of Improve's data rules: periods, the data-entry form and CSV
 * uploads (all-or-nothing, every error by row, column and field, strata
 * totals against the unstratified value). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/arena.h"
#include "base/err.h"
#include "mod/improve/imp_data.h"

static const struct imp_group_def eth[] = {
        {101, "white", "White"}, {102, "black", "Black"}, {103, "asian", "Asian"}};
static const struct imp_group_def sex[] = {{201, "female", "Female"}, {202, "male", "Male"}};
static const struct imp_kind_def kinds[] = {{1, "ethnicity", "ethnicity", eth, 3},
                                            {2, "sex", "sex", sex, 2}};
static const struct imp_measure_def measures[] = {
        {10, 0, "rp_rate", "Restrictive practice", IMP_DATA_RATE, IMP_FREQ_MONTHLY},
        {11, 1, "care_plan", "Care plans in place", IMP_DATA_PROPORTION, IMP_FREQ_MONTHLY},
        {12, 1, "obs_min", "Minutes to review", IMP_DATA_CONTINUOUS, IMP_FREQ_MONTHLY},
        {13, 0, "incidents", "Incidents", IMP_DATA_COUNT, IMP_FREQ_MONTHLY},
        {14, 2, "huddles", "Safety huddles held", IMP_DATA_COUNT, IMP_FREQ_WEEKLY},
};
static const struct imp_team_ref teams[] = {{1, "W1"}, {2, "W2"}};

static struct imp_catalog catalog(void)
{
	struct imp_catalog c = {teams, 2, measures, 5, kinds, 2, 0};

	c.today = imp_days_from_civil(2024, 6, 15);
	return c;
}

/* The error for a field, or NULL. */
static const struct co_err *err_for(const struct imp_errs *l, const char *field)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].field, field) == 0)
			return &l->v[i];
	return NULL;
}

static const struct co_err *err_at_row(const struct imp_errs *l, long row, const char *field)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].row == row && strcmp(l->v[i].field, field) == 0)
			return &l->v[i];
	return NULL;
}

static void dates_and_periods(void **state)
{
	int32_t d;
	int y, m, dd;
	char buf[16];
	struct co_err e;

	(void)state;
	assert_int_equal(imp_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(imp_days_from_civil(2000, 3, 1), 11017);
	for (d = -800000; d < 800000; d += 997) {
		imp_civil_from_days(d, &y, &m, &dd);
		assert_int_equal(imp_days_from_civil(y, m, dd), d);
	}
	assert_int_equal(imp_period_parse("2024-02", IMP_FREQ_MONTHLY, &d, &e), 0);
	assert_int_equal(d, imp_days_from_civil(2024, 2, 1));
	assert_int_equal(imp_period_parse("2024-02-01", IMP_FREQ_MONTHLY, &d, &e), 0);
	assert_int_equal(imp_period_parse("2024-02-15", IMP_FREQ_MONTHLY, &d, &e), CO_EINPUT);
	assert_int_equal(imp_period_parse("2024-13", IMP_FREQ_MONTHLY, &d, &e), CO_EINPUT);
	assert_int_equal(imp_period_parse("2023-02-29", IMP_FREQ_WEEKLY, &d, &e), CO_EINPUT);
	assert_int_equal(imp_period_parse("2024-03-04", IMP_FREQ_WEEKLY, &d, &e), 0); /* Monday */
	assert_int_equal(imp_period_parse("2024-03-05", IMP_FREQ_WEEKLY, &d, &e), CO_EINPUT);
	assert_non_null(strstr(e.msg, "Monday"));
	d = imp_month_add(imp_days_from_civil(2023, 11, 20), 3);
	imp_day_format(d, buf, sizeof(buf));
	assert_string_equal(buf, "2024-02-01");
	d = imp_month_add(imp_days_from_civil(2024, 1, 1), -13);
	imp_day_format(d, buf, sizeof(buf));
	assert_string_equal(buf, "2022-12-01");
	assert_int_equal(imp_months_between(imp_days_from_civil(2023, 11, 3),
	                                    imp_days_from_civil(2025, 2, 1)),
	                 15);
	assert_string_equal(imp_suggest_chart(IMP_DATA_RATE), "u");
	assert_string_equal(imp_suggest_chart(IMP_DATA_PROPORTION), "p");
}

static void form_accepts_a_good_month(void **state)
{
	struct imp_catalog cat = catalog();
	const struct imp_field f[] = {
	        {"csrf", "abc"},       {"m10_num", "12"},
	        {"m10_den", "540"},    {"m10_notes", "two patients with long stays"},
	        {"m10_g101_num", "8"}, {"m10_g101_den", "400"},
	        {"m10_g102_num", "4"}, {"m10_g102_den", "100"},
	        {"m10_g103_num", ""},  {"m10_g103_den", "40"},
	        {"m11_num", "18"},     {"m11_den", "20"},
	        {"m12_value", ""}, /* not reported this month */
	        {"m13_value", " 7 "},
	};
	struct co_arena a;
	struct imp_errs errs;
	struct imp_point *p = NULL;
	int n = 0;

	(void)state;
	co_arena_init(&a, 0);
	imp_errs_init(&errs);
	/* Asian group: denominator 40 with a blank numerator is an error... */
	assert_int_equal(imp_entry_validate(&cat, 1, IMP_FREQ_MONTHLY,
	                                    imp_days_from_civil(2024, 5, 1), f, 14, &a, &p, &n,
	                                    &errs),
	                 CO_EINPUT);
	assert_non_null(err_for(&errs, "m10_g103_num"));
	assert_int_equal(errs.n, 1);
	imp_errs_free(&errs);

	/* ...and with it filled the month is accepted */
	{
		struct imp_field g[14];

		memcpy(g, f, sizeof(g));
		g[8].value = "0";
		g[3].value = "two patients with long stays";
		imp_errs_init(&errs);
		assert_int_equal(imp_entry_validate(&cat, 1, IMP_FREQ_MONTHLY,
		                                    imp_days_from_civil(2024, 5, 1), g, 14, &a, &p,
		                                    &n, &errs),
		                 0);
	}
	assert_int_equal(errs.n, 0);
	assert_int_equal(n, 3);
	assert_int_equal(p[0].measure_id, 10);
	assert_true(p[0].numerator == 12 && p[0].denominator == 540);
	assert_int_equal(p[0].nstrata, 3);
	assert_string_equal(p[0].notes, "two patients with long stays");
	assert_int_equal(p[1].measure_id, 11);
	assert_true(p[1].value == 0.9);
	assert_int_equal(p[2].measure_id, 13);
	assert_true(p[2].value == 7);
	imp_errs_free(&errs);
	co_arena_free(&a);
}

static void form_reports_every_error(void **state)
{
	struct imp_catalog cat = catalog();
	const struct imp_field f[] = {
	        {"m10_num", "12"},     {"m10_den", "540"},
	        {"m10_g101_num", "8"}, {"m10_g101_den", "400"},
	        {"m10_g102_num", "3"}, {"m10_g102_den", "100"},
	        {"m11_num", "21"},     {"m11_den", "20"},
	        {"m12_value", "ten"},  {"m13_notes", "nothing to add"},
	        {"m14_value", "3"},    {"m99_value", "1"},
	};
	struct co_arena a;
	struct imp_errs errs;
	struct imp_point *p = NULL;
	int n = -1;

	(void)state;
	co_arena_init(&a, 0);
	imp_errs_init(&errs);
	assert_int_equal(imp_entry_validate(&cat, 1, IMP_FREQ_MONTHLY,
	                                    imp_days_from_civil(2024, 7, 1), f, 12, &a, &p, &n,
	                                    &errs),
	                 CO_EINPUT);
	assert_null(p);
	assert_int_equal(n, -1);
	assert_non_null(err_for(&errs, "period")); /* July has not started */
	assert_non_null(strstr(err_for(&errs, "m10_num")->msg, "add up to 11, not 12"));
	assert_non_null(strstr(err_for(&errs, "m10_den")->msg, "add up to 500, not 540"));
	assert_non_null(err_for(&errs, "m11_num")); /* 21 of 20 */
	assert_non_null(strstr(err_for(&errs, "m12_value")->msg, "not a number"));
	assert_non_null(err_for(&errs, "m13_notes")); /* a note with no value */
	assert_non_null(err_for(&errs, "m14_value")); /* another team's weekly measure */
	assert_non_null(err_for(&errs, "m99_value")); /* no such measure */
	assert_int_equal(errs.n, 8);
	imp_errs_free(&errs);
	co_arena_free(&a);
}

#define ROW(...) __VA_ARGS__

static void csv_accepts_a_good_file(void **state)
{
	struct imp_catalog cat = catalog();
	const char *header[] = {"Team",  "measure", "period", "numerator", "denominator",
	                        "value", "stratum", "group",  "notes"};
	const char *cells[] = {
	        ROW("W1", "rp_rate", "2024-04", "10", "500", "", "", "", "a quiet month"),
	        ROW("W1", "rp_rate", "2024-04", "7", "420", "", "ethnicity", "white", ""),
	        ROW("W1", "rp_rate", "2024-04", "3", "80", "", "ethnicity", "black", ""),
	        ROW("W1", "rp_rate", "2024-04", "6", "260", "", "sex", "female", ""),
	        ROW("W1", "rp_rate", "2024-04", "4", "240", "", "sex", "male", ""),
	        ROW("W2", "incidents", "2024-04-01", "", "", "5", "", "", ""),
	        ROW("W2", "huddles", "2024-04-01", "", "", "4", "", "", ""),
	        ROW("w1", "care_plan", "2024-03", "15", "20", "", "", "", ""),
	};
	struct imp_table t = {header, 9, cells, 8, NULL};
	struct co_arena a;
	struct imp_errs errs;
	struct imp_point *p = NULL;
	int n = 0, i;

	(void)state;
	co_arena_init(&a, 0);
	imp_errs_init(&errs);
	assert_int_equal(imp_csv_validate(&cat, 0, &t, &a, &p, &n, &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++)
		if (p[i].measure_id == 10) {
			assert_int_equal(p[i].nstrata, 4);
			assert_string_equal(p[i].notes, "a quiet month");
			assert_true(p[i].numerator == 10 && p[i].denominator == 500);
		}
	imp_errs_free(&errs);
	co_arena_free(&a);
}

static void csv_reports_every_error_and_keeps_nothing(void **state)
{
	struct imp_catalog cat = catalog();
	const char *header[] = {"team",  "measure", "period", "numerator", "denominator",
	                        "value", "stratum", "group",  "notes"};
	const char *cells[] = {
	        /* line 2: fine, but its strata do not add up (lines 3-4) */
	        ROW("W1", "rp_rate", "2024-04", "10", "500", "", "", "", ""),
	        ROW("W1", "rp_rate", "2024-04", "7", "420", "", "ethnicity", "white", ""),
	        ROW("W1", "rp_rate", "2024-04", "4", "80", "", "ethnicity", "black", ""),
	        /* line 5: unknown team */
	        ROW("W9", "rp_rate", "2024-04", "1", "10", "", "", "", ""),
	        /* line 6: the measure is another team's */
	        ROW("W2", "care_plan", "2024-04", "1", "10", "", "", "", ""),
	        /* line 7: bad period */
	        ROW("W1", "incidents", "April", "", "", "3", "", "", ""),
	        /* line 8: a count with a fraction */
	        ROW("W1", "incidents", "2024-05", "", "", "2.5", "", "", ""),
	        /* line 9 and 10: the same value twice */
	        ROW("W1", "incidents", "2024-03", "", "", "2", "", "", ""),
	        ROW("W1", "incidents", "2024-03", "", "", "3", "", "", ""),
	        /* line 11: a group without the team's value */
	        ROW("W1", "care_plan", "2024-02", "2", "3", "", "sex", "male", ""),
	        /* line 12: unknown group; line 13: future period */
	        ROW("W1", "care_plan", "2024-01", "2", "3", "", "ethnicity", "purple", ""),
	        ROW("W1", "care_plan", "2024-08", "2", "3", "", "", "", ""),
	        /* line 14: a continuous measure split into groups */
	        ROW("W1", "obs_min", "2024-01", "", "", "12", "sex", "male", ""),
	};
	struct imp_table t = {header, 9, cells, 13, NULL};
	struct co_arena a;
	struct imp_errs errs;
	struct imp_point *p = NULL;
	int n = -1;
	const struct co_err *e;

	(void)state;
	co_arena_init(&a, 0);
	imp_errs_init(&errs);
	assert_int_equal(imp_csv_validate(&cat, 0, &t, &a, &p, &n, &errs), CO_EINPUT);
	assert_null(p);
	assert_int_equal(n, -1);
	e = err_at_row(&errs, 2, "numerator");
	assert_non_null(e);
	assert_int_equal(e->col, 4);
	assert_non_null(strstr(e->msg, "add up to 11, not 10"));
	assert_non_null(err_at_row(&errs, 5, "team"));
	assert_int_equal(err_at_row(&errs, 5, "team")->col, 1);
	assert_non_null(err_at_row(&errs, 6, "measure"));
	assert_non_null(err_at_row(&errs, 7, "period"));
	assert_non_null(err_at_row(&errs, 8, "value"));
	assert_int_equal(err_at_row(&errs, 8, "value")->col, 6);
	assert_non_null(strstr(err_at_row(&errs, 10, "period")->msg, "twice (also on row 9)"));
	assert_non_null(err_at_row(&errs, 11, "group"));
	assert_non_null(err_at_row(&errs, 12, "group"));
	assert_non_null(err_at_row(&errs, 13, "period"));
	assert_non_null(err_at_row(&errs, 14, "stratum"));
	assert_int_equal(errs.n, 10);
	imp_errs_free(&errs);
	co_arena_free(&a);
}

static void csv_header_problems(void **state)
{
	struct imp_catalog cat = catalog();
	const char *header[] = {"measure", "colour", "value", "value"};
	const char *cells[] = {"incidents", "red", "1", "2"};
	struct imp_table t = {header, 4, cells, 1, NULL};
	struct co_arena a;
	struct imp_errs errs;
	struct imp_point *p = NULL;
	int n = 0;

	(void)state;
	co_arena_init(&a, 0);
	imp_errs_init(&errs);
	assert_int_equal(imp_csv_validate(&cat, 0, &t, &a, &p, &n, &errs), CO_EINPUT);
	assert_non_null(err_at_row(&errs, 1, "colour"));
	assert_int_equal(err_at_row(&errs, 1, "colour")->col, 2);
	assert_non_null(strstr(err_at_row(&errs, 1, "value")->msg, "twice"));
	assert_non_null(err_at_row(&errs, 1, "period"));
	assert_non_null(err_at_row(&errs, 1, "team"));
	imp_errs_free(&errs);

	/* one team's own upload needs no team column */
	{
		const char *h2[] = {"measure", "period", "value"};
		const char *c2[] = {"incidents", "2024-01", "4", "huddles", "2024-01-01", "1"};
		struct imp_table t2 = {h2, 3, c2, 2, NULL};

		imp_errs_init(&errs);
		assert_int_equal(imp_csv_validate(&cat, 2, &t2, &a, &p, &n, &errs), 0);
		assert_int_equal(n, 2);
		assert_int_equal(p[0].team_id, 2);
		imp_errs_free(&errs);
	}
	co_arena_free(&a);
}

static void csv_text_through_the_reader(void **state)
{
	struct imp_catalog cat = catalog();
	static const char good[] = "\xEF\xBB\xBFteam,measure,period,value,notes\r\n"
	                           "W2,incidents,2024-04,3,\"a note, with a comma\"\r\n"
	                           "W2,incidents,2024-05,1,\r\n";
	static const char ragged[] = "team,measure,period,value\n"
	                             "W2,incidents,2024-04\n"
	                             "W2,incidents,2024-05,1,extra\n"
	                             "W2,incidents,2024-06,1\n";
	static const char broken[] = "team,measure\nW2,\"open";
	struct co_arena a;
	struct imp_errs errs;
	struct imp_table t;
	struct imp_point *p;
	int n;

	(void)state;
	co_arena_init(&a, 0);
	imp_errs_init(&errs);
	assert_int_equal(imp_table_read(good, sizeof(good) - 1, &a, &t, &errs), 0);
	assert_int_equal(t.nrows, 2);
	assert_int_equal(t.line[1], 3);
	assert_int_equal(imp_csv_validate(&cat, 0, &t, &a, &p, &n, &errs), 0);
	assert_int_equal(n, 2);
	assert_string_equal(p[0].notes, "a note, with a comma");

	assert_int_equal(imp_table_read(ragged, sizeof(ragged) - 1, &a, &t, &errs), CO_EINPUT);
	assert_int_equal(errs.n, 2);
	assert_int_equal(errs.v[0].row, 2);
	assert_int_equal(errs.v[1].row, 3);
	imp_errs_free(&errs);

	imp_errs_init(&errs);
	assert_int_equal(imp_table_read(broken, sizeof(broken) - 1, &a, &t, &errs), CO_EINPUT);
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].row, 2);
	imp_errs_free(&errs);
	imp_errs_init(&errs);
	assert_int_equal(imp_table_read("", 0, &a, &t, &errs), CO_EINPUT);
	imp_errs_free(&errs);
	co_arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(dates_and_periods),
	        cmocka_unit_test(form_accepts_a_good_month),
	        cmocka_unit_test(form_reports_every_error),
	        cmocka_unit_test(csv_accepts_a_good_file),
	        cmocka_unit_test(csv_reports_every_error_and_keeps_nothing),
	        cmocka_unit_test(csv_header_problems),
	        cmocka_unit_test(csv_text_through_the_reader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
