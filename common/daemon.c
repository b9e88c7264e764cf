/* Startup of the FastCGI apps; see daemon.h. */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "daemon.h"
#include "fcgi_server.h"
#include "log.h"

/* The one long option: --help, as -h. */
static const struct option help_option[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* Print the usage (to stdout for -h or --help) and exit with status. */
static void
daemon_usage(const char *progname, int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: %s [-hvV] [-c config] [-s socket] [-m mode] [-g group]\n"
	    "  -c config  configuration file (default: $" CONF_ENV ", else "
	    "%s)\n"
	    "  -s socket  listen on unix:/path or HOST:PORT instead of the "
	    "socket\n"
	    "             a web server or systemd passes\n"
	    "  -m mode    permissions of a unix socket, octal (default "
	    "0660)\n"
	    "  -g group   group of a unix socket, e.g. the web server's "
	    "group\n"
	    "  -h         print this help and exit\n"
	    "  -v         log at debug level\n"
	    "  -V         print the version and exit\n",
	    progname, conf_default_path());
	exit(status);
}

void
daemon_start(struct daemon *d, const char *progname, int argc, char *argv[])
{
	const char	*conf_path = NULL, *spec = NULL, *group = NULL;
	char		 err[512];
	char		*end;
	long		 mode = 0660;
	int		 ch, debug = 0;
	pid_t		 parent = getppid();

	memset(d, 0, sizeof(*d));
	d->progname = progname;
	d->listen_fd = -1;
	while ((ch = getopt_long(argc, argv, "c:g:hm:s:vV", help_option,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'g':
			group = optarg;
			break;
		case 'h':
			daemon_usage(progname, 0);
			break;
		case 'm':
			mode = strtol(optarg, &end, 8);
			if (*optarg == '\0' || *end != '\0' || mode < 0 ||
			    mode > 0777) {
				fprintf(stderr, "%s: invalid mode '%s': use "
				    "octal, e.g. 0660\n", progname, optarg);
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
			printf("%s %s\n", progname, PACKAGE_VERSION);
			exit(0);
		default:
			daemon_usage(progname, 2);
		}
	}
	if (optind != argc)
		daemon_usage(progname, 2);

	log_init(progname, 0);
	conf_path = conf_choose_path(conf_path);
	if ((d->conf = conf_load(conf_path, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	log_set_level(debug ? LOG_LEVEL_DEBUG :
	    (enum log_level)d->conf->log_level);

	d->listen_fd = listen_open(spec, (mode_t)mode, &d->origin, err,
	    sizeof(err));
	if (d->listen_fd == -1)
		fatalx("%s", err);
	if (group != NULL && listen_set_group(group, err, sizeof(err)) == -1) {
		listen_cleanup();
		fatalx("%s", err);
	}
#ifdef __linux__
	/*
	 * Spawned by a web server: do not outlive it. The signal comes only
	 * for a parent that dies from now on, so check for one that died
	 * while this process started. A web server started anew would
	 * otherwise take this orphan for its own app and never replace it.
	 * NOTE: a parent that died before this function ran is not seen,
	 * because parent is read at its start.
	 */
	if (d->origin == LISTEN_INHERITED) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			fatalx("the web server that started %s (PID %ld) has "
			    "exited; stopping", progname, (long)parent);
	}
#endif

	if (fcgi_server_init() == -1)
		fatal("cannot set up signals and libfcgi");
}

void
daemon_stop(struct daemon *d)
{
	if (d->origin == LISTEN_SPEC)
		listen_cleanup();
	conf_free(d->conf);
	d->conf = NULL;
}
