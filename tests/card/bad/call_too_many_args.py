def solve_a(I):
    x1 = identity(I)
    x2 = x1(I, I, I, I, I, I, I, I)
    x3 = rbind(fill, ONE)
    x4 = x3(I, I, I, I, I)
    O = x1(I)
    return O
