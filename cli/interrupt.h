/*
 * Clean interrupts for the long commands (get, publish, update): while
 * weft__intr_catch() is in force, SIGINT, SIGTERM and SIGHUP are caught;
 * the handler notes the signal and shuts the control socket down
 * (shutdown() is async-signal-safe), so that a blocked read or write
 * returns at once and the command's ordinary failure path runs: get
 * removes its temporary files and the directories it made, publish
 * closes the connection, which makes weftd drop the unfinished publish
 * and its chunks. weft__intr_release() then restores the previous
 * handlers and, if a signal came, raises it again, so that weft ends
 * the way the signal asks (a shell sees 128 + the signal number).
 */
#ifndef WEFT_CLI_INTERRUPT_H
#define WEFT_CLI_INTERRUPT_H

#include <stdbool.h>

/* Catches SIGINT, SIGTERM and SIGHUP; fd (or -1) is shut down on one. */
void	weft__intr_catch(int fd);

/* The signal caught since weft__intr_catch(), or 0. */
int	weft__intr_caught(void);

/*
 * Restores the handlers. With reraise, a caught signal is raised again
 * (then this does not return); a command that finished its work anyway
 * passes false and exits normally.
 */
void	weft__intr_release(bool reraise);

#endif
