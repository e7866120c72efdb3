from dsl import *

def solve_a(I):
    x1 = objects(I, T, F, T
    x2 = argmax(x1, size)
    x3 = fil(I, ONE, x2)
    x4 = fill(I, x2)
    x5 = fill(I, vmirror, x2)
    x4 = x9(x5)
    x6 = x1(I)
    O = hconcat(x4, x6)

def solve_a(I):
    x1 = rbind(fill, TWOO)
    x2 = x1(I)
    return x3
