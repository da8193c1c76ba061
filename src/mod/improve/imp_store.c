/*
 * imp_store.c - reading the catalog and writing measure data.
 *
 * A save is an upsert per point (INSERT ... ON CONFLICT ... DO UPDATE,
 * which SQLite 3.24+ and PostgreSQL share) returning the row id, then the
 * point's strata deleted and inserted again: a few statements per value,
 * all prepared and cached by the storage layer.
 */
#include "mod/improve/imp_store.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "mod/accounts/acct.h"

int imp_store_collab_find(struct db_conn *c, const char *slug, int64_t *id, struct co_err *e)
{
	int rc = db_query_int(c, "SELECT id FROM imp_collaboratives WHERE slug = ?",
	                      DB_ARGS(DB_T(slug)), id, e);

	if (rc == CO_ENOTFOUND)
		return co_errf(e, CO_ENOTFOUND, "no collaborative '%s'", slug);
	return rc;
}

static char *dup_col(struct co_arena *a, struct db_rows *r, int col)
{
	const char *s = db_text(r, col);

	return co_arena_strdup(a, s ? s : "");
}

/* Runs a query and hands each row to fn; stops at fn's first error. */
static int each_row(struct db_conn *c, const char *sql, const struct db_val *args, int nargs,
                    int (*fn)(struct db_rows *r, void *arg, struct co_err *e), void *arg,
                    struct co_err *e)
{
	struct db_rows *rows;
	int rc;

	if ((rc = db_query(c, sql, args, nargs, &rows, e)) < 0)
		return rc;
	while ((rc = db_rows_next(rows, e)) == 1)
		if ((rc = fn(rows, arg, e)) < 0)
			break;
	db_rows_free(rows);
	return rc < 0 ? rc : 0;
}

struct fill {
	struct co_arena *a;
	void *v;
	int n, max;
};

static int team_row(struct db_rows *r, void *arg, struct co_err *e)
{
	struct fill *f = arg;
	struct imp_team_ref *t = (struct imp_team_ref *)f->v + f->n;

	if (f->n >= f->max)
		return 0;
	t->id = db_int(r, 0);
	if (!(t->code = dup_col(f->a, r, 1)))
		return co_errf(e, CO_ENOMEM, "out of memory");
	f->n++;
	return 0;
}

static int measure_row(struct db_rows *r, void *arg, struct co_err *e)
{
	struct fill *f = arg;
	struct imp_measure_def *m = (struct imp_measure_def *)f->v + f->n;

	if (f->n >= f->max)
		return 0;
	m->id = db_int(r, 0);
	m->team_id = db_int(r, 1);
	m->code = dup_col(f->a, r, 2);
	m->name = dup_col(f->a, r, 3);
	if (!m->code || !m->name)
		return co_errf(e, CO_ENOMEM, "out of memory");
	if (imp_data_type_parse(db_text(r, 4), &m->type) || imp_freq_parse(db_text(r, 5), &m->freq))
		return 0; /* the CHECK constraints make this impossible */
	f->n++;
	return 0;
}

/* kinds and groups share a shape: id, code, name */
static int kind_row(struct db_rows *r, void *arg, struct co_err *e)
{
	struct fill *f = arg;
	struct imp_kind_def *k = (struct imp_kind_def *)f->v + f->n;

	if (f->n >= f->max)
		return 0;
	k->id = db_int(r, 0);
	k->code = dup_col(f->a, r, 1);
	k->name = dup_col(f->a, r, 2);
	if (!k->code || !k->name)
		return co_errf(e, CO_ENOMEM, "out of memory");
	f->n++;
	return 0;
}

static int group_row(struct db_rows *r, void *arg, struct co_err *e)
{
	struct fill *f = arg;
	struct imp_group_def *g = (struct imp_group_def *)f->v + f->n;

	if (f->n >= f->max)
		return 0;
	g->id = db_int(r, 0);
	g->code = dup_col(f->a, r, 1);
	g->name = dup_col(f->a, r, 2);
	if (!g->code || !g->name)
		return co_errf(e, CO_ENOMEM, "out of memory");
	f->n++;
	return 0;
}

/* Counts with count_sql, allocates that many items of size, fills them. */
static int load_list(struct db_conn *c, const char *count_sql, const char *sql, int64_t id,
                     size_t size, int (*fn)(struct db_rows *, void *, struct co_err *),
                     struct co_arena *a, void **out, int *n, struct co_err *e)
{
	struct fill f = {a, NULL, 0, 0};
	int64_t count;
	int rc;

	if ((rc = db_query_int(c, count_sql, DB_ARGS(DB_I(id)), &count, e)) < 0)
		return rc;
	if (!(f.v = co_arena_calloc(a, (size_t)count + 1, size)))
		return co_errf(e, CO_ENOMEM, "out of memory");
	f.max = (int)count;
	if ((rc = each_row(c, sql, DB_ARGS(DB_I(id)), fn, &f, e)) < 0)
		return rc;
	*out = f.v;
	*n = f.n;
	return 0;
}

int imp_store_catalog(struct db_conn *c, int64_t collab_id, int32_t today, struct co_arena *a,
                      struct imp_catalog *out, struct co_err *e)
{
	struct imp_catalog cat;
	struct imp_kind_def *kinds;
	void *v = NULL;
	int rc, k;

