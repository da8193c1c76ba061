/* Unit tests of the workforce engine's deterministic core, scenarios, Monte
 * Carlo and model reader (src/wf). Expected numbers are worked by hand from
 * the equations of ../shared/workforce-model.md. */
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
#include "wf/wf_int.h"

/* The contract's example model. */
static const char *const example =
        "{\"base_year\": 2025, \"horizon\": 10, \"age_min\": 16, \"age_max\": 75,"
        " \"professions\": [{"
        "  \"code\": \"mhn\", \"name\": \"Mental health nursing\","
        "  \"stock\": [ {\"group\": \"north\", \"age\": \"25-29\", \"headcount\": 120} ],"
        "  \"fte_ratio\": [ {\"age\": \"16-75\", \"ratio\": 0.9} ],"
        "  \"leaver_rate\": [ {\"age\": \"16-54\", \"rate\": 0.09}, {\"age\": \"55-75\", \"rate\": "
        "0.2} ],"
        "  \"training\": { \"course_years\": 3, \"fill_rate\": 0.95,"
        "    \"attrition\": [0.15, 0.08, 0.04], \"completion\": 0.97, \"uptake\": 0.8,"
        "    \"commissions\": [ {\"year\": 2025, \"places\": 530} ],"
        "    \"university_capacity\": [ {\"year\": 2025, \"places\": 600} ],"
        "    \"placement_capacity\": [ {\"year\": 2025, \"places\": 560} ],"
        "    \"in_training\": [400, 350, 320],"
        "    \"entry_age\": [ {\"age\": \"21-24\", \"share\": 0.7}, {\"age\": \"25-34\", "
        "\"share\": "
        "0.3} ],"
        "    \"cost_per_place\": 9000 },"
        "  \"international\": { \"joiners\": [ {\"year\": 2026, \"headcount\": 40} ],"
        "    \"entry_age\": [ {\"age\": \"25-34\", \"share\": 1} ] },"
        "  \"other_joiners\": { \"joiners\": [ {\"year\": 2025, \"headcount\": 60} ],"
        "    \"entry_age\": [ {\"age\": \"25-44\", \"share\": 1} ] },"
        "  \"returners\": { \"rate\": 0.05, \"pool\": 300, \"pool_decay\": 0.1, \"max_age\": 59,"
        "    \"entry_age\": [ {\"age\": \"30-49\", \"share\": 1} ] },"
        "  \"joiner_share\": [ {\"group\": \"north\", \"share\": 1} ],"
        "  \"demand\": { \"method\": \"growth\", \"vacancies\": 150,"
        "    \"growth\": [ {\"from\": 2026, \"rate\": 0.02} ] }"
        " }],"
        " \"scenarios\": ["
        "  { \"name\": \"retain\", \"changes\": [ {\"set\": \"mhn.leaver_rate\", \"scale\": 0.9, "
        "\"from\": 2026} ] },"
        "  { \"name\": \"noop\", \"changes\": [ {\"set\": \"mhn.leaver_rate\", \"scale\": 1},"
        "    {\"set\": \"mhn.commissions\", \"add\": 0, \"from\": 2027} ] },"
        "  { \"name\": \"fill\", \"changes\": [ {\"set\": \"mhn.training.fill_rate\", \"value\": "
        "0.5, \"from\": 2026},"
        "    {\"set\": \"mhn.commissions\", \"value\": 100, \"from\": 2026} ] },"
        "  { \"name\": \"attr\", \"changes\": [ {\"set\": \"mhn.attrition\", \"value\": 0.5, "
        "\"from\": 2026} ] }"
        " ]}";

/* text with the first occurrence of from replaced by to (caller frees) */
static char *replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t n;
	char *out;

	assert_non_null(at);
	n = strlen(text) - strlen(from) + strlen(to) + 1;
	out = malloc(n);
	assert_non_null(out);
	snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	return out;
}

static struct wf_model *load(const char *text)
{
	struct wf_model *m = NULL;
	struct co_err e;

	co_err_clear(&e);
	if (wf_model_read_json(text, strlen(text), &m, &e))
		fail_msg("model rejected: %s", e.msg);
	return m;
}

