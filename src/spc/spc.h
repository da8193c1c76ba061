/*
 * spc.h - statistical process control: run charts and Shewhart control charts
 * with the rule sets improvement teams use, computed exactly as the trusted R
 * packages do when asked to (profiles).
 *
 * What it does. spc_run() takes rows of (facet, x, y, optional denominator n,
 * notes, part label) and options, and returns one point per subgroup: rows
 * with the same x in the same facet (series) form a subgroup. For each point
 * it gives the centre line, the 3-sigma and 2-sigma limits, the signals with
 * the rule that raised each, and the point's classification (common cause,
 * improvement, concern, neutral); for each series the variation and assurance
 * icons; for each part (phase) the runs analysis. Formulas and references are
 * at the top of limits.c and rules.c. docs/spc.md describes every option.
 *
 * Charts: run, I (XmR), MR, Xbar, S, R, P, P' (Laney), NP, U, U' (Laney), C,
 * G, T, I' (Taylor). Rule sets: Anhoej runs analysis (with the bestbox and
 * cutbox variants) plus the 3-sigma rule, the IHI run-chart rules, Making Data
 * Count, Western Electric 1-4, Nelson 1-8, and the qcc rules (beyond limits,
 * runs of run_length). Profiles reproduce a peer package to the last digit:
 * SPC_PROFILE_QICHARTS2 (qicharts2 0.8.1), SPC_PROFILE_PTD
 * (NHSRplotthedots 0.2.2) and SPC_PROFILE_QCC (qcc 2.7).
 *
 * Ownership. The caller owns struct spc_data and the arrays it points to; the
 * engine reads them during spc_run() and may keep pointers to x, y and the
 * denominators in the result when it has no need to copy them (series of
 * distinct x in order, without aggregation), so those three arrays must
 * outlive the result and stay unchanged while it is read. The result
 * belongs to the caller and is released with spc_result_free(); every
 * pointer inside it (labels, arrays, points' notes) dies with it, and with
 * the next spc_run_again() on it. spc_run_again() computes a new chart into
 * an existing result, reusing its memory: code that computes chart after
 * chart (a dashboard) keeps one result per thread and touches no fresh
 * memory once the charts stop growing.
 *
 * Purity and threads. No I/O, no global state, no locale dependence: libc,
 * libm and src/base only. spc_run() may be called from many threads at once
 * on different data; a result is read-only after spc_run() returns and may be
 * read from many threads.
 */
#ifndef SPC_H
#define SPC_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

enum spc_chart {
	SPC_CHART_RUN,
	SPC_CHART_I,  /* individuals; XmR */
	SPC_CHART_MR, /* moving ranges */
	SPC_CHART_XBAR,
	SPC_CHART_S,
	SPC_CHART_R,
	SPC_CHART_P,
	SPC_CHART_PP, /* Laney P' */
	SPC_CHART_NP,
	SPC_CHART_U,
	SPC_CHART_UP, /* Laney U' */
	SPC_CHART_C,
	SPC_CHART_G,
	SPC_CHART_T,
	SPC_CHART_IP, /* I' (Taylor): proportions with varying denominators */
	SPC_CHART_COUNT
};

/* Whose arithmetic to follow. NONE is Collective's own (documented in
 * docs/spc.md); the others reproduce a peer exactly, including its quirks. */
enum spc_profile {
	SPC_PROFILE_NONE,
	SPC_PROFILE_QICHARTS2,
	SPC_PROFILE_PTD,
	SPC_PROFILE_QCC,
};

enum spc_ruleset {
	SPC_RULES_DEFAULT, /* the profile's own, or the product default per chart */
	SPC_RULES_NONE,    /* limits only */
	SPC_RULES_ANHOEJ,  /* runs analysis + points outside the 3-sigma limits */
	SPC_RULES_IHI,     /* shift, trend, too few/many runs, astronomical point */
	SPC_RULES_MDC,     /* Making Data Count */
	SPC_RULES_WE,      /* Western Electric 1-4 */
	SPC_RULES_NELSON,  /* Nelson 1-8 */
	SPC_RULES_QCC,     /* beyond limits + runs of run_length on one side */
};

enum spc_xkind {
	SPC_X_NUMBER,
	SPC_X_DATE,     /* x is days since 1970-01-01 */
	SPC_X_CATEGORY, /* x is the category's order; dots only, no runs analysis */
	SPC_X_INDEX,    /* no x: rows are numbered 1..n */
};

