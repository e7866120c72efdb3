/* frame.h: the items of a tile, their frames and what the calls of a program share:
 * operands, storing a line's values (with compaction), skipping lines, the line graph
 * and per-line profiling. The lines themselves run in exec.c and fused.c (exec.h). */
#ifndef BATT_FRAME_H
#define BATT_FRAME_H

#include "program.h"

/* One (task, sample) item of a tile, or the pseudo-item of a task or constant phase. */
typedef struct bt_exec_item {
  bt_ctx *cx; /* arena and limits the item's values live in */
  bt_value I, C, S;
  bt_value *task_frame; /* values of the task lines (index: line) */
  bt_value *frame;      /* where this phase's lines are stored (index: line) */
  bt_ctx *spare;        /* sample phase: when set, the old generation of the item's
                           values (exec.c, compact): cx is compacted into it once cx
                           grows past compact_at, and it is compacted past major_at */
  size_t compact_at;
  size_t major_at;
  size_t compact_min; /* compact_at never drops below this (0: BT_COMPACT_MIN) */
  uint32_t moves;     /* compactions so far: each may move the item's values */
  int32_t deferred;   /* the line after which a compaction was put off (bt_exec_settle), or 0 */
} bt_exec_item;

/* Arena use below which an item is never compacted. 8 MiB measured faster than 4, 12 and 16
 * (bench/results: the pages a larger nursery makes present cost more than the copies it saves). */
#define BT_COMPACT_MIN ((size_t)8 << 20)

/* Where the time goes, per line (index: line): nanoseconds across all items, and the
 * primitive a direct call ran (-1 for a call through a function value). */
typedef struct bt_profile {
  uint64_t *ns;
  int32_t *prim;
} bt_profile;

typedef struct bt_device bt_device; /* device.h */

struct bt_exec {
  const uint8_t *need;       /* NULL, or the lines to run (index: line); the others are skipped.
                                First: the emitted code reads it (bt_exec_runs) */
  const uint8_t *need_block; /* NULL, or the blocks of the emitted code that hold a line of
                                need (bt_program.line_block). Second: read by bt_exec_block */
  const bt_program *prog;
  bt_class phase;
  int n;
  bt_exec_item *items;
  const bt_value *const_frame;
  bt_profile *prof; /* NULL: not profiled */
  int32_t *ahead;   /* lines a fused call stored before their place (see bt_exec_ahead) */
  int nahead, capahead;
  bool no_compact;             /* set when the list above could not grow */
  bt_device *device;           /* runs the lines it has kernels for (device.h); NULL: all on the CPU */
  uint8_t *stored;             /* with a device: per item, whether the device stored the line */
  struct bt_line_graph *graph; /* set: the calls are recorded into it, nothing runs */
};

/* Which lines each line reads (the lines of a fused call read all the call's operands),
 * recorded by running the program's code once with no item. */
typedef struct bt_line_graph {
  int n_lines;
  int32_t *first; /* line t reads dep[first[t] .. first[t + 1]) */
  int32_t *dep;
  int32_t *edges; /* while recording: (line, line read) pairs */
  size_t n_edges, cap_edges;
  bool failed;
} bt_line_graph;

_Static_assert(offsetof(struct bt_exec, need) == 0, "bt_exec_runs reads need as an exec's first member");
_Static_assert(offsetof(struct bt_exec, need_block) == sizeof(const uint8_t *),
               "bt_exec_block reads need_block as an exec's second member");

/* The graph of p; NULL when out of memory. */
bt_line_graph *bt_line_graph_new(const bt_program *p);
void bt_line_graph_free(bt_line_graph *g);
/* Marks in need (p->n_lines + 1 bytes, cleared by the caller) the lines outs read, directly
 * or not, and outs themselves. */
void bt_line_graph_need(const bt_line_graph *g, int n, const int32_t *outs, uint8_t *need);
/* For the calls: true when line t (or, for a fused call, every line of ts) is not to run
 * on this exec; its slot then holds an error in every item's frame. Records the call's
 * operands instead when the exec is recording. */
bool bt_exec_skip(bt_exec *ex, int n, const int32_t *ts, int nops, const bt_operand *ops);

/* For the fused calls (fused.c): the value of an operand for one item, and storing the
 * value of line t for one item (compacting its arena when it has grown). */
bt_value bt_exec_operand(bt_exec *ex, bt_exec_item *it, bt_operand o);
void bt_exec_store(bt_exec *ex, bt_exec_item *it, int t, bt_value v);
/* A fused call at line `now` is about to store lines ts, some of them after `now`: they
 * count as computed from here on (compaction keeps them). */
void bt_exec_ahead(bt_exec *ex, int now, int n, const int32_t *ts);
/* After a fused call stored its lines into it->frame: compacts the item's arena when
 * it has grown, as bt_exec_store does. */
void bt_exec_settle(bt_exec *ex, bt_exec_item *it, int now);
/* Line t's call, begun at mark `before`, met the arena's limit (an allocation was refused
 * for max_bytes): frees what the call made and collects the item's garbage (a full
 * compaction of the values alive before line t), so that the line can run once more, its
 * outcome then depending on the values alive rather than on when the last compaction ran.
 * True when that freed memory (the line runs again); false when there was nothing to do or
 * nothing was freed (it would fail the same way). */
bool bt_exec_reclaim(bt_exec *ex, bt_exec_item *it, int t, bt_mark before);
/* Adds the time since start to line t's profile (no-op when not profiling). */
void bt_exec_profile(bt_exec *ex, int t, int code, uint64_t start);
uint64_t bt_exec_now_ns(void);

/* A frame: one value slot per line, every slot an error until computed. */
bt_value *bt_frame_new(const bt_program *p);
/* The value of line t for item it, whatever its class. */
bt_value bt_exec_value(const bt_program *p, const bt_value *const_frame, const bt_exec_item *it, int t);
/* Solver s's outcome for item it, as Python would end its function: the error of its
 * earliest statement (source order) that failed, else its output (line out). */
bt_value bt_exec_outcome(const bt_program *p, const bt_value *const_frame, const bt_exec_item *it, int s);
#endif
