/*
 * static.c - the embedded files under static/, served at /static/NAME.
 *
 * At first use a table of every static/ asset is built (sorted by name for
 * binary search) with its content type and a content hash: BLAKE2b
 * (libsodium's crypto_generichash), 8 bytes in hex. The hash is the strong
 * ETag ("HASH" for the identity body, "HASH-gz" for the gzip body: two
 * representations need two strong tags, RFC 9110 8.8.3) and the ?v= of
 * http_static_url(), which is what makes a year of caching safe: a changed
 * file gets a new URL. The gzip body of a compressible asset is made on
 * first request and kept (published with compare-and-swap, so two threads
 * racing only waste one compression).
 */
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/asset.h"
#include "http/http.h"
#include "http/http_int.h"

struct gz_body {
	char *data;
	size_t len;
};

struct sasset {
	const char *name; /* after "static/" */
	const char *data;
	size_t len;
	const char *ctype;
	char hash[17];
	char etag[24];
	char etag_gz[28];
	char *url;
	_Atomic(struct gz_body *) gz;
};

static const struct co_asset *source; /* NULL: co_assets */
static struct sasset *table;
static size_t ntable;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static const char *content_type_for(const char *name)
{
	static const struct {
		const char *ext;
		const char *type;
	} types[] = {
	        {".css", "text/css; charset=utf-8"},
	        {".js", "application/javascript; charset=utf-8"},
	        {".mjs", "application/javascript; charset=utf-8"},
	        {".json", "application/json"},
	        {".map", "application/json"},
	        {".webmanifest", "application/manifest+json"},
	        {".svg", "image/svg+xml"},
	        {".png", "image/png"},
	        {".jpg", "image/jpeg"},
	        {".jpeg", "image/jpeg"},
	        {".gif", "image/gif"},
	        {".webp", "image/webp"},
	        {".ico", "image/x-icon"},
	        {".woff2", "font/woff2"},
	        {".woff", "font/woff"},
	        {".txt", "text/plain; charset=utf-8"},
	        {".html", "text/html; charset=utf-8"},
	        {".csv", "text/csv; charset=utf-8"},
	        {".pdf", "application/pdf"},
	};
	const char *dot = strrchr(name, '.');
	size_t i;

	if (dot)
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcasecmp(dot, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct sasset *)a)->name, ((const struct sasset *)b)->name);
}

static void table_init(void)
{
	const struct co_asset *all = source ? source : co_assets, *a;
	size_t n = 0;

	if (sodium_init() < 0)
		return;
	for (a = all; a->path; a++)
		if (strncmp(a->path, "static/", 7) == 0)
			n++;
	if (!n)
		return;
	table = calloc(n, sizeof(*table));
	if (!table)
		return;
	for (a = all; a->path; a++) {
		struct sasset *t;
		unsigned char h[8];
		size_t ulen;

		if (strncmp(a->path, "static/", 7) != 0)
			continue;
		t = &table[ntable];
		t->name = a->path + 7;
		t->data = a->data;
		t->len = a->len;
		t->ctype = content_type_for(t->name);
		crypto_generichash(h, sizeof(h), (const unsigned char *)a->data, a->len, NULL, 0);
		sodium_bin2hex(t->hash, sizeof(t->hash), h, sizeof(h));
		snprintf(t->etag, sizeof(t->etag), "\"%s\"", t->hash);
		snprintf(t->etag_gz, sizeof(t->etag_gz), "\"%s-gz\"", t->hash);
		ulen = strlen(t->name) + 8 + 3 + sizeof(t->hash);
		t->url = malloc(ulen + 1);
		if (!t->url)
			continue; /* http_static_url gives NULL for this one */
		snprintf(t->url, ulen + 1, "/static/%s?v=%s", t->name, t->hash);
		atomic_init(&t->gz, NULL);
		ntable++;
	}
	qsort(table, ntable, sizeof(*table), by_name);
}

void http__static_use_assets(const struct co_asset *assets)
{
	source = assets;
}

static struct sasset *find(const char *name)
{
	struct sasset key = {.name = name};

	pthread_once(&table_once, table_init);
	if (!ntable || !name)
		return NULL;
	return bsearch(&key, table, ntable, sizeof(*table), by_name);
}

const char *http_static_url(const char *name)
{
	struct sasset *t = find(name);

	return t ? t->url : NULL;
}

/* If-None-Match (RFC 9110 13.1.2) with the weak comparison: "*" or any
 * listed tag equal to one of ours, W/ prefixes ignored. */
static int none_match(const char *h, const struct sasset *t)
{
	if (!h)
		return 0;
	while (*h) {
		const char *s, *e;

		while (*h == ' ' || *h == '\t' || *h == ',')
			h++;
		if (*h == '*')
			return 1;
		if (h[0] == 'W' && h[1] == '/')
			h += 2;
		s = h;
		if (*h == '"') {
			h++;
			while (*h && *h != '"')
				h++;
			if (*h == '"')
				h++;
		} else {
			while (*h && *h != ',')
				h++;
		}
		e = h;
		if (((size_t)(e - s) == strlen(t->etag) &&
		     strncmp(s, t->etag, (size_t)(e - s)) == 0) ||
		    ((size_t)(e - s) == strlen(t->etag_gz) &&
		     strncmp(s, t->etag_gz, (size_t)(e - s)) == 0))
			return 1;
		while (*h && *h != ',')
			h++;
	}
	return 0;
}

static struct gz_body *gz_body(struct sasset *t)
{
	struct gz_body *g = atomic_load(&t->gz), *expected = NULL;

	if (g)
		return g;
	g = malloc(sizeof(*g));
	if (!g)
		return NULL;
	/* made once and kept: worth zlib's smallest */
	if (http__gzip(t->data, t->len, 9, &g->data, &g->len)) {
		free(g);
		return NULL;
	}
	if (!atomic_compare_exchange_strong(&t->gz, &expected, g)) {
		free(g->data);
		free(g);
		return expected;
	}
	return g;
}

int http_static_handler(struct http_request *req, struct http_response *res)
{
	struct sasset *t = find(http_param(req, "path"));
	const char *v = http_query(req, "v");
	int rc, gz = 0;
	struct gz_body *g = NULL;

	if (!t)
		return CO_ENOTFOUND;
	rc = http_res_header(res, "Cache-Control",
	                     v && strcmp(v, t->hash) == 0 ? "public, max-age=31536000, immutable"
	                                                  : "no-cache");
	if (rc)
		return rc;
	res->no_compress = 1;
	if (http__compressible(t->ctype) && t->len >= HTTP__GZIP_MIN) {
		if ((rc = http_res_header(res, "Vary", "Accept-Encoding")))
			return rc;
		if (http__accepts_gzip(req) && (g = gz_body(t)))
			gz = 1;
	}
	if ((rc = http_res_header(res, "ETag", gz ? t->etag_gz : t->etag)))
		return rc;
	if (none_match(http_header(req, "If-None-Match"), t)) {
		res->status = 304;
		return 0;
	}
	res->status = 200;
	res->content_type = t->ctype;
	if (gz) {
		if ((rc = http_res_header(res, "Content-Encoding", "gzip")))
			return rc;
		http_res_static(res, g->data, g->len);
	} else {
		http_res_static(res, t->data, t->len);
	}
	return 0;
}
