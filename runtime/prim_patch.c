/* prim_patch.c: being written. */
