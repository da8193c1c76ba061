/*
 * model.c - the model's accessors, and compiling one profession's inputs
 * for a scenario (and a Monte Carlo draw) into year-by-year arrays.
 *
 * Order of operations for each parameter (docs/workforce.md):
 *   1. the value in the file, row by row (a Beta draw replaces a row's rate);
 *   2. spread over ages and years (a year not listed: 0 for counts,
 *      unlimited for capacities; growth: the rate of the latest "from");
 *   3. a lognormal multiplier or a normal shift of the draw, on every value;
 *   4. the scenario's changes, in file order, for years t >= from;
 *   5. the range check: an error naming the scenario for a central run, a
 *      clamp into range for a draw (random numbers are not the user's error).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wf/wf_int.h"

const struct wf__fieldspec wf__fields[WF__F_COUNT] = {
        [WF__F_LEAVER_RATE] = {"leaver_rate", NULL, WF__K_RATE, 0, 1, 0},
        [WF__F_FTE_RATIO] = {"fte_ratio", NULL, WF__K_RATE, 0, 1, 0},
        [WF__F_FILL_RATE] = {"training.fill_rate", "fill_rate", WF__K_RATE, 0, 0, 0},
        [WF__F_ATTRITION] = {"training.attrition", "attrition", WF__K_RATE, 0, 1, 0},
        [WF__F_COMPLETION] = {"training.completion", "completion", WF__K_RATE, 0, 0, 0},
        [WF__F_UPTAKE] = {"training.uptake", "uptake", WF__K_RATE, 0, 0, 0},
        [WF__F_COMMISSIONS] = {"training.commissions", "commissions", WF__K_COUNT, 0, 0, 0},
        [WF__F_UCAP] = {"training.university_capacity", "university_capacity", WF__K_CAP, 0, 0, 0},
        [WF__F_PCAP] = {"training.placement_capacity", "placement_capacity", WF__K_CAP, 0, 0, 0},
        [WF__F_IN_TRAINING] = {"training.in_training", "in_training", WF__K_COUNT, 1, 0, 0},
        [WF__F_COST] = {"training.cost_per_place", "cost_per_place", WF__K_COUNT, 0, 0, 0},
        [WF__F_INTL] = {"international.joiners", "international", WF__K_COUNT, 0, 0, 0},
        [WF__F_OTHER] = {"other_joiners.joiners", "other_joiners", WF__K_COUNT, 0, 0, 0},
        [WF__F_RET_RATE] = {"returners.rate", NULL, WF__K_RATE, 0, 0, 0},
        [WF__F_POOL] = {"returners.pool", "pool", WF__K_COUNT, 1, 0, 0},
        [WF__F_DECAY] = {"returners.pool_decay", "pool_decay", WF__K_RATE, 0, 0, 0},
        [WF__F_VACANCIES] = {"demand.vacancies", "vacancies", WF__K_COUNT, 1, 0, 0},
        [WF__F_GROWTH] = {"demand.growth", "growth", WF__K_GROWTH, 0, 0, 0},
        [WF__F_DEMAND] = {"demand", NULL, WF__K_COUNT, 0, 0, 0},
        [WF__F_MINUTES] = {"demand.minutes", "minutes", WF__K_COUNT, 0, 0, 0},
        [WF__F_HOURS] = {"demand.hours_per_fte", "hours_per_fte", WF__K_POS, 0, 0, 0},
        [WF__F_UTIL] = {"demand.utilisation", "utilisation", WF__K_POS, 0, 0, 0},
        [WF__F_POPULATION] = {"population", NULL, WF__K_COUNT, 0, 0, 1},
        [WF__F_PREVALENCE] = {"prevalence", NULL, WF__K_RATE, 0, 0, 1},
        [WF__F_TREND] = {"trend", NULL, WF__K_GROWTH, 0, 0, 1},
        [WF__F_CONTACT] = {"in_contact", NULL, WF__K_RATE, 0, 0, 1},
        [WF__F_CONTACTS] = {"contacts", NULL, WF__K_COUNT, 0, 0, 1},
};

const double wf_percentiles[WF_NPCT] = {5, 25, 50, 75, 95};

static const char *const col_names[WF_NCOL] = {
        "headcount", "fte",       "leavers", "joiners", "graduates",
        "entrants",  "returners", "demand",  "gap",
};

const char *wf_col_name(int col)
{
	return col >= 0 && col < WF_NCOL ? col_names[col] : "";
}

void wf_model_free(struct wf_model *m)
{
	struct co_arena a;

	if (!m)
		return;
	a = m->arena; /* the model lives in its own arena */
	co_arena_free(&a);
}

