/* objects(): the fast labelling against a slow, direct transcription of arc-dsl's
 * algorithm (repeated neighbourhood expansion with sets), for all 8 flag combinations
 * on every grid (inputs and outputs) of the first 40 ARC-AGI-1 training tasks.
 *
 * usage: test_objects ARC_AGI_1_TRAINING_DIR */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "batt.h"
#include "bt_prims.h"
#include "patch.h"

enum { N_TASKS = 40, MAX_CELLS = 30 * 30 };

static const char *training_dir;
static bt_ctx cx;

/* ---- the reference algorithm, transcribed --------------------------------------- */

/* A set of grid locations: membership by row-major position. */
typedef struct locset {
  bool in[MAX_CELLS];
} locset;

static bool locset_empty(const locset *s, int n) {
  for (int k = 0; k < n; k++)
    if (s->in[k]) return false;
  return true;
}

/* mostcolor: max(set(values), key=values.count), the smallest value on ties. */
static int64_t slow_mostcolor(const int64_t *v, int n) {
  int64_t best = 0, best_count = -1;
  for (int a = 0; a < n; a++) {
    int64_t count = 0;
    for (int b = 0; b < n; b++)
      count += v[b] == v[a];
    if (count > best_count || (count == best_count && v[a] < best)) {
      best = v[a];
      best_count = count;
    }
  }
  return best;
}

/* dneighbors / neighbors of location c, kept inside the grid. */
static void add_neighbours(locset *s, int c, int h, int w, bool diagonal) {
  int i = c / w, j = c % w;
  for (int di = -1; di <= 1; di++)
    for (int dj = -1; dj <= 1; dj++) {
      if ((di == 0 && dj == 0) || (!diagonal && di != 0 && dj != 0)) continue;
      int ni = i + di, nj = j + dj;
      if (ni >= 0 && ni < h && nj >= 0 && nj < w) s->in[ni * w + nj] = true;
    }
}

static bt_value slow_objects(const int64_t *grid, int h, int w, bool univalued, bool diagonal,
                             bool without_bg) {
  int n = h * w;
  bool has_bg = without_bg;
  int64_t bg = has_bg ? slow_mostcolor(grid, n) : 0;
  static locset occupied, obj, cands, neighborhood;
  memset(&occupied, 0, sizeof occupied);
  bt_value *objs = bt_items(&cx, (size_t)n + 1);
  int nobjs = 0;
  for (int loc = 0; loc < n; loc++) {
    if (occupied.in[loc]) continue;
    int64_t val = grid[loc];
    if (has_bg && val == bg) continue;
    memset(&obj, 0, sizeof obj);
    memset(&cands, 0, sizeof cands);
    obj.in[loc] = true;
    cands.in[loc] = true;
    while (!locset_empty(&cands, n)) {
      memset(&neighborhood, 0, sizeof neighborhood);
      for (int cand = 0; cand < n; cand++) {
        if (!cands.in[cand]) continue;
        int64_t v = grid[cand];
        if (univalued ? val == v : !(has_bg && v == bg)) {
          obj.in[cand] = true;
          occupied.in[cand] = true;
          add_neighbours(&neighborhood, cand, h, w, diagonal);
        }
      }
      for (int c = 0; c < n; c++)
        cands.in[c] = neighborhood.in[c] && !occupied.in[c];
    }
    bt_value *cells = bt_items(&cx, (size_t)n);
    int ncells = 0;
    for (int c = 0; c < n; c++)
      if (obj.in[c]) cells[ncells++] = bt_cell(&cx, grid[c], c / w, c % w);
    objs[nobjs++] = bt_set_build(&cx, cells, (size_t)ncells);
  }
  return bt_set_build(&cx, objs, (size_t)nobjs);
}

