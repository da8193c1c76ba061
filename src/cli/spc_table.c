/* spc_table.c - a CSV file read into string columns, and dates. */
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "base/limits.h"
#include "cli/spc_cli.h"

int spc_table_read(struct spc_table *t, FILE *f, struct co_err *err)
{
	struct co_csv *c = NULL;
	struct co_csv_record rec;
	size_t cap = 1024, i;
	int rc;

	memset(t, 0, sizeof(*t));
	co_arena_init(&t->mem, CO_SPC_ARENA_MAX);
	if ((rc = co_csv_open_file(&c, f, err)))
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
	t->csv_row = malloc(cap * sizeof(long));
	if (!t->names || !t->cells || !t->csv_row)
		goto nomem;
	for (i = 0; i < t->ncols; i++) {
		t->names[i] = co_arena_strdup(&t->mem, rec.field[i]);
		t->cells[i] = malloc(cap * sizeof(char *));
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
		if (t->nrows == cap) {
			long *nr;

			cap *= 2;
			nr = realloc(t->csv_row, cap * sizeof(long));
			if (!nr)
				goto nomem;
			t->csv_row = nr;
			for (i = 0; i < t->ncols; i++) {
				char **nc = realloc(t->cells[i], cap * sizeof(char *));

				if (!nc)
					goto nomem;
				t->cells[i] = nc;
			}
		}
		for (i = 0; i < t->ncols; i++) {
			char *s = rec.len[i] ? co_arena_alloc(&t->mem, rec.len[i] + 1) : "";

			if (!s)
				goto nomem;
			if (rec.len[i])
				memcpy(s, rec.field[i], rec.len[i] + 1);
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
	size_t i;

	if (t->cells)
		for (i = 0; i < t->ncols; i++)
			free(t->cells[i]);
	free(t->csv_row);
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
	if (y < 0 || y > 9999)
		snprintf(out, 16, "%s", "?");
	else
		snprintf(out, 16, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
}
