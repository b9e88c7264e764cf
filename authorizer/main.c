/*
 * dripline-authorizer: the FastCGI authorizer that enforces per-user
 * daily quotas. It runs spawned by lighttpd (listening socket on fd 0),
 * under systemd socket activation, or standalone on a socket given with
 * -s. Worker threads accept requests and hand every decision to the quota
 * engine's single writer thread, so one process never competes with
 * itself for SQLite's write lock.
 */
#include "config.h"

#include <inttypes.h>
#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <fcgiapp.h>

#include "authz.h"
#include "conf.h"
#include "crypto.h"
#include "daemon.h"
#include "fcgi_server.h"
#include "log.h"
#include "quota.h"
#include "reply.h"
#include "tally.h"

#define AUTHORIZER_TRIM_THRESHOLD	(4 * 1024 * 1024)	/* bytes */

struct authorizer {
	const struct conf	*conf;
	uint32_t		 id_base;	/* random, per process */
	atomic_uint		 id_next;
};

/*
 * Copy a client-supplied string for the log: at most 200 bytes, with
 * anything outside printable ASCII replaced by '?'.
 */
static const char *
authorizer_printable(const char *s, char *buf, size_t buflen)
{
	size_t	i;

	if (s == NULL || *s == '\0')
		return "-";
	for (i = 0; s[i] != '\0' && i < buflen - 1 && i < 200; i++)
		buf[i] = (unsigned char)s[i] < 0x20 ||
		    (unsigned char)s[i] >= 0x7f ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

static void
authorizer_log(const struct authz_decision *d, const char *request_id,
    const char *method, const char *uri)
{
	const char	*user = d->have_principal ? d->principal.user_id : "-";
	int		 status = authz_status(d->outcome);
	char		 raw[256];

	switch (d->outcome) {
	case AUTHZ_ALLOW:
		log_debug("request %s: %s %s user %s cost %" PRId64
		    ", %" PRId64 " of %" PRId64 " used: allowed (%s)",
		    request_id, method, d->path, user, d->cost, d->used,
		    d->principal.daily_limit, d->reason);
		break;
	case AUTHZ_UNAVAILABLE:
		log_warnx("request %s: %s %s: %s, denied %d "
		    "enforcement_unavailable (at %s:%d)", request_id, method,
		    d->path[0] != '\0' ? d->path : "-",
		    d->re.db_message[0] != '\0' ? d->re.db_message : d->reason,
		    status, d->re.func != NULL ? d->re.func : "authz_decide",
		    d->re.line);
		break;
	case AUTHZ_BAD_PATH:
		log_info("request %s: %s %s: %s, denied %d", request_id,
		    method, authorizer_printable(uri, raw, sizeof(raw)),
		    d->reason, status);
		break;
	default:
		log_info("request %s: %s %s user %s cost %" PRId64
		    ": %s, denied %d", request_id, method,
		    d->path[0] != '\0' ? d->path : "-", user, d->cost,
		    d->reason, status);
		break;
	}
}

/*
 * Return the value of a FastCGI parameter that must appear at most once,
 * and set OUT: repeated if it appears more often. nginx 1.22 sends a
 * repeated request header as several parameters of the same name, where
 * FCGX_GetParam would silently pick the first.
 */
static const char *
authorizer_param_once(FCGX_ParamArray envp, const char *name, int *repeated)
{
	const char	*value = NULL;
	size_t		 len = strlen(name);

	for (; *envp != NULL; envp++) {
		if (strncmp(*envp, name, len) != 0 || (*envp)[len] != '=')
			continue;
		if (value != NULL)
			*repeated = 1;
		else
			value = *envp + len + 1;
	}
	return value;
}

/*
 * Count a refusal that usage_daily does not count (it counts allowed and
 * quota-denied requests). Runs after the reply is written, so counting
 * never delays or changes a decision.
 */
static void
authorizer_count(const struct authz_decision *d, const char *remote_addr)
{
	switch (d->outcome) {
	case AUTHZ_UNAUTHORIZED:
		tally_add(d->window.day, TALLY_UNAUTHORIZED, remote_addr);
		break;
	case AUTHZ_BAD_PATH:
		tally_add(d->window.day, TALLY_INVALID_PATH, NULL);
		break;
	case AUTHZ_NO_ROUTE:
		tally_add(d->window.day, TALLY_ROUTE_NOT_FOUND, NULL);
		break;
	case AUTHZ_UNAVAILABLE:
		tally_add(d->window.day, TALLY_UNAVAILABLE, NULL);
		break;
	case AUTHZ_ALLOW:
	case AUTHZ_QUOTA_EXCEEDED:
		break;
	}
}

static void
authorizer_handle(FCGX_Request *request, void *arg)
{
	struct authorizer	*az = arg;
	struct authz_request	 req;
	struct authz_decision	 d;
	enum reply_role		 role = REPLY_RESPONDER;
	const char		*fcgi_role;
	char			 request_id[20];
	char			 out[REPLY_MAX];
	size_t			 len;

	snprintf(request_id, sizeof(request_id), "%08" PRIx32 "%08x",
	    az->id_base, atomic_fetch_add(&az->id_next, 1));
	fcgi_role = FCGX_GetParam("FCGI_ROLE", request->envp);
	if (fcgi_role != NULL && strcmp(fcgi_role, "AUTHORIZER") == 0)
		role = REPLY_AUTHORIZER;

	/* The request body is never read: lighttpd does not send it. */
	memset(&req, 0, sizeof(req));
	req.method = FCGX_GetParam("REQUEST_METHOD", request->envp);
	req.uri = FCGX_GetParam("REQUEST_URI", request->envp);
	req.authorization = authorizer_param_once(request->envp,
	    "HTTP_AUTHORIZATION", &req.repeated_key_header);
	req.x_api_key = authorizer_param_once(request->envp, "HTTP_X_API_KEY",
	    &req.repeated_key_header);
	req.now_ms = utcday_now_ms();

	authz_decide(az->conf, &req, &d);

	len = reply_format(role, &d, req.method, request_id, out,
	    sizeof(out));
	if (FCGX_PutStr(out, (int)len, request->out) != (int)len)
		log_warnx("request %s: the web server closed the connection "
		    "before the reply was written", request_id);
	authorizer_log(&d, request_id, req.method != NULL ? req.method : "-",
	    req.uri);
	authorizer_count(&d, FCGX_GetParam("REMOTE_ADDR", request->envp));
}

int
main(int argc, char *argv[])
{
	struct authorizer	 az;
	struct fcgi_server	 server;
	struct daemon		 d;
	const struct conf	*conf;

	daemon_start(&d, "dripline-authorizer", argc, argv);
	conf = d.conf;

#if defined(HAVE_MALLOPT) && defined(M_TRIM_THRESHOLD)
	/*
	 * SQLite allocates and frees a statement journal for each charge.
	 * After each free, glibc gave the top of the writer thread's arena
	 * back to the kernel with madvise, which flushes the TLB of every
	 * CPU: a fifth of the authorizer's time under load in perf samples.
	 * Keep up to 4 MiB of freed memory instead.
	 */
	mallopt(M_TRIM_THRESHOLD, AUTHORIZER_TRIM_THRESHOLD);
#endif

	memset(&az, 0, sizeof(az));
	az.conf = conf;
	if (crypto_random(&az.id_base, sizeof(az.id_base)) == -1)
		fatalx("no randomness available from the operating system");
	if (quota_start(conf) == -1)
		fatalx("cannot start the quota writer thread");

	memset(&server, 0, sizeof(server));
	server.listen_fd = d.listen_fd;
	server.nthreads = conf->threads;
	server.handle = authorizer_handle;
	server.arg = &az;
	log_info("started: %d threads, database %s, %zu routes, "
	    "durability %s", conf->threads, conf->database, conf->nroutes,
	    conf->durability == CONF_DURABILITY_FULL ? "full" : "normal");

	if (fcgi_server_run(&server) == -1)
		fatalx("cannot start worker threads");

	quota_stop();
	daemon_stop(&d);
	log_info("stopped");
	return 0;
}
