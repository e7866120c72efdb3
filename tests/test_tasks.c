/* Tests of the ARC task loader (runner/tasks.c).
 *
 * usage: test_tasks TASKS_DATA_DIR [ARC_AGI_1_DIR]
 * TASKS_DATA_DIR is tests/data/tasks: bad/ holds one broken task per file, each with its
 * exact message in NAME.expected (paths relative to TASKS_DATA_DIR, where the test runs);
 * good/ three real ARC tasks; kaggle/ the same three as a Kaggle challenges + solutions
 * pair; kaggle_bad/ Kaggle files with broken tasks and solutions (messages in expected.txt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "tasks.h"

static const char *arc_dir; /* data/arc-agi-1, or NULL */

/* ---- helpers ------------------------------------------------------------------------ */

static void write_bytes(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, n, f), n);
  assert_int_equal(fclose(f), 0);
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The names in dir ending with suffix, sorted; *n set. */
static char **list_names(const char *dir, const char *suffix, int *n) {
  DIR *d = opendir(dir);
  assert_non_null(d);
  char **names = NULL;
  *n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' || !ends_with(e->d_name, suffix)) continue;
    names = realloc(names, (size_t)(*n + 1) * sizeof *names);
    assert_non_null(names);
    names[(*n)++] = strdup(e->d_name);
  }
  closedir(d);
  if (*n) qsort(names, (size_t)*n, sizeof *names, cmp_str);
  return names;
}

static void free_names(char **names, int n) {
  for (int k = 0; k < n; k++)
    free(names[k]);
  free(names);
}

/* Loads paths into ts; returns the messages written (malloc'd). */
static char *load(bt_taskset *ts, const char *const *paths, int n) {
  char *text = NULL;
  size_t len = 0;
  FILE *errors = open_memstream(&text, &len);
  assert_non_null(errors);
  int rejected = bt_tasks_load(ts, paths, n, errors);
  fclose(errors);
  assert_int_equal(rejected, ts->rejected);
  return text;
}

static char *load1(bt_taskset *ts, const char *path) { return load(ts, &path, 1); }

/* g is a grid value as bt_grid_new makes it and equals the JSON list of lists j. */
static void assert_grid_is_json(bt_value g, const json_t *j) {
  int64_t h, w;
  assert_true(bt_grid_dims(g, &h, &w));
  assert_int_equal(h, json_array_size(j));
  for (int64_t i = 0; i < h; i++) {
    const json_t *row = json_array_get(j, (size_t)i);
    assert_int_equal(w, json_array_size(row));
    for (int64_t k = 0; k < w; k++) {
      assert_int_equal(g.u.items[i].u.items[k].kind, BT_INT);
      assert_int_equal(BT_GCELL(g, i, k), json_integer_value(json_array_get(row, (size_t)k)));
    }
  }
}

/* t holds exactly the pairs of the task JSON (test outputs from solutions when given). */
static void assert_task_is_json(const bt_task *t, const json_t *task, const json_t *solutions) {
  const char *parts[2] = {"train", "test"};
  for (int p = 0; p < 2; p++) {
    const json_t *list = json_object_get(task, parts[p]);
    const bt_pair_io *io = p ? t->test : t->train;
    assert_int_equal(p ? t->n_test : t->n_train, json_array_size(list));
    for (size_t k = 0; k < json_array_size(list); k++) {
      const json_t *pair = json_array_get(list, k);
      assert_grid_is_json(io[k].input, json_object_get(pair, "input"));
      const json_t *out = json_object_get(pair, "output");
      if (p && solutions) out = json_array_get(solutions, k);
      assert_int_equal(io[k].has_output, out != NULL);
      if (out)
        assert_grid_is_json(io[k].output, out);
      else
        assert_int_equal(io[k].output.kind, BT_NONE);
    }
  }
}

/* Every task of ts equals its file dir/ID.json, and ts holds one task per file. */
static void assert_tasks_are_files(const bt_taskset *ts, const char *dir) {
  int n;
  char **names = list_names(dir, ".json", &n);
  assert_int_equal(ts->n, n);
  for (int k = 0; k < n; k++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[k]);
    json_t *j = json_load_file(path, 0, NULL);
    assert_non_null(j);
    const bt_task *t = &ts->tasks[k];
    assert_int_equal(strlen(t->id) + 5, strlen(names[k]));
    assert_memory_equal(t->id, names[k], strlen(t->id));
    assert_task_is_json(t, j, NULL);
    json_decref(j);
  }
  free_names(names, n);
}

