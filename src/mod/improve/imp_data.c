/*
 * imp_data.c - periods, measure types, and the validation of measure data
 * from the data-entry form and from CSV uploads.
 *
 * Dates: days_from_civil / civil_from_days from H. Hinnant, "chrono-
 * Compatible Low-Level Date Algorithms" (public domain), exact for every
 * int32_t day.
 *
 * Both validators collect every error before deciding: nothing is handed
 * back unless the whole input is right. CSV duplicates and strata sums are
 * checked after sorting the records by (team, measure, period, group), so a
 * large upload costs O(n log n).
 */
#include "mod/improve/imp_data.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "base/limits.h"

/* ---- names ---------------------------------------------------------- */

static const char *const type_names[] = {NULL, "continuous", "count", "proportion", "rate"};
static const char *const freq_names[] = {NULL, "monthly", "weekly"};

const char *imp_data_type_name(enum imp_data_type t)
{
	return t >= IMP_DATA_CONTINUOUS && t <= IMP_DATA_RATE ? type_names[t] : "?";
}

int imp_data_type_parse(const char *s, enum imp_data_type *out)
{
	int i;

	for (i = IMP_DATA_CONTINUOUS; i <= IMP_DATA_RATE; i++)
		if (s && strcmp(s, type_names[i]) == 0) {
			*out = (enum imp_data_type)i;
			return 0;
		}
	return CO_EINPUT;
}

const char *imp_freq_name(enum imp_freq f)
{
	return f == IMP_FREQ_MONTHLY || f == IMP_FREQ_WEEKLY ? freq_names[f] : "?";
}

int imp_freq_parse(const char *s, enum imp_freq *out)
{
	int i;

	for (i = IMP_FREQ_MONTHLY; i <= IMP_FREQ_WEEKLY; i++)
		if (s && strcmp(s, freq_names[i]) == 0) {
			*out = (enum imp_freq)i;
			return 0;
		}
	return CO_EINPUT;
}

const char *imp_suggest_chart(enum imp_data_type t)
{
	switch (t) {
	case IMP_DATA_PROPORTION: return "p";
	case IMP_DATA_RATE: return "u";
	case IMP_DATA_COUNT: return "c";
	default: return "xmr";
	}
}

int imp_data_type_is_ratio(enum imp_data_type t)
{
	return t == IMP_DATA_PROPORTION || t == IMP_DATA_RATE;
}

/* ---- dates ---------------------------------------------------------- */

int32_t imp_days_from_civil(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + doe - 719468);
}

void imp_civil_from_days(int32_t z0, int *y, int *m, int *d)
{
	long z = (long)z0 + 719468, era, doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

int32_t imp_month_add(int32_t day, int months)
{
	int y, m, d, k;

	imp_civil_from_days(day, &y, &m, &d);
	k = y * 12 + (m - 1) + months;
	y = k >= 0 ? k / 12 : -((-k + 11) / 12);
	return imp_days_from_civil(y, k - y * 12 + 1, 1);
}

int imp_months_between(int32_t a, int32_t b)
{
	int ya, ma, yb, mb, d;

	imp_civil_from_days(a, &ya, &ma, &d);
	imp_civil_from_days(b, &yb, &mb, &d);
	return (yb * 12 + mb) - (ya * 12 + ma);
}

void imp_day_format(int32_t day, char *out, unsigned long size)
{
	int y, m, d;

	imp_civil_from_days(day, &y, &m, &d);
	snprintf(out, size, "%04d-%02d-%02d", y, m, d);
}

/* n digits exactly at s, as a number. */
static int digits(const char *s, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dm[m - 1];
}

int imp_day_parse(const char *s, int32_t *out)
{
	int y, m, d;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) ||
	    digits(s + 5, 2, &m) || digits(s + 8, 2, &d))
		return CO_EINPUT;
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return CO_EINPUT;
	*out = imp_days_from_civil(y, m, d);
	return 0;
}

int imp_period_parse(const char *s, enum imp_freq f, int32_t *out, struct co_err *e)
{
	int32_t day;
	int y, m, d;
	char full[11];
	const char *given = s; /* as written, for the messages */

	if (!s || !*s)
		return co_errf(e, CO_EINPUT, "a period is needed");
	if (f == IMP_FREQ_MONTHLY && strlen(s) == 7) {
		snprintf(full, sizeof(full), "%s-01", s);
		s = full;
	}
	if (imp_day_parse(s, &day))
		return f == IMP_FREQ_MONTHLY ? co_errf(e, CO_EINPUT,
		                                       "'%.20s' is not a period: write YYYY-MM, "
		                                       "for example 2024-03",
		                                       given)
		                             : co_errf(e, CO_EINPUT,
		                                       "'%.20s' is not a period: write the Monday "
		                                       "that starts the "
		                                       "week, YYYY-MM-DD",
		                                       given);
	imp_civil_from_days(day, &y, &m, &d);
	if (f == IMP_FREQ_MONTHLY && d != 1)
		return co_errf(e, CO_EINPUT, "a monthly period is a month: write %04d-%02d", y, m);
	/* 1970-01-01 was a Thursday: Monday is day 4 modulo 7 */
	if (f == IMP_FREQ_WEEKLY && ((day % 7) + 7) % 7 != 4)
		return co_errf(e, CO_EINPUT, "a week is named by its Monday; %s is not a Monday",
		               s);
	*out = day;
	return 0;
}

