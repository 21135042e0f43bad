/*
 * The server's reading index (rindex.h), kept up to the work tree by
 * watching the records' folders (inotify): a page reads again only the
 * records that changed since the last page, whoever changed them (a form
 * of this server, a command, a sync, an editor).  Where the folders
 * cannot be watched, each page compares every record file's stat data.
 */
#ifndef KS_WEB_WATCH_H
#define KS_WEB_WATCH_H

struct ks_diags;
struct ks_repo;
struct ks_rindex;
struct ks_web_index;

/* Opens the index, starts watching, and brings it up to the work tree. */
int ks_web_index_open(struct ks_web_index **out, struct ks_repo *r,
		      struct ks_diags *d);
void ks_web_index_close(struct ks_web_index *w);

/* The index with every change seen so far read; NULL on failure. */
struct ks_rindex *ks_web_index_fresh(struct ks_web_index *w,
				     struct ks_diags *d);

#endif
