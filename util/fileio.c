/*
 * Small file helpers (fileio.h).
 */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "fileio.h"

int
weft_write_all(int fd, const void *p, size_t n)
{
	const uint8_t	*q = p;
	ssize_t		 w;

	while (n > 0) {
		w = write(fd, q, n);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		q += w;
		n -= (size_t)w;
	}
	return 0;
}
