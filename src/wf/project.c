/*
 * project.c - the deterministic core: ../shared/workforce-model.md, equations
 * 1-8, for one profession at a time (professions do not interact).
 *
 * With H_t(g,x) the headcount at the start of year t, q the leaver rate (1 at
 * age_max), E, G, R, B the entrants, graduates, returners and returner pool:
 *
 *   L_t(g,x)     = H_t(g,x) q_t(x)
 *   H_{t+1}(g,x+1) = H_t(g,x) - L_t(g,x),   H_{t+1}(g,age_min) = 0, plus J_t(g,.)
 *   E_t          = min(C_t fill_t, ucap_t, pcap_t)
 *   G_t          = E_{t-d+1} prod_{k=1..d} (1 - a_k[t-d+k]) completion_t
 *                + in_training[y-1] prod_{k=y..d} (1 - a_k[k-y]) completion_t,  y = d - t
 *   R_t = rate_t B_t,  B_{t+1} = (B_t - R_t)(1 - decay_t) + sum_g sum_{x<=max_age} L_t(g,x)
 *   J_t(g,x)     = share(g) (uptake_t G_t pi_grad(x) + I_t pi_int(x) + R_t pi_ret(x) + O_t
 * pi_oth(x)) F_t(g)       = sum_x H_t(g,x) f_t(x) D_0 = sum_g F_0(g) + vacancies,  D_t = D_{t-1} (1
 * + growth_t),  gap_t = D_t - sum_g F_t(g)
 *
 * a_k[y] is the attrition of course year k in force in calendar year index y
 * (the value in force in the year it acts). Cost: O(G A T) per profession.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wf/wf_int.h"

size_t wf__work_size(const struct wf_model *m, int p)
{
	size_t T1 = (size_t)m->T + 1;

	return (size_t)m->prof[p].n_groups * (size_t)m->A + 2 * (size_t)m->A + 3 * T1 + 4;
}

/* Entrants and graduates of every year. */
static void training(const struct wf_model *m, int p, const struct wf__pp *pp, double *E,
                     double *Gr)
{
	int T1 = m->T + 1, d = pp->d, t, k;

	if (!m->prof[p].train) {
		memset(E, 0, (size_t)T1 * sizeof(double));
		memset(Gr, 0, (size_t)T1 * sizeof(double));
		return;
	}
	for (t = 0; t < T1; t++) {
		double e = pp->comm[t] * pp->fill[t];
		if (pp->ucap[t] < e)
			e = pp->ucap[t];
		if (pp->pcap[t] < e)
			e = pp->pcap[t];
		E[t] = e;
	}
	for (t = 0; t < T1; t++) {
		double g = 0, s;
		int t0 = t - d + 1, y = d - t;
		if (t0 >= 0) {
			s = E[t0];
			for (k = 1; k <= d; k++)
				s *= 1 - pp->attr[(size_t)(t0 + k - 1) * d + (k - 1)];
			g += s * pp->comp[t];
		}
		if (y >= 1) {
			s = pp->in_tr[y - 1];
			for (k = y; k <= d; k++)
				s *= 1 - pp->attr[(size_t)(k - y) * d + (k - 1)];
			g += s * pp->comp[t];
		}
		Gr[t] = g;
	}
}

