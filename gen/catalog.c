/* catalog.c: reads runtime/dsl.yaml (libyaml document API) into a catalog. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "catalog.h"

typedef struct reader {
  const char *path;
  yaml_document_t doc;
  char *err;
  size_t errlen;
  bool failed;
} reader;

static bool failf(reader *r, const yaml_node_t *node, const char *fmt, ...) {
  if (r->failed) return false;
  int n = snprintf(r->err, r->errlen, "%s:%zu:%zu: error: ", r->path, node ? node->start_mark.line + 1 : 1,
                   node ? node->start_mark.column + 1 : 1);
  va_list ap;
  va_start(ap, fmt);
  if (n >= 0 && (size_t)n < r->errlen) vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
  va_end(ap);
  r->failed = true;
  return false;
}

static yaml_node_t *node_at(reader *r, int id) { return yaml_document_get_node(&r->doc, id); }

static const char *scalar(const yaml_node_t *n) {
  return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static char *dup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* Value of key in mapping m, or NULL; duplicate keys are an error. */
static yaml_node_t *get(reader *r, yaml_node_t *m, const char *key) {
  yaml_node_t *found = NULL;
  for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
    const char *k = scalar(node_at(r, p->key));
    if (k && strcmp(k, key) == 0) {
      if (found) {
        failf(r, node_at(r, p->key), "duplicate key '%s'", key);
        return NULL;
      }
      found = node_at(r, p->value);
    }
  }
  return found;
}

static const char *need_scalar(reader *r, yaml_node_t *m, const char *key) {
  yaml_node_t *v = get(r, m, key);
  const char *s = scalar(v);
  if (!s) failf(r, v ? v : m, "'%s' must be given as a scalar", key);
  return s;
}

