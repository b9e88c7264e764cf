/*
 * ceiling-authorizer: a FastCGI authorizer for the benchmark that allows
 * every request without looking at the key or touching a database. It
 * shares dripline-authorizer's socket handling and thread pool, so the
 * gap between the two is the cost of the decision itself: path checks,
 * SHA-256 and the SQLite check-and-increment.
 *
 * The output has the shape of dripline-authorizer's 200 (authorizer/
 * reply.c) in both roles, so the shipped lighttpd and nginx configurations
 * forward the request as they would for a real user. Never deploy it: it
 * lets every client through.
 */
#include "config.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <signal.h>

#include <fcgiapp.h>

#include "conf.h"
#include "fcgi_server.h"
#include "listen.h"
#include "log.h"
#include "utcday.h"

#define CEILING_USER_ID		"00000000-0000-4000-8000-000000000000"
#define CEILING_EXTERNAL_ID	"bench-ceiling"
#define CEILING_LIMIT		1000000000000LL	/* units per day */
#define CEILING_PATH_MAX	2048

static atomic_uint	ceiling_next_id;

static const char ceiling_unavailable[] =
    "Status: 503\r\n"
    "Content-Type: application/json\r\n"
    "\r\n"
    "{\"error\":{\"message\":\"ceiling-authorizer cannot forward this "
    "path.\",\"type\":\"server_error\",\"code\":"
    "\"enforcement_unavailable\"}}";

static void
usage(void)
{
	fprintf(stderr,
	    "usage: ceiling-authorizer [-c config] [-s socket] [-m mode] "
	    "[-g group]\n"
	    "  -c config  dripline.conf to take the thread count from "
	    "(default: $" CONF_ENV ")\n"
	    "  -s socket  listen on unix:/path or HOST:PORT instead of the "
	    "socket\n"
	    "             a web server passes on fd 0\n"
	    "  -m mode    permissions of a unix socket, octal (default "
	    "0660)\n"
	    "  -g group   group of a unix socket\n");
	exit(2);
}

/*
 * Copy the path of uri (the part before any query) into OUT: path.
 * Returns 0, or -1 if it is empty, too long or contains bytes that cannot
 * go into a header line.
 */
static int
ceiling_path(const char *uri, char *path, size_t pathlen)
{
	size_t	i;

	if (uri == NULL || uri[0] != '/')
		return -1;
	for (i = 0; uri[i] != '\0' && uri[i] != '?'; i++) {
		if (i + 1 >= pathlen)
			return -1;
		if ((unsigned char)uri[i] <= 0x20 || uri[i] == 0x7f)
			return -1;
		path[i] = uri[i];
	}
	path[i] = '\0';
	return 0;
}

static void
ceiling_handle(FCGX_Request *request, void *arg)
{
	struct utc_window	 window;
	const char		*role;
	char			 path[CEILING_PATH_MAX];
	char			 out[4096];
	unsigned int		 id;
	int			 n;

	(void)arg;
	if (ceiling_path(FCGX_GetParam("REQUEST_URI", request->envp), path,
	    sizeof(path)) == -1) {
		FCGX_PutS(ceiling_unavailable, request->out);
		return;
	}
	utcday_window(utcday_now_ms(), &window);

	id = atomic_fetch_add(&ceiling_next_id, 1);
	role = FCGX_GetParam("FCGI_ROLE", request->envp);
	if (role != NULL && strcmp(role, "AUTHORIZER") == 0)
		n = snprintf(out, sizeof(out),
		    "Status: 200\r\n"
		    "Variable-DRIPLINE_USER: %s\r\n"
		    "Variable-DRIPLINE_EXTERNAL_ID: %s\r\n"
		    "Variable-DRIPLINE_REQUEST_ID: %016x\r\n"
		    "Variable-DRIPLINE_DAY: %s\r\n"
		    "Variable-DRIPLINE_PATH: %s\r\n"
		    "Variable-DRIPLINE_RATELIMIT_LIMIT: %lld\r\n"
		    "Variable-DRIPLINE_RATELIMIT_REMAINING: %lld\r\n"
		    "Variable-DRIPLINE_RATELIMIT_RESET: %" PRId64 "\r\n"
		    "\r\n", CEILING_USER_ID, CEILING_EXTERNAL_ID, id,
		    window.day, path, CEILING_LIMIT, CEILING_LIMIT - 1,
		    window.reset);
	else
		n = snprintf(out, sizeof(out),
		    "Status: 200\r\n"
		    "X-Dripline-User: %s\r\n"
		    "X-Dripline-External-Id: %s\r\n"
		    "X-Dripline-Request-Id: %016x\r\n"
		    "X-Dripline-Day: %s\r\n"
		    "X-Dripline-Path: %s\r\n"
		    "X-RateLimit-Limit: %lld\r\n"
		    "X-RateLimit-Remaining: %lld\r\n"
		    "X-RateLimit-Reset: %" PRId64 "\r\n"
		    "\r\n", CEILING_USER_ID, CEILING_EXTERNAL_ID, id,
		    window.day, path, CEILING_LIMIT, CEILING_LIMIT - 1,
		    window.reset);
	if (n < 0 || (size_t)n >= sizeof(out)) {
		FCGX_PutS(ceiling_unavailable, request->out);
		return;
	}
	FCGX_PutStr(out, n, request->out);
}

int
main(int argc, char *argv[])
{
	struct fcgi_server	 server;
	struct conf		*conf;
	enum listen_origin	 origin;
	const char		*conf_path = NULL, *spec = NULL, *group = NULL;
	char			 err[512];
	long			 mode = 0660;
	int			 ch, fd;
	char			*end;

	while ((ch = getopt(argc, argv, "c:g:m:s:")) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'g':
			group = optarg;
			break;
		case 'm':
			mode = strtol(optarg, &end, 8);
			if (*end != '\0' || mode < 0 || mode > 0777)
				usage();
			break;
		case 's':
			spec = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	log_init("ceiling-authorizer", 0);
	conf_path = conf_choose_path(conf_path);
	if ((conf = conf_load(conf_path, err, sizeof(err))) == NULL)
		fatalx("%s", err);

	if ((fd = listen_open(spec, (mode_t)mode, &origin, err,
	    sizeof(err))) == -1)
		fatalx("%s", err);
	if (group != NULL && listen_set_group(group, err, sizeof(err)) == -1) {
		listen_cleanup();
		fatalx("%s", err);
	}
#ifdef __linux__
	if (origin == LISTEN_INHERITED)
		prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
	if (fcgi_server_init() == -1)
		fatal("cannot set up signals and libfcgi");

	memset(&server, 0, sizeof(server));
	server.listen_fd = fd;
	server.nthreads = conf->threads;
	server.handle = ceiling_handle;
	log_info("started: %d threads, allowing every request",
	    conf->threads);
	if (fcgi_server_run(&server) == -1)
		fatalx("cannot start worker threads");

	if (origin == LISTEN_SPEC)
		listen_cleanup();
	conf_free(conf);
	log_info("stopped");
	return 0;
}
