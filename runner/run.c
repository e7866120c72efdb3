/* run.c: the sweep. Worker threads take chunks of whole tasks (about `tile` items),
 * run the task lines once per task and the sample lines once per tile, and score every
 * solver's output on every item. Each task's results land in its own slot, so the
 * outcome does not depend on threads or tile size. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "journal.h"
#include "run.h"
#include "value_json.h"

void bt_run_opts_default(bt_run_opts *o) {
  memset(o, 0, sizeof *o);
  o->threads = 0;
  o->tile = 4;
  o->limits = bt_default_limits;
  o->device_pool = -1;
}

/* A solver's name and index, for finding a task's own solvers by name. */
typedef struct named_solver {
  const char *name;
  int32_t s;
} named_solver;

typedef struct shared {
  bt_run *run;
  const bt_run_opts *o;
  const bt_value *consts;
  pthread_mutex_t lock;
  int next_task;
  atomic_long items_done;
  long items_total;
  long items_taken; /* under lock */
  int workers;
  atomic_int workers_done;
  atomic_int failed_chunk;     /* first task of a chunk that could not get its memory, + 1 */
  atomic_long chunks;          /* chunks taken so far (for opts.fail_chunk) */
  bt_line_graph *graph;        /* opts.own: which lines each line reads */
  const named_solver *by_name; /* opts.own: the solvers sorted by name */
  bt_journal *journal;         /* opts.checkpoint */
  bool *done;                  /* tasks restored from the checkpoint: not run again */
  struct worker *ws;           /* every worker, for their rates */
} shared;

/* Per worker: contexts and frames reused from chunk to chunk. */
typedef struct worker {
  shared *sh;
  bt_ctx *task_cx; /* one per task of a chunk: the memory limit holds per task, whatever
                      tasks share the chunk */
  bt_ctx *item_cx;
  bt_ctx *spare_cx;  /* compaction partner of each item context */
  bt_value **frames; /* one per item context */
  bt_value **task_frames;
  int cap_items, cap_tasks;
  size_t peak;
  bt_profile prof;   /* arrays NULL when not profiling */
  bt_device *device; /* NULL: a CPU worker */
  int tile;          /* items per chunk */
  bool has_spec;     /* a device worker: spec is opened on a thread of its own (opener) while
                        the worker runs chunks on the CPU */
  bt_device_spec spec;
  pthread_t opener;
  bool opening;           /* the opener thread was started: the worker joins it */
  atomic_int opened;      /* set (release) once open_device is done: device and tile may be read */
  atomic_long rate_items; /* items of the chunks it finished, and the time they took: */
  atomic_llong rate_ns;   /* its rate, for the size of its chunks (take_chunk) */
  /* --device auto: a device worker's chunks run through the device or as a CPU worker
     runs them, whichever gives more items per second (pick_mode) */
  double mode_items[2], mode_ns[2];
  double last_ns[2];  /* the last chunk of each mode: its time */
  double since_ns[2]; /* the time of each mode's chunks since the other mode last ran */
} worker;

/* The slower mode of a device worker is tried again once the faster one has run this many
 * times as long as the slower one's last chunk took: its tries cost at most 1/MODE_RETRY. */
enum { MODE_RETRY = 64 };

static bool is_arc_grid(bt_value v) {
  int64_t h, w;
  if (v.kind == BT_PGRID) { /* its twin is one when it is small and of colors */
    const bt_pgrid *g = v.u.pg;
    if (g->h > 30 || g->w < 1 || g->w > 30) return false;
    for (int64_t k = 0; k < g->h * g->w; k++)
      if (g->c[k] > 9) return false;
    return true;
  }
  if (!bt_is_tuple(v) || v.n > 30 || !bt_grid_dims(v, &h, &w) || w < 1 || w > 30) return false;
  for (int64_t i = 0; i < h; i++)
    for (int64_t j = 0; j < w; j++) {
      bt_value c = v.u.items[i].u.items[j];
      if (c.kind != BT_INT || c.u.i < 0 || c.u.i > 9) return false;
    }
  return true;
}

/* A worker's share of the items left: in proportion to its rate (items per second in its
 * chunks) among all the workers' rates; a worker not yet measured counts at the mean rate
 * of those measured (all equal before any is). */
static double rate_of(const worker *w) { /* 0: not measured yet */
  long items = atomic_load(&w->rate_items);
  long long ns = atomic_load(&w->rate_ns);
  return items > 0 && ns > 0 ? (double)items / (double)ns : 0;
}

static long share_of(shared *sh, const worker *w, long left) {
  double measured = 0;
  int n_measured = 0;
  for (int k = 0; k < sh->workers; k++) {
    double r = rate_of(&sh->ws[k]);
    measured += r;
    n_measured += r > 0;
  }
  if (!n_measured) return left / (sh->workers > 0 ? sh->workers : 1);
  double mean = measured / n_measured, mine = rate_of(w);
  double sum = measured + mean * (sh->workers - n_measured);
  return (long)((double)left * (mine > 0 ? mine : mean) / sum);
}

/* Takes the next chunk of whole tasks: at least one, then more while they fit in `tile`
 * items and in the worker's share of what is left (share_of: a device's large tiles
 * shrink toward the end, and a slower worker gets less, so no worker is left with a big
 * chunk while the others have nothing to do). A probe (probe_items) is smaller still. */
