/*
 * Diagnostics: located, compiler-style messages that a person can act on.
 *
 * Every fallible function in core/ returns a status (0, or one of the
 * negative KS_E* codes below) and, on failure, appends at least one
 * KS_SEV_ERROR diagnostic to the `struct ks_diags` it was given, naming the
 * file, line and column where there is one.  Validation appends one
 * diagnostic per problem found, not just the first.
 *
 * core/ never prints: cmd/ formats diagnostics with ks_diag_format().
 */
#ifndef KS_DIAG_H
#define KS_DIAG_H

#include <stdarg.h>
#include <stddef.h>

struct ks_buf;

enum ks_status {
	KS_OK = 0,
	KS_ERROR = -1,		/* anything else; see the diagnostics */
	KS_ENOTFOUND = -3,	/* no such record, file, revision */
	KS_EEXISTS = -4,	/* refuses to overwrite */
	KS_EINVALID = -5,	/* the input is malformed or fails its schema */
	KS_ECONFLICT = -6,	/* open conflicts */
	KS_EIO = -7,		/* the file system or git failed */
	KS_ENOSURVEY = -8,	/* not inside a survey repository */
	KS_EENV = -9,		/* configuration or a tool it names stops it */
	KS_EINTR = -10,		/* stopped on request (Ctrl-C), nothing half done */
};

enum ks_severity {
	KS_SEV_ERROR,
	KS_SEV_WARNING,
	KS_SEV_NOTE,
};

struct ks_diag {
	enum ks_severity severity;
	char *path;		/* file the problem is in, or NULL */
	int line, col;		/* 1-based; 0 when unknown */
	char *pointer;		/* JSON Pointer of the value, or NULL */
	char *keyword;		/* schema keyword or short code, or NULL */
	char *message;		/* lowercase, no full stop */
	char *missing;		/* the property a "required" misses, or NULL */
	size_t detail;		/* message + detail: the problem without the
				   field's name ("must not be empty") */
};

struct ks_diags {
	struct ks_diag *v;
	size_t n, alloc;
	size_t errors, warnings;
};

#define KS_DIAGS_INIT { NULL, 0, 0, 0, 0 }

void ks_diags_init(struct ks_diags *d);
void ks_diags_release(struct ks_diags *d);

/*
 * Appends a diagnostic; strings are copied.  Running out of memory here
 * cannot be reported further, so the diagnostic is then dropped but the
 * error count still grows, which keeps the caller's failure visible.
 */
void ks_diags_add(struct ks_diags *d, enum ks_severity sev, const char *path,
		  int line, int col, const char *pointer, const char *keyword,
		  const char *fmt, ...) __attribute__((format(printf, 8, 9)));
void ks_diags_vadd(struct ks_diags *d, enum ks_severity sev,
		   const char *path, int line, int col, const char *pointer,
		   const char *keyword, const char *fmt, va_list ap);

/*
 * Shorthand for an error without pointer or keyword; returns `status`.
 * Defined here so that a static analyser following an error path sees
 * that `return ks_error(d, KS_EIO, ...)` returns the status it was given.
 */
static inline int ks_error(struct ks_diags *d, int status, const char *path,
			   int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static inline int ks_error(struct ks_diags *d, int status, const char *path,
			   int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ks_diags_vadd(d, KS_SEV_ERROR, path, line, col, NULL, NULL, fmt, ap);
	va_end(ap);
	return status;
}

/* Moves every diagnostic of `from` to the end of `to`. */
void ks_diags_move(struct ks_diags *to, struct ks_diags *from);

/* Orders diagnostics by path, line and column, stably. */
void ks_diags_sort(struct ks_diags *d);

/*
 * How many files have errors: the distinct paths of error diagnostics in
 * a list sorted by ks_diags_sort() (a record with an error is invalid).
 */
size_t ks_diags_error_paths(const struct ks_diags *d);

/* "path:line:col: error: message", without a newline. */
int ks_diag_format(struct ks_buf *out, const struct ks_diag *diag);
/* One JSON object for the diagnostic, as the next value of `j`. */
struct ks_json;
int ks_diag_format_json(struct ks_json *j, const struct ks_diag *diag);

const char *ks_severity_name(enum ks_severity sev);
/* The severity as a person reads it, in their language. */
const char *ks_severity_label(enum ks_severity sev);

#endif
