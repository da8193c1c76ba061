/*
 * acct.h - accounts and organisations: the first feature module, and the
 * records every later module shares.
 *
 * What it owns: the tables of migrations/0001_accounts.sql (organisations,
 * users, memberships, sessions, API tokens, invitations, password resets,
 * login attempts, the audit log, the outbox, settings); the pages and API
 * under /login, /orgs, /account, /audit and /api/v1/{organisations,users,
 * memberships,invitations,tokens,audit}; and the web layer's identity
 * provider (who a session cookie or bearer token belongs to, their roles).
 *
 * What other modules use from here: acct_audit() to record a change in the
 * same transaction as the change, acct_outbox_queue() to send an email,
 * the organisation and user tables as foreign keys, and the role names.
 *
 * Conventions: functions that write take an open DB_TX_WRITE transaction
 * from the caller (so that a change, its memberships and its audit entry
 * commit together) unless they say otherwise. actor_id 0 means the command
 * line. Thread-safe: no shared mutable state beyond libsodium's.
 */
#ifndef ACCT_H
#define ACCT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "base/err.h"
#include "db/db.h"
#include "web/web.h"

/* The module, for src/web/modules.c. */
extern const struct web_module acct_module;

/* ---- rules that need no database (rules.c) ---- */

#define ACCT_PASSWORD_MIN       12 /* characters (code points) */
#define ACCT_PASSWORD_MAX_BYTES 256
#define ACCT_EMAIL_MAX          254 /* RFC 5321 path limit */
#define ACCT_NAME_MAX           200
#define ACCT_PWHASH_LEN         128 /* >= crypto_pwhash_STRBYTES */
#define ACCT_TOKEN_LEN          64  /* prefix + 43 base64url characters + NUL */
#define ACCT_HASH_HEX           65  /* 32-byte hash as hex + NUL */

/* Lifetimes, in seconds. */
#define ACCT_SESSION_TTL    (12 * 3600)
#define ACCT_INVITATION_TTL (7 * 24 * 3600)
#define ACCT_RESET_TTL      3600

/* Throttle: this many failed logins within the window lock the account
 * (or the address) until the oldest of them leaves the window. */
#define ACCT_THROTTLE_WINDOW  (15 * 60)
#define ACCT_THROTTLE_ACCOUNT 5
#define ACCT_THROTTLE_ADDRESS 20

/* Calls sodium_init(); 0 or CO_EINTERNAL. Call once before anything else. */
int acct_crypto_init(void);

/* 0 when the password may be used for the account with this e-mail
 * address; else CO_EINPUT with field "password" and a message that is also
 * a msgid of the accounts catalogue. */
int acct_password_check(const char *pw, const char *email, struct co_err *e);
/* Argon2id (libsodium crypto_pwhash_str); out is NUL-terminated. */
int acct_password_hash(const char *pw, char out[ACCT_PWHASH_LEN], struct co_err *e);
/* 1 when pw matches hash, 0 otherwise (also for a NULL hash). */
int acct_password_verify(const char *hash, const char *pw);
/* Spends the time of one verification, for unknown accounts. */
void acct_password_burn(const char *pw);

/* Trims, lower-cases and checks the form of an e-mail address. */
int acct_email_normalise(const char *in, char out[ACCT_EMAIL_MAX + 1], struct co_err *e);
/* Checks a person's or organisation's display name (field "name"). */
int acct_name_check(const char *name, struct co_err *e);

/* A new secret token: prefix (may be NULL) + 256 random bits, base64url. */
void acct_token_new(const char *prefix, char out[ACCT_TOKEN_LEN]);
/* BLAKE2b-256 of the token as hex: the only form stored. */
void acct_token_hash(const char *token, char out[ACCT_HASH_HEX]);

/* Recent failed logins for one account and one address, within the window. */
struct acct_throttle {
	int account_failures;
	int64_t account_oldest; /* time of the oldest of them, 0 when none */
	int address_failures;
	int64_t address_oldest;
};
/* Seconds the caller must wait before another attempt; 0 when allowed. */
int acct_throttle_wait(const struct acct_throttle *t, int64_t now);

/* The life of a single-use link (invitation, password reset). */
enum acct_link_state {
	ACCT_LINK_VALID = 0,
	ACCT_LINK_EXPIRED,
	ACCT_LINK_USED,
	ACCT_LINK_REVOKED,
};
/* 0 in used_at / revoked_at means "not". */
enum acct_link_state acct_link_state(int64_t expires_at, int64_t used_at, int64_t revoked_at,
                                     int64_t now);

/* ---- reference data ---- */

/* A code and its English label (also the msgid of its translation). */
struct acct_label {
	const char *code;
	const char *label;
};
/* Each ends with {NULL, NULL}. */
extern const struct acct_label acct_org_types[]; /* health_board, nhs_trust, ... */
extern const struct acct_label acct_regions[];   /* north, west, powys, ... national */
extern const struct acct_label acct_org_roles[]; /* member, org_lead */
/* The label of code in t, or NULL when t has no such code. */
const char *acct_label_of(const struct acct_label *t, const char *code);

