"""The live dashboard at ``/``: a server-rendered page that refreshes itself every second.

Every section is rendered by autoescaping Jinja2 templates, on the first load and again for
each refresh, so the page's script only swaps in escaped HTML and redraws the plots. Reading
needs no token; promote, rollback and freeze go to the admin endpoints with the token the
person types, after a confirmation, and are audited under that token's admin (the name they
give is kept as a note).
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from agent_evals.errors import AgentEvalsError
from agent_evals.gateway.api import error
from agent_evals.gateway.control import ReleaseLink
from agent_evals.gateway.dashboard_view import DashboardSnapshot, read_snapshot
from agent_evals.reports import chart_library
from agent_evals.rollout import explain_task

STATIC = "/dashboard/static"
SECTIONS = ("header", "breaches", "budget", "evidence", "audit")
# Scripts only from the gateway itself; the page talks to nothing else.
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; "
    "img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)
_HEADERS = {"content-security-policy": _CSP, "cache-control": "no-store"}
_ENV = Environment(
    loader=PackageLoader("agent_evals.gateway", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
)


class Dashboard:
    """The dashboard's page, its refresh endpoint, the routing explainer and its scripts."""

    def __init__(self, link: ReleaseLink) -> None:
        self.link = link

    def routes(self) -> list[Route]:
        """The dashboard's routes, for the gateway app to mount."""
        return [
            Route("/", self.page, methods=["GET"]),
            Route("/dashboard", self.page, methods=["GET"]),
            Route("/dashboard/state", self.state, methods=["GET"]),
            Route("/dashboard/explain", self.explain, methods=["GET"]),
            Route(STATIC + "/chart.js", self.chart_script, methods=["GET"]),
            Route(STATIC + "/dashboard.js", self.page_script, methods=["GET"]),
        ]

    async def page(self, request: Request) -> Response:
        """The whole dashboard, rendered from a fresh reading of the store."""
        snapshot = await self._snapshot()
        html = _ENV.get_template("dashboard.html.j2").render(s=snapshot, static=STATIC)
        return HTMLResponse(html, headers=_HEADERS)

    async def state(self, request: Request) -> Response:
        """Every section rendered again, and the lane series, for the page to swap in."""
        snapshot = await self._snapshot()
        return JSONResponse(refresh_document(snapshot), headers=_HEADERS)

    async def explain(self, request: Request) -> Response:
        """Why a task id goes to the lane it goes to, as a rendered fragment."""
        task_id = request.query_params.get("task_id", "").strip()
        if not task_id:
            return error(400, "name the task: ?task_id=...")
        try:
            explanation = await self.link.io.run(
                explain_task, self.link.controller.store, self.link.config, task_id
            )
        except AgentEvalsError as exc:
            return error(400, str(exc))
        html = _sections().explanation(explanation)
        return JSONResponse({"html": str(html)}, headers=_HEADERS)

    async def chart_script(self, request: Request) -> Response:
        """The vendored chart library (Chart.js, MIT)."""
        return _script(chart_library())

    async def page_script(self, request: Request) -> Response:
        """The dashboard's own script."""
        text = files("agent_evals.gateway").joinpath("static", "dashboard.js").read_text("utf-8")
        return _script(text)

    async def _snapshot(self) -> DashboardSnapshot:
        return await self.link.io.run(read_snapshot, self.link.controller)


def refresh_document(snapshot: DashboardSnapshot) -> dict[str, Any]:
    """What one refresh sends: the state version, each section's HTML, the lane series."""
    sections = _sections()
    state = snapshot.status.state
    return {
        "version": snapshot.version,
        "stage": state.stage if state else None,
        "sections": {name: str(getattr(sections, name)(snapshot)) for name in SECTIONS},
        "lanes": snapshot.lanes,
    }


def _sections() -> Any:
    return _ENV.get_template("_dashboard.html.j2").module


def _script(text: str) -> Response:
    return Response(
        text,
        media_type="text/javascript; charset=utf-8",
        headers={"cache-control": "max-age=300"},
    )
