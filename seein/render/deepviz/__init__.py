"""deepViz's views (the deepViz paper, §5): confusion matrix, filters, prediction histogram.

Charts drawn with matplotlib's Agg back end (no Qt), as :class:`~seein.render.deepeyes.figure.Drawn`
pixels with what a click means, so the window (seein.gui.views.deepviz) and
``seein screenshot --view NAME`` draw the same figure.
"""
