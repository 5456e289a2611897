"""Runs the canonical ABI reference (definitions.py) on cases from stdin.

Usage: python3 spec_harness.py <dir containing definitions.py> < cases.json

Input: {"cases": [...]}. A case {"type": <Weft ValType as JSON>, "value":
<wire value>, "encoding": ...} gets the flat values, memory bytes and
realloc calls of `lower_flat` and of `store` (a JS string lowers as the spec's source encoding
'utf16', or 'utf8' into a UTF-8 destination, which gives one exact allocation as hosts do; with "source": {"encoding", "utf16"} every string lowers as a string
from another guest in that source encoding, forced to UTF-16 in
'latin1+utf16' when "utf16" is true). A case {"mode": "lift", "type",
"encoding", "memory": <hex prefix of a 64 KiB memory>, "flat": [...], "ptr"}
gets the values (or traps) of `lift_flat` and of `load`; with "interchange":
true a lifted string is its whole [text, encoding, tagged code units] triple.
"""
import json
import struct
import sys

sys.path.insert(0, sys.argv[1])
import definitions  # noqa: E402
from definitions import *  # noqa: E402,F401,F403

definitions.DETERMINISTIC_PROFILE = True
MEMORY_SIZE = 1 << 16
# The current case's string source (lowering) and whether strings lift as triples.
SOURCE = None
DEST = None
INTERCHANGE = False


class Heap:
  """A bump allocator; freed bytes are zeroed so dead memory compares equal."""

  def __init__(self):
    self.memory = bytearray(MEMORY_SIZE)
    self.last = 0
    self.calls = []

  def realloc(self, args):
    old, old_size, align, new_size = args
    self.calls.append(list(args))
    if old != 0 and new_size < old_size:
      self.memory[old + new_size:old + old_size] = bytes(old_size - new_size)
      return [old]
    ret = align_to(self.last, align)
    self.last = ret + new_size
    if self.last > len(self.memory):
      trap()
    self.memory[ret:ret + old_size] = self.memory[old:old + old_size]
    self.memory[old:old + old_size] = bytes(old_size)
    return [ret]


def to_type(t):
  k = t['kind']
  simple = {
    'bool': BoolType, 's8': S8Type, 'u8': U8Type, 's16': S16Type, 'u16': U16Type,
    's32': S32Type, 'u32': U32Type, 's64': S64Type, 'u64': U64Type, 'f32': F32Type,
    'f64': F64Type, 'char': CharType, 'string': StringType,
  }
  if k in simple:
    return simple[k]()
  if k == 'list':
    return ListType(to_type(t['element']), t.get('length'))
  if k == 'record':
    return RecordType([FieldType(f['name'], to_type(f['type'])) for f in t['fields']])
  if k == 'tuple':
    return TupleType([to_type(x) for x in t['types']])
  if k == 'variant':
    return VariantType([CaseType(c['name'], opt_type(c.get('type'))) for c in t['cases']])
  if k == 'enum':
    return EnumType(list(t['labels']))
  if k == 'option':
    return OptionType(to_type(t['type']))
  if k == 'result':
    return ResultType(opt_type(t.get('ok')), opt_type(t.get('err')))
  if k == 'map':
    return MapType(to_type(t['key']), to_type(t['value']))
  if k == 'flags':
    return FlagsType(list(t['labels']))
  raise ValueError('unsupported type ' + k)


def opt_type(t):
  return None if t is None else to_type(t)


def to_value(t, w):
  k = t['kind']
  if k == 'bool':
    return bool(w)
  if k in ('s8', 'u8', 's16', 'u16', 's32', 'u32', 's64', 'u64'):
    return int(w)
  if k == 'f32':
    return struct.unpack('<f', struct.pack('<I', int(w)))[0]
  if k == 'f64':
    return struct.unpack('<d', struct.pack('<Q', int(w)))[0]
  if k == 'char':
    return w
  if k == 'string':
    return source_string(w)
  if k == 'list':
    return [to_value(t['element'], x) for x in w]
  if k == 'record':
    return {f['name']: to_value(f['type'], w[f['name']]) for f in t['fields']}
  if k == 'tuple':
    return {str(i): to_value(x, w[i]) for i, x in enumerate(t['types'])}
  if k == 'variant':
    case = next(c for c in t['cases'] if c['name'] == w['tag'])
    ct = case.get('type')
    return {case['name']: None if ct is None else to_value(ct, w['val'])}
  if k == 'enum':
    return {w: None}
  if k == 'option':
    return {'none': None} if w['tag'] == 'none' else {'some': to_value(t['type'], w['val'])}
  if k == 'result':
    if w['tag'] == 'ok':
      return {'ok': None if t.get('ok') is None else to_value(t['ok'], w['val'])}
    return {'error': None if t.get('err') is None else to_value(t['err'], w['val'])}
  if k == 'flags':
    return {l: (l in w) for l in t['labels']}
  if k == 'map':
    return [{'0': to_value(t['key'], kv[0]), '1': to_value(t['value'], kv[1])} for kv in w]
  raise ValueError('unsupported type ' + k)


