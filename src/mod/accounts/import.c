/*
 * import.c - `collective user import FILE.csv`: many accounts at once, all
 * or none.
 *
 * The file is RFC 4180 CSV with a header naming its columns: email and
 * name (required), org (an organisation's code) and role (member or
 * org_lead with an org; programme_admin or planner without), language (en
 * or cy), in any order. Every row is checked first, against the rules, the
 * database and the rows before it, and every problem is reported with its
 * row and column; only a file without a single problem is written, in one
 * transaction (so that PostgreSQL never sees a failing statement inside
 * it). Imported accounts have no password: their owners set one through
 * "Forgotten your password?".
 */
#include "mod/accounts/acct_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/csv.h"

#define IMPORT_MAX_ERRORS 100
#define IMPORT_MAX_ROWS   100000

enum { COL_EMAIL, COL_NAME, COL_ORG, COL_ROLE, COL_LANG, NCOLS };
static const char *const col_names[NCOLS] = {"email", "name", "org", "role", "language"};

struct row {
	char *email, *name, *org, *role, *lang;
	int64_t org_id;
};

struct import {
	struct row *rows;
	size_t n, cap;
	int errors;
	void (*report)(const struct co_err *e, void *arg);
	void *arg;
};

static void problem(struct import *im, long row, long col, const char *field, const char *msg)
{
	struct co_err e;

	im->errors++;
	if (im->errors > IMPORT_MAX_ERRORS)
		return;
	co_errf_at(&e, CO_EINPUT, row, col, field, "%s", msg);
	if (im->report)
		im->report(&e, im->arg);
}

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static void rows_free(struct import *im)
{
	size_t i;

	for (i = 0; i < im->n; i++) {
		free(im->rows[i].email);
		free(im->rows[i].name);
		free(im->rows[i].org);
		free(im->rows[i].role);
		free(im->rows[i].lang);
	}
	free(im->rows);
}

/* Checks one row against the rules and the database (read only). */
static int check_row(struct import *im, struct db_conn *c, const struct co_csv_record *rec,
                     const int *col, struct row *out, struct co_err *e)
{
	const char *v[NCOLS] = {0};
	char email[ACCT_EMAIL_MAX + 1];
	struct co_err re;
	int64_t id;
	size_t k;
	int rc;

	for (k = 0; k < NCOLS; k++)
		if (col[k] >= 0 && (size_t)col[k] < rec->nfields)
			v[k] = rec->field[col[k]];
	memset(out, 0, sizeof(*out));
	if (acct_email_normalise(v[COL_EMAIL], email, &re) < 0) {
		problem(im, rec->row, col[COL_EMAIL] + 1, "email", re.msg);
	} else {
		rc = db_query_int(c, "SELECT id FROM users WHERE email = ?", DB_ARGS(DB_T(email)),
		                  &id, e);
		if (rc == 0)
			problem(im, rec->row, col[COL_EMAIL] + 1, "email",
			        "An account with this email address already exists");
		else if (rc != CO_ENOTFOUND)
			return rc;
		for (k = 0; k < im->n; k++)
			if (im->rows[k].email && strcmp(im->rows[k].email, email) == 0)
				problem(im, rec->row, col[COL_EMAIL] + 1, "email",
				        "This email address is on an earlier row too");
		out->email = strdup(email);
	}
	if (acct_name_check(v[COL_NAME], &re) < 0)
		problem(im, rec->row, col[COL_NAME] + 1, "name", re.msg);
	else
		out->name = strdup(v[COL_NAME]);
	out->org = dup_or_null(v[COL_ORG]);
	out->role = dup_or_null(v[COL_ROLE]);
	out->lang = dup_or_null(v[COL_LANG]);
	if (out->org) {
		rc = db_query_int(c, "SELECT id FROM organisations WHERE code = ?",
		                  DB_ARGS(DB_T(out->org)), &out->org_id, e);
		if (rc == CO_ENOTFOUND)
			problem(im, rec->row, col[COL_ORG] + 1, "org",
			        "There is no organisation with this code");
		else if (rc < 0)
			return rc;
		if (!out->role || !acct_label_of(acct_org_roles, out->role))
			problem(im, rec->row, col[COL_ROLE] + 1, "role",
			        "With an organisation the role is member or org_lead");
	} else if (out->role && strcmp(out->role, "programme_admin") != 0 &&
	           strcmp(out->role, "planner") != 0) {
		problem(im, rec->row, col[COL_ROLE] + 1, "role",
		        "Without an organisation the role is programme_admin or planner");
	}
	if (out->lang && strcmp(out->lang, "en") != 0 && strcmp(out->lang, "cy") != 0)
		problem(im, rec->row, col[COL_LANG] + 1, "language", "Choose en or cy");
	return 0;
}

