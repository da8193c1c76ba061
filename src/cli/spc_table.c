/* spc_table.c - a CSV file read into string columns, and dates.
 *
 * The file is read whole. A file without quotes or NUL bytes (the common
 * case: numbers, dates and plain labels) is split in place: each separator
 * becomes the NUL that ends a field, and the cells point into the file's
 * text. Anything else, or any record that breaks a rule the RFC 4180
 * reader checks (field count, record length), goes through that reader
 * (base/csv.h), which also gives the error. Both make the same table. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "base/csv.h"
#include "base/limits.h"
#include "cli/spc_cli.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

struct spc_map {
	struct spc_map *next;
	size_t len;
};

void *spc_table_alloc(struct spc_table *t, size_t size)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	struct spc_map *m;
	size_t len = size + 64;
	void *p;

	if (size < (size_t)256 * 1024)
		return co_arena_calloc(&t->mem, 1, size ? size : 1);
#ifdef MAP_POPULATE
	flags |= MAP_POPULATE;
#endif
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	m = p;
	m->len = len;
	m->next = t->maps;
	t->maps = m;
	return (char *)p + 64;
}

/* The whole input in memory: a regular file in one read, standard input in
 * growing chunks. */
static char *slurp(struct spc_table *t, FILE *f, size_t *len, struct co_err *err)
{
	struct stat st;
	size_t cap, n = 0;
	char *buf;

	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
		if ((unsigned long long)st.st_size > CO_MAX_FILE) {
			co_errf(err, CO_ELIMIT, "the file is larger than %lu bytes",
			        (unsigned long)CO_MAX_FILE);
			return NULL;
		}
		cap = (size_t)st.st_size + 1;
		buf = spc_table_alloc(t, cap);
		if (!buf)
			goto nomem;
		n = fread(buf, 1, cap - 1, f);
		if (n != cap - 1 && ferror(f)) {
			co_errf(err, CO_EIO, "reading the input failed");
			return NULL;
		}
		*len = n;
		return buf;
	}
	cap = 1 << 20;
	buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);
		char *nb;

		n += got;
		if (got == 0) {
			if (ferror(f)) {
				free(buf);
				co_errf(err, CO_EIO, "reading the input failed");
				return NULL;
			}
			break;
		}
		if (n == cap) {
			if (cap >= CO_MAX_FILE) {
				free(buf);
				co_errf(err, CO_ELIMIT, "the input is larger than %lu bytes",
				        (unsigned long)CO_MAX_FILE);
				return NULL;
			}
			nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	if (buf) {
		char *copy = spc_table_alloc(t, n + 1);

		if (copy)
			memcpy(copy, buf, n);
		free(buf);
		*len = n;
		if (copy)
			return copy;
	}
nomem:
	co_errf(err, CO_ENOMEM, "out of memory");
	return NULL;
}

/* The separators (',', CR, LF) among d[pos .. pos + 16) (and before len),
 * one bit each. */
static unsigned sep_mask(const char *d, size_t pos, size_t len)
{
	unsigned m = 0;
	size_t j;

#if defined(__SSE2__)
	if (pos + 16 <= len) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(d + pos));

		return (unsigned)_mm_movemask_epi8(
		        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(',')),
		                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))),
		                     _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))));
	}
#endif
	for (j = 0; j < 16 && pos + j < len; j++)
		if (d[pos + j] == ',' || d[pos + j] == '\r' || d[pos + j] == '\n')
			m |= 1u << j;
	return m;
}

/* One pass over the records of a file without quotes, separator by
 * separator: with split = 0 it counts the records and checks that each has
 * ncols fields (ncols 0: the header's) and fits the reader's limits,
 * returning the number of records or -1 when the general reader must take
 * over; with split = 1 it ends each field with a NUL and fills the table.
 * Empty lines are skipped, a CR LF is one line end, a comma at the very
 * end makes one more empty field: as the reader does. */
