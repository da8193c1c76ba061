/*
 * imp_web_int.h - what the files of Improve's web side share (imp__
 * names): loading a collaborative's teams, measures and series for charts,
 * the read models that pages and the JSON API both render, and the
 * handlers the route table (imp_routes.c) names.
 *
 * Everything is allocated in the request's arena; json_t values follow
 * jansson's reference rules (functions returning json_t give a new
 * reference). Thread-safe per request.
 */
#ifndef IMP_WEB_INT_H
#define IMP_WEB_INT_H

#include <jansson.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "db/db.h"
#include "mod/improve/imp_chart.h"
#include "mod/improve/imp_data.h"
#include "web/web.h"

/* Scope types of Improve (memberships.scope_type). */
#define IMP_SCOPE_COLLAB "collab"
#define IMP_SCOPE_TEAM   "team"

struct imp__collab {
	int64_t id;
	const char *slug, *name, *aim, *summary, *starts_on, *ends_on, *rule_set;
	const char *visibility, *funnel_method;
	int threshold;
};

struct imp__team {
	int64_t id, org_id, collab_id;
	const char *code, *name, *service, *org_name, *org_code;
};

struct imp__measure {
	int64_t id, project_id; /* project 0 for a shared measure */
	int64_t team_id;        /* the project's team, 0 for shared */
	const char *code, *name, *kind, *definition, *numerator_def, *denominator_def;
	const char *data_type, *unit, *direction, *chart, *frequency;
	double multiplier, target; /* target NAN when none */
	int shared;
	struct imp_chart_def def;
};

/* A collaborative's data, ready for charts: series[t * nmeasures + m] for
 * team t and measure m (n 0 when the team has no data, or the measure is
 * another team's). */
struct imp__data {
	struct imp__collab collab;
	struct imp__team *teams;
	int nteams;
	struct imp__measure *measures;
	int nmeasures;
	struct imp_series *series;
	int64_t **point_ids; /* per series, the stored rows */
};

int imp__collab_get(struct db_conn *c, int64_t id, struct co_arena *a, struct imp__collab *out,
                    struct co_err *e);
int imp__team_get(struct db_conn *c, int64_t id, struct co_arena *a, struct imp__team *out,
                  struct co_err *e);

/* What imp__load reads. */
enum {
	IMP__LOAD_STRUCTURE = 0, /* teams and measures only */
	IMP__LOAD_VALUES = 1,    /* and every value, baseline and phase */
	IMP__LOAD_NOTES = 2,     /* and the notes on the values */
};

/* Loads a collaborative: every team (only_team 0) or one, the shared
 * measures and the projects' own measures, and as `what` says the stored
 * values with the baselines and phases. */
int imp__load(struct db_conn *c, int64_t collab_id, int64_t only_team, int what, struct co_arena *a,
              struct imp__data *out, struct co_err *e);

/* "2026-03" for a period day number (monthly) into the arena. */
const char *imp__month_text(struct co_arena *a, double day);
/* Today, days since 1970-01-01 (UTC). */
int32_t imp__today(void);

/* ---- read models (imp_read.c), shared by pages and the API ---- */

json_t *imp__collab_json(const struct imp__collab *k);
json_t *imp__team_json(const struct imp__team *t);
json_t *imp__measure_json(const struct imp__measure *m);
/* The teams x measures matrix (shared measures as columns). */
int imp__matrix_json(struct web_ctx *ctx, const struct imp__data *d, json_t **out,
                     struct co_err *e);
/* The matrix of a collaborative, from this process's cache while the
 * collaborative's data_version has not moved on (imp_read.c): as JSON in
 * *out, or (out NULL) as JSON text in the request's arena. */
int imp__matrix_cached(struct web_ctx *ctx, int64_t collab_id, json_t **out, const char **text,
                       size_t *len, struct co_err *e);
/* One team's measure: points with centre line, limits and signals, the
 * signals in words, phases, and (svg != 0) the chart as SVG text. */
int imp__chart_json(struct web_ctx *ctx, const struct imp__data *d, int team, int measure, int svg,
                    json_t **out, struct co_err *e);

/* ---- access helpers ---- */

/* 1 when the user may see team t's measure data under the collaborative's
 * sharing setting; 0 when not; negative on error. */
