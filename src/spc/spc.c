/*
 * spc.c - the engine's driver: options, series, subgroups, parts, results.
 *
 * spc_run() goes through these steps:
 *   1. series: rows are grouped by (facet2, facet1), labels sorted (numbers
 *      numerically when every label of a column is a number, otherwise by
 *      code point, as R sorts factor levels in the C locale);
 *   2. order: within a series, rows are sorted by x (stably; qcc's new rows
 *      after the calibration rows); rows with a missing x are dropped;
 *   3. subgroups: rows with the same x form one point; with denominators a
 *      row whose y or n is missing has both treated as missing; the point's
 *      value is sum(y) / sum(n) with denominators, otherwise the chosen
 *      aggregate of y (mean, median, sum, sd), or the qcc statistic;
 *   4. parts: new parts start after the given positions, at new labels of the
 *      part column, or at rebase dates; the baseline is the first `freeze`
 *      points of the series (qicharts2 ignores freeze when parts are given),
 *      the first `fix_after` points of each part, or qcc's calibration rows;
 *   5. limits per part (limits.c), then the rule set (rules.c) and the
 *      classification of every point and the icons of every series.
 * When the input is one sorted series of distinct x without aggregation, the
 * result keeps pointers to the caller's x and y instead of copying them: this
 * is what lets ten million points go through at a few nanoseconds each.
 */
#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "spc/spc_int.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ---- names ---- */

static const char *const chart_names[SPC_CHART_COUNT] = {
        "run", "i", "mr", "xbar", "s", "r", "p", "pp", "np", "u", "up", "c", "g", "t", "ip",
};

const char *spc_chart_name(enum spc_chart c)
{
	return (unsigned)c < SPC_CHART_COUNT ? chart_names[c] : "?";
}

int spc_chart_parse(const char *s)
{
	int i;

	if (!s)
		return -1;
	for (i = 0; i < SPC_CHART_COUNT; i++)
		if (strcmp(s, chart_names[i]) == 0)
			return i;
	if (strcmp(s, "xmr") == 0 || strcmp(s, "xbar.one") == 0 || strcmp(s, "I") == 0)
		return SPC_CHART_I;
	if (strcmp(s, "R") == 0)
		return SPC_CHART_R;
	if (strcmp(s, "S") == 0)
		return SPC_CHART_S;
	return -1;
}

static const char *const profile_names[] = {"collective", "qicharts2", "ptd", "qcc"};

const char *spc_profile_name(enum spc_profile p)
{
	return (unsigned)p < 4 ? profile_names[p] : "?";
}

int spc_profile_parse(const char *s)
{
	int i;

	if (!s)
		return -1;
	for (i = 0; i < 4; i++)
		if (strcmp(s, profile_names[i]) == 0)
			return i;
	if (strcmp(s, "none") == 0)
		return SPC_PROFILE_NONE;
	if (strcmp(s, "NHSRplotthedots") == 0)
		return SPC_PROFILE_PTD;
	return -1;
}

static const char *const rules_names[] = {"default", "none",    "anhoej", "ihi",
                                          "mdc",     "western", "nelson", "qcc"};

const char *spc_rules_name(enum spc_ruleset r)
{
	return (unsigned)r < 8 ? rules_names[r] : "?";
}

int spc_rules_parse(const char *s)
{
	int i;

	if (!s)
		return -1;
	for (i = 0; i < 8; i++)
		if (strcmp(s, rules_names[i]) == 0)
			return i;
	if (strcmp(s, "we") == 0 || strcmp(s, "western-electric") == 0)
		return SPC_RULES_WE;
	if (strcmp(s, "making-data-count") == 0 || strcmp(s, "ptd") == 0)
		return SPC_RULES_MDC;
	return -1;
}

const char *spc_class_name(enum spc_class c)
{
	switch (c) {
	case SPC_CLASS_NONE: return "";
	case SPC_CLASS_COMMON: return "common_cause";
	case SPC_CLASS_IMPROVEMENT: return "special_cause_improvement";
	case SPC_CLASS_CONCERN: return "special_cause_concern";
	case SPC_CLASS_NEUTRAL_HIGH: return "special_cause_neutral_high";
	case SPC_CLASS_NEUTRAL_LOW: return "special_cause_neutral_low";
	}
	return "?";
}

const char *spc_cause_name(enum spc_cause c)
{
	switch (c) {
	case SPC_CAUSE_COMMON: return "Common Cause";
	case SPC_CAUSE_ABOVE_UCL: return "Above UCL";
	case SPC_CAUSE_BELOW_LCL: return "Below LCL";
	case SPC_CAUSE_TREND_UP: return "7 Point Trend (Increasing)";
	case SPC_CAUSE_TREND_DOWN: return "7 Point Trend (Decreasing)";
	case SPC_CAUSE_TWO_OF_THREE_ABOVE: return "2 in 3 Above CL";
	case SPC_CAUSE_TWO_OF_THREE_BELOW: return "2 in 3 Below CL";
	case SPC_CAUSE_SHIFT_ABOVE: return "7 Points Above CL";
	case SPC_CAUSE_SHIFT_BELOW: return "7 Points Below CL";
	case SPC_CAUSE_OTHER_HIGH: return "Special Cause High";
	case SPC_CAUSE_OTHER_LOW: return "Special Cause Low";
	}
	return "?";
}

const char *spc_icon_name(enum spc_variation_icon i)
{
	switch (i) {
	case SPC_ICON_COMMON_CAUSE: return "common_cause";
	case SPC_ICON_IMPROVEMENT_HIGH: return "improvement_high";
	case SPC_ICON_IMPROVEMENT_LOW: return "improvement_low";
	case SPC_ICON_CONCERN_HIGH: return "concern_high";
	case SPC_ICON_CONCERN_LOW: return "concern_low";
	case SPC_ICON_NEUTRAL_HIGH: return "neutral_high";
	case SPC_ICON_NEUTRAL_LOW: return "neutral_low";
	}
	return "?";
}

const char *spc_assurance_name(enum spc_assurance a)
{
	switch (a) {
	case SPC_ASSURE_NONE: return "";
	case SPC_ASSURE_PASS: return "pass";
	case SPC_ASSURE_FAIL: return "fail";
	case SPC_ASSURE_INCONSISTENT: return "inconsistent";
	}
	return "?";
}

/* ---- options ---- */

void spc_options_init(struct spc_options *o, enum spc_chart chart)
{
	memset(o, 0, sizeof(*o));
	o->chart = chart;
	o->profile = SPC_PROFILE_NONE;
	o->rules = SPC_RULES_DEFAULT;
	o->xkind = SPC_X_NUMBER;
	o->agg = SPC_AGG_MEAN;
	o->method = SPC_METHOD_ANHOEJ;
	o->direction = SPC_DIR_NEUTRAL;
	o->sigma = SPC_SIGMA_DEFAULT;
	o->sd_method = SPC_SD_DEFAULT;
	o->multiply = 1;
	o->cl = NAN;
	o->target = NAN;
	o->y_neg = 1;
	o->screen_mr = 1;
	o->nsigmas = 3;
	o->run_length = 7;
	o->warning_threshold = 13;
}

void spc_options_profile(struct spc_options *o, enum spc_profile p)
{
	o->profile = p;
	switch (p) {
	case SPC_PROFILE_NONE: break;
	case SPC_PROFILE_QICHARTS2:
		o->sigma = SPC_SIGMA_D2;
		if (o->rules == SPC_RULES_DEFAULT)
			o->rules = SPC_RULES_ANHOEJ;
		break;
	case SPC_PROFILE_PTD:
		o->sigma = SPC_SIGMA_266;
		o->agg = SPC_AGG_UNIQUE;
		o->shift_len = 7;
		o->trend_len = 7;
		if (o->rules == SPC_RULES_DEFAULT)
			o->rules = SPC_RULES_MDC;
		break;
	case SPC_PROFILE_QCC:
		o->screen_mr = 0;
		if (o->rules == SPC_RULES_DEFAULT)
			o->rules = SPC_RULES_QCC;
		break;
	}
}

/* The rule set and constants a chart gets when the options leave them to
 * the product (docs/spc.md, "Product defaults"). */
static void resolve_defaults(struct spc_options *o)
{
	if (o->rules == SPC_RULES_DEFAULT) {
		if (o->profile == SPC_PROFILE_QCC)
			o->rules = SPC_RULES_QCC;
		else if (o->profile == SPC_PROFILE_PTD)
			o->rules = SPC_RULES_MDC;
		else if (o->profile == SPC_PROFILE_QICHARTS2)
			o->rules = SPC_RULES_ANHOEJ;
		else
			o->rules = o->chart == SPC_CHART_I ? SPC_RULES_MDC : SPC_RULES_ANHOEJ;
	}
	if (o->sigma == SPC_SIGMA_DEFAULT)
		o->sigma = o->rules == SPC_RULES_MDC ? SPC_SIGMA_266 : SPC_SIGMA_D2;
	if (o->shift_len <= 0)
		o->shift_len = o->rules == SPC_RULES_IHI ? 6 : 7;
	if (o->trend_len <= 0)
		o->trend_len = o->rules == SPC_RULES_IHI ? 5 : 7;
	if (!(o->multiply > 0) || !isfinite(o->multiply))
		o->multiply = 1;
	if (!(o->nsigmas > 0))
		o->nsigmas = 3;
	if (o->run_length < 0)
		o->run_length = 0;
}