/* ---- the ARC grids ---------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The first N_TASKS task file names of the training directory, sorted. */
static int first_tasks(char names[N_TASKS][64]) {
  DIR *d = opendir(training_dir);
  assert_non_null(d);
  char **all = NULL;
  size_t n = 0;
  for (struct dirent *e; (e = readdir(d));) {
    size_t len = strlen(e->d_name);
    if (len < 6 || len >= 64 || strcmp(e->d_name + len - 5, ".json") != 0) continue;
    all = realloc(all, (n + 1) * sizeof *all);
    all[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(all, n, sizeof *all, cmp_names);
  int kept = n < N_TASKS ? (int)n : N_TASKS;
  for (size_t k = 0; k < n; k++) {
    if ((int)k < kept) snprintf(names[k], 64, "%s", all[k]);
    free(all[k]);
  }
  free(all);
  return kept;
}

static bool grid_from_json(const json_t *rows, int64_t *cells, int *h, int *w) {
  *h = (int)json_array_size(rows);
  *w = *h ? (int)json_array_size(json_array_get(rows, 0)) : 0;
  if (*h * *w > MAX_CELLS || *h * *w == 0) return false;
  for (int i = 0; i < *h; i++)
    for (int j = 0; j < *w; j++)
      cells[i * *w + j] = json_integer_value(json_array_get(json_array_get(rows, i), j));
  return true;
}

/* ---- mapply of the box primitives over sets of patches ------------------------------ */

static long packed_checks; /* objects() calls checked on packed grids */

static const int box_prims[] = {BT_P_delta, BT_P_backdrop, BT_P_box, BT_P_inbox, BT_P_outbox, BT_P_corners};
static long unions_fast, unions_declined;

/* mapply(prim, patches) by the bitmap union (bt_patch_mapply) against mapping each patch
 * and merging (apply, then merge): the same set, the same steps. Returns mismatches. */
static int check_unions(const char *where, bt_value patches) {
  int bad = 0;
  for (size_t k = 0; k < sizeof box_prims / sizeof *box_prims; k++) {
    int prim = box_prims[k];
    bt_value fast;
    bt_ctx_begin(&cx);
    if (!bt_patch_mapply(&cx, prim, patches, &fast)) {
      unions_declined++;
      continue;
    }
    uint64_t steps = cx.steps;
    unions_fast++;
    bt_value applied = bt_call_prim(&cx, BT_P_apply, (bt_value[]){bt_prim_value(prim), patches});
    bt_value slow = bt_is_err(applied) ? applied : bt_call_prim(&cx, BT_P_merge, &applied);
    if (!bt_same(fast, slow) || steps != patches.n) {
      fprintf(stderr, "%s: mapply(%s, %u patches) differs from mapping (%u vs %u elements, %lu steps)\n",
              where, bt_prims[prim].name, patches.n, fast.n, slow.n, (unsigned long)steps);
      bad++;
    }
  }
  return bad;
}

/* Checks all 8 flag combinations on one grid; returns how many mismatched. */
static int check_grid(const char *where, const int64_t *cells, int h, int w) {
  int bad = 0;
  for (int mode = 0; mode < 8; mode++) {
    bt_mark m = bt_arena_mark(&cx);
    bool univalued = mode & 4, diagonal = mode & 2, without_bg = mode & 1;
    bt_value args[4] = {bt_grid_from(&cx, h, w, cells), bt_bool(univalued), bt_bool(diagonal),
                        bt_bool(without_bg)};
    bt_value fast = bt_p_objects(&cx, args);
    bt_value slow = slow_objects(cells, h, w, univalued, diagonal, without_bg);
    if (!bt_same(fast, slow)) {
      fprintf(stderr, "%s: objects(grid, %d, %d, %d) differs (%u vs %u objects)\n", where, univalued,
              diagonal, without_bg, fast.n, slow.n);
      bad++;
    }
    /* the packed twin of the grid (labelled by runs) */
    bt_value packed_args[4] = {bt_pack(&cx, args[0]), args[1], args[2], args[3]};
    if (packed_args[0].kind == BT_PGRID) {
      packed_checks++;
      bt_value by_runs = bt_p_objects(&cx, packed_args);
      if (!bt_same(by_runs, slow)) {
        fprintf(stderr, "%s: objects(packed grid, %d, %d, %d) differs (%u vs %u objects)\n", where, univalued,
                diagonal, without_bg, by_runs.n, slow.n);
        bad++;
      }
    }
    /* the objects, their indices, and both moved up-left off the grid */
    bt_value indices = bt_call_prim(&cx, BT_P_apply, (bt_value[]){bt_prim_value(BT_P_toindices), fast});
    bt_value off = bt_ipair(&cx, -3, -2);
    bt_value shifted = bt_call_prim(
        &cx, BT_P_apply,
        (bt_value[]){bt_call_prim(&cx, BT_P_rbind, (bt_value[]){bt_prim_value(BT_P_shift), off}), fast});
    bad += check_unions(where, fast) + check_unions(where, indices) + check_unions(where, shifted);
    bt_arena_release(&cx, m);
  }
  return bad;
}

static void test_objects_match_reference(void **state) {
  (void)state;
  char names[N_TASKS][64];
  int ntasks = first_tasks(names), ngrids = 0, bad = 0;
  assert_int_equal(ntasks, N_TASKS);
  static int64_t cells[MAX_CELLS];
  for (int t = 0; t < ntasks; t++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", training_dir, names[t]);
    json_error_t jerr;
    json_t *task = json_load_file(path, 0, &jerr);
    assert_non_null(task);
    const char *splits[] = {"train", "test"}, *sides[] = {"input", "output"};
    for (int s = 0; s < 2; s++) {
      const json_t *pairs = json_object_get(task, splits[s]);
      for (size_t p = 0; p < json_array_size(pairs); p++)
        for (int side = 0; side < 2; side++) {
          int h, w;
          const json_t *rows = json_object_get(json_array_get(pairs, p), sides[side]);
          if (!rows || !grid_from_json(rows, cells, &h, &w)) continue;
          char where[256];
          snprintf(where, sizeof where, "%.63s %s[%zu].%s", names[t], splits[s], p, sides[side]);
          bad += check_grid(where, cells, h, w);
          ngrids++;
        }
    }
    json_decref(task);
  }
  assert_true(ngrids >= 4 * N_TASKS);
  printf("box unions: %ld by bitmap equal to mapping, %ld declined\n", unions_fast, unions_declined);
  assert_true(unions_fast > 1000);
  printf("objects: %ld calls checked on packed grids\n", packed_checks);
  assert_int_equal(bad, 0);
}

static bt_value ij_set(const int64_t *ij, size_t n) { return bt_index_set(&cx, ij, n); }

static bt_value patch_set(bt_value *patches, size_t n) {
  bt_value *items = bt_items(&cx, n);
  memcpy(items, patches, n * sizeof *items);
  return bt_set_build(&cx, items, n);
}

/* What the bitmap union must decline, and odd patches it must get right. */
static void test_box_unions_edges(void **state) {
  (void)state;
  bt_value a = ij_set((const int64_t[]){0, 0, 2, 3}, 2), b = ij_set((const int64_t[]){1, 1, 1, 2, 5, 0}, 3);
  bt_value overlapping = patch_set((bt_value[]){a, b, ij_set((const int64_t[]){0, 0, 1, 1}, 2)}, 3);
  assert_int_equal(check_unions("overlapping", overlapping), 0);
  bt_value thin =
      patch_set((bt_value[]){ij_set((const int64_t[]){4, 4}, 1), ij_set((const int64_t[]){7, 1, 7, 9}, 2),
                             ij_set((const int64_t[]){0, 20, 3, 20}, 2)},
                3);
  assert_int_equal(check_unions("thin", thin), 0); /* inbox of boxes one or two wide */
  /* one index in two colours */
  bt_value two = bt_cell_set(&cx, (const int64_t[]){1, 2}, (const int64_t[]){3, 3, 3, 3}, 2);
  assert_int_equal(check_unions("two colours", patch_set((bt_value[]){two, a}, 2)), 0);
  bt_value out;
  /* too wide a window, an empty patch, bools, a tuple, tight limits: left to mapping */
  assert_false(bt_patch_mapply(&cx, BT_P_delta,
                               patch_set((bt_value[]){a, ij_set((const int64_t[]){0, 70}, 1)}, 2), &out));
  assert_false(bt_patch_mapply(&cx, BT_P_box, patch_set((bt_value[]){a, bt_set_sorted(NULL, 0)}, 2), &out));
  bt_value *bools = bt_items(&cx, 3);
  bools[1] = bt_bool(true), bools[2] = bt_int(1);
  bools[0] = bt_tuple(bools + 1, 2);
  assert_false(bt_patch_mapply(&cx, BT_P_outbox, patch_set((bt_value[]){bt_set_sorted(bools, 1)}, 1), &out));
  assert_false(bt_patch_mapply(&cx, BT_P_outbox, bt_tuple((bt_value[]){a, b}, 2), &out));
  assert_false(bt_patch_mapply(&cx, BT_P_shift, overlapping, &out));
  cx.lim.max_steps = 2;
  bt_ctx_begin(&cx);
  assert_false(bt_patch_mapply(&cx, BT_P_box, overlapping, &out)); /* 3 calls, 2 steps allowed */
  cx.lim.max_steps = 3;
  assert_true(bt_patch_mapply(&cx, BT_P_box, overlapping, &out));
  assert_int_equal(cx.steps, 3);
  cx.lim.max_steps = bt_default_limits.max_steps;
}

/* Hand-checked corner cases: one cell, a whole-grid object, empty rows. */
/* A set's limit counts its elements, not the pairs inside its cells: 262,144 cells (a
 * 512 x 512 grid) are 1,310,720 values, yet one set of 262,144 elements, within a limit
 * of 1 Mi (the default is 4 Mi). ofcolor, asobject, partition, toobject and shift of it
 * work; a grid over the limit stays a LimitError. */
static void test_big_sets_within_the_element_limit(void **state) {
  (void)state;
  bt_ctx cx;
  bt_limits lim = bt_default_limits;
  lim.max_elems = 1u << 20;
  bt_ctx_init(&cx, &lim);
  bt_value dims = bt_ipair(&cx, 512, 512), g = bt_call_prim(&cx, BT_P_canvas, (bt_value[]){bt_int(3), dims});
  assert_false(bt_is_err(g));
  struct {
    int prim;
    bt_value args[2];
  } calls[] = {
      {BT_P_ofcolor, {g, bt_int(3)}}, {BT_P_asobject, {g}}, {BT_P_partition, {g}}, {BT_P_asindices, {g}}};
  for (size_t k = 0; k < sizeof calls / sizeof *calls; k++) {
    bt_ctx_begin(&cx);
    bt_value r = bt_call_prim(&cx, calls[k].prim, calls[k].args);
    if (bt_is_err(r))
      fail_msg("%s of a 512 x 512 grid: %s", bt_prims[calls[k].prim].name, bt_errc_name((bt_errc)r.errc));
    bt_value set = calls[k].prim == BT_P_partition ? r.u.items[0] : r;
    assert_int_equal(set.n, 512 * 512);
    if (calls[k].prim == BT_P_ofcolor) {
      bt_value obj = bt_call_prim(&cx, BT_P_toobject, (bt_value[]){r, g});
      bt_value moved = bt_call_prim(&cx, BT_P_shift, (bt_value[]){obj, bt_ipair(&cx, 1, 1)});
      assert_false(bt_is_err(obj));
      assert_false(bt_is_err(moved));
      assert_int_equal(moved.n, 512 * 512);
    }
  }
  bt_value big = bt_call_prim(&cx, BT_P_canvas, (bt_value[]){bt_int(3), bt_ipair(&cx, 1025, 1024)});
  assert_true(bt_is_err(big) && big.errc == BT_E_LIMIT);
  bt_ctx_free(&cx);
}

static void test_objects_small_cases(void **state) {
  (void)state;
  const int64_t one[] = {7};
  assert_int_equal(check_grid("1x1", one, 1, 1), 0);
  const int64_t stripes[] = {1, 2, 1, 2, 1, 2, 1, 2, 1};
  assert_int_equal(check_grid("3x3 checker", stripes, 3, 3), 0);
  bt_value args[4] = {bt_grid_from(&cx, 2, 2, (const int64_t[]){1, 2, 3, 4}), bt_bool(false), bt_bool(false),
                      bt_bool(false)};
  assert_int_equal(bt_p_objects(&cx, args).n, 1); /* everything connected is one object */
  bt_value *rows = bt_items(&cx, 2);
  rows[0] = rows[1] = bt_tuple(NULL, 0);
  args[0] = bt_tuple(rows, 2);
  assert_int_equal(bt_p_objects(&cx, args).n, 0);
  args[3] = bt_bool(true); /* mostcolor of no values */
  assert_true(bt_is_err(bt_p_objects(&cx, args)));
}

/* Random grids, packed and boxed, against the reference: few colors (long runs, large
 * objects), many, values past 9 and up to 255, rows long enough for eight bytes at a time. */
static void test_objects_random_grids(void **state) {
  (void)state;
  static int64_t cells[MAX_CELLS];
  uint64_t seed = 0x9e3779b97f4a7c15ull;
  int bad = 0;
  long before = packed_checks;
  for (int g = 0; g < 400; g++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    int h = 1 + (int)((seed >> 33) % 12), w = 1 + (int)((seed >> 45) % 40);
    if (g % 10 == 0) h = 1 + g % 3, w = MAX_CELLS / h - (g % 7); /* long rows */
    int colors = 1 + (int)((seed >> 20) % 4);
    int64_t base = g % 5 == 0 ? 246 : 0; /* values 246..255: no small colors */
    for (int c = 0; c < h * w; c++) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      /* mostly the value of the cell to the left: runs */
      bool repeat = c % w > 0 && (seed >> 40) % 8 < 6;
      cells[c] = repeat ? cells[c - 1] : base + (int64_t)((seed >> 50) % (uint64_t)colors);
    }
    char where[64];
    snprintf(where, sizeof where, "random grid %d (%dx%d)", g, h, w);
    bt_mark m = bt_arena_mark(&cx);
    bad += check_grid(where, cells, h, w);
    bt_arena_release(&cx, m);
  }
  assert_int_equal(bad, 0);
  assert_int_equal(packed_checks - before, 400 * 8);
}

/* occurrences(grid, obj): every (i, j) at which obj, normalized, lies on equal cells,
 * against a direct search; objects cut from the grid (so that they occur), with holes,
 * colors absent from the grid, boxes of one color, on boxed and packed grids. */
static void test_occurrences_match_direct_search(void **state) {
  (void)state;
  static int64_t cells[MAX_CELLS];
  uint64_t seed = 0x243f6a8885a308d3ull;
  int found_some = 0;
  for (int g = 0; g < 300; g++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    int h = 1 + (int)((seed >> 33) % 14), w = 1 + (int)((seed >> 45) % 14),
        colors = 1 + (int)((seed >> 20) % 3);
    for (int c = 0; c < h * w; c++) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      cells[c] = (int64_t)((seed >> 50) % (uint64_t)colors);
    }
    bt_mark m = bt_arena_mark(&cx);
    /* the object: a window of the grid, some cells left out, maybe one recolored */
    int oh = 1 + (int)((seed >> 10) % (uint64_t)(h < 4 ? h : 4)),
        ow = 1 + (int)((seed >> 14) % (uint64_t)(w < 4 ? w : 4));
    int i0 = (int)((seed >> 18) % (uint64_t)(h - oh + 1)), j0 = (int)((seed >> 24) % (uint64_t)(w - ow + 1));
    bt_value *objc = bt_items(&cx, (size_t)(oh * ow));
    int64_t oc[16], oi[16], oj[16];
    int n = 0;
    bool rect = g % 5 == 1; /* a box of one color, as a canvas made an object */
    for (int i = 0; i < oh; i++)
      for (int j = 0; j < ow; j++) {
        if (!rect && oh * ow > 1 && (seed >> (i * 4 + j + 30)) % 5 == 0) continue;
        int64_t c = cells[rect ? i0 * w + j0 : (i0 + i) * w + j0 + j];
        if (g % 7 == 0 && (n == 0 || rect)) c = 9; /* absent from the grid */
        oc[n] = c;
        oi[n] = i0 + i + 5; /* normalize takes the offset off */
        oj[n] = j0 + j - 2;
        objc[n] = bt_cell(&cx, c, oi[n], oj[n]);
        n++;
      }
    if (n == 0) {
      bt_arena_release(&cx, m);
      continue;
    }
    bt_value obj = bt_set_build(&cx, objc, (size_t)n);
    int64_t mi = oi[0], mj = oj[0], xi = oi[0], xj = oj[0];
    for (int k = 1; k < n; k++) {
      mi = oi[k] < mi ? oi[k] : mi;
      mj = oj[k] < mj ? oj[k] : mj;
      xi = oi[k] > xi ? oi[k] : xi;
      xj = oj[k] > xj ? oj[k] : xj;
    }
    bt_ijvec expect;
    bt_ijvec_init(&expect);
    for (int64_t i = 0; i + (xi - mi) < h; i++)
      for (int64_t j = 0; j + (xj - mj) < w; j++) {
        bool all = true;
        for (int k = 0; k < n && all; k++)
          all = cells[(i + oi[k] - mi) * w + j + oj[k] - mj] == oc[k];
        if (all) bt_ijvec_push(&cx, &expect, i, j);
      }
    bt_value want = bt_ijvec_set(&cx, &expect);
    found_some += want.n > 0;
    bt_value grid = bt_grid_from(&cx, h, w, cells);
    bt_value forms[2] = {grid, bt_pack(&cx, grid)};
    assert_int_equal(forms[1].kind, BT_PGRID);
    for (int f = 0; f < 2; f++) {
      bt_value got = bt_call_prim(&cx, BT_P_occurrences, (bt_value[]){forms[f], obj});
      if (!bt_same(got, want))
        fail_msg("grid %d (%dx%d, %s): occurrences of a %d-cell object: %u found, %u expected", g, h, w,
                 f ? "packed" : "boxed", n, got.n, want.n);
    }
    bt_arena_release(&cx, m);
  }
  assert_true(found_some > 200);
}

