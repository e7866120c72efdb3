# A runaway solver for the memory test (tests/test_runner.c): every call makes a new grid,
# so each item fills its memory limit and ends in a LimitError.
def solve_runaway(I):
    x1 = power(rot90, 990)
    x2 = power(x1, 990)
    x3 = power(x2, 990)
    O = x3(I)
    return O
