/*
 * lean.c - a lean result: the rule passes of the common charts over bit
 * masks, 64 points at a time, keeping one bit per point per rule.
 *
 * When every point is in the baseline, the profile is Collective's own, the
 * limits are constant over each part and the rule set is Making Data Count,
 * Anhoej or none (spc__lean_ok()), the result keeps no signal word per
 * point. What a point's word would hold is rebuilt by spc__sig() from its
 * value and its part's limits (side of the centre line, outside the limits,
 * beyond 2 sigma) and from the bit planes below (the rules that need the
 * neighbours). The word is the same, bit for bit, as the general passes in
 * rules.c make it; tests/unit/test_spc.c compares the two on random series.
 *
 * Bit planes. plane[w * nplanes + k] holds bit (i mod 64) of point i = 64w
 * + ... for rule k: Making Data Count keeps shift, two of three, trend up
 * and trend down (the side of a shift or two-of-three comes from the point),
 * Anhoej keeps long_run (few_crossings is a per-part flag on every useful
 * point).
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

/* the longer of the longest runs of set bits of x and of z, together */
static int longest_ones2(uint64_t x, uint64_t z)
{
	int k = 0;

	while (x | z) {
		x &= x >> 1;
		z &= z >> 1;
		k++;
	}
	return k;
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

	if (!(prev | cur))
		return 0;
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
 * plane. */
static void put_bits(struct spc_result *r, int k, size_t g, uint64_t bits)
{
	size_t w = g >> 6;
	unsigned sh = (unsigned)(g & 63);

	if (!bits)
		return;
	r->plane[w * (size_t)r->nplanes + (size_t)k] |= bits << sh;
	if (sh)
		r->plane[(w + 1) * (size_t)r->nplanes + (size_t)k] |= bits >> (64 - sh);
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
	uint64_t a, b, c, u, d;
};

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

/* The points of c (beyond 2 sigma) that are inside the limits: "close".
 * Few points are beyond 2 sigma, so they are looked at one by one. */
static uint64_t not_outside(const double *y, uint64_t c, const struct lims *l)
{
	uint64_t t = c;

	while (t) {
		size_t i = (size_t)__builtin_ctzll(t);
		double vm = y[i] * l->m;

		t &= t - 1;
		if ((vm > l->ucl) | (vm < l->lcl))
			c &= ~(1ULL << i);
	}
	return c;
}

/* Points y[0 .. nv) (nv <= 64); prev is the value before the first, NAN at
 * the start of a part. block_sides() gives a and b only. */
static void block_masks_sse2(const double *y, size_t nv, double prev, const struct lims *l,
                             struct masks *k)
{
	uint64_t a = 0, b = 0, c = 0, u = 0, d = 0, ok = valid_bits(nv);
	size_t j = 0;

#if defined(__SSE2__)
	const __m128d cl = _mm_set1_pd(l->cl0), m = _mm_set1_pd(l->m);
	const __m128d lcl2 = _mm_set1_pd(l->lcl2), ucl2 = _mm_set1_pd(l->ucl2);
	__m128d pv = _mm_set1_pd(prev);

#define MASKS(v, p, bits, sh)                                                                      \
	do {                                                                                       \
		__m128d vm_ = _mm_mul_pd((v), m);                                                  \
		__m128d near_ = _mm_or_pd(_mm_cmplt_pd(vm_, lcl2), _mm_cmpgt_pd(vm_, ucl2));       \
		(bits)[0] |= (unsigned)_mm_movemask_pd(_mm_cmpgt_pd((v), cl)) << (sh);             \
		(bits)[1] |= (unsigned)_mm_movemask_pd(_mm_cmplt_pd((v), cl)) << (sh);             \
		(bits)[2] |= (unsigned)_mm_movemask_pd(near_) << (sh);                             \
		(bits)[3] |= (unsigned)_mm_movemask_pd(_mm_cmpgt_pd((v), (p))) << (sh);            \
		(bits)[4] |= (unsigned)_mm_movemask_pd(_mm_cmplt_pd((v), (p))) << (sh);            \
	} while (0)
	for (; j + 3 < nv; j += 4) {
		__m128d v0 = _mm_loadu_pd(y + j), v1 = _mm_loadu_pd(y + j + 2);
		unsigned bits[5] = {0, 0, 0, 0, 0};

		MASKS(v0, _mm_shuffle_pd(pv, v0, 1), bits, 0);
		MASKS(v1, _mm_shuffle_pd(v0, v1, 1), bits, 2);
		a |= (uint64_t)bits[0] << j;
		b |= (uint64_t)bits[1] << j;
		c |= (uint64_t)bits[2] << j;
		u |= (uint64_t)bits[3] << j;
		d |= (uint64_t)bits[4] << j;
		pv = v1;
	}
	for (; j < nv; j += 2) { /* the last one to three points; beyond nv masked */
		__m128d v0 = j + 1 < nv ? _mm_loadu_pd(y + j) : _mm_load_sd(y + j);
		unsigned bits[5] = {0, 0, 0, 0, 0};

		MASKS(v0, _mm_shuffle_pd(pv, v0, 1), bits, 0);
		a |= (uint64_t)bits[0] << j;
		b |= (uint64_t)bits[1] << j;
		c |= (uint64_t)bits[2] << j;
		u |= (uint64_t)bits[3] << j;
		d |= (uint64_t)bits[4] << j;
		pv = v0;
	}
#undef MASKS
	c = not_outside(y, c & valid_bits(nv), l);
#else
	for (; j < nv; j++) {
		double v = y[j], vm = v * l->m;
		int out = (vm > l->ucl) | (vm < l->lcl);
		int near = (vm < l->lcl2) | (vm > l->ucl2);

		a |= (uint64_t)(v > l->cl0) << j;
		b |= (uint64_t)(v < l->cl0) << j;
		c |= (uint64_t)(!out & near) << j;
		u |= (uint64_t)(v > prev) << j;
		d |= (uint64_t)(v < prev) << j;
		prev = v;
	}
#endif
	k->a = a & ok;
	k->b = b & ok;
	k->c = c & ok;
	k->u = u & ok;
	k->d = d & ok;
}

/* A ratio result's values of points i .. i+nv (spc__y()). */
static void ratios(const struct spc_result *r, size_t i, size_t nv, double *out)
{
	const double *y = r->ynum + i, *n = r->yden + i;
	size_t j = 0;

#if defined(__SSE2__)
	const __m128d zero = _mm_setzero_pd();

	for (; j + 1 < nv; j += 2)
		_mm_storeu_pd(out + j, _mm_div_pd(_mm_add_pd(zero, _mm_loadu_pd(y + j)),
		                                  _mm_add_pd(zero, _mm_loadu_pd(n + j))));
#endif
	for (; j < nv; j++)
		out[j] = (0.0 + y[j]) / (0.0 + n[j]);
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
	uint64_t a = 0, b = 0, c = 0, u = 0, d = 0;
	const __m256d cl = _mm256_set1_pd(l->cl0), m = _mm256_set1_pd(l->m);
	const __m256d lcl2 = _mm256_set1_pd(l->lcl2), ucl2 = _mm256_set1_pd(l->ucl2);
	const __m256d lcl = _mm256_set1_pd(l->lcl), ucl = _mm256_set1_pd(l->ucl);
	size_t j = 0;

	/* c: beyond 2 sigma and not outside the limits, in the same pass */
#define MASKS4(p)                                                                                  \
	do {                                                                                       \
		__m256d v_ = _mm256_loadu_pd(y + j), p_ = (p), vm_ = _mm256_mul_pd(v_, m);         \
		__m256d out_ = _mm256_or_pd(_mm256_cmp_pd(vm_, ucl, _CMP_GT_OQ),                   \
		                            _mm256_cmp_pd(vm_, lcl, _CMP_LT_OQ));                  \
		a |= (uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(v_, cl, _CMP_GT_OQ)) << j;         \
		b |= (uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(v_, cl, _CMP_LT_OQ)) << j;         \
		u |= (uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(v_, p_, _CMP_GT_OQ)) << j;         \
		d |= (uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(v_, p_, _CMP_LT_OQ)) << j;         \
		c |= (uint64_t)_mm256_movemask_pd(_mm256_andnot_pd(                                \
		             out_, _mm256_or_pd(_mm256_cmp_pd(vm_, lcl2, _CMP_LT_OQ),              \
		                                _mm256_cmp_pd(vm_, ucl2, _CMP_GT_OQ))))            \
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
		int out = (vm > l->ucl) | (vm < l->lcl);

		a |= (uint64_t)(v > l->cl0) << j;
		b |= (uint64_t)(v < l->cl0) << j;
		u |= (uint64_t)(v > prev) << j;
		d |= (uint64_t)(v < prev) << j;
		c |= (uint64_t)((out ^ 1) & ((vm < l->lcl2) | (vm > l->ucl2))) << j;
		prev = v;
	}
	k->a = a;
	k->b = b;
	k->c = c;
	k->u = u;
	k->d = d;
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
/* A ratio result's sides (spc__y() against the centre) of points i ..
 * i+nv, four quotients at a time; the sign of a zero changes no
 * comparison, so (0.0 + y) / (0.0 + n) compares as y / n. */
__attribute__((target("avx"))) static void
ratio_sides_avx(const double *y, const double *n, size_t nv, double cl0, uint64_t *pa, uint64_t *pb)
{
	uint64_t a = 0, b = 0;
	const __m256d cl = _mm256_set1_pd(cl0);
	size_t j = 0;

	for (; j + 3 < nv; j += 4) {
		__m256d v = _mm256_div_pd(_mm256_loadu_pd(y + j), _mm256_loadu_pd(n + j));

		a |= (uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(v, cl, _CMP_GT_OQ)) << j;
		b |= (uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(v, cl, _CMP_LT_OQ)) << j;
	}
	for (; j < nv; j++) {
		double v = (0.0 + y[j]) / (0.0 + n[j]);

		a |= (uint64_t)(v > cl0) << j;
		b |= (uint64_t)(v < cl0) << j;
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
	const struct masks none = {0, 0, 0, 0, 0};
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

/* One block of sides (a above, u useful, nv points). */
static void runs_block(struct runs *s, uint64_t a, uint64_t u, size_t nv)
{
	uint64_t ok = valid_bits(nv);

	if (u == ok) {
		int s0 = (a & 1) ? 1 : -1, sl, lead, trail, k;
		uint64_t same0 = s0 > 0 ? a : ~a & ok, samel;

		s->useful += (long)nv;
		lead = ~same0 ? __builtin_ctzll(~same0) : 64;
		if ((size_t)lead >= nv) {
			if (s0 == s->prev) {
				s->cur += (long)nv;
			} else {
				s->runs++;
				s->cur = (long)nv;
				s->prev = s0;
			}
			if (s->cur > s->longest)
				s->longest = s->cur;
			return;
		}
		if (s0 == s->prev) {
			s->cur += lead;
		} else {
			s->runs++;
			s->cur = lead;
		}
		if (s->cur > s->longest)
			s->longest = s->cur;
		s->runs += popcount64((a ^ (a >> 1)) & (ok >> 1));
		if (s->longest < 64) {
			k = longest_ones2(a, ~a & ok);
			if (k > s->longest)
				s->longest = k;
		}
		sl = (a >> (nv - 1)) & 1 ? 1 : -1;
		samel = sl > 0 ? a : ~a & ok;
		trail = __builtin_clzll(~samel << (64 - nv));
		s->cur = trail;
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

static int anhoej_part(struct spc_result *r, size_t part, struct spc__pool *tmp)
{
	struct spc_part *p = &r->parts[part];
	const double *y = r->y ? r->y + p->first : NULL;
	double ratio[64];
	size_t n = p->count, nb = (n + 63) / 64, q;
	struct runs s = {0, 0, 0, 0, 0};
	uint64_t *ma, *mu, *mark, local[3 * 9];
	struct lims l;

	/* the masks of a part of up to 8 blocks on the stack */
	ma = nb <= 8 ? local : spc__alloc_lazy(tmp, 3 * (nb + 1) * sizeof(uint64_t), 0);
	if (!ma)
		return CO_ENOMEM;
	mu = ma + nb + 1;
	mark = mu + nb + 1;
	lims_of(r, part, &l);
	for (q = 0; q < nb; q++) {
		size_t nv = n - 64 * q < 64 ? n - 64 * q : 64;
		uint64_t a, b;

		if (y) {
			block_sides(r, y + 64 * q, nv, l.cl0, &a, &b);
#if defined(LEAN_AVX)
		} else if (r->avx) {
			size_t i = p->first + 64 * q;

			ratio_sides_avx(r->ynum + i, r->yden + i, nv, l.cl0, &a, &b);
#endif
		} else {
			ratios(r, p->first + 64 * q, nv, ratio);
			block_sides(r, ratio, nv, l.cl0, &a, &b);
		}
		ma[q] = a;
		mu[q] = a | b;
		runs_block(&s, a, a | b, nv);
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
		if (long_run) {
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

	r->nplanes = r->opt.rules == SPC_RULES_MDC ? 4 : r->opt.rules == SPC_RULES_ANHOEJ ? 1 : 0;
	r->lean = 1;
	if (r->nplanes) {
		r->plane =
		        spc__alloc_lazy(&r->mem, words * (size_t)r->nplanes * sizeof(uint64_t), 1);
		if (!r->plane)
			return CO_ENOMEM;
	}
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
	default: return 0;
	}
}

uint32_t spc__lean_sig(const struct spc_result *r, size_t i, size_t part)
{
	struct spc__lim l0;

	/* constant limits straight from the part's, not through a copy: the
	 * run reads them just after they are stored (one double at a time),
	 * and a wider load of them waits for the stores to reach the cache */
	if (!r->cl && !r->ynum)
		return spc__lean_word(r, i, part, &r->plim[part]);
	spc__limits_in(r, i, part, &l0);
	return spc__lean_word(r, i, part, &l0);
}

uint32_t spc__lean_word(const struct spc_result *r, size_t i, size_t part,
                        const struct spc__lim *l0p)
{
	struct lims l;
	double v = spc__y(r, i), vm;
	uint32_t f = SPC__F_BASE | SPC__F_INCLUDE, above, below, hi, lo, close;
	int s;

	/* field by field (see spc__lean_sig()) */
	l.cl0 = l0p->cl;
	l.m = r->opt.multiply;
	l.lcl = l0p->lcl * l.m;
	l.ucl = l0p->ucl * l.m;
	l.lcl2 = l0p->lcl2 * l.m;
	l.ucl2 = l0p->ucl2 * l.m;
	vm = v * l.m;
	/* without branches: the side of a point is as likely one way as the
	 * other, and this runs for the last point of every series in the run */
	above = v > l.cl0;
	below = v < l.cl0;
	s = (int)above - (int)below;
	hi = vm > l.ucl;
	lo = (hi ^ 1u) & (vm < l.lcl);
	close = ((hi | lo) ^ 1u) & ((vm < l.lcl2) | (vm > l.ucl2));
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
