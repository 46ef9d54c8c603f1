/*
 * 3MF: an OPC ZIP package (libzip, read from memory) whose *.model parts
 * are XML (expat, streamed as each part inflates). Every *.model part is
 * read, not only 3D/3dmodel.model, because Bambu Studio and OrcaSlicer
 * put the meshes in parts under 3D/Objects/ and reference them from the root
 * part with production-extension components (p:path). The build items of
 * the root part place objects; components place other objects, each with
 * a 3x4 transform, to a depth cap. Each part's "unit" scales its own
 * coordinates and translations to millimetres.
 *
 * Hostile packages are bounded: entries, bytes inflated in all, the
 * inflation ratio of each part, objects, components visited, nesting and
 * triangles placed. DTDs (and so entity expansion) are refused.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <expat.h>
#include <zip.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/geom.h"

#include "geom_int.h"

#define NS_SEP		'\x01'
#define NS_PROD		"http://schemas.microsoft.com/3dmanufacturing/" \
			    "production/2015/06"
#define REL_MODEL	"http://schemas.microsoft.com/3dmanufacturing/" \
			    "2013/01/3dmodel"
#define REL_THUMB	"http://schemas.openxmlformats.org/package/2006/" \
			    "relationships/metadata/thumbnail"
#define NAME_MAX_3MF	1024
#define READ_CHUNK	65536
#define RATIO_FLOOR	((uint64_t)1 << 20)	/* inflate 1 MiB regardless */
#define VISITS_MAX	1000000
/* Parts named (entries and p:path targets); looked up linearly. */
#define PARTS_MAX	1024
/*
 * expat 2.5 rescans an unfinished token from its start on every call, so
 * one huge token (a comment of 500 MB) costs quadratic time: no run of a
 * part may go this long without a '>'.
 */
#define TOKEN_MAX	((uint64_t)1 << 20)

struct xform {
	double	m[12];		/* m00 m01 m02 m10 ... m32, row vectors */
};

struct object {
	uint32_t	part, id;
	uint32_t	v0, nv;		/* vertex pool, mm */
	uint32_t	t0, nt;		/* triangle pool, object-local */
	uint32_t	c0, nc;		/* component pool */
};

struct comp {
	uint32_t	from;		/* the part that declares it */
	uint32_t	part, id;
	struct xform	x;		/* translation in mm */
};

struct pkg {
	struct weft_geom_mesh	*m;
	const struct weft_geom_limits *lim;
	char			**parts;	/* normalised names */
	double			*unit_mm;	/* per part */
	const char		**unit;
	bool			*has_build;
	uint32_t		 nparts, capparts;
	struct object		*obj;
	uint32_t		 nobj, capobj;
	double			*v;
	uint32_t		 nv, capv;
	uint32_t		*t;
	uint32_t		 nt, capt;
	struct comp		*c;
	uint32_t		 nc, capc;
	struct comp		*items;
	uint32_t		 nitems, capitems;
	uint32_t		 root;		/* part of the build */
	uint64_t		 inflated;
	uint64_t		 visits;
	/* parsing one part */
	XML_Parser		 xp;
	uint32_t		 cur;		/* part */
	int64_t			 obj_open;	/* object index, or -1 */
	int			 depth;
	int			 err;
	uint64_t		 line;
};

static void
fail(struct pkg *k, int err, const char *what)
{
	if (k->err == 0) {
		k->err = err;
		k->m->note.what = what;
		if (k->xp != NULL) {
			k->m->note.where = XML_GetCurrentLineNumber(k->xp);
			XML_StopParser(k->xp, XML_FALSE);
		}
	}
}

