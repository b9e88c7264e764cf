/*
 * fcgi-load: a FastCGI client that loads a responder the way nginx's
 * auth_request does. Each request opens a new connection to a unix
 * socket, sends BEGIN_REQUEST (RESPONDER role, no keep-alive), the
 * parameters of an API call with an API key from a file, and an empty
 * STDIN, then reads STDOUT until END_REQUEST. A fixed number of
 * connections is kept in flight from one epoll loop.
 *
 * The run stops by itself: no request starts after the duration or past
 * the request limit, and requests still in flight get FL_DRAIN_SECONDS
 * to finish before they count as timeouts. It prints one line of
 * key=value pairs (see fl_report) for bench/run.sh to parse.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define FL_VERSION		1	/* FastCGI protocol version */
#define FL_BEGIN_REQUEST	1
#define FL_END_REQUEST		3
#define FL_PARAMS		4
#define FL_STDIN		5
#define FL_STDOUT		6
#define FL_RESPONDER		1
#define FL_HEADER_LEN		8
#define FL_REQUEST_ID		1

#define FL_REQUEST_MAX		4096	/* bytes of one encoded request */
#define FL_RESPONSE_MAX		65536	/* bytes of one response, records */
#define FL_HEAD_MAX		32	/* first STDOUT bytes kept for Status */
#define FL_KEY_MAX		512
#define FL_DRAIN_SECONDS	10
#define FL_NS			1000000000ULL

enum fl_state {
	FL_IDLE,		/* no connection; start one when allowed */
	FL_RETRY,		/* connect found the backlog full */
	FL_READING		/* request sent, reading the response */
};

struct fl_conn {
	enum fl_state	 state;
	int		 fd;
	uint64_t	 start_ns;
	unsigned char	 in[FL_RESPONSE_MAX];
	size_t		 in_len;
	size_t		 parsed;	/* bytes of in already parsed */
	char		 head[FL_HEAD_MAX + 1];	/* start of STDOUT */
	size_t		 head_len;
};

struct fl_run {
	struct sockaddr_un	 addr;
	const char		*method;
	const char		*uri;
	char			**keys;		/* owned */
	size_t			 nkeys;
	size_t			 next_key;
	struct fl_conn		*conns;		/* owned */
	int			 nconns;
	int			 epfd;
	uint64_t		 max_requests;
	uint64_t		 started;
	uint64_t		 errors;	/* connection broke off */
	uint64_t		 timeouts;	/* still running after drain */
	uint64_t		 not_200;	/* completed with another Status */
	uint64_t		 retries;	/* connect: backlog full */
	uint64_t		*latency_ns;	/* owned, one per completion */
	size_t			 nlatency, latency_cap;
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: fcgi-load -s unix:PATH -k KEYFILE [-c connections] "
	    "[-d seconds]\n"
	    "                 [-n requests] [-K keys] [-m method] [-u uri]\n"
	    "  -s unix:PATH  the responder's socket\n"
	    "  -k KEYFILE    API keys, one per line, sent as Bearer tokens "
	    "in turn\n"
	    "  -c N          connections in flight (default 64)\n"
	    "  -d SECONDS    start requests for this long (default 10)\n"
	    "  -n N          start at most N requests (default 10000000)\n"
	    "  -K N          read at most N keys from KEYFILE (default "
	    "all)\n"
	    "  -m METHOD     request method (default POST)\n"
	    "  -u URI        request URI (default /v1/chat/completions)\n");
	exit(2);
}

static uint64_t
fl_now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * FL_NS + (uint64_t)ts.tv_nsec;
}

static void
fl_die(const char *what)
{
	fprintf(stderr, "fcgi-load: %s\n", what);
	exit(1);
}

/* End the program after a failed system call, with errno's text. */
static void
fl_die_errno(const char *call)
{
	fprintf(stderr, "fcgi-load: %s failed: %s\n", call, strerror(errno));
	exit(1);
}

