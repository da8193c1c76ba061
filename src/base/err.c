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

/* One conversion of a printf format at s (just after its '%'): its length
 * (the characters after the '%') and its parts. Returns -1 for what errors
 * do not keep. */
struct conv {
	size_t len;
	int star_width, star_prec;
	char lenmod[3]; /* "", "h", "hh", "l", "ll", "z", "j", "t", "L" */
	char type;
};

static int conv_parse(const char *s, struct conv *c)
{
	const char *p = s;
	size_t k = 0;

	memset(c, 0, sizeof(*c));
	while (*p && strchr("-+ #0'", *p))
		p++;
	if (*p == '*') {
		c->star_width = 1;
		p++;
	} else {
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == '.') {
		p++;
		if (*p == '*') {
			c->star_prec = 1;
			p++;
		} else {
			while (*p >= '0' && *p <= '9')
				p++;
		}
	}
	while (*p && strchr("hlzjtL", *p) && k < 2)
		c->lenmod[k++] = *p++;
	c->lenmod[k] = '\0';
	if (!*p || !strchr("diouxXeEfFgGaAcsp", *p))
		return -1; /* %n, or not a conversion */
	c->type = *p++;
	c->len = (size_t)(p - s);
	return 0;
}

int co_fmt_conversions(const char *fmt)
{
	int n = 0;
	struct conv c;

	for (; *fmt; fmt++) {
		if (*fmt != '%')
			continue;
		if (fmt[1] == '%') {
			fmt++;
			continue;
		}
		if (conv_parse(fmt + 1, &c) < 0)
			return -1;
		fmt += c.len;
		n++;
	}
	return n;
}

/* The text of one value: spec is the conversion with any '*' already
 * replaced by its number. The format comes from the caller's literal,
 * checked by the compiler there. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int conv_text(char *out, size_t size, const char *spec, const struct conv *c, va_list *ap)
{
	const char *m = c->lenmod;
	int n;

	switch (c->type) {
	case 'd':
	case 'i':
		if (!strcmp(m, "l"))
			n = snprintf(out, size, spec, va_arg(*ap, long));
		else if (!strcmp(m, "ll"))
			n = snprintf(out, size, spec, va_arg(*ap, long long));
		else if (!strcmp(m, "z") || !strcmp(m, "t"))
			n = snprintf(out, size, spec, va_arg(*ap, ptrdiff_t));
		else if (!strcmp(m, "j"))
			n = snprintf(out, size, spec, va_arg(*ap, intmax_t));
		else
			n = snprintf(out, size, spec, va_arg(*ap, int));
		break;
	case 'o':
	case 'u':
	case 'x':
	case 'X':
		if (!strcmp(m, "l"))
			n = snprintf(out, size, spec, va_arg(*ap, unsigned long));
		else if (!strcmp(m, "ll"))
			n = snprintf(out, size, spec, va_arg(*ap, unsigned long long));
		else if (!strcmp(m, "z") || !strcmp(m, "t"))
			n = snprintf(out, size, spec, va_arg(*ap, size_t));
		else if (!strcmp(m, "j"))
			n = snprintf(out, size, spec, va_arg(*ap, uintmax_t));
		else
			n = snprintf(out, size, spec, va_arg(*ap, unsigned));
		break;
	case 'c': n = snprintf(out, size, spec, va_arg(*ap, int)); break;
	case 's': n = snprintf(out, size, spec, va_arg(*ap, const char *)); break;
	case 'p': n = snprintf(out, size, spec, va_arg(*ap, void *)); break;
	default:
		if (!strcmp(m, "L"))
			n = snprintf(out, size, spec, va_arg(*ap, long double));
		else
			n = snprintf(out, size, spec, va_arg(*ap, double));
		break;
	}
	return n;
}
#pragma GCC diagnostic pop

/* Keeps each value of fmt as text in e->args; e->nargs is -1 when one
 * cannot be kept (too many, too long, an unknown conversion). */
static void keep_args(struct co_err *e, const char *fmt, va_list ap)
{
	va_list aq;
	struct conv c;
	int n = 0;

	va_copy(aq, ap);
	for (; *fmt; fmt++) {
		char spec[64];
		size_t k = 0, i;
		int len;

		if (*fmt != '%')
			continue;
		if (fmt[1] == '%') {
			fmt++;
			continue;
		}
		if (conv_parse(fmt + 1, &c) < 0 || n == CO_MAX_ERRARGS ||
		    c.len + 24 > sizeof(spec)) {
			n = -1;
			break;
		}
		/* the specification, with the numbers of its stars */
		spec[k++] = '%';
		for (i = 1; i <= c.len; i++) {
			if (fmt[i] == '*')
				k += (size_t)snprintf(spec + k, sizeof(spec) - k, "%d",
				                      va_arg(aq, int));
			else
				spec[k++] = fmt[i];
		}
		spec[k] = '\0';
		len = conv_text(e->args[n], sizeof(e->args[n]), spec, &c, &aq);
		if (len < 0 || (size_t)len >= sizeof(e->args[n])) {
			n = -1;
			break;
		}
		n++;
		fmt += c.len;
	}
	va_end(aq);
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
	struct conv c;

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
		(void)conv_parse(tmpl + 1, &c); /* counted above: it parses */
		piece = e->args[k++];
		tmpl += c.len;
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
