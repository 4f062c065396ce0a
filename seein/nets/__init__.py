"""seein.nets"""
