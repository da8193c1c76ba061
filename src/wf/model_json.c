/*
 * model_json.c - reads a workforce model file (JSON) into a struct wf_model.
 *
 * The only file of the projection model that knows JSON. Every error names
 * where it is: "profession mhn, leaver_rate row 2: rate 1.2 is outside
 * [0, 1]", with e->row the 1-based row of the table and e->field the field.
 * Unknown keys, duplicate keys, missing fields, values out of range, unknown
 * groups, ages, needs or paths are all errors; nothing is computed from a
 * model with any of them. Scenarios are checked by compiling every
 * profession under each, so that a scenario pushing a rate out of [0, 1] is
 * found here too.
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wf/jsonrd.h"
#include "wf/wf_int.h"

/* ---- Ages ------------------------------------------------------------------ */

static int parse_whole(const char *s, const char **end, long *out)
{
	char *e;
	long v;

	while (*s == ' ')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	v = strtol(s, &e, 10);
	if (v > 1000)
		return -1;
	while (*e == ' ')
		e++;
	*end = e;
	*out = v;
	return 0;
}

/* An age or band: "a-b", "a" or a whole number, within [age_min, age_max]. */
static int get_age(struct wf__jr *r, json_t *obj, const char *field, long row, int *lo, int *hi)
{
	json_t *v = json_object_get(obj, "age");
	const struct wf_model *m = r->m;
	long a, b;

	if (!v)
		return wf__jfail(r, field, row, "'age' is missing");
	if (json_is_number(v)) {
		double x = json_number_value(v);
		if (x != floor(x) || x < 0 || x > 1000)
			return wf__jfail(r, field, row, "unknown age %.10g", x);
		a = b = (long)x;
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v), *e;
		if (parse_whole(s, &e, &a))
			return wf__jfail(r, field, row, "unknown age '%s'", s);
		if (*e == '-') {
			if (parse_whole(e + 1, &e, &b))
				return wf__jfail(r, field, row, "unknown age '%s'", s);
		} else {
			b = a;
		}
		if (*e)
			return wf__jfail(r, field, row, "unknown age '%s'", s);
		if (a > b)
			return wf__jfail(r, field, row, "age band '%s' runs backwards", s);
	} else {
		return wf__jfail(r, field, row, "'age' must be a band such as \"25-29\"");
	}
	if (a < m->age_min || b > m->age_max)
		return wf__jfail(r, field, row, "unknown age %ld%s%.0ld: ages run from %d to %d", a,
		                 a != b ? "-" : "", a != b ? b : 0, m->age_min, m->age_max);
	*lo = (int)a;
	*hi = (int)b;
	return 0;
}

/* A table of rates or ratios by age covering every age exactly once. */
static int read_age_table(struct wf__jr *r, json_t *obj, const char *key, const char *vkey,
                          struct wf__agetab *t)
{
	static const char *const keys_rate[] = {"age", "rate", NULL};
	static const char *const keys_ratio[] = {"age", "ratio", NULL};
	const struct wf_model *m = r->m;
	json_t *arr, *row;
	size_t i;
	int rc, x;
	unsigned char *seen;

	if ((rc = wf__jarray(r, obj, key, key, 1, &arr)))
		return rc;
	t->n = (int)json_array_size(arr);
	if (!(t->r = wf__jalloc(r, (size_t)t->n, sizeof(*t->r))))
		return CO_ENOMEM;
	if (!(seen = wf__jalloc(r, (size_t)m->A, 1)))
		return CO_ENOMEM;
	json_array_foreach(arr, i, row)
	{
		struct wf__agerow *ar = &t->r[i];
		long rn = (long)i + 1;
		if ((rc = wf__jkeys(r, row, key, rn,
		                    strcmp(vkey, "rate") == 0 ? keys_rate : keys_ratio)))
			return rc;
		if ((rc = get_age(r, row, key, rn, &ar->lo, &ar->hi)))
			return rc;
		if ((rc = wf__jkind(r, row, vkey, key, rn, 1, WF__K_RATE, &ar->v)))
			return rc;
		for (x = ar->lo; x <= ar->hi; x++) {
			if (seen[x - m->age_min])
				return wf__jfail(r, key, rn, "age %d is covered twice", x);
			seen[x - m->age_min] = 1;
		}
	}
	for (x = 0; x < m->A; x++)
		if (!seen[x])
			return wf__jfail(r, key, 0,
			                 "age %d is not covered (every age from %d to %d "
			                 "must be)",
			                 x + m->age_min, m->age_min, m->age_max);
	return 0;
}

/* An entry-age distribution: shares that sum to 1. */
static int read_entry(struct wf__jr *r, json_t *obj, const char *field, struct wf__agetab *t)
{
	static const char *const keys[] = {"age", "share", NULL};
	json_t *arr, *row;
	size_t i;
	int rc;
	double sum = 0;

	if ((rc = wf__jarray(r, obj, "entry_age", field, 1, &arr)))
		return rc;
	t->n = (int)json_array_size(arr);
	if (!(t->r = wf__jalloc(r, (size_t)t->n, sizeof(*t->r))))
		return CO_ENOMEM;
	json_array_foreach(arr, i, row)
	{
		long rn = (long)i + 1;
		if ((rc = wf__jkeys(r, row, field, rn, keys)))
			return rc;
		if ((rc = get_age(r, row, field, rn, &t->r[i].lo, &t->r[i].hi)))
			return rc;
		if ((rc = wf__jkind(r, row, "share", field, rn, 1, WF__K_RATE, &t->r[i].v)))
			return rc;
		sum += t->r[i].v;
	}
	if (fabs(sum - 1) > 1e-9)
		return wf__jfail(r, field, 0, "shares sum to %.12g, not 1", sum);
	return 0;
}

