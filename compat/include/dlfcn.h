/*
 * dlopen() and its family on Windows, for the Windows build only
 * (compat/win32.c): LoadLibraryW and GetProcAddress.
 */
#ifndef KS_COMPAT_DLFCN_H
#define KS_COMPAT_DLFCN_H

#define RTLD_LAZY 1
#define RTLD_NOW 2
#define RTLD_LOCAL 0
#define RTLD_GLOBAL 0x100
#define RTLD_NEXT ((void *)-1)

void *dlopen(const char *name, int flags);
void *dlsym(void *lib, const char *name);
int dlclose(void *lib);
char *dlerror(void);

#endif
