/*
 * bench-query: what the store's side of a search or listing page costs,
 * without a process start or a round trip (bench-search.sh times those
 * through weftd; on a loaded machine a bare `weft status` can take 50 ms,
 * more than the targets measured).
 *
 *   bench-query STORE_DIR [RUNS]
 *	opens the store (it may be a stopped weftd home's store/, or one a
 *	running weftd has open: LMDB readers share it) and runs each query
 *	of issue 14's and issue 12's benchmarks RUNS times (default 21)
 *	the way weftd's page op does (short ids and counts in every
 *	summary), printing the median wall and CPU time of one run.
 *	It builds in older trees too (without the sorts by a count), to
 *	compare in the same run. The last line is weftd's part of
 *	`search --all gear` with its output discarded: the positions,
 *	then the summaries 1,024 at a time, as weftd's stream reads them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/err.h"

#include "store.h"
#include "bench.h"

struct q {
	const char		*label;
	const char		*query;
	const char		*tag;
	const char		*type;
	bool			 recent, by_count;
	size_t			 offset, limit;
};

static const struct q queries[] = {
	{ "first page, common word 'gear'", "gear", NULL, NULL, false,
	    false, 0, 20 },
	{ "rare word '123457'", "123457", NULL, NULL, false, false, 0, 20 },
	{ "three words 'gear hook bracket'", "gear hook bracket", NULL, NULL,
	    false, false, 0, 20 },
	{ "two words 'gear hook'", "gear hook", NULL, NULL, false, false, 0,
	    20 },
	{ "a common and a rare word 'gear 123457'", "gear 123457", NULL,
	    NULL, false, false, 0, 20 },
	{ "three words, newest first", "gear hook bracket", NULL, NULL,
	    true, false, 0, 20 },
	{ "ls --tag gear --sort recent --limit 20", NULL, "gear", NULL, true,
	    false, 0, 20 },
	{ "ls --type stl --limit 20 --page 100", NULL, NULL, "stl", false,
	    false, 1980, 20 },
	{ "page 50 of 'gear' (--limit 20 --page 50)", "gear", NULL, NULL,
	    false, false, 980, 20 },
	{ "every match of 'gear' (--all)", "gear", NULL, NULL, false,
	    false, 0, 0 },
	{ "ls --sort likes --limit 20", NULL, NULL, NULL, false, true, 0,
	    20 },
	{ "ls --tag gear --sort likes --limit 20", NULL, "gear", NULL, false,
	    true, 0, 20 },
};

static int
count_cb(void *arg, const uint8_t id[32], const uint8_t *data, size_t len)
{
	(void)id;
	(void)data;
	*(size_t *)arg += len;
	return 0;
}

static int
dcmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	struct weft_store		*s;
	struct weft_store_query		 f;
	struct weft_store_search_info	 info;
	double				 wall[101], cpu[101], t0, c0;
	size_t				 bytes;
	int				 runs = 21, err;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: bench-query STORE_DIR [RUNS]\n");
		return 2;
	}
	if (argc == 3)
		runs = atoi(argv[2]);
	if (runs < 1 || runs > 101)
		runs = 21;
	err = weft_store_open(&s, argv[1], NULL);
	if (err) {
		fprintf(stderr, "bench-query: %s: %s\n", argv[1],
		    weft_strerror(err));
		return 1;
	}
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		const struct q	*qq = &queries[i];

		memset(&f, 0, sizeof(f));
		f.query = qq->query;
		f.tag = qq->tag;
		f.type = qq->type;
		f.recent = qq->recent;
#ifdef WEFT_STORE_HAS_COUNTS
		f.by_count = qq->by_count;
		f.count = WEFT_COUNT_LIKES;
		f.counts = true;
#else
		if (qq->by_count)
			continue;	/* the tree has no counts */
#endif
		f.offset = qq->offset;
		f.limit = qq->limit;
		f.short_ids = true;
		for (int r = 0; r < runs; r++) {
			bytes = 0;
			t0 = now();
			c0 = cpu_now();
			err = weft_store_search_page(s, &f, &info, count_cb,
			    &bytes);
			cpu[r] = (cpu_now() - c0) * 1000;
			wall[r] = (now() - t0) * 1000;
			if (err) {
				fprintf(stderr, "bench-query: %s: %s\n",
				    qq->label, weft_strerror(err));
				return 1;
			}
		}
		qsort(wall, (size_t)runs, sizeof(wall[0]), dcmp);
		qsort(cpu, (size_t)runs, sizeof(cpu[0]), dcmp);
		printf("%-44s %8.2f ms wall, %8.2f ms CPU (%llu returned, "
		    "total %s%llu)\n", qq->label, wall[runs / 2],
		    cpu[runs / 2], (unsigned long long)info.returned,
		    info.exact ? "" : "~", (unsigned long long)info.total);
	}
	/*
	 * weftd's part of `search --all gear` with its output discarded:
	 * the positions found first, then the summaries read 1,024 to a
	 * transaction, as ops_search.c's stream does (the floor of the
	 * daemon's side of the page walk).
	 */
	memset(&f, 0, sizeof(f));
	f.query = "gear";
	f.short_ids = true;
#ifdef WEFT_STORE_HAS_COUNTS
	f.counts = true;
#endif
	for (int r = 0; r < runs; r++) {
		uint8_t	*keys = NULL;
		size_t	 n = 0, k;

		bytes = 0;
		t0 = now();
		c0 = cpu_now();
		err = weft_store_search_keys(s, &f, &info, &keys, &n);
		for (size_t at = 0; err == 0 && at < n; at += k) {
			k = n - at < 1024 ? n - at : 1024;
			err = weft_store_search_cards(s, &f,
			    keys + at * WEFT_STORE_POS_BYTES, k, count_cb,
			    &bytes);
		}
		cpu[r] = (cpu_now() - c0) * 1000;
		wall[r] = (now() - t0) * 1000;
		free(keys);
		if (err) {
			fprintf(stderr, "bench-query: stream: %s\n",
			    weft_strerror(err));
			return 1;
		}
	}
	qsort(wall, (size_t)runs, sizeof(wall[0]), dcmp);
	qsort(cpu, (size_t)runs, sizeof(cpu[0]), dcmp);
	printf("%-44s %8.2f ms wall, %8.2f ms CPU (%llu bytes)\n",
	    "'gear' --all as weftd streams it", wall[runs / 2],
	    cpu[runs / 2], (unsigned long long)bytes);
	weft_store_close(s);
	return 0;
}
