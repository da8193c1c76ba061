/*
 * wf.h - the workforce engine: ten-year projections of a mental-health
 * workforce by profession, group and single year of age, named scenarios,
 * Monte Carlo uncertainty, training commissions by linear programming, a
 * general manpower-planning optimiser and WISN local staffing.
 *
 * The deterministic core follows ../shared/workforce-model.md exactly (the
 * contract); docs/workforce.md says how each ambiguity in it is resolved and
 * describes everything beyond it (needs-based demand, uncertainty,
 * commissioning, manpower and WISN files).
 *
 * Ownership: a struct wf_model, wf_manpower or wf_wisn is made by its
 * reader and released by its _free function; it is never changed after it is
 * read, so any number of threads may use one at once. Results go into memory
 * the caller provides or into a result struct released by its _free
 * function. Functions return 0 or a negative enum co_code and fill the
 * struct co_err on failure; out-parameters are written only on success.
 *
 * Thread safety: no global state. The optimisers call GLPK, which keeps its
 * environment per thread (thread-local storage in Debian's build), so
 * separate threads may solve at once.
 *
 * Reading model files (wf_*_read_json) needs jansson and lives in its own
 * files; the equations do not depend on it.
 */
#ifndef WF_H
#define WF_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

/* ---- The projection model ------------------------------------------------ */

struct wf_model;

/* Reads a model file (JSON text, len bytes; need not be NUL-terminated).
 * Every error names the profession, the field and the row (e->row is the
 * 1-based row of the table, e->field the field). Unknown keys are errors. */
int wf_model_read_json(const char *text, size_t len, struct wf_model **out, struct co_err *e);
void wf_model_free(struct wf_model *m);

int wf_model_base_year(const struct wf_model *m);
int wf_model_horizon(const struct wf_model *m);
int wf_model_professions(const struct wf_model *m);
const char *wf_model_profession_code(const struct wf_model *m, int p);
const char *wf_model_profession_name(const struct wf_model *m, int p);
int wf_model_groups(const struct wf_model *m, int p);
const char *wf_model_group_name(const struct wf_model *m, int p, int g);
/* Number of scenarios, counting the base model as scenario 0. */
int wf_model_scenarios(const struct wf_model *m);
const char *wf_model_scenario_name(const struct wf_model *m, int s); /* 0: "base" */
/* The scenario's index (0 for "base"), or -1 when there is none of that name. */
int wf_model_find_scenario(const struct wf_model *m, const char *name);
/* Number of uncertain parameters the model names (its "uncertainty" list). */
int wf_model_uncertain(const struct wf_model *m);

/* The output columns, in the contract's order. */
enum wf_col {
	WF_HEADCOUNT,
	WF_FTE,
	WF_LEAVERS,
	WF_JOINERS,
	WF_GRADUATES,
	WF_ENTRANTS,
	WF_RETURNERS,
	WF_DEMAND,
	WF_GAP,
	WF_NCOL
};
const char *wf_col_name(int col);

/* A projection is a table of rows in the contract's order: by profession,
 * then year, then group (groups in order of first appearance, then the
 * profession row, group -1 printed as "*"). Each row has WF_NCOL values;
 * the profession-level columns (graduates .. gap) are NaN on group rows. */
struct wf_rowkey {
	int prof;
	int group; /* -1: the profession row "*" */
	int year;  /* calendar year */
};
size_t wf_rows(const struct wf_model *m);
void wf_row_key(const struct wf_model *m, size_t row, struct wf_rowkey *k);

/* Projects scenario s (0 = base) into out[wf_rows(m) * WF_NCOL]. */
int wf_project(const struct wf_model *m, int s, double *out, struct co_err *e);

/* ---- Monte Carlo ---------------------------------------------------------- */

#define WF_NPCT 5
extern const double wf_percentiles[WF_NPCT]; /* 5, 25, 50, 75, 95 */

struct wf_mc_opts {
	long draws;
	uint64_t seed;
	int n_scen;      /* scenarios to run, each with the same random numbers */
	const int *scen; /* their indices (0 = base) */
	int diff;        /* also the per-draw difference of each non-base scenario from base */
};

/* Number of result sets wf_monte_carlo writes: n_scen, plus one difference
 * set for each scenario other than base when o->diff. */
int wf_mc_sets(const struct wf_mc_opts *o);

/* Runs o->draws draws of every scenario in o->scen and writes the 5th, 25th,
 * 50th, 75th and 95th percentiles (linear interpolation between order
 * statistics) of every output value:
 * pct[((set * wf_rows(m) + row) * WF_NCOL + col) * WF_NPCT + k], NaN where the
 * column is empty. Draw i's random numbers depend only on (seed, i), never
 * on the scenario or on the order of work. */
int wf_monte_carlo(const struct wf_model *m, const struct wf_mc_opts *o, double *pct,
                   struct co_err *e);

/* ---- Output --------------------------------------------------------------- */

/* The CSV header line "scenario,profession,...,gap\n"; with percentiles,
 * "scenario,profession,group,year,percentile,headcount,...". */
int wf_write_csv_header(struct co_buf *b, int with_percentile);
/* One projection's rows, labelled with scenario. */
int wf_write_csv(struct co_buf *b, const struct wf_model *m, const char *scenario, const double *v);
/* One result set of wf_monte_carlo: five rows per row of the projection. */
int wf_write_csv_pct(struct co_buf *b, const struct wf_model *m, const char *scenario,
                     const double *pct);
