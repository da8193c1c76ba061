/* Unit tests of the iCalendar writer (src/mod/exchange/ex_ics.c): folding
 * and escaping by hand, and whole files read back by an independent parser
 * (tests/exchange/ics_check.py, python3-icalendar). */
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

#include "base/buf.h"
#include "base/limits.h"
#include "mod/exchange/ex_ics.h"

/* Every physical line ends in CRLF, is at most 75 octets, and no
 * continuation begins inside a UTF-8 sequence. */
static void assert_well_formed(const char *s, size_t len)
{
	size_t i = 0;

	assert_true(len >= 2);
	assert_memory_equal(s + len - 2, "\r\n", 2);
	while (i < len) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t linelen;

		assert_non_null(nl);
		linelen = (size_t)(nl - (s + i));
		assert_true(linelen >= 1);
		assert_int_equal(s[i + linelen - 1], '\r');
		linelen--;
		assert_in_range(linelen, 0, 75);
		assert_null(memchr(s + i, '\r', linelen));
		if (s[i] == ' ')
			assert_int_not_equal((unsigned char)s[i + 1] & 0xC0, 0x80);
		i += linelen + 2;
	}
}

/* Unfolds (CRLF + space removed) into out. */
static void unfold(const char *s, struct co_buf *out)
{
	size_t i, len = strlen(s);

	for (i = 0; i < len; i++) {
		if (s[i] == '\r' && i + 2 < len && s[i + 1] == '\n' && s[i + 2] == ' ') {
			i += 2;
			continue;
		}
		assert_int_equal(co_buf_addc(out, s[i]), 0);
	}
}

static void escapes_text(void **state)
{
	struct co_buf b;

	(void)state;
	co_buf_init(&b, 4096);
	assert_int_equal(ex_ics_text_line(&b, "SUMMARY", "a,b;c\\d\ne\r\nf\x01g"), 0);
	assert_string_equal(b.data, "SUMMARY:a\\,b\\;c\\\\d\\ne\\nfg\r\n");
	co_buf_reset(&b);
	/* Invalid UTF-8 becomes U+FFFD; valid Welsh letters pass through. */
	assert_int_equal(ex_ics_text_line(&b, "LOCATION", "Aberystwyth \xc5\xb5 \xff"), 0);
	assert_string_equal(b.data, "LOCATION:Aberystwyth \xc5\xb5 \xef\xbf\xbd\r\n");
	co_buf_free(&b);
}

static void folds_long_lines_between_characters(void **state)
{
	struct co_buf b, u;
	char value[1200];
	size_t i, n = 0;

	(void)state;
	/* Mix one-, two- and three-octet characters so folds land everywhere. */
	for (i = 0; n + 4 < sizeof(value); i++) {
		static const char *parts[] = {"a", "\xc5\xb5", "\xe2\x82\xac", ","};
		const char *p = parts[i % 4];

		memcpy(value + n, p, strlen(p));
		n += strlen(p);
	}
	value[n] = '\0';
	co_buf_init(&b, 65536);
	co_buf_init(&u, 65536);
	assert_int_equal(ex_ics_text_line(&b, "DESCRIPTION", value), 0);
	assert_well_formed(b.data, b.len);
	assert_true(b.len > 1200);
	unfold(b.data, &u);
	assert_memory_equal(u.data, "DESCRIPTION:a\xc5\xb5\xe2\x82\xac\\,", 19);
	co_buf_free(&b);
	co_buf_free(&u);
}

static void refuses_bad_events(void **state)
{
	struct co_buf b;
	struct co_err e;
	struct ex_ics_event ev = {.uid = "x@y", .summary = "s", .starts_at = 100, .ends_at = 100};
	struct ex_ics_calendar cal = {.events = &ev, .n_events = 1};

	(void)state;
	co_buf_init(&b, 65536);
	assert_int_equal(ex_ics_write(&b, &cal, &e), CO_EINPUT);
	assert_string_equal(e.field, "ends_at");
	ev.ends_at = 200;
	ev.uid = "";
	assert_int_equal(ex_ics_write(&b, &cal, &e), CO_EINPUT);
	ev.uid = "x@y";
	cal.method = EX_ICS_REQUEST; /* an invitation needs organiser and attendee */
	assert_int_equal(ex_ics_write(&b, &cal, &e), CO_EINPUT);
	ev.organizer_email = "host@example.org";
	ev.attendee_email = "bad\r\nATTENDEE:x@y";
	assert_int_equal(ex_ics_write(&b, &cal, &e), CO_EINPUT);
	assert_int_equal(b.len, 0);
	ev.attendee_email = "person@example.org";
	assert_int_equal(ex_ics_write(&b, &cal, &e), 0);
	assert_non_null(strstr(b.data, "METHOD:REQUEST\r\n"));
	assert_non_null(strstr(b.data, "ORGANIZER:mailto:host@example.org\r\n"));
	co_buf_free(&b);
}

static void output_is_limited(void **state)
{
	struct co_buf b;
	struct co_err e;
	struct ex_ics_event ev = {.uid = "x@y", .summary = "s", .starts_at = 100, .ends_at = 200};
	struct ex_ics_calendar cal = {.events = &ev, .n_events = 1};

	(void)state;
	co_buf_init(&b, 300); /* too small for the time zone alone */
	assert_int_equal(ex_ics_write(&b, &cal, &e), CO_ELIMIT);
	assert_int_equal(b.len, 0);
	co_buf_free(&b);
}

