/*
 * rules.c - the rule sets: which points are special, why, and what that
 * means for the team (improvement, concern, neutral).
 *
 * Anhoej (Anhoej and Olesen 2014; Anhoej 2015): within each part, over the
 * included points not on the CL, a run longer than round(log2(n)) + 3 or
 * fewer crossings than qbinom(0.05, n - 1, 0.5) signals a shift. The bestbox
 * and cutbox variants (Anhoej 2018, "Diagnostic value of run chart analysis")
 * replace those limits by the tabulated best box and cut box for 10 <= n <=
 * 100. Control charts add the 3-sigma rule.
 *
 * Making Data Count (NHS England, "Making Data Count", 2019; as
 * NHSRplotthedots 0.2.2 computes it): within each part, a point outside the
 * limits; a trend of trend_len points each higher (or lower) than the one
 * before; two of three consecutive points beyond 2 sigma on the same side of
 * the mean (the point itself beyond 2 sigma but inside the limits); a shift
 * of shift_len points on one side of the mean (a point on the mean breaks
 * it). A point takes the first that applies in that order; its direction and
 * the improvement direction make it improvement, concern or neutral.
 *
 * IHI run-chart rules (Perla, Provost and Murray 2011): shift of shift_len
 * points on one side of the median (points on the median skipped), trend of
 * trend_len points rising or falling (repeated values skipped), too few or
 * too many runs (two-sided 5 % limits of the exact runs distribution, Swed
 * and Eisenhart 1943), and an astronomical point: outside the 3-sigma limits
 * (run charts: the median -/+ 3 mean moving range / 1.128).
 *
 * Western Electric (1956) 1-4 and Nelson (1984) 1-8 with the zones as thirds
 * of the distance from the centre line to each limit.
 *
 * qcc: points beyond the limits; runs of run_length or more points on one
 * side of the centre, each point from the run_length-th on flagged.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "spc/spc_int.h"

/* Anhoej's best box and cut box for n = 10..100 useful points: crossings
 * at least cb and longest run at most lb; on the border of the cut box
 * (cbord, lbord; 0 where there is none) the mixed limits apply. */
static const unsigned char box_cb[91] = {
        2,  3,  3,  3,  3,  4,  5,  5,  5,  5,  6,  7,  6,  6,  6,  6,  9,  9,  9,  10, 11, 11, 11,
        11, 11, 12, 13, 14, 13, 15, 15, 15, 14, 14, 17, 17, 17, 17, 19, 19, 19, 19, 19, 21, 21, 21,
        21, 23, 23, 23, 23, 23, 25, 25, 26, 26, 27, 27, 27, 28, 29, 29, 29, 30, 30, 31, 31, 31, 32,
        33, 33, 33, 34, 33, 35, 35, 35, 35, 37, 37, 38, 37, 39, 39, 39, 39, 39, 41, 41, 42, 41,
};
static const unsigned char box_lb[91] = {
        6,  7,  6,  6,  6,  7,  8,  7,  7,  7,  7,  8,  7,  7,  7,  7,  9,  8,  8,  8,  10, 9,  8,
        8,  8,  8,  9,  10, 8,  11, 9,  9,  8,  8,  10, 9,  9,  9,  12, 10, 9,  9,  9,  11, 10, 9,
        9,  12, 10, 10, 9,  9,  11, 10, 11, 10, 12, 10, 10, 11, 14, 11, 10, 11, 10, 12, 11, 10, 11,
        13, 11, 10, 11, 10, 11, 11, 10, 10, 12, 11, 12, 10, 13, 11, 11, 10, 10, 12, 11, 12, 10,
};
static const unsigned char box_cbord[91] = {
        3,  4,  0,  0,  0,  6,  6,  0,  6,  6,  0,  0, 7,  7,  7,  0,  10, 10, 11, 0,  12, 14, 0,
        12, 13, 0,  15, 0,  0,  0,  0,  17, 0,  0,  0, 0,  19, 20, 20, 21, 0,  21, 21, 23, 23, 0,
        23, 25, 24, 26, 0,  24, 27, 27, 27, 27, 29, 0, 29, 29, 30, 31, 30, 31, 0,  32, 34, 33, 33,
        37, 35, 0,  36, 36, 0,  38, 36, 38, 38, 39, 0, 39, 41, 40, 42, 0,  41, 42, 44, 43, 42,
};
static const unsigned char box_lbord[91] = {
        5,  6,  0, 0,  0, 6, 7, 0, 6,  5,  0,  0, 6, 6,  6,  0,  7, 7,  7, 0, 9,  8, 0,
        7,  7,  0, 8,  0, 0, 0, 0, 8,  0,  0,  0, 0, 8,  7,  11, 9, 0,  8, 7, 9,  8, 0,
        8,  11, 9, 8,  0, 8, 9, 9, 10, 9,  10, 0, 8, 8,  13, 9,  9, 10, 0, 9, 8,  9, 8,
        11, 9,  0, 10, 7, 0, 8, 9, 8,  10, 9,  0, 9, 12, 10, 8,  0, 8,  9, 9, 10, 9,
};

int spc__runs_signal(long n, long c, long l, enum spc_method m, long cmin, long lmax)
{
	int i;

	if (m != SPC_METHOD_ANHOEJ && (n < 10 || n > 100))
		m = SPC_METHOD_ANHOEJ;
	if (m == SPC_METHOD_ANHOEJ)
		return !(c >= cmin && l <= lmax);
	i = (int)(n - 10);
	if (m == SPC_METHOD_BESTBOX || box_cbord[i] == 0)
		return !(c >= box_cb[i] && l <= box_lb[i]);
	/* cut box with a border */
	if (c >= box_cb[i] + 1 && l <= box_lb[i] - 1)
		return 0;
	if (c == box_cb[i] && l <= box_lbord[i])
		return 0;
	if (c >= box_cbord[i] && l <= box_lb[i])
		return 0;
	return 1;
}

