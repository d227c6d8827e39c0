"""The grids sweeper (hydra/sweeper=grids): a union of cartesian grids, as Hydra runs it."""

from __future__ import annotations

from hydra.core.override_parser.overrides_parser import OverridesParser

from harness.track.results import sweep_points
from harness.train.grids import grid_points


def _points(params, grids, args=()):
    parser = OverridesParser.create()
    return grid_points(params, grids, parser.parse_overrides(list(args)), parser)


def test_each_grid_is_its_own_product_and_params_are_shared():
    pts = _points({"c": "0"}, {"g1": {"a": "1,2"}, "g2": {"b": "x,y,z"}})
    assert pts == [("g1", ["c=0", "a=1"]), ("g1", ["c=0", "a=2"]),
                   ("g2", ["c=0", "b=x"]), ("g2", ["c=0", "b=y"]), ("g2", ["c=0", "b=z"])]


def test_a_grid_axis_replaces_the_shared_one():
    pts = _points({"a": "1,2"}, {"g1": {}, "g2": {"a": "3"}})
    assert pts == [("g1", ["a=1"]), ("g1", ["a=2"]), ("g2", ["a=3"])]


def test_command_line_replaces_axes_in_every_grid_and_fixes_plain_values():
    pts = _points(None, {"g1": {"a": "1,2", "b": "0"}, "g2": {"a": "3"}}, ["a=7,8", "p=1"])
    assert pts == [("g1", ["a=7", "b=0", "p=1"]), ("g1", ["a=8", "b=0", "p=1"]),
                   ("g2", ["a=7", "p=1"]), ("g2", ["a=8", "p=1"])]


def test_a_point_reached_by_two_grids_runs_once():
    pts = _points(None, {"g1": {"a": "1,2"}, "g2": {"a": "2,3"}})
    assert [p for _, p in pts] == [["a=1"], ["a=2"], ["a=3"]]


def test_without_grids_it_is_the_basic_sweeper():
    assert _points({"a": "1,2", "b": "x"}, None) == [("", ["a=1", "b=x"]), ("", ["a=2", "b=x"])]


def test_declared_sweep_of_initialization_is_the_union_of_its_grids():
    keys, pts = sweep_points("initialization")
    assert keys == ["preset", "model.init", "trainer.eval_start", "trainer.eval_every",
                    "model.init_std", "model.depth", "model.activation", "model.init_gain"]
    grids = [g for g, _ in pts]
    assert len(pts) == 92 and grids.count("deep_sigmoid_gain") == 4
    assert grids.count("deep_sgd") == 2  # sigmoid and tanh, Xavier, depth 20 (IN-3b)
    assert grids.count("abid") == 3 and grids.count("abid_normal") == 2
    assert grids.count("logreg") + grids.count("logreg_normal") == 4
    assert grids.count("deep") == 4 * 3 * 4 and grids.count("deep_normal") == 4 * 3 * 2
    # a sweep override replaces the axis in every grid that has it, and adds it elsewhere
    _, fewer = sweep_points("initialization", ["model.init=xavier,zeros"])
    assert all("model.init=xavier" in p or "model.init=zeros" in p for _, p in fewer)


def test_exclusive_grids_run_last_one_job_per_launch():
    from hydra_plugins.harness_grids.grids_sweeper import GridsSweeper

    sweeper = GridsSweeper(None, None, {"main": {"a": "1,2"}, "timing": {"t": "x,y"}},
                           exclusive=["timing"])
    parser = OverridesParser.create()
    chunks = sweeper.split_arguments(parser.parse_overrides([]), None)
    assert chunks == [[["a=1"], ["a=2"]], [["t=x"]], [["t=y"]]]