/* A year table: listed years only; a year listed twice is an error. */
static int read_year_table(struct wf__jr *r, json_t *obj, const char *key, const char *field,
                           const char *vkey, int ykey_from, int kind, int required,
                           struct wf__yeartab *t)
{
	const char *keys[3] = {ykey_from ? "from" : "year", vkey, NULL};
	json_t *arr, *row;
	size_t i, j;
	int rc;

	if ((rc = wf__jarray(r, obj, key, field, required, &arr)))
		return rc;
	t->n = arr ? (int)json_array_size(arr) : 0;
	if (!(t->r = wf__jalloc(r, (size_t)t->n, sizeof(*t->r))))
		return CO_ENOMEM;
	if (!arr)
		return 0;
	json_array_foreach(arr, i, row)
	{
		long rn = (long)i + 1;
		if ((rc = wf__jkeys(r, row, field, rn, keys)))
			return rc;
		if ((rc = wf__jint(r, row, keys[0], field, rn, 1, 1000, 3000, &t->r[i].year)))
			return rc;
		if ((rc = wf__jkind(r, row, vkey, field, rn, 1, kind, &t->r[i].v)))
			return rc;
		for (j = 0; j < i; j++)
			if (t->r[j].year == t->r[i].year)
				return wf__jfail(r, field, rn, "year %d is listed twice",
				                 t->r[i].year);
	}
	return 0;
}

/* ---- A profession -------------------------------------------------------- */

static int group_index(const struct wf__prof *P, const char *name)
{
	int g;

	for (g = 0; g < P->n_groups; g++)
		if (strcmp(P->groups[g], name) == 0)
			return g;
	return -1;
}

static int read_stock(struct wf__jr *r, json_t *obj, struct wf__prof *P)
{
	static const char *const keys[] = {"group", "age", "headcount", NULL};
	json_t *arr, *row;
	size_t i;
	int rc;

	if ((rc = wf__jarray(r, obj, "stock", "stock", 1, &arr)))
		return rc;
	P->n_stock = (int)json_array_size(arr);
	if (!(P->stock = wf__jalloc(r, (size_t)P->n_stock, sizeof(*P->stock))) ||
	    !(P->groups = wf__jalloc(r, (size_t)P->n_stock, sizeof(*P->groups))))
		return CO_ENOMEM;
	if (P->n_stock == 0)
		return wf__jfail(r, "stock", 0,
		                 "has no rows: a profession needs at least one group");
	json_array_foreach(arr, i, row)
	{
		long rn = (long)i + 1;
		const char *gname;
		int g;
		if ((rc = wf__jkeys(r, row, "stock", rn, keys)))
			return rc;
		if ((rc = wf__jstr(r, row, "group", "stock", rn, &gname)))
			return rc;
		if (strcmp(gname, "*") == 0)
			return wf__jfail(r, "stock", rn,
			                 "'*' is not a group name (it is the total)");
		if ((g = group_index(P, gname)) < 0) {
			if (P->n_groups >= WF__MAX_GROUPS)
				return wf__jfail(r, "stock", rn, "more than %d groups",
				                 WF__MAX_GROUPS);
			g = P->n_groups++;
			if (!(P->groups[g] = wf__jstrdup(r, gname)))
				return CO_ENOMEM;
		}
		P->stock[i].group = g;
		if ((rc = get_age(r, row, "stock", rn, &P->stock[i].lo, &P->stock[i].hi)))
			return rc;
		if ((rc = wf__jkind(r, row, "headcount", "stock", rn, 1, WF__K_COUNT,
		                    &P->stock[i].v)))
			return rc;
	}
	return 0;
}

static int read_training(struct wf__jr *r, json_t *obj, struct wf__prof *P)
{
	static const char *const keys[] = {
	        "course_years", "fill_rate",   "attrition",           "completion",
	        "uptake",       "commissions", "university_capacity", "placement_capacity",
	        "in_training",  "entry_age",   "cost_per_place",      NULL};
	json_t *tr = json_object_get(obj, "training"), *arr;
	int rc, k;

	if (!tr)
		return 0;
	if ((rc = wf__jkeys(r, tr, "training", 0, keys)))
		return rc;
	P->train = 1;
	if ((rc = wf__jint(r, tr, "course_years", "training.course_years", 0, 1, 1, WF__MAX_COURSE,
	                   &P->d)))
		return rc;
	if ((rc = wf__jkind(r, tr, "fill_rate", "training.fill_rate", 0, 1, WF__K_RATE,
	                    &P->fill)) ||
	    (rc = wf__jkind(r, tr, "completion", "training.completion", 0, 1, WF__K_RATE,
	                    &P->completion)) ||
	    (rc = wf__jkind(r, tr, "uptake", "training.uptake", 0, 1, WF__K_RATE, &P->uptake)))
		return rc;
	P->cost = 0;
	if ((rc = wf__jkind(r, tr, "cost_per_place", "training.cost_per_place", 0, 0, WF__K_COUNT,
	                    &P->cost)) < 0)
		return rc;
	if (!(P->attr = wf__jalloc(r, (size_t)P->d, sizeof(double))) ||
	    !(P->in_tr = wf__jalloc(r, (size_t)P->d, sizeof(double))))
		return CO_ENOMEM;
	if ((rc = wf__jarray(r, tr, "attrition", "training.attrition", 1, &arr)))
		return rc;
	if ((int)json_array_size(arr) != P->d)
		return wf__jfail(r, "training.attrition", 0,
		                 "has %d values but the course lasts %d years",
		                 (int)json_array_size(arr), P->d);
	for (k = 0; k < P->d; k++) {
		json_t *v = json_array_get(arr, (size_t)k);
		if (!json_is_number(v))
			return wf__jfail(r, "training.attrition", k + 1, "must be a number");
		P->attr[k] = json_number_value(v);
		if ((rc = wf__jcheck(r, "training.attrition", k + 1, "attrition", WF__K_RATE,
		                     P->attr[k])))
			return rc;
	}
	if ((rc = wf__jarray(r, tr, "in_training", "training.in_training", 1, &arr)))
		return rc;
	if ((int)json_array_size(arr) != P->d)
		return wf__jfail(r, "training.in_training", 0,
		                 "has %d values but the course lasts %d years",
		                 (int)json_array_size(arr), P->d);
	for (k = 0; k < P->d; k++) {
		json_t *v = json_array_get(arr, (size_t)k);
		if (!json_is_number(v))
			return wf__jfail(r, "training.in_training", k + 1, "must be a number");
		P->in_tr[k] = json_number_value(v);
		if ((rc = wf__jcheck(r, "training.in_training", k + 1, "students", WF__K_COUNT,
		                     P->in_tr[k])))
			return rc;
	}
	if ((rc = read_year_table(r, tr, "commissions", "training.commissions", "places", 0,
	                          WF__K_COUNT, 0, &P->comm)) ||
	    (rc = read_year_table(r, tr, "university_capacity", "training.university_capacity",
	                          "places", 0, WF__K_COUNT, 0, &P->ucap)) ||
	    (rc = read_year_table(r, tr, "placement_capacity", "training.placement_capacity",
	                          "places", 0, WF__K_COUNT, 0, &P->pcap)))
		return rc;
	return read_entry(r, tr, "training.entry_age", &P->grad_entry);
}

