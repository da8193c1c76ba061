/* Unit tests of Improve's printable outputs: an SVG chart as PNG and PDF,
 * and the learning-session pack with a page per team. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <cairo.h>
#include <pango/pangocairo.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/limits.h"
#include "mod/improve/imp_render.h"

static const char svg[] =
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"100\" "
        "viewBox=\"0 0 200 100\"><rect x=\"10\" y=\"10\" width=\"50\" height=\"50\" "
        "fill=\"#005eb8\"/><text x=\"80\" y=\"50\">chart</text></svg>";

/* Fontconfig's configuration, loaded once per process by pango, is never
 * freed (FcFini is not ours to call): not a leak of this code. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

static unsigned be32(const unsigned char *p)
{
	return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
}

static int count(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;
	int k = 0;

	for (i = 0; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			k++;
	return k;
}

static void svg_to_png_and_pdf(void **state)
{
	struct co_buf b;
	struct co_err e;

	(void)state;
	co_buf_init(&b, CO_MAX_PAGE);
	assert_int_equal(imp_render_svg(svg, sizeof(svg) - 1, IMP_RENDER_PNG, 2, &b, &e), 0);
	assert_true(b.len > 100);
	assert_memory_equal(b.data, "\x89PNG\r\n\x1a\n", 8);
	/* the IHDR chunk: twice the SVG's size */
	assert_int_equal(be32((const unsigned char *)b.data + 16), 400);
	assert_int_equal(be32((const unsigned char *)b.data + 20), 200);
	co_buf_reset(&b);
	assert_int_equal(imp_render_svg(svg, sizeof(svg) - 1, IMP_RENDER_PDF, 1, &b, &e), 0);
	assert_memory_equal(b.data, "%PDF-", 5);
	/* 200 x 100 CSS pixels are 150 x 75 points */
	assert_true(count(b.data, b.len, "/MediaBox [ 0 0 150 75 ]") == 1);
	co_buf_reset(&b);
	assert_int_equal(imp_render_svg("<svg", 4, IMP_RENDER_PNG, 1, &b, &e), CO_EINPUT);
	co_buf_free(&b);
}

static void pack_has_a_page_per_team(void **state)
{
	const struct imp_pack_chart charts[2] = {{"Rate", svg, "Common cause variation"},
	                                         {"Huddles", NULL, ""}};
	const char *cycles[1] = {"2025-11-04  Debrief after every intervention: adopt"};
	const struct imp_pack_page pages[3] = {
	        {"Ward one", "A health board", "2025-10", "3.0", "2.0", 1, charts, 2, cycles, 1},
	        {"Ward two", "A health board", "", "", "", 0, charts, 1, NULL, 0},
	        {"Ward three", "Another board", "2025-10", "4.5", "4.5", 0, NULL, 0, NULL, 0},
	};
	const char *labels[5] = {"Team's score", "Coach's score",
	                         "PDSA cycles since the last session",
	                         "No PDSA cycles in this period", "Gap of 1.0 or more"};
	struct co_buf b;
	struct co_err e;

	(void)state;
	co_buf_init(&b, CO_MAX_PAGE);
	assert_int_equal(
	        imp_render_pack("Learning session pack", "Session 3", labels, pages, 3, &b, &e), 0);
	assert_memory_equal(b.data, "%PDF-", 5);
	/* a cover and three team pages */
	assert_int_equal(
	        count(b.data, b.len, "/Type /Page\n") + count(b.data, b.len, "/Type /Page "), 4);
	co_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(svg_to_png_and_pdf),
	        cmocka_unit_test(pack_has_a_page_per_team),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	/* release pango's and cairo's process-wide caches for the leak checker */
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
	return failed;
}
