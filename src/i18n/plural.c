/*
 * plural.c - the Plural-Forms expression of a .po header, compiled and
 * evaluated safely.
 *
 * The expression is the C subset gettext accepts (GNU gettext manual,
 * "Plural forms"): the variable n, unsigned integer literals, unary !, the
 * binary operators * / % + - < <= > >= == != && || and the conditional
 * ?: with C's precedence and associativity, and parentheses. It is parsed
 * by recursive descent into a node array and evaluated on unsigned long
 * (wrapping, as gettext does). Safety: the text is at most PLURAL_MAX_LEN
 * bytes, the tree at most PLURAL_MAX_NODES nodes and the parser's recursion
 * PLURAL_MAX_DEPTH deep, so evaluation (recursive over the tree) is
 * bounded; x / 0 and x % 0 give 0; a result outside 0..nplurals-1 gives 0.
 */
#include "i18n/i18n.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PLURAL_MAX_LEN   1024
#define PLURAL_MAX_NODES 256
#define PLURAL_MAX_DEPTH 64
#define PLURAL_MAX_FORMS 8

enum op {
	OP_N,
	OP_NUM,
	OP_NOT,
	OP_MUL,
	OP_DIV,
	OP_MOD,
	OP_ADD,
	OP_SUB,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE,
	OP_EQ,
	OP_NE,
	OP_AND,
	OP_OR,
	OP_COND,
};

struct node {
	enum op op;
	unsigned long num;
	short a, b, c; /* operand node indexes */
};

struct i18n_plural {
	unsigned nplurals;
	int root;
	int count;
	struct node nodes[PLURAL_MAX_NODES];
};

struct parser {
	const char *s;   /* the whole Plural-Forms value */
	const char *p;   /* the cursor */
	const char *end; /* the end of the expression */
	struct i18n_plural *pl;
	int depth;
	struct co_err *e;
	int failed;
};

static int fail(struct parser *ps, const char *what)
{
	if (!ps->failed)
		co_errf_at(ps->e, CO_EINPUT, 0, (long)(ps->p - ps->s) + 1, NULL,
		           "Plural-Forms, column %ld: %s", (long)(ps->p - ps->s) + 1, what);
	ps->failed = 1;
	return -1;
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && isspace((unsigned char)*ps->p))
		ps->p++;
}

/* Consumes tok (after white space) when it is next; for "<" it must not be
 * "<=", and so on, which callers ensure by trying the longer token first. */
static int accept(struct parser *ps, const char *tok)
{
	size_t n = strlen(tok);

	skip_ws(ps);
	if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, tok, n) == 0) {
		ps->p += n;
		return 1;
	}
	return 0;
}

static int new_node(struct parser *ps, enum op op, int a, int b, int c)
{
	struct node *nd;

	if (ps->failed)
		return -1;
	if (ps->pl->count >= PLURAL_MAX_NODES)
		return fail(ps, "expression too long");
	nd = &ps->pl->nodes[ps->pl->count];
	nd->op = op;
	nd->num = 0;
	nd->a = (short)a;
	nd->b = (short)b;
	nd->c = (short)c;
	return ps->pl->count++;
}

static int parse_cond(struct parser *ps);

static int parse_primary(struct parser *ps)
{
	int r;

	if (ps->failed)
		return -1;
	if (++ps->depth > PLURAL_MAX_DEPTH)
		return fail(ps, "expression nested too deeply");
	skip_ws(ps);
	if (accept(ps, "(")) {
		r = parse_cond(ps);
		if (r >= 0 && !accept(ps, ")"))
			r = fail(ps, "')' expected");
	} else if (accept(ps, "!")) {
		r = parse_primary(ps);
		if (r >= 0)
			r = new_node(ps, OP_NOT, r, -1, -1);
	} else if (ps->p < ps->end && *ps->p == 'n' &&
	           !(ps->p + 1 < ps->end &&
	             (isalnum((unsigned char)ps->p[1]) || ps->p[1] == '_'))) {
		ps->p++;
		r = new_node(ps, OP_N, -1, -1, -1);
	} else if (ps->p < ps->end && isdigit((unsigned char)*ps->p)) {
		unsigned long v = 0;

		while (ps->p < ps->end && isdigit((unsigned char)*ps->p)) {
			unsigned d = (unsigned)(*ps->p - '0');

			if (v > (~0UL - d) / 10)
				return fail(ps, "number too large");
			v = v * 10 + d;
			ps->p++;
		}
		r = new_node(ps, OP_NUM, -1, -1, -1);
		if (r >= 0)
			ps->pl->nodes[r].num = v;
	} else {
		r = fail(ps, "'n', a number, '!' or '(' expected");
	}
	ps->depth--;
	return r;
}

/* Binary levels, tightest first. Each entry: tokens (longest first) and ops. */
struct level {
	const char *tok[4];
	enum op op[4];
};

static const struct level levels[] = {
        {{"*", "/", "%", NULL}, {OP_MUL, OP_DIV, OP_MOD, 0}},
        {{"+", "-", NULL, NULL}, {OP_ADD, OP_SUB, 0, 0}},
        {{"<=", ">=", "<", ">"}, {OP_LE, OP_GE, OP_LT, OP_GT}},
        {{"==", "!=", NULL, NULL}, {OP_EQ, OP_NE, 0, 0}},
        {{"&&", NULL, NULL, NULL}, {OP_AND, 0, 0, 0}},
        {{"||", NULL, NULL, NULL}, {OP_OR, 0, 0, 0}},
};