static long split_records(struct spc_table *t, char *d, size_t start, size_t len, size_t *ncols,
                          int split)
{
	size_t fs = start, ls = start, nf = 0, lf = (size_t)-1, pos;
	long rec = 0;

	for (pos = start; pos < len; pos += 16) {
		unsigned m = sep_mask(d, pos, len);

		while (m) {
			size_t e = pos + (size_t)__builtin_ctz(m);
			char c = d[e];

			m &= m - 1;
			if (e == lf) { /* the LF of a CR LF */
				fs = ls = e + 1;
				continue;
			}
			if (c != ',' && nf == 0 && fs == e) { /* an empty line */
				fs = ls = e + 1;
				if (c == '\r' && e + 1 < len && d[e + 1] == '\n')
					lf = e + 1;
				continue;
			}
			if (split) {
				if (rec == 0)
					t->names[nf] = d + fs;
				else
					t->cells[nf][rec - 1] = d + fs;
				d[e] = '\0';
			}
			nf++;
			if (nf > CO_MAX_CSV_FIELDS || (*ncols && nf > *ncols))
				return -1;
			fs = e + 1;
			if (c == ',')
				continue;
			if ((e - ls) + nf + 1 > CO_MAX_LINE / 2)
				return -1;
			if (!*ncols)
				*ncols = nf;
			else if (nf != *ncols)
				return -1;
			rec++;
			nf = 0;
			ls = e + 1;
			if (c == '\r' && e + 1 < len && d[e + 1] == '\n')
				lf = e + 1;
		}
	}
	if (fs < len || nf > 0) { /* the last record has no line end */
		if (split) {
			if (rec == 0)
				t->names[nf] = d + fs;
			else
				t->cells[nf][rec - 1] = d + fs; /* ends at d[len], a NUL */
		}
		nf++;
		if (nf > CO_MAX_CSV_FIELDS || (len - ls) + nf + 1 > CO_MAX_LINE / 2)
			return -1;
		if (!*ncols)
			*ncols = nf;
		else if (nf != *ncols)
			return -1;
		rec++;
	}
	return rec;
}

/* The fast path: 1 when the table was made, 0 when the general reader must
 * read the file (nothing was changed), CO_ENOMEM. */
static int table_in_place(struct spc_table *t, char *data, size_t len)
{
	size_t start = 0, ncols = 0, i;
	long rec;

	if (memchr(data, '"', len) || memchr(data, '\0', len))
		return 0;
	if (len >= 3 && (unsigned char)data[0] == 0xEF && (unsigned char)data[1] == 0xBB &&
	    (unsigned char)data[2] == 0xBF)
		start = 3;
	rec = split_records(t, data, start, len, &ncols, 0);
	if (rec < 2 || ncols == 0)
		return 0;
	t->ncols = ncols;
	t->nrows = (size_t)rec - 1;
	t->names = co_arena_alloc(&t->mem, ncols * sizeof(char *));
	t->cells = co_arena_alloc(&t->mem, ncols * sizeof(char **));
	t->csv_row = spc_table_alloc(t, (t->nrows + 1) * sizeof(long));
	if (!t->names || !t->cells || !t->csv_row)
		return CO_ENOMEM;
	for (i = 0; i < ncols; i++) {
		t->cells[i] = spc_table_alloc(t, (t->nrows + 1) * sizeof(char *));
		if (!t->cells[i])
			return CO_ENOMEM;
	}
	split_records(t, data, start, len, &ncols, 1);
	for (i = 0; i < t->nrows; i++)
		t->csv_row[i] = (long)i + 2; /* the reader numbers records, header 1 */
	return 1;
}

