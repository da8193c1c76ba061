/*
 * lean.c - a lean result: the rule passes of the common charts over bit
 * masks, 64 points at a time, keeping one bit per point per rule.
 *
 * When every point is in the baseline, the profile is Collective's own, the
 * limits are constant over each part (or the chart is a P or U chart whose
 * rows are its points: a ratio result) and the rule set is Making Data
 * Count, Anhoej or none (spc__lean_ok()), the result keeps no signal word
 * per point. The run decides every flag of every point all the same and
 * keeps it as one bit per point in the planes below (above and below the
 * centre, above the upper limit, below the lower, beyond 2 sigma inside
 * them), beside the bits of the rules that need the neighbours; spc__sig()
 * assembles a point's word from them. The word is the same, bit for bit, as
 * the general passes in rules.c make it; tests/unit/test_spc.c compares the
 * two on random series.
 *
 * Bit planes. plane[w * nplanes + k] holds bit (i mod 64) of point i = 64w
 * + ... for plane k: Making Data Count keeps shift, two of three, trend up
 * and trend down (the side of a shift or two-of-three comes from the point),
 * Anhoej keeps long_run (few_crossings is a per-part flag on every useful
 * point); from fplane on, the five flags (SPC__P_ABOVE ... SPC__P_CLOSE).
 *
 * Masks. Within a part, block q holds points first + 64q ... as bits
 * (bit j = point 64q + j): A (above the centre), B (below), C (beyond 2
 * sigma, inside the limits), U (higher than the previous point; never the
 * part's first), D (lower). A block is finished when the next block's masks
 * are known, because windows run forward into it:
 *
 *   windows(X, L): bit j set when bits j .. j+L-1 are all set, by doubling
 *     (R2 = X & X>>1, R4 = R2 & R2>>2, ..., then one overlapping step);
 *   spread(R, L): bit j set when a window of L starts at j-L+1 .. j, the
 *     same doubling to the left with the previous block's windows.
 *
 * Making Data Count (rules.c has the definitions):
 *   shift  = spread(windows(A, S), S) | the same for B;
 *   trend  = spread(windows(U', T-1), T) for U' = U >> 1 (the step to the
 *     next point), the same for D. A point covered by a rising and a falling
 *     trend, or just before a trend that starts at the next point when it
 *     is covered itself, takes the direction of the step to the next point
 *     (the peer looks to the right; see mdc() in rules.c);
 *   two of three = the C points of windows of three points on one side
 *     with at least two C points (majority of three).
 * Anhoej: runs of A and B over the useful points (side not 0), counted per
 * block from the transitions A ^ A>>1 when every point of the block is
 * useful, point by point otherwise; long runs are marked in a second walk
 * only when the part signals.
 */
#include <math.h>
#include <string.h>

#include "spc/spc_int.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define LEAN_AVX 1
#include <immintrin.h>
#endif

/* ---- bits ---- */

static int popcount64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (int)((x * 0x0101010101010101ULL) >> 56);
}

/* The longer of the longest runs of set bits of x and of z, without a
 * branch on the data: the windows of 1, 2, 4, ... 32 set bits, then the
 * longest length as a sum of powers of two from the largest down (a window
 * of a + b bits is one of a followed by one of b), x and z side by side. */
static inline __attribute__((always_inline)) int longest_ones2(uint64_t x, uint64_t z)
{
	uint64_t x1 = x, x2 = x1 & (x1 >> 1), x4 = x2 & (x2 >> 2), x8 = x4 & (x4 >> 4);
	uint64_t x16 = x8 & (x8 >> 8), x32 = x16 & (x16 >> 16);
	uint64_t z1 = z, z2 = z1 & (z1 >> 1), z4 = z2 & (z2 >> 2), z8 = z4 & (z4 >> 4);
	uint64_t z16 = z8 & (z8 >> 8), z32 = z16 & (z16 >> 16);
	uint64_t wx = ~0ULL, wz = ~0ULL, c;
	int lx = 0, lz = 0, t;

#define LONGEST_STEP(w, l, p, k)                                                                   \
	do {                                                                                       \
		c = (w) & ((p) >> (l));                                                            \
		t = c != 0;                                                                        \
		(w) = t ? c : (w);                                                                 \
		(l) += t << (k);                                                                   \
	} while (0)
	LONGEST_STEP(wx, lx, x32, 5);
	LONGEST_STEP(wz, lz, z32, 5);
	LONGEST_STEP(wx, lx, x16, 4);
	LONGEST_STEP(wz, lz, z16, 4);
	LONGEST_STEP(wx, lx, x8, 3);
	LONGEST_STEP(wz, lz, z8, 3);
	LONGEST_STEP(wx, lx, x4, 2);
	LONGEST_STEP(wz, lz, z4, 2);
	LONGEST_STEP(wx, lx, x2, 1);
	LONGEST_STEP(wz, lz, z2, 1);
	LONGEST_STEP(wx, lx, x1, 0);
	LONGEST_STEP(wz, lz, z1, 0);
#undef LONGEST_STEP
	lx += x == ~0ULL;
	lz += z == ~0ULL;
	return lx > lz ? lx : lz;
}

/* (hi:lo) >> s, low word; 0 < s < 64 */
static inline __attribute__((always_inline)) uint64_t fsr(uint64_t lo, uint64_t hi, int s)
{
	return (lo >> s) | (hi << (64 - s));
}

/* Windows of len set bits (1 <= len <= 64) starting at each bit of the low
 * word of (hi:lo); bit 0 of the high word is exact too. */
static inline __attribute__((always_inline)) void windows(uint64_t *lo, uint64_t *hi, int len)
{
	uint64_t l = *lo, h = *hi;
	int k = 1;

	while (2 * k <= len) {
		l &= fsr(l, h, k);
		h &= h >> k;
		k *= 2;
	}
	if (k < len) {
		l &= fsr(l, h, len - k);
		h &= h >> (len - k);
	}
	*lo = l;
	*hi = h;
}

/* The points covered by the windows of len (1 <= len <= 64) starting in the
 * current block (cur) or the previous one (prev). */
static inline __attribute__((always_inline)) uint64_t spread(uint64_t prev, uint64_t cur, int len)
{
	int k = 1;

	while (2 * k <= len) {
		cur |= (cur << k) | (prev >> (64 - k));
		prev |= prev << k;
		k *= 2;
	}
	if (k < len)
		cur |= (cur << (len - k)) | (prev >> (64 - (len - k)));
	return cur;
}

static uint64_t valid_bits(size_t nv)
{
	return nv >= 64 ? ~0ULL : (1ULL << nv) - 1;
}

/* ORs the 64 bits of one block of a part (starting at point g) into a
 * plane, without a branch on the bits (a rule's bits come and go with the
 * data; the planes have a spare word after the last block). */
