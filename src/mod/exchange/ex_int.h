/*
 * ex_int.h - what the files of the Exchange web module share (handlers,
 * scope resolvers, small helpers). Not part of the module's interface.
 */
#ifndef EX_INT_H
#define EX_INT_H

#include <stdint.h>

#include <jansson.h>

#include "mod/exchange/ex_manage.h"
#include "mod/exchange/ex_notify.h"
#include "mod/exchange/ex_out.h"
#include "mod/exchange/ex_rules.h"
#include "mod/exchange/ex_store.h"
#include "mod/exchange/ex_time.h"
#include "mod/exchange/exchange.h"
#include "web/web.h"

extern const struct web_scope ex__scopes[4];
extern const size_t ex__nscopes;

/* web_db() that also makes the signed-in user the actor of this thread's
 * audited writes (ex_audit.h). */
int ex__db(struct web_ctx *ctx, struct db_conn **c, struct co_err *e);
/* web_errors_from() that also translates the model's refusals that count
 * (ex_count_msgs), for the API. */
void ex__errors_from(struct web_ctx *ctx, json_t *errors, const struct co_err *e);
/* web_errors_from() for a refusal by the model, whose fields are the API's:
 * starts_at and ends_at become the forms' starts_time and ends_time. */
void ex__form_errors_from(struct web_ctx *ctx, json_t *errors, const struct co_err *e);
/* A positive integer path parameter, or 0. */
int64_t ex__param_id(struct web_ctx *ctx, const char *name);
/* {title, nav: "exchange"} for web_render. */
json_t *ex__page(struct web_ctx *ctx, const char *title_msgid);
/* The site's host name and base URL (no trailing slash), in the arena. */
void ex__site(struct web_ctx *ctx, const char **host, const char **base);
/* The exchange of a registration and its owner. */
int ex__registration(struct db_conn *c, int64_t reg_id, int64_t *exchange_id, int64_t *user_id,
                     struct co_err *e);
/* 1 when the user manages the exchange (host, lead of the host
 * organisation, programme admin). */
int ex__manages(struct web_ctx *ctx, int64_t exchange_id);
/* The server-wide key for check-in codes (created on first use). */
int ex__checkin_key(struct db_conn *c, unsigned char key[32], struct co_err *e);
/* The programme named by ?programme= (slug) or the newest one. */
int ex__current_programme(struct db_conn *c, const char *slug, json_t **out, struct co_err *e);

/* Pages (ex_pages.c). */
web_handler_fn ex__list_page, ex__exchange_page, ex__register_post, ex__reg_action_post,
        ex__my_page, ex__feed_post, ex__feed_get, ex__ics_get, ex__host_page, ex__decide_post,
        ex__checkin_page, ex__checkin_post, ex__attendees_get, ex__badges_get, ex__insight_post,
        ex__admin_page, ex__pack_page, ex__pack_pdf, ex__needs_page, ex__needs_post,
        ex__nominations_page, ex__nominate_post, ex__swap_post, ex__nomination_decide_post,
        ex__nomination_accept_post, ex__choose_post, ex__submit_post, ex__review_post,
        ex__submission_decide_post, ex__edit_page, ex__edit_post;

/* Set-up pages (ex_admin.c). Options for a select: every organisation
 * (by code) and a programme's themes (by id), each list "None" first. */
int ex__org_options(struct web_ctx *ctx, struct db_conn *c, json_t **out, struct co_err *e);
json_t *ex__theme_options(struct web_ctx *ctx, json_t *programme);
web_handler_fn ex__programmes_page, ex__programme_new_page, ex__programme_create_post,
        ex__programme_edit_page, ex__programme_edit_post, ex__exchange_new_page,
        ex__exchange_new_post, ex__sessions_page, ex__session_post, ex__day_post, ex__hosts_post,
        ex__showcase_page, ex__slot_post, ex__session_edit_page, ex__session_edit_post,
        ex__session_delete_post, ex__room_edit_page, ex__room_edit_post, ex__room_delete_post;

/* API (ex_api.c). */
web_handler_fn ex__api_programmes, ex__api_programme_create, ex__api_programme, ex__api_exchanges,
        ex__api_exchange_create, ex__api_exchange, ex__api_exchange_update, ex__api_register,
        ex__api_attendees, ex__api_registration_delete, ex__api_reg_action, ex__api_my,
        ex__api_dashboard, ex__api_pack, ex__api_nominate, ex__api_nomination_swap,
        ex__api_nomination_decide, ex__api_nomination_accept, ex__api_insight, ex__api_needs,
        ex__api_choose, ex__api_hosts, ex__api_showcase, ex__api_submit, ex__api_review,
        ex__api_submission_decide, ex__api_slot, ex__api_session_create, ex__api_programme_update,
        ex__api_day_create, ex__api_session_update, ex__api_session_delete, ex__api_room_update,
        ex__api_room_delete;

#endif
