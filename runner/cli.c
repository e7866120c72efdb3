/* cli.c: the batt command line.
 *
 *   batt run [OPTIONS] [PATH...]         run the compiled solvers over ARC tasks
 *   batt apply PRIM TASK.json [ARG...]   apply a primitive to every grid of an ARC task
 *   batt solvers                         list the compiled solvers
 *   batt prims                           list the primitives of the catalogue
 *   batt devices                         say which accelerators this process can use
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "batt.h"
#include "cli.h"
#include "device.h"
#include "report.h"
#include "run.h"
#include "tasks.h"
#include "value_json.h"

#ifndef BATT_VERSION
#define BATT_VERSION "unknown"
#endif

#ifndef BATT_DATA_DIR
#define BATT_DATA_DIR "data"
#endif

static const char usage_text[] =
    "usage: batt run [--threads N] [--tile N] [--out FILE] [--kaggle FILE] [--no-progress] [--profile N]\n"
    "                [--max-steps N] [--max-elems N] [--max-mib N] [--own] [--resume]\n"
    "                [--device cpu|cuda|auto] [--devices cuda:0,cuda:1,twin:0] [--device-tile N]\n"
    "                [--device-pool N] [PATH...]\n"
    "       batt apply PRIM TASK.json [ARG...]\n"
    "       batt solvers | prims | devices\n"
    "       batt --help | --version\n"
    "PATHs are task directories, task files or Kaggle *_challenges.json files; without any,\n"
    "the ARC-AGI-1 training and evaluation tasks shipped in " BATT_DATA_DIR "/arc-agi-1.\n"
    "--own: each solver solve_<id>[_...] only on task <id>, running only the lines it reads.\n"
    "--out FILE keeps FILE.partial while it runs; --resume continues an interrupted run from it.\n"
    "apply: ARGs are extra arguments after the grid, as JSON values (true, 3, '{\"tuple\":[1,2]}').\n"
    "exit status: 0 done; 1 some input was rejected (the rest ran); 2 usage error, or an output\n"
    "file that cannot be written, or out of memory.\n";

static int usage(void) {
  fputs(usage_text, stderr);
  return 2;
}

/* --help / -h anywhere in the arguments: the usage on stdout. */
static bool wants_help(int argc, char **argv) {
  for (int k = 1; k < argc; k++)
    if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0) return true;
  return argc >= 2 && strcmp(argv[1], "help") == 0;
}

/* batt apply PRIM TASK.json [ARG...]: PRIM on the input of every pair of the task, read by
 * the loader batt run uses (the same checks and messages). */
static int apply_to_task(int argc, char **argv) {
  if (argc < 4) return usage();
  int prim = bt_prim_lookup(argv[2]);
  if (prim < 0) {
    fprintf(stderr, "batt: error: unknown primitive '%s' (see 'batt prims')\n", argv[2]);
    return 2;
  }
  if (argc - 3 != bt_prims[prim].arity) {
    fprintf(stderr, "batt: error: '%s' takes %d arguments: the grid and %d more\n", argv[2],
            bt_prims[prim].arity, bt_prims[prim].arity - 1);
    return 2;
  }
  bt_ctx cx;
  bt_ctx_init(&cx, NULL);
  bt_value args[BT_MAX_ARGS];
  char why[256];
  for (int k = 4; k < argc; k++) {
    json_error_t jerr;
    json_t *j = json_loads(argv[k], JSON_DECODE_ANY, &jerr);
    args[k - 3] = j ? bt_from_json(&cx, j, why, sizeof why) : bt_err(BT_E_VALUE);
    json_decref(j);
    if (bt_is_err(args[k - 3])) {
      fprintf(stderr, "batt: error: argument '%s' is not a JSON value\n", argv[k]);
      bt_ctx_free(&cx);
      return 2;
    }
  }
  bt_taskset ts;
  const char *paths[1] = {argv[3]};
  int rejected = bt_tasks_load(&ts, paths, 1, stderr);
  for (int t = 0; t < ts.n; t++) {
    const bt_task *task = &ts.tasks[t];
    for (int i = 0; i < task->n_train + task->n_test; i++) {
      bool train = i < task->n_train;
      bt_mark m = bt_arena_mark(&cx);
      args[0] = train ? task->train[i].input : task->test[i - task->n_train].input;
      bt_ctx_begin(&cx);
      char *s = bt_json_text(bt_call_prim(&cx, prim, args));
      printf("%s%s%s[%d] %s\n", ts.n > 1 ? task->id : "", ts.n > 1 ? " " : "", train ? "train" : "test",
             train ? i : i - task->n_train, s ? s : "?");
      free(s);
      bt_arena_release(&cx, m);
    }
  }
  bt_tasks_free(&ts);
  bt_ctx_free(&cx);
  return rejected ? 1 : 0;
}

