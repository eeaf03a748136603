"""``python -m costmodel``: the same command as the installed ``costmodel`` script."""

from .cli import console

if __name__ == "__main__":  # importing the module (doctest collection, say) runs nothing
    raise SystemExit(console())
