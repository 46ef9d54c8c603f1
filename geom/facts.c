/*
 * Facts of a mesh: counts, bounding box as authored, extents in the
 * principal frame, area, and the volume by signed tetrahedra, which is
 * only meaningful when every edge is shared by exactly two triangles that
 * run along it in opposite directions (closed and consistently wound).
 * Edges are checked by radix-sorting them as 64-bit keys: the smaller
 * vertex, the larger and the direction in bit 0, so that the uses of one
 * edge sit together.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "weft/err.h"
#include "weft/geom.h"

#include "geom_int.h"

/* Digits of 11 bits: the scatter's 2048 targets stay in cache. */
#define RADIX_BITS	11
#define RADIX		(1 << RADIX_BITS)

int
weft__geom_radix64(uint64_t *a, uint64_t *tmp, size_t n)
{
	return weft__geom_radix64_by(a, NULL, tmp, NULL, n);
}

int
weft__geom_radix64_by(uint64_t *a, uint32_t *v, uint64_t *tmp,
    uint32_t *vtmp, size_t n)
{
	size_t	 *count;
	uint64_t all_or = 0, all_and = UINT64_MAX, *src = a, *dst = tmp, *x;
	uint32_t *vsrc = v, *vdst = vtmp, *y;

	count = malloc(RADIX * sizeof(*count));
	if (count == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		all_or |= a[i];
		all_and &= a[i];
	}
	for (int shift = 0; shift < 64; shift += RADIX_BITS) {
		size_t	sum = 0;

		if ((((all_or ^ all_and) >> shift) & (RADIX - 1)) == 0)
			continue;
		memset(count, 0, RADIX * sizeof(*count));
		for (size_t i = 0; i < n; i++)
			count[(src[i] >> shift) & (RADIX - 1)]++;
		for (size_t i = 0; i < RADIX; i++) {
			size_t	c = count[i];

			count[i] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++) {
			size_t	at = count[(src[i] >> shift) & (RADIX - 1)]++;

			dst[at] = src[i];
			if (v != NULL)
				vdst[at] = vsrc[i];
		}
		x = src;
		src = dst;
		dst = x;
		y = vsrc;
		vsrc = vdst;
		vdst = y;
	}
	if (src != a) {
		memcpy(a, src, n * sizeof(*a));
		if (v != NULL)
			memcpy(v, vsrc, n * sizeof(*v));
	}
	free(count);
	return 0;
}

static uint32_t
find(uint32_t *up, uint32_t x)
{
	while (up[x] != x) {
		up[x] = up[up[x]];
		x = up[x];
	}
	return x;
}

/* Edges, Euler characteristic, closedness and connected parts. */
static int
topology(const struct weft_geom_mesh *m, struct weft_geom_facts *f)
{
	size_t		 n = 3 * (size_t)m->nt, dup = 0, boundary = 0;
	uint64_t	*e, *tmp, edges = 0;
	uint32_t	*up, *used;
	int		 err = -ENOMEM;

	e = malloc(n * sizeof(*e) + 1);
	tmp = malloc(n * sizeof(*tmp));
	up = malloc((size_t)m->nv * sizeof(*up));
	used = calloc(m->nv, sizeof(*used));
	if (e == NULL || tmp == NULL || up == NULL || used == NULL)
		goto out;
	for (uint32_t i = 0; i < m->nv; i++)
		up[i] = i;
	for (uint32_t i = 0; i < m->nt; i++) {
		const uint32_t	*t = m->t + 3 * (size_t)i;

		for (int j = 0; j < 3; j++) {
			uint32_t a = t[j], b = t[(j + 1) % 3], ra, rb;

			/* Undirected edge, then the direction in bit 0. */
			e[3 * (size_t)i + j] = a < b ?
			    (uint64_t)a << 32 | (uint64_t)b << 1 :
			    (uint64_t)b << 32 | (uint64_t)a << 1 | 1;
			used[a] = 1;
			ra = find(up, a);
			rb = find(up, b);
			if (ra != rb)
				up[ra < rb ? rb : ra] = ra < rb ? ra : rb;
		}
	}
	err = weft__geom_radix64(e, tmp, n);
	if (err)
		goto out;
	err = -ENOMEM;
	for (size_t i = 0; i < n;) {
		size_t	j = i, fwd = 0;

		while (j < n && e[j] >> 1 == e[i] >> 1) {
			fwd += (e[j] & 1) == 0;
			j++;
		}
		edges++;
		if (j - i == 1)
			boundary++;
		else if (j - i != 2 || fwd != 1)
			dup++;
		i = j;
	}
	f->euler = (int64_t)f->vertices - (int64_t)edges + (int64_t)m->nt;
	f->parts = 0;
	for (uint32_t i = 0; i < m->nv; i++)
		if (used[i] && find(up, i) == i)
			f->parts++;
	f->closed = m->nt > 0 && dup == 0 && boundary == 0;
	if (dup > 0) {
		f->open_why = "edges shared by more than two triangles, or "
		    "triangles wound inconsistently";
		f->open_edges = dup;
	} else if (boundary > 0) {
		f->open_why = "open mesh: edges that bound a hole";
		f->open_edges = boundary;
	}
	err = 0;
out:
	free(e);
	free(tmp);
	free(up);
	free(used);
	return err;
}

