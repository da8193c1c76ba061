/*
 * ex_routes.c - every route of the Exchange module with what it needs, and
 * the OpenAPI descriptions of its /api/v1 routes. This table is the whole
 * of the module's access policy; the handlers add only "is this
 * registration the caller's own" where a route is open to any signed-in
 * user.
 *
 *   who                       may
 *   anyone                    read the listing, an exchange, its calendar
 *                             file, the conference pack; a personal feed
 *                             with its secret
 *   signed-in person          sign up, cancel, answer an offer, choose
 *                             workshops, give needs, see their programme
 *   host of the exchange, or  manage it: attendees, approvals, check-in,
 *   lead of its organisation  exports, badges, insights, changes
 *   venue of the exchange     the dietary and access needs page
 *   organisation lead         nominate within the allotment, swap
 *   programme admin           everything, and programmes, new exchanges,
 *                             nomination decisions, the dashboard
 */
#include "mod/exchange/ex_int.h"

#define PUBLIC             WEB_NEED_PUBLIC
#define LOGGED_IN          WEB_NEED_LOGGED_IN
#define ADMIN              WEB_NEED_ROLE(WEB_R_PROGRAMME_ADMIN, NULL, NULL)
#define HOST               WEB_NEED_ROLE(WEB_R_HOST | WEB_R_ORG_LEAD, "exchange", "id")
#define HOST_OF_REG        WEB_NEED_ROLE(WEB_R_HOST | WEB_R_ORG_LEAD, "registration", "id")
#define VENUE              WEB_NEED_ROLE(WEB_R_VENUE | WEB_R_HOST | WEB_R_ORG_LEAD, "exchange", "id")
#define LEAD_OF_ORG        WEB_NEED_ROLE(WEB_R_ORG_LEAD, WEB_SCOPE_ORG, "code")
#define LEAD_OF_NOMINATION WEB_NEED_ROLE(WEB_R_ORG_LEAD, "nomination", "id")
#define ADMIN_OF_PROGRAMME WEB_NEED_ROLE(WEB_R_PROGRAMME_ADMIN, "programme", "programme")

#define REF(x) "{\"$ref\":\"#/components/schemas/" x "\"}"
#define LIST_OF(x)                                                                                 \
	"{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":" REF(x) "}" \
	                                                                                       "}" \
	                                                                                       "}"
#define TIME                                                                                       \
	"{\"oneOf\":[{\"type\":\"integer\",\"description\":\"Unix seconds (UTC)\"},{\"type\":"     \
	"\"string\",\"description\":\"UK local time YYYY-MM-DDTHH:MM\"}]}"
#define STR "{\"type\":\"string\"}"
#define EMAIL_BODY                                                                                 \
	"{\"type\":\"object\",\"required\":[\"email\"],\"properties\":{\"email\":{\"type\":"       \
	"\"string\",\"format\":\"email\"}}}"

static const struct web_api_doc doc_programmes = {
        "List programmes with their themes", "Exchange", NULL, NULL, 200, LIST_OF("Programme")};
static const struct web_api_doc doc_programme_create = {
        "Create a programme with themes and organisation allotments (programme admin)",
        "Exchange",
        NULL,
        "{\"type\":\"object\",\"required\":[\"slug\",\"name\",\"signup_deadline\"],\"properties\":{"
        "\"slug\":{\"type\":\"string\",\"pattern\":\"^[a-z0-9-]{1,64}$\"},\"name\":" STR
        ",\"summary\":" STR ",\"signup_opens_at\":" TIME ",\"signup_deadline\":" TIME
        ",\"approval_needed\":{\"type\":\"boolean\"},\"pending_holds_place\":{\"type\":\"boolean\"}"
        ","
        "\"offer_hours\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":720},"
        "\"allotments_release_at\":" TIME ",\"needs_retention_days\":{\"type\":\"integer\"},"
        "\"themes\":{\"type\":\"array\",\"items\":" STR "},\"allotments\":{\"type\":\"array\","
        "\"items\":{\"type\":\"object\",\"properties\":{\"organisation\":" STR
        ",\"places\":{\"type\":\"integer\"}}}}}}",
        201,
        REF("Programme")};
