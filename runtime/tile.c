/* tile.c: the CPU twins of the tile kernels (cuda/kernels.cu must equal them bit for
 * bit), and packing runtime values into tiles and back (the results equal what the
 * primitives return: tests/test_tile.c). */
#include <stdlib.h>
#include <string.h>

#include "bt_prims.h"
#include "patch.h"
#include "tile.h"

size_t bt_tile_slot_bytes(void) {
  return sizeof(bt_tile_meta) + 3 * BT_TILE_CELLS + BT_TILE_COLORS * sizeof(uint16_t) +
         BT_TILE_CONNS * BT_TILE_CELLS * sizeof(uint16_t);
}

static void *zeroed(size_t bytes) { return calloc(1, bytes); }

bool bt_tile_batch_init_mem(bt_tile_batch *b, int cap, void *(*alloc)(size_t), void (*release)(void *)) {
  memset(b, 0, sizeof *b);
  if (!alloc) alloc = zeroed, release = NULL;
  size_t n = (size_t)cap;
  b->cap = cap;
  b->release = release;
  b->meta = alloc(n * sizeof *b->meta);
  b->a = alloc(n * BT_TILE_CELLS);
  b->b = alloc(n * BT_TILE_CELLS);
  b->out = alloc(n * BT_TILE_CELLS);
  b->counts = alloc(n * BT_TILE_COLORS * sizeof *b->counts);
  b->labels = alloc(n * BT_TILE_CONNS * BT_TILE_CELLS * sizeof *b->labels);
  if (b->meta && b->a && b->b && b->out && b->counts && b->labels) return true;
  bt_tile_batch_free(b);
  return false;
}

bool bt_tile_batch_init(bt_tile_batch *b, int cap) { return bt_tile_batch_init_mem(b, cap, NULL, NULL); }

void bt_tile_batch_free(bt_tile_batch *b) {
  void (*release)(void *) = b->release ? b->release : free;
  void *arrays[] = {b->meta, b->a, b->b, b->out, b->counts, b->labels};
  for (size_t k = 0; k < sizeof arrays / sizeof *arrays; k++)
    if (arrays[k]) release(arrays[k]);
  memset(b, 0, sizeof *b);
}

/* ---- the twins ------------------------------------------------------------------------ */

static void twin_counts(const bt_tile_meta *m, const uint8_t *a, uint16_t *counts) {
  memset(counts, 0, BT_TILE_COLORS * sizeof *counts);
  for (int i = 0; i < m->ha; i++)
    for (int j = 0; j < m->wa; j++)
      counts[a[i * BT_TILE_SIDE + j]]++;
}

/* Flood fill from each unlabelled cell in row-major order: the seed is the component's
 * first cell, so its padded index is the smallest in it (what the kernel converges to). */
static void twin_label(const bt_tile_meta *m, const uint8_t *a, int conn, int bg, uint16_t *lab) {
  static const int di[8] = {-1, 1, 0, 0, -1, -1, 1, 1}, dj[8] = {0, 0, -1, 1, -1, 1, -1, 1};
  int nsteps = (conn & 1) ? 8 : 4;
  uint16_t stack[BT_TILE_CELLS];
  for (int c = 0; c < BT_TILE_CELLS; c++)
    lab[c] = BT_TILE_NOLABEL;
  for (int i = 0; i < m->ha; i++)
    for (int j = 0; j < m->wa; j++) {
      int seed = i * BT_TILE_SIDE + j;
      if (lab[seed] != BT_TILE_NOLABEL || (conn >= 4 && a[seed] == bg)) continue;
      int top = 0;
      lab[seed] = (uint16_t)seed;
      stack[top++] = (uint16_t)seed;
      while (top > 0) {
        int c = stack[--top], ci = c / BT_TILE_SIDE, cj = c % BT_TILE_SIDE;
        for (int s = 0; s < nsteps; s++) {
          int ni = ci + di[s], nj = cj + dj[s], nc = ni * BT_TILE_SIDE + nj;
          if (ni < 0 || nj < 0 || ni >= m->ha || nj >= m->wa || lab[nc] != BT_TILE_NOLABEL) continue;
          if (!bt_tile_joins(conn, a, c, nc, bg)) continue;
          lab[nc] = (uint16_t)seed;
          stack[top++] = (uint16_t)nc;
        }
      }
    }
}

