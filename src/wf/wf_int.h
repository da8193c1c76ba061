/*
 * wf_int.h - what the files of the workforce engine share (wf__ names).
 *
 * A model is read into the structs below, all allocated from the model's
 * arena. To run, each profession's inputs are "compiled" for one scenario
 * (and, under Monte Carlo, one draw) into year-by-year arrays (struct
 * wf__pp): the value of every parameter in force in each year t = 0..T.
 * The projection itself (project.c) reads only those arrays.
 */
#ifndef WF_INT_H
#define WF_INT_H

#include <math.h>

#include "base/arena.h"
#include "base/limits.h"
#include "wf/wf.h"

/* Limits on a model (base/limits.h), so that no file can make the engine
 * allocate without bound (sizes grow as professions x groups x ages x years). */
#define WF__MAX_PROF     CO_WF_MAX_PROFESSIONS
#define WF__MAX_GROUPS   CO_WF_MAX_GROUPS
#define WF__MAX_HORIZON  CO_WF_MAX_HORIZON
#define WF__MAX_AGE      CO_WF_MAX_AGE
#define WF__MAX_COURSE   CO_WF_MAX_COURSE
#define WF__MAX_ROWS     CO_WF_MAX_ROWS
#define WF__MAX_SCEN     CO_WF_MAX_SCENARIOS
#define WF__MAX_CELLS    CO_WF_MAX_CELLS
#define WF__MAX_MC_BYTES CO_WF_MAX_MC_BYTES

struct wf__agerow {
	int lo, hi;
	double v;
};
struct wf__agetab {
	int n;
	struct wf__agerow *r;
};
struct wf__yearrow {
	int year;
	double v;
};
struct wf__yeartab {
	int n;
	struct wf__yearrow *r;
};
struct wf__stockrow {
	int group, lo, hi;
	double v;
};

struct wf__source {
	int on;
	struct wf__yeartab joiners;
	struct wf__agetab entry;
};

enum wf__method { WF__GROWTH, WF__NEEDS };

struct wf__minutes {
	int need;
	double v;
};

struct wf__prof {
	const char *code, *name;
	int n_groups;
	const char **groups;
	int n_stock;
	struct wf__stockrow *stock;
	struct wf__agetab fte, leave;
	int train;
	int d;
	double fill, completion, uptake, cost;
	double *attr;  /* [d] */
	double *in_tr; /* [d] */
	struct wf__yeartab comm, ucap, pcap;
	struct wf__agetab grad_entry;
	struct wf__source intl, oth;
	int ret;
	double ret_rate, pool, decay;
	int max_age;
	struct wf__agetab ret_entry;
	double *share; /* [n_groups], the resolved joiner shares */
	int method;
	double vacancies;
	struct wf__yeartab growth; /* year = "from" */
	int n_minutes;
	struct wf__minutes *minutes;
	double hours, util;
	double weight; /* commissioning: shortfall weight */
};

struct wf__pop {
	const char *label;
	struct wf__yeartab people;
};

struct wf__need {
	const char *name;
	int pop;
	double prev, trend, contact, contacts;
};

/* Fields a scenario or an uncertainty can name. */
enum wf__field {
	WF__F_LEAVER_RATE,
	WF__F_FTE_RATIO,
	WF__F_FILL_RATE,
	WF__F_ATTRITION,
	WF__F_COMPLETION,
	WF__F_UPTAKE,
	WF__F_COMMISSIONS,
	WF__F_UCAP,
	WF__F_PCAP,
	WF__F_IN_TRAINING,
	WF__F_COST,
	WF__F_INTL,
	WF__F_OTHER,
	WF__F_RET_RATE,
	WF__F_POOL,
	WF__F_DECAY,
	WF__F_VACANCIES,
	WF__F_GROWTH,
	WF__F_DEMAND,
	WF__F_MINUTES,
	WF__F_HOURS,
	WF__F_UTIL,
	/* needs-level (not of one profession) */
	WF__F_POPULATION,
	WF__F_PREVALENCE,
	WF__F_TREND,
	WF__F_CONTACT,
	WF__F_CONTACTS,
	WF__F_COUNT
};

/* The kind of value a field holds: what range it must keep. */
enum wf__kind {
	WF__K_RATE,   /* in [0, 1] */
	WF__K_COUNT,  /* >= 0 */
	WF__K_CAP,    /* >= 0, unlisted years unlimited */
	WF__K_GROWTH, /* >= -1 */
	WF__K_POS,    /* > 0 */
};

