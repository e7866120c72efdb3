# Nested calls are flattened into temporaries; literals, continuation lines and
# comments are accepted as Python accepts them.
import dsl

def solve_nested(I):
    x1 = fill(I, -1, ofcolor(I, 3))
    x2 = rbind(fill, ZERO)(x1, ofcolor(x1, TWO))
    x3 = paint(
        x2,
        recolor(FIVE, asindices(x2)),
    )

    # a comment line inside the body
    x4 = hconcat(x3, \
                 x3)
    x5 = x4
    O = crop(x5, ORIGIN, astuple(TWO,
                                  THREE
    ))
    return O


def solve_return_call(I):
    return vmirror(hmirror(I))


def solve_return_input(I):
    return I
