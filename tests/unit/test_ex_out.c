/* Unit tests of the Exchange outputs (src/mod/exchange/ex_out.c): safe
 * Markdown, attendee lists read back by openpyxl, badges whose QR codes
 * zbarimg decodes, the conference pack read back by pdftotext. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cairo.h>
#include <pango/pangocairo.h>

#include "base/buf.h"
#include "base/csv.h"
#include "base/limits.h"
#include "mod/exchange/ex_out.h"

/* Writes b to a new temporary file whose name ends in suffix. */
static void save(const struct co_buf *b, char *path, size_t size, const char *suffix)
{
	FILE *f;
	int fd;

	snprintf(path, size, "/tmp/test_ex_out_XXXXXX%s", suffix);
	fd = mkstemps(path, (int)strlen(suffix));
	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b->data, 1, b->len, f), b->len);
	assert_int_equal(fclose(f), 0);
}

/* Runs a shell command (built only from our own paths) and returns its
 * standard output. */
static void run_capture(const char *cmd, struct co_buf *out)
{
	char chunk[4096];
	size_t n;
	FILE *p = popen(cmd, "r");

	assert_non_null(p);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		assert_int_equal(co_buf_add(out, chunk, n), 0);
	assert_int_equal(pclose(p), 0);
	if (!out->data)
		co_buf_adds(out, "");
}

/* Fontconfig's configuration, loaded once per process by pango, is never
 * freed (FcFini is not ours to call): not a leak of this code. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

static void markdown_is_safe(void **state)
{
	struct co_buf b;
	struct co_err e;

	(void)state;
	co_buf_init(&b, 65536);
	assert_int_equal(
	        ex_markdown_html("**Bring** a laptop.\n\n<script>alert(1)</script>\n\n"
	                         "[click](javascript:alert(1)) <img src=x onerror=alert(1)>",
	                         &b, &e),
	        0);
	assert_non_null(strstr(b.data, "<strong>Bring</strong>"));
	assert_null(strstr(b.data, "<script"));
	assert_null(strstr(b.data, "javascript:"));
	assert_null(strstr(b.data, "onerror"));
	assert_non_null(strstr(b.data, "raw HTML omitted"));
	co_buf_free(&b);
}

static void columns_parse(void **state)
{
	enum ex_col cols[EX_N_COLS];
	struct co_err e;
	int n = -1;

	(void)state;
	assert_int_equal(ex_cols_parse("name, organisation,dietary", cols, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_int_equal(cols[0], EX_COL_NAME);
	assert_int_equal(cols[1], EX_COL_ORG);
	assert_int_equal(cols[2], EX_COL_DIETARY);
	assert_true(ex_col_is_needs(cols[2]));
	assert_false(ex_col_is_needs(cols[0]));
	n = -1;
	assert_int_equal(ex_cols_parse("name,salary", cols, &n, &e), CO_EINPUT);
	assert_non_null(strstr(e.msg, "salary"));
	assert_int_equal(ex_cols_parse("name,name", cols, &n, &e), CO_EINPUT);
	assert_int_equal(ex_cols_parse("", cols, &n, &e), CO_EINPUT);
	assert_int_equal(n, -1);
}

static const struct ex_attendee people[] = {
        {.v = {[EX_COL_NAME] = "Gwenllian Ap Ŵ",
               [EX_COL_ORG] = "Hywel Dda University Health Board",
               [EX_COL_EMAIL] = "g@example.org",
               [EX_COL_DIETARY] = "vegan, no nuts"}},
        {.v = {[EX_COL_NAME] = "=HYPERLINK(\"http://x\")",
               [EX_COL_ORG] = "Quote \"Org\"",
               [EX_COL_EMAIL] = "q@example.org"}},
        {.v = {[EX_COL_NAME] = "0123", [EX_COL_ORG] = NULL, [EX_COL_EMAIL] = "z@example.org"}},
};

static void csv_quotes_and_defuses_formulas(void **state)
{
	enum ex_col cols[] = {EX_COL_NAME, EX_COL_ORG, EX_COL_DIETARY};
	struct co_buf b;
	struct co_err e;

	(void)state;
	co_buf_init(&b, 65536);
	assert_int_equal(ex_attendees_csv(&b, people, 3, cols, 3, NULL, &e), 0);
	assert_string_equal(
	        b.data, "Name,Organisation,Dietary needs\r\n"
	                "Gwenllian Ap Ŵ,Hywel Dda University Health Board,\"vegan, no nuts\"\r\n"
	                "\"'=HYPERLINK(\"\"http://x\"\")\",\"Quote \"\"Org\"\"\",\r\n"
	                "0123,,\r\n");
	/* The shared reader reads back what was written. */
	{
		struct co_csv *rd;
		struct co_csv_record rec;
		int rows = 0;

		assert_int_equal(co_csv_open_mem(&rd, b.data, b.len, &e), 0);
		while (co_csv_next(rd, &rec, &e) > 0) {
			assert_int_equal(rec.nfields, 3);
			if (rows == 2)
				assert_string_equal(rec.field[0], "'=HYPERLINK(\"http://x\")");
			rows++;
		}
		co_csv_free(rd);
		assert_int_equal(rows, 4);
	}
	co_buf_free(&b);
}

