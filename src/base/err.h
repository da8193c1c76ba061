/*
 * err.h - the one error type of Collective.
 *
 * Functions return 0 on success or a negative enum co_code on failure, and
 * when they fail they fill the struct co_err the caller passed (if any) with
 * a message for humans and, for bad input, where it was: row, column, field.
 * Out-parameters are written only on success. Invariants are asserts, not
 * error codes.
 *
 * A struct co_err is a plain value owned by the caller; nothing inside it
 * needs freeing. Thread-safe: there is no shared state.
 *
 * Translation: besides the message, an error keeps the format it was made
 * from (a string literal, or NULL when the error was filled in by hand) and
 * each value that went into it, as text. A page looks the format up in its
 * catalogue (the English format is the msgid) and co_err_text() puts the
 * same values into the translated format, so "the note is longer than %d
 * characters" reads in Welsh with its number.
 */
#ifndef CO_ERR_H
#define CO_ERR_H

#include <stdarg.h>

#include "base/limits.h"

enum co_code {
	CO_OK = 0,
	CO_ENOMEM = -1,    /* out of memory */
	CO_EINPUT = -2,    /* the input is wrong: the message says what and where */
	CO_ENOTFOUND = -3, /* no such thing */
	CO_ECONFLICT = -4, /* it exists already, or the state does not allow it */
	CO_EIO = -5,       /* a file, socket or process failed */
	CO_EDB = -6,       /* the database failed */
	CO_EPERM = -7,     /* not allowed */
	CO_ELIMIT = -8,    /* a size limit was reached */
	CO_EINTERNAL = -9, /* a bug or an impossible state */
};

struct co_err {
	int code;                     /* an enum co_code; 0 when nothing went wrong */
	long row;                     /* 1-based input row, 0 when it does not apply */
	long col;                     /* 1-based input column, 0 when it does not apply */
	char field[CO_MAX_FIELDNAME]; /* field or column name, "" when none */
	char msg[CO_MAX_ERRMSG];
	const char *fmt; /* the format msg was made from; NULL: none kept */
	int nargs;       /* values in args; -1 when they could not be kept */
	char args[CO_MAX_ERRARGS][CO_MAX_ERRARG]; /* each conversion's text */
};

/* Clears an error to "no error". */
void co_err_clear(struct co_err *e);

/* Sets code and message (printf-style) and returns code, so that callers can
 * write `return co_errf(e, CO_EINPUT, "...")`. e may be NULL. */
int co_errf(struct co_err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* As co_errf, and records where in the input the problem is. field may be
 * NULL; row and col may be 0. */
int co_errf_at(struct co_err *e, int code, long row, long col, const char *field, const char *fmt,
               ...) __attribute__((format(printf, 6, 7)));

int co_verrf(struct co_err *e, int code, const char *fmt, va_list ap);

/* The message in another wording of its format: tmpl has the same
 * conversions (% specifications) in the same order as e->fmt, and each is
 * replaced by the text of the value that went into it ("%%" is "%").
 * Writes e->msg instead when tmpl is NULL, when the error kept no format or
 * values, or when tmpl's conversions do not match. At most size bytes are
 * written, including the NUL. */
void co_err_text(const struct co_err *e, const char *tmpl, char *out, unsigned long size);

/* The number of conversions in a printf format ("%%" not counted), or -1
 * when it has one that errors cannot keep (%n, %*, or a malformed one). */
int co_fmt_conversions(const char *fmt);

/* A short English name for a code ("bad input", "not found", ...). */
const char *co_code_name(int code);

/* Formats the error for a terminal: "row 3, column 2 (y): message".
 * Writes at most size bytes including the terminating NUL. */
void co_err_format(const struct co_err *e, char *out, unsigned long size);

#endif
