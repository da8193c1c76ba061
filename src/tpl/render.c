/*
 * render.c - walks a compiled template with a json_t as data, appending to
 * a bounded co_buf.
 *
 * Values are borrowed wherever possible: strings, objects and arrays of the
 * data are pointed to, not copied; only computed text (a ~ b, filters,
 * translations with placeholders) is allocated, from an arena that lives
 * for one tpl_render call. Variables set by {% set %}, loop variables and
 * include arguments are frames on a fixed stack, searched from the top,
 * before the data's root object.
 *
 * Dates are shown in Europe/London: UTC, or BST (UTC+1) from 01:00 UTC on
 * the last Sunday of March to 01:00 UTC on the last Sunday of October (the
 * rule since 1996, Summer Time Order 2002). Day arithmetic follows H.
 * Hinnant, "chrono-Compatible Low-Level Date Algorithms" (days_from_civil,
 * civil_from_days).
 */
#include <assert.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n/i18n.h"
#include "tpl/internal.h"

#define MAX_FRAMES 256

enum vk { V_NULL, V_BOOL, V_INT, V_REAL, V_STR, V_JSON, V_LOOP };

struct loopst {
	size_t index0, length;
};

struct val {
	enum vk k;
	long long i; /* BOOL, INT */
	double r;
	const char *s; /* STR: not NUL-terminated in general */
	size_t n;
	const json_t *j;        /* JSON: an object or an array */
	const struct loopst *l; /* LOOP */
};

struct frame {
	const char *name;
	struct val v;
};

struct rs {
	const struct tpl_set *set;
	const struct i18n_catalog *cat;
	const json_t *root;
	struct co_buf *out;
	struct co_arena ar;
	struct frame st[MAX_FRAMES];
	int top;
	const struct tpl__tpl *chain[TPL_MAX_DEPTH + 1];
	int nchain;
	int depth;
	struct co_err *e;
	int rc;            /* the first error's code */
	const char *tname; /* the template being rendered, for errors */
};

static const struct val v_null = {.k = V_NULL};

static struct val v_str(const char *s, size_t n)
{
	struct val v = {.k = V_STR, .s = s, .n = n};

	return v;
}

static struct val v_int(long long i)
{
	struct val v = {.k = V_INT, .i = i};

	return v;
}

static struct val v_real(double r)
{
	struct val v = {.k = V_REAL, .r = r};

	return v;
}

static struct val v_bool(int b)
{
	struct val v = {.k = V_BOOL, .i = b != 0};

	return v;
}

static struct val from_json(const json_t *j)
{
	struct val v = v_null;

	if (!j)
		return v;
	switch (json_typeof(j)) {
	case JSON_STRING: return v_str(json_string_value(j), json_string_length(j));
	case JSON_INTEGER: return v_int((long long)json_integer_value(j));
	case JSON_REAL: return v_real(json_real_value(j));
	case JSON_TRUE: return v_bool(1);
	case JSON_FALSE: return v_bool(0);
	case JSON_OBJECT:
	case JSON_ARRAY:
		v.k = V_JSON;
		v.j = j;
		return v;
	default: return v;
	}
}

static int fail(struct rs *r, int code, const char *what)
{
	if (!r->rc) {
		r->rc = code;
		co_errf(r->e, code, "%s: %s", r->tname, what);
	}
	return code;
}

/* A co_buf append failed with rc. */
static int fail_buf(struct rs *r, int rc)
{
	return fail(r, rc,
	            rc == CO_ELIMIT ? "the output is larger than its limit" : "out of memory");
}

static int put(struct rs *r, const char *s, size_t n)
{
	int rc = co_buf_add(r->out, s, n);

	return rc ? fail_buf(r, rc) : 0;
}

/* ---- text of values ---- */

/* The text of v: *s and *n point at it (into tmp for numbers, into the
 * arena for JSON). */
static int text_of(struct rs *r, const struct val *v, const char **s, size_t *n, char *tmp,
                   size_t tmpsz)
{
	int k;

	switch (v->k) {
	case V_STR:
		*s = v->s;
		*n = v->n;
		return 0;
	case V_INT: k = snprintf(tmp, tmpsz, "%lld", v->i); break;
	case V_REAL:
		if (!isfinite(v->r))
			k = snprintf(tmp, tmpsz, "%s", "");
		else if (v->r == floor(v->r) && fabs(v->r) < 1e15)
			k = snprintf(tmp, tmpsz, "%.0f", v->r);
		else
			k = snprintf(tmp, tmpsz, "%.15g", v->r);
		break;
	case V_BOOL: k = snprintf(tmp, tmpsz, "%s", v->i ? "true" : "false"); break;
	case V_JSON: {
		char *d = json_dumps(v->j, JSON_COMPACT | JSON_ENCODE_ANY);
		char *c;

		if (!d)
			return fail(r, CO_ENOMEM, "out of memory");
		c = co_arena_strdup(&r->ar, d);
		free(d);
		if (!c)
			return fail(r, CO_ENOMEM, "out of memory");
		*s = c;
		*n = strlen(c);
		return 0;
	}
	default:
		*s = "";
		*n = 0;
		return 0;
	}
	*s = tmp;
	*n = k > 0 ? (size_t)k : 0;
	if (*n >= tmpsz)
		*n = tmpsz - 1;
	return 0;
}