static inline void put_bits(struct spc_result *r, int k, size_t g, uint64_t bits)
{
	uint64_t *w0 = &r->plane[(g >> 6) * (size_t)r->nplanes + (size_t)k];
	unsigned sh = (unsigned)(g & 63);

	/* (x >> 1) >> (63 - sh) is x >> (64 - sh), and 0 when sh is 0 */
	w0[0] |= bits << sh;
	w0[r->nplanes] |= (bits >> 1) >> (63 - sh);
}

static int get_bit(const struct spc_result *r, int k, size_t i)
{
	return (int)((r->plane[(i >> 6) * (size_t)r->nplanes + (size_t)k] >> (i & 63)) & 1);
}

/* ---- masks of one block ---- */

struct lims {
	double cl0;                  /* unmultiplied centre: the side */
	double m;                    /* multiplier */
	double lcl, ucl, lcl2, ucl2; /* multiplied limits: outside and close */
};

struct masks {
	uint64_t a, b, c, u, d, h, l; /* h, l: above the upper limit, below the lower */
};

/* The flags of one block of a part (starting at point g): the planes
 * after the rules' (spc_result.fplane), ORed in without branches (the
 * planes have a spare word after the last block). */
static void put_flags(struct spc_result *r, size_t g, const struct masks *k)
{
	size_t np = (size_t)r->nplanes;
	uint64_t *w0 = &r->plane[(g >> 6) * np + (size_t)r->fplane], *w1 = w0 + np;
	unsigned sh = (unsigned)(g & 63), sr = 63 - sh;

	/* (x >> 1) >> (63 - sh) is x >> (64 - sh), and 0 when sh is 0 */
	w0[SPC__P_ABOVE] |= k->a << sh;
	w1[SPC__P_ABOVE] |= (k->a >> 1) >> sr;
	w0[SPC__P_BELOW] |= k->b << sh;
	w1[SPC__P_BELOW] |= (k->b >> 1) >> sr;
	w0[SPC__P_HIGH] |= k->h << sh;
	w1[SPC__P_HIGH] |= (k->h >> 1) >> sr;
	w0[SPC__P_LOW] |= k->l << sh;
	w1[SPC__P_LOW] |= (k->l >> 1) >> sr;
	w0[SPC__P_CLOSE] |= k->c << sh;
	w1[SPC__P_CLOSE] |= (k->c >> 1) >> sr;
}

static void lims_of(const struct spc_result *r, size_t part, struct lims *l)
{
	const struct spc__lim *p = &r->plim[part];
	double m = r->opt.multiply;

	l->cl0 = p->cl;
	l->m = m;
	l->lcl = p->lcl * m;
	l->ucl = p->ucl * m;
	l->lcl2 = p->lcl2 * m;
	l->ucl2 = p->ucl2 * m;
}

/* Points y[0 .. nv) (nv <= 64); prev is the value before the first, NAN at
 * the start of a part. block_sides() gives a and b only. */
static void block_masks_sse2(const double *y, size_t nv, double prev, const struct lims *l,
                             struct masks *k)
{
	uint64_t a = 0, b = 0, c = 0, u = 0, d = 0, h = 0, lo = 0, ok = valid_bits(nv);
	size_t j = 0;

#if defined(__SSE2__)
	const __m128d cl = _mm_set1_pd(l->cl0), m = _mm_set1_pd(l->m);
	const __m128d lcl2 = _mm_set1_pd(l->lcl2), ucl2 = _mm_set1_pd(l->ucl2);
	const __m128d lcl = _mm_set1_pd(l->lcl), ucl = _mm_set1_pd(l->ucl);
	__m128d pv = _mm_set1_pd(prev);

#define MASKS(v, p, bits, sh)                                                                      \
	do {                                                                                       \
		__m128d vm_ = _mm_mul_pd((v), m);                                                  \
		__m128d near_ = _mm_or_pd(_mm_cmplt_pd(vm_, lcl2), _mm_cmpgt_pd(vm_, ucl2));       \
		__m128d hi_ = _mm_cmpgt_pd(vm_, ucl), lo_ = _mm_cmplt_pd(vm_, lcl);                \
		(bits)[0] |= (unsigned)_mm_movemask_pd(_mm_cmpgt_pd((v), cl)) << (sh);             \
		(bits)[1] |= (unsigned)_mm_movemask_pd(_mm_cmplt_pd((v), cl)) << (sh);             \
		(bits)[2] |= (unsigned)_mm_movemask_pd(near_) << (sh);                             \
		(bits)[3] |= (unsigned)_mm_movemask_pd(_mm_cmpgt_pd((v), (p))) << (sh);            \
		(bits)[4] |= (unsigned)_mm_movemask_pd(_mm_cmplt_pd((v), (p))) << (sh);            \
		(bits)[5] |= (unsigned)_mm_movemask_pd(hi_) << (sh);                               \
		(bits)[6] |= (unsigned)_mm_movemask_pd(lo_) << (sh);                               \
	} while (0)
	for (; j + 3 < nv; j += 4) {
		__m128d v0 = _mm_loadu_pd(y + j), v1 = _mm_loadu_pd(y + j + 2);
		unsigned bits[7] = {0, 0, 0, 0, 0, 0, 0};

		MASKS(v0, _mm_shuffle_pd(pv, v0, 1), bits, 0);
		MASKS(v1, _mm_shuffle_pd(v0, v1, 1), bits, 2);
		a |= (uint64_t)bits[0] << j;
		b |= (uint64_t)bits[1] << j;
		c |= (uint64_t)bits[2] << j;
		u |= (uint64_t)bits[3] << j;
		d |= (uint64_t)bits[4] << j;
		h |= (uint64_t)bits[5] << j;
		lo |= (uint64_t)bits[6] << j;
		pv = v1;
	}
	for (; j < nv; j += 2) { /* the last one to three points; beyond nv masked */
		__m128d v0 = j + 1 < nv ? _mm_loadu_pd(y + j) : _mm_load_sd(y + j);
		unsigned bits[7] = {0, 0, 0, 0, 0, 0, 0};

		MASKS(v0, _mm_shuffle_pd(pv, v0, 1), bits, 0);
		a |= (uint64_t)bits[0] << j;
		b |= (uint64_t)bits[1] << j;
		c |= (uint64_t)bits[2] << j;
		u |= (uint64_t)bits[3] << j;
		d |= (uint64_t)bits[4] << j;
		h |= (uint64_t)bits[5] << j;
		lo |= (uint64_t)bits[6] << j;
		pv = v0;
	}
#undef MASKS
#else
	for (; j < nv; j++) {
		double v = y[j], vm = v * l->m;

		a |= (uint64_t)(v > l->cl0) << j;
		b |= (uint64_t)(v < l->cl0) << j;
		c |= (uint64_t)((vm < l->lcl2) | (vm > l->ucl2)) << j;
		u |= (uint64_t)(v > prev) << j;
		d |= (uint64_t)(v < prev) << j;
		h |= (uint64_t)(vm > l->ucl) << j;
		lo |= (uint64_t)(vm < l->lcl) << j;
		prev = v;
	}
#endif
	/* as the general passes have them (rules.c): below the lower limit
	 * only when not above the upper; close when beyond 2 sigma and neither */
	lo &= ~h;
	k->a = a & ok;
	k->b = b & ok;
	k->c = c & ~(h | lo) & ok;
	k->u = u & ok;
	k->d = d & ok;
	k->h = h & ok;
	k->l = lo & ok;
}

