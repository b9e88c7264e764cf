/*
 * Configuration parser. The grammar is line based so every error can name
 * its line. Each directive is handled by one entry of conf_directives;
 * directives that take a single value may appear once.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "path.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR	"/etc"
#endif
#define CONF_DEFAULT_PATH	SYSCONFDIR "/dripline/dripline.conf"
#define CONF_FIELDS_MAX		8
#define CONF_LINE_MAX		4094	/* bytes of a line, without its newline */

struct conf_parse {
	struct conf	*conf;
	const char	*file;
	int		 line;
	char		*err;
	size_t		 errlen;
};

struct conf_directive {
	const char	*name;
	int		 nargs;		/* fields after the name */
	int		 repeatable;
	int		 (*parse)(struct conf_parse *, char **);
};

static int	conf_error(struct conf_parse *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	conf_integer(struct conf_parse *, const char *, const char *,
		    int64_t, int64_t, int64_t *);
static int	conf_set_database(struct conf_parse *, char **);
static int	conf_set_durability(struct conf_parse *, char **);
static int	conf_set_lock_timeout(struct conf_parse *, char **);
static int	conf_set_default_limit(struct conf_parse *, char **);
static int	conf_set_key_prefix(struct conf_parse *, char **);
static int	conf_set_unmatched(struct conf_parse *, char **);
static int	conf_set_log_level(struct conf_parse *, char **);
static int	conf_set_threads(struct conf_parse *, char **);
static int	conf_set_retention(struct conf_parse *, char **);
static int	conf_add_route(struct conf_parse *, char **);
static int	conf_parse_methods(struct conf_parse *, const char *,
		    unsigned int *);

static const struct conf_directive conf_directives[] = {
	{ "database",		 1, 0, conf_set_database },
	{ "durability",		 1, 0, conf_set_durability },
	{ "lock_timeout_ms",	 1, 0, conf_set_lock_timeout },
	{ "default_daily_limit", 1, 0, conf_set_default_limit },
	{ "key_prefix",		 1, 0, conf_set_key_prefix },
	{ "unmatched",		 1, 0, conf_set_unmatched },
	{ "log_level",		 1, 0, conf_set_log_level },
	{ "threads",		 1, 0, conf_set_threads },
	{ "retention_days",	 1, 0, conf_set_retention },
	{ "route",		 3, 1, conf_add_route },
};
#define CONF_NDIRECTIVES (sizeof(conf_directives) / sizeof(conf_directives[0]))

static const struct {
	const char	*name;
	unsigned int	 bit;
} conf_methods[] = {
	{ "GET", CONF_METHOD_GET },
	{ "HEAD", CONF_METHOD_HEAD },
	{ "POST", CONF_METHOD_POST },
	{ "PUT", CONF_METHOD_PUT },
	{ "PATCH", CONF_METHOD_PATCH },
	{ "DELETE", CONF_METHOD_DELETE },
	{ "OPTIONS", CONF_METHOD_OPTIONS },
};

static int
conf_error(struct conf_parse *cp, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	n = cp->line > 0 ?
	    snprintf(cp->err, cp->errlen, "%s:%d: ", cp->file, cp->line) :
	    snprintf(cp->err, cp->errlen, "%s: ", cp->file);
	if (n < 0 || (size_t)n >= cp->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(cp->err + n, cp->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int
conf_integer(struct conf_parse *cp, const char *name, const char *s,
    int64_t min, int64_t max, int64_t *out)
{
	char		*end;
	long long	 v;

	if (!isdigit((unsigned char)s[0]))
		return conf_error(cp, "%s: '%s' is not a whole number", name,
		    s);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return conf_error(cp, "%s: '%s' is not a whole number", name,
		    s);
	if (errno == ERANGE || v < min || v > max)
		return conf_error(cp, "%s: %s is out of range (%lld to %lld)",
		    name, s, (long long)min, (long long)max);
	*out = v;
	return 0;
}

static int
conf_set_database(struct conf_parse *cp, char **argv)
{
	const char	*slash;
	size_t		 dirlen;

	if (argv[0][0] == '/' || (slash = strrchr(cp->file, '/')) == NULL) {
		cp->conf->database = strdup(argv[0]);
	} else {
		/* A relative path is relative to the configuration file. */
		dirlen = (size_t)(slash - cp->file);
		cp->conf->database = malloc(dirlen + 1 + strlen(argv[0]) + 1);
		if (cp->conf->database != NULL)
			sprintf(cp->conf->database, "%.*s/%s", (int)dirlen,
			    cp->file, argv[0]);
	}
	if (cp->conf->database == NULL)
		return conf_error(cp, "out of memory");
	return 0;
}

static int
conf_set_durability(struct conf_parse *cp, char **argv)
{
	if (strcmp(argv[0], "normal") == 0)
		cp->conf->durability = CONF_DURABILITY_NORMAL;
	else if (strcmp(argv[0], "full") == 0)
		cp->conf->durability = CONF_DURABILITY_FULL;
	else
		return conf_error(cp,
		    "durability: '%s' is invalid, use normal or full", argv[0]);
	return 0;
}

static int
conf_set_lock_timeout(struct conf_parse *cp, char **argv)
{
	int64_t	v;

	if (conf_integer(cp, "lock_timeout_ms", argv[0], 1, 600000, &v) == -1)
		return -1;
	cp->conf->lock_timeout_ms = (int)v;
	return 0;
}

static int
conf_set_default_limit(struct conf_parse *cp, char **argv)
{
	return conf_integer(cp, "default_daily_limit", argv[0], 0,
	    CONF_LIMIT_MAX, &cp->conf->default_daily_limit);
}

static int
conf_set_key_prefix(struct conf_parse *cp, char **argv)
{
	const char	*p;
	size_t		 len = strlen(argv[0]);

	if (len > CONF_KEY_PREFIX_MAX)
		return conf_error(cp,
		    "key_prefix: '%s' is longer than %d characters", argv[0],
		    CONF_KEY_PREFIX_MAX);
	for (p = argv[0]; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return conf_error(cp, "key_prefix: '%s' may only "
			    "contain letters, digits, '_' and '-'", argv[0]);
	free(cp->conf->key_prefix);
	if ((cp->conf->key_prefix = strdup(argv[0])) == NULL)
		return conf_error(cp, "out of memory");
	return 0;
}

static int
conf_set_unmatched(struct conf_parse *cp, char **argv)
{
	if (strcmp(argv[0], "deny") == 0)
		cp->conf->unmatched = CONF_UNMATCHED_DENY;
	else if (strcmp(argv[0], "free") == 0)
		cp->conf->unmatched = CONF_UNMATCHED_FREE;
	else
		return conf_error(cp,
		    "unmatched: '%s' is invalid, use deny or free", argv[0]);
	return 0;
}

static int
conf_set_log_level(struct conf_parse *cp, char **argv)
{
	enum log_level	level;

	if (log_level_parse(argv[0], &level) == -1)
		return conf_error(cp, "log_level: '%s' is invalid, use error, "
		    "warn, info or debug", argv[0]);
	cp->conf->log_level = (int)level;
	return 0;
}

static int
conf_set_threads(struct conf_parse *cp, char **argv)
{
	int64_t	v;

	if (conf_integer(cp, "threads", argv[0], 1, 256, &v) == -1)
		return -1;
	cp->conf->threads = (int)v;
	return 0;
}

static int
conf_set_retention(struct conf_parse *cp, char **argv)
{
	int64_t	v;

	if (conf_integer(cp, "retention_days", argv[0], 0, CONF_RETENTION_MAX,
	    &v) == -1)
		return -1;
	cp->conf->retention_days = (int)v;
	return 0;
}

static int
conf_parse_methods(struct conf_parse *cp, const char *list, unsigned int *bits)
{
	char	 copy[128];
	char	*tok, *save = NULL;
	size_t	 i;

	if (strcmp(list, "*") == 0) {
		*bits = CONF_METHOD_ANY;
		return 0;
	}
	if (strlen(list) >= sizeof(copy))
		return conf_error(cp, "route: method list too long");
	/* strtok_r skips empty fields, so catch "GET,,POST" and "GET," here. */
	if (list[0] == ',' || list[strlen(list) - 1] == ',' ||
	    strstr(list, ",,") != NULL)
		return conf_error(cp, "route: empty entry in method list '%s'",
		    list);
	strcpy(copy, list);

	*bits = 0;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(conf_methods) / sizeof(conf_methods[0]);
		    i++)
			if (strcmp(tok, conf_methods[i].name) == 0)
				break;
		if (i == sizeof(conf_methods) / sizeof(conf_methods[0]))
			return conf_error(cp, "route: unknown method '%s' "
			    "(use GET, HEAD, POST, PUT, PATCH, DELETE, "
			    "OPTIONS or *)", tok);
		*bits |= conf_methods[i].bit;
	}
	if (*bits == 0)
		return conf_error(cp, "route: empty method list");
	return 0;
}

static int
conf_add_route(struct conf_parse *cp, char **argv)
{
	struct conf		*conf = cp->conf;
	struct conf_route	*routes, *route;
	char			 normal[PATH_MAX_LEN + 4];
	const char		*reason;
	size_t			 len = strlen(argv[1]);
	int			 prefix = 0;
	int64_t			 cost;
	unsigned int		 methods = 0;

	if (conf_parse_methods(cp, argv[0], &methods) == -1)
		return -1;

	if (len > 0 && argv[1][len - 1] == '*') {
		prefix = 1;
		argv[1][--len] = '\0';
	}
	if (strchr(argv[1], '*') != NULL)
		return conf_error(cp, "route: '*' may only end a pattern");
	if (path_normalize(argv[1], normal, sizeof(normal), &reason) == -1)
		return conf_error(cp, "route: pattern '%s%s': %s", argv[1],
		    prefix ? "*" : "", reason);
	if (strcmp(normal, argv[1]) != 0)
		return conf_error(cp, "route: pattern '%s%s' is not in normal "
		    "form (write '%s')", argv[1], prefix ? "*" : "", normal);
	if (conf_integer(cp, "route cost", argv[2], 0, CONF_COST_MAX,
	    &cost) == -1)
		return -1;

	routes = reallocarray(conf->routes, conf->nroutes + 1,
	    sizeof(*routes));
	if (routes == NULL)
		return conf_error(cp, "out of memory");
	conf->routes = routes;
	route = &routes[conf->nroutes];
	memset(route, 0, sizeof(*route));
	if ((route->pattern = strdup(argv[1])) == NULL)
		return conf_error(cp, "out of memory");
	conf->nroutes++;
	route->pattern_len = len;
	route->prefix = prefix;
	route->methods = methods;
	route->cost = cost;
	route->line = cp->line;
	return 0;
}

/* Split line into blank-separated fields, stopping at a comment. */
static int
conf_split(char *line, char **argv, int max)
{
	int	argc = 0;
	char	*p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			return argc;
		if (argc == max)
			return -1;
		argv[argc++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '#')
			p++;
		if (*p == '#') {
			*p = '\0';
			return argc;
		}
		if (*p != '\0')
			*p++ = '\0';
	}
}

static int
conf_parse_file(struct conf_parse *cp, FILE *fp, unsigned int *seen)
{
	char	*line = NULL;
	char	*argv[CONF_FIELDS_MAX];
	size_t	 i, cap = 0, len;
	ssize_t	 n;
	int	 argc, rc = -1;

	while ((n = getline(&line, &cap, fp)) != -1) {
		cp->line++;
		len = (size_t)n;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (len > CONF_LINE_MAX) {
			conf_error(cp, "line longer than %d bytes",
			    CONF_LINE_MAX);
			goto out;
		}
		/* The text after a NUL would be ignored without a word. */
		if (memchr(line, '\0', len) != NULL) {
			conf_error(cp, "NUL byte in the line");
			goto out;
		}
		line[strcspn(line, "\r\n")] = '\0';

		if ((argc = conf_split(line, argv, CONF_FIELDS_MAX)) == -1) {
			conf_error(cp, "too many fields");
			goto out;
		}
		if (argc == 0)
			continue;

		for (i = 0; i < CONF_NDIRECTIVES; i++)
			if (strcmp(argv[0], conf_directives[i].name) == 0)
				break;
		if (i == CONF_NDIRECTIVES) {
			conf_error(cp, "unknown directive '%s'", argv[0]);
			goto out;
		}
		if (argc - 1 != conf_directives[i].nargs) {
			conf_error(cp, "%s takes %d value%s, not %d",
			    argv[0], conf_directives[i].nargs,
			    conf_directives[i].nargs == 1 ? "" : "s", argc - 1);
			goto out;
		}
		if (!conf_directives[i].repeatable && (*seen & (1u << i))) {
			conf_error(cp, "%s is set twice", argv[0]);
			goto out;
		}
		*seen |= 1u << i;
		if (conf_directives[i].parse(cp, argv + 1) == -1)
			goto out;
	}
	if (ferror(fp)) {
		conf_error(cp, "read failed: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(line);
	return rc;
}

struct conf *
conf_load(const char *path, char *err, size_t errlen)
{
	struct conf_parse	 cp;
	struct conf		*conf;
	FILE			*fp = NULL;
	unsigned int		 seen = 0;

	memset(&cp, 0, sizeof(cp));
	cp.file = path;
	cp.err = err;
	cp.errlen = errlen;

	if ((conf = calloc(1, sizeof(*conf))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	cp.conf = conf;
	conf->durability = CONF_DURABILITY_NORMAL;
	conf->lock_timeout_ms = 2000;
	conf->default_daily_limit = 1000;
	conf->unmatched = CONF_UNMATCHED_DENY;
	conf->log_level = LOG_LEVEL_INFO;
	conf->threads = 32;
	conf->retention_days = 400;
	if ((conf->file = strdup(path)) == NULL ||
	    (conf->key_prefix = strdup("dl_")) == NULL) {
		conf_error(&cp, "out of memory");
		goto fail;
	}

	if ((fp = fopen(path, "r")) == NULL) {
		conf_error(&cp, "cannot open: %s", strerror(errno));
		goto fail;
	}
	if (conf_parse_file(&cp, fp, &seen) == -1)
		goto fail;

	cp.line = 0;
	if (conf->database == NULL) {
		conf_error(&cp, "missing required directive 'database'");
		goto fail;
	}
	if (conf->nroutes == 0) {
		conf_error(&cp, "no route defined; add at least one "
		    "'route METHODS PATTERN COST' line");
		goto fail;
	}
	fclose(fp);
	return conf;

fail:
	if (fp != NULL)
		fclose(fp);
	conf_free(conf);
	return NULL;
}

void
conf_free(struct conf *conf)
{
	size_t	i;

	if (conf == NULL)
		return;
	for (i = 0; i < conf->nroutes; i++)
		free(conf->routes[i].pattern);
	free(conf->routes);
	free(conf->file);
	free(conf->database);
	free(conf->key_prefix);
	free(conf);
}

const char *
conf_choose_path(const char *option)
{
	const char	*env;

	if (option != NULL)
		return option;
	if ((env = getenv(CONF_ENV)) != NULL && *env != '\0')
		return env;
	return CONF_DEFAULT_PATH;
}

const char *
conf_default_path(void)
{
	return CONF_DEFAULT_PATH;
}

unsigned int
conf_method_bit(const char *method)
{
	size_t	i;

	for (i = 0; i < sizeof(conf_methods) / sizeof(conf_methods[0]); i++)
		if (strcmp(method, conf_methods[i].name) == 0)
			return conf_methods[i].bit;
	return 0;
}

const struct conf_route *
conf_route_match(const struct conf *conf, const char *method,
    const char *path)
{
	const struct conf_route	*route;
	unsigned int		 bit = conf_method_bit(method);
	size_t			 i;

	for (i = 0; i < conf->nroutes; i++) {
		route = &conf->routes[i];
		if (route->methods != CONF_METHOD_ANY &&
		    (bit == 0 || (route->methods & bit) == 0))
			continue;
		if (route->prefix) {
			if (strncmp(path, route->pattern,
			    route->pattern_len) == 0)
				return route;
		} else if (strcmp(path, route->pattern) == 0)
			return route;
	}
	return NULL;
}