/* Limits of a point, multiplied, as the peers compare them. */
static void lim_m(const struct spc_result *r, size_t i, struct spc__lim *l)
{
	double m = r->opt.multiply;

	spc__limits_at(r, i, l);
	if (m != 1) {
		l->cl *= m;
		l->lcl *= m;
		l->ucl *= m;
		l->lcl2 *= m;
		l->ucl2 *= m;
	}
}

/* Side, sigma signal and "close" for every point of a part. The side is
 * taken on the unmultiplied scale, the limits on the multiplied one, as
 * the peers do. */
static void mark_points(struct spc_result *r, const struct spc_part *p)
{
	double m = r->opt.multiply;
	size_t i, end = p->first + p->count;
	int constant = r->cl == NULL;
	struct spc__lim l0, l;

	if (constant) {
		spc__limits_at(r, p->first, &l0);
		lim_m(r, p->first, &l);
	}
	for (i = p->first; i < end; i++) {
		double y = r->y[i], ym = y * m;
		uint32_t f = r->all_base ? SPC__F_BASE | SPC__F_INCLUDE
		                         : r->sig[i] & (SPC__F_BASE | SPC__F_INCLUDE | SPC__F_NEW);

		if (!constant) {
			spc__limits_at(r, i, &l0);
			if (m != 1)
				lim_m(r, i, &l);
			else
				l = l0;
		}
		if (y > l0.cl)
			f |= SPC__F_ABOVE;
		else if (y < l0.cl)
			f |= SPC__F_BELOW;
		if (ym > l.ucl)
			f |= SPC__F_SIGMA | SPC_SIG_ABOVE_UCL;
		else if (ym < l.lcl)
			f |= SPC__F_SIGMA | SPC_SIG_BELOW_LCL;
		else if (ym < l.lcl2 || ym > l.ucl2)
			f |= SPC__F_CLOSE;
		r->sig[i] = f;
	}
}

static int side_of(const struct spc_result *r, size_t i)
{
	uint32_t f = r->sig[i];

	return (f & SPC__F_ABOVE) ? 1 : (f & SPC__F_BELOW) ? -1 : 0;
}

/* ---- Anhoej ---- */

/* qbinom(0.05, n - 1, 0.5), remembered per run for the usual part sizes */
long spc__crossings_min(struct spc_result *r, long n)
{
	long v;

	if (n < SPC__CMIN_CACHE && r->cmin[n])
		return r->cmin[n] - 1;
	v = (long)spc__qbinom(0.05, (double)(n - 1), 0.5, 0);
	if (n < SPC__CMIN_CACHE)
		r->cmin[n] = v + 1;
	return v;
}

/* round(log2(n)) + 3, remembered likewise */
long spc__longest_run_max(struct spc_result *r, long n)
{
	long v;

	if (n < SPC__CMIN_CACHE && r->lmax[n])
		return r->lmax[n];
	v = (long)rint(log2((double)n)) + 3;
	if (n < SPC__CMIN_CACHE)
		r->lmax[n] = v;
	return v;
}

static void anhoej(struct spc_result *r, struct spc_part *p, int mark)
{
	size_t i, end = p->first + p->count, run_start = 0;
	long n_obs = 0, n_useful = 0, runs = 0, longest = 0, cur = 0;
	int prev = 0, sig;

	for (i = p->first; i < end; i++) {
		int s;

		if (!(r->sig[i] & SPC__F_INCLUDE))
			continue;
		n_obs++;
		s = side_of(r, i);
		if (!s)
			continue;
		n_useful++;
		if (s != prev) {
			runs++;
			cur = 0;
			prev = s;
		}
		if (++cur > longest)
			longest = cur;
	}
	p->n_obs = n_obs;
	p->n_useful = n_useful;
	if (!n_useful) {
		p->longest_run = p->longest_run_max = p->crossings = p->crossings_min = 0;
		p->runs_signal = 0;
		return;
	}
	p->longest_run = longest;
	p->longest_run_max = spc__longest_run_max(r, n_useful);
	p->crossings = runs - 1;
	p->crossings_min = spc__crossings_min(r, n_useful);
	sig = spc__runs_signal(n_useful, p->crossings, longest, r->opt.method, p->crossings_min,
	                       p->longest_run_max);
	p->runs_signal = sig && !r->runs_off;
	if (!mark || !p->runs_signal)
		return;
	/* mark the runs that are too long and, for too few crossings, every
	 * useful point of the part */
	{
		long lmax = p->longest_run_max, len = 0;
		int long_run = longest > lmax, few = p->crossings < p->crossings_min;

		if (!long_run && !few)
			long_run = few = 1;
		prev = 0;
		for (i = p->first; i <= end; i++) {
			int s = 0;

			if (i < end) {
				if (!(r->sig[i] & SPC__F_INCLUDE))
					continue;
				s = side_of(r, i);
				if (!s)
					continue;
				if (few)
					r->sig[i] |= SPC_SIG_FEW_CROSSINGS;
			}
			if (s != prev || i == end) {
				if (long_run && prev &&
				    len > (longest > lmax ? lmax : longest - 1)) {
					size_t j;

					for (j = run_start; j < i; j++)
						if ((r->sig[j] & SPC__F_INCLUDE) && side_of(r, j))
							r->sig[j] |= SPC_SIG_LONG_RUN;
				}
				run_start = i;
				len = 0;
				prev = s;
			}
			len++;
		}
	}
}