/* Level lv of levels[] (0 the tightest), left-associative. */
static int parse_level(struct parser *ps, int lv)
{
	int left, right, i, matched;

	left = lv == 0 ? parse_primary(ps) : parse_level(ps, lv - 1);
	while (left >= 0 && !ps->failed) {
		matched = -1;
		for (i = 0; i < 4 && levels[lv].tok[i]; i++) {
			if (accept(ps, levels[lv].tok[i])) {
				matched = i;
				break;
			}
		}
		if (matched < 0)
			break;
		right = lv == 0 ? parse_primary(ps) : parse_level(ps, lv - 1);
		if (right < 0)
			return -1;
		left = new_node(ps, levels[lv].op[matched], left, right, -1);
	}
	return left;
}

static int parse_cond(struct parser *ps)
{
	int c, a, b;

	if (++ps->depth > PLURAL_MAX_DEPTH)
		return fail(ps, "expression nested too deeply");
	c = parse_level(ps, (int)(sizeof(levels) / sizeof(levels[0])) - 1);
	if (c >= 0 && accept(ps, "?")) {
		a = parse_cond(ps);
		if (a < 0)
			return -1;
		if (!accept(ps, ":"))
			return fail(ps, "':' expected");
		b = parse_cond(ps);
		if (b < 0)
			return -1;
		c = new_node(ps, OP_COND, c, a, b);
	}
	ps->depth--;
	return c;
}

static unsigned long eval(const struct i18n_plural *p, int i, unsigned long n)
{
	const struct node *nd = &p->nodes[i];
	unsigned long x, y;

	switch (nd->op) {
	case OP_N: return n;
	case OP_NUM: return nd->num;
	case OP_NOT: return !eval(p, nd->a, n);
	case OP_AND: return eval(p, nd->a, n) && eval(p, nd->b, n);
	case OP_OR: return eval(p, nd->a, n) || eval(p, nd->b, n);
	case OP_COND: return eval(p, nd->a, n) ? eval(p, nd->b, n) : eval(p, nd->c, n);
	default: break;
	}
	x = eval(p, nd->a, n);
	y = eval(p, nd->b, n);
	switch (nd->op) {
	case OP_MUL: return x * y;
	case OP_DIV: return y ? x / y : 0;
	case OP_MOD: return y ? x % y : 0;
	case OP_ADD: return x + y;
	case OP_SUB: return x - y;
	case OP_LT: return x < y;
	case OP_LE: return x <= y;
	case OP_GT: return x > y;
	case OP_GE: return x >= y;
	case OP_EQ: return x == y;
	case OP_NE: return x != y;
	default: return 0;
	}
}

/* Finds "key=" in s (at the start or after ';' and white space); returns a
 * pointer just past '=' or NULL. */
static const char *find_key(const char *s, const char *end, const char *key)
{
	size_t n = strlen(key);
	const char *p = s;

	while (p < end) {
		while (p < end && (isspace((unsigned char)*p) || *p == ';'))
			p++;
		if ((size_t)(end - p) > n && memcmp(p, key, n) == 0) {
			const char *q = p + n;

			while (q < end && isspace((unsigned char)*q))
				q++;
			if (q < end && *q == '=')
				return q + 1;
		}
		while (p < end && *p != ';')
			p++;
	}
	return NULL;
}

int i18n_plural_compile(const char *forms, struct i18n_plural **out, struct co_err *e)
{
	struct i18n_plural *pl;
	struct parser ps;
	const char *end, *np, *ex;
	char *num_end;
	unsigned long nplurals;

	end = forms + strlen(forms);
	if (end - forms > PLURAL_MAX_LEN)
		return co_errf(e, CO_EINPUT, "Plural-Forms longer than %d bytes", PLURAL_MAX_LEN);
	np = find_key(forms, end, "nplurals");
	ex = find_key(forms, end, "plural");
	if (!np || !ex)
		return co_errf(e, CO_EINPUT, "Plural-Forms needs nplurals=N; plural=EXPR;");
	while (np < end && isspace((unsigned char)*np))
		np++;
	if (!isdigit((unsigned char)*np))
		return co_errf(e, CO_EINPUT, "Plural-Forms: nplurals is not a number");
	errno = 0;
	nplurals = strtoul(np, &num_end, 10);
	if (errno || nplurals < 1 || nplurals > PLURAL_MAX_FORMS)
		return co_errf(e, CO_EINPUT, "Plural-Forms: nplurals must be 1 to %d",
		               PLURAL_MAX_FORMS);
	pl = calloc(1, sizeof(*pl));
	if (!pl)
		return co_errf(e, CO_ENOMEM, "out of memory");
	pl->nplurals = (unsigned)nplurals;
	memset(&ps, 0, sizeof(ps));
	ps.s = forms;
	ps.p = ex;
	ps.end = memchr(ex, ';', (size_t)(end - ex));
	if (!ps.end)
		ps.end = end;
	ps.pl = pl;
	ps.e = e;
	pl->root = parse_cond(&ps);
	if (!ps.failed) {
		skip_ws(&ps);
		if (ps.p != ps.end)
			fail(&ps, "unexpected text after the expression");
	}
	if (ps.failed || pl->root < 0) {
		free(pl);
		return CO_EINPUT;
	}
	*out = pl;
	return 0;
}

unsigned i18n_plural_eval(const struct i18n_plural *p, unsigned long n)
{
	unsigned long r = eval(p, p->root, n);

	return r < p->nplurals ? (unsigned)r : 0;
}

unsigned i18n_plural_count(const struct i18n_plural *p)
{
	return p->nplurals;
}

void i18n_plural_free(struct i18n_plural *p)
{
	free(p);
}
