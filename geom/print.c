/*
 * Fingerprints (geom-v1, docs/proto/geom.md). The exact key: the surface
 * in its principal frame, centred and scaled to unit RMS radius, axis
 * signs fixed by the third moments, vertices quantized to a grid of 2^-13
 * twice (the second grid shifted by half a cell, so that a vertex near a
 * cell boundary in one grid is well inside a cell in the other), unique
 * positions sorted, triangles renumbered, rotated to start at their
 * smallest corner, sorted and hashed with BLAKE2b-256. The similarity
 * signature: a D2 shape distribution (Osada et al. 2002) of distances
 * between area-weighted random surface points, plus eigenvalue ratios.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "weft/err.h"
#include "weft/geom.h"

#include "geom_int.h"

#define GRID		8192.0		/* cells per RMS radius */
#define GAP_MIN		1e-4		/* relative eigenvalue gap */
#define SKEW_MIN	1e-3		/* |third moment| / (A l^1.5) */
#define D2_SEED		0x7765667467656f6dULL	/* "weftgeom" */
#define DOMAIN		"weft-geom-v1"

struct qv {
	int64_t		x[3];
	uint32_t	orig;
};

static int
cmp_qv(const void *a, const void *b)
{
	const struct qv	*p = a, *q = b;

	for (int k = 0; k < 3; k++)
		if (p->x[k] != q->x[k])
			return p->x[k] < q->x[k] ? -1 : 1;
	return 0;
}

struct tri {
	uint32_t	v[3];
};

