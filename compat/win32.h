/*
 * The POSIX khaosat's sources use, on Windows.  The Windows build
 * (make windows) puts this file before every source file of khaosat's
 * own, so that the sources stay written for POSIX and what Windows lacks
 * or does otherwise is in one place, compat/win32.c.
 *
 * Paths are UTF-8: the program's manifest (win/khaosat.manifest) makes
 * UTF-8 the process's code page, so the C library's narrow functions take
 * UTF-8; the functions here that call Windows directly convert to UTF-16.
 *
 * What changes meaning, and why:
 *   stat()      nanosecond times, file index as inode and link counts,
 *               from the file's handle: the record caches compare them
 *   open()      always binary; O_DIRECTORY opens a folder's handle;
 *               O_NOFOLLOW, O_NONBLOCK mean nothing here
 *   rename()    replaces an existing file (MoveFileExW, write-through)
 *   fsync()     FlushFileBuffers; of a folder: nothing, as Windows has it
 *   fchmod()    a mode for the owner alone (0600: a private key) gives
 *               the file a protected ACL of its owner and SYSTEM; any
 *               other mode changes nothing
 *   flock()     LockFileEx on a byte no one reads, so that the holder's
 *               name in the file stays readable to the others
 *   readdir()   d_type filled in, names in UTF-8
 *   openat(), fstatat(), fdopendir(): through the folder's path, kept
 *               for each folder descriptor
 *   readlink()  only of "/proc/self/exe": the program's path
 *   getline()   of standard input on a console: read as UTF-16 and
 *               given as UTF-8, which the console's own UTF-8 reading
 *               (code page 65001) gets wrong for anything not ASCII
 */
#ifndef KS_COMPAT_WIN32_H
#define KS_COMPAT_WIN32_H

#ifdef _WIN32

#include <direct.h>
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <pthread.h>

/* ---- files ---- */

struct ks_win_stat {
	uint64_t st_dev;
	uint64_t st_ino;
	unsigned st_mode;
	unsigned st_nlink;
	unsigned st_uid, st_gid;
	uint64_t st_rdev;
	int64_t st_size;
	int64_t st_blksize, st_blocks;
	struct timespec st_atim, st_mtim, st_ctim;
};

/* `struct stat` and stat() both: tags and functions do not collide */
#undef stat
#undef fstat
#undef lstat
#define stat ks_win_stat
#define st_atime st_atim.tv_sec
#define st_mtime st_mtim.tv_sec
#define st_ctime st_ctim.tv_sec
#define fstat ks_win_fstat
#define lstat ks_win_lstat
int ks_win_stat(const char *path, struct ks_win_stat *st);
int ks_win_lstat(const char *path, struct ks_win_stat *st);
int ks_win_fstat(int fd, struct ks_win_stat *st);

#ifndef S_IFLNK
#define S_IFLNK 0120000
#endif
#ifndef S_IFSOCK
#define S_IFSOCK 0140000
#endif
#ifndef S_ISLNK
#define S_ISLNK(m) (((m) & S_IFMT) == S_IFLNK)
#endif
#ifndef S_ISSOCK
#define S_ISSOCK(m) (((m) & S_IFMT) == S_IFSOCK)
#endif

/* flags of our own, taken out before the C library sees them */
#define O_DIRECTORY 0x01000000
#define O_NOFOLLOW 0x02000000
#define O_NONBLOCK 0x04000000
#define O_CLOEXEC _O_NOINHERIT
#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100

#define open ks_win_open
#define openat ks_win_openat
#define fstatat ks_win_fstatat
#define close ks_win_close
#define rename ks_win_rename
#define unlink ks_win_unlink
#define fsync ks_win_fsync
#define fdatasync ks_win_fsync
#define mkdir(path, mode) ks_win_mkdir(path)
#define realpath ks_win_realpath
#define mkdtemp ks_win_mkdtemp
#define mkostemp ks_win_mkostemp
#define mkstemp(t) ks_win_mkostemp(t, 0)
#define mkstemps ks_win_mkstemps
#define pread ks_win_pread
#define pwrite ks_win_pwrite
#define fchmod ks_win_fchmod
#define readlink ks_win_readlink
#define symlink ks_win_symlink
#define link ks_win_link
#define sync() ((void)0)

int ks_win_open(const char *path, int flags, ...);
int ks_win_openat(int dirfd, const char *path, int flags, ...);
int ks_win_fstatat(int dirfd, const char *path, struct ks_win_stat *st, int flags);
int ks_win_close(int fd);
int ks_win_rename(const char *from, const char *to);
int ks_win_unlink(const char *path);
int ks_win_fsync(int fd);
int ks_win_mkdir(const char *path);
char *ks_win_realpath(const char *path, char *resolved);
char *ks_win_mkdtemp(char *templ);
int ks_win_mkostemp(char *templ, int flags);
int ks_win_mkstemps(char *templ, int suffix);
ssize_t ks_win_pread(int fd, void *buf, size_t n, off_t at);
ssize_t ks_win_pwrite(int fd, const void *buf, size_t n, off_t at);
ssize_t ks_win_readlink(const char *path, char *buf, size_t n);
int ks_win_symlink(const char *target, const char *path);
int ks_win_link(const char *from, const char *to);
int ks_win_fchmod(int fd, unsigned mode);

