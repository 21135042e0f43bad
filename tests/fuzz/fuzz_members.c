/*
 * libFuzzer target: arbitrary bytes as a survey's members.yaml, which
 * arrives in any laptop's bundle.  ks_members_parse() either refuses the
 * input with errors that name the file, or accepts it; an accepted file
 * written in khaosat's own form (ks_members_write) reads back as the same
 * members and writes again to the same bytes.  Only running out of memory
 * may give -1: the input is read a second time with the Nth allocation
 * failing, and must give the same answer or -1, leaking nothing.
 */
#include "fuzz.h"
#include "members.h"

#define FUZZ_MEMBERS_PATH "members.yaml"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

static int same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Two lists of members that say the same. */
static void members_check_same(const struct ks_members *a,
			       const struct ks_members *b)
{
	size_t i;

	if (ks_members_count(a) != ks_members_count(b))
		fuzz_fail(NULL, "%zu members read back as %zu",
			  ks_members_count(a), ks_members_count(b));
	for (i = 0; i < ks_members_count(a); i++) {
		const struct ks_member *x = ks_members_at(a, i);
		const struct ks_member *y = ks_members_at(b, i);

		if (strcmp(x->device, y->device) || strcmp(x->surveyor, y->surveyor) ||
		    x->role != y->role || strcmp(x->key, y->key) ||
		    memcmp(x->pk, y->pk, sizeof(x->pk)) ||
		    x->has_from != y->has_from || x->has_until != y->has_until ||
		    (x->has_from && x->from != y->from) ||
		    (x->has_until && x->until != y->until) ||
		    !same_text(x->from_text, y->from_text) ||
		    !same_text(x->until_text, y->until_text))
			fuzz_fail(NULL, "member %zu (%s) reads back otherwise", i,
				  x->device);
	}
}

/* Reads the input once; returns its status, checked. */
static int members_read(const uint8_t *data, size_t size, long fail_after)
{
	struct ks_diags d = KS_DIAGS_INIT, d2 = KS_DIAGS_INIT;
	struct ks_members *m = NULL, *m2 = NULL;
	struct ks_buf w1 = KS_BUF_INIT, w2 = KS_BUF_INIT;
	int err;

	ks_alloc_fail_after(fail_after);
	err = ks_members_parse(&m, FUZZ_MEMBERS_PATH, (const char *)data, size, &d);
	ks_alloc_fail_after(-1);
	if (err) {
		if (err != KS_EINVALID && !(err == -1 && fail_after >= 0))
			fuzz_fail(&d, "members parse returned %d", err);
		if (m)
			fuzz_fail(&d, "a refused file left members");
		if (fail_after < 0)
			fuzz_check_errors(&d, FUZZ_MEMBERS_PATH, 0, 0);
		ks_diags_release(&d);
		return err;
	}
	if (d.errors)
		fuzz_fail(&d, "members read with errors");
	if (ks_members_write(&w1, m) < 0)
		fuzz_fail(NULL, "members could not be written");
	if (ks_members_parse(&m2, FUZZ_MEMBERS_PATH, w1.ptr, w1.len, &d2))
		fuzz_fail(&d2, "members as written do not read:\n%s", w1.ptr);
	members_check_same(m, m2);
	if (ks_members_write(&w2, m2) < 0 || w1.len != w2.len ||
	    memcmp(w1.ptr, w2.ptr, w1.len))
		fuzz_fail(NULL, "members written twice differ:\n%s\n--\n%s",
			  w1.ptr, w2.ptr ? w2.ptr : "");
	ks_members_free(m);
	ks_members_free(m2);
	ks_buf_release(&w1);
	ks_buf_release(&w2);
	ks_diags_release(&d);
	ks_diags_release(&d2);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int first = members_read(data, size, -1), again;

	again = members_read(data, size, (long)(size % 61));
	if (again != first && again != -1)
		fuzz_fail(NULL, "read %d, then %d with an allocation failing",
			  first, again);
	return 0;
}
