/* The tile path against the primitives: every kernel primitive on every grid of
 * ARC-AGI-1 (inputs and outputs) and on adversarial grids, packed into a tile, run by
 * the CPU twin and unpacked, equals bt_call_prim's value (bt_same: objects built from
 * labels included). Also the multi-mode labelling and what must stay on the CPU.
 *
 * usage: test_tile ARC_AGI_1_DIR  (BATT_SOUNDNESS_TASKS=N: only the first N tasks) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bt_prims.h"
#include "tasks.h"
#include "tile.h"
#include "value_json.h"

static const char *arc_dir;
static bt_taskset tasks;
static bt_ctx cx;
static bt_tile_batch batch;
static long checked, on_cpu;
static int n_tasks; /* tasks checked */

static char *show(bt_value v) {
  json_t *j = bt_to_json(v);
  char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
  json_decref(j);
  return s;
}

/* prim(args) through the tile twin equals bt_call_prim; false when it stays on the CPU. */
static bool check_call(int prim, const bt_value *args) {
  bt_ctx_begin(&cx);
  bt_value want = bt_call_prim(&cx, prim, args);
  batch.n = 1;
  if (!bt_tile_pack(&cx, &batch, 0, prim, args)) {
    on_cpu++;
    return false;
  }
  bt_tile_twin((bt_tile_op)bt_tile_prim_op(prim), &batch);
  bt_value got = bt_tile_unpack(&cx, &batch, 0, prim, args);
  if (!bt_same(got, want)) {
    char *g = show(args[0]), *w = show(want), *o = show(got);
    fail_msg("%s on %s: tile gives %s, the primitive %s", bt_prims[prim].name, g, o, w);
  }
  checked++;
  return true;
}

static bt_value grid_of(int h, int w, int (*cell)(int i, int j, void *), void *arg) {
  bt_value *cells;
  bt_value g = bt_grid_new(&cx, h, w, &cells);
  for (int i = 0; i < h; i++)
    for (int j = 0; j < w; j++)
      cells[i * w + j].u.i = cell(i, j, arg);
  return g;
}

static bt_value pair(int64_t a, int64_t b) { return bt_ipair(&cx, a, b); }

