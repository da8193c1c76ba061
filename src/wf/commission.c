/*
 * commission.c - training places to commission, as a linear programme
 * (GLPK), and a greedy check.
 *
 * Supply is linear in entrants (project.c): with the places of the window
 * set to zero the projection gives a baseline FTE F0_j and demand D_j, and
 * one more entrant in year tau adds r_{j,tau} FTE in year j (wf__impulse,
 * times the fill rate for a place). For profession p with course length d,
 * the places of year tau are judged in their target year j = tau + d, the
 * first year their graduates are in post. Over draws k = 1..K (K = 1: the
 * central projection):
 *
 *   minimise  sum_{p,tau,k} (w_p / K) s_{p,tau,k} + sum_{p,tau} cost_{p,tau} c_{p,tau}
 *   s_{p,tau,k} + sum_{tau' <= tau} r^k_{j,tau'} c_{p,tau'} >= D^k_j - F0^k_j,  s >= 0
 *   fill_{p,tau} c_{p,tau} <= university_capacity_{p,tau}, placement_capacity_{p,tau}
 *   sum_p cost_{p,tau} c_{p,tau} <= budget_tau
 *   (1 - m) c_{p,tau-1} <= c_{p,tau} <= (1 + m) c_{p,tau-1}   (the year before the
 *                                       window: the model's places)
 *   c_{p,tau} >= committed_{p,tau}
 *
 * Solved by the L-shaped method (Van Slyke and Wets, 1969) with one cut
 * per profession and target: a master LP over the places c and
 * theta_{p,tau} (the weighted expected shortfall), and cuts
 *   theta + (w/K) sum_{k in A} r^k c >= (w/K) sum_{k in A} g^k,
 *   A = the draws short at the current answer,
 * added until no cut is violated (relative tolerance 1e-10). The expected
 * shortfall is piecewise linear in c with finitely many pieces, so the
 * method ends at the LP optimum; it solves 1,000 draws as fast as one.
 *
 * A limit "binds" when its row (or the commitment bound) is active at the
 * optimum. An infeasible LP is solved again with every limit elastic (each
 * may be broken at a price); the limits it breaks are the ones reported as
 * conflicting with the commitments and with each other.
 *
 * The greedy check, for one profession and the central projection with no
 * limits: c_tau = max(0, remaining gap at j / r_{j,tau}), year by year. When
 * no limit binds and closing a unit of gap is worth more than its cost, the
 * LP's answer is the same.
 */
#include <glpk.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wf/wf_int.h"

enum row_kind { R_SHORT, R_UNI, R_PLACE, R_BUDGET, R_UP, R_DOWN };

struct rowinfo {
	int kind, prof, tau; /* tau: window index */
	double limit;
};

struct lpb {
	glp_prob *P;
	int *ia, *ja;
	double *ar;
	int nz, cap;
	struct rowinfo *ri;
	int nrows, rcap;
};

static int add_nz(struct lpb *L, int row, int col, double v)
{
	if (L->nz + 1 >= L->cap) {
		int cap = L->cap ? L->cap * 2 : 4096;
		int *ia = realloc(L->ia, (size_t)cap * sizeof(int));
		int *ja;
		double *ar;
		if (!ia)
			return CO_ENOMEM;
		L->ia = ia;
		if (!(ja = realloc(L->ja, (size_t)cap * sizeof(int))))
			return CO_ENOMEM;
		L->ja = ja;
		if (!(ar = realloc(L->ar, (size_t)cap * sizeof(double))))
			return CO_ENOMEM;
		L->ar = ar;
		L->cap = cap;
	}
	L->nz++;
	L->ia[L->nz] = row;
	L->ja[L->nz] = col;
	L->ar[L->nz] = v;
	return 0;
}