int
weft_geom_analyze(const struct weft_geom_mesh *m,
    struct weft_geom_facts *facts, struct weft_geom_print *print)
{
	struct weft__geom_frame	 fr;
	struct weft_geom_facts	 f;
	double			 lo[3], hi[3], x;
	int			 err;

	memset(&f, 0, sizeof(f));
	if (m->nv >= (1u << 31))
		return WEFT_ETOOBIG;	/* edge keys hold 31-bit indices */
	weft__geom_frame(m, &fr);
	if (m->nt == 0 || !(fr.area > 0))
		return WEFT_EPROTO;
	f.triangles = m->nt;
	for (int k = 0; k < 3; k++) {
		f.min[k] = lo[k] = INFINITY;
		f.max[k] = hi[k] = -INFINITY;
	}
	for (size_t i = 0; i < 3 * (size_t)m->nt; i++) {
		const double	*p = m->v + 3 * (size_t)m->t[i];

		for (int k = 0; k < 3; k++) {
			if (p[k] < f.min[k])
				f.min[k] = p[k];
			if (p[k] > f.max[k])
				f.max[k] = p[k];
			x = (p[0] - fr.c[0]) * fr.axis[k][0] +
			    (p[1] - fr.c[1]) * fr.axis[k][1] +
			    (p[2] - fr.c[2]) * fr.axis[k][2];
			if (x < lo[k])
				lo[k] = x;
			if (x > hi[k])
				hi[k] = x;
		}
	}
	for (int k = 0; k < 3; k++)
		f.extents[k] = hi[k] - lo[k];
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2 - i; j++)
			if (f.extents[j] < f.extents[j + 1]) {
				x = f.extents[j];
				f.extents[j] = f.extents[j + 1];
				f.extents[j + 1] = x;
			}
	f.area = fr.area;
	/* Vertices that some kept triangle uses. */
	{
		uint8_t	*u = calloc(m->nv ? m->nv : 1, 1);

		if (u == NULL)
			return -ENOMEM;
		for (size_t i = 0; i < 3 * (size_t)m->nt; i++)
			u[m->t[i]] = 1;
		for (uint32_t i = 0; i < m->nv; i++)
			f.vertices += u[i];
		free(u);
	}
	err = topology(m, &f);
	if (err)
		return err;
	if (f.closed) {
		double	v = 0;

		for (uint32_t i = 0; i < m->nt; i++) {
			const uint32_t	*t = m->t + 3 * (size_t)i;
			double		 a[3], b[3], c[3];

			for (int k = 0; k < 3; k++) {
				a[k] = m->v[3 * (size_t)t[0] + k] - fr.c[k];
				b[k] = m->v[3 * (size_t)t[1] + k] - fr.c[k];
				c[k] = m->v[3 * (size_t)t[2] + k] - fr.c[k];
			}
			v += a[0] * (b[1] * c[2] - b[2] * c[1]) +
			    a[1] * (b[2] * c[0] - b[0] * c[2]) +
			    a[2] * (b[0] * c[1] - b[1] * c[0]);
		}
		f.volume = fabs(v) / 6;
	}
	if (facts != NULL)
		*facts = f;
	if (print != NULL)
		return weft__geom_print(m, &fr, &f, print);
	return 0;
}

int
weft_geom_split(const struct weft_geom_mesh *m,
    struct weft_geom_mesh *parts, uint32_t max, uint32_t *n)
{
	uint32_t	*up, *id = NULL, count = 0;
	double		 c[9];
	int		 err = -ENOMEM;

	*n = 0;
	for (uint32_t i = 0; i < max; i++)
		weft_geom_mesh_init(&parts[i], &m->lim);
	up = malloc(((size_t)m->nv + 1) * sizeof(*up));
	id = malloc(((size_t)m->nv + 1) * sizeof(*id));
	if (up == NULL || id == NULL)
		goto out;
	for (uint32_t i = 0; i < m->nv; i++) {
		up[i] = i;
		id[i] = UINT32_MAX;
	}
	for (size_t i = 0; i < 3 * (size_t)m->nt; i += 3) {
		for (int j = 0; j < 2; j++) {
			uint32_t	ra = find(up, m->t[i + j]);
			uint32_t	rb = find(up, m->t[i + j + 1]);

			if (ra != rb)
				up[ra < rb ? rb : ra] = ra < rb ? ra : rb;
		}
	}
	for (size_t i = 0; i < 3 * (size_t)m->nt; i += 3) {
		uint32_t	r = find(up, m->t[i]), p;

		if (id[r] == UINT32_MAX)
			id[r] = count++;
		p = id[r];
		if (p >= max)
			continue;
		for (int j = 0; j < 3; j++)
			memcpy(c + 3 * j, m->v + 3 * (size_t)m->t[i + j],
			    3 * sizeof(double));
		err = weft_geom_mesh_add(&parts[p], c);
		if (err)
			goto out;
	}
	for (uint32_t i = 0; i < max; i++)
		parts[i].unit = m->unit;
	*n = count;
	err = 0;
out:
	free(up);
	free(id);
	return err;
}
