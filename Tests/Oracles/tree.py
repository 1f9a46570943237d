#!/usr/bin/env python3
"""The tree, the proofs and the checkpoint of contract section 8, checked independently of ledgerd.

Usage: tree.py SOCKET ORIGIN PROOFS

Against the ledger served on SOCKET: recomputes every leaf and the RFC 6962 root from the
canonical lines of `GET /v1/events`; checks that `GET /v1/checkpoint` is a C2SP tlog-checkpoint
(ORIGIN, the tree size, that root) signed as a C2SP signed note by the key of
`GET /v1/checkpoint/verifier` (its key id recomputed, its Ed25519 signature verified with RFC
8032's reference algorithm); and verifies PROOFS random inclusion proofs and as many consistency
proofs, plus the edge cases, with the RFC 9162 verification algorithms (sections 2.1.3.2 and
2.1.4.2). Exit status 0 when everything holds; the last line is a JSON summary. Python 3
standard library only (it shares no code with ledgerd).
"""
import base64, hashlib, json, random, sys

from common import node, request, tree_hash

SOCK, ORIGIN, PROOFS = sys.argv[1], sys.argv[2], int(sys.argv[3])


def get(target):
    return request(SOCK, "GET", target)


def shift_to_set_bit(fn, sn):
    """RFC 9162's shared step: right-shift fn and sn together until fn's lowest bit is set or fn is 0."""
    while fn % 2 == 0 and fn != 0:
        fn >>= 1
        sn >>= 1
    return fn, sn


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node(p, r)
            fn, sn = shift_to_set_bit(fn, sn)
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, proof, first_root, second_root):
    """RFC 9162 section 2.1.4.2 (with first = second: an empty proof and equal roots)."""
    if first == second:
        return proof == [] and first_root == second_root
    if not proof:
        return False
    if first & (first - 1) == 0:
        proof = [first_root] + proof
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            fn, sn = shift_to_set_bit(fn, sn)
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


# Ed25519 verification, after RFC 8032 section 6 (points in extended coordinates).
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def point_add(a, b):
    x = (a[1] - a[0]) * (b[1] - b[0]) % P
    y = (a[1] + a[0]) * (b[1] + b[0]) % P
    c = 2 * a[3] * b[3] * D % P
    d = 2 * a[2] * b[2] % P
    e, f, g, h = y - x, d - c, d + c, y + x
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def point_mul(k, a):
    q = (0, 1, 1, 0)
    while k > 0:
        if k & 1:
            q = point_add(q, a)
        a = point_add(a, a)
        k >>= 1
    return q


def point_equal(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % P == 0 and (a[1] * b[2] - b[1] * a[2]) % P == 0


def recover_x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    return P - x if (x & 1) != sign else x


def point_decompress(b):
    y = int.from_bytes(b, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    x = recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % P)


BASE = point_decompress((4 * pow(5, P - 2, P) % P).to_bytes(32, "little"))


def ed25519_verify(public, message, signature):
    if len(public) != 32 or len(signature) != 64:
        return False
    a, r = point_decompress(public), point_decompress(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % L
    return point_equal(point_mul(s, BASE), point_add(r, point_mul(h, a)))


failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAILED:", what)


# The leaves and the root, from the lines alone.
status, body = get("/v1/events?limit=10000")
lines = [l for l in body.split(b"\n") if l]
assert status == 200 and len(lines) < 10000, "the log must fit one page of GET /v1/events"
leaves = [hashlib.sha256(b"\x00" + l).digest() for l in lines]
size = len(leaves)
roots = [tree_hash(leaves[:k]) for k in range(size + 1)]

# The verifier key: <name>+<hex key id>+<base64(0x01 || Ed25519 public key)> (C2SP signed-note).
_, key = get("/v1/checkpoint/verifier")
name, key_id, key_data = key.decode().strip().split("+", 2)  # the base64 may hold "+"
raw = base64.b64decode(key_data)
check(name == ORIGIN, f"the key's name is {name!r}, not the origin {ORIGIN!r}")
check(len(raw) == 33 and raw[0] == 1, "the key is not an Ed25519 key (type 0x01, 32 bytes)")
expected_id = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
check(key_id == expected_id.hex(), f"the key id {key_id} is not SHA-256(name || 0x0A || key)[:4]")

# The checkpoint: the body (origin, size, root, each ending in a newline), a blank line, and
# signature lines "— <name> <base64(key id || signature)>".
_, note = get("/v1/checkpoint")
note = note.decode()
text, _, signatures = note.partition("\n\n")
text += "\n"
body_lines = text.split("\n")[:-1]
check(body_lines == [ORIGIN, str(size), base64.b64encode(roots[size]).decode()],
      f"the checkpoint body {body_lines} is not [origin, size, root of the {size} lines]")
check(note.endswith("\n") and signatures, "the note has no signature lines or no final newline")
signed = []
for line in signatures.split("\n")[:-1]:
    prefix, _, rest = line.partition(" ")
    signer, _, blob = rest.partition(" ")
    check(prefix == "\u2014", f"a signature line does not start with an em dash: {line!r}")
    blob = base64.b64decode(blob)
    if signer == name and blob[:4] == expected_id:
        signed.append(blob[4:])
check(len(signed) == 1 and len(signed[0]) == 64, "no 64-byte signature by the verifier key")
verified = bool(signed) and ed25519_verify(raw[1:], text.encode(), signed[0])
check(verified, "the Ed25519 signature does not verify")
# The verification itself must be able to fail: the same signature over another size must not verify.
altered = text.replace(f"\n{size}\n", f"\n{size + 1}\n").encode()
check(not (signed and ed25519_verify(raw[1:], altered, signed[0])), "a signature verified over an altered checkpoint")

# Proofs: random ones, and the edges (first and last leaf, the whole tree, powers of two).
rng = random.Random(size)
pairs = [(1, size), (size, size), (1, 1)] + [(k, size) for k in (1, 2, 4, 8, 16, 32, 64) if k <= size]
pairs += [(lambda n: (rng.randrange(1, n + 1), n))(rng.randrange(1, size + 1)) for _ in range(PROOFS)]
for seq, n in pairs:
    status, body = get(f"/v1/proofs/inclusion?seq={seq}&size={n}")
    answer = json.loads(body)
    proof = [base64.b64decode(p) for p in answer.get("proof", [])]
    check(status == 200 and answer.get("index") == seq - 1 and answer.get("size") == n
          and verify_inclusion(seq - 1, n, leaves[seq - 1], proof, roots[n]), f"inclusion seq={seq} size={n}")
for first, second in pairs:
    status, body = get(f"/v1/proofs/consistency?from={first}&to={second}")
    answer = json.loads(body)
    proof = [base64.b64decode(p) for p in answer.get("proof", [])]
    check(status == 200 and answer.get("from") == first and answer.get("to") == second
          and verify_consistency(first, second, proof, roots[first], roots[second]),
          f"consistency from={first} to={second}")
for path in ["/v1/proofs/inclusion?seq=0", f"/v1/proofs/inclusion?seq={size + 1}",
             "/v1/proofs/inclusion?seq=2&size=1", "/v1/proofs/consistency?from=2&to=1",
             f"/v1/proofs/consistency?from=1&to={size + 1}"]:
    status, body = get(path)
    check(status == 400 and json.loads(body).get("code") == "invalid-query", f"{path} is not 400 invalid-query")

print(json.dumps({"size": size, "inclusion": len(pairs), "consistency": len(pairs), "signature": verified,
                  "failures": len(failures)}))
sys.exit(1 if failures else 0)
