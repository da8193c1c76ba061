/*
 * imp_stats.c - intervals, ratios and funnel limits for Improve.
 *
 * Incomplete gamma and beta functions: series and Lentz continued fractions
 * as in Press et al., Numerical Recipes (3rd ed.), sections 6.2 and 6.4.
 *
 * Exact Poisson interval for x events (Garwood 1936, "Fiducial limits for
 * the Poisson distribution", Biometrika 28:437-442), in gamma form:
 *     lower = G^-1(alpha/2; x),  upper = G^-1(1 - alpha/2; x + 1)
 * where G(.; a) is the gamma(a, 1) distribution function; lower = 0 when
 * x = 0. Divided by the exposure. Chosen because stratum counts are small,
 * where the normal approximation undercovers; it never gives a negative
 * lower limit.
 *
 * Wilson score interval for a proportion p = x/n (Wilson 1927, JASA
 * 22:209-212; Newcombe 1998, Stat Med 17:857-872):
 *     centre = (p + z^2/2n) / (1 + z^2/n)
 *     half   = z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/4n^2)
 * Chosen over Clopper-Pearson because it is less conservative with coverage
 * close to nominal, and over Wald because Wald fails near 0 and 1.
 *
 * Ratio of two rates or risks, log method (Katz, Baptista, Azen and Pike
 * 1978, Biometrics 34:469-474; Rothman, Greenland and Lash, Modern
 * Epidemiology, 3rd ed., ch. 14):
 *     RR = (x1/d1) / (x0/d0)
 *     SE(ln RR) = sqrt(1/x1 + 1/x0)                      (rates)
 *     SE(ln RR) = sqrt(1/x1 - 1/n1 + 1/x0 - 1/n0)        (proportions)
 *     interval = exp(ln RR -/+ z * SE)
 *
 * Funnel limits (Spiegelhalter 2005, "Funnel plots for comparing
 * institutional performance", Stat Med 24:1185-1202, appendix A.1): for a
 * target ratio t and denominator n, the p-quantile r_p of Binomial(n, t) or
 * Poisson(n t) is interpolated,
 *     a = (F(r_p) - p) / (F(r_p) - F(r_p - 1)),   limit = (r_p - a) / n,
 * with p = Phi(-z) for the lower and Phi(z) for the upper limit (z = 2 or
 * 3). The normal approximation is t +/- z sqrt(t(1-t)/n) for proportions
 * and t +/- z sqrt(t/n) for rates. No overdispersion adjustment is made.
 */
#include "mod/improve/imp_stats.h"

#include <math.h>

#include "base/err.h"

#define IMP_EPS   1e-15
#define IMP_TINY  1e-300
#define IMP_MAXIT 10000

/* P(a, x) by its series, for x < a + 1. */
static double gamma_series(double a, double x)
{
	double ap = a, del = 1.0 / a, sum = del;
	int i;

	for (i = 0; i < IMP_MAXIT; i++) {
		ap += 1.0;
		del *= x / ap;
		sum += del;
		if (fabs(del) < fabs(sum) * IMP_EPS)
			break;
	}
	return sum * exp(-x + a * log(x) - lgamma(a));
}

/* Q(a, x) by its continued fraction (modified Lentz), for x >= a + 1. */
static double gamma_cf(double a, double x)
{
	double b = x + 1.0 - a, c = 1.0 / IMP_TINY, d = 1.0 / b, h = d, an, del;
	int i;

	for (i = 1; i < IMP_MAXIT; i++) {
		an = -i * (i - a);
		b += 2.0;
		d = an * d + b;
		if (fabs(d) < IMP_TINY)
			d = IMP_TINY;
		c = b + an / c;
		if (fabs(c) < IMP_TINY)
			c = IMP_TINY;
		d = 1.0 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < IMP_EPS)
			break;
	}
	return exp(-x + a * log(x) - lgamma(a)) * h;
}

