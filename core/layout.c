/*
 * The survey layout: see layout.h.
 */
#include "layout.h"
#include "intl.h"
#include "members.h"
#include "alloc.h"
#include "attachpath.h"
#include "buf.h"
#include "record.h"
#include "repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFLICTS "conflicts/"

/* The number of '/'-separated parts of `path`, with the first in *first. */
static size_t parts(const char *path, char *first, size_t n)
{
	const char *slash = strchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : strlen(path), k = 1;

	snprintf(first, n, "%.*s", (int)len, path);
	for (; slash; slash = strchr(slash + 1, '/'))
		k++;
	return k;
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);

	return n > m && !strcmp(s + n - m, tail);
}

/* A counter folder's name: the %03lu form of a number. */
static int bucket_name(const char *s)
{
	char back[32];
	char *end;
	unsigned long v;

	if (!*s || strlen(s) > 10 || s[0] < '0' || s[0] > '9')
		return 0;
	v = strtoul(s, &end, 10);
	if (*end)
		return 0;
	snprintf(back, sizeof(back), "%03lu", v);
	return !strcmp(back, s);
}

/* records/<kind>/<device>/<NNN>/<id>.yaml, a folder on the way or a file. */
static const char *records_problem(const char *path, int folder,
				   ks_layout_kind_fn known, void *ctx)
{
	char comp[4][64];
	const char *p = path + strlen(KS_RECORDS_DIR) + 1;
	size_t n = 0;

	while (n < 4) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len >= sizeof(comp[n]))
			return _("a name too long for the record layout");
		memcpy(comp[n], p, len);
		comp[n][len] = '\0';
		n++;
		if (!slash)
			break;
		p = slash + 1;
		if (n == 4)
			return _("deeper than the record layout (records/<kind>/<device>/<NNN>/<id>.yaml)");
	}
	if (!ks_kind_valid(comp[0]) || (known && !known(ctx, comp[0])))
		return _("not a kind of this survey (khaosat.yaml names its kinds)");
	if (n == 1)
		return folder ? NULL : "must be a folder of records";
	if (!ks_device_valid(comp[1]))
		return _("not a device id (2 to 12 lowercase letters and digits)");
	if (n == 2)
		return folder ? NULL : "must be a folder of records";
	if (!bucket_name(comp[2]))
		return _("not a counter folder (000, 001, ...)");
	if (n == 3)
		return folder ? NULL : "must be a folder of records";
	if (folder)
		return _("deeper than the record layout (records/<kind>/<device>/<NNN>/<id>.yaml)");
	{
		char *kind = NULL, *id = NULL;
		int ok = ks_record_path_parse(path, &kind, &id) == 0;

		ks_free(kind);
		ks_free(id);
		if (!ok)
			return _("not where a record of that id belongs (records/<kind>/<device>/<NNN>/<device>-<number>.yaml)");
	}
	return NULL;
}

/* attachments/<kind>/<device>/<NNN>/<id>/<sha256>.<ext> and its folders. */
static const char *attachments_problem(const char *path, int folder,
				       ks_layout_kind_fn known, void *ctx)
{
	const char *p = path + strlen(KS_ATTACH_DIR) + 1;
	struct ks_buf rec = KS_BUF_INIT;
	const char *why;
	size_t depth = 1;
	char *kind = NULL, *id = NULL, sha[65];
	enum ks_media m;
	int ok;

	for (; *p; p++)
		depth += *p == '/';
	if (folder && depth < 4) {
		/* records/<kind>/<device>/<NNN> say what those may be */
		if (ks_buf_addf(&rec, "%s%s", KS_RECORDS_DIR,
				path + strlen(KS_ATTACH_DIR)) < 0)
			return _("out of memory");
		why = records_problem(rec.ptr, 1, known, ctx);
		ks_buf_release(&rec);
		return why;
	}
	if (folder) {
		if (depth > 4)
			return _("deeper than the attachments layout (attachments/<kind>/<device>/<NNN>/<id>/<sha256>.<ext>)");
		/* attachments/<kind>/<device>/<NNN>/<id>: a record's place */
		if (ks_buf_addf(&rec, "%s%s.yaml", KS_RECORDS_DIR,
				path + strlen(KS_ATTACH_DIR)) < 0)
			return _("out of memory");
		why = records_problem(rec.ptr, 0, known, ctx);
		ks_buf_release(&rec);
		return why ? _("not the folder of a record (attachments/<kind>/<device>/<NNN>/<id>)") : NULL;
	}
	ok = ks_attach_path_parse(path, &kind, &id, sha, &m) == 0 &&
	     (!known || known(ctx, kind));
	ks_free(kind);
	ks_free(id);
	return ok ? NULL : _("not an attached file's place (attachments/<kind>/<device>/<NNN>/<id>/<sha256>.jpg, .png, .webp or .pdf)");
}