static int
more(void **p, uint32_t *cap, uint32_t n, uint64_t max, size_t size)
{
	uint32_t	 c;
	void		*q;

	if (n < *cap)
		return 0;
	if (n >= max)
		return WEFT_ETOOBIG;
	c = *cap < 64 ? 64 : *cap * 2;
	if (c > max)
		c = (uint32_t)max;
	q = realloc(*p, (size_t)c * size);
	if (q == NULL)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

static const char *
skip_slash(const char *s)
{
	while (*s == '/')
		s++;
	return s;
}

/* The index of part name (added if new), or a negative code. */
static int64_t
part(struct pkg *k, const char *name)
{
	size_t	 len;
	char	*s;
	int	 err;

	name = skip_slash(name);
	for (uint32_t i = 0; i < k->nparts; i++)
		if (strcmp(k->parts[i], name) == 0)
			return i;
	len = strlen(name);
	if (len == 0 || len > NAME_MAX_3MF)
		return WEFT_EPROTO;
	err = more((void **)&k->parts, &k->capparts, k->nparts,
	    k->lim->max_entries < PARTS_MAX ? k->lim->max_entries : PARTS_MAX,
	    sizeof(*k->parts));
	if (err)
		return err;
	/* The parallel arrays follow capparts. */
	{
		double		*u;
		const char	**un;
		bool		*hb;

		u = realloc(k->unit_mm, k->capparts * sizeof(*u));
		if (u == NULL)
			return -ENOMEM;
		k->unit_mm = u;
		un = realloc(k->unit, k->capparts * sizeof(*un));
		if (un == NULL)
			return -ENOMEM;
		k->unit = un;
		hb = realloc(k->has_build, k->capparts * sizeof(*hb));
		if (hb == NULL)
			return -ENOMEM;
		k->has_build = hb;
	}
	s = strdup(name);
	if (s == NULL)
		return -ENOMEM;
	k->parts[k->nparts] = s;
	k->unit_mm[k->nparts] = 1;
	k->unit[k->nparts] = "millimeter";
	k->has_build[k->nparts] = false;
	return k->nparts++;
}

static const char *
local(const char *name)
{
	const char	*s = strrchr(name, NS_SEP);

	return s != NULL ? s + 1 : name;
}

/* The value of the attribute with this local name and no namespace. */
static const char *
attr(const char **a, const char *name)
{
	for (; a[0] != NULL; a += 2)
		if (strcmp(a[0], name) == 0)
			return a[1];
	return NULL;
}

static const char *
attr_ns(const char **a, const char *ns, const char *name)
{
	size_t	n = strlen(ns);

	for (; a[0] != NULL; a += 2)
		if (strncmp(a[0], ns, n) == 0 && a[0][n] == NS_SEP &&
		    strcmp(a[0] + n + 1, name) == 0)
			return a[1];
	return NULL;
}

static int
number(const char *s, double *out)
{
	if (s == NULL)
		return WEFT_EPROTO;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return weft__geom_number((const uint8_t *)s, strlen(s), out);
}

static int
uint_attr(const char *s, uint32_t *out)
{
	uint64_t	v = 0;

	if (s == NULL || *s == '\0')
		return WEFT_EPROTO;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return WEFT_EPROTO;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return WEFT_EPROTO;
	}
	*out = (uint32_t)v;
	return 0;
}

static const struct {
	const char	*name;
	double		 mm;
} units[] = {
	{ "micron", 0.001 }, { "millimeter", 1 }, { "centimeter", 10 },
	{ "inch", 25.4 }, { "foot", 304.8 }, { "meter", 1000 },
};

/* Parses a transform; its translation is in the current part's unit. */
static int
xform(struct pkg *k, const char *s, struct xform *x)
{
	static const double	id[12] = { 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0 };
	const char		*p = s;
	size_t			 n;

	memcpy(x->m, id, sizeof(id));
	if (s == NULL)
		return 0;
	for (int i = 0; i < 12; i++) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		n = strcspn(p, " \t\r\n");
		if (weft__geom_number((const uint8_t *)p, n, &x->m[i]) != 0)
			return WEFT_EPROTO;
		p += n;
	}
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p != '\0')
		return WEFT_EPROTO;
	for (int i = 9; i < 12; i++)
		x->m[i] *= k->unit_mm[k->cur];
	for (int i = 0; i < 12; i++)
		if (!(x->m[i] > -WEFT_GEOM_COORD_MAX &&
		    x->m[i] < WEFT_GEOM_COORD_MAX))
			return WEFT_EPROTO;
	return 0;
}

