/*
 * The quota engine: one writer thread owns the authorizer's database
 * connection and decides every request. Worker threads submit jobs and
 * wait. The writer takes all jobs waiting at that moment, decides them in
 * one transaction, commits, and only then releases the waiting workers.
 * So no two transactions of this process compete for SQLite's write lock,
 * a decision is never answered before it is durable, and with
 * durability full one fsync covers every decision of a batch.
 *
 * The writer's commits leave checkpoints to the thread of checkpoint.h.
 *
 * The same transactions carry the refusal counters of tally.h. When
 * counts are pending and no request has come for QUOTA_IDLE_FLUSH_MS, the
 * writer writes them in a transaction of their own that does not wait
 * for another process's lock.
 */
#ifndef DRIPLINE_QUOTA_H
#define DRIPLINE_QUOTA_H

#include <semaphore.h>
#include <stdint.h>

#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "reqerr.h"
#include "utcday.h"

enum quota_result {
	QUOTA_ALLOWED,		/* charged (or free) */
	QUOTA_DENIED,		/* would exceed the limit, nothing charged */
	QUOTA_UNKNOWN_KEY,
	QUOTA_REVOKED,		/* the key or its user is revoked */
	QUOTA_ERROR		/* no decision: answer 503, see re */
};

#define QUOTA_IDLE_FLUSH_MS	1000

struct quota_job {
	/* Filled by the submitter. */
	char			 key_hash[CRYPTO_SHA256_HEX_LEN + 1];
	int64_t			 cost;
	/* A free request (cost 0) that is allowed adds to "allowed". */
	int			 count_free;
	char			 day[UTCDAY_DAY_LEN + 1];

	/* Filled by the writer before it posts decided. */
	enum quota_result	 result;
	struct db_principal	 principal;
	int64_t			 used;		/* units for day afterwards */
	struct reqerr		 re;		/* cause when QUOTA_ERROR */

	/* Posted by the writer once the fields above are final. */
	sem_t			 decided;
	struct quota_job	*next;		/* queue link, under the engine's lock */
};

/* Start the writer thread for conf (borrowed, must outlive the engine). */
int	quota_start(const struct conf *conf);

/* Queue job and block until the writer has decided it. */
void	quota_decide(struct quota_job *job);

/* Decide what is queued, stop the writer and close the database. */
void	quota_stop(void);

#endif