static const struct web_api_doc doc_programme_update = {
        "Change a programme (programme admin): the fields given replace the stored ones; themes "
        "are matched by name (a kept one keeps its exchanges); allotments set those listed",
        "Exchange",
        NULL,
        "{\"type\":\"object\",\"properties\":{\"name\":" STR ",\"summary\":" STR
        ",\"signup_opens_at\":" TIME ",\"signup_deadline\":" TIME
        ",\"approval_needed\":{\"type\":\"boolean\"},\"pending_holds_place\":{\"type\":"
        "\"boolean\"},\"offer_hours\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":720},"
        "\"allotments_release_at\":" TIME ",\"needs_retention_days\":{\"type\":\"integer\"},"
        "\"themes\":{\"type\":\"array\",\"items\":" STR "},\"allotments\":{\"type\":"
        "\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"organisation\":" STR
        ",\"places\":{\"type\":\"integer\"}}}}}}",
        200,
        REF("Programme")};
static const struct web_api_doc doc_day = {
        "Add a day to a conference (host): a date within the event, once",
        "Exchange",
        NULL,
        "{\"type\":\"object\",\"required\":[\"date\"],\"properties\":{\"date\":{\"type\":"
        "\"string\",\"format\":\"date\"},\"label\":" STR "}}",
        201,
        "{\"type\":\"object\"}"};
static const struct web_api_doc doc_programme = {"One programme", "Exchange", NULL, NULL, 200,
                                                 REF("Programme")};
static const struct web_api_doc doc_dashboard = {
        "Fill rate per exchange and nominations per organisation against its allotment (programme "
        "admin)",
        "Exchange",
        NULL,
        NULL,
        200,
        "{\"type\":\"object\",\"properties\":{\"exchanges\":{\"type\":\"array\",\"items\":" REF(
                "Exchange") "},\"allotments\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}}"
                            "}"};
static const struct web_api_doc doc_pack = {
        "The conference pack: insights from every exchange grouped by theme",
        "Exchange",
        NULL,
        NULL,
        200,
        "{\"type\":\"object\",\"properties\":{\"themes\":{\"type\":\"array\",\"items\":{\"type\":"
        "\"object\"}}}}"};
static const struct web_api_doc doc_exchanges = {
        "List exchanges with places left",
        "Exchange",
        "[{\"name\":\"programme\",\"schema\":{\"type\":\"string\"},\"description\":\"a programme's "
        "id or slug\"}]",
        NULL,
        200,
        LIST_OF("Exchange")};
static const struct web_api_doc doc_exchange_create = {
        "Create a knowledge exchange or a conference (programme admin)",
        "Exchange",
        NULL,
        REF("ExchangeInput"),
        201,
        REF("Exchange")};
static const struct web_api_doc doc_exchange = {
        "One exchange; the online link only for its confirmed attendees and organisers",
        "Exchange",
        NULL,
        NULL,
        200,
        REF("Exchange")};
static const struct web_api_doc doc_exchange_update = {
        "Change an exchange (host); a new time, place or link raises its SEQUENCE and tells "
        "attendees",
        "Exchange",
        NULL,
        REF("ExchangeInput"),
        200,
        REF("Exchange")};
static const struct web_api_doc doc_hosts = {
        "Give a person the host or venue role on an exchange (host)",
        "Exchange",
        NULL,
        "{\"type\":\"object\",\"required\":[\"email\"],\"properties\":{\"email\":" STR
        ",\"role\":{\"enum\":[\"host\",\"venue\"]}}}",
        201,
        "{\"type\":\"object\"}"};
static const struct web_api_doc doc_register = {
        "Sign up to an exchange: the answer says the state and, when waitlisted, the position",
        "Registrations",
        NULL,
        NULL,
        201,
        REF("Registration")};
static const struct web_api_doc doc_attendees = {"The exchange's registrations (host)",
                                                 "Registrations",
                                                 NULL,
                                                 NULL,
                                                 200,
                                                 LIST_OF("Attendee")};
static const struct web_api_doc doc_my = {"Your registrations with their exchanges",
                                          "Registrations",
                                          NULL,
                                          NULL,
                                          200,
                                          LIST_OF("Exchange")};