static double *project(const struct wf_model *m, int s)
{
	double *v = calloc(wf_rows(m) * WF_NCOL, sizeof(double));
	struct co_err e;

	assert_non_null(v);
	if (wf_project(m, s, v, &e))
		fail_msg("projection failed: %s", e.msg);
	return v;
}

/* The value of (profession p, group g (-1: "*"), year, col). */
static double at(const struct wf_model *m, const double *v, int p, int g, int year, int col)
{
	size_t i;
	struct wf_rowkey k;

	for (i = 0; i < wf_rows(m); i++) {
		wf_row_key(m, i, &k);
		if (k.prof == p && k.group == g && k.year == year)
			return v[i * WF_NCOL + col];
	}
	fail_msg("no row %d/%d/%d", p, g, year);
	return NAN;
}

static void near(double got, double want)
{
	if (!(fabs(got - want) <= 1e-9 * fmax(1, fabs(want))))
		fail_msg("got %.17g, want %.17g", got, want);
}

static void example_worked_by_hand(void **state)
{
	struct wf_model *m = load(example);
	double *v = project(m, 0), surv = 0.85 * 0.92 * 0.96 * 0.97, B1;

	(void)state;
	/* year 0: 120 people aged 25-29 */
	near(at(m, v, 0, 0, 2025, WF_HEADCOUNT), 120);
	near(at(m, v, 0, -1, 2025, WF_FTE), 108);
	near(at(m, v, 0, -1, 2025, WF_LEAVERS), 120 * 0.09);
	/* in course year 3 at t=0: 320 x (1 - 0.04) x 0.97 graduate at the end of year 0 */
	near(at(m, v, 0, -1, 2025, WF_GRADUATES), 320 * 0.96 * 0.97);
	near(at(m, v, 0, -1, 2025, WF_ENTRANTS), 503.5); /* min(530 x 0.95, 600, 560) */
	near(at(m, v, 0, -1, 2025, WF_RETURNERS), 15);
	near(at(m, v, 0, -1, 2025, WF_JOINERS), 0.8 * 320 * 0.96 * 0.97 + 15 + 60);
	near(at(m, v, 0, -1, 2025, WF_DEMAND), 258);
	near(at(m, v, 0, -1, 2025, WF_GAP), 150);
	assert_true(isnan(at(m, v, 0, 0, 2025, WF_DEMAND)));
	/* year 1 */
	near(at(m, v, 0, 0, 2026, WF_HEADCOUNT), 120 - 10.8 + 0.8 * 320 * 0.96 * 0.97 + 75);
	B1 = (300 - 15) * 0.9 + 10.8;
	near(at(m, v, 0, -1, 2026, WF_RETURNERS), 0.05 * B1);
	near(at(m, v, 0, -1, 2026, WF_GRADUATES), 350 * 0.92 * 0.96 * 0.97);
	near(at(m, v, 0, -1, 2026, WF_ENTRANTS), 0);
	near(at(m, v, 0, -1, 2026, WF_DEMAND), 258 * 1.02);
	/* year 2: the course-year-1 students and the base year's entrants */
	near(at(m, v, 0, -1, 2027, WF_GRADUATES), (400 + 503.5) * surv);
	/* year 3: international joiners of 2026 arrived */
	near(at(m, v, 0, -1, 2026, WF_JOINERS), 0.8 * 350 * 0.92 * 0.96 * 0.97 + 40 + 0.05 * B1);
	free(v);
	wf_model_free(m);
}

static void stock_is_conserved(void **state)
{
	struct wf_model *m = load(example);
	int s, y;

	(void)state;
	for (s = 0; s < wf_model_scenarios(m); s++) {
		double *v = project(m, s);
		for (y = 2025; y < 2035; y++) {
			double h0 = at(m, v, 0, 0, y, WF_HEADCOUNT),
			       h1 = at(m, v, 0, 0, y + 1, WF_HEADCOUNT);
			near(h1,
			     h0 - at(m, v, 0, 0, y, WF_LEAVERS) + at(m, v, 0, 0, y, WF_JOINERS));
			near(at(m, v, 0, -1, y, WF_HEADCOUNT), h0);
		}
		free(v);
	}
	wf_model_free(m);
}

