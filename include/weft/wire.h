/*
 * Peer messages inside box-stream (docs/proto/wire.md is the byte-exact
 * specification). Every box body is one mux frame:
 *
 *   channel (uint16 BE) || flags (uint8: FIRST 0x01, LAST 0x02) || payload
 *
 * and a message is the concatenation of the payloads of one channel from a
 * FIRST frame to a LAST frame. Channel 0 carries control messages, msgpack
 * maps keyed "t": hello, ping, pong, close, open, accept, window, end.
 * This module encodes and decodes single frames and control messages;
 * proto/mux.c (include/weft/mux.h) reassembles and schedules them.
 * Decoders are total: any input gives 0 or an error, never a crash.
 */
#ifndef WEFT_WIRE_H
#define WEFT_WIRE_H

#include <stddef.h>
#include <stdint.h>

struct weft_buf;

#define WEFT_WIRE_VERSION	1

/* Frames. */
#define WEFT_WIRE_FRAME_HDR	3
#define WEFT_WIRE_FRAME_MAX	4096	/* a box body, WEFT_BOXS_BODY_MAX */
#define WEFT_WIRE_PAYLOAD_MAX	(WEFT_WIRE_FRAME_MAX - WEFT_WIRE_FRAME_HDR)
#define WEFT_WIRE_FIRST		0x01
#define WEFT_WIRE_LAST		0x02

/* Messages. */
#define WEFT_WIRE_MSG_MAX	(1024 * 1024 + 4096)	/* data channels */
#define WEFT_WIRE_CTL_MAX	(64 * 1024)		/* channel 0 */
/* Window units charged per data message on top of its length. */
#define WEFT_WIRE_MSG_COST	64
/* A receive window must hold the largest message plus its charge. */
#define WEFT_WIRE_WINDOW_MIN	(1024 * 1024 + 8192)
#define WEFT_WIRE_WINDOW_MAX	(64 * 1024 * 1024)
#define WEFT_WIRE_CH_MAX	65535

/* Field limits. */
#define WEFT_WIRE_NODE_BYTES	32
#define WEFT_WIRE_ID_BYTES	32
#define WEFT_WIRE_LISTEN_MAX	255
#define WEFT_WIRE_SW_MAX	64
#define WEFT_WIRE_INTERESTS_MAX	256
#define WEFT_WIRE_REASON_MAX	256
#define WEFT_WIRE_PURPOSE_MAX	32

/* One box body, decoded; payload borrows the input. */
struct weft_wire_frame {
	uint16_t	 ch;
	uint8_t		 flags;
	const uint8_t	*payload;
	size_t		 len;
};

/*
 * Decodes a box body of n bytes. Returns 0 or WEFT_EPROTO: n outside
 * 3..4096, a reserved flag bit set, or an empty payload in anything but a
 * FIRST|LAST frame (the one encoding of an empty message).
 */
int	weft_wire_frame_decode(struct weft_wire_frame *f, const uint8_t *p,
	    size_t n);

/*
 * Writes f as a box body to out and its length to *n. Returns 0 or
 * WEFT_EUSAGE when f would not decode (see weft_wire_frame_decode()).
 */
int	weft_wire_frame_encode(const struct weft_wire_frame *f,
	    uint8_t out[static WEFT_WIRE_FRAME_MAX], size_t *n);

enum weft_wire_type {
	WEFT_WIRE_HELLO = 1,
	WEFT_WIRE_PING,
	WEFT_WIRE_PONG,
	WEFT_WIRE_CLOSE,
	WEFT_WIRE_OPEN,
	WEFT_WIRE_ACCEPT,
	WEFT_WIRE_WINDOW,
	WEFT_WIRE_END,
};

enum weft_wire_scope {
	WEFT_WIRE_SCOPE_ALL = 1,	/* every record; no id */
	WEFT_WIRE_SCOPE_AUTHOR,		/* id: an author key */
	WEFT_WIRE_SCOPE_LIB,		/* id: a library's genesis id */
};

struct weft_wire_interest {
	enum weft_wire_scope	scope;
	uint8_t			id[WEFT_WIRE_ID_BYTES];	/* zero for ALL */
};

struct weft_wire_hello {
	uint64_t	version;	/* WEFT_WIRE_VERSION when we send */
	uint8_t		node[WEFT_WIRE_NODE_BYTES];
	char		listen[WEFT_WIRE_LISTEN_MAX + 1];	/* "" = nil */
	char		sw[WEFT_WIRE_SW_MAX + 1];
	uint32_t	ninterests;
	struct weft_wire_interest interests[WEFT_WIRE_INTERESTS_MAX];
};

/* A control message; u is selected by type. */
struct weft_wire_msg {
	enum weft_wire_type	type;
	union {
		struct weft_wire_hello	hello;
		uint64_t		ping;	/* "n" */
		uint64_t		pong;	/* "n" */
		char			close[WEFT_WIRE_REASON_MAX + 1];
		struct {
			uint16_t	ch;
			char		purpose[WEFT_WIRE_PURPOSE_MAX + 1];
			uint32_t	window;
		} open;
		struct {
			uint16_t	ch;
			uint32_t	window;
		} accept;
		struct {
			uint16_t	ch;
			uint32_t	add;
		} window;
		struct {
			uint16_t	ch;
		} end;
	} u;
};

/*
 * Appends the msgpack encoding of m to out (keys in the order of
 * docs/proto/wire.md). Returns 0, WEFT_EUSAGE (a field outside its limits,
 * so that whatever is encoded also decodes), WEFT_ETOOBIG (out's cap) or
 * -ENOMEM; on failure out may hold a partial encoding.
 */
int	weft_wire_encode(const struct weft_wire_msg *m, struct weft_buf *out);

/*
 * Decodes one control message of n bytes (at most WEFT_WIRE_CTL_MAX) into
 * m; nothing in m borrows p. Unknown keys are ignored; known keys are
 * type- and range-checked. Returns 0, WEFT_EPROTO (not one msgpack map,
 * unknown "t"), WEFT_EBADFIELD (a missing or malformed field),
 * WEFT_ETOOBIG or -ENOMEM.
 */
int	weft_wire_decode(struct weft_wire_msg *m, const uint8_t *p, size_t n);

/* The "t" string of a type ("hello"), or NULL. */
const char *weft_wire_type_name(enum weft_wire_type t);

#endif
