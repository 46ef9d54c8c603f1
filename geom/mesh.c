/*
 * The mesh every decoder fills: vertices welded by exact value in an open
 * addressing table as they arrive, triangles as index triples, every array
 * capped by the limits. Also the format guess and the decoder table.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "weft/err.h"
#include "weft/geom.h"

#define EMPTY	UINT32_MAX

void
weft_geom_limits_default(struct weft_geom_limits *lim)
{
	lim->max_triangles = 10000000;
	lim->max_vertices = 10000000;
	lim->max_unzipped = (uint64_t)512 << 20;
	lim->max_ratio = 100;
	lim->max_entries = 10000;
	lim->max_objects = 100000;
	lim->max_depth = 16;
	lim->max_instances = 10000000;
}

void
weft_geom_mesh_init(struct weft_geom_mesh *m,
    const struct weft_geom_limits *lim)
{
	memset(m, 0, sizeof(*m));
	if (lim != NULL)
		m->lim = *lim;
	else
		weft_geom_limits_default(&m->lim);
	m->unit = "millimeter";
	/*
	 * A random hash seed, so that no file can be made to collide in the
	 * weld table. Vertices are numbered in order of first appearance,
	 * so the mesh does not depend on it.
	 */
	randombytes_buf(&m->seed, sizeof(m->seed));
}

void
weft_geom_mesh_release(struct weft_geom_mesh *m)
{
	free(m->v);
	free(m->t);
	free(m->weld);
	m->v = NULL;
	m->t = NULL;
	m->weld = NULL;
	m->nv = m->nt = m->capv = m->capt = m->weldcap = 0;
}

static uint64_t
bits(double d)
{
	uint64_t	u;

	if (d == 0)
		d = 0;		/* -0 welds with +0 */
	memcpy(&u, &d, sizeof(u));
	return u;
}

static uint32_t
hash3(uint64_t seed, const double *p)
{
	uint64_t	h = seed ^ 0x9e3779b97f4a7c15ULL;

	for (int i = 0; i < 3; i++) {
		h ^= bits(p[i]);
		h *= 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
	}
	return (uint32_t)(h ^ (h >> 32));
}

static bool
same(const double *a, const double *b)
{
	return bits(a[0]) == bits(b[0]) && bits(a[1]) == bits(b[1]) &&
	    bits(a[2]) == bits(b[2]);
}

