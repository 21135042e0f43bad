/*
 * Progress on a terminal for reads and writes that can take more than a
 * second (DESIGN.md, Sync): one line on stderr, redrawn at most ten times
 * a second, erased when the work is done.  Nothing when stderr is not a
 * terminal, so scripts and logs see only the results.  Also the prompt
 * for a hub's user name and password.
 */
#include "cli.h"
#include "alloc.h"
#include "bundle.h"
#include "hub.h"

#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

struct bar {
	const char *what;
	uint64_t last_ms;
	int drawn;
};

static struct bar bar;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void human(char *out, size_t size, uint64_t n)
{
	if (n >= 10u * 1024 * 1024)
		snprintf(out, size, "%.0f MB", n / 1048576.0);
	else if (n >= 1024 * 1024)
		snprintf(out, size, "%.1f MB", n / 1048576.0);
	else
		snprintf(out, size, "%.0f kB", n / 1024.0);
}

static void draw(void *payload, const char *what, uint64_t done,
		 uint64_t total)
{
	const char *name = strrchr(what, '/');
	uint64_t t = now_ms();
	char a[32], b[32];

	(void)payload;
	if (bar.what != what) {
		bar.what = what;
		bar.last_ms = t;	/* quick jobs draw nothing */
		return;
	}
	if (t - bar.last_ms < 100 && !(total && done == total))
		return;
	bar.last_ms = t;
	name = name ? name + 1 : what;
	human(a, sizeof(a), done);
	if (total) {
		human(b, sizeof(b), total);
		fprintf(stderr, "\r\033[K%s: %3u%% (%s of %s)", name,
			(unsigned)(done * 100 / total), a, b);
	} else {
		fprintf(stderr, "\r\033[K%s: %s", name, a);
	}
	bar.drawn = 1;
}

const struct ks_progress *progress_bar(void)
{
	static const struct ks_progress pg = { draw, NULL };

	return isatty(STDERR_FILENO) ? &pg : NULL;
}

void progress_done(void)
{
	if (bar.drawn)
		fputs("\r\033[K", stderr);
	bar.drawn = 0;
	bar.what = NULL;
}

/*
 * A hub's user name and password, asked on the terminal (the password
 * without echo).  -1 when there is no terminal or the person gives none.
 */
static int ask_credentials(const char *url, char **user, char **pass)
{
	struct termios old, quiet;
	char *u, *p;
	int hidden;

	if (!interactive())
		return -1;
	progress_done();
	fprintf(stderr, "The hub %s asks who you are.\n", url);
	u = read_line("User name: ");
	if (!u || !*u) {
		free(u);
		return -1;
	}
	hidden = tcgetattr(STDIN_FILENO, &old) == 0;
	if (hidden) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	p = read_line("Password: ");
	if (hidden) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stdout);
	}
	if (!p) {
		free(u);
		return -1;
	}
	*user = ks_strdup(u);
	*pass = ks_strdup(p);
	memset(p, 0, strlen(p));
	free(u);
	free(p);
	if (!*user || !*pass) {
		ks_free(*user);
		ks_free(*pass);
		return -1;
	}
	return 0;
}

void ask_hub_credentials(void)
{
	if (interactive())
		ks_sync_set_ask(ask_credentials);
}
