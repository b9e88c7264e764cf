/*
 * Agreement of admin/openapi.json with the admin API's dispatch table.
 * Every route must be described with the same path, method, query
 * parameters and body fields, and every described operation must be a
 * route, so neither can change without the other. The usage reports'
 * bodies, built from a database with one user's decisions, outcomes and
 * refusals, must have exactly the members their schemas describe. Local
 * "$ref"s ("#/components/...") are followed; no other kind is used.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <json-c/json.h>

#include "admin.h"
#include "db.h"

#ifndef ADMIN_OPENAPI_FILE
#error "ADMIN_OPENAPI_FILE must name admin/openapi.json"
#endif

#define NAMES_MAX	16

static struct json_object	*spec;

static const char *const http_methods[] = { "get", "put", "post",
    "delete", "options", "head", "patch", "trace", NULL };

static void
setup(void)
{
	spec = json_object_from_file(ADMIN_OPENAPI_FILE);
	ck_assert_msg(spec != NULL, "cannot read %s: %s", ADMIN_OPENAPI_FILE,
	    json_util_get_last_err());
}

static void
teardown(void)
{
	json_object_put(spec);
	spec = NULL;
}

static struct json_object *
get(struct json_object *jo, const char *name)
{
	struct json_object	*v = NULL;

	if (jo == NULL || !json_object_object_get_ex(jo, name, &v))
		return NULL;
	return v;
}

/* Follow "$ref": "#/a/b" pointers until jo is not a reference. */
static struct json_object *
resolve(struct json_object *jo)
{
	struct json_object	*ref;
	char			 path[256], *part, *save;
	int			 hops;

	for (hops = 0; (ref = get(jo, "$ref")) != NULL; hops++) {
		ck_assert_int_lt(hops, 8);
		snprintf(path, sizeof(path), "%s", json_object_get_string(ref));
		ck_assert_msg(strncmp(path, "#/", 2) == 0, "only local $ref "
		    "is supported: %s", path);
		jo = spec;
		for (part = strtok_r(path + 2, "/", &save); part != NULL;
		    part = strtok_r(NULL, "/", &save))
			jo = get(jo, part);
		ck_assert_msg(jo != NULL, "dangling $ref %s",
		    json_object_get_string(ref));
	}
	return jo;
}

static void
method_lower(const char *method, char *out, size_t outlen)
{
	size_t	i;

	for (i = 0; method[i] != '\0' && i + 1 < outlen; i++)
		out[i] = (char)tolower((unsigned char)method[i]);
	out[i] = '\0';
}

/* Add the names of the parameters in list that are "in": where. */
static void
collect_params(struct json_object *list, const char *where,
    const char *names[], size_t *n)
{
	struct json_object	*p;
	size_t			 i;

	for (i = 0; list != NULL && i < json_object_array_length(list); i++) {
		p = resolve(json_object_array_get_idx(list, i));
		if (strcmp(json_object_get_string(get(p, "in")), where) != 0)
			continue;
		ck_assert_uint_lt(*n, NAMES_MAX);
		names[(*n)++] = json_object_get_string(get(p, "name"));
	}
}

static int
name_in(const char *name, const char *const names[], size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return 1;
	return 0;
}

static size_t
count_names(const char *const names[])
{
	size_t	n = 0;

	while (names[n] != NULL)
		n++;
	return n;
}

/* Check that the two name lists contain the same names. */
static void
assert_same_names(const char *what, const struct admin_route *r,
    const char *const table[], const char *const described[], size_t n)
{
	size_t	i, ntable = count_names(table);

	for (i = 0; i < ntable; i++)
		ck_assert_msg(name_in(table[i], described, n), "%s %s: %s '%s' "
		    "is served but not in openapi.json", r->method, r->pattern,
		    what, table[i]);
	for (i = 0; i < n; i++)
		ck_assert_msg(name_in(described[i], table, ntable), "%s %s: %s "
		    "'%s' is in openapi.json but not served", r->method,
		    r->pattern, what, described[i]);
}