static int read_source(struct wf__jr *r, json_t *obj, const char *key, struct wf__source *s)
{
	static const char *const keys[] = {"joiners", "entry_age", NULL};
	json_t *src = json_object_get(obj, key);
	char field[64];
	int rc;

	if (!src)
		return 0;
	if ((rc = wf__jkeys(r, src, key, 0, keys)))
		return rc;
	s->on = 1;
	snprintf(field, sizeof(field), "%s.joiners", key);
	if ((rc = read_year_table(r, src, "joiners", field, "headcount", 0, WF__K_COUNT, 1,
	                          &s->joiners)))
		return rc;
	snprintf(field, sizeof(field), "%s.entry_age", key);
	return read_entry(r, src, field, &s->entry);
}

static int read_returners(struct wf__jr *r, json_t *obj, struct wf__prof *P)
{
	static const char *const keys[] = {"rate",    "pool",      "pool_decay",
	                                   "max_age", "entry_age", NULL};
	json_t *ret = json_object_get(obj, "returners");
	int rc;

	if (!ret)
		return 0;
	if ((rc = wf__jkeys(r, ret, "returners", 0, keys)))
		return rc;
	P->ret = 1;
	if ((rc = wf__jkind(r, ret, "rate", "returners.rate", 0, 1, WF__K_RATE, &P->ret_rate)) ||
	    (rc = wf__jkind(r, ret, "pool", "returners.pool", 0, 1, WF__K_COUNT, &P->pool)) ||
	    (rc = wf__jkind(r, ret, "pool_decay", "returners.pool_decay", 0, 1, WF__K_RATE,
	                    &P->decay)) ||
	    (rc = wf__jint(r, ret, "max_age", "returners.max_age", 0, 1, r->m->age_min,
	                   r->m->age_max, &P->max_age)))
		return rc;
	return read_entry(r, ret, "returners.entry_age", &P->ret_entry);
}

static int read_share(struct wf__jr *r, json_t *obj, struct wf__prof *P)
{
	static const char *const keys[] = {"group", "share", NULL};
	json_t *arr, *row;
	size_t i;
	int rc, g;
	double sum = 0;

	if (!(P->share = wf__jalloc(r, (size_t)P->n_groups, sizeof(double))))
		return CO_ENOMEM;
	if ((rc = wf__jarray(r, obj, "joiner_share", "joiner_share", 0, &arr)))
		return rc;
	if (!arr) {
		double *hc = P->share, tot = 0;
		int k;
		for (k = 0; k < P->n_stock; k++)
			hc[P->stock[k].group] += P->stock[k].v;
		for (g = 0; g < P->n_groups; g++)
			tot += hc[g];
		if (tot <= 0)
			return wf__jfail(r, "joiner_share", 0,
			                 "is needed when the base-year headcount is 0 (the default "
			                 "shares follow it)");
		for (g = 0; g < P->n_groups; g++)
			hc[g] /= tot;
		return 0;
	}
	json_array_foreach(arr, i, row)
	{
		long rn = (long)i + 1;
		const char *gname;
		double v = 0;
		if ((rc = wf__jkeys(r, row, "joiner_share", rn, keys)) ||
		    (rc = wf__jstr(r, row, "group", "joiner_share", rn, &gname)))
			return rc;
		if ((g = group_index(P, gname)) < 0)
			return wf__jfail(r, "joiner_share", rn, "unknown group '%s'", gname);
		if ((rc = wf__jkind(r, row, "share", "joiner_share", rn, 1, WF__K_RATE, &v)))
			return rc;
		P->share[g] += v;
		sum += v;
	}
	if (fabs(sum - 1) > 1e-9)
		return wf__jfail(r, "joiner_share", 0, "shares sum to %.12g, not 1", sum);
	return 0;
}

static int need_index(const struct wf_model *m, const char *name)
{
	int n;

	for (n = 0; n < m->n_need; n++)
		if (strcmp(m->need[n].name, name) == 0)
			return n;
	return -1;
}

