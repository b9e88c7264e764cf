/*
 * libFuzzer harness of conf_load: the input is written to a temporary
 * file and read as a configuration. Checked: a rejected file gets a
 * message that starts with the file's name. An accepted one has no NUL
 * byte, because the text after one would be ignored unseen. It has a
 * database, at least one route, every route pattern in normal form and
 * every value in range, and route matching on it works.
 */
#include "config.h"

#include <unistd.h>

#include "conf.h"
#include "fuzz.h"
#include "log.h"
#include "path.h"

static char	fuzz_path[64];	/* the file, read through /proc */
static int	fuzz_fd = -1;

int	LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * The temporary file is removed at once and read through its descriptor,
 * so nothing is left behind however libFuzzer exits: an atexit handler
 * did not run at the end of a timed run.
 */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	name[] = "/tmp/dripline-fuzz-conf.XXXXXX";

	log_set_level(LOG_LEVEL_ERROR);
	if ((fuzz_fd = mkstemp(name)) == -1) {
		perror("fuzz_conf: mkstemp");
		exit(1);
	}
	unlink(name);
	snprintf(fuzz_path, sizeof(fuzz_path), "/proc/self/fd/%d", fuzz_fd);
	return 0;
}

static void
check_conf(const struct conf *conf)
{
	const struct conf_route	*route;
	char			 normal[PATH_MAX_LEN + 4];
	const char		*reason;
	size_t			 i;

	FUZZ_CHECK(conf->database != NULL && conf->database[0] != '\0');
	FUZZ_CHECK(conf->nroutes >= 1);
	FUZZ_CHECK(conf->lock_timeout_ms >= 1);
	FUZZ_CHECK(conf->threads >= 1 && conf->threads <= 256);
	FUZZ_CHECK(conf->default_daily_limit >= 0 &&
	    conf->default_daily_limit <= CONF_LIMIT_MAX);
	FUZZ_CHECK(strlen(conf->key_prefix) <= CONF_KEY_PREFIX_MAX);
	for (i = 0; i < conf->nroutes; i++) {
		route = &conf->routes[i];
		FUZZ_CHECK(route->methods != 0);
		FUZZ_CHECK(route->cost >= 0 && route->cost <= CONF_COST_MAX);
		FUZZ_CHECK(route->pattern_len == strlen(route->pattern));
		FUZZ_CHECK(path_normalize(route->pattern, normal,
		    sizeof(normal), &reason) == 0);
		FUZZ_CHECK(strcmp(normal, route->pattern) == 0);
		FUZZ_CHECK(conf_route_match(conf, "GET", route->pattern) !=
		    NULL || route->methods != CONF_METHOD_ANY);
	}
	(void)conf_route_match(conf, "POST", "/v1/chat/completions");
	(void)conf_route_match(conf, "BREW", "/");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf	*conf;
	char		 err[512];

	if (ftruncate(fuzz_fd, 0) == -1 ||
	    pwrite(fuzz_fd, data, size, 0) != (ssize_t)size) {
		perror("fuzz_conf: writing the input");
		exit(1);
	}

	err[0] = '\0';
	conf = conf_load(fuzz_path, err, sizeof(err));
	if (conf == NULL) {
		FUZZ_CHECK(strncmp(err, fuzz_path, strlen(fuzz_path)) == 0);
		return 0;
	}
	FUZZ_CHECK(memchr(data, '\0', size) == NULL);
	check_conf(conf);
	conf_free(conf);
	return 0;
}
