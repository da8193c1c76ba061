/*
 * catalog.c - one language's messages: an open-addressing hash table keyed
 * by (msgctxt, msgid), FNV-1a hashed, linear probing, kept at most half
 * full. Strings live in the catalogue's arena. Lookups fall back to the
 * fallback catalogue (English) and then to the msgid.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "i18n/i18n.h"
#include "i18n/po.h"

struct entry {
	uint32_t hash;
	const char *ctx; /* NULL: none */
	const char *msgid;
	const char *plural;
	const char *str[I18N__MAX_FORMS];
	unsigned nstr;
	const char *source; /* the file it came from, for conflict errors */
};

struct i18n_catalog {
	char lang[8];
	const struct i18n_catalog *fallback;
	struct i18n_plural *plural; /* the language's rule (files must agree) */
	struct entry **slots;       /* cap slots, NULL when empty */
	size_t cap, count;
	struct co_arena arena;
};

/* The rule of each language. A file that declares Plural-Forms must agree
 * with it (for n = 0..199), so that modules cannot disagree. */
static const char *builtin_forms(const char *lang)
{
	if (strcmp(lang, "cy") == 0)
		return "nplurals=6; plural=(n==0) ? 0 : (n==1) ? 1 : (n==2) ? 2 : (n==3) ? 3 : "
		       "(n==6) ? 4 : 5;";
	return "nplurals=2; plural=(n != 1);";
}

