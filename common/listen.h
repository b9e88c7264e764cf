/*
 * The listening socket of a FastCGI app. Three ways to get one, in order:
 * an explicit spec ("unix:/path" or "HOST:PORT"), systemd socket
 * activation (LISTEN_FDS), or fd 0 when a web server spawned us with the
 * socket there (lighttpd's bin-path).
 */
#ifndef DRIPLINE_LISTEN_H
#define DRIPLINE_LISTEN_H

#include <stddef.h>
#include <sys/types.h>

#define LISTEN_BACKLOG	1024

enum listen_origin {
	LISTEN_SPEC,		/* we created it from a spec */
	LISTEN_SYSTEMD,		/* passed by systemd */
	LISTEN_INHERITED	/* fd 0 from a spawning web server */
};

/*
 * Open or find the listening socket. A unix socket gets mode (octal, e.g.
 * 0660). A path already taken by a live socket, or by something that is
 * not a socket, is an error. Returns the fd and fills OUT: origin, or -1
 * with the reason in OUT: err.
 */
int	listen_open(const char *spec, mode_t mode, enum listen_origin *origin,
	    char *err, size_t errlen);

/*
 * Bind a unix datagram socket at spec ("unix:/path") with mode, as
 * listen_open does a stream socket. Returns the fd, or -1 with the reason
 * in OUT: err.
 */
int	listen_open_datagram(const char *spec, mode_t mode, char *err,
	    size_t errlen);

/*
 * Give the unix socket made by listen_open or listen_open_datagram to
 * group (a name or a number), so a web server running as another user
 * in that group can connect or send to it. Returns 0, or -1 with the reason in OUT: err.
 */
int	listen_set_group(const char *group, char *err, size_t errlen);

/* Remove the socket file made by listen_open, if it made one. */
void	listen_cleanup(void);

#endif