static int check_options(const struct spc_options *o, struct co_err *err)
{
	enum spc_chart c = o->chart;

	if ((unsigned)c >= SPC_CHART_COUNT)
		return co_errf(err, CO_EINPUT, "unknown chart type");
	if (o->profile == SPC_PROFILE_PTD && c != SPC_CHART_I)
		return co_errf(err, CO_EINPUT, "the ptd profile draws XmR (i) charts only");
	if (o->profile == SPC_PROFILE_QCC &&
	    !(c == SPC_CHART_XBAR || c == SPC_CHART_R || c == SPC_CHART_S || c == SPC_CHART_I ||
	      c == SPC_CHART_P || c == SPC_CHART_NP || c == SPC_CHART_C || c == SPC_CHART_U ||
	      c == SPC_CHART_G))
		return co_errf(err, CO_EINPUT, "qcc has no %s chart", spc_chart_name(c));
	if (o->profile != SPC_PROFILE_QCC && (c == SPC_CHART_R || c == SPC_CHART_NP))
		return co_errf(err, CO_EINPUT, "the %s chart needs the qcc profile",
		               spc_chart_name(c));
	if (o->nparts > CO_SPC_MAX_LIST || o->nexclude > CO_SPC_MAX_LIST ||
	    o->nrebase > CO_SPC_MAX_LIST || o->ntargets > CO_SPC_MAX_LIST)
		return co_errf(err, CO_ELIMIT, "too many parts, exclusions, dates or targets");
	if (o->conf_level != 0 && !(o->conf_level > 0 && o->conf_level < 1))
		return co_errf(err, CO_EINPUT, "the confidence level must be between 0 and 1");
	if (o->fix_after < 0 || o->freeze < 0)
		return co_errf(err, CO_EINPUT, "freeze and fix_after must not be negative");
	if (o->profile == SPC_PROFILE_PTD && o->fix_after > 0 && o->fix_after < 12)
		return co_errf(
		        err, CO_EINPUT,
		        "fix_after_n_points must be a single numeric that is greater than or "
		        "equal to 12.");
	return 0;
}

/* ---- small helpers ---- */

/* The k-th smallest of v[0..n) (0-based), by quickselect with a median of
 * three pivot; v is reordered: v[0 .. k) are then no greater than v[k]. */
double spc__select_kth(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (hi > lo) {
		size_t mid = lo + (hi - lo) / 2, i = lo, j = hi;
		double a = v[lo], b = v[mid], c = v[hi], pivot, t;

		pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return v[k];
	}
	return v[k];
}

double spc__median(double *v, size_t n)
{
	size_t i, j;
	double a, b;

	if (n == 0)
		return NAN;
	if (n <= 64) {
		for (i = 1; i < n; i++) {
			double t = v[i];

			for (j = i; j > 0 && v[j - 1] > t; j--)
				v[j] = v[j - 1];
			v[j] = t;
		}
		return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	}
	a = spc__select_kth(v, n, n / 2);
	if (n % 2)
		return a;
	/* the other middle value is the largest of the lower half */
	b = v[0];
	for (i = 1; i < n / 2; i++)
		if (v[i] > b)
			b = v[i];
	return (a + b) / 2;
}

static int parse_number(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return 0;
	v = strtod(s, &end);
	if (*end || end == s)
		return 0;
	*out = v;
	return 1;
}

/* ---- facets: labels interned, sorted, ranked ---- */

struct labels {
	const char **str; /* distinct labels, in first-appearance order */
	size_t n, cap;
	size_t *slot; /* hash table of indices + 1 */
	size_t nslot;
	size_t *rank; /* rank of each distinct label in sort order */
	int numeric;
	struct spc__pool *pool;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static int labels_init(struct labels *l, size_t nrows, struct spc__pool *a)
{
	memset(l, 0, sizeof(*l));
	l->nslot = 1024;
	l->slot = spc__calloc(a, l->nslot, sizeof(size_t));
	l->cap = nrows + 1;
	l->str = spc__alloc(a, l->cap * sizeof(char *));
	l->pool = a;
	return l->slot && l->str ? 0 : CO_ENOMEM;
}

/* Doubles the table when it is half full. */
static int labels_grow(struct labels *l)
{
	size_t n = l->nslot * 2, i;
	size_t *slot = spc__calloc(l->pool, n, sizeof(size_t));

	if (!slot)
		return CO_ENOMEM;
	for (i = 0; i < l->n; i++) {
		size_t h = (size_t)hash_str(l->str[i]) & (n - 1);

		while (slot[h])
			h = (h + 1) & (n - 1);
		slot[h] = i + 1;
	}
	l->slot = slot;
	l->nslot = n;
	return 0;
}

static size_t labels_id(struct labels *l, const char *s)
{
	size_t h, id;

	if (!s)
		s = "";
	h = (size_t)hash_str(s) & (l->nslot - 1);
	while (l->slot[h]) {
		id = l->slot[h] - 1;
		if (strcmp(l->str[id], s) == 0)
			return id;
		h = (h + 1) & (l->nslot - 1);
	}
	assert(l->n < l->cap);
	l->str[l->n] = s;
	l->slot[h] = ++l->n;
	if (2 * l->n > l->nslot && labels_grow(l))
		return (size_t)-1;
	return l->n - 1;
}

/* Merge sort of indices by key (stable), with a scratch array. */
static void msort_idx(size_t *idx, size_t *tmp, size_t n,
                      int (*less)(const void *ctx, size_t a, size_t b), const void *ctx)
{
	size_t width, i;

	for (width = 1; width < n; width *= 2) {
		for (i = 0; i < n; i += 2 * width) {
			size_t lo = i, mid = i + width < n ? i + width : n;
			size_t hi = i + 2 * width < n ? i + 2 * width : n;
			size_t p = lo, q = mid, k = lo;

			while (p < mid && q < hi)
				tmp[k++] = less(ctx, idx[q], idx[p]) ? idx[q++] : idx[p++];
			while (p < mid)
				tmp[k++] = idx[p++];
			while (q < hi)
				tmp[k++] = idx[q++];
		}
		memcpy(idx, tmp, n * sizeof(*idx));
	}
}

static int label_less(const void *ctx, size_t a, size_t b)
{
	const struct labels *l = ctx;

	if (l->numeric) {
		double x = 0, y = 0;

		parse_number(l->str[a], &x);
		parse_number(l->str[b], &y);
		return x < y;
	}
	return strcmp(l->str[a], l->str[b]) < 0;
}

static int labels_rank(struct labels *l, struct spc__pool *a)
{
	size_t *order = spc__alloc(a, (l->n + 1) * sizeof(size_t));
	size_t *tmp = spc__alloc(a, (l->n + 1) * sizeof(size_t));
	size_t i;
	double v;

	l->rank = spc__alloc(a, (l->n + 1) * sizeof(size_t));
	if (!order || !tmp || !l->rank)
		return CO_ENOMEM;
	l->numeric = l->n > 0;
	for (i = 0; i < l->n; i++)
		if (!parse_number(l->str[i], &v))
			l->numeric = 0;
	for (i = 0; i < l->n; i++)
		order[i] = i;
	msort_idx(order, tmp, l->n, label_less, l);
	for (i = 0; i < l->n; i++)
		l->rank[order[i]] = i;
	return 0;
}

/* ---- the run ---- */

struct run {
	const struct spc_data *d;
	struct spc_options o;
	struct spc_result *r;
	struct spc__pool *tmp, tmp_own; /* scratch: tmp_own, or the reused result's */
	struct co_err *err;
	size_t nrows;        /* rows kept (x not missing) */
	size_t *row;         /* rows, by series then x */
	size_t *series_row0; /* first row (into row[]) of each series */
	const char **slabel, **slabel2;
	int has_parts;      /* parts given by position or label */
	int simple;         /* one series in increasing x: rows are points */
	int identity;       /* series after series, each in increasing x: row[] unused */
	long *label_breaks; /* from the part column */
	size_t nlabel_breaks;
	int aliased;
	int lean;        /* no signal word per point (lean.c) */
	int defer_check; /* check_values() left to the first pass of the limits (limits.c) */
	int general;     /* no shortcuts (spc__run()) */
};

static double row_x(const struct run *ru, size_t i)
{
	return ru->d->x ? ru->d->x[i] : (double)(i + 1);
}

static int row_new(const struct run *ru, size_t i)
{
	return ru->d->is_new ? ru->d->is_new[i] != 0 : 0;
}

static int x_less(const void *ctx, size_t a, size_t b)
{
	const struct run *ru = ctx;
	int na = row_new(ru, a), nb = row_new(ru, b);

	if (na != nb)
		return na < nb;
	return row_x(ru, a) < row_x(ru, b);
}

static int key_less(const void *ctx, size_t a, size_t b)
{
	const size_t *key = ctx;

	return key[a] < key[b];
}

/* Whether x[0 .. n) is strictly increasing (hence without a missing value). */
static int increasing(const double *x, size_t n)
{
	size_t i = 1;

	if (n == 0 || isnan(x[0]))
		return n == 0;
#if defined(__SSE2__)
	while (i + 1 < n) {
		size_t end = i + 2048 < n ? i + 2048 : n;
		__m128d ok = _mm_castsi128_pd(_mm_set1_epi32(-1));

		for (; i + 1 < end; i += 2)
			ok = _mm_and_pd(ok,
			                _mm_cmpgt_pd(_mm_loadu_pd(x + i), _mm_loadu_pd(x + i - 1)));
		if (_mm_movemask_pd(ok) != 3)
			return 0;
	}
#endif
	for (; i < n; i++)
		if (!(x[i] > x[i - 1]))
			return 0;
	return 1;
}

/* Whether a facet label can be a number (parse_number() of it may
 * succeed): what strtod() accepts first. */
static int maybe_number(const char *s)
{
	unsigned char c = (unsigned char)*s;

	return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' || c == ' ' ||
	       (c >= '\t' && c <= '\r') || c == 'i' || c == 'I' || c == 'n' || c == 'N';
}

/* The rows of [i, i + 64) (1 <= i, i + 64 <= n) that are not the next of
 * their series, as bits (bit j for row i + j): the facet pointer differs
 * from the row before's, or x is not above the row before's (or either is
 * missing). Most rows are the next, so 64 rows are compared at a time
 * without a branch, and the caller walks the few set bits. */
static uint64_t odd_rows_sse2(const char *const *f, const double *x, size_t i)
{
	uint64_t m = 0;
	unsigned j;

#if defined(__SSE2__)
	for (j = 0; j < 64; j += 2) {
		__m128i e = _mm_cmpeq_epi32(
		        _mm_loadu_si128((const __m128i *)(const void *)(f + i + j)),
		        _mm_loadu_si128((const __m128i *)(const void *)(f + i + j - 1)));
		__m128d u = _mm_cmpgt_pd(_mm_loadu_pd(x + i + j), _mm_loadu_pd(x + i + j - 1));

		/* both halves of a pointer */
		e = _mm_and_si128(e, _mm_shuffle_epi32(e, 0xB1));
		m |= (uint64_t)(unsigned)_mm_movemask_pd(_mm_and_pd(u, _mm_castsi128_pd(e))) << j;
	}
#else
	for (j = 0; j < 64; j++)
		m |= (uint64_t)(f[i + j] == f[i + j - 1] && x[i + j] > x[i + j - 1]) << j;
#endif
	return ~m;
}

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>

/* The same, four rows at a time with AVX2's 64-bit compares. */
__attribute__((target("avx2"))) static uint64_t odd_rows_avx2(const char *const *f, const double *x,
                                                              size_t i)
{
	uint64_t m = 0;
	unsigned j;

	for (j = 0; j < 64; j += 4) {
		__m256i e = _mm256_cmpeq_epi64(
		        _mm256_loadu_si256((const __m256i *)(const void *)(f + i + j)),
		        _mm256_loadu_si256((const __m256i *)(const void *)(f + i + j - 1)));
		__m256d u = _mm256_cmp_pd(_mm256_loadu_pd(x + i + j),
		                          _mm256_loadu_pd(x + i + j - 1), _CMP_GT_OQ);

		m |= (uint64_t)(unsigned)_mm256_movemask_pd(
		             _mm256_and_pd(u, _mm256_castsi256_pd(e)))
		     << j;
	}
	return ~m;
}
#endif

static uint64_t odd_rows(const struct spc_result *r, const char *const *f, const double *x,
                         size_t i)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
	if (r->avx2)
		return odd_rows_avx2(f, x, i);
#endif
	(void)r;
	return odd_rows_sse2(f, x, i);
}

