/*
 * Request dispatch and the request handlers that read the store (status,
 * show, log, tree, ls, search, library_ls) or write small records
 * (library_create, library_add, library_remove) or scrub it (verify), and
 * stop, which shuts the daemon down.
 * publish.c and get.c hold the streaming ones. Reads run on the loop in
 * short read transactions; writes and the scrub run on the thread pool.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "weft/buf.h"
#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"
#include "weft/version.h"

#include "ctl.h"
#include "daemon.h"
#include "lan.h"
#include "fetch.h"
#include "log.h"
#include "net.h"
#include "ops.h"
#include "ops_license.h"
#include "peer.h"
#include "remix.h"
#include "space.h"
#include "store.h"
#include "sync.h"

#define TREE_DEPTH_MAX	16
#define TREE_NODES_MAX	4096
#define VERIFY_BAD_MAX	10000

/* Arguments */

int
weft__ctl_arg_str(struct weft_ctl_conn *c, const struct weft_obj *req,
    const char *key, size_t max, char **out)
{
	const struct weft_obj	*o;
	const char		*s;
	size_t			 n;

	*out = NULL;
	o = weft_obj_get(req, key);
	if (o == NULL || weft_obj_type(o) == WEFT_OBJ_NIL)
		return 0;
	if (weft_obj_str(o, &s, &n) != 0 || memchr(s, 0, n) != NULL) {
		weft__ctl_send_err(c, WEFT_EBADFIELD, "'%s' must be a string",
		    key);
		return WEFT_EBADFIELD;
	}
	if (n > max) {
		weft__ctl_send_err(c, WEFT_ETOOBIG,
		    "'%s' is longer than %zu bytes", key, max);
		return WEFT_ETOOBIG;
	}
	*out = strndup(s, n);
	if (*out == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "'%s'", key);
		return -ENOMEM;
	}
	return 0;
}

int
weft__ctl_arg_id(struct weft_ctl_conn *c, const struct weft_obj *req,
    const char *key, uint8_t id[32], bool required)
{
	char	*s;
	int	 err;

	err = weft__ctl_arg_str(c, req, key, 64, &s);
	if (err)
		return err;
	if (s == NULL) {
		if (!required)
			return WEFT_ENOTFOUND;
		weft__ctl_send_err(c, WEFT_EUSAGE, "'%s' is required", key);
		return WEFT_EUSAGE;
	}
	err = weft_store_resolve(c->d->store, s, id);
	if (err == WEFT_EUSAGE)
		weft__ctl_send_err(c, err,
		    "'%s' is not an id (8 to 64 hex characters)", s);
	else if (err)
		weft__ctl_send_err(c, err, "'%s'", s);
	free(s);
	return err;
}

/* Lists */

void
weft__lister_init(struct weft_lister *l, struct weft_ctl_conn *c)
{
	memset(l, 0, sizeof(*l));
	l->c = c;
	weft_buf_init(&l->items, WEFT_CTL_FRAME_MAX - 4096);
	weft_pack_init(&l->pk, &l->items);
	weft_buf_init(&l->extra, 64 * 1024);
}

static int
lister_flush(struct weft_lister *l, bool more)
{
	struct weft_buf		 b;
	struct weft_pack	 pk;

	weft__ctl_reply_begin(&pk, &b, 2 + (l->sent ? 0 : l->nextra));
	if (!l->sent)
		weft_pack_raw(&pk, l->extra.data, l->extra.len);
	weft_pack_str(&pk, "items");
	weft_pack_array(&pk, l->n);
	weft_pack_raw(&pk, l->items.data, l->items.len);
	weft_pack_str(&pk, "more");
	weft_pack_bool(&pk, more);
	weft_buf_reset(&l->items);
	l->n = 0;
	l->sent = true;
	if (weft_pack_error(&pk)) {
		weft_buf_release(&b);
		return weft_pack_error(&pk);
	}
	return weft__ctl_send(l->c, &b);
}

int
weft__lister_item(struct weft_lister *l)
{
	int	err;

	err = weft_pack_error(&l->pk);
	if (err) {
		l->err = err;
		return err;
	}
	l->n++;
	if (l->items.len >= WEFT_LIST_FRAME_SOFT) {
		err = lister_flush(l, true);
		if (err)
			l->err = err;
	}
	return l->err;
}

void
weft__lister_finish(struct weft_lister *l)
{
	if (l->err == 0 && weft_pack_error(&l->pk) == 0)
		lister_flush(l, false);
	else if (!l->c->closing)
		weft__ctl_send_err(l->c, l->err ? l->err :
		    weft_pack_error(&l->pk), "list");
	weft_buf_release(&l->items);
	weft_buf_release(&l->extra);
	weft__ctl_done(l->c);
}

static int
list_raw_cb(void *arg, const uint8_t id[32], const uint8_t *data, size_t len)
{
	struct weft_lister	*l = arg;

	(void)id;
	weft_pack_raw(&l->pk, data, len);
	return weft__lister_item(l);
}

/* list_raw_cb() for the summaries that pass a license filter. */
struct lic_filtered {
	struct weft_lister		*l;
	const struct weft_lic_filter	*f;
};

static int
list_lic_cb(void *arg, const uint8_t id[32], const uint8_t *data, size_t len)
{
	struct lic_filtered	*fl = arg;

	if (!weft__lic_filter_match(fl->f, data, len))
		return 0;
	return list_raw_cb(fl->l, id, data, len);
}

static int
list_bin_cb(void *arg, const uint8_t id[32], const uint8_t *data, size_t len)
{
	struct weft_lister	*l = arg;

	(void)id;
	weft_pack_bin(&l->pk, data, len);
	return weft__lister_item(l);
}

