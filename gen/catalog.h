/* catalog.h: the DSL catalogue (runtime/dsl.yaml) as read by card and dslgen. */
#ifndef BATT_CATALOG_H
#define BATT_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#define CAT_MAX_PARAMS 4

typedef struct cat_type {
  char *name;
  char *is;      /* broader type this one is a kind of, or NULL */
  char **unions; /* alternatives a value of this type may be, or NULL */
  int n_unions;
} cat_type;

enum {
  CAT_ARCDSL = 1 << 0,   /* part of arc-dsl (else a batt extension) */
  CAT_CALLS_FN = 1 << 1, /* calls a function argument */
  CAT_MAKES_FN = 1 << 2, /* returns a closure */
  CAT_INTERNAL = 1 << 3, /* a runtime value only (the dialect's default function): no solver names it */
};

/* What a primitive of a defaulting dialect returns instead of failing (`default`): none
 * (the arc-dsl dialect: errors are errors), or the typed default of its return annotation. */
typedef enum cat_default {
  CAT_DFLT_NONE = 0,
  CAT_DFLT_FROZENSET, /* frozenset() */
  CAT_DFLT_TUPLE,     /* () */
  CAT_DFLT_ZERO,      /* 0 */
  CAT_DFLT_FALSE,     /* False */
  CAT_DFLT_FN,        /* a function of any arguments returning () */
} cat_default;

enum { CAT_NOT_CALLED = -1, CAT_CALLS_BIND = -2, CAT_MAKES_BIND = -2, CAT_MAKES_SAME = -3 };

typedef struct cat_prim {
  char *name;  /* as solvers name it */
  char *cname; /* the runtime's name: the catalogue's prefix and name */
  int arity;
  /* trailing parameters a call may leave out, and the primitives (of this catalogue) they
   * then take (`optional`) */
  int n_optional;
  char *optional[CAT_MAX_PARAMS];
  cat_default dflt;
  char *params[CAT_MAX_PARAMS];
  char *result;
  unsigned props;
  /* calls: per parameter, how many arguments the primitive calls that function with:
   * CAT_NOT_CALLED, CAT_CALLS_BIND (rbind/lbind: a function of 2 to 4) or 1..4 */
  signed char calls[CAT_MAX_PARAMS];
  /* makes (makes_fn): the returned function's arity (1..4, CAT_MAKES_BIND: the first
   * argument's less one, CAT_MAKES_SAME: the first argument's; CAT_NOT_CALLED: not a
   * constructor) and result (NULL: the first argument's result; else a type name) */
  signed char makes_arity;
  char *makes_result;
  /* kernel: its tile operation (cat_kernel_ops[k - 1], runtime/tile_format.h's order), 0
   * when it has no batch kernel */
  int kernel;
  int line; /* 1-based line in the YAML file */
} cat_prim;

/* The tile operations, in the order of runtime/tile_format.h's BT_TOP_*. */
extern const char *const cat_kernel_ops[];

typedef enum cat_const_kind { CAT_CONST_BOOL, CAT_CONST_INT, CAT_CONST_PAIR } cat_const_kind;

typedef struct cat_const {
  char *name;
  char *type;
  cat_const_kind kind;
  long long value[2]; /* value[0] for bool/int; both for a pair */
  int line;
} cat_const;

typedef struct catalog {
  char *dialect; /* `dialect`: arc-dsl unless given */
  char *prefix;  /* `prefix`: what the runtime's names of its primitives start with ("" unless given) */
  bool defaults; /* every primitive has a `default` (the dialect returns it instead of failing) */
  cat_type *types;
  int n_types;
  cat_prim *prims; /* in file order */
  int n_prims;
  cat_const *consts;
  int n_consts;
} catalog;

/* Reads path into *cat. On failure returns false and writes "file:line:col: error: ..."
 * into err (errlen bytes); *cat is then empty and needs no free. */
bool catalog_load(const char *path, catalog *cat, char *err, size_t errlen);
void catalog_free(catalog *cat);

/* A primitive solvers may name (internal ones are not found). */
const cat_prim *catalog_prim(const catalog *cat, const char *name);
const cat_const *catalog_const(const catalog *cat, const char *name);
const cat_type *catalog_type(const catalog *cat, const char *name);

#endif
