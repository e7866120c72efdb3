/* prim_grid.c: being written. */
