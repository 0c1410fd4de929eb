import pytest

from keras_ae.outputs import staged_output


def test_success_publishes_the_folder(tmp_path):
    out = tmp_path / "a" / "run"
    with staged_output(out) as staging:
        (staging / "metrics.json").write_text("{}")
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["run"]


def test_failure_leaves_nothing(tmp_path):
    out = tmp_path / "new" / "deeper" / "run"
    with pytest.raises(RuntimeError):
        with staged_output(out) as staging:
            (staging / "model.keras").write_text("half")
            raise RuntimeError("training failed")
    assert list(tmp_path.iterdir()) == []


def test_existing_folder_is_refused_then_replaced_with_overwrite(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(ValueError, match="Received: out="):
        with staged_output(out):
            pass
    assert (out / "old.txt").exists()
    with staged_output(out, overwrite=True) as staging:
        (staging / "new.txt").write_text("new")
    assert [p.name for p in out.iterdir()] == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_a_file_in_the_way_is_refused(tmp_path):
    (tmp_path / "run").write_text("x")
    with pytest.raises(ValueError, match="must be a folder"):
        with staged_output(tmp_path / "run", overwrite=True):
            pass
