/*
 * What a person types for a field, read the way Vietnamese write it, as
 * the field's schema asks: the form's answers and `new --set` go through
 * here, so both take the same text.
 *
 *   whole numbers   2000000, 2.000.000 (dots between thousands); never
 *                   an exponent (2e9) or decimals
 *   numbers         the same, with a comma before the decimals: 350,5 or
 *                   2.000.000,75; 350.5 too, where it cannot be thousands.
 *                   "1.234" could be either: refused, saying both readings
 *   dates           31/12/2024 (day/month/year) or 2024-12-31
 *   yes or no       c, có, y, yes, true / k, không, n, no, false
 *   phone numbers   spaces, dots, dashes, brackets and +84 dropped
 *
 * What is kept is the canonical text, as if the person had typed it:
 * 2000000, 350.5, 2024-12-31, true, 0912345678.  Text for any other field,
 * or for a field that takes text as well, is kept as typed.
 */
#ifndef KS_INPUT_H
#define KS_INPUT_H

struct ks_diags;
struct ks_doc;
struct ks_node;
struct ks_snode;

/*
 * Reads `text` typed for a field whose schema is `s` into *out, a new
 * node of `doc`.  0; KS_EINVALID with the reason in `d` (a message with no
 * location that shows how the text was read); or -1 out of memory or
 * text that is not UTF-8 (then with a message too).
 */
int ks_input_read(struct ks_node **out, struct ks_doc *doc,
		  const struct ks_snode *s, const char *text,
		  struct ks_diags *d);

#endif
