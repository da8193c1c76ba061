/*
 * imp_load.c - loading a collaborative's teams, measures and series for
 * charts, views and exports: four queries (teams, measures, values,
 * phases) whatever the size, the values sorted by measure, team and period
 * so that each series is one contiguous run of rows.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mod/improve/imp_web_int.h"

static const char *dup(struct co_arena *a, struct db_rows *r, int col)
{
	const char *s = db_text(r, col);

	return co_arena_strdup(a, s ? s : "");
}

int32_t imp__today(void)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	return imp_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

const char *imp__month_text(struct co_arena *a, double day)
{
	char buf[16];

	imp_day_format((int32_t)day, buf, sizeof(buf));
	buf[7] = 0;
	return co_arena_strdup(a, buf);
}

int imp__collab_get(struct db_conn *c, int64_t id, struct co_arena *a, struct imp__collab *out,
                    struct co_err *e)
{
	struct db_rows *r;
	int rc;

	if ((rc = db_query(c,
	                   "SELECT id, slug, name, aim, summary, starts_on, ends_on, rule_set, "
	                   "data_visibility, funnel_method, suppression_threshold FROM "
	                   "imp_collaboratives WHERE id = ?",
	                   DB_ARGS(DB_I(id)), &r, e)) < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 1) {
		out->id = db_int(r, 0);
		out->slug = dup(a, r, 1);
		out->name = dup(a, r, 2);
		out->aim = dup(a, r, 3);
		out->summary = dup(a, r, 4);
		out->starts_on = dup(a, r, 5);
		out->ends_on = dup(a, r, 6);
		out->rule_set = dup(a, r, 7);
		out->visibility = dup(a, r, 8);
		out->funnel_method = dup(a, r, 9);
		out->threshold = (int)db_int(r, 10);
		rc = 0;
	} else if (rc == 0) {
		rc = co_errf(e, CO_ENOTFOUND, "no such collaborative");
	}
	db_rows_free(r);
	return rc;
}

#define TEAM_COLS                                                                                  \
	"t.id, t.org_id, t.collaborative_id, t.code, t.name, t.service, o.name, o.code "           \
	"FROM imp_teams t JOIN organisations o ON o.id = t.org_id "

static void team_row(struct db_rows *r, struct co_arena *a, struct imp__team *t)
{
	t->id = db_int(r, 0);
	t->org_id = db_int(r, 1);
	t->collab_id = db_int(r, 2);
	t->code = dup(a, r, 3);
	t->name = dup(a, r, 4);
	t->service = dup(a, r, 5);
	t->org_name = dup(a, r, 6);
	t->org_code = dup(a, r, 7);
}

int imp__team_get(struct db_conn *c, int64_t id, struct co_arena *a, struct imp__team *out,
                  struct co_err *e)
{
	struct db_rows *r;
	int rc;

	if ((rc = db_query(c, "SELECT " TEAM_COLS "WHERE t.id = ?", DB_ARGS(DB_I(id)), &r, e)) < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 1) {
		team_row(r, a, out);
		rc = 0;
	} else if (rc == 0) {
		rc = co_errf(e, CO_ENOTFOUND, "no such team");
	}
	db_rows_free(r);
	return rc;
}

static int find_index(const int64_t *ids, int n, int64_t id)
{
	int i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return i;
	return -1;
}

struct row {
	int s;
	double x, y, n;
	const char *note;
	int excluded;
	int64_t id;
};

/* Reads the values into a growing array (freed by the caller). */
static int read_values(struct db_conn *c, struct imp__data *d, const int64_t *team_ids,
                       const int64_t *measure_ids, int64_t collab_id, int64_t only_team, int what,
                       struct co_arena *a, struct row **out, size_t *nout, struct co_err *e)
{
	struct db_rows *r;
	struct row *rows = NULL, *grown;
	size_t total = 0, cap = 0;
	int rc, t, m;