void bt_tile_twin_slot(bt_tile_op op, bt_tile_batch *b, int s) {
  const bt_tile_meta *m = &b->meta[s];
  const uint8_t *a = b->a + (size_t)s * BT_TILE_CELLS, *bb = b->b + (size_t)s * BT_TILE_CELLS;
  uint8_t *out = b->out + (size_t)s * BT_TILE_CELLS;
  uint16_t *counts = b->counts + (size_t)s * BT_TILE_COLORS;
  twin_counts(m, a, counts);
  if (op == BT_TOP_COUNTS) return;
  if (op == BT_TOP_LABEL) {
    uint16_t *lab = b->labels + (size_t)s * BT_TILE_CONNS * BT_TILE_CELLS;
    int bg = bt_tile_most_common(counts);
    for (int conn = 0; conn < BT_TILE_CONNS; conn++) {
      if (m->p[0] & (1 << conn))
        twin_label(m, a, conn, bg, lab + conn * BT_TILE_CELLS);
      else
        for (int c = 0; c < BT_TILE_CELLS; c++)
          lab[conn * BT_TILE_CELLS + c] = BT_TILE_NOLABEL;
    }
    return;
  }
  int bg = bt_tile_most_common(counts);
  for (int i = 0; i < BT_TILE_SIDE; i++)
    for (int j = 0; j < BT_TILE_SIDE; j++) {
      int c = i * BT_TILE_SIDE + j, v = 0;
      if (i < m->ho && j < m->wo) {
        if (op == BT_TOP_GATHER) {
          int si, sj;
          int from_b = bt_tile_gather_source(m, i, j, &si, &sj);
          v = (from_b ? bb : a)[si * BT_TILE_SIDE + sj];
        } else if (op == BT_TOP_MAP) {
          v = bt_tile_map_cell(m, a[c], bb[c], bg);
        } else {
          v = a[c] == bb[c] ? a[c] : m->p[0];
        }
      }
      out[c] = (uint8_t)v;
    }
}

void bt_tile_twin(bt_tile_op op, bt_tile_batch *b) {
  for (int s = 0; s < b->n; s++)
    bt_tile_twin_slot(op, b, s);
}

void bt_tile_pool_fetch(bt_tile_batch *b, const uint8_t *pool) {
  for (int s = 0; s < b->n && b->pool_ins; s++)
    if (b->meta[s].pool_in)
      memcpy(b->a + (size_t)s * BT_TILE_CELLS, pool + (size_t)(b->meta[s].pool_in - 1) * BT_TILE_CELLS,
             BT_TILE_CELLS);
}

void bt_tile_pool_keep(const bt_tile_batch *b, uint8_t *pool) {
  for (int s = 0; s < b->n && b->keeps; s++) {
    const bt_tile_meta *m = &b->meta[s];
    if (m->keep_a)
      memcpy(pool + (size_t)(m->keep_a - 1) * BT_TILE_CELLS, b->a + (size_t)s * BT_TILE_CELLS, BT_TILE_CELLS);
    if (m->keep_out)
      memcpy(pool + (size_t)(m->keep_out - 1) * BT_TILE_CELLS, b->out + (size_t)s * BT_TILE_CELLS,
             BT_TILE_CELLS);
  }
}

/* ---- packing values into slots ---------------------------------------------------------- */

bool bt_tile_grid_ok(bt_value g, int *h, int *w) {
  if (g.kind == BT_PGRID) {
    if (g.u.pg->h > BT_TILE_MAX || g.u.pg->w > BT_TILE_MAX) return false;
    for (int64_t k = 0; k < g.u.pg->h * g.u.pg->w; k++)
      if (g.u.pg->c[k] >= BT_TILE_COLORS) return false;
    *h = (int)g.u.pg->h;
    *w = (int)g.u.pg->w;
    return true;
  }
  if (g.kind != BT_TUPLE || g.n < 1 || g.n > BT_TILE_MAX) return false;
  uint32_t width = g.u.items[0].n;
  if (width < 1 || width > BT_TILE_MAX) return false;
  for (uint32_t i = 0; i < g.n; i++) {
    bt_value row = g.u.items[i];
    if (row.kind != BT_TUPLE || row.n != width) return false;
    for (uint32_t j = 0; j < width; j++) {
      bt_value v = row.u.items[j];
      if (v.kind != BT_INT || (uint64_t)v.u.i >= BT_TILE_COLORS) return false;
    }
  }
  *h = (int)g.n;
  *w = (int)width;
  return true;
}

