/* Unit tests of the workforce engine's optimisers and WISN: the Williams
 * manpower optima, the commissioning LP against the greedy check, binding
 * limits and conflicts, and a WISN calculation worked by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wf/wf.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

static char *replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t n;
	char *out;

	if (!at)
		fail_msg("'%s' not in the text", from);
	n = strlen(text) - strlen(from) + strlen(to) + 1;
	out = malloc(n);
	assert_non_null(out);
	snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	return out;
}

/* ---- Manpower ----------------------------------------------------------------- */

static double manpower(const char *text, int objective, int expect_rc, char *msg, size_t size)
{
	struct wf_manpower *mp = NULL;
	struct co_buf b;
	struct co_err e;
	double obj = NAN;
	int rc;

	co_err_clear(&e);
	co_buf_init(&b, 1 << 20);
	rc = wf_manpower_read_json(text, strlen(text), &mp, &e);
	if (!rc) {
		rc = wf_manpower_solve(mp, objective, &b, &obj, &e);
		if (!rc)
			assert_non_null(strstr(b.data, "\"objective\":"));
	}
	if (rc != expect_rc)
		fail_msg("rc %d (%s), want %d", rc, e.msg, expect_rc);
	if (msg)
		snprintf(msg, size, "%s", e.msg);
	co_buf_free(&b);
	wf_manpower_free(mp);
	return obj;
}

static void williams_optima(void **state)
{
	char *text = slurp("examples/williams-manpower.json");
	double red = manpower(text, WF_MP_REDUNDANCY, 0, NULL, 0);
	double cost = manpower(text, WF_MP_COST, 0, NULL, 0);

	(void)state;
	if (fabs(red - 841.797) > 0.0005 || fabs(cost - 498677) > 0.5)
		fail_msg("optima %.6f and %.3f, want 841.797 and 498,677", red, cost);
	free(text);
}

static void manpower_infeasible_names_requirements(void **state)
{
	char *text = slurp("examples/williams-manpower.json");
	char *bad = replace(text, "[1000, 1500, 2000]", "[1000, 1500, 9000]");
	char msg[CO_MAX_ERRMSG];

	(void)state;
	manpower(bad, WF_MP_COST, CO_EINPUT, msg, sizeof(msg));
	assert_non_null(strstr(msg, "K in period 3"));
	free(bad);
	bad = replace(text, "\"wastage\": 0.10", "\"wastage\": 0.10, \"colour\": 1");
	manpower(bad, WF_MP_COST, CO_EINPUT, msg, sizeof(msg));
	assert_non_null(strstr(msg, "category U"));
	assert_non_null(strstr(msg, "colour"));
	free(bad);
	free(text);
}

/* ---- Commissioning ---------------------------------------------------------------- */

/* A profession short of staff: big vacancies and fast growth. */
static const char *const short_model =
        "{\"base_year\": 2025, \"horizon\": 10, \"age_min\": 16, \"age_max\": 75,"
        " \"professions\": [{\"code\": \"mhn\","
        "  \"stock\": [{\"group\": \"north\", \"age\": \"25-59\", \"headcount\": 700},"
        "            {\"group\": \"south\", \"age\": \"30-64\", \"headcount\": 500}],"
        "  \"fte_ratio\": [{\"age\": \"16-75\", \"ratio\": 0.9}],"
        "  \"leaver_rate\": [{\"age\": \"16-54\", \"rate\": 0.09}, {\"age\": \"55-75\", \"rate\": "
        "0.2}],"
        "  \"training\": {\"course_years\": 3, \"fill_rate\": 0.95, \"attrition\": [0.15, 0.08, "
        "0.04],"
        "    \"completion\": 0.97, \"uptake\": 0.8,"
        "    \"commissions\": [{\"year\": 2025, \"places\": 300}, {\"year\": 2026, \"places\": "
        "300}],"
        "    \"in_training\": [250, 230, 210], \"cost_per_place\": 9000,"
        "    \"entry_age\": [{\"age\": \"21-24\", \"share\": 0.7}, {\"age\": \"25-34\", \"share\": "
        "0.3}]},"
        "  \"returners\": {\"rate\": 0.05, \"pool\": 300, \"pool_decay\": 0.1, \"max_age\": 59,"
        "    \"entry_age\": [{\"age\": \"30-49\", \"share\": 1}]},"
        "  \"demand\": {\"method\": \"growth\", \"vacancies\": 300, \"growth\": [{\"from\": 2026, "
        "\"rate\": 0.05}]}}],"
        " \"uncertainty\": [{\"param\": \"mhn.leaver_rate\", \"dist\": \"lognormal\", \"sd\": "
        "0.15}],"
        " \"commissioning\": {\"from\": 2026, \"years\": 4}}";