/* ---- Making Data Count ---- */

/* NHSRplotthedots stops when a seven-point window holds a missing value and
 * every difference it can compute points the same way ("missing value where
 * TRUE/FALSE needed"). */
static int ptd_trend_error(const struct spc_result *r, const struct spc_part *p, int len)
{
	size_t i, end = p->first + p->count;
	int k;

	if (p->count < (size_t)len)
		return 0;
	for (i = p->first + (size_t)len - 1; i < end; i++) {
		int dir;

		for (dir = 1; dir >= -1; dir -= 2) {
			int any_na = 0, any_false = 0;

			for (k = 0; k < len - 1; k++) {
				double a = r->y[i - (size_t)k - 1], b = r->y[i - (size_t)k];

				if (isnan(a) || isnan(b))
					any_na = 1;
				else if ((b > a ? 1 : b < a ? -1 : 0) != dir)
					any_false = 1;
			}
			if (!any_false && any_na)
				return 1;
			if (!any_false)
				break; /* a real trend: no error */
		}
	}
	return 0;
}

/* One pass: side, limits, shift, trend and two of three together. A trend
 * point takes the direction of the latest trend that covers it; the point
 * just before a new trend, when it ends an earlier one, takes the direction
 * of the step into the new trend (the peer looks to the right when the next
 * point is in a trend, else to the left). */
static void mdc(struct spc_result *r, const struct spc_part *p, int shift_len, int trend_len)
{
	const uint32_t keep = SPC__F_BASE | SPC__F_INCLUDE | SPC__F_NEW;
	const uint32_t trend = SPC_SIG_TREND_UP | SPC_SIG_TREND_DOWN;
	double m = r->opt.multiply;
	size_t a = p->first, end = p->first + p->count, i, j;
	int run_side = 0, tdir = 0, constant = r->cl == NULL;
	long run = 0, trun = 0;
	struct spc__lim l0, l;
	uint32_t *sig = r->sig;
	const double *y = r->y;

	if (constant) {
		spc__limits_at(r, a, &l0);
		lim_m(r, a, &l);
	}
	for (i = a; i < end; i++) {
		double v = y[i], vm = v * m, prev = i > a ? y[i - 1] : NAN;
		uint32_t f = r->all_base ? SPC__F_BASE | SPC__F_INCLUDE : sig[i] & keep;
		int s, d = (v > prev) - (v < prev);

		if (!constant) {
			spc__limits_at(r, i, &l0);
			lim_m(r, i, &l);
		}
		/* comparisons with NAN are false: a missing value has no side */
		{
			uint32_t above = v > l0.cl, below = v < l0.cl;

			s = (int)above - (int)below;
			f |= above * SPC__F_ABOVE | below * SPC__F_BELOW;
		}
		if (vm > l.ucl)
			f |= SPC__F_SIGMA | SPC_SIG_ABOVE_UCL;
		else if (vm < l.lcl)
			f |= SPC__F_SIGMA | SPC_SIG_BELOW_LCL;
		else if ((vm < l.lcl2) | (vm > l.ucl2))
			f |= SPC__F_CLOSE;
		sig[i] = f;
		/* shift: shift_len points on one side (a point on the mean or a
		 * missing value breaks it) */
		/* branch-free: the side is a coin toss for the predictor */
		run = (run & -(long)((s == run_side) & (s != 0))) + (s != 0);
		run_side = s;
		if (run >= shift_len) {
			uint32_t bit = s > 0 ? SPC_SIG_SHIFT_ABOVE : SPC_SIG_SHIFT_BELOW;

			if (run == shift_len)
				for (j = i + 1 - (size_t)shift_len; j < i; j++)
					sig[j] |= bit;
			sig[i] |= bit;
		}
		/* trend: trend_len points, each higher (lower) than the last */
		trun = (trun & -(long)((d == tdir) & (d != 0))) + (d != 0);
		tdir = d;
		if (trun >= trend_len - 1) {
			uint32_t bit = d > 0 ? SPC_SIG_TREND_UP : SPC_SIG_TREND_DOWN;

			if (trun == trend_len - 1) {
				size_t j0 = i + 1 - (size_t)trend_len;

				for (j = j0; j < i; j++)
					sig[j] = (sig[j] & ~trend) | bit;
				if (j0 > a && (sig[j0 - 1] & trend))
					sig[j0 - 1] = (sig[j0 - 1] & ~trend) |
					              (y[j0] - y[j0 - 1] > 0 ? SPC_SIG_TREND_UP
					                                     : SPC_SIG_TREND_DOWN);
			}
			sig[i] = (sig[i] & ~trend) | bit;
		}
		/* two of the three points ending here beyond 2 sigma, one side */
		if ((f & SPC__F_CLOSE) && i >= a + 2 && s && side_of(r, i - 1) == s &&
		    side_of(r, i - 2) == s &&
		    ((sig[i - 1] & SPC__F_CLOSE) || (sig[i - 2] & SPC__F_CLOSE)))
			for (j = i - 2; j <= i; j++)
				if (sig[j] & SPC__F_CLOSE)
					sig[j] |= s > 0 ? SPC_SIG_TWO_OF_THREE_HIGH
					                : SPC_SIG_TWO_OF_THREE_LOW;
		/* the same window when its last point is not the close one */
		if (!(f & SPC__F_CLOSE) && i >= a + 2 && s && (sig[i - 1] & SPC__F_CLOSE) &&
		    (sig[i - 2] & SPC__F_CLOSE) && side_of(r, i - 1) == s && side_of(r, i - 2) == s)
			for (j = i - 2; j < i; j++)
				sig[j] |= s > 0 ? SPC_SIG_TWO_OF_THREE_HIGH
				                : SPC_SIG_TWO_OF_THREE_LOW;
	}
}

