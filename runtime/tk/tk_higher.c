/* tk_higher.c: primitives of the tokpidjin dialect (docs/tokpidjin.md). */
#include "tk.h"
