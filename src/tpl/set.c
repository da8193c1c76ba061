/*
 * set.c - a set of compiled templates: adding, linking (every include and
 * extends resolved, no cycles, every block of a child known to an
 * ancestor), lookup by name, the embedded set, and the walk over every
 * translatable message for the catalogue check.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/asset.h"
#include "tpl/internal.h"

int tpl_set_new(struct tpl_set **out)
{
	struct tpl_set *s = calloc(1, sizeof(*s));

	if (!s)
		return CO_ENOMEM;
	co_arena_init(&s->arena, 0);
	*out = s;
	return 0;
}

void tpl_set_free(struct tpl_set *set)
{
	if (!set)
		return;
	free(set->v);
	co_arena_free(&set->arena);
	free(set);
}

static const struct tpl__tpl *find_linear(const struct tpl_set *set, const char *name)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (strcmp(set->v[i]->name, name) == 0)
			return set->v[i];
	return NULL;
}

int tpl_set_add(struct tpl_set *set, const char *name, const char *src, size_t len, int html,
                struct co_err *e)
{
	struct tpl__tpl *t;
	int rc;

	if (!name || !name[0])
		return co_errf(e, CO_EINPUT, "a template needs a name");
	if (find_linear(set, name))
		return co_errf(e, CO_ECONFLICT, "two templates are named '%s'", name);
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 64;
		struct tpl__tpl **nv = realloc(set->v, cap * sizeof(struct tpl__tpl *));

		if (!nv)
			return co_errf(e, CO_ENOMEM, "out of memory");
		set->v = nv;
		set->cap = cap;
	}
	rc = tpl__compile(&set->arena, name, src, len, html, &t, e);
	if (rc)
		return rc;
	set->v[set->n++] = t;
	set->linked = 0;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	const struct tpl__tpl *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

const struct tpl__tpl *tpl__find(const struct tpl_set *set, const char *name)
{
	size_t lo = 0, hi;

	if (!set->linked || !name)
		return NULL;
	hi = set->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, set->v[mid]->name);

		if (c == 0)
			return set->v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

int tpl_exists(const struct tpl_set *set, const char *name)
{
	if (!set)
		set = tpl_embedded();
	return set && tpl__find(set, name) != NULL;
}

/* ---- walking the tree ---- */

struct walk {
	/* called for each include node (may resolve it) and each message */
	int (*inc)(struct walk *w, struct tpl__node *n);
	int (*msg)(struct walk *w, const struct tpl__msg *m);
	const struct tpl_set *set;
	const struct tpl__tpl *t;
	struct co_err *e;
	int (*fn)(const struct tpl_msg *m, void *arg);
	void *arg;
};

static int walk_nodes(struct walk *w, struct tpl__node *n);

static int walk_kwargs(struct walk *w, const struct tpl__kwarg *k);

static int walk_expr(struct walk *w, const struct tpl__expr *x)
{
	int rc;

	if (!x)
		return 0;
	switch (x->kind) {
	case TPL__E_ATTR:
	case TPL__E_NOT:
	case TPL__E_NEG: return walk_expr(w, x->u.op.a);
	case TPL__E_INDEX:
	case TPL__E_AND:
	case TPL__E_OR:
	case TPL__E_BIN: rc = walk_expr(w, x->u.op.a); return rc ? rc : walk_expr(w, x->u.op.b);
	case TPL__E_COND:
		rc = walk_expr(w, x->u.op.a);
		if (!rc)
			rc = walk_expr(w, x->u.op.b);
		return rc ? rc : walk_expr(w, x->u.op.c);
	case TPL__E_FILTER:
		rc = walk_expr(w, x->u.filter.a);
		return rc ? rc : walk_expr(w, x->u.filter.arg);
	case TPL__E_GETTEXT:
		rc = w->msg ? w->msg(w, &x->u.msg) : 0;
		if (!rc)
			rc = walk_expr(w, x->u.msg.count);
		return rc ? rc : walk_kwargs(w, x->u.msg.args);
	default: return 0;
	}
}

static int walk_kwargs(struct walk *w, const struct tpl__kwarg *k)
{
	int rc;

	for (; k; k = k->next)
		if ((rc = walk_expr(w, k->value)) != 0)
			return rc;
	return 0;
}

