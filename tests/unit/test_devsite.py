"""The fixture farm's overlay and status headers (pipeline.devsite), over real loopback HTTP."""

from __future__ import annotations

from pathlib import Path

import httpx

from pipeline.devsite import serve_sites


def test_an_overlay_edits_removes_and_redirects_pages_between_runs(tmp_path: Path) -> None:
    site = tmp_path / "sites" / "s.example"
    site.mkdir(parents=True)
    (site / "a.html").write_text("<p>first</p>", "utf-8")
    (site / "b.html").write_text("<p>b</p>", "utf-8")
    overlay = tmp_path / "stage" / "s.example"
    overlay.mkdir(parents=True)
    (overlay / "a.html").write_text("<p>edited</p>", "utf-8")
    (overlay / "b.html.headers").write_text("Status: 302\nLocation: https://s.example/\n", "ascii")
    (overlay / "c.html.headers").write_text("Status: 410\n", "ascii")
    with serve_sites(tmp_path / "sites") as farm, httpx.Client(follow_redirects=False) as client:
        origin = farm.origins["s.example"]
        first = client.get(f"{origin}/a.html")
        assert first.text == "<p>first</p>"
        farm.overlay = tmp_path / "stage"
        edited = client.get(f"{origin}/a.html", headers={"If-None-Match": first.headers["ETag"]})
        assert (edited.status_code, edited.text) == (200, "<p>edited</p>")
        moved = client.get(f"{origin}/b.html")
        assert (moved.status_code, moved.headers["Location"]) == (302, f"{origin}/")
        assert client.get(f"{origin}/c.html").status_code == 410
        farm.overlay = None
        back = client.get(f"{origin}/a.html", headers={"If-None-Match": first.headers["ETag"]})
        assert back.status_code == 304
        assert client.get(f"{origin}/c.html").status_code == 404
