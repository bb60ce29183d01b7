"""The ``baotong`` command: :mod:`cli.main` builds the parser with every command module registered by name."""
