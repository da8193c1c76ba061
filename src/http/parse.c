/*
 * parse.c - the request parsers: path normalisation, urlencoded forms and
 * query strings, cookies (RFC 6265), multipart/form-data (RFC 7578), the
 * Accept header; and the lookups over parsed pairs.
 *
 * Every parser reads only s[0..len), never past it, allocates only from the
 * arena it is given, and enforces the limits of base/limits.h, because each
 * is fed bytes straight from the network (and by the fuzz targets).
 */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/limits.h"
#include "http/http.h"
#include "http/http_int.h"

static const char *const method_names[HTTP__NMETHODS] = {
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS",
};

enum http_method http_method_parse(const char *name)
{
	int i;

	for (i = 0; i < HTTP__NMETHODS; i++)
		if (strcmp(name, method_names[i]) == 0)
			return (enum http_method)(1 << i);
	return 0;
}

int http__method_index(enum http_method m)
{
	int i;

	for (i = 0; i < HTTP__NMETHODS; i++)
		if ((unsigned)m == (1u << i))
			return i;
	return -1;
}

const char *http_method_name(enum http_method m)
{
	int i = http__method_index(m);

	return i < 0 ? "" : method_names[i];
}

int http__ieq(const char *s, size_t n, const char *t)
{
	return strlen(t) == n && strncasecmp(s, t, n) == 0;
}

const char *http_params_get(const struct http_params *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->items[i].name, name) == 0)
			return p->items[i].value;
	return NULL;
}

const char *http_header(const struct http_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->headers.n; i++)
		if (strcasecmp(req->headers.items[i].name, name) == 0)
			return req->headers.items[i].value;
	return NULL;
}

const char *http_query(const struct http_request *req, const char *name)
{
	return http_params_get(&req->query, name);
}

const char *http_cookie(const struct http_request *req, const char *name)
{
	return http_params_get(&req->cookies, name);
}

const char *http_param(const struct http_request *req, const char *name)
{
	return http_params_get(&req->path_params, name);
}

const char *http_form(const struct http_request *req, const char *name)
{
	return http_params_get(&req->form, name);
}

const struct http_file *http_file(const struct http_request *req, const char *field)
{
	size_t i;

	for (i = 0; i < req->files.n; i++)
		if (strcmp(req->files.items[i].field, field) == 0)
			return &req->files.items[i];
	return NULL;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int http__decode(struct co_arena *a, const char *s, size_t len, int plus_space, int no_slash,
                 char **out, size_t *outlen)
{
	char *d = co_arena_alloc(a, len + 1);
	size_t i, n = 0;

	if (!d)
		return CO_ENOMEM;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3)
				return CO_EINPUT;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return CO_EINPUT;
			c = (unsigned char)(hi * 16 + lo);
			if (c == 0 || (no_slash && c == '/'))
				return CO_EINPUT;
			i += 2;
		} else if (c == '+' && plus_space) {
			c = ' ';
		} else if (c == 0) {
			return CO_EINPUT;
		}
		d[n++] = (char)c;
	}
	d[n] = '\0';
	*out = d;
	*outlen = n;
	return 0;
}

int http_path_normalise(struct co_arena *a, const char *raw, size_t len, const char **out,
                        struct co_err *err)
{
	char *res;
	size_t i = 0, n = 0, nseg = 0;

	if (len == 0 || raw[0] != '/')
		return co_errf(err, CO_EINPUT, "the path does not start with '/'");
	/* The result is never longer than the input, plus "/" for "". */
	res = co_arena_alloc(a, len + 2);
	if (!res)
		return co_errf(err, CO_ENOMEM, "out of memory");
	while (i < len) {
		size_t start, slen;
		char *seg;
		int rc;

		while (i < len && raw[i] == '/')
			i++;
		start = i;
		while (i < len && raw[i] != '/')
			i++;
		if (i == start)
			break;
		rc = http__decode(a, raw + start, i - start, 0, 1, &seg, &slen);
		if (rc == CO_ENOMEM)
			return co_errf(err, CO_ENOMEM, "out of memory");
		if (rc)
			return co_errf(
			        err, CO_EINPUT,
			        "the path has a bad escape, an encoded NUL or an encoded '/'");
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0)
			return co_errf(err, CO_EINPUT, "the path has a '..' segment");
		if (++nseg > CO_MAX_PATH_SEGS)
			return co_errf(err, CO_ELIMIT, "the path has more than %d segments",
			               CO_MAX_PATH_SEGS);
		res[n++] = '/';
		memcpy(res + n, seg, slen);
		n += slen;
	}
	if (n == 0)
		res[n++] = '/';
	res[n] = '\0';
	*out = res;
	return 0;
}

