/* card.h: the data that flows between the stages of card, the batt generator, and every
 * function that crosses a file.
 *
 *   lex.c    source files, diagnostics, text utilities, tokens
 *   parse.c  tokens -> solver AST (nested calls flattened into temporaries)
 *   check.c  names, arity and types against the catalogue (runtime/dsl.yaml)
 *   merge.c  all solvers -> one SSA program t1..tN (CSE, classes, last uses)
 *   patterns.c  batchable groups of lines in the merged program (fused calls)
 *   mutate.c seeded, type-compatible mutants of solvers (card mutate)
 *   main.c   the CLI
 */
#ifndef BATT_CARD_H
#define BATT_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "catalog.h"
#include "program.h"

#if defined(__GNUC__)
#define CARD_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CARD_PRINTF(f, a)
#endif

/* ---- text utilities (lex.c) ---------------------------------------------------------- */

/* Allocation that cannot fail: out of memory ends the process with a message. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrndup(const char *s, size_t n);
char *xstrdup(const char *s);
/* Grows *p (an array of *cap elements of size `size`) to hold at least `need`. */
void grow(void *p, int *cap, int need, size_t size);

/* A growable NUL-terminated string. */
typedef struct strbuf {
  char *buf;
  size_t len, cap;
} strbuf;

void sb_putn(strbuf *sb, const char *s, size_t n);
void sb_puts(strbuf *sb, const char *s);
void sb_putc(strbuf *sb, char c);
void sb_printf(strbuf *sb, const char *fmt, ...) CARD_PRINTF(2, 3);
/* Hands over the contents (never NULL) and leaves sb empty. */
char *sb_take(strbuf *sb);
void sb_free(strbuf *sb);

/* A map from strings (not copied; they must outlive the map) to non-zero ints. */
typedef struct strmap {
  const char **keys;
  int *vals;
  int cap, n;
} strmap;

int strmap_get(const strmap *m, const char *key); /* 0 when absent */
void strmap_put(strmap *m, const char *key, int val);
void strmap_free(strmap *m);

/* ---- source files and diagnostics (lex.c) ---------------------------------------------- */

typedef struct card_src {
  char *path; /* as it appears in messages */
  char *text; /* the contents, NUL-terminated; may hold other NULs */
  size_t len;
  int index;        /* order among the files of a run (diagnostics sort by it) */
  size_t *line_off; /* offset of the start of each line; line n is line_off[n - 1] */
  int nlines;
  /* the dialect the file declares (a line `# dialect: NAME`; a generated batt is tokpidjin),
   * NULL when it declares none, and where */
  char *dialect;
  int dialect_line, dialect_col;
} card_src;

/* Diagnostics of a run, kept until rendered so that they come out sorted by file and
 * position whatever the stage that found them. */
typedef struct card_diag_item {
  int file, line, col, seq;
  char *text; /* the whole rendered message: header, source line and caret */
} card_diag_item;

typedef struct card_diag {
  card_diag_item *items;
  int n, cap;
  int nerrors;
} card_diag;

/* Records "path:line:col: error: message", the source line and a caret under col.
 * line 0: no position ("path: error: message"); src NULL: "card: error: message". */
void diag_error(card_diag *d, const card_src *src, int line, int col, const char *fmt, ...) CARD_PRINTF(5, 6);
/* The same as "warning:", not counted as an error. */
void diag_warning(card_diag *d, const card_src *src, int line, int col, const char *fmt, ...)
    CARD_PRINTF(5, 6);
/* All messages, sorted by (file, line, col, order of report); never NULL. */
char *diag_render(card_diag *d);
void diag_free(card_diag *d);

/* Reads a file; on failure reports it in d and returns NULL. */
card_src *src_read(const char *path, int index, card_diag *d);
card_src *src_from_text(const char *path, const char *text, size_t len, int index);
void src_free(card_src *src);

/* ---- tokens (lex.c) ---------------------------------------------------------------------- */

typedef enum card_tokkind {
  TK_IDENT,   /* name or keyword */
  TK_NUM,     /* decimal integer literal (the sign is a separate '-') */
  TK_PUNCT,   /* one character of Python punctuation */
  TK_BAD,     /* a character that has no place in Python source */
  TK_NEWLINE, /* end of a logical line; placed just after its last token */
  TK_EOF,
} card_tokkind;

