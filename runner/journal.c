/* journal.c: the checkpoint of a run with --out. Each task's results are appended as one
 * JSON line when the task is done, after a first line that says which run it belongs to;
 * batt run --resume reads the complete lines back and runs only the other tasks, so an
 * interrupted run ends with the results file an uninterrupted one writes. */
#include <errno.h>
#include <unistd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "journal.h"

struct bt_journal {
  FILE *f;
  char *path;
  pthread_mutex_t lock;
  bool failed; /* a write failed: the checkpoint is incomplete, the run goes on */
};

static uint64_t mix(uint64_t h, const void *data, size_t n) {
  const unsigned char *p = data;
  for (size_t k = 0; k < n; k++)
    h = (h ^ p[k]) * 0x100000001b3ull; /* FNV-1a */
  return h;
}

/* What decides the results: the program's solvers, the tasks and their items, the limits,
 * --own. A checkpoint of another run is not resumed. */
static uint64_t run_identity(const bt_run *run, const bt_run_opts *o) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (int s = 0; s < run->prog->n_solvers; s++)
    h = mix(h, run->prog->solvers[s].name, strlen(run->prog->solvers[s].name) + 1);
  h = mix(h, &run->prog->n_lines, sizeof run->prog->n_lines);
  for (int k = 0; k < run->tasks->n; k++) {
    const bt_task *t = &run->tasks->tasks[k];
    h = mix(h, t->id, strlen(t->id) + 1);
    int n[2] = {t->n_train, t->n_test};
    h = mix(h, n, sizeof n);
  }
  uint64_t lim[5] = {o->limits.max_steps, o->limits.max_elems, o->limits.max_depth, o->limits.max_bytes,
                     o->limits.max_walk};
  h = mix(h, lim, sizeof lim);
  h = mix(h, &o->own, sizeof o->own);
  return h;
}

static char *header_line(const bt_run *run, const bt_run_opts *o) {
  char *s = malloc(128);
  if (s)
    snprintf(s, 128, "{\"batt-checkpoint\": 1, \"run\": \"%016llx\"}\n",
             (unsigned long long)run_identity(run, o));
  return s;
}

static void clear_task(bt_task_result *tr) {
  for (int i = 0; i < tr->n_items; i++) {
    bt_item_result *ir = &tr->items[i];
    for (int m = 0; m < ir->n_outputs; m++)
      free(ir->outputs[m]);
    free(ir->outputs);
    free(ir->out_is_grid);
    ir->outputs = NULL;
    ir->out_is_grid = NULL;
    ir->n_outputs = 0;
  }
}

/* Task k's results from a line; false when the line is not one (the last line of an
 * interrupted write). */
static bool restore_task(bt_run *run, const json_t *j, int *task) {
  const char *id = json_string_value(json_object_get(j, "task"));
  const json_t *items = json_object_get(j, "items");
  const bt_task *t = id ? bt_tasks_find(run->tasks, id) : NULL;
  if (!t || !json_is_array(items)) return false;
  int k = (int)(t - run->tasks->tasks);
  *task = k;
  bt_task_result *tr = &run->by_task[k];
  int ns = run->prog->n_solvers;
  if ((int)json_array_size(items) != tr->n_items) return false;
  for (int i = 0; i < tr->n_items; i++) {
    const json_t *it = json_array_get(items, (size_t)i);
    const json_t *outs = json_object_get(it, "outputs"), *grids = json_object_get(it, "grid"),
                 *res = json_object_get(it, "results");
    size_t no = json_array_size(outs);
    if (!json_is_array(outs) || json_array_size(grids) != no || (int)json_array_size(res) != ns) return false;
    bt_item_result *ir = &tr->items[i];
    ir->test = json_is_true(json_object_get(it, "test"));
    ir->index = (int)json_integer_value(json_object_get(it, "index"));
    ir->outputs = calloc(no ? no : 1, sizeof *ir->outputs);
    ir->out_is_grid = calloc(no ? no : 1, sizeof *ir->out_is_grid);
    if (!ir->outputs || !ir->out_is_grid) return false;
    ir->n_outputs = (int)no;
    for (size_t m = 0; m < no; m++) { /* written back as bt_json_text wrote it (jansson's compact form) */
      const json_t *value = json_array_get(outs, m);
      if (!json_is_null(value) && !(ir->outputs[m] = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY)))
        return false;
      ir->out_is_grid[m] = json_is_true(json_array_get(grids, m));
    }
    for (int s = 0; s < ns; s++) {
      const json_t *r = json_array_get(res, (size_t)s);
      json_int_t v = json_integer_value(json_array_get(r, 0)), e = json_integer_value(json_array_get(r, 1)),
                 out = json_integer_value(json_array_get(r, 2));
      if (json_array_size(r) != 3 || v < 0 || v > BT_V_SKIPPED || out < -1 || out >= (json_int_t)no)
        return false;
      tr->results[(size_t)i * (size_t)ns + (size_t)s] = (bt_result){(uint8_t)v, (uint8_t)e, (int32_t)out};
    }
  }
  return true;
}

