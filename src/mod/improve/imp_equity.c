/*
 * imp_equity.c - small-number suppression with secondary suppression, and
 * the equity table built on it.
 *
 * Why a graph. Write the extended table (cells, row totals R_i, column
 * totals C_j, grand total G) as the equations
 *     sum_j x_ij - R_i = 0   for each row,      sum_j C_j - G = 0,
 *     sum_i x_ij - C_j = 0   for each column,   sum_i R_i - G = 0.
 * Multiply the last two by -1 and every entry has the same coefficient in
 * both equations it appears in (+1 for cells and G, -1 for margins). A
 * reader knows every shown entry, so the unknowns are the hidden entries,
 * one edge each between its row vertex and its column vertex (rows 0..nrows
 * and columns 0..ncols of the extended table). The table's null space is
 * spanned by alternating-sign walks around cycles of this bipartite graph,
 * and a hidden entry is determined exactly iff no such cycle passes
 * through it, that is, iff its edge is a bridge (cf. Cox 1980, "Suppression
 * methodology and statistical disclosure control", JASA 75:377-385, on the
 * "at least two suppressions per line" rule, which is necessary but not
 * sufficient: two cycles joined by one edge satisfy it and still disclose
 * the joining cell).
 *
 * Algorithm. Hide every primary entry (events, or people for proportions,
 * below the threshold) and every unpublished margin. While some primary
 * edge e = (u, v) is a bridge, hide one more shown entry: among the shown
 * entries, the one with the fewest events whose hiding puts e on a cycle,
 * preferring entries in e's own row or column (that keeps the loss local);
 * when no single entry does, the smallest in e's row or column. Each round
 * hides one entry, so it ends; when everything is hidden there is no bridge
 * (the complete bipartite graph on >= 2 + 2 vertices has none). Finding the
 * fewest cells to hide is NP-hard in general; this greedy choice is the
 * usual practical compromise. Complexity: O(E * (V + E)) per round.
 *
 * What it does not protect against: bounds (a hidden cell is known to lie
 * between 0 and its row total) and differencing between two tables over
 * different windows; the views use fixed windows for that reason.
 */
#include "mod/improve/imp_equity.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define IDX(i, j, nc) ((i) * ((nc) + 1) + (j))

static int hidden(const struct imp_supp_cell *c)
{
	return c->state != IMP_SHOWN;
}

/* Is there a path from row vertex r0 to column vertex c0 through hidden
 * entries, not using the entry (r0, c0) itself? Vertices 0..nrows are rows,
 * nrows+1..nrows+1+ncols are columns. */
static int connected_without(const struct imp_supp_cell *t, int nrows, int ncols, int r0, int c0,
                             int *queue, char *seen)
{
	int nv = nrows + ncols + 2, head = 0, tail = 0, v, i, j;

	memset(seen, 0, (size_t)nv);
	queue[tail++] = r0;
	seen[r0] = 1;
	while (head < tail) {
		v = queue[head++];
		if (v <= nrows) {
			for (j = 0; j <= ncols; j++) {
				int w = nrows + 1 + j;

				if (v == r0 && j == c0)
					continue;
				if (!seen[w] && hidden(&t[IDX(v, j, ncols)])) {
					if (j == c0)
						return 1;
					seen[w] = 1;
					queue[tail++] = w;
				}
			}
		} else {
			j = v - nrows - 1;
			for (i = 0; i <= nrows; i++) {
				if (i == r0 && j == c0)
					continue;
				if (!seen[i] && hidden(&t[IDX(i, j, ncols)])) {
					seen[i] = 1;
					queue[tail++] = i;
				}
			}
		}
	}
	return 0;
}