static const char *const two_groups =
        "{\"base_year\": 2020, \"horizon\": 6, \"age_min\": 20, \"age_max\": 25,"
        " \"professions\": [{\"code\": \"cp\","
        "  \"stock\": [{\"group\": \"a\", \"age\": \"20-25\", \"headcount\": 60},"
        "            {\"group\": \"b\", \"age\": 23, \"headcount\": 30},"
        "            {\"group\": \"a\", \"age\": \"24\", \"headcount\": 4}],"
        "  \"fte_ratio\": [{\"age\": \"20-25\", \"ratio\": 1}],"
        "  \"leaver_rate\": [{\"age\": \"20-25\", \"rate\": 0}],"
        "  \"demand\": {\"method\": \"growth\", \"vacancies\": 0}}]}";

static void no_flows_simply_ages(void **state)
{
	struct wf_model *m = load(two_groups);
	double *v = project(m, 0);

	(void)state;
	assert_int_equal(wf_model_groups(m, 0), 2);
	assert_string_equal(wf_model_group_name(m, 0, 0), "a");
	/* group a: 10 at each age 20..25, plus 4 at 24; b: 30 at 23. Nobody
	 * leaves before 25; at 25 everyone does. */
	near(at(m, v, 0, 0, 2020, WF_HEADCOUNT), 64);
	near(at(m, v, 0, 0, 2020, WF_LEAVERS), 10);
	near(at(m, v, 0, 0, 2021, WF_HEADCOUNT), 54);
	near(at(m, v, 0, 0, 2021, WF_LEAVERS), 14); /* the 4 from age 24 */
	near(at(m, v, 0, 0, 2022, WF_HEADCOUNT), 40);
	near(at(m, v, 0, 1, 2021, WF_HEADCOUNT), 30);
	near(at(m, v, 0, 1, 2022, WF_LEAVERS), 30);
	near(at(m, v, 0, 1, 2023, WF_HEADCOUNT), 0);
	near(at(m, v, 0, 0, 2026, WF_HEADCOUNT), 0);
	near(at(m, v, 0, -1, 2023, WF_JOINERS), 0);
	near(at(m, v, 0, -1, 2024, WF_DEMAND), 94); /* no growth: D stays at F_0 */
	free(v);
	wf_model_free(m);
}

static void joiner_share_defaults_to_headcount(void **state)
{
	char *t = replace(two_groups, "\"demand\"",
	                  "\"other_joiners\": {\"joiners\": [{\"year\": 2020, \"headcount\": "
	                  "47}], \"entry_age\": [{\"age\": 20, \"share\": 1}]}, \"demand\"");
	struct wf_model *m = load(t);
	double *v = project(m, 0);

	(void)state;
	near(at(m, v, 0, 0, 2020, WF_JOINERS), 47 * 64.0 / 94);
	near(at(m, v, 0, 1, 2020, WF_JOINERS), 47 * 30.0 / 94);
	near(at(m, v, 0, 1, 2021, WF_HEADCOUNT), 30 + 47 * 30.0 / 94);
	free(v);
	wf_model_free(m);
	free(t);
}

static void noop_scenario_gives_base_exactly(void **state)
{
	struct wf_model *m = load(example);
	double *b = project(m, 0), *n = project(m, wf_model_find_scenario(m, "noop"));

	(void)state;
	assert_memory_equal(b, n, wf_rows(m) * WF_NCOL * sizeof(double));
	free(b);
	free(n);
	wf_model_free(m);
}

static void scenario_applies_from_its_year(void **state)
{
	struct wf_model *m = load(example);
	int r = wf_model_find_scenario(m, "retain");
	double *b = project(m, 0), *s = project(m, r);

	(void)state;
	assert_true(r > 0);
	/* 2025 uses the base rates; from 2026 leavers are 0.9 of the rate */
	near(at(m, s, 0, -1, 2025, WF_LEAVERS), at(m, b, 0, -1, 2025, WF_LEAVERS));
	near(at(m, s, 0, -1, 2026, WF_HEADCOUNT), at(m, b, 0, -1, 2026, WF_HEADCOUNT));
	assert_true(at(m, s, 0, -1, 2026, WF_LEAVERS) < at(m, b, 0, -1, 2026, WF_LEAVERS));
	assert_true(at(m, s, 0, -1, 2027, WF_HEADCOUNT) > at(m, b, 0, -1, 2027, WF_HEADCOUNT));
	free(b);
	free(s);
	wf_model_free(m);
}

