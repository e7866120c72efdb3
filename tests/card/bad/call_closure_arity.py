def solve_a(I):
    x1 = objects(I, T, F, T)
    x2 = rbind(fill, ONE)
    x3 = x2(I)
    x4 = compose(size, first)
    x5 = x4(x1, x1)
    x6 = power(x2, TWO)
    x7 = x6(I, x1, x1)
    x8 = lbind(rbind(fill, ONE), I)
    x9 = x8(x1, x1)
    x10 = rbind(fill, ONE)(I)
    x11 = size
    x12 = x11(I, I)
    O = fill(I, ONE, x1)
    return O
