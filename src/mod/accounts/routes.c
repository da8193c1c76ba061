/*
 * routes.c - every route of the accounts module with what it needs, and
 * the OpenAPI descriptions of its /api/v1 routes. This table is the whole
 * of the module's access policy: read it to know who may do what.
 */
#include "mod/accounts/acct_int.h"

#define PUBLIC       WEB_NEED_PUBLIC
#define LOGGED_IN    WEB_NEED_LOGGED_IN
#define LEAD_OF_ORG  WEB_NEED_ROLE(WEB_R_ORG_LEAD, WEB_SCOPE_ORG, "code")
#define IN_ORG       WEB_NEED_ROLE(WEB_R_ORG_LEAD | WEB_R_MEMBER, WEB_SCOPE_ORG, "code")
#define ADMIN        WEB_NEED_ROLE(WEB_R_PROGRAMME_ADMIN, NULL, NULL)
#define ADMIN_OF_ORG WEB_NEED_ROLE(WEB_R_PROGRAMME_ADMIN, WEB_SCOPE_ORG, "code")

#define PAGE_PARAMS                                                                                \
	"{\"name\":\"page\",\"schema\":{\"type\":\"integer\",\"minimum\":1}},"                     \
	"{\"name\":\"per_page\",\"schema\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100}}"
#define REF(x) "{\"$ref\":\"#/components/schemas/" x "\"}"
#define LIST_OF(x)                                                                                 \
	"{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":" REF(x) "}" \
	                                                                                       "}" \
	                                                                                       "}"
#define PAGED(x)                                                                                   \
	"{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":" REF(       \
	        x) "},\"pagination\":" REF("Pagination") "}}"

static const struct web_api_doc doc_orgs = {
        "List organisations, filtered by type, region or text",
        "Organisations",
        "[{\"name\":\"type\",\"schema\":{\"type\":\"string\",\"enum\":[\"health_board\","
        "\"nhs_trust\",\"local_authority\",\"third_sector\",\"independent\",\"university\","
        "\"national_body\"]}},{\"name\":\"region\",\"schema\":{\"type\":\"string\"}},"
        "{\"name\":\"q\",\"schema\":{\"type\":\"string\"},\"description\":\"part of the name or "
        "code\"}," PAGE_PARAMS "]",
        NULL,
        200,
        PAGED("Organisation")};
static const struct web_api_doc doc_org_create = {"Create an organisation (programme admin)",
                                                  "Organisations",
                                                  NULL,
                                                  REF("OrganisationInput"),
                                                  201,
                                                  REF("Organisation")};
static const struct web_api_doc doc_org = {"One organisation", "Organisations", NULL, NULL, 200,
                                           REF("Organisation")};
static const struct web_api_doc doc_org_update = {
        "Change an organisation (programme admin); absent fields stay as they are",
        "Organisations",
        NULL,
        REF("OrganisationInput"),
        200,
        REF("Organisation")};
static const struct web_api_doc doc_members = {
        "The organisation's members and their roles (its members and leads)",
        "Memberships",
        NULL,
        NULL,
        200,
        LIST_OF("Member")};
static const struct web_api_doc doc_member_put = {
        "Set a member's role in the organisation (organisation lead)",
        "Memberships",
        NULL,
        "{\"type\":\"object\",\"required\":[\"role\"],\"properties\":{\"role\":{\"type\":"
        "\"string\",\"enum\":[\"member\",\"org_lead\"]}}}",
        200,
        LIST_OF("Member")};
static const struct web_api_doc doc_member_delete = {
        "Remove a person from the organisation (organisation lead)",
        "Memberships",
        NULL,
        NULL,
        204,
        NULL};
static const struct web_api_doc doc_invitations = {
        "Invitations waiting to be accepted (organisation lead)",
        "Invitations",
        NULL,
        NULL,
        200,
        LIST_OF("Invitation")};