struct wf__fieldspec {
	const char *path;  /* after "code." or "needs.NAME." */
	const char *alias; /* a shorter name, or NULL */
	int kind;
	int year0;     /* 1: only its base-year value matters */
	int beta_rows; /* 1: a table or vector of rates (Beta per row) */
	int needs;     /* 1: a needs-level field */
};
extern const struct wf__fieldspec wf__fields[WF__F_COUNT];

enum wf__op { WF__SCALE, WF__ADD, WF__VALUE };

struct wf__change {
	int prof; /* -1: every profession (path "*.field"); also for needs-level */
	int field;
	int need; /* needs-level fields: the need (or -1 for population) */
	int op;
	double v;
	int from_t; /* first year (index from the base year) it applies */
};

struct wf__scenario {
	const char *name;
	int n;
	struct wf__change *c;
};

enum wf__dist { WF__BETA, WF__LOGNORMAL, WF__NORMAL };

struct wf__uncert {
	int prof;
	int field;
	int need;
	int dist;
	double sd;
	int var0;  /* first of its random variates in a draw */
	int n_var; /* Beta: one per row of the table; else 1 */
};

struct wf__commissioning {
	int present;
	int from, years;
	int n_prof;
	int *prof; /* professions in the LP; NULL: every one with training */
	struct wf__yeartab budget;
	double max_change; /* < 0: none */
	int n_commit;
	struct {
		int prof, year;
		double places;
	} * commit;
};

struct wf_model {
	struct co_arena arena; /* owns everything below */
	int base_year, T, age_min, age_max, A;
	int n_prof;
	struct wf__prof *prof;
	int n_pop;
	struct wf__pop *pop;
	int n_need;
	struct wf__need *need;
	int n_scen; /* counting base as 0 */
	struct wf__scenario *scen;
	int n_unc;
	struct wf__uncert *unc;
	int n_var; /* random variates in one draw */
	struct wf__commissioning comm;
	size_t n_rows;
	size_t *row0; /* [n_prof + 1] first row of each profession */
};

/* Year-by-year parameters of one profession for one scenario and draw. */
struct wf__pp {
	int T, A, d;
	double *q;                        /* [(T+1) * A] leaver rate in force; 1 at age_max */
	double *f;                        /* [(T+1) * A] fte ratio */
	double *fill, *comp, *upt, *cost; /* [T+1] */
	double *attr;                     /* [(T+1) * d]: a_k in force in year t at [t*d + k-1] */
	double *comm, *ucap, *pcap;       /* [T+1] */
	double *in_tr;                    /* [d] */
	double *I, *O;                    /* [T+1] */
	double *rr, *decay;               /* [T+1] */
	double pool0;
	int max_x; /* returner pool takes leavers at ages index <= max_x */
	double *pi_grad, *pi_int, *pi_ret, *pi_oth; /* [A] */
	double *growth;                             /* [T+1] */
	double vac0;
	double *dmult; /* [T+1] demand multiplier */
	double *needs; /* [T+1] needs-based demand, NULL for growth */
};

/* A manpower-planning model (manpower.c, manpower_json.c). */
#define WF__MP_MAX_CAT     100
#define WF__MP_MAX_TR      1000
#define WF__MP_MAX_PERIODS 100

struct wf__mp_cat {
	const char *code, *name;
	double strength;
	double *req; /* [periods] */
	double wastage_new, wastage;
	double recruit_max; /* HUGE_VAL: none */
	double recruit_cost, redundancy_cost, over_cost;
	double st_max, st_cost, st_factor;
};

struct wf__mp_tr {
	int from, to;
	const char *kind;
	double retained, max, max_share, cost;
	int share_of_strength; /* 1: max_share x strength of "to", else x requirement */
};

struct wf_manpower {
	struct co_arena arena;
	int periods;
	int n_cat;
	struct wf__mp_cat *cat;
	int n_tr;
	struct wf__mp_tr *tr;
	double over_max; /* HUGE_VAL: none */
};