/* Every kernel primitive, with arguments derived from g, through the twin. */
static void check_grid(bt_value g) {
  int h, w;
  assert_true(bt_tile_grid_ok(g, &h, &w));
  bt_mark mark = bt_arena_mark(&cx);
  bt_value one[1] = {g};
  static const int unary[] = {BT_P_p_g,       BT_P_palette, BT_P_mostcolor, BT_P_leastcolor,
                              BT_P_numcolors, BT_P_rot90,   BT_P_rot180,    BT_P_rot270,
                              BT_P_hmirror,   BT_P_vmirror, BT_P_dmirror,   BT_P_cmirror};
  for (size_t k = 0; k < sizeof unary / sizeof *unary; k++)
    assert_true(check_call(unary[k], one));
  bt_value most = bt_call_prim(&cx, BT_P_mostcolor, one), least = bt_call_prim(&cx, BT_P_leastcolor, one);
  for (int mode = 0; mode < 8; mode++) {
    bt_value og[2] = {g, bt_int(mode)}, ob[4] = {g, bt_bool(mode & 4), bt_bool(mode & 2), bt_bool(mode & 1)};
    assert_true(check_call(BT_P_o_g, og));
    assert_true(check_call(BT_P_objects, ob));
    bt_value mr[2] = {g, bt_int(mode)};
    assert_true(check_call(BT_P_mir_rot_t, mr));
  }
  bt_value counts[] = {bt_int(0), most, least, bt_int(10), bt_bool(true), bt_none()};
  for (size_t k = 0; k < sizeof counts / sizeof *counts; k++) {
    bt_value cc[2] = {g, counts[k]};
    assert_true(check_call(BT_P_colorcount, cc));
  }
  for (int f = 1; f <= 4; f++) {
    bt_value sc[2] = {g, bt_int(f)};
    check_call(BT_P_upscale, sc); /* on the CPU when the result passes 30x30 */
    assert_true(check_call(BT_P_downscale, sc));
  }
  bt_value rot = bt_call_prim(&cx, BT_P_rot90, one), hm = bt_call_prim(&cx, BT_P_hmirror, one);
  bt_value cat[][2] = {{g, g}, {g, rot}, {rot, g}, {g, hm}};
  for (size_t k = 0; k < sizeof cat / sizeof *cat; k++) {
    check_call(BT_P_hconcat, cat[k]);
    check_call(BT_P_vconcat, cat[k]);
  }
  int64_t windows[][4] = {{0, 0, h, w},   {1, 1, 2, 3}, {h / 2, w / 3, h, w},
                          {-2, -1, 2, 5}, {0, 0, 0, 3}, {2, w, 3, 3}};
  for (size_t k = 0; k < sizeof windows / sizeof *windows; k++) {
    bt_value cr[3] = {g, pair(windows[k][0], windows[k][1]), pair(windows[k][2], windows[k][3])};
    assert_true(check_call(BT_P_crop, cr));
  }
  bt_value objs =
      bt_call_prim(&cx, BT_P_objects, (bt_value[]){g, bt_bool(true), bt_bool(false), bt_bool(true)});
  bt_value obj = objs.n ? objs.u.items[objs.n - 1] : bt_set_sorted(NULL, 0);
  bt_value shifted = bt_call_prim(&cx, BT_P_shift, (bt_value[]){obj, pair(h / 2, -1)});
  bt_value recolored = bt_call_prim(&cx, BT_P_recolor, (bt_value[]){bt_int(7), shifted});
  bt_value idx = bt_call_prim(&cx, BT_P_ofcolor, (bt_value[]){g, least});
  bt_value patches[] = {obj, shifted, idx, bt_call_prim(&cx, BT_P_toindices, &shifted)};
  for (size_t k = 0; k < sizeof patches / sizeof *patches; k++) {
    if (patches[k].n) check_call(BT_P_subgrid, (bt_value[]){patches[k], g});
    assert_true(check_call(BT_P_fill, (bt_value[]){g, bt_int(5), patches[k]}));
    assert_true(check_call(BT_P_cover, (bt_value[]){g, patches[k]}));
  }
  bt_value asobj = bt_call_prim(&cx, BT_P_asobject, &hm);
  bt_value paints[] = {obj, shifted, recolored, asobj};
  for (size_t k = 0; k < sizeof paints / sizeof *paints; k++)
    assert_true(check_call(BT_P_paint, (bt_value[]){g, paints[k]}));
  bt_value maps[][2] = {{most, bt_int(7)}, {least, most}, {bt_int(3), bt_int(3)}, {bt_int(12), bt_int(1)}};
  for (size_t k = 0; k < sizeof maps / sizeof *maps; k++) {
    assert_true(check_call(BT_P_replace, (bt_value[]){g, maps[k][0], maps[k][1]}));
    check_call(BT_P_switch, (bt_value[]){g, maps[k][0], maps[k][1]}); /* 12 may come out */
  }
  bt_value vm = bt_call_prim(&cx, BT_P_vmirror, one);
  assert_true(check_call(BT_P_cellwise, (bt_value[]){g, hm, bt_int(0)}));
  assert_true(check_call(BT_P_cellwise, (bt_value[]){g, vm, most}));
  bt_value up = bt_call_prim(&cx, BT_P_upscale, (bt_value[]){g, bt_int(2)});
  check_call(BT_P_cellwise, (bt_value[]){g, up, bt_int(9)});
  bt_arena_release(&cx, mark);
}

static void for_each_arc_grid(void (*fn)(bt_value g)) {
  for (int k = 0; k < n_tasks; k++) {
    const bt_task *t = &tasks.tasks[k];
    for (int j = 0; j < t->n_train; j++) {
      fn(t->train[j].input);
      fn(t->train[j].output);
    }
    for (int j = 0; j < t->n_test; j++) {
      fn(t->test[j].input);
      if (t->test[j].has_output) fn(t->test[j].output);
    }
  }
}

