/*
 * libFuzzer target: arbitrary bytes as the header of a git bundle.  A
 * bundle arrives on a USB stick from another laptop, so its header is read
 * before anything else is trusted.  ks_bundle_read_header() either accepts
 * the input, leaving the stream at the first byte after the header's empty
 * line, with a version, at least one reference and every reference name
 * valid to git, or refuses it with errors that name the file and a line.
 * Only running out of memory may give -1: the input is read a second time
 * with the Nth allocation failing (N from the input's size), and must then
 * give the same answer or -1, and leak nothing either way.
 */
#include "fuzz.h"
#include "bundle.h"

#include <git2.h>

#define FUZZ_BUNDLE_PATH "in.bundle"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	git_libgit2_init();
	return 0;
}

/* "HEAD" or a full reference name git itself accepts. */
static int bundle_name_ok(const char *name)
{
	int valid = 0;

	if (!name || !*name)
		return 0;
	if (!strcmp(name, "HEAD"))
		return 1;
	if (strncmp(name, "refs/", 5))
		return 0;
	return git_reference_name_is_valid(&valid, name) == 0 && valid;
}

/* A header read whole: checked against the bytes it came from. */
static void bundle_check_info(const struct ks_bundle_info *b, FILE *f,
			      const uint8_t *data, size_t size,
			      const struct ks_diags *d)
{
	long at = ftell(f);
	size_t i, lines = 0, caps = 0, start = 0;

	if (d->errors)
		fuzz_fail(d, "a header read with errors");
	if (b->version != 2 && b->version != 3)
		fuzz_fail(d, "a header of version %d", b->version);
	if (!b->nrefs || !b->refs)
		fuzz_fail(d, "a header without references");
	if (b->nprereqs && !b->prereqs)
		fuzz_fail(d, "prerequisites counted but not kept");
	if (at < 0 || (uint64_t)at != b->header_bytes)
		fuzz_fail(d, "header_bytes %llu, but the file was left at %ld",
			  (unsigned long long)b->header_bytes, at);
	if (b->header_bytes < 2 || b->header_bytes > size ||
	    data[b->header_bytes - 1] != '\n' ||
	    data[b->header_bytes - 2] != '\n')
		fuzz_fail(d, "header_bytes %llu is not after an empty line",
			  (unsigned long long)b->header_bytes);
	if (memchr(data, '\0', b->header_bytes))
		fuzz_fail(d, "a header holding a NUL byte was accepted");
	for (i = 0; i < b->nrefs; i++)
		if (!bundle_name_ok(b->refs[i].name))
			fuzz_fail(d, "reference %zu has an invalid name \"%s\"",
				  i, b->refs[i].name ? b->refs[i].name : "(null)");
	for (i = 0; i < b->nprereqs; i++)
		if (!b->prereqs[i].comment ||
		    strchr(b->prereqs[i].comment, '\n'))
			fuzz_fail(d, "prerequisite %zu has no one-line comment",
				  i);
	/* signature, capabilities, prerequisites, references, empty line */
	for (i = 0; i < b->header_bytes; i++) {
		if (data[i] != '\n')
			continue;
		if (lines && data[start] == '@')
			caps++;
		lines++;
		start = i + 1;
	}
	if (caps && b->version != 3)
		fuzz_fail(d, "capabilities accepted in a v%d bundle",
			  b->version);
	if (lines != 2 + caps + b->nprereqs + b->nrefs)
		fuzz_fail(d, "%zu header lines, but %zu capabilities, %zu prerequisites and %zu references",
			  lines, caps, b->nprereqs, b->nrefs);
}

/* Reads the header once; returns its status, checked. */
static int bundle_read(const uint8_t *data, size_t size, long fail_after)
{
	struct ks_bundle_info b;
	struct ks_diags d = KS_DIAGS_INIT;
	FILE *f;
	int err;

	/* fmemopen() wants a buffer even for no bytes */
	f = fmemopen(size ? (void *)data : (void *)"", size, "r");
	if (!f)
		fuzz_fail(NULL, "fmemopen of %zu bytes failed", size);
	memset(&b, 0xa5, sizeof(b));
	ks_alloc_fail_after(fail_after);
	err = ks_bundle_read_header(&b, f, FUZZ_BUNDLE_PATH, &d);
	ks_alloc_fail_after(-1);
	if (err == 0) {
		bundle_check_info(&b, f, data, size, &d);
		ks_bundle_info_release(&b);
	} else {
		if (err != KS_EINVALID && !(err == -1 && fail_after >= 0))
			fuzz_fail(&d, "read_header returned %d", err);
		if (b.refs || b.nrefs || b.prereqs || b.nprereqs)
			fuzz_fail(&d, "a refused header left something to release");
		/* without memory a diagnostic may be dropped */
		if (fail_after < 0)
			fuzz_check_errors(&d, FUZZ_BUNDLE_PATH, 1, 0);
		else if (err == KS_EINVALID && !d.errors)
			fuzz_fail(&d, "a refusal without its errors");
	}
	ks_diags_release(&d);
	fclose(f);
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int err, again;

	err = bundle_read(data, size, -1);
	again = bundle_read(data, size, (long)(size % 13));
	if (again != err && again != -1)
		fuzz_fail(NULL, "read_header gave %d, then %d with less memory",
			  err, again);
	return 0;
}