/* Read up to max keys (0: all) from path into run->keys. */
static void
fl_load_keys(struct fl_run *run, const char *path, size_t max)
{
	FILE	*fp;
	char	 line[FL_KEY_MAX + 2];
	size_t	 cap = 0, len;

	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "fcgi-load: cannot open key file %s: %s\n",
		    path, strerror(errno));
		exit(1);
	}
	while ((max == 0 || run->nkeys < max) &&
	    fgets(line, sizeof(line), fp) != NULL) {
		len = strcspn(line, "\r\n");
		if (len == 0)
			continue;
		if (len > FL_KEY_MAX)
			fl_die("a key in the key file is longer than 512 bytes");
		line[len] = '\0';
		if (run->nkeys == cap) {
			cap = cap == 0 ? 1024 : cap * 2;
			run->keys = realloc(run->keys, cap * sizeof(*run->keys));
			if (run->keys == NULL)
				fl_die("out of memory for the keys");
		}
		if ((run->keys[run->nkeys++] = strdup(line)) == NULL)
			fl_die("out of memory for the keys");
	}
	fclose(fp);
	if (run->nkeys == 0) {
		fprintf(stderr, "fcgi-load: no keys in %s\n", path);
		exit(1);
	}
}

static unsigned char *
fl_put_header(unsigned char *p, int type, size_t len, size_t pad)
{
	p[0] = FL_VERSION;
	p[1] = (unsigned char)type;
	p[2] = (FL_REQUEST_ID >> 8) & 0xff;
	p[3] = FL_REQUEST_ID & 0xff;
	p[4] = (unsigned char)((len >> 8) & 0xff);
	p[5] = (unsigned char)(len & 0xff);
	p[6] = (unsigned char)pad;
	p[7] = 0;
	return p + FL_HEADER_LEN;
}

/* Lengths under 128 take one byte, others four with the top bit set. */
static unsigned char *
fl_put_length(unsigned char *p, size_t len)
{
	if (len < 128) {
		*p++ = (unsigned char)len;
		return p;
	}
	*p++ = (unsigned char)(((len >> 24) & 0x7f) | 0x80);
	*p++ = (unsigned char)((len >> 16) & 0xff);
	*p++ = (unsigned char)((len >> 8) & 0xff);
	*p++ = (unsigned char)(len & 0xff);
	return p;
}

static unsigned char *
fl_put_param(unsigned char *p, const char *name, const char *value)
{
	size_t	nlen = strlen(name), vlen = strlen(value);

	p = fl_put_length(p, nlen);
	p = fl_put_length(p, vlen);
	memcpy(p, name, nlen);
	memcpy(p + nlen, value, vlen);
	return p + nlen + vlen;
}

/*
 * Encode one complete request with the given key into OUT: buf. The
 * parameters are the ones the shipped nginx configuration sends, plus
 * the key header. Returns its length.
 */
static size_t
fl_encode(const struct fl_run *run, const char *key, unsigned char *buf)
{
	unsigned char	*p = buf, *params;
	char		 auth[FL_KEY_MAX + 8];
	size_t		 len, pad;

	p = fl_put_header(p, FL_BEGIN_REQUEST, 8, 0);
	memset(p, 0, 8);
	p[1] = FL_RESPONDER;	/* flags 0: the server closes afterwards */
	p += 8;

	params = p + FL_HEADER_LEN;
	snprintf(auth, sizeof(auth), "Bearer %s", key);
	p = params;
	p = fl_put_param(p, "REQUEST_METHOD", run->method);
	p = fl_put_param(p, "REQUEST_URI", run->uri);
	p = fl_put_param(p, "REMOTE_ADDR", "127.0.0.1");
	p = fl_put_param(p, "SERVER_PROTOCOL", "HTTP/1.1");
	p = fl_put_param(p, "GATEWAY_INTERFACE", "CGI/1.1");
	p = fl_put_param(p, "HTTP_HOST", "127.0.0.1");
	p = fl_put_param(p, "HTTP_AUTHORIZATION", auth);
	len = (size_t)(p - params);
	pad = (8 - len % 8) % 8;
	fl_put_header(params - FL_HEADER_LEN, FL_PARAMS, len, pad);
	memset(p, 0, pad);
	p += pad;

	p = fl_put_header(p, FL_PARAMS, 0, 0);
	p = fl_put_header(p, FL_STDIN, 0, 0);
	return (size_t)(p - buf);
}

static void
fl_record_latency(struct fl_run *run, uint64_t ns)
{
	if (run->nlatency == run->latency_cap) {
		run->latency_cap = run->latency_cap == 0 ? 65536 :
		    run->latency_cap * 2;
		run->latency_ns = realloc(run->latency_ns,
		    run->latency_cap * sizeof(*run->latency_ns));
		if (run->latency_ns == NULL)
			fl_die("out of memory for the latencies");
	}
	run->latency_ns[run->nlatency++] = ns;
}

