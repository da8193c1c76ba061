/*
 * imp_routes.c - every route of Improve with what it needs, its scopes and
 * their parents, and the OpenAPI descriptions of its /api/v1 routes. This
 * table is the module's whole access policy:
 *
 *   collaborative pages and views   collab_admin, faculty, coach or viewer of
 *                                   the collaborative
 *   a team's pages                  its members and coach, the lead of its
 *                                   organisation, the collaborative's admin,
 *                                   faculty and coaches, and viewers (who then
 *                                   see measure data only as the
 *                                   collaborative's sharing setting allows)
 *   entering data, PDSA, reports    team members (and the collaborative admin)
 *   coach scores and notes          the team's coach, faculty, the admin
 *   baselines and phases            team members, coach, faculty, admin
 *
 * A programme admin passes every check. A team's parents are its
 * organisation and its collaborative, so roles held there reach it.
 */
#include <errno.h>
#include <stdlib.h>

#include "mod/improve/imp.h"
#include "mod/improve/imp_demo.h"
#include "mod/improve/imp_web_int.h"

#define COLLAB_READ                                                                                \
	WEB_NEED_ROLE(WEB_R_COLLAB_ADMIN | WEB_R_FACULTY | WEB_R_COACH | WEB_R_VIEWER,             \
	              IMP_SCOPE_COLLAB, "slug")
#define TEAM_READ                                                                                  \
	WEB_NEED_ROLE(WEB_R_TEAM_MEMBER | WEB_R_COACH | WEB_R_ORG_LEAD | WEB_R_COLLAB_ADMIN |      \
	                      WEB_R_FACULTY | WEB_R_VIEWER,                                        \
	              IMP_SCOPE_TEAM, "team")
#define TEAM_WRITE WEB_NEED_ROLE(WEB_R_TEAM_MEMBER | WEB_R_COLLAB_ADMIN, IMP_SCOPE_TEAM, "team")
#define TEAM_COACH                                                                                 \
	WEB_NEED_ROLE(WEB_R_COACH | WEB_R_FACULTY | WEB_R_COLLAB_ADMIN, IMP_SCOPE_TEAM, "team")
#define TEAM_PHASE                                                                                 \
	WEB_NEED_ROLE(WEB_R_TEAM_MEMBER | WEB_R_COACH | WEB_R_FACULTY | WEB_R_COLLAB_ADMIN,        \
	              IMP_SCOPE_TEAM, "team")
#define COLLAB_ADVISE                                                                              \
	WEB_NEED_ROLE(WEB_R_COLLAB_ADMIN | WEB_R_FACULTY | WEB_R_COACH, IMP_SCOPE_COLLAB, "slug")
#define COLLAB_ADMIN WEB_NEED_ROLE(WEB_R_COLLAB_ADMIN, IMP_SCOPE_COLLAB, "slug")
#define TEAM_PEOPLE  WEB_NEED_ROLE(WEB_R_COLLAB_ADMIN, IMP_SCOPE_TEAM, "team")
#define LOGGED_IN    WEB_NEED_LOGGED_IN

#define REF(x) "{\"$ref\":\"#/components/schemas/" x "\"}"

static const struct web_api_doc doc_collabs = {
        "Collaboratives you take part in",
        "Improve",
        NULL,
        NULL,
        200,
        "{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":" REF(
                "Collaborative") "}}}"};
static const struct web_api_doc doc_collab = {
        "A collaborative: aim, dates, learning sessions, teams, shared measures",
        "Improve",
        NULL,
        NULL,
        200,
        REF("Collaborative")};
static const struct web_api_doc doc_matrix = {
        "Teams x shared measures: the variation and assurance icon of each team's latest point",
        "Improve",
        NULL,
        NULL,
        200,
        "{\"type\":\"object\"}"};
static const struct web_api_doc doc_view = {
        "A collaborative view: scores by month, change ideas x teams, equity by stratum, data "
        "completeness, or one shared measure across teams as a funnel",
        "Improve",
        "[{\"name\":\"measure\",\"in\":\"query\",\"schema\":{\"type\":\"string\"}}]",
        NULL,
        200,
        "{\"type\":\"object\"}"};
