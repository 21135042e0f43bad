/*
 * Unit tests for core/members.h: reading the members file (every problem
 * located), looking members up by device and key, the dates a key may
 * sign, and which paths each role may change.
 */
#include "unit.h"

#include "diag.h"
#include "members.h"

#include <string.h>

#define K1 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILM3M/QTgXuY6y+wxkymYTuAJNqWszxFLiQGewvnxsEc"
#define K2 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKM15SXIHfFRy29xspl1JSVvECX+tMxp82TJABPhQfa5"

static const char good[] =
	"members:\n"
	"  - device: md01\n"
	"    surveyor: Nguyễn Thị Hoa\n"
	"    role: centre\n"
	"    key: " K1 " hoa@laptop\n"
	"    from: \"2026-01-05\"\n"
	"  - device: md05\n"
	"    surveyor: Lê Văn Tâm\n"
	"    role: surveyor\n"
	"    key: " K2 "\n"
	"    from: \"2026-03-01T08:00:00+07:00\"\n"
	"    until: \"2026-11-30\"\n";

static struct ks_members *parse(const char *text, struct ks_diags *d)
{
	struct ks_members *m = NULL;

	ks_members_parse(&m, "members.yaml", text, strlen(text), d);
	return m;
}

static void test_reads(void **state)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_members *m = parse(good, &d);
	const struct ks_member *a, *b;

	(void)state;
	assert_non_null(m);
	assert_int_equal(d.errors, 0);
	assert_int_equal(ks_members_count(m), 2);
	a = ks_members_device(m, "md01");
	b = ks_members_device(m, "md05");
	assert_non_null(a);
	assert_non_null(b);
	assert_null(ks_members_device(m, "md02"));
	assert_string_equal(a->surveyor, "Nguyễn Thị Hoa");
	assert_int_equal(a->role, KS_ROLE_CENTRE);
	assert_int_equal(b->role, KS_ROLE_SURVEYOR);
	/* The comment is no part of the key, found with or without one. */
	assert_string_equal(a->key, K1);
	assert_ptr_equal(ks_members_key(m, K1), a);
	assert_ptr_equal(ks_members_key(m, K1 " another comment"), a);
	assert_ptr_equal(ks_members_key(m, K2), b);
	assert_null(ks_members_key(m, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAA"));
	assert_int_equal(a->line, 2);
	ks_members_free(m);
	ks_diags_release(&d);
}

static void test_times(void **state)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_members *m = parse(good, &d);
	const struct ks_member *a = ks_members_device(m, "md01");
	const struct ks_member *b = ks_members_device(m, "md05");
	int64_t t;

	(void)state;
	/* 2026-01-05 starts at 00:00 in Vietnam: 2026-01-04 17:00 UTC. */
	assert_int_equal(ks_members_time(&t, "2026-01-05", 0), 0);
	assert_int_equal(t, 1767546000);
	assert_false(ks_member_valid_at(a, t - 1));
	assert_true(ks_member_valid_at(a, t));
	assert_true(ks_member_valid_at(a, 4102444800));	/* no until */
	assert_int_equal(ks_members_time(&t, "2026-03-01T01:00:00Z", 0), 0);
	assert_true(ks_member_valid_at(b, t));
	assert_false(ks_member_valid_at(b, t - 1));
	/* until a date: its last second in Vietnam. */
	assert_int_equal(ks_members_time(&t, "2026-11-30T23:59:59+07:00", 0), 0);
	assert_true(ks_member_valid_at(b, t));
	assert_false(ks_member_valid_at(b, t + 1));
	assert_int_equal(ks_members_time(&t, "2026-11-30T16:59:59-00:00", 0), 0);
	assert_true(ks_member_valid_at(b, t));
	assert_int_equal(ks_members_time(&t, "30/11/2026", 0), -1);
	assert_int_equal(ks_members_time(&t, "2026-13-01", 0), -1);
	assert_int_equal(ks_members_time(&t, "2026-11-30T10:00", 0), -1);
	assert_int_equal(ks_members_time(&t, "2026-11-30T10:00:00+0700", 0), -1);
	ks_members_free(m);
	ks_diags_release(&d);
}

/* One bad file: parsing fails with an error at `line` saying `what`. */
static void refused(const char *text, int line, const char *what)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_members *m = parse(text, &d);
	size_t i;
	int found = 0;

	assert_null(m);
	assert_true(d.errors > 0);
	for (i = 0; i < d.n; i++)
		if (d.v[i].line == line && strstr(d.v[i].message, what))
			found = 1;
	if (!found)
		for (i = 0; i < d.n; i++)
			print_message("%d: %s\n", d.v[i].line, d.v[i].message);
	assert_true(found);
	ks_diags_release(&d);
}

