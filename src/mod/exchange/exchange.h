/*
 * exchange.h - the Exchange module as the rest of the program sees it:
 * its web module (pages and /api/v1 routes with their access needs), its
 * demonstration data and its periodic jobs.
 *
 * The module's parts, each with its own header in this folder:
 *   ex_time.h    Europe/London time        ex_rules.h   registration rules
 *   ex_store.h   race-free registration    ex_manage.h  writes and read models
 *   ex_ics.h     iCalendar                 ex_out.h     XLSX, CSV, badges, pack
 *   ex_notify.h  emails and jobs
 *
 * Access (routes in ex_routes.c): the host role on an exchange (scope
 * "exchange"), or organisation lead of the host organisation, manages it;
 * the venue role on an exchange sees dietary and access needs; an
 * organisation lead nominates for the organisation; the programme admin
 * does everything. Scope resolvers: exchange (parent: host organisation),
 * registration (parent: exchange), nomination (parent: organisation),
 * programme.
 *
 * Thread-safety: everything here is static data or takes its own
 * connection; the runner's functions may be called from any thread.
 */
#ifndef EXCHANGE_H
#define EXCHANGE_H

#include <stdint.h>

#include "base/err.h"
#include "db/db.h"
#include "web/web.h"

extern const struct web_module ex_module;

/* Loads the demonstration programme (a leadership exchange with three
 * themes, about twenty exchanges across Wales in March, the deadline in
 * February, a two-day April conference at a university with an opening
 * reception the evening before) into a database that has the accounts
 * demo data. The year is the next one whose February deadline is still
 * ahead of now, so that sign-up is open. CO_ECONFLICT when already loaded. */
int ex_demo_load(struct db *db, int64_t now, struct co_err *e);

struct ex_jobs_report;
/* `collective jobs run`: expires offers, releases allotments, deletes needs
 * past their date, and queues the due emails in the accounts outbox (from
 * from_email, with links to base_url). */
int ex_jobs(struct db *db, const char *base_url, const char *from_email, int64_t now,
            struct ex_jobs_report *report, struct co_err *e);

/* The jobs inside `collective serve` (ex_runner.c): a thread runs
 * ex_jobs() at start, shortly after each ex_jobs_wake() and at least every
 * interval_s seconds (0: 60). The strings are copied; db must outlive
 * ex_runner_stop(). One runner per process. */
struct ex_runner_conf {
	struct db *db;
	const char *base_url;   /* links in emails (may be NULL) */
	const char *from_email; /* the emails' sender */
	int interval_s;
	int64_t (*now)(void); /* the clock (web_now) */
};
int ex_runner_start(const struct ex_runner_conf *conf, struct co_err *e);
/* Stops the thread (a run in progress finishes first) and waits for it. */
void ex_runner_stop(void);
/* Asks the runner, if one runs in this process, to run the jobs soon: the
 * handlers call it after a registration or an exchange change has
 * committed, so that its emails are queued at once. Cheap; any thread. */
void ex_jobs_wake(void);

#endif
