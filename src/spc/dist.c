/*
 * dist.c - the few distribution functions control limits need.
 *
 * qnorm: Wichura's algorithm AS 241 (PPND16), Applied Statistics 37 (1988),
 *   accurate to about 1e-16; the coefficients are the published ones.
 * pbinom(x; n, p) = I_{1-p}(n - x, x + 1) and ppois(x; l) = Q(x + 1, l), the
 *   regularized incomplete beta and gamma functions, evaluated by the
 *   continued fractions and series of Numerical Recipes (2nd ed., 6.2, 6.4)
 *   in log space, to about 1e-14.
 * qbinom, qpois: the smallest x whose lower tail reaches p (upper tail: the
 *   smallest x whose upper tail falls to p), with R's fuzz of 64 machine
 *   epsilons so that probabilities computed as k/2^n do not flip.
 * qgeom(p; q) = max(0, ceil(log1p(-p) / log1p(-q) - 1 - 1e-12)) (failures
 *   before the first success).
 * qchisq: Newton's method on the regularized lower gamma function from the
 *   Wilson-Hilferty start, with bisection as a safeguard.
 * c4(n) = sqrt(2 / (n - 1)) Gamma(n / 2) / Gamma((n - 1) / 2).
 *
 * Pure functions; thread-safe (lgamma_r, never lgamma).
 */
#include <float.h>
#include <math.h>

#include "spc/spc_int.h"

double spc__lgamma(double x)
{
	int sign;

	return lgamma_r(x, &sign);
}

double spc__c4(double n)
{
	if (!(n > 1))
		return NAN;
	return sqrt(2 / (n - 1)) * exp(spc__lgamma(n / 2) - spc__lgamma((n - 1) / 2));
}

double spc__qnorm(double p)
{
	double q, r, val;

	if (isnan(p) || p < 0 || p > 1)
		return NAN;
	if (p == 0)
		return -INFINITY;
	if (p == 1)
		return INFINITY;
	q = p - 0.5;
	if (fabs(q) <= .425) {
		r = .180625 - q * q;
		return q *
		       (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r +
		             67265.770927008700853) *
		                    r +
		            45921.953931549871457) *
		                   r +
		           13731.693765509461125) *
		                  r +
		          1971.5909503065514427) *
		                 r +
		         133.14166789178437745) *
		                r +
		        3.387132872796366608) /
		       (((((((r * 5226.495278852545925 + 28729.085735721942674) * r +
		             39307.89580009271061) *
		                    r +
		            21213.794301586595867) *
		                   r +
		           5394.1960214247511077) *
		                  r +
		          687.1870074920579083) *
		                 r +
		         42.313330701600911252) *
		                r +
		        1.);
	}
	r = q < 0 ? p : 1 - p;
	r = sqrt(-log(r));
	if (r <= 5.) {
		r += -1.6;
		val = (((((((r * 7.7454501427834140764e-4 + .0227238449892691845833) * r +
		            .24178072517745061177) *
		                   r +
		           1.27045825245236838258) *
		                  r +
		          3.64784832476320460504) *
		                 r +
		         5.7694972214606914055) *
		                r +
		        4.6303378461565452959) *
		               r +
		       1.42343711074968357734) /
		      (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r +
		            .0151986665636164571966) *
		                   r +
		           .14810397642748007459) *
		                  r +
		          .68976733498510000455) *
		                 r +
		         1.6763848301838038494) *
		                r +
		        2.05319162663775882187) *
		               r +
		       1.);
	} else {
		r += -5.;
		val = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r +
		            .0012426609473880784386) *
		                   r +
		           .026532189526576123093) *
		                  r +
		          .29656057182850489123) *
		                 r +
		         1.7848265399172913358) *
		                r +
		        5.4637849111641143699) *
		               r +
		       6.6579046435011037772) /
		      (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r +
		            1.8463183175100546818e-5) *
		                   r +
		           7.868691311456132591e-4) *
		                  r +
		          .0148753612908506148525) *
		                 r +
		         .13692988092273580531) *
		                r +
		        .59983220655588793769) *
		               r +
		       1.);
	}
	return q < 0 ? -val : val;
}

/* Continued fraction of the incomplete beta function (modified Lentz). */
static double betacf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double qab = a + b, qap = a + 1, qam = a - 1;
	double c = 1, d = 1 - qab * x / qap, h, del, aa;
	int m, m2;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (m = 1; m <= 100000; m++) {
		m2 = 2 * m;
		aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-16)
			break;
	}
	return h;
}

/* The regularized incomplete beta function I_x(a, b) (lower) or 1 - I
 * (upper), computed without cancellation. */
static double ibeta(double x, double a, double b, int upper)
{
	double lbt, front;

	if (x <= 0)
		return upper ? 1 : 0;
	if (x >= 1)
		return upper ? 0 : 1;
	lbt = spc__lgamma(a + b) - spc__lgamma(a) - spc__lgamma(b) + a * log(x) + b * log1p(-x);
	front = exp(lbt);
	if (x < (a + 1) / (a + b + 2)) {
		double v = front * betacf(a, b, x) / a;
		return upper ? 1 - v : v;
	} else {
		double v = front * betacf(b, a, 1 - x) / b;
		return upper ? v : 1 - v;
	}
}

double spc__pbinom(double k, double n, double p, int upper)
{
	k = floor(k + 1e-7);
	if (k < 0)
		return upper ? 1 : 0;
	if (k >= n)
		return upper ? 0 : 1;
	if (p <= 0)
		return upper ? 0 : 1;
	if (p >= 1)
		return upper ? 1 : 0;
	/* P(X <= k) = I_{1-p}(n - k, k + 1) */
	return ibeta(1 - p, n - k, k + 1, upper);
}

