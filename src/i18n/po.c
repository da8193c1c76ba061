/*
 * po.c - a strict reader of gettext .po files.
 *
 * Grammar (GNU gettext manual, "The Format of PO Files"), line by line:
 *   white space only         ignored
 *   # ...                    a comment; "#," lines carry flags (fuzzy)
 *   msgctxt "..."            starts an entry (optional)
 *   msgid "..."              starts an entry, or follows msgctxt
 *   msgid_plural "..."       after msgid
 *   msgstr "..."             after msgid (no plural)
 *   msgstr[N] "..."          after msgid_plural, N = 0, 1, ... in order
 *   "..."                    continues the last keyword's string
 * A string is "..." with the escapes \n \t \r \a \b \f \v \\ \" \' \?,
 * octal \ooo and \xHH; a NUL byte (written or escaped) is an error, as is
 * anything after the closing quote but white space. An entry is complete
 * when the next msgctxt/msgid starts or the text ends.
 */
#include "i18n/po.h"

#include <string.h>

#include "base/buf.h"
#include "base/limits.h"

enum field { F_NONE, F_CTX, F_ID, F_PLURAL, F_STR };

struct po {
	const char *name;
	const char *text, *end;
	long line;
	const char *line_start;
	struct co_arena *a;
	struct co_err *e;

	/* the entry being read */
	struct co_buf bufs[3 + I18N__MAX_FORMS]; /* ctx, id, plural, str[] */
	int has_ctx, has_id, has_plural;
	unsigned nstr;
	int fuzzy, fuzzy_next;
	long id_line;
	enum field cur;
	unsigned cur_str;
};

static int err_at(struct po *p, const char *at, const char *msg)
{
	long col = (long)(at - p->line_start) + 1;

	return co_errf_at(p->e, CO_EINPUT, p->line, col, NULL, "%s:%ld:%ld: %s", p->name, p->line,
	                  col, msg);
}

