/*
 * alternate: two commands timed in turn, so that both are measured under
 * the same conditions on a machine whose speed drifts from minute to
 * minute.  Running all of one command's runs and then all of the other's
 * compares two different minutes.
 *
 *   alternate RUNS PREPARE_A PREPARE_B NA A... B...
 *
 * A is the first NA words after NA, B the rest; each is run directly
 * (execvp, no shell), its standard output thrown away, its standard error
 * this program's.  PREPARE_A and PREPARE_B, shell commands or "" for none,
 * run before each run of A and of B, untimed.  After one warm-up run of
 * each, RUNS rounds: A then B in odd rounds, B then A in even ones, so
 * that neither always runs second.
 *
 * Prints one line: A's median wall time, A's median CPU time (user +
 * system, of it and the processes it waited for), then B's two, in
 * seconds.  Exit 0, or 1 when a command or a preparation failed (named on
 * standard error), 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct cmd {
	char **argv;
	const char *prepare;
	double *wall, *cpu;
	int n;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double seconds(const struct timeval *tv)
{
	return tv->tv_sec + tv->tv_usec / 1e6;
}

/* One run of c (its preparation first), recorded when keep is set. */
static int run(struct cmd *c, int keep)
{
	posix_spawn_file_actions_t fa;
	struct rusage ru;
	pid_t pid;
	double t0, t1;
	int st, rc;

	if (c->prepare[0] && system(c->prepare) != 0) {
		fprintf(stderr, "alternate: the preparation failed: %s\n",
			c->prepare);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	t0 = now();
	rc = posix_spawnp(&pid, c->argv[0], &fa, NULL, c->argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fprintf(stderr, "alternate: %s: %s\n", c->argv[0], strerror(rc));
		return -1;
	}
	while (wait4(pid, &st, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("alternate: wait4");
			return -1;
		}
	}
	t1 = now();
	if (WIFSIGNALED(st)) {
		fprintf(stderr, "alternate: %s: killed by signal %d\n",
			c->argv[0], WTERMSIG(st));
		return -1;
	}
	if (WEXITSTATUS(st) != 0) {
		fprintf(stderr, "alternate: %s: exit status %d\n",
			c->argv[0], WEXITSTATUS(st));
		return -1;
	}
	if (keep) {
		c->wall[c->n] = t1 - t0;
		c->cpu[c->n] = seconds(&ru.ru_utime) + seconds(&ru.ru_stime);
		c->n++;
	}
	return 0;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), by_value);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	struct cmd c[2];
	char *end;
	long runs, na;
	int i, k, nb;

	if (argc < 7) {
		fprintf(stderr, "usage: alternate RUNS PREPARE_A PREPARE_B NA A... B...\n");
		return 2;
	}
	runs = strtol(argv[1], &end, 10);
	if (*end || runs < 1 || runs > 10000) {
		fprintf(stderr, "alternate: RUNS: %s\n", argv[1]);
		return 2;
	}
	na = strtol(argv[4], &end, 10);
	nb = argc - 5 - (int)na;
	if (*end || na < 1 || nb < 1) {
		fprintf(stderr, "alternate: NA: %s\n", argv[4]);
		return 2;
	}
	for (k = 0; k < 2; k++) {
		c[k].prepare = argv[2 + k];
		c[k].wall = calloc(runs, sizeof(double));
		c[k].cpu = calloc(runs, sizeof(double));
		c[k].n = 0;
		if (!c[k].wall || !c[k].cpu) {
			perror("alternate");
			return 1;
		}
	}
	/* A's words end where B's begin: cut the vector there */
	c[0].argv = calloc(na + 1, sizeof(char *));
	if (!c[0].argv) {
		perror("alternate");
		return 1;
	}
	memcpy(c[0].argv, argv + 5, na * sizeof(char *));
	c[1].argv = argv + 5 + na;

	if (run(&c[0], 0) || run(&c[1], 0))
		return 1;
	for (i = 0; i < runs; i++) {
		int first = i % 2;

		if (run(&c[first], 1) || run(&c[!first], 1))
			return 1;
	}
	printf("%.6f %.6f %.6f %.6f\n", median(c[0].wall, runs),
	       median(c[0].cpu, runs), median(c[1].wall, runs),
	       median(c[1].cpu, runs));
	return 0;
}
