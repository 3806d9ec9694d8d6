"""Generate src/median/median_networks.h: the sorting networks of the median filter.

Run `python tools/gen_median_networks.py > src/median/median_networks.h` after editing.

Algorithm ("sorted columns", as in Paeth / Adams 2021): each kh-sample column of the window is
sorted once per output row and shared by the kw outputs that read it; the median of the kh*kw
window is then selected from kw sorted columns by Batcher odd-even merges of the columns,
pruned backwards to the comparators the median actually depends on (a comparator whose min or
max output is unused computes only the other one). Padding wires are +inf sentinels, removed
symbolically. Every network is checked here on random inputs against numpy.median.
"""
import random

INF = "inf"


def _oddeven_merge(lo, hi, r):
    step = r * 2
    if step < hi - lo:
        yield from _oddeven_merge(lo, hi, step)
        yield from _oddeven_merge(lo + r, hi, step)
        for i in range(lo + r, hi - r, step):
            yield (i, i + r)
    else:
        yield (lo, lo + r)


def _oddeven_sort(lo, hi):
    if hi - lo >= 1:
        mid = lo + (hi - lo) // 2
        yield from _oddeven_sort(lo, mid)
        yield from _oddeven_sort(mid + 1, hi)
        yield from _oddeven_merge(lo, hi, 1)


def _p2(n):
    p = 1
    while p < n:
        p *= 2
    return p


class Net:
    """Symbolic wires: each holds an SSA variable id or the +inf sentinel."""

    def __init__(self):
        self.ops, self.nvar = [], 0

    def new(self):
        self.nvar += 1
        return self.nvar - 1

    def ce(self, a, b):
        if b == INF:
            return a, b
        if a == INF:
            return b, a
        mn, mx = self.new(), self.new()
        self.ops.append((mn, mx, a, b))
        return mn, mx

    def sort(self, wires):
        n, p = len(wires), _p2(len(wires))
        w = list(wires) + [INF] * (p - n)
        for i, j in _oddeven_sort(0, p - 1):
            w[i], w[j] = self.ce(w[i], w[j])
        return w[:n]

    def merge(self, a, b):
        p = _p2(max(len(a), len(b)))
        w = list(a) + [INF] * (p - len(a)) + list(b) + [INF] * (p - len(b))
        for i, j in _oddeven_merge(0, 2 * p - 1, 1):
            w[i], w[j] = self.ce(w[i], w[j])
        return w[:len(a) + len(b)]


def _prune(ops, needed):
    need, out = set(needed), []
    for mn, mx, a, b in reversed(ops):
        nm, nx = mn in need, mx in need
        if nm or nx:
            out.append((mn if nm else None, mx if nx else None, a, b))
            need.update((a, b))
    return out[::-1], need


