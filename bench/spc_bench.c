/*
 * spc_bench.c - the SPC engine's figures (built and run by bench/spc).
 *
 *   spc_bench data DIR   writes DIR/u.csv and DIR/xmr.csv: 10,000 series of
 *                        60 monthly points (U chart counts with exposures;
 *                        individual values), generated here
 *   spc_bench engine     the engine alone, in memory: the same batch as U /
 *                        Anhoej and XmR / Making Data Count, and one series
 *                        of 10,000,000 points, each beside a plain loop that
 *                        sums the same values, measured in the same run
 *
 * The data are pseudo-random with a fixed seed, with shifts in some series
 * so that the rules have something to find.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spc/spc.h"

#define NSERIES 10000
#define NPOINTS 60
#define BIG     10000000
/* runs of a batch, the engine's and the loop's: the best of them is taken,
 * as the machine's neighbours slow some runs down */
#define BATCH_RUNS 101

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static double unif(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static double normal(void)
{
	double u = unif(), v = unif();

	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static double poisson(double lambda)
{
	double l = exp(-lambda), p = 1;
	int k = 0;

	if (lambda > 30)
		return fmax(0, floor(lambda + sqrt(lambda) * normal() + 0.5));
	do {
		k++;
		p *= unif();
	} while (p > l);
	return k - 1;
}

/* CPU time of this process: on a shared machine the wall clock measures
 * the neighbours too. The engine is single-threaded, as is the loop. */
static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

struct batch {
	size_t n;
	double *x, *y, *ny, *n_u, *y_u;
	char **label;
	const char **facet;
};

/* days since 1970 of the first of month m (0-based) after 2019-01 */
static double month_day(int m)
{
	static const int cum[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
	int y = 2019 + m / 12, mo = m % 12;
	long days = (long)(y - 1970) * 365 + (y - 1969) / 4 + cum[mo];

	if (mo >= 2 && y % 4 == 0)
		days++;
	return (double)days;
}

static void make_batch(struct batch *b)
{
	size_t s, i, k = 0;

	b->n = (size_t)NSERIES * NPOINTS;
	b->x = malloc(b->n * sizeof(double));
	b->y = malloc(b->n * sizeof(double));
	b->y_u = malloc(b->n * sizeof(double));
	b->n_u = malloc(b->n * sizeof(double));
	b->label = malloc(NSERIES * sizeof(char *));
	b->facet = malloc(b->n * sizeof(char *));
	for (s = 0; s < NSERIES; s++) {
		double rate = 0.005 + 0.03 * unif(), level = 50 + 20 * unif();
		int shift_at = unif() < 0.3 ? 30 + (int)(20 * unif()) : NPOINTS;

		b->label[s] = malloc(16);
		snprintf(b->label[s], 16, "s%05zu", s + 1);
		for (i = 0; i < NPOINTS; i++, k++) {
			double n = floor(500 + 1000 * unif()),
			       r = rate * ((int)i >= shift_at ? 0.7 : 1);

			b->facet[k] = b->label[s];
			b->x[k] = month_day((int)i);
			b->n_u[k] = n;
			b->y_u[k] = poisson(r * n);
			b->y[k] = level + 5 * normal() + ((int)i >= shift_at ? 6 : 0);
		}
	}
}

static int write_csv(const char *dir, const struct batch *b)
{
	char path[4096];
	FILE *fu, *fx;
	size_t k;

	snprintf(path, sizeof(path), "%s/u.csv", dir);
	fu = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/xmr.csv", dir);
	fx = fopen(path, "w");
	if (!fu || !fx)
		return 1;
	fputs("series,date,y,n\r\n", fu);
	fputs("series,date,y\r\n", fx);
	for (k = 0; k < b->n; k++) {
		long days = (long)b->x[k] + 719468, era, doe, yoe, doy, mp, d, m, y;

		era = days / 146097;
		doe = days - era * 146097;
		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
		mp = (5 * doy + 2) / 153;
		d = doy - (153 * mp + 2) / 5 + 1;
		m = mp + (mp < 10 ? 3 : -9);
		y = yoe + era * 400 + (m <= 2);
		fprintf(fu, "%s,%04ld-%02ld-%02ld,%.0f,%.0f\r\n", b->facet[k], y, m, d, b->y_u[k],
		        b->n_u[k]);
		fprintf(fx, "%s,%04ld-%02ld-%02ld,%.4f\r\n", b->facet[k], y, m, d, b->y[k]);
	}
	return fclose(fu) | fclose(fx);
}

static double sum_loop(const double *v, size_t n, int reps, double *secs)
{
	double best = 1e9, s = 0;
	int r;

	for (r = 0; r < reps; r++) {
		double t = now(), acc = 0;
		size_t i;

		for (i = 0; i < n; i++)
			acc += v[i];
		t = now() - t;
		if (t < best)
			best = t;
		s += acc;
	}
	*secs = best;
	return s;
}

/* The best of reps runs of the engine: the first a fresh spc_run() (its
 * time in *first), the others spc_run_again() into the same result, as code
 * computing chart after chart does (no fresh memory once warm). *read is the
 * time of reading every point back (spc_point_get(): each point's value and
 * limits are assembled there from its row and its part; its flags and
 * signals were decided in the run). Returns 0 on success. */
static int engine(const struct spc_data *d, const struct spc_options *o, int reps, double *secs,
                  double *first, double *read, size_t *signals)
{
	struct spc_result *res = NULL;
	double best = 1e9;
	size_t i, np, nsig = 0;
	int r;

	for (r = 0; r < reps; r++) {
		struct co_err err;
		double t = now();
		int rc = r == 0 ? spc_run(d, o, &res, &err) : spc_run_again(res, d, o, &err);

		t = now() - t;
		if (rc) {
			fprintf(stderr, "engine failed: %s\n", err.msg);
			spc_result_free(r ? res : NULL);
			return 1;
		}
		if (r == 0)
			*first = t;
		if (t < best)
			best = t;
	}
	*secs = best;
	np = spc_result_npoints(res);
	*read = now();
	for (i = 0; i < np; i++) {
		struct spc_point p;

		spc_point_get(res, i, &p);
		nsig += p.signals != 0;
	}
	*read = now() - *read;
	*signals = nsig;
	spc_result_free(res);
	return 0;
}

static void report(const char *what, size_t n, double secs, double first, double read,
                   double sum_secs)
{
	printf("  %-44s %7.2f ms %6.1f Mpoints/s  sum loop %5.2f ms  ratio %5.1fx\n", what,
	       secs * 1e3, (double)n / secs / 1e6, sum_secs * 1e3, secs / sum_secs);
	printf("  %-44s (first run, fresh memory: %.1f ms; reading every point back: %.1f ms)\n",
	       "", first * 1e3, read * 1e3);
}

int main(int argc, char **argv)
{
	struct batch b;
	struct spc_data d;
	struct spc_options o;
	double t_eng, t_first, t_read, t_sum, sink = 0;
	size_t nsig;
	double *bx, *by;
	size_t i;

	make_batch(&b);
	if (argc == 3 && strcmp(argv[1], "data") == 0)
		return write_csv(argv[2], &b);
	if (argc != 2 || strcmp(argv[1], "engine") != 0) {
		fprintf(stderr, "usage: spc_bench data DIR | engine\n");
		return 2;
	}
	printf("engine alone, in memory (CPU time; the best of 101 runs into one reused result\n"
	       "for a batch, of 5 for a long series; the summing loop over the same values, best\n"
	       "of as many runs, in the same process; target: ratio within 5x):\n");
	memset(&d, 0, sizeof(d));
	d.n = b.n;
	d.x = b.x;
	d.y = b.y_u;
	d.denom = b.n_u;
	d.facet = b.facet;
	spc_options_init(&o, SPC_CHART_U);
	o.rules = SPC_RULES_ANHOEJ;
	o.xkind = SPC_X_DATE;
	if (engine(&d, &o, BATCH_RUNS, &t_eng, &t_first, &t_read, &nsig))
		return 1;
	sink += sum_loop(b.y_u, b.n, BATCH_RUNS, &t_sum);
	report("10,000 x 60, U chart, Anhoej", b.n, t_eng, t_first, t_read, t_sum);

	d.y = b.y;
	d.denom = NULL;
	spc_options_init(&o, SPC_CHART_I);
	o.rules = SPC_RULES_MDC;
	o.xkind = SPC_X_DATE;
	o.direction = SPC_DIR_INCREASE;
	if (engine(&d, &o, BATCH_RUNS, &t_eng, &t_first, &t_read, &nsig))
		return 1;
	sink += sum_loop(b.y, b.n, BATCH_RUNS, &t_sum);
	report("10,000 x 60, XmR, Making Data Count", b.n, t_eng, t_first, t_read, t_sum);

	bx = malloc(BIG * sizeof(double));
	by = malloc(BIG * sizeof(double));
	if (!bx || !by)
		return 1;
	for (i = 0; i < BIG; i++) {
		bx[i] = (double)(i + 1);
		by[i] = 100 + 10 * normal() + (i % 100000 > 90000 ? 8 : 0);
	}
	memset(&d, 0, sizeof(d));
	d.n = BIG;
	d.x = bx;
	d.y = by;
	spc_options_init(&o, SPC_CHART_I);
	o.rules = SPC_RULES_MDC;
	o.direction = SPC_DIR_INCREASE;
	if (engine(&d, &o, 5, &t_eng, &t_first, &t_read, &nsig))
		return 1;
	sink += sum_loop(by, BIG, 5, &t_sum);
	report("one series of 10,000,000, XmR, MDC", BIG, t_eng, t_first, t_read, t_sum);
	spc_options_init(&o, SPC_CHART_RUN);
	o.rules = SPC_RULES_ANHOEJ;
	if (engine(&d, &o, 5, &t_eng, &t_first, &t_read, &nsig))
		return 1;
	report("one series of 10,000,000, run chart, Anhoej", BIG, t_eng, t_first, t_read, t_sum);
	if (sink == 42)
		printf("\n");
	return 0;
}
