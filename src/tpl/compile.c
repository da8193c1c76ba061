/*
 * compile.c - template source to a tree of nodes (see internal.h).
 *
 * Three passes over one template:
 *   1. tokenize: text, {{ output }}, {% tag %} and {# comment #}, finding
 *      each closing delimiter outside string literals;
 *   2. white space: {%- -%} strip, and a {% tag %} or {# #} alone on its
 *      line takes its indentation and its newline with it;
 *   3. parse: recursive descent over the tokens (tags) and over each tag's
 *      text (expressions), while an HTML state machine follows the literal
 *      text so that each output knows where it stands (text, attribute
 *      value, URL attribute, or a place where no value may go).
 *
 * The HTML state machine is a small subset of the HTML tokenizer (WHATWG
 * HTML, "Tokenization"): data, tag open, tag name, attribute name and
 * value (double, single, unquoted), comments, <!...> declarations, and the
 * raw-text elements (script, style) and escapable raw-text elements
 * (title, textarea) whose content ends only at the matching end tag.
 * Branches of an if and a loop's body must leave it where they found it
 * (after treating a finished tag or attribute name as "inside the tag"),
 * so that the state at each output does not depend on run-time data.
 *
 * Bounds, so that hostile input (the fuzzer) cannot exhaust the stack:
 * tags nest at most MAX_NEST deep, expressions at most MAX_EXPR_DEPTH.
 */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tpl/internal.h"

#define MAX_NEST       64
#define MAX_EXPR_DEPTH 64
#define MAX_EXPR_NODES 1024

/* ---- tokens ---- */

enum tkind { TK_TEXT, TK_OUT, TK_TAG, TK_COMMENT };

struct tok {
	enum tkind kind;
	size_t pos;        /* the opening delimiter (TEXT: its start) */
	size_t start, end; /* the content (TEXT: the text after white space rules) */
	size_t close;      /* just past the closing delimiter */
	int trim_l, trim_r;
};

/* ---- HTML state ---- */

enum hst {
	H_TEXT,
	H_LT,
	H_TAGNAME,
	H_ENDTAG,
	H_TAG,
	H_ATTR,
	H_AFTER_ATTR,
	H_BEFORE_VAL,
	H_VAL_DQ,
	H_VAL_SQ,
	H_VAL_UNQ,
	H_BANG,
	H_COMMENT,
	H_RAW,
	H_RCDATA,
};

struct hs {
	enum hst st;
	char tag[12];
	int taglen; /* may exceed sizeof(tag): then no special element */
	char attr[16];
	int attrlen;
	int val_start; /* nothing yet in the attribute value */
	int n;         /* H_BANG: dashes seen; H_COMMENT: dashes; raw: "</tag" matched */
};

struct cc {
	struct co_arena *a;
	const char *name;
	const char *src;
	size_t len;
	int html;
	struct co_err *e;
	int failed;
	size_t *lines; /* offsets of line starts */
	size_t nlines;
	struct tok *toks;
	size_t ntok, ti;
	struct hs h;
	struct tpl__tpl *t;
	int nest;
};

/* ---- errors and positions ---- */

