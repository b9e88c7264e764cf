/*
 * Logging for the Dripline programs: one line per event, written with a
 * single write(2) so that lines from several threads never interleave.
 * In the foreground (and when spawned by a web server, whose error log is
 * our stderr) lines go to stderr; as a daemon they may go to syslog.
 * Never pass a secret (API key, admin token, Authorization header) here.
 */
#ifndef DRIPLINE_LOG_H
#define DRIPLINE_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG
};

/* Set the program name shown on each line, and whether to use syslog. */
void	log_init(const char *progname, int use_syslog);
void	log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Parse "error", "warn", "info" or "debug". Returns 0, or -1 if unknown. */
int	log_level_parse(const char *name, enum log_level *level);

/* log_warn appends strerror(errno); log_warnx does not. */
void	log_warn(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/* Startup failures only: log and exit(1). fatal appends strerror(errno). */
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