static void assert_same_tasks(const bt_taskset *a, const bt_taskset *b) {
  assert_int_equal(a->n, b->n);
  for (int k = 0; k < a->n; k++) {
    const bt_task *x = &a->tasks[k], *y = &b->tasks[k];
    assert_string_equal(x->id, y->id);
    assert_int_equal(x->n_train, y->n_train);
    assert_int_equal(x->n_test, y->n_test);
    for (int p = 0; p < x->n_train + x->n_test; p++) {
      const bt_pair_io *u = p < x->n_train ? &x->train[p] : &x->test[p - x->n_train];
      const bt_pair_io *v = p < x->n_train ? &y->train[p] : &y->test[p - x->n_train];
      assert_true(bt_same(u->input, v->input));
      assert_int_equal(u->has_output, v->has_output);
      assert_true(bt_same(u->output, v->output));
    }
  }
}

static char *make_tmpdir(void) {
  char *dir = strdup("/tmp/batt-test-tasks-XXXXXX");
  assert_non_null(mkdtemp(dir));
  return dir;
}

static void remove_tree(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d))) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      char sub[4096];
      snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
      remove_tree(sub);
    }
    if (d) closedir(d);
    rmdir(path);
  } else {
    unlink(path);
  }
}

/* ---- the corpus of broken files ------------------------------------------------------ */

static void test_bad_files_one_by_one(void **state) {
  (void)state;
  int n, n_expected;
  char **names = list_names("bad", ".json", &n);
  char **expected = list_names("bad", ".expected", &n_expected);
  assert_true(n >= 20);
  assert_int_equal(n, n_expected); /* one .expected per .json, no orphans */
  for (int k = 0; k < n; k++) {
    char path[512], exp_path[512];
    snprintf(path, sizeof path, "bad/%s", names[k]);
    snprintf(exp_path, sizeof exp_path, "bad/%.*s.expected", (int)(strlen(names[k]) - 5), names[k]);
    char *want = read_text(exp_path);
    bt_taskset ts;
    char *got = load1(&ts, path);
    if (strcmp(got, want) != 0) print_error("%s:\n  want: %s  got:  %s", path, want, got);
    assert_string_equal(got, want);
    assert_int_equal(ts.n, 0);
    assert_int_equal(ts.rejected, 1);
    /* one line, in the file:line:col: error: form or file: error: */
    assert_non_null(strstr(got, ": error: "));
    assert_ptr_equal(strchr(got, '\n'), got + strlen(got) - 1);
    bt_tasks_free(&ts);
    free(got);
    free(want);
  }
  free_names(names, n);
  free_names(expected, n_expected);
}

/* The bad and the good together: the good load intact, every bad file is counted once. */
static void test_bad_and_good_together(void **state) {
  (void)state;
  int n_bad;
  char **bad = list_names("bad", ".expected", &n_bad);
  size_t len = 0;
  char *want = calloc(1, 1);
  for (int k = 0; k < n_bad; k++) {
    char path[512];
    snprintf(path, sizeof path, "bad/%s", bad[k]);
    char *msg = read_text(path);
    want = realloc(want, len + strlen(msg) + 1);
    memcpy(want + len, msg, strlen(msg) + 1);
    len += strlen(msg);
    free(msg);
  }
  const char *paths[] = {"bad", "good"};
  bt_taskset ts;
  char *got = load(&ts, paths, 2);
  assert_string_equal(got, want);
  assert_int_equal(ts.rejected, n_bad);
  assert_tasks_are_files(&ts, "good");
  bt_tasks_free(&ts);
  free(got);
  free(want);
  free_names(bad, n_bad);
}

/* ---- good input ------------------------------------------------------------------------- */