typedef enum card_numerr { NUM_OK, NUM_MALFORMED, NUM_TOO_LARGE } card_numerr;

typedef struct card_token {
  card_tokkind kind;
  const char *loc; /* into the source text */
  int len;
  int line, col; /* 1-based; col counts bytes */
  long long val; /* TK_NUM */
  card_numerr numerr;
  bool bol;           /* first token of a logical line */
  const char *indent; /* bol: the whitespace before the token */
  int indent_len;
} card_token;

/* Splits src into tokens; the array ends with TK_EOF. Never fails: characters that are
 * not Python become TK_BAD tokens, which the parser reports. Lines are joined inside
 * parentheses when the line ends in '(' or ',' or the next one starts with ')', and
 * after a backslash. Blank and comment-only lines produce nothing. */
card_token *tokenize(const card_src *src, int *ntokens);

/* ---- the solver AST (parse.c, resolved by check.c) --------------------------------------- */

typedef enum card_input { INPUT_S, INPUT_I, INPUT_C } card_input;

typedef enum card_argkind {
  ARG_NAME,  /* parse: an identifier, not yet resolved */
  ARG_INT,   /* an integer literal (a leading '-' included) */
  ARG_VAR,   /* check: a name assigned earlier in the solver (temporaries included) */
  ARG_INPUT, /* check: S, I or C */
  ARG_CONST, /* check: a catalogue constant */
  ARG_PRIM,  /* check: a primitive (as callee: a direct call; as argument: a function value) */
  ARG_BAD,   /* check: a name that could not be resolved (already reported) */
} card_argkind;

typedef struct card_arg {
  card_argkind kind;
  char *name;           /* as written; temporaries are named "%1", "%2", ... */
  long long value;      /* ARG_INT */
  int line, col;        /* of the token (of the callee for a flattened call) */
  int var;              /* ARG_VAR: index of the assignment in solver->stmts */
  card_input input;     /* ARG_INPUT */
  const cat_const *cst; /* ARG_CONST */
  const cat_prim *prim; /* ARG_PRIM */
} card_arg;

/* What check knows about a value. type NULL: unknown (Any). For a function value, arity
 * is the number of arguments it takes and ret the type of its result, when known. */
typedef struct card_vtype {
  const cat_type *type;
  int arity;           /* -1: unknown */
  const cat_type *ret; /* NULL: unknown */
} card_vtype;

typedef enum card_stmtkind {
  STMT_CALL,   /* target = callee(args) */
  STMT_COPY,   /* target = args[0] (no call) */
  STMT_BROKEN, /* the line has a syntax error; the target exists, nothing else is known */
} card_stmtkind;

typedef struct card_stmt {
  card_stmtkind kind;
  char *target;
  int line, col; /* of the target (of the call for a temporary) */
  bool temp;     /* made by flattening a nested call */
  card_arg callee;
  card_arg *args;
  int nargs;
  card_vtype vt; /* check: the value assigned */
} card_stmt;

typedef struct card_solver {
  char *name;    /* NULL when the def line is too broken to have one */
  int line, col; /* of the name (of "def" when there is none) */
  const card_src *src;
  int nparams; /* 1: (I); 3: (S, I, C) */
  bool broken; /* the def line has an error or there is no body: every input
                  counts as defined and a missing return is not reported */
  card_stmt *stmts;
  int nstmts, capstmts;
  bool has_return;
  card_arg ret; /* the returned value (a flattened call becomes a temporary) */
  int ret_line; /* line of the return statement */
} card_solver;

typedef struct card_program {
  card_src **srcs;
  int nsrcs, capsrcs;
  card_solver **solvers; /* in file order, then definition order */
  int nsolvers, capsolvers;
  const catalog *cat; /* set by check_program */
  bool checked_ok;    /* check_program found no error and no parse error was seen */
  int parse_errors;
} card_program;

void program_init(card_program *prog);
void program_free(card_program *prog);
/* Reads and parses path, appending its solvers; errors go to d. False if unreadable. */
bool program_add_file(card_program *prog, const char *path, card_diag *d);
/* Parses text as if it were the file `path`. */
void program_add_text(card_program *prog, const char *path, const char *text, size_t len, card_diag *d);

