/*
 * Unit tests of Improve's equity table and its small-number suppression.
 *
 * The suppression is checked against an independent reference: the
 * table's additivity written out as linear equations and solved by
 * Gaussian elimination. A hidden entry can be worked out by subtraction iff
 * its unit vector lies in the row space of those equations restricted to
 * the hidden entries, whatever the graph argument in imp_equity.c says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "mod/improve/imp_equity.h"

#define MAXE 64 /* entries in the largest extended table tested */
#define MAXQ 32 /* equations */

/* Rank of an m x n matrix (row-major, n <= MAXE), destroyed. */
static int rank_of(double *a, int m, int n)
{
	int r = 0, c, i, p, k;
	double f;

	for (c = 0; c < n && r < m; c++) {
		p = -1;
		for (i = r; i < m; i++)
			if (fabs(a[i * n + c]) > 1e-9 &&
			    (p < 0 || fabs(a[i * n + c]) > fabs(a[p * n + c])))
				p = i;
		if (p < 0)
			continue;
		for (k = 0; k < n; k++) {
			f = a[r * n + k];
			a[r * n + k] = a[p * n + k];
			a[p * n + k] = f;
		}
		for (i = 0; i < m; i++) {
			if (i == r || fabs(a[i * n + c]) < 1e-12)
				continue;
			f = a[i * n + c] / a[r * n + c];
			for (k = 0; k < n; k++)
				a[i * n + k] -= f * a[r * n + k];
		}
		r++;
	}
	return r;
}

/* 1 when the hidden entry `target` can be derived from the shown ones. */
static int derivable(const struct imp_supp_cell *t, int nr, int nc, int target)
{
	int n = (nr + 1) * (nc + 1), col[MAXE], nh = 0, k, i, j, q = 0, r1, r2, tcol = -1;
	static double a[(MAXQ + 1) * MAXE], b[(MAXQ + 1) * MAXE];

	assert_true(n <= MAXE && nr + nc + 2 <= MAXQ);
	for (k = 0; k < n; k++) {
		col[k] = t[k].state != IMP_SHOWN ? nh++ : -1;
		if (k == target)
			tcol = col[k];
	}
	assert_true(tcol >= 0);
	memset(a, 0, sizeof(a));
	/* each extended row: sum of its cells minus its total */
	for (i = 0; i <= nr; i++, q++)
		for (j = 0; j <= nc; j++) {
			k = i * (nc + 1) + j;
			if (col[k] >= 0)
				a[q * nh + col[k]] = j == nc ? -1.0 : 1.0;
		}
	for (j = 0; j <= nc; j++, q++)
		for (i = 0; i <= nr; i++) {
			k = i * (nc + 1) + j;
			if (col[k] >= 0)
				a[q * nh + col[k]] = i == nr ? -1.0 : 1.0;
		}
	memcpy(b, a, sizeof(double) * (size_t)(q * nh));
	r1 = rank_of(a, q, nh);
	memset(b + q * nh, 0, sizeof(double) * (size_t)nh);
	b[q * nh + tcol] = 1.0;
	r2 = rank_of(b, q + 1, nh);
	return r1 == r2;
}

static int any_primary_derivable(const struct imp_supp_cell *t, int nr, int nc)
{
	int k;

	for (k = 0; k < (nr + 1) * (nc + 1); k++)
		if (t[k].state == IMP_SUPP_PRIMARY && derivable(t, nr, nc, k))
			return 1;
	return 0;
}

