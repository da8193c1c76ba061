/*
 * ex_ics.c - RFC 5545 writer.
 *
 * Folding (3.1): a line longer than 75 octets is split by inserting CRLF
 * and one space; we count octets and never split inside a UTF-8 sequence,
 * so every physical line is at most 75 octets including the leading space
 * of a continuation. Escaping (3.3.11): "\" -> "\\", ";" -> "\;",
 * "," -> "\,", newline -> "\n"; a CR before a newline is dropped; other
 * control characters (except TAB) are not allowed in TEXT and are dropped.
 * Invalid UTF-8 is replaced with U+FFFD so the file stays valid UTF-8.
 *
 * A time inside the hour that repeats when the clocks go back in October
 * is ambiguous as a local time. RFC 5545 says readers take the first
 * occurrence, but readers differ (python-icalendar with pytz takes the
 * second), so either occurrence is written in UTC ("...Z") instead: every
 * reader agrees on that.
 */
#include "mod/exchange/ex_ics.h"

#include <stdio.h>
#include <string.h>

#include "mod/exchange/ex_time.h"

#define FOLD_AT 75

const char ex_ics_vtimezone[] = "BEGIN:VTIMEZONE\r\n"
                                "TZID:Europe/London\r\n"
                                "BEGIN:DAYLIGHT\r\n"
                                "TZOFFSETFROM:+0000\r\n"
                                "TZOFFSETTO:+0100\r\n"
                                "TZNAME:BST\r\n"
                                "DTSTART:19700329T010000\r\n"
                                "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
                                "END:DAYLIGHT\r\n"
                                "BEGIN:STANDARD\r\n"
                                "TZOFFSETFROM:+0100\r\n"
                                "TZOFFSETTO:+0000\r\n"
                                "TZNAME:GMT\r\n"
                                "DTSTART:19701025T020000\r\n"
                                "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
                                "END:STANDARD\r\n"
                                "END:VTIMEZONE\r\n";

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is invalid.
 * Rejects overlong forms, surrogates and code points past U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
	unsigned c = s[0];
	size_t n, i;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

/* Appends a logical line (no CRLF in it), folded, then CRLF. */
static int add_folded(struct co_buf *out, const char *line, size_t len)
{
	size_t i = 0, col = 0;
	int rc;

	while (i < len) {
		size_t n = utf8_len((const unsigned char *)line + i, len - i);

		if (n == 0)
			n = 1; /* callers pass valid UTF-8; be safe anyway */
		if (col + n > FOLD_AT) {
			if ((rc = co_buf_add(out, "\r\n ", 3)) < 0)
				return rc;
			col = 1;
		}
		if ((rc = co_buf_add(out, line + i, n)) < 0)
			return rc;
		col += n;
		i += n;
	}
	return co_buf_add(out, "\r\n", 2);
}

int ex_ics_raw_line(struct co_buf *out, const char *line)
{
	return add_folded(out, line, strlen(line));
}

/* Escapes value as TEXT into line (which already holds "NAME:"). */
static int add_text(struct co_buf *line, const char *value)
{
	const unsigned char *s = (const unsigned char *)value;
	size_t len = strlen(value), i = 0;
	int rc = 0;

	while (i < len && rc == 0) {
		unsigned char c = s[i];
		size_t n;

		switch (c) {
		case '\\':
			rc = co_buf_add(line, "\\\\", 2);
			i++;
			continue;
		case ';':
			rc = co_buf_add(line, "\\;", 2);
			i++;
			continue;
		case ',':
			rc = co_buf_add(line, "\\,", 2);
			i++;
			continue;
		case '\n':
			rc = co_buf_add(line, "\\n", 2);
			i++;
			continue;
		case '\r':
			/* CRLF and a lone CR are both one line break. */
			if (i + 1 < len && s[i + 1] == '\n')
				i++;
			else
				rc = co_buf_add(line, "\\n", 2), i++;
			continue;
		case '\t':
			rc = co_buf_addc(line, '\t');
			i++;
			continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7F) {
			i++;
			continue;
		}
		n = utf8_len(s + i, len - i);
		if (n == 0) {
			rc = co_buf_add(line, "\xEF\xBF\xBD", 3);
			i++;
			continue;
		}
		rc = co_buf_add(line, s + i, n);
		i += n;
	}
	return rc;
}

