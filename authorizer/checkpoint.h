/*
 * The checkpoint thread. SQLite copies its write-ahead log back into the
 * database file once the log has grown (a checkpoint), and by default the
 * commit that crosses the threshold does the copy and its fsync. Here a
 * thread with its own connection does it, so the quota writer's commits,
 * which every waiting request depends on, do not wait for the copy. Only
 * if the log grows far past the threshold does the writer copy it itself
 * (see db_defer_checkpoints).
 */
#ifndef DRIPLINE_CHECKPOINT_H
#define DRIPLINE_CHECKPOINT_H

#include "conf.h"

/* Start the thread for conf's database (borrowed, must outlive it). */
int	checkpoint_start(const struct conf *conf);

/*
 * Request a checkpoint and return at once. The argument is unused: it
 * lets db_defer_checkpoints call the function.
 */
void	checkpoint_wake(void *arg);

/* Stop the thread and close its connection. */
void	checkpoint_stop(void);

#endif
