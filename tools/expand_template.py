"""Expand a C template into its instances, with real (greppable, debuggable) names.

The one template mechanism of src/: a template `src/<family>/<name>_tmpl.h` lists its
instances once, in a comment block

    /* ...
       instances:
         WS=f32 W=float
         WS=f64 W=double
    */

and writes `@KEY@` wherever a value goes: `static void rows_@WS@(const @W@ *src, ...)`. The
build runs this script to write `<name>_instances.h` (into the build tree, on the include path
as `<family>/<name>_instances.h`): per instance, every `@KEY@` replaced by its value, and each
key also `#define`d around the instance for macros and `#if` tests inside the body. `#line`
directives keep compiler errors and debuggers pointing at the template's own lines.

    python tools/expand_template.py src/median/median_tmpl.h build/.../median_instances.h
"""
import re
import sys

_INSTANCES = re.compile(r"^\s*(?:/\*)?\s*instances:\s*$")
_PAIR = re.compile(r"^([A-Z][A-Z0-9_]*)=(\S+)$")
_PLACEHOLDER = re.compile(r"@([A-Z][A-Z0-9_]*)@")


def parse(text, path):
    """The template's instance list (a list of {key: value}) and its body lines."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if _INSTANCES.match(line)), None)
    if start is None:
        raise SystemExit(f"{path}: no 'instances:' block")
    instances = []
    i = start + 1
    while i < len(lines):
        line = lines[i].strip()
        end = line.endswith("*/")
        line = line[:-2].strip() if end else line
        if line:
            pairs = [_PAIR.match(tok) for tok in line.split()]
            if not all(pairs):
                raise SystemExit(f"{path}:{i + 1}: expected KEY=value pairs, got {line!r}")
            instances.append({m.group(1): m.group(2) for m in pairs})
        i += 1
        if end or not line:
            break
    if not instances:
        raise SystemExit(f"{path}: the 'instances:' block is empty")
    keys = set(instances[0])
    for n, inst in enumerate(instances):
        if set(inst) != keys:
            raise SystemExit(f"{path}: instance {n + 1} has keys {sorted(inst)}, "
                             f"the first has {sorted(keys)}")
    return instances, lines


def expand(path, out_path):
    text = open(path, encoding="utf-8").read()
    instances, lines = parse(text, path)
    used = set(_PLACEHOLDER.findall(text))
    unknown = used - set(instances[0])
    if unknown:
        raise SystemExit(f"{path}: @{'@, @'.join(sorted(unknown))}@ not set by the instances")
    out = [f"/* Generated from {path} by tools/expand_template.py -- edit the template. */"]
    src = path.replace("\\", "/")
    for inst in instances:
        out += [f"#define {k} {v}" for k, v in inst.items()]
        out.append(f'#line 1 "{src}"')
        out += [_PLACEHOLDER.sub(lambda m: inst[m.group(1)], line) for line in lines]
        out += [f"#undef {k}" for k in inst]
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    expand(sys.argv[1], sys.argv[2])
