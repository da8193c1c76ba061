#include "base/err.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void co_err_clear(struct co_err *e)
{
	if (!e)
		return;
	e->code = 0;
	e->row = 0;
	e->col = 0;
	e->field[0] = '\0';
	e->msg[0] = '\0';
	e->fmt = NULL;
	e->nargs = 0;
}

/* ---- the values of a format, kept apart ---- */

/* The length of the conversion of a printf format at s (just after its
 * '%'): flags, width, precision, length modifier and type; -1 for what
 * errors do not keep (%n, or not a conversion). */
/* Past a width or a precision: '*' or digits. */
static const char *count_end(const char *p)
{
	if (*p == '*')
		return p + 1;
	while (*p >= '0' && *p <= '9')
		p++;
	return p;
}

static int conv_len(const char *s)
{
	const char *p = s;
	int k = 0;

	while (*p && strchr("-+ #0'", *p))
		p++;
	p = count_end(p);
	if (*p == '.')
		p = count_end(p + 1);
	while (*p && strchr("hlzjtL", *p) && k++ < 2)
		p++;
	if (!*p || !strchr("diouxXeEfFgGaAcsp", *p))
		return -1;
	return (int)(p + 1 - s);
}

int co_fmt_conversions(const char *fmt)
{
	int n = 0, len;

	for (; *fmt; fmt++) {
		if (*fmt != '%')
			continue;
		if (fmt[1] == '%') {
			fmt++;
			continue;
		}
		if ((len = conv_len(fmt + 1)) < 0)
			return -1;
		fmt += len;
		n++;
	}
	return n;
}

/* The length vsnprintf() gives the first len characters of fmt (a prefix
 * of the caller's literal, checked by the compiler there), the text in out
 * (size bytes); -1 when it does not fit. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int prefix_text(const char *fmt, size_t len, va_list ap, char *out, size_t size)
{
	char part[CO_MAX_ERRMSG];
	va_list aq;
	int n;

	if (len >= sizeof(part))
		return -1;
	memcpy(part, fmt, len);
	part[len] = '\0';
	va_copy(aq, ap);
	n = vsnprintf(out, size, part, aq);
	va_end(aq);
	return n < 0 || (size_t)n >= size ? -1 : n;
}
#pragma GCC diagnostic pop

/* Keeps the text of each value of fmt in e->args: the text the format up
 * to the end of its conversion makes, less what it makes up to the start
 * (so the C library formats every type). e->nargs is -1 when one cannot be
 * kept (too many, too long, an unknown conversion). */
static void keep_args(struct co_err *e, const char *fmt, va_list ap)
{
	char upto[2 * CO_MAX_ERRMSG], before[2 * CO_MAX_ERRMSG];
	const char *p;
	int n = 0;

	for (p = fmt; *p; p++) {
		int a, b, len;

		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		if ((len = conv_len(p + 1)) < 0 || n == CO_MAX_ERRARGS) {
			n = -1;
			break;
		}
		a = prefix_text(fmt, (size_t)(p - fmt), ap, before, sizeof(before));
		b = prefix_text(fmt, (size_t)(p - fmt) + 1 + (size_t)len, ap, upto, sizeof(upto));
		if (a < 0 || b < a || (size_t)(b - a) >= sizeof(e->args[n])) {
			n = -1;
			break;
		}
		memcpy(e->args[n], upto + a, (size_t)(b - a));
		e->args[n][b - a] = '\0';
		n++;
		p += len;
	}
	e->nargs = n;
}

int co_verrf(struct co_err *e, int code, const char *fmt, va_list ap)
{
	va_list aq;

	if (!e)
		return code;
	co_err_clear(e);
	e->code = code;
	va_copy(aq, ap);
	vsnprintf(e->msg, sizeof(e->msg), fmt, aq);
	va_end(aq);
	e->fmt = fmt;
	keep_args(e, fmt, ap);
	return code;
}

void co_err_text(const struct co_err *e, const char *tmpl, char *out, unsigned long size)
{
	size_t n = 0;
	int k = 0;

	if (!size)
		return;
	if (!tmpl || !e->fmt || e->nargs < 0 || co_fmt_conversions(tmpl) != e->nargs) {
		snprintf(out, size, "%s", e->msg);
		return;
	}
	for (; *tmpl && n + 1 < size; tmpl++) {
		const char *piece = NULL;

		if (*tmpl != '%') {
			out[n++] = *tmpl;
			continue;
		}
		if (tmpl[1] == '%') {
			out[n++] = '%';
			tmpl++;
			continue;
		}
		piece = e->args[k++];
		tmpl += conv_len(tmpl + 1); /* counted above: it parses */
		while (*piece && n + 1 < size)
			out[n++] = *piece++;
	}
	out[n] = '\0';
}

int co_errf(struct co_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	co_verrf(e, code, fmt, ap);
	va_end(ap);
	return code;
}

int co_errf_at(struct co_err *e, int code, long row, long col, const char *field, const char *fmt,
               ...)
{
	va_list ap;

	va_start(ap, fmt);
	co_verrf(e, code, fmt, ap);
	va_end(ap);
	if (e) {
		e->row = row;
		e->col = col;
		if (field)
			snprintf(e->field, sizeof(e->field), "%s", field);
	}
	return code;
}

const char *co_code_name(int code)
{
	switch (code) {
	case CO_OK: return "ok";
	case CO_ENOMEM: return "out of memory";
	case CO_EINPUT: return "bad input";
	case CO_ENOTFOUND: return "not found";
	case CO_ECONFLICT: return "conflict";
	case CO_EIO: return "input/output error";
	case CO_EDB: return "database error";
	case CO_EPERM: return "not allowed";
	case CO_ELIMIT: return "too large";
	default: return "internal error";
	}
}

void co_err_format(const struct co_err *e, char *out, unsigned long size)
{
	char where[160] = "";
	size_t n = 0;

	if (!size)
		return;
	if (e->row > 0)
		n += (size_t)snprintf(where + n, sizeof(where) - n, "row %ld", e->row);
	if (e->col > 0 && n < sizeof(where))
		n += (size_t)snprintf(where + n, sizeof(where) - n, "%scolumn %ld", n ? ", " : "",
		                      e->col);
	if (e->field[0] && n < sizeof(where))
		snprintf(where + n, sizeof(where) - n, n ? " (%s)" : "field %s", e->field);
	if (where[0])
		snprintf(out, size, "%s: %s", where, e->msg);
	else
		snprintf(out, size, "%s", e->msg[0] ? e->msg : co_code_name(e->code));
}