/* A component or build item: objectid, transform and p:path. */
static int
placement(struct pkg *k, const char **a, struct comp *c)
{
	const char	*path = attr_ns(a, NS_PROD, "path");
	int64_t		 pi;

	if (uint_attr(attr(a, "objectid"), &c->id) != 0) {
		fail(k, WEFT_EPROTO, "a component or item has no objectid");
		return -1;
	}
	if (xform(k, attr(a, "transform"), &c->x) != 0) {
		fail(k, WEFT_EPROTO, "a transform is not 12 numbers");
		return -1;
	}
	c->from = k->cur;
	c->part = k->cur;
	if (path != NULL) {
		pi = part(k, path);
		if (pi < 0) {
			fail(k, (int)pi, "a p:path names no part");
			return -1;
		}
		c->part = (uint32_t)pi;
	}
	return 0;
}

static void
on_start(void *arg, const char *name, const char **a)
{
	struct pkg	*k = arg;
	const char	*el = local(name);
	struct object	*o;
	double		 d[3];
	uint32_t	 t[3];
	int		 err;

	if (k->err)
		return;
	if (++k->depth > 32) {
		fail(k, WEFT_EPROTO, "XML nested too deep");
		return;
	}
	if (strcmp(el, "model") == 0 && k->depth == 1) {
		const char	*u = attr(a, "unit");

		if (u == NULL)
			return;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (strcmp(u, units[i].name) == 0) {
				k->unit_mm[k->cur] = units[i].mm;
				k->unit[k->cur] = units[i].name;
				return;
			}
		}
		fail(k, WEFT_EPROTO, "unknown unit");
	} else if (strcmp(el, "object") == 0) {
		err = more((void **)&k->obj, &k->capobj, k->nobj,
		    k->lim->max_objects, sizeof(*k->obj));
		if (err) {
			fail(k, err, "too many objects");
			return;
		}
		o = &k->obj[k->nobj];
		memset(o, 0, sizeof(*o));
		if (uint_attr(attr(a, "id"), &o->id) != 0) {
			fail(k, WEFT_EPROTO, "an object has no id");
			return;
		}
		o->part = k->cur;
		o->v0 = k->nv;
		o->t0 = k->nt;
		o->c0 = k->nc;
		k->obj_open = k->nobj++;
	} else if (strcmp(el, "vertex") == 0 && k->obj_open >= 0) {
		if (number(attr(a, "x"), &d[0]) || number(attr(a, "y"), &d[1]) ||
		    number(attr(a, "z"), &d[2])) {
			fail(k, WEFT_EPROTO, "a vertex is not three numbers");
			return;
		}
		if (!isfinite(d[0]) || !isfinite(d[1]) || !isfinite(d[2])) {
			fail(k, WEFT_EPROTO, "a coordinate is not a finite "
			    "number");
			return;
		}
		err = more((void **)&k->v, &k->capv, k->nv,
		    k->lim->max_vertices, 3 * sizeof(double));
		if (err) {
			fail(k, err, "too many vertices");
			return;
		}
		for (int i = 0; i < 3; i++)
			k->v[3 * (size_t)k->nv + i] = d[i] *
			    k->unit_mm[k->cur];
		k->nv++;
		k->obj[k->obj_open].nv++;
	} else if (strcmp(el, "triangle") == 0 && k->obj_open >= 0) {
		o = &k->obj[k->obj_open];
		if (uint_attr(attr(a, "v1"), &t[0]) ||
		    uint_attr(attr(a, "v2"), &t[1]) ||
		    uint_attr(attr(a, "v3"), &t[2])) {
			fail(k, WEFT_EPROTO, "a triangle is not three "
			    "vertex numbers");
			return;
		}
		if (t[0] >= o->nv || t[1] >= o->nv || t[2] >= o->nv) {
			fail(k, WEFT_EPROTO, "a triangle names a vertex that "
			    "does not exist");
			return;
		}
		err = more((void **)&k->t, &k->capt, k->nt,
		    k->lim->max_triangles, 3 * sizeof(uint32_t));
		if (err) {
			fail(k, err, "too many triangles");
			return;
		}
		memcpy(k->t + 3 * (size_t)k->nt, t, sizeof(t));
		k->nt++;
		o->nt++;
	} else if (strcmp(el, "component") == 0 && k->obj_open >= 0) {
		err = more((void **)&k->c, &k->capc, k->nc,
		    k->lim->max_objects, sizeof(*k->c));
		if (err) {
			fail(k, err, "too many components");
			return;
		}
		if (placement(k, a, &k->c[k->nc]) != 0)
			return;
		k->nc++;
		k->obj[k->obj_open].nc++;
	} else if (strcmp(el, "item") == 0) {
		err = more((void **)&k->items, &k->capitems, k->nitems,
		    k->lim->max_objects, sizeof(*k->items));
		if (err) {
			fail(k, err, "too many build items");
			return;
		}
		if (placement(k, a, &k->items[k->nitems]) != 0)
			return;
		k->nitems++;
		k->has_build[k->cur] = true;
	}
}

