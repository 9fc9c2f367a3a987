"""The garbage collector settings `oms serve`'s workers apply once the application is loaded."""

import gc

import pytest
from django.core.exceptions import ImproperlyConfigured

from oms.core.gc_tuning import DEFAULT_THRESHOLD, gc_threshold, gc_tune_for_serving


@pytest.fixture
def restored_gc():
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_thresholds_are_read_from_the_setting():
    assert gc_threshold(DEFAULT_THRESHOLD) == (10000, 10, 10)
    assert gc_threshold("50000") == (50000,)
    assert gc_threshold(" Default ") is None


@pytest.mark.parametrize("value", ["", "fast", "0,10,10", "1,2,3,4", "-5", "10000;10"])
def test_a_bad_setting_is_refused_with_its_name(value):
    with pytest.raises(ImproperlyConfigured, match="OMS_GC_THRESHOLD"):
        gc_threshold(value)


def test_serving_freezes_what_is_loaded_and_sets_the_thresholds(monkeypatch, restored_gc):
    monkeypatch.setenv("OMS_GC_THRESHOLD", "20000,15,5")
    gc_tune_for_serving()
    assert gc.get_threshold()[0] == 20000  # the young generation's size (what the others mean varies by version)
    assert gc.get_freeze_count() > 0  # the application's objects are out of the collector's way


def test_default_keeps_pythons_thresholds(monkeypatch, restored_gc):
    gc.set_threshold(700, 10, 10)
    monkeypatch.setenv("OMS_GC_THRESHOLD", "default")
    gc_tune_for_serving()
    assert gc.get_threshold() == (700, 10, 10) and gc.get_freeze_count() > 0
