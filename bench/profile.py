"""Profile what a benchmark measures, in process, with pyinstrument (the ``dev`` extra).

    .venv/bin/python bench/profile.py submission-open|submission-sealed [--count 300]
    .venv/bin/python bench/profile.py report-page|report-pdf [--count 2000]

The submission profiles post the benchmark's very requests through Flask's test client (the
server is the same for the app and the baseline, so what differs is in the app); the report
page profile renders the published report of a scratch database of COUNT responses.
Prints pyinstrument's call tree; ``--html FILE`` writes its interactive page instead.
"""

from __future__ import annotations

import argparse
from typing import Any

from common import scratch_database
from pyinstrument import Profiler


def submission(channel: str, count: int) -> Profiler:
    import submission as bench

    from consult import create_app
    from consult.respond.flow import new_submission_key

    with scratch_database("sqlite") as url:
        setup = bench.prepare(url)
        app = create_app(
            {
                "env": "development",
                "secret_key": bench.SECRET,
                "instance_path": setup.folder,
                "database_url": url,
            }
        )
        client = app.test_client()
        path = f"/en/c/{bench.SLUG}/{'respond' if channel == 'open' else 'sealed'}"
        if channel == "open":
            page = client.get(path)
        else:
            page = client.post(path, data={"stage": "intro", "mode": "page"})
        hidden = [(n, v) for n, v in bench.HIDDEN.findall(page.get_data(as_text=True))]
        prefix = bench.urlencode([(n, v) for n, v in hidden if n != "submission_key"])
        answers = setup.answers[channel]

        def post(n: int) -> None:
            body = f"{prefix}&submission_key={new_submission_key()}&{answers[n % len(answers)]}"
            response = client.post(
                path, data=f"{body}&nav=send", content_type=bench.FORM, follow_redirects=False
            )
            assert response.status_code == 303, response.get_data(as_text=True)[:2000]

        for n in range(20):  # warm the caches as the server's warm-up does
            post(n)
        profiler = Profiler(interval=0.0005)
        with profiler:
            for n in range(count):
                post(n)
        return profiler


def report_page(count: int, pdf: bool) -> Profiler:
    import report

    with scratch_database("sqlite") as url:
        built = report.published(url, count)
        client = built.app.test_client()
        client.get(built.page_url)
        profiler = Profiler(interval=0.001)
        with profiler:
            if pdf:  # the first rendering: later ones come from the PDF cache
                assert client.get(built.page_url + ".pdf").status_code == 200
            for _ in range(0 if pdf else 5):
                assert client.get(built.page_url).status_code == 200
        return profiler


def main() -> None:
    parser = argparse.ArgumentParser()
    kinds = ["submission-open", "submission-sealed", "report-page", "report-pdf"]
    parser.add_argument("what", choices=kinds)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--html", default="")
    options = parser.parse_args()
    profiler: Any
    if options.what.startswith("submission-"):
        profiler = submission(options.what.removeprefix("submission-"), options.count)
    else:
        profiler = report_page(options.count, pdf=options.what == "report-pdf")
    if options.html:
        with open(options.html, "w") as out:
            out.write(profiler.output_html())
    else:
        print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
