/*
 * The sd_notify(3) protocol: one AF_UNIX datagram of "KEY=VALUE" lines to
 * the socket named by $NOTIFY_SOCKET (a file system path, or an abstract
 * name written with a leading '@'). systemd documents it as a stable
 * interface that daemons may implement themselves; credentials are passed
 * by the kernel (SO_PASSCRED on the receiving side), so nothing else is
 * needed. Only the main process sends, so NotifyAccess=main suffices.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft/err.h"

#include "notify.h"

int
weft_notify(const char *state)
{
	struct sockaddr_un	 sun;
	const char		*path = getenv("NOTIFY_SOCKET");
	size_t			 plen, slen;
	socklen_t		 alen;
	ssize_t			 n;
	int			 fd, err = 0;

	if (path == NULL || path[0] == '\0')
		return 0;
	plen = strlen(path);
	slen = strlen(state);
	if (slen > WEFT_NOTIFY_MAX)
		return WEFT_ETOOBIG;
	if ((path[0] != '/' && path[0] != '@') || plen < 2 ||
	    plen >= sizeof(sun.sun_path))
		return -EINVAL;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, plen);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';	/* abstract: no NUL at the end */
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen +
	    (path[0] == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -errno;
	n = sendto(fd, state, slen, MSG_NOSIGNAL, (struct sockaddr *)&sun,
	    alen);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != slen)
		err = -EIO;
	close(fd);
	return err;
}