/* ---- error lists ---------------------------------------------------- */

void imp_errs_init(struct imp_errs *l)
{
	memset(l, 0, sizeof(*l));
}

void imp_errs_free(struct imp_errs *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void errs_vadd(struct imp_errs *l, long row, long col, const char *field, const char *fmt,
                      va_list ap) __attribute__((format(printf, 5, 0)));

/* Room for one more error: its slot, or NULL (counted in more). */
static struct co_err *errs_slot(struct imp_errs *l)
{
	struct co_err *grown;
	int cap;

	if (l->n >= CO_MAX_INPUT_ERRORS) {
		l->more++;
		return NULL;
	}
	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 16;
		if (cap > CO_MAX_INPUT_ERRORS)
			cap = CO_MAX_INPUT_ERRORS;
		grown = realloc(l->v, sizeof(*grown) * (size_t)cap);
		if (!grown) {
			l->more++;
			return NULL;
		}
		l->v = grown;
		l->cap = cap;
	}
	return &l->v[l->n++];
}

static void place(struct co_err *x, long row, long col, const char *field)
{
	x->row = row;
	x->col = col;
	snprintf(x->field, sizeof(x->field), "%s", field ? field : "");
}

static void errs_vadd(struct imp_errs *l, long row, long col, const char *field, const char *fmt,
                      va_list ap)
{
	struct co_err *x = errs_slot(l);

	if (!x)
		return;
	co_verrf(x, CO_EINPUT, fmt, ap);
	place(x, row, col, field);
}

void imp_errs_add_err(struct imp_errs *l, long row, long col, const char *field,
                      const struct co_err *e)
{
	struct co_err *x = errs_slot(l);

	if (!x)
		return;
	*x = *e; /* its format and values too, for the pages' translations */
	x->code = CO_EINPUT;
	place(x, row, col, field);
}

void imp_errs_add(struct imp_errs *l, long row, long col, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errs_vadd(l, row, col, field, fmt, ap);
	va_end(ap);
}

/* ---- values --------------------------------------------------------- */

static int blank(const char *s)
{
	if (!s)
		return 1;
	while (*s && isspace((unsigned char)*s))
		s++;
	return *s == 0;
}

/* A plain decimal number: optional sign, digits, optional fraction;
 * spaces around it are allowed. No exponents, hex, infinities. */
