/* Unit tests of the base layer: errors, arena, bounded buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"

static void err_format_names_row_column_and_field(void **state)
{
	struct co_err e;
	char out[256];

	(void)state;
	assert_int_equal(co_errf_at(&e, CO_EINPUT, 3, 2, "y", "not a number: '%s'", "abc"),
	                 CO_EINPUT);
	co_err_format(&e, out, sizeof(out));
	assert_string_equal(out, "row 3, column 2 (y): not a number: 'abc'");
	co_errf_at(&e, CO_EINPUT, 0, 0, "email", "is required");
	co_err_format(&e, out, sizeof(out));
	assert_string_equal(out, "field email: is required");
	co_errf(&e, CO_ENOTFOUND, "no such organisation");
	co_err_format(&e, out, sizeof(out));
	assert_string_equal(out, "no such organisation");
}

/* An error keeps its format and each value as text, so that a page can put
 * the same values into its translation of the format. */
static void err_keeps_format_and_values_for_translation(void **state)
{
	struct co_err e, by_hand = {.msg = "made by hand"};
	char out[CO_MAX_ERRMSG], longer[300];
	size_t big = 12;

	(void)state;
	co_errf(&e, CO_EINPUT, "%s has %d of %zu places (%.1f%%), row %ld: '%.*s'", "Room A", -3,
	        big, 12.25, 7L, 3, "abcdef");
	assert_string_equal(e.msg, "Room A has -3 of 12 places (12.2%), row 7: 'abc'");
	assert_ptr_not_equal(e.fmt, NULL);
	assert_int_equal(e.nargs, 6);
	assert_string_equal(e.args[0], "Room A");
	assert_string_equal(e.args[1], "-3");
	assert_string_equal(e.args[2], "12");
	assert_string_equal(e.args[3], "12.2");
	assert_string_equal(e.args[4], "7");
	assert_string_equal(e.args[5], "abc");
	/* the format itself gives the message back */
	co_err_text(&e, e.fmt, out, sizeof(out));
	assert_string_equal(out, e.msg);
	/* another wording with the same conversions takes the same values */
	co_err_text(&e, "%s: %d o %zu lle (%.1f%%), rhes %ld: '%.*s'", out, sizeof(out));
	assert_string_equal(out, "Room A: -3 o 12 lle (12.2%), rhes 7: 'abc'");
	/* a wording whose conversions do not match falls back to the message */
	co_err_text(&e, "%s: %d", out, sizeof(out));
	assert_string_equal(out, e.msg);
	co_err_text(&e, NULL, out, sizeof(out));
	assert_string_equal(out, e.msg);
	/* an error made by hand has no format */
	co_err_text(&by_hand, "anything %s", out, sizeof(out));
	assert_string_equal(out, "made by hand");
	/* a value too long to keep: the message stands */
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	co_errf(&e, CO_EINPUT, "unknown '%s'", longer);
	assert_int_equal(e.nargs, -1);
	co_err_text(&e, "anhysbys '%s'", out, sizeof(out));
	assert_string_equal(out, e.msg);
	/* the output is cut at its size */
	co_errf(&e, CO_EINPUT, "at most %d themes", 12);
	co_err_text(&e, "dim mwy na %d thema", out, 8);
	assert_string_equal(out, "dim mwy");
	assert_int_equal(co_fmt_conversions("a %d b %% c %.*s %n"), -1);
	assert_int_equal(co_fmt_conversions("a %d b %% c %.*s"), 2);
	assert_int_equal(co_fmt_conversions("no values, 100%%"), 0);
	co_err_clear(&e);
	assert_null(e.fmt);
}

static void arena_aligns_and_respects_limit(void **state)
{
	struct co_arena a;
	char *s;
	void *p;
	int i;

	(void)state;
	co_arena_init(&a, 200000);
	for (i = 0; i < 100; i++) {
		p = co_arena_alloc(&a, (size_t)i * 7 + 1);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
	}
	s = co_arena_printf(&a, "%s-%d", "row", 42);
	assert_string_equal(s, "row-42");
	assert_non_null(co_arena_alloc(&a, 100000)); /* a big one-off block */
	assert_null(co_arena_alloc(&a, 150000));     /* past the limit */
	s = co_arena_strndup(&a, "abcdef", 3);
	assert_string_equal(s, "abc");
	co_arena_free(&a);
}

static void buf_grows_and_refuses_past_max(void **state)
{
	struct co_buf b;
	char *p;
	size_t len;
	int i;

	(void)state;
	co_buf_init(&b, 1000);
	for (i = 0; i < 100; i++)
		assert_int_equal(co_buf_printf(&b, "%d,", i % 10), 0);
	assert_int_equal(b.len, 200);
	assert_int_equal(co_buf_add(&b, "x", 801), CO_ELIMIT);
	assert_int_equal(b.len, 200); /* unchanged after a refusal */
	assert_int_equal(co_buf_add(&b, "0123456789", 10), 0);
	p = co_buf_take(&b, &len);
	assert_int_equal(len, 210);
	assert_memory_equal(p, "0,1,2,", 6);
	assert_null(b.data);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(err_format_names_row_column_and_field),
	        cmocka_unit_test(err_keeps_format_and_values_for_translation),
	        cmocka_unit_test(arena_aligns_and_respects_limit),
	        cmocka_unit_test(buf_grows_and_refuses_past_max),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