static int seq_len(const yaml_node_t *n) {
  return (int)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static yaml_node_t *seq_at(reader *r, yaml_node_t *n, int k) {
  return node_at(r, n->data.sequence.items.start[k]);
}

static bool is_seq(const yaml_node_t *n) { return n && n->type == YAML_SEQUENCE_NODE; }

static bool parse_int(const char *s, long long *out) {
  char *end;
  *out = strtoll(s, &end, 10);
  return *s && !*end;
}

static bool read_type(reader *r, yaml_node_t *m, cat_type *t) {
  const char *name = need_scalar(r, m, "name");
  if (!name) return false;
  t->name = dup(name);
  yaml_node_t *is = get(r, m, "is");
  if (is) t->is = dup(scalar(is) ? scalar(is) : "");
  yaml_node_t *u = get(r, m, "union");
  if (u) {
    if (!is_seq(u)) return failf(r, u, "'union' must be a list");
    t->n_unions = seq_len(u);
    t->unions = calloc((size_t)t->n_unions, sizeof *t->unions);
    for (int k = 0; k < t->n_unions; k++) {
      const char *s = scalar(seq_at(r, u, k));
      if (!s) return failf(r, seq_at(r, u, k), "a union member must be a type name");
      t->unions[k] = dup(s);
    }
  }
  return !r->failed;
}

const char *const cat_kernel_ops[] = {"counts", "label", "gather", "map", "cellwise", NULL};

static bool read_prim(reader *r, yaml_node_t *m, cat_prim *p) {
  const char *name = need_scalar(r, m, "name"), *result = need_scalar(r, m, "result");
  if (!name || !result) return false;
  p->name = dup(name);
  p->result = dup(result);
  p->line = (int)m->start_mark.line + 1;
  yaml_node_t *dflt = get(r, m, "default");
  if (dflt) {
    static const char *const names[] = {"", "frozenset", "tuple", "zero", "false", "fn"};
    const char *s = scalar(dflt);
    for (int k = 1; s && k < (int)(sizeof names / sizeof *names) && !p->dflt; k++)
      if (!strcmp(s, names[k])) p->dflt = (cat_default)k;
    if (!p->dflt) return failf(r, dflt, "'default' is frozenset, tuple, zero, false or fn");
  }
  yaml_node_t *opt = get(r, m, "optional");
  if (opt) {
    if (!is_seq(opt) || seq_len(opt) < 1 || seq_len(opt) > CAT_MAX_PARAMS)
      return failf(r, opt ? opt : m, "'optional' must be a list of primitive names");
    p->n_optional = seq_len(opt);
    for (int k = 0; k < p->n_optional; k++) {
      const char *s = scalar(seq_at(r, opt, k));
      if (!s) return failf(r, seq_at(r, opt, k), "an 'optional' entry must be a primitive name");
      p->optional[k] = dup(s);
    }
  }
  yaml_node_t *params = get(r, m, "params");
  if (!is_seq(params)) return failf(r, params ? params : m, "'params' must be a list");
  p->arity = seq_len(params);
  if (p->arity < 1 || p->arity > CAT_MAX_PARAMS)
    return failf(r, params, "'%s' has %d parameters (1 to %d allowed)", name, p->arity, CAT_MAX_PARAMS);
  for (int k = 0; k < p->arity; k++) {
    const char *s = scalar(seq_at(r, params, k));
    if (!s) return failf(r, seq_at(r, params, k), "a parameter must be a type name");
    p->params[k] = dup(s);
  }
  for (int k = 0; k < CAT_MAX_PARAMS; k++)
    p->calls[k] = CAT_NOT_CALLED;
  p->makes_arity = CAT_NOT_CALLED;
  yaml_node_t *calls = get(r, m, "calls");
  if (calls) {
    if (!is_seq(calls) || seq_len(calls) != p->arity)
      return failf(r, calls, "'calls' must be a list of one entry per parameter");
    for (int k = 0; k < p->arity; k++) {
      const char *s = scalar(seq_at(r, calls, k));
      if (s && !strcmp(s, "_")) continue;
      if (s && !strcmp(s, "bind"))
        p->calls[k] = CAT_CALLS_BIND;
      else if (s && s[0] >= '1' && s[0] <= '4' && !s[1])
        p->calls[k] = (signed char)(s[0] - '0');
      else
        return failf(r, seq_at(r, calls, k), "a 'calls' entry is _, bind or 1 to 4");
      if (strcmp(p->params[k], "Callable") != 0)
        return failf(r, seq_at(r, calls, k), "'calls' names parameter %d, which is not Callable", k + 1);
    }
  }
  yaml_node_t *makes = get(r, m, "makes");
  if (makes) {
    const char *a = need_scalar(r, makes, "arity"), *res = need_scalar(r, makes, "result");
    if (!a || !res) return false;
    if (!strcmp(a, "bind"))
      p->makes_arity = CAT_MAKES_BIND;
    else if (!strcmp(a, "same"))
      p->makes_arity = CAT_MAKES_SAME;
    else if (a[0] >= '1' && a[0] <= '4' && !a[1])
      p->makes_arity = (signed char)(a[0] - '0');
    else
      return failf(r, makes, "'makes' arity is 1 to 4, bind or same");
    if (strcmp(res, "first") != 0) p->makes_result = dup(res);
  }
  yaml_node_t *props = get(r, m, "props");
  if (props) {
    if (!is_seq(props)) return failf(r, props, "'props' must be a list");
    for (int k = 0; k < seq_len(props); k++) {
      const char *s = scalar(seq_at(r, props, k));
      if (s && strcmp(s, "arcdsl") == 0)
        p->props |= CAT_ARCDSL;
      else if (s && strcmp(s, "calls_fn") == 0)
        p->props |= CAT_CALLS_FN;
      else if (s && strcmp(s, "makes_fn") == 0)
        p->props |= CAT_MAKES_FN;
      else if (s && strcmp(s, "internal") == 0)
        p->props |= CAT_INTERNAL;
      else
        return failf(r, seq_at(r, props, k), "unknown property '%s'", s ? s : "?");
    }
  }
  yaml_node_t *kernel = get(r, m, "kernel");
  if (kernel) {
    const char *op = scalar(kernel);
    for (int k = 0; op && cat_kernel_ops[k] && !p->kernel; k++)
      if (!strcmp(op, cat_kernel_ops[k])) p->kernel = k + 1;
    if (!p->kernel) return failf(r, kernel, "'kernel' is counts, label, gather, map or cellwise");
  }
  if (p->n_optional > p->arity)
    return failf(r, opt, "'%s' has more optional parameters than parameters", name);
  if (!(p->props & CAT_MAKES_FN) != (p->makes_arity == CAT_NOT_CALLED))
    return failf(r, m, "'%s': 'makes' and the makes_fn property go together", name);
  return !r->failed;
}

static bool read_const(reader *r, yaml_node_t *m, cat_const *c) {
  const char *name = need_scalar(r, m, "name"), *type = need_scalar(r, m, "type");
  if (!name || !type) return false;
  c->name = dup(name);
  c->type = dup(type);
  c->line = (int)m->start_mark.line + 1;
  yaml_node_t *v = get(r, m, "value");
  const char *s = scalar(v);
  if (s && (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)) {
    c->kind = CAT_CONST_BOOL;
    c->value[0] = s[0] == 't';
  } else if (s && parse_int(s, &c->value[0])) {
    c->kind = CAT_CONST_INT;
  } else if (is_seq(v) && seq_len(v) == 2 && scalar(seq_at(r, v, 0)) && scalar(seq_at(r, v, 1)) &&
             parse_int(scalar(seq_at(r, v, 0)), &c->value[0]) &&
             parse_int(scalar(seq_at(r, v, 1)), &c->value[1])) {
    c->kind = CAT_CONST_PAIR;
  } else {
    return failf(r, v ? v : m, "constant '%s' needs a bool, an int or a pair of ints", name);
  }
  return true;
}

/* Reads the list under key, calling each(reader, item mapping, element) per item. */
#define READ_LIST(key, arr, count, each)                                                                     \
  do {                                                                                                       \
    yaml_node_t *list = get(&r, root, key);                                                                  \
    if (!is_seq(list)) {                                                                                     \
      failf(&r, list ? list : root, "'%s' must be a list", key);                                             \
      goto out;                                                                                              \
    }                                                                                                        \
    cat->count = seq_len(list);                                                                              \
    cat->arr = calloc((size_t)cat->count + 1, sizeof *cat->arr);                                             \
    for (int k = 0; k < cat->count; k++) {                                                                   \
      yaml_node_t *item = seq_at(&r, list, k);                                                               \
      if (!item || item->type != YAML_MAPPING_NODE) {                                                        \
        failf(&r, item, "each entry of '%s' must be a mapping", key);                                        \
        goto out;                                                                                            \
      }                                                                                                      \
      if (!each(&r, item, &cat->arr[k])) goto out;                                                           \
    }                                                                                                        \
  } while (0)

static bool check_unique(reader *r, const catalog *cat) {
  for (int a = 0; a < cat->n_prims; a++)
    for (int b = a + 1; b < cat->n_prims; b++)
      if (strcmp(cat->prims[a].name, cat->prims[b].name) == 0) {
        snprintf(r->err, r->errlen, "%s:%d:1: error: primitive '%s' is listed twice (first at line %d)",
                 r->path, cat->prims[b].line, cat->prims[b].name, cat->prims[a].line);
        return false;
      }
  for (int a = 0; a < cat->n_consts; a++)
    for (int b = a + 1; b < cat->n_consts; b++)
      if (strcmp(cat->consts[a].name, cat->consts[b].name) == 0) {
        snprintf(r->err, r->errlen, "%s:%d:1: error: constant '%s' is listed twice", r->path,
                 cat->consts[b].line, cat->consts[b].name);
        return false;
      }
  return true;
}

static bool check_types(reader *r, const catalog *cat) {
  for (int a = 0; a < cat->n_prims; a++) {
    const cat_prim *p = &cat->prims[a];
    if (cat->defaults && !p->dflt) {
      snprintf(r->err, r->errlen, "%s:%d:1: error: '%s' needs a 'default' (the dialect %s defaults)", r->path,
               p->line, p->name, cat->dialect);
      return false;
    }
    for (int k = 1; k < p->n_optional; k++)
      if (strcmp(p->optional[k], p->optional[0]) != 0) {
        snprintf(r->err, r->errlen, "%s:%d:1: error: '%s': the optional parameters take one primitive",
                 r->path, p->line, p->name);
        return false;
      }
    for (int k = 0; k < p->n_optional; k++) {
      const cat_prim *o = NULL;
      for (int b = 0; b < cat->n_prims && !o; b++)
        if (!strcmp(cat->prims[b].name, p->optional[k])) o = &cat->prims[b];
      if (!o) {
        snprintf(r->err, r->errlen, "%s:%d:1: error: '%s': optional value '%s' is not a primitive", r->path,
                 p->line, p->name, p->optional[k]);
        return false;
      }
    }
    for (int k = 0; k <= p->arity + 1; k++) {
      const char *t = k < p->arity ? p->params[k] : k == p->arity ? p->result : p->makes_result;
      if (!t) continue;
      if (!catalog_type(cat, t)) {
        snprintf(r->err, r->errlen, "%s:%d:1: error: '%s' uses unknown type '%s'", r->path, p->line, p->name,
                 t);
        return false;
      }
    }
  }
  return true;
}

bool catalog_load(const char *path, catalog *cat, char *err, size_t errlen) {
  memset(cat, 0, sizeof *cat);
  reader r = {.path = path, .err = err, .errlen = errlen};
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "%s: error: cannot open catalogue", path);
    return false;
  }
  yaml_parser_t parser;
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_file(&parser, f);
  bool ok = false, loaded = yaml_parser_load(&parser, &r.doc);
  if (!loaded) {
    snprintf(err, errlen, "%s:%zu:%zu: error: %s", path, parser.problem_mark.line + 1,
             parser.problem_mark.column + 1, parser.problem ? parser.problem : "malformed YAML");
    yaml_parser_delete(&parser);
    fclose(f);
    return false;
  }
  yaml_node_t *root = yaml_document_get_root_node(&r.doc);
  if (!root || root->type != YAML_MAPPING_NODE) {
    failf(&r, root, "the catalogue must be a mapping with types, primitives and constants");
    goto out;
  }
  yaml_node_t *d = get(&r, root, "dialect"), *pre = get(&r, root, "prefix"), *dd = get(&r, root, "defaults");
  cat->dialect = dup(scalar(d) ? scalar(d) : "arc-dsl");
  cat->prefix = dup(scalar(pre) ? scalar(pre) : "");
  cat->defaults = scalar(dd) && !strcmp(scalar(dd), "true");
  READ_LIST("types", types, n_types, read_type);
  READ_LIST("primitives", prims, n_prims, read_prim);
  READ_LIST("constants", consts, n_consts, read_const);
  for (int k = 0; k < cat->n_prims; k++) {
    cat_prim *p = &cat->prims[k];
    size_t n = strlen(cat->prefix) + strlen(p->name) + 1;
    if ((p->cname = malloc(n))) snprintf(p->cname, n, "%s%s", cat->prefix, p->name);
  }
  ok = check_unique(&r, cat) && check_types(&r, cat);
