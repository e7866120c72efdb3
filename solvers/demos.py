# Solvers that read their colours or their transform from the demonstrations S: the
# colours that only the outputs use, the colours that leave the inputs, the mirror that
# maps cropped inputs to outputs. Many take the sample pattern (apply first / second over
# S, then mapply a colour function over each side), several map more than one function
# over the same objects, and the object views of I differ in mode from solver to solver.


# Cells that hold the same non-zero colour in both halves beside the grey column take
# the colour that only the outputs use.
def solve_0520fde7(S, I, C):
    x1 = apply(first, S)
    x2 = apply(second, S)
    x3 = mapply(p_g, x1)
    x4 = mapply(p_g, x2)
    x5 = difference_tuple(x4, x3)
    x6 = get_nth_t(x5, ZERO)
    x7 = lefthalf(I)
    x8 = righthalf(I)
    x9 = cellwise(x7, x8, ZERO)
    x10 = palette(x9)
    x11 = other(x10, ZERO)
    O = replace(x9, x11, x6)
    return O


# Cells empty in both the top and the bottom half take the colour new in the outputs.
def solve_6430c8c4(S, I, C):
    x1 = c_zo_n(S, palette, first)
    x2 = tophalf(I)
    x3 = bottomhalf(I)
    x4 = ofcolor(x2, ZERO)
    x5 = ofcolor(x3, ZERO)
    x6 = intersection(x4, x5)
    x7 = shape(x2)
    x8 = canvas(ZERO, x7)
    O = fill(x8, x1, x6)
    return O


# Cells filled in exactly one of the two halves take the colour new in the outputs.
def solve_99b1bc43(S, I, C):
    x1 = apply(first, S)
    x2 = apply(second, S)
    x3 = mapply(palette, x1)
    x4 = mapply(palette, x2)
    x5 = dedupe(x4)
    x6 = difference_tuple(x5, x3)
    x7 = get_nth_t(x6, ZERO)
    x8 = tophalf(I)
    x9 = bottomhalf(I)
    x10 = ofcolor(x8, ZERO)
    x11 = ofcolor(x9, ZERO)
    x12 = combine(x10, x11)
    x13 = intersection(x10, x11)
    x14 = difference(x12, x13)
    x15 = shape(x8)
    x16 = canvas(ZERO, x15)
    O = fill(x16, x7, x14)
    return O


# Cells filled in either half take the colour new in the outputs; the rest stay empty.
def solve_ce4f8723(S, I, C):
    x1 = c_zo(S, p_g)
    x2 = get_nth_t(x1, ZERO)
    x3 = tophalf(I)
    x4 = bottomhalf(I)
    x5 = ofcolor(x3, ZERO)
    x6 = ofcolor(x4, ZERO)
    x7 = intersection(x5, x6)
    x8 = shape(x3)
    x9 = canvas(x2, x8)
    O = fill(x9, ZERO, x7)
    return O


# Cells empty on both sides of the blue column take the colour the outputs add.
def solve_1b2d62fb(S, I, C):
    x1 = apply(first, S)
    x2 = apply(second, S)
    x3 = mapply(p_g, x1)
    x4 = mapply(p_g, x2)
    x5 = dedupe(x3)
    x6 = dedupe(x4)
    x7 = difference_tuple(x6, x5)
    x8 = get_nth_t(x7, NEG_ONE)
    x9 = lefthalf(I)
    x10 = righthalf(I)
    x11 = ofcolor(x9, ZERO)
    x12 = ofcolor(x10, ZERO)
    x13 = intersection(x11, x12)
    x14 = shape(x9)
    x15 = canvas(ZERO, x14)
    O = fill(x15, x8, x13)
    return O


# The shape moves one row down and its colour becomes the one the outputs use instead.
def solve_a79310a0(S, I, C):
    x1 = apply(first, S)
    x2 = apply(second, S)
    x3 = mapply(p_g, x1)
    x4 = mapply(p_g, x2)
    x5 = difference_tuple(x3, x4)
    x6 = difference_tuple(x4, x3)
    x7 = get_nth_t(x5, ZERO)
    x8 = get_nth_t(x6, ZERO)
    x9 = ofcolor(I, x7)
    x10 = shift(x9, DOWN)
    x11 = cover(I, x9)
    O = fill(x11, x8, x10)
    return O