static void test_refuses(void **state)
{
	(void)state;
	refused("members: []\nother: 1\n", 2, "unknown field \"other\"");
}

static void test_refuses_entries(void **state)
{
	(void)state;
	refused("- a\n", 1, "");
	refused("members: {}\n", 1, "\"members\" list");
	refused("members:\n  - device: MD01\n    surveyor: A\n    role: centre\n    key: " K1 "\n",
		2, "device id");
	refused("members:\n  - device: md01\n    role: centre\n    key: " K1 "\n",
		2, "needs a surveyor");
	refused("members:\n  - device: md01\n    surveyor: \"A\\bB\"\n    role: centre\n    key: " K1 "\n",
		2, "control character or a line break");
	refused("members:\n  - device: md01\n    surveyor: \"A\\LB\"\n    role: centre\n    key: " K1 "\n",
		2, "control character or a line break");
	refused("members:\n  - device: md01\n    surveyor: A\n    role: boss\n    key: " K1 "\n",
		2, "centre, surveyor or auditor");
	refused("members:\n  - device: md01\n    surveyor: A\n    role: centre\n    key: ssh-rsa AAAAB3NzaC1yc2E\n",
		2, "ed25519");
	refused("members:\n  - device: md01\n    surveyor: A\n    role: centre\n    key: " K1 "x\n",
		2, "ed25519");
	refused("members:\n  - device: md01\n    surveyor: A\n    role: centre\n    key: " K1 "\n    from: 5/1/2026\n",
		2, "dates");
	refused("members:\n  - device: md01\n    surveyor: A\n    role: centre\n    key: " K1 "\n    from: \"2026-02-01\"\n    until: \"2026-01-01\"\n",
		2, "until is before from");
	refused("members:\n  - device: md01\n    surveyor: A\n    role: centre\n    key: " K1 "\n    colour: red\n",
		6, "unknown field \"colour\"");
	refused("members:\n  - device: md01\n    surveyor: A\n    role: centre\n    key: " K1 "\n"
		"  - device: md01\n    surveyor: B\n    role: surveyor\n    key: " K2 "\n",
		6, "listed twice");
	refused("members:\n  - device: md01\n    surveyor: A\n    role: centre\n    key: " K1 "\n"
		"  - device: md02\n    surveyor: B\n    role: surveyor\n    key: " K1 " copy\n",
		6, "already another member's");
}

static void test_roles(void **state)
{
	static const char *const rules[] = {
		"khaosat.yaml", "schema/workshop.yaml", "members.yaml",
		"allowed_signers", "conflicts/khaosat.yaml",
	};
	enum ks_role r;
	size_t i;

	(void)state;
	assert_int_equal(ks_role_parse(&r, "surveyor"), 0);
	assert_int_equal(r, KS_ROLE_SURVEYOR);
	assert_int_equal(ks_role_parse(&r, "admin"), -1);
	assert_string_equal(ks_role_name(KS_ROLE_AUDITOR), "auditor");
	for (i = 0; i < sizeof(rules) / sizeof(*rules); i++) {
		assert_null(ks_role_may_change(KS_ROLE_CENTRE, "md01", rules[i], 1));
		assert_non_null(ks_role_may_change(KS_ROLE_SURVEYOR, "md05", rules[i], 0));
		assert_non_null(ks_role_may_change(KS_ROLE_AUDITOR, "au01", rules[i], 0));
	}
	assert_null(ks_role_may_change(KS_ROLE_SURVEYOR, "md05",
				       "records/workshop/md01/000/md01-0001.yaml", 0));
	assert_null(ks_role_may_change(KS_ROLE_SURVEYOR, "md05",
				       "conflicts/records/workshop/md01/000/md01-0001.yaml", 0));
	assert_non_null(ks_role_may_change(KS_ROLE_SURVEYOR, "md05",
					   "records/workshop/md01/000/md01-0001.yaml", 1));
	assert_non_null(ks_role_may_change(KS_ROLE_SURVEYOR, "md05",
					   "conflicts/records/workshop/md01/000/md01-0001.yaml", 1));
	assert_null(ks_role_may_change(KS_ROLE_SURVEYOR, "md05",
				       "records/workshop/md05/000/md05-0001.yaml", 1));
	/* A device id that starts another's is not it. */
	assert_non_null(ks_role_may_change(KS_ROLE_SURVEYOR, "md0",
					   "records/workshop/md05/000/md05-0001.yaml", 1));
	assert_non_null(ks_role_may_change(KS_ROLE_AUDITOR, "au01",
					   "records/workshop/au01/000/au01-0001.yaml", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_refuses),
		cmocka_unit_test(test_refuses_entries),
		cmocka_unit_test(test_roles),
	};

	KS_RUN_TESTS(tests);
}
