/*
 * spc_int.h - what the files of the SPC engine share (spc__ names); not part
 * of the public interface.
 *
 * A result stores one entry per point in column arrays. Limits that are the
 * same for every point of a part (individuals, run, C, G, T, MR charts) live
 * once in the part's struct spc__lim and the per-point arrays stay NULL, so a
 * series of ten million points costs a few bytes per point. A lean result
 * (lean.c) has no signal word per point either (its flags and signals are
 * bits in planes), and a ratio result (a lean P or U chart whose rows are
 * its points) no per-point array at all: the value, n and limits of a point
 * are computed from the caller's row and its part's centre when read; its
 * flags were decided in the run. All numbers are stored unmultiplied; spc_point_get() applies the
 * multiplier, turns non-finite limits into NAN and clamps negative lower
 * limits when asked.
 */
#ifndef SPC_INT_H
#define SPC_INT_H

#include <math.h>
#include <string.h>

#include "base/arena.h"
#include "spc/spc.h"

/* Per-point flags, kept in the high bits of the point's signal word (the
 * low SPC_SIG_COUNT bits are the public SPC_SIG_* signals). */
#define SPC__F_BASE    (1u << 24) /* in the baseline (enters CL and limits) */
#define SPC__F_INCLUDE (1u << 25) /* not excluded */
#define SPC__F_NEW     (1u << 26) /* qcc phase II */
#define SPC__F_SIGMA   (1u << 27) /* outside the 3-sigma limits */
#define SPC__F_CLOSE   (1u << 28) /* beyond 2 sigma, not outside */
#define SPC__F_ABOVE   (1u << 29) /* y > CL */
#define SPC__F_BELOW   (1u << 30) /* y < CL */
#define SPC__SIG_MASK  ((1u << SPC_SIG_COUNT) - 1)

/* Memory for a run and its result: small pieces from an arena, big blocks
 * from malloc() (reused from run to run by the allocator), very big arrays
 * mapped directly and populated at once (MAP_POPULATE), because touching
 * fresh pages one fault at a time costs more than the arithmetic on them.
 * spc__alloc_lazy(): always malloc(), for scratch used only in part and for
 * bit planes (zero: cleared). */
struct spc__chunk;
struct spc__big;
struct spc__pool {
	struct spc__chunk *chunks, *cur; /* small pieces; cur: the one in use */
	struct spc__big *big, *spare;    /* big blocks in use; kept for reuse */
	size_t used;                     /* bytes handed out, up to CO_SPC_ARENA_MAX */
};

void spc__pool_init(struct spc__pool *p);
void spc__pool_free(struct spc__pool *p);
/* Everything handed out is dead; the memory stays for the next run. */
void spc__pool_reset(struct spc__pool *p);
void *spc__alloc(struct spc__pool *p, size_t size);
void *spc__calloc(struct spc__pool *p, size_t n, size_t size);
void *spc__alloc_lazy(struct spc__pool *p, size_t size, int zero);
char *spc__strdup(struct spc__pool *p, const char *s);

#define SPC__CMIN_CACHE 512

/* The bit planes of a lean result (lean.c): Making Data Count keeps the
 * first four, Anhoej the long runs; then every lean result the flags of
 * each point, from plane fplane on. */
enum { SPC__P_SHIFT, SPC__P_TWO3, SPC__P_UP, SPC__P_DOWN };
enum { SPC__P_LONG_RUN };
enum { SPC__P_ABOVE, SPC__P_BELOW, SPC__P_HIGH, SPC__P_LOW, SPC__P_CLOSE, SPC__P_NFLAGS };

struct spc__lim {
	double cl, lcl, ucl, lcl2, ucl2;
};

