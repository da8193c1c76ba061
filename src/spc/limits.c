/*
 * limits.c - centre lines and control limits, chart by chart.
 *
 * Per part, from the baseline points that are not excluded ("base"):
 *
 *   run   CL = median(y)
 *   I     CL = mean(y); MR_i = |y_i - y_(i-1)| over consecutive base points
 *         (a missing value breaks the chain); AMR = mean(MR); with screening
 *         (Nelson 1982) MRs >= 3.267 AMR are dropped and AMR recomputed;
 *         sigma = AMR / 1.128 and limits CL -/+ 3 sigma, 2 sigma (Montgomery
 *         6.33), or with the Making Data Count constant CL -/+ 2.66 AMR and
 *         CL -/+ (2 x 2.66 / 3) AMR.
 *   MR    y = |y_i - y_(i-1)|; CL = mean; UCL = 3.267 CL, LCL = 0.
 *   Xbar  CL = sum(n_i xbar_i) / sum(n_i); sigma = mean(s_i) with equal
 *         subgroup sizes, else the pooled sqrt(sum((n_i - 1) s_i^2) /
 *         sum(n_i - 1)); limits CL -/+ A3(n_i) sigma, A3 = 3 / (c4 sqrt n)
 *         (Montgomery 6.29-6.31).
 *   S     CL = the same sigma estimate; limits B3 CL, B4 CL with
 *         B = 1 -/+ 3 sqrt(1 - c4^2) / c4 (B3 at least 0).
 *   P     CL = sum(y) / sum(n); sigma_i = sqrt(CL (1 - CL) / n_i); limits
 *         clipped to [0, 1] (Montgomery 7.8).
 *   P'    Laney: z_i = (p_i - CL) / sigma_i, sigma_z = mean |z_i - z_(i-1)|
 *         / 1.128 (screened like MRs), or sd(z) when x is categorical;
 *         sigma_i x sigma_z (Laney 2002).
 *   U     CL = sum(y) / sum(n); sigma_i = sqrt(CL / n_i) (Montgomery 7.19);
 *   U'    as P' with the U sigma.
 *   C     CL = mean(count); sigma = sqrt(CL) (Montgomery 7.17).
 *   G     CL = mean(y); sigma = sqrt(CL (CL + 1)) (Montgomery p. 319);
 *         limits from the mean, the CL shown is the median (Provost and
 *         Murray), or 0.693 x a given CL.
 *   T     an I chart of y^(1/3.6), limits transformed back with ^3.6 and a
 *         negative or undefined LCL set to 0 (Provost and Murray).
 *   I'    Taylor: s_i = sqrt(pi / 2) |p_i - p_(i-1)| / sqrt(1/n_(i-1) +
 *         1/n_i), screened at 3.2665 mean(s); sigma_i = mean(s) sqrt(1/n_i).
 *
 * The qcc profile follows qcc 2.7: the centre and sigma come from the
 * calibration rows with the chosen estimator (UWAVE-R: mean(R_i / d2(n_i));
 * UWAVE-SD: mean(s_i / c4(n_i)); MVLUE-R and MVLUE-SD: weighted by
 * (d2/d3)^2 and c4^2 / (1 - c4^2); RMSDF: sqrt(sum((n_i - 1) s_i^2) /
 * sum(n_i - 1)) / c4(sum(n_i - 1) + 1); MR: mean moving range / 1.128; SD:
 * sd / c4(n)), limits at nsigmas or, with a confidence level, probability
 * limits (normal, chi-square, binomial, Poisson, geometric quantiles).
 * d2 and d3 are the tabulated expected value and standard deviation of the
 * range of n standard normals (n = 2..25 and 2..50), as qcc tabulates them.
 *
 * Sums and means accumulate in long double, as R does, so that results agree
 * with the peers to the last digit rather than to the last few.
 */
#include <math.h>
#include <string.h>

#include "spc/spc_int.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
#endif

static const double d2_tab[26] = {
        NAN,   NAN,   1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078, 3.173, 3.258,
        3.336, 3.407, 3.472, 3.532, 3.588, 3.640, 3.689, 3.735, 3.778, 3.819, 3.858, 3.895, 3.931,
};

static const double d3_tab[51] = {
        NAN,       NAN,       0.8525033, 0.8883697, 0.8798108, 0.8640855, 0.8480442, 0.8332108,
        0.8198378, 0.8078413, 0.7970584, 0.7873230, 0.7784873, 0.7704257, 0.7630330, 0.7562217,
        0.7499188, 0.7440627, 0.7386021, 0.7334929, 0.7286980, 0.7241851, 0.7199267, 0.7158987,
        0.7120802, 0.7084528, 0.7050004, 0.7017086, 0.6985648, 0.6955576, 0.6926770, 0.6899137,
        0.6872596, 0.6847074, 0.6822502, 0.6798821, 0.6775973, 0.6753910, 0.6732584, 0.6711952,
        0.6691976, 0.6672619, 0.6653848, 0.6635632, 0.6617943, 0.6600754, 0.6584041, 0.6567780,
        0.6551950, 0.6536532, 0.6521506,
};

static double d2(double n)
{
	return n >= 2 && n <= 25 && n == floor(n) ? d2_tab[(int)n] : NAN;
}

static double d3(double n)
{
	return n >= 2 && n <= 50 && n == floor(n) ? d3_tab[(int)n] : NAN;
}

int spc__varying_limits(const struct spc_options *o)
{
	switch (o->chart) {
	case SPC_CHART_XBAR:
	case SPC_CHART_S:
	case SPC_CHART_R:
	case SPC_CHART_P:
	case SPC_CHART_PP:
	case SPC_CHART_NP:
	case SPC_CHART_U:
	case SPC_CHART_UP:
	case SPC_CHART_IP: return 1;
	default: return 0;
	}
}

static void set_point(struct spc__part_calc *pc, size_t i, double cl, double lcl, double ucl,
                      double lcl2, double ucl2)
{
	struct spc_result *r = pc->r;

	r->cl[i] = cl;
	r->lcl[i] = lcl;
	r->ucl[i] = ucl;
	r->lcl2[i] = lcl2;
	r->ucl2[i] = ucl2;
}

static void set_part(struct spc__part_calc *pc, double cl, double lcl, double ucl, double lcl2,
                     double ucl2)
{
	struct spc__lim *l = &pc->r->plim[pc->part];

	l->cl = cl;
	l->lcl = lcl;
	l->ucl = ucl;
	l->lcl2 = lcl2;
	l->ucl2 = ucl2;
}

static int is_base(const struct spc_result *r, size_t i)
{
	return r->all_base ||
	       (r->sig[i] & (SPC__F_BASE | SPC__F_INCLUDE)) == (SPC__F_BASE | SPC__F_INCLUDE);
}

/* R's mean(x[base], na.rm = TRUE) */
static double base_mean(const struct spc__part_calc *pc, const double *v)
{
	long double s = 0, t = 0;
	size_t i, n = 0;

	for (i = pc->a; i < pc->b; i++)
		if (is_base(pc->r, i) && !isnan(v[i])) {
			s += v[i];
			n++;
		}
	if (!n)
		return NAN;
	s /= (long double)n;
	if (isfinite((double)s)) {
		for (i = pc->a; i < pc->b; i++)
			if (is_base(pc->r, i) && !isnan(v[i]))
				t += v[i] - s;
		s += t / (long double)n;
	}
	return (double)s;
}

/* R's mean() over an array, skipping NAN. */
static double arr_mean(const double *v, size_t n)
{
	long double s = 0, t = 0;
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (!isnan(v[i])) {
			s += v[i];
			k++;
		}
	if (!k)
		return NAN;
	s /= (long double)k;
	if (isfinite((double)s)) {
		for (i = 0; i < n; i++)
			if (!isnan(v[i]))
				t += v[i] - s;
		s += t / (long double)k;
	}
	return (double)s;
}

/* Mean moving range over consecutive base points, screened; v are the
 * values, centre is subtracted first as qicharts2 does. The MRs go through
 * scratch (b - a entries). */
static double mean_mr(const struct spc__part_calc *pc, const double *v, double centre, double *mr,
                      int ptd)
{
	size_t i, k = 0, prev = (size_t)-1;
	double amr, lim;

	for (i = pc->a; i < pc->b; i++) {
		if (!is_base(pc->r, i))
			continue;
		if (prev != (size_t)-1)
			mr[k++] = ptd ? fabs(v[i] - v[prev])
			              : fabs((v[i] - centre) - (v[prev] - centre));
		prev = i;
	}
	amr = arr_mean(mr, k);
	if (pc->o->screen_mr) {
		lim = 3.267 * amr;
		for (i = 0; i < k; i++)
			if (!(mr[i] < lim))
				mr[i] = NAN;
		amr = arr_mean(mr, k);
	}
	return amr;
}

