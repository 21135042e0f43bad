/*
 * Shared by the libFuzzer targets: the oracles every reader of untrusted
 * bytes must satisfy beyond "no crash" (a refusal says what and where; the
 * canonical writer's output reads back as the same data and is a fixed
 * point at once), and a main() for replaying inputs without libFuzzer
 * (build with -DKS_FUZZ_STANDALONE).
 *
 * A broken oracle calls abort(), so libFuzzer saves the input as a crash.
 */
#ifndef KS_FUZZ_H
#define KS_FUZZ_H

#include "alloc.h"
#include "buf.h"
#include "diag.h"
#include "record.h"
#include "schema.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static inline void fuzz_show(const struct ks_diags *d)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t i;

	for (i = 0; i < d->n; i++) {
		ks_buf_reset(&b);
		ks_diag_format(&b, &d->v[i]);
		fprintf(stderr, "  diag: %s\n", b.ptr);
	}
	ks_buf_release(&b);
}

__attribute__((noreturn, format(printf, 2, 3)))
static inline void fuzz_fail(const struct ks_diags *d, const char *fmt,
			     ...)
{
	va_list ap;

	fprintf(stderr, "fuzz oracle broken: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (d)
		fuzz_show(d);
	abort();
}

/*
 * A failed parse or validation: at least one error, every error names
 * `path` and says something; `need_line`: every error has a line;
 * `need_pointer`: a JSON Pointer and a keyword.
 */
static inline void fuzz_check_errors(const struct ks_diags *d,
				     const char *path, int need_line,
				     int need_pointer)
{
	size_t i, errors = 0;

	for (i = 0; i < d->n; i++) {
		const struct ks_diag *g = &d->v[i];

		if (g->severity != KS_SEV_ERROR)
			continue;
		errors++;
		if (!g->path || strcmp(g->path, path))
			fuzz_fail(d, "an error without the file's name");
		if (!g->message || !*g->message)
			fuzz_fail(d, "an error without a message");
		if (need_line && g->line < 1)
			fuzz_fail(d, "an error without a line");
		if (need_pointer && (!g->pointer || !g->keyword))
			fuzz_fail(d, "an error without a pointer or keyword");
	}
	if (!errors || errors != d->errors)
		fuzz_fail(d, "a failure without its errors");
}

/* An empty stream ("", comments, "---") is refused as a whole file. */
static inline int fuzz_is_empty(const uint8_t *data, size_t size)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;
	int empty;

	empty = !ks_doc_parse(&doc, "in.yaml", (const char *)data, size,
			      KS_PARSE_RECORD | KS_PARSE_ALLOW_EMPTY, &d) &&
		!ks_doc_root(doc);
	ks_doc_free(doc);
	ks_diags_release(&d);
	return empty;
}

/* Parses a record; on refusal checks the errors and returns NULL. */
static inline struct ks_doc *fuzz_parse_record(const uint8_t *data,
					       size_t size)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;
	int err;

	err = ks_doc_parse(&doc, "in.yaml", (const char *)data, size,
			   KS_PARSE_RECORD, &d);
	if (err) {
		if (err != KS_EINVALID)
			fuzz_fail(&d, "parse returned %d", err);
		if (doc)
			fuzz_fail(&d, "a refused parse left a document");
		fuzz_check_errors(&d, "in.yaml", !fuzz_is_empty(data, size),
				  0);
	} else {
		if (!doc || !ks_doc_root(doc) ||
		    ks_doc_root(doc)->kind != KS_NODE_MAP)
			fuzz_fail(&d, "a record parsed without a mapping root");
		if (d.errors)
			fuzz_fail(&d, "a record parsed with errors");
	}
	ks_diags_release(&d);
	return doc;
}

static inline char *fuzz_write(const struct ks_node *root,
			       const struct ks_layout *layout, const void *ctx,
			       size_t *len)
{
	struct ks_buf b = KS_BUF_INIT;

	if (ks_doc_write(&b, root, layout, ctx) < 0)
		fuzz_fail(NULL, "the canonical writer failed");
	return ks_buf_detach(&b, len);
}