static int put_html(struct rs *r, const char *s, size_t n)
{
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		const char *rep;

		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		if (i > run && put(r, s + run, i - run))
			return -1;
		if (put(r, rep, strlen(rep)))
			return -1;
		run = i + 1;
	}
	return n > run ? put(r, s + run, n - run) : 0;
}

/* Whether a URL is safe to place in href/src: relative, or with a scheme
 * of http, https, mailto or tel. The scheme is read as browsers read it
 * (WHATWG URL): leading C0 controls and spaces skipped, tabs and newlines
 * ignored anywhere. */
static int url_safe(const char *s, size_t n)
{
	static const char *const ok[] = {"http", "https", "mailto", "tel", NULL};
	char scheme[16];
	size_t i = 0, k = 0;
	int j;

	while (i < n && (unsigned char)s[i] <= 0x20)
		i++;
	for (; i < n; i++) {
		char ch = s[i];

		if (ch == '\t' || ch == '\n' || ch == '\r')
			continue;
		if (ch == ':')
			break;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (k > 0 && ((ch >= '0' && ch <= '9') || ch == '+' || ch == '-' || ch == '.'))))
			return 1; /* no scheme: a relative URL */
		if (k < sizeof(scheme) - 1)
			scheme[k] = (char)(ch | 0x20);
		k++;
	}
	if (i >= n || k == 0)
		return 1;
	if (k >= sizeof(scheme))
		return 0;
	scheme[k] = '\0';
	for (j = 0; ok[j]; j++)
		if (strcmp(scheme, ok[j]) == 0)
			return 1;
	return 0;
}

static int emit(struct rs *r, const struct val *v, enum tpl__esc esc)
{
	char tmp[64];
	const char *s = "";
	size_t n = 0;

	if (text_of(r, v, &s, &n, tmp, sizeof(tmp)))
		return -1;
	switch (esc) {
	case TPL__ESC_NONE: return put(r, s, n);
	case TPL__ESC_URL:
		if (!url_safe(s, n))
			return put(r, "#blocked", 8);
		return put_html(r, s, n);
	default: return put_html(r, s, n);
	}
}

static int truthy(const struct val *v)
{
	switch (v->k) {
	case V_BOOL:
	case V_INT: return v->i != 0;
	case V_REAL: return v->r != 0;
	case V_STR: return v->n > 0;
	case V_JSON:
		return json_is_array(v->j) ? json_array_size(v->j) > 0 : json_object_size(v->j) > 0;
	case V_LOOP: return 1;
	default: return 0;
	}
}

static int is_num(const struct val *v)
{
	return v->k == V_INT || v->k == V_REAL;
}

static double num(const struct val *v)
{
	return v->k == V_INT ? (double)v->i : v->r;
}

static int equal(const struct val *a, const struct val *b)
{
	if (is_num(a) && is_num(b)) {
		if (a->k == V_INT && b->k == V_INT)
			return a->i == b->i;
		return num(a) == num(b);
	}
	if (a->k != b->k)
		return 0;
	switch (a->k) {
	case V_NULL: return 1;
	case V_BOOL: return a->i == b->i;
	case V_STR: return a->n == b->n && (a->n == 0 || memcmp(a->s, b->s, a->n) == 0);
	case V_JSON: return json_equal((json_t *)a->j, (json_t *)b->j);
	default: return a->l == b->l;
	}
}

/* <0, 0, >0; *ok = 0 when the two cannot be ordered. */
static int order(const struct val *a, const struct val *b, int *ok)
{
	*ok = 1;
	if (is_num(a) && is_num(b)) {
		if (a->k == V_INT && b->k == V_INT)
			return a->i < b->i ? -1 : a->i > b->i;
		return num(a) < num(b) ? -1 : num(a) > num(b);
	}
	if (a->k == V_STR && b->k == V_STR) {
		size_t n = a->n < b->n ? a->n : b->n;
		int c = n ? memcmp(a->s, b->s, n) : 0;

		return c ? c : (a->n < b->n ? -1 : a->n > b->n);
	}
	*ok = 0;
	return 0;
}

/* ---- variables ---- */

static struct val lookup(const struct rs *r, const char *name)
{
	int i;

	for (i = r->top - 1; i >= 0; i--)
		if (strcmp(r->st[i].name, name) == 0)
			return r->st[i].v;
	if (json_is_object(r->root))
		return from_json(json_object_get(r->root, name));
	return v_null;
}

