/*
 * libmicrohttpd loaded by name: see mhd.h.  The name is the library's
 * soname as the build found it (KS_MHD_SONAME, from the Makefile), so the
 * library loaded is the one the code was compiled against.
 */
#include "mhd.h"
#include "diag.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

#ifndef KS_MHD_SONAME
#define KS_MHD_SONAME "libmicrohttpd.so.12"
#endif

struct ks_mhd ks_mhd;

static const struct {
	const char *name;
	size_t at;		/* of its pointer in struct ks_mhd */
} symbols[] = {
#define SYMBOL(f) { "MHD_" #f, offsetof(struct ks_mhd, f) }
	SYMBOL(start_daemon),
	SYMBOL(stop_daemon),
	SYMBOL(get_daemon_info),
	SYMBOL(lookup_connection_value),
	SYMBOL(create_response_from_buffer),
	SYMBOL(create_response_from_fd),
	SYMBOL(add_response_header),
	SYMBOL(queue_response),
	SYMBOL(destroy_response),
	SYMBOL(create_post_processor),
	SYMBOL(post_process),
	SYMBOL(destroy_post_processor),
#undef SYMBOL
};

int ks_mhd_load(struct ks_diags *d)
{
	struct ks_mhd loaded;
	void *lib;
	size_t i;

	if (ks_mhd.start_daemon)
		return 0;
	/* kept loaded for the life of the process, as a linked library is */
	if (!(lib = dlopen(KS_MHD_SONAME, RTLD_NOW | RTLD_LOCAL)))
		return ks_error(d, KS_EIO, NULL, 0, 0,
				"cannot load the web server library %s (Debian package libmicrohttpd12): %s",
				KS_MHD_SONAME, dlerror());
	memset(&loaded, 0, sizeof(loaded));
	for (i = 0; i < sizeof(symbols) / sizeof(*symbols); i++) {
		void *f = dlsym(lib, symbols[i].name);

		if (!f) {
			dlclose(lib);
			return ks_error(d, KS_EIO, NULL, 0, 0,
					"the web server library %s has no %s: %s",
					KS_MHD_SONAME, symbols[i].name, dlerror());
		}
		/* POSIX: a function's address, returned as an object pointer */
		memcpy((char *)&loaded + symbols[i].at, &f, sizeof(f));
	}
	ks_mhd = loaded;
	return 0;
}
