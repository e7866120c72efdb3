/* Pattern detection (gen/patterns.c) on small solver sets: each pattern, patterns split
 * across solvers, and near misses that must stay unfused; for every set, the fused and
 * the unfused program give the same outcome for every solver on every item of the first
 * ARC-AGI-1 training tasks.
 *
 * usage: test_patterns CATALOG ARC_AGI_1_DIR MANIFEST */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"
#include "interp.h"
#include "manifest.h"
#include "run.h"
#include "tasks.h"

static const char *catalog_path, *arc_dir, *manifest_path;
static bt_taskset tasks;
enum { N_TASKS = 40 };

typedef struct fixture {
  catalog cat;
  card_program prog;
  card_merged *m;
} fixture;

static void load(fixture *fx, const char *text) {
  char err[1024];
  assert_true(catalog_load(catalog_path, &fx->cat, err, sizeof err));
  program_init(&fx->prog);
  card_diag d = {0};
  program_add_text(&fx->prog, "set.py", text, strlen(text), &d);
  bool ok = check_program(&fx->prog, &fx->cat, &d);
  char *msgs = diag_render(&d);
  if (!ok) fail_msg("%s", msgs);
  free(msgs);
  diag_free(&d);
  fx->m = merge_program(&fx->prog);
  assert_non_null(fx->m);
}

static void unload(fixture *fx) {
  fusion_free(fx->m->fusion);
  merged_free(fx->m);
  program_free(&fx->prog);
  catalog_free(&fx->cat);
}

/* The merged line whose text (without "tN = ") is `text`, or fails. */
static int line_of(const card_merged *m, const char *text) {
  for (int k = 0; k < m->nlines; k++) {
    strbuf sb = {0};
    line_text(&sb, &m->lines[k], k);
    const char *eq = strstr(sb.buf, " = ");
    bool same = eq && !strcmp(eq + 3, text);
    sb_free(&sb);
    if (same) return k;
  }
  fail_msg("no line %s", text);
  return -1;
}

static int group_of(const card_merged *m, const char *text) { return m->fusion->group_of[line_of(m, text)]; }

/* Every solver's outcome on every item, as text, one line per (solver, item). With
 * compact_min, items compact their live values whenever their arena doubles past it
 * (fused calls store lines ahead of their place: compaction must keep those). */
static char *outcomes_on(const card_merged *m, size_t compact_min, bool twin) {
  bt_program *p = interp_program(m);
  assert_non_null(p);
  bt_run_opts o;
  bt_run_opts_default(&o);
  o.keep_outputs = true;
  o.threads = 1;
  o.compact_min = compact_min;
  if (twin) { /* the device layer, its kernels run by their CPU twins */
    o.n_devices = 1;
    o.devices[0] = (bt_device_spec){BT_DEVICE_TWIN, 0};
  }
  bt_run run;
  assert_true(bt_run_program(&run, p, &tasks, &o));
  strbuf sb = {0};
  for (int k = 0; k < tasks.n; k++) {
    const bt_task_result *tr = &run.by_task[k];
    for (int j = 0; j < tr->n_items; j++)
      for (int s = 0; s < p->n_solvers; s++) {
        const bt_result *r = &tr->results[(size_t)j * (size_t)p->n_solvers + (size_t)s];
        sb_printf(&sb, "%s %d %s: ", tasks.tasks[k].id, j, p->solvers[s].name);
        if (r->verdict == BT_V_ERROR)
          sb_printf(&sb, "error %d\n", r->errc);
        else
          sb_printf(&sb, "%s\n", tr->items[j].outputs[r->out]);
      }
  }
  bt_run_free(&run);
  interp_free(p);
  return sb_take(&sb);
}

static char *outcomes(const card_merged *m, size_t compact_min) { return outcomes_on(m, compact_min, false); }

/* Fails at the first line where `got` differs from `want`, showing both. */
static void same_outcomes(const char *want, const char *got, const char *what) {
  int line = 1;
  const char *a = want, *b = got;
  while (*a && *a == *b) {
    line += *a == '\n';
    a++, b++;
  }
  if (!*a && !*b) return;
  while (a > want && a[-1] != '\n')
    a--, b--;
  fail_msg("%s: outcome line %d differs:\n  want %.300s\n  got  %.300s", what, line, a, b);
}