static int walk_nodes(struct walk *w, struct tpl__node *n)
{
	int rc = 0;

	for (; n && !rc; n = n->next) {
		switch (n->kind) {
		case TPL__N_OUT: rc = walk_expr(w, n->u.out.e); break;
		case TPL__N_IF:
			rc = walk_expr(w, n->u.cond.cond);
			if (!rc)
				rc = walk_nodes(w, n->u.cond.then);
			if (!rc)
				rc = walk_nodes(w, n->u.cond.els);
			break;
		case TPL__N_FOR:
			rc = walk_expr(w, n->u.loop.e);
			if (!rc)
				rc = walk_nodes(w, n->u.loop.body);
			if (!rc)
				rc = walk_nodes(w, n->u.loop.els);
			break;
		case TPL__N_SET: rc = walk_expr(w, n->u.set.e); break;
		case TPL__N_INCLUDE:
			rc = w->inc ? w->inc(w, n) : 0;
			if (!rc)
				rc = walk_kwargs(w, n->u.inc.args);
			break;
		case TPL__N_BLOCK: rc = walk_nodes(w, n->u.block.body); break;
		case TPL__N_TRANS:
			rc = w->msg ? w->msg(w, &n->u.trans.msg) : 0;
			if (!rc)
				rc = walk_expr(w, n->u.trans.msg.count);
			if (!rc)
				rc = walk_kwargs(w, n->u.trans.msg.args);
			break;
		default: break;
		}
	}
	return rc;
}

/* A child's body holds only its block definitions, which is what to walk. */
static int walk_tpl(struct walk *w, const struct tpl__tpl *t)
{
	w->t = t;
	return walk_nodes(w, t->body);
}

static int resolve_inc(struct walk *w, struct tpl__node *n)
{
	const struct tpl__tpl *t = tpl__find(w->set, n->u.inc.name);

	if (!t)
		return co_errf_at(w->e, CO_EINPUT, n->line, 0, w->t->name,
		                  "%s:%d: include of an unknown template '%s'", w->t->name, n->line,
		                  n->u.inc.name);
	n->u.inc.tpl = t;
	return 0;
}

int tpl_set_link(struct tpl_set *set, struct co_err *e)
{
	struct walk w;
	size_t i;
	int rc;

	qsort(set->v, set->n, sizeof(struct tpl__tpl *), by_name);
	for (i = 1; i < set->n; i++)
		if (strcmp(set->v[i - 1]->name, set->v[i]->name) == 0)
			return co_errf(e, CO_ECONFLICT, "two templates are named '%s'",
			               set->v[i]->name);
	set->linked = 1;
	for (i = 0; i < set->n; i++) {
		struct tpl__tpl *t = set->v[i];

		t->parent = NULL;
		if (t->parent_name) {
			t->parent = tpl__find(set, t->parent_name);
			if (!t->parent) {
				set->linked = 0;
				return co_errf_at(e, CO_EINPUT, t->parent_line, 0, t->name,
				                  "%s:%d: extends an unknown template '%s'",
				                  t->name, t->parent_line, t->parent_name);
			}
		}
	}
	for (i = 0; i < set->n; i++) {
		const struct tpl__tpl *t = set->v[i], *p;
		const struct tpl__node *n;
		size_t steps = 0;

		for (p = t->parent; p; p = p->parent) {
			if (p == t || ++steps > TPL_MAX_DEPTH) {
				set->linked = 0;
				return co_errf_at(e, CO_EINPUT, t->parent_line, 0, t->name,
				                  "%s:%d: extends itself through its parents "
				                  "(or too deeply)",
				                  t->name, t->parent_line);
			}
		}
		/* a block a child overrides must exist in an ancestor (a typo
		 * check); blocks nested inside those are new definitions */
		for (n = t->parent ? t->body : NULL; n; n = n->next) {
			const struct tpl__blockdef *pb = NULL;

			if (n->kind != TPL__N_BLOCK)
				continue;
			for (p = t->parent; p && !pb; p = p->parent)
				for (pb = p->blocks; pb; pb = pb->next)
					if (strcmp(pb->name, n->u.block.name) == 0)
						break;
			if (!pb) {
				set->linked = 0;
				return co_errf_at(e, CO_EINPUT, n->line, 0, t->name,
				                  "%s:%d: block '%s' is not in '%s' or its parents",
				                  t->name, n->line, n->u.block.name,
				                  t->parent_name);
			}
		}
	}
	memset(&w, 0, sizeof(w));
	w.inc = resolve_inc;
	w.set = set;
	w.e = e;
	for (i = 0; i < set->n; i++) {
		rc = walk_tpl(&w, set->v[i]);
		if (rc) {
			set->linked = 0;
			return rc;
		}
	}
	return 0;
}

