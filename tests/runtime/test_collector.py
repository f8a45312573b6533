"""The collector pause around a tick's synchronous work leaves the process's collector as it found it; the command
line spaces young collections for its process."""

import gc
import subprocess
import sys

import pytest

from town.runtime.collector import YOUNG_COLLECTION_EVERY, collector_paused


def test_the_collector_is_paused_inside_and_back_on_after_even_on_error():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("a tick that fails")
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_user_stays_off():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_command_line_spaces_young_collections_and_keeps_the_older_generations_settings():
    # In a fresh process, as `town` runs: the setting is the process's, so this test's own process is left alone.
    code = (
        "import gc; from town.cli import main\n"
        "gc.set_threshold(700, 11, 12)\n"
        "try:\n    main(['bench', '--help'])\nexcept SystemExit:\n    pass\n"
        "print(*gc.get_threshold())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split()[-3:] == [str(YOUNG_COLLECTION_EVERY), "11", "12"]
