/* Unit tests of Europe/London time (src/mod/exchange/ex_time.c), checked
 * against known clock changes and against the tz database through glibc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mod/exchange/ex_time.h"

static void civil_days_round_trip(void **state)
{
	int64_t d, y;
	int m, day;

	(void)state;
	assert_int_equal(ex_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(ex_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(ex_weekday(0), 4); /* 1970-01-01 was a Thursday */
	for (d = -800000; d < 800000; d += 7) {
		ex_civil_from_days(d, &y, &m, &day);
		assert_int_equal(ex_days_from_civil(y, m, day), d);
	}
	assert_int_equal(ex_days_in_month(2024, 2), 29);
	assert_int_equal(ex_days_in_month(2100, 2), 28);
	assert_int_equal(ex_days_in_month(2000, 2), 29);
}

static void clock_changes_of_known_years(void **state)
{
	(void)state;
	/* 2025: forward on 30 March, back on 26 October, both at 01:00 UTC. */
	assert_int_equal(ex_bst_start(2025), 1743296400);
	assert_int_equal(ex_bst_end(2025), 1761440400);
	/* 2024: 31 March and 27 October. */
	assert_int_equal(ex_bst_start(2024), 1711846800);
	assert_int_equal(ex_bst_end(2024), 1729990800);
	assert_int_equal(ex_london_offset(1743296400 - 1), 0);
	assert_int_equal(ex_london_offset(1743296400), 3600);
	assert_int_equal(ex_london_offset(1761440400 - 1), 3600);
	assert_int_equal(ex_london_offset(1761440400), 0);
}

/* Every half hour from 1996 to 2045, as glibc reads the tz database. */
static void agrees_with_tz_database(void **state)
{
	int64_t t, from = 820454400 /* 1996-01-01 */, to = 2366755200 /* 2045-01-01 */;
	long checked = 0;

	(void)state;
	setenv("TZ", "Europe/London", 1);
	tzset();
	for (t = from; t < to; t += 1800) {
		time_t tt = (time_t)t;
		struct tm tm;
		struct ex_local l;

		assert_non_null(localtime_r(&tt, &tm));
		ex_london_from_utc(t, &l);
		if (l.offset != tm.tm_gmtoff || l.year != tm.tm_year + 1900 ||
		    l.month != tm.tm_mon + 1 || l.day != tm.tm_mday || l.hour != tm.tm_hour ||
		    l.min != tm.tm_min || l.wday != tm.tm_wday)
			fail_msg("differs from the tz database at %lld", (long long)t);
		checked++;
	}
	assert_true(checked > 800000);
}