static int add_row(struct lpb *L, int kind, int prof, int tau, double limit)
{
	if (L->nrows + 1 >= L->rcap) {
		int cap = L->rcap ? L->rcap * 2 : 1024;
		struct rowinfo *ri = realloc(L->ri, (size_t)cap * sizeof(*ri));
		if (!ri)
			return -1;
		L->ri = ri;
		L->rcap = cap;
	}
	L->nrows++;
	L->ri[L->nrows].kind = kind;
	L->ri[L->nrows].prof = prof;
	L->ri[L->nrows].tau = tau;
	L->ri[L->nrows].limit = limit;
	return L->nrows;
}

static void lpb_free(struct lpb *L)
{
	if (L->P)
		glp_delete_prob(L->P);
	free(L->ia);
	free(L->ja);
	free(L->ar);
	free(L->ri);
	memset(L, 0, sizeof(*L));
}

/* What the LP needs of one profession in one draw. */
struct pdraw {
	double *gap; /* [nw]: D_j - F0_j at each target (0 beyond the horizon) */
	double *r;   /* [nw * nw]: r[target tau][place tau'] */
};

struct job {
	const struct wf_model *m;
	const struct wf_commission_opts *o;
	int w0, nw, np, K;
	int *prof;              /* [np] */
	struct wf__pp *central; /* [np] central parameters (fill, cost, capacities) */
	struct pdraw *pd;       /* [np * K] */
	double *prev;           /* [np] places the year before the window */
	double *commit;         /* [np * nw] */
};

static int target(const struct job *J, int i, int tau)
{
	return J->w0 + tau + J->central[i].d;
}

/* Baseline gap and responses of profession i under draw rv (NULL central). */
static int measure(struct job *J, int i, const double *rv, struct pdraw *pd, struct co_err *e)
{
	const struct wf_model *m = J->m;
	int p = J->prof[i], T1 = m->T + 1, tau, k, rc;
	struct co_arena a;
	struct wf__pp pp;
	double *work, *out, *fte;
	size_t W = (size_t)(m->prof[p].n_groups + 1) * WF_NCOL;

	co_arena_init(&a, 0);
	work = co_arena_alloc(&a, wf__work_size(m, p) * sizeof(double));
	out = co_arena_alloc(&a, (size_t)T1 * W * sizeof(double));
	fte = co_arena_alloc(&a, (size_t)T1 * sizeof(double));
	if (!work || !out || !fte || wf__pp_alloc(m, p, &pp, &a)) {
		co_arena_free(&a);
		return co_errf(e, CO_ENOMEM, "out of memory");
	}
	if ((rc = wf__compile(m, p, J->o->scenario, rv, &pp, e))) {
		co_arena_free(&a);
		return rc;
	}
	for (tau = 0; tau < J->nw; tau++)
		pp.comm[J->w0 + tau] = 0;
	wf__run(m, p, &pp, work, out);
	for (tau = 0; tau < J->nw; tau++) {
		int j = target(J, i, tau);
		pd->gap[tau] = j <= m->T ? out[(size_t)j * W + (W - WF_NCOL) + WF_GAP] : 0;
	}
	for (k = 0; k < J->nw; k++) {
		wf__impulse(m, p, &pp, J->w0 + k, work, fte);
		for (tau = 0; tau < J->nw; tau++) {
			int j = target(J, i, tau);
			pd->r[tau * J->nw + k] =
			        j <= m->T && k <= tau ? fte[j] * pp.fill[J->w0 + k] : 0;
		}
	}
	co_arena_free(&a);
	return 0;
}

static int col_c(const struct job *J, int i, int tau)
{
	return 1 + i * J->nw + tau;
}

static int col_th(const struct job *J, int i, int tau)
{
	return 1 + J->np * J->nw + i * J->nw + tau;
}

/* Builds the LP; elastic: every limit row gets a priced slack column and
 * the objective is only their sum. */
