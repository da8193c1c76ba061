/* Exchange audit: every write of the module records who, when, what, and
 * the row before and after through acct_audit(), in the write's own
 * transaction.
 *
 * The actor is per thread: the module's web handlers set it (ex__db() in
 * ex_int.h) when they take the request's connection; a thread that never
 * set it (the command line, `collective jobs run`) writes as the system
 * (actor 0). The address is copied; nothing here is owned by the caller.
 * Thread safety: the actor is thread-local; the functions are reentrant. */
#ifndef EX_AUDIT_H
#define EX_AUDIT_H

#include <stdint.h>

#include <jansson.h>

#include "base/err.h"
#include "db/db.h"

/* Sets (id 0, address NULL: clears) the actor of this thread's writes. */
void ex_audit_actor_set(int64_t user_id, const char *address);
/* The actor of this thread's writes (0: system). */
int64_t ex_audit_actor(void);
const char *ex_audit_address(void);

/* The row `id` of table as a JSON object (*out new reference; NULL when
 * there is no such row). table is a fixed name from the module, never
 * input. */
int ex__audit_row(struct db_conn *c, const char *table, int64_t id, json_t **out, struct co_err *e);
/* Records action on (object_type, id): reads the row after the change from
 * table and audits it with before (may be NULL, borrowed). actor/address:
 * the thread's unless actor_id >= 0 is given. */
int ex__audit(struct db_conn *c, int64_t actor_id, const char *address, const char *action,
              const char *table, const char *object_type, int64_t id, const json_t *before,
              struct co_err *e);

#endif
