/*
 * What the pages of khaosat serve share (common.c): the frame of an
 * answer, finding a record by its id, the survey lock for a write.  Every
 * page's module uses these; none uses another page's module.
 */
#ifndef KS_WEB_COMMON_H
#define KS_WEB_COMMON_H

#include "pages.h"

struct ks_diags;
struct ks_kind;

/* A page finished: 200, HTML. */
int ks_web_done(struct ks_web_reply *r);
/* The "no such page" page, 404. */
int ks_web_not_found(const struct ks_web_req *q, struct ks_web_reply *r);
/* The errors of `d`, each with its file and line, as a list. */
void ks_web_diags(struct ks_buf *b, const struct ks_diags *d);
/* "<table>" and its row of column titles, NULL-terminated (escaped). */
void ks_web_table_head(struct ks_buf *b, const char *const *titles);
/* A kind of record as people name it. */
const char *ks_web_kind_title(const struct ks_kind *k);
/*
 * Where record `id` is in the work tree, or NULL (ks_free); *kind is
 * its kind.  `id` must have been checked with ks_id_parse().
 */
char *ks_web_record_path(struct ks_repo *repo, const char *id,
			 const struct ks_kind **kind);
/*
 * The start of a form that changes the survey: <form class=CLS
 * method=post action=ACTION> and the token the server checks (CSRF).
 */
void ks_web_form_begin(struct ks_buf *b, const struct ks_web_req *q,
		       const char *cls, const char *action);
/* Sends the browser on to `path` (303). */
int ks_web_redirect(struct ks_web_reply *r, const char *path);
/* ... to record `id`'s page, then `then` ("?saved=1", "/edit?kept=1"). */
int ks_web_to_record(struct ks_web_reply *r, const char *id, const char *then);
/* A paragraph with the link back to record `id`'s page. */
void ks_web_back_to_record(struct ks_buf *b, const char *id);

/*
 * The survey lock for one write, as every writing command takes it, with
 * a merge that was interrupted finished first.  KS_EIO when another
 * command holds it longer than q->lock_ms.
 */
struct ks_lock;
int ks_web_lock(struct ks_lock **l, const struct ks_web_req *q,
		struct ks_diags *d);
/* Lets go of a lock ks_web_lock() took (NULL: none). */
void ks_web_unlock(const struct ks_web_req *q, struct ks_lock *l);

#endif
