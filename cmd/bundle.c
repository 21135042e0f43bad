/*
 * khaosat bundle create|verify|apply: the low-level tools for git bundle
 * files, as the centre's IT staff use them.  A bundle is checked whole
 * before anything of it is kept (core/bundle.h); apply then merges its
 * main into ours like 'khaosat merge'.
 */
#include "cli.h"
#include "intl.h"
#include "alloc.h"
#include "buf.h"
#include "bundle.h"
#include "diag.h"
#include "enrol.h"
#include "merge.h"
#include "repo.h"
#include "sync.h"

#include <string.h>

static const struct cmd_info info = {
	"khaosat bundle create FILE [--full] [--since REV]\n"
	"   or: khaosat bundle verify FILE\n"
	"   or: khaosat bundle apply FILE",
	N_("Write, check or apply a git bundle file (readable by plain git).\n"
	"create writes main's history to FILE: all of it, or with --since only\n"
	"what REV does not hold. verify checks FILE whole against this survey\n"
	"and keeps nothing. apply checks it, imports it, keeps its tip as\n"
	"refs/khaosat/bundles/NAME and merges it into main field by field."),
};

static int create(struct cli *cli, const char *file, int full,
		  const char *since)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_bundle_stats st;
	git_repository *repo;
	git_object *obj = NULL;
	git_oid tip, hidden;
	char commits[48], objects[48];
	int err;

	if ((err = open_survey(cli, &d)))
		return fail(&d, err);
	repo = ks_repo_git(cli->repo);
	if (git_reference_name_to_id(&tip, repo, KS_MAIN_REF) < 0)
		return fail(&d, ks_error(&d, KS_ENOTFOUND, NULL, 0, 0,
					 "the survey has no commit yet"));
	if (since) {
		git_object *rev = NULL;

		if (git_revparse_single(&rev, repo, since) < 0 ||
		    git_object_peel(&obj, rev, GIT_OBJECT_COMMIT) < 0) {
			git_object_free(rev);
			return fail(&d, ks_error(&d, KS_ENOTFOUND, NULL, 0, 0,
						 "unknown revision \"%s\"", since));
		}
		git_object_free(rev);
		git_oid_cpy(&hidden, git_object_id(obj));
		git_object_free(obj);
	}
	(void)full;
	err = ks_bundle_write(cli->repo, file, &tip, since ? &hidden : NULL,
			      since ? 1 : 0, progress_bar(), &st, &d);
	progress_done();
	if (err)
		return fail(&d, err);
	snprintf(commits, sizeof(commits), Q_("%zu commit", "%zu commits",
					      st.commits), st.commits);
	snprintf(objects, sizeof(objects), Q_("%zu object", "%zu objects",
					      st.objects), st.objects);
	/*
	 * TRANSLATORS: "Wrote FILE: 2 commits, 30 objects, 4096 bytes, full
	 * history."
	 */
	printf(_("Wrote %s: %s, %s, %llu bytes, %s.\n"), file, commits, objects,
	       (unsigned long long)st.bytes,
	       since ? _("incremental") : _("full history"));
	if (st.prerequisites)
		printf(Q_("Readers need %zu prerequisite commit: %s and its history.\n",
			  "Readers need %zu prerequisite commits: %s and its history.\n",
			  st.prerequisites),
		       st.prerequisites, since);
	ks_diags_release(&d);
	return EXIT_OK;
}

static void print_refs(const struct ks_bundle_info *b)
{
	char hex[GIT_OID_HEXSZ + 1];
	size_t i;

	for (i = 0; i < b->nrefs; i++) {
		git_oid_tostr(hex, sizeof(hex), &b->refs[i].oid);
		printf("%s %s\n", hex, b->refs[i].name);
	}
	for (i = 0; i < b->nprereqs; i++) {
		git_oid_tostr(hex, sizeof(hex), &b->prereqs[i].oid);
		printf(_("requires %s\n"), hex);
	}
}

static int verify(struct cli *cli, const char *file)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_bundle_info b;
	struct ks_bundle_judge judge;
	int err;

	if ((err = open_survey(cli, &d)))
		return fail(&d, err);
	ks_enrol_bundle_judge(&judge, cli->repo);
	if ((err = ks_bundle_verify(cli->repo, file, &judge, &b, &d)))
		return fail(&d, err);
	printf(Q_("%s is okay: %zu object, %llu bytes of pack\n",
		  "%s is okay: %zu objects, %llu bytes of pack\n", b.objects),
	       file, b.objects, (unsigned long long)b.pack_bytes);
	print_refs(&b);
	ks_bundle_info_release(&b);
	ks_diags_release(&d);
	return EXIT_OK;
}

