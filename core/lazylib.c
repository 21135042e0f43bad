/*
 * Libraries loaded at their first call: see lazylib.h.
 */
#include "lazylib.h"

#ifdef KS_LAZY_LIBS

#include "intl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* l's library and every function it names: 0, or -1 and why in `why`. */
static int load(struct ks_lazylib *l, char *why, size_t whylen)
{
	void *lib;
	size_t i;

	/* kept loaded for the life of the process, as a linked library is */
	if (!(lib = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL))) {
		snprintf(why, whylen, "%s", dlerror());
		return -1;
	}
	for (i = 0; i < l->n; i++) {
		if (!(l->fn[i] = dlsym(lib, l->names[i]))) {
			snprintf(why, whylen, _("it has no function %s"),
				 l->names[i]);
			return -1;
		}
	}
	return 0;
}

void *ks_lazylib_fn(struct ks_lazylib *l, size_t i)
{
	char why[512], line[1024];

	if (__atomic_load_n(&l->loaded, __ATOMIC_ACQUIRE))
		return l->fn[i];
	pthread_mutex_lock(&lock);
	if (!l->loaded) {
		if (load(l, why, sizeof(why)) < 0) {
			snprintf(line, sizeof(line),
				 _("cannot load the library %s (Debian package %s): %s"),
				 l->soname, l->package, why);
			/* one line, written whole: other threads may be writing */
			fprintf(stderr, "%s: %s\n", _("error"), line);
			_exit(127);
		}
		__atomic_store_n(&l->loaded, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&lock);
	return l->fn[i];
}

#else

/* the Windows build links every library: nothing to load */
extern int ks_lazylib_linked;

#endif