/* strcmp() of two facet labels (NULL as ""), inline: the labels of a
 * batch are short and differ in their first bytes. */
static int label_cmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)(a ? a : ""),
	                    *q = (const unsigned char *)(b ? b : "");

	while (*p && *p == *q) {
		p++;
		q++;
	}
	return (int)*p - (int)*q;
}

/* The common case of many series: the rows of each series together, the
 * series in the order their labels sort, each in strictly increasing x.
 * Then the rows are the order already; returns 1 (and fills the series)
 * when so, 0 for the general ordering. */
static int order_facets_fast(struct run *ru)
{
	const struct spc_data *d = ru->d;
	const char *const *f = d->facet;
	const double *x = d->x;
	size_t i = 1, n = d->n, ns = 1, cap = n / 32 + 64, k;
	size_t *start = spc__alloc(ru->tmp, cap * sizeof(size_t));
	const char **lab = spc__alloc(ru->tmp, cap * sizeof(char *));
	int numeric, ascending = 1;
	double prev = 0, v = 0;

	if (!start || !lab)
		return -1;
	if (isnan(x[0]))
		return 0;
	/* each series' first row and label as the pass finds them (the
	 * labels are not looked up again: the rows' labels are far apart) */
	start[0] = 0;
	lab[0] = f[0] ? f[0] : "";
	numeric = maybe_number(lab[0]) && parse_number(lab[0], &v);
	/* one pass: where the label changes, and that x increases elsewhere;
	 * whether the labels come in increasing code point order on the way.
	 * Rows from 1 on, 64 at a time, the last ones one by one. */
	for (; i < n; i += 64) {
		uint64_t odd;

		if (i + 64 <= n) {
			odd = odd_rows(ru->r, f, x, i);
		} else {
			size_t j;

			odd = 0;
			for (j = i; j < n; j++)
				odd |= (uint64_t)(f[j] != f[j - 1] || !(x[j] > x[j - 1]))
				       << (j - i);
		}
		while (odd) {
			size_t j = i + (size_t)__builtin_ctzll(odd);
			int c = f[j] == f[j - 1] ? 0 : label_cmp(f[j], f[j - 1]);

			odd &= odd - 1;
			if (c == 0) { /* the same label: x must increase */
				if (!(x[j] > x[j - 1]))
					return 0;
				continue;
			}
			if (isnan(x[j]))
				return 0;
			if (c < 0)
				ascending = 0;
			if (ns + 1 >= cap) { /* room for this one and the end */
				size_t *more = spc__alloc(ru->tmp, 2 * cap * sizeof(size_t));
				const char **lmore = spc__alloc(ru->tmp, 2 * cap * sizeof(char *));

				if (!more || !lmore)
					return -1;
				memcpy(more, start, cap * sizeof(size_t));
				memcpy(lmore, lab, cap * sizeof(char *));
				start = more;
				lab = lmore;
				cap *= 2;
			}
			lab[ns] = f[j] ? f[j] : "";
			if (numeric && !(maybe_number(lab[ns]) && parse_number(lab[ns], &v)))
				numeric = 0;
			start[ns++] = j;
		}
	}
	start[ns] = n;
	ru->series_row0 = start;
	ru->slabel = lab;
	ru->slabel2 = NULL; /* no second facet: not read */
	/* each label once, in sort order: strictly increasing (code points:
	 * compared at the label changes above) */
	if (!numeric && !ascending)
		return 0;
	for (k = 1; k < ns && numeric; k++) {
		parse_number(lab[k - 1], &prev);
		parse_number(lab[k], &v);
		if (!(v > prev))
			return 0;
	}
	ru->nrows = n;
	ru->identity = 1;
	ru->r->nseries = ns;
	return 1;
}

/* Step 1 and 2: rows grouped by series and sorted by x. */
static int order_rows(struct run *ru)
{
	const struct spc_data *d = ru->d;
	size_t i, n = d->n, ns = 0, *key = NULL, *tmp;
	struct labels l1, l2;
	int rc;

	if (!ru->general && d->facet && !d->facet2 && d->x && !d->is_new && n > 0) {
		rc = order_facets_fast(ru);
		if (rc < 0)
			return CO_ENOMEM;
		if (rc)
			return 0;
	}

	/* one series already in strictly increasing x: no row index at all */
	if (!d->facet && !d->facet2 && d->x && !d->is_new && n > 0) {
		if (increasing(d->x, n)) {
			ru->nrows = n;
			ru->simple = 1;
			ru->series_row0 = spc__alloc(ru->tmp, 2 * sizeof(size_t));
			ru->slabel = spc__alloc(ru->tmp, 2 * sizeof(char *));
			ru->slabel2 = spc__alloc(ru->tmp, 2 * sizeof(char *));
			if (!ru->series_row0 || !ru->slabel || !ru->slabel2)
				return CO_ENOMEM;
			ru->series_row0[0] = 0;
			ru->series_row0[1] = n;
			ru->slabel[0] = ru->slabel2[0] = "";
			ru->r->nseries = 1;
			return 0;
		}
	}
	ru->row = spc__alloc(ru->tmp, (n + 1) * sizeof(size_t));
	tmp = spc__alloc(ru->tmp, (n + 1) * sizeof(size_t));
	if (!ru->row || !tmp)
		return CO_ENOMEM;
	ru->nrows = 0;
	for (i = 0; i < n; i++)
		if (!d->x || !isnan(d->x[i]))
			ru->row[ru->nrows++] = i;

	if (d->facet || d->facet2) {
		size_t *id1, *id2, n1, nkeys;

		if ((rc = labels_init(&l1, n, ru->tmp)) || (rc = labels_init(&l2, n, ru->tmp)))
			return rc;
		id1 = spc__alloc(ru->tmp, (n + 1) * sizeof(size_t));
		id2 = spc__alloc(ru->tmp, (n + 1) * sizeof(size_t));
		key = spc__alloc(ru->tmp, (n + 1) * sizeof(size_t));
		if (!id1 || !id2 || !key)
			return CO_ENOMEM;
		for (i = 0; i < n; i++) {
			/* consecutive rows of one series are the common case */
			if (i > 0 && d->facet && d->facet[i] && d->facet[i - 1] &&
			    (d->facet[i] == d->facet[i - 1] ||
			     strcmp(d->facet[i], d->facet[i - 1]) == 0) &&
			    !d->facet2) {
				id1[i] = id1[i - 1];
				id2[i] = id2[i - 1];
				continue;
			}
			id1[i] = labels_id(&l1, d->facet ? d->facet[i] : "");
			id2[i] = d->facet2 ? labels_id(&l2, d->facet2[i]) : labels_id(&l2, "");
			if (id1[i] == (size_t)-1 || id2[i] == (size_t)-1)
				return CO_ENOMEM;
		}
		if ((rc = labels_rank(&l1, ru->tmp)) || (rc = labels_rank(&l2, ru->tmp)))
			return rc;
		n1 = l1.n;
		for (i = 0; i < n; i++)
			key[i] = l2.rank[id2[i]] * n1 + l1.rank[id1[i]];
		for (i = 1; i < ru->nrows; i++)
			if (key[ru->row[i]] < key[ru->row[i - 1]])
				break;
		if (i < ru->nrows)
			msort_idx(ru->row, tmp, ru->nrows, key_less, key);
		/* series labels */
		nkeys = 0;
		for (i = 0; i < ru->nrows; i++)
			if (i == 0 || key[ru->row[i]] != key[ru->row[i - 1]])
				nkeys++;
		ru->series_row0 = spc__alloc(ru->tmp, (nkeys + 1) * sizeof(size_t));
		ru->slabel = spc__alloc(ru->tmp, (nkeys + 1) * sizeof(char *));
		ru->slabel2 = spc__alloc(ru->tmp, (nkeys + 1) * sizeof(char *));
		if (!ru->series_row0 || !ru->slabel || !ru->slabel2)
			return CO_ENOMEM;
		for (i = 0; i < ru->nrows; i++)
			if (i == 0 || key[ru->row[i]] != key[ru->row[i - 1]]) {
				size_t r0 = ru->row[i];

				ru->series_row0[ns] = i;
				ru->slabel[ns] = d->facet ? d->facet[r0] : "";
				ru->slabel2[ns] = d->facet2 ? d->facet2[r0] : "";
				if (!ru->slabel[ns])
					ru->slabel[ns] = "";
				if (!ru->slabel2[ns])
					ru->slabel2[ns] = "";
				ns++;
			}
	} else {
		ru->series_row0 = spc__alloc(ru->tmp, 2 * sizeof(size_t));
		ru->slabel = spc__alloc(ru->tmp, 2 * sizeof(char *));
		ru->slabel2 = spc__alloc(ru->tmp, 2 * sizeof(char *));
		if (!ru->series_row0 || !ru->slabel || !ru->slabel2)
			return CO_ENOMEM;
		if (ru->nrows) {
			ru->series_row0[0] = 0;
			ru->slabel[0] = ru->slabel2[0] = "";
			ns = 1;
		}
	}
	ru->series_row0[ns] = ru->nrows;
	ru->r->nseries = ns;

	/* sort each series by x when it is not sorted already */
	for (i = 0; i < ns; i++) {
		size_t a = ru->series_row0[i], b = ru->series_row0[i + 1], j;
		int sorted = 1;

		for (j = a + 1; j < b; j++)
			if (x_less(ru, ru->row[j], ru->row[j - 1])) {
				sorted = 0;
				break;
			}
		if (!sorted)
			msort_idx(ru->row + a, tmp, b - a, x_less, ru);
	}
	return 0;
}

