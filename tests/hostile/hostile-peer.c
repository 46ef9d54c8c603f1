/*
 * A misbehaving peer for the integration tests (t-sync-hostile.sh,
 * t-fetch-hostile.sh): dials a real weftd on 127.0.0.1 with a fresh node
 * key, runs struct weft_session over a blocking TCP socket through the
 * secret handshake and HELLO, then, by the modes given:
 *
 *   valid                  a valid genesis revision by our own author
 *   forged                 a genesis whose body was changed after signing
 *   otherkey               a genesis signed by a key other than its author
 *   nonmaint=LIB:DESIGN    an entry adding DESIGN to LIB, by a non-maintainer
 *   nonmaintchange=LIB     a maint record adding our own author to LIB's
 *                          maintainers, by our author (no maintainer)
 *   otherauthor=DESIGN[:PREV]  a revision of DESIGN (after PREV, default
 *                          DESIGN) by an author who is not its author
 *   remix=REV              a valid genesis by our own author, licensed MIT,
 *                          remixing revision REV (whatever REV's license
 *                          allows: the node must store it and flag it)
 *   label=DESIGN           a valid "spam" label on DESIGN by our own author
 *   forgedlabel=DESIGN     a "spam" label on DESIGN whose reason was
 *                          changed after signing
 *   badpath                a genesis whose file path is "../escape.stl",
 *                          correctly signed (the body is patched by hand)
 *   retract=ID             a retract of record ID by our own author (who
 *                          is not ID's author)
 *   envfile=PATH           the envelope in file PATH as it is (`weft show
 *                          --raw` output): a record someone else signed,
 *                          offered again
 *   receipt=DESIGN[:REV]   a seed receipt signed by our node key: we hold
 *                          REV (default DESIGN) of DESIGN, for an hour
 *   forgedreceipt=DESIGN[:REV]  the same with its expiry changed after
 *                          signing
 *   chunk                  answer every "want" on the daemon's "files"
 *                          channel with a wrong chunk (right id, wrong bytes)
 *   idle                   nothing: hold the connection, answer pings (the
 *                          Sybil form of slot filling, with --count)
 *   noread                 once open, never read again (the daemon's send
 *                          queue must fill up and it must close us); the
 *                          close is seen with poll, without reading
 *
 * --count N runs N such peers at once (N processes, each with its own
 * node key), and exits 0 when every one ended with 0 or 3; with
 * --reconnect each one that ends before the timeout is replaced by a new
 * one (a new node key), as a determined attacker would; --stagger MS
 * starts them MS milliseconds apart (else all at once). With idle, a
 * peer the daemon closes (evicted) prints "dropped: ..." or "closed: ...",
 * one that still holds its slot at the timeout prints "timeout".
 *
 * The record modes go, in the order given, into one sync "push". Each
 * record made is printed as "MODE ID" on stdout, each tampered chunk as
 * "tampered ID". Then the program waits until the daemon drops the
 * connection ("dropped: ..." or "closed: REASON", exit 0) or the timeout
 * passes ("timeout", exit 3). Other failures exit 1, usage errors 2.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* POLLRDHUP */
#endif
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "weft/buf.h"
#include "weft/err.h"
#include "weft/key.h"
#include "weft/mux.h"
#include "weft/pack.h"
#include "weft/record.h"
#include "weft/wire.h"

#include "config.h"
#include "session.h"

#define MODES_MAX	16
#define TAMPER_LEN	64	/* bytes of a tampered chunk */
#define OUT_CHUNK	(256 * 1024)
#define IN_CHUNK	(64 * 1024)

enum mode {
	M_VALID = 1,
	M_FORGED,
	M_NONMAINT,
	M_OTHERAUTHOR,
	M_BADPATH,
	M_CHUNK,
};

struct hostile {
	int			 fd;
	struct weft_session	 sess;
	bool			 has_sess;
	struct weft_keypair	 node;
	struct weft_keypair	 author;
	uint8_t			 netkey[32];
	uint8_t			 remote[32];
	struct weft_buf		 envs[MODES_MAX];
	size_t			 nenvs;
	bool			 serve_chunks;
	bool			 pushed;
	bool			 noread;	/* stop reading once open */
	bool			 was_open;	/* HELLOs exchanged */
	uint16_t		 sync_ch;
	uint16_t		 files_ch;	/* the daemon's, 0: none */
	unsigned		 tampered;
	char			 gone[160];	/* how the daemon left */
};