static int parse_number(const char *s, double *out)
{
	const char *p = s, *start;
	char *end;
	double v;
	int nd = 0;

	while (isspace((unsigned char)*p))
		p++;
	start = p;
	if (*p == '-' || *p == '+')
		p++;
	while (isdigit((unsigned char)*p)) {
		p++;
		nd++;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			p++;
			nd++;
		}
	}
	if (nd == 0)
		return -1;
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		return -1;
	errno = 0;
	v = strtod(start, &end);
	if (errno || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/* Where to report each part of one value. */
struct where {
	long row;
	long col[3]; /* value, numerator, denominator */
	const char *field[3];
};

enum { P_VALUE, P_NUM, P_DEN };

static int whole(double v)
{
	return v == floor(v) && fabs(v) < 1e15;
}

static void err_at(struct imp_errs *errs, const struct where *w, int part, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void err_at(struct imp_errs *errs, const struct where *w, int part, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errs_vadd(errs, w->row, w->col[part], w->field[part], fmt, ap);
	va_end(ap);
}

/* Parses one value of measure type t; for a stratum, a group with nothing
 * in it is allowed (a zero denominator with a zero numerator). Returns 0 or
 * -1 after recording errors. */
static int parse_value(enum imp_data_type t, const char *const raw[3], int stratum,
                       const struct where *w, struct imp_errs *errs, double out[3])
{
	int bad = 0, i;
	double v[3] = {0, 0, 0};

	for (i = 0; i < 3; i++) {
		if (blank(raw[i]))
			continue;
		if (parse_number(raw[i], &v[i])) {
			err_at(errs, w, i, "'%.40s' is not a number", raw[i]);
			bad = 1;
		}
	}
	if (bad)
		return -1;
	if (imp_data_type_is_ratio(t)) {
		if (!blank(raw[P_VALUE])) {
			err_at(errs, w, P_VALUE,
			       "leave the value empty: it is worked out from the numerator and "
			       "denominator");
			bad = 1;
		}
		if (blank(raw[P_NUM])) {
			err_at(errs, w, P_NUM, "a numerator is needed");
			bad = 1;
		} else if (v[P_NUM] < 0 || !whole(v[P_NUM])) {
			err_at(errs, w, P_NUM, "the numerator must be a whole number, 0 or more");
			bad = 1;
		}
		if (blank(raw[P_DEN])) {
			err_at(errs, w, P_DEN, "a denominator is needed");
			bad = 1;
		} else if (v[P_DEN] < 0 || (!stratum && v[P_DEN] == 0)) {
			err_at(errs, w, P_DEN, "the denominator must be more than 0");
			bad = 1;
		} else if (t == IMP_DATA_PROPORTION && !whole(v[P_DEN])) {
			err_at(errs, w, P_DEN, "the denominator counts people: a whole number");
			bad = 1;
		}
		if (bad)
			return -1;
		if (v[P_DEN] == 0 && v[P_NUM] > 0) {
			err_at(errs, w, P_DEN, "there are events but no denominator");
			return -1;
		}
		if (t == IMP_DATA_PROPORTION && v[P_NUM] > v[P_DEN]) {
			err_at(errs, w, P_NUM, "the numerator cannot be more than the denominator");
			return -1;
		}
		out[P_NUM] = v[P_NUM];
		out[P_DEN] = v[P_DEN];
		out[P_VALUE] = v[P_DEN] > 0 ? v[P_NUM] / v[P_DEN] : 0.0;
		return 0;
	}
	for (i = P_NUM; i <= P_DEN; i++)
		if (!blank(raw[i])) {
			err_at(errs, w, i, "%s",
			       i == P_NUM
			               ? "this measure takes a single value: leave the numerator "
			                 "empty"
			               : "this measure takes a single value: leave the denominator "
			                 "empty");
			bad = 1;
		}
	if (blank(raw[P_VALUE])) {
		err_at(errs, w, P_VALUE, "a value is needed");
		return -1;
	}
	if (t == IMP_DATA_COUNT && (v[P_VALUE] < 0 || !whole(v[P_VALUE]))) {
		err_at(errs, w, P_VALUE, "a count is a whole number, 0 or more");
		return -1;
	}
	if (bad)
		return -1;
	out[P_VALUE] = v[P_VALUE];
	out[P_NUM] = t == IMP_DATA_COUNT ? v[P_VALUE] : 0.0;
	out[P_DEN] = 0.0;
	return 0;
}

static int same_total(double a, double b)
{
	return fabs(a - b) <= 1e-9 * fmax(1.0, fabs(b));
}

static const struct imp_kind_def *kind_of_group(const struct imp_catalog *cat, int64_t gid,
                                                const struct imp_group_def **g)
{
	int k, i;

	for (k = 0; k < cat->nkinds; k++)
		for (i = 0; i < cat->kinds[k].ngroups; i++)
			if (cat->kinds[k].groups[i].id == gid) {
				*g = &cat->kinds[k].groups[i];
				return &cat->kinds[k];
			}
	return NULL;
}

static void fmt_num(char *out, size_t size, double v)
{
	snprintf(out, size, "%.10g", v);
}

/* Checks that each stratum kind's groups add up to the point's value.
 * `report` receives the kind name and which part did not add up. */
static int check_sums(const struct imp_catalog *cat, enum imp_data_type t,
                      const struct imp_point *pt, const struct where *w, struct imp_errs *errs)
{
	int k, i, j, any, bad = 0;
	double sn, sd;
	char got[32], want[32];
	const struct imp_group_def *g;

	for (k = 0; k < cat->nkinds; k++) {
		any = 0;
		sn = sd = 0.0;
		for (i = 0; i < pt->nstrata; i++) {
			if (kind_of_group(cat, pt->strata[i].group_id, &g) != &cat->kinds[k])
				continue;
			any = 1;
			sn += pt->strata[i].numerator;
			sd += pt->strata[i].denominator;
		}
		if (!any)
			continue;
		(void)j;
		if (!same_total(sn, t == IMP_DATA_COUNT ? pt->value : pt->numerator)) {
			fmt_num(got, sizeof(got), sn);
			fmt_num(want, sizeof(want),
			        t == IMP_DATA_COUNT ? pt->value : pt->numerator);
			imp_errs_add(errs, w->row, w->col[t == IMP_DATA_COUNT ? P_VALUE : P_NUM],
			             w->field[t == IMP_DATA_COUNT ? P_VALUE : P_NUM],
			             "split by %s, the groups add up to %s, not %s",
			             cat->kinds[k].name, got, want);
			bad = 1;
		}
		if (imp_data_type_is_ratio(t) && !same_total(sd, pt->denominator)) {
			fmt_num(got, sizeof(got), sd);
			fmt_num(want, sizeof(want), pt->denominator);
			imp_errs_add(errs, w->row, w->col[P_DEN], w->field[P_DEN],
			             "split by %s, the groups' denominators add up to %s, not %s",
			             cat->kinds[k].name, got, want);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* ---- the data-entry form -------------------------------------------- */

void imp_field_name(char *out, unsigned long size, int64_t measure_id, int64_t group_id,
                    const char *part)
{
	if (group_id)
		snprintf(out, size, "m%lld_g%lld_%s", (long long)measure_id, (long long)group_id,
		         part);
	else
		snprintf(out, size, "m%lld_%s", (long long)measure_id, part);
}

/* Splits "m12_g3_num" into 12, 3, "num". -1 when it is not a data field. */
static int split_field(const char *name, int64_t *mid, int64_t *gid, const char **part)
{
	const char *p = name;
	char *end;
	long long v;

	if (p[0] != 'm' || !isdigit((unsigned char)p[1]))
		return -1;
	errno = 0;
	v = strtoll(p + 1, &end, 10);
	if (errno || *end != '_' || v <= 0)
		return -2;
	*mid = v;
	*gid = 0;
	p = end + 1;
	if (p[0] == 'g' && isdigit((unsigned char)p[1])) {
		v = strtoll(p + 1, &end, 10);
		if (errno || *end != '_' || v <= 0)
			return -2;
		*gid = v;
		p = end + 1;
	}
	if (strcmp(p, "value") != 0 && strcmp(p, "num") != 0 && strcmp(p, "den") != 0 &&
	    (strcmp(p, "notes") != 0 || *gid))
		return -2;
	*part = p;
	return 0;
}

static int part_index(const char *part)
{
	if (strcmp(part, "value") == 0)
		return P_VALUE;
	if (strcmp(part, "num") == 0)
		return P_NUM;
	if (strcmp(part, "den") == 0)
		return P_DEN;
	return 3; /* notes */
}

static int team_has_measure(const struct imp_measure_def *m, int64_t team_id)
{
	return m->team_id == 0 || m->team_id == team_id;
}

int imp_entry_validate(const struct imp_catalog *cat, int64_t team_id, enum imp_freq freq,
                       int32_t period, const struct imp_field *fields, int nfields,
                       struct co_arena *a, struct imp_point **out, int *nout, struct imp_errs *errs)
{
	/* per measure of the catalog: indexes of its fields */
	struct slot {
		const char *raw[4];
		int64_t *gids;
		const char *(*graw)[3];
		int ng;
	} * slots;
	struct imp_point *pts;
	int i, j, k, n = 0, start_errs = errs->n, mi, gi;
	int64_t mid, gid;
	const char *part;
	char fname[3][64];
	struct where w;
	double v[3];
	const struct imp_group_def *g;
	const struct imp_kind_def *kind;

	if (period > cat->today)
		imp_errs_add(errs, 0, 0, "period", "the period has not started yet");
	slots = co_arena_calloc(a, (size_t)(cat->nmeasures ? cat->nmeasures : 1), sizeof(*slots));
	if (!slots)
		return CO_ENOMEM;
	for (i = 0; i < nfields; i++) {
		int s = split_field(fields[i].name, &mid, &gid, &part);

		if (s == -1)
			continue; /* not a data field: the token, the period, the button */
		mi = -1;
		if (s == 0)
			for (j = 0; j < cat->nmeasures; j++)
				if (cat->measures[j].id == mid &&
				    team_has_measure(&cat->measures[j], team_id) &&
				    cat->measures[j].freq == freq)
					mi = j;
		if (mi < 0) {
			imp_errs_add(errs, 0, 0, fields[i].name,
			             "this is not a measure of the team");
			continue;
		}
		k = part_index(part);
		if (!gid) {
			slots[mi].raw[k] = fields[i].value;
			continue;
		}
		kind = kind_of_group(cat, gid, &g);
		if (!kind) {
			imp_errs_add(errs, 0, 0, fields[i].name, "there is no such group");
			continue;
		}
		for (gi = 0; gi < slots[mi].ng; gi++)
			if (slots[mi].gids[gi] == gid)
				break;
		if (gi == slots[mi].ng) {
			int64_t *ng = co_arena_alloc(a, sizeof(int64_t) * ((size_t)gi + 1));
			const char *(*nr)[3] = co_arena_calloc(a, (size_t)gi + 1, sizeof(*nr));

			if (!ng || !nr)
				return CO_ENOMEM;
			if (gi) {
				memcpy(ng, slots[mi].gids, sizeof(int64_t) * (size_t)gi);
				memcpy(nr, slots[mi].graw, sizeof(*nr) * (size_t)gi);
			}
			ng[gi] = gid;
			slots[mi].gids = ng;
			slots[mi].graw = nr;
			slots[mi].ng++;
		}
		slots[mi].graw[gi][k] = fields[i].value;
	}
	pts = co_arena_calloc(a, (size_t)(cat->nmeasures ? cat->nmeasures : 1), sizeof(*pts));
	if (!pts)
		return CO_ENOMEM;
	for (mi = 0; mi < cat->nmeasures; mi++) {
		const struct imp_measure_def *m = &cat->measures[mi];
		struct slot *s = &slots[mi];
		struct imp_point *pt = &pts[n];
		int anyg = 0, bad = 0;

		if (!team_has_measure(m, team_id) || m->freq != freq)
			continue;
		for (gi = 0; gi < s->ng; gi++)
			for (k = 0; k < 3; k++)
				anyg |= !blank(s->graw[gi][k]);
		if (blank(s->raw[0]) && blank(s->raw[1]) && blank(s->raw[2]) && !anyg) {
			if (!blank(s->raw[3])) {
				imp_field_name(fname[0], sizeof(fname[0]), m->id, 0, "notes");
				imp_errs_add(errs, 0, 0, fname[0],
				             "a note needs a value to go with it");
			}
			continue; /* not reported this period */
		}
		memset(&w, 0, sizeof(w));
		for (k = 0; k < 3; k++) {
			imp_field_name(fname[k], sizeof(fname[k]), m->id, 0,
			               k == 0   ? "value"
			               : k == 1 ? "num"
			                        : "den");
			w.field[k] = fname[k];
		}
		if (parse_value(m->type, s->raw, 0, &w, errs, v))
			continue;
		pt->team_id = team_id;
		pt->measure_id = m->id;
		pt->type = m->type;
		pt->period = period;
		pt->value = v[P_VALUE];
		pt->numerator = v[P_NUM];
		pt->denominator = v[P_DEN];
		if (!blank(s->raw[3])) {
			if (strlen(s->raw[3]) > CO_MAX_NOTE) {
				imp_field_name(fname[0], sizeof(fname[0]), m->id, 0, "notes");
				imp_errs_add(errs, 0, 0, fname[0],
				             "the note is longer than %d characters", CO_MAX_NOTE);
				continue;
			}
			pt->notes = co_arena_strdup(a, s->raw[3]);
		}
		if (anyg && m->type == IMP_DATA_CONTINUOUS) {
			imp_field_name(fname[0], sizeof(fname[0]), m->id, s->gids[0], "value");
			imp_errs_add(errs, 0, 0, fname[0],
			             "a measure that is not a count or a ratio cannot be split "
			             "into groups");
			continue;
		}
		pt->strata = co_arena_calloc(a, (size_t)(s->ng ? s->ng : 1), sizeof(*pt->strata));
		if (!pt->strata)
			return CO_ENOMEM;
		for (gi = 0; gi < s->ng; gi++) {
			char gf[3][64];
			struct where gw;

			if (blank(s->graw[gi][0]) && blank(s->graw[gi][1]) && blank(s->graw[gi][2]))
				continue; /* an empty group is zero */
			memset(&gw, 0, sizeof(gw));
			for (k = 0; k < 3; k++) {
				imp_field_name(gf[k], sizeof(gf[k]), m->id, s->gids[gi],
				               k == 0   ? "value"
				               : k == 1 ? "num"
				                        : "den");
				gw.field[k] = gf[k];
			}
			if (parse_value(m->type, s->graw[gi], 1, &gw, errs, v)) {
				bad = 1;
				continue;
			}
			pt->strata[pt->nstrata].group_id = s->gids[gi];
			pt->strata[pt->nstrata].numerator = v[P_NUM];
			pt->strata[pt->nstrata].denominator = v[P_DEN];
			pt->nstrata++;
		}
		if (bad || check_sums(cat, m->type, pt, &w, errs))
			continue;
		n++;
	}
	if (errs->n > start_errs || errs->more)
		return CO_EINPUT;
	*out = pts;
	*nout = n;
	return 0;
}

/* ---- CSV uploads ---------------------------------------------------- */

enum csv_col {
	C_TEAM,
	C_MEASURE,
	C_PERIOD,
	C_VALUE,
	C_NUM,
	C_DEN,
	C_STRATUM,
	C_GROUP,
	C_NOTES,
	C_N
};

static const char *const csv_names[C_N] = {"team",        "measure", "period", "value", "numerator",
                                           "denominator", "stratum", "group",  "notes"};

struct rec {
	int row; /* index into the table */
	int64_t team_id;
	int mi; /* measure index in the catalog */
	int32_t period;
	int64_t group_id; /* 0 for the unstratified value */
	double v[3];
	int ok; /* parsed without error */
};

static int rec_cmp(const void *pa, const void *pb)
{
	const struct rec *a = pa, *b = pb;

	if (a->team_id != b->team_id)
		return a->team_id < b->team_id ? -1 : 1;
	if (a->mi != b->mi)
		return a->mi < b->mi ? -1 : 1;
	if (a->period != b->period)
		return a->period < b->period ? -1 : 1;
	if (a->group_id != b->group_id)
		return a->group_id < b->group_id ? -1 : 1;
	return a->row - b->row;
}

static int eq_ci(const char *a, const char *b)
{
	while (*a && isspace((unsigned char)*a))
		a++;
	while (*b && tolower((unsigned char)*a) == tolower((unsigned char)*b)) {
		a++;
		b++;
	}
	while (*a && isspace((unsigned char)*a))
		a++;
	return *a == 0 && *b == 0;
}

static const char *cell(const struct imp_table *t, int r, int c)
{
	return c < 0 ? NULL : t->cells[(size_t)r * (size_t)t->ncols + (size_t)c];
}

static long line_of(const struct imp_table *t, int r)
{
	return t->line ? t->line[r] : r + 2;
}

/* Trims spaces for code lookups. */
static int code_eq(const char *s, const char *code)
{
	return s && code && eq_ci(s, code);
}

int imp_csv_validate(const struct imp_catalog *cat, int64_t only_team, const struct imp_table *t,
                     struct co_arena *a, struct imp_point **out, int *nout, struct imp_errs *errs)
{
	int col[C_N], i, j, c, start_errs = errs->n, n = 0, nrec = 0;
	struct rec *recs;
	struct imp_point *pts;
	long hline = t->line && t->nrows ? t->line[0] - 1 : 1;

	for (c = 0; c < C_N; c++)
		col[c] = -1;
	for (j = 0; j < t->ncols; j++) {
		for (c = 0; c < C_N; c++)
			if (eq_ci(t->header[j], csv_names[c]))
				break;
		if (c == C_N) {
			imp_errs_add(
			        errs, hline, j + 1, t->header[j],
			        "unknown column '%.40s': the columns are team, measure, period, "
			        "value, numerator, denominator, stratum, group, notes",
			        t->header[j]);
		} else if (col[c] >= 0) {
			imp_errs_add(errs, hline, j + 1, t->header[j],
			             "the column %s appears twice", csv_names[c]);
		} else {
			col[c] = j;
		}
	}
	if (col[C_MEASURE] < 0)
		imp_errs_add(errs, hline, 0, "measure", "a measure column is needed");
	if (col[C_PERIOD] < 0)
		imp_errs_add(errs, hline, 0, "period", "a period column is needed");
	if (col[C_TEAM] < 0 && !only_team)
		imp_errs_add(errs, hline, 0, "team", "a team column is needed");
	if ((col[C_STRATUM] < 0) != (col[C_GROUP] < 0))
		imp_errs_add(errs, hline, 0, col[C_STRATUM] < 0 ? "stratum" : "group",
		             "the stratum and group columns go together");
	if (errs->n > start_errs)
		return CO_EINPUT;

	recs = co_arena_calloc(a, (size_t)(t->nrows ? t->nrows : 1), sizeof(*recs));
	if (!recs)
		return CO_ENOMEM;
	for (i = 0; i < t->nrows; i++) {
		struct rec *r = &recs[nrec];
		long line = line_of(t, i);
		const char *s, *raw[3];
		const struct imp_measure_def *m;
		const struct imp_kind_def *kind = NULL;
		struct where w;
		struct co_err pe;
		int bad = 0;

		memset(r, 0, sizeof(*r));
		r->row = i;
		/* team */
		r->team_id = only_team;
		s = cell(t, i, col[C_TEAM]);
		if (col[C_TEAM] >= 0 && !(only_team && blank(s))) {
			int64_t found = 0;

			for (j = 0; j < cat->nteams; j++)
				if (code_eq(s, cat->teams[j].code))
					found = cat->teams[j].id;
			if (!found || (only_team && found != only_team)) {
				imp_errs_add(errs, line, col[C_TEAM] + 1, "team",
				             found ? "'%.40s' is another team"
				                   : "no team has the code '%.40s'",
				             s ? s : "");
				bad = 1;
			}
			r->team_id = found;
		}
		/* measure */
		s = cell(t, i, col[C_MEASURE]);
		r->mi = -1;
		if (!bad)
			for (j = 0; j < cat->nmeasures; j++)
				if (team_has_measure(&cat->measures[j], r->team_id) &&
				    code_eq(s, cat->measures[j].code))
					r->mi = j;
		if (!bad && r->mi < 0) {
			if (blank(s))
				imp_errs_add(errs, line, col[C_MEASURE] + 1, "measure",
				             "a measure is needed");
			else
				imp_errs_add(errs, line, col[C_MEASURE] + 1, "measure",
				             "the team has no measure with the code '%.40s'", s);
			bad = 1;
		}
		m = r->mi >= 0 ? &cat->measures[r->mi] : NULL;
		/* period */
		s = cell(t, i, col[C_PERIOD]);
		if (m) {
			if (imp_period_parse(s, m->freq, &r->period, &pe)) {
				imp_errs_add_err(errs, line, col[C_PERIOD] + 1, "period", &pe);
				bad = 1;
			} else if (r->period > cat->today) {
				imp_errs_add(errs, line, col[C_PERIOD] + 1, "period",
				             "the period %.20s has not started yet", s);
				bad = 1;
			}
		}
		/* stratum and group */
		if (col[C_STRATUM] >= 0) {
			const char *ks = cell(t, i, col[C_STRATUM]), *gs = cell(t, i, col[C_GROUP]);

			if (blank(ks) != blank(gs)) {
				imp_errs_add(errs, line, col[blank(ks) ? C_STRATUM : C_GROUP] + 1,
				             blank(ks) ? "stratum" : "group",
				             "give both the stratum and the group, or neither");
				bad = 1;
			} else if (!blank(ks)) {
				for (j = 0; j < cat->nkinds; j++)
					if (code_eq(ks, cat->kinds[j].code))
						kind = &cat->kinds[j];
				if (!kind) {
					imp_errs_add(errs, line, col[C_STRATUM] + 1, "stratum",
					             "there is no stratum '%.40s'", ks);
					bad = 1;
				} else {
					for (j = 0; j < kind->ngroups; j++)
						if (code_eq(gs, kind->groups[j].code))
							r->group_id = kind->groups[j].id;
					if (!r->group_id) {
						imp_errs_add(errs, line, col[C_GROUP] + 1, "group",
						             "'%.40s' is not a group of %s", gs,
						             kind->name);
						bad = 1;
					}
				}
				if (m && m->type == IMP_DATA_CONTINUOUS) {
					imp_errs_add(
					        errs, line, col[C_STRATUM] + 1, "stratum",
					        "%.60s is not a count or a ratio: it cannot be "
					        "split into groups",
					        m->name);
					bad = 1;
				}
			}
		}
		/* notes */
		s = cell(t, i, col[C_NOTES]);
		if (s && strlen(s) > CO_MAX_NOTE) {
			imp_errs_add(errs, line, col[C_NOTES] + 1, "notes",
			             "the note is longer than %d characters", CO_MAX_NOTE);
			bad = 1;
		} else if (!blank(s) && r->group_id) {
			imp_errs_add(errs, line, col[C_NOTES] + 1, "notes",
			             "notes go on the team's row, not a group's");
			bad = 1;
		}
		/* the value */
		raw[P_VALUE] = cell(t, i, col[C_VALUE]);
		raw[P_NUM] = cell(t, i, col[C_NUM]);
		raw[P_DEN] = cell(t, i, col[C_DEN]);
		w.row = line;
		w.col[P_VALUE] = col[C_VALUE] + 1;
		w.col[P_NUM] = col[C_NUM] + 1;
		w.col[P_DEN] = col[C_DEN] + 1;
		w.field[P_VALUE] = "value";
		w.field[P_NUM] = "numerator";
		w.field[P_DEN] = "denominator";
		if (m && parse_value(m->type, raw, r->group_id != 0, &w, errs, r->v))
			bad = 1;
		r->ok = !bad;
		nrec++;
	}

	/* Duplicates, missing totals and sums, on records sorted by key. */
	qsort(recs, (size_t)nrec, sizeof(*recs), rec_cmp);
	pts = co_arena_calloc(a, (size_t)(nrec ? nrec : 1), sizeof(*pts));
	if (!pts)
		return CO_ENOMEM;
	for (i = 0; i < nrec;) {
		int e = i + 1, total = -1, allok = 1;
		struct imp_point *pt = &pts[n];
		const struct imp_measure_def *m;
		struct where w;

		if (recs[i].mi < 0 || !recs[i].team_id) {
			i++;
			continue;
		}
		while (e < nrec && recs[e].team_id == recs[i].team_id && recs[e].mi == recs[i].mi &&
		       recs[e].period == recs[i].period)
			e++;
		m = &cat->measures[recs[i].mi];
		for (j = i; j < e; j++) {
			allok &= recs[j].ok;
			if (j > i && recs[j].group_id == recs[j - 1].group_id) {
				char p[11];

				imp_day_format(recs[j].period, p, sizeof(p));
				if (m->freq == IMP_FREQ_MONTHLY)
					p[7] = 0; /* YYYY-MM */
				imp_errs_add(
				        errs, line_of(t, recs[j].row), col[C_PERIOD] + 1, "period",
				        recs[j].group_id ? "this group's value for %s is given "
				                           "twice (also on row %ld)"
				                         : "the value for %s is given twice (also "
				                           "on row %ld)",
				        p, line_of(t, recs[j - 1].row));
				allok = 0;
			}
			if (recs[j].group_id == 0)
				total = j;
		}
		if (total < 0) {
			for (j = i; j < e; j++)
				if (recs[j].ok)
					imp_errs_add(errs, line_of(t, recs[j].row),
					             col[C_GROUP] + 1, "group",
					             "a group's value needs the team's value for "
					             "the same period in the file");
			i = e;
			continue;
		}
		if (!allok) {
			i = e;
			continue;
		}
		pt->team_id = recs[total].team_id;
		pt->measure_id = m->id;
		pt->type = m->type;
		pt->period = recs[total].period;
		pt->value = recs[total].v[P_VALUE];
		pt->numerator = recs[total].v[P_NUM];
		pt->denominator = recs[total].v[P_DEN];
		{
			const char *note = cell(t, recs[total].row, col[C_NOTES]);

			if (!blank(note) && !(pt->notes = co_arena_strdup(a, note)))
				return CO_ENOMEM;
		}
		if (e - i > 1) {
			pt->strata = co_arena_calloc(a, (size_t)(e - i), sizeof(*pt->strata));
			if (!pt->strata)
				return CO_ENOMEM;
		}
		for (j = i; j < e; j++) {
			if (!recs[j].group_id)
				continue;
			pt->strata[pt->nstrata].group_id = recs[j].group_id;
			pt->strata[pt->nstrata].numerator = recs[j].v[P_NUM];
			pt->strata[pt->nstrata].denominator = recs[j].v[P_DEN];
			pt->nstrata++;
		}
		memset(&w, 0, sizeof(w));
		w.row = line_of(t, recs[total].row);
		w.col[P_VALUE] = col[C_VALUE] + 1;
		w.col[P_NUM] = col[C_NUM] + 1;
		w.col[P_DEN] = col[C_DEN] + 1;
		w.field[P_VALUE] = "value";
		w.field[P_NUM] = "numerator";
		w.field[P_DEN] = "denominator";
		if (check_sums(cat, m->type, pt, &w, errs) == 0)
			n++;
		i = e;
	}
	if (errs->n > start_errs || errs->more)
		return CO_EINPUT;
	*out = pts;
	*nout = n;
	return 0;
}

/* ---- reading CSV text into a table ----------------------------------- */

int imp_table_read(const char *data, size_t len, struct co_arena *a, struct imp_table *out,
                   struct imp_errs *errs)
{
	struct co_csv *csv;
	struct co_csv_record rec;
	struct co_err e;
	const char **header = NULL, **cells = NULL, **grown;
	long *lines = NULL, *lgrown;
	size_t ncols = 0, nrows = 0, cap = 0, i;
	int rc, start = errs->n;

	if ((rc = co_csv_open_mem(&csv, data, len, &e)) < 0)
		return rc;
	while ((rc = co_csv_next(csv, &rec, &e)) == 1) {
		if (!header) {
			ncols = rec.nfields;
			header = co_arena_calloc(a, ncols ? ncols : 1, sizeof(*header));
			if (!header) {
				rc = CO_ENOMEM;
				break;
			}
			for (i = 0; i < ncols; i++)
				if (!(header[i] = co_arena_strdup(a, rec.field[i]))) {
					rc = CO_ENOMEM;
					break;
				}
			if (rc == CO_ENOMEM)
				break;
			continue;
		}
		if (rec.nfields != ncols) {
			imp_errs_add(errs, rec.line, 0, "",
			             "this row has %zu fields; the header has %zu", rec.nfields,
			             ncols);
			continue;
		}
		if (nrows == cap) {
			cap = cap ? cap * 2 : 64;
			grown = co_arena_alloc(a, sizeof(*grown) * cap * (ncols ? ncols : 1));
			lgrown = co_arena_alloc(a, sizeof(*lgrown) * cap);
			if (!grown || !lgrown) {
				rc = CO_ENOMEM;
				break;
			}
			if (nrows) {
				memcpy(grown, cells, sizeof(*grown) * nrows * ncols);
				memcpy(lgrown, lines, sizeof(*lgrown) * nrows);
			}
			cells = grown;
			lines = lgrown;
		}
		for (i = 0; i < ncols; i++)
			if (!(cells[nrows * ncols + i] = co_arena_strdup(a, rec.field[i]))) {
				rc = CO_ENOMEM;
				break;
			}
		if (rc == CO_ENOMEM)
			break;
		lines[nrows++] = rec.line;
	}
	co_csv_free(csv);
	if (rc == CO_EINPUT) {
		imp_errs_add_err(errs, e.row, e.col, "", &e);
		return CO_EINPUT;
	}
	if (rc < 0)
		return rc;
	if (!header) {
		imp_errs_add(errs, 1, 0, "", "the file is empty: a header row is needed");
		return CO_EINPUT;
	}
	if (errs->n > start)
		return CO_EINPUT;
	out->header = header;
	out->ncols = (int)ncols;
	out->cells = cells;
	out->nrows = (int)nrows;
	out->line = lines;
	return 0;
}
