"""seein.data"""
