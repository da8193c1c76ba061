/*
 * router.c - a segment trie over route patterns.
 *
 * Each node is one path segment. A node has literal children (sorted, found
 * by binary search), at most one {param} child and at most one {rest...}
 * child, and for each method the index of the route that ends there.
 *
 * Matching walks the request path's segments depth-first, trying the
 * literal child, then the {param} child, then {rest...}, and backtracks when
 * a branch dead-ends, so "/orgs/new" beats "/orgs/{code}" and
 * "/orgs/{code}/x" is still found for "/orgs/new/x". Cost: O(segments x
 * log(children)) for tables without ambiguous siblings, which is all of
 * ours; backtracking is bounded by the depth (CO_MAX_PATH_SEGS).
 *
 * A path that reaches a node with routes, but none for the method, is 405;
 * to find the route for the method first, the walk is done once with the
 * method required and, only if that fails, once more with any method.
 */
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "http/http.h"
#include "http/http_int.h"

struct node {
	char *seg; /* literal text; NULL for the root and parameter nodes */
	struct node **lit;
	size_t nlit;
	struct node *param;
	struct node *rest;
	unsigned mask;              /* methods with a route ending here */
	long route[HTTP__NMETHODS]; /* route index + 1; 0: none */
};

struct route_info {
	const char *names[CO_MAX_PATH_SEGS]; /* parameter names, in order */
	size_t nnames;
};

struct http_router {
	struct node *root;
	const struct http_route *routes;
	struct route_info *info;
	size_t n;
};

static void node_free(struct node *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->nlit; i++)
		node_free(n->lit[i]);
	free(n->lit);
	node_free(n->param);
	node_free(n->rest);
	free(n->seg);
	free(n);
}

void http_router_free(struct http_router *r)
{
	size_t i;

	if (!r)
		return;
	node_free(r->root);
	if (r->info)
		for (i = 0; i < r->n; i++)
			for (size_t k = 0; k < r->info[i].nnames; k++)
				free((char *)r->info[i].names[k]);
	free(r->info);
	free(r);
}

/* The literal child with text s[0..n), or NULL; *at is where it would go. */
static struct node *find_lit(const struct node *nd, const char *s, size_t n, size_t *at)
{
	size_t lo = 0, hi = nd->nlit;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(nd->lit[mid]->seg, s, n);

		if (c == 0 && nd->lit[mid]->seg[n] != '\0')
			c = 1;
		if (c == 0) {
			if (at)
				*at = mid;
			return nd->lit[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (at)
		*at = lo;
	return NULL;
}

static int valid_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return 0;
	}
	return 1;
}

static int add_route(struct http_router *r, size_t idx, struct co_err *err)
{
	const struct http_route *rt = &r->routes[idx];
	struct route_info *info = &r->info[idx];
	const char *p = rt->pattern;
	struct node *nd = r->root;
	int mi = http__method_index(rt->method);
	size_t nseg = 0;

	if (mi < 0 || rt->method == HTTP_HEAD)
		return co_errf(err, CO_EINPUT, "route %s: the method must be one of GET, POST, ...",
		               p ? p : "(null)");
	if (!p || p[0] != '/')
		return co_errf(err, CO_EINPUT, "route %s: the pattern must start with '/'",
		               p ? p : "(null)");
	if (!rt->handler)
		return co_errf(err, CO_EINPUT, "route %s: no handler", p);
	while (*p) {
		const char *s;
		size_t n;

		p++; /* the '/' */
		s = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - s);
		if (n == 0) {
			if (*p == '\0' && nseg > 0)
				break; /* a trailing "/" is ignored, like in paths */
			if (*p == '\0')
				break; /* "/" */
			return co_errf(err, CO_EINPUT, "route %s: empty segment", rt->pattern);
		}
		if (++nseg > CO_MAX_PATH_SEGS)
			return co_errf(err, CO_EINPUT, "route %s: too many segments", rt->pattern);
		if (s[0] == '{') {
			int rest = n > 5 && memcmp(s + n - 4, "...}", 4) == 0;
			size_t nl = rest ? n - 5 : n - 2;
			struct node **slot;

			if (s[n - 1] != '}' || !valid_name(s + 1, nl))
				return co_errf(err, CO_EINPUT, "route %s: bad parameter '%.*s'",
				               rt->pattern, (int)n, s);
			if (rest && *p)
				return co_errf(err, CO_EINPUT,
				               "route %s: {name...} must be the last segment",
				               rt->pattern);
			info->names[info->nnames] = strndup(s + 1, nl);
			if (!info->names[info->nnames])
				return co_errf(err, CO_ENOMEM, "out of memory");
			info->nnames++;
			slot = rest ? &nd->rest : &nd->param;
			if (!*slot) {
				*slot = calloc(1, sizeof(**slot));
				if (!*slot)
					return co_errf(err, CO_ENOMEM, "out of memory");
			}
			nd = *slot;
		} else {
			size_t at, k;
			struct node *child;

			for (k = 0; k < n; k++)
				if (s[k] == '{' || s[k] == '}')
					return co_errf(err, CO_EINPUT,
					               "route %s: a brace inside a literal segment",
					               rt->pattern);
			child = find_lit(nd, s, n, &at);
			if (!child) {
				struct node **lit =
				        realloc(nd->lit, (nd->nlit + 1) * sizeof(struct node *));

				if (!lit)
					return co_errf(err, CO_ENOMEM, "out of memory");
				nd->lit = lit;
				child = calloc(1, sizeof(*child));
				if (!child || !(child->seg = strndup(s, n))) {
					free(child);
					return co_errf(err, CO_ENOMEM, "out of memory");
				}
				memmove(lit + at + 1, lit + at,
				        (nd->nlit - at) * sizeof(struct node *));
				lit[at] = child;
				nd->nlit++;
			}
			nd = child;
		}
	}
	if (nd->route[mi])
		return co_errf(err, CO_EINPUT, "route %s %s: the same as route %s %s",
		               http_method_name(rt->method), rt->pattern,
		               http_method_name(r->routes[nd->route[mi] - 1].method),
		               r->routes[nd->route[mi] - 1].pattern);
	nd->route[mi] = (long)idx + 1;
	nd->mask |= (unsigned)rt->method;
	return 0;
}