static void test_every_arc_grid(void **state) {
  (void)state;
  checked = on_cpu = 0;
  for_each_arc_grid(check_grid);
  printf("tile: %ld calls equal through the twin, %ld left to the CPU\n", checked, on_cpu);
  assert_true(checked > 1000);
}

static int checker(int i, int j, void *arg) { return (i + j) % 2 ? *(int *)arg : 0; }
static int diag_checker(int i, int j, void *arg) {
  (void)arg;
  return (i / 2 + j / 2) % 2 ? 3 : (i + j) % 3;
}
static int one_color(int i, int j, void *arg) {
  (void)i, (void)j;
  return *(int *)arg;
}
static int noise(int i, int j, void *arg) {
  return (int)((unsigned)(i * 7919 + j * 104729 + *(int *)arg) * 2654435761u >> 28) % 10;
}
/* A one-cell-wide spiral wall: a component whose flood crosses the whole grid. */
static int spiral(int i, int j, void *arg) {
  int n = *(int *)arg, d = i < j ? i : j;
  if (n - 1 - i < d) d = n - 1 - i;
  if (n - 1 - j < d) d = n - 1 - j;
  return d % 2 == 0 && !(j == d && i == d + 1 && d + 1 < n - d) ? 1 : 0;
}

static void test_adversarial_grids(void **state) {
  (void)state;
  for (int c = 0; c < 10; c++)
    check_grid(grid_of(1, 1, one_color, &c));
  int sizes[][2] = {{30, 30}, {1, 30}, {30, 1}, {2, 2}, {29, 30}, {7, 13}};
  for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
    int h = sizes[k][0], w = sizes[k][1];
    for (int c = 0; c < 10; c += 3) {
      check_grid(grid_of(h, w, one_color, &c));
      check_grid(grid_of(h, w, checker, &c));
      check_grid(grid_of(h, w, noise, &c));
    }
    check_grid(grid_of(h, w, diag_checker, NULL));
  }
  for (int n = 5; n <= 30; n += 5)
    check_grid(grid_of(n, n, spiral, &n));
}

/* One launch, several modes: one labelling per connectivity serves all eight. */
static void check_multimode(bt_value g) {
  bt_mark mark = bt_arena_mark(&cx);
  batch.n = 1;
  assert_true(bt_tile_pack(&cx, &batch, 0, BT_P_o_g, (bt_value[]){g, bt_int(0)}));
  bt_tile_pack_label_modes(&batch, 0, 0xFF);
  bt_tile_twin(BT_TOP_LABEL, &batch);
  for (int mode = 0; mode < 8; mode++) {
    bt_value want = bt_call_prim(&cx, BT_P_o_g, (bt_value[]){g, bt_int(mode)});
    assert_true(bt_same(bt_tile_objects(&cx, &batch, 0, g, mode), want));
  }
  bt_arena_release(&cx, mark);
}

static void test_multimode_labelling(void **state) {
  (void)state;
  for_each_arc_grid(check_multimode);
}

/* The catalogue's `kernel` gives each primitive's tile operation (a primitive with none has
 * -1): the operations of a few, as the kernels implement them. */
