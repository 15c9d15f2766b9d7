/* Terminal helpers shared by lstream and lstream-bench: logging, progress bar, cancel on Ctrl-C. */
#ifndef LSTREAM_CLI_COMMON_H
#define LSTREAM_CLI_COMMON_H

#include "libstream/libstream.h"

typedef struct CliOut {
    int quiet, json, verbose;
    int tty; /* stderr is a terminal: draw a progress bar */
    int bar_drawn;
} CliOut;

void cli_log(void *opaque, int level, const char *msg);
void cli_progress(void *opaque, const LStreamProgress *p);
void cli_progress_end(CliOut *o);
/* SIGINT/SIGTERM set a flag that cli_cancel() reports; a second signal kills at once. */
void cli_install_signals(void);
int cli_cancel(void *opaque);
int cli_interrupted(void);
/* SIGINT/SIGTERM end the live job @p job (lstream_job_stop()) instead of cancelling; NULL: no more. */
void cli_stop_on_signal(LStreamJob *job);
void cli_json_string(const char *s);

#endif