void wf__run(const struct wf_model *m, int p, const struct wf__pp *pp, double *work, double *out)
{
	const struct wf__prof *P = &m->prof[p];
	int G = P->n_groups, A = m->A, T1 = m->T + 1, t, g, x, r;
	double *H = work;              /* [G * A] */
	double *J = H + (size_t)G * A; /* [A] joiners by age, before the share */
	double *E = J + A, *Gr = E + T1, *Fsum = Gr + T1;
	double B = pp->pool0, D = 0;
	size_t W = (size_t)(G + 1) * WF_NCOL;

	memset(H, 0, (size_t)G * A * sizeof(double));
	for (r = 0; r < P->n_stock; r++) {
		const struct wf__stockrow *s = &P->stock[r];
		double each = s->v / (double)(s->hi - s->lo + 1);
		for (x = s->lo; x <= s->hi; x++)
			H[(size_t)s->group * A + (x - m->age_min)] += each;
	}
	training(m, p, pp, E, Gr);

	for (t = 0; t < T1; t++) {
		const double *q = pp->q + (size_t)t * A, *f = pp->f + (size_t)t * A;
		double *o = out + (size_t)t * W, *op = o + (size_t)G * WF_NCOL;
		double R = P->ret ? pp->rr[t] * B : 0, pool_in = 0, jt = 0;
		double tot[4] = {0, 0, 0, 0};

		for (x = 0; x < A; x++) {
			J[x] = pp->upt[t] * Gr[t] * pp->pi_grad[x] + pp->I[t] * pp->pi_int[x] +
			       R * pp->pi_ret[x] + pp->O[t] * pp->pi_oth[x];
			jt += J[x];
		}
		for (g = 0; g < G; g++) {
			double *h = H + (size_t)g * A, hs = 0, fs = 0, ls = 0, sh = P->share[g];
			for (x = 0; x < A; x++) {
				double l = h[x] * q[x];
				hs += h[x];
				fs += h[x] * f[x];
				ls += l;
				if (x <= pp->max_x)
					pool_in += l;
			}
			o[(size_t)g * WF_NCOL + WF_HEADCOUNT] = hs;
			o[(size_t)g * WF_NCOL + WF_FTE] = fs;
			o[(size_t)g * WF_NCOL + WF_LEAVERS] = ls;
			o[(size_t)g * WF_NCOL + WF_JOINERS] = sh * jt;
			for (r = WF_GRADUATES; r < WF_NCOL; r++)
				o[(size_t)g * WF_NCOL + r] = NAN;
			tot[0] += hs;
			tot[1] += fs;
			tot[2] += ls;
			tot[3] += sh * jt;
			/* age by one year: survivors move up, joiners arrive */
			for (x = A - 1; x >= 1; x--)
				h[x] = h[x - 1] - h[x - 1] * q[x - 1] + sh * J[x];
			h[0] = sh * J[0];
		}
		Fsum[t] = tot[1];
		if (P->method == WF__GROWTH)
			D = t == 0 ? tot[1] + pp->vac0 : D * (1 + pp->growth[t]);
		op[WF_HEADCOUNT] = tot[0];
		op[WF_FTE] = tot[1];
		op[WF_LEAVERS] = tot[2];
		op[WF_JOINERS] = tot[3];
		op[WF_GRADUATES] = Gr[t];
		op[WF_ENTRANTS] = E[t];
		op[WF_RETURNERS] = R;
		op[WF_DEMAND] = P->method == WF__GROWTH ? D * pp->dmult[t] : pp->needs[t];
		op[WF_GAP] = op[WF_DEMAND] - tot[1];
		if (P->ret)
			B = (B - R) * (1 - pp->decay[t]) + pool_in;
	}
}

void wf__impulse(const struct wf_model *m, int p, const struct wf__pp *pp, int tau, double *work,
                 double *fte)
{
	const struct wf__prof *P = &m->prof[p];
	int A = m->A, T1 = m->T + 1, d = pp->d, t, x, k;
	double *h = work, *Gr = h + A, B = 0;

	memset(h, 0, (size_t)A * sizeof(double));
	for (t = 0; t < T1; t++) {
		int t0 = t - d + 1;
		Gr[t] = 0;
		if (t0 == tau) {
			double s = 1;
			for (k = 1; k <= d; k++)
				s *= 1 - pp->attr[(size_t)(t0 + k - 1) * d + (k - 1)];
			Gr[t] = s * pp->comp[t];
		}
	}
	for (t = 0; t < T1; t++) {
		const double *q = pp->q + (size_t)t * A, *f = pp->f + (size_t)t * A;
		double R = P->ret ? pp->rr[t] * B : 0, pool_in = 0, fs = 0;
		for (x = 0; x < A; x++) {
			fs += h[x] * f[x];
			if (x <= pp->max_x)
				pool_in += h[x] * q[x];
		}
		fte[t] = fs;
		for (x = A - 1; x >= 1; x--)
			h[x] = h[x - 1] - h[x - 1] * q[x - 1] +
			       pp->upt[t] * Gr[t] * pp->pi_grad[x] + R * pp->pi_ret[x];
		h[0] = pp->upt[t] * Gr[t] * pp->pi_grad[0] + R * pp->pi_ret[0];
		if (P->ret)
			B = (B - R) * (1 - pp->decay[t]) + pool_in;
	}
}

int wf_project(const struct wf_model *m, int s, double *out, struct co_err *e)
{
	struct co_arena a;
	struct wf__pp *pp;
	double *work;
	size_t wmax = 0;
	int p, rc = 0;

	if (s < 0 || s >= m->n_scen)
		return co_errf(e, CO_ENOTFOUND, "no scenario number %d", s);
	co_arena_init(&a, 0);
	pp = co_arena_calloc(&a, (size_t)m->n_prof, sizeof(*pp));
	if (!pp) {
		rc = co_errf(e, CO_ENOMEM, "out of memory");
		goto out;
	}
	/* every profession is compiled (and checked) before anything is written */
	for (p = 0; p < m->n_prof; p++) {
		if (wf__pp_alloc(m, p, &pp[p], &a)) {
			rc = co_errf(e, CO_ENOMEM, "out of memory");
			goto out;
		}
		if ((rc = wf__compile(m, p, s, NULL, &pp[p], e)))
			goto out;
		if (wf__work_size(m, p) > wmax)
			wmax = wf__work_size(m, p);
	}
	work = co_arena_alloc(&a, wmax * sizeof(double));
	if (!work) {
		rc = co_errf(e, CO_ENOMEM, "out of memory");
		goto out;
	}
	for (p = 0; p < m->n_prof; p++)
		wf__run(m, p, &pp[p], work, out + m->row0[p] * WF_NCOL);
out:
	co_arena_free(&a);
	return rc;
}
