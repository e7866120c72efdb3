# Solvers for the end-to-end runner tests (tests/test_runner.c), run over the three
# tasks of tests/data/tasks/good.

def solve_6150a2bd(I):
    O = rot180(I)
    return O


def solve_d631b094(I):
    x1 = palette(I)
    x2 = other(x1, ZERO)
    x3 = ofcolor(I, x2)
    x4 = size(x3)
    x5 = astuple(ONE, x4)
    O = canvas(x2, x5)
    return O


# Always raises: division by zero.
def solve_errors(I):
    x1 = objects(I, T, F, T)
    x2 = merge(x1)
    x3 = divide(ONE, ZERO)
    O = fill(I, x3, x2)
    return O
