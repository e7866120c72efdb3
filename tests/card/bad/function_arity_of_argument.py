def solve_a(I):
    x1 = objects(I, T, F, T)
    x2 = apply(fill, x1)
    x3 = rbind(size, ONE)
    x4 = fork(size, first, last)
    x5 = compose(vmirror, shift)
    x6 = papply(size, x1, x1)
    x7 = argmax(x1, rbind(fill, ONE))
    O = paint(I, x7)
    return O