int wf_model_base_year(const struct wf_model *m)
{
	return m->base_year;
}

int wf_model_horizon(const struct wf_model *m)
{
	return m->T;
}

int wf_model_professions(const struct wf_model *m)
{
	return m->n_prof;
}

const char *wf_model_profession_code(const struct wf_model *m, int p)
{
	return m->prof[p].code;
}

const char *wf_model_profession_name(const struct wf_model *m, int p)
{
	return m->prof[p].name;
}

int wf_model_groups(const struct wf_model *m, int p)
{
	return m->prof[p].n_groups;
}

const char *wf_model_group_name(const struct wf_model *m, int p, int g)
{
	return g < 0 ? "*" : m->prof[p].groups[g];
}

int wf_model_scenarios(const struct wf_model *m)
{
	return m->n_scen;
}

const char *wf_model_scenario_name(const struct wf_model *m, int s)
{
	return m->scen[s].name;
}

int wf_model_find_scenario(const struct wf_model *m, const char *name)
{
	int s;

	for (s = 0; s < m->n_scen; s++)
		if (strcmp(m->scen[s].name, name) == 0)
			return s;
	return -1;
}

int wf_model_uncertain(const struct wf_model *m)
{
	return m->n_unc;
}

size_t wf_rows(const struct wf_model *m)
{
	return m->n_rows;
}

void wf_row_key(const struct wf_model *m, size_t row, struct wf_rowkey *k)
{
	int lo = 0, hi = m->n_prof - 1, G;
	size_t local;

	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;
		if (m->row0[mid] <= row)
			lo = mid;
		else
			hi = mid - 1;
	}
	G = m->prof[lo].n_groups;
	local = row - m->row0[lo];
	k->prof = lo;
	k->year = m->base_year + (int)(local / (size_t)(G + 1));
	k->group = (int)(local % (size_t)(G + 1));
	if (k->group == G)
		k->group = -1;
}

int wf__pp_alloc(const struct wf_model *m, int p, struct wf__pp *pp, struct co_arena *a)
{
	size_t T1 = (size_t)m->T + 1, A = (size_t)m->A;
	int d = m->prof[p].train ? m->prof[p].d : 1;
	size_t n = 2 * T1 * A + 4 * T1 + T1 * (size_t)d + 3 * T1 + (size_t)d + 2 * T1 + 2 * T1 +
	           4 * A + T1 + T1 + T1;
	double *x = co_arena_calloc(a, n, sizeof(double));

	if (!x)
		return CO_ENOMEM;
	memset(pp, 0, sizeof(*pp));
	pp->T = m->T;
	pp->A = m->A;
	pp->d = d;
#define TAKE(field, count)                                                                         \
	do {                                                                                       \
		pp->field = x;                                                                     \
		x += (count);                                                                      \
	} while (0)
	TAKE(q, T1 * A);
	TAKE(f, T1 * A);
	TAKE(fill, T1);
	TAKE(comp, T1);
	TAKE(upt, T1);
	TAKE(cost, T1);
	TAKE(attr, T1 * (size_t)d);
	TAKE(comm, T1);
	TAKE(ucap, T1);
	TAKE(pcap, T1);
	TAKE(in_tr, (size_t)d);
	TAKE(I, T1);
	TAKE(O, T1);
	TAKE(rr, T1);
	TAKE(decay, T1);
	TAKE(pi_grad, A);
	TAKE(pi_int, A);
	TAKE(pi_ret, A);
	TAKE(pi_oth, A);
	TAKE(growth, T1);
	TAKE(dmult, T1);
	TAKE(needs, T1);
#undef TAKE
	if (m->prof[p].method != WF__NEEDS)
		pp->needs = NULL;
	return 0;
}

/* ---- Applying random draws and scenarios ----------------------------------- */

static void clamp_all(int kind, double *v, size_t n);