/* Fuses fx->m and checks that the fused program's outcomes equal the unfused ones, also
 * when items compact their arenas all the time. */
static void fuse_and_compare(fixture *fx) {
  char *plain = outcomes(fx->m, 0);
  fuse_program(fx->m);
  char *fused = outcomes(fx->m, 0), *compacting = outcomes(fx->m, 1);
  same_outcomes(plain, fused, "fused");
  same_outcomes(plain, compacting, "fused, compacting");
  free(plain);
  free(fused);
  free(compacting);
}

/* ---- the sample pattern ------------------------------------------------------------ */

static const char *sample_split = "def solve_a(S, I, C):\n"
                                  "    x1 = apply(first, S)\n"
                                  "    x2 = mapply(palette, x1)\n"
                                  "    x3 = dedupe(x2)\n"
                                  "    x4 = get_nth_t(x3, ZERO)\n"
                                  "    O = replace(I, x4, ONE)\n"
                                  "    return O\n"
                                  "\n"
                                  "def solve_b(S, I, C):\n"
                                  "    x1 = apply(second, S)\n"
                                  "    x2 = mapply(palette, x1)\n"
                                  "    x3 = dedupe(x2)\n"
                                  "    x4 = apply(first, S)\n"
                                  "    x5 = mapply(palette, x4)\n"
                                  "    x6 = dedupe(x5)\n"
                                  "    x7 = difference_tuple(x6, x3)\n"
                                  "    x8 = get_nth_t(x7, ZERO)\n"
                                  "    O = replace(I, x8, TWO)\n"
                                  "    return O\n"
                                  "\n"
                                  "def solve_c(S, I, C):\n"
                                  "    x1 = c_iz_n(S, palette, first)\n"
                                  "    x2 = c_zo(S, palette)\n"
                                  "    x3 = get_nth_t(x2, ZERO)\n"
                                  "    O = replace(I, x1, x3)\n"
                                  "    return O\n";

/* A c_zo_n whose function and pick are lines of the same group: they are read as steps
 * (their frame slots are written only when the group is done), errors among them too. */
static const char *sample_fn_from_group =
    "def solve_a(S, I, C):\n"
    "    x1 = c_iz_n(S, p_g, first)\n"
    "    x2 = c_zo_n(S, x1, color)\n"
    "    x3 = apply(first, S)\n"
    "    x4 = rbind(get_nth_t, ZERO)\n"
    "    x5 = c_iz_n(S, p_g, x4)\n"
    "    x6 = c_zo_n(S, p_g, x1)\n"
    "    O = replace(I, x2, x5)\n"
    "    return O\n"
    "\n"
    /* a pick that is an error (first of an empty difference): passed on, as unfused */
    "def solve_b(S, I, C):\n"
    "    x1 = c_iz_n(S, palette, first)\n"
    "    x2 = c_zo_n(S, p_g, x1)\n"
    "    O = replace(I, x2, x2)\n"
    "    return O\n";

static void test_sample_function_from_the_group(void **state) {
  (void)state;
  fixture fx;
  load(&fx, sample_fn_from_group);
  fuse_and_compare(&fx);
  assert_int_equal(fx.m->fusion->n, 1);
  unload(&fx);
}

