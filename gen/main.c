/* main.c: the card command line.
 *
 *   card check FILE...                          report every error; exit 1 if there is one
 *   card dump FILE...                           print the merged program
 *   card emit --manifest M                      write the program a manifest describes
 *   card emit FILE... -o OUT.c [--header H]     write the program of these solver files
 *   card build FILE... -o PROGRAM               compile solver files into a batt program
 *   card run FILE... [-- ARG...]                run solver files directly (batt run ARG...)
 *   card report FILE... | --manifest M          print the batch patterns found
 *   card mutate FILE... [--seed N] [--count K] [--edits E] [-o OUT]
 *                                               write K mutants of every solver
 *
 * Common options: --dialect NAME (arc-dsl, the default, or tokpidjin; also a solver file's
 * `# dialect: NAME` line or the manifest's `dialect`), --catalog PATH (default: the dialect's
 * catalogue beside the project's runtime/dsl.yaml), --templates DIR,
 * --no-fuse (every line its own call; also the manifest's options.fuse: false),
 * --no-spec (every closure through the generic call: no specialised closure code),
 * --report (print the patterns found, with any command).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "card.h"
#include "cli.h"
#include "emit.h"
#include "interp.h"
#include "manifest.h"
#include "report.h"

#ifndef CARD_CATALOG
#define CARD_CATALOG "runtime/dsl.yaml"
#endif
#ifndef CARD_TEMPLATES
#define CARD_TEMPLATES "templates"
#endif

typedef struct options {
  const char *cmd;
  const char *catalog; /* NULL: the dialect's */
  const char *dialect;
  const char *templates;
  const char *manifest;
  const char *out;
  const char *header;
  const char **files;
  int n_files;
  char **rest; /* after "--" (card run) */
  int n_rest;
  bool no_fuse, no_spec, report;
  const char *seed, *count, *edits; /* card mutate */
} options;

static const char usage_text[] =
    "usage: card check FILE...\n"
    "       card dump FILE...\n"
    "       card emit --manifest MANIFEST.yaml [-o OUT.c [--header OUT.h]]\n"
    "       card emit FILE... -o OUT.c [--header OUT.h]\n"
    "       card build FILE... -o PROGRAM\n"
    "       card run FILE... [-- BATT-RUN-ARGUMENTS...]\n"
    "       card report FILE... | --manifest MANIFEST.yaml\n"
    "       card mutate FILE... [--seed N] [--count K] [--edits E] [-o OUT.py]\n"
    "       card --help | --version\n"
    "options: --dialect arc-dsl|tokpidjin (default: what the files or manifest declare, else arc-dsl),\n"
    "         --catalog PATH (default " CARD_CATALOG ", or the dialect's beside it),\n"
    "         --templates DIR (default " CARD_TEMPLATES "),\n"
    "         --no-fuse (no fused calls), --no-spec (no specialised closure code),\n"
    "         --report (print the batch patterns found)\n"
    "exit status: 0 done; 1 an error in a solver file (each as file:line:col), or a file\n"
    "that cannot be read or written, or the compiler failed; 2 usage error\n"
    "(card run: batt run's exit status).\n";

static int usage(void) {
  fputs(usage_text, stderr);
  return 2;
}

