/* frame.c: the items of a tile and their frames: operands, storing a line's values,
 * compaction of an item's arena, the line graph and per-line profiling. Running the
 * lines (exec.c, fused.c) sits on top of this. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bt_prims.h"
#include "frame.h"

bt_value *bt_frame_new(const bt_program *p) {
  bt_value *f = malloc((size_t)(p->n_lines + 1) * sizeof *f);
  if (!f) return NULL;
  for (int k = 0; k <= p->n_lines; k++)
    f[k] = bt_err(BT_E_RUNTIME);
  return f;
}

bt_value bt_exec_value(const bt_program *p, const bt_value *const_frame, const bt_exec_item *it, int t) {
  switch (p->line_class[t]) {
  case BT_CLASS_CONST: return const_frame ? const_frame[t] : it->frame[t];
  case BT_CLASS_TASK: return it->task_frame[t];
  default: return it->frame[t];
  }
}

bt_value bt_exec_outcome(const bt_program *p, const bt_value *const_frame, const bt_exec_item *it, int s) {
  const bt_solver_info *sv = &p->solvers[s];
  /* a line's frame slot keeps its kind after its value died (compaction moves only the
   * values still to be read): an error is an error to the end of the item */
  for (int k = 0; k < sv->n_checks; k++) {
    bt_value v = bt_exec_value(p, const_frame, it, sv->checks[k]);
    if (bt_is_err(v)) return v;
  }
  return bt_exec_value(p, const_frame, it, sv->out);
}

bt_value bt_exec_operand(bt_exec *ex, bt_exec_item *it, bt_operand o) {
  switch (o.kind) {
  case BT_O_T: return bt_exec_value(ex->prog, ex->const_frame, it, o.a);
  case BT_O_I: return it->I;
  case BT_O_S: return it->S;
  case BT_O_C: return it->C;
  case BT_O_INT: return bt_int(o.a);
  case BT_O_BOOL: return bt_bool(o.a);
  case BT_O_PAIR: return bt_ipair(it->cx, o.a, o.b);
  case BT_O_PRIM: return bt_prim_value(o.a);
  default: return bt_err(BT_E_RUNTIME);
  }
}

/* Generational compaction. The item's values are made in its arena (the nursery); when it
 * has grown by compact_min, the live sample values (computed at or before line t, read
 * after it) have their parts that lie in the nursery copied into the spare arena (the old
 * generation) and the nursery is emptied. Values never point into a younger arena, so
 * what survived once is not copied again, until the old generation passes major_at: then
 * the live values are copied once more, into the emptied nursery, and the two arenas
 * swap. Memory holds what is alive, give or take a generation of garbage. */
static int live_values(const bt_exec *ex, const bt_exec_item *it, int t, int *slots, bt_value *vals) {
  const bt_program *p = ex->prog;
  int n = 0;
  for (int s = 1; s <= t; s++) /* a line not run holds what an earlier item left there */
    if (p->line_class[s] == BT_CLASS_SAMPLE && p->last_use[s] > t && (!ex->need || ex->need[s]) &&
        !bt_is_err(it->frame[s])) {
      slots[n] = s;
      vals[n++] = it->frame[s];
    }
  for (int k = 0; k < ex->nahead; k++) {
    int s = ex->ahead[k];
    if (s > t && !bt_is_err(it->frame[s])) {
      slots[n] = s;
      vals[n++] = it->frame[s];
    }
  }
  return n;
}

/* Copies the parts of vals that lie in from's arena into to; on success stores them in the
 * frame and empties from, else leaves everything as it was. */
static bool evacuate(bt_exec_item *it, bt_ctx *from, bt_ctx *to, int n, const int *slots, bt_value *vals) {
  bt_mark before = bt_arena_mark(to);
  if (!bt_copy_out(to, from, vals, (size_t)n)) {
    bt_arena_release(to, before);
    for (int k = 0; k < n; k++)
      vals[k] = it->frame[slots[k]];
    return false;
  }
  for (int k = 0; k < n; k++)
    it->frame[slots[k]] = vals[k];
  bt_arena_release(from, (bt_mark){NULL, 0, 0});
  return true;
}

