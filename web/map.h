/*
 * A record's position picked on a map drawn from the survey itself
 * (map.c): no internet, no JavaScript.
 */
#ifndef KS_WEB_MAP_H
#define KS_WEB_MAP_H

#include "pages.h"

struct ks_kind;

/* 1 when records of `kind` have a position to pick (its schema has one). */
int ks_web_map_offered(struct ks_repo *repo, const struct ks_kind *kind);

/*
 * /records/ID/map (the page; POST: the position chosen, saved and
 * committed) and, with `svg`, /records/ID/map.svg (the picture).
 */
int ks_web_map(const struct ks_web_req *q, struct ks_web_reply *r,
	       const char *id, int svg);

#endif