bt_journal *bt_journal_open(const char *path, bool resume, bt_run *run, const bt_run_opts *o, bool *done,
                            int *restored, FILE *warn) {
  *restored = 0;
  char *header = header_line(run, o);
  bt_journal *j = calloc(1, sizeof *j);
  if (!header || !j || !(j->path = strdup(path))) {
    free(header);
    if (j) free(j->path);
    free(j);
    return NULL;
  }
  pthread_mutex_init(&j->lock, NULL);
  FILE *old = resume ? fopen(path, "r") : NULL;
  bool append = false;
  if (old) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, old);
    if (n > 0 && strcmp(line, header) == 0) {
      append = true;
      long good = ftell(old); /* the end of the last complete task */
      while ((n = getline(&line, &cap, old)) > 0 && line[n - 1] == '\n') {
        json_t *t = json_loads(line, 0, NULL);
        int k = -1;
        bool ok = t && restore_task(run, t, &k) && !done[k];
        json_decref(t);
        if (!ok) {
          if (k >= 0 && !done[k]) clear_task(&run->by_task[k]);
          break;
        }
        done[k] = true;
        ++*restored;
        good = ftell(old);
      }
      fclose(old);
      old = NULL;
      if (truncate(path, good) != 0) append = false;
    } else {
      fprintf(warn,
              "batt: %s is the checkpoint of another run (other solvers, tasks or limits): starting afresh\n",
              path);
    }
    free(line);
    if (old) fclose(old);
  } else if (resume) {
    fprintf(warn, "batt: no checkpoint %s: starting afresh\n", path);
  }
  if (!append) { /* nothing restored is kept: the tasks' results must all come from this run */
    for (int k = 0; k < run->tasks->n && *restored; k++)
      if (done[k]) {
        clear_task(&run->by_task[k]);
        done[k] = false;
      }
    *restored = 0;
  }
  j->f = fopen(path, append ? "a" : "w");
  if (!j->f || (!append && fputs(header, j->f) < 0) || fflush(j->f) != 0) {
    fprintf(warn, "batt: warning: cannot write the checkpoint %s: %s (the run goes on without it)\n", path,
            strerror(errno));
    if (j->f) fclose(j->f);
    j->f = NULL;
  }
  free(header);
  return j;
}

/* Writes task k's line; outputs are already JSON text and go in as they are. */
static bool write_task(FILE *f, const bt_run *run, int k) {
  const bt_task_result *tr = &run->by_task[k];
  int ns = run->prog->n_solvers;
  json_t *id = json_string(run->tasks->tasks[k].id);
  char *idtext = id ? json_dumps(id, JSON_ENCODE_ANY) : NULL;
  json_decref(id);
  bool ok = idtext && fprintf(f, "{\"task\":%s,\"items\":[", idtext) > 0;
  free(idtext);
  for (int i = 0; ok && i < tr->n_items; i++) {
    const bt_item_result *ir = &tr->items[i];
    fprintf(f, "%s{\"test\":%s,\"index\":%d,\"outputs\":[", i ? "," : "", ir->test ? "true" : "false",
            ir->index);
    for (int m = 0; m < ir->n_outputs; m++) {
      if (m) fputc(',', f);
      fputs(ir->outputs[m] ? ir->outputs[m] : "null", f);
    }
    fputs("],\"grid\":[", f);
    for (int m = 0; m < ir->n_outputs; m++)
      fputs(m ? (ir->out_is_grid[m] ? ",true" : ",false") : (ir->out_is_grid[m] ? "true" : "false"), f);
    fputs("],\"results\":[", f);
    for (int s2 = 0; s2 < ns; s2++) {
      const bt_result *r = &tr->results[(size_t)i * (size_t)ns + (size_t)s2];
      fprintf(f, "%s[%d,%d,%d]", s2 ? "," : "", r->verdict, r->errc, r->out);
    }
    fputs("]}", f);
  }
  return ok && fputs("]}\n", f) >= 0 && fflush(f) == 0 && !ferror(f);
}

void bt_journal_task(bt_journal *j, const bt_run *run, int k) {
  if (!j || !j->f) return;
  pthread_mutex_lock(&j->lock);
  if (!j->failed && !write_task(j->f, run, k)) j->failed = true;
  pthread_mutex_unlock(&j->lock);
}

void bt_journal_close(bt_journal *j, bool remove_it) {
  if (!j) return;
  if (j->f) fclose(j->f);
  if (remove_it) remove(j->path);
  pthread_mutex_destroy(&j->lock);
  free(j->path);
  free(j);
}
