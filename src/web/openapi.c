/*
 * openapi.c - the OpenAPI 3.1 document of the JSON API, generated from the
 * route table: every /api/v1 route becomes an operation, with its path
 * parameters (from the pattern), its security (from its need), the
 * module's description (summary, query parameters, request and response
 * schemas) and the problem responses every route can give. The route's
 * need is also written as the extension x-collective-need.
 *
 * A module's schemas (web_module.openapi_schemas) are merged into
 * components.schemas; descriptions refer to them as
 * {"$ref":"#/components/schemas/Name"}.
 */
#include "web/web_int.h"

#include <string.h>

#include "version.h"

static const char problem_schema[] =
        "{\"type\":\"object\",\"description\":\"RFC 9457 problem details\","
        "\"required\":[\"type\",\"title\",\"status\"],\"properties\":{"
        "\"type\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},"
        "\"status\":{\"type\":\"integer\"},\"detail\":{\"type\":\"string\"},"
        "\"instance\":{\"type\":\"string\"},\"errors\":{\"type\":\"array\",\"items\":{"
        "\"type\":\"object\",\"required\":[\"field\",\"message\"],\"properties\":{"
        "\"field\":{\"type\":\"string\"},\"message\":{\"type\":\"string\"}}}}}}";

static const char pagination_schema[] =
        "{\"type\":\"object\",\"required\":[\"page\",\"per_page\",\"total\",\"pages\"],"
        "\"properties\":{\"page\":{\"type\":\"integer\"},\"per_page\":{\"type\":\"integer\"},"
        "\"total\":{\"type\":\"integer\"},\"pages\":{\"type\":\"integer\"},"
        "\"next\":{\"type\":[\"string\",\"null\"]},\"prev\":{\"type\":[\"string\",\"null\"]}}}";

static json_t *parse(const char *text, const char *what, const struct web_route *r,
                     struct co_err *e)
{
	json_error_t je;
	json_t *v = json_loads(text, 0, &je);

	if (!v)
		co_errf(e, CO_EINPUT, "%s %s: %s is not JSON: %s (column %d)",
		        http_method_name(r->method), r->pattern, what, je.text, je.column);
	return v;
}

static const char *lower_method(enum http_method m)
{
	switch (m) {
	case HTTP_GET: return "get";
	case HTTP_POST: return "post";
	case HTTP_PUT: return "put";
	case HTTP_PATCH: return "patch";
	case HTTP_DELETE: return "delete";
	default: return "options";
	}
}

static json_t *problem_ref(const char *description)
{
	return json_pack("{s:s,s:{s:{s:{s:s}}}}", "description", description, "content",
	                 "application/problem+json", "schema", "$ref",
	                 "#/components/schemas/Problem");
}

