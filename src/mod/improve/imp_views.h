/*
 * imp_views.h - the rules behind Improve's collaborative views that need no
 * statistics engine: the monthly assessment scores (team and coach side by
 * side, the gap flag, the distribution by month and the share of teams at
 * 4.0 or above), data completeness per team and period, and the change
 * ideas x teams grid built from what each team's PDSA cycles concluded.
 *
 * Scores are kept as half points (1..10 for 0.5..5.0) so that they compare
 * exactly. Inputs and outputs are caller-owned arrays; results that need
 * memory take the caller's arena. Pure functions; thread-safe.
 */
#ifndef IMP_VIEWS_H
#define IMP_VIEWS_H

#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"

/* ---- scores --------------------------------------------------------- */

#define IMP_SCORE_LEVELS 10 /* 0.5, 1.0, ... 5.0 */
#define IMP_SCORE_HIGH   8  /* 4.0 in half points */
#define IMP_SCORE_GAP    2  /* a gap of 1.0 or more is flagged */

/* "3.5", "3" or "3.0" into half points (7, 6, 6). CO_EINPUT for anything
 * that is not a multiple of 0.5 from 0.5 to 5.0. */
int imp_score_parse(const char *s, int *halves, struct co_err *e);
/* "3.5" */
void imp_score_format(int halves, char *out, unsigned long size);
/* 1 when team and coach scores (half points, 0 for none) are both given
 * and differ by 1.0 or more. */
int imp_score_gap(int team_halves, int coach_halves);

/* One team's month. 0 means not scored. month is the first day of the
 * month (days since 1970-01-01, see imp_data.h). */
struct imp_score_obs {
	int64_t team_id;
	int32_t month;
	int team;
	int coach;
};

/* Which score a summary counts. ASSESSED is the coach's score when the
 * coach has given one and the team's own otherwise: the coach's view is
 * the collaborative's reference, the team's fills in until it comes. */
enum imp_rater { IMP_RATER_TEAM = 1, IMP_RATER_COACH = 2, IMP_RATER_ASSESSED = 3 };

struct imp_score_month {
	int32_t month;
	int nteams;                  /* teams in the collaborative (the caller's count) */
	int nscored;                 /* teams with a score of this rater this month */
	int nhigh;                   /* of them, at 4.0 or above */
	int ngaps;                   /* teams whose two scores differ by 1.0 or more */
	double share;                /* nhigh / nscored, NAN when nobody scored */
	double share_of_all;         /* nhigh / nteams */
	int count[IMP_SCORE_LEVELS]; /* teams at each score, 0.5 first */
	double median;               /* of the scores given, NAN when none */
};

/* Summarises observations into one entry per month from `first` for
 * `nmonths` months (a month with no scores still gets an entry). Every
 * observation's scores must be valid (0 or 1..10); CO_EINPUT otherwise.
 * Observations outside the months are ignored. */
int imp_score_summary(const struct imp_score_obs *obs, int n, int nteams, enum imp_rater rater,
                      int32_t first, int nmonths, struct imp_score_month *out, struct co_err *e);

/* ---- completeness --------------------------------------------------- */

enum imp_completeness { IMP_MISSING = 0, IMP_PARTIAL = 1, IMP_COMPLETE = 2 };

/* A value that a team reported: the measure's index in the team's list is
 * not needed, only that it counts towards the team's expected number. */
struct imp_reported {
	int64_t team_id;
	int32_t period; /* first day of the month */
	int64_t measure_id;
};

struct imp_completeness_grid {
	int nteams, nperiods;
	unsigned char *status;  /* nteams x nperiods, enum imp_completeness */
	int *nreported;         /* nteams x nperiods: distinct measures reported */
	int *ncomplete;         /* per period: teams complete */
	double *share_complete; /* per period: ncomplete / nteams */
};

/* teams[i] expects expected[i] monthly measures. Reported values must be
 * unique per (team, period, measure) as the database guarantees; values
 * for teams not listed or months outside the range are ignored. The grid's
 * arrays come from the arena. */
int imp_completeness(const int64_t *teams, const int *expected, int nteams, int32_t first,
                     int nperiods, const struct imp_reported *rep, int nrep, struct co_arena *a,
                     struct imp_completeness_grid *out, struct co_err *e);

/* ---- change ideas x teams ------------------------------------------- */

enum imp_act { IMP_ACT_NONE = 0, IMP_ACT_ADOPT = 1, IMP_ACT_ADAPT = 2, IMP_ACT_ABANDON = 3 };

const char *imp_act_name(enum imp_act a);            /* "", "adopt", "adapt", "abandon" */
int imp_act_parse(const char *s, enum imp_act *out); /* "" gives IMP_ACT_NONE */

/* Where a team stands with a change idea. */
enum imp_idea_status {
	IMP_IDEA_NOT_TESTED = 0,
	IMP_IDEA_TESTING = 1, /* cycles begun, none concluded */
	IMP_IDEA_ADOPTED = 2, /* the latest concluded cycle adopted it */
	IMP_IDEA_ADAPTED = 3,
	IMP_IDEA_ABANDONED = 4,
};

const char *imp_idea_status_name(enum imp_idea_status s);

struct imp_cycle_ref {
	int64_t id;
	int64_t team_id;
	int64_t idea_id; /* the collaborative's change idea */
	int32_t started; /* days since 1970-01-01 */
	int32_t ended;   /* 0 when not yet concluded */
	enum imp_act act;
};

struct imp_idea_cell {
	enum imp_idea_status status;
	int ncycles;
	int open;          /* cycles not yet concluded */
	int64_t latest_id; /* the cycle that decided status, 0 when none */
};

struct imp_idea_grid {
	int nideas, nteams;
	struct imp_idea_cell *cells; /* nideas x nteams */
	/* per idea: how many teams are at each status */
	int (*by_status)[5];
};

/* Builds the grid for the given ideas (rows) and teams (columns). The
 * status is the act of the team's most recently concluded cycle for the
 * idea (latest end date, then latest start, then highest id), or testing
 * when cycles are open and none has concluded. Arrays come from the arena. */
int imp_idea_grid(const int64_t *ideas, int nideas, const int64_t *teams, int nteams,
                  const struct imp_cycle_ref *cycles, int ncycles, struct co_arena *a,
                  struct imp_idea_grid *out, struct co_err *e);

#endif
