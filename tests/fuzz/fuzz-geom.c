/*
 * Fuzzes the mesh readers of libweft_geom (geom/): the first input byte
 * picks STL, OBJ or 3MF (and whether to look for a 3MF thumbnail), the
 * rest is the file. Small limits keep each run fast. Properties: a
 * refusal always says why; a mesh that decodes has only finite
 * coordinates within range, indices below the vertex count, no
 * collapsed triangle and no more than the limits allow; analysing it
 * either works or says there is no area; a D2 histogram counts every
 * pair; a print is fully similar to itself; a thumbnail is a PNG.
 */
#include <math.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/geom.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int	formats[] = {
		WEFT_GEOM_STL, WEFT_GEOM_OBJ, WEFT_GEOM_3MF
	};
	struct fuzz_in		 in = { data, size };
	struct weft_geom_limits	 lim;
	struct weft_geom_mesh	 m;
	struct weft_geom_facts	 f;
	struct weft_geom_print	 p;
	struct weft_buf		 png;
	uint8_t			 mode = fuzz_byte(&in);
	unsigned		 sum = 0;
	int			 err;

	weft_geom_limits_default(&lim);
	lim.max_triangles = 4096;
	lim.max_vertices = 4096;
	lim.max_unzipped = 1 << 20;
	lim.max_entries = 64;
	lim.max_objects = 256;
	lim.max_instances = 8192;
	weft_geom_mesh_init(&m, &lim);
	weft_buf_init(&png, 1 << 20);
	err = weft_geom_decode(&m, formats[mode % 3], in.p, in.n);
	if (err) {
		FUZZ_CHECK(err < 0);
		FUZZ_CHECK(m.note.what != NULL);
		goto thumb;
	}
	FUZZ_CHECK(m.nt <= lim.max_triangles && m.nv <= lim.max_vertices);
	for (size_t i = 0; i < 3 * (size_t)m.nv; i++)
		FUZZ_CHECK(isfinite(m.v[i]) &&
		    fabs(m.v[i]) <= WEFT_GEOM_COORD_MAX);
	for (uint32_t i = 0; i < m.nt; i++) {
		const uint32_t	*t = m.t + 3 * (size_t)i;

		FUZZ_CHECK(t[0] < m.nv && t[1] < m.nv && t[2] < m.nv);
		FUZZ_CHECK(t[0] != t[1] && t[1] != t[2] && t[0] != t[2]);
	}
	err = weft_geom_analyze(&m, &f, &p);
	FUZZ_CHECK(err == 0 || err == WEFT_EPROTO);
	if (err == 0) {
		for (int i = 0; i < WEFT_GEOM_D2_BINS; i++)
			sum += p.d2[i];
		FUZZ_CHECK(sum == WEFT_GEOM_D2_PAIRS);
		FUZZ_CHECK(weft_geom_similarity(&p, &p) == 1);
		FUZZ_CHECK(weft_geom_same(&p, &p) == p.has_key);
		FUZZ_CHECK(f.closed || f.volume == 0);
		FUZZ_CHECK(f.triangles == m.nt);
		if (mode & 8) {
			err = weft_geom_render_png(&m, 32, &png);
			FUZZ_CHECK(err == 0);
			FUZZ_CHECK(memcmp(png.data, "\x89PNG", 4) == 0);
		}
	}
thumb:
	if ((mode & 4) && formats[mode % 3] == WEFT_GEOM_3MF) {
		weft_buf_reset(&png);
		err = weft_geom_3mf_thumbnail(in.p, in.n, &lim, 1 << 16, &png);
		FUZZ_CHECK(err == 0 || err == WEFT_ENOTFOUND ||
		    err == WEFT_EPROTO || err == WEFT_ETOOBIG);
		if (err == 0)
			FUZZ_CHECK(png.len >= 8 &&
			    memcmp(png.data, "\x89PNG\r\n\x1a\n", 8) == 0);
	}
	weft_buf_release(&png);
	weft_geom_mesh_release(&m);
	return 0;
}

static void
emit_with(fuzz_emit_cb *emit, void *arg, const char *name, uint8_t mode,
    const void *p, size_t n)
{
	uint8_t	buf[4096];

	if (n + 1 > sizeof(buf))
		return;
	buf[0] = mode;
	memcpy(buf + 1, p, n);
	emit(name, buf, n + 1, arg);
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	static const char	ascii[] =
	    "solid t\n facet normal 0 0 1\n  outer loop\n"
	    "   vertex 0 0 0\n   vertex 1 0 0\n   vertex 0 1 0\n"
	    "  endloop\n endfacet\n facet normal 0 0 1\n  outer loop\n"
	    "   vertex 0 0 0\n   vertex 0 1 0\n   vertex 0 0 1\n"
	    "  endloop\n endfacet\nendsolid t\n";
	static const char	obj[] =
	    "v 0 0 0\nv 2 0 0\nv 2 1 0\nv 0 1 0\nv 0 0 3\n"
	    "f 1 4 3 2\nf 1//1 2//1 5//1\nf -3 -2 -1\nf 2/1/1 3/1/1 5/1/1\n"
	    "f 1 5 4\n";
	static const float	tri[4][3] = {
		{ 0, 0, 1 }, { 0, 0, 0 }, { 10, 0, 0 }, { 0, 5, 2.5f }
	};
	uint8_t			bin[84 + 2 * 50];

	emit_with(emit, arg, "stl-ascii", 8, ascii, sizeof(ascii) - 1);
	emit_with(emit, arg, "obj", 9, obj, sizeof(obj) - 1);
	memset(bin, 0, sizeof(bin));
	memcpy(bin, "solid binary", 12);
	bin[80] = 2;
	for (int t = 0; t < 2; t++) {
		uint8_t	*r = bin + 84 + 50 * t;

		memcpy(r, tri, sizeof(tri));
		if (t == 1)
			memcpy(r + 12, tri[2], 12);	/* a different face */
		if (t == 1)
			memcpy(r + 24, tri[1], 12);
	}
	emit_with(emit, arg, "stl-binary", 8, bin, sizeof(bin));
}
