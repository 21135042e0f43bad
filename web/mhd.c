/*
 * libmicrohttpd loaded by name: see mhd.h.  The name is the library's
 * soname as the build found it (KS_MHD_SONAME, from the Makefile), so the
 * library loaded is the one the code was compiled against.
 */
#include "mhd.h"
#include "diag.h"

#include <dlfcn.h>
#include <string.h>

#ifndef KS_MHD_SONAME
#define KS_MHD_SONAME "libmicrohttpd.so.12"
#endif

struct ks_mhd ks_mhd;

/*
 * One function: its address from dlsym(), which POSIX lets a program
 * convert to the function's own type; `name` says which, for an error.
 */
#define LOAD(f) (name = "MHD_" #f, \
		 (loaded.f = (__typeof__(loaded.f))dlsym(lib, name)) != NULL)

int ks_mhd_load(struct ks_diags *d)
{
	struct ks_mhd loaded;
	const char *name = NULL;
	void *lib;

	if (ks_mhd.start_daemon)
		return 0;
	/* kept loaded for the life of the process, as a linked library is */
	if (!(lib = dlopen(KS_MHD_SONAME, RTLD_NOW | RTLD_LOCAL)))
		return ks_error(d, KS_EIO, NULL, 0, 0,
				"cannot load the web server library %s (Debian package libmicrohttpd12): %s",
				KS_MHD_SONAME, dlerror());
	memset(&loaded, 0, sizeof(loaded));
	if (!LOAD(start_daemon) || !LOAD(stop_daemon) || !LOAD(get_daemon_info) ||
	    !LOAD(lookup_connection_value) || !LOAD(create_response_from_buffer) ||
	    !LOAD(create_response_from_fd) || !LOAD(add_response_header) ||
	    !LOAD(queue_response) || !LOAD(destroy_response) ||
	    !LOAD(create_post_processor) || !LOAD(post_process) ||
	    !LOAD(destroy_post_processor)) {
		int err = ks_error(d, KS_EIO, NULL, 0, 0,
				   "the web server library %s has no %s: %s",
				   KS_MHD_SONAME, name, dlerror());

		dlclose(lib);
		return err;
	}
	ks_mhd = loaded;
	return 0;
}