	/* one team's values by its own index; a collaborative's through its
	 * measures, in the order of the unique index (no sort) */
	if (only_team)
		rc = db_query(
		        c,
		        what == IMP__LOAD_NOTES
		                ? "SELECT d.id, d.measure_id, d.team_id, d.period, d.value, "
		                  "d.numerator, d.denominator, d.excluded, d.notes FROM "
		                  "imp_data_points d WHERE d.team_id = ? ORDER BY d.measure_id, "
		                  "d.period"
		                : "SELECT d.id, d.measure_id, d.team_id, d.period, d.value, "
		                  "d.numerator, d.denominator, d.excluded FROM imp_data_points d "
		                  "WHERE d.team_id = ? ORDER BY d.measure_id, d.period",
		        DB_ARGS(DB_I(only_team)), &r, e);
	else
		rc = db_query(
		        c,
		        what == IMP__LOAD_NOTES
		                ? "SELECT d.id, d.measure_id, d.team_id, d.period, d.value, "
		                  "d.numerator, d.denominator, d.excluded, d.notes FROM "
		                  "imp_data_points d WHERE d.measure_id IN (SELECT id FROM "
		                  "imp_measures WHERE collaborative_id = ?) ORDER BY "
		                  "d.measure_id, d.team_id, d.period"
		                : "SELECT d.id, d.measure_id, d.team_id, d.period, d.value, "
		                  "d.numerator, d.denominator, d.excluded FROM imp_data_points d "
		                  "WHERE d.measure_id IN (SELECT id FROM imp_measures WHERE "
		                  "collaborative_id = ?) ORDER BY d.measure_id, d.team_id, "
		                  "d.period",
		        DB_ARGS(DB_I(collab_id)), &r, e);
	if (rc < 0)
		return rc;
	while ((rc = db_rows_next(r, e)) == 1) {
		int32_t day;
		const char *note;

		t = find_index(team_ids, d->nteams, db_int(r, 2));
		m = find_index(measure_ids, d->nmeasures, db_int(r, 1));
		if (t < 0 || m < 0 || imp_day_parse(db_text(r, 3), &day))
			continue;
		if (total == cap) {
			cap = cap ? cap * 2 : 1024;
			if (!(grown = realloc(rows, sizeof(*rows) * cap))) {
				rc = co_errf(e, CO_ENOMEM, "out of memory");
				break;
			}
			rows = grown;
		}
		rows[total].s = t * d->nmeasures + m;
		rows[total].id = db_int(r, 0);
		rows[total].x = day;
		if (imp_data_type_is_ratio(d->measures[m].def.type)) {
			rows[total].y = db_real(r, 5);
			rows[total].n = db_real(r, 6);
		} else {
			rows[total].y = db_isnull(r, 4) ? NAN : db_real(r, 4);
			rows[total].n = NAN;
		}
		rows[total].excluded = (int)db_int(r, 7);
		rows[total].note = "";
		note = what == IMP__LOAD_NOTES ? db_text(r, 8) : NULL;
		if (note && *note && !(rows[total].note = co_arena_strdup(a, note))) {
			rc = co_errf(e, CO_ENOMEM, "out of memory");
			break;
		}
		d->series[rows[total].s].n++;
		total++;
	}
	db_rows_free(r);
	if (rc < 0) {
		free(rows);
		return rc;
	}
	*out = rows;
	*nout = total;
	return 0;
}

int imp__load(struct db_conn *c, int64_t collab_id, int64_t only_team, int what, struct co_arena *a,
              struct imp__data *out, struct co_err *e)
{
	struct imp__data d;
	struct db_rows *r;
	struct row *rows = NULL;
	int64_t count, *team_ids, *measure_ids;
	int rc, k, t, m, ns;
	size_t i, total = 0, off;
	double *xs, *ys, *dens;
	const char **notes;
	unsigned char *excl;
	int64_t *pids;

	memset(&d, 0, sizeof(d));
	if ((rc = imp__collab_get(c, collab_id, a, &d.collab, e)) < 0)
		return rc;