int spc_table_read(struct spc_table *t, FILE *f, struct co_err *err)
{
	struct co_csv *c = NULL;
	struct co_csv_record rec;
	size_t len = 0, maxrows = 1, i, textcap, used = 0;
	char *data, *text;
	int rc;

	memset(t, 0, sizeof(*t));
	co_arena_init(&t->mem, CO_SPC_ARENA_MAX);
	if (!(data = slurp(t, f, &len, err)))
		return err ? err->code : CO_ENOMEM;
	if ((rc = table_in_place(t, data, len)) != 0)
		return rc < 0 ? co_errf(err, CO_ENOMEM, "out of memory") : 0;
	for (i = 0; i < len; i++)
		maxrows += data[i] == '\n' || data[i] == '\r';
	if ((rc = co_csv_open_mem(&c, data, len, err)))
		return rc;
	rc = co_csv_next(c, &rec, err);
	if (rc <= 0) {
		if (rc == 0)
			rc = co_errf_at(err, CO_EINPUT, 1, 0, NULL,
			                "the file is empty (no header row)");
		goto out;
	}
	t->ncols = rec.nfields;
	t->names = co_arena_alloc(&t->mem, t->ncols * sizeof(char *));
	t->cells = co_arena_alloc(&t->mem, t->ncols * sizeof(char **));
	t->csv_row = spc_table_alloc(t, (maxrows + 1) * sizeof(long));
	/* every field's text and its NUL fit in the input plus one byte a field */
	textcap = len + (maxrows + 1) * t->ncols + 16;
	text = spc_table_alloc(t, textcap);
	if (!t->names || !t->cells || !t->csv_row || !text)
		goto nomem;
	for (i = 0; i < t->ncols; i++) {
		t->names[i] = co_arena_strdup(&t->mem, rec.field[i]);
		t->cells[i] = spc_table_alloc(t, (maxrows + 1) * sizeof(char *));
		if (!t->names[i] || !t->cells[i])
			goto nomem;
	}
	while ((rc = co_csv_next(c, &rec, err)) == 1) {
		if (rec.nfields != t->ncols) {
			rc = co_errf_at(
			        err, CO_EINPUT, rec.row,
			        (long)(rec.nfields < t->ncols ? rec.nfields + 1 : t->ncols + 1),
			        NULL, "the row has %zu fields, the header %zu", rec.nfields,
			        t->ncols);
			goto out;
		}
		if (t->nrows >= maxrows) {
			rc = co_errf_at(err, CO_EINTERNAL, rec.row, 0, NULL,
			                "more rows than lines");
			goto out;
		}
		for (i = 0; i < t->ncols; i++) {
			char *s = text + used;

			memcpy(s, rec.field[i], rec.len[i] + 1);
			used += rec.len[i] + 1;
			t->cells[i][t->nrows] = s;
		}
		t->csv_row[t->nrows] = rec.row;
		t->nrows++;
	}
out:
	co_csv_free(c);
	return rc < 0 ? rc : 0;
nomem:
	co_csv_free(c);
	return co_errf(err, CO_ENOMEM, "out of memory");
}

void spc_table_free(struct spc_table *t)
{
	struct spc_map *m = t->maps;

	while (m) {
		struct spc_map *next = m->next;

		munmap(m, m->len);
		m = next;
	}
	co_arena_free(&t->mem);
	memset(t, 0, sizeof(*t));
}

int spc_table_col(const struct spc_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->ncols; i++)
		if (strcmp(t->names[i], name) == 0)
			return (int)i;
	return -1;
}

/* Days from 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static long days_from_civil(long y, long m, long d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int spc_parse_date(const char *s, double *days)
{
	long y = 0, m = 0, d = 0, mdays;
	int i;

	for (i = 0; i < 4; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		y = y * 10 + (s[i] - '0');
	}
	if (s[4] != '-' || s[5] < '0' || s[5] > '9' || s[6] < '0' || s[6] > '9' || s[7] != '-' ||
	    s[8] < '0' || s[8] > '9' || s[9] < '0' || s[9] > '9' || s[10])
		return 0;
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (m < 1 || m > 12 || d < 1)
		return 0;
	mdays = m == 2 ? ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28)
	               : (m == 4 || m == 6 || m == 9 || m == 11 ? 30 : 31);
	if (d > mdays)
		return 0;
	*days = (double)days_from_civil(y, m, d);
	return 1;
}

void spc_format_date(double days, char out[16])
{
	long z = (long)days + 719468, era, doe, yoe, y, doy, mp, d, m;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	if (y < 0 || y > 9999) {
		memcpy(out, "?", 2);
		return;
	}
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}
