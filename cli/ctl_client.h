/*
 * The CLI side of the control socket (docs/proto/control.md): a blocking
 * AF_UNIX connection to $WEFT_HOME/weftd.sock carrying framed msgpack
 * requests and replies.
 *
 * A reply is kept in the client until the next receive: the objects that
 * weft_ctl_client_recv() returns point into the client's frame buffer.
 */
#ifndef WEFT_CLI_CTL_CLIENT_H
#define WEFT_CLI_CTL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weft/buf.h"
#include "weft/pack.h"

struct weft_cli;

#define WEFT_CTL_ERROR_MAX	512

struct weft_ctl_client {
	int		 fd;
	char		 sock[128];	/* the socket path, for messages */
	struct weft_buf	 frame;		/* last reply body */
	struct weft_msg	 msg;		/* decoded from frame */
	bool		 has_msg;
	char		 error[WEFT_CTL_ERROR_MAX];	/* last "error" */
};

/*
 * Connects to the daemon of home. Returns 0, WEFT_ETOOBIG when the
 * socket path does not fit in sun_path, or -errno from socket/connect.
 */
int	weft_ctl_client_open(struct weft_ctl_client *c, const char *home);
/* Closes the socket and frees the last reply; safe to call twice. */
void	weft_ctl_client_close(struct weft_ctl_client *c);

/*
 * Connects like weft_ctl_client_open() and, on failure, prints the
 * "cannot reach weftd" line. Returns 0 or WEFT_EXIT_DAEMON.
 */
int	weft_ctl_client_connect(struct weft_ctl_client *c,
	    const struct weft_cli *cli);

/*
 * Starts a request: a map of nargs + 2 entries with "v" and "op". The
 * caller then packs nargs key/value pairs.
 */
void	weft_ctl_request(struct weft_pack *pk, const char *op, uint32_t nargs);

/*
 * Sends one frame whose body is body[0..len). Returns 0, WEFT_ETOOBIG or
 * -errno (-EPIPE when the daemon has closed the connection).
 */
int	weft_ctl_client_send(struct weft_ctl_client *c, const uint8_t *body,
	    size_t len);

/*
 * Sends one frame whose body is prefix[0..plen) followed by len bytes
 * read from fd at its offset, which it advances. sendfile() moves the
 * bytes from the page cache to the socket without a copy through this
 * process (AF_UNIX splices the pages); where it refuses the pair before
 * any byte went (EINVAL, ENOSYS), read() and send() carry them. Returns
 * 0; WEFT_EBUSY when the file ended before len bytes; or -errno, with
 * *sock telling whether the socket (true) or the file failed. After a
 * failure the frame may be cut short: send nothing more on c.
 */
int	weft_ctl_client_send_fd(struct weft_ctl_client *c,
	    const uint8_t *prefix, size_t plen, int fd, size_t len,
	    bool *sock);

/*
 * Reads and decodes one reply. On status 0 returns 0 and *reply. On a
 * daemon error returns its status and copies its "error" line into
 * c->error. Returns WEFT_EPROTO for a malformed reply and -ECONNRESET
 * when the daemon closed the connection. *reply is valid until the next
 * receive or the close.
 */
int	weft_ctl_client_recv(struct weft_ctl_client *c,
	    const struct weft_obj **reply);

/*
 * Sends a request built in body and reads its (first) reply, as the two
 * calls above.
 */
int	weft_ctl_client_call(struct weft_ctl_client *c, struct weft_buf *body,
	    const struct weft_obj **reply);

/*
 * Builds a request for op from string arguments given as key, value pairs
 * ending with a NULL key (a NULL value leaves its key out), sends it and
 * reads the first reply, as weft_ctl_client_call().
 */
int	weft_ctl_client_op(struct weft_ctl_client *c,
	    const struct weft_obj **reply, const char *op, ...);

/*
 * For list replies: after a frame, whether another one follows ("more").
 * A frame without "more" ends the list.
 */
bool	weft_ctl_more(const struct weft_obj *reply);

#endif
