/*
 * The op table, and the request handlers that read the store (status,
 * show, log, tree, ls, search, library_ls) or write small records
 * (library_create, library_add, library_remove) or scrub it (verify), and
 * stop, which shuts the daemon down.
 * publish.c and get.c hold the streaming ones. Reads run on the loop in
 * short read transactions; writes and the scrub run on the thread pool
 * (WEFT_OP_POOL: ctl.c's dispatcher queues them and replies).
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
#include "weft/ctlmsg.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"
#include "weft/version.h"

#include "ctl.h"
#include "fetch.h"
#include "log.h"
#include "ops.h"
#include "ops_geom.h"
#include "ops_license.h"
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
	err = weft_store_resolve(c->env->store, s, id);
	if (err == 0)
		err = weft__ctl_retracted(c, id);
	/* A whole id a block took out: say so. */
	if (err == WEFT_ENOTFOUND && strlen(s) == 64 &&
	    weft_hex_decode(id, 32, s, 64) == 0 &&
	    weft__ctl_blocked_gone(c, id) == WEFT_EBLOCKED)
		err = WEFT_EBLOCKED;
	if (err == WEFT_ERETRACTED || err == WEFT_EBLOCKED)
		;	/* replied */
	else if (err == WEFT_EUSAGE)
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
	int			 err;

	weft__ctl_reply_begin(&pk, &b, 2 + (l->sent ? 0 : l->nextra));
	/*
	 * At once (the keys around the items take 26 bytes at most):
	 * growing by doubling copied a 1 MiB frame a dozen times.
	 */
	err = weft_buf_reserve(&b, 32 + (l->sent ? 0 : l->extra.len) +
	    l->items.len);
	if (err) {
		weft_buf_release(&b);
		return err;
	}
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
	bool				 want_short;	/* add "short" */
};

static int	list_short_cb(void *, const uint8_t [32], const uint8_t *,
		    size_t);