static uint64_t
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
print_id(const char *what, const uint8_t id[WEFT_ID_BYTES])
{
	char	hex[WEFT_ID_HEX];

	weft_hex_encode(hex, id, WEFT_ID_BYTES);
	printf("%s %s\n", what, hex);
	fflush(stdout);
}

static int
parse_id(const char *s, size_t n, uint8_t id[WEFT_ID_BYTES])
{
	return weft_hex_decode(id, WEFT_ID_BYTES, s, n);
}

/* Signs body with a's key into env (empty); id gets its id. */
static int
sign_body(const struct weft_keypair *a, const uint8_t *body, size_t len,
    struct weft_buf *env, uint8_t id[WEFT_ID_BYTES])
{
	weft_record_id(body, len, id);
	return weft_record_sign(body, len, a->sk, env);
}

/* Encodes r and signs it by a into env. */
static int
seal(const struct weft_keypair *a, const struct weft_record *r,
    struct weft_buf *env, uint8_t id[WEFT_ID_BYTES])
{
	struct weft_buf	body;
	int		err;

	weft_buf_init(&body, WEFT_RECORD_MAX);
	err = weft_record_encode_body(r, &body);
	if (err == 0)
		err = sign_body(a, body.data, body.len, env, id);
	weft_buf_release(&body);
	return err;
}

/* A revision by a (a genesis when design is NULL), one file if path. */
static int
make_rev(const struct weft_keypair *a, const uint8_t *design,
    const uint8_t *prev, const char *title, const char *path,
    struct weft_buf *env, uint8_t id[WEFT_ID_BYTES])
{
	struct weft_record	r;
	int			err = -ENOMEM;

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	memcpy(r.author, a->pk, WEFT_PK_BYTES);
	r.ts = wall_ms();
	if (design != NULL) {
		r.has_design = true;
		memcpy(r.design, design, WEFT_ID_BYTES);
		r.prev.ids = calloc(1, WEFT_ID_BYTES);
		if (r.prev.ids == NULL)
			goto out;
		memcpy(r.prev.ids[0], prev, WEFT_ID_BYTES);
		r.prev.n = 1;
	}
	r.title = strdup(title);
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	if (r.title == NULL || r.description == NULL || r.license == NULL ||
	    r.message == NULL)
		goto out;
	if (path != NULL) {
		r.files = calloc(1, sizeof(*r.files));
		if (r.files == NULL)
			goto out;
		r.nfiles = 1;
		r.files[0].path = strdup(path);
		if (r.files[0].path == NULL)
			goto out;
		r.files[0].size = 1;
		randombytes_buf(r.files[0].hash, WEFT_ID_BYTES);
		randombytes_buf(r.files[0].index, WEFT_ID_BYTES);
	}
	err = seal(a, &r, env, id);
out:
	weft_record_release(&r);
	return err;
}

/* A genesis by a, licensed MIT, that remixes revision src. */
static int
make_remix(const struct weft_keypair *a,
    const uint8_t src[WEFT_ID_BYTES], struct weft_buf *env,
    uint8_t id[WEFT_ID_BYTES])
{
	struct weft_record	r;
	int			err = -ENOMEM;

	weft_record_init(&r);
	r.type = WEFT_REC_REV;
	memcpy(r.author, a->pk, WEFT_PK_BYTES);
	r.ts = wall_ms();
	r.remix_of.ids = calloc(1, WEFT_ID_BYTES);
	if (r.remix_of.ids == NULL)
		goto out;
	memcpy(r.remix_of.ids[0], src, WEFT_ID_BYTES);
	r.remix_of.n = 1;
	r.title = strdup("laundered remix");
	r.description = strdup("");
	r.license = strdup("MIT");
	r.message = strdup("");
	if (r.title == NULL || r.description == NULL || r.license == NULL ||
	    r.message == NULL)
		goto out;
	err = seal(a, &r, env, id);
out:
	weft_record_release(&r);
	return err;
}

static int
make_entry(const struct weft_keypair *a, const uint8_t lib[WEFT_ID_BYTES],
    const uint8_t design[WEFT_ID_BYTES], struct weft_buf *env,
    uint8_t id[WEFT_ID_BYTES])
{
	struct weft_record	r;
	int			err;

	weft_record_init(&r);
	r.type = WEFT_REC_ENTRY;
	memcpy(r.author, a->pk, WEFT_PK_BYTES);
	r.ts = wall_ms();
	memcpy(r.lib, lib, WEFT_ID_BYTES);
	memcpy(r.entry_design, design, WEFT_ID_BYTES);
	r.action = WEFT_ENTRY_ADD;
	err = seal(a, &r, env, id);
	weft_record_release(&r);
	return err;
}

