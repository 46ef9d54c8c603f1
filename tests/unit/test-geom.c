/*
 * libweft_geom: facts against values computed by hand (cube, cylinder,
 * open and badly wound meshes), the geom-v1 key of the golden files of
 * tests/geom/ (one model as binary STL, ASCII STL, OBJ and 3MF, moved,
 * rotated, scaled and renumbered: one key, the one docs/proto/geom.md
 * prints), edits and mirrors, hostile files, and thumbnails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/geom.h"

/* docs/proto/geom.md, "Vectors": the key of tests/geom/golden/bracket.*. */
#define BRACKET_KEY0	"191012e665f509f0435d4b120dff6222" \
			"97faf00abb520ba52ee153a685acd3bc"
#define BRACKET_KEY1	"2ad7b83486dad970e315f2d1dd7ea3e9" \
			"b49d0bd974c1484cef52ac963512a914"
#define EDITED_KEY0	"1a5e9cea9f59209f1ee30eea03fa09b4" \
			"816b73b845cd9e11203d81e11cee18b9"
#define EDITED_KEY1	"8706037f1ca8b1b8924ae81064387b15" \
			"acb739557db7ed6b58f3a1332c418dc9"

static void
slurp(const char *name, struct weft_buf *b)
{
	char	path[512];
	FILE	*f;
	uint8_t	buf[65536];
	size_t	n;

	snprintf(path, sizeof(path), "%s/golden/%s", WEFT_GEOM_GOLDEN, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	weft_buf_init(b, (size_t)1 << 30);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		assert_int_equal(weft_buf_add(b, buf, n), 0);
	fclose(f);
}

/* Decodes a golden file with the given limits; returns the decoder's code. */
static int
load(const char *name, const struct weft_geom_limits *lim,
    struct weft_geom_mesh *m)
{
	struct weft_buf	b;
	int		err;

	slurp(name, &b);
	weft_geom_mesh_init(m, lim);
	err = weft_geom_decode(m, weft_geom_format_guess(name, b.data, b.len),
	    b.data, b.len);
	weft_buf_release(&b);
	return err;
}

static void
print_of(const char *name, struct weft_geom_print *p)
{
	struct weft_geom_mesh	m;

	assert_int_equal(load(name, NULL, &m), 0);
	assert_int_equal(weft_geom_analyze(&m, NULL, p), 0);
	weft_geom_mesh_release(&m);
}

static void
add(struct weft_geom_mesh *m, const double *a, const double *b,
    const double *c)
{
	double	p[9];

	memcpy(p, a, 3 * sizeof(double));
	memcpy(p + 3, b, 3 * sizeof(double));
	memcpy(p + 6, c, 3 * sizeof(double));
	assert_int_equal(weft_geom_mesh_add(m, p), 0);
}

/* An axis-aligned cube of side s at the origin, outward CCW; skip one
 * face (0..5) or none (-1); flip one triangle (0..11) or none. */
static void
cube(struct weft_geom_mesh *m, double s, int skip, int flip)
{
	static const int	f[6][4] = {
		{ 0, 3, 2, 1 }, { 4, 5, 6, 7 }, { 0, 1, 5, 4 },
		{ 1, 2, 6, 5 }, { 2, 3, 7, 6 }, { 3, 0, 4, 7 },
	};
	double			v[8][3];
	int			t = 0;

	for (int i = 0; i < 8; i++) {
		v[i][0] = (i == 1 || i == 2 || i == 5 || i == 6) ? s : 0;
		v[i][1] = (i == 2 || i == 3 || i == 6 || i == 7) ? s : 0;
		v[i][2] = i >= 4 ? s : 0;
	}
	weft_geom_mesh_init(m, NULL);
	for (int i = 0; i < 6; i++) {
		const int	*q = f[i];

		if (i == skip) {
			t += 2;
			continue;
		}
		if (t++ == flip)
			add(m, v[q[0]], v[q[2]], v[q[1]]);
		else
			add(m, v[q[0]], v[q[1]], v[q[2]]);
		if (t++ == flip)
			add(m, v[q[0]], v[q[3]], v[q[2]]);
		else
			add(m, v[q[0]], v[q[2]], v[q[3]]);
	}
}

static void
test_cube(void **state)
{
	struct weft_geom_mesh	m;
	struct weft_geom_facts	f;
	struct weft_geom_print	p;

	(void)state;
	cube(&m, 20, -1, -1);
	assert_int_equal(weft_geom_analyze(&m, &f, &p), 0);
	assert_int_equal(f.triangles, 12);
	assert_int_equal(f.vertices, 8);
	assert_int_equal(f.parts, 1);
	assert_int_equal(f.euler, 2);
	for (int k = 0; k < 3; k++) {
		assert_true(f.min[k] == 0 && f.max[k] == 20);
		assert_true(fabs(f.extents[k] - 20) < 1e-9);
	}
	assert_true(fabs(f.area - 2400) < 1e-9);
	assert_true(f.closed);
	assert_true(fabs(f.volume - 8000) < 1e-9);
	/* A cube has no unique principal axes: no exact key. */
	assert_false(p.has_key);
	assert_non_null(p.nokey_why);
	weft_geom_mesh_release(&m);
}

static void
test_cylinder(void **state)
{
	const int		n = 64;
	const double		r = 10, h = 40;
	struct weft_geom_mesh	m;
	struct weft_geom_facts	f;
	double			a[3], b[3], c0[3] = { 0, 0, 0 };
	double			c1[3] = { 0, 0, h }, a1[3], b1[3];
	double			area, vol, poly;

	(void)state;
	weft_geom_mesh_init(&m, NULL);
	for (int i = 0; i < n; i++) {
		double	t0 = 2 * M_PI * i / n;
		double	t1 = 2 * M_PI * ((i + 1) % n) / n;

		a[0] = a1[0] = r * cos(t0);
		a[1] = a1[1] = r * sin(t0);
		b[0] = b1[0] = r * cos(t1);
		b[1] = b1[1] = r * sin(t1);
		a[2] = b[2] = 0;
		a1[2] = b1[2] = h;
		add(&m, c0, b, a);		/* bottom, facing -z */
		add(&m, c1, a1, b1);		/* top */
		add(&m, a, b, b1);		/* side */
		add(&m, a, b1, a1);
	}
	assert_int_equal(weft_geom_analyze(&m, &f, NULL), 0);
	/* By hand: a regular 64-gon of radius 10, extruded 20. */
	poly = n / 2.0 * r * r * sin(2 * M_PI / n);
	area = 2 * poly + n * 2 * r * sin(M_PI / n) * h;
	vol = poly * h;
	assert_int_equal(f.triangles, 4 * n);
	assert_int_equal(f.vertices, 2 * n + 2);
	assert_true(f.closed);
	assert_true(fabs(f.area - area) < 1e-9 * area);
	assert_true(fabs(f.volume - vol) < 1e-9 * vol);
	assert_true(fabs(f.max[2] - h) < 1e-12 && f.min[2] == 0);
	assert_true(fabs(f.max[0] - r) < 1e-12);
	/* Principal extents: the height, then two widths of the 64-gon
	 * (from 2 r cos(pi / 64) to 2 r, by the direction PCA picks). */
	assert_true(fabs(f.extents[0] - h) < 1e-9);
	for (int k = 1; k < 3; k++)
		assert_true(f.extents[k] > 2 * r * cos(M_PI / n) - 1e-9 &&
		    f.extents[k] < 2 * r + 1e-9);
	weft_geom_mesh_release(&m);
}

static void
test_open_mesh(void **state)
{
	struct weft_geom_mesh	m;
	struct weft_geom_facts	f;
	struct weft_geom_print	p;

	(void)state;
	cube(&m, 10, 1, -1);		/* no lid */
	assert_int_equal(weft_geom_analyze(&m, &f, &p), 0);
	assert_int_equal(f.triangles, 10);
	assert_false(f.closed);
	assert_true(f.volume == 0);
	assert_int_equal(f.open_edges, 4);
	assert_non_null(strstr(f.open_why, "open mesh"));
	assert_true(fabs(f.area - 500) < 1e-9);
	assert_int_equal(f.euler, 1);	/* a disc */
	assert_true(p.compact == 0);
	weft_geom_mesh_release(&m);

	cube(&m, 10, -1, 5);		/* one triangle wound backwards */
	assert_int_equal(weft_geom_analyze(&m, &f, NULL), 0);
	assert_false(f.closed);
	assert_non_null(strstr(f.open_why, "inconsistently"));
	weft_geom_mesh_release(&m);
}

static void
test_weld_and_degenerate(void **state)
{
	struct weft_geom_mesh	m;
	double			p[9] = { 0, 0, 0, 1, 0, 0, -0.0, 0, 0 };
	double			q[9] = { 0, 0, 0, 1, 0, 0, 0, 1, 0 };

	(void)state;
	weft_geom_mesh_init(&m, NULL);
	/* -0 welds with +0: the triangle collapses and is dropped. */
	assert_int_equal(weft_geom_mesh_add(&m, p), 0);
	assert_int_equal(m.nt, 0);
	assert_int_equal(m.degenerate, 1);
	assert_int_equal(weft_geom_mesh_add(&m, q), 0);
	assert_int_equal(m.nt, 1);
	assert_int_equal(m.nv, 3);
	q[4] = NAN;
	assert_int_equal(weft_geom_mesh_add(&m, q), WEFT_EPROTO);
	q[4] = 2e9;
	assert_int_equal(weft_geom_mesh_add(&m, q), WEFT_EPROTO);
	assert_int_equal(m.nt, 1);
	weft_geom_mesh_release(&m);
}

static void
hex_is(const uint8_t *key, const char *want)
{
	char	h[2 * WEFT_GEOM_KEY_BYTES + 1];

	weft_hex_encode(h, key, WEFT_GEOM_KEY_BYTES);
	assert_string_equal(h, want);
}

static void
test_golden_keys(void **state)
{
	static const char	*same[] = {
		"bracket.stl", "bracket-ascii.stl", "bracket.obj",
		"bracket.3mf",
	};
	struct weft_geom_print	p, q;

	(void)state;
	print_of("bracket.stl", &p);
	assert_true(p.has_key);
	assert_int_equal(p.version, 1);
	hex_is(p.key[0], BRACKET_KEY0);
	hex_is(p.key[1], BRACKET_KEY1);
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		print_of(same[i], &q);
		assert_true(weft_geom_same(&p, &q));
		/* These files hit no cell boundary: both grids agree. */
		hex_is(q.key[0], BRACKET_KEY0);
		hex_is(q.key[1], BRACKET_KEY1);
		assert_true(weft_geom_similarity(&p, &q) > 0.95);
	}
}

