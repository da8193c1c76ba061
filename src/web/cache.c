/*
 * cache.c - whole answers to anonymous GETs, kept while their data has not
 * changed.
 *
 * A handler whose answer depends only on public data reads a version
 * stamp of that data (one indexed row, bumped in the same transaction as
 * every change to it, so every server process sharing the database sees
 * the same value), then calls web_cache_serve(); on a miss it builds the
 * answer as usual and calls web_cache_store(). Entries are keyed by
 * method, path, query string and language and are only used for requests
 * with no signed-in user and no flash message: nothing personal is ever
 * stored. The cache is bounded (CO_MAX_CACHE_ENTRIES, CO_MAX_CACHE_BYTES);
 * when full it is emptied, which is simple and always correct.
 *
 * Thread-safety: one read-write lock around a small open-addressing
 * table; the stored bytes are copied into each response.
 */
#include "web/web_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct centry {
	char *key;
	int64_t version;
	int status;
	char *content_type;
	char *link; /* Link header or NULL */
	char *body;
	size_t len;
};

static struct centry table[CO_MAX_CACHE_ENTRIES * 2];
static size_t entries, bytes;
static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int cacheable(const struct web_ctx *ctx)
{
	return !ctx->user && ctx->auth == WEB_AUTH_NONE &&
	       (ctx->req->method == HTTP_GET || ctx->req->method == HTTP_HEAD) &&
	       !http_cookie(ctx->req, WEB__COOKIE_FLASH);
}

static char *make_key(struct web_ctx *ctx)
{
	return co_arena_printf(ctx->arena, "%s?%s|%s", ctx->req->path, ctx->req->query_string,
	                       ctx->lang);
}

/* The slot of key: where it is, or the empty slot where it would go. */
static struct centry *slot(const char *key)
{
	size_t n = sizeof(table) / sizeof(table[0]);
	size_t i = (size_t)(hash(key) % n);

	while (table[i].key && strcmp(table[i].key, key) != 0)
		i = (i + 1) % n;
	return &table[i];
}

static void clear_all(void)
{
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		free(table[i].key);
		free(table[i].content_type);
		free(table[i].link);
		free(table[i].body);
		memset(&table[i], 0, sizeof(table[i]));
	}
	entries = bytes = 0;
}

int web_cache_serve(struct web_ctx *ctx, int64_t version)
{
	struct centry *c;
	const char *key;
	int served = 0;

	if (!cacheable(ctx) || !(key = make_key(ctx)))
		return 0;
	pthread_rwlock_rdlock(&lock);
	c = slot(key);
	if (c->key && c->version == version && http_res_write(ctx->res, c->body, c->len) == 0) {
		ctx->res->status = c->status;
		ctx->res->content_type = co_arena_strdup(ctx->arena, c->content_type);
		if (c->link)
			http_res_header(ctx->res, "Link", c->link);
		served = 1;
	}
	pthread_rwlock_unlock(&lock);
	return served;
}

void web_cache_store(struct web_ctx *ctx, int64_t version)
{
	const struct http_response *res = ctx->res;
	const struct http_res_header *h;
	const char *key, *link = NULL;
	struct centry *c, fresh = {0};

	if (!cacheable(ctx) || res->status != 200 || !res->content_type || res->static_data ||
	    !(key = make_key(ctx)) || res->body.len > CO_MAX_CACHE_BYTES / 8)
		return;
	for (h = res->headers; h; h = h->next) {
		if (strcasecmp(h->name, "Link") == 0)
			link = h->value;
		else if (strcasecmp(h->name, "Set-Cookie") == 0)
			return; /* an answer that sets a cookie is someone's */
	}
	fresh.key = strdup(key);
	fresh.content_type = strdup(res->content_type);
	fresh.link = link ? strdup(link) : NULL;
	fresh.body = malloc(res->body.len ? res->body.len : 1);
	if (!fresh.key || !fresh.content_type || (link && !fresh.link) || !fresh.body) {
		free(fresh.key);
		free(fresh.content_type);
		free(fresh.link);
		free(fresh.body);
		return;
	}
	memcpy(fresh.body, res->body.data, res->body.len);
	fresh.len = res->body.len;
	fresh.version = version;
	fresh.status = res->status;
	pthread_rwlock_wrlock(&lock);
	if (entries >= CO_MAX_CACHE_ENTRIES || bytes + fresh.len > CO_MAX_CACHE_BYTES)
		clear_all();
	c = slot(key);
	if (c->key) {
		bytes -= c->len;
		entries--;
		free(c->key);
		free(c->content_type);
		free(c->link);
		free(c->body);
	}
	*c = fresh;
	entries++;
	bytes += fresh.len;
	pthread_rwlock_unlock(&lock);
}

void web_cache_clear(void)
{
	pthread_rwlock_wrlock(&lock);
	clear_all();
	pthread_rwlock_unlock(&lock);
}
