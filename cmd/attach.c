/*
 * khaosat attach: photos and documents added to a record.  Each file is
 * recognised by its content, checked whole, reduced if it is a large
 * photo, stripped of its metadata, and kept under attachments/ beside the
 * records; its item goes into the record's list, and a photo's GPS
 * position becomes the record's position when it has none.
 */
#include "cli.h"
#include "alloc.h"
#include "attach.h"
#include "attachpath.h"
#include "buf.h"
#include "check.h"
#include "diag.h"
#include "intl.h"
#include "record.h"
#include "repo.h"

#include <stdlib.h>
#include <string.h>

static const struct cmd_info info = {
	"khaosat attach ID FILE... [--caption TEXT] [--max-side N] [--original]",
	N_("Attach photos (JPEG, PNG, WebP) and documents (PDF) to the record ID.\n"
	"Files are recognised by their content, not their name; a damaged or\n"
	"cut-short file is refused and nothing is changed. A JPEG photo is\n"
	"turned upright and reduced so that its longest side is at most N\n"
	"pixels (2048 unless --max-side says otherwise); with --original it is\n"
	"kept at full size. Every photo loses its metadata (camera, owner,\n"
	"serial numbers): only when it was taken and where are kept, in the\n"
	"record. A photo's GPS position becomes the record's position when it\n"
	"has none. Save it to the survey history with 'khaosat commit'."),
};

static int parse_side(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!s)
		return 0;
	v = strtoul(s, &end, 10);
	if (*end || !*s || v < 64 || v > 20000)
		return -1;
	*out = (unsigned)v;
	return 0;
}

void attach_report(const struct ks_attached *a, const char *display)
{
	if (a->had)
		printf(_("%s: the record has this file already (%s)\n"), display,
		       a->relpath);
	else if (a->size < a->given)
		printf(_("%s: kept as %s, %zu kB (given %zu kB)\n"), display,
		       a->relpath, (a->size + 1023) / 1024, (a->given + 1023) / 1024);
	else
		printf(_("%s: kept as %s, %zu kB\n"), display, a->relpath,
		       (a->size + 1023) / 1024);
	if (a->positioned)
		printf("  %s\n", _("its GPS position is now the record's position"));
}

int cmd_attach(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_media_opts mo = { ATTACH_MAX_SIDE, ATTACH_QUALITY, 0 };
	struct ks_attach_file *files = NULL;
	struct ks_attached *done = NULL;
	struct ks_doc *doc = NULL;
	const char *caption = NULL, *side = NULL;
	char *rel = NULL, *kind = NULL, *id = NULL;
	int i, n, err;
	const struct opt opts[] = {
		{ 'c', "caption", "TEXT", OPT_STRING, &caption,
		  N_("what the files show, for each of them") },
		{ 0, "max-side", "N", OPT_STRING, &side,
		  N_("reduce photos to at most N pixels on their longest side") },
		{ 0, "original", NULL, OPT_FLAG, &mo.original,
		  N_("keep JPEG photos at full size (still without metadata)") },
		OPT_END_MARK,
	};

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	if (argc < 2)
		return usage_error(&info, "give a record id and at least one file");
	if (parse_side(side, &mo.max_side) < 0)
		return usage_error(&info, "--max-side takes a number of pixels from 64 to 20000");
	if (caption && !caption[strspn(caption, " \t\n")])
		caption = NULL;
	n = argc - 1;
	files = ks_calloc((size_t)n, sizeof(*files));
	done = ks_calloc((size_t)n, sizeof(*done));
	if (!files || !done) {
		err = -1;
		goto out;
	}
	for (i = 0; i < n; i++) {
		files[i].path = argv[i + 1];
		files[i].display = argv[i + 1];
		files[i].caption = caption;
	}
	if ((err = open_survey(cli, &d)) ||
	    (err = ks_resolve_record(&rel, cli->repo, argv[0], cli->cwd, &d)))
		goto out;
	if (ks_record_path_parse(rel, &kind, &id) < 0) {
		err = -1;
		goto out;
	}
	if ((err = lock_to_save(cli, &d)))
		goto out;
	{
		char *abs = ks_repo_path(cli->repo, rel);

		err = abs ? ks_doc_load(&doc, abs, rel, KS_PARSE_RECORD, &d) : -1;
		ks_free(abs);
	}
	if (!err)
		err = ks_attach(done, cli->repo, kind, id, rel, doc, files,
				(size_t)n, &mo, &d);
out:
	if (err) {
		err = fail(&d, err);
	} else {
		print_diags(&d);
		for (i = 0; i < n; i++)
			attach_report(&done[i], files[i].display);
		printf(_("Saved %s: %s\n"), id, rel);
		fputs(_("Save it to the survey history with 'khaosat commit -m MESSAGE'.\n"), stdout);
		ks_attached_release(done, (size_t)n);
	}
	ks_diags_release(&d);
	ks_doc_free(doc);
	ks_free(files);
	ks_free(done);
	ks_free(rel);
	ks_free(kind);
	ks_free(id);
	return err;
}