out:
  yaml_document_delete(&r.doc);
  yaml_parser_delete(&parser);
  fclose(f);
  if (!ok) catalog_free(cat);
  return ok;
}

void catalog_free(catalog *cat) {
  for (int k = 0; k < cat->n_types; k++) {
    free(cat->types[k].name);
    free(cat->types[k].is);
    for (int u = 0; u < cat->types[k].n_unions; u++)
      free(cat->types[k].unions[u]);
    free(cat->types[k].unions);
  }
  for (int k = 0; k < cat->n_prims; k++) {
    cat_prim *p = &cat->prims[k];
    free(p->name);
    free(p->cname);
    free(p->result);
    for (int a = 0; a < p->n_optional; a++)
      free(p->optional[a]);
    free(p->makes_result);
    for (int a = 0; a < p->arity; a++)
      free(p->params[a]);
  }
  for (int k = 0; k < cat->n_consts; k++) {
    free(cat->consts[k].name);
    free(cat->consts[k].type);
  }
  free(cat->dialect);
  free(cat->prefix);
  free(cat->types);
  free(cat->prims);
  free(cat->consts);
  memset(cat, 0, sizeof *cat);
}

const cat_prim *catalog_prim(const catalog *cat, const char *name) {
  for (int k = 0; k < cat->n_prims; k++)
    if (strcmp(cat->prims[k].name, name) == 0 && !(cat->prims[k].props & CAT_INTERNAL)) return &cat->prims[k];
  return NULL;
}

const cat_const *catalog_const(const catalog *cat, const char *name) {
  for (int k = 0; k < cat->n_consts; k++)
    if (strcmp(cat->consts[k].name, name) == 0) return &cat->consts[k];
  return NULL;
}

const cat_type *catalog_type(const catalog *cat, const char *name) {
  for (int k = 0; k < cat->n_types; k++)
    if (strcmp(cat->types[k].name, name) == 0) return &cat->types[k];
  return NULL;
}
