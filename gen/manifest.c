/* manifest.c: reads a solver library's build manifest (YAML, libyaml's document API).
 *
 *   sources: [training.py, evaluation.py]   # solver files, relative to the manifest
 *   include: [solve_0d3d703e]               # optional: only these solvers
 *   exclude: [solve_bad]                    # optional: leave these out
 *   output: batt.c                          # the emitted program
 *   header: batt_program.h                  # the emitted header
 *   options: {fuse: true}                   # optional
 *   dialect: tokpidjin                      # optional: the solvers' dialect (default arc-dsl)
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "manifest.h"

typedef struct mreader {
  const char *path;
  yaml_document_t doc;
  char *err;
  size_t errlen;
  char *dir; /* the manifest's directory, with a trailing '/', or "" */
} mreader;

static bool fail(mreader *r, const yaml_node_t *n, const char *fmt, ...) {
  int k = snprintf(r->err, r->errlen, "%s:%zu:%zu: error: ", r->path, n ? n->start_mark.line + 1 : 1,
                   n ? n->start_mark.column + 1 : 1);
  va_list ap;
  va_start(ap, fmt);
  if (k >= 0 && (size_t)k < r->errlen) vsnprintf(r->err + k, r->errlen - (size_t)k, fmt, ap);
  va_end(ap);
  return false;
}

static const char *scalar(const yaml_node_t *n) {
  return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static char *resolve(const mreader *r, const char *name) {
  size_t n = strlen(r->dir) + strlen(name) + 1;
  char *s = malloc(n);
  if (name[0] == '/')
    snprintf(s, n, "%s", name);
  else
    snprintf(s, n, "%s%s", r->dir, name);
  return s;
}

/* A list of names under a key; resolve: paths relative to the manifest. */
static bool read_list(mreader *r, yaml_node_t *v, const char *key, bool resolve_paths, char ***out, int *n) {
  if (!v || v->type != YAML_SEQUENCE_NODE) return fail(r, v, "'%s' must be a list", key);
  int count = (int)(v->data.sequence.items.top - v->data.sequence.items.start);
  *out = calloc((size_t)count + 1, sizeof **out);
  for (int k = 0; k < count; k++) {
    yaml_node_t *item = yaml_document_get_node(&r->doc, v->data.sequence.items.start[k]);
    const char *s = scalar(item);
    if (!s || !*s) return fail(r, item, "each entry of '%s' must be a name", key);
    (*out)[k] = resolve_paths ? resolve(r, s) : strdup(s);
    *n = k + 1;
  }
  return true;
}

static bool read_options(mreader *r, yaml_node_t *v, card_manifest *m) {
  if (v->type != YAML_MAPPING_NODE) return fail(r, v, "'options' must be a mapping");
  for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(&r->doc, p->key),
                *val = yaml_document_get_node(&r->doc, p->value);
    const char *key = scalar(k), *s = scalar(val);
    if (key && strcmp(key, "fuse") == 0 && s && (strcmp(s, "true") == 0 || strcmp(s, "false") == 0))
      m->fuse = s[0] == 't';
    else if (key && strcmp(key, "fuse") == 0)
      return fail(r, val, "'fuse' must be true or false");
    else
      return fail(r, k, "unknown option '%s' (known: fuse)", key ? key : "?");
  }
  return true;
}

static bool read_root(mreader *r, yaml_node_t *root, card_manifest *m) {
  if (!root || root->type != YAML_MAPPING_NODE)
    return fail(r, root, "the manifest must be a mapping with 'sources' and 'output'");
  bool seen[7] = {false};
  static const char *const keys[7] = {"sources", "include", "exclude", "output",
                                      "header",  "options", "dialect"};
  for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
    yaml_node_t *k = yaml_document_get_node(&r->doc, p->key), *v = yaml_document_get_node(&r->doc, p->value);
    const char *key = scalar(k);
    int which = -1;
    for (int i = 0; key && i < 7; i++)
      if (strcmp(key, keys[i]) == 0) which = i;
    if (which < 0)
      return fail(r, k,
                  "unknown key '%s' (known: sources, include, exclude, output, header, options, dialect)",
                  key ? key : "?");
    if (seen[which]) return fail(r, k, "duplicate key '%s'", key);
    seen[which] = true;
    bool ok = true;
    switch (which) {
    case 0: ok = read_list(r, v, key, true, &m->sources, &m->n_sources); break;
    case 1: ok = read_list(r, v, key, false, &m->include, &m->n_include); break;
    case 2: ok = read_list(r, v, key, false, &m->exclude, &m->n_exclude); break;
    case 3:
    case 4:
      if (!scalar(v) || !*scalar(v)) return fail(r, v, "'%s' must be a file name", key);
      *(which == 3 ? &m->output : &m->header) = resolve(r, scalar(v));
      break;
    case 5: ok = read_options(r, v, m); break;
    case 6:
      if (!scalar(v) || !*scalar(v)) return fail(r, v, "'dialect' must be a dialect's name");
      m->dialect = strdup(scalar(v));
      m->dialect_line = (int)v->start_mark.line + 1;
      m->dialect_col = (int)v->start_mark.column + 1;
      break;
    }
    if (!ok) return false;
  }
  if (!seen[0] || m->n_sources == 0) return fail(r, root, "the manifest names no 'sources'");
  if (!seen[3]) return fail(r, root, "the manifest names no 'output'");
  return true;
}

bool manifest_load(const char *path, card_manifest *m, char *err, size_t errlen) {
  memset(m, 0, sizeof *m);
  m->fuse = true;
  mreader r = {.path = path, .err = err, .errlen = errlen};
  const char *slash = strrchr(path, '/');
  r.dir = slash ? strndup(path, (size_t)(slash - path + 1)) : strdup("");
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "%s: error: cannot open the manifest", path);
    free(r.dir);
    return false;
  }
  yaml_parser_t parser;
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_file(&parser, f);
  bool ok = false;
  if (!yaml_parser_load(&parser, &r.doc)) {
    snprintf(err, errlen, "%s:%zu:%zu: error: %s", path, parser.problem_mark.line + 1,
             parser.problem_mark.column + 1, parser.problem ? parser.problem : "malformed YAML");
  } else {
    ok = read_root(&r, yaml_document_get_root_node(&r.doc), m);
    yaml_document_delete(&r.doc);
  }
  yaml_parser_delete(&parser);
  fclose(f);
  free(r.dir);
  if (!ok) manifest_free(m);
  return ok;
}

static void free_list(char **l, int n) {
  for (int k = 0; k < n; k++)
    free(l[k]);
  free(l);
}

void manifest_free(card_manifest *m) {
  free_list(m->sources, m->n_sources);
  free_list(m->include, m->n_include);
  free_list(m->exclude, m->n_exclude);
  free(m->output);
  free(m->header);
  free(m->dialect);
  memset(m, 0, sizeof *m);
}