	/* teams */
	if ((rc = db_query_int(c, "SELECT COUNT(*) FROM imp_teams WHERE collaborative_id = ?",
	                       DB_ARGS(DB_I(collab_id)), &count, e)) < 0)
		return rc;
	d.teams = co_arena_calloc(a, (size_t)count + 1, sizeof(*d.teams));
	team_ids = co_arena_calloc(a, (size_t)count + 1, sizeof(int64_t));
	if (!d.teams || !team_ids)
		return co_errf(e, CO_ENOMEM, "out of memory");
	if (only_team)
		rc = db_query(c, "SELECT " TEAM_COLS "WHERE t.collaborative_id = ? AND t.id = ?",
		              DB_ARGS(DB_I(collab_id), DB_I(only_team)), &r, e);
	else
		rc = db_query(c,
		              "SELECT " TEAM_COLS "WHERE t.collaborative_id = ? ORDER BY o.name, "
		              "t.name",
		              DB_ARGS(DB_I(collab_id)), &r, e);
	if (rc < 0)
		return rc;
	while ((rc = db_rows_next(r, e)) == 1 && d.nteams < count) {
		team_row(r, a, &d.teams[d.nteams]);
		team_ids[d.nteams] = d.teams[d.nteams].id;
		d.nteams++;
	}
	db_rows_free(r);
	if (rc < 0)
		return rc;

	/* measures: shared, then each project's own */
	if ((rc = db_query_int(c, "SELECT COUNT(*) FROM imp_measures WHERE collaborative_id = ?",
	                       DB_ARGS(DB_I(collab_id)), &count, e)) < 0)
		return rc;
	d.measures = co_arena_calloc(a, (size_t)count + 1, sizeof(*d.measures));
	measure_ids = co_arena_calloc(a, (size_t)count + 1, sizeof(int64_t));
	if (!d.measures || !measure_ids)
		return co_errf(e, CO_ENOMEM, "out of memory");
	if ((rc = db_query(
	             c,
	             "SELECT m.id, COALESCE(m.project_id, 0), COALESCE(p.team_id, 0), m.code, "
	             "m.name, m.kind, m.definition, m.numerator_def, m.denominator_def, "
	             "m.data_type, m.unit, m.direction, m.chart, m.frequency, m.multiplier, "
	             "m.target, m.shared FROM imp_measures m LEFT JOIN imp_projects p ON p.id = "
	             "m.project_id WHERE m.collaborative_id = ? AND (m.shared = 1 OR ? = 0 OR "
	             "p.team_id = ?) ORDER BY m.shared DESC, m.position, m.id",
	             DB_ARGS(DB_I(collab_id), DB_I(only_team), DB_I(only_team)), &r, e)) < 0)
		return rc;
	while ((rc = db_rows_next(r, e)) == 1 && d.nmeasures < count) {
		struct imp__measure *x = &d.measures[d.nmeasures];

		x->id = db_int(r, 0);
		x->project_id = db_int(r, 1);
		x->team_id = db_int(r, 2);
		x->code = dup(a, r, 3);
		x->name = dup(a, r, 4);
		x->kind = dup(a, r, 5);
		x->definition = dup(a, r, 6);
		x->numerator_def = dup(a, r, 7);
		x->denominator_def = dup(a, r, 8);
		x->data_type = dup(a, r, 9);
		x->unit = dup(a, r, 10);
		x->direction = dup(a, r, 11);
		x->chart = dup(a, r, 12);
		x->frequency = dup(a, r, 13);
		x->multiplier = db_real(r, 14);
		x->target = db_isnull(r, 15) ? NAN : db_real(r, 15);
		x->shared = (int)db_int(r, 16);
		if (imp_data_type_parse(x->data_type, &x->def.type))
			x->def.type = IMP_DATA_CONTINUOUS;
		x->def.chart = x->chart;
		x->def.rules = d.collab.rule_set;
		x->def.direction = x->direction;
		x->def.multiplier = x->multiplier;
		x->def.target = x->target;
		measure_ids[d.nmeasures] = x->id;
		d.nmeasures++;
	}
	db_rows_free(r);
	if (rc < 0)
		return rc;
	ns = d.nteams * d.nmeasures;
	d.series = co_arena_calloc(a, (size_t)ns + 1, sizeof(*d.series));
	d.point_ids = co_arena_calloc(a, (size_t)ns + 1, sizeof(*d.point_ids));
	if (!d.series || !d.point_ids)
		return co_errf(e, CO_ENOMEM, "out of memory");
	for (t = 0; t < d.nteams; t++)
		for (m = 0; m < d.nmeasures; m++) {
			d.series[t * d.nmeasures + m].team = t;
			d.series[t * d.nmeasures + m].measure = m;
		}
	if (what == IMP__LOAD_STRUCTURE) {
		*out = d;
		return 0;
	}

