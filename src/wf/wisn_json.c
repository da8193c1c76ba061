/*
 * wisn_json.c - reads a WISN team file (docs/workforce.md, "WISN files").
 * Unknown keys are errors; every error names the category, field and row.
 */
#include <stdio.h>
#include <string.h>

#include "wf/jsonrd.h"
#include "wf/wf_int.h"

static int read_acts(struct wf__jr *r, json_t *obj, struct wf__wisn_cat *C)
{
	static const char *const keys[] = {"name", "volume", "minutes", "per_hour", NULL};
	json_t *arr, *row;
	size_t i;
	int rc;

	if ((rc = wf__jarray(r, obj, "activities", "activities", 1, &arr)))
		return rc;
	C->n_act = (int)json_array_size(arr);
	if (!(C->act = wf__jalloc(r, (size_t)C->n_act, sizeof(*C->act))))
		return CO_ENOMEM;
	json_array_foreach(arr, i, row)
	{
		struct wf__wisn_act *a = &C->act[i];
		long rn = (long)i + 1;
		int has_m, has_r;
		if ((rc = wf__jkeys(r, row, "activities", rn, keys)) ||
		    (rc = wf__jstr(r, row, "name", "activities", rn, &a->name)) ||
		    (rc = wf__jkind(r, row, "volume", "activities", rn, 1, WF__K_COUNT,
		                    &a->volume)))
			return rc;
		has_m = json_object_get(row, "minutes") != NULL;
		has_r = json_object_get(row, "per_hour") != NULL;
		if (has_m == has_r)
			return wf__jfail(r, "activities", rn,
			                 "give the service standard as 'minutes' (per unit) or "
			                 "'per_hour' (units an hour), one of them");
		if (has_m && (rc = wf__jkind(r, row, "minutes", "activities", rn, 1, WF__K_POS,
		                             &a->minutes)))
			return rc;
		if (has_r && (rc = wf__jkind(r, row, "per_hour", "activities", rn, 1, WF__K_POS,
		                             &a->per_hour)))
			return rc;
		if (!(a->name = wf__jstrdup(r, a->name)))
			return CO_ENOMEM;
	}
	return 0;
}

static int read_allow(struct wf__jr *r, json_t *obj, const char *key, int individual, int *n,
                      struct wf__wisn_allow **out)
{
	static const char *const kc[] = {"name", "percent", "hours_per_year", NULL};
	static const char *const ki[] = {"name", "staff", "hours_per_year", NULL};
	json_t *arr, *row;
	size_t i;
	int rc;

	if ((rc = wf__jarray(r, obj, key, key, 0, &arr)))
		return rc;
	*n = arr ? (int)json_array_size(arr) : 0;
	if (!(*out = wf__jalloc(r, (size_t)*n, sizeof(**out))))
		return CO_ENOMEM;
	if (!arr)
		return 0;
	json_array_foreach(arr, i, row)
	{
		struct wf__wisn_allow *a = &(*out)[i];
		long rn = (long)i + 1;
		if ((rc = wf__jkeys(r, row, key, rn, individual ? ki : kc)) ||
		    (rc = wf__jstr(r, row, "name", key, rn, &a->name)))
			return rc;
		a->percent = -1;
		if (individual) {
			if ((rc = wf__jkind(r, row, "staff", key, rn, 1, WF__K_COUNT, &a->staff)) ||
			    (rc = wf__jkind(r, row, "hours_per_year", key, rn, 1, WF__K_COUNT,
			                    &a->hours)))
				return rc;
		} else {
			int hp = json_object_get(row, "percent") != NULL;
			int hh = json_object_get(row, "hours_per_year") != NULL;
			if (hp == hh)
				return wf__jfail(r, key, rn,
				                 "give 'percent' of working time or "
				                 "'hours_per_year', one of them");
			if (hp && (rc = wf__jnum(r, row, "percent", key, rn, 1, &a->percent)))
				return rc;
			if (hp && (a->percent < 0 || a->percent >= 100))
				return wf__jfail(r, key, rn, "percent %.10g is outside [0, 100)",
				                 a->percent);
			if (hh && (rc = wf__jkind(r, row, "hours_per_year", key, rn, 1, WF__K_COUNT,
			                          &a->hours)))
				return rc;
		}
		if (!(a->name = wf__jstrdup(r, a->name)))
			return CO_ENOMEM;
	}
	return 0;
}

