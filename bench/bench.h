/*
 * Clocks shared by the benchmark programs: wall time, and the CPU time
 * the whole process (every thread, user and system) has used.
 */
#ifndef WEFT_BENCH_H
#define WEFT_BENCH_H

#include <sys/resource.h>

#include <time.h>

static inline double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline double
cpu_now(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

#endif