static void compact(const bt_exec *ex, bt_exec_item *it, int t, bool full) {
  it->moves++;
  size_t floor = it->compact_min ? it->compact_min : BT_COMPACT_MIN;
  int *slots = malloc((size_t)(t + ex->nahead + 1) * sizeof *slots);
  bt_value *vals = malloc((size_t)(t + ex->nahead + 1) * sizeof *vals);
  if (slots && vals) {
    int n = live_values(ex, it, t, slots, vals);
    if (evacuate(it, it->cx, it->spare, n, slots, vals) && (full || it->spare->arena.used > it->major_at) &&
        evacuate(it, it->spare, it->cx, n, slots, vals)) {
      bt_arena swap = it->cx->arena;
      it->cx->arena = it->spare->arena;
      it->spare->arena = swap;
      /* garbage in the old generation counts against max_bytes: a bounded share of it */
      size_t live = it->spare->arena.used, slack = live / 2 < floor ? floor : live / 2;
      if (slack > it->cx->lim.max_bytes / 16)
        slack = it->cx->lim.max_bytes / 16 > floor ? it->cx->lim.max_bytes / 16 : floor;
      it->major_at = live + slack;
    }
    /* the nursery counts the old generation too: limits see the item's whole memory */
    if (it->cx->arena.used == 0) it->cx->arena.used = it->spare->arena.used;
  }
  it->compact_at = it->cx->arena.used + floor;
  free(slots);
  free(vals);
}

void bt_exec_settle(bt_exec *ex, bt_exec_item *it, int now) {
  if (!it->spare || it->cx->arena.used <= it->compact_at || ex->phase != BT_CLASS_SAMPLE || ex->no_compact)
    return;
  /* a value the next line reads last (a product its filter reads) dies there: compacting
     after that line does not copy it. Put off once in a row: memory grows by one line. */
  const bt_program *p = ex->prog;
  if (now > 0 && now < p->n_lines && p->last_use[now] == now + 1 && it->deferred != now - 1) {
    it->deferred = now;
    return;
  }
  it->deferred = 0;
  compact(ex, it, now, false);
}

bool bt_exec_reclaim(bt_exec *ex, bt_exec_item *it, int t, bt_mark before) {
  if (!it->spare || ex->phase != BT_CLASS_SAMPLE || ex->no_compact || !it->cx->out_of_bytes) return false;
  bt_arena_release(it->cx, before); /* what the failed call made is garbage */
  bt_arena_trim(it->cx, 0);         /* and goes back before the live values are copied */
  bt_arena_trim(it->spare, 0);
  compact(ex, it, t - 1, true);
  /* the call runs again whenever the collection freed memory: whether a line fits then
     depends on the values alive, not on the garbage the schedule of collections left */
  return it->cx->arena.used < before.used;
}

void bt_exec_store(bt_exec *ex, bt_exec_item *it, int t, bt_value v) {
  /* a line's closure goes through the call memo (a constant one may be the threads') */
  if (v.kind == BT_FN && v.u.clo && !__atomic_load_n(&v.u.clo->line, __ATOMIC_RELAXED))
    __atomic_store_n(&((bt_closure *)v.u.clo)->line, 1, __ATOMIC_RELAXED);
  it->frame[t] = v;
  bt_exec_settle(ex, it, t);
}

void bt_exec_ahead(bt_exec *ex, int now, int n, const int32_t *ts) {
  for (int k = 0; k < n; k++) {
    if (ts[k] <= now) continue;
    if (ex->nahead == ex->capahead) {
      int cap = ex->capahead ? 2 * ex->capahead : 16;
      int32_t *a = realloc(ex->ahead, (size_t)cap * sizeof *a);
      if (!a) { /* unlisted lines would be lost by a compaction: do without it */
        ex->no_compact = true;
        return;
      }
      ex->ahead = a;
      ex->capahead = cap;
    }
    ex->ahead[ex->nahead++] = ts[k];
  }
}

uint64_t bt_exec_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bt_exec_profile(bt_exec *ex, int t, int code, uint64_t start) {
  if (!ex->prof) return;
  ex->prof->ns[t] += bt_exec_now_ns() - start;
  ex->prof->prim[t] = code;
}

/* ---- the line graph ------------------------------------------------------------------ */