static void training_parameters_act_when_in_force(void **state)
{
	struct wf_model *m = load(example);
	double *b = project(m, 0), *f = project(m, wf_model_find_scenario(m, "fill")),
	       *a = project(m, wf_model_find_scenario(m, "attr"));

	(void)state;
	/* fill 0.5 and 100 places from 2026: 2025's entrants keep 0.95 */
	near(at(m, f, 0, -1, 2025, WF_ENTRANTS), 503.5);
	near(at(m, f, 0, -1, 2026, WF_ENTRANTS), 50);
	/* they graduate at the end of 2028 */
	near(at(m, f, 0, -1, 2028, WF_GRADUATES), 50 * 0.85 * 0.92 * 0.96 * 0.97);
	/* attrition 0.5 from 2026: the third-years of 2025 graduate untouched;
	 * the second-years of 2025 are third-years in 2026 */
	near(at(m, a, 0, -1, 2025, WF_GRADUATES), at(m, b, 0, -1, 2025, WF_GRADUATES));
	near(at(m, a, 0, -1, 2026, WF_GRADUATES), 350 * 0.92 * 0.5 * 0.97);
	/* 2025's entrants: year 1 in 2025 (0.15), years 2 and 3 at 0.5 */
	near(at(m, a, 0, -1, 2027, WF_GRADUATES), (400 + 503.5) * 0.85 * 0.5 * 0.5 * 0.97);
	free(b);
	free(f);
	free(a);
	wf_model_free(m);
}

static void csv_has_contract_columns_and_order(void **state)
{
	struct wf_model *m = load(example);
	double *v = project(m, 0);
	struct co_buf b;
	char *nl;

	(void)state;
	co_buf_init(&b, 1 << 24);
	assert_int_equal(wf_write_csv_header(&b, 0), 0);
	assert_int_equal(wf_write_csv(&b, m, "base", v), 0);
	nl = strchr(b.data, '\n');
	assert_non_null(nl);
	assert_int_equal(nl - b.data, (long)strlen("scenario,profession,group,year,headcount,fte,"
	                                           "leavers,joiners,graduates,entrants,returners,"
	                                           "demand,gap"));
	assert_true(strncmp(nl + 1, "base,mhn,north,2025,120,108,10.800000000000001,", 46) == 0);
	assert_non_null(strstr(b.data, "\nbase,mhn,*,2025,120,108,"));
	assert_non_null(strstr(b.data, "\nbase,mhn,north,2035,"));
	assert_non_null(strstr(b.data, ",,,,,\n")); /* group rows leave them empty */
	co_buf_free(&b);
	free(v);
	wf_model_free(m);
}

/* ---- Bad input -------------------------------------------------------------- */

struct bad_case {
	const char *from, *to;
	const char *expect[3]; /* substrings of the message */
};

