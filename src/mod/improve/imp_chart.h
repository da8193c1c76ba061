/*
 * imp_chart.h - Improve's use of the SPC engine (src/spc): one measure's
 * series for one team turned into a chart with the collaborative's rule
 * set, its baseline and phases (only ever set by a person, with a reason),
 * exclusions and target; the teams x measures matrix of variation and
 * assurance icons; and signals described in words with the rule behind
 * each.
 *
 * Ownership: a chart result is the engine's struct spc_result, freed with
 * spc_result_free(); it keeps pointers to the caller's x and y arrays,
 * which must outlive it. Matrix cells are caller-owned. Thread-safe.
 */
#ifndef IMP_CHART_H
#define IMP_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "mod/improve/imp_data.h"
#include "spc/spc.h"

/* How a measure is charted. Names as stored in imp_measures and
 * imp_collaboratives. */
struct imp_chart_def {
	enum imp_data_type type;
	const char *chart;     /* spc_chart_name: "run", "i", "p", "u", "c", ... */
	const char *rules;     /* spc_rules_name: "mdc", "anhoej", "ihi", ... */
	const char *direction; /* "up", "down", "neither" */
	double multiplier;     /* 1000, 100, 1 */
	double target;         /* in the measure's units; NAN when none */
};

/* One team's series of one measure, in period order. */
struct imp_series {
	int team, measure; /* indices into the caller's lists */
	size_t n;
	const double *x;               /* period start, days since 1970-01-01, ascending */
	const double *y;               /* value, or numerator for ratios */
	const double *den;             /* denominators for ratios, NULL otherwise */
	const char *const *notes;      /* NULL or per point ("" for none) */
	const unsigned char *excluded; /* NULL or 1 per excluded point */
	const double *phase_starts;    /* periods that begin a new phase */
	size_t nphases;
	double baseline_to; /* limits from the points up to this period; 0 none */
};

/* Runs the engine on one series. CO_EINPUT for a chart or rule set name
 * the engine does not know, or data it refuses (with its message). */
int imp_chart_run(const struct imp_chart_def *def, const struct imp_series *s,
                  struct spc_result **out, struct co_err *e);

enum imp_cell_state { IMP_CELL_EMPTY = 0, IMP_CELL_OK = 1, IMP_CELL_ERROR = 2 };

struct imp_matrix_cell {
	enum imp_cell_state state;
	enum spc_variation_icon variation;
	enum spc_assurance assurance;
	size_t npoints;
	double last;           /* the latest value, in the measure's units */
	double last_period;    /* its period */
	uint32_t last_signals; /* SPC_SIG_* bits on the latest point */
};

/* The teams x measures matrix: cells[team * nmeasures + measure] for each
 * series given (series with fewer than two points stay EMPTY; a series the
 * engine refuses is ERROR, the others are not affected). defs has one
 * entry per measure. */
int imp_matrix(const struct imp_chart_def *defs, int nmeasures, int nteams,
               const struct imp_series *series, int nseries, struct imp_matrix_cell *cells,
               struct co_err *e);

/* English, as a msgid: what a signal bit means in words ("A point above the
 * upper control limit"). */
const char *imp_signal_words(uint32_t bit);
/* English msgids for the icons: "Special cause improvement (lower)", ... */
const char *imp_variation_words(enum spc_variation_icon v);
const char *imp_assurance_words(enum spc_assurance a);

#endif
