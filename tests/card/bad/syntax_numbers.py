def solve_a(I):
    x1 = crop(I, ORIGIN, 0x10)
    x2 = upscale(x1, 99999999999999999999)
    x3 = upscale(x2, 1.5)
    x4 = add(I, -ONE)
    O = 3(x4)
    return O