/* Regularized gamma P(a, x) (lower) or Q(a, x) (upper). */
static double igamma(double a, double x, int upper)
{
	double gln, v;

	if (x <= 0)
		return upper ? 1 : 0;
	gln = spc__lgamma(a);
	if (x < a + 1) {
		double ap = a, sum = 1 / a, del = sum;
		int i;

		for (i = 0; i < 100000; i++) {
			ap += 1;
			del *= x / ap;
			sum += del;
			if (fabs(del) < fabs(sum) * 1e-17)
				break;
		}
		v = sum * exp(-x + a * log(x) - gln);
		return upper ? 1 - v : v;
	} else {
		const double tiny = 1e-300;
		double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d, an, del;
		int i;

		for (i = 1; i < 100000; i++) {
			an = -i * (i - a);
			b += 2;
			d = an * d + b;
			if (fabs(d) < tiny)
				d = tiny;
			c = b + an / c;
			if (fabs(c) < tiny)
				c = tiny;
			d = 1 / d;
			del = d * c;
			h *= del;
			if (fabs(del - 1) < 1e-16)
				break;
		}
		v = exp(-x + a * log(x) - gln) * h;
		return upper ? v : 1 - v;
	}
}

double spc__ppois(double k, double lambda, int upper)
{
	k = floor(k + 1e-7);
	if (k < 0)
		return upper ? 1 : 0;
	if (lambda <= 0)
		return upper ? 0 : 1;
	/* P(X <= k) = Q(k + 1, lambda) */
	return igamma(k + 1, lambda, !upper);
}

/* The smallest x in [0, hi] with lower tail >= p (or upper tail <= p), by a
 * normal-approximation start and a walk. */
static double discrete_quantile(double p, int upper, double start, double hi,
                                double (*cdf)(double, double, double, int), double a, double b)
{
	double y = floor(start + 0.5);

	if (y < 0)
		y = 0;
	if (y > hi)
		y = hi;
	if (!upper) {
		p *= 1 - 64 * DBL_EPSILON;
		if (cdf(y, a, b, 0) >= p) {
			while (y > 0 && cdf(y - 1, a, b, 0) >= p)
				y--;
		} else {
			while (y < hi && cdf(y, a, b, 0) < p)
				y++;
		}
	} else {
		p *= 1 + 64 * DBL_EPSILON;
		if (cdf(y, a, b, 1) <= p) {
			while (y > 0 && cdf(y - 1, a, b, 1) <= p)
				y--;
		} else {
			while (y < hi && cdf(y, a, b, 1) > p)
				y++;
		}
	}
	return y;
}

static double pbinom_cb(double k, double n, double p, int upper)
{
	return spc__pbinom(k, n, p, upper);
}

static double ppois_cb(double k, double lambda, double unused, int upper)
{
	(void)unused;
	return spc__ppois(k, lambda, upper);
}

double spc__qbinom(double p, double n, double pr, int upper)
{
	double mu, sigma, z;

	if (isnan(p) || isnan(n) || isnan(pr) || n < 0 || pr < 0 || pr > 1)
		return NAN;
	if (pr == 0 || n == 0)
		return 0;
	mu = n * pr;
	sigma = sqrt(n * pr * (1 - pr));
	z = spc__qnorm(upper ? 1 - p : p);
	if (!isfinite(z))
		z = upper ? -40 : 40;
	return discrete_quantile(p, upper, mu + sigma * z, n, pbinom_cb, n, pr);
}

double spc__qpois(double p, double lambda, int upper)
{
	double z, hi;

	if (isnan(p) || isnan(lambda) || lambda < 0)
		return NAN;
	if (lambda == 0)
		return 0;
	z = spc__qnorm(upper ? 1 - p : p);
	if (!isfinite(z))
		z = 0;
	hi = lambda + 100 * sqrt(lambda) + 1000;
	return discrete_quantile(p, upper, lambda + sqrt(lambda) * z, hi, ppois_cb, lambda, 0);
}

double spc__qgeom(double p, double prob)
{
	if (isnan(p) || isnan(prob) || prob <= 0 || prob > 1)
		return NAN;
	if (p >= 1)
		return INFINITY;
	return fmax(0, ceil(log1p(-p) / log1p(-prob) - 1 - 1e-12));
}

double spc__qchisq(double p, double df)
{
	double a = df / 2, x, lo = 0, hi, z, t;
	int i;

	if (isnan(p) || isnan(df) || df <= 0 || p < 0 || p > 1)
		return NAN;
	if (p == 0)
		return 0;
	if (p == 1)
		return INFINITY;
	/* Wilson-Hilferty start, on the gamma scale (x = chisq / 2) */
	z = spc__qnorm(p);
	t = 1 - 2 / (9 * df) + z * sqrt(2 / (9 * df));
	x = df * t * t * t / 2;
	if (!(x > 0))
		x = a * 0.5 + 1e-3;
	hi = fmax(2 * x, a + 50 * sqrt(a) + 50);
	while (igamma(a, hi, 0) < p)
		hi *= 2;
	for (i = 0; i < 200; i++) {
		double f = igamma(a, x, 0) - p;
		double dens = exp(-x + (a - 1) * log(x) - spc__lgamma(a));
		double nx;

		if (f < 0)
			lo = x;
		else
			hi = x;
		nx = dens > 0 ? x - f / dens : (lo + hi) / 2;
		if (!(nx > lo && nx < hi))
			nx = (lo + hi) / 2;
		if (fabs(nx - x) <= 1e-15 * x) {
			x = nx;
			break;
		}
		x = nx;
	}
	return 2 * x;
}
