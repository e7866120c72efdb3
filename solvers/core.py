# Core solvers of the batt library: short programs for ARC-AGI-1 training tasks whose
# rule is a single transform or a few steps.

def solve_6150a2bd(I):
    O = rot180(I)
    return O


def solve_68b16354(I):
    O = hmirror(I)
    return O


def solve_74dd1130(I):
    O = dmirror(I)
    return O


def solve_3c9b0459(I):
    O = rot180(I)
    return O


def solve_ed36ccf7(I):
    O = rot270(I)
    return O


def solve_9dfd6313(I):
    O = dmirror(I)
    return O


def solve_0d3d703e(I):
    x1 = switch(I, THREE, FOUR)
    x2 = switch(x1, EIGHT, NINE)
    x3 = switch(x2, TWO, SIX)
    O = switch(x3, ONE, FIVE)
    return O


# The colour that leaves the grid becomes the colour that arrives, both read from S.
def solve_c8f0f002(S, I, C):
    x1 = c_iz_n(S, p_g, first)
    x2 = c_zo_n(S, p_g, first)
    O = replace(I, x1, x2)
    return O


def solve_d511f180(I):
    O = switch(I, FIVE, EIGHT)
    return O


def solve_b1948b0a(I):
    O = replace(I, SIX, TWO)
    return O


def solve_a416b8f3(I):
    O = hconcat(I, I)
    return O


def solve_c59eb873(I):
    O = upscale(I, TWO)
    return O


def solve_d631b094(I):
    x1 = palette(I)
    x2 = other(x1, ZERO)
    x3 = ofcolor(I, x2)
    x4 = size(x3)
    x5 = astuple(ONE, x4)
    O = canvas(x2, x5)
    return O


def solve_25ff71a9(I):
    x1 = objects(I, T, T, T)
    x2 = first(x1)
    O = move(I, x2, DOWN)
    return O


def solve_3af2c5a8(I):
    x1 = vmirror(I)
    x2 = hconcat(I, x1)
    x3 = hmirror(x2)
    O = vconcat(x2, x3)
    return O


def solve_5582e5ca(I):
    x1 = mostcolor(I)
    x2 = shape(I)
    O = canvas(x1, x2)
    return O