static int push(struct rs *r, const char *name, const struct val *v)
{
	if (r->top >= MAX_FRAMES)
		return fail(r, CO_ELIMIT, "too many variables (set, loops, include arguments)");
	r->st[r->top].name = name;
	r->st[r->top].v = *v;
	r->top++;
	return 0;
}

/* Parses a whole string as a decimal index. */
static int parse_index(const char *s, size_t n, long long *out)
{
	long long v = 0;
	size_t i = 0;
	int neg = 0;

	if (n && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i >= n || n - i > 18)
		return 0;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = neg ? -v : v;
	return 1;
}

static struct val member(const struct val *base, const char *key, size_t klen)
{
	long long idx;

	if (base->k == V_JSON) {
		if (json_is_object(base->j))
			return from_json(json_object_getn(base->j, key, klen));
		if (parse_index(key, klen, &idx)) {
			size_t n = json_array_size(base->j);

			if (idx < 0)
				idx += (long long)n;
			if (idx >= 0 && (size_t)idx < n)
				return from_json(json_array_get(base->j, (size_t)idx));
		}
		return v_null;
	}
	if (base->k == V_LOOP) {
		const struct loopst *l = base->l;

		if (klen == 5 && !memcmp(key, "index", 5))
			return v_int((long long)l->index0 + 1);
		if (klen == 6 && !memcmp(key, "index0", 6))
			return v_int((long long)l->index0);
		if (klen == 5 && !memcmp(key, "first", 5))
			return v_bool(l->index0 == 0);
		if (klen == 4 && !memcmp(key, "last", 4))
			return v_bool(l->index0 + 1 == l->length);
		if (klen == 6 && !memcmp(key, "length", 6))
			return v_int((long long)l->length);
		if (klen == 8 && !memcmp(key, "revindex", 8))
			return v_int((long long)(l->length - l->index0));
	}
	return v_null;
}

/* ---- expressions ---- */

static int eval(struct rs *r, const struct tpl__expr *e, struct val *out);

static char *arena_text(struct rs *r, size_t n)
{
	char *p = co_arena_alloc(&r->ar, n + 1);

	if (!p)
		fail(r, CO_ENOMEM, "out of memory");
	return p;
}

static int concat(struct rs *r, const struct val *a, const struct val *b, struct val *out)
{
	char t1[64], t2[64];
	const char *s1, *s2;
	size_t n1, n2;
	char *p;

	if (text_of(r, a, &s1, &n1, t1, sizeof(t1)) || text_of(r, b, &s2, &n2, t2, sizeof(t2)))
		return -1;
	p = arena_text(r, n1 + n2);
	if (!p)
		return -1;
	memcpy(p, s1, n1);
	memcpy(p + n1, s2, n2);
	p[n1 + n2] = '\0';
	*out = v_str(p, n1 + n2);
	return 0;
}

static int contains(const struct val *a, const struct val *b)
{
	size_t i;

	if (b->k == V_JSON && json_is_array(b->j)) {
		for (i = 0; i < json_array_size(b->j); i++) {
			struct val x = from_json(json_array_get(b->j, i));

			if (equal(a, &x))
				return 1;
		}
		return 0;
	}
	if (b->k == V_JSON && json_is_object(b->j))
		return a->k == V_STR && json_object_getn(b->j, a->s, a->n) != NULL;
	if (b->k == V_STR && a->k == V_STR) {
		if (a->n == 0)
			return 1;
		for (i = 0; a->n <= b->n && i <= b->n - a->n; i++)
			if (memcmp(b->s + i, a->s, a->n) == 0)
				return 1;
	}
	return 0;
}

static int arith(enum tpl__binop op, const struct val *a, const struct val *b, struct val *out)
{
	long long x;

	*out = v_null;
	if (!is_num(a) || !is_num(b))
		return 0;
	if (a->k == V_INT && b->k == V_INT) {
		switch (op) {
		case TPL__OP_ADD:
			if (!__builtin_add_overflow(a->i, b->i, &x))
				*out = v_int(x);
			else
				*out = v_real((double)a->i + (double)b->i);
			return 0;
		case TPL__OP_SUB:
			if (!__builtin_sub_overflow(a->i, b->i, &x))
				*out = v_int(x);
			else
				*out = v_real((double)a->i - (double)b->i);
			return 0;
		case TPL__OP_MUL:
			if (!__builtin_mul_overflow(a->i, b->i, &x))
				*out = v_int(x);
			else
				*out = v_real((double)a->i * (double)b->i);
			return 0;
		case TPL__OP_DIV:
			if (b->i == 0)
				return 0;
			if (b->i != -1 && a->i % b->i == 0)
				*out = v_int(a->i / b->i);
			else
				*out = v_real((double)a->i / (double)b->i);
			return 0;
		case TPL__OP_MOD:
			if (b->i == 0 || b->i == -1)
				*out = b->i ? v_int(0) : v_null;
			else
				*out = v_int(a->i % b->i);
			return 0;
		default: return 0;
		}
	}
	switch (op) {
	case TPL__OP_ADD: *out = v_real(num(a) + num(b)); break;
	case TPL__OP_SUB: *out = v_real(num(a) - num(b)); break;
	case TPL__OP_MUL: *out = v_real(num(a) * num(b)); break;
	case TPL__OP_DIV:
		if (num(b) != 0)
			*out = v_real(num(a) / num(b));
		break;
	case TPL__OP_MOD:
		if (num(b) != 0)
			*out = v_real(fmod(num(a), num(b)));
		break;
	default: break;
	}
	return 0;
}

