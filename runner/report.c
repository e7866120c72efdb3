/* report.c: what a run produced, as a results file (docs/results.md), a Kaggle
 * submission and a summary table. Files are written to a temporary name beside the
 * target and renamed, so a reader never sees half a file. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batt.h"
#include "report.h"

static const char *const verdict_names[] = {"error", "match", "mismatch", "unknown", "skipped"};

/* An output being written: to a temporary file beside its target, renamed over the target
 * at the end (a reader never sees half a file), or in place for what is not a regular file
 * (/dev/null, /dev/stdout, a FIFO). A symbolic link is followed: its target is replaced,
 * the link stays; a file replaced keeps its mode. */
typedef struct out_file {
  FILE *f;
  char *target; /* the file renamed over (path, or where its links lead) */
  char *tmp;    /* NULL: written in place */
  mode_t mode;  /* the target's mode, when it exists */
  bool keep_mode;
} out_file;

/* The temporary file being written, removed by a signal that ends the process. */
static const char *volatile writing;

static void interrupted(int sig) {
  if (writing) unlink(writing);
  signal(sig, SIG_DFL);
  raise(sig);
}

void bt_on_interrupt(void (*handler)(int)) {
  int sigs[] = {SIGINT, SIGTERM, SIGHUP};
  for (size_t k = 0; k < sizeof sigs / sizeof *sigs; k++) {
    struct sigaction sa = {0};
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaction(sigs[k], &sa, NULL);
  }
}

void bt_remove_output_on_signals(void) { bt_on_interrupt(interrupted); }

/* Resolves path into o (no file opened); false, with the reason on errors, when it
 * cannot be written. */
static bool out_resolve(out_file *o, const char *path, FILE *errors) {
  memset(o, 0, sizeof *o);
  struct stat st, lst;
  if (stat(path, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      fprintf(errors, "batt: error: cannot write %s: is a directory\n", path);
      return false;
    }
    if (!S_ISREG(st.st_mode)) return true; /* in place */
    o->target = realpath(path, NULL);
    o->mode = st.st_mode & 07777;
    o->keep_mode = true;
  } else if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
    fprintf(errors, "batt: error: cannot write %s: a symbolic link to nothing\n", path);
    return false;
  } else {
    o->target = strdup(path);
  }
  if (!o->target) {
    fprintf(errors, "batt: error: cannot write %s: %s\n", path, strerror(errno));
    return false;
  }
  size_t n = strlen(o->target) + 32;
  o->tmp = malloc(n);
  if (!o->tmp) {
    free(o->target);
    fprintf(errors, "batt: error: cannot write %s: out of memory\n", path);
    return false;
  }
  snprintf(o->tmp, n, "%s.tmp.%ld", o->target, (long)getpid());
  return true;
}

static void out_free(out_file *o) {
  free(o->target);
  free(o->tmp);
}

static bool out_open(out_file *o, const char *path, FILE *errors) {
  if (!out_resolve(o, path, errors)) return false;
  writing = o->tmp;
  o->f = fopen(o->tmp ? o->tmp : path, "w");
  if (!o->f) {
    writing = NULL;
    fprintf(errors, "batt: error: cannot create %s: %s\n", path, strerror(errno));
    out_free(o);
    return false;
  }
  return true;
}

static bool out_close(out_file *o, const char *path, FILE *errors) {
  bool ok = !ferror(o->f);
  if (ok && o->tmp && o->keep_mode) ok = fchmod(fileno(o->f), o->mode) == 0;
  ok &= fclose(o->f) == 0;
  if (ok && o->tmp && rename(o->tmp, o->target) != 0) ok = false;
  if (!ok) {
    fprintf(errors, "batt: error: cannot write %s: %s\n", path, strerror(errno));
    if (o->tmp) remove(o->tmp);
  }
  writing = NULL;
  out_free(o);
  return ok;
}

