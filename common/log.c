/*
 * Line-oriented logging to stderr or syslog. Each line is formatted into
 * one buffer and written with one write(2), which keeps lines whole when
 * several threads log at once. Lines longer than LOG_LINE_MAX are cut.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX	2048

static const char	*log_progname = "dripline";
static int		 log_use_syslog;
static enum log_level	 log_level = LOG_LEVEL_INFO;

static const char *const log_level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

static void	log_vwrite(enum log_level, int, const char *, va_list);

void
log_init(const char *progname, int use_syslog)
{
	log_progname = progname;
	log_use_syslog = use_syslog;
	if (use_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

int
log_level_parse(const char *name, enum log_level *level)
{
	size_t	i;

	for (i = 0; i < sizeof(log_level_names) / sizeof(log_level_names[0]);
	    i++) {
		if (strcmp(name, log_level_names[i]) == 0) {
			*level = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

static void
log_vwrite(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	static const int syslog_priority[] = {
		[LOG_LEVEL_ERROR] = LOG_ERR,
		[LOG_LEVEL_WARN] = LOG_WARNING,
		[LOG_LEVEL_INFO] = LOG_INFO,
		[LOG_LEVEL_DEBUG] = LOG_DEBUG,
	};
	char		 line[LOG_LINE_MAX];
	char		 stamp[32];
	struct timespec	 ts;
	struct tm	 tm;
	size_t		 len = 0;
	int		 n;

	if (level > log_level)
		return;

	if (!log_use_syslog) {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		n = snprintf(line, sizeof(line), "%s.%03ldZ %s[%ld]: %s: ",
		    stamp, ts.tv_nsec / 1000000, log_progname, (long)getpid(),
		    log_level_names[level]);
		if (n > 0)
			len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	}

	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	if (n > 0)
		len += (size_t)n < sizeof(line) - len ? (size_t)n :
		    sizeof(line) - len - 1;

	if (errnum != 0 && len < sizeof(line) - 1) {
		n = snprintf(line + len, sizeof(line) - len, ": %s",
		    strerror(errnum));
		if (n > 0)
			len += (size_t)n < sizeof(line) - len ? (size_t)n :
			    sizeof(line) - len - 1;
	}

	if (log_use_syslog) {
		syslog(syslog_priority[level], "%s", line);
		return;
	}

	/* Make room for the newline even when the text was cut. */
	if (len >= sizeof(line) - 1)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	(void)write(STDERR_FILENO, line, len);
}

#define LOG_DEFINE(name, level, with_errno)				\
void									\
name(const char *fmt, ...)						\
{									\
	va_list	ap;							\
	int	errnum = errno;						\
									\
	va_start(ap, fmt);						\
	log_vwrite((level), (with_errno) ? errnum : 0, fmt, ap);	\
	va_end(ap);							\
	errno = errnum;							\
}

LOG_DEFINE(log_warn, LOG_LEVEL_WARN, 1)
LOG_DEFINE(log_warnx, LOG_LEVEL_WARN, 0)
LOG_DEFINE(log_info, LOG_LEVEL_INFO, 0)
LOG_DEFINE(log_debug, LOG_LEVEL_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	errnum = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, errnum, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
