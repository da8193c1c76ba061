/*
 * ex_notify.h - the emails of the Exchange module, and its periodic jobs.
 *
 * Notices are derived from the state of the database, not queued by the
 * code that changes it: each run finds registrations whose state calls for
 * an email that ex_notices says was not sent yet, and for each one, in one
 * transaction, records the notice and queues the email. A notice is
 * therefore sent once however many job runners there are (the unique key
 * of ex_notices refuses the second), and nothing is lost if a request
 * dies between a change and its email.
 *
 *   confirmation  a confirmed place (with the .ics, METHOD:REQUEST)
 *   waitlisted    a place on the waiting list, with its position
 *   offer         a place offered, with its expiry
 *   reminder      the day before: confirmed, starting within 24 hours
 *   change        the exchange's time, place or link changed (SEQUENCE
 *                 rose) or it was cancelled (METHOD:CANCEL)
 *   session       the time or room of a conference session changed, to
 *                 those who had chosen it (no calendar file: their feed
 *                 carries the session with its raised SEQUENCE)
 *
 * Emails are written in the person's language (users.language) from the
 * module's catalogues. The sender is given as a callback so that the jobs
 * hand them to the accounts outbox and tests can read them.
 *
 * Thread-safety: one connection per thread; the callback runs inside the
 * notice's transaction on the same connection.
 */
#ifndef EX_NOTIFY_H
#define EX_NOTIFY_H

#include <stdint.h>

#include "base/err.h"
#include "db/db.h"

/* One email. ics is NULL or an iCalendar file (named ics_name). */
struct ex_email {
	const char *kind;
	const char *to;
	const char *subject;
	const char *body;
	const char *ics_name;
	const char *ics;
};

typedef int ex_send_fn(void *arg, struct db_conn *c, const struct ex_email *m, struct co_err *e);

struct ex_notify_conf {
	const char *host;                   /* for UIDs: "collective.example" */
	const char *base_url;               /* for links: "https://collective.example" */
	const char *from_name, *from_email; /* the ORGANIZER of invitations */
	ex_send_fn *send;
	void *arg;
};

/* Sends every notice due at now; *sent (may be NULL) receives how many. */
int ex_notices_run(struct db_conn *c, const struct ex_notify_conf *conf, int64_t now, int *sent,
                   struct co_err *e);

/* What `collective jobs run` did. */
struct ex_jobs_report {
	int offers_expired;
	int programmes_released;
	int needs_deleted;
	int emails;
};

/* Every periodic job at now: expire offers (passing places on), release
 * allotments, delete needs past their date, then send notices. */
int ex_jobs_run(struct db *db, const struct ex_notify_conf *conf, int64_t now,
                struct ex_jobs_report *report, struct co_err *e);

#endif
