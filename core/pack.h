/*
 * The default schema pack, compiled into the program from the files in
 * schema/ so that `khaosat init` needs no data files beside the binary.
 */
#ifndef KS_PACK_H
#define KS_PACK_H

#include <stddef.h>

struct ks_pack_file {
	const char *name;		/* e.g. "workshop.yaml" */
	const unsigned char *data;	/* NUL-terminated */
	size_t len;
};

/* Terminated by an entry whose name is NULL. */
extern const struct ks_pack_file ks_schema_pack[];

#endif
