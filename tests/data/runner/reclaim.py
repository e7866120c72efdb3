# A line that needs the memory dead values hold (tests/test_runner.c): x2 is dead once x3
# has its size, and x5 needs about as much again. Under a limit that holds one of them and
# not both, x5 runs again after its item's values are compacted, and gives what it gives
# under a limit that holds both.

def solve_reclaim(I):
    x1 = upscale(I, 60)
    x2 = asindices(x1)
    x3 = size(x2)
    x4 = upscale(I, 62)
    x5 = asindices(x4)
    x6 = size(x5)
    x7 = add(x3, x6)
    x8 = divide(x7, 1000)
    x9 = astuple(ONE, x8)
    O = canvas(ZERO, x9)
    return O
