/*
 * Wavefront OBJ: "v x y z [w]" lines and "f" lines whose corners are
 * "i", "i/t", "i/t/n" or "i//n"; a negative i counts back from the last
 * vertex so far. A polygon is cut into a fan from its first corner.
 * Every other line (normals, texture coordinates, groups, materials) is
 * skipped. w is ignored: 3D printing files do not use rational vertices.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "weft/err.h"
#include "weft/geom.h"

#include "geom_int.h"

struct obj {
	struct weft_geom_mesh	*m;
	double			*v;
	uint32_t		 nv, cap;
};

static bool
blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* The next token of the line [*off, end), or false. */
static bool
token(const uint8_t *p, size_t *off, size_t end, const uint8_t **tok,
    size_t *len)
{
	while (*off < end && blank(p[*off]))
		(*off)++;
	if (*off == end)
		return false;
	*tok = p + *off;
	while (*off < end && !blank(p[*off]))
		(*off)++;
	*len = (size_t)(p + *off - *tok);
	return true;
}

static int
vline(struct obj *o, const uint8_t *p, size_t off, size_t end)
{
	const uint8_t	*tok;
	size_t		 len;
	double		 c[3], *q;
	uint32_t	 cap;

	for (int i = 0; i < 3; i++) {
		if (!token(p, &off, end, &tok, &len) ||
		    weft__geom_number(tok, len, &c[i]) != 0) {
			o->m->note.what = "a 'v' line is not three numbers";
			return WEFT_EPROTO;
		}
		if (!isfinite(c[i])) {
			o->m->note.what = "a coordinate is not a finite number";
			return WEFT_EPROTO;
		}
	}
	if (o->nv == o->cap) {
		if (o->nv >= o->m->lim.max_vertices) {
			o->m->note.what = "too many vertices";
			return WEFT_ETOOBIG;
		}
		cap = o->cap < 1024 ? 1024 : o->cap * 2;
		if (cap > o->m->lim.max_vertices)
			cap = o->m->lim.max_vertices;
		q = realloc(o->v, (size_t)cap * 3 * sizeof(double));
		if (q == NULL)
			return -ENOMEM;
		o->v = q;
		o->cap = cap;
	}
	memcpy(o->v + 3 * (size_t)o->nv, c, sizeof(c));
	o->nv++;
	return 0;
}

/* The 0-based vertex of a corner token, or a negative code. */
static int64_t
corner(struct obj *o, const uint8_t *tok, size_t len)
{
	int64_t	i = 0;
	size_t	k = 0;
	bool	neg = false;

	if (k < len && (tok[k] == '-' || tok[k] == '+'))
		neg = tok[k++] == '-';
	if (k == len || tok[k] < '0' || tok[k] > '9')
		goto bad;
	for (; k < len && tok[k] >= '0' && tok[k] <= '9'; k++) {
		i = i * 10 + (tok[k] - '0');
		if (i > UINT32_MAX)
			goto range;
	}
	if (k < len && tok[k] != '/')
		goto bad;
	if (i == 0)
		goto range;
	i = neg ? (int64_t)o->nv - i : i - 1;
	if (i < 0 || i >= o->nv)
		goto range;
	return i;
bad:
	o->m->note.what = "a face corner is not a vertex number";
	return WEFT_EPROTO;
range:
	o->m->note.what = "a face names a vertex that does not exist";
	return WEFT_EPROTO;
}

static int
fline(struct obj *o, const uint8_t *p, size_t off, size_t end)
{
	const uint8_t	*tok;
	size_t		 len;
	int64_t		 first = -1, prev = -1, cur;
	double		 c[9];
	int		 n = 0, err;

	while (token(p, &off, end, &tok, &len)) {
		cur = corner(o, tok, len);
		if (cur < 0)
			return (int)cur;
		if (n == 0)
			first = cur;
		else if (n >= 2) {
			memcpy(c, o->v + 3 * first, 3 * sizeof(double));
			memcpy(c + 3, o->v + 3 * prev, 3 * sizeof(double));
			memcpy(c + 6, o->v + 3 * cur, 3 * sizeof(double));
			err = weft_geom_mesh_add(o->m, c);
			if (err)
				return err;
		}
		prev = cur;
		n++;
	}
	if (n < 3) {
		o->m->note.what = "a face has fewer than three corners";
		return WEFT_EPROTO;
	}
	return 0;
}

int
weft_geom_obj_decode(struct weft_geom_mesh *m, const uint8_t *p, size_t n)
{
	struct obj	 o = { m, NULL, 0, 0 };
	const uint8_t	*nl;
	size_t		 off = 0, end;
	uint64_t	 line = 0;
	int		 err = 0;

	m->format = WEFT_GEOM_OBJ;
	while (off < n) {
		line++;
		nl = memchr(p + off, '\n', n - off);
		end = nl != NULL ? (size_t)(nl - p) : n;
		while (off < end && blank(p[off]))
			off++;
		if (end - off >= 2 && p[off] == 'v' && blank(p[off + 1]))
			err = vline(&o, p, off + 2, end);
		else if (end - off >= 2 && p[off] == 'f' && blank(p[off + 1]))
			err = fline(&o, p, off + 2, end);
		if (err) {
			m->note.where = line;
			break;
		}
		off = end + 1;
	}
	if (err == 0 && m->nt == 0 && m->read == 0) {
		m->note.what = "no faces";
		err = WEFT_EPROTO;
	}
	free(o.v);
	return err;
}
