"""``chainrule gpt`` (``chainrule/gpt.py``): files written, samples printed, mistakes answered with status 2."""

import json

import pytest

import nn
from chainrule.program import main

PNG = b"\x89PNG\r\n\x1a\n"
# A small, quick run: 100 held-out names, a narrow model, 4 steps.
SMALL = ["--steps", "4", "--width", "8", "--heads", "2", "--validation-fraction", "0.01", "--eval-names", "5",
         "--samples", "3", "--no-progress"]  # fmt: skip


def run(capsys, *argv):
    status = main(["gpt", *argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.slow
def test_a_run_writes_the_loss_curve_the_model_the_samples_and_the_history(capsys, tmp_path):
    status, out, err = run(capsys, *SMALL, "--out", str(tmp_path))
    assert status == 0, err
    assert (tmp_path / "loss.png").read_bytes().startswith(PNG)
    model = nn.load_model(tmp_path / "model.json")
    assert repr(model) == "GPT(vocab_size=27, block_size=16, n_layer=1, n_embd=8, n_head=2)"
    samples = (tmp_path / "samples.txt").read_text().splitlines()
    assert len(samples) == 3 and f"3 new names at temperature 0.5: {', '.join(samples)}" in out
    assert "validation loss " in out and "on all 100 held-out names (after 4 steps)" in out
    history = json.loads((tmp_path / "history.json").read_text())
    assert len(history["loss"]) == 4 and history["val_steps"] == [1, 2, 3, 4]
    assert [step for step, _ in history["samples"]] == [1, 2, 3, 4]  # sampled as it goes
    assert "step 2: " in out
    for name in ("loss.png", "model.json", "samples.txt", "history.json"):
        assert f"wrote {tmp_path / name}" in out
    assert "9900 names to train on, 100 held out; 27 tokens" in err
    assert "1,328 parameters, with Adam(lr=0.01), linear schedule, 1 name(s) per step, 4 steps" in err


@pytest.mark.slow
def test_the_printed_validation_loss_is_the_saved_models(capsys, tmp_path):
    status, out, _ = run(capsys, *SMALL, "--seed", "3", "--out", str(tmp_path))
    assert status == 0
    _, validation = nn.data.train_validation_split(nn.data.names(), 0.01, seed=3)
    model = nn.load_model(tmp_path / "model.json")
    assert f"validation loss {nn.sequence_loss(model, validation):.4f}" in out


@pytest.mark.slow
def test_adamw_a_cosine_schedule_and_batches_are_passed_on(capsys, tmp_path):
    status, _, err = run(capsys, *SMALL, "--optimizer", "adamw", "--weight-decay", "0.1", "--schedule", "cosine",
                         "--batch-size", "2", "--layers", "2", "--block-size", "14", "--out", str(tmp_path))  # fmt: skip
    assert status == 0, err
    assert "with AdamW(lr=0.01, weight_decay=0.1), cosine schedule, 2 name(s) per step" in err
    assert nn.load_model(tmp_path / "model.json").config()["n_layer"] == 2


@pytest.mark.slow
def test_compile_trains_through_tapes_with_the_same_losses(capsys, tmp_path):
    histories = []
    for flags in ([], ["--compile"]):
        out_dir = tmp_path / ("compiled" if flags else "eager")
        status, _, err = run(capsys, *SMALL, "--batch-size", "3", *flags, "--out", str(out_dir))
        assert status == 0, err
        histories.append(json.loads((out_dir / "history.json").read_text()))
    assert "3 name(s) per step, 4 steps, through tapes" in err
    eager, compiled = histories
    assert compiled["loss"] == pytest.approx(eager["loss"], rel=1e-9)
    assert compiled["val_loss"] == pytest.approx(eager["val_loss"], rel=1e-9)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--steps", "0"], "--steps: must be at least 1, got 0"),
        (["--steps", "many"], "'many' is not a whole number"),
        (["--heads", "3"], "--heads 3 does not divide --width 16"),
        (["--block-size", "10"], "--block-size 10 is too short: the longest name, 'maryelizabeth', needs 14 positions"),
        (["--weight-decay", "0.1"], "--weight-decay is for --optimizer adamw"),
        (["--schedule", "wobbly"], "invalid choice: 'wobbly'"),
        (["--optimizer", "sgd"], "invalid choice: 'sgd'"),
        (["--temperature", "0"], "--temperature: must be above 0"),
        (["--lr", "nan"], "finite"),
        (["--validation-fraction", "1"], "between 0 and 1"),
        (["--seed", "-1"], "--seed"),
        (
            ["--width", "12", "--heads", "5", "--block-size", "3"],
            "does not divide --width 12: each head takes an equal slice; --block-size 3 is too short",
        ),
        (["--unknown"], "unrecognized arguments: --unknown"),
    ],
)
def test_bad_options_get_a_clear_message_and_status_2(capsys, tmp_path, argv, message):
    out_dir = tmp_path / "out"
    status, out, err = run(capsys, *argv, "--out", str(out_dir), "--no-progress")
    assert status == 2
    assert message in err and "usage: chainrule gpt" in err
    assert "Traceback" not in err and out == ""
    assert not out_dir.exists()  # nothing was trained or written


def test_a_run_that_diverges_says_so_and_saves_no_model(capsys, tmp_path):
    status, out, err = run(capsys, *SMALL, "--lr", "1e300", "--out", str(tmp_path))
    assert status == 1
    assert "training diverged at step" in err and "smaller --lr (now 1e+300)" in err and "Traceback" not in err
    assert not (tmp_path / "model.json").exists() and not (tmp_path / "samples.txt").exists()
    assert (tmp_path / "history.json").exists()


def test_an_output_that_cannot_be_written_is_status_1(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    status, _, err = run(capsys, *SMALL, "--out", str(blocker))
    assert status == 1 and "cannot write" in err and "Traceback" not in err


def test_an_interrupted_run_still_writes_what_it_learnt(capsys, tmp_path, monkeypatch):
    real = nn.train_sequences

    def interrupted_after_step_2(*args, **options):
        def press_ctrl_c(step, history):
            if step == 1:
                raise KeyboardInterrupt

        return real(*args, **options, callbacks=[press_ctrl_c])

    monkeypatch.setattr(nn, "train_sequences", interrupted_after_step_2)
    status, out, err = run(capsys, *SMALL, "--steps", "10", "--out", str(tmp_path))
    assert status == 130
    assert "interrupted after 2 of 10 steps" in err
    assert nn.load_model(tmp_path / "model.json") is not None
    assert len(json.loads((tmp_path / "history.json").read_text())["loss"]) == 2


def test_help_lists_gpt_beside_train_and_draw(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "train" in out and "gpt" in out and "draw" in out
    assert main(["gpt", "--help"]) == 0
    assert "chainrule gpt --steps 1000 --out out/gpt" in capsys.readouterr().out
