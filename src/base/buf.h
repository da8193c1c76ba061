/*
 * buf.h - a growable byte buffer with a maximum size.
 *
 * Every buffer is created with the most it may hold (a limit from
 * base/limits.h); an append past it fails with CO_ELIMIT and leaves the
 * buffer as it was. The contents are always NUL-terminated.
 *
 * Ownership: the caller owns the struct and frees its memory with
 * co_buf_free(), or takes the memory with co_buf_take(). Not thread-safe.
 */
#ifndef CO_BUF_H
#define CO_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct co_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

void co_buf_init(struct co_buf *b, size_t max);
void co_buf_free(struct co_buf *b);
void co_buf_reset(struct co_buf *b); /* empties, keeps the memory */

/* 0, CO_ENOMEM or CO_ELIMIT. */
int co_buf_add(struct co_buf *b, const void *p, size_t n);
int co_buf_adds(struct co_buf *b, const char *s);
int co_buf_addc(struct co_buf *b, char c);
int co_buf_printf(struct co_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int co_buf_vprintf(struct co_buf *b, const char *fmt, va_list ap);

/* Hands over the memory (never NULL: an empty buffer gives "") and resets
 * the buffer. The caller frees the result with free(). NULL when out of
 * memory. */
char *co_buf_take(struct co_buf *b, size_t *len);

#endif
