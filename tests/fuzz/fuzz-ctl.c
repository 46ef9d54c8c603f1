/*
 * Fuzzes the control-socket frame path as weftd runs it (daemon/ctl.c
 * read_cb and frame_dispatch, daemon/ops.c weft__ops_dispatch): the input
 * is a byte stream of frames, each a 4-byte length read with
 * weft_ctl_hdr_get() and a body copied into its own allocation of that
 * length, decoded with weft_msg_decode(), required to be a map, and asked
 * for "v" and "op" and the fields requests carry. A stream that ends
 * inside a frame is left waiting, as the daemon would.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weft/buf.h"
#include "weft/ctl.h"
#include "weft/err.h"
#include "weft/pack.h"
#include "weft/record.h"

#include "fuzz.h"

/* Keys the request handlers look up (daemon/ops.c, publish.c, get.c). */
static const char *const fields[] = {
	"v", "op", "id", "rev", "design", "lib", "path", "files", "title",
	"tags", "tag", "license", "description", "message", "data", "size",
	"hash", "name", "query", "depth", "kind", "author", "done",
};

static void
request(const struct weft_obj *req)
{
	const struct weft_obj	*o;
	const char		*op, *s;
	const uint8_t		*b;
	char			 name[32], cs[WEFT_PATH_MAX + 1], *d;
	uint8_t			 id[WEFT_ID_BYTES];
	uint64_t		 v, u;
	size_t			 oplen, n;
	int64_t			 i;
	bool			 t;

	if (weft_obj_uint(weft_obj_get(req, "v"), &v) != 0 ||
	    weft_obj_str(weft_obj_get(req, "op"), &op, &oplen) != 0)
		return;
	snprintf(name, sizeof(name), "%.*s",
	    (int)(oplen < 31 ? oplen : 31), op);
	FUZZ_CHECK(strlen(name) <= oplen);
	for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
		o = weft_obj_get(req, fields[k]);
		(void)weft_obj_uint(o, &u);
		(void)weft_obj_int(o, &i);
		(void)weft_obj_bool(o, &t);
		(void)weft_obj_str(o, &s, &n);
		(void)weft_obj_bin(o, &b, &n);
		(void)weft_obj_binn(o, id, sizeof(id));
		(void)weft_obj_cstr(o, cs, sizeof(cs));
		if (weft_obj_strdup(o, &d) == 0)
			free(d);
		for (uint32_t j = 0; j < weft_obj_len(o) && j < 64; j++) {
			(void)weft_obj_cstr(weft_obj_at(o, j), cs,
			    sizeof(cs));
			(void)weft_obj_binn(weft_obj_at(o, j), id,
			    sizeof(id));
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weft_msg	 m;
	uint8_t		 hdr[WEFT_CTL_HDR], *body;
	uint32_t	 len;
	size_t		 off = 0;
	int		 err;

	while (size - off >= WEFT_CTL_HDR) {
		err = weft_ctl_hdr_get(data + off, &len);
		if (err) {
			FUZZ_CHECK(err == WEFT_ETOOBIG);
			return 0;
		}
		FUZZ_CHECK(len >= 1 && len <= WEFT_CTL_FRAME_MAX);
		weft_ctl_hdr_put(hdr, len);
		FUZZ_CHECK(memcmp(hdr, data + off, WEFT_CTL_HDR) == 0);
		off += WEFT_CTL_HDR;
		if (len > size - off)
			return 0;
		body = malloc(len);
		FUZZ_CHECK(body != NULL);
		memcpy(body, data + off, len);
		off += len;
		err = weft_msg_decode(&m, body, len);
		if (err == 0 && weft_obj_type(m.root) != WEFT_OBJ_MAP) {
			weft_msg_release(&m);
			err = WEFT_EPROTO;
		}
		if (err) {
			/* The daemon answers and closes the connection. */
			FUZZ_CHECK(err == WEFT_EPROTO ||
			    err == WEFT_ETOOBIG || err == -ENOMEM);
			free(body);
			return 0;
		}
		request(m.root);
		weft_msg_release(&m);
		free(body);
	}
	return 0;
}

/* Appends one framed request built by fill to b. */
static void
frame(struct weft_buf *b, void (*fill)(struct weft_pack *))
{
	struct weft_buf		body;
	struct weft_pack	pk;
	uint8_t			hdr[WEFT_CTL_HDR];

	weft_buf_init(&body, 4096);
	weft_pack_init(&pk, &body);
	fill(&pk);
	FUZZ_CHECK(weft_pack_error(&pk) == 0);
	weft_ctl_hdr_put(hdr, (uint32_t)body.len);
	FUZZ_CHECK(weft_buf_add(b, hdr, sizeof(hdr)) == 0);
	FUZZ_CHECK(weft_buf_add(b, body.data, body.len) == 0);
	weft_buf_release(&body);
}

static void
fill_status(struct weft_pack *pk)
{
	weft_pack_map(pk, 2);
	weft_pack_str(pk, "v");
	weft_pack_uint(pk, WEFT_CTL_VERSION);
	weft_pack_str(pk, "op");
	weft_pack_str(pk, "status");
}

static void
fill_publish(struct weft_pack *pk)
{
	static const uint8_t	id[WEFT_ID_BYTES] = { 0xab };

	weft_pack_map(pk, 6);
	weft_pack_str(pk, "v");
	weft_pack_uint(pk, WEFT_CTL_VERSION);
	weft_pack_str(pk, "op");
	weft_pack_str(pk, "publish");
	weft_pack_str(pk, "title");
	weft_pack_str(pk, "Benchy");
	weft_pack_str(pk, "tags");
	weft_pack_array(pk, 2);
	weft_pack_str(pk, "boat");
	weft_pack_str(pk, "test");
	weft_pack_str(pk, "design");
	weft_pack_bin(pk, id, sizeof(id));
	weft_pack_str(pk, "size");
	weft_pack_uint(pk, 1u << 20);
}

static void
fill_data(struct weft_pack *pk)
{
	weft_pack_map(pk, 2);
	weft_pack_str(pk, "data");
	weft_pack_bin(pk, "solid\n", 6);
	weft_pack_str(pk, "offset");
	weft_pack_uint(pk, 0);
}

void
fuzz_seeds(fuzz_emit_cb *emit, void *arg)
{
	struct weft_buf	b;

	weft_buf_init(&b, 16384);
	frame(&b, fill_status);
	emit("status", b.data, b.len, arg);
	weft_buf_reset(&b);
	frame(&b, fill_publish);
	frame(&b, fill_data);
	frame(&b, fill_status);
	emit("publish", b.data, b.len, arg);
	weft_buf_release(&b);
}
