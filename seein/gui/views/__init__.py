"""The analysis views' docks, one module per research system (deepViz, DeepEyes, what-if).

Each chart is a :class:`~seein.gui.views.chart_dock.ChartSpec` (what to compute, how to
draw it, what a click does) hosted by a :class:`~seein.gui.views.chart_dock.ChartDock`;
the drawing itself is in :mod:`seein.render.views`, shared with ``seein screenshot``.
"""
