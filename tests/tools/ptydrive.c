/*
 * ptydrive: runs a command on a pseudo-terminal and plays a script against
 * it, the way a person at the keyboard would (a small `expect`).  Tests use
 * it for what only happens on a terminal: interactive forms and prompts.
 *
 *   ptydrive [-t SECONDS] [-o FILE] [-e FILE] [-R] SCRIPT -- COMMAND [ARGS...]
 *
 * SCRIPT is a file ("-": standard input) of lines:
 *
 *   expect TEXT    wait until TEXT appears in the output after the end of
 *                  the previous match (the terminal echoes what is typed,
 *                  so typed text can match too)
 *   send TEXT      type TEXT and Enter; "send" alone types just Enter
 *   sendraw TEXT   type TEXT without Enter
 *   eof            type Ctrl-D (end of input at the start of a line)
 *   timeout SECS   the time limit for the following steps (default: -t)
 *   sleep SECS     wait, reading output meanwhile
 *   kill SIGNAL    send SIGNAL (a number, or INT, TERM, KILL, HUP) to the
 *                  command, as a power cut (KILL) or Ctrl-C elsewhere would
 *   # ...          a comment; blank lines are skipped too
 *
 * TEXT may hold escapes: \n \r \t \e \\ \xHH.  Enter is a carriage return,
 * as a terminal sends it; the terminal turns it into a newline for programs
 * that read lines.
 *
 * With -e FILE, ptydrive writes "echo on" or "echo off" to FILE once the
 * command has ended: whether the command left the terminal echoing what
 * is typed (a program killed while it reads a password may not).
 *
 * Everything the command writes to the terminal is copied to standard
 * output (or FILE), with the terminal's CR LF turned back into LF unless
 * -R is given.  At the end of the script ptydrive waits for the command to
 * finish and exits with its exit code (128 + N when killed by signal N).
 * A step that does not finish in time, or a command that ends before the
 * text it was expected to print, fails: the command is killed, the reason
 * and the output since the last match go to standard error, and the exit
 * code is 124.  A bad script or command line exits 125.
 */
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define EXIT_TIMEOUT 124
#define EXIT_BAD 125

enum op { OP_EXPECT, OP_SEND, OP_SENDRAW, OP_EOF, OP_TIMEOUT, OP_SLEEP,
	  OP_KILL };

struct step {
	enum op op;
	char *text;		/* unescaped; NULL for eof */
	size_t len;
	double secs;
	int sig;		/* kill */
	int line;		/* in the script */
};

struct output {
	char *buf;		/* everything the command wrote, normalised */
	size_t len, alloc;
	size_t mark;		/* end of the last match */
	int pending_cr;		/* a CR held back to see if LF follows */
	int raw;
	int fd;			/* transcript copy */
};

static int master = -1;
static int final_echo = -1;	/* the terminal's ECHO when it closed */
static pid_t child = -1;
static int child_status;
static int child_done;

static void die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ptydrive: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (child > 0 && !child_done) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	exit(code);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die(EXIT_BAD, "out of memory");
	return p;
}

/* Decodes the escapes of TEXT in place; -1 on a bad escape. */
static int unescape(char *s, size_t *outlen)
{
	char *r = s, *w = s;

	while (*r) {
		if (*r != '\\') {
			*w++ = *r++;
			continue;
		}
		r++;
		switch (*r) {
		case 'n': *w++ = '\n'; r++; break;
		case 'r': *w++ = '\r'; r++; break;
		case 't': *w++ = '\t'; r++; break;
		case 'e': *w++ = 27; r++; break;
		case '\\': *w++ = '\\'; r++; break;
		case 'x':
			if (ks_hex_digit(r[1]) < 0 || ks_hex_digit(r[2]) < 0)
				return -1;
			*w++ = (char)(ks_hex_digit(r[1]) * 16 + ks_hex_digit(r[2]));
			r += 3;
			break;
		default:
			return -1;
		}
	}
	*w = '\0';
	*outlen = (size_t)(w - s);
	return 0;
}

