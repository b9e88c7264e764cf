/*
 * The checkpoint thread; see checkpoint.h. It sleeps until the quota
 * writer's commit hook wakes it, then runs one passive checkpoint, which
 * waits for no lock: frames that a reader still needs, or that another
 * process is copying, are left for the next wake. The connection is
 * opened on the first wake and reopened after a failure, so a database
 * that is broken at start delays nothing.
 */
#include "config.h"

#include <pthread.h>
#include <time.h>

#include "checkpoint.h"
#include "db.h"
#include "log.h"
#include "reqerr.h"

#define CHECKPOINT_WARN_INTERVAL	60	/* s between warnings */

static pthread_mutex_t	 checkpoint_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 checkpoint_cond = PTHREAD_COND_INITIALIZER;
static int		 checkpoint_pending;
static int		 checkpoint_stopping;
static pthread_t	 checkpoint_thread;
static const struct conf *checkpoint_conf;
static struct db	*checkpoint_db;		/* the thread's own */
static time_t		 checkpoint_warned;

static void	*checkpoint_main(void *);

int
checkpoint_start(const struct conf *conf)
{
	checkpoint_conf = conf;
	checkpoint_pending = 0;
	checkpoint_stopping = 0;
	if (pthread_create(&checkpoint_thread, NULL, checkpoint_main,
	    NULL) != 0)
		return -1;
	return 0;
}

void
checkpoint_wake(void *arg)
{
	(void)arg;

	pthread_mutex_lock(&checkpoint_lock);
	checkpoint_pending = 1;
	pthread_cond_signal(&checkpoint_cond);
	pthread_mutex_unlock(&checkpoint_lock);
}

void
checkpoint_stop(void)
{
	pthread_mutex_lock(&checkpoint_lock);
	checkpoint_stopping = 1;
	pthread_cond_signal(&checkpoint_cond);
	pthread_mutex_unlock(&checkpoint_lock);
	pthread_join(checkpoint_thread, NULL);
}

/*
 * Run one checkpoint. A checkpoint that another process is running is
 * not a failure. Any other error closes the connection and is logged at
 * most once a minute, because the writer logs its own errors anyway.
 */
static void
checkpoint_run(void)
{
	const struct conf	*conf = checkpoint_conf;
	struct reqerr		 re;
	time_t			 now;

	reqerr_clear(&re);
	if (checkpoint_db == NULL)
		checkpoint_db = db_open(conf->database,
		    conf->durability == CONF_DURABILITY_FULL,
		    conf->lock_timeout_ms, DB_OPEN_CORE, &re);
	if (checkpoint_db != NULL && db_checkpoint(checkpoint_db, &re) == 0)
		return;
	if (checkpoint_db != NULL && db_error_is_busy(&re))
		return;

	db_close(checkpoint_db);
	checkpoint_db = NULL;
	now = time(NULL);
	if (now - checkpoint_warned >= CHECKPOINT_WARN_INTERVAL) {
		checkpoint_warned = now;
		log_warnx("checkpoint failed: %s (the write-ahead log keeps "
		    "growing until one succeeds)", re.db_message[0] != '\0' ?
		    re.db_message : re.message);
	}
}

static void *
checkpoint_main(void *arg)
{
	int	stopping;

	(void)arg;

	for (;;) {
		pthread_mutex_lock(&checkpoint_lock);
		while (!checkpoint_pending && !checkpoint_stopping)
			pthread_cond_wait(&checkpoint_cond, &checkpoint_lock);
		stopping = checkpoint_stopping;
		checkpoint_pending = 0;
		pthread_mutex_unlock(&checkpoint_lock);

		if (stopping)
			break;
		checkpoint_run();
	}
	/* The last connection to close, maybe the writer's, checkpoints. */
	db_close(checkpoint_db);
	checkpoint_db = NULL;
	return NULL;
}