static int build(struct job *J, struct lpb *L, int elastic, int *n_el)
{
	const struct wf_model *m = J->m;
	int i, tau, rc, row, ncols = 2 * J->np * J->nw;

	*n_el = 0;
	L->P = glp_create_prob();
	glp_set_obj_dir(L->P, GLP_MIN);
	glp_add_cols(L->P, ncols);
	for (i = 0; i < J->np; i++) {
		for (tau = 0; tau < J->nw; tau++) {
			double lo = J->commit[i * J->nw + tau];
			glp_set_col_bnds(L->P, col_c(J, i, tau), GLP_LO, lo, 0);
			/* theta: no shortfall counts beyond the horizon */
			glp_set_col_bnds(L->P, col_th(J, i, tau),
			                 target(J, i, tau) > m->T || elastic ? GLP_FX : GLP_LO, 0,
			                 0);
			if (!elastic) {
				glp_set_obj_coef(L->P, col_c(J, i, tau),
				                 J->central[i].cost[J->w0 + tau]);
				glp_set_obj_coef(L->P, col_th(J, i, tau), 1);
			}
		}
	}
	/* capacity, ramp */
	for (i = 0; i < J->np; i++) {
		const struct wf__pp *pp = &J->central[i];
		for (tau = 0; tau < J->nw; tau++) {
			int t = J->w0 + tau;
			double fill = pp->fill[t];
			if (!isinf(pp->ucap[t]) && fill > 0) {
				if ((row = add_row(L, R_UNI, i, tau, pp->ucap[t])) < 0 ||
				    add_nz(L, row, col_c(J, i, tau), fill))
					return CO_ENOMEM;
			}
			if (!isinf(pp->pcap[t]) && fill > 0) {
				if ((row = add_row(L, R_PLACE, i, tau, pp->pcap[t])) < 0 ||
				    add_nz(L, row, col_c(J, i, tau), fill))
					return CO_ENOMEM;
			}
			if (m->comm.max_change >= 0) {
				double mc = m->comm.max_change;
				double prev = tau == 0 ? J->prev[i] : 0;
				if ((row = add_row(L, R_UP, i, tau,
				                   tau == 0 ? (1 + mc) * prev : 0)) < 0 ||
				    add_nz(L, row, col_c(J, i, tau), 1) ||
				    (tau > 0 && add_nz(L, row, col_c(J, i, tau - 1), -(1 + mc))))
					return CO_ENOMEM;
				if ((row = add_row(L, R_DOWN, i, tau,
				                   tau == 0 ? (1 - mc) * prev : 0)) < 0 ||
				    add_nz(L, row, col_c(J, i, tau), 1) ||
				    (tau > 0 && add_nz(L, row, col_c(J, i, tau - 1), -(1 - mc))))
					return CO_ENOMEM;
			}
		}
	}
	/* budget */
	for (tau = 0; tau < J->nw; tau++) {
		int r, year = m->base_year + J->w0 + tau;
		for (r = 0; r < m->comm.budget.n; r++)
			if (m->comm.budget.r[r].year == year)
				break;
		if (r == m->comm.budget.n)
			continue;
		if ((row = add_row(L, R_BUDGET, -1, tau, m->comm.budget.r[r].v)) < 0)
			return CO_ENOMEM;
		for (i = 0; i < J->np; i++)
			if ((rc = add_nz(L, row, col_c(J, i, tau),
			                 J->central[i].cost[J->w0 + tau])))
				return rc;
	}
	if (L->nrows > 0)
		glp_add_rows(L->P, L->nrows);
	for (row = 1; row <= L->nrows; row++) {
		const struct rowinfo *ri = &L->ri[row];
		int type = ri->kind == R_SHORT || ri->kind == R_DOWN ? GLP_LO : GLP_UP;
		glp_set_row_bnds(L->P, row, type, type == GLP_LO ? ri->limit : 0,
		                 type == GLP_UP ? ri->limit : 0);
	}
	if (elastic && L->nrows > 0) {
		int base = glp_add_cols(L->P, L->nrows);
		for (row = 1; row <= L->nrows; row++) {
			int c = base + row - 1;
			glp_set_col_bnds(L->P, c, GLP_LO, 0, 0);
			if (L->ri[row].kind == R_SHORT) {
				glp_set_col_bnds(L->P, c, GLP_FX, 0, 0);
				continue;
			}
			glp_set_obj_coef(L->P, c, 1);
			if ((rc = add_nz(L, row, c, L->ri[row].kind == R_DOWN ? 1 : -1)))
				return rc;
			(*n_el)++;
		}
	}
	glp_load_matrix(L->P, L->nz, L->ia, L->ja, L->ar);
	return 0;
}