/* The count of a plural, as gettext wants it: a non-negative integer. */
static unsigned long count_of(const struct val *v)
{
	double d;

	if (v->k == V_INT)
		return v->i < 0 ? (unsigned long)(-(v->i + 1)) + 1 : (unsigned long)v->i;
	if (v->k == V_REAL && isfinite(v->r)) {
		d = fabs(v->r);
		return d >= 4e18 ? (unsigned long)4e18 : (unsigned long)d;
	}
	if (v->k == V_BOOL)
		return (unsigned long)v->i;
	return 0;
}

/* Writes str with its {name} placeholders filled from m's arguments (or
 * the count), escaping the values when html, to out (an arena string)
 * or, when out is NULL, straight to the page. */
static int fill(struct rs *r, const struct tpl__msg *m, const char *str, const struct val *count,
                int html, struct val *out)
{
	struct co_buf b;
	const char *p = str, *q;
	int brc = 0;

	co_buf_init(&b, r->out->max);
	while ((q = strchr(p, '{')) != NULL) {
		const char *e = q + 1;
		const struct tpl__kwarg *k;
		struct val v;
		char tmp[64];
		const char *s;
		size_t n, nl;

		while ((*e >= 'a' && *e <= 'z') || (*e >= 'A' && *e <= 'Z') ||
		       (*e >= '0' && *e <= '9') || *e == '_')
			e++;
		nl = (size_t)(e - q - 1);
		if (*e != '}' || nl == 0) {
			/* not a placeholder: copy through the brace */
			brc = out ? co_buf_add(&b, p, (size_t)(q - p) + 1)
			          : put(r, p, (size_t)(q - p) + 1);
			if (brc)
				goto buf_err;
			p = q + 1;
			continue;
		}
		for (k = m->args; k; k = k->next)
			if (strlen(k->name) == nl && !memcmp(k->name, q + 1, nl))
				break;
		if (k) {
			if (eval(r, k->value, &v))
				goto err;
		} else if (count && m->count_name && strlen(m->count_name) == nl &&
		           !memcmp(m->count_name, q + 1, nl)) {
			v = *count;
		} else {
			/* unknown in this translation: leave it visible */
			brc = out ? co_buf_add(&b, p, (size_t)(e - p) + 1)
			          : put(r, p, (size_t)(e - p) + 1);
			if (brc)
				goto buf_err;
			p = e + 1;
			continue;
		}
		brc = out ? co_buf_add(&b, p, (size_t)(q - p)) : put(r, p, (size_t)(q - p));
		if (brc)
			goto buf_err;
		if (out) {
			if (text_of(r, &v, &s, &n, tmp, sizeof(tmp)))
				goto err;
			brc = co_buf_add(&b, s, n);
			if (brc)
				goto buf_err;
		} else if (emit(r, &v, html ? TPL__ESC_HTML : TPL__ESC_NONE)) {
			goto err;
		}
		p = e + 1;
	}
	if (out) {
		char *d;

		brc = co_buf_adds(&b, p);
		if (brc)
			goto buf_err;
		d = arena_text(r, b.len);
		if (!d)
			goto err;
		memcpy(d, b.data, b.len);
		d[b.len] = '\0';
		*out = v_str(d, b.len);
	} else if (put(r, p, strlen(p))) {
		goto err;
	}
	co_buf_free(&b);
	return 0;
buf_err:
	fail_buf(r, brc); /* put() has reported it already; fail keeps the first */
err:
	co_buf_free(&b);
	return -1;
}

/* The translation of m: to *out as text, or (out NULL) straight to the
 * page as trusted HTML with escaped values. */
static int translate(struct rs *r, const struct tpl__msg *m, int html, struct val *out)
{
	struct val cv = v_null;
	unsigned long n = 1;
	const char *str;

	if (m->count) {
		if (eval(r, m->count, &cv))
			return -1;
		n = count_of(&cv);
	}
	str = i18n_npgettext(r->cat, m->ctx, m->msgid, m->plural, n);
	if (out && !strchr(str, '{')) {
		*out = v_str(str, strlen(str));
		return 0;
	}
	return fill(r, m, str, m->count ? &cv : NULL, html, out);
}

/* ---- dates ---- */

static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
	long long era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (long long)yoe + era * 400 + (*m <= 2);
}

/* Days since 1970-01-01 of the last Sunday of month m (1-12) of year y. */
static long long last_sunday(long long y, unsigned m)
{
	long long last = days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - 1;
	long long wd = (last + 4) % 7; /* 1970-01-01 was a Thursday; 0 = Sunday */

	if (wd < 0)
		wd += 7;
	return last - wd;
}