double imp_gamma_p(double a, double x)
{
	if (x <= 0.0)
		return 0.0;
	if (x < a + 1.0)
		return gamma_series(a, x);
	return 1.0 - gamma_cf(a, x);
}

double imp_gamma_q(double a, double x)
{
	if (x <= 0.0)
		return 1.0;
	if (x < a + 1.0)
		return 1.0 - gamma_series(a, x);
	return gamma_cf(a, x);
}

/* The continued fraction of the incomplete beta function (modified Lentz). */
static double beta_cf(double a, double b, double x)
{
	double qab = a + b, qap = a + 1.0, qam = a - 1.0, c = 1.0, d, h, aa, del;
	int m, m2;

	d = 1.0 - qab * x / qap;
	if (fabs(d) < IMP_TINY)
		d = IMP_TINY;
	d = 1.0 / d;
	h = d;
	for (m = 1; m < IMP_MAXIT; m++) {
		m2 = 2 * m;
		aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		d = 1.0 + aa * d;
		if (fabs(d) < IMP_TINY)
			d = IMP_TINY;
		c = 1.0 + aa / c;
		if (fabs(c) < IMP_TINY)
			c = IMP_TINY;
		d = 1.0 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1.0 + aa * d;
		if (fabs(d) < IMP_TINY)
			d = IMP_TINY;
		c = 1.0 + aa / c;
		if (fabs(c) < IMP_TINY)
			c = IMP_TINY;
		d = 1.0 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < IMP_EPS)
			break;
	}
	return h;
}

double imp_beta_i(double a, double b, double x)
{
	double bt;

	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;
	bt = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1.0) / (a + b + 2.0))
		return bt * beta_cf(a, b, x) / a;
	return 1.0 - bt * beta_cf(b, a, 1.0 - x) / b;
}

/* Acklam's algorithm with one step of Halley's method. */
double imp_norm_quantile(double p)
{
	static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
	                           -2.759285104469687e+02, 1.383577518672690e+02,
	                           -3.066479806614716e+01, 2.506628277459239e+00};
	static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
	                           -1.556989798598866e+02, 6.680131188771972e+01,
	                           -1.328068155288572e+01};
	static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
	                           -2.400758277161838e+00, -2.549732539343734e+00,
	                           4.374664141464968e+00,  2.938163982698783e+00};
	static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
	                           2.445134137142996e+00, 3.754408661907416e+00};
	double q, r, x, e, u;

	if (p <= 0.0)
		return -HUGE_VAL;
	if (p >= 1.0)
		return HUGE_VAL;
	if (p < 0.02425) {
		q = sqrt(-2.0 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
	} else if (p <= 1.0 - 0.02425) {
		q = p - 0.5;
		r = q * q;
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
		    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
	} else {
		q = sqrt(-2.0 * log1p(-p));
		x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
	}
	e = 0.5 * erfc(-x / sqrt(2.0)) - p;
	u = e * sqrt(2.0 * M_PI) * exp(x * x / 2.0);
	return x - u / (1.0 + x * u / 2.0);
}

/* The t with P(a, t) = target, by bisection on a bracket found by doubling.
 * P is increasing in t, so bisection always converges. */
static double gamma_inverse(double a, double target)
{
	double lo = 0.0, hi = a + 1.0, mid;
	int i;

	while (imp_gamma_p(a, hi) < target)
		hi *= 2.0;
	for (i = 0; i < 200; i++) {
		mid = 0.5 * (lo + hi);
		if (imp_gamma_p(a, mid) < target)
			lo = mid;
		else
			hi = mid;
		if (hi - lo <= hi * 1e-14)
			break;
	}
	return 0.5 * (lo + hi);
}