static int solve(glp_prob *P, int warm)
{
	glp_smcp parm;
	int rc;

	glp_init_smcp(&parm);
	parm.msg_lev = GLP_MSG_OFF;
	parm.presolve = warm ? GLP_OFF : GLP_ON;
	parm.meth = GLP_DUALP;
	rc = glp_simplex(P, &parm);
	if (rc == 0 && glp_get_status(P) == GLP_OPT)
		return 0;
	return rc == GLP_ENOPFS || glp_get_status(P) == GLP_NOFEAS ? 1 : 2;
}

static const char *row_name(int kind)
{
	switch (kind) {
	case R_UNI: return "university capacity";
	case R_PLACE: return "placement capacity";
	case R_BUDGET: return "budget";
	case R_UP: return "limit on growth from the year before";
	case R_DOWN: return "limit on cuts from the year before";
	default: return "shortfall";
	}
}

static int conflict(struct job *J, struct co_err *e)
{
	struct lpb L;
	char msg[CO_MAX_ERRMSG];
	size_t n = 0;
	int n_el, row;

	memset(&L, 0, sizeof(L));
	msg[0] = '\0';
	if (build(J, &L, 1, &n_el)) {
		lpb_free(&L);
		return co_errf(e, CO_ENOMEM, "out of memory");
	}
	if (solve(L.P, 0) == 0) {
		int base = glp_get_num_cols(L.P) - L.nrows;
		for (row = 1; row <= L.nrows && n < sizeof(msg); row++) {
			const struct rowinfo *ri = &L.ri[row];
			double x = glp_get_col_prim(L.P, base + row);
			if (ri->kind == R_SHORT || x <= 1e-7)
				continue;
			n += (size_t)snprintf(
			        msg + n, sizeof(msg) - n, "%s%s%s%s in %d (off by %.6g)",
			        n ? "; " : "", row_name(ri->kind), ri->prof >= 0 ? " of " : "",
			        ri->prof >= 0 ? J->m->prof[J->prof[ri->prof]].code : "",
			        J->m->base_year + J->w0 + ri->tau, x);
		}
	}
	lpb_free(&L);
	return co_errf_at(e, CO_EINPUT, 0, 0, "commissioning",
	                  "the commissioning limits conflict: no plan keeps the commitments and "
	                  "every limit. Limits that cannot hold with the commitments and each "
	                  "other: %s",
	                  msg[0] ? msg : "(could not be isolated)");
}

/* Sum over draws of the shortfall of (i, tau) at the master's answer; with
 * cut, the cut's coefficients on c (cut[t2]) and its right-hand side
 * (cut[nw]), unweighted. */
static double shortfall(const struct job *J, const struct lpb *L, int i, int tau, double *cut)
{
	double sum = 0, c[64];
	int k, t2;

	for (t2 = 0; t2 <= tau; t2++)
		c[t2] = glp_get_col_prim(L->P, col_c(J, i, t2));
	if (cut)
		memset(cut, 0, (size_t)(J->nw + 1) * sizeof(double));
	for (k = 0; k < J->K; k++) {
		const struct pdraw *pd = &J->pd[(size_t)k * J->np + i];
		const double *r = pd->r + (size_t)tau * J->nw;
		double x = pd->gap[tau];
		for (t2 = 0; t2 <= tau; t2++)
			x -= r[t2] * c[t2];
		if (x <= 0)
			continue;
		sum += x;
		if (cut) {
			for (t2 = 0; t2 <= tau; t2++)
				cut[t2] += r[t2];
			cut[J->nw] += pd->gap[tau];
		}
	}
	return sum;
}