/* Fills an extended table from interior counts, with all margins. */
static void fill(struct imp_supp_cell *t, int nr, int nc, const double *cells, int row_totals,
                 int col_totals)
{
	int i, j;

	memset(t, 0, sizeof(*t) * (size_t)((nr + 1) * (nc + 1)));
	for (i = 0; i < nr; i++)
		for (j = 0; j < nc; j++) {
			double v = cells[i * nc + j];

			t[i * (nc + 1) + j].events = v;
			t[i * (nc + 1) + nc].events += v;
			t[nr * (nc + 1) + j].events += v;
			t[nr * (nc + 1) + nc].events += v;
		}
	for (i = 0; i <= nr; i++)
		for (j = 0; j <= nc; j++) {
			struct imp_supp_cell *x = &t[i * (nc + 1) + j];

			x->people = -1.0;
			x->published = (i < nr && j < nc) ||
			               (i == nr && j == nc && row_totals && col_totals) ||
			               (i == nr && j < nc && col_totals) ||
			               (j == nc && i < nr && row_totals);
		}
}

/* Only the primary rule, for showing what would leak without the rest. */
static void primary_only(struct imp_supp_cell *t, int n, double threshold)
{
	int k;

	for (k = 0; k < n; k++)
		t[k].state = !t[k].published           ? IMP_NOT_PUBLISHED
		             : t[k].events < threshold ? IMP_SUPP_PRIMARY
		                                       : IMP_SHOWN;
}

static void one_small_group_leaks_by_subtraction(void **state)
{
	/* One team, four groups: 2 + 40 + 30 + 25 = 97 shown as the total. */
	const double cells[] = {2, 40, 30, 25};
	struct imp_supp_cell t[2 * 5];

	(void)state;
	fill(t, 1, 4, cells, 1, 0);
	primary_only(t, 10, 5);
	assert_true(derivable(t, 1, 4, 0)); /* 97 - 40 - 30 - 25 = 2 */
	assert_int_equal(imp_suppress_leaks(t, 1, 4, NULL, NULL), 1);

	assert_int_equal(imp_suppress(t, 1, 4, 5, NULL), 0);
	assert_int_equal(t[0].state, IMP_SUPP_PRIMARY);
	assert_int_equal(t[3].state, IMP_SUPP_SECONDARY); /* the next smallest */
	assert_int_equal(t[1].state, IMP_SHOWN);
	assert_int_equal(t[2].state, IMP_SHOWN);
	assert_int_equal(t[4].state, IMP_SHOWN); /* the total stays */
	assert_false(any_primary_derivable(t, 1, 4));
	assert_int_equal(imp_suppress_leaks(t, 1, 4, NULL, NULL), 0);
}

static void small_total_is_hidden_itself(void **state)
{
	const double cells[] = {1, 2, 1};
	struct imp_supp_cell t[2 * 4];
	int k;

	(void)state;
	fill(t, 1, 3, cells, 1, 0);
	assert_int_equal(imp_suppress(t, 1, 3, 5, NULL), 0);
	for (k = 0; k < 4; k++)
		assert_int_equal(t[k].state, IMP_SUPP_PRIMARY);
	assert_false(any_primary_derivable(t, 1, 3));
}

static void two_way_table_with_all_margins(void **state)
{
	/* Three wards by three groups, every total shown. The 3 would follow
	 * from its row total, and after hiding a second cell in that row, the
	 * second would follow from its column total: suppression must go on
	 * until a cycle protects both. */
	const double cells[] = {
	        3,  20, 31, /* */
	        12, 45, 18, /* */
	        25, 16, 40,
	};
	struct imp_supp_cell t[4 * 4];
	int k, hidden = 0;

	(void)state;
	fill(t, 3, 3, cells, 1, 1);
	primary_only(t, 16, 5);
	assert_true(derivable(t, 3, 3, 0));
	assert_int_equal(imp_suppress(t, 3, 3, 5, NULL), 0);
	assert_false(any_primary_derivable(t, 3, 3));
	for (k = 0; k < 16; k++)
		hidden += t[k].state != IMP_SHOWN;
	assert_true(hidden >= 4); /* a cycle in a two-way table has 4 corners */
	for (k = 0; k < 16; k++)
		if (t[k].state == IMP_SHOWN)
			assert_true(t[k].events >= 5);
}

