/*
 * The home's "config" file, read by weftd (and `weftd --check-config`)
 * and edited by `weft init`, `weft config`:
 *
 *   # comment
 *   network-key = <64 hex characters>
 *   listen = 0.0.0.0:7420
 *   peer = NODEID@example.org:7420
 *   seed = NODEID@[2001:db8::1]:7420
 *   lan-discovery = off
 *   web = 127.0.0.1:7421
 *   max-inbound = 64
 *
 * One `key = value` per line, split by libinih (Debian's libinih-dev);
 * blank lines and lines starting with '#' or ';' are comments. The key
 * table below is the one list of keys: the parser, weftd's environment
 * and flags, `weftd --check-config` and `weft config` all use it, so a
 * value is checked the same way wherever it comes from. An unknown key
 * or a bad value is an error reported as "file:line: message" (OpenBSD
 * style) by the caller, from struct weft_config_error. docs/weft-config.5.md
 * documents every key; docs/proto/keys.md the format.
 */
#ifndef WEFT_CONFIG_H
#define WEFT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct weft_buf;

#define WEFT_CONFIG_FILE	"config"
#define WEFT_CONFIG_MAX		(64 * 1024)	/* bytes in a config file */
#define WEFT_CONFIG_LINE_MAX	1024		/* bytes in a line, no LF */

#define WEFT_NETWORK_KEY_BYTES	32
/*
 * The network key of the public weft network: BLAKE2b-256 of the ASCII
 * string "weft/network/public/v1" (no NUL), in hex. A community that
 * wants a private network picks a random key instead.
 */
#define WEFT_NETWORK_KEY_DEFAULT					\
	"2ba951e5e6697ca19d2ab0522a7c2ee76077f2018010a117cead536d3a0efc89"

/* "[IPv6]:65535" and NUL fit. */
#define WEFT_LISTEN_MAX		64
/* Where the web UI listens unless the config says otherwise. */
#define WEFT_WEB_LISTEN_DEFAULT	"127.0.0.1:7421"
/* A DNS name (253) in brackets-free form, ':', port, NUL. */
#define WEFT_CONFIG_HOSTPORT_MAX	(253 + 1 + 5 + 1)
/* NODEID@HOST:PORT and NUL. */
#define WEFT_CONFIG_PEER_MAX	(64 + 1 + WEFT_CONFIG_HOSTPORT_MAX)
#define WEFT_CONFIG_PEERS_MAX	64	/* peer lines; seed lines each */
#define WEFT_CONFIG_ADDRS_MAX	4	/* address lines */
#define WEFT_CONFIG_IDS_MAX	64	/* follow lines; mirror lines each */
#define WEFT_CONFIG_PWHASH_MAX	128	/* crypto_pwhash_STRBYTES */
#define WEFT_CONFIG_LABELS_MAX	32	/* label-action lines */
/* A label (64 bytes), ':', "block", NUL. */
#define WEFT_CONFIG_LABEL_MAX	(64 + 1 + 5 + 1)

/* The keys, in the order `weft config list` and --check-config use. */
enum weft_config_keyid {
	WEFT_CFG_NETWORK_KEY,
	WEFT_CFG_LISTEN,
	WEFT_CFG_ADDRESS,
	WEFT_CFG_PEER,
	WEFT_CFG_SEED,
	WEFT_CFG_LAN_DISCOVERY,
	WEFT_CFG_HANDSHAKE_TIMEOUT_MS,
	WEFT_CFG_PING_INTERVAL_MS,
	WEFT_CFG_IDLE_TIMEOUT_MS,
	WEFT_CFG_BACKOFF_MIN_MS,
	WEFT_CFG_BACKOFF_MAX_MS,
	WEFT_CFG_MAX_INBOUND,
	WEFT_CFG_MAX_INBOUND_GROUP,
	WEFT_CFG_MAX_HANDSHAKES,
	WEFT_CFG_MAX_HANDSHAKES_GROUP,
	WEFT_CFG_MAX_OUTBOUND,
	WEFT_CFG_OUT_TARGET,
	WEFT_CFG_SEND_QUEUE_MAX,
	WEFT_CFG_MAP_SIZE,
	WEFT_CFG_MAX_STORE,
	WEFT_CFG_FOLLOW,
	WEFT_CFG_MIRROR,
	WEFT_CFG_WEB,
	WEFT_CFG_WEB_PASSWORD,
	WEFT_CFG_WEB_LINK_MS,
	WEFT_CFG_LABEL_ACTION,
	WEFT_CFG_NKEYS
};