struct when {
	long long y;
	unsigned mon, day, hour, min;
};

static void london(long long t, struct when *w)
{
	long long days, secs, y, start, end;
	unsigned m, d;

	days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	civil_from_days(days, &y, &m, &d);
	start = last_sunday(y, 3) * 86400 + 3600;
	end = last_sunday(y, 10) * 86400 + 3600;
	if (t >= start && t < end)
		t += 3600;
	days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	secs = t - days * 86400;
	civil_from_days(days, &w->y, &w->mon, &w->day);
	w->hour = (unsigned)(secs / 3600);
	w->min = (unsigned)(secs % 3600 / 60);
}

static const char *const months[] = {"January",   "February", "March",    "April",
                                     "May",       "June",     "July",     "August",
                                     "September", "October",  "November", "December"};

static int fmt_date(struct rs *r, enum tpl__filter f, const struct val *in, struct val *out)
{
	char buf[128];
	struct when w;
	double t;
	int k = 0;

	if (!is_num(in)) {
		*out = *in;
		return 0;
	}
	t = num(in);
	if (!(t > -1e13 && t < 1e13)) { /* +-300,000 years */
		*out = v_null;
		return 0;
	}
	london((long long)floor(t), &w);
	switch (f) {
	case TPL__F_DATE:
		k = snprintf(buf, sizeof(buf), "%u %s %lld", w.day,
		             i18n_pgettext(r->cat, "month", months[w.mon - 1]), w.y);
		break;
	case TPL__F_TIME: k = snprintf(buf, sizeof(buf), "%02u:%02u", w.hour, w.min); break;
	case TPL__F_ISODATE:
		k = snprintf(buf, sizeof(buf), "%04lld-%02u-%02u", w.y, w.mon, w.day);
		break;
	default: { /* datetime: "{date} at {time}" through the catalogue */
		char date[96], time[16];
		const char *pat = i18n_gettext(r->cat, "{date} at {time}");
		const char *p;
		size_t n = 0;

		snprintf(date, sizeof(date), "%u %s %lld", w.day,
		         i18n_pgettext(r->cat, "month", months[w.mon - 1]), w.y);
		snprintf(time, sizeof(time), "%02u:%02u", w.hour, w.min);
		for (p = pat; *p && n + 1 < sizeof(buf); p++) {
			const char *ins = NULL;

			if (!strncmp(p, "{date}", 6)) {
				ins = date;
				p += 5;
			} else if (!strncmp(p, "{time}", 6)) {
				ins = time;
				p += 5;
			}
			if (ins) {
				size_t l = strlen(ins);

				if (n + l >= sizeof(buf))
					break;
				memcpy(buf + n, ins, l);
				n += l;
			} else {
				buf[n++] = *p;
			}
		}
		buf[n] = '\0';
		k = (int)n;
		break;
	}
	}
	if (k < 0)
		k = 0;
	{
		char *d = arena_text(r, (size_t)k);

		if (!d)
			return -1;
		memcpy(d, buf, (size_t)k);
		d[k] = '\0';
		*out = v_str(d, (size_t)k);
	}
	return 0;
}

/* ---- filters ---- */

static int f_number(struct rs *r, const struct val *in, const struct val *arg, struct val *out)
{
	char digits[400], res[512];
	long long dec = 0;
	int neg, k;
	size_t i, n, intlen, o = 0;
	double v;

	if (!is_num(in)) {
		*out = *in;
		return 0;
	}
	if (arg && arg->k == V_INT)
		dec = arg->i < 0 ? 0 : arg->i > 6 ? 6 : arg->i;
	if (in->k == V_INT && dec == 0) {
		k = snprintf(digits, sizeof(digits), "%lld", in->i);
	} else {
		v = num(in);
		if (!isfinite(v) || fabs(v) > 1e300) {
			*out = v_null;
			return 0;
		}
		k = snprintf(digits, sizeof(digits), "%.*f", (int)dec, v);
	}
	if (k <= 0 || (size_t)k >= sizeof(digits)) {
		*out = v_null;
		return 0;
	}
	n = (size_t)k;
	neg = digits[0] == '-';
	if (neg && strspn(digits + 1, "0.") == n - 1)
		neg = 0; /* "-0.00" */
	i = digits[0] == '-' ? 1 : 0;
	for (intlen = 0; i + intlen < n && digits[i + intlen] != '.'; intlen++)
		;
	if (neg)
		res[o++] = '-';
	for (size_t j = 0; j < intlen; j++) {
		if (j > 0 && (intlen - j) % 3 == 0)
			res[o++] = ',';
		res[o++] = digits[i + j];
	}
	for (size_t j = i + intlen; j < n; j++)
		res[o++] = digits[j];
	{
		char *d = arena_text(r, o);

		if (!d)
			return -1;
		memcpy(d, res, o);
		d[o] = '\0';
		*out = v_str(d, o);
	}
	return 0;
}

