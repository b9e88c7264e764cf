/*
 * The Dripline configuration file: one directive per line, "#" starts a
 * comment, fields are separated by blanks. dripline.conf(5) documents each
 * directive. conf_load either returns a complete, checked configuration or
 * fails with "FILE:LINE: reason"; nothing half-read is ever returned.
 */
#ifndef DRIPLINE_CONF_H
#define DRIPLINE_CONF_H

#include <stddef.h>
#include <stdint.h>

#define CONF_ENV		"DRIPLINE_CONFIG"
#define CONF_KEY_PREFIX_MAX	16
#define CONF_LIMIT_MAX		1000000000000LL	/* units per day */
#define CONF_COST_MAX		1000000000LL	/* units per request */
#define CONF_RETENTION_MAX	36600	/* days, about a century */

enum conf_durability {
	CONF_DURABILITY_NORMAL = 0,	/* survives a process crash */
	CONF_DURABILITY_FULL		/* also survives power loss */
};

enum conf_unmatched {
	CONF_UNMATCHED_DENY = 0,	/* 404 route_not_found */
	CONF_UNMATCHED_FREE		/* authenticated, cost 0 */
};

/* Method bits for struct conf_route; CONF_METHOD_ANY also matches others. */
enum {
	CONF_METHOD_GET = 1 << 0,
	CONF_METHOD_HEAD = 1 << 1,
	CONF_METHOD_POST = 1 << 2,
	CONF_METHOD_PUT = 1 << 3,
	CONF_METHOD_PATCH = 1 << 4,
	CONF_METHOD_DELETE = 1 << 5,
	CONF_METHOD_OPTIONS = 1 << 6,
	CONF_METHOD_ANY = 0xffff
};

struct conf_route {
	unsigned int	 methods;	/* CONF_METHOD_* bits */
	char		*pattern;	/* owned; normal form, without "*" */
	size_t		 pattern_len;
	int		 prefix;	/* the pattern ended in "*" */
	int64_t		 cost;		/* units, 0 means free */
	int		 line;		/* where it was defined */
};

struct conf {
	char			*file;		/* owned: the file read */
	char			*database;	/* owned: absolute or as given */
	enum conf_durability	 durability;
	int			 lock_timeout_ms;
	int64_t			 default_daily_limit;
	char			*key_prefix;	/* owned */
	enum conf_unmatched	 unmatched;
	int			 log_level;	/* enum log_level */
	int			 threads;	/* authorizer worker threads */
	/* UTC days of per-day rows that driplinectl prune keeps; 0: all. */
	int			 retention_days;
	struct conf_route	*routes;	/* owned, in file order */
	size_t			 nroutes;
};

/*
 * Read and check the file at path. Returns a configuration the caller frees
 * with conf_free, or NULL with the reason in OUT: err.
 */
struct conf	*conf_load(const char *path, char *err, size_t errlen);
void		 conf_free(struct conf *conf);

/*
 * Pick the file to read: the option if given, else $DRIPLINE_CONFIG, else
 * the compiled-in default. Returns a borrowed string.
 */
const char	*conf_choose_path(const char *option);

/* Return the compiled-in default path, as the help texts show it. */
const char	*conf_default_path(void);

/* Map a request method to its CONF_METHOD_* bit; 0 for other methods. */
unsigned int	 conf_method_bit(const char *method);

/*
 * Find the first route matching the method and a normalized path.
 * Returns a route borrowed from conf, or NULL if none matches.
 */
const struct conf_route *conf_route_match(const struct conf *conf,
		    const char *method, const char *path);

#endif
