/*
 * The durable file writer: temporary file in the same folder, write, flush,
 * rename, flush of the folder, every result checked.  See file.h.
 */
#include "file.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "crash.h"
#include "diag.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int mkdir_parents(const char *path)
{
	char buf[PATH_MAX];
	size_t i, n = strlen(path);

	if (n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (i = 1; i < n; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0777) < 0 && errno != EEXIST)
			return -1;
		buf[i] = '/';
	}
	return 0;
}

int ks_file_sync_folder(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 0;
	int fd, r;

	if (len >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (!slash)
		memcpy(dir, ".", 2);
	else if (!len)
		memcpy(dir, "/", 2);
	else {
		memcpy(dir, path, len);
		dir[len] = '\0';
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

const char *ks_file_kind(unsigned mode)
{
	if (S_ISDIR(mode))
		return _("a folder");
	if (S_ISLNK(mode))
		return _("a symbolic link");
	if (S_ISFIFO(mode))
		return _("a named pipe");
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return _("a device");
	if (S_ISSOCK(mode))
		return _("a socket");
	return S_ISREG(mode) ? _("a file") : _("not a plain file");
}

static void release(struct ks_file *f)
{
	/* Only a begun file owns a stream or a descriptor (a zeroed one
	 * must not close standard input). */
	if (f->tmp && f->stream)
		fclose(f->stream);
	else if (f->tmp && f->fd >= 0)
		close(f->fd);
	ks_free(f->path);
	ks_free(f->tmp);
	memset(f, 0, sizeof(*f));
	f->fd = -1;
}

int ks_file_begin(struct ks_file *f, const char *path, unsigned flags,
		  struct ks_diags *d)
{
	struct ks_buf tmp = KS_BUF_INIT;
	struct stat st;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->flags = flags;
	if (lstat(path, &st) == 0 &&
	    ((flags & KS_FILE_FOLDER) ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
		return ks_error(d, KS_EIO, path, 0, 0,
				"cannot write: it is %s; nothing was written",
				ks_file_kind(st.st_mode));
	if (ks_buf_addf(&tmp, "%s.tmp-XXXXXX", path) < 0)
		return -1;
	/* The folders are made when the first try says they are missing. */
	for (;;) {
		if (flags & KS_FILE_FOLDER)
			f->fd = mkdtemp(tmp.ptr) ? -2 : -1;
		else
			f->fd = mkostemp(tmp.ptr, O_CLOEXEC);
		if (f->fd != -1 || errno != ENOENT || !(flags & KS_FILE_FOLDERS))
			break;
		if (mkdir_parents(path) < 0) {
			ks_buf_release(&tmp);
			return ks_error(d, KS_EIO, path, 0, 0,
					"cannot create its folder: %s",
					strerror(errno));
		}
		flags &= ~KS_FILE_FOLDERS;
		memcpy(tmp.ptr + tmp.len - 6, "XXXXXX", 6);
	}
	if (f->fd == -1)
		goto fail;
	if (f->fd == -2)
		f->fd = -1;
	f->tmp = ks_strdup(tmp.ptr);
	f->path = ks_strdup(path);
	if (!f->tmp || !f->path) {
		if (f->fd >= 0)
			close(f->fd);
		if (flags & KS_FILE_FOLDER)
			rmdir(tmp.ptr);
		else
			unlink(tmp.ptr);
		ks_buf_release(&tmp);
		ks_free(f->tmp);
		ks_free(f->path);
		memset(f, 0, sizeof(*f));
		f->fd = -1;
		return -1;
	}
	ks_buf_release(&tmp);
	if (f->fd >= 0 && fchmod(f->fd, 0644) < 0) {
		ks_error(d, KS_EIO, path, 0, 0, "cannot write: %s",
			 strerror(errno));
		ks_file_abort(f);
		return KS_EIO;
	}
	if (flags & KS_FILE_BY_NAME) {
		close(f->fd);
		f->fd = -1;
	}
	return 0;
fail:
	ks_error(d, KS_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
	ks_buf_release(&tmp);
	return KS_EIO;
}

int ks_file_write(struct ks_file *f, const void *data, size_t len)
{
	const char *p = data;

	if (f->err)
		return -1;
	if (f->stream) {
		if (len && fwrite(p, 1, len, f->stream) != len) {
			f->err = errno ? errno : EIO;
			return -1;
		}
		return 0;
	}
	while (len) {
		ssize_t n = write(f->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			f->err = n < 0 ? errno : ENOSPC;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

FILE *ks_file_stream(struct ks_file *f)
{
	if (!f->stream && f->fd >= 0) {
		f->stream = fdopen(f->fd, "w");
		if (f->stream)
			f->fd = -1;
	}
	return f->stream;
}

/* Flushes what was written under the temporary name and closes it. */
static int flush_tmp(struct ks_file *f)
{
	int durable = f->flags & KS_FILE_DURABLE, e = 0;

	if (f->stream) {
		if (fflush(f->stream) != 0 || ferror(f->stream))
			e = errno ? errno : EIO;
		if (!e && durable && fsync(fileno(f->stream)) < 0)
			e = errno;
		if (fclose(f->stream) != 0 && !e)
			e = errno;
		f->stream = NULL;
	} else if (f->fd >= 0) {
		if (durable && fsync(f->fd) < 0)
			e = errno;
		if (close(f->fd) < 0 && !e)
			e = errno;
		f->fd = -1;
	} else if (durable) {
		/* Written by name: a file, or a folder whose files the caller
		 * flushed; either way its own entry is flushed here. */
		int fd = open(f->tmp, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || fsync(fd) < 0)
			e = errno;
		if (fd >= 0)
			close(fd);
	}
	return e;
}

/*
 * Puts the flushed temporary file in place.  0; KS_ECONFLICT when `was`
 * says the file there is not the one to replace (it stays); -2 when `was`
 * cannot tell; -1 when it is reported already and `f` released; or an
 * errno (positive) for the caller to report.
 */
static int put_in_place(struct ks_file *f,
			int (*was)(const char *old_file, void *arg), void *arg,
			struct ks_diags *d)
{
	int ok;

	if (!was)
		return rename(f->tmp, f->path) < 0 ? errno : 0;
	/*
	 * Swapped, not replaced: the file that was there is kept under the
	 * temporary name and looked at after the swap, so a save that came
	 * just before is seen and swapped back, whenever it came.
	 */
	if (renameat2(AT_FDCWD, f->tmp, AT_FDCWD, f->path, RENAME_EXCHANGE) == 0) {
		ok = was(f->tmp, arg);
		if (ok == 1) {
			unlink(f->tmp);
			return 0;
		}
		if (renameat2(AT_FDCWD, f->tmp, AT_FDCWD, f->path, RENAME_EXCHANGE) < 0) {
			/* The person's file is under the temporary name:
			 * kept there, and said. */
			ks_error(d, KS_EIO, f->path, 0, 0,
				 "was saved while khaosat replaced it; that version is kept as '%s'",
				 f->tmp);
			release(f);
			return -1;
		}
		return ok < 0 ? -2 : KS_ECONFLICT;
	}
	if (errno == ENOENT)
		/* Nothing there: only if it was meant to be absent. */
		return was(NULL, arg) != 1 ||
		       renameat2(AT_FDCWD, f->tmp, AT_FDCWD, f->path,
				 RENAME_NOREPLACE) < 0 ? KS_ECONFLICT : 0;
	if (errno != EINVAL && errno != ENOSYS)
		return errno;
	/* A file system that cannot swap (FAT): look, then replace. */
	if ((ok = was(f->path, arg)) != 1)
		return ok < 0 ? -2 : KS_ECONFLICT;
	return rename(f->tmp, f->path) < 0 ? errno : 0;
}

static int commit(struct ks_file *f,
		  int (*was)(const char *old_file, void *arg), void *arg,
		  struct ks_diags *d)
{
	int e = f->err;

	if (!f->tmp) {
		release(f);
		return -1;
	}
	if (e)
		goto fail;
	ks_crash_point("file: written");
	if ((e = flush_tmp(f)))
		goto fail;
	ks_crash_point("file: flushed");
	e = put_in_place(f, was, arg, d);
	if (e == -1)		/* reported, and `f` released */
		return KS_EIO;
	if (e == -2 || e == KS_ECONFLICT) {
		ks_file_abort(f);
		return e == -2 ? -1 : KS_ECONFLICT;
	}
	if (e) {
		ks_error(d, KS_EIO, f->path, 0, 0, "cannot replace: %s",
			 strerror(e));
		ks_file_abort(f);
		return KS_EIO;
	}
	ks_crash_point("file: renamed");
	if ((f->flags & KS_FILE_DURABLE) && ks_file_sync_folder(f->path) < 0) {
		ks_error(d, KS_EIO, f->path, 0, 0,
			 "cannot flush its folder: %s", strerror(errno));
		release(f);
		return KS_EIO;
	}
	release(f);
	return 0;
fail:
	ks_error(d, KS_EIO, f->path, 0, 0, "cannot write: %s", strerror(e));
	ks_file_abort(f);
	return KS_EIO;
}

int ks_file_commit(struct ks_file *f, struct ks_diags *d)
{
	return commit(f, NULL, NULL, d);
}

int ks_file_commit_if(struct ks_file *f,
		      int (*was)(const char *old_file, void *arg), void *arg,
		      struct ks_diags *d)
{
	return commit(f, was, arg, d);
}

void ks_file_abort(struct ks_file *f)
{
	if (!f->tmp) {
		release(f);
		return;
	}
	if (f->stream) {
		fclose(f->stream);
		f->stream = NULL;
	} else if (f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
	}
	if (f->flags & KS_FILE_FOLDER)
		ks_remove_tree(f->tmp);
	else
		unlink(f->tmp);
	release(f);
}

int ks_file_put(const char *path, const void *data, size_t len,
		unsigned flags, struct ks_diags *d)
{
	struct ks_file f;
	int err;

	if ((err = ks_file_begin(&f, path,
				 (flags & ~KS_FILE_BY_NAME) | KS_FILE_FOLDERS, d)))
		return err;
	ks_file_write(&f, data, len);
	return ks_file_commit(&f, d);
}

int ks_file_put_text(const char *path, const struct ks_buf *text,
		     unsigned flags, struct ks_diags *d)
{
	if (ks_buf_failed(text))
		return ks_error(d, KS_ERROR, path, 0, 0,
				"out of memory; the file is left as it was");
	return ks_file_put(path, text->ptr, text->len, flags, d);
}

void ks_remove_tree(const char *path)
{
	struct stat st;
	DIR *dh;
	struct dirent *e;

	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode) && (dh = opendir(path))) {
		while ((e = readdir(dh))) {
			struct ks_buf b = KS_BUF_INIT;

			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			ks_buf_addf(&b, "%s/%s", path, e->d_name);
			ks_remove_tree(b.ptr);
			ks_buf_release(&b);
		}
		closedir(dh);
		rmdir(path);
		return;
	}
	unlink(path);
}

void ks_sweep_stale(const char *dir, const char *prefix, long seconds)
{
	struct ks_buf p = KS_BUF_INIT;
	struct stat st;
	struct dirent *de;
	DIR *dh = opendir(dir);
	time_t now = time(NULL);

	if (!dh)
		return;
	while ((de = readdir(dh))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		ks_buf_reset(&p);
		if (ks_buf_addf(&p, "%s/%s", dir, de->d_name) < 0)
			break;
		if (lstat(p.ptr, &st) == 0 && S_ISDIR(st.st_mode) &&
		    st.st_mtime + seconds < now)
			ks_remove_tree(p.ptr);
	}
	closedir(dh);
	ks_buf_release(&p);
}

int ks_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *ks_base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}
