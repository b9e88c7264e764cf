/*
 * Internals shared by the db_*.c files: the connection, its prepared
 * statement cache, and error recording. Nothing outside db/ includes this.
 */
#ifndef DRIPLINE_DB_INT_H
#define DRIPLINE_DB_INT_H

#include <sys/types.h>

#include <sqlite3.h>

#include "db.h"

/* Every statement the program runs; the SQL is in db_sql[] in db.c. */
enum db_stmt {
	DB_STMT_BEGIN_IMMEDIATE,
	DB_STMT_COMMIT,
	DB_STMT_ROLLBACK,
	DB_STMT_SAVEPOINT,
	DB_STMT_RELEASE,
	DB_STMT_ROLLBACK_TO,
	DB_STMT_KEY_RESOLVE,
	DB_STMT_USAGE_CHARGE,
	DB_STMT_USAGE_DENY,
	DB_STMT_USAGE_GET,
	DB_STMT_USER_INSERT,
	DB_STMT_USER_GET,
	DB_STMT_USER_GET_BY_EXTERNAL_ID,
	DB_STMT_USER_SET_LIMIT,
	DB_STMT_USER_REVOKE,
	DB_STMT_USER_KEYS_REVOKE,
	DB_STMT_KEY_INSERT,
	DB_STMT_KEY_REVOKE,
	DB_STMT_TOKEN_INSERT,
	DB_STMT_TOKEN_LIST,
	DB_STMT_TOKEN_REVOKE,
	DB_STMT_TOKEN_RESOLVE,
	DB_STMT_USER_LIST,
	DB_STMT_USER_KEY_COUNT,
	DB_STMT_KEY_GET,
	DB_STMT_KEY_LIST,
	DB_STMT_USAGE_RANGE,
	DB_STMT_USAGE_DAY_TOTALS,
	DB_STMT_USAGE_DAY_TOP,
	DB_STMT_USAGE_DAY_TOP_ERRORS,
	DB_STMT_USAGE_COUNT_FREE,
	DB_STMT_SYSTEM_ADD,
	DB_STMT_LOG_ADD,
	DB_STMT_SYSTEM_GET,
	DB_STMT_SOURCE_ADD,
	DB_STMT_SOURCE_TOP,
	DB_STMT_OUTCOMES_ADD,
	DB_STMT_PRUNE_UPSTREAM,
	DB_STMT_PRUNE_USAGE,
	DB_STMT_PRUNE_SYSTEM,
	DB_STMT_PRUNE_LOG,
	DB_STMT_PRUNE_SOURCES,
	DB_STMT_AUDIT_INSERT,
	DB_STMT_AUDIT_LIST,
	DB_STMT_VERSION_MAIN,
	DB_STMT_VERSION_CORE,
	DB_STMT_VERSION_ANALYTICS,
	DB_STMT_ANALYTICS_CREATE,
	DB_STMT_ANALYTICS_IMPORT,
	DB_STMT_COUNT
};

/*
 * The columns of upstream_daily after user_id and day, in the order of
 * struct db_outcomes: six outcomes, latency count, sum and maximum, then
 * one column per histogram bucket. p is a table alias with its dot, or "".
 */
#define DB_OUTCOME_COLUMNS	(9 + HISTOGRAM_BUCKETS)
#define DB_OUTCOME_COLUMN_LIST(p)					\
	p "status_2xx, " p "status_4xx, " p "status_5xx, "		\
	p "timed_out, " p "unreachable, " p "other, "			\
	p "latency_count, " p "latency_sum_us, " p "latency_max_us, "	\
	p "latency_le_5ms, " p "latency_le_10ms, " p "latency_le_25ms, "	\
	p "latency_le_50ms, " p "latency_le_100ms, "			\
	p "latency_le_250ms, " p "latency_le_500ms, "			\
	p "latency_le_1000ms, " p "latency_le_2500ms, "		\
	p "latency_le_5000ms, " p "latency_le_10000ms, "		\
	p "latency_le_30000ms, " p "latency_le_60000ms, "		\
	p "latency_gt_60000ms"

#define DB_BUSY_STEP_US	200	/* between tries for a lock */

struct db {
	sqlite3		*handle;
	sqlite3_stmt	*stmts[DB_STMT_COUNT];	/* owned, prepared lazily */
	char		*path;			/* owned */
	int		 lock_timeout_ms;
	int64_t		 busy_since_us;	/* when the lock wait began */
	int		 in_tx;		/* a BEGIN is open */
	int		 version_found;	/* schema version before migrating */
	int		 analytics_main;	/* DB_OPEN_ANALYTICS_WRITER */
	int		 analytics_open;	/* attached, or main */
	int		 analytics_created;	/* made empty by db_open */
	/* The files opened, to notice one replaced or removed. */
	struct db_file {
		char	*path;		/* owned; NULL: not opened */
		dev_t	 dev;
		ino_t	 ino;
	} files[2];
	/* db_defer_checkpoints */
	int		 checkpoint_pages;	/* 0: SQLite's own */
	void		(*checkpoint_wake)(void *);
	void		*checkpoint_arg;
};

/*
 * Hand out the cached statement id, preparing it on first use. Returns
 * NULL with the cause in re. The statement is reset and unbound.
 */
sqlite3_stmt	*db_stmt(struct db *db, enum db_stmt id, struct reqerr *re);

/* Reset and unbind a cached statement after use. Accepts NULL. */
void		 db_stmt_done(sqlite3_stmt *st);

/* Record the SQLite error rc of db into re. Returns -1. */
int		 db_fail_at(struct db *db, int rc, const char *func, int line,
		    struct reqerr *re);
#define db_fail(db, rc, re)	db_fail_at((db), (rc), __func__, __LINE__, (re))

/*
 * Bind parameters 1..n of st from the arguments, one letter of fmt each:
 * 't' a NUL-terminated string (borrowed until the statement is done) and
 * 'i' an int64_t. Returns 0, or -1 with the cause in re.
 */
int		 db_bindf(struct db *db, sqlite3_stmt *st, struct reqerr *re,
		    const char *fmt, ...);

/*
 * Step st, which must not return rows, then reset it. Returns the number
 * of rows changed, or -1 with the cause in re.
 */
int		 db_step_change(struct db *db, sqlite3_stmt *st,
		    struct reqerr *re);

/*
 * Read the DB_OUTCOME_COLUMNS columns of st from col on into OUT: o.
 * SQL NULL (no upstream_daily row) reads as 0.
 */
void		 db_outcomes_columns(sqlite3_stmt *st, int col,
		    struct db_outcomes *o);

/* Copy column col of st into dst (size dstlen), "" for NULL. */
void		 db_column_copy(sqlite3_stmt *st, int col, char *dst,
		    size_t dstlen);

#endif
