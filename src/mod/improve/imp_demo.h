/*
 * imp_demo.h - the demonstration collaborative of Improve: twelve adult
 * mental-health wards in six Welsh health boards working to reduce
 * restrictive practice, with 24 months of synthetic data (incidents per
 * 1,000 occupied bed days split by ethnicity group, a process and a
 * balancing measure), a change package, PDSA cycles, and monthly reports
 * scored by each team and its coach. Some wards show special causes: a
 * sustained fall after adopting a change, one month's spike, a slow rise.
 *
 * Deterministic: the same seed gives the same data, byte for byte, on
 * every machine (a splitmix64 generator and integer-exact sampling). All
 * text is the product's own; people appear only by role.
 *
 * imp_demo_generate() builds the whole description in the caller's arena;
 * imp_demo_load() (imp_demo_load.c) writes it through the storage API.
 * Thread-safe: no shared state.
 */
#ifndef IMP_DEMO_H
#define IMP_DEMO_H

#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"

#define IMP_DEMO_MONTHS   24
#define IMP_DEMO_TEAMS    12
#define IMP_DEMO_GROUPS   6 /* ethnicity groups */
#define IMP_DEMO_MEASURES 3 /* shared measures */
#define IMP_DEMO_SEED     20240901u

struct imp_demo_group {
	const char *code, *name;
	int is_reference;
};

struct imp_demo_measure {
	const char *code, *name, *kind, *definition, *numerator_def, *denominator_def;
	const char *data_type, *unit, *direction, *chart;
	double multiplier;
	double target;  /* NAN when none */
	int stratified; /* 1: split by ethnicity group */
};

struct imp_demo_team {
	const char *org_name; /* a Welsh health board, by its real name */
	const char *code, *name, *service;
	int beds;
	/* what the data generator did, so tests and the pack can say so */
	int improves_from; /* month index of a sustained fall, -1 none */
	int spike_month;   /* month index of a one-off spike, -1 none */
	int drifts_up;     /* 1: a slow rise over the second year */
};

/* One month of one measure for one team. For rates and proportions num
 * and den are set; strata split them by group (rates only). */
struct imp_demo_point {
	int team, measure, month; /* indices */
	double num, den;
	double gnum[IMP_DEMO_GROUPS], gden[IMP_DEMO_GROUPS];
	const char *notes; /* NULL for most */
};

struct imp_demo_node {
	int parent; /* index, -1 for the aim */
	const char *kind, *title, *detail;
};

struct imp_demo_cycle {
	int team;
	int idea; /* index into nodes: a change idea of the package */
	const char *title, *plan, *prediction, *do_notes, *study, *act, *act_notes;
	int start_month;        /* month index; the cycle runs about four weeks */
	int start_day, end_day; /* day of month, end 0: still running */
	int end_month;
};

struct imp_demo_report {
	int team, month;
	const char *narrative, *coaching_notes;
	int team_score, coach_score; /* half points, 0 none */
};

struct imp_demo_session {
	int number;
	const char *title, *date, *mode, *place, *agenda; /* date "YYYY-MM-DD" */
};

struct imp_demo {
	const char *slug, *name, *aim, *summary, *starts_on, *ends_on, *rule_set;
	int32_t first_month;    /* day number of the first data month */
	int first_collab_month; /* index of the collaborative's first month */
	/* The faculty fixed every chart's limits on the months before the
	 * start (a baseline, set explicitly with this reason). */
	int baseline_months;
	const char *baseline_reason;
	struct imp_demo_group groups[IMP_DEMO_GROUPS];
	struct imp_demo_measure measures[IMP_DEMO_MEASURES];
	struct imp_demo_team teams[IMP_DEMO_TEAMS];
	struct imp_demo_session sessions[6];
	struct imp_demo_node *nodes; /* the collaborative's driver diagram */
	int nnodes;
	struct imp_demo_point *points;
	int npoints;
	struct imp_demo_cycle *cycles;
	int ncycles;
	struct imp_demo_report *reports;
	int nreports;
};

int imp_demo_generate(uint64_t seed, struct co_arena *a, struct imp_demo *out, struct co_err *e);

/* Writes the demonstration collaborative into db in one transaction. The
 * accounts demo (organisations, users) must be loaded; its team and coach
 * users get roles on some wards, and three accounts are added for the
 * collaborative's own roles (collab.admin@, faculty@ and viewer@
 * demo.collective.test) with the demo password. A second, small
 * collaborative gives the access tests someone else's teams.
 * CO_ECONFLICT when already loaded. */
struct db;
int imp_demo_load(struct db *db, const char *password, struct co_err *e);

#endif
