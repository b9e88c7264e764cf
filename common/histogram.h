/*
 * The latency histogram of upstream_daily: fixed buckets, each counting
 * the latencies up to its upper bound (inclusive) and above the previous
 * bucket's bound. The last bucket has no upper bound. The bounds are part
 * of the schema (one column per bucket), so changing them needs a
 * migration.
 */
#ifndef DRIPLINE_HISTOGRAM_H
#define DRIPLINE_HISTOGRAM_H

#include <stdint.h>

#define HISTOGRAM_BUCKETS	14

/* A day's latencies; every value is in microseconds. */
struct histogram {
	int64_t	count;
	int64_t	sum_us;
	int64_t	max_us;
	int64_t	buckets[HISTOGRAM_BUCKETS];
};

/*
 * Return the upper bound of bucket i in microseconds, or -1 for the last
 * bucket, which has none.
 */
int64_t	histogram_bound_us(int i);

/* Return the bucket of a latency (us, negative counts as 0). */
int	histogram_bucket(int64_t latency_us);

/* Add one latency to h. */
void	histogram_add(struct histogram *h, int64_t latency_us);

/* Add every count of from to into. */
void	histogram_merge(struct histogram *into, const struct histogram *from);

/*
 * Estimate the latency (us) at or below which percent (1 to 100) of the
 * counted requests fall: find the bucket of the request of rank
 * ceil(percent * count / 100) and interpolate linearly inside it, taking
 * the maximum as the open bucket's upper bound. The result never exceeds
 * the maximum. Returns -1 when nothing is counted.
 */
int64_t	histogram_percentile_us(const struct histogram *h, int percent);

#endif