/* The chart value of a subgroup without denominators. */
static double aggregate(const struct run *ru, double *v, size_t nv, size_t nrows)
{
	const struct spc_options *o = &ru->o;
	double s = 0, m;
	size_t i;

	switch (o->agg) {
	case SPC_AGG_MEAN:
	case SPC_AGG_UNIQUE:
		if (!nv)
			return NAN;
		for (i = 0; i < nv; i++)
			s += v[i];
		return s / (double)nv;
	case SPC_AGG_MEDIAN: return spc__median(v, nv);
	case SPC_AGG_SUM:
		if (!nv && (o->profile != SPC_PROFILE_QICHARTS2 || nrows == 0))
			return NAN;
		for (i = 0; i < nv; i++)
			s += v[i];
		return s;
	case SPC_AGG_SD:
		if (nv < 2)
			return NAN;
		for (i = 0; i < nv; i++)
			s += v[i];
		m = s / (double)nv;
		s = 0;
		for (i = 0; i < nv; i++)
			s += (v[i] - m) * (v[i] - m);
		return sqrt(s / (double)(nv - 1));
	}
	return NAN;
}

/* R's mean(): a long-double accumulation and a correction pass, so that
 * means agree with the peers to the last bit. */
static double r_mean(const double *v, size_t n)
{
	long double s = 0, t = 0;
	size_t i;

	if (!n)
		return NAN;
	for (i = 0; i < n; i++)
		s += v[i];
	s /= (long double)n;
	if (isfinite((double)s)) {
		for (i = 0; i < n; i++)
			t += v[i] - s;
		s += t / (long double)n;
	}
	return (double)s;
}

static double r_sd(const double *v, size_t n)
{
	double m, s = 0;
	size_t i;

	if (n < 2)
		return NAN;
	m = r_mean(v, n);
	for (i = 0; i < n; i++)
		s += (v[i] - m) * (v[i] - m);
	return sqrt(s / (double)(n - 1));
}

/* The notes of a subgroup as qicharts2 shows them: the distinct notes in
 * order joined with "|", runs of "|" collapsed, leading and trailing "|"
 * removed, each "|" shown as " | "; NULL when nothing is left. */
static const char *join_notes(struct run *ru, const size_t *rows, size_t k)
{
	size_t i, j, len = 0;
	char *s, *out, *p;

	for (i = 0; i < k; i++) {
		const char *t = ru->d->notes[rows[i]];

		if (t)
			len += strlen(t) + 1;
	}
	if (!len)
		return NULL;
	s = spc__alloc(ru->tmp, len + 1);
	if (!s)
		return NULL;
	p = s;
	for (i = 0; i < k; i++) {
		const char *t = ru->d->notes[rows[i]];
		int dup = 0;

		if (!t)
			t = "";
		for (j = 0; j < i && !dup; j++) {
			const char *u = ru->d->notes[rows[j]];

			dup = strcmp(u ? u : "", t) == 0;
		}
		if (dup)
			continue;
		if (p != s)
			*p++ = '|';
		memcpy(p, t, strlen(t));
		p += strlen(t);
	}
	*p = '\0';
	/* collapse and trim the separators */
	out = spc__alloc(&ru->r->mem, 3 * strlen(s) + 1);
	if (!out)
		return NULL;
	p = out;
	for (i = 0; s[i]; i++) {
		if (s[i] == '|') {
			while (s[i + 1] == '|')
				i++;
			if (p == out || s[i + 1] == '\0')
				continue;
			memcpy(p, " | ", 3);
			p += 3;
		} else {
			*p++ = s[i];
		}
	}
	*p = '\0';
	return *out ? out : NULL;
}

static int alloc_d(struct spc_result *r, double **p, size_t n)
{
	*p = spc__alloc(&r->mem, (n + 1) * sizeof(double));
	return *p ? 0 : CO_ENOMEM;
}

/* Whether the chart reads the subgroup statistics (sum, mean, sd, count). */
static int needs_stats(const struct spc_options *o)
{
	switch (o->chart) {
	case SPC_CHART_RUN:
	case SPC_CHART_I:
	case SPC_CHART_G: return 0;
	default: return 1;
	}
}

/* A lean P or U chart whose rows are its points (series after series, each
 * in increasing x, without notes): the result keeps the caller's y and n and
 * computes each point's value, n and limits when they are read. */
static int ratio_ok(const struct run *ru)
{
	const struct spc_data *d = ru->d;

	return ru->lean && (ru->simple || ru->identity) && ru->nrows == d->n && d->x && d->denom &&
	       !d->notes && !d->is_new &&
	       (ru->o.chart == SPC_CHART_P || ru->o.chart == SPC_CHART_U);
}

/* The fast path: one series, already in order, distinct x, no denominators,
 * notes or phases, an aggregate that is the value itself: points are rows. */
static int try_alias(struct run *ru)
{
	const struct spc_data *d = ru->d;
	struct spc_result *r = ru->r;
	size_t i;

	if (ratio_ok(ru)) {
		size_t s;

		for (s = 0; s < r->nseries && !ru->identity; s++) { /* identity: set already */
			r->series[s].first = ru->series_row0[s];
			r->series[s].count = ru->series_row0[s + 1] - ru->series_row0[s];
		}
		r->np = d->n;
		r->x = d->x;
		r->y = NULL;
		r->ynum = d->y;
		r->yden = d->denom;
		ru->aliased = 1;
		return 0;
	}
	if (ru->nrows != d->n || !d->x || d->denom || d->notes || d->is_new ||
	    needs_stats(&ru->o) || ru->o.chart == SPC_CHART_T || ru->o.chart == SPC_CHART_MR)
		return 0;
	if (!(ru->o.agg == SPC_AGG_MEAN || ru->o.agg == SPC_AGG_MEDIAN ||
	      ru->o.agg == SPC_AGG_UNIQUE))
		return 0;
	if (!ru->simple) {
		size_t s;

		for (i = 0; i < d->n && !ru->identity; i++)
			if (ru->row[i] != i)
				return 0;
		for (s = 0; s < r->nseries && !ru->identity; s++)
			for (i = ru->series_row0[s] + 1; i < ru->series_row0[s + 1]; i++)
				if (!(d->x[i] > d->x[i - 1]))
					return 0;
		for (s = 0; s < r->nseries && !ru->identity; s++) { /* identity: set already */
			r->series[s].first = ru->series_row0[s];
			r->series[s].count = ru->series_row0[s + 1] - ru->series_row0[s];
		}
	}
	r->np = d->n;
	r->x = d->x;
	r->y = d->y;
	r->yraw = d->y;
	ru->aliased = 1;
	return 0;
}

static int qcc_stat_chart(const struct spc_options *o)
{
	return o->profile == SPC_PROFILE_QCC &&
	       (o->chart == SPC_CHART_XBAR || o->chart == SPC_CHART_R || o->chart == SPC_CHART_S);
}

