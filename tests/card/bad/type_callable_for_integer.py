def solve_a(I):
    x1 = ofcolor(I, ONE)
    x2 = fill(I, size, x1)
    x3 = upscale(x2, vmirror)
    O = add(x3, rbind(add, ONE))
    return O
