/*
 * manpower_json.c - reads a manpower-planning file (docs/workforce.md,
 * "Manpower files") into a struct wf_manpower. Unknown keys are errors.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "wf/jsonrd.h"
#include "wf/wf_int.h"

static int cat_index(const struct wf_manpower *mp, const char *code)
{
	int c;

	for (c = 0; c < mp->n_cat; c++)
		if (strcmp(mp->cat[c].code, code) == 0)
			return c;
	return -1;
}

static int read_category(struct wf__jr *r, struct wf_manpower *mp, json_t *obj, int c)
{
	static const char *const keys[] = {"code",
	                                   "name",
	                                   "strength",
	                                   "requirement",
	                                   "wastage_new",
	                                   "wastage",
	                                   "recruit_max",
	                                   "recruit_cost",
	                                   "redundancy_cost",
	                                   "overmanning_cost",
	                                   "short_time_max",
	                                   "short_time_cost",
	                                   "short_time_factor",
	                                   NULL};
	struct wf__mp_cat *C = &mp->cat[c];
	const char *code, *name = NULL;
	json_t *req;
	int rc, t;

	snprintf(r->where, sizeof(r->where), "category %d", c + 1);
	if (!json_is_object(obj))
		return wf__jfail(r, NULL, 0, "must be an object");
	if ((rc = wf__jstr(r, obj, "code", "code", 0, &code)))
		return rc;
	if (cat_index(mp, code) >= 0)
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
	C->recruit_max = HUGE_VAL;
	C->st_factor = 0.5;
	if ((rc = wf__jkind(r, obj, "strength", "strength", 0, 1, WF__K_COUNT, &C->strength)) ||
	    (rc = wf__jkind(r, obj, "wastage_new", "wastage_new", 0, 1, WF__K_RATE,
	                    &C->wastage_new)) ||
	    (rc = wf__jkind(r, obj, "wastage", "wastage", 0, 1, WF__K_RATE, &C->wastage)) ||
	    (rc = wf__jkind(r, obj, "recruit_max", "recruit_max", 0, 0, WF__K_COUNT,
	                    &C->recruit_max)) < 0 ||
	    (rc = wf__jkind(r, obj, "recruit_cost", "recruit_cost", 0, 0, WF__K_COUNT,
	                    &C->recruit_cost)) < 0 ||
	    (rc = wf__jkind(r, obj, "redundancy_cost", "redundancy_cost", 0, 0, WF__K_COUNT,
	                    &C->redundancy_cost)) < 0 ||
	    (rc = wf__jkind(r, obj, "overmanning_cost", "overmanning_cost", 0, 0, WF__K_COUNT,
	                    &C->over_cost)) < 0 ||
	    (rc = wf__jkind(r, obj, "short_time_max", "short_time_max", 0, 0, WF__K_COUNT,
	                    &C->st_max)) < 0 ||
	    (rc = wf__jkind(r, obj, "short_time_cost", "short_time_cost", 0, 0, WF__K_COUNT,
	                    &C->st_cost)) < 0 ||
	    (rc = wf__jkind(r, obj, "short_time_factor", "short_time_factor", 0, 0, WF__K_RATE,
	                    &C->st_factor)) < 0)
		return rc;
	if ((rc = wf__jarray(r, obj, "requirement", "requirement", 1, &req)))
		return rc;
	if ((int)json_array_size(req) != mp->periods)
		return wf__jfail(r, "requirement", 0, "has %d values for %d periods",
		                 (int)json_array_size(req), mp->periods);
	if (!(C->req = wf__jalloc(r, (size_t)mp->periods, sizeof(double))))
		return CO_ENOMEM;
	for (t = 0; t < mp->periods; t++) {
		json_t *v = json_array_get(req, (size_t)t);
		if (!json_is_number(v))
			return wf__jfail(r, "requirement", t + 1, "must be a number");
		C->req[t] = json_number_value(v);
		if ((rc = wf__jcheck(r, "requirement", t + 1, "requirement", WF__K_COUNT,
		                     C->req[t])))
			return rc;
	}
	return 0;
}

static int read_transition(struct wf__jr *r, struct wf_manpower *mp, json_t *obj, int i)
{
	static const char *const keys[] = {"from",      "to",       "kind", "retained", "max",
	                                   "max_share", "share_of", "cost", NULL};
	struct wf__mp_tr *T = &mp->tr[i];
	const char *from, *to, *kind = "transfer", *of = "requirement";
	long rn = i + 1;
	int rc, j;

	r->where[0] = '\0';
	if ((rc = wf__jkeys(r, obj, "transitions", rn, keys)) ||
	    (rc = wf__jstr(r, obj, "from", "transitions", rn, &from)) ||
	    (rc = wf__jstr(r, obj, "to", "transitions", rn, &to)))
		return rc;
	if ((T->from = cat_index(mp, from)) < 0)
		return wf__jfail(r, "transitions", rn, "unknown category '%s'", from);
	if ((T->to = cat_index(mp, to)) < 0)
		return wf__jfail(r, "transitions", rn, "unknown category '%s'", to);
	if (T->from == T->to)
		return wf__jfail(r, "transitions", rn, "goes from '%s' to itself", from);
	for (j = 0; j < i; j++)
		if (mp->tr[j].from == T->from && mp->tr[j].to == T->to)
			return wf__jfail(r, "transitions", rn, "%s to %s is listed twice", from,
			                 to);
	if (json_object_get(obj, "kind") &&
	    (rc = wf__jstr(r, obj, "kind", "transitions", rn, &kind)))
		return rc;
	if (json_object_get(obj, "share_of") &&
	    (rc = wf__jstr(r, obj, "share_of", "transitions", rn, &of)))
		return rc;
	if (strcmp(of, "requirement") != 0 && strcmp(of, "strength") != 0)
		return wf__jfail(r, "transitions", rn,
		                 "share_of is requirement or strength, not '%s'", of);
	T->share_of_strength = strcmp(of, "strength") == 0;
	if (!(T->kind = wf__jstrdup(r, kind)))
		return CO_ENOMEM;
	T->max = HUGE_VAL;
	T->max_share = -1;
	if ((rc = wf__jkind(r, obj, "retained", "transitions", rn, 1, WF__K_RATE, &T->retained)) ||
	    (rc = wf__jkind(r, obj, "max", "transitions", rn, 0, WF__K_COUNT, &T->max)) < 0 ||
	    (rc = wf__jkind(r, obj, "max_share", "transitions", rn, 0, WF__K_COUNT,
	                    &T->max_share)) < 0 ||
	    (rc = wf__jkind(r, obj, "cost", "transitions", rn, 0, WF__K_COUNT, &T->cost)) < 0)
		return rc;
	return 0;
}

int wf_manpower_read_json(const char *text, size_t len, struct wf_manpower **out, struct co_err *e)
{
	static const char *const keys[] = {"description", "periods",         "categories",
	                                   "transitions", "overmanning_max", NULL};
	struct co_arena a;
	struct wf_manpower *mp;
	struct wf__jr r;
	json_error_t je;
	json_t *root, *arr, *obj;
	size_t i;
	int rc;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return co_errf_at(e, CO_EINPUT, je.line > 0 ? je.line : 0, 0, NULL,
		                  "line %d, column %d: not valid JSON: %s", je.line, je.column,
		                  je.text);
	co_arena_init(&a, 0);
	if (!(mp = co_arena_calloc(&a, 1, sizeof(*mp)))) {
		json_decref(root);
		co_arena_free(&a);
		return co_errf(e, CO_ENOMEM, "out of memory");
	}
	mp->arena = a;
	memset(&r, 0, sizeof(r));
	r.arena = &mp->arena;
	r.e = e;
	mp->over_max = HUGE_VAL;
	if ((rc = wf__jkeys(&r, root, NULL, 0, keys)) ||
	    (rc = wf__jint(&r, root, "periods", "periods", 0, 1, 1, WF__MP_MAX_PERIODS,
	                   &mp->periods)) ||
	    wf__jkind(&r, root, "overmanning_max", "overmanning_max", 0, 0, WF__K_COUNT,
	              &mp->over_max) < 0 ||
	    (rc = wf__jarray(&r, root, "categories", "categories", 1, &arr)))
		goto out;
	if (json_array_size(arr) == 0 || json_array_size(arr) > WF__MP_MAX_CAT) {
		rc = wf__jfail(&r, "categories", 0, "needs 1 to %d categories", WF__MP_MAX_CAT);
		goto out;
	}
	if (!(mp->cat = wf__jalloc(&r, json_array_size(arr), sizeof(*mp->cat)))) {
		rc = CO_ENOMEM;
		goto out;
	}
	json_array_foreach(arr, i, obj)
	{
		if ((rc = read_category(&r, mp, obj, (int)i)))
			goto out;
		mp->n_cat++;
	}
	r.where[0] = '\0';
	if ((rc = wf__jarray(&r, root, "transitions", "transitions", 0, &arr)))
		goto out;
	if (arr) {
		if (json_array_size(arr) > WF__MP_MAX_TR) {
			rc = wf__jfail(&r, "transitions", 0, "more than %d", WF__MP_MAX_TR);
			goto out;
		}
		if (!(mp->tr = wf__jalloc(&r, json_array_size(arr), sizeof(*mp->tr)))) {
			rc = CO_ENOMEM;
			goto out;
		}
		json_array_foreach(arr, i, obj)
		{
			if ((rc = read_transition(&r, mp, obj, (int)i)))
				goto out;
			mp->n_tr++;
		}
	}
out:
	json_decref(root);
	if (rc) {
		wf_manpower_free(mp);
		return rc;
	}
	*out = mp;
	return 0;
}

void wf_manpower_free(struct wf_manpower *mp)
{
	struct co_arena a;

	if (!mp)
		return;
	a = mp->arena;
	co_arena_free(&a);
}
