"""The web dashboard (server-rendered Jinja2). Placeholder router until the dashboard lands."""

from fastapi import APIRouter

router = APIRouter()
