def solve_a(I):
    x1 = replace(I, TWOO, THREE)
    x2 = shift(x1, DOWNN)
    O = upscale(x2, L11)
    return O