static struct co_buf *cur_buf(struct po *p)
{
	switch (p->cur) {
	case F_CTX: return &p->bufs[0];
	case F_ID: return &p->bufs[1];
	case F_PLURAL: return &p->bufs[2];
	case F_STR: return &p->bufs[3 + p->cur_str];
	default: return NULL;
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads one "..." at *s (within the line [*s, le)) into b; *s is left
 * after the closing quote. */
static int read_one(struct po *p, const char **s, const char *le, struct co_buf *b)
{
	const char *q = *s;
	int rc;

	if (q >= le || *q != '"')
		return err_at(p, q, "a quoted string expected");
	q++;
	for (;;) {
		unsigned char c;

		if (q >= le)
			return err_at(p, q, "the string has no closing quote");
		c = (unsigned char)*q;
		if (c == '"')
			break;
		if (c == '\0')
			return err_at(p, q, "a NUL byte in a string");
		if (c == '\\') {
			const char *esc = q;

			q++;
			if (q >= le)
				return err_at(p, esc, "a backslash at the end of the line");
			switch (*q) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'a': c = '\a'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'v': c = '\v'; break;
			case '\\':
			case '"':
			case '\'':
			case '?': c = (unsigned char)*q; break;
			case 'x': {
				unsigned v = 0;
				int n = 0, h;

				while (n < 2 && q + 1 < le && (h = hexval(q[1])) >= 0) {
					v = v * 16 + (unsigned)h;
					q++;
					n++;
				}
				if (n == 0)
					return err_at(p, esc, "\\x without hex digits");
				c = (unsigned char)v;
				break;
			}
			default:
				if (*q >= '0' && *q <= '7') {
					unsigned v = 0;
					int n = 0;

					while (n < 3 && q < le && *q >= '0' && *q <= '7') {
						v = v * 8 + (unsigned)(*q - '0');
						q++;
						n++;
					}
					q--;
					if (v > 255)
						return err_at(p, esc, "octal escape above \\377");
					c = (unsigned char)v;
				} else {
					return err_at(p, esc, "unknown escape");
				}
			}
			if (c == '\0')
				return err_at(p, esc, "a NUL byte in a string");
		}
		rc = co_buf_addc(b, (char)c);
		if (rc)
			return co_errf(p->e, rc, "%s:%ld: string too long", p->name, p->line);
		q++;
	}
	*s = q + 1;
	return 0;
}

/* Reads the strings at *s to the end of the line into b: "a" "b" on one
 * line are one string, as in C. */
static int read_string(struct po *p, const char **s, const char *le, struct co_buf *b)
{
	const char *q = *s;
	int rc;

	do {
		rc = read_one(p, &q, le, b);
		if (rc)
			return rc;
		while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
	} while (q < le && *q == '"');
	if (q < le)
		return err_at(p, q, "unexpected text after the string");
	*s = q;
	return 0;
}

static const char *dup_buf(struct po *p, struct co_buf *b)
{
	return co_arena_strndup(p->a, b->data ? b->data : "", b->len);
}

static void reset_entry(struct po *p)
{
	size_t i;

	for (i = 0; i < sizeof(p->bufs) / sizeof(p->bufs[0]); i++)
		co_buf_reset(&p->bufs[i]);
	p->has_ctx = p->has_id = p->has_plural = 0;
	p->nstr = 0;
	p->cur = F_NONE;
	p->fuzzy = 0;
}

/* Hands the complete entry to fn. */
static int finish(struct po *p, int (*fn)(void *, const struct i18n__po_entry *, struct co_err *),
                  void *arg, const char *at)
{
	struct i18n__po_entry en;
	unsigned i;

	if (!p->has_id && !p->has_ctx)
		return 0;
	if (!p->has_id)
		return err_at(p, at, "msgctxt without msgid");
	if (p->nstr == 0)
		return err_at(p, at, "msgid without msgstr");
	memset(&en, 0, sizeof(en));
	en.ctx = p->has_ctx ? dup_buf(p, &p->bufs[0]) : NULL;
	en.msgid = dup_buf(p, &p->bufs[1]);
	en.plural = p->has_plural ? dup_buf(p, &p->bufs[2]) : NULL;
	for (i = 0; i < p->nstr; i++) {
		en.str[i] = dup_buf(p, &p->bufs[3 + i]);
		if (!en.str[i])
			return co_errf(p->e, CO_ENOMEM, "out of memory");
	}
	en.nstr = p->nstr;
	en.line = p->id_line;
	en.fuzzy = p->fuzzy;
	if (!en.msgid || (p->has_ctx && !en.ctx) || (p->has_plural && !en.plural))
		return co_errf(p->e, CO_ENOMEM, "out of memory");
	reset_entry(p);
	return fn(arg, &en, p->e);
}

static int is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || c == '_';
}