static void
test_edit_and_mirror(void **state)
{
	struct weft_geom_print	p, e, mi;
	struct weft_geom_mesh	m;
	struct weft_geom_print	c;
	double			s_edit, s_cube;

	(void)state;
	print_of("bracket.stl", &p);
	print_of("bracket-edited.stl", &e);
	print_of("bracket-mirror.stl", &mi);
	assert_true(e.has_key && mi.has_key);
	hex_is(e.key[0], EDITED_KEY0);
	hex_is(e.key[1], EDITED_KEY1);
	assert_false(weft_geom_same(&p, &e));
	assert_false(weft_geom_same(&p, &mi));
	s_edit = weft_geom_similarity(&p, &e);
	assert_true(s_edit > 0.9);
	/* A mirror image has the same shape distribution. */
	assert_true(weft_geom_similarity(&p, &mi) > 0.95);
	cube(&m, 20, -1, -1);
	assert_int_equal(weft_geom_analyze(&m, NULL, &c), 0);
	s_cube = weft_geom_similarity(&p, &c);
	assert_true(s_cube < s_edit - 0.1);
	weft_geom_mesh_release(&m);
}

/* Random rotations, moves, scales and corner orders: one key. */
static void
test_invariance(void **state)
{
	struct weft_geom_mesh	m, r;
	struct weft_geom_print	p, q;
	uint64_t		s = 18;
	int			ok = 0;

	(void)state;
	assert_int_equal(load("bracket.stl", NULL, &m), 0);
	assert_int_equal(weft_geom_analyze(&m, NULL, &p), 0);
	for (int trial = 0; trial < 50; trial++) {
		double	ax[3], n = 0, ang, R[3][3], sc, mv[3];

		for (int k = 0; k < 3; k++) {
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			ax[k] = (double)(s >> 11) * 0x1.0p-53 - 0.5;
			n += ax[k] * ax[k];
			mv[k] = (double)(s >> 40) / 1000.0 - 5000;
		}
		n = sqrt(n);
		for (int k = 0; k < 3; k++)
			ax[k] /= n;
		ang = (double)(s % 6283) / 1000.0;
		sc = 0.01 + (double)(s % 10000) / 100.0;
		{
			double	c = cos(ang), si = sin(ang), t = 1 - c;
			double	x = ax[0], y = ax[1], z = ax[2];

			R[0][0] = t * x * x + c;
			R[0][1] = t * x * y - si * z;
			R[0][2] = t * x * z + si * y;
			R[1][0] = t * x * y + si * z;
			R[1][1] = t * y * y + c;
			R[1][2] = t * y * z - si * x;
			R[2][0] = t * x * z - si * y;
			R[2][1] = t * y * z + si * x;
			R[2][2] = t * z * z + c;
		}
		weft_geom_mesh_init(&r, NULL);
		for (uint32_t i = 0; i < m.nt; i++) {
			uint32_t	j = (i * 7 + (uint32_t)trial) % m.nt;
			double		c[9];

			for (int v = 0; v < 3; v++) {
				const double	*pv = m.v + 3 *
				    (size_t)m.t[3 * (size_t)j + (v + trial) % 3];

				for (int k = 0; k < 3; k++)
					c[3 * v + k] = sc * (R[k][0] * pv[0] +
					    R[k][1] * pv[1] + R[k][2] * pv[2]) +
					    mv[k];
			}
			assert_int_equal(weft_geom_mesh_add(&r, c), 0);
		}
		assert_int_equal(weft_geom_analyze(&r, NULL, &q), 0);
		if (weft_geom_same(&p, &q))
			ok++;
		weft_geom_mesh_release(&r);
	}
	assert_int_equal(ok, 50);
	weft_geom_mesh_release(&m);
}

