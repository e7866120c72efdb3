# Solvers for the --own test (tests/test_runner.c), run over the three tasks of
# tests/data/tasks/good: each task's own solvers (solve_<id>, solve_<id>_<suffix>) run on it,
# the others do not. Shared lines (x1 of the first two) and lines only another task's solver
# reads (its runaway power) check that only what a task's own solvers read is computed.

def solve_6150a2bd(I):
    x1 = rot90(I)
    O = rot90(x1)
    return O


def solve_6150a2bd_m1(I):
    x1 = rot90(I)
    O = hmirror(x1)
    return O


def solve_d631b094(I):
    x1 = palette(I)
    x2 = other(x1, ZERO)
    x3 = ofcolor(I, x2)
    x4 = size(x3)
    x5 = astuple(ONE, x4)
    O = canvas(x2, x5)
    return O


# Another of its mutants, which solves it too (rot180 = vmirror . hmirror).
def solve_6150a2bd_m2(I):
    x1 = hmirror(I)
    O = vmirror(x1)
    return O


# Not 6150a2bd's: the id must be followed by the end or "_".
def solve_6150a2bdx(I):
    x1 = rot90(I)
    O = vmirror(x1)
    return O


# e9afcf9a's: runs out of steps, and raises on the first of them.
def solve_e9afcf9a(I):
    x1 = power(rot90, 990)
    x2 = power(x1, 990)
    x3 = x2(I)
    x4 = first(x3)
    O = divide(x4, ZERO)
    return O