static int take_chunk(shared *sh, worker *w, int tile, bool probe, int *first) {
  const bt_taskset *ts = sh->run->tasks;
  pthread_mutex_lock(&sh->lock);
  while (sh->next_task < ts->n && sh->done[sh->next_task])
    sh->next_task++;
  *first = sh->next_task;
  long left = sh->items_total - sh->items_taken;
  long share = share_of(sh, w, left);
  if (probe) { /* a 32nd of an even share, at least a CPU tile, at most 32 items */
    long p = left / (32L * (sh->workers > 0 ? sh->workers : 1));
    p = p < sh->o->tile ? sh->o->tile : p > 32 ? 32 : p;
    if (share > p) share = p;
  }
  if (tile > share) tile = share > 0 ? (int)share : 1;
  int items = 0, n = 0;
  while (sh->next_task < ts->n && !sh->done[sh->next_task]) { /* a chunk is a run of tasks */
    const bt_task *t = &ts->tasks[sh->next_task];
    int k = t->n_train + t->n_test;
    if (n > 0 && items + k > tile) break;
    items += k;
    n++;
    sh->next_task++;
  }
  sh->items_taken += items;
  pthread_mutex_unlock(&sh->lock);
  return n;
}

static bool ensure_capacity(worker *w, int items, int tasks) {
  const bt_program *p = w->sh->run->prog;
  if (items > w->cap_items) {
    bt_ctx *item_cx = realloc(w->item_cx, (size_t)items * sizeof *item_cx);
    if (item_cx) w->item_cx = item_cx;
    bt_ctx *spare_cx = realloc(w->spare_cx, (size_t)items * sizeof *spare_cx);
    if (spare_cx) w->spare_cx = spare_cx;
    bt_value **frames = realloc(w->frames, (size_t)items * sizeof *frames);
    if (frames) w->frames = frames;
    if (!item_cx || !spare_cx || !frames) return false;
    for (int k = w->cap_items; k < items; k++) {
      bt_value *f = bt_frame_new(p);
      if (!f) return false;
      bt_ctx_init(&w->item_cx[k], &w->sh->o->limits);
      bt_ctx_init(&w->spare_cx[k], &w->sh->o->limits);
      w->frames[k] = f;
      w->cap_items = k + 1; /* what is set up gets freed, whatever fails next */
    }
  }
  if (tasks > w->cap_tasks) {
    bt_value **task_frames = realloc(w->task_frames, (size_t)tasks * sizeof *task_frames);
    if (task_frames) w->task_frames = task_frames;
    bt_ctx *task_cx = realloc(w->task_cx, (size_t)tasks * sizeof *task_cx);
    if (task_cx) w->task_cx = task_cx;
    if (!task_frames || !task_cx) return false;
    for (int k = w->cap_tasks; k < tasks; k++) {
      if (!(w->task_frames[k] = bt_frame_new(p))) return false;
      bt_ctx_init(&w->task_cx[k], &w->sh->o->limits);
      w->cap_tasks = k + 1;
    }
  }
  return true;
}

static uint64_t mix(uint64_t h, uint64_t x) { return (h ^ x) * 0x100000001B3ull; }

static uint64_t scalar_print(uint64_t h, bt_value x) {
  h = mix(h, x.kind);
  if (bt_is_coll(x)) h = mix(h, x.n);
  if (x.kind == BT_INT || x.kind == BT_BOOL) h = mix(h, (uint64_t)x.u.i);
  return h;
}

/* A print of a few parts of v (first, middle and last item, and theirs): values equal
 * under bt_same give equal prints, so a differing print tells most distinct outputs
 * apart without a walk over them. */
static uint64_t packed_print(const bt_pgrid *g);

static uint64_t quick_print(bt_value v) {
  if (v.kind == BT_PGRID) return packed_print(v.u.pg);
  uint64_t h = scalar_print(0xcbf29ce484222325ull, v);
  if (!bt_is_coll(v) || v.n == 0) return h;
  const uint32_t at[3] = {0, v.n / 2, v.n - 1};
  for (int k = 0; k < 3; k++) {
    bt_value x = v.u.items[at[k]];
    h = scalar_print(h, x);
    if (!bt_is_coll(x) || x.n == 0) continue;
    const uint32_t in[3] = {0, x.n / 2, x.n - 1};
    for (int m = 0; m < 3; m++)
      h = scalar_print(h, x.u.items[in[m]]);
  }
  return h;
}

/* quick_print of the boxed twin of the packed grid g, from its bytes. */
static uint64_t packed_print(const bt_pgrid *g) {
  uint64_t h = mix(mix(0xcbf29ce484222325ull, BT_TUPLE), (uint64_t)g->h);
  const int64_t at[3] = {0, g->h / 2, g->h - 1}, in[3] = {0, g->w / 2, g->w - 1};
  for (int k = 0; k < 3; k++) {
    h = mix(mix(h, BT_TUPLE), (uint64_t)g->w);
    for (int m = 0; m < 3; m++)
      h = mix(mix(h, BT_INT), g->c[at[k] * g->w + in[m]]);
  }
  return h;
}

/* Whether v is bt_same as the boxed twin of the packed grid g: a tuple of g->h tuples of
 * g->w plain ints, its cells. */
static bool same_as_packed(bt_value v, const bt_pgrid *g) {
  if (v.kind == BT_PGRID)
    return v.u.pg->h == g->h && v.u.pg->w == g->w && memcmp(v.u.pg->c, g->c, (size_t)(g->h * g->w)) == 0;
  if (v.kind != BT_TUPLE || v.n != g->h) return false;
  for (int64_t i = 0; i < g->h; i++) {
    bt_value r = v.u.items[i];
    if (r.kind != BT_TUPLE || r.n != g->w) return false;
    for (int64_t j = 0; j < g->w; j++)
      if (r.u.items[j].kind != BT_INT || r.u.items[j].u.i != g->c[i * g->w + j]) return false;
  }
  return true;
}

/* bt_eq of the boxed twin of the packed grid g and an expected output: cell by cell when
 * the output's cells are ints or bools, else -1 (the twin is compared). */
