"""``ecnas surrogate``: the energy surrogate and the full 7V energy table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ecnas_cli.commands._options import DataDir, Json, RawDir
from ecnas_cli.console import console, ensure_writable, print_json, progress_bar, user_errors
from ecnas_cli.files import check_output, read_table, write_table

app = typer.Typer(help="Energy surrogate: fit, evaluate, predict, build the 7V table.",
                  no_args_is_help=True)
Kind = Annotated[str, typer.Option(help="gbt, mlp or auto (chosen by cross-validation).")]


def check_kind(kind: str) -> None:
    """Refuse an unknown --kind before any fitting."""
    from benchmarks.surrogate.model import KINDS
    if kind not in (*KINDS, "auto"):
        raise ValueError(f"unknown --kind {kind!r}; valid: {', '.join(KINDS)}, auto")


@app.command("fit")
@user_errors
def fit(kind: Kind = "mlp", seed: int = 0,
        output: Annotated[Path | None, typer.Option(help="Model file (.skops).")] = None,
        raw_dir: RawDir = None, data_dir: DataDir = None) -> None:
    """Fit the energy surrogate on the measured 7V cells and save it (skops, no pickle)."""
    from ecnas_cli.workflows import surrogate as surrogates
    check_kind(kind)
    if output is not None:
        check_output(output, (".skops",))
        ensure_writable(output.parent)
    with console.status("fitting"):
        model, path = surrogates.fit(kind=kind, seed=seed, raw_dir=raw_dir, output=output,
                                     data_dir=data_dir)
    console.print(f"{model.kind} surrogate on {model.n_train:,} cells -> {path}")


@app.command("eval")
@user_errors
def eval_(kind: Kind = "mlp", folds: int = 5, seed: int = 0,
          out: Annotated[Path, typer.Option(help="Folder for the figures.")] = Path("surrogate"),
          learning_curve: Annotated[bool, typer.Option(
              help="Also the learning curve (MAE vs training cells, 5 repeats).")] = True,
          raw_dir: RawDir = None, as_json: Json = False
          ) -> None:
    """k-fold metrics (Kendall tau, Spearman, R^2, MAE in Wh, MAPE), parity plot, curve."""
    from ecnas_cli.workflows import surrogate as surrogates
    check_kind(kind)
    if folds < 2:
        raise ValueError(f"--folds must be >= 2, got {folds}")
    with progress_bar("fitting surrogates") as progress:
        result = surrogates.evaluate(kind=kind, folds=folds, seed=seed, raw_dir=raw_dir,
                                     out=out, curve=learning_curve, progress=progress)
    if as_json:
        print_json(result)
        return
    table = Table("metric", "value", title=f"{kind} surrogate, {folds}-fold CV, "
                                          f"{result['n']:,} cells")
    for key, label in (("kendall_tau", "Kendall tau"), ("spearman", "Spearman"),
                       ("r2", "R^2"), ("mae", "MAE (Wh)"), ("mape", "MAPE (%)"),
                       ("mean_std_wh", "mean ensemble spread (Wh)")):
        table.add_row(label, f"{result[key]:.4f}")
    console.print(table)
    for row in result.get("learning_curve", []):
        console.print(f"  {int(row['n_train']):>5} training cells: median test MAE "
                      f"{row['mae']:.3f} Wh")
    console.print(f"figures in {out}")


@app.command("predict")
@user_errors
def predict(input: Annotated[Path, typer.Option("--input", help="CSV/Parquet: matrix, ops.")],
            output: Annotated[Path, typer.Option(help="Output CSV/Parquet.")],
            model: Annotated[Path | None, typer.Option(help="Model file (default: the user's"
                                                            " fitted model).")] = None,
            raw_dir: RawDir = None, data_dir: DataDir = None) -> None:
    """Predict 4-epoch energy (kWh) and its uncertainty for cells in a CSV."""
    from ecnas_cli.workflows import surrogate as surrogates
    check_output(output)
    if model is not None and not model.is_file():
        raise FileNotFoundError(f"no surrogate model at {model}")
    if not input.is_file():
        raise FileNotFoundError(f"no such file: {input}")
    fitted = surrogates.load_or_fit(model, raw_dir=raw_dir, data_dir=data_dir)
    result = surrogates.predict_frame(read_table(input), fitted)
    write_table(result, output)
    bad = int((result["error"] != "").sum())
    console.print(f"{len(result):,} cells -> {output} ({bad} invalid)")


@app.command("build-7v")
@user_errors
def build_7v(model: Annotated[Path | None, typer.Option(help="Model file.")] = None,
             nasbench101: Annotated[Path | None, typer.Option(
                 help="nasbench_only108/full .tfrecord: join its accuracies (ecnas-7v).")
             ] = None,
             raw_dir: RawDir = None, data_dir: DataDir = None) -> None:
    """Energy of all 423,624 7V cells at 4/12/36/108 epochs as a benchmark table."""
    from ecnas_cli.workflows import surrogate as surrogates
    for path in (model, nasbench101):
        if path is not None and not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
    with progress_bar("predicting 7V cells") as progress:
        name, path, rows = surrogates.build_7v(
            model=model, raw_dir=raw_dir, data_dir=data_dir, nasbench101=nasbench101,
            progress=progress)
    console.print(f"{name}: {rows:,} rows -> {path}")