/* Writes the checked grid g into a tile (padding zeroed). */
static void put_grid(uint8_t *tile, bt_value g, int h, int w) {
  memset(tile, 0, BT_TILE_CELLS);
  for (int i = 0; i < h; i++)
    if (g.kind == BT_PGRID)
      memcpy(tile + i * BT_TILE_SIDE, g.u.pg->c + i * w, (size_t)w);
    else
      for (int j = 0; j < w; j++)
        tile[i * BT_TILE_SIDE + j] = (uint8_t)BT_GCELL(g, i, j);
}

/* A plain int 0..9 (a bool would have to come back as a bool). */
static bool color_ok(bt_value v) { return v.kind == BT_INT && (uint64_t)v.u.i < BT_TILE_COLORS; }

static bool small_int(bt_value v, int64_t lo, int64_t hi, int64_t *out) {
  if (!bt_is_int(v) || v.u.i < lo || v.u.i > hi) return false;
  *out = v.u.i;
  return true;
}

/* Marks every index of a patch inside h x w in mask with `value` (KEEP elsewhere);
 * paint: value < 0 takes each cell's colour, later cells winning as in iteration order.
 * False when some element is not a proper index (or cell with a colour 0..9). */
static bool put_mask(uint8_t *mask, bt_value patch, int h, int w, int value) {
  memset(mask, BT_TILE_KEEP, BT_TILE_CELLS);
  int kind = value < 0 ? BT_PATCH_OBJECT : bt_patch_kind(patch);
  if (kind < 0 || !bt_is_coll(patch)) return false;
  for (uint32_t k = 0; k < patch.n; k++) {
    bt_value e = patch.u.items[k];
    int64_t i, j, c = value;
    if (value < 0) {
      if (!bt_cell_get(e, &c, &i, &j) || !color_ok(e.u.items[0])) return false;
    } else if (!bt_patch_ij(e, kind, &i, &j)) {
      return false;
    }
    if (i >= 0 && i < h && j >= 0 && j < w) mask[i * BT_TILE_SIDE + j] = (uint8_t)c;
  }
  return true;
}

/* Python's clamped slice [start:stop) of a sequence of n: first index and length. */
static void slice_window(int64_t n, int64_t start, int64_t stop, int *first, int *len) {
  if (start < 0) start = start + n < 0 ? 0 : start + n;
  if (stop < 0) stop = stop + n < 0 ? 0 : stop + n;
  if (start > n) start = n;
  if (stop > n) stop = n;
  *first = (int)start;
  *len = stop > start ? (int)(stop - start) : 0;
}

/* crop(grid, (i, j), (h, w)) as a window of the slot's grid a. */
static bool pack_crop(bt_tile_meta *m, bt_value start, bt_value dims) {
  int64_t i, j, h, w, lim = (int64_t)1 << 30;
  if (start.kind != BT_TUPLE || dims.kind != BT_TUPLE || start.n != 2 || dims.n != 2) return false;
  if (!small_int(start.u.items[0], -lim, lim, &i) || !small_int(start.u.items[1], -lim, lim, &j) ||
      !small_int(dims.u.items[0], -lim, lim, &h) || !small_int(dims.u.items[1], -lim, lim, &w))
    return false;
  int r0, rows, c0, cols;
  slice_window(m->ha, i, i + h, &r0, &rows);
  slice_window(m->wa, j, j + w, &c0, &cols);
  m->p[0] = BT_TG_CROP;
  m->p[1] = (int16_t)r0;
  m->p[2] = (int16_t)c0;
  m->ho = (uint8_t)rows;
  m->wo = (uint8_t)(rows ? cols : 0);
  return true;
}