static int read_demand(struct wf__jr *r, json_t *obj, struct wf__prof *P)
{
	static const char *const kg[] = {"method", "vacancies", "growth", NULL};
	static const char *const kn[] = {"method", "minutes", "hours_per_fte", "utilisation", NULL};
	static const char *const km[] = {"need", "minutes", NULL};
	json_t *dem = json_object_get(obj, "demand"), *arr, *row;
	const char *method;
	size_t i;
	int rc;

	if (!dem)
		return wf__jfail(r, "demand", 0, "is missing");
	if (!json_is_object(dem))
		return wf__jfail(r, "demand", 0, "must be an object");
	if ((rc = wf__jstr(r, dem, "method", "demand.method", 0, &method)))
		return rc;
	if (strcmp(method, "growth") == 0) {
		P->method = WF__GROWTH;
		if ((rc = wf__jkeys(r, dem, "demand", 0, kg)))
			return rc;
		if ((rc = wf__jkind(r, dem, "vacancies", "demand.vacancies", 0, 1, WF__K_COUNT,
		                    &P->vacancies)))
			return rc;
		return read_year_table(r, dem, "growth", "demand.growth", "rate", 1, WF__K_GROWTH,
		                       0, &P->growth);
	}
	if (strcmp(method, "needs") != 0)
		return wf__jfail(r, "demand.method", 0, "unknown method '%s' (growth or needs)",
		                 method);
	P->method = WF__NEEDS;
	if ((rc = wf__jkeys(r, dem, "demand", 0, kn)))
		return rc;
	if ((rc = wf__jkind(r, dem, "hours_per_fte", "demand.hours_per_fte", 0, 1, WF__K_POS,
	                    &P->hours)) ||
	    (rc = wf__jkind(r, dem, "utilisation", "demand.utilisation", 0, 1, WF__K_RATE,
	                    &P->util)))
		return rc;
	if (P->util <= 0)
		return wf__jfail(r, "demand.utilisation", 0, "must be more than 0");
	if ((rc = wf__jarray(r, dem, "minutes", "demand.minutes", 1, &arr)))
		return rc;
	P->n_minutes = (int)json_array_size(arr);
	if (!(P->minutes = wf__jalloc(r, (size_t)P->n_minutes, sizeof(*P->minutes))))
		return CO_ENOMEM;
	json_array_foreach(arr, i, row)
	{
		long rn = (long)i + 1;
		const char *need;
		size_t j;
		if ((rc = wf__jkeys(r, row, "demand.minutes", rn, km)) ||
		    (rc = wf__jstr(r, row, "need", "demand.minutes", rn, &need)))
			return rc;
		if ((P->minutes[i].need = need_index(r->m, need)) < 0)
			return wf__jfail(r, "demand.minutes", rn, "unknown need '%s'", need);
		for (j = 0; j < i; j++)
			if (P->minutes[j].need == P->minutes[i].need)
				return wf__jfail(r, "demand.minutes", rn,
				                 "need '%s' is listed twice", need);
		if ((rc = wf__jkind(r, row, "minutes", "demand.minutes", rn, 1, WF__K_COUNT,
		                    &P->minutes[i].v)))
			return rc;
	}
	return 0;
}

static int read_profession(struct wf__jr *r, json_t *obj, int p)
{
	static const char *const keys[] = {"code",          "name",          "stock",
	                                   "fte_ratio",     "leaver_rate",   "training",
	                                   "international", "other_joiners", "returners",
	                                   "joiner_share",  "demand",        NULL};
	struct wf_model *m = r->m;
	struct wf__prof *P = &m->prof[p];
	const char *code, *name = NULL;
	int rc, q;

	snprintf(r->where, sizeof(r->where), "profession %d", p + 1);
	if (!json_is_object(obj))
		return wf__jfail(r, NULL, 0, "must be an object");
	if ((rc = wf__jstr(r, obj, "code", NULL, 0, &code)))
		return rc;
	if (strcmp(code, "needs") == 0 || strcmp(code, "population") == 0 ||
	    strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") !=
	            strlen(code))
		return wf__jfail(r, "code", 0,
		                 "'%s' cannot be a profession code (letters, digits, _ and - only)",
		                 code);
	for (q = 0; q < p; q++)
		if (strcmp(m->prof[q].code, code) == 0)
			return wf__jfail(r, "code", 0, "'%s' is used by two professions", code);
	if (!(P->code = wf__jstrdup(r, code)))
		return CO_ENOMEM;
	snprintf(r->where, sizeof(r->where), "profession %s", code);
	if ((rc = wf__jkeys(r, obj, NULL, 0, keys)))
		return rc;
	if (json_object_get(obj, "name") && (rc = wf__jstr(r, obj, "name", "name", 0, &name)))
		return rc;
	if (!(P->name = wf__jstrdup(r, name ? name : code)))
		return CO_ENOMEM;
	if ((rc = read_stock(r, obj, P)) ||
	    (rc = read_age_table(r, obj, "fte_ratio", "ratio", &P->fte)) ||
	    (rc = read_age_table(r, obj, "leaver_rate", "rate", &P->leave)) ||
	    (rc = read_training(r, obj, P)) ||
	    (rc = read_source(r, obj, "international", &P->intl)) ||
	    (rc = read_source(r, obj, "other_joiners", &P->oth)) ||
	    (rc = read_returners(r, obj, P)) || (rc = read_share(r, obj, P)) ||
	    (rc = read_demand(r, obj, P)))
		return rc;
	P->weight = 1e6;
	return 0;
}

/* ---- Needs ---------------------------------------------------------------- */