/* Parses a whole-number option value in [min, max]; false (with a message) otherwise. */
static bool parse_range(const char *opt, const char *s, long long min, long long max, long long *out) {
  char *end;
  long long v = strtoll(s, &end, 10);
  if (!*s || *end || v < min || v > max) {
    fprintf(stderr, "batt: error: %s needs a whole number from %lld to %lld, got '%s'\n", opt, min, max, s);
    return false;
  }
  *out = v;
  return true;
}

static bool parse_count(const char *opt, const char *s, long long max, long long *out) {
  return parse_range(opt, s, 1, max, out);
}

static int run_command(int argc, char **argv, const bt_program *prog) {
  bt_run_opts o;
  bt_run_opts_default(&o);
  o.progress = isatty(2);
  const char *out = NULL, *kaggle = NULL, *device = NULL, *devices = NULL;
  int profile_lines = 0;
  const char **paths = calloc((size_t)argc + 2, sizeof *paths);
  int n_paths = 0;
  for (int k = 2; k < argc; k++) {
    const char *a = argv[k];
    long long v;
    bool has_value = k + 1 < argc;
    if (strcmp(a, "--threads") == 0 && has_value && parse_count(a, argv[k + 1], 4096, &v))
      o.threads = (int)v, k++;
    else if (strcmp(a, "--tile") == 0 && has_value && parse_count(a, argv[k + 1], 1 << 20, &v))
      o.tile = (int)v, k++;
    else if (strcmp(a, "--max-steps") == 0 && has_value && parse_count(a, argv[k + 1], 1LL << 40, &v))
      o.limits.max_steps = (uint64_t)v, k++;
    else if (strcmp(a, "--max-elems") == 0 && has_value && parse_count(a, argv[k + 1], 1LL << 30, &v))
      o.limits.max_elems = (uint32_t)v, k++;
    else if (strcmp(a, "--max-mib") == 0 && has_value && parse_count(a, argv[k + 1], 1LL << 20, &v))
      o.limits.max_bytes = (size_t)v << 20, k++;
    else if (strcmp(a, "--device-tile") == 0 && has_value && parse_count(a, argv[k + 1], 1 << 16, &v))
      o.device_tile = (int)v, k++;
    else if (strcmp(a, "--device-pool") == 0 && has_value &&
             parse_range(a, argv[k + 1], 0, BT_DEVICE_POOL_MAX, &v))
      o.device_pool = (int)v, k++;
    else if (strcmp(a, "--device") == 0 && has_value)
      device = argv[++k];
    else if (strcmp(a, "--devices") == 0 && has_value)
      devices = argv[++k];
    else if (strcmp(a, "--out") == 0 && has_value)
      out = argv[++k];
    else if (strcmp(a, "--kaggle") == 0 && has_value)
      kaggle = argv[++k];
    else if (strcmp(a, "--profile") == 0 && has_value && parse_count(a, argv[k + 1], 1 << 20, &v))
      o.profile = true, profile_lines = (int)v, k++;
    else if (strcmp(a, "--own") == 0)
      o.own = true;
    else if (strcmp(a, "--resume") == 0)
      o.resume = true;
    else if (strcmp(a, "--no-progress") == 0)
      o.progress = false;
    else if (strcmp(a, "--progress") == 0)
      o.progress = true;
    else if (a[0] == '-' && a[1] == '-') {
      static const char *const valued[] = {"--threads", "--tile",        "--max-steps",   "--max-elems",
                                           "--max-mib", "--device-tile", "--device-pool", "--device",
                                           "--devices", "--out",         "--kaggle",      "--profile"};
      bool known = false;
      for (size_t m = 0; m < sizeof valued / sizeof *valued; m++)
        known |= strcmp(a, valued[m]) == 0;
      if (!known)
        fprintf(stderr, "batt: error: unknown option %s\n", a);
      else if (!has_value)
        fprintf(stderr, "batt: error: %s needs a value\n", a);
      free(paths);
      return usage();
    } else
      paths[n_paths++] = a;
  }
  if (n_paths == 0) {
    paths[n_paths++] = BATT_DATA_DIR "/arc-agi-1/training";
    paths[n_paths++] = BATT_DATA_DIR "/arc-agi-1/evaluation";
  }
  o.keep_outputs = out != NULL;
  o.keep_attempts = kaggle != NULL;
  char err[256];
  o.n_devices = bt_devices_resolve(device, devices, o.devices, BT_MAX_DEVICES, stderr, err, sizeof err);
  o.device_choose = device ? strcmp(device, "auto") == 0 : devices == NULL; /* the mode resolve took */
  if (o.n_devices < 0) {
    fprintf(stderr, "batt: error: %s\n", err);
    free(paths);
    return 2;
  }
  if (!bt_outputs_writable(out, kaggle, stderr)) { /* before a long run, not after it */
    free(paths);
    return 2;
  }
  if (out || kaggle) bt_remove_output_on_signals();
  /* with --out, each finished task goes into OUT.partial: --resume continues from it */
  char *checkpoint = NULL;
  struct stat st;
  if (out && (stat(out, &st) != 0 || S_ISREG(st.st_mode)) && (checkpoint = malloc(strlen(out) + 9)))
    sprintf(checkpoint, "%s.partial", out);
  if (o.resume && !checkpoint) {
    fprintf(stderr,
            "batt: error: --resume needs --out FILE (a regular file): the checkpoint is FILE.partial\n");
    free(paths);
    return 2;
  }
  o.checkpoint = checkpoint;
  bt_taskset ts;
  int rejected = bt_tasks_load(&ts, paths, n_paths, stderr);
  free(paths);
  if (ts.n == 0) {
    fprintf(stderr, "batt: error: no task to run\n");
    bt_tasks_free(&ts);
    free(checkpoint);
    return 1;
  }
  /* the results file is written while the run goes: only the tasks in flight hold outputs */
  bt_results_stream *stream = NULL;
  if (out && !(stream = bt_results_stream_open(prog, ts.n, out, kaggle != NULL, stderr))) {
    bt_tasks_free(&ts);
    free(checkpoint);
    return 2;
  }
  o.task_done = stream ? bt_results_stream_task : NULL;
  o.task_done_ctx = stream;
  bt_run run;
  int status = rejected ? 1 : 0;
  if (!bt_run_program(&run, prog, &ts, &o)) { /* it said why */
    bt_results_stream_close(stream, false, stderr);
    bt_tasks_free(&ts);
    free(checkpoint);
    return 2;
  }
  if (run.resumed) fprintf(stderr, "batt: %d tasks resumed from %s\n", run.resumed, checkpoint);
  if (out && !bt_results_stream_close(stream, true, stderr))
    status = 2;
  else if (checkpoint)
    remove(checkpoint); /* the results are written: nothing to resume */
  free(checkpoint);
  if (kaggle && !bt_write_kaggle(&run, kaggle, stderr)) status = 2;
  int threads = o.threads > 0 ? o.threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
  bt_print_summary(&run, threads, stdout);
  if (run.device_workers)
    printf("%-22s %d device worker%s + %d CPU, %ld tiles (%ld grids: %ld already on the device, %ld "
           "demonstrations for the sample pattern), %ld fell back to the CPU\n",
           "devices", run.device_workers, run.device_workers == 1 ? "" : "s", run.cpu_workers,
           run.devices.launches, run.devices.grids, run.devices.resident, run.devices.demo_grids,
           run.devices.fallbacks);
  if (o.profile) bt_print_profile(&run, profile_lines, stdout);
  if (rejected)
    fprintf(stderr, "batt: %d input%s rejected (see above)\n", rejected, rejected == 1 ? "" : "s");
  bt_run_free(&run);
  bt_tasks_free(&ts);
  return status;
}