/* fcntl(): descriptors here are never non-blocking nor inherited */
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define FD_CLOEXEC 1
#define fcntl ks_win_fcntl
static inline int ks_win_fcntl(int fd, int cmd, ...)
{
	(void)fd;
	(void)cmd;
	return 0;
}

/* renameat2(): RENAME_NOREPLACE as Windows has it; no swap (ENOSYS) */
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define renameat2 ks_win_renameat2
int ks_win_renameat2(int fromfd, const char *from, int tofd, const char *to,
		     unsigned flags);

/* syncfs(): Windows can flush a volume only as administrator */
#define syncfs(fd) 0

#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8
#define flock ks_win_flock
int ks_win_flock(int fd, int op);

/* ---- folders ---- */

#define DT_UNKNOWN 0
#define DT_DIR 4
#define DT_REG 8
#define DT_LNK 10

struct ks_win_dirent {
	unsigned char d_type;
	char d_name[260 * 3 + 1];	/* UTF-8 of a UTF-16 name (MAX_PATH) */
};
typedef struct ks_win_dir ks_win_DIR;

#define dirent ks_win_dirent
#define DIR ks_win_DIR
#define opendir ks_win_opendir
#define fdopendir ks_win_fdopendir
#define readdir ks_win_readdir
#define closedir ks_win_closedir
#define dirfd ks_win_dirfd
#define scandir ks_win_scandir
#define alphasort ks_win_alphasort
ks_win_DIR *ks_win_opendir(const char *path);
ks_win_DIR *ks_win_fdopendir(int fd);
struct ks_win_dirent *ks_win_readdir(ks_win_DIR *d);
int ks_win_closedir(ks_win_DIR *d);
int ks_win_dirfd(ks_win_DIR *d);
int ks_win_scandir(const char *path, struct ks_win_dirent ***list,
		   int (*keep)(const struct ks_win_dirent *),
		   int (*cmp)(const struct ks_win_dirent **, const struct ks_win_dirent **));
int ks_win_alphasort(const struct ks_win_dirent **a, const struct ks_win_dirent **b);

/* ---- time ---- */

#define localtime_r ks_win_localtime_r
#define gmtime_r ks_win_gmtime_r
#define timegm _mkgmtime
struct tm *ks_win_localtime_r(const time_t *t, struct tm *tm);
struct tm *ks_win_gmtime_r(const time_t *t, struct tm *tm);

/* ---- processes, signals, environment ---- */

#ifndef SIGKILL
#define SIGKILL 9
#endif
#ifndef SIGSTOP
#define SIGSTOP 19
#endif
#ifndef SIGHUP
#define SIGHUP 1
#endif
#ifndef SIGPIPE
#define SIGPIPE 13
#endif
#define kill ks_win_kill
int ks_win_kill(pid_t pid, int sig);

struct sigaction {
	void (*sa_handler)(int);
	unsigned long sa_mask;
	int sa_flags;
};
#define sigemptyset ks_win_sigemptyset
static inline int ks_win_sigemptyset(unsigned long *set)
{
	*set = 0;
	return 0;
}
#define sigaction(sig, sa, old) ks_win_sigaction(sig, sa, old)
int ks_win_sigaction(int sig, const struct sigaction *sa, struct sigaction *old);

#define setenv ks_win_setenv
#define unsetenv ks_win_unsetenv
int ks_win_setenv(const char *name, const char *value, int overwrite);
int ks_win_unsetenv(const char *name);

#define _SC_NPROCESSORS_ONLN 84
#define sysconf ks_win_sysconf
long ks_win_sysconf(int name);

/* ---- strings ---- */

#define memrchr ks_win_memrchr
void *ks_win_memrchr(const void *s, int c, size_t n);

#ifndef getline
#define getline ks_win_getline
ssize_t ks_win_getline(char **line, size_t *cap, FILE *f);
#endif

/* glibc's qsort_r(), through the C library's qsort_s() */
#define qsort_r ks_win_qsort_r
void ks_win_qsort_r(void *base, size_t n, size_t size,
		    int (*cmp)(const void *, const void *, void *), void *arg);

/* Waits for Ctrl+C, Ctrl+Break or the console's closing. */
void ks_win_wait_for_stop(void);

/*
 * isatty(): a console, not the NUL device (which Windows' C library
 * counts as a terminal).  ks_win_console_vt(): whether the console of
 * standard error takes escape sequences (Windows 10's does, once asked;
 * the old one does not).
 */
#define isatty ks_win_isatty
int ks_win_isatty(int fd);
int ks_win_console_vt(void);

/* The UTF-16 of a UTF-8 string, malloc'd; NULL with errno set. */
wchar_t *ks_win_wide(const char *s);

/* The program's start: UTF-8 console, binary files. */
void ks_win_start(void);

#endif /* _WIN32 */
#endif
