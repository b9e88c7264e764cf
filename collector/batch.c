/*
 * Batch of outcomes; see batch.h. Entries are found through an open
 * addressing hash on user and day with twice as many slots as entries,
 * so a lookup stays short however many users a batch holds.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "batch.h"

#define BATCH_SLOTS	(2 * BATCH_ENTRIES_MAX)	/* a power of two */

int
batch_init(struct batch *b)
{
	memset(b, 0, sizeof(*b));
	b->entries = calloc(BATCH_ENTRIES_MAX, sizeof(*b->entries));
	b->index = malloc(BATCH_SLOTS * sizeof(*b->index));
	if (b->entries == NULL || b->index == NULL) {
		batch_free(b);
		return -1;
	}
	memset(b->index, 0xff, BATCH_SLOTS * sizeof(*b->index));
	return 0;
}

void
batch_free(struct batch *b)
{
	free(b->entries);
	free(b->index);
	b->entries = NULL;
	b->index = NULL;
}

/* FNV-1a over the user id and the day. */
static uint32_t
batch_hash(const char *user_id, const char *day)
{
	uint32_t	h = 2166136261u;
	const char	*p;

	for (p = user_id; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (p = day; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

/* Find or add the entry of user and day; NULL if the batch is full. */
static struct batch_entry *
batch_entry(struct batch *b, const char *user_id, const char *day)
{
	struct batch_entry	*e;
	uint32_t		 slot;

	slot = batch_hash(user_id, day) & (BATCH_SLOTS - 1);
	for (;;) {
		if (b->index[slot] < 0)
			break;
		e = &b->entries[b->index[slot]];
		if (strcmp(e->user_id, user_id) == 0 &&
		    strcmp(e->day, day) == 0)
			return e;
		slot = (slot + 1) & (BATCH_SLOTS - 1);
	}
	if (b->nentries == BATCH_ENTRIES_MAX)
		return NULL;
	b->index[slot] = (int32_t)b->nentries;
	e = &b->entries[b->nentries++];
	memset(e, 0, sizeof(*e));
	memcpy(e->user_id, user_id, sizeof(e->user_id));
	memcpy(e->day, day, sizeof(e->day));
	return e;
}

int
batch_add(struct batch *b, const struct logline *line)
{
	struct batch_entry	*e;
	struct db_outcomes	*o;

	if ((e = batch_entry(b, line->user_id, line->day)) == NULL) {
		b->dropped++;
		return -1;
	}
	o = &e->outcomes;
	switch (line->outcome) {
	case LOGLINE_2XX:
		o->status_2xx++;
		break;
	case LOGLINE_4XX:
		o->status_4xx++;
		break;
	case LOGLINE_5XX:
		o->status_5xx++;
		break;
	case LOGLINE_TIMED_OUT:
		o->timed_out++;
		break;
	case LOGLINE_UNREACHABLE:
		o->unreachable++;
		break;
	case LOGLINE_OTHER:
		o->other++;
		break;
	}
	if (line->latency_us >= 0)
		histogram_add(&o->latency, line->latency_us);
	b->lines++;
	return 0;
}

int
batch_add_malformed(struct batch *b, const char *day)
{
	struct utc_window	w;
	size_t			i;

	if (day[0] == '\0') {
		utcday_window(utcday_now_ms(), &w);
		day = w.day;
	}
	for (i = 0; i < b->ndays; i++)
		if (strcmp(b->days[i].day, day) == 0)
			break;
	if (i == b->ndays) {
		if (b->ndays == BATCH_DAYS_MAX) {
			b->dropped++;
			return -1;
		}
		memset(&b->days[i], 0, sizeof(b->days[i]));
		memcpy(b->days[i].day, day, sizeof(b->days[i].day));
		b->ndays++;
	}
	b->days[i].malformed++;
	b->lines++;
	return 0;
}

/* Empty b after a write. */
static void
batch_clear(struct batch *b)
{
	memset(b->index, 0xff, BATCH_SLOTS * sizeof(*b->index));
	b->nentries = 0;
	b->ndays = 0;
	b->lines = 0;
}

/*
 * Add unmatched outcomes to the day's counters in days (n of them, at
 * most BATCH_ENTRIES_MAX + BATCH_DAYS_MAX).
 */
static void
batch_days_add(struct batch_day *days, int64_t *unmatched, size_t *n,
    const char *day, int64_t malformed, int64_t lines_unmatched)
{
	size_t	i;

	for (i = 0; i < *n; i++)
		if (strcmp(days[i].day, day) == 0)
			break;
	if (i == *n) {
		memcpy(days[i].day, day, sizeof(days[i].day));
		days[i].malformed = 0;
		unmatched[i] = 0;
		(*n)++;
	}
	days[i].malformed += malformed;
	unmatched[i] += lines_unmatched;
}

/*
 * Write entries [from, to) in one transaction, with the unmatched
 * outcomes among them, and the malformed line counts if with_malformed.
 * Adds to result only once committed. Returns 0 or -1.
 */
static int
batch_write_part(struct batch *b, struct db *db, size_t from, size_t to,
    int with_malformed, struct batch_result *result, struct reqerr *re)
{
	struct batch_result	 part;
	struct batch_day	*days = NULL;
	int64_t			*unmatched = NULL, n;
	size_t			 i, ndays = 0;
	int			 rc, ret = -1;

	memset(&part, 0, sizeof(part));
	days = calloc(to - from + b->ndays + 1, sizeof(*days));
	unmatched = calloc(to - from + b->ndays + 1, sizeof(*unmatched));
	if (days == NULL || unmatched == NULL) {
		REQERR(re, 500, "internal_error", "out of memory");
		goto out;
	}
	if (db_begin(db, re) == -1 || db_check_current(db, re) == -1)
		goto out;

	for (i = from; i < to; i++) {
		rc = db_outcomes_add(db, b->entries[i].user_id,
		    b->entries[i].day, &b->entries[i].outcomes, re);
		if (rc == -1)
			goto out;
		n = db_outcomes_total(&b->entries[i].outcomes);
		if (rc == 0) {
			batch_days_add(days, unmatched, &ndays,
			    b->entries[i].day, 0, n);
			part.unmatched += n;
		} else
			part.outcomes += n;
	}
	for (i = 0; with_malformed && i < b->ndays; i++) {
		batch_days_add(days, unmatched, &ndays, b->days[i].day,
		    b->days[i].malformed, 0);
		part.malformed += b->days[i].malformed;
	}
	for (i = 0; i < ndays; i++)
		if (db_log_add(db, days[i].day, days[i].malformed,
		    unmatched[i], re) == -1)
			goto out;
	if (db_commit(db, re) == -1)
		goto out;
	result->outcomes += part.outcomes;
	result->unmatched += part.unmatched;
	result->malformed += part.malformed;
	ret = 0;
out:
	db_rollback(db);
	free(days);
	free(unmatched);
	return ret;
}

/*
 * Drop the first n entries, which a write committed before it failed,
 * and index the others anew, so that outcomes added before the next try
 * go to entries that are still to be written.
 */
static void
batch_forget(struct batch *b, size_t n)
{
	uint32_t	slot;
	size_t		i;

	if (n == 0)
		return;
	memmove(b->entries, b->entries + n,
	    (b->nentries - n) * sizeof(*b->entries));
	b->nentries -= n;
	memset(b->index, 0xff, BATCH_SLOTS * sizeof(*b->index));
	for (i = 0; i < b->nentries; i++) {
		slot = batch_hash(b->entries[i].user_id, b->entries[i].day) &
		    (BATCH_SLOTS - 1);
		while (b->index[slot] >= 0)
			slot = (slot + 1) & (BATCH_SLOTS - 1);
		b->index[slot] = (int32_t)i;
	}
}

int
batch_write(struct batch *b, struct db *db, struct batch_result *result,
    struct reqerr *re)
{
	size_t	done = 0, to;

	memset(result, 0, sizeof(*result));
	do {
		to = b->nentries - done > BATCH_ENTRIES_PER_TX ?
		    done + BATCH_ENTRIES_PER_TX : b->nentries;
		if (batch_write_part(b, db, done, to, to == b->nentries,
		    result, re) == -1) {
			batch_forget(b, done);
			return -1;
		}
		done = to;
	} while (done < b->nentries);
	batch_clear(b);
	return 0;
}
