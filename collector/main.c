/*
 * dripline-collector: reads the web server's access log, one line per
 * request in the format of logline.h, and records the upstream outcome
 * of each allowed request against the user and day the authorizer
 * charged. lighttpd pipes its access log to our stdin; nginx sends one
 * syslog datagram per line to the unix socket given with -s.
 *
 * Lines are added up in memory and written in batches: after -n lines or
 * -t milliseconds, whichever comes first, and at exit, to the analytics
 * file, with the decisions' file attached read-only. The connection
 * stays open between writes, so its page cache keeps the day's rows.
 * After a write fails for any reason but a lock held too long, the next
 * write opens the database anew, which picks up a file that was missing
 * or broken for a while. A failed write is retried with the next batch. Whatever is lost (lines dropped, the
 * collector stopped without writing) shows in the reports as allowed
 * requests without an outcome, "unattributed".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "batch.h"
#include "conf.h"
#include "listen.h"
#include "log.h"
#include "logline.h"
#include "utcday.h"

#define COLLECTOR_LINES_DEFAULT		1000
#define COLLECTOR_INTERVAL_DEFAULT	1000	/* ms */
#define COLLECTOR_LOCK_TIMEOUT_MAX	250	/* ms a write waits for a lock */
#define COLLECTOR_WARN_PER_MINUTE	10
#define COLLECTOR_FAILING_WARN_MS	60000	/* between "still cannot write" */
#define COLLECTOR_READS_PER_WAKE	1024	/* datagrams between flushes */
#define COLLECTOR_RCVBUF		(1024 * 1024)
/* "s" after a count other than 1, for the log lines' nouns. */
#define PLURAL(n)			((n) == 1 ? "" : "s")
/* The analytics file has no other writer to copy its log back. */
#define COLLECTOR_CHECKPOINT_PAGES	DB_CHECKPOINT_PAGES

/* Warnings of one kind, at most COLLECTOR_WARN_PER_MINUTE a minute. */
struct collector_warnings {
	const char	*kind;		/* "malformed line", for the summary */
	int64_t		 window_ms;	/* start of the current minute */
	int		 logged;
	int64_t		 suppressed;
};

struct collector {
	const struct conf		*conf;
	struct db			*db;	/* NULL until a write */
	struct batch			 batch;
	int64_t				 batch_lines;
	int64_t				 interval_ms;
	int64_t				 next_write_ms;
	int64_t				 dropped_logged;
	int				 write_failed;	/* retry on time */
	int64_t				 failing_since_ms;
	int64_t				 failing_warned_ms;
	struct collector_warnings	 warn_malformed;
	struct collector_warnings	 warn_unmatched;
	/* A stdin line longer than LOGLINE_MAX is skipped up to its end. */
	int				 skipping;
	char				 in[4 * LOGLINE_MAX];
	size_t				 inlen;
};

static volatile sig_atomic_t	collector_stop;

/* The one long option: --help, as -h. */
static const struct option help_option[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* Print the usage (to stdout for -h or --help) and exit with status. */
static void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: dripline-collector [-hvV] [-c config] [-s unix:/path] "
	    "[-m mode] [-g group]\n"
	    "                          [-n lines] [-t ms] [-l file]\n"
	    "  -c config  configuration file (default: $" CONF_ENV ", else "
	    "%s)\n"
	    "  -s socket  read syslog datagrams (nginx) on this unix socket "
	    "instead of\n"
	    "             lines on standard input (lighttpd)\n"
	    "  -m mode    permissions of the socket, octal (default 0660)\n"
	    "  -g group   group of the socket, e.g. the web server's group\n"
	    "  -n lines   write a batch after this many lines (default %d)\n"
	    "  -t ms      write a batch at least this often, in "
	    "milliseconds (default %d)\n"
	    "  -l file    append the log to file instead of standard error\n"
	    "  -h         print this help and exit\n"
	    "  -v         log at debug level\n"
	    "  -V         print the version and exit\n",
	    conf_default_path(), COLLECTOR_LINES_DEFAULT,
	    COLLECTOR_INTERVAL_DEFAULT);
	exit(status);
}

static void
collector_on_signal(int sig)
{
	(void)sig;
	collector_stop = 1;
}

