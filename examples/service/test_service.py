"""The model fits the data, and the endpoint answers over real HTTP on loopback."""

import json
import threading
import unittest
import urllib.request
from http.server import ThreadingHTTPServer

import serve
import train


class ModelTest(unittest.TestCase):
    def test_fit_recovers_a_line(self) -> None:
        model = train.fit([(0, 1.0), (1, 3.0), (2, 5.0)])
        self.assertEqual(model, {"slope": 2.0, "intercept": 1.0})


class EndpointTest(unittest.TestCase):
    def setUp(self) -> None:
        serve.Handler.model = {"slope": 2.0, "intercept": 1.0}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), serve.Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def tearDown(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def test_predict(self) -> None:
        with urllib.request.urlopen(f"{self.base}/predict?x=3") as answer:
            self.assertEqual(json.load(answer), {"x": 3.0, "y": 7.0})

    def test_health(self) -> None:
        with urllib.request.urlopen(f"{self.base}/health") as answer:
            self.assertEqual(answer.status, 200)


if __name__ == "__main__":
    unittest.main()
