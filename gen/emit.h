/* emit.h: the emit stage of card (emit.c). */
#ifndef BATT_EMIT_H
#define BATT_EMIT_H

#include "card.h"

/* Appends the C program for m to out, filling the template text tmpl (see
 * templates/batt.c.tmpl: @@SECTION@@ lines and @SCALAR@ placeholders). sources names
 * the inputs in the header comment. False with a message in err on a bad template. */
bool emit_program(const card_merged *m, const char *tmpl, const char *sources, strbuf *out, char *err,
                  size_t errlen);

#endif
