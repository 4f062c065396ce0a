"""DeepEyes' chart figures (matplotlib Agg, no Qt): training curves, perplexity histograms,
activation heatmap. Each module has a ``*_data`` function (reads the store and the
compute layer's cached results) and a ``draw_*`` function (data + what the state shows
-> a :class:`~seein.render.deepeyes.figure.Drawn`: RGBA pixels, the Figure for export,
and a pixel -> pick function for clicks)."""