def source_string(w):
  """The spec's String triple for `w` in the current case's source encoding."""
  utf16_units = len(w.encode('utf-16-le')) // 2
  if SOURCE is None and DEST == 'utf8':
    return (w, 'utf8', len(w.encode('utf-8')))
  if SOURCE is None or SOURCE['encoding'] == 'utf16':
    return (w, 'utf16', utf16_units)
  if SOURCE['encoding'] == 'utf8':
    return (w, 'utf8', len(w.encode('utf-8')))
  if not SOURCE['utf16'] and all(ord(c) < 256 for c in w):
    return (w, 'latin1+utf16', len(w))
  return (w, 'latin1+utf16', utf16_units | utf16_tag('i32'))


def encode_flat(ft, v):
  if ft == 'i32':
    assert 0 <= v < 2**32
    return v
  if ft == 'i64':
    assert 0 <= v < 2**64
    return str(v)
  if ft == 'f32':
    return struct.unpack('<I', struct.pack('<f', v))[0]
  return str(struct.unpack('<Q', struct.pack('<d', v))[0])


def context(heap, encoding):
  opts = CanonicalOptions()
  opts.memory = MemInst(heap.memory, 'i32')
  opts.string_encoding = encoding
  opts.realloc = heap.realloc
  return LiftLowerContext(opts, ComponentInstance(Store()))


def run(case):
  global SOURCE, DEST
  SOURCE = case.get('source')
  DEST = case['encoding']
  t = to_type(case['type'])
  v = to_value(case['type'], case['value'])
  out = {}
  heap = Heap()
  cx = context(heap, case['encoding'])
  try:
    flat = lower_flat(cx, v, t)
    types = flatten_type(t, cx.opts)
    out['flat'] = [encode_flat(ft, x) for ft, x in zip(types, flat, strict=True)]
    out['flatMemory'] = heap.memory[:heap.last].hex()
  except Trap:
    out['flat'] = 'trap'
  out['flatCalls'] = heap.calls
  heap = Heap()
  cx = context(heap, case['encoding'])
  try:
    [ptr] = heap.realloc([0, 0, alignment(t, 'i32'), elem_size(t, 'i32')])
    store(cx, v, t, ptr)
    out['ptr'] = ptr
    out['memory'] = heap.memory[:heap.last].hex()
  except Trap:
    out['memory'] = 'trap'
  out['calls'] = heap.calls
  return out


def from_value(t, v):
  """A lifted reference value in the wire form."""
  k = t['kind']
  if k in ('s64', 'u64'):
    return str(v)
  if k == 'f32':
    return struct.unpack('<I', struct.pack('<f', v))[0]
  if k == 'f64':
    return str(struct.unpack('<Q', struct.pack('<d', v))[0])
  if k == 'string':
    return list(v) if INTERCHANGE else v[0]
  if k == 'list':
    return [from_value(t['element'], x) for x in v]
  if k == 'record':
    return {f['name']: from_value(f['type'], v[f['name']]) for f in t['fields']}
  if k == 'tuple':
    return [from_value(x, v[str(i)]) for i, x in enumerate(t['types'])]
  if k == 'variant':
    [(label, x)] = v.items()
    case = next(c for c in t['cases'] if c['name'] == label)
    ct = case.get('type')
    return {'tag': label} if ct is None else {'tag': label, 'val': from_value(ct, x)}
  if k == 'enum':
    [label] = v.keys()
    return label
  if k == 'option':
    if 'none' in v:
      return {'tag': 'none'}
    return {'tag': 'some', 'val': from_value(t['type'], v['some'])}
  if k == 'result':
    [(label, x)] = v.items()
    tag, p = ('ok', t.get('ok')) if label == 'ok' else ('err', t.get('err'))
    return {'tag': tag} if p is None else {'tag': tag, 'val': from_value(p, x)}
  if k == 'flags':
    return [l for l in t['labels'] if v[l]]
  if k == 'map':
    return [[from_value(t['key'], e['0']), from_value(t['value'], e['1'])] for e in v]
  return v


def decode_flat(ft, w):
  if ft in ('i32', 'i64'):
    return int(w)
  if ft == 'f32':
    return struct.unpack('<f', struct.pack('<I', int(w)))[0]
  return struct.unpack('<d', struct.pack('<Q', int(w)))[0]


def run_lift(case):
  """Lifts flat values and loads from given memory bytes; reports values or traps."""
  global INTERCHANGE
  INTERCHANGE = case.get('interchange', False)
  t = to_type(case['type'])
  memory = bytearray.fromhex(case['memory'])
  memory += bytes(MEMORY_SIZE - len(memory))
  opts = CanonicalOptions()
  opts.memory = MemInst(memory, 'i32')
  opts.string_encoding = case['encoding']
  cx = LiftLowerContext(opts, ComponentInstance(Store()))
  out = {}
  types = flatten_type(t, opts)
  values = [decode_flat(ft, w) for ft, w in zip(types, case['flat'], strict=True)]
  try:
    out['lifted'] = from_value(case['type'], lift_flat(cx, CoreValueIter(values), t))
  except Trap:
    out['lifted'] = 'trap'
  try:
    out['loaded'] = from_value(case['type'], load(cx, case['ptr'], t))
  except Trap:
    out['loaded'] = 'trap'
  return out


def main():
  cases = json.load(sys.stdin)['cases']
  results = [run_lift(c) if c.get('mode') == 'lift' else run(c) for c in cases]
  json.dump({'results': results}, sys.stdout)


main()
