/*
 * STL, binary and ASCII. A binary file has an 80-byte header, a
 * little-endian triangle count n and n records of 50 bytes (normal,
 * three corners as float32, two attribute bytes), so its size is exactly
 * 84 + 50 n; binary files may begin with "solid" too, so the size
 * decides. Anything else that begins with "solid" is read as ASCII:
 * every "vertex x y z" line, three to a facet. Normals are ignored (the
 * winding says which side is out).
 */
#include <stdlib.h>
#include <string.h>

#include "weft/err.h"
#include "weft/geom.h"

#include "geom_int.h"

int
weft__geom_number(const uint8_t *p, size_t n, double *out)
{
	char	buf[WEFT__GEOM_NUM_MAX + 1], *end;

	if (n == 0 || n > WEFT__GEOM_NUM_MAX)
		return WEFT_EPROTO;
	for (size_t i = 0; i < n; i++) {
		if (!((p[i] >= '0' && p[i] <= '9') || p[i] == '+' ||
		    p[i] == '-' || p[i] == '.' || p[i] == 'e' || p[i] == 'E'))
			return WEFT_EPROTO;
	}
	memcpy(buf, p, n);
	buf[n] = '\0';
	*out = strtod(buf, &end);
	if (end != buf + n)
		return WEFT_EPROTO;
	return 0;
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static double
lefloat(const uint8_t *p)
{
	uint32_t	u = le32(p);
	float		f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static int
binary(struct weft_geom_mesh *m, const uint8_t *p, uint32_t n)
{
	double	c[9];
	int	err;

	if (n > m->lim.max_triangles) {
		m->note.what = "more triangles than weft reads";
		return WEFT_ETOOBIG;
	}
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t	*r = p + 84 + 50 * (size_t)i + 12;

		for (int k = 0; k < 9; k++)
			c[k] = lefloat(r + 4 * k);
		err = weft_geom_mesh_add(m, c);
		if (err) {
			m->note.where = (uint64_t)i + 1;
			return err;
		}
	}
	return 0;
}

static bool
space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	    c == '\f' || c == '\v';
}

struct scan {
	const uint8_t	*p;
	size_t		 n, off;
	uint64_t	 line;
};

/* The next whitespace-separated token, or false at the end. */
static bool
token(struct scan *s, const uint8_t **tok, size_t *len)
{
	while (s->off < s->n && space(s->p[s->off])) {
		if (s->p[s->off] == '\n')
			s->line++;
		s->off++;
	}
	if (s->off == s->n)
		return false;
	*tok = s->p + s->off;
	while (s->off < s->n && !space(s->p[s->off]))
		s->off++;
	*len = (size_t)(s->p + s->off - *tok);
	return true;
}

static bool
is(const uint8_t *tok, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(tok, word, len) == 0;
}

static int
ascii(struct weft_geom_mesh *m, const uint8_t *p, size_t n)
{
	struct scan	 s = { p, n, 0, 1 };
	const uint8_t	*tok;
	size_t		 len;
	double		 c[9];
	int		 k = 0, err;
	bool		 end = false;

	m->ascii = true;
	while (token(&s, &tok, &len)) {
		if (is(tok, len, "endsolid")) {
			end = true;
			break;
		}
		if (is(tok, len, "endloop") && k != 0) {
			m->note.what = "a loop does not have three vertices";
			goto bad;
		}
		if (!is(tok, len, "vertex"))
			continue;
		for (int i = 0; i < 3; i++) {
			if (!token(&s, &tok, &len) ||
			    weft__geom_number(tok, len, &c[3 * k + i]) != 0) {
				m->note.what = "a vertex is not three numbers";
				goto bad;
			}
		}
		if (++k < 3)
			continue;
		k = 0;
		err = weft_geom_mesh_add(m, c);
		if (err) {
			m->note.where = s.line;
			return err;
		}
	}
	if (k != 0) {
		m->note.what = "the last facet is cut short";
		goto bad;
	}
	if (!end) {
		m->note.what = "no 'endsolid' (truncated, or a binary STL "
		    "whose size does not match its triangle count)";
		goto bad;
	}
	return 0;
bad:
	m->note.where = s.line;
	return WEFT_EPROTO;
}

int
weft_geom_stl_decode(struct weft_geom_mesh *m, const uint8_t *p, size_t n)
{
	size_t	i = 0;

	m->format = WEFT_GEOM_STL;
	if (n >= 84 && (n - 84) % 50 == 0 && (n - 84) / 50 == le32(p + 80))
		return binary(m, p, le32(p + 80));
	while (i < n && space(p[i]))
		i++;
	/* A NUL byte: binary, whatever the header says. */
	if (n - i >= 5 && memcmp(p + i, "solid", 5) == 0 &&
	    memchr(p, '\0', n) == NULL)
		return ascii(m, p + i, n - i);
	if (n < 84)
		m->note.what = "too short for a binary STL";
	else
		m->note.what = "the triangle count does not match the size "
		    "of the file (84 + 50 bytes per triangle)";
	return WEFT_EPROTO;
}
