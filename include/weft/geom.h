/*
 * Meshes: parsing STL, OBJ and 3MF from memory, facts (size, area,
 * volume), fingerprints (an exact key and a similarity signature) and
 * thumbnails. Pure code in libweft_geom (geom/): it reads only the buffer
 * it is given, keeps no globals and never logs, so it runs on the thread
 * pool and under the fuzzers. The algorithm is pinned by
 * WEFT_GEOM_VERSION and specified in docs/proto/geom.md.
 *
 * Every decoder is total: whatever the bytes, it returns 0 or a negative
 * code (WEFT_EPROTO for a malformed file, WEFT_ETOOBIG for a limit) and
 * then fills mesh->note with why, for the per-file note a user sees.
 */
#ifndef WEFT_GEOM_H
#define WEFT_GEOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct weft_buf;

/* The fingerprint algorithm ("geom-v1"); a change makes a new version. */
#define WEFT_GEOM_VERSION	1

/* Largest coordinate accepted, in mm (a 1000 km part is not a design). */
#define WEFT_GEOM_COORD_MAX	1e9

struct weft_geom_limits {
	uint32_t	max_triangles;	/* triangles kept in a mesh */
	uint32_t	max_vertices;	/* distinct vertices (OBJ: v lines) */
	uint64_t	max_unzipped;	/* 3MF: bytes inflated in all */
	uint32_t	max_ratio;	/* 3MF: inflated / compressed, per part */
	uint32_t	max_entries;	/* 3MF: entries in the ZIP */
	uint32_t	max_objects;	/* 3MF: objects and components */
	uint32_t	max_depth;	/* 3MF: component nesting */
	uint64_t	max_instances;	/* 3MF: triangles placed, with copies */
};

/* 10 M triangles and vertices, 512 MiB inflated, ratio 100, ... */
void	weft_geom_limits_default(struct weft_geom_limits *lim);

enum weft_geom_format {
	WEFT_GEOM_UNKNOWN = 0,
	WEFT_GEOM_STL,		/* binary or ASCII, decided by size */
	WEFT_GEOM_OBJ,
	WEFT_GEOM_3MF
};

/*
 * Why a file was refused, or what was dropped: a static string and where
 * (a 1-based line for text formats, a triangle index for binary STL, 0
 * when no place applies).
 */
struct weft_geom_note {
	const char	*what;
	uint64_t	 where;
};

/*
 * A triangle mesh in millimetres. Vertices are welded by exact value
 * (-0 counts as +0), so a file that repeats each corner per triangle (STL)
 * and one that indexes shared corners (OBJ, 3MF) give the same mesh.
 * Triangles whose corners weld together are dropped and counted.
 */
struct weft_geom_mesh {
	double			*v;		/* 3 per vertex, mm */
	uint32_t		*t;		/* 3 per triangle, CCW outside */
	uint32_t		 nv, nt;
	uint32_t		 capv, capt;
	uint64_t		 read;		/* triangles in the file */
	uint64_t		 degenerate;	/* dropped: corners welded */
	int			 format;	/* enum weft_geom_format */
	bool			 ascii;		/* STL: ASCII */
	const char		*unit;		/* as authored ("millimeter") */
	struct weft_geom_note	 note;
	struct weft_geom_limits	 lim;
	uint32_t		*weld;		/* open addressing, nv indices */
	uint32_t		 weldcap;	/* power of two */
	uint64_t		 seed;		/* of the weld hash */
};

/* An empty mesh with these limits (NULL: the defaults). */
void	weft_geom_mesh_init(struct weft_geom_mesh *m,
	    const struct weft_geom_limits *lim);
/* Frees the arrays; m may be initialised again. */
void	weft_geom_mesh_release(struct weft_geom_mesh *m);
/*
 * Adds a triangle given by its corners p[0..8] (x, y, z three times, mm).
 * Returns 0, WEFT_EPROTO (a coordinate is NaN, infinite or beyond
 * WEFT_GEOM_COORD_MAX), WEFT_ETOOBIG or -ENOMEM; note says which.
 */
int	weft_geom_mesh_add(struct weft_geom_mesh *m, const double p[9]);

/* The format named by a file name's extension, else sniffed from p. */
int	weft_geom_format_guess(const char *name, const uint8_t *p, size_t n);
/* "stl", "obj", "3mf" or "unknown". */
const char *weft_geom_format_name(int format);

/*
 * Decoders: append the file's triangles to m (an initialised, empty
 * mesh). On failure m holds what was read so far and m->note says why.
 */
