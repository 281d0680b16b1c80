/* SIGINT, SIGTERM and SIGHUP while the doctor runs: noted, the engine request under
 * way is cut short, the probe containers made so far are removed, and the doctor
 * then dies of the same signal. */
#ifndef VOLOWN_DOCTOR_INTERRUPT_H
#define VOLOWN_DOCTOR_INTERRUPT_H

#include <stdbool.h>

/* Install the handlers. */
void interrupt_setup(void);
/* The signal received, or 0. */
int interrupt_pending(void);
/* While held (counted), interrupt_abort() says no: cleaning up must finish. */
void interrupt_hold(void);
void interrupt_release(void);
/* Whether a request under way should stop now: a signal came and nothing holds. */
bool interrupt_abort(void);
/* Die of the pending signal, as if its default action had run. */
__attribute__((noreturn)) void interrupt_die(void);

#endif
