"""The command tree: every command's arguments build, and only the chosen room is imported."""

import subprocess
import sys

from livegen.cli import COMMANDS, build_parser, selected_command


def test_every_command_builds_its_arguments(capsys):
    build_parser(load_all=True)  # every module's add_arguments runs without error
    for path, _, _ in COMMANDS:
        try:
            build_parser(path).parse_args([*path, "--help"])
        except SystemExit as exc:
            assert exc.code == 0
        usage = capsys.readouterr().out
        assert usage.startswith(f"usage: livegen {' '.join(path)}"), usage[:80]
        assert "options:" in usage


def test_selected_command():
    assert selected_command(["corpus", "make", "--n", "3"]) == ("corpus", "make")
    assert selected_command(["serve", "--bpm", "120"]) == ("serve",)
    assert selected_command(["--help"]) is None and selected_command([]) is None


def test_serve_imports_no_training_room():
    code = (
        "import sys; from livegen.cli import build_parser;"
        "build_parser(('serve',)).parse_args(['serve']);"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'encodec', 'onnx')"
        " or m.startswith(('livegen.training', 'livegen.training.unet', 'livegen.corpus.make'))];"
        "print(bad); sys.exit(bool(bad))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
