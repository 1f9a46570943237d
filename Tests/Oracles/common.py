"""What the oracles share: HTTP over ledgerd's Unix socket, and RFC 6962's tree hash.

Python 3 standard library only; nothing here comes from ledgerd.
"""
import hashlib, http.client, json, socket


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def request(path, method, target, body=None):
    """One request on a new connection to the socket at `path`: (status, body bytes). A `body`
    is sent as JSON."""
    connection = _UnixConnection(path)
    data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
    headers = {"content-type": "application/json"} if data is not None else {}
    connection.request(method, target, body=data, headers=headers)
    response = connection.getresponse()
    answer = response.read()
    connection.close()
    return response.status, answer


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def tree_hash(leaves):
    """RFC 6962 section 2.1: the Merkle tree hash of a list of leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node(tree_hash(leaves[:k]), tree_hash(leaves[k:]))
