def solve_a(I):
    x1 = size(I)
    x2 = mostcolor(I)
    x3 = fill(I, x2, x1)
    x4 = objects(I, T, F, T)
    x5 = recolor(x4, x4)
    x6 = compose(size, x1)
    O = paint(I, x5)
    return O
