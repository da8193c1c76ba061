/*
 * mc.c - Monte Carlo over the parameters a model's "uncertainty" list names.
 *
 * Distributions (docs/workforce.md): a rate as Beta with the file's value
 * as its mean and the given sd (alpha = mu k, beta = (1 - mu) k,
 * k = mu (1 - mu) / sd^2 - 1), one draw per row of a table; a multiplier
 * as a mean-one lognormal exp(s Z - s^2 / 2), s^2 = ln(1 + sd^2), one draw
 * for the whole field; a growth rate shifted by sd Z (normal), one draw for
 * every year. Gamma variates by Marsaglia and Tsang (2000), "A simple method
 * for generating gamma variables", ACM TOMS 26(3).
 *
 * Reproducibility: each (seed, draw, uncertain parameter) has its own
 * stream (xoshiro256** seeded through splitmix64 from the three numbers), so
 * a draw's numbers do not depend on the scenario, on other parameters or on
 * the order of work: every scenario of a run sees the same numbers, and
 * differences between scenarios are not noise.
 *
 * Percentiles are type 7 (linear between order statistics, as R's default)
 * found without sorting: a histogram over [min, max] finds the bins that
 * hold the wanted ranks, and only those bins are sorted. O(n) per output.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "wf/wf_int.h"

/* ---- Random numbers --------------------------------------------------------- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void rng_init(struct rng *r, uint64_t seed, uint64_t draw, uint64_t stream)
{
	uint64_t x = seed;
	int i;

	x = splitmix(&x) ^ (draw * 0xD1B54A32D192ED03ULL);
	x = splitmix(&x) ^ (stream * 0x8CB92BA72F3D8DD7ULL);
	for (i = 0; i < 4; i++)
		r->s[i] = splitmix(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t next(struct rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

/* Uniform on (0, 1), never 0 or 1. */
static double uniform(struct rng *r)
{
	return ((double)(next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static double normal(struct rng *r)
{
	double u = uniform(r), v = uniform(r);

	return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

static double gamma_draw(struct rng *r, double a)
{
	double d, c;

	if (a < 1)
		return gamma_draw(r, a + 1) * pow(uniform(r), 1 / a);
	d = a - 1.0 / 3;
	c = 1 / sqrt(9 * d);
	for (;;) {
		double z = normal(r), v = 1 + c * z, u;
		if (v <= 0)
			continue;
		v = v * v * v;
		u = uniform(r);
		if (log(u) < 0.5 * z * z + d - d * v + d * log(v))
			return d * v;
	}
}

static double beta_draw(struct rng *r, double mu, double sd)
{
	double k, x, y;

	if (mu <= 0 || mu >= 1)
		return mu;
	k = mu * (1 - mu) / (sd * sd) - 1;
	x = gamma_draw(r, mu * k);
	y = gamma_draw(r, (1 - mu) * k);
	return x + y > 0 ? x / (x + y) : mu;
}

static void draw_one(const struct wf_model *m, int i, uint64_t seed, long draw, double *rv)
{
	const struct wf__uncert *u = &m->unc[i];
	struct rng r;
	int j;

	rng_init(&r, seed, (uint64_t)draw, (uint64_t)i);
	switch (u->dist) {
	case WF__BETA:
		for (j = 0; j < u->n_var; j++)
			rv[u->var0 + j] = beta_draw(&r, wf__beta_mean(m, u, j), u->sd);
		break;
	case WF__LOGNORMAL: {
		double s2 = log1p(u->sd * u->sd);
		rv[u->var0] = exp(sqrt(s2) * normal(&r) - s2 / 2);
		break;
	}
	default: rv[u->var0] = u->sd * normal(&r);
	}
}

void wf__draw(const struct wf_model *m, uint64_t seed, long draw, double *rv)
{
	int i;

	for (i = 0; i < m->n_unc; i++)
		draw_one(m, i, seed, draw, rv);
}

/* The draws that matter to profession p only. */
static void draw_for(const struct wf_model *m, int p, uint64_t seed, long draw, double *rv)
{
	int i;

	for (i = 0; i < m->n_unc; i++)
		if (m->unc[i].prof == p ||
		    (wf__fields[m->unc[i].field].needs && m->prof[p].method == WF__NEEDS))
			draw_one(m, i, seed, draw, rv);
}

/* ---- Percentiles ---------------------------------------------------------------- */

#define NBINS    1024
#define MC_BLOCK ((size_t)16)

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void wf__percentiles(const double *v, size_t n, double *out, double *scratch, unsigned *work)
{
	unsigned *cnt = work, *cum = work + NBINS + 1;
	unsigned short *bi = (unsigned short *)(cum + NBINS + 1);
	double lo0, hi0, lo1, hi1, scale, h[WF_NPCT], x[2 * WF_NPCT];
	size_t want[2 * WF_NPCT], i, ns, off[2 * WF_NPCT];
	size_t k;
	int b, wb[2 * WF_NPCT];
	unsigned char mark[NBINS];

	if (n == 0) {
		for (k = 0; k < WF_NPCT; k++)
			out[k] = NAN;
		return;
	}
	lo0 = hi0 = lo1 = hi1 = v[0];
	for (i = 0; i + 1 < n; i += 2) {
		double a = v[i], c = v[i + 1];
		lo0 = a < lo0 ? a : lo0;
		hi0 = a > hi0 ? a : hi0;
		lo1 = c < lo1 ? c : lo1;
		hi1 = c > hi1 ? c : hi1;
	}
	if (i < n) {
		lo0 = v[i] < lo0 ? v[i] : lo0;
		hi0 = v[i] > hi0 ? v[i] : hi0;
	}
	lo0 = lo1 < lo0 ? lo1 : lo0;
	hi0 = hi1 > hi0 ? hi1 : hi0;
	for (k = 0; k < WF_NPCT; k++) {
		h[k] = (double)(n - 1) * wf_percentiles[k] / 100;
		want[2 * k] = (size_t)h[k];
		want[2 * k + 1] = want[2 * k] + 1 < n ? want[2 * k] + 1 : want[2 * k];
	}
	if (lo0 == hi0) {
		for (k = 0; k < WF_NPCT; k++)
			out[k] = lo0;
		return;
	}
	if (!isfinite(hi0 - lo0) || n < 64) {
		memcpy(scratch, v, n * sizeof(double));
		qsort(scratch, n, sizeof(double), cmp_double);
		for (k = 0; k < 2 * (size_t)WF_NPCT; k++)
			x[k] = scratch[want[k]];
	} else {
		/* bin by value; the bins holding the wanted ranks are sorted */
		scale = (double)NBINS / (hi0 - lo0);
		memset(cnt, 0, (NBINS + 1) * sizeof(unsigned));
		for (i = 0; i < n; i++) {
			size_t bb = (size_t)((v[i] - lo0) * scale);
			bb = bb < NBINS ? bb : NBINS - 1;
			bi[i] = (unsigned short)bb;
			cnt[bb]++;
		}
		cum[0] = 0;
		for (b = 0; b < NBINS; b++)
			cum[b + 1] = cum[b] + cnt[b];
		memset(mark, 0, sizeof(mark));
		for (k = 0; k < 2 * (size_t)WF_NPCT; k++) {
			int l = 0, r = NBINS - 1; /* the bin b with cum[b] <= rank < cum[b+1] */
			while (l < r) {
				int mid = (l + r + 1) / 2;
				if (cum[mid] <= want[k])
					l = mid;
				else
					r = mid - 1;
			}
			wb[k] = l;
			mark[l] = 1;
		}
		ns = 0;
		for (b = 0; b < NBINS; b++)
			if (mark[b]) {
				cnt[b] = (unsigned)ns; /* now: where bin b starts in scratch */
				ns += cum[b + 1] - cum[b];
			}
		for (i = 0; i < n; i++)
			if (mark[bi[i]])
				scratch[cnt[bi[i]]++] = v[i];
		for (k = 0; k < 2 * (size_t)WF_NPCT; k++) {
			b = wb[k];
			off[k] = cnt[b] - (cum[b + 1] - cum[b]); /* the bin's start again */
		}
		for (k = 0; k < 2 * (size_t)WF_NPCT; k++) {
			double *start = scratch + off[k];
			size_t len = cum[wb[k] + 1] - cum[wb[k]];
			if (k == 0 || wb[k] != wb[k - 1])
				qsort(start, len, sizeof(double), cmp_double);
			x[k] = start[want[k] - cum[wb[k]]];
		}
	}
	for (k = 0; k < WF_NPCT; k++)
		out[k] = x[2 * k] + (h[k] - (double)want[2 * k]) * (x[2 * k + 1] - x[2 * k]);
}

/* ---- The run ---------------------------------------------------------------- */

/* The draws' store: hundreds of megabytes written once each, so large pages
 * (where the system has them) save most of the page faults. free() it. */
static double *big_alloc(size_t bytes)
{
	void *p = NULL;

	if (bytes >= (4u << 20)) {
		if (posix_memalign(&p, 2u << 20, bytes))
			return NULL;
#ifdef MADV_HUGEPAGE
		(void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
		return p;
	}
	return malloc(bytes ? bytes : 1);
}

int wf_mc_sets(const struct wf_mc_opts *o)
{
	int i, n = o->n_scen;

	if (o->diff)
		for (i = 0; i < o->n_scen; i++)
			if (o->scen[i] != 0)
				n++;
	return n;
}

/* Groups of a run whose ageing is the reference run's: the reference's
 * headcount, FTE and leavers plus the group's share of the difference in
 * the profession's (out holds the run's profession rows and joiners). */
static void add_shares(const struct wf__prof *P, int T, const double *ref, double *out)
{
	size_t W = (size_t)(P->n_groups + 1) * WF_NCOL, G = (size_t)P->n_groups, g;
	int t, c;

	for (t = 0; t <= T; t++) {
		const double *rt = ref + (size_t)t * W, *rp = rt + G * WF_NCOL;
		double *ot = out + (size_t)t * W, *op = ot + G * WF_NCOL;
		for (g = 0; g < G; g++)
			for (c = WF_HEADCOUNT; c <= WF_LEAVERS; c++)
				ot[g * WF_NCOL + c] =
				        rt[g * WF_NCOL + c] + P->share[g] * (op[c] - rp[c]);
	}
}

/* Compact cells of one profession, year by year: every column of the
 * profession row, then headcount, FTE and leavers of each group. A group's
 * joiners are its fixed share of the profession's, and so are their
 * percentiles. */
#define GROUP_CELLS ((size_t)3)
static int n_cells(const struct wf_model *m, int p)
{
	return (m->T + 1) * (GROUP_CELLS * m->prof[p].n_groups + WF_NCOL);
}

int wf_monte_carlo(const struct wf_model *m, const struct wf_mc_opts *o, double *pct,
                   struct co_err *e)
{
	struct co_arena a;
	int n_run = o->n_scen, run[WF__MAX_SCEN + 1], base_at = -1, s, p, i, rc = 0;
	int n_sets = wf_mc_sets(o);
	size_t D = (size_t)o->draws, rows = m->n_rows;
	double *rv, *vals = NULL, *tmp, *scratch, *work, *out, *copy;
	unsigned *bins;
	struct wf__pp pp;

	if (o->draws < 1)
		return co_errf(e, CO_EINPUT, "the number of draws must be at least 1");
	if (o->n_scen < 1 || o->n_scen > WF__MAX_SCEN)
		return co_errf(e, CO_EINPUT, "between 1 and %d scenarios", WF__MAX_SCEN);
	for (i = 0; i < o->n_scen; i++) {
		if (o->scen[i] < 0 || o->scen[i] >= m->n_scen)
			return co_errf(e, CO_ENOTFOUND, "no scenario number %d", o->scen[i]);
		run[i] = o->scen[i];
		if (o->scen[i] == 0)
			base_at = i;
	}
	if (o->diff && base_at < 0 && n_sets > o->n_scen) {
		base_at = n_run;
		run[n_run++] = 0;
	}
	{
		size_t maxc = 0;
		for (p = 0; p < m->n_prof; p++)
			if ((size_t)n_cells(m, p) > maxc)
				maxc = (size_t)n_cells(m, p);
		if ((double)maxc * (double)D * (double)n_run * sizeof(double) > WF__MAX_MC_BYTES)
			return co_errf(
			        e, CO_ELIMIT,
			        "too many draws for this model: %ld draws x %d scenarios would "
			        "need more than %ld MB",
			        o->draws, n_run, WF__MAX_MC_BYTES / (1024L * 1024));
		co_arena_init(&a, 64L * 1024 * 1024);
		vals = big_alloc(maxc * D * (size_t)n_run * sizeof(double));
	}
	rv = co_arena_calloc(&a, (size_t)m->n_var + 1, sizeof(double));
	tmp = co_arena_alloc(&a, D * sizeof(double));
	scratch = co_arena_alloc(&a, D * sizeof(double));
	bins = co_arena_alloc(&a, WF__PCT_WORK(D) * sizeof(unsigned));
	if (!vals || !rv || !tmp || !scratch || !bins) {
		co_arena_free(&a);
		free(vals);
		return co_errf(e, CO_ENOMEM, "out of memory for %ld draws", o->draws);
	}
	/* central runs first: a scenario that fails, fails before any work */
	for (p = 0; p < m->n_prof && !rc; p++) {
		struct co_arena t;
		co_arena_init(&t, 0);
		if (wf__pp_alloc(m, p, &pp, &t))
			rc = co_errf(e, CO_ENOMEM, "out of memory");
		for (i = 0; i < n_run && !rc; i++)
			rc = wf__compile(m, p, run[i], NULL, &pp, e);
		co_arena_free(&t);
	}
	for (p = 0; p < m->n_prof && !rc; p++) {
		const struct wf__prof *P = &m->prof[p];
		int G = P->n_groups, nc = n_cells(m, p), t, g, c, set;
		size_t W = (size_t)(G + 1) * WF_NCOL, d, d0, nb;
		size_t A4 = WF__PAD(m->A);
		struct co_arena pa;
		int touches[WF__MAX_SCEN + 1], ages[WF__MAX_SCEN + 1];
		struct wf__pp *tpl;
		double *H0, *blk, *ref;

		co_arena_init(&pa, 0);
		work = co_arena_alloc(&pa, wf__fast_work(m, p) * sizeof(double));
		out = co_arena_alloc(&pa, (size_t)(m->T + 1) * W * sizeof(double));
		copy = co_arena_alloc(&pa, (size_t)(m->T + 1) * W * sizeof(double));
		ref = co_arena_alloc(&pa, (size_t)(m->T + 1) * W * sizeof(double));
		H0 = co_arena_alloc(&pa, (size_t)G * A4 * sizeof(double));
		/* a block of MC_BLOCK draws is gathered, then written to each cell's
		 * run of draws at once (one page per cell, not one per value) */
		blk = co_arena_alloc(&pa, (size_t)n_run * (size_t)nc * MC_BLOCK * sizeof(double));
		tpl = co_arena_calloc(&pa, (size_t)n_run, sizeof(*tpl));
		if (!work || !out || !copy || !ref || !H0 || !blk || !tpl) {
			co_arena_free(&pa);
			rc = co_errf(e, CO_ENOMEM, "out of memory");
			break;
		}
		/* each scenario's values; a draw recompiles in place what it changes */
		for (i = 0; i < n_run && !rc; i++)
			rc = wf__pp_alloc(m, p, &tpl[i], &pa)
			             ? co_errf(e, CO_ENOMEM, "out of memory")
			             : wf__compile(m, p, run[i], NULL, &tpl[i], e);
		if (rc) {
			co_arena_free(&pa);
			break;
		}
		wf__fast_stock(m, p, H0);
		for (i = 0; i < n_run; i++) {
			touches[i] = run[i] != 0 && wf__scenario_touches(m, run[i], p);
			ages[i] = run[i] != 0 && wf__scenario_ages(m, run[i], p);
		}
		for (d0 = 0; d0 < D && !rc; d0 += MC_BLOCK) {
			nb = D - d0 < MC_BLOCK ? D - d0 : MC_BLOCK;
			for (d = 0; d < nb; d++) {
				int have_plain = 0, have_ref = 0;
				draw_for(m, p, o->seed, (long)(d0 + d), rv);
				for (i = 0; i < n_run; i++) {
					double *res = out,
					       *dst = blk + (size_t)i * nc * MC_BLOCK + d;
					if (!touches[i] && have_plain) {
						res = copy;
					} else {
						rc = wf__compile_draw(m, p, run[i], rv, &tpl[i], e);
						if (rc)
							break;
						if (!ages[i] && have_ref) {
							/* same ageing as the reference run: its
							 * groups plus their shares of the
							 * difference */
							wf__fast_run(m, p, &tpl[i], H0, work, out,
							             1);
							add_shares(P, m->T, ref, out);
						} else {
							wf__fast_run(m, p, &tpl[i], H0, work, out,
							             0);
							if (!ages[i]) {
								memcpy(ref, out,
								       (size_t)(m->T + 1) * W *
								               sizeof(double));
								have_ref = 1;
							}
						}
						if (!touches[i]) {
							memcpy(copy, out,
							       (size_t)(m->T + 1) * W *
							               sizeof(double));
							have_plain = 1;
						}
					}
					for (t = 0; t <= m->T; t++) {
						const double *row = res + (size_t)t * W;
						for (c = 0; c < WF_NCOL; c++, dst += MC_BLOCK)
							*dst = row[(size_t)G * WF_NCOL + c];
						for (g = 0; g < G; g++, row += WF_NCOL) {
							dst[0] = row[WF_HEADCOUNT];
							dst[MC_BLOCK] = row[WF_FTE];
							dst[2 * MC_BLOCK] = row[WF_LEAVERS];
							dst += GROUP_CELLS * MC_BLOCK;
						}
					}
				}
				if (rc)
					break;
			}
			for (i = 0; i < n_run && !rc; i++)
				for (c = 0; c < nc; c++)
					memcpy(vals + ((size_t)i * nc + c) * D + d0,
					       blk + ((size_t)i * nc + c) * MC_BLOCK,
					       nb * sizeof(double));
		}
		co_arena_free(&pa);
		if (rc)
			break;
		/* percentiles of each set */
		for (set = 0; set < n_sets; set++) {
			int src = set, cell = 0;
			if (set >= o->n_scen) { /* the k-th difference set */
				int k = set - o->n_scen, j;
				for (j = 0, src = -1; j < o->n_scen; j++)
					if (o->scen[j] != 0 && k-- == 0) {
						src = j;
						break;
					}
			}
			for (t = 0; t <= m->T; t++) {
				size_t row0 = m->row0[p] + (size_t)t * (G + 1);
				double *pr = pct + ((size_t)set * rows + row0 + (size_t)G) *
				                           WF_NCOL * WF_NPCT;
				for (int gi = 0; gi <= G; gi++) {
					/* the profession row first, as stored */
					g = gi == 0 ? G : gi - 1;
					double *dst =
					        pct + ((size_t)set * rows + row0 + (size_t)g) *
					                      WF_NCOL * WF_NPCT;
					for (c = 0; c < WF_NCOL; c++) {
						const double *x;
						if (g < G && c == WF_JOINERS) {
							for (s = 0; s < WF_NPCT; s++)
								dst[c * WF_NPCT + s] =
								        P->share[g] *
								        pr[WF_JOINERS * WF_NPCT +
								           s];
							continue;
						}
						if (g < G && c > WF_JOINERS) {
							for (s = 0; s < WF_NPCT; s++)
								dst[c * WF_NPCT + s] = NAN;
							continue;
						}
						x = vals + ((size_t)src * nc + cell) * D;
						if (set >= o->n_scen) {
							const double *bx =
							        vals +
							        ((size_t)base_at * nc + cell) * D;
							for (d = 0; d < D; d++)
								tmp[d] = x[d] - bx[d];
							x = tmp;
						}
						wf__percentiles(x, D, dst + (size_t)c * WF_NPCT,
						                scratch, bins);
						cell++;
					}
				}
			}
		}
	}
	co_arena_free(&a);
	free(vals);
	return rc;
}
