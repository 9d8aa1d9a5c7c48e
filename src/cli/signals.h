/* SIGINT, SIGTERM and SIGHUP: the first one asks the run to stop at the next record boundary (the record
 * being written is finished, the ones not yet written are dropped, output files are abandoned so the old
 * ones stay), after which the program exits 128 + the signal's number, as the shell reports a death by it.
 * A second signal ends the process at once (the handler is reset by the first). The handlers do not restart
 * system calls, so a read waiting on a terminal or pipe returns and the run ends without more input. */
#ifndef RS_SIGNALS_H
#define RS_SIGNALS_H

#include <stdbool.h>

/* Installs the handlers. */
void rs_signals_install(void);

/* The number of the signal that asked to stop, or 0. */
int rs_stop_signal(void);

/* Blocks (true) or unblocks (false) the three signals in the calling thread, so that threads started in
 * between never take them: the thread that waits on input must be the one interrupted. */
void rs_signals_block(bool blocked);

#endif
