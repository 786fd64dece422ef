"""Interactive API docs (Swagger UI) served from local files, so they work offline.

FastAPI's default page loads Swagger UI from a CDN: blank on a laptop without network,
which is exactly where the demo runs. The ``swagger-ui-bundle`` package ships the same
assets; they are mounted next to the page.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path


def mount_docs(app: FastAPI, *, docs_url: str, openapi_url: str) -> None:
    """Serve Swagger UI at ``docs_url`` and its assets under ``docs_url``-assets."""
    assets = f"{docs_url}-assets"
    app.mount(assets, StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui-assets")

    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - docs",
            swagger_js_url=f"{assets}/swagger-ui-bundle.js",
            swagger_css_url=f"{assets}/swagger-ui.css",
            swagger_favicon_url=f"{assets}/favicon-32x32.png",
        )

    app.add_api_route(docs_url, swagger_ui, include_in_schema=False, methods=["GET"])