/* The uncertainty entry on (p, field, need), or NULL. */
static const struct wf__uncert *find_unc(const struct wf_model *m, int p, int field, int need)
{
	int i;

	for (i = 0; i < m->n_unc; i++) {
		const struct wf__uncert *u = &m->unc[i];
		if (u->field == field && u->need == need &&
		    (wf__fields[field].needs || u->prof == p))
			return u;
	}
	return NULL;
}

/* A row's value: the Beta draw when there is one, else the file's. */
static double row_value(const struct wf__uncert *u, const double *rv, int row, double v)
{
	if (u && rv && u->dist == WF__BETA)
		return rv[u->var0 + row];
	return v;
}

/* The multiplier or shift of a draw on every value of a field. */
static void draw_all(const struct wf__uncert *u, const double *rv, double *v, size_t n)
{
	size_t i;

	if (!u || !rv || u->dist == WF__BETA)
		return;
	for (i = 0; i < n; i++) {
		if (u->dist == WF__LOGNORMAL) {
			if (!isinf(v[i]))
				v[i] *= rv[u->var0];
		} else {
			v[i] += rv[u->var0];
		}
	}
	clamp_all(wf__fields[u->field].kind, v, n);
}

static double op_apply(int op, double v, double x)
{
	if (isinf(v) && op != WF__VALUE)
		return v; /* an unlimited capacity stays unlimited */
	switch (op) {
	case WF__SCALE: return v * x;
	case WF__ADD: return v + x;
	default: return x;
	}
}

static const char *kind_range(int kind)
{
	switch (kind) {
	case WF__K_RATE: return "[0, 1]";
	case WF__K_GROWTH: return "[-1, infinity)";
	case WF__K_POS: return "(0, infinity)";
	default: return "[0, infinity)";
	}
}

static int in_range(int kind, double v)
{
	if (isnan(v))
		return 0;
	switch (kind) {
	case WF__K_RATE: return v >= 0 && v <= 1;
	case WF__K_GROWTH: return v >= -1 && !isinf(v);
	case WF__K_POS: return v > 0 && !isinf(v);
	case WF__K_CAP: return v >= 0;
	default: return v >= 0 && !isinf(v);
	}
}

static double clamp_kind(int kind, double v)
{
	if (isnan(v))
		return 0;
	switch (kind) {
	case WF__K_RATE: return v < 0 ? 0 : v > 1 ? 1 : v;
	case WF__K_GROWTH: return v < -1 ? -1 : v;
	case WF__K_POS: return v < DBL_MIN ? DBL_MIN : v;
	default: return v < 0 ? 0 : v;
	}
}

/* op on n values; an unlimited capacity stays unlimited unless replaced */
static void apply_op(int op, double x, double *v, size_t n)
{
	size_t i;

	switch (op) {
	case WF__SCALE:
		for (i = 0; i < n; i++)
			if (!isinf(v[i]))
				v[i] *= x;
		break;
	case WF__ADD:
		for (i = 0; i < n; i++)
			if (!isinf(v[i]))
				v[i] += x;
		break;
	default:
		for (i = 0; i < n; i++)
			v[i] = x;
	}
}

/* Clamps n values into the kind's range (draws, not the user, pushed them). */
static void clamp_all(int kind, double *v, size_t n)
{
	size_t i;

	if (kind == WF__K_RATE) {
		for (i = 0; i < n; i++)
			v[i] = v[i] > 1 ? 1 : v[i] >= 0 ? v[i] : 0; /* NaN becomes 0 */
		return;
	}
	for (i = 0; i < n; i++)
		if (!in_range(kind, v[i]))
			v[i] = clamp_kind(kind, v[i]);
}

struct ctx {
	const struct wf_model *m;
	int p, s;
	const double *rv;
	struct co_err *e;
};

static int range_error(const struct ctx *c, int field, int need, double x, const char *elem,
                       int elem_no, int year)
{
	const struct wf_model *m = c->m;
	char who[160], where[48] = "";

	if (wf__fields[field].needs)
		snprintf(who, sizeof(who), "needs%s%s", need >= 0 ? "." : "",
		         need >= 0 ? m->need[need].name : "");
	else
		snprintf(who, sizeof(who), "profession %s", m->prof[c->p].code);
	if (elem)
		snprintf(where, sizeof(where), " at %s%d", elem, elem_no);
	return co_errf_at(c->e, CO_EINPUT, 0, 0, wf__fields[field].path,
	                  "scenario %s: %s: %s becomes %.10g%s in %d, outside %s",
	                  m->scen[c->s].name, who, wf__fields[field].path, x, where, year,
	                  kind_range(wf__fields[field].kind));
}

