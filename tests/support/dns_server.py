"""A DNS server on loopback (UDP) answering TXT queries from a dictionary, for domain checks."""

from __future__ import annotations

import socket
import threading

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset


class LoopbackDns:
    """``records[name] = [text, ...]``; other names answer NXDOMAIN."""

    def __init__(self):
        self.records: dict[str, list[str]] = {}
        self.queries: list[str] = []
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self._socket.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> LoopbackDns:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._socket.close()

    def _serve(self) -> None:
        while True:
            try:
                wire, client = self._socket.recvfrom(4096)
            except OSError:
                return  # closed
            query = dns.message.from_wire(wire)
            response = dns.message.make_response(query)
            for question in query.question:
                name = question.name.to_text(omit_final_dot=True).lower()
                self.queries.append(name)
                texts = self.records.get(name)
                if texts and question.rdtype == dns.rdatatype.TXT:
                    response.answer.append(
                        dns.rrset.from_text_list(
                            question.name, 60, "IN", "TXT", [f'"{text}"' for text in texts]
                        )
                    )
                else:
                    response.set_rcode(dns.rcode.NXDOMAIN)
            self._socket.sendto(response.to_wire(), client)