/* Step 3: subgroups. */
static int build_points(struct run *ru)
{
	const struct spc_data *d = ru->d;
	const struct spc_options *o = &ru->o;
	struct spc_result *r = ru->r;
	size_t s, i, np = 0, maxk = 1;
	double *x, *y, *vals;
	int rc, want;

	if ((rc = try_alias(ru)) || ru->aliased)
		return rc;
	if (ru->simple || ru->identity) { /* an identity row index after all */
		ru->row = spc__alloc(ru->tmp, (d->n + 1) * sizeof(size_t));
		if (!ru->row)
			return CO_ENOMEM;
		for (i = 0; i < d->n; i++)
			ru->row[i] = i;
	}

	/* count the subgroups */
	for (s = 0; s < r->nseries; s++) {
		size_t a = ru->series_row0[s], b = ru->series_row0[s + 1], k = 1;

		for (i = a; i < b; i++) {
			if (i == a || x_less(ru, ru->row[i - 1], ru->row[i])) {
				np++;
				k = 1;
			} else {
				if (o->agg == SPC_AGG_UNIQUE && !qcc_stat_chart(o)) {
					return co_errf_at(ru->err, CO_EINPUT, (long)ru->row[i] + 1,
					                  0, "x",
					                  "duplicate x in one series (this chart "
					                  "needs one row per date)");
				}
				if (++k > maxk)
					maxk = k;
			}
		}
	}
	r->np = np;
	/* the subgroup statistics are kept when the chart or the profile's
	 * output needs them, or rows were aggregated */
	want = o->profile == SPC_PROFILE_QICHARTS2 || o->profile == SPC_PROFILE_QCC ||
	       o->chart == SPC_CHART_XBAR || o->chart == SPC_CHART_S || o->chart == SPC_CHART_R ||
	       o->chart == SPC_CHART_IP || maxk > 1;
	if ((rc = alloc_d(r, &x, np)) || (rc = alloc_d(r, &y, np)) ||
	    (rc = alloc_d(r, &r->ysum, np)) || (want && (rc = alloc_d(r, &r->ymean, np))) ||
	    (want && (rc = alloc_d(r, &r->ysd, np))))
		return rc;
	r->x = x;
	r->y = y;
	if (want && !(r->ycount = spc__alloc(&r->mem, (np + 1) * sizeof(int))))
		return CO_ENOMEM;
	vals = spc__alloc(ru->tmp, (maxk + 1) * sizeof(double));
	if (!vals)
		return CO_ENOMEM;
	if (d->denom && (rc = alloc_d(r, &r->n, np)))
		return rc;
	if (qcc_stat_chart(o) && (rc = alloc_d(r, &r->yrange, np)))
		return rc;
	if (d->notes) {
		r->notes = spc__calloc(&r->mem, np + 1, sizeof(char *));
		if (!r->notes)
			return CO_ENOMEM;
	}
	if (!ru->lean) {
		r->sig = spc__calloc(&r->mem, np + 1, sizeof(uint32_t));
		if (!r->sig)
			return CO_ENOMEM;
	}

	np = 0;
	for (s = 0; s < r->nseries; s++) {
		size_t a = ru->series_row0[s], b = ru->series_row0[s + 1], g0, g1;

		r->series[s].first = np;
		for (g0 = a; g0 < b; g0 = g1) {
			size_t k, nv = 0, nrows;
			double sum = 0, nsum = 0, lo = INFINITY, hi = -INFINITY;

			for (g1 = g0 + 1; g1 < b && !x_less(ru, ru->row[g1 - 1], ru->row[g1]); g1++)
				;
			nrows = g1 - g0;
			for (k = g0; k < g1; k++) {
				size_t ri = ru->row[k];
				double yv = d->y[ri], nv_ = d->denom ? d->denom[ri] : 0;

				if (d->denom && (isnan(yv) || isnan(nv_)))
					continue;
				if (d->denom)
					nsum += nv_;
				if (isnan(yv))
					continue;
				vals[nv++] = yv;
				sum += yv;
				if (yv < lo)
					lo = yv;
				if (yv > hi)
					hi = yv;
			}
			x[np] = row_x(ru, ru->row[g0]);
			if (row_new(ru, ru->row[g0]))
				r->sig[np] |= SPC__F_NEW;
			r->ysum[np] = nrows == 1 && nv == 0 ? NAN : sum;
			if (want) {
				r->ycount[np] = (int)nv;
				r->ymean[np] = r_mean(vals, nv);
				r->ysd[np] = r_sd(vals, nv);
			}
			if (d->denom)
				r->n[np] = nsum;
			if (d->notes)
				r->notes[np] = join_notes(ru, ru->row + g0, nrows);
			if (qcc_stat_chart(o)) {
				r->yrange[np] = nv ? hi - lo : NAN;
				if (o->chart == SPC_CHART_XBAR)
					y[np] = r->ymean[np];
				else if (o->chart == SPC_CHART_R)
					y[np] = r->yrange[np];
				else
					y[np] = r->ysd[np];
				if (!d->denom) {
					if (!r->n && (rc = alloc_d(r, &r->n, r->np)))
						return rc;
					r->n[np] = (double)nv;
				}
			} else if (o->chart == SPC_CHART_C || o->chart == SPC_CHART_NP) {
				y[np] = r->ysum[np];
			} else if (o->chart == SPC_CHART_S) {
				y[np] = r->ysd[np];
			} else if (d->denom) {
				y[np] = sum / nsum;
			} else {
				y[np] = aggregate(ru, vals, nv, nrows);
			}
			np++;
		}
		r->series[s].count = np - r->series[s].first;
	}
	return 0;
}

/* The part column: a new part starts at each label other than the first,
 * at its first row among the rows that are the first with their x (in row
 * order, over all series), as qicharts2 reads part labels. */
static int label_breaks(struct run *ru)
{
	const struct spc_data *d = ru->d;
	struct labels seenx, seenl;
	size_t i, kept = 0;
	char buf[64];
	int rc;

	if (!d->part)
		return 0;
	ru->label_breaks = spc__alloc(ru->tmp, (d->n + 1) * sizeof(long));
	if (!ru->label_breaks)
		return CO_ENOMEM;
	if ((rc = labels_init(&seenx, d->n, ru->tmp)) || (rc = labels_init(&seenl, d->n, ru->tmp)))
		return rc;
	for (i = 0; i < d->n; i++) {
		size_t before, id;
		char *key;

		if (d->x && isnan(d->x[i]))
			continue;
		snprintf(buf, sizeof(buf), "%.17g", row_x(ru, i));
		key = spc__strdup(ru->tmp, buf);
		if (!key)
			return CO_ENOMEM;
		before = seenx.n;
		labels_id(&seenx, key);
		if (seenx.n == before)
			continue; /* not the first row with this x */
		kept++;
		before = seenl.n;
		id = labels_id(&seenl, d->part[i] ? d->part[i] : "");
		if (seenl.n != before && id > 0)
			ru->label_breaks[ru->nlabel_breaks++] = (long)kept - 1;
	}
	return 0;
}

static int has_break(const long *v, size_t n, long pos)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == pos)
			return 1;
	return 0;
}

static int is_rebase(const struct spc_options *o, const char *label, double x)
{
	size_t i, j;

	for (i = 0; i < o->nrebase; i++) {
		const struct spc_facet_values *fv = &o->rebase[i];

		if (fv->label && strcmp(fv->label, "*") != 0 && strcmp(fv->label, label) != 0)
			continue;
		for (j = 0; j < fv->n; j++)
			if (fv->v[j] == x)
				return 1;
	}
	return 0;
}

static double series_target(const struct spc_options *o, const char *label)
{
	size_t i;
	double t = o->target;

	for (i = 0; i < o->ntargets; i++) {
		const struct spc_facet_values *fv = &o->targets[i];

		if (!fv->n)
			continue;
		if (!fv->label || strcmp(fv->label, "*") == 0)
			t = fv->v[0];
		else if (strcmp(fv->label, label) == 0)
			return fv->v[0];
	}
	return t;
}

/* Step 4: parts, baseline and inclusion. */
/* Part k of series s from point first, its count 0, with its limits
 * cleared: field by field, as a batch of short series makes as many parts
 * as series. */
static void part_init(struct spc_result *r, size_t k, size_t s, size_t first, int number, int group)
{
	struct spc_part *p = &r->parts[k];
	struct spc__lim *l = &r->plim[k];

	p->series = s;
	p->first = first;
	p->count = 0;
	p->number = number;
	p->group = group;
	p->n_obs = p->n_useful = 0;
	p->longest_run = p->longest_run_max = 0;
	p->crossings = p->crossings_min = 0;
	p->runs_signal = 0;
	p->short_group = 0;
	p->sigma = NAN;
	p->centre = NAN;
	l->cl = l->lcl = l->ucl = l->lcl2 = l->ucl2 = 0;
}

/* The blocks of 64 points that start in part k (made whole) point to it. */
static void block_parts(struct spc_result *r, size_t k)
{
	const struct spc_part *p = &r->parts[k];
	size_t b;

	if (!r->pblock)
		return;
	for (b = (p->first + 63) / 64; 64 * b < p->first + p->count; b++)
		r->pblock[b] = (uint32_t)k;
}

