def solve_spec_nearest(I):
    x1 = asindices(I)
    x2 = objects(I, T, F, T)
    x3 = compose(center, last)
    x4 = fork(subtract, first, x3)
    x5 = fork(multiply, sign, identity)
    x6 = lbind(apply, x5)
    x7 = fork(add, first, last)
    x8 = chain(x7, x6, x4)
    x9 = lbind(lbind, astuple)
    x10 = lbind(compose, x8)
    x11 = compose(x10, x9)
    x12 = lbind(argmin, x2)
    x13 = compose(x12, x11)
    x14 = lbind(rbind, equality)
    x15 = rbind(compose, x13)
    x16 = lbind(sfilter, x1)
    x17 = chain(x16, x15, x14)
    x18 = fork(recolor, color, x17)
    x19 = mapply(x18, x2)
    O = paint(I, x19)
    return O


def solve_spec_binds(I):
    x1 = objects(I, T, T, T)
    x2 = rbind(fill, ONE)
    x3 = lbind(fork, greater)
    x4 = x3(size, width)
    x5 = sfilter(x1, x4)
    x6 = rbind(x2, I)
    x7 = lbind(x2, I)
    x8 = mapply(toindices, x5)
    x9 = x7(x8)
    x10 = lbind(lbind, shift)
    x11 = x10(x8)
    x12 = x11(UNITY)
    x13 = underfill(x9, TWO, x12)
    x14 = matcher(color, ONE)
    x15 = compose(flip, x14)
    x16 = sfilter(x1, x15)
    x17 = rbind(colorcount, ONE)
    x18 = fork(astuple, x17, size)
    x19 = apply(x18, x16)
    x20 = size(x19)
    x21 = x6(x12)
    x22 = branch(x20, x13, x21)
    O = x22
    return O


def solve_spec_wide(I):
    x1 = rbind(objects, T)
    x2 = x1(I, T, F)
    x3 = lbind(objects, I)
    x4 = x3(F, T, T)
    x5 = combine(x2, x4)
    x6 = lbind(rbind, manhattan)
    x7 = lbind(argmax, x5)
    x8 = chain(x7, x6, first)
    x9 = apply(x8, x2)
    x10 = merge(x9)
    O = fill(I, THREE, x10)
    return O


def solve_spec_chains(I):
    x1 = partition(I)
    x2 = chain(double, size, toindices)
    x3 = chain(increment, x2, normalize)
    x4 = rbind(sizefilter, FOUR)
    x5 = rbind(objects, F)
    x6 = fork(add, x2, x3)
    x7 = argmax(x1, x6)
    x8 = matcher(x3, EIGHT)
    x9 = mfilter(x1, x8)
    x10 = lbind(lbind, rbind)
    x11 = x10(shift)
    x12 = x11(DOWN)
    x13 = x12(x9)
    x14 = rbind(recolor, x13)
    x15 = x14(FIVE)
    x16 = paint(I, x15)
    x17 = fill(x16, color(x7), box(x7))
    x18 = compose(rot90, hmirror)
    x19 = power(x18, THREE)
    x20 = power(last, TWO)
    x21 = apply(x20, x1)
    x22 = power(x3, TWO)
    x23 = apply(x22, x21)
    x24 = size(x23)
    x25 = x19(x17)
    O = branch(x24, x25, x17)
    return O


def solve_spec_quick(I):
    x1 = objects(I, T, F, T)
    x2 = apply(ulcorner, x1)
    x3 = compose(sign, first)
    x4 = chain(even, identity, first)
    x5 = fork(subtract, first, last)
    x6 = apply(x3, x2)
    x7 = sfilter(x2, x4)
    x8 = apply(x5, x2)
    x9 = combine(x6, x8)
    x10 = size(x9)
    O = fill(I, x10, x7)
    return O


def solve_spec_quick_falls_back(I):
    x1 = objects(I, T, F, T)
    x2 = apply(ulcorner, x1)
    x3 = chain(even, first, last)
    x4 = apply(x3, x2)
    O = fill(I, ONE, x4)
    return O


def solve_spec_quick_centers(I):
    x1 = objects(I, T, T, T)
    x2 = compose(center, last)
    x3 = fork(subtract, first, x2)
    x4 = fork(add, center, ulcorner)
    x5 = lbind(astuple, UNITY)
    x6 = apply(x4, x1)
    x7 = compose(x3, x5)
    x8 = apply(x7, x1)
    x9 = apply(center, x1)
    x10 = combine(x6, x8)
    x11 = combine(x10, x9)
    x12 = shift(x11, TWO_BY_TWO)
    O = fill(I, FIVE, x12)
    return O