/* Applies scenario s's changes to field (of profession c->p, or need) on
 * v[t * stride + j], t = 0..T, j < stride, then checks or clamps. what(j)
 * names an element in an error. */
static int apply(const struct ctx *c, int field, int need, double *v, int stride, const char *elem,
                 int elem0)
{
	const struct wf_model *m = c->m;
	const struct wf__scenario *sc = &m->scen[c->s];
	int kind = wf__fields[field].kind, i, t, j, changed = 0, first = m->T + 1;

	for (i = 0; i < sc->n; i++) {
		const struct wf__change *ch = &sc->c[i];
		if (ch->field != field || ch->need != need)
			continue;
		if (!wf__fields[field].needs && ch->prof != -1 && ch->prof != c->p)
			continue;
		changed = 1;
		if (ch->from_t < first)
			first = ch->from_t;
		apply_op(ch->op, ch->v, v + (size_t)ch->from_t * stride,
		         (size_t)(m->T + 1 - ch->from_t) * stride);
	}
	/* the file's values were checked when it was read, a draw's were
	 * clamped as it was applied: only what the scenario changed is left */
	if (!changed)
		return 0;
	if (c->rv) {
		if (first <= m->T)
			clamp_all(kind, v + (size_t)first * stride,
			          (size_t)(m->T + 1 - first) * stride);
		return 0;
	}
	for (t = first; t <= m->T; t++) {
		const double *row = v + (size_t)t * stride;
		for (j = 0; j < stride; j++)
			if (!in_range(kind, row[j]))
				return range_error(c, field, need, row[j], elem,
				                   elem ? elem0 + j : 0, m->base_year + t);
	}
	return 0;
}

/* As apply() for a value that only matters in the base year. */
static int apply0(const struct ctx *c, int field, double *v, int n)
{
	const struct wf_model *m = c->m;
	const struct wf__scenario *sc = &m->scen[c->s];
	int i, j, kind = wf__fields[field].kind;

	for (i = 0; i < sc->n; i++) {
		const struct wf__change *ch = &sc->c[i];
		if (ch->field != field || (ch->prof != -1 && ch->prof != c->p) || ch->from_t > 0)
			continue;
		for (j = 0; j < n; j++)
			v[j] = op_apply(ch->op, v[j], ch->v);
	}
	for (j = 0; j < n; j++) {
		if (in_range(kind, v[j]))
			continue;
		if (c->rv) {
			v[j] = clamp_kind(kind, v[j]);
			continue;
		}
		return co_errf_at(c->e, CO_EINPUT, 0, 0, wf__fields[field].path,
		                  "scenario %s: %s makes %s %.10g, outside %s", sc->name,
		                  m->prof[c->p].code, wf__fields[field].path, v[j],
		                  kind_range(kind));
	}
	return 0;
}

/* An age table spread over ages and repeated for every year. */
static void age_series(const struct ctx *c, int field, const struct wf__agetab *tab, double *v)
{
	const struct wf_model *m = c->m;
	const struct wf__uncert *u = find_unc(m, c->p, field, -1);
	int r, x, t, A = m->A;

	for (r = 0; r < tab->n; r++) {
		double val = row_value(u, c->rv, r, tab->r[r].v);
		for (x = tab->r[r].lo; x <= tab->r[r].hi; x++)
			v[x - m->age_min] = val;
	}
	draw_all(u, c->rv, v, (size_t)A);
	for (t = 1; t <= m->T; t++)
		memcpy(v + (size_t)t * A, v, (size_t)A * sizeof(double));
}

/* A scalar repeated for every year. */
static void scalar_series(const struct ctx *c, int field, int need, double val, double *v)
{
	const struct wf__uncert *u = find_unc(c->m, c->p, field, need);
	int t;

	val = row_value(u, c->rv, 0, val);
	draw_all(u, c->rv, &val, 1);
	for (t = 0; t <= c->m->T; t++)
		v[t] = val;
}

