/*
 * bench-geom: facts and fingerprints of a large binary STL beside the
 * time to read and BLAKE2b-hash the same file in the same run (the floor
 * any publish pays), and the time of a thumbnail.
 *
 *   bench-geom [TRIANGLES] [DIR]     (default 1000000, $TMPDIR or /tmp)
 *
 * The mesh is a closed, lumpy egg (a UV sphere, stretched, sheared and
 * bumped so that it has no symmetry and so gets an exact key), written
 * to DIR/bench-geom.stl and removed at the end. Each step runs 3 times on
 * one core, and the median of wall times is printed, with CPU time.
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/geom.h"

#include "bench.h"

#define RUNS	3

static void
put_f32(FILE *f, double d)
{
	float		x = (float)d;
	uint32_t	u;
	uint8_t		b[4];

	memcpy(&u, &x, 4);
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(u >> (8 * i));
	fwrite(b, 1, 4, f);
}

static void
point(int i, int j, int nu, int nv, double *p)
{
	double	th = M_PI * i / nu, ph = 2 * M_PI * (j % nv) / nv;
	double	r = 30 * (1 + 0.08 * sin(3 * th) * cos(2 * ph) +
	    0.05 * cos(5 * ph));

	if (i == 0 || i == nu) {
		p[0] = 0;
		p[1] = 0;
		p[2] = i == 0 ? 45.0 : -45.0;
		return;
	}
	p[0] = 1.2 * r * sin(th) * cos(ph) + 0.1 * r * cos(th);
	p[1] = 0.8 * r * sin(th) * sin(ph);
	p[2] = 1.5 * r * cos(th);
}

/* Writes a UV sphere with about n triangles; returns the count. */
static uint32_t
write_stl(const char *path, uint32_t n)
{
	int		 nv = (int)sqrt(n), nu = (int)(n / (2 * (uint32_t)nv)) + 1;
	uint32_t	 count = 2 * (uint32_t)nv * (uint32_t)(nu - 1);
	uint8_t		 hdr[84] = { 0 }, attr[2] = { 0 };
	FILE		*f = fopen(path, "wb");

	if (f == NULL)
		return 0;
	memcpy(hdr, "solid bench-geom", 16);
	for (int i = 0; i < 4; i++)
		hdr[80 + i] = (uint8_t)(count >> (8 * i));
	fwrite(hdr, 1, 84, f);
	for (int i = 0; i < nu; i++) {
		for (int j = 0; j < nv; j++) {
			double	a[3], b[3], c[3], d[3];
			double	*tri[2][3] = { { a, c, d }, { a, d, b } };

			point(i, j, nu, nv, a);
			point(i, j + 1, nu, nv, b);
			point(i + 1, j, nu, nv, c);
			point(i + 1, j + 1, nu, nv, d);
			for (int t = 0; t < 2; t++) {
				if ((i == 0 && t == 1) || (i == nu - 1 &&
				    t == 0))
					continue;
				for (int k = 0; k < 3; k++)
					put_f32(f, 0);
				for (int v = 0; v < 3; v++)
					for (int k = 0; k < 3; k++)
						put_f32(f, tri[t][v][k]);
				fwrite(attr, 1, 2, f);
			}
		}
	}
	if (fclose(f) != 0)
		return 0;
	return count;
}

static int
slurp(const char *path, struct weft_buf *b)
{
	uint8_t	buf[1 << 16];
	ssize_t	n;
	int	fd = open(path, O_RDONLY), err = 0;

	if (fd < 0)
		return -1;
	weft_buf_reset(b);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		err = weft_buf_add(b, buf, (size_t)n);
		if (err)
			break;
	}
	close(fd);
	return err || n < 0 ? -1 : 0;
}

static int
cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	uint32_t		 want = argc > 1 ? (uint32_t)atol(argv[1]) :
	    1000000;
	const char		*dir = argc > 2 ? argv[2] : getenv("TMPDIR");
	char			 path[1024];
	struct weft_buf		 b, png;
	struct weft_geom_mesh	 m;
	struct weft_geom_facts	 f;
	struct weft_geom_print	 p;
	double			 hash[RUNS], geom[RUNS], thumb[RUNS];
	double			 thumb_cpu[RUNS];
	double			 hash_cpu[RUNS], geom_cpu[RUNS], t0, c0;
	uint8_t			 h[32];
	uint32_t		 n;

	if (sodium_init() < 0)
		return 1;
	snprintf(path, sizeof(path), "%s/bench-geom.stl", dir ? dir : "/tmp");
	n = write_stl(path, want);
	if (n == 0) {
		fprintf(stderr, "bench-geom: cannot write %s\n", path);
		return 1;
	}
	weft_buf_init(&b, (size_t)1 << 31);
	weft_buf_init(&png, 1 << 22);
	for (int r = 0; r < RUNS; r++) {
		t0 = now();
		c0 = cpu_now();
		if (slurp(path, &b) != 0)
			return 1;
		crypto_generichash(h, 32, b.data, b.len, NULL, 0);
		hash[r] = now() - t0;
		hash_cpu[r] = cpu_now() - c0;

		t0 = now();
		c0 = cpu_now();
		if (slurp(path, &b) != 0)
			return 1;
		weft_geom_mesh_init(&m, NULL);
		if (weft_geom_stl_decode(&m, b.data, b.len) != 0 ||
		    weft_geom_analyze(&m, &f, &p) != 0) {
			fprintf(stderr, "bench-geom: cannot analyse: %s\n",
			    m.note.what ? m.note.what : "?");
			return 1;
		}
		geom[r] = now() - t0;
		geom_cpu[r] = cpu_now() - c0;

		t0 = now();
		c0 = cpu_now();
		weft_buf_reset(&png);
		if (weft_geom_render_png(&m, 256, &png) != 0)
			return 1;
		thumb[r] = now() - t0;
		thumb_cpu[r] = cpu_now() - c0;
		weft_geom_mesh_release(&m);
	}
	qsort(hash, RUNS, sizeof(double), cmp);
	qsort(geom, RUNS, sizeof(double), cmp);
	qsort(thumb, RUNS, sizeof(double), cmp);
	qsort(hash_cpu, RUNS, sizeof(double), cmp);
	qsort(geom_cpu, RUNS, sizeof(double), cmp);
	qsort(thumb_cpu, RUNS, sizeof(double), cmp);
	printf("triangles         %u (%.1f MB, closed %s, key %s)\n", n,
	    (double)b.len / 1e6, f.closed ? "yes" : "no",
	    p.has_key ? "yes" : "no");
	printf("read+blake2b      %.3f s (cpu %.3f s), %.0f MB/s\n",
	    hash[RUNS / 2], hash_cpu[RUNS / 2], (double)b.len / 1e6 /
	    hash[RUNS / 2]);
	printf("read+facts+keys   %.3f s (cpu %.3f s), %.2f x read+blake2b "
	    "(cpu %.2f x)\n", geom[RUNS / 2], geom_cpu[RUNS / 2],
	    geom[RUNS / 2] / hash[RUNS / 2], geom_cpu[RUNS / 2] /
	    hash_cpu[RUNS / 2]);
	printf("thumbnail 256px   %.3f s (cpu %.3f s, %zu bytes)\n",
	    thumb[RUNS / 2], thumb_cpu[RUNS / 2], png.len);
	weft_buf_release(&b);
	weft_buf_release(&png);
	if (getenv("BENCH_GEOM_KEEP") == NULL)
		unlink(path);
	return 0;
}
