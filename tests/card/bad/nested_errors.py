def solve_a(I):
    x1 = fill(I, ONE, ofcolr(I, TWO))
    x2 = paint(x1, recolor(vmirror, asindices(x1, x1)))
    O = hconcat(x2, rbind(fill, ONE)(I))
    return O
