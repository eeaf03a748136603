"""The CLI's progress bar appears on runs expected to take over PROGRESS_AFTER_SECONDS (issue 15), on
standard error, only on a terminal and never with --quiet. Time comes from an injected clock: nothing
here measures real time."""

from __future__ import annotations

import io

from costmodel.cli import PROGRESS_AFTER_SECONDS, Progress, progress_bar


class Clock:
    """A clock the test moves by hand. [s]"""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _bar(clock: Clock, **kwargs: object) -> tuple[Progress, io.StringIO]:
    err = io.StringIO()
    return Progress(err, "areas", "running", clock=clock, **kwargs), err  # type: ignore[arg-type]


def test_a_run_expected_to_finish_within_two_seconds_draws_nothing():
    clock = Clock()
    bar, err = _bar(clock)
    for done in range(1, 11):  # ten blocks of 0.15 s: 1.5 s in all, every estimate 1.5 s
        clock.now += 0.15
        bar(done, 10)
    assert err.getvalue() == ""


def test_the_first_block_time_scaled_to_the_whole_run_starts_the_bar():
    clock = Clock()
    bar, err = _bar(clock)
    clock.now += 0.5  # the first of ten blocks took 0.5 s: about 5 s expected
    bar(1, 10)
    assert err.getvalue() == "\rrunning [##..................]  10% 1/10 areas"
    clock.now += 0.5
    bar(2, 10)
    assert err.getvalue().endswith("\rrunning [####................]  20% 2/10 areas")


def test_a_run_that_slows_down_shows_the_bar_once_two_seconds_have_passed():
    clock = Clock()
    bar, err = _bar(clock)
    clock.now += 0.1
    bar(1, 20)  # estimate 2.0 s: not more than the threshold
    assert err.getvalue() == ""
    clock.now += PROGRESS_AFTER_SECONDS  # the next blocks took far longer: 2.1 s have passed, 2.2 s expected
    bar(19, 20)
    assert err.getvalue() == "\rrunning [###################.]  95% 19/20 areas"
    clock.now += 0.01
    bar(20, 20)
    assert err.getvalue().endswith("100% 20/20 areas\n")


def test_asked_for_it_draws_from_the_first_call_however_fast():
    clock = Clock()
    bar, err = _bar(clock, always=True)
    bar(4, 4)
    assert err.getvalue() == "\rrunning [####################] 100% 4/4 areas\n"


def test_which_runs_get_a_bar_terminal_quiet_and_asked():
    clock = Clock()
    assert progress_bar(io.StringIO(), asked=False, clock=clock) is None  # not a terminal
    assert progress_bar(Terminal(), asked=False, quiet=True, clock=clock) is None
    assert progress_bar(Terminal(), asked=True, quiet=True, clock=clock) is None  # --quiet wins
    on_terminal = progress_bar(Terminal(), asked=False, clock=clock)
    assert on_terminal is not None and not on_terminal.shown  # waits for the estimate
    asked = progress_bar(io.StringIO(), asked=True, clock=clock)
    assert asked is not None and asked.shown