static uint32_t hash_key(const char *ctx, const char *msgid)
{
	uint32_t h = 2166136261u;
	const unsigned char *p;

	if (ctx) {
		for (p = (const unsigned char *)ctx; *p; p++)
			h = (h ^ *p) * 16777619u;
		h = (h ^ 4u) * 16777619u; /* gettext's EOT separator */
	}
	for (p = (const unsigned char *)msgid; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

static int same_ctx(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static const struct entry *find(const struct i18n_catalog *c, const char *ctx, const char *msgid)
{
	uint32_t h;
	size_t i;

	if (!c || !c->cap)
		return NULL;
	h = hash_key(ctx, msgid);
	for (i = h & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
		const struct entry *en = c->slots[i];

		if (!en)
			return NULL;
		if (en->hash == h && strcmp(en->msgid, msgid) == 0 && same_ctx(en->ctx, ctx))
			return en;
	}
}

static int grow(struct i18n_catalog *c, size_t want)
{
	struct entry **ns;
	size_t cap = c->cap ? c->cap : 64, i, j;

	while (cap < want * 2)
		cap *= 2;
	if (cap == c->cap)
		return 0;
	ns = calloc(cap, sizeof(struct entry *));
	if (!ns)
		return CO_ENOMEM;
	for (i = 0; i < c->cap; i++) {
		struct entry *en = c->slots[i];

		if (!en)
			continue;
		for (j = en->hash & (cap - 1); ns[j]; j = (j + 1) & (cap - 1))
			;
		ns[j] = en;
	}
	free(c->slots);
	c->slots = ns;
	c->cap = cap;
	return 0;
}

int i18n_catalog_new(const char *lang, const struct i18n_catalog *fallback,
                     struct i18n_catalog **out, struct co_err *e)
{
	struct i18n_catalog *c;
	int rc;

	if (!lang || strlen(lang) >= sizeof(c->lang))
		return co_errf(e, CO_EINPUT, "bad language code");
	c = calloc(1, sizeof(*c));
	if (!c)
		return co_errf(e, CO_ENOMEM, "out of memory");
	memcpy(c->lang, lang, strlen(lang) + 1);
	c->fallback = fallback;
	co_arena_init(&c->arena, 0);
	rc = i18n_plural_compile(builtin_forms(lang), &c->plural, e);
	if (rc) {
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void i18n_catalog_free(struct i18n_catalog *c)
{
	if (!c)
		return;
	i18n_plural_free(c->plural);
	free(c->slots);
	co_arena_free(&c->arena);
	free(c);
}

/* ---- merging one file ---- */

struct pending {
	struct i18n__po_entry *v;
	size_t n, cap;
	char *forms; /* the header's Plural-Forms value, malloc'd */
	long forms_line;
};

static int collect(void *arg, const struct i18n__po_entry *en, struct co_err *e)
{
	struct pending *pd = arg;

	if (!en->ctx && en->msgid[0] == '\0') {
		/* the header: find "Plural-Forms:" at the start of a line */
		const char *h = en->str[0], *l;

		for (l = h; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
			if (strncmp(l, "Plural-Forms:", 13) == 0) {
				const char *v = l + 13, *end = strchr(v, '\n');
				size_t n = end ? (size_t)(end - v) : strlen(v);

				free(pd->forms);
				pd->forms = malloc(n + 1);
				if (!pd->forms)
					return co_errf(e, CO_ENOMEM, "out of memory");
				memcpy(pd->forms, v, n);
				pd->forms[n] = '\0';
				pd->forms_line = en->line;
			}
		}
		return 0;
	}
	if (en->fuzzy)
		return 0;
	if (pd->n == pd->cap) {
		size_t cap = pd->cap ? pd->cap * 2 : 64;
		struct i18n__po_entry *nv = realloc(pd->v, cap * sizeof(*nv));

		if (!nv)
			return co_errf(e, CO_ENOMEM, "out of memory");
		pd->v = nv;
		pd->cap = cap;
	}
	pd->v[pd->n++] = *en;
	return 0;
}

static int same_strs(const struct entry *a, const struct i18n__po_entry *b)
{
	unsigned i;

	if (a->nstr != b->nstr)
		return 0;
	if ((a->plural == NULL) != (b->plural == NULL))
		return 0;
	if (a->plural && strcmp(a->plural, b->plural) != 0)
		return 0;
	for (i = 0; i < a->nstr; i++)
		if (strcmp(a->str[i], b->str[i]) != 0)
			return 0;
	return 1;
}

/* Two plural rules mean the same when they agree for n = 0..199 (every rule gettext lists differs
 * from another below 200). */
static int same_rule(const struct i18n_plural *a, const struct i18n_plural *b)
{
	unsigned long n;

	if (i18n_plural_count(a) != i18n_plural_count(b))
		return 0;
	for (n = 0; n < 200; n++)
		if (i18n_plural_eval(a, n) != i18n_plural_eval(b, n))
			return 0;
	return 1;
}

int i18n_catalog_add_po(struct i18n_catalog *c, const char *name, const char *text, size_t len,
                        struct co_err *e)
{
	struct co_arena tmp;
	struct pending pd;
	struct i18n_plural *rule = NULL;
	const char *source;
	size_t i, j, *seen = NULL, seen_cap = 16;
	int rc;

	memset(&pd, 0, sizeof(pd));
	co_arena_init(&tmp, 0);
	rc = i18n__po_parse(name, text, len, &tmp, collect, &pd, e);
	if (rc)
		goto out;
	if (pd.forms) {
		rc = i18n_plural_compile(pd.forms, &rule, e);
		if (rc) {
			char msg[CO_MAX_ERRMSG];

			snprintf(msg, sizeof(msg), "%s", e ? e->msg : "");
			rc = co_errf_at(e, CO_EINPUT, pd.forms_line, 0, NULL, "%s:%ld: %s", name,
			                pd.forms_line, msg);
			goto out;
		}
		if (!same_rule(rule, c->plural)) {
			rc = co_errf_at(e, CO_EINPUT, pd.forms_line, 0, NULL,
			                "%s:%ld: Plural-Forms differs from the rule for '%s': %s",
			                name, pd.forms_line, c->lang, builtin_forms(c->lang));
			goto out;
		}
	}
	/* check every entry before changing anything; seen[] is a set of
	 * (index + 1) of this file's entries, to find a msgid given twice */
	while (seen_cap < pd.n * 2)
		seen_cap *= 2;
	seen = calloc(seen_cap, sizeof(*seen));
	if (!seen) {
		rc = co_errf(e, CO_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < pd.n; i++) {
		const struct i18n__po_entry *en = &pd.v[i];
		const struct entry *old = find(c, en->ctx, en->msgid);

		if (en->plural && en->nstr != i18n_plural_count(c->plural)) {
			rc = co_errf_at(e, CO_EINPUT, en->line, 0, NULL,
			                "%s:%ld: \"%.60s\" has %u plural forms, '%s' needs %u",
			                name, en->line, en->msgid, en->nstr, c->lang,
			                i18n_plural_count(c->plural));
			goto out;
		}
		if (old && !same_strs(old, en)) {
			rc = co_errf_at(e, CO_EINPUT, en->line, 0, NULL,
			                "%s:%ld: \"%.60s\" is translated differently in %s", name,
			                en->line, en->msgid, old->source);
			goto out;
		}
		for (j = hash_key(en->ctx, en->msgid) & (seen_cap - 1); seen[j];
		     j = (j + 1) & (seen_cap - 1)) {
			const struct i18n__po_entry *o = &pd.v[seen[j] - 1];

			if (strcmp(o->msgid, en->msgid) == 0 && same_ctx(o->ctx, en->ctx)) {
				rc = co_errf_at(e, CO_EINPUT, en->line, 0, NULL,
				                "%s:%ld: \"%.60s\" is defined twice (line %ld)",
				                name, en->line, en->msgid, o->line);
				goto out;
			}
		}
		seen[j] = i + 1;
	}
	rc = grow(c, c->count + pd.n);
	if (rc) {
		co_errf(e, rc, "out of memory");
		goto out;
	}
	source = co_arena_strdup(&c->arena, name);
	if (!source) {
		rc = co_errf(e, CO_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < pd.n; i++) {
		const struct i18n__po_entry *en = &pd.v[i];
		struct entry *ne;
		unsigned k;

		if (find(c, en->ctx, en->msgid))
			continue; /* identical, checked above */
		ne = co_arena_calloc(&c->arena, 1, sizeof(*ne));
		if (!ne) {
			rc = co_errf(e, CO_ENOMEM, "out of memory");
			goto out;
		}
		ne->hash = hash_key(en->ctx, en->msgid);
		ne->ctx = en->ctx ? co_arena_strdup(&c->arena, en->ctx) : NULL;
		ne->msgid = co_arena_strdup(&c->arena, en->msgid);
		ne->plural = en->plural ? co_arena_strdup(&c->arena, en->plural) : NULL;
		ne->nstr = en->nstr;
		ne->source = source;
		for (k = 0; k < en->nstr; k++) {
			ne->str[k] = co_arena_strdup(&c->arena, en->str[k]);
			if (!ne->str[k]) {
				rc = co_errf(e, CO_ENOMEM, "out of memory");
				goto out;
			}
		}
		if (!ne->msgid || (en->ctx && !ne->ctx) || (en->plural && !ne->plural)) {
			rc = co_errf(e, CO_ENOMEM, "out of memory");
			goto out;
		}
		for (j = ne->hash & (c->cap - 1); c->slots[j]; j = (j + 1) & (c->cap - 1))
			;
		c->slots[j] = ne;
		c->count++;
	}
out:
	free(seen);
	i18n_plural_free(rule);
	free(pd.forms);
	free(pd.v);
	co_arena_free(&tmp);
	return rc;
}

/* ---- lookups ---- */

static const char *english_form(const char *msgid, const char *plural, unsigned long n)
{
	return plural && n != 1 ? plural : msgid;
}

const char *i18n_npgettext(const struct i18n_catalog *c, const char *ctx, const char *msgid,
                           const char *plural, unsigned long n)
{
	for (; c; c = c->fallback) {
		const struct entry *en = find(c, ctx, msgid);
		unsigned idx;

		if (!en)
			continue;
		idx = plural ? i18n_plural_eval(c->plural, n) : 0;
		if (idx < en->nstr && en->str[idx][0])
			return en->str[idx];
	}
	return english_form(msgid, plural, n);
}

const char *i18n_gettext(const struct i18n_catalog *c, const char *msgid)
{
	return i18n_npgettext(c, NULL, msgid, NULL, 1);
}

const char *i18n_pgettext(const struct i18n_catalog *c, const char *ctx, const char *msgid)
{
	return i18n_npgettext(c, ctx, msgid, NULL, 1);
}

const char *i18n_ngettext(const struct i18n_catalog *c, const char *msgid, const char *plural,
                          unsigned long n)
{
	return i18n_npgettext(c, NULL, msgid, plural, n);
}

const char *i18n_lang(const struct i18n_catalog *c)
{
	return c ? c->lang : I18N_DEFAULT;
}

int i18n_catalog_has(const struct i18n_catalog *c, const char *ctx, const char *msgid)
{
	const struct entry *en = find(c, ctx, msgid);
	unsigned i;

	if (!en)
		return -1;
	for (i = 0; i < en->nstr; i++)
		if (!en->str[i][0])
			return 0;
	return 1;
}

size_t i18n_catalog_size(const struct i18n_catalog *c)
{
	return c ? c->count : 0;
}

unsigned i18n_catalog_nplurals(const struct i18n_catalog *c)
{
	return c ? i18n_plural_count(c->plural) : 2;
}