static void i_limits(struct spc__part_calc *pc, double cl, double amr, double *lcl, double *ucl,
                     double *lcl2, double *ucl2)
{
	if (pc->o->sigma == SPC_SIGMA_266) {
		*lcl = cl - 2.66 * amr;
		*ucl = cl + 2.66 * amr;
		*lcl2 = cl - (2 * (2.66 / 3)) * amr;
		*ucl2 = cl + (2 * (2.66 / 3)) * amr;
	} else {
		double sd = amr / 1.128;

		*lcl = cl - 3 * sd;
		*lcl2 = cl - 2 * sd;
		*ucl = cl + 3 * sd;
		*ucl2 = cl + 2 * sd;
	}
}

/* Scratch for moving ranges: the points after the part's last are never
 * read again, so the part's own stretch of a temporary array is enough; we
 * allocate it from the result's arena once per call (parts are small or
 * there is one). */
static double *scratch(struct spc__part_calc *pc)
{
	return spc__alloc(pc->tmp, (pc->b - pc->a + 1) * sizeof(double));
}

/* Collective's own individuals chart in two passes and no scratch: the
 * mean and the moving ranges together, then the screened moving ranges
 * (skipped when no moving range reaches the screening limit). */
/* Sum and count of the values, and of the moving ranges between
 * consecutive values (a missing value adds nothing and breaks the chain);
 * with lim > 0 only the moving ranges below lim; and the largest moving
 * range. Four accumulators each (lane k takes positions a + k, a + k + 4,
 * ...; the last one to three values go to lane 0; the lanes are added as
 * (0 + 1) + (2 + 3)) so that the adder's latency is hidden: one AVX
 * register, two SSE2 registers or four scalars, with the same sums. The
 * counts are kept in doubles, exact far beyond CO_SPC_MAX_POINTS. */
struct i_acc {
	double s[4], k[4], m[4], j[4], mx[4];
	size_t i;   /* the values from here on are left to i_sums_finish() */
	double lim; /* d < lim is d <= this: the double below lim, or inf */
};

static void i_sums_finish(const double *y, size_t a, size_t b, struct i_acc *c, double *sum,
                          size_t *n, double *mrsum, size_t *nmr, double *mrmax)
{
	double prev = c->i > a ? y[c->i - 1] : NAN, mx;
	size_t i;

	for (i = c->i; i < b; i++) {
		double v = y[i], d = fabs(v - prev);
		int ok = v == v, g = d <= c->lim;

		c->s[0] += ok ? v : 0;
		c->k[0] += ok;
		c->m[0] += g ? d : 0;
		c->j[0] += g;
		c->mx[0] = d > c->mx[0] ? d : c->mx[0]; /* a max instruction, no branch */
		prev = v;
	}
	*sum = (c->s[0] + c->s[1]) + (c->s[2] + c->s[3]);
	*n = (size_t)(long long)((c->k[0] + c->k[1]) + (c->k[2] + c->k[3]));
	*mrsum = (c->m[0] + c->m[1]) + (c->m[2] + c->m[3]);
	*nmr = (size_t)(long long)((c->j[0] + c->j[1]) + (c->j[2] + c->j[3]));
	/* the lanes' largest without a branch on them (no lane is NAN: each
	 * keeps its maximum the way MAXPD does, the new value only when
	 * larger) */
	mx = c->mx[0];
	mx = c->mx[1] > mx ? c->mx[1] : mx;
	mx = c->mx[2] > mx ? c->mx[2] : mx;
	mx = c->mx[3] > mx ? c->mx[3] : mx;
	*mrmax = mx;
}

/* full: the values' sums and the largest moving range too, else only the
 * moving ranges' sums (the screening pass: the values' are the first's) */
static inline __attribute__((always_inline)) void
i_sums_sse2_body(const double *y, size_t a, size_t b, struct i_acc *c, const int full)
{
	size_t i = a;

#if defined(__SSE2__)
	const __m128d absmask = _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffffLL));
	const __m128d limv = _mm_set1_pd(c->lim), one = _mm_set1_pd(1);
	__m128d s0 = _mm_setzero_pd(), m0 = s0, k0 = s0, j0 = s0, x0 = s0;
	__m128d s1 = s0, m1 = s0, k1 = s0, j1 = s0, x1 = s0, pv = _mm_set1_pd(NAN);

#define I_STEP(v, p, s, m, k, j, x)                                                                \
	do {                                                                                       \
		__m128d d_ = _mm_and_pd(_mm_sub_pd((v), (p)), absmask);                            \
		__m128d g_ = _mm_cmple_pd(d_, limv);                                               \
		(m) = _mm_add_pd((m), _mm_and_pd(g_, d_));                                         \
		(j) = _mm_add_pd((j), _mm_and_pd(g_, one));                                        \
		if (full) {                                                                        \
			__m128d ok_ = _mm_cmpord_pd((v), (v));                                     \
			(s) = _mm_add_pd((s), _mm_and_pd(ok_, (v)));                               \
			(k) = _mm_add_pd((k), _mm_and_pd(ok_, one));                               \
			(x) = _mm_max_pd(d_, (x));                                                 \
		}                                                                                  \
	} while (0)
	for (; i + 3 < b; i += 4) {
		__m128d v0 = _mm_loadu_pd(y + i), v1 = _mm_loadu_pd(y + i + 2);

		I_STEP(v0, _mm_shuffle_pd(pv, v0, 1), s0, m0, k0, j0, x0);
		I_STEP(v1, _mm_shuffle_pd(v0, v1, 1), s1, m1, k1, j1, x1);
		pv = v1;
	}
#undef I_STEP
	_mm_storeu_pd(c->s, s0);
	_mm_storeu_pd(c->s + 2, s1);
	_mm_storeu_pd(c->m, m0);
	_mm_storeu_pd(c->m + 2, m1);
	_mm_storeu_pd(c->k, k0);
	_mm_storeu_pd(c->k + 2, k1);
	_mm_storeu_pd(c->j, j0);
	_mm_storeu_pd(c->j + 2, j1);
	_mm_storeu_pd(c->mx, x0);
	_mm_storeu_pd(c->mx + 2, x1);
#else
	{
		double prev = NAN;
		int l;

		(void)full;
		for (l = 0; l < 4; l++)
			c->s[l] = c->k[l] = c->m[l] = c->j[l] = c->mx[l] = 0;
		for (; i + 3 < b; i += 4)
			for (l = 0; l < 4; l++) {
				double v = y[i + l], d = fabs(v - prev);
				int ok = v == v, g = d <= c->lim;

				c->s[l] += ok ? v : 0;
				c->k[l] += ok;
				c->m[l] += g ? d : 0;
				c->j[l] += g;
				if (d > c->mx[l])
					c->mx[l] = d;
				prev = v;
			}
	}
#endif
	c->i = i;
}

static void i_sums_sse2(const double *y, size_t a, size_t b, struct i_acc *c)
{
	i_sums_sse2_body(y, a, b, c, 1);
}

static void i_mr_sums_sse2(const double *y, size_t a, size_t b, struct i_acc *c)
{
	i_sums_sse2_body(y, a, b, c, 0);
}

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
/* The same four lanes in one AVX register. */
__attribute__((target("avx"), always_inline)) static inline void
i_sums_avx_body(const double *y, size_t a, size_t b, struct i_acc *c, const int full)
{
	const __m256d absmask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
	const __m256d limv = _mm256_set1_pd(c->lim), one = _mm256_set1_pd(1);
	__m256d s = _mm256_setzero_pd(), m = s, k = s, j = s, x = s;
	size_t i = a;

#define I_STEP(v, p)                                                                               \
	do {                                                                                       \
		__m256d d_ = _mm256_and_pd(_mm256_sub_pd((v), (p)), absmask);                      \
		__m256d g_ = _mm256_cmp_pd(d_, limv, _CMP_LE_OQ);                                  \
		m = _mm256_add_pd(m, _mm256_and_pd(g_, d_));                                       \
		j = _mm256_add_pd(j, _mm256_and_pd(g_, one));                                      \
		if (full) {                                                                        \
			__m256d ok_ = _mm256_cmp_pd((v), (v), _CMP_ORD_Q);                         \
			s = _mm256_add_pd(s, _mm256_and_pd(ok_, (v)));                             \
			k = _mm256_add_pd(k, _mm256_and_pd(ok_, one));                             \
			x = _mm256_max_pd(d_, x);                                                  \
		}                                                                                  \
	} while (0)
	if (i + 3 < b) { /* the first value has no moving range */
		__m256d v = _mm256_loadu_pd(y + i);

		I_STEP(v, _mm256_set_pd(y[i + 2], y[i + 1], y[i], NAN));
		i += 4;
	}
	for (; i + 3 < b; i += 4) {
		__m256d v = _mm256_loadu_pd(y + i);

		I_STEP(v, _mm256_loadu_pd(y + i - 1));
	}
#undef I_STEP
	_mm256_storeu_pd(c->s, s);
	_mm256_storeu_pd(c->m, m);
	_mm256_storeu_pd(c->k, k);
	_mm256_storeu_pd(c->j, j);
	_mm256_storeu_pd(c->mx, x);
	c->i = i;
}