	memset(&cat, 0, sizeof(cat));
	cat.today = today;
	if ((rc = load_list(c, "SELECT COUNT(*) FROM imp_teams WHERE collaborative_id = ?",
	                    "SELECT id, code FROM imp_teams WHERE collaborative_id = ? ORDER BY id",
	                    collab_id, sizeof(struct imp_team_ref), team_row, a, &v, &cat.nteams,
	                    e)) < 0)
		return rc;
	cat.teams = v;
	if ((rc = load_list(c, "SELECT COUNT(*) FROM imp_measures WHERE collaborative_id = ?",
	                    "SELECT m.id, COALESCE(p.team_id, 0), m.code, m.name, m.data_type, "
	                    "m.frequency FROM imp_measures m LEFT JOIN imp_projects p ON p.id = "
	                    "m.project_id WHERE m.collaborative_id = ? ORDER BY m.shared DESC, "
	                    "m.position, m.id",
	                    collab_id, sizeof(struct imp_measure_def), measure_row, a, &v,
	                    &cat.nmeasures, e)) < 0)
		return rc;
	cat.measures = v;
	if ((rc = load_list(
	             c, "SELECT COUNT(*) FROM imp_strata_kinds WHERE collaborative_id = ?",
	             "SELECT id, code, name FROM imp_strata_kinds WHERE collaborative_id = ? "
	             "ORDER BY id",
	             collab_id, sizeof(struct imp_kind_def), kind_row, a, &v, &cat.nkinds, e)) < 0)
		return rc;
	kinds = v;
	for (k = 0; k < cat.nkinds; k++) {
		if ((rc = load_list(
		             c, "SELECT COUNT(*) FROM imp_strata_groups WHERE kind_id = ?",
		             "SELECT id, code, name FROM imp_strata_groups WHERE kind_id = ? "
		             "ORDER BY position, id",
		             kinds[k].id, sizeof(struct imp_group_def), group_row, a, &v,
		             &kinds[k].ngroups, e)) < 0)
			return rc;
		kinds[k].groups = v;
	}
	cat.kinds = kinds;
	*out = cat;
	return 0;
}

int imp_store_touch(struct db_conn *c, int64_t collab_id, int64_t team_id, struct co_err *e)
{
	if (collab_id)
		return db_exec(
		        c,
		        "UPDATE imp_collaboratives SET data_version = data_version + 1 WHERE id "
		        "= ?",
		        DB_ARGS(DB_I(collab_id)), NULL, e);
	return db_exec(c,
	               "UPDATE imp_collaboratives SET data_version = data_version + 1 WHERE id = "
	               "(SELECT collaborative_id FROM imp_teams WHERE id = ?)",
	               DB_ARGS(DB_I(team_id)), NULL, e);
}

int imp_store_save_points(struct db_conn *c, int64_t actor, const struct imp_point *pts, int n,
                          int64_t now, struct co_err *e)
{
	char period[16];
	int i, k, rc;
	int64_t pid, first_team = n ? pts[0].team_id : 0;
	int one_team = 1;
	json_t *after;

	for (i = 0; i < n; i++) {
		const struct imp_point *p = &pts[i];
		int ratio = imp_data_type_is_ratio(p->type);
		struct db_val args[] = {
		        DB_I(p->measure_id),
		        DB_I(p->team_id),
		        DB_T(period),
		        ratio ? DB_NUL : DB_R(p->value),
		        ratio ? DB_R(p->numerator) : DB_NUL,
		        ratio ? DB_R(p->denominator) : DB_NUL,
		        DB_T(p->notes),
		        actor ? DB_I(actor) : DB_NUL,
		        DB_I(now),
		};

		if (p->team_id != first_team)
			one_team = 0;
		imp_day_format(p->period, period, sizeof(period));
		rc = db_query_int(
		        c,
		        "INSERT INTO imp_data_points (measure_id, team_id, period, value, "
		        "numerator, denominator, notes, entered_by, entered_at) "
		        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
		        "ON CONFLICT (measure_id, team_id, period) DO UPDATE SET "
		        "value = excluded.value, numerator = excluded.numerator, "
		        "denominator = excluded.denominator, notes = excluded.notes, "
		        "entered_by = excluded.entered_by, entered_at = excluded.entered_at "
		        "RETURNING id",
		        args, (int)(sizeof(args) / sizeof(args[0])), &pid, e);
		if (rc < 0)
			return rc;
		if ((rc = db_exec(c, "DELETE FROM imp_strata_values WHERE point_id = ?",
		                  DB_ARGS(DB_I(pid)), NULL, e)) < 0)
			return rc;
		for (k = 0; k < p->nstrata; k++) {
			const struct imp_stratum_value *s = &p->strata[k];

			rc = db_exec(
			        c,
			        "INSERT INTO imp_strata_values (point_id, group_id, numerator, "
			        "denominator) VALUES (?, ?, ?, ?)",
			        DB_ARGS(DB_I(pid), DB_I(s->group_id), DB_R(s->numerator),
			                ratio ? DB_R(s->denominator) : DB_NUL),
			        NULL, e);
			if (rc < 0)
				return rc;
		}
	}
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if ((i == 0 || pts[i].team_id != pts[i - 1].team_id) &&
		    (rc = imp_store_touch(c, 0, pts[i].team_id, e)) < 0)
			return rc;
	after = json_pack("{s:i, s:I}", "values", n, "team_id",
	                  one_team ? (json_int_t)first_team : 0);
	if (!after)
		return co_errf(e, CO_ENOMEM, "out of memory");
	rc = acct_audit(c, actor, NULL, "improve.data.save", "imp_team", one_team ? first_team : 0,
	                NULL, after, e);
	json_decref(after);
	return rc;
}
