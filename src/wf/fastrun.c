/*
 * fastrun.c - the projection of one profession for Monte Carlo draws: the
 * same equations as project.c, arranged for speed (four ages at a time with
 * GCC/Clang vector extensions, an AVX2 clone chosen at run time on x86-64).
 *
 * Differences from project.c, all exact in real arithmetic and so differing
 * only by rounding (about 1e-15 relative):
 *   - survivors are H (1 - q) instead of H - H q;
 *   - a group's leavers come from conservation, L_t(g) = H_t(g) - H_{t+1}(g)
 *     + J_t(g), instead of a sum over ages;
 *   - the profession row and the returner pool come from the profession's
 *     total stock aged on its own (the sum of the groups' stocks obeys the
 *     same equations with share 1).
 * The central projection always uses project.c, whose arithmetic follows
 * the contract term by term.
 */
#include <math.h>
#include <string.h>

#include "wf/wf_int.h"

typedef double v4d __attribute__((vector_size(32)));

/* GCC's target_clones makes an AVX2 copy chosen at load time (ifunc); other
 * compilers get the portable code. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 8 &&            \
        defined(__linux__)
#define WF_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define WF_CLONES
#endif

/* Unaligned loads and stores of four doubles. */
typedef double v4du __attribute__((vector_size(32), aligned(8)));
#define ld(p)    (*(const v4du *)(p))
#define st(p, v) (*(v4du *)(p) = (v))

#define hsum(v) (((v)[0] + (v)[1]) + ((v)[2] + (v)[3]))

/* Doubles of work wf__fast_run needs. */
size_t wf__fast_work(const struct wf_model *m, int p)
{
	size_t A4 = WF__PAD(m->A), G = (size_t)m->prof[p].n_groups;
	size_t T2 = (size_t)m->T + 2;

	return 2 * (G + 1) * A4 + 10 * A4 + 3 * T2 + 2 * G * T2 + 8;
}

/* Stock of each group by age, padded: H0[g * A4 + x]. */
void wf__fast_stock(const struct wf_model *m, int p, double *H0)
{
	const struct wf__prof *P = &m->prof[p];
	size_t A4 = WF__PAD(m->A);
	int r, x;

	memset(H0, 0, (size_t)P->n_groups * A4 * sizeof(double));
	for (r = 0; r < P->n_stock; r++) {
		const struct wf__stockrow *s = &P->stock[r];
		double each = s->v / (double)(s->hi - s->lo + 1);
		for (x = s->lo; x <= s->hi; x++)
			H0[(size_t)s->group * A4 + (size_t)(x - m->age_min)] += each;
	}
}

