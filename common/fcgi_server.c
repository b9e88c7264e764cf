/*
 * The FastCGI thread pool. libfcgi installs its own SIGTERM handler, which
 * only sets a flag that threads blocked in accept never see. So we take
 * the signals first: SIGTERM, SIGINT and SIGHUP are blocked in every
 * thread and collected with sigwait in the calling thread. To stop, we
 * shut the listening socket down, which makes the accept of every worker
 * fail; SIGUSR2 (with FCGI_FAIL_ACCEPT_ON_INTR) wakes any that missed it.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "fcgi_server.h"
#include "log.h"

static volatile sig_atomic_t	fcgi_server_stopping;

static void
fcgi_server_wake(int sig)
{
	(void)sig;
}

int
fcgi_server_init(void)
{
	struct sigaction	sa;
	sigset_t		set;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1)
		return -1;

	/* No SA_RESTART: the signal must interrupt accept(2). */
	sa.sa_handler = fcgi_server_wake;
	if (sigaction(SIGUSR2, &sa, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		return -1;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;

	if (FCGX_Init() != 0)
		return -1;
	return 0;
}

static void *
fcgi_server_worker(void *arg)
{
	struct fcgi_server	*server = arg;
	FCGX_Request		 request;
	struct timespec		 pause = { 0, 100 * 1000 * 1000 };
	int			 rc;

	if (FCGX_InitRequest(&request, server->listen_fd,
	    FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_warnx("FCGX_InitRequest failed, worker thread not started");
		return NULL;
	}
	while (!fcgi_server_stopping) {
		rc = FCGX_Accept_r(&request);
		if (rc < 0) {
			if (fcgi_server_stopping)
				break;
			/* EMFILE and the like: wait and try again. */
			if (rc != -EINTR)
				log_warnx("accept on the FastCGI socket "
				    "failed: %s, retrying", strerror(-rc));
			nanosleep(&pause, NULL);
			continue;
		}
		server->handle(&request, server->arg);
		FCGX_Finish_r(&request);
	}
	FCGX_Free(&request, 0);
	return NULL;
}

int
fcgi_server_run(struct fcgi_server *server)
{
	pthread_t	*threads;
	sigset_t	 set;
	int		 i, n, sig = 0;

	if ((threads = calloc((size_t)server->nthreads,
	    sizeof(*threads))) == NULL)
		return -1;
	for (n = 0; n < server->nthreads; n++)
		if (pthread_create(&threads[n], NULL, fcgi_server_worker,
		    server) != 0)
			break;
	if (n == 0) {
		free(threads);
		return -1;
	}

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_info("SIGHUP ignored; restart the program to "
			    "read a changed configuration");
			continue;
		}
		break;
	}

	log_info("received %s, finishing requests in progress",
	    sig == SIGTERM ? "SIGTERM" : "SIGINT");
	fcgi_server_stopping = 1;
	shutdown(server->listen_fd, SHUT_RDWR);
	for (i = 0; i < n; i++)
		pthread_kill(threads[i], SIGUSR2);
	for (i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	return sig;
}