int bt_cli_main(int argc, char **argv, const bt_program *prog) {
  if (wants_help(argc, argv)) {
    fputs(usage_text, stdout);
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    printf("batt %s\n", BATT_VERSION);
    return 0;
  }
  if (argc < 2) return usage();
  if (strcmp(argv[1], "run") == 0) return run_command(argc, argv, prog);
  if (strcmp(argv[1], "apply") == 0) return apply_to_task(argc, argv);
  if (strcmp(argv[1], "solvers") == 0) {
    for (int k = 0; k < prog->n_solvers; k++)
      printf("%s %s:%d\n", prog->solvers[k].name, prog->solvers[k].file, prog->solvers[k].line);
    return 0;
  }
  if (strcmp(argv[1], "prims") == 0) {
    for (int k = 0; k < bt_n_prims; k++)
      printf("%s/%d\n", bt_prims[k].name, bt_prims[k].arity);
    return 0;
  }
  if (strcmp(argv[1], "devices") == 0) {
    char why[256] = "";
    int n = bt_cuda_device_count(why, sizeof why);
    if (n == 0) printf("cpu only: %s\n", why);
    for (int k = 0; k < n; k++) {
      bt_device_props p;
      if (!bt_device_props_get((bt_device_spec){BT_DEVICE_CUDA, k}, &p, why, sizeof why))
        printf("cuda:%d: unusable: %s\n", k, why);
      else
        printf("cuda:%d: %s, %.1f of %.1f GiB free, peak %.0f GB/s, %d items per tile\n", k, p.name,
               (double)p.free_mem / (1 << 30), (double)p.total_mem / (1 << 30), p.peak_bytes_per_s / 1e9,
               bt_device_tile_items(p.free_mem));
    }
    return 0;
  }
  return usage();
}
