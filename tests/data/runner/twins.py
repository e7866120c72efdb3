# Equal grids made packed and boxed: a solver's output is one value whatever its form, so
# each group of solvers below gives one output on every item, and its verdict.


def solve_packed_mirror(I):  # the mirrors' fast paths give packed grids
    x1 = vmirror(I)
    O = vmirror(x1)
    return O


def solve_boxed_split(I):  # the part of a split is boxed
    x1 = vsplit(I, ONE)
    O = first(x1)
    return O


def solve_packed_fill(I):  # fill of nothing: a packed copy
    x1 = ofcolor(I, TEN)
    O = fill(I, FIVE, x1)
    return O


def solve_input(I):
    O = identity(I)
    return O


def solve_other_packed(I):  # another grid, packed
    O = rot90(I)
    return O


def solve_other_boxed(I):  # the same grid, boxed
    x1 = rot90(I)
    x2 = hsplit(x1, ONE)
    O = first(x2)
    return O


def solve_poked_packed(I):  # a large grid that differs from the next in one cell that its
    x1 = upscale(I, THREE)  # quick print does not read: packed
    x2 = initset(UNITY)
    O = fill(x1, SEVEN, x2)
    return O


def solve_poked_boxed(I):  # the same grid but that cell, boxed
    x1 = upscale(I, THREE)
    x2 = initset(UNITY)
    x3 = fill(x1, EIGHT, x2)
    x4 = vsplit(x3, ONE)
    O = first(x4)
    return O
