/*
 * The geometry indexes: what `geom` records (docs/proto/records.md) say
 * about a design's meshes, for `weft similar`, show's re-upload note and
 * the fit filters of search. Only a geom record by the author of the
 * revision it describes counts, and per design the newest (ts, then id):
 * a newer one replaces the older one's rows, recomputed from that
 * record. Tables (docs/proto/store.md "Geometry"):
 *
 *   geom_rev     rev || geom -> ""            every geom record, so that a
 *                                             revision arriving after its
 *                                             geom record still gets it
 *   geom_design  design -> row (store_geomrow.h)
 *   geom_key     exact key || design -> ""    both grids of every mesh
 *   geom_sim     bucket (3) || design || file (1) -> d2 (128) || ratios (8)
 *   geom_fit     extent0 (8) || design -> extent1, extent2, volume,
 *                                         triangles (4 x 8)
 *
 * The similarity buckets quantize three invariants of a signature: the
 * mean of its D2 histogram (cells of 1 bin) and its two eigenvalue
 * ratios (cells of 0.05). A query reads, around each of its signatures,
 * the mean cells next to its own and the ratio cells that the score's
 * ratio term allows (|dr0| + |dr1| <= 1 - min_score, to the cell's
 * nearest point), and scores what it finds, so it reads the designs of
 * similar invariants whatever the number of designs; a shape whose D2
 * mean moved further is missed (the search is approximate; the exact
 * key is not).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/record.h"

#include "store_dsum.h"
#include "store_geomrow.h"
#include "store_impl.h"
#include "store_mods.h"

#define SIG_LEN		(WEFT_GD2_BYTES + 8)
#define SIM_KEY		(3 + ID + 1)
#define FIT_KEY		(8 + ID)
#define FIT_VAL		(4 * 8)
#define MU_CELL		1.0	/* D2 bins */
#define RATIO_CELLS	20	/* per unit */
#define D2_BINS		(WEFT_GD2_BYTES / 2)
/* Rows a fit listing reads past its page to count the rest. */
#define FIT_COUNT_WALK	20000
/* Finds a similar query keeps (before merging duplicates). */
#define SIM_FOUND_MAX	((size_t)1 << 17)

/* Loads the stored record id into r (the caller releases r). */
static int
geom_load(struct weft_store *s, MDB_txn *txn, const uint8_t id[ID],
    struct weft_record *r)
{
	int	err;

	err = weft__store_rec_load(s, txn, id, r);
	if (err == 0 && r->type != WEFT_REC_GEOM)
		err = WEFT_ECORRUPT;
	return err == WEFT_ENOTFOUND ? WEFT_ECORRUPT : err;
}

/* The D2 mean of a signature in bins, or -1 when it has no pairs. */
static double
d2_mean(const uint8_t d2[WEFT_GD2_BYTES])
{
	double		sum = 0, w = 0;
	unsigned	c;

	for (int i = 0; i < D2_BINS; i++) {
		c = (unsigned)d2[2 * i] << 8 | d2[2 * i + 1];
		sum += (double)i * c;
		w += c;
	}
	return w > 0 ? sum / w : -1;
}

static uint8_t
cell(double x, double per, int lo, int hi)
{
	int	c = (int)floor(x * per);

	return (uint8_t)(c < lo ? lo : c > hi ? hi : c);
}

/* The bucket of a signature: mean cell, ratio cells. */
static void
sig_bucket(const uint8_t *d2, const uint32_t ratio[2], uint8_t b[3])
{
	b[0] = cell(d2_mean(d2), 1 / MU_CELL, 0, 255);
	b[1] = cell(ratio[0] / 1e6, RATIO_CELLS, 0, RATIO_CELLS);
	b[2] = cell(ratio[1] / 1e6, RATIO_CELLS, 0, RATIO_CELLS);
}

