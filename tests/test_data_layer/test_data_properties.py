"""Property tests: long <-> wide <-> cube conversions lose nothing."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import workbench.data as wd

codes = st.lists(
    st.from_regex(r"[A-Z][a-z0-9]{0,5}", fullmatch=True), min_size=1, max_size=5, unique=True
)


@st.composite
def cubes(draw):
    import xarray as xr

    cities = draw(codes)
    inds = draw(codes)
    start = draw(st.integers(2000, 2030))
    years = list(range(start, start + draw(st.integers(1, 4))))
    shape = (len(cities), len(inds), len(years))
    vals = draw(
        arrays(np.float64, shape, elements=st.one_of(st.floats(-1e9, 1e9), st.just(np.nan)))
    )
    dirs = draw(st.lists(st.sampled_from([-1, 1]), min_size=len(inds), max_size=len(inds)))
    return xr.Dataset(
        {"value": (("city", "indicator", "year"), vals)},
        coords={"city": cities, "indicator": inds, "year": years, "direction": ("indicator", dirs)},
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cubes())
def test_long_round_trip(cube):
    back = wd.long_to_cube(wd.cube_to_long(cube))
    np.testing.assert_array_equal(back["value"].to_numpy(), cube["value"].to_numpy())
    assert list(back["direction"].to_numpy()) == list(cube["direction"].to_numpy())
    assert list(back["city"].to_numpy()) == list(cube["city"].to_numpy())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cubes())
def test_wide_round_trip(cube):
    wide = wd.cube_to_wide(cube)
    directions = dict(
        zip(cube["indicator"].to_numpy(), cube["direction"].to_numpy().tolist(), strict=True)
    )
    back = wd.wide_to_cube(wide, directions=directions)
    np.testing.assert_array_equal(back["value"].to_numpy(), cube["value"].to_numpy())
    assert list(back["direction"].to_numpy()) == list(cube["direction"].to_numpy())


@settings(max_examples=25, deadline=None)
@given(cubes())
def test_csv_text_round_trip(tmp_path_factory, cube):
    """Through a real CSV file: values survive text formatting (repr of floats is exact)."""
    path = tmp_path_factory.mktemp("rt") / "long.csv"
    wd.cube_to_long(cube).to_csv(path, index=False)
    back = wd.read_cube(path)
    np.testing.assert_array_equal(back["value"].to_numpy(), cube["value"].to_numpy())