/* The L-shaped loop: solve the master, add the violated cuts, repeat. */
static int cuts_loop(struct job *J, struct lpb *L, struct co_err *e)
{
	const struct wf_model *m = J->m;
	double cut[65];
	int ind[66], iter, i, tau, t2, st, added;
	double val[66];

	for (iter = 0; iter < 10000; iter++) {
		st = solve(L->P, iter > 0);
		if (st == 1)
			return conflict(J, e);
		if (st)
			return co_errf(e, CO_EINTERNAL, "the optimiser failed to find an optimum");
		added = 0;
		for (i = 0; i < J->np; i++) {
			double w = m->prof[J->prof[i]].weight / J->K;
			for (tau = 0; tau < J->nw; tau++) {
				double q, th;
				int row, n = 0;
				if (target(J, i, tau) > m->T)
					continue;
				q = w * shortfall(J, L, i, tau, cut);
				th = glp_get_col_prim(L->P, col_th(J, i, tau));
				/* violated beyond the rounding of its terms (the simplex's
				 * own feasibility tolerance is relative, about 1e-9) */
				if (q - th <= 1e-9 * (fabs(th) + w * fabs(cut[J->nw])) + 1e-9)
					continue;
				if ((row = add_row(L, R_SHORT, i, tau, w * cut[J->nw])) < 0)
					return co_errf(e, CO_ENOMEM, "out of memory");
				ind[++n] = col_th(J, i, tau);
				val[n] = 1;
				for (t2 = 0; t2 <= tau; t2++)
					if (cut[t2] != 0) {
						ind[++n] = col_c(J, i, t2);
						val[n] = w * cut[t2];
					}
				glp_add_rows(L->P, 1);
				glp_set_row_bnds(L->P, row, GLP_LO, w * cut[J->nw], 0);
				glp_set_mat_row(L->P, row, n, ind, val);
				added++;
			}
		}
		if (!added)
			return 0;
	}
	return co_errf(e, CO_EINTERNAL, "the optimiser did not converge");
}

void wf_limit_names(int flags, char *out, size_t size)
{
	static const char *const names[] = {
	        "university_capacity", "placement_capacity", "budget", "ramp_up",
	        "ramp_down",           "commitment"};
	size_t n = 0;
	int i;

	if (!size)
		return;
	out[0] = '\0';
	for (i = 0; i < 6; i++)
		if ((flags & (1 << i)) && n < size)
			n += (size_t)snprintf(out + n, size - n, "%s%s", n ? "," : "", names[i]);
}

static int active(glp_prob *P, int row, double limit)
{
	double v = glp_get_row_prim(P, row);

	return fabs(v - limit) <= 1e-6 * fmax(1, fabs(limit));
}

int wf_commission(const struct wf_model *m, const struct wf_commission_opts *o,
                  struct wf_commission *res, struct co_err *e)
{
	struct job J;
	struct lpb L;
	struct co_arena a;
	struct wf_commission R;
	double *rv = NULL;
	int i, k, tau, rc = 0, n_el, from, years;

