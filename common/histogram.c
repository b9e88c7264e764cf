/*
 * Latency histogram with fixed bucket bounds; see histogram.h. The bounds
 * run from 5 ms to 60 s in steps of roughly 1-2.5-5, which covers a
 * cached response as well as a long completion, with one open bucket
 * above.
 */
#include "histogram.h"

/* Upper bounds in microseconds; the last bucket is open. */
static const int64_t histogram_bounds_us[HISTOGRAM_BUCKETS - 1] = {
	5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000,
	2500000, 5000000, 10000000, 30000000, 60000000,
};

int64_t
histogram_bound_us(int i)
{
	if (i < 0 || i >= HISTOGRAM_BUCKETS - 1)
		return -1;
	return histogram_bounds_us[i];
}

int
histogram_bucket(int64_t latency_us)
{
	int	i;

	for (i = 0; i < HISTOGRAM_BUCKETS - 1; i++)
		if (latency_us <= histogram_bounds_us[i])
			return i;
	return HISTOGRAM_BUCKETS - 1;
}

void
histogram_add(struct histogram *h, int64_t latency_us)
{
	if (latency_us < 0)
		latency_us = 0;
	h->count++;
	h->sum_us += latency_us;
	if (latency_us > h->max_us)
		h->max_us = latency_us;
	h->buckets[histogram_bucket(latency_us)]++;
}

void
histogram_merge(struct histogram *into, const struct histogram *from)
{
	int	i;

	into->count += from->count;
	into->sum_us += from->sum_us;
	if (from->max_us > into->max_us)
		into->max_us = from->max_us;
	for (i = 0; i < HISTOGRAM_BUCKETS; i++)
		into->buckets[i] += from->buckets[i];
}

int64_t
histogram_percentile_us(const struct histogram *h, int percent)
{
	int64_t	rank, below = 0, lower, upper, estimate;
	int	i;

	if (h->count <= 0)
		return -1;
	if (percent < 1)
		percent = 1;
	if (percent > 100)
		percent = 100;
	rank = (percent * h->count + 99) / 100;

	for (i = 0; i < HISTOGRAM_BUCKETS; i++) {
		if (below + h->buckets[i] >= rank)
			break;
		below += h->buckets[i];
	}
	/* The buckets add up to less than count: only a corrupt row. */
	if (i == HISTOGRAM_BUCKETS)
		return h->max_us;

	lower = i == 0 ? 0 : histogram_bounds_us[i - 1];
	upper = i == HISTOGRAM_BUCKETS - 1 || histogram_bounds_us[i] >
	    h->max_us ? h->max_us : histogram_bounds_us[i];
	if (upper < lower)
		return h->max_us;
	estimate = lower + (int64_t)((double)(upper - lower) *
	    (double)(rank - below) / (double)h->buckets[i]);
	return estimate > h->max_us ? h->max_us : estimate;
}
