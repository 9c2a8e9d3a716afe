"""The ``chainrule`` command: one program, with ``draw``, ``train`` and ``gpt`` as sibling commands.

    chainrule draw "tanh(x*w + b)" --set x=2.0 w=-3.0 b=6.88 -o graph.svg
    chainrule train --dataset moons --layers 16,16 --epochs 100 --out out/
    chainrule gpt --steps 1000 --out out/gpt

Also runnable as ``python -m chainrule``. Each command lives in a module of
its own (``draw.py``, ``train.py``, ``gpt.py``) with ``add_command`` and ``run``;
``arguments.py`` holds the argument types they share and ``report.py`` the
one way they speak to the user and leave with a status.

Exit status, for every command: 0 done, 2 a mistake in the command line,
1 a failure later (a file that cannot be written, training that diverged),
130 stopped by Ctrl-C.
"""
