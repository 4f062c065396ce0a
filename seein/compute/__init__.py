"""seein.compute"""
