/*
 * Thumbnails: a software z-buffer renderer. The mesh is drawn as it sits
 * on the bed (z up), orthographic, seen from the front right and above,
 * scaled to fit, flat-shaded from a light near the eye (both sides lit,
 * so an inside-out mesh still shows), at twice the size and averaged
 * down, then written as an RGBA PNG with libpng. No clock, no randomness:
 * the same mesh gives the same bytes.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/geom.h"

#define SS	2		/* supersampling per axis */
/* Pixels tested in all: a file of huge overlapping triangles stops here. */
#define PIXELS_MAX	((uint64_t)1 << 28)

struct png_out {
	struct weft_buf	*b;
	int		 err;
};

static void
png_write(png_structp png, png_bytep data, size_t n)
{
	struct png_out	*o = png_get_io_ptr(png);
	int		 err;

	err = weft_buf_add(o->b, data, n);
	if (err) {
		o->err = err;
		png_error(png, "write");
	}
}

static void
png_flush(png_structp png)
{
	(void)png;
}

static void
png_fail(png_structp png, png_const_charp msg)
{
	(void)msg;
	png_longjmp(png, 1);
}

static void
png_warn(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static int
encode(const uint8_t *rgba, unsigned size, struct weft_buf *out)
{
	struct png_out	 o = { out, 0 };
	png_structp	 png;
	png_infop	 info;
	size_t		 start = out->len;

	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, png_fail,
	    png_warn);
	if (png == NULL)
		return -ENOMEM;
	info = png_create_info_struct(png);
	if (info == NULL) {
		png_destroy_write_struct(&png, NULL);
		return -ENOMEM;
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		out->len = start;
		return o.err ? o.err : -ENOMEM;
	}
	png_set_write_fn(png, &o, png_write, png_flush);
	png_set_compression_level(png, 6);
	png_set_IHDR(png, info, size, size, 8, PNG_COLOR_TYPE_RGB_ALPHA,
	    PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (unsigned y = 0; y < size; y++)
		png_write_row(png, (png_const_bytep)(rgba + 4 * (size_t)size * y));
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	return 0;
}

static double
dot(const double *a, const double *b)
{
	return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void
normalize(double *v)
{
	double	n = sqrt(dot(v, v));

	for (int i = 0; i < 3; i++)
		v[i] /= n;
}

int
weft_geom_render_png(const struct weft_geom_mesh *m, unsigned size,
    struct weft_buf *out)
{
	double		 w[3] = { 1, -1, 1 }, r[3] = { 1, 1, 0 };
	double		 u[3] = { -1, 1, 2 }, light[3];
	double		 lo[2] = { INFINITY, INFINITY };
	double		 hi[2] = { -INFINITY, -INFINITY };
	double		 k, cx, cy;
	unsigned	 n = size * SS;
	float		*z = NULL;
	uint8_t		*shade = NULL, *rgba = NULL;
	double		*sp = NULL;
	uint64_t	 budget = PIXELS_MAX;
	int		 err = -ENOMEM;

	if (size < 16 || size > 1024)
		return WEFT_EUSAGE;
	normalize(w);
	normalize(r);
	normalize(u);
	for (int i = 0; i < 3; i++)
		light[i] = 0.8 * w[i] + 0.5 * u[i] - 0.3 * r[i];
	normalize(light);
	z = malloc((size_t)n * n * sizeof(*z));
	shade = calloc((size_t)n * n, 1);
	rgba = calloc((size_t)size * size, 4);
	sp = malloc((size_t)m->nv * 3 * sizeof(*sp) + 1);
	if (z == NULL || shade == NULL || rgba == NULL || sp == NULL)
		goto out;
	for (size_t i = 0; i < (size_t)n * n; i++)
		z[i] = -INFINITY;
	/* Screen x, y and depth of every vertex a triangle uses. */
	for (uint32_t i = 0; i < m->nv; i++) {
		const double	*p = m->v + 3 * (size_t)i;

		sp[3 * (size_t)i] = dot(p, r);
		sp[3 * (size_t)i + 1] = dot(p, u);
		sp[3 * (size_t)i + 2] = dot(p, w);
	}
	for (size_t i = 0; i < 3 * (size_t)m->nt; i++) {
		const double	*s = sp + 3 * (size_t)m->t[i];

		for (int j = 0; j < 2; j++) {
			if (s[j] < lo[j])
				lo[j] = s[j];
			if (s[j] > hi[j])
				hi[j] = s[j];
		}
	}
	if (m->nt == 0 || !(hi[0] - lo[0] > 0 || hi[1] - lo[1] > 0)) {
		k = 1;
		lo[0] = lo[1] = hi[0] = hi[1] = 0;
	} else
		k = n * 0.9 / fmax(hi[0] - lo[0], hi[1] - lo[1]);
	cx = (lo[0] + hi[0]) / 2;
	cy = (lo[1] + hi[1]) / 2;
	for (size_t i = 0; i < m->nv; i++) {
		sp[3 * i] = (sp[3 * i] - cx) * k + n / 2.0;
		sp[3 * i + 1] = n / 2.0 - (sp[3 * i + 1] - cy) * k;
	}
	for (uint32_t t = 0; t < m->nt; t++) {
		const uint32_t	*ti = m->t + 3 * (size_t)t;
		const double	*a = sp + 3 * (size_t)ti[0];
		const double	*b = sp + 3 * (size_t)ti[1];
		const double	*c = sp + 3 * (size_t)ti[2];
		const double	*pa = m->v + 3 * (size_t)ti[0];
		const double	*pb = m->v + 3 * (size_t)ti[1];
		const double	*pc = m->v + 3 * (size_t)ti[2];
		double		 e1[3], e2[3], nn[3], area, l;
		int		 x0, x1, y0, y1;
		uint8_t		 level;

		area = (b[0] - a[0]) * (c[1] - a[1]) -
		    (b[1] - a[1]) * (c[0] - a[0]);
		if (area == 0)
			continue;
		for (int i = 0; i < 3; i++) {
			e1[i] = pb[i] - pa[i];
			e2[i] = pc[i] - pa[i];
		}
		nn[0] = e1[1] * e2[2] - e1[2] * e2[1];
		nn[1] = e1[2] * e2[0] - e1[0] * e2[2];
		nn[2] = e1[0] * e2[1] - e1[1] * e2[0];
		l = sqrt(dot(nn, nn));
		l = l > 0 ? fabs(dot(nn, light)) / l : 0;
		level = (uint8_t)(40 + 215 * l);
		x0 = (int)floor(fmax(0, fmin(a[0], fmin(b[0], c[0]))));
		x1 = (int)ceil(fmin(n - 1, fmax(a[0], fmax(b[0], c[0]))));
		y0 = (int)floor(fmax(0, fmin(a[1], fmin(b[1], c[1]))));
		y1 = (int)ceil(fmin(n - 1, fmax(a[1], fmax(b[1], c[1]))));
		if (x1 >= x0 && y1 >= y0) {
			uint64_t	px = (uint64_t)(x1 - x0 + 1) *
			    (uint64_t)(y1 - y0 + 1);

			if (px > budget) {
				err = WEFT_ETOOBIG;
				goto out;
			}
			budget -= px;
		}
		for (int y = y0; y <= y1; y++) {
			for (int x = x0; x <= x1; x++) {
				double	px = x + 0.5, py = y + 0.5;
				double	w0 = ((b[0] - px) * (c[1] - py) -
				    (b[1] - py) * (c[0] - px)) / area;
				double	w1 = ((c[0] - px) * (a[1] - py) -
				    (c[1] - py) * (a[0] - px)) / area;
				double	w2 = 1 - w0 - w1;
				float	d;
				size_t	at = (size_t)y * n + x;

				if (w0 < 0 || w1 < 0 || w2 < 0)
					continue;
				d = (float)(w0 * a[2] + w1 * b[2] + w2 * c[2]);
				if (d <= z[at])
					continue;
				z[at] = d;
				shade[at] = level;
			}
		}
	}
	for (unsigned y = 0; y < size; y++) {
		for (unsigned x = 0; x < size; x++) {
			unsigned	sum = 0, cov = 0;
			uint8_t		*px = rgba + 4 * ((size_t)y * size + x);

			for (int j = 0; j < SS; j++)
				for (int i = 0; i < SS; i++) {
					size_t	at = (size_t)(y * SS + j) * n +
					    x * SS + i;

					if (shade[at] != 0) {
						sum += shade[at];
						cov++;
					}
				}
			if (cov == 0)
				continue;
			sum /= cov;
			px[0] = (uint8_t)(sum * 70 / 255);
			px[1] = (uint8_t)(sum * 130 / 255);
			px[2] = (uint8_t)(sum * 200 / 255 + 30 > 255 ? 255 :
			    sum * 200 / 255 + 30);
			px[3] = (uint8_t)(255 * cov / (SS * SS));
		}
	}
	err = encode(rgba, size, out);
out:
	free(z);
	free(shade);
	free(rgba);
	free(sp);
	return err;
}