int ex_ics_text_line(struct co_buf *out, const char *name, const char *value)
{
	struct co_buf line;
	int rc;

	co_buf_init(&line, out->max);
	rc = co_buf_adds(&line, name);
	if (rc == 0)
		rc = co_buf_addc(&line, ':');
	if (rc == 0)
		rc = add_text(&line, value);
	if (rc == 0)
		rc = add_folded(out, line.data, line.len);
	co_buf_free(&line);
	return rc;
}

/* A parameter value (CN=...): a quoted string, which cannot hold DQUOTE or
 * control characters, so those are dropped. */
static int add_param_value(struct co_buf *line, const char *v)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t len = strlen(v), i = 0;
	int rc = co_buf_addc(line, '"');

	while (i < len && rc == 0) {
		size_t n;

		if (s[i] < 0x20 || s[i] == 0x7F || s[i] == '"') {
			i++;
			continue;
		}
		n = utf8_len(s + i, len - i);
		if (n == 0) {
			rc = co_buf_add(line, "\xEF\xBF\xBD", 3);
			i++;
			continue;
		}
		rc = co_buf_add(line, s + i, n);
		i += n;
	}
	return rc ? rc : co_buf_addc(line, '"');
}

/* An email address as a CAL-ADDRESS: refuse anything that could break the
 * line instead of escaping it (URIs are not TEXT). */
static int email_ok(const char *email)
{
	const unsigned char *s = (const unsigned char *)email;

	if (!email || !*email || !strchr(email, '@'))
		return 0;
	for (; *s; s++)
		if (*s <= 0x20 || *s == 0x7F || *s == '"' || *s == ',' || *s == ';' || *s == ':' ||
		    *s == '\\' || *s >= 0x80)
			return 0;
	return 1;
}

static int add_person(struct co_buf *out, const char *prop, const char *extra, const char *name,
                      const char *email)
{
	struct co_buf line;
	int rc;

	co_buf_init(&line, out->max);
	rc = co_buf_adds(&line, prop);
	if (rc == 0 && extra)
		rc = co_buf_adds(&line, extra);
	if (rc == 0 && name && *name) {
		rc = co_buf_adds(&line, ";CN=");
		if (rc == 0)
			rc = add_param_value(&line, name);
	}
	if (rc == 0)
		rc = co_buf_printf(&line, ":mailto:%s", email);
	if (rc == 0)
		rc = add_folded(out, line.data, line.len);
	co_buf_free(&line);
	return rc;
}

static int add_time(struct co_buf *out, const char *prop, int64_t utc)
{
	char v[32], line[96];
	struct ex_local l;

	ex_london_from_utc(utc, &l);
	if (l.fold || (l.offset == 3600 && ex_london_offset(utc + 3600) == 0)) {
		ex_time_format_ical_utc(utc, v, sizeof(v));
		snprintf(line, sizeof(line), "%s:%s", prop, v);
	} else {
		ex_time_format_ical_local(utc, v, sizeof(v));
		snprintf(line, sizeof(line), "%s;TZID=Europe/London:%s", prop, v);
	}
	return add_folded(out, line, strlen(line));
}

static int check_event(const struct ex_ics_event *ev, enum ex_ics_method m, size_t i,
                       struct co_err *e)
{
	if (!ev->uid || !*ev->uid)
		return co_errf_at(e, CO_EINPUT, (long)i + 1, 0, "uid", "an event needs a UID");
	if (!ev->summary || !*ev->summary)
		return co_errf_at(e, CO_EINPUT, (long)i + 1, 0, "summary",
		                  "an event needs a summary");
	if (ev->ends_at <= ev->starts_at)
		return co_errf_at(e, CO_EINPUT, (long)i + 1, 0, "ends_at",
		                  "an event must end after it starts");
	if (ev->sequence < 0)
		return co_errf_at(e, CO_EINPUT, (long)i + 1, 0, "sequence",
		                  "SEQUENCE cannot be negative");
	if ((m == EX_ICS_REQUEST || m == EX_ICS_CANCEL) &&
	    (!email_ok(ev->organizer_email) || !email_ok(ev->attendee_email)))
		return co_errf_at(e, CO_EINPUT, (long)i + 1, 0, "organizer",
		                  "an invitation needs a valid organiser and attendee email");
	if (ev->organizer_email && *ev->organizer_email && !email_ok(ev->organizer_email))
		return co_errf_at(e, CO_EINPUT, (long)i + 1, 0, "organizer",
		                  "the organiser's email is not valid");
	if (ev->attendee_email && *ev->attendee_email && !email_ok(ev->attendee_email))
		return co_errf_at(e, CO_EINPUT, (long)i + 1, 0, "attendee",
		                  "the attendee's email is not valid");
	if (ev->url && *ev->url && strpbrk(ev->url, "\r\n\" "))
		return co_errf_at(e, CO_EINPUT, (long)i + 1, 0, "url", "the URL is not valid");
	return 0;
}