/* ---- Western Electric and Nelson ---- */

static int zone(const struct spc_result *r, size_t i, double *sig_up, double *sig_lo)
{
	struct spc__lim l;

	lim_m(r, i, &l);
	*sig_up = (l.ucl - l.cl) / 3;
	*sig_lo = (l.cl - l.lcl) / 3;
	return isfinite(*sig_up) && isfinite(*sig_lo);
}

/* How far beyond the centre line point i lies, in sigmas (signed), or NAN. */
static double zscore(const struct spc_result *r, size_t i)
{
	struct spc__lim l;
	double up, lo, y = r->y[i] * r->opt.multiply;

	if (isnan(y) || !zone(r, i, &up, &lo))
		return NAN;
	lim_m(r, i, &l);
	if (y >= l.cl)
		return up > 0 ? (y - l.cl) / up : (y > l.cl ? INFINITY : 0);
	return lo > 0 ? (y - l.cl) / lo : -INFINITY;
}

/* m of n consecutive points beyond k sigma on the same side */
static void m_of_n(struct spc_result *r, const struct spc_part *p, const double *z, int m, int n,
                   double k, uint32_t hi, uint32_t lo)
{
	size_t a = p->first, end = p->first + p->count, i;
	int j;

	for (i = a; i + (size_t)n <= end; i++) {
		int up = 0, down = 0;

		for (j = 0; j < n; j++) {
			double v = z[i + (size_t)j - a];

			up += v > k;
			down += v < -k;
		}
		for (j = 0; j < n; j++) {
			double v = z[i + (size_t)j - a];

			if (up >= m && v > k)
				r->sig[i + (size_t)j] |= hi;
			if (down >= m && v < -k)
				r->sig[i + (size_t)j] |= lo;
		}
	}
}

/* runs of len consecutive points satisfying a per-point predicate code:
 * pred(i) returns a class (0 = breaks the run); points of runs >= len get bit */
static void runs_of(struct spc_result *r, const struct spc_part *p, const int *cls, int len,
                    const uint32_t *bits)
{
	size_t a = p->first, end = p->first + p->count, i, j;
	long run = 0;
	int cur = 0;

	for (i = a; i < end; i++) {
		int c = cls[i - a];

		if (c && c == cur) {
			run++;
		} else {
			cur = c;
			run = c ? 1 : 0;
		}
		if (!c)
			continue;
		if (run == len) {
			for (j = i + 1 - (size_t)len; j <= i; j++)
				r->sig[j] |= bits[c];
		} else if (run > len) {
			r->sig[i] |= bits[c];
		}
	}
}

static void we_nelson(struct spc_result *r, const struct spc_part *p, int nelson, double *z,
                      int *cls)
{
	size_t a = p->first, n = p->count, i;
	uint32_t side_bits[3] = {0, SPC_SIG_SHIFT_ABOVE, SPC_SIG_SHIFT_BELOW};
	uint32_t trend_bits[3] = {0, SPC_SIG_TREND_UP, SPC_SIG_TREND_DOWN};
	uint32_t one_bit[3] = {0, SPC_SIG_ALTERNATING, SPC_SIG_ALTERNATING};

	for (i = 0; i < n; i++)
		z[i] = zscore(r, a + i);
	m_of_n(r, p, z, 2, 3, 2, SPC_SIG_TWO_OF_THREE_HIGH, SPC_SIG_TWO_OF_THREE_LOW);
	m_of_n(r, p, z, 4, 5, 1, SPC_SIG_FOUR_OF_FIVE_HIGH, SPC_SIG_FOUR_OF_FIVE_LOW);
	for (i = 0; i < n; i++) {
		int s = side_of(r, a + i);

		cls[i] = isnan(r->y[a + i]) ? 0 : s > 0 ? 1 : s < 0 ? 2 : 0;
	}
	runs_of(r, p, cls, nelson ? 9 : 8, side_bits);
	if (!nelson)
		return;
	/* 3: six points rising or falling (five differences) */
	for (i = 0; i < n; i++) {
		double y0 = i ? r->y[a + i - 1] : NAN, y1 = r->y[a + i];

		cls[i] = isnan(y0) || isnan(y1) ? 0 : y1 > y0 ? 1 : y1 < y0 ? 2 : 0;
	}
	runs_of(r, p, cls, 5, trend_bits);
	/* the first point of each trend has no difference of its own */
	for (i = 0; i + 1 < n; i++)
		if ((r->sig[a + i + 1] & (SPC_SIG_TREND_UP | SPC_SIG_TREND_DOWN)) &&
		    !isnan(r->y[a + i]))
			if (cls[i + 1] && (i == 0 || cls[i] != cls[i + 1]))
				r->sig[a + i] |=
				        r->sig[a + i + 1] & (SPC_SIG_TREND_UP | SPC_SIG_TREND_DOWN);
	/* 4: fourteen points alternating up and down (thirteen differences) */
	for (i = 0; i < n; i++)
		cls[i] = 0;
	{
		long run = 0;
		size_t j;

		for (i = 1; i < n; i++) {
			double d0 = i >= 2 ? r->y[a + i - 1] - r->y[a + i - 2] : NAN;
			double d1 = r->y[a + i] - r->y[a + i - 1];

			if (!isnan(d1) && d1 != 0 && !isnan(d0) && d0 != 0 && (d0 > 0) != (d1 > 0))
				run++;
			else
				run = !isnan(d1) && d1 != 0 ? 1 : 0;
			if (run >= 13)
				for (j = i - 13; j <= i; j++)
					r->sig[a + j] |= one_bit[1];
		}
	}
	/* 7: fifteen points within 1 sigma; 8: eight beyond 1 sigma, both sides */
	for (i = 0; i < n; i++)
		cls[i] = isnan(z[i]) ? 0 : fabs(z[i]) < 1 ? 1 : 2;
	{
		uint32_t b7[3] = {0, SPC_SIG_HUGGING, 0};
		long run = 0;
		size_t j;

		runs_of(r, p, cls, 15, b7);
		for (i = 0; i < n; i++) {
			run = cls[i] == 2 ? run + 1 : 0;
			if (run >= 8) {
				int up = 0, down = 0;

				for (j = i - 7; j <= i; j++) {
					up += z[j] > 0;
					down += z[j] < 0;
				}
				if (up && down)
					for (j = i - 7; j <= i; j++)
						r->sig[a + j] |= SPC_SIG_MIXTURE;
			}
		}
	}
}