/*
 * Tell whether a warning of this kind may be logged now. When a minute
 * with suppressed warnings has passed, log how many were suppressed.
 */
static int
collector_may_warn(struct collector_warnings *w)
{
	int64_t	now = utcday_now_ms();

	if (now - w->window_ms >= 60000) {
		if (w->suppressed > 0)
			log_warnx("%" PRId64 " more %s warnings in the last "
			    "minute were not logged", w->suppressed, w->kind);
		w->window_ms = now;
		w->logged = 0;
		w->suppressed = 0;
	}
	if (w->logged < COLLECTOR_WARN_PER_MINUTE) {
		w->logged++;
		return 1;
	}
	w->suppressed++;
	return 0;
}

/*
 * Log a failed write. The first failure of a run is logged with its cause,
 * then a reminder every COLLECTOR_FAILING_WARN_MS, because the write is
 * tried again every interval.
 */
static void
collector_write_failed(struct collector *c, const struct reqerr *re)
{
	const char	*cause;
	int64_t		 now = utcday_now_ms();

	cause = re->db_message[0] != '\0' ? re->db_message : re->message;
	if (!c->write_failed) {
		c->write_failed = 1;
		c->failing_since_ms = now;
		c->failing_warned_ms = now;
		log_warnx("write of %" PRId64 " line%s failed: %s; keeping "
		    "them and trying again every %" PRId64 " ms",
		    c->batch.lines, PLURAL(c->batch.lines), cause,
		    c->interval_ms);
		return;
	}
	if (now - c->failing_warned_ms < COLLECTOR_FAILING_WARN_MS)
		return;
	c->failing_warned_ms = now;
	log_warnx("writes still failing after %" PRId64 " s: %" PRId64
	    " line%s kept: %s", (now - c->failing_since_ms) / 1000,
	    c->batch.lines, PLURAL(c->batch.lines), cause);
}

/* Write the batch unless it is empty. Returns 0 or -1. */
static int
collector_write(struct collector *c)
{
	const struct conf	*conf = c->conf;
	struct batch_result	 result;
	struct reqerr		 re;
	int			 timeout, rc;

	c->next_write_ms = utcday_now_ms() + c->interval_ms;
	if (c->batch.dropped > c->dropped_logged) {
		log_warnx("%" PRId64 " line%s dropped so far: more than %d "
		    "users and days waiting for the database; their requests "
		    "show as unattributed", c->batch.dropped,
		    PLURAL(c->batch.dropped), BATCH_ENTRIES_MAX);
		c->dropped_logged = c->batch.dropped;
	}
	if (c->batch.nentries == 0 && c->batch.ndays == 0)
		return 0;

	/* Wait briefly for a lock, so reading goes on. */
	timeout = conf->lock_timeout_ms < COLLECTOR_LOCK_TIMEOUT_MAX ?
	    conf->lock_timeout_ms : COLLECTOR_LOCK_TIMEOUT_MAX;
	reqerr_clear(&re);
	if (c->db == NULL &&
	    (c->db = db_open(conf->database,
	    conf->durability == CONF_DURABILITY_FULL, timeout,
	    DB_OPEN_ANALYTICS_WRITER | DB_OPEN_LARGE_CACHE, &re)) != NULL)
		db_checkpoint_after(c->db, COLLECTOR_CHECKPOINT_PAGES);
	rc = c->db == NULL ? -1 : batch_write(&c->batch, c->db, &result, &re);
	if (rc == -1 && c->db != NULL && !db_error_is_busy(&re)) {
		db_close(c->db);
		c->db = NULL;
	}
	if (rc == -1) {
		collector_write_failed(c, &re);
		return -1;
	}
	if (c->write_failed)
		log_info("writing again after %" PRId64 " s: %" PRId64
		    " outcome%s written, with those kept while writes failed",
		    (utcday_now_ms() - c->failing_since_ms) / 1000,
		    result.outcomes, PLURAL(result.outcomes));
	c->write_failed = 0;
	if (result.unmatched > 0 && collector_may_warn(&c->warn_unmatched))
		log_warnx("%" PRId64 " outcome%s name%s a user and day "
		    "without a decision, counted as unmatched lines",
		    result.unmatched, PLURAL(result.unmatched),
		    result.unmatched == 1 ? "s" : "");
	log_debug("wrote %" PRId64 " outcomes, %" PRId64 " unmatched, %"
	    PRId64 " malformed lines", result.outcomes, result.unmatched,
	    result.malformed);
	return 0;
}

