/*
 * imp_store.h - Improve's storage: reading what the rules need from the
 * tables of migrations/0100_improve.sql and writing validated data.
 *
 * Conventions (as in acct.h): functions that write take an open
 * DB_TX_WRITE transaction from the caller, so that a change and its audit
 * entry (acct_audit) commit together or not at all; actor 0 means the
 * command line. Everything read is allocated from the caller's arena.
 * Thread-safe: a connection is used by one thread at a time.
 */
#ifndef IMP_STORE_H
#define IMP_STORE_H

#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "db/db.h"
#include "mod/improve/imp_data.h"

/* The id of the collaborative with this slug; CO_ENOTFOUND when none. */
int imp_store_collab_find(struct db_conn *c, const char *slug, int64_t *id, struct co_err *e);

/* Teams, measures (shared ones with team_id 0, project measures with
 * their team) and stratum kinds with their groups, for validating data of
 * one collaborative. today: the day no period may start after. */
int imp_store_catalog(struct db_conn *c, int64_t collab_id, int32_t today, struct co_arena *a,
                      struct imp_catalog *out, struct co_err *e);

/* Writes validated points: each replaces any value stored for the same
 * measure, team and period, its strata replaced as a whole; one audit
 * entry ("improve.data.save") names the team(s) and how many values. */
int imp_store_save_points(struct db_conn *c, int64_t actor, const struct imp_point *pts, int n,
                          int64_t now, struct co_err *e);

/* Moves on the collaborative's data_version (a change to its charts): the
 * collaborative's id, or 0 and a team of it. In the caller's transaction. */
int imp_store_touch(struct db_conn *c, int64_t collab_id, int64_t team_id, struct co_err *e);

#endif