static int read_needs(struct wf__jr *r, json_t *root)
{
	static const char *const kp[] = {"age", "year", "people", NULL};
	static const char *const kn[] = {"name",       "age",      "prevalence", "trend",
	                                 "in_contact", "contacts", NULL};
	struct wf_model *m = r->m;
	json_t *arr, *row;
	size_t i;
	int rc, k, j;

	r->where[0] = '\0';
	if ((rc = wf__jarray(r, root, "population", "population", 0, &arr)))
		return rc;
	if (arr) {
		size_t n = json_array_size(arr);
		if (!(m->pop = wf__jalloc(r, n, sizeof(*m->pop))))
			return CO_ENOMEM;
		json_array_foreach(arr, i, row)
		{
			long rn = (long)i + 1;
			const char *label;
			struct wf__pop *pp = NULL;
			struct wf__yearrow yr = {0, 0};
			if ((rc = wf__jkeys(r, row, "population", rn, kp)) ||
			    (rc = wf__jstr(r, row, "age", "population", rn, &label)) ||
			    (rc = wf__jint(r, row, "year", "population", rn, 1, 1000, 3000,
			                   &yr.year)) ||
			    (rc = wf__jkind(r, row, "people", "population", rn, 1, WF__K_COUNT,
			                    &yr.v)))
				return rc;
			for (k = 0; k < m->n_pop; k++)
				if (strcmp(m->pop[k].label, label) == 0)
					pp = &m->pop[k];
			if (!pp) {
				pp = &m->pop[m->n_pop++];
				if (!(pp->label = wf__jstrdup(r, label)) ||
				    !(pp->people.r = wf__jalloc(r, n, sizeof(*pp->people.r))))
					return CO_ENOMEM;
			}
			/* keep each label's years sorted */
			for (j = pp->people.n; j > 0 && pp->people.r[j - 1].year > yr.year; j--)
				pp->people.r[j] = pp->people.r[j - 1];
			if (j > 0 && pp->people.r[j - 1].year == yr.year)
				return wf__jfail(r, "population", rn, "%s in %d is listed twice",
				                 label, yr.year);
			pp->people.r[j] = yr;
			pp->people.n++;
		}
	}
	if ((rc = wf__jarray(r, root, "needs", "needs", 0, &arr)))
		return rc;
	if (!arr)
		return 0;
	if (!(m->need = wf__jalloc(r, json_array_size(arr), sizeof(*m->need))))
		return CO_ENOMEM;
	json_array_foreach(arr, i, row)
	{
		long rn = (long)i + 1;
		struct wf__need *n = &m->need[i];
		const char *name, *label;
		if ((rc = wf__jkeys(r, row, "needs", rn, kn)) ||
		    (rc = wf__jstr(r, row, "name", "needs", rn, &name)) ||
		    (rc = wf__jstr(r, row, "age", "needs", rn, &label)))
			return rc;
		if (strchr(name, '.'))
			return wf__jfail(r, "needs", rn, "a need's name cannot contain '.'");
		if (need_index(m, name) >= 0)
			return wf__jfail(r, "needs", rn, "need '%s' is listed twice", name);
		n->pop = -1;
		for (k = 0; k < m->n_pop; k++)
			if (strcmp(m->pop[k].label, label) == 0)
				n->pop = k;
		if (n->pop < 0)
			return wf__jfail(r, "needs", rn, "unknown population age group '%s'",
			                 label);
		n->trend = 0;
		if ((rc = wf__jkind(r, row, "prevalence", "needs", rn, 1, WF__K_RATE, &n->prev)) ||
		    (rc = wf__jkind(r, row, "trend", "needs", rn, 0, WF__K_GROWTH, &n->trend)) <
		            0 ||
		    (rc = wf__jkind(r, row, "in_contact", "needs", rn, 1, WF__K_RATE,
		                    &n->contact)) ||
		    (rc = wf__jkind(r, row, "contacts", "needs", rn, 1, WF__K_COUNT, &n->contacts)))
			return rc;
		if (!(n->name = wf__jstrdup(r, name)))
			return CO_ENOMEM;
		m->n_need = (int)i + 1;
	}
	return 0;
}

/* ---- Paths: "mhn.leaver_rate", "*.training.fill_rate", "needs.x.prevalence",
 * "population" ---------------------------------------------------------------- */

static int field_present(const struct wf__prof *P, int f)
{
	switch (f) {
	case WF__F_FILL_RATE:
	case WF__F_ATTRITION:
	case WF__F_COMPLETION:
	case WF__F_UPTAKE:
	case WF__F_COMMISSIONS:
	case WF__F_UCAP:
	case WF__F_PCAP:
	case WF__F_IN_TRAINING:
	case WF__F_COST: return P->train;
	case WF__F_INTL: return P->intl.on;
	case WF__F_OTHER: return P->oth.on;
	case WF__F_RET_RATE:
	case WF__F_POOL:
	case WF__F_DECAY: return P->ret;
	case WF__F_VACANCIES:
	case WF__F_GROWTH: return P->method == WF__GROWTH;
	case WF__F_MINUTES:
	case WF__F_HOURS:
	case WF__F_UTIL: return P->method == WF__NEEDS;
	default: return 1;
	}
}

static int resolve(struct wf__jr *r, const char *path, const char *field, long row, int star_ok,
                   int *prof, int *fld, int *need)
{
	const struct wf_model *m = r->m;
	const char *dot = strchr(path, '.'), *rest;
	char head[128];
	int f, p;

	*need = -1;
	*prof = -1;
	if (strcmp(path, "population") == 0) {
		if (m->n_pop == 0)
			return wf__jfail(r, field, row,
			                 "'population': the model has no population");
		*fld = WF__F_POPULATION;
		return 0;
	}
	if (!dot || (size_t)(dot - path) >= sizeof(head))
		return wf__jfail(r, field, row, "unknown parameter '%s' (write profession.field)",
		                 path);
	memcpy(head, path, (size_t)(dot - path));
	head[dot - path] = '\0';
	rest = dot + 1;
	if (strcmp(head, "needs") == 0) {
		const char *d2 = strrchr(rest, '.');
		char nname[128];
		if (!d2 || (size_t)(d2 - rest) >= sizeof(nname))
			return wf__jfail(r, field, row, "unknown parameter '%s'", path);
		memcpy(nname, rest, (size_t)(d2 - rest));
		nname[d2 - rest] = '\0';
		if ((*need = need_index(m, nname)) < 0)
			return wf__jfail(r, field, row, "unknown need '%s' in '%s'", nname, path);
		for (f = WF__F_PREVALENCE; f < WF__F_COUNT; f++)
			if (strcmp(d2 + 1, wf__fields[f].path) == 0) {
				*fld = f;
				return 0;
			}
		return wf__jfail(r, field, row, "unknown parameter '%s'", path);
	}
	if (strcmp(head, "*") == 0) {
		if (!star_ok)
			return wf__jfail(r, field, row, "'%s': name one profession", path);
	} else {
		for (p = 0; p < m->n_prof; p++)
			if (strcmp(m->prof[p].code, head) == 0)
				*prof = p;
		if (*prof < 0)
			return wf__jfail(r, field, row, "unknown profession '%s' in '%s'", head,
			                 path);
	}
	for (f = 0; f < WF__F_POPULATION; f++)
		if (strcmp(rest, wf__fields[f].path) == 0 ||
		    (wf__fields[f].alias && strcmp(rest, wf__fields[f].alias) == 0))
			break;
	if (f == WF__F_POPULATION)
		return wf__jfail(r, field, row, "unknown parameter '%s'", path);
	if (*prof >= 0 && !field_present(&m->prof[*prof], f))
		return wf__jfail(r, field, row, "'%s': profession %s has no such field", path,
		                 head);
	if (*prof < 0)
		for (p = 0; p < m->n_prof; p++)
			if (!field_present(&m->prof[p], f))
				return wf__jfail(r, field, row,
				                 "'%s': profession %s has no such field", path,
				                 m->prof[p].code);
	*fld = f;
	return 0;
}

