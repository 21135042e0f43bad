/*
 * Running another program: see run.h.  One poll() loop feeds the child's
 * input (never blocking) and drains both of its outputs, so a child that
 * writes much before reading all its input cannot deadlock with us.  A
 * child that stops reading raises SIGPIPE on our write: it is blocked in
 * this thread for the time of the run, and taken if it came, rather than
 * changing the whole process's handling of it.
 */
#include "run.h"
#include "buf.h"

#ifndef _WIN32		/* Windows: run_win32.c */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
}

/* In the child: never returns.  Why exec failed goes back through `fail`. */
static void child(const char *const argv[], int in[2], int out[2], int err[2],
		  int fail[2])
{
	int e;

	if (dup2(in[0], 0) >= 0 && dup2(out[1], 1) >= 0 && dup2(err[1], 2) >= 0) {
		close_pair(in);
		close_pair(out);
		close_pair(err);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], (char *const *)argv);
	}
	e = errno;
	if (write(fail[1], &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/* errno of a failed exec, 0 when the program started (the pipe closed). */
static int exec_error(int fail[2])
{
	int e = 0;
	ssize_t n;

	close(fail[1]);
	fail[1] = -1;
	do
		n = read(fail[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(e) ? e : 0;
}

/* Appends what is ready on `fd`; 0 at its end, 1 for more, -1 on error. */
static int drain(int fd, struct ks_buf *b)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -1;
	if (n == 0)
		return 0;
	if (b && ks_buf_add(b, chunk, (size_t)n) < 0)
		return -1;
	return 1;
}

/*
 * Starts argv[0] on three pipes and keeps their parent ends: in[1],
 * out[0] and err[0].  Returns the child's pid, or -1 with errno saying
 * why (exec's errno when the program could not start), nothing open.
 */
static pid_t start(const char *const argv[], int in[2], int out[2],
		   int err[2])
{
	int fail[2] = { -1, -1 }, e, status;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
	    pipe2(err, O_CLOEXEC) < 0 || pipe2(fail, O_CLOEXEC) < 0)
		goto fail;
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0)
		child(argv, in, out, err, fail);
	if ((e = exec_error(fail))) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		errno = e;
		goto fail;
	}
	close_pair(fail);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	in[0] = out[1] = err[1] = -1;
	return pid;
fail:
	e = errno;
	close_pair(fail);
	close_pair(in);
	close_pair(out);
	close_pair(err);
	errno = e;
	return -1;
}

/*
 * Writes what the pipe `*fd` takes of the rest of `in`; closes it at the
 * end or when the child stopped reading (*broke: EPIPE).
 */
static void feed(int *fd, const char *in, size_t inlen, size_t *sent,
		 int *broke)
{
	ssize_t w = write(*fd, in + *sent, inlen - *sent);

	if (w > 0)
		*sent += (size_t)w;
	*broke |= w < 0 && errno == EPIPE;
	if ((w < 0 && errno != EINTR && errno != EAGAIN) || *sent == inlen) {
		close(*fd);
		*fd = -1;
	}
}

/*
 * Feeds `in` through `*to` (-1 when already closed) and drains
 * `from_out` and `from_err` until all three are done.  Returns 0, or -1
 * when poll, a read or memory failed.
 */
static int exchange(int *to, int from_out, int from_err, const char *in,
		    size_t inlen, struct ks_buf *out, struct ks_buf *err,
		    int *broke)
{
	struct pollfd fds[3];
	size_t sent = 0;
	int open_out = 1, open_err = 1, failed = 0;

	while (!failed && (open_out || open_err || *to >= 0)) {
		int n = 0, r, k;

		if (*to >= 0)
			fds[n++] = (struct pollfd){ *to, POLLOUT, 0 };
		if (open_out)
			fds[n++] = (struct pollfd){ from_out, POLLIN, 0 };
		if (open_err)
			fds[n++] = (struct pollfd){ from_err, POLLIN, 0 };
		if (poll(fds, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (r = 0; r < n; r++) {
			if (!fds[r].revents)
				continue;
			if (fds[r].fd == *to) {
				feed(to, in, inlen, &sent, broke);
			} else if (fds[r].fd == from_out) {
				k = drain(from_out, out);
				failed |= k < 0;
				open_out = k > 0;
			} else {
				k = drain(from_err, err);
				failed |= k < 0;
				open_err = k > 0;
			}
		}
	}
	return failed ? -1 : 0;
}

int ks_run(const char *const argv[], const char *in, size_t inlen,
	   struct ks_buf *out, struct ks_buf *err)
{
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	int status, failed, broke = 0;
	sigset_t pipe_set, old_mask;
	pid_t pid = start(argv, pin, pout, perr);

	if (pid < 0)
		return -1;
	/*
	 * Never block writing: a blocking write of more than the pipe holds
	 * waits for the child to read, while the child may wait for us to
	 * read what it wrote first.
	 */
	failed = fcntl(pin[1], F_SETFL, fcntl(pin[1], F_GETFL) | O_NONBLOCK) < 0;
	/* A child that stops reading must not kill us. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
	if (!inlen) {
		close(pin[1]);
		pin[1] = -1;
	}
	if (!failed)
		failed = exchange(&pin[1], pout[0], perr[0], in, inlen, out,
				  err, &broke) < 0;
	/* The SIGPIPE our write raised is pending here: take it. */
	if (broke && !sigismember(&old_mask, SIGPIPE)) {
		const struct timespec none = { 0, 0 };

		while (sigtimedwait(&pipe_set, NULL, &none) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	close_pair(pin);
	close_pair(pout);
	close_pair(perr);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (failed)
		return -1;
	if (WIFSIGNALED(status))
		return 256 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int ks_run_self(struct ks_child *c, const char *const argv[], const char *dir,
		int out)
{
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		sigset_t none;

		/* the caller may block signals for its own sigwait */
		sigemptyset(&none);
		pthread_sigmask(SIG_SETMASK, &none, NULL);
		if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 ||
		    dup2(out, 2) < 0 || chdir(dir) < 0)
			_exit(127);
		execv("/proc/self/exe", (char *const *)argv);
		_exit(127);
	}
	if (pid < 0)
		return -1;
	c->id = pid;
	return 0;
}

int ks_child_ended(struct ks_child *c, int *status)
{
	int st;

	if (c->id <= 0 || waitpid((pid_t)c->id, &st, WNOHANG) != (pid_t)c->id)
		return 0;
	c->id = 0;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 1;
}

int ks_run_editor(const char *editor, const char *file)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exec $0 \"$1\"", editor, file,
		      (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int ks_open_url(const char *url)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout) ||
		    !freopen("/dev/null", "w", stderr))
			_exit(127);
		execlp("xdg-open", "xdg-open", url, (char *)NULL);
		_exit(127);
	}
	return pid < 0 ? -1 : 0;
}

#endif /* _WIN32 */