static const struct web_api_doc doc_team = {
        "A team: its project, measures with charts (points, limits, signals), PDSA cycles and "
        "monthly reports",
        "Improve",
        NULL,
        NULL,
        200,
        "{\"type\":\"object\"}"};
static const struct web_api_doc doc_data_post = {
        "Store a period's values for a team (a month, or a week named by its Monday), all or "
        "nothing; strata must add up",
        "Improve",
        NULL,
        "{\"type\":\"object\",\"required\":[\"period\",\"values\"],\"properties\":{\"period\":{"
        "\"type\":\"string\",\"examples\":[\"2026-09\",\"2026-09-07\"]},\"frequency\":{"
        "\"enum\":[\"monthly\",\"weekly\"]},\"values\":{\"type\":\"array\",\"items\":"
        "{\"type\":\"object\",\"required\":[\"measure\"],\"properties\":{\"measure\":{\"type\":"
        "\"string\"},\"value\":{\"type\":\"number\"},\"numerator\":{\"type\":\"number\"},"
        "\"denominator\":{\"type\":\"number\"},\"notes\":{\"type\":\"string\"},\"strata\":{"
        "\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"group\":{\"type\":"
        "\"string\"},\"numerator\":{\"type\":\"number\"},\"denominator\":{\"type\":\"number\"}}}}"
        "}}}}}",
        201,
        "{\"type\":\"object\",\"properties\":{\"stored\":{\"type\":\"integer\"}}}"};
static const struct web_api_doc doc_pdsa_post = {
        "Record a PDSA cycle for one of the team's change ideas",
        "Improve",
        NULL,
        "{\"type\":\"object\",\"required\":[\"change_idea_id\",\"title\",\"starts_on\"],"
        "\"properties\":{\"change_idea_id\":{\"type\":\"integer\"},\"title\":{\"type\":\"string\"},"
        "\"plan\":{\"type\":\"string\"},\"prediction\":{\"type\":\"string\"},\"do_notes\":{"
        "\"type\":\"string\"},\"study\":{\"type\":\"string\"},\"act\":{\"enum\":[\"\",\"adopt\","
        "\"adapt\",\"abandon\"]},\"starts_on\":{\"type\":\"string\",\"format\":\"date\"},"
        "\"ends_on\":{\"type\":\"string\",\"format\":\"date\"}}}",
        201,
        "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}}}"};
static const struct web_api_doc doc_report_put = {
        "Write the team's monthly report (team members: narrative and team score; coaches: coach "
        "score and notes)",
        "Improve",
        NULL,
        "{\"type\":\"object\",\"properties\":{\"narrative\":{\"type\":\"string\"},\"team_score\":{"
        "\"type\":\"string\",\"examples\":[\"3.5\"]},\"coach_score\":{\"type\":\"string\"},"
        "\"coaching_notes\":{\"type\":\"string\"}}}",
        200,
        "{\"type\":\"object\"}"};
static const struct web_api_doc doc_phase_post = {
        "Set a baseline or start a new phase on a measure's chart, with the reason",
        "Improve",
        NULL,
        "{\"type\":\"object\",\"required\":[\"measure\",\"kind\",\"from\",\"reason\"],"
        "\"properties\":{\"measure\":{\"type\":\"string\"},\"kind\":{\"enum\":[\"baseline\","
        "\"phase\"]},\"from\":{\"type\":\"string\"},\"to\":{\"type\":\"string\"},\"reason\":{"
        "\"type\":\"string\"}}}",
        201,
        "{\"type\":\"object\"}"};

#define PDSA_PROPS                                                                                 \
	"\"change_idea_id\":{\"type\":\"integer\"},\"title\":{\"type\":\"string\"},\"plan\":{"     \
	"\"type\":\"string\"},\"prediction\":{\"type\":\"string\"},\"do_notes\":{\"type\":"        \
	"\"string\"},\"study\":{\"type\":\"string\"},\"act\":{\"enum\":[\"\",\"adopt\",\"adapt\"," \
	"\"abandon\"]},\"starts_on\":{\"type\":\"string\",\"format\":\"date\"},\"ends_on\":{"      \
	"\"type\":[\"string\",\"null\"],\"format\":\"date\"},\"measures\":{\"type\":\"array\","    \
	"\"items\":{\"type\":\"string\"}}"
