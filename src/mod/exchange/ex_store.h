/*
 * ex_store.h - the Exchange module's storage operations that must be
 * race-free: sign-up, cancellation, offers and their expiry, approval,
 * capacity changes, nominations within allotments, workshop choices.
 *
 * Each operation is one DB_TX_WRITE transaction that first locks the row
 * everything else hangs off (the exchange for registrations, the allotment
 * for nominations, the session for workshop choices) with {{for_update}}
 * on PostgreSQL (SQLite's write transaction already holds the database
 * lock), then counts what it needs and applies the pure rules of
 * ex_rules.h. Two requests for one exchange therefore run one after the
 * other in any number of threads or server processes, a place is never
 * given twice, and the waiting list is ordered by `seq`, handed out under
 * the lock in the order the requests got it. Only one row lock is taken
 * per transaction, so they cannot deadlock.
 *
 * Whenever places become free (a cancellation, a declined or expired offer,
 * a raised capacity, released allotments) the same transaction offers them
 * to the head of the waiting list (state 'offered', with an expiry).
 * Emails are not sent here: the notice job finds state changes that have no
 * row in ex_notices yet.
 *
 * Every function takes a connection the caller has acquired and not put in
 * a transaction, and returns 0 or a negative co_code with e filled: bad
 * input and refused changes (deadline, capacity, allotment, clash) leave
 * the database as it was. Thread-safety: one connection per thread.
 */
#ifndef EX_STORE_H
#define EX_STORE_H

#include <stdint.h>

#include "base/err.h"
#include "db/db.h"
#include "mod/exchange/ex_rules.h"

/* The outcome of a sign-up or a state change. */
struct ex_reg_result {
	int64_t registration_id;
	enum ex_reg_state state;
	int position;       /* on the waiting list (1 = next), 0 when not waitlisted */
	int64_t seq;        /* request order */
	int64_t expires_at; /* of an offer, else 0 */
	int offers_made;    /* places offered to the waiting list by this change */
};

/* The person signs up to the exchange. A previous cancelled or declined
 * registration is reopened at the back of the queue; an active one is
 * CO_ECONFLICT. Refused after the deadline, before opening, once the
 * exchange started or when it was cancelled. */
int ex_signup(struct db_conn *c, int64_t exchange_id, int64_t user_id, int64_t now,
              struct ex_reg_result *out, struct co_err *e);

/* Cancels a registration (by its owner or an organiser) and offers any
 * place it held to the waiting list. */
int ex_cancel(struct db_conn *c, int64_t registration_id, int64_t now, struct ex_reg_result *out,
              struct co_err *e);

/* The person answers an offer. Accepting an offer that has run out expires
 * it (and passes the place on), then fails with CO_ECONFLICT. */
int ex_offer_accept(struct db_conn *c, int64_t registration_id, int64_t now,
                    struct ex_reg_result *out, struct co_err *e);
int ex_offer_decline(struct db_conn *c, int64_t registration_id, int64_t now,
                     struct ex_reg_result *out, struct co_err *e);

/* An organiser approves or rejects a pending registration. */
int ex_decide(struct db_conn *c, int64_t registration_id, int approve, int64_t now,
              struct ex_reg_result *out, struct co_err *e);

/* Check-in at the door (confirmed -> attended) or no-show. */
int ex_mark_attendance(struct db_conn *c, int64_t registration_id, int attended, int64_t now,
                       struct ex_reg_result *out, struct co_err *e);

/* Expires every offer whose time ran out by now and passes each place on;
 * *expired (may be NULL) receives how many. One transaction per exchange. */
int ex_expire_offers(struct db_conn *c, int64_t now, int *expired, struct co_err *e);

/* Sets an exchange's capacity; refuses a capacity below the places people
 * hold; a raised capacity offers the new places to the waiting list. */
int ex_set_capacity(struct db_conn *c, int64_t exchange_id, int capacity, int64_t now,
                    struct ex_reg_result *out, struct co_err *e);

/* Releases the unused nomination places of every programme whose release
 * date has come, offering them to waiting lists; *released (may be NULL)
 * receives how many programmes. */
int ex_release_allotments(struct db_conn *c, int64_t now, int *released, struct co_err *e);

/* Counts of one exchange's registrations by state (read-only). The counts
 * are kept on the exchange's row by every change here; this also recounts
 * the rows and asserts that they agree. */
int ex_exchange_counts(struct db_conn *c, int64_t exchange_id, struct ex_counts *out,
                       struct ex_policy *policy, struct co_err *e);

/* Recounts an exchange's registrations: 0 when the counts stored on its
 * row (by state, and the last request sequence) are the rows' own, else
 * CO_EINTERNAL saying which differs. For tests and the bench. */
int ex_counts_check(struct db_conn *c, int64_t exchange_id, struct co_err *e);

/* Nominations. An organisation lead nominates a person of the
 * organisation within its allotment before the deadline; *out_id receives
 * the nomination. */
int ex_nominate(struct db_conn *c, int64_t programme_id, int64_t org_id, int64_t user_id,
                int64_t by_user, int64_t now, int64_t *out_id, struct co_err *e);
/* Replaces an active nomination by another person (history kept). */
int ex_nomination_swap(struct db_conn *c, int64_t nomination_id, int64_t new_user_id,
                       int64_t by_user, int64_t now, int64_t *out_id, struct co_err *e);
/* The programme admin approves (approve=1) or rejects a nomination. */
int ex_nomination_decide(struct db_conn *c, int64_t nomination_id, int approve, int64_t by_user,
                         int64_t now, struct co_err *e);
/* The nominee accepts an approved nomination; when the programme has a
 * conference with reserved places, a confirmed conference registration is
 * made on a reserved place (*reg_id, may be NULL; 0 when none). */
int ex_nomination_accept(struct db_conn *c, int64_t nomination_id, int64_t user_id, int64_t now,
                         int64_t *reg_id, struct co_err *e);

/* Chooses a conference session for a confirmed registration: refused when
 * it clashes with a session already chosen or the session is full. */
int ex_choose_session(struct db_conn *c, int64_t registration_id, int64_t session_id, int64_t now,
                      struct co_err *e);

#endif