static struct json_object *
operation_of(const struct admin_route *r, struct json_object **item)
{
	struct json_object	*op;
	char			 m[16];

	*item = get(get(spec, "paths"), r->pattern);
	ck_assert_msg(*item != NULL, "route %s %s: path not in openapi.json",
	    r->method, r->pattern);
	method_lower(r->method, m, sizeof(m));
	op = get(*item, m);
	ck_assert_msg(op != NULL, "route %s %s: method not in openapi.json",
	    r->method, r->pattern);
	return op;
}

START_TEST(test_openapi_describes_every_route)
{
	const struct admin_route	*routes;
	struct json_object		*item;
	size_t				 nroutes;

	routes = admin_routes(&nroutes);
	ck_assert_uint_gt(nroutes, 0);
	ck_assert_ptr_nonnull(operation_of(&routes[_i], &item));
}
END_TEST

START_TEST(test_openapi_query_parameters_match)
{
	const struct admin_route	*routes, *r;
	struct json_object		*item, *op;
	const char			*names[NAMES_MAX];
	size_t				 nroutes, n = 0;

	routes = admin_routes(&nroutes);
	r = &routes[_i];
	op = operation_of(r, &item);
	collect_params(get(item, "parameters"), "query", names, &n);
	collect_params(get(op, "parameters"), "query", names, &n);
	assert_same_names("query parameter", r, r->params, names, n);
}
END_TEST

START_TEST(test_openapi_path_id_matches)
{
	const struct admin_route	*routes, *r;
	struct json_object		*item, *op;
	const char			*names[NAMES_MAX];
	const char *const		 with_id[] = { "id", NULL };
	const char *const		 without_id[] = { NULL };
	size_t				 nroutes, n = 0;

	routes = admin_routes(&nroutes);
	r = &routes[_i];
	op = operation_of(r, &item);
	collect_params(get(item, "parameters"), "path", names, &n);
	collect_params(get(op, "parameters"), "path", names, &n);
	assert_same_names("path parameter", r, strstr(r->pattern, "{id}") ?
	    with_id : without_id, names, n);
}
END_TEST

START_TEST(test_openapi_body_fields_match)
{
	const struct admin_route	*routes, *r;
	struct json_object		*item, *op, *body, *schema, *props;
	const char			*names[NAMES_MAX];
	size_t				 nroutes, n = 0;

	routes = admin_routes(&nroutes);
	r = &routes[_i];
	op = operation_of(r, &item);
	body = resolve(get(op, "requestBody"));

	/* Revokes accept an empty object, which openapi.json leaves out. */
	if (r->fields == NULL || r->fields[0] == NULL) {
		ck_assert_msg(body == NULL, "%s %s takes no body fields but "
		    "openapi.json describes a body", r->method, r->pattern);
		return;
	}
	ck_assert_msg(body != NULL, "%s %s: no requestBody in openapi.json",
	    r->method, r->pattern);
	schema = resolve(get(get(get(body, "content"), "application/json"),
	    "schema"));
	props = get(schema, "properties");
	ck_assert_msg(props != NULL, "%s %s: the body schema has no "
	    "properties", r->method, r->pattern);
	json_object_object_foreach(props, name, value) {
		(void)value;
		ck_assert_uint_lt(n, NAMES_MAX);
		names[n++] = name;
	}
	assert_same_names("body field", r, r->fields, names, n);
}
END_TEST

START_TEST(test_openapi_operations_declare_401)
{
	const struct admin_route	*routes;
	struct json_object		*item, *op;
	size_t				 nroutes;

	routes = admin_routes(&nroutes);
	op = operation_of(&routes[_i], &item);
	ck_assert_msg(get(get(op, "responses"), "401") != NULL, "%s %s: no "
	    "401 response in openapi.json", routes[_i].method,
	    routes[_i].pattern);
}
END_TEST