/* The answers must not depend on the process's TZ. */
static void ignores_process_tz(void **state)
{
	struct ex_local a, b;
	int64_t t = 1741773600; /* 2025-03-12 10:00 UTC */

	(void)state;
	setenv("TZ", "America/New_York", 1);
	tzset();
	ex_london_from_utc(t, &a);
	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	ex_london_from_utc(t, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(a.hour, 10);
	assert_int_equal(a.offset, 0);
	unsetenv("TZ");
	tzset();
}

static void local_to_utc_every_hour_round_trips(void **state)
{
	int64_t t;

	(void)state;
	for (t = 1704067200; t < 1767225600; t += 900) { /* 2024 and 2025 */
		struct ex_local l;
		enum ex_local_kind kind;
		int64_t back;

		ex_london_from_utc(t, &l);
		assert_int_equal(ex_london_to_utc(l.year, l.month, l.day, l.hour, l.min, l.sec,
		                                  &back, &kind, NULL),
		                 0);
		assert_int_not_equal(kind, EX_LOCAL_GAP);
		if (l.fold) {
			/* The repeated hour reads as its first occurrence. */
			assert_int_equal(kind, EX_LOCAL_AMBIGUOUS);
			assert_int_equal(back, t - 3600);
		} else {
			assert_int_equal(back, t);
		}
	}
}

static void ambiguous_and_missing_hours(void **state)
{
	int64_t t;
	enum ex_local_kind kind;
	struct co_err e;

	(void)state;
	/* 26 October 2025, 01:30 happens twice: the first is 00:30 UTC (BST). */
	assert_int_equal(ex_london_to_utc(2025, 10, 26, 1, 30, 0, &t, &kind, NULL), 0);
	assert_int_equal(kind, EX_LOCAL_AMBIGUOUS);
	assert_int_equal(t, 1761438600);
	/* 30 March 2025, 01:30 never happens: read with the offset before the gap. */
	assert_int_equal(ex_london_to_utc(2025, 3, 30, 1, 30, 0, &t, &kind, NULL), 0);
	assert_int_equal(kind, EX_LOCAL_GAP);
	assert_int_equal(t, 1743298200);
	/* 02:00 that morning is BST, 01:00 UTC. */
	assert_int_equal(ex_london_to_utc(2025, 3, 30, 2, 0, 0, &t, &kind, NULL), 0);
	assert_int_equal(kind, EX_LOCAL_UNIQUE);
	assert_int_equal(t, 1743296400);
	/* A form refuses the missing hour and says why. */
	assert_int_equal(ex_time_parse_local("2025-03-30", "01:30", "starts_at", &t, &e),
	                 CO_EINPUT);
	assert_string_equal(e.field, "starts_at");
	assert_non_null(strstr(e.msg, "clocks go forward"));
	/* ... and accepts the repeated one as BST. */
	assert_int_equal(ex_time_parse_local("2025-10-26T01:30", NULL, "starts_at", &t, &e), 0);
	assert_int_equal(t, 1761438600);
}

static void parses_form_input(void **state)
{
	int64_t t = 42;
	struct co_err e;
	char out[32];

	(void)state;
	/* Summer: 3 April 2025 09:00 BST is 08:00 UTC. */
	assert_int_equal(ex_time_parse_local("2025-04-03", "09:00", NULL, &t, &e), 0);
	assert_int_equal(t, 1743667200);
	ex_time_format_local(t, out, sizeof(out));
	assert_string_equal(out, "2025-04-03 09:00");
	assert_string_equal(ex_time_zone_name(t), "BST");
	/* Winter: 12 March 2025 10:00 GMT is 10:00 UTC. */
	assert_int_equal(ex_time_parse_local("2025-03-12T10:00", NULL, NULL, &t, &e), 0);
	assert_int_equal(t, 1741773600);
	assert_string_equal(ex_time_zone_name(t), "GMT");
	ex_time_format_ical_local(1743667200, out, sizeof(out));
	assert_string_equal(out, "20250403T090000");
	ex_time_format_ical_utc(1743667200, out, sizeof(out));
	assert_string_equal(out, "20250403T080000Z");

	t = 42;
	assert_int_equal(ex_time_parse_local("2025-02-30", "10:00", "d", &t, &e), CO_EINPUT);
	assert_int_equal(ex_time_parse_local("2025-13-01", "10:00", "d", &t, &e), CO_EINPUT);
	assert_int_equal(ex_time_parse_local("2025-01-01", "24:00", "d", &t, &e), CO_EINPUT);
	assert_int_equal(ex_time_parse_local("2025-01-01", "9:00", "d", &t, &e), CO_EINPUT);
	assert_int_equal(ex_time_parse_local("2025-1-01", "09:00", "d", &t, &e), CO_EINPUT);
	assert_int_equal(ex_time_parse_local("2025-01-01x", "09:00", "d", &t, &e), CO_EINPUT);
	assert_int_equal(ex_time_parse_local("2025-01-01", "09:00 ", "d", &t, &e), CO_EINPUT);
	assert_int_equal(ex_time_parse_local("", "", "d", &t, &e), CO_EINPUT);
	assert_int_equal(ex_time_parse_local(NULL, NULL, "d", &t, &e), CO_EINPUT);
	assert_int_equal(ex_time_parse_local("2025-01-01", NULL, "d", &t, &e), CO_EINPUT);
	assert_int_equal(t, 42); /* untouched on failure */
	assert_string_equal(e.field, "d");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(civil_days_round_trip),
	        cmocka_unit_test(clock_changes_of_known_years),
	        cmocka_unit_test(agrees_with_tz_database),
	        cmocka_unit_test(ignores_process_tz),
	        cmocka_unit_test(local_to_utc_every_hour_round_trips),
	        cmocka_unit_test(ambiguous_and_missing_hours),
	        cmocka_unit_test(parses_form_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
