"""seein.gui"""
