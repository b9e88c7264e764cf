/*
 * Counters of the requests the authorizer refused before any quota
 * applied (401, 400, 404) or could not decide (503), per UTC day, with
 * the source addresses of the 401s. Worker threads add to them in memory
 * after writing their reply. The quota writer moves them into the
 * database inside a transaction it runs anyway, so counting adds no
 * transaction to any request and never changes a decision. Counts that
 * could not be written (the database is down) stay in memory until a
 * transaction commits.
 */
#ifndef DRIPLINE_TALLY_H
#define DRIPLINE_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "utcday.h"

#define TALLY_DAYS		4	/* days held in memory at once */
#define TALLY_ADDRESSES		64	/* addresses per day between writes */
#define TALLY_ADDRESSES_PER_DAY	1000	/* addresses stored per day */

enum tally_kind {
	TALLY_UNAUTHORIZED,	/* 401 */
	TALLY_INVALID_PATH,	/* 400 */
	TALLY_ROUTE_NOT_FOUND,	/* 404 */
	TALLY_UNAVAILABLE	/* 503 */
};

struct tally_source {
	char	address[DB_ADDRESS_MAX + 1];
	int64_t	attempts;
};

struct tally_day {
	char			day[UTCDAY_DAY_LEN + 1];
	struct db_system_day	counts;
	struct tally_source	sources[TALLY_ADDRESSES];
	size_t			nsources;
};

/* Counts not yet in the database. */
struct tally {
	struct tally_day	days[TALLY_DAYS];
	size_t			ndays;
	/* Refusals lost because more than TALLY_DAYS days were pending. */
	int64_t			dropped;
};

/*
 * Count one refusal on day. address is the client's REMOTE_ADDR (NULL
 * when the web server sent none) and is only kept for 401s. Thread-safe
 * and never blocks on the database.
 */
void	tally_add(const char *day, enum tally_kind kind, const char *address);

/* Tell whether counts are waiting to be written. Returns 1 or 0. */
int	tally_pending(void);

/*
 * Move every pending count into OUT: t, leaving none pending. Returns 1,
 * or 0 if nothing was pending.
 */
int	tally_take(struct tally *t);

/* Put counts taken with tally_take back, after a failed write. */
void	tally_restore(const struct tally *t);

/*
 * Add t to the database. Must run inside db_begin. Returns 0, or -1 with
 * the cause in re, in which case the transaction must be rolled back (or
 * rolled back to a savepoint) before it commits.
 */
int	tally_write(struct db *db, const struct tally *t, struct reqerr *re);

#endif