/* A maint record by a (no maintainer) adding a itself to lib. */
static int
make_maint(const struct weft_keypair *a, const uint8_t lib[WEFT_ID_BYTES],
    struct weft_buf *env, uint8_t id[WEFT_ID_BYTES])
{
	struct weft_record	r;
	int			err;

	weft_record_init(&r);
	r.type = WEFT_REC_MAINT;
	memcpy(r.author, a->pk, WEFT_PK_BYTES);
	r.ts = wall_ms();
	memcpy(r.lib, lib, WEFT_ID_BYTES);
	r.action = WEFT_ENTRY_ADD;
	memcpy(r.maint_key, a->pk, WEFT_PK_BYTES);
	err = seal(a, &r, env, id);
	weft_record_release(&r);
	return err;
}

/* A seed receipt by node n: it holds rev of design for an hour. */
static int
make_receipt(const struct weft_keypair *n, const uint8_t design[WEFT_ID_BYTES],
    const uint8_t rev[WEFT_ID_BYTES], struct weft_buf *env,
    uint8_t id[WEFT_ID_BYTES])
{
	struct weft_record	r;
	int			err;

	weft_record_init(&r);
	r.type = WEFT_REC_RECEIPT;
	memcpy(r.author, n->pk, WEFT_PK_BYTES);
	r.ts = wall_ms();
	r.has_design = true;
	memcpy(r.design, design, WEFT_ID_BYTES);
	memcpy(r.receipt_rev, rev, WEFT_ID_BYTES);
	r.expires = r.ts + 3600 * 1000;
	err = seal(n, &r, env, id);
	weft_record_release(&r);
	return err;
}

/* Replaces the first from by to (same length) in p[0..n). */
static int
patch(uint8_t *p, size_t n, const char *from, const char *to)
{
	size_t	k = strlen(from);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(p + i, from, k) == 0) {
			memcpy(p + i, to, k);
			return 0;
		}
	return WEFT_ENOTFOUND;
}

/* A genesis with one body byte changed after it was signed. */
static int
make_forged(const struct weft_keypair *a, struct weft_buf *env,
    uint8_t id[WEFT_ID_BYTES])
{
	const uint8_t	*body, *sig;
	size_t		 blen;
	int		 err;

	err = make_rev(a, NULL, NULL, "forged design", NULL, env, id);
	if (err == 0)
		err = weft_record_open(env->data, env->len, &body, &blen,
		    &sig);
	if (err == 0)
		err = patch(env->data + (body - env->data), blen, "forged",
		    "forgeD");
	if (err == 0)
		weft_record_id(body, blen, id);
	return err;
}

/*
 * A genesis with the file "../escape.stl", signed correctly: the encoder
 * refuses that path, so encode "aa/escape.stl" and patch the body.
 */
static int
make_badpath(const struct weft_keypair *a, struct weft_buf *env,
    uint8_t id[WEFT_ID_BYTES])
{
	struct weft_buf	 tmp, body;
	const uint8_t	*b, *sig;
	size_t		 blen;
	int		 err;

	weft_buf_init(&tmp, WEFT_RECORD_MAX);
	weft_buf_init(&body, WEFT_RECORD_MAX);
	err = make_rev(a, NULL, NULL, "escape", "aa/escape.stl", &tmp, id);
	if (err == 0)
		err = weft_record_open(tmp.data, tmp.len, &b, &blen, &sig);
	if (err == 0)
		err = weft_buf_add(&body, b, blen);
	if (err == 0)
		err = patch(body.data, body.len, "aa/escape.stl",
		    "../escape.stl");
	if (err == 0)
		err = sign_body(a, body.data, body.len, env, id);
	weft_buf_release(&body);
	weft_buf_release(&tmp);
	return err;
}

/*
 * A spam label by a on design; forged: a byte of its reason changed
 * after signing.
 */