/* ---- IHI ---- */

/* log of the probability of r runs with n1 and n2 points on the two sides */
static double runs_lp(long rr, long n1, long n2)
{
	double lc = spc__lgamma((double)(n1 + n2) + 1) - spc__lgamma((double)n1 + 1) -
	            spc__lgamma((double)n2 + 1);
	long k;

#define LCH(n, k)                                                                                  \
	(spc__lgamma((double)(n) + 1) - spc__lgamma((double)(k) + 1) -                             \
	 spc__lgamma((double)((n) - (k)) + 1))
	if (rr < 2)
		return -INFINITY;
	if (rr % 2 == 0) {
		k = rr / 2;
		if (k - 1 > n1 - 1 || k - 1 > n2 - 1)
			return -INFINITY;
		return log(2) + LCH(n1 - 1, k - 1) + LCH(n2 - 1, k - 1) - lc;
	}
	k = (rr - 1) / 2;
	{
		double t1 = (k <= n1 - 1 && k - 1 <= n2 - 1) ? LCH(n1 - 1, k) + LCH(n2 - 1, k - 1)
		                                             : -INFINITY;
		double t2 = (k - 1 <= n1 - 1 && k <= n2 - 1) ? LCH(n1 - 1, k - 1) + LCH(n2 - 1, k)
		                                             : -INFINITY;
		double mx = fmax(t1, t2);

		if (mx == -INFINITY)
			return -INFINITY;
		return mx + log(exp(t1 - mx) + exp(t2 - mx)) - lc;
	}
#undef LCH
}

/* The fewest and most runs that are not a signal for n useful points. */
static void runs_limits(long n, long *lo, long *hi)
{
	long n1 = (n + 1) / 2, n2 = n / 2, rr;
	double cum = 0;

	*lo = 2;
	*hi = n;
	if (n2 < 1)
		return;
	for (rr = 2; rr <= n; rr++) {
		cum += exp(runs_lp(rr, n1, n2));
		if (cum > 0.025) {
			*lo = rr;
			break;
		}
	}
	cum = 0;
	for (rr = n; rr >= 2; rr--) {
		cum += exp(runs_lp(rr, n1, n2));
		if (cum > 0.025) {
			*hi = rr;
			break;
		}
	}
}

static void ihi(struct spc_result *r, struct spc_part *p, int shift_len, int trend_len)
{
	size_t a = p->first, end = a + p->count, i, j, start = a;
	long run = 0, useful = 0, runs = 0;
	int side = 0;

	/* shift, skipping points on the median and missing values */
	for (i = a; i < end; i++) {
		int s = side_of(r, i);

		if (!s || isnan(r->y[i]))
			continue;
		useful++;
		if (s != side) {
			runs++;
			side = s;
			run = 0;
			start = i;
		}
		run++;
		if (run == shift_len) {
			for (j = start; j <= i; j++)
				if (side_of(r, j) == s)
					r->sig[j] |=
					        s > 0 ? SPC_SIG_SHIFT_ABOVE : SPC_SIG_SHIFT_BELOW;
		} else if (run > shift_len) {
			r->sig[i] |= s > 0 ? SPC_SIG_SHIFT_ABOVE : SPC_SIG_SHIFT_BELOW;
		}
	}
	/* trend, skipping repeated values */
	{
		size_t last = (size_t)-1, tstart = a;
		int dir = 0;
		long len = 0;

		for (i = a; i < end; i++) {
			int d;

			if (isnan(r->y[i]))
				continue;
			if (last == (size_t)-1) {
				last = tstart = i;
				len = 1;
				continue;
			}
			if (r->y[i] == r->y[last])
				continue;
			d = r->y[i] > r->y[last] ? 1 : -1;
			if (d == dir) {
				len++;
			} else {
				tstart = last;
				dir = d;
				len = 2;
			}
			last = i;
			if (len >= trend_len)
				for (j = tstart; j <= i; j++)
					if (!isnan(r->y[j]))
						r->sig[j] |= d > 0 ? SPC_SIG_TREND_UP
						                   : SPC_SIG_TREND_DOWN;
		}
	}
	/* runs */
	if (useful >= 10) {
		long lo, hi;

		runs_limits(useful, &lo, &hi);
		if (runs < lo || runs > hi)
			for (i = a; i < end; i++)
				if (side_of(r, i) && !isnan(r->y[i]))
					r->sig[i] |=
					        runs < lo ? SPC_SIG_FEW_RUNS : SPC_SIG_MANY_RUNS;
	}
	/* astronomical point */
	if (r->opt.chart == SPC_CHART_RUN) {
		double sum = 0, cl = r->plim[spc__part_of(r, a)].cl, sd;
		long k = 0;

		for (i = a + 1; i < end; i++)
			if (!isnan(r->y[i]) && !isnan(r->y[i - 1])) {
				sum += fabs(r->y[i] - r->y[i - 1]);
				k++;
			}
		sd = k ? sum / (double)k / 1.128 : NAN;
		for (i = a; i < end; i++)
			if (r->y[i] > cl + 3 * sd || r->y[i] < cl - 3 * sd)
				r->sig[i] |= SPC_SIG_ASTRONOMICAL;
	} else {
		for (i = a; i < end; i++)
			if (r->sig[i] & SPC__F_SIGMA)
				r->sig[i] |= SPC_SIG_ASTRONOMICAL;
	}
}

