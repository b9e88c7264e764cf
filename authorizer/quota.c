/*
 * The writer thread and its queue; see quota.h for the design. The queue
 * is a singly linked FIFO under quota_lock. Jobs live on the submitting
 * worker's stack, which is safe because each worker waits until the
 * writer posts its job's semaphore, and the writer no longer touches a
 * job after that.
 *
 * The database is opened at start and reopened after any error other than
 * a lock timeout. So the authorizer starts and responds with 503 while the
 * file is missing or broken, and resumes by itself once it is repaired.
 *
 * Lock order: quota_lock before tally.c's lock; tally_add never takes
 * quota_lock.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "checkpoint.h"
#include "log.h"
#include "quota.h"
#include "tally.h"

#define QUOTA_BATCH_MAX	512	/* decisions per transaction at most */

static pthread_mutex_t	 quota_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 quota_work = PTHREAD_COND_INITIALIZER;
static struct quota_job	*quota_head, *quota_tail;
static int		 quota_stopping;
static pthread_t	 quota_thread;
static const struct conf *quota_conf;
static struct db	*quota_db;	/* owned by the writer thread */
static struct tally	 quota_tally;	/* the writer's, while writing */
static time_t		 quota_tally_warned;	/* last warning, s */

static void	*quota_main(void *);
static void	 quota_run_batch(struct quota_job *);
static int	 quota_decide_one(struct quota_job *, struct reqerr *);

int
quota_start(const struct conf *conf)
{
	quota_conf = conf;
	quota_stopping = 0;
	if (checkpoint_start(conf) == -1)
		return -1;
	if (pthread_create(&quota_thread, NULL, quota_main, NULL) != 0) {
		checkpoint_stop();
		return -1;
	}
	return 0;
}

void
quota_decide(struct quota_job *job)
{
	job->next = NULL;
	reqerr_clear(&job->re);
	/* Cannot fail: the semaphore is private and starts at 0. */
	(void)sem_init(&job->decided, 0, 0);

	pthread_mutex_lock(&quota_lock);
	if (quota_tail != NULL)
		quota_tail->next = job;
	else
		quota_head = job;
	quota_tail = job;
	pthread_cond_signal(&quota_work);
	pthread_mutex_unlock(&quota_lock);

	/*
	 * A semaphore per job wakes this worker alone, so finishing a batch
	 * wakes no other worker and no thread contends for quota_lock.
	 */
	while (sem_wait(&job->decided) == -1 && errno == EINTR)
		continue;
	sem_destroy(&job->decided);
}

void
quota_stop(void)
{
	pthread_mutex_lock(&quota_lock);
	quota_stopping = 1;
	pthread_cond_signal(&quota_work);
	pthread_mutex_unlock(&quota_lock);
	pthread_join(quota_thread, NULL);
	checkpoint_stop();
}

/*
 * Take up to QUOTA_BATCH_MAX jobs off the queue, waiting at most
 * QUOTA_IDLE_FLUSH_MS for one. Returns NULL when none came, with OUT:
 * stopping set if the engine is stopping.
 */
static struct quota_job *
quota_take(int *stopping)
{
	struct quota_job	*batch, *last;
	struct timespec		 deadline;
	int			 n = 1, rc = 0;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += QUOTA_IDLE_FLUSH_MS / 1000;
	deadline.tv_nsec += (QUOTA_IDLE_FLUSH_MS % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}

	pthread_mutex_lock(&quota_lock);
	while (quota_head == NULL && !quota_stopping && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&quota_work, &quota_lock,
		    &deadline);
	*stopping = quota_stopping;
	batch = quota_head;
	if (batch != NULL) {
		for (last = batch; last->next != NULL && n < QUOTA_BATCH_MAX;
		    last = last->next)
			n++;
		quota_head = last->next;
		if (quota_head == NULL)
			quota_tail = NULL;
		last->next = NULL;
	}
	pthread_mutex_unlock(&quota_lock);
	return batch;
}

/*
 * Open the database. Returns 0, or -1 with the cause in re. After a
 * failure the batch gets 503 and the next batch tries again.
 */
static int
quota_open(struct reqerr *re)
{
	const struct conf	*conf = quota_conf;

	quota_db = db_open(conf->database,
	    conf->durability == CONF_DURABILITY_FULL, conf->lock_timeout_ms,
	    DB_OPEN_CORE, re);
	if (quota_db == NULL)
		return -1;
	db_defer_checkpoints(quota_db, DB_CHECKPOINT_PAGES, checkpoint_wake,
	    NULL);
	return 0;
}

/*
 * Write the pending refusal counts inside the open transaction, in a
 * savepoint, so a failure here never fails the batch's decisions.
 * Returns 1 if counts were written (the caller restores them if the
 * commit fails), 0 if there were none or they were put back.
 */
static int
quota_write_tally(void)
{
	struct reqerr	re;
	time_t		now;

	if (!tally_take(&quota_tally))
		return 0;
	reqerr_clear(&re);
	if (db_savepoint(quota_db, &re) == 0) {
		if (tally_write(quota_db, &quota_tally, &re) == 0 &&
		    db_release(quota_db, &re) == 0)
			return 1;
		(void)db_rollback_to(quota_db, NULL);
	}
	tally_restore(&quota_tally);

	/* The decisions still commit. Warn at most once a minute. */
	now = time(NULL);
	if (now - quota_tally_warned >= 60) {
		quota_tally_warned = now;
		log_warnx("cannot write the refusal counters: %s; keeping "
		    "them for the next transaction", re.db_message[0] != '\0' ?
		    re.db_message : re.message);
	}
	return 0;
}

