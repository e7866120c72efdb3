def solve_a(I):
    x1 = vmirror(I)
    x2 = hconcat(x1, x3)
    x3 = hmirror(I)
    O = x4(x2)
    x4 = rbind(vconcat, x3)
    return O