static int gather_mode(int prim) {
  switch (prim) {
  case BT_P_hmirror: return BT_TG_HMIRROR;
  case BT_P_dmirror: return BT_TG_DMIRROR;
  case BT_P_vmirror: return BT_TG_VMIRROR;
  case BT_P_cmirror: return BT_TG_CMIRROR;
  case BT_P_rot90: return BT_TG_ROT90;
  case BT_P_rot180: return BT_TG_ROT180;
  case BT_P_rot270: return BT_TG_ROT270;
  default: return -1;
  }
}

int bt_tile_prim_op(int prim) {
  if (prim < 0 || prim >= bt_n_prims) return -1;
  return bt_prim_kernel[prim] - 1; /* the catalogue's `kernel`, -1 without */
}

void bt_tile_pack_label_modes(bt_tile_batch *b, int s, unsigned mode_mask) {
  for (int k = 0; k < 8; k++)
    if (mode_mask & (1u << k)) b->meta[s].p[0] |= (int16_t)(1 << bt_tile_conn(k));
}

/* switch's {a: b, b: a}[v] on one value (one key when a == b). */
static bt_value switch_value(bt_value v, bt_value x, bt_value y) {
  if (bt_eq(x, y)) return bt_eq(v, x) ? x : v;
  return bt_eq(v, x) ? y : bt_eq(v, y) ? x : v;
}

int bt_tile_grid_arg(int prim) { return prim == BT_P_subgrid ? 1 : 0; }

/* bt_tile_pack; resident: the grid argument is a checked grid already in the device's
 * pool (neither checked nor written again). */
