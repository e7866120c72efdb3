# Integer literals take all of int64 (tests/test_runner.c); arithmetic past it is an
# OverflowError, as batt's integers stand for Python's.
def solve_big(I):
    O = identity(2147483648)
    return O


def solve_biggest(I):
    O = add(9223372036854775806, 1)
    return O


def solve_overflow(I):
    O = multiply(9223372036854775807, 2)
    return O


def solve_pair(I):
    x1 = astuple(4294967296, -4294967297)
    O = x1
    return O
