/* Unit tests of the CSV reader and writer (src/base/csv.h) and co_dtoa. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "base/limits.h"

/* All records of s, fields joined by '|' and records by '\n'. Returns the
 * reader's final code (0 at a clean end). */
static int read_all(const char *s, size_t len, char *out, size_t size, struct co_err *err)
{
	struct co_csv *c = NULL;
	struct co_csv_record rec;
	size_t used = 0;
	int rc;

	out[0] = '\0';
	assert_int_equal(co_csv_open_mem(&c, s, len, err), 0);
	while ((rc = co_csv_next(c, &rec, err)) == 1) {
		size_t k;

		for (k = 0; k < rec.nfields; k++)
			used += (size_t)snprintf(out + used, size - used, "%s%s", k ? "|" : "",
			                         rec.field[k]);
		used += (size_t)snprintf(out + used, size - used, "\n");
	}
	co_csv_free(c);
	return rc;
}

static void reads_quoted_fields_and_line_ends(void **state)
{
	const char in[] =
	        "\xEF\xBB\xBFx,y\r\n1,\"a,\"\"b\"\"\"\n\n2,\"multi\r\nline\"\r3,\n\"\"\n4,x";
	char out[512];
	struct co_err err;

	(void)state;
	assert_int_equal(read_all(in, sizeof(in) - 1, out, sizeof(out), &err), 0);
	assert_string_equal(out, "x|y\n1|a,\"b\"\n2|multi\r\nline\n3|\n\n4|x\n");
}

/* found by fuzzing: a last record ending in a comma has an empty last field */
static void trailing_comma_gives_an_empty_field(void **state)
{
	char out[64];
	struct co_err err;

	(void)state;
	assert_int_equal(read_all("8,", 2, out, sizeof(out), &err), 0);
	assert_string_equal(out, "8|\n");
	assert_int_equal(read_all("a,b\n8,", 6, out, sizeof(out), &err), 0);
	assert_string_equal(out, "a|b\n8|\n");
}

static void numbers_rows_and_lines(void **state)
{
	const char in[] = "h1,h2\n\"a\nb\",c\n\nd,e\n";
	struct co_csv *c = NULL;
	struct co_csv_record rec;
	struct co_err err;

	(void)state;
	assert_int_equal(co_csv_open_mem(&c, in, sizeof(in) - 1, &err), 0);
	assert_int_equal(co_csv_next(c, &rec, &err), 1);
	assert_int_equal(rec.row, 1);
	assert_int_equal(rec.line, 1);
	assert_int_equal(co_csv_next(c, &rec, &err), 1);
	assert_int_equal(rec.row, 2);
	assert_int_equal(rec.line, 2);
	assert_true(rec.quoted[0]);
	assert_false(rec.quoted[1]);
	assert_int_equal(rec.len[0], 3);
	assert_int_equal(co_csv_next(c, &rec, &err), 1);
	assert_int_equal(rec.row, 3);
	assert_int_equal(rec.line, 5); /* the empty line 4 was skipped */
	assert_string_equal(rec.field[1], "e");
	assert_int_equal(co_csv_next(c, &rec, &err), 0);
	co_csv_free(c);
}

static void expect_error(const char *in, int code, long row, long col, const char *words)
{
	char out[256];
	struct co_err err;

	co_err_clear(&err);
	assert_int_equal(read_all(in, strlen(in), out, sizeof(out), &err), code);
	assert_int_equal(err.row, row);
	assert_int_equal(err.col, col);
	assert_non_null(strstr(err.msg, words));
}

static void refuses_malformed_input_with_row_and_column(void **state)
{
	(void)state;
	expect_error("a,b\n1,x\"y\n", CO_EINPUT, 2, 2, "quote inside an unquoted");
	expect_error("a,b\n1,\"x\"y\n", CO_EINPUT, 2, 2, "after the closing quote");
	expect_error("a,b\n1,2\n3,\"open\n", CO_EINPUT, 3, 2, "not closed");
	{
		char in[] = "a,b\n1,2\n";
		char out[64];
		struct co_err err;

		in[5] = '\0';
		assert_int_equal(read_all(in, sizeof(in) - 1, out, sizeof(out), &err), CO_EINPUT);
		assert_int_equal(err.row, 2);
		assert_non_null(strstr(err.msg, "NUL"));
	}
}