static void
fl_close(struct fl_run *run, struct fl_conn *c)
{
	if (c->fd != -1) {
		epoll_ctl(run->epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
	c->state = FL_IDLE;
}

/*
 * Connect and send one request on c. A full backlog leaves c in FL_RETRY.
 * A socket that is missing or refuses connections ends the program: the
 * responder is not running.
 */
static void
fl_start(struct fl_run *run, struct fl_conn *c)
{
	struct epoll_event	 ev;
	unsigned char		 req[FL_REQUEST_MAX];
	size_t			 len;
	ssize_t			 n;

	c->start_ns = fl_now_ns();
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1)
		fl_die_errno("socket()");
	if (connect(c->fd, (struct sockaddr *)&run->addr,
	    sizeof(run->addr)) == -1) {
		if (errno == EAGAIN) {
			close(c->fd);
			c->fd = -1;
			c->state = FL_RETRY;
			run->retries++;
			return;
		}
		fprintf(stderr, "fcgi-load: cannot connect to %s: %s\n",
		    run->addr.sun_path, strerror(errno));
		exit(1);
	}

	len = fl_encode(run, run->keys[run->next_key], req);
	run->next_key = (run->next_key + 1) % run->nkeys;
	run->started++;
	/* A few hundred bytes always fit in an empty socket buffer. */
	n = write(c->fd, req, len);
	if (n != (ssize_t)len) {
		run->errors++;
		fl_close(run, c);
		return;
	}

	c->state = FL_READING;
	c->in_len = c->parsed = c->head_len = 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = c;
	if (epoll_ctl(run->epfd, EPOLL_CTL_ADD, c->fd, &ev) == -1)
		fl_die_errno("epoll_ctl()");
}

/*
 * Parse the complete records received on c. Returns 1 once END_REQUEST
 * has arrived, 0 while more is expected.
 */
static int
fl_parse(struct fl_conn *c)
{
	const unsigned char	*rec;
	size_t			 len, pad, n;

	while (c->in_len - c->parsed >= FL_HEADER_LEN) {
		rec = c->in + c->parsed;
		len = ((size_t)rec[4] << 8) | rec[5];
		pad = rec[6];
		if (c->in_len - c->parsed < FL_HEADER_LEN + len + pad)
			return 0;
		if (rec[1] == FL_END_REQUEST)
			return 1;
		if (rec[1] == FL_STDOUT && c->head_len < FL_HEAD_MAX) {
			n = FL_HEAD_MAX - c->head_len;
			if (n > len)
				n = len;
			memcpy(c->head + c->head_len, rec + FL_HEADER_LEN, n);
			c->head_len += n;
		}
		c->parsed += FL_HEADER_LEN + len + pad;
	}
	return 0;
}

/* Read what arrived on c; finish the request on END_REQUEST or EOF. */
static void
fl_read(struct fl_run *run, struct fl_conn *c)
{
	ssize_t	n;

	for (;;) {
		if (c->in_len == sizeof(c->in)) {
			run->errors++;
			fl_close(run, c);
			return;
		}
		n = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* Closed or failed before END_REQUEST. */
			run->errors++;
			fl_close(run, c);
			return;
		}
		c->in_len += (size_t)n;
		if (fl_parse(c))
			break;
	}

	fl_record_latency(run, fl_now_ns() - c->start_ns);
	c->head[c->head_len] = '\0';
	if (strncmp(c->head, "Status: 200\r\n", 13) != 0)
		run->not_200++;
	fl_close(run, c);
}

