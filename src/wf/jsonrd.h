/*
 * jsonrd.h - what the engine's JSON readers share (jansson). Only the
 * *_json.c files include it, so that the equations never depend on JSON.
 */
#ifndef WF_JSONRD_H
#define WF_JSONRD_H

#include <jansson.h>

#include "base/arena.h"
#include "base/err.h"

struct wf_model;

struct wf__jr {
	struct wf_model *m;     /* the projection model being read, or NULL */
	struct co_arena *arena; /* where what is read is allocated */
	struct co_err *e;
	char where[160]; /* "profession mhn": the start of every message */
};

/* CO_EINPUT with "WHERE, FIELD row ROW: message"; e->row and e->field set. */
int wf__jfail(struct wf__jr *r, const char *field, long row, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
void *wf__jalloc(struct wf__jr *r, size_t n, size_t size);
const char *wf__jstrdup(struct wf__jr *r, const char *s);
/* Unknown keys are errors (allowed: NULL-terminated list). */
int wf__jkeys(struct wf__jr *r, json_t *obj, const char *field, long row,
              const char *const *allowed);
/* A number under key: 0, 1 when missing and not required (*out untouched),
 * or an error. */
int wf__jnum(struct wf__jr *r, json_t *obj, const char *key, const char *field, long row,
             int required, double *out);
int wf__jint(struct wf__jr *r, json_t *obj, const char *key, const char *field, long row,
             int required, long lo, long hi, int *out);
/* Checks x against a range kind (enum wf__kind of wf_int.h). */
int wf__jcheck(struct wf__jr *r, const char *field, long row, const char *what, int kind, double x);
int wf__jkind(struct wf__jr *r, json_t *obj, const char *key, const char *field, long row,
              int required, int kind, double *out);
int wf__jstr(struct wf__jr *r, json_t *obj, const char *key, const char *field, long row,
             const char **out);
/* A list under key (NULL when missing and not required). */
int wf__jarray(struct wf__jr *r, json_t *obj, const char *key, const char *field, int required,
               json_t **out);

#endif
