/*
 * imp_chart.c - charts through the SPC engine, the teams x measures
 * matrix, and signals in words.
 *
 * Baseline and phases map onto the engine's options: a baseline up to
 * period P freezes the centre line and limits on the points up to P
 * (`freeze`), carried forward; each phase start begins a new part with its
 * own centre line and limits (`parts`, positions after which a part
 * starts). Excluded points stay on the chart but out of the calculations
 * (`exclude`). The matrix runs one chart per team and measure, so that
 * each team's baseline and phases apply to its own series only.
 */
#include "mod/improve/imp_chart.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static enum spc_direction direction_of(const char *s)
{
	if (s && strcmp(s, "up") == 0)
		return SPC_DIR_INCREASE;
	if (s && strcmp(s, "down") == 0)
		return SPC_DIR_DECREASE;
	return SPC_DIR_NEUTRAL;
}

int imp_chart_run(const struct imp_chart_def *def, const struct imp_series *s,
                  struct spc_result **out, struct co_err *e)
{
	struct spc_options o;
	struct spc_data d;
	long *parts = NULL, *excl = NULL;
	size_t i, k, np = 0, nx = 0;
	int chart, rules, rc;

	chart = spc_chart_parse(def->chart);
	if (chart < 0)
		return co_errf(e, CO_EINPUT, "the chart type '%s' is not known", def->chart);
	rules = spc_rules_parse(def->rules);
	if (rules < 0)
		return co_errf(e, CO_EINPUT, "the rule set '%s' is not known", def->rules);
	spc_options_init(&o, (enum spc_chart)chart);
	o.rules = (enum spc_ruleset)rules;
	o.xkind = SPC_X_DATE;
	o.direction = direction_of(def->direction);
	o.multiply = def->multiplier > 0 ? def->multiplier : 1.0;
	o.target = def->target;
	o.y_neg = 0;

	memset(&d, 0, sizeof(d));
	d.n = s->n;
	d.x = s->x;
	d.y = s->y;
	d.denom = imp_data_type_is_ratio(def->type) ? s->den : NULL;
	d.notes = s->notes;

	if (s->nphases) {
		parts = calloc(s->nphases, sizeof(*parts));
		if (!parts)
			return co_errf(e, CO_ENOMEM, "out of memory");
		for (k = 0; k < s->nphases; k++) {
			for (i = 0; i < s->n && s->x[i] < s->phase_starts[k]; i++)
				;
			if (i > 0 && i < s->n && (np == 0 || parts[np - 1] < (long)i))
				parts[np++] = (long)i;
		}
		o.parts = parts;
		o.nparts = np;
	}
	if (s->excluded) {
		excl = calloc(s->n ? s->n : 1, sizeof(*excl));
		if (!excl) {
			free(parts);
			return co_errf(e, CO_ENOMEM, "out of memory");
		}
		for (i = 0; i < s->n; i++)
			if (s->excluded[i])
				excl[nx++] = (long)i + 1;
		o.exclude = excl;
		o.nexclude = nx;
	}
	if (s->baseline_to > 0) {
		for (i = 0; i < s->n && s->x[i] <= s->baseline_to; i++)
			;
		if (i >= 2 && i < s->n)
			o.freeze = (long)i;
	}
	rc = spc_run(&d, &o, out, e);
	free(parts);
	free(excl);
	return rc;
}

int imp_matrix(const struct imp_chart_def *defs, int nmeasures, int nteams,
               const struct imp_series *series, int nseries, struct imp_matrix_cell *cells,
               struct co_err *e)
{
	int i;

