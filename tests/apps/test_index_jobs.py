"""The Index Explorer's worker jobs: the same numbers as the engine, one engine run per choice."""

from __future__ import annotations

import pickle

import pytest

from workbench.apps import index_jobs
from workbench.data import load_sample
from workbench.index import run_index
from workbench.index.paths import profile, what_if

SPEC = {
    "steps": [
        {"normalise": {"method": "minmax", "range": [0, 100]}},
        {
            "weight": {
                "method": "manual",
                "weights": {"IND": 2.0, "TEC": 1.0, "PUB": 1.0, "GOV": 1.0},
            }
        },
        {"aggregate": {"method": "arithmetic"}},
    ]
}


@pytest.fixture(scope="module")
def cube():
    return load_sample("city_ai_index")


def test_views_job_gives_the_engines_profile_and_what_if(cube):
    year = int(cube["year"].to_numpy()[-1])
    city = str(cube["city"].to_numpy()[3])
    indicator = str(cube["indicator"].to_numpy()[0])
    views = index_jobs.views_job(None, SPEC, year, city, indicator, 0.2)
    views = pickle.loads(pickle.dumps(views))  # as it comes back from a worker process
    result = run_index(cube, SPEC, year=year)
    expected = profile(result, city)
    assert views.error is None
    assert views.profile.rank == expected.rank
    assert views.profile.strengths == expected.strengths
    assert views.whatif["score_after"] == pytest.approx(
        what_if(result, city, {indicator: 0.2}, relative=True)["score_after"]
    )
    assert views.whatif["score_after"] > views.whatif["score_before"]


def test_views_job_says_why_a_city_cannot_be_profiled(cube):
    year = int(cube["year"].to_numpy()[-1])
    views = index_jobs.views_job(None, SPEC, year, "999999", None, 0.0)
    assert views.profile is None
    assert "999999" in views.error


def test_the_sample_result_of_a_choice_is_computed_once_and_the_cache_stays_small():
    index_jobs._RESULTS.clear()  # noqa: SLF001 - the module's read-only cache
    first = index_jobs.cached_result(None, SPEC, 2025)
    assert index_jobs.cached_result(None, SPEC, 2025) is first
    for i in range(index_jobs._RESULTS_KEPT + 3):  # noqa: SLF001
        spec = {
            **SPEC,
            "steps": [
                *SPEC["steps"][:1],
                {
                    "weight": {
                        "method": "manual",
                        "weights": {"IND": 1.0 + i, "TEC": 1.0, "PUB": 1.0, "GOV": 1.0},
                    }
                },
                SPEC["steps"][2],
            ],
        }
        index_jobs.cached_result(None, spec, 2025)
    assert len(index_jobs._RESULTS) == index_jobs._RESULTS_KEPT  # noqa: SLF001
    assert index_jobs.cached_result(None, SPEC, 2025) is not first  # dropped, recomputed


def test_a_given_cube_is_never_cached(cube):
    before = len(index_jobs._RESULTS)  # noqa: SLF001
    a = index_jobs.cached_result(cube, SPEC, 2025)
    b = index_jobs.cached_result(cube, SPEC, 2025)
    assert a is not b
    assert len(index_jobs._RESULTS) == before  # noqa: SLF001
