/*
 * ex_time.h - Europe/London time for exchanges: UTC <-> UK local time.
 *
 * Exchanges store start and end as Unix seconds (UTC) and show them in UK
 * local time: GMT (UTC+0) in winter and BST (UTC+1) from 01:00 UTC on the
 * last Sunday of March to 01:00 UTC on the last Sunday of October (the EU
 * rule the UK has followed since 1996; earlier years are computed with the
 * same rule, which history did not always follow).
 *
 * The rule is computed here from the calendar, not read from the process's
 * TZ or the tz database, so these functions are pure and thread-safe.
 *
 * Local times people type in forms are turned into UTC as RFC 5545 (3.3.5)
 * reads a DTSTART with a TZID, so that a time we write to a calendar file
 * and the time a calendar program reads from it agree:
 *   - ambiguous (the hour repeated when the clocks go back in October,
 *     01:00-01:59): the first occurrence, in BST;
 *   - non-existent (the hour skipped when the clocks go forward in March,
 *     01:00-01:59): read with the offset before the gap (GMT), so 01:30
 *     becomes 02:30 BST.
 * ex_time_parse_local() refuses a non-existent time instead, with a message
 * that says why: in a form it is a mistake worth pointing out.
 */
#ifndef EX_TIME_H
#define EX_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* A broken-down UK local time. */
struct ex_local {
	int year, month, day; /* month 1-12, day 1-31 */
	int hour, min, sec;
	int wday;   /* 0 Sunday .. 6 Saturday */
	int offset; /* seconds east of UTC: 0 (GMT) or 3600 (BST) */
	int fold;   /* 1 when this is the second of two instants with the same local time */
};

enum ex_local_kind {
	EX_LOCAL_UNIQUE = 0,    /* the local time happens once */
	EX_LOCAL_AMBIGUOUS = 1, /* happens twice (October): the first was taken */
	EX_LOCAL_GAP = 2,       /* never happens (March): read as GMT */
};

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t ex_days_from_civil(int64_t y, int m, int d);
void ex_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
/* 0 Sunday .. 6 Saturday. */
int ex_weekday(int64_t days);
int ex_days_in_month(int64_t y, int m);

/* The UTC instants at which BST starts and ends in year y. */
int64_t ex_bst_start(int64_t y);
int64_t ex_bst_end(int64_t y);

/* Seconds east of UTC in force in the UK at utc: 0 or 3600. */
int ex_london_offset(int64_t utc);

/* The UK local time at utc. */
void ex_london_from_utc(int64_t utc, struct ex_local *out);

/* The UTC instant of a UK local time, read as described above. *kind (may
 * be NULL) says whether it was unique, ambiguous or in the gap. CO_EINPUT
 * when a field is out of range (month 13, 30 February, 24:00). */
int ex_london_to_utc(int64_t y, int mo, int d, int h, int mi, int s, int64_t *out,
                     enum ex_local_kind *kind, struct co_err *e);

/* Parses a local date and time from a form: "YYYY-MM-DD" and "HH:MM" (or
 * "HH:MM:SS"), or one "YYYY-MM-DDTHH:MM" (HTML datetime-local) in date with
 * time NULL. Refuses malformed input and non-existent local times. field
 * names the form field in errors (may be NULL). */
int ex_time_parse_local(const char *date, const char *time, const char *field, int64_t *out,
                        struct co_err *e);

/* Writes utc as UK local time, "YYYY-MM-DD HH:MM" (size >= 17). */
void ex_time_format_local(int64_t utc, char *out, size_t size);
/* "GMT" or "BST" for utc. */
const char *ex_time_zone_name(int64_t utc);

/* Writes utc as RFC 5545 UTC form "YYYYMMDDTHHMMSSZ" (size >= 17). */
void ex_time_format_ical_utc(int64_t utc, char *out, size_t size);
/* Writes utc as RFC 5545 local form "YYYYMMDDTHHMMSS" in UK time (size >= 16). */
void ex_time_format_ical_local(int64_t utc, char *out, size_t size);

#endif