/* Copies a field name for an error report, cut to fit. */
static void err_field(struct co_err *err, const char *name)
{
	if (err && name) {
		size_t n = strlen(name);

		if (n >= sizeof(err->field))
			n = sizeof(err->field) - 1;
		memcpy(err->field, name, n);
		err->field[n] = '\0';
	}
}

int http_parse_urlencoded(struct co_arena *a, const char *s, size_t len, struct http_params *out,
                          struct co_err *err)
{
	struct http_param *items = NULL;
	size_t i, npairs = 0, n = 0;

	/* Count the non-empty pairs first, so that the array is allocated
	 * once and the limit is checked before any work. */
	for (i = 0; i < len;) {
		size_t start = i;

		while (i < len && s[i] != '&')
			i++;
		if (i > start)
			npairs++;
		i++;
	}
	if (npairs > CO_MAX_FORM_FIELDS)
		return co_errf(err, CO_ELIMIT, "more than %d fields", CO_MAX_FORM_FIELDS);
	if (npairs) {
		items = co_arena_calloc(a, npairs, sizeof(*items));
		if (!items)
			return co_errf(err, CO_ENOMEM, "out of memory");
	}
	for (i = 0; i < len;) {
		size_t start = i, eq, nlen, vlen;
		char *name, *value;
		int rc;

		while (i < len && s[i] != '&')
			i++;
		if (i == start) {
			i++;
			continue;
		}
		for (eq = start; eq < i && s[eq] != '='; eq++)
			;
		rc = http__decode(a, s + start, eq - start, 1, 0, &name, &nlen);
		if (rc == CO_ENOMEM)
			return co_errf(err, CO_ENOMEM, "out of memory");
		if (rc)
			return co_errf(err, CO_EINPUT, "a field name has a bad %%-escape");
		if (eq < i)
			rc = http__decode(a, s + eq + 1, i - eq - 1, 1, 0, &value, &vlen);
		else
			rc = http__decode(a, "", 0, 1, 0, &value, &vlen);
		if (rc == CO_ENOMEM)
			return co_errf(err, CO_ENOMEM, "out of memory");
		if (rc) {
			co_errf(err, CO_EINPUT, "the value has a bad %%-escape or a NUL byte");
			err_field(err, name);
			return CO_EINPUT;
		}
		if (vlen > CO_MAX_FIELD_VALUE) {
			co_errf(err, CO_ELIMIT, "the value is longer than %lu bytes",
			        (unsigned long)CO_MAX_FIELD_VALUE);
			err_field(err, name);
			return CO_ELIMIT;
		}
		items[n].name = name;
		items[n].value = value;
		items[n].len = vlen;
		n++;
		i++;
	}
	out->items = items;
	out->n = n;
	return 0;
}

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 7230 tchar. */
static int is_tchar(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return 1;
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

int http_parse_cookies(struct co_arena *a, const char *header, struct http_params *out,
                       struct co_err *err)
{
	struct http_param *items;
	size_t len = strlen(header), i = 0, n = 0;

	items = co_arena_calloc(a, CO_MAX_COOKIES, sizeof(*items));
	if (!items)
		return co_errf(err, CO_ENOMEM, "out of memory");
	while (i < len && n < CO_MAX_COOKIES) {
		size_t start, end, eq, ns, ne, vs, ve, k;
		int ok = 1;

		start = i;
		while (i < len && header[i] != ';')
			i++;
		end = i++;
		while (start < end && is_ows(header[start]))
			start++;
		while (end > start && is_ows(header[end - 1]))
			end--;
		for (eq = start; eq < end && header[eq] != '='; eq++)
			;
		if (eq == end)
			continue; /* not name=value: ignored, as user agents do */
		ns = start;
		ne = eq;
		while (ne > ns && is_ows(header[ne - 1]))
			ne--;
		vs = eq + 1;
		ve = end;
		while (vs < ve && is_ows(header[vs]))
			vs++;
		if (ne == ns)
			continue;
		for (k = ns; k < ne; k++)
			if (!is_tchar((unsigned char)header[k]))
				ok = 0;
		if (ve - vs >= 2 && header[vs] == '"' && header[ve - 1] == '"') {
			vs++;
			ve--;
		}
		for (k = vs; k < ve; k++) {
			unsigned char c = (unsigned char)header[k];

			if (c < 0x20 || c == 0x7f || c == '"')
				ok = 0;
		}
		if (!ok)
			continue;
		items[n].name = co_arena_strndup(a, header + ns, ne - ns);
		items[n].value = co_arena_strndup(a, header + vs, ve - vs);
		if (!items[n].name || !items[n].value)
			return co_errf(err, CO_ENOMEM, "out of memory");
		items[n].len = ve - vs;
		n++;
	}
	out->items = n ? items : NULL;
	out->n = n;
	return 0;
}

const char *http__header_param(struct co_arena *a, const char *value, const char *name)
{
	const char *p = strchr(value, ';');

	while (p) {
		const char *ns, *ne;

		p++;
		while (is_ows(*p))
			p++;
		ns = p;
		while (*p && *p != '=' && *p != ';')
			p++;
		ne = p;
		while (ne > ns && is_ows(ne[-1]))
			ne--;
		if (*p != '=') {
			p = strchr(p, ';');
			continue;
		}
		p++;
		while (is_ows(*p))
			p++;
		if (*p == '"') {
			/* quoted-string with quoted-pair (RFC 7230 3.2.6) */
			size_t cap = strlen(p), n = 0;
			char *v = co_arena_alloc(a, cap + 1);

			if (!v)
				return NULL;
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				v[n++] = *p++;
			}
			v[n] = '\0';
			if (*p == '"')
				p++;
			if (http__ieq(ns, (size_t)(ne - ns), name))
				return v;
			p = strchr(p, ';');
		} else {
			const char *vs = p;
			const char *ve;

			while (*p && *p != ';')
				p++;
			ve = p;
			while (ve > vs && is_ows(ve[-1]))
				ve--;
			if (http__ieq(ns, (size_t)(ne - ns), name))
				return co_arena_strndup(a, vs, (size_t)(ve - vs));
			p = *p ? p : NULL;
		}
	}
	return NULL;
}