__attribute__((target("avx"))) static void i_sums_avx(const double *y, size_t a, size_t b,
                                                      struct i_acc *c)
{
	i_sums_avx_body(y, a, b, c, 1);
}

/* The first pass (no limit) when no value is missing, the common case: a
 * value is then counted and its moving range kept (d <= inf) unless it is
 * NAN, which only a NAN value or inf - inf makes, so the masks are all
 * ones after the first four values and the same sums come from plain
 * additions; counts are the number of steps. Returns 0, having done
 * nothing the caller uses, when a lane's sum comes out NAN: then
 * i_sums_avx() looks at every value. */
__attribute__((target("avx"))) static int i_sums_avx_clean(const double *y, size_t a, size_t b,
                                                           struct i_acc *c)
{
	const __m256d absmask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
	__m256d s, m, k, j, x, v, d, ok, g;
	size_t i = a, steps;

	if (i + 3 >= b)
		return 0;
	/* the first four as i_sums_avx_body() takes them */
	v = _mm256_loadu_pd(y + i);
	d = _mm256_and_pd(_mm256_sub_pd(v, _mm256_set_pd(y[i + 2], y[i + 1], y[i], NAN)), absmask);
	ok = _mm256_cmp_pd(v, v, _CMP_ORD_Q);
	g = _mm256_cmp_pd(d, _mm256_set1_pd(INFINITY), _CMP_LE_OQ);
	s = _mm256_add_pd(_mm256_setzero_pd(), _mm256_and_pd(ok, v));
	m = _mm256_add_pd(_mm256_setzero_pd(), _mm256_and_pd(g, d));
	k = _mm256_and_pd(ok, _mm256_set1_pd(1));
	j = _mm256_and_pd(g, _mm256_set1_pd(1));
	x = _mm256_max_pd(d, _mm256_setzero_pd());
	for (i += 4; i + 3 < b; i += 4) {
		v = _mm256_loadu_pd(y + i);
		d = _mm256_and_pd(_mm256_sub_pd(v, _mm256_loadu_pd(y + i - 1)), absmask);
		s = _mm256_add_pd(s, v);
		m = _mm256_add_pd(m, d);
		x = _mm256_max_pd(d, x);
	}
	if (_mm256_movemask_pd(_mm256_or_pd(_mm256_cmp_pd(s, s, _CMP_UNORD_Q),
	                                    _mm256_cmp_pd(m, m, _CMP_UNORD_Q))))
		return 0;
	steps = (i - a) / 4 - 1;
	k = _mm256_add_pd(k, _mm256_set1_pd((double)steps));
	j = _mm256_add_pd(j, _mm256_set1_pd((double)steps));
	_mm256_storeu_pd(c->s, s);
	_mm256_storeu_pd(c->m, m);
	_mm256_storeu_pd(c->k, k);
	_mm256_storeu_pd(c->j, j);
	_mm256_storeu_pd(c->mx, x);
	c->i = i;
	return 1;
}

__attribute__((target("avx"))) static void i_mr_sums_avx(const double *y, size_t a, size_t b,
                                                         struct i_acc *c)
{
	i_sums_avx_body(y, a, b, c, 0);
}
#endif

/* full: as above; else only the moving ranges' sums are meaningful (*sum, *n, *mrmax
 * are not). */
static void i_sums(const struct spc_result *r, const double *y, size_t a, size_t b, double lim,
                   int full, double *sum, size_t *n, double *mrsum, size_t *nmr, double *mrmax)
{
	struct i_acc c;

	c.i = a; /* each pass below sets where it stopped */
	c.lim = INFINITY;
	if (lim > 0) { /* nextafter(lim, -INFINITY): the bits of a positive double less one */
		uint64_t bits;

		memcpy(&bits, &lim, sizeof(bits));
		bits--;
		memcpy(&c.lim, &bits, sizeof(bits));
	}
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
	if (r->avx) {
		if (!full)
			i_mr_sums_avx(y, a, b, &c);
		else if (lim > 0 || !i_sums_avx_clean(y, a, b, &c))
			i_sums_avx(y, a, b, &c);
	} else
		(full ? i_sums_sse2 : i_mr_sums_sse2)(y, a, b, &c);
#else
	(void)r;
	(full ? i_sums_sse2 : i_mr_sums_sse2)(y, a, b, &c);
#endif
	i_sums_finish(y, a, b, &c, sum, n, mrsum, nmr, mrmax);
}

static int chart_i_fast(struct spc__part_calc *pc, const double *y)
{
	const struct spc_result *r = pc->r;
	double cl = pc->o->cl, amr, lcl, ucl, lcl2, ucl2, sum, mrsum, mrmax;
	size_t n, nmr;
	double *v = NULL;

	if (!r->all_base) {
		/* the baseline's values, in order, without the others */
		const uint32_t both = SPC__F_BASE | SPC__F_INCLUDE;
		size_t i, k = 0;

		v = scratch(pc);
		if (!v)
			return CO_ENOMEM;
		for (i = pc->a; i < pc->b; i++)
			if ((r->sig[i] & both) == both)
				v[k++] = y[i];
		i_sums(r, v, 0, k, 0, 1, &sum, &n, &mrsum, &nmr, &mrmax);
		y = v;
		pc->a2 = 0;
		pc->b2 = k;
	} else {
		i_sums(r, y, pc->a, pc->b, 0, 1, &sum, &n, &mrsum, &nmr, &mrmax);
		pc->a2 = pc->a;
		pc->b2 = pc->b;
	}
	pc->nonfinite = !isfinite(sum) || !isfinite(mrsum);
	if (isnan(cl))
		cl = n ? sum / (double)n : NAN;
	amr = nmr ? mrsum / (double)nmr : NAN;
	/* below a limit that no moving range reaches, screening keeps them all */
	if (pc->o->screen_mr && nmr && 3.267 * amr > 0 && !(mrmax < 3.267 * amr)) {
		double s2, mx2;
		size_t n2;

		i_sums(r, y, pc->a2, pc->b2, 3.267 * amr, 0, &s2, &n2, &mrsum, &nmr, &mx2);
		amr = nmr ? mrsum / (double)nmr : NAN;
	}
	i_limits(pc, cl, amr, &lcl, &ucl, &lcl2, &ucl2);
	set_part(pc, cl, lcl, ucl, lcl2, ucl2);
	pc->r->parts[pc->part].centre = cl;
	pc->r->parts[pc->part].sigma = amr / 1.128;
	return 0;
}

static int chart_i(struct spc__part_calc *pc, const double *y)
{
	double cl = pc->o->cl, amr, lcl, ucl, lcl2, ucl2, *mr;

	if (pc->o->profile == SPC_PROFILE_NONE)
		return chart_i_fast(pc, y);
	if (isnan(cl))
		cl = base_mean(pc, y);
	mr = scratch(pc);
	if (!mr)
		return CO_ENOMEM;
	amr = mean_mr(pc, y, cl, mr, pc->o->profile == SPC_PROFILE_PTD);
	i_limits(pc, cl, amr, &lcl, &ucl, &lcl2, &ucl2);
	set_part(pc, cl, lcl, ucl, lcl2, ucl2);
	pc->r->parts[pc->part].centre = cl;
	pc->r->parts[pc->part].sigma = amr / 1.128;
	return 0;
}