/* Reads canonical output back as a record; it must parse. */
static inline struct ks_doc *fuzz_reparse(const char *text, size_t len)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_doc *doc = NULL;

	if (ks_doc_parse(&doc, "out.yaml", text, len, KS_PARSE_RECORD, &d)) {
		fprintf(stderr, "canonical output:\n%s", text);
		fuzz_fail(&d, "canonical output does not read back");
	}
	ks_diags_release(&d);
	return doc;
}

/*
 * The same data: the same kinds, keys and items, and scalars with the same
 * text, or both null (the writer spells an empty plain scalar "null").
 * Quoting may differ: the writer quotes what a plain reader would misread.
 * So not ks_node_equal(), which tells quoted from plain and "~" from
 * "null"; tests/unit/yamlsuite.c holds its output to the same oracle.
 */
static inline int fuzz_same_data(const struct ks_node *a,
				 const struct ks_node *b)
{
	size_t i;

	if (!a || !b || a->kind != b->kind)
		return a == b;
	switch (a->kind) {
	case KS_NODE_SCALAR:
		if (a->u.scalar.len == b->u.scalar.len &&
		    !memcmp(a->u.scalar.str, b->u.scalar.str, a->u.scalar.len))
			return 1;
		return ks_scalar_type(a) == KS_SCALAR_NULL &&
		       ks_scalar_type(b) == KS_SCALAR_NULL;
	case KS_NODE_MAP:
		if (a->u.map.n != b->u.map.n)
			return 0;
		for (i = 0; i < a->u.map.n; i++)
			if (!fuzz_same_data(a->u.map.v[i].value,
					    ks_map_get(b, a->u.map.v[i].key)))
				return 0;
		return 1;
	case KS_NODE_SEQ:
		if (a->u.seq.n != b->u.seq.n)
			return 0;
		for (i = 0; i < a->u.seq.n; i++)
			if (!fuzz_same_data(a->u.seq.v[i], b->u.seq.v[i]))
				return 0;
		return 1;
	}
	return 0;
}

/*
 * write(root) reads back as the same data, and writing what was read gives
 * the same bytes.
 */
static inline void fuzz_check_fixed_point(const struct ks_node *root,
					  const struct ks_layout *layout,
					  const void *ctx)
{
	struct ks_doc *again;
	char *w1, *w2;
	size_t n1, n2;

	w1 = fuzz_write(root, layout, ctx, &n1);
	again = fuzz_reparse(w1, n1);
	if (!fuzz_same_data(root, ks_doc_root(again))) {
		fprintf(stderr, "canonical output:\n%s", w1);
		fuzz_fail(NULL, "canonical output reads back as other data");
	}
	w2 = fuzz_write(ks_doc_root(again), layout, ctx, &n2);
	if (n1 != n2 || memcmp(w1, w2, n1)) {
		fprintf(stderr, "first:\n%ssecond:\n%s", w1, w2);
		fuzz_fail(NULL, "canonical output is no fixed point");
	}
	ks_free(w1);
	ks_free(w2);
	ks_doc_free(again);
}

#ifdef KS_FUZZ_STANDALONE
/*
 * Replays files (or every file in folders) through the target, as
 * libFuzzer would, and says which one is running.
 */
static inline int fuzz_replay(const char *path)
{
	struct ks_buf b = KS_BUF_INIT;
	struct stat st;
	int rc = 0;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		struct dirent **names;
		int i, n = scandir(path, &names, NULL, alphasort);

		for (i = 0; i < n; i++) {
			if (names[i]->d_name[0] != '.') {
				ks_buf_reset(&b);
				ks_buf_addf(&b, "%s/%s", path,
					    names[i]->d_name);
				rc |= fuzz_replay(b.ptr);
			}
			free(names[i]);
		}
		free(names);
		ks_buf_release(&b);
		return n < 0 ? 1 : rc;
	}
	if (ks_buf_read_file(&b, path, (size_t)1 << 30) < 0) {
		perror(path);
		return 1;
	}
	fprintf(stderr, "running %s (%zu bytes)\n", path, b.len);
	LLVMFuzzerTestOneInput((const uint8_t *)b.ptr, b.len);
	ks_buf_release(&b);
	return 0;
}

int main(int argc, char **argv)
{
	int i, rc = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++)
		rc |= fuzz_replay(argv[i]);
	return rc;
}
#endif

#endif