static int eq_packed(const bt_pgrid *g, bt_value out) {
  if (out.kind != BT_TUPLE || out.n != g->h) return out.kind == BT_TUPLE || out.kind == BT_SET ? 0 : -1;
  int eq = 1;
  for (int64_t i = 0; i < g->h; i++) {
    bt_value r = out.u.items[i];
    if (r.kind != BT_TUPLE) return -1;
    if (r.n != g->w) eq = 0;
    for (uint32_t j = 0; j < r.n; j++) {
      bt_value c = r.u.items[j];
      if (c.kind != BT_INT && c.kind != BT_BOOL) return -1;
      if (eq && c.u.i != g->c[i * g->w + j]) eq = 0;
    }
  }
  return eq;
}

/* Index of v among the item's distinct outputs so far, or -1 when it is new (*print is then
 * its quick print). Outputs are boxed, or packed grids compared as their twins. Solvers
 * that share a merged line return the very same value: identity settles those without a
 * walk over the grid; a differing quick print, most of the others. The walk left compares
 * boxed ones under a budget: two values too large or too deep to compare count as
 * different. */
static int seen_index(const bt_value *seen, const uint64_t *prints, int n_seen, bt_value v, uint64_t walk,
                      uint64_t *print) {
  bool container = bt_is_coll(v);
  for (int k = 0; k < n_seen; k++)
    if (v.kind == BT_PGRID
            ? seen[k].kind == BT_PGRID && seen[k].u.pg == v.u.pg
            : container && seen[k].kind == v.kind && seen[k].n == v.n && seen[k].u.items == v.u.items)
      return k;
  *print = quick_print(v);
  for (int k = 0; k < n_seen; k++) {
    if (prints[k] != *print) continue;
    if (seen[k].kind == BT_PGRID || v.kind == BT_PGRID) { /* one packed: a walk of bounded size */
      if (seen[k].kind == BT_PGRID ? same_as_packed(v, seen[k].u.pg) : same_as_packed(seen[k], v.u.pg))
        return k;
      continue;
    }
    bt_walk_reset(walk);
    bool same = bt_same(seen[k], v), spent = bt_walk_spent();
    bt_walk_reset(UINT64_MAX);
    if (same && !spent) return k;
  }
  return -1;
}

/* The solvers an own-task run scores on a task (its own, ascending); the others are skipped.
 * NULL: every solver is scored. */
typedef struct solver_list {
  const int *s;
  int n;
} solver_list;

static bool score_item(worker *w, bt_task_result *tr, int item, const bt_pair_io *io, const bt_exec_item *it,
                       const solver_list *own) {
  const bt_program *p = w->sh->run->prog;
  bt_result *res = &tr->results[(size_t)item * (size_t)p->n_solvers];
  size_t ns = (size_t)(p->n_solvers ? p->n_solvers : 1);
  bt_value *seen = malloc(ns * sizeof *seen);
  uint64_t *prints = malloc(ns * sizeof *prints);
  uint8_t *verdicts = malloc(ns); /* per distinct output */
  int n_seen = 0;
  if (!seen || !prints || !verdicts) {
    free(seen);
    free(prints);
    free(verdicts);
    return false;
  }
  uint64_t cap = w->sh->o->limits.max_elems, walk = w->sh->o->limits.max_walk;
  bool keep = w->sh->o->keep_outputs;
  /* the boxed twins of packed outputs are the runner's, not the program's: the item's
     arena may be full to max_bytes after its last line, and they are made all the same */
  size_t max_bytes = it->cx->lim.max_bytes;
  it->cx->lim.max_bytes = SIZE_MAX;
  for (int s = 0; own && s < p->n_solvers; s++) /* the others are skipped: their own walk */
    res[s] = (bt_result){BT_V_SKIPPED, 0, -1};
  int n_scored = own ? own->n : p->n_solvers;
  for (int q = 0; q < n_scored; q++) {
    int s = own ? own->s[q] : q;
    /* a packed output is scored as it is: its twin is made only to be written */
    bt_value v = bt_exec_outcome(p, w->sh->consts, it, s);
    bool packed = v.kind == BT_PGRID;
    if (bt_is_err(v)) {
      res[s] = (bt_result){BT_V_ERROR, v.errc, -1};
      continue;
    }
    uint64_t print = 0;
    int idx = seen_index(seen, prints, n_seen, v, walk, &print);
    if (idx < 0) { /* a new output: its verdict, once */
      /* to be written out whole: one of more values than a container may hold, or nested
       * past BT_MAX_NEST, is a LimitError (unwritten, it would only be a mismatch: an
       * expected output is an ARC grid) */
      if (keep && bt_tree_size(bt_unpack(it->cx, v), cap) > cap) {
        res[s] = (bt_result){BT_V_ERROR, BT_E_LIMIT, -1};
        continue;
      }
      idx = n_seen++;
      seen[idx] = v;
      prints[idx] = print;
      /* the expected output is an ARC grid: the walk is bounded by its size */
      int eq = !io->has_output ? 0 : packed ? eq_packed(v.u.pg, io->output) : -1;
      if (eq < 0) eq = bt_eq(bt_unpack(it->cx, v), io->output); /* bt_unpack: v itself when boxed */
      verdicts[idx] = !io->has_output ? BT_V_NOEXPECT : eq ? BT_V_MATCH : BT_V_MISMATCH;
    }
    /* errc: defaulted (a packed output's twin never is) */
    res[s] = (bt_result){verdicts[idx], !packed && bt_was_defaulted(v) ? v.errc : 0, idx};
  }
  free(prints);
  free(verdicts);
  bt_item_result *ir = &tr->items[item];
  ir->outputs = calloc((size_t)(n_seen ? n_seen : 1), sizeof *ir->outputs);
  ir->out_is_grid = calloc((size_t)(n_seen ? n_seen : 1), sizeof *ir->out_is_grid);
  bool ok = ir->outputs && ir->out_is_grid;
  ir->n_outputs = ok ? n_seen : 0;
  for (int k = 0; ok && k < n_seen; k++) {
    ir->out_is_grid[k] = tr->items[item].test && is_arc_grid(seen[k]); /* Kaggle attempts: test items */
    bool attempt = false; /* demonstrations are scored first: demo_solved is known on test items */
    for (int s = 0; w->sh->o->keep_attempts && ir->out_is_grid[k] && !attempt && s < p->n_solvers; s++)
      attempt = tr->demo_solved[s] && res[s].verdict != BT_V_ERROR && res[s].out == k;
    if (!w->sh->o->keep_outputs && !attempt) continue;
    bt_value text = bt_unpack(it->cx, seen[k]); /* a packed output's twin is made here */
    if (bt_is_err(text) || !(ir->outputs[k] = bt_json_text(text))) ok = false;
  }
  free(seen);
  it->cx->lim.max_bytes = max_bytes;
  return ok;
}

