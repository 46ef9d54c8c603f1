/*
 * Internals shared by the files of libweft_geom (geom/): the number
 * reader of the text formats, and the principal frame that facts and
 * fingerprints both use.
 */
#ifndef WEFT_GEOM_INT_H
#define WEFT_GEOM_INT_H

#include <stddef.h>
#include <stdint.h>

struct weft_geom_mesh;

/* Longest number token the text formats accept. */
#define WEFT__GEOM_NUM_MAX	64

/*
 * Reads the whole token p[0..n) as a decimal floating-point number
 * (strtod in the C locale, no hex, "nan" or "inf" spelled out). Returns 0
 * or WEFT_EPROTO.
 */
int	weft__geom_number(const uint8_t *p, size_t n, double *out);

/*
 * The area-weighted moments of a surface: total area, centroid, the
 * covariance about it (per unit area) and its eigen-decomposition with
 * eigenvalues in decreasing order (axis[i] is the unit eigenvector of
 * eig[i], a row).
 */
struct weft__geom_frame {
	double	area;
	double	c[3];
	double	cov[3][3];
	double	eig[3];
	double	axis[3][3];
};

/* Computes f for m (two passes over the triangles, in order). */
void	weft__geom_frame(const struct weft_geom_mesh *m,
	    struct weft__geom_frame *f);

/* Jacobi eigen-decomposition of a symmetric 3x3 matrix (a is copied). */
void	weft__geom_eigen(const double (*a)[3], double *eig,
	    double (*axis)[3]);

/*
 * Sorts n keys in a (tmp: scratch of n), least significant digit first.
 * Returns 0 or -ENOMEM.
 */
int	weft__geom_radix64(uint64_t *a, uint64_t *tmp, size_t n);
/* The same, moving v[i] (scratch vtmp) along with a[i]. */
int	weft__geom_radix64_by(uint64_t *a, uint32_t *v, uint64_t *tmp,
	    uint32_t *vtmp, size_t n);

struct weft_geom_facts;
struct weft_geom_print;
/* The fingerprints of m, given its frame and facts (print.c). */
int	weft__geom_print(const struct weft_geom_mesh *m,
	    const struct weft__geom_frame *fr,
	    const struct weft_geom_facts *f, struct weft_geom_print *p);

#endif