/* ---- shared records: every module writes through these ---- */

/* Records a change: who (actor_id 0: the command line), what (action,
 * like "org.update"), on what (object type and id), and the object before
 * and after (JSON objects, may be NULL; borrowed). Call it in the same
 * transaction as the change. */
int acct_audit(struct db_conn *c, int64_t actor_id, const char *address, const char *action,
               const char *object_type, int64_t object_id, const json_t *before,
               const json_t *after, struct co_err *e);

/* Queues an email for `collective outbox --send`. kind names the kind of
 * message ("invitation", "password_reset", ...); attachments (may be NULL,
 * borrowed) is a JSON array of {name, content_type, base64}. *id (may be
 * NULL) receives the new row's id. */
int acct_outbox_queue(struct db_conn *c, const char *kind, const char *to, const char *subject,
                      const char *body, const json_t *attachments, int64_t *id, struct co_err *e);

/* ---- accounts ---- */

/* API tokens start with this, so that a leaked one is easy to recognise. */
#define ACCT_API_TOKEN_PREFIX "co_"

/* Creates a user (password may be NULL: no password yet; lang NULL: "en")
 * and audits it. CO_ECONFLICT (field "email") when the address is taken. */
int acct_user_create(struct db_conn *c, int64_t actor, const char *email, const char *name,
                     const char *password, const char *lang, int64_t *id, struct co_err *e);
/* Gives a user a role on a scope ("org", id; "global", 0), audited. */
int acct_membership_add(struct db_conn *c, int64_t actor, int64_t user_id, const char *scope,
                        int64_t scope_id, const char *role, struct co_err *e);
/* A new API token for the user, written once into token (never stored). */
int acct_token_create(struct db_conn *c, int64_t actor, int64_t user_id, const char *name,
                      char token[ACCT_TOKEN_LEN], int64_t *id, struct co_err *e);

/* An organisation's fields; NULL means "unchanged" for updates. */
struct acct_org_input {
	const char *code;
	const char *name;
	const char *type;
	const char *region;
};
int acct_org_create(struct db_conn *c, int64_t actor, const struct acct_org_input *in, int64_t *id,
                    struct co_err *e);

/* Imports accounts from CSV text (header: email,name[,org,role,language]),
 * all or none: every problem is passed to report (row, column, field,
 * message) and then CO_EINPUT is returned with nothing written. *created
 * receives the number of accounts made. See import.c. */
int acct_user_import(struct db *db, const char *data, size_t len, int *created,
                     void (*report)(const struct co_err *e, void *arg), void *arg,
                     struct co_err *e);

/* ---- demo data (demo.c) ---- */

/* One demo account: its email, its role-describing name, and what it holds. */
struct acct_demo_user {
	const char *email;
	const char *name;
	const char *scope;    /* "global" or "org" */
	const char *org_code; /* for "org" */
	const char *role;
	const char *what; /* one line for `make run`: what to try as this user */
};
extern const struct acct_demo_user acct_demo_users[]; /* ends with a NULL email */

/* Loads the organisations and the demo users (every one with password)
 * into an empty database, in one transaction. CO_ECONFLICT when the
 * database already holds organisations or users. */
int acct_demo_load(struct db *db, const char *password, struct co_err *e);

/* ---- the outbox (outbox.c, smtp.c) ---- */

struct acct_mail_conf {
	const char *smtp_host; /* NULL or "": write files into dir instead */
	int smtp_port;
	const char *from;
	const char *helo; /* the name we give in EHLO; NULL: "localhost" */
	const char *dir;  /* the directory for .eml files without SMTP */
	int timeout_s;    /* socket timeout; 0: 30 */
};

/* One email on the wire: RFC 5322 text with CRLF line ends, dot-stuffing
 * applied by the sender. */
struct acct_mail {
	const char *from;
	const char *to;
	const char *subject;
	const char *body;          /* UTF-8 plain text, LF or CRLF line ends */
	const json_t *attachments; /* may be NULL */
	const char *message_id;    /* may be NULL */
};

/* Sends one message by SMTP (RFC 5321: EHLO, MAIL FROM, RCPT TO, DATA
 * with dot-stuffing, QUIT). Plain TCP: run a local relay for TLS. */
int acct_smtp_send(const struct acct_mail_conf *conf, const struct acct_mail *m, struct co_err *e);
/* The message as RFC 5322 text (headers, MIME when there are
 * attachments), CRLF line ends, not dot-stuffed. The caller frees it. */
char *acct_mail_format(const struct acct_mail *m, size_t *len, struct co_err *e);

/* Prints the unsent emails (id, created, to, subject) to out; with send,
 * sends each (SMTP or a file in conf->dir) and marks it sent, or records
 * the error and the attempt. *sent and *failed may be NULL. */
int acct_outbox_run(struct db *db, const struct acct_mail_conf *conf, int send, FILE *out,
                    int *sent, int *failed, struct co_err *e);

#endif
