/*
 * test_render.c - the document libraries load on first use, and a call
 * through the table reaches the real library.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "render/render.h"

static void test_ready_twice(void **state)
{
	struct co_err e = {0};

	(void)state;
	assert_int_equal(render_ready(&e), 0);
	assert_int_equal(render_ready(&e), 0);
}

static void test_calls_reach_the_library(void **state)
{
	struct co_err e = {0};
	cairo_surface_t *s;
	QRcode *q;

	(void)state;
	assert_int_equal(render_ready(&e), 0);
	s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 16, 8);
	assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
	cairo_surface_destroy(s);
	assert_string_equal(cairo_status_to_string(CAIRO_STATUS_NO_MEMORY), "out of memory");
	q = QRcode_encodeString8bit("collective", 0, QR_ECLEVEL_M);
	assert_non_null(q);
	assert_true(q->width >= 21);
	QRcode_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ready_twice),
	        cmocka_unit_test(test_calls_reach_the_library),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