static int find_leak(const struct imp_supp_cell *t, int nrows, int ncols, int *queue, char *seen,
                     int *row, int *col)
{
	int i, j;

	for (i = 0; i <= nrows; i++)
		for (j = 0; j <= ncols; j++) {
			if (t[IDX(i, j, ncols)].state != IMP_SUPP_PRIMARY)
				continue;
			if (!connected_without(t, nrows, ncols, i, j, queue, seen)) {
				*row = i;
				*col = j;
				return 1;
			}
		}
	return 0;
}

int imp_suppress_leaks(const struct imp_supp_cell *t, int nrows, int ncols, int *row, int *col)
{
	int nv = nrows + ncols + 2, r = -1, c = -1, leak;
	int *queue = malloc(sizeof(int) * (size_t)nv);
	char *seen = malloc((size_t)nv);

	if (!queue || !seen) {
		free(queue);
		free(seen);
		return 1; /* cannot prove safety: say it leaks */
	}
	leak = find_leak(t, nrows, ncols, queue, seen, &r, &c);
	free(queue);
	free(seen);
	if (leak) {
		if (row)
			*row = r;
		if (col)
			*col = c;
	}
	return leak;
}

/* Is candidate a better choice than best? Fewer events first, then interior
 * cells before margins, then table order (for a deterministic answer). */
static int better(const struct imp_supp_cell *t, int ncols, int nrows, int cand, int best)
{
	int ci = cand / (ncols + 1), cj = cand % (ncols + 1);
	int bi = best / (ncols + 1), bj = best % (ncols + 1);
	int cmargin = ci == nrows || cj == ncols, bmargin = bi == nrows || bj == ncols;

	if (best < 0)
		return 1;
	if (t[cand].events != t[best].events)
		return t[cand].events < t[best].events;
	if (cmargin != bmargin)
		return !cmargin;
	return cand < best;
}

int imp_suppress(struct imp_supp_cell *t, int nrows, int ncols, double threshold, struct co_err *e)
{
	int nv, n, k, i, j, r, c, best_fix, best_line, in_line, fix_in_line = 0, rc = 0;
	int *queue = NULL;
	char *seen = NULL;

	if (nrows < 1 || ncols < 1 || !(threshold >= 1.0))
		return co_errf(e, CO_EINPUT,
		               "a suppression table needs cells and a threshold of 1 or more");
	nv = nrows + ncols + 2;
	n = (nrows + 1) * (ncols + 1);
	queue = malloc(sizeof(int) * (size_t)nv);
	seen = malloc((size_t)nv);
	if (!queue || !seen) {
		rc = co_errf(e, CO_ENOMEM, "out of memory");
		goto out;
	}
	for (k = 0; k < n; k++) {
		struct imp_supp_cell *x = &t[k];

		if (!x->published)
			x->state = IMP_NOT_PUBLISHED;
		else if (x->events < threshold || (x->people >= 0.0 && x->people < threshold))
			x->state = IMP_SUPP_PRIMARY;
		else
			x->state = IMP_SHOWN;
	}
	while (find_leak(t, nrows, ncols, queue, seen, &r, &c)) {
		best_fix = -1;
		best_line = -1;
		for (k = 0; k < n; k++) {
			i = k / (ncols + 1);
			j = k % (ncols + 1);
			if (t[k].state != IMP_SHOWN)
				continue;
			in_line = i == r || j == c;
			t[k].state = IMP_SUPP_SECONDARY; /* try it */
			if (connected_without(t, nrows, ncols, r, c, queue, seen) &&
			    (best_fix < 0 || in_line > fix_in_line ||
			     (in_line == fix_in_line && better(t, ncols, nrows, k, best_fix)))) {
				best_fix = k;
				fix_in_line = in_line;
			}
			t[k].state = IMP_SHOWN;
			if (in_line && better(t, ncols, nrows, k, best_line))
				best_line = k;
		}
		k = best_fix >= 0 ? best_fix : best_line;
		if (k < 0) {
			/* Nothing shown is left that could help: impossible by the
			 * argument above, unless the table is degenerate. */
			rc = co_errf(e, CO_EINTERNAL,
			             "suppression could not protect row %d, column %d", r + 1,
			             c + 1);
			goto out;
		}
		t[k].state = IMP_SUPP_SECONDARY;
	}
out:
	free(queue);
	free(seen);
	return rc;
}

