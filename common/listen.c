/*
 * Listening sockets for the FastCGI apps. We create the sockets ourselves
 * rather than through libfcgi's FCGX_OpenSocket so that a taken path is
 * reported instead of silently unlinked, and the mode is ours to set.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"

static char	listen_unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static int	listen_error(char *, size_t, int, const char *, ...)
		    __attribute__((format(printf, 4, 5)));

/* Format the reason into err, with strerror(errnum) if errnum is set. */
static int
listen_error(char *err, size_t errlen, int errnum, const char *fmt, ...)
{
	va_list	ap;
	char	msg[256];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (errnum != 0)
		snprintf(err, errlen, "%s: %s", msg, strerror(errnum));
	else
		snprintf(err, errlen, "%s", msg);
	return -1;
}

/* Bind a unix socket of type (SOCK_STREAM or SOCK_DGRAM) at path. */
static int
listen_unix(const char *path, int type, mode_t mode, char *err,
    size_t errlen)
{
	struct sockaddr_un	sun;
	struct stat		sb;
	int			fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return listen_error(err, errlen, 0,
		    "socket path %s is too long", path);
	strcpy(sun.sun_path, path);

	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode))
			return listen_error(err, errlen, 0, "socket path %s "
			    "exists and is not a socket; remove it or choose "
			    "another path", path);
		/* A socket that still accepts belongs to a live process. */
		if ((probe = socket(AF_UNIX, type | SOCK_CLOEXEC, 0)) == -1)
			return listen_error(err, errlen, errno, "socket");
		if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) ==
		    0) {
			close(probe);
			return listen_error(err, errlen, 0, "socket path %s is "
			    "in use by a running process; stop it or choose "
			    "another path", path);
		}
		close(probe);
		if (unlink(path) == -1)
			return listen_error(err, errlen, errno,
			    "cannot remove stale socket %s", path);
	}

	if ((fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0)) == -1)
		return listen_error(err, errlen, errno, "socket");
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		listen_error(err, errlen, errno, "cannot bind %s", path);
		close(fd);
		return -1;
	}
	snprintf(listen_unix_path, sizeof(listen_unix_path), "%s", path);
	if (chmod(path, mode) == -1 ||
	    (type == SOCK_STREAM && listen(fd, LISTEN_BACKLOG) == -1)) {
		listen_error(err, errlen, errno, "cannot listen on %s", path);
		close(fd);
		listen_cleanup();
		return -1;
	}
	return fd;
}

static int
listen_tcp(const char *spec, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res = NULL;
	char		 host[256];
	const char	*colon;
	int		 fd = -1, on = 1, rc;

	if ((colon = strrchr(spec, ':')) == NULL || colon == spec ||
	    (size_t)(colon - spec) >= sizeof(host))
		return listen_error(err, errlen, 0, "invalid listen address "
		    "'%s': use unix:/path or HOST:PORT", spec);
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	/* Allow "[::1]:9000". */
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &res)) != 0) {
		snprintf(err, errlen, "invalid listen address '%s': %s", spec,
		    gai_strerror(rc));
		return -1;
	}
	if ((fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC,
	    0)) == -1) {
		listen_error(err, errlen, errno, "socket");
		goto fail;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, res->ai_addr, res->ai_addrlen) == -1) {
		listen_error(err, errlen, errno, "cannot bind %s", spec);
		goto fail;
	}
	if (listen(fd, LISTEN_BACKLOG) == -1) {
		listen_error(err, errlen, errno, "cannot listen on %s", spec);
		goto fail;
	}
	freeaddrinfo(res);
	return fd;

fail:
	if (fd != -1)
		close(fd);
	freeaddrinfo(res);
	return -1;
}

/* Is fd a socket in the listening state? */
static int
listen_is_listening(int fd)
{
	int		accepting = 0;
	socklen_t	len = sizeof(accepting);

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) == -1)
		return 0;
	return accepting;
}

int
listen_open(const char *spec, mode_t mode, enum listen_origin *origin,
    char *err, size_t errlen)
{
	const char	*pid, *fds;

	if (spec != NULL) {
		*origin = LISTEN_SPEC;
		if (strncmp(spec, "unix:", 5) == 0)
			return listen_unix(spec + 5, SOCK_STREAM, mode, err,
			    errlen);
		return listen_tcp(spec, err, errlen);
	}

	/* systemd socket activation: the first passed socket is fd 3. */
	pid = getenv("LISTEN_PID");
	fds = getenv("LISTEN_FDS");
	if (pid != NULL && fds != NULL && atol(pid) == (long)getpid() &&
	    atoi(fds) >= 1) {
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_FDNAMES");
		if (!listen_is_listening(3))
			return listen_error(err, errlen, 0, "systemd passed fd 3, "
			    "but it is not a listening socket");
		*origin = LISTEN_SYSTEMD;
		return 3;
	}

	if (listen_is_listening(STDIN_FILENO)) {
		*origin = LISTEN_INHERITED;
		return STDIN_FILENO;
	}
	return listen_error(err, errlen, 0, "no listening socket: give one "
	    "with -s unix:/path or -s HOST:PORT, or let the web server "
	    "spawn this program");
}

int
listen_open_datagram(const char *spec, mode_t mode, char *err,
    size_t errlen)
{
	if (strncmp(spec, "unix:", 5) != 0)
		return listen_error(err, errlen, 0, "invalid socket '%s': use "
		    "unix:/path", spec);
	return listen_unix(spec + 5, SOCK_DGRAM, mode, err, errlen);
}

int
listen_set_group(const char *group, char *err, size_t errlen)
{
	struct group	*gr;
	char		*end;
	long		 gid;

	if (listen_unix_path[0] == '\0')
		return listen_error(err, errlen, 0, "a socket group (-g %s) "
		    "needs a unix socket (-s unix:/path)", group);
	if ((gr = getgrnam(group)) != NULL)
		gid = (long)gr->gr_gid;
	else {
		gid = strtol(group, &end, 10);
		if (*group == '\0' || *end != '\0' || gid < 0)
			return listen_error(err, errlen, 0,
			    "unknown group '%s'", group);
	}
	if (chown(listen_unix_path, (uid_t)-1, (gid_t)gid) == -1)
		return listen_error(err, errlen, errno,
		    "cannot give %s to group %s", listen_unix_path, group);
	return 0;
}

void
listen_cleanup(void)
{
	if (listen_unix_path[0] != '\0') {
		unlink(listen_unix_path);
		listen_unix_path[0] = '\0';
	}
}
