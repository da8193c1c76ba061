#include "base/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"

struct co_arena_block {
	struct co_arena_block *next;
	size_t cap;
	size_t off;
	alignas(max_align_t) unsigned char data[];
};

void co_arena_init(struct co_arena *a, size_t max)
{
	a->head = NULL;
	a->used = 0;
	a->max = max ? max : CO_ARENA_MAX;
}

void co_arena_free(struct co_arena *a)
{
	struct co_arena_block *b = a->head;

	while (b) {
		struct co_arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
	a->used = 0;
}

void *co_arena_alloc(struct co_arena *a, size_t size)
{
	const size_t align = alignof(max_align_t);
	struct co_arena_block *b = a->head;
	size_t need, off;

	if (size == 0)
		size = 1;
	if (size > a->max - a->used)
		return NULL;
	need = (size + align - 1) & ~(align - 1);
	if (b) {
		off = b->off;
		if (need <= b->cap - off) {
			b->off = off + need;
			a->used += need;
			return b->data + off;
		}
	}
	{
		size_t cap = need > CO_ARENA_BLOCK ? need : CO_ARENA_BLOCK;
		struct co_arena_block *nb = malloc(sizeof(*nb) + cap);

		if (!nb)
			return NULL;
		nb->cap = cap;
		nb->off = need;
		/* A big one-off block goes behind the head so the head's free
		 * space is not wasted. */
		if (b && need > CO_ARENA_BLOCK) {
			nb->next = b->next;
			b->next = nb;
		} else {
			nb->next = b;
			a->head = nb;
		}
		a->used += need;
		return nb->data;
	}
}

void *co_arena_calloc(struct co_arena *a, size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = co_arena_alloc(a, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

char *co_arena_strndup(struct co_arena *a, const char *s, size_t n)
{
	char *p = co_arena_alloc(a, n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *co_arena_strdup(struct co_arena *a, const char *s)
{
	return co_arena_strndup(a, s, strlen(s));
}

char *co_arena_vprintf(struct co_arena *a, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *p;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return NULL;
	p = co_arena_alloc(a, (size_t)n + 1);
	if (!p)
		return NULL;
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *co_arena_printf(struct co_arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = co_arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}