static int
make_label(const struct weft_keypair *a, const uint8_t design[WEFT_ID_BYTES],
    bool forged, struct weft_buf *env, uint8_t id[WEFT_ID_BYTES])
{
	struct weft_record	 r;
	const uint8_t		*body, *sig;
	size_t			 blen;
	int			 err = -ENOMEM;

	weft_record_init(&r);
	r.type = WEFT_REC_LABEL;
	memcpy(r.author, a->pk, WEFT_PK_BYTES);
	r.ts = wall_ms();
	r.label_on = WEFT_LABEL_DESIGN;
	memcpy(r.label_target, design, WEFT_ID_BYTES);
	r.label = strdup("spam");
	r.label_reason = strdup("hostile label");
	if (r.label == NULL || r.label_reason == NULL)
		goto out;
	err = seal(a, &r, env, id);
	if (err == 0 && forged)
		err = weft_record_open(env->data, env->len, &body, &blen,
		    &sig);
	if (err == 0 && forged)
		err = patch(env->data + (body - env->data), blen, "hostile",
		    "hostilE");
	if (err == 0 && forged)
		weft_record_id(body, blen, id);
out:
	weft_record_release(&r);
	return err;
}

/* A retract of target by a, with a reason. */
static int
make_retract(const struct weft_keypair *a,
    const uint8_t target[WEFT_ID_BYTES], struct weft_buf *env,
    uint8_t id[WEFT_ID_BYTES])
{
	struct weft_record	r;
	int			err = -ENOMEM;

	weft_record_init(&r);
	r.type = WEFT_REC_RETRACT;
	memcpy(r.author, a->pk, WEFT_PK_BYTES);
	r.ts = wall_ms();
	r.targets.ids = calloc(1, WEFT_ID_BYTES);
	r.reason = strdup("not mine to take back");
	if (r.targets.ids == NULL || r.reason == NULL)
		goto out;
	memcpy(r.targets.ids[0], target, WEFT_ID_BYTES);
	r.targets.n = 1;
	err = seal(a, &r, env, id);
out:
	weft_record_release(&r);
	return err;
}

/* The envelope in file path, as it is. */
static int
read_env(const char *path, struct weft_buf *env, uint8_t id[WEFT_ID_BYTES])
{
	const uint8_t	*body, *sig;
	uint8_t		 buf[WEFT_RECORD_MAX];
	size_t		 n, blen;
	FILE		*f;
	int		 err;

	f = fopen(path, "rb");
	if (f == NULL)
		return -errno;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	err = weft_record_open(buf, n, &body, &blen, &sig);
	if (err == 0)
		weft_record_id(body, blen, id);
	if (err == 0)
		err = weft_buf_add(env, buf, n);
	return err;
}

/* Parses "HEX" or "HEX:HEX" into a and b (b = a when absent). */
static int
parse_pair(const char *s, uint8_t a[WEFT_ID_BYTES], uint8_t b[WEFT_ID_BYTES])
{
	const char	*colon = strchr(s, ':');

	if (colon == NULL)
		return parse_id(s, strlen(s), a) || parse_id(s, strlen(s), b) ?
		    WEFT_EUSAGE : 0;
	if (parse_id(s, (size_t)(colon - s), a) != 0 ||
	    parse_id(colon + 1, strlen(colon + 1), b) != 0)
		return WEFT_EUSAGE;
	return 0;
}

