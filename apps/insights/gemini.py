"""Google Gemini through the official google-genai SDK: one bounded call per analysis, failures classified.

What google-genai 3.6.1 raises, and what each becomes here:
- an HTTP error status: ``errors.ClientError`` (4xx) or ``errors.ServerError`` (5xx), both ``errors.APIError``
  with the status in ``.code``: 429 is a rate limit (429), anything else is an upstream error (502);
- a timeout: the HTTP library's own ``TimeoutException``, not wrapped, or the builtin ``TimeoutError`` when
  the whole call's deadline (not one read's) runs out. The SDK sends with httpx2 by default and with httpx
  when told to (``GOOGLE_GENAI_HTTP_CLIENT``), so both families are caught (504);
- other transport failures (refused connection, reset): that library's ``HTTPError`` (502);
- a body that is not JSON: ``errors.UnknownApiResponseError``; an answer without text: ``response.text`` None.

The SDK retries nothing unless ``HttpOptions.retry_options`` is set, and a bare ``HttpRetryOptions()`` means
five attempts. ``attempts=1`` is set explicitly so the configured timeout is the whole budget of a call, and
automatic function calling (up to 10 remote calls) is switched off: one analysis is one request.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
import httpx2
from google import genai
from google.genai import errors, types

from apps.insights.aggregation import PortfolioFacts
from apps.insights.errors import ModelFailure, ModelRateLimited, ModelTimeout
from apps.insights.prompt import SYSTEM_INSTRUCTION, build_prompt, tidy_summary
from apps.insights.settings import InsightsSettings

log = logging.getLogger(__name__)

TIMEOUTS = (httpx2.TimeoutException, httpx.TimeoutException, TimeoutError)
TRANSPORT_FAILURES = (httpx2.HTTPError, httpx.HTTPError)
_RETRY_DELAY = re.compile(r"^(\d+)(?:\.\d+)?s$")


class GeminiAnalyst:
    provider = "gemini"

    def __init__(self, client: genai.Client, model: str, config: types.GenerateContentConfig,
                 max_prompt_holdings: int, max_prompt_chars: int):
        self.client = client
        self.model = model
        self.config = config
        self.max_prompt_holdings = max_prompt_holdings
        self.max_prompt_chars = max_prompt_chars

    @classmethod
    def from_settings(cls, settings: InsightsSettings) -> GeminiAnalyst:
        assert settings.gemini_api_key is not None, "only built when a key is configured"
        client = genai.Client(
            vertexai=False,
            api_key=settings.gemini_api_key.get_secret_value(),
            http_options=types.HttpOptions(
                base_url=settings.gemini_base_url,
                api_version=settings.gemini_api_version,
                timeout=round(settings.gemini_timeout_seconds * 1000),
                retry_options=types.HttpRetryOptions(attempts=1),
            ),
        )
        thinking = (types.ThinkingConfig(thinking_budget=settings.gemini_thinking_budget)
                    if settings.gemini_thinking_budget is not None else None)
        config = types.GenerateContentConfig(
            system_instruction=SYSTEM_INSTRUCTION,
            max_output_tokens=settings.max_output_tokens,
            temperature=settings.temperature,
            candidate_count=1,
            thinking_config=thinking,
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
        )
        return cls(client, settings.gemini_model, config, settings.max_prompt_holdings, settings.max_prompt_chars)

    async def analyse(self, facts: PortfolioFacts) -> str:
        prompt = build_prompt(facts, self.max_prompt_holdings, self.max_prompt_chars)
        try:
            response = await self.client.aio.models.generate_content(model=self.model, contents=prompt,
                                                                     config=self.config)
            text = response.text
        except errors.APIError as exc:
            raise _api_failure(exc) from exc
        except TIMEOUTS as exc:
            log.warning("insights: gemini call timed out: %s", type(exc).__name__)
            raise ModelTimeout() from exc
        except TRANSPORT_FAILURES as exc:
            log.warning("insights: gemini unreachable: %s", type(exc).__name__)
            raise ModelFailure("The analysis model could not be reached, please retry later", "unreachable") from exc
        except Exception as exc:  # whatever else the SDK raises parsing an answer: an unusable answer
            log.warning("insights: gemini answer unusable: %s", type(exc).__name__)
            raise ModelFailure("The analysis model gave an unusable answer", "bad_answer") from exc
        summary = tidy_summary(text or "")
        if not summary:
            log.warning("insights: gemini answered without text")
            raise ModelFailure("The analysis model returned no text", "bad_answer")
        return summary

    async def aclose(self) -> None:
        await self.client.aio.aclose()
        self.client.close()


def _api_failure(exc: errors.APIError) -> ModelFailure:
    log.warning("insights: gemini answered %s %s", exc.code, exc.status)
    if exc.code == 429:
        return ModelRateLimited(_retry_after_seconds(exc.details))
    if exc.code in (408, 504):
        return ModelTimeout()
    if 400 <= exc.code < 500:
        return ModelFailure("The analysis model refused the request", "rejected")
    return ModelFailure("The analysis model failed, please retry later", "upstream_error")


def _retry_after_seconds(details: Any) -> int | None:
    """The ``retryDelay`` of a ``google.rpc.RetryInfo`` in Google's error body, when there is one."""
    try:
        entries = details["error"]["details"]
    except (KeyError, TypeError):
        return None
    for entry in entries if isinstance(entries, list) else []:
        delay = entry.get("retryDelay") if isinstance(entry, dict) else None
        matched = _RETRY_DELAY.match(delay) if isinstance(delay, str) else None
        if matched:
            return max(1, int(matched[1]))
    return None