static void bad_inputs_are_named(void **state)
{
	static const struct bad_case cases[] = {
	        {"\"rate\": 0.2}", "\"rate\": 1.2}", {"mhn", "leaver_rate row 2", "outside"}},
	        {"\"headcount\": 120", "\"headcount\": -1", {"mhn", "stock row 1", "negative"}},
	        {"\"code\": \"mhn\",",
	         "\"code\": \"mhn\", \"colour\": 1,",
	         {"mhn", "colour", "unknown"}},
	        {"{\"group\": \"north\", \"share\": 1}",
	         "{\"group\": \"south\", \"share\": 1}",
	         {"mhn", "joiner_share row 1", "unknown group"}},
	        {"\"share\": 0.3} ]", "\"share\": 0.31} ]", {"mhn", "training.entry_age", "sum"}},
	        {"\"16-54\"", "\"17-54\"", {"mhn", "leaver_rate", "age 16 is not covered"}},
	        {"\"16-54\"", "\"16-55\"", {"mhn", "leaver_rate row 2", "covered twice"}},
	        {"\"25-29\"", "\"25-80\"", {"mhn", "stock row 1", "unknown age"}},
	        {"\"fill_rate\": 0.95,", "", {"mhn", "fill_rate", "missing"}},
	        {"[0.15, 0.08, 0.04]", "[0.15, 0.08]", {"mhn", "attrition", "3 years"}},
	        {"\"mhn.leaver_rate\", \"scale\": 0.9",
	         "\"mhn.leaver_rat\", \"scale\": 0.9",
	         {"retain", "unknown parameter", "mhn.leaver_rat"}},
	        {"\"mhn.leaver_rate\", \"scale\": 0.9",
	         "\"mhn.leaver_rate\", \"scale\": 6",
	         {"retain", "mhn", "outside [0, 1]"}},
	        {"\"places\": 530}",
	         "\"places\": 530}, {\"year\": 2025, \"places\": 1}",
	         {"mhn", "commissions row 2", "twice"}},
	        {"\"method\": \"growth\"",
	         "\"method\": \"guess\"",
	         {"mhn", "demand.method", "guess"}},
	        {"\"horizon\": 10", "\"horizon\": 10.5", {"horizon", "whole", ""}},
	        {"\"stock\"", "\"stok\"", {"mhn", "stok", "unknown"}},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *t = replace(example, cases[i].from, cases[i].to);
		struct wf_model *m = NULL;
		struct co_err e;
		int k;

		co_err_clear(&e);
		if (wf_model_read_json(t, strlen(t), &m, &e) != CO_EINPUT)
			fail_msg("case %zu was accepted", i);
		assert_null(m);
		for (k = 0; k < 3; k++)
			if (cases[i].expect[k] && !strstr(e.msg, cases[i].expect[k]))
				fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, cases[i].expect[k]);
		free(t);
	}
}

static void not_json_is_bad_input(void **state)
{
	struct wf_model *m = NULL;
	struct co_err e;

	(void)state;
	assert_int_equal(wf_model_read_json("{\"base_year\": ", 14, &m, &e), CO_EINPUT);
	assert_int_equal(wf_model_read_json("[]", 2, &m, &e), CO_EINPUT);
	assert_int_equal(wf_model_read_json("{\"a\":1,\"a\":2}", 13, &m, &e), CO_EINPUT);
	assert_null(m);
}

/* ---- Monte Carlo -------------------------------------------------------------- */

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void percentiles_match_sorting(void **state)
{
	static double v[20000], s[20000], scratch[20000];
	double out[WF_NPCT];
	static unsigned bins[WF__PCT_WORK(20000)];
	size_t n, i;
	int k;
	uint64_t x = 12345;

	(void)state;
	for (n = 1; n <= 20000; n = n * 3 + 1) {
		for (i = 0; i < n; i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			/* skewed values with ties */
			v[i] = floor(exp((double)(x >> 40) / (double)(1ULL << 24) * 6) * 8) / 8;
			s[i] = v[i];
		}
		qsort(s, n, sizeof(double), cmp);
		wf__percentiles(v, n, out, scratch, bins);
		for (k = 0; k < WF_NPCT; k++) {
			double h = (double)(n - 1) * wf_percentiles[k] / 100;
			size_t j = (size_t)h;
			double want = j + 1 < n ? s[j] + (h - (double)j) * (s[j + 1] - s[j]) : s[j];
			if (out[k] != want)
				fail_msg("n %zu, p%g: %.17g, want %.17g", n, wf_percentiles[k],
				         out[k], want);
		}
	}
}

/* One age band, one uncertain leaver rate: headcount after a year is
 * H0 (1 - q M) for M a mean-one lognormal multiplier, so its median is
 * H0 (1 - q exp(-s^2/2)) with s^2 = ln(1 + sd^2). */
static const char *const mc_model =
        "{\"base_year\": 2020, \"horizon\": 2, \"age_min\": 20, \"age_max\": 60,"
        " \"professions\": [{\"code\": \"ot\","
        "  \"stock\": [{\"group\": \"g\", \"age\": \"30-39\", \"headcount\": 1000}],"
        "  \"fte_ratio\": [{\"age\": \"20-60\", \"ratio\": 1}],"
        "  \"leaver_rate\": [{\"age\": \"20-60\", \"rate\": 0.1}],"
        "  \"demand\": {\"method\": \"growth\", \"vacancies\": 10}}],"
        " \"scenarios\": [{\"name\": \"half\", \"changes\": [{\"set\": \"ot.leaver_rate\","
        " \"scale\": 0.5}]}],"
        " \"uncertainty\": [{\"param\": \"ot.leaver_rate\", \"dist\": \"lognormal\", \"sd\": "
        "0.3}]}";

