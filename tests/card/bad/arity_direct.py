def solve_a(I):
    x1 = fill(I, ONE)
    x2 = vmirror(I, x1)
    x3 = objects(I, T, F, T, T)
    x4 = mostcolor()
    O = hconcat(x1, x2)
    return O