	memset(&J, 0, sizeof(J));
	memset(&L, 0, sizeof(L));
	memset(&R, 0, sizeof(R));
	J.m = m;
	J.o = o;
	from = o->from_year ? o->from_year : m->comm.from;
	years = o->years ? o->years : m->comm.years;
	if (from < m->base_year || from > m->base_year + m->T)
		return co_errf_at(e, CO_EINPUT, 0, 0, "from",
		                  "the window must start between %d and %d", m->base_year,
		                  m->base_year + m->T);
	J.w0 = from - m->base_year;
	J.nw = years;
	if (J.w0 + J.nw > m->T + 1)
		J.nw = m->T + 1 - J.w0;
	if (J.nw < 1 || J.nw > 60)
		return co_errf_at(e, CO_EINPUT, 0, 0, "years", "the window is 1 to 60 years");
	if (o->scenario < 0 || o->scenario >= m->n_scen)
		return co_errf(e, CO_ENOTFOUND, "no scenario number %d", o->scenario);
	if (o->draws < 0 || o->draws > 1000000)
		return co_errf(e, CO_EINPUT, "draws must be from 0 to 1000000");
	if (o->draws > 0 && m->n_unc == 0)
		return co_errf(e, CO_EINPUT, "the model names no uncertain parameters for draws");
	J.K = o->draws > 0 ? (int)o->draws : 1;
	co_arena_init(&a, 0);
	J.prof = co_arena_calloc(&a, (size_t)m->n_prof, sizeof(int));
	if (!J.prof)
		goto nomem;
	if (m->comm.prof) {
		for (i = 0; i < m->comm.n_prof; i++)
			J.prof[J.np++] = m->comm.prof[i];
	} else {
		for (i = 0; i < m->n_prof; i++)
			if (m->prof[i].train)
				J.prof[J.np++] = i;
	}
	if (J.np == 0) {
		co_arena_free(&a);
		return co_errf_at(e, CO_EINPUT, 0, 0, "training",
		                  "no profession has training to commission");
	}
	if (o->greedy_prof >= 0 && !m->prof[o->greedy_prof].train) {
		co_arena_free(&a);
		return co_errf_at(e, CO_EINPUT, 0, 0, "training",
		                  "profession %s has no training to commission",
		                  m->prof[o->greedy_prof].code);
	}
	J.central = co_arena_calloc(&a, (size_t)J.np, sizeof(*J.central));
	J.pd = co_arena_calloc(&a, (size_t)J.np * J.K, sizeof(*J.pd));
	J.prev = co_arena_calloc(&a, (size_t)J.np, sizeof(double));
	J.commit = co_arena_calloc(&a, (size_t)J.np * J.nw, sizeof(double));
	rv = co_arena_calloc(&a, (size_t)m->n_var + 1, sizeof(double));
	if (!J.central || !J.pd || !J.prev || !J.commit || !rv)
		goto nomem;
	for (i = 0; i < J.np; i++) {
		if (wf__pp_alloc(m, J.prof[i], &J.central[i], &a))
			goto nomem;
		if ((rc = wf__compile(m, J.prof[i], o->scenario, NULL, &J.central[i], e)))
			goto out;
		J.prev[i] = J.w0 > 0 ? J.central[i].comm[J.w0 - 1] : J.central[i].comm[0];
		for (k = 0; k < m->comm.n_commit; k++) {
			int t = m->comm.commit[k].year - m->base_year - J.w0;
			if (m->comm.commit[k].prof == J.prof[i] && t >= 0 && t < J.nw)
				J.commit[i * J.nw + t] += m->comm.commit[k].places;
		}
		for (k = 0; k < J.K; k++) {
			struct pdraw *pd = &J.pd[k * J.np + i];
			pd->gap = co_arena_calloc(&a, (size_t)J.nw, sizeof(double));
			pd->r = co_arena_calloc(&a, (size_t)J.nw * J.nw, sizeof(double));
			if (!pd->gap || !pd->r)
				goto nomem;
		}
	}
	for (k = 0; k < J.K; k++) {
		if (o->draws > 0)
			wf__draw(m, o->seed, k, rv);
		for (i = 0; i < J.np; i++)
			if ((rc = measure(&J, i, o->draws > 0 ? rv : NULL, &J.pd[k * J.np + i], e)))
				goto out;
	}
	if (build(&J, &L, 0, &n_el) != 0)
		goto nomem;
	if ((rc = cuts_loop(&J, &L, e)))
		goto out;
	R.objective = glp_get_obj_val(L.P);
	R.draws = o->draws;
	R.greedy_prof = o->greedy_prof;
	R.n_years = J.nw;
	R.n_cells = J.np * J.nw;
	R.cells = calloc((size_t)R.n_cells, sizeof(*R.cells));
	R.budget_binds = calloc((size_t)J.nw + 1, sizeof(int));
	if (!R.cells || !R.budget_binds)
		goto nomem;
	for (i = 0; i < J.np; i++)
		for (tau = 0; tau < J.nw; tau++) {
			struct wf_commission_cell *c = &R.cells[i * J.nw + tau];
			int t = J.w0 + tau;
			c->prof = J.prof[i];
			c->year = m->base_year + t;
			c->target_year = m->base_year + target(&J, i, tau);
			c->beyond = target(&J, i, tau) > m->T;
			c->places = glp_get_col_prim(L.P, col_c(&J, i, tau));
			if (fabs(c->places) < 1e-9)
				c->places = 0;
			c->entrants = c->places * J.central[i].fill[t];
			c->planned = J.central[i].comm[t];
			c->cost = c->places * J.central[i].cost[t];
			c->greedy = NAN;
			R.total_cost += c->cost;
			c->gap_before = c->shortfall = 0;
			for (k = 0; k < J.K; k++)
				c->gap_before += J.pd[k * J.np + i].gap[tau] / J.K;
			if (!c->beyond)
				c->shortfall = shortfall(&J, &L, i, tau, NULL) / J.K;
			if (c->shortfall < 1e-9 * fmax(1, fabs(c->gap_before)))
				c->shortfall = 0; /* the simplex's dust */
			if (J.commit[i * J.nw + tau] > 0 &&
			    c->places <= J.commit[i * J.nw + tau] * (1 + 1e-9) + 1e-9)
				c->binds |= WF_LIM_COMMITMENT;
		}
	for (k = 1; k <= L.nrows; k++) {
		const struct rowinfo *ri = &L.ri[k];
		static const int flag[] = {0,
		                           WF_LIM_UNIVERSITY,
		                           WF_LIM_PLACEMENT,
		                           WF_LIM_BUDGET,
		                           WF_LIM_RAMP_UP,
		                           WF_LIM_RAMP_DOWN};
		if (ri->kind == R_SHORT || !active(L.P, k, ri->limit))
			continue;
		if (ri->kind == R_BUDGET) {
			R.budget_binds[ri->tau] = 1;
			for (i = 0; i < J.np; i++)
				R.cells[i * J.nw + ri->tau].binds |= WF_LIM_BUDGET;
		} else {
			R.cells[ri->prof * J.nw + ri->tau].binds |= flag[ri->kind];
		}
	}
	/* the greedy check */
	if (o->greedy_prof >= 0) {
		struct pdraw gd;
		int gi = -1;
		for (i = 0; i < J.np; i++)
			if (J.prof[i] == o->greedy_prof)
				gi = i;
		if (gi >= 0) {
			gd.gap = co_arena_calloc(&a, (size_t)J.nw, sizeof(double));
			gd.r = co_arena_calloc(&a, (size_t)J.nw * J.nw, sizeof(double));
			if (!gd.gap || !gd.r)
				goto nomem;
			if ((rc = measure(&J, gi, NULL, &gd, e)))
				goto out;
			for (tau = 0; tau < J.nw; tau++) {
				double gap = gd.gap[tau], x = 0;
				int t2;
				for (t2 = 0; t2 < tau; t2++)
					gap -= gd.r[tau * J.nw + t2] *
					       R.cells[gi * J.nw + t2].greedy;
				if (gd.r[tau * J.nw + tau] > 0 && gap > 0)
					x = gap / gd.r[tau * J.nw + tau];
				R.cells[gi * J.nw + tau].greedy = x;
			}
		}
	}
	*res = R;
	memset(&R, 0, sizeof(R));
	rc = 0;
	goto out;
nomem:
	rc = co_errf(e, CO_ENOMEM, "out of memory");
out:
	wf_commission_free(&R);
	lpb_free(&L);
	co_arena_free(&a);
	return rc;
}