/* A year table: the listed years' values, `missing` for the others. */
static void year_series(const struct ctx *c, int field, const struct wf__yeartab *tab,
                        double missing, double *v)
{
	const struct wf_model *m = c->m;
	int r, t;

	for (t = 0; t <= m->T; t++)
		v[t] = missing;
	for (r = 0; r < tab->n; r++) {
		t = tab->r[r].year - m->base_year;
		if (t >= 0 && t <= m->T)
			v[t] = tab->r[r].v;
	}
	draw_all(find_unc(m, c->p, field, -1), c->rv, v, (size_t)m->T + 1);
}

/* Growth: the rate of the latest "from" at or before each year, else 0. */
static void growth_series(const struct ctx *c, int field, int need, const struct wf__yeartab *tab,
                          double *v)
{
	const struct wf_model *m = c->m;
	int r, t;

	for (t = 0; t <= m->T; t++) {
		int best = -1;
		v[t] = 0;
		for (r = 0; r < tab->n; r++)
			if (tab->r[r].year <= m->base_year + t &&
			    (best < 0 || tab->r[r].year > tab->r[best].year))
				best = r;
		if (best >= 0)
			v[t] = tab->r[best].v;
	}
	draw_all(find_unc(m, c->p, field, need), c->rv, v, (size_t)m->T + 1);
}

static void spread(const struct wf_model *m, const struct wf__agetab *tab, double *pi)
{
	int r, x;

	memset(pi, 0, (size_t)m->A * sizeof(double));
	for (r = 0; r < tab->n; r++) {
		double each = tab->r[r].v / (double)(tab->r[r].hi - tab->r[r].lo + 1);
		for (x = tab->r[r].lo; x <= tab->r[r].hi; x++)
			pi[x - m->age_min] += each;
	}
}

/* Population of a label in a calendar year: linear between listed years,
 * the nearest listed value outside them. */
static double population_at(const struct wf__pop *pp, int year)
{
	const struct wf__yeartab *y = &pp->people;
	int r;

	if (y->n == 0)
		return 0;
	if (year <= y->r[0].year)
		return y->r[0].v;
	for (r = 1; r < y->n; r++)
		if (year <= y->r[r].year) {
			double w = (double)(year - y->r[r - 1].year) /
			           (double)(y->r[r].year - y->r[r - 1].year);
			return y->r[r - 1].v + w * (y->r[r].v - y->r[r - 1].v);
		}
	return y->r[y->n - 1].v;
}

/* Needs-based demand of profession p in FTE, year by year, into pp->needs. */
static int needs_demand(const struct ctx *c, struct wf__pp *pp)
{
	const struct wf_model *m = c->m;
	const struct wf__prof *P = &m->prof[c->p];
	int T1 = m->T + 1, i, t, rc;
	double pop[WF__MAX_HORIZON + 1], prev[WF__MAX_HORIZON + 1], trend[WF__MAX_HORIZON + 1];
	double con[WF__MAX_HORIZON + 1], cts[WF__MAX_HORIZON + 1], mins[WF__MAX_HORIZON + 1];
	double hours[WF__MAX_HORIZON + 1], util[WF__MAX_HORIZON + 1];

	scalar_series(c, WF__F_HOURS, -1, P->hours, hours);
	if ((rc = apply(c, WF__F_HOURS, -1, hours, 1, NULL, 0)))
		return rc;
	scalar_series(c, WF__F_UTIL, -1, P->util, util);
	if ((rc = apply(c, WF__F_UTIL, -1, util, 1, NULL, 0)))
		return rc;
	for (t = 0; t < T1; t++)
		pp->needs[t] = 0;
	for (i = 0; i < P->n_minutes; i++) {
		const struct wf__need *n = &m->need[P->minutes[i].need];
		int ni = P->minutes[i].need;
		double factor = 1;
		const struct wf__uncert *u = find_unc(m, -1, WF__F_POPULATION, -1);

		for (t = 0; t < T1; t++)
			pop[t] = population_at(&m->pop[n->pop], m->base_year + t);
		draw_all(u, c->rv, pop, (size_t)T1);
		if ((rc = apply(c, WF__F_POPULATION, -1, pop, 1, NULL, 0)))
			return rc;
		scalar_series(c, WF__F_PREVALENCE, ni, n->prev, prev);
		if ((rc = apply(c, WF__F_PREVALENCE, ni, prev, 1, NULL, 0)))
			return rc;
		scalar_series(c, WF__F_TREND, ni, n->trend, trend);
		if ((rc = apply(c, WF__F_TREND, ni, trend, 1, NULL, 0)))
			return rc;
		scalar_series(c, WF__F_CONTACT, ni, n->contact, con);
		if ((rc = apply(c, WF__F_CONTACT, ni, con, 1, NULL, 0)))
			return rc;
		scalar_series(c, WF__F_CONTACTS, ni, n->contacts, cts);
		if ((rc = apply(c, WF__F_CONTACTS, ni, cts, 1, NULL, 0)))
			return rc;
		scalar_series(c, WF__F_MINUTES, -1, P->minutes[i].v, mins);
		if ((rc = apply(c, WF__F_MINUTES, -1, mins, 1, NULL, 0)))
			return rc;
		for (t = 0; t < T1; t++) {
			if (t > 0)
				factor *= 1 + trend[t];
			/* people x prevalence x in contact x contacts a year x minutes,
			 * in hours, over the hours one FTE gives to it */
			pp->needs[t] += pop[t] * prev[t] * factor * con[t] * cts[t] * mins[t] /
			                60.0 / (hours[t] * util[t]);
		}
	}
	return 0;
}