/* Records made here */

struct weft_store *
weft__ctl_store(struct weft_ctl_conn *c)
{
	return c->d->store;
}

const uint8_t *
weft__ctl_author(struct weft_ctl_conn *c)
{
	return c->d->author.pk;
}

int
weft__record_make(struct weft_daemon *d, struct weft_record *r,
    uint64_t min_ts, struct weft_buf *env)
{
	struct weft_buf	body;
	int		err;

	memcpy(r->author, d->author.pk, WEFT_PK_BYTES);
	r->ts = weft_daemon_now_ms(d);
	if (r->ts < min_ts)
		r->ts = min_ts;
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(env, WEFT_RECORD_MAX);
	err = weft_record_encode_body(r, &body);
	if (err == 0)
		err = weft_record_sign(body.data, body.len, d->author.sk, env);
	weft_buf_release(&body);
	return err;
}

struct put_job {
	struct weft_store	*store;
	struct weft_buf		 env;
	uint8_t			 id[32];
	bool			 genesis;
};

static int
put_work(void *arg)
{
	struct put_job	*j = arg;

	return weft_store_record_put(j->store, j->env.data, j->env.len, j->id);
}

static void
put_done(struct weft_ctl_conn *c, void *arg, int status)
{
	struct put_job		*j = arg;
	struct weft_buf		 b;
	struct weft_pack	 pk;

	if (status) {
		weft__ctl_send_err(c, status, "cannot store record");
	} else {
		if (c->d->sync != NULL)
			weft_sync_local_record(c->d->sync, j->id, j->env.data,
			    j->env.len);
		weft__ctl_reply_begin(&pk, &b, j->genesis ? 3 : 2);
		weft_pack_str(&pk, "id");
		weft_pack_bin(&pk, j->id, 32);
		weft_pack_str(&pk, "record");
		weft_pack_bin(&pk, j->env.data, j->env.len);
		if (j->genesis) {
			weft_pack_str(&pk, "design");
			weft_pack_bin(&pk, j->id, 32);
		}
		if (weft_pack_error(&pk)) {
			weft_buf_release(&b);
			weft__ctl_send_err(c, weft_pack_error(&pk), "reply");
		} else {
			weft__ctl_send(c, &b);
		}
	}
	weft_buf_release(&j->env);
	free(j);
	weft__ctl_done(c);
}

void
weft__put_and_reply(struct weft_ctl_conn *c, struct weft_buf *env,
    bool genesis)
{
	struct put_job	*j;
	int		 err;

	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		weft_buf_release(env);
		weft__ctl_send_err(c, -ENOMEM, "cannot store record");
		weft__ctl_done(c);
		return;
	}
	j->store = c->d->store;
	j->env = *env;
	weft_buf_init(env, 0);
	j->genesis = genesis;
	c->state = WEFT_CTL_BUSY;
	err = weft__ctl_work(c, put_work, put_done, j);
	if (err)
		put_done(c, j, err);
}

/* status */

/* "sync": replication's counters (docs/proto/control.md, status). */
static void
pack_sync_stats(struct weft_pack *pk, const struct weft_sync_stats *sy)
{
	weft_pack_str(pk, "sync");
	weft_pack_map(pk, 11);
	weft_pack_str(pk, "peers");
	weft_pack_uint(pk, sy->peers);
	weft_pack_str(pk, "stored");
	weft_pack_uint(pk, sy->stored);
	weft_pack_str(pk, "dups");
	weft_pack_uint(pk, sy->dups);
	weft_pack_str(pk, "rejected");
	weft_pack_uint(pk, sy->rejected);
	weft_pack_str(pk, "held");
	weft_pack_uint(pk, sy->held);
	weft_pack_str(pk, "queued");
	weft_pack_uint(pk, sy->queued);
	weft_pack_str(pk, "rounds");
	weft_pack_uint(pk, sy->rounds);
	weft_pack_str(pk, "msgs_in");
	weft_pack_uint(pk, sy->msgs_in);
	weft_pack_str(pk, "msgs_out");
	weft_pack_uint(pk, sy->msgs_out);
	weft_pack_str(pk, "bytes_in");
	weft_pack_uint(pk, sy->bytes_in);
	weft_pack_str(pk, "bytes_out");
	weft_pack_uint(pk, sy->bytes_out);
}

/*
 * "lan": LAN discovery (docs/proto/control.md, status): "on", and while
 * on, the nodes heard and the datagram counters.
 */
static void
pack_lan_stats(struct weft_pack *pk, const struct weft_lan *lan)
{
	struct weft_lan_stats	st;

	weft_pack_str(pk, "lan");
	if (lan == NULL) {
		weft_pack_map(pk, 1);
		weft_pack_str(pk, "on");
		weft_pack_bool(pk, false);
		return;
	}
	weft_lan_stats(lan, &st);
	weft_pack_map(pk, 9);
	weft_pack_str(pk, "on");
	weft_pack_bool(pk, true);
	weft_pack_str(pk, "port");
	weft_pack_uint(pk, st.port);
	weft_pack_str(pk, "nodes");
	weft_pack_uint(pk, st.nodes);
	weft_pack_str(pk, "received");
	weft_pack_uint(pk, st.received);
	weft_pack_str(pk, "rejected");
	weft_pack_uint(pk, st.rejected);
	weft_pack_str(pk, "opened4");
	weft_pack_uint(pk, st.opened4);
	weft_pack_str(pk, "opened6");
	weft_pack_uint(pk, st.opened6);
	weft_pack_str(pk, "accepted");
	weft_pack_uint(pk, st.accepted);
	weft_pack_str(pk, "sent");
	weft_pack_uint(pk, st.sent);
}

