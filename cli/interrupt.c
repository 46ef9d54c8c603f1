/*
 * SIGINT, SIGTERM and SIGHUP during get and publish (interrupt.h). The
 * handlers are installed without SA_RESTART and only for the command's
 * duration; the previous ones come back afterwards (the fuzz-cli
 * harness runs weft's commands inside one process).
 */
#include <sys/socket.h>

#include <signal.h>
#include <string.h>

#include "interrupt.h"

static const int		 sigs[] = { SIGINT, SIGTERM, SIGHUP };
#define NSIGS	(sizeof(sigs) / sizeof(sigs[0]))

static struct sigaction		 saved[NSIGS];
static volatile sig_atomic_t	 caught;
static volatile sig_atomic_t	 shut_fd = -1;
static int			 active;

static void
on_signal(int sig)
{
	int	fd = shut_fd;

	if (caught == 0)
		caught = sig;
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
}

void
weft__intr_catch(int fd)
{
	struct sigaction	sa;

	caught = 0;
	shut_fd = fd;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NSIGS; i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	for (size_t i = 0; i < NSIGS; i++) {
		sigaction(sigs[i], &sa, &saved[i]);
		/* Ignored (nohup, a background job): stays ignored. */
		if (saved[i].sa_handler == SIG_IGN)
			sigaction(sigs[i], &saved[i], NULL);
	}
	active = 1;
}

int
weft__intr_caught(void)
{
	return caught;
}

void
weft__intr_release(bool reraise)
{
	int	sig = caught;

	if (!active)
		return;
	active = 0;
	shut_fd = -1;
	for (size_t i = 0; i < NSIGS; i++)
		sigaction(sigs[i], &saved[i], NULL);
	caught = 0;
	if (sig != 0 && reraise) {
		/* End as the signal asks: default action, raised again. */
		signal(sig, SIG_DFL);
		raise(sig);
	}
}
