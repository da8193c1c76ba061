/* Fuzz target for Improve's data input (src/mod/improve/imp_data.c): any
 * bytes as a CSV upload, and the same bytes split into form fields.
 *
 * For any input: no crash; the validators either accept (and then every
 * point names a known team and measure, its strata add up to its value, a
 * proportion's numerator is within its denominator) or refuse with at least
 * one error, each with a message, and never both. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "mod/improve/imp_data.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct imp_group_def groups[] = {{101, "white", "White"}, {102, "black", "Black"}};
static const struct imp_kind_def kinds[] = {{1, "ethnicity", "ethnicity", groups, 2}};
static const struct imp_measure_def measures[] = {
        {10, 0, "rate", "Rate", IMP_DATA_RATE, IMP_FREQ_MONTHLY},
        {11, 1, "prop", "Proportion", IMP_DATA_PROPORTION, IMP_FREQ_MONTHLY},
        {12, 0, "count", "Count", IMP_DATA_COUNT, IMP_FREQ_MONTHLY},
        {13, 2, "mins", "Minutes", IMP_DATA_CONTINUOUS, IMP_FREQ_WEEKLY},
};
static const struct imp_team_ref teams[] = {{1, "A"}, {2, "B"}};

static void check_points(const struct imp_point *p, int n)
{
	int i, k;

	for (i = 0; i < n; i++) {
		double sum = 0;

		CHECK(p[i].team_id == 1 || p[i].team_id == 2);
		CHECK(p[i].measure_id >= 10 && p[i].measure_id <= 13);
		if (p[i].type == IMP_DATA_PROPORTION)
			CHECK(p[i].numerator >= 0 && p[i].numerator <= p[i].denominator);
		for (k = 0; k < p[i].nstrata; k++)
			sum += p[i].strata[k].numerator;
		if (p[i].nstrata)
			CHECK(fabs(sum -
			           (p[i].type == IMP_DATA_COUNT ? p[i].value : p[i].numerator)) <=
			      1e-6 * fmax(1.0, fabs(sum)));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imp_catalog cat = {teams, 2, measures, 4, kinds, 1, 0};
	struct co_arena a;
	struct imp_errs errs;
	struct imp_table t;
	struct imp_point *p = NULL;
	struct imp_field fields[16];
	char *copy, *s, *nl;
	int n = -1, rc, nf = 0, i;

	cat.today = imp_days_from_civil(2025, 1, 1);
	co_arena_init(&a, 64L * 1024 * 1024);
	imp_errs_init(&errs);
	rc = imp_table_read((const char *)data, size, &a, &t, &errs);
	if (rc == 0)
		rc = imp_csv_validate(&cat, 0, &t, &a, &p, &n, &errs);
	if (rc == 0) {
		CHECK(errs.n == 0 && n >= 0);
		check_points(p, n);
	} else if (rc == -2) { /* CO_EINPUT */
		CHECK(errs.n > 0 || errs.more > 0);
		for (i = 0; i < errs.n; i++)
			CHECK(errs.v[i].msg[0] != 0);
	}
	imp_errs_free(&errs);

	/* the same bytes as "name=value" lines of a form */
	copy = co_arena_strndup(&a, (const char *)data, size);
	for (s = copy; s && *s && nf < 16; s = nl) {
		char *eq;

		nl = strchr(s, '\n');
		if (nl)
			*nl++ = 0;
		eq = strchr(s, '=');
		if (!eq)
			continue;
		*eq = 0;
		fields[nf].name = s;
		fields[nf].value = eq + 1;
		nf++;
	}
	imp_errs_init(&errs);
	p = NULL;
	rc = imp_entry_validate(&cat, 1, IMP_FREQ_MONTHLY, imp_days_from_civil(2024, 6, 1), fields,
	                        nf, &a, &p, &n, &errs);
	if (rc == 0) {
		CHECK(errs.n == 0);
		check_points(p, n);
	} else if (rc == -2) {
		CHECK(errs.n > 0 || errs.more > 0);
	}
	imp_errs_free(&errs);
	co_arena_free(&a);
	return 0;
}
