"""seein.render"""