int imp_interval(enum imp_ratio_kind kind, double events, double denom, double multiplier,
                 double alpha, struct imp_estimate *out)
{
	struct imp_estimate r;
	double z, p, centre, half, k;

	if (!(events >= 0.0) || !(denom > 0.0) || !isfinite(events) || !isfinite(denom))
		return CO_EINPUT;
	if (!(alpha > 0.0 && alpha < 1.0))
		return CO_EINPUT;
	if (kind == IMP_RATIO_PROPORTION) {
		if (events > denom)
			return CO_EINPUT;
		z = imp_norm_quantile(1.0 - alpha / 2.0);
		p = events / denom;
		k = z * z / denom;
		centre = (p + k / 2.0) / (1.0 + k);
		half = z / (1.0 + k) * sqrt(p * (1.0 - p) / denom + k / (4.0 * denom));
		r.value = p;
		r.lower = fmax(0.0, centre - half);
		r.upper = fmin(1.0, centre + half);
	} else {
		r.value = events / denom;
		r.lower = events > 0.0 ? gamma_inverse(events, alpha / 2.0) / denom : 0.0;
		r.upper = gamma_inverse(events + 1.0, 1.0 - alpha / 2.0) / denom;
	}
	r.value *= multiplier;
	r.lower *= multiplier;
	r.upper *= multiplier;
	*out = r;
	return 0;
}

int imp_rate_ratio(enum imp_ratio_kind kind, double events1, double denom1, double events0,
                   double denom0, double alpha, struct imp_estimate *out)
{
	double rr, se, z, v;

	if (!(events1 >= 0.0) || !(events0 >= 0.0) || !(denom1 > 0.0) || !(denom0 > 0.0))
		return CO_EINPUT;
	if (!isfinite(events1) || !isfinite(events0) || !isfinite(denom1) || !isfinite(denom0))
		return CO_EINPUT;
	if (!(alpha > 0.0 && alpha < 1.0))
		return CO_EINPUT;
	if (kind == IMP_RATIO_PROPORTION && (events1 > denom1 || events0 > denom0))
		return CO_EINPUT;
	if (events1 == 0.0 || events0 == 0.0)
		return CO_ENOTFOUND;
	rr = (events1 / denom1) / (events0 / denom0);
	if (kind == IMP_RATIO_PROPORTION)
		v = 1.0 / events1 - 1.0 / denom1 + 1.0 / events0 - 1.0 / denom0;
	else
		v = 1.0 / events1 + 1.0 / events0;
	se = sqrt(fmax(0.0, v));
	z = imp_norm_quantile(1.0 - alpha / 2.0);
	out->value = rr;
	out->lower = exp(log(rr) - z * se);
	out->upper = exp(log(rr) + z * se);
	return 0;
}

/* The distribution function at r of Binomial(n, t) or Poisson(n t). */
static double count_cdf(enum imp_ratio_kind kind, double n, double t, double r)
{
	if (r < 0.0)
		return 0.0;
	if (kind == IMP_RATIO_PROPORTION) {
		if (r >= n)
			return 1.0;
		return imp_beta_i(n - r, r + 1.0, 1.0 - t);
	}
	return imp_gamma_q(r + 1.0, n * t);
}

/* Spiegelhalter's interpolated p-quantile of the count, divided by n. */
static double exact_limit(enum imp_ratio_kind kind, double n, double t, double p)
{
	double mean = n * t, sd, r, fr, fr1, a, top;

	sd = kind == IMP_RATIO_PROPORTION ? sqrt(n * t * (1.0 - t)) : sqrt(mean);
	r = floor(mean + imp_norm_quantile(p) * sd);
	top = kind == IMP_RATIO_PROPORTION ? floor(n) : HUGE_VAL;
	if (r < 0.0)
		r = 0.0;
	if (r > top)
		r = top;
	while (r < top && count_cdf(kind, n, t, r) < p)
		r += 1.0;
	while (r > 0.0 && count_cdf(kind, n, t, r - 1.0) >= p)
		r -= 1.0;
	fr = count_cdf(kind, n, t, r);
	fr1 = count_cdf(kind, n, t, r - 1.0);
	a = fr > fr1 ? (fr - p) / (fr - fr1) : 0.0;
	return (r - a) / n;
}