static int
weld_grow(struct weft_geom_mesh *m)
{
	uint32_t	 cap = m->weldcap ? m->weldcap * 2 : 1024;
	uint32_t	*w, h;

	if (cap == 0 || cap > (1u << 30))
		return WEFT_ETOOBIG;
	w = malloc((size_t)cap * sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	memset(w, 0xff, (size_t)cap * sizeof(*w));
	for (uint32_t i = 0; i < m->nv; i++) {
		h = hash3(m->seed, m->v + 3 * (size_t)i) & (cap - 1);
		while (w[h] != EMPTY)
			h = (h + 1) & (cap - 1);
		w[h] = i;
	}
	free(m->weld);
	m->weld = w;
	m->weldcap = cap;
	return 0;
}

static int
grow(void **p, uint32_t *cap, uint32_t need, uint32_t max, size_t size)
{
	uint32_t	 n;
	void		*q;

	if (need <= *cap)
		return 0;
	if (need > max)
		return WEFT_ETOOBIG;
	n = *cap < 1024 ? 1024 : *cap;
	while (n < need)
		n = n > UINT32_MAX / 2 ? UINT32_MAX : n * 2;
	if (n > max)
		n = max;
	q = realloc(*p, (size_t)n * size);
	if (q == NULL)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

/* The index of the vertex at p, added if new; or a negative code. */
static int64_t
vertex(struct weft_geom_mesh *m, const double *p)
{
	uint32_t	h, i;
	int		err;

	if ((uint64_t)m->nv * 2 >= m->weldcap) {
		err = weld_grow(m);
		if (err)
			return err;
	}
	h = hash3(m->seed, p) & (m->weldcap - 1);
	while ((i = m->weld[h]) != EMPTY) {
		if (same(m->v + 3 * (size_t)i, p))
			return i;
		h = (h + 1) & (m->weldcap - 1);
	}
	err = grow((void **)&m->v, &m->capv, m->nv + 1, m->lim.max_vertices,
	    3 * sizeof(double));
	if (err) {
		m->note.what = "too many vertices";
		return err;
	}
	memcpy(m->v + 3 * (size_t)m->nv, p, 3 * sizeof(double));
	m->weld[h] = m->nv;
	return m->nv++;
}

int
weft_geom_mesh_add(struct weft_geom_mesh *m, const double p[9])
{
	int64_t	idx[3];
	int	err;

	for (int i = 0; i < 9; i++) {
		if (!isfinite(p[i])) {
			m->note.what = "a coordinate is not a finite number";
			return WEFT_EPROTO;
		}
		if (fabs(p[i]) > WEFT_GEOM_COORD_MAX) {
			m->note.what = "a coordinate is beyond 1e9 mm";
			return WEFT_EPROTO;
		}
	}
	m->read++;
	for (int i = 0; i < 3; i++) {
		idx[i] = vertex(m, p + 3 * i);
		if (idx[i] < 0)
			return (int)idx[i];
	}
	if (idx[0] == idx[1] || idx[1] == idx[2] || idx[0] == idx[2]) {
		m->degenerate++;
		return 0;
	}
	err = grow((void **)&m->t, &m->capt, m->nt + 1, m->lim.max_triangles,
	    3 * sizeof(uint32_t));
	if (err) {
		m->note.what = "too many triangles";
		return err;
	}
	for (int i = 0; i < 3; i++)
		m->t[3 * (size_t)m->nt + i] = (uint32_t)idx[i];
	m->nt++;
	return 0;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t	n = strlen(s), k = strlen(suffix);

	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

int
weft_geom_format_guess(const char *name, const uint8_t *p, size_t n)
{
	if (name != NULL) {
		if (ends_with(name, ".stl"))
			return WEFT_GEOM_STL;
		if (ends_with(name, ".obj"))
			return WEFT_GEOM_OBJ;
		if (ends_with(name, ".3mf"))
			return WEFT_GEOM_3MF;
	}
	if (n >= 4 && memcmp(p, "PK\x03\x04", 4) == 0)
		return WEFT_GEOM_3MF;
	if (n >= 84 && (n - 84) % 50 == 0 &&
	    (n - 84) / 50 == ((uint32_t)p[80] | (uint32_t)p[81] << 8 |
	    (uint32_t)p[82] << 16 | (uint32_t)p[83] << 24))
		return WEFT_GEOM_STL;
	if (n >= 5 && memcmp(p, "solid", 5) == 0)
		return WEFT_GEOM_STL;
	return WEFT_GEOM_UNKNOWN;
}

const char *
weft_geom_format_name(int format)
{
	switch (format) {
	case WEFT_GEOM_STL:
		return "stl";
	case WEFT_GEOM_OBJ:
		return "obj";
	case WEFT_GEOM_3MF:
		return "3mf";
	default:
		return "unknown";
	}
}

int
weft_geom_decode(struct weft_geom_mesh *m, int format, const uint8_t *p,
    size_t n)
{
	switch (format) {
	case WEFT_GEOM_STL:
		return weft_geom_stl_decode(m, p, n);
	case WEFT_GEOM_OBJ:
		return weft_geom_obj_decode(m, p, n);
	case WEFT_GEOM_3MF:
		return weft_geom_3mf_decode(m, p, n);
	default:
		m->note.what = "not a mesh format weft reads (STL, OBJ, 3MF)";
		return WEFT_EPROTO;
	}
}
