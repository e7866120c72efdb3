/* program.h: the interface between the program card emits (batt.c) and the runtime.
 *
 * A merged program is a list of lines t1..tN, each one call. Lines are grouped by what
 * they depend on: constants only (run once per run), the task's demonstrations S (once
 * per task) and the sample (I, C: once per item). The emitted code calls bt_exec_call
 * once per line; the runtime runs that line across every item of the current tile, so
 * per-line work (and, later, a batch kernel) is paid once per tile. */
#ifndef BATT_PROGRAM_H
#define BATT_PROGRAM_H

#include "batt.h"

typedef enum bt_class {
  BT_CLASS_CONST = 0, /* depends on constants only */
  BT_CLASS_TASK = 1,  /* depends on S */
  BT_CLASS_SAMPLE = 2 /* depends on I or C */
} bt_class;

typedef enum bt_operand_kind {
  BT_O_T = 0, /* a: line index */
  BT_O_I,     /* the sample's input grid */
  BT_O_S,     /* the task's demonstrations: tuple of (input, output) pairs */
  BT_O_C,     /* the sample's expected output (none when unknown) */
  BT_O_INT,   /* a: the integer */
  BT_O_BOOL,  /* a: 0 or 1 */
  BT_O_PAIR,  /* (a, b) */
  BT_O_PRIM,  /* a: primitive id, used as a function value */
  BT_O_STEP,  /* a: an earlier step of the same bt_exec_sample call */
} bt_operand_kind;

/* The most arguments a call takes (the widest primitive; closures take fewer). */
enum { BT_MAX_ARGS = 4 };

typedef struct bt_operand {
  int32_t kind;
  int64_t a, b; /* integers are Python's: a literal may take all of int64 */
} bt_operand;

#define BT_T(x) ((bt_operand){BT_O_T, (x), 0})
#define BT_I ((bt_operand){BT_O_I, 0, 0})
#define BT_S ((bt_operand){BT_O_S, 0, 0})
#define BT_C ((bt_operand){BT_O_C, 0, 0})
#define BT_INT(x) ((bt_operand){BT_O_INT, (x), 0})
#define BT_BOOLV(x) ((bt_operand){BT_O_BOOL, (x), 0})
#define BT_PAIRV(x, y) ((bt_operand){BT_O_PAIR, (x), (y)})
#define BT_FNV(p) ((bt_operand){BT_O_PRIM, (p), 0})
#define BT_G(k) ((bt_operand){BT_O_STEP, (k), 0})

typedef struct bt_solver_info {
  const char *name;      /* solve_<id> */
  const char *file;      /* source file */
  int line;              /* line of its def */
  int32_t out;           /* the line holding its output */
  const int32_t *checks; /* the lines of its statements in its source order (each once) */
  int32_t n_checks;      /* its outcome is the error of the first failing one, else out */
} bt_solver_info;

typedef struct bt_exec bt_exec;

/* Whether line t runs on this exec: an exec (frame.h) begins with the lines it runs (NULL:
 * every line), which the emitted code reads before a call so that a line that is not run
 * costs a test, not a call (bt_exec_call would skip it too). */
static inline bool bt_exec_runs(const bt_exec *ex, int t) {
  const uint8_t *only = *(const uint8_t *const *)(const void *)ex;
  return !only || only[t];
}

/* Whether block b of the emitted code holds a line that runs on this exec: the second
 * member of an exec is the blocks that do (NULL: every block), so that a run of a few
 * lines (the own-task run: one solver's) passes over the code of the others in a test a
 * block, not one a line. */
static inline bool bt_exec_block(const bt_exec *ex, int b) {
  const uint8_t *some = ((const uint8_t *const *)(const void *)ex)[1];
  return !some || some[b];
}

typedef struct bt_program {
  int n_lines;               /* lines are 1..n_lines */
  const uint8_t *line_class; /* bt_class of each line, index 0 unused */
  const int32_t *last_use;   /* last line reading each line; n_lines + 1 for an output */
  int n_solvers;
  const bt_solver_info *solvers;
  /* Runs the lines of one class, in order, across the items of ex. */
  void (*run)(bt_exec *ex, bt_class phase);
  const void *user; /* for run: a program held as data (NULL for emitted code) */
  /* The emitted code's blocks (bt_exec_block): line_block[t] is the block whose statements
     test line t, -1 for none (constant lines); n_blocks 0: the code has none. */
  int n_blocks;
  const int32_t *line_block;
} bt_program;

/* The program of the exec (for a run function that reads p->user). */
const bt_program *bt_exec_program(const bt_exec *ex);

