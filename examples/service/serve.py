"""An HTTP prediction endpoint for the toy model: GET /predict?x=2.5, GET /health."""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

MODEL_PATH = os.environ.get("MODEL_PATH", "model.json")


def load_model(path: str = MODEL_PATH) -> dict[str, float]:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def predict(model: dict[str, float], x: float) -> float:
    return model["slope"] * x + model["intercept"]


class Handler(BaseHTTPRequestHandler):
    model: dict[str, float] = {}

    def _answer(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path == "/health":
            self._answer(200, {"status": "ok"})
        elif url.path == "/predict":
            try:
                x = float(parse_qs(url.query)["x"][0])
            except (KeyError, ValueError):
                self._answer(400, {"error": "pass a number: /predict?x=2.5"})
                return
            self._answer(200, {"x": x, "y": predict(self.model, x)})
        else:
            self._answer(404, {"error": "try /predict?x=2.5 or /health"})


def main() -> None:
    Handler.model = load_model()
    port = int(os.environ.get("PORT", "8000"))
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    print(f"serving the model on port {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