static void two_per_line_is_not_enough(void **state)
{
	/* Primary cells forming two 2x2 blocks joined by one cell: every row and
	 * column has none or at least two hidden cells, yet the joining cell is
	 * a bridge and can be worked out. Counts 1..4 are primary, others big. */
	const double cells[] = {
	        1,  2,  3,  90, /* row 0 joins the first block to column 2 */
	        2,  1,  50, 80, /* */
	        70, 60, 1,  2,  /* */
	        80, 70, 2,  1,
	};
	struct imp_supp_cell t[5 * 5];
	int i, j, per_row, per_col;

	(void)state;
	/* every row and column total shown, the grand total not */
	fill(t, 4, 4, cells, 0, 0);
	for (i = 0; i < 4; i++) {
		t[i * 5 + 4].published = 1;
		t[4 * 5 + i].published = 1;
	}
	primary_only(t, 25, 5);
	for (i = 0; i < 4; i++) {
		per_row = 0;
		per_col = 0;
		for (j = 0; j < 4; j++) {
			per_row += t[i * 5 + j].state != IMP_SHOWN;
			per_col += t[j * 5 + i].state != IMP_SHOWN;
		}
		assert_true(per_row == 0 || per_row >= 2);
		assert_true(per_col == 0 || per_col >= 2);
	}
	assert_true(derivable(t, 4, 4, 0 * 5 + 2)); /* the joining cell leaks */
	assert_int_equal(imp_suppress_leaks(t, 4, 4, &i, &j), 1);
	assert_int_equal(i, 0);
	assert_int_equal(j, 2);
	assert_int_equal(imp_suppress(t, 4, 4, 5, NULL), 0);
	assert_false(any_primary_derivable(t, 4, 4));
	assert_int_equal(t[0 * 5 + 2].state, IMP_SUPP_PRIMARY);
}

static void random_tables_never_leak(void **state)
{
	double cells[6 * 5];
	struct imp_supp_cell t[7 * 6];
	unsigned seed = 12345;
	int trial, nr, nc, k, n, row_totals, col_totals;

	(void)state;
	for (trial = 0; trial < 400; trial++) {
		nr = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 6;
		nc = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 5;
		row_totals = (seed >> 20) & 1;
		col_totals = (seed >> 21) & 1;
		for (k = 0; k < nr * nc; k++) {
			seed = seed * 1103515245u + 12345u;
			/* a third of the cells small */
			cells[k] = (seed >> 16) % 3 == 0 ? (double)((seed >> 8) % 5)
			                                 : (double)(5 + (seed >> 8) % 60);
		}
		n = (nr + 1) * (nc + 1);
		fill(t, nr, nc, cells, row_totals, col_totals);
		assert_int_equal(imp_suppress(t, nr, nc, 5, NULL), 0);
		assert_false(any_primary_derivable(t, nr, nc));
		assert_int_equal(imp_suppress_leaks(t, nr, nc, NULL, NULL), 0);
		for (k = 0; k < n; k++) {
			if (t[k].published && t[k].events < 5)
				assert_int_equal(t[k].state, IMP_SUPP_PRIMARY);
			if (!t[k].published)
				assert_int_equal(t[k].state, IMP_NOT_PUBLISHED);
		}
	}
}

static void people_threshold_for_proportions(void **state)
{
	struct imp_supp_cell t[2 * 3] = {
	        {.events = 6, .people = 40, .published = 1},
	        {.events = 6, .people = 4, .published = 1}, /* events fine, people few */
	        {.events = 12, .people = 44, .published = 1},
	        {.events = 0, .people = -1, .published = 0},
	        {.events = 0, .people = -1, .published = 0},
	        {.events = 0, .people = -1, .published = 0},
	};

	(void)state;
	assert_int_equal(imp_suppress(t, 1, 2, 5, NULL), 0);
	assert_int_equal(t[1].state, IMP_SUPP_PRIMARY);
	assert_int_equal(t[0].state, IMP_SUPP_SECONDARY);
	assert_int_equal(t[2].state, IMP_SHOWN);
}