static void test_good_tasks(void **state) {
  (void)state;
  bt_taskset ts;
  char *msg = load1(&ts, "good/");
  assert_string_equal(msg, "");
  assert_int_equal(ts.rejected, 0);
  assert_tasks_are_files(&ts, "good");
  assert_string_equal(ts.tasks[0].id, "6150a2bd");
  assert_string_equal(ts.tasks[0].source, "good/6150a2bd.json");
  for (int k = 1; k < ts.n; k++)
    assert_true(strcmp(ts.tasks[k - 1].id, ts.tasks[k].id) < 0);
  assert_ptr_equal(bt_tasks_find(&ts, "d631b094"), &ts.tasks[1]);
  assert_null(bt_tasks_find(&ts, "d631b09"));
  assert_null(bt_tasks_find(&ts, "zzz"));

  /* S: the train pairs as a tuple of (input, output) */
  bt_ctx cx;
  bt_ctx_init(&cx, NULL);
  const bt_task *t = bt_tasks_find(&ts, "d631b094");
  bt_value S = bt_task_samples(&cx, t);
  assert_int_equal(S.kind, BT_TUPLE);
  assert_int_equal(S.n, 4);
  for (int k = 0; k < 4; k++) {
    bt_value pair = S.u.items[k];
    assert_int_equal(pair.kind, BT_TUPLE);
    assert_int_equal(pair.n, 2);
    assert_true(bt_same(pair.u.items[0], t->train[k].input));
    assert_true(bt_same(pair.u.items[1], t->train[k].output));
  }
  assert_int_equal(bt_len(S.u.items[2].u.items[1]), 1); /* output [[7]] */
  assert_int_equal(BT_GCELL(S.u.items[2].u.items[1], 0, 0), 7);
  bt_ctx_free(&cx);

  /* an arena that cannot hold S gives an error value, not a crash */
  bt_limits tiny = bt_default_limits;
  tiny.max_bytes = 32;
  bt_ctx_init(&cx, &tiny);
  assert_true(bt_is_err(bt_task_samples(&cx, t)));
  bt_ctx_free(&cx);

  bt_tasks_free(&ts);
  free(msg);

  /* files one by one, in any order, give the same sorted set */
  const char *files[] = {"good/e9afcf9a.json", "good/6150a2bd.json", "good/d631b094.json"};
  char *msg2 = load(&ts, files, 3);
  assert_string_equal(msg2, "");
  assert_tasks_are_files(&ts, "good");
  bt_tasks_free(&ts);
  free(msg2);
}

/* Equal rows within a task are one row's cells (on both paths): the values are those of the
 * files; tasks do not share rows; a task rejected after some of its grids were read (its
 * memory rolled back) leaves nothing behind for the next task, whose rows are read afresh. */
static void test_rows_shared_within_a_task(void **state) {
  (void)state;
  static const char *const texts[] = {
      /* a */ "{\"train\": [{\"input\": [[1, 2], [1, 2], [3, 4]], \"output\": [[1, 2]]}],"
              " \"test\": [{\"input\": [[3, 4], [1, 2]]}]}",
      /* b */ "{\"train\": [{\"input\": [[1, 2]], \"output\": [[3, 4]]}], \"test\": [{\"input\": [[1, 2]]}]}",
      /* c */
      "{\"train\": [{\"input\": [[5, 6], [5, 6]], \"output\": [[5, 6]]}], \"test\": [{\"input\": [[5, "
      "10]]}]}",
      /* d */
      "{\"train\": [{\"input\": [[9, 9, 9]], \"output\": [[5, 6]]}], \"test\": [{\"input\": [[5, 6]]}]}"};
  char *dir = make_tmpdir(), path[4096];
  for (int k = 0; k < 4; k++) {
    snprintf(path, sizeof path, "%s/%c.json", dir, 'a' + k);
    write_bytes(path, texts[k], strlen(texts[k]));
  }
  for (int fast = 1; fast >= 0; fast--) {
    bt_tasks_fast_path(fast);
    bt_taskset ts;
    char *msg = load1(&ts, dir);
    assert_int_equal(ts.n, 3); /* c is rejected: color 10 */
    assert_int_equal(ts.rejected, 1);
    for (int k = 0; k < 3; k++) {
      json_t *j = json_loads(texts[k == 2 ? 3 : k], 0, NULL);
      assert_non_null(j);
      assert_task_is_json(&ts.tasks[k], j, NULL);
      json_decref(j);
    }
    const bt_task *a = &ts.tasks[0], *b = &ts.tasks[1], *d = &ts.tasks[2];
    const bt_value *a12 = a->train[0].input.u.items[0].u.items, *a34 = a->train[0].input.u.items[2].u.items;
    assert_ptr_equal(a->train[0].input.u.items[1].u.items, a12);
    assert_ptr_equal(a->train[0].output.u.items[0].u.items, a12);
    assert_ptr_equal(a->test[0].input.u.items[0].u.items, a34);
    assert_ptr_equal(a->test[0].input.u.items[1].u.items, a12);
    assert_ptr_not_equal(b->train[0].input.u.items[0].u.items, a12); /* another task */
    assert_ptr_equal(b->test[0].input.u.items[0].u.items, b->train[0].input.u.items[0].u.items);
    assert_ptr_equal(d->test[0].input.u.items[0].u.items, d->train[0].output.u.items[0].u.items);
    bt_tasks_free(&ts);
    free(msg);
  }
  bt_tasks_fast_path(true);
  remove_tree(dir);
  free(dir);
}

