"""Generation jobs in background threads: generate creatives for a campaign, check each one, store.

Stored creatives wait for review (`pending`) unless the campaign auto-approves what passes every
gate (`adcraft.api.review`). A job that yields no usable creative fails with the reasons its
candidates were dropped; one that yields fewer than requested records its counts and those reasons.

A job claims itself (`queued` -> `running`) with a conditional UPDATE, so two processes sharing a
database never run the same job twice. Creatives are inserted in one transaction at the end, so an
interrupted job has written nothing; on startup, queued jobs are picked up again and jobs left
`running` by a killed process are marked failed (regenerate to retry).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import select, update

from adcraft.api import review
from adcraft.api.settings import Settings
from adcraft.core import AdcraftError, Brief
from adcraft.store import Database
from adcraft.store.models import Campaign, Creative, GenerationJob, utcnow

log = logging.getLogger("adcraft.api.jobs")


class GenerationRunner:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._executor = ThreadPoolExecutor(max_workers=max(1, settings.generation_workers),
                                            thread_name_prefix="adcraft-generate")
        self._generators: dict[tuple[str | None, str | None], Any] = {}
        self._load_lock = threading.Lock()

    def submit(self, job_id: int):  # noqa: ANN201 - a Future
        return self._executor.submit(self.run, job_id)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def resume_pending(self) -> None:
        with self.db.write() as session:
            session.execute(update(GenerationJob).where(GenerationJob.status == "running").values(
                status="failed", finished_at=utcnow(),
                error="interrupted: the server stopped while this job ran; regenerate to retry"))
            queued = list(session.scalars(select(GenerationJob.id).where(GenerationJob.status == "queued")))
        for job_id in queued:
            self.submit(job_id)

    def generator(self, model: str | None):  # noqa: ANN201 - adcraft.models.Generator
        from adcraft.models import load_generator

        key = (model, self.settings.endpoint)
        with self._load_lock:
            if key not in self._generators:
                self._generators.clear()  # one model in memory at a time
                self._generators[key] = load_generator(model, endpoint=self.settings.endpoint)
            return self._generators[key]

    def run(self, job_id: int) -> None:
        """Run one job to `done` or `failed`; never raises (it runs in a worker thread)."""
        with self.db.write() as session:
            claimed = session.execute(update(GenerationJob).where(
                GenerationJob.id == job_id, GenerationJob.status == "queued",
            ).values(status="running", started_at=utcnow())).rowcount
            if not claimed:
                return
            job = session.get(GenerationJob, job_id)
            campaign = session.get(Campaign, job.campaign_id)
            brief = Brief.model_validate(campaign.brief).model_copy(update={"n_variants": job.n_requested})
            model, seeds, campaign_id, kind = campaign.model or self.settings.model, job.seed_texts, \
                campaign.id, job.kind
            auto_approve = bool(campaign.auto_approve)
        try:
            rows, reasons = self._generate(brief, model, seeds, job_id, kind, auto_approve)
        except AdcraftError as exc:
            self._finish(job_id, campaign_id, [], [], error=str(exc))
            return
        except Exception as exc:
            log.exception("generation job %s failed", job_id)
            self._finish(job_id, campaign_id, [], [], error=f"generation failed: {type(exc).__name__}: {exc}")
            return
        self._finish(job_id, campaign_id, rows, reasons, n_requested=brief.n_variants)

    def _generate(self, brief: Brief, model: str | None, seeds: list[str], job_id: int,
                  kind: str, auto_approve: bool) -> tuple[list[Creative], list[str]]:
        """The checked creative rows, and the reason each dropped candidate was dropped."""
        from adcraft.generate import GenerationConfig, generate_creatives
        from adcraft.models.house import generation_model

        model = model if self.settings.endpoint else generation_model(model)  # None: the house adapter
        generator = self.generator(model)
        # for_model picks up a training run's decoding.json, as the CLI's generate does
        config = GenerationConfig.for_model(model, max_new_tokens=self.settings.generation_max_new_tokens)
        result = generate_creatives(brief, generator, config, seed_texts=seeds or None)
        origin = "regenerated" if kind == "regenerate" else "generated"
        rows = [review.new_creative(
            creative.fields, brief, origin=origin, auto_approve=auto_approve,
            generation={"job_id": job_id, "kind": kind, "model_id": creative.model_id,
                        "prompt_version": creative.prompt_version, "seed": creative.seed,
                        "scores": creative.scores, "seed_texts": len(seeds)},
        ) for creative in result.creatives]
        return rows, [str(reason) for _, reason in result.dropped]

    def _finish(self, job_id: int, campaign_id: int, rows: list[Creative], reasons: list[str],
                error: str = "", n_requested: int = 0) -> None:
        """Store the rows and the job's outcome: failed (with `error`, or why nothing was usable) or done."""
        summary = review.summarize_dropped(reasons)
        if not rows and not error:
            error = review.no_yield_error(n_requested, summary)
        with self.db.write() as session:
            for row in rows:
                row.campaign_id = campaign_id
                session.add(row)
            n_active = sum(r.status == "active" for r in rows)
            session.execute(update(GenerationJob).where(GenerationJob.id == job_id).values(
                status="done" if rows else "failed", finished_at=utcnow(), n_produced=len(rows),
                n_active=n_active, n_pending=sum(r.status == "pending" for r in rows),
                n_blocked=sum(bool(review.blocking(r.findings)) for r in rows), n_dropped=len(reasons),
                dropped_reasons=summary, error=error))
            if n_active:  # only creatives that serve change what the policies pick from
                session.execute(update(Campaign).where(Campaign.id == campaign_id)
                                .values(version=Campaign.version + 1))