static const struct web_api_doc doc_reg_delete = {
        "Cancel a registration (its owner or the exchange's host); a place it held is offered to "
        "the waiting list",
        "Registrations",
        NULL,
        NULL,
        200,
        REF("Registration")};
static const struct web_api_doc doc_reg_action = {
        "accept or decline an offer (its owner); approve, reject, check-in or no-show (host)",
        "Registrations",
        NULL,
        NULL,
        200,
        REF("Registration")};
static const struct web_api_doc doc_needs = {
        "Set dietary and access needs and accommodation nights (the registration's owner)",
        "Registrations",
        NULL,
        "{\"type\":\"object\",\"properties\":{\"dietary\":" STR ",\"access\":" STR
        ",\"nights\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"format\":\"date\"}}}}",
        200,
        "{\"type\":\"object\"}"};
static const struct web_api_doc doc_choose = {
        "Choose a conference session; a clash with another choice is refused",
        "Registrations",
        NULL,
        "{\"type\":\"object\",\"required\":[\"session\"],\"properties\":{\"session\":{\"type\":"
        "\"integer\"}}}",
        201,
        "{\"type\":\"object\"}"};
static const struct web_api_doc doc_insight = {
        "Record an insight from an exchange (its host, or a confirmed attendee)",
        "Exchange",
        NULL,
        "{\"type\":\"object\",\"properties\":{\"learned\":" STR ",\"ideas\":" STR
        ",\"actions\":" STR "}}",
        201,
        "{\"type\":\"object\"}"};
static const struct web_api_doc doc_showcase = {
        "The innovation showcase: its call and the accepted submissions (all, with scores, for the "
        "programme admin)",
        "Showcase",
        NULL,
        NULL,
        200,
        "{\"type\":\"object\",\"properties\":{\"call\":{},\"submissions\":{\"type\":\"array\"}}}"};
static const struct web_api_doc doc_submit = {
        "Submit to the showcase while the call is open; a linked Improve project fills in its aim",
        "Showcase",
        NULL,
        "{\"type\":\"object\",\"required\":[\"title\"],\"properties\":{\"title\":" STR
        ",\"summary\":" STR ",\"evidence\":" STR ",\"team\":" STR ",\"organisation\":" STR
        ",\"improve_project\":{\"type\":\"integer\"}}}",
        201,
        "{\"type\":\"object\"}"};
static const struct web_api_doc doc_review = {
        "Score a submission from 1 to 5 with comments (programme admin); a second review replaces "
        "the first",
        "Showcase",
        NULL,
        "{\"type\":\"object\",\"required\":[\"score\"],\"properties\":{\"score\":{\"type\":"
        "\"integer\",\"minimum\":1,\"maximum\":5},\"comments\":" STR "}}",
        201,
        "{\"type\":\"object\"}"};
static const struct web_api_doc doc_sub_decide = {
        "Accept or reject a submission (programme admin)",
        "Showcase",
        NULL,
        "{\"type\":\"object\",\"required\":[\"accept\"],\"properties\":{\"accept\":{\"type\":"
        "\"boolean\"}}}",
        200,
        "{\"type\":\"object\"}"};
static const struct web_api_doc doc_slot = {
        "Place an accepted submission in a showcase session (programme admin)",
        "Showcase",
        NULL,
        "{\"type\":\"object\",\"required\":[\"session\",\"starts_at\",\"ends_at\"],"
        "\"properties\":{\"session\":{\"type\":\"integer\"},\"starts_at\":" TIME
        ",\"ends_at\":" TIME ",\"position\":" STR "}}",
        201,
        "{\"type\":\"object\"}"};
static const struct web_api_doc doc_session = {
        "Add a conference session (host): reception, keynote, workshop, showcase, networking, "
        "plenary, break; a room is made on first use (with room_capacity); change it with PATCH "
        "and remove it with DELETE on /api/v1/exchanges/{id}/sessions/{session}",
        "Exchange",
        NULL,
        "{\"type\":\"object\",\"required\":[\"kind\",\"title\",\"starts_at\",\"ends_at\"],"
        "\"properties\":{\"kind\":{\"enum\":[\"reception\",\"keynote\",\"workshop\","
        "\"showcase\",\"networking\",\"plenary\",\"break\"]},\"title\":" STR ",\"summary\":" STR
        ",\"starts_at\":" TIME ",\"ends_at\":" TIME ",\"room\":" STR
        ",\"room_capacity\":{\"type\":\"integer\"},\"capacity\":{\"type\":\"integer\"},"
        "\"needs_choice\":{\"type\":\"boolean\"}}}",
        201,
        "{\"type\":\"object\"}"};