/* Finds needle in hay (both with lengths). */
static const char *find_bytes(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	return memmem(hay, hlen, needle, nlen);
}

/* Parses the part headers in h[0..n) (lines joined by CRLF): fills *name,
 * *filename (NULL when not a file) and *ctype. */
static int part_headers(struct co_arena *a, const char *h, size_t n, const char **name,
                        const char **filename, const char **ctype, struct co_err *err)
{
	size_t i = 0;

	*name = NULL;
	*filename = NULL;
	*ctype = NULL;
	while (i < n) {
		size_t ls = i, le, colon;
		const char *line;

		while (i < n && !(h[i] == '\r' && i + 1 < n && h[i + 1] == '\n'))
			i++;
		le = i;
		i += 2;
		for (colon = ls; colon < le && h[colon] != ':'; colon++)
			;
		if (colon == le)
			return co_errf(err, CO_EINPUT, "a multipart part has a malformed header");
		line = co_arena_strndup(a, h + colon + 1, le - colon - 1);
		if (!line)
			return co_errf(err, CO_ENOMEM, "out of memory");
		while (is_ows(*line))
			line++;
		if (http__ieq(h + ls, colon - ls, "Content-Disposition")) {
			if (strncasecmp(line, "form-data", 9) != 0)
				return co_errf(err, CO_EINPUT, "a multipart part is not form-data");
			*name = http__header_param(a, line, "name");
			*filename = http__header_param(a, line, "filename");
		} else if (http__ieq(h + ls, colon - ls, "Content-Type")) {
			*ctype = line;
		}
	}
	if (!*name)
		return co_errf(err, CO_EINPUT, "a multipart part has no field name");
	return 0;
}

int http_parse_multipart(struct co_arena *a, const char *content_type, const char *body, size_t len,
                         struct http_params *fields, struct http_files *files, struct co_err *err)
{
	const char *boundary = http__header_param(a, content_type, "boundary");
	struct http_param *fv = NULL;
	struct http_file *ff = NULL;
	size_t blen, dlen, pos, nparts = 0, nf = 0, nfile = 0;
	char *delim;
	const char *p;

	if (!boundary)
		return co_errf(err, CO_EINPUT, "the multipart body has no boundary");
	blen = strlen(boundary);
	if (blen == 0 || blen > 70)
		return co_errf(err, CO_EINPUT, "the multipart boundary is empty or too long");
	/* delim = CRLF "--" boundary; the first one may lack the CRLF. */
	delim = co_arena_printf(a, "\r\n--%s", boundary);
	if (!delim)
		return co_errf(err, CO_ENOMEM, "out of memory");
	dlen = blen + 4;

	/* Bound the number of parts before allocating. */
	for (p = body; (p = find_bytes(p, len - (size_t)(p - body), delim + 2, dlen - 2));
	     p += dlen - 2)
		if (++nparts > CO_MAX_FORM_FIELDS + 1)
			return co_errf(err, CO_ELIMIT, "more than %d fields", CO_MAX_FORM_FIELDS);
	if (nparts) {
		fv = co_arena_calloc(a, nparts, sizeof(*fv));
		ff = co_arena_calloc(a, nparts, sizeof(*ff));
		if (!fv || !ff)
			return co_errf(err, CO_ENOMEM, "out of memory");
	}