static bool parse_options(int argc, char **argv, options *o) {
  memset(o, 0, sizeof *o);
  o->cmd = argv[1];
  o->templates = CARD_TEMPLATES;
  o->files = xcalloc((size_t)argc, sizeof *o->files);
  for (int k = 2; k < argc; k++) {
    const char *a = argv[k];
    const char **slot = !strcmp(a, "--catalog")     ? &o->catalog
                        : !strcmp(a, "--dialect")   ? &o->dialect
                        : !strcmp(a, "--templates") ? &o->templates
                        : !strcmp(a, "--manifest")  ? &o->manifest
                        : !strcmp(a, "-o")          ? &o->out
                        : !strcmp(a, "--header")    ? &o->header
                        : !strcmp(a, "--seed")      ? &o->seed
                        : !strcmp(a, "--count")     ? &o->count
                        : !strcmp(a, "--edits")     ? &o->edits
                                                    : NULL;
    if (slot) {
      if (k + 1 >= argc) {
        fprintf(stderr, "card: error: %s needs a value\n", a);
        return false;
      }
      *slot = argv[++k];
    } else if (!strcmp(a, "--no-fuse")) {
      o->no_fuse = true;
    } else if (!strcmp(a, "--no-spec")) {
      o->no_spec = true;
    } else if (!strcmp(a, "--report")) {
      o->report = true;
    } else if (!strcmp(a, "--")) {
      o->rest = argv + k + 1;
      o->n_rest = argc - k - 1;
      break;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "card: error: unknown option '%s'\n", a);
      return false;
    } else {
      o->files[o->n_files++] = a;
    }
  }
  return true;
}

/* Reads a whole file into a NUL-terminated buffer (*len bytes before the NUL), or NULL. */
static char *slurp_bytes(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  strbuf sb = {0};
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    sb_putn(&sb, buf, n);
  fclose(f);
  *len = sb.len;
  return sb_take(&sb);
}

static char *slurp(const char *path) {
  size_t len;
  return slurp_bytes(path, &len);
}

/* Writes text to path through a temporary file and a rename: never half a file. */
static bool write_atomic(const char *path, const char *text, size_t len) {
  strbuf tmp = {0};
  sb_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
  FILE *f = fopen(tmp.buf, "wb");
  bool ok = f && fwrite(text, 1, len, f) == len;
  if (f) ok &= fclose(f) == 0;
  if (ok) ok = rename(tmp.buf, path) == 0;
  if (!ok) {
    fprintf(stderr, "card: error: cannot write %s: %s\n", path, strerror(errno));
    remove(tmp.buf);
  }
  sb_free(&tmp);
  return ok;
}

/* Keeps the solvers a manifest's include/exclude lists select; unknown names are errors. */
static bool select_solvers(card_program *prog, const card_manifest *mf, card_solver ***kept, int *n_kept) {
  bool ok = true;
  for (int pass = 0; pass < 2; pass++) {
    char **names = pass ? mf->exclude : mf->include;
    int n = pass ? mf->n_exclude : mf->n_include;
    for (int k = 0; k < n; k++) {
      bool found = false;
      for (int s = 0; s < prog->nsolvers; s++)
        found |= prog->solvers[s]->name && !strcmp(prog->solvers[s]->name, names[k]);
      if (!found) {
        fprintf(stderr, "card: error: the manifest %s '%s', which no source defines\n",
                pass ? "excludes" : "includes", names[k]);
        ok = false;
      }
    }
  }
  *kept = xcalloc((size_t)prog->nsolvers + 1, sizeof **kept);
  *n_kept = 0;
  for (int s = 0; s < prog->nsolvers; s++) {
    const char *name = prog->solvers[s]->name;
    bool in = mf->n_include == 0, out = false;
    for (int k = 0; k < mf->n_include; k++)
      in |= !strcmp(mf->include[k], name);
    for (int k = 0; k < mf->n_exclude; k++)
      out |= !strcmp(mf->exclude[k], name);
    if (in && !out) (*kept)[(*n_kept)++] = prog->solvers[s];
  }
  return ok;
}

typedef struct loaded {
  catalog cat;
  card_program prog;
  card_manifest mf;
  card_solver **all; /* the parsed solvers, while prog holds the selection */
  int n_all;
  card_merged *merged;
} loaded;

/* The dialects and the catalogue file of each, beside the default catalogue. */
static const char *const dialects[][2] = {{"arc-dsl", "dsl.yaml"}, {"tokpidjin", "tokpidjin.yaml"}};

