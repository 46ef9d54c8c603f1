/*
 * The principal frame of a surface: area-weighted centroid and covariance
 * (exact per triangle, so the frame does not depend on how the surface is
 * cut into triangles), and a cyclic Jacobi eigen-decomposition with a
 * fixed order of rotations, so that the same sums give the same axes.
 */
#include <math.h>
#include <string.h>

#include "weft/geom.h"

#include "geom_int.h"

static void
corners(const struct weft_geom_mesh *m, uint32_t i, const double **p)
{
	for (int j = 0; j < 3; j++)
		p[j] = m->v + 3 * (size_t)m->t[3 * (size_t)i + j];
}

static double
tri_area(const double *a, const double *b, const double *c)
{
	double	u[3], v[3], x, y, z;

	for (int i = 0; i < 3; i++) {
		u[i] = b[i] - a[i];
		v[i] = c[i] - a[i];
	}
	x = u[1] * v[2] - u[2] * v[1];
	y = u[2] * v[0] - u[0] * v[2];
	z = u[0] * v[1] - u[1] * v[0];
	return 0.5 * sqrt(x * x + y * y + z * z);
}

void
weft__geom_frame(const struct weft_geom_mesh *m, struct weft__geom_frame *f)
{
	const double	*p[3];
	double		 a, s[3], d[3][3];

	memset(f, 0, sizeof(*f));
	for (uint32_t i = 0; i < m->nt; i++) {
		corners(m, i, p);
		a = tri_area(p[0], p[1], p[2]);
		f->area += a;
		for (int k = 0; k < 3; k++)
			f->c[k] += a * (p[0][k] + p[1][k] + p[2][k]) / 3;
	}
	if (!(f->area > 0))
		return;
	for (int k = 0; k < 3; k++)
		f->c[k] /= f->area;
	for (uint32_t i = 0; i < m->nt; i++) {
		corners(m, i, p);
		a = tri_area(p[0], p[1], p[2]);
		for (int j = 0; j < 3; j++)
			for (int k = 0; k < 3; k++)
				d[j][k] = p[j][k] - f->c[k];
		for (int k = 0; k < 3; k++)
			s[k] = d[0][k] + d[1][k] + d[2][k];
		for (int r = 0; r < 3; r++) {
			for (int c = r; c < 3; c++) {
				double	t = s[r] * s[c];

				for (int j = 0; j < 3; j++)
					t += d[j][r] * d[j][c];
				f->cov[r][c] += a / 12 * t;
			}
		}
	}
	for (int r = 0; r < 3; r++) {
		for (int c = r; c < 3; c++) {
			f->cov[r][c] /= f->area;
			f->cov[c][r] = f->cov[r][c];
		}
	}
	weft__geom_eigen(f->cov, f->eig, f->axis);
}

void
weft__geom_eigen(const double (*in)[3], double *eig, double (*axis)[3])
{
	double	a[3][3], v[3][3], t, c, s, tau, off, th;
	int	order[3] = { 0, 1, 2 };

	memcpy(a, in, sizeof(a));
	memset(v, 0, sizeof(v));
	for (int i = 0; i < 3; i++)
		v[i][i] = 1;
	for (int sweep = 0; sweep < 64; sweep++) {
		off = a[0][1] * a[0][1] + a[0][2] * a[0][2] +
		    a[1][2] * a[1][2];
		if (off == 0 || off < 1e-40 * (a[0][0] * a[0][0] +
		    a[1][1] * a[1][1] + a[2][2] * a[2][2]))
			break;
		for (int p = 0; p < 2; p++) {
			for (int q = p + 1; q < 3; q++) {
				if (a[p][q] == 0)
					continue;
				th = (a[q][q] - a[p][p]) / (2 * a[p][q]);
				t = (th >= 0 ? 1 : -1) /
				    (fabs(th) + sqrt(th * th + 1));
				c = 1 / sqrt(t * t + 1);
				s = t * c;
				tau = s / (1 + c);
				for (int k = 0; k < 3; k++) {
					double	akp = a[k][p], akq = a[k][q];

					a[k][p] = akp - s * (akq + tau * akp);
					a[k][q] = akq + s * (akp - tau * akq);
				}
				for (int k = 0; k < 3; k++) {
					double	apk = a[p][k], aqk = a[q][k];

					a[p][k] = apk - s * (aqk + tau * apk);
					a[q][k] = aqk + s * (apk - tau * aqk);
				}
				for (int k = 0; k < 3; k++) {
					double	vkp = v[k][p], vkq = v[k][q];

					v[k][p] = vkp - s * (vkq + tau * vkp);
					v[k][q] = vkq + s * (vkp - tau * vkq);
				}
			}
		}
	}
	/* Decreasing eigenvalues; a stable three-element sort. */
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2 - i; j++)
			if (a[order[j]][order[j]] < a[order[j + 1]][order[j + 1]]) {
				int	x = order[j];

				order[j] = order[j + 1];
				order[j + 1] = x;
			}
	for (int i = 0; i < 3; i++) {
		double	n = 0;

		eig[i] = a[order[i]][order[i]];
		for (int k = 0; k < 3; k++)
			n += v[k][order[i]] * v[k][order[i]];
		n = sqrt(n);
		for (int k = 0; k < 3; k++)
			axis[i][k] = v[k][order[i]] / n;
	}
}
