/* interp.h: a merged program run directly, without compiling the emitted C: the same
 * runtime calls bt_exec_call / bt_exec_callvar, driven by a table. */
#ifndef BATT_INTERP_H
#define BATT_INTERP_H

#include "card.h"
#include "program.h"

/* A program equivalent to what emit writes for m; NULL when a primitive of m is not in
 * the runtime. Free with interp_free. */
bt_program *interp_program(const card_merged *m);
void interp_free(bt_program *p);

#endif
