/*
 * A request error: what the client is shown (status, stable code, message)
 * and what only the operator's log gets (where it started, the database's
 * own code and message). The first error recorded wins, so a cleanup path
 * cannot overwrite the cause.
 */
#ifndef DRIPLINE_REQERR_H
#define DRIPLINE_REQERR_H

struct reqerr {
	int		 status;	/* HTTP status; 0 while no error */
	const char	*code;		/* stable machine-readable code */
	char		 message[256];	/* safe to show the client */
	const char	*func;		/* where the error was recorded */
	int		 line;
	int		 db_code;	/* extended SQLite code, or 0 */
	char		 db_message[256];	/* never shown to clients */
};

#define REQERR(re, st, cd, ...)						\
	reqerr_set((re), __func__, __LINE__, (st), (cd), __VA_ARGS__)

/* Record an error unless one is already recorded. Returns -1. */
int	reqerr_set(struct reqerr *re, const char *func, int line, int status,
	    const char *code, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));

/* Forget any recorded error. */
void	reqerr_clear(struct reqerr *re);

#endif