static int build_parts(struct run *ru)
{
	const struct spc_options *o = &ru->o;
	struct spc_result *r = ru->r;
	size_t s, i, nparts = 0, cap;
	int rc, one_part;

	if ((rc = label_breaks(ru)))
		return rc;
	ru->has_parts = o->nparts > 0 || ru->d->part;
	if (!r->sig && !ru->lean) {
		r->sig = spc__calloc(&r->mem, r->np + 1, sizeof(uint32_t));
		if (!r->sig)
			return CO_ENOMEM;
	}
	/* count the parts */
	cap = r->nseries;
	for (s = 0; s < r->nseries && (o->nparts || ru->nlabel_breaks || o->nrebase); s++) {
		struct spc_series *se = &r->series[s];

		for (i = 1; i < se->count; i++)
			if (has_break(o->parts, o->nparts, (long)i) ||
			    has_break(ru->label_breaks, ru->nlabel_breaks, (long)i) ||
			    (o->nrebase && is_rebase(o, se->label, r->x[se->first + i])))
				cap++;
	}
	/* each part is written whole where it starts (not cleared first: a
	 * batch of many series has as many parts) */
	one_part = !o->nparts && !ru->nlabel_breaks && !o->nrebase;
	r->parts = spc__alloc(&r->mem, (cap + 1) * sizeof(struct spc_part));
	r->plim = spc__alloc(&r->mem, (cap + 1) * sizeof(struct spc__lim));
	if (!r->parts || !r->plim)
		return CO_ENOMEM;
	/* where each block of 64 points starts among the parts, filled as the
	 * parts are made (spc__part_of()) */
	if (cap > 8) {
		r->pblock = spc__alloc(&r->mem, ((r->np + 63) / 64 + 1) * sizeof(uint32_t));
		if (!r->pblock)
			return CO_ENOMEM;
	}
	for (s = 0; s < r->nseries; s++) {
		struct spc_series *se = &r->series[s];
		int group = o->nrebase && se->count && is_rebase(o, se->label, r->x[se->first]);
		int number = 1;

		if (s + 8 < r->nseries) /* see the lean pass in spc__run() */
			__builtin_prefetch(&r->series[s + 8], 1);
		if (nparts + 8 < cap) {
			__builtin_prefetch(&r->parts[nparts + 8], 1);
			__builtin_prefetch((const char *)&r->parts[nparts + 8] + 64, 1);
			__builtin_prefetch(&r->plim[nparts + 8], 1);
		}
		se->first_part = nparts;
		se->target = series_target(o, se->label);
		if (one_part && se->count) {
			part_init(r, nparts, s, se->first, 1, group);
			r->parts[nparts].count = se->count;
			r->parts[nparts].short_group = (long)se->count < o->warning_threshold;
			block_parts(r, nparts++);
			se->nparts = 1;
			continue;
		}
		for (i = 0; i < se->count; i++) {
			int brk =
			        i > 0 && (has_break(o->parts, o->nparts, (long)i) ||
			                  has_break(ru->label_breaks, ru->nlabel_breaks, (long)i));
			int reb =
			        i > 0 && o->nrebase && is_rebase(o, se->label, r->x[se->first + i]);

			if (i == 0 || brk || reb) {
				if (i > 0) {
					r->parts[nparts - 1].count =
					        se->first + i - r->parts[nparts - 1].first;
					number++;
				}
				if (reb)
					group++;
				part_init(r, nparts++, s, se->first + i, number, group);
			}
		}
		if (se->count)
			r->parts[nparts - 1].count =
			        se->first + se->count - r->parts[nparts - 1].first;
		se->nparts = nparts - se->first_part;
		for (i = se->first_part; i < nparts; i++)
			block_parts(r, i);
	}
	r->nparts = nparts;

	/* baseline and inclusion: every point, unless a freeze, a fix, an
	 * exclusion or qcc's phases say otherwise */
	r->all_base = o->profile != SPC_PROFILE_QCC && o->freeze <= 0 && o->fix_after <= 0 &&
	              !o->nexclude;
	/* with every point in the baseline the rules pass sets the flags; the
	 * parts of one part per series know their length already */
	for (s = 0; s < r->nseries && !(r->all_base && one_part); s++) {
		struct spc_series *se = &r->series[s];
		size_t p;

		for (p = se->first_part; p < se->first_part + se->nparts; p++) {
			struct spc_part *pt = &r->parts[p];

			pt->short_group = (long)pt->count < o->warning_threshold;
			if (r->all_base)
				continue;
			for (i = pt->first; i < pt->first + pt->count; i++) {
				long xx = (long)(i - se->first) + 1;
				int base = 1;

				if (o->profile == SPC_PROFILE_QCC)
					base = !(r->sig[i] & SPC__F_NEW);
				if (o->freeze > 0 && !ru->has_parts && xx > o->freeze)
					base = 0;
				if (o->fix_after > 0 && (long)(i - pt->first) >= o->fix_after)
					base = 0;
				if (base)
					r->sig[i] |= SPC__F_BASE;
				if (!has_break(o->exclude, o->nexclude, xx))
					r->sig[i] |= SPC__F_INCLUDE;
			}
		}
	}
	return 0;
}

/* NHSRplotthedots refuses rebase dates and targets for facets it does not
 * have. */
static int ptd_check_labels(struct run *ru)
{
	const struct spc_options *o = &ru->o;
	size_t i, s;

	for (i = 0; i < o->nrebase + o->ntargets; i++) {
		const struct spc_facet_values *fv =
		        i < o->nrebase ? &o->rebase[i] : &o->targets[i - o->nrebase];
		int found = 0;

		if (!fv->label || strcmp(fv->label, "*") == 0)
			continue;
		for (s = 0; s < ru->r->nseries && !found; s++)
			found = strcmp(ru->r->series[s].label, fv->label) == 0;
		if (!found)
			return co_errf(ru->err, CO_EINPUT,
			               "options provided to %s are not in the facet_field column.",
			               i < o->nrebase ? "rebase" : "target");
	}
	return 0;
}

/* Whether any row may be refused by check_values(): the same tests without
 * branches, most often over y alone. */
static int any_bad(const struct spc_data *d, const struct spc_options *o)
{
	int none = o->profile == SPC_PROFILE_NONE;
	int npos = o->profile != SPC_PROFILE_QCC && o->profile != SPC_PROFILE_QICHARTS2;
	int above = none && (o->chart == SPC_CHART_P || o->chart == SPC_CHART_PP);
	int neg = none &&
	          (o->chart == SPC_CHART_P || o->chart == SPC_CHART_PP || o->chart == SPC_CHART_U ||
	           o->chart == SPC_CHART_UP || o->chart == SPC_CHART_C || o->chart == SPC_CHART_G);
	int tpos = none && o->chart == SPC_CHART_T;
	double lo = tpos ? 0 : neg ? -0.0 : -INFINITY; /* y <= lo is refused (or y < 0) */
	size_t i = 0, n = d->n;
	int bad = 0;

#if defined(__SSE2__)
	{
		const __m128d absmask = _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffffLL));
		const __m128d inf = _mm_set1_pd(INFINITY), zero = _mm_setzero_pd();
		const __m128d lov = _mm_set1_pd(lo);
		__m128d b = _mm_setzero_pd();

		if (!d->denom) {
			for (; i + 1 < n; i += 2) {
				__m128d y = _mm_loadu_pd(d->y + i);

				b = _mm_or_pd(b, _mm_cmpeq_pd(_mm_and_pd(y, absmask), inf));
				if (lo > -INFINITY)
					b = _mm_or_pd(b, tpos ? _mm_cmple_pd(y, lov)
					                      : _mm_cmplt_pd(y, lov));
			}
		} else {
			const __m128d npv = npos ? zero : _mm_set1_pd(-INFINITY);

			for (; i + 1 < n; i += 2) {
				__m128d y = _mm_loadu_pd(d->y + i), nn = _mm_loadu_pd(d->denom + i);

				b = _mm_or_pd(b, _mm_cmpeq_pd(_mm_and_pd(y, absmask), inf));
				b = _mm_or_pd(b, _mm_cmpeq_pd(_mm_and_pd(nn, absmask), inf));
				b = _mm_or_pd(b,
				              tpos ? _mm_cmple_pd(y, lov) : _mm_cmplt_pd(y, lov));
				b = _mm_or_pd(b, _mm_cmple_pd(nn, npv));
				if (above)
					b = _mm_or_pd(b, _mm_cmpgt_pd(y, nn));
			}
		}
		bad = _mm_movemask_pd(b) != 0;
	}
#endif
	for (; i < n && !bad; i++) {
		double y = d->y[i], nn = d->denom ? d->denom[i] : NAN;

		bad = isinf(y) || isinf(nn) || (tpos ? y <= lo : y < lo) ||
		      (d->denom && npos && nn <= 0) || (above && y > nn);
	}
	return bad;
}

/* Input the chart cannot take. */
static int check_values(struct run *ru)
{
	const struct spc_data *d = ru->d;
	const struct spc_options *o = &ru->o;
	int bad = any_bad(d, o);
	size_t i;

	for (i = 0; bad && i < d->n; i++) {
		double y = d->y[i], n = d->denom ? d->denom[i] : NAN;

		if (isinf(y) || (d->denom && isinf(n)))
			return co_errf_at(ru->err, CO_EINPUT, (long)i + 1, 0, isinf(y) ? "y" : "n",
			                  "the value is infinite");
		if (d->denom && !isnan(n) && n <= 0 && o->profile != SPC_PROFILE_QCC &&
		    o->profile != SPC_PROFILE_QICHARTS2)
			return co_errf_at(ru->err, CO_EINPUT, (long)i + 1, 0, "n",
			                  "the denominator must be greater than zero");
		if (o->profile == SPC_PROFILE_NONE && d->denom && !isnan(y) && !isnan(n) &&
		    (o->chart == SPC_CHART_P || o->chart == SPC_CHART_PP) && y > n)
			return co_errf_at(ru->err, CO_EINPUT, (long)i + 1, 0, "y",
			                  "the numerator is greater than its denominator");
		if (o->profile == SPC_PROFILE_NONE && !isnan(y) && y < 0 &&
		    (o->chart == SPC_CHART_P || o->chart == SPC_CHART_PP ||
		     o->chart == SPC_CHART_U || o->chart == SPC_CHART_UP ||
		     o->chart == SPC_CHART_C || o->chart == SPC_CHART_G))
			return co_errf_at(ru->err, CO_EINPUT, (long)i + 1, 0, "y",
			                  "a count must not be negative");
		if (o->profile == SPC_PROFILE_NONE && o->chart == SPC_CHART_T && !isnan(y) &&
		    y <= 0)
			return co_errf_at(ru->err, CO_EINPUT, (long)i + 1, 0, "y",
			                  "a time between events must be greater than zero");
	}
	if (!d->denom &&
	    (o->chart == SPC_CHART_P || o->chart == SPC_CHART_PP || o->chart == SPC_CHART_U ||
	     o->chart == SPC_CHART_UP || o->chart == SPC_CHART_NP))
		return co_errf(ru->err, CO_EINPUT, "the %s chart needs a denominator (n)",
		               spc_chart_name(o->chart));
	return 0;
}

/* Step 5 for one part: its centre line and limits (limits.c); the input
 * checks left to this pass run when it saw what they refuse. */
static int part_limits(struct run *ru, size_t i, double *yw, struct co_err *err)
{
	struct spc_result *r = ru->r;
	struct spc__part_calc pc = {.r = r,
	                            .o = &ru->o,
	                            .a = r->parts[i].first,
	                            .b = r->parts[i].first + r->parts[i].count,
	                            .part = i,
	                            .yw = yw,
	                            .tmp = ru->tmp,
	                            .check = ru->defer_check};
	int rc;

	if ((rc = spc__limits(&pc, err)))
		return rc;
	if (pc.nonfinite && ru->defer_check) {
		ru->defer_check = 0;
		return check_values(ru);
	}
	return 0;
}

int spc_run(const struct spc_data *data, const struct spc_options *opt, struct spc_result **out,
            struct co_err *err)
{
	return spc__run(data, opt, 0, NULL, out, err);
}

/* A result emptied for the next run: what it handed out is dead, its memory
 * (and the cached Anhoej limits, which depend on n alone) kept. */