/* The places of an oh x ow box of color c in the h x w grid cells, into a set. */
static bt_value direct_box_places(const int64_t *cells, int h, int w, int oh, int ow, int64_t c) {
  bt_ijvec places;
  bt_ijvec_init(&places);
  for (int i = 0; i + oh <= h; i++)
    for (int j = 0; j + ow <= w; j++) {
      bool all = true;
      for (int k = 0; k < oh * ow && all; k++)
        all = cells[(i + k / ow) * w + j + k % ow] == c;
      if (all) bt_ijvec_push(&cx, &places, i, j);
    }
  return bt_ijvec_set(&cx, &places);
}

/* The object of an oh x ow box of color c at (i0, j0), as asobject(canvas(c, (oh, ow)))
 * shifted there. */
static bt_value box_object(int oh, int ow, int64_t c, int i0, int j0) {
  bt_value *items = bt_items(&cx, (size_t)(oh * ow));
  for (int k = 0; k < oh * ow; k++)
    items[k] = bt_cell(&cx, c, i0 + k / ow, j0 + k % ow);
  return bt_set_build(&cx, items, (size_t)(oh * ow));
}

/* difference and intersection of a few items against a large set made before the
 * evaluation (a line's ofcolor) look them up in a bitmap of its members kept for the next
 * lookups: the same sets as membership by == over the large set, for items in it and not,
 * boxed twins of its members ((True, j), copies), cells among pairs, coordinates past the
 * table, large sets that hold a boxed member, and large sets made again in the same memory
 * (within the evaluation and before the next, and made during it). */