/* Builds the record of one mode argument into h->envs. */
static int
add_mode(struct hostile *h, const char *arg)
{
	struct weft_keypair	 other;
	struct weft_buf		*env;
	const char		*eq = strchr(arg, '=');
	size_t			 n = eq != NULL ? (size_t)(eq - arg) :
				    strlen(arg);
	uint8_t			 x[WEFT_ID_BYTES], y[WEFT_ID_BYTES];
	uint8_t			 id[WEFT_ID_BYTES];
	char			 name[32];
	int			 err;

	snprintf(name, sizeof(name), "%.*s", (int)n, arg);
	if (strcmp(name, "chunk") == 0) {
		h->serve_chunks = true;
		return 0;
	}
	if (strcmp(name, "idle") == 0 && eq == NULL)
		return 0;
	if (strcmp(name, "noread") == 0 && eq == NULL) {
		h->noread = true;
		return 0;
	}
	if (h->nenvs == MODES_MAX)
		return WEFT_EUSAGE;
	env = &h->envs[h->nenvs];
	weft_buf_init(env, WEFT_RECORD_MAX);
	if (strcmp(name, "valid") == 0 && eq == NULL)
		err = make_rev(&h->author, NULL, NULL, "valid from a hostile "
		    "peer", NULL, env, id);
	else if (strcmp(name, "forged") == 0 && eq == NULL)
		err = make_forged(&h->author, env, id);
	else if (strcmp(name, "badpath") == 0 && eq == NULL)
		err = make_badpath(&h->author, env, id);
	else if (strcmp(name, "nonmaint") == 0 && eq != NULL &&
	    strchr(eq + 1, ':') != NULL) {
		err = parse_pair(eq + 1, x, y);
		if (err == 0)
			err = make_entry(&h->author, x, y, env, id);
	} else if (strcmp(name, "nonmaintchange") == 0 && eq != NULL) {
		err = parse_id(eq + 1, strlen(eq + 1), x);
		if (err == 0)
			err = make_maint(&h->author, x, env, id);
	} else if (strcmp(name, "otherauthor") == 0 && eq != NULL) {
		err = parse_pair(eq + 1, x, y);
		if (err == 0)
			err = make_rev(&h->author, x, y, "hijacked", NULL,
			    env, id);
	} else if ((strcmp(name, "label") == 0 ||
	    strcmp(name, "forgedlabel") == 0) && eq != NULL) {
		err = parse_id(eq + 1, strlen(eq + 1), x);
		if (err == 0)
			err = make_label(&h->author, x, name[0] == 'f', env,
			    id);
	} else if ((strcmp(name, "receipt") == 0 ||
	    strcmp(name, "forgedreceipt") == 0) && eq != NULL) {
		err = parse_pair(eq + 1, x, y);
		if (err == 0)
			err = make_receipt(&h->node, x, y, env, id);
		if (err == 0 && name[0] == 'f') {
			const uint8_t	*b, *sig;
			size_t		 blen;

			/* The last body byte is the expiry's lowest. */
			err = weft_record_open(env->data, env->len, &b, &blen,
			    &sig);
			if (err == 0) {
				env->data[(size_t)(b - env->data) + blen -
				    1] ^= 0x01;
				weft_record_id(b, blen, id);
			}
		}
	} else if (strcmp(name, "remix") == 0 && eq != NULL) {
		err = parse_id(eq + 1, strlen(eq + 1), x);
		if (err == 0)
			err = make_remix(&h->author, x, env, id);
	} else if (strcmp(name, "retract") == 0 && eq != NULL) {
		err = parse_id(eq + 1, strlen(eq + 1), x);
		if (err == 0)
			err = make_retract(&h->author, x, env, id);
	} else if (strcmp(name, "envfile") == 0 && eq != NULL) {
		err = read_env(eq + 1, env, id);
	} else if (strcmp(name, "otherkey") == 0 && eq == NULL) {
		/* Signed by a key other than the "author" it names. */
		err = weft_key_generate(&other);
		if (err == 0) {
			struct weft_buf	 tmp;
			const uint8_t	*b, *sig;
			size_t		 blen;

			weft_buf_init(&tmp, WEFT_RECORD_MAX);
			err = make_rev(&h->author, NULL, NULL, "other key",
			    NULL, &tmp, id);
			if (err == 0)
				err = weft_record_open(tmp.data, tmp.len, &b,
				    &blen, &sig);
			if (err == 0)
				err = sign_body(&other, b, blen, env, id);
			weft_buf_release(&tmp);
			weft_key_release(&other);
		}
	} else {
		weft_buf_release(env);
		return WEFT_EUSAGE;
	}
	if (err) {
		weft_buf_release(env);
		fprintf(stderr, "hostile-peer: cannot make '%s': %s\n", arg,
		    weft_strerror(err));
		return err;
	}
	h->nenvs++;
	print_id(name, id);
	return 0;
}

/* Parses NODEID@HOST:PORT (an IPv4 literal) into h->remote and sa. */
static int
parse_addr(struct hostile *h, const char *s, struct sockaddr_in *sa)
{
	const char	*at = strchr(s, '@'), *colon;
	char		 host[64];
	char		*end;
	unsigned long	 port;

	if (at == NULL || parse_id(s, (size_t)(at - s), h->remote) != 0)
		return WEFT_EUSAGE;
	colon = strrchr(at, ':');
	if (colon == NULL || (size_t)(colon - at - 1) >= sizeof(host))
		return WEFT_EUSAGE;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - at - 1), at + 1);
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || port == 0 || port > 65535)
		return WEFT_EUSAGE;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return WEFT_EUSAGE;
	return 0;
}