enum spc_agg { SPC_AGG_MEAN, SPC_AGG_MEDIAN, SPC_AGG_SUM, SPC_AGG_SD, SPC_AGG_UNIQUE };

enum spc_method { SPC_METHOD_ANHOEJ, SPC_METHOD_BESTBOX, SPC_METHOD_CUTBOX };

enum spc_direction { SPC_DIR_INCREASE, SPC_DIR_DECREASE, SPC_DIR_NEUTRAL };

/* The sigma of an individuals chart from the mean moving range: 3/1.128
 * (qicharts2, Montgomery) or 2.66 (Making Data Count). */
enum spc_sigma { SPC_SIGMA_DEFAULT, SPC_SIGMA_D2, SPC_SIGMA_266 };

/* qcc's estimators of the within-subgroup standard deviation. */
enum spc_sd_method {
	SPC_SD_DEFAULT,
	SPC_SD_UWAVE_R,
	SPC_SD_UWAVE_SD,
	SPC_SD_MVLUE_R,
	SPC_SD_MVLUE_SD,
	SPC_SD_RMSDF,
	SPC_SD_MR,
	SPC_SD_SD,
};

/* Input rows. Arrays have n entries; optional ones may be NULL. A missing
 * value is NAN. */
struct spc_data {
	size_t n;
	const double *x;             /* subgroup key; NULL: rows numbered 1..n */
	const double *y;             /* value or numerator */
	const double *denom;         /* denominator or sample size; NULL: none */
	const char *const *facet;    /* series label; NULL: one series */
	const char *const *facet2;   /* second facet label; NULL */
	const char *const *notes;    /* annotation per row; NULL or "" for none */
	const char *const *part;     /* part label per row: a new label starts a part */
	const unsigned char *is_new; /* qcc: 1 for new (phase II) rows; NULL */
};

/* A list of values for one series (facet label) or, with label NULL, for
 * every series: rebase dates, targets. */
struct spc_facet_values {
	const char *label;
	const double *v;
	size_t n;
};

struct spc_options {
	enum spc_chart chart;
	enum spc_profile profile;
	enum spc_ruleset rules;
	enum spc_xkind xkind;
	enum spc_agg agg;       /* several rows per x without n (default mean) */
	enum spc_method method; /* Anhoej variant */
	enum spc_direction direction;
	enum spc_sigma sigma;
	enum spc_sd_method sd_method;
	double multiply; /* y, CL and limits are multiplied at the end (1) */
	double cl;       /* a fixed centre line, unmultiplied; NAN: computed */
	double target;   /* NAN: none; see also targets */
	const struct spc_facet_values *targets; /* per series (first value) */
	size_t ntargets;
	int y_neg;         /* 0: clamp negative lower limits at 0 when y >= 0 */
	int screen_mr;     /* drop moving ranges >= 3.267 x mean MR */
	long freeze;       /* subgroups 1..freeze are the baseline; 0: all */
	const long *parts; /* positions after which a new part starts */
	size_t nparts;
	const long *exclude; /* positions (1-based) left out of CL/limits */
	size_t nexclude;
	const struct spc_facet_values *rebase; /* dates that start a new part */
	size_t nrebase;
	long fix_after;        /* CL and limits from the first n of each part; 0 */
	int shift_len;         /* MDC/IHI shift length (7 / 6) */
	int trend_len;         /* MDC/IHI trend length (7 / 5) */
	double nsigmas;        /* qcc: limits at nsigmas (3) */
	double conf_level;     /* qcc: probability limits when in (0, 1); 0 */
	int run_length;        /* qcc violating runs (7) */
	int warning_threshold; /* parts shorter than this are flagged (13) */
};

/* Signals, one bit per rule; a point's `signals` holds every rule that fired
 * on it. Parameters (run lengths) are those in the options. */