/* Parse one line (not NUL-terminated) and add it to the batch. */
static void
collector_line(struct collector *c, const char *line, size_t len)
{
	struct logline	 l;
	const char	*reason = NULL;

	switch (logline_parse(line, len, &l, &reason)) {
	case LOGLINE_OK:
		batch_add(&c->batch, &l);
		break;
	case LOGLINE_NO_USER:
		break;
	case LOGLINE_MALFORMED:
		batch_add_malformed(&c->batch, l.day);
		if (collector_may_warn(&c->warn_malformed))
			log_warnx("malformed access log line%s%s: %s, "
			    "skipped", l.request_id[0] != '\0' ?
			    " of request " : "", l.request_id, reason);
		break;
	}
	/* After a failed write, the next try waits for the interval. */
	if (c->batch.lines >= c->batch_lines && !c->write_failed)
		collector_write(c);
}

/*
 * Read what stdin has and handle every complete line. Returns 0, or -1
 * at end of input.
 */
static int
collector_read_stream(struct collector *c)
{
	char	*nl, *p;
	ssize_t	 n;

	n = read(STDIN_FILENO, c->in + c->inlen, sizeof(c->in) - c->inlen);
	if (n == -1)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0)
		return -1;
	c->inlen += (size_t)n;

	p = c->in;
	while ((nl = memchr(p, '\n', c->inlen - (size_t)(p - c->in))) !=
	    NULL) {
		if (c->skipping)
			c->skipping = 0;
		else
			collector_line(c, p, (size_t)(nl - p));
		p = nl + 1;
	}
	c->inlen -= (size_t)(p - c->in);
	memmove(c->in, p, c->inlen);

	if (c->inlen > LOGLINE_MAX) {
		if (!c->skipping) {
			batch_add_malformed(&c->batch, "");
			if (collector_may_warn(&c->warn_malformed))
				log_warnx("access log line longer than %d "
				    "bytes, skipped", LOGLINE_MAX);
		}
		c->skipping = 1;
		c->inlen = 0;
	}
	return 0;
}

/* Handle the datagrams waiting on fd, one line each. */
static void
collector_read_datagrams(struct collector *c, int fd)
{
	char		 msg[LOGLINE_MAX + 256];
	const char	*line;
	ssize_t		 n;
	int		 i;

	for (i = 0; i < COLLECTOR_READS_PER_WAKE; i++) {
		n = recv(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_warn("cannot read the socket");
			return;
		}
		msg[n] = '\0';
		line = logline_syslog_message(msg);
		collector_line(c, line, strlen(line));
	}
}

/* Wait for input until the next write is due, with signals unblocked. */
static int
collector_wait(struct collector *c, int fd, const sigset_t *unblocked)
{
	struct pollfd	pfd;
	struct timespec	ts;
	int64_t		wait_ms;

	wait_ms = c->next_write_ms - utcday_now_ms();
	if (wait_ms < 0)
		wait_ms = 0;
	ts.tv_sec = wait_ms / 1000;
	ts.tv_nsec = (wait_ms % 1000) * 1000000L;
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (ppoll(&pfd, 1, &ts, unblocked) == -1)
		return errno == EINTR ? 0 : -1;
	return pfd.revents != 0;
}

/* Run until end of input (stdin) or a signal. Returns the exit status. */
static int
collector_run(struct collector *c, int fd, int datagrams)
{
	struct sigaction	sa;
	sigset_t		block, unblocked;
	int			rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = collector_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &unblocked);

	c->next_write_ms = utcday_now_ms() + c->interval_ms;
	while (!collector_stop) {
		if ((rc = collector_wait(c, fd, &unblocked)) == -1) {
			log_warn("cannot wait for input");
			break;
		}
		if (rc == 1) {
			if (datagrams)
				collector_read_datagrams(c, fd);
			else if (collector_read_stream(c) == -1)
				break;
		}
		if (utcday_now_ms() >= c->next_write_ms)
			collector_write(c);
	}

	if (collector_write(c) == -1) {
		log_warnx("stopped with %" PRId64 " line%s not written; their "
		    "requests show as unattributed", c->batch.lines,
		    PLURAL(c->batch.lines));
		return 1;
	}
	return 0;
}