static void record(bt_line_graph *g, int n, const int32_t *ts, int nops, const bt_operand *ops) {
  for (int k = 0; k < n; k++)
    for (int o = 0; o < nops; o++) {
      if (ops[o].kind != BT_O_T) continue;
      if (ts[k] < 1 || ts[k] > g->n_lines || ops[o].a < 1 || ops[o].a > g->n_lines) {
        g->failed = true;
        return;
      }
      if (g->n_edges == g->cap_edges) {
        size_t cap = g->cap_edges ? 2 * g->cap_edges : 256;
        int32_t *e = realloc(g->edges, cap * 2 * sizeof *e);
        if (!e) {
          g->failed = true;
          return;
        }
        g->edges = e;
        g->cap_edges = cap;
      }
      g->edges[2 * g->n_edges] = ts[k];
      g->edges[2 * g->n_edges + 1] = ops[o].a;
      g->n_edges++;
    }
}

bool bt_exec_skip(bt_exec *ex, int n, const int32_t *ts, int nops, const bt_operand *ops) {
  if (ex->graph) {
    record(ex->graph, n, ts, nops, ops);
    return true;
  }
  if (!ex->need) return false;
  for (int k = 0; k < n; k++)
    if (ex->need[ts[k]]) return false;
  for (int i = 0; i < ex->n; i++)
    for (int k = 0; k < n; k++)
      ex->items[i].frame[ts[k]] = bt_err(BT_E_RUNTIME);
  return true;
}

bt_line_graph *bt_line_graph_new(const bt_program *p) {
  bt_line_graph *g = calloc(1, sizeof *g);
  if (!g) return NULL;
  g->n_lines = p->n_lines;
  bt_exec ex = {.prog = p, .graph = g};
  for (int phase = BT_CLASS_CONST; phase <= BT_CLASS_SAMPLE; phase++) {
    ex.phase = (bt_class)phase;
    p->run(&ex, (bt_class)phase);
  }
  free(ex.ahead);
  g->first = calloc((size_t)p->n_lines + 2, sizeof *g->first);
  g->dep = malloc((g->n_edges ? g->n_edges : 1) * sizeof *g->dep);
  if (g->failed || !g->first || !g->dep) {
    bt_line_graph_free(g);
    return NULL;
  }
  /* counting sort of the edges by line */
  for (size_t e = 0; e < g->n_edges; e++)
    g->first[g->edges[2 * e] + 1]++;
  for (int t = 1; t <= p->n_lines + 1; t++)
    g->first[t] += g->first[t - 1];
  int32_t *at = malloc(((size_t)p->n_lines + 1) * sizeof *at);
  if (!at) {
    bt_line_graph_free(g);
    return NULL;
  }
  memcpy(at, g->first, ((size_t)p->n_lines + 1) * sizeof *at);
  for (size_t e = 0; e < g->n_edges; e++)
    g->dep[at[g->edges[2 * e]]++] = g->edges[2 * e + 1];
  free(at);
  free(g->edges);
  g->edges = NULL;
  return g;
}

void bt_line_graph_free(bt_line_graph *g) {
  if (!g) return;
  free(g->first);
  free(g->dep);
  free(g->edges);
  free(g);
}

void bt_line_graph_need(const bt_line_graph *g, int n, const int32_t *outs, uint8_t *need) {
  int32_t *stack = malloc(((size_t)g->n_lines + 1) * sizeof *stack);
  int top = 0;
  for (int k = 0; k < n; k++)
    if (outs[k] >= 1 && outs[k] <= g->n_lines && !need[outs[k]]) {
      need[outs[k]] = 1;
      if (stack) stack[top++] = outs[k];
    }
  if (!stack) { /* no memory for the walk: every line */
    memset(need + 1, 1, (size_t)g->n_lines);
    return;
  }
  while (top > 0) {
    int t = stack[--top];
    for (int d = g->first[t]; d < g->first[t + 1]; d++)
      if (!need[g->dep[d]]) {
        need[g->dep[d]] = 1;
        stack[top++] = g->dep[d];
      }
  }
  free(stack);
}

const bt_program *bt_exec_program(const bt_exec *ex) { return ex->prog; }