static void block_sides_sse2(const double *y, size_t nv, double cl0, uint64_t *pa, uint64_t *pb)
{
	uint64_t a = 0, b = 0, ok = valid_bits(nv);
	size_t j = 0;

#if defined(__SSE2__)
	const __m128d cl = _mm_set1_pd(cl0);

	for (; j + 3 < nv; j += 4) {
		__m128d v0 = _mm_loadu_pd(y + j), v1 = _mm_loadu_pd(y + j + 2);
		unsigned ba = (unsigned)_mm_movemask_pd(_mm_cmpgt_pd(v0, cl)) |
		              (unsigned)_mm_movemask_pd(_mm_cmpgt_pd(v1, cl)) << 2;
		unsigned bb = (unsigned)_mm_movemask_pd(_mm_cmplt_pd(v0, cl)) |
		              (unsigned)_mm_movemask_pd(_mm_cmplt_pd(v1, cl)) << 2;

		a |= (uint64_t)ba << j;
		b |= (uint64_t)bb << j;
	}
#endif
	for (; j < nv; j++) {
		a |= (uint64_t)(y[j] > cl0) << j;
		b |= (uint64_t)(y[j] < cl0) << j;
	}
	*pa = a & ok;
	*pb = b & ok;
}

#if defined(LEAN_AVX)
/* The same masks four points at a time (AVX compares are the same ordered
 * comparisons: false with a NAN). */
__attribute__((target("avx"))) static void block_masks_avx(const double *y, size_t nv, double prev,
                                                           const struct lims *l, struct masks *k)
{
	uint64_t a = 0, b = 0, c = 0, u = 0, d = 0, h = 0, lo = 0;
	const __m256d cl = _mm256_set1_pd(l->cl0), m = _mm256_set1_pd(l->m);
	const __m256d lcl2 = _mm256_set1_pd(l->lcl2), ucl2 = _mm256_set1_pd(l->ucl2);
	const __m256d lcl = _mm256_set1_pd(l->lcl), ucl = _mm256_set1_pd(l->ucl);
	size_t j = 0;

	/* h above the upper limit, lo below the lower (not above the upper),
	 * c beyond 2 sigma and neither, in the same pass */
#define MASKS4(p)                                                                                  \
	do {                                                                                       \
		__m256d v_ = _mm256_loadu_pd(y + j), p_ = (p), vm_ = _mm256_mul_pd(v_, m);         \
		__m256d hi_ = _mm256_cmp_pd(vm_, ucl, _CMP_GT_OQ);                                 \
		__m256d lo_ = _mm256_andnot_pd(hi_, _mm256_cmp_pd(vm_, lcl, _CMP_LT_OQ));          \
		a |= (uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(v_, cl, _CMP_GT_OQ)) << j;         \
		b |= (uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(v_, cl, _CMP_LT_OQ)) << j;         \
		u |= (uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(v_, p_, _CMP_GT_OQ)) << j;         \
		d |= (uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(v_, p_, _CMP_LT_OQ)) << j;         \
		h |= (uint64_t)_mm256_movemask_pd(hi_) << j;                                       \
		lo |= (uint64_t)_mm256_movemask_pd(lo_) << j;                                      \
		c |= (uint64_t)_mm256_movemask_pd(                                                 \
		             _mm256_andnot_pd(_mm256_or_pd(hi_, lo_),                              \
		                              _mm256_or_pd(_mm256_cmp_pd(vm_, lcl2, _CMP_LT_OQ),   \
		                                           _mm256_cmp_pd(vm_, ucl2, _CMP_GT_OQ)))) \
		     << j;                                                                         \
	} while (0)
	if (nv >= 4) {
		MASKS4(_mm256_set_pd(y[2], y[1], y[0], prev));
		for (j = 4; j + 3 < nv; j += 4)
			MASKS4(_mm256_loadu_pd(y + j - 1));
	}
#undef MASKS4
	if (j)
		prev = y[j - 1];
	for (; j < nv; j++) {
		double v = y[j], vm = v * l->m;
		unsigned hi = vm > l->ucl, low = (hi ^ 1u) & (vm < l->lcl);

		a |= (uint64_t)(v > l->cl0) << j;
		b |= (uint64_t)(v < l->cl0) << j;
		u |= (uint64_t)(v > prev) << j;
		d |= (uint64_t)(v < prev) << j;
		h |= (uint64_t)hi << j;
		lo |= (uint64_t)low << j;
		c |= (uint64_t)(((hi | low) ^ 1u) & ((vm < l->lcl2) | (vm > l->ucl2))) << j;
		prev = v;
	}
	k->a = a;
	k->b = b;
	k->c = c;
	k->u = u;
	k->d = d;
	k->h = h;
	k->l = lo;
}

__attribute__((target("avx"))) static void block_sides_avx(const double *y, size_t nv, double cl0,
                                                           uint64_t *pa, uint64_t *pb)
{
	uint64_t a = 0, b = 0;
	const __m256d cl = _mm256_set1_pd(cl0);
	size_t j = 0;

	for (; j + 3 < nv; j += 4) {
		__m256d v = _mm256_loadu_pd(y + j);

		a |= (uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(v, cl, _CMP_GT_OQ)) << j;
		b |= (uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(v, cl, _CMP_LT_OQ)) << j;
	}
	for (; j < nv; j++) {
		a |= (uint64_t)(y[j] > cl0) << j;
		b |= (uint64_t)(y[j] < cl0) << j;
	}
	*pa = a;
	*pb = b;
}
#endif

static void block_masks(const struct spc_result *r, const double *y, size_t nv, double prev,
                        const struct lims *l, struct masks *k)
{
#if defined(LEAN_AVX)
	if (r->avx) {
		block_masks_avx(y, nv, prev, l, k);
		return;
	}
#endif
	(void)r;
	block_masks_sse2(y, nv, prev, l, k);
}