static void test_bom_and_special_files(void **state) {
  (void)state;
  char *dir = make_tmpdir(), path[512];
  char *text = read_text("good/6150a2bd.json");
  size_t n = strlen(text);
  char *bom = malloc(n + 3);
  memcpy(bom, "\xEF\xBB\xBF", 3);
  memcpy(bom + 3, text, n);
  snprintf(path, sizeof path, "%s/6150a2bd.json", dir);
  write_bytes(path, bom, n + 3);
  bt_taskset ts;
  char *msg = load1(&ts, path);
  assert_string_equal(msg, "");
  assert_int_equal(ts.n, 1);
  json_t *j = json_loads(text, 0, NULL);
  assert_task_is_json(&ts.tasks[0], j, NULL);
  json_decref(j);
  bt_tasks_free(&ts);
  free(msg);

  /* a file that is not regular is read as a stream */
  msg = load1(&ts, "/dev/null");
  assert_string_equal(msg, "/dev/null: error: file is empty\n");
  assert_int_equal(ts.rejected, 1);
  bt_tasks_free(&ts);
  free(msg);

  /* a task id is the file name without .json, whatever the name */
  snprintf(path, sizeof path, "%s/my task", dir);
  write_bytes(path, text, n);
  msg = load1(&ts, path);
  assert_string_equal(msg, "");
  assert_string_equal(ts.tasks[0].id, "my task");
  bt_tasks_free(&ts);
  free(msg);

  free(bom);
  free(text);
  remove_tree(dir);
  free(dir);
}

/* A new temporary directory holding good/6150a2bd.json; *text is that file's text. */
static char *dir_with_a_task(char **text) {
  char *dir = make_tmpdir(), path[512];
  *text = read_text("good/6150a2bd.json");
  snprintf(path, sizeof path, "%s/6150a2bd.json", dir);
  write_bytes(path, *text, strlen(*text));
  return dir;
}

/* A task id is its file name: one that is not UTF-8 cannot be written into a results file
 * (JSON), so the file is rejected with its name escaped; the other tasks load. */
static void test_file_name_not_utf8(void **state) {
  (void)state;
  char *text, path[512], *dir = dir_with_a_task(&text);
  snprintf(path, sizeof path, "%s/bad\xff\xfe.json", dir);
  write_bytes(path, text, strlen(text));
  bt_taskset ts;
  char *msg = load1(&ts, dir), want[600];
  snprintf(want, sizeof want,
           "%s/bad\\xFF\\xFE.json: error: the file name is not UTF-8 text: it cannot be a task id\n", dir);
  assert_string_equal(msg, want);
  assert_int_equal(ts.n, 1);
  assert_string_equal(ts.tasks[0].id, "6150a2bd");
  assert_int_equal(ts.rejected, 1);
  bt_tasks_free(&ts);
  free(msg);
  free(text);
  remove_tree(dir);
  free(dir);
}

/* In a directory, a FIFO (or device, or socket) named *.json is skipped with an error:
 * opening one waits for a writer that never comes. */
static void test_fifo_in_directory(void **state) {
  (void)state;
  char *text, path[512], *dir = dir_with_a_task(&text);
  snprintf(path, sizeof path, "%s/fifo.json", dir);
  assert_int_equal(mkfifo(path, 0600), 0);
  bt_taskset ts;
  char *msg = load1(&ts, dir), want[600];
  snprintf(want, sizeof want, "%s: error: not a regular file (a FIFO, device or socket); skipped\n", path);
  assert_string_equal(msg, want);
  assert_int_equal(ts.n, 1);
  assert_int_equal(ts.rejected, 1);
  bt_tasks_free(&ts);
  free(msg);
  free(text);
  remove_tree(dir);
  free(dir);
}

