#include "signals.h"

#include <pthread.h>
#include <signal.h>
#include <stddef.h>

static volatile sig_atomic_t stop_signal;

static void request_stop(int signal_number)
{
    stop_signal = signal_number;
}

static const int STOP_SIGNALS[] = {SIGINT, SIGTERM, SIGHUP};

void rs_signals_install(void)
{
    struct sigaction action = {0};
    action.sa_handler = request_stop;
    action.sa_flags = SA_RESETHAND; /* no SA_RESTART: see signals.h */
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < sizeof STOP_SIGNALS / sizeof *STOP_SIGNALS; i++) {
        struct sigaction old;
        /* A signal ignored by whoever started us (nohup, a background job's SIGINT) stays ignored. */
        if (sigaction(STOP_SIGNALS[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(STOP_SIGNALS[i], &action, NULL);
    }
}

int rs_stop_signal(void)
{
    return stop_signal;
}

void rs_signals_block(bool blocked)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof STOP_SIGNALS / sizeof *STOP_SIGNALS; i++)
        sigaddset(&set, STOP_SIGNALS[i]);
    pthread_sigmask(blocked ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}