/* Whether path can be written: a temporary file beside it can be made (then removed). */
static bool out_check(const char *path, out_file *o, FILE *errors) {
  if (!out_resolve(o, path, errors)) return false;
  if (!o->tmp) {
    if (access(path, W_OK) == 0) return true;
  } else {
    FILE *f = fopen(o->tmp, "w");
    if (f) {
      fclose(f);
      remove(o->tmp);
      return true;
    }
  }
  fprintf(errors, "batt: error: cannot write %s: %s\n", path, strerror(errno));
  out_free(o);
  return false;
}

bool bt_outputs_writable(const char *out, const char *kaggle, FILE *errors) {
  out_file a, b;
  if (out && !out_check(out, &a, errors)) return false;
  if (kaggle && !out_check(kaggle, &b, errors)) {
    if (out) out_free(&a);
    return false;
  }
  /* what is written in place (a device) may take both */
  bool same = out && kaggle && a.target && b.target && strcmp(a.target, b.target) == 0;
  if (same) fprintf(errors, "batt: error: --out and --kaggle name the same file (%s)\n", kaggle);
  if (out) out_free(&a);
  if (kaggle) out_free(&b);
  return !same;
}

static void put_json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

/* The distinct output as plain ARC JSON (rows of colors) for the Kaggle file: the
 * encoding {"grid": [...]} minus its wrapper. */
static void put_plain_grid(FILE *f, const char *encoded) {
  const char *start = strchr(encoded, '['), *end = strrchr(encoded, ']');
  if (start && end && end > start)
    fprintf(f, "%.*s", (int)(end - start + 1), start);
  else
    fputs("[[0]]", f);
}

static void put_header(FILE *f, const bt_program *p) {
  fprintf(f, "{\"format\": \"batt-results-1\",\n \"solvers\": [");
  for (int s = 0; s < p->n_solvers; s++) {
    fputs(s ? ", " : "", f);
    put_json_string(f, p->solvers[s].name);
  }
  fprintf(f, "],\n \"tasks\": [");
}

static void put_task(FILE *f, const bt_run *run, int k) {
  const bt_program *p = run->prog;
  const bt_task *t = &run->tasks->tasks[k];
  const bt_task_result *tr = &run->by_task[k];
  fprintf(f, "%s\n  {\"id\": ", k ? "," : "");
  put_json_string(f, t->id);
  fprintf(f, ", \"solved_by\": [");
  for (int s = 0, first = 1; s < p->n_solvers; s++)
    if (tr->solved[s]) {
      fputs(first ? "" : ", ", f);
      put_json_string(f, p->solvers[s].name);
      first = 0;
    }
  fprintf(f, "],\n   \"items\": [");
  for (int j = 0; j < tr->n_items; j++) {
    const bt_item_result *ir = &tr->items[j];
    fprintf(f, "%s\n    {\"kind\": \"%s\", \"index\": %d, \"outputs\": [", j ? "," : "",
            ir->test ? "test" : "train", ir->index);
    for (int o = 0; o < ir->n_outputs; o++)
      fprintf(f, "%s%s", o ? ", " : "", ir->outputs[o] ? ir->outputs[o] : "null");
    fprintf(f, "],\n     \"results\": {");
    for (int s = 0, written = 0; s < p->n_solvers; s++) {
      const bt_result *r = &tr->results[(size_t)j * (size_t)p->n_solvers + (size_t)s];
      if (r->verdict == BT_V_SKIPPED) continue; /* --own: not the task's solver */
      fputs(written++ ? ", " : "", f);
      put_json_string(f, p->solvers[s].name);
      if (r->verdict == BT_V_ERROR)
        fprintf(f, ": {\"error\": \"%s\"}", bt_errc_name((bt_errc)r->errc));
      else if (r->errc)
        fprintf(f, ": {\"out\": %d, \"verdict\": \"%s\", \"defaulted\": \"%s\"}", r->out,
                verdict_names[r->verdict], bt_errc_name((bt_errc)r->errc));
      else
        fprintf(f, ": {\"out\": %d, \"verdict\": \"%s\"}", r->out, verdict_names[r->verdict]);
    }
    fprintf(f, "}}");
  }
  fprintf(f, "]}");
}