int	weft_geom_decode(struct weft_geom_mesh *m, int format,
	    const uint8_t *p, size_t n);
int	weft_geom_stl_decode(struct weft_geom_mesh *m, const uint8_t *p,
	    size_t n);
int	weft_geom_obj_decode(struct weft_geom_mesh *m, const uint8_t *p,
	    size_t n);
int	weft_geom_3mf_decode(struct weft_geom_mesh *m, const uint8_t *p,
	    size_t n);

/*
 * A 3MF package's embedded thumbnail (the package thumbnail named by
 * _rels/.rels, else Metadata/thumbnail.png, else Bambu's
 * Metadata/plate_1.png), appended to out. Only a PNG of at most cap bytes
 * is taken. Returns 0, WEFT_ENOTFOUND, WEFT_EPROTO or WEFT_ETOOBIG.
 */
int	weft_geom_3mf_thumbnail(const uint8_t *p, size_t n,
	    const struct weft_geom_limits *lim, size_t cap,
	    struct weft_buf *out);

/* Facts of a mesh (docs/proto/geom.md "Facts"). */
struct weft_geom_facts {
	uint32_t	 triangles;	/* kept (mesh->nt) */
	uint32_t	 vertices;	/* distinct */
	double		 min[3], max[3];	/* bounding box as authored, mm */
	double		 extents[3];	/* principal frame, largest first */
	double		 area;		/* mm^2 */
	bool		 closed;	/* closed and consistently wound */
	double		 volume;	/* mm^3 when closed, else 0 */
	const char	*open_why;	/* when not closed */
	uint64_t	 open_edges;	/* edges that make it open */
	int64_t		 euler;		/* V - E + F */
	uint32_t	 parts;		/* connected components */
};

#define WEFT_GEOM_KEY_BYTES	32
#define WEFT_GEOM_D2_BINS	64
#define WEFT_GEOM_D2_PAIRS	16384

/* Fingerprints of a mesh (docs/proto/geom.md "Fingerprints"). */
struct weft_geom_print {
	uint8_t		 version;	/* WEFT_GEOM_VERSION */
	bool		 has_key;	/* false: see nokey_why */
	const char	*nokey_why;
	uint8_t		 key[2][WEFT_GEOM_KEY_BYTES];	/* grid 0, grid 1/2 */
	uint16_t	 d2[WEFT_GEOM_D2_BINS];	/* counts, sum D2_PAIRS */
	double		 ratio[2];	/* eigenvalues l2/l1, l3/l1 */
	double		 compact;	/* area^1.5 / volume; 0 when open */
};

/*
 * Computes the facts and the fingerprints of m (either output may be
 * NULL). Needs memory for a few copies of the mesh. Returns 0, -ENOMEM,
 * WEFT_ETOOBIG (2^31 vertices or more) or WEFT_EPROTO (no triangle with
 * an area).
 */
int	weft_geom_analyze(const struct weft_geom_mesh *m,
	    struct weft_geom_facts *facts, struct weft_geom_print *print);

/*
 * Splits m into its connected parts (triangles joined through shared
 * vertices), numbered in the order of their first triangle: parts[i] for
 * i < max gets part i (parts must hold max meshes; they are initialised
 * here, with m's limits, and the caller releases all max of them). *n is
 * the number of parts in all, which may exceed max. Returns 0, -ENOMEM or
 * WEFT_ETOOBIG.
 */
int	weft_geom_split(const struct weft_geom_mesh *m,
	    struct weft_geom_mesh *parts, uint32_t max, uint32_t *n);

/* True when both have exact keys and either grid's keys are equal. */
bool	weft_geom_same(const struct weft_geom_print *a,
	    const struct weft_geom_print *b);
/* A score in [0, 1] for "probably the same shape" (1: no difference). */
double	weft_geom_similarity(const struct weft_geom_print *a,
	    const struct weft_geom_print *b);

/*
 * Renders m as a size x size RGBA PNG (flat shading, orthographic view
 * from the front right above, the part as it sits on the bed) and appends
 * it to out. Deterministic: the same mesh gives the same bytes. Returns 0,
 * WEFT_EUSAGE (size not 16..1024), WEFT_ETOOBIG (out's cap, or more than
 * 2^28 pixels to test: huge overlapping triangles) or -ENOMEM.
 */
int	weft_geom_render_png(const struct weft_geom_mesh *m, unsigned size,
	    struct weft_buf *out);

#endif