int spc__rules_part(struct spc_result *r, size_t part, struct co_err *err)
{
	struct spc_part *p = &r->parts[part];
	const struct spc_options *o = &r->opt;
	const uint32_t sigma_bits = SPC_SIG_ABOVE_UCL | SPC_SIG_BELOW_LCL;

	if (!p->count)
		return 0;
	if (o->rules != SPC_RULES_MDC)
		mark_points(r, p);
	if (o->profile == SPC_PROFILE_QICHARTS2 || o->rules == SPC_RULES_ANHOEJ)
		anhoej(r, p, o->rules == SPC_RULES_ANHOEJ);
	switch (o->rules) {
	case SPC_RULES_NONE:
	case SPC_RULES_ANHOEJ:
	case SPC_RULES_QCC:
	case SPC_RULES_DEFAULT: break;
	case SPC_RULES_MDC:
		if (o->profile == SPC_PROFILE_PTD && ptd_trend_error(r, p, o->trend_len))
			return co_errf(err, CO_EINPUT, "missing value where TRUE/FALSE needed");
		mdc(r, p, o->shift_len, o->trend_len);
		break;
	case SPC_RULES_IHI: ihi(r, p, o->shift_len, o->trend_len); break;
	case SPC_RULES_WE:
	case SPC_RULES_NELSON: {
		struct spc__pool a;
		double *z;
		int *cls;

		spc__pool_init(&a);
		z = spc__alloc(&a, (p->count + 1) * sizeof(double));
		cls = spc__alloc(&a, (p->count + 1) * sizeof(int));
		if (!z || !cls) {
			spc__pool_free(&a);
			return co_errf(err, CO_ENOMEM, "out of memory");
		}
		we_nelson(r, p, o->rules == SPC_RULES_NELSON, z, cls);
		spc__pool_free(&a);
		break;
	}
	}
	if (o->rules == SPC_RULES_NONE) {
		size_t i;

		for (i = p->first; i < p->first + p->count; i++)
			r->sig[i] &= ~sigma_bits;
	}
	return 0;
}

/* qcc's violating runs, over the whole series (calibration and new data). */
void spc__rules_series(struct spc_result *r, size_t series)
{
	const struct spc_series *se = &r->series[series];
	size_t a = se->first, end = a + se->count, i, j, start = a;
	long run = 0, len = r->opt.run_length;
	int cur = 2;

	if (r->opt.rules != SPC_RULES_QCC || len <= 0)
		return;
	for (i = a; i <= end; i++) {
		int s = 3; /* a value no point has: ends the last run */

		if (i < end) {
			struct spc__lim l;

			spc__limits_at(r, i, &l);
			s = isnan(r->y[i]) || isnan(l.cl) ? 4 + (int)(i - a)
			    : r->y[i] > l.cl              ? 1
			    : r->y[i] < l.cl              ? -1
			                                  : 0;
		}
		if (i < end && s == cur) {
			run++;
			continue;
		}
		if ((cur == 1 || cur == -1) && run >= len)
			for (j = start + (size_t)len - 1; j < i; j++)
				r->sig[j] |= cur > 0 ? SPC_SIG_RUN_ABOVE : SPC_SIG_RUN_BELOW;
		cur = s;
		start = i;
		run = 1;
	}
}

/* The class of a point from the direction of its signal (-1, 0, 1) and the
 * direction that is better: a table, no branch on the point. */
static enum spc_class class_of(int dir, enum spc_direction want)
{
	static const unsigned char tab[3][3] = {
	        /* increase */ {SPC_CLASS_CONCERN, SPC_CLASS_COMMON, SPC_CLASS_IMPROVEMENT},
	        /* decrease */ {SPC_CLASS_IMPROVEMENT, SPC_CLASS_COMMON, SPC_CLASS_CONCERN},
	        /* neutral */ {SPC_CLASS_NEUTRAL_LOW, SPC_CLASS_COMMON, SPC_CLASS_NEUTRAL_HIGH},
	};
	int w = want == SPC_DIR_INCREASE ? 0 : want == SPC_DIR_DECREASE ? 1 : 2;

	return (enum spc_class)tab[w][dir + 1];
}

void spc__classify_point(const struct spc_result *r, size_t i, enum spc_cause *cause,
                         enum spc_class *cls)
{
	spc__classify_word(r, spc__sig(r, i), cause, cls);
}

