/*
 * The refusal counters; see tally.h. One mutex guards the pending
 * counts. Worker threads hold it for a few comparisons, the writer for a
 * copy; neither waits for anything else while holding it.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "tally.h"

static pthread_mutex_t	 tally_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tally	 tally_pending_counts;	/* under tally_lock */
static int		 tally_nonempty;	/* under tally_lock */

/*
 * Copy a REMOTE_ADDR into OUT: buf if it looks like an IPv4 or IPv6
 * address, with an optional IPv6 zone after "%". Anything else becomes
 * "invalid" and a missing one "unknown", so no arbitrary text is stored.
 */
static void
tally_address(const char *address, char buf[DB_ADDRESS_MAX + 1])
{
	size_t	len;

	if (address == NULL || *address == '\0') {
		strcpy(buf, "unknown");
		return;
	}
	len = strspn(address, "0123456789abcdefABCDEF:.%");
	if (address[len] != '\0' || len > DB_ADDRESS_MAX) {
		strcpy(buf, "invalid");
		return;
	}
	memcpy(buf, address, len + 1);
}

/*
 * Find the slot of day in t, adding it if needed. When every slot is
 * taken the oldest day (days sort as text) gives its slot up and its
 * counts are added to OUT: dropped. Never returns NULL.
 */
static struct tally_day *
tally_day_slot(struct tally *t, const char *day)
{
	struct tally_day	*slot;
	size_t			 i, oldest = 0;

	for (i = 0; i < t->ndays; i++)
		if (strcmp(t->days[i].day, day) == 0)
			return &t->days[i];
	if (t->ndays < TALLY_DAYS) {
		slot = &t->days[t->ndays++];
	} else {
		for (i = 1; i < t->ndays; i++)
			if (strcmp(t->days[i].day, t->days[oldest].day) < 0)
				oldest = i;
		slot = &t->days[oldest];
		t->dropped += slot->counts.unauthorized +
		    slot->counts.invalid_path + slot->counts.route_not_found +
		    slot->counts.unavailable;
	}
	memset(slot, 0, sizeof(*slot));
	memcpy(slot->day, day, sizeof(slot->day));
	return slot;
}

/* Add attempts from address to the day's sources, if there is room. */
static void
tally_source_add(struct tally_day *d, const char *address, int64_t attempts)
{
	size_t	i;

	for (i = 0; i < d->nsources; i++) {
		if (strcmp(d->sources[i].address, address) == 0) {
			d->sources[i].attempts += attempts;
			return;
		}
	}
	if (d->nsources == TALLY_ADDRESSES)
		return;
	snprintf(d->sources[d->nsources].address,
	    sizeof(d->sources[0].address), "%s", address);
	d->sources[d->nsources++].attempts = attempts;
}

void
tally_add(const char *day, enum tally_kind kind, const char *address)
{
	struct tally_day	*d;
	char			 addr[DB_ADDRESS_MAX + 1];

	if (kind == TALLY_UNAUTHORIZED)
		tally_address(address, addr);

	pthread_mutex_lock(&tally_lock);
	d = tally_day_slot(&tally_pending_counts, day);
	switch (kind) {
	case TALLY_UNAUTHORIZED:
		d->counts.unauthorized++;
		tally_source_add(d, addr, 1);
		break;
	case TALLY_INVALID_PATH:
		d->counts.invalid_path++;
		break;
	case TALLY_ROUTE_NOT_FOUND:
		d->counts.route_not_found++;
		break;
	case TALLY_UNAVAILABLE:
		d->counts.unavailable++;
		break;
	}
	tally_nonempty = 1;
	pthread_mutex_unlock(&tally_lock);
}

int
tally_pending(void)
{
	int	pending;

	pthread_mutex_lock(&tally_lock);
	pending = tally_nonempty;
	pthread_mutex_unlock(&tally_lock);
	return pending;
}

int
tally_take(struct tally *t)
{
	int	nonempty;

	pthread_mutex_lock(&tally_lock);
	nonempty = tally_nonempty;
	if (nonempty) {
		*t = tally_pending_counts;
		memset(&tally_pending_counts, 0, sizeof(tally_pending_counts));
		tally_nonempty = 0;
	}
	pthread_mutex_unlock(&tally_lock);
	return nonempty;
}

void
tally_restore(const struct tally *t)
{
	struct tally_day	*d;
	const struct tally_day	*from;
	size_t			 i, j;

	pthread_mutex_lock(&tally_lock);
	for (i = 0; i < t->ndays; i++) {
		from = &t->days[i];
		d = tally_day_slot(&tally_pending_counts, from->day);
		d->counts.unauthorized += from->counts.unauthorized;
		d->counts.invalid_path += from->counts.invalid_path;
		d->counts.route_not_found += from->counts.route_not_found;
		d->counts.unavailable += from->counts.unavailable;
		for (j = 0; j < from->nsources; j++)
			tally_source_add(d, from->sources[j].address,
			    from->sources[j].attempts);
	}
	tally_pending_counts.dropped += t->dropped;
	tally_nonempty = 1;
	pthread_mutex_unlock(&tally_lock);
}

int
tally_write(struct db *db, const struct tally *t, struct reqerr *re)
{
	const struct tally_day	*d;
	size_t			 i, j;

	for (i = 0; i < t->ndays; i++) {
		d = &t->days[i];
		if (db_system_add(db, d->day, &d->counts, re) == -1)
			return -1;
		for (j = 0; j < d->nsources; j++)
			if (db_source_add(db, d->day, d->sources[j].address,
			    d->sources[j].attempts, TALLY_ADDRESSES_PER_DAY,
			    re) == -1)
				return -1;
	}
	return 0;
}