/* The dialect of the program: --dialect, the manifest's, or the one the files declare (they
 * must agree: one program holds one dialect); arc-dsl when nothing says. Errors go to d. */
static const char *program_dialect(const options *o, const loaded *L, card_diag *d) {
  const char *chosen = o->dialect ? o->dialect : L->mf.dialect,
             *from = o->dialect ? "--dialect" : "the manifest";
  const card_src *first = NULL;
  for (int k = 0; k < L->prog.nsrcs; k++) {
    const card_src *src = L->prog.srcs[k];
    if (!src->dialect) continue;
    if (!chosen) {
      chosen = src->dialect;
      first = src;
    } else if (strcmp(chosen, src->dialect) != 0) {
      if (first)
        diag_error(d, src, src->dialect_line, src->dialect_col,
                   "this file is in the dialect '%s', but %s:%d is in '%s': one program holds one dialect",
                   src->dialect, first->path, first->dialect_line, chosen);
      else
        diag_error(d, src, src->dialect_line, src->dialect_col,
                   "this file is in the dialect '%s', but %s says '%s'", src->dialect, from, chosen);
    }
  }
  return chosen; /* NULL: nothing says */
}

/* The catalogue of dialect (NULL: --catalog's, else arc-dsl): --catalog, else the dialect's
 * file beside the default one. */
static bool load_catalog(const options *o, const char *dialect, catalog *cat) {
  char err[1024];
  strbuf path = {0};
  if (!dialect && !o->catalog) dialect = "arc-dsl";
  if (o->catalog) {
    sb_puts(&path, o->catalog);
  } else {
    const char *file = NULL;
    for (size_t k = 0; k < sizeof dialects / sizeof *dialects; k++)
      if (!strcmp(dialects[k][0], dialect)) file = dialects[k][1];
    if (!file) {
      fprintf(stderr, "card: error: unknown dialect '%s' (known: arc-dsl, tokpidjin)\n", dialect);
      return false;
    }
    const char *slash = strrchr(CARD_CATALOG, '/');
    sb_printf(&path, "%.*s%s", slash ? (int)(slash - CARD_CATALOG + 1) : 0, CARD_CATALOG, file);
  }
  bool ok = catalog_load(path.buf, cat, err, sizeof err);
  if (!ok)
    fprintf(stderr, "%s\n", err);
  else if (dialect && strcmp(cat->dialect, dialect) != 0) {
    fprintf(stderr, "card: error: the catalogue %s is of the dialect '%s', not '%s'\n", path.buf,
            cat->dialect, dialect);
    ok = false;
  }
  sb_free(&path);
  return ok;
}