static void enforces_limits(void **state)
{
	size_t n = CO_MAX_LINE + 10, i;
	char *big = malloc(n + 1), out[64];
	struct co_err err;

	(void)state;
	assert_non_null(big);
	memset(big, 'a', n);
	big[n] = '\0';
	assert_int_equal(read_all(big, n, out, sizeof(out), &err), CO_ELIMIT);
	assert_int_equal(err.row, 1);
	for (i = 0; i < n; i++)
		big[i] = i % 2 ? ',' : '1';
	/* 5000 commas: more fields than CO_MAX_CSV_FIELDS */
	assert_int_equal(read_all(big, 2 * (CO_MAX_CSV_FIELDS + 5), out, sizeof(out), &err),
	                 CO_ELIMIT);
	free(big);
}

/* A file read in 64 KB chunks gives the same records as the same bytes in
 * memory, whatever falls on a chunk boundary. */
static void file_and_memory_agree_across_chunks(void **state)
{
	struct co_buf b;
	FILE *f = tmpfile();
	struct co_csv *cm = NULL, *cf = NULL;
	struct co_csv_record rm, rf;
	struct co_err err;
	int i, n = 0, a, c;

	(void)state;
	assert_non_null(f);
	co_buf_init(&b, 1 << 24);
	for (i = 0; i < 20000; i++)
		co_buf_printf(&b, "%d,\"q,\"\"%d\"\"\r\n\",%s\r\n", i, i * 7, i % 3 ? "x" : "");
	fwrite(b.data, 1, b.len, f);
	rewind(f);
	assert_int_equal(co_csv_open_mem(&cm, b.data, b.len, &err), 0);
	assert_int_equal(co_csv_open_file(&cf, f, &err), 0);
	for (;;) {
		size_t k;

		a = co_csv_next(cm, &rm, &err);
		c = co_csv_next(cf, &rf, &err);
		assert_int_equal(a, c);
		if (a != 1)
			break;
		n++;
		assert_int_equal(rm.nfields, 3);
		assert_int_equal(rf.nfields, 3);
		assert_int_equal(rm.line, rf.line);
		for (k = 0; k < 3; k++)
			assert_string_equal(rm.field[k], rf.field[k]);
	}
	assert_int_equal(a, 0);
	assert_int_equal(n, 20000);
	co_csv_free(cm);
	co_csv_free(cf);
	fclose(f);
	co_buf_free(&b);
}

static void writer_quotes_only_when_needed_and_round_trips(void **state)
{
	const char *fields[] = {"plain", "a,b", "say \"hi\"", "two\nlines", "", " padded", "12.5"};
	struct co_buf b;
	struct co_csv *c = NULL;
	struct co_csv_record rec;
	struct co_err err;
	size_t i, n = sizeof(fields) / sizeof(fields[0]);

	(void)state;
	co_buf_init(&b, 4096);
	for (i = 0; i < n; i++) {
		if (i)
			co_csv_sep(&b);
		co_csv_fieldz(&b, fields[i]);
	}
	co_csv_end(&b);
	assert_string_equal(
	        b.data, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,\" padded\",12.5\r\n");
	assert_int_equal(co_csv_open_mem(&c, b.data, b.len, &err), 0);
	assert_int_equal(co_csv_next(c, &rec, &err), 1);
	assert_int_equal(rec.nfields, n);
	for (i = 0; i < n; i++)
		assert_string_equal(rec.field[i], fields[i]);
	co_csv_free(c);
	co_buf_free(&b);
}

static void dtoa_is_shortest_and_round_trips(void **state)
{
	struct {
		double v;
		const char *s;
	} known[] = {
	        {0.1, "0.1"},
	        {10.2, "10.2"},
	        {-3.5, "-3.5"},
	        {100, "100"},
	        {1e-5, "0.00001"},
	        {1e-7, "1e-07"},
	        {1e21, "1e+21"},
	        {0.30000000000000004, "0.30000000000000004"},
	        {10.057894736842105, "10.057894736842105"},
	        {5e-324, "5e-324"},
	};
	uint64_t x = 88172645463325252ULL;
	char buf[32];
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		co_dtoa(known[i].v, buf);
		assert_string_equal(buf, known[i].s);
	}
	co_dtoa(NAN, buf);
	assert_string_equal(buf, "NaN");
	for (i = 0; i < 200000; i++) {
		double d;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(&d, &x, sizeof(d));
		if (!isfinite(d))
			continue;
		co_dtoa(d, buf);
		bad += strtod(buf, NULL) != d;
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(reads_quoted_fields_and_line_ends),
	        cmocka_unit_test(numbers_rows_and_lines),
	        cmocka_unit_test(trailing_comma_gives_an_empty_field),
	        cmocka_unit_test(refuses_malformed_input_with_row_and_column),
	        cmocka_unit_test(enforces_limits),
	        cmocka_unit_test(file_and_memory_agree_across_chunks),
	        cmocka_unit_test(writer_quotes_only_when_needed_and_round_trips),
	        cmocka_unit_test(dtoa_is_shortest_and_round_trips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