	memset(cells, 0, sizeof(*cells) * (size_t)(nteams * nmeasures));
	for (i = 0; i < nseries; i++) {
		const struct imp_series *s = &series[i];
		struct imp_matrix_cell *c;
		struct spc_result *r = NULL;
		struct spc_point p;
		const struct spc_series *se;
		struct co_err ignored;
		size_t np;

		if (s->team < 0 || s->team >= nteams || s->measure < 0 || s->measure >= nmeasures)
			return co_errf(e, CO_EINPUT,
			               "a series names no team or measure of the matrix");
		c = &cells[s->team * nmeasures + s->measure];
		c->npoints = s->n;
		if (s->n < 2)
			continue;
		if (imp_chart_run(&defs[s->measure], s, &r, &ignored) < 0) {
			c->state = IMP_CELL_ERROR;
			continue;
		}
		np = spc_result_npoints(r);
		se = spc_result_series(r, 0);
		c->state = IMP_CELL_OK;
		c->variation = se->variation;
		c->assurance = se->assurance;
		if (np) {
			spc_point_get(r, np - 1, &p);
			c->last = p.y;
			c->last_period = p.x;
			c->last_signals = p.signals;
		}
		spc_result_free(r);
	}
	return 0;
}

const char *imp_signal_words(uint32_t bit)
{
	switch (bit) {
	case SPC_SIG_ABOVE_UCL: return "A point above the upper control limit";
	case SPC_SIG_BELOW_LCL: return "A point below the lower control limit";
	case SPC_SIG_SHIFT_ABOVE: return "A run of points above the centre line";
	case SPC_SIG_SHIFT_BELOW: return "A run of points below the centre line";
	case SPC_SIG_TREND_UP: return "A run of points each higher than the one before";
	case SPC_SIG_TREND_DOWN: return "A run of points each lower than the one before";
	case SPC_SIG_TWO_OF_THREE_HIGH: return "Two of three points close to the upper limit";
	case SPC_SIG_TWO_OF_THREE_LOW: return "Two of three points close to the lower limit";
	case SPC_SIG_FOUR_OF_FIVE_HIGH:
		return "Four of five points more than one sigma above the centre line";
	case SPC_SIG_FOUR_OF_FIVE_LOW:
		return "Four of five points more than one sigma below the centre line";
	case SPC_SIG_LONG_RUN: return "An unusually long run on one side of the centre line";
	case SPC_SIG_FEW_CROSSINGS: return "The data cross the centre line unusually few times";
	case SPC_SIG_FEW_RUNS: return "Too few runs";
	case SPC_SIG_MANY_RUNS: return "Too many runs";
	case SPC_SIG_ASTRONOMICAL: return "An astronomical data point";
	case SPC_SIG_ALTERNATING: return "Points alternating up and down";
	case SPC_SIG_HUGGING: return "Points hugging the centre line";
	case SPC_SIG_MIXTURE: return "Points avoiding the centre line on both sides";
	case SPC_SIG_RUN_ABOVE: return "A long run above the centre line";
	case SPC_SIG_RUN_BELOW: return "A long run below the centre line";
	default: return "A signal";
	}
}

const char *imp_variation_words(enum spc_variation_icon v)
{
	switch (v) {
	case SPC_ICON_IMPROVEMENT_HIGH: return "Special cause: improvement (higher)";
	case SPC_ICON_IMPROVEMENT_LOW: return "Special cause: improvement (lower)";
	case SPC_ICON_CONCERN_HIGH: return "Special cause: concern (higher)";
	case SPC_ICON_CONCERN_LOW: return "Special cause: concern (lower)";
	case SPC_ICON_NEUTRAL_HIGH: return "Special cause: neither better nor worse (higher)";
	case SPC_ICON_NEUTRAL_LOW: return "Special cause: neither better nor worse (lower)";
	default: return "Common cause variation";
	}
}

const char *imp_assurance_words(enum spc_assurance a)
{
	switch (a) {
	case SPC_ASSURE_PASS: return "Consistently meets the target";
	case SPC_ASSURE_FAIL: return "Consistently misses the target";
	case SPC_ASSURE_INCONSISTENT: return "Sometimes meets the target";
	default: return "No target";
	}
}