static bool in_by_eq(bt_value y, bt_value v) {
  for (uint32_t k = 0; k < y.n; k++)
    if (bt_eq(y.u.items[k], v)) return true;
  return false;
}

static bt_value few_items(uint64_t *r, bool cells) {
  int n = 1 + (int)(*r >> 61); /* 1 to 8 */
  bt_value *e = bt_items(&cx, (size_t)n);
  for (int k = 0; k < n; k++) {
    *r = *r * 6364136223846793005ull + 1442695040888963407ull;
    int64_t i = (int64_t)(*r >> 40) % 12, j = (int64_t)(*r >> 48) % 12;
    switch ((*r >> 56) % 8) {
    case 0: e[k] = bt_pair(&cx, bt_bool(i & 1), bt_int(j)); break; /* (True, j) equals (1, j) */
    case 1: e[k] = bt_copy_boxed(&cx, cells ? bt_cell(&cx, 1, i, j) : bt_ipair(&cx, i, j)); break;
    case 2: e[k] = cells ? bt_ipair(&cx, i, j) : bt_cell(&cx, 1, i, j); break;
    case 3: e[k] = cells ? bt_cell(&cx, 1, 300 + i, j) : bt_ipair(&cx, 300 + i, j); break;
    default: e[k] = cells ? bt_cell(&cx, (int64_t)(*r >> 36) % 2, i, j) : bt_ipair(&cx, i, j);
    }
  }
  return bt_set_build(&cx, e, (size_t)n);
}

static void check_lookups(bt_value y, uint64_t *r, bool cells, const char *what) {
  for (int q = 0; q < 60; q++) {
    bt_mark at = bt_arena_mark(&cx);
    bt_walk_left = INT64_MAX; /* a line's comparison budget, not spent */
    bt_value x = few_items(r, cells);
    for (int op = 0; op < 2; op++) {
      bt_walk_left = INT64_MAX;
      bt_value got = bt_prim_run(&cx, op ? BT_P_intersection : BT_P_difference, (bt_value[]){x, y});
      uint32_t m = 0;
      for (uint32_t k = 0; k < x.n; k++)
        if (in_by_eq(y, x.u.items[k]) == (op == 1)) {
          if (m >= got.n || !bt_same(got.u.items[m], x.u.items[k]))
            fail_msg("%s: %s, item %u of the few", what, op ? "intersection" : "difference", k);
          m++;
        }
      if (got.kind != BT_SET || got.n != m) fail_msg("%s: %u items, %u expected", what, got.n, m);
    }
    bt_arena_release(&cx, at);
  }
}

static bt_value large_set(uint64_t *r, bool cells, int boxed_member) {
  bt_walk_left = INT64_MAX;
  bt_value *e = bt_items(&cx, 144); /* 144 members, each (i, j) or (i + 12, j) */
  for (int k = 0; k < 144; k++) {
    *r = *r * 6364136223846793005ull + 1442695040888963407ull;
    int64_t i = k / 12, j = k % 12;
    e[k] = (*r >> 40) % 3 ? (cells ? bt_cell(&cx, (int64_t)(*r >> 50) % 2, i, j) : bt_ipair(&cx, i, j))
                          : (cells ? bt_cell(&cx, 1, i + 12, j) : bt_ipair(&cx, i + 12, j));
    if (k == boxed_member) e[k] = cells ? bt_cell(&cx, 1, 400, 400) : bt_pair(&cx, bt_int(i), bt_int(500));
  }
  return bt_set_build(&cx, e, 144);
}