static void test_sample_pattern_across_solvers(void **state) {
  (void)state;
  fixture fx;
  load(&fx, sample_split);
  fuse_and_compare(&fx);
  const card_merged *m = fx.m;
  int g = group_of(m, "apply(first, S)");
  assert_true(g >= 0);
  const card_group *grp = &m->fusion->groups[g];
  assert_int_equal(grp->kind, PAT_SAMPLE);
  /* every task line of the three solvers is in the one group */
  assert_int_equal(grp->nlines, m->nclass[CLASS_TASK]);
  assert_int_equal(grp->nlines, 12);
  const char *members[] = {"apply(second, S)", "mapply(palette, t1)", "c_iz_n(S, palette, first)",
                           "c_zo(S, palette)"};
  for (size_t k = 0; k < sizeof members / sizeof *members; k++) {
    int mk = 0;
    for (int i = 0; i < m->nlines; i++) {
      strbuf sb = {0};
      line_text(&sb, &m->lines[i], i);
      if (strstr(sb.buf, members[k] + (k == 1 ? 7 : 0))) mk++;
      sb_free(&sb);
    }
    assert_true(mk > 0);
  }
  assert_int_equal(group_of(m, "c_iz_n(S, palette, first)"), g);
  assert_int_equal(group_of(m, "c_zo(S, palette)"), g);
  /* c_iz_n and c_zo reuse the steps of the lines written out (9 of them, the
   * difference included): c_iz_n adds only its pick, c_zo its difference the other way
   * round, and the get_nth_t after it is the twelfth */
  assert_int_equal(grp->nsteps, 12);
  /* the sample lines are not fused */
  for (int k = 0; k < m->nlines; k++)
    if (m->lines[k].cls == CLASS_SAMPLE) assert_int_equal(m->fusion->group_of[k], -1);
  char *report = fusion_report(m);
  assert_non_null(strstr(report, "sample: 12 lines, 12 steps"));
  assert_non_null(strstr(report, "solve_a:2 solve_b:13"));
  free(report);
  unload(&fx);
}

static const char *sample_near_misses = "def solve_d(S, I, C):\n"
                                        "    x1 = c_iz_n(S, palette, first)\n"
                                        "    O = replace(I, x1, ONE)\n"
                                        "    return O\n"
                                        "\n"
                                        "def solve_e(S, I, C):\n"
                                        "    x1 = apply(first, I)\n"
                                        "    x2 = mapply(palette, x1)\n"
                                        "    x3 = size(x2)\n"
                                        "    O = replace(I, x3, ONE)\n"
                                        "    return O\n";

static void test_sample_near_misses(void **state) {
  (void)state;
  fixture fx;
  load(&fx, sample_near_misses);
  fuse_and_compare(&fx);
  /* a lone c_iz_n has nothing to share; apply(first, I) is not the demonstrations */
  assert_int_equal(fx.m->fusion->n, 0);
  unload(&fx);
}

static const char *sample_late_function = "def solve_f(S, I, C):\n"
                                          "    x1 = apply(first, S)\n"
                                          "    x2 = apply(second, S)\n"
                                          "    x3 = size(x2)\n"
                                          "    x4 = rbind(get_nth_t, x3)\n"
                                          "    x5 = apply(x4, x1)\n"
                                          "    x6 = size(x5)\n"
                                          "    O = replace(I, x6, ONE)\n"
                                          "    return O\n";

static void test_sample_function_after_the_group_starts(void **state) {
  (void)state;
  fixture fx;
  load(&fx, sample_late_function);
  fuse_and_compare(&fx);
  const card_merged *m = fx.m;
  int g = group_of(m, "apply(first, S)");
  assert_true(g >= 0);
  assert_int_equal(group_of(m, "apply(second, S)"), g);
  /* x4 is computed after the group's first line: apply(x4, x1) cannot join */
  int late = -1;
  for (int k = 0; k < m->nlines; k++)
    if (m->lines[k].nargs == 2 && m->lines[k].args[0].kind == OPND_LINE &&
        !strcmp(m->lines[k].callee.prim->name, "apply"))
      late = k;
  assert_true(late >= 0);
  assert_int_equal(m->fusion->group_of[late], -1);
  unload(&fx);
}

/* ---- objects of one grid -------------------------------------------------------------- */