/* The direction of each cause. */
static const int dir_of[] = {
        [SPC_CAUSE_COMMON] = 0,
        [SPC_CAUSE_ABOVE_UCL] = 1,
        [SPC_CAUSE_BELOW_LCL] = -1,
        [SPC_CAUSE_TREND_UP] = 1,
        [SPC_CAUSE_TREND_DOWN] = -1,
        [SPC_CAUSE_TWO_OF_THREE_ABOVE] = 1,
        [SPC_CAUSE_TWO_OF_THREE_BELOW] = -1,
        [SPC_CAUSE_SHIFT_ABOVE] = 1,
        [SPC_CAUSE_SHIFT_BELOW] = -1,
        [SPC_CAUSE_OTHER_HIGH] = 1,
        [SPC_CAUSE_OTHER_LOW] = -1,
};

/* Making Data Count's precedence (outside the limits, then trend up, trend
 * down, two of three, shift): the highest of the rules' bits (bit 0 shift
 * ... bit 4 outside, spc_int.h) picks the cause, on the side of the point,
 * from a table; no branch on the point, as the word of every series' last
 * point is classified in the run and its signals are hard to predict. */
void spc__classify_mdc(const struct spc_result *r, unsigned bits, int above, enum spc_cause *cause,
                       enum spc_class *cls)
{
	static const unsigned char by_top[2][6] = {
	        {SPC_CAUSE_COMMON, SPC_CAUSE_SHIFT_BELOW, SPC_CAUSE_TWO_OF_THREE_BELOW,
	         SPC_CAUSE_TREND_DOWN, SPC_CAUSE_TREND_UP, SPC_CAUSE_BELOW_LCL},
	        {SPC_CAUSE_COMMON, SPC_CAUSE_SHIFT_ABOVE, SPC_CAUSE_TWO_OF_THREE_ABOVE,
	         SPC_CAUSE_TREND_DOWN, SPC_CAUSE_TREND_UP, SPC_CAUSE_ABOVE_UCL},
	};
	/* 1 + the highest set bit, 0 when none */
	enum spc_cause c =
	        (enum spc_cause)by_top[above != 0][31 - __builtin_clz(((bits & 31u) << 1) | 1u)];

	*cause = c;
	*cls = class_of(dir_of[c], r->opt.direction);
}

/* The cause and class of a point from its signal word: Making Data Count's
 * by its precedence, the other rule sets' by the direction of the signals,
 * trends first. */
void spc__classify_word(const struct spc_result *r, uint32_t f, enum spc_cause *cause,
                        enum spc_class *cls)
{
	const struct spc_options *o = &r->opt;
	const uint32_t part_only = SPC_SIG_FEW_CROSSINGS | SPC_SIG_FEW_RUNS | SPC_SIG_MANY_RUNS;
	uint32_t s = f & SPC__SIG_MASK;
	int above = (f & SPC__F_ABOVE) != 0;
	int side = above ? 1 : (f & SPC__F_BELOW) ? -1 : 0, dir = 0;

	if (o->rules == SPC_RULES_MDC) {
		unsigned bits =
		        (unsigned)!!(s & (SPC_SIG_SHIFT_ABOVE | SPC_SIG_SHIFT_BELOW)) |
		        (unsigned)!!(s & (SPC_SIG_TWO_OF_THREE_HIGH | SPC_SIG_TWO_OF_THREE_LOW))
		                << 1 |
		        (unsigned)!!(s & SPC_SIG_TREND_DOWN) << 2 |
		        (unsigned)!!(s & SPC_SIG_TREND_UP) << 3 |
		        (unsigned)!!(s & (SPC_SIG_ABOVE_UCL | SPC_SIG_BELOW_LCL)) << 4;

		spc__classify_mdc(r, bits, above, cause, cls);
		return;
	}
	if (s & ~part_only) {
		dir = side;
		if (s & SPC_SIG_TREND_DOWN)
			dir = -1;
		if (s & SPC_SIG_TREND_UP)
			dir = 1;
	}
	spc__classify_dir(r, dir, cause, cls);
}

void spc__classify_dir(const struct spc_result *r, int dir, enum spc_cause *cause,
                       enum spc_class *cls)
{
	*cause = dir > 0 ? SPC_CAUSE_OTHER_HIGH : dir < 0 ? SPC_CAUSE_OTHER_LOW : SPC_CAUSE_COMMON;
	*cls = class_of(dir, r->opt.direction);
}

