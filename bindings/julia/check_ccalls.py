#!/usr/bin/env python3
"""Checks that every `ccall` in the Julia module names a function of include/annoy.h with the
same return type and argument types (Julia cannot be installed where the suite runs, so this
is what can be tested of the binding). Parses both files; exits non-zero on any mismatch.

Usage: check_ccalls.py [src/Annoy.jl] [include/annoy.h]
"""
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
JULIA = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "src" / "Annoy.jl"
HEADER = Path(sys.argv[2]) if len(sys.argv) > 2 else HERE.parent.parent / "include" / "annoy.h"

# Julia types and the C types each may stand for (const is ignored on pointers' targets only
# where Julia cannot say it: a Ptr passed in is the same argument either way).
SCALARS = {
    "Cint": {"enum annoy_status"},
    "Int32": {"int32_t"},
    "UInt32": {"uint32_t"},
    "Int64": {"int64_t"},
    "UInt64": {"uint64_t"},
    "Csize_t": {"size_t"},
    "Bool": {"bool"},
    "Cfloat": {"float"},
    "Float32": {"float"},
    "Cvoid": {"void"},
    "Cstring": {"const char *", "char *"},
    "CIndex": {"struct annoy_index"},
    "CError": {"struct annoy_error"},
}


def c_types(jl):
    """The C spellings a Julia argument type matches, const stripped."""
    jl = jl.strip()
    m = re.fullmatch(r"(?:Ptr|Ref)\{(.+)\}", jl)
    if m:
        return {t + " *" for t in c_types(m.group(1))}
    if jl not in SCALARS:
        raise ValueError(f"unknown Julia type {jl!r}")
    return SCALARS[jl]


def normalise_c(t):
    t = re.sub(r"\s+", " ", t.strip())
    t = re.sub(r"\s*\*", " *", t).replace("* *", "**").replace("**", "* *")
    # const on the pointee of a pointer argument is not expressible in ccall's types
    if "*" in t and t != "const char *":
        t = t.replace("const ", "")
    return t


def parse_header(text):
    text = re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.S)
    protos = {}
    for m in re.finditer(r"^([A-Za-z_][\w ]*?[\s*]+)(annoy_\w+)\(([^)]*)\);", text, re.M):
        ret, name, args = m.groups()
        params = []
        if args.strip() != "void":
            for a in args.split(","):
                a = a.strip()
                am = re.fullmatch(r"(.*?[\s*])(\w+)", a)
                if not am:
                    raise ValueError(f"{name}: cannot parse parameter {a!r}")
                params.append(normalise_c(am.group(1)))
        protos[name] = (normalise_c(ret), params)
    return protos


def split_top(s):
    """Splits on commas outside braces and parentheses."""
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def parse_ccalls(text):
    calls = []
    for m in re.finditer(r"ccall\(", text):
        i, depth = m.end(), 1
        while depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        parts = split_top(text[m.end():i - 1])
        line = text.count("\n", 0, m.start()) + 1
        fm = re.fullmatch(r"\(:(\w+),\s*libannoy\)", parts[0])
        if not fm:
            raise ValueError(f"line {line}: ccall target {parts[0]!r} is not (:name, libannoy)")
        argtypes = parts[2].strip()
        if not (argtypes.startswith("(") and argtypes.endswith(")")):
            raise ValueError(f"line {line}: argument types {argtypes!r} are not a tuple")
        types = split_top(argtypes[1:-1])
        values = parts[3:]
        calls.append((line, fm.group(1), parts[1], types, values))
    return calls


def main():
    protos = parse_header(HEADER.read_text())
    calls = parse_ccalls(JULIA.read_text())
    errors = []
    for line, name, ret, types, values in calls:
        where = f"{JULIA.name}:{line} {name}"
        if name not in protos:
            errors.append(f"{where}: not declared in {HEADER.name}")
            continue
        c_ret, c_params = protos[name]
        if c_ret not in c_types(ret):
            errors.append(f"{where}: returns {ret}, header says {c_ret}")
        if len(types) != len(c_params):
            errors.append(f"{where}: {len(types)} argument types, header has {len(c_params)}")
        for k, (jl, c) in enumerate(zip(types, c_params), 1):
            if c not in c_types(jl):
                errors.append(f"{where}: argument {k} is {jl}, header says {c}")
        if len(values) != len(types):
            errors.append(f"{where}: {len(values)} values passed for {len(types)} argument types")
    for e in errors:
        print("check_ccalls:", e, file=sys.stderr)
    if not calls:
        errors.append("no ccall found")
    if errors:
        return 1
    names = sorted({c[1] for c in calls})
    print(f"check_ccalls: {len(calls)} ccalls of {len(names)} functions match {HEADER.name}: "
          + ", ".join(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