static int read_scenarios(struct wf__jr *r, json_t *root)
{
	static const char *const ks[] = {"name", "description", "changes", NULL};
	static const char *const kc[] = {"set", "scale", "add", "value", "from", NULL};
	struct wf_model *m = r->m;
	json_t *arr, *sc, *changes, *ch;
	size_t i, j;
	int rc, k;

	r->where[0] = '\0';
	if ((rc = wf__jarray(r, root, "scenarios", "scenarios", 0, &arr)))
		return rc;
	k = 1 + (arr ? (int)json_array_size(arr) : 0);
	if (k > WF__MAX_SCEN)
		return wf__jfail(r, "scenarios", 0, "more than %d scenarios", WF__MAX_SCEN);
	if (!(m->scen = wf__jalloc(r, (size_t)k, sizeof(*m->scen))))
		return CO_ENOMEM;
	m->scen[0].name = "base";
	m->n_scen = 1;
	if (!arr)
		return 0;
	json_array_foreach(arr, i, sc)
	{
		struct wf__scenario *S = &m->scen[i + 1];
		const char *name;
		r->where[0] = '\0';
		if ((rc = wf__jkeys(r, sc, "scenarios", (long)i + 1, ks)) ||
		    (rc = wf__jstr(r, sc, "name", "scenarios", (long)i + 1, &name)))
			return rc;
		if (strcmp(name, "base") == 0 || wf_model_find_scenario(m, name) >= 0 ||
		    strchr(name, ','))
			return wf__jfail(r, "scenarios", (long)i + 1,
			                 "scenario name '%s' is taken or not allowed", name);
		if (!(S->name = wf__jstrdup(r, name)))
			return CO_ENOMEM;
		snprintf(r->where, sizeof(r->where), "scenario %s", name);
		if ((rc = wf__jarray(r, sc, "changes", "changes", 1, &changes)))
			return rc;
		S->n = (int)json_array_size(changes);
		if (!(S->c = wf__jalloc(r, (size_t)S->n, sizeof(*S->c))))
			return CO_ENOMEM;
		json_array_foreach(changes, j, ch)
		{
			struct wf__change *c = &S->c[j];
			long rn = (long)j + 1;
			const char *path;
			int nops = 0, from = m->base_year;
			static const char *const ops[] = {"scale", "add", "value"};
			if ((rc = wf__jkeys(r, ch, "changes", rn, kc)) ||
			    (rc = wf__jstr(r, ch, "set", "changes", rn, &path)) ||
			    (rc = resolve(r, path, "changes", rn, 1, &c->prof, &c->field,
			                  &c->need)))
				return rc;
			for (k = 0; k < 3; k++)
				if (json_object_get(ch, ops[k])) {
					nops++;
					c->op = k;
					if ((rc = wf__jnum(r, ch, ops[k], "changes", rn, 1, &c->v)))
						return rc;
				}
			if (nops != 1)
				return wf__jfail(r, "changes", rn,
				                 "give exactly one of 'scale', 'add' or 'value'");
			if ((rc = wf__jint(r, ch, "from", "changes", rn, 0, 1000, 3000, &from)) < 0)
				return rc;
			c->from_t = from < m->base_year ? 0 : from - m->base_year;
			if (c->from_t > m->T)
				c->from_t = m->T + 1; /* after the horizon: no effect */
			/* a base-year value (vacancies, the pool, those in training)
			 * changed from a later year changes nothing, as the equations
			 * only read it in the base year */
			if (c->field == WF__F_DEMAND && c->op != WF__SCALE)
				return wf__jfail(r, "changes", rn, "'%s' can only be scaled", path);
		}
		m->n_scen++;
	}
	return 0;
}