/* ---- names ---- */

int tpl_name_from_path(const char *path, char *out, size_t size, int *html)
{
	const char *p = path, *tdir;
	size_t pre, rest, n;
	int is_html;

	if (strncmp(p, "src/", 4) != 0)
		return CO_EINPUT;
	p += 4;
	if (strncmp(p, "mod/", 4) == 0)
		p += 4;
	tdir = strstr(p, "/templates/");
	if (!tdir || tdir == p)
		return CO_EINPUT;
	pre = (size_t)(tdir - p); /* "web", "accounts" */
	rest = strlen(tdir + 11); /* "layout.html" */
	if (rest == 0 || tdir[11 + rest - 1] == '/')
		return CO_EINPUT;
	is_html = rest > 5 && strcmp(tdir + 11 + rest - 5, ".html") == 0;
	if (is_html)
		rest -= 5;
	n = pre + 1 + rest;
	if (n + 1 > size)
		return CO_ELIMIT;
	memcpy(out, p, pre);
	out[pre] = '/';
	memcpy(out + pre + 1, tdir + 11, rest);
	out[n] = '\0';
	*html = is_html;
	return 0;
}

/* ---- the embedded set ---- */

static pthread_once_t embedded_once = PTHREAD_ONCE_INIT;
static struct tpl_set *embedded;
static struct co_err embedded_err;
static int embedded_rc;

static void load_embedded(void)
{
	const struct co_asset *a;
	struct tpl_set *s;
	int rc;

	co_err_clear(&embedded_err);
	rc = tpl_set_new(&s);
	if (rc) {
		embedded_rc = co_errf(&embedded_err, rc, "out of memory");
		return;
	}
	for (a = co_assets; a->path && !rc; a++) {
		char name[256];
		int html;

		if (tpl_name_from_path(a->path, name, sizeof(name), &html))
			continue;
		rc = tpl_set_add(s, name, a->data, a->len, html, &embedded_err);
	}
	if (!rc)
		rc = tpl_set_link(s, &embedded_err);
	if (rc) {
		tpl_set_free(s);
		embedded_rc = rc;
		return;
	}
	embedded = s;
}

int tpl_init(struct co_err *e)
{
	pthread_once(&embedded_once, load_embedded);
	if (embedded_rc && e)
		*e = embedded_err;
	return embedded_rc;
}

const struct tpl_set *tpl_embedded(void)
{
	pthread_once(&embedded_once, load_embedded);
	return embedded;
}

void tpl_shutdown(void)
{
	tpl_set_free(embedded);
	embedded = NULL;
}

/* ---- messages ---- */

static int each_msg(struct walk *w, const struct tpl__msg *m)
{
	struct tpl_msg out;

	out.tpl = w->t->name;
	out.line = m->line;
	out.ctx = m->ctx;
	out.msgid = m->msgid;
	out.plural = m->plural;
	return w->fn(&out, w->arg);
}

int tpl_each_msg(const struct tpl_set *set, int (*fn)(const struct tpl_msg *m, void *arg),
                 void *arg)
{
	struct walk w;
	size_t i;
	int rc;

	if (!set)
		set = tpl_embedded();
	if (!set)
		return CO_EINTERNAL;
	memset(&w, 0, sizeof(w));
	w.msg = each_msg;
	w.set = set;
	w.fn = fn;
	w.arg = arg;
	for (i = 0; i < set->n; i++) {
		rc = walk_tpl(&w, set->v[i]);
		if (rc)
			return rc;
	}
	return 0;
}