/* A WISN team (wisn.c, wisn_json.c). */
struct wf__wisn_act {
	const char *name;
	double volume;
	double minutes;  /* unit time, or 0 */
	double per_hour; /* rate of working, or 0 */
};
struct wf__wisn_allow {
	const char *name;
	double percent; /* category: % of working time, or -1 */
	double hours;   /* hours a year (per person for individual allowances) */
	double staff;   /* individual: staff who do it */
};
struct wf__wisn_cat {
	const char *code, *name;
	double staff;
	double days_week, weeks, holidays, leave, sick, other, hours_day;
	int n_act, n_cas, n_ias;
	struct wf__wisn_act *act;
	struct wf__wisn_allow *cas, *ias;
};
struct wf_wisn {
	struct co_arena arena;
	const char *team;
	int n_cat;
	struct wf__wisn_cat *cat;
};

/* Allocates the arrays of pp for profession p from a (sized for m). */
int wf__pp_alloc(const struct wf_model *m, int p, struct wf__pp *pp, struct co_arena *a);
/* Fills pp for profession p under scenario s. rv: this draw's random
 * variates (NULL: central values). With rv, values pushed out of range are
 * clamped; without, they are an error naming the scenario. */
int wf__compile(const struct wf_model *m, int p, int s, const double *rv, struct wf__pp *pp,
                struct co_err *e);
/* As wf__compile for draw rv when pp already holds a compile of (p, s): only
 * the fields a draw changes are compiled again, in place. */
int wf__compile_draw(const struct wf_model *m, int p, int s, const double *rv, struct wf__pp *pp,
                     struct co_err *e);
/* The projection of one profession: out[(t * (G+1) + g) * WF_NCOL + col],
 * g = G for the profession row. work: wf__work_size(m, p) doubles. */
size_t wf__work_size(const struct wf_model *m, int p);
void wf__run(const struct wf_model *m, int p, const struct wf__pp *pp, double *work, double *out);
/* The same with no stock, no joiners, no pool and one entrant in year tau
 * (E_tau = 1, no other entrants): the FTE of the profession each year into
 * fte[T+1]. The projection is linear in entrants, so this is the effect of
 * one more entrant. */
void wf__impulse(const struct wf_model *m, int p, const struct wf__pp *pp, int tau, double *work,
                 double *fte);

/* The same projection arranged for speed (fastrun.c), equal up to rounding;
 * for Monte Carlo draws. H0: wf__fast_stock's padded stock of p. With
 * totals_only, the groups' headcount, FTE and leavers are not computed (only
 * their joiners and the profession row). */
/* Padded length of an age vector in fastrun.c (whole blocks of 8 and one spare). */
#define WF__PAD(A) (((size_t)(A) + 7) / 8 * 8 + 8)
size_t wf__fast_work(const struct wf_model *m, int p);
void wf__fast_stock(const struct wf_model *m, int p, double *H0);
/* With totals_only, the groups' headcount, FTE and leavers are not computed
 * (only their joiners and the profession row). */
void wf__fast_run(const struct wf_model *m, int p, const struct wf__pp *pp, const double *H0,
                  double *work, double *out, int totals_only);
/* Whether scenario s changes the leaver rates or FTE ratios of p: if not,
 * its groups differ from any other such scenario's only by their shares of
 * the profession's difference (the equations are linear in joiners). */
int wf__scenario_ages(const struct wf_model *m, int s, int p);

/* A Beta-distributed parameter: how many rows it has (one draw each) and
 * the mean of row j (its value in the file). */
int wf__beta_rows(const struct wf_model *m, const struct wf__uncert *u);
double wf__beta_mean(const struct wf_model *m, const struct wf__uncert *u, int j);

/* Draws one draw's random variates rv[m->n_var]. */
void wf__draw(const struct wf_model *m, uint64_t seed, long draw, double *rv);

/* Which scenarios change profession p at all (so that a run can reuse base). */
int wf__scenario_touches(const struct wf_model *m, int s, int p);

/* Percentiles (type 7) of v[0..n-1] into out[WF_NPCT]; scratch holds n
 * doubles, work WF__PCT_WORK(n) unsigneds. */
#define WF__PCT_WORK(n) (2 * 1024 + 2 + ((n) + 1) / 2)
void wf__percentiles(const double *v, size_t n, double *out, double *scratch, unsigned *work);

/* Writes s as a CSV field (quoted when it needs to be). */
int wf__csv_text(struct co_buf *b, const char *s);

/* Writes s as a JSON string. */
int wf__json_text(struct co_buf *b, const char *s);

/* Writes a number with 17 significant digits ("" for NaN in CSV). */
int wf__num(struct co_buf *b, double x);

#endif
