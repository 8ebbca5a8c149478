"""Hand-written creatives for each platform preview (search, feed, product, note), with compliance findings,
seeded straight into a store so the dashboard can be seen and screenshotted without a trained model."""

from __future__ import annotations

from adcraft.store.models import Creative

ABSOLUTE_TERM = {
    "rule_id": "cn_ad_law_absolute", "category": "absolute_terms", "severity": "block",
    "reason": "广告法第九条禁止使用“最”“第一”“国家级”等绝对化用语 (absolute terms are banned)",
    "source": "《中华人民共和国广告法》第九条第三项", "span": [0, 2], "matched": "最好",
    "field": "title", "suggestion": "很好",
}
UNSUPPORTED_CLAIM = {
    "rule_id": "en_unsubstantiated_claim", "category": "claims", "severity": "warn",
    "reason": "'clinically proven' needs evidence the advertiser can show on request",
    "source": "FTC Act s.5; Google Ads misrepresentation policy", "span": [0, 17],
    "matched": "clinically proven", "field": "description", "suggestion": "tested",
}

DEMO = [
    {
        "brief": {"product": "trail running shoes", "platform": "google_rsa", "language": "en",
                  "brand": "Northpeak", "audience": "weekend trail runners", "tone": "confident",
                  "attributes": [["weight", "240 g"], ["drop", "6 mm"]], "n_variants": 3},
        "creatives": [
            ({"headline": ["Trail Shoes at 240 g", "Grip That Holds on Mud", "Free Returns in 30 Days"],
              "description": ["Light 240 g trail runners with a 6 mm drop and a lugged sole for wet rock.",
                              "Order today, run this weekend. Free shipping over $50."]}, []),
            ({"headline": ["Run Further, Feel Lighter", "Northpeak Trail Runners", "6 mm Drop, Soft Landing"],
              "description": ["Clinically proven cushioning for long descents and rocky climbs alike.",
                              "Built for weekend trail runners. Try them for 30 days."]},
             [UNSUPPORTED_CLAIM]),
            ({"headline": ["New Northpeak Trail Shoe", "Made for Wet Rock", "Ships Tomorrow"],
              "description": ["A sticky rubber outsole and a rock plate keep every step sure on the trail.",
                              "Sizes 36 to 47. Wide fit available."]}, []),
        ],
    },
    {
        "brief": {"product": "牛仔外套", "platform": "taobao_title", "language": "zh", "brand": "白鹿",
                  "attributes": [["类型", "上衣"], ["材质", "牛仔布"], ["颜色", "白色"], ["风格", "简约"]],
                  "n_variants": 3},
        "creatives": [
            ({"title": ["白鹿简约白色牛仔外套女春秋宽松百搭上衣"]}, []),
            ({"title": ["白色牛仔外套女 春季新款 宽松显瘦 简约百搭 休闲短款夹克 韩版时尚潮流外搭"]}, []),
            ({"title": ["全网最好的白色牛仔外套 简约百搭上衣"]}, [ABSOLUTE_TERM]),
        ],
    },
    {
        "brief": {"product": "保温杯", "platform": "xiaohongshu_note", "language": "zh", "brand": "山谷",
                  "tone": "亲切", "audience": "通勤上班族", "n_variants": 2},
        "creatives": [
            ({"title": ["通勤必备｜一杯热水喝一整天"],
              "body": ["早上八点灌的热水，下午四点还是烫的☕️\n316不锈钢内胆，一只手就能开盖，"
                       "放进包里不漏水。颜色是雾霾蓝，真的很耐看～\n#保温杯 #通勤好物"]}, []),
            ({"title": ["办公室女生的小确幸"],
              "body": ["换了这只保温杯之后，每天多喝了两杯水。\n容量刚好500ml，杯身轻，"
                       "上班路上拿着不累。\n#好物分享"]}, []),
        ],
    },
    {
        "brief": {"product": "meal kit", "platform": "meta_feed", "language": "en", "brand": "Green Fork",
                  "audience": "busy parents", "n_variants": 2},
        "creatives": [
            ({"primary_text": ["Dinner in 20 minutes, no shopping list. Fresh ingredients delivered weekly."],
              "headline": ["Get 3 Free Meals"], "description": ["Skip or cancel anytime"]}, []),
            ({"primary_text": ["Busy week? Our chefs did the planning. You just cook and enjoy."],
              "headline": ["Weeknight Dinners, Sorted"], "description": ["Fresh, local, fast"]}, []),
        ],
    },
]


def seed_demo(db, advertiser_id: int) -> list[int]:
    """The demo campaigns with finished generation jobs; returns their ids in DEMO order."""
    from adcraft.api import services

    ids = []
    with db.write() as session:
        for spec in DEMO:
            campaign, job = services.create_campaign(session, advertiser_id, spec["brief"])
            rows = []
            for index, (fields, findings) in enumerate(spec["creatives"]):
                blocked = any(f["severity"] == "block" for f in findings)
                reason = "; ".join(f["reason"] for f in findings if f["severity"] == "block")
                # approved unless a gate blocks it: that one waits for review, to be edited or rejected
                rows.append(Creative(campaign_id=campaign.id, fields=fields, findings=findings,
                                     status="pending" if blocked else "active",
                                     status_reason=f"fails a gate ({reason})" if blocked
                                     else "approved in review",
                                     origin="regenerated" if index == 2 else "generated",
                                     generation={"model_id": "demo"}))
            session.add_all(rows)
            job.status, job.n_active = "done", sum(r.status == "active" for r in rows)
            job.n_produced, job.n_pending = len(rows), len(rows) - job.n_active
            job.n_blocked = job.n_pending
            ids.append(campaign.id)
    return ids
