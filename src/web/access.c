/*
 * access.c - the one place where access is decided.
 *
 * A route declares its need (web.h: public, logged in, or a role on a
 * scope named by a path parameter). web__access() turns the need and the
 * current user into one answer:
 *
 *   WEB__ALLOW       run the handler
 *   WEB__LOGIN       nobody is signed in: /login?next= for pages, 401 for
 *                    the API
 *   WEB__FORBIDDEN   signed in without the right: 403
 *   WEB__NOT_FOUND   the scope named by the path does not exist: 404
 *
 * The role check: a programme admin passes everything. Otherwise the user
 * passes when one of their memberships holds a role in the route's mask on
 * the scope itself or on any ancestor of it, walking the resolvers' parent
 * links breadth-first (at most WEB__MAX_SCOPES scopes visited, so that a
 * cycle in data cannot loop). A need with no scope passes when the user
 * holds one of the roles on any scope at all.
 *
 * Handlers ask the same questions for finer views (what to show on a page)
 * through web_can() and web_has_role(), never by reading memberships
 * themselves.
 */
#include "web/web_int.h"

#include <string.h>

#define WEB__MAX_SCOPES 64

static const struct {
	unsigned bit;
	const char *name;
} web_role_names[] = {
        {WEB_R_PROGRAMME_ADMIN, "programme_admin"},
        {WEB_R_ORG_LEAD, "org_lead"},
        {WEB_R_MEMBER, "member"},
        {WEB_R_TEAM_MEMBER, "team_member"},
        {WEB_R_COACH, "coach"},
        {WEB_R_HOST, "host"},
        {WEB_R_PARTICIPANT, "participant"},
        {WEB_R_PLANNER, "planner"},
        {WEB_R_VENUE, "venue"},
        {WEB_R_COLLAB_ADMIN, "collab_admin"},
        {WEB_R_FACULTY, "faculty"},
        {WEB_R_VIEWER, "viewer"},
};

#define N_ROLES (sizeof(web_role_names) / sizeof(web_role_names[0]))

const char *web_role_name(unsigned role)
{
	size_t i;

	for (i = 0; i < N_ROLES; i++)
		if (web_role_names[i].bit == role)
			return web_role_names[i].name;
	return NULL;
}

unsigned web_role_parse(const char *name)
{
	size_t i;

	if (!name)
		return 0;
	for (i = 0; i < N_ROLES; i++)
		if (strcmp(web_role_names[i].name, name) == 0)
			return web_role_names[i].bit;
	return 0;
}

int web_is_admin(const struct web_ctx *ctx)
{
	return web_has_role(ctx, WEB_R_PROGRAMME_ADMIN, WEB_SCOPE_GLOBAL, 0);
}

int web_has_role(const struct web_ctx *ctx, unsigned roles, const char *scope, int64_t id)
{
	size_t i;

	if (!ctx->user)
		return 0;
	for (i = 0; i < ctx->nroles; i++) {
		const struct web_membership *m = &ctx->roles[i];

		if (!(m->role & roles))
			continue;
		if (!scope || (strcmp(m->scope, scope) == 0 && m->scope_id == id))
			return 1;
	}
	return 0;
}

const struct web_scope *web__scope(const struct web_app *app, const char *type)
{
	size_t i;

	for (i = 0; i < app->nscopes; i++)
		if (strcmp(app->scopes[i]->type, type) == 0)
			return app->scopes[i];
	return NULL;
}

int web_can(struct web_ctx *ctx, unsigned roles, const char *scope, int64_t id)
{
	struct web_scope_ref queue[WEB__MAX_SCOPES];
	int head = 0, tail = 0;
	struct co_err e;

	if (!ctx->user)
		return 0;
	if (web_is_admin(ctx))
		return 1;
	if (!scope)
		return web_has_role(ctx, roles, NULL, 0);
	queue[tail++] = (struct web_scope_ref){scope, id};
	while (head < tail) {
		struct web_scope_ref cur = queue[head++];
		const struct web_scope *s;
		struct web_scope_ref parents[WEB_MAX_PARENTS];
		int n = 0, i, rc;

		if (web_has_role(ctx, roles, cur.scope, cur.id))
			return 1;
		s = web__scope(ctx->app, cur.scope);
		if (!s || !s->parents)
			continue;
		rc = s->parents(ctx, cur.id, parents, WEB_MAX_PARENTS, &n, &e);
		if (rc == CO_ENOTFOUND)
			continue;
		if (rc < 0)
			return rc;
		for (i = 0; i < n && tail < WEB__MAX_SCOPES; i++)
			queue[tail++] = parents[i];
	}
	return 0;
}

enum web__verdict web__access(struct web_ctx *ctx, const struct web_need *need, int *err)
{
	const struct web_scope *s;
	const char *text;
	int64_t id;
	struct co_err e;
	int rc;

	*err = 0;
	switch (need->kind) {
	case WEB_PUBLIC: return WEB__ALLOW;
	case WEB_LOGGED_IN: return ctx->user ? WEB__ALLOW : WEB__LOGIN;
	case WEB_ROLE: break;
	}
	if (!need->scope) {
		if (!ctx->user)
			return WEB__LOGIN;
		return web_can(ctx, need->roles, NULL, 0) ? WEB__ALLOW : WEB__FORBIDDEN;
	}
	/* A scope that does not exist is 404 for everyone, signed in or not:
	 * the answer does not depend on who asks, so it reveals nothing. */
	s = web__scope(ctx->app, need->scope);
	text = need->param ? http_param(ctx->req, need->param) : NULL;
	if (!s || !text) {
		*err = CO_EINTERNAL;
		return WEB__ERROR;
	}
	rc = s->find(ctx, text, &id, &e);
	if (rc == CO_ENOTFOUND)
		return WEB__NOT_FOUND;
	if (rc < 0) {
		*err = rc;
		return WEB__ERROR;
	}
	ctx->scope_id = id;
	if (!ctx->user)
		return WEB__LOGIN;
	rc = web_can(ctx, need->roles, need->scope, id);
	if (rc < 0) {
		*err = rc;
		return WEB__ERROR;
	}
	return rc ? WEB__ALLOW : WEB__FORBIDDEN;
}