/*
 * "disk": the store's disk and the gate on fetching and ingest (space.h);
 * "files": file transfer's counters (docs/proto/control.md, status).
 */
static void
pack_disk(struct weft_pack *pk, struct weft_daemon *d)
{
	struct weft_space_stats	 sp;
	struct weft_fetch_stats	 fs;
	uint64_t		 now = weft_daemon_now_ms(d);

	weft_space_stats(d->space, now, &sp);
	weft_pack_str(pk, "disk");
	weft_pack_map(pk, 5);
	weft_pack_str(pk, "paused");
	weft_pack_bool(pk, sp.paused);
	weft_pack_str(pk, "error");
	if (sp.paused)
		weft_pack_str(pk, weft_strerror(sp.err));
	else
		weft_pack_nil(pk);
	weft_pack_str(pk, "free");
	weft_pack_uint(pk, sp.avail);
	weft_pack_str(pk, "reserve");
	weft_pack_uint(pk, sp.reserve);
	weft_pack_str(pk, "failures");
	weft_pack_uint(pk, sp.failures);
	memset(&fs, 0, sizeof(fs));
	if (d->fetch != NULL)
		weft_fetch_stats(d->fetch, now, &fs);
	weft_pack_str(pk, "files");
	weft_pack_map(pk, 3);
	weft_pack_str(pk, "received");
	weft_pack_uint(pk, fs.received);
	weft_pack_str(pk, "stored");
	weft_pack_uint(pk, fs.bytes);
	weft_pack_str(pk, "served");
	weft_pack_uint(pk, fs.served);
}

static void
op_status(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_daemon	*d = c->d;
	struct weft_store_stats	 st;
	struct weft_store_missing miss;
	struct weft_sync_stats	 sy;
	struct weft_buf		 b;
	struct weft_pack	 pk;
	char		 addrs[WEFT_NET_LISTEN_ADDRS][WEFT_NET_ADDR_MAX];
	char			 hex[65], addr[65 + WEFT_NET_ADDR_MAX], kid[17];
	size_t			 naddrs;
	int			 err;

	(void)req;
	err = weft_store_stats(d->store, &st);
	if (err) {
		weft__ctl_send_err(c, err, "cannot read store statistics");
		weft__ctl_done(c);
		return;
	}
	err = weft_store_missing_stats(d->store, &miss);
	if (err) {
		weft__ctl_send_err(c, err, "cannot count what is missing");
		weft__ctl_done(c);
		return;
	}
	memset(&sy, 0, sizeof(sy));
	if (d->sync != NULL)
		weft_sync_stats(d->sync, &sy);
	weft__ctl_reply_begin(&pk, &b, 25);
	pack_disk(&pk, d);
	weft_pack_str(&pk, "missing");
	weft_pack_map(&pk, 4);
	weft_pack_str(&pk, "records");	/* heard of, not stored yet */
	weft_pack_uint(&pk, sy.held + sy.queued);
	weft_pack_str(&pk, "files");
	weft_pack_uint(&pk, miss.files);
	weft_pack_str(&pk, "designs");
	weft_pack_uint(&pk, miss.designs);
	weft_pack_str(&pk, "bytes");
	weft_pack_uint(&pk, miss.bytes);
	weft_pack_str(&pk, "version");
	weft_pack_str(&pk, WEFT_VERSION_STRING);
	weft_pack_str(&pk, "author");
	weft_pack_bin(&pk, d->author.pk, 32);
	weft_pack_str(&pk, "node");
	weft_pack_bin(&pk, d->node.pk, 32);
	weft_pack_str(&pk, "home");
	weft_pack_str(&pk, d->home);
	weft_pack_str(&pk, "records");
	weft_pack_uint(&pk, st.records);
	weft_pack_str(&pk, "designs");
	weft_pack_uint(&pk, st.designs);
	weft_pack_str(&pk, "libs");
	weft_pack_uint(&pk, st.libs);
	weft_pack_str(&pk, "chunks");
	weft_pack_uint(&pk, st.chunks);
	weft_pack_str(&pk, "chunk_bytes");
	weft_pack_uint(&pk, st.chunk_bytes);
	weft_pack_str(&pk, "map_size");
	weft_pack_uint(&pk, st.map_size);
	weft_pack_str(&pk, "map_used");
	weft_pack_uint(&pk, st.map_used);
	weft_pack_str(&pk, "uptime_ms");
	weft_pack_uint(&pk, weft_daemon_now_ms(d) - d->started_ms);
	/*
	 * The network (docs/proto/control.md, "status"): the addresses
	 * others can dial, not 0.0.0.0.
	 */
	naddrs = d->net != NULL ? weft_net_addresses(d->net, addrs,
	    WEFT_NET_LISTEN_ADDRS) : 0;
	weft_hex_encode(hex, d->node.pk, 32);
	snprintf(kid, sizeof(kid), "%016" PRIX64,
	    weft_key_id(d->network_key));
	weft_pack_str(&pk, "address");
	if (naddrs > 0) {
		snprintf(addr, sizeof(addr), "%s@%.*s", hex,
		    WEFT_NET_ADDR_MAX - 1, addrs[0]);
		weft_pack_str(&pk, addr);
	} else {
		weft_pack_nil(&pk);
	}
	weft_pack_str(&pk, "addresses");
	weft_pack_array(&pk, (uint32_t)naddrs);
	for (size_t i = 0; i < naddrs; i++) {
		snprintf(addr, sizeof(addr), "%s@%.*s", hex,
		    WEFT_NET_ADDR_MAX - 1, addrs[i]);
		weft_pack_str(&pk, addr);
	}
	weft_pack_str(&pk, "listen");
	if (d->net != NULL && d->net->listen[0] != '\0')
		weft_pack_str(&pk, d->net->listen);
	else
		weft_pack_nil(&pk);
	weft_pack_str(&pk, "network_key_id");
	weft_pack_str(&pk, kid);
	weft_pack_str(&pk, "peers");
	weft_pack_uint(&pk, d->net != NULL ? d->net->peers.nopen : 0);
	weft_pack_str(&pk, "conns_in");
	weft_pack_uint(&pk, d->net != NULL ? d->net->peers.nin : 0);
	weft_pack_str(&pk, "conns_out");
	weft_pack_uint(&pk, d->net != NULL ? d->net->peers.nout : 0);
	weft_pack_str(&pk, "netkey_mismatch");
	weft_pack_uint(&pk, d->net != NULL ?
	    weft_net_netkey_mismatches(d->net) : 0);
	pack_sync_stats(&pk, &sy);
	pack_lan_stats(&pk, d->lan);
	weft__ctl_send(c, &b);
	weft__ctl_done(c);
}

