/*
 * Libraries that only some commands use, loaded at their first call
 * instead of at every start.  Each shared library the program is linked
 * against is mapped and relocated before main(), whether the command
 * touches it or not: libjpeg, libpng, libwebp and libexif (photos),
 * libxlsxwriter (spreadsheets), minizip (zip exports) and libidn2 (the
 * host names of e-mail addresses) together added 2.8 ms to every command,
 * a quarter of `khaosat status`'s start-up, for work most commands never
 * do.
 *
 * A module that calls such a library names the functions it uses once,
 * after including the library's own header, and its code calls them by
 * their own names:
 *
 *   #define JPEG_FUNCS(X) X(jpeg_read_header) X(jpeg_std_error)
 *   KS_LAZYLIB(jpeg_lib, KS_SONAME_jpeg, "libjpeg62-turbo", JPEG_FUNCS);
 *   #define jpeg_read_header KS_LAZY(jpeg_lib, jpeg_read_header)
 *   #define jpeg_std_error KS_LAZY(jpeg_lib, jpeg_std_error)
 *
 * The first call of any of them loads the library by its soname (the one
 * the build compiled against, KS_SONAME_<name> from the Makefile) and
 * looks up every function named, under a lock: calls from several
 * threads are safe.  A library or function that cannot be found is a
 * broken installation, as a missing linked library is: the program says
 * which and stops, as the dynamic loader would have at start.  Nothing is
 * lost by stopping there: every change to a survey is made so that a
 * process killed at any point leaves it whole.
 *
 * Where KS_LAZY_LIBS is not defined (the Windows build links every
 * library), KS_LAZY(lib, f) is f itself and KS_LAZYLIB declares nothing.
 */
#ifndef KS_LAZYLIB_H
#define KS_LAZYLIB_H

#include <stddef.h>

#ifdef KS_LAZY_LIBS

struct ks_lazylib {
	const char *soname;		/* "libjpeg.so.62" */
	const char *package;		/* the Debian package, for the message */
	const char *const *names;	/* the functions looked up */
	void **fn;			/* their addresses, once loaded */
	size_t n;
	int loaded;			/* read and set atomically */
};

/* The address of l's function i, l loaded first if it is not yet. */
void *ks_lazylib_fn(struct ks_lazylib *l, size_t i);

#define KS_LAZY_INDEX(f) f##_lazy_i,
#define KS_LAZY_NAME(f) #f,

#define KS_LAZYLIB(var, soname, package, FUNCS) \
	enum { FUNCS(KS_LAZY_INDEX) var##_n }; \
	static const char *const var##_names[] = { FUNCS(KS_LAZY_NAME) }; \
	static void *var##_fn[var##_n]; \
	static struct ks_lazylib var = { \
		soname, package, var##_names, var##_fn, var##_n, 0 \
	}

/* POSIX lets dlsym()'s answer be converted to the function's own type */
#define KS_LAZY(var, f) ((__typeof__(&f))ks_lazylib_fn(&var, f##_lazy_i))

#else

#define KS_LAZYLIB(var, soname, package, FUNCS) \
	extern int ks_lazylib_linked
#define KS_LAZY(var, f) f

#endif

#endif
