/*
 * Typed control messages: the replies of the control socket with many
 * fields (status, show, the items of peers, known and policies) as C
 * structs, with one encoder that weftd packs them through and one decoder
 * that weft reads them with, so that neither side spells the keys.
 * docs/proto/control.md ("Typed replies") is the byte-exact
 * specification; the keys are written in the order the document lists.
 *
 * Decoders are total: they take a map decoded by weft_msg_decode() and
 * return 0, WEFT_EPROTO (a key missing or of the wrong type, not a map)
 * or WEFT_ETOOBIG (a string, binary or array over its limit). Keys they
 * do not know are ignored, so a newer daemon may add keys. Strings and
 * binaries in a decoded struct are borrowed: they point into the bytes
 * the message was decoded from and are valid while those are.
 */
#ifndef WEFT_CTLMSG_H
#define WEFT_CTLMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct weft_obj;
struct weft_pack;

/* Limits the decoders apply (bytes of a str, entries of an array). */
#define WEFT_CTLMSG_STR_MAX	1024	/* any str not named below */
#define WEFT_CTLMSG_HOME_MAX	4096	/* status "home" */
#define WEFT_CTLMSG_ADDRS_MAX	64	/* status "addresses" */
#define WEFT_CTLMSG_RECORD_MAX	(256 * 1024)	/* show "record" */

/*
 * A str: s[0..n), not NUL-terminated. s == NULL stands for nil where a
 * key may be nil (n is then 0). A decoded str may hold any bytes: print
 * it escaped.
 */
struct weft_ctlmsg_str {
	const char	*s;
	size_t		 n;
};

/* A NUL-terminated C string as a struct weft_ctlmsg_str (NULL: nil). */
struct weft_ctlmsg_str weft_ctlmsg_cstr(const char *s);
/* Whether a str equals the C string lit (false for nil). */
bool	weft_ctlmsg_str_eq(struct weft_ctlmsg_str s, const char *lit);

/* status: "sync", replication's counters. */
struct weft_ctlmsg_sync {
	uint64_t	peers, stored, dups, rejected, held, queued, rounds;
	uint64_t	msgs_in, msgs_out, bytes_in, bytes_out;
	bool		has_blocked;	/* absent from older daemons */
	uint64_t	blocked;
};

/* status: "lan", LAN discovery; the counters only while on. */
struct weft_ctlmsg_lan {
	bool		on;
	uint64_t	port, nodes, received, rejected, opened4, opened6;
	uint64_t	accepted, sent;
};

/* status: "disk", the store's disk and the gate on fetching. */
struct weft_ctlmsg_disk {
	bool			paused;
	struct weft_ctlmsg_str	error;		/* nil unless paused */
	uint64_t		free, reserve, failures;
	/* max-store: present when set; then at_max and store_bytes too */
	bool			has_max_store;
	uint64_t		max_store;
	bool			at_max;		/* fetching paused by it */
	uint64_t		store_bytes;	/* chunk bytes now */
};

/* status: "files", file transfer's counters. */
struct weft_ctlmsg_files {
	uint64_t	received, stored, served;
};

/* status: "missing", what the node lacks. */
struct weft_ctlmsg_missing {
	uint64_t	records, files, designs, bytes;
};

/* The reply to "status". */
struct weft_ctlmsg_status {
	struct weft_ctlmsg_disk	 disk;
	struct weft_ctlmsg_files files;
	struct weft_ctlmsg_missing missing;
	struct weft_ctlmsg_str	 version;
	uint8_t			 author[32];
	uint8_t			 node[32];
	struct weft_ctlmsg_str	 home;
	uint64_t		 records, designs, libs, chunks, chunk_bytes;
	uint64_t		 map_size, map_used, uptime_ms;
	struct weft_ctlmsg_str	 address;	/* nil: not listening */
	struct weft_ctlmsg_str	 addresses[WEFT_CTLMSG_ADDRS_MAX];
	uint32_t		 naddresses;
	struct weft_ctlmsg_str	 listen;	/* nil: not listening */
	struct weft_ctlmsg_str	 network_key_id;
	uint64_t		 peers, conns_in, conns_out, netkey_mismatch;
	struct weft_ctlmsg_sync	 sync;
	struct weft_ctlmsg_lan	 lan;
	bool			 has_web;	/* the web UI is served */
	struct weft_ctlmsg_str	 web;		/* its HOST:PORT */
	/* Bytes the last gc dry run found it could free; once known. */
	bool			 has_reclaimable;
	uint64_t		 reclaimable;
};

