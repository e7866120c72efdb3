/* tk_grid.c: primitives of the tokpidjin dialect (docs/tokpidjin.md). */
#include "tk.h"