/* Writes everything the session has to say. */
static int
flush_out(struct hostile *h)
{
	struct weft_buf	out;
	size_t		off;
	ssize_t		n;
	int		err = 0;

	weft_buf_init(&out, 2 * OUT_CHUNK);
	/* weft_session_pending() covers the handshake and goodbye only. */
	while (err == 0) {
		weft_buf_reset(&out);
		err = weft_session_output(&h->sess, &out, OUT_CHUNK);
		for (off = 0; err == 0 && off < out.len; off += (size_t)n) {
			n = send(h->fd, out.data + off, out.len - off,
			    MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR)
				n = 0;
			else if (n < 0)
				err = -errno;
		}
		if (out.len == 0)
			break;
	}
	weft_buf_release(&out);
	return err;
}

static int
send_push(struct hostile *h)
{
	struct weft_mux		*mux = weft_session_mux(&h->sess);
	struct weft_pack	 pk;
	struct weft_buf		 m;
	int			 err;

	err = weft_mux_open(mux, "sync", 0, &h->sync_ch);
	if (err)
		return err;
	weft_buf_init(&m, WEFT_WIRE_MSG_MAX);
	weft_pack_init(&pk, &m);
	weft_pack_map(&pk, 2);
	weft_pack_str(&pk, "t");
	weft_pack_str(&pk, "push");
	weft_pack_str(&pk, "envs");
	weft_pack_array(&pk, (uint32_t)h->nenvs);
	for (size_t i = 0; i < h->nenvs; i++)
		weft_pack_bin(&pk, h->envs[i].data, h->envs[i].len);
	err = weft_pack_error(&pk);
	if (err == 0)
		err = weft_mux_send(mux, h->sync_ch, m.data, m.len);
	weft_buf_release(&m);
	return err;
}

/* Answers a "want" of the daemon with a wrong chunk for every id. */
static int
serve_want(struct hostile *h, const uint8_t *p, size_t len)
{
	struct weft_mux		*mux = weft_session_mux(&h->sess);
	const struct weft_obj	*ids;
	struct weft_msg		 msg;
	struct weft_pack	 pk;
	struct weft_buf		 m;
	uint8_t			 id[WEFT_ID_BYTES], junk[TAMPER_LEN];
	const char		*t;
	size_t			 tn;
	int			 err;

	err = weft_msg_decode(&msg, p, len);
	if (err)
		return err;
	err = weft_obj_str(weft_obj_get(msg.root, "t"), &t, &tn);
	if (err == 0 && (tn != 4 || memcmp(t, "want", 4) != 0))
		err = WEFT_EPROTO;
	ids = weft_obj_get(msg.root, "ids");
	weft_buf_init(&m, WEFT_WIRE_MSG_MAX);
	for (uint32_t i = 0; err == 0 && i < weft_obj_len(ids); i++) {
		err = weft_obj_binn(weft_obj_at(ids, i), id, WEFT_ID_BYTES);
		if (err)
			break;
		/* The id asked for, and bytes that do not hash to it. */
		memset(junk, 0x5a, sizeof(junk));
		memcpy(junk, id, WEFT_ID_BYTES);
		weft_buf_reset(&m);
		weft_pack_init(&pk, &m);
		weft_pack_map(&pk, 5);
		weft_pack_str(&pk, "t");
		weft_pack_str(&pk, "chunk");
		weft_pack_str(&pk, "id");
		weft_pack_bin(&pk, id, WEFT_ID_BYTES);
		weft_pack_str(&pk, "size");
		weft_pack_uint(&pk, sizeof(junk));
		weft_pack_str(&pk, "off");
		weft_pack_uint(&pk, 0);
		weft_pack_str(&pk, "data");
		weft_pack_bin(&pk, junk, sizeof(junk));
		err = weft_pack_error(&pk);
		if (err == 0)
			err = weft_mux_send(mux, h->files_ch, m.data, m.len);
		if (err == 0) {
			h->tampered++;
			print_id("tampered", id);
		}
	}
	weft_buf_release(&m);
	weft_msg_release(&msg);
	return err;
}

/* Takes the session's events: channels opened, messages, ends. */
static int
drain(struct hostile *h)
{
	struct weft_mux		*mux;
	struct weft_mux_ev	 ev;
	int			 err;

	while ((err = weft_session_poll(&h->sess, &ev)) == 0) {
		mux = weft_session_mux(&h->sess);
		err = 0;
		if (mux == NULL) {
			free(ev.data);
			continue;
		}
		switch (ev.type) {
		case WEFT_MUX_EV_OPEN:
			if (h->serve_chunks && h->files_ch == 0 &&
			    strcmp((char *)ev.data, "files") == 0)
				h->files_ch = ev.ch;
			break;
		case WEFT_MUX_EV_MSG:
			err = weft_mux_consumed(mux, ev.ch, ev.len);
			if (err == 0 && h->serve_chunks &&
			    ev.ch == h->files_ch)
				err = serve_want(h, ev.data, ev.len);
			break;
		case WEFT_MUX_EV_END:
			err = weft_mux_end(mux, ev.ch);
			if (ev.ch == h->files_ch)
				h->files_ch = 0;
			break;
		default:
			break;
		}
		free(ev.data);
		if (err)
			return err;
	}
	return err == WEFT_ENOTFOUND ? 0 : err;
}