# Shapes of six cells take the larger new colour, all other shapes the smaller one.
def solve_d2abd087(S, I, C):
    x1 = c_iz_n(S, palette, first)
    x2 = c_zo_n(S, p_g, first)
    x3 = c_zo_n(S, p_g, last)
    x4 = objects(I, T, F, T)
    x5 = sizefilter(x4, SIX)
    x6 = merge(x5)
    x7 = replace(I, x1, x2)
    O = fill(x7, x3, x6)
    return O


# Shapes of four, three and two cells take the first, second and third new colour.
def solve_6e82a1ae(S, I, C):
    x1 = c_zo(S, p_g)
    x2 = objects(I, T, F, T)
    x3 = sizefilter(x2, FOUR)
    x4 = sizefilter(x2, THREE)
    x5 = sizefilter(x2, TWO)
    x6 = get_nth_t(x1, ZERO)
    x7 = get_nth_t(x1, ONE)
    x8 = get_nth_t(x1, TWO)
    x9 = merge(x3)
    x10 = merge(x4)
    x11 = merge(x5)
    x12 = fill(I, x6, x9)
    x13 = fill(x12, x7, x10)
    O = fill(x13, x8, x11)
    return O


# Each hole in the grey takes colour four minus its size.
def solve_e8593010(I):
    x1 = objects(I, T, F, T)
    x2 = lbind(subtract, FOUR)
    x3 = compose(x2, size)
    x4 = fork(recolor, x3, identity)
    x5 = mapply(x4, x1)
    O = paint(I, x5)
    return O


# Only the tallest and the shortest bar stay, in the two colours new in the outputs.
def solve_a61f2674(S, I, C):
    x1 = c_zo(S, p_g)
    x2 = objects(I, T, T, T)
    x3 = argmax(x2, size)
    x4 = argmin(x2, size)
    x5 = first(x1)
    x6 = last(x1)
    x7 = mostcolor(I)
    x8 = shape(I)
    x9 = canvas(x7, x8)
    x10 = fill(x9, x5, x3)
    O = fill(x10, x6, x4)
    return O


# The inside of every rectangle takes the colour that only the outputs use.
def solve_bb43febb(S, I, C):
    x1 = apply(first, S)
    x2 = apply(second, S)
    x3 = mapply(p_g, x1)
    x4 = mapply(p_g, x2)
    x5 = dedupe(x4)
    x6 = difference_tuple(x5, x3)
    x7 = get_nth_t(x6, ZERO)
    x8 = objects(I, T, F, F)
    x9 = colorfilter(x8, ZERO)
    x10 = difference(x8, x9)
    x11 = fork(difference, backdrop, box)
    x12 = mapply(x11, x10)
    O = fill(I, x7, x12)
    return O


# Every pair of adjacent cells gets a frame in the colour new in the outputs.
def solve_b27ca6d3(S, I, C):
    x1 = c_zo_n(S, p_g, first)
    x2 = objects(I, T, F, T)
    x3 = sizefilter(x2, TWO)
    x4 = mapply(outbox, x3)
    O = underfill(I, x1, x4)
    return O


# Non-zero cells with no neighbour of their colour take the colour new in the outputs.
def solve_aedd82e4(S, I, C):
    x1 = c_zo_n(S, p_g, first)
    x2 = palette(I)
    x3 = other(x2, ZERO)
    x4 = objects(I, T, F, F)
    x5 = colorfilter(x4, x3)
    x6 = sizefilter(x5, ONE)
    x7 = merge(x6)
    O = fill(I, x1, x7)
    return O


