"""`adcraft generate / platforms / models`: success paths on the tiny model, and every bad input
ends in one message, exit code 2, no traceback and no output file."""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adcraft.cli.main import app
from adcraft.core import get_platform

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args))


def _assert_user_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output, result.output


@pytest.mark.parametrize(
    "args,fragments",
    [
        (["--product", "x", "--platform", "tiktok"], ["unknown platform 'tiktok'", "google_rsa", "generic"]),
        (["--product", "x", "--language", "fr"], ["unknown language 'fr'", "zh, en"]),
        (["--product", "   "], ["--product must not be empty"]),
        (["--attributes", "颜色#白色"], ["--product must not be empty"]),
        (["--product", "x", "-n", "0"], ["-n must be between 1 and 64"]),
        (["--product", "x", "-n", "65"], ["-n must be between 1 and 64"]),
        (["--product", "x", "--attributes", "颜色"], ["not of the form key#value"]),
        (["--product", "x", "--platform", "amazon_title", "--language", "zh"], ["takes language en"]),
        (["--product", "x", "--format", "xml"], ["unknown --format 'xml'"]),
        (["--product", "x", "--model", "/no/such/model"], ["/no/such/model", "does not exist"]),
        (["--product", "x", "--model", "nobody/uncached-model"], ["neither a folder", "local cache"]),
    ],
)
def test_bad_flags(args: list[str], fragments: list[str], tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    out = tmp_path / "out.json"
    _assert_user_error(_run("generate", *args, "--out", str(out)), *fragments)
    assert not out.exists()


def test_refusing_endpoint(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = tmp_path / "out.json"
    result = _run("generate", "--product", "x", "--endpoint", f"http://127.0.0.1:{port}", "--out", str(out))
    _assert_user_error(result, f"http://127.0.0.1:{port}/v1/models", "unreachable")
    assert not out.exists()


@pytest.mark.parametrize(
    "content,fragments",
    [
        ('{"product": "跑鞋"}\n{"product": "鞋", \n', ["briefs.jsonl:2", "not valid JSON"]),
        ('{"product": "跑鞋"}\n\n{"product": "鞋", "platform": "nope"}\n', ["briefs.jsonl:3", "nope"]),
        ('{"product": ""}\n', ["briefs.jsonl:1", "product"]),
        ('["not", "an", "object"]\n', ["briefs.jsonl:1", "object"]),
        ('{"product": "x", "n_variants": 100}\n', ["briefs.jsonl:1", "n_variants"]),
        ("\n\n", ["holds no briefs"]),
    ],
)
def test_malformed_briefs_file_names_the_line(content: str, fragments: list[str], tmp_path: Path) -> None:
    path = tmp_path / "briefs.jsonl"
    path.write_text(content, encoding="utf-8")
    out = tmp_path / "out.csv"
    _assert_user_error(_run("generate", "--briefs", str(path), "--out", str(out)), *fragments)
    assert not out.exists()


def test_unreadable_briefs_files(tmp_path: Path) -> None:
    _assert_user_error(_run("generate", "--briefs", str(tmp_path / "missing.jsonl")), "not found")
    binary = tmp_path / "gbk.jsonl"
    binary.write_bytes('{"product": "跑鞋"}'.encode("gbk"))
    _assert_user_error(_run("generate", "--briefs", str(binary)), "not UTF-8")
    bad_yaml = tmp_path / "brief.yaml"
    bad_yaml.write_text("product: [unclosed\n", encoding="utf-8")
    _assert_user_error(_run("generate", "--brief", str(bad_yaml)), "brief.yaml:", "not valid YAML")


class _FaithfulServer(BaseHTTPRequestHandler):
    """An OpenAI-compatible completions server that writes faithful copy in each platform's format."""

    ADS = {"Headline": "Trail Shoes 240 g\nHeadline: Light Trail Shoes\nHeadline: Trail Shoes For Long Runs\n"
                       "Description: Trail shoes at 240 g for long runs.\nDescription: Light trail shoes.",
           "标题": "轻盈跑鞋 周末跑步也舒服", "文案": "这双跑鞋很轻，周末跑步穿着舒服。"}

    def log_message(self, *args) -> None:
        pass

    def _send(self, body: object) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._send({"object": "list", "data": [{"id": "faithful", "object": "model"}]})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompts = body["prompt"] if isinstance(body["prompt"], list) else [body["prompt"]]
        choices = []
        for p, prompt in enumerate(prompts):
            label = prompt.rstrip().splitlines()[-1].rstrip(":：")
            for i in range(body.get("n", 1)):
                text = self.ADS[label] + "！" * i  # distinct variants
                choices.append({"index": p * body.get("n", 1) + i, "text": text, "finish_reason": "stop"})
        self._send({"object": "text_completion", "choices": choices})


@pytest.fixture()
def endpoint():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _FaithfulServer)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_generate_json_from_flags_fits_the_platform(endpoint: str, tmp_path: Path) -> None:
    out = tmp_path / "creatives.json"
    result = _run("generate", "--product", "trail shoes", "--attributes", "weight#240 g",
                  "--platform", "google_rsa", "--language", "en", "-n", "2", "--seed", "3",
                  "--endpoint", endpoint, "--model", "faithful", "--format", "json", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert 1 <= len(rows) <= 2 and [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    google = get_platform("google_rsa")
    for row in rows:
        assert row["platform"] == "google_rsa" and row["model_id"].startswith("faithful")
        assert 3 <= len(row["fields"]["headline"]) and all(len(h) <= 30 for h in row["fields"]["headline"])
        assert all(google.length(d) <= 90 for d in row["fields"]["description"])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left behind


def test_a_brief_without_usable_copy_is_exit_2_with_the_reasons_and_no_file(tiny_model_dir: Path,
                                                                              tmp_path: Path) -> None:
    # The random tiny model writes gibberish: nothing passes the gates, and the CLI says so and why.
    out = tmp_path / "creatives.json"
    result = _run("generate", "--product", "trail shoes", "--platform", "google_rsa", "--language", "en",
                  "-n", "2", "--seed", "3", "--model", str(tiny_model_dir), "--format", "json",
                  "--out", str(out))
    _assert_user_error(result, "brief 1 ('trail shoes'): no usable creative", "dropped")
    assert not out.exists()


def test_generate_many_briefs_to_csv_and_a_yaml_brief(endpoint: str, tmp_path: Path) -> None:
    briefs = tmp_path / "briefs.jsonl"
    briefs.write_text('{"content": "类型#上衣*材质#牛仔布", "summary": "ref"}\n'
                      '{"product": "跑鞋", "platform": "taobao_title", "n_variants": 1, "seed": 1}\n',
                      encoding="utf-8")
    out = tmp_path / "out.csv"
    result = _run("generate", "--briefs", str(briefs), "--endpoint", endpoint, "--model", "faithful",
                  "-n", "1", "--format", "csv", "--out", str(out))
    # The first brief (a 上衣) gets shoe copy from this server: off product, so nothing is written.
    _assert_user_error(result, "brief 1 ('上衣'): no usable creative", "does not name the product")
    assert not out.exists()
    briefs.write_text('{"product": "跑鞋", "platform": "generic", "n_variants": 1, "seed": 1}\n'
                      '{"product": "跑鞋", "platform": "taobao_title", "n_variants": 1, "seed": 1}\n',
                      encoding="utf-8")
    result = _run("generate", "--briefs", str(briefs), "--endpoint", endpoint, "--model", "faithful",
                  "-n", "1", "--format", "csv", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert {r["brief"] for r in rows} == {"1", "2"}
    assert all(r["prompt_version"] and r["model_id"] for r in rows)

    yaml_brief = tmp_path / "brief.yaml"
    yaml_brief.write_text("product: 跑鞋\nattributes: 颜色#白色*风格#运动\nplatform: xiaohongshu_note\n"
                          "n_variants: 1\nseed: 2\n", encoding="utf-8")
    result = _run("generate", "--brief", str(yaml_brief), "--endpoint", endpoint, "--model", "faithful")
    assert result.exit_code == 0, result.output
    assert "brief 1" in result.output and "title" in result.output  # the Rich table


def test_platforms_lists_every_platform_with_limits_and_source() -> None:
    result = _run("platforms", "--format", "json")
    assert result.exit_code == 0
    data = {p["id"]: p for p in json.loads(result.output)}
    assert data["taobao_title"]["fields"][0]["max_length"] == 60 and data["taobao_title"]["unit"] == "width"
    assert data["google_rsa"]["fields"][0]["max_count"] == 15
    assert all(p["source"] for p in data.values())
    assert "google_rsa" in _run("platforms").output


def test_models_lists_the_default_model(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ADCRAFT_HOME", str(tmp_path))
    result = _run("models")
    assert result.exit_code == 0
    assert "gemma-3-270m" in result.output and "not converted yet" in result.output
