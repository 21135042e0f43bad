/*
 * A list of paths (or names): record paths, changed files, remote names.
 */
#ifndef KS_PATHS_H
#define KS_PATHS_H

#include <stddef.h>

struct ks_paths {
	char **v;
	size_t n, alloc;
};

void ks_paths_release(struct ks_paths *p);
/* Adds a copy of `path`: 0, or -1 out of memory. */
int ks_paths_add(struct ks_paths *p, const char *path);
/* In byte order (strcmp), as git orders paths. */
void ks_paths_sort(struct ks_paths *p);
/* 1 when the list, sorted, holds `path`. */
int ks_paths_has(const struct ks_paths *p, const char *path);

#endif