static void result_clear(struct spc_result *r)
{
	struct spc__pool mem = r->mem, scratch = r->scratch;
	long cmin[SPC__CMIN_CACHE], lmax[SPC__CMIN_CACHE];

	memcpy(cmin, r->cmin, sizeof(cmin));
	memcpy(lmax, r->lmax, sizeof(lmax));
	spc__pool_reset(&mem);
	spc__pool_reset(&scratch);
	memset(r, 0, sizeof(*r));
	r->mem = mem;
	r->scratch = scratch;
	memcpy(r->cmin, cmin, sizeof(cmin));
	memcpy(r->lmax, lmax, sizeof(lmax));
}

int spc_run_again(struct spc_result *r, const struct spc_data *data, const struct spc_options *opt,
                  struct co_err *err)
{
	assert(r);
	return spc__run(data, opt, 0, r, &r, err);
}

int spc__have_avx(void)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
	/* the compiler's run-time library fills in the CPU model before main() */
	return __builtin_cpu_supports("avx");
#else
	return 0;
#endif
}

int spc__have_avx2(void)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
	return __builtin_cpu_supports("avx2");
#else
	return 0;
#endif
}

int spc__have_avx512(void)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
	return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("bmi2");
#else
	return 0;
#endif
}

int spc__run(const struct spc_data *data, const struct spc_options *opt, int flags,
             struct spc_result *reuse, struct spc_result **out, struct co_err *err)
{
	int general = flags & SPC__GENERAL;
	struct run ru;
	struct spc_result *r;
	size_t i, s;
	int rc;

	assert(data && opt && out);
	if (reuse)
		result_clear(reuse);
	memset(&ru, 0, sizeof(ru));
	ru.d = data;
	ru.o = *opt;
	ru.err = err;
	resolve_defaults(&ru.o);
	if ((rc = check_options(&ru.o, err)))
		return rc;
	ru.general = general;
	ru.lean = !general && spc__lean_ok(&ru.o) && !data->is_new;
	if (!data->y)
		return co_errf(err, CO_EINPUT, "no values (y)");
	if (data->n > CO_SPC_MAX_POINTS)
		return co_errf(err, CO_ELIMIT, "more than %lu rows",
		               (unsigned long)CO_SPC_MAX_POINTS);
	if (data->n == 0)
		return co_errf(err, CO_EINPUT, "no rows");

	if (reuse) {
		r = reuse;
		ru.tmp = &r->scratch;
	} else {
		r = calloc(1, sizeof(*r));
		if (!r)
			return co_errf(err, CO_ENOMEM, "out of memory");
		spc__pool_init(&r->mem);
		spc__pool_init(&r->scratch);
		spc__pool_init(&ru.tmp_own);
		ru.tmp = &ru.tmp_own;
	}
	ru.r = r;
	r->avx = !(flags & SPC__NO_AVX) && spc__have_avx();
	r->avx2 = r->avx && spc__have_avx2();
	r->avx512 = r->avx2 && !(flags & SPC__NO_AVX512) && spc__have_avx512();
	r->opt = ru.o;
	r->opt.targets = NULL;
	r->opt.ntargets = 0;
	r->opt.parts = NULL;
	r->opt.nparts = 0;
	r->opt.exclude = NULL;
	r->opt.nexclude = 0;
	r->opt.rebase = NULL;
	r->opt.nrebase = 0;

	if ((rc = order_rows(&ru)))
		goto out;
	/* When the rows are the points, the first pass of the limits looks for
	 * what check_values() refuses (pc.nonfinite) and only then is it run:
	 * Collective's XmR and run charts (whose only check is no infinite y: the
	 * XmR sums come out infinite or NAN, the run chart looks) and the P and
	 * U charts of ratio results. */
	ru.defer_check = (ru.lean && (ru.simple || ru.identity) &&
	                  (ru.o.chart == SPC_CHART_I || ru.o.chart == SPC_CHART_RUN) &&
	                  ru.o.profile == SPC_PROFILE_NONE && !data->denom) ||
	                 ratio_ok(&ru);
	if (!ru.defer_check && (rc = check_values(&ru)))
		goto out;
	if (r->nseries == 0) {
		rc = co_errf(err, CO_EINPUT, "no rows with an x value");
		goto out;
	}
	if (ru.lean && spc__varying_limits(&ru.o) && !ratio_ok(&ru))
		ru.lean = 0;
	/* each series written whole here (not cleared first) */
	r->series = spc__alloc(&r->mem, (r->nseries + 1) * sizeof(struct spc_series));
	if (!r->series) {
		rc = CO_ENOMEM;
		goto out;
	}
	r->series[r->nseries] = (struct spc_series){.label = NULL};
	{
		/* the labels copied into one block (their lengths kept from the
		 * first pass); without a second facet, one empty label for
		 * every series */
		size_t total = 1, *len = spc__alloc(ru.tmp, (2 * r->nseries + 1) * sizeof(size_t));
		char *lb;
		const char *empty;

		if (!len) {
			rc = CO_ENOMEM;
			goto out;
		}
		for (s = 0; s < r->nseries; s++) {
			len[2 * s] = strlen(ru.slabel[s]) + 1;
			len[2 * s + 1] = data->facet2 ? strlen(ru.slabel2[s]) + 1 : 0;
			total += len[2 * s] + len[2 * s + 1];
		}
		lb = spc__alloc(&r->mem, total);
		if (!lb) {
			rc = CO_ENOMEM;
			goto out;
		}
		*lb = '\0';
		empty = lb++;
		for (s = 0; s < r->nseries; s++) {
			const char *l1 = lb, *l2 = empty;

			memcpy(lb, ru.slabel[s], len[2 * s]);
			lb += len[2 * s];
			if (data->facet2) {
				l2 = lb;
				memcpy(lb, ru.slabel2[s], len[2 * s + 1]);
				lb += len[2 * s + 1];
			}
			r->series[s] = (struct spc_series){.label = l1, .label2 = l2};
			if (ru.identity) { /* rows are points, series after series */
				r->series[s].first = ru.series_row0[s];
				r->series[s].count = ru.series_row0[s + 1] - ru.series_row0[s];
			}
		}
	}
	if (ru.o.profile == SPC_PROFILE_PTD && (rc = ptd_check_labels(&ru)))
		goto out;
	if ((rc = build_points(&ru)))
		goto out;
	if (ru.aliased && ru.simple) {
		r->series[0].first = 0;
		r->series[0].count = r->np;
	}
	if ((rc = build_parts(&ru)))
		goto out;
	if (ru.lean && (rc = spc__lean_alloc(r)))
		goto out;

	if (spc__varying_limits(&ru.o) && !r->ynum) {
		if ((rc = alloc_d(r, &r->cl, r->np)) || (rc = alloc_d(r, &r->lcl, r->np)) ||
		    (rc = alloc_d(r, &r->ucl, r->np)) || (rc = alloc_d(r, &r->lcl2, r->np)) ||
		    (rc = alloc_d(r, &r->ucl2, r->np)))
			goto out;
	}
	{
		double *yw = NULL;

		if (ru.o.chart == SPC_CHART_MR || ru.o.chart == SPC_CHART_T) {
			if ((rc = alloc_d(r, &yw, r->np)))
				goto out;
			memcpy(yw, r->y, r->np * sizeof(double));
			r->y = yw;
		}
		r->has_target = !isnan(ru.o.target) || ru.o.ntargets > 0;
		r->runs_off = ru.o.xkind == SPC_X_CATEGORY || ru.o.chart == SPC_CHART_MR;
		if (ru.lean) {
			/* series by series, each part's limits and rules together and
			 * then the series' icons, while its points are in the cache:
			 * the lean rules need nothing from the other parts */
			/* The limits of the next series are worked out before the
			 * rules of this one: the chains of additions and divisions
			 * behind a centre and its limits then overlap this series'
			 * mask work instead of waiting for it. */
			for (i = 0; r->nseries && i < r->series[0].nparts; i++)
				if ((rc = part_limits(&ru, r->series[0].first_part + i, yw, err)))
					goto out;
			for (s = 0; s < r->nseries; s++) {
				const struct spc_series *se = &r->series[s];

				/* a batch of short series walks these arrays faster than
				 * the processor fetches them ahead on its own */
				if (s + 8 < r->nseries)
					__builtin_prefetch(&r->series[s + 8], 1);
				if (se->first_part + 8 < r->nparts) {
					const char *pp =
					        (const char *)&r->parts[se->first_part + 8];

					__builtin_prefetch(pp, 1);
					__builtin_prefetch(pp + 64, 1);
					__builtin_prefetch(&r->plim[se->first_part + 8], 1);
				}
				if (s + 1 < r->nseries) {
					const struct spc_series *nx = &r->series[s + 1];

					for (i = nx->first_part; i < nx->first_part + nx->nparts;
					     i++)
						if ((rc = part_limits(&ru, i, yw, err)))
							goto out;
				}
				for (i = se->first_part; i < se->first_part + se->nparts; i++)
					if ((rc = spc__lean_rules_part(r, i, ru.tmp)))
						goto out;
				spc__rules_series(r, s);
				spc__classify_series(r, s);
			}
		} else {
			for (i = 0; i < r->nparts; i++)
				if ((rc = part_limits(&ru, i, yw, err)))
					goto out;
		}
	}