static struct wf_model *load(const char *text)
{
	struct wf_model *m = NULL;
	struct co_err e;

	if (wf_model_read_json(text, strlen(text), &m, &e))
		fail_msg("model rejected: %s", e.msg);
	return m;
}

static void commission(const char *text, long draws, int greedy, struct wf_commission *r)
{
	struct wf_model *m = load(text);
	struct wf_commission_opts o = {0, 0, 0, draws, 5, greedy};
	struct co_err e;

	if (wf_commission(m, &o, r, &e))
		fail_msg("commission failed: %s", e.msg);
	wf_model_free(m);
}

static void lp_agrees_with_greedy_when_nothing_binds(void **state)
{
	struct wf_commission r;
	int i, any = 0;

	(void)state;
	commission(short_model, 0, 0, &r);
	assert_int_equal(r.n_cells, 4);
	for (i = 0; i < r.n_cells; i++) {
		const struct wf_commission_cell *c = &r.cells[i];
		assert_int_equal(c->binds, 0);
		assert_int_equal(c->target_year, c->year + 3);
		if (fabs(c->places - c->greedy) > 1e-6 * fmax(1, c->greedy))
			fail_msg("%d: LP %.10g, greedy %.10g", c->year, c->places, c->greedy);
		assert_true(c->shortfall == 0); /* nothing stops it closing the gap */
		any |= c->places > 1;
	}
	assert_true(any);
	wf_commission_free(&r);
}

static void binding_limits_are_reported(void **state)
{
	struct wf_commission r0, r;
	char *t = replace(short_model, "\"cost_per_place\": 9000,",
	                  "\"cost_per_place\": 9000, \"university_capacity\": [{\"year\": 2027, "
	                  "\"places\": 100}],");
	char *t2;
	int i;

	(void)state;
	commission(short_model, 0, 0, &r0);
	commission(t, 0, 0, &r);
	/* 2027's entrants are held at the capacity; the LP makes up elsewhere */
	assert_true(r.cells[1].binds & WF_LIM_UNIVERSITY);
	assert_true(fabs(r.cells[1].entrants - 100) < 1e-6);
	assert_true(fabs(r.cells[1].places - r.cells[1].greedy) > 1);
	for (i = 0; i < r.n_cells; i++)
		if (i != 1)
			assert_false(r.cells[i].binds & WF_LIM_UNIVERSITY);
	wf_commission_free(&r);
	/* a budget for 2026 below what the gap needs */
	t2 = replace(short_model, "\"years\": 4}",
	             "\"years\": 4, \"budget\": [{\"year\": 2026, \"amount\": 1000000}]}");
	commission(t2, 0, 0, &r);
	assert_int_equal(r.budget_binds[0], 1);
	assert_true(r.cells[0].binds & WF_LIM_BUDGET);
	assert_true(fabs(r.cells[0].cost - 1000000) < 1e-3);
	assert_true(r.cells[0].places < r0.cells[0].places);
	assert_int_equal(r.budget_binds[1], 0);
	wf_commission_free(&r);
	wf_commission_free(&r0);
	free(t);
	free(t2);
}