def median_network(kh, kw):
    net = Net()
    cols = [[net.new() for _ in range(kh)] for _ in range(kw)]
    lists = [list(c) for c in cols]
    while len(lists) > 1:
        lists.sort(key=len)
        a, b = lists.pop(0), lists.pop(0)
        lists.append(net.merge(a, b))
    res = lists[0][(kh * kw - 1) // 2]
    ops, need = _prune(net.ops, [res])
    loads = [(j, i, cols[j][i]) for j in range(kw) for i in range(kh) if cols[j][i] in need]
    return loads, ops, res


def column_network(kh, ranks):
    net = Net()
    ins = [net.new() for _ in range(kh)]
    outs = net.sort(ins)
    ops, need = _prune(net.ops, [outs[r] for r in ranks])
    return [(i, v) for i, v in enumerate(ins) if v in need], ops, [(r, outs[r]) for r in ranks]


def _emit_ops(ops):
    lines = []
    for mn, mx, a, b in ops:
        if mn is not None:
            lines.append(f"VT t{mn} = MIN(t{a}, t{b});")
        if mx is not None:
            lines.append(f"VT t{mx} = MAX(t{a}, t{b});")
    return lines


def _schedule(loads, ops):
    """The same comparators in an order that keeps few values live (AVX2 has 16 vector
    registers; the 5x5 network in generation order peaks at 27 live values, this order at 22,
    and GCC spills accordingly less): greedily the ready comparator that adds the fewest live
    values (its outputs and loads minus operands at their last use), each load just before its
    first use. loads: [(line, var)], ops as _prune's. Returns the lines."""
    uses = {}
    for _, _, a, b in ops:
        for v in (a, b):
            uses[v] = uses.get(v, 0) + 1
    load_line = dict((v, line) for line, v in loads)
    avail, pending, lines = set(), list(ops), []

    def score(op):
        mn, mx, a, b = op
        freed = sum(1 for v in {a, b} if uses[v] == 1)
        loaded = sum(1 for v in {a, b} if v not in avail)
        return ((mn is not None) + (mx is not None) + loaded - freed, loaded)

    while pending:
        ready = [op for op in pending if all(v in avail or v in load_line for v in op[2:])]
        best = min(ready, key=score)
        pending.remove(best)
        mn, mx, a, b = best
        for v in (a, b):
            if v not in avail:
                lines.append(load_line[v])
                avail.add(v)
        lines += _emit_ops([best])
        for v in (a, b):
            uses[v] -= 1
        avail.update(v for v in (mn, mx) if v is not None)
    return lines


def _macro(name, lines):
    body = " \\\n    ".join(lines)
    return f"#define {name} do {{ \\\n    {body} \\\n}} while (0)\n"


def _run(ops, values):
    v = dict(values)
    for mn, mx, a, b in ops:
        if mn is not None:
            v[mn] = min(v[a], v[b])
        if mx is not None:
            v[mx] = max(v[a], v[b])
    return v


def _check(k):
    import numpy as np
    loads, ops, res = median_network(k, k)
    ranks = sorted({i for _, i, _ in loads})
    cins, cops, couts = column_network(k, ranks)
    rng = random.Random(k)
    for _ in range(3000):
        w = [[rng.randrange(6) for _ in range(k)] for _ in range(k)]  # w[row][col]
        sorted_cols = []
        for j in range(k):
            vals = _run(cops, {var: w[i][j] for i, var in cins})
            sorted_cols.append({r: vals[var] for r, var in couts})
        got = _run(ops, {var: sorted_cols[j][i] for j, i, var in loads})[res]
        assert got == np.median(np.array(w)), (k, w)


def main():
    out = ['/* Generated by tools/gen_median_networks.py -- do not edit. Sorting networks of the',
           '   median filter on vectors of type VT with lane-wise MIN(a, b) / MAX(a, b):',
           '   IMF_COLSORT_k sorts one k-sample column (L(i) loads row i, S(r, v) stores rank r);',
           '   IMF_MEDNET_kxk selects the median of k sorted columns (L(j, i) loads rank i of',
           '   column slot j) into R. Used by src/median/median_tmpl.h. */',
           '#ifndef IMFILT_MEDIAN_NETWORKS_H', '#define IMFILT_MEDIAN_NETWORKS_H', '']
    for k in (5, 7):
        _check(k)
        loads, ops, res = median_network(k, k)
        ranks = sorted({i for _, i, _ in loads})
        cins, cops, couts = column_network(k, ranks)
        nmm = sum((a is not None) + (b is not None) for a, b, _, _ in ops)
        ncm = sum((a is not None) + (b is not None) for a, b, _, _ in cops)
        out.append(f"/* {k}x{k}: {ncm} min/max per column sample, {nmm} per output */")
        lines = [f"VT t{v} = L({i});" for i, v in cins] + _emit_ops(cops)
        lines += [f"S({r}, t{v});" for r, v in couts]
        out.append(_macro(f"IMF_COLSORT_{k}(VT, MIN, MAX, L, S)", lines))
        lines = _schedule([(f"VT t{v} = L({j}, {i});", v) for j, i, v in loads], ops)
        lines.append(f"R = t{res};")
        out.append(_macro(f"IMF_MEDNET_{k}x{k}(VT, MIN, MAX, L, R)", lines))
    out.append("#endif")
    print("\n".join(out))


if __name__ == "__main__":
    main()
