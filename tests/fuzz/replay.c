/*
 * A plain driver for one fuzz harness, so that ctest exercises every
 * decoder with hostile input under gcc and the sanitizers, without
 * libFuzzer. It feeds the harness every file of the corpus directories
 * given, its in-memory seeds, then a fixed number of deterministic
 * pseudo-random inputs: random bytes, random text, and seeds mutated by
 * bit flips, interesting bytes, truncation, deletion, insertion,
 * duplication and splicing. Each input sits in its own exact-size
 * allocation so that ASan catches a read one byte past its end.
 *
 *   replay-<name> [-n iterations] [-s seed] [-d file] [corpus-dir]...
 *   replay-<name> -w dir		writes the seeds into dir
 *
 * With -d, each input is written to file before it runs, so that after a
 * crash file holds the input that caused it.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

#define INPUT_MAX	(1024 * 1024)	/* corpus files larger are skipped */
#define MUTANT_MAX	(64 * 1024)
#define SEEDS_MAX	256

struct seeds {
	uint8_t	*p[SEEDS_MAX];
	size_t	 n[SEEDS_MAX];
	size_t	 count;
};

static const char	*dump_path;

static uint64_t
rnd(uint64_t *s)
{
	uint64_t	z;

	/* splitmix64: small, fast, and the same sequence everywhere. */
	z = (*s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static size_t
below(uint64_t *s, size_t n)
{
	return n == 0 ? 0 : (size_t)(rnd(s) % n);
}

static void
dump(const uint8_t *p, size_t n)
{
	FILE	*f;

	f = fopen(dump_path, "wb");
	if (f == NULL || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
		fprintf(stderr, "replay: cannot write '%s'\n", dump_path);
		exit(1);
	}
}

/* Runs the harness on a private, exact-size copy of p[0..n). */
static void
run(const uint8_t *p, size_t n)
{
	uint8_t	*copy;

	if (dump_path != NULL)
		dump(p, n);

	copy = malloc(n ? n : 1);
	if (copy == NULL) {
		fprintf(stderr, "replay: out of memory\n");
		exit(1);
	}
	if (n)
		memcpy(copy, p, n);
	LLVMFuzzerTestOneInput(copy, n);
	free(copy);
}

static void
seed_add(const char *name, const uint8_t *p, size_t n, void *arg)
{
	struct seeds	*s = arg;
	uint8_t		*d;

	(void)name;
	if (s->count == SEEDS_MAX || n > MUTANT_MAX)
		return;
	d = malloc(n ? n : 1);
	if (d == NULL)
		return;
	if (n)
		memcpy(d, p, n);
	s->p[s->count] = d;
	s->n[s->count] = n;
	s->count++;
}

static void
seed_write(const char *name, const uint8_t *p, size_t n, void *arg)
{
	const char	*dir = arg;
	char		 path[4096];
	FILE		*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
		fprintf(stderr, "replay: cannot write '%s': %s\n", path,
		    strerror(errno));
		exit(1);
	}
}

static int
read_file(const char *path, uint8_t **out, size_t *outlen)
{
	struct stat	 st;
	uint8_t		*p;
	size_t		 off = 0;
	ssize_t		 r;
	int		 fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > INPUT_MAX) {
		close(fd);
		return -EINVAL;
	}
	p = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (p == NULL) {
		close(fd);
		return -ENOMEM;
	}
	while (off < (size_t)st.st_size) {
		r = read(fd, p + off, (size_t)st.st_size - off);
		if (r <= 0) {
			free(p);
			close(fd);
			return r < 0 ? -errno : -EIO;
		}
		off += (size_t)r;
	}
	close(fd);
	*out = p;
	*outlen = off;
	return 0;
}

/* Feeds every regular file of dir, and keeps the small ones as seeds. */
static size_t
replay_dir(const char *dir, struct seeds *seeds)
{
	DIR		*d;
	struct dirent	*e;
	char		 path[4096];
	uint8_t		*p = NULL;
	size_t		 n = 0, files = 0;

	d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "replay: cannot open '%s': %s\n", dir,
		    strerror(errno));
		exit(1);
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (read_file(path, &p, &n) != 0)
			continue;
		fprintf(stderr, "replay: %s\n", path);
		if (dump_path != NULL)
			dump(p, n);
		LLVMFuzzerTestOneInput(p, n);
		seed_add(e->d_name, p, n, seeds);
		free(p);
		files++;
	}
	closedir(d);
	return files;
}

