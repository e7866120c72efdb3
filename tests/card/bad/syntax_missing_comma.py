def solve_a(I):
    x1 = objects(I, T, F, T)
    x2 = argmax(x1 size)
    O = subgrid(x2, I)
    return O
