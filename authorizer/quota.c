/*
 * The writer thread and its queue; see quota.h for the design. The queue
 * is a singly linked FIFO under quota_lock. Jobs live on the submitting
 * worker's stack, which is safe because each worker waits until its job
 * is marked done, and the writer no longer touches a job after that.
 *
 * The database is opened at start and reopened after any error other than
 * a lock timeout. So the authorizer starts and responds with 503 while the
 * file is missing or broken, and resumes by itself once it is repaired.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "quota.h"

#define QUOTA_BATCH_MAX	512	/* decisions per transaction at most */

static pthread_mutex_t	 quota_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 quota_work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t	 quota_finished = PTHREAD_COND_INITIALIZER;
static struct quota_job	*quota_head, *quota_tail;
static int		 quota_stopping;
static pthread_t	 quota_thread;
static const struct conf *quota_conf;
static struct db	*quota_db;	/* owned by the writer thread */

static void	*quota_main(void *);
static void	 quota_run_batch(struct quota_job *);
static int	 quota_decide_one(struct quota_job *, struct reqerr *);

int
quota_start(const struct conf *conf)
{
	quota_conf = conf;
	quota_stopping = 0;
	if (pthread_create(&quota_thread, NULL, quota_main, NULL) != 0)
		return -1;
	return 0;
}

void
quota_decide(struct quota_job *job)
{
	job->done = 0;
	job->next = NULL;
	reqerr_clear(&job->re);

	pthread_mutex_lock(&quota_lock);
	if (quota_tail != NULL)
		quota_tail->next = job;
	else
		quota_head = job;
	quota_tail = job;
	pthread_cond_signal(&quota_work);
	while (!job->done)
		pthread_cond_wait(&quota_finished, &quota_lock);
	pthread_mutex_unlock(&quota_lock);
}

void
quota_stop(void)
{
	pthread_mutex_lock(&quota_lock);
	quota_stopping = 1;
	pthread_cond_signal(&quota_work);
	pthread_mutex_unlock(&quota_lock);
	pthread_join(quota_thread, NULL);
}

/* Take up to QUOTA_BATCH_MAX jobs off the queue; NULL when stopping. */
static struct quota_job *
quota_take(void)
{
	struct quota_job	*batch, *last;
	int			 n = 1;

	pthread_mutex_lock(&quota_lock);
	while (quota_head == NULL && !quota_stopping)
		pthread_cond_wait(&quota_work, &quota_lock);
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
	    0, re);
	return quota_db == NULL ? -1 : 0;
}

static void *
quota_main(void *arg)
{
	struct quota_job	*batch;
	struct reqerr		 re;

	(void)arg;

	/* Check the database at start, so a broken one shows in the log now. */
	reqerr_clear(&re);
	if (quota_open(&re) == -1)
		log_warnx("database unusable at start: %s; every request gets "
		    "503 until it is fixed", re.db_message[0] != '\0' ?
		    re.db_message : re.message);

	while ((batch = quota_take()) != NULL)
		quota_run_batch(batch);
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
		if (db_usage_get(quota_db, p->user_id, job->day, &job->used,
		    re) == -1)
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
	int			 failed = 0;

	reqerr_clear(&re);
	if (quota_db == NULL && quota_open(&re) == -1)
		failed = 1;
	if (!failed && db_begin(quota_db, &re) == -1)
		failed = 1;

	for (job = batch; job != NULL && !failed; job = job->next)
		if (quota_decide_one(job, &re) == -1)
			failed = 1;

	if (!failed && db_commit(quota_db, &re) == -1)
		failed = 1;
	if (failed) {
		db_rollback(quota_db);
		/* A lock timeout is passing; anything else, start afresh. */
		if ((re.db_code & 0xff) != SQLITE_BUSY) {
			db_close(quota_db);
			quota_db = NULL;
		}
	}

	pthread_mutex_lock(&quota_lock);
	for (job = batch; job != NULL; job = next) {
		next = job->next;
		if (failed) {
			job->result = QUOTA_ERROR;
			job->re = re;
		}
		job->done = 1;
	}
	pthread_cond_broadcast(&quota_finished);
	pthread_mutex_unlock(&quota_lock);
}