const char *ks_layout_problem(const char *path, int folder,
			      ks_layout_kind_fn known, void *ctx)
{
	char first[64];
	size_t n = parts(path, first, sizeof(first));

	if (!strncmp(path, CONFLICTS, strlen(CONFLICTS))) {
		const char *rest = path + strlen(CONFLICTS);

		/* A conflict file stands for the survey file at the same path. */
		if (!strcmp(rest, CONFLICTS) || !strncmp(rest, CONFLICTS, strlen(CONFLICTS)))
			return _("outside the survey layout");
		return ks_layout_problem(rest, folder, known, ctx);
	}
	if (!strcmp(path, "conflicts"))
		return folder ? NULL : "must be a folder";
	if (n == 1) {
		if (!strcmp(path, KS_SURVEY_FILE) || !strcmp(path, KS_SIGNERS_FILE) ||
		    !strcmp(path, KS_MEMBERS_FILE))
			return folder ? "must be a file, not a folder" : NULL;
		if (!strcmp(path, KS_SCHEMA_DIR) || !strcmp(path, KS_RECORDS_DIR) ||
		    !strcmp(path, KS_ATTACH_DIR))
			return folder ? NULL : "must be a folder, not a file";
		return _("outside the survey layout (khaosat.yaml, members.yaml, allowed_signers, schema/, records/, attachments/, conflicts/)");
	}
	if (!strcmp(first, KS_SCHEMA_DIR)) {
		const char *name = path + strlen(KS_SCHEMA_DIR) + 1;

		if (folder || n > 2)
			return _("schema/ holds schema files, no folders");
		if (!ends_with(name, ".yaml") && !ends_with(name, ".yml") &&
		    !ends_with(name, ".json"))
			return _("not a schema file (schema/ holds .yaml, .yml and .json files)");
		return NULL;
	}
	if (!strcmp(first, KS_RECORDS_DIR))
		return records_problem(path, folder, known, ctx);
	if (!strcmp(first, KS_ATTACH_DIR))
		return attachments_problem(path, folder, known, ctx);
	return _("outside the survey layout (khaosat.yaml, members.yaml, allowed_signers, schema/, records/, attachments/, conflicts/)");
}

size_t ks_layout_max_size(const char *path)
{
	if (!strncmp(path, CONFLICTS, strlen(CONFLICTS)))
		return KS_LAYOUT_MAX_CONFLICT;
	if (!strcmp(path, KS_SURVEY_FILE))
		return KS_LAYOUT_MAX_SURVEY_FILE;
	if (!strcmp(path, KS_SIGNERS_FILE))
		return KS_LAYOUT_MAX_SIGNERS;
	if (!strcmp(path, KS_MEMBERS_FILE))
		return KS_LAYOUT_MAX_MEMBERS;
	if (!strncmp(path, KS_SCHEMA_DIR "/", strlen(KS_SCHEMA_DIR) + 1))
		return KS_LAYOUT_MAX_SCHEMA;
	if (!strncmp(path, KS_RECORDS_DIR "/", strlen(KS_RECORDS_DIR) + 1))
		return KS_LAYOUT_MAX_RECORD;
	if (!strncmp(path, KS_ATTACH_DIR "/", strlen(KS_ATTACH_DIR) + 1))
		return KS_ATTACH_MAX_FILE;
	return 0;
}
