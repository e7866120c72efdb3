# A line that needs all of the limit but for the few bytes dead values hold
# (tests/test_runner.c): x2 is dead once x3 has its size, and holds far less than 1/64 of
# the limit. Whether x5 fits must not depend on whether the item's arena was collected
# before it.

def solve_margin(I):
    x1 = upscale(I, 4)
    x2 = asindices(x1)
    x3 = size(x2)
    x4 = multiply(x3, 139)
    x5 = interval(ZERO, x4, ONE)
    x6 = size(x5)
    x7 = divide(x6, 1000)
    x8 = astuple(ONE, x7)
    O = canvas(ZERO, x8)
    return O