#define SESSION_FIELDS                                                                             \
	"\"kind\":{\"enum\":[\"reception\",\"keynote\",\"workshop\",\"showcase\",\"networking\","  \
	"\"plenary\",\"break\"]},\"title\":" STR ",\"summary\":" STR ",\"starts_at\":" TIME        \
	",\"ends_at\":" TIME ",\"room\":" STR ",\"room_capacity\":{\"type\":\"integer\"},"         \
	"\"capacity\":{\"type\":[\"integer\",\"null\"]},\"needs_choice\":{\"type\":\"boolean\"}"
static const struct web_api_doc doc_session_update = {
        "Change a conference session (host): the fields given replace the stored ones (a new room "
        "name makes the room; room null: no room; capacity null: the room's). Refused, naming "
        "the field and changing nothing: the checks of a new session, places fewer than the "
        "attendees who chose it, new times that would give any of them a clash with another "
        "session they chose (with how many). A new time or room of a chosen session emails "
        "those who chose it.",
        "Exchange",
        NULL,
        "{\"type\":\"object\",\"properties\":{" SESSION_FIELDS "}}",
        200,
        "{\"type\":\"object\"}"};
static const struct web_api_doc doc_session_delete = {
        "Remove a conference session (host); refused (409) while attendees have chosen it or "
        "showcase submissions are placed in it, saying how many",
        "Exchange",
        NULL,
        NULL,
        200,
        "{\"type\":\"object\"}"};
static const struct web_api_doc doc_room_update = {
        "Rename a conference room or set its capacity (host); refused below any of its sessions' "
        "own capacity or the choices of one without, and a name another room of the exchange has",
        "Exchange",
        NULL,
        "{\"type\":\"object\",\"properties\":{\"name\":" STR
        ",\"capacity\":{\"type\":\"integer\",\"minimum\":0}}}",
        200,
        "{\"type\":\"object\"}"};
static const struct web_api_doc doc_room_delete = {
        "Remove a conference room no session uses (host); otherwise 409 with how many use it",
        "Exchange",
        NULL,
        NULL,
        200,
        "{\"type\":\"object\"}"};
static const struct web_api_doc doc_nominate = {
        "Nominate a person of the organisation within its allotment (organisation lead)",
        "Nominations",
        NULL,
        "{\"type\":\"object\",\"required\":[\"programme\",\"email\"],\"properties\":{\"programme\":"
        "{\"type\":[\"integer\",\"string\"]},\"email\":" STR "}}",
        201,
        REF("Nomination")};
static const struct web_api_doc doc_swap = {
        "Swap a nominee for another person before the deadline (organisation lead)",
        "Nominations",
        NULL,
        EMAIL_BODY,
        201,
        REF("Nomination")};
static const struct web_api_doc doc_decide = {
        "Approve or reject a nomination (programme admin)",
        "Nominations",
        NULL,
        "{\"type\":\"object\",\"required\":[\"approve\"],\"properties\":{\"approve\":{\"type\":"
        "\"boolean\"}}}",
        200,
        REF("Nomination")};
static const struct web_api_doc doc_accept = {"Accept your approved nomination (the nominee)",
                                              "Nominations",
                                              NULL,
                                              NULL,
                                              200,
                                              REF("Nomination")};

static int ex__demo(struct db *db, const char *password, struct co_err *e)
{
	(void)password;
	return ex_demo_load(db, web_now(), e);
}

