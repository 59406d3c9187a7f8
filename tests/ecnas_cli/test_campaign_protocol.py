"""A campaign's ``[protocol]``: every runner protocol option, in the settings hash, in the runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecnas_cli.campaign.driver import run_campaign
from ecnas_cli.campaign.spec import load_campaign

CAMPAIGN = """
name = "protocol"
strategies = ["random"]
seed = 3
[protocol]
{protocol}
[[study]]
benchmark = "ecnas-4v"
budget = {{ evaluations = 6 }}
{study}
"""
#: the settings hash of the first run of ``CAMPAIGN`` with no [protocol] entries, as the
#: campaign files made before [protocol] took every option hashed it (those runs are kept)
DEFAULT_HASH = "2b8de4023557"


def write(tmp_path: Path, protocol: str = "", study: str = "", name: str = "c.toml") -> Path:
    path = tmp_path / name
    path.write_text(CAMPAIGN.format(protocol=protocol, study=study))
    return path


def test_the_default_protocol_keeps_its_hash_and_every_option_changes_it(tmp_path):
    default = load_campaign(write(tmp_path)).runs[0]
    assert default.settings_hash == DEFAULT_HASH
    assert default.protocol == {"protocol": "ecnas", "repeats": "cache", "max_cached": 1000,
                                "promotion": None}
    spelled = load_campaign(write(tmp_path, 'protocol = "ecnas"\nrepeats = "cache"')).runs[0]
    assert spelled.settings_hash == DEFAULT_HASH  # the defaults written out: the same runs
    hashes = {DEFAULT_HASH}
    for text in ('protocol = "paper"', 'repeats = "retrain"', "max_cached = 50",
                 'promotion = "restart"', 'promotion = "continue"', "epochs = 12"):
        hashes.add(load_campaign(write(tmp_path, text)).runs[0].settings_hash)
    assert len(hashes) == 7


def test_the_paper_protocol_retrains_by_default_and_epochs_default_every_study(tmp_path):
    paper = load_campaign(write(tmp_path, 'protocol = "paper"\nepochs = 12')).runs[0]
    assert paper.protocol["repeats"] == "retrain" and paper.study.epochs == 12
    own = load_campaign(write(tmp_path, "epochs = 12", "epochs = 36")).runs[0]
    assert own.study.epochs == 36  # a study's own epochs win


@pytest.mark.parametrize(("text", "match"), [
    ('promotion = "sometimes"', r"\[protocol\]: promotion must be one of continue, restart"),
    ('protocol = "authors"', r"\[protocol\]: protocol must be one of ecnas, paper"),
    ('protocol = "paper"\nrepeats = "cache"', "repeats='cache' contradicts it"),
    ("max_cached = 0", "max_cached must be a positive int"),
    ("epochs = 0", r"\[protocol\] epochs must be an integer >= 1"),
    ("promotion = 1", r"\[protocol\] promotion must be a string"),
    ("rule = 1", "unknown key 'rule'")])
def test_a_bad_protocol_is_refused_naming_the_entry(tmp_path, text, match):
    with pytest.raises(ValueError, match=match):
        load_campaign(write(tmp_path, text))


def test_the_protocol_reaches_every_run(tmp_path):
    c = load_campaign(write(tmp_path, 'protocol = "paper"\npromotion = "restart"\nepochs = 1'),
                      tmp_path / "out")
    assert (run_campaign(c)["state"] == "complete").all()
    meta = json.loads((c.runs[0].run_dir(c.out) / "run.json").read_text())
    assert meta["protocol"]["name"] == "paper" and meta["protocol"]["repeats"] == "retrain"
    assert meta["protocol"]["promotion"] == "restart" and meta["epochs"] == 1


def test_a_promotion_the_table_cannot_follow_is_refused_before_any_run(tmp_path):
    text = CAMPAIGN.format(protocol='promotion = "continue"', study="").replace(
        '"ecnas-4v"', '"ecnas-4v-paper"')
    (tmp_path / "c.toml").write_text(text)
    c = load_campaign(tmp_path / "c.toml", tmp_path / "out")
    with pytest.raises(ValueError, match="are separate runs: use restart"):
        run_campaign(c)
    assert not c.out.exists()