static bool pack(bt_ctx *cx, bt_tile_batch *b, int s, int prim, const bt_value *args, bool resident) {
  bt_tile_meta *m = &b->meta[s];
  memset(m, 0, sizeof *m);
  int op = bt_tile_prim_op(prim), h, w, h2, w2;
  bt_value g = args[bt_tile_grid_arg(prim)];
  if (op < 0) return false;
  for (int k = 0; k < bt_prims[prim].arity; k++) /* packed: only grids (bt_tile_grid_ok reads them) */
    if (args[k].kind == BT_PGRID && k != bt_tile_grid_arg(prim) &&
        !(k == 1 && (prim == BT_P_hconcat || prim == BT_P_vconcat || prim == BT_P_cellwise)))
      return false;
  if (resident) {
    h = (int)g.n;
    w = g.kind == BT_PGRID ? (int)g.u.pg->w : (int)g.u.items[0].n;
  } else if (!bt_tile_grid_ok(g, &h, &w)) {
    return false;
  }
  m->ha = m->ho = (uint8_t)h;
  m->wa = m->wo = (uint8_t)w;
  uint8_t *a = b->a + (size_t)s * BT_TILE_CELLS, *bb = b->b + (size_t)s * BT_TILE_CELLS;
  int64_t k;
  for (int c = 0; c < BT_TILE_COLORS; c++)
    m->lut[c] = (uint8_t)c;
  switch (prim) {
  case BT_P_objects:
    m->p[0] = (int16_t)(1 << bt_tile_conn(4 * bt_truth(args[1]) + 2 * bt_truth(args[2]) + bt_truth(args[3])));
    break;
  case BT_P_o_g:
    if (!small_int(args[1], 0, 7, &k)) return false;
    m->p[0] = (int16_t)(1 << bt_tile_conn((int)k));
    break;
  case BT_P_mir_rot_t:
    if (!small_int(args[1], 0, 7, &k)) return false;
    m->p[0] = (int16_t)k;
    if (k == 1 || k == 3 || k == 4 || k == 6) m->ho = (uint8_t)w, m->wo = (uint8_t)h;
    break;
  case BT_P_hmirror:
  case BT_P_dmirror:
  case BT_P_vmirror:
  case BT_P_cmirror:
  case BT_P_rot90:
  case BT_P_rot180:
  case BT_P_rot270:
    m->p[0] = (int16_t)gather_mode(prim);
    if (m->p[0] == BT_TG_DMIRROR || m->p[0] == BT_TG_CMIRROR || m->p[0] == BT_TG_ROT90 ||
        m->p[0] == BT_TG_ROT270)
      m->ho = (uint8_t)w, m->wo = (uint8_t)h;
    break;
  case BT_P_upscale:
    if (!small_int(args[1], 1, BT_TILE_MAX, &k) || h * k > BT_TILE_MAX || w * k > BT_TILE_MAX) return false;
    m->p[0] = BT_TG_UPSCALE;
    m->p[1] = (int16_t)k;
    m->ho = (uint8_t)(h * k), m->wo = (uint8_t)(w * k);
    break;
  case BT_P_downscale:
    if (!small_int(args[1], 1, 1 << 20, &k)) return false;
    if (k > BT_TILE_MAX) k = BT_TILE_MAX; /* one row and column either way */
    m->p[0] = BT_TG_DOWNSCALE;
    m->p[1] = (int16_t)k;
    m->ho = (uint8_t)((h + k - 1) / k), m->wo = (uint8_t)((w + k - 1) / k);
    break;
  case BT_P_hconcat:
  case BT_P_vconcat:
    if (!bt_tile_grid_ok(args[1], &h2, &w2)) return false;
    if (prim == BT_P_hconcat) {
      if (w + w2 > BT_TILE_MAX) return false;
      m->p[0] = BT_TG_HCONCAT;
      m->ho = (uint8_t)(h < h2 ? h : h2), m->wo = (uint8_t)(w + w2);
    } else {
      if (w != w2 || h + h2 > BT_TILE_MAX) return false;
      m->p[0] = BT_TG_VCONCAT;
      m->ho = (uint8_t)(h + h2);
    }
    m->hb = (uint8_t)h2, m->wb = (uint8_t)w2;
    put_grid(bb, args[1], h2, w2);
    break;
  case BT_P_crop:
    if (!pack_crop(m, args[1], args[2])) return false;
    break;
  case BT_P_subgrid: {
    bt_value corner = bt_p_ulcorner(cx, args), dims = bt_p_shape(cx, args);
    if (bt_is_err(corner) || bt_is_err(dims) || !pack_crop(m, corner, dims)) return false;
    break;
  }
  case BT_P_fill:
  case BT_P_cover:
  case BT_P_paint: {
    int value = prim == BT_P_paint ? -1 : prim == BT_P_cover ? BT_TILE_BG : (int)args[1].u.i;
    if (prim == BT_P_fill && !color_ok(args[1])) return false;
    if (!put_mask(bb, args[prim == BT_P_fill ? 2 : 1], h, w, value)) return false;
    m->hb = (uint8_t)h, m->wb = (uint8_t)w;
    break;
  }
  case BT_P_replace:
  case BT_P_switch:
    for (int c = 0; c < BT_TILE_COLORS; c++) {
      bt_value v = bt_int(c);
      bt_value r =
          prim == BT_P_replace ? (bt_eq(v, args[1]) ? args[2] : v) : switch_value(v, args[1], args[2]);
      if (!color_ok(r)) return false;
      m->lut[c] = (uint8_t)r.u.i;
    }
    memset(bb, BT_TILE_KEEP, BT_TILE_CELLS);
    break;
  case BT_P_cellwise:
    if (!bt_tile_grid_ok(args[1], &h2, &w2) || h2 < h || w2 < w || !color_ok(args[2])) return false;
    m->p[0] = (int16_t)args[2].u.i;
    m->hb = (uint8_t)h2, m->wb = (uint8_t)w2;
    put_grid(bb, args[1], h2, w2);
    break;
  default: /* the colour counts */ break;
  }
  if (!resident) put_grid(a, g, h, w);
  return true;
}

bool bt_tile_pack(bt_ctx *cx, bt_tile_batch *b, int s, int prim, const bt_value *args) {
  return pack(cx, b, s, prim, args, false);
}

bool bt_tile_pack_resident(bt_ctx *cx, bt_tile_batch *b, int s, int prim, const bt_value *args, int tile) {
  if (bt_tile_prim_op(prim) == BT_TOP_LABEL || !pack(cx, b, s, prim, args, true)) return false;
  b->meta[s].pool_in = tile + 1;
  return true;
}

/* ---- results back into values ------------------------------------------------------------- */

