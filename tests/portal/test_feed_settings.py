"""Scheduled price-feed fetches: off by default, per feed from its URL and schedule, https only."""

from __future__ import annotations

import pytest
from celery.schedules import crontab

from portal.settings.parsers import feed_env_name, parse_schedule
from tests.portal.test_settings import EMBEDDED, settings_process

_PRINT_FEEDS = """
import json
import portal.settings.base as s
print(json.dumps({
    "schedules": s.SOVRA_FEED_SCHEDULES,
    "beat": {k: [v["task"], v["args"], str(v["schedule"])]
             for k, v in s.CELERY_BEAT_SCHEDULE.items() if k.startswith("feed-")},
    "share": s.SOVRA_FEED_MAX_CHANGED_SHARE,
    "max_bytes": s.SOVRA_FEED_MAX_BYTES,
}))
"""


def feeds(env):
    result = settings_process({**EMBEDDED, **env}, ("-c", _PRINT_FEEDS))
    return result


def test_parse_schedule_reads_seconds_and_crontabs():
    assert parse_schedule("86400") == 86400.0
    daily = parse_schedule("0 4 * * *")
    assert isinstance(daily, crontab) and daily.hour == {4} and daily.minute == {0}


@pytest.mark.parametrize("value", ["", "daily", "0 4 * *", "99 4 * * *", "-5"])
def test_parse_schedule_refuses_what_is_no_schedule(value):
    with pytest.raises(ValueError, match="cannot read"):
        parse_schedule(value)


def test_feed_env_names():
    assert feed_env_name("skypilot-aws") == "SKYPILOT_AWS"
    assert feed_env_name("genai-prices") == "GENAI_PRICES"


def test_no_feed_is_fetched_unless_configured():
    import json

    result = feeds({})
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["schedules"] == {} and values["beat"] == {}
    assert (values["share"], values["max_bytes"]) == (0.3, 20 * 1024**2)


def test_a_configured_feed_gets_its_beat_entry():
    import json

    url = "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"
    result = feeds({"SOVRA_FEED_LITELLM_URL": url, "SOVRA_FEED_LITELLM_SCHEDULE": "0 4 * * *"})
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    task, args, schedule = values["beat"]["feed-sync-litellm"]
    assert task == "costing.tasks.feed_fetch_task" and args == ["litellm", url]
    assert "4" in schedule


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SOVRA_FEED_ECB_URL": "http://ecb.example/x.xml", "SOVRA_FEED_ECB_SCHEDULE": "3600"},
         "SOVRA_FEED_ECB_URL must be https"),
        ({"SOVRA_FEED_ECB_URL": "https://www.ecb.europa.eu/x.xml"}, "Set both SOVRA_FEED_ECB_URL"),
        ({"SOVRA_FEED_MAX_CHANGED_SHARE": "1.5"}, "SOVRA_FEED_MAX_CHANGED_SHARE must be"),
    ],
)  # fmt: skip
def test_a_misconfigured_feed_stops_startup_with_the_reason(env, message):
    result = feeds(env)
    assert result.returncode != 0
    assert message in result.stderr