static void xlsx_read_back_by_openpyxl(void **state)
{
	enum ex_col cols[] = {EX_COL_EMAIL, EX_COL_NAME, EX_COL_DIETARY};
	const char *titles[] = {"E-bost", "Enw", "Anghenion deietegol"};
	char path[64], cmd[4096];
	struct co_buf b, o;
	struct co_err e;

	(void)state;
	co_buf_init(&b, CO_MAX_OUTPUT);
	co_buf_init(&o, 65536);
	assert_int_equal(ex_attendees_xlsx(&b, people, 3, cols, 3, titles, &e), 0);
	assert_memory_equal(b.data, "PK", 2); /* a zip */
	save(&b, path, sizeof(path), ".xlsx");
	snprintf(cmd, sizeof(cmd),
	         "/usr/bin/python3 tests/exchange/xlsx_check.py %s 3 'E-bost' 'Enw' "
	         "'Anghenion deietegol' 'g@example.org' 'Gwenllian Ap Ŵ' 'vegan, no nuts' "
	         "'q@example.org' '=HYPERLINK(\"http://x\")' '' 'z@example.org' '0123' ''",
	         path);
	run_capture(cmd, &o);
	assert_non_null(strstr(o.data, "4 rows")); /* the header and three people */
	unlink(path);
	co_buf_free(&b);
	co_buf_free(&o);
}

static void checkin_codes(void **state)
{
	unsigned char key[32], other[32];
	char code[EX_CHECKIN_MAX];
	int64_t id = 0;

	(void)state;
	memset(key, 7, sizeof(key));
	memset(other, 8, sizeof(other));
	ex_checkin_code(key, 4242, code);
	assert_int_equal(strlen(code), 4 + 1 + 20);
	assert_int_equal(ex_checkin_verify(key, code, &id), 0);
	assert_int_equal(id, 4242);
	id = 0;
	assert_int_equal(ex_checkin_verify(other, code, &id), CO_EINPUT);
	code[0] = '5'; /* another registration with the same tag */
	assert_int_equal(ex_checkin_verify(key, code, &id), CO_EINPUT);
	assert_int_equal(ex_checkin_verify(key, "", &id), CO_EINPUT);
	assert_int_equal(ex_checkin_verify(key, "12-zz", &id), CO_EINPUT);
	assert_int_equal(ex_checkin_verify(key, NULL, &id), CO_EINPUT);
	assert_int_equal(id, 0);
}

