/*
 * khaosat conflicts: list the open conflicts the merges left, with every
 * proposal, who made it, where and when.
 */
#include "cli.h"
#include "alloc.h"
#include "buf.h"
#include "check.h"
#include "conflict.h"
#include "diag.h"
#include "record.h"
#include "repo.h"

#include <string.h>

static const struct cmd_info info = {
	"khaosat conflicts [--json] [ID]",
	"List open conflicts (all, or those of one record): the field, its base\n"
	"value and each proposal, numbered for 'khaosat resolve --take N', with\n"
	"author, device, time and commit. Exit 1 when any conflict is open.",
};

static void value_text(struct ks_buf *b, const struct ks_node *p)
{
	const struct ks_node *v = ks_map_get(p, "value");

	if (ks_map_get(p, "deleted"))
		ks_buf_puts(b, "(delete)");
	else if (ks_map_get(p, "text"))
		ks_buf_puts(b, "(text that does not parse; see the conflict file)");
	else if (v && v->kind == KS_NODE_SCALAR)
		ks_buf_addf(b, "%s", v->u.scalar.str);
	else if (v) {
		struct ks_buf y = KS_BUF_INIT;
		char *nl;

		ks_doc_write(&y, v, NULL, NULL);
		/* One line in the list; the conflict file has it all. */
		nl = strchr(y.ptr, '\n');
		ks_buf_addf(b, "%.*s%s", nl ? (int)(nl - y.ptr) : (int)y.len,
			    y.ptr, nl && nl[1] ? " ..." : "");
		ks_buf_release(&y);
	}
}

static const char *scalar(const struct ks_node *p, const char *key)
{
	const struct ks_node *n = ks_map_get(p, key);

	return n && n->kind == KS_NODE_SCALAR ? n->u.scalar.str : "";
}

static void print_json(const struct ks_conflict_set *s)
{
	struct ks_buf b = KS_BUF_INIT;
	size_t i, j;

	ks_buf_puts(&b, "[");
	for (i = 0; i < s->n; i++) {
		const struct ks_conflict_entry *e = &s->v[i];

		ks_buf_puts(&b, i ? ",\n {\"file\":" : "{\"file\":");
		ks_json_string(&b, e->file);
		ks_buf_puts(&b, ",\"field\":");
		ks_json_string(&b, *e->field ? e->field : "/");
		ks_buf_puts(&b, ",\"base\":");
		if (e->base) {
			struct ks_buf v = KS_BUF_INIT;

			ks_doc_write(&v, e->base, NULL, NULL);
			ks_json_string(&b, v.ptr);
			ks_buf_release(&v);
		} else {
			ks_buf_puts(&b, "null");
		}
		ks_buf_puts(&b, ",\"proposals\":[");
		for (j = 0; j < e->proposals->u.seq.n; j++) {
			const struct ks_node *p = e->proposals->u.seq.v[j];
			struct ks_buf v = KS_BUF_INIT;
			static const char *const keys[] = {
				"commit", "author", "email", "device", "time", NULL,
			};
			int k;

			ks_buf_addf(&b, "%s{\"number\":%zu", j ? "," : "", j + 1);
			for (k = 0; keys[k]; k++) {
				ks_buf_addf(&b, ",\"%s\":", keys[k]);
				ks_json_string(&b, scalar(p, keys[k]));
			}
			ks_buf_addf(&b, ",\"deleted\":%s,\"value\":",
				    ks_map_get(p, "deleted") ? "true" : "false");
			if (ks_map_get(p, "value"))
				ks_doc_write(&v, ks_map_get(p, "value"), NULL, NULL);
			else if (ks_map_get(p, "text"))
				ks_buf_puts(&v, scalar(p, "text"));
			if (v.len)
				ks_json_string(&b, v.ptr);
			else
				ks_buf_puts(&b, "null");
			ks_buf_puts(&b, "}");
			ks_buf_release(&v);
		}
		ks_buf_puts(&b, "]}");
	}
	ks_buf_puts(&b, "]\n");
	fputs(b.ptr, stdout);
	ks_buf_release(&b);
}

int cmd_conflicts(int argc, char **argv, struct cli *cli)
{
	struct ks_diags d = KS_DIAGS_INIT;
	struct ks_conflict_set s = { 0 };
	char *rel = NULL;
	int json = 0, err;
	size_t i, j;
	const struct opt opts[] = {
		{ 0, "json", NULL, OPT_FLAG, &json, "print the conflicts as JSON" },
		OPT_END_MARK,
	};

	if ((err = parse_options(&argc, argv, &info, opts)))
		return err;
	if (argc > 1)
		return usage_error(&info, "give at most one record id");
	if ((err = open_survey(cli, &d)))
		return fail(&d, err);
	if (argc && (err = ks_resolve_record(&rel, cli->repo, argv[0], cli->cwd, &d)))
		return fail(&d, err);
	err = ks_conflicts_load(&s, cli->repo, rel, &d);
	ks_free(rel);
	if (err) {
		ks_conflict_set_release(&s);
		return fail(&d, err);
	}
	if (json) {
		print_json(&s);
	} else {
		for (i = 0; i < s.n; i++) {
			const struct ks_conflict_entry *e = &s.v[i];
			char *kind = NULL, *id = NULL;
			struct ks_buf v = KS_BUF_INIT;

			ks_record_path_parse(e->file, &kind, &id);
			printf("%s%s %s\n", i ? "\n" : "", id ? id : e->file,
			       *e->field ? e->field : "(the whole record)");
			if (e->base) {
				printf("  base: %s\n", e->base->kind == KS_NODE_SCALAR
				       ? e->base->u.scalar.str : "(a value with several fields)");
			} else {
				printf("  base: (none)\n");
			}
			for (j = 0; j < e->proposals->u.seq.n; j++) {
				const struct ks_node *p = e->proposals->u.seq.v[j];
				const char *dev = scalar(p, "device");

				ks_buf_reset(&v);
				value_text(&v, p);
				if (*scalar(p, "commit"))
					printf("  %zu) %s\n     by %s on %s, %s, commit %.10s\n",
					       j + 1, v.ptr, scalar(p, "author"),
					       *dev ? dev : "an unknown device",
					       scalar(p, "time"), scalar(p, "commit"));
				else
					printf("  %zu) %s\n     by %s on %s, %s, not committed yet\n",
					       j + 1, v.ptr, scalar(p, "author"),
					       *dev ? dev : "an unknown device",
					       scalar(p, "time"));
			}
			printf("  settle it: khaosat resolve %s %s --take N\n",
			       id ? id : e->file, *e->field ? e->field : "/");
			ks_buf_release(&v);
			ks_free(kind);
			ks_free(id);
		}
		if (!s.n)
			printf("No open conflicts.\n");
	}
	err = s.n ? EXIT_PROBLEMS : EXIT_OK;
	ks_conflict_set_release(&s);
	ks_diags_release(&d);
	return err;
}