static double *mc(const struct wf_model *m, long draws, uint64_t seed, int diff)
{
	int scen[2] = {0, 1};
	struct wf_mc_opts o = {draws, seed, 2, scen, diff};
	double *p = calloc((size_t)wf_mc_sets(&o) * wf_rows(m) * WF_NCOL * WF_NPCT, sizeof(double));
	struct co_err e;

	assert_non_null(p);
	if (wf_monte_carlo(m, &o, p, &e))
		fail_msg("monte carlo failed: %s", e.msg);
	return p;
}

/* percentile k of (set, row of year, group "*", col) */
static double pc(const struct wf_model *m, const double *p, int set, int year, int col, int k)
{
	size_t row = (size_t)(year - wf_model_base_year(m)) * 2 + 1;

	return p[((set * wf_rows(m) + row) * WF_NCOL + col) * WF_NPCT + k];
}

static void mc_repeats_from_a_seed(void **state)
{
	struct wf_model *m = load(mc_model);
	double *a = mc(m, 500, 42, 1), *b = mc(m, 500, 42, 1), *c = mc(m, 500, 43, 1);
	size_t n = 3 * wf_rows(m) * WF_NCOL * WF_NPCT;

	(void)state;
	assert_memory_equal(a, b, n * sizeof(double));
	assert_true(pc(m, a, 0, 2021, WF_HEADCOUNT, 2) != pc(m, c, 0, 2021, WF_HEADCOUNT, 2));
	/* percentiles are ordered and the year-0 stock is certain */
	assert_true(pc(m, a, 0, 2021, WF_HEADCOUNT, 0) < pc(m, a, 0, 2021, WF_HEADCOUNT, 4));
	near(pc(m, a, 0, 2020, WF_HEADCOUNT, 0), 1000);
	near(pc(m, a, 0, 2020, WF_HEADCOUNT, 4), 1000);
	free(a);
	free(b);
	free(c);
	wf_model_free(m);
}

static void mc_percentiles_converge(void **state)
{
	struct wf_model *m = load(mc_model);
	double s2 = log(1 + 0.3 * 0.3), want = 1000 * (1 - 0.1 * exp(-s2 / 2));
	double err[3];
	long draws[3] = {100, 3000, 100000};
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		double *p = mc(m, draws[i], 7, 0);
		err[i] = fabs(pc(m, p, 0, 2021, WF_HEADCOUNT, 2) - want);
		free(p);
	}
	/* the sampling sd of the median is about 1 / (2 f sqrt(n)): 3.5, 0.64
	 * and 0.11 here; each error must be within four of them, and shrink */
	if (!(err[0] < 14 && err[1] < 2.6 && err[2] < 0.45 && err[2] < err[0]))
		fail_msg("errors %g %g %g do not converge", err[0], err[1], err[2]);
	wf_model_free(m);
}

static void mc_scenarios_share_random_numbers(void **state)
{
	struct wf_model *m = load(mc_model);
	double *p = mc(m, 2000, 9, 1), med;

	(void)state;
	/* "half" halves every draw's leavers, so its difference from base is
	 * exactly 1000 q M / 2 in each draw: a monotone function of one number,
	 * whose median must be 1000 x 0.1 x median(M) / 2 of the same draws */
	med = pc(m, p, 0, 2020, WF_LEAVERS, 2);
	near(pc(m, p, 2, 2021, WF_HEADCOUNT, 2), med / 2);
	near(pc(m, p, 2, 2020, WF_LEAVERS, 2), -med / 2);
	free(p);
	wf_model_free(m);
}

/* A scenario that leaves ageing alone is computed from the reference run
 * plus shares of the difference: the same percentiles as computing it whole. */
