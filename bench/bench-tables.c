/*
 * bench-tables: the bytes of each table of a store, read-only, for the
 * store-size figure of docs/BENCHMARKS.md (lmdb-utils' mdb_stat is not
 * installed here). For every named database of the main database:
 * entries, pages in use (branch, leaf, overflow) and their bytes, then
 * the whole, the file's last page and bytes per design (`dsum`); and
 * each table's leaf fill: the bytes its entries take on leaf pages (an
 * 8-byte node header, the key, the value or, for a value past LMDB's
 * node limit, an 8-byte overflow page number, and a 2-byte pointer)
 * against its leaf pages' room (page size less the 16-byte header).
 *
 * usage: bench-tables STORE_DIR        (run it on a copy, or a stopped
 *                                       store: it takes no write lock)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#define NAMES_MAX	128

struct row {
	char		name[64];
	uint64_t	entries;
	uint64_t	pages;
	uint64_t	leaves;
	uint64_t	payload;	/* bytes of the entries on leaves */
};

/* Adds the leaf bytes of every entry of dbi to r. */
static int
fill_of(MDB_txn *txn, MDB_dbi dbi, uint64_t psize, struct row *r)
{
	MDB_cursor	*c;
	MDB_val		 k, v;
	uint64_t	 node;
	int		 rc;

	if ((rc = mdb_cursor_open(txn, dbi, &c)))
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		node = 8 + k.mv_size + v.mv_size;
		if (node > ((psize - 16) / 2 & ~(uint64_t)1))
			node = 8 + k.mv_size + 8;
		r->payload += node + 2;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
by_pages(const void *a, const void *b)
{
	const struct row	*x = a, *y = b;

	return (x->pages < y->pages) - (x->pages > y->pages);
}

int
main(int argc, char **argv)
{
	static struct row	 rows[NAMES_MAX];
	MDB_env			*env = NULL;
	MDB_txn			*txn = NULL;
	MDB_cursor		*cur = NULL;
	MDB_dbi			 main_db, dbi;
	MDB_val			 k, v;
	MDB_stat		 st;
	MDB_envinfo		 ei;
	size_t			 n = 0, i;
	uint64_t		 total = 0, designs = 0, psize;
	int			 rc;

	if (argc != 2) {
		fprintf(stderr, "usage: bench-tables STORE_DIR\n");
		return 2;
	}
	if ((rc = mdb_env_create(&env)) ||
	    (rc = mdb_env_set_maxdbs(env, NAMES_MAX)) ||
	    (rc = mdb_env_set_mapsize(env, (size_t)1 << 40)) ||
	    (rc = mdb_env_open(env, argv[1], MDB_RDONLY | MDB_NOLOCK |
	    MDB_NOTLS, 0600)) ||
	    (rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) ||
	    (rc = mdb_dbi_open(txn, NULL, 0, &main_db)) ||
	    (rc = mdb_cursor_open(txn, main_db, &cur)))
		goto fail;
	psize = 0;
	while (n < NAMES_MAX && (rc = mdb_cursor_get(cur, &k, &v,
	    n ? MDB_NEXT : MDB_FIRST)) == 0) {
		if (k.mv_size == 0 || k.mv_size >= sizeof(rows[n].name))
			continue;
		memcpy(rows[n].name, k.mv_data, k.mv_size);
		rows[n].name[k.mv_size] = '\0';
		if (mdb_dbi_open(txn, rows[n].name, 0, &dbi) != 0)
			continue;
		if ((rc = mdb_stat(txn, dbi, &st)))
			goto fail;
		psize = st.ms_psize;
		rows[n].entries = st.ms_entries;
		rows[n].pages = (uint64_t)st.ms_branch_pages +
		    st.ms_leaf_pages + st.ms_overflow_pages;
		rows[n].leaves = st.ms_leaf_pages;
		if ((rc = fill_of(txn, dbi, psize, &rows[n])))
			goto fail;
		if (strcmp(rows[n].name, "dsum") == 0)
			designs = st.ms_entries;
		total += rows[n].pages;
		n++;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto fail;
	if ((rc = mdb_env_info(env, &ei)))
		goto fail;
	qsort(rows, n, sizeof(rows[0]), by_pages);
	printf("%-16s %12s %12s %10s %10s %6s\n", "table", "entries",
	    "pages", "MB", "B/design", "fill%");
	for (i = 0; i < n; i++)
		printf("%-16s %12" PRIu64 " %12" PRIu64 " %10.1f %10.1f "
		    "%6.1f\n", rows[i].name, rows[i].entries, rows[i].pages,
		    rows[i].pages * psize / 1e6, designs ?
		    (double)rows[i].pages * psize / designs : 0.0,
		    rows[i].leaves ? 100.0 * rows[i].payload /
		    (rows[i].leaves * (psize - 16)) : 0.0);
	printf("%-16s %12s %12" PRIu64 " %10.1f %10.1f\n", "all tables", "",
	    total, total * psize / 1e6,
	    designs ? (double)total * psize / designs : 0.0);
	printf("%-16s %12s %12" PRIu64 " %10.1f %10.1f\n", "file (last pg)",
	    "", (uint64_t)ei.me_last_pgno + 1,
	    (ei.me_last_pgno + 1) * (double)psize / 1e6, designs ?
	    (ei.me_last_pgno + 1) * (double)psize / designs : 0.0);
	printf("designs %" PRIu64 ", page %" PRIu64 " bytes\n", designs,
	    psize);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return 0;
fail:
	fprintf(stderr, "bench-tables: %s\n", mdb_strerror(rc));
	if (txn)
		mdb_txn_abort(txn);
	if (env)
		mdb_env_close(env);
	return 1;
}
