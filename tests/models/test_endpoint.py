"""The OpenAI-compatible backend against a real HTTP server started in the test."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from adcraft.core import Brief, InputError
from adcraft.generate import GenerationConfig, generate_creatives
from adcraft.models import load_generator

PHRASES = ["轻盈透气的跑鞋", "复古红色帆布鞋", "雨天也不滑的登山靴", "通勤百搭小白鞋", "柔软羊毛拖鞋",
           "专业碳板竞速鞋", "亲子款卡通童鞋", "商务真皮正装鞋", "夏日清凉洞洞鞋", "冬季加绒雪地靴"]


class _CompletionsHandler(BaseHTTPRequestHandler):
    """A minimal vLLM-like server: /v1/models and /v1/completions, deterministic in (prompt, seed, i)."""

    requests: list[dict] = []

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/v1/models":
            self._send(200, {"object": "list", "data": [{"id": "tiny-served", "object": "model"}]})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        if body.get("model") == "refuse-me":
            self._send(400, {"error": {"message": "model not served"}})
            return
        prompts = body["prompt"] if isinstance(body["prompt"], list) else [body["prompt"]]
        choices = []
        for p, _prompt in enumerate(prompts):
            for i in range(body.get("n", 1)):
                text = f"{PHRASES[(p * 7 + i) % len(PHRASES)]}，种子{body.get('seed')}"
                choices.append({"index": p * body.get("n", 1) + i, "text": text,
                                "logprobs": {"token_logprobs": [-0.5, -1.5]}, "finish_reason": "stop"})
        choices.reverse()  # servers may answer out of order; `index` says where each belongs
        self._send(200, {"object": "text_completion", "choices": choices})


@pytest.fixture()
def server() -> Iterator[str]:
    _CompletionsHandler.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _CompletionsHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_completions_are_grouped_per_prompt_in_order(server: str) -> None:
    generator = load_generator(endpoint=server)
    assert generator.model_id == f"tiny-served@{server}"
    out = generator.complete_scored(["a", "b"], n=3, seed=9, temperature=0.7, top_p=0.9)
    assert [[text for text, _ in row] for row in out] == [
        [f"{PHRASES[(p * 7 + i) % len(PHRASES)]}，种子9" for i in range(3)] for p in range(2)]
    assert out[0][0][1] == -1.0  # mean of the token log-probs
    sent = _CompletionsHandler.requests[-1]
    assert (sent["n"], sent["seed"], sent["temperature"], sent["top_p"], sent["model"]) == (
        3, 9, 0.7, 0.9, "tiny-served")
    assert sent["prompt"] == ["a", "b"]  # one request for every prompt


def test_epsilon_sampling_is_refused_by_name_not_dropped(server: str) -> None:
    generator = load_generator(endpoint=server)
    with pytest.raises(InputError, match="epsilon sampling .*use top_p"):
        generator.complete(["a"], epsilon_cutoff=0.02)
    assert generator.complete(["a"], epsilon_cutoff=0.02, do_sample=False)  # greedy: nothing to cut


def test_generate_creatives_over_http(server: str) -> None:
    generator = load_generator("tiny-served", endpoint=server + "/v1")
    brief = Brief(product="跑鞋", attributes={"颜色": "红色", "材质": "帆布"}, platform="taobao_title",
                  n_variants=2, seed=4)
    result = generate_creatives(brief,
                                generator, GenerationConfig(oversample=1))
    assert len(result.creatives) == 2
    assert all(c.model_id.startswith("tiny-served@") for c in result.creatives)
    assert len(_CompletionsHandler.requests) == 1 and _CompletionsHandler.requests[0]["n"] == 3


def test_refusing_endpoint_is_an_input_error_naming_the_url(server: str) -> None:
    generator = load_generator("refuse-me", endpoint=server)
    with pytest.raises(InputError, match=f"{server}/v1/completions refused.*400"):
        generator.complete(["a"])


def test_unreachable_endpoint_is_an_input_error_naming_the_url() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(InputError, match=f"http://127.0.0.1:{port}/v1/models is unreachable"):
        load_generator(endpoint=f"http://127.0.0.1:{port}")


def test_endpoint_must_be_a_url() -> None:
    with pytest.raises(InputError, match="http"):
        load_generator(endpoint="localhost:8000")
