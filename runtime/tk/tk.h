/* tk.h: what the tokpidjin dialect's primitives (runtime/tk/) share. Their semantics are
 * docs/tokpidjin.md's: cells are (i, j, c); a primitive that fails returns an error value,
 * which its generated wrapper turns into the typed default (bt_settle_default); calls a
 * primitive makes of another go through that one's wrapper (tk_call), as tokpidjin's calls
 * go through its safe-wrapped functions. */
#ifndef BATT_TK_H
#define BATT_TK_H

#include <math.h>

#include "batt.h"
#include "bt_prims.h"

/* Primitive p of the dialect called as tokpidjin's own functions call it: through its
 * wrapper, so that a failure inside is that primitive's typed default. */
static inline bt_value tk_call(bt_ctx *cx, int p, const bt_value *args) { return bt_prims[p].fn(cx, args); }
static inline bt_value tk_call1(bt_ctx *cx, int p, bt_value x) { return bt_prims[p].fn(cx, &x); }
static inline bt_value tk_call2(bt_ctx *cx, int p, bt_value x, bt_value y) {
  bt_value a[2] = {x, y};
  return bt_prims[p].fn(cx, a);
}

/* True when v is a tuple of exactly n elements. */
static inline bool tk_is_tuple_n(bt_value v, uint32_t n) { return v.kind == BT_TUPLE && v.n == n; }

/* tokpidjin's sentinels. */
static inline bt_value tk_nan(void) { return bt_float(NAN); }
static inline bt_value tk_inf(void) { return bt_float(INFINITY); }
static inline bt_value tk_ninf(void) { return bt_float(-INFINITY); }

static inline bt_value tk_empty_tuple(void) { return bt_tuple(NULL, 0); }
static inline bt_value tk_empty_set(void) {
  bt_value v = {BT_SET, 0, 0, 0, {0}};
  return v;
}

#endif
