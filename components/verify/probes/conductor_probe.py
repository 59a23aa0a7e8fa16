"""TCP handshake from a conductor unit to the management cluster's API.

Usage: python3 - ADDRESS PORT TIMEOUT_SECONDS  (the program arrives on standard input)

Prints one JSON line: {"probe": "tcp", "outcome": connected|refused|timeout|error, "ms": N,
"source": the connection's local address (getsockname) when connected, "error": the reason}.
The source is what the security group sees when the unit is not behind NAT.
"""

import json
import socket
import sys
import time
from typing import Dict, List, Union


def probe(address: str, port: int, timeout: float) -> Dict[str, Union[str, int]]:
    result: Dict[str, Union[str, int]] = {"probe": "tcp"}
    began = time.monotonic()
    try:
        sock = socket.create_connection((address, port), timeout=timeout)
        result["outcome"], result["source"] = "connected", sock.getsockname()[0]
        sock.close()
    except socket.timeout:
        result["outcome"] = "timeout"
    except ConnectionRefusedError:
        result["outcome"] = "refused"
    except OSError as err:
        result["outcome"], result["error"] = "error", str(err)
    result["ms"] = round((time.monotonic() - began) * 1000)
    return result


def main(argv: List[str]) -> int:
    if len(argv) != 4:
        print(json.dumps({"probe": "tcp", "outcome": "error", "ms": 0,
                          "error": "usage: conductor_probe ADDRESS PORT TIMEOUT_SECONDS"}))
        return 0
    print(json.dumps(probe(argv[1], int(argv[2]), float(argv[3]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