/* ---- Kaggle files ------------------------------------------------------------------------- */

static void test_kaggle_same_as_task_files(void **state) {
  (void)state;
  bt_taskset good, ts;
  char *msg = load1(&good, "good");
  free(msg);

  const char *ways[][2] = {{"kaggle", NULL},
                           {"kaggle/x_challenges.json", NULL},
                           {"kaggle/x_challenges.json", "kaggle/x_solutions.json"},
                           {"kaggle/x_solutions.json", "kaggle/x_challenges.json"}};
  for (int w = 0; w < 4; w++) {
    msg = load(&ts, ways[w], ways[w][1] ? 2 : 1);
    assert_string_equal(msg, "");
    assert_int_equal(ts.rejected, 0);
    assert_same_tasks(&good, &ts);
    for (int k = 0; k < ts.n; k++)
      assert_string_equal(ts.tasks[k].source, "kaggle/x_challenges.json");
    bt_tasks_free(&ts);
    free(msg);
  }

  /* explicit pairing, any names */
  char *dir = make_tmpdir(), chal[512], sol[512];
  snprintf(chal, sizeof chal, "%s/challenges.json", dir);
  snprintf(sol, sizeof sol, "%s/answers.json", dir);
  char *c = read_text("kaggle/x_challenges.json"), *s = read_text("kaggle/x_solutions.json");
  write_bytes(chal, c, strlen(c));
  write_bytes(sol, s, strlen(s));
  bt_tasks_init(&ts);
  bt_tasks_add_kaggle(&ts, chal, sol, stderr);
  assert_int_equal(bt_tasks_finish(&ts, stderr), 0);
  assert_same_tasks(&good, &ts);
  bt_tasks_free(&ts);

  /* without solutions: the same tasks, test outputs unknown */
  bt_tasks_init(&ts);
  bt_tasks_add_kaggle(&ts, chal, NULL, stderr);
  assert_int_equal(bt_tasks_finish(&ts, stderr), 0);
  assert_int_equal(ts.n, 3);
  json_t *cj = json_loads(c, 0, NULL);
  for (int k = 0; k < ts.n; k++) {
    assert_task_is_json(&ts.tasks[k], json_object_get(cj, ts.tasks[k].id), NULL);
    assert_false(ts.tasks[k].test[0].has_output);
  }
  json_decref(cj);
  bt_tasks_free(&ts);

  free(c);
  free(s);
  remove_tree(dir);
  free(dir);
  bt_tasks_free(&good);
}

static void test_kaggle_errors(void **state) {
  (void)state;
  bt_taskset ts;
  char *msg = load1(&ts, "kaggle_bad");
  char *want = read_text("kaggle_bad/expected.txt");
  assert_string_equal(msg, want);
  assert_int_equal(ts.rejected, 7);
  assert_int_equal(ts.n, 4);
  const bt_task *a1 = bt_tasks_find(&ts, "a1"), *g7 = bt_tasks_find(&ts, "g7"),
                *w1 = bt_tasks_find(&ts, "w1"), *d4 = bt_tasks_find(&ts, "d4");
  /* one rule for a missing solution, whether the task or the whole file is missing: the
   * task runs, its test outputs unknown */
  assert_non_null(d4);
  assert_false(d4->test[0].has_output);
  assert_non_null(a1);
  assert_non_null(g7);
  assert_non_null(w1);
  assert_true(a1->test[0].has_output);
  assert_int_equal(BT_GCELL(a1->test[0].output, 0, 0), 4);
  assert_int_equal(g7->n_test, 2);
  assert_int_equal(BT_GCELL(g7->test[1].output, 0, 1), 5);
  assert_false(w1->test[0].has_output); /* its solutions file is broken */
  bt_tasks_free(&ts);
  free(msg);
  free(want);

  /* a solutions file alone */
  msg = load1(&ts, "kaggle/x_solutions.json");
  assert_string_equal(msg,
                      "kaggle/x_solutions.json: error: a solutions file is read with its challenges file, "
                      "and x_challenges.json is not among the inputs\n");
  assert_int_equal(ts.rejected, 1);
  assert_int_equal(ts.n, 0);
  bt_tasks_free(&ts);
  free(msg);
}

/* ---- the set: duplicates, steps ------------------------------------------------------------- */