int http_router_new(const struct http_route *routes, size_t n, struct http_router **out,
                    struct co_err *err)
{
	struct http_router *r = calloc(1, sizeof(*r));
	size_t i;
	int rc;

	if (!r)
		return co_errf(err, CO_ENOMEM, "out of memory");
	r->routes = routes;
	r->n = n;
	r->root = calloc(1, sizeof(*r->root));
	r->info = calloc(n ? n : 1, sizeof(*r->info));
	if (!r->root || !r->info) {
		http_router_free(r);
		return co_errf(err, CO_ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		rc = add_route(r, i, err);
		if (rc) {
			http_router_free(r);
			return rc;
		}
	}
	*out = r;
	return 0;
}

struct seg {
	const char *s;
	size_t n;
};

struct walk {
	const struct seg *segs;
	size_t nsegs;
	unsigned want; /* method bit required at the end; 0: any */
	struct seg vals[CO_MAX_PATH_SEGS];
	size_t nvals;
};

static const struct node *walk(struct walk *w, const struct node *nd, size_t i)
{
	const struct node *found;

	if (i == w->nsegs) {
		if (w->want ? (nd->mask & w->want) != 0 : nd->mask != 0)
			return nd;
		return NULL;
	}
	if (nd->nlit) {
		const struct node *c = find_lit(nd, w->segs[i].s, w->segs[i].n, NULL);

		if (c && (found = walk(w, c, i + 1)))
			return found;
	}
	if (nd->param) {
		w->vals[w->nvals++] = w->segs[i];
		if ((found = walk(w, nd->param, i + 1)))
			return found;
		w->nvals--;
	}
	if (nd->rest && (w->want ? (nd->rest->mask & w->want) : nd->rest->mask)) {
		const struct seg *last = &w->segs[w->nsegs - 1];

		w->vals[w->nvals].s = w->segs[i].s;
		w->vals[w->nvals].n = (size_t)(last->s + last->n - w->segs[i].s);
		w->nvals++;
		return nd->rest;
	}
	return NULL;
}

int http_router_match(const struct http_router *r, enum http_method method, const char *path,
                      struct co_arena *a, const struct http_route **route,
                      struct http_params *params, unsigned *allowed)
{
	struct seg segs[CO_MAX_PATH_SEGS];
	struct walk w;
	const struct node *nd;
	const char *p = path;
	size_t nsegs = 0, i;
	enum http_method m = method == HTTP_HEAD ? HTTP_GET : method;
	long ri;
	int mi;

	*allowed = 0;
	while (*p == '/') {
		const char *s = ++p;

		while (*p && *p != '/')
			p++;
		if (p == s)
			continue;
		if (nsegs == CO_MAX_PATH_SEGS)
			return HTTP_MATCH_NO_PATH;
		segs[nsegs].s = s;
		segs[nsegs].n = (size_t)(p - s);
		nsegs++;
	}
	w.segs = segs;
	w.nsegs = nsegs;
	w.nvals = 0;
	w.want = (unsigned)m;
	nd = http__method_index(m) >= 0 ? walk(&w, r->root, 0) : NULL;
	if (!nd) {
		w.nvals = 0;
		w.want = 0;
		nd = walk(&w, r->root, 0);
		if (!nd)
			return HTTP_MATCH_NO_PATH;
		*allowed = nd->mask | ((nd->mask & HTTP_GET) ? HTTP_HEAD : 0);
		return HTTP_MATCH_NO_METHOD;
	}
	*allowed = nd->mask | ((nd->mask & HTTP_GET) ? HTTP_HEAD : 0);
	mi = http__method_index(m);
	ri = nd->route[mi] - 1;
	{
		const struct route_info *info = &r->info[ri];
		struct http_param *items = NULL;

		if (w.nvals) {
			items = co_arena_calloc(a, w.nvals, sizeof(*items));
			if (!items)
				return CO_ENOMEM;
		}
		for (i = 0; i < w.nvals; i++) {
			char *v = co_arena_strndup(a, w.vals[i].s, w.vals[i].n);

			if (!v)
				return CO_ENOMEM;
			items[i].name = i < info->nnames ? info->names[i] : "";
			items[i].value = v;
			items[i].len = w.vals[i].n;
		}
		params->items = items;
		params->n = w.nvals;
	}
	*route = &r->routes[ri];
	return HTTP_MATCH_OK;
}

void http_allow_string(unsigned mask, char *out, size_t size)
{
	size_t n = 0;
	int i;

	if (size == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < HTTP__NMETHODS; i++) {
		const char *name;
		size_t len;

		if (!(mask & (1u << i)))
			continue;
		name = http_method_name((enum http_method)(1u << i));
		len = strlen(name);
		if (n + len + (n ? 2 : 0) + 1 > size)
			break;
		if (n) {
			memcpy(out + n, ", ", 2);
			n += 2;
		}
		memcpy(out + n, name, len);
		n += len;
		out[n] = '\0';
	}
}
