#include "base/err.h"

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
}

int co_verrf(struct co_err *e, int code, const char *fmt, va_list ap)
{
	if (!e)
		return code;
	co_err_clear(e);
	e->code = code;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	return code;
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