static int f_url(struct rs *r, const struct val *in, struct val *out)
{
	static const char hex[] = "0123456789ABCDEF";
	char tmp[64];
	const char *s;
	size_t n, i, o = 0;
	char *d;

	if (text_of(r, in, &s, &n, tmp, sizeof(tmp)))
		return -1;
	if (n > r->out->max / 3)
		return fail(r, CO_ELIMIT, "the output is larger than its limit");
	d = arena_text(r, n * 3);
	if (!d)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
			d[o++] = (char)ch;
		} else {
			d[o++] = '%';
			d[o++] = hex[ch >> 4];
			d[o++] = hex[ch & 15];
		}
	}
	d[o] = '\0';
	*out = v_str(d, o);
	return 0;
}

static int f_join(struct rs *r, const struct val *in, const struct val *sep, struct val *out)
{
	struct co_buf b;
	char tmp[64], stmp[64];
	const char *s, *ss = ", ";
	size_t n, sn = 2, i;
	char *d;

	if (in->k != V_JSON || !json_is_array(in->j)) {
		*out = *in;
		return 0;
	}
	if (sep && text_of(r, sep, &ss, &sn, stmp, sizeof(stmp)))
		return -1;
	co_buf_init(&b, r->out->max);
	for (i = 0; i < json_array_size(in->j); i++) {
		struct val x = from_json(json_array_get(in->j, i));

		if (text_of(r, &x, &s, &n, tmp, sizeof(tmp)))
			goto err;
		if ((i && co_buf_add(&b, ss, sn)) || co_buf_add(&b, s, n)) {
			fail(r, CO_ELIMIT, "the output is larger than its limit");
			goto err;
		}
	}
	d = arena_text(r, b.len);
	if (!d)
		goto err;
	memcpy(d, b.data ? b.data : "", b.len);
	d[b.len] = '\0';
	*out = v_str(d, b.len);
	co_buf_free(&b);
	return 0;
err:
	co_buf_free(&b);
	return -1;
}

static int f_case(struct rs *r, const struct val *in, int upper, struct val *out)
{
	char *d;
	size_t i;

	if (in->k != V_STR) {
		*out = *in;
		return 0;
	}
	d = arena_text(r, in->n);
	if (!d)
		return -1;
	for (i = 0; i < in->n; i++) {
		char ch = in->s[i];

		if (upper && ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 32);
		else if (!upper && ch >= 'A' && ch <= 'Z')
			ch = (char)(ch + 32);
		d[i] = ch;
	}
	d[in->n] = '\0';
	*out = v_str(d, in->n);
	return 0;
}

static int filter(struct rs *r, const struct tpl__expr *e, struct val *out)
{
	struct val in, arg;
	const struct val *argp = NULL;
	size_t i, n;

	if (eval(r, e->u.filter.a, &in))
		return -1;
	if (e->u.filter.f == TPL__F_DEFAULT) {
		if (in.k == V_NULL || (in.k == V_BOOL && !in.i) || (in.k == V_STR && in.n == 0))
			return eval(r, e->u.filter.arg, out);
		*out = in;
		return 0;
	}
	if (e->u.filter.arg) {
		if (eval(r, e->u.filter.arg, &arg))
			return -1;
		argp = &arg;
	}
	switch (e->u.filter.f) {
	case TPL__F_URL: return f_url(r, &in, out);
	case TPL__F_LENGTH:
		if (in.k == V_JSON)
			*out = v_int((long long)(json_is_array(in.j) ? json_array_size(in.j)
			                                             : json_object_size(in.j)));
		else if (in.k == V_STR) {
			/* characters: UTF-8 continuation bytes are not counted */
			for (i = 0, n = 0; i < in.n; i++)
				n += ((unsigned char)in.s[i] & 0xC0) != 0x80;
			*out = v_int((long long)n);
		} else
			*out = v_int(0);
		return 0;
	case TPL__F_JOIN: return f_join(r, &in, argp, out);
	case TPL__F_NUMBER: return f_number(r, &in, argp, out);
	case TPL__F_DATE:
	case TPL__F_DATETIME:
	case TPL__F_TIME:
	case TPL__F_ISODATE: return fmt_date(r, e->u.filter.f, &in, out);
	case TPL__F_UPPER:
	case TPL__F_LOWER: return f_case(r, &in, e->u.filter.f == TPL__F_UPPER, out);
	default: *out = in; return 0;
	}
}