static void
on_end(void *arg, const char *name)
{
	struct pkg	*k = arg;

	k->depth--;
	if (strcmp(local(name), "object") == 0)
		k->obj_open = -1;
}

static void
on_doctype(void *arg, const char *name, const char *sysid,
    const char *pubid, int has_internal_subset)
{
	struct pkg	*k = arg;

	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	fail(k, WEFT_EPROTO, "a part has a DTD, which 3MF does not allow");
}

static const char *
last_gt(const char *p, size_t n)
{
	while (n > 0)
		if (p[--n] == '>')
			return p + n;
	return NULL;
}

/* Inflates entry i through parse (an expat parser), capped. */
static int
inflate_entry(struct pkg *k, zip_t *z, zip_uint64_t i, XML_Parser xp,
    struct weft_buf *raw)
{
	zip_stat_t	 st;
	zip_file_t	*f;
	zip_int64_t	 got;
	uint64_t	 n = 0, cap, run = 0;
	const char	*gt;
	char		*chunk;
	int		 err = 0;

	if (zip_stat_index(z, i, 0, &st) != 0 ||
	    !(st.valid & ZIP_STAT_COMP_SIZE)) {
		k->m->note.what = "a ZIP entry cannot be read";
		return WEFT_EPROTO;
	}
	cap = st.comp_size * k->lim->max_ratio;
	if (st.comp_size != 0 && cap / st.comp_size != k->lim->max_ratio)
		cap = UINT64_MAX;
	if (cap < RATIO_FLOOR)
		cap = RATIO_FLOOR;
	chunk = malloc(READ_CHUNK);
	if (chunk == NULL)
		return -ENOMEM;
	f = zip_fopen_index(z, i, 0);
	if (f == NULL) {
		k->m->note.what = "a ZIP entry cannot be opened (encrypted or "
		    "an unknown compression)";
		err = WEFT_EPROTO;
		goto out;
	}
	for (;;) {
		got = zip_fread(f, chunk, READ_CHUNK);
		if (got < 0) {
			k->m->note.what = "a ZIP entry is corrupt";
			err = WEFT_EPROTO;
			break;
		}
		n += (uint64_t)got;
		k->inflated += (uint64_t)got;
		if (n > cap || k->inflated > k->lim->max_unzipped) {
			k->m->note.what = "the package inflates too much (a "
			    "ZIP bomb?)";
			err = WEFT_ETOOBIG;
			break;
		}
		gt = last_gt(chunk, (size_t)got);
		run = gt != NULL ? (uint64_t)(chunk + got - gt - 1) :
		    run + (uint64_t)got;
		if (xp != NULL && run > TOKEN_MAX) {
			k->m->note.what = "a part has an XML token longer than "
			    "1 MiB";
			err = WEFT_ETOOBIG;
			break;
		}
		if (raw != NULL) {
			err = weft_buf_add(raw, chunk, (size_t)got);
			if (err) {
				k->m->note.what = "a part is too large";
				break;
			}
		}
		if (xp != NULL && XML_Parse(xp, chunk, (int)got,
		    got == 0) == XML_STATUS_ERROR) {
			if (k->err == 0) {
				k->m->note.what = "a part is not well-formed "
				    "XML";
				k->m->note.where = XML_GetCurrentLineNumber(xp);
				k->err = WEFT_EPROTO;
			}
			err = k->err;
			break;
		}
		if (got == 0)
			break;
	}
	zip_fclose(f);
out:
	free(chunk);
	return err;
}

