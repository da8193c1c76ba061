/*
 * imp_views.c - scores, completeness and the change ideas x teams grid.
 *
 * Lookups of team and idea ids go through sorted copies and binary search,
 * so a collaborative of 100 teams with years of data costs O(n log n).
 */
#include "mod/improve/imp_views.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mod/improve/imp_data.h"

/* ---- scores --------------------------------------------------------- */

int imp_score_parse(const char *s, int *halves, struct co_err *e)
{
	const char *p = s;
	int whole = 0, frac = 0, nd = 0;

	if (!s)
		return co_errf(e, CO_EINPUT, "a score is needed");
	while (isspace((unsigned char)*p))
		p++;
	while (isdigit((unsigned char)*p) && nd < 3) {
		whole = whole * 10 + (*p++ - '0');
		nd++;
	}
	if (nd == 0)
		goto bad;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			goto bad;
		frac = *p++ - '0';
		while (*p == '0')
			p++;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p || (frac != 0 && frac != 5))
		goto bad;
	if (whole * 2 + (frac == 5) < 1 || whole * 2 + (frac == 5) > IMP_SCORE_LEVELS)
		goto bad;
	*halves = whole * 2 + (frac == 5);
	return 0;
bad:
	return co_errf(e, CO_EINPUT, "a score is 0.5 to 5.0 in steps of 0.5");
}

void imp_score_format(int halves, char *out, unsigned long size)
{
	snprintf(out, size, "%d.%d", halves / 2, halves % 2 ? 5 : 0);
}

int imp_score_gap(int team_halves, int coach_halves)
{
	return team_halves > 0 && coach_halves > 0 &&
	       abs(team_halves - coach_halves) >= IMP_SCORE_GAP;
}

int imp_score_summary(const struct imp_score_obs *obs, int n, int nteams, enum imp_rater rater,
                      int32_t first, int nmonths, struct imp_score_month *out, struct co_err *e)
{
	int i, k, m, s, seen, mid;

	for (i = 0; i < n; i++)
		if (obs[i].team < 0 || obs[i].team > IMP_SCORE_LEVELS || obs[i].coach < 0 ||
		    obs[i].coach > IMP_SCORE_LEVELS)
			return co_errf(e, CO_EINPUT, "a score is out of range");
	for (m = 0; m < nmonths; m++) {
		memset(&out[m], 0, sizeof(out[m]));
		out[m].month = imp_month_add(first, m);
		out[m].nteams = nteams;
	}
	for (i = 0; i < n; i++) {
		m = imp_months_between(first, obs[i].month);
		if (m < 0 || m >= nmonths)
			continue;
		if (rater == IMP_RATER_TEAM)
			s = obs[i].team;
		else if (rater == IMP_RATER_COACH)
			s = obs[i].coach;
		else
			s = obs[i].coach ? obs[i].coach : obs[i].team;
		if (imp_score_gap(obs[i].team, obs[i].coach))
			out[m].ngaps++;
		if (!s)
			continue;
		out[m].nscored++;
		out[m].count[s - 1]++;
		if (s >= IMP_SCORE_HIGH)
			out[m].nhigh++;
	}
	for (m = 0; m < nmonths; m++) {
		struct imp_score_month *x = &out[m];

		x->share = x->nscored ? (double)x->nhigh / x->nscored : NAN;
		x->share_of_all = x->nteams ? (double)x->nhigh / x->nteams : NAN;
		x->median = NAN;
		if (!x->nscored)
			continue;
		/* the median from the counts: the mean of the middle one or two */
		{
			double lo = NAN, hi = NAN;

			mid = x->nscored;
			seen = 0;
			for (k = 0; k < IMP_SCORE_LEVELS; k++) {
				if (isnan(lo) && seen + x->count[k] >= (mid + 1) / 2)
					lo = (k + 1) / 2.0;
				if (isnan(hi) && seen + x->count[k] >= mid / 2 + 1)
					hi = (k + 1) / 2.0;
				seen += x->count[k];
			}
			x->median = (lo + hi) / 2.0;
		}
	}
	return 0;
}

/* ---- sorted id lookups ---------------------------------------------- */

struct idpos {
	int64_t id;
	int pos;
};