static void equity_rates_ratios_and_hidden_reference(void **state)
{
	/* Two wards by three groups (reference: column 0), incidents over bed
	 * days. Ward 1's group 2 has 3 incidents. */
	struct imp_equity_cell c[3 * 4];
	struct imp_equity q = {.kind = IMP_RATIO_RATE,
	                       .multiplier = 1000,
	                       .threshold = 5,
	                       .ref_col = 0,
	                       .nrows = 2,
	                       .ncols = 3,
	                       .row_totals = 1,
	                       .col_totals = 1,
	                       .cells = c};
	struct imp_estimate r;
	int k;

	(void)state;
	memset(c, 0, sizeof(c));
	c[0] = (struct imp_equity_cell){.events = 40, .denom = 4000};
	c[1] = (struct imp_equity_cell){.events = 20, .denom = 1000};
	c[2] = (struct imp_equity_cell){.events = 3, .denom = 300};
	c[4] = (struct imp_equity_cell){.events = 50, .denom = 5000};
	c[5] = (struct imp_equity_cell){.events = 30, .denom = 1000};
	c[6] = (struct imp_equity_cell){.events = 9, .denom = 600};
	assert_int_equal(imp_equity_compute(&q, NULL), 0);
	/* margins summed */
	assert_true(c[3].events == 63 && c[3].denom == 5300);
	assert_true(c[8].events == 90 && c[9].events == 50 && c[11].events == 152);
	assert_int_equal(c[2].state, IMP_SUPP_PRIMARY);
	assert_int_equal(c[2].has_ratio, 0);
	/* something else in its row and its column is hidden too */
	assert_true(c[0].state != IMP_SHOWN || c[1].state != IMP_SHOWN || c[3].state != IMP_SHOWN);
	assert_true(c[6].state != IMP_SHOWN || c[10].state != IMP_SHOWN);
	/* the column totals row: group 1 against group 0 across both wards */
	assert_int_equal(c[9].state, IMP_SHOWN);
	assert_int_equal(c[8].state, IMP_SHOWN);
	assert_int_equal(c[9].has_ratio, 1);
	assert_int_equal(imp_rate_ratio(IMP_RATIO_RATE, 50, 2000, 90, 9000, 0.05, &r), 0);
	assert_true(fabs(c[9].ratio.value - r.value) < 1e-12 &&
	            fabs(c[9].ratio.lower - r.lower) < 1e-12);
	assert_true(fabs(c[9].rate.value - 25.0) < 1e-12);
	assert_true(c[9].rate.lower < 25.0 && c[9].rate.upper > 25.0);
	for (k = 0; k < 12; k++)
		if (c[k].state != IMP_SHOWN)
			assert_int_equal(c[k].has_ratio, 0);

	/* a hidden reference group hides every ratio in its row */
	memset(c, 0, sizeof(c));
	q.nrows = 1;
	q.col_totals = 0;
	c[0] = (struct imp_equity_cell){.events = 2, .denom = 400};
	c[1] = (struct imp_equity_cell){.events = 20, .denom = 1000};
	c[2] = (struct imp_equity_cell){.events = 30, .denom = 1300};
	assert_int_equal(imp_equity_compute(&q, NULL), 0);
	assert_int_equal(c[0].state, IMP_SUPP_PRIMARY);
	for (k = 0; k < 4; k++)
		assert_int_equal(c[k].has_ratio, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(one_small_group_leaks_by_subtraction),
	        cmocka_unit_test(small_total_is_hidden_itself),
	        cmocka_unit_test(two_way_table_with_all_margins),
	        cmocka_unit_test(two_per_line_is_not_enough),
	        cmocka_unit_test(random_tables_never_leak),
	        cmocka_unit_test(people_threshold_for_proportions),
	        cmocka_unit_test(equity_rates_ratios_and_hidden_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
