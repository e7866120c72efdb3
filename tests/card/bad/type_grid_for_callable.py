def solve_a(I):
    x1 = objects(I, T, F, T)
    x2 = apply(I, x1)
    x3 = argmax(x1, I)
    O = paint(I, x3)
    return O