static void
sig_enc(uint8_t v[SIG_LEN], const struct weft_geom_fact *g)
{
	memcpy(v, g->d2, WEFT_GD2_BYTES);
	for (int i = 0; i < 2; i++) {
		v[WEFT_GD2_BYTES + 4 * i] = (uint8_t)(g->ratio[i] >> 24);
		v[WEFT_GD2_BYTES + 4 * i + 1] = (uint8_t)(g->ratio[i] >> 16);
		v[WEFT_GD2_BYTES + 4 * i + 2] = (uint8_t)(g->ratio[i] >> 8);
		v[WEFT_GD2_BYTES + 4 * i + 3] = (uint8_t)g->ratio[i];
	}
}

/*
 * The score of docs/proto/geom.md ("Similarity signature") over two
 * encoded signatures, with the ratios as the records round them; 0 as
 * soon as the ratios alone keep it below min.
 */
static double
sig_score(const uint8_t *a, const uint8_t *b, double min)
{
	double		 l1 = 0, suma = 0, dr = 0, ra, rb;
	unsigned	 x, y;
	const uint8_t	*p, *q;

	for (int i = 0; i < 2; i++) {
		p = a + WEFT_GD2_BYTES + 4 * i;
		q = b + WEFT_GD2_BYTES + 4 * i;
		ra = (double)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3]);
		rb = (double)((uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
		    (uint32_t)q[2] << 8 | q[3]);
		dr += fabs(ra - rb) / 1e6;
	}
	if (dr >= 1 || 1 - dr < min)
		return 0;
	for (int i = 0; i < D2_BINS; i++) {
		x = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
		y = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
		l1 += x > y ? x - y : y - x;
		suma += x;
	}
	if (suma <= 0)
		return 0;
	l1 /= suma;
	return (1 - l1 / 2) * (1 - dr);
}

static bool
fact_sig(const struct weft_geom_fact *g)
{
	return g->note[0] == '\0' && g->has_d2 && g->has_ratio;
}

/*
 * The box a mesh is fitted by: its principal extents or its bounding
 * box as authored, sorted largest first, whichever holds less volume
 * (either is an orientation the part takes).
 */
static void
fit_box(const struct weft_geom_fact *f, uint64_t e[3])
{
	uint64_t	b[3] = { f->box[0], f->box[1], f->box[2] }, t;
	long double	pb, pe;

	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2 - i; j++)
			if (b[j] < b[j + 1]) {
				t = b[j];
				b[j] = b[j + 1];
				b[j + 1] = t;
			}
	pb = (long double)b[0] * b[1] * b[2];
	pe = (long double)f->extents[0] * f->extents[1] * f->extents[2];
	for (int i = 0; i < 3; i++)
		e[i] = pb <= pe ? b[i] : f->extents[i];
}

/* The design's row from its geom record r (id). */
static void
row_of(const struct weft_record *r, const uint8_t id[ID], struct geomrow *g)
{
	uint64_t	vol = 0, e[3];

	memset(g, 0, sizeof(*g));
	memcpy(g->geom, id, ID);
	g->ts = r->ts;
	for (uint32_t i = 0; i < r->ngfacts; i++) {
		const struct weft_geom_fact *f = &r->gfacts[i];

		if (f->note[0] != '\0')
			continue;
		fit_box(f, e);
		for (int k = 0; k < 3; k++)
			if (e[k] > g->e[k])
				g->e[k] = e[k];
		g->triangles += f->triangles;
		if (!f->closed || vol == GEOM_VOL_NONE)
			vol = GEOM_VOL_NONE;
		else
			vol = f->volume > GEOM_VOL_NONE - 1 - vol ?
			    GEOM_VOL_NONE - 1 : vol + f->volume;
	}
	g->volume = vol;
}