static const char *objects_set = "def solve_g(I):\n"
                                 "    x1 = objects(I, T, F, T)\n"
                                 "    x2 = argmax(x1, size)\n"
                                 "    O = subgrid(x2, I)\n"
                                 "    return O\n"
                                 "\n"
                                 "def solve_h(I):\n"
                                 "    x1 = o_g(I, 4)\n"
                                 "    x2 = o_g(I, 7)\n"
                                 "    x3 = o_g(I, 1)\n"
                                 "    x4 = size(x1)\n"
                                 "    x5 = o_g(I, x4)\n"
                                 "    x6 = rot90(I)\n"
                                 "    x7 = o_g(x6, 5)\n"
                                 "    x8 = combine(x2, x3)\n"
                                 "    x9 = combine(x8, x5)\n"
                                 "    x10 = combine(x9, x7)\n"
                                 "    x11 = argmin(x10, size)\n"
                                 "    O = subgrid(x11, I)\n"
                                 "    return O\n"
                                 "\n"
                                 "def solve_i(I):\n"
                                 "    x1 = o_g(I, 5)\n"
                                 "    x2 = argmin(x1, size)\n"
                                 "    O = subgrid(x2, I)\n"
                                 "    return O\n";

static void test_objects_of_one_grid(void **state) {
  (void)state;
  fixture fx;
  load(&fx, objects_set);
  fuse_and_compare(&fx);
  const card_merged *m = fx.m;
  int g = group_of(m, "objects(I, T, F, T)");
  assert_true(g >= 0);
  const card_group *grp = &m->fusion->groups[g];
  assert_int_equal(grp->kind, PAT_OBJECTS);
  assert_int_equal(grp->nlines, 5); /* objects(I, T, F, T) and o_g(I, 4 | 7 | 1 | 5) */
  assert_int_equal(group_of(m, "o_g(I, 4)"), g);
  assert_int_equal(group_of(m, "o_g(I, 5)"), g);
  /* a mode held by a variable, and another grid with a single call, stay alone */
  for (int k = 0; k < m->nlines; k++) {
    const card_line *l = &m->lines[k];
    if (l->nargs == 2 && l->args[1].kind == OPND_LINE && !strcmp(l->callee.prim->name, "o_g"))
      assert_int_equal(m->fusion->group_of[k], -1);
    if (l->nargs == 2 && l->args[0].kind == OPND_LINE && !strcmp(l->callee.prim->name, "o_g"))
      assert_int_equal(m->fusion->group_of[k], -1);
  }
  unload(&fx);
}

/* ---- maps over one container ----------------------------------------------------------- */

static const char *maps_set = "def solve_j(I):\n"
                              "    x1 = objects(I, T, F, T)\n"
                              "    x2 = apply(size, x1)\n"
                              "    x3 = apply(color, x1)\n"
                              "    x4 = mapply(toindices, x1)\n"
                              "    x5 = maximum(x2)\n"
                              "    x6 = lbind(recolor, x5)\n"
                              "    x7 = apply(x6, x1)\n"
                              "    x8 = merge(x7)\n"
                              "    x9 = mostcommon(x3)\n"
                              "    x10 = fill(I, x9, x4)\n"
                              "    O = paint(x10, x8)\n"
                              "    return O\n"
                              "\n"
                              "def solve_k(I):\n"
                              "    x1 = objects(I, T, F, T)\n"
                              "    x2 = mapply(delta, x1)\n"
                              "    x3 = apply(size, I)\n"
                              "    x4 = maximum(x3)\n"
                              "    O = fill(I, x4, x2)\n"
                              "    return O\n";

static void test_maps_over_one_container(void **state) {
  (void)state;
  fixture fx;
  load(&fx, maps_set);
  fuse_and_compare(&fx);
  const card_merged *m = fx.m;
  int g = group_of(m, "apply(size, t1)");
  assert_true(g >= 0);
  const card_group *grp = &m->fusion->groups[g];
  assert_int_equal(grp->kind, PAT_MAPS);
  /* apply(size), apply(color), mapply(toindices) of solve_j and mapply(delta) of solve_k */
  assert_int_equal(grp->nlines, 4);
  assert_int_equal(group_of(m, "mapply(delta, t1)"), g);
  /* the function made after the group's first line, and the lone map over I, stay alone */
  for (int k = 0; k < m->nlines; k++) {
    const card_line *l = &m->lines[k];
    if (l->callee.kind == OPND_PRIM && !strcmp(l->callee.prim->name, "apply") && l->args[0].kind == OPND_LINE)
      assert_int_equal(m->fusion->group_of[k], -1);
  }
  assert_int_equal(group_of(m, "apply(size, I)"), -1);
  unload(&fx);
}