static const uint8_t interesting[] = {
	0x00, 0x01, 0x0a, 0x20, 0x3d, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0,
	0xbf, 0xc0, 0xc1, 0xc2, 0xc4, 0xc5, 0xc6, 0xcc, 0xcf, 0xd9, 0xdb,
	0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff,
};

/* Applies 1..4 random edits to buf[0..*len), keeping it under cap. */
static void
mutate(uint64_t *s, uint8_t *buf, size_t *len, size_t cap,
    const struct seeds *seeds)
{
	size_t	n = *len, k, at, m;

	for (k = 1 + below(s, 4); k > 0; k--) {
		at = below(s, n);
		switch (below(s, 8)) {
		case 0:
			if (n)
				buf[at] ^= (uint8_t)(1u << below(s, 8));
			break;
		case 1:
			if (n)
				buf[at] = interesting[below(s,
				    sizeof(interesting))];
			break;
		case 2:
			n = below(s, n + 1);
			break;
		case 3:
			m = below(s, n - at + 1);
			memmove(buf + at, buf + at + m, n - at - m);
			n -= m;
			break;
		case 4:
			m = 1 + below(s, 16);
			if (n + m > cap)
				break;
			memmove(buf + at + m, buf + at, n - at);
			for (size_t i = 0; i < m; i++)
				buf[at + i] = (uint8_t)rnd(s);
			n += m;
			break;
		case 5:
			/* Copies a range over another place in the input. */
			m = below(s, n - at + 1);
			if (m) {
				size_t	to = below(s, n - m + 1);

				memmove(buf + to, buf + at, m);
			}
			break;
		case 6:
			m = below(s, 8);
			for (size_t i = 0; i < m && at + i < n; i++)
				buf[at + i] = (uint8_t)rnd(s);
			break;
		default:
			/* Splices: our prefix, then another seed's suffix. */
			if (seeds->count) {
				size_t	j = below(s, seeds->count);
				size_t	from = below(s, seeds->n[j] + 1);

				m = seeds->n[j] - from;
				if (at + m > cap)
					m = cap - at;
				memcpy(buf + at, seeds->p[j] + from, m);
				n = at + m;
			}
			break;
		}
	}
	*len = n;
}

static void
usage(void)
{
	fprintf(stderr, "usage: replay [-n iterations] [-s seed] [-d file] "
	    "[corpus-dir]...\n       replay -w dir\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const char text[] = "abcdefz019 =#:.[]\n\t\r/+=-_";
	struct seeds	 seeds = { .count = 0 };
	uint8_t		*buf;
	uint64_t	 s = 1;
	size_t		 iters = 4000, files = 0, n;
	int		 ch;

	while ((ch = getopt(argc, argv, "d:n:s:w:")) != -1) {
		switch (ch) {
		case 'd':
			dump_path = optarg;
			break;
		case 'n':
			iters = strtoul(optarg, NULL, 10);
			break;
		case 's':
			s = strtoull(optarg, NULL, 0);
			break;
		case 'w':
			fuzz_seeds(seed_write, optarg);
			return 0;
		default:
			usage();
		}
	}
	for (int i = optind; i < argc; i++)
		files += replay_dir(argv[i], &seeds);
	fuzz_seeds(seed_add, &seeds);
	for (size_t i = 0; i < seeds.count; i++)
		run(seeds.p[i], seeds.n[i]);

	buf = malloc(MUTANT_MAX);
	if (buf == NULL)
		return 1;
	for (size_t i = 0; i < iters; i++) {
		size_t	kind = below(&s, 8);

		if (kind == 0 || seeds.count == 0) {
			n = below(&s, 512);
			for (size_t j = 0; j < n; j++)
				buf[j] = (uint8_t)rnd(&s);
		} else if (kind == 1) {
			n = below(&s, 512);
			for (size_t j = 0; j < n; j++)
				buf[j] = (uint8_t)text[below(&s,
				    sizeof(text) - 1)];
		} else {
			size_t	j = below(&s, seeds.count);

			n = seeds.n[j];
			memcpy(buf, seeds.p[j], n);
			mutate(&s, buf, &n, MUTANT_MAX, &seeds);
		}
		run(buf, n);
	}
	free(buf);
	for (size_t i = 0; i < seeds.count; i++)
		free(seeds.p[i]);
	printf("replay: %zu corpus files, %zu seeds, %zu generated inputs\n",
	    files, seeds.count, iters);
	return 0;
}