static const struct web_api_doc doc_invite = {
        "Invite a person by email; an existing account is added at once (organisation lead)",
        "Invitations",
        NULL,
        "{\"type\":\"object\",\"required\":[\"email\"],\"properties\":{\"email\":{\"type\":"
        "\"string\",\"format\":\"email\"},\"role\":{\"type\":\"string\",\"enum\":[\"member\","
        "\"org_lead\"]}}}",
        201,
        "{\"type\":\"object\",\"properties\":{\"status\":{\"enum\":[\"invited\",\"added\"]},"
        "\"invitation_id\":{\"type\":[\"integer\",\"null\"]},\"user_id\":{\"type\":[\"integer\","
        "\"null\"]}}}"};
static const struct web_api_doc doc_accept = {
        "Accept an invitation: create the account with a name and password",
        "Invitations",
        NULL,
        "{\"type\":\"object\",\"required\":[\"token\",\"name\",\"password\"],\"properties\":{"
        "\"token\":{\"type\":\"string\"},\"name\":{\"type\":\"string\"},\"password\":{\"type\":"
        "\"string\",\"minLength\":12}}}",
        201,
        REF("User")};
static const struct web_api_doc doc_me = {
        "The signed-in user, with their memberships", "Users", NULL, NULL, 200, REF("User")};
static const struct web_api_doc doc_me_update = {
        "Change your name or language",
        "Users",
        NULL,
        "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"language\":{"
        "\"enum\":[\"en\",\"cy\"]}}}",
        200,
        REF("User")};
static const struct web_api_doc doc_memberships = {
        "Your memberships", "Memberships", NULL, NULL, 200, LIST_OF("Membership")};
static const struct web_api_doc doc_tokens = {
        "Your API tokens (never the secret itself)", "Tokens", NULL, NULL, 200, LIST_OF("Token")};
static const struct web_api_doc doc_token_create = {
        "Create an API token; the answer holds the secret, shown this once",
        "Tokens",
        NULL,
        "{\"type\":\"object\",\"required\":[\"name\"],\"properties\":{\"name\":{\"type\":"
        "\"string\"}}}",
        201,
        "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"name\":{\"type\":"
        "\"string\"},\"token\":{\"type\":\"string\"}}}"};
static const struct web_api_doc doc_token_delete = {
        "Revoke one of your API tokens", "Tokens", NULL, NULL, 204, NULL};
static const struct web_api_doc doc_audit = {"The audit log, newest first (programme admin)",
                                             "Audit",
                                             "[" PAGE_PARAMS "]",
                                             NULL,
                                             200,
                                             PAGED("AuditEntry")};

