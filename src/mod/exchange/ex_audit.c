#include "mod/exchange/ex_audit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mod/accounts/acct.h"

static _Thread_local int64_t actor_id;
static _Thread_local char actor_address[64];

void ex_audit_actor_set(int64_t user_id, const char *address)
{
	actor_id = user_id > 0 ? user_id : 0;
	snprintf(actor_address, sizeof actor_address, "%s", address ? address : "");
}

int64_t ex_audit_actor(void)
{
	return actor_id;
}

const char *ex_audit_address(void)
{
	return actor_address[0] ? actor_address : NULL;
}

/* A column's text as JSON: integers as numbers, the rest as strings. */
static json_t *value_json(const char *t)
{
	char *end;
	long long v;

	if (!t)
		return json_null();
	errno = 0;
	v = strtoll(t, &end, 10);
	if (*t && *end == '\0' && errno == 0 && (t[0] != '0' || t[1] == '\0'))
		return json_integer(v);
	return json_string(t);
}

int ex__audit_row(struct db_conn *c, const char *table, int64_t id, json_t **out, struct co_err *e)
{
	char sql[128];
	struct db_rows *r;
	json_t *o = NULL;
	int rc;

	snprintf(sql, sizeof sql, "SELECT * FROM %s WHERE id = ?", table);
	if ((rc = db_query(c, sql, DB_ARGS(DB_I(id)), &r, e)) < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc > 0) {
		o = json_object();
		for (int i = 0; i < db_rows_ncols(r); i++)
			json_object_set_new(o, db_rows_colname(r, i),
			                    db_isnull(r, i) ? json_null()
			                                    : value_json(db_text(r, i)));
	}
	db_rows_free(r);
	if (rc < 0) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return 0;
}

int ex__audit(struct db_conn *c, int64_t actor, const char *address, const char *action,
              const char *table, const char *object_type, int64_t id, const json_t *before,
              struct co_err *e)
{
	json_t *after = NULL;
	int rc;

	if (actor < 0) {
		actor = actor_id;
		address = ex_audit_address();
	}
	if ((rc = ex__audit_row(c, table, id, &after, e)) < 0)
		return rc;
	rc = acct_audit(c, actor, address, action, object_type, id, before, after, e);
	json_decref(after);
	return rc;
}
