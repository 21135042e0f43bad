/*
 * POSIX on Windows for khaosat's sources: see win32.h.
 */
#ifdef _WIN32

#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <bcrypt.h>
#include <aclapi.h>
#include <sddl.h>

/* this file calls the C library and Windows by their own names */
#include "win32.h"
#undef stat
#undef fstat
#undef lstat
#undef open
#undef openat
#undef close
#undef rename
#undef unlink
#undef fsync
#undef mkdir
#undef realpath
#undef mkdtemp
#undef mkostemp
#undef kill
#undef sigaction
#undef setenv
#undef unsetenv
#undef sysconf
#undef readlink
#undef symlink
#undef link
#undef getline
#undef isatty
#undef dirent
#undef DIR
#undef opendir
#undef readdir
#undef closedir

#include <stdarg.h>
#include <dlfcn.h>
#include <sys/random.h>
#include <bsd/readpassphrase.h>

/* ---- UTF-8 and UTF-16, errors ---- */

/* The UTF-16 of a UTF-8 path, malloc'd; NULL with errno set. */
wchar_t *ks_win_wide(const char *s)
{
	int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
	wchar_t *w;

	if (n <= 0) {
		errno = EINVAL;
		return NULL;
	}
	if (!(w = malloc((size_t)n * sizeof(*w)))) {
		errno = ENOMEM;
		return NULL;
	}
	MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n);
	return w;
}

