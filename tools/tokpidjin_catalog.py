#!/usr/bin/env python3
"""Writes runtime/tokpidjin.yaml, the catalogue of the tokpidjin dialect.

  python3 tools/tokpidjin_facts.py --tokpidjin DIR --arcdsl ARCDSL --json > facts.json
  python3 tools/tokpidjin_catalog.py facts.json runtime/dsl.yaml > runtime/tokpidjin.yaml

Every public primitive and constant of tokpidjin's dsl.py / constants.py (the facts file),
with its parameters and result under tokpidjin's own type names (arc_types.py), the typed
default it returns instead of failing, and, for the primitives arc-dsl has under the same
name and arity, arc-dsl's `calls` / `makes` (how they call and build functions). Parameters
with a default value (`key=identity`) are `optional`.
"""
import json
import re
import sys

import yaml

DEFAULTS = {'()': 'tuple', 'frozenset()': 'frozenset', '0': 'zero', 'False': 'false', 'fn returning ()': 'fn'}

# tokpidjin's type names (arc_types.py, plus the four it uses without defining) as the
# catalogue's types: `is` a broader type, or a `union`.
TYPES = [
    ('Any', None), ('Integer', None), ('Boolean', 'Integer'), ('C_', 'Integer'), ('FL', 'Integer'),
    ('F_', 'Integer'), ('I_', 'Integer'), ('J_', 'Integer'), ('R4', 'Integer'), ('R8', 'Integer'),
    ('A4', 'Integer'), ('A8', 'Integer'), ('Container', ['Tuple', 'FrozenSet']), ('Tuple', 'Container'),
    ('FrozenSet', 'Container'), ('ContainerContainer', 'Container'), ('IJ', 'Tuple'),
    ('Numerical', ['Integer', 'IJ']), ('IntegerSet', 'FrozenSet'), ('Grid', 'Tuple'),
    ('Samples', 'Tuple'), ('Cell', 'Tuple'), ('TTT_iii', 'Tuple'), ('TupleTuple', 'Tuple'),
    ('Object', 'FrozenSet'), ('Objects', 'FrozenSet'), ('Indices', 'FrozenSet'),
    ('IndicesSet', 'FrozenSet'), ('Patch', ['Object', 'Indices']), ('Callable', None),
]


def params_of(sig):
    m = re.match(r'\((.*)\)(?: -> (.*))?$', sig)
    out = []
    for p in [p.strip() for p in m.group(1).split(',') if p.strip()]:
        if '=' in p:
            name, dflt = p.split('=')
            out.append(('Any', dflt.strip()))
        elif ':' in p:
            out.append((p.split(':')[1].strip(), None))
        else:
            out.append(('Any', None))
    ret = m.group(2) or 'Any'
    return out, ('Any' if ret == 'None' else ret)


def flow(d):
    return '{' + ', '.join(f'{k}: {v}' for k, v in d.items()) + '}'


def main():
    facts = json.load(open(sys.argv[1]))
    arc = {p['name']: p for p in yaml.safe_load(open(sys.argv[2]))['primitives']}
    print('# runtime/tokpidjin.yaml: the catalogue of the tokpidjin dialect (docs/tokpidjin.md), written by')
    print('# tools/tokpidjin_catalog.py from the facts of tokpidjin\'s dsl.py and constants.py at efd7dc4.')
    print('# Its primitives are the runtime\'s under the prefix tk_; each returns its `default` instead')
    print('# of failing. `optional`: trailing parameters a call may leave out, with the primitive they')
    print('# then take. Types are tokpidjin\'s own names (arc_types.py).')
    print()
    print('dialect: tokpidjin')
    print('prefix: tk_')
    print('defaults: true')
    print()
    print('types:')
    for name, t in TYPES:
        if t is None:
            print(f'  - {{name: {name}}}')
        elif isinstance(t, list):
            print(f'  - {{name: {name}, union: [{", ".join(t)}]}}')
        else:
            print(f'  - {{name: {name}, is: {t}}}')
    print()
    print('primitives:')
    for f in sorted(facts['functions'], key=lambda f: f['name']):
        params, ret = params_of(f['signature'])
        e = {'name': f['name'], 'params': '[' + ', '.join(p for p, _ in params) + ']', 'result': ret,
             'default': DEFAULTS[f['default']]}
        opt = [d for _, d in params if d]
        if opt:
            e['optional'] = '[' + ', '.join(opt) + ']'
        a = arc.get(f['name'])
        if a and len(a['params']) == len(params) and all(
                c == '_' or params[k][0] == 'Callable' for k, c in enumerate(a.get('calls', []))):
            props = [p for p in a.get('props', []) if p in ('calls_fn', 'makes_fn')]
            if props:
                e['props'] = '[' + ', '.join(props) + ']'
            if 'calls' in a:
                e['calls'] = '[' + ', '.join(str(c) for c in a['calls']) + ']'
            if 'makes' in a:
                e['makes'] = flow(a['makes'])
        print(f'  - {flow(e)}')
    print('  - {name: default, params: [Any], result: Tuple, default: tuple, props: [internal]}')
    print()
    print('constants:')
    for c in facts['constants']:
        v = c['value']
        if isinstance(v, bool):
            t, txt = 'Boolean', 'true' if v else 'false'
        elif isinstance(v, int):
            t, txt = 'Integer', str(v)
        else:
            t, txt = 'IJ', f'[{v[0]}, {v[1]}]'
        print(f'  - {{name: {c["name"]}, type: {t}, value: {txt}}}')


main()
