/* run.h — become the command (or the doctor): exec, with docker run's exit codes. */
#ifndef VOLOWN_RUN_H
#define VOLOWN_RUN_H

#include <stdnoreturn.h>

/* execvp(argv[0], argv); exits 127 when not found, 126 when it cannot run. */
noreturn void run_command(char **argv);

/* `volown doctor ARGS`: execs volown-doctor from beside this binary, else from PATH. */
noreturn void run_doctor(char **argv);

#endif
