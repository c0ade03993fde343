"""The typer application and what every command shares: errors, exit codes, output."""

from __future__ import annotations

import signal
import sys
import warnings
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, ParamSpec, TypeVar

import typer

from kpkclassify import __version__

app = typer.Typer(
    name="kpkclassify",
    help="Find reports of illegal fees (pungli), slow service and anti-corruption campaigns "
    "in Indonesian complaints and posts.\n\n"
    "Shell completion (bash, zsh, fish, PowerShell): run kpkclassify --install-completion once, "
    "or print the script with kpkclassify --show-completion and add it to your shell's startup file.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)

# Options spelled, and explained, the same on every command that has them.
TEXT_COLUMN_HELP = "Column holding the text; guessed when absent (text, teks, isi, ...)."
TEXT_COLUMNS_HELP = TEXT_COLUMN_HELP + " Repeat to join several columns."
LABEL_COLUMN_HELP = "Column holding the labels, e.g. illegal_fee|slow_service; guessed when absent (labels or label)."
QUIET_HELP = "Nothing on standard error: no progress and no summary (errors are still shown)."
JSON_HELP = "Print the result as one JSON document on standard output, instead of the human-readable output."

P = ParamSpec("P")
R = TypeVar("R")
EXIT_DATA = 1


def fail(message: str, code: int = EXIT_DATA) -> NoReturn:
    """Print one error line to stderr and exit."""
    typer.echo(f"kpkclassify: error: {message}", err=True)
    raise typer.Exit(code)


def handles_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn the library's input, data and model errors into one line and exit code 1."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from kpkclassify.io.tables import InputError
        from kpkclassify.persist import ModelLoadError

        # SIGTERM and SIGHUP (a closed terminal or ssh session) clean up like Ctrl-C does:
        # temporary output files are removed and worker processes stopped.
        for name in ("SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), _terminate)
        warnings.showwarning = _one_line_warning
        try:
            return func(*args, **kwargs)
        except (InputError, ModelLoadError) as exc:
            fail(str(exc).replace("\n", "\n  ") if "\n" in str(exc) else str(exc))
        except ValueError as exc:  # invalid option values that only the library can check
            fail(str(exc))
        except KeyboardInterrupt:
            typer.echo("kpkclassify: interrupted; no output was written", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            sys.stderr.close()
            raise typer.Exit(0) from None
        except OSError as exc:  # disk full, permission denied, read-only folder ...
            fail(os_error_line(exc))

    return wrapper


def os_error_line(exc: OSError) -> str:
    """One line for a system error: our output errors say what they were writing; any other
    names its file when it has one."""
    from kpkclassify.io.tables import OutputError

    if isinstance(exc, OutputError) or not exc.filename:
        return str(exc) or type(exc).__name__
    return f"{exc.filename}: {exc.strerror or exc}"


def one_character(value: str | None) -> str | None:
    """Validate a --delimiter option: one character (``\\t`` or ``tab`` for a tab)."""
    if value is None or value in ("\\t", "tab", "TAB") or len(value) == 1:
        return value
    raise typer.BadParameter(f"{value!r} is not one character; give one, e.g. ';' or '\\t'")


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    typer.echo(f"kpkclassify: warning: {message}", err=True)


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"kpkclassify {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", "-V", callback=version_callback, is_eager=True,
                                 help="Print the version (kpkclassify X.Y.Z) and exit."),
) -> None:
    """Find reports of illegal fees (pungli), slow service and anti-corruption campaigns."""


def print_json(document: Any) -> None:
    """Print one JSON document on standard output (what every ``--json`` option does)."""
    import json

    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


def load_model(path: str | None) -> Any:
    from kpkclassify.persist import load

    return load(path)