struct spc_result {
	struct spc_options opt; /* pointer members cleared */
	struct spc__pool mem;
	struct spc__pool scratch; /* a reused result's scratch (spc_run_again()) */
	size_t np, nseries, nparts;
	uint32_t *pblock; /* per 64 points, the part of the first: spc__part_of() */
	struct spc_series *series;
	struct spc_part *parts;
	struct spc__lim *plim;     /* per part: limits when constant over the part */
	const double *x;           /* subgroup keys (may be the caller's) */
	const double *y;           /* chart values, unmultiplied (may be the caller's);
	                              NULL in a ratio result: spc__y() */
	const double *ynum, *yden; /* ratio result: the caller's y and n, one row a point */
	double *n;                 /* NULL without denominators */
	double *cl, *lcl, *ucl, *lcl2, *ucl2; /* per point, or NULL: plim */
	double *ysum, *ymean, *ysd;           /* NULL: one row per point, see yraw */
	double *yrange;                       /* qcc Xbar, R, S: subgroup ranges */
	int *ycount;
	const double *yraw;         /* the row values when ysum is NULL */
	uint32_t *sig;              /* signals and flags per point; NULL when lean */
	int lean;                   /* no sig: spc__sig() rebuilds the word (lean.c) */
	int avx;                    /* the passes may use AVX (spc__have_avx()) */
	int avx2;                   /* and AVX2 (spc__have_avx2()) */
	int avx512;                 /* and AVX-512 F (spc__have_avx512()) */
	int nplanes;                /* lean: bit planes, interleaved per 64 points */
	int fplane;                 /* lean: the first plane of the flags */
	size_t scan_part[2];        /* ratio result: the parts last scanned for their */
	double scan_nlo[2];         /*   centres (one of each parity), and their */
	double scan_nhi[2];         /*   least and greatest n */
	uint64_t *plane;            /* lean: plane[w * nplanes + k], bit i % 64 */
	unsigned char *pfew;        /* lean Anhoej: per part, few crossings marked */
	const char **notes;         /* NULL when no notes */
	int clamp_lcl;              /* y_neg = 0 and min(y) >= 0 */
	int runs_off;               /* categorical x or MR chart (qicharts2) */
	int has_target;             /* a target was given (assurance icons) */
	int all_base;               /* every point is in the baseline and included */
	long cmin[SPC__CMIN_CACHE]; /* crossings minimum by n, plus 1; 0 = not yet */
	long lmax[SPC__CMIN_CACHE]; /* longest run maximum by n; 0 = not yet */
};

/* A point's chart value: y, or in a ratio result (a lean P or U chart whose
 * rows are its points) the row's sum(y) / sum(n), computed as build_points()
 * computes it (a row missing y or n has no value). */
static inline double spc__y(const struct spc_result *r, size_t i)
{
	if (r->y)
		return r->y[i];
	/* a result without y is a ratio result, which has ynum and yden */
	// NOLINTNEXTLINE(clang-analyzer-core.NullDereference)
	return (0.0 + r->ynum[i]) / (0.0 + r->yden[i]);
}

/* A ratio result's n of a point (0 when its row misses y or n). */
static inline double spc__ratio_n(const struct spc_result *r, size_t i)
{
	return isnan(r->ynum[i]) || isnan(r->yden[i]) ? 0 : 0.0 + r->yden[i];
}

/* v, or c where the mask m is set (all ones or all zeros), without a
 * branch: the limits of a point depend on a square root, and a branch on
 * them waits for it when mispredicted. */
static inline double spc__pick(uint64_t m, double c, double v)
{
	uint64_t bc, bv;
	double out;

	memcpy(&bc, &c, sizeof(bc));
	memcpy(&bv, &v, sizeof(bv));
	bv = (bc & m) | (bv & ~m);
	memcpy(&out, &bv, sizeof(out));
	return out;
}

/* The limits of a P or U chart point from its part's centre and its n
 * (Montgomery 7.8, 7.19); sz is Laney's sigma_z when laney. Finite limits
 * are clipped to [0, 1] on a P chart, at 0 below on a U chart. */
static inline void spc__pu_limits(double cl, double n, int pchart, int laney, double sz,
                                  struct spc__lim *l)
{
	double sd = pchart ? sqrt(cl * (1 - cl) / n) : sqrt(cl / n);
	double ucl, ucl2, lcl, lcl2;

	if (laney)
		sd *= sz;
	ucl = cl + 3 * sd;
	ucl2 = cl + 2 * sd;
	lcl = cl - 3 * sd;
	lcl2 = cl - 2 * sd;
	l->cl = cl;
	if (pchart) {
		ucl = spc__pick(-(uint64_t)(ucl > 1 && ucl < INFINITY), 1, ucl);
		ucl2 = spc__pick(-(uint64_t)(ucl2 > 1 && ucl2 < INFINITY), 1, ucl2);
	}
	l->ucl = ucl;
	l->ucl2 = ucl2;
	l->lcl = spc__pick(-(uint64_t)(lcl < 0 && lcl > -INFINITY), 0, lcl);
	l->lcl2 = spc__pick(-(uint64_t)(lcl2 < 0 && lcl2 > -INFINITY), 0, lcl2);
}

/* A part being computed: points [a, b) of the result. */
struct spc__part_calc {
	struct spc_result *r;
	const struct spc_options *o;
	size_t a, b, part;
	double *yw;            /* writable chart values (MR, T charts) */
	struct spc__pool *tmp; /* scratch, freed when spc_run() returns */
	size_t a2, b2;         /* the baseline's stretch (limits.c) */
	int check;             /* the input checks are left to the first pass */
	int nonfinite;         /* the first pass saw what check_values() refuses */
};

