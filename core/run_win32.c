/*
 * Running another program on Windows: see run.h.  CreateProcessW on three
 * pipes; a thread feeds the child's input and another drains its errors
 * while this one drains its output, so that neither side waits on the
 * other.  Arguments are quoted as the C runtime's parser reads them back.
 */
#ifdef _WIN32

#include "run.h"
#include "buf.h"

#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <shellapi.h>
#include <io.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* One argument, quoted for CommandLineToArgvW and the C runtime. */
static int quote(struct ks_buf *b, const char *arg)
{
	const char *p;
	size_t slashes = 0;

	if (*arg && !strpbrk(arg, " \t\n\v\""))
		return ks_buf_puts(b, arg);
	if (ks_buf_putc(b, '"') < 0)
		return -1;
	for (p = arg;; p++) {
		if (*p == '\\') {
			slashes++;
			continue;
		}
		/* backslashes before a quote or the closing quote double */
		if (!*p || *p == '"')
			slashes *= 2;
		while (slashes) {
			if (ks_buf_putc(b, '\\') < 0)
				return -1;
			slashes--;
		}
		if (!*p)
			break;
		if ((*p == '"' && ks_buf_putc(b, '\\') < 0) || ks_buf_putc(b, *p) < 0)
			return -1;
	}
	return ks_buf_putc(b, '"');
}

struct feeding {
	HANDLE h;
	const char *in;
	size_t len;
};

static void *feed(void *arg)
{
	struct feeding *f = arg;
	size_t sent = 0;
	DWORD put;

	/* a child that stops reading breaks the pipe: the rest is dropped */
	while (sent < f->len &&
	       WriteFile(f->h, f->in + sent,
			 (DWORD)(f->len - sent > 65536 ? 65536 : f->len - sent), &put, NULL))
		sent += put;
	CloseHandle(f->h);
	return NULL;
}

struct draining {
	HANDLE h;
	struct ks_buf *b;
	int failed;
};

static void *drain(void *arg)
{
	struct draining *d = arg;
	char chunk[4096];
	DWORD got;

	while (ReadFile(d->h, chunk, sizeof(chunk), &got, NULL) && got)
		if (d->b && ks_buf_add(d->b, chunk, got) < 0)
			d->failed = 1;
	return NULL;
}

static int pipe_pair(HANDLE *parent, HANDLE *child, int child_reads)
{
	SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
	HANDLE r, w;

	if (!CreatePipe(&r, &w, &sa, 0))
		return -1;
	*parent = child_reads ? w : r;
	*child = child_reads ? r : w;
	/* the parent's end is not inherited */
	SetHandleInformation(*parent, HANDLE_FLAG_INHERIT, 0);
	return 0;
}

int ks_run(const char *const argv[], const char *in, size_t inlen,
	   struct ks_buf *out, struct ks_buf *err)
{
	HANDLE in_p = NULL, in_c = NULL, out_p = NULL, out_c = NULL, err_p = NULL, err_c = NULL;
	struct ks_buf line = KS_BUF_INIT;
	STARTUPINFOW si;
	PROCESS_INFORMATION pi;
	struct feeding f;
	struct draining de, doo;
	pthread_t feeder, errs;
	wchar_t *cmd = NULL;
	DWORD code = 0;
	int i, rc = -1, e = 0;

	for (i = 0; argv[i]; i++)
		if ((i && ks_buf_putc(&line, ' ') < 0) || quote(&line, argv[i]) < 0) {
			ks_buf_release(&line);
			errno = ENOMEM;
			return -1;
		}
	cmd = ks_win_wide(line.ptr ? line.ptr : "");
	ks_buf_release(&line);
	if (!cmd || pipe_pair(&in_p, &in_c, 1) < 0 || pipe_pair(&out_p, &out_c, 0) < 0 ||
	    pipe_pair(&err_p, &err_c, 0) < 0) {
		e = cmd ? EMFILE : errno;	/* ks_win_wide: ENOMEM, EINVAL */
		goto out;
	}
	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	si.dwFlags = STARTF_USESTDHANDLES;
	si.hStdInput = in_c;
	si.hStdOutput = out_c;
	si.hStdError = err_c;
	if (!CreateProcessW(NULL, cmd, NULL, NULL, TRUE, CREATE_NO_WINDOW, NULL, NULL, &si, &pi)) {
		DWORD w = GetLastError();

		e = w == ERROR_FILE_NOT_FOUND || w == ERROR_PATH_NOT_FOUND ? ENOENT :
		    w == ERROR_ACCESS_DENIED ? EACCES : ENOEXEC;
		goto out;
	}
	CloseHandle(pi.hThread);
	CloseHandle(in_c);
	CloseHandle(out_c);
	CloseHandle(err_c);
	in_c = out_c = err_c = NULL;

	f = (struct feeding){ in_p, in, inlen };
	in_p = NULL;		/* the feeder closes it */
	de = (struct draining){ err_p, err, 0 };
	doo = (struct draining){ out_p, out, 0 };
	if (pthread_create(&feeder, NULL, feed, &f)) {
		CloseHandle(f.h);
		e = EAGAIN;
	} else {
		if (pthread_create(&errs, NULL, drain, &de) == 0) {
			drain(&doo);
			pthread_join(errs, NULL);
		} else {
			e = EAGAIN;
		}
		pthread_join(feeder, NULL);
	}
	WaitForSingleObject(pi.hProcess, INFINITE);
	GetExitCodeProcess(pi.hProcess, &code);
	CloseHandle(pi.hProcess);
	if (!e && (de.failed || doo.failed))
		e = ENOMEM;
	if (!e)
		rc = code > 255 ? 255 : (int)code;
out:
	free(cmd);
	if (in_p)
		CloseHandle(in_p);
	if (in_c)
		CloseHandle(in_c);
	if (out_p)
		CloseHandle(out_p);
	if (out_c)
		CloseHandle(out_c);
	if (err_p)
		CloseHandle(err_p);
	if (err_c)
		CloseHandle(err_c);
	if (rc < 0)
		errno = e;
	return rc;
}

