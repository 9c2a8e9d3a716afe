"""The ``chainrule`` program around its commands: version, help, and ``python -m chainrule``."""

import subprocess
import sys

import autograd
import nn
from chainrule.program import main


def test_version_is_the_installed_distributions(capsys):
    from importlib.metadata import version

    assert autograd.__version__ == nn.__version__ == version("chainrule")
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"chainrule {version('chainrule')}"


def test_python_dash_m_chainrule_is_the_same_program():
    done = subprocess.run([sys.executable, "-m", "chainrule", "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("chainrule ")
    bad = subprocess.run([sys.executable, "-m", "chainrule", "paint"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "invalid choice: 'paint'" in bad.stderr