/* ---- checking (check.c) ------------------------------------------------------------------ */

/* Resolves every name of every solver and checks arity and types; reports every error
 * in d. Returns true when the whole program (parse included) is free of errors. */
bool check_program(card_program *prog, const catalog *cat, card_diag *d);

/* Whether a value of type `value` may be passed where `param` is expected: false only
 * when it certainly cannot (NULL is unknown and fits everything). */
bool type_fits(const cat_type *value, const cat_type *param, const catalog *cat);

/* The arity each function argument of primitive `prim` is called with, by parameter
 * (arc-dsl's semantics; the catalogue only says Callable). */
enum {
  FN_FREE = -1,     /* not a called function, or any arity will do */
  FN_BINDABLE = -2, /* rbind, lbind: a function of 2 to 4 arguments */
};
int fn_param_arity(const cat_prim *prim, int param);

/* ---- the merged program (merge.c) -------------------------------------------------------- */

typedef enum card_opkind {
  OPND_LINE,  /* the value of an earlier line */
  OPND_INPUT, /* S, I or C */
  OPND_INT,   /* an integer (constants such as ONE, F1, R1 and the literal 1 are one) */
  OPND_BOOL,  /* T or F */
  OPND_PAIR,  /* an IntegerTuple constant such as DOWN */
  OPND_PRIM,  /* a primitive as a function value (as callee: a direct call) */
  OPND_STEP,  /* inside a fused sample group only: the value of step `line` */
} card_opkind;

typedef struct card_opnd {
  card_opkind kind;
  int line;             /* OPND_LINE: index into merged->lines (printed t<line+1>) */
  card_input input;     /* OPND_INPUT */
  long long v[2];       /* OPND_INT, OPND_BOOL: v[0]; OPND_PAIR: both */
  const cat_const *cst; /* the constant as first written, NULL for a literal (display) */
  const cat_prim *prim; /* OPND_PRIM */
} card_opnd;

typedef enum card_class {
  CLASS_CONST,  /* depends on no input: computed once per run */
  CLASS_TASK,   /* depends on S only: once per task */
  CLASS_SAMPLE, /* depends on I or C: once per sample */
} card_class;

/* A solver line a merged line stands for. */
typedef struct card_use {
  int solver; /* index into prog->solvers */
  int line;   /* source line */
} card_use;

enum { LAST_USE_OUTPUT = -1 };

typedef struct card_line {
  card_opnd callee; /* OPND_PRIM: a direct call; OPND_LINE: a call through a function value */
  card_opnd *args;
  int nargs;
  card_class cls;
  card_vtype vt;  /* type of the result, from check */
  card_use *uses; /* the solver lines it serves, in solver then line order */
  int nuses, capuses;
  int last_use; /* index of the last line that reads it, or LAST_USE_OUTPUT when it is
                   some solver's output (then it lives to the end). For a constant or
                   task line the reader may be in a later class: such a line lives as
                   long as its class's scope (run, task), whatever last_use says. */
  bool output;  /* some solver's output */
} card_line;

typedef struct card_fusion card_fusion;

typedef struct card_merged {
  const card_program *prog;
  card_fusion *fusion; /* set by fuse_program; NULL: every line is its own call */
  card_line *lines;    /* constant lines, then task lines, then sample lines */
  int nlines;
  int nclass[3]; /* lines per class; class c starts at the sum of the earlier ones */
  int *outputs;  /* per solver (prog->solvers order): index of its output line */
  int **checks;  /* per solver: the lines of its statements in source order, each once (a
                    line that is also an earlier statement's is not repeated): its outcome
                    is the error of the first of them that fails, else its output */
  int *nchecks;
  int nsolvers;
  bool plain_closures; /* card --no-spec: every closure keeps the generic call (spec.c) */
} card_merged;

/* Merges a program that check_program accepted; NULL otherwise. */
card_merged *merge_program(const card_program *prog);
/* Frees m, not its fusion: fuse_program's caller owns that (fusion_free(m->fusion) first). */
void merged_free(card_merged *m);
/* The merged program as readable text (never NULL). */
char *merged_dump(const card_merged *m);
/* One operand as text ("t3", "I", "ONE", "-2", "size"), appended to sb. */
void opnd_print(strbuf *sb, const card_opnd *o);
bool opnd_eq(const card_opnd *a, const card_opnd *b);
/* "t3 = f(t1, I)", appended to sb. */
void line_text(strbuf *sb, const card_line *l, int i);

