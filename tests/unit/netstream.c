/*
 * Unit tests for core/netstream.h, through libgit2 as a sync uses it: a
 * listener on 127.0.0.1 that never accepts (the kernel still completes
 * the connection) is given up after the bound and not before; a refused
 * connection fails at once and is not called silence; ks_net_cancel()
 * from a signal handler ends a wait at once.  The cancel test runs last:
 * a cancel lasts for the rest of the process.
 */
#include "unit.h"

#include "netstream.h"

#include <git2.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A socket listening on 127.0.0.1; *port is its port. */
static int silent_listener(int *port)
{
	struct sockaddr_in a;
	socklen_t n = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* Connects for a fetch to git://127.0.0.1:PORT/x.git; libgit2's status. */
static int connect_to(int port)
{
	git_remote *rem = NULL;
	char url[64];
	int e;

	snprintf(url, sizeof(url), "git://127.0.0.1:%d/x.git", port);
	assert_int_equal(git_remote_create_detached(&rem, url), 0);
	e = git_remote_connect(rem, GIT_DIRECTION_FETCH, NULL, NULL, NULL);
	git_remote_free(rem);
	return e;
}

static void test_silence_is_given_up(void **state)
{
	int port, fd = silent_listener(&port);
	long long t0, took;

	assert_int_equal(ks_net_arm(1), 0);
	assert_int_equal(ks_net_timeout(), 1);
	t0 = now_ms();
	assert_true(connect_to(port) < 0);
	took = now_ms() - t0;
	assert_true(ks_net_timed_out());
	assert_false(ks_net_cancelled());
	if (took < 900 || took > 5000)
		print_message("gave up after %lld ms\n", took);
	assert_true(took >= 900 && took <= 5000);
	assert_non_null(strstr(git_error_last()->message, "did not answer"));
	close(fd);
}

static void test_refused_is_not_silence(void **state)
{
	int port, fd = silent_listener(&port);

	close(fd);	/* nobody listens there now */
	assert_int_equal(ks_net_arm(5), 0);
	assert_true(connect_to(port) < 0);
	assert_false(ks_net_timed_out());
	assert_non_null(strstr(git_error_last()->message, "failed to connect"));
}

static void on_alarm(int sig)
{
	(void)sig;
	ks_net_cancel();
}

static void test_cancel_ends_a_wait(void **state)
{
	struct itimerval it;
	struct sigaction sa;
	int port, fd = silent_listener(&port);
	long long t0, took;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = 300000;
	assert_int_equal(ks_net_arm(30), 0);
	t0 = now_ms();
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	assert_true(connect_to(port) < 0);
	took = now_ms() - t0;
	assert_true(ks_net_cancelled());
	assert_false(ks_net_timed_out());
	if (took > 5000)
		print_message("cancelled after %lld ms\n", took);
	assert_true(took < 5000);
	/* Later connections fail at once. */
	t0 = now_ms();
	assert_true(connect_to(port) < 0);
	assert_true(now_ms() - t0 < 1000);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_silence_is_given_up),
		cmocka_unit_test(test_refused_is_not_silence),
		cmocka_unit_test(test_cancel_ends_a_wait),
	};
	int r;

	git_libgit2_init();
	r = cmocka_run_group_tests(tests, NULL, NULL);
	git_libgit2_shutdown();
	printf("%d passed, %d failed\n",
	       (int)(sizeof(tests) / sizeof(tests[0])) - r, r);
	return r ? 1 : 0;
}
