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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

#include "admin.h"
#include "conf.h"
#include "daemon.h"
#include "db.h"
#include "fcgi_server.h"
#include "log.h"

/*
 * Worker threads. Admin calls are rare next to data-plane requests, and
 * each change takes SQLite's write lock, so more threads would mostly
 * wait on each other.
 */
#define ADMIN_THREADS	4

static pthread_key_t	admin_db_key;

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
	struct daemon		 d;

	daemon_start(&d, "dripline-admin", argc, argv);

	if (pthread_key_create(&admin_db_key, admin_db_close) != 0)
		fatalx("cannot create the per-thread database slot");
	if (admin_init(&adm, d.conf) == -1)
		fatalx("no randomness available from the operating system");

	memset(&server, 0, sizeof(server));
	server.listen_fd = d.listen_fd;
	server.nthreads = ADMIN_THREADS;
	server.handle = admin_handle;
	server.arg = &adm;
	log_info("started: %d threads, database %s", ADMIN_THREADS,
	    d.conf->database);

	if (fcgi_server_run(&server) == -1)
		fatalx("cannot start worker threads");

	daemon_stop(&d);
	log_info("stopped");
	return 0;
}
