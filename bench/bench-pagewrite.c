/*
 * bench-pagewrite: what one 4 KiB pwrite costs in a file whose pages were
 * written in runs (as LMDB's commit appends them), against the same file
 * whose tail was first read in page by page through a MADV_RANDOM map
 * (what the store's tail_prepare() does; issue 17.4, stop 15).
 *
 *   bench-pagewrite [DIR]	(default $TMPDIR or /var/tmp)
 *
 * Each mode appends 256 MiB in pwritev runs of 64 pages, syncs, then
 * rewrites 10,000 random single pages, 500 per fdatasync, and prints per
 * rewrite: /proc/self/io's write_bytes, the sectors /proc/diskstats says
 * the disk took (the whole machine's), wall and CPU time.
 */
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/uio.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FILE_BYTES	((size_t)256 << 20)
#define RUN_PAGES	64
#define PAGE		4096
#define REWRITES	10000
#define PER_SYNC	500

static double
now(void)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double
cpu(void)
{
	struct rusage	r;

	getrusage(RUSAGE_SELF, &r);
	return (double)(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
	    (double)(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

static long long
proc_write_bytes(void)
{
	FILE		*f = fopen("/proc/self/io", "r");
	char		 l[128];
	long long	 v = -1;

	if (f == NULL)
		return -1;
	while (fgets(l, sizeof(l), f) != NULL)
		if (strncmp(l, "write_bytes:", 12) == 0)
			v = atoll(l + 12);
	fclose(f);
	return v;
}

/* Sectors written to all disks (vd*, sd*, nvme*): the machine's, not ours. */
static long long
disk_sectors(void)
{
	FILE		*f = fopen("/proc/diskstats", "r");
	char		 l[256], d[64];
	long long	 w, sum = 0;

	if (f == NULL)
		return -1;
	while (fgets(l, sizeof(l), f) != NULL) {
		if (sscanf(l, "%*d %*d %63s %*d %*d %*d %*d %*d %*d %lld", d,
		    &w) != 2)
			continue;
		if ((strncmp(d, "vd", 2) == 0 || strncmp(d, "sd", 2) == 0) &&
		    strlen(d) == 3)
			sum += w;
		else if (strncmp(d, "nvme", 4) == 0 && strchr(d, 'p') == NULL)
			sum += w;
	}
	fclose(f);
	return sum;
}

static int
run(const char *path, int prefault)
{
	struct iovec	 iov[RUN_PAGES];
	char		*buf, *map;
	long long	 w0, d0;
	double		 t0, c0;
	int		 fd;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	buf = aligned_alloc(PAGE, PAGE * RUN_PAGES);
	if (fd < 0 || buf == NULL) {
		perror(path);
		return 1;
	}
	memset(buf, 1, PAGE * RUN_PAGES);
	for (int i = 0; i < RUN_PAGES; i++) {
		iov[i].iov_base = buf + PAGE * i;
		iov[i].iov_len = PAGE;
	}
	map = mmap(NULL, FILE_BYTES, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	madvise(map, FILE_BYTES, MADV_RANDOM);
	for (size_t o = 0; o < FILE_BYTES; o += PAGE * RUN_PAGES) {
		if (prefault) {
			if (ftruncate(fd, (off_t)(o + PAGE * RUN_PAGES)) != 0) {
				perror("ftruncate");
				return 1;
			}
			for (size_t p = o; p < o + PAGE * RUN_PAGES; p += PAGE)
				(void)*(volatile char *)(map + p);
		}
		if (pwritev(fd, iov, RUN_PAGES, (off_t)o) !=
		    PAGE * RUN_PAGES) {
			perror("pwritev");
			return 1;
		}
	}
	fdatasync(fd);
	srand(1);
	w0 = proc_write_bytes();
	d0 = disk_sectors();
	t0 = now();
	c0 = cpu();
	for (int i = 0; i < REWRITES; i++) {
		size_t	p = (size_t)rand() % (FILE_BYTES / PAGE);

		if (pwrite(fd, buf, PAGE, (off_t)(p * PAGE)) != PAGE) {
			perror("pwrite");
			return 1;
		}
		if ((i + 1) % PER_SYNC == 0)
			fdatasync(fd);
	}
	printf("%-28s write_bytes %7.1f KiB, disk %5.1f KiB, %6.1f us wall, "
	    "%5.1f us CPU per 4 KiB rewrite\n", prefault ?
	    "tail read in page by page:" : "pages appended in runs:",
	    (double)(proc_write_bytes() - w0) / REWRITES / 1024,
	    (double)(disk_sectors() - d0) * 512 / REWRITES / 1024,
	    (now() - t0) / REWRITES * 1e6, (cpu() - c0) / REWRITES * 1e6);
	munmap(map, FILE_BYTES);
	free(buf);
	close(fd);
	unlink(path);
	return 0;
}

int
main(int argc, char **argv)
{
	const char	*dir = argc > 1 ? argv[1] : getenv("TMPDIR");
	char		 path[4096];

	if (dir == NULL)
		dir = "/var/tmp";
	snprintf(path, sizeof(path), "%s/bench-pagewrite.%ld", dir,
	    (long)getpid());
	for (int round = 0; round < 2; round++) {
		if (run(path, 0) != 0 || run(path, 1) != 0)
			return 1;
	}
	return 0;
}