/* What a key's value is. */
enum weft_config_kind {
	WEFT_CONFIG_NETKEY,	/* 64 hex digits */
	WEFT_CONFIG_LISTEN,	/* IP:PORT or [IPv6]:PORT, IP literal */
	WEFT_CONFIG_HOSTPORT,	/* HOST:PORT, host name or IP literal */
	WEFT_CONFIG_PEER,	/* NODEID@HOST:PORT */
	WEFT_CONFIG_BOOL,	/* on or off */
	WEFT_CONFIG_NUMBER,	/* decimal, in [min, max] */
	WEFT_CONFIG_BYTES,	/* decimal with an optional K, M or G */
	WEFT_CONFIG_ID,		/* 64 hex digits (an author) */
	WEFT_CONFIG_MIRROR,	/* 64 hex digits (a library) or "all" */
	WEFT_CONFIG_WEB,	/* IP:PORT like LISTEN, or "off" */
	WEFT_CONFIG_PWHASH,	/* "$argon2id$...", crypto_pwhash_str() */
	WEFT_CONFIG_LABEL	/* LABEL:hide, LABEL:block or LABEL:none */
};

struct weft_config_key {
	const char	*name;		/* "lan-discovery" */
	const char	*alias;		/* older spelling, or NULL */
	int		 kind;		/* enum weft_config_kind */
	unsigned	 repeat;	/* most lines allowed; 1: one */
	uint64_t	 min, max;	/* NUMBER and BYTES */
	const char	*env;		/* weftd's variable, or NULL */
	const char	*def;		/* the default shown, or NULL */
	const char	*bad;		/* the message for a bad value */
	const char	*help;		/* one line */
};

/* The key table, indexed by enum weft_config_keyid. */
extern const struct weft_config_key weft_config_keys[WEFT_CFG_NKEYS];

struct weft_config {
	uint8_t	network_key[WEFT_NETWORK_KEY_BYTES];
	bool	has_network_key;	/* set by the file */
	char	listen[WEFT_LISTEN_MAX];	/* "" unless set */
	char	web[WEFT_LISTEN_MAX];	/* the web UI's; "off" */
	/* The web UI's password as crypto_pwhash_str() wrote it, or "". */
	char	web_password[WEFT_CONFIG_PWHASH_MAX];
	char	address[WEFT_CONFIG_ADDRS_MAX][WEFT_CONFIG_HOSTPORT_MAX];
	size_t	naddress;
	char	peers[WEFT_CONFIG_PEERS_MAX][WEFT_CONFIG_PEER_MAX];
	size_t	npeers;
	char	seeds[WEFT_CONFIG_PEERS_MAX][WEFT_CONFIG_PEER_MAX];
	size_t	nseeds;
	uint8_t	follow[WEFT_CONFIG_IDS_MAX][32];
	size_t	nfollow;
	uint8_t	mirror[WEFT_CONFIG_IDS_MAX][32];
	size_t	nmirror;
	bool	mirror_all;
	/* label-action lines, as given (checked) */
	char	label_action[WEFT_CONFIG_LABELS_MAX][WEFT_CONFIG_LABEL_MAX];
	size_t	nlabel_action;
	/* BOOL (0/1), NUMBER and BYTES values, and which keys were set. */
	uint64_t num[WEFT_CFG_NKEYS];
	bool	 set[WEFT_CFG_NKEYS];
};

/* Where a config file is wrong. */
struct weft_config_error {
	int		 line;	/* 1-based; 0 when not about one line */
	const char	*msg;	/* static, lowercase, no trailing period */
};

/*
 * Fills cfg with the defaults: the public network key, no listen address,
 * no peers, the numbers of the key table's defaults (weftd's constants).
 */
void	weft_config_init(struct weft_config *cfg);

/* The key named name (or its alias), or NULL. */
const struct weft_config_key *weft_config_key_find(const char *name);

/*
 * Sets key k from value (NUL-terminated) in cfg: a repeatable key gains a
 * value, another is replaced. Returns 0, or WEFT_EUSAGE with *msg set (a
 * bad value, or too many lines).
 */