static char *read_all(FILE *f, size_t *len)
{
	char *buf = NULL;
	size_t n = 0, alloc = 0, got;

	for (;;) {
		if (alloc - n < 4096) {
			alloc = alloc ? alloc * 2 : 8192;
			buf = xrealloc(buf, alloc);
		}
		got = fread(buf + n, 1, alloc - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		return NULL;
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int parse_signal(const char *s)
{
	static const struct { const char *name; int sig; } names[] = {
		{ "INT", SIGINT }, { "TERM", SIGTERM }, { "KILL", SIGKILL },
		{ "HUP", SIGHUP }, { "QUIT", SIGQUIT },
	};
	char *end;
	long v;
	size_t i;

	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name))
			return names[i].sig;
	v = strtol(s, &end, 10);
	return end != s && !*end && v > 0 && v < 65 ? (int)v : -1;
}

static int parse_secs(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < 0 || v > 86400)
		return -1;
	*out = v;
	return 0;
}

/* Parses the whole script before anything runs. */
static char *script_text;	/* the steps point into it */

static struct step *parse_script(const char *path, size_t *nsteps)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	struct step *steps = NULL;
	size_t n = 0, len;
	char *text, *line, *next;
	int lineno = 0;

	if (!f)
		die(EXIT_BAD, "cannot open the script '%s': %s", path,
		    strerror(errno));
	text = script_text = read_all(f, &len);
	if (!text)
		die(EXIT_BAD, "cannot read the script '%s'", path);
	if (f != stdin)
		fclose(f);
	if (memchr(text, '\0', len))
		die(EXIT_BAD, "%s: the script holds a NUL byte", path);
	for (line = text; line && *line; line = next) {
		char *word, *arg;
		struct step st = { 0 };

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == '#')
			continue;
		word = line;
		arg = line + strcspn(line, " \t");
		if (*arg)
			*arg++ = '\0';
		st.line = lineno;
		st.text = arg;
		if (!strcmp(word, "expect")) {
			st.op = OP_EXPECT;
		} else if (!strcmp(word, "send")) {
			st.op = OP_SEND;
		} else if (!strcmp(word, "sendraw")) {
			st.op = OP_SENDRAW;
		} else if (!strcmp(word, "eof")) {
			st.op = OP_EOF;
			if (*arg)
				die(EXIT_BAD, "%s:%d: eof takes no text", path,
				    lineno);
		} else if (!strcmp(word, "timeout") || !strcmp(word, "sleep")) {
			st.op = word[0] == 't' ? OP_TIMEOUT : OP_SLEEP;
			if (parse_secs(arg, &st.secs) < 0)
				die(EXIT_BAD, "%s:%d: %s needs a number of seconds, not \"%s\"",
				    path, lineno, word, arg);
		} else if (!strcmp(word, "kill")) {
			st.op = OP_KILL;
			st.sig = parse_signal(arg);
			if (st.sig < 0)
				die(EXIT_BAD, "%s:%d: kill needs a signal, not \"%s\"",
				    path, lineno, arg);
		} else {
			die(EXIT_BAD, "%s:%d: unknown step \"%s\" (expect, send, sendraw, eof, timeout, sleep, kill)",
			    path, lineno, word);
		}
		if (unescape(st.text, &st.len) < 0)
			die(EXIT_BAD, "%s:%d: bad escape in \"%s\" (\\n \\r \\t \\e \\\\ \\xHH)",
			    path, lineno, arg);
		if ((st.op == OP_EXPECT || st.op == OP_SENDRAW) && !st.len)
			die(EXIT_BAD, "%s:%d: %s needs some text", path,
			    lineno, word);
		steps = xrealloc(steps, (n + 1) * sizeof(*steps));
		steps[n++] = st;
	}
	*nsteps = n;
	return steps;
}

static void write_fully(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			die(EXIT_BAD, "cannot write the transcript: %s",
			    strerror(errno));
		p += w;
		n -= (size_t)w;
	}
}

static void out_add(struct output *o, const char *p, size_t n)
{
	size_t i, start;

	if (o->alloc - o->len < n + 2) {
		o->alloc = (o->alloc + n + 2) * 2;
		o->buf = xrealloc(o->buf, o->alloc);
	}
	start = o->len;
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (o->raw) {
			o->buf[o->len++] = c;
			continue;
		}
		if (o->pending_cr) {
			o->pending_cr = 0;
			if (c != '\n')
				o->buf[o->len++] = '\r';
		}
		if (c == '\r')
			o->pending_cr = 1;
		else
			o->buf[o->len++] = c;
	}
	o->buf[o->len] = '\0';
	write_fully(o->fd, o->buf + start, o->len - start);
}