int acct_user_import(struct db *db, const char *data, size_t len, int *created,
                     void (*report)(const struct co_err *e, void *arg), void *arg, struct co_err *e)
{
	struct import im = {0};
	struct co_csv_record rec;
	struct co_csv *csv = NULL;
	struct db_conn *c = NULL;
	int col[NCOLS], rc, header = 1;
	size_t k, i;

	im.report = report;
	im.arg = arg;
	for (k = 0; k < NCOLS; k++)
		col[k] = -1;
	if ((rc = co_csv_open_mem(&csv, data, len, e)) < 0)
		return rc;
	if ((rc = db_acquire(db, &c, e)) < 0)
		goto out;
	while ((rc = co_csv_next(csv, &rec, e)) == 1) {
		if (header) {
			header = 0;
			for (i = 0; i < rec.nfields; i++) {
				for (k = 0; k < NCOLS; k++)
					if (strcasecmp(rec.field[i], col_names[k]) == 0)
						break;
				if (k == NCOLS) {
					problem(&im, rec.row, (long)i + 1, rec.field[i],
					        "Unknown column: the columns are email, name, org, "
					        "role, language");
				} else if (col[k] >= 0) {
					problem(&im, rec.row, (long)i + 1, rec.field[i],
					        "This column appears twice");
				} else {
					col[k] = (int)i;
				}
			}
			if (col[COL_EMAIL] < 0 || col[COL_NAME] < 0) {
				problem(&im, 1, 0, NULL,
				        "The header must name the columns email and name");
				rc = 0;
				break;
			}
			continue;
		}
		if (im.n == im.cap) {
			struct row *bigger;

			if (im.n >= IMPORT_MAX_ROWS) {
				rc = co_errf_at(e, CO_ELIMIT, rec.row, 0, NULL,
				                "at most %d accounts in one file", IMPORT_MAX_ROWS);
				goto out;
			}
			im.cap = im.cap ? im.cap * 2 : 64;
			bigger = realloc(im.rows, im.cap * sizeof(*bigger));
			if (!bigger) {
				rc = co_errf(e, CO_ENOMEM, "out of memory");
				goto out;
			}
			im.rows = bigger;
		}
		rc = check_row(&im, c, &rec, col, &im.rows[im.n], e);
		im.n++;
		if (rc < 0)
			goto out;
	}
	if (rc < 0)
		goto out;
	if (header)
		problem(&im, 0, 0, NULL, "The file is empty");
	if (im.errors) {
		rc = co_errf(e, CO_EINPUT, "%d problem%s: nothing was imported", im.errors,
		             im.errors == 1 ? "" : "s");
		goto out;
	}
	if ((rc = db_begin(c, DB_TX_WRITE, e)) < 0)
		goto out;
	for (i = 0; rc == 0 && i < im.n; i++) {
		struct row *r = &im.rows[i];
		int64_t uid = 0;

		rc = acct_user_create(c, 0, r->email, r->name, NULL, r->lang, &uid, e);
		if (rc == 0 && r->role)
			rc = acct_membership_add(c, 0, uid,
			                         r->org ? WEB_SCOPE_ORG : WEB_SCOPE_GLOBAL,
			                         r->org ? r->org_id : 0, r->role, e);
		if (rc < 0)
			e->row = (long)i + 2;
	}
	if (rc == 0)
		rc = db_commit(c, e);
	if (rc < 0)
		db_rollback(c);
	else if (created)
		*created = (int)im.n;
out:
	if (c)
		db_release(c);
	co_csv_free(csv);
	rows_free(&im);
	return rc;
}