void wf_commission_free(struct wf_commission *res)
{
	free(res->cells);
	free(res->budget_binds);
	res->cells = NULL;
	res->budget_binds = NULL;
}

static int num(struct co_buf *b, const char *key, double x)
{
	if (!isfinite(x))
		return co_buf_printf(b, ",\"%s\":null", key);
	return co_buf_printf(b, ",\"%s\":%.12g", key, x);
}

int wf_commission_write_json(struct co_buf *b, const struct wf_model *m,
                             const struct wf_commission *res)
{
	char binds[160];
	int y, i, rc, n_prof = res->n_years ? res->n_cells / res->n_years : 0;

	rc = co_buf_printf(b, "{\"method\":\"%s\",\"draws\":%ld",
	                   res->draws > 0 ? "expected shortfall over draws" : "central projection",
	                   res->draws);
	rc = rc ? rc : num(b, "objective", res->objective);
	rc = rc ? rc : num(b, "total_cost", res->total_cost);
	rc = rc ? rc : co_buf_adds(b, ",\"years\":[");
	for (y = 0; y < res->n_years && !rc; y++) {
		rc = co_buf_printf(b, "%s{\"year\":%d,\"budget_binds\":%s,\"professions\":[",
		                   y ? "," : "", res->cells[y].year,
		                   res->budget_binds[y] ? "true" : "false");
		for (i = 0; i < n_prof && !rc; i++) {
			const struct wf_commission_cell *c = &res->cells[i * res->n_years + y];
			wf_limit_names(c->binds, binds, sizeof(binds));
			rc = co_buf_adds(b, i ? ",{\"profession\":" : "{\"profession\":");
			rc = rc ? rc : wf__json_text(b, m->prof[c->prof].code);
			rc = rc ? rc : num(b, "places", c->places);
			rc = rc ? rc : num(b, "entrants", c->entrants);
			rc = rc ? rc : num(b, "planned", c->planned);
			rc = rc ? rc : num(b, "cost", c->cost);
			rc = rc ? rc : co_buf_printf(b, ",\"target_year\":%d", c->target_year);
			rc = rc ? rc : num(b, "gap_before", c->beyond ? NAN : c->gap_before);
			rc = rc ? rc : num(b, "shortfall", c->beyond ? NAN : c->shortfall);
			if (!rc && res->greedy_prof == c->prof)
				rc = num(b, "greedy_places", c->greedy);
			rc = rc ? rc
			        : co_buf_printf(b, ",\"beyond_horizon\":%s,\"binds\":[",
			                        c->beyond ? "true" : "false");
			if (!rc && binds[0]) {
				char *s = binds, *comma;
				int first = 1;
				while (!rc && s && *s) {
					comma = strchr(s, ',');
					if (comma)
						*comma = '\0';
					rc = co_buf_printf(b, "%s\"%s\"", first ? "" : ",", s);
					first = 0;
					s = comma ? comma + 1 : NULL;
				}
			}
			rc = rc ? rc : co_buf_adds(b, "]}");
		}
		rc = rc ? rc : co_buf_adds(b, "]}");
	}
	return rc ? rc : co_buf_adds(b, "]}\n");
}

