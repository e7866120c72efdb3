/* value_json.c: the JSON value encoding, both ways. */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "value_json.h"

int bt_json_dialect;

/* The text of a float as the encoding writes it: nan, inf, -inf or Python's repr. */
static void float_text(double d, char *buf, size_t n) {
  if (d != d)
    snprintf(buf, n, "nan");
  else if (isinf(d))
    snprintf(buf, n, d > 0 ? "inf" : "-inf");
  else {
    snprintf(buf, n, "%.17g", d);
    if (!strpbrk(buf, ".e")) snprintf(buf + strlen(buf), n - strlen(buf), ".0");
  }
}

static bt_value fail(char *err, size_t errlen, const char *msg, const json_t *j) {
  char *dump = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
  snprintf(err, errlen, "%s: %.80s", msg, dump ? dump : "?");
  free(dump);
  return bt_err(BT_E_VALUE);
}

static bt_value decode_array(bt_ctx *cx, const json_t *arr, bt_value **out, char *err, size_t errlen) {
  size_t n = json_array_size(arr);
  bt_value *it = n ? bt_items(cx, n) : NULL;
  if (n && !it) return bt_err(BT_E_LIMIT);
  for (size_t k = 0; k < n; k++) {
    it[k] = bt_from_json(cx, json_array_get(arr, k), err, errlen);
    if (bt_is_err(it[k])) return it[k];
  }
  *out = it;
  const bt_value *in = n == 2 ? bt_intern_of(it[0], it[1]) : NULL;
  return bt_tuple(in ? in : it, (uint32_t)n);
}

/* Rows of plain JSON integers. */
static bt_value decode_grid(bt_ctx *cx, const json_t *rows, char *err, size_t errlen) {
  size_t h = json_array_size(rows);
  bt_value *it = h ? bt_items(cx, h) : NULL;
  if (h && !it) return bt_err(BT_E_LIMIT);
  for (size_t i = 0; i < h; i++) {
    const json_t *row = json_array_get(rows, i);
    size_t w = json_array_size(row);
    if (!json_is_array(row)) return fail(err, errlen, "grid row is not a list", row);
    bt_value *cells = w ? bt_items(cx, w) : NULL;
    if (w && !cells) return bt_err(BT_E_LIMIT);
    for (size_t k = 0; k < w; k++) {
      const json_t *c = json_array_get(row, k);
      if (!json_is_integer(c)) return fail(err, errlen, "grid cell is not an integer", c);
      cells[k] = bt_int(json_integer_value(c));
    }
    it[i] = bt_tuple(cells, (uint32_t)w);
  }
  return bt_tuple(it, (uint32_t)h);
}

static bt_value decode_fn(bt_ctx *cx, const json_t *j, char *err, size_t errlen) {
  const char *name = json_string_value(json_object_get(j, "fn"));
  int id = name ? bt_prim_lookup_dsl(bt_json_dialect, name) : -1;
  if (id < 0) return fail(err, errlen, "unknown function", j);
  const json_t *args = json_object_get(j, "args");
  if (!args) return bt_prim_value(id);
  if (!json_is_array(args) || (int)json_array_size(args) != bt_prims[id].arity)
    return fail(err, errlen, "bad closure arguments", j);
  bt_value *it = NULL;
  bt_value t = decode_array(cx, args, &it, err, errlen);
  if (bt_is_err(t)) return t;
  bt_value r = bt_call_prim(cx, id, it);
  if (bt_is_err(r) || r.kind != BT_FN) return fail(err, errlen, "closure constructor failed", j);
  return r;
}

bt_value bt_from_json(bt_ctx *cx, const json_t *j, char *err, size_t errlen) {
  if (json_is_boolean(j)) return bt_bool(json_is_true(j));
  if (json_is_integer(j)) return bt_int(json_integer_value(j));
  if (!json_is_object(j) || json_object_size(j) == 0) return fail(err, errlen, "not a value", j);
  const json_t *x;
  bt_value *it = NULL;
  if ((x = json_object_get(j, "tuple")) && json_is_array(x)) return decode_array(cx, x, &it, err, errlen);
  if ((x = json_object_get(j, "grid")) && json_is_array(x)) return decode_grid(cx, x, err, errlen);
  if ((x = json_object_get(j, "set")) && json_is_array(x)) {
    bt_value t = decode_array(cx, x, &it, err, errlen);
    return bt_is_err(t) ? t : bt_set_build(cx, it, t.n);
  }
  if (json_object_get(j, "none")) return bt_none();
  if ((x = json_object_get(j, "float")) && json_is_string(x)) {
    const char *f = json_string_value(x);
    char *end;
    double d = !strcmp(f, "nan")    ? NAN
               : !strcmp(f, "inf")  ? INFINITY
               : !strcmp(f, "-inf") ? -INFINITY
                                    : strtod(f, &end);
    return bt_float(d);
  }
  if (json_object_get(j, "fn")) return decode_fn(cx, j, err, errlen);
  return fail(err, errlen, "unknown value form", j);
}

bool bt_is_grid_form(bt_value v) {
  if (v.kind != BT_TUPLE || v.n == 0) return false;
  uint32_t w = v.u.items[0].n;
  for (uint32_t i = 0; i < v.n; i++) {
    bt_value r = v.u.items[i];
    if (r.kind != BT_TUPLE || r.n != w || w == 0) return false;
    for (uint32_t k = 0; k < w; k++)
      if (r.u.items[k].kind != BT_INT) return false;
  }
  return true;
}

