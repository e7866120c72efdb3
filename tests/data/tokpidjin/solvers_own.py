from dsl import *
from constants import *


def solve_3c9b0459(S, I, C):
    O = mir_rot_t(I, A5)
    return O

def solve_68b16354(S, I, C):
    x1 = a_mr(S)
    O = mir_rot_t(I, x1)
    return O

def solve_6d0aefbc(S, I, C):
    x1 = mir_rot_t(I, A2)
    O = hconcat(I, x1)
    return O

def solve_c8f0f002(S, I, C):
    x1 = rbind(get_nth_t, F0)
    x2 = c_iz_n(S, p_g, x1)
    x3 = c_zo_n(S, p_g, x1)
    O = replace(I, x2, x3)
    return O

def solve_aabf363d(S, I, C):
    x1 = asindices(I)
    x2 = corner(x1, R2)
    x3 = index(I, x2)
    x4 = initset(x2)
    x5 = fill(I, ZERO, x4)
    x6 = o_g(x5, R5)
    x7 = get_nth_f(x6, F0)
    x8 = recolor_o(x3, x7)
    O = paint(x5, x8)
    return O

def solve_d2abd087(S, I, C):
    x1 = o_g(I, R5)
    x2 = sizefilter(x1, SIX)
    x3 = merge_f(x2)
    x4 = recolor_o(TWO, x3)
    x5 = difference(x1, x2)
    x6 = merge_f(x5)
    x7 = recolor_o(ONE, x6)
    x8 = paint(I, x4)
    O = paint(x8, x7)
    return O

def solve_a61f2674(S, I, C):
    x1 = o_g(I, R5)
    x2 = get_arg_rank_f(x1, size, F0)
    x3 = get_arg_rank_f(x1, size, L1)
    x4 = recolor_o(ONE, x2)
    x5 = recolor_o(TWO, x3)
    x6 = shape_t(I)
    x7 = canvas(ZERO, x6)
    x8 = paint(x7, x4)
    O = paint(x8, x5)
    return O

def solve_08ed6ac7(S, I, C):
    x1 = o_g(I, R5)
    x2 = get_arg_rank_f(x1, size, F0)
    x3 = get_arg_rank_f(x1, size, F1)
    x4 = get_arg_rank_f(x1, size, F2)
    x5 = get_arg_rank_f(x1, size, L1)
    x6 = recolor_o(ONE, x2)
    x7 = recolor_o(TWO, x3)
    x8 = recolor_o(THREE, x4)
    x9 = recolor_o(FOUR, x5)
    x10 = paint(I, x6)
    x11 = paint(x10, x7)
    x12 = paint(x11, x8)
    O = paint(x12, x9)
    return O

def solve_4258a5f9(S, I, C):
    x1 = f_ofcolor(I, FIVE)
    x2 = mapply(neighbors, x1)
    x3 = combine_f(x1, x2)
    x4 = fill(I, ONE, x3)
    O = fill(x4, FIVE, x1)
    return O

def solve_67385a82(S, I, C):
    x1 = o_g(I, R4)
    x2 = colorfilter(x1, THREE)
    x3 = compose(rbind(greater, ONE), size_f)
    x4 = mfilter_f(x2, x3)
    O = fill(I, EIGHT, x4)
    return O

def solve_aedd82e4(S, I, C):
    x1 = o_g(I, R4)
    x2 = colorfilter(x1, TWO)
    x3 = sfilter_f(x2, matcher(size_f, ONE))
    x4 = merge_f(x3)
    x5 = recolor_o(ONE, x4)
    O = paint(I, x5)
    return O

def solve_5582e5ca(S, I, C):
    x1 = get_color_rank_t(I, F0)
    O = canvas(x1, THREE_BY_THREE)
    return O

def solve_d631b094(S, I, C):
    x1 = palette_t(I)
    x2 = remove_f(ZERO, x1)
    x3 = get_nth_f(x2, F0)
    x4 = colorcount_t(I, x3)
    x5 = astuple(ONE, x4)
    O = canvas(x3, x5)
    return O

def solve_28bf18c6(S, I, C):
    x1 = o_g(I, R7)
    x2 = get_nth_f(x1, F0)
    x3 = subgrid(x2, I)
    O = hconcat(x3, x3)
    return O

def solve_3aa6fb7a(S, I, C):
    x1 = o_g(I, R5)
    x2 = mapply(delta, x1)
    O = fill(I, ONE, x2)
    return O

def solve_a740d043(S, I, C):
    x1 = get_color_rank_t(I, F0)
    x2 = f_ofcolor(I, x1)
    x3 = asindices(I)
    x4 = difference(x3, x2)
    x5 = subgrid(x4, I)
    O = replace(x5, x1, ZERO)
    return O

def solve_c59eb873(S, I, C):
    x1 = width_t(I)
    x2 = height_t(I)
    x3 = equality(x1, x2)
    x4 = branch(x3, TWO, THREE)
    O = upscale_t(I, x4)
    return O

def solve_dc1df850(S, I, C):
    x1 = f_ofcolor(I, TWO)
    x2 = mapply(neighbors, x1)
    O = underfill(I, ONE, x2)
    return O

def solve_b1948b0a(S, I, C):
    x1 = f_ofcolor(I, SIX)
    x2 = recolor_i(TWO, x1)
    O = paint(I, x2)
    return O

def solve_25ff71a9(S, I, C):
    x1 = o_g(I, R7)
    x2 = get_nth_f(x1, F0)
    x3 = shift(x2, DOWN)
    x4 = cover(I, x2)
    O = paint(x4, x3)
    return O

def solve_5521c0d9(S, I, C):
    x1 = o_g(I, R5)
    x2 = compose(invert, height_f)
    x3 = compose(toivec, x2)
    x4 = fork(shift, identity, x3)
    x5 = mapply(x4, x1)
    x6 = merge_f(x1)
    x7 = cover(I, x6)
    O = paint(x7, x5)
    return O

def solve_f25ffba3(S, I, C):
    x1 = bottomhalf(I)
    x2 = mir_rot_t(x1, A0)
    O = vconcat(x2, x1)
    return O