static void test_lookups_in_a_kept_member_map(void **state) {
  (void)state;
  uint64_t r = 0x243f6a8885a308d3ull;
  for (int round = 0; round < 30; round++) {
    bool cells = round % 2;
    bt_mark m = bt_arena_mark(&cx);
    bt_value y = large_set(&r, cells, round % 5 == 4 ? 70 : -1);
    assert_int_equal(y.n, 144);
    bt_ctx_begin(&cx); /* one evaluation: y was made before it */
    check_lookups(y, &r, cells, "made before");
    /* a set made during the evaluation in y's memory, then again before the next */
    bt_arena_release(&cx, m);
    bt_value again = large_set(&r, cells, -1);
    check_lookups(again, &r, cells, "made again during");
    bt_arena_release(&cx, m);
    again = large_set(&r, cells, -1);
    bt_ctx_begin(&cx);
    check_lookups(again, &r, cells, "made again before");
    /* sets made during the evaluation, one after the other in the same memory */
    bt_mark mid = bt_arena_mark(&cx);
    for (int k = 0; k < 2; k++) {
      bt_value during = large_set(&r, cells, -1);
      check_lookups(during, &r, cells, "made during");
      bt_arena_release(&cx, mid);
    }
    bt_arena_release(&cx, m);
  }
}

/* Searches for boxes of every size and color in one grid within one evaluation, as an
 * argmax over sizes makes them: each against a direct search, the grid boxed and packed,
 * made before the evaluation (what a search keeps for the next) or during it, and then
 * released and made again in the same memory with other cells (what it must not keep). */
static void test_box_searches_in_one_evaluation(void **state) {
  (void)state;
  static int64_t cells[MAX_CELLS], other[MAX_CELLS];
  uint64_t seed = 0x13198a2e03707344ull;
  int found_some = 0, searches = 0;
  for (int g = 0; g < 40; g++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    int h = 3 + (int)((seed >> 33) % 20), w = 3 + (int)((seed >> 45) % 20);
    for (int c = 0; c < h * w; c++) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      cells[c] = (seed >> 50) % 4 == 0 ? 1 + (int64_t)((seed >> 40) % 2) : 0; /* mostly 0 */
      other[c] = cells[c] == 0 ? 2 : 0;
    }
    bt_mark m = bt_arena_mark(&cx);
    bt_value grid = bt_grid_from(&cx, h, w, cells);
    bt_value forms[2] = {grid, bt_pack(&cx, grid)};
    for (int f = 0; f < 2; f++) {
      bt_ctx_begin(&cx); /* one evaluation: the grid was made before it */
      for (int oh = 1; oh <= 4 && oh <= h; oh++)
        for (int ow = 1; ow <= 4 && ow <= w; ow++)
          for (int64_t c = 0; c <= 3; c++) { /* color 3: absent */
            bt_mark at = bt_arena_mark(&cx);
            bt_value want = direct_box_places(cells, h, w, oh, ow, c);
            bt_value got =
                bt_prim_run(&cx, BT_P_occurrences, (bt_value[]){forms[f], box_object(oh, ow, c, oh, 2 - ow)});
            if (!bt_same(got, want))
              fail_msg("grid %d (%dx%d, %s): %dx%d box of %d: %u found, %u expected", g, h, w,
                       f ? "packed" : "boxed", oh, ow, (int)c, got.n, want.n);
            found_some += want.n > 0;
            searches++;
            bt_arena_release(&cx, at);
          }
      /* grids made during the evaluation, each in the first one's memory: other cells
         searched for the color searched last, then a narrower grid */
      for (int round = 0; round < 3; round++) {
        bt_mark at = bt_arena_mark(&cx);
        const int64_t *now = round ? other : cells;
        int nw = round == 2 ? w - 1 : w, oh = 2 < h ? 2 : h;
        bt_value made = bt_grid_from(&cx, h, nw, now);
        if (f) made = bt_pack(&cx, made);
        for (int k = 0; k <= 2; k++) {
          int64_t c = round == 1 ? 2 - k : k;
          bt_value want = direct_box_places(now, h, nw, oh, 1, c);
          bt_value got = bt_prim_run(&cx, BT_P_occurrences, (bt_value[]){made, box_object(oh, 1, c, 0, 0)});
          if (!bt_same(got, want))
            fail_msg("grid %d (%s) made in the evaluation, round %d, color %d: %u found, %u expected", g,
                     f ? "packed" : "boxed", round, (int)c, got.n, want.n);
        }
        bt_arena_release(&cx, at);
      }
    }
    bt_arena_release(&cx, m);
  }
  assert_true(searches > 2000 && found_some > searches / 4);
}

/* mapply(lbind(shift, p), offsets) in a context of its own with the given limits: through
 * the primitive (fused: through the fused maps of one container, bt_apply_many), by the union
 * (union) or by mapping. The value (boxed in cx), the steps and the bytes it counted. */
static bool rays; /* shift_mapply and check_shift_union: mapply(rbind(shoot, p), offsets) instead */

static bool refused; /* shift_mapply's last call: an allocation was refused */
static int refusals; /* check_shift_union: cases the union found mapping's refused allocation */

static bt_value shift_mapply(bt_value p, bt_value offsets, bt_limits lim, bool fused, bool union_on,
                             uint64_t *steps, size_t *used, bool *applies) {
  bt_ctx c;
  bt_ctx_init(&c, &lim);
  bt_ctx_begin(&c);
  bt_value pc = bt_copy(&c, p), oc = bt_copy(&c, offsets);
  bt_value f = rays ? bt_call_prim(&c, BT_P_rbind, (bt_value[]){bt_prim_value(BT_P_shoot), pc})
                    : bt_call_prim(&c, BT_P_lbind, (bt_value[]){bt_prim_value(BT_P_shift), pc});
  *steps = *used = 0;
  if (f.kind != BT_FN || bt_is_err(oc)) { /* the limits stop the setting up, both ways */
    bt_ctx_free(&c);
    return bt_is_err(f) ? f : oc;
  }
  if (applies) {
    bt_mark m = bt_arena_mark(&c);
    bt_value probe;
    uint64_t s0 = c.steps;
    *applies =
        rays ? bt_ray_union(&c, f.u.clo, oc, false, &probe) : bt_shift_union(&c, f.u.clo, oc, false, &probe);
    bt_arena_release(&c, m);
    c.steps = s0;
  }
  bt_shift_union_use(union_on);
  size_t u0 = c.arena.used;
  uint64_t s0 = c.steps;
  const uint8_t merge = 1;
  bt_value r;
  if (fused)
    bt_apply_many(&c, oc, 1, &f, &merge, &r);
  else
    r = bt_call_prim(&c, BT_P_mapply, (bt_value[]){f, oc});
  bt_shift_union_use(true);
  *steps = fused ? c.steps : c.steps - s0; /* bt_apply_many counts each function's from 0 */
  *used = c.arena.used - u0;
  refused = c.out_of_bytes;
  r = bt_is_err(r) ? r : bt_copy_boxed(&cx, r);
  bt_ctx_free(&c);
  return r;
}