	/* y_neg: negative lower limits clamped when every y is >= 0 */
	if (!ru.o.y_neg) {
		int neg = 0;

		for (i = 0; i < r->np && !neg; i++)
			neg = spc__y(r, i) * ru.o.multiply < 0;
		r->clamp_lcl = !neg;
	}
	if (!ru.lean) {
		for (i = 0; i < r->nparts; i++)
			if ((rc = spc__rules_part(r, i, err)))
				goto out;
		for (s = 0; s < r->nseries; s++) {
			spc__rules_series(r, s);
			spc__classify_series(r, s);
		}
	}
	rc = 0;
out:
	if (!reuse)
		spc__pool_free(&ru.tmp_own);
	if (rc) {
		if (rc == CO_ENOMEM)
			co_errf(err, CO_ENOMEM, "out of memory");
		if (reuse)
			result_clear(r);
		else
			spc_result_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void spc_result_free(struct spc_result *r)
{
	if (!r)
		return;
	spc__pool_free(&r->mem);
	spc__pool_free(&r->scratch);
	free(r);
}

size_t spc_result_npoints(const struct spc_result *r)
{
	return r->np;
}

size_t spc_result_nseries(const struct spc_result *r)
{
	return r->nseries;
}

size_t spc_result_nparts(const struct spc_result *r)
{
	return r->nparts;
}

const struct spc_series *spc_result_series(const struct spc_result *r, size_t i)
{
	return i < r->nseries ? &r->series[i] : NULL;
}

const struct spc_part *spc_result_part(const struct spc_result *r, size_t i)
{
	return i < r->nparts ? &r->parts[i] : NULL;
}

const struct spc_options *spc_result_options(const struct spc_result *r)
{
	return &r->opt;
}

size_t spc__part_of(const struct spc_result *r, size_t i)
{
	size_t lo = 0, hi = r->nparts;

	if (r->pblock) { /* the block's first part, then forward: parts are in order */
		lo = r->pblock[i >> 6];
		while (lo + 1 < r->nparts && r->parts[lo + 1].first <= i)
			lo++;
		return lo;
	}

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (r->parts[mid].first <= i)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

void spc__limits_in(const struct spc_result *r, size_t i, size_t part, struct spc__lim *l)
{
	if (r->cl) {
		l->cl = r->cl[i];
		l->lcl = r->lcl[i];
		l->ucl = r->ucl[i];
		l->lcl2 = r->lcl2[i];
		l->ucl2 = r->ucl2[i];
	} else if (r->ynum) {
		spc__pu_limits(r->plim[part].cl, spc__ratio_n(r, i), r->opt.chart == SPC_CHART_P, 0,
		               1, l);
	} else {
		*l = r->plim[part];
	}
}

void spc__limits_at(const struct spc_result *r, size_t i, struct spc__lim *l)
{
	spc__limits_in(r, i, r->cl ? 0 : spc__part_of(r, i), l);
}

uint32_t spc__sig(const struct spc_result *r, size_t i)
{
	return r->sig ? r->sig[i] : spc__lean_sig(r, i, spc__part_of(r, i));
}

static double fin(double v)
{
	return isfinite(v) ? v : NAN;
}

void spc_point_get(const struct spc_result *r, size_t i, struct spc_point *p)
{
	double m = r->opt.multiply;
	struct spc__lim l;
	uint32_t f;

	assert(i < r->np);
	/* every member is set below (no memset: a point is read per point) */
	p->part = spc__part_of(r, i);
	p->series = r->parts[p->part].series;
	p->x = r->x[i];
	p->y = spc__y(r, i) * m;
	p->n = r->n ? r->n[i] : r->ynum ? spc__ratio_n(r, i) : NAN;
	spc__limits_in(r, i, p->part, &l);
	p->cl = fin(l.cl * m);
	p->lcl = fin(l.lcl * m);
	p->ucl = fin(l.ucl * m);
	p->lcl2 = fin(l.lcl2 * m);
	p->ucl2 = fin(l.ucl2 * m);
	if (r->clamp_lcl) {
		if (p->lcl < 0)
			p->lcl = 0;
		if (p->lcl2 < 0)
			p->lcl2 = 0;
	}
	p->target = r->series[p->series].target;
	if (r->ynum) { /* a ratio result: as build_points() keeps them */
		int none = isnan(r->ynum[i]) || isnan(r->yden[i]);

		p->y_sum = none ? NAN : 0.0 + r->ynum[i];
		p->y_mean = p->y_sd = NAN;
		p->y_count = -1;
	} else if (r->ysum && r->ymean) {
		p->y_sum = r->ysum[i];
		p->y_mean = r->ymean[i];
		p->y_sd = r->ysd[i];
		p->y_count = r->ycount[i];
	} else if (r->ysum) {
		p->y_sum = r->ysum[i];
		p->y_mean = p->y_sd = NAN;
		p->y_count = -1;
	} else {
		p->y_sum = r->yraw[i];
		p->y_mean = r->yraw[i];
		p->y_sd = NAN;
		p->y_count = !isnan(r->yraw[i]);
	}
	p->xx = (long)(i - r->series[p->series].first) + 1;
	f = r->sig ? r->sig[i] : spc__lean_sig(r, i, p->part);
	p->baseline = r->all_base || (f & SPC__F_BASE) != 0;
	p->include = r->all_base || (f & SPC__F_INCLUDE) != 0;
	p->is_new = (f & SPC__F_NEW) != 0;
	p->sigma_signal = (f & SPC__F_SIGMA) != 0;
	p->close = (f & SPC__F_CLOSE) != 0;
	p->side = (f & SPC__F_ABOVE) ? 1 : (f & SPC__F_BELOW) ? -1 : 0;
	p->signals = f & SPC__SIG_MASK;
	spc__classify_word(r, f, &p->cause, &p->cls);
	p->notes = r->notes ? r->notes[i] : NULL;
}

/* ---- memory ---- */

#include <stdalign.h>
#include <sys/mman.h>

/* Small pieces are cut from chunks of SPC__CHUNK bytes. Big blocks come
 * from malloc() below SPC__HUGE, so that the allocator can hand the same
 * memory to the next run (no page faults, no kernel zeroing); from SPC__HUGE
 * on (per-point arrays of big inputs, every page written) they are mapped
 * and populated at once, because touching fresh pages one fault at a time
 * costs more than the arithmetic on them. spc__alloc_lazy() is always
 * malloc(): scratch that may be used only in part, and bit planes. A reset
 * pool (spc_run_again()) keeps its chunks and blocks and hands them out
 * again: a block is reused for a request it fits without wasting half. */
#define SPC__CHUNK ((size_t)64 * 1024)
#define SPC__BIG   ((size_t)256 * 1024)
#define SPC__HUGE  ((size_t)4 * 1024 * 1024)

struct spc__chunk {
	struct spc__chunk *next;
	size_t cap, off;
	alignas(max_align_t) unsigned char data[];
};

struct spc__big {
	struct spc__big *next;
	size_t cap;
	size_t len; /* 0: from malloc() */
};

#define BIG_HEAD ((size_t)64) /* the block's header, keeping the data aligned */

void spc__pool_init(struct spc__pool *p)
{
	memset(p, 0, sizeof(*p));
}

static void big_release(struct spc__big *b)
{
	while (b) {
		struct spc__big *next = b->next;

		if (b->len)
			munmap(b, b->len);
		else
			free(b);
		b = next;
	}
}

void spc__pool_free(struct spc__pool *p)
{
	struct spc__chunk *c = p->chunks;

	while (c) {
		struct spc__chunk *next = c->next;

		free(c);
		c = next;
	}
	big_release(p->big);
	big_release(p->spare);
	memset(p, 0, sizeof(*p));
}

void spc__pool_reset(struct spc__pool *p)
{
	struct spc__chunk *c;

	for (c = p->chunks; c; c = c->next)
		c->off = 0;
	p->cur = p->chunks;
	while (p->big) {
		struct spc__big *b = p->big;

		p->big = b->next;
		b->next = p->spare;
		p->spare = b;
	}
	p->used = 0;
}

static void *small_alloc(struct spc__pool *p, size_t size, int zero)
{
	size_t need = (size + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
	struct spc__chunk *c = p->cur;

	if (!need)
		need = alignof(max_align_t);
	if (need > CO_SPC_ARENA_MAX - p->used)
		return NULL;
	if (!c || c->cap - c->off < need) {
		if (c && c->next && c->next->cap >= need) {
			c = c->next; /* kept from an earlier run */
		} else {
			size_t cap = need > SPC__CHUNK ? need : SPC__CHUNK;
			struct spc__chunk *n = malloc(sizeof(*n) + cap);

			if (!n)
				return NULL;
			n->cap = cap;
			n->off = 0;
			if (c) {
				n->next = c->next;
				c->next = n;
			} else {
				n->next = p->chunks;
				p->chunks = n;
			}
			c = n;
		}
		p->cur = c;
	}
	c->off += need;
	p->used += need;
	if (zero)
		memset(c->data + c->off - need, 0, size);
	return c->data + c->off - need;
}

static void *big_alloc(struct spc__pool *p, size_t size, int zero, int lazy)
{
	size_t len = size + BIG_HEAD;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	struct spc__big *b, **pb;
	void *m;

	if (size > CO_SPC_ARENA_MAX - p->used)
		return NULL;
	for (pb = &p->spare; *pb; pb = &(*pb)->next)
		if ((*pb)->cap >= size && (*pb)->cap / 2 <= size)
			break;
	if (*pb) {
		b = *pb;
		*pb = b->next;
		if (zero)
			memset((char *)b + BIG_HEAD, 0, size);
	} else if (size < SPC__HUGE || lazy) {
		m = zero ? calloc(1, len) : malloc(len);
		if (!m)
			return NULL;
		b = m;
		b->len = 0;
		b->cap = size;
	} else {
#ifdef MAP_POPULATE
		flags |= MAP_POPULATE;
#endif
		m = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
		if (m == MAP_FAILED)
			return NULL;
		b = m; /* mapped memory is zero */
		b->len = len;
		b->cap = size;
	}
	b->next = p->big;
	p->big = b;
	p->used += size;
	return (char *)b + BIG_HEAD;
}

void *spc__alloc(struct spc__pool *p, size_t size)
{
	if (size >= SPC__BIG)
		return big_alloc(p, size, 0, 0);
	return small_alloc(p, size, 0);
}

void *spc__alloc_lazy(struct spc__pool *p, size_t size, int zero)
{
	if (size >= SPC__BIG)
		return big_alloc(p, size, zero, 1);
	return small_alloc(p, size, zero);
}

void *spc__calloc(struct spc__pool *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	if (n * size >= SPC__BIG)
		return big_alloc(p, n * size, 1, 0);
	return small_alloc(p, n * size, 1);
}

char *spc__strdup(struct spc__pool *p, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = n >= SPC__BIG ? big_alloc(p, n, 0, 0) : small_alloc(p, n, 0);

	if (d)
		memcpy(d, s, n);
	return d;
}
