from dsl import *

def batt(task_id, S, I, C, log_path):
    s = []
    o = []
    try:
        t1 = rot90(I)
    except (TypeError, AttributeError, ValueError, IndexError, KeyError):
        t1 = _get_safe_default(rot90)
    t2 = hconcat(t1, C)
    o.append((2, False, 'a85d4709', t2))
    o.append((3, False, 'a85d4709', t3))
    o.append((1, False, a85d4709, t1))
    t4 = nosuchprimitive(t1)
    o.append((4, True, '3c9b0459', t4))
    return o