/* The union against mapping, through the primitive and through the fused maps: the same
 * value, steps and (when the union applied) bytes counted. Returns whether it applied. */
static bool check_shift_union(const char *where, bt_value p, bt_value offsets, bt_limits lim) {
  bool applied = false;
  for (int fused = 0; fused < 2; fused++) {
    bt_value got[2];
    uint64_t steps[2];
    size_t used[2];
    bool full[2];
    for (int way = 0; way < 2; way++) {
      got[way] = shift_mapply(p, offsets, lim, fused, way == 0, &steps[way], &used[way],
                              way == 0 && !fused ? &applied : NULL);
      full[way] = refused;
    }
    /* a refusal matters with a LimitError (the line makes room and runs again); a sort may
       be refused scratch memory and take another way to the same value */
    if (!bt_same(got[0], got[1]) || steps[0] != steps[1] || (bt_is_err(got[0]) && full[0] != full[1]) ||
        (applied && used[0] != used[1]))
      fail_msg(
          "%s: %smapply(lbind(shift, %u items), %u offsets)%s: %u vs %u items (kind %d vs %d), %lu vs %lu "
          "steps, %zu vs %zu bytes",
          where, fused ? "fused " : "", p.n, offsets.n, applied ? " by the union" : "", got[0].n, got[1].n,
          got[0].kind, got[1].kind, (unsigned long)steps[0], (unsigned long)steps[1], used[0], used[1]);
    refusals += applied && !fused && bt_is_err(got[0]) && full[0];
  }
  return applied;
}

/* check_shift_union with the default limits, then with limits near what mapping takes
 * (steps, elements, bytes; items: the elements mapping concatenates); case g picks how
 * near. Returns whether the union applied under the default limits. */
static bool check_union_under_limits(const char *where, bt_value p, bt_value c, int g, uint64_t items) {
  bt_limits lim = bt_default_limits;
  bool applied = check_shift_union(where, p, c, lim);
  lim.max_steps = 1 + 2 * (uint64_t)(g % (2 * c.n + 2));
  check_shift_union(where, p, c, lim);
  lim = bt_default_limits;
  lim.max_elems = (uint32_t)(items - (g % 3 == 0));
  check_shift_union(where, p, c, lim);
  lim = bt_default_limits;
  lim.max_bytes = (size_t)items * (g % 7 + 2) * 16 + 65536;
  check_shift_union(where, p, c, lim);
  lim.max_bytes = (size_t)items * 16 * (g % 9 + 1) / 3 + 4096; /* mapping refused on its way */
  check_shift_union(where, p, c, lim);
  return applied;
}

/* mapply(lbind(shift, p), offsets) by the union of moved copies in a bitmap against
 * mapping: pairs and cells, in the table's range and past it, sparse and dense offsets, and
 * under limits that the mapping meets (steps, bytes, elements) or nearly meets. */
/* (every seventh case's patch is up to 150 columns wide: rows of more than one word) */
static void test_shift_union_as_mapping(void **state) {
  (void)state;
  uint64_t seed = 0x5851f42d4c957f2dull;
  int applied = 0, cases = 0;
  for (int g = 0; g < 600; g++) {
    bt_mark m = bt_arena_mark(&cx);
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    bool cells = seed >> 63;
    int np = 1 + (int)((seed >> 8) % 40), no = 1 + (int)((seed >> 16) % 60);
    int64_t spread = g % 4 == 0 ? 90 : g % 4 == 1 ? 12 : 40, shift0 = g % 5 == 0 ? 60 : -5;
    bt_value *pi = bt_items(&cx, (size_t)np), *oi = bt_items(&cx, (size_t)no);
    for (int k = 0; k < np; k++) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      int64_t i = (int64_t)((seed >> 20) % 9), j = (int64_t)((seed >> 30) % (g % 7 == 3 ? 150 : 9)),
              c = (int64_t)((seed >> 40) % 3) * (g % 2 ? 4 : 1); /* colors with gaps too */
      pi[k] = cells ? bt_cell(&cx, c, i, j) : bt_ipair(&cx, i, j);
    }
    for (int k = 0; k < no; k++) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      oi[k] = bt_ipair(&cx, shift0 + (int64_t)((seed >> 20) % (uint64_t)spread),
                       shift0 + (int64_t)((seed >> 36) % (uint64_t)spread) - spread / 2);
    }
    bt_value p = bt_set_build(&cx, pi, (size_t)np), offsets = bt_set_build(&cx, oi, (size_t)no);
    char where[64];
    snprintf(where, sizeof where, "case %d", g);
    applied += check_union_under_limits(where, p, offsets, g, p.n * offsets.n);
    cases++;
    bt_arena_release(&cx, m);
  }
  printf("shift unions: %d of %d cases by the union; %d refusals found\n", applied, cases, refusals);
  assert_true(applied > cases / 2);
  assert_true(refusals > 0);
}

/* mapply(rbind(shoot, d), starts) by the union of the rays against mapping: every
 * direction of -2..2 (rows, columns, both diagonals, nothing), starts in the table's range
 * and past it, under limits near what mapping needs. */
static void test_ray_union_as_mapping(void **state) {
  (void)state;
  uint64_t seed = 0x2545f4914f6cdd1dull;
  int applied = 0, cases = 0;
  rays = true;
  for (int g = 0; g < 300; g++) {
    bt_mark m = bt_arena_mark(&cx);
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    int ns = 1 + (int)((seed >> 8) % 30);
    int64_t spread = g % 3 == 0 ? 60 : 12, base = g % 4 == 0 ? 80 : 0;
    bt_value *si = bt_items(&cx, (size_t)ns);
    for (int k = 0; k < ns; k++) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      si[k] = bt_ipair(&cx, base + (int64_t)((seed >> 20) % (uint64_t)spread),
                       (int64_t)((seed >> 36) % (uint64_t)spread));
    }
    bt_value starts = bt_set_build(&cx, si, (size_t)ns);
    bt_value d = bt_ipair(&cx, (int64_t)(g % 5) - 2, (int64_t)(g / 5 % 5) - 2);
    char where[64];
    snprintf(where, sizeof where, "ray case %d", g);
    applied += check_union_under_limits(where, d, starts, g, 43 * starts.n);
    cases++;
    bt_arena_release(&cx, m);
  }
  rays = false;
  printf("ray unions: %d of %d cases by the union\n", applied, cases);
  assert_true(applied > cases / 2);
}

/* The call of primitive prim on args in context c (set up under its limits, freed here), the
 * shortcuts of bt_shift_union_use on or off: the value (boxed into cx), its steps and bytes;
 * refused: whether an allocation was. An error in the setting up (setup) is returned as it is. */