static int needs_random(const struct wf_model *m, int p);

/* only: pp already holds this scenario's central values; recompute only
 * the fields a draw changes. */
static int compile(const struct wf_model *m, int p, int s, const double *rv, struct wf__pp *pp,
                   int only, struct co_err *e)
{
	const struct wf__prof *P = &m->prof[p];
	struct ctx c = {m, p, s, rv, e};
	int T1 = m->T + 1, A = m->A, t, k, rc;
#define DO(f) (!only || find_unc(m, p, (f), -1))

	if (DO(WF__F_LEAVER_RATE)) {
		age_series(&c, WF__F_LEAVER_RATE, &P->leave, pp->q);
		if ((rc = apply(&c, WF__F_LEAVER_RATE, -1, pp->q, A, "age ", m->age_min)))
			return rc;
		for (t = 0; t < T1; t++)
			pp->q[(size_t)t * A + A - 1] = 1; /* everyone leaves at age_max */
	}

	if (DO(WF__F_FTE_RATIO)) {
		age_series(&c, WF__F_FTE_RATIO, &P->fte, pp->f);
		if ((rc = apply(&c, WF__F_FTE_RATIO, -1, pp->f, A, "age ", m->age_min)))
			return rc;
	}

	if (P->train) {
		const struct wf__uncert *ua = find_unc(m, p, WF__F_ATTRITION, -1);
		pp->d = P->d;
		if (DO(WF__F_FILL_RATE)) {
			scalar_series(&c, WF__F_FILL_RATE, -1, P->fill, pp->fill);
			if ((rc = apply(&c, WF__F_FILL_RATE, -1, pp->fill, 1, NULL, 0)))
				return rc;
		}

		if (DO(WF__F_COMPLETION)) {
			scalar_series(&c, WF__F_COMPLETION, -1, P->completion, pp->comp);
			if ((rc = apply(&c, WF__F_COMPLETION, -1, pp->comp, 1, NULL, 0)))
				return rc;
		}

		if (DO(WF__F_UPTAKE)) {
			scalar_series(&c, WF__F_UPTAKE, -1, P->uptake, pp->upt);
			if ((rc = apply(&c, WF__F_UPTAKE, -1, pp->upt, 1, NULL, 0)))
				return rc;
		}

		if (DO(WF__F_COST)) {
			scalar_series(&c, WF__F_COST, -1, P->cost, pp->cost);
			if ((rc = apply(&c, WF__F_COST, -1, pp->cost, 1, NULL, 0)))
				return rc;
		}

		if (DO(WF__F_ATTRITION)) {
			for (k = 0; k < P->d; k++)
				pp->attr[k] = row_value(ua, rv, k, P->attr[k]);
			draw_all(ua, rv, pp->attr, (size_t)P->d);
			for (t = 1; t < T1; t++)
				memcpy(pp->attr + (size_t)t * P->d, pp->attr,
				       (size_t)P->d * sizeof(double));
			if ((rc = apply(&c, WF__F_ATTRITION, -1, pp->attr, P->d, "course year ",
			                1)))
				return rc;
		}

		if (DO(WF__F_COMMISSIONS)) {
			year_series(&c, WF__F_COMMISSIONS, &P->comm, 0, pp->comm);
			if ((rc = apply(&c, WF__F_COMMISSIONS, -1, pp->comm, 1, NULL, 0)))
				return rc;
		}

		if (DO(WF__F_UCAP)) {
			year_series(&c, WF__F_UCAP, &P->ucap, HUGE_VAL, pp->ucap);
			if ((rc = apply(&c, WF__F_UCAP, -1, pp->ucap, 1, NULL, 0)))
				return rc;
		}

		if (DO(WF__F_PCAP)) {
			year_series(&c, WF__F_PCAP, &P->pcap, HUGE_VAL, pp->pcap);
			if ((rc = apply(&c, WF__F_PCAP, -1, pp->pcap, 1, NULL, 0)))
				return rc;
		}

		if (DO(WF__F_IN_TRAINING)) {
			memcpy(pp->in_tr, P->in_tr, (size_t)P->d * sizeof(double));
			draw_all(find_unc(m, p, WF__F_IN_TRAINING, -1), rv, pp->in_tr,
			         (size_t)P->d);
			if ((rc = apply0(&c, WF__F_IN_TRAINING, pp->in_tr, P->d)))
				return rc;
		}

		if (!only) {
			spread(m, &P->grad_entry, pp->pi_grad);
		}

	} else if (!only) {
		pp->d = 1;
		for (t = 0; t < T1; t++) {
			pp->fill[t] = pp->comp[t] = pp->upt[t] = pp->cost[t] = 0;
			pp->comm[t] = 0;
			pp->ucap[t] = pp->pcap[t] = HUGE_VAL;
			pp->attr[t] = 0;
		}
		pp->in_tr[0] = 0;
		memset(pp->pi_grad, 0, (size_t)A * sizeof(double));
	}

	if (P->intl.on) {
		if (DO(WF__F_INTL)) {
			year_series(&c, WF__F_INTL, &P->intl.joiners, 0, pp->I);
			if ((rc = apply(&c, WF__F_INTL, -1, pp->I, 1, NULL, 0)))
				return rc;
		}

		if (!only) {
			spread(m, &P->intl.entry, pp->pi_int);
		}

	} else if (!only) {
		memset(pp->I, 0, (size_t)T1 * sizeof(double));
		memset(pp->pi_int, 0, (size_t)A * sizeof(double));
	}
	if (P->oth.on) {
		if (DO(WF__F_OTHER)) {
			year_series(&c, WF__F_OTHER, &P->oth.joiners, 0, pp->O);
			if ((rc = apply(&c, WF__F_OTHER, -1, pp->O, 1, NULL, 0)))
				return rc;
		}

		if (!only) {
			spread(m, &P->oth.entry, pp->pi_oth);
		}

	} else if (!only) {
		memset(pp->O, 0, (size_t)T1 * sizeof(double));
		memset(pp->pi_oth, 0, (size_t)A * sizeof(double));
	}
	if (P->ret) {
		if (DO(WF__F_RET_RATE)) {
			scalar_series(&c, WF__F_RET_RATE, -1, P->ret_rate, pp->rr);
			if ((rc = apply(&c, WF__F_RET_RATE, -1, pp->rr, 1, NULL, 0)))
				return rc;
		}

		if (DO(WF__F_DECAY)) {
			scalar_series(&c, WF__F_DECAY, -1, P->decay, pp->decay);
			if ((rc = apply(&c, WF__F_DECAY, -1, pp->decay, 1, NULL, 0)))
				return rc;
		}

		if (DO(WF__F_POOL)) {
			pp->pool0 = P->pool;
			draw_all(find_unc(m, p, WF__F_POOL, -1), rv, &pp->pool0, 1);
			if ((rc = apply0(&c, WF__F_POOL, &pp->pool0, 1)))
				return rc;
		}

		if (!only) {
			pp->max_x = P->max_age - m->age_min;
			spread(m, &P->ret_entry, pp->pi_ret);
		}

	} else if (!only) {
		memset(pp->rr, 0, (size_t)T1 * sizeof(double));
		memset(pp->decay, 0, (size_t)T1 * sizeof(double));
		pp->pool0 = 0;
		pp->max_x = -1;
		memset(pp->pi_ret, 0, (size_t)A * sizeof(double));
	}

	if (DO(WF__F_DEMAND)) {
		scalar_series(&c, WF__F_DEMAND, -1, 1.0, pp->dmult);
		if ((rc = apply(&c, WF__F_DEMAND, -1, pp->dmult, 1, NULL, 0)))
			return rc;
	}
	if (P->method == WF__GROWTH) {
		if (DO(WF__F_GROWTH)) {
			growth_series(&c, WF__F_GROWTH, -1, &P->growth, pp->growth);
			if ((rc = apply(&c, WF__F_GROWTH, -1, pp->growth, 1, NULL, 0)))
				return rc;
		}

		if (DO(WF__F_VACANCIES)) {
			pp->vac0 = P->vacancies;
			draw_all(find_unc(m, p, WF__F_VACANCIES, -1), rv, &pp->vac0, 1);
			if ((rc = apply0(&c, WF__F_VACANCIES, &pp->vac0, 1)))
				return rc;
		}

	} else if (!only || needs_random(m, p)) {
		memset(pp->growth, 0, (size_t)T1 * sizeof(double));
		pp->vac0 = 0;
		if ((rc = needs_demand(&c, pp)))
			return rc;
		for (t = 0; t < T1; t++)
			pp->needs[t] *= pp->dmult[t];
	}
#undef DO
	return 0;
}

