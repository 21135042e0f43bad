/*
 * A new survey in a temporary folder, for the unit tests that need one:
 * cmocka set-up and tear-down functions around a struct ks_survey_fixture.
 */
#ifndef KS_UNIT_SURVEY_H
#define KS_UNIT_SURVEY_H

#include "buf.h"
#include "diag.h"
#include "file.h"
#include "init.h"
#include "repo.h"

#include <stdlib.h>
#include <unistd.h>

struct fixture {
	struct ks_buf dir;
	struct ks_repo *r;
};

static int setup(void **state)
{
	struct ks_init_opts opts = { "Unit", { "md01", "Tester", "t@example.com" } };
	struct ks_diags d = KS_DIAGS_INIT;
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct ks_buf survey = KS_BUF_INIT;

	if (!fx)
		return -1;
	ks_buf_init(&fx->dir);
	ks_buf_puts(&fx->dir, "/tmp/ks-unit-XXXXXX");
	if (!mkdtemp(fx->dir.ptr))
		return -1;
	ks_buf_addf(&survey, "%s/s", fx->dir.ptr);
	if (ks_repo_init(&fx->r, survey.ptr, &opts, &d))
		return -1;
	ks_buf_release(&survey);
	ks_diags_release(&d);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	ks_repo_free(fx->r);
	ks_remove_tree(fx->dir.ptr);
	ks_buf_release(&fx->dir);
	free(fx);
	return 0;
}

#endif
