/*
 * Readiness and shutdown notices to a service manager: the sd_notify(3)
 * datagram protocol, written here in a few lines rather than linking
 * libsystemd (README.md, "Dependencies"). When $NOTIFY_SOCKET is unset
 * every call does nothing.
 */
#ifndef WEFT_NOTIFY_H
#define WEFT_NOTIFY_H

/*
 * Sends state ("READY=1", "STOPPING=1", "STATUS=...", newline-separated
 * assignments, at most WEFT_NOTIFY_MAX bytes) to $NOTIFY_SOCKET, a path
 * or an abstract socket name starting with '@'. Returns 0 when sent or
 * when no socket is set, -errno or WEFT_ETOOBIG otherwise.
 */
#define WEFT_NOTIFY_MAX	1024
int	weft_notify(const char *state);

#endif