/* stop: shut down as SIGTERM does, after the reply is queued. */

static void
op_stop(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_daemon	*d = c->d;
	struct weft_buf		 b;
	struct weft_pack	 pk;

	(void)req;
	log_info("client %u asked to stop, shutting down", c->id);
	weft__ctl_reply_begin(&pk, &b, 1);
	weft_pack_str(&pk, "pid");
	weft_pack_uint(&pk, (uint64_t)getpid());
	weft__ctl_send(c, &b);
	weft__ctl_done(c);
	weft_daemon_stop(d);
}

/* show */

static void
op_show(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_buf		 env, b;
	struct weft_pack	 pk;
	enum weft_record_type	 type;
	uint8_t			 id[32], design[32];
	bool			 is_rev, conflict;
	int			 err;

	if (weft__ctl_arg_id(c, req, "id", id, true) != 0)
		goto done;
	weft_buf_init(&env, WEFT_RECORD_MAX);
	err = weft_store_record_get(c->d->store, id, &env);
	if (err == 0)
		err = weft_store_record_type(c->d->store, id, &type);
	if (err) {
		weft_buf_release(&env);
		weft__ctl_send_err(c, err, "cannot read record");
		goto done;
	}
	is_rev = type == WEFT_REC_REV &&
	    weft_store_rev_design(c->d->store, id, design) == 0;
	conflict = is_rev && weft__remix_conflict_env(c->d->store, env.data,
	    env.len);
	weft__ctl_reply_begin(&pk, &b, (is_rev ? 4 : 3) + conflict);
	weft_pack_str(&pk, "id");
	weft_pack_bin(&pk, id, 32);
	weft_pack_str(&pk, "type");
	weft_pack_str(&pk, weft_record_type_name(type));
	weft_pack_str(&pk, "record");
	weft_pack_bin(&pk, env.data, env.len);
	if (is_rev) {
		weft_pack_str(&pk, "design");
		weft_pack_bin(&pk, design, 32);
	}
	if (conflict) {
		weft_pack_str(&pk, "conflict");
		weft_pack_bool(&pk, true);
	}
	weft_buf_release(&env);
	weft__ctl_send(c, &b);
done:
	weft__ctl_done(c);
}

/*
 * Resolves a design argument: a design id, or any revision id, which
 * names the design it belongs to. Replies on failure.
 */
static int
arg_design(struct weft_ctl_conn *c, const struct weft_obj *req,
    const char *key, uint8_t design[32])
{
	uint8_t	id[32];
	int	err;

	err = weft__ctl_arg_id(c, req, key, id, true);
	if (err)
		return err;
	err = weft_store_rev_design(c->d->store, id, design);
	if (err == WEFT_EUSAGE)
		weft__ctl_send_err(c, WEFT_ENOTFOUND,
		    "record is not a design revision");
	else if (err)
		weft__ctl_send_err(c, err, "cannot find design");
	return err ? (err == WEFT_EUSAGE ? WEFT_ENOTFOUND : err) : 0;
}

/* log */

static int
heads_cb(void *arg, const uint8_t id[32], const uint8_t *data, size_t len)
{
	struct weft_pack	*pk = arg;
	(void)data;
	(void)len;
	weft_pack_bin(pk, id, 32);
	return 0;
}

static int
count_cb(void *arg, const uint8_t id[32], const uint8_t *data, size_t len)
{
	uint32_t	*n = arg;

	(void)id;
	(void)data;
	(void)len;
	(*n)++;
	return 0;
}

static void
op_log(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_lister	 l;
	struct weft_pack	 pk;
	uint8_t			 design[32];
	uint32_t		 nheads = 0;
	int			 err;

	if (arg_design(c, req, "design", design) != 0) {
		weft__ctl_done(c);
		return;
	}
	weft__lister_init(&l, c);
	weft_pack_init(&pk, &l.extra);
	weft_pack_str(&pk, "design");
	weft_pack_bin(&pk, design, 32);
	weft_pack_str(&pk, "heads");
	err = weft_store_design_heads(c->d->store, design, count_cb, &nheads);
	weft_pack_array(&pk, nheads);
	if (err == 0)
		err = weft_store_design_heads(c->d->store, design, heads_cb,
		    &pk);
	l.nextra = 2;
	if (err == 0)
		err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_store_design_revs(c->d->store, design, list_bin_cb,
		    &l);
	if (err && l.err == 0)
		l.err = err;
	weft__lister_finish(&l);
}