/* ---- the shipped library ---------------------------------------------------------------- */

static void test_shipped_library_fused_while_compacting(void **state) {
  (void)state;
  card_manifest mf;
  char err[1024];
  assert_true(manifest_load(manifest_path, &mf, err, sizeof err));
  fixture fx;
  assert_true(catalog_load(catalog_path, &fx.cat, err, sizeof err));
  program_init(&fx.prog);
  card_diag d = {0};
  for (int k = 0; k < mf.n_sources; k++)
    program_add_file(&fx.prog, mf.sources[k], &d);
  assert_true(check_program(&fx.prog, &fx.cat, &d));
  diag_free(&d);
  fx.m = merge_program(&fx.prog);
  assert_non_null(fx.m);
  fuse_and_compare(&fx);
  assert_true(fx.m->fusion->n > 0);
  unload(&fx);
  manifest_free(&mf);
}

/* Mutants of the shipped library (card mutate): programs no one wrote, full of errors and
 * odd values, give the same outcomes fused and unfused, compacting, and through the device
 * layer. */
static void test_mutants_fused_and_on_a_device(void **state) {
  (void)state;
  card_manifest mf;
  char err[1024];
  assert_true(manifest_load(manifest_path, &mf, err, sizeof err));
  catalog cat;
  assert_true(catalog_load(catalog_path, &cat, err, sizeof err));
  card_program orig;
  program_init(&orig);
  card_diag d = {0};
  for (int k = 0; k < mf.n_sources; k++)
    program_add_file(&orig, mf.sources[k], &d);
  assert_true(check_program(&orig, &cat, &d));
  diag_free(&d);
  for (uint64_t seed = 1; seed <= 2; seed++) {
    int made;
    char *text = mutate_program(&orig, &cat, seed, 2, 2, &made);
    assert_true(made > orig.nsolvers); /* nearly two per solver */
    fixture fx;
    load(&fx, text);
    char *plain = outcomes(fx.m, 0);
    fuse_program(fx.m);
    char *fused = outcomes(fx.m, 0), *compacting = outcomes(fx.m, 1), *device = outcomes_on(fx.m, 0, true);
    same_outcomes(plain, fused, "fused");
    same_outcomes(plain, compacting, "fused, compacting");
    same_outcomes(plain, device, "fused, on a twin device");
    int errors = 0, values = 0;
    for (const char *l = plain; (l = strstr(l, ": ")); l += 2)
      *(strncmp(l, ": error", 7) ? &values : &errors) += 1;
    printf("mutants (seed %llu): %d of %d solvers, %d outcomes: %d values, %d errors, identical 4 ways\n",
           (unsigned long long)seed, made, orig.nsolvers, values + errors, values, errors);
    assert_true(errors > 0 && values > 0);
    free(plain);
    free(fused);
    free(compacting);
    free(device);
    unload(&fx);
    free(text);
  }
  program_free(&orig);
  catalog_free(&cat);
  manifest_free(&mf);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: test_patterns CATALOG ARC_AGI_1_DIR MANIFEST\n");
    return 2;
  }
  catalog_path = argv[1];
  arc_dir = argv[2];
  manifest_path = argv[3];
  char train[1024];
  snprintf(train, sizeof train, "%s/training", arc_dir);
  const char *paths[1] = {train};
  if (bt_tasks_load(&tasks, paths, 1, stderr) != 0) return 1;
  int loaded = tasks.n;
  if (tasks.n > N_TASKS) tasks.n = N_TASKS;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sample_pattern_across_solvers),
      cmocka_unit_test(test_sample_function_from_the_group),
      cmocka_unit_test(test_sample_near_misses),
      cmocka_unit_test(test_sample_function_after_the_group_starts),
      cmocka_unit_test(test_objects_of_one_grid),
      cmocka_unit_test(test_maps_over_one_container),
      cmocka_unit_test(test_shipped_library_fused_while_compacting),
      cmocka_unit_test(test_mutants_fused_and_on_a_device),
  };
  int status = cmocka_run_group_tests_name("patterns", tests, NULL, NULL);
  tasks.n = loaded;
  bt_tasks_free(&tasks);
  return status;
}