/* Writes (del: deletes) the rows of design's geom record r (id). */
static int
rows_put(struct weft_store *s, MDB_txn *txn, const struct weft_record *r,
    const uint8_t id[ID], bool del)
{
	const uint8_t	*design = r->design;
	struct geomrow	 g;
	uint8_t		 row[GEOMROW_LEN], fk[FIT_KEY], fv[FIT_VAL];
	uint8_t		 kk[2 * ID], sk[SIM_KEY], sv[SIG_LEN];
	int		 err;

	row_of(r, id, &g);
	be64enc(fk, g.e[0]);
	memcpy(fk + 8, design, ID);
	if (del) {
		err = db_del(txn, s->dbi[DB_GEOM_DESIGN], design, ID);
		if (err == 0)
			err = db_del(txn, s->dbi[DB_GEOM_FIT], fk, FIT_KEY);
	} else {
		geomrow_enc(row, &g);
		be64enc(fv, g.e[1]);
		be64enc(fv + 8, g.e[2]);
		be64enc(fv + 16, g.volume);
		be64enc(fv + 24, g.triangles);
		err = db_put(txn, s->dbi[DB_GEOM_DESIGN], design, ID, row,
		    sizeof(row));
		if (err == 0)
			err = db_put(txn, s->dbi[DB_GEOM_FIT], fk, FIT_KEY, fv,
			    FIT_VAL);
	}
	for (uint32_t i = 0; i < r->ngfacts && err == 0; i++) {
		const struct weft_geom_fact *f = &r->gfacts[i];

		for (int k = 0; k < 2 && f->has_key && err == 0; k++) {
			memcpy(kk, f->key + 32 * k, ID);
			memcpy(kk + ID, design, ID);
			err = del ? db_del(txn, s->dbi[DB_GEOM_KEY], kk,
			    sizeof(kk)) : db_put(txn, s->dbi[DB_GEOM_KEY], kk,
			    sizeof(kk), "", 0);
		}
		if (err || !fact_sig(f))
			continue;
		sig_bucket(f->d2, f->ratio, sk);
		memcpy(sk + 3, design, ID);
		sk[3 + ID] = (uint8_t)i;
		sig_enc(sv, f);
		err = del ? db_del(txn, s->dbi[DB_GEOM_SIM], sk, SIM_KEY) :
		    db_put(txn, s->dbi[DB_GEOM_SIM], sk, SIM_KEY, sv,
		    sizeof(sv));
	}
	return err;
}

/*
 * Makes geom record r (id) design's current one unless a newer one is,
 * after checking that it describes a stored revision of that design by
 * its own author (otherwise nothing is indexed: a stranger's facts are
 * kept, never used).
 */
static int
geom_apply(struct weft_store *s, MDB_txn *txn, const struct weft_record *r,
    const uint8_t id[ID])
{
	struct weft_record	old;
	struct recinfo		ri;
	struct geomrow		g;
	MDB_val			v;
	int			err;

	err = weft__store_info_get(s, txn, r->on_rev.ids[0], &ri);
	if (err == WEFT_ENOTFOUND)
		return 0;
	if (err)
		return err;
	if (ri.type != WEFT_REC_REV || memcmp(ri.design, r->design, ID) != 0 ||
	    memcmp(ri.author, r->author, WEFT_PK_BYTES) != 0)
		return 0;
	err = db_get(txn, s->dbi[DB_GEOM_DESIGN], r->design, ID, &v);
	if (err == 0) {
		err = geomrow_dec(&v, &g);
		if (err)
			return err;
		if (g.ts > r->ts || (g.ts == r->ts &&
		    memcmp(g.geom, id, ID) >= 0))
			return 0;
		err = geom_load(s, txn, g.geom, &old);
		if (err == 0)
			err = rows_put(s, txn, &old, g.geom, true);
		weft_record_release(&old);
		if (err)
			return err;
	} else if (err != WEFT_ENOTFOUND) {
		return err;
	}
	return rows_put(s, txn, r, id, false);
}

int
weft__store_geom_index(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID])
{
	uint8_t	k[2 * ID];
	int	err;

	memcpy(k, r->on_rev.ids[0], ID);
	memcpy(k + ID, id, ID);
	err = db_put(txn, s->dbi[DB_GEOM_REV], k, sizeof(k), "", 0);
	if (err)
		return err;
	return geom_apply(s, txn, r, id);
}