/* Whether a draw changes profession p's needs-based demand. */
static int needs_random(const struct wf_model *m, int p)
{
	int i;

	for (i = 0; i < m->n_unc; i++) {
		const struct wf__uncert *u = &m->unc[i];
		if (wf__fields[u->field].needs ||
		    (u->prof == p && (u->field == WF__F_MINUTES || u->field == WF__F_HOURS ||
		                      u->field == WF__F_UTIL || u->field == WF__F_DEMAND)))
			return 1;
	}
	return 0;
}

int wf__compile(const struct wf_model *m, int p, int s, const double *rv, struct wf__pp *pp,
                struct co_err *e)
{
	return compile(m, p, s, rv, pp, 0, e);
}

int wf__compile_draw(const struct wf_model *m, int p, int s, const double *rv, struct wf__pp *pp,
                     struct co_err *e)
{
	return compile(m, p, s, rv, pp, 1, e);
}

double wf__beta_mean(const struct wf_model *m, const struct wf__uncert *u, int j)
{
	const struct wf__prof *P;

	if (u->field == WF__F_PREVALENCE)
		return m->need[u->need].prev;
	if (u->field == WF__F_CONTACT)
		return m->need[u->need].contact;
	if (u->prof < 0)
		return 0;
	P = &m->prof[u->prof];
	switch (u->field) {
	case WF__F_LEAVER_RATE: return P->leave.r[j].v;
	case WF__F_FTE_RATIO: return P->fte.r[j].v;
	case WF__F_ATTRITION: return P->attr[j];
	case WF__F_FILL_RATE: return P->fill;
	case WF__F_COMPLETION: return P->completion;
	case WF__F_UPTAKE: return P->uptake;
	case WF__F_RET_RATE: return P->ret_rate;
	case WF__F_DECAY: return P->decay;
	default: return 0;
	}
}