static int
fl_compare(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile by nearest rank, in milliseconds; 0 with no samples. */
static double
fl_quantile_ms(const struct fl_run *run, double q)
{
	size_t	i;

	if (run->nlatency == 0)
		return 0;
	i = (size_t)(q * (double)run->nlatency + 0.999999);
	if (i == 0)
		i = 1;
	if (i > run->nlatency)
		i = run->nlatency;
	return (double)run->latency_ns[i - 1] / 1e6;
}

/*
 * Print the results on one line: requests completed, seconds from the
 * first request to the last completion, completions per second, latency
 * quantiles and maximum in ms, and the counters of struct fl_run.
 */
static void
fl_report(struct fl_run *run, double seconds)
{
	qsort(run->latency_ns, run->nlatency, sizeof(*run->latency_ns),
	    fl_compare);
	printf("requests=%zu seconds=%.3f rate=%.1f p50_ms=%.3f "
	    "p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f errors=%llu "
	    "timeouts=%llu not_200=%llu connect_retries=%llu\n",
	    run->nlatency, seconds,
	    seconds > 0 ? (double)run->nlatency / seconds : 0.0,
	    fl_quantile_ms(run, 0.50), fl_quantile_ms(run, 0.90),
	    fl_quantile_ms(run, 0.99), fl_quantile_ms(run, 0.999),
	    fl_quantile_ms(run, 1.0), (unsigned long long)run->errors,
	    (unsigned long long)run->timeouts,
	    (unsigned long long)run->not_200,
	    (unsigned long long)run->retries);
}

/*
 * Start requests until the deadline or the request limit, then wait up
 * to FL_DRAIN_SECONDS for those in flight. Returns the seconds from the
 * start to the last completion.
 */
static double
fl_loop(struct fl_run *run, double duration)
{
	struct epoll_event	 events[64];
	struct fl_conn		*c;
	uint64_t		 start, deadline, drain_end, last, now;
	int			 i, n, active, retrying, issuing = 1;

	start = last = fl_now_ns();
	deadline = start + (uint64_t)(duration * 1e9);
	drain_end = deadline + FL_DRAIN_SECONDS * FL_NS;

	for (;;) {
		now = fl_now_ns();
		if (issuing && (now >= deadline ||
		    run->started >= run->max_requests))
			issuing = 0;
		active = retrying = 0;
		for (i = 0; i < run->nconns; i++) {
			c = &run->conns[i];
			if (c->state != FL_READING && issuing)
				fl_start(run, c);
			if (c->state != FL_IDLE)
				active++;
			if (c->state == FL_RETRY)
				retrying = 1;
		}
		if (!issuing && active == 0)
			break;
		if (now >= drain_end) {
			for (i = 0; i < run->nconns; i++)
				if (run->conns[i].state == FL_READING) {
					run->timeouts++;
					fl_close(run, &run->conns[i]);
				}
			break;
		}

		/* Retry a connect that found the backlog full after 1 ms. */
		n = epoll_wait(run->epfd, events, 64, retrying ? 1 : 50);
		if (n == -1 && errno != EINTR)
			fl_die_errno("epoll_wait()");
		for (i = 0; i < n; i++) {
			fl_read(run, events[i].data.ptr);
			last = fl_now_ns();
		}
		if (!issuing)
			for (i = 0; i < run->nconns; i++)
				if (run->conns[i].state == FL_RETRY)
					run->conns[i].state = FL_IDLE;
	}
	return (double)(last - start) / 1e9;
}

int
main(int argc, char *argv[])
{
	struct fl_run	 run;
	const char	*socket_spec = NULL, *keyfile = NULL;
	double		 duration = 10;
	long		 max_keys = 0;
	int		 ch, i;
	char		*end;

	memset(&run, 0, sizeof(run));
	run.method = "POST";
	run.uri = "/v1/chat/completions";
	run.nconns = 64;
	run.max_requests = 10000000;
	while ((ch = getopt(argc, argv, "c:d:k:K:m:n:s:u:")) != -1) {
		switch (ch) {
		case 'c':
			run.nconns = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || run.nconns < 1 ||
			    run.nconns > 10000)
				usage();
			break;
		case 'd':
			duration = strtod(optarg, &end);
			if (*end != '\0' || duration <= 0 || duration > 3600)
				usage();
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'K':
			max_keys = strtol(optarg, &end, 10);
			if (*end != '\0' || max_keys < 0)
				usage();
			break;
		case 'm':
			run.method = optarg;
			break;
		case 'n':
			run.max_requests = strtoull(optarg, &end, 10);
			if (*end != '\0' || run.max_requests == 0)
				usage();
			break;
		case 's':
			socket_spec = optarg;
			break;
		case 'u':
			run.uri = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || socket_spec == NULL || keyfile == NULL)
		usage();
	if (strncmp(socket_spec, "unix:", 5) != 0 ||
	    strlen(socket_spec + 5) >= sizeof(run.addr.sun_path))
		fl_die("-s takes unix:PATH, with a path shorter than 108 "
		    "bytes");
	if (strlen(run.method) + strlen(run.uri) > 1024)
		fl_die("the method and URI are longer than 1024 bytes");

	run.addr.sun_family = AF_UNIX;
	strcpy(run.addr.sun_path, socket_spec + 5);
	fl_load_keys(&run, keyfile, (size_t)max_keys);
	if ((run.conns = calloc((size_t)run.nconns,
	    sizeof(*run.conns))) == NULL)
		fl_die("out of memory for the connections");
	for (i = 0; i < run.nconns; i++)
		run.conns[i].fd = -1;
	if ((run.epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fl_die_errno("epoll_create1()");

	fl_report(&run, fl_loop(&run, duration));
	return run.nlatency > 0 ? 0 : 1;
}