/* Parses, checks, selects and merges; prints every error. */
static bool load(const options *o, loaded *L) {
  memset(L, 0, sizeof *L);
  program_init(&L->prog);
  char err[1024];
  if (o->manifest && !manifest_load(o->manifest, &L->mf, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return false;
  }
  int n_files = o->manifest ? L->mf.n_sources : o->n_files;
  if (n_files == 0) {
    fprintf(stderr, "card: error: no solver file given\n");
    return false;
  }
  struct stat out_st, in_st;
  for (int k = 0; o->out && stat(o->out, &out_st) == 0 && k < n_files; k++) {
    const char *in = o->manifest ? L->mf.sources[k] : o->files[k];
    if (stat(in, &in_st) == 0 && in_st.st_dev == out_st.st_dev && in_st.st_ino == out_st.st_ino) {
      fprintf(stderr, "card: error: -o %s is also an input (%s): it would be overwritten\n", o->out, in);
      return false;
    }
  }
  card_diag d = {0};
  for (int k = 0; k < n_files; k++)
    program_add_file(&L->prog, o->manifest ? L->mf.sources[k] : o->files[k], &d);
  const char *dialect = program_dialect(o, L, &d);
  bool ok = load_catalog(o, dialect, &L->cat);
  ok = ok && check_program(&L->prog, &L->cat, &d) && d.nerrors == 0;
  char *msgs = diag_render(&d);
  fputs(msgs, stderr);
  free(msgs);
  diag_free(&d);
  if (!ok) return false;
  if (L->prog.nsolvers == 0) {
    fprintf(stderr, "card: error: no solver in the given file%s\n", n_files == 1 ? "" : "s");
    return false;
  }
  card_solver **kept;
  int n_kept;
  ok = select_solvers(&L->prog, &L->mf, &kept, &n_kept);
  L->all = L->prog.solvers;
  L->n_all = L->prog.nsolvers;
  L->prog.solvers = kept;
  L->prog.nsolvers = n_kept;
  if (ok) L->merged = merge_program(&L->prog);
  if (L->merged) L->merged->plain_closures = o->no_spec;
  /* the fused calls run arc-dsl's semantics: the other dialects run line by line */
  if (L->merged && !o->no_fuse && (!o->manifest || L->mf.fuse) && !strcmp(L->cat.dialect, "arc-dsl"))
    fuse_program(L->merged);
  return ok && L->merged;
}

static void unload(loaded *L) {
  if (L->merged) {
    fusion_free(L->merged->fusion);
    merged_free(L->merged);
  }
  if (L->all) {
    free(L->prog.solvers);
    L->prog.solvers = L->all;
    L->prog.nsolvers = L->n_all;
  }
  program_free(&L->prog);
  catalog_free(&L->cat);
  manifest_free(&L->mf);
}

/* Fills template NAME from the templates directory into out. */
static bool render(const options *o, const loaded *L, const char *name, const char *sources, strbuf *out) {
  strbuf path = {0};
  sb_printf(&path, "%s/%s", o->templates, name);
  char *tmpl = slurp(path.buf);
  bool ok = tmpl != NULL;
  char err[512];
  if (!tmpl)
    fprintf(stderr, "card: error: cannot read template %s\n", path.buf);
  else if (!(ok = emit_program(L->merged, tmpl, sources, out, err, sizeof err)))
    fprintf(stderr, "%s: error: %s\n", path.buf, err);
  free(tmpl);
  sb_free(&path);
  return ok;
}

static bool emit_files(const options *o, const loaded *L, const char *out_c, const char *out_h) {
  strbuf sources = {0};
  if (o->manifest)
    sb_puts(&sources, o->manifest);
  else
    for (int k = 0; k < o->n_files; k++)
      sb_printf(&sources, "%s%s", k ? " " : "", o->files[k]);
  strbuf c = {0}, h = {0};
  bool ok = render(o, L, "batt.c.tmpl", sources.buf, &c) && write_atomic(out_c, c.buf, c.len);
  if (ok && out_h)
    ok = render(o, L, "batt_program.h.tmpl", sources.buf, &h) && write_atomic(out_h, h.buf, h.len);
  sb_free(&sources);
  sb_free(&c);
  sb_free(&h);
  return ok;
}

/* What a signal (SIGINT, SIGTERM, SIGHUP) must undo while card build runs: the compiler's
 * process group is stopped and the temporary files and directory removed. */
static volatile sig_atomic_t build_child;
static const char *volatile build_files[3];

static void build_interrupted(int sig) {
  if (build_child > 0) kill(-build_child, SIGTERM);
  for (int k = 2; k >= 0; k--)
    if (build_files[k]) (k == 0 ? rmdir : unlink)(build_files[k]);
  signal(sig, SIG_DFL);
  raise(sig);
}

/* Runs argv (NULL-terminated) in a process group of its own and waits; true when it
 * exits 0. */
static bool spawn(char **argv) {
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    setpgid(0, 0);
    execvp(argv[0], argv);
    fprintf(stderr, "card: error: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  setpgid(pid, pid);
  build_child = pid;
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) {
      build_child = 0;
      return false;
    }
  build_child = 0;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Appends the words of a space-separated configured list to argv. */
static void add_words(char ***argv, int *n, const char *words) {
  char *copy = xstrdup(words), *save = NULL;
  for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
    *argv = xrealloc(*argv, (size_t)(*n + 2) * sizeof **argv);
    (*argv)[(*n)++] = xstrdup(w);
  }
  (*argv)[*n] = NULL;
  free(copy);
}

#ifndef CARD_CC
#define CARD_CC "cc"
#endif
#ifndef CARD_CFLAGS
#define CARD_CFLAGS ""
#endif
#ifndef CARD_LINK
#define CARD_LINK ""
#endif

/* card build: the emitted program, compiled with the compiler and libraries this card
 * was configured with. */
static int build(const options *o, const loaded *L) {
  /* in $TMPDIR (as mkdtemp(3) users do), else /tmp */
  const char *tmp = getenv("TMPDIR");
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/card-build-XXXXXX", tmp && *tmp && strlen(tmp) < 4000 ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    fprintf(stderr, "card: error: cannot make a temporary directory in %s: %s\n", tmp && *tmp ? tmp : "/tmp",
            strerror(errno));
    return 1;
  }
  strbuf c_path = {0}, prog_path = {0};
  sb_printf(&c_path, "%s/batt.c", dir);
  sb_printf(&prog_path, "%s/batt", dir);
  build_files[0] = dir;
  build_files[1] = c_path.buf;
  build_files[2] = prog_path.buf;
  bt_on_interrupt(build_interrupted);
  bool ok = emit_files(o, L, c_path.buf, NULL);
  if (ok) {
    char **argv = NULL;
    int n = 0;
    add_words(&argv, &n, CARD_CC);
    add_words(&argv, &n, CARD_CFLAGS);
    add_words(&argv, &n, c_path.buf);
    add_words(&argv, &n, "-o");
    argv = xrealloc(argv, (size_t)(n + 2) * sizeof *argv);
    argv[n++] = xstrdup(prog_path.buf); /* renamed into place once whole */
    argv[n] = NULL;
    add_words(&argv, &n, CARD_LINK);
    ok = spawn(argv);
    if (!ok) fprintf(stderr, "card: error: compiling %s failed\n", c_path.buf);
    for (int k = 0; k < n; k++)
      free(argv[k]);
    free(argv);
  }
  /* a rename across file systems fails: copy through the output's directory then */
  if (ok && rename(prog_path.buf, o->out) != 0) {
    size_t len = 0;
    char *bytes = slurp_bytes(prog_path.buf, &len);
    ok = bytes && write_atomic(o->out, bytes, len) && chmod(o->out, 0755) == 0;
    if (!ok) fprintf(stderr, "card: error: cannot write %s: %s\n", o->out, strerror(errno));
    free(bytes);
  }
  bt_on_interrupt(SIG_DFL);
  unlink(prog_path.buf);
  remove(c_path.buf);
  rmdir(dir);
  for (int k = 0; k < 3; k++)
    build_files[k] = NULL;
  sb_free(&c_path);
  sb_free(&prog_path);
  if (ok)
    fprintf(stderr, "card: wrote %s (%d solvers, %d lines)\n", o->out, L->merged->nsolvers,
            L->merged->nlines);
  return ok ? 0 : 1;
}