int imp__can_see_data(struct web_ctx *ctx, const struct imp__collab *k, const struct imp__team *t);

/* ---- handlers ---- */

int imp__index_page(struct web_ctx *ctx);
int imp__collab_page(struct web_ctx *ctx);
int imp__matrix_page(struct web_ctx *ctx);
int imp__view_page(struct web_ctx *ctx);
int imp__team_page(struct web_ctx *ctx);
int imp__data_form(struct web_ctx *ctx);
int imp__data_post(struct web_ctx *ctx);
int imp__upload_post(struct web_ctx *ctx);
int imp__pdsa_form(struct web_ctx *ctx);
int imp__pdsa_post(struct web_ctx *ctx);
int imp__pdsa_edit_form(struct web_ctx *ctx);
int imp__pdsa_edit_post(struct web_ctx *ctx);
int imp__report_form(struct web_ctx *ctx);
int imp__report_team_post(struct web_ctx *ctx);
int imp__report_coach_post(struct web_ctx *ctx);
int imp__phase_post(struct web_ctx *ctx);
int imp__chart_file(struct web_ctx *ctx);
int imp__export_file(struct web_ctx *ctx);
int imp__pack_file(struct web_ctx *ctx);
int imp__settings_form(struct web_ctx *ctx);
int imp__settings_post(struct web_ctx *ctx);
int imp__session_post(struct web_ctx *ctx);
int imp__team_post(struct web_ctx *ctx);
int imp__measure_post(struct web_ctx *ctx);
int imp__team_measure_post(struct web_ctx *ctx);
int imp__drivers_post(struct web_ctx *ctx);
int imp__exclusion_post(struct web_ctx *ctx);
int imp__person_post(struct web_ctx *ctx);

int imp__api_collabs(struct web_ctx *ctx);
int imp__api_collab(struct web_ctx *ctx);
int imp__api_matrix(struct web_ctx *ctx);
int imp__api_view(struct web_ctx *ctx);
int imp__api_team(struct web_ctx *ctx);
int imp__api_data_post(struct web_ctx *ctx);
int imp__api_pdsa_post(struct web_ctx *ctx);
int imp__api_pdsa_get(struct web_ctx *ctx);
int imp__api_pdsa_patch(struct web_ctx *ctx);
int imp__api_upload_post(struct web_ctx *ctx);
int imp__api_report_put(struct web_ctx *ctx);
int imp__api_phase_post(struct web_ctx *ctx);

/* ---- shared by pages and API (imp_views_web.c) ---- */

/* The collaborative's overview: the collaborative, its learning sessions
 * with the action periods between them, teams and shared measures. */
int imp__collab_overview(struct web_ctx *ctx, int64_t collab_id, json_t **out, struct co_err *e);
/* A collaborative view by name: "scores", "ideas", "equity",
 * "completeness", "funnel" (measure: a shared measure's code or NULL).
 * CO_ENOTFOUND for an unknown view. */
int imp__view_json(struct web_ctx *ctx, int64_t collab_id, const char *view, const char *measure,
                   json_t **out, struct co_err *e);
/* A team's page data: team, collaborative, projects with driver trees,
 * measures with charts (svg != 0: with SVG), PDSA cycles, reports. */
int imp__team_page_json(struct web_ctx *ctx, int64_t team_id, int svg, json_t **out,
                        struct co_err *e);
/* Reads and validates a CSV upload (len bytes of data; NULL or empty is an
 * error) for team t against its collaborative's catalogue (imp_pages.c):
 * the page, the API and `collective improve import` share imp_data's
 * rules. 0 with the points, CO_EINPUT with every error in errs. */
int imp__upload_check(struct web_ctx *ctx, const struct imp__team *t, const char *data, size_t len,
                      struct imp_point **pts, int *n, struct imp_errs *errs, struct co_err *e);
/* Stores a team's month from validated points in one transaction. */
int imp__store(struct web_ctx *ctx, const struct imp_point *pts, int n, struct co_err *e);
/* The funnel chart as SVG. */
int imp__funnel_svg(struct web_ctx *ctx, json_t *funnel, const char *title, char **out);

extern const struct web_scope imp__scopes[];
extern const size_t imp__nscopes;

#endif