static bool
is_reset(int err)
{
	return err == -ECONNRESET || err == -EPIPE;
}

/*
 * Runs the connection until the daemon leaves it (returns 0, h->gone
 * says how), the deadline passes (-ETIMEDOUT) or something else fails.
 */
static int
run(struct hostile *h, uint64_t deadline)
{
	struct pollfd	pfd;
	uint8_t		in[IN_CHUNK];
	uint64_t	now, next;
	ssize_t		n;
	int		err, ms;

	for (;;) {
		err = drain(h);
		if (weft_session_state(&h->sess) == WEFT_SESSION_OPEN)
			h->was_open = true;
		if (err == 0 && !h->pushed && h->nenvs > 0 &&
		    weft_session_state(&h->sess) == WEFT_SESSION_OPEN) {
			err = send_push(h);
			h->pushed = true;
		}
		if (err)
			return err;
		if (weft_session_state(&h->sess) == WEFT_SESSION_CLOSED) {
			if (weft_session_error(&h->sess) != 0)
				return weft_session_error(&h->sess);
			snprintf(h->gone, sizeof(h->gone), "closed: %s",
			    weft_session_reason(&h->sess));
			return 0;
		}
		err = flush_out(h);
		if (is_reset(err))
			goto reset;
		if (err)
			return err;
		now = mono_ms();
		err = weft_session_tick(&h->sess, now, &next);
		if (err)
			return err;
		if (now >= deadline)
			return -ETIMEDOUT;
		if (next > deadline)
			next = deadline;
		ms = next > now + 1000 ? 1000 : (int)(next - now);
		pfd.fd = h->fd;
		pfd.events = h->noread && h->was_open ? POLLRDHUP : POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, ms) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd.revents == 0)
			continue;
		if (h->noread && h->was_open) {
			snprintf(h->gone, sizeof(h->gone),
			    "dropped: closed while we did not read");
			return 0;
		}
		n = recv(h->fd, in, sizeof(in), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && is_reset(-errno))
			goto reset;
		if (n < 0)
			return -errno;
		if (n == 0) {
			err = weft_session_eof(&h->sess);
			snprintf(h->gone, sizeof(h->gone), "%s: %s", err == 0 ?
			    "closed" : "dropped", err == 0 ?
			    weft_session_reason(&h->sess) :
			    "end of stream without goodbye");
			return 0;
		}
		err = weft_session_feed(&h->sess, in, (size_t)n, mono_ms());
		if (err)
			return err;
	}
reset:
	snprintf(h->gone, sizeof(h->gone), "dropped: connection reset");
	return 0;
}

/*
 * --count: forks n children, which return -1 and go on as single peers;
 * the parent waits for them all and returns 0 when each exited 0 or 3.
 */
static uint64_t	many_deadline;	/* --count: the children's, 0: none */

static int
run_many(unsigned long n, unsigned long timeout, bool reconnect,
    unsigned long stagger)
{
	struct timespec	ts = { (time_t)(stagger / 1000),
			    (long)(stagger % 1000) * 1000000 };

	pid_t	pid;
	int	status, rc = 0;

	fflush(stdout);
	many_deadline = mono_ms() + (uint64_t)timeout * 1000;
	for (unsigned long i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0)
			return -1;
		if (stagger > 0)
			nanosleep(&ts, NULL);
	}
	while ((pid = wait(&status)) > 0) {
		if (reconnect && mono_ms() + 100 < many_deadline) {
			pid = fork();
			if (pid == 0)
				return -1;
			continue;
		}
		if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 &&
		    WEXITSTATUS(status) != 3))
			rc = 1;
	}
	return rc;
}