static zip_t *
open_zip(const uint8_t *p, size_t n, struct weft_geom_note *note)
{
	zip_source_t	*src;
	zip_error_t	 ze;
	zip_t		*z;

	zip_error_init(&ze);
	src = zip_source_buffer_create(p, n, 0, &ze);
	if (src == NULL) {
		zip_error_fini(&ze);
		note->what = "not a ZIP package";
		return NULL;
	}
	z = zip_open_from_source(src, ZIP_RDONLY, &ze);
	if (z == NULL) {
		zip_source_free(src);
		note->what = "not a ZIP package";
	}
	zip_error_fini(&ze);
	return z;
}

static bool
is_model(const char *name)
{
	size_t	n = strlen(name);

	return n > 6 && strcasecmp(name + n - 6, ".model") == 0;
}

static int
parse_part(struct pkg *k, zip_t *z, zip_uint64_t i, const char *name)
{
	XML_Parser	xp;
	int64_t		pi;
	int		err;

	pi = part(k, name);
	if (pi < 0) {
		k->m->note.what = "a part has a bad name";
		return (int)pi;
	}
	xp = XML_ParserCreateNS(NULL, NS_SEP);
	if (xp == NULL)
		return -ENOMEM;
	XML_SetUserData(xp, k);
	XML_SetElementHandler(xp, on_start, on_end);
	XML_SetStartDoctypeDeclHandler(xp, on_doctype);
	k->xp = xp;
	k->cur = (uint32_t)pi;
	k->obj_open = -1;
	k->depth = 0;
	err = inflate_entry(k, z, i, xp, NULL);
	if (err == 0)
		err = k->err;
	k->xp = NULL;
	XML_ParserFree(xp);
	return err;
}

static int
cmp_obj(const void *a, const void *b)
{
	const struct object	*x = a, *y = b;

	if (x->part != y->part)
		return x->part < y->part ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return 0;
}

/* r = a then b (row vectors: p * a * b). */
static void
compose(const struct xform *a, const struct xform *b, struct xform *r)
{
	for (int i = 0; i < 4; i++) {
		for (int j = 0; j < 3; j++) {
			double	s = i == 3 ? b->m[9 + j] : 0;

			for (int l = 0; l < 3; l++)
				s += a->m[3 * i + l] * b->m[3 * l + j];
			r->m[3 * i + j] = s;
		}
	}
}

static void
apply(const struct xform *x, const double *p, double *out)
{
	for (int j = 0; j < 3; j++)
		out[j] = p[0] * x->m[j] + p[1] * x->m[3 + j] +
		    p[2] * x->m[6 + j] + x->m[9 + j];
}