static const struct web_api_doc doc_pdsa_get = {
        "A PDSA cycle of the team: plan with prediction, do, study, act, dates, linked measures",
        "Improve",
        NULL,
        NULL,
        200,
        "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}," PDSA_PROPS "}}"};
static const struct web_api_doc doc_pdsa_patch = {
        "Change a PDSA cycle: the fields given (act adopt, adapt or abandon needs the study); "
        "measures, a list of codes, replaces the linked measures",
        "Improve",
        NULL,
        "{\"type\":\"object\",\"properties\":{" PDSA_PROPS "}}",
        200,
        "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}," PDSA_PROPS "}}"};
static const struct web_api_doc doc_upload = {
        "Upload measure data as CSV (text/csv, or the field file of a multipart form), all or "
        "nothing: columns team, measure, period, value, numerator, denominator, stratum, group, "
        "notes; a 400 problem lists every error with its row, column and field",
        "Improve",
        NULL,
        "{\"type\":\"string\",\"contentMediaType\":\"text/csv\"}",
        201,
        "{\"type\":\"object\",\"properties\":{\"stored\":{\"type\":\"integer\"}}}"};

#define OBJ(props) "{\"type\":\"object\",\"properties\":{" props "}}"
#define STR(n)     "\"" n "\":{\"type\":\"string\"}"
#define DONE       "{\"type\":\"object\",\"properties\":{\"done\":{\"type\":\"string\"}}}"

static const struct web_api_doc doc_settings = {
        "Change the collaborative's settings (collaborative admin): dates, rule set, who sees a "
        "team's data, the small-number threshold, the funnel method",
        "Improve",
        NULL,
        OBJ(STR("name") "," STR("aim") "," STR("starts_on") "," STR("ends_on") "," STR(
                "rule_set") "," STR("data_visibility") ",\"suppression_threshold\":{\"type\":"
                                                       "\"integer\"}," STR("funnel_method")),
        200,
        DONE};
static const struct web_api_doc doc_session_add = {
        "Add a learning session (collaborative admin)",
        "Improve",
        NULL,
        OBJ(STR("title") "," STR("date") "," STR("mode") "," STR("place") "," STR("agenda")),
        200,
        DONE};
static const struct web_api_doc doc_team_add = {
        "Add a team of a member organisation, with its project (collaborative admin)",
        "Improve",
        NULL,
        OBJ(STR("org") "," STR("code") "," STR("name") "," STR("service")),
        200,
        DONE};
#define MEASURE_PROPS                                                                              \
	OBJ(STR("code") "," STR("name") "," STR("kind") "," STR("definition") "," STR(             \
	        "numerator_"                                                                       \
	        "def") "," STR("denominator_def") "," STR("data_type") "," STR("multiplie"         \
	                                                                       "r") "," STR("uni"  \
	                                                                                    "t") "," STR("frequency") "," STR("direction") "," STR("target") "," STR("chart"))
static const struct web_api_doc doc_measure_add = {
        "Add a shared measure every team reports the same way (collaborative admin)",
        "Improve",
        NULL,
        MEASURE_PROPS,
        200,
        DONE};
static const struct web_api_doc doc_team_measure_add = {
        "Add a measure of the team's own project", "Improve", NULL, MEASURE_PROPS, 200, DONE};
static const struct web_api_doc doc_drivers = {
        "Change the driver diagram: add a child, rename, move up or down, remove",
        "Improve",
        NULL,
        OBJ("\"action\":{\"enum\":[\"add\",\"rename\",\"up\",\"down\",\"remove\"]},"
            "\"node\":{\"type\":\"integer\"}," STR("title")),
        200,
        DONE};