static const struct web_route acct_routes[] = {
        /* pages */
        {HTTP_GET, "/", acct__home, PUBLIC, "home", NULL, 0},
        {HTTP_GET, "/login", acct__login_form, PUBLIC, "login_form", NULL, 0},
        {HTTP_POST, "/login", acct__login_post, PUBLIC, "login", NULL, 0},
        {HTTP_POST, "/logout", acct__logout, PUBLIC, "logout", NULL, 0},
        {HTTP_GET, "/password/forgot", acct__forgot_form, PUBLIC, "forgot_form", NULL, 0},
        {HTTP_POST, "/password/forgot", acct__forgot_post, PUBLIC, "forgot", NULL, 0},
        {HTTP_GET, "/password/reset", acct__reset_form, PUBLIC, "reset_form", NULL, 0},
        {HTTP_POST, "/password/reset", acct__reset_post, PUBLIC, "reset", NULL, 0},
        {HTTP_GET, "/invitations/accept", acct__accept_form, PUBLIC, "accept_form", NULL, 0},
        {HTTP_POST, "/invitations/accept", acct__accept_post, PUBLIC, "accept", NULL, 0},
        {HTTP_GET, "/orgs", acct__orgs_page, PUBLIC, "orgs", NULL, 0},
        {HTTP_GET, "/orgs/new", acct__org_new_form, ADMIN, "org_new_form", NULL, 0},
        {HTTP_POST, "/orgs/new", acct__org_create_post, ADMIN, "org_create", NULL, 0},
        {HTTP_GET, "/orgs/{code}", acct__org_page, PUBLIC, "org", NULL, 0},
        {HTTP_GET, "/orgs/{code}/edit", acct__org_edit_form, ADMIN_OF_ORG, "org_edit_form", NULL,
         0},
        {HTTP_POST, "/orgs/{code}/edit", acct__org_edit_post, ADMIN_OF_ORG, "org_edit", NULL, 0},
        {HTTP_GET, "/orgs/{code}/members", acct__members_page, LEAD_OF_ORG, "org_members", NULL, 0},
        {HTTP_GET, "/orgs/{code}/invite", acct__invite_form, LEAD_OF_ORG, "invite_form", NULL, 0},
        {HTTP_POST, "/orgs/{code}/invite", acct__invite_post, LEAD_OF_ORG, "invite", NULL, 0},
        {HTTP_POST, "/orgs/{code}/members/{user}/role", acct__member_role_post, LEAD_OF_ORG,
         "member_role", NULL, 0},
        {HTTP_POST, "/orgs/{code}/members/{user}/remove", acct__member_remove_post, LEAD_OF_ORG,
         "member_remove", NULL, 0},
        {HTTP_POST, "/orgs/{code}/invitations/{id}/revoke", acct__invitation_revoke_post,
         LEAD_OF_ORG, "invitation_revoke", NULL, 0},
        {HTTP_GET, "/account", acct__account_page, LOGGED_IN, "account", NULL, 0},
        {HTTP_POST, "/account/password", acct__password_post, LOGGED_IN, "account_password", NULL,
         0},
        {HTTP_POST, "/account/language", acct__language_post, LOGGED_IN, "account_language", NULL,
         0},
        {HTTP_POST, "/account/tokens", acct__token_post, LOGGED_IN, "token_create_page", NULL, 0},
        {HTTP_POST, "/account/tokens/{id}/revoke", acct__token_revoke_post, LOGGED_IN,
         "token_revoke_page", NULL, 0},
        {HTTP_GET, "/audit", acct__audit_page, ADMIN, "audit", NULL, 0},

        /* API */
        {HTTP_GET, "/api/v1/organisations", acct__api_orgs, PUBLIC, "listOrganisations", &doc_orgs,
         0},
        {HTTP_POST, "/api/v1/organisations", acct__api_org_create, ADMIN, "createOrganisation",
         &doc_org_create, 0},
        {HTTP_GET, "/api/v1/organisations/{code}", acct__api_org, PUBLIC, "getOrganisation",
         &doc_org, 0},
        {HTTP_PATCH, "/api/v1/organisations/{code}", acct__api_org_update, ADMIN_OF_ORG,
         "updateOrganisation", &doc_org_update, 0},
        {HTTP_GET, "/api/v1/organisations/{code}/members", acct__api_org_members, IN_ORG,
         "listMembers", &doc_members, 0},
        {HTTP_PUT, "/api/v1/organisations/{code}/members/{user_id}", acct__api_member_put,
         LEAD_OF_ORG, "setMemberRole", &doc_member_put, 0},
        {HTTP_DELETE, "/api/v1/organisations/{code}/members/{user_id}", acct__api_member_delete,
         LEAD_OF_ORG, "removeMember", &doc_member_delete, 0},
        {HTTP_GET, "/api/v1/organisations/{code}/invitations", acct__api_invitations, LEAD_OF_ORG,
         "listInvitations", &doc_invitations, 0},
        {HTTP_POST, "/api/v1/organisations/{code}/invitations", acct__api_invite, LEAD_OF_ORG,
         "invite", &doc_invite, 0},
        {HTTP_POST, "/api/v1/invitations/accept", acct__api_accept, PUBLIC, "acceptInvitation",
         &doc_accept, 0},
        {HTTP_GET, "/api/v1/users/me", acct__api_me, LOGGED_IN, "getMe", &doc_me, 0},
        {HTTP_PATCH, "/api/v1/users/me", acct__api_me_update, LOGGED_IN, "updateMe", &doc_me_update,
         0},
        {HTTP_GET, "/api/v1/memberships", acct__api_memberships, LOGGED_IN, "listMemberships",
         &doc_memberships, 0},
        {HTTP_GET, "/api/v1/tokens", acct__api_tokens, LOGGED_IN, "listTokens", &doc_tokens, 0},
        {HTTP_POST, "/api/v1/tokens", acct__api_token_create, LOGGED_IN, "createToken",
         &doc_token_create, 0},
        {HTTP_DELETE, "/api/v1/tokens/{id}", acct__api_token_delete, LOGGED_IN, "revokeToken",
         &doc_token_delete, 0},
        {HTTP_GET, "/api/v1/audit", acct__api_audit, ADMIN, "listAudit", &doc_audit, 0},
};