void spc__classify_series(struct spc_result *r, size_t series)
{
	static const unsigned char icon_of[2][SPC_CLASS_NEUTRAL_LOW + 1] = {
	        {
	                [SPC_CLASS_NONE] = SPC_ICON_COMMON_CAUSE,
	                [SPC_CLASS_COMMON] = SPC_ICON_COMMON_CAUSE,
	                [SPC_CLASS_IMPROVEMENT] = SPC_ICON_IMPROVEMENT_LOW,
	                [SPC_CLASS_CONCERN] = SPC_ICON_CONCERN_HIGH,
	                [SPC_CLASS_NEUTRAL_HIGH] = SPC_ICON_NEUTRAL_HIGH,
	                [SPC_CLASS_NEUTRAL_LOW] = SPC_ICON_NEUTRAL_LOW,
	        },
	        {
	                [SPC_CLASS_NONE] = SPC_ICON_COMMON_CAUSE,
	                [SPC_CLASS_COMMON] = SPC_ICON_COMMON_CAUSE,
	                [SPC_CLASS_IMPROVEMENT] = SPC_ICON_IMPROVEMENT_HIGH,
	                [SPC_CLASS_CONCERN] = SPC_ICON_CONCERN_LOW,
	                [SPC_CLASS_NEUTRAL_HIGH] = SPC_ICON_NEUTRAL_HIGH,
	                [SPC_CLASS_NEUTRAL_LOW] = SPC_ICON_NEUTRAL_LOW,
	        },
	};
	struct spc_series *se = &r->series[series];
	const struct spc_options *o = &r->opt;
	size_t end = se->first + se->count;
	enum spc_cause c;
	enum spc_class k;

	/* icons: the variation of the last point; the assurance of the last
	 * part's limits against the target */
	se->variation = SPC_ICON_COMMON_CAUSE;
	se->assurance = SPC_ASSURE_NONE;
	if (!se->count)
		return;
	/* the last point is in the series' last part; a lean result gives
	 * its rules' bits straight from the planes */
	if (!r->sig && o->rules == SPC_RULES_MDC) {
		int above;
		unsigned bits = spc__lean_mdc_bits(r, end - 1, &above);

		spc__classify_mdc(r, bits, above, &c, &k);
	} else if (!r->sig && (o->rules == SPC_RULES_ANHOEJ || o->rules == SPC_RULES_NONE)) {
		spc__classify_dir(r, spc__lean_dir(r, end - 1), &c, &k);
	} else {
		spc__classify_word(
		        r,
		        r->sig ? r->sig[end - 1]
		               : spc__lean_sig(r, end - 1, se->first_part + se->nparts - 1),
		        &c, &k);
	}
	/* the icon of the last point's class, by whether increase is better:
	 * a table, no branch on the point */
	se->variation = (enum spc_variation_icon)icon_of[o->direction == SPC_DIR_INCREASE][k];
	if (r->has_target && o->direction != SPC_DIR_NEUTRAL) {
		struct spc__lim l;
		double t = se->target;
		int inc = o->direction == SPC_DIR_INCREASE;

		lim_m(r, end - 1, &l);
		if (t > l.ucl)
			se->assurance = inc ? SPC_ASSURE_FAIL : SPC_ASSURE_PASS;
		else if (t < l.lcl)
			se->assurance = inc ? SPC_ASSURE_PASS : SPC_ASSURE_FAIL;
		else
			se->assurance = SPC_ASSURE_INCONSISTENT;
	}
}

void spc_signal_describe(const struct spc_result *r, uint32_t bit, char *out, size_t size)
{
	const struct spc_options *o = &r->opt;
	int shift = o->shift_len, trend = o->trend_len;

	if (o->rules == SPC_RULES_WE)
		shift = 8;
	if (o->rules == SPC_RULES_NELSON) {
		shift = 9;
		trend = 6;
	}
	switch (bit) {
	case SPC_SIG_ABOVE_UCL: snprintf(out, size, "above_ucl"); break;
	case SPC_SIG_BELOW_LCL: snprintf(out, size, "below_lcl"); break;
	case SPC_SIG_SHIFT_ABOVE: snprintf(out, size, "shift_above(%d)", shift); break;
	case SPC_SIG_SHIFT_BELOW: snprintf(out, size, "shift_below(%d)", shift); break;
	case SPC_SIG_TREND_UP: snprintf(out, size, "trend_up(%d)", trend); break;
	case SPC_SIG_TREND_DOWN: snprintf(out, size, "trend_down(%d)", trend); break;
	case SPC_SIG_TWO_OF_THREE_HIGH: snprintf(out, size, "two_of_three_high(2sigma)"); break;
	case SPC_SIG_TWO_OF_THREE_LOW: snprintf(out, size, "two_of_three_low(2sigma)"); break;
	case SPC_SIG_FOUR_OF_FIVE_HIGH: snprintf(out, size, "four_of_five_high(1sigma)"); break;
	case SPC_SIG_FOUR_OF_FIVE_LOW: snprintf(out, size, "four_of_five_low(1sigma)"); break;
	case SPC_SIG_LONG_RUN:
		snprintf(out, size, "long_run(%s)",
		         o->method == SPC_METHOD_ANHOEJ    ? "anhoej"
		         : o->method == SPC_METHOD_BESTBOX ? "bestbox"
		                                           : "cutbox");
		break;
	case SPC_SIG_FEW_CROSSINGS:
		snprintf(out, size, "few_crossings(%s)",
		         o->method == SPC_METHOD_ANHOEJ    ? "anhoej"
		         : o->method == SPC_METHOD_BESTBOX ? "bestbox"
		                                           : "cutbox");
		break;
	case SPC_SIG_FEW_RUNS: snprintf(out, size, "too_few_runs(5%%)"); break;
	case SPC_SIG_MANY_RUNS: snprintf(out, size, "too_many_runs(5%%)"); break;
	case SPC_SIG_ASTRONOMICAL: snprintf(out, size, "astronomical(3sigma)"); break;
	case SPC_SIG_ALTERNATING: snprintf(out, size, "alternating(14)"); break;
	case SPC_SIG_HUGGING: snprintf(out, size, "within_1sigma(15)"); break;
	case SPC_SIG_MIXTURE: snprintf(out, size, "beyond_1sigma(8)"); break;
	case SPC_SIG_RUN_ABOVE: snprintf(out, size, "run_above(%d)", o->run_length); break;
	case SPC_SIG_RUN_BELOW: snprintf(out, size, "run_below(%d)", o->run_length); break;
	default: snprintf(out, size, "?"); break;
	}
}
