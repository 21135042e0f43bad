/*
 * The survey lock (flock on .git/khaosat/lock) and the clearing of lock
 * files that killed processes left.  See lock.h.
 */
#include "lock.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "diag.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TELL_AFTER_MS 250

struct ks_lock {
	int fd;			/* -1: a survey nobody can write (read-only) */
	int exclusive;
	int folder;		/* on a folder: nothing to write in it */
	char *what;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static int alive(long pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* "khaosat sync (pid 4242)" from the lock file, or "" when nobody says. */
static void holder(char *out, size_t n, int fd)
{
	char text[160];
	ssize_t got = pread(fd, text, sizeof(text) - 1, 0);
	char *end, *nl;
	long pid;

	out[0] = '\0';
	if (got <= 0)
		return;
	text[got] = '\0';
	if ((nl = strchr(text, '\n')))
		*nl = '\0';
	pid = strtol(text, &end, 10);
	if (end == text || *end != ' ' || !alive(pid))
		return;
	snprintf(out, n, "%s (pid %ld)", end + 1, pid);
}

/* Says who holds the lock now, for the next one to wait. */
static void claim(struct ks_lock *l)
{
	char text[160];
	int n = snprintf(text, sizeof(text), "%ld %s\n", (long)getpid(),
			 l->what ? l->what : "khaosat");

	if (ftruncate(l->fd, 0) == 0 && n > 0)
		(void)!pwrite(l->fd, text, (size_t)n, 0);
}

static int acquire(struct ks_lock *l, int exclusive,
		   const struct ks_lock_opts *o, struct ks_diags *d)
{
	long start = now_ms(), pause = 10;
	char who[200];
	int told = 0;

	if (l->fd < 0) {
		l->exclusive = exclusive;
		return 0;
	}
	for (;;) {
		long waited;

		if (flock(l->fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return ks_error(d, KS_EIO, NULL, 0, 0,
					"cannot lock the survey: %s",
					strerror(errno));
		waited = now_ms() - start;
		holder(who, sizeof(who), l->fd);
		if (!told && waited >= TELL_AFTER_MS && o && o->wait) {
			o->wait(*who ? who : NULL, o->payload);
			told = 1;
		}
		if (waited >= (o ? o->timeout_ms : 0)) {
			if (*who)
				return ks_error(d, KS_EIO, NULL, 0, 0,
						"the survey is busy: %s was still working after %ld second%s; nothing was changed; run the command again when it has finished",
						who, waited / 1000,
						waited / 1000 == 1 ? "" : "s");
			return ks_error(d, KS_EIO, NULL, 0, 0,
					"the survey is busy: other khaosat commands were still using it after %ld second%s; nothing was changed; run the command again when they have finished",
					waited / 1000, waited / 1000 == 1 ? "" : "s");
		}
		sleep_ms(pause);
		if (pause < 100)
			pause *= 2;
	}
	l->exclusive = exclusive;
	if (exclusive && !l->folder)
		claim(l);
	return 0;
}

int ks_lock_take(struct ks_lock **out, const char *gitdir, int exclusive,
		 const struct ks_lock_opts *opts, struct ks_diags *d)
{
	struct ks_buf p = KS_BUF_INIT;
	struct ks_lock *l;
	int err;

	*out = NULL;
	l = ks_calloc(1, sizeof(*l));
	if (!l)
		return -1;
	l->fd = -1;
	if (opts && opts->what && !(l->what = ks_strdup(opts->what)))
		goto nomem;
	if (ks_buf_addf(&p, "%s%skhaosat", gitdir,
			gitdir[strlen(gitdir) - 1] == '/' ? "" : "/") < 0)
		goto nomem;
	if (mkdir(p.ptr, 0777) < 0 && errno != EEXIST && exclusive) {
		err = ks_error(d, KS_EIO, p.ptr, 0, 0,
			       "cannot lock the survey: %s", strerror(errno));
		goto fail;
	}
	if (ks_buf_puts(&p, "/lock") < 0)
		goto nomem;
	l->fd = open(p.ptr, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (l->fd < 0 && !exclusive)
		/* A survey on a read-only medium: nobody writes it. */
		l->fd = open(p.ptr, O_RDONLY | O_CLOEXEC);
	if (l->fd < 0 && (exclusive || (errno != ENOENT && errno != EROFS &&
					 errno != EACCES))) {
		err = ks_error(d, KS_EIO, p.ptr, 0, 0,
			       "cannot lock the survey: %s", strerror(errno));
		goto fail;
	}
	if ((err = acquire(l, exclusive, opts, d)))
		goto fail;
	ks_buf_release(&p);
	*out = l;
	return 0;
nomem:
	err = -1;
fail:
	ks_buf_release(&p);
	ks_lock_free(l);
	return err;
}

int ks_lock_take_folder(struct ks_lock **out, const char *path,
			const struct ks_lock_opts *opts, struct ks_diags *d)
{
	struct ks_buf dir = KS_BUF_INIT;
	struct ks_lock *l;
	const char *slash;
	size_t n = strlen(path);
	int err;

	*out = NULL;
	while (n > 1 && path[n - 1] == '/')
		n--;
	slash = memrchr(path, '/', n);
	if (ks_buf_add(&dir, path, slash ? (size_t)(slash - path) : 0) < 0)
		return -1;
	if (!dir.len)
		err = ks_buf_puts(&dir, slash ? "/" : ".");
	else
		err = 0;
	l = err ? NULL : ks_calloc(1, sizeof(*l));
	if (!l) {
		ks_buf_release(&dir);
		return -1;
	}
	l->folder = 1;
	l->fd = open(dir.ptr, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->fd < 0) {
		/* A folder that is not there yet: init makes it, and its
		 * own error says so. */
		ks_buf_release(&dir);
		*out = l;
		return 0;
	}
	err = acquire(l, 1, opts, d);
	ks_buf_release(&dir);
	if (err) {
		ks_lock_free(l);
		return err;
	}
	*out = l;
	return 0;
}

int ks_lock_change(struct ks_lock *l, int exclusive,
		   const struct ks_lock_opts *opts, struct ks_diags *d)
{
	if (l->exclusive == exclusive)
		return 0;
	if (l->exclusive && l->fd >= 0)
		(void)!ftruncate(l->fd, 0);
	return acquire(l, exclusive, opts, d);
}

int ks_lock_is_exclusive(const struct ks_lock *l)
{
	return l && l->exclusive;
}

void ks_lock_free(struct ks_lock *l)
{
	if (!l)
		return;
	if (l->fd >= 0) {
		if (l->exclusive && !l->folder)
			(void)!ftruncate(l->fd, 0);
		close(l->fd);	/* lets the lock go */
	}
	ks_free(l->what);
	ks_free(l);
}

/* ---- lock files left by killed processes ---- */

/* The process that has `path` open, 0 when none (or /proc is not there). */
static long user_of(const char *path, char *comm, size_t n)
{
	DIR *proc = opendir("/proc"), *fds;
	struct dirent *pe, *fe;
	char link[PATH_MAX], dir[64], fdpath[384];
	long found = 0, self = (long)getpid();

	comm[0] = '\0';
	if (!proc)
		return 0;
	while (!found && (pe = readdir(proc))) {
		char *end;
		long pid = strtol(pe->d_name, &end, 10);

		if (*end || pid <= 0 || pid == self)
			continue;
		snprintf(dir, sizeof(dir), "/proc/%ld/fd", pid);
		if (!(fds = opendir(dir)))
			continue;
		while ((fe = readdir(fds))) {
			ssize_t len;

			if (fe->d_name[0] == '.')
				continue;
			snprintf(fdpath, sizeof(fdpath), "%s/%s", dir, fe->d_name);
			len = readlink(fdpath, link, sizeof(link) - 1);
			if (len <= 0)
				continue;
			link[len] = '\0';
			if (!strcmp(link, path)) {
				found = pid;
				break;
			}
		}
		closedir(fds);
	}
	closedir(proc);
	if (found) {
		FILE *f;

		snprintf(dir, sizeof(dir), "/proc/%ld/comm", found);
		if ((f = fopen(dir, "r"))) {
			if (fgets(comm, (int)n, f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
	}
	return found;
}

struct sweep {
	int removed;
	struct ks_diags *d;
	int err;
};

static void check_one(struct sweep *s, const char *path)
{
	char comm[64];
	struct stat st;
	long pid;

	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return;
	pid = user_of(path, comm, sizeof(comm));
	if (pid) {
		s->err = ks_error(s->d, KS_EIO, path, 0, 0,
				  "is held by %s (pid %ld) since %ld seconds ago; nothing was changed; wait for that program to finish, or stop it, then run the command again",
				  *comm ? comm : _("another program"), pid,
				  (long)(time(NULL) - st.st_mtime));
		return;
	}
	if (unlink(path) == 0)
		s->removed++;
	else if (errno != ENOENT)
		s->err = ks_error(s->d, KS_EIO, path, 0, 0,
				  "was left by a command that was stopped, and cannot be removed: %s; remove it, then run the command again",
				  strerror(errno));
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

static void walk(struct sweep *s, const char *dir, int depth)
{
	struct ks_buf p = KS_BUF_INIT;
	struct dirent *e;
	DIR *dh;

	if (depth > 16 || !(dh = opendir(dir)))
		return;
	while ((e = readdir(dh))) {
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		ks_buf_reset(&p);
		if (ks_buf_addf(&p, "%s/%s", dir, e->d_name) < 0)
			break;
		if (lstat(p.ptr, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			walk(s, p.ptr, depth + 1);
		else if (has_suffix(e->d_name, ".lock"))
			check_one(s, p.ptr);
	}
	closedir(dh);
	ks_buf_release(&p);
}

int ks_lock_clear_stale(const char *gitdir, int *removed, struct ks_diags *d)
{
	static const char *const top[] = {
		"index.lock", "HEAD.lock", "config.lock", "packed-refs.lock",
		"ORIG_HEAD.lock", "FETCH_HEAD.lock", "shallow.lock",
	};
	struct sweep s = { 0, d, 0 };
	struct ks_buf p = KS_BUF_INIT;
	char real[PATH_MAX];
	size_t i;

	*removed = 0;
	/* As /proc names open files: no symbolic link on the way. */
	if (!realpath(gitdir, real))
		return ks_error(d, KS_EIO, gitdir, 0, 0, "cannot read: %s",
				strerror(errno));
	for (i = 0; i < sizeof(top) / sizeof(*top); i++) {
		ks_buf_reset(&p);
		if (ks_buf_addf(&p, "%s/%s", real, top[i]) < 0)
			goto nomem;
		check_one(&s, p.ptr);
	}
	ks_buf_reset(&p);
	if (ks_buf_addf(&p, "%s/refs", real) < 0)
		goto nomem;
	walk(&s, p.ptr, 0);
	ks_buf_reset(&p);
	if (ks_buf_addf(&p, "%s/logs", real) < 0)
		goto nomem;
	walk(&s, p.ptr, 0);
	ks_buf_release(&p);
	*removed = s.removed;
	return s.err;
nomem:
	ks_buf_release(&p);
	return -1;
}