int wf_commission_write_csv(struct co_buf *b, const struct wf_model *m,
                            const struct wf_commission *res)
{
	char binds[160];
	int i, rc = co_buf_adds(b, "profession,year,places,entrants,planned,cost,target_year,"
	                           "gap_before,shortfall,greedy_places,binds\n");

	for (i = 0; i < res->n_cells && !rc; i++) {
		const struct wf_commission_cell *c = &res->cells[i];
		wf_limit_names(c->binds, binds, sizeof(binds));
		rc = wf__csv_text(b, m->prof[c->prof].code);
		rc = rc ? rc : co_buf_printf(b, ",%d,", c->year);
		rc = rc ? rc : wf__num(b, c->places);
		rc = rc ? rc : co_buf_addc(b, ',');
		rc = rc ? rc : wf__num(b, c->entrants);
		rc = rc ? rc : co_buf_addc(b, ',');
		rc = rc ? rc : wf__num(b, c->planned);
		rc = rc ? rc : co_buf_addc(b, ',');
		rc = rc ? rc : wf__num(b, c->cost);
		rc = rc ? rc : co_buf_printf(b, ",%d,", c->target_year);
		rc = rc ? rc : wf__num(b, c->beyond ? NAN : c->gap_before);
		rc = rc ? rc : co_buf_addc(b, ',');
		rc = rc ? rc : wf__num(b, c->beyond ? NAN : c->shortfall);
		rc = rc ? rc : co_buf_addc(b, ',');
		rc = rc ? rc : wf__num(b, c->greedy);
		rc = rc ? rc : co_buf_printf(b, ",\"%s\"\n", binds);
	}
	return rc;
}