static const struct web_api_doc doc_exclusion = {
        "Leave a month out of a measure's limits (with the reason), or put it back",
        "Improve",
        NULL,
        OBJ(STR("measure") "," STR("month") "," STR("reason") ",\"include\":{\"type\":"
                                                              "\"boolean\"}"),
        200,
        DONE};
static const struct web_api_doc doc_person = {
        "Give a person a role on the team (collaborative admin)",
        "Improve",
        NULL,
        OBJ(STR("email") ",\"role\":{\"enum\":[\"team_member\",\"coach\"]}"),
        200,
        DONE};

static const struct web_route imp_routes[] = {
        /* pages */
        {HTTP_GET, "/improve", imp__index_page, LOGGED_IN, "improve", NULL, 0},
        {HTTP_GET, "/improve/c/{slug}", imp__collab_page, COLLAB_READ, "improve_collab", NULL, 0},
        {HTTP_GET, "/improve/c/{slug}/matrix", imp__matrix_page, COLLAB_READ, "improve_matrix",
         NULL, 0},
        {HTTP_GET, "/improve/c/{slug}/views/{view}", imp__view_page, COLLAB_READ, "improve_view",
         NULL, 0},
        {HTTP_GET, "/improve/c/{slug}/pack.pdf", imp__pack_file, COLLAB_ADVISE, "improve_pack",
         NULL, 0},
        {HTTP_GET, "/improve/c/{slug}/settings", imp__settings_form, COLLAB_ADMIN,
         "improve_settings_form", NULL, 0},
        {HTTP_POST, "/improve/c/{slug}/settings", imp__settings_post, COLLAB_ADMIN,
         "improve_settings", NULL, 0},
        {HTTP_POST, "/improve/c/{slug}/sessions", imp__session_post, COLLAB_ADMIN,
         "improve_session_add", NULL, 0},
        {HTTP_POST, "/improve/c/{slug}/teams", imp__team_post, COLLAB_ADMIN, "improve_team_add",
         NULL, 0},
        {HTTP_POST, "/improve/c/{slug}/measures", imp__measure_post, COLLAB_ADMIN,
         "improve_measure_add", NULL, 0},
        {HTTP_GET, "/improve/t/{team}", imp__team_page, TEAM_READ, "improve_team", NULL, 0},
        {HTTP_GET, "/improve/t/{team}/data", imp__data_form, TEAM_WRITE, "improve_data_form", NULL,
         0},
        {HTTP_POST, "/improve/t/{team}/data", imp__data_post, TEAM_WRITE, "improve_data", NULL, 0},
        {HTTP_POST, "/improve/t/{team}/measures", imp__team_measure_post, TEAM_WRITE,
         "improve_team_measure_add", NULL, 0},
        {HTTP_POST, "/improve/t/{team}/drivers", imp__drivers_post, TEAM_WRITE, "improve_drivers",
         NULL, 0},
        {HTTP_POST, "/improve/t/{team}/exclusions", imp__exclusion_post, TEAM_PHASE,
         "improve_exclusion", NULL, 0},
        {HTTP_POST, "/improve/t/{team}/people", imp__person_post, TEAM_PEOPLE, "improve_person",
         NULL, 0},
        {HTTP_POST, "/improve/t/{team}/upload", imp__upload_post, TEAM_WRITE, "improve_upload",
         NULL, 0},
        {HTTP_GET, "/improve/t/{team}/pdsa", imp__pdsa_form, TEAM_WRITE, "improve_pdsa_form", NULL,
         0},
        {HTTP_POST, "/improve/t/{team}/pdsa", imp__pdsa_post, TEAM_WRITE, "improve_pdsa", NULL, 0},
        {HTTP_GET, "/improve/t/{team}/pdsa/{id}/edit", imp__pdsa_edit_form, TEAM_WRITE,
         "improve_pdsa_edit_form", NULL, 0},
        {HTTP_POST, "/improve/t/{team}/pdsa/{id}/edit", imp__pdsa_edit_post, TEAM_WRITE,
         "improve_pdsa_edit", NULL, 0},
        {HTTP_GET, "/improve/t/{team}/reports/{month}", imp__report_form, TEAM_READ,
         "improve_report_form", NULL, 0},
        {HTTP_POST, "/improve/t/{team}/reports/{month}", imp__report_team_post, TEAM_WRITE,
         "improve_report", NULL, 0},
        {HTTP_POST, "/improve/t/{team}/reports/{month}/coach", imp__report_coach_post, TEAM_COACH,
         "improve_report_coach", NULL, 0},
        {HTTP_POST, "/improve/t/{team}/phases", imp__phase_post, TEAM_PHASE, "improve_phase", NULL,
         0},
        {HTTP_GET, "/improve/t/{team}/charts/{measure}", imp__chart_file, TEAM_READ,
         "improve_chart_file", NULL, 0},
        {HTTP_GET, "/improve/t/{team}/export/{format}", imp__export_file, TEAM_READ,
         "improve_export", NULL, 0},

        /* API */
        {HTTP_GET, "/api/v1/improve/collaboratives", imp__api_collabs, LOGGED_IN,
         "listCollaboratives", &doc_collabs, 0},
        {HTTP_GET, "/api/v1/improve/collaboratives/{slug}", imp__api_collab, COLLAB_READ,
         "getCollaborative", &doc_collab, 0},
        {HTTP_GET, "/api/v1/improve/collaboratives/{slug}/matrix", imp__api_matrix, COLLAB_READ,
         "getMatrix", &doc_matrix, 0},
        {HTTP_GET, "/api/v1/improve/collaboratives/{slug}/views/{view}", imp__api_view, COLLAB_READ,
         "getCollaborativeView", &doc_view, 0},
        {HTTP_GET, "/api/v1/improve/teams/{team}", imp__api_team, TEAM_READ, "getTeam", &doc_team,
         0},
        {HTTP_POST, "/api/v1/improve/teams/{team}/data", imp__api_data_post, TEAM_WRITE,
         "storeTeamData", &doc_data_post, 0},
        {HTTP_POST, "/api/v1/improve/teams/{team}/pdsa", imp__api_pdsa_post, TEAM_WRITE,
         "createPdsaCycle", &doc_pdsa_post, 0},
        {HTTP_GET, "/api/v1/improve/teams/{team}/pdsa/{id}", imp__api_pdsa_get, TEAM_READ,
         "getPdsaCycle", &doc_pdsa_get, 0},
        {HTTP_PATCH, "/api/v1/improve/teams/{team}/pdsa/{id}", imp__api_pdsa_patch, TEAM_WRITE,
         "updatePdsaCycle", &doc_pdsa_patch, 0},
        {HTTP_POST, "/api/v1/improve/teams/{team}/data/csv", imp__api_upload_post, TEAM_WRITE,
         "uploadTeamDataCsv", &doc_upload, 0},
        {HTTP_PUT, "/api/v1/improve/teams/{team}/reports/{month}", imp__api_report_put, TEAM_READ,
         "putMonthlyReport", &doc_report_put, 0},
        {HTTP_PUT, "/api/v1/improve/collaboratives/{slug}/settings", imp__settings_post,
         COLLAB_ADMIN, "updateCollaborativeSettings", &doc_settings, 0},
        {HTTP_POST, "/api/v1/improve/collaboratives/{slug}/sessions", imp__session_post,
         COLLAB_ADMIN, "createLearningSession", &doc_session_add, 0},
        {HTTP_POST, "/api/v1/improve/collaboratives/{slug}/teams", imp__team_post, COLLAB_ADMIN,
         "createTeam", &doc_team_add, 0},
        {HTTP_POST, "/api/v1/improve/collaboratives/{slug}/measures", imp__measure_post,
         COLLAB_ADMIN, "createSharedMeasure", &doc_measure_add, 0},
        {HTTP_POST, "/api/v1/improve/teams/{team}/measures", imp__team_measure_post, TEAM_WRITE,
         "createTeamMeasure", &doc_team_measure_add, 0},
        {HTTP_POST, "/api/v1/improve/teams/{team}/drivers", imp__drivers_post, TEAM_WRITE,
         "changeDriverDiagram", &doc_drivers, 0},
        {HTTP_POST, "/api/v1/improve/teams/{team}/exclusions", imp__exclusion_post, TEAM_PHASE,
         "changeExclusion", &doc_exclusion, 0},
        {HTTP_POST, "/api/v1/improve/teams/{team}/people", imp__person_post, TEAM_PEOPLE,
         "addTeamPerson", &doc_person, 0},
        {HTTP_POST, "/api/v1/improve/teams/{team}/phases", imp__api_phase_post, TEAM_PHASE,
         "createPhaseChange", &doc_phase_post, 0},
};

