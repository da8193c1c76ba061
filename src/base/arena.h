/*
 * arena.h - bump allocation freed all at once.
 *
 * A request's allocations come from one arena that is freed when the request
 * ends, so request code never frees piecemeal. An arena has a maximum size
 * (CO_ARENA_MAX unless given); past it, allocation fails with NULL.
 *
 * Ownership: the caller owns the arena and releases it with co_arena_free();
 * everything allocated from it dies with it. Not thread-safe: one arena per
 * thread or request.
 */
#ifndef CO_ARENA_H
#define CO_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct co_arena_block;

struct co_arena {
	struct co_arena_block *head;
	size_t used; /* bytes handed out, for the limit */
	size_t max;  /* the most this arena may hand out */
};

/* max 0 means CO_ARENA_MAX. */
void co_arena_init(struct co_arena *a, size_t max);
void co_arena_free(struct co_arena *a);

/* Memory aligned for any type; NULL past the limit or when out of memory. */
void *co_arena_alloc(struct co_arena *a, size_t size);
void *co_arena_calloc(struct co_arena *a, size_t n, size_t size);
char *co_arena_strdup(struct co_arena *a, const char *s);
char *co_arena_strndup(struct co_arena *a, const char *s, size_t n);
char *co_arena_printf(struct co_arena *a, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
char *co_arena_vprintf(struct co_arena *a, const char *fmt, va_list ap);

#endif
