def solve_a(I):
    x1 = vmirror(ONE)
    x2 = fill(I, DOWN, x1)
    x3 = size(5)
    x4 = canvas(I, UNITY)
    O = crop(I, x3, TWO)
    return O
