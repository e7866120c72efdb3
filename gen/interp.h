/* interp.h: a merged program run directly, without compiling the emitted C: the same
 * runtime calls bt_exec_call / bt_exec_callvar, driven by a table. */
#ifndef BATT_INTERP_H
#define BATT_INTERP_H

#include "card.h"
#include "program.h"

/* ---- the one lowering: card's merged lines and fused groups as the runtime's data ----
 * emit prints what these build; interp_program runs it. */

/* One merged line as a runtime call: a primitive (prim >= 0) or the function value fn. */
typedef struct lowered_line {
  int prim;
  bt_operand fn;
  int nargs;
  bt_operand args[CAT_MAX_PARAMS];
} lowered_line;

/* false when the line names a primitive the runtime does not have. */
bool lower_line(const card_line *cl, lowered_line *out);
/* A fused group as a bt_fused whose arrays are allocated (free with lowered_fused_free);
 * false when memory or a primitive is missing. */
bool lower_group(const card_group *cg, bt_fused *out);
void lowered_fused_free(bt_fused *f);

/* A program equivalent to what emit writes for m; NULL when a primitive of m is not in
 * the runtime. Free with interp_free. */
bt_program *interp_program(const card_merged *m);
void interp_free(bt_program *p);

#endif