static const char imp_schemas[] =
        "{\"Collaborative\":{\"type\":\"object\",\"required\":[\"id\",\"slug\",\"name\"],"
        "\"properties\":{\"id\":{\"type\":\"integer\"},\"slug\":{\"type\":\"string\"},\"name\":{"
        "\"type\":\"string\"},\"aim\":{\"type\":\"string\"},\"starts_on\":{\"type\":\"string\"},"
        "\"ends_on\":{\"type\":\"string\"},\"rule_set\":{\"type\":\"string\"},"
        "\"data_visibility\":{\"enum\":[\"collaborative\",\"faculty\",\"team\"]},"
        "\"suppression_threshold\":{\"type\":\"integer\"},\"sessions\":{\"type\":\"array\"},"
        "\"teams\":{\"type\":\"array\"},\"measures\":{\"type\":\"array\"}}}}";

/* ---- scopes ---- */

static int collab_find(struct web_ctx *ctx, const char *text, int64_t *id, struct co_err *e)
{
	struct db_conn *c;
	int rc;

	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	return db_query_int(c, "SELECT id FROM imp_collaboratives WHERE slug = ?",
	                    DB_ARGS(DB_T(text)), id, e);
}

static int team_find(struct web_ctx *ctx, const char *text, int64_t *id, struct co_err *e)
{
	struct db_conn *c;
	char *end;
	long long v;
	int rc;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || *end || v <= 0)
		return co_errf(e, CO_ENOTFOUND, "no such team");
	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	return db_query_int(c, "SELECT id FROM imp_teams WHERE id = ?", DB_ARGS(DB_I(v)), id, e);
}