	if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0) {
		pos = dlen - 2;
	} else {
		p = find_bytes(body, len, delim, dlen);
		if (!p)
			return co_errf(err, CO_EINPUT, "the multipart body has no boundary line");
		pos = (size_t)(p - body) + dlen;
	}
	for (;;) {
		const char *hend, *next, *name, *filename, *ctype;
		size_t hs, cs, clen;
		char *data;
		int rc;

		if (len - pos >= 2 && body[pos] == '-' && body[pos + 1] == '-')
			break; /* the close delimiter */
		while (pos < len && is_ows(body[pos]))
			pos++;
		if (len - pos < 2 || body[pos] != '\r' || body[pos + 1] != '\n')
			return co_errf(err, CO_EINPUT, "the multipart body is malformed");
		pos += 2;
		hs = pos;
		if (len - pos >= 2 && body[pos] == '\r' && body[pos + 1] == '\n') {
			hend = body + pos; /* no headers at all */
		} else {
			hend = find_bytes(body + pos, len - pos, "\r\n\r\n", 4);
			if (!hend)
				return co_errf(err, CO_EINPUT,
				               "a multipart part's headers never end");
			hend += 2;
		}
		if ((size_t)(hend - (body + hs)) > CO_MAX_PART_HEADER)
			return co_errf(err, CO_ELIMIT, "a multipart part's headers are too long");
		rc = part_headers(a, body + hs, (size_t)(hend - (body + hs)), &name, &filename,
		                  &ctype, err);
		if (rc)
			return rc;
		cs = (size_t)(hend - body) + 2;
		next = find_bytes(body + cs, len - cs, delim, dlen);
		if (!next) {
			co_errf(err, CO_EINPUT, "the multipart body ends inside a part");
			err_field(err, name);
			return CO_EINPUT;
		}
		clen = (size_t)(next - (body + cs));
		if (!filename && clen > CO_MAX_FIELD_VALUE) {
			co_errf(err, CO_ELIMIT, "the value is longer than %lu bytes",
			        (unsigned long)CO_MAX_FIELD_VALUE);
			err_field(err, name);
			return CO_ELIMIT;
		}
		if (!filename && memchr(body + cs, 0, clen)) {
			co_errf(err, CO_EINPUT, "the value has a NUL byte");
			err_field(err, name);
			return CO_EINPUT;
		}
		data = co_arena_strndup(a, body + cs, clen);
		if (!data)
			return co_errf(err, CO_ENOMEM, "out of memory");
		/* nparts counted every delimiter, and each part ends at one that
		 * is not the first, so the arrays have room. */
		if (nf + nfile >= nparts || !fv || !ff)
			return co_errf(err, CO_EINTERNAL, "multipart part count");
		if (filename) {
			ff[nfile].field = name;
			ff[nfile].filename = filename;
			ff[nfile].content_type = ctype ? ctype : "application/octet-stream";
			ff[nfile].data = data;
			ff[nfile].len = clen;
			nfile++;
		} else {
			fv[nf].name = name;
			fv[nf].value = data;
			fv[nf].len = clen;
			nf++;
		}
		pos = (size_t)(next - body) + dlen;
	}
	fields->items = nf ? fv : NULL;
	fields->n = nf;
	files->items = nfile ? ff : NULL;
	files->n = nfile;
	return 0;
}

int http_accepts(const struct http_request *req, const char *type)
{
	const char *h = http_header(req, "Accept");
	const char *slash = strchr(type, '/');
	size_t major = slash ? (size_t)(slash - type) + 1 : strlen(type);

	while (h && *h) {
		const char *rs, *re, *end;
		double q = 1.0;

		while (is_ows(*h) || *h == ',')
			h++;
		rs = h;
		while (*h && *h != ',' && *h != ';')
			h++;
		re = h;
		while (re > rs && is_ows(re[-1]))
			re--;
		end = h;
		while (*end && *end != ',')
			end++;
		if (*h == ';') {
			const char *qp = h;

			/* ;q=0 (or 0.0, 0.000) refuses the type */
			while (qp < end) {
				while (qp < end && (*qp == ';' || is_ows(*qp)))
					qp++;
				if (end - qp >= 2 && (qp[0] == 'q' || qp[0] == 'Q') &&
				    qp[1] == '=') {
					char *e;

					q = strtod(qp + 2, &e);
					if (e == qp + 2)
						q = 1.0;
				}
				while (qp < end && *qp != ';')
					qp++;
			}
		}
		if (q > 0.0) {
			size_t rl = (size_t)(re - rs);

			if (http__ieq(rs, rl, type))
				return 1;
			if (slash && rl == major + 1 && rs[rl - 1] == '*' &&
			    strncasecmp(rs, type, major) == 0 && !(rl == 3 && rs[0] == '*'))
				return 1;
		}
		h = end;
	}
	return 0;
}