#define SPC_SIG_ABOVE_UCL         (1u << 0) /* beyond the upper 3-sigma limit */
#define SPC_SIG_BELOW_LCL         (1u << 1)
#define SPC_SIG_SHIFT_ABOVE       (1u << 2) /* shift_len points above the CL */
#define SPC_SIG_SHIFT_BELOW       (1u << 3)
#define SPC_SIG_TREND_UP          (1u << 4) /* trend_len points rising */
#define SPC_SIG_TREND_DOWN        (1u << 5)
#define SPC_SIG_TWO_OF_THREE_HIGH (1u << 6) /* 2 of 3 beyond 2 sigma, one side */
#define SPC_SIG_TWO_OF_THREE_LOW  (1u << 7)
#define SPC_SIG_FOUR_OF_FIVE_HIGH (1u << 8) /* 4 of 5 beyond 1 sigma */
#define SPC_SIG_FOUR_OF_FIVE_LOW  (1u << 9)
#define SPC_SIG_LONG_RUN          (1u << 10) /* Anhoej: part of an unusually long run */
#define SPC_SIG_FEW_CROSSINGS     (1u << 11) /* Anhoej: the part crosses the CL too few times */
#define SPC_SIG_FEW_RUNS          (1u << 12) /* IHI: too few runs */
#define SPC_SIG_MANY_RUNS         (1u << 13) /* IHI: too many runs */
#define SPC_SIG_ASTRONOMICAL      (1u << 14) /* IHI: astronomical data point */
#define SPC_SIG_ALTERNATING       (1u << 15) /* Nelson 4: 14 points alternating */
#define SPC_SIG_HUGGING           (1u << 16) /* Nelson 7: 15 points within 1 sigma */
#define SPC_SIG_MIXTURE           (1u << 17) /* Nelson 8: 8 points beyond 1 sigma, both sides */
#define SPC_SIG_RUN_ABOVE         (1u << 18) /* qcc: violating run above the centre */
#define SPC_SIG_RUN_BELOW         (1u << 19)
#define SPC_SIG_COUNT             20

enum spc_class {
	SPC_CLASS_NONE, /* no value */
	SPC_CLASS_COMMON,
	SPC_CLASS_IMPROVEMENT,
	SPC_CLASS_CONCERN,
	SPC_CLASS_NEUTRAL_HIGH,
	SPC_CLASS_NEUTRAL_LOW,
};

/* Making Data Count's name for why a point is special (its precedence:
 * outside the limits, trend, two of three, shift). */
enum spc_cause {
	SPC_CAUSE_COMMON,
	SPC_CAUSE_ABOVE_UCL,
	SPC_CAUSE_BELOW_LCL,
	SPC_CAUSE_TREND_UP,
	SPC_CAUSE_TREND_DOWN,
	SPC_CAUSE_TWO_OF_THREE_ABOVE,
	SPC_CAUSE_TWO_OF_THREE_BELOW,
	SPC_CAUSE_SHIFT_ABOVE,
	SPC_CAUSE_SHIFT_BELOW,
	SPC_CAUSE_OTHER_HIGH, /* another rule set's signal above the CL */
	SPC_CAUSE_OTHER_LOW,
};

enum spc_variation_icon {
	SPC_ICON_COMMON_CAUSE,
	SPC_ICON_IMPROVEMENT_HIGH,
	SPC_ICON_IMPROVEMENT_LOW,
	SPC_ICON_CONCERN_HIGH,
	SPC_ICON_CONCERN_LOW,
	SPC_ICON_NEUTRAL_HIGH,
	SPC_ICON_NEUTRAL_LOW,
};

enum spc_assurance {
	SPC_ASSURE_NONE, /* no target, or direction neutral */
	SPC_ASSURE_PASS, /* the process consistently meets the target */
	SPC_ASSURE_FAIL,
	SPC_ASSURE_INCONSISTENT,
};

/* One point (subgroup), as spc_point_get() assembles it. Missing numbers are
 * NAN. y, cl and the limits are on the multiplied scale. */
struct spc_point {
	size_t series, part; /* indices into the result's series and parts */
	double x;            /* subgroup key (index, number, date, category) */
	double y;            /* plotted value */
	double n;            /* sum of denominators; NAN without */
	double cl, lcl, ucl; /* centre line and 3-sigma limits */
	double lcl2, ucl2;   /* 2-sigma limits */
	double target;
	double y_sum, y_mean, y_sd; /* over the subgroup's rows; mean and sd */
	long y_count; /* when rows were aggregated or the chart or profile uses them, else NAN, -1
	               */
	long xx;      /* 1-based position within the series */
	int baseline; /* used for CL and limits (freeze, fix_after, phase) */
	int include;  /* not excluded */
	int is_new;   /* qcc phase II */
	int sigma_signal; /* strictly outside the 3-sigma limits */
	int close;        /* beyond 2 sigma, not outside (Making Data Count) */
	int side;         /* sign of y - CL: 1, -1, 0; 0 when y is missing */
	uint32_t signals; /* SPC_SIG_* */
	enum spc_cause cause;
	enum spc_class cls;
	const char *notes; /* distinct notes joined with " | ", or NULL */
};