/* Item k of task t: its demonstration pairs, then its tests. */
static const bt_pair_io *item_io(const bt_task *t, int k) {
  return k < t->n_train ? &t->train[k] : &t->test[k - t->n_train];
}

/* flags[s] stays set only if solver s matched on item k (the results are item-major: the
 * flags of every solver are walked item by item). */
static void and_matched(const bt_program *p, const bt_task_result *tr, int k, bool *flags) {
  const bt_result *r = &tr->results[(size_t)k * (size_t)p->n_solvers];
  for (int s = 0; s < p->n_solvers; s++)
    flags[s] &= r[s].verdict == BT_V_MATCH;
}

/* flags[s] of every solver: whether it matched on every item k < n_items (only those with an
 * expected output when outputs_only), of which there is one at least. A solver skipped by an
 * own-task run matched on none: only own's solvers are walked then. */
static void matched_all(const bt_program *p, const bt_task *t, const bt_task_result *tr, int n_items,
                        bool outputs_only, const solver_list *own, bool *flags) {
  bool any = false;
  for (int k = 0; k < n_items; k++)
    any |= !outputs_only || item_io(t, k)->has_output;
  if (own) {
    memset(flags, 0, (size_t)p->n_solvers * sizeof *flags);
    for (int q = 0; q < own->n; q++) {
      int s = own->s[q];
      bool all = any;
      for (int k = 0; k < n_items && all; k++)
        all = (outputs_only && !item_io(t, k)->has_output) ||
              tr->results[(size_t)k * (size_t)p->n_solvers + (size_t)s].verdict == BT_V_MATCH;
      flags[s] = all;
    }
    return;
  }
  for (int s = 0; s < p->n_solvers; s++)
    flags[s] = any;
  for (int k = 0; k < n_items; k++)
    if (!outputs_only || item_io(t, k)->has_output) and_matched(p, tr, k, flags);
}

/* demo_solved of every solver: every demonstration pair of t matched (once they are scored). */
static void demos_solved(const bt_program *p, const bt_task *t, bt_task_result *tr, const solver_list *own) {
  matched_all(p, t, tr, t->n_train, false, own, tr->demo_solved);
}

/* solved of every solver: every item with an expected output matched, and there is one. */
static void finish_task(const bt_program *p, const bt_task *t, bt_task_result *tr, const solver_list *own) {
  demos_solved(p, t, tr, own);
  matched_all(p, t, tr, tr->n_items, true, own, tr->solved);
}

/* Item and task arenas hold only one chunk: after it, the worker notes the arena's peak,
 * empties it and keeps at most 4 x BT_COMPACT_MIN (32 MiB) of its chunks for the next:
 * keeping less frees chunks and takes them again item after item (under AddressSanitizer,
 * whose quarantine holds what is freed, the runaway test's memory grew by 110 MiB at 16). */
static void empty_arena(worker *w, bt_ctx *cx) {
  if (cx->arena.used > w->peak) w->peak = cx->arena.used;
  bt_arena_release(cx, (bt_mark){NULL, 0, 0});
  bt_arena_trim(cx, 4 * BT_COMPACT_MIN);
}

bool bt_is_own_solver(const char *solver, const char *id) {
  size_t n = strlen(id);
  return strncmp(solver, "solve_", 6) == 0 && strncmp(solver + 6, id, n) == 0 &&
         (solver[6 + n] == '\0' || solver[6 + n] == '_');
}

/* With opts.own: the task's own solvers (own, n_solvers flags) and the lines they read
 * (need, n_lines + 1 flags, added to what it holds). */
static int cmp_named(const void *a, const void *b) {
  return strcmp(((const named_solver *)a)->name, ((const named_solver *)b)->name);
}

/* The program's solvers sorted by name (NULL when out of memory). */
static named_solver *solvers_by_name(const bt_program *p) {
  named_solver *v = malloc((size_t)(p->n_solvers ? p->n_solvers : 1) * sizeof *v);
  if (!v) return NULL;
  for (int s = 0; s < p->n_solvers; s++)
    v[s] = (named_solver){p->solvers[s].name, s};
  qsort(v, (size_t)p->n_solvers, sizeof *v, cmp_named);
  return v;
}

/* Calls each(s) for every solver that is task id's own (bt_is_own_solver), from the
 * solvers sorted by name: they all begin with solve_<id>, so they lie together. */