/* A whole decimal number in [lo, hi] from option `what`, or an error message. */
static bool number_option(const char *what, const char *text, long long lo, long long hi, long long *v) {
  char *end;
  errno = 0;
  long long x = text ? strtoll(text, &end, 10) : 0;
  if (text && (errno || end == text || *end || x < lo || x > hi)) {
    fprintf(stderr, "card: error: %s must be a whole number from %lld to %lld, not '%s'\n", what, lo, hi,
            text);
    return false;
  }
  *v = text ? x : *v;
  return true;
}

/* card mutate: mutants of every solver, as a solver file (stdout without -o). */
static int mutate(const options *o, const loaded *L) {
  long long seed = 1, count = 1, edits = 1;
  if (!number_option("--seed", o->seed, 0, INT64_MAX, &seed) ||
      !number_option("--count", o->count, 1, 1000, &count) ||
      !number_option("--edits", o->edits, 1, 16, &edits))
    return 2;
  int made;
  char *body = mutate_program(&L->prog, &L->cat, (uint64_t)seed, (int)count, (int)edits, &made);
  strbuf sb = {0}; /* a dialect other than the default is declared, so the mutants check as they are */
  if (strcmp(L->cat.dialect, "arc-dsl") != 0) sb_printf(&sb, "# dialect: %s\n", L->cat.dialect);
  sb_puts(&sb, body);
  free(body);
  char *text = sb_take(&sb);
  bool ok = o->out ? write_atomic(o->out, text, strlen(text)) : fputs(text, stdout) >= 0;
  if (ok)
    fprintf(stderr, "card: %d mutants of %d solvers (seed %lld, %lld edit%s each)%s%s\n", made,
            L->prog.nsolvers, seed, edits, edits == 1 ? "" : "s", o->out ? " in " : "", o->out ? o->out : "");
  free(text);
  return ok ? 0 : 1;
}

