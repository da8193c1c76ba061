/*
 * outbox.c - `collective outbox`: list the queued emails and send them.
 *
 * With an SMTP host configured each message goes through smtp.c; without
 * one, each is written as an RFC 5322 file DIR/<id>.eml (a directory any
 * mail tool can read, and what the tests read). A message is marked sent
 * only after the server (or the file system) has accepted it; a failure
 * records the attempt and the error, and the message stays queued for the
 * next run. One sender at a time: run it from one cron job.
 */
#include "mod/accounts/acct_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int write_file(const struct acct_mail_conf *conf, int64_t id, const struct acct_mail *m,
                      struct co_err *e)
{
	char path[4096], tmp[4200];
	size_t len;
	char *msg;
	FILE *f;
	int rc = 0;

	if (mkdir(conf->dir, 0700) < 0 && errno != EEXIST)
		return co_errf(e, CO_EIO, "cannot create %s: %s", conf->dir, strerror(errno));
	msg = acct_mail_format(m, &len, e);
	if (!msg)
		return e->code;
	snprintf(path, sizeof(path), "%s/%lld.eml", conf->dir, (long long)id);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "wb");
	if (!f || fwrite(msg, 1, len, f) != len || fclose(f) != 0) {
		rc = co_errf(e, CO_EIO, "cannot write %s: %s", tmp, strerror(errno));
		if (f)
			unlink(tmp);
	} else if (rename(tmp, path) < 0) {
		rc = co_errf(e, CO_EIO, "cannot rename %s: %s", tmp, strerror(errno));
	}
	free(msg);
	return rc;
}

struct queued {
	int64_t id;
	char *to, *subject, *body, *attachments;
	int64_t created_at;
	int attempts;
};

int acct_outbox_run(struct db *db, const struct acct_mail_conf *conf, int send, FILE *out,
                    int *sent_out, int *failed_out, struct co_err *e)
{
	struct db_conn *c;
	struct db_rows *r;
	struct queued *q = NULL;
	size_t n = 0, cap = 0, i;
	int rc, sent = 0, failed = 0;

	if ((rc = db_acquire(db, &c, e)) < 0)
		return rc;
	rc = db_query(
	        c,
	        "SELECT id, to_addr, subject, body_text, attachments, created_at, attempts FROM "
	        "outbox WHERE sent_at IS NULL ORDER BY id",
	        DB_NOARGS, &r, e);
	if (rc < 0)
		goto out;
	while ((rc = db_rows_next(r, e)) == 1) {
		if (n == cap) {
			struct queued *bigger;

			cap = cap ? cap * 2 : 16;
			bigger = realloc(q, cap * sizeof(*q));
			if (!bigger) {
				rc = co_errf(e, CO_ENOMEM, "out of memory");
				break;
			}
			q = bigger;
		}
		q[n].id = db_int(r, 0);
		q[n].to = strdup(db_text(r, 1));
		q[n].subject = strdup(db_text(r, 2));
		q[n].body = strdup(db_text(r, 3));
		q[n].attachments = db_text(r, 4) ? strdup(db_text(r, 4)) : NULL;
		q[n].created_at = db_int(r, 5);
		q[n].attempts = (int)db_int(r, 6);
		n++;
	}
	db_rows_free(r);
	if (rc < 0)
		goto out;
	for (i = 0; i < n; i++) {
		char when[32];
		time_t t = (time_t)q[i].created_at;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (out)
			fprintf(out, "%lld\t%s\t%s\t%s%s\n", (long long)q[i].id, when, q[i].to,
			        q[i].subject, q[i].attempts ? "\t(retry)" : "");
	}
	for (i = 0; send && i < n; i++) {
		struct acct_mail m = {0};
		struct co_err se;
		json_t *att = q[i].attachments ? json_loads(q[i].attachments, 0, NULL) : NULL;
		char msgid[64];
		int src;

		snprintf(msgid, sizeof(msgid), "outbox-%lld@collective", (long long)q[i].id);
		m.from = conf->from && *conf->from ? conf->from : "collective@localhost";
		m.to = q[i].to;
		m.subject = q[i].subject;
		m.body = q[i].body;
		m.attachments = att;
		m.message_id = msgid;
		co_err_clear(&se);
		if (conf->smtp_host && *conf->smtp_host)
			src = acct_smtp_send(conf, &m, &se);
		else
			src = write_file(conf, q[i].id, &m, &se);
		json_decref(att);
		if (src == 0) {
			rc = db_exec(c,
			             "UPDATE outbox SET sent_at = ?, attempts = attempts + 1, "
			             "last_error = NULL WHERE id = ?",
			             DB_ARGS(DB_I(acct__now()), DB_I(q[i].id)), NULL, e);
			sent++;
		} else {
			rc = db_exec(c,
			             "UPDATE outbox SET attempts = attempts + 1, last_error = ? "
			             "WHERE id = ?",
			             DB_ARGS(DB_T(se.msg), DB_I(q[i].id)), NULL, e);
			if (out)
				fprintf(stderr, "outbox: message %lld: %s\n", (long long)q[i].id,
				        se.msg);
			failed++;
		}
		if (rc < 0)
			break;
	}
out:
	for (i = 0; i < n; i++) {
		free(q[i].to);
		free(q[i].subject);
		free(q[i].body);
		free(q[i].attachments);
	}
	free(q);
	db_release(c);
	if (rc < 0)
		return rc;
	if (sent_out)
		*sent_out = sent;
	if (failed_out)
		*failed_out = failed;
	return 0;
}
