/*
 * ex_jobs.c - the periodic jobs wired to the accounts outbox: each email a
 * notice produces is queued there (with its .ics as an attachment) in the
 * notice's own transaction, for `collective outbox --send`.
 */
#include "mod/exchange/ex_int.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "mod/accounts/acct.h"

static int to_outbox(void *arg, struct db_conn *c, const struct ex_email *m, struct co_err *e)
{
	json_t *att = NULL;
	int rc;

	(void)arg;
	/* The outbox takes a bare media type (no parameters: a ';' is refused
	 * there); the calendar itself says METHOD:REQUEST or CANCEL. */
	if (m->ics) {
		size_t len = strlen(m->ics),
		       b64len = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
		char *b64 = malloc(b64len);

		if (!b64)
			return co_errf(e, CO_ENOMEM, "out of memory");
		sodium_bin2base64(b64, b64len, (const unsigned char *)m->ics, len,
		                  sodium_base64_VARIANT_ORIGINAL);
		att = json_pack("[{s:s,s:s,s:s}]", "name",
		                m->ics_name ? m->ics_name : "exchange.ics", "content_type",
		                "text/calendar", "base64", b64);
		free(b64);
		if (!att)
			return co_errf(e, CO_ENOMEM, "out of memory");
	}
	rc = acct_outbox_queue(c, m->kind, m->to, m->subject, m->body, att, NULL, e);
	json_decref(att);
	return rc;
}

int ex_jobs(struct db *db, const char *base_url, const char *from_email, int64_t now,
            struct ex_jobs_report *report, struct co_err *e)
{
	struct ex_notify_conf conf = {0};
	const char *h = base_url ? strstr(base_url, "://") : NULL;
	char host[256] = "collective";

	if (h) {
		size_t n = strcspn(h + 3, "/:");

		if (n > 0 && n < sizeof(host)) {
			memcpy(host, h + 3, n);
			host[n] = '\0';
		}
	}
	conf.host = host;
	conf.base_url = base_url;
	conf.from_name = "Collective";
	conf.from_email = from_email;
	conf.send = to_outbox;
	return ex_jobs_run(db, &conf, now, report, e);
}