/* tree */

struct tree_node {
	uint8_t		design[32];
	uint8_t		rev[32];
	uint32_t	depth;
};

struct tree {
	struct weft_store	*store;
	struct tree_node	*nodes;
	uint32_t		 n;
	uint8_t			(*seen)[32];
	uint32_t		 nseen;
	uint32_t		 depth;
	int			 err;
};

static bool
tree_seen(struct tree *t, const uint8_t design[32])
{
	for (uint32_t i = 0; i < t->nseen; i++)
		if (memcmp(t->seen[i], design, 32) == 0)
			return true;
	if (t->nseen < TREE_NODES_MAX)
		memcpy(t->seen[t->nseen++], design, 32);
	return false;
}

static void
tree_add(struct tree *t, const uint8_t design[32], const uint8_t rev[32])
{
	if (t->n >= TREE_NODES_MAX)
		return;
	memcpy(t->nodes[t->n].design, design, 32);
	memcpy(t->nodes[t->n].rev, rev, 32);
	t->nodes[t->n].depth = t->depth;
	t->n++;
}

static void	tree_sources(struct tree *, const uint8_t *);
static void	tree_remixes(struct tree *, const uint8_t *);

struct srcs {
	uint8_t		(*ids)[32];
	uint32_t	  n;
};

/* Collects the remix_of revisions of every revision of a design. */
static int
srcs_cb(void *arg, const uint8_t id[32], const uint8_t *data, size_t len)
{
	struct srcs		*s = arg;
	struct weft_record	 r;
	const uint8_t		*body, *sig;
	size_t			 blen;
	int			 err;

	(void)id;
	weft_record_init(&r);
	err = weft_record_open(data, len, &body, &blen, &sig);
	if (err == 0)
		err = weft_record_decode_body(body, blen, &r);
	for (uint32_t i = 0; err == 0 && i < r.remix_of.n; i++) {
		if (s->n >= TREE_NODES_MAX)
			break;
		memcpy(s->ids[s->n++], r.remix_of.ids[i], 32);
	}
	weft_record_release(&r);
	return 0;
}

static void
tree_sources(struct tree *t, const uint8_t *design)
{
	struct srcs	s;
	uint8_t		src[32];

	if (t->depth >= TREE_DEPTH_MAX)
		return;
	s.n = 0;
	s.ids = malloc(TREE_NODES_MAX * 32);
	if (s.ids == NULL) {
		t->err = -ENOMEM;
		return;
	}
	weft_store_design_revs(t->store, design, srcs_cb, &s);
	t->depth++;
	for (uint32_t i = 0; i < s.n; i++) {
		if (weft_store_rev_design(t->store, s.ids[i], src) != 0)
			memset(src, 0, 32);
		if (tree_seen(t, src))
			continue;
		tree_add(t, src, s.ids[i]);
		if (memcmp(src, (uint8_t[32]){0}, 32) != 0)
			tree_sources(t, src);
	}
	t->depth--;
	free(s.ids);
}

static int
remix_cb(void *arg, const uint8_t id[32], const uint8_t *data, size_t len)
{
	struct srcs	*s = arg;

	(void)data;
	(void)len;
	if (s->n < TREE_NODES_MAX)
		memcpy(s->ids[s->n++], id, 32);
	return 0;
}

static void
tree_remixes(struct tree *t, const uint8_t *design)
{
	struct srcs	s;

	if (t->depth >= TREE_DEPTH_MAX)
		return;
	s.n = 0;
	s.ids = malloc(TREE_NODES_MAX * 32);
	if (s.ids == NULL) {
		t->err = -ENOMEM;
		return;
	}
	weft_store_design_remixes(t->store, design, remix_cb, &s);
	t->depth++;
	for (uint32_t i = 0; i < s.n; i++) {
		if (tree_seen(t, s.ids[i]))
			continue;
		/* A remix's genesis id is its design id. */
		tree_add(t, s.ids[i], s.ids[i]);
		tree_remixes(t, s.ids[i]);
	}
	t->depth--;
	free(s.ids);
}

/*
 * Packs a tree node: title, license, conflict, design, rev, author,
 * depth.
 */
static void
pack_tree_node(struct weft_store *store, struct weft_pack *pk,
    const struct tree_node *n)
{
	struct weft_buf		 sb;
	struct weft_msg		 m;
	const struct weft_obj	*title = NULL, *author = NULL;
	const char		*s = "", *l = "";
	size_t			 slen = 0, llen = 0;
	uint8_t			 auth[32] = { 0 };
	bool			 conflict = false;

	weft_buf_init(&sb, 64 * 1024);
	if (weft_store_design_summary(store, n->design, &sb) == 0 &&
	    weft_msg_decode(&m, sb.data, sb.len) == 0) {
		title = weft_obj_get(m.root, "title");
		author = weft_obj_get(m.root, "author");
		if (weft_obj_str(title, &s, &slen) != 0) {
			s = "";
			slen = 0;
		}
		if (weft_obj_str(weft_obj_get(m.root, "license"), &l,
		    &llen) != 0) {
			l = "";
			llen = 0;
		}
		if (weft_obj_bool(weft_obj_get(m.root, "conflict"),
		    &conflict) != 0)
			conflict = false;
		weft_obj_binn(author, auth, 32);
		weft_pack_map(pk, 7);
		weft_pack_str(pk, "title");
		weft_pack_strn(pk, s, slen);
		weft_pack_str(pk, "license");
		weft_pack_strn(pk, l, llen);
		weft_msg_release(&m);
	} else {
		weft_pack_map(pk, 7);
		weft_pack_str(pk, "title");
		weft_pack_str(pk, "");
		weft_pack_str(pk, "license");
		weft_pack_str(pk, "");
	}
	weft_pack_str(pk, "conflict");
	weft_pack_bool(pk, conflict);
	weft_buf_release(&sb);
	weft_pack_str(pk, "design");
	weft_pack_bin(pk, n->design, 32);
	weft_pack_str(pk, "rev");
	weft_pack_bin(pk, n->rev, 32);
	weft_pack_str(pk, "author");
	weft_pack_bin(pk, auth, 32);
	weft_pack_str(pk, "depth");
	weft_pack_uint(pk, n->depth);
}