static void test_duplicate_ids_keep_the_first(void **state) {
  (void)state;
  const char *paths[] = {"good", "kaggle"};
  bt_taskset ts;
  char *msg = load(&ts, paths, 2);
  assert_string_equal(msg, "kaggle/x_challenges.json: error: duplicate task id '6150a2bd': already loaded "
                           "from good/6150a2bd.json\n"
                           "kaggle/x_challenges.json: error: duplicate task id 'd631b094': already loaded "
                           "from good/d631b094.json\n"
                           "kaggle/x_challenges.json: error: duplicate task id 'e9afcf9a': already loaded "
                           "from good/e9afcf9a.json\n");
  assert_int_equal(ts.rejected, 3);
  assert_int_equal(ts.n, 3);
  for (int k = 0; k < ts.n; k++)
    assert_non_null(strstr(ts.tasks[k].source, "good/"));
  bt_tasks_free(&ts);
  free(msg);

  /* the other order keeps the Kaggle ones; in steps, finishing twice */
  bt_tasks_init(&ts);
  const char *k1 = "kaggle", *g1 = "good/d631b094.json";
  bt_tasks_add_paths(&ts, &k1, 1, NULL);
  assert_int_equal(bt_tasks_finish(&ts, NULL), 0);
  bt_tasks_add_paths(&ts, &g1, 1, NULL);
  assert_int_equal(bt_tasks_finish(&ts, NULL), 1);
  assert_int_equal(ts.n, 3);
  assert_string_equal(ts.tasks[1].source, "kaggle/x_challenges.json");
  bt_tasks_free(&ts);

  /* the same file twice */
  const char *twice[] = {"good/6150a2bd.json", "good/6150a2bd.json"};
  msg = load(&ts, twice, 2);
  assert_string_equal(
      msg,
      "good/6150a2bd.json: error: duplicate task id '6150a2bd': already loaded from good/6150a2bd.json\n");
  assert_int_equal(ts.n, 1);
  bt_tasks_free(&ts);
  free(msg);
}

/* ---- paths: missing, empty, unreadable, huge ------------------------------------------------ */

static void test_path_errors(void **state) {
  (void)state;
  bt_taskset ts;
  char *msg = load1(&ts, "no/such/dir");
  assert_string_equal(msg, "no/such/dir: error: cannot open: No such file or directory\n");
  assert_int_equal(ts.rejected, 1);
  bt_tasks_free(&ts);
  free(msg);

  char *dir = make_tmpdir(), path[512], want[1024];
  msg = load1(&ts, dir);
  snprintf(want, sizeof want, "%s: error: empty directory\n", dir);
  assert_string_equal(msg, want);
  assert_int_equal(ts.rejected, 1);
  bt_tasks_free(&ts);
  free(msg);

  /* no .json files: dot files, directories and other names are not tasks */
  snprintf(path, sizeof path, "%s/README.txt", dir);
  write_bytes(path, "x", 1);
  snprintf(path, sizeof path, "%s/.hidden.json", dir);
  write_bytes(path, "x", 1);
  snprintf(path, sizeof path, "%s/sub.json", dir);
  assert_int_equal(mkdir(path, 0700), 0);
  msg = load1(&ts, dir);
  snprintf(want, sizeof want, "%s: error: no .json files in the directory\n", dir);
  assert_string_equal(msg, want);
  assert_int_equal(ts.rejected, 1);
  bt_tasks_free(&ts);
  free(msg);

  /* a directory given as a task file is listed; a file inside a listed directory that
   * cannot be read is rejected alone */
  char *text = read_text("good/6150a2bd.json");
  snprintf(path, sizeof path, "%s/a.json", dir);
  write_bytes(path, text, strlen(text));
  snprintf(path, sizeof path, "%s/b.json", dir);
  write_bytes(path, text, strlen(text));
  assert_int_equal(chmod(path, 0), 0);
  bool root = geteuid() == 0; /* root reads anyway */
  msg = load1(&ts, dir);
  if (!root) {
    snprintf(want, sizeof want, "%s/b.json: error: cannot open: Permission denied\n", dir);
    assert_string_equal(msg, want);
  }
  assert_int_equal(ts.rejected, root ? 0 : 1);
  assert_int_equal(ts.n, root ? 2 : 1);
  assert_string_equal(ts.tasks[0].id, "a");
  bt_tasks_free(&ts);
  free(msg);
  chmod(path, 0600);

  /* over 64 MiB: refused unread (a sparse file, so the test is cheap) */
  snprintf(path, sizeof path, "%s/huge.json", dir);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(ftruncate(fileno(f), (off_t)BT_TASK_FILE_MAX + 1), 0);
  fclose(f);
  msg = load1(&ts, path);
  snprintf(want, sizeof want, "%s: error: file is %zu bytes, over the limit of 64 MiB; not loaded\n", path,
           BT_TASK_FILE_MAX + 1);
  assert_string_equal(msg, want);
  assert_int_equal(ts.rejected, 1);
  bt_tasks_free(&ts);
  free(msg);

  /* exactly at the limit is read (and here rejected as JSON: it is all NUL bytes) */
  f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(ftruncate(fileno(f), (off_t)BT_TASK_FILE_MAX), 0);
  fclose(f);
  msg = load1(&ts, path);
  snprintf(want, sizeof want, "%s:1:1: error: NUL byte in the file (a JSON text has none)\n", path);
  assert_string_equal(msg, want);
  bt_tasks_free(&ts);
  free(msg);

  free(text);
  remove_tree(dir);
  free(dir);
}