static const struct web_route ex_routes[] = {
        /* pages */
        {HTTP_GET, "/exchange", ex__list_page, PUBLIC, "exchange_home", NULL, 0},
        {HTTP_GET, "/exchanges", ex__list_page, PUBLIC, "exchanges", NULL, 0},
        {HTTP_GET, "/exchanges/my", ex__my_page, LOGGED_IN, "my_programme", NULL, 0},
        {HTTP_POST, "/exchanges/my/calendar", ex__feed_post, LOGGED_IN, "feed_new", NULL, 0},
        {HTTP_GET, "/calendar/{secret}", ex__feed_get, PUBLIC, "feed", NULL, 0},
        {HTTP_GET, "/exchanges/{id}", ex__exchange_page, PUBLIC, "exchange", NULL, 0},
        {HTTP_GET, "/exchanges/{id}/calendar", ex__ics_get, PUBLIC, "exchange_ics", NULL, 0},
        {HTTP_POST, "/exchanges/{id}/register", ex__register_post, LOGGED_IN, "exchange_register",
         NULL, 0},
        {HTTP_POST, "/exchanges/{id}/insights", ex__insight_post, LOGGED_IN, "exchange_insight",
         NULL, 0},
        {HTTP_GET, "/exchanges/{id}/host", ex__host_page, HOST, "exchange_host", NULL, 0},
        {HTTP_GET, "/exchanges/{id}/edit", ex__edit_page, HOST, "exchange_edit_form", NULL, 0},
        {HTTP_POST, "/exchanges/{id}/edit", ex__edit_post, HOST, "exchange_edit", NULL, 0},
        {HTTP_GET, "/exchanges/{id}/checkin", ex__checkin_page, HOST, "exchange_checkin_form", NULL,
         0},
        {HTTP_POST, "/exchanges/{id}/checkin", ex__checkin_post, HOST, "exchange_checkin", NULL, 0},
        {HTTP_GET, "/exchanges/{id}/attendees", ex__attendees_get, HOST, "exchange_attendees", NULL,
         0},
        {HTTP_GET, "/exchanges/{id}/badges", ex__badges_get, HOST, "exchange_badges", NULL, 0},
        {HTTP_GET, "/exchanges/{id}/needs", ex__needs_page, VENUE, "exchange_needs", NULL, 0},
        {HTTP_POST, "/registrations/{id}/decision", ex__decide_post, HOST_OF_REG,
         "registration_decide", NULL, 0},
        {HTTP_POST, "/registrations/{id}/needs", ex__needs_post, LOGGED_IN, "registration_needs",
         NULL, 0},
        {HTTP_POST, "/registrations/{id}/sessions", ex__choose_post, LOGGED_IN,
         "registration_choose", NULL, 0},
        {HTTP_POST, "/registrations/{id}/{action}", ex__reg_action_post, LOGGED_IN,
         "registration_action", NULL, 0},
        {HTTP_GET, "/programmes/{programme}/admin", ex__admin_page, ADMIN, "programme_admin", NULL,
         0},
        {HTTP_GET, "/programmes/{programme}/pack", ex__pack_page, PUBLIC, "programme_pack", NULL,
         0},
        {HTTP_GET, "/programmes/{programme}/pack.pdf", ex__pack_pdf, PUBLIC, "programme_pack_pdf",
         NULL, 0},
        {HTTP_GET, "/programmes/{programme}/orgs/{code}/nominations", ex__nominations_page,
         LEAD_OF_ORG, "nominations", NULL, 0},
        {HTTP_POST, "/programmes/{programme}/orgs/{code}/nominations", ex__nominate_post,
         LEAD_OF_ORG, "nominate", NULL, 0},
        {HTTP_POST, "/nominations/{id}/swap", ex__swap_post, LEAD_OF_NOMINATION, "nomination_swap",
         NULL, 0},
        {HTTP_POST, "/nominations/{id}/decision", ex__nomination_decide_post, ADMIN,
         "nomination_decide", NULL, 0},
        {HTTP_POST, "/nominations/{id}/accept", ex__nomination_accept_post, LOGGED_IN,
         "nomination_accept", NULL, 0},

        {HTTP_POST, "/exchanges/{id}/submissions", ex__submit_post, LOGGED_IN, "showcase_submit",
         NULL, 0},
        /* set-up (ex_admin.c) */
        {HTTP_GET, "/programmes", ex__programmes_page, ADMIN, "programmes", NULL, 0},
        {HTTP_GET, "/programmes/new", ex__programme_new_page, ADMIN, "programme_new", NULL, 0},
        {HTTP_POST, "/programmes", ex__programme_create_post, ADMIN, "programme_create", NULL, 0},
        {HTTP_GET, "/programmes/{programme}/edit", ex__programme_edit_page, ADMIN_OF_PROGRAMME,
         "programme_edit_form", NULL, 0},
        {HTTP_POST, "/programmes/{programme}/edit", ex__programme_edit_post, ADMIN_OF_PROGRAMME,
         "programme_edit", NULL, 0},
        {HTTP_GET, "/programmes/{programme}/exchanges/new", ex__exchange_new_page,
         ADMIN_OF_PROGRAMME, "exchange_new", NULL, 0},
        {HTTP_POST, "/programmes/{programme}/exchanges", ex__exchange_new_post, ADMIN_OF_PROGRAMME,
         "exchange_create", NULL, 0},
        {HTTP_GET, "/exchanges/{id}/sessions", ex__sessions_page, HOST, "conference_sessions", NULL,
         0},
        {HTTP_POST, "/exchanges/{id}/sessions", ex__session_post, HOST, "conference_session_add",
         NULL, 0},
        {HTTP_GET, "/exchanges/{id}/sessions/{session}/edit", ex__session_edit_page, HOST,
         "conference_session_edit_form", NULL, 0},
        {HTTP_POST, "/exchanges/{id}/sessions/{session}/edit", ex__session_edit_post, HOST,
         "conference_session_edit", NULL, 0},
        {HTTP_POST, "/exchanges/{id}/sessions/{session}/delete", ex__session_delete_post, HOST,
         "conference_session_delete", NULL, 0},
        {HTTP_GET, "/exchanges/{id}/rooms/{room}/edit", ex__room_edit_page, HOST,
         "conference_room_edit_form", NULL, 0},
        {HTTP_POST, "/exchanges/{id}/rooms/{room}/edit", ex__room_edit_post, HOST,
         "conference_room_edit", NULL, 0},
        {HTTP_POST, "/exchanges/{id}/rooms/{room}/delete", ex__room_delete_post, HOST,
         "conference_room_delete", NULL, 0},
        {HTTP_POST, "/exchanges/{id}/days", ex__day_post, HOST, "conference_day_add", NULL, 0},
        {HTTP_POST, "/exchanges/{id}/hosts", ex__hosts_post, HOST, "exchange_role_add", NULL, 0},
        {HTTP_GET, "/exchanges/{id}/showcase", ex__showcase_page, ADMIN, "showcase_slots", NULL, 0},
        {HTTP_POST, "/submissions/{id}/slot", ex__slot_post, ADMIN, "showcase_slot", NULL, 0},
        {HTTP_POST, "/submissions/{id}/review", ex__review_post, ADMIN, "showcase_review", NULL, 0},
        {HTTP_POST, "/submissions/{id}/decision", ex__submission_decide_post, ADMIN,
         "showcase_decide", NULL, 0},

        /* API */
        {HTTP_GET, "/api/v1/programmes", ex__api_programmes, PUBLIC, "listProgrammes",
         &doc_programmes, 0},
        {HTTP_POST, "/api/v1/programmes", ex__api_programme_create, ADMIN, "createProgramme",
         &doc_programme_create, 0},
        {HTTP_GET, "/api/v1/programmes/{programme}", ex__api_programme, PUBLIC, "getProgramme",
         &doc_programme, 0},
        {HTTP_PATCH, "/api/v1/programmes/{programme}", ex__api_programme_update, ADMIN_OF_PROGRAMME,
         "updateProgramme", &doc_programme_update, 0},
        {HTTP_GET, "/api/v1/programmes/{programme}/dashboard", ex__api_dashboard,
         ADMIN_OF_PROGRAMME, "getProgrammeDashboard", &doc_dashboard, 0},
        {HTTP_GET, "/api/v1/programmes/{programme}/pack", ex__api_pack, PUBLIC, "getConferencePack",
         &doc_pack, 0},
        {HTTP_GET, "/api/v1/exchanges", ex__api_exchanges, PUBLIC, "listExchanges", &doc_exchanges,
         0},
        {HTTP_POST, "/api/v1/exchanges", ex__api_exchange_create, ADMIN, "createExchange",
         &doc_exchange_create, 0},
        {HTTP_GET, "/api/v1/exchanges/{id}", ex__api_exchange, PUBLIC, "getExchange", &doc_exchange,
         0},
        {HTTP_PATCH, "/api/v1/exchanges/{id}", ex__api_exchange_update, HOST, "updateExchange",
         &doc_exchange_update, 0},
        {HTTP_POST, "/api/v1/exchanges/{id}/hosts", ex__api_hosts, HOST, "addExchangeRole",
         &doc_hosts, 0},
        {HTTP_POST, "/api/v1/exchanges/{id}/registrations", ex__api_register, LOGGED_IN, "register",
         &doc_register, 0},
        {HTTP_GET, "/api/v1/exchanges/{id}/registrations", ex__api_attendees, HOST,
         "listRegistrations", &doc_attendees, 0},
        {HTTP_POST, "/api/v1/exchanges/{id}/insights", ex__api_insight, LOGGED_IN, "addInsight",
         &doc_insight, 0},
        {HTTP_GET, "/api/v1/registrations", ex__api_my, LOGGED_IN, "listMyRegistrations", &doc_my,
         0},
        {HTTP_DELETE, "/api/v1/registrations/{id}", ex__api_registration_delete, LOGGED_IN,
         "cancelRegistration", &doc_reg_delete, 0},
        {HTTP_PUT, "/api/v1/registrations/{id}/needs", ex__api_needs, LOGGED_IN, "setNeeds",
         &doc_needs, 0},
        {HTTP_POST, "/api/v1/registrations/{id}/sessions", ex__api_choose, LOGGED_IN,
         "chooseSession", &doc_choose, 0},
        {HTTP_POST, "/api/v1/registrations/{id}/{action}", ex__api_reg_action, LOGGED_IN,
         "registrationAction", &doc_reg_action, 0},
        {HTTP_POST, "/api/v1/exchanges/{id}/sessions", ex__api_session_create, HOST,
         "createSession", &doc_session, 0},
        {HTTP_PATCH, "/api/v1/exchanges/{id}/sessions/{session}", ex__api_session_update, HOST,
         "updateSession", &doc_session_update, 0},
        {HTTP_DELETE, "/api/v1/exchanges/{id}/sessions/{session}", ex__api_session_delete, HOST,
         "deleteSession", &doc_session_delete, 0},
        {HTTP_PATCH, "/api/v1/exchanges/{id}/rooms/{room}", ex__api_room_update, HOST, "updateRoom",
         &doc_room_update, 0},
        {HTTP_DELETE, "/api/v1/exchanges/{id}/rooms/{room}", ex__api_room_delete, HOST,
         "deleteRoom", &doc_room_delete, 0},
        {HTTP_POST, "/api/v1/exchanges/{id}/days", ex__api_day_create, HOST, "addConferenceDay",
         &doc_day, 0},
        {HTTP_GET, "/api/v1/exchanges/{id}/submissions", ex__api_showcase, PUBLIC, "listShowcase",
         &doc_showcase, 0},
        {HTTP_POST, "/api/v1/exchanges/{id}/submissions", ex__api_submit, LOGGED_IN,
         "submitToShowcase", &doc_submit, 0},
        {HTTP_POST, "/api/v1/submissions/{id}/reviews", ex__api_review, ADMIN, "reviewSubmission",
         &doc_review, 0},
        {HTTP_POST, "/api/v1/submissions/{id}/decision", ex__api_submission_decide, ADMIN,
         "decideSubmission", &doc_sub_decide, 0},
        {HTTP_POST, "/api/v1/submissions/{id}/slot", ex__api_slot, ADMIN, "scheduleSubmission",
         &doc_slot, 0},
        {HTTP_POST, "/api/v1/organisations/{code}/nominations", ex__api_nominate, LEAD_OF_ORG,
         "nominate", &doc_nominate, 0},
        {HTTP_POST, "/api/v1/nominations/{id}/swap", ex__api_nomination_swap, LEAD_OF_NOMINATION,
         "swapNomination", &doc_swap, 0},
        {HTTP_POST, "/api/v1/nominations/{id}/decision", ex__api_nomination_decide, ADMIN,
         "decideNomination", &doc_decide, 0},
        {HTTP_POST, "/api/v1/nominations/{id}/accept", ex__api_nomination_accept, LOGGED_IN,
         "acceptNomination", &doc_accept, 0},
};

