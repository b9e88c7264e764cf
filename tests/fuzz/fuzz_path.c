/*
 * libFuzzer harness of path_normalize and conf_route_match. Input: the
 * request method, a newline, and the request target. Checked for every
 * accepted target: the normal form starts with "/" and has no empty, "."
 * or ".." segment. It has no query, fragment, backslash, blank, control
 * or non-ASCII byte. Normalizing it again changes nothing, so the path a
 * route matched is the path the web server forwards. The routes are the
 * example configuration's, plus a wildcard and a catch-all.
 */
#include "config.h"

#include <unistd.h>

#include "conf.h"
#include "fuzz.h"
#include "log.h"
#include "path.h"

static struct conf	*fuzz_conf;

static const char fuzz_routes[] =
    "database /nonexistent/fuzz.db\n"
    "route POST /v1/chat/completions 1\n"
    "route POST /v1/completions 1\n"
    "route POST /v1/embeddings 1\n"
    "route POST /v1/images/generations 5\n"
    "route GET,HEAD /v1/models 0\n"
    "route GET,HEAD /v1/models/* 0\n"
    "route PUT,PATCH,DELETE,OPTIONS /v1/files/* 2\n"
    "route * /v2* 3\n";

int	LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	path[] = "/tmp/dripline-fuzz-path.XXXXXX";
	char	err[512];
	int	fd;

	log_set_level(LOG_LEVEL_ERROR);
	if ((fd = mkstemp(path)) == -1 ||
	    write(fd, fuzz_routes, sizeof(fuzz_routes) - 1) !=
	    (ssize_t)(sizeof(fuzz_routes) - 1)) {
		perror("fuzz_path: temporary configuration");
		exit(1);
	}
	close(fd);
	fuzz_conf = conf_load(path, err, sizeof(err));
	unlink(path);
	if (fuzz_conf == NULL) {
		fprintf(stderr, "fuzz_path: %s\n", err);
		exit(1);
	}
	return 0;
}

static void
check_normal_form(const char *path)
{
	const char	*p, *seg;
	size_t		 seglen;

	FUZZ_CHECK(path[0] == '/');
	for (p = path; *p != '\0'; p++) {
		FUZZ_CHECK((unsigned char)*p > 0x20 &&
		    (unsigned char)*p < 0x7f);
		FUZZ_CHECK(strchr("?#\\", *p) == NULL);
	}
	for (seg = path + 1; *seg != '\0'; seg += seglen + 1) {
		seglen = strcspn(seg, "/");
		if (seg[seglen] == '\0' && seglen == 0)
			break;		/* the trailing slash */
		FUZZ_CHECK(seglen != 0);
		FUZZ_CHECK(!(seglen == 1 && seg[0] == '.'));
		FUZZ_CHECK(!(seglen == 2 && seg[0] == '.' && seg[1] == '.'));
		if (seg[seglen] == '\0')
			break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct conf_route	*route, *again_route;
	const char		*reason = NULL;
	char			*method, *target;
	char			 normal[PATH_MAX_LEN + 4];
	char			 again[PATH_MAX_LEN + 4];

	method = fuzz_field(&data, &size, 0, NULL);
	target = fuzz_field(&data, &size, 1, NULL);
	if (method == NULL || target == NULL)
		goto out;

	if (path_normalize(target, normal, sizeof(normal), &reason) == -1) {
		FUZZ_CHECK(reason != NULL);
		goto out;
	}
	FUZZ_CHECK(strlen(normal) < sizeof(normal));
	check_normal_form(normal);

	FUZZ_CHECK(path_normalize(normal, again, sizeof(again),
	    &reason) == 0);
	FUZZ_CHECK(strcmp(normal, again) == 0);

	route = conf_route_match(fuzz_conf, method, normal);
	again_route = conf_route_match(fuzz_conf, method, again);
	FUZZ_CHECK(route == again_route);
	if (route != NULL) {
		FUZZ_CHECK(route->cost >= 0);
		FUZZ_CHECK(strncmp(normal, route->pattern,
		    route->pattern_len) == 0);
	}
out:
	free(method);
	free(target);
	return 0;
}