/* limits.c: centre line and limits of one part, per the profile and chart.
 * Returns 0 or CO_EINPUT (with err) for input the chart cannot take. */
int spc__limits(struct spc__part_calc *pc, struct co_err *err);
/* Whether the chart's limits vary from point to point. */
int spc__varying_limits(const struct spc_options *o);

/* rules.c; the part and series functions return 0 or CO_EINPUT (the ptd
 * profile fails where the peer does) */
int spc__rules_part(struct spc_result *r, size_t part, struct co_err *err);
void spc__rules_series(struct spc_result *r, size_t series);
void spc__classify_series(struct spc_result *r, size_t series);
void spc__classify_point(const struct spc_result *r, size_t i, enum spc_cause *cause,
                         enum spc_class *cls);
/* The same from the point's word (spc__sig()). */
/* rules.c: Making Data Count's cause and class from its rules' bits (bit 0
 * shift, 1 two of three, 2 trend down, 3 trend up, 4 outside the limits)
 * and the side of the point. */
void spc__classify_mdc(const struct spc_result *r, unsigned bits, int above, enum spc_cause *cause,
                       enum spc_class *cls);
/* rules.c: the cause and class of a signal in direction dir (-1, 0, 1)
 * outside Making Data Count. */
void spc__classify_dir(const struct spc_result *r, int dir, enum spc_cause *cause,
                       enum spc_class *cls);
void spc__classify_word(const struct spc_result *r, uint32_t f, enum spc_cause *cause,
                        enum spc_class *cls);
/* Anhoej's limits (cached per n in the result) and verdict. */
long spc__crossings_min(struct spc_result *r, long n);
long spc__longest_run_max(struct spc_result *r, long n);
int spc__runs_signal(long n, long c, long l, enum spc_method m, long cmin, long lmax);

/* lean.c: whether the options allow a lean result; its planes (after the
 * parts are known); the rules of one part (0 or CO_ENOMEM); the word of
 * point i in part `part`. */
int spc__lean_ok(const struct spc_options *o);
int spc__lean_alloc(struct spc_result *r);
int spc__lean_rules_part(struct spc_result *r, size_t part, struct spc__pool *tmp);
uint32_t spc__lean_sig(const struct spc_result *r, size_t i, size_t part);
/* lean.c: a lean Making Data Count point's rules' bits for
 * spc__classify_mdc(), and its side (*above). */
unsigned spc__lean_mdc_bits(const struct spc_result *r, size_t i, int *above);
/* lean.c: the direction (-1, 0, 1) of a lean Anhoej or rule-less point's
 * signals, for spc__classify_dir(). */
int spc__lean_dir(const struct spc_result *r, size_t i);

/* spc.c: spc_run() with flags: SPC__GENERAL without the shortcuts (lean
 * results, the fast orderings), SPC__NO_AVX with SSE2 alone: the unit tests
 * compare them; into a reused result when reuse is not NULL
 * (spc_run_again()). */
#define SPC__GENERAL   1
#define SPC__NO_AVX    2
#define SPC__NO_AVX512 4
int spc__run(const struct spc_data *data, const struct spc_options *opt, int flags,
             struct spc_result *reuse, struct spc_result **out, struct co_err *err);
/* Whether the processor (and the system) runs AVX instructions: the bit
 * mask passes and the XmR sums then use them, with the same results. */
int spc__have_avx(void);
int spc__have_avx2(void);
int spc__have_avx512(void);
/* spc.c: the signal word of point i (SPC_SIG_* and SPC__F_* flags). */
uint32_t spc__sig(const struct spc_result *r, size_t i);

/* spc.c: the limits of point i, unmultiplied; _in when its part is known. */
void spc__limits_at(const struct spc_result *r, size_t i, struct spc__lim *l);
void spc__limits_in(const struct spc_result *r, size_t i, size_t part, struct spc__lim *l);
size_t spc__part_of(const struct spc_result *r, size_t i);

/* dist.c */
double spc__lgamma(double x);
double spc__c4(double n);
double spc__qnorm(double p);
double spc__pbinom(double k, double n, double p, int upper);
double spc__ppois(double k, double lambda, int upper);
double spc__qbinom(double p, double n, double pr, int upper);
double spc__qpois(double p, double lambda, int upper);
double spc__qgeom(double p, double prob);
double spc__qchisq(double p, double df);

/* Means and medians that skip NAN, R style: mean of nothing is NAN. */
double spc__median(double *v, size_t n); /* sorts v */
double spc__select_kth(double *v, size_t n, size_t k);

#endif
