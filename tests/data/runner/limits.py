# Runaway solvers for the limits test (tests/test_runner.c): each must be stopped and
# recorded as a LimitError while the others go on.

def solve_6150a2bd(I):
    O = rot180(I)
    return O


# A grid of (30 * 1000)^2 cells: past max_elems.
def solve_blowup(I):
    O = upscale(I, 1000)
    return O


# 99999 elements, each through 900 compositions: past max_steps.
def solve_loop(I):
    x1 = interval(ZERO, 99999, ONE)
    x2 = power(identity, 900)
    x3 = apply(x2, x1)
    x4 = size(x3)
    x5 = astuple(ONE, x4)
    O = canvas(ONE, x5)
    return O


# Values that share their parts: written out, 2^60 values; a set of two of them must
# compare them.
def solve_shared(I):
    x1 = fork(astuple, identity, identity)
    x2 = power(x1, 60)
    O = x2(I)
    return O


def solve_shared_compare(I):
    x1 = fork(astuple, identity, identity)
    x2 = power(x1, 60)
    x3 = x2(I)
    x4 = x2(ONE)
    x5 = x2(I)
    x6 = initset(x3)
    O = insert(x5, x6)
    return O


# Nested 1980 deep: past the nesting any walk over a value goes.
def solve_deep(I):
    x1 = rbind(astuple, ONE)
    x2 = power(x1, 990)
    x3 = power(x2, 2)
    O = x3(I)
    return O


def solve_deep_compare(I):
    x1 = rbind(astuple, ONE)
    x2 = power(x1, 990)
    x3 = power(x2, 2)
    x4 = x3(I)
    x5 = x3(ZERO)
    x6 = x3(I)
    O = insert(x4, initset(x6))
    return O


# After them all, a solver that works.
def solve_late(I):
    x1 = rot90(I)
    O = rot90(x1)
    return O