static void put_footer(FILE *f) { fprintf(f, "]}\n"); }

bool bt_write_results(const bt_run *run, const char *path, FILE *errors) {
  out_file o;
  if (!out_open(&o, path, errors)) return false;
  put_header(o.f, run->prog);
  for (int k = 0; k < run->tasks->n; k++)
    put_task(o.f, run, k);
  put_footer(o.f);
  return out_close(&o, path, errors);
}

struct bt_results_stream {
  out_file out;
  char *path;
  pthread_mutex_t lock;
  int n, next; /* tasks; the first not yet written */
  bool *ready; /* done and not yet written (an earlier task is not) */
  bool keep;   /* keep the outputs after writing them */
};

bt_results_stream *bt_results_stream_open(const bt_program *p, int n_tasks, const char *path,
                                          bool keep_outputs, FILE *errors) {
  bt_results_stream *s = calloc(1, sizeof *s);
  if (s) s->ready = calloc((size_t)(n_tasks ? n_tasks : 1), sizeof *s->ready);
  if (s) s->path = strdup(path);
  if (!s || !s->ready || !s->path) {
    fprintf(errors, "batt: error: cannot write %s: out of memory\n", path);
    if (s) {
      free(s->ready);
      free(s->path);
    }
    free(s);
    return NULL;
  }
  if (!out_open(&s->out, path, errors)) {
    free(s->ready);
    free(s->path);
    free(s);
    return NULL;
  }
  s->n = n_tasks;
  s->keep = keep_outputs;
  pthread_mutex_init(&s->lock, NULL);
  put_header(s->out.f, p);
  return s;
}

void bt_results_stream_task(void *ctx, bt_run *run, int k) {
  bt_results_stream *s = ctx;
  pthread_mutex_lock(&s->lock);
  s->ready[k] = true;
  for (; s->next < s->n && s->ready[s->next]; s->next++) {
    put_task(s->out.f, run, s->next);
    bt_task_result *tr = &run->by_task[s->next];
    for (int j = 0; j < tr->n_items && !s->keep; j++)
      for (int o = 0; o < tr->items[j].n_outputs; o++) {
        free(tr->items[j].outputs[o]);
        tr->items[j].outputs[o] = NULL;
      }
  }
  pthread_mutex_unlock(&s->lock);
}

bool bt_results_stream_close(bt_results_stream *s, bool complete, FILE *errors) {
  if (!s) return false;
  bool ok = complete && s->next == s->n;
  if (ok) {
    put_footer(s->out.f);
    ok = out_close(&s->out, s->path, errors);
  } else { /* an incomplete run leaves the previous file as it was */
    fclose(s->out.f);
    if (s->out.tmp) remove(s->out.tmp);
    writing = NULL;
    out_free(&s->out);
  }
  pthread_mutex_destroy(&s->lock);
  free(s->ready);
  free(s->path);
  free(s);
  return ok;
}

/* Candidate outputs of one test item, best first: outputs of solvers that solved every
 * demonstration pair, by how many such solvers agree, then by the first solver. */