WF_CLONES
void wf__fast_run(const struct wf_model *m, int p, const struct wf__pp *pp, const double *H0,
                  double *work, double *out, int totals_only)
{
	const struct wf__prof *P = &m->prof[p];
	const int A = m->A, T = m->T, G = P->n_groups;
	const size_t A4 = WF__PAD(A), W = (size_t)(G + 1) * WF_NCOL;
	double *H = work, *Hn = H + (size_t)(G + 1) * A4; /* group G: the total */
	double *q = Hn + (size_t)(G + 1) * A4, *s = q + A4, *f = s + A4, *J = f + A4;
	double *pm = J + A4, *E = pm + A4, *Gr = E + T + 2, *Fs = Gr + T + 2;
	double *hs = Fs + T + 2, *fs = hs + (size_t)G * (T + 2);
	double *pg = fs + (size_t)G * (T + 2), *pi = pg + A4, *pr = pi + A4, *po = pr + A4;
	double B = pp->pool0, D = 0, sg = 0, si = 0, sr = 0, so = 0;
	int t, g, x, k, d = pp->d, jlo, jhi;

	memcpy(H, H0, (size_t)G * A4 * sizeof(double));
	memset(H + (size_t)G * A4, 0, A4 * sizeof(double));
	for (g = 0; g < G; g++)
		for (x = 0; x < A; x++)
			H[(size_t)G * A4 + x] += H0[(size_t)g * A4 + x];
	memset(q, 0, 5 * A4 * sizeof(double));
	memset(pg, 0, 4 * A4 * sizeof(double));
	/* the 8-age blocks whose stores (ages x+1 .. x+8) may take joiners */
	jlo = A;
	jhi = 0;
	for (x = 0; x < A; x++)
		if (pp->pi_grad[x] != 0 || pp->pi_int[x] != 0 || pp->pi_ret[x] != 0 ||
		    pp->pi_oth[x] != 0) {
			if (x - 1 < jlo)
				jlo = x - 1;
			jhi = x;
		}
	jlo = jlo < 0 ? 0 : jlo / 8 * 8;
	for (x = 0; x < A; x++) {
		pm[x] = x <= pp->max_x ? 1 : 0;
		sg += (pg[x] = pp->pi_grad[x]);
		si += (pi[x] = pp->pi_int[x]);
		sr += (pr[x] = pp->pi_ret[x]);
		so += (po[x] = pp->pi_oth[x]);
	}
	/* entrants and graduates, as project.c */
	for (t = 0; t <= T; t++) {
		double e = 0;
		if (P->train) {
			e = pp->comm[t] * pp->fill[t];
			if (pp->ucap[t] < e)
				e = pp->ucap[t];
			if (pp->pcap[t] < e)
				e = pp->pcap[t];
		}
		E[t] = e;
	}
	for (t = 0; t <= T; t++) {
		double gsum = 0, sv;
		int t0 = t - d + 1, y = d - t;
		if (P->train && t0 >= 0) {
			sv = E[t0];
			for (k = 1; k <= d; k++)
				sv *= 1 - pp->attr[(size_t)(t0 + k - 1) * d + (k - 1)];
			gsum += sv * pp->comp[t];
		}
		if (P->train && y >= 1) {
			sv = pp->in_tr[y - 1];
			for (k = y; k <= d; k++)
				sv *= 1 - pp->attr[(size_t)(k - y) * d + (k - 1)];
			gsum += sv * pp->comp[t];
		}
		Gr[t] = gsum;
	}

	for (t = 0; t <= T + 1; t++) {
		const int last = t > T;
		const int tt = last ? T : t;
		double R = P->ret ? pp->rr[tt] * B : 0, jt = 0, pool_in, tot[3];
		v4d a0, a1, a2, a3, b0, b1;

		memcpy(q, pp->q + (size_t)tt * A, (size_t)A * sizeof(double));
		memcpy(f, pp->f + (size_t)tt * A, (size_t)A * sizeof(double));
		{
			const double cg = pp->upt[tt] * Gr[tt], ci = pp->I[tt], co = pp->O[tt];
			const v4d one = {1, 1, 1, 1}, vg = {cg, cg, cg, cg}, vi = {ci, ci, ci, ci};
			const v4d vr = {R, R, R, R}, vo = {co, co, co, co};
			for (x = 0; x < A; x += 4) {
				st(s + x, one - ld(q + x));
				st(J + x, vg * ld(pg + x) + vi * ld(pi + x) + vr * ld(pr + x) +
				                  vo * ld(po + x));
			}
			jt = cg * sg + ci * si + R * sr + co * so;
		}
		/* groups: headcount and FTE, then age by a year */
		for (g = 0; g < (totals_only ? 0 : G); g++) {
			double *h = H + (size_t)g * A4, *hn = Hn + (size_t)g * A4;
			const v4d sh = {P->share[g], P->share[g], P->share[g], P->share[g]};
			a0 = (v4d){0, 0, 0, 0};
			a1 = a0;
			b0 = a0;
			b1 = a0;
			/* two accumulators each, so that the additions overlap; joiners
			 * only where some arrive (blocks jlo .. jhi) */
			for (x = 0; x < A; x += 8) {
				v4d hv = ld(h + x), hw = ld(h + x + 4);
				a0 += hv;
				b0 += hw;
				a1 += hv * ld(f + x);
				b1 += hw * ld(f + x + 4);
				if (last)
					continue;
				if (x >= jlo && x < jhi) {
					st(hn + x + 1, hv * ld(s + x) + sh * ld(J + x + 1));
					st(hn + x + 5, hw * ld(s + x + 4) + sh * ld(J + x + 5));
				} else {
					st(hn + x + 1, hv * ld(s + x));
					st(hn + x + 5, hw * ld(s + x + 4));
				}
			}
			a0 += b0;
			a1 += b1;
			hn[0] = P->share[g] * J[0];
			hs[(size_t)g * (T + 2) + t] = hsum(a0);
			fs[(size_t)g * (T + 2) + t] = hsum(a1);
		}
		if (last)
			break;
		/* the total: profession row, leavers and the returner pool */
		{
			double *h = H + (size_t)G * A4, *hn = Hn + (size_t)G * A4;
			a0 = (v4d){0, 0, 0, 0};
			a1 = a0;
			a2 = a0;
			a3 = a0;
			for (x = 0; x < A; x += 4) {
				v4d hv = ld(h + x), l = hv * ld(q + x);
				a0 += hv;
				a1 += hv * ld(f + x);
				a2 += l;
				a3 += l * ld(pm + x);
				st(hn + x + 1, hv * ld(s + x) + ld(J + x + 1));
			}
			hn[0] = J[0];
			tot[0] = hsum(a0);
			tot[1] = hsum(a1);
			tot[2] = hsum(a2);
			pool_in = hsum(a3);
		}
		{
			double *op = out + (size_t)t * W + (size_t)G * WF_NCOL;
			Fs[t] = tot[1];
			if (P->method == WF__GROWTH)
				D = t == 0 ? tot[1] + pp->vac0 : D * (1 + pp->growth[t]);
			op[WF_HEADCOUNT] = tot[0];
			op[WF_FTE] = tot[1];
			op[WF_LEAVERS] = tot[2];
			op[WF_JOINERS] = jt;
			op[WF_GRADUATES] = Gr[t];
			op[WF_ENTRANTS] = E[t];
			op[WF_RETURNERS] = R;
			op[WF_DEMAND] = P->method == WF__GROWTH ? D * pp->dmult[t] : pp->needs[t];
			op[WF_GAP] = op[WF_DEMAND] - tot[1];
			for (g = 0; g < G; g++) {
				double *o = out + (size_t)t * W + (size_t)g * WF_NCOL;
				o[WF_JOINERS] = P->share[g] * jt;
			}
		}
		if (P->ret)
			B = (B - R) * (1 - pp->decay[t]) + pool_in;
		{
			double *sw = H;
			H = Hn;
			Hn = sw;
		}
	}
	if (totals_only)
		return;
	for (t = 0; t <= T; t++)
		for (g = 0; g < G; g++) {
			double *o = out + (size_t)t * W + (size_t)g * WF_NCOL;
			const double *hg = hs + (size_t)g * (T + 2);
			o[WF_HEADCOUNT] = hg[t];
			o[WF_FTE] = fs[(size_t)g * (T + 2) + t];
			o[WF_LEAVERS] = hg[t] - hg[t + 1] + o[WF_JOINERS];
		}
}