int wf__beta_rows(const struct wf_model *m, const struct wf__uncert *u)
{
	if (u->prof < 0)
		return 1;
	switch (u->field) {
	case WF__F_LEAVER_RATE: return m->prof[u->prof].leave.n;
	case WF__F_FTE_RATIO: return m->prof[u->prof].fte.n;
	case WF__F_ATTRITION: return m->prof[u->prof].d;
	default: return 1;
	}
}

int wf__scenario_ages(const struct wf_model *m, int s, int p)
{
	const struct wf__scenario *sc = &m->scen[s];
	int i;

	for (i = 0; i < sc->n; i++) {
		const struct wf__change *ch = &sc->c[i];
		if ((ch->field == WF__F_LEAVER_RATE || ch->field == WF__F_FTE_RATIO) &&
		    (ch->prof == -1 || ch->prof == p))
			return 1;
	}
	return 0;
}

int wf__scenario_touches(const struct wf_model *m, int s, int p)
{
	const struct wf__scenario *sc = &m->scen[s];
	int i;

	for (i = 0; i < sc->n; i++) {
		const struct wf__change *ch = &sc->c[i];
		if (wf__fields[ch->field].needs) {
			if (m->prof[p].method == WF__NEEDS)
				return 1;
		} else if (ch->prof == -1 || ch->prof == p) {
			return 1;
		}
	}
	return 0;
}
