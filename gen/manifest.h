/* manifest.h: the build manifest of a solver library (e.g. solvers/batt.yaml). */
#ifndef BATT_MANIFEST_H
#define BATT_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct card_manifest {
  char **sources; /* solver files, resolved against the manifest's directory */
  int n_sources;
  char **include; /* when non-empty, only these solvers */
  int n_include;
  char **exclude; /* these solvers are left out */
  int n_exclude;
  char *output;  /* the emitted program, resolved like sources */
  char *header;  /* the emitted header, resolved like sources */
  bool fuse;     /* options.fuse: fuse batchable patterns (default true) */
  char *dialect; /* `dialect`, or NULL */
  int dialect_line, dialect_col;
} card_manifest;

/* Reads path; on error returns false with "file:line:col: error: ..." in err. */
bool manifest_load(const char *path, card_manifest *m, char *err, size_t errlen);
void manifest_free(card_manifest *m);

#endif