static json_t *operation(const struct web_route *r, struct co_err *e)
{
	const struct web_api_doc *d = r->api;
	json_t *op, *params, *resp, *v, *need;
	const char *p, *q;
	char status[8];
	unsigned bit;

	op = json_pack("{s:s,s:s,s:[s]}", "operationId", r->name, "summary", d->summary, "tags",
	               d->tag ? d->tag : "API");
	params = json_array();
	for (p = strchr(r->pattern, '{'); p; p = strchr(q, '{')) {
		q = strchr(p, '}');
		if (!q)
			break;
		json_array_append_new(params, json_pack("{s:s%,s:s,s:b,s:{s:s}}", "name", p + 1,
		                                        (size_t)(q - p - 1), "in", "path",
		                                        "required", 1, "schema", "type", "string"));
	}
	if (d->query) {
		size_t i;
		json_t *item;

		v = parse(d->query, "query", r, e);
		if (!v || !json_is_array(v)) {
			json_decref(v);
			json_decref(params);
			json_decref(op);
			if (!e->code)
				co_errf(e, CO_EINPUT, "%s: query must be an array", r->pattern);
			return NULL;
		}
		json_array_foreach(v, i, item)
		{
			json_object_set_new(item, "in", json_string("query"));
		}
		json_array_extend(params, v);
		json_decref(v);
	}
	if (json_array_size(params))
		json_object_set_new(op, "parameters", params);
	else
		json_decref(params);
	if (d->request) {
		v = parse(d->request, "request", r, e);
		if (!v) {
			json_decref(op);
			return NULL;
		}
		json_object_set_new(op, "requestBody",
		                    json_pack("{s:b,s:{s:{s:o}}}", "required", 1, "content",
		                              "application/json", "schema", v));
	}
	resp = json_object();
	snprintf(status, sizeof(status), "%d", d->status ? d->status : 200);
	if (d->response) {
		v = parse(d->response, "response", r, e);
		if (!v) {
			json_decref(resp);
			json_decref(op);
			return NULL;
		}
		json_object_set_new(resp, status,
		                    json_pack("{s:s,s:{s:{s:o}}}", "description", "Success",
		                              "content", "application/json", "schema", v));
	} else {
		json_object_set_new(resp, status, json_pack("{s:s}", "description", "Success"));
	}
	if (d->request || d->query)
		json_object_set_new(resp, "400",
		                    problem_ref("The input is wrong; errors name the fields"));
	if (r->need.kind != WEB_PUBLIC) {
		json_object_set_new(resp, "401",
		                    problem_ref("Not signed in, or the token is not valid"));
		json_object_set_new(resp, "403", problem_ref("Signed in without the right"));
	}
	if (strchr(r->pattern, '{'))
		json_object_set_new(resp, "404", problem_ref("No such object"));
	if (r->method != HTTP_GET)
		json_object_set_new(resp, "409", problem_ref("It conflicts with what exists"));
	json_object_set_new(op, "responses", resp);
	if (r->need.kind == WEB_PUBLIC)
		json_object_set_new(op, "security", json_array());
	else
		json_object_set_new(op, "security",
		                    json_pack("[{s:[]},{s:[]}]", "bearer", "session"));
	need = json_pack("{s:s}", "kind",
	                 r->need.kind == WEB_PUBLIC      ? "public"
	                 : r->need.kind == WEB_LOGGED_IN ? "logged_in"
	                                                 : "role");
	if (r->need.kind == WEB_ROLE) {
		json_t *roles = json_array();

		for (bit = 1; bit; bit <<= 1)
			if ((r->need.roles & bit) && web_role_name(bit))
				json_array_append_new(roles, json_string(web_role_name(bit)));
		json_object_set_new(need, "roles", roles);
		if (r->need.scope)
			json_object_set_new(need, "scope", json_string(r->need.scope));
	}
	json_object_set_new(op, "x-collective-need", need);
	return op;
}

json_t *web__openapi_build(const struct web_app *app, struct co_err *e)
{
	json_t *doc, *paths, *schemas, *v;
	const struct web_module *const *m;
	json_error_t je;
	size_t i;

	co_err_clear(e);
	doc = json_pack(
	        "{s:s,s:{s:s,s:s,s:s},s:{s:{s:{s:s,s:s},s:{s:s,s:s,s:s}}}}", "openapi", "3.1.0",
	        "info", "title", "Collective API", "version", CO_VERSION, "description",
	        "The JSON API of Collective: the same operations as the pages. Errors are "
	        "RFC 9457 problem details (application/problem+json) whose errors array names "
	        "the fields. Authenticate with an API token (Authorization: Bearer) or a "
	        "session cookie; with a cookie, unsafe methods must send the CSRF token in "
	        "X-CSRF-Token. Lists are paginated with ?page= and ?per_page= (at most 100), "
	        "with a Link header and a pagination object whose next is the next page's URL.",
	        "components", "securitySchemes", "bearer", "type", "http", "scheme", "bearer",
	        "session", "type", "apiKey", "in", "cookie", "name", WEB__COOKIE_SESSION);
	schemas = json_object();
	json_object_set_new(schemas, "Problem", json_loads(problem_schema, 0, NULL));
	json_object_set_new(schemas, "Pagination", json_loads(pagination_schema, 0, NULL));
	for (m = app->modules; *m; m++) {
		if (!(*m)->openapi_schemas)
			continue;
		v = json_loads((*m)->openapi_schemas, 0, &je);
		if (!v || !json_is_object(v)) {
			co_errf(e, CO_EINPUT, "module %s: openapi_schemas is not a JSON object: %s",
			        (*m)->name, v ? "" : je.text);
			json_decref(v);
			json_decref(schemas);
			json_decref(doc);
			return NULL;
		}
		json_object_update(schemas, v);
		json_decref(v);
	}
	json_object_set_new(json_object_get(doc, "components"), "schemas", schemas);
	paths = json_object();
	for (i = 0; i < app->nroutes; i++) {
		const struct web_route *r = app->routes[i].data;
		json_t *item, *op;

		if (strncmp(r->pattern, "/api/v1/", 8) != 0)
			continue;
		op = operation(r, e);
		if (!op) {
			json_decref(paths);
			json_decref(doc);
			return NULL;
		}
		item = json_object_get(paths, r->pattern);
		if (!item) {
			item = json_object();
			json_object_set_new(paths, r->pattern, item);
		}
		json_object_set_new(item, lower_method(r->method), op);
	}
	json_object_set_new(doc, "paths", paths);
	return doc;
}