START_TEST(test_openapi_every_operation_is_routed)
{
	const struct admin_route	*routes;
	char				 m[16];
	size_t				 nroutes, i, j, nops = 0;
	int				 found;

	routes = admin_routes(&nroutes);
	json_object_object_foreach(get(spec, "paths"), path, item) {
		for (j = 0; http_methods[j] != NULL; j++) {
			if (get(item, http_methods[j]) == NULL)
				continue;
			nops++;
			found = 0;
			for (i = 0; i < nroutes && !found; i++) {
				method_lower(routes[i].method, m, sizeof(m));
				found = strcmp(routes[i].pattern, path) == 0 &&
				    strcmp(m, http_methods[j]) == 0;
			}
			ck_assert_msg(found, "openapi.json describes %s %s, "
			    "which the admin API does not serve",
			    http_methods[j], path);
		}
	}
	ck_assert_uint_eq(nops, nroutes);
}
END_TEST

/* Tell whether jo has a member name, JSON null included. */
static int
has_member(struct json_object *jo, const char *name)
{
	return json_object_object_get_ex(jo, name, NULL);
}

/*
 * Find the schema of member name in an object schema, looking into the
 * parts of an "allOf". Returns NULL if it is not described.
 */
static struct json_object *
member_schema(struct json_object *schema, const char *name)
{
	struct json_object	*all, *found;
	size_t			 i;

	schema = resolve(schema);
	if ((found = get(get(schema, "properties"), name)) != NULL)
		return found;
	all = get(schema, "allOf");
	for (i = 0; all != NULL && i < json_object_array_length(all); i++)
		if ((found = member_schema(json_object_array_get_idx(all, i),
		    name)) != NULL)
			return found;
	return NULL;
}

/* Check that every required member of schema (and its allOf) is in jo. */
static void
assert_required_served(struct json_object *jo, struct json_object *schema,
    const char *where)
{
	struct json_object	*required, *all;
	const char		*name;
	size_t			 i;

	schema = resolve(schema);
	required = get(schema, "required");
	for (i = 0; required != NULL && i < json_object_array_length(required);
	    i++) {
		name = json_object_get_string(json_object_array_get_idx(
		    required, i));
		ck_assert_msg(has_member(jo, name), "%s: required member '%s' "
		    "is not served", where, name);
	}
	all = get(schema, "allOf");
	for (i = 0; all != NULL && i < json_object_array_length(all); i++)
		assert_required_served(jo, json_object_array_get_idx(all, i),
		    where);
}

/*
 * Check that jo has exactly the members that schema describes, every
 * required one among them, recursing into objects and arrays. where
 * names the place for the failure message.
 */
static void
assert_matches_schema(struct json_object *jo, struct json_object *schema,
    const char *where)
{
	struct json_object	*items, *sub_schema;
	char			 sub[256];
	size_t			 i;

	schema = resolve(schema);
	if (json_object_is_type(jo, json_type_array)) {
		items = get(schema, "items");
		ck_assert_msg(items != NULL, "%s: an array without items", where);
		for (i = 0; i < json_object_array_length(jo); i++) {
			snprintf(sub, sizeof(sub), "%s[%zu]", where, i);
			assert_matches_schema(json_object_array_get_idx(jo, i),
			    items, sub);
		}
		return;
	}
	if (!json_object_is_type(jo, json_type_object))
		return;
	json_object_object_foreach(jo, name, value) {
		sub_schema = member_schema(schema, name);
		ck_assert_msg(sub_schema != NULL, "%s: member '%s' is served "
		    "but not in openapi.json", where, name);
		snprintf(sub, sizeof(sub), "%s.%s", where, name);
		assert_matches_schema(value, sub_schema, sub);
	}
	assert_required_served(jo, schema, where);
}

