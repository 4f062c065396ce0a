"""seein.gui: the Qt views of the app (qtpy), thin translators between input, state and visuals.

Each view or control is one small module; views subscribe to :class:`seein.state.bus.EventBus`
events and change values only through :class:`seein.state.AppState`.
"""
