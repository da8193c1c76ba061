/*
 * imp_equity.h - the health-equity view of Improve: a measure's rate for
 * each stratum (for example each ethnicity group) with a 95% interval, the
 * rate ratio against a reference group, and the suppression of small
 * numbers so that no hidden count can be read off the table or worked out
 * by subtraction from totals and other cells.
 *
 * Tables: nrows x ncols interior cells (rows are teams, or one row for a
 * single team or the whole collaborative; columns are the groups of one
 * stratum kind), extended by a row of column totals and a column of row
 * totals, with the grand total in the corner. Entry (i, j) of the extended
 * table is at index i * (ncols + 1) + j; row nrows holds the column totals
 * and column ncols the row totals.
 *
 * Suppression (algorithm and proof sketch in imp_equity.c): an entry is
 * hidden first when its events, or the people counted (proportions only),
 * are below the threshold (primary); then more entries are hidden
 * (secondary) until no primary entry is determined by the table's
 * additivity. Margins that are not published count as hidden.
 *
 * Pure functions over caller-owned arrays; thread-safe.
 */
#ifndef IMP_EQUITY_H
#define IMP_EQUITY_H

#include "base/err.h"
#include "mod/improve/imp_stats.h"

#define IMP_DEFAULT_THRESHOLD 5

enum imp_supp {
	IMP_SHOWN = 0,
	IMP_SUPP_PRIMARY = 1,   /* below the threshold itself */
	IMP_SUPP_SECONDARY = 2, /* hidden so that a primary cannot be derived */
	IMP_NOT_PUBLISHED = 3,  /* a margin the table does not show */
};

struct imp_supp_cell {
	double events;
	double people; /* negative when the denominator does not count people */
	int published; /* 0: the table never shows this entry (a margin left out) */
	int state;     /* out: enum imp_supp */
};

/* Decides the state of every entry of the extended table t. threshold >= 1.
 * Greedy: the result protects every primary entry from exact derivation
 * but hides no more than a heuristic choice of the smallest entries. */
int imp_suppress(struct imp_supp_cell *t, int nrows, int ncols, double threshold, struct co_err *e);

/* 1 when some primary-suppressed entry of t is a bridge of the graph of
 * hidden entries, that is, can be worked out exactly from the entries
 * shown; *row and *col (may be NULL) then name the first one. 0 otherwise. */
int imp_suppress_leaks(const struct imp_supp_cell *t, int nrows, int ncols, int *row, int *col);

struct imp_equity_cell {
	double events; /* in for interior cells; margins are summed here */
	double denom;
	int state;                 /* out: enum imp_supp */
	struct imp_estimate rate;  /* out, when shown: rate with its interval */
	int has_ratio;             /* out: 1 when ratio holds a value */
	struct imp_estimate ratio; /* out: against the reference column, same row */
};

struct imp_equity {
	enum imp_ratio_kind kind;
	double multiplier;             /* 1000 for "per 1,000 bed days", 100 for % */
	double threshold;              /* IMP_DEFAULT_THRESHOLD unless the collaborative says */
	int ref_col;                   /* the reference group's column, or -1 */
	int nrows, ncols;              /* interior size, each >= 1 */
	int row_totals;                /* 1 when the table shows each row's total */
	int col_totals;                /* 1 when it shows each column's total and the grand total */
	struct imp_equity_cell *cells; /* (nrows + 1) * (ncols + 1), caller-owned */
};

/* Sums the margins, suppresses, and fills rates, intervals (95%) and
 * ratios for every entry shown. A ratio is given only when both the entry
 * and its row's reference entry are shown and both have events. */
int imp_equity_compute(struct imp_equity *q, struct co_err *e);

#endif