static void
refused(const char *name, const struct weft_geom_limits *lim, int want,
    const char *note)
{
	struct weft_geom_mesh	m;

	int			err;

	err = load(name, lim, &m);
	if (err != want)
		fail_msg("%s: %d, not %d", name, err, want);
	assert_non_null(m.note.what);
	if (strstr(m.note.what, note) == NULL)
		fail_msg("%s: note '%s' lacks '%s'", name, m.note.what, note);
	weft_geom_mesh_release(&m);
}

static void
test_hostile(void **state)
{
	struct weft_geom_limits	lim;

	(void)state;
	refused("hostile-count.stl", NULL, WEFT_EPROTO, "triangle count");
	refused("hostile-nan.stl", NULL, WEFT_EPROTO, "finite");
	refused("hostile-inf.obj", NULL, WEFT_EPROTO, "finite");
	refused("hostile-bomb.3mf", NULL, WEFT_ETOOBIG, "ZIP bomb");
	refused("hostile-loop.3mf", NULL, WEFT_ETOOBIG, "nest");
	weft_geom_limits_default(&lim);
	lim.max_ratio = 1000000;
	refused("hostile-token.3mf", &lim, WEFT_ETOOBIG, "token");
	lim.max_unzipped = 1024;
	refused("bracket.3mf", &lim, WEFT_ETOOBIG, "inflates");
	weft_geom_limits_default(&lim);
	lim.max_triangles = 19;
	refused("bracket.stl", &lim, WEFT_ETOOBIG, "triangles");
	refused("bracket.obj", &lim, WEFT_ETOOBIG, "triangles");
	refused("bracket.3mf", &lim, WEFT_ETOOBIG, "triangles");
	weft_geom_limits_default(&lim);
	lim.max_depth = 0;
	refused("bracket.3mf", &lim, WEFT_ETOOBIG, "nest");
}