/* ---- robustness: mutated files never crash, and what loads is valid ------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static void assert_valid_grid(bt_value g) {
  int64_t h, w;
  assert_true(bt_grid_dims(g, &h, &w));
  assert_true(h >= 1 && h <= 30 && w >= 1 && w <= 30);
  for (int64_t i = 0; i < h; i++)
    for (int64_t k = 0; k < w; k++)
      assert_true(BT_GCELL(g, i, k) >= 0 && BT_GCELL(g, i, k) <= 9);
}

/* Writes orig with 1 to 4 random edits (replace, delete, insert, truncate) to path. */
static void write_mutated(const char *path, const char *orig) {
  static const char alphabet[] = "[]{},:\"0123456789-.e \n\\utrainoutpse\xff\xc3";
  size_t n = strlen(orig), len = n;
  char *buf = malloc(n + 8);
  assert_non_null(buf);
  memcpy(buf, orig, n);
  int edits = 1 + (int)(rng() % 4);
  for (int e = 0; e < edits && len > 0; e++) {
    size_t at = rng() % len;
    switch (rng() % 4) {
    case 0: buf[at] = alphabet[rng() % (sizeof alphabet - 1)]; break;
    case 1:
      memmove(buf + at, buf + at + 1, len - at - 1);
      len--;
      break;
    case 2:
      memmove(buf + at + 1, buf + at, len - at);
      buf[at] = alphabet[rng() % (sizeof alphabet - 1)];
      len++;
      break;
    default: len = at + 1; break;
    }
  }
  write_bytes(path, buf, len);
  free(buf);
}

static void assert_valid_tasks(const bt_taskset *ts) {
  for (int k = 0; k < ts->n; k++) {
    const bt_task *t = &ts->tasks[k];
    assert_true(t->n_train >= 1 && t->n_test >= 1);
    for (int p = 0; p < t->n_train + t->n_test; p++) {
      const bt_pair_io *io = p < t->n_train ? &t->train[p] : &t->test[p - t->n_train];
      assert_valid_grid(io->input);
      if (io->has_output || p < t->n_train) assert_valid_grid(io->output);
    }
  }
}