/* At the end, a CR still held back is part of the output. */
static void out_flush(struct output *o)
{
	int raw = o->raw;

	if (!o->pending_cr)
		return;
	o->pending_cr = 0;
	o->raw = 1;
	out_add(o, "\r", 1);
	o->raw = raw;
}

static void reap(int block)
{
	int st;
	pid_t p;

	if (child_done)
		return;
	do
		p = waitpid(child, &st, block ? 0 : WNOHANG);
	while (p < 0 && errno == EINTR);
	if (p == child) {
		child_done = 1;
		child_status = st;
	}
}

/*
 * Reads what the command wrote, waiting at most until `deadline`.  Returns
 * 1 when something was read, 0 on timeout, -1 when the terminal closed
 * (every process on it is gone).
 */
static int pump(struct output *o, double deadline)
{
	struct pollfd pfd = { master, POLLIN, 0 };
	char buf[4096];
	double left = deadline - now();
	int ms = left <= 0 ? 0 : (int)(left * 1000) + 1, r;
	ssize_t n;

	if (master < 0)
		return -1;
	r = poll(&pfd, 1, ms);
	if (r < 0 && errno == EINTR)
		return 1;
	if (r < 0)
		die(EXIT_BAD, "poll: %s", strerror(errno));
	if (r == 0)
		return 0;
	n = read(master, buf, sizeof(buf));
	if (n > 0) {
		out_add(o, buf, (size_t)n);
		return 1;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	/* EIO (Linux) or 0: the other side closed. */
	{
		struct termios t;

		if (tcgetattr(master, &t) == 0)
			final_echo = (t.c_lflag & ECHO) != 0;
	}
	close(master);
	master = -1;
	out_flush(o);
	return -1;
}

#define SHOW_MAX 4096

static void show_unmatched(const struct output *o)
{
	size_t from = o->mark;

	if (o->len - from > SHOW_MAX) {
		from = o->len - SHOW_MAX;
		fprintf(stderr, "--- output since the last match (its last %d bytes) ---\n",
			SHOW_MAX);
	} else {
		fprintf(stderr, "--- output since the last match ---\n");
	}
	fwrite(o->buf + from, 1, o->len - from, stderr);
	if (o->len == from || o->buf[o->len - 1] != '\n')
		fputc('\n', stderr);
	fprintf(stderr, "--- end ---\n");
}

/* Reports a failed step, kills the command and exits 124. */
static void fail_step(const struct output *o, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

static void fail_step(const struct output *o, int line, const char *fmt, ...)
{
	va_list ap;

	if (line)
		fprintf(stderr, "ptydrive: script line %d: ", line);
	else
		fprintf(stderr, "ptydrive: after the script: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	show_unmatched(o);
	if (child > 0 && !child_done) {
		kill(child, SIGTERM);
		usleep(100000);
		reap(0);
		if (!child_done) {
			kill(child, SIGKILL);
			reap(1);
		}
	}
	exit(EXIT_TIMEOUT);
}

static void do_expect(struct output *o, const struct step *st, double limit)
{
	double deadline = now() + limit;
	char *hit;

	for (;;) {
		hit = memmem(o->buf ? o->buf + o->mark : "", o->len - o->mark,
			     st->text, st->len);
		if (hit) {
			o->mark = (size_t)(hit - o->buf) + st->len;
			return;
		}
		switch (pump(o, deadline)) {
		case 0:
			fail_step(o, st->line, "no \"%s\" within %g s",
				  st->text, limit);
		case -1:
			reap(1);
			fail_step(o, st->line, "the command ended without printing \"%s\"",
				  st->text);
		}
	}
}

/* Types bytes, reading output meanwhile so neither side can block. */
static void do_send(struct output *o, const struct step *st, const char *p,
		    size_t n, double limit)
{
	double deadline = now() + limit;

	while (n > 0) {
		struct pollfd pfd[1] = { { master, POLLIN | POLLOUT, 0 } };
		double left = deadline - now();
		ssize_t w;

		if (master < 0 || left <= 0) {
			reap(0);
			fail_step(o, st->line, master < 0
				  ? "the command ended before reading its input"
				  : "the command did not read its input within %g s",
				  limit);
		}
		if (poll(pfd, 1, (int)(left * 1000) + 1) < 0) {
			if (errno == EINTR)
				continue;
			die(EXIT_BAD, "poll: %s", strerror(errno));
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (pump(o, now()) < 0)
				continue;
		}
		if (!(pfd[0].revents & POLLOUT))
			continue;
		w = write(master, p, n);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w < 0) {
			if (errno == EIO) {
				close(master);
				master = -1;
				continue;
			}
			die(EXIT_BAD, "cannot type: %s", strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: ptydrive [-t SECONDS] [-o FILE] [-e FILE] [-R] SCRIPT -- COMMAND [ARGS...]\n");
	exit(EXIT_BAD);
}

int main(int argc, char **argv)
{
	double limit = 10, deadline;
	const char *outfile = NULL, *script = NULL, *echofile = NULL;
	struct output o = { 0 };
	struct step *steps;
	struct winsize ws = { 24, 80, 0, 0 };
	size_t nsteps, i;
	int a, cmd = -1;
	char eof_char = 4;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--")) {
			cmd = a + 1;
			break;
		} else if (!strcmp(argv[a], "-t") && a + 1 < argc) {
			if (parse_secs(argv[++a], &limit) < 0)
				die(EXIT_BAD, "-t needs a number of seconds, not \"%s\"",
				    argv[a]);
		} else if (!strcmp(argv[a], "-o") && a + 1 < argc) {
			outfile = argv[++a];
		} else if (!strcmp(argv[a], "-e") && a + 1 < argc) {
			echofile = argv[++a];
		} else if (!strcmp(argv[a], "-R")) {
			o.raw = 1;
		} else if (argv[a][0] == '-' && argv[a][1]) {
			usage();
		} else if (!script) {
			script = argv[a];
		} else {
			usage();
		}
	}
	if (!script || cmd < 0 || cmd >= argc)
		usage();
	steps = parse_script(script, &nsteps);
	o.fd = 1;
	if (outfile) {
		o.fd = open(outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			    0644);
		if (o.fd < 0)
			die(EXIT_BAD, "cannot write '%s': %s", outfile,
			    strerror(errno));
	}
	signal(SIGPIPE, SIG_IGN);
	fflush(NULL);
	child = forkpty(&master, NULL, NULL, &ws);
	if (child < 0)
		die(EXIT_BAD, "forkpty: %s", strerror(errno));
	if (child == 0) {
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[cmd], argv + cmd);
		fprintf(stderr, "ptydrive: cannot run '%s': %s\n", argv[cmd],
			strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	fcntl(master, F_SETFD, FD_CLOEXEC);
	{
		struct termios t;

		if (tcgetattr(master, &t) == 0 && t.c_cc[VEOF])
			eof_char = (char)t.c_cc[VEOF];
	}
	for (i = 0; i < nsteps; i++) {
		const struct step *st = &steps[i];

		switch (st->op) {
		case OP_EXPECT:
			do_expect(&o, st, limit);
			break;
		case OP_SEND:
			do_send(&o, st, st->text, st->len, limit);
			do_send(&o, st, "\r", 1, limit);
			break;
		case OP_SENDRAW:
			do_send(&o, st, st->text, st->len, limit);
			break;
		case OP_EOF:
			do_send(&o, st, &eof_char, 1, limit);
			break;
		case OP_TIMEOUT:
			limit = st->secs;
			break;
		case OP_KILL:
			if (!child_done)
				kill(child, st->sig);
			break;
		case OP_SLEEP:
			deadline = now() + st->secs;
			while (now() < deadline && pump(&o, deadline) >= 0)
				;
			if (now() < deadline)
				usleep((useconds_t)((deadline - now()) * 1e6));
			break;
		}
	}
	/* The script is done: read until the terminal closes, then reap. */
	deadline = now() + limit;
	while (master >= 0)
		if (pump(&o, deadline) == 0)
			fail_step(&o, 0, "the command did not end within %g s",
				  limit);
	while (!child_done && now() < deadline) {
		reap(0);
		if (!child_done)
			usleep(10000);
	}
	if (!child_done)
		fail_step(&o, 0, "the terminal closed but the command did not end within %g s",
			  limit);
	if (outfile)
		close(o.fd);
	if (echofile) {
		FILE *f = fopen(echofile, "w");

		if (!f || fprintf(f, "echo %s\n", final_echo < 0 ? "unknown" :
				  final_echo ? "on" : "off") < 0 || fclose(f))
			die(EXIT_BAD, "cannot write '%s'", echofile);
	}
	free(o.buf);
	free(steps);
	free(script_text);
	if (WIFSIGNALED(child_status))
		return 128 + WTERMSIG(child_status);
	return WEXITSTATUS(child_status);
}