static void
op_tree(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct tree		 t;
	struct weft_buf		 b, sum;
	struct weft_pack	 pk;
	uint8_t			 design[32];
	uint32_t		 nsrc;
	int			 err;

	if (arg_design(c, req, "design", design) != 0) {
		weft__ctl_done(c);
		return;
	}
	memset(&t, 0, sizeof(t));
	t.store = c->d->store;
	t.nodes = calloc(TREE_NODES_MAX, sizeof(*t.nodes));
	t.seen = calloc(TREE_NODES_MAX, 32);
	weft_buf_init(&sum, 64 * 1024);
	if (t.nodes == NULL || t.seen == NULL) {
		err = -ENOMEM;
		goto fail;
	}
	err = weft_store_design_summary(c->d->store, design, &sum);
	if (err)
		goto fail;
	tree_seen(&t, design);
	tree_sources(&t, design);
	nsrc = t.n;
	tree_remixes(&t, design);
	if (t.err) {
		err = t.err;
		goto fail;
	}
	weft__ctl_reply_begin(&pk, &b, 3);
	weft_pack_str(&pk, "design");
	weft_pack_raw(&pk, sum.data, sum.len);
	weft_pack_str(&pk, "sources");
	weft_pack_array(&pk, nsrc);
	for (uint32_t i = 0; i < nsrc; i++)
		pack_tree_node(c->d->store, &pk, &t.nodes[i]);
	weft_pack_str(&pk, "remixes");
	weft_pack_array(&pk, t.n - nsrc);
	for (uint32_t i = nsrc; i < t.n; i++)
		pack_tree_node(c->d->store, &pk, &t.nodes[i]);
	if (weft_pack_error(&pk)) {
		err = weft_pack_error(&pk);
		weft_buf_release(&b);
		goto fail;
	}
	weft__ctl_send(c, &b);
	goto out;
fail:
	weft__ctl_send_err(c, err, "cannot build the remix tree");
out:
	weft_buf_release(&sum);
	free(t.nodes);
	free(t.seen);
	weft__ctl_done(c);
}

/* ls, search */

/*
 * ls is paced: a page of designs per frame, read in its own short
 * transaction, and the next page only once the client has taken most of
 * what was sent, so a listing of any length holds a few MiB at most and
 * the client prints while the daemon reads.
 */
#define LS_PAGE		4096

struct ls_walk {
	struct weft_lister	 l;
	uint8_t			 author[32];
	bool			 has_author;
	char			*tag;
	uint8_t			 pos[WEFT_STORE_POS_BYTES];
	struct weft_lic_filter	 lf;
};

static void
ls_free(struct weft_ctl_conn *c)
{
	struct ls_walk	*w = c->resume_arg;

	c->resume = NULL;
	c->resume_arg = NULL;
	weft_buf_release(&w->l.items);
	weft_buf_release(&w->l.extra);
	free(w->tag);
	free(w);
}

static void
ls_pump(struct weft_ctl_conn *c)
{
	struct ls_walk		*w = c->resume_arg;
	struct lic_filtered	 fl;
	bool			 more = true;
	int			 err;

	if (c->closing) {
		ls_free(c);
		return;
	}
	fl.l = &w->l;
	fl.f = &w->lf;
	while (c->wq_bytes <= WEFT_CTL_WQ_PAUSE) {
		err = weft_store_designs_page(c->d->store,
		    w->has_author ? w->author : NULL, w->tag, w->pos, LS_PAGE,
		    &more, list_lic_cb, &fl);
		if (err && w->l.err == 0)
			w->l.err = err;
		if (w->l.err || !more)
			break;
		if (w->l.n > 0 && lister_flush(&w->l, true) != 0)
			return;		/* closing: freed on close */
		if (c->closing)
			return;
	}
	if (more && w->l.err == 0)
		return;			/* write_cb resumes */
	/* The lister's buffers are released by finish. */
	c->resume = NULL;
	weft__lister_finish(&w->l);
	free(w->tag);
	free(w);
	c->resume_arg = NULL;
}

static void
op_ls(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct ls_walk	*w;
	char		*author_hex = NULL;

	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "ls");
		weft__ctl_done(c);
		return;
	}
	if (weft__ctl_arg_str(c, req, "author", 64, &author_hex) != 0 ||
	    weft__ctl_arg_str(c, req, "tag", WEFT_TAG_MAX, &w->tag) != 0 ||
	    weft__lic_filter_arg(c, req, &w->lf) != 0)
		goto out;
	if (author_hex != NULL) {
		if (weft_hex_decode(w->author, 32, author_hex,
		    strlen(author_hex)) != 0) {
			weft__ctl_send_err(c, WEFT_EUSAGE,
			    "author '%s' is not a 64-hex author id",
			    author_hex);
			goto out;
		}
		w->has_author = true;
	}
	free(author_hex);
	weft__lister_init(&w->l, c);
	c->resume = ls_pump;
	c->resume_arg = w;
	ls_pump(c);
	return;