/* Line `t` = primitive `prim` applied to the operands, on every item. */
void bt_exec_call(bt_exec *ex, int t, int prim, int nargs, const bt_operand *args);
/* bt_exec_call of a closure constructor whose closures get code (spec.h): card's
 * specialised call for the structure the line gives them. */
void bt_exec_call_code(bt_exec *ex, int t, int prim, int nargs, const bt_operand *args, bt_clo_code code,
                       int quick);
/* Line `t` = the function held by operand fn applied to the operands, on every item. */
void bt_exec_callvar(bt_exec *ex, int t, bt_operand fn, int nargs, const bt_operand *args);

/* ---- fused calls (fused.c): one call computes several lines that share work ----------
 *
 * card emits a fused call at the place of the first line it computes; the other lines
 * are stored ahead of their place. Each line gets exactly the value its own call would
 * have given (step limits included: every line is one evaluation). */

/* Lines ts[k] = o_g(grid, modes[k]) (mode bits: 4 univalued, 2 diagonal, 1 without
 * background). The grid is labelled once per connectivity: the univalued modes without
 * background are the ones with background minus the objects of the background color. */
void bt_exec_objects(bt_exec *ex, bt_operand grid, int n, const int32_t *ts, const int32_t *modes);

/* Lines ts[k] = apply(fns[k], container), or mapply when merge[k], in one call (on the
 * CPU each function maps the whole container in turn, see bt_apply_many). */
void bt_exec_maps(bt_exec *ex, bt_operand container, int n, const int32_t *ts, const bt_operand *fns,
                  const uint8_t *merge);

/* The sample pattern: a short program over S run once per task, each step a call (fn: a
 * primitive or a function value) whose operands may be earlier steps (BT_G(k)); outs
 * say which step's value each line takes. */
typedef struct bt_step {
  bt_operand fn;
  int32_t nargs;
  bt_operand args[3];
} bt_step;

typedef struct bt_step_out {
  int32_t t, step;
} bt_step_out;

void bt_exec_sample(bt_exec *ex, int nsteps, const bt_step *steps, int nouts, const bt_step_out *outs);

/* The kinds of fused call, in one list: X(NAME, name, profile code, title). card's patterns
 * (PAT_NAME), its report, the emitted comments, the runtime's kinds (BT_FUSED_NAME) and
 * profile codes (BT_PROF_NAME) and the runner's profile labels ("(fused name)") are all
 * made from it. */
#define BT_FUSED_KINDS(X)                                                                                    \
  X(SAMPLE, "sample", -2, "the sample pattern")    /* bt_exec_sample */                                      \
  X(OBJECTS, "objects", -3, "objects of one grid") /* bt_exec_objects */                                     \
  X(MAPS, "maps", -4, "maps over one container")   /* bt_exec_maps */

typedef enum bt_fused_kind {
#define BT_FUSED_ENUM(name, text, code, title) BT_FUSED_##name,
  BT_FUSED_KINDS(BT_FUSED_ENUM)
#undef BT_FUSED_ENUM
} bt_fused_kind;

/* A fused call as data: what card lowers each group to, run by bt_exec_fused (emitted
 * programs print it as a compound literal; `card run` keeps it in a table). Each kind
 * reads the fields it needs (the others are 0 / NULL). */
typedef struct bt_fused {
  int32_t kind;            /* bt_fused_kind */
  bt_operand shared;       /* OBJECTS: the grid; MAPS: the container */
  int32_t n;               /* the lines it computes */
  const int32_t *ts;       /* those lines */
  const int32_t *modes;    /* OBJECTS: each line's o_g mode */
  const bt_operand *fns;   /* MAPS: each line's function */
  const uint8_t *merge;    /* MAPS: mapply (else apply) */
  int32_t nsteps;          /* SAMPLE: the program over S */
  const bt_step *steps;    /* SAMPLE */
  const bt_step_out *outs; /* SAMPLE: the step each line takes (n of them) */
} bt_fused;

/* Runs the fused call f (at the place of its first line). */
void bt_exec_fused(bt_exec *ex, const bt_fused *f);

/* Profile codes of the calls that are not one primitive (bt_profile.prim). */
enum {
  BT_PROF_CALLVAR = -1,
#define BT_FUSED_PROF(name, text, code, title) BT_PROF_##name = (code),
  BT_FUSED_KINDS(BT_FUSED_PROF)
#undef BT_FUSED_PROF
};

/* The name of the fused call of a profile code ("sample", ...), NULL for another code. */
static inline const char *bt_fused_name(int code) {
#define BT_FUSED_NAME(name, text, c, title)                                                                  \
  if (code == (c)) return text;
  BT_FUSED_KINDS(BT_FUSED_NAME)
#undef BT_FUSED_NAME
  return NULL;
}

#endif