static int
place(struct pkg *k, uint32_t part_i, uint32_t id, const struct xform *x,
    uint32_t depth)
{
	struct object	 key = { .part = part_i, .id = id }, *o;
	struct xform	 y;
	double		 c[9];
	int		 err;

	if (depth > k->lim->max_depth) {
		k->m->note.what = "components nest too deep (or in a loop)";
		return WEFT_ETOOBIG;
	}
	if (++k->visits > VISITS_MAX) {
		k->m->note.what = "too many components placed";
		return WEFT_ETOOBIG;
	}
	o = bsearch(&key, k->obj, k->nobj, sizeof(*o), cmp_obj);
	if (o == NULL) {
		k->m->note.what = "a build item or component names an object "
		    "that does not exist";
		return WEFT_EPROTO;
	}
	if (k->m->read + o->nt > k->lim->max_instances) {
		k->m->note.what = "too many triangles placed";
		return WEFT_ETOOBIG;
	}
	for (uint32_t i = 0; i < o->nt; i++) {
		const uint32_t	*t = k->t + 3 * ((size_t)o->t0 + i);

		for (int j = 0; j < 3; j++)
			apply(x, k->v + 3 * ((size_t)o->v0 + t[j]), c + 3 * j);
		err = weft_geom_mesh_add(k->m, c);
		if (err)
			return err;
	}
	for (uint32_t i = 0; i < o->nc; i++) {
		const struct comp	*cc = &k->c[o->c0 + i];

		compose(&cc->x, x, &y);
		err = place(k, cc->part, cc->id, &y, depth + 1);
		if (err)
			return err;
	}
	return 0;
}

/* Relationship targets of _rels/.rels. */
struct rels {
	char		model[NAME_MAX_3MF + 1];
	char		thumb[NAME_MAX_3MF + 1];
	XML_Parser	xp;
	bool		bad;
};

static void
on_doctype_rels(void *arg, const char *name, const char *sysid,
    const char *pubid, int has_internal_subset)
{
	struct rels	*r = arg;

	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	r->bad = true;
	XML_StopParser(r->xp, XML_FALSE);
}

static void
on_rel(void *arg, const char *name, const char **a)
{
	struct rels	*r = arg;
	const char	*type = attr(a, "Type"), *target = attr(a, "Target");
	char		*dst = NULL;

	if (strcmp(local(name), "Relationship") != 0 || type == NULL ||
	    target == NULL || strlen(target) > NAME_MAX_3MF)
		return;
	if (strcmp(type, REL_MODEL) == 0)
		dst = r->model;
	else if (strcmp(type, REL_THUMB) == 0)
		dst = r->thumb;
	if (dst != NULL && dst[0] == '\0')
		strcpy(dst, skip_slash(target));
}

static void
rels_read(struct pkg *k, zip_t *z, struct rels *r)
{
	zip_int64_t	i;
	XML_Parser	xp;

	memset(r, 0, sizeof(*r));
	i = zip_name_locate(z, "_rels/.rels", 0);
	if (i < 0)
		return;
	xp = XML_ParserCreateNS(NULL, NS_SEP);
	if (xp == NULL)
		return;
	r->xp = xp;
	XML_SetUserData(xp, r);
	XML_SetStartElementHandler(xp, on_rel);
	XML_SetStartDoctypeDeclHandler(xp, on_doctype_rels);
	if (inflate_entry(k, z, (zip_uint64_t)i, xp, NULL) != 0 || r->bad)
		memset(r, 0, sizeof(*r));
	k->m->note.what = NULL;
	k->m->note.where = 0;
	k->err = 0;
	XML_ParserFree(xp);
}

static void
pkg_release(struct pkg *k)
{
	for (uint32_t i = 0; i < k->nparts; i++)
		free(k->parts[i]);
	free(k->parts);
	free(k->unit_mm);
	free(k->unit);
	free(k->has_build);
	free(k->obj);
	free(k->v);
	free(k->t);
	free(k->c);
	free(k->items);
}