static int read_uncertainty(struct wf__jr *r, json_t *root)
{
	static const char *const ku[] = {"param", "dist", "sd", NULL};
	struct wf_model *m = r->m;
	json_t *arr, *row;
	size_t i, j;
	int rc;

	r->where[0] = '\0';
	if ((rc = wf__jarray(r, root, "uncertainty", "uncertainty", 0, &arr)))
		return rc;
	if (!arr)
		return 0;
	m->n_unc = (int)json_array_size(arr);
	if (!(m->unc = wf__jalloc(r, (size_t)m->n_unc, sizeof(*m->unc))))
		return CO_ENOMEM;
	json_array_foreach(arr, i, row)
	{
		struct wf__uncert *u = &m->unc[i];
		long rn = (long)i + 1;
		const char *path, *dist;
		int kind;
		if ((rc = wf__jkeys(r, row, "uncertainty", rn, ku)) ||
		    (rc = wf__jstr(r, row, "param", "uncertainty", rn, &path)) ||
		    (rc = wf__jstr(r, row, "dist", "uncertainty", rn, &dist)) ||
		    (rc = resolve(r, path, "uncertainty", rn, 0, &u->prof, &u->field, &u->need)) ||
		    (rc = wf__jkind(r, row, "sd", "uncertainty", rn, 1, WF__K_POS, &u->sd)))
			return rc;
		for (j = 0; j < i; j++)
			if (m->unc[j].prof == u->prof && m->unc[j].field == u->field &&
			    m->unc[j].need == u->need)
				return wf__jfail(r, "uncertainty", rn, "'%s' is listed twice",
				                 path);
		kind = wf__fields[u->field].kind;
		u->n_var = 1;
		if (strcmp(dist, "beta") == 0) {
			u->dist = WF__BETA;
			if (kind != WF__K_RATE || u->field == WF__F_UTIL)
				return wf__jfail(r, "uncertainty", rn,
				                 "'%s' is not a rate: use lognormal", path);
		} else if (strcmp(dist, "lognormal") == 0) {
			u->dist = WF__LOGNORMAL;
			if (kind == WF__K_GROWTH)
				return wf__jfail(r, "uncertainty", rn,
				                 "'%s' is a growth rate: use normal", path);
		} else if (strcmp(dist, "normal") == 0) {
			u->dist = WF__NORMAL;
			if (kind != WF__K_GROWTH)
				return wf__jfail(r, "uncertainty", rn,
				                 "normal is for growth rates; '%s' is not one",
				                 path);
		} else {
			return wf__jfail(r, "uncertainty", rn,
			                 "unknown dist '%s' (beta, lognormal or normal)", dist);
		}
		if (u->dist == WF__BETA) {
			/* the rows' values are the means; each must allow the sd */
			int n = wf__beta_rows(m, u), k;
			for (k = 0; k < n; k++) {
				double mu = wf__beta_mean(m, u, k);
				if (mu > 0 && mu < 1 && u->sd * u->sd >= mu * (1 - mu))
					return wf__jfail(
					        r, "uncertainty", rn,
					        "sd %.10g is too large for a Beta with mean "
					        "%.10g (row %d of %s): it must be below "
					        "sqrt(mean (1 - mean)) = %.10g",
					        u->sd, mu, k + 1, path, sqrt(mu * (1 - mu)));
			}
			u->n_var = n;
		}
		u->var0 = m->n_var;
		m->n_var += u->n_var;
	}
	return 0;
}

static int read_commissioning(struct wf__jr *r, json_t *root)
{
	static const char *const kc[] = {"professions", "from",    "years",       "budget",
	                                 "max_change",  "weights", "commitments", NULL};
	static const char *const kw[] = {"profession", "weight", NULL};
	static const char *const kk[] = {"profession", "year", "places", NULL};
	struct wf_model *m = r->m;
	struct wf__commissioning *c = &m->comm;
	json_t *obj = json_object_get(root, "commissioning"), *arr, *row;
	size_t i;
	int rc;

	r->where[0] = '\0';
	c->from = m->base_year + 1;
	c->years = 3;
	c->max_change = -1;
	if (!obj)
		return 0;
	c->present = 1;
	if ((rc = wf__jkeys(r, obj, "commissioning", 0, kc)))
		return rc;
	if ((rc = wf__jint(r, obj, "from", "commissioning.from", 0, 0, m->base_year,
	                   m->base_year + m->T, &c->from)) < 0 ||
	    (rc = wf__jint(r, obj, "years", "commissioning.years", 0, 0, 1, m->T + 1, &c->years)) <
	            0 ||
	    (rc = wf__jkind(r, obj, "max_change", "commissioning.max_change", 0, 0, WF__K_COUNT,
	                    &c->max_change)) < 0)
		return rc;
	if ((rc = read_year_table(r, obj, "budget", "commissioning.budget", "amount", 0,
	                          WF__K_COUNT, 0, &c->budget)))
		return rc;
	if ((rc = wf__jarray(r, obj, "professions", "commissioning.professions", 0, &arr)))
		return rc;
	if (arr) {
		c->n_prof = (int)json_array_size(arr);
		if (!(c->prof = wf__jalloc(r, (size_t)c->n_prof, sizeof(int))))
			return CO_ENOMEM;
		json_array_foreach(arr, i, row)
		{
			const char *code = json_string_value(row);
			int p, found = -1;
			if (!code)
				return wf__jfail(r, "commissioning.professions", (long)i + 1,
				                 "must be a profession code");
			for (p = 0; p < m->n_prof; p++)
				if (strcmp(m->prof[p].code, code) == 0)
					found = p;
			if (found < 0)
				return wf__jfail(r, "commissioning.professions", (long)i + 1,
				                 "unknown profession '%s'", code);
			if (!m->prof[found].train)
				return wf__jfail(r, "commissioning.professions", (long)i + 1,
				                 "profession %s has no training to commission",
				                 code);
			c->prof[i] = found;
		}
	}
	if ((rc = wf__jarray(r, obj, "weights", "commissioning.weights", 0, &arr)))
		return rc;
	if (arr)
		json_array_foreach(arr, i, row)
		{
			long rn = (long)i + 1;
			const char *code;
			int p, found = -1;
			if ((rc = wf__jkeys(r, row, "commissioning.weights", rn, kw)) ||
			    (rc = wf__jstr(r, row, "profession", "commissioning.weights", rn,
			                   &code)))
				return rc;
			for (p = 0; p < m->n_prof; p++)
				if (strcmp(m->prof[p].code, code) == 0)
					found = p;
			if (found < 0)
				return wf__jfail(r, "commissioning.weights", rn,
				                 "unknown profession '%s'", code);
			if ((rc = wf__jkind(r, row, "weight", "commissioning.weights", rn, 1,
			                    WF__K_COUNT, &m->prof[found].weight)))
				return rc;
		}
	if ((rc = wf__jarray(r, obj, "commitments", "commissioning.commitments", 0, &arr)))
		return rc;
	if (arr) {
		c->n_commit = (int)json_array_size(arr);
		if (!(c->commit = wf__jalloc(r, (size_t)c->n_commit, sizeof(*c->commit))))
			return CO_ENOMEM;
		json_array_foreach(arr, i, row)
		{
			long rn = (long)i + 1;
			const char *code;
			int p, found = -1;
			if ((rc = wf__jkeys(r, row, "commissioning.commitments", rn, kk)) ||
			    (rc = wf__jstr(r, row, "profession", "commissioning.commitments", rn,
			                   &code)))
				return rc;
			for (p = 0; p < m->n_prof; p++)
				if (strcmp(m->prof[p].code, code) == 0)
					found = p;
			if (found < 0 || !m->prof[found].train)
				return wf__jfail(
				        r, "commissioning.commitments", rn,
				        "unknown profession '%s' (or one without training)", code);
			c->commit[i].prof = found;
			if ((rc = wf__jint(r, row, "year", "commissioning.commitments", rn, 1, 1000,
			                   3000, &c->commit[i].year)) ||
			    (rc = wf__jkind(r, row, "places", "commissioning.commitments", rn, 1,
			                    WF__K_COUNT, &c->commit[i].places)))
				return rc;
		}
	}
	return 0;
}

