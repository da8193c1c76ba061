/*
 * ex_ics.h - iCalendar (RFC 5545) files for exchanges and personal feeds.
 *
 * Writes a VCALENDAR with a VTIMEZONE for Europe/London (its STANDARD and
 * DAYLIGHT rules as yearly RRULEs) and one VEVENT per event, start and end
 * written as local time with TZID=Europe/London, so calendar programs show
 * the UK time the organiser meant even across a clock change. Lines end in
 * CRLF and are folded at 75 octets without splitting a UTF-8 character;
 * TEXT values are escaped (backslash, semicolon, comma, newline); control
 * characters are dropped and invalid UTF-8 bytes become U+FFFD.
 *
 * METHOD (RFC 5546) is for emails: REQUEST for an invitation or a change,
 * CANCEL for a withdrawn place or a cancelled exchange, none for a file or
 * a feed. SEQUENCE is the event's change counter: raise it whenever the
 * time, place or status changes so that calendars replace their copy.
 *
 * Output goes to a caller-owned struct co_buf. Thread-safe: no shared state.
 */
#ifndef EX_ICS_H
#define EX_ICS_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

enum ex_ics_method {
	EX_ICS_NO_METHOD = 0, /* a file to download or a feed */
	EX_ICS_PUBLISH,
	EX_ICS_REQUEST, /* an invitation or an update, in an email */
	EX_ICS_CANCEL,  /* a cancellation, in an email */
};

/* One event. Strings are borrowed; NULL or "" leaves a property out, except
 * uid and summary, which are required. */
struct ex_ics_event {
	const char *uid;            /* stable across changes, e.g. "exchange-12@host" */
	int64_t dtstamp;            /* UTC: when this copy was made */
	int64_t starts_at, ends_at; /* UTC */
	int sequence;
	const char *summary;
	const char *description;
	const char *location;
	const char *url;
	const char *status; /* "CONFIRMED", "TENTATIVE", "CANCELLED" or NULL */
	const char *organizer_name, *organizer_email; /* required with REQUEST/CANCEL */
	const char *attendee_name, *attendee_email;   /* required with REQUEST/CANCEL */
};

struct ex_ics_calendar {
	const char *name; /* X-WR-CALNAME, may be NULL */
	enum ex_ics_method method;
	const struct ex_ics_event *events;
	size_t n_events;
};

/* Appends the whole calendar to out. CO_EINPUT when an event lacks what it
 * needs (uid, summary, end after start, organizer and attendee for
 * REQUEST/CANCEL); CO_ELIMIT/CO_ENOMEM from the buffer. */
int ex_ics_write(struct co_buf *out, const struct ex_ics_calendar *cal, struct co_err *e);

/* Appends one content line "NAME:VALUE" with value escaped as TEXT and the
 * line folded; used by ex_ics_write and exposed for the fuzz target. */
int ex_ics_text_line(struct co_buf *out, const char *name, const char *value);

/* Appends an already-formed line (name, parameters, colon, value), folded. */
int ex_ics_raw_line(struct co_buf *out, const char *line);

/* The Europe/London VTIMEZONE component, CRLF-terminated lines. */
extern const char ex_ics_vtimezone[];

#endif
