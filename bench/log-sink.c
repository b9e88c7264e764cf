/*
 * log-sink: what the ceiling setups of bench/run.sh give nginx in place
 * of dripline-collector. It reads the access log's syslog datagrams on a
 * unix socket as the collector does, and discards them. So nginx pays for
 * the same log transport in the ceiling as with Dripline, and only the
 * analytics are left out.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listen.h"

#define LOG_SINK_RCVBUF		(1024 * 1024)	/* as dripline-collector's */
#define LOG_SINK_READS_PER_WAKE	1024		/* as dripline-collector's */

static volatile sig_atomic_t	log_sink_stop;

static void
log_sink_on_signal(int sig)
{
	(void)sig;
	log_sink_stop = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: log-sink -s unix:/path [-m mode] [-g group]\n"
	    "  -s socket  the unix datagram socket to read\n"
	    "  -m mode    its permissions, octal (default 0660)\n"
	    "  -g group   its group, e.g. the web server's\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct sigaction	 sa;
	struct pollfd		 pfd;
	const char		*spec = NULL, *group = NULL;
	char			 err[512], msg[8192], *end;
	long			 mode = 0660;
	int			 ch, fd, i, size = LOG_SINK_RCVBUF;

	while ((ch = getopt(argc, argv, "g:m:s:")) != -1) {
		switch (ch) {
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
	if (spec == NULL || optind != argc)
		usage();

	if ((fd = listen_open_datagram(spec, (mode_t)mode, err,
	    sizeof(err))) == -1 ||
	    (group != NULL && listen_set_group(group, err, sizeof(err)) == -1)) {
		fprintf(stderr, "log-sink: %s\n", err);
		listen_cleanup();
		return 1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));

	/* Without SA_RESTART, a signal ends the wait in poll. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = log_sink_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	/*
	 * Read as dripline-collector does: wait until the socket is
	 * readable, then take what is there without blocking.
	 */
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!log_sink_stop) {
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			perror("log-sink: poll");
			break;
		}
		for (i = 0; i < LOG_SINK_READS_PER_WAKE; i++)
			if (recv(fd, msg, sizeof(msg), MSG_DONTWAIT) == -1)
				break;
	}
	close(fd);
	listen_cleanup();
	return 0;
}