static int rank_attempts(const bt_program *p, const bt_task_result *tr, int item, int *best, int max) {
  const bt_item_result *ir = &tr->items[item];
  int n = ir->n_outputs, *votes = calloc((size_t)(n ? n : 1), sizeof *votes),
      *first = malloc((size_t)(n ? n : 1) * sizeof *first);
  for (int o = 0; o < n; o++)
    first[o] = p->n_solvers;
  for (int s = 0; s < p->n_solvers; s++) {
    const bt_result *r = &tr->results[(size_t)item * (size_t)p->n_solvers + (size_t)s];
    if (!tr->demo_solved[s] || r->verdict == BT_V_ERROR || !ir->out_is_grid[r->out]) continue;
    votes[r->out]++;
    if (s < first[r->out]) first[r->out] = s;
  }
  int found = 0;
  while (found < max) {
    int pick = -1;
    for (int o = 0; o < n; o++) {
      if (!votes[o]) continue;
      if (pick < 0 || votes[o] > votes[pick] || (votes[o] == votes[pick] && first[o] < first[pick])) pick = o;
    }
    if (pick < 0) break;
    best[found++] = pick;
    votes[pick] = 0;
  }
  free(votes);
  free(first);
  return found;
}

bool bt_write_kaggle(const bt_run *run, const char *path, FILE *errors) {
  out_file o;
  if (!out_open(&o, path, errors)) return false;
  FILE *f = o.f;
  fputc('{', f);
  for (int k = 0; k < run->tasks->n; k++) {
    const bt_task *t = &run->tasks->tasks[k];
    const bt_task_result *tr = &run->by_task[k];
    fprintf(f, "%s\n", k ? "," : "");
    put_json_string(f, t->id);
    fputs(": [", f);
    for (int j = t->n_train; j < tr->n_items; j++) {
      int best[2], n = rank_attempts(run->prog, tr, j, best, 2);
      fprintf(f, "%s{\"attempt_1\": ", j > t->n_train ? ", " : "");
      if (n > 0)
        put_plain_grid(f, tr->items[j].outputs[best[0]]);
      else
        fputs("[[0]]", f);
      fputs(", \"attempt_2\": ", f);
      put_plain_grid(f, n > 1   ? tr->items[j].outputs[best[1]]
                        : n > 0 ? tr->items[j].outputs[best[0]]
                                : "[[0]]");
      fputc('}', f);
    }
    fputc(']', f);
  }
  fputs("\n}\n", f);
  return out_close(&o, path, errors);
}

void bt_print_summary(const bt_run *run, int threads, FILE *out) {
  const bt_program *p = run->prog;
  long items = 0;
  int solved = 0, own = 0, cross = 0;
  for (int k = 0; k < run->tasks->n; k++) {
    const bt_task_result *tr = &run->by_task[k];
    items += tr->n_items;
    bool any = false;
    for (int s = 0; s < p->n_solvers; s++) {
      if (!tr->solved[s]) continue;
      any = true;
      if (bt_is_own_solver(p->solvers[s].name, run->tasks->tasks[k].id))
        own++;
      else
        cross++;
    }
    solved += any;
  }
  fprintf(out, "%-22s %ld\n", "tasks", (long)run->tasks->n);
  fprintf(out, "%-22s %d\n", "rejected inputs", run->tasks->rejected);
  fprintf(out, "%-22s %ld\n", "items", items);
  fprintf(out, "%-22s %d\n", "solvers", p->n_solvers);
  fprintf(out, "%-22s %ld\n", "evaluations", run->evaluations);
  fprintf(out, "%-22s %d\n", "tasks solved", solved);
  fprintf(out, "%-22s %d\n", "  by their own solver", own);
  fprintf(out, "%-22s %d\n", "  cross-task hits", cross);
  fprintf(out, "%-22s %.3f s on %d thread%s\n", "time", run->seconds, threads, threads == 1 ? "" : "s");
  fprintf(out, "%-22s %.0f\n", "evaluations/s",
          run->seconds > 0 ? (double)run->evaluations / run->seconds : 0);
  if (cross) {
    fprintf(out, "cross-task hits:\n");
    for (int k = 0; k < run->tasks->n; k++)
      for (int s = 0; s < p->n_solvers; s++)
        if (run->by_task[k].solved[s] && !bt_is_own_solver(p->solvers[s].name, run->tasks->tasks[k].id))
          fprintf(out, "  %s solves %s\n", p->solvers[s].name, run->tasks->tasks[k].id);
  }
}
