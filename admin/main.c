/*
 * dripline-admin: the FastCGI responder that serves the admin REST API
 * under /admin/v1/. It runs spawned by lighttpd (listening socket on fd
 * 0), under systemd socket activation, or standalone on a socket given
 * with -s. Each worker thread has its own database connection, opened on
 * its first request and closed when the thread ends; admin_dispatch does
 * everything else.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <fcgiapp.h>

#include "admin.h"
#include "conf.h"
#include "db.h"
#include "fcgi_server.h"
#include "listen.h"
#include "log.h"

/*
 * Worker threads. Admin calls are rare next to data-plane requests, and
 * each change takes SQLite's write lock, so more threads would mostly
 * wait on each other.
 */
#define ADMIN_THREADS	4

static pthread_key_t	admin_db_key;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: dripline-admin [-vV] [-c config] [-s socket] [-m mode] "
	    "[-g group]\n"
	    "  -c config  configuration file (default: $" CONF_ENV ", else "
	    "%s)\n"
	    "  -s socket  listen on unix:/path or HOST:PORT instead of the "
	    "socket\n"
	    "             a web server or systemd passes\n"
	    "  -m mode    permissions of a unix socket, octal (default "
	    "0660)\n"
	    "  -g group   group of a unix socket, e.g. the web server's "
	    "group\n"
	    "  -v         log at debug level\n"
	    "  -V         print the version and exit\n",
	    conf_choose_path(NULL));
	exit(2);
}

/* Thread-exit destructor of a worker's connection. */
static void
admin_db_close(void *db)
{
	db_close(db);
}

/*
 * Read the request body unless Content-Length exceeds ADMIN_BODY_MAX.
 * Returns the body (caller frees) or NULL when there is none.
 */
static char *
admin_read_body(FCGX_Request *request, struct admin_request *req)
{
	const char	*cl;
	char		*body, *end;
	long long	 len;
	int		 n;

	cl = FCGX_GetParam("CONTENT_LENGTH", request->envp);
	if (cl == NULL || cl[0] == '\0')
		return NULL;
	errno = 0;
	len = strtoll(cl, &end, 10);
	if (*end != '\0' || errno != 0 || len <= 0)
		return NULL;
	if (len > ADMIN_BODY_MAX) {
		req->body_too_large = 1;
		return NULL;
	}
	if ((body = malloc((size_t)len)) == NULL) {
		req->body_unread = 1;
		return NULL;
	}
	n = FCGX_GetStr(body, (int)len, request->in);
	req->body = body;
	req->body_len = n > 0 ? (size_t)n : 0;
	return body;
}

static void
admin_handle(FCGX_Request *request, void *arg)
{
	struct admin		*adm = arg;
	struct admin_request	 req;
	struct admin_response	 resp;
	struct db		*db;
	char			*body;

	memset(&req, 0, sizeof(req));
	req.method = FCGX_GetParam("REQUEST_METHOD", request->envp);
	req.uri = FCGX_GetParam("REQUEST_URI", request->envp);
	req.authorization = FCGX_GetParam("HTTP_AUTHORIZATION",
	    request->envp);
	req.remote_addr = FCGX_GetParam("REMOTE_ADDR", request->envp);
	body = admin_read_body(request, &req);

	db = pthread_getspecific(admin_db_key);
	admin_dispatch(adm, &db, &req, &resp);
	pthread_setspecific(admin_db_key, db);
	free(body);

	if (FCGX_FPrintF(request->out, "Status: %d\r\n"
	    "Content-Type: application/json\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Request-Id: %s\r\n"
	    "%s\r\n", resp.status, resp.request_id, resp.headers) < 0 ||
	    (resp.body != NULL && FCGX_PutStr(resp.body, (int)resp.body_len,
	    request->out) != (int)resp.body_len))
		log_warnx("request %s: the web server closed the connection "
		    "before the reply was written", resp.request_id);
	admin_response_free(&resp);
}

int
main(int argc, char *argv[])
{
	struct admin		 adm;
	struct fcgi_server	 server;
	struct conf		*conf;
	enum listen_origin	 origin;
	const char		*conf_path = NULL, *spec = NULL, *group = NULL;
	char			 err[512];
	long			 mode = 0660;
	int			 ch, debug = 0, fd;
	char			*end;

	while ((ch = getopt(argc, argv, "c:g:m:s:vV")) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'g':
			group = optarg;
			break;
		case 'm':
			mode = strtol(optarg, &end, 8);
			if (*end != '\0' || mode < 0 || mode > 0777) {
				fprintf(stderr, "dripline-admin: invalid mode "
				    "'%s': use octal, e.g. 0660\n", optarg);
				exit(2);
			}
			break;
		case 's':
			spec = optarg;
			break;
		case 'v':
			debug = 1;
			break;
		case 'V':
			printf("dripline-admin %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	log_init("dripline-admin", 0);
	conf_path = conf_choose_path(conf_path);
	if ((conf = conf_load(conf_path, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	log_set_level(debug ? LOG_LEVEL_DEBUG :
	    (enum log_level)conf->log_level);

	if ((fd = listen_open(spec, (mode_t)mode, &origin, err,
	    sizeof(err))) == -1)
		fatalx("%s", err);
	if (group != NULL && listen_set_group(group, err, sizeof(err)) == -1) {
		listen_cleanup();
		fatalx("%s", err);
	}
#ifdef __linux__
	/* Spawned by a web server: do not outlive it. */
	if (origin == LISTEN_INHERITED)
		prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif

	if (fcgi_server_init() == -1)
		fatal("cannot set up signals and libfcgi");
	if (pthread_key_create(&admin_db_key, admin_db_close) != 0)
		fatalx("cannot create the per-thread database slot");
	if (admin_init(&adm, conf) == -1)
		fatalx("no randomness available from the operating system");

	memset(&server, 0, sizeof(server));
	server.listen_fd = fd;
	server.nthreads = ADMIN_THREADS;
	server.handle = admin_handle;
	server.arg = &adm;
	log_info("started: %d threads, database %s", ADMIN_THREADS,
	    conf->database);

	if (fcgi_server_run(&server) == -1)
		fatalx("cannot start worker threads");

	if (origin == LISTEN_SPEC)
		listen_cleanup();
	conf_free(conf);
	log_info("stopped");
	return 0;
}
