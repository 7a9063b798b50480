"""docs/contract.md section 9 limits against hostile input: the batch bound,
the message size bound, invalid UTF-8 in a string field, and many idle
connections."""
import socket
import time
import unittest

import grpc

from harness import LedgerError, ServerTestCase, load_stubs, purchase

# tools/ledgerd/server.h: kMaxReceiveBytes.
MAX_RECEIVE_BYTES = 16 * 1024 * 1024


def raw_call(address, method, payload, timeout=10):
    """Sends `payload` unparsed as the request of `method`; returns the
    status code and its message."""
    with grpc.insecure_channel(address) as channel:
        call = channel.unary_unary(f"/ledger.v1.LedgerService/{method}",
                                   request_serializer=lambda b: b,
                                   response_deserializer=lambda b: b)
        try:
            call(payload, timeout=timeout)
            return grpc.StatusCode.OK, ""
        except grpc.RpcError as e:
            return e.code(), e.details()


def raw_submit(address, payload, timeout=10):
    """Sends `payload` as the bytes of a SubmitRequest, unparsed."""
    return raw_call(address, "Submit", payload, timeout)[0]


def field(number, data):
    """A length-delimited protobuf field (lengths here are < 128)."""
    assert len(data) < 128
    return bytes([number << 3 | 2, len(data)]) + data


class HostileInput(ServerTestCase):

    def test_a_batch_of_10001_commands_is_invalid_argument_and_applies_nothing(self):
        c = self.client(self.start(), max_attempts=1, timeout=60)
        commands = [purchase(f"k{i}", customer=f"c{i}") for i in range(10001)]
        with self.assertRaises(LedgerError) as caught:
            c.submit_batch(commands)
        self.assertEqual(caught.exception.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(list(c.events(from_seq=1)), [])
        self.assertEqual(len(c.submit_batch(commands[:10000])), 10000)

    def test_a_message_over_the_receive_limit_is_refused(self):
        server = self.start()
        stubs = load_stubs()
        big = stubs["command_pb2"].Command(key="k" * (MAX_RECEIVE_BYTES + 1))
        request = stubs["service_pb2"].SubmitRequest(command=big)
        code = raw_submit(server.address, request.SerializeToString(), timeout=60)
        self.assertEqual(code, grpc.StatusCode.RESOURCE_EXHAUSTED)
        c = self.client(server, max_attempts=1)
        self.assertEqual(c.submit(purchase("after"))["status"], "ACCEPTED")

    def test_invalid_utf8_in_a_string_field_is_invalid_argument_naming_it(self):
        server = self.start()
        command = (field(1, b"k-\xff\xfe") + field(2, b"c1") +
                   field(3, b"2026-03-08T10:00:00Z") +
                   field(10, field(1, b"p1")))
        code, details = raw_call(server.address, "Submit", field(1, command))
        self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("command.key", details)
        self.assertIn("UTF-8", details)
        c = self.client(server, max_attempts=1)
        self.assertEqual(list(c.events(from_seq=1)), [])
        self.assertEqual(c.submit(purchase("after"))["status"], "ACCEPTED")

    def test_invalid_utf8_in_a_batch_names_the_command_and_applies_none(self):
        server = self.start()
        good = (field(1, b"k1") + field(2, b"c1") +
                field(3, b"2026-03-08T10:00:00Z"))
        bad = (field(1, b"k2") + field(2, b"c\xc0\xaf") +
               field(3, b"2026-03-08T10:00:00Z"))
        code, details = raw_call(server.address, "SubmitBatch",
                                 field(1, good) + field(1, bad))
        self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("commands[1].customer", details)
        c = self.client(server, max_attempts=1)
        self.assertEqual(list(c.events(from_seq=1)), [])

    def test_invalid_utf8_in_get_balance_is_invalid_argument_naming_it(self):
        server = self.start()
        code, details = raw_call(server.address, "GetBalance",
                                 field(1, b"c\xed\xa0\x80"))  # a surrogate
        self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("field customer ", details)

    def test_a_malformed_request_is_invalid_argument(self):
        server = self.start()
        # Field 1, length 100, then 3 bytes: truncated.
        code, details = raw_call(server.address, "Submit", b"\x0a\x64abc")
        self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("malformed", details)

    def test_500_idle_connections_do_not_stop_another_client_being_served(self):
        server = self.start()
        host, port = server.address.rsplit(":", 1)
        idle = []
        try:
            for _ in range(500):
                s = socket.create_connection((host, int(port)), timeout=10)
                idle.append(s)
            c = self.client(server, max_attempts=1, timeout=10)
            start = time.monotonic()
            for i in range(20):
                self.assertEqual(c.submit(purchase(f"k{i}", customer=f"c{i}"))
                                 ["status"], "ACCEPTED")
            self.assertLess(time.monotonic() - start, 30)
        finally:
            for s in idle:
                s.close()


if __name__ == "__main__":
    unittest.main()