/* A database with one user who has a decision, an outcome and a 401. */
static struct db *
usage_db(struct db_user *user)
{
	struct db_outcomes	 o;
	struct db_system_day	 sys;
	struct reqerr		 re;
	struct db		*db;
	int64_t			 used;

	reqerr_clear(&re);
	db = db_open(":memory:", 0, 1000, DB_OPEN_MIGRATE, &re);
	ck_assert_msg(db != NULL, "db_open: %s", re.db_message);
	memset(&o, 0, sizeof(o));
	o.status_5xx = 1;
	histogram_add(&o.latency, 1500);
	memset(&sys, 0, sizeof(sys));
	sys.unauthorized = 1;
	ck_assert_int_eq(db_user_insert(db, "00000000-0000-4000-8000-"
	    "00000000000a", "alice", 5, "2026-03-10T12:00:00Z", &re), 0);
	ck_assert_int_eq(db_user_get(db, "00000000-0000-4000-8000-"
	    "00000000000a", user, &re), 1);
	ck_assert_int_eq(db_begin(db, &re), 0);
	ck_assert_int_eq(db_usage_charge(db, user->id, "2026-03-10", 1, 5,
	    &used, &re), 1);
	ck_assert_int_eq(db_outcomes_add(db, user->id, "2026-03-10", &o, &re),
	    1);
	ck_assert_int_eq(db_system_add(db, "2026-03-10", &sys, &re), 0);
	ck_assert_int_eq(db_source_add(db, "2026-03-10", "192.0.2.1", 1, 10,
	    &re), 1);
	ck_assert_int_eq(db_commit(db, &re), 0);
	return db;
}

START_TEST(test_openapi_usage_summary_members_match)
{
	struct db_user		 user;
	struct reqerr		 re;
	struct db		*db = usage_db(&user);
	struct json_object	*jo;

	reqerr_clear(&re);
	jo = admin_usage_summary_build(db, "2026-03-10", 10, &re);
	ck_assert_ptr_nonnull(jo);
	ck_assert_uint_eq(json_object_array_length(get(jo, "top_users")), 1);
	ck_assert_uint_eq(json_object_array_length(get(jo,
	    "top_users_by_errors")), 1);
	ck_assert_uint_eq(json_object_array_length(get(jo,
	    "unauthorized_sources")), 1);
	assert_matches_schema(jo, get(get(get(spec, "components"), "schemas"),
	    "UsageSummary"), "UsageSummary");
	json_object_put(jo);
	db_close(db);
}
END_TEST

START_TEST(test_openapi_usage_report_members_match)
{
	struct db_user		 user;
	struct reqerr		 re;
	struct db		*db = usage_db(&user);
	struct json_object	*jo;

	reqerr_clear(&re);
	jo = admin_usage_report_build(db, &user, "2026-03-09", "2026-03-10",
	    &re);
	ck_assert_ptr_nonnull(jo);
	assert_matches_schema(jo, get(get(get(spec, "components"), "schemas"),
	    "UsageReport"), "UsageReport");
	json_object_put(jo);
	db_close(db);
}
END_TEST

static Suite *
openapi_suite(void)
{
	Suite	*s = suite_create("openapi");
	TCase	*tc;
	size_t	 nroutes;

	admin_routes(&nroutes);
	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_openapi_describes_every_route, 0,
	    (int)nroutes);
	tcase_add_loop_test(tc, test_openapi_query_parameters_match, 0,
	    (int)nroutes);
	tcase_add_loop_test(tc, test_openapi_path_id_matches, 0, (int)nroutes);
	tcase_add_loop_test(tc, test_openapi_body_fields_match, 0,
	    (int)nroutes);
	tcase_add_loop_test(tc, test_openapi_operations_declare_401, 0,
	    (int)nroutes);
	tcase_add_test(tc, test_openapi_every_operation_is_routed);
	tcase_add_test(tc, test_openapi_usage_summary_members_match);
	tcase_add_test(tc, test_openapi_usage_report_members_match);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 nfailed;

	sr = srunner_create(openapi_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