/* Runs the independent checker; returns its exit status. */
static int run_checker(char **argv)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void a_real_parser_reads_back_a_personal_feed(void **state)
{
	/* Events in winter, in summer, on both change days, and two starting in
	 * the repeated October hour (written in UTC, which no reader can take
	 * for the other occurrence). */
	static const struct {
		const char *uid;
		int64_t start, end;
		const char *summary, *description;
		int seq;
	} want[] = {
	        {"exchange-1@collective.test", 1741773600, 1741788000,
	         "Crisis care, together; a shared view", "Line one\nLine two, with \\ and ;", 0},
	        {"exchange-2@collective.test", 1743667200, 1743786000,
	         "Conference day \xc5\xb5 (Aberystwyth)", "", 3},
	        {"exchange-3@collective.test", 1743296400, 1743300000,
	         "After the clocks go forward", "Starts 02:00 BST", 1},
	        {"exchange-4@collective.test", 1761438600, 1761442200, "Repeated hour, first",
	         "01:30 BST", 0},
	        {"exchange-5@collective.test", 1761442200, 1761445800, "Repeated hour, second",
	         "01:30 GMT", 2},
	        {"exchange-6@collective.test", 1741773600, 1741788000,
	         "A long title that will need folding because it goes on and on about "
	         "recovery-based system approaches across Wales \xe2\x80\x94 and more",
	         "Dietary needs, access \xe2\x80\x94 Mynediad \xc5\xb5\xc5\xb7", 0},
	};
	enum { N = sizeof(want) / sizeof(want[0]) };
	struct ex_ics_event ev[N];
	struct ex_ics_calendar cal = {.name = "My programme", .events = ev, .n_events = N};
	char path[] = "/tmp/test_ex_ics_XXXXXX";
	char nums[N][3][24];
	char *argv[3 + N * 6 + 1]; /* python3, script, file, 6 per event, NULL */
	struct co_buf b;
	struct co_err e;
	int fd, i, a = 0;
	FILE *f;

	(void)state;
	memset(ev, 0, sizeof(ev));
	for (i = 0; i < N; i++) {
		ev[i].uid = want[i].uid;
		ev[i].dtstamp = 1740000000;
		ev[i].starts_at = want[i].start;
		ev[i].ends_at = want[i].end;
		ev[i].sequence = want[i].seq;
		ev[i].summary = want[i].summary;
		ev[i].description = want[i].description;
		ev[i].location = "Penglais Campus, Aberystwyth SY23 3FL";
		ev[i].url = "https://collective.test/exchanges/1";
	}
	co_buf_init(&b, CO_MAX_OUTPUT);
	assert_int_equal(ex_ics_write(&b, &cal, &e), 0);
	assert_well_formed(b.data, b.len);
	assert_non_null(strstr(b.data, "DTSTART;TZID=Europe/London:20250312T100000\r\n"));
	assert_non_null(strstr(b.data, "DTSTART;TZID=Europe/London:20250403T090000\r\n"));
	assert_non_null(strstr(b.data, "DTSTART:20251026T003000Z\r\n"));
	assert_non_null(strstr(b.data, "DTSTART:20251026T013000Z\r\n"));
	assert_non_null(strstr(b.data, "DTEND;TZID=Europe/London:20251026T023000\r\n"));
	assert_non_null(strstr(b.data, "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b.data, 1, b.len, f), b.len);
	assert_int_equal(fclose(f), 0);

	argv[a++] = "/usr/bin/python3";
	argv[a++] = "tests/exchange/ics_check.py";
	argv[a++] = path;
	for (i = 0; i < N; i++) {
		snprintf(nums[i][0], sizeof(nums[i][0]), "%lld", (long long)want[i].start);
		snprintf(nums[i][1], sizeof(nums[i][1]), "%lld", (long long)want[i].end);
		snprintf(nums[i][2], sizeof(nums[i][2]), "%d", want[i].seq);
		argv[a++] = (char *)want[i].uid;
		argv[a++] = nums[i][0];
		argv[a++] = nums[i][1];
		argv[a++] = (char *)want[i].summary;
		argv[a++] = (char *)want[i].description;
		argv[a++] = nums[i][2];
	}
	argv[a] = NULL;
	assert_int_equal(run_checker(argv), 0);

	/* The checker is not a rubber stamp: a wrong instant fails it. */
	argv[4] = "1741773601";
	assert_int_equal(run_checker(argv), 1);
	unlink(path);
	co_buf_free(&b);
}

static void cancellation_email_calendar(void **state)
{
	struct co_buf b;
	struct co_err e;
	struct ex_ics_event ev = {
	        .uid = "exchange-9@collective.test",
	        .dtstamp = 1740000000,
	        .starts_at = 1741773600,
	        .ends_at = 1741788000,
	        .sequence = 4,
	        .summary = "Cancelled exchange",
	        .organizer_name = "Host \"team\"",
	        .organizer_email = "host@example.org",
	        .attendee_name = "Participant",
	        .attendee_email = "p@example.org",
	};
	struct ex_ics_calendar cal = {.method = EX_ICS_CANCEL, .events = &ev, .n_events = 1};

	(void)state;
	co_buf_init(&b, 65536);
	assert_int_equal(ex_ics_write(&b, &cal, &e), 0);
	assert_non_null(strstr(b.data, "METHOD:CANCEL\r\n"));
	assert_non_null(strstr(b.data, "STATUS:CANCELLED\r\n"));
	assert_non_null(strstr(b.data, "SEQUENCE:4\r\n"));
	assert_non_null(strstr(b.data, "ORGANIZER;CN=\"Host team\":mailto:host@example.org\r\n"));
	co_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(escapes_text),
	        cmocka_unit_test(folds_long_lines_between_characters),
	        cmocka_unit_test(refuses_bad_events),
	        cmocka_unit_test(output_is_limited),
	        cmocka_unit_test(a_real_parser_reads_back_a_personal_feed),
	        cmocka_unit_test(cancellation_email_calendar),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
