"""An OpenAI-compatible completions endpoint (vLLM, Ollama, llama.cpp server) as a Generator."""

from __future__ import annotations

import httpx

from adcraft.core.errors import InputError
from adcraft.models.base import CompletesFromScored


def _api_base(endpoint: str) -> str:
    base = endpoint.rstrip("/")
    return base if base.endswith("/v1") else base + "/v1"


class EndpointGenerator(CompletesFromScored):
    """Completions over HTTP: all prompts of a call in one request, `n` choices each.

    `bad_words` and `no_repeat_ngram_size` have no portable OpenAI parameter and are not sent;
    adcraft's compliance check after decoding still catches banned terms.
    """

    def __init__(self, endpoint: str, model: str | None = None, *, timeout: float = 120.0,
                 api_key: str | None = None) -> None:
        if not endpoint.startswith(("http://", "https://")):
            raise InputError(f"endpoint {endpoint!r} must be an http(s) URL, e.g. http://127.0.0.1:8000/v1")
        self.endpoint = endpoint
        self.base = _api_base(endpoint)
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(timeout=timeout, headers=headers)
        self.served_model = model or self._first_served_model()
        self.model_id = f"{self.served_model}@{self.endpoint}"

    def _request(self, method: str, path: str, **kwargs) -> httpx.Response:
        url = self.base + path
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise InputError(f"endpoint {url} is unreachable ({exc.__class__.__name__}: {exc}); "
                             "check the URL and that the server is running") from None
        if response.status_code >= 400:
            raise InputError(f"endpoint {url} refused the request: HTTP {response.status_code} "
                             f"{response.text[:200].strip()}")
        return response

    def _first_served_model(self) -> str:
        data = self._json(self._request("GET", "/models"), "/models")
        models = [m.get("id") for m in data.get("data", []) if isinstance(m, dict) and m.get("id")]
        if not models:
            raise InputError(f"endpoint {self.base}/models lists no model; pass --model NAME")
        return str(models[0])

    def _json(self, response: httpx.Response, path: str) -> dict:
        try:
            data = response.json()
        except ValueError:
            raise InputError(
                f"endpoint {self.base}{path} did not answer JSON; is it OpenAI-compatible?"
            ) from None
        if not isinstance(data, dict):
            raise InputError(f"endpoint {self.base}{path} answered {type(data).__name__}, not a JSON object")
        return data

    def complete_scored(
        self,
        prompts: list[str],
        *,
        n: int = 1,
        max_new_tokens: int = 128,
        min_new_tokens: int = 0,
        temperature: float = 0.8,
        top_p: float = 0.95,
        epsilon_cutoff: float = 0.0,
        repetition_penalty: float = 1.1,
        no_repeat_ngram_size: int = 0,
        do_sample: bool = True,
        num_beams: int = 1,  # not sent: beam search is no longer part of the OpenAI API
        seed: int | None = None,
        bad_words: list[str] | None = None,
        language: str | None = None,
    ) -> list[list[tuple[str, float | None]]]:
        if not prompts:
            return []
        if epsilon_cutoff > 0 and do_sample:
            raise InputError(f"epsilon sampling (epsilon_cutoff {epsilon_cutoff}) is not part of the OpenAI "
                             f"API that {self.base} serves; use top_p instead")
        payload: dict = {
            "model": self.served_model,
            "prompt": prompts,
            "n": n,
            "max_tokens": max_new_tokens,
            "temperature": temperature if do_sample else 0.0,
            "top_p": top_p if do_sample else 1.0,
            "logprobs": 1,
            "stop": ["\n\n"],
            # repetition_penalty is a vLLM / llama.cpp extension; OpenAI's nearest is frequency_penalty.
            "repetition_penalty": repetition_penalty,
        }
        if seed is not None:
            payload["seed"] = seed
        if min_new_tokens:
            payload["min_tokens"] = min_new_tokens  # vLLM extension; others ignore unknown keys
        data = self._json(self._request("POST", "/completions", json=payload), "/completions")
        choices = data.get("choices")
        if not isinstance(choices, list) or len(choices) != len(prompts) * n:
            raise InputError(f"endpoint {self.base}/completions returned "
                             f"{len(choices) if isinstance(choices, list) else 'no'} choices, "
                             f"expected {len(prompts) * n}")
        # OpenAI orders choices prompt by prompt, n per prompt; `index` says where each belongs.
        ordered = sorted(enumerate(choices), key=lambda item: item[1].get("index", item[0]))
        flat = [(str(c.get("text", "")), _mean_logprob(c.get("logprobs"))) for _, c in ordered]
        return [flat[i * n:(i + 1) * n] for i in range(len(prompts))]


def _mean_logprob(logprobs: object) -> float | None:
    if not isinstance(logprobs, dict):
        return None
    values = [v for v in logprobs.get("token_logprobs") or [] if isinstance(v, int | float)]
    return sum(values) / len(values) if values else None