static void conflicting_limits_are_named(void **state)
{
	char *t = replace(short_model, "\"years\": 4}",
	                  "\"years\": 4, \"commitments\": [{\"profession\": \"mhn\", \"year\": "
	                  "2027, \"places\": 900}]}");
	char *t2 = replace(t, "\"cost_per_place\": 9000,",
	                   "\"cost_per_place\": 9000, \"placement_capacity\": [{\"year\": 2027, "
	                   "\"places\": 500}],");
	struct wf_model *m = load(t2);
	struct wf_commission_opts o = {0, 0, 0, 0, 1, -1};
	struct wf_commission r;
	struct co_err e;

	(void)state;
	co_err_clear(&e);
	assert_int_equal(wf_commission(m, &o, &r, &e), CO_EINPUT);
	assert_non_null(strstr(e.msg, "placement capacity of mhn in 2027"));
	wf_model_free(m);
	free(t);
	free(t2);
}

static void expected_shortfall_over_draws(void **state)
{
	struct wf_commission a, b;
	int i;

	(void)state;
	commission(short_model, 300, -1, &a);
	commission(short_model, 300, -1, &b);
	assert_int_equal(a.draws, 300);
	for (i = 0; i < a.n_cells; i++)
		assert_true(a.cells[i].places == b.cells[i].places); /* same seed, same answer */
	assert_true(isfinite(a.objective) && a.objective > 0);
	wf_commission_free(&a);
	wf_commission_free(&b);
}

/* ---- WISN ------------------------------------------------------------------------ */

static void wisn_worked_by_hand(void **state)
{
	static const char *const team =
	        "{\"team\": \"t\", \"categories\": [{\"code\": \"n\", \"staff\": 2,"
	        " \"working_time\": {\"days_per_week\": 5, \"weeks_per_year\": 52, "
	        "\"public_holidays\": 8, \"annual_leave\": 27, \"sick_leave\": 9, \"other_leave\": "
	        "5, "
	        "\"hours_per_day\": 7.5},"
	        " \"activities\": [{\"name\": \"a\", \"volume\": 1055, \"minutes\": 90}],"
	        " \"category_allowances\": [{\"name\": \"m\", \"percent\": 10}],"
	        " \"individual_allowances\": [{\"name\": \"l\", \"staff\": 1, \"hours_per_year\": "
	        "158.25}]}]}";
	struct wf_wisn *w = NULL;
	struct wf_wisn_result r;
	struct co_err e;
	char *bad;

	(void)state;
	if (wf_wisn_read_json(team, strlen(team), &w, &e))
		fail_msg("%s", e.msg);
	wf_wisn_compute(w, 0, &r);
	assert_true(fabs(r.awt_hours - 1582.5) < 1e-9); /* (260 - 49) x 7.5 */
	assert_true(fabs(r.activity_staff - 1) < 1e-12);
	assert_true(fabs(r.caf - 1 / 0.9) < 1e-12);
	assert_true(fabs(r.iaf - 0.1) < 1e-12);
	assert_true(fabs(r.required - (1 / 0.9 + 0.1)) < 1e-12);
	assert_true(fabs(r.ratio - 2 / (1 / 0.9 + 0.1)) < 1e-12);
	wf_wisn_free(w);
	bad = replace(team, "\"percent\": 10", "\"percent\": 10, \"hours_per_year\": 3");
	assert_int_equal(wf_wisn_read_json(bad, strlen(bad), &w, &e), CO_EINPUT);
	assert_non_null(strstr(e.msg, "category n, category_allowances row 1"));
	free(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(williams_optima),
	        cmocka_unit_test(manpower_infeasible_names_requirements),
	        cmocka_unit_test(lp_agrees_with_greedy_when_nothing_binds),
	        cmocka_unit_test(binding_limits_are_reported),
	        cmocka_unit_test(conflicting_limits_are_named),
	        cmocka_unit_test(expected_shortfall_over_draws),
	        cmocka_unit_test(wisn_worked_by_hand),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