static void block_sides(const struct spc_result *r, const double *y, size_t nv, double cl0,
                        uint64_t *pa, uint64_t *pb)
{
#if defined(LEAN_AVX)
	if (r->avx) {
		block_sides_avx(y, nv, cl0, pa, pb);
		return;
	}
#endif
	(void)r;
	block_sides_sse2(y, nv, cl0, pa, pb);
}

/* ---- a ratio result's flags ----
 *
 * A point of a P or U chart is above or below its centre, outside its
 * limits or beyond 2 sigma by the comparisons the general passes make:
 * v = y / n against cl -/+ k sqrt(w / n), w = cl (U) or cl (1 - cl) (P),
 * with a division and a square root per point. Multiplied by n (> 0) the
 * same questions are about D = y - cl n against k sqrt(w n): the side is the
 * sign of D, and beyond k sigma is D^2 > k^2 w n, with products alone. Both
 * ways round differently, so a point is settled by the products only when
 * they are far from the edge: the side when |D| > 2^-30 cl n, the band when
 * D^2 is not within a factor 1 -/+ 2^-24 of 4 w n or 9 w n, and only in a
 * part whose every n has (cl^2 / w) n <= 2^40 and w n >= 2^-500 (the range
 * of n comes from the centre's pass, limits.c). Then the rounding of either
 * way (a few units in the last place of cl, n, y and of terms no larger than
 * 2^20 times the distance compared: at most 2^-30 of it) cannot cross the
 * edge, and the products give the same answer as the division and the root.
 * Every other point (a tie with the centre, a missing value, a point within
 * 2^-24 of a limit, a centre of 0) is computed the first way, eight (AVX-512)
 * or four (AVX) points to a vector. The unit tests put points on and next to
 * the limits and compare the two ways, with each instruction set. */

#define RQ_EPS  0x1p-24
#define RQ_SIDE 0x1p-30

struct rq {
	double cl, m, w;               /* centre, multiplier, cl or cl (1 - cl) */
	double k4lo, k4hi, k9lo, k9hi; /* 4 and 9 times 1 -/+ RQ_EPS */
	int pchart;
	int trust; /* every n of the part is one the products are trusted for */
};

static void rq_of(const struct spc_result *r, size_t part, struct rq *q)
{
	const struct spc_part *p = &r->parts[part];
	double cl = r->plim[part].cl, m = r->opt.multiply, nlo = r->scan_nlo[part & 1],
	       nhi = r->scan_nhi[part & 1];

	q->cl = cl;
	q->m = m;
	q->pchart = r->opt.chart == SPC_CHART_P;
	q->w = q->pchart ? cl * (1 - cl) : cl;
	q->k4lo = 4 * (1 - RQ_EPS);
	q->k4hi = 4 * (1 + RQ_EPS);
	q->k9lo = 9 * (1 - RQ_EPS);
	q->k9hi = 9 * (1 + RQ_EPS);
	if (r->scan_part[part & 1] != part) { /* the centre's pass kept no range */
		size_t i;

		nlo = INFINITY;
		nhi = -INFINITY;
		for (i = p->first; i < p->first + p->count; i++)
			if (!isnan(r->yden[i])) {
				nlo = fmin(nlo, r->yden[i]);
				nhi = fmax(nhi, r->yden[i]);
			}
	}
	/* w n >= 2^-500 and (cl^2 / w) n <= 2^40 for every n (NAN n are
	 * settled the first way, as their D is NAN) */
	q->trust = isfinite(m) && m > 0 && cl > 0x1p-400 && cl < 0x1p400 && q->w > 0x1p-400 &&
	           q->w < 0x1p400 && q->w * nlo >= 0x1p-500 && cl * cl * nhi <= 0x1p40 * q->w;
}

/* One point the first way: bits 0 above, 1 below, 2 high, 3 low, 4 close. */
static unsigned ratio_flags1(const struct rq *q, double y, double n)
{
	struct spc__lim l0;
	double v = (0.0 + y) / (0.0 + n), vm = v * q->m;
	unsigned hi, lo, close;

	spc__pu_limits(q->cl, isnan(y) || isnan(n) ? 0 : 0.0 + n, q->pchart, 0, 1, &l0);
	hi = vm > l0.ucl * q->m;
	lo = (hi ^ 1u) & (vm < l0.lcl * q->m);
	close = ((hi | lo) ^ 1u) & ((vm < l0.lcl2 * q->m) | (vm > l0.ucl2 * q->m));
	return (unsigned)(v > q->cl) | (unsigned)(v < q->cl) << 1 | hi << 2 | lo << 3 | close << 4;
}

/* The points of todo (bits of y[0 ..], n[0 ..]) the first way. */
static void ratio_exact(const struct rq *q, const double *y, const double *n, uint64_t todo,
                        struct masks *k)
{
	while (todo) {
		unsigned j = (unsigned)__builtin_ctzll(todo);
		uint64_t f = ratio_flags1(q, y[j], n[j]);

		todo &= todo - 1;
		k->a |= (f & 1) << j;
		k->b |= ((f >> 1) & 1) << j;
		k->h |= ((f >> 2) & 1) << j;
		k->l |= ((f >> 3) & 1) << j;
		k->c |= ((f >> 4) & 1) << j;
	}
}

