"""Live search: the runner's strategies and protocol driving real trainings.

:mod:`.problem` is the problem a live search asks (a space, objectives and a
:class:`~benchmarks.create.job.CreateSpec` instead of a table); :mod:`.trainer` is the unit of
work a worker runs (train one cell under the meter, or reuse its finished run); :mod:`.loop`
keeps N trainings in flight and tells each result as it arrives; :mod:`.search` is the
application ``ecnas search --live`` calls (checks, the raw tree, the run directory, the table).
Needs the ``train`` extra (torch, ray, codecarbon).
"""