static void test_mutations_do_not_crash(void **state) {
  (void)state;
  char *task = read_text("good/d631b094.json");
  char *chal = read_text("kaggle/x_challenges.json"), *sol = read_text("kaggle/x_solutions.json");
  char *dir = make_tmpdir(), path[512], chal_path[512], sol_path[512];
  snprintf(path, sizeof path, "%s/m.json", dir);
  snprintf(chal_path, sizeof chal_path, "%s/m_challenges.json", dir);
  snprintf(sol_path, sizeof sol_path, "%s/m_solutions.json", dir);
  int loaded = 0;
  int fast_differs = 0;
  for (int iter = 0; iter < 3000; iter++) {
    write_mutated(path, task);
    bt_taskset ts, slow;
    char *msg = load1(&ts, path);
    assert_int_equal(ts.n + ts.rejected, 1);
    assert_true(ts.n == 1 ? msg[0] == 0 : strstr(msg, ": error: ") != NULL);
    assert_valid_tasks(&ts);
    /* the fast path reads what the general path reads, and nothing it rejects */
    bt_tasks_fast_path(false);
    char *slow_msg = load1(&slow, path);
    bt_tasks_fast_path(true);
    assert_string_equal(msg, slow_msg);
    fast_differs += ts.n != slow.n;
    assert_same_tasks(&ts, &slow);
    loaded += ts.n;
    bt_tasks_free(&ts);
    bt_tasks_free(&slow);
    free(msg);
    free(slow_msg);
  }
  assert_int_equal(fast_differs, 0);
  assert_true(loaded > 0);                  /* some mutations keep the task valid */
  for (int iter = 0; iter < 1000; iter++) { /* Kaggle: one file of the pair mutated */
    bool mutate_challenges = rng() & 1;
    if (mutate_challenges) {
      write_mutated(chal_path, chal);
      write_bytes(sol_path, sol, strlen(sol));
    } else {
      write_bytes(chal_path, chal, strlen(chal));
      write_mutated(sol_path, sol);
    }
    bt_taskset ts;
    char *msg = load1(&ts, chal_path);
    assert_true(ts.n <= 3);
    assert_true(ts.rejected == 0 ? msg[0] == 0 : strstr(msg, ": error: ") != NULL);
    assert_valid_tasks(&ts);
    bt_tasks_free(&ts);
    free(msg);
  }
  free(task);
  free(chal);
  free(sol);
  remove_tree(dir);
  free(dir);
}

/* ---- all of ARC-AGI-1 ------------------------------------------------------------------------ */

static void test_arc_agi_1(void **state) {
  (void)state;
  if (!arc_dir) skip();
  char training[4096], evaluation[4096];
  snprintf(training, sizeof training, "%s/training", arc_dir);
  snprintf(evaluation, sizeof evaluation, "%s/evaluation", arc_dir);
  const char *paths[] = {training, evaluation};
  bt_taskset ts, one, slow;
  char *msg = load(&ts, paths, 2);
  assert_string_equal(msg, "");
  assert_int_equal(ts.rejected, 0);
  assert_int_equal(ts.n, 800);
  free(msg);
  bt_tasks_fast_path(false); /* the general path reads the same 800 tasks */
  msg = load(&slow, paths, 2);
  bt_tasks_fast_path(true);
  assert_string_equal(msg, "");
  assert_same_tasks(&ts, &slow);
  bt_tasks_free(&slow);
  free(msg);
  /* each half equals its files */
  for (int h = 0; h < 2; h++) {
    msg = load1(&one, paths[h]);
    assert_int_equal(one.n, 400);
    assert_int_equal(one.rejected, 0);
    assert_tasks_are_files(&one, paths[h]);
    for (int k = 0; k < one.n; k++)
      assert_ptr_not_equal(bt_tasks_find(&ts, one.tasks[k].id), NULL);
    bt_tasks_free(&one);
    free(msg);
  }
  bt_tasks_free(&ts);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s TASKS_DATA_DIR [ARC_AGI_1_DIR]\n", argv[0]);
    return 2;
  }
  if (argc > 2) {
    static char abs_arc[8192];
    char cwd[4096];
    struct stat st;
    if (argv[2][0] != '/' && getcwd(cwd, sizeof cwd)) /* the tests run in TASKS_DATA_DIR */
      snprintf(abs_arc, sizeof abs_arc, "%s/%s", cwd, argv[2]);
    else
      snprintf(abs_arc, sizeof abs_arc, "%s", argv[2]);
    if (stat(abs_arc, &st) == 0 && S_ISDIR(st.st_mode)) arc_dir = abs_arc;
  }
  if (chdir(argv[1]) != 0) {
    perror(argv[1]);
    return 2;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bad_files_one_by_one),
      cmocka_unit_test(test_bad_and_good_together),
      cmocka_unit_test(test_good_tasks),
      cmocka_unit_test(test_rows_shared_within_a_task),
      cmocka_unit_test(test_bom_and_special_files),
      cmocka_unit_test(test_fifo_in_directory),
      cmocka_unit_test(test_file_name_not_utf8),
      cmocka_unit_test(test_kaggle_same_as_task_files),
      cmocka_unit_test(test_kaggle_errors),
      cmocka_unit_test(test_duplicate_ids_keep_the_first),
      cmocka_unit_test(test_path_errors),
      cmocka_unit_test(test_mutations_do_not_crash),
      cmocka_unit_test(test_arc_agi_1),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
