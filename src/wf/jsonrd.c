/*
 * jsonrd.c - small helpers the JSON readers of the engine share: keys
 * checked against a list, numbers with their range, every error naming
 * where it is ("profession mhn, leaver_rate row 2: ...").
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wf/jsonrd.h"
#include "wf/wf_int.h"

int wf__jfail(struct wf__jr *r, const char *field, long row, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

int wf__jfail(struct wf__jr *r, const char *field, long row, const char *fmt, ...)
{
	char msg[CO_MAX_ERRMSG], loc[CO_MAX_ERRMSG / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (row > 0)
		snprintf(loc, sizeof(loc), "%s%s%s row %ld", r->where, r->where[0] ? ", " : "",
		         field ? field : "", row);
	else
		snprintf(loc, sizeof(loc), "%s%s%s", r->where, r->where[0] && field ? ", " : "",
		         field ? field : "");
	return co_errf_at(r->e, CO_EINPUT, row, 0, field, "%s%s%s", loc, loc[0] ? ": " : "", msg);
}

void *wf__jalloc(struct wf__jr *r, size_t n, size_t size)
{
	void *p = co_arena_calloc(r->arena, n ? n : 1, size);

	if (!p)
		co_errf(r->e, CO_ENOMEM, "out of memory reading the file");
	return p;
}

const char *wf__jstrdup(struct wf__jr *r, const char *s)
{
	char *p = co_arena_strdup(r->arena, s);

	if (!p)
		co_errf(r->e, CO_ENOMEM, "out of memory reading the file");
	return p;
}

/* Unknown keys are errors. */
int wf__jkeys(struct wf__jr *r, json_t *obj, const char *field, long row,
              const char *const *allowed)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return wf__jfail(r, field, row, "must be an object");
	json_object_foreach(obj, key, v)
	{
		int i, ok = 0;
		for (i = 0; allowed[i]; i++)
			if (strcmp(key, allowed[i]) == 0)
				ok = 1;
		if (!ok)
			return wf__jfail(r, field, row, "unknown key '%s'", key);
	}
	return 0;
}

/* A number (key in obj); missing is an error when required, else *out
 * keeps its default and 1 is returned. */
int wf__jnum(struct wf__jr *r, json_t *obj, const char *key, const char *field, long row,
             int required, double *out)
{
	json_t *v = json_object_get(obj, key);
	double x;

	if (!v) {
		if (required)
			return wf__jfail(r, field, row, "'%s' is missing", key);
		return 1;
	}
	if (!json_is_number(v))
		return wf__jfail(r, field, row, "'%s' must be a number", key);
	x = json_number_value(v);
	if (!isfinite(x))
		return wf__jfail(r, field, row, "'%s' must be a finite number", key);
	*out = x;
	return 0;
}

int wf__jint(struct wf__jr *r, json_t *obj, const char *key, const char *field, long row,
             int required, long lo, long hi, int *out)
{
	double x = 0;
	int rc = wf__jnum(r, obj, key, field, row, required, &x);

	if (rc)
		return rc;
	if (x != floor(x))
		return wf__jfail(r, field, row, "'%s' must be a whole number, not %.10g", key, x);
	if (x < (double)lo || x > (double)hi)
		return wf__jfail(r, field, row, "'%s' %.10g is outside [%ld, %ld]", key, x, lo, hi);
	*out = (int)x;
	return 0;
}

int wf__jcheck(struct wf__jr *r, const char *field, long row, const char *what, int kind, double x)
{
	switch (kind) {
	case WF__K_RATE:
		if (x < 0 || x > 1)
			return wf__jfail(r, field, row, "%s %.10g is outside [0, 1]", what, x);
		break;
	case WF__K_GROWTH:
		if (x < -1)
			return wf__jfail(r, field, row, "%s %.10g is below -1", what, x);
		break;
	case WF__K_POS:
		if (x <= 0)
			return wf__jfail(r, field, row, "%s %.10g must be more than 0", what, x);
		break;
	default:
		if (x < 0)
			return wf__jfail(r, field, row, "%s %.10g is negative", what, x);
	}
	return 0;
}

/* A number that must be in the kind's range. */
int wf__jkind(struct wf__jr *r, json_t *obj, const char *key, const char *field, long row,
              int required, int kind, double *out)
{
	double x = *out;
	int rc = wf__jnum(r, obj, key, field, row, required, &x);

	if (rc)
		return rc;
	if ((rc = wf__jcheck(r, field, row, key, kind, x)))
		return rc;
	*out = x;
	return 0;
}

int wf__jstr(struct wf__jr *r, json_t *obj, const char *key, const char *field, long row,
             const char **out)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return wf__jfail(r, field, row, "'%s' is missing", key);
	if (!json_is_string(v) || json_string_length(v) == 0)
		return wf__jfail(r, field, row, "'%s' must be a non-empty text", key);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return wf__jfail(r, field, row, "'%s' must not contain a NUL character", key);
	*out = json_string_value(v);
	return 0;
}

int wf__jarray(struct wf__jr *r, json_t *obj, const char *key, const char *field, int required,
               json_t **out)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		if (required)
			return wf__jfail(r, field, 0, "is missing");
		*out = NULL;
		return 0;
	}
	if (!json_is_array(v))
		return wf__jfail(r, field, 0, "must be a list");
	if (json_array_size(v) > WF__MAX_ROWS)
		return wf__jfail(r, field, 0, "has more than %d rows", WF__MAX_ROWS);
	*out = v;
	return 0;
}