/* The start of a program and its handle; -1 with errno. */
static int start(wchar_t *cmd, const wchar_t *dir, HANDLE in, HANDLE out,
		 HANDLE *process)
{
	STARTUPINFOW si;
	PROCESS_INFORMATION pi;

	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	if (in || out) {
		si.dwFlags = STARTF_USESTDHANDLES;
		si.hStdInput = in;
		si.hStdOutput = out;
		si.hStdError = out;
	}
	if (!CreateProcessW(NULL, cmd, NULL, NULL, in || out, in || out ? CREATE_NO_WINDOW : 0,
			    NULL, dir, &si, &pi)) {
		DWORD w = GetLastError();

		errno = w == ERROR_FILE_NOT_FOUND || w == ERROR_PATH_NOT_FOUND ? ENOENT :
			w == ERROR_ACCESS_DENIED ? EACCES : ENOEXEC;
		return -1;
	}
	CloseHandle(pi.hThread);
	*process = pi.hProcess;
	return 0;
}

int ks_run_self(struct ks_child *c, const char *const argv[], const char *dir,
		int out)
{
	SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
	struct ks_buf line = KS_BUF_INIT;
	wchar_t exe[MAX_PATH * 4], *cmd = NULL, *wdir = NULL;
	HANDLE nul, log = INVALID_HANDLE_VALUE, p;
	char exe8[MAX_PATH * 12];
	int i, r = -1;

	if (!GetModuleFileNameW(NULL, exe, sizeof(exe) / sizeof(*exe)) ||
	    WideCharToMultiByte(CP_UTF8, 0, exe, -1, exe8, sizeof(exe8), NULL, NULL) <= 0) {
		errno = ENOENT;
		return -1;
	}
	/* the program's own path as argv[0], so that it is the one run */
	if (quote(&line, exe8) < 0)
		goto oom;
	for (i = 1; argv[i]; i++)
		if (ks_buf_putc(&line, ' ') < 0 || quote(&line, argv[i]) < 0)
			goto oom;
	if (!(cmd = ks_win_wide(line.ptr)) || !(wdir = ks_win_wide(dir)))
		goto oom;
	nul = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa,
			  OPEN_EXISTING, 0, NULL);
	if (!DuplicateHandle(GetCurrentProcess(), (HANDLE)_get_osfhandle(out),
			     GetCurrentProcess(), &log, 0, TRUE, DUPLICATE_SAME_ACCESS))
		log = INVALID_HANDLE_VALUE;
	if (nul == INVALID_HANDLE_VALUE || log == INVALID_HANDLE_VALUE)
		errno = EMFILE;
	else if (start(cmd, wdir, nul, log, &p) == 0) {
		c->id = (long)(intptr_t)p;
		r = 0;
	}
	if (nul != INVALID_HANDLE_VALUE)
		CloseHandle(nul);
	if (log != INVALID_HANDLE_VALUE)
		CloseHandle(log);
	free(cmd);
	free(wdir);
	ks_buf_release(&line);
	return r;
oom:
	free(cmd);
	free(wdir);
	ks_buf_release(&line);
	errno = ENOMEM;
	return -1;
}

int ks_child_ended(struct ks_child *c, int *status)
{
	HANDLE p = (HANDLE)(intptr_t)c->id;
	DWORD code;

	if (!c->id || WaitForSingleObject(p, 0) != WAIT_OBJECT_0)
		return 0;
	GetExitCodeProcess(p, &code);
	CloseHandle(p);
	c->id = 0;
	*status = code > 255 ? 255 : (int)code;
	return 1;
}

int ks_run_editor(const char *editor, const char *file)
{
	struct ks_buf line = KS_BUF_INIT;
	wchar_t *cmd;
	HANDLE p;
	DWORD code = 1;

	/* the editor's own command line, as the person wrote it, and the file */
	if (ks_buf_puts(&line, editor) < 0 || ks_buf_putc(&line, ' ') < 0 ||
	    quote(&line, file) < 0 || !(cmd = ks_win_wide(line.ptr))) {
		ks_buf_release(&line);
		return -1;
	}
	ks_buf_release(&line);
	if (start(cmd, NULL, NULL, NULL, &p) < 0) {
		free(cmd);
		return -1;
	}
	free(cmd);
	WaitForSingleObject(p, INFINITE);
	GetExitCodeProcess(p, &code);
	CloseHandle(p);
	return code == 0 ? 0 : -1;
}

int ks_open_url(const char *url)
{
	wchar_t *w = ks_win_wide(url);
	HINSTANCE h;

	if (!w)
		return -1;
	h = ShellExecuteW(NULL, L"open", w, NULL, NULL, SW_SHOWNORMAL);
	free(w);
	return (INT_PTR)h > 32 ? 0 : -1;
}

#endif /* _WIN32 */