static const char acct_schemas[] =
        "{\"Organisation\":{\"type\":\"object\",\"required\":[\"id\",\"code\",\"name\",\"type\","
        "\"region\"],\"properties\":{\"id\":{\"type\":\"integer\"},\"code\":{\"type\":\"string\"},"
        "\"name\":{\"type\":\"string\"},\"type\":{\"type\":\"string\"},\"region\":{\"type\":"
        "\"string\"},\"members\":{\"type\":\"integer\"},\"created_at\":{\"type\":\"integer\"},"
        "\"updated_at\":{\"type\":\"integer\"}}},"
        "\"OrganisationInput\":{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\","
        "\"pattern\":\"^[A-Z0-9-]{2,16}$\"},\"name\":{\"type\":\"string\"},\"type\":{\"enum\":["
        "\"health_board\",\"nhs_trust\",\"local_authority\",\"third_sector\",\"independent\","
        "\"university\",\"national_body\"]},\"region\":{\"enum\":[\"north\",\"west\",\"powys\","
        "\"west_glamorgan\",\"cwm_taf\",\"cardiff_vale\",\"gwent\",\"national\"]}}},"
        "\"User\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"email\":{"
        "\"type\":\"string\"},\"name\":{\"type\":\"string\"},\"language\":{\"enum\":[\"en\","
        "\"cy\"]},\"created_at\":{\"type\":\"integer\"},\"memberships\":{\"type\":\"array\","
        "\"items\":{\"type\":\"object\"}}}},"
        "\"Member\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"email\":{"
        "\"type\":\"string\"},\"name\":{\"type\":\"string\"},\"roles\":{\"type\":\"array\","
        "\"items\":{\"type\":\"string\"}}}},"
        "\"Membership\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
        "\"scope_type\":{\"type\":\"string\"},\"scope_id\":{\"type\":\"integer\"},\"role\":{"
        "\"type\":\"string\"},\"organisation\":{\"type\":\"object\"}}},"
        "\"Invitation\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
        "\"email\":{\"type\":\"string\"},\"role\":{\"type\":\"string\"},\"created_at\":{\"type\":"
        "\"integer\"},\"expires_at\":{\"type\":\"integer\"},\"invited_by\":{\"type\":[\"string\","
        "\"null\"]}}},"
        "\"Token\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"name\":{"
        "\"type\":\"string\"},\"prefix\":{\"type\":\"string\"},\"created_at\":{\"type\":"
        "\"integer\"},\"last_used_at\":{\"type\":[\"integer\",\"null\"]}}},"
        "\"AuditEntry\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"at\":"
        "{\"type\":\"integer\"},\"actor_id\":{\"type\":[\"integer\",\"null\"]},\"actor\":{\"type\":"
        "[\"string\",\"null\"]},\"action\":{\"type\":\"string\"},\"object_type\":{\"type\":"
        "\"string\"},\"object_id\":{\"type\":[\"integer\",\"null\"]},\"before\":{},\"after\":{}}}}";

const struct web_module acct_module = {
        .name = "accounts",
        .routes = acct_routes,
        .nroutes = sizeof(acct_routes) / sizeof(acct_routes[0]),
        .scopes = acct__scopes,
        .nscopes = 1,
        .openapi_schemas = acct_schemas,
        .identity = &acct__identity,
        .demo = acct_demo_load,
};