/* Read a number option from 1 to max. */
static int64_t
collector_option(const char *name, const char *arg, int64_t max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || errno == ERANGE || v < 1 ||
	    v > max) {
		fprintf(stderr, "dripline-collector: invalid %s '%s': use a "
		    "whole number from 1 to %" PRId64 "\n", name, arg, max);
		exit(2);
	}
	return v;
}

int
main(int argc, char *argv[])
{
	struct collector	 c;
	struct conf		*conf;
	const char		*conf_path = NULL, *spec = NULL, *group = NULL;
	const char		*logfile = NULL;
	char			 err[512], analytics[PATH_MAX], *end;
	long			 mode = 0660;
	int			 ch, debug = 0, fd = STDIN_FILENO, rc, size;

	memset(&c, 0, sizeof(c));
	c.batch_lines = COLLECTOR_LINES_DEFAULT;
	c.interval_ms = COLLECTOR_INTERVAL_DEFAULT;
	while ((ch = getopt_long(argc, argv, "c:g:hl:m:n:s:t:vV", help_option,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'g':
			group = optarg;
			break;
		case 'h':
			usage(0);
			break;
		case 'l':
			logfile = optarg;
			break;
		case 'm':
			mode = strtol(optarg, &end, 8);
			if (*end != '\0' || mode < 0 || mode > 0777) {
				fprintf(stderr, "dripline-collector: invalid "
				    "mode '%s': use octal, e.g. 0660\n",
				    optarg);
				exit(2);
			}
			break;
		case 'n':
			c.batch_lines = collector_option("line count", optarg,
			    BATCH_ENTRIES_MAX);
			break;
		case 's':
			spec = optarg;
			break;
		case 't':
			c.interval_ms = collector_option("interval", optarg,
			    600000);
			break;
		case 'v':
			debug = 1;
			break;
		case 'V':
			printf("dripline-collector %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(2);
		}
	}
	if (optind != argc)
		usage(2);

	/* lighttpd starts a piped logger with stderr on /dev/null. */
	if (logfile != NULL) {
		if ((fd = open(logfile, O_WRONLY | O_APPEND | O_CREAT |
		    O_CLOEXEC, 0640)) == -1) {
			fprintf(stderr, "dripline-collector: cannot open log "
			    "file %s: %s\n", logfile, strerror(errno));
			exit(1);
		}
		if (dup2(fd, STDERR_FILENO) == -1)
			exit(1);
		close(fd);
		fd = STDIN_FILENO;
	}

	log_init("dripline-collector", 0);
	conf_path = conf_choose_path(conf_path);
	if ((conf = conf_load(conf_path, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	log_set_level(debug ? LOG_LEVEL_DEBUG : (enum log_level)conf->log_level);
	c.conf = conf;

	if (spec != NULL) {
		if ((fd = listen_open_datagram(spec, (mode_t)mode, err,
		    sizeof(err))) == -1)
			fatalx("%s", err);
		if (group != NULL && listen_set_group(group, err,
		    sizeof(err)) == -1) {
			listen_cleanup();
			fatalx("%s", err);
		}
		size = COLLECTOR_RCVBUF;
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size,
		    sizeof(size));
	}
	if (batch_init(&c.batch) == -1) {
		listen_cleanup();
		fatalx("out of memory for a batch of %d entries",
		    BATCH_ENTRIES_MAX);
	}
	c.warn_malformed.kind = "malformed line";
	c.warn_unmatched.kind = "unmatched outcome";
	if (db_analytics_path(conf->database, analytics,
	    sizeof(analytics)) == -1)
		snprintf(analytics, sizeof(analytics), "%s", "(name too long)");
	log_info("started: reading %s, writing to %s (the analytics file of "
	    "%s), a batch every %" PRId64 " lines or %" PRId64 " ms",
	    spec != NULL ? spec : "standard input", analytics, conf->database,
	    c.batch_lines, c.interval_ms);

	rc = collector_run(&c, fd, spec != NULL);

	if (spec != NULL) {
		close(fd);
		listen_cleanup();
	}
	db_close(c.db);
	batch_free(&c.batch);
	conf_free(conf);
	log_info("stopped");
	return rc;
}