out:
	free(author_hex);
	free(w->tag);
	free(w);
	weft__ctl_done(c);
}

static void
op_search(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_lister	 l;
	struct weft_lic_filter	 lf;
	struct lic_filtered	 fl;
	char			*q = NULL;
	int			 err;

	if (weft__ctl_arg_str(c, req, "query", 1024, &q) != 0 ||
	    weft__lic_filter_arg(c, req, &lf) != 0)
		goto out;
	if (q == NULL || *q == '\0') {
		weft__ctl_send_err(c, WEFT_EUSAGE, "the query has no words");
		goto out;
	}
	weft__lister_init(&l, c);
	fl.l = &l;
	fl.f = &lf;
	err = weft_store_search(c->d->store, q, list_lic_cb, &fl);
	if (err == WEFT_EUSAGE && l.n == 0) {
		/* Only punctuation or spaces: nothing to look up. */
		weft__ctl_send_err(c, err, "the query has no words");
		weft_buf_release(&l.items);
		weft_buf_release(&l.extra);
		goto out;
	}
	if (err && l.err == 0)
		l.err = err;
	weft__lister_finish(&l);
	free(q);
	return;
out:
	free(q);
	weft__ctl_done(c);
}

/* library */

static void
op_library_create(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_record	 r;
	struct weft_buf		 env;
	char			*name = NULL, *desc = NULL;
	int			 err;

	weft_record_init(&r);
	if (weft__ctl_arg_str(c, req, "name", WEFT_NAME_MAX, &name) != 0 ||
	    weft__ctl_arg_str(c, req, "description", WEFT_DESC_MAX,
	    &desc) != 0)
		goto fail;
	if (name == NULL || *name == '\0') {
		weft__ctl_send_err(c, WEFT_EUSAGE, "a library needs a name");
		goto fail;
	}
	r.type = WEFT_REC_LIB;
	r.name = name;
	r.description = desc ? desc : strdup("");
	name = desc = NULL;
	r.maintainers.ids = malloc(32);
	if (r.description == NULL || r.maintainers.ids == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "library");
		goto fail;
	}
	memcpy(r.maintainers.ids[0], c->d->author.pk, 32);
	r.maintainers.n = 1;
	err = weft__record_make(c->d, &r, 0, &env);
	if (err) {
		weft_buf_release(&env);
		weft__ctl_send_err(c, err, "cannot create library");
		goto fail;
	}
	weft_record_release(&r);
	weft__put_and_reply(c, &env, false);
	return;
fail:
	free(name);
	free(desc);
	weft_record_release(&r);
	weft__ctl_done(c);
}

static void
op_library_entry(struct weft_ctl_conn *c, const struct weft_obj *req,
    enum weft_entry_action action)
{
	struct weft_record	 r;
	struct weft_buf		 env;
	enum weft_record_type	 type;
	uint8_t			 lib[32], design[32];
	int			 err;

	weft_record_init(&r);
	if (weft__ctl_arg_id(c, req, "lib", lib, true) != 0)
		goto out;
	if (weft_store_record_type(c->d->store, lib, &type) != 0 ||
	    type != WEFT_REC_LIB) {
		weft__ctl_send_err(c, WEFT_ENOTFOUND, "not a library");
		goto out;
	}
	if (arg_design(c, req, "design", design) != 0)
		goto out;
	r.type = WEFT_REC_ENTRY;
	memcpy(r.lib, lib, 32);
	memcpy(r.entry_design, design, 32);
	r.action = action;
	err = weft__record_make(c->d, &r, 0, &env);
	if (err) {
		weft_buf_release(&env);
		weft__ctl_send_err(c, err, "cannot create library entry");
		goto out;
	}
	weft_record_release(&r);
	weft__put_and_reply(c, &env, false);
	return;
out:
	weft_record_release(&r);
	weft__ctl_done(c);
}

static void
op_library_ls(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_lister	 l;
	struct weft_record	 r;
	struct weft_buf		 env;
	struct weft_pack	 pk;
	enum weft_record_type	 type;
	uint8_t			 lib[32];
	int			 err;

	weft_record_init(&r);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	if (weft__ctl_arg_id(c, req, "lib", lib, true) != 0)
		goto out;
	err = weft_store_record_type(c->d->store, lib, &type);
	if (err == 0 && type != WEFT_REC_LIB)
		err = WEFT_ENOTFOUND;
	if (err == 0)
		err = weft_store_record_get(c->d->store, lib, &env);
	if (err == 0)
		err = weft_record_verify(env.data, env.len, &r, NULL);
	if (err) {
		weft__ctl_send_err(c, err, "not a library");
		goto out;
	}
	weft__lister_init(&l, c);
	weft_pack_init(&pk, &l.extra);
	weft_pack_str(&pk, "lib");
	weft_pack_bin(&pk, lib, 32);
	weft_pack_str(&pk, "name");
	weft_pack_str(&pk, r.name);
	weft_pack_str(&pk, "maintainers");
	weft_pack_array(&pk, r.maintainers.n);
	for (uint32_t i = 0; i < r.maintainers.n; i++)
		weft_pack_bin(&pk, r.maintainers.ids[i], 32);
	l.nextra = 3;
	err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_store_lib_designs(c->d->store, lib, list_raw_cb, &l);
	if (err && l.err == 0)
		l.err = err;
	weft_buf_release(&env);
	weft_record_release(&r);
	weft__lister_finish(&l);
	return;
out:
	weft_buf_release(&env);
	weft_record_release(&r);
	weft__ctl_done(c);
}

/* verify */