static int read_cat(struct wf__jr *r, struct wf_wisn *w, json_t *obj, int c)
{
	static const char *const keys[] = {"code",
	                                   "name",
	                                   "staff",
	                                   "working_time",
	                                   "activities",
	                                   "category_allowances",
	                                   "individual_allowances",
	                                   NULL};
	static const char *const kw[] = {
	        "days_per_week", "weeks_per_year", "public_holidays", "annual_leave",
	        "sick_leave",    "other_leave",    "hours_per_day",   NULL};
	struct wf__wisn_cat *C = &w->cat[c];
	const char *code, *name = NULL;
	json_t *wt;
	int rc, i;
	double days;

	snprintf(r->where, sizeof(r->where), "category %d", c + 1);
	if (!json_is_object(obj))
		return wf__jfail(r, NULL, 0, "must be an object");
	if ((rc = wf__jstr(r, obj, "code", "code", 0, &code)))
		return rc;
	for (i = 0; i < c; i++)
		if (strcmp(w->cat[i].code, code) == 0)
			return wf__jfail(r, "code", 0, "'%s' is used by two categories", code);
	if (!(C->code = wf__jstrdup(r, code)))
		return CO_ENOMEM;
	snprintf(r->where, sizeof(r->where), "category %s", code);
	if ((rc = wf__jkeys(r, obj, NULL, 0, keys)))
		return rc;
	if (json_object_get(obj, "name") && (rc = wf__jstr(r, obj, "name", "name", 0, &name)))
		return rc;
	if (!(C->name = wf__jstrdup(r, name ? name : code)))
		return CO_ENOMEM;
	if ((rc = wf__jkind(r, obj, "staff", "staff", 0, 1, WF__K_COUNT, &C->staff)))
		return rc;
	wt = json_object_get(obj, "working_time");
	if (!wt)
		return wf__jfail(r, "working_time", 0, "is missing");
	C->weeks = 52;
	C->days_week = 5;
	if ((rc = wf__jkeys(r, wt, "working_time", 0, kw)) ||
	    (rc = wf__jkind(r, wt, "days_per_week", "working_time.days_per_week", 0, 0, WF__K_POS,
	                    &C->days_week)) < 0 ||
	    (rc = wf__jkind(r, wt, "weeks_per_year", "working_time.weeks_per_year", 0, 0, WF__K_POS,
	                    &C->weeks)) < 0 ||
	    (rc = wf__jkind(r, wt, "public_holidays", "working_time.public_holidays", 0, 0,
	                    WF__K_COUNT, &C->holidays)) < 0 ||
	    (rc = wf__jkind(r, wt, "annual_leave", "working_time.annual_leave", 0, 0, WF__K_COUNT,
	                    &C->leave)) < 0 ||
	    (rc = wf__jkind(r, wt, "sick_leave", "working_time.sick_leave", 0, 0, WF__K_COUNT,
	                    &C->sick)) < 0 ||
	    (rc = wf__jkind(r, wt, "other_leave", "working_time.other_leave", 0, 0, WF__K_COUNT,
	                    &C->other)) < 0 ||
	    (rc = wf__jkind(r, wt, "hours_per_day", "working_time.hours_per_day", 0, 1, WF__K_POS,
	                    &C->hours_day)))
		return rc;
	if (C->days_week > 7)
		return wf__jfail(r, "working_time.days_per_week", 0, "is more than 7");
	days = C->days_week * C->weeks - (C->holidays + C->leave + C->sick + C->other);
	if (days <= 0)
		return wf__jfail(r, "working_time", 0, "leaves no working days (%.10g)", days);
	if ((rc = read_acts(r, obj, C)) ||
	    (rc = read_allow(r, obj, "category_allowances", 0, &C->n_cas, &C->cas)) ||
	    (rc = read_allow(r, obj, "individual_allowances", 1, &C->n_ias, &C->ias)))
		return rc;
	{
		double awt = days * C->hours_day, cap = 0;
		for (i = 0; i < C->n_cas; i++)
			cap += C->cas[i].percent >= 0 ? C->cas[i].percent
			                              : 100 * C->cas[i].hours / awt;
		if (cap >= 100)
			return wf__jfail(r, "category_allowances", 0,
			                 "take %.10g%% of working time: they must leave some", cap);
	}
	return 0;
}

int wf_wisn_read_json(const char *text, size_t len, struct wf_wisn **out, struct co_err *e)
{
	static const char *const keys[] = {"team", "description", "categories", NULL};
	struct co_arena a;
	struct wf_wisn *w;
	struct wf__jr r;
	json_error_t je;
	json_t *root, *arr, *obj;
	const char *team = "team";
	size_t i;
	int rc;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return co_errf_at(e, CO_EINPUT, je.line > 0 ? je.line : 0, 0, NULL,
		                  "line %d, column %d: not valid JSON: %s", je.line, je.column,
		                  je.text);
	co_arena_init(&a, 0);
	if (!(w = co_arena_calloc(&a, 1, sizeof(*w)))) {
		json_decref(root);
		co_arena_free(&a);
		return co_errf(e, CO_ENOMEM, "out of memory");
	}
	w->arena = a;
	memset(&r, 0, sizeof(r));
	r.arena = &w->arena;
	r.e = e;
	if ((rc = wf__jkeys(&r, root, NULL, 0, keys)))
		goto out;
	if (json_object_get(root, "team") && (rc = wf__jstr(&r, root, "team", "team", 0, &team)))
		goto out;
	if (!(w->team = wf__jstrdup(&r, team))) {
		rc = CO_ENOMEM;
		goto out;
	}
	if ((rc = wf__jarray(&r, root, "categories", "categories", 1, &arr)))
		goto out;
	if (json_array_size(arr) == 0) {
		rc = wf__jfail(&r, "categories", 0, "has no staff categories");
		goto out;
	}
	if (!(w->cat = wf__jalloc(&r, json_array_size(arr), sizeof(*w->cat)))) {
		rc = CO_ENOMEM;
		goto out;
	}
	json_array_foreach(arr, i, obj)
	{
		if ((rc = read_cat(&r, w, obj, (int)i)))
			goto out;
		w->n_cat++;
	}
out:
	json_decref(root);
	if (rc) {
		wf_wisn_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

void wf_wisn_free(struct wf_wisn *w)
{
	struct co_arena a;

	if (!w)
		return;
	a = w->arena;
	co_arena_free(&a);
}