static void mc_shortcut_matches_full_run(void **state)
{
	FILE *f = fopen("examples/workforce-model.json", "rb");
	char *text = calloc(1, 1 << 20);
	struct wf_model *m;
	int both[2], alone[1];
	double *a, *b;
	size_t rows, i;
	struct co_err e;

	(void)state;
	assert_non_null(f);
	assert_non_null(text);
	assert_true(fread(text, 1, (1 << 20) - 1, f) > 0);
	fclose(f);
	m = load(text);
	rows = wf_rows(m);
	both[0] = 0;
	both[1] = alone[0] = wf_model_find_scenario(m, "grow");
	{
		struct wf_mc_opts o2 = {300, 11, 2, both, 0}, o1 = {300, 11, 1, alone, 0};
		a = calloc(2 * rows * WF_NCOL * WF_NPCT, sizeof(double));
		b = calloc(rows * WF_NCOL * WF_NPCT, sizeof(double));
		assert_int_equal(wf_monte_carlo(m, &o2, a, &e), 0);
		assert_int_equal(wf_monte_carlo(m, &o1, b, &e), 0);
	}
	for (i = 0; i < rows * WF_NCOL * WF_NPCT; i++) {
		double x = a[rows * WF_NCOL * WF_NPCT + i], y = b[i];
		if (isnan(x) && isnan(y))
			continue;
		if (!(fabs(x - y) <= 1e-9 * fmax(1, fabs(y))))
			fail_msg("value %zu: %.17g vs %.17g", i, x, y);
	}
	free(a);
	free(b);
	free(text);
	wf_model_free(m);
}

/* The Monte Carlo run (fastrun.c) is the same projection up to rounding. */
static void fast_run_matches_core(void **state)
{
	struct wf_model *m = load(example);
	struct co_arena a;
	struct wf__pp pp;
	struct co_err e;
	double *w1, *w2, *o1, *o2, *H0;
	size_t n = (size_t)(wf_model_horizon(m) + 1) * (wf_model_groups(m, 0) + 1) * WF_NCOL, i;
	int s;

	(void)state;
	co_arena_init(&a, 0);
	assert_int_equal(wf__pp_alloc(m, 0, &pp, &a), 0);
	w1 = co_arena_alloc(&a, wf__work_size(m, 0) * sizeof(double));
	w2 = co_arena_alloc(&a, wf__fast_work(m, 0) * sizeof(double));
	H0 = co_arena_alloc(&a, 1000 * sizeof(double));
	o1 = co_arena_calloc(&a, n, sizeof(double));
	o2 = co_arena_calloc(&a, n, sizeof(double));
	wf__fast_stock(m, 0, H0);
	for (s = 0; s < wf_model_scenarios(m); s++) {
		assert_int_equal(wf__compile(m, 0, s, NULL, &pp, &e), 0);
		wf__run(m, 0, &pp, w1, o1);
		wf__fast_run(m, 0, &pp, H0, w2, o2, 0);
		for (i = 0; i < n; i++) {
			if (isnan(o1[i]) && i % WF_NCOL >= WF_GRADUATES)
				continue; /* empty on group rows */
			if (!(fabs(o1[i] - o2[i]) <= 1e-11 * fmax(1, fabs(o1[i]))))
				fail_msg("scenario %d, value %zu: %.17g vs %.17g", s, i, o1[i],
				         o2[i]);
		}
	}
	co_arena_free(&a);
	wf_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(example_worked_by_hand),
	        cmocka_unit_test(stock_is_conserved),
	        cmocka_unit_test(no_flows_simply_ages),
	        cmocka_unit_test(joiner_share_defaults_to_headcount),
	        cmocka_unit_test(noop_scenario_gives_base_exactly),
	        cmocka_unit_test(scenario_applies_from_its_year),
	        cmocka_unit_test(training_parameters_act_when_in_force),
	        cmocka_unit_test(csv_has_contract_columns_and_order),
	        cmocka_unit_test(bad_inputs_are_named),
	        cmocka_unit_test(not_json_is_bad_input),
	        cmocka_unit_test(percentiles_match_sorting),
	        cmocka_unit_test(fast_run_matches_core),
	        cmocka_unit_test(mc_shortcut_matches_full_run),
	        cmocka_unit_test(mc_repeats_from_a_seed),
	        cmocka_unit_test(mc_percentiles_converge),
	        cmocka_unit_test(mc_scenarios_share_random_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
