def solve_a(I):
    x1 = objects(I, T, F, T)
    x2 = argmax(x1, sizee)
    x3 = apply(x2, foo)
    O = paint(I, x3)
    return O