/* The median of the values of y[0 .. n) that are not missing, for a long
 * part, without copying them all: a strided sample of MEDIAN_SAMPLE values
 * gives two quantiles a little either side of the middle (4.5 standard
 * errors of the sample's quantile), one pass counts the values below and
 * above them and gathers those between (2.5 % of them), and the middle
 * ranks are selected among the gathered ones.
 * The result is the same order statistic, so the same median as
 * spc__median() of a copy. Returns 1 when the window misses the middle or
 * holds too many values (ties, an order that fools the sample): the caller
 * then copies and selects. */
#define MEDIAN_SAMPLE 32768
#define MEDIAN_MIN    65536

static int median_window(struct spc__part_calc *pc, const double *y, size_t n, double *out)
{
	double *s = spc__alloc(pc->tmp, MEDIAN_SAMPLE * sizeof(double)), *buf, lo, hi, a, b;
	size_t m = 0, i = 0, k = 0, cap, below = 0, above = 0, in = 0, cnt, k1, k2, j;
	int full = 0;

	if (!s)
		return -1;
	for (j = 0; j < MEDIAN_SAMPLE; j++) {
		double v = y[(2 * j + 1) * n / (2 * MEDIAN_SAMPLE)];

		if (!isnan(v))
			s[m++] = v;
	}
	if (m < MEDIAN_SAMPLE / 2)
		return 1;
	lo = spc__select_kth(s, m, m * 4876 / 10000);
	hi = spc__select_kth(s, m, m * 5124 / 10000);
	cap = n / 25 + 4096; /* the window expects 2.5 % */
	buf = spc__alloc_lazy(pc->tmp, (cap + 2) * sizeof(double), 0);
	if (!buf)
		return -1;
	while (i < n) {
		size_t end = i + 2048 < n ? i + 2048 : n;

		if (k + 2048 > cap)
			full = 1;
#if defined(__SSE2__)
		{
			const __m128d lov = _mm_set1_pd(lo), hiv = _mm_set1_pd(hi);
			const __m128d absmask =
			        _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffffLL));
			const __m128d inf = _mm_set1_pd(INFINITY);
			__m128d bad = _mm_setzero_pd();
			__m128i cb = _mm_setzero_si128(), ca = _mm_setzero_si128(),
			        ci = _mm_setzero_si128();
			uint64_t c[2];

			for (; i + 1 < end; i += 2) {
				__m128d v = _mm_loadu_pd(y + i);
				__m128d lt = _mm_cmplt_pd(v, lov), gt = _mm_cmpgt_pd(v, hiv);
				__m128d btw =
				        _mm_and_pd(_mm_cmpge_pd(v, lov), _mm_cmple_pd(v, hiv));
				int bits = _mm_movemask_pd(btw);

				bad = _mm_or_pd(bad, _mm_cmpeq_pd(_mm_and_pd(v, absmask), inf));
				cb = _mm_sub_epi64(cb, _mm_castpd_si128(lt));
				ca = _mm_sub_epi64(ca, _mm_castpd_si128(gt));
				ci = _mm_sub_epi64(ci, _mm_castpd_si128(btw));
				if (!full) {
					_mm_store_sd(buf + k, v);
					k += (size_t)(bits & 1);
					_mm_storeh_pd(buf + k, v);
					k += (size_t)(bits >> 1);
				}
			}
			if (_mm_movemask_pd(bad))
				pc->nonfinite = 1;
			_mm_storeu_si128((__m128i *)(void *)c, cb);
			below += (size_t)(c[0] + c[1]);
			_mm_storeu_si128((__m128i *)(void *)c, ca);
			above += (size_t)(c[0] + c[1]);
			_mm_storeu_si128((__m128i *)(void *)c, ci);
			in += (size_t)(c[0] + c[1]);
		}
#endif
		for (; i < end; i++) {
			double v = y[i];
			int btw = v >= lo && v <= hi;

			if (isinf(v))
				pc->nonfinite = 1;
			below += v < lo;
			above += v > hi;
			in += (size_t)btw;
			if (!full) {
				buf[k] = v;
				k += (size_t)btw;
			}
		}
	}
	cnt = below + in + above;
	k1 = (cnt - 1) / 2;
	k2 = cnt / 2;
	if (cnt == 0 || k1 < below || k2 >= below + in)
		return 1;
	if (full) {
		if (lo != hi)
			return 1;
		*out = cnt % 2 ? lo : (lo + lo) / 2; /* every value in the window is lo */
		return 0;
	}
	a = spc__select_kth(buf, k, k2 - below);
	if (cnt % 2) {
		*out = a;
		return 0;
	}
	b = buf[0];
	for (j = 1; j < k2 - below; j++)
		if (buf[j] > b)
			b = buf[j];
	*out = (a + b) / 2;
	return 0;
}

static int chart_run(struct spc__part_calc *pc)
{
	const double *y = pc->r->y;
	double cl = pc->o->cl, *v;
	size_t i, k = 0;
	int rc = 1;

	if (isnan(cl) && pc->r->all_base && pc->b - pc->a >= MEDIAN_MIN) {
		rc = median_window(pc, y + pc->a, pc->b - pc->a, &cl);
		if (rc < 0)
			return CO_ENOMEM;
	} else if (pc->check) { /* the window's pass looks for infinite values, else here */
		for (i = pc->a; i < pc->b; i++)
			if (isinf(y[i]))
				pc->nonfinite = 1;
	}
	if (isnan(cl) && rc) {
		v = scratch(pc);
		if (!v)
			return CO_ENOMEM;
		for (i = pc->a; i < pc->b; i++)
			if (is_base(pc->r, i) && !isnan(y[i]))
				v[k++] = y[i];
		cl = spc__median(v, k);
	}
	set_part(pc, cl, NAN, NAN, NAN, NAN);
	pc->r->parts[pc->part].centre = cl;
	return 0;
}

static int chart_mr(struct spc__part_calc *pc)
{
	double *y = pc->yw, cl = pc->o->cl, prev = NAN;
	size_t i;

	for (i = pc->a; i < pc->b; i++) {
		double cur = y[i];

		y[i] = i == pc->a ? NAN : fabs(cur - prev);
		prev = cur;
	}
	if (isnan(cl))
		cl = base_mean(pc, y);
	set_part(pc, cl, 0, 3.267 * cl, 0, (3.267 / 3) * 2 * cl);
	pc->r->parts[pc->part].centre = cl;
	return 0;
}

static int chart_t(struct spc__part_calc *pc, struct co_err *err)
{
	double *y = pc->yw, lo = INFINITY;
	struct spc__lim *l = &pc->r->plim[pc->part];
	size_t i;
	int rc;

	for (i = pc->a; i < pc->b; i++)
		if (!isnan(y[i]) && y[i] < lo)
			lo = y[i];
	if (lo <= 0)
		return co_errf(err, CO_EINPUT, "Time between events must be greater than zero");
	for (i = pc->a; i < pc->b; i++)
		y[i] = pow(y[i], 1 / 3.6);
	if ((rc = chart_i(pc, y)))
		return rc;
	for (i = pc->a; i < pc->b; i++)
		y[i] = pow(y[i], 3.6);
	l->cl = pow(l->cl, 3.6);
	l->ucl = pow(l->ucl, 3.6);
	l->ucl2 = pow(l->ucl2, 3.6);
	l->lcl = pow(l->lcl, 3.6);
	l->lcl2 = pow(l->lcl2, 3.6);
	if (l->lcl < 0 || isnan(l->lcl))
		l->lcl = 0;
	pc->r->parts[pc->part].centre = l->cl;
	return 0;
}

static int var_n(const struct spc__part_calc *pc)
{
	size_t i;

	for (i = pc->a + 1; i < pc->b; i++)
		if (pc->r->ycount[i] != pc->r->ycount[pc->a])
			return 1;
	return 0;
}

/* The pooled or averaged subgroup SD of the base points (qicharts2). */
static double xbar_sigma(const struct spc__part_calc *pc)
{
	const struct spc_result *r = pc->r;
	size_t i;

	if (var_n(pc)) {
		long double num = 0, den = 0;

		for (i = pc->a; i < pc->b; i++) {
			double t;

			if (!is_base(r, i))
				continue;
			t = (r->ycount[i] - 1) * r->ysd[i] * r->ysd[i];
			if (!isnan(t))
				num += t;
			den += r->ycount[i] - 1;
		}
		return sqrt((double)(num / den));
	}
	return base_mean(pc, r->ysd);
}

static double a3(double n, double k)
{
	if (!(n > 1))
		return NAN;
	return k / (spc__c4(n) * sqrt(n));
}