/* card run: the merged program run directly through the runtime, as batt run would. */
static int run_direct(const options *o, const loaded *L) {
  bt_program *p = interp_program(L->merged);
  if (!p) {
    fprintf(stderr, "card: error: the runtime lacks a primitive the program uses\n");
    return 1;
  }
  char **argv = xcalloc((size_t)o->n_rest + 3, sizeof *argv);
  argv[0] = (char *)"card run";
  argv[1] = (char *)"run";
  for (int k = 0; k < o->n_rest; k++)
    argv[k + 2] = o->rest[k];
  int status = bt_cli_main(o->n_rest + 2, argv, p);
  free(argv);
  interp_free(p);
  return status;
}

int main(int argc, char **argv) {
  for (int k = 1; k < argc && strcmp(argv[k], "--") != 0; k++)
    if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h") || (k == 1 && !strcmp(argv[k], "help"))) {
      fputs(usage_text, stdout);
      return 0;
    }
  if (argc == 2 && !strcmp(argv[1], "--version")) {
    printf("card %s\n", CARD_VERSION);
    return 0;
  }
  if (argc < 2) return usage();
  options o;
  if (!parse_options(argc, argv, &o)) {
    free(o.files);
    return usage();
  }
  const char *cmd = o.cmd;
  bool known = !strcmp(cmd, "check") || !strcmp(cmd, "dump") || !strcmp(cmd, "emit") ||
               !strcmp(cmd, "build") || !strcmp(cmd, "run") || !strcmp(cmd, "report") ||
               !strcmp(cmd, "mutate");
  if (!known || ((!strcmp(cmd, "build")) && !o.out) || (!strcmp(cmd, "emit") && !o.manifest && !o.out)) {
    free(o.files);
    return usage();
  }
  loaded L;
  int status = 1;
  if (load(&o, &L)) {
    if (o.report || !strcmp(cmd, "report")) {
      char *text = fusion_report(L.merged);
      fputs(text, !strcmp(cmd, "run") ? stderr : stdout);
      free(text);
    }
    if (!strcmp(cmd, "check") || !strcmp(cmd, "report"))
      status = 0;
    else if (!strcmp(cmd, "dump")) {
      char *text = merged_dump(L.merged);
      fputs(text, stdout);
      free(text);
      status = 0;
    } else if (!strcmp(cmd, "emit"))
      status = emit_files(&o, &L, o.out ? o.out : L.mf.output, o.out ? o.header : L.mf.header) ? 0 : 1;
    else if (!strcmp(cmd, "build"))
      status = build(&o, &L);
    else if (!strcmp(cmd, "mutate"))
      status = mutate(&o, &L);
    else
      status = run_direct(&o, &L);
  }
  unload(&L);
  free(o.files);
  return status;
}