static int narrow(const wchar_t *w, char *out, size_t n)
{
	int len = WideCharToMultiByte(CP_UTF8, 0, w, -1, out, (int)n, NULL, NULL);

	if (len <= 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int errno_of(DWORD e)
{
	switch (e) {
	case ERROR_FILE_NOT_FOUND:
	case ERROR_PATH_NOT_FOUND:
	case ERROR_INVALID_DRIVE:
	case ERROR_BAD_NETPATH:
	case ERROR_BAD_NET_NAME:
	case ERROR_DIRECTORY:
		return ENOENT;
	case ERROR_FILE_EXISTS:
	case ERROR_ALREADY_EXISTS:
		return EEXIST;
	case ERROR_ACCESS_DENIED:
	case ERROR_SHARING_VIOLATION:
	case ERROR_LOCK_VIOLATION:
	case ERROR_WRITE_PROTECT:
		return EACCES;
	case ERROR_DIR_NOT_EMPTY:
		return ENOTEMPTY;
	case ERROR_NOT_ENOUGH_MEMORY:
	case ERROR_OUTOFMEMORY:
		return ENOMEM;
	case ERROR_DISK_FULL:
	case ERROR_HANDLE_DISK_FULL:
		return ENOSPC;
	case ERROR_FILENAME_EXCED_RANGE:
		return ENAMETOOLONG;
	case ERROR_INVALID_NAME:
	case ERROR_INVALID_PARAMETER:
		return EINVAL;
	case ERROR_NOT_SAME_DEVICE:
		return EXDEV;
	case ERROR_NOT_SUPPORTED:
	case ERROR_INVALID_FUNCTION:
		return ENOSYS;
	default:
		return EIO;
	}
}

static int fail(void)
{
	errno = errno_of(GetLastError());
	return -1;
}

/* ---- what is known of each descriptor ---- */

/*
 * The path each descriptor was opened at (absolute, UTF-8), and whether
 * it is a folder's: openat() and fdopendir() go through it, and fsync()
 * of a read-only descriptor reopens the file for writing, which Windows
 * needs to flush it.
 */
#define MAX_FDS 8192
static struct fd_info {
	char *path;
	unsigned folder : 1;
	unsigned locked : 1;
} fds[MAX_FDS];
static SRWLOCK fds_lock = SRWLOCK_INIT;

static void fd_set_info(int fd, const char *path, int folder)
{
	char *copy;

	if (fd < 0 || fd >= MAX_FDS)
		return;
	copy = _fullpath(NULL, path, 0);
	AcquireSRWLockExclusive(&fds_lock);
	free(fds[fd].path);
	fds[fd].path = copy;
	fds[fd].folder = folder ? 1 : 0;
	fds[fd].locked = 0;
	ReleaseSRWLockExclusive(&fds_lock);
}

/* A copy of the path of `fd`, NULL when not known. */
static char *fd_path(int fd, int *folder)
{
	char *p = NULL;

	if (fd < 0 || fd >= MAX_FDS)
		return NULL;
	AcquireSRWLockShared(&fds_lock);
	if (fds[fd].path)
		p = strdup(fds[fd].path);
	if (folder)
		*folder = fds[fd].folder;
	ReleaseSRWLockShared(&fds_lock);
	return p;
}

static void fd_forget(int fd)
{
	if (fd < 0 || fd >= MAX_FDS)
		return;
	AcquireSRWLockExclusive(&fds_lock);
	free(fds[fd].path);
	fds[fd].path = NULL;
	fds[fd].folder = 0;
	fds[fd].locked = 0;
	ReleaseSRWLockExclusive(&fds_lock);
}

/* ---- stat ---- */

static struct timespec timespec_of(LARGE_INTEGER t)
{
	/* 100 ns since 1601 -> since 1970 */
	long long v = t.QuadPart - 116444736000000000LL;
	struct timespec ts;

	ts.tv_sec = (time_t)(v / 10000000);
	ts.tv_nsec = (long)(v % 10000000) * 100;
	if (ts.tv_nsec < 0) {
		ts.tv_sec--;
		ts.tv_nsec += 1000000000;
	}
	return ts;
}

static int stat_handle(HANDLE h, struct ks_win_stat *st)
{
	BY_HANDLE_FILE_INFORMATION fi;
	FILE_BASIC_INFO bi;
	LARGE_INTEGER t;

	if (!GetFileInformationByHandle(h, &fi))
		return fail();
	memset(st, 0, sizeof(*st));
	st->st_dev = fi.dwVolumeSerialNumber;
	st->st_ino = ((uint64_t)fi.nFileIndexHigh << 32) | fi.nFileIndexLow;
	st->st_nlink = fi.nNumberOfLinks;
	st->st_size = (int64_t)(((uint64_t)fi.nFileSizeHigh << 32) | fi.nFileSizeLow);
	if (fi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
		st->st_mode = S_IFDIR | 0755;
	else
		st->st_mode = S_IFREG | ((fi.dwFileAttributes & FILE_ATTRIBUTE_READONLY) ? 0444 : 0644);
	switch (GetFileType(h)) {
	case FILE_TYPE_CHAR:
		st->st_mode = S_IFCHR | 0666;
		break;
	case FILE_TYPE_PIPE:
		st->st_mode = S_IFIFO | 0666;
		break;
	default:
		break;
	}
	t.LowPart = fi.ftLastAccessTime.dwLowDateTime;
	t.HighPart = (LONG)fi.ftLastAccessTime.dwHighDateTime;
	st->st_atim = timespec_of(t);
	t.LowPart = fi.ftLastWriteTime.dwLowDateTime;
	t.HighPart = (LONG)fi.ftLastWriteTime.dwHighDateTime;
	st->st_mtim = timespec_of(t);
	/* the change time, as POSIX's ctime, where the file system has it */
	if (GetFileInformationByHandleEx(h, FileBasicInfo, &bi, sizeof(bi)) &&
	    bi.ChangeTime.QuadPart)
		st->st_ctim = timespec_of(bi.ChangeTime);
	else
		st->st_ctim = st->st_mtim;
	st->st_blksize = 4096;
	st->st_blocks = (st->st_size + 511) / 512;
	return 0;
}

static int stat_path(const char *path, struct ks_win_stat *st, int follow)
{
	wchar_t *w = ks_win_wide(path);
	HANDLE h;
	int r;

	if (!w)
		return -1;
	h = CreateFileW(w, FILE_READ_ATTRIBUTES,
			FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
			OPEN_EXISTING,
			FILE_FLAG_BACKUP_SEMANTICS | (follow ? 0 : FILE_FLAG_OPEN_REPARSE_POINT),
			NULL);
	if (h == INVALID_HANDLE_VALUE) {
		free(w);
		return fail();
	}
	r = stat_handle(h, st);
	if (!r && !follow) {
		DWORD a = GetFileAttributesW(w);

		if (a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_REPARSE_POINT)) {
			WIN32_FIND_DATAW fd;
			HANDLE f = FindFirstFileW(w, &fd);

			if (f != INVALID_HANDLE_VALUE) {
				if (fd.dwReserved0 == IO_REPARSE_TAG_SYMLINK)
					st->st_mode = S_IFLNK | 0777;
				FindClose(f);
			}
		}
	}
	CloseHandle(h);
	free(w);
	return r;
}

int ks_win_stat(const char *path, struct ks_win_stat *st)
{
	return stat_path(path, st, 1);
}

int ks_win_lstat(const char *path, struct ks_win_stat *st)
{
	return stat_path(path, st, 0);
}

int ks_win_fstat(int fd, struct ks_win_stat *st)
{
	HANDLE h = (HANDLE)_get_osfhandle(fd);

	if (h == INVALID_HANDLE_VALUE) {
		errno = EBADF;
		return -1;
	}
	return stat_handle(h, st);
}

/* ---- open, close ---- */

int ks_win_open(const char *path, int flags, ...)
{
	DWORD access, disposition, attrs = FILE_ATTRIBUTE_NORMAL;
	int folder = (flags & O_DIRECTORY) != 0, cflags = 0, fd;
	wchar_t *w;
	HANDLE h;

	if (flags & O_CREAT) {
		va_list ap;
		int mode;

		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
		if (!(mode & 0200))
			attrs = FILE_ATTRIBUTE_READONLY;
	}
	switch (flags & (O_RDONLY | O_WRONLY | O_RDWR)) {
	case O_WRONLY:
		access = GENERIC_WRITE;
		cflags = _O_WRONLY;
		break;
	case O_RDWR:
		access = GENERIC_READ | GENERIC_WRITE;
		cflags = _O_RDWR;
		break;
	default:
		access = GENERIC_READ;
		cflags = _O_RDONLY;
		break;
	}
	if (flags & O_APPEND)
		cflags |= _O_APPEND;
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		disposition = CREATE_NEW;
	else if ((flags & (O_CREAT | O_TRUNC)) == (O_CREAT | O_TRUNC))
		disposition = CREATE_ALWAYS;
	else if (flags & O_CREAT)
		disposition = OPEN_ALWAYS;
	else if (flags & O_TRUNC)
		disposition = TRUNCATE_EXISTING;
	else
		disposition = OPEN_EXISTING;
	if (!(w = ks_win_wide(path)))
		return -1;
	/*
	 * FILE_SHARE_DELETE: as on POSIX, a file open here can be renamed
	 * over or removed by another, which the atomic replace relies on.
	 */
	h = CreateFileW(w, folder ? 0 : access,
			FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
			disposition, attrs | (folder ? FILE_FLAG_BACKUP_SEMANTICS : 0), NULL);
	if (h == INVALID_HANDLE_VALUE) {
		DWORD e = GetLastError(), a = GetFileAttributesW(w);
		int dir = e == ERROR_ACCESS_DENIED && a != INVALID_FILE_ATTRIBUTES &&
			  (a & FILE_ATTRIBUTE_DIRECTORY);

		/* POSIX opens a folder for reading without O_DIRECTORY */
		if (dir && !folder && access == GENERIC_READ && disposition == OPEN_EXISTING) {
			free(w);
			return ks_win_open(path, flags | O_DIRECTORY);
		}
		free(w);
		errno = dir ? EISDIR : errno_of(e);
		return -1;
	}
	if (folder) {
		BY_HANDLE_FILE_INFORMATION fi;

		if (!GetFileInformationByHandle(h, &fi) ||
		    !(fi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
			CloseHandle(h);
			free(w);
			errno = ENOTDIR;
			return -1;
		}
	}
	free(w);
	fd = _open_osfhandle((intptr_t)h, cflags | _O_BINARY);
	if (fd < 0) {
		CloseHandle(h);
		errno = EMFILE;
		return -1;
	}
	fd_set_info(fd, path, folder);
	return fd;
}

int ks_win_close(int fd)
{
	fd_forget(fd);
	return _close(fd);
}

/* `name` under the folder of `dirfd`, malloc'd */
static char *at_path(int dirfd, const char *name)
{
	char *dir, *p;
	size_t n;

	if (dirfd == AT_FDCWD || name[0] == '/' || name[0] == '\\' ||
	    (name[0] && name[1] == ':'))
		return strdup(name);
	if (!(dir = fd_path(dirfd, NULL))) {
		errno = EBADF;
		return NULL;
	}
	n = strlen(dir) + strlen(name) + 2;
	if ((p = malloc(n)))
		snprintf(p, n, "%s/%s", dir, name);
	free(dir);
	return p;
}

int ks_win_openat(int dirfd, const char *path, int flags, ...)
{
	char *p = at_path(dirfd, path);
	int mode = 0, fd;

	if (!p)
		return -1;
	if (flags & O_CREAT) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	fd = ks_win_open(p, flags, mode);
	free(p);
	return fd;
}

int ks_win_fstatat(int dirfd, const char *path, struct ks_win_stat *st, int flags)
{
	char *p = at_path(dirfd, path);
	int r;

	if (!p)
		return -1;
	r = stat_path(p, st, !(flags & AT_SYMLINK_NOFOLLOW));
	free(p);
	return r;
}

/* ---- names ---- */

int ks_win_rename(const char *from, const char *to)
{
	wchar_t *wf = ks_win_wide(from), *wt = wf ? ks_win_wide(to) : NULL;
	int r = 0;

	if (!wt) {
		free(wf);
		return -1;
	}
	if (!MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
		DWORD e = GetLastError();
		DWORD a = GetFileAttributesW(wt);

		/* POSIX replaces an empty folder; Windows does not */
		if (e == ERROR_ACCESS_DENIED && a != INVALID_FILE_ATTRIBUTES &&
		    (a & FILE_ATTRIBUTE_DIRECTORY) && RemoveDirectoryW(wt) &&
		    MoveFileExW(wf, wt, MOVEFILE_WRITE_THROUGH))
			r = 0;
		else {
			errno = errno_of(e);
			r = -1;
		}
	}
	free(wf);
	free(wt);
	return r;
}

int ks_win_renameat2(int fromfd, const char *from, int tofd, const char *to,
		     unsigned flags)
{
	wchar_t *wf, *wt;
	int r = 0;

	if (fromfd != AT_FDCWD || tofd != AT_FDCWD || (flags & RENAME_EXCHANGE)) {
		errno = ENOSYS;
		return -1;
	}
	if (!(flags & RENAME_NOREPLACE))
		return ks_win_rename(from, to);
	wf = ks_win_wide(from);
	wt = wf ? ks_win_wide(to) : NULL;
	if (!wt) {
		free(wf);
		return -1;
	}
	if (!MoveFileExW(wf, wt, MOVEFILE_WRITE_THROUGH))
		r = fail();
	free(wf);
	free(wt);
	return r;
}

int ks_win_unlink(const char *path)
{
	wchar_t *w = ks_win_wide(path);
	int r = 0;

	if (!w)
		return -1;
	if (!DeleteFileW(w)) {
		DWORD e = GetLastError(), a = GetFileAttributesW(w);

		/* git's objects are read-only; POSIX removes them all the same */
		if (e == ERROR_ACCESS_DENIED && a != INVALID_FILE_ATTRIBUTES &&
		    (a & FILE_ATTRIBUTE_READONLY) &&
		    SetFileAttributesW(w, a & ~(DWORD)FILE_ATTRIBUTE_READONLY) &&
		    DeleteFileW(w))
			r = 0;
		else if (a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY)) {
			errno = EISDIR;
			r = -1;
		} else {
			errno = errno_of(e);
			r = -1;
		}
	}
	free(w);
	return r;
}

int ks_win_mkdir(const char *path)
{
	wchar_t *w = ks_win_wide(path);
	int r = 0;

	if (!w)
		return -1;
	if (!CreateDirectoryW(w, NULL))
		r = fail();
	free(w);
	return r;
}

char *ks_win_realpath(const char *path, char *resolved)
{
	struct ks_win_stat st;
	char *full, *p;

	if (stat_path(path, &st, 1) < 0)
		return NULL;
	if (!(full = _fullpath(NULL, path, 0))) {
		errno = ENOMEM;
		return NULL;
	}
	for (p = full; *p; p++)
		if (*p == '\\')
			*p = '/';
	/* no slash at the end, but for a drive's root ("E:/") */
	while (p - full > 3 && p[-1] == '/')
		*--p = '\0';
	if (!resolved)
		return full;
	if (strlen(full) >= PATH_MAX) {
		free(full);
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(resolved, full);
	free(full);
	return resolved;
}

ssize_t ks_win_readlink(const char *path, char *buf, size_t n)
{
	wchar_t exe[32768];
	char *p;
	int len;

	/* "/proc/self/exe": the program's own path, as on Linux */
	if (strcmp(path, "/proc/self/exe")) {
		errno = EINVAL;
		return -1;
	}
	if (!GetModuleFileNameW(NULL, exe, sizeof(exe) / sizeof(*exe)) ||
	    (len = WideCharToMultiByte(CP_UTF8, 0, exe, -1, buf, (int)n, NULL, NULL)) <= 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (p = buf; *p; p++)
		if (*p == '\\')
			*p = '/';
	return len - 1;		/* not terminated, as readlink() */
}

int ks_win_symlink(const char *target, const char *path)
{
	(void)target;
	(void)path;
	errno = EPERM;
	return -1;
}

int ks_win_link(const char *from, const char *to)
{
	wchar_t *wf = ks_win_wide(from), *wt = wf ? ks_win_wide(to) : NULL;
	int r = 0;

	if (!wt) {
		free(wf);
		return -1;
	}
	if (!CreateHardLinkW(wt, wf, NULL))
		r = fail();
	free(wf);
	free(wt);
	return r;
}

int ks_win_fchmod(int fd, unsigned mode)
{
	PSECURITY_DESCRIPTOR sd = NULL;
	PACL dacl = NULL;
	BOOL present = FALSE, defaulted = FALSE;
	char *path;
	wchar_t *w;
	DWORD e;

	if (mode & 077)
		return 0;
	if (!(path = fd_path(fd, NULL))) {
		errno = EBADF;
		return -1;
	}
	w = ks_win_wide(path);
	free(path);
	if (!w)
		return -1;
	/* the owner and the system, nobody else, and nothing inherited */
	if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(
		    L"D:P(A;;FA;;;OW)(A;;FA;;;SY)", SDDL_REVISION_1, &sd, NULL) ||
	    !GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted)) {
		free(w);
		if (sd)
			LocalFree(sd);
		return fail();
	}
	e = SetNamedSecurityInfoW(w, SE_FILE_OBJECT,
				  DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
				  NULL, NULL, dacl, NULL);
	LocalFree(sd);
	free(w);
	if (e != ERROR_SUCCESS) {
		errno = errno_of(e);
		return -1;
	}
	return 0;
}

/* ---- temporary names ---- */

static int fill_random(char *templ)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t n = strlen(templ), i;
	unsigned char r[6];

	if (n < 6 || strcmp(templ + n - 6, "XXXXXX")) {
		errno = EINVAL;
		return -1;
	}
	if (BCryptGenRandom(NULL, r, sizeof(r), BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) {
		errno = EIO;
		return -1;
	}
	for (i = 0; i < 6; i++)
		templ[n - 6 + i] = set[r[i] % (sizeof(set) - 1)];
	return 0;
}

char *ks_win_mkdtemp(char *templ)
{
	size_t n = strlen(templ);
	int tries;

	for (tries = 0; tries < 100; tries++) {
		if (fill_random(templ) < 0)
			return NULL;
		if (ks_win_mkdir(templ) == 0)
			return templ;
		if (errno != EEXIST)
			return NULL;
		memcpy(templ + n - 6, "XXXXXX", 6);
	}
	errno = EEXIST;
	return NULL;
}

int ks_win_mkostemp(char *templ, int flags)
{
	size_t n = strlen(templ);
	int tries, fd;

	for (tries = 0; tries < 100; tries++) {
		if (fill_random(templ) < 0)
			return -1;
		fd = ks_win_open(templ, O_RDWR | O_CREAT | O_EXCL | flags, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
		memcpy(templ + n - 6, "XXXXXX", 6);
	}
	errno = EEXIST;
	return -1;
}

ssize_t getrandom(void *buf, size_t n, unsigned flags)
{
	(void)flags;
	if (n > 0x7fffffff)
		n = 0x7fffffff;
	if (BCryptGenRandom(NULL, buf, (ULONG)n, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) {
		errno = EIO;
		return -1;
	}
	return (ssize_t)n;
}

int ks_win_mkstemps(char *templ, int suffix)
{
	size_t n = strlen(templ);
	int tries, fd;
	char keep;

	if (suffix < 0 || (size_t)suffix + 6 > n) {
		errno = EINVAL;
		return -1;
	}
	for (tries = 0; tries < 100; tries++) {
		/* the six X's before the suffix, the suffix kept */
		keep = templ[n - (size_t)suffix];
		templ[n - (size_t)suffix] = '\0';
		fd = fill_random(templ);
		templ[n - (size_t)suffix] = keep;
		if (fd < 0)
			return -1;
		fd = ks_win_open(templ, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
		memcpy(templ + n - (size_t)suffix - 6, "XXXXXX", 6);
	}
	errno = EEXIST;
	return -1;
}

/* ---- reading, writing, flushing, locking ---- */

/* pread() and pwrite(): Windows moves the file's offset, POSIX does not */
static ssize_t positioned(int fd, void *buf, size_t n, off_t at, int writing)
{
	HANDLE h = (HANDLE)_get_osfhandle(fd);
	OVERLAPPED ov = { 0 };
	LARGE_INTEGER zero = { 0 }, was;
	DWORD done, e;
	BOOL ok;

	if (h == INVALID_HANDLE_VALUE) {
		errno = EBADF;
		return -1;
	}
	ov.Offset = (DWORD)((uint64_t)at & 0xffffffffu);
	ov.OffsetHigh = (DWORD)((uint64_t)at >> 32);
	if (n > 0x40000000)
		n = 0x40000000;
	if (!SetFilePointerEx(h, zero, &was, FILE_CURRENT))
		return fail();
	ok = writing ? WriteFile(h, buf, (DWORD)n, &done, &ov)
		     : ReadFile(h, buf, (DWORD)n, &done, &ov);
	e = GetLastError();
	SetFilePointerEx(h, was, NULL, FILE_BEGIN);
	if (!ok) {
		if (!writing && e == ERROR_HANDLE_EOF)
			return 0;
		errno = errno_of(e);
		return -1;
	}
	return (ssize_t)done;
}

ssize_t ks_win_pread(int fd, void *buf, size_t n, off_t at)
{
	return positioned(fd, buf, n, at, 0);
}

ssize_t ks_win_pwrite(int fd, const void *buf, size_t n, off_t at)
{
	return positioned(fd, (void *)buf, n, at, 1);
}

/* Whether a handle is a folder's: from the handle, not from what is
 * remembered of its descriptor, which a stream's fclose() leaves behind. */
static int is_folder(HANDLE h)
{
	BY_HANDLE_FILE_INFORMATION fi;

	return GetFileInformationByHandle(h, &fi) &&
	       (fi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY);
}

int ks_win_fsync(int fd)
{
	HANDLE h = (HANDLE)_get_osfhandle(fd), wh;
	int r = 0;

	if (h == INVALID_HANDLE_VALUE) {
		errno = EBADF;
		return -1;
	}
	if (FlushFileBuffers(h))
		return 0;
	if (GetLastError() != ERROR_ACCESS_DENIED)
		return fail();
	/* Folders: Windows writes their entries itself (NTFS's journal);
	 * FAT has nothing to flush them with. */
	if (is_folder(h))
		return 0;
	/* A file opened for reading: flushed through a handle that writes. */
	wh = ReOpenFile(h, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, 0);
	if (wh == INVALID_HANDLE_VALUE)
		return fail();
	if (!FlushFileBuffers(wh))
		r = fail();
	CloseHandle(wh);
	return r;
}

int ks_win_flock(int fd, int op)
{
	HANDLE h = (HANDLE)_get_osfhandle(fd);
	OVERLAPPED ov = { 0 };
	DWORD how;

	if (h == INVALID_HANDLE_VALUE) {
		errno = EBADF;
		return -1;
	}
	/* Windows does not lock folders; a folder's lock is its lock file's */
	if (is_folder(h))
		return 0;
	/* a byte far past the end: Windows' locks forbid reading what they
	 * cover, and the holder's name at the start must stay readable */
	ov.Offset = 0xfffffffe;
	ov.OffsetHigh = 0x7fffffff;
	if (fd >= 0 && fd < MAX_FDS && fds[fd].locked) {
		UnlockFileEx(h, 0, 1, 0, &ov);
		fds[fd].locked = 0;
	}
	if (op & LOCK_UN)
		return 0;
	how = (op & LOCK_EX) ? LOCKFILE_EXCLUSIVE_LOCK : 0;
	if (op & LOCK_NB)
		how |= LOCKFILE_FAIL_IMMEDIATELY;
	if (!LockFileEx(h, how, 0, 1, 0, &ov)) {
		DWORD e = GetLastError();

		errno = (e == ERROR_LOCK_VIOLATION || e == ERROR_IO_PENDING) ? EWOULDBLOCK : errno_of(e);
		return -1;
	}
	if (fd >= 0 && fd < MAX_FDS)
		fds[fd].locked = 1;
	return 0;
}

/* ---- folders ---- */

struct ks_win_dir {
	HANDLE h;
	WIN32_FIND_DATAW found;
	int first;		/* `found` holds an entry not returned yet */
	int fd;			/* fdopendir()'s, closed with the folder */
	char *path;
	struct ks_win_dirent ent;
};

ks_win_DIR *ks_win_opendir(const char *path)
{
	size_t n = strlen(path);
	char *pattern = malloc(n + 3);
	ks_win_DIR *d;
	wchar_t *w;

	if (!pattern) {
		errno = ENOMEM;
		return NULL;
	}
	memcpy(pattern, path, n);
	if (n && path[n - 1] != '/' && path[n - 1] != '\\')
		pattern[n++] = '/';
	pattern[n++] = '*';
	pattern[n] = '\0';
	w = ks_win_wide(pattern);
	free(pattern);
	if (!w)
		return NULL;
	if (!(d = calloc(1, sizeof(*d)))) {
		free(w);
		errno = ENOMEM;
		return NULL;
	}
	d->fd = -1;
	d->h = FindFirstFileExW(w, FindExInfoBasic, &d->found, FindExSearchNameMatch,
				NULL, FIND_FIRST_EX_LARGE_FETCH);
	free(w);
	if (d->h == INVALID_HANDLE_VALUE) {
		DWORD e = GetLastError();

		free(d);
		errno = e == ERROR_DIRECTORY ? ENOTDIR : errno_of(e);
		return NULL;
	}
	d->first = 1;
	d->path = strdup(path);
	return d;
}

ks_win_DIR *ks_win_fdopendir(int fd)
{
	int folder = 0;
	char *path = fd_path(fd, &folder);
	ks_win_DIR *d;

	if (!path || !folder) {
		free(path);
		errno = path ? ENOTDIR : EBADF;
		return NULL;
	}
	d = ks_win_opendir(path);
	free(path);
	if (d)
		d->fd = fd;
	return d;
}

struct ks_win_dirent *ks_win_readdir(ks_win_DIR *d)
{
	for (;;) {
		if (!d->first) {
			if (!FindNextFileW(d->h, &d->found)) {
				if (GetLastError() != ERROR_NO_MORE_FILES)
					errno = EIO;
				return NULL;
			}
		}
		d->first = 0;
		if (narrow(d->found.cFileName, d->ent.d_name, sizeof(d->ent.d_name)) < 0)
			continue;
		if (d->found.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT &&
		    d->found.dwReserved0 == IO_REPARSE_TAG_SYMLINK)
			d->ent.d_type = DT_LNK;
		else if (d->found.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
			d->ent.d_type = DT_DIR;
		else
			d->ent.d_type = DT_REG;
		return &d->ent;
	}
}

int ks_win_closedir(ks_win_DIR *d)
{
	if (!d)
		return 0;
	FindClose(d->h);
	if (d->fd >= 0)
		ks_win_close(d->fd);
	free(d->path);
	free(d);
	return 0;
}

int ks_win_dirfd(ks_win_DIR *d)
{
	if (d->fd < 0)
		d->fd = ks_win_open(d->path, O_RDONLY | O_DIRECTORY);
	return d->fd;
}

int ks_win_alphasort(const struct ks_win_dirent **a, const struct ks_win_dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int ks_win_scandir(const char *path, struct ks_win_dirent ***list,
		   int (*keep)(const struct ks_win_dirent *),
		   int (*cmp)(const struct ks_win_dirent **, const struct ks_win_dirent **))
{
	ks_win_DIR *d = ks_win_opendir(path);
	struct ks_win_dirent *e, **v = NULL, **grown;
	size_t n = 0, cap = 0;

	if (!d)
		return -1;
	while ((e = ks_win_readdir(d))) {
		if (keep && !keep(e))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if (!(grown = realloc(v, cap * sizeof(*v))))
				goto oom;
			v = grown;
		}
		if (!(v[n] = malloc(sizeof(*e))))
			goto oom;
		memcpy(v[n++], e, sizeof(*e));
	}
	ks_win_closedir(d);
	if (cmp && n > 1)
		qsort(v, n, sizeof(*v), (int (*)(const void *, const void *))cmp);
	*list = v;
	return (int)n;
oom:
	while (n)
		free(v[--n]);
	free(v);
	ks_win_closedir(d);
	errno = ENOMEM;
	return -1;
}

/* ---- time ---- */

struct tm *ks_win_localtime_r(const time_t *t, struct tm *tm)
{
	return localtime_s(tm, t) ? NULL : tm;
}

struct tm *ks_win_gmtime_r(const time_t *t, struct tm *tm)
{
	return gmtime_s(tm, t) ? NULL : tm;
}

/* ---- processes ---- */

int ks_win_kill(pid_t pid, int sig)
{
	HANDLE h;
	DWORD code;

	if (pid == getpid() && sig) {
		/* the crash points of the tests: gone at once, as SIGKILL */
		TerminateProcess(GetCurrentProcess(), 128 + sig);
		return 0;
	}
	h = OpenProcess(sig ? PROCESS_TERMINATE : PROCESS_QUERY_LIMITED_INFORMATION,
			FALSE, (DWORD)pid);
	if (!h) {
		DWORD e = GetLastError();

		errno = e == ERROR_ACCESS_DENIED ? EPERM : ESRCH;
		return -1;
	}
	if (!sig) {
		int alive = GetExitCodeProcess(h, &code) && code == STILL_ACTIVE;

		CloseHandle(h);
		if (!alive) {
			errno = ESRCH;
			return -1;
		}
		return 0;
	}
	TerminateProcess(h, 128 + (unsigned)sig);
	CloseHandle(h);
	return 0;
}

int ks_win_sigaction(int sig, const struct sigaction *sa, struct sigaction *old)
{
	void (*prev)(int);

	if (sig != SIGINT && sig != SIGTERM && sig != SIGABRT && sig != SIGSEGV &&
	    sig != SIGFPE && sig != SIGILL) {
		if (old)
			memset(old, 0, sizeof(*old));
		return 0;
	}
	prev = signal(sig, sa ? sa->sa_handler : SIG_DFL);
	if (prev == SIG_ERR) {
		errno = EINVAL;
		return -1;
	}
	if (!sa)
		signal(sig, prev);
	if (old) {
		memset(old, 0, sizeof(*old));
		old->sa_handler = prev;
	}
	return 0;
}

int ks_win_setenv(const char *name, const char *value, int overwrite)
{
	if (!overwrite && getenv(name))
		return 0;
	if (_putenv_s(name, value)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int ks_win_unsetenv(const char *name)
{
	/* an empty value takes the variable out */
	return _putenv_s(name, "") ? -1 : 0;
}

long ks_win_sysconf(int name)
{
	SYSTEM_INFO si;

	if (name != _SC_NPROCESSORS_ONLN) {
		errno = EINVAL;
		return -1;
	}
	GetSystemInfo(&si);
	return (long)si.dwNumberOfProcessors;
}

/* ---- strings ---- */

void *ks_win_memrchr(const void *s, int c, size_t n)
{
	const unsigned char *p = (const unsigned char *)s + n;

	while (p > (const unsigned char *)s)
		if (*--p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

/* Appends `n` bytes to the line being read; -1 when memory ran out. */
static int line_add(char **line, size_t *cap, size_t *len, const char *s, size_t n)
{
	while (*len + n + 1 > *cap) {
		char *p = realloc(*line, *cap * 2);

		if (!p) {
			errno = ENOMEM;
			return -1;
		}
		*line = p;
		*cap *= 2;
	}
	memcpy(*line + *len, s, n);
	*len += n;
	(*line)[*len] = '\0';
	return 0;
}

/* A line typed on the console, read as UTF-16; -1 at its end. */
static ssize_t console_line(HANDLE in, char **line, size_t *cap)
{
	wchar_t w[256];
	char u[256 * 3 + 1];
	size_t len = 0;
	DWORD got;

	for (;;) {
		int n;

		if (!ReadConsoleW(in, w, 255, &got, NULL) || !got)
			break;
		/* Ctrl+Z at the start of a line: the end, as for a file */
		if (!len && w[0] == 0x1a)
			break;
		n = WideCharToMultiByte(CP_UTF8, 0, w, (int)got, u, sizeof(u), NULL, NULL);
		if (n > 0 && line_add(line, cap, &len, u, (size_t)n) < 0)
			return -1;
		if (w[got - 1] == L'\n')
			break;
	}
	if (!len)
		return -1;
	/* "\r\n" typed: "\n" read, as from a file */
	if (len >= 2 && (*line)[len - 2] == '\r') {
		(*line)[len - 2] = '\n';
		(*line)[--len] = '\0';
	}
	return (ssize_t)len;
}

ssize_t ks_win_getline(char **line, size_t *cap, FILE *f)
{
	HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
	DWORD mode;
	size_t n = 0;
	int c;

	if (!*line || !*cap) {
		*cap = 128;
		if (!(*line = realloc(*line, *cap))) {
			errno = ENOMEM;
			return -1;
		}
	}
	if (f == stdin && GetConsoleMode(in, &mode)) {
		/* what was written before the question is seen first */
		fflush(stdout);
		fflush(stderr);
		return console_line(in, line, cap);
	}
	while ((c = getc(f)) != EOF) {
		if (n + 2 > *cap) {
			char *p = realloc(*line, *cap * 2);

			if (!p) {
				errno = ENOMEM;
				return -1;
			}
			*line = p;
			*cap *= 2;
		}
		(*line)[n++] = (char)c;
		if (c == '\n')
			break;
	}
	if (!n)
		return -1;
	(*line)[n] = '\0';
	return (ssize_t)n;
}

struct sort_by {
	int (*cmp)(const void *, const void *, void *);
	void *arg;
};

static int sort_by(void *ctx, const void *a, const void *b)
{
	struct sort_by *s = ctx;

	return s->cmp(a, b, s->arg);
}

void ks_win_qsort_r(void *base, size_t n, size_t size,
		    int (*cmp)(const void *, const void *, void *), void *arg)
{
	struct sort_by s = { cmp, arg };

	qsort_s(base, n, size, sort_by, &s);
}

/* ---- libraries loaded by name ---- */

static char dl_error[256];

void *dlopen(const char *name, int flags)
{
	wchar_t *w = ks_win_wide(name);
	HMODULE lib;

	(void)flags;
	if (!w)
		return NULL;
	/* beside the program first, never from the current folder */
	lib = LoadLibraryExW(w, NULL, LOAD_LIBRARY_SEARCH_APPLICATION_DIR |
			     LOAD_LIBRARY_SEARCH_DEFAULT_DIRS);
	if (!lib)
		snprintf(dl_error, sizeof(dl_error), "Windows error %lu",
			 (unsigned long)GetLastError());
	free(w);
	return lib;
}

void *dlsym(void *lib, const char *name)
{
	FARPROC f;
	void *p;

	if (lib == RTLD_NEXT) {
		snprintf(dl_error, sizeof(dl_error), "no RTLD_NEXT on Windows");
		return NULL;
	}
	if (!(f = GetProcAddress((HMODULE)lib, name))) {
		snprintf(dl_error, sizeof(dl_error), "Windows error %lu",
			 (unsigned long)GetLastError());
		return NULL;
	}
	memcpy(&p, &f, sizeof(p));
	return p;
}

int dlclose(void *lib)
{
	return FreeLibrary((HMODULE)lib) ? 0 : -1;
}

char *dlerror(void)
{
	return dl_error;
}

/* ---- the console ---- */

char *readpassphrase(const char *prompt, char *buf, size_t n, int flags)
{
	HANDLE in = CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE,
				FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
	HANDLE out = CreateFileW(L"CONOUT$", GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
				 NULL, OPEN_EXISTING, 0, NULL);
	wchar_t w[1025];
	DWORD mode = 0, got = 0, put;
	wchar_t *wp;
	char *r = NULL;

	fflush(stdout);
	fflush(stderr);
	if (n == 0 || in == INVALID_HANDLE_VALUE || out == INVALID_HANDLE_VALUE) {
		if (in != INVALID_HANDLE_VALUE)
			CloseHandle(in);
		if (out != INVALID_HANDLE_VALUE)
			CloseHandle(out);
		errno = ENOTTY;
		return NULL;
	}
	if ((wp = ks_win_wide(prompt))) {
		WriteConsoleW(out, wp, (DWORD)wcslen(wp), &put, NULL);
		free(wp);
	}
	GetConsoleMode(in, &mode);
	if (!(flags & RPP_ECHO_ON))
		SetConsoleMode(in, mode & ~(DWORD)ENABLE_ECHO_INPUT);
	if (ReadConsoleW(in, w, 1024, &got, NULL)) {
		while (got && (w[got - 1] == L'\n' || w[got - 1] == L'\r'))
			got--;
		w[got] = 0;
		if (WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, (int)n, NULL, NULL) > 0)
			r = buf;
		SecureZeroMemory(w, sizeof(w));
	}
	SetConsoleMode(in, mode);
	if (!(flags & RPP_ECHO_ON))
		WriteConsoleW(out, L"\r\n", 2, &put, NULL);
	CloseHandle(in);
	CloseHandle(out);
	if (!r)
		errno = EIO;
	return r;
}

static HANDLE stop_event;

static BOOL WINAPI on_stop(DWORD what)
{
	(void)what;
	SetEvent(stop_event);
	return TRUE;		/* the waiting thread ends the program */
}

void ks_win_wait_for_stop(void)
{
	stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
	SetConsoleCtrlHandler(on_stop, TRUE);
	WaitForSingleObject(stop_event, INFINITE);
	SetConsoleCtrlHandler(on_stop, FALSE);
}

int ks_win_isatty(int fd)
{
	HANDLE h = (HANDLE)_get_osfhandle(fd);
	DWORD mode;

	return h != INVALID_HANDLE_VALUE && GetConsoleMode(h, &mode);
}

static int console_vt;

int ks_win_console_vt(void)
{
	return console_vt;
}

/* ---- the start ---- */

void ks_win_start(void)
{
	HANDLE err = GetStdHandle(STD_ERROR_HANDLE), out = GetStdHandle(STD_OUTPUT_HANDLE);
	DWORD mode;

	/*
	 * HOME, where Windows has none: the profile folder, as Git for
	 * Windows sets it.  libgit2 looks for ~/.ssh/known_hosts and the
	 * user's .gitconfig there, and an ssh hub cannot be reached without.
	 */
	if (!getenv("HOME") || !*getenv("HOME")) {
		const char *profile = getenv("USERPROFILE");

		if (profile && *profile)
			_putenv_s("HOME", profile);
	}
		/* escape sequences, where the console takes them */
	if (GetConsoleMode(out, &mode))
		SetConsoleMode(out, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING);
	console_vt = GetConsoleMode(err, &mode) &&
		     SetConsoleMode(err, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING);
	SetConsoleOutputCP(CP_UTF8);
	SetConsoleCP(CP_UTF8);
	/*
	 * mingw's printf writes a character at a time: unbuffered, a
	 * console would get each byte of a UTF-8 character in its own
	 * write, which it cannot put together.  Buffered, each is flushed
	 * at the end, before a question is read, and by the progress bar.
	 */
	if (GetConsoleMode(out, &mode))
		setvbuf(stdout, NULL, _IOFBF, 4096);
	if (GetConsoleMode(err, &mode))
		setvbuf(stderr, NULL, _IOFBF, 4096);
	_fmode = _O_BINARY;
	_setmode(0, _O_BINARY);
	_setmode(1, _O_BINARY);
	_setmode(2, _O_BINARY);
}

#endif /* _WIN32 */