static bt_value out_grid(bt_ctx *cx, const bt_tile_meta *m, const uint8_t *out) {
  if (m->ho == 0) return bt_tuple(NULL, 0);
  if (m->wo == 0) {
    bt_value *rows = bt_items(cx, m->ho);
    if (!rows) return bt_err(BT_E_LIMIT);
    for (int i = 0; i < m->ho; i++)
      rows[i] = bt_tuple(NULL, 0);
    return bt_tuple(rows, m->ho);
  }
  bt_value *cells;
  bt_value g = bt_grid_new(cx, m->ho, m->wo, &cells);
  if (bt_is_err(g)) return g;
  for (int i = 0; i < m->ho; i++)
    for (int j = 0; j < m->wo; j++)
      cells[i * m->wo + j].u.i = out[i * BT_TILE_SIDE + j];
  return g;
}

bt_value bt_tile_objects(bt_ctx *cx, const bt_tile_batch *b, int s, bt_value grid, int mode) {
  const bt_tile_meta *m = &b->meta[s];
  const uint16_t *lab = b->labels + ((size_t)s * BT_TILE_CONNS + (size_t)bt_tile_conn(mode)) * BT_TILE_CELLS;
  const uint8_t *a = b->a + (size_t)s * BT_TILE_CELLS;
  int n = m->ha * m->wa, bg = bt_tile_most_common(b->counts + (size_t)s * BT_TILE_COLORS);
  bool drop_bg = (mode & 4) && (mode & 1);
  int32_t *label = bt_alloc(cx, (size_t)(2 * n + BT_TILE_CELLS) * sizeof(int32_t));
  if (!label) return bt_err(BT_E_LIMIT);
  int32_t *size = label + n, *id_of = size + n;
  int32_t count = 0;
  for (int c = 0; c < BT_TILE_CELLS; c++)
    id_of[c] = -1;
  for (int i = 0; i < m->ha; i++)
    for (int j = 0; j < m->wa; j++) {
      int c = i * BT_TILE_SIDE + j, root = lab[c], at = i * m->wa + j;
      if (root == BT_TILE_NOLABEL || (drop_bg && a[c] == bg)) {
        label[at] = -1;
        continue;
      }
      if (id_of[root] < 0) size[id_of[root] = count++] = 0;
      label[at] = id_of[root];
      size[label[at]]++;
    }
  bt_labels l = {m->ha, m->wa, label, count, size};
  return bt_labels_objects(cx, grid, &l);
}

bt_value bt_tile_unpack(bt_ctx *cx, const bt_tile_batch *b, int s, int prim, const bt_value *args) {
  const bt_tile_meta *m = &b->meta[s];
  const uint16_t *counts = b->counts + (size_t)s * BT_TILE_COLORS;
  int op = bt_tile_prim_op(prim);
  if (op == BT_TOP_LABEL) {
    int mode = prim == BT_P_o_g ? (int)args[1].u.i
                                : 4 * bt_truth(args[1]) + 2 * bt_truth(args[2]) + bt_truth(args[3]);
    return bt_tile_objects(cx, b, s, args[0], mode);
  }
  if (op != BT_TOP_COUNTS) return out_grid(cx, m, b->out + (size_t)s * BT_TILE_CELLS);
  int most = -1, least = -1, n = 0;
  for (int c = 0; c < BT_TILE_COLORS; c++) {
    if (!counts[c]) continue;
    n++;
    if (most < 0 || counts[c] > counts[most]) most = c;
    if (least < 0 || counts[c] < counts[least]) least = c;
  }
  switch (prim) {
  case BT_P_mostcolor: return bt_int(most);
  case BT_P_leastcolor: return bt_int(least);
  case BT_P_numcolors: return bt_int(n);
  case BT_P_colorcount: {
    bt_value v = args[1];
    return bt_int(bt_is_int(v) && (uint64_t)v.u.i < BT_TILE_COLORS ? counts[v.u.i] : 0);
  }
  default: { /* palette, p_g */
    bt_value *items = bt_items(cx, BT_TILE_COLORS);
    if (!items) return bt_err(BT_E_LIMIT);
    int k = 0;
    for (int c = 0; c < BT_TILE_COLORS; c++)
      if (counts[c]) items[k++] = bt_int(c);
    return prim == BT_P_p_g ? bt_tuple(items, (uint32_t)k) : bt_set_sorted(items, (size_t)k);
  }
  }
}
