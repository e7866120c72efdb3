def solve_a(I):
    x1 = objects(I, univalued=T, diagonal=F, without_bg=T)
    x2 = colorfilter(x1, "red")
    O = paint(I, [x2])
    return O