static int own_solvers(const named_solver *by_name, int n, const char *id, void (*each)(void *, int),
                       void *ctx) {
  char key[256];
  int len = snprintf(key, sizeof key, "solve_%s", id);
  bool fits = len >= 0 && (size_t)len < sizeof key;
  int lo = 0, hi = fits ? n : 0; /* the first name not below key (a name too long: from the first) */
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (strcmp(by_name[mid].name, key) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  int count = 0;
  for (int k = lo; k < n && strncmp(by_name[k].name, key, fits ? (size_t)len : 0) == 0; k++)
    if (bt_is_own_solver(by_name[k].name, id)) {
      if (each) each(ctx, by_name[k].s);
      count++;
    }
  return count;
}

typedef struct own_acc {
  const shared *sh;
  uint8_t *own, *need;
  int32_t outs[64];
  int n;
} own_acc;

/* One own solver: flagged, and its output and every statement marked as needed. */
static void own_one(void *ctx, int s) {
  own_acc *a = ctx;
  const bt_solver_info *sv = &a->sh->run->prog->solvers[s];
  a->own[s] = 1;
  for (int k = -1; k < sv->n_checks; k++) { /* its output and every statement decide */
    a->outs[a->n++] = k < 0 ? sv->out : sv->checks[k];
    if (a->n == 64) {
      bt_line_graph_need(a->sh->graph, a->n, a->outs, a->need);
      a->n = 0;
    }
  }
}

static void own_lines(const shared *sh, const bt_task *t, uint8_t *own, uint8_t *need) {
  const bt_program *p = sh->run->prog;
  own_acc a = {.sh = sh, .own = own, .need = need, .n = 0};
  own_solvers(sh->by_name, p->n_solvers, t->id, own_one, &a);
  bt_line_graph_need(sh->graph, a.n, a.outs, need);
}

/* What run_chunk allocates for a chunk of tasks (an own-task run's parts NULL otherwise). */
typedef struct chunk_mem {
  bt_exec_item *items, *task_items;
  uint8_t *need, *own, *blocks; /* per task: the lines and code blocks to run, its own solvers */
  int *own_at;                  /* per task: its own solvers' indices (owns) */
  solver_list *owns;
} chunk_mem;

static void chunk_mem_free(chunk_mem *m) {
  free(m->items);
  free(m->task_items);
  free(m->need);
  free(m->own);
  free(m->blocks);
  free(m->own_at);
  free(m->owns);
}

/* Runs and scores one chunk of tasks; false when the memory for it could not be had
 * (then nothing of it ran, or its results are incomplete: the run fails). */
static bool run_chunk(worker *w, int first, int n_tasks, bt_device *dev) {
  shared *sh = w->sh;
  const bt_program *p = sh->run->prog;
  const bt_taskset *ts = sh->run->tasks;
  int n_items = 0;
  for (int k = 0; k < n_tasks; k++)
    n_items += ts->tasks[first + k].n_train + ts->tasks[first + k].n_test;
  bool injected = sh->o->fail_chunk > 0 && atomic_fetch_add(&sh->chunks, 1) + 1 == sh->o->fail_chunk;
  /* a device worker holds every item of the chunk at once; a CPU worker one at a time */
  if (injected || !ensure_capacity(w, dev ? n_items : 1, n_tasks)) return false;
  bt_exec_item *items = calloc((size_t)(n_items ? n_items : 1), sizeof *items);
  size_t compact_min = sh->o->compact_min ? sh->o->compact_min : BT_COMPACT_MIN;
  bt_exec_item *task_items = calloc((size_t)(n_tasks ? n_tasks : 1), sizeof *task_items);
  /* opts.own: per task, its own solvers and the lines they read; a device runs the union */
  size_t lines = (size_t)p->n_lines + 1, ns = (size_t)(p->n_solvers ? p->n_solvers : 1);
  uint8_t *need = sh->graph ? calloc((size_t)(n_tasks + 1), lines) : NULL;
  uint8_t *own = sh->graph ? calloc((size_t)n_tasks, ns) : NULL;
  /* and the blocks of the code that hold those lines, made once for the task's items */
  size_t nb = p->n_blocks > 0 && p->line_block ? (size_t)p->n_blocks : 0;
  uint8_t *blocks = sh->graph && nb ? malloc((size_t)n_tasks * nb) : NULL;
  /* and each task's own solvers as a list, in the order of their indices */
  int *own_at = sh->graph ? malloc((size_t)(n_tasks ? n_tasks : 1) * ns * sizeof *own_at) : NULL;
  solver_list *owns = sh->graph ? malloc((size_t)(n_tasks ? n_tasks : 1) * sizeof *owns) : NULL;
  chunk_mem mem = {items, task_items, need, own, blocks, own_at, owns};
  if (!items || !task_items || (sh->graph && (!need || !own || (nb && !blocks) || !own_at || !owns))) {
    chunk_mem_free(&mem);
    return false;
  }
  uint8_t *need_all = need ? need + (size_t)n_tasks * lines : NULL;
  for (int k = 0; need && k < n_tasks; k++) {
    own_lines(sh, &ts->tasks[first + k], own + (size_t)k * ns, need + (size_t)k * lines);
    int *at = own_at + (size_t)k * ns, n_own = 0;
    for (size_t s = 0; s < ns; s++)
      if (own[(size_t)k * ns + s]) at[n_own++] = (int)s;
    owns[k] = (solver_list){at, n_own};
    if (blocks) bt_exec_need_blocks(p, need + (size_t)k * lines, blocks + (size_t)k * nb);
    for (size_t t = 0; dev && t < lines; t++) /* only a device runs the union */
      need_all[t] |= need[(size_t)k * lines + t];
  }
  if (dev) bt_device_forget(dev); /* the last chunk's values are gone */
  /* a device worker runs the task phase of every task of the chunk at once, so that one
     launch sees all their demonstrations; a CPU worker task by task (measured faster) */
  for (int k = 0; k < n_tasks; k++) {
    bt_value S = bt_task_samples(&w->task_cx[k], &ts->tasks[first + k]);
    task_items[k] = (bt_exec_item){
        .cx = &w->task_cx[k], .S = S, .task_frame = w->task_frames[k], .frame = w->task_frames[k]};
  }
  bt_profile *prof = w->prof.ns ? &w->prof : NULL;
  if (dev)
    bt_exec_run_need(p, BT_CLASS_TASK, task_items, n_tasks, sh->consts, prof, dev, need_all);
  else
    for (int k = 0; k < n_tasks; k++)
      bt_exec_run_blocks(p, BT_CLASS_TASK, &task_items[k], 1, sh->consts, prof, NULL,
                         need ? need + (size_t)k * lines : NULL, blocks ? blocks + (size_t)k * nb : NULL);
  int m = 0;
  for (int k = 0; k < n_tasks; k++) {
    const bt_task *t = &ts->tasks[first + k];
    bt_value S = task_items[k].S;
    for (int j = 0; j < t->n_train + t->n_test; j++, m++) {
      const bt_pair_io *io = item_io(t, j);
      /* a CPU worker runs its items one after the other in the same arenas */
      int a = dev ? m : 0;
      items[m] = (bt_exec_item){.cx = &w->item_cx[a],
                                .I = io->input,
                                .C = io->has_output ? io->output : bt_none(),
                                .S = S,
                                .task_frame = w->task_frames[k],
                                .frame = w->frames[a],
                                .spare = &w->spare_cx[a],
                                .compact_at = compact_min,
                                .major_at = compact_min,
                                .compact_min = compact_min};
    }
  }
  /* a device takes the whole tile line by line; a CPU worker an item at a time, so that
     its memory holds one item's values (and stays in cache) */
  if (dev) bt_exec_run_need(p, BT_CLASS_SAMPLE, items, n_items, sh->consts, prof, dev, need_all);
  m = 0;
  bool scored = true;
  for (int k = 0; k < n_tasks; k++) {
    const bt_task *t = &ts->tasks[first + k];
    bt_task_result *tr = &sh->run->by_task[first + k];
    for (int j = 0; j < t->n_train + t->n_test; j++, m++) {
      const bt_pair_io *io = item_io(t, j);
      if (j == t->n_train)
        demos_solved(p, t, tr, owns ? &owns[k] : NULL); /* for the test items' Kaggle attempts */
      tr->items[j].test = j >= t->n_train;
      tr->items[j].index = j < t->n_train ? j : j - t->n_train;
      if (!dev)
        bt_exec_run_blocks(p, BT_CLASS_SAMPLE, &items[m], 1, sh->consts, prof, NULL,
                           need ? need + (size_t)k * lines : NULL, blocks ? blocks + (size_t)k * nb : NULL);
      scored &= score_item(w, tr, j, io, &items[m], owns ? &owns[k] : NULL);
      empty_arena(w, items[m].cx);
      empty_arena(w, items[m].spare);
    }
    finish_task(p, t, tr, owns ? &owns[k] : NULL);
    if (scored) bt_journal_task(sh->journal, sh->run, first + k);
    if (scored && sh->o->task_done) sh->o->task_done(sh->o->task_done_ctx, sh->run, first + k);
  }
  for (int k = 0; k < n_tasks; k++)
    empty_arena(w, &w->task_cx[k]);
  atomic_fetch_add(&sh->items_done, n_items);
  chunk_mem_free(&mem);
  return scored;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Opens the worker's device with a tile sized to its free memory; when it cannot start,
 * says why once and the worker runs on the CPU. */
static void open_device(worker *w, bt_device_spec spec, const bt_run_opts *o) {
  char why[256] = "", name[32];
  bt_device_name(spec, name, sizeof name);
  bt_device_props props;
  int tile = o->device_tile;
  if (tile <= 0)
    tile = bt_device_props_get(spec, &props, why, sizeof why) ? bt_device_tile_items(props.free_mem) : 0;
  if (tile > 0) w->device = bt_device_open(spec, tile, o->device_pool, o->warn, why, sizeof why);
  if (!w->device) {
    fprintf(o->warn ? o->warn : stderr, "batt: warning: %s: %s; its worker runs on the CPU\n", name, why);
    return;
  }
  bt_device_choose(w->device, o->device_choose);
  w->tile = tile;
}

/* Whether a device worker runs its next chunk through its device (1) or item by item as
 * a CPU worker does (0), and whether that chunk is a probe (small: take_chunk).
 * --device cuda: always the device. --device auto: the first chunk on the CPU, the second
 * a probe on the device, then the mode with more items per second so far; the other mode
 * is tried again once the faster one has run MODE_RETRY times as long as the other's last
 * chunk took (a probe when that is the device), so that the choice follows a change. A
 * device slower than the CPU at everything costs one probe, then at most a 64th of the
 * time, and a run of one chunk never waits for it. */
static int pick_mode(worker *w, bool *probe) {
  *probe = false;
  if (!w->has_spec || !atomic_load_explicit(&w->opened, memory_order_acquire) || !w->device) return 0;
  if (!w->sh->o->device_choose) return 1;
  if (w->mode_ns[0] <= 0) return 0;
  if (w->mode_ns[1] <= 0) return *probe = true;
  int faster = w->mode_items[1] / w->mode_ns[1] >= w->mode_items[0] / w->mode_ns[0];
  int mode = w->since_ns[faster] >= MODE_RETRY * w->last_ns[!faster] ? !faster : faster;
  *probe = mode && !faster;
  return mode;
}

static void *open_main(void *arg) {
  worker *w = arg;
  open_device(w, w->spec, w->sh->o);
  atomic_store_explicit(&w->opened, 1, memory_order_release);
  return NULL;
}

static void *worker_main(void *arg) {
  worker *w = arg;
  const bt_run_opts *o = w->sh->o;
  int first, n, mode;
  bool probe;
  /* under auto a device opens on a thread of its own (allocating and page-locking its buffers
     takes a while): its worker runs chunks on the CPU meanwhile, and nobody waits for it;
     forced, every chunk goes to the device, which its worker opens first */
  if (w->has_spec &&
      !(o->device_choose && (w->opening = pthread_create(&w->opener, NULL, open_main, w) == 0)))
    open_main(w);
  while (!atomic_load(&w->sh->failed_chunk)) {
    mode = pick_mode(w, &probe);
    if ((n = take_chunk(w->sh, w, mode ? w->tile : o->tile, probe, &first)) <= 0) break;
    uint64_t start = now_ns();
    if (!run_chunk(w, first, n, mode ? w->device : NULL)) {
      int none = 0;
      atomic_compare_exchange_strong(&w->sh->failed_chunk, &none, first + 1);
    }
    long items = 0;
    for (int k = 0; k < n; k++)
      items += w->sh->run->tasks->tasks[first + k].n_train + w->sh->run->tasks->tasks[first + k].n_test;
    uint64_t ns = now_ns() - start;
    atomic_fetch_add(&w->rate_items, items);
    atomic_fetch_add(&w->rate_ns, (long long)ns);
    w->mode_items[mode] += (double)items;
    w->mode_ns[mode] += (double)ns;
    w->last_ns[mode] = (double)ns;
    w->since_ns[mode] += (double)ns;
    w->since_ns[!mode] = 0;
  }
  if (w->opening) pthread_join(w->opener, NULL); /* the device is this worker's to close */
  atomic_fetch_add(&w->sh->workers_done, 1);
  return NULL;
}

static bool alloc_results(bt_run *run, bool own, const named_solver *by_name) {
  const bt_taskset *ts = run->tasks;
  int ns = run->prog->n_solvers;
  size_t total = 0, nsz = (size_t)(ns ? ns : 1);
  for (int k = 0; k < ts->n; k++)
    total += (size_t)(ts->tasks[k].n_train + ts->tasks[k].n_test);
  run->by_task = calloc((size_t)(ts->n ? ts->n : 1), sizeof *run->by_task);
  /* one block each: fresh zeroed pages, not a cleared piece of the heap per task */
  run->results_block = calloc((total ? total : 1) * nsz, sizeof *run->results_block);
  run->flags_block = calloc((size_t)(ts->n ? ts->n : 1) * 2 * nsz, sizeof *run->flags_block);
  if (!run->by_task || !run->results_block || !run->flags_block) return false;
  size_t at = 0;
  for (int k = 0; k < ts->n; k++) {
    bt_task_result *tr = &run->by_task[k];
    int n_items = ts->tasks[k].n_train + ts->tasks[k].n_test;
    tr->items = calloc((size_t)(n_items ? n_items : 1), sizeof *tr->items);
    if (!tr->items) return false;
    tr->results = run->results_block + at * nsz;
    at += (size_t)n_items;
    tr->solved = run->flags_block + (size_t)k * 2 * nsz;
    tr->demo_solved = tr->solved + nsz;
    tr->n_items = n_items; /* bt_run_free walks only the items that exist */
    int evaluated = own ? own_solvers(by_name, ns, ts->tasks[k].id, NULL, NULL) : ns;
    run->evaluations += (long)n_items * evaluated;
  }
  return true;
}

static void draw_progress(shared *sh, double elapsed) {
  long done = atomic_load(&sh->items_done), total = sh->items_total ? sh->items_total : 1;
  int width = 30, filled = (int)(width * done / total);
  fprintf(stderr, "\r[%.*s%*s] %ld/%ld items  %.1f s", filled, "##############################",
          width - filled, "", done, total, elapsed);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

bool bt_run_program(bt_run *run, const bt_program *prog, const bt_taskset *tasks, const bt_run_opts *o) {
  memset(run, 0, sizeof *run);
  run->prog = prog;
  run->tasks = tasks;
  double start = now_s();
  FILE *warn = o->warn ? o->warn : stderr;
  bt_value *consts = bt_frame_new(prog);
  bt_line_graph *graph = o->own ? bt_line_graph_new(prog) : NULL;
  named_solver *by_name = o->own ? solvers_by_name(prog) : NULL;
  bool *done = calloc((size_t)(tasks->n ? tasks->n : 1), sizeof *done);
  bt_journal *journal = NULL;
  bool ok = (!o->own || (graph && by_name)) && alloc_results(run, o->own, by_name) && consts && done;
  if (ok && o->checkpoint)
    ok = (journal = bt_journal_open(o->checkpoint, o->resume, run, o, done, &run->resumed, warn));
  if (!ok) {
    fprintf(warn, "batt: error: out of host memory for the results of %d tasks\n", tasks->n);
    free(consts);
    free(done);
    bt_line_graph_free(graph);
    free(by_name);
    bt_run_free(run);
    return false;
  }
  for (int k = 0; k < tasks->n && run->resumed; k++)
    if (done[k]) {
      finish_task(prog, &tasks->tasks[k], &run->by_task[k], NULL);
      if (o->task_done) o->task_done(o->task_done_ctx, run, k);
    }
  bt_ctx const_cx;
  bt_ctx_init(&const_cx, &o->limits);
  bt_exec_item ci = {
      .cx = &const_cx, .I = bt_none(), .C = bt_none(), .S = bt_none(), .task_frame = consts, .frame = consts};
  bt_exec_run(prog, BT_CLASS_CONST, &ci, 1, NULL);

  int cores = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
  int n_dev = o->n_devices > 0 ? (o->n_devices < BT_MAX_DEVICES ? o->n_devices : BT_MAX_DEVICES) : 0;
  int threads = cores > n_dev ? cores : n_dev;
  if (threads < 1) threads = 1;
  shared sh = {.run = run,
               .o = o,
               .consts = consts,
               .workers = threads,
               .graph = graph,
               .by_name = by_name,
               .journal = journal,
               .done = done};
  pthread_mutex_init(&sh.lock, NULL);
  for (int k = 0; k < tasks->n; k++) {
    long items = tasks->tasks[k].n_train + tasks->tasks[k].n_test;
    sh.items_total += items;
    if (done[k]) { /* restored: counted as done and taken */
      atomic_fetch_add(&sh.items_done, items);
      sh.items_taken += items;
    }
  }
  worker *ws = calloc((size_t)threads, sizeof *ws);
  pthread_t *tids = calloc((size_t)threads, sizeof *tids);
  bool *started = calloc((size_t)threads, sizeof *started);
  if (!ws || !tids || !started) {
    fprintf(warn, "batt: error: out of host memory for %d workers\n", threads);
    free(ws);
    free(tids);
    free(started);
    free(consts);
    free(done);
    bt_journal_close(journal, false);
    bt_line_graph_free(graph);
    free(by_name);
    bt_ctx_free(&const_cx);
    bt_run_free(run);
    return false;
  }
  sh.ws = ws;
  for (int k = 0; k < threads; k++) {
    ws[k].sh = &sh;
    ws[k].tile = o->tile;
    if (k < n_dev) ws[k].has_spec = true, ws[k].spec = o->devices[k];
    if (o->profile) {
      ws[k].prof.ns = calloc((size_t)prog->n_lines + 1, sizeof *ws[k].prof.ns);
      ws[k].prof.prim = calloc((size_t)prog->n_lines + 1, sizeof *ws[k].prof.prim);
    }
    started[k] = pthread_create(&tids[k], NULL, worker_main, &ws[k]) == 0;
  }
  for (int k = 0; k < threads; k++) /* a worker without a thread works in this one */
    if (!started[k]) worker_main(&ws[k]);
  if (o->progress) {
    while (atomic_load(&sh.items_done) < sh.items_total && atomic_load(&sh.workers_done) < threads) {
      draw_progress(&sh, now_s() - start);
      nanosleep(&(struct timespec){0, 200000000}, NULL);
    }
  }
  for (int k = 0; k < threads; k++)
    if (started[k]) pthread_join(tids[k], NULL);
  if (o->progress) {
    draw_progress(&sh, now_s() - start);
    fputc('\n', stderr);
  }
  if (o->profile) {
    run->line_ns = calloc((size_t)prog->n_lines + 1, sizeof *run->line_ns);
    run->line_prim = calloc((size_t)prog->n_lines + 1, sizeof *run->line_prim);
    for (int t = 0; t <= prog->n_lines; t++)
      run->line_prim[t] = -1;
  }
  for (int k = 0; k < threads; k++) {
    worker *w = &ws[k];
    if (w->device)
      run->device_workers++;
    else
      run->cpu_workers++;
    if (w->peak > run->peak_arena) run->peak_arena = w->peak;
    for (int t = 0; w->prof.ns && t <= prog->n_lines; t++) {
      run->line_ns[t] += w->prof.ns[t];
      if (w->prof.ns[t]) run->line_prim[t] = w->prof.prim[t];
    }
    free(w->prof.ns);
    free(w->prof.prim);
    if (w->device) {
      const bt_device_stats *st = bt_device_stats_of(w->device);
      run->devices.launches += st->launches;
      run->devices.grids += st->grids;
      run->devices.fallbacks += st->fallbacks;
      run->devices.cpu_items += st->cpu_items;
      run->devices.demo_grids += st->demo_grids;
      run->devices.resident += st->resident;
      bt_device_close(w->device);
    }
    for (int m = 0; m < w->cap_items; m++) {
      bt_ctx_free(&w->item_cx[m]);
      bt_ctx_free(&w->spare_cx[m]);
      free(w->frames[m]);
    }
    for (int m = 0; m < w->cap_tasks; m++) {
      free(w->task_frames[m]);
      bt_ctx_free(&w->task_cx[m]);
    }
    free(w->task_cx);
    free(w->item_cx);
    free(w->spare_cx);
    free(w->frames);
    free(w->task_frames);
  }
  free(ws);
  free(tids);
  free(started);
  pthread_mutex_destroy(&sh.lock);
  free(consts);
  free(done);
  bt_journal_close(journal, false);
  bt_line_graph_free(graph);
  free(by_name);
  bt_ctx_free(&const_cx);
  run->seconds = now_s() - start;
  int failed = atomic_load(&sh.failed_chunk);
  if (failed) {
    fprintf(warn,
            "batt: error: out of host memory for the chunk of tasks from %s (--tile %d); the run stopped\n",
            tasks->tasks[failed - 1].id, o->tile);
    bt_run_free(run);
    return false;
  }
  return true;
}

void bt_run_free(bt_run *run) {
  for (int k = 0; run->tasks && run->by_task && k < run->tasks->n; k++) {
    bt_task_result *tr = &run->by_task[k];
    for (int j = 0; j < tr->n_items; j++) {
      for (int o = 0; o < tr->items[j].n_outputs; o++)
        free(tr->items[j].outputs[o]);
      free(tr->items[j].outputs);
      free(tr->items[j].out_is_grid);
    }
    free(tr->items);
  }
  free(run->results_block);
  free(run->flags_block);
  free(run->by_task);
  free(run->line_ns);
  free(run->line_prim);
  memset(run, 0, sizeof *run);
}

void bt_print_profile(const bt_run *run, int n, FILE *out) {
  if (!run->line_ns) return;
  int lines = run->prog->n_lines;
  uint64_t total = 0;
  for (int t = 1; t <= lines; t++)
    total += run->line_ns[t];
  fprintf(out, "profile: the %d costliest of %d lines (%.3f s of line time, all threads)\n", n, lines,
          (double)total * 1e-9);
  bool *shown = calloc((size_t)lines + 1, sizeof *shown);
  for (int k = 0; k < n && k < lines; k++) {
    int best = 0;
    for (int t = 1; t <= lines; t++)
      if (!shown[t] && (best == 0 || run->line_ns[t] > run->line_ns[best])) best = t;
    if (best == 0 || run->line_ns[best] == 0) break;
    shown[best] = true;
    int prim = run->line_prim[best];
    char fused[64];
    const char *what = prim >= 0 ? bt_prims[prim].name : "(function value)";
    if (prim < 0 && bt_fused_name(prim)) {
      snprintf(fused, sizeof fused, "(fused %s)", bt_fused_name(prim));
      what = fused;
    }
    fprintf(out, "  t%-6d %-18s %10.3f ms %6.2f%%\n", best, what, (double)run->line_ns[best] * 1e-6,
            total ? 100.0 * (double)run->line_ns[best] / (double)total : 0);
  }
  free(shown);
}