static int idpos_cmp(const void *a, const void *b)
{
	const struct idpos *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static struct idpos *index_ids(const int64_t *ids, int n, struct co_arena *a)
{
	struct idpos *v = co_arena_alloc(a, sizeof(*v) * (size_t)(n ? n : 1));
	int i;

	if (!v)
		return NULL;
	for (i = 0; i < n; i++) {
		v[i].id = ids[i];
		v[i].pos = i;
	}
	qsort(v, (size_t)n, sizeof(*v), idpos_cmp);
	return v;
}

static int find_id(const struct idpos *v, int n, int64_t id)
{
	int lo = 0, hi = n - 1, mid;

	while (lo <= hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid].id == id)
			return v[mid].pos;
		if (v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* ---- completeness --------------------------------------------------- */

int imp_completeness(const int64_t *teams, const int *expected, int nteams, int32_t first,
                     int nperiods, const struct imp_reported *rep, int nrep, struct co_arena *a,
                     struct imp_completeness_grid *out, struct co_err *e)
{
	struct imp_completeness_grid g;
	struct idpos *idx;
	int i, t, p, k;

	if (nteams < 0 || nperiods < 0)
		return co_errf(e, CO_EINPUT, "bad grid size");
	k = nteams * nperiods;
	g.nteams = nteams;
	g.nperiods = nperiods;
	g.status = co_arena_calloc(a, (size_t)(k ? k : 1), 1);
	g.nreported = co_arena_calloc(a, (size_t)(k ? k : 1), sizeof(int));
	g.ncomplete = co_arena_calloc(a, (size_t)(nperiods ? nperiods : 1), sizeof(int));
	g.share_complete = co_arena_calloc(a, (size_t)(nperiods ? nperiods : 1), sizeof(double));
	idx = index_ids(teams, nteams, a);
	if (!g.status || !g.nreported || !g.ncomplete || !g.share_complete || !idx)
		return co_errf(e, CO_ENOMEM, "out of memory");
	for (i = 0; i < nrep; i++) {
		t = find_id(idx, nteams, rep[i].team_id);
		p = imp_months_between(first, rep[i].period);
		if (t < 0 || p < 0 || p >= nperiods)
			continue;
		g.nreported[t * nperiods + p]++;
	}
	for (t = 0; t < nteams; t++)
		for (p = 0; p < nperiods; p++) {
			int r = g.nreported[t * nperiods + p];
			enum imp_completeness s = r == 0             ? IMP_MISSING
			                          : r >= expected[t] ? IMP_COMPLETE
			                                             : IMP_PARTIAL;

			g.status[t * nperiods + p] = (unsigned char)s;
			if (s == IMP_COMPLETE)
				g.ncomplete[p]++;
		}
	for (p = 0; p < nperiods; p++)
		g.share_complete[p] = nteams ? (double)g.ncomplete[p] / nteams : NAN;
	*out = g;
	return 0;
}

/* ---- change ideas x teams ------------------------------------------- */

static const char *const act_names[] = {"", "adopt", "adapt", "abandon"};
static const char *const status_names[] = {"not_tested", "testing", "adopted", "adapted",
                                           "abandoned"};

const char *imp_act_name(enum imp_act a)
{
	return a >= IMP_ACT_NONE && a <= IMP_ACT_ABANDON ? act_names[a] : "";
}

int imp_act_parse(const char *s, enum imp_act *out)
{
	int i;

	if (!s || !*s) {
		*out = IMP_ACT_NONE;
		return 0;
	}
	for (i = IMP_ACT_ADOPT; i <= IMP_ACT_ABANDON; i++)
		if (strcmp(s, act_names[i]) == 0) {
			*out = (enum imp_act)i;
			return 0;
		}
	return CO_EINPUT;
}

const char *imp_idea_status_name(enum imp_idea_status s)
{
	return s >= IMP_IDEA_NOT_TESTED && s <= IMP_IDEA_ABANDONED ? status_names[s] : "?";
}

/* Is cycle a concluded later than b? */
static int later(const struct imp_cycle_ref *a, const struct imp_cycle_ref *b)
{
	if (a->ended != b->ended)
		return a->ended > b->ended;
	if (a->started != b->started)
		return a->started > b->started;
	return a->id > b->id;
}

int imp_idea_grid(const int64_t *ideas, int nideas, const int64_t *teams, int nteams,
                  const struct imp_cycle_ref *cycles, int ncycles, struct co_arena *a,
                  struct imp_idea_grid *out, struct co_err *e)
{
	struct imp_idea_grid g;
	struct idpos *ii, *ti;
	const struct imp_cycle_ref **best;
	int c, i, t, k;

	if (nideas < 0 || nteams < 0)
		return co_errf(e, CO_EINPUT, "bad grid size");
	k = nideas * nteams;
	g.nideas = nideas;
	g.nteams = nteams;
	g.cells = co_arena_calloc(a, (size_t)(k ? k : 1), sizeof(*g.cells));
	g.by_status = co_arena_calloc(a, (size_t)(nideas ? nideas : 1), sizeof(*g.by_status));
	best = co_arena_calloc(a, (size_t)(k ? k : 1), sizeof(const struct imp_cycle_ref *));
	ii = index_ids(ideas, nideas, a);
	ti = index_ids(teams, nteams, a);
	if (!g.cells || !g.by_status || !best || !ii || !ti)
		return co_errf(e, CO_ENOMEM, "out of memory");
	for (c = 0; c < ncycles; c++) {
		const struct imp_cycle_ref *y = &cycles[c];
		struct imp_idea_cell *cell;

		i = find_id(ii, nideas, y->idea_id);
		t = find_id(ti, nteams, y->team_id);
		if (i < 0 || t < 0)
			continue;
		cell = &g.cells[i * nteams + t];
		cell->ncycles++;
		if (y->act == IMP_ACT_NONE) {
			cell->open++;
			continue;
		}
		if (!best[i * nteams + t] || later(y, best[i * nteams + t]))
			best[i * nteams + t] = y;
	}
	for (i = 0; i < nideas; i++)
		for (t = 0; t < nteams; t++) {
			struct imp_idea_cell *cell = &g.cells[i * nteams + t];
			const struct imp_cycle_ref *b = best[i * nteams + t];

			if (b) {
				cell->status = b->act == IMP_ACT_ADOPT   ? IMP_IDEA_ADOPTED
				               : b->act == IMP_ACT_ADAPT ? IMP_IDEA_ADAPTED
				                                         : IMP_IDEA_ABANDONED;
				cell->latest_id = b->id;
			} else {
				cell->status =
				        cell->ncycles ? IMP_IDEA_TESTING : IMP_IDEA_NOT_TESTED;
			}
			g.by_status[i][cell->status]++;
		}
	*out = g;
	return 0;
}