static const char ex_schemas[] =
        "{\"Programme\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
        "\"slug\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},\"signup_opens_at\":{"
        "\"type\":\"integer\"},\"signup_deadline_at\":{\"type\":\"integer\"},\"approval_needed\":{"
        "\"type\":\"boolean\"},\"themes\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}}},"
        "\"Exchange\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
        "\"programme_id\":{\"type\":\"integer\"},\"kind\":{\"enum\":[\"exchange\",\"conference\"]},"
        "\"topic\":{\"type\":\"string\"},\"theme\":{\"type\":\"string\"},\"mode\":{\"enum\":["
        "\"online\",\"on_site\",\"hybrid\"]},\"address\":{\"type\":\"string\"},\"starts_at\":{"
        "\"type\":\"integer\"},\"starts_local\":{\"type\":\"string\"},\"starts_tz\":{\"enum\":["
        "\"GMT\",\"BST\"]},\"ends_at\":{\"type\":\"integer\"},\"capacity\":{\"type\":\"integer\"},"
        "\"places_left\":{\"type\":\"integer\"},\"confirmed\":{\"type\":\"integer\"},"
        "\"waitlisted\":{\"type\":\"integer\"},\"fill_percent\":{\"type\":\"integer\"},"
        "\"online_url\":{\"type\":\"string\"},\"mine\":{}}},"
        "\"ExchangeInput\":{\"type\":\"object\",\"properties\":{\"programme\":{\"type\":["
        "\"integer\","
        "\"string\"]},\"kind\":{\"enum\":[\"exchange\",\"conference\"]},\"host_org\":{\"type\":"
        "\"string\",\"description\":\"organisation code\"},\"host_team\":{\"type\":\"string\"},"
        "\"theme\":{\"type\":[\"integer\",\"string\"]},\"topic\":{\"type\":\"string\"},\"mode\":{"
        "\"enum\":[\"online\",\"on_site\",\"hybrid\"]},\"address\":{\"type\":\"string\"},"
        "\"region\":{\"type\":\"string\"},\"access_info\":{\"type\":\"string\"},\"online_url\":{"
        "\"type\":\"string\"},\"description\":{\"type\":\"string\",\"description\":\"Markdown\"},"
        "\"starts_at\":" TIME ",\"ends_at\":" TIME ",\"capacity\":{\"type\":\"integer\","
        "\"minimum\":0},\"reserved_places\":{\"type\":\"integer\",\"minimum\":0},\"hosts\":{"
        "\"type\":\"array\",\"items\":{\"type\":\"string\",\"format\":\"email\"}}}},"
        "\"Registration\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
        "\"state\":{\"enum\":[\"pending\",\"confirmed\",\"waitlisted\",\"offered\",\"declined\","
        "\"cancelled\",\"attended\",\"no_show\"]},\"position\":{\"type\":[\"integer\",\"null\"]},"
        "\"seq\":{\"type\":\"integer\"},\"offer_expires_at\":{\"type\":[\"integer\",\"null\"]}}},"
        "\"Attendee\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"name\":{"
        "\"type\":\"string\"},\"email\":{\"type\":\"string\"},\"organisation\":{\"type\":"
        "\"string\"},\"state\":{\"type\":\"string\"},\"position\":{\"type\":\"integer\"},"
        "\"dietary\":{\"type\":\"string\"},\"access\":{\"type\":\"string\"}}},"
        "\"Nomination\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
        "\"state\":{\"enum\":[\"nominated\",\"approved\",\"rejected\",\"accepted\",\"declined\","
        "\"withdrawn\",\"swapped\"]}}}}";

const struct web_module ex_module = {
        .name = "exchange",
        .routes = ex_routes,
        .nroutes = sizeof(ex_routes) / sizeof(ex_routes[0]),
        .scopes = ex__scopes,
        .nscopes = sizeof(ex__scopes) / sizeof(ex__scopes[0]),
        .openapi_schemas = ex_schemas,
        .identity = NULL,
        .demo = ex__demo,
};