int imp_equity_compute(struct imp_equity *q, struct co_err *e)
{
	int nr = q->nrows, nc = q->ncols, n, i, j, k, rc;
	struct imp_supp_cell *t;
	struct imp_equity_cell *x, *ref;

	if (nr < 1 || nc < 1 || q->ref_col >= nc || !(q->multiplier > 0.0))
		return co_errf(e, CO_EINPUT, "the equity table is badly shaped");
	n = (nr + 1) * (nc + 1);
	for (i = 0; i <= nr; i++) {
		q->cells[IDX(i, nc, nc)].events = 0.0;
		q->cells[IDX(i, nc, nc)].denom = 0.0;
	}
	for (j = 0; j < nc; j++) {
		q->cells[IDX(nr, j, nc)].events = 0.0;
		q->cells[IDX(nr, j, nc)].denom = 0.0;
	}
	for (i = 0; i < nr; i++)
		for (j = 0; j < nc; j++) {
			x = &q->cells[IDX(i, j, nc)];
			if (!(x->events >= 0.0) || !(x->denom >= 0.0))
				return co_errf_at(e, CO_EINPUT, i + 1, j + 1, NULL,
				                  "counts must be zero or more");
			q->cells[IDX(i, nc, nc)].events += x->events;
			q->cells[IDX(i, nc, nc)].denom += x->denom;
			q->cells[IDX(nr, j, nc)].events += x->events;
			q->cells[IDX(nr, j, nc)].denom += x->denom;
			q->cells[IDX(nr, nc, nc)].events += x->events;
			q->cells[IDX(nr, nc, nc)].denom += x->denom;
		}
	t = calloc((size_t)n, sizeof(*t));
	if (!t)
		return co_errf(e, CO_ENOMEM, "out of memory");
	for (i = 0; i <= nr; i++)
		for (j = 0; j <= nc; j++) {
			k = IDX(i, j, nc);
			t[k].events = q->cells[k].events;
			t[k].people = q->kind == IMP_RATIO_PROPORTION ? q->cells[k].denom : -1.0;
			if (i == nr && j == nc)
				t[k].published = q->col_totals && q->row_totals;
			else if (i == nr)
				t[k].published = q->col_totals;
			else if (j == nc)
				t[k].published = q->row_totals;
			else
				t[k].published = 1;
		}
	rc = imp_suppress(t, nr, nc, q->threshold, e);
	if (rc) {
		free(t);
		return rc;
	}
	for (k = 0; k < n; k++) {
		x = &q->cells[k];
		x->state = t[k].state;
		x->has_ratio = 0;
		if (x->state != IMP_SHOWN || !(x->denom > 0.0))
			continue;
		rc = imp_interval(q->kind, x->events, x->denom, q->multiplier, 0.05, &x->rate);
		if (rc) {
			free(t);
			return co_errf(e, rc,
			               "a stratum's counts are impossible (events above people)");
		}
	}
	free(t);
	if (q->ref_col < 0)
		return 0;
	for (i = 0; i <= nr; i++) {
		ref = &q->cells[IDX(i, q->ref_col, nc)];
		for (j = 0; j < nc; j++) {
			x = &q->cells[IDX(i, j, nc)];
			if (j == q->ref_col || x->state != IMP_SHOWN || ref->state != IMP_SHOWN ||
			    !(x->denom > 0.0) || !(ref->denom > 0.0))
				continue;
			if (imp_rate_ratio(q->kind, x->events, x->denom, ref->events, ref->denom,
			                   0.05, &x->ratio) == 0)
				x->has_ratio = 1;
		}
	}
	return 0;
}