/* Every scenario compiled for every profession: range errors now. */
static int check_scenarios(struct wf__jr *r)
{
	struct wf_model *m = r->m;
	struct co_arena a;
	struct wf__pp pp;
	int s, p, rc = 0;

	for (p = 0; p < m->n_prof && !rc; p++) {
		co_arena_init(&a, 0);
		if (wf__pp_alloc(m, p, &pp, &a))
			rc = co_errf(r->e, CO_ENOMEM, "out of memory");
		for (s = 0; s < m->n_scen && !rc; s++)
			rc = wf__compile(m, p, s, NULL, &pp, r->e);
		co_arena_free(&a);
	}
	return rc;
}

static int read_model(struct wf__jr *r, json_t *root)
{
	static const char *const keys[] = {
	        "base_year",   "horizon",    "age_min", "age_max",       "professions", "scenarios",
	        "uncertainty", "population", "needs",   "commissioning", NULL};
	struct wf_model *m = r->m;
	json_t *arr, *obj;
	size_t i;
	long cells = 0;
	int rc, p;

	r->where[0] = '\0';
	if ((rc = wf__jkeys(r, root, NULL, 0, keys)))
		return rc;
	if ((rc = wf__jint(r, root, "base_year", "base_year", 0, 1, 1000, 3000, &m->base_year)) ||
	    (rc = wf__jint(r, root, "horizon", "horizon", 0, 1, 0, WF__MAX_HORIZON, &m->T)) ||
	    (rc = wf__jint(r, root, "age_min", "age_min", 0, 1, 0, WF__MAX_AGE, &m->age_min)) ||
	    (rc = wf__jint(r, root, "age_max", "age_max", 0, 1, 0, WF__MAX_AGE, &m->age_max)))
		return rc;
	if (m->age_max < m->age_min)
		return wf__jfail(r, "age_max", 0, "%d is below age_min %d", m->age_max, m->age_min);
	m->A = m->age_max - m->age_min + 1;
	if ((rc = read_needs(r, root)))
		return rc;
	if ((rc = wf__jarray(r, root, "professions", "professions", 1, &arr)))
		return rc;
	m->n_prof = (int)json_array_size(arr);
	if (m->n_prof == 0)
		return wf__jfail(r, "professions", 0, "has no professions");
	if (m->n_prof > WF__MAX_PROF)
		return wf__jfail(r, "professions", 0, "more than %d professions", WF__MAX_PROF);
	if (!(m->prof = wf__jalloc(r, (size_t)m->n_prof, sizeof(*m->prof))))
		return CO_ENOMEM;
	json_array_foreach(arr, i, obj)
	{
		if ((rc = read_profession(r, obj, (int)i)))
			return rc;
		cells += (long)m->prof[i].n_groups * m->A * (m->T + 1);
		if (cells > WF__MAX_CELLS)
			return wf__jfail(r, "professions", 0,
			                 "the model is too large (more than %ld group-age-years)",
			                 WF__MAX_CELLS);
	}
	if ((rc = read_scenarios(r, root)) || (rc = read_uncertainty(r, root)) ||
	    (rc = read_commissioning(r, root)))
		return rc;
	if (!(m->row0 = wf__jalloc(r, (size_t)m->n_prof + 1, sizeof(size_t))))
		return CO_ENOMEM;
	for (p = 0; p < m->n_prof; p++)
		m->row0[p + 1] =
		        m->row0[p] + (size_t)(m->T + 1) * (size_t)(m->prof[p].n_groups + 1);
	m->n_rows = m->row0[m->n_prof];
	r->where[0] = '\0';
	return check_scenarios(r);
}

int wf_model_read_json(const char *text, size_t len, struct wf_model **out, struct co_err *e)
{
	struct co_arena a;
	struct wf_model *m;
	struct wf__jr r;
	json_error_t je;
	json_t *root;
	int rc;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return co_errf_at(e, CO_EINPUT, je.line > 0 ? je.line : 0,
		                  je.column > 0 ? je.column : 0, NULL,
		                  "line %d, column %d: not valid JSON: %s", je.line, je.column,
		                  je.text);
	co_arena_init(&a, 0);
	m = co_arena_calloc(&a, 1, sizeof(*m));
	if (!m) {
		json_decref(root);
		co_arena_free(&a);
		return co_errf(e, CO_ENOMEM, "out of memory reading the model");
	}
	m->arena = a;
	r.m = m;
	r.arena = &m->arena;
	r.e = e;
	r.where[0] = '\0';
	rc = json_is_object(root) ? read_model(&r, root)
	                          : wf__jfail(&r, NULL, 0, "a model file is a JSON object");
	json_decref(root);
	if (rc) {
		wf_model_free(m);
		return rc;
	}
	*out = m;
	return 0;
}