#if defined(LEAN_AVX)
/* Four points at a time (AVX): sure marks the points the products settle. */
__attribute__((target("avx"))) static void
ratio_block_avx(const struct rq *q, const double *y, const double *n, size_t nv, struct masks *k)
{
	const __m256d cl = _mm256_set1_pd(q->cl), w = _mm256_set1_pd(q->w);
	const __m256d s1 = _mm256_set1_pd(RQ_SIDE), s0 = _mm256_set1_pd(-RQ_SIDE);
	const __m256d k4lo = _mm256_set1_pd(q->k4lo), k4hi = _mm256_set1_pd(q->k4hi);
	const __m256d k9lo = _mm256_set1_pd(q->k9lo), k9hi = _mm256_set1_pd(q->k9hi);
	uint64_t a = 0, b = 0, h = 0, lo = 0, c = 0, sure = 0;
	size_t j = 0;

	for (; j + 3 < nv && q->trust; j += 4) {
		__m256d vy = _mm256_loadu_pd(y + j), vn = _mm256_loadu_pd(n + j);
		__m256d t = _mm256_mul_pd(cl, vn), tw = _mm256_mul_pd(w, vn);
		__m256d d = _mm256_sub_pd(vy, t), dd = _mm256_mul_pd(d, d);
		__m256d pos = _mm256_cmp_pd(d, _mm256_mul_pd(s1, t), _CMP_GT_OQ);
		__m256d neg = _mm256_cmp_pd(d, _mm256_mul_pd(s0, t), _CMP_LT_OQ);
		__m256d in2 = _mm256_cmp_pd(dd, _mm256_mul_pd(tw, k4lo), _CMP_LT_OQ);
		__m256d out2 = _mm256_cmp_pd(dd, _mm256_mul_pd(tw, k4hi), _CMP_GT_OQ);
		__m256d in3 = _mm256_cmp_pd(dd, _mm256_mul_pd(tw, k9lo), _CMP_LT_OQ);
		__m256d out3 = _mm256_cmp_pd(dd, _mm256_mul_pd(tw, k9hi), _CMP_GT_OQ);
		__m256d cls = _mm256_and_pd(out2, in3);
		__m256d ok = _mm256_and_pd(_mm256_or_pd(pos, neg),
		                           _mm256_or_pd(_mm256_or_pd(in2, cls), out3));
		uint64_t ma = (unsigned)_mm256_movemask_pd(pos),
		         mb = (unsigned)_mm256_movemask_pd(neg);
		uint64_t mo = (unsigned)_mm256_movemask_pd(out3);

		a |= ma << j;
		b |= mb << j;
		h |= (mo & ma) << j;
		lo |= (mo & mb) << j;
		c |= (uint64_t)(unsigned)_mm256_movemask_pd(cls) << j;
		sure |= (uint64_t)(unsigned)_mm256_movemask_pd(ok) << j;
	}
	k->a = a & sure;
	k->b = b & sure;
	k->h = h & sure;
	k->l = lo & sure;
	k->c = c & sure;
	ratio_exact(q, y, n, ~sure & valid_bits(nv), k);
}

/* Eight points at a time (AVX-512), every band as the AVX kernel takes
 * it; each compare's eight bits gathered into a 64-bit word (BMI2 shifts)
 * and the masks combined after the loop. On a U chart w n is cl n. */
static inline __attribute__((always_inline, target("avx512f,bmi2"))) void
ratio_block_avx512_body(const struct rq *q, const double *y, const double *n, size_t nv,
                        struct masks *k, const int pchart)
{
	const __m512d cl = _mm512_set1_pd(q->cl), w = _mm512_set1_pd(q->w);
	const __m512d side = _mm512_set1_pd(RQ_SIDE * q->cl);
	const __m512i sign = _mm512_set1_epi64((long long)0x8000000000000000ULL);
	const __m512d k4lo = _mm512_set1_pd(q->k4lo), k4hi = _mm512_set1_pd(q->k4hi);
	const __m512d k9lo = _mm512_set1_pd(q->k9lo), k9hi = _mm512_set1_pd(q->k9hi);
	uint64_t pos = 0, neg = 0, in2 = 0, out2 = 0, in3 = 0, out3 = 0, sure, all = valid_bits(nv);
	unsigned j;

	/* the last points of a block with a masked load: the lanes beyond nv
	 * read 0 / 0 and are masked out below */
	for (j = 0; j < nv; j += 8) {
		__m512d vy, vn, t, tw, d, dd, th, nth;

		if (nv - j >= 8) {
			vy = _mm512_loadu_pd(y + j);
			vn = _mm512_loadu_pd(n + j);
		} else {
			__mmask8 lm = (__mmask8)((1u << (nv - j)) - 1);

			vy = _mm512_maskz_loadu_pd(lm, y + j);
			vn = _mm512_maskz_loadu_pd(lm, n + j);
		}
		t = _mm512_mul_pd(cl, vn);
		tw = pchart ? _mm512_mul_pd(w, vn) : t;
		d = _mm512_sub_pd(vy, t);
		dd = _mm512_mul_pd(d, d);
		th = _mm512_mul_pd(side, vn); /* 2^-30 cl n */
		nth = _mm512_castsi512_pd(_mm512_xor_si512(_mm512_castpd_si512(th), sign));
		pos |= (uint64_t)_mm512_cmp_pd_mask(d, th, _CMP_GT_OQ) << j;
		neg |= (uint64_t)_mm512_cmp_pd_mask(d, nth, _CMP_LT_OQ) << j;
		in2 |= (uint64_t)_mm512_cmp_pd_mask(dd, _mm512_mul_pd(tw, k4lo), _CMP_LT_OQ) << j;
		out2 |= (uint64_t)_mm512_cmp_pd_mask(dd, _mm512_mul_pd(tw, k4hi), _CMP_GT_OQ) << j;
		in3 |= (uint64_t)_mm512_cmp_pd_mask(dd, _mm512_mul_pd(tw, k9lo), _CMP_LT_OQ) << j;
		out3 |= (uint64_t)_mm512_cmp_pd_mask(dd, _mm512_mul_pd(tw, k9hi), _CMP_GT_OQ) << j;
	}
	{
		uint64_t c = out2 & in3;

		sure = (pos | neg) & (in2 | c | out3) & all;
		k->a = pos & sure;
		k->b = neg & sure;
		k->h = out3 & pos & sure;
		k->l = out3 & neg & sure;
		k->c = c & sure;
	}
	if (sure != all)
		ratio_exact(q, y, n, ~sure & all, k);
}

__attribute__((target("avx512f,bmi2"))) static void
ratio_block_avx512(const struct rq *q, const double *y, const double *n, size_t nv, struct masks *k)
{
	if (q->pchart)
		ratio_block_avx512_body(q, y, n, nv, k, 1);
	else
		ratio_block_avx512_body(q, y, n, nv, k, 0);
}
#endif

/* The flags of a ratio result's points i .. i+nv (nv <= 64). */
static void ratio_block(const struct spc_result *r, const struct rq *q, size_t i, size_t nv,
                        struct masks *k)
{
	const double *y = r->ynum + i, *n = r->yden + i;

#if defined(LEAN_AVX)
	if (r->avx512 && q->trust) {
		ratio_block_avx512(q, y, n, nv, k);
		return;
	}
	if (r->avx) {
		ratio_block_avx(q, y, n, nv, k);
		return;
	}
#endif
	memset(k, 0, sizeof(*k));
	ratio_exact(q, y, n, valid_bits(nv), k);
}

/* ---- Making Data Count ---- */

/* The carries from one block to the next: the windows found in it. */
struct mdc_carry {
	uint64_t ra, rb, ru, rd, wa, wb;
};

/* One block (points g ...) from its masks and the next block's (zero after
 * the last block), with the run lengths S and T. */
static inline __attribute__((always_inline)) void
mdc_block(struct spc_result *r, size_t g, const struct masks *cur, const struct masks *nxt,
          struct mdc_carry *cy, const int S, const int T)
{
	uint64_t lo, hi, fa, fb, fu, fd, su, sd, sun, sdn, x, step, two3;