static void
test_text_formats(void **state)
{
	static const struct {
		const char	*text;
		int		 format, err;
		uint32_t	 nt;
	} cases[] = {
		{ "v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nf 1 2 3 4\n",
		    WEFT_GEOM_OBJ, 0, 2 },
		{ "v 0 0 0\nv 1 0 0\nv 1 1 0\nf -3 -2 -1\n",
		    WEFT_GEOM_OBJ, 0, 1 },
		{ "v 0 0 0\nv 1 0 0\nv 1 1 0\nf 0 1 2\n",
		    WEFT_GEOM_OBJ, WEFT_EPROTO, 0 },
		{ "v 0 0 0\nv 1 0 0\nv 1 1 0\nf 1 2 4\n",
		    WEFT_GEOM_OBJ, WEFT_EPROTO, 0 },
		{ "v 0 0 0\nv 1 0 0\nf 1 2\n", WEFT_GEOM_OBJ, WEFT_EPROTO, 0 },
		{ "v 0x1 0 0\n", WEFT_GEOM_OBJ, WEFT_EPROTO, 0 },
		{ "v nan 0 0\n", WEFT_GEOM_OBJ, WEFT_EPROTO, 0 },
		{ "# nothing\n", WEFT_GEOM_OBJ, WEFT_EPROTO, 0 },
		{ "solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\n"
		    "vertex 1 0 0\nvertex 0 1 0\nendloop\nendfacet\n"
		    "endsolid x\n", WEFT_GEOM_STL, 0, 1 },
		{ "solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\n"
		    "vertex 1 0 0\nendloop\nendfacet\nendsolid x\n",
		    WEFT_GEOM_STL, WEFT_EPROTO, 0 },
		{ "solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\n"
		    "vertex 1 0 0\nvertex 0 1 0\nendloop\nendfacet\n",
		    WEFT_GEOM_STL, WEFT_EPROTO, 1 },
		{ "solid x\nvertex 0 0 inf\n", WEFT_GEOM_STL, WEFT_EPROTO, 0 },
		{ "not an stl", WEFT_GEOM_STL, WEFT_EPROTO, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct weft_geom_mesh	m;
		int			err;

		weft_geom_mesh_init(&m, NULL);
		err = weft_geom_decode(&m, cases[i].format,
		    (const uint8_t *)cases[i].text, strlen(cases[i].text));
		if (err != cases[i].err || m.nt != cases[i].nt)
			fail_msg("case %zu: err %d nt %u", i, err, m.nt);
		if (err != 0)
			assert_non_null(m.note.what);
		weft_geom_mesh_release(&m);
	}
}

static void
test_thumbnails(void **state)
{
	struct weft_buf		b, png, again;
	struct weft_geom_mesh	m;

	(void)state;
	slurp("bracket.3mf", &b);
	weft_buf_init(&png, 1 << 20);
	assert_int_equal(weft_geom_3mf_thumbnail(b.data, b.len, NULL,
	    1 << 20, &png), 0);
	assert_true(png.len > 24 && memcmp(png.data, "\x89PNG", 4) == 0);
	/* The embedded thumbnail is 4 x 3 (tests/geom/mkgolden.py). */
	assert_int_equal(png.data[19], 4);
	assert_int_equal(png.data[23], 3);
	weft_buf_release(&png);
	weft_buf_release(&b);
	slurp("hostile-loop.3mf", &b);
	weft_buf_init(&png, 1 << 20);
	assert_int_equal(weft_geom_3mf_thumbnail(b.data, b.len, NULL,
	    1 << 20, &png), WEFT_ENOTFOUND);
	weft_buf_release(&png);
	weft_buf_release(&b);

	assert_int_equal(load("bracket.stl", NULL, &m), 0);
	weft_buf_init(&png, 1 << 20);
	weft_buf_init(&again, 1 << 20);
	assert_int_equal(weft_geom_render_png(&m, 128, &png), 0);
	assert_int_equal(weft_geom_render_png(&m, 128, &again), 0);
	assert_true(png.len > 100 && memcmp(png.data, "\x89PNG", 4) == 0);
	assert_int_equal(png.data[18], 0);
	assert_int_equal(png.data[19], 128);
	assert_int_equal(png.len, again.len);
	assert_memory_equal(png.data, again.data, png.len);
	assert_int_equal(weft_geom_render_png(&m, 8, &png), WEFT_EUSAGE);
	weft_buf_release(&again);
	/* A cap too small for the PNG fails cleanly and leaves out as it was. */
	weft_buf_release(&png);
	weft_buf_init(&png, 64);
	assert_int_equal(weft_geom_render_png(&m, 128, &png), WEFT_ETOOBIG);
	assert_int_equal(png.len, 0);
	weft_buf_release(&png);
	weft_geom_mesh_release(&m);
}

/* A plate with three copies: three parts, each the bracket's key. */
static void
test_split(void **state)
{
	struct weft_geom_mesh	m, parts[3];
	struct weft_geom_facts	f;
	struct weft_geom_print	p;
	uint32_t		n;

	(void)state;
	assert_int_equal(load("plate.3mf", NULL, &m), 0);
	assert_int_equal(weft_geom_analyze(&m, &f, &p), 0);
	assert_int_equal(f.parts, 3);
	assert_int_equal(f.triangles, 60);
	assert_true(f.closed);
	assert_true(fabs(f.volume - 3 * 6450) < 1e-6);
	assert_int_equal(weft_geom_split(&m, parts, 3, &n), 0);
	assert_int_equal(n, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(parts[i].nt, 20);
		assert_int_equal(weft_geom_analyze(&parts[i], NULL, &p), 0);
		hex_is(p.key[0], BRACKET_KEY0);
		weft_geom_mesh_release(&parts[i]);
	}
	assert_int_equal(weft_geom_split(&m, parts, 2, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(parts[0].nt, 20);
	assert_int_equal(parts[1].nt, 20);
	for (int i = 0; i < 2; i++)
		weft_geom_mesh_release(&parts[i]);
	weft_geom_mesh_release(&m);
}

/* A vertex 10^20 grid cells away: no key, and no overflow. */
static void
test_far_sliver(void **state)
{
	struct weft_geom_mesh	m, s;
	struct weft_geom_print	p;
	double			c[9];
	double			far[9] = { 1e9, 0, 0, 1e9, 1, 0, 1e9, 2, 0 };

	(void)state;
	assert_int_equal(load("bracket.stl", NULL, &m), 0);
	weft_geom_mesh_init(&s, NULL);
	for (uint32_t i = 0; i < m.nt; i++) {
		for (int v = 0; v < 3; v++)
			for (int k = 0; k < 3; k++)
				c[3 * v + k] = 1e-12 * m.v[3 *
				    (size_t)m.t[3 * (size_t)i + v] + k];
		assert_int_equal(weft_geom_mesh_add(&s, c), 0);
	}
	assert_int_equal(weft_geom_analyze(&s, NULL, &p), 0);
	assert_true(p.has_key);		/* tiny is fine on its own */
	assert_int_equal(weft_geom_mesh_add(&s, far), 0);
	assert_int_equal(weft_geom_analyze(&s, NULL, &p), 0);
	assert_false(p.has_key);
	assert_non_null(strstr(p.nokey_why, "too far"));
	weft_geom_mesh_release(&s);
	weft_geom_mesh_release(&m);
}

/* Huge overlapping triangles exhaust the renderer's pixel budget. */
static void
test_render_budget(void **state)
{
	struct weft_geom_mesh	m;
	struct weft_buf		png;

	(void)state;
	weft_geom_mesh_init(&m, NULL);
	for (int i = 0; i < 200; i++) {
		double	c[9] = { 0, 0, i * 0.01, 100, 0, i * 0.01, 0, 100,
		    i * 0.01 + 0.5 };

		assert_int_equal(weft_geom_mesh_add(&m, c), 0);
	}
	weft_buf_init(&png, 1 << 24);
	assert_int_equal(weft_geom_render_png(&m, 1024, &png), WEFT_ETOOBIG);
	assert_int_equal(png.len, 0);
	assert_int_equal(weft_geom_render_png(&m, 64, &png), 0);
	weft_buf_release(&png);
	weft_geom_mesh_release(&m);
}

static void
test_format_guess(void **state)
{
	(void)state;
	assert_int_equal(weft_geom_format_guess("A.STL", NULL, 0),
	    WEFT_GEOM_STL);
	assert_int_equal(weft_geom_format_guess("x.obj", NULL, 0),
	    WEFT_GEOM_OBJ);
	assert_int_equal(weft_geom_format_guess("x.3MF", NULL, 0),
	    WEFT_GEOM_3MF);
	assert_int_equal(weft_geom_format_guess("x", (const uint8_t *)
	    "PK\x03\x04", 4), WEFT_GEOM_3MF);
	assert_int_equal(weft_geom_format_guess("x", (const uint8_t *)
	    "solid a", 7), WEFT_GEOM_STL);
	assert_int_equal(weft_geom_format_guess("x.txt", (const uint8_t *)
	    "hello", 5), WEFT_GEOM_UNKNOWN);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_cube),
		cmocka_unit_test(test_cylinder),
		cmocka_unit_test(test_open_mesh),
		cmocka_unit_test(test_weld_and_degenerate),
		cmocka_unit_test(test_golden_keys),
		cmocka_unit_test(test_edit_and_mirror),
		cmocka_unit_test(test_invariance),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_text_formats),
		cmocka_unit_test(test_thumbnails),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_far_sliver),
		cmocka_unit_test(test_render_budget),
		cmocka_unit_test(test_format_guess),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
