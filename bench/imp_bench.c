/*
 * imp_bench.c - data for Improve's figures (built and run by bench/improve):
 *
 *   imp_bench URL   adds a collaborative "bench" to the database at URL (the
 *                   demo data must be loaded): 100 teams over the demo's
 *                   organisations, 6 shared measures (rates, proportions,
 *                   counts), 36 months each, written through the same
 *                   storage calls as the data-entry form, in one transaction.
 *
 * The values are pseudo-random with a fixed seed (a splitmix64 stream), with
 * a shift half way through some series so that the rules find something.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "mod/improve/imp_store.h"

#define TEAMS    100
#define MEASURES 6
#define MONTHS   36

static uint64_t state = 42;

static double unif(void)
{
	uint64_t z = (state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

static int fail(const char *what, const struct co_err *e)
{
	fprintf(stderr, "imp_bench: %s: %s\n", what, e->msg);
	return 1;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *code, *type, *chart;
		double mult;
	} ms[MEASURES] = {
	        {"m_rate", "rate", "u", 1000},       {"m_prop", "proportion", "p", 100},
	        {"m_count", "count", "c", 1},        {"m_rate2", "rate", "u", 1000},
	        {"m_prop2", "proportion", "p", 100}, {"m_count2", "count", "c", 1},
	};
	struct db *db;
	struct db_conn *c;
	struct co_err e;
	struct imp_point *pts;
	int64_t collab, team, org, norgs, mid[MEASURES], now = 1790000000;
	int t, m, k, n = 0;
	char code[32];

	if (argc != 2) {
		fprintf(stderr, "usage: imp_bench URL\n");
		return 2;
	}
	if (db_open(argv[1], 1, &db, &e) || db_acquire(db, &c, &e))
		return fail("open", &e);
	if (db_begin(c, DB_TX_WRITE, &e) ||
	    db_query_int(
	            c,
	            "INSERT INTO imp_collaboratives (slug, name, starts_on, ends_on, rule_set, "
	            "created_at, updated_at) VALUES ('bench', 'Benchmark collaborative', "
	            "'2023-09-01', '2026-08-31', 'mdc', ?, ?) RETURNING id",
	            DB_ARGS(DB_I(now), DB_I(now)), &collab, &e) ||
	    db_query_int(c, "SELECT COUNT(*) FROM organisations", DB_NOARGS, &norgs, &e))
		return fail("collaborative", &e);
	for (m = 0; m < MEASURES; m++)
		if (db_query_int(
		            c,
		            "INSERT INTO imp_measures (collaborative_id, shared, code, name, kind, "
		            "data_type, multiplier, direction, chart, position, created_at) VALUES "
		            "(?, "
		            "1, ?, ?, 'outcome', ?, ?, 'down', ?, ?, ?) RETURNING id",
		            DB_ARGS(DB_I(collab), DB_T(ms[m].code), DB_T(ms[m].code),
		                    DB_T(ms[m].type), DB_R(ms[m].mult), DB_T(ms[m].chart), DB_I(m),
		                    DB_I(now)),
		            &mid[m], &e))
			return fail("measure", &e);
	pts = calloc(TEAMS * MEASURES * MONTHS, sizeof(*pts));
	if (!pts)
		return 1;
	for (t = 0; t < TEAMS; t++) {
		snprintf(code, sizeof(code), "B%03d", t);
		if (db_query_int(c, "SELECT id FROM organisations ORDER BY id LIMIT 1 OFFSET ?",
		                 DB_ARGS(DB_I(t % norgs)), &org, &e) ||
		    db_query_int(
		            c,
		            "INSERT INTO imp_teams (collaborative_id, org_id, code, name, "
		            "created_at) "
		            "VALUES (?, ?, ?, ?, ?) RETURNING id",
		            DB_ARGS(DB_I(collab), DB_I(org), DB_T(code), DB_T(code), DB_I(now)),
		            &team, &e))
			return fail("team", &e);
		for (m = 0; m < MEASURES; m++) {
			double level = 10 + 20 * unif();

			for (k = 0; k < MONTHS; k++) {
				struct imp_point *p = &pts[n++];
				double den = 400 + floor(300 * unif());
				double shift = (t + m) % 3 == 0 && k >= MONTHS / 2 ? 0.6 : 1.0;

				p->team_id = team;
				p->measure_id = mid[m];
				p->period = imp_month_add(imp_days_from_civil(2023, 9, 1), k);
				if (strcmp(ms[m].type, "count") == 0) {
					p->type = IMP_DATA_COUNT;
					p->value = floor(level * shift * (0.7 + 0.6 * unif()));
				} else {
					p->type = strcmp(ms[m].type, "rate") == 0
					                  ? IMP_DATA_RATE
					                  : IMP_DATA_PROPORTION;
					p->denominator = den;
					p->numerator = floor(
					        den * level * shift / 1000 * (0.6 + 0.8 * unif()) *
					        (p->type == IMP_DATA_PROPORTION ? 20 : 1));
					if (p->numerator > den)
						p->numerator = den;
					p->value = p->numerator / den;
				}
			}
		}
	}
	if (imp_store_save_points(c, 0, pts, n, now, &e) || db_commit(c, &e))
		return fail("data", &e);
	/* what autovacuum would have done on a server that has run for a while */
	if (db_kind(db) == DB_POSTGRES &&
	    (db_exec(c, "VACUUM ANALYZE imp_data_points", DB_NOARGS, NULL, &e) ||
	     db_exec(c, "ANALYZE", DB_NOARGS, NULL, &e)))
		return fail("vacuum", &e);
	printf("bench collaborative: %d teams x %d measures x %d months = %d values\n", TEAMS,
	       MEASURES, MONTHS, n);
	free(pts);
	db_release(c);
	db_close(db);
	return 0;
}