static double b_factor(double n, double k, int upper)
{
	double c4, c5;

	if (!(n > 1))
		return NAN;
	c4 = spc__c4(n);
	c5 = sqrt(1 - c4 * c4);
	if (upper)
		return 1 + k * c5 / c4;
	return fmax(0, 1 - k * c5 / c4);
}

static int chart_xbar(struct spc__part_calc *pc)
{
	struct spc_result *r = pc->r;
	double cl = pc->o->cl, sd;
	size_t i;

	if (isnan(cl)) {
		long double num = 0, den = 0;

		for (i = pc->a; i < pc->b; i++) {
			double t;

			if (!is_base(r, i))
				continue;
			t = r->ycount[i] * r->ymean[i];
			if (!isnan(t))
				num += t;
			den += r->ycount[i];
		}
		cl = (double)(num / den);
	}
	sd = xbar_sigma(pc);
	for (i = pc->a; i < pc->b; i++) {
		double n = r->ycount[i], k3 = a3(n, 3), k2 = a3(n, 2);

		set_point(pc, i, cl, cl - k3 * sd, cl + k3 * sd, cl - k2 * sd, cl + k2 * sd);
	}
	r->parts[pc->part].centre = cl;
	r->parts[pc->part].sigma = sd;
	return 0;
}

static int chart_s(struct spc__part_calc *pc)
{
	struct spc_result *r = pc->r;
	double cl = pc->o->cl;
	size_t i;

	if (isnan(cl))
		cl = xbar_sigma(pc);
	for (i = pc->a; i < pc->b; i++) {
		double n = r->ycount[i];

		set_point(pc, i, cl, b_factor(n, 3, 0) * cl, b_factor(n, 3, 1) * cl,
		          b_factor(n, 2, 0) * cl, b_factor(n, 2, 1) * cl);
	}
	r->parts[pc->part].centre = cl;
	return 0;
}

/* sum(a[base]) / sum(b[base]), NAs removed from each sum separately */
static double base_ratio(const struct spc__part_calc *pc, const double *a, const double *b)
{
	long double sa = 0, sb = 0;
	size_t i;

	for (i = pc->a; i < pc->b; i++) {
		if (!is_base(pc->r, i))
			continue;
		if (!isnan(a[i]))
			sa += a[i];
		if (!isnan(b[i]))
			sb += b[i];
	}
	return (double)(sa / sb);
}

/* Laney's sigma_z from the standardised values of the base points. */
static double laney_sigma_z(struct spc__part_calc *pc, double cl, int pchart)
{
	struct spc_result *r = pc->r;
	double *z = scratch(pc), *mr;
	size_t i, k = 0;

	if (!z)
		return NAN;
	for (i = pc->a; i < pc->b; i++) {
		double sd;

		if (!is_base(r, i))
			continue;
		sd = pchart ? sqrt(cl * (1 - cl) / r->n[i]) : sqrt(cl / r->n[i]);
		z[k++] = (r->y[i] - cl) / sd;
	}
	if (pc->o->xkind == SPC_X_CATEGORY) {
		long double s = 0, m;

		if (k < 2)
			return NAN;
		for (i = 0; i < k; i++) {
			if (isnan(z[i]))
				return NAN;
			s += z[i];
		}
		m = s / k;
		s = 0;
		for (i = 0; i < k; i++)
			s += (z[i] - m) * (z[i] - m);
		return sqrt((double)(s / (k - 1)));
	}
	mr = scratch(pc);
	if (!mr)
		return NAN;
	for (i = 1; i < k; i++)
		mr[i - 1] = fabs(z[i] - z[i - 1]);
	{
		size_t nm = k ? k - 1 : 0;
		double amr = arr_mean(mr, nm);

		if (pc->o->screen_mr) {
			double lim = 3.267 * amr;

			for (i = 0; i < nm; i++)
				if (!(mr[i] < lim))
					mr[i] = NAN;
			amr = arr_mean(mr, nm);
		}
		return amr / 1.128;
	}
}

static int chart_pu(struct spc__part_calc *pc, int pchart, int laney)
{
	struct spc_result *r = pc->r;
	double cl = pc->o->cl, sz = 1;
	size_t i;

	if (isnan(cl))
		cl = base_ratio(pc, r->ysum, r->n);
	if (laney)
		sz = laney_sigma_z(pc, cl, pchart);
	for (i = pc->a; i < pc->b; i++) {
		struct spc__lim l;

		spc__pu_limits(cl, r->n[i], pchart, laney, sz, &l);
		set_point(pc, i, cl, l.lcl, l.ucl, l.lcl2, l.ucl2);
	}
	r->parts[pc->part].centre = cl;
	return 0;
}

/* A whole number of at most 2^31 in magnitude. */
static int whole_number(double v)
{
	return v >= -2147483648.0 && v < 2147483648.0 && v == (double)(long)v;
}

/* What one pass over a ratio part finds (chart_pu_ratio()). */
struct pu_scan {
	size_t i;        /* the rows from here on are left to the caller */
	double sa, sb;   /* sums of y and n over the rows with both */
	int bad;         /* a row check_values() refuses */
	int frac;        /* a row with both whose y or n is not a whole number */
	double nlo, nhi; /* the least and greatest n seen (NAN: not kept) */
};

#if defined(__SSE2__)
/* Two rows at a time; the checks of a row are or-ed together before they
 * join the running mask, so that no long chain of dependent ors forms. */
static void pu_scan_sse2(const double *y, const double *n, size_t i, size_t b, int pchart,
                         struct pu_scan *out)
{
	const __m128d inf = _mm_set1_pd(INFINITY), zero = _mm_setzero_pd();
	const __m128d pmask = _mm_castsi128_pd(_mm_set1_epi64x(pchart ? -1 : 0));
	__m128d s_a = zero, s_b = zero, bad = zero, frac = zero;
	double t[2];

	for (; i + 1 < b; i += 2) {
		__m128d vy = _mm_loadu_pd(y + i), vn = _mm_loadu_pd(n + i);
		__m128d ok = _mm_cmpord_pd(vy, vn);
		__m128d ry = _mm_cvtepi32_pd(_mm_cvttpd_epi32(vy));
		__m128d rn = _mm_cvtepi32_pd(_mm_cvttpd_epi32(vn));
		__m128d by = _mm_or_pd(_mm_cmplt_pd(vy, zero), _mm_cmpeq_pd(vy, inf));
		__m128d bn = _mm_or_pd(_mm_cmple_pd(vn, zero), _mm_cmpeq_pd(vn, inf));
		__m128d bp = _mm_and_pd(pmask, _mm_cmpgt_pd(vy, vn));

		s_a = _mm_add_pd(s_a, _mm_and_pd(ok, vy));
		s_b = _mm_add_pd(s_b, _mm_and_pd(ok, vn));
		frac = _mm_or_pd(
		        frac,
		        _mm_andnot_pd(_mm_and_pd(_mm_cmpeq_pd(ry, vy), _mm_cmpeq_pd(rn, vn)), ok));
		bad = _mm_or_pd(bad, _mm_or_pd(_mm_or_pd(by, bn), bp));
	}
	_mm_storeu_pd(t, s_a);
	out->sa = t[0] + t[1];
	_mm_storeu_pd(t, s_b);
	out->sb = t[0] + t[1];
	out->bad = _mm_movemask_pd(bad) != 0;
	out->frac = _mm_movemask_pd(frac) != 0;
	out->i = i;
}
#endif

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
/* The same four rows at a time (AVX). The sums are of whole numbers when
 * they are used (below), so exact in any order. The checks keep the least
 * and the greatest y, n and y - n instead: min and max return their second
 * operand when either is NAN, so a missing value leaves them as they were
 * (as it fails every comparison in check_values()). */
