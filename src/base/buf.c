#include "base/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

void co_buf_init(struct co_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void co_buf_free(struct co_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void co_buf_reset(struct co_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int co_buf_reserve(struct co_buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (n > b->max || b->len > b->max - n)
		return CO_ELIMIT;
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	p = realloc(b->data, cap);
	if (!p)
		return CO_ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int co_buf_add(struct co_buf *b, const void *p, size_t n)
{
	int rc = co_buf_reserve(b, n);

	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int co_buf_adds(struct co_buf *b, const char *s)
{
	return co_buf_add(b, s, strlen(s));
}

int co_buf_addc(struct co_buf *b, char c)
{
	return co_buf_add(b, &c, 1);
}

int co_buf_vprintf(struct co_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n, rc;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return CO_EINTERNAL;
	rc = co_buf_reserve(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int co_buf_printf(struct co_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = co_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *co_buf_take(struct co_buf *b, size_t *len)
{
	char *p = b->data;

	if (!p) {
		p = malloc(1);
		if (!p)
			return NULL;
		p[0] = '\0';
	}
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}