static bt_value measured_call(bt_ctx *c, bt_value setup, int prim, const bt_value *args, bool on,
                              uint64_t *steps, size_t *used) {
  *steps = *used = 0;
  if (bt_is_err(setup)) { /* the limits stop the setting up, both ways */
    bt_ctx_free(c);
    return setup;
  }
  bt_shift_union_use(on);
  size_t u0 = c->arena.used;
  uint64_t s0 = c->steps;
  bt_value r = bt_call_prim(c, prim, args);
  bt_shift_union_use(true);
  *steps = c->steps - s0;
  *used = c->arena.used - u0;
  refused = c->out_of_bytes;
  r = bt_is_err(r) ? r : bt_copy_boxed(&cx, r);
  bt_ctx_free(c);
  return r;
}

/* prapply(connect, x, y) (apply: apply(fork(connect, first, last), product(x, y))) in a
 * context of its own under lim, the segments by bt_connect_cross / bt_connect_pairs (on)
 * or by calling connect on every pair (off): the value (boxed into cx), its steps and bytes. */
static bt_value connect_all(bt_value x, bt_value y, bool apply, bool on, bt_limits lim, uint64_t *steps,
                            size_t *used) {
  bt_ctx c;
  bt_ctx_init(&c, &lim);
  bt_ctx_begin(&c);
  bt_value xc = bt_copy(&c, x), yc = bt_copy(&c, y), f = bt_prim_value(BT_P_connect), s = bt_none();
  if (apply) {
    s = bt_call_prim(&c, BT_P_product, (bt_value[]){xc, yc});
    f = bt_call_prim(&c, BT_P_fork, (bt_value[]){f, bt_prim_value(BT_P_first), bt_prim_value(BT_P_last)});
  }
  bt_value setup = bt_is_err(s) ? s : f;
  return apply ? measured_call(&c, setup, BT_P_apply, (bt_value[]){f, s}, on, steps, used)
               : measured_call(&c, setup, BT_P_prapply, (bt_value[]){f, xc, yc}, on, steps, used);
}

/* prapply(connect, x, y) and apply(fork(connect, first, last), product(x, y)) by the
 * segments made once against calling connect on every pair: the same value, steps and
 * bytes counted, for points on common lines and not, in the table's range and past it,
 * and under limits near what the calls take. */
static void test_connect_many_as_calling(void **state) {
  (void)state;
  uint64_t seed = 0x9e3779b97f4a7c15ull;
  int cases = 0, fast = 0;
  for (int g = 0; g < 300; g++) {
    bt_mark m = bt_arena_mark(&cx);
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    int nx = 1 + (int)((seed >> 8) % 24), ny = 1 + (int)((seed >> 16) % 24);
    int64_t spread = g % 3 == 0 ? 5 : g % 3 == 1 ? 12 : 30, base = g % 7 == 0 ? 90 : g % 7 == 1 ? -31 : 0;
    bt_value *xi = bt_items(&cx, (size_t)nx), *yi = bt_items(&cx, (size_t)ny);
    for (int k = 0; k < nx + ny; k++) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      bt_value p = bt_ipair(&cx, base + (int64_t)((seed >> 20) % (uint64_t)spread),
                            base + (int64_t)((seed >> 36) % (uint64_t)spread));
      if (k < nx)
        xi[k] = p;
      else
        yi[k - nx] = p;
    }
    bt_value x = bt_set_build(&cx, xi, (size_t)nx), y = g % 5 == 0 ? x : bt_set_build(&cx, yi, (size_t)ny);
    for (int apply = 0; apply < 2; apply++)
      for (int lim_case = 0; lim_case < 4; lim_case++) {
        bt_limits lim = bt_default_limits;
        uint64_t pairs = (uint64_t)x.n * y.n;
        if (lim_case == 1) lim.max_steps = 2 + (apply ? 4 : 1) * pairs - (uint64_t)(g % 3);
        if (lim_case == 2) lim.max_elems = (uint32_t)(pairs - (g % 2));
        if (lim_case == 3) lim.max_bytes = (size_t)pairs * 16 * (size_t)(g % 6 + 1) + 8192;
        bt_value got[2];
        uint64_t steps[2];
        size_t used[2];
        bool full[2];
        for (int on = 0; on < 2; on++) {
          got[on] = connect_all(x, y, apply, on, lim, &steps[on], &used[on]);
          full[on] = refused;
        }
        if (!bt_same(got[0], got[1]) || steps[0] != steps[1] || used[0] != used[1] ||
            (bt_is_err(got[0]) && full[0] != full[1]))
          fail_msg(
              "case %d (%s, limits %d): %u vs %u items (kind %d vs %d), %lu vs %lu steps, %zu vs %zu bytes",
              g, apply ? "apply" : "prapply", lim_case, got[1].n, got[0].n, got[1].kind, got[0].kind,
              (unsigned long)steps[1], (unsigned long)steps[0], used[1], used[0]);
        cases++;
        if (lim_case == 0 && !apply) { /* whether the segments were made once */
          bt_ctx c;
          bt_ctx_init(&c, NULL);
          bt_ctx_begin(&c);
          bt_value r;
          fast += bt_connect_cross(&c, bt_copy(&c, x), bt_copy(&c, y), &r);
          bt_ctx_free(&c);
        }
      }
    bt_arena_release(&cx, m);
  }
  printf("connect over many pairs: %d cases, %d of %d sets by the segments\n", cases, fast, cases / 8);
  assert_true(fast > cases / 16);
}

/* fork(recolor, color, fork(connect, compose(last, first), last of last)) in c, the last of
 * the last as power(last, 2) (power) or compose(last, last). */
static bt_value recolor_connect_fn(bt_ctx *c, bool power) {
  bt_value last = bt_prim_value(BT_P_last);
  bt_value a = bt_call_prim(c, BT_P_compose, (bt_value[]){last, bt_prim_value(BT_P_first)});
  bt_value b = power ? bt_call_prim(c, BT_P_power, (bt_value[]){last, bt_int(2)})
                     : bt_call_prim(c, BT_P_compose, (bt_value[]){last, last});
  bt_value g = bt_call_prim(c, BT_P_fork, (bt_value[]){bt_prim_value(BT_P_connect), a, b});
  return bt_call_prim(c, BT_P_fork, (bt_value[]){bt_prim_value(BT_P_recolor), bt_prim_value(BT_P_color), g});
}

/* apply(recolor_connect_fn, product(x, x)) for a set x of cells, in a context of its own
 * under lim: the recoloured segments by bt_connect_pairs (on) or by calling the function on
 * every pair (off); the value (boxed into cx), its steps and bytes. */