static int parse_line(struct po *p, const char *s, const char *le,
                      int (*fn)(void *, const struct i18n__po_entry *, struct co_err *), void *arg)
{
	const char *kw = s;
	size_t kwlen;
	int rc;

	while (s < le && is_word_char(*s))
		s++;
	kwlen = (size_t)(s - kw);
	if (kwlen == 7 && memcmp(kw, "msgctxt", 7) == 0) {
		if (p->nstr) {
			rc = finish(p, fn, arg, kw);
			if (rc)
				return rc;
		}
		if (p->has_ctx || p->has_id)
			return err_at(p, kw, "msgctxt in the middle of an entry");
		p->has_ctx = 1;
		p->fuzzy = p->fuzzy_next;
		p->fuzzy_next = 0;
		p->cur = F_CTX;
	} else if (kwlen == 5 && memcmp(kw, "msgid", 5) == 0) {
		if (p->nstr) {
			rc = finish(p, fn, arg, kw);
			if (rc)
				return rc;
		}
		if (p->has_id)
			return err_at(p, kw, "msgid without msgstr");
		if (!p->has_ctx) {
			p->fuzzy = p->fuzzy_next;
			p->fuzzy_next = 0;
		}
		p->has_id = 1;
		p->id_line = p->line;
		p->cur = F_ID;
	} else if (kwlen == 12 && memcmp(kw, "msgid_plural", 12) == 0) {
		if (!p->has_id || p->has_plural || p->nstr)
			return err_at(p, kw, "msgid_plural must follow msgid");
		p->has_plural = 1;
		p->cur = F_PLURAL;
	} else if (kwlen == 6 && memcmp(kw, "msgstr", 6) == 0) {
		if (!p->has_id)
			return err_at(p, kw, "msgstr without msgid");
		if (s < le && *s == '[') {
			unsigned long n = 0;
			const char *d = ++s;

			while (s < le && *s >= '0' && *s <= '9' && s - d < 3)
				n = n * 10 + (unsigned long)(*s++ - '0');
			if (s == d || s >= le || *s != ']')
				return err_at(p, d, "msgstr[N] expected");
			s++;
			if (!p->has_plural)
				return err_at(p, kw, "msgstr[N] without msgid_plural");
			if (n != p->nstr)
				return err_at(p, d, "msgstr[N] out of order");
			if (n >= I18N__MAX_FORMS)
				return err_at(p, d, "too many plural forms");
		} else {
			if (p->has_plural)
				return err_at(p, kw, "msgstr[N] expected after msgid_plural");
			if (p->nstr)
				return err_at(p, kw, "a second msgstr");
		}
		p->cur = F_STR;
		p->cur_str = p->nstr++;
	} else if (kwlen == 0 && s < le && *s == '"') {
		if (p->cur == F_NONE)
			return err_at(p, s, "a string outside an entry");
		return read_string(p, &s, le, cur_buf(p));
	} else {
		return err_at(p, kw, "unknown keyword");
	}
	if (s >= le || (*s != ' ' && *s != '\t'))
		return err_at(p, s, "white space and a string expected");
	while (s < le && (*s == ' ' || *s == '\t'))
		s++;
	return read_string(p, &s, le, cur_buf(p));
}

int i18n__po_parse(const char *name, const char *text, size_t len, struct co_arena *a,
                   int (*fn)(void *arg, const struct i18n__po_entry *en, struct co_err *e),
                   void *arg, struct co_err *e)
{
	struct po p;
	const char *s;
	size_t i;
	int rc = 0;

	memset(&p, 0, sizeof(p));
	p.name = name;
	p.text = text;
	p.end = text + len;
	p.a = a;
	p.e = e;
	for (i = 0; i < sizeof(p.bufs) / sizeof(p.bufs[0]); i++)
		co_buf_init(&p.bufs[i], CO_MAX_FIELD_VALUE);
	s = text;
	p.line = 0;
	/* a UTF-8 byte order mark is allowed */
	if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	while (s < p.end) {
		const char *le = memchr(s, '\n', (size_t)(p.end - s));
		const char *q;

		if (!le)
			le = p.end;
		p.line++;
		p.line_start = s;
		q = s;
		while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q < le && *q == '#') {
			if (q + 1 < le && q[1] == ',') {
				const char *f = memchr(q, 'f', (size_t)(le - q));

				while (f && (size_t)(le - f) >= 5) {
					if (memcmp(f, "fuzzy", 5) == 0) {
						p.fuzzy_next = 1;
						break;
					}
					f = memchr(f + 1, 'f', (size_t)(le - f - 1));
				}
			}
		} else if (q < le) {
			rc = parse_line(&p, q, le, fn, arg);
			if (rc)
				goto out;
		}
		s = le < p.end ? le + 1 : le;
	}
	p.line_start = p.end;
	rc = finish(&p, fn, arg, p.end);
	if (!rc && p.has_id)
		rc = err_at(&p, p.end, "msgid without msgstr");
out:
	for (i = 0; i < sizeof(p.bufs) / sizeof(p.bufs[0]); i++)
		co_buf_free(&p.bufs[i]);
	return rc;
}