static int add_event(struct co_buf *out, const struct ex_ics_event *ev, enum ex_ics_method m)
{
	char stamp[32], line[64];
	int rc;

#define TRY(x)                                                                                     \
	do {                                                                                       \
		if ((rc = (x)) < 0)                                                                \
			return rc;                                                                 \
	} while (0)
	TRY(co_buf_adds(out, "BEGIN:VEVENT\r\n"));
	TRY(ex_ics_text_line(out, "UID", ev->uid));
	ex_time_format_ical_utc(ev->dtstamp, stamp, sizeof(stamp));
	snprintf(line, sizeof(line), "DTSTAMP:%s", stamp);
	TRY(ex_ics_raw_line(out, line));
	TRY(add_time(out, "DTSTART", ev->starts_at));
	TRY(add_time(out, "DTEND", ev->ends_at));
	snprintf(line, sizeof(line), "SEQUENCE:%d", ev->sequence);
	TRY(ex_ics_raw_line(out, line));
	TRY(ex_ics_text_line(out, "SUMMARY", ev->summary));
	if (ev->description && *ev->description)
		TRY(ex_ics_text_line(out, "DESCRIPTION", ev->description));
	if (ev->location && *ev->location)
		TRY(ex_ics_text_line(out, "LOCATION", ev->location));
	if (ev->url && *ev->url) {
		struct co_buf l;

		co_buf_init(&l, out->max);
		rc = co_buf_printf(&l, "URL:%s", ev->url);
		if (rc == 0)
			rc = ex_ics_raw_line(out, l.data);
		co_buf_free(&l);
		if (rc < 0)
			return rc;
	}
	if (m == EX_ICS_CANCEL)
		TRY(co_buf_adds(out, "STATUS:CANCELLED\r\n"));
	else if (ev->status && *ev->status)
		TRY(ex_ics_text_line(out, "STATUS", ev->status));
	if (ev->organizer_email && *ev->organizer_email)
		TRY(add_person(out, "ORGANIZER", NULL, ev->organizer_name, ev->organizer_email));
	if (ev->attendee_email && *ev->attendee_email)
		TRY(add_person(out, "ATTENDEE",
		               m == EX_ICS_REQUEST ? ";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED"
		                                   : NULL,
		               ev->attendee_name, ev->attendee_email));
	TRY(co_buf_adds(out, "TRANSP:OPAQUE\r\nEND:VEVENT\r\n"));
#undef TRY
	return 0;
}

int ex_ics_write(struct co_buf *out, const struct ex_ics_calendar *cal, struct co_err *e)
{
	static const char *const methods[] = {NULL, "PUBLISH", "REQUEST", "CANCEL"};
	size_t i, start_len = out->len;
	int rc;

	for (i = 0; i < cal->n_events; i++)
		if ((rc = check_event(&cal->events[i], cal->method, i, e)) < 0)
			return rc;
	rc = co_buf_adds(out, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
	                      "PRODID:-//Collective//Exchange//EN\r\nCALSCALE:GREGORIAN\r\n");
	if (rc == 0 && cal->method != EX_ICS_NO_METHOD)
		rc = co_buf_printf(out, "METHOD:%s\r\n", methods[cal->method]);
	if (rc == 0 && cal->name && *cal->name)
		rc = ex_ics_text_line(out, "X-WR-CALNAME", cal->name);
	if (rc == 0)
		rc = co_buf_adds(out, "X-WR-TIMEZONE:Europe/London\r\n");
	if (rc == 0)
		rc = co_buf_adds(out, ex_ics_vtimezone);
	for (i = 0; rc == 0 && i < cal->n_events; i++)
		rc = add_event(out, &cal->events[i], cal->method);
	if (rc == 0)
		rc = co_buf_adds(out, "END:VCALENDAR\r\n");
	if (rc < 0) {
		out->len = start_len;
		if (out->data)
			out->data[start_len] = '\0';
		return co_errf(e, rc, "the calendar is too large");
	}
	return 0;
}