static void badges_carry_decodable_qr_codes(void **state)
{
	struct ex_badge b[9];
	char urls[9][96], names[9][32], path[64], cmd[512];
	struct co_buf pdf, o;
	struct co_err e;
	int i;

	(void)state;
	for (i = 0; i < 9; i++) {
		snprintf(urls[i], sizeof(urls[i]), "https://collective.test/checkin/%d-abcdef%02d",
		         i + 1, i);
		snprintf(names[i], sizeof(names[i]), "Person Number %d", i + 1);
		b[i] = (struct ex_badge){.name = names[i],
		                         .org = "Betsi Cadwaladr University Health Board",
		                         .event = "Leadership exchange conference",
		                         .detail = "3-4 April",
		                         .qr_text = urls[i]};
	}
	co_buf_init(&pdf, CO_MAX_OUTPUT);
	co_buf_init(&o, 1 << 20);
	assert_int_equal(ex_badges_pdf(&pdf, b, 0, &e), CO_EINPUT);
	assert_int_equal(ex_badges_pdf(&pdf, b, 9, &e), 0);
	assert_memory_equal(pdf.data, "%PDF", 4);
	save(&pdf, path, sizeof(path), ".pdf");
	snprintf(cmd, sizeof(cmd), "pdfinfo %s | grep '^Pages:'", path);
	run_capture(cmd, &o);
	assert_non_null(strstr(o.data, " 2\n")); /* eight to a page */
	co_buf_reset(&o);
	snprintf(cmd, sizeof(cmd), "pdftotext %s - | tr '\\n' ' '", path);
	run_capture(cmd, &o);
	assert_non_null(strstr(o.data, "Person Number 1"));
	assert_non_null(strstr(o.data, "Person Number 9"));
	/* Render the first page and decode every QR code on it. */
	co_buf_reset(&o);
	snprintf(cmd, sizeof(cmd),
	         "pdftoppm -r 200 -f 1 -l 1 -png %s %s.page && zbarimg --quiet --raw %s.page-1.png "
	         "| sort",
	         path, path, path);
	run_capture(cmd, &o);
	for (i = 0; i < 8; i++) {
		char line[1024];

		snprintf(line, sizeof(line), "%s\n", urls[i]);
		if (!strstr(o.data, line))
			fail_msg("QR code %d not decoded; got:\n%s", i + 1, o.data);
	}
	snprintf(cmd, sizeof(cmd), "%s.page-1.png", path);
	unlink(cmd);
	unlink(path);
	co_buf_free(&pdf);
	co_buf_free(&o);
}

static void pack_groups_insights_by_theme(void **state)
{
	struct ex_pack_item items[40];
	char path[64], cmd[256], learned[40][64];
	struct co_buf pdf, o;
	struct co_err e;
	const char *a, *b, *c;
	int i;

	(void)state;
	for (i = 0; i < 40; i++) {
		static const char *themes[] = {"Right support first time", "Recovery focus",
		                               "Whole-system working"};

		snprintf(learned[i], sizeof(learned[i]), "Lesson %02d from the exchange", i);
		items[i] = (struct ex_pack_item){.theme = themes[i % 3],
		                                 .exchange = "Crisis pathways",
		                                 .host = "Powys Teaching Health Board",
		                                 .learned = learned[i],
		                                 .ideas = "Share the triage script.",
		                                 .actions = "Pilot in two wards.",
		                                 .by_host = i % 2};
	}
	co_buf_init(&pdf, CO_MAX_OUTPUT);
	co_buf_init(&o, 1 << 20);
	assert_int_equal(ex_pack_pdf(&pdf, "Conference pack", "Insights from every exchange", items,
	                             40, NULL, &e),
	                 0);
	save(&pdf, path, sizeof(path), ".pdf");
	snprintf(cmd, sizeof(cmd), "pdftotext -raw %s -", path);
	run_capture(cmd, &o);
	a = strstr(o.data, "Right support first time");
	b = strstr(o.data, "Recovery focus");
	c = strstr(o.data, "Whole-system working");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_true(a < b && b < c);
	/* Lesson 00 and 03 are in the first theme, before the second heading;
	 * lesson 01 after it. */
	assert_true(strstr(o.data, "Lesson 03") < b);
	assert_true(strstr(o.data, "Lesson 01") > b && strstr(o.data, "Lesson 01") < c);
	assert_true(strstr(o.data, "Lesson 39") < b);
	co_buf_reset(&o);
	snprintf(cmd, sizeof(cmd), "pdfinfo %s | grep '^Pages:'", path);
	run_capture(cmd, &o);
	assert_null(strstr(o.data, " 1\n")); /* more than one page */
	unlink(path);
	co_buf_free(&pdf);
	co_buf_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(markdown_is_safe),
	        cmocka_unit_test(columns_parse),
	        cmocka_unit_test(csv_quotes_and_defuses_formulas),
	        cmocka_unit_test(xlsx_read_back_by_openpyxl),
	        cmocka_unit_test(checkin_codes),
	        cmocka_unit_test(badges_carry_decodable_qr_codes),
	        cmocka_unit_test(pack_groups_insights_by_theme),
	};

	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	/* Pango and cairo keep process-wide caches: release them so that the
	 * leak checker sees only what this code failed to free. */
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
	return failed;
}
