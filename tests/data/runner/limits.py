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
