"""Pure parts of the dashboard without a server: chart bucketing and SVG, creative length views."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adcraft.api.web import charts

T0 = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)


def test_buckets_cover_the_span_with_nice_widths_and_keep_every_count() -> None:
    impressions = [(T0 + timedelta(seconds=s), "1", 1) for s in range(0, 600, 10)]
    impressions += [(T0 + timedelta(seconds=s), "2", 2) for s in range(300, 600, 10)]
    clicks = [(T0 + timedelta(seconds=s), "2", 1) for s in range(300, 600, 60)]
    buckets = charts.bucket_events(impressions, clicks, ["1", "2"], max_buckets=12)
    assert buckets.width == timedelta(seconds=60) and len(buckets.starts) == 10
    assert sum(buckets.impressions["1"]) == 60 and sum(buckets.impressions["2"]) == 60
    assert buckets.share("1")[0] == 1.0 and buckets.share("2")[-1] == 2 / 3
    assert buckets.cumulative_ctr("2")[:5] == [None] * 5 and buckets.cumulative_ctr("2")[-1] == 5 / 60


def test_svg_is_escaped_accessible_and_says_when_empty() -> None:
    buckets = charts.bucket_events([(T0, "1", 5)], [(T0, "1", 1)], ["1"])
    svg = str(charts.ctr_chart(buckets, {"1": "#1 <b>牛仔</b>"}))
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title>" in svg
    assert "<b>" not in svg and "&lt;b&gt;牛仔" in svg
    empty = charts.bucket_events([], [], ["1"])
    assert "No impressions yet" in str(charts.share_chart(empty, {}))


def test_service_series_is_never_split_finer_than_its_own_buckets() -> None:
    hour = 3600
    start = int(T0.timestamp())
    series = {"bucket_seconds": hour, "buckets": [
        {"start": start + i * hour, "creatives": {"1": {"impressions": 10, "clicks": i}}} for i in range(3)]}
    buckets = charts.from_service_timeseries(series, ["1"])
    assert buckets.width == timedelta(hours=1) and buckets.impressions["1"] == [10, 10, 10]
    assert buckets.clicks["1"] == [0, 1, 2]
    assert charts.bucket_width(12 * hour) == hour and charts.bucket_width(0) == 1


def test_creative_view_measures_each_value_against_its_platform_limit() -> None:
    from types import SimpleNamespace

    from adcraft.api.web.previews import creative_view

    row = SimpleNamespace(id=7, status="active", status_reason="", findings=[], generation={},
                          fields={"headline": ["短标题", "x" * 31], "description": ["ok"], "extra": ["kept"]})
    view = creative_view(row, "google_rsa", "zh")
    headline = view.fields[0]
    assert [(v.length, v.limit, v.over) for v in headline.values] == [(6, 30, False), (31, 30, True)]
    assert view.preview == "search" and view.texts("description") == ["ok"]
    extra = view.fields[-1]
    assert extra.name == "extra" and extra.values[0].limit is None and not extra.values[0].over