/* ---- specialised closures (spec.c) ------------------------------------------------------ */

/* The shapes of the closures m's lines make (NULL when m->plain_closures). */
typedef struct spec_table spec_table;
spec_table *spec_build(const card_merged *m);
/* The shape id of line k's closures (its function is K<id>), or -1: the generic call. */
int spec_line_shape(const spec_table *t, int k);
/* 1 + the number of the quick evaluation of line k's closures, or 0 (bt_closure.quick). */
int spec_line_quick(spec_table *t, int k);
/* The functions of every shape (those the bodies make included), prototypes first. */
/* The closures' code (K<id>); or with quick, the declarations of it and their quick
 * evaluations (Q<id>, Qdyn), which come first. */
void spec_emit(strbuf *sb, spec_table *t, bool quick);
void spec_free(spec_table *t);

/* ---- batch patterns (patterns.c) --------------------------------------------------------- */

/* PAT_SAMPLE: apply(first, S), apply(second, S), their maps and tails, c_iz and kin;
 * PAT_OBJECTS: o_g / objects of one grid in several modes; PAT_MAPS: apply / mapply of
 * several functions over one container. The kinds are runtime/program.h's BT_FUSED_KINDS. */
typedef enum card_pattern {
#define CARD_PAT(name, text, code, title) PAT_##name = BT_FUSED_##name,
  BT_FUSED_KINDS(CARD_PAT)
#undef CARD_PAT
} card_pattern;

#define CARD_PAT_ONE(name, text, code, title) +1
enum { CARD_N_PATTERNS = 0 BT_FUSED_KINDS(CARD_PAT_ONE) };
#undef CARD_PAT_ONE

/* A pattern's name ("sample", ...). */
const char *pattern_name(card_pattern kind);

/* One call of a fused sample group: its operands may be earlier steps (OPND_STEP). */
typedef struct card_step {
  card_opnd callee; /* OPND_PRIM: a primitive; otherwise the function value */
  card_opnd args[3];
  int nargs;
} card_step;

/* Lines computed by one fused call, emitted where its first line was. Every operand a
 * group reads that is not one of its own lines comes before that first line. */
typedef struct card_group {
  card_pattern kind;
  card_class cls;
  int *lines; /* ascending */
  int nlines;
  card_opnd shared; /* OBJECTS: the grid; MAPS: the container */
  int *modes;       /* OBJECTS: the o_g mode of each line */
  card_opnd *fns;   /* MAPS: the function of each line */
  bool *merge;      /* MAPS: mapply (else apply) */
  card_step *steps; /* SAMPLE: the calls, c_iz and kin spelt out, each computed once */
  int nsteps;
  int *out_step; /* SAMPLE: the step each line takes */
} card_group;

struct card_fusion {
  card_group *groups;
  int n, cap;
  int *group_of; /* per merged line: its group, or -1 */
};

/* Finds the groups in m and attaches them (m->fusion); returns the number found. */
int fuse_program(card_merged *m);
void fusion_free(card_fusion *f);
/* What fuse_program found, as text (never NULL). */
char *fusion_report(const card_merged *m);

/* ---- mutation (mutate.c) ------------------------------------------------------------------ */

/* Source text of `count` mutants of each solver of prog (checked without error), named
 * <solver>_m1, _m2, ...: the solver with up to `edits` places replaced: a callee by a
 * primitive of the same arity and result type, an argument by one that fits the parameter
 * (a constant or an earlier variable or input of a fitting type, never C; for a function
 * parameter a primitive or variable of the arity it is called with). Every mutant
 * passes check_program; a solver whose draws keep failing the check (32 tries) gets fewer.
 * Deterministic: the mutants of a solver depend on the seed, its name and their number
 * only. *made: how many were written. Never NULL. */
char *mutate_program(const card_program *prog, const catalog *cat, uint64_t seed, int count, int edits,
                     int *made);

#endif