static int eval(struct rs *r, const struct tpl__expr *e, struct val *out)
{
	struct val a, b;
	int ok, c;

	switch (e->kind) {
	case TPL__E_LIT:
		switch (e->u.lit.kind) {
		case TPL__L_BOOL: *out = v_bool((int)e->u.lit.i); break;
		case TPL__L_INT: *out = v_int(e->u.lit.i); break;
		case TPL__L_REAL: *out = v_real(e->u.lit.r); break;
		case TPL__L_STR: *out = v_str(e->u.lit.s, e->u.lit.len); break;
		default: *out = v_null;
		}
		return 0;
	case TPL__E_NAME:
		if (strcmp(e->u.name, "loop") == 0) {
			int i;

			for (i = r->top - 1; i >= 0; i--)
				if (r->st[i].v.k == V_LOOP && strcmp(r->st[i].name, "loop") == 0)
					break;
			*out = i >= 0 ? r->st[i].v : v_null;
			return 0;
		}
		*out = lookup(r, e->u.name);
		return 0;
	case TPL__E_ATTR:
		if (eval(r, e->u.op.a, &a))
			return -1;
		*out = member(&a, e->u.op.name, strlen(e->u.op.name));
		return 0;
	case TPL__E_INDEX: {
		char tmp[32];

		if (eval(r, e->u.op.a, &a) || eval(r, e->u.op.b, &b))
			return -1;
		if (b.k == V_STR) {
			*out = member(&a, b.s, b.n);
		} else if (b.k == V_INT) {
			int k = snprintf(tmp, sizeof(tmp), "%lld", b.i);

			*out = member(&a, tmp, (size_t)k);
		} else {
			*out = v_null;
		}
		return 0;
	}
	case TPL__E_NOT:
		if (eval(r, e->u.op.a, &a))
			return -1;
		*out = v_bool(!truthy(&a));
		return 0;
	case TPL__E_NEG:
		if (eval(r, e->u.op.a, &a))
			return -1;
		if (a.k == V_INT && a.i != LLONG_MIN)
			*out = v_int(-a.i);
		else if (is_num(&a))
			*out = v_real(-num(&a));
		else
			*out = v_null;
		return 0;
	case TPL__E_AND:
		if (eval(r, e->u.op.a, &a))
			return -1;
		if (!truthy(&a)) {
			*out = a;
			return 0;
		}
		return eval(r, e->u.op.b, out);
	case TPL__E_OR:
		if (eval(r, e->u.op.a, &a))
			return -1;
		if (truthy(&a)) {
			*out = a;
			return 0;
		}
		return eval(r, e->u.op.b, out);
	case TPL__E_BIN:
		if (eval(r, e->u.op.a, &a) || eval(r, e->u.op.b, &b))
			return -1;
		switch (e->u.op.op) {
		case TPL__OP_EQ: *out = v_bool(equal(&a, &b)); return 0;
		case TPL__OP_NE: *out = v_bool(!equal(&a, &b)); return 0;
		case TPL__OP_LT:
		case TPL__OP_LE:
		case TPL__OP_GT:
		case TPL__OP_GE:
			c = order(&a, &b, &ok);
			*out = v_bool(ok && (e->u.op.op == TPL__OP_LT   ? c < 0
			                     : e->u.op.op == TPL__OP_LE ? c <= 0
			                     : e->u.op.op == TPL__OP_GT ? c > 0
			                                                : c >= 0));
			return 0;
		case TPL__OP_IN: *out = v_bool(contains(&a, &b)); return 0;
		case TPL__OP_CAT: return concat(r, &a, &b, out);
		default: return arith(e->u.op.op, &a, &b, out);
		}
	case TPL__E_FILTER: return filter(r, e, out);
	case TPL__E_GETTEXT: return translate(r, &e->u.msg, 0, out);
	case TPL__E_COND:
		if (eval(r, e->u.op.b, &a))
			return -1;
		return eval(r, truthy(&a) ? e->u.op.a : e->u.op.c, out);
	}
	*out = v_null;
	return 0;
}

/* ---- nodes ---- */

static int render_list(struct rs *r, const struct tpl__node *n);
static int render_tpl(struct rs *r, const struct tpl__tpl *t);

static const struct tpl__node *find_block(const struct rs *r, const char *name)
{
	int i;

	for (i = 0; i < r->nchain; i++) {
		const struct tpl__blockdef *b;

		for (b = r->chain[i]->blocks; b; b = b->next)
			if (strcmp(b->name, name) == 0)
				return b->body;
	}
	return NULL;
}

static int render_for(struct rs *r, const struct tpl__node *n)
{
	struct val coll, item, key;
	struct loopst ls;
	struct val lv = {.k = V_LOOP, .l = &ls};
	int base = r->top, rc = 0;
	size_t i;

	if (eval(r, n->u.loop.e, &coll))
		return -1;
	if (coll.k != V_JSON || !truthy(&coll))
		return render_list(r, n->u.loop.els);
	ls.index0 = 0;
	ls.length = json_is_array(coll.j) ? json_array_size(coll.j) : json_object_size(coll.j);
	if (push(r, "loop", &lv) || (n->u.loop.key && push(r, n->u.loop.key, &v_null)) ||
	    push(r, n->u.loop.val, &v_null))
		return -1;
	if (json_is_array(coll.j)) {
		for (i = 0; i < ls.length && !rc; i++) {
			ls.index0 = i;
			item = from_json(json_array_get(coll.j, i));
			if (n->u.loop.key)
				r->st[base + 1].v = v_int((long long)i);
			r->st[r->top - 1].v = item;
			rc = render_list(r, n->u.loop.body);
		}
	} else {
		const char *k;
		json_t *v;

		i = 0;
		json_object_foreach((json_t *)coll.j, k, v)
		{
			ls.index0 = i++;
			key = v_str(k, strlen(k));
			if (n->u.loop.key) {
				r->st[base + 1].v = key;
				r->st[r->top - 1].v = from_json(v);
			} else {
				r->st[r->top - 1].v = key;
			}
			rc = render_list(r, n->u.loop.body);
			if (rc)
				break;
		}
	}
	r->top = base;
	return rc;
}