/*
 * Appends the whole "status" reply map, "status" 0 first. Errors are
 * left in pk (weft_pack_error()); naddresses over WEFT_CTLMSG_ADDRS_MAX
 * sets WEFT_ETOOBIG there.
 */
void	weft_ctlmsg_status_encode(struct weft_pack *pk,
	    const struct weft_ctlmsg_status *st);
/* Decodes a "status" reply map (its "status" key is not looked at). */
int	weft_ctlmsg_status_decode(const struct weft_obj *o,
	    struct weft_ctlmsg_status *st);

/* The reply to "show". */
struct weft_ctlmsg_show {
	uint8_t			 id[32];
	struct weft_ctlmsg_str	 type;		/* "rev", "lib", "entry"... */
	const uint8_t		*record;	/* the envelope, borrowed */
	size_t			 record_len;
	bool			 has_design;	/* revisions only */
	uint8_t			 design[32];
	bool			 conflict;	/* breaks the licenses */
	/* Why moderation hides or blocks the design, when it does. */
	bool			 has_moderation;
	struct weft_ctlmsg_str	 moderation;
};

void	weft_ctlmsg_show_encode(struct weft_pack *pk,
	    const struct weft_ctlmsg_show *sh);
int	weft_ctlmsg_show_decode(const struct weft_obj *o,
	    struct weft_ctlmsg_show *sh);

/* An item of the "peers" list: a connection, or a node being dialled. */
struct weft_ctlmsg_peer {
	uint8_t			 node[32];
	struct weft_ctlmsg_str	 address;
	struct weft_ctlmsg_str	 direction;	/* "in", "out" */
	struct weft_ctlmsg_str	 state;		/* "open", "waiting"... */
	uint64_t		 bytes_in, bytes_out;
	uint64_t		 since;		/* ms since the epoch, or 0 */
	struct weft_ctlmsg_str	 listen, sw;	/* from HELLO, or nil */
	struct weft_ctlmsg_str	 error;		/* "waiting" only, or nil */
	bool			 has_retry;	/* "retry_ms" is present */
	uint64_t		 retry_ms;
};

/* Appends one "peers" item (a map). */
void	weft_ctlmsg_peer_encode(struct weft_pack *pk,
	    const struct weft_ctlmsg_peer *p);
int	weft_ctlmsg_peer_decode(const struct weft_obj *o,
	    struct weft_ctlmsg_peer *p);

/* An item of the "known" list: an address book entry. */
struct weft_ctlmsg_known {
	uint8_t			 node[32];
	struct weft_ctlmsg_str	 address;
	bool			 verified;
	uint64_t		 last_seen;	/* ms since the epoch, or 0 */
	uint64_t		 fails;
	struct weft_ctlmsg_str	 source;	/* "config", "learnt"... */
	bool			 connected;
};

void	weft_ctlmsg_known_encode(struct weft_pack *pk,
	    const struct weft_ctlmsg_known *k);
int	weft_ctlmsg_known_decode(const struct weft_obj *o,
	    struct weft_ctlmsg_known *k);

enum weft_ctlmsg_policy_kind {
	WEFT_CTLMSG_FOLLOW = 1,		/* "follow": id is an author */
	WEFT_CTLMSG_MIRROR,		/* "mirror": id is a library */
	WEFT_CTLMSG_MIRROR_ALL,		/* "mirror-all": no id */
};

/* An item of the "policies" list. */
struct weft_ctlmsg_policy {
	enum weft_ctlmsg_policy_kind	kind;
	uint8_t				id[32];	/* unless MIRROR_ALL */
	/* How far the policy has come (absent from older daemons). */
	bool				has_progress;
	uint64_t			designs;
	uint64_t			designs_held;
	uint64_t			bytes;
	uint64_t			bytes_held;
};

/* The kind's name on the wire, or NULL for a value outside the enum. */
const char *weft_ctlmsg_policy_kind_name(enum weft_ctlmsg_policy_kind k);
/* Appends one item; an unknown kind sets WEFT_EBADFIELD in pk. */
void	weft_ctlmsg_policy_encode(struct weft_pack *pk,
	    const struct weft_ctlmsg_policy *p);
/*
 * Decodes one item. An unknown "kind" is WEFT_EPROTO, so is "id" on a
 * "mirror-all" item or missing on the others.
 */
int	weft_ctlmsg_policy_decode(const struct weft_obj *o,
	    struct weft_ctlmsg_policy *p);

#endif