static bt_value recolor_connect_all(bt_value x, bool power, bool on, bt_limits lim, uint64_t *steps,
                                    size_t *used) {
  bt_ctx c;
  bt_ctx_init(&c, &lim);
  bt_ctx_begin(&c);
  bt_value xc = bt_copy(&c, x);
  bt_value s = bt_call_prim(&c, BT_P_product, (bt_value[]){xc, xc}), f = recolor_connect_fn(&c, power);
  return measured_call(&c, bt_is_err(s) ? s : f, BT_P_apply, (bt_value[]){f, s}, on, steps, used);
}

/* The recoloured segments of every pair of cells made once against calling the function on
 * every pair: the same value, steps and bytes counted, for cells of several colors on common
 * lines and not, in the cells' window and past it, and under limits near what the calls take. */
static void test_recolor_connect_as_calling(void **state) {
  (void)state;
  uint64_t seed = 0x2545f4914f6cdd1dull;
  int cases = 0, fast = 0;
  for (int g = 0; g < 200; g++) {
    bt_mark m = bt_arena_mark(&cx);
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    int nx = 1 + (int)((seed >> 8) % 30);
    int64_t spread = g % 3 == 0 ? 4 : g % 3 == 1 ? 10 : 25, base = g % 7 == 0 ? 40 : g % 7 == 1 ? -15 : 0;
    bt_value *xi = bt_items(&cx, (size_t)nx);
    for (int k = 0; k < nx; k++) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      xi[k] = bt_cell(&cx, (int64_t)((seed >> 50) % (g % 4 == 0 ? 1 : 4)),
                      base + (int64_t)((seed >> 20) % (uint64_t)spread),
                      base + (int64_t)((seed >> 36) % (uint64_t)spread));
    }
    bt_value x = bt_set_build(&cx, xi, (size_t)nx);
    for (int lim_case = 0; lim_case < 4; lim_case++) {
      bt_limits lim = bt_default_limits;
      uint64_t pairs = (uint64_t)x.n * x.n;
      if (lim_case == 1) lim.max_steps = 10 + 11 * pairs - (uint64_t)(g % 3);
      if (lim_case == 2) lim.max_elems = (uint32_t)(pairs - (g % 2));
      if (lim_case == 3) lim.max_bytes = (size_t)pairs * 80 * (size_t)(g % 6 + 1) + 8192;
      bt_value got[2];
      uint64_t steps[2];
      size_t used[2];
      bool full[2];
      for (int on = 0; on < 2; on++) {
        got[on] = recolor_connect_all(x, g % 2 == 0, on, lim, &steps[on], &used[on]);
        full[on] = refused;
      }
      if (!bt_same(got[0], got[1]) || steps[0] != steps[1] || used[0] != used[1] ||
          (bt_is_err(got[0]) && full[0] != full[1]))
        fail_msg("case %d (limits %d): %u vs %u items (kind %d vs %d), %lu vs %lu steps, %zu vs %zu bytes", g,
                 lim_case, got[1].n, got[0].n, got[1].kind, got[0].kind, (unsigned long)steps[1],
                 (unsigned long)steps[0], used[1], used[0]);
      cases++;
      if (lim_case == 0) { /* whether the segments were made once */
        bt_ctx c;
        bt_ctx_init(&c, NULL);
        bt_ctx_begin(&c);
        bt_value xc = bt_copy(&c, x), r;
        bt_value pairs_v = bt_call_prim(&c, BT_P_product, (bt_value[]){xc, xc});
        fast += bt_connect_pairs(&c, recolor_connect_fn(&c, true), pairs_v, &r);
        bt_ctx_free(&c);
      }
    }
    bt_arena_release(&cx, m);
  }
  printf("recoloured segments of many pairs: %d cases, %d of %d sets by the segments\n", cases, fast,
         cases / 4);
  assert_true(fast > cases / 8);
}

/* hmatching / vmatching of index sets and objects of 0 to 60 indices, small and large on
 * either side, against the definition: a row (column) index the two patches share. */
static void test_matching_as_defined(void **state) {
  (void)state;
  uint64_t seed = 0xda3e39cb94b95bdbull;
  int met = 0;
  for (int g = 0; g < 2000; g++) {
    bt_mark m = bt_arena_mark(&cx);
    bt_value p[2];
    int64_t ij[2][64][2];
    int n[2];
    for (int s = 0; s < 2; s++) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      n[s] = (int)((seed >> 10) % (g % 3 == 0 ? 61 : 9));
      bool cells = (seed >> 40) & 1;
      int64_t spread = 2 + (int64_t)((seed >> 20) % 40), base = g % 5 == 0 ? 100 : -3;
      bt_value *it = bt_items(&cx, (size_t)n[s] + 1);
      for (int k = 0; k < n[s]; k++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        ij[s][k][0] = base + (int64_t)((seed >> 20) % (uint64_t)spread);
        ij[s][k][1] = base + (int64_t)((seed >> 36) % (uint64_t)spread);
        it[k] = cells ? bt_cell(&cx, (int64_t)(seed >> 60) % 3, ij[s][k][0], ij[s][k][1])
                      : bt_ipair(&cx, ij[s][k][0], ij[s][k][1]);
      }
      p[s] = bt_set_build(&cx, it, (size_t)n[s]);
    }
    for (int axis = 0; axis < 2; axis++) {
      bool want = false;
      for (int x = 0; x < n[0]; x++)
        for (int y = 0; y < n[1]; y++)
          want |= ij[0][x][axis] == ij[1][y][axis];
      bt_value got = bt_call_prim(&cx, axis ? BT_P_vmatching : BT_P_hmatching, p);
      if (got.kind != BT_BOOL || got.u.i != want)
        fail_msg("case %d, %s of %d and %d indices: %d, not %d", g, axis ? "vmatching" : "hmatching", n[0],
                 n[1], (int)got.u.i, want);
      met += want;
    }
    bt_arena_release(&cx, m);
  }
  printf("matching: 4000 cases as defined, %d sharing a line\n", met);
  assert_true(met > 400 && met < 3600);
}

static int setup(void **state) {
  (void)state;
  bt_ctx_init(&cx, NULL);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  bt_ctx_free(&cx);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s ARC_AGI_1_TRAINING_DIR\n", argv[0]);
    return 2;
  }
  training_dir = argv[1];
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_objects_small_cases),
      cmocka_unit_test(test_objects_random_grids),
      cmocka_unit_test(test_occurrences_match_direct_search),
      cmocka_unit_test(test_box_searches_in_one_evaluation),
      cmocka_unit_test(test_lookups_in_a_kept_member_map),
      cmocka_unit_test(test_shift_union_as_mapping),
      cmocka_unit_test(test_ray_union_as_mapping),
      cmocka_unit_test(test_connect_many_as_calling),
      cmocka_unit_test(test_recolor_connect_as_calling),
      cmocka_unit_test(test_matching_as_defined),
      cmocka_unit_test(test_big_sets_within_the_element_limit),
      cmocka_unit_test(test_box_unions_edges),
      cmocka_unit_test(test_objects_match_reference),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