static int render_include(struct rs *r, const struct tpl__node *n)
{
	const struct tpl__kwarg *k;
	struct val vals[32];
	int base = r->top, i = 0, rc;

	for (k = n->u.inc.args; k; k = k->next) {
		if (i >= (int)(sizeof(vals) / sizeof(vals[0])))
			return fail(r, CO_ELIMIT, "too many include arguments");
		if (eval(r, k->value, &vals[i++]))
			return -1;
	}
	/* pushed after all are evaluated: an argument sees the caller's values */
	for (k = n->u.inc.args, i = 0; k; k = k->next, i++)
		if (push(r, k->name, &vals[i]))
			return -1;
	rc = render_tpl(r, n->u.inc.tpl);
	r->top = base;
	return rc;
}

static int render_list(struct rs *r, const struct tpl__node *n)
{
	int base = r->top, rc = 0;
	struct val v;

	for (; n && !rc; n = n->next) {
		switch (n->kind) {
		case TPL__N_TEXT: rc = put(r, n->u.text.s, n->u.text.len); break;
		case TPL__N_OUT: rc = eval(r, n->u.out.e, &v) || emit(r, &v, n->u.out.esc); break;
		case TPL__N_IF:
			rc = eval(r, n->u.cond.cond, &v);
			if (!rc)
				rc = render_list(r, truthy(&v) ? n->u.cond.then : n->u.cond.els);
			break;
		case TPL__N_FOR: rc = render_for(r, n); break;
		case TPL__N_SET: rc = eval(r, n->u.set.e, &v) || push(r, n->u.set.name, &v); break;
		case TPL__N_INCLUDE: rc = render_include(r, n); break;
		case TPL__N_BLOCK: rc = render_list(r, find_block(r, n->u.block.name)); break;
		case TPL__N_TRANS: rc = translate(r, &n->u.trans.msg, n->u.trans.html, NULL); break;
		}
	}
	r->top = base;
	return rc ? -1 : 0;
}

static int render_tpl(struct rs *r, const struct tpl__tpl *t)
{
	const struct tpl__tpl *saved[TPL_MAX_DEPTH + 1], *p;
	const char *saved_name = r->tname;
	int nsaved = r->nchain, rc;

	assert(t);
	if (++r->depth > TPL_MAX_DEPTH)
		return fail(r, CO_ELIMIT, "includes nest too deeply");
	memcpy(saved, r->chain, sizeof(const struct tpl__tpl *) * (size_t)nsaved);
	r->nchain = 0;
	for (p = t; p; p = p->parent) {
		if (r->nchain > TPL_MAX_DEPTH)
			return fail(r, CO_ELIMIT, "templates extend too deeply");
		r->chain[r->nchain++] = p;
	}
	r->tname = t->name;
	rc = render_list(r, r->chain[r->nchain - 1]->body);
	r->tname = saved_name;
	memcpy(r->chain, saved, sizeof(const struct tpl__tpl *) * (size_t)nsaved);
	r->nchain = nsaved;
	r->depth--;
	return rc;
}

int tpl_render(const struct tpl_set *set, const char *name, const json_t *data, const char *lang,
               struct co_buf *out, struct co_err *e)
{
	const struct tpl__tpl *t;
	struct rs *r;
	int rc;

	if (!set)
		set = tpl_embedded();
	if (!set)
		return co_errf(e, CO_EINTERNAL, "the templates failed to compile");
	t = tpl__find(set, name);
	if (!t)
		return co_errf(e, CO_ENOTFOUND, "no template named '%s'", name);
	r = malloc(sizeof(*r));
	if (!r)
		return co_errf(e, CO_ENOMEM, "out of memory");
	r->set = set;
	r->cat = i18n_catalog(lang);
	r->root = data;
	r->out = out;
	co_arena_init(&r->ar, 0);
	r->top = 0;
	r->nchain = 0;
	r->depth = 0;
	r->e = e;
	r->rc = 0;
	r->tname = t->name;
	rc = render_tpl(r, t) ? (r->rc ? r->rc : CO_EINTERNAL) : 0;
	co_arena_free(&r->ar);
	free(r);
	return rc;
}