/* Log, after a commit, the refusals that could not be kept in memory. */
static void
quota_tally_committed(void)
{
	if (quota_tally.dropped > 0)
		log_warnx("%lld refusals were not counted: the database was "
		    "unavailable for more than %d days of them",
		    (long long)quota_tally.dropped, TALLY_DAYS);
}

/*
 * Write pending refusal counts when no request is waiting. With a lock
 * timeout of 0 this transaction never waits for another process's lock,
 * so a request that arrives meanwhile waits only for its few statements.
 * A failed write is retried later or done by the next batch. Failures
 * are logged at debug level only, because each request that meets a
 * broken database logs the cause itself.
 */
static void
quota_flush_idle(int lock_timeout_ms)
{
	struct reqerr	re;
	int		failed = 0;

	if (!tally_pending())
		return;
	reqerr_clear(&re);
	if (quota_db == NULL && quota_open(&re) == -1) {
		log_debug("refusal counters not written: %s",
		    re.db_message[0] != '\0' ? re.db_message : re.message);
		return;
	}
	if (!tally_take(&quota_tally))
		return;

	db_set_lock_timeout(quota_db, lock_timeout_ms);
	if (db_begin(quota_db, &re) == -1 ||
	    tally_write(quota_db, &quota_tally, &re) == -1 ||
	    db_commit(quota_db, &re) == -1)
		failed = 1;
	if (failed) {
		db_rollback(quota_db);
		tally_restore(&quota_tally);
		log_debug("refusal counters not written: %s",
		    re.db_message[0] != '\0' ? re.db_message : re.message);
		if (!db_error_is_busy(&re)) {
			db_close(quota_db);
			quota_db = NULL;
			return;
		}
	} else
		quota_tally_committed();
	db_set_lock_timeout(quota_db, quota_conf->lock_timeout_ms);
}

static void *
quota_main(void *arg)
{
	struct quota_job	*batch;
	struct reqerr		 re;
	int			 stopping = 0;

	(void)arg;

	/* Check the database at start, so a broken one shows in the log now. */
	reqerr_clear(&re);
	if (quota_open(&re) == -1)
		log_warnx("database unusable at start: %s; every request gets "
		    "503 until it is fixed", re.db_message[0] != '\0' ?
		    re.db_message : re.message);

	while (!stopping) {
		if ((batch = quota_take(&stopping)) != NULL) {
			stopping = 0;
			quota_run_batch(batch);
		} else if (!stopping)
			quota_flush_idle(0);
	}
	/* Last chance for the counts in memory. */
	quota_flush_idle(quota_conf->lock_timeout_ms);
	db_close(quota_db);
	quota_db = NULL;
	return NULL;
}

/* Decide one job inside the open transaction. Returns 0 or -1. */
static int
quota_decide_one(struct quota_job *job, struct reqerr *re)
{
	struct db_principal	*p = &job->principal;
	int			 rc;

	rc = db_key_resolve(quota_db, job->key_hash, p, re);
	if (rc == -1)
		return -1;
	if (rc == 0) {
		job->result = QUOTA_UNKNOWN_KEY;
		return 0;
	}
	if (!p->key_active || !p->user_active) {
		job->result = QUOTA_REVOKED;
		return 0;
	}

	if (job->cost == 0) {
		rc = job->count_free ?
		    db_usage_count_free(quota_db, p->user_id, job->day,
		    p->daily_limit, &job->used, re) :
		    db_usage_get(quota_db, p->user_id, job->day, &job->used,
		    re);
		if (rc == -1)
			return -1;
		job->result = QUOTA_ALLOWED;
		return 0;
	}
	rc = db_usage_charge(quota_db, p->user_id, job->day, job->cost,
	    p->daily_limit, &job->used, re);
	if (rc == -1)
		return -1;
	job->result = rc == 1 ? QUOTA_ALLOWED : QUOTA_DENIED;
	return 0;
}

/*
 * Decide a batch in one transaction. If anything fails, nothing of the
 * batch is committed and every job in it gets QUOTA_ERROR: a job may only
 * be answered "allowed" once its charge is durable.
 */
static void
quota_run_batch(struct quota_job *batch)
{
	struct quota_job	*job, *next;
	struct reqerr		 re;
	int			 failed = 0, counted = 0;

	reqerr_clear(&re);
	if (quota_db == NULL && quota_open(&re) == -1)
		failed = 1;
	if (!failed && (db_begin(quota_db, &re) == -1 ||
	    db_check_current(quota_db, &re) == -1))
		failed = 1;

	for (job = batch; job != NULL && !failed; job = job->next)
		if (quota_decide_one(job, &re) == -1)
			failed = 1;

	if (!failed)
		counted = quota_write_tally();
	if (!failed && db_commit(quota_db, &re) == -1)
		failed = 1;
	if (counted && failed)
		tally_restore(&quota_tally);
	else if (counted)
		quota_tally_committed();
	if (failed) {
		db_rollback(quota_db);
		/* A lock timeout is passing; anything else, start afresh. */
		if ((re.db_code & 0xff) != SQLITE_BUSY) {
			db_close(quota_db);
			quota_db = NULL;
		}
	}

	/* A posted job may be gone at once: read next before posting. */
	for (job = batch; job != NULL; job = next) {
		next = job->next;
		if (failed) {
			job->result = QUOTA_ERROR;
			job->re = re;
		}
		sem_post(&job->decided);
	}
}