int
weft__store_geom_drop(struct weft_store *s, MDB_txn *txn,
    const struct weft_record *r, const uint8_t id[ID])
{
	struct geomrow	g;
	uint8_t		k[2 * ID];
	MDB_val		v;
	int		err;

	if (r->on_rev.n != 1)
		return 0;
	memcpy(k, r->on_rev.ids[0], ID);
	memcpy(k + ID, id, ID);
	err = db_del(txn, s->dbi[DB_GEOM_REV], k, sizeof(k));
	if (err == 0)
		err = db_get(txn, s->dbi[DB_GEOM_DESIGN], r->design, ID, &v);
	if (err == WEFT_ENOTFOUND)
		return 0;
	if (err == 0)
		err = geomrow_dec(&v, &g);
	if (err || memcmp(g.geom, id, ID) != 0)
		return err;
	return rows_put(s, txn, r, id, true);
}

int
weft__store_geom_rev(struct weft_store *s, MDB_txn *txn,
    const uint8_t rev[ID])
{
	struct weft_record	 r;
	MDB_cursor		*c;
	MDB_val			 k, v;
	uint8_t			 gid[ID];
	int			 err, rc;

	rc = mdb_cursor_open(txn, s->dbi[DB_GEOM_REV], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = weft__store_cur_first(c, rev, ID, &k, &v);
	while (err == 0) {
		if (k.mv_size != 2 * ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		memcpy(gid, (const uint8_t *)k.mv_data + ID, ID);
		err = geom_load(s, txn, gid, &r);
		if (err == 0)
			err = geom_apply(s, txn, &r, gid);
		weft_record_release(&r);
		if (err)
			break;
		/* geom_apply() writes other tables: this cursor holds. */
		err = weft__store_cur_step(c, rev, ID, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	return err == WEFT_ENOTFOUND ? 0 : err;
}

/* The newest geom record of rev by author into env; txn read. */
static int
rev_geom_txn(struct weft_store *s, MDB_txn *txn, const uint8_t rev[ID],
    struct weft_buf *env)
{
	struct recinfo	 ri, gi;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 best[ID];
	uint64_t	 best_ts = 0;
	bool		 found = false;
	int		 err, rc;

	err = weft__store_info_get(s, txn, rev, &ri);
	if (err)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[DB_GEOM_REV], &c);
	if (rc)
		return weft__store_xlat(rc);
	err = weft__store_cur_first(c, rev, ID, &k, &v);
	while (err == 0) {
		const uint8_t *gid = (const uint8_t *)k.mv_data + ID;

		if (k.mv_size != 2 * ID) {
			err = WEFT_ECORRUPT;
			break;
		}
		err = weft__store_info_get(s, txn, gid, &gi);
		if (err)
			break;
		if (memcmp(gi.author, ri.author, WEFT_PK_BYTES) == 0 &&
		    (!found || gi.ts > best_ts || (gi.ts == best_ts &&
		    memcmp(gid, best, ID) > 0))) {
			memcpy(best, gid, ID);
			best_ts = gi.ts;
			found = true;
		}
		err = weft__store_cur_step(c, rev, ID, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (err != WEFT_ENOTFOUND)
		return err;
	if (!found)
		return WEFT_ENOTFOUND;
	err = weft__store_rec_get(s, txn, best, &v);
	if (err == 0)
		err = weft_buf_add(env, v.mv_data, v.mv_size);
	return err;
}

int
weft_store_rev_geom(struct weft_store *s, const uint8_t rev[ID],
    struct weft_buf *env)
{
	MDB_txn	*txn;
	int	 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = rev_geom_txn(s, txn, rev, env);
	weft__store_read_end(s, txn);
	return err;
}

int
weft_store_design_geom(struct weft_store *s, const uint8_t design[ID],
    struct weft_buf *env)
{
	struct geomrow	 g;
	MDB_txn		*txn;
	MDB_val		 v;
	int		 err;

	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = db_get(txn, s->dbi[DB_GEOM_DESIGN], design, ID, &v);
	if (err == 0)
		err = geomrow_dec(&v, &g);
	if (err == 0)
		err = weft__store_rec_get(s, txn, g.geom, &v);
	if (err == 0)
		err = weft_buf_add(env, v.mv_data, v.mv_size);
	weft__store_read_end(s, txn);
	return err;
}

/* Similar designs, gathered as the walk finds them. */
struct sim_acc {
	struct weft_store_similar	*v;
	size_t				 n, cap;
	const uint8_t			*self;
};

/*
 * Notes a find; duplicates are merged after the walk (sim_merge), so
 * that a query finding thousands costs n log n, not n^2.
 */
static int
sim_note(struct sim_acc *a, const uint8_t design[ID], bool identical,
    double score)
{
	struct weft_store_similar	*e;
	void				*np;

	if (memcmp(design, a->self, ID) == 0)
		return 0;
	if (a->n == a->cap) {
		size_t ncap = a->cap ? 2 * a->cap : 64;

		if (ncap > SIM_FOUND_MAX)
			return 0;	/* enough: the best are kept below */
		np = realloc(a->v, ncap * sizeof(*a->v));
		if (np == NULL)
			return -ENOMEM;
		a->v = np;
		a->cap = ncap;
	}
	e = &a->v[a->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->design, design, ID);
	e->identical = identical;
	e->score = score;
	return 0;
}

static int
sim_design_cmp(const void *x, const void *y)
{
	const struct weft_store_similar	*a = x, *b = y;

	return memcmp(a->design, b->design, ID);
}

/* One entry per design: identical if any find was, the best score. */
static void
sim_merge(struct sim_acc *a)
{
	size_t	k = 0;

	if (a->n < 2)
		return;
	qsort(a->v, a->n, sizeof(*a->v), sim_design_cmp);
	for (size_t i = 1; i < a->n; i++) {
		struct weft_store_similar *e = &a->v[k];

		if (memcmp(e->design, a->v[i].design, ID) == 0) {
			e->identical |= a->v[i].identical;
			if (a->v[i].score > e->score)
				e->score = a->v[i].score;
		} else {
			a->v[++k] = a->v[i];
		}
	}
	a->n = k + 1;
}

static int
sim_cmp(const void *x, const void *y)
{
	const struct weft_store_similar	*a = x, *b = y;

	if (a->identical != b->identical)
		return a->identical ? -1 : 1;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	if (a->created != b->created)
		return a->created < b->created ? -1 : 1;
	return memcmp(a->design, b->design, ID);
}

/* Designs sharing one of f's exact keys. */
static int
sim_keys(struct weft_store *s, MDB_txn *txn, MDB_cursor *c,
    const struct weft_geom_fact *f, struct sim_acc *a)
{
	MDB_val	k, v;
	int	err = 0;

	for (int g = 0; g < 2 && err == 0; g++) {
		err = weft__store_cur_first(c, f->key + 32 * g, ID, &k, &v);
		while (err == 0) {
			if (k.mv_size != 2 * ID)
				return WEFT_ECORRUPT;
			err = sim_note(a, (const uint8_t *)k.mv_data + ID, true,
			    1.0);
			if (err == 0)
				err = weft__store_cur_step(c, f->key + 32 * g,
				    ID, &k, &v, MDB_NEXT);
		}
		if (err == WEFT_ENOTFOUND)
			err = 0;
	}
	(void)s;
	(void)txn;
	return err;
}

/* Designs in one bucket (pfx) scoring min or more against sig. */
static int
sim_bucket(MDB_cursor *c, const uint8_t pfx[3], const uint8_t *sig,
    double min, struct sim_acc *a)
{
	MDB_val	k, v;
	double	score;
	int	err;

	err = weft__store_cur_first(c, pfx, 3, &k, &v);
	while (err == 0) {
		if (k.mv_size != SIM_KEY || v.mv_size != SIG_LEN)
			return WEFT_ECORRUPT;
		score = sig_score(sig, v.mv_data, min);
		if (score >= min)
			err = sim_note(a, (const uint8_t *)k.mv_data + 3, false,
			    score);
		if (err == 0)
			err = weft__store_cur_step(c, pfx, 3, &k, &v,
			    MDB_NEXT);
	}
	return err == WEFT_ENOTFOUND ? 0 : err;
}

/* How far ratio x (0..1) is from ratio cell c. */
static double
cell_gap(double x, int c)
{
	double	lo = (double)c / RATIO_CELLS, hi = (double)(c + 1) / RATIO_CELLS;

	return x < lo ? lo - x : x > hi ? x - hi : 0;
}

/*
 * Designs in the buckets around f's signature scoring min or more: mean
 * cells -1..1, and the ratio cells the score's ratio term allows: those
 * within 1 - min of f's ratios (|dr0| + |dr1|, to the nearest point of
 * the cell), since a signature further away scores below min.
 */
static int
sim_buckets(MDB_cursor *c, const struct weft_geom_fact *f, double min,
    struct sim_acc *a)
{
	uint8_t	b[3], pfx[3], sig[SIG_LEN];
	double	x0 = f->ratio[0] / 1e6, x1 = f->ratio[1] / 1e6;
	double	reach = 1 - (min > 0 ? min : 0) + 1e-9;
	int	err = 0;

	sig_bucket(f->d2, f->ratio, b);
	sig_enc(sig, f);
	for (int i = -1; i <= 1 && err == 0; i++) {
		if (b[0] + i < 0 || b[0] + i > 255)
			continue;
		for (int j = 0; j <= RATIO_CELLS && err == 0; j++) {
			if (cell_gap(x0, j) > reach)
				continue;
			for (int l = 0; l <= RATIO_CELLS && err == 0; l++) {
				if (cell_gap(x0, j) + cell_gap(x1, l) > reach)
					continue;
				pfx[0] = (uint8_t)(b[0] + i);
				pfx[1] = (uint8_t)j;
				pfx[2] = (uint8_t)l;
				err = sim_bucket(c, pfx, sig, min, a);
			}
		}
	}
	return err;
}

int
weft_store_geom_similar(struct weft_store *s, const uint8_t design[ID],
    double min_score, struct weft_store_similar *out, size_t max, size_t *n)
{
	struct sim_acc		 a;
	struct weft_record	 r;
	struct geomrow		 g;
	struct recinfo		 ri;
	MDB_txn			*txn;
	MDB_cursor		*kc = NULL, *sc = NULL;
	MDB_val			 v;
	uint8_t			 rk[2 * ID];
	size_t			 cut;
	int			 err, rc;

	*n = 0;
	memset(&a, 0, sizeof(a));
	a.self = design;
	weft_record_init(&r);
	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	err = db_get(txn, s->dbi[DB_GEOM_DESIGN], design, ID, &v);
	if (err == 0)
		err = geomrow_dec(&v, &g);
	if (err == 0)
		err = geom_load(s, txn, g.geom, &r);
	if (err)
		goto out;
	rc = mdb_cursor_open(txn, s->dbi[DB_GEOM_KEY], &kc);
	if (rc == 0)
		rc = mdb_cursor_open(txn, s->dbi[DB_GEOM_SIM], &sc);
	if (rc) {
		err = weft__store_xlat(rc);
		goto out;
	}
	for (uint32_t i = 0; i < r.ngfacts && err == 0; i++) {
		if (r.gfacts[i].has_key)
			err = sim_keys(s, txn, kc, &r.gfacts[i], &a);
		if (err == 0 && fact_sig(&r.gfacts[i]))
			err = sim_buckets(sc, &r.gfacts[i], min_score, &a);
	}
	/*
	 * Rank by (identical, score) first, and read authors and times
	 * only for the best max and those tied with the last of them.
	 */
	sim_merge(&a);
	if (err == 0 && a.n > 1)
		qsort(a.v, a.n, sizeof(*a.v), sim_cmp);
	cut = a.n < max ? a.n : max;
	while (cut > 0 && cut < a.n &&
	    a.v[cut].identical == a.v[cut - 1].identical &&
	    a.v[cut].score == a.v[cut - 1].score)
		cut++;
	for (size_t i = 0; i < cut && err == 0; i++) {
		struct weft_store_similar *e = &a.v[i];

		err = weft__store_info_get(s, txn, e->design, &ri);
		if (err == WEFT_ENOTFOUND) {
			err = 0;
			continue;
		}
		memcpy(e->author, ri.author, WEFT_PK_BYTES);
		e->created = ri.ts;
		memcpy(rk, e->design, ID);
		memcpy(rk + ID, design, ID);
		if (err == 0 && db_has(txn, s->dbi[DB_REMIX], rk,
		    sizeof(rk)) == 0)
			e->relation = WEFT_STORE_REL_REMIX_OF;
		memcpy(rk, design, ID);
		memcpy(rk + ID, e->design, ID);
		if (err == 0 && db_has(txn, s->dbi[DB_REMIX], rk,
		    sizeof(rk)) == 0)
			e->relation = WEFT_STORE_REL_REMIXED_BY;
	}
	if (err == 0 && cut > 1)
		qsort(a.v, cut, sizeof(*a.v), sim_cmp);
	for (size_t i = 0; i < cut && i < max && err == 0; i++)
		out[(*n)++] = a.v[i];
out:
	if (sc != NULL)
		mdb_cursor_close(sc);
	if (kc != NULL)
		mdb_cursor_close(kc);
	weft__store_read_end(s, txn);
	weft_record_release(&r);
	free(a.v);
	return err;
}

int
weft_store_geom_list(struct weft_store *s,
    const struct weft_store_geom_filter *f, size_t offset, size_t limit,
    uint64_t *total, bool *exact, weft_store_item_cb *cb, void *arg)
{
	struct weft_buf	 map;
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint8_t		 start[8], dk[DKEY];
	uint64_t	 e[3], vol, tri;
	const uint8_t	*p;
	size_t		 seen = 0, sent = 0, walked = 0;
	int		 err, rc;

	*total = 0;
	*exact = true;
	err = weft__store_read_begin(s, &txn);
	if (err)
		return err;
	rc = mdb_cursor_open(txn, s->dbi[DB_GEOM_FIT], &c);
	if (rc) {
		weft__store_read_end(s, txn);
		return weft__store_xlat(rc);
	}
	weft_buf_init(&map, DSUM_MAX);
	be64enc(start, f->min_size);
	k.mv_size = sizeof(start);
	k.mv_data = start;
	err = weft__store_xlat(mdb_cursor_get(c, &k, &v, MDB_SET_RANGE));
	while (err == 0) {
		if (k.mv_size != FIT_KEY || v.mv_size != FIT_VAL) {
			err = WEFT_ECORRUPT;
			break;
		}
		p = k.mv_data;
		e[0] = be64dec(p);
		if (f->fits_on && e[0] > f->fits[0])
			break;
		p = v.mv_data;
		e[1] = be64dec(p);
		e[2] = be64dec(p + 8);
		vol = be64dec(p + 16);
		tri = be64dec(p + 24);
		/* Past the page, count a while (a bounded walk). */
		if (limit > 0 && sent == limit && ++walked > FIT_COUNT_WALK) {
			*exact = false;
			break;
		}
		if (geom_filter_pass(f, e, vol, tri)) {
			(*total)++;
			if ((limit == 0 || sent < limit) && seen++ >= offset) {
				err = weft__store_design_key(s, txn,
				    (const uint8_t *)k.mv_data + 8, dk);
				if (err == 0)
					err = db_has(txn, s->dbi[DB_DESIGNS],
					    dk, DKEY);
				if (err == 0)
					err = dsum_map_get(txn,
					    s->dbi[DB_DESIGNS], dk, &map);
				if (err == WEFT_ENOTFOUND)
					err = 0;	/* no summary yet */
				else if (err == 0)
					err = cb(arg, dk + 8, map.data,
					    map.len);
				sent++;
				if (err)
					break;
			}
		}
		err = weft__store_xlat(mdb_cursor_get(c, &k, &v, MDB_NEXT));
	}
	mdb_cursor_close(c);
	weft__store_read_end(s, txn);
	weft_buf_release(&map);
	return err == WEFT_ENOTFOUND ? 0 : err;
}
