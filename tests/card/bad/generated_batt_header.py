def batt(task_id, S, I):
    t1 = rot90(I)
    o.append((1, False, 'a85d4709', t1))
    return o, s