# Non-zero shapes of more than one cell take the colour new in the outputs.
def solve_67385a82(S, I, C):
    x1 = c_zo_n(S, p_g, first)
    x2 = o_g(I, FOUR)
    x3 = colorfilter(x2, ZERO)
    x4 = sizefilter(x2, ONE)
    x5 = combine(x3, x4)
    x6 = difference(x2, x5)
    x7 = merge(x6)
    O = fill(I, x1, x7)
    return O


# Crop the one shape; the mirror or rotation that maps the cropped inputs to the outputs
# is read from S.
def solve_7468f01a(S, I, C):
    x1 = rbind(o_g, THREE)
    x2 = compose(first, x1)
    x3 = fork(subgrid, x2, identity)
    x4 = apply(first, S)
    x5 = apply(second, S)
    x6 = apply(x3, x4)
    x7 = pair(x6, x5)
    x8 = a_mr(x7)
    x9 = o_g(I, THREE)
    x10 = first(x9)
    x11 = subgrid(x10, I)
    O = mir_rot_t(x11, x8)
    return O


# Each rectangle is recoloured: corners, edges and inside take the three new colours.
def solve_b6afb2da(S, I, C):
    x1 = c_iz_n(S, p_g, first)
    x2 = c_zo(S, p_g)
    x3 = get_nth_t(x2, ZERO)
    x4 = get_nth_t(x2, ONE)
    x5 = get_nth_t(x2, TWO)
    x6 = objects(I, T, F, F)
    x7 = colorfilter(x6, x1)
    x8 = mapply(box, x7)
    x9 = mapply(corners, x7)
    x10 = replace(I, x1, x4)
    x11 = fill(x10, x5, x8)
    O = fill(x11, x3, x9)
    return O


# Every shape gets a frame in the first new colour and its holes the second one.
def solve_543a7ed5(S, I, C):
    x1 = c_zo(S, palette)
    x2 = first(x1)
    x3 = last(x1)
    x4 = objects(I, T, F, T)
    x5 = mapply(outbox, x4)
    x6 = mapply(delta, x4)
    x7 = underfill(I, x2, x5)
    O = fill(x7, x3, x6)
    return O


# The outlines disappear and what they enclosed takes the colour new in the outputs.
def solve_d5d6de2d(S, I, C):
    x1 = apply(first, S)
    x2 = apply(second, S)
    x3 = mapply(p_g, x1)
    x4 = mapply(p_g, x2)
    x5 = difference_tuple(x4, x3)
    x6 = get_nth_t(x5, ZERO)
    x7 = objects(I, T, T, T)
    x8 = merge(x7)
    x9 = mapply(delta, x7)
    x10 = cover(I, x8)
    O = fill(x10, x6, x9)
    return O


# The empty cells of each shape's bounding box take the colour new in the outputs.
def solve_60b61512(S, I, C):
    x1 = c_zo_n(S, p_g, first)
    x2 = objects(I, T, T, T)
    x3 = mapply(delta, x2)
    O = fill(I, x1, x3)
    return O


# Bars are recoloured by height: the tallest takes the first new colour, and so on.
def solve_08ed6ac7(S, I, C):
    x1 = c_zo(S, p_g)
    x2 = objects(I, T, F, T)
    x3 = order(x2, size)
    x4 = order(x1, invert)
    x5 = mpapply(recolor, x4, x3)
    O = paint(I, x5)
    return O


# The colours of the shapes, largest first, in one column.
def solve_f8ff0b80(I):
    x1 = objects(I, T, T, T)
    x2 = order(x1, size)
    x3 = apply(color, x2)
    x4 = repeat(x3, ONE)
    x5 = dmirror(x4)
    O = hmirror(x5)
    return O


# A square in the colour of the outline that encloses the most area; its side is the
# dimension that only the outputs have.
def solve_445eab21(S, I, C):
    x1 = c_zo_n(S, shape, first)
    x2 = astuple(x1, x1)
    x3 = objects(I, T, F, T)
    x4 = compose(size, backdrop)
    x5 = argmax(x3, x4)
    x6 = color(x5)
    O = canvas(x6, x2)
    return O