/* JSON: {"base_year":..,"horizon":..,"columns":[...],"sets":[{"scenario":..,
 * "rows":[{...}]}]}; labels[i] names set i; pct NULL for deterministic
 * values v[set][row][col], else percentile sets. */
int wf_write_json(struct co_buf *b, const struct wf_model *m, int n_sets, const char *const *labels,
                  const double *v, int is_pct);

/* An SVG fan chart of supply (FTE) against demand for each profession in
 * each set: bands 5-95 and 25-75 and the median when is_pct, else lines.
 * prof < 0 draws every profession. */
int wf_fan_svg(struct co_buf *b, const struct wf_model *m, int n_sets, const char *const *labels,
               const double *v, int is_pct, int prof);

/* ---- Commissioning -------------------------------------------------------- */

/* Limits that can bind a commission (bit flags). */
enum wf_limit {
	WF_LIM_UNIVERSITY = 1 << 0,
	WF_LIM_PLACEMENT = 1 << 1,
	WF_LIM_BUDGET = 1 << 2,
	WF_LIM_RAMP_UP = 1 << 3,
	WF_LIM_RAMP_DOWN = 1 << 4,
	WF_LIM_COMMITMENT = 1 << 5,
};
/* Names of the limits set in flags, comma-separated, into out. */
void wf_limit_names(int flags, char *out, size_t size);

struct wf_commission_opts {
	int scenario;  /* 0 = base */
	int from_year; /* 0: the model's "commissioning.from", else base_year + 1 */
	int years;     /* 0: the model's "commissioning.years", else 3 */
	long draws;    /* 0: central projection; else expected shortfall over draws */
	uint64_t seed;
	int greedy_prof; /* >= 0: also the greedy check for this profession */
};

struct wf_commission_cell {
	int prof;
	int year;        /* calendar year of the commission */
	int target_year; /* the year its first graduates are in post */
	double places;   /* commissioned places (LP answer) */
	double entrants; /* places x fill rate */
	double planned;  /* places in the model file for that year */
	double cost;
	double gap_before; /* gap at target year with no places in the window */
	double shortfall;  /* (expected) shortfall at target year with the answer */
	double greedy;     /* greedy places (NaN unless greedy_prof) */
	int binds;         /* enum wf_limit flags that bind */
	int beyond;        /* 1: the target year is past the horizon */
};

struct wf_commission {
	double objective; /* weighted shortfall + cost */
	double total_cost;
	long draws;
	int n_cells;
	struct wf_commission_cell *cells; /* by profession, then year */
	int n_years;
	int *budget_binds; /* per window year: 1 when the shared budget binds */
	int greedy_prof;
};

/* Solves the commissioning LP. An infeasible LP is CO_EINPUT with a message
 * naming the limits that conflict. res is released with
 * wf_commission_free. */
int wf_commission(const struct wf_model *m, const struct wf_commission_opts *o,
                  struct wf_commission *res, struct co_err *e);
void wf_commission_free(struct wf_commission *res);
int wf_commission_write_json(struct co_buf *b, const struct wf_model *m,
                             const struct wf_commission *res);
int wf_commission_write_csv(struct co_buf *b, const struct wf_model *m,
                            const struct wf_commission *res);

/* ---- Manpower planning (role transitions) ------------------------------------ */

struct wf_manpower;

enum wf_mp_objective { WF_MP_REDUNDANCY, WF_MP_COST };

int wf_manpower_read_json(const char *text, size_t len, struct wf_manpower **out, struct co_err *e);
void wf_manpower_free(struct wf_manpower *mp);

/* Solves the plan minimising total redundancy or total cost and writes the
 * answer as JSON ({"objective": ..., ...}) into b. An infeasible plan is
 * CO_EINPUT naming the requirements that cannot be met. *objective (may be
 * NULL) receives the optimum. */
int wf_manpower_solve(const struct wf_manpower *mp, int objective, struct co_buf *b,
                      double *objective_value, struct co_err *e);

/* ---- WISN ----------------------------------------------------------------- */

struct wf_wisn;

int wf_wisn_read_json(const char *text, size_t len, struct wf_wisn **out, struct co_err *e);
void wf_wisn_free(struct wf_wisn *w);

struct wf_wisn_result {
	double awt_hours;      /* available working time, hours a year */
	double activity_staff; /* staff needed for health-service activities */
	double cap_percent;    /* category allowance percentage */
	double caf;            /* category allowance factor 1 / (1 - CAP/100) */
	double iaf;            /* individual allowance factor, in staff */
	double required;       /* activity_staff * caf + iaf */
	double existing;
	double difference; /* existing - required */
	double ratio;      /* existing / required */
};

int wf_wisn_categories(const struct wf_wisn *w);
const char *wf_wisn_category_code(const struct wf_wisn *w, int c);
void wf_wisn_compute(const struct wf_wisn *w, int c, struct wf_wisn_result *r);
int wf_wisn_write_json(struct co_buf *b, const struct wf_wisn *w);
int wf_wisn_write_csv(struct co_buf *b, const struct wf_wisn *w);

#endif
