/*
 * A pool of threads serving FastCGI requests from one listening socket,
 * shared by dripline-authorizer and dripline-admin. Each thread blocks in
 * FCGX_Accept_r; the calling thread waits for SIGTERM or SIGINT, then
 * stops accepting, lets requests in progress finish, and returns.
 */
#ifndef DRIPLINE_FCGI_SERVER_H
#define DRIPLINE_FCGI_SERVER_H

#include <fcgiapp.h>

struct fcgi_server {
	int	 listen_fd;
	int	 nthreads;
	/* Serve one accepted request; must write a complete response. */
	void	(*handle)(FCGX_Request *request, void *arg);
	void	*arg;
};

/*
 * Prepare signal handling and libfcgi. Call before starting any thread,
 * so every thread inherits the signal mask. Returns 0 or -1.
 */
int	fcgi_server_init(void);

/*
 * Run the pool until SIGTERM or SIGINT. Returns the signal number that
 * stopped it, or -1 if the threads could not be started.
 */
int	fcgi_server_run(struct fcgi_server *server);

#endif