	/* shift: runs of S on one side */
	lo = cur->a;
	hi = nxt->a;
	windows(&lo, &hi, S);
	fa = spread(cy->ra, lo, S);
	cy->ra = lo;
	lo = cur->b;
	hi = nxt->b;
	windows(&lo, &hi, S);
	fb = spread(cy->rb, lo, S);
	cy->rb = lo;
	/* trend: T - 1 steps the same way; step = the step to the next point */
	step = fsr(cur->u, nxt->u, 1);
	lo = step;
	hi = nxt->u >> 1;
	windows(&lo, &hi, T - 1);
	fu = spread(cy->ru, lo, T);
	su = lo & ~cur->u; /* trends that start here (not one step longer) */
	sun = hi & ~nxt->u & 1;
	cy->ru = lo;
	lo = fsr(cur->d, nxt->d, 1);
	hi = nxt->d >> 1;
	windows(&lo, &hi, T - 1);
	fd = spread(cy->rd, lo, T);
	sd = lo & ~cur->d;
	sdn = hi & ~nxt->d & 1;
	cy->rd = lo;
	x = (fsr(su | sd, sun | sdn, 1) & (fu | fd)) | (fu & fd);
	fu = (fu & ~x) | (x & step);
	fd = (fd & ~x) | (x & ~step);
	/* two of three beyond 2 sigma on one side */
	{
		uint64_t ca = cur->c & cur->a, can = nxt->c & nxt->a;
		uint64_t cb = cur->c & cur->b, cbn = nxt->c & nxt->b;
		uint64_t c1 = fsr(ca, can, 1), c2 = fsr(ca, can, 2);
		uint64_t d1 = fsr(cb, cbn, 1), d2 = fsr(cb, cbn, 2);
		uint64_t ea = cur->a & fsr(cur->a, nxt->a, 1) & fsr(cur->a, nxt->a, 2) &
		              ((ca & c1) | (ca & c2) | (c1 & c2));
		uint64_t eb = cur->b & fsr(cur->b, nxt->b, 1) & fsr(cur->b, nxt->b, 2) &
		              ((cb & d1) | (cb & d2) | (d1 & d2));

		two3 = (spread(cy->wa, ea, 3) & ca) | (spread(cy->wb, eb, 3) & cb);
		cy->wa = ea;
		cy->wb = eb;
	}
	put_flags(r, g, cur);
	put_bits(r, SPC__P_SHIFT, g, fa | fb);
	put_bits(r, SPC__P_TWO3, g, two3);
	put_bits(r, SPC__P_UP, g, fu);
	put_bits(r, SPC__P_DOWN, g, fd);
}

/* The pass with the run lengths S and T; inlined with the default lengths
 * as constants (the doubling steps then unrolled), and with any others. A
 * part of one block (the common short series) has no next block: its
 * masks are the constant zero, and what depends on them folds away. */
static inline __attribute__((always_inline)) void mdc_pass(struct spc_result *r, size_t part,
                                                           const int S, const int T)
{
	const struct spc_part *p = &r->parts[part];
	const double *y = r->y + p->first;
	size_t n = p->count, nb = (n + 63) / 64, q;
	struct mdc_carry cy = {0, 0, 0, 0, 0, 0};
	const struct masks none = {0, 0, 0, 0, 0, 0, 0};
	struct masks cur, nxt;
	struct lims l;

	lims_of(r, part, &l);
	block_masks(r, y, n < 64 ? n : 64, NAN, &l, &cur);
	if (nb == 1) {
		mdc_block(r, p->first, &cur, &none, &cy, S, T);
		return;
	}
	for (q = 0; q < nb; q++) {
		if (q + 1 < nb) {
			size_t i = 64 * (q + 1);

			block_masks(r, y + i, n - i < 64 ? n - i : 64, y[i - 1], &l, &nxt);
		} else {
			nxt = none;
		}
		mdc_block(r, p->first + 64 * q, &cur, &nxt, &cy, S, T);
		cur = nxt;
	}
}

static void mdc_part(struct spc_result *r, size_t part)
{
	if (r->opt.shift_len == 7 && r->opt.trend_len == 7)
		mdc_pass(r, part, 7, 7);
	else
		mdc_pass(r, part, r->opt.shift_len, r->opt.trend_len);
}

/* ---- Anhoej ---- */

struct runs {
	long useful, runs, longest, cur;
	int prev; /* side of the last useful point, 0 before the first */
};

/* One block of sides (a above, u useful, nv points). When every point is
 * useful (the common case) without a branch on the sides: the first run
 * continues the last block's when it is on the same side, the transitions
 * count the runs, and the longest run inside the block comes from its
 * bits. */
static void runs_block(struct runs *s, uint64_t a, uint64_t u, size_t nv)
{
	uint64_t ok = valid_bits(nv);

	if (u == ok) {
		int s0 = (a & 1) ? 1 : -1, sl = (a >> (nv - 1)) & 1 ? 1 : -1, same = s0 == s->prev;
		uint64_t same0 = s0 > 0 ? a : ~a & ok, samel = sl > 0 ? a : ~a & ok;
		int lead = same0 == ~0ULL ? 64 : __builtin_ctzll(~same0);
		/* (| 1: defined when the whole block is one run, then unused) */
		int trail = __builtin_clzll(~(samel << (64 - nv)) | 1);
		int t = popcount64((a ^ (a >> 1)) & (ok >> 1)), in = longest_ones2(a, ~a & ok);
		long first = (same ? s->cur : 0) + lead;

		s->useful += (long)nv;
		s->runs += !same + t;
		s->longest = first > s->longest ? first : s->longest;
		s->longest = in > s->longest ? in : s->longest;
		/* one run over the whole block goes on; else the last one */
		s->cur = t ? trail : first;
		s->prev = sl;
		return;
	}
	{
		size_t j;

		for (j = 0; j < nv; j++) {
			int sd;

			if (!((u >> j) & 1))
				continue;
			sd = (a >> j) & 1 ? 1 : -1;
			s->useful++;
			if (sd != s->prev) {
				s->runs++;
				s->cur = 0;
				s->prev = sd;
			}
			if (++s->cur > s->longest)
				s->longest = s->cur;
		}
	}
}

/* Sets bits from .. to (inclusive) of a part-relative bitmap. */
static void set_range(uint64_t *m, size_t from, size_t to)
{
	size_t w;

	for (w = from >> 6; w <= to >> 6; w++) {
		uint64_t bits = ~0ULL;

		if (w == from >> 6)
			bits &= ~0ULL << (from & 63);
		if (w == to >> 6)
			bits &= ~0ULL >> (63 - (to & 63));
		m[w] |= bits;
	}
}

