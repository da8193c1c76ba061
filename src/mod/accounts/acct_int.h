/*
 * acct_int.h - what the files of the accounts module share (not public).
 *
 * store.c reads and writes the tables; identity.c answers the web layer's
 * "who is this" and resolves the org scope; pages.c and api.c are the
 * handlers; routes.c the route table; demo.c, outbox.c, smtp.c the rest.
 */
#ifndef ACCT_INT_H
#define ACCT_INT_H

#include "mod/accounts/acct.h"

int64_t acct__now(void);

/* The version stamp of the public organisation data (names, types,
 * regions, member counts), for the web cache; bumped by every write to it
 * in the writer's transaction. */
int acct__orgs_version(struct db_conn *c, int64_t *v, struct co_err *e);
int acct__orgs_changed(struct db_conn *c, struct co_err *e);

/* Rows as JSON objects. */
json_t *acct__user_row(struct db_rows *r, int col); /* id, email, name, language, created_at */
json_t *acct__org_row(struct db_rows *r);           /* id, code, name, type, region, ... */

int acct__user_get(struct db_conn *c, int64_t id, json_t **out, struct co_err *e);
int acct__user_by_email(struct db_conn *c, const char *email, int64_t *id, struct co_err *e);
/* Sets a new password (checked against the policy), ends every session of
 * the user and every unused reset link, and audits. */
int acct__user_set_password(struct db_conn *c, int64_t actor, int64_t uid, const char *password,
                            const char *address, struct co_err *e);

struct acct_org_filter {
	const char *type;
	const char *region;
	const char *q;
};
int acct__org_find(struct db_conn *c, const char *code, json_t **out, struct co_err *e);
int acct__org_list(struct db_conn *c, const struct acct_org_filter *f, long offset, long limit,
                   json_t **items, long *total, struct co_err *e);
/* The organisation rules, for the pages, the API and the store alike:
 * every problem with in, one per field in form order (name, code, type,
 * region), each passed to report (may be NULL). required: every field must
 * be given; otherwise a NULL field stays as it is (an update). An empty
 * value is never valid. Returns how many fields are wrong. */
int acct__org_problems(const struct acct_org_input *in, int required,
                       void (*report)(const struct co_err *e, void *arg), void *arg);
int acct__org_update(struct db_conn *c, int64_t actor, int64_t oid, const struct acct_org_input *in,
                     struct co_err *e);
/* [{id, email, name, language, created_at, roles: [...]}] by name. */
int acct__org_members(struct db_conn *c, int64_t org_id, json_t **out, struct co_err *e);
/* Replaces the person's roles on the organisation by `role`; keeps at
 * least one lead. */
int acct__org_set_role(struct db_conn *c, int64_t actor, int64_t org_id, int64_t uid,
                       const char *role, struct co_err *e);
int acct__org_remove_member(struct db_conn *c, int64_t actor, int64_t org_id, int64_t uid,
                            struct co_err *e);

int acct__session_create(struct db_conn *c, int64_t uid, const char *address, long lifetime,
                         char token[ACCT_TOKEN_LEN], struct co_err *e);
int acct__token_revoke(struct db_conn *c, int64_t actor, int64_t uid, int64_t tid,
                       struct co_err *e);
int acct__tokens(struct db_conn *c, int64_t uid, json_t **out, struct co_err *e);
int acct__secret(struct db_conn *c, unsigned char key[32], struct co_err *e);

int acct__throttle_load(struct db_conn *c, const char *email, const char *address,
                        struct acct_throttle *t, struct co_err *e);
int acct__attempt_record(struct db_conn *c, const char *email, const char *address, int success,
                         struct co_err *e);

/* Checks that add every problem to errs ({field: message}, translated)
 * and return how many they found. name NULL: no name to check. */
int acct__invite_check(struct web_ctx *ctx, const char *email, const char *role, json_t *errs);
/* acct__org_problems() into errs, translated. */
int acct__org_errors(struct web_ctx *ctx, const struct acct_org_input *in, int required,
                     json_t *errs);
int acct__password_pair_check(struct web_ctx *ctx, const char *password, const char *confirm,
                              const char *name, json_t *errs);

/* Flows shared by the pages and the API (flows.c). Each runs its own
 * transaction on the request's connection. */
struct acct_invite_result {
	int added;          /* 1: an existing account was added at once */
	int64_t invitation; /* else the invitation's id */
	int64_t user_id;
};
int acct__invite(struct web_ctx *ctx, int64_t org_id, const char *org_name, const char *email,
                 const char *role, struct acct_invite_result *out, struct co_err *e);
/* Checks an invitation token; fills its email, organisation code and name. */
int acct__invitation_check(struct web_ctx *ctx, const char *token, json_t **out, struct co_err *e);
int acct__invitation_accept(struct web_ctx *ctx, const char *token, const char *name,
                            const char *password, const char *confirm, int64_t *uid, json_t **org,
                            struct co_err *e);
int acct__invitations(struct db_conn *c, int64_t org_id, json_t **out, struct co_err *e);
int acct__invitation_revoke(struct web_ctx *ctx, int64_t org_id, int64_t id, struct co_err *e);
int acct__reset_request(struct web_ctx *ctx, const char *email, struct co_err *e);
int acct__reset_check(struct web_ctx *ctx, const char *token, int64_t *uid, struct co_err *e);
int acct__reset_finish(struct web_ctx *ctx, const char *token, const char *password,
                       const char *confirm, struct co_err *e);
/* Checks the password and throttle; on success *uid. CO_EPERM for a wrong
 * email or password (one message for both), CO_ELIMIT when throttled. */
int acct__login(struct web_ctx *ctx, const char *email, const char *password, int64_t *uid,
                struct co_err *e);
int acct__audit_list(struct db_conn *c, long offset, long limit, json_t **items, long *total,
                     struct co_err *e);

/* Handlers (pages.c, api.c). */
web_handler_fn acct__home, acct__login_form, acct__login_post, acct__logout, acct__forgot_form,
        acct__forgot_post, acct__reset_form, acct__reset_post, acct__accept_form, acct__accept_post,
        acct__orgs_page, acct__org_page, acct__invite_form, acct__invite_post, acct__members_page,
        acct__member_role_post, acct__member_remove_post, acct__invitation_revoke_post,
        acct__account_page, acct__password_post, acct__language_post, acct__token_post,
        acct__token_revoke_post, acct__audit_page, acct__org_new_form, acct__org_create_post,
        acct__org_edit_form, acct__org_edit_post;

web_handler_fn acct__api_orgs, acct__api_org_create, acct__api_org, acct__api_org_update,
        acct__api_org_members, acct__api_member_put, acct__api_member_delete, acct__api_invitations,
        acct__api_invite, acct__api_accept, acct__api_me, acct__api_me_update,
        acct__api_memberships, acct__api_tokens, acct__api_token_create, acct__api_token_delete,
        acct__api_audit;

/* identity.c */
extern const struct web_identity acct__identity;
extern const struct web_scope acct__scopes[];
extern const size_t acct__nscopes;

#endif
