/*
 * Startup shared by the FastCGI apps, dripline-authorizer and
 * dripline-admin: their common command line, the configuration, the
 * listening socket, and signal handling. A failure here is fatal, as
 * only startup failures are.
 */
#ifndef DRIPLINE_DAEMON_H
#define DRIPLINE_DAEMON_H

#include "conf.h"
#include "listen.h"

struct daemon {
	const char		*progname;
	struct conf		*conf;		/* owned */
	int			 listen_fd;
	enum listen_origin	 origin;
};

/*
 * Parse the options -c config, -s socket, -m mode, -g group, -v and -V,
 * load the configuration, set the log level, open the listening socket
 * and prepare signals and libfcgi (fcgi_server_init). Call before starting
 * any thread. Exits with status 2 on a usage error and 1 on any other
 * failure, after logging why.
 */
void	daemon_start(struct daemon *d, const char *progname, int argc,
	    char *argv[]);

/* Remove the socket file daemon_start made, if any, and free conf. */
void	daemon_stop(struct daemon *d);

#endif
