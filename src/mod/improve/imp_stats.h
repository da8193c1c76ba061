/*
 * imp_stats.h - the statistics behind the collaborative views of Improve:
 * confidence intervals for a stratum's rate or proportion, rate ratios
 * against a reference group, and funnel-chart limits for one shared measure
 * across teams.
 *
 * Choices (each documented with its formula and reference in imp_stats.c):
 *   - a rate (events per exposure): exact Poisson interval (Garwood 1936);
 *   - a proportion (events per person): Wilson score interval (Wilson 1927,
 *     recommended by Newcombe 1998 over the Wald interval for small counts);
 *   - a rate ratio or risk ratio: the log method (Katz et al. 1978;
 *     Rothman, Greenland and Lash, Modern Epidemiology, ch. 14);
 *   - funnel limits: exact binomial or Poisson quantiles with the
 *     interpolation of Spiegelhalter (2005), or the normal approximation.
 *
 * Everything here is a pure function of its arguments: no allocation except
 * where a caller's arena is passed, no shared state; thread-safe.
 */
#ifndef IMP_STATS_H
#define IMP_STATS_H

#include <stddef.h>

/* What a numerator and denominator describe. */
enum imp_ratio_kind {
	IMP_RATIO_RATE = 1,       /* events per exposure (bed days, admissions) */
	IMP_RATIO_PROPORTION = 2, /* people with the event per people counted */
};

/* A rate or proportion with its 95% interval, in the units of the measure
 * (the raw ratio times the measure's multiplier, e.g. 1000 or 100). */
struct imp_estimate {
	double value;
	double lower;
	double upper;
};

/* Regularised lower incomplete gamma P(a, x) and its complement Q; the
 * regularised incomplete beta I_x(a, b). Accurate to about 1e-12. */
double imp_gamma_p(double a, double x);
double imp_gamma_q(double a, double x);
double imp_beta_i(double a, double b, double x);
/* The standard normal quantile (Acklam's rational approximation refined by
 * one Halley step; about 1e-15 relative). */
double imp_norm_quantile(double p);

/* The central interval with coverage 1 - alpha (0.05 for 95%) for events
 * over denom, times multiplier. CO_EINPUT when events < 0, denom <= 0, or a
 * proportion's events exceed its denominator. */
int imp_interval(enum imp_ratio_kind kind, double events, double denom, double multiplier,
                 double alpha, struct imp_estimate *out);

/* The ratio of group 1 to the reference group 0 with its 1 - alpha
 * interval by the log method. Returns CO_ENOTFOUND (not computable) when
 * either group has no events, since the log method then has no standard
 * error; CO_EINPUT for impossible counts. */
int imp_rate_ratio(enum imp_ratio_kind kind, double events1, double denom1, double events0,
                   double denom0, double alpha, struct imp_estimate *out);

/* Funnel charts: how the limits are worked out. */
enum imp_funnel_method {
	IMP_FUNNEL_EXACT = 1,  /* binomial/Poisson quantiles, interpolated */
	IMP_FUNNEL_NORMAL = 2, /* target +/- z * standard error */
};

/* The lower and upper control limit (in the measure's units) for a unit
 * with denominator denom, when the true ratio is target (a raw ratio, not
 * multiplied), at z standard deviations (2 or 3). Limits never go below 0,
 * nor above 1 for a proportion. */
int imp_funnel_limits(enum imp_ratio_kind kind, enum imp_funnel_method method, double target,
                      double denom, double z, double multiplier, double *lower, double *upper);

/* One unit (a team) on a funnel chart. */
struct imp_funnel_point {
	double events;
	double denom;
	/* out: */
	double value;    /* events / denom * multiplier */
	double lo2, hi2; /* 2-sigma limits at this denominator */
	double lo3, hi3; /* 3-sigma limits */
	int outside;     /* 0 inside, 2 outside 2 sigma, 3 outside 3 sigma */
	int direction;   /* -1 below, +1 above the limits, 0 inside */
};

/* A funnel chart: the pooled target over all points with a positive
 * denominator, each point's limits and where it lies, and a curve at ncurve
 * denominators spread between the smallest and largest, for drawing the
 * funnel. The caller sets ncurve and points the five curve_* arrays at
 * storage for ncurve doubles each (or sets ncurve 0). CO_EINPUT when no
 * point has a positive denominator. */
struct imp_funnel {
	double target; /* pooled, times multiplier */
	int ncurve;
	double *curve_denom;
	double *curve_lo2, *curve_hi2, *curve_lo3, *curve_hi3;
};

int imp_funnel_compute(enum imp_ratio_kind kind, enum imp_funnel_method method, double multiplier,
                       struct imp_funnel_point *pts, size_t n, struct imp_funnel *f);

#endif