static void line_col(const struct cc *c, size_t off, int *line, int *col)
{
	size_t lo = 0, hi = c->nlines;

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (c->lines[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	*line = (int)lo + 1;
	*col = (int)(off - c->lines[lo]) + 1;
}

static int line_of(const struct cc *c, size_t off)
{
	int l, col;

	line_col(c, off, &l, &col);
	return l;
}

__attribute__((format(printf, 3, 4))) static int cerr(struct cc *c, size_t off, const char *fmt,
                                                      ...)
{
	char msg[CO_MAX_ERRMSG];
	va_list ap;
	int line, col;

	if (c->failed)
		return CO_EINPUT;
	c->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (off > c->len)
		off = c->len;
	line_col(c, off, &line, &col);
	return co_errf_at(c->e, CO_EINPUT, line, col, c->name, "%s:%d:%d: %s", c->name, line, col,
	                  msg);
}

static void *alloc(struct cc *c, size_t n)
{
	void *p = co_arena_calloc(c->a, 1, n);

	if (!p && !c->failed) {
		c->failed = 1;
		co_errf(c->e, CO_ENOMEM, "%s: out of memory", c->name);
	}
	return p;
}

static char *dupn(struct cc *c, const char *s, size_t n)
{
	char *p = co_arena_strndup(c->a, s, n);

	if (!p && !c->failed) {
		c->failed = 1;
		co_errf(c->e, CO_ENOMEM, "%s: out of memory", c->name);
	}
	return p;
}

/* ---- pass 1: tokens ---- */

static int add_tok(struct cc *c, struct tok *t, size_t *cap)
{
	if (c->ntok == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct tok *nt = realloc(c->toks, ncap * sizeof(*nt));

		if (!nt) {
			c->failed = 1;
			return co_errf(c->e, CO_ENOMEM, "%s: out of memory", c->name);
		}
		c->toks = nt;
		*cap = ncap;
	}
	c->toks[c->ntok++] = *t;
	return 0;
}

/* The offset of the closing delimiter d1 d2 from p, skipping string
 * literals; len when none. */
static size_t find_close(const struct cc *c, size_t p, char d1, char d2, int strings)
{
	char q = 0;

	for (; p + 1 < c->len; p++) {
		char ch = c->src[p];

		if (q) {
			if (ch == '\\' && p + 2 < c->len)
				p++;
			else if (ch == q)
				q = 0;
			continue;
		}
		if (strings && (ch == '"' || ch == '\''))
			q = ch;
		else if (ch == d1 && c->src[p + 1] == d2)
			return p;
	}
	return c->len;
}

static int tokenize(struct cc *c)
{
	size_t p = 0, cap = 0;

	while (p < c->len) {
		const char *open = NULL;
		size_t q = p;
		struct tok t;

		while (q + 1 < c->len) {
			open = memchr(c->src + q, '{', c->len - q - 1);
			if (!open)
				break;
			q = (size_t)(open - c->src);
			if (open[1] == '{' || open[1] == '%' || open[1] == '#')
				break;
			q++;
			open = NULL;
		}
		if (!open)
			q = c->len;
		if (q > p) {
			memset(&t, 0, sizeof(t));
			t.kind = TK_TEXT;
			t.pos = t.start = p;
			t.end = t.close = q;
			if (add_tok(c, &t, &cap))
				return -1;
		}
		if (q >= c->len)
			break;
		memset(&t, 0, sizeof(t));
		t.pos = q;
		{
			char k = c->src[q + 1];
			char d1 = k == '{' ? '}' : k;
			size_t s = q + 2, e;

			t.kind = k == '{' ? TK_OUT : k == '%' ? TK_TAG : TK_COMMENT;
			if (s < c->len && c->src[s] == '-') {
				t.trim_l = 1;
				s++;
			}
			e = find_close(c, s, d1, '}', t.kind != TK_COMMENT);
			if (e >= c->len)
				return cerr(c, q, "'%c%c' is never closed", '{', k);
			t.close = e + 2;
			if (e > s && c->src[e - 1] == '-') {
				t.trim_r = 1;
				e--;
			}
			t.start = s;
			t.end = e;
		}
		if (add_tok(c, &t, &cap))
			return -1;
		p = t.close;
	}
	return 0;
}

/* ---- pass 2: white space ---- */

static int is_hspace(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

static void whitespace(struct cc *c)
{
	size_t i;

	for (i = 0; i < c->ntok; i++) {
		struct tok *t = &c->toks[i];
		struct tok *prev = i > 0 && c->toks[i - 1].kind == TK_TEXT ? &c->toks[i - 1] : NULL;
		struct tok *next =
		        i + 1 < c->ntok && c->toks[i + 1].kind == TK_TEXT ? &c->toks[i + 1] : NULL;
		size_t b, a;

		if (t->kind == TK_TEXT)
			continue;
		if (t->trim_l && prev)
			while (prev->end > prev->start &&
			       isspace((unsigned char)c->src[prev->end - 1]))
				prev->end--;
		if (t->trim_r && next)
			while (next->start < next->end &&
			       isspace((unsigned char)c->src[next->start]))
				next->start++;
		if (t->kind == TK_OUT)
			continue;
		/* alone on its line? */
		b = t->pos;
		while (b > 0 && is_hspace(c->src[b - 1]))
			b--;
		if (b > 0 && c->src[b - 1] != '\n')
			continue;
		a = t->close;
		while (a < c->len && is_hspace(c->src[a]))
			a++;
		if (a < c->len && c->src[a] != '\n')
			continue;
		if (prev && prev->end > b && b >= prev->start)
			prev->end = b;
		if (next && a < c->len && next->start <= a + 1 && next->end >= a + 1)
			next->start = a + 1;
	}
}

/* ---- the HTML state machine ---- */

static void end_start_tag(struct hs *h)
{
	h->n = 0;
	if ((h->taglen == 6 && !memcmp(h->tag, "script", 6)) ||
	    (h->taglen == 5 && !memcmp(h->tag, "style", 5)))
		h->st = H_RAW;
	else if ((h->taglen == 5 && !memcmp(h->tag, "title", 5)) ||
	         (h->taglen == 8 && !memcmp(h->tag, "textarea", 8)))
		h->st = H_RCDATA;
	else
		h->st = H_TEXT;
}

static void h_feed(struct hs *h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char ch = s[i];
		char lc = (char)tolower((unsigned char)ch);
		int sp = isspace((unsigned char)ch);

		switch (h->st) {
		case H_TEXT:
			if (ch == '<')
				h->st = H_LT;
			break;
		case H_LT:
			if (isalpha((unsigned char)ch)) {
				h->st = H_TAGNAME;
				h->tag[0] = lc;
				h->taglen = 1;
			} else if (ch == '/') {
				h->st = H_ENDTAG;
			} else if (ch == '!' || ch == '?') {
				h->st = H_BANG;
				h->n = ch == '!' ? 0 : 3;
			} else {
				h->st = ch == '<' ? H_LT : H_TEXT;
			}
			break;
		case H_BANG:
			if (ch == '-' && h->n < 2) {
				if (++h->n == 2) {
					h->st = H_COMMENT;
					h->n = 0;
				}
			} else if (ch == '>') {
				h->st = H_TEXT;
			} else {
				h->n = 3;
			}
			break;
		case H_COMMENT:
			if (ch == '-')
				h->n++;
			else if (ch == '>' && h->n >= 2)
				h->st = H_TEXT;
			else
				h->n = 0;
			break;
		case H_ENDTAG:
			if (ch == '>')
				h->st = H_TEXT;
			break;
		case H_TAGNAME:
			if (sp || ch == '/') {
				h->st = H_TAG;
			} else if (ch == '>') {
				end_start_tag(h);
			} else {
				if (h->taglen < (int)sizeof(h->tag))
					h->tag[h->taglen] = lc;
				if (h->taglen < 1000)
					h->taglen++;
			}
			break;
		case H_TAG:
		case H_AFTER_ATTR:
			if (sp || ch == '/') {
				if (ch == '/')
					h->st = H_TAG;
			} else if (ch == '>') {
				end_start_tag(h);
			} else if (ch == '=' && h->st == H_AFTER_ATTR) {
				h->st = H_BEFORE_VAL;
			} else {
				h->st = H_ATTR;
				h->attr[0] = lc;
				h->attrlen = 1;
			}
			break;
		case H_ATTR:
			if (sp) {
				h->st = H_AFTER_ATTR;
			} else if (ch == '=') {
				h->st = H_BEFORE_VAL;
			} else if (ch == '>') {
				end_start_tag(h);
			} else if (ch == '/') {
				h->st = H_TAG;
			} else {
				if (h->attrlen < (int)sizeof(h->attr))
					h->attr[h->attrlen] = lc;
				if (h->attrlen < 1000)
					h->attrlen++;
			}
			break;
		case H_BEFORE_VAL:
			if (sp)
				break;
			if (ch == '"' || ch == '\'') {
				h->st = ch == '"' ? H_VAL_DQ : H_VAL_SQ;
				h->val_start = 1;
			} else if (ch == '>') {
				end_start_tag(h);
			} else {
				h->st = H_VAL_UNQ;
			}
			break;
		case H_VAL_DQ:
		case H_VAL_SQ:
			if (ch == (h->st == H_VAL_DQ ? '"' : '\''))
				h->st = H_TAG;
			else
				h->val_start = 0;
			break;
		case H_VAL_UNQ:
			if (sp)
				h->st = H_TAG;
			else if (ch == '>')
				end_start_tag(h);
			break;
		case H_RAW:
		case H_RCDATA: {
			int k = h->n;
			char want = k == 0 ? '<' : k == 1 ? '/' : h->tag[k - 2];

			if (lc == want) {
				h->n++;
				if (h->n == 2 + h->taglen) {
					h->st = H_ENDTAG;
					h->n = 0;
				}
			} else {
				h->n = ch == '<' ? 1 : 0;
			}
			break;
		}
		}
	}
}

/* At a {% tag %}: a finished tag name or attribute name means "inside the
 * tag", whichever it was. */
static void h_settle(struct hs *h)
{
	if (h->st == H_TAGNAME || h->st == H_ATTR || h->st == H_AFTER_ATTR)
		h->st = H_TAG;
}

static int h_same(const struct hs *a, const struct hs *b)
{
	if (a->st != b->st)
		return 0;
	if (a->st == H_RAW || a->st == H_RCDATA)
		return a->taglen == b->taglen && !memcmp(a->tag, b->tag, sizeof(a->tag));
	if (a->st == H_VAL_DQ || a->st == H_VAL_SQ)
		return a->attrlen == b->attrlen && !memcmp(a->attr, b->attr, sizeof(a->attr));
	return 1;
}

static const char *h_where(enum hst st)
{
	switch (st) {
	case H_TEXT: return "text";
	case H_VAL_DQ:
	case H_VAL_SQ: return "an attribute value";
	case H_VAL_UNQ:
	case H_BEFORE_VAL: return "an unquoted attribute value";
	case H_COMMENT:
	case H_BANG: return "an HTML comment";
	case H_RAW: return "<script> or <style>";
	case H_RCDATA: return "<title> or <textarea>";
	default: return "a tag";
	}
}

static int attr_is(const struct hs *h, const char *name)
{
	size_t n = strlen(name);

	return h->attrlen == (int)n && n <= sizeof(h->attr) && memcmp(h->attr, name, n) == 0;
}

static int url_attr(const struct hs *h)
{
	static const char *const names[] = {
	        "href",       "src",  "action",     "formaction", "cite", "poster",   "srcset",
	        "xlink:href", "data", "background", "manifest",   "ping", "longdesc", NULL};
	int i;

	for (i = 0; names[i]; i++)
		if (attr_is(h, names[i]))
			return 1;
	return 0;
}

/* How an output at off is escaped (or an error when no value may go there). */
static int out_esc(struct cc *c, size_t off, int raw, enum tpl__esc *esc)
{
	struct hs *h = &c->h;

	if (!c->html) {
		*esc = TPL__ESC_NONE;
		return 0;
	}
	switch (h->st) {
	case H_TEXT:
	case H_RCDATA: *esc = raw ? TPL__ESC_NONE : TPL__ESC_HTML; return 0;
	case H_VAL_DQ:
	case H_VAL_SQ:
		if ((h->attrlen > 2 && h->attr[0] == 'o' && h->attr[1] == 'n') ||
		    attr_is(h, "style"))
			return cerr(c, off,
			            "no values in an event-handler or style attribute (keep "
			            "script and style in static files)");
		if (raw)
			*esc = TPL__ESC_NONE;
		else if (h->val_start && url_attr(h))
			*esc = TPL__ESC_URL;
		else
			*esc = TPL__ESC_HTML;
		h->val_start = 0;
		return 0;
	case H_VAL_UNQ:
	case H_BEFORE_VAL:
		return cerr(c, off, "put the attribute value in quotes: attr=\"{{ ... }}\"");
	case H_RAW: return cerr(c, off, "no values inside <script> or <style>");
	case H_COMMENT:
	case H_BANG: return cerr(c, off, "no values inside an HTML comment");
	default:
		return cerr(c, off,
		            "a value cannot stand inside a tag; write it as an attribute value: "
		            "name=\"{{ ... }}\"");
	}
}

/* ---- expressions ---- */

enum etok {
	ET_END,
	ET_NAME,
	ET_INT,
	ET_REAL,
	ET_STR,
	ET_OP, /* punctuation and operators: text in op[] */
};

struct ep {
	struct cc *c;
	size_t p, end; /* the cursor and the end of the tag's text */
	/* the current token */
	enum etok t;
	size_t tpos, tlen;
	char op[3];
	long long ival;
	double rval;
	char *sval; /* ET_STR, decoded, in the arena */
	size_t slen;
	int depth, nodes;
};

static int next(struct ep *x);

static int ep_err(struct ep *x, size_t off, const char *what)
{
	return cerr(x->c, off, "%s", what);
}

static int next(struct ep *x)
{
	const char *s = x->c->src;
	int after_dot = x->t == ET_OP && x->op[0] == '.' && !x->op[1];

	while (x->p < x->end && isspace((unsigned char)s[x->p]))
		x->p++;
	x->tpos = x->p;
	if (x->p >= x->end) {
		x->t = ET_END;
		x->tlen = 0;
		return 0;
	}
	if (isalpha((unsigned char)s[x->p]) || s[x->p] == '_') {
		while (x->p < x->end && (isalnum((unsigned char)s[x->p]) || s[x->p] == '_'))
			x->p++;
		x->t = ET_NAME;
	} else if (isdigit((unsigned char)s[x->p])) {
		char buf[64], *e;
		size_t n;
		int real = 0;

		while (x->p < x->end && isdigit((unsigned char)s[x->p]))
			x->p++;
		if (!after_dot && x->p + 1 < x->end && s[x->p] == '.' &&
		    isdigit((unsigned char)s[x->p + 1])) {
			real = 1;
			x->p++;
			while (x->p < x->end && isdigit((unsigned char)s[x->p]))
				x->p++;
		}
		n = x->p - x->tpos;
		if (n >= sizeof(buf))
			return ep_err(x, x->tpos, "number too long");
		memcpy(buf, s + x->tpos, n);
		buf[n] = '\0';
		if (real) {
			x->t = ET_REAL;
			x->rval = strtod(buf, &e);
		} else {
			x->t = ET_INT;
			x->ival = strtoll(buf, &e, 10);
			if (x->ival == LLONG_MAX)
				return ep_err(x, x->tpos, "number too large");
		}
	} else if (s[x->p] == '"' || s[x->p] == '\'') {
		char q = s[x->p++];
		size_t start = x->p, n = 0;
		char *d;

		while (x->p < x->end && s[x->p] != q) {
			if (s[x->p] == '\\')
				x->p++;
			x->p++;
		}
		if (x->p >= x->end)
			return ep_err(x, x->tpos, "the string is never closed");
		d = co_arena_alloc(x->c->a, x->p - start + 1);
		if (!d)
			return ep_err(x, x->tpos, "out of memory");
		for (size_t i = start; i < x->p; i++) {
			char ch = s[i];

			if (ch == '\\') {
				ch = s[++i];
				if (ch == 'n')
					ch = '\n';
				else if (ch == 't')
					ch = '\t';
				else if (ch != '\\' && ch != '"' && ch != '\'')
					return ep_err(x, i - 1, "unknown escape in a string");
			}
			if (ch == '\0')
				return ep_err(x, i, "a NUL byte in a string");
			d[n++] = ch;
		}
		d[n] = '\0';
		x->p++;
		x->t = ET_STR;
		x->sval = d;
		x->slen = n;
	} else {
		static const char *const two[] = {"==", "!=", "<=", ">=", NULL};
		int i;

		x->t = ET_OP;
		x->op[0] = s[x->p];
		x->op[1] = '\0';
		x->op[2] = '\0';
		for (i = 0; two[i]; i++) {
			if (x->p + 1 < x->end && s[x->p] == two[i][0] && s[x->p + 1] == two[i][1]) {
				x->op[1] = two[i][1];
				break;
			}
		}
		x->p += x->op[1] ? 2 : 1;
		if (!strchr("=!<>+-*/%~|()[].,", x->op[0]) || (x->op[0] == '!' && !x->op[1]))
			return ep_err(x, x->tpos, "unexpected character");
	}
	x->tlen = x->p - x->tpos;
	return 0;
}

static int is_op(const struct ep *x, const char *op)
{
	return x->t == ET_OP && strcmp(x->op, op) == 0;
}

static int is_word(const struct ep *x, const char *w)
{
	size_t n = strlen(w);

	return x->t == ET_NAME && x->tlen == n && memcmp(x->c->src + x->tpos, w, n) == 0;
}

static int is_keyword(const char *s, size_t n)
{
	static const char *const kw[] = {"and",  "or",   "not", "in",   "true", "false",
	                                 "null", "loop", "if",  "else", NULL};
	int i;

	for (i = 0; kw[i]; i++)
		if (strlen(kw[i]) == n && memcmp(kw[i], s, n) == 0)
			return 1;
	return 0;
}

static struct tpl__expr *new_expr(struct ep *x, enum tpl__ekind k)
{
	struct tpl__expr *e;

	if (++x->nodes > MAX_EXPR_NODES) {
		ep_err(x, x->tpos, "expression too long");
		return NULL;
	}
	e = alloc(x->c, sizeof(*e));
	if (e)
		e->kind = k;
	return e;
}

static struct tpl__expr *parse_expr(struct ep *x);

/* A name token as an arena string. */
static const char *take_name(struct ep *x)
{
	return dupn(x->c, x->c->src + x->tpos, x->tlen);
}

/* Checks that every {name} placeholder in s is among args (or is count). */
static int check_placeholders(struct ep *x, size_t off, const char *s,
                              const struct tpl__kwarg *args, const char *count)
{
	const char *p;

	for (p = strchr(s, '{'); p; p = strchr(p + 1, '{')) {
		const char *q = p + 1;
		const struct tpl__kwarg *k;
		size_t n;

		while (isalnum((unsigned char)*q) || *q == '_')
			q++;
		n = (size_t)(q - p - 1);
		if (*q != '}' || n == 0 || isdigit((unsigned char)p[1]))
			continue;
		if (count && strlen(count) == n && !memcmp(count, p + 1, n))
			continue;
		for (k = args; k; k = k->next)
			if (strlen(k->name) == n && !memcmp(k->name, p + 1, n))
				break;
		if (!k)
			return cerr(x->c, off, "the placeholder {%.*s} is not given a value",
			            (int)n, p + 1);
	}
	return 0;
}

/* name=expr pairs, separated by commas (for calls) or by space or commas
 * (tags), until the end or ')'. */
static int parse_kwargs(struct ep *x, struct tpl__kwarg **out)
{
	struct tpl__kwarg *head = NULL, **tail = &head;

	while (x->t == ET_NAME) {
		struct tpl__kwarg *k = alloc(x->c, sizeof(*k));
		struct tpl__kwarg *o;

		if (!k)
			return -1;
		if (is_keyword(x->c->src + x->tpos, x->tlen))
			return ep_err(x, x->tpos, "a keyword cannot be a variable name");
		k->name = take_name(x);
		if (!k->name)
			return -1;
		for (o = head; o; o = o->next)
			if (strcmp(o->name, k->name) == 0)
				return ep_err(x, x->tpos, "a name given twice");
		if (next(x))
			return -1;
		if (!is_op(x, "="))
			return ep_err(x, x->tpos, "'=' expected after the name");
		if (next(x))
			return -1;
		k->value = parse_expr(x);
		if (!k->value)
			return -1;
		*tail = k;
		tail = &k->next;
		if (is_op(x, ",") && next(x))
			return -1;
	}
	*out = head;
	return 0;
}

static int expect_str(struct ep *x, const char *what, const char **out)
{
	if (x->t != ET_STR)
		return cerr(x->c, x->tpos, "%s must be a string literal", what);
	*out = x->sval;
	return next(x);
}

static struct tpl__expr *parse_gettext(struct ep *x, const char *fn, size_t at)
{
	int has_ctx = fn[0] == 'p' || fn[1] == 'p';
	int has_plural = fn[0] == 'n';
	struct tpl__expr *e = new_expr(x, TPL__E_GETTEXT);
	struct tpl__msg *m;

	if (!e)
		return NULL;
	m = &e->u.msg;
	m->line = line_of(x->c, at);
	if (next(x)) /* past the name; now at '(' */
		return NULL;
	if (!is_op(x, "(")) {
		ep_err(x, x->tpos, "'(' expected");
		return NULL;
	}
	if (next(x))
		return NULL;
	if (has_ctx) {
		if (expect_str(x, "the context", &m->ctx))
			return NULL;
		if (!is_op(x, ",") || next(x)) {
			ep_err(x, x->tpos, "',' expected");
			return NULL;
		}
	}
	if (expect_str(x, "the message", &m->msgid))
		return NULL;
	if (!m->msgid[0]) {
		ep_err(x, at, "the message is empty");
		return NULL;
	}
	if (has_plural) {
		if (!is_op(x, ",") || next(x) || expect_str(x, "the plural message", &m->plural)) {
			ep_err(x, x->tpos, "the plural message expected");
			return NULL;
		}
		if (!is_op(x, ",") || next(x)) {
			ep_err(x, x->tpos, "',' and the count expected");
			return NULL;
		}
		m->count = parse_expr(x);
		if (!m->count)
			return NULL;
		m->count_name = "n";
	}
	if (is_op(x, ",") && next(x))
		return NULL;
	if (parse_kwargs(x, &m->args))
		return NULL;
	if (!is_op(x, ")")) {
		ep_err(x, x->tpos, "')' expected");
		return NULL;
	}
	if (check_placeholders(x, at, m->msgid, m->args, m->count_name) ||
	    (m->plural && check_placeholders(x, at, m->plural, m->args, m->count_name)))
		return NULL;
	if (next(x))
		return NULL;
	return e;
}

static struct tpl__expr *parse_primary(struct ep *x)
{
	struct tpl__expr *e = NULL;
	size_t at = x->tpos;

	switch (x->t) {
	case ET_INT:
	case ET_REAL:
		e = new_expr(x, TPL__E_LIT);
		if (!e)
			return NULL;
		e->u.lit.kind = x->t == ET_INT ? TPL__L_INT : TPL__L_REAL;
		e->u.lit.i = x->ival;
		e->u.lit.r = x->rval;
		break;
	case ET_STR:
		e = new_expr(x, TPL__E_LIT);
		if (!e)
			return NULL;
		e->u.lit.kind = TPL__L_STR;
		e->u.lit.s = x->sval;
		e->u.lit.len = x->slen;
		break;
	case ET_NAME:
		if (is_word(x, "true") || is_word(x, "false") || is_word(x, "null")) {
			e = new_expr(x, TPL__E_LIT);
			if (!e)
				return NULL;
			e->u.lit.kind = is_word(x, "null") ? TPL__L_NULL : TPL__L_BOOL;
			e->u.lit.i = is_word(x, "true");
			break;
		}
		if (is_word(x, "_") || is_word(x, "ngettext") || is_word(x, "pgettext") ||
		    is_word(x, "npgettext")) {
			char fn[12];

			memcpy(fn, x->c->src + x->tpos, x->tlen);
			fn[x->tlen] = '\0';
			return parse_gettext(x, fn, at);
		}
		if (is_keyword(x->c->src + x->tpos, x->tlen) && !is_word(x, "loop")) {
			ep_err(x, at, "a value expected");
			return NULL;
		}
		e = new_expr(x, TPL__E_NAME);
		if (!e)
			return NULL;
		e->u.name = take_name(x);
		if (!e->u.name)
			return NULL;
		if (next(x))
			return NULL;
		if (is_op(x, "(")) {
			ep_err(x, at, "unknown function (only _, ngettext, pgettext, npgettext)");
			return NULL;
		}
		return e;
	case ET_OP:
		if (is_op(x, "(")) {
			if (next(x))
				return NULL;
			e = parse_expr(x);
			if (!e)
				return NULL;
			if (!is_op(x, ")")) {
				ep_err(x, x->tpos, "')' expected");
				return NULL;
			}
			break;
		}
		/* fall through */
	default:
		ep_err(x, at,
		       x->t == ET_END ? "a value expected, found the end" : "a value expected");
		return NULL;
	}
	if (next(x))
		return NULL;
	return e;
}

static const struct {
	const char *name;
	enum tpl__filter f;
	int arg; /* 0 none, 1 required, 2 optional */
} filters[] = {
        {"url", TPL__F_URL, 0},           {"default", TPL__F_DEFAULT, 1},
        {"length", TPL__F_LENGTH, 0},     {"join", TPL__F_JOIN, 2},
        {"number", TPL__F_NUMBER, 2},     {"date", TPL__F_DATE, 0},
        {"datetime", TPL__F_DATETIME, 0}, {"time", TPL__F_TIME, 0},
        {"isodate", TPL__F_ISODATE, 0},   {"upper", TPL__F_UPPER, 0},
        {"lower", TPL__F_LOWER, 0},
};

static struct tpl__expr *parse_postfix(struct ep *x)
{
	struct tpl__expr *e = parse_primary(x);

	while (e) {
		if (is_op(x, ".")) {
			struct tpl__expr *a = new_expr(x, TPL__E_ATTR);

			if (!a || next(x))
				return NULL;
			if (x->t != ET_NAME && x->t != ET_INT) {
				ep_err(x, x->tpos, "a name or an index expected after '.'");
				return NULL;
			}
			a->u.op.a = e;
			a->u.op.name = take_name(x);
			if (!a->u.op.name || next(x))
				return NULL;
			e = a;
		} else if (is_op(x, "[")) {
			struct tpl__expr *a = new_expr(x, TPL__E_INDEX);

			if (!a || next(x))
				return NULL;
			a->u.op.a = e;
			a->u.op.b = parse_expr(x);
			if (!a->u.op.b)
				return NULL;
			if (!is_op(x, "]")) {
				ep_err(x, x->tpos, "']' expected");
				return NULL;
			}
			if (next(x))
				return NULL;
			e = a;
		} else if (is_op(x, "|")) {
			struct tpl__expr *f = new_expr(x, TPL__E_FILTER);
			size_t i, n = sizeof(filters) / sizeof(filters[0]);

			if (!f || next(x))
				return NULL;
			if (x->t != ET_NAME) {
				ep_err(x, x->tpos, "a filter name expected after '|'");
				return NULL;
			}
			if (is_word(x, "raw")) {
				ep_err(x, x->tpos, "raw must be the last filter of {{ ... }}");
				return NULL;
			}
			for (i = 0; i < n; i++)
				if (is_word(x, filters[i].name))
					break;
			if (i == n) {
				ep_err(x, x->tpos, "unknown filter");
				return NULL;
			}
			f->u.filter.a = e;
			f->u.filter.f = filters[i].f;
			if (next(x))
				return NULL;
			if (is_op(x, "(")) {
				if (!filters[i].arg) {
					ep_err(x, x->tpos, "this filter takes no argument");
					return NULL;
				}
				if (next(x))
					return NULL;
				f->u.filter.arg = parse_expr(x);
				if (!f->u.filter.arg)
					return NULL;
				if (!is_op(x, ")")) {
					ep_err(x, x->tpos, "')' expected");
					return NULL;
				}
				if (next(x))
					return NULL;
			} else if (filters[i].arg == 1) {
				ep_err(x, x->tpos, "this filter needs an argument: name(value)");
				return NULL;
			}
			e = f;
		} else {
			break;
		}
	}
	return e;
}

static struct tpl__expr *parse_unary(struct ep *x)
{
	if (++x->depth > MAX_EXPR_DEPTH) {
		ep_err(x, x->tpos, "expression nested too deeply");
		return NULL;
	}
	if (is_op(x, "-")) {
		struct tpl__expr *e = new_expr(x, TPL__E_NEG);

		if (!e || next(x))
			return NULL;
		e->u.op.a = parse_unary(x);
		x->depth--;
		return e->u.op.a ? e : NULL;
	}
	{
		struct tpl__expr *e = parse_postfix(x);

		x->depth--;
		return e;
	}
}

static struct tpl__expr *binary(struct ep *x, struct tpl__expr *a, enum tpl__ekind k,
                                enum tpl__binop op, struct tpl__expr *(*sub)(struct ep *))
{
	struct tpl__expr *e = new_expr(x, k);

	if (!e || next(x))
		return NULL;
	e->u.op.a = a;
	e->u.op.op = op;
	e->u.op.b = sub(x);
	return e->u.op.b ? e : NULL;
}

static struct tpl__expr *parse_mul(struct ep *x)
{
	struct tpl__expr *e = parse_unary(x);

	while (e && x->t == ET_OP && !x->op[1] && strchr("*/%", x->op[0]))
		e = binary(x, e, TPL__E_BIN,
		           x->op[0] == '*'   ? TPL__OP_MUL
		           : x->op[0] == '/' ? TPL__OP_DIV
		                             : TPL__OP_MOD,
		           parse_unary);
	return e;
}

static struct tpl__expr *parse_add(struct ep *x)
{
	struct tpl__expr *e = parse_mul(x);

	while (e && x->t == ET_OP && !x->op[1] && strchr("+-~", x->op[0]))
		e = binary(x, e, TPL__E_BIN,
		           x->op[0] == '+'   ? TPL__OP_ADD
		           : x->op[0] == '-' ? TPL__OP_SUB
		                             : TPL__OP_CAT,
		           parse_mul);
	return e;
}

static struct tpl__expr *parse_cmp(struct ep *x)
{
	static const struct {
		const char *op;
		enum tpl__binop b;
	} ops[] = {{"==", TPL__OP_EQ}, {"!=", TPL__OP_NE}, {"<=", TPL__OP_LE},
	           {">=", TPL__OP_GE}, {"<", TPL__OP_LT},  {">", TPL__OP_GT}};
	struct tpl__expr *e = parse_add(x);
	size_t i;

	if (!e)
		return NULL;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (is_op(x, ops[i].op))
			return binary(x, e, TPL__E_BIN, ops[i].b, parse_add);
	if (is_word(x, "in"))
		return binary(x, e, TPL__E_BIN, TPL__OP_IN, parse_add);
	if (is_word(x, "not")) {
		/* a not in b */
		struct tpl__expr *n = new_expr(x, TPL__E_NOT);

		if (!n || next(x))
			return NULL;
		if (!is_word(x, "in")) {
			ep_err(x, x->tpos, "'in' expected after 'not'");
			return NULL;
		}
		n->u.op.a = binary(x, e, TPL__E_BIN, TPL__OP_IN, parse_add);
		return n->u.op.a ? n : NULL;
	}
	return e;
}

static struct tpl__expr *parse_not(struct ep *x)
{
	if (is_word(x, "not")) {
		struct tpl__expr *e = new_expr(x, TPL__E_NOT);

		if (!e || next(x))
			return NULL;
		if (++x->depth > MAX_EXPR_DEPTH) {
			ep_err(x, x->tpos, "expression nested too deeply");
			return NULL;
		}
		e->u.op.a = parse_not(x);
		x->depth--;
		return e->u.op.a ? e : NULL;
	}
	return parse_cmp(x);
}

static struct tpl__expr *parse_and(struct ep *x)
{
	struct tpl__expr *e = parse_not(x);

	while (e && is_word(x, "and"))
		e = binary(x, e, TPL__E_AND, 0, parse_not);
	return e;
}

static struct tpl__expr *parse_expr(struct ep *x)
{
	struct tpl__expr *e;

	if (++x->depth > MAX_EXPR_DEPTH) {
		ep_err(x, x->tpos, "expression nested too deeply");
		return NULL;
	}
	e = parse_and(x);
	while (e && is_word(x, "or"))
		e = binary(x, e, TPL__E_OR, 0, parse_and);
	if (e && is_word(x, "if")) {
		/* a if cond else b */
		struct tpl__expr *c = new_expr(x, TPL__E_COND);

		if (!c || next(x))
			return NULL;
		c->u.op.a = e;
		c->u.op.b = parse_and(x);
		while (c->u.op.b && is_word(x, "or"))
			c->u.op.b = binary(x, c->u.op.b, TPL__E_OR, 0, parse_and);
		if (!c->u.op.b)
			return NULL;
		if (!is_word(x, "else")) {
			ep_err(x, x->tpos, "'else' expected: value if condition else other");
			return NULL;
		}
		if (next(x))
			return NULL;
		c->u.op.c = parse_expr(x);
		if (!c->u.op.c)
			return NULL;
		e = c;
	}
	x->depth--;
	return e;
}

static int ep_start(struct ep *x, struct cc *c, size_t start, size_t end)
{
	memset(x, 0, sizeof(*x));
	x->c = c;
	x->p = start;
	x->end = end;
	return next(x);
}

static int ep_done(struct ep *x)
{
	if (x->t != ET_END)
		return ep_err(x, x->tpos, "unexpected text");
	return 0;
}

/* ---- pass 3: tags ---- */

static struct tpl__node *new_node(struct cc *c, enum tpl__nkind k, size_t off)
{
	struct tpl__node *n = alloc(c, sizeof(*n));

	if (n) {
		n->kind = k;
		n->line = line_of(c, off);
	}
	return n;
}

/* The tag's keyword, and an expression parser positioned after it. */
static int tag_start(struct cc *c, const struct tok *t, struct ep *x)
{
	if (ep_start(x, c, t->start, t->end))
		return -1;
	if (x->t != ET_NAME)
		return cerr(c, x->tpos, "a tag name expected after '{%%'");
	return 0;
}

static int tag_is(struct cc *c, const struct tok *t, const char *kw)
{
	size_t s = t->start, n = strlen(kw);

	while (s < t->end && isspace((unsigned char)c->src[s]))
		s++;
	return t->end - s >= n && memcmp(c->src + s, kw, n) == 0 &&
	       (s + n == t->end ||
	        !(isalnum((unsigned char)c->src[s + n]) || c->src[s + n] == '_'));
}

static struct tpl__node *parse_list(struct cc *c, const char *const *ends, int *which);

static int parse_out(struct cc *c, const struct tok *t, struct tpl__node **out)
{
	size_t end = t->end, p;
	int raw = 0;
	struct ep x;
	struct tpl__node *n;
	char q = 0;
	size_t bar = (size_t)-1;

	/* a trailing "| raw" */
	for (p = t->start; p < end; p++) {
		char ch = c->src[p];

		if (q) {
			if (ch == '\\')
				p++;
			else if (ch == q)
				q = 0;
		} else if (ch == '"' || ch == '\'') {
			q = ch;
		} else if (ch == '|') {
			bar = p;
		}
	}
	if (bar != (size_t)-1) {
		size_t s = bar + 1, e = end;

		while (s < e && isspace((unsigned char)c->src[s]))
			s++;
		while (e > s && isspace((unsigned char)c->src[e - 1]))
			e--;
		if (e - s == 3 && memcmp(c->src + s, "raw", 3) == 0) {
			raw = 1;
			end = bar;
		}
	}
	n = new_node(c, TPL__N_OUT, t->pos);
	if (!n || ep_start(&x, c, t->start, end))
		return -1;
	n->u.out.e = parse_expr(&x);
	if (!n->u.out.e || ep_done(&x))
		return -1;
	if (out_esc(c, t->pos, raw, &n->u.out.esc))
		return -1;
	*out = n;
	return 0;
}

static int name_token(struct cc *c, struct ep *x, const char *what, const char **out)
{
	if (x->t != ET_NAME || is_keyword(c->src + x->tpos, x->tlen) || is_word(x, "_"))
		return cerr(c, x->tpos, "%s expected", what);
	*out = take_name(x);
	if (!*out)
		return -1;
	return next(x);
}

/* A tag that must hold nothing but its keyword ({% else %}, {% endif %}). */
static int bare_tag(struct cc *c, const struct tok *t)
{
	struct ep y;

	if (tag_start(c, t, &y) || next(&y) || ep_done(&y))
		return -1;
	return 0;
}

static int parse_if(struct cc *c, struct ep *x, size_t pos, struct tpl__node **out)
{
	static const char *const ends[] = {"elif", "else", "endif", NULL};
	static const char *const end_only[] = {"endif", NULL};
	struct tpl__node *n = new_node(c, TPL__N_IF, pos), *cur;
	struct tpl__node **slot;
	struct hs start, merged;
	int which = -1, any_start = 0, first = 1, saw_else = 0;

	if (!n)
		return -1;
	n->u.cond.cond = parse_expr(x);
	if (!n->u.cond.cond || ep_done(x))
		return -1;
	h_settle(&c->h);
	start = merged = c->h;
	cur = n;
	slot = &n->u.cond.then;
	for (;;) {
		const struct tok *t;

		*slot = parse_list(c, saw_else ? end_only : ends, &which);
		if (c->failed)
			return -1;
		t = &c->toks[c->ti - 1];
		h_settle(&c->h);
		if (first) {
			merged = c->h;
			first = 0;
		} else if (!h_same(&c->h, &merged)) {
			return cerr(c, t->pos,
			            "the branches of this if end in different HTML places (%s "
			            "and %s): close what each branch opens",
			            h_where(merged.st), h_where(c->h.st));
		}
		any_start |= c->h.val_start;
		c->h = start;
		if (tag_is(c, t, "endif")) {
			if (bare_tag(c, t))
				return -1;
			break;
		}
		if (tag_is(c, t, "else")) {
			if (bare_tag(c, t))
				return -1;
			saw_else = 1;
			slot = &cur->u.cond.els;
		} else { /* elif */
			struct tpl__node *e = new_node(c, TPL__N_IF, t->pos);
			struct ep y;

			if (!e || tag_start(c, t, &y) || next(&y))
				return -1;
			e->u.cond.cond = parse_expr(&y);
			if (!e->u.cond.cond || ep_done(&y))
				return -1;
			cur->u.cond.els = e;
			cur = e;
			slot = &e->u.cond.then;
		}
	}
	/* without an else, the missing branch leaves the state as it was */
	if (!saw_else) {
		if (!h_same(&start, &merged))
			return cerr(c, pos,
			            "this if opens %s that it does not close: close it inside "
			            "the branch",
			            h_where(merged.st));
		any_start |= start.val_start;
	}
	c->h = merged;
	c->h.val_start = any_start;
	*out = n;
	return 0;
}

static int parse_for(struct cc *c, struct ep *x, size_t pos, struct tpl__node **out)
{
	static const char *const ends[] = {"else", "endfor", NULL};
	static const char *const end_only[] = {"endfor", NULL};
	struct tpl__node *n = new_node(c, TPL__N_FOR, pos);
	struct hs start;
	int which = -1;
	struct ep y;

	if (!n)
		return -1;
	if (name_token(c, x, "a loop variable", &n->u.loop.val))
		return -1;
	if (is_op(x, ",")) {
		n->u.loop.key = n->u.loop.val;
		if (next(x) || name_token(c, x, "a second loop variable", &n->u.loop.val))
			return -1;
	}
	if (!is_word(x, "in"))
		return cerr(c, x->tpos, "'in' expected");
	if (next(x))
		return -1;
	n->u.loop.e = parse_expr(x);
	if (!n->u.loop.e || ep_done(x))
		return -1;
	h_settle(&c->h);
	start = c->h;
	n->u.loop.body = parse_list(c, ends, &which);
	if (c->failed)
		return -1;
	h_settle(&c->h);
	if (!h_same(&c->h, &start))
		return cerr(c, pos,
		            "the body of this loop ends in %s but began in %s: close what it "
		            "opens",
		            h_where(c->h.st), h_where(start.st));
	if (which == 0) {
		if (tag_start(c, &c->toks[c->ti - 1], &y) || next(&y) || ep_done(&y))
			return -1;
		n->u.loop.els = parse_list(c, end_only, &which);
		if (c->failed)
			return -1;
		h_settle(&c->h);
		if (!h_same(&c->h, &start))
			return cerr(c, pos, "the else of this loop ends in %s but began in %s",
			            h_where(c->h.st), h_where(start.st));
	}
	c->h.val_start |= start.val_start;
	if (tag_start(c, &c->toks[c->ti - 1], &y) || next(&y) || ep_done(&y))
		return -1;
	*out = n;
	return 0;
}

static struct tpl__blockdef *find_block(const struct tpl__tpl *t, const char *name)
{
	struct tpl__blockdef *b;

	for (b = t->blocks; b; b = b->next)
		if (strcmp(b->name, name) == 0)
			return b;
	return NULL;
}

static int parse_block(struct cc *c, struct ep *x, size_t pos, struct tpl__node **out)
{
	static const char *const ends[] = {"endblock", NULL};
	struct tpl__node *n = new_node(c, TPL__N_BLOCK, pos);
	struct tpl__blockdef *b;
	struct hs start;
	int which = -1;
	struct ep y;

	if (!n || name_token(c, x, "a block name", &n->u.block.name) || ep_done(x))
		return -1;
	if (find_block(c->t, n->u.block.name))
		return cerr(c, pos, "block '%s' is defined twice", n->u.block.name);
	b = alloc(c, sizeof(*b));
	if (!b)
		return -1;
	b->name = n->u.block.name;
	b->line = n->line;
	b->next = c->t->blocks;
	c->t->blocks = b;
	h_settle(&c->h);
	start = c->h;
	if (c->t->parent_name)
		c->h.st = H_TEXT; /* blocks of a child stand in the parent's text */
	n->u.block.body = parse_list(c, ends, &which);
	if (c->failed)
		return -1;
	b->body = n->u.block.body;
	if (!c->t->parent_name) {
		h_settle(&c->h);
		if (!h_same(&c->h, &start))
			return cerr(c, pos, "block '%s' ends in %s but began in %s",
			            n->u.block.name, h_where(c->h.st), h_where(start.st));
	}
	c->h = start;
	if (tag_start(c, &c->toks[c->ti - 1], &y) || next(&y))
		return -1;
	if (y.t == ET_NAME) {
		if (y.tlen != strlen(n->u.block.name) ||
		    memcmp(c->src + y.tpos, n->u.block.name, y.tlen) != 0)
			return cerr(c, y.tpos, "endblock names another block");
		if (next(&y))
			return -1;
	}
	if (ep_done(&y))
		return -1;
	*out = n;
	return 0;
}

static int parse_include(struct cc *c, struct ep *x, size_t pos, struct tpl__node **out)
{
	struct tpl__node *n = new_node(c, TPL__N_INCLUDE, pos);

	if (!n)
		return -1;
	if (c->html && c->h.st != H_TEXT && c->h.st != H_RCDATA)
		return cerr(c, pos, "include must stand in text, not in %s", h_where(c->h.st));
	if (x->t != ET_STR)
		return cerr(c, x->tpos, "include needs a template name in quotes");
	n->u.inc.name = x->sval;
	if (next(x))
		return -1;
	if (is_word(x, "with")) {
		if (next(x) || parse_kwargs(x, &n->u.inc.args))
			return -1;
		if (!n->u.inc.args)
			return cerr(c, x->tpos, "name=value expected after 'with'");
	}
	if (ep_done(x))
		return -1;
	*out = n;
	return 0;
}

static int parse_set(struct cc *c, struct ep *x, size_t pos, struct tpl__node **out)
{
	struct tpl__node *n = new_node(c, TPL__N_SET, pos);

	if (!n || name_token(c, x, "a variable name", &n->u.set.name))
		return -1;
	if (!is_op(x, "="))
		return cerr(c, x->tpos, "'=' expected");
	if (next(x))
		return -1;
	n->u.set.e = parse_expr(x);
	if (!n->u.set.e || ep_done(x))
		return -1;
	*out = n;
	return 0;
}

/* The text of a trans body: white space collapsed, trimmed. */
static char *trans_text(struct cc *c, size_t from, size_t to)
{
	struct co_buf b;
	size_t i;
	int space = 0;
	char *r;

	co_buf_init(&b, c->len + 1);
	for (i = from; i < to; i++) {
		const struct tok *t = &c->toks[i];
		size_t p;

		if (t->kind == TK_COMMENT)
			continue;
		for (p = t->pos; p < t->close; p++) {
			char ch = c->src[p];

			if (isspace((unsigned char)ch)) {
				space = 1;
				continue;
			}
			if (space && b.len) {
				if (co_buf_addc(&b, ' '))
					goto oom;
			}
			space = 0;
			if (co_buf_addc(&b, ch))
				goto oom;
		}
	}
	r = dupn(c, b.data ? b.data : "", b.len);
	co_buf_free(&b);
	return r;
oom:
	co_buf_free(&b);
	c->failed = 1;
	co_errf(c->e, CO_ENOMEM, "%s: out of memory", c->name);
	return NULL;
}

static int parse_trans(struct cc *c, struct ep *x, size_t pos, struct tpl__node **out)
{
	struct tpl__node *n = new_node(c, TPL__N_TRANS, pos);
	struct tpl__kwarg *args = NULL, **pp;
	struct tpl__msg *m;
	size_t from, i, plural_at = 0;
	int has_plural = 0;
	struct hs start;

	if (!n)
		return -1;
	m = &n->u.trans.msg;
	m->line = n->line;
	n->u.trans.html = c->html;
	if (c->html && c->h.st != H_TEXT)
		return cerr(c, pos, "trans must stand in text, not in %s", h_where(c->h.st));
	if (parse_kwargs(x, &args) || ep_done(x))
		return -1;
	/* context="..." and count=... are special */
	for (pp = &args; *pp;) {
		struct tpl__kwarg *k = *pp;

		if (strcmp(k->name, "context") == 0) {
			if (k->value->kind != TPL__E_LIT || k->value->u.lit.kind != TPL__L_STR)
				return cerr(c, pos, "context must be a string literal");
			m->ctx = k->value->u.lit.s;
			*pp = k->next;
			continue;
		}
		if (strcmp(k->name, "count") == 0) {
			m->count = k->value;
			m->count_name = "count";
		}
		pp = &k->next;
	}
	m->args = args;
	from = c->ti;
	for (i = c->ti; i < c->ntok; i++) {
		const struct tok *t = &c->toks[i];

		if (t->kind == TK_TEXT || t->kind == TK_COMMENT)
			continue;
		if (t->kind == TK_OUT)
			return cerr(c, t->pos,
			            "no {{ ... }} inside trans: write {name} and give name=value "
			            "in the trans tag");
		if (tag_is(c, t, "plural") && !has_plural) {
			struct ep y;

			if (tag_start(c, t, &y) || next(&y) || ep_done(&y))
				return -1;
			has_plural = 1;
			plural_at = i;
			continue;
		}
		if (tag_is(c, t, "endtrans")) {
			struct ep y;

			if (tag_start(c, t, &y) || next(&y) || ep_done(&y))
				return -1;
			break;
		}
		return cerr(c, t->pos, "only text may stand inside trans");
	}
	if (i >= c->ntok)
		return cerr(c, pos, "trans is never closed with endtrans");
	m->msgid = trans_text(c, from, has_plural ? plural_at : i);
	if (!m->msgid)
		return -1;
	if (!m->msgid[0])
		return cerr(c, pos, "trans has no text");
	if (has_plural) {
		m->plural = trans_text(c, plural_at + 1, i);
		if (!m->plural)
			return -1;
		if (!m->count)
			return cerr(c, pos, "a trans with plural needs count=...");
	}
	c->ti = i + 1;
	if (c->html) {
		start = c->h;
		h_feed(&c->h, m->msgid, strlen(m->msgid));
		if (!h_same(&c->h, &start))
			return cerr(c, pos, "the text of trans must close every tag it opens");
		if (m->plural) {
			h_feed(&c->h, m->plural, strlen(m->plural));
			if (!h_same(&c->h, &start))
				return cerr(c, pos,
				            "the plural text of trans must close every tag "
				            "it opens");
		}
	}
	{
		struct ep y;

		memset(&y, 0, sizeof(y));
		y.c = c;
		if (check_placeholders(&y, pos, m->msgid, m->args, m->count_name) ||
		    (m->plural && check_placeholders(&y, pos, m->plural, m->args, m->count_name)))
			return -1;
	}
	*out = n;
	return 0;
}

/* Parses nodes until a tag named in ends (its index in *which; the tag is
 * consumed) or, when ends is NULL, the end of the tokens. */
static struct tpl__node *parse_list(struct cc *c, const char *const *ends, int *which)
{
	struct tpl__node *head = NULL, **tail = &head;
	int i;

	if (++c->nest > MAX_NEST) {
		cerr(c, c->ti < c->ntok ? c->toks[c->ti].pos : c->len, "tags nested too deeply");
		return NULL;
	}
	while (!c->failed && c->ti < c->ntok) {
		const struct tok *t = &c->toks[c->ti++];
		struct tpl__node *n = NULL;
		struct ep x;

		switch (t->kind) {
		case TK_COMMENT: continue;
		case TK_TEXT:
			if (c->html)
				h_feed(&c->h, c->src + t->start, t->end - t->start);
			if (t->end == t->start)
				continue;
			n = new_node(c, TPL__N_TEXT, t->pos);
			if (!n)
				return NULL;
			n->u.text.s = c->src + t->start;
			n->u.text.len = t->end - t->start;
			break;
		case TK_OUT:
			if (parse_out(c, t, &n))
				return NULL;
			break;
		case TK_TAG:
			for (i = 0; ends && ends[i]; i++) {
				if (tag_is(c, t, ends[i])) {
					*which = i;
					c->nest--;
					return head;
				}
			}
			if (tag_start(c, t, &x))
				return NULL;
			if (is_word(&x, "if")) {
				if (next(&x) || parse_if(c, &x, t->pos, &n))
					return NULL;
			} else if (is_word(&x, "for")) {
				if (next(&x) || parse_for(c, &x, t->pos, &n))
					return NULL;
			} else if (is_word(&x, "block")) {
				if (next(&x) || parse_block(c, &x, t->pos, &n))
					return NULL;
			} else if (is_word(&x, "include")) {
				if (next(&x) || parse_include(c, &x, t->pos, &n))
					return NULL;
			} else if (is_word(&x, "set")) {
				if (next(&x) || parse_set(c, &x, t->pos, &n))
					return NULL;
			} else if (is_word(&x, "trans")) {
				if (next(&x) || parse_trans(c, &x, t->pos, &n))
					return NULL;
			} else if (is_word(&x, "extends")) {
				cerr(c, t->pos, "extends must come first in the template");
				return NULL;
			} else {
				cerr(c, t->pos, "unexpected tag '%.*s'", (int)x.tlen,
				     c->src + x.tpos);
				return NULL;
			}
			break;
		}
		*tail = n;
		tail = &n->next;
	}
	if (c->failed)
		return NULL;
	if (ends) {
		for (i = 0; ends[i + 1]; i++)
			;
		cerr(c, c->len, "the template ends before {%% %s %%}", ends[i]);
		return NULL;
	}
	c->nest--;
	return head;
}

static int only_space(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

static int line_table(struct cc *c)
{
	size_t i, n = 1;

	for (i = 0; i < c->len; i++)
		if (c->src[i] == '\n')
			n++;
	c->lines = malloc(n * sizeof(*c->lines));
	if (!c->lines)
		return co_errf(c->e, CO_ENOMEM, "%s: out of memory", c->name);
	c->lines[0] = 0;
	c->nlines = 1;
	for (i = 0; i < c->len; i++)
		if (c->src[i] == '\n')
			c->lines[c->nlines++] = i + 1;
	return 0;
}

int tpl__compile(struct co_arena *a, const char *name, const char *src, size_t len, int html,
                 struct tpl__tpl **out, struct co_err *e)
{
	struct cc c;
	struct tpl__tpl *t;
	struct tpl__node *n;
	int rc = CO_EINPUT;

	memset(&c, 0, sizeof(c));
	c.a = a;
	c.name = name;
	c.src = src;
	c.len = len;
	c.html = html;
	c.e = e;
	if (line_table(&c))
		return CO_ENOMEM;
	if (memchr(src, '\0', len)) {
		cerr(&c, (size_t)((const char *)memchr(src, '\0', len) - src),
		     "a NUL byte in the template");
		goto out;
	}
	t = alloc(&c, sizeof(*t));
	if (!t)
		goto fail;
	t->name = dupn(&c, name, strlen(name));
	t->html = html;
	c.t = t;
	if (tokenize(&c))
		goto fail;
	whitespace(&c);
	/* {% extends "name" %}, first but for white space and comments */
	for (c.ti = 0; c.ti < c.ntok; c.ti++) {
		const struct tok *tk = &c.toks[c.ti];
		struct ep x;

		if (tk->kind == TK_COMMENT ||
		    (tk->kind == TK_TEXT && only_space(src + tk->start, tk->end - tk->start)))
			continue;
		if (tk->kind == TK_TAG && tag_is(&c, tk, "extends")) {
			if (tag_start(&c, tk, &x) || next(&x))
				goto fail;
			if (x.t != ET_STR) {
				cerr(&c, x.tpos, "extends needs a template name in quotes");
				goto fail;
			}
			t->parent_name = x.sval;
			t->parent_line = line_of(&c, tk->pos);
			if (next(&x) || ep_done(&x))
				goto fail;
			c.ti++;
		} else {
			c.ti = 0;
		}
		break;
	}
	t->body = parse_list(&c, NULL, NULL);
	if (c.failed)
		goto fail;
	if (t->parent_name) {
		for (n = t->body; n; n = n->next) {
			if (n->kind == TPL__N_BLOCK ||
			    (n->kind == TPL__N_TEXT && only_space(n->u.text.s, n->u.text.len)))
				continue;
			co_errf_at(e, CO_EINPUT, n->line, 1, name,
			           "%s:%d:1: a template that extends another holds only blocks "
			           "(and white space outside them)",
			           name, n->line);
			goto fail;
		}
	} else if (c.html && c.h.st != H_TEXT) {
		cerr(&c, c.len, "the template ends inside %s", h_where(c.h.st));
		goto fail;
	}
	*out = t;
	rc = 0;
	goto out;
fail:
	rc = e && e->code ? e->code : CO_EINPUT;
out:
	free(c.toks);
	free(c.lines);
	return rc;
}
