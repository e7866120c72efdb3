def solve_a(I):
    x1 = vmirror(I)
    x2 = x1(I)
    x3 = I(x1)
    x4 = T(x1)
    x5 = size(I)
    x6 = x5(ONE)
    O = hconcat(x1, x1)
    return O