static int
usage(void)
{
	fprintf(stderr, "usage: hostile-peer [--network-key HEX] "
	    "[--timeout SEC] NODEID@HOST:PORT MODE...\n"
	    "modes: valid forged otherkey badpath nonmaint=LIB:DESIGN "
	    "label=DESIGN forgedlabel=DESIGN "
	    "otherauthor=DESIGN[:PREV] remix=REV receipt=DESIGN[:REV]\n"
	    "       forgedreceipt=DESIGN[:REV] chunk idle noread\n"
	    "       [--count N [--reconnect] [--stagger MS]] runs N peers\n");
	return 2;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "network-key", required_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'c' },
		{ "reconnect", no_argument, NULL, 'r' },
		{ "stagger", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct hostile		*h;
	struct weft_session_cfg	 cfg;
	struct sockaddr_in	 sa;
	const char		*netkey_hex = WEFT_NETWORK_KEY_DEFAULT;
	uint8_t			 eph[32];
	unsigned long		 timeout = 20, count = 1, stagger = 0;
	char			*end;
	int			 c, err, rc = 1, one = 1;
	bool			 reconnect = false;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			netkey_hex = optarg;
			break;
		case 'r':
			reconnect = true;
			break;
		case 's':
			errno = 0;
			stagger = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || stagger > 10000)
				return usage();
			break;
		case 'c':
			errno = 0;
			count = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || count == 0 ||
			    count > 1000)
				return usage();
			break;
		case 't':
			errno = 0;
			timeout = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || timeout == 0 ||
			    timeout > 3600)
				return usage();
			break;
		default:
			return usage();
		}
	}
	if (argc - optind < 2)
		return usage();
	if ((count > 1 || reconnect) &&
	    (rc = run_many(count, timeout, reconnect, stagger)) >= 0)
		return rc;
	rc = 1;
	if (sodium_init() < 0)
		return 1;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return 1;
	h->fd = -1;
	if (weft_hex_decode(h->netkey, sizeof(h->netkey), netkey_hex,
	    strlen(netkey_hex)) != 0 ||
	    parse_addr(h, argv[optind], &sa) != 0) {
		rc = usage();
		goto out;
	}
	if (weft_key_generate(&h->node) != 0 ||
	    weft_key_generate(&h->author) != 0)
		goto out;
	for (int i = optind + 1; i < argc; i++) {
		err = add_mode(h, argv[i]);
		if (err == WEFT_EUSAGE) {
			rc = usage();
			goto out;
		}
		if (err)
			goto out;
	}

	h->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (h->fd < 0 || connect(h->fd, (struct sockaddr *)&sa,
	    sizeof(sa)) != 0) {
		fprintf(stderr, "hostile-peer: cannot connect to %s: %s\n",
		    argv[optind], strerror(errno));
		goto out;
	}
	(void)setsockopt(h->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	memset(&cfg, 0, sizeof(cfg));
	cfg.netkey = h->netkey;
	cfg.local = &h->node;
	cfg.limits.handshake_ms = 10000;
	cfg.limits.ping_ms = 15000;
	cfg.limits.idle_ms = 60000;
	cfg.limits.sendq_max = 4u * 1024 * 1024;
	randombytes_buf(eph, sizeof(eph));
	err = weft_session_init(&h->sess, &cfg, h->remote, eph, mono_ms());
	sodium_memzero(eph, sizeof(eph));
	h->has_sess = true;
	if (err) {
		fprintf(stderr, "hostile-peer: session: %s\n",
		    weft_strerror(err));
		goto out;
	}

	err = run(h, many_deadline != 0 ? many_deadline :
	    mono_ms() + (uint64_t)timeout * 1000);
	if (err == 0 && !h->was_open) {
		/* Never got in: the daemon refused the handshake. */
		fprintf(stderr, "hostile-peer: handshake refused (%s)\n",
		    h->gone);
	} else if (err == 0) {
		printf("%s\n", h->gone);
		rc = 0;
	} else if (err == -ETIMEDOUT && weft_session_error(&h->sess) == 0) {
		printf("timeout\n");
		rc = 3;
	} else {
		fprintf(stderr, "hostile-peer: %s\n", weft_strerror(err));
	}
	if (h->serve_chunks)
		printf("tampered chunks: %u\n", h->tampered);
	fflush(stdout);
	if (rc == 3 && weft_session_error(&h->sess) == 0) {
		weft_session_close(&h->sess, "hostile peer done");
		(void)flush_out(h);
	}
out:
	if (h->fd >= 0)
		close(h->fd);
	if (h->has_sess)
		weft_session_release(&h->sess);
	for (size_t i = 0; i < h->nenvs; i++)
		weft_buf_release(&h->envs[i]);
	weft_key_release(&h->author);
	weft_key_release(&h->node);
	free(h);
	return rc;
}
