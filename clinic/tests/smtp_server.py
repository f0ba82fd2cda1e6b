"""A tiny SMTP server on a real socket, in a thread, for the tests of hung sends.

``silent``: accepts connections and never says a word (a mail server that hangs). ``answering``:
speaks just enough SMTP (greeting, EHLO, MAIL, RCPT, DATA, QUIT) to take messages, which it keeps
in ``received``. ``silent_first`` connections are silent whatever the mode. The mode can change
while it runs; ``close()`` drops every connection, which also frees a client still waiting on it.
"""

import socket
import threading
import time


class TinySMTPServer:
    def __init__(self, *, mode: str = "silent", silent_first: int = 0, answer_delay: float = 0.0):
        self.mode = mode
        self.silent_first = silent_first
        self.answer_delay = answer_delay  # seconds before it accepts each message (a slow server)
        self.received: list[bytes] = []
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open: list[socket.socket] = []
        self._closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closing:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            self._open.append(conn)
            if self.mode == "answering" and self.connections > self.silent_first:
                threading.Thread(target=self._converse, args=(conn,), daemon=True).start()
            # silent: keep the socket open and never answer

    def _converse(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")
        try:
            conn.sendall(b"220 tiny ESMTP\r\n")
            for line in reader:
                command = line.strip().upper()
                if command.startswith((b"EHLO", b"HELO")):
                    conn.sendall(b"250 tiny\r\n")
                elif command.startswith((b"MAIL", b"RCPT", b"RSET", b"NOOP")):
                    conn.sendall(b"250 OK\r\n")
                elif command == b"DATA":
                    conn.sendall(b"354 go on\r\n")
                    body = []
                    for data_line in reader:
                        if data_line == b".\r\n":
                            break
                        body.append(data_line)
                    time.sleep(self.answer_delay)
                    self.received.append(b"".join(body))
                    conn.sendall(b"250 queued\r\n")
                elif command == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"502 no\r\n")
        except OSError:
            return
        finally:
            conn.close()

    def close(self) -> None:
        self._closing = True
        self._listener.close()
        for conn in self._open:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()
