/*
 * Progress on a terminal for reads and writes that can take more than a
 * second (DESIGN.md, Sync): one line on stderr, redrawn at most ten times
 * a second, erased when the work is done.  Nothing when stderr is not a
 * terminal, so scripts and logs see only the results.
 */
#include "cli.h"
#include "alloc.h"
#include "bundle.h"

#include <stdlib.h>
#include <string.h>
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
	fflush(stderr);		/* where standard error is buffered (Windows) */
	bar.drawn = 1;
}

const struct ks_progress *progress_bar(void)
{
	static const struct ks_progress pg = { draw, NULL };

#ifdef _WIN32
	/* the bar is drawn with escape sequences: not on the old console */
	if (!ks_win_console_vt())
		return NULL;
#endif
	return isatty(STDERR_FILENO) ? &pg : NULL;
}

void progress_done(void)
{
	if (bar.drawn)
		fputs("\r\033[K", stderr);
	bar.drawn = 0;
	bar.what = NULL;
}