struct bad {
	char		kind[8];
	uint8_t		id[32];
	int		err;
};

struct verify_job {
	struct weft_store	*store;
	struct bad		*bad;
	uint32_t		 nbad;
	uint64_t		 records;
	uint64_t		 chunks;
};

static void
verify_bad_cb(void *arg, const char *kind, const uint8_t id[32], int err)
{
	struct verify_job	*j = arg;

	if (j->nbad >= VERIFY_BAD_MAX)
		return;
	snprintf(j->bad[j->nbad].kind, sizeof(j->bad[0].kind), "%s", kind);
	memcpy(j->bad[j->nbad].id, id, 32);
	j->bad[j->nbad].err = err;
	j->nbad++;
}

static int
verify_work(void *arg)
{
	struct verify_job	*j = arg;

	return weft_store_verify(j->store, verify_bad_cb, j, &j->records,
	    &j->chunks);
}

static void
verify_done(struct weft_ctl_conn *c, void *arg, int status)
{
	struct verify_job	*j = arg;
	struct weft_buf		 b;
	struct weft_pack	 pk;

	if (status) {
		weft__ctl_send_err(c, status, "verify");
	} else {
		weft__ctl_reply_begin(&pk, &b, 3);
		weft_pack_str(&pk, "records");
		weft_pack_uint(&pk, j->records);
		weft_pack_str(&pk, "chunks");
		weft_pack_uint(&pk, j->chunks);
		weft_pack_str(&pk, "bad");
		weft_pack_array(&pk, j->nbad);
		for (uint32_t i = 0; i < j->nbad; i++) {
			weft_pack_map(&pk, 3);
			weft_pack_str(&pk, "kind");
			weft_pack_str(&pk, j->bad[i].kind);
			weft_pack_str(&pk, "id");
			weft_pack_bin(&pk, j->bad[i].id, 32);
			weft_pack_str(&pk, "error");
			weft_pack_str(&pk, weft_strerror(j->bad[i].err));
		}
		if (j->nbad > 0)
			log_warnx("verify: %u bad items in the store", j->nbad);
		weft__ctl_send(c, &b);
	}
	free(j->bad);
	free(j);
	weft__ctl_done(c);
}

static void
op_verify(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct verify_job	*j;
	int			 err;

	(void)req;
	j = calloc(1, sizeof(*j));
	if (j != NULL)
		j->bad = calloc(VERIFY_BAD_MAX, sizeof(*j->bad));
	if (j == NULL || j->bad == NULL) {
		if (j != NULL)
			free(j);
		weft__ctl_send_err(c, -ENOMEM, "verify");
		weft__ctl_done(c);
		return;
	}
	j->store = c->d->store;
	c->state = WEFT_CTL_BUSY;
	err = weft__ctl_work(c, verify_work, verify_done, j);
	if (err)
		verify_done(c, j, err);
}

/* Dispatch */

static void
op_library_add(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	op_library_entry(c, req, WEFT_ENTRY_ADD);
}

static void
op_library_remove(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	op_library_entry(c, req, WEFT_ENTRY_REMOVE);
}

static const struct {
	const char	*name;
	void		(*fn)(struct weft_ctl_conn *, const struct weft_obj *);
} ops[] = {
	{ "status", op_status },
	{ "publish", weft__op_publish },
	{ "fork", weft__op_fork },
	{ "show", op_show },
	{ "log", op_log },
	{ "tree", op_tree },
	{ "ls", op_ls },
	{ "search", op_search },
	{ "get", weft__op_get },
	{ "library_create", op_library_create },
	{ "library_add", op_library_add },
	{ "library_remove", op_library_remove },
	{ "library_ls", op_library_ls },
	{ "verify", op_verify },
	{ "follow", weft__op_follow },
	{ "unfollow", weft__op_unfollow },
	{ "mirror", weft__op_mirror },
	{ "unmirror", weft__op_unmirror },
	{ "policies", weft__op_policies },
	{ "peers", weft__op_peers },
	{ "connect", weft__op_connect },
	{ "push", weft__op_push },
	{ "stop", op_stop },
	{ "known", weft__op_known },
	{ "forget", weft__op_forget },
	{ "disconnect", weft__op_disconnect },
	{ "grant", weft__op_grant },
	{ "grants", weft__op_grants },
	{ "credits", weft__op_credits },
};

void
weft__ops_dispatch(struct weft_ctl_conn *c, const struct weft_obj *req,
    uint8_t *body, bool *keep)
{
	uint64_t	 v;
	const char	*op;
	size_t		 oplen;
	char		 name[32];

	(void)body;
	*keep = false;
	if (weft_obj_uint(weft_obj_get(req, "v"), &v) != 0 ||
	    weft_obj_str(weft_obj_get(req, "op"), &op, &oplen) != 0) {
		weft__ctl_send_err(c, WEFT_EPROTO,
		    "request without 'v' and 'op'");
		weft__ctl_close(c);
		return;
	}
	if (v != WEFT_CTL_VERSION) {
		weft__ctl_send_err(c, WEFT_EVERSION,
		    "control protocol version %llu", (unsigned long long)v);
		weft__ctl_close(c);
		return;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(oplen < 31 ? oplen : 31),
	    op);
	c->state = WEFT_CTL_BUSY;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strlen(ops[i].name) == oplen &&
		    memcmp(ops[i].name, op, oplen) == 0) {
			log_debug("client %u: %s", c->id, ops[i].name);
			ops[i].fn(c, req);
			return;
		}
	}
	weft__ctl_send_err(c, WEFT_EPROTO, "unknown operation '%s'", name);
	weft__ctl_close(c);
}
