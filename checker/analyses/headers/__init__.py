"""The header analysis: ``analyze`` sequences the mechanisms over one message; ``identity`` says who the
headers claim sent it, ``report`` what to tell the reader.
"""