__attribute__((target("avx"))) static void pu_scan_avx(const double *y, const double *n, size_t i,
                                                       size_t b, int pchart, struct pu_scan *out)
{
	const __m256d zero = _mm256_setzero_pd();
	const __m256d inf = _mm256_set1_pd(INFINITY), ninf = _mm256_set1_pd(-INFINITY);
	__m256d s_a = zero, s_b = zero, frac = zero;
	__m256d ylo = inf, yhi = ninf, nlo = inf, nhi = ninf, dhi = ninf;
	double t[4], u[4];
	int k;

	for (; i + 3 < b; i += 4) {
		__m256d vy = _mm256_loadu_pd(y + i), vn = _mm256_loadu_pd(n + i);
		__m256d ok = _mm256_cmp_pd(vy, vn, _CMP_ORD_Q);
		__m256d ry = _mm256_cvtepi32_pd(_mm256_cvttpd_epi32(vy));
		__m256d rn = _mm256_cvtepi32_pd(_mm256_cvttpd_epi32(vn));

		s_a = _mm256_add_pd(s_a, _mm256_and_pd(ok, vy));
		s_b = _mm256_add_pd(s_b, _mm256_and_pd(ok, vn));
		frac = _mm256_or_pd(
		        frac, _mm256_andnot_pd(_mm256_and_pd(_mm256_cmp_pd(ry, vy, _CMP_EQ_OQ),
		                                             _mm256_cmp_pd(rn, vn, _CMP_EQ_OQ)),
		                               ok));
		ylo = _mm256_min_pd(vy, ylo);
		yhi = _mm256_max_pd(vy, yhi);
		nlo = _mm256_min_pd(vn, nlo);
		nhi = _mm256_max_pd(vn, nhi);
		if (pchart) /* y > n: y - n > 0 (or y, n infinite, refused anyway) */
			dhi = _mm256_max_pd(_mm256_sub_pd(vy, vn), dhi);
	}
	_mm256_storeu_pd(t, s_a);
	out->sa = (t[0] + t[1]) + (t[2] + t[3]);
	_mm256_storeu_pd(t, s_b);
	out->sb = (t[0] + t[1]) + (t[2] + t[3]);
	out->frac = _mm256_movemask_pd(frac) != 0;
	out->bad = 0;
	_mm256_storeu_pd(t, ylo);
	_mm256_storeu_pd(u, yhi);
	for (k = 0; k < 4; k++)
		out->bad |= t[k] < 0 || u[k] == INFINITY;
	_mm256_storeu_pd(t, nlo);
	_mm256_storeu_pd(u, nhi);
	out->nlo = INFINITY;
	out->nhi = -INFINITY;
	for (k = 0; k < 4; k++) {
		out->bad |= t[k] <= 0 || u[k] == INFINITY;
		out->nlo = fmin(out->nlo, t[k]);
		out->nhi = fmax(out->nhi, u[k]);
	}
	_mm256_storeu_pd(t, dhi);
	for (k = 0; k < 4; k++)
		out->bad |= t[k] > 0;
	out->i = i;
}
#endif

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
/* The same eight rows at a time (AVX-512), the last few with a mask; a
 * whole number is one that rounding toward zero leaves as it is, and one
 * of 2^31 or more in magnitude counts as not whole, as above. */
__attribute__((target("avx512f"))) static void pu_scan_avx512(const double *y, const double *n,
                                                              size_t i, size_t b, int pchart,
                                                              struct pu_scan *out)
{
	const __m512d zero = _mm512_setzero_pd();
	const __m512d inf = _mm512_set1_pd(INFINITY), ninf = _mm512_set1_pd(-INFINITY);
	__m512d s_a = zero, s_b = zero;
	__m512d ylo = inf, yhi = ninf, nlo = inf, nhi = ninf, dhi = ninf;
	unsigned frac = 0;

	for (; i < b; i += 8) {
		__mmask8 lm = (__mmask8)(b - i >= 8 ? 0xff : (1u << (b - i)) - 1);
		__m512d vy, vn;
		__mmask8 ok;

		if (lm == 0xff) {
			vy = _mm512_loadu_pd(y + i);
			vn = _mm512_loadu_pd(n + i);
		} else {
			vy = _mm512_maskz_loadu_pd(lm, y + i);
			vn = _mm512_maskz_loadu_pd(lm, n + i);
		}
		ok = _mm512_mask_cmp_pd_mask(lm, vy, vn, _CMP_ORD_Q);
		__mmask8 wy = _mm512_mask_cmp_pd_mask(
		        ok, _mm512_roundscale_pd(vy, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC), vy,
		        _CMP_EQ_OQ);
		__mmask8 wn = _mm512_mask_cmp_pd_mask(
		        wy, _mm512_roundscale_pd(vn, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC), vn,
		        _CMP_EQ_OQ);

		s_a = _mm512_mask_add_pd(s_a, ok, s_a, vy);
		s_b = _mm512_mask_add_pd(s_b, ok, s_b, vn);
		frac |= (unsigned)ok & ~(unsigned)wn;
		ylo = _mm512_mask_min_pd(ylo, lm, vy, ylo);
		yhi = _mm512_mask_max_pd(yhi, lm, vy, yhi);
		nlo = _mm512_mask_min_pd(nlo, lm, vn, nlo);
		nhi = _mm512_mask_max_pd(nhi, lm, vn, nhi);
		if (pchart) /* y > n: y - n > 0 (or y, n infinite, refused anyway) */
			dhi = _mm512_mask_max_pd(dhi, lm, _mm512_sub_pd(vy, vn), dhi);
	}
	/* the checks lane by lane, then only the sums and the range of n
	 * reduced to one number each */
	{
		const __m512d big = _mm512_set1_pd(2147483648.0),
		              nbig = _mm512_set1_pd(-2147483648.0);
		unsigned bad = _mm512_cmp_pd_mask(ylo, zero, _CMP_LT_OQ) |
		               _mm512_cmp_pd_mask(yhi, inf, _CMP_EQ_OQ) |
		               _mm512_cmp_pd_mask(nlo, zero, _CMP_LE_OQ) |
		               _mm512_cmp_pd_mask(nhi, inf, _CMP_EQ_OQ) |
		               _mm512_cmp_pd_mask(dhi, zero, _CMP_GT_OQ);
		unsigned range = _mm512_cmp_pd_mask(ylo, nbig, _CMP_LT_OQ) |
		                 _mm512_cmp_pd_mask(yhi, big, _CMP_GE_OQ) |
		                 _mm512_cmp_pd_mask(nlo, nbig, _CMP_LT_OQ) |
		                 _mm512_cmp_pd_mask(nhi, big, _CMP_GE_OQ);

		out->bad = bad != 0;
		out->frac = frac != 0 || range != 0;
	}
	out->sa = _mm512_reduce_add_pd(s_a);
	out->sb = _mm512_reduce_add_pd(s_b);
	out->nlo = _mm512_reduce_min_pd(nlo);
	out->nhi = _mm512_reduce_max_pd(nhi);
	out->i = b;
}
#endif

/* A ratio result's P or U chart: only the centre, sum(y) / sum(n) over the
 * rows as base_ratio() sums them; each point's limits come from it and the
 * point's n when read (spc__limits_in()). Counts and denominators are most
 * often whole numbers: when every one of the part is, below 2^31, and the
 * part has at most 2^21 rows, the sums are exact in doubles (in lanes, in
 * any order) and so equal to the long double sums. The same pass looks for
 * input that check_values() refuses (pc->nonfinite: spc_run() then runs
 * it). */
static int chart_pu_ratio(struct spc__part_calc *pc)
{
	struct spc_result *r = pc->r;
	const double *y = r->ynum, *n = r->yden;
	double cl = pc->o->cl;
	int pchart = pc->o->chart == SPC_CHART_P, whole = pc->b - pc->a <= ((size_t)1 << 21);
	long double sa = 0, sb = 0;
	struct pu_scan sc = {pc->a, 0, 0, 0, 0, NAN, NAN};
	size_t i;

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
	if (r->avx512)
		pu_scan_avx512(y, n, pc->a, pc->b, pchart, &sc);
	else if (r->avx)
		pu_scan_avx(y, n, pc->a, pc->b, pchart, &sc);
	else
		pu_scan_sse2(y, n, pc->a, pc->b, pchart, &sc);
#elif defined(__SSE2__)
	pu_scan_sse2(y, n, pc->a, pc->b, pchart, &sc);
#else
	whole = 0;
#endif
	if (sc.bad)
		pc->nonfinite = 1;
	if (sc.frac)
		whole = 0;
	sa = (long double)sc.sa;
	sb = (long double)sc.sb;
	for (i = sc.i; i < pc->b; i++) {
		if (isinf(y[i]) || isinf(n[i]) || n[i] <= 0 || y[i] < 0 || (pchart && y[i] > n[i]))
			pc->nonfinite = 1;
		if (!isnan(sc.nlo) && !isnan(n[i])) {
			sc.nlo = fmin(sc.nlo, n[i]);
			sc.nhi = fmax(sc.nhi, n[i]);
		}
		if (!isnan(y[i]) && !isnan(n[i])) {
			if (!whole_number(y[i]) || !whole_number(n[i]))
				whole = 0;
			sa += 0.0 + y[i];
			sb += 0.0 + n[i];
		}
	}
	if (isnan(cl)) {
		if (!whole) { /* R's way: long double sums in row order */
			sa = sb = 0;
			for (i = pc->a; i < pc->b; i++)
				if (!isnan(y[i]) && !isnan(n[i])) {
					sa += 0.0 + y[i];
					sb += 0.0 + n[i];
				}
		}
		cl = (double)(sa / sb);
	}
	set_part(pc, cl, NAN, NAN, NAN, NAN);
	r->parts[pc->part].centre = cl;
	/* the range of n, for the flags of the part's points (lean.c) */
	r->scan_part[pc->part & 1] = isnan(sc.nlo) ? (size_t)-1 : pc->part;
	r->scan_nlo[pc->part & 1] = sc.nlo;
	r->scan_nhi[pc->part & 1] = sc.nhi;
	return 0;
}