static int
cmp_tri(const void *a, const void *b)
{
	const struct tri	*p = a, *q = b;

	for (int k = 0; k < 3; k++)
		if (p->v[k] != q->v[k])
			return p->v[k] < q->v[k] ? -1 : 1;
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct hasher {
	crypto_generichash_state	st;
	uint8_t				buf[4096];
	size_t				n;
};

static void
put(struct hasher *h, const void *p, size_t n)
{
	if (h->n + n > sizeof(h->buf)) {
		crypto_generichash_update(&h->st, h->buf, h->n);
		h->n = 0;
	}
	memcpy(h->buf + h->n, p, n);
	h->n += n;
}

static void
put64(struct hasher *h, uint64_t v)
{
	uint8_t	b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(h, b, 8);
}

static void
put32(struct hasher *h, uint32_t v)
{
	uint8_t	b[4];

	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(h, b, 4);
}

struct work {
	const struct weft_geom_mesh	*m;
	struct qv			*q, *q2;	/* nv */
	uint64_t			*pk, *k2;	/* nv: packed */
	uint32_t			*pv, *pv2;	/* nv */
	uint32_t			*map;	/* nv: old -> new */
	struct tri			*t;	/* nt */
	uint64_t			*k, *tmp;	/* nt */
};

#define PACK_BIAS	((int64_t)1 << 20)

/*
 * Sorts w->q by position. Positions within 2^20 cells of the centre (128
 * RMS radii: every ordinary part) pack into 63 bits and are radix-sorted;
 * others take qsort. Either gives the same order.
 */
static void
sort_positions(struct work *w, uint32_t nv)
{
	struct qv	*out;

	for (uint32_t i = 0; i < nv; i++) {
		uint64_t	k = 0;

		for (int c = 0; c < 3; c++) {
			int64_t	x = w->q[i].x[c];

			if (x < -PACK_BIAS || x >= PACK_BIAS)
				goto slow;
			k = k << 21 | (uint64_t)(x + PACK_BIAS);
		}
		w->pk[i] = k;
		w->pv[i] = i;
	}
	if (weft__geom_radix64_by(w->pk, w->pv, w->k2, w->pv2, nv) != 0)
		goto slow;
	out = w->q2;
	for (uint32_t i = 0; i < nv; i++)
		out[i] = w->q[w->pv[i]];
	w->q2 = w->q;
	w->q = out;
	return;
slow:
	qsort(w->q, nv, sizeof(*w->q), cmp_qv);
}

/* Beyond this many cells from the centre, no key (int64 and packing). */
#define CELLS_MAX	4e18

/*
 * The key of one frame (rows e) and grid offset. Returns 0, or
 * WEFT_ETOOBIG when a vertex is too far from the centre for the grid.
 */
static int
key(struct work *w, const double c[3], double e[3][3], double scale,
    int grid, uint8_t out[WEFT_GEOM_KEY_BYTES])
{
	const struct weft_geom_mesh	*m = w->m;
	struct hasher			 h;
	double				 off = grid ? 0.5 : 0;
	uint32_t			 nv = 0, nt = 0, u = 0;
	bool				 packed;

	for (uint32_t i = 0; i < m->nv; i++) {
		const double	*p = m->v + 3 * (size_t)i;
		double		 d[3] = { p[0] - c[0], p[1] - c[1],
		    p[2] - c[2] };

		for (int k = 0; k < 3; k++) {
			double	x = floor((d[0] * e[k][0] + d[1] * e[k][1] +
			    d[2] * e[k][2]) * scale * GRID + off);

			if (!(fabs(x) < CELLS_MAX))
				return WEFT_ETOOBIG;
			w->q[i].x[k] = (int64_t)x;
		}
		w->q[i].orig = i;
	}
	sort_positions(w, m->nv);
	for (uint32_t i = 0; i < m->nv; i++) {
		if (i > 0 && cmp_qv(&w->q[i - 1], &w->q[i]) != 0)
			u++;
		w->map[w->q[i].orig] = u;
	}
	for (uint32_t i = 0; i < m->nt; i++) {
		uint32_t	a = w->map[m->t[3 * (size_t)i]];
		uint32_t	b = w->map[m->t[3 * (size_t)i + 1]];
		uint32_t	d = w->map[m->t[3 * (size_t)i + 2]];

		if (a == b || b == d || a == d)
			continue;
		if (b < a && b < d) {
			w->t[nt] = (struct tri){ { b, d, a } };
		} else if (d < a && d < b) {
			w->t[nt] = (struct tri){ { d, a, b } };
		} else
			w->t[nt] = (struct tri){ { a, b, d } };
		nt++;
	}
	/* Only vertices some triangle uses are hashed: renumber densely. */
	memset(w->map, 0xff, (size_t)m->nv * sizeof(*w->map));
	for (uint32_t i = 0; i < nt; i++)
		for (int k = 0; k < 3; k++)
			w->map[w->t[i].v[k]] = 0;
	/* w->q is sorted; unique position u has rank u among the sorted. */
	crypto_generichash_init(&h.st, NULL, 0, WEFT_GEOM_KEY_BYTES);
	h.n = 0;
	put(&h, DOMAIN, sizeof(DOMAIN) - 1);
	{
		uint8_t	g = (uint8_t)grid;

		put(&h, &g, 1);
	}
	/* Count, then write, the used unique positions in order. */
	u = 0;
	for (uint32_t i = 0; i < m->nv; i++) {
		if (i > 0 && cmp_qv(&w->q[i - 1], &w->q[i]) == 0)
			continue;
		if (w->map[u++] == 0)
			nv++;
	}
	put64(&h, nv);
	u = 0;
	nv = 0;
	for (uint32_t i = 0; i < m->nv; i++) {
		if (i > 0 && cmp_qv(&w->q[i - 1], &w->q[i]) == 0)
			continue;
		if (w->map[u] == 0) {
			w->map[u] = nv++;
			for (int k = 0; k < 3; k++)
				put64(&h, (uint64_t)w->q[i].x[k]);
		}
		u++;
	}
	for (uint32_t i = 0; i < nt; i++)
		for (int k = 0; k < 3; k++)
			w->t[i].v[k] = w->map[w->t[i].v[k]];
	/* Renumbering keeps order, so each triangle still starts smallest. */
	packed = nv < (1u << 21);
	if (packed) {
		for (uint32_t i = 0; i < nt; i++)
			w->k[i] = (uint64_t)w->t[i].v[0] << 42 |
			    (uint64_t)w->t[i].v[1] << 21 | w->t[i].v[2];
		if (weft__geom_radix64(w->k, w->tmp, nt) != 0) {
			qsort(w->k, nt, sizeof(*w->k), cmp_u64);
		}
		for (uint32_t i = 0; i < nt; i++) {
			w->t[i].v[0] = (uint32_t)(w->k[i] >> 42);
			w->t[i].v[1] = (uint32_t)(w->k[i] >> 21) & 0x1fffff;
			w->t[i].v[2] = (uint32_t)w->k[i] & 0x1fffff;
		}
	} else
		qsort(w->t, nt, sizeof(*w->t), cmp_tri);
	u = 0;
	for (uint32_t i = 0; i < nt; i++)
		if (i == 0 || cmp_tri(&w->t[i - 1], &w->t[i]) != 0)
			u++;
	put64(&h, u);
	for (uint32_t i = 0; i < nt; i++) {
		if (i > 0 && cmp_tri(&w->t[i - 1], &w->t[i]) == 0)
			continue;
		for (int k = 0; k < 3; k++)
			put32(&h, w->t[i].v[k]);
	}
	crypto_generichash_update(&h.st, h.buf, h.n);
	crypto_generichash_final(&h.st, out, WEFT_GEOM_KEY_BYTES);
	return 0;
}

/* h3(a, b, c): the sum of all monomials of degree 3. */
static double
h3(double a, double b, double c)
{
	return a * a * a + b * b * b + c * c * c +
	    a * a * (b + c) + b * b * (a + c) + c * c * (a + b) + a * b * c;
}

/* Skewness of the surface along axis e: (1/A) int (x.e)^3 / l^1.5. */
static double
skew(const struct weft_geom_mesh *m, const struct weft__geom_frame *fr,
    const double e[3], double l)
{
	double	s = 0;

	for (uint32_t i = 0; i < m->nt; i++) {
		double	f[3], u[3], v[3], x, y, z;
		const double *p[3];

		for (int j = 0; j < 3; j++) {
			p[j] = m->v + 3 * (size_t)m->t[3 * (size_t)i + j];
			f[j] = (p[j][0] - fr->c[0]) * e[0] +
			    (p[j][1] - fr->c[1]) * e[1] +
			    (p[j][2] - fr->c[2]) * e[2];
		}
		for (int k = 0; k < 3; k++) {
			u[k] = p[1][k] - p[0][k];
			v[k] = p[2][k] - p[0][k];
		}
		x = u[1] * v[2] - u[2] * v[1];
		y = u[2] * v[0] - u[0] * v[2];
		z = u[0] * v[1] - u[1] * v[0];
		s += 0.5 * sqrt(x * x + y * y + z * z) / 10 *
		    h3(f[0], f[1], f[2]);
	}
	return s / (fr->area * pow(l, 1.5));
}

static void
cross(const double a[3], const double b[3], double out[3])
{
	out[0] = a[1] * b[2] - a[2] * b[1];
	out[1] = a[2] * b[0] - a[0] * b[2];
	out[2] = a[0] * b[1] - a[1] * b[0];
}

static uint64_t
splitmix(uint64_t *s)
{
	uint64_t	z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A uniform double in [0, 1) from the top 53 bits. */
static double
unit(uint64_t *s)
{
	return (double)(splitmix(s) >> 11) * 0x1.0p-53;
}

static int
d2(const struct weft_geom_mesh *m, struct weft_geom_print *p)
{
	double		*cdf, *dist, total = 0, mean = 0;
	uint64_t	 s = D2_SEED;
	int		 err = -ENOMEM;

	cdf = malloc((size_t)m->nt * sizeof(*cdf));
	dist = malloc(WEFT_GEOM_D2_PAIRS * sizeof(*dist));
	if (cdf == NULL || dist == NULL)
		goto out;
	for (uint32_t i = 0; i < m->nt; i++) {
		const double	*a = m->v + 3 * (size_t)m->t[3 * (size_t)i];
		const double	*b = m->v + 3 * (size_t)m->t[3 * (size_t)i + 1];
		const double	*c = m->v + 3 * (size_t)m->t[3 * (size_t)i + 2];
		double		 u[3], v[3], n[3];

		for (int k = 0; k < 3; k++) {
			u[k] = b[k] - a[k];
			v[k] = c[k] - a[k];
		}
		cross(u, v, n);
		total += 0.5 * sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
		cdf[i] = total;
	}
	for (int i = 0; i < WEFT_GEOM_D2_PAIRS; i++) {
		double	pt[2][3];

		for (int j = 0; j < 2; j++) {
			double		 r = unit(&s) * total;
			double		 r1 = sqrt(unit(&s)), r2 = unit(&s);
			uint32_t	 lo = 0, hi = m->nt - 1;
			const double	*a, *b, *c;

			while (lo < hi) {
				uint32_t	mid = lo + (hi - lo) / 2;

				if (cdf[mid] <= r)
					lo = mid + 1;
				else
					hi = mid;
			}
			a = m->v + 3 * (size_t)m->t[3 * (size_t)lo];
			b = m->v + 3 * (size_t)m->t[3 * (size_t)lo + 1];
			c = m->v + 3 * (size_t)m->t[3 * (size_t)lo + 2];
			for (int k = 0; k < 3; k++)
				pt[j][k] = (1 - r1) * a[k] +
				    r1 * (1 - r2) * b[k] + r1 * r2 * c[k];
		}
		dist[i] = sqrt((pt[0][0] - pt[1][0]) * (pt[0][0] - pt[1][0]) +
		    (pt[0][1] - pt[1][1]) * (pt[0][1] - pt[1][1]) +
		    (pt[0][2] - pt[1][2]) * (pt[0][2] - pt[1][2]));
		mean += dist[i];
	}
	mean /= WEFT_GEOM_D2_PAIRS;
	memset(p->d2, 0, sizeof(p->d2));
	for (int i = 0; i < WEFT_GEOM_D2_PAIRS; i++) {
		double	b = mean > 0 ? dist[i] / mean * 16 : 0;
		int	bin = b >= WEFT_GEOM_D2_BINS - 1 ?
		    WEFT_GEOM_D2_BINS - 1 : (int)b;

		p->d2[bin]++;
	}
	err = 0;
out:
	free(cdf);
	free(dist);
	return err;
}

int
weft__geom_print(const struct weft_geom_mesh *m,
    const struct weft__geom_frame *fr, const struct weft_geom_facts *f,
    struct weft_geom_print *p)
{
	struct work	 w;
	double		 l0 = fr->eig[0], e[3][3], s[2], scale;
	uint8_t		 k[2][WEFT_GEOM_KEY_BYTES];
	bool		 fixed[2];
	int		 err;

	memset(p, 0, sizeof(*p));
	memset(&w, 0, sizeof(w));
	w.m = m;
	p->version = WEFT_GEOM_VERSION;
	if (l0 > 0) {
		p->ratio[0] = fr->eig[1] / l0;
		p->ratio[1] = fr->eig[2] / l0;
	}
	if (f->closed && f->volume > 0)
		p->compact = pow(f->area, 1.5) / f->volume;
	err = d2(m, p);
	if (err)
		return err;
	if (!(l0 > 0) || (l0 - fr->eig[1]) / l0 < GAP_MIN ||
	    (fr->eig[1] - fr->eig[2]) / l0 < GAP_MIN) {
		p->nokey_why = "symmetric shape: its principal axes are not "
		    "unique, so there is no exact key (similarity only)";
		return 0;
	}
	for (int a = 0; a < 2; a++) {
		s[a] = skew(m, fr, fr->axis[a], fr->eig[a]);
		fixed[a] = fabs(s[a]) >= SKEW_MIN;
	}
	scale = 1 / sqrt(fr->eig[0] + fr->eig[1] + fr->eig[2]);
	w.q = malloc((size_t)m->nv * sizeof(*w.q));
	w.q2 = malloc((size_t)m->nv * sizeof(*w.q2));
	w.pk = malloc((size_t)m->nv * sizeof(*w.pk));
	w.k2 = malloc((size_t)m->nv * sizeof(*w.k2));
	w.pv = malloc((size_t)m->nv * sizeof(*w.pv));
	w.pv2 = malloc((size_t)m->nv * sizeof(*w.pv2));
	w.map = malloc((size_t)m->nv * sizeof(*w.map));
	w.t = malloc((size_t)m->nt * sizeof(*w.t));
	w.k = malloc((size_t)m->nt * sizeof(*w.k));
	w.tmp = malloc((size_t)m->nt * sizeof(*w.tmp));
	err = -ENOMEM;
	if (w.q == NULL || w.map == NULL || w.t == NULL || w.k == NULL ||
	    w.tmp == NULL || w.q2 == NULL || w.pk == NULL || w.k2 == NULL ||
	    w.pv == NULL || w.pv2 == NULL)
		goto out;
	/* Every proper frame the undetermined signs allow; keep the least. */
	for (int c = 0; c < 4; c++) {
		int	sg[2] = { c & 1 ? -1 : 1, c & 2 ? -1 : 1 };

		if ((fixed[0] && sg[0] < 0) || (fixed[1] && sg[1] < 0))
			continue;
		for (int a = 0; a < 2; a++) {
			double	sign = sg[a] * (fixed[a] && s[a] < 0 ? -1 : 1);

			for (int j = 0; j < 3; j++)
				e[a][j] = sign * fr->axis[a][j];
		}
		cross(e[0], e[1], e[2]);
		for (int g = 0; g < 2; g++) {
			if (key(&w, fr->c, e, scale, g, k[g]) != 0) {
				p->has_key = false;
				p->nokey_why = "a vertex lies too far from the "
				    "surface for the grid (a sliver far away), "
				    "so there is no exact key";
				err = 0;
				goto out;
			}
			if (!p->has_key || memcmp(k[g], p->key[g],
			    WEFT_GEOM_KEY_BYTES) < 0)
				memcpy(p->key[g], k[g], WEFT_GEOM_KEY_BYTES);
		}
		p->has_key = true;
	}
	err = 0;
out:
	free(w.q);
	free(w.q2);
	free(w.pk);
	free(w.k2);
	free(w.pv);
	free(w.pv2);
	free(w.map);
	free(w.t);
	free(w.k);
	free(w.tmp);
	return err;
}

bool
weft_geom_same(const struct weft_geom_print *a,
    const struct weft_geom_print *b)
{
	if (!a->has_key || !b->has_key || a->version != b->version)
		return false;
	return memcmp(a->key[0], b->key[0], WEFT_GEOM_KEY_BYTES) == 0 ||
	    memcmp(a->key[1], b->key[1], WEFT_GEOM_KEY_BYTES) == 0;
}

double
weft_geom_similarity(const struct weft_geom_print *a,
    const struct weft_geom_print *b)
{
	double	l1 = 0, pen;

	for (int i = 0; i < WEFT_GEOM_D2_BINS; i++)
		l1 += fabs((double)a->d2[i] - (double)b->d2[i]);
	l1 /= WEFT_GEOM_D2_PAIRS;
	pen = fabs(a->ratio[0] - b->ratio[0]) + fabs(a->ratio[1] - b->ratio[1]);
	if (pen > 1)
		pen = 1;
	return (1 - l1 / 2) * (1 - pen);
}
