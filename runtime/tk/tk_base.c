/* tk_base.c: the tokpidjin dialect's function values: identity, the closure constructors
 * (the same closures as arc-dsl's, whose calls reach the dialect's defaulting primitives) and
 * the default function a Callable annotation defaults to (docs/tokpidjin.md). */
#include "batt.h"
#include "bt_prims.h"

BT_PRIM(tk_identity) {
  (void)cx;
  return a[0];
}

/* safe_dsl's default of a Callable: any arguments, returns () (calls of another arity reach
 * the wrapper's TypeError default, which is () too). */
BT_PRIM(tk_default) {
  (void)cx;
  (void)a;
  return bt_tuple(NULL, 0);
}

BT_PRIM(tk_compose) { return bt_p_compose(cx, a); }
BT_PRIM(tk_chain) { return bt_p_chain(cx, a); }
BT_PRIM(tk_fork) { return bt_p_fork(cx, a); }
BT_PRIM(tk_matcher) { return bt_p_matcher(cx, a); }
BT_PRIM(tk_rbind) { return bt_p_rbind(cx, a); }
BT_PRIM(tk_lbind) { return bt_p_lbind(cx, a); }
/* n < 1 recurses until Python's limit: the innermost call defaults to the default function,
 * which is what comes back (the vectors' convention for the composition about a thousand
 * levels deep that tokpidjin returns), the outermost call itself not defaulted */
BT_PRIM(tk_power) {
  if (bt_is_int(a[1]) && a[1].u.i < 1) return bt_prim_value(bt_default_fn);
  return bt_p_power(cx, a);
}