int	weft_config_set(struct weft_config *cfg,
	    const struct weft_config_key *k, const char *value,
	    const char **msg);

/*
 * Parses config text into cfg (which weft_config_init() prepared); keys
 * the text does not mention keep their values. Returns 0, WEFT_EUSAGE with
 * *e describing the first bad line, or WEFT_ETOOBIG (over
 * WEFT_CONFIG_MAX; e->line is 0).
 */
int	weft_config_parse(struct weft_config *cfg, const char *text,
	    size_t len, struct weft_config_error *e);

/*
 * Initialises cfg and parses the file at path into it. Returns what
 * weft_config_parse() returns, or -errno (-ENOENT when there is no file;
 * cfg then holds the defaults).
 */
int	weft_config_load(struct weft_config *cfg, const char *path,
	    struct weft_config_error *e);

/*
 * Reads the file at path (at most WEFT_CONFIG_MAX bytes) into a malloc'd,
 * NUL-terminated buffer. Returns 0, WEFT_ETOOBIG or -errno.
 */
int	weft_config_read(const char *path, char **text, size_t *len);

/*
 * Writes the value of key k in cfg as text into out (NUL-terminated,
 * outsz bytes): value i of a repeatable key, or the single value (i 0).
 * Returns 0 or WEFT_ENOTFOUND (no such value).
 */
int	weft_config_format(const struct weft_config *cfg,
	    const struct weft_config_key *k, size_t i, char *out,
	    size_t outsz);

/* How many values key k has in cfg (0 or 1 for a single key). */
size_t	weft_config_count(const struct weft_config *cfg,
	    const struct weft_config_key *k);

/* Editing the file's text line by line, keeping every other line. */
enum weft_config_edit_op {
	WEFT_CONFIG_EDIT_SET,	/* replace the key's line, or append */
	WEFT_CONFIG_EDIT_ADD,	/* append a line unless the value is there */
	WEFT_CONFIG_EDIT_UNSET	/* drop the key's lines (with value: one) */
};

/*
 * Writes old[0..len) with the edit applied into out: SET replaces the
 * first line of k (under its name or alias) with "name = value" and drops
 * any other, or appends one; ADD appends unless a line has that value;
 * UNSET drops the lines of k, or only those whose value is value (when
 * not NULL). *changed says whether the text differs. old may be NULL (no
 * file). The result is not checked: parse it. Returns 0 or what
 * weft_buf_add() returns.
 */
int	weft_config_edit(const char *old, size_t len, int op,
	    const struct weft_config_key *k, const char *value,
	    struct weft_buf *out, bool *changed);

/*
 * Replaces dir's config file with text[0..len), atomically: a temporary
 * "config.tmp" (mode 0600), fsync, rename, directory fsync. Returns 0 or
 * -errno.
 */
int	weft_config_write(const char *dir, const void *text, size_t len);

/*
 * Sets network-key in dir's config file, keeping its other lines, or
 * creates the file (mode 0600). Returns 0, WEFT_ETOOBIG (existing file
 * too large) or -errno.
 */
int	weft_config_write_network_key(const char *dir,
	    const uint8_t key[WEFT_NETWORK_KEY_BYTES]);

/*
 * Splits "A.B.C.D:PORT" or "[IPv6]:PORT" (IP literals only, port 0..65535,
 * 0 meaning any free port) into host (without brackets, NUL-terminated)
 * and port. Returns 0 or WEFT_EUSAGE.
 */
int	weft_config_hostport(const char *s, size_t n, char *host,
	    size_t hostsz, uint16_t *port);

/*
 * Checks "HOST:PORT" where HOST is an IPv4 literal, "[IPv6]" or a DNS name
 * (letters, digits, '-' and '.', labels of 1..63 characters, at most 253
 * in all, not all digits and dots); the port is 1..65535. Returns 0 or
 * WEFT_EUSAGE. Nothing is resolved.
 */
int	weft_config_addr_check(const char *s, size_t n);

/* Checks "NODEID@HOST:PORT" (64 hex digits, then as above). */
int	weft_config_peer_check(const char *s, size_t n);

/*
 * A label-action value "LABEL:ACTION": the action, 0 none, 1 hide, 2
 * block (as WEFT_VERDICT_*), and the label's length in *label_len (may be
 * NULL); -1 when the value is not one.
 */
int	weft_config_label_action(const char *value, size_t *label_len);

#endif
