import sys

try:
    from bot.cli import main
except ModuleNotFoundError as e:   # `python -m bot` with a Python that isn't .venv's: a traceback, before
    if (e.name or "").split(".")[0] == "bot" or sys.prefix != sys.base_prefix:
        raise   # the project's own module, or a venv half built: the traceback says which
    print(f"error: {e.name} is not installed for {sys.executable}: run .venv/bin/python -m bot "
          "(`make run` builds .venv), or activate .venv first (. .venv/bin/activate)", file=sys.stderr)
    raise SystemExit(2) from None

if __name__ == "__main__":
    raise SystemExit(main())