/* Whether x has a run of at least len set bits (1 <= len <= 64). */
static int has_run(uint64_t x, int len)
{
	uint64_t hi = 0;

	windows(&x, &hi, len);
	return x != 0;
}

/* The useful points of the runs longer than thr. A block whose points are
 * all useful is walked from transition to transition, or only at its ends
 * when no run inside it can be long enough. */
static void mark_long_runs(struct spc_result *r, const struct spc_part *p, const uint64_t *ma,
                           const uint64_t *mu, uint64_t *mark, long thr)
{
	size_t n = p->count, nb = (n + 63) / 64, q, start = 0;
	long len = 0;
	int prev = 0;

	for (q = 0; q < nb; q++) {
		size_t nv = n - 64 * q < 64 ? n - 64 * q : 64, base = 64 * q, j;
		uint64_t a = ma[q], u = mu[q], ok = valid_bits(nv);

		if (u == ok) {
			uint64_t t = (a ^ (a >> 1)) & (ok >> 1);
			int s0 = (a & 1) ? 1 : -1;

			if (s0 != prev) {
				if (prev && len > thr)
					set_range(mark, start, base - 1);
				start = base;
				len = 0;
				prev = s0;
			}
			if (!t) {
				len += (long)nv;
				continue;
			}
			if (thr < 64 &&
			    (has_run(a, (int)thr + 1) || has_run(~a & ok, (int)thr + 1))) {
				j = 0;
				while (t) {
					size_t e = (size_t)__builtin_ctzll(t);

					t &= t - 1;
					len += (long)(e + 1 - j);
					if (len > thr)
						set_range(mark, start, base + e);
					start = base + e + 1;
					len = 0;
					prev = -prev;
					j = e + 1;
				}
				len = (long)(nv - j);
			} else {
				/* the first run ends at the first transition, the last
				 * starts after the last one; none between is long */
				size_t e0 = (size_t)__builtin_ctzll(t),
				       e1 = 63 - (size_t)__builtin_clzll(t);

				len += (long)(e0 + 1);
				if (len > thr)
					set_range(mark, start, base + e0);
				start = base + e1 + 1;
				len = (long)(nv - e1 - 1);
				prev = (a >> (nv - 1)) & 1 ? 1 : -1;
			}
			continue;
		}
		for (j = 0; j < nv; j++) {
			int sd;

			if (!((u >> j) & 1))
				continue;
			sd = (a >> j) & 1 ? 1 : -1;
			if (sd != prev) {
				if (prev && len > thr)
					set_range(mark, start, base + j - 1);
				start = base + j;
				len = 0;
				prev = sd;
			}
			len++;
		}
	}
	if (prev && len > thr)
		set_range(mark, start, n - 1);
	for (q = 0; q < nb; q++)
		put_bits(r, SPC__P_LONG_RUN, p->first + 64 * q, mark[q] & mu[q]);
}

/* What a part's blocks need for their flags. */
struct flagger {
	struct lims l;
	struct rq q;
	int sides_only; /* no limits (a run chart): the sides alone */
};

static void flagger_of(const struct spc_result *r, size_t part, struct flagger *fl)
{
	lims_of(r, part, &fl->l);
	if (!r->y)
		rq_of(r, part, &fl->q);
	fl->sides_only =
	        isnan(fl->l.lcl) && isnan(fl->l.ucl) && isnan(fl->l.lcl2) && isnan(fl->l.ucl2);
}

/* The flags of points i .. i+nv (nv <= 64) of a part, into the planes and
 * k (whose u and d are not set). */
static void flag_block(struct spc_result *r, const struct flagger *fl, size_t i, size_t nv,
                       struct masks *k)
{
	if (!r->y) {
		ratio_block(r, &fl->q, i, nv, k);
	} else if (fl->sides_only) {
		memset(k, 0, sizeof(*k));
		block_sides(r, r->y + i, nv, fl->l.cl0, &k->a, &k->b);
	} else {
		block_masks(r, r->y + i, nv, NAN, &fl->l, k);
	}
	put_flags(r, i, k);
}

/* A part without rules: its flags alone. */
static void flags_part(struct spc_result *r, size_t part)
{
	const struct spc_part *p = &r->parts[part];
	struct flagger fl;
	struct masks k;
	size_t q;

	flagger_of(r, part, &fl);
	for (q = 0; 64 * q < p->count; q++)
		flag_block(r, &fl, p->first + 64 * q,
		           p->count - 64 * q < 64 ? p->count - 64 * q : 64, &k);
}

static int anhoej_part(struct spc_result *r, size_t part, struct spc__pool *tmp)
{
	struct spc_part *p = &r->parts[part];
	size_t n = p->count, nb = (n + 63) / 64, q;
	struct runs s = {0, 0, 0, 0, 0};
	uint64_t *ma, *mu, *mark, local[3 * 9];
	struct flagger fl;

	/* the masks of a part of up to 8 blocks on the stack */
	ma = nb <= 8 ? local : spc__alloc_lazy(tmp, 3 * (nb + 1) * sizeof(uint64_t), 0);
	if (!ma)
		return CO_ENOMEM;
	mu = ma + nb + 1;
	mark = mu + nb + 1;
	flagger_of(r, part, &fl);
	for (q = 0; q < nb; q++) {
		size_t nv = n - 64 * q < 64 ? n - 64 * q : 64;
		struct masks k;

		flag_block(r, &fl, p->first + 64 * q, nv, &k);
		ma[q] = k.a;
		mu[q] = k.a | k.b;
		runs_block(&s, k.a, k.a | k.b, nv);
	}
	p->n_obs = (long)n;
	p->n_useful = s.useful;
	if (!s.useful)
		return 0; /* the statistics stay 0, as the result was cleared */
	p->longest_run = s.longest;
	p->longest_run_max = spc__longest_run_max(r, s.useful);
	p->crossings = s.runs - 1;
	p->crossings_min = spc__crossings_min(r, s.useful);
	p->runs_signal = spc__runs_signal(s.useful, p->crossings, s.longest, r->opt.method,
	                                  p->crossings_min, p->longest_run_max) &&
	                 !r->runs_off;
	if (p->runs_signal) {
		long lmax = p->longest_run_max;
		int long_run = s.longest > lmax, few = p->crossings < p->crossings_min;

		if (!long_run && !few)
			long_run = few = 1;
		r->pfew[part] = (unsigned char)few;
		if (long_run && nb == 1 && mu[0] == valid_bits(n)) {
			/* one block, every point useful: the points covered by
			 * windows of thr + 1 on one side, as in Making Data Count */
			int len = (int)(s.longest > lmax ? lmax : s.longest - 1) + 1;
			uint64_t wa = ma[0], wb = ~ma[0] & mu[0], h0 = 0, h1 = 0;

			windows(&wa, &h0, len);
			windows(&wb, &h1, len);
			put_bits(r, SPC__P_LONG_RUN, p->first,
			         (spread(0, wa, len) | spread(0, wb, len)) & mu[0]);
		} else if (long_run) {
			memset(mark, 0, (nb + 1) * sizeof(uint64_t));
			mark_long_runs(r, p, ma, mu, mark, s.longest > lmax ? lmax : s.longest - 1);
		}
	}
	return 0;
}