static int
list_lic_cb(void *arg, const uint8_t id[32], const uint8_t *data, size_t len)
{
	struct lic_filtered	*fl = arg;

	if (!weft__lic_filter_match(fl->f, data, len))
		return 0;
	if (fl->want_short)
		return list_short_cb(fl->l, id, data, len);
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

int
weft__record_make(const struct weft_ctl_env *env, struct weft_record *r,
    uint64_t min_ts, struct weft_buf *out)
{
	struct weft_buf	body;
	int		err;

	memcpy(r->author, env->author->pk, WEFT_PK_BYTES);
	r->ts = weft__ctl_now_ms(env);
	if (r->ts < min_ts)
		r->ts = min_ts;
	weft_buf_init(&body, WEFT_RECORD_MAX);
	weft_buf_init(out, WEFT_RECORD_MAX);
	err = weft_record_encode_body(r, &body);
	if (err == 0)
		err = weft_record_sign(body.data, body.len, env->author->sk,
		    out);
	weft_buf_release(&body);
	return err;
}

int
weft__put_work(void *arg)
{
	struct weft_put_job	*j = arg;

	return weft_store_record_put(j->store, j->env.data, j->env.len, j->id);
}

void
weft__put_reply(struct weft_ctl_conn *c, void *arg)
{
	struct weft_put_job	*j = arg;
	struct weft_buf		 b;
	struct weft_pack	 pk;

	if (c->env->sync != NULL)
		weft_sync_local_record(c->env->sync, j->id, j->env.data,
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

void
weft__put_release(void *arg)
{
	struct weft_put_job	*j = arg;

	weft_buf_release(&j->env);
}

static void
put_now_done(struct weft_ctl_conn *c, void *arg, int status)
{
	struct weft_put_job	*j = arg;

	if (!c->closing) {
		if (status)
			weft__ctl_send_err(c, status, "cannot store record");
		else
			weft__put_reply(c, j);
	}
	weft__put_release(j);
	free(j);
	weft__ctl_done(c);
}

void
weft__put_now(struct weft_ctl_conn *c, struct weft_buf *env)
{
	struct weft_put_job	*j;
	int			 err;

	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		weft_buf_release(env);
		weft__ctl_send_err(c, -ENOMEM, "cannot store record");
		weft__ctl_done(c);
		return;
	}
	j->store = c->env->store;
	j->env = *env;
	weft_buf_init(env, 0);
	c->state = WEFT_CTL_BUSY;
	err = weft__ctl_work(c, weft__put_work, put_now_done, j);
	if (err)
		put_now_done(c, j, err);
}

/* status */

/*
 * The status reply (docs/proto/control.md, "status" and "Typed replies")
 * is filled from each subsystem's stats struct and packed by
 * weft_ctlmsg_status_encode(), the encoder weft's decoder mirrors.
 */
_Static_assert(WEFT_NET_LISTEN_ADDRS <= WEFT_CTLMSG_ADDRS_MAX,
    "status carries every listen address");

/* Where others can dial this node, as NODEID@HOST:PORT. */
struct status_addrs {
	char	v[WEFT_NET_LISTEN_ADDRS][65 + WEFT_NET_ADDR_MAX];
	char	kid[17];
};

static void
status_sync(struct weft_ctlmsg_sync *out, const struct weft_sync_stats *sy)
{
	out->peers = sy->peers;
	out->stored = sy->stored;
	out->dups = sy->dups;
	out->rejected = sy->rejected;
	out->has_blocked = true;
	out->blocked = sy->blocked;
	out->held = sy->held;
	out->queued = sy->queued;
	out->rounds = sy->rounds;
	out->msgs_in = sy->msgs_in;
	out->msgs_out = sy->msgs_out;
	out->bytes_in = sy->bytes_in;
	out->bytes_out = sy->bytes_out;
}

/* LAN discovery: "on", and while on, the nodes heard and the counters. */
static void
status_lan(struct weft_ctlmsg_lan *out, const struct weft_ctl_net *cn)
{
	struct weft_lan_stats	st;

	if (cn->lan == NULL)
		return;
	cn->lan_stats(cn->lan, &st);
	out->on = true;
	out->port = st.port;
	out->nodes = st.nodes;
	out->received = st.received;
	out->rejected = st.rejected;
	out->opened4 = st.opened4;
	out->opened6 = st.opened6;
	out->accepted = st.accepted;
	out->sent = st.sent;
}

/*
 * "disk": the store's disk and the gate on fetching and ingest (space.h);
 * "files": file transfer's counters.
 */
static void
status_disk(struct weft_ctlmsg_status *out, const struct weft_ctl_env *d)
{
	struct weft_space_stats	 sp;
	struct weft_fetch_stats	 fs;
	uint64_t		 now = weft__ctl_now_ms(d);

	weft_space_stats(d->space, now, &sp);
	out->disk.paused = sp.paused;
	out->disk.error = weft_ctlmsg_cstr(sp.paused ?
	    weft_strerror(sp.err) : NULL);
	out->disk.free = sp.avail;
	out->disk.reserve = sp.reserve;
	out->disk.failures = sp.failures;
	out->disk.has_max_store = sp.max_store != 0;
	out->disk.max_store = sp.max_store;
	out->disk.at_max = sp.at_max;
	out->disk.store_bytes = sp.chunk_bytes;
	memset(&fs, 0, sizeof(fs));
	if (d->fetch != NULL)
		weft_fetch_stats(d->fetch, now, &fs);
	out->files.received = fs.received;
	out->files.stored = fs.bytes;
	out->files.served = fs.served;
}

/*
 * The network, from the net's stats: the addresses others can dial (not
 * 0.0.0.0), the peers.
 */
static void
status_net(struct weft_ctlmsg_status *out, const struct weft_ctl_env *d,
    const struct weft_net_stats *ns, struct status_addrs *sa)
{
	char	hex[65];
	size_t	naddrs = ns->naddrs;

	if (naddrs > WEFT_NET_LISTEN_ADDRS)
		naddrs = WEFT_NET_LISTEN_ADDRS;
	weft_hex_encode(hex, d->node, 32);
	for (size_t i = 0; i < naddrs; i++) {
		snprintf(sa->v[i], sizeof(sa->v[i]), "%s@%.*s", hex,
		    WEFT_NET_ADDR_MAX - 1, ns->addrs[i]);
		out->addresses[i] = weft_ctlmsg_cstr(sa->v[i]);
	}
	out->naddresses = (uint32_t)naddrs;
	out->address = weft_ctlmsg_cstr(naddrs > 0 ? sa->v[0] : NULL);
	out->listen = weft_ctlmsg_cstr(ns->listen[0] != '\0' ? ns->listen :
	    NULL);
	snprintf(sa->kid, sizeof(sa->kid), "%016" PRIX64,
	    weft_key_id(d->network_key));
	out->network_key_id = weft_ctlmsg_cstr(sa->kid);
	out->peers = ns->peers;
	out->conns_in = ns->conns_in;
	out->conns_out = ns->conns_out;
	out->netkey_mismatch = ns->netkey_mismatch;
}

static void
op_status(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	const struct weft_ctl_env	*d = c->env;
	struct weft_store_stats		 st;
	struct weft_store_missing	 miss;
	struct weft_sync_stats		 sy;
	struct weft_net_stats		*ns = NULL;
	struct weft_ctlmsg_status	*out;
	struct status_addrs		*sa;
	struct weft_buf			 b;
	struct weft_pack		 pk;
	int				 err;

	(void)req;
	out = calloc(1, sizeof(*out));
	sa = calloc(1, sizeof(*sa));
	/* About 4 KiB of addresses: not on the stack. */
	ns = calloc(1, sizeof(*ns));
	if (out == NULL || sa == NULL || ns == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "status");
		goto done;
	}
	err = weft_store_stats(d->store, &st);
	if (err) {
		weft__ctl_send_err(c, err, "cannot read store statistics");
		goto done;
	}
	err = weft_store_missing_stats(d->store, &miss);
	if (err) {
		weft__ctl_send_err(c, err, "cannot count what is missing");
		goto done;
	}
	if (d->net.net != NULL)
		d->net.stats(d->net.net, ns);
	memset(&sy, 0, sizeof(sy));
	if (d->sync != NULL)
		weft_sync_stats(d->sync, &sy);
	status_disk(out, d);
	out->missing.records = sy.held + sy.queued; /* heard of, not stored */
	out->missing.files = miss.files;
	out->missing.designs = miss.designs;
	out->missing.bytes = miss.bytes;
	out->version = weft_ctlmsg_cstr(WEFT_VERSION_STRING);
	memcpy(out->author, d->author->pk, 32);
	memcpy(out->node, d->node, 32);
	out->home = weft_ctlmsg_cstr(d->home);
	out->records = st.records;
	out->designs = st.designs;
	out->libs = st.libs;
	out->chunks = st.chunks;
	out->chunk_bytes = st.chunk_bytes;
	out->map_size = st.map_size;
	out->map_used = st.map_used;
	out->uptime_ms = weft__ctl_now_ms(d) - d->started_ms;
	out->reclaimable = weft_store_reclaimable(d->store);
	out->has_reclaimable = out->reclaimable != UINT64_MAX;
	status_net(out, d, ns, sa);
	status_sync(&out->sync, &sy);
	status_lan(&out->lan, &d->net);
	if (d->web != NULL && d->web[0] != '\0') {
		out->has_web = true;
		out->web = weft_ctlmsg_cstr(d->web);
	}
	weft_buf_init(&b, WEFT_CTL_FRAME_MAX);
	weft_pack_init(&pk, &b);
	weft_ctlmsg_status_encode(&pk, out);
	if (weft_pack_error(&pk)) {
		weft_buf_release(&b);
		weft__ctl_send_err(c, weft_pack_error(&pk), "status");
	} else
		weft__ctl_send(c, &b);
done:
	free(ns);
	free(sa);
	free(out);
	weft__ctl_done(c);
}

/* stop: shut down as SIGTERM does, after the reply is queued. */

static void
op_stop(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	const struct weft_ctl_env *env = c->env;
	struct weft_buf		 b;
	struct weft_pack	 pk;

	(void)req;
	log_info("client %u asked to stop, shutting down", c->id);
	weft__ctl_reply_begin(&pk, &b, 1);
	weft_pack_str(&pk, "pid");
	weft_pack_uint(&pk, (uint64_t)getpid());
	weft__ctl_send(c, &b);
	weft__ctl_done(c);
	env->stop(env->stop_arg);
}

/* show */

struct show_head {
	struct weft_buf	*env;
	uint8_t		*id;
	bool		 got;
};

/* Keeps the first head given: the newest. */
static int
show_head_cb(void *arg, const uint8_t id[32], const uint8_t *data,
    size_t len)
{
	struct show_head	*h = arg;

	if (h->got)
		return 0;
	h->got = true;
	memcpy(h->id, id, 32);
	weft_buf_reset(h->env);
	return weft_buf_add(h->env, data, len);
}

static void
op_show(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_ctlmsg_show	 sh;
	struct weft_buf		 env, b;
	struct weft_pack	 pk;
	struct show_head	 h;
	const struct weft_obj	*ho;
	enum weft_record_type	 type;
	uint8_t			 id[32], design[32];
	char			 why[256];
	bool			 is_rev, head = false;
	int			 err;

	if (weft__ctl_arg_id(c, req, "id", id, true) != 0)
		goto done;
	/* "head": a design id shows the design's newest head. */
	ho = weft_obj_get(req, "head");
	if (ho != NULL && weft_obj_bool(ho, &head) != 0) {
		weft__ctl_send_err(c, WEFT_EBADFIELD,
		    "'head' must be a boolean");
		goto done;
	}
	weft_buf_init(&env, WEFT_RECORD_MAX);
	err = weft_store_record_get(c->env->store, id, &env);
	if (err == 0)
		err = weft_store_record_type(c->env->store, id, &type);
	if (err) {
		weft_buf_release(&env);
		weft__ctl_send_err(c, err, "cannot read record");
		goto done;
	}
	is_rev = type == WEFT_REC_REV &&
	    weft_store_rev_design(c->env->store, id, design) == 0;
	if (is_rev && head && memcmp(id, design, 32) == 0) {
		h.env = &env;
		h.id = id;
		h.got = false;
		err = weft_store_design_heads(c->env->store, design,
		    show_head_cb, &h);
		if (err) {
			weft_buf_release(&env);
			weft__ctl_send_err(c, err, "cannot read the heads");
			goto done;
		}
	}
	memset(&sh, 0, sizeof(sh));
	memcpy(sh.id, id, 32);
	sh.type = weft_ctlmsg_cstr(weft_record_type_name(type));
	sh.record = env.data;
	sh.record_len = env.len;
	sh.has_design = is_rev;
	if (is_rev)
		memcpy(sh.design, design, 32);
	sh.conflict = is_rev && weft__remix_conflict_env(c->env->store,
	    env.data, env.len);
	if (is_rev && weft__mod_why(c->env->store, design, why,
	    sizeof(why)) == 0) {
		sh.has_moderation = true;
		sh.moderation = weft_ctlmsg_cstr(why);
	}
	weft_buf_init(&b, WEFT_CTL_FRAME_MAX);
	weft_pack_init(&pk, &b);
	weft_ctlmsg_show_encode(&pk, &sh);
	weft_buf_release(&env);
	if (weft_pack_error(&pk)) {
		weft_buf_release(&b);
		weft__ctl_send_err(c, weft_pack_error(&pk), "show");
	} else {
		weft__ctl_send(c, &b);
	}
done:
	weft__ctl_done(c);
}

/*
 * Resolves a design argument: a design id, or any revision id, which
 * names the design it belongs to. Replies on failure.
 */
int
weft__ctl_arg_design(struct weft_ctl_conn *c, const struct weft_obj *req,
    const char *key, uint8_t design[32])
{
	uint8_t	id[32];
	int	err;

	err = weft__ctl_arg_id(c, req, key, id, true);
	if (err)
		return err;
	err = weft_store_rev_design(c->env->store, id, design);
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

	if (weft__ctl_arg_design(c, req, "design", design) != 0) {
		weft__ctl_done(c);
		return;
	}
	weft__lister_init(&l, c);
	weft_pack_init(&pk, &l.extra);
	weft_pack_str(&pk, "design");
	weft_pack_bin(&pk, design, 32);
	weft_pack_str(&pk, "heads");
	err = weft_store_design_heads(c->env->store, design, count_cb, &nheads);
	weft_pack_array(&pk, nheads);
	if (err == 0)
		err = weft_store_design_heads(c->env->store, design, heads_cb,
		    &pk);
	l.nextra = 2;
	if (err == 0)
		err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_store_design_revs(c->env->store, design, list_bin_cb,
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
 * depth, the counts (likes, comments, makes, remixes) and author_name
 * ("" when the author has no profile or the design is not here).
 */
static void
pack_tree_node(struct weft_store *store, struct weft_pack *pk,
    const struct tree_node *n)
{
	static const char *const counts[] = {
		"likes", "comments", "makes", "remixes",
	};
	struct weft_buf		 sb;
	struct weft_msg		 m;
	const struct weft_obj	*author = NULL;
	const char		*s = "", *l = "", *an = "";
	size_t			 slen = 0, llen = 0, anlen = 0;
	uint64_t		 cn[4] = { 0, 0, 0, 0 };
	uint8_t			 auth[32] = { 0 };
	bool			 conflict = false, got = false;

	weft_buf_init(&sb, 64 * 1024);
	if (weft_store_design_card(store, n->design, &sb) == 0 &&
	    weft_msg_decode(&m, sb.data, sb.len) == 0) {
		got = true;
		author = weft_obj_get(m.root, "author");
		if (weft_obj_str(weft_obj_get(m.root, "title"), &s,
		    &slen) != 0) {
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
		if (weft_obj_str(weft_obj_get(m.root, "author_name"), &an,
		    &anlen) != 0) {
			an = "";
			anlen = 0;
		}
		for (size_t i = 0; i < 4; i++)
			if (weft_obj_uint(weft_obj_get(m.root, counts[i]),
			    &cn[i]) != 0)
				cn[i] = 0;
		weft_obj_binn(author, auth, 32);
	}
	weft_pack_map(pk, 12);
	weft_pack_str(pk, "title");
	weft_pack_strn(pk, s, slen);
	weft_pack_str(pk, "license");
	weft_pack_strn(pk, l, llen);
	weft_pack_str(pk, "conflict");
	weft_pack_bool(pk, conflict);
	weft_pack_str(pk, "design");
	weft_pack_bin(pk, n->design, 32);
	weft_pack_str(pk, "rev");
	weft_pack_bin(pk, n->rev, 32);
	weft_pack_str(pk, "author");
	weft_pack_bin(pk, auth, 32);
	weft_pack_str(pk, "depth");
	weft_pack_uint(pk, n->depth);
	for (size_t i = 0; i < 4; i++) {
		weft_pack_str(pk, counts[i]);
		weft_pack_uint(pk, cn[i]);
	}
	weft_pack_str(pk, "author_name");
	weft_pack_strn(pk, an, anlen);
	if (got)
		weft_msg_release(&m);
	weft_buf_release(&sb);
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

	if (weft__ctl_arg_design(c, req, "design", design) != 0) {
		weft__ctl_done(c);
		return;
	}
	memset(&t, 0, sizeof(t));
	t.store = c->env->store;
	t.nodes = calloc(TREE_NODES_MAX, sizeof(*t.nodes));
	t.seen = calloc(TREE_NODES_MAX, 32);
	weft_buf_init(&sum, 64 * 1024);
	if (t.nodes == NULL || t.seen == NULL) {
		err = -ENOMEM;
		goto fail;
	}
	err = weft_store_design_card(c->env->store, design, &sum);
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
		pack_tree_node(c->env->store, &pk, &t.nodes[i]);
	weft_pack_str(&pk, "remixes");
	weft_pack_array(&pk, t.n - nsrc);
	for (uint32_t i = nsrc; i < t.n; i++)
		pack_tree_node(c->env->store, &pk, &t.nodes[i]);
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
	bool			 want_short;
	struct weft_lic_filter	 lf;
};

/*
 * A weft_store_item_cb over a struct weft_lister: packs the summary with
 * "short", the hex digits of the design's shortest unique id prefix.
 */
static int
list_short_cb(void *arg, const uint8_t id[32], const uint8_t *data,
    size_t len)
{
	struct weft_lister	*l = arg;
	unsigned		 n;
	uint8_t			 hdr;
	int			 err;

	/* Summaries are fixmaps of 10 entries: one more fits. */
	if (len == 0 || (data[0] & 0xf0) != 0x80 || (data[0] & 0x0f) == 15)
		return WEFT_ECORRUPT;
	err = weft_store_short_len(l->c->env->store, id, &n);
	if (err)
		return err;
	hdr = (uint8_t)(data[0] + 1);
	weft_pack_raw(&l->pk, &hdr, 1);
	weft_pack_raw(&l->pk, data + 1, len - 1);
	weft_pack_str(&l->pk, "short");
	weft_pack_uint(&l->pk, n);
	return weft__lister_item(l);
}

/* The lister's buffers may be released already (by finish). */
static void
ls_release(void *arg)
{
	struct ls_walk	*w = arg;

	weft_buf_release(&w->l.items);
	weft_buf_release(&w->l.extra);
	free(w->tag);
	weft__lic_filter_release(&w->lf);
}

static void
ls_pump(struct weft_ctl_conn *c)
{
	struct ls_walk		*w = c->req;
	struct lic_filtered	 fl;
	bool			 more = true;
	int			 err;

	if (c->closing)
		return;		/* freed with the conn */
	fl.l = &w->l;
	fl.f = &w->lf;
	fl.want_short = w->want_short;
	while (c->wq_bytes <= WEFT_CTL_WQ_PAUSE) {
		err = weft_store_designs_page(c->env->store,
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
	/* The last frame; the request ends, and w is freed. */
	weft__lister_finish(&w->l);
}

static int
ls_prepare(struct weft_ctl_conn *c, const struct weft_obj *req, void *arg)
{
	struct ls_walk	*w = arg;
	int		 err = 0;

	/* A unique prefix names an author, as everywhere else. */
	if (weft_obj_get(req, "author") != NULL) {
		err = weft__ctl_arg_author(c, req, "author", w->author, true);
		if (err)
			return err;
		w->has_author = true;
	}
	err = weft__ctl_arg_str(c, req, "tag", WEFT_TAG_MAX, &w->tag);
	if (err == 0)
		err = weft__lic_filter_arg(c, req, &w->lf);
	if (err)
		goto out;
	if (weft_obj_get(req, "short") != NULL &&
	    weft_obj_bool(weft_obj_get(req, "short"), &w->want_short) != 0) {
		err = WEFT_EBADFIELD;
		weft__ctl_send_err(c, err,
		    "'short' must be a boolean");
		goto out;
	}
	weft__lister_init(&w->l, c);
out:
	return err;
}

/* library */

static int
library_create_prepare(struct weft_ctl_conn *c, const struct weft_obj *req,
    void *arg)
{
	struct weft_put_job	*j = arg;
	struct weft_record	 r;
	char			*name = NULL, *desc = NULL;
	int			 err = WEFT_EUSAGE;

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
		err = -ENOMEM;
		weft__ctl_send_err(c, err, "library");
		goto fail;
	}
	memcpy(r.maintainers.ids[0], c->env->author->pk, 32);
	r.maintainers.n = 1;
	j->store = c->env->store;
	err = weft__record_make(c->env, &r, 0, &j->env);
	if (err)
		weft__ctl_send_err(c, err, "cannot create library");
fail:
	free(name);
	free(desc);
	weft_record_release(&r);
	return err;
}

static int
library_entry_prepare(struct weft_ctl_conn *c, const struct weft_obj *req,
    struct weft_put_job *j, enum weft_entry_action action)
{
	struct weft_record	 r;
	struct weft_store_maint	*m;
	enum weft_record_type	 type;
	uint8_t			 lib[32], design[32];
	int			 err;

	weft_record_init(&r);
	m = malloc(sizeof(*m));
	if (m == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "library");
		return -ENOMEM;
	}
	err = weft__ctl_arg_id(c, req, "lib", lib, true);
	if (err)
		goto out;
	if (weft_store_record_type(c->env->store, lib, &type) != 0 ||
	    type != WEFT_REC_LIB) {
		err = WEFT_ENOTFOUND;
		weft__ctl_send_err(c, err, "not a library");
		goto out;
	}
	err = weft__ctl_arg_design(c, req, "design", design);
	if (err)
		goto out;
	/* The store would keep an entry by a former maintainer, unused. */
	err = weft_store_lib_maint(c->env->store, lib, m);
	for (uint32_t i = 0; err == 0 && i < m->n; i++)
		if (memcmp(m->keys[i], c->env->author->pk, 32) == 0)
			break;
		else if (i + 1 == m->n)
			err = WEFT_EDENIED;
	if (err) {
		weft__ctl_send_err(c, err, err == WEFT_EDENIED ? "only a "
		    "maintainer of the library can change what it holds" :
		    "not a library");
		goto out;
	}
	r.type = WEFT_REC_ENTRY;
	memcpy(r.lib, lib, 32);
	memcpy(r.entry_design, design, 32);
	r.action = action;
	j->store = c->env->store;
	err = weft__record_make(c->env, &r, 0, &j->env);
	if (err)
		weft__ctl_send_err(c, err, "cannot create library entry");
out:
	free(m);
	weft_record_release(&r);
	return err;
}

static void
op_library_ls(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	struct weft_lister	 l;
	struct weft_record	 r;
	struct weft_store_maint	*m;
	struct weft_buf		 env;
	struct weft_pack	 pk;
	enum weft_record_type	 type;
	uint8_t			 lib[32];
	int			 err;

	weft_record_init(&r);
	weft_buf_init(&env, WEFT_RECORD_MAX);
	if (weft__ctl_arg_id(c, req, "lib", lib, true) != 0)
		goto out;
	err = weft_store_record_type(c->env->store, lib, &type);
	if (err == 0 && type != WEFT_REC_LIB)
		err = WEFT_ENOTFOUND;
	if (err == 0)
		err = weft_store_record_get(c->env->store, lib, &env);
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
	/* In force now: the lib record's, changed by maint records. */
	weft_pack_str(&pk, "maintainers");
	m = malloc(sizeof(*m));
	err = m == NULL ? -ENOMEM : weft_store_lib_maint(c->env->store, lib,
	    m);
	weft_pack_array(&pk, err ? 0 : m->n);
	for (uint32_t i = 0; err == 0 && i < m->n; i++)
		weft_pack_bin(&pk, m->keys[i], 32);
	free(m);
	l.nextra = 3;
	if (err && l.err == 0)
		l.err = err;
	err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_store_lib_designs(c->env->store, lib, list_raw_cb, &l);
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
	struct weft_store	*store;	/* the pool reads these */
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
verify_reply(struct weft_ctl_conn *c, void *arg)
{
	struct verify_job	*j = arg;
	struct weft_buf		 b;
	struct weft_pack	 pk;

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

static void
verify_release(void *arg)
{
	struct verify_job	*j = arg;

	free(j->bad);
}

static int
verify_prepare(struct weft_ctl_conn *c, const struct weft_obj *req,
    void *arg)
{
	struct verify_job	*j = arg;

	(void)req;
	j->bad = calloc(VERIFY_BAD_MAX, sizeof(*j->bad));
	if (j->bad == NULL) {
		weft__ctl_send_err(c, -ENOMEM, "verify");
		return -ENOMEM;
	}
	j->store = c->env->store;
	return 0;
}

/* The op table */

static int
library_add_prepare(struct weft_ctl_conn *c, const struct weft_obj *req,
    void *job)
{
	return library_entry_prepare(c, req, job, WEFT_ENTRY_ADD);
}

static int
library_remove_prepare(struct weft_ctl_conn *c, const struct weft_obj *req,
    void *job)
{
	return library_entry_prepare(c, req, job, WEFT_ENTRY_REMOVE);
}

static const struct weft_ctl_op status_op = { .name = "status",
	.fn = op_status };
static const struct weft_ctl_op show_op = { .name = "show", .fn = op_show };
static const struct weft_ctl_op log_op = { .name = "log", .fn = op_log };
static const struct weft_ctl_op tree_op = { .name = "tree", .fn = op_tree };
/* ls without filters or pages: every design, paced. */
static const struct weft_ctl_op ls_stream_op = {
	.name = "ls", .flags = WEFT_OP_STREAM,
	.req_size = sizeof(struct ls_walk), .prepare = ls_prepare,
	.release = ls_release, .pump = ls_pump,
};

static void
op_ls(struct weft_ctl_conn *c, const struct weft_obj *req)
{
	if (weft__ls_is_page(req))
		weft__op_ls_page(c, req);
	else
		weft__ctl_op_run(c, &ls_stream_op, req);
}

static const struct weft_ctl_op ls_op = { .name = "ls", .fn = op_ls };
static const struct weft_ctl_op library_create_op = {
	WEFT_PUT_OP("library_create", library_create_prepare),
};
static const struct weft_ctl_op library_add_op = {
	WEFT_PUT_OP("library_add", library_add_prepare),
};
static const struct weft_ctl_op library_remove_op = {
	WEFT_PUT_OP("library_remove", library_remove_prepare),
};
static const struct weft_ctl_op library_ls_op = { .name = "library_ls",
	.fn = op_library_ls };
static const struct weft_ctl_op verify_op = {
	.name = "verify", .flags = WEFT_OP_POOL,
	.req_size = sizeof(struct verify_job), .prepare = verify_prepare,
	.release = verify_release, .work = verify_work,
	.reply = verify_reply, .what = "verify",
};
static const struct weft_ctl_op stop_op = { .name = "stop", .fn = op_stop };

const struct weft_ctl_op *const weft__ctl_ops[] = {
	&status_op,
	&weft__op_publish,
	&weft__op_fork,
	&show_op,
	&log_op,
	&tree_op,
	&ls_op,
	&weft__op_search,
	&weft__op_get,
	&library_create_op,
	&library_add_op,
	&library_remove_op,
	&library_ls_op,
	&verify_op,
	&weft__op_follow,
	&weft__op_unfollow,
	&weft__op_mirror,
	&weft__op_unmirror,
	&weft__op_policies,
	&weft__op_pins,
	&weft__op_peers,
	&weft__op_connect,
	&weft__op_push,
	&stop_op,
	&weft__op_known,
	&weft__op_forget,
	&weft__op_disconnect,
	&weft__op_profile_set,
	&weft__op_profile,
	&weft__op_names,
	&weft__op_comment,
	&weft__op_comments,
	&weft__op_react,
	&weft__op_social,
	&weft__op_avatar,
	&weft__op_photo,
	&weft__op_make,
	&weft__op_makes,
	&weft__op_libraries,
	&weft__op_grant,
	&weft__op_grants,
	&weft__op_credits,
	&weft__op_gc,
	&weft__op_rm,
	&weft__op_unwant,
	&weft__op_du,
	&weft__op_geom,
	&weft__op_similar,
	&weft__op_block,
	&weft__op_unblock,
	&weft__op_blocks,
	&weft__op_moderator_add,
	&weft__op_moderator_rm,
	&weft__op_moderators,
	&weft__op_label,
	&weft__op_reports,
	&weft__op_retract,
	&weft__op_seeds,
	&weft__op_library_maintainers,
	&weft__op_library_maint,
};

const size_t weft__ctl_nops = sizeof(weft__ctl_ops) / sizeof(weft__ctl_ops[0]);