static int team_parents(struct web_ctx *ctx, int64_t id, struct web_scope_ref *out, int max, int *n,
                        struct co_err *e)
{
	struct db_conn *c;
	struct db_rows *r;
	int rc;

	*n = 0;
	if (max < 2)
		return 0;
	if ((rc = web_db(ctx, &c, e)) < 0)
		return rc;
	if ((rc = db_query(c, "SELECT org_id, collaborative_id FROM imp_teams WHERE id = ?",
	                   DB_ARGS(DB_I(id)), &r, e)) < 0)
		return rc;
	rc = db_rows_next(r, e);
	if (rc == 1) {
		out[0].scope = WEB_SCOPE_ORG;
		out[0].id = db_int(r, 0);
		out[1].scope = IMP_SCOPE_COLLAB;
		out[1].id = db_int(r, 1);
		*n = 2;
		rc = 0;
	}
	db_rows_free(r);
	return rc;
}

const struct web_scope imp__scopes[] = {
        {IMP_SCOPE_COLLAB, collab_find, NULL},
        {IMP_SCOPE_TEAM, team_find, team_parents},
};
const size_t imp__nscopes = sizeof(imp__scopes) / sizeof(imp__scopes[0]);

static int imp__demo(struct db *db, const char *password, struct co_err *e)
{
	return imp_demo_load(db, password, e);
}

const struct web_module imp_module = {
        .name = "improve",
        .routes = imp_routes,
        .nroutes = sizeof(imp_routes) / sizeof(imp_routes[0]),
        .scopes = imp__scopes,
        .nscopes = sizeof(imp__scopes) / sizeof(imp__scopes[0]),
        .openapi_schemas = imp_schemas,
        .demo = imp__demo,
};
