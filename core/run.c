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

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

int ks_run(const char *const argv[], const char *in, size_t inlen,
	   struct ks_buf *out, struct ks_buf *err)
{
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	int pfail[2] = { -1, -1 }, exec_errno;
	struct pollfd fds[3];
	size_t sent = 0;
	int status, failed = 0, open_out = 1, open_err = 1, saved, broke = 0;
	sigset_t pipe_set, old_mask;
	pid_t pid;

	if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0 ||
	    pipe2(perr, O_CLOEXEC) < 0 || pipe2(pfail, O_CLOEXEC) < 0)
		goto fail;
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0)
		child(argv, pin, pout, perr, pfail);
	if ((exec_errno = exec_error(pfail))) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		errno = exec_errno;
		goto fail;
	}
	close_pair(pfail);
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	pin[0] = pout[1] = perr[1] = -1;
	/*
	 * Never block writing: a blocking write of more than the pipe holds
	 * waits for the child to read, while the child may wait for us to
	 * read what it wrote first.
	 */
	if (fcntl(pin[1], F_SETFL, fcntl(pin[1], F_GETFL) | O_NONBLOCK) < 0)
		failed = 1;
	/* A child that stops reading must not kill us. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
	if (!inlen) {
		close(pin[1]);
		pin[1] = -1;
	}
	while (open_out || open_err || pin[1] >= 0) {
		int n = 0, r;

		if (pin[1] >= 0)
			fds[n++] = (struct pollfd){ pin[1], POLLOUT, 0 };
		if (open_out)
			fds[n++] = (struct pollfd){ pout[0], POLLIN, 0 };
		if (open_err)
			fds[n++] = (struct pollfd){ perr[0], POLLIN, 0 };
		if (poll(fds, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			failed = 1;
			break;
		}
		for (r = 0; r < n; r++) {
			if (!fds[r].revents)
				continue;
			if (fds[r].fd == pin[1]) {
				ssize_t w = write(pin[1], in + sent, inlen - sent);

				if (w > 0)
					sent += (size_t)w;
				broke |= w < 0 && errno == EPIPE;
				if ((w < 0 && errno != EINTR && errno != EAGAIN) ||
				    sent == inlen) {
					close(pin[1]);
					pin[1] = -1;
				}
			} else if (fds[r].fd == pout[0]) {
				int k = drain(pout[0], out);

				failed |= k < 0;
				open_out = k > 0;
			} else {
				int k = drain(perr[0], err);

				failed |= k < 0;
				open_err = k > 0;
			}
		}
		if (failed)
			break;
	}
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
fail:
	saved = errno;
	close_pair(pfail);
	close_pair(pin);
	close_pair(pout);
	close_pair(perr);
	errno = saved;
	return -1;
}
