"""The water plan as an optimisation model. Imports only ``core`` and ``data``.

The model, inner to outer: ``spec`` (what a plan must respect), ``errors``,
``candidates`` (the input validated), ``checks`` (feasible starts, floors, conflicts
found before a solve), ``model`` (the PuLP model, one ``add_*`` per constraint family),
``highs`` (the HiGHS engine), ``decompose`` (block solves for the national plan),
``portfolio`` (choosing projects end to end) and ``explain`` (why each project is in or
out). Around it: ``priority`` (the score), ``baselines``, ``equal_shares`` and
``compare`` (frontier, scenarios, methods), ``facts``, ``revision``, ``changes`` and
``versions`` (the review after 6/12 months and plan versions in the database). Texts are
in ``text/*.yml``.
"""