int imp_funnel_limits(enum imp_ratio_kind kind, enum imp_funnel_method method, double target,
                      double denom, double z, double multiplier, double *lower, double *upper)
{
	double lo, hi, se;

	if (!(denom > 0.0) || !(target >= 0.0) || !(z > 0.0) || !isfinite(denom))
		return CO_EINPUT;
	if (kind == IMP_RATIO_PROPORTION && target > 1.0)
		return CO_EINPUT;
	if (method == IMP_FUNNEL_NORMAL || target == 0.0 ||
	    (kind == IMP_RATIO_PROPORTION && target == 1.0)) {
		se = kind == IMP_RATIO_PROPORTION ? sqrt(target * (1.0 - target) / denom)
		                                  : sqrt(target / denom);
		lo = target - z * se;
		hi = target + z * se;
	} else {
		lo = exact_limit(kind, denom, target, 0.5 * erfc(z / sqrt(2.0)));
		hi = exact_limit(kind, denom, target, 1.0 - 0.5 * erfc(z / sqrt(2.0)));
	}
	if (lo < 0.0)
		lo = 0.0;
	if (kind == IMP_RATIO_PROPORTION && hi > 1.0)
		hi = 1.0;
	*lower = lo * multiplier;
	*upper = hi * multiplier;
	return 0;
}

int imp_funnel_compute(enum imp_ratio_kind kind, enum imp_funnel_method method, double multiplier,
                       struct imp_funnel_point *pts, size_t n, struct imp_funnel *f)
{
	double sx = 0.0, sn = 0.0, t, dmin = HUGE_VAL, dmax = 0.0, d, ratio;
	size_t i;
	int k, rc;

	for (i = 0; i < n; i++) {
		if (!(pts[i].denom > 0.0))
			continue;
		if (!(pts[i].events >= 0.0))
			return CO_EINPUT;
		sx += pts[i].events;
		sn += pts[i].denom;
		dmin = fmin(dmin, pts[i].denom);
		dmax = fmax(dmax, pts[i].denom);
	}
	if (!(sn > 0.0))
		return CO_EINPUT;
	t = sx / sn;
	if (kind == IMP_RATIO_PROPORTION && t > 1.0)
		return CO_EINPUT;
	for (i = 0; i < n; i++) {
		struct imp_funnel_point *p = &pts[i];

		p->outside = 0;
		p->direction = 0;
		if (!(p->denom > 0.0)) {
			p->value = p->lo2 = p->hi2 = p->lo3 = p->hi3 = NAN;
			continue;
		}
		p->value = p->events / p->denom * multiplier;
		rc = imp_funnel_limits(kind, method, t, p->denom, 2.0, multiplier, &p->lo2,
		                       &p->hi2);
		if (rc == 0)
			rc = imp_funnel_limits(kind, method, t, p->denom, 3.0, multiplier, &p->lo3,
			                       &p->hi3);
		if (rc)
			return rc;
		if (p->value < p->lo3 || p->value > p->hi3)
			p->outside = 3;
		else if (p->value < p->lo2 || p->value > p->hi2)
			p->outside = 2;
		if (p->outside)
			p->direction = p->value < p->lo2 ? -1 : 1;
	}
	f->target = t * multiplier;
	/* Denominators spread evenly on a square-root scale, where the funnel's
	 * width changes most evenly. */
	for (k = 0; k < f->ncurve; k++) {
		ratio = f->ncurve > 1 ? (double)k / (f->ncurve - 1) : 0.0;
		d = sqrt(dmin) + ratio * (sqrt(dmax) - sqrt(dmin));
		d = d * d;
		f->curve_denom[k] = d;
		rc = imp_funnel_limits(kind, method, t, d, 2.0, multiplier, &f->curve_lo2[k],
		                       &f->curve_hi2[k]);
		if (rc == 0)
			rc = imp_funnel_limits(kind, method, t, d, 3.0, multiplier,
			                       &f->curve_lo3[k], &f->curve_hi3[k]);
		if (rc)
			return rc;
	}
	return 0;
}