static json_t *encode_seq(const bt_value *items, uint32_t n) {
  json_t *arr = json_array();
  for (uint32_t k = 0; k < n; k++)
    json_array_append_new(arr, bt_to_json(items[k]));
  return arr;
}

json_t *bt_to_json(bt_value v) {
  switch (v.kind) {
  case BT_NONE: return json_pack("{s:b}", "none", 1);
  case BT_BOOL: return json_boolean(v.u.i);
  case BT_INT: return json_integer(v.u.i);
  case BT_FLOAT: {
    char buf[40];
    float_text(v.u.f, buf, sizeof buf);
    return json_pack("{s:s}", "float", buf);
  }
  case BT_TUPLE:
    if (bt_is_grid_form(v)) {
      json_t *rows = json_array();
      for (uint32_t i = 0; i < v.n; i++) {
        bt_value r = v.u.items[i];
        json_t *row = json_array();
        for (uint32_t k = 0; k < r.n; k++)
          json_array_append_new(row, json_integer(r.u.items[k].u.i));
        json_array_append_new(rows, row);
      }
      return json_pack("{s:o}", "grid", rows);
    }
    return json_pack("{s:o}", "tuple", encode_seq(v.u.items, v.n));
  case BT_SET: return json_pack("{s:o}", "set", encode_seq(v.u.items, v.n));
  case BT_FN: {
    int id = v.u.clo ? v.u.clo->ctor : v.prim;
    json_t *o = json_pack("{s:s}", "fn", bt_prims[id].dsl);
    if (v.u.clo) json_object_set_new(o, "args", encode_seq(v.u.clo->args, v.u.clo->nargs));
    return o;
  }
  default: return json_pack("{s:s}", "error", bt_errc_name((bt_errc)v.errc));
  }
}

/* ---- the same encoding as text, without building JSON objects ---------------------------- */

typedef struct text_buf {
  char *s;
  size_t n, cap;
  bool failed;
} text_buf;

static void put(text_buf *b, const char *s, size_t n) {
  if (b->failed) return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + n + 1)
      cap *= 2;
    char *ns = realloc(b->s, cap);
    if (!ns) {
      b->failed = true;
      return;
    }
    b->s = ns;
    b->cap = cap;
  }
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = 0;
}

static void put_str(text_buf *b, const char *s) { put(b, s, strlen(s)); }

static void put_int(text_buf *b, int64_t i) {
  char num[24];
  int n = snprintf(num, sizeof num, "%lld", (long long)i);
  put(b, num, (size_t)n);
}

static void put_value(text_buf *b, bt_value v);

static void put_seq(text_buf *b, const bt_value *items, uint32_t n) {
  put(b, "[", 1);
  for (uint32_t k = 0; k < n; k++) {
    if (k) put(b, ",", 1);
    put_value(b, items[k]);
  }
  put(b, "]", 1);
}

static void put_value(text_buf *b, bt_value v) {
  switch (v.kind) {
  case BT_NONE: put_str(b, "{\"none\":true}"); return;
  case BT_BOOL: put_str(b, v.u.i ? "true" : "false"); return;
  case BT_INT: put_int(b, v.u.i); return;
  case BT_FLOAT: {
    char buf[40];
    float_text(v.u.f, buf, sizeof buf);
    put_str(b, "{\"float\":\"");
    put_str(b, buf);
    put_str(b, "\"}");
    return;
  }
  case BT_TUPLE:
    if (bt_is_grid_form(v)) {
      put_str(b, "{\"grid\":[");
      for (uint32_t i = 0; i < v.n; i++) {
        bt_value r = v.u.items[i];
        put(b, i ? ",[" : "[", i ? 2 : 1);
        for (uint32_t k = 0; k < r.n; k++) {
          if (k) put(b, ",", 1);
          put_int(b, r.u.items[k].u.i);
        }
        put(b, "]", 1);
      }
      put_str(b, "]}");
      return;
    }
    put_str(b, "{\"tuple\":");
    put_seq(b, v.u.items, v.n);
    put(b, "}", 1);
    return;
  case BT_SET:
    put_str(b, "{\"set\":");
    put_seq(b, v.u.items, v.n);
    put(b, "}", 1);
    return;
  case BT_FN:
    put_str(b, "{\"fn\":\"");
    put_str(b, bt_prims[v.u.clo ? v.u.clo->ctor : v.prim].dsl);
    put(b, "\"", 1);
    if (v.u.clo) {
      put_str(b, ",\"args\":");
      put_seq(b, v.u.clo->args, v.u.clo->nargs);
    }
    put(b, "}", 1);
    return;
  default:
    put_str(b, "{\"error\":\"");
    put_str(b, bt_errc_name((bt_errc)v.errc));
    put_str(b, "\"}");
  }
}

char *bt_json_text(bt_value v) {
  text_buf b = {0};
  put_value(&b, v);
  if (b.failed) {
    free(b.s);
    return NULL;
  }
  char *fit = realloc(b.s, b.n + 1); /* kept until the run is written: no spare capacity */
  return fit ? fit : b.s;
}
