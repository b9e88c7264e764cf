/*
 * The collector's batch: outcomes parsed from access log lines, added up
 * per user and day in memory, and written to the database in
 * transactions of BATCH_ENTRIES_PER_TX entries. What cannot be written
 * stays in the batch and is retried, so a database outage loses nothing
 * until the batch is full. Lines that do not fit after that are dropped,
 * and their requests show as unattributed.
 */
#ifndef DRIPLINE_BATCH_H
#define DRIPLINE_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "logline.h"
#include "utcday.h"

#define BATCH_ENTRIES_MAX	4096	/* users x days per batch */
#define BATCH_DAYS_MAX		8	/* days of line counters per batch */
/*
 * Entries per transaction. The authorizer waits for the write lock while
 * a transaction has it, and with 10^6 users each entry can cost a page
 * read, so a batch is written in parts.
 */
#define BATCH_ENTRIES_PER_TX	128

/* One user's outcomes on one day. */
struct batch_entry {
	char			user_id[DB_UUID_LEN + 1];
	char			day[UTCDAY_DAY_LEN + 1];
	struct db_outcomes	outcomes;
};

/* Lines of one day that could not be attributed. */
struct batch_day {
	char	day[UTCDAY_DAY_LEN + 1];
	int64_t	malformed;
};

struct batch {
	struct batch_entry	*entries;	/* owned, BATCH_ENTRIES_MAX */
	int32_t			*index;		/* owned hash of entries */
	size_t			 nentries;
	struct batch_day	 days[BATCH_DAYS_MAX];
	size_t			 ndays;
	int64_t			 lines;		/* lines added since written */
	int64_t			 dropped;	/* lines not kept: batch full */
};

/* Written by batch_write, for the log. */
struct batch_result {
	int64_t	outcomes;	/* outcomes recorded */
	int64_t	unmatched;	/* outcomes naming no decision */
	int64_t	malformed;
};

/* Allocate an empty batch. Returns 0, or -1 when out of memory. */
int	batch_init(struct batch *b);
void	batch_free(struct batch *b);

/*
 * Add one parsed outcome. Returns 0, or -1 if the batch is full and the
 * line was dropped (counted in b->dropped).
 */
int	batch_add(struct batch *b, const struct logline *line);

/*
 * Count a malformed line on day ("" for the current UTC day). Returns 0,
 * or -1 if the batch has no room for another day (counted in dropped).
 */
int	batch_add_malformed(struct batch *b, const char *day);

/*
 * Write the batch and empty it. Outcomes for a user and day without a
 * decision are counted as unmatched lines of that day, in the same
 * transaction. Returns 0 with OUT: result filled, or -1 with the cause in
 * re, in which case the batch keeps what was not committed for the next
 * try.
 */
int	batch_write(struct batch *b, struct db *db, struct batch_result *result,
	    struct reqerr *re);

#endif