int
weft_geom_3mf_decode(struct weft_geom_mesh *m, const uint8_t *p, size_t n)
{
	struct pkg	 k;
	struct rels	 r;
	zip_t		*z;
	zip_int64_t	 ne;
	const char	*name;
	int64_t		 root = -1;
	uint32_t	 nitems;
	int		 err = 0;

	m->format = WEFT_GEOM_3MF;
	memset(&k, 0, sizeof(k));
	k.m = m;
	k.lim = &m->lim;
	z = open_zip(p, n, &m->note);
	if (z == NULL)
		return WEFT_EPROTO;
	ne = zip_get_num_entries(z, 0);
	if (ne < 0 || (uint64_t)ne > m->lim.max_entries) {
		m->note.what = "too many entries in the package";
		err = WEFT_ETOOBIG;
		goto out;
	}
	rels_read(&k, z, &r);
	for (zip_int64_t i = 0; i < ne; i++) {
		name = zip_get_name(z, (zip_uint64_t)i, 0);
		if (name == NULL || !is_model(name))
			continue;
		err = parse_part(&k, z, (zip_uint64_t)i, name);
		if (err)
			goto out;
	}
	/* The root part: the start part of _rels/.rels, else one with items. */
	for (uint32_t i = 0; i < k.nparts && r.model[0] != '\0'; i++)
		if (strcmp(k.parts[i], r.model) == 0 && k.has_build[i])
			root = i;
	for (uint32_t i = 0; i < k.nparts && root < 0; i++)
		if (k.has_build[i])
			root = i;
	if (root < 0) {
		m->note.what = "no build items (nothing to print)";
		err = WEFT_EPROTO;
		goto out;
	}
	m->unit = k.unit[root];
	qsort(k.obj, k.nobj, sizeof(*k.obj), cmp_obj);
	for (uint32_t i = 1; i < k.nobj; i++) {
		if (cmp_obj(&k.obj[i - 1], &k.obj[i]) == 0) {
			m->note.what = "two objects have the same id";
			err = WEFT_EPROTO;
			goto out;
		}
	}
	nitems = k.nitems;
	for (uint32_t i = 0; i < nitems; i++) {
		/* Only the root part's build is printed. */
		if (k.items[i].from != (uint32_t)root)
			continue;
		err = place(&k, k.items[i].part, k.items[i].id, &k.items[i].x,
		    0);
		if (err)
			goto out;
	}
	if (m->nt == 0) {
		m->note.what = "the build places no triangles";
		err = WEFT_EPROTO;
	}
out:
	zip_discard(z);
	pkg_release(&k);
	return err;
}

int
weft_geom_3mf_thumbnail(const uint8_t *p, size_t n,
    const struct weft_geom_limits *lim, size_t cap, struct weft_buf *out)
{
	const char		*names[] = {
		NULL, "Metadata/thumbnail.png", "Metadata/plate_1.png"
	};
	struct weft_geom_mesh	 m;
	struct weft_buf		 b;
	struct pkg		 k;
	struct rels		 r;
	zip_t			*z;
	zip_int64_t		 i;
	int			 err = WEFT_ENOTFOUND;

	weft_geom_mesh_init(&m, lim);
	memset(&k, 0, sizeof(k));
	k.m = &m;
	k.lim = &m.lim;
	z = open_zip(p, n, &m.note);
	if (z == NULL)
		return WEFT_EPROTO;
	rels_read(&k, z, &r);
	names[0] = r.thumb[0] != '\0' ? r.thumb : NULL;
	for (size_t j = 0; j < sizeof(names) / sizeof(names[0]); j++) {
		if (names[j] == NULL)
			continue;
		i = zip_name_locate(z, names[j], ZIP_FL_NOCASE);
		if (i < 0)
			continue;
		weft_buf_init(&b, cap);
		err = inflate_entry(&k, z, (zip_uint64_t)i, NULL, &b);
		if (err == 0 && (b.len < 8 ||
		    memcmp(b.data, "\x89PNG\r\n\x1a\n", 8) != 0))
			err = WEFT_EPROTO;
		if (err == 0)
			err = weft_buf_add(out, b.data, b.len);
		weft_buf_release(&b);
		break;
	}
	zip_discard(z);
	return err;
}