/* "refs/khaosat/bundles/<file name>", with what a ref cannot hold replaced. */
static int bundle_refname(struct ks_buf *out, const char *file)
{
	const char *base = strrchr(file, '/');
	size_t start;
	int valid = 0;
	char *p;

	base = base ? base + 1 : file;
	if (ks_buf_puts(out, "refs/khaosat/bundles/") < 0)
		return -1;
	start = out->len;
	if (ks_buf_puts(out, *base ? base : "bundle") < 0)
		return -1;
	for (p = out->ptr + start; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		      (*p == '.' && p > out->ptr + start && p[-1] != '.')))
			*p = '-';
	if (git_reference_name_is_valid(&valid, out->ptr) < 0 || !valid) {
		out->len = start;
		out->ptr[start] = '\0';
		return ks_buf_puts(out, "bundle");
	}
	return 0;
}

static int apply(struct cli *cli, const char *file)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_bundle_info b = KS_BUNDLE_INFO_INIT;
	struct ks_bundle_judge judge;
	struct ks_merge_stats st;
	struct ks_buf refname = KS_BUF_INIT, what = KS_BUF_INIT;
	const struct ks_bundle_ref *tip;
	git_reference *ref = NULL;
	git_oid out, before;
	char hex[GIT_OID_HEXSZ + 1];
	int err, refused = 0;

	if ((err = open_survey(cli, &d)) ||
	    (err = ks_repo_require_identity(cli->repo, &d)))
		return fail(&d, err);
	ks_enrol_bundle_judge(&judge, cli->repo);
	err = ks_bundle_verify_import(cli->repo, file, &judge, progress_bar(), &b, &d);
	progress_done();
	if (err)
		return fail(&d, err);
	if (!(tip = ks_bundle_main_ref(&b))) {
		err = ks_error(&d, KS_EINVALID, file, 0, 0,
			       "the bundle has several references and none is refs/heads/main or HEAD");
		goto out;
	}
	err = -1;
	if (bundle_refname(&refname, file) < 0 ||
	    /* TRANSLATORS: what is merged: "Merge %s", "Merged %s: ...". */
	    ks_buf_addf(&what, _("bundle %s"), refname.ptr + strlen("refs/khaosat/bundles/")) < 0)
		goto out;
	if ((err = judge_before_merge(cli->repo, &tip->oid, what.ptr, &refused, &d))) {
		if (err == 1)
			err = refused ? KS_EINVALID : 0;
		goto out;
	}
	if (git_reference_create(&ref, ks_repo_git(cli->repo), refname.ptr,
				 &tip->oid, 1, "khaosat bundle apply") < 0) {
		err = ks_error(&d, KS_EIO, file, 0, 0, "cannot store %s: %s",
			       refname.ptr, ks_git_error());
		goto out;
	}
	git_oid_tostr(hex, sizeof(hex), &tip->oid);
	printf(Q_("Imported %s: %zu object, %s at %.10s.\n",
		  "Imported %s: %zu objects, %s at %.10s.\n", b.objects),
	       file, b.objects, refname.ptr, hex);
	if (git_reference_name_to_id(&before, ks_repo_git(cli->repo),
				      KS_MAIN_REF) < 0) {
		git_error_clear();
		memset(&before, 0, sizeof(before));
	}
	ks_sync_took(ks_repo_git(cli->repo), ks_repo_identity(cli->repo)->device,
		     &tip->oid);
	if ((err = ks_merge_into_main(&out, &st, cli->repo, &tip->oid,
					     what.ptr, &d)))
		goto out;
	print_diags(&d);
	print_merge(&out, &st, what.ptr);
	fflush(stdout);
	if (!git_oid_is_zero(&before)) {
		note_clashes(cli->repo, &before, &out);
		note_rules_changed(cli->repo, &before, &out);
	}
out:
	git_reference_free(ref);
	ks_bundle_info_release(&b);
	ks_buf_release(&refname);
	ks_buf_release(&what);
	if (err)
		return fail(&d, err);
	ks_diags_release(&d);
	return EXIT_OK;
}

int cmd_bundle(int argc, char **argv, struct cli *cli)
{
	const char *since = NULL;
	int full = 0, err;
	const struct opt opts[] = {
		{ 0, "full", NULL, OPT_FLAG, &full,
		  N_("create: the whole history (the default without --since)") },
		{ 0, "since", "REV", OPT_STRING, &since,
		  N_("create: only what REV does not hold; readers need REV") },
		OPT_END_MARK,
	};

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	if (argc < 1)
		return usage_error(&info, "give a subcommand: create, verify or apply");
	if (argc != 2)
		return usage_error(&info, "give one bundle file");
	if (!strcmp(argv[0], "create")) {
		if (full && since)
			return usage_error(&info, "--full and --since exclude each other");
		return create(cli, argv[1], full, since);
	}
	if (full || since)
		return usage_error(&info, "--full and --since are options of 'bundle create'");
	if (!strcmp(argv[0], "verify"))
		return verify(cli, argv[1]);
	if (!strcmp(argv[0], "apply"))
		return apply(cli, argv[1]);
	return usage_error(&info, "unknown subcommand '%s'; use create, verify or apply",
			   argv[0]);
}