/* ---- the entry points ---- */

int spc__lean_ok(const struct spc_options *o)
{
	if (o->profile != SPC_PROFILE_NONE)
		return 0;
	if (o->freeze > 0 || o->fix_after > 0 || o->nexclude)
		return 0;
	/* P and U charts as ratio results (spc.c decides), without the rules
	 * that need each point's limits in the pass */
	if (spc__varying_limits(o))
		return (o->chart == SPC_CHART_P || o->chart == SPC_CHART_U) &&
		       (o->rules == SPC_RULES_ANHOEJ || o->rules == SPC_RULES_NONE);
	switch (o->rules) {
	case SPC_RULES_NONE:
	case SPC_RULES_ANHOEJ: return 1;
	case SPC_RULES_MDC:
		return o->shift_len >= 1 && o->shift_len <= 64 && o->trend_len >= 3 &&
		       o->trend_len <= 64;
	default: return 0;
	}
}

int spc__lean_alloc(struct spc_result *r)
{
	size_t words = r->np / 64 + 2;

	/* the rules' planes, then the flags' */
	r->fplane = r->opt.rules == SPC_RULES_MDC ? 4 : r->opt.rules == SPC_RULES_ANHOEJ ? 1 : 0;
	r->nplanes = r->fplane + SPC__P_NFLAGS;
	r->lean = 1;
	r->plane = spc__alloc_lazy(&r->mem, words * (size_t)r->nplanes * sizeof(uint64_t), 1);
	if (!r->plane)
		return CO_ENOMEM;
	r->pfew = spc__calloc(&r->mem, r->nparts + 1, 1);
	return r->pfew ? 0 : CO_ENOMEM;
}

int spc__lean_rules_part(struct spc_result *r, size_t part, struct spc__pool *tmp)
{
	if (!r->parts[part].count)
		return 0;
	switch (r->opt.rules) {
	case SPC_RULES_MDC: mdc_part(r, part); return 0;
	case SPC_RULES_ANHOEJ: return anhoej_part(r, part, tmp);
	default: flags_part(r, part); return 0;
	}
}

uint32_t spc__lean_sig(const struct spc_result *r, size_t i, size_t part)
{
	const uint64_t *w = &r->plane[(i >> 6) * (size_t)r->nplanes + (size_t)r->fplane];
	unsigned sh = (unsigned)(i & 63);
	uint32_t f = SPC__F_BASE | SPC__F_INCLUDE, above, below, hi, lo, close;
	int s;

	/* the flags the run put in the planes, without branches */
	above = (uint32_t)(w[SPC__P_ABOVE] >> sh) & 1;
	below = (uint32_t)(w[SPC__P_BELOW] >> sh) & 1;
	hi = (uint32_t)(w[SPC__P_HIGH] >> sh) & 1;
	lo = (uint32_t)(w[SPC__P_LOW] >> sh) & 1;
	close = (uint32_t)(w[SPC__P_CLOSE] >> sh) & 1;
	s = (int)above - (int)below;
	f |= (above * SPC__F_ABOVE) | (below * SPC__F_BELOW) | ((hi | lo) * SPC__F_SIGMA) |
	     (hi * SPC_SIG_ABOVE_UCL) | (lo * SPC_SIG_BELOW_LCL) | (close * SPC__F_CLOSE);
	switch (r->opt.rules) {
	case SPC_RULES_NONE: f &= ~(SPC_SIG_ABOVE_UCL | SPC_SIG_BELOW_LCL); break;
	case SPC_RULES_MDC: /* a shift or two of three on the side of the point (below at 0) */
		f |= (uint32_t)get_bit(r, SPC__P_SHIFT, i) *
		     (above * SPC_SIG_SHIFT_ABOVE + !above * SPC_SIG_SHIFT_BELOW);
		f |= (uint32_t)get_bit(r, SPC__P_TWO3, i) *
		     (above * SPC_SIG_TWO_OF_THREE_HIGH + !above * SPC_SIG_TWO_OF_THREE_LOW);
		f |= (uint32_t)get_bit(r, SPC__P_UP, i) * SPC_SIG_TREND_UP;
		f |= (uint32_t)get_bit(r, SPC__P_DOWN, i) * SPC_SIG_TREND_DOWN;
		break;
	case SPC_RULES_ANHOEJ:
		f |= (uint32_t)get_bit(r, SPC__P_LONG_RUN, i) * SPC_SIG_LONG_RUN;
		f |= (uint32_t)(r->pfew[part] != 0 && s != 0) * SPC_SIG_FEW_CROSSINGS;
		break;
	default: break;
	}
	return f;
}

unsigned spc__lean_mdc_bits(const struct spc_result *r, size_t i, int *above)
{
	const uint64_t *w = &r->plane[(i >> 6) * (size_t)r->nplanes], *fl = w + r->fplane;
	unsigned sh = (unsigned)(i & 63);

	*above = (int)((fl[SPC__P_ABOVE] >> sh) & 1);
	return (unsigned)((w[SPC__P_SHIFT] >> sh) & 1) |
	       (unsigned)((w[SPC__P_TWO3] >> sh) & 1) << 1 |
	       (unsigned)((w[SPC__P_DOWN] >> sh) & 1) << 2 |
	       (unsigned)((w[SPC__P_UP] >> sh) & 1) << 3 |
	       (unsigned)(((fl[SPC__P_HIGH] | fl[SPC__P_LOW]) >> sh) & 1) << 4;
}

int spc__lean_dir(const struct spc_result *r, size_t i)
{
	const uint64_t *w = &r->plane[(i >> 6) * (size_t)r->nplanes], *fl = w + r->fplane;
	unsigned sh = (unsigned)(i & 63);
	/* outside the limits or in a long run (Anhoej); without rules none */
	uint64_t sig = (fl[SPC__P_HIGH] | fl[SPC__P_LOW]) |
	               (r->opt.rules == SPC_RULES_ANHOEJ ? w[SPC__P_LONG_RUN] : 0);
	int side = (int)((fl[SPC__P_ABOVE] >> sh) & 1) - (int)((fl[SPC__P_BELOW] >> sh) & 1);

	return r->opt.rules == SPC_RULES_NONE ? 0 : (int)((sig >> sh) & 1) * side;
}
