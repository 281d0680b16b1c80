/* init.c — the supervisor behind --init (see init.h and docs/init.md).
 *
 * Every signal is blocked before the fork and then taken one at a time with
 * sigwaitinfo(): no handler ever runs, and a signal that arrives while volown is busy
 * stays pending until the next wait, so none is lost. The child gets back the mask
 * and the SIGCHLD disposition volown started with before it execs, so the command
 * sees the same signal state as it would without --init. Once the loop runs, nothing
 * that goes wrong is fatal: it is logged and the loop goes on. */
#include "init.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "run.h"

/* What volown started with, for the child to get back. */
struct saved_signals {
	sigset_t mask;
	struct sigaction chld;
};

struct child {
	const char *name; /* the command, for messages */
	pid_t pid;	  /* also its process group: the child leads its own */
	bool group;	  /* --init-group: signal the whole process group */
	bool has_tty;	  /* the terminal's foreground was handed to the child */
};

/* Every signal, the C library's reserved ones (32-34) included, so that none of them
 * can end volown; SIGKILL and SIGSTOP stay unblockable whatever the mask says. */
static void fill_all(sigset_t *all)
{
	memset(all, 0xff, sizeof *all);
}

/* Blocks every signal and makes sure children are not reaped behind our back (a
 * SIGCHLD inherited as ignored would do that); saves both for the child. */
static void take_signals(const sigset_t *all, struct saved_signals *saved)
{
	struct sigaction dfl;

	if (sigprocmask(SIG_SETMASK, all, &saved->mask) < 0)
		die_errno(EXIT_VOLOWN, "cannot block signals");
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	if (sigaction(SIGCHLD, &dfl, &saved->chld) < 0)
		die_errno(EXIT_VOLOWN, "cannot reset the SIGCHLD disposition");
}

/* Orphans of the command are reparented to the nearest subreaper: when volown is not
 * PID 1 (docker run --init, a shell, a CI job), that has to be volown itself. */
static void become_subreaper(void)
{
	if (getpid() == 1)
		return;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		warn_errno("cannot become a child subreaper; orphans will be reaped by the "
			   "system's init, not by volown");
}

/* Whether volown's process group is in the foreground of a terminal on stdin
 * (docker run -it): then the child takes the foreground, so that the terminal's
 * ^C, ^Z and window size changes go to the command, once, and not to volown. */
static bool owns_terminal(void)
{
	pid_t fg = tcgetpgrp(STDIN_FILENO);

	return fg > 0 && fg == getpgrp();
}

/* In the child: lead a process group of its own, take the terminal if volown had it
 * (SIGTTOU is still blocked, so this cannot stop us), get the signal state back, and
 * become the command. */
static noreturn void child_exec(char **argv, const struct saved_signals *saved, bool tty)
{
	if (setpgid(0, 0) < 0)
		die_errno(EXIT_VOLOWN, "cannot make `%s' a process group leader", argv[0]);
	if (tty && tcsetpgrp(STDIN_FILENO, getpgrp()) < 0)
		warn_errno("cannot give the terminal to `%s'", argv[0]);
	if (sigaction(SIGCHLD, &saved->chld, NULL) < 0)
		die_errno(EXIT_VOLOWN, "cannot restore the SIGCHLD disposition for `%s'", argv[0]);
	if (sigprocmask(SIG_SETMASK, &saved->mask, NULL) < 0)
		die_errno(EXIT_VOLOWN, "cannot restore the signal mask for `%s'", argv[0]);
	run_command(argv);
}

static void spawn(const struct config *cfg, const struct saved_signals *saved, struct child *c)
{
	c->name = cfg->command[0];
	c->group = cfg->init_group;
	c->has_tty = owns_terminal();
	c->pid = fork();
	if (c->pid < 0)
		die_errno(EXIT_VOLOWN, "cannot fork to run `%s'", c->name);
	if (c->pid == 0)
		child_exec(cfg->command, saved, c->has_tty);
	/* Also from this side, so that the group exists before the first signal goes to
	 * it; EACCES means the child has exec'd, which it does only after its own call. */
	if (setpgid(c->pid, c->pid) < 0 && errno != EACCES && errno != ESRCH)
		warn_errno("cannot make `%s' (pid %ld) a process group leader", c->name,
			   (long)c->pid);
	verbose("running `%s' as pid %ld%s", c->name, (long)c->pid,
		c->has_tty ? ", in the terminal's foreground" : "");
}

static void forward(const struct child *c, int sig)
{
	pid_t to = c->group ? -c->pid : c->pid;

	if (kill(to, sig) == 0)
		verbose("forwarded signal %d to %s %ld", sig, c->group ? "process group" : "pid",
			(long)c->pid);
	else if (errno != ESRCH) /* ESRCH: it is gone, its SIGCHLD is on the way */
		warn_errno("cannot forward signal %d to %s %ld", sig,
			   c->group ? "process group" : "pid", (long)c->pid);
}

/* Reaps every zombie there is now. Returns true, with the child's wait status in
 * *status, when the child was among them. */
static bool reap_all(const struct child *c, int *status)
{
	bool child_done = false;

	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);

		if (pid > 0) {
			if (pid == c->pid) {
				*status = st;
				child_done = true;
			} else {
				verbose("reaped orphan pid %ld", (long)pid);
			}
			continue;
		}
		if (pid == 0 || errno == ECHILD)
			return child_done;
		if (errno != EINTR) {
			warn_errno("waitpid failed");
			return child_done;
		}
	}
}

/* The shell's convention, as docker run reports it: the status, or 128+N. */
static int exit_code(const struct child *c, int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status)) {
		verbose("`%s' was killed by signal %d", c->name, WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	warn("`%s' ended with wait status %#x", c->name, (unsigned)status);
	return EXIT_VOLOWN;
}

/* Gives the terminal back (it matters when volown is not PID 1, under a shell), then
 * exits with the child's code. Whatever else is left runs on: as PID 1, the kernel
 * kills it when we exit; otherwise it goes to the next subreaper up. */
static noreturn void finish(const struct child *c, int status)
{
	if (c->has_tty && tcsetpgrp(STDIN_FILENO, getpgrp()) < 0)
		verbose("cannot take the terminal back: %s", strerror(errno));
	exit(exit_code(c, status));
}

static noreturn void supervise(const struct child *c, const sigset_t *all)
{
	for (;;) {
		int status = 0, sig = sigwaitinfo(all, NULL);

		if (sig < 0) {
			if (errno == EINTR)
				continue;
			warn_errno("waiting for signals failed");
			sleep(1); /* never spin; reap below in case SIGCHLD was the one */
			sig = SIGCHLD;
		}
		if (sig != SIGCHLD)
			forward(c, sig);
		else if (reap_all(c, &status))
			finish(c, status);
	}
}

void init_supervise(const struct config *cfg)
{
	struct saved_signals saved;
	struct child c;
	sigset_t all;

	fill_all(&all);
	take_signals(&all, &saved);
	become_subreaper();
	spawn(cfg, &saved, &c);
	supervise(&c, &all);
}