static void test_every_kernel_primitive_has_an_operation(void **state) {
  (void)state;
  static const struct {
    int prim, op;
  } want[] = {{BT_P_rot90, BT_TOP_GATHER},
              {BT_P_subgrid, BT_TOP_GATHER},
              {BT_P_o_g, BT_TOP_LABEL},
              {BT_P_objects, BT_TOP_LABEL},
              {BT_P_palette, BT_TOP_COUNTS},
              {BT_P_p_g, BT_TOP_COUNTS},
              {BT_P_fill, BT_TOP_MAP},
              {BT_P_switch, BT_TOP_MAP},
              {BT_P_cellwise, BT_TOP_CELLWISE},
              {BT_P_size, -1},
              {BT_P_shift, -1}};
  for (size_t k = 0; k < sizeof want / sizeof *want; k++)
    if (bt_tile_prim_op(want[k].prim) != want[k].op)
      fail_msg("%s: tile operation %d, want %d", bt_prims[want[k].prim].name, bt_tile_prim_op(want[k].prim),
               want[k].op);
  int marked = 0;
  for (int p = 0; p < bt_n_prims; p++) {
    int op = bt_tile_prim_op(p);
    assert_true(op >= -1 && op < BT_TOP_COUNT_OPS);
    marked += op >= 0;
  }
  printf("kernel primitives: %d, each with its tile operation\n", marked);
  assert_int_equal(marked, 28);
}

static void test_what_stays_on_the_cpu(void **state) {
  (void)state;
  int c = 4;
  bt_value big = grid_of(31, 5, one_color, &c), small = grid_of(3, 3, checker, &c);
  bt_value *cells;
  bt_value ten = bt_grid_new(&cx, 2, 2, &cells);
  cells[3].u.i = 10;
  bt_value boolish = bt_grid_new(&cx, 1, 2, &cells);
  cells[1] = bt_bool(true);
  batch.n = 1;
  assert_false(bt_tile_pack(&cx, &batch, 0, BT_P_rot90, &big));
  assert_false(bt_tile_pack(&cx, &batch, 0, BT_P_rot90, &ten));
  assert_false(bt_tile_pack(&cx, &batch, 0, BT_P_rot90, &boolish));
  bt_value patch = bt_call_prim(&cx, BT_P_asindices, &small);
  assert_false(bt_tile_pack(&cx, &batch, 0, BT_P_hmirror, &patch));
  assert_false(bt_tile_pack(&cx, &batch, 0, BT_P_fill, (bt_value[]){small, bt_bool(true), patch}));
  assert_false(bt_tile_pack(&cx, &batch, 0, BT_P_o_g, (bt_value[]){small, bt_int(8)}));
  assert_false(bt_tile_pack(&cx, &batch, 0, BT_P_upscale, (bt_value[]){small, bt_int(11)}));
  assert_false(bt_tile_pack(&cx, &batch, 0, BT_P_downscale, (bt_value[]){small, bt_int(0)}));
  assert_false(bt_tile_pack(&cx, &batch, 0, BT_P_replace, (bt_value[]){small, bt_int(4), bt_int(11)}));
  assert_false(bt_tile_pack(&cx, &batch, 0, BT_P_switch, (bt_value[]){small, bt_bool(true), bt_bool(true)}));
  assert_int_equal(bt_tile_prim_op(BT_P_size), -1);
}

static int setup(void **state) {
  (void)state;
  char train[1024], eval[1024];
  snprintf(train, sizeof train, "%s/training", arc_dir);
  snprintf(eval, sizeof eval, "%s/evaluation", arc_dir);
  const char *paths[2] = {train, eval};
  if (bt_tasks_load(&tasks, paths, 2, stderr) != 0 || tasks.n != 800) return -1;
  const char *limit = getenv("BATT_SOUNDNESS_TASKS");
  n_tasks = limit && atoi(limit) > 0 && atoi(limit) < tasks.n ? atoi(limit) : tasks.n;
  bt_ctx_init(&cx, NULL);
  return bt_tile_batch_init(&batch, 1) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  bt_tile_batch_free(&batch);
  bt_ctx_free(&cx);
  bt_tasks_free(&tasks);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_tile ARC_AGI_1_DIR\n");
    return 2;
  }
  arc_dir = argv[1];
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_arc_grid),
      cmocka_unit_test(test_adversarial_grids),
      cmocka_unit_test(test_multimode_labelling),
      cmocka_unit_test(test_what_stays_on_the_cpu),
      cmocka_unit_test(test_every_kernel_primitive_has_an_operation),
  };
  return cmocka_run_group_tests_name("tile", tests, setup, teardown);
}