static int chart_c(struct spc__part_calc *pc)
{
	double cl = pc->o->cl, sd, lcl, lcl2;

	if (isnan(cl))
		cl = base_mean(pc, pc->r->y);
	sd = sqrt(cl);
	lcl = cl - 3 * sd;
	lcl2 = cl - 2 * sd;
	if (lcl < 0 && isfinite(lcl))
		lcl = 0;
	if (lcl2 < 0 && isfinite(lcl2))
		lcl2 = 0;
	set_part(pc, cl, lcl, cl + 3 * sd, lcl2, cl + 2 * sd);
	pc->r->parts[pc->part].centre = cl;
	pc->r->parts[pc->part].sigma = sd;
	return 0;
}

static int chart_g(struct spc__part_calc *pc)
{
	const double *y = pc->r->y;
	double cl = pc->o->cl, sd, lcl, lcl2, shown;
	int calc = isnan(cl);

	if (calc)
		cl = base_mean(pc, y);
	sd = sqrt(cl * (cl + 1));
	lcl = cl - 3 * sd;
	lcl2 = cl - 2 * sd;
	if (lcl < 0)
		lcl = 0;
	if (lcl2 < 0)
		lcl2 = 0;
	if (calc) {
		double *v = scratch(pc);
		size_t i, k = 0;

		if (!v)
			return CO_ENOMEM;
		for (i = pc->a; i < pc->b; i++)
			if (is_base(pc->r, i) && !isnan(y[i]))
				v[k++] = y[i];
		shown = spc__median(v, k);
	} else {
		shown = 0.693 * cl;
	}
	set_part(pc, shown, lcl, cl + 3 * sd, lcl2, cl + 2 * sd);
	pc->r->parts[pc->part].centre = shown;
	pc->r->parts[pc->part].sigma = sd;
	return 0;
}

static int chart_ip(struct spc__part_calc *pc)
{
	struct spc_result *r = pc->r;
	double cl = pc->o->cl, *n, *s, as;
	size_t i, l = pc->b - pc->a;
	int all_na = 1;

	n = scratch(pc);
	s = scratch(pc);
	if (!n || !s)
		return CO_ENOMEM;
	for (i = pc->a; i < pc->b; i++)
		if (r->n && !isnan(r->n[i]))
			all_na = 0;
	for (i = pc->a; i < pc->b; i++)
		n[i - pc->a] = all_na ? r->ycount[i] : r->n[i];
	if (isnan(cl)) {
		long double sa = 0, sb = 0;

		for (i = pc->a; i < pc->b; i++) {
			double t, nn = n[i - pc->a];

			if (!is_base(r, i))
				continue;
			t = r->y[i] * nn;
			if (!isnan(t))
				sa += t;
			if (!isnan(nn))
				sb += nn;
		}
		cl = (double)(sa / sb);
	}
	for (i = 1; i < l; i++) {
		double d1 = fabs(r->y[pc->a + i] - r->y[pc->a + i - 1]);
		double dd = sqrt(1 / n[i - 1] + 1 / n[i]);

		s[i - 1] = sqrt(M_PI / 2) * d1 / dd;
	}
	as = arr_mean(s, l ? l - 1 : 0);
	if (pc->o->screen_mr) {
		double uls = as * 3.2665;

		for (i = 0; i + 1 < l; i++)
			if (!(s[i] < uls))
				s[i] = NAN;
		as = arr_mean(s, l ? l - 1 : 0);
	}
	for (i = pc->a; i < pc->b; i++) {
		double sd = as * sqrt(1 / n[i - pc->a]);

		set_point(pc, i, cl, cl - 3 * sd, cl + 3 * sd, cl - 2 * sd, cl + 2 * sd);
	}
	r->parts[pc->part].centre = cl;
	return 0;
}

/* ---- qcc ---- */

static int is_cal(const struct spc_result *r, size_t i)
{
	return !(r->sig[i] & SPC__F_NEW);
}

/* nsigmas, or the normal quantile of the confidence level */
static double qcc_k(const struct spc_options *o)
{
	if (o->conf_level > 0 && o->conf_level < 1)
		return spc__qnorm(1 - (1 - o->conf_level) / 2);
	return o->nsigmas;
}

static int use_conf(const struct spc_options *o)
{
	return o->conf_level > 0 && o->conf_level < 1;
}

static int qcc_sd_groups(struct spc__part_calc *pc, double *out, struct co_err *err)
{
	struct spc_result *r = pc->r;
	enum spc_sd_method m = pc->o->sd_method;
	long double num = 0, den = 0;
	size_t i, k = 0;

	if (m == SPC_SD_DEFAULT) {
		if (pc->o->chart == SPC_CHART_S) {
			m = SPC_SD_UWAVE_SD;
		} else {
			m = SPC_SD_UWAVE_R;
			if (pc->o->chart == SPC_CHART_XBAR)
				for (i = pc->a; i < pc->b; i++)
					if (is_cal(r, i) && r->n[i] > 25)
						m = SPC_SD_RMSDF;
		}
	}
	for (i = pc->a; i < pc->b; i++)
		if (is_cal(r, i) && r->n[i] == 1)
			return co_errf(err, CO_EINPUT, "group sizes must be larger than one");
	for (i = pc->a; i < pc->b; i++) {
		double n = r->n[i], w, c4;

		if (!is_cal(r, i))
			continue;
		k++;
		switch (m) {
		case SPC_SD_UWAVE_R: num += r->yrange[i] / d2(n); break;
		case SPC_SD_UWAVE_SD: num += r->ysd[i] / spc__c4(n); break;
		case SPC_SD_MVLUE_R:
			w = (d2(n) / d3(n)) * (d2(n) / d3(n));
			num += r->yrange[i] / d2(n) * w;
			den += w;
			break;
		case SPC_SD_MVLUE_SD:
			c4 = spc__c4(n);
			w = c4 * c4 / (1 - c4 * c4);
			num += r->ysd[i] / c4 * w;
			den += w;
			break;
		case SPC_SD_RMSDF:
			w = n - 1;
			num += r->ysd[i] * r->ysd[i] * w;
			den += w;
			break;
		default: return co_errf(err, CO_EINPUT, "this std.dev method does not apply here");
		}
	}
	switch (m) {
	case SPC_SD_UWAVE_R:
	case SPC_SD_UWAVE_SD: *out = (double)(num / (long double)k); break;
	case SPC_SD_MVLUE_R:
	case SPC_SD_MVLUE_SD: *out = (double)(num / den); break;
	default: *out = sqrt((double)(num / den)) / spc__c4((double)den + 1); break;
	}
	return 0;
}