/* A part (phase, rebase group) of one series. Runs statistics are those of
 * the Anhoej analysis (qicharts2 names); n_useful 0 leaves the others 0. */
struct spc_part {
	size_t series;
	size_t first, count; /* points */
	int number;          /* 1, 2, ... within the series */
	int group;           /* rebase group number (ptd: 0, 1, ... per rebase) */
	long n_obs, n_useful;
	long longest_run, longest_run_max;
	long crossings, crossings_min;
	int runs_signal;
	int short_group; /* fewer points than warning_threshold */
	double sigma;    /* the part's process sigma (qcc std.dev), NAN */
	double centre;   /* unmultiplied centre (qcc center), NAN */
};

struct spc_series {
	const char *label;   /* facet label ("" without facets) */
	const char *label2;  /* second facet label ("" without) */
	size_t first, count; /* points */
	size_t first_part, nparts;
	double target;
	enum spc_variation_icon variation;
	enum spc_assurance assurance;
};

struct spc_result;

/* Fills o with Collective's defaults for this chart (see docs/spc.md). */
void spc_options_init(struct spc_options *o, enum spc_chart chart);

/* Applies a profile: sets the options the peer fixes (sigma constant,
 * screening, rule set, aggregation) and keeps the rest. */
void spc_options_profile(struct spc_options *o, enum spc_profile profile);

/* Computes the chart. On success *out is a new result owned by the caller.
 * Errors: CO_EINPUT with the row (1-based index into data) and a message for
 * bad input (a non-positive value on a T chart, a numerator above its
 * denominator on a P chart, a zero or negative denominator, duplicate x where
 * the series needs distinct x, an empty series, bad options); CO_ENOMEM;
 * CO_ELIMIT past CO_SPC_MAX_POINTS. Nothing is written to *out on failure. */
int spc_run(const struct spc_data *data, const struct spc_options *opt, struct spc_result **out,
            struct co_err *err);

/* As spc_run(), into r (a result of spc_run() or spc_run_again()), whose
 * memory is reused; what was read from r before is invalid afterwards. On
 * failure r holds no chart (no points, series or parts) and stays valid for
 * spc_run_again() and spc_result_free(). */
int spc_run_again(struct spc_result *r, const struct spc_data *data, const struct spc_options *opt,
                  struct co_err *err);

void spc_result_free(struct spc_result *r);

size_t spc_result_npoints(const struct spc_result *r);
size_t spc_result_nseries(const struct spc_result *r);
size_t spc_result_nparts(const struct spc_result *r);
const struct spc_series *spc_result_series(const struct spc_result *r, size_t i);
const struct spc_part *spc_result_part(const struct spc_result *r, size_t i);
const struct spc_options *spc_result_options(const struct spc_result *r);

/* The i-th point (series by series, in x order within a series). */
void spc_point_get(const struct spc_result *r, size_t i, struct spc_point *p);

/* Names used in options and outputs ("xbar", "anhoej", "improvement", ...).
 * The _parse functions return -1 for an unknown name. */
const char *spc_chart_name(enum spc_chart c);
int spc_chart_parse(const char *s);
const char *spc_profile_name(enum spc_profile p);
int spc_profile_parse(const char *s);
const char *spc_rules_name(enum spc_ruleset r);
int spc_rules_parse(const char *s);
const char *spc_class_name(enum spc_class c);
const char *spc_cause_name(enum spc_cause c); /* "Above UCL", "7 Points Below CL", ... */
const char *spc_icon_name(enum spc_variation_icon i);
const char *spc_assurance_name(enum spc_assurance a);
/* The rule behind one SPC_SIG_* bit, with its parameters from the options:
 * "shift(7)", "outside_ucl", "long_run(9)". Writes at most size bytes. */
void spc_signal_describe(const struct spc_result *r, uint32_t bit, char *out, size_t size);

/* Writes the chart as a standalone SVG document into b: dated axis, centre
 * line, limits, target, points coloured by class, breaks between parts,
 * notes, the variation and assurance icons, and a <title> and <desc> that
 * say in words what the chart shows. series selects the facet. title may be
 * NULL. Returns 0, CO_ENOMEM or CO_ELIMIT. */
int spc_svg_write(const struct spc_result *r, size_t series, const char *title, struct co_buf *b);

#endif