	/* values */
	if ((rc = read_values(c, &d, team_ids, measure_ids, collab_id, only_team, what, a, &rows,
	                      &total, e)) < 0)
		return rc;
	xs = co_arena_alloc(a, sizeof(double) * (total + 1));
	ys = co_arena_alloc(a, sizeof(double) * (total + 1));
	dens = co_arena_alloc(a, sizeof(double) * (total + 1));
	notes = co_arena_alloc(a, sizeof(char *) * (total + 1));
	excl = co_arena_alloc(a, total + 1);
	pids = co_arena_alloc(a, sizeof(int64_t) * (total + 1));
	if (!xs || !ys || !dens || !notes || !excl || !pids) {
		free(rows);
		return co_errf(e, CO_ENOMEM, "out of memory");
	}
	/* each series gets a contiguous run; rows arrive in period order
	 * within a series, whatever the order of the series */
	for (k = 0, off = 0; k < ns; k++) {
		struct imp_series *s = &d.series[k];

		s->x = xs + off;
		s->y = ys + off;
		s->den = dens + off;
		s->notes = notes + off;
		s->excluded = excl + off;
		d.point_ids[k] = pids + off;
		off += s->n;
		s->n = 0;
	}
	for (i = 0; i < total; i++) {
		struct imp_series *s = &d.series[rows[i].s];

		off = (size_t)(s->x - xs) + s->n;
		xs[off] = rows[i].x;
		ys[off] = rows[i].y;
		dens[off] = rows[i].n;
		notes[off] = rows[i].note;
		excl[off] = (unsigned char)rows[i].excluded;
		pids[off] = rows[i].id;
		s->n++;
	}
	free(rows);

	/* baselines and phases */
	if ((rc = db_query(c,
	                   "SELECT pc.measure_id, pc.team_id, pc.kind, pc.from_period, "
	                   "pc.to_period FROM imp_phase_changes pc JOIN imp_teams t ON t.id = "
	                   "pc.team_id WHERE t.collaborative_id = ? ORDER BY pc.from_period",
	                   DB_ARGS(DB_I(collab_id)), &r, e)) < 0)
		return rc;
	while ((rc = db_rows_next(r, e)) == 1) {
		struct imp_series *s;
		int32_t from, to;

		t = find_index(team_ids, d.nteams, db_int(r, 1));
		m = find_index(measure_ids, d.nmeasures, db_int(r, 0));
		if (t < 0 || m < 0 || imp_day_parse(db_text(r, 3), &from))
			continue;
		s = &d.series[t * d.nmeasures + m];
		if (strcmp(db_text(r, 2), "baseline") == 0) {
			if (db_text(r, 4) && imp_day_parse(db_text(r, 4), &to) == 0)
				s->baseline_to = to;
		} else {
			double *grown = co_arena_alloc(a, sizeof(double) * (s->nphases + 1));

			if (!grown) {
				db_rows_free(r);
				return co_errf(e, CO_ENOMEM, "out of memory");
			}
			if (s->nphases)
				memcpy(grown, s->phase_starts, sizeof(double) * s->nphases);
			grown[s->nphases++] = from;
			s->phase_starts = grown;
		}
	}
	db_rows_free(r);
	if (rc < 0)
		return rc;
	*out = d;
	return 0;
}