static int chart_qcc(struct spc__part_calc *pc, struct co_err *err)
{
	struct spc_result *r = pc->r;
	const struct spc_options *o = pc->o;
	struct spc_part *pt = &r->parts[pc->part];
	double k = qcc_k(o), center = NAN, sd = NAN;
	size_t i, ncal = 0;
	int rc;

	for (i = pc->a; i < pc->b; i++)
		ncal += is_cal(r, i);
	switch (o->chart) {
	case SPC_CHART_XBAR:
	case SPC_CHART_R:
	case SPC_CHART_S: {
		long double num = 0, den = 0;

		for (i = pc->a; i < pc->b; i++)
			if (is_cal(r, i)) {
				num += r->n[i] * r->y[i];
				den += r->n[i];
			}
		center = (double)(num / den);
		if ((rc = qcc_sd_groups(pc, &sd, err)))
			return rc;
		for (i = pc->a; i < pc->b; i++) {
			double n = r->n[i], lcl, ucl;

			if (o->chart == SPC_CHART_XBAR) {
				double se = sd / sqrt(n);

				lcl = center - k * se;
				ucl = center + k * se;
			} else if (o->chart == SPC_CHART_R) {
				if (use_conf(o))
					return co_errf(err, CO_EINPUT,
					               "probability limits for R charts are not "
					               "supported; give nsigmas");
				if (n > 50)
					return co_errf(
					        err, CO_EINPUT,
					        "group size must be less than 51 when giving "
					        "nsigmas");
				lcl = fmax(0, center - k * d3(n) * sd);
				ucl = center + k * d3(n) * sd;
			} else {
				if (use_conf(o)) {
					double q = o->conf_level;

					ucl = sd *
					      sqrt(spc__qchisq(1 - (1 - q) / 2, n - 1) / (n - 1));
					lcl = sd * sqrt(spc__qchisq((1 - q) / 2, n - 1) / (n - 1));
				} else {
					double c4 = spc__c4(n), se = sd * sqrt(1 - c4 * c4);

					lcl = fmax(0, center - k * se);
					ucl = center + k * se;
				}
			}
			set_point(pc, i, center, lcl, ucl, NAN, NAN);
		}
		break;
	}
	case SPC_CHART_I: {
		long double s = 0;
		double prev = NAN;
		size_t j = 0;

		for (i = pc->a; i < pc->b; i++)
			if (is_cal(r, i))
				s += r->y[i];
		center = (double)(s / (long double)ncal);
		{
			/* R's mean() refinement */
			long double t = 0, m;

			if (isfinite(center)) {
				m = s / (long double)ncal;
				for (i = pc->a; i < pc->b; i++)
					if (is_cal(r, i))
						t += r->y[i] - m;
				center = (double)(m + t / (long double)ncal);
			}
		}
		if (o->sd_method == SPC_SD_SD) {
			long double ss = 0;

			for (i = pc->a; i < pc->b; i++)
				if (is_cal(r, i))
					ss += (r->y[i] - center) * (r->y[i] - center);
			sd = sqrt((double)(ss / (long double)(ncal - 1))) / spc__c4((double)ncal);
		} else {
			double d = 0;

			for (i = pc->a; i < pc->b; i++) {
				if (!is_cal(r, i))
					continue;
				if (j++ > 0)
					d += fabs(r->y[i] - prev);
				prev = r->y[i];
			}
			sd = (d / (double)(ncal - 1)) / 1.128;
		}
		set_part(pc, center, center - k * sd, center + k * sd, NAN, NAN);
		break;
	}
	case SPC_CHART_P:
	case SPC_CHART_NP: {
		long double sy = 0, sn = 0, pm = 0;
		double pbar;

		for (i = pc->a; i < pc->b; i++)
			if (is_cal(r, i)) {
				sy += r->ysum[i];
				sn += r->n[i];
			}
		pbar = (double)(sy / sn);
		for (i = pc->a; i < pc->b; i++)
			pm += (pbar * r->n[i]) / r->n[i];
		pm /= (long double)(pc->b - pc->a);
		center = pbar;
		sd = o->chart == SPC_CHART_P ? sqrt(pbar * (1 - pbar))
		                             : sqrt(r->n[pc->a] * pbar * (1 - pbar));
		for (i = pc->a; i < pc->b; i++) {
			double n = r->n[i], c = pbar * n, lcl, ucl, pb = (double)pm;

			if (use_conf(o)) {
				lcl = spc__qbinom((1 - o->conf_level) / 2, n, pb, 0);
				ucl = spc__qbinom((1 - o->conf_level) / 2, n, pb, 1);
			} else {
				double tol = k * sqrt(pb * (1 - pb) * n);

				lcl = fmax(c - tol, 0);
				ucl = fmin(c + tol, n);
			}
			if (o->chart == SPC_CHART_P)
				set_point(pc, i, pbar, lcl / n, ucl / n, NAN, NAN);
			else
				set_point(pc, i, c, lcl, ucl, NAN, NAN);
		}
		if (o->chart == SPC_CHART_NP)
			center = pbar * r->n[pc->a];
		break;
	}
	case SPC_CHART_C:
	case SPC_CHART_U: {
		long double s = 0, sn = 0, sy = 0;
		double lcl, ucl;

		if (o->chart == SPC_CHART_C && r->n)
			for (i = pc->a; i < pc->b; i++)
				if (is_cal(r, i) && r->n[i] != r->n[pc->a])
					return co_errf(err, CO_EINPUT,
					               "all sizes must be be equal for a c chart");
		for (i = pc->a; i < pc->b; i++)
			if (is_cal(r, i)) {
				if (o->chart == SPC_CHART_C) {
					s += r->y[i];
				} else {
					s += r->n[i] * r->y[i];
					sn += r->n[i];
					sy += r->ysum[i];
				}
			}
		if (o->chart == SPC_CHART_C) {
			long double t = 0, m = s / (long double)ncal;

			if (isfinite((double)m)) {
				for (i = pc->a; i < pc->b; i++)
					if (is_cal(r, i))
						t += r->y[i] - m;
				m += t / (long double)ncal;
			}
			center = (double)m;
			sd = sqrt(center);
			if (use_conf(o)) {
				ucl = spc__qpois(1 - (1 - o->conf_level) / 2, center, 0);
				lcl = spc__qpois((1 - o->conf_level) / 2, center, 0);
			} else {
				lcl = center - k * sqrt(center);
				if (lcl < 0)
					lcl = 0;
				ucl = center + k * sqrt(center);
			}
			set_part(pc, center, lcl, ucl, NAN, NAN);
		} else {
			center = (double)(s / sn);
			sd = sqrt((double)(sy / sn));
			for (i = pc->a; i < pc->b; i++) {
				double n = r->n[i], c = center * n;

				if (use_conf(o)) {
					ucl = spc__qpois(1 - (1 - o->conf_level) / 2, c, 0);
					lcl = spc__qpois((1 - o->conf_level) / 2, c, 0);
				} else {
					lcl = c - k * sqrt(c);
					if (lcl < 0)
						lcl = 0;
					ucl = c + k * sqrt(c);
				}
				set_point(pc, i, center, lcl / n, ucl / n, NAN, NAN);
			}
		}
		break;
	}
	case SPC_CHART_G: {
		long double s = 0, t = 0, m;
		double p, lcl, ucl;

		for (i = pc->a; i < pc->b; i++)
			if (is_cal(r, i))
				s += r->y[i];
		m = s / (long double)ncal;
		if (isfinite((double)m)) {
			for (i = pc->a; i < pc->b; i++)
				if (is_cal(r, i))
					t += r->y[i] - m;
			m += t / (long double)ncal;
		}
		center = (double)m;
		p = 1 / center;
		sd = sqrt(1 - p) / p;
		if (use_conf(o)) {
			ucl = spc__qgeom(1 - (1 - o->conf_level) / 2, p);
			lcl = spc__qgeom((1 - o->conf_level) / 2, p);
		} else {
			lcl = center - k * sqrt(1 - p) / p;
			if (lcl < 0)
				lcl = 0;
			ucl = center + k * sqrt(1 - p) / p;
		}
		set_part(pc, center, lcl, ucl, NAN, NAN);
		break;
	}
	default: return co_errf(err, CO_EINPUT, "qcc has no %s chart", spc_chart_name(o->chart));
	}
	pt->centre = center;
	pt->sigma = sd;
	return 0;
}

int spc__limits(struct spc__part_calc *pc, struct co_err *err)
{
	const struct spc_options *o = pc->o;

	if (pc->b == pc->a)
		return 0;
	if (o->profile == SPC_PROFILE_QCC)
		return chart_qcc(pc, err);
	if (pc->r->ynum)
		return chart_pu_ratio(pc);
	switch (o->chart) {
	case SPC_CHART_RUN: return chart_run(pc);
	case SPC_CHART_I: return chart_i(pc, pc->r->y);
	case SPC_CHART_MR: return chart_mr(pc);
	case SPC_CHART_XBAR: return chart_xbar(pc);
	case SPC_CHART_S: return chart_s(pc);
	case SPC_CHART_P: return chart_pu(pc, 1, 0);
	case SPC_CHART_PP: return chart_pu(pc, 1, 1);
	case SPC_CHART_U: return chart_pu(pc, 0, 0);
	case SPC_CHART_UP: return chart_pu(pc, 0, 1);
	case SPC_CHART_C: return chart_c(pc);
	case SPC_CHART_G: return chart_g(pc);
	case SPC_CHART_T: return chart_t(pc, err);
	case SPC_CHART_IP: return chart_ip(pc);
	default: return co_errf(err, CO_EINPUT, "chart not available in this profile");
	}
}
